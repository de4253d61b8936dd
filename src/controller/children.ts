// The cluster's Kubernetes children: the headless Service, the StatefulSet (its size as the engine asks),
// the PodDisruptionBudget, and the role labels and member-ready condition on the member pods. Applied only when they differ from what the cache shows.
import type { V1Pod, V1StatefulSet } from '@kubernetes/client-node';
import { LABEL_ACTIVE_MEMBER, LABEL_ROLE, READINESS_GATE_MEMBER, disruptionBudgetName, serviceName, statefulSetName } from '../api/names.ts';
import type { ResolvedSpec } from '../api/spec.ts';
import type { ReplicatedStatefulSet } from '../api/types.ts';
import type { MemberRecord } from '../engine/types.ts';
import type { ClusterCaches, ClusterWriter } from './ports.ts';
import { appliedHash, buildPodDisruptionBudget, buildService, buildStatefulSet } from './resources.ts';

/** The StatefulSet built for one spec generation and size (building and hashing it is the costly part). */
export interface BuiltStatefulSet {
  key: string;
  desired: V1StatefulSet;
  hash: string;
}

export async function ensureService(caches: ClusterCaches, writer: ClusterWriter, rss: ReplicatedStatefulSet, spec: ResolvedSpec): Promise<void> {
  const desired = buildService(rss, spec);
  const current = caches.service(rss.metadata.namespace!, serviceName(rss.metadata.name!));
  if (current && appliedHash(current) === appliedHash(desired)) return;
  await writer.applyService(rss.metadata.namespace!, desired);
}

/** Applies the PodDisruptionBudget when it differs; deletes it when spec.podDisruptionBudget.enabled is false. */
export async function ensureDisruptionBudget(caches: ClusterCaches, writer: ClusterWriter, rss: ReplicatedStatefulSet, spec: ResolvedSpec): Promise<void> {
  const namespace = rss.metadata.namespace!;
  const name = disruptionBudgetName(rss.metadata.name!);
  const current = caches.disruptionBudget(namespace, name);
  const desired = buildPodDisruptionBudget(rss, spec);
  if (!desired) {
    // Only the operator's own (owned by this RSS): a budget someone made by hand under that name stays.
    if (current?.metadata?.ownerReferences?.some((o) => o.uid === rss.metadata.uid)) await writer.deletePodDisruptionBudget(namespace, name);
    return;
  }
  if (current && appliedHash(current) === appliedHash(desired)) return;
  await writer.applyPodDisruptionBudget(namespace, desired);
}

/** Applies the StatefulSet when it differs; returns what was built, for the next call to reuse. */
export async function ensureStatefulSet(caches: ClusterCaches, writer: ClusterWriter, rss: ReplicatedStatefulSet, spec: ResolvedSpec, replicas: number, built: BuiltStatefulSet | undefined): Promise<BuiltStatefulSet> {
  const current = caches.statefulSet(rss.metadata.namespace!, statefulSetName(rss.metadata.name!));
  const key = `${rss.metadata.generation ?? 0}/${replicas}`;
  if (built?.key !== key) {
    const desired = buildStatefulSet(rss, spec, replicas);
    built = { key, desired, hash: appliedHash(desired) ?? '' };
  }
  if (current && appliedHash(current) === built.hash && current.spec?.replicas === replicas) return built;
  await writer.applyStatefulSet(rss.metadata.namespace!, built.desired);
  return built;
}

/**
 * Labels each member pod with its recorded role, so Services and people can select primaries, and sets its
 * member-ready condition (the readiness gate): True while it runs as primary or secondary.
 */
export async function syncPodLabels(writer: ClusterWriter, rss: ReplicatedStatefulSet, pods: Map<string, V1Pod>, records: ReadonlyMap<string, MemberRecord>): Promise<void> {
  await Promise.all(
    [...pods.values()].map(async (pod) => {
      if (pod.metadata?.deletionTimestamp) return;
      const record = records.get(pod.metadata!.name!);
      if (!record || record.podUid !== pod.metadata?.uid) return;
      const role = record.role;
      const active = role === 'primary' || role === 'secondary' ? 'true' : 'false';
      const labels = pod.metadata?.labels ?? {};
      if (labels[LABEL_ROLE] !== role || labels[LABEL_ACTIVE_MEMBER] !== active) {
        await writer.labelPod(rss.metadata.namespace!, pod.metadata!.name!, { [LABEL_ROLE]: role, [LABEL_ACTIVE_MEMBER]: active });
      }
      const ready = active === 'true' ? 'True' : 'False';
      const gate = pod.status?.conditions?.find((c) => c.type === READINESS_GATE_MEMBER);
      if (gate?.status === ready) return;
      await writer.setPodCondition(rss.metadata.namespace!, pod.metadata!.name!, {
        type: READINESS_GATE_MEMBER,
        status: ready,
        reason: ready === 'True' ? 'MemberRunning' : 'MemberNotRunning',
        message: ready === 'True' ? `runs as ${role}` : `not running as a member (${role})`,
      });
    }),
  );
}
