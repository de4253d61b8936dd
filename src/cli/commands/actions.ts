// The commands that set an annotation on the RSS for the operator to act on: `seed`, `fence`, `unfence`,
// `restart`, `pause`, `resume` (planned in actions.ts) and `restore`.

import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { GROUP, LABEL_APP, LABEL_MANAGED, PLURAL, VERSION } from '../../api/names.ts';
import type { ReplicatedStatefulSet } from '../../api/types.ts';
import { CliError, MEMBER_ACTIONS, annotationPatch, planAction, planRestore, type Action, type ActionPlan } from '../actions.ts';
import type { Io, Options } from '../kubectl-rss.ts';
import { apiError, describe, getCluster, listBackups, readPodLabels, type Clients } from './api.ts';

/**
 * Read the RSS, plan, patch the annotations with the resourceVersion read; on a conflict (someone else
 * edited the RSS meanwhile), all again. Prints the plan's messages once the patch is made.
 */
async function applyPlan(clients: Clients, cluster: string, plan: (rss: ReplicatedStatefulSet) => ActionPlan, io: Io): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const rss = await getCluster(clients, cluster);
    const planned = plan(rss);
    if (Object.keys(planned.annotations).length > 0) {
      try {
        await clients.custom.patchNamespacedCustomObject(
          { group: GROUP, version: VERSION, namespace: clients.namespace, plural: PLURAL, name: cluster, body: annotationPatch(planned, rss.metadata.resourceVersion) },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
      } catch (error) {
        if (apiError(error)?.code === 409 && attempt < 5) continue;
        throw new CliError(`cannot update ReplicatedStatefulSet "${cluster}" in namespace "${clients.namespace}": ${describe(error, clients)}`);
      }
    }
    const text = planned.messages.join('\n') + '\n';
    if (planned.exitCode === 0) io.out(text);
    else io.err(`error: ${text}`);
    return planned.exitCode;
  }
}

export async function restore(clients: Clients, options: Options, io: Io): Promise<number> {
  const cluster = options.args[0]!;
  // The cluster first: "not found" is the clearer message when both it and the Backup CRD are missing.
  await getCluster(clients, cluster);
  const all = await listBackups(clients);
  return await applyPlan(clients, cluster, (rss) => planRestore({ rss, backups: all, ...(options.backup !== undefined ? { backup: options.backup } : {}) }), io);
}

export async function act(clients: Clients, action: Action, options: Options, io: Io): Promise<number> {
  let cluster: string;
  let pod: string | undefined;
  let podLabels: Record<string, string> | undefined;
  if ((MEMBER_ACTIONS as readonly string[]).includes(action)) {
    if (options.args.length === 2) {
      [cluster, pod] = options.args as [string, string];
      podLabels = await readPodLabels(clients, pod, false);
    } else {
      pod = options.args[0]!;
      podLabels = await readPodLabels(clients, pod, true);
      if (podLabels === undefined) {
        throw new CliError(`pod "${pod}" not found in namespace "${clients.namespace}"; name its cluster too: kubectl rss ${action} <cluster> ${pod}`);
      }
      const app = podLabels[LABEL_APP];
      if (!app || podLabels[LABEL_MANAGED] !== 'true') {
        throw new CliError(`pod "${pod}" in namespace "${clients.namespace}" is not a member of a ReplicatedStatefulSet (it has no ${LABEL_MANAGED}=true and ${LABEL_APP} labels)`);
      }
      cluster = app;
    }
  } else {
    cluster = options.args[0]!;
  }

  return await applyPlan(clients, cluster, (rss) => planAction(action, { rss, ...(pod !== undefined ? { pod } : {}), podExists: podLabels !== undefined }), io);
}
