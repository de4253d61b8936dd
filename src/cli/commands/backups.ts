// `kubectl rss backup` (create a Backup, and with --wait follow it until it ends) and `kubectl rss
// backups` (list a cluster's Backups).

import { setTimeout as sleep } from 'node:timers/promises';
import type { Backup } from '../../api/backup-types.ts';
import { BACKUP_PLURAL, GROUP, VERSION } from '../../api/names.ts';
import { CliError } from '../actions.ts';
import { buildBackupsView, defaultBackupName, newBackup, renderBackupsTable, waitForBackup } from '../backups.ts';
import type { Io, Options } from '../kubectl-rss.ts';
import { MissingBackupCrd, apiError, describe, getCluster, listBackups, print, type Clients } from './api.ts';

/** How long `backup --wait` waits by default: longer than most backups, shorter than a forgotten terminal. */
export const DEFAULT_WAIT_MS = 3_600_000;

export async function backups(clients: Clients, options: Options, io: Io): Promise<number> {
  const cluster = options.args[0]!;
  // The cluster need not exist: the backups of a deleted cluster are what a new one is restored from.
  const view = buildBackupsView(await listBackups(clients), cluster, clients.namespace);
  if (options.output !== 'text') {
    print(view, options.output, io);
    return 0;
  }
  const text = renderBackupsTable(view, io.now());
  if (text.empty !== undefined) io.err(text.empty);
  io.out(text.out);
  return 0;
}

export async function backup(clients: Clients, options: Options, io: Io): Promise<number> {
  const cluster = options.args[0]!;
  const rss = await getCluster(clients, cluster);
  // The operator would only mark such a Backup Failed: say so now, before anything is created.
  if (rss.spec?.pod?.commands?.backup === undefined) {
    throw new CliError(`ReplicatedStatefulSet "${cluster}" in namespace "${clients.namespace}" has no backup command (spec.pod.commands.backup): the operator cannot back it up`);
  }
  if (rss.spec?.backup?.storage === undefined) {
    throw new CliError(`ReplicatedStatefulSet "${cluster}" in namespace "${clients.namespace}" has no spec.backup.storage: the operator does not know where to put its backups`);
  }
  const name = options.name ?? defaultBackupName(cluster, io.now());
  try {
    await clients.custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: clients.namespace, plural: BACKUP_PLURAL, body: newBackup(clients.namespace, cluster, name, options.target) });
  } catch (error) {
    const api = apiError(error);
    if (api?.code === 409) throw new CliError(`Backup "${name}" already exists in namespace "${clients.namespace}"; choose another name with --name`);
    // The namespace exists (the cluster was just read in it): a 404 means the resource type is unknown.
    if (api?.code === 404) throw new MissingBackupCrd(BACKUP_PLURAL, 'Backup', api.message);
    throw new CliError(`cannot create Backup "${name}" in namespace "${clients.namespace}": ${describe(error, clients)}`);
  }
  const ns = clients.namespace;
  if (!options.wait) {
    io.out(`backup ${name} created; follow it with: kubectl rss backups ${cluster} -n ${ns}\n`);
    return 0;
  }
  io.out(`backup ${name} created\n`);
  return await waitForBackup(name, cluster, ns, {
    read: async () => {
      try {
        return (await clients.custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: BACKUP_PLURAL, name })) as Backup;
      } catch (error) {
        if (apiError(error)?.code === 404) return undefined;
        throw new Error(describe(error, clients));
      }
    },
    now: () => io.now(),
    sleep: (ms) => (io.sleep ? io.sleep(ms) : sleep(ms)),
    out: (line) => io.out(`${line}\n`),
    err: (line) => io.err(`${line}\n`),
    timeoutMs: options.timeoutMs ?? DEFAULT_WAIT_MS,
  });
}
