// decide + outcome folding together, against a fake application: whole lifecycles, step by step.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import { INTERVAL, condition, name, policy } from './fixtures.ts';
import { settle, simulation, step, stoppedMembers } from './simulator.ts';

function seeds(changes: { kind: string; member: string }[]) {
  return changes.filter((c) => c.kind === 'seed').map((c) => c.member);
}

describe('simulation', () => {
  it('lights-out: probes, sequences, seeds the most advanced member, then joins the others one at a time', () => {
    const sim = simulation(policy({ primaries: 1, hasSecondaryCommand: true }), stoppedMembers([4, 9, 9]));
    const final = settle(sim);
    assert.deepEqual(
      sim.changes.map((c) => `${c.kind} ${c.member}${c.kind === 'join' ? ` ${c.as}` : ''}`),
      ['seed rss-db-1', 'join rss-db-0 secondary', 'join rss-db-2 secondary'],
    );
    assert.equal(final.phase, 'Running');
    assert.equal(condition(final, 'Available').message, '3 of 3 members running: 1 primary, 2 secondaries');
    assert.equal(sim.highestSequence, 9);
    // Every member was probed before the seed, and every sequence read before it.
    const seedIndex = sim.plans.findIndex((p) => p.change?.kind === 'seed');
    const before = sim.plans.slice(0, seedIndex).flatMap((p) => p.reads);
    for (let i = 0; i < 3; i++) {
      assert.ok(before.some((r) => r.kind === 'status' && r.member === name(i)));
      assert.ok(before.some((r) => r.kind === 'sequence' && r.member === name(i)));
    }
  });

  it('a failing seed is stopped and retried on the tied candidate, never on a lower one', () => {
    const members = stoppedMembers([9, 5, 9]);
    members[0] = { ...members[0]!, seedFailuresLeft: 1 };
    const sim = simulation(policy(), members);
    const final = settle(sim);
    assert.deepEqual(seeds(sim.changes), [name(0), name(2)]);
    assert.equal(final.phase, 'Running');
    const stops = sim.changes.filter((c) => c.kind === 'stop').map((c) => c.member);
    assert.deepEqual(stops, [name(0)], 'the failed seed is stopped before the next try');
  });

  it('the only candidate is retried, then its pod replaced after failureThreshold failures, then it seeds', () => {
    const members = stoppedMembers([9, 5, 5]);
    members[0] = { ...members[0]!, seedFailuresLeft: 3 };
    const sim = simulation(policy({ failureThreshold: 3 }), members);
    const final = settle(sim);
    assert.deepEqual(seeds(sim.changes), [name(0), name(0), name(0), name(0)]);
    assert.ok(sim.changes.some((c) => c.kind === 'deletePod' && c.member === name(0)));
    assert.equal(final.phase, 'Running');
  });

  it('a member whose status fails is stopped, rejoins, and is replaced when its stop fails', () => {
    const sim = simulation(policy(), stoppedMembers([3, 3, 3]));
    settle(sim);
    sim.changes.length = 0;
    sim.members[1]!.app = 'broken';
    sim.now += INTERVAL;
    settle(sim);
    assert.deepEqual(sim.changes.map((c) => `${c.kind} ${c.member}`), ['stop rss-db-1', 'join rss-db-1']);

    sim.changes.length = 0;
    sim.members[2]!.app = 'broken';
    sim.members[2]!.stopBroken = true;
    sim.now += INTERVAL;
    const final = settle(sim);
    assert.deepEqual(sim.changes.map((c) => `${c.kind} ${c.member}`), ['stop rss-db-2', 'deletePod rss-db-2', 'join rss-db-2']);
    assert.equal(final.phase, 'Running');
  });

  it('an unknown sequence blocks until an override names a pod', () => {
    const members = stoppedMembers([3, 8, 3]);
    members[1] = { ...members[1]!, sequenceUnknown: true };
    const sim = simulation(policy(), members);
    const blocked = settle(sim);
    assert.equal(sim.changes.length, 0);
    assert.equal(condition(blocked, 'Available').reason, 'SequenceUnknown');
    sim.policy = { ...sim.policy, seedOverride: name(1) };
    const final = settle(sim);
    assert.deepEqual(sim.changes[0], { kind: 'seed', member: name(1), sequence: null, override: true });
    assert.equal(final.phase, 'Running');
  });

  it('scale 5 → 2 → 0 → 3: stops highest first, shrinks after, recovers from the most advanced member', () => {
    const sim = simulation(policy({ replicas: 5, primaries: 5 }), stoppedMembers([1, 1, 1, 1, 1]));
    settle(sim);
    sim.members[4]!.sequence = 6; // the last member got more data after joining (it is a primary)
    for (const m of sim.members) m.sequence = 6;
    sim.changes.length = 0;
    sim.policy = policy({ replicas: 2, primaries: 2 });
    const shrunk = settle(sim);
    assert.deepEqual(sim.changes.map((c) => `${c.kind} ${c.member}`), ['stop rss-db-4', 'stop rss-db-3', 'stop rss-db-2']);
    // The StatefulSet keeps 5 pods until the last removed member is stopped.
    const lastStop = sim.plans.findIndex((p) => p.change?.kind === 'stop' && p.change.member === name(2));
    const firstShrink = sim.plans.findIndex((p) => p.statefulSetReplicas < 5);
    assert.ok(lastStop >= 0 && firstShrink > lastStop, `shrank at plan ${firstShrink}, last stop at ${lastStop}`);
    assert.equal(shrunk.statefulSetReplicas, 2);
    assert.equal(shrunk.phase, 'Running');
    for (const m of sim.members.slice(2)) m.phase = 'Missing';

    sim.changes.length = 0;
    sim.policy = policy({ replicas: 0, primaries: 0 });
    const stopped = settle(sim);
    assert.deepEqual(sim.changes.map((c) => `${c.kind} ${c.member}`), ['stop rss-db-1', 'stop rss-db-0']);
    assert.equal(stopped.statefulSetReplicas, 0);
    assert.equal(stopped.phase, 'Stopped');
    for (const m of sim.members) m.phase = 'Missing';

    // Back to 3: member 2's volume is fresh (sequence 0) and members 0, 1 kept theirs.
    sim.changes.length = 0;
    sim.policy = policy({ replicas: 3, primaries: 3 });
    sim.members.forEach((m, i) => {
      if (i < 3) Object.assign(m, { phase: 'Running', uid: `uid-${i}-back`, app: 'stopped', sequence: i === 2 ? 0 : 6 });
    });
    sim.members.length = 3;
    const back = settle(sim);
    assert.deepEqual(seeds(sim.changes), [name(0)]);
    assert.equal(back.phase, 'Running');
  });

  it('refuses lights-out recovery from volumes below the high-water mark', () => {
    const sim = simulation(policy(), stoppedMembers([2, 2, 1]), 7);
    const plan = settle(sim);
    assert.equal(sim.changes.length, 0);
    assert.equal(condition(plan, 'Bootstrapped').reason, 'BootstrapRefused');
  });

  it('property: from any stopped cluster, converges to Running with exactly one seed of the best member', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }).chain((replicas) =>
          fc.record({
            replicas: fc.constant(replicas),
            primaries: fc.integer({ min: 1, max: replicas }),
            hasSecondaryCommand: fc.boolean(),
            sequences: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: replicas, maxLength: replicas }),
          }),
        ),
        ({ replicas, primaries, hasSecondaryCommand, sequences }) => {
          const sim = simulation(policy({ replicas, primaries, hasSecondaryCommand }), stoppedMembers(sequences));
          const final = settle(sim);
          const best = Math.max(...sequences);
          assert.deepEqual(seeds(sim.changes), [name(sequences.indexOf(best))]);
          assert.equal(final.phase, 'Running');
          const roles = final.records.map((r) => r.role);
          const wantPrimaries = hasSecondaryCommand ? primaries : replicas;
          assert.equal(roles.filter((r) => r === 'primary').length, wantPrimaries);
          assert.equal(roles.filter((r) => r === 'secondary').length, replicas - wantPrimaries);
          // Joins happened one at a time, in ordinal order.
          const joins = sim.changes.filter((c) => c.kind === 'join').map((c) => c.member);
          assert.deepEqual(joins, [...joins].sort((a, b) => Number(a.split('-')[2]) - Number(b.split('-')[2])));
          return true;
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a healthy cluster keeps probing status each interval and changes nothing', () => {
    const sim = simulation(policy(), stoppedMembers([1, 1, 1]));
    settle(sim);
    sim.changes.length = 0;
    for (let i = 0; i < 5; i++) {
      sim.now += INTERVAL;
      const probe = step(sim);
      assert.equal(probe.reads.length, 3);
      assert.equal(probe.phase, 'Running');
      assert.equal(condition(probe, 'Progressing').status, 'False');
      settle(sim);
    }
    assert.equal(sim.changes.length, 0);
  });
});
