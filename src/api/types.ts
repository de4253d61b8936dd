// The ReplicatedStatefulSet resource as stored by the API server (deploy/crd.yaml is its schema).
//
// Every field of the 2018 Go operator's ClusterSpec / PodPolicy / ReplicationCommand
// (beekhof/rss-operator pkg/apis/clusterlabs/v1alpha1/cluster.go) is here with the same JSON name and
// shape, so its users' YAML keeps working; fields it accepted but never used are marked as ignored.
// New fields: failureThreshold. Everything is optional as far as TypeScript is concerned: the schema
// rejects what it can, and src/api/spec.ts checks the rest without trusting these types.

import type {
  V1Affinity,
  V1Container,
  V1LabelSelector,
  V1LocalObjectReference,
  V1ObjectMeta,
  V1PersistentVolumeClaim,
  V1PodSecurityContext,
  V1ResourceRequirements,
  V1ServicePort,
  V1Toleration,
  V1Volume,
} from '@kubernetes/client-node';
import type { Phase, Role } from '../engine/types.ts';
import type { BackupPolicy, BootstrapSource, RestoreStatus, LastBackupStatus } from './backup-types.ts';

export interface ReplicatedStatefulSet {
  apiVersion: string;
  kind: string;
  metadata: V1ObjectMeta;
  spec: ReplicatedStatefulSetSpec;
  status?: ReplicatedStatefulSetStatus;
}

export interface ReplicatedStatefulSetList {
  apiVersion: string;
  kind: string;
  metadata?: { resourceVersion?: string; continue?: string };
  items: ReplicatedStatefulSet[];
}

/** A duration: Go duration string ("30s", "15m10s") or a bare number of seconds. See duration.ts. */
export type DurationValue = string | number;

export const COMMAND_NAMES = ['sequence', 'seed', 'primary', 'secondary', 'status', 'stop', 'backup', 'restore'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];
export const REQUIRED_COMMANDS = ['sequence', 'primary', 'status', 'stop'] as const satisfies readonly CommandName[];
export type RequiredCommandName = (typeof REQUIRED_COMMANDS)[number];
export type OptionalCommandName = Exclude<CommandName, RequiredCommandName>;

/** One application command (original: ReplicationCommand). */
export interface ReplicationCommand {
  /** argv, run with the pod exec API in the member's first container; the primaries' DNS names are appended. */
  command: string[];
  /** Default 60s for status and sequence, 10m for the others. */
  timeout?: DurationValue;
}

export type Commands = Partial<Record<CommandName, ReplicationCommand>>;

/** The member pod (original: PodPolicy). */
export interface PodPolicy {
  /** Required anti-affinity on kubernetes.io/hostname between the cluster's members. */
  antiAffinity?: boolean;
  automountServiceAccountToken?: boolean;
  /** The member pods use their node's network namespace (ports are the node's: one member per node). */
  hostNetwork?: boolean;
  containers: V1Container[];
  volumes?: V1Volume[];
  volumeClaimTemplates?: V1PersistentVolumeClaim[];
  commands: Commands;
  securityContext?: V1PodSecurityContext;
  /** Original PodPolicy.nodeSelector (the original ignored it and used spec.nodeSelector); merged under spec.nodeSelector. */
  nodeSelector?: Record<string, string>;
}

/** spec.podDisruptionBudget (see src/api/spec-disruption.ts). */
export interface PodDisruptionBudgetPolicy {
  /** Default true; false = no PodDisruptionBudget. */
  enabled?: boolean;
  /** Members that may be evicted at once: a number or a percentage ("34%"). Default 1. */
  maxUnavailable?: number | string;
  /** Instead of maxUnavailable: members that must stay available. */
  minAvailable?: number | string;
}

/** Original ServicePolicy (one version of the original had it; its examples also used `name`). */
export interface ServicePolicy {
  serviceName?: string;
  name?: string;
  servicePorts?: V1ServicePort[];
  externalIPs?: string[];
  sessionAffinity?: string;
}

