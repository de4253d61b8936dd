// `kubectl rss status`: what a ReplicatedStatefulSet, its pods, its Events, its Backups and BackupSchedules
// say, gathered into one view
// (StatusView, printed as is by `-o json|yaml`; status-render.ts renders it as text for a person). Pure: no
// I/O, and the text depends on the `now` it is given, so the output can be compared with golden files.

import type { Backup, BackupPhase, BackupSchedule, RestoreStatus } from '../api/backup-types.ts';
import { ANNOTATION_FENCED, ANNOTATION_PAUSED, ANNOTATION_RESTART, ANNOTATION_RESTORE, ANNOTATION_SEED_OVERRIDE, ANNOTATION_SWITCHOVER, podName } from '../api/names.ts';
import type { ReplicatedStatefulSet, RolloutStatus } from '../api/types.ts';
import { parseList } from './actions.ts';
import { iso, ms } from './backups.ts';
import { shownSequence } from './format.ts';
import { memberView } from './status-members.ts';
import { backupsSummary } from './status-backups.ts';

/** Times as the API client returns them (Date) or as they are stored (RFC 3339 text). */
export type Time = Date | string;

/** The parts of a pod the view uses (a V1Pod fits). */
export interface PodLike {
  metadata?: { name?: string; uid?: string; creationTimestamp?: Time; deletionTimestamp?: Time; labels?: Record<string, string> };
  status?: { phase?: string };
}

/** The parts of a core/v1 Event the view uses (a CoreV1Event fits). */
export interface EventLike {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  firstTimestamp?: Time;
  lastTimestamp?: Time;
  eventTime?: Time;
  series?: { count?: number; lastObservedTime?: Time };
  metadata?: { creationTimestamp?: Time; resourceVersion?: string };
}

export interface StatusInput {
  rss: ReplicatedStatefulSet;
  /** The cluster's pods (label selector app=<name>,rss-operator-managed=true). */
  pods: readonly PodLike[];
  /** Events whose involved object is the RSS, in any order. */
  events: readonly EventLike[];
  /** How many of the latest events to keep. Default 5. */
  maxEvents?: number;
  /** The Backups of the namespace (any cluster's); absent when they could not be listed. */
  backups?: readonly Backup[];
  /** The BackupSchedules of the namespace (any cluster's); absent when they could not be listed. */
  schedules?: readonly BackupSchedule[];
}

/** Meaning of a `status` command result (README, "The application contract"). */
export type StatusMeaning = 'primary' | 'secondary' | 'stopped' | 'failed' | 'timeout' | 'error';

/**
 * `kubectl rss status -o json|yaml`. Field names are stable; every field is always present (null when
 * unknown or absent), except that new fields may be added. `schemaVersion` changes if one is ever removed
 * or changes meaning. Times are RFC 3339.
 */
export interface StatusView {
  schemaVersion: 1;
  name: string;
  namespace: string;
  /** status.phase; null before the operator first wrote a status. */
  phase: string | null;
  /** metadata.generation and status.observedGeneration: the status describes an older spec when they differ. */
  generation: number | null;
  observedGeneration: number | null;
  replicas: {
    /** spec.replicas (default 3). */
    wanted: number;
    /** Member pods that exist (status.replicas). */
    pods: number | null;
    /** Members whose application runs, primary or secondary (status.readyReplicas). */
    ready: number;
    /** Members running as primary (status.primaryReplicas). */
    primaries: number;
    /** spec.primaries (default: replicas). */
    primariesWanted: number;
  };
  paused: {
    /** Either of the two below. */
    paused: boolean;
    /** spec.paused is true. */
    bySpec: boolean;
    /** The rss.clusterlabs.org/paused annotation is "true". */
    byAnnotation: boolean;
  };
  /** Pods named in the rss.clusterlabs.org/fenced annotation. */
  fenced: string[];
  /** One-shot requests the operator has not carried out yet (annotations). */
  pending: {
    /** rss.clusterlabs.org/restart. */
    restart: string | null;
    /** rss.clusterlabs.org/seed-override. */
    seedOverride: string | null;
    /** rss.clusterlabs.org/restore: a Backup name, or "latest". */
    restore: string | null;
    /** rss.clusterlabs.org/switchover: the member to hand the primary role to. */
    switchover: string | null;
  };
  /** status.switchover: the primary was stopped to hand its role to target (null when none is under way). */
  switchover: { target: string; from: string; via: string } | null;
  /** status.lastBootstrap: the pod seeded, its sequence (null = unknown), when, and whether by override. */
  lastBootstrap: { pod: string; sequence: number | string | null; time: string; override: boolean } | null;
  /** The high-water mark, status.highestSequence. */
  highestSequence: number | string | null;
  /** status.updateRevision: the template revision of new pods. */
  updateRevision: string | null;
  /** status.updatedReplicas: wanted members whose pod runs updateRevision. */
  updatedReplicas: number | null;
  /** status.rollout: the rolling update. */
  rollout: {
    revision: string;
    updated: number;
    total: number;
    state: RolloutStatus['state'];
    skipped: string[];
    halted: { member: string; revision: string; reason: string; time: string } | null;
  } | null;
  /** status.disruption: a drain or eviction under way (members on cordoned nodes, being evicted); null when none. */
  disruption: { nodes: string[]; members: string[]; evictionsAllowed: number | null; message: string } | null;
  conditions: { type: string; status: string; reason: string; message: string; lastTransitionTime: string | null }[];
  /** Every member with a record, a pod, or an ordinal below `replicas.wanted`, by ordinal. */
  members: MemberView[];
  /** The cluster's backups and backup schedules. */
  backups: BackupsSummary;
  /** status.restore: the restore from a backup under way, or the last one done; null when none. */
  restore: {
    /** Waiting, Restoring, Restored (into a member, not seeded yet), Completed or Failed. */
    phase: RestoreStatus['phase'];
    /** The Backup name (or the object key, for spec.bootstrap.backup.objectKey). */
    backup: string;
    /** bootstrap (spec.bootstrap), annotation (rss.clusterlabs.org/restore) or policy (spec.backup.restoreOnDataLoss). */
    requestedBy: RestoreStatus['requestedBy'];
    objectKey: string | null;
    /** The member restored into. */
    member: string | null;
    /** The sequence the restored member reported. */
    sequence: number | string | null;
    message: string | null;
    startedAt: string | null;
    completedAt: string | null;
  } | null;
  /** The latest events on the RSS, oldest first. */
  events: { type: string; reason: string; message: string; count: number; firstTime: string | null; lastTime: string | null }[];
}

