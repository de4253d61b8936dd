// Builders for engine tests: a cluster named "db" whose pods are rss-db-0, rss-db-1, …
import type {
  ClusterPolicy,
  CommandOutcome,
  MemberObservation,
  MemberRecord,
  Observation,
  Plan,
  PodPhase,
  Role,
} from '../../../src/engine/types.ts';
import { parseSequence, sequenceOf, type Sequence } from '../../../src/engine/sequence.ts';

export const NOW = 1_700_000_000_000;
export const INTERVAL = 30_000;

export function name(ordinal: number): string {
  return `rss-db-${ordinal}`;
}

export function policy(over: Partial<ClusterPolicy> = {}): ClusterPolicy {
  return {
    replicas: 3,
    primaries: 3,
    hasSeedCommand: true,
    hasSecondaryCommand: false,
    statusIntervalMs: INTERVAL,
    sequenceIntervalMs: 0,
    failureThreshold: 3,
    paused: false,
    fenced: [],
    ...over,
  };
}

/** A sequence as tests write it: 5, 5n, or "h:5". */
export type SequenceLike = number | bigint | string | Sequence;

/** The engine's Sequence for a test's shorthand (null stays null: read, unknown). */
export function seq(value: SequenceLike): Sequence;
export function seq(value: SequenceLike | null): Sequence | null;
export function seq(value: SequenceLike | null): Sequence | null {
  if (value === null) return null;
  if (typeof value === 'object') return value;
  if (typeof value === 'string') {
    const parsed = parseSequence(value);
    if (parsed === null) throw new Error(`not a sequence: ${value}`);
    return parsed;
  }
  return sequenceOf(value);
}

export interface MemberOpts {
  phase?: PodPhase;
  role?: Role;
  /** Omitted = not read yet; `null` = read, unknown; a number, bigint or `<history>:<number>` text. */
  sequence?: SequenceLike | null;
  sequenceAt?: number;
  /** Defaults to NOW (status fresh). Pass `null` to leave it absent. */
  lastStatusAt?: number | null;
  failures?: number;
  seedFailures?: number;
  stopFailed?: boolean;
  lastError?: string;
  /** Pod UID; defaults to uid-<ordinal>. */
  uid?: string;
  /** Record's pod UID; defaults to the pod UID (same pod). */
  recordUid?: string;
}

export function member(ordinal: number, opts: MemberOpts = {}): MemberObservation {
  const phase = opts.phase ?? 'Running';
  const uid = phase === 'Missing' ? undefined : (opts.uid ?? `uid-${ordinal}`);
  const record: MemberRecord = {
    name: name(ordinal),
    role: opts.role ?? 'stopped',
    failures: opts.failures ?? 0,
    seedFailures: opts.seedFailures ?? 0,
  };
  const recordUid = opts.recordUid ?? uid;
  if (recordUid !== undefined) record.podUid = recordUid;
  if (opts.sequence !== undefined) {
    record.sequence = seq(opts.sequence);
    record.sequenceAt = opts.sequenceAt ?? NOW;
  }
  if (opts.lastStatusAt !== null) record.lastStatusAt = opts.lastStatusAt ?? NOW;
  if (opts.stopFailed !== undefined) record.stopFailed = opts.stopFailed;
  if (opts.lastError !== undefined) record.lastError = opts.lastError;
  const pod: MemberObservation['pod'] = { phase };
  if (uid !== undefined) pod.uid = uid;
  return { name: name(ordinal), ordinal, pod, record };
}

export function observation(
  members: MemberObservation[],
  over: Partial<Omit<Observation, 'members'>> = {},
): Observation {
  return { now: NOW, statefulSetReplicas: members.length, members, ...over };
}

/** n stopped Running members, sequences as given (undefined entries = not read). */
export function stoppedCluster(sequences: Array<SequenceLike | null | undefined>): MemberObservation[] {
  return sequences.map((sequence, i) => member(i, sequence === undefined ? {} : { sequence }));
}

export function condition(plan: Plan, type: string) {
  const found = plan.conditions.find((c) => c.type === type);
  if (found === undefined) throw new Error(`no ${type} condition in ${JSON.stringify(plan.conditions)}`);
  return found;
}

export function ok(stdout = ''): CommandOutcome {
  return { exitCode: 0, timedOut: false, stdout, stderr: '' };
}

export function exit(code: number, stderr = '', stdout = ''): CommandOutcome {
  return { exitCode: code, timedOut: false, stdout, stderr };
}

export function timeout(): CommandOutcome {
  return { exitCode: null, timedOut: true, stdout: '', stderr: '' };
}

export function execError(error: string): CommandOutcome {
  return { exitCode: null, timedOut: false, stdout: '', stderr: '', error };
}
