// What the reconciler needs from the world, as interfaces: the manager plugs in the Kubernetes ones
// (informer caches, exec, the API server, the event recorder, the wall clock); the simulation plugs in its
// own. The reconciler itself is the same class in both.
import type { V1Pod, V1PodCondition, V1PodDisruptionBudget, V1Service, V1StatefulSet } from '@kubernetes/client-node';
import type { Backup } from '../api/backup-types.ts';
import type { ReplicatedStatefulSet, ReplicatedStatefulSetStatus } from '../api/types.ts';
import type { CommandOutcome } from '../engine/types.ts';
import type { EventSubject, EventType } from '../kube/events.ts';
import type { ExecRequest, ExecStreams } from '../kube/exec.ts';

/** What the reconciler reads: the informers' caches (possibly behind the API server). */
export interface ClusterCaches {
  cluster(namespace: string, name: string): ReplicatedStatefulSet | undefined;
  pods(namespace: string, name: string): V1Pod[];
  statefulSet(namespace: string, name: string): V1StatefulSet | undefined;
  service(namespace: string, name: string): V1Service | undefined;
  disruptionBudget(namespace: string, name: string): V1PodDisruptionBudget | undefined;
  /**
   * Whether the node is cordoned (spec.unschedulable): true or false, or undefined when not known (the
   * operator may not read nodes, or the node is not in the cache).
   */
  nodeUnschedulable(name: string): boolean | undefined;
  /** Backups in the namespace (to find what a restore names). */
  backups(namespace: string): Backup[];
}

/** Runs one of the application's commands in a member's container. */
export interface CommandRunner {
  run(request: ExecRequest, streams?: ExecStreams): Promise<CommandOutcome>;
}

/**
 * What the reconciler writes. Each call either succeeds or throws (the reconcile then fails and is retried
 * with backoff); a write to an object that is gone is not an error where the comment says so.
 */
export interface ClusterWriter {
  /** Server-side apply of the cluster's Service. */
  applyService(namespace: string, body: V1Service): Promise<void>;
  /** Server-side apply of the cluster's StatefulSet. */
  applyStatefulSet(namespace: string, body: V1StatefulSet): Promise<void>;
  /** Server-side apply of the members' PodDisruptionBudget. */
  applyPodDisruptionBudget(namespace: string, body: V1PodDisruptionBudget): Promise<void>;
  /** Deletes the PodDisruptionBudget (spec.podDisruptionBudget.enabled turned false); one already gone is fine. */
  deletePodDisruptionBudget(namespace: string, name: string): Promise<void>;
  /** Sets one condition in the pod's status (the member-ready readiness gate); a pod already gone is fine. */
  setPodCondition(namespace: string, name: string, condition: V1PodCondition): Promise<void>;
  /** Deletes a member's pod at once (grace period 0); a pod already gone is fine. */
  deletePod(namespace: string, name: string): Promise<void>;
  /** Merges labels into a pod; a pod already gone is fine. */
  labelPod(namespace: string, name: string, labels: Record<string, string>): Promise<void>;
  /** Merge-patches the RSS status subresource; false when the RSS is gone. */
  patchStatus(namespace: string, name: string, status: ReplicatedStatefulSetStatus): Promise<boolean>;
  /** Removes an annotation from the RSS (a one-shot request carried out). */
  removeAnnotation(namespace: string, name: string, key: string): Promise<void>;
}

/** Records Events on the RSS. Never rejects: a lost Event must not fail a reconcile. */
export interface EventSink {
  record(subject: EventSubject, type: EventType, reason: string, message: string): Promise<void>;
}

/** Wall-clock time (ms since epoch) for records and status; virtual in the simulation. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
