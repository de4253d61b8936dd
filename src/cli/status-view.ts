// `kubectl rss status`: what a ReplicatedStatefulSet, its pods, its Events, its Backups and BackupSchedules
// say, gathered into one view
// (StatusView, printed as is by `-o json|yaml`) and rendered as text for a person. Pure: no I/O, and the
// text depends on the `now` it is given, so the output can be compared with golden files.

import type { Backup, BackupPhase, BackupSchedule, RestoreStatus } from '../api/backup-types.ts';
import {
  ANNOTATION_FENCED,
  ANNOTATION_PAUSED,
  ANNOTATION_RESTART,
  ANNOTATION_RESTORE,
  ANNOTATION_SEED_OVERRIDE,
  LABEL_BACKUP_SCHEDULE,
  ordinalOf,
  podName,
  statefulSetName,
} from '../api/names.ts';
import type { MemberStatus, ReplicatedStatefulSet, RolloutStatus } from '../api/types.ts';
import { roleFromStatus } from '../engine/outcomes.ts';
import { age, humanBytes, table, until } from './format.ts';
import { parseList } from './actions.ts';
import { backupsOf, latestCompleted } from './backups.ts';

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
  };
  /** status.lastBootstrap: the pod seeded, its sequence (null = unknown), when, and whether by override. */
  lastBootstrap: { pod: string; sequence: number | null; time: string; override: boolean } | null;
  /** The high-water mark, status.highestSequence. */
  highestSequence: number | null;
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
    sequence: number | null;
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
  lastCompleted: { name: string; completedAt: string | null; size: number | null; member: string | null; sequence: number | null; schedule: string | null } | null;
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
  /** Last sequence read; null when not read or unknown (see sequenceRead). */
  sequence: number | null;
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

function iso(time: Time | undefined | null): string | null {
  if (time === undefined || time === null || time === '') return null;
  if (time instanceof Date) return Number.isNaN(time.getTime()) ? null : time.toISOString();
  return time;
}

function ms(time: string | null): number {
  if (time === null) return Number.NEGATIVE_INFINITY;
  const t = Date.parse(time);
  return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
}

/** What an exit code of the `status` command means; `hasSecondary`: a `secondary` command is configured. */
export function statusMeaning(result: number | 'timeout' | 'error', hasSecondary: boolean): StatusMeaning {
  if (result === 'timeout' || result === 'error') return result;
  // The contract's exit codes are interpreted in one place, the engine's.
  const role = roleFromStatus(result, hasSecondary);
  return role === 'unknown' ? 'failed' : role;
}

function memberView(name: string, record: MemberStatus | undefined, pod: PodLike | undefined, fenced: boolean, cluster: string, hasSecondary: boolean, updateRevision: string | null): MemberView {
  const revision = record?.revision ?? pod?.metadata?.labels?.['controller-revision-hash'] ?? null;
  const lastStatus = record?.lastStatus ?? null;
  return {
    name,
    ordinal: ordinalOf(name, cluster) ?? null,
    role: record?.role ?? null,
    fenced: fenced || record?.fenced === true,
    sequence: typeof record?.sequence === 'number' ? record.sequence : null,
    // A merge patch drops nulls, so an unknown sequence may be stored as a sequenceTime without a sequence.
    sequenceRead: record !== undefined && (record.sequence !== undefined || record.sequenceTime !== undefined),
    sequenceTime: record?.sequenceTime ?? null,
    lastStatus,
    lastStatusMeaning: lastStatus === null ? null : statusMeaning(lastStatus, hasSecondary),
    failures: record?.failures ?? 0,
    seedFailures: record?.seedFailures ?? 0,
    stopFailed: record?.stopFailed === true,
    lastError: record?.lastError ?? null,
    revision,
    outdated: revision === null || updateRevision === null ? null : revision !== updateRevision,
    podUID: record?.podUID ?? null,
    pod: pod
      ? {
          uid: pod.metadata?.uid ?? null,
          phase: pod.status?.phase ?? null,
          created: iso(pod.metadata?.creationTimestamp),
          terminating: pod.metadata?.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null,
        }
      : null,
  };
}

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
    },
    lastBootstrap: status.lastBootstrap
      ? { pod: status.lastBootstrap.pod, sequence: status.lastBootstrap.sequence ?? null, time: status.lastBootstrap.time, override: status.lastBootstrap.override === true }
      : null,
    highestSequence: status.highestSequence ?? null,
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
          sequence: typeof status.restore.sequence === 'number' ? status.restore.sequence : null,
          message: status.restore.message ?? null,
          startedAt: status.restore.startedAt ?? null,
          completedAt: status.restore.completedAt ?? null,
        }
      : null,
    events,
  };
}

