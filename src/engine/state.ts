// What the operator knows of a cluster between decisions, and how each thing it learns or does changes
// that: pure functions from (state, what happened, time) to the next state. The executor stores the state
// (in memory, and in the RSS status so that it survives a restart) and hands it back to `decide`; it never
// edits it itself. Data-safety bookkeeping (the high-water mark, its reset on an accepted override or a
// restore) lives here, where the engine's tests and the simulation see it.
import { markFromRead, recordChange, recordRead, freshRecord, succeeded } from './outcomes.ts';
import { raisedMark, sequenceOf, type Sequence } from './sequence.ts';
import type { ChangeAction, ClusterPolicy, CommandOutcome, MemberRecord, Plan, ReadAction, RolloutHalt, SwitchoverUnderWay } from './types.ts';

/** The seed that started the cluster's current history (status.lastBootstrap). */
export interface BootstrapRecord {
  member: string;
  sequence: Sequence | null;
  /** ms since epoch. */
  at: number;
  override: boolean;
}

export interface ClusterState {
  /** What is known of each member, by name. */
  records: ReadonlyMap<string, MemberRecord>;
  /** The high-water mark: the highest sequence ever recorded for this cluster's current history. */
  highestSequence?: Sequence;
  /** The halt of the rolling update, as last decided. */
  rolloutHalt?: RolloutHalt;
  /** The revision of a rolling update not complete yet. */
  rolloutUnderWay?: string;
  /** When a running primary's sequence was last read for the mark (in memory only). */
  runningSequenceAt?: number;
  /** The last seed. */
  lastBootstrap?: BootstrapRecord;
  /** A switchover whose primary was stopped; it ends with the next seed. */
  switchover?: SwitchoverUnderWay;
  /**
   * One-shot requests (the restart, restore and switchover annotations) carried out: ignored while a stale
   * copy of the RSS still shows them, so that a member is not restarted, or a backup restored, twice.
   */
  done: Requests;
}

/** The one-shot requests, by kind: the value each annotation holds. */
export interface Requests {
  restart?: string;
  restore?: string;
  switchover?: string;
}
const REQUEST_KINDS = ['restart', 'restore', 'switchover'] as const;

/** What happened, as the executor reports it. */
export type Occurrence =
  | { kind: 'read'; read: ReadAction; outcome: CommandOutcome }
  | { kind: 'change'; change: Exclude<ChangeAction, { kind: 'deletePod' }>; outcome: CommandOutcome }
  /** The member's pod was deleted (or was already gone): the replacement starts with a fresh record. */
  | { kind: 'podDeleted'; change: Extract<ChangeAction, { kind: 'deletePod' }> };

export function emptyState(): ClusterState {
  return { records: new Map(), done: {} };
}

/** The record of a member, or a blank one when nothing is known. */
export function recordOf(state: ClusterState, member: string): MemberRecord {
  return state.records.get(member) ?? { name: member, role: 'unknown', failures: 0, seedFailures: 0 };
}

function withRecord(state: ClusterState, record: MemberRecord): ClusterState {
  const records = new Map(state.records);
  records.set(record.name, record);
  return { ...state, records };
}

function raiseMark(state: ClusterState, value: Sequence | null | undefined): ClusterState {
  const mark = raisedMark(state.highestSequence, value);
  if (mark === state.highestSequence || mark === undefined) return state;
  return { ...state, highestSequence: mark };
}

/**
 * The one-shot requests still to carry out. A request the state records as done is dropped while the RSS
 * still shows it (the annotation's removal not seen yet); once the RSS shows another value (or none), the
 * memory of the old one is forgotten, so asking again for the same thing later works.
 */
export function pendingRequests(state: ClusterState, asked: Requests): Requests & { state: ClusterState } {
  const done: Requests = { ...state.done };
  const pending: Requests = {};
  for (const request of REQUEST_KINDS) {
    const value = asked[request];
    if (done[request] !== undefined && done[request] === value) continue;
    delete done[request];
    if (value !== undefined) pending[request] = value;
  }
  const changed = REQUEST_KINDS.some((r) => done[r] !== state.done[r]);
  return { ...pending, state: changed ? { ...state, done } : state };
}

/**
 * The state after a decision: the records as the engine normalised them (fresh ones for new pods), the
 * mark it computed, and the rolling update's progress. While the update revision is unknown (the
 * StatefulSet controller catching up), the rollout's bookkeeping is kept as it was.
 */