/** The backup part of StatusView. Backups are the cluster's by label clusterlabs.org/cluster, else spec.cluster. */
export interface BackupsSummary {
  /** spec.backup.storage is set: the cluster has somewhere to put backups. */
  configured: boolean;
  /**
   * The Backups could be listed. When false (no right to list them, or the Backup CRD is not installed)
   * lastCompleted comes from status.lastBackup, total and completed are 0, and the rest is null.
   */
  listed: boolean;
  /** How many Backups of the cluster exist, and how many of them are Completed. */
  total: number;
  completed: number;
  /** The newest Completed backup, by completion time: the one a restore of "latest" uses. */
  lastCompleted: { name: string; completedAt: string | null; size: number | null; member: string | null; sequence: number | string | null; schedule: string | null } | null;
  /** The newest Failed backup, when it ended after lastCompleted (or none completed); else null. */
  lastFailed: { name: string; completedAt: string | null; message: string | null } | null;
  /** The newest backup Running or Pending now; null when none. */
  inProgress: { name: string; phase: Extract<BackupPhase, 'Pending' | 'Running'>; member: string | null; role: string | null; created: string | null; startedAt: string | null; message: string | null } | null;
  /** The BackupSchedules could be listed (false: as for `listed`; `schedules` is then empty). */
  schedulesListed: boolean;
  /** The BackupSchedules whose spec.cluster is this cluster, by name. */
  schedules: ScheduleView[];
}

export interface ScheduleView {
  name: string;
  /** Cron expression, in UTC. */
  schedule: string;
  suspended: boolean;
  /** status.nextScheduleTime; null while suspended or before the operator wrote it. */
  nextScheduleTime: string | null;
  lastScheduleTime: string | null;
  /** The newest backup of this schedule that completed. */
  lastSuccessfulBackup: string | null;
  /** The Ready condition: false when the schedule cannot make backups (invalid, cluster not found); null before the operator wrote it. */
  ready: boolean | null;
  message: string | null;
}

export interface MemberView {
  name: string;
  ordinal: number | null;
  /** status.memberStatus[].role; null when the operator has no record of this member. */
  role: string | null;
  /** Named in the fenced annotation, or reported fenced by the operator. */
  fenced: boolean;
  /** Last sequence read (a number, or `<history>:<number>` text); null when not read or unknown (see sequenceRead). */
  sequence: number | string | null;
  /** The last status said running but degraded (190 / 191). */
  degraded: boolean;
  /** The sequence was read (with `sequence` null: read, but unknown). */
  sequenceRead: boolean;
  sequenceTime: string | null;
  /** Last `status` result: exit code, 'timeout' or 'error' (could not run). */
  lastStatus: number | 'timeout' | 'error' | null;
  lastStatusMeaning: StatusMeaning | null;
  failures: number;
  seedFailures: number;
  stopFailed: boolean;
  lastError: string | null;
  /** While a drain or an eviction concerns this member, what is happening to it. */
  disruption: string | null;
  /** Template revision (controller-revision-hash) the member's pod runs. */
  revision: string | null;
  /** revision is not status.updateRevision; null when either is unknown. */
  outdated: boolean | null;
  /** UID of the pod the operator's record describes. */
  podUID: string | null;
  /** The pod as it exists now; null when there is none. */
  pod: { uid: string | null; phase: string | null; created: string | null; terminating: boolean } | null;
}

const DEFAULT_REPLICAS = 3;

