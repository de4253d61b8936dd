// Property-based tests: decide() over random member states.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import { decide } from '../../../src/engine/decide.ts';
import type { ClusterPolicy, MemberObservation, MemberRecord, Observation, Plan, PodPhase, Role } from '../../../src/engine/types.ts';
import { INTERVAL, NOW, name, seq } from './fixtures.ts';

const NUM_RUNS = 400;

interface Scenario {
  policy: ClusterPolicy;
  observation: Observation;
}

const phaseArb: fc.Arbitrary<PodPhase> = fc.oneof(
  { weight: 8, arbitrary: fc.constant<PodPhase>('Running') },
  { weight: 2, arbitrary: fc.constantFrom<PodPhase>('Pending', 'Terminating', 'Missing', 'Failed') },
);
const roleArb: fc.Arbitrary<Role> = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Role>('stopped') },
  { weight: 4, arbitrary: fc.constantFrom<Role>('primary', 'secondary', 'failed', 'unknown') },
);
const sequenceArb: fc.Arbitrary<number | null | undefined> = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 12 }) },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);
const ageArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant(0) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 2 * INTERVAL }) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

interface MemberDraft {
  phase: PodPhase;
  role: Role;
  sequence: number | null | undefined;
  sequenceAge: number;
  statusAge: number | undefined;
  failures: number;
  seedFailures: number;
  stopFailed: boolean;
  newPod: boolean;
  /** Template revision of the pod. */
  revision: 'r1' | 'r2';
}

/** wild = anything goes; stopped = a cluster that is down (bootstraps); running = a cluster with primaries (joins). */
type Mode = 'wild' | 'stopped' | 'running';

function memberRoleArb(mode: Mode): fc.Arbitrary<Role> {
  switch (mode) {
    case 'wild':
      return roleArb;
    case 'stopped':
      return fc.oneof({ weight: 9, arbitrary: fc.constant<Role>('stopped') }, { weight: 1, arbitrary: roleArb });
    case 'running':
      return fc.oneof(
        { weight: 4, arbitrary: fc.constant<Role>('primary') },
        { weight: 3, arbitrary: fc.constant<Role>('stopped') },
        { weight: 2, arbitrary: fc.constant<Role>('secondary') },
        { weight: 1, arbitrary: roleArb },
      );
  }
}

function memberArb(mode: Mode): fc.Arbitrary<MemberDraft> {
  const calm = mode !== 'wild';
  return fc.record({
    phase: calm ? fc.oneof({ weight: 19, arbitrary: fc.constant<PodPhase>('Running') }, { weight: 1, arbitrary: phaseArb }) : phaseArb,
    role: memberRoleArb(mode),
    sequence: sequenceArb,
    sequenceAge: fc.integer({ min: 0, max: 2 * INTERVAL }),
    statusAge: calm ? fc.oneof({ weight: 19, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: ageArb }) : ageArb,
    failures: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 5 }) }),
    seedFailures: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 3 }) }),
    stopFailed: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    newPod: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    revision: fc.oneof({ weight: 3, arbitrary: fc.constant<'r1' | 'r2'>('r1') }, { weight: 1, arbitrary: fc.constant<'r1' | 'r2'>('r2') }),
  });
}

function toMember(ordinal: number, d: MemberDraft): MemberObservation {
  const uid = d.phase === 'Missing' ? undefined : `uid-${ordinal}`;
  const record: MemberRecord = { name: name(ordinal), role: d.role, failures: d.failures, seedFailures: d.seedFailures };
  const recordUid = d.newPod ? `old-${ordinal}` : uid;
  if (recordUid !== undefined) record.podUid = recordUid;
  if (d.sequence !== undefined) {
    record.sequence = seq(d.sequence);
    record.sequenceAt = NOW - d.sequenceAge;
  }
  if (d.statusAge !== undefined) record.lastStatusAt = NOW - d.statusAge;
  if (d.stopFailed) record.stopFailed = true;
  const pod: MemberObservation['pod'] = uid === undefined ? { phase: d.phase } : { phase: d.phase, uid, revision: d.revision };
  return { name: name(ordinal), ordinal, pod, record };
}

