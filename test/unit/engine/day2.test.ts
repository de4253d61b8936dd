// Day-2 operations in the engine: rolling updates, fencing, restart requests, pause by annotation.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { decide } from '../../../src/engine/decide.ts';
import type { ChangeAction, Plan } from '../../../src/engine/types.ts';
import { NOW, condition, member, name, observation, policy } from './fixtures.ts';
import { settle, simulation, step, type FakeMember, type Simulation } from './simulator.ts';

function runningCluster(roles: Array<'primary' | 'secondary'>, revision: string): FakeMember[] {
  return roles.map((app, i) => ({ phase: 'Running', uid: `uid-${i}`, app, sequence: 10, revision }));
}

/** Members whose application runs (primary or secondary) in the fake cluster right now. */
function runningCount(sim: Simulation): number {
  return sim.members.filter((m) => m.phase === 'Running' && (m.app === 'primary' || m.app === 'secondary')).length;
}

function describeChange(c: ChangeAction): string {
  return `${c.kind} ${c.member}`;
}

/** Runs decide/execute rounds, calling `each` after every round. */
function rounds(sim: Simulation, n: number, each: (plan: Plan) => void = () => {}): void {
  for (let i = 0; i < n; i++) each(step(sim));
}

describe('rolling update', () => {
  it('replaces secondaries first, then primaries, highest ordinal first, one member down at a time', () => {
    const sim = simulation(
      policy({ replicas: 5, primaries: 3, hasSecondaryCommand: true }),
      runningCluster(['primary', 'primary', 'primary', 'secondary', 'secondary'], 'r1'),
    );
    settle(sim);
    assert.equal(sim.changes.length, 0, 'a settled cluster on one revision is left alone');
    sim.updateRevision = 'r2';
    let lowest = 5;
    const final = (() => {
      for (let i = 0; i < 400; i++) {
        const size = sim.statefulSetReplicas;
        const plan = step(sim);
        lowest = Math.min(lowest, runningCount(sim));
        if (plan.reads.length === 0 && plan.change === undefined && plan.statefulSetReplicas === size) return plan;
      }
      throw new Error('did not settle');
    })();
    const rolloutChanges = sim.changes.filter((c) => c.kind !== 'join').map(describeChange);
    assert.deepEqual(rolloutChanges, [
      `stop ${name(4)}`, `deletePod ${name(4)}`,
      `stop ${name(3)}`, `deletePod ${name(3)}`,
      `stop ${name(2)}`, `deletePod ${name(2)}`,
      `stop ${name(1)}`, `deletePod ${name(1)}`,
      `stop ${name(0)}`, `deletePod ${name(0)}`,
    ]);
    assert.ok(sim.changes.every((c) => c.kind === 'join' || ('cause' in c && c.cause === 'rollout')));
    assert.equal(lowest, 4, 'never two members down at once');
    assert.ok(sim.members.every((m) => m.revision === 'r2'));
    assert.deepEqual(final.rollout, { revision: 'r2', updated: 5, total: 5, state: 'Complete', skipped: [] });
    assert.equal(condition(final, 'Updated').status, 'True');
    assert.equal(final.phase, 'Running');
  });

  it('is complete only once the last replaced member runs healthy on the new revision', () => {
    const sim = simulation(policy(), runningCluster(['primary', 'primary', 'primary'], 'r1'));
    settle(sim);
    sim.updateRevision = 'r2';
    const states: string[] = [];
    for (let i = 0; i < 200; i++) {
      const size = sim.statefulSetReplicas;
      const plan = step(sim);
      const healthy = runningCount(sim);
      if (plan.rollout?.state === 'Complete') {
        assert.equal(healthy, 3, 'Complete with a member still down');
        assert.ok(sim.members.every((m) => m.revision === 'r2'));
      }
      states.push(plan.rollout?.state ?? 'none');
      if (plan.reads.length === 0 && plan.change === undefined && plan.statefulSetReplicas === size) break;
    }
    assert.equal(states.at(-1), 'Complete');
    // The last member's pod deleted, not recreated yet: still under way.
    const members = [0, 1].map((o) => member(o, { role: 'primary' }));
    for (const m of members) m.pod.revision = 'r2';
    const gone = member(2, { phase: 'Missing' });
    const plan = decide(policy(), observation([...members, gone], { updateRevision: 'r2', rolloutUnderWay: 'r2' }));
    assert.equal(plan.rollout?.state, 'RollingUpdate');
    assert.equal(plan.phase, 'Updating');
    // Without a rollout under way, a missing pod is a failover, not a rollout.
    assert.equal(decide(policy(), observation([...members, gone], { updateRevision: 'r2' })).rollout?.state, 'Complete');
  });

  it('reports progress while under way: Updating phase, Updated=False with the counts', () => {
    const sim = simulation(policy(), runningCluster(['primary', 'primary', 'primary'], 'r1'));
    settle(sim);
    sim.updateRevision = 'r2';
    const plan = step(sim);
    assert.deepEqual(plan.change, { kind: 'stop', member: name(2), reason: plan.change?.kind === 'stop' ? plan.change.reason : '', cause: 'rollout' });
    assert.equal(plan.phase, 'Updating');
    const updated = condition(plan, 'Updated');
    assert.equal(updated.status, 'False');
    assert.equal(updated.reason, 'RollingUpdate');
    assert.match(updated.message, /^0 of 3 members run revision r2/);
  });

  it('halts when a member fails on the new revision, and resumes when the template is fixed', () => {
    const sim = simulation(policy({ failureThreshold: 2 }), runningCluster(['primary', 'primary', 'primary'], 'r1'));
    settle(sim);
    sim.badRevisions.add('r2');
    sim.updateRevision = 'r2';
    let halted: Plan | undefined;
    rounds(sim, 120, (plan) => {
      if (plan.rollout?.state === 'Halted') halted = plan;
      assert.ok(runningCount(sim) >= 2, 'the rollout never takes a second member down');
    });
    assert.ok(halted, 'the rollout halted');
    const rolloutStops = sim.changes.filter((c) => c.kind === 'stop' && c.cause === 'rollout').map((c) => c.member);
    assert.deepEqual(rolloutStops, [name(2)], 'only the first member was taken down by the rollout');
    assert.equal(halted.rollout?.halted?.member, name(2));
    const updated = condition(halted, 'Updated');
    assert.equal(updated.reason, 'RolloutHalted');
    assert.match(updated.message, /rss-db-2 failed on revision r2 \(status exited with code 1/);
    assert.ok(sim.members[0]?.revision === 'r1' && sim.members[1]?.revision === 'r1');

    // Fix the template: a new revision; the failed member is replaced first, then the others.
    sim.updateRevision = 'r3';
    const final = settle(sim, 400);
    assert.ok(sim.members.every((m) => m.revision === 'r3'), JSON.stringify(sim.members.map((m) => m.revision)));
    assert.equal(final.rollout?.state, 'Complete');
    assert.equal(final.phase, 'Running');
  });

  it('a halt recorded in status survives an operator restart and clears once the member runs healthy', () => {
    const halt = { member: name(2), revision: 'r2', reason: 'status exited with code 1', at: NOW - 1000 };
    const members = [0, 1].map((o) => member(o, { role: 'primary' })).map((m) => ({ ...m, pod: { ...m.pod, revision: 'r1' } }));
    const failing = member(2, { role: 'stopped', sequence: 10 });
    failing.pod.revision = 'r2';
    const plan = decide(policy(), observation([...members, failing], { updateRevision: 'r2', rolloutHalt: halt }));
    assert.equal(plan.rollout?.state, 'Halted');
    assert.deepEqual(plan.rollout?.halted, halt);
    // It joins again (failure handling goes on); it is not replaced as outdated.
    assert.equal(plan.change?.kind, 'join');

    const healthy = member(2, { role: 'primary' });
    healthy.pod.revision = 'r2';
    const resumed = decide(policy(), observation([...members, healthy], { updateRevision: 'r2', rolloutHalt: halt }));
    assert.equal(resumed.rollout?.state, 'RollingUpdate');
    assert.equal(resumed.rollout?.halted, undefined);
    assert.deepEqual(resumed.change && describeChange(resumed.change), `stop ${name(1)}`);
  });

  it('makes no rollout decision while the update revision is unknown, and ignores pods without a revision', () => {
    const members = [0, 1, 2].map((o) => member(o, { role: 'primary' }));
    members[0]!.pod.revision = 'r1';
    const unknown = decide(policy(), observation(members));
    assert.equal(unknown.change, undefined);
    assert.equal(unknown.rollout, undefined);
    assert.equal(condition(unknown, 'Updated').status, 'Unknown');
    const known = decide(policy(), observation(members, { updateRevision: 'r1' }));
    assert.equal(known.rollout?.state, 'Complete');
    assert.equal(known.change, undefined);
  });

  it('replaces a stopped outdated member instead of starting it again in its old pod', () => {
    const members = [member(0, { role: 'primary' }), member(1, { role: 'stopped', sequence: 3 })];
    members[0]!.pod.revision = 'r2';
    members[1]!.pod.revision = 'r1';
    const plan = decide(policy({ replicas: 2 }), observation(members, { updateRevision: 'r2' }));
    assert.equal(plan.change?.kind, 'deletePod');
    assert.equal(plan.change?.member, name(1));
  });

  it('leaves fenced outdated members on their revision and says so', () => {
    const members = [0, 1, 2].map((o) => member(o, { role: o === 1 ? 'stopped' : 'primary' }));
    for (const m of members) m.pod.revision = 'r1';
    const plan = decide(policy({ fenced: [name(1)] }), observation(members, { updateRevision: 'r2' }));
    assert.deepEqual(plan.rollout?.skipped, [name(1)]);
    assert.equal(plan.change?.kind, 'stop');
    assert.equal(plan.change?.member, name(2));
  });
});

describe('fencing', () => {
  it('stops a fenced member once, then never probes, restarts or replaces it; unfenced, it rejoins', () => {
    const sim = simulation(policy(), runningCluster(['primary', 'primary', 'primary'], 'r1'));
    settle(sim);
    sim.policy = policy({ fenced: [name(1)] });
    const fenced = settle(sim);
    assert.deepEqual(sim.changes.map(describeChange), [`stop ${name(1)}`]);
    assert.equal(sim.changes[0]?.kind === 'stop' && sim.changes[0].cause, 'fence');
    assert.equal(sim.members[1]?.app, 'stopped');
    assert.equal(fenced.phase, 'Degraded');
    assert.match(condition(fenced, 'Degraded').message, /rss-db-1 \(fenced\)/);

    // Time passes: the others are probed, the fenced member is not touched at all.
    const readsBefore = sim.reads.length;
    sim.now += 120_000;
    settle(sim);
    const newReads = sim.reads.slice(readsBefore);
    assert.ok(newReads.length > 0);
    assert.ok(newReads.every((r) => r.member !== name(1)), 'no probe of the fenced member');
    assert.equal(sim.changes.length, 1);

    sim.policy = policy();
    const unfenced = settle(sim);
    assert.deepEqual(sim.changes.slice(1).map(describeChange), [`join ${name(1)}`]);
    assert.equal(unfenced.phase, 'Running');
  });

  it('leaves a fenced member whose stop failed in place: no pod deletion', () => {
    const members: FakeMember[] = runningCluster(['primary', 'primary', 'primary'], 'r1');
    members[2] = { ...members[2]!, stopBroken: true };
    const sim = simulation(policy({ fenced: [name(2)], failureThreshold: 1 }), members);
    settle(sim);
    assert.deepEqual(sim.changes.map(describeChange), [`stop ${name(2)}`]);
  });

  it('never seeds a fenced member: the bootstrap waits and says how to go on', () => {
    const members = [member(0, { sequence: 5 }), member(1, { sequence: 9 }), member(2, { sequence: 5 })];
    const plan = decide(policy({ fenced: [name(1)] }), observation(members));
    assert.equal(plan.change, undefined);
    const available = condition(plan, 'Available');
    assert.equal(available.reason, 'SeedFenced');
    assert.match(available.message, /rss-db-1, sequence 9\) is fenced: unfence it/);
  });

  it('prefers an unfenced member tied at the highest sequence', () => {
    const members = [member(0, { sequence: 9 }), member(1, { sequence: 9 }), member(2, { sequence: 5 })];
    const plan = decide(policy({ fenced: [name(0)] }), observation(members));
    assert.equal(plan.change?.kind, 'seed');
    assert.equal(plan.change?.member, name(1));
  });

  it('ignores a seed override naming a fenced member', () => {
    const members = [member(0, { sequence: 9 }), member(1, { sequence: 2 }), member(2, { sequence: 5 })];
    const plan = decide(policy({ fenced: [name(1)], seedOverride: name(1) }), observation(members));
    assert.equal(plan.change?.member, name(0));
  });
});

