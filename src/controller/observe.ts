// What the reconciler observes of a cluster, in the engine's terms: each member's pod (from the cache) with
// what is known of it (the engine's state), and the StatefulSet's size and update revision.
import type { V1Pod, V1StatefulSet } from '@kubernetes/client-node';
import { LABEL_REVISION, ordinalOf, statefulSetName } from '../api/names.ts';
import type { ReplicatedStatefulSet } from '../api/types.ts';
import type { ClusterState } from '../engine/state.ts';
import type { ClusterPolicy, MemberObservation, Observation, PodView } from '../engine/types.ts';
import type { ClusterCaches } from './ports.ts';

export function podView(pod: V1Pod | undefined): PodView {
  if (!pod) return { phase: 'Missing' };
  const view: PodView = { phase: 'Pending' };
  if (pod.metadata?.uid) view.uid = pod.metadata.uid;
  const revision = pod.metadata?.labels?.[LABEL_REVISION];
  if (revision) view.revision = revision;
  const statuses = pod.status?.containerStatuses;
  if (statuses) view.restarts = statuses.reduce((sum, c) => sum + (c.restartCount ?? 0), 0);
  if (pod.metadata?.deletionTimestamp) view.phase = 'Terminating';
  else if (pod.status?.phase === 'Running') view.phase = 'Running';
  else if (pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded') view.phase = 'Failed';
  return view;
}

/** The StatefulSet's update revision, once its controller has seen the current template. */
function updateRevisionOf(sts: V1StatefulSet | undefined): string | undefined {
  if (!sts?.status?.updateRevision) return undefined;
  if ((sts.status.observedGeneration ?? 0) < (sts.metadata?.generation ?? 0)) return undefined;
  return sts.status.updateRevision;
}

/** The member pods of the cluster, by name. */
export function memberPods(caches: ClusterCaches, rss: ReplicatedStatefulSet): Map<string, V1Pod> {
  const n = rss.metadata.name!;
  const pods = new Map<string, V1Pod>();
  for (const pod of caches.pods(rss.metadata.namespace!, n)) {
    if (ordinalOf(pod.metadata!.name!, n) !== undefined) pods.set(pod.metadata!.name!, pod);
  }
  return pods;
}

export function observe(caches: ClusterCaches, rss: ReplicatedStatefulSet, policy: ClusterPolicy, state: ClusterState, now: number): { observation: Observation; pods: Map<string, V1Pod> } {
  const n = rss.metadata.name!;
  const pods = memberPods(caches, rss);
  const ordinals = new Set<number>();
  for (let i = 0; i < policy.replicas; i++) ordinals.add(i);
  for (const podName of [...pods.keys(), ...state.records.keys()]) {
    const ordinal = ordinalOf(podName, n);
    if (ordinal !== undefined) ordinals.add(ordinal);
  }
  const members: MemberObservation[] = [...ordinals]
    .sort((a, b) => a - b)
    .map((ordinal) => {
      const name = `${statefulSetName(n)}-${ordinal}`;
      return { name, ordinal, pod: podView(pods.get(name)), record: state.records.get(name) ?? { name, role: 'unknown', failures: 0, seedFailures: 0 } };
    });
  const sts = caches.statefulSet(rss.metadata.namespace!, statefulSetName(n));
  const observation: Observation = { now, members, statefulSetReplicas: sts?.spec?.replicas ?? 0 };
  if (state.highestSequence !== undefined) observation.highestSequence = state.highestSequence;
  const updateRevision = updateRevisionOf(sts);
  if (updateRevision !== undefined) observation.updateRevision = updateRevision;
  if (state.rolloutHalt !== undefined) observation.rolloutHalt = state.rolloutHalt;
  if (state.rolloutUnderWay !== undefined) observation.rolloutUnderWay = state.rolloutUnderWay;
  if (state.runningSequenceAt !== undefined) observation.runningSequenceAt = state.runningSequenceAt;
  if (state.lastBootstrap !== undefined) observation.bootstrapped = true;
  if (state.switchover !== undefined) observation.switchover = state.switchover;
  return { observation, pods };
}