export function afterPlan(state: ClusterState, plan: Plan): ClusterState {
  const records = new Map<string, MemberRecord>();
  for (const r of plan.records) {
    const before = state.records.get(r.name);
    // lastStatusAt lives only in memory; keep it should a normalised copy of the same pod lack it.
    if (r.lastStatusAt === undefined && before?.lastStatusAt !== undefined && before.podUid === r.podUid && before.role === r.role) {
      records.set(r.name, { ...r, lastStatusAt: before.lastStatusAt });
    } else records.set(r.name, r);
  }
  let next: ClusterState = { ...state, records };
  next = raiseMark(next, plan.highestSequence);
  if (plan.rollout !== undefined) {
    next = { ...next };
    if (plan.rollout.halted !== undefined) next.rolloutHalt = plan.rollout.halted;
    else delete next.rolloutHalt;
    if (plan.rollout.state === 'Complete') delete next.rolloutUnderWay;
    else next.rolloutUnderWay = plan.rollout.revision;
  }
  return next;
}

/** The state after something happened at `now`. */
export function afterOccurrence(state: ClusterState, policy: ClusterPolicy, occurrence: Occurrence, now: number): ClusterState {
  switch (occurrence.kind) {
    case 'read': {
      const { read, outcome } = occurrence;
      if (read.kind === 'runningSequence') {
        // A running primary's sequence only raises the mark; an application that cannot answer while
        // running leaves it where it is.
        return raiseMark({ ...state, runningSequenceAt: now }, markFromRead(outcome));
      }
      return withRecord(state, recordRead(recordOf(state, read.member), read, outcome, policy, now));
    }
    case 'change': {
      const { change, outcome } = occurrence;
      const before = change.kind === 'restore' ? (state.records.get(change.member) ?? freshRecord(change.member, 'stopped')) : recordOf(state, change.member);
      let next = withRecord(state, recordChange(before, change, outcome, policy, now));
      if (change.kind === 'join' && !succeeded(outcome)) {
        // The join did not replace the member's data with the running cluster's: what it holds counts for
        // the mark. (While a primary is believed to run, a joiner's sequence is otherwise left out; but the
        // primary may be gone unnoticed, and the joiner then holds the newest data.)
        next = raiseMark(next, before.sequence);
      }
      if (change.kind === 'stop' && change.cause === 'restart') next = { ...next, done: { ...next.done, restart: change.member } };
      if (change.kind === 'stop' && change.switchover !== undefined) {
        // The primary is stopped (or failed to stop, and is replaced): either way the switchover is under
        // way, and the annotation is not carried out twice.
        next = { ...next, switchover: change.switchover };
        if (change.switchover.via === 'annotation') next.done = { ...next.done, switchover: change.switchover.target };
      }
      // A seed, even one reported as failed (it may have run all the same), starts a new cluster: the
      // secondaries follow nothing that still runs as it did.
      if (change.kind === 'seed') next = repointSecondaries(next, change.member);
      if (change.kind === 'seed' && succeeded(outcome)) {
        next = { ...next, lastBootstrap: { member: change.member, sequence: change.sequence, at: now, override: change.override } };
        delete next.switchover;
        if (change.override || change.restoredFrom !== undefined) {
          // The person accepted this member's data as the cluster's (or it holds a restored backup): the
          // mark starts again from it, so the old history's higher numbers do not refuse every later
          // bootstrap. 0 when the seeded member's sequence was unknown: nothing can be below it.
          next.highestSequence = change.sequence ?? sequenceOf(0);
        }
      }
      return next;
    }
    case 'podDeleted':
      return withRecord(state, freshRecord(occurrence.change.member, 'unknown'));
  }
}

/**
 * After a seed, every other member recorded as a secondary follows a primary that no longer runs as it did
 * (a promotion, a switchover, or the same member started again as a new cluster): its list is emptied, so
 * that it is re-pointed at the new primary.
 */
function repointSecondaries(state: ClusterState, seeded: string): ClusterState {
  let records: Map<string, MemberRecord> | undefined;
  for (const record of state.records.values()) {
    if (record.name === seeded || record.role !== 'secondary') continue;
    records ??= new Map(state.records);
    records.set(record.name, { ...record, following: [] });
  }
  return records === undefined ? state : { ...state, records };
}

/** A one-shot request was carried out or dropped (its annotation is being removed): it is not done again. */
export function requestDone(state: ClusterState, request: keyof Requests, value: string): ClusterState {
  return { ...state, done: { ...state.done, [request]: value } };
}