function backupsSummary(rss: ReplicatedStatefulSet, all: readonly Backup[] | undefined, allSchedules: readonly BackupSchedule[] | undefined): BackupsSummary {
  const name = rss.metadata.name ?? '';
  const configured = rss.spec?.backup?.storage !== undefined;
  const schedules: ScheduleView[] = (allSchedules ?? [])
    .filter((s) => s.spec?.cluster === name)
    .map((s) => {
      const ready = s.status?.conditions?.find((c) => c.type === 'Ready');
      return {
        name: s.metadata.name ?? '',
        schedule: s.spec.schedule,
        suspended: s.spec.suspend === true,
        nextScheduleTime: s.status?.nextScheduleTime ?? null,
        lastScheduleTime: s.status?.lastScheduleTime ?? null,
        lastSuccessfulBackup: s.status?.lastSuccessfulBackup ?? null,
        ready: ready === undefined ? null : ready.status === 'True',
        message: s.status?.message ?? null,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  const schedulesPart = { schedulesListed: allSchedules !== undefined, schedules };

  if (all === undefined) {
    const last = rss.status?.lastBackup;
    return {
      configured,
      listed: false,
      total: 0,
      completed: 0,
      lastCompleted: last
        ? { name: last.name, completedAt: last.completedAt, size: last.size, member: last.member ?? null, sequence: typeof last.sequence === 'number' ? last.sequence : null, schedule: null }
        : null,
      lastFailed: null,
      inProgress: null,
      ...schedulesPart,
    };
  }
  const mine = backupsOf(all, name);
  const latest = latestCompleted(mine, name);
  const finished = (b: Backup) => ms(b.status?.completedAt ?? iso(b.metadata.creationTimestamp));
  const failed = mine.filter((b) => b.status?.phase === 'Failed').sort((a, b) => finished(b) - finished(a))[0];
  // Newest first already; a Running backup is the one to show over a Pending one queued behind it.
  const active = mine.find((b) => b.status?.phase === 'Running') ?? mine.find((b) => (b.status?.phase ?? 'Pending') === 'Pending' && !b.metadata.deletionTimestamp);
  return {
    configured,
    listed: true,
    total: mine.length,
    completed: mine.filter((b) => b.status?.phase === 'Completed').length,
    lastCompleted: latest
      ? {
          name: latest.metadata.name ?? '',
          completedAt: latest.status?.completedAt ?? null,
          size: typeof latest.status?.size === 'number' ? latest.status.size : null,
          member: latest.status?.member ?? null,
          sequence: typeof latest.status?.sequence === 'number' ? latest.status.sequence : null,
          schedule: latest.metadata.labels?.[LABEL_BACKUP_SCHEDULE] ?? null,
        }
      : null,
    lastFailed:
      failed && (latest === undefined || finished(failed) > finished(latest))
        ? { name: failed.metadata.name ?? '', completedAt: failed.status?.completedAt ?? null, message: failed.status?.message ?? null }
        : null,
    inProgress: active
      ? {
          name: active.metadata.name ?? '',
          phase: active.status?.phase === 'Running' ? 'Running' : 'Pending',
          member: active.status?.member ?? null,
          role: active.status?.role ?? null,
          created: iso(active.metadata.creationTimestamp),
          startedAt: active.status?.startedAt ?? null,
          message: active.status?.message ?? null,
        }
      : null,
    ...schedulesPart,
  };
}

// ---------------------------------------------------------------------------------------------------
// Text

/** A revision without the `rss-<name>-` prefix every revision of the cluster shares. */
function shortRevision(revision: string, cluster: string): string {
  const prefix = `${statefulSetName(cluster)}-`;
  return revision.startsWith(prefix) ? revision.slice(prefix.length) : revision;
}

function memberRole(m: MemberView): string {
  const notes: string[] = [];
  if (m.fenced) notes.push('fenced');
  if (m.stopFailed) notes.push('stop failed');
  if (m.pod?.terminating) notes.push('pod terminating');
  else if (m.pod && m.pod.phase !== null && m.pod.phase !== 'Running') notes.push(`pod ${m.pod.phase}`);
  const role = m.role ?? '-';
  return notes.length > 0 ? `${role} (${notes.join(', ')})` : role;
}

function memberSequence(m: MemberView): string {
  if (m.sequence !== null) return String(m.sequence);
  return m.sequenceRead ? 'unknown' : '-';
}

function memberStatus(m: MemberView): string {
  if (m.lastStatus === null) return '-';
  if (typeof m.lastStatus === 'number') return `${m.lastStatus} ${m.lastStatusMeaning}`;
  return m.lastStatus;
}

function memberFailures(m: MemberView): string {
  return m.seedFailures > 0 ? `${m.failures} (seed ${m.seedFailures})` : String(m.failures);
}

function memberRevision(m: MemberView, cluster: string): string {
  if (m.revision === null) return '-';
  return shortRevision(m.revision, cluster) + (m.outdated ? ' (outdated)' : '');
}

/** A member whose last error still matters: it is not running cleanly, or its sequence is unknown. */
function troubled(m: MemberView): boolean {
  if (m.lastError === null) return false;
  return m.role === 'failed' || m.role === 'stopped' || m.role === 'unknown' || m.failures > 0 || m.stopFailed || (m.sequenceRead && m.sequence === null);
}

function yesNo(view: StatusView): string {
  const { paused } = view;
  if (!paused.paused) return 'no';
  const by: string[] = [];
  if (paused.bySpec) by.push('spec.paused');
  if (paused.byAnnotation) by.push(`annotation ${ANNOTATION_PAUSED}`);
  return `yes (${by.join(' and ')})`;
}

function ago(time: string, now: Date): string {
  const a = age(time, now);
  return a === '-' ? `at ${time}` : `${a} ago`;
}

/** The text printed by `kubectl rss status`. */
export function renderStatusText(view: StatusView, now: Date): string {
  const fields: [string, string][] = [
    ['Name', view.name],
    ['Namespace', view.namespace],
    ['Phase', view.phase ?? '- (no status yet: is the operator running?)'],
  ];
  if (view.generation !== null && view.observedGeneration !== null && view.observedGeneration < view.generation) {
    fields.push(['Observed', `generation ${view.observedGeneration} of ${view.generation}: the operator has not acted on the latest spec yet`]);
  }
  const r = view.replicas;
  fields.push(['Replicas', `${r.ready}/${r.wanted} ready, ${r.primaries}/${r.primariesWanted} primaries${r.pods === null ? '' : `, ${r.pods} ${r.pods === 1 ? 'pod' : 'pods'}`}`]);
  fields.push(['Paused', yesNo(view)]);
  fields.push(['Fenced', view.fenced.length > 0 ? view.fenced.join(', ') : 'none']);
  if (view.pending.restart !== null) fields.push(['Restart pending', `${view.pending.restart} (${ANNOTATION_RESTART})`]);
  if (view.pending.seedOverride !== null) {
    fields.push(['Seed override', `${view.pending.seedOverride} (${ANNOTATION_SEED_OVERRIDE}: seeded at the next bootstrap)`]);
  }
  if (view.pending.restore !== null) {
    fields.push(['Restore pending', `${view.pending.restore} (${ANNOTATION_RESTORE}: restored when no primary runs and every member is empty)`]);
  }
  const b = view.lastBootstrap;
  fields.push([
    'Last bootstrap',
    b === null ? 'never' : `${b.pod} at sequence ${b.sequence ?? 'unknown'}, ${ago(b.time, now)}${b.override ? ', by seed-override' : ''}`,
  ]);
  fields.push(['High-water mark', view.highestSequence === null ? 'none recorded' : String(view.highestSequence)]);
  if (view.rollout !== null) {
    const ro = view.rollout;
    fields.push(['Rollout', `${ro.state}, ${ro.updated}/${ro.total} members on revision ${shortRevision(ro.revision, view.name)}`]);
    if (ro.halted !== null) {
      fields.push(['', `halted at ${ro.halted.member} (revision ${shortRevision(ro.halted.revision, view.name)}) ${ago(ro.halted.time, now)}: ${ro.halted.reason}`]);
    }
    if (ro.skipped.length > 0) fields.push(['', `skipped (fenced): ${ro.skipped.join(', ')}`]);
  } else if (view.updateRevision !== null) {
    const updated = view.updatedReplicas === null ? '' : ` (${view.updatedReplicas}/${r.wanted} members updated)`;
    fields.push(['Update revision', `${shortRevision(view.updateRevision, view.name)}${updated}`]);
  }

  const label = Math.max(...fields.map(([k]) => k.length)) + 2;
  const lines = fields.map(([k, v]) => (k === '' ? ' '.repeat(label) : `${k}:`.padEnd(label)) + v);

  lines.push('', 'Conditions:');
  if (view.conditions.length === 0) lines.push('  none');
  else lines.push(...table([['TYPE', 'STATUS', 'REASON', 'MESSAGE'], ...view.conditions.map((c) => [c.type, c.status, c.reason, c.message])], '  '));

  lines.push('', 'Members:');
  lines.push(
    ...table(
      [
        ['MEMBER', 'ROLE', 'SEQUENCE', 'STATUS', 'FAILURES', 'REVISION', 'AGE'],
        ...view.members.map((m) => [m.name, memberRole(m), memberSequence(m), memberStatus(m), memberFailures(m), memberRevision(m, view.name), m.pod === null ? '-' : age(m.pod.created, now)]),
      ],
      '  ',
    ),
  );

  const errors = view.members.filter(troubled);
  if (errors.length > 0) {
    lines.push('', 'Last errors:');
    for (const m of errors) lines.push(`  ${m.name}: ${m.lastError}`);
  }

  if (showBackups(view)) lines.push('', 'Backups:', ...renderBackups(view, now));

  lines.push('', 'Events:');
  if (view.events.length === 0) lines.push('  none');
  else {
    lines.push(
      ...table(
        [
          ['TYPE', 'REASON', 'AGE', 'MESSAGE'],
          ...view.events.map((e) => [e.type, e.reason, e.count > 1 ? `${age(e.lastTime, now)} (x${e.count} over ${age(e.firstTime, now)})` : age(e.lastTime, now), e.message]),
        ],
        '  ',
      ),
    );
  }
  return lines.join('\n') + '\n';
}

/** Whether the Backups part says anything: a cluster that has never heard of backups is shown without it. */
function showBackups(view: StatusView): boolean {
  const b = view.backups;
  return b.configured || b.total > 0 || b.lastCompleted !== null || b.schedules.length > 0 || view.restore !== null;
}

function restoreText(r: NonNullable<StatusView['restore']>, now: Date): string {
  const when = r.completedAt !== null ? `, ${ago(r.completedAt, now)}` : r.startedAt !== null ? `, started ${ago(r.startedAt, now)}` : '';
  // The operator's messages mostly name the backup (and the member) already: say it only when they do not.
  const what = r.message !== null && r.message.includes(r.backup) ? '' : `backup ${r.backup}${r.member === null ? '' : ` into ${r.member}`}, `;
  return `${r.phase} (${what}requested by ${r.requestedBy}${when})${r.message === null ? '' : `: ${r.message}`}`;
}

function renderBackups(view: StatusView, now: Date): string[] {
  const b = view.backups;
  const fields: [string, string][] = [];
  const last = b.lastCompleted;
  if (last !== null) {
    const what = [last.size === null ? undefined : humanBytes(last.size), last.member === null ? undefined : `from ${last.member}`].filter((x) => x !== undefined).join(' ');
    const details = [what, `sequence ${last.sequence ?? 'unknown'}`, last.schedule === null ? undefined : `schedule ${last.schedule}`].filter((x) => x !== undefined && x !== '');
    fields.push(['Last completed', `${last.name}${last.completedAt === null ? '' : `, ${ago(last.completedAt, now)}`}: ${details.join(', ')}`]);
  } else {
    fields.push(['Last completed', b.listed ? 'none' : 'unknown (the Backups could not be listed)']);
  }
  if (b.lastFailed !== null) {
    const f = b.lastFailed;
    fields.push(['Last failed', `${f.name}${f.completedAt === null ? '' : `, ${ago(f.completedAt, now)}`}${f.message === null ? '' : `: ${f.message}`}`]);
  }
  if (b.inProgress !== null) {
    const p = b.inProgress;
    const since = p.phase === 'Running' && p.startedAt !== null ? `, started ${ago(p.startedAt, now)}` : p.created !== null ? `, created ${ago(p.created, now)}` : '';
    fields.push(['In progress', `${p.name} (${p.phase}${since})${p.message === null ? '' : `: ${p.message}`}`]);
  }
  if (b.listed && b.total > 0) fields.push(['All backups', `${b.total} (${b.completed} completed): kubectl rss backups ${view.name} -n ${view.namespace}`]);
  if (view.restore !== null) fields.push(['Restore', restoreText(view.restore, now)]);
  if (b.schedules.length === 0) fields.push(['Schedules', b.schedulesListed ? 'none' : 'unknown (the BackupSchedules could not be listed)']);
  else fields.push(['Schedules', '']);

  const label = Math.max(...fields.map(([k]) => k.length)) + 2;
  const lines = fields.map(([k, v]) => `  ${`${k}:`.padEnd(label)}${v}`.trimEnd());
  if (b.schedules.length > 0) {
    lines.push(
      ...table(
        [
          ['NAME', 'SCHEDULE', 'SUSPENDED', 'NEXT', 'LAST SUCCESSFUL'],
          ...b.schedules.map((s) => [
            s.name,
            s.schedule,
            s.suspended ? 'yes' : 'no',
            s.suspended ? '-' : until(s.nextScheduleTime, now),
            s.lastSuccessfulBackup ?? '-',
          ]),
        ],
        '    ',
      ),
    );
    for (const s of b.schedules) if (s.ready === false && s.message !== null) lines.push(`    ${s.name}: ${s.message}`);
  }
  return lines;
}
