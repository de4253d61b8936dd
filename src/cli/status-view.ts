// `kubectl rss status`: what a ReplicatedStatefulSet, its pods and its Events say, gathered into one view
// (StatusView, printed as is by `-o json|yaml`) and rendered as text for a person. Pure: no I/O, and the
// text depends on the `now` it is given, so the output can be compared with golden files.

import {
  ANNOTATION_FENCED,
  ANNOTATION_PAUSED,
  ANNOTATION_RESTART,
  ANNOTATION_SEED_OVERRIDE,
  ordinalOf,
  podName,
  statefulSetName,
} from '../api/names.ts';
import type { MemberStatus, ReplicatedStatefulSet, RolloutStatus } from '../api/types.ts';
import { age, table } from './format.ts';
import { parseList } from './actions.ts';

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
  /** The latest events on the RSS, oldest first. */
  events: { type: string; reason: string; message: string; count: number; firstTime: string | null; lastTime: string | null }[];
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
  if (result === 8) return 'primary';
  if (result === 7) return 'stopped';
  if (result === 0) return hasSecondary ? 'secondary' : 'primary';
  return 'failed';
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
    events,
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