function scenarioArb(mode: Mode): fc.Arbitrary<Scenario> {
  return fc
    .record({
      replicas: fc.integer({ min: 1, max: 7 }),
      extra: fc.integer({ min: 0, max: 2 }),
      primaries: fc.integer({ min: 1, max: 8 }),
      hasSecondaryCommand: fc.boolean(),
      failureThreshold: fc.integer({ min: 1, max: 4 }),
      paused: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
      override: fc.oneof(
        { weight: 5, arbitrary: fc.constant<string | undefined>(undefined) },
        { weight: 2, arbitrary: fc.integer({ min: 0, max: 9 }).map(name) },
        { weight: 1, arbitrary: fc.constant('not-a-pod') },
      ),
      highestSequence: fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: 14 })),
      statefulSetReplicas: fc.integer({ min: 0, max: 9 }),
      fenced: fc.oneof(
        { weight: 5, arbitrary: fc.constant<string[]>([]) },
        { weight: 1, arbitrary: fc.subarray([0, 1, 2, 3, 4, 5, 6, 7, 8].map(name), { maxLength: 3 }) },
      ),
      updateRevision: fc.oneof(
        { weight: 4, arbitrary: fc.constant<string | undefined>(undefined) },
        { weight: 2, arbitrary: fc.constant<string | undefined>('r1') },
        { weight: 1, arbitrary: fc.constant<string | undefined>('r2') },
      ),
      restart: fc.oneof(
        { weight: 5, arbitrary: fc.constant<string | undefined>(undefined) },
        { weight: 1, arbitrary: fc.integer({ min: 0, max: 8 }).map(name) },
      ),
    })
    .chain((p) =>
      fc.array(memberArb(mode), { minLength: p.replicas + p.extra, maxLength: p.replicas + p.extra }).map((drafts): Scenario => {
        const policy: ClusterPolicy = {
          replicas: p.replicas,
          primaries: p.primaries,
          hasSeedCommand: true,
          hasSecondaryCommand: p.hasSecondaryCommand,
          fenced: p.fenced,
          statusIntervalMs: INTERVAL,
          sequenceIntervalMs: 0,
          failureThreshold: p.failureThreshold,
          paused: p.paused,
        };
        if (p.override !== undefined) policy.seedOverride = p.override;
        if (p.restart !== undefined) policy.restart = p.restart;
        const observation: Observation = {
          now: NOW,
          members: drafts.map((d, i) => toMember(i, d)),
          statefulSetReplicas: p.statefulSetReplicas,
        };
        if (p.highestSequence !== undefined) observation.highestSequence = seq(p.highestSequence);
        if (p.updateRevision !== undefined) observation.updateRevision = p.updateRevision;
        return { policy, observation };
      }),
    );
}

const scenarios = fc.oneof(scenarioArb('wild'), scenarioArb('stopped'), scenarioArb('running'));

function podOf(s: Scenario, member: string): MemberObservation | undefined {
  return s.observation.members.find((m) => m.name === member);
}

function recordOf(plan: Plan, member: string): MemberRecord {
  const rec = plan.records.find((r) => r.name === member);
  assert.ok(rec, `no record for ${member}`);
  return rec;
}

function runningPrimaries(s: Scenario, plan: Plan): string[] {
  return s.observation.members
    .filter((m) => m.pod.phase === 'Running' && recordOf(plan, m.name).role === 'primary')
    .map((m) => m.name);
}

function check(property: (s: Scenario, plan: Plan) => void) {
  fc.assert(
    fc.property(scenarios, (s) => {
      property(s, decide(s.policy, s.observation));
    }),
    { numRuns: NUM_RUNS },
  );
}