/** Gathers what the RSS, its pods and its events say into the view printed by `status`. */
export function buildStatusView(input: StatusInput): StatusView {
  const { rss } = input;
  const name = rss.metadata.name ?? '';
  const status = rss.status ?? {};
  const annotations = rss.metadata.annotations ?? {};
  const wanted = rss.spec?.replicas ?? DEFAULT_REPLICAS;
  const fenced = parseList(annotations[ANNOTATION_FENCED]);
  const hasSecondary = rss.spec?.pod?.commands?.secondary !== undefined;
  const updateRevision = status.updateRevision ?? null;

  const records = new Map((status.memberStatus ?? []).map((m) => [m.name, m]));
  const pods = new Map<string, PodLike>();
  for (const pod of input.pods) if (pod.metadata?.name) pods.set(pod.metadata.name, pod);
  const names = new Set<string>([...records.keys(), ...pods.keys()]);
  for (let i = 0; i < wanted; i++) names.add(podName(name, i));
  const members = [...names]
    .map((member) => memberView(member, records.get(member), pods.get(member), fenced.includes(member), name, hasSecondary, updateRevision))
    .sort((a, b) => (a.ordinal ?? Number.MAX_SAFE_INTEGER) - (b.ordinal ?? Number.MAX_SAFE_INTEGER) || a.name.localeCompare(b.name));

  const events = input.events
    .map((e) => ({
      type: e.type ?? '',
      reason: e.reason ?? '',
      message: e.message ?? '',
      count: e.series?.count ?? e.count ?? 1,
      firstTime: iso(e.firstTimestamp) ?? iso(e.eventTime) ?? iso(e.metadata?.creationTimestamp),
      lastTime: iso(e.series?.lastObservedTime) ?? iso(e.lastTimestamp) ?? iso(e.eventTime) ?? iso(e.metadata?.creationTimestamp),
      order: Number(e.metadata?.resourceVersion ?? 0) || 0,
    }))
    .sort((a, b) => ms(a.lastTime) - ms(b.lastTime) || a.order - b.order)
    .slice(-(input.maxEvents ?? 5))
    .map(({ order: _order, ...event }) => event);

  const rollout = status.rollout;
  return {
    schemaVersion: 1,
    name,
    namespace: rss.metadata.namespace ?? '',
    phase: status.phase ?? null,
    generation: rss.metadata.generation ?? null,
    observedGeneration: status.observedGeneration ?? null,
    replicas: {
      wanted,
      pods: status.replicas ?? null,
      ready: status.readyReplicas ?? 0,
      primaries: status.primaryReplicas ?? 0,
      primariesWanted: Math.min(rss.spec?.primaries ?? wanted, wanted),
    },
    paused: {
      paused: rss.spec?.paused === true || annotations[ANNOTATION_PAUSED] === 'true',
      bySpec: rss.spec?.paused === true,
      byAnnotation: annotations[ANNOTATION_PAUSED] === 'true',
    },
    fenced,
    pending: {
      restart: annotations[ANNOTATION_RESTART] || null,
      seedOverride: annotations[ANNOTATION_SEED_OVERRIDE] || null,
      restore: annotations[ANNOTATION_RESTORE]?.trim() || null,
      switchover: annotations[ANNOTATION_SWITCHOVER]?.trim() || null,
    },
    switchover: status.switchover ? { target: status.switchover.target, from: status.switchover.from, via: status.switchover.via } : null,
    lastBootstrap: status.lastBootstrap
      ? { pod: status.lastBootstrap.pod, sequence: shownSequence(status.lastBootstrap.sequence, status.lastBootstrap.history), time: status.lastBootstrap.time, override: status.lastBootstrap.override === true }
      : null,
    highestSequence: shownSequence(status.highestSequence, status.highestSequenceHistory),
    updateRevision,
    updatedReplicas: status.updatedReplicas ?? null,
    rollout: rollout
      ? {
          revision: rollout.revision,
          updated: rollout.updated,
          total: rollout.total,
          state: rollout.state,
          skipped: rollout.skipped ?? [],
          halted: rollout.halted ? { member: rollout.halted.member, revision: rollout.halted.revision, reason: rollout.halted.reason, time: rollout.halted.time } : null,
        }
      : null,
    disruption: status.disruption
      ? { nodes: status.disruption.nodes ?? [], members: status.disruption.members ?? [], evictionsAllowed: status.disruption.evictionsAllowed ?? null, message: status.disruption.message ?? '' }
      : null,
    conditions: (status.conditions ?? []).map((c) => ({
      type: c.type,
      status: c.status,
      reason: c.reason,
      message: c.message,
      lastTransitionTime: c.lastTransitionTime ?? null,
    })),
    members,
    backups: backupsSummary(rss, input.backups, input.schedules),
    restore: status.restore
      ? {
          phase: status.restore.phase,
          backup: status.restore.backup,
          requestedBy: status.restore.requestedBy,
          objectKey: status.restore.objectKey ?? null,
          member: status.restore.member ?? null,
          sequence: shownSequence(status.restore.sequence, status.restore.history),
          message: status.restore.message ?? null,
          startedAt: status.restore.startedAt ?? null,
          completedAt: status.restore.completedAt ?? null,
        }
      : null,
    events,
  };
}