/** Original TLSPolicy: accepted, ignored (the original validated it and never used it). */
export interface TLSPolicy {
  static?: {
    member?: { peerSecret?: string; serverSecret?: string };
    operatorSecret?: string;
  };
}

export interface ReplicatedStatefulSetSpec {
  /** Members wanted; 0 stops the cluster. Default 3. */
  replicas?: number;
  /** Members that run as primary; the rest run as secondary. Default = replicas; capped at replicas. */
  primaries?: number;
  /** How often each member's status command runs. Default "30s". */
  reconcileInterval?: DurationValue;
  /** Take no action on the application. Default false. */
  paused?: boolean;
  /** New: consecutive failures of a member before its pod is replaced. Default 3. */
  failureThreshold?: number;
  /** New: how often a running primary's sequence is read for the high-water mark; 0 = never. Default "5m". */
  sequenceInterval?: DurationValue;
  pod: PodPolicy;
  /** Ports of the headless Service. */
  servicePorts?: V1ServicePort[];
  service?: ServicePolicy;
  nodeSelector?: Record<string, string>;
  tolerations?: V1Toleration[];
  affinity?: V1Affinity;
  serviceAccountName?: string;
  /** Secrets mounted read-only into every container at /etc/rss/secrets/<name>. */
  secrets?: string[];
  imagePullSecrets?: V1LocalObjectReference[];
  /** New: where this cluster's backups go and how they are taken (see src/api/backup-types.ts). */
  backup?: BackupPolicy;
  /** New: where a new cluster's data comes from; absent = the members' own volumes. */
  bootstrap?: BootstrapSource;
  /** New: the members' PodDisruptionBudget. Default: enabled, maxUnavailable 1. */
  podDisruptionBudget?: PodDisruptionBudgetPolicy;
  /** Accepted, ignored (the original ignored it too): set resources on each container. */
  resources?: V1ResourceRequirements;
  /** Accepted, ignored (a fault-injection knob of the original). */
  chaosLevel?: number;
  /** Accepted, ignored. */
  TLS?: TLSPolicy;
  /** Accepted, ignored. */
  ruleSelector?: V1LabelSelector;
}

/** Kubernetes metav1.Condition. */
export interface StatusCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  /** RFC 3339. */
  lastTransitionTime: string;
  observedGeneration?: number;
}

/** Pod names by state (the original's status.members; `stopped` is new). */
export interface MembersStatus {
  ready?: string[];
  unready?: string[];
  primary?: string[];
  secondary?: string[];
  failed?: string[];
  stopped?: string[];
}

export interface BootstrapRecord {
  /** The pod that was seeded. */
  pod: string;
  /**
   * Its sequence when seeded; null when unknown (seeded by override). A number while it is a safe integer,
   * else a decimal string (JSON numbers round above 2^53).
   */
  sequence: number | string | null;
  /** The history the sequence belongs to, when the application names one (null: removed by the merge patch). */
  history?: string | null;
  /** RFC 3339. */
  time: string;
  /** Seeded because of the seed-override annotation. */
  override: boolean;
}

/** What the operator knows about one member; survives operator restarts. */
export interface MemberStatus {
  name: string;
  role: Role;
  /** UID of the pod this entry describes. */
  podUID?: string;
  /** The pod's container restarts when last observed: a restart in place starts a fresh entry. */
  podRestarts?: number;
  /**
   * Last sequence read (while stopped, or to choose a primary); null = read, but unknown. Absent = not read.
   * A number while it is a safe integer, else a decimal string.
   */
  sequence?: number | string | null;
  /** The history the sequence belongs to, when the application names one. */
  history?: string;
  /** The last status said running but degraded (190 / 191). */
  degraded?: boolean;
  /** The primaries this secondary was started to follow. */
  following?: string[];
  /** RFC 3339: when the sequence was read. */
  sequenceTime?: string;
  /** Last status command result: exit code, or 'timeout' / 'error'. */
  lastStatus?: number | 'timeout' | 'error';
  /** Consecutive failures. */
  failures: number;
  /** Failed seed attempts on this pod. */
  seedFailures: number;
  /** The last stop on this pod failed: it can only be replaced. */
  stopFailed?: boolean;
  /** The fencing stop ran on this pod. */
  fenceStopped?: boolean;
  lastError?: string;
  /** Pod template revision (controller-revision-hash) the pod runs. */
  revision?: string;
  /** Named in the fenced annotation: stopped and left alone until unfenced. */
  fenced?: boolean;
  /** Failed restore attempts on this pod. */
  restoreFailures?: number;
  /** The backup this member's data was restored from, until it is seeded. */
  restoredFrom?: string;
  /** While a drain or an eviction concerns this member: what is happening to it. */
  disruption?: string;
}

