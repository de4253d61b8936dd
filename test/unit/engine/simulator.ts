// A fake cluster for engine tests: each member's application is a small state machine answering the six
// commands; the loop plays the executor (run reads or the change, fold the outcomes into the engine's state
// with the engine's functions, decide again).
import { sequenceOf } from '../../../src/engine/sequence.ts';
import { decide } from '../../../src/engine/decide.ts';
import { afterOccurrence, afterPlan, type ClusterState } from '../../../src/engine/state.ts';
import type {
  ChangeAction,
  ClusterPolicy,
  CommandOutcome,
  MemberObservation,
  MemberRecord,
  Observation,
  Plan,
  PodPhase,
  ReadAction,
  RolloutHalt,
} from '../../../src/engine/types.ts';
import { NOW, name } from './fixtures.ts';

export interface FakeMember {
  phase: PodPhase;
  uid: string;
  app: 'primary' | 'secondary' | 'stopped' | 'broken';
  /** Committed data. */
  sequence: number;
  /** `sequence` prints garbage. */
  sequenceUnknown?: boolean;
  /** How many more `seed` commands fail on this pod. */
  seedFailuresLeft?: number;
  /** `stop` fails on this pod. */
  stopBroken?: boolean;
  /** Template revision of the pod. */
  revision?: string;
}

export interface Simulation {
  policy: ClusterPolicy;
  members: FakeMember[];
  records: MemberRecord[];
  highestSequence?: number;
  statefulSetReplicas: number;
  now: number;
  changes: ChangeAction[];
  reads: ReadAction[];
  plans: Plan[];
  uidCounter: number;
  /** The StatefulSet's update revision: pods recreated after deletePod get it. */
  updateRevision?: string;
  /** Revisions whose application fails `status` once started. */
  badRevisions: Set<string>;
  rolloutHalt?: RolloutHalt;
  rolloutUnderWay?: string;
}

export function simulation(policy: ClusterPolicy, members: FakeMember[], highestSequence?: number): Simulation {
  const sim: Simulation = {
    policy,
    members,
    records: members.map((m, i) => ({ name: name(i), podUid: m.uid, role: 'unknown', failures: 0, seedFailures: 0 })),
    statefulSetReplicas: members.length,
    now: NOW,
    changes: [],
    reads: [],
    plans: [],
    uidCounter: 0,
    badRevisions: new Set(),
  };
  if (highestSequence !== undefined) sim.highestSequence = highestSequence;
  return sim;
}

function ordinalOf(member: string): number {
  return Number(member.slice(member.lastIndexOf('-') + 1));
}

function outcome(exitCode: number, stdout = ''): CommandOutcome {
  return { exitCode, timedOut: false, stdout, stderr: exitCode === 0 ? '' : `exit ${exitCode}` };
}

function runRead(sim: Simulation, read: ReadAction): CommandOutcome {
  const m = sim.members[ordinalOf(read.member)];
  if (m === undefined || m.phase !== 'Running') throw new Error(`read on a member without a Running pod: ${read.member}`);
  if (read.kind === 'status') {
    if (m.app !== 'stopped' && m.revision !== undefined && sim.badRevisions.has(m.revision)) return outcome(1);
    switch (m.app) {
      case 'primary':
        return outcome(8);
      case 'secondary':
        return outcome(0);
      case 'stopped':
        return outcome(7);
      case 'broken':
        return outcome(1);
    }
  }
  if (m.app !== 'stopped') return outcome(1);
  return m.sequenceUnknown ? outcome(0, 'garbage') : outcome(0, `${m.sequence}\n`);
}

function runChange(sim: Simulation, change: ChangeAction): CommandOutcome {
  const ordinal = ordinalOf(change.member);
  const m = sim.members[ordinal];
  if (m === undefined || m.phase !== 'Running') throw new Error(`change on a member without a Running pod: ${change.member}`);
  switch (change.kind) {
    case 'seed': {
      if (sim.members.some((o) => o.phase === 'Running' && o.app === 'primary')) throw new Error('seed while a primary runs');
      if ((m.seedFailuresLeft ?? 0) > 0) {
        m.seedFailuresLeft = (m.seedFailuresLeft ?? 0) - 1;
        m.app = 'broken';
        return outcome(1);
      }
      m.app = 'primary';
      return outcome(0);
    }
    case 'join': {
      const primary = sim.members.filter((o) => o.phase === 'Running' && o.app === 'primary');
      if (primary.length === 0) return outcome(1);
      // Joining copies the cluster's data.
      m.sequence = Math.max(m.sequence, ...primary.map((p) => p.sequence));
      m.app = change.as;
      return outcome(0);
    }
    case 'stop':
      if (m.stopBroken) return outcome(1);
      m.app = 'stopped';
      return outcome(0);
    case 'deletePod':
      // The StatefulSet recreates the pod at once: new UID, application stopped, data kept on the volume.
      m.uid = `uid-${ordinal}-r${++sim.uidCounter}`;
      m.app = 'stopped';
      if (sim.updateRevision !== undefined) m.revision = sim.updateRevision;
      m.stopBroken = false;
      return outcome(0);
    case 'restore':
      // The simulated clusters are never given a backup to restore.
      throw new Error(`restore asked for without a restore request: ${change.member}`);
  }
}