describe('restart request', () => {
  it('stops the named healthy member, which then rejoins', () => {
    const sim = simulation(policy({ restart: name(0) }), runningCluster(['primary', 'primary', 'primary'], 'r1'));
    const first = step(sim);
    assert.ok(first.reads.length > 0, 'roles are probed first');
    const plan = step(sim);
    assert.deepEqual(plan.change && describeChange(plan.change), `stop ${name(0)}`);
    assert.equal(plan.change?.kind === 'stop' && plan.change.cause, 'restart');
    sim.policy = policy(); // the executor removes the annotation once the stop ran
    settle(sim);
    assert.deepEqual(sim.changes.map(describeChange), [`stop ${name(0)}`, `join ${name(0)}`]);
  });

  it('drops a request for a member that does not run, or is not a member', () => {
    const members = [member(0, { role: 'primary' }), member(1, { role: 'failed', failures: 1 }), member(2, { role: 'primary' })];
    const failed = decide(policy({ restart: name(1) }), observation(members));
    assert.match(failed.restartDropped ?? '', /rss-db-1 is failed/);
    const stranger = decide(policy({ restart: 'rss-db-7' }), observation(members));
    assert.match(stranger.restartDropped ?? '', /not a member/);
  });
});

describe('pause by annotation', () => {
  it('says what paused the cluster', () => {
    const plan = decide(
      policy({ paused: true, pausedBy: 'paused by the rss.clusterlabs.org/paused annotation' }),
      observation([member(0, { role: 'primary' })]),
    );
    assert.equal(plan.phase, 'Paused');
    assert.match(condition(plan, 'Paused').message, /^paused by the rss\.clusterlabs\.org\/paused annotation/);
  });
});