/** status.disruption: members on cordoned nodes or being evicted, and what the PodDisruptionBudget allows. */
export interface DisruptionStatus {
  /** Cordoned (unschedulable) nodes that hold members. */
  nodes: string[];
  /** Members on those nodes or being evicted (their pod's DisruptionTarget condition). */
  members: string[];
  /** Evictions the PodDisruptionBudget allows now (its status.disruptionsAllowed). */
  evictionsAllowed?: number;
  /** One line for a person. */
  message: string;
}

/** A member whose failure halted a rolling update. */
export interface RolloutHalt {
  member: string;
  /** The revision the member failed on (the rollout stays halted while this is the update revision). */
  revision: string;
  reason: string;
  /** RFC 3339. */
  time: string;
}

/** Progress of replacing members with pods of the current template (status.rollout). */
export interface RolloutStatus {
  /** The template revision members are being moved to (the StatefulSet's updateRevision). */
  revision: string;
  /** Wanted members whose pod runs that revision. */
  updated: number;
  /** Wanted members. */
  total: number;
  /** RollingUpdate while members are replaced, Halted after a failure, Complete when all are updated. */
  state: 'RollingUpdate' | 'Halted' | 'Complete';
  /** Outdated members the rollout does not touch (fenced); null (removed by the status merge patch) when none. */
  skipped?: string[] | null;
  /** Null (removed by the status merge patch) once the rollout is not halted. */
  halted?: RolloutHalt | null;
}

export interface ReplicatedStatefulSetStatus {
  phase?: Phase;
  /** Member pods that exist (scale subresource statusReplicasPath). */
  replicas?: number;
  /** Kept from the original; the replicas to restore after a stop. */
  restoreReplicas?: number;
  members?: MembersStatus;
  observedGeneration?: number;
  conditions?: StatusCondition[];
  /** Members whose application runs (primary or secondary). */
  readyReplicas?: number;
  primaryReplicas?: number;
  /** Label selector of the member pods (scale subresource labelSelectorPath). */
  selector?: string;
  /** High-water mark: the highest sequence ever seen in this cluster (a number, or a decimal string above 2^53). */
  highestSequence?: number | string;
  /** The history the high-water mark belongs to; null (removed by the status merge patch) when none. */
  highestSequenceHistory?: string | null;
  /** A switchover under way: the primary was stopped to hand its role to `target`; null once done. */
  switchover?: { target: string; from: string; via: 'annotation' | 'rollout' } | null;
  lastBootstrap?: BootstrapRecord;
  memberStatus?: MemberStatus[];
  /** Template revision of new pods (the StatefulSet's updateRevision). */
  updateRevision?: string;
  /** Wanted members whose pod runs updateRevision. */
  updatedReplicas?: number;
  rollout?: RolloutStatus;
  /** The restore from a backup under way or last done (spec.bootstrap, the restore annotation, or the policy). */
  restore?: RestoreStatus | null;
  /** The newest backup of this cluster that completed. */
  lastBackup?: LastBackupStatus;
  /** A drain or eviction under way; null (removed by the status merge patch) when none. */
  disruption?: DisruptionStatus | null;
}