export function observe(sim: Simulation): Observation {
  const members: MemberObservation[] = sim.members.map((m, i) => {
    const record = sim.records[i] ?? { name: name(i), role: 'unknown', failures: 0, seedFailures: 0 };
    const pod: MemberObservation['pod'] = m.phase === 'Missing' ? { phase: 'Missing' } : { phase: m.phase, uid: m.uid };
    if (m.phase !== 'Missing' && m.revision !== undefined) pod.revision = m.revision;
    return { name: name(i), ordinal: i, pod, record };
  });
  const obs: Observation = { now: sim.now, members, statefulSetReplicas: sim.statefulSetReplicas };
  if (sim.highestSequence !== undefined) obs.highestSequence = sequenceOf(sim.highestSequence);
  if (sim.updateRevision !== undefined) obs.updateRevision = sim.updateRevision;
  if (sim.rolloutHalt !== undefined) obs.rolloutHalt = sim.rolloutHalt;
  if (sim.rolloutUnderWay !== undefined) obs.rolloutUnderWay = sim.rolloutUnderWay;
  return obs;
}

function stateOf(sim: Simulation): ClusterState {
  const state: ClusterState = { records: new Map(sim.records.map((r) => [r.name, r])), done: {} };
  if (sim.highestSequence !== undefined) state.highestSequence = sequenceOf(sim.highestSequence);
  if (sim.rolloutHalt !== undefined) state.rolloutHalt = sim.rolloutHalt;
  if (sim.rolloutUnderWay !== undefined) state.rolloutUnderWay = sim.rolloutUnderWay;
  return state;
}

function keep(sim: Simulation, state: ClusterState): void {
  sim.records = sim.members.map((_, i) => state.records.get(name(i)) ?? { name: name(i), role: 'unknown', failures: 0, seedFailures: 0 });
  if (state.highestSequence !== undefined) sim.highestSequence = Number(state.highestSequence.value);
  if (state.rolloutHalt !== undefined) sim.rolloutHalt = state.rolloutHalt;
  else delete sim.rolloutHalt;
  if (state.rolloutUnderWay !== undefined) sim.rolloutUnderWay = state.rolloutUnderWay;
  else delete sim.rolloutUnderWay;
}

/**
 * One decide + execute round, the state kept by the engine's own functions (afterPlan, afterOccurrence) as
 * the reconciler keeps it. (The reconciler itself, with Kubernetes, runs in simulation/.) Returns the plan.
 */
export function step(sim: Simulation): Plan {
  const plan = decide(sim.policy, observe(sim));
  sim.plans.push(plan);
  let state = afterPlan(stateOf(sim), plan);
  sim.statefulSetReplicas = plan.statefulSetReplicas;
  sim.now += 100;
  for (const read of plan.reads) {
    sim.reads.push(read);
    state = afterOccurrence(state, sim.policy, { kind: 'read', read, outcome: runRead(sim, read) }, sim.now);
  }
  const change = plan.change;
  if (change !== undefined) {
    if (plan.reads.length > 0) throw new Error('a change with reads');
    sim.changes.push(change);
    const outcome = runChange(sim, change);
    state = change.kind === 'deletePod'
      ? afterOccurrence(state, sim.policy, { kind: 'podDeleted', change }, sim.now)
      : afterOccurrence(state, sim.policy, { kind: 'change', change, outcome }, sim.now);
  }
  keep(sim, state);
  return plan;
}

/** Rounds until nothing is left to do (no reads, no change, StatefulSet at its size), at most `limit`. Returns the last plan. */
export function settle(sim: Simulation, limit = 200): Plan {
  for (let i = 0; i < limit; i++) {
    const size = sim.statefulSetReplicas;
    const plan = step(sim);
    if (plan.reads.length === 0 && plan.change === undefined && plan.statefulSetReplicas === size) return plan;
  }
  throw new Error(`did not settle in ${limit} rounds; last changes ${JSON.stringify(sim.changes.slice(-10))}`);
}

export function stoppedMembers(sequences: number[]): FakeMember[] {
  return sequences.map((sequence, i) => ({ phase: 'Running', uid: `uid-${i}`, app: 'stopped', sequence }));
}
