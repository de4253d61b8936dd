// What one decision works on: the members as this observation shows them, and the shared facts the rules
// ask about them.
import { freshRecord } from './outcomes.ts';
import { isKnown, raisedMark, type Sequence } from './sequence.ts';
import type { ConditionReason } from './reasons.ts';
import type { ChangeAction, ClusterPolicy, MemberObservation, MemberRecord, Observation, PodView, ReadAction, RolloutProgress } from './types.ts';

export interface Member {
  name: string;
  ordinal: number;
  pod: PodView;
  rec: MemberRecord;
  /** The pod is Running: the only pods the engine execs into. */
  running: boolean;
  /** ordinal < replicas. */
  wanted: boolean;
  /** Named in the fenced list: stopped once, then left alone. */
  fenced: boolean;
  /** The pod runs an older template revision than the StatefulSet's update revision. */
  outdated: boolean;
}

/** What one rule decided. */
export type Step =
  | { type: 'reads'; reads: ReadAction[]; reason: ConditionReason; message: string }
  | { type: 'change'; change: ChangeAction; reason: ConditionReason; message: string }
  | { type: 'wait'; reason: ConditionReason; message: string; requeueAfterMs?: number };

export interface Context {
  policy: ClusterPolicy;
  observation: Observation;
  now: number;
  replicas: number;
  interval: number;
  members: Member[];
  wanted: Member[];
  /** Ordinals below replicas that the observation does not list at all (caller bug; treated as absent pods). */
  unlisted: number[];
  highestSequence: Sequence | undefined;
  /** Extra sentences for the bootstrap/progress messages (ignored override, held scale-down). */
  notes: string[];
  /** The rolling update's state for this observation (undefined while the update revision is unknown). */
  rollout: RolloutProgress | undefined;
}

/** The StatefulSet's size for this decision; shrinkHeld: a scale-down waits for the removed members. */
export interface Scaling {
  size: number;
  shrinkHeld: boolean;
}

/**
 * The record to use for a member in this observation. A new pod (UID differs from the record's), a pod
 * whose containers restarted in place since the record was written, or a missing pod gets a fresh record:
 * role 'unknown' when the pod is Running (status is probed), 'stopped' otherwise. A pod that is not Running
 * cannot be running the application: a recorded running or unknown role becomes 'stopped' (a 'failed' role
 * is kept, so the status shows why).
 */
export function normaliseRecord(member: MemberObservation): MemberRecord {
  const { name, pod, record } = member;
  const running = pod.phase === 'Running';
  if (pod.phase === 'Missing') return freshRecord(name, 'stopped');
  if (record.podUid !== pod.uid || restartedInPlace(record, pod)) {
    const fresh = freshRecord(name, running ? 'unknown' : 'stopped', pod.uid);
    if (pod.restarts !== undefined) fresh.podRestarts = pod.restarts;
    return fresh;
  }
  const normalised: MemberRecord = { ...record, name };
  if (pod.restarts !== undefined) normalised.podRestarts = pod.restarts;
  if (!running && normalised.role !== 'failed' && normalised.role !== 'stopped') normalised.role = 'stopped';
  return normalised;
}

/** The pod's containers restarted since the record was written (a record without a count predates counting). */
export function restartedInPlace(record: MemberRecord, pod: PodView): boolean {
  return pod.restarts !== undefined && record.podRestarts !== undefined && pod.restarts > record.podRestarts;
}

export function knownSequence(rec: MemberRecord): Sequence | undefined {
  return isKnown(rec.sequence) ? rec.sequence : undefined;
}

/**
 * The high-water mark after this observation: the recorded one, raised by the sequences read from stopped
 * members. While a primary runs, only removed members count (read before they go): a joiner's sequence
 * describes data it is about to replace with the running cluster's, and must not raise the mark — after
 * a seed by override, the old history's numbers would otherwise come back and refuse every later bootstrap.
 */
export function highestOf(recorded: Sequence | undefined, members: Member[], replicas: number): Sequence | undefined {
  let highest = recorded;
  const primaryRuns = members.some(isRunningPrimary);
  const records = members.filter((m) => !primaryRuns || m.ordinal >= replicas).map((m) => m.rec);
  for (const rec of records) highest = raisedMark(highest, knownSequence(rec));
  return highest;
}

export function isHealthy(m: Member): boolean {
  return m.running && (m.rec.role === 'primary' || m.rec.role === 'secondary');
}

export function isRunningPrimary(m: Member): boolean {
  return m.running && m.rec.role === 'primary';
}

/** A failed member that can only be replaced (its stop failed, or it failed too often). */
export function needsReplacement(m: Member, policy: ClusterPolicy): boolean {
  return m.rec.role === 'failed' && (m.rec.stopFailed === true || m.rec.failures >= policy.failureThreshold);
}

/** How many primaries should run: min(primaries, replicas), at least 1 while replicas > 0. */
export function primaryTarget(policy: ClusterPolicy, replicas: number): number {
  if (replicas <= 0) return 0;
  return Math.max(1, Math.min(Math.floor(policy.primaries), replicas));
}

/** The context for (policy, observation); its rollout is filled in by the caller (rules/rollout.ts). */
export function buildContext(policy: ClusterPolicy, observation: Observation): Context {
  const now = observation.now;
  const replicas = Math.max(0, Math.floor(policy.replicas));
  const interval = Math.max(1, policy.statusIntervalMs);
  const fenced = new Set(policy.fenced);
  const updateRevision = observation.updateRevision === '' ? undefined : observation.updateRevision;

  const members: Member[] = [...observation.members]
    .sort((a, b) => a.ordinal - b.ordinal)
    .map((m) => ({
      name: m.name,
      ordinal: m.ordinal,
      pod: m.pod,
      rec: normaliseRecord(m),
      running: m.pod.phase === 'Running',
      wanted: m.ordinal < replicas,
      fenced: fenced.has(m.name),
      outdated:
        updateRevision !== undefined && m.pod.revision !== undefined && m.pod.phase !== 'Missing' && m.pod.revision !== updateRevision,
    }));
  const listed = new Set(members.map((m) => m.ordinal));
  const unlisted: number[] = [];
  for (let o = 0; o < replicas; o++) if (!listed.has(o)) unlisted.push(o);

  return {
    policy,
    observation,
    now,
    replicas,
    interval,
    members,
    wanted: members.filter((m) => m.wanted),
    unlisted,
    highestSequence: highestOf(observation.highestSequence, members, replicas),
    notes: [],
    rollout: undefined,
  };
}