describe('decide properties', () => {
  it('the generator reaches seeds, overrides, refusals, joins, reads and waits', () => {
    const samples = fc.sample(scenarios, { numRuns: 1500, seed: 42 });
    const plans = samples.map((s) => decide(s.policy, s.observation));
    const count = (pred: (p: Plan) => boolean) => plans.filter(pred).length;
    if (process.env.ENGINE_COVERAGE) {
      const kinds: Record<string, number> = {};
      for (const p of plans) {
        const key = p.reads.length > 0 ? 'reads' : (p.change?.kind ?? p.conditions.find((c) => c.type === 'Available')?.reason ?? '?');
        kinds[key] = (kinds[key] ?? 0) + 1;
      }
      console.log(kinds);
    }
    assert.ok(count((p) => p.change?.kind === 'seed' && !p.change.override) >= 30, 'plain seeds');
    assert.ok(count((p) => p.change?.kind === 'seed' && p.change.override) >= 10, 'override seeds');
    assert.ok(count((p) => p.conditions.some((c) => c.reason === 'BootstrapRefused')) >= 10, 'refusals');
    assert.ok(count((p) => p.conditions.some((c) => c.reason === 'SequenceUnknown')) >= 10, 'unknown sequences');
    assert.ok(count((p) => p.change?.kind === 'stop' && p.change.cause === 'rollout') >= 5, 'rollout stops');
    assert.ok(count((p) => p.change?.kind === 'deletePod' && p.change.cause === 'rollout') >= 5, 'rollout replacements');
    assert.ok(count((p) => p.change?.kind === 'stop' && p.change.cause === 'fence') >= 5, 'fencing stops');
    assert.ok(count((p) => p.change?.kind === 'stop' && p.change.cause === 'restart') >= 3, 'restarts');
    assert.ok(count((p) => p.change?.kind === 'join') >= 30, 'joins');
    assert.ok(count((p) => p.change?.kind === 'deletePod') >= 5, 'pod deletions');
    assert.ok(count((p) => p.reads.length > 0) >= 100, 'reads');
  });

  it('(1) a seed is never planned while any running member is a primary', () => {
    check((s, plan) => {
      if (plan.change?.kind !== 'seed') return;
      assert.deepEqual(runningPrimaries(s, plan), []);
      // Nor while a running member's state is unknown (it could be a primary).
      for (const m of s.observation.members) {
        if (m.pod.phase === 'Running') assert.notEqual(recordOf(plan, m.name).role, 'unknown');
      }
    });
  });

  it('(2) without override, the seed holds the highest sequence of all members, all Running (stopped or secondary) and known, at or above the mark', () => {
    check((s, plan) => {
      if (plan.change?.kind !== 'seed') return;
      const seed = plan.change;
      const wanted = s.observation.members.filter((m) => m.ordinal < s.policy.replicas);
      if (seed.override) {
        assert.equal(seed.member, s.policy.seedOverride);
        const target = podOf(s, seed.member);
        assert.ok(target && target.ordinal < s.policy.replicas && target.pod.phase === 'Running');
        assert.equal(recordOf(plan, seed.member).role, 'stopped');
        return;
      }
      assert.equal(wanted.length, s.policy.replicas, 'every member that should exist is observed');
      assert.ok(seed.sequence !== null, 'a plain seed has a known sequence');
      assert.equal(typeof seed.sequence.value, 'bigint');
      const sequences = wanted.map((m) => {
        assert.equal(m.pod.phase, 'Running', `${m.name} is Running`);
        const rec = recordOf(plan, m.name);
        // No restore is asked for here: running secondaries keep running and are sequenced where they run.
        assert.ok(rec.role === 'stopped' || rec.role === 'secondary', `${m.name} is stopped or runs as a secondary (${rec.role})`);
        assert.ok(rec.sequence !== null && rec.sequence !== undefined, `${m.name} has a known sequence`);
        return rec.sequence.value;
      });
      const max = sequences.reduce((a, b) => (b > a ? b : a));
      assert.equal(seed.sequence.value, max);
      assert.deepEqual(recordOf(plan, seed.member).sequence, seed.sequence);
      const seeded = podOf(s, seed.member);
      assert.ok(seeded && seeded.ordinal < s.policy.replicas);
      if (s.observation.highestSequence !== undefined) assert.ok(max >= s.observation.highestSequence.value);
      // Tie-break among the tied unfenced members only: a running secondary (promoted in place) first, then
      // fewest seed failures, then lowest ordinal.
      const tied = wanted.filter((m) => recordOf(plan, m.name).sequence?.value === max && !s.policy.fenced.includes(m.name));
      const inPlace = tied.filter((m) => recordOf(plan, m.name).role === 'secondary');
      const preferred = inPlace.length > 0 ? inPlace : tied;
      const fewest = Math.min(...preferred.map((m) => recordOf(plan, m.name).seedFailures));
      const expected = preferred.find((m) => recordOf(plan, m.name).seedFailures === fewest);
      assert.equal(seed.member, expected?.name);
    });
  });

  it('(3) at most one change, and no change when there are reads', () => {
    check((_s, plan) => {
      if (plan.reads.length > 0) assert.equal(plan.change, undefined);
      const keys = plan.reads.map((r) => `${r.kind}/${r.member}`);
      assert.equal(new Set(keys).size, keys.length, 'no duplicate reads');
      if (plan.change !== undefined) assert.equal(typeof plan.change.member, 'string');
    });
  });

  it('(4) plan.highestSequence is never below the recorded mark, nor below any sequence read while no primary runs or from a removed member', () => {
    check((s, plan) => {
      if (s.observation.highestSequence !== undefined) {
        assert.ok(plan.highestSequence !== undefined && plan.highestSequence.value >= s.observation.highestSequence.value);
      }
      const primaryRuns = runningPrimaries(s, plan).length > 0;
      for (const rec of plan.records) {
        const m = podOf(s, rec.name);
        const counts = !primaryRuns || (m !== undefined && m.ordinal >= s.policy.replicas);
        if (counts && rec.sequence !== null && rec.sequence !== undefined) assert.ok(plan.highestSequence !== undefined && plan.highestSequence.value >= rec.sequence.value);
      }
    });
  });

  it('(5) decide is deterministic and does not modify its input', () => {
    fc.assert(
      fc.property(scenarios, (s) => {
        const before = structuredClone(s);
        const first = decide(s.policy, s.observation);
        assert.deepEqual(s, before, 'input unchanged');
        const second = decide(structuredClone(s.policy), structuredClone(s.observation));
        assert.deepEqual(second, first);
        const reversed = { ...s.observation, members: [...s.observation.members].reverse() };
        assert.deepEqual(decide(s.policy, reversed), first, 'member order does not matter');
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('(6) no action ever targets a member whose pod is not Running', () => {
    check((s, plan) => {
      for (const action of [...plan.reads, ...(plan.change ? [plan.change] : [])]) {
        assert.equal(podOf(s, action.member)?.pod.phase, 'Running', `${action.kind} on ${action.member}`);
      }
    });
  });

  it('paused: no reads and no change', () => {
    check((s, plan) => {
      if (!s.policy.paused) return;
      assert.deepEqual(plan.reads, []);
      assert.equal(plan.change, undefined);
      assert.equal(plan.phase, 'Paused');
    });
  });

  it('joins and deletions target only members that should exist, in the right state', () => {
    check((s, plan) => {
      const change = plan.change;
      if (change === undefined) return;
      const m = podOf(s, change.member);
      assert.ok(m);
      const rec = recordOf(plan, change.member);
      if (change.kind === 'join') {
        assert.ok(m.ordinal < s.policy.replicas);
        assert.equal(rec.role, 'stopped');
        assert.notEqual(rec.sequence, undefined, 'sequence read before joining');
        assert.ok(runningPrimaries(s, plan).length > 0);
        // It is started to follow the running primaries that should exist.
        const primaries = runningPrimaries(s, plan).filter((p) => (podOf(s, p)?.ordinal ?? Infinity) < s.policy.replicas);
        assert.deepEqual([...change.following].sort(), primaries.sort());
        // Lowest ordinal first.
        const earlier = s.observation.members.filter(
          (o) =>
            o.ordinal < m.ordinal &&
            o.pod.phase === 'Running' &&
            recordOf(plan, o.name).role === 'stopped' &&
            !s.policy.fenced.includes(o.name),
        );
        assert.deepEqual(earlier, []);
      }
      if (change.kind === 'deletePod' && change.cause === 'rollout') {
        assert.ok(m.ordinal < s.policy.replicas);
        assert.equal(rec.role, 'stopped');
        assert.ok(s.observation.updateRevision !== undefined && m.pod.revision !== s.observation.updateRevision, 'only an outdated pod is replaced');
      } else if (change.kind === 'deletePod' && change.cause === 'scaleDown') {
        // A removed member that cannot be stopped is replaced, so that its sequence is read before it goes.
        assert.ok(m.ordinal >= s.policy.replicas);
        assert.equal(rec.role, 'failed');
        assert.ok(rec.stopFailed === true || rec.failures >= s.policy.failureThreshold);
      } else if (change.kind === 'deletePod') {
        assert.equal(change.cause, 'failure');
        assert.ok(m.ordinal < s.policy.replicas);
        assert.equal(rec.role, 'failed');
        assert.ok(rec.stopFailed === true || rec.failures >= s.policy.failureThreshold);
      }
      if (change.kind === 'stop') assert.notEqual(rec.role, 'stopped');
    });
  });

  it('a fenced member is only ever stopped, for its fencing: never seeded, joined, restarted or replaced', () => {
    check((s, plan) => {
      const change = plan.change;
      if (change === undefined || !s.policy.fenced.includes(change.member)) return;
      assert.equal(change.kind, 'stop', JSON.stringify(change, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)));
      assert.equal(change.kind === 'stop' && change.cause, 'fence');
      assert.ok(!plan.reads.some((r) => r.kind === 'status' && r.member === change.member));
    });
  });

  it('a rolling update takes a member down only when every other wanted, unfenced member runs healthy', () => {
    check((s, plan) => {
      const change = plan.change;
      if (change?.kind !== 'stop' || change.cause !== 'rollout') return;
      const m = podOf(s, change.member);
      assert.ok(m && s.observation.updateRevision !== undefined && m.pod.revision !== s.observation.updateRevision);
      for (const other of s.observation.members) {
        if (other.ordinal >= s.policy.replicas || other.name === change.member || s.policy.fenced.includes(other.name)) continue;
        assert.equal(other.pod.phase, 'Running', `${other.name} runs`);
        assert.ok(['primary', 'secondary'].includes(recordOf(plan, other.name).role), `${other.name} is healthy`);
      }
      // Secondaries before primaries.
      if (recordOf(plan, change.member).role === 'primary') {
        const outdatedSecondary = s.observation.members.some(
          (o) => o.ordinal < s.policy.replicas && !s.policy.fenced.includes(o.name) && o.pod.revision !== s.observation.updateRevision && recordOf(plan, o.name).role === 'secondary',
        );
        assert.ok(!outdatedSecondary, 'an outdated secondary goes first');
      }
    });
  });

  it('the StatefulSet grows at once and shrinks only when no removed member still runs the application', () => {
    check((s, plan) => {
      const { replicas } = s.policy;
      const current = s.observation.statefulSetReplicas;
      if (s.policy.paused) return;
      if (replicas >= current) {
        assert.equal(plan.statefulSetReplicas, replicas);
        return;
      }
      assert.ok(plan.statefulSetReplicas === replicas || plan.statefulSetReplicas === current);
      const stillRunning = s.observation.members.some(
        (m) =>
          m.ordinal >= replicas &&
          m.pod.phase === 'Running' &&
          ['primary', 'secondary', 'unknown'].includes(recordOf(plan, m.name).role),
      );
      if (stillRunning) assert.equal(plan.statefulSetReplicas, current);
    });
  });

  it('conditions: the four types (and Paused), one line each; a sane requeue', () => {
    check((s, plan) => {
      const types = plan.conditions.map((c) => c.type);
      for (const t of ['Available', 'Progressing', 'Degraded', 'Bootstrapped', 'Paused']) assert.ok(types.includes(t as never), t);
      assert.equal(new Set(types).size, types.length);
      for (const c of plan.conditions) {
        assert.doesNotMatch(c.message, /[\r\n]/);
        assert.ok(c.message.length > 0 && c.reason.length > 0);
      }
      assert.ok(Number.isFinite(plan.requeueAfterMs) && plan.requeueAfterMs >= 1000 && plan.requeueAfterMs <= INTERVAL);
      assert.deepEqual(plan.records.map((r) => r.name), sortedNames(s));
    });
  });
});

function sortedNames(s: Scenario): string[] {
  return [...s.observation.members].sort((a, b) => a.ordinal - b.ordinal).map((m) => m.name);
}
