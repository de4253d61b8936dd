// `kubectl rss status`: reads the cluster, its pods, its Events, its Backups and BackupSchedules, and
// prints the view of them (status-view.ts) as text or as JSON or YAML.

import { selectorString } from '../../api/names.ts';
import type { Io, Options } from '../kubectl-rss.ts';
import { renderStatusText } from '../status-render.ts';
import { buildStatusView, type EventLike, type PodLike } from '../status-view.ts';
import { describe, getCluster, listBackups, listSchedules, optional, print, type Clients } from './api.ts';

export async function status(clients: Clients, options: Options, io: Io): Promise<number> {
  const name = options.args[0]!;
  const rss = await getCluster(clients, name);
  let pods: PodLike[] = [];
  try {
    pods = (await clients.core.listNamespacedPod({ namespace: clients.namespace, labelSelector: selectorString(name) })).items;
  } catch (error) {
    io.err(`warning: cannot list the pods of ${name}: ${describe(error, clients)}\n`);
  }
  let events: EventLike[] = [];
  try {
    const list = await clients.core.listNamespacedEvent({ namespace: clients.namespace, fieldSelector: `involvedObject.name=${name},involvedObject.kind=${rss.kind}` });
    // Events of an earlier RSS of the same name are not about this one.
    events = list.items.filter((e) => !e.involvedObject.uid || !rss.metadata.uid || e.involvedObject.uid === rss.metadata.uid);
  } catch {
    // Events are a bonus: without the right to list them, the status is still complete.
  }
  // Backups too. Not being able to list them (no backup CRD, no right to) is only worth a warning for a
  // cluster that uses backups: for the others, the status is complete without them.
  const usesBackups = rss.spec?.backup !== undefined || rss.spec?.bootstrap !== undefined || Boolean(rss.status?.restore);
  const [backups, schedules] = await Promise.all([optional(listBackups(clients), usesBackups, io), optional(listSchedules(clients), usesBackups, io)]);
  const view = buildStatusView({ rss, pods, events, ...(backups !== undefined ? { backups } : {}), ...(schedules !== undefined ? { schedules } : {}) });
  if (options.output === 'text') io.out(renderStatusText(view, io.now()));
  else print(view, options.output, io);
  return 0;
}
