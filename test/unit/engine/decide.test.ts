import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { decide } from '../../../src/engine/decide.ts';
import type { Plan } from '../../../src/engine/types.ts';
import {
  INTERVAL,
  NOW,
  condition,
  member,
  name,
  observation,
  policy,
  seq,
  stoppedCluster,
} from './fixtures.ts';

/** JSON for messages: sequences are bigints, which JSON.stringify refuses. */
function json(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
}

function seedOf(plan: Plan) {
  assert.equal(plan.change?.kind, 'seed', `expected a seed, got ${json(plan.change)} / reads ${json(plan.reads)}`);
  return plan.change;
}

function assertNothingDone(plan: Plan) {
  assert.deepEqual(plan.reads, []);
  assert.equal(plan.change, undefined);
}

describe('bootstrap (seeding)', () => {
  it('seeds the member with the highest sequence', () => {
    const plan = decide(policy(), observation(stoppedCluster([3, 7, 5])));
    assert.deepEqual(plan.reads, []);
    assert.deepEqual(plan.change, { kind: 'seed', member: name(1), sequence: seq(7), override: false });
    assert.deepEqual(plan.highestSequence, seq(7));
    assert.equal(condition(plan, 'Progressing').status, 'True');
    assert.equal(condition(plan, 'Progressing').reason, 'Seeding');
    assert.equal(condition(plan, 'Available').status, 'False');
    assert.equal(condition(plan, 'Bootstrapped').status, 'False');
  });

  it('breaks a tie by the lowest ordinal', () => {
    assert.deepEqual(seedOf(decide(policy(), observation(stoppedCluster([7, 3, 7])))), {
      kind: 'seed',
      member: name(0),
      sequence: seq(7),
      override: false,
    });
    assert.equal(seedOf(decide(policy(), observation(stoppedCluster([2, 7, 7])))).member, name(1));
  });

  it('treats sequence 0 as a real sequence (a new cluster seeds member 0)', () => {
    assert.deepEqual(seedOf(decide(policy(), observation(stoppedCluster([0, 0, 0])))), {
      kind: 'seed',
      member: name(0),
      sequence: seq(0),
      override: false,
    });
  });

  it('reads the sequence of every member that has not reported one, and changes nothing', () => {
    const plan = decide(policy(), observation(stoppedCluster([5, undefined, undefined])));
    assert.equal(plan.change, undefined);
    assert.deepEqual(plan.reads, [
      { kind: 'sequence', member: name(1) },
      { kind: 'sequence', member: name(2) },
    ]);
  });

  it('blocks on an unknown (null) sequence instead of reading it as 0', () => {
    const plan = decide(policy(), observation(stoppedCluster([5, null, 3])));
    assertNothingDone(plan);
    const available = condition(plan, 'Available');
    assert.equal(available.status, 'False');
    assert.equal(available.reason, 'SequenceUnknown');
    assert.match(available.message, /rss-db-1/);
    assert.match(available.message, /rss\.clusterlabs\.org\/seed-override=/);
    assert.equal(condition(plan, 'Bootstrapped').reason, 'SequenceUnknown');
    assert.equal(plan.phase, 'Bootstrapping');
    // A re-read is due when the unknown answer gets as old as the status interval.
    assert.equal(plan.requeueAfterMs, INTERVAL);
  });

  it('re-reads an unknown sequence once it is older than the status interval, and unblocks when it becomes known', () => {
    const stale = [member(0, { sequence: 5 }), member(1, { sequence: null, sequenceAt: NOW - INTERVAL }), member(2, { sequence: 3 })];
    const plan = decide(policy(), observation(stale));
    assert.equal(plan.change, undefined);
    assert.deepEqual(plan.reads, [{ kind: 'sequence', member: name(1) }]);

    const known = [member(0, { sequence: 5 }), member(1, { sequence: 9 }), member(2, { sequence: 3 })];
    assert.equal(seedOf(decide(policy(), observation(known))).member, name(1));
  });

  it('refuses to seed below the recorded high-water mark, and says why and how to override', () => {
    const plan = decide(policy(), observation(stoppedCluster([5, 4, 5]), { highestSequence: seq(9) }));
    assertNothingDone(plan);
    const bootstrapped = condition(plan, 'Bootstrapped');
    assert.equal(bootstrapped.status, 'False');
    assert.equal(bootstrapped.reason, 'BootstrapRefused');
    assert.match(bootstrapped.message, /rss-db-0/);
    assert.match(bootstrapped.message, /\b5\b/);
    assert.match(bootstrapped.message, /\b9\b/);
    assert.match(bootstrapped.message, /lose data/);
    assert.match(bootstrapped.message, /rss\.clusterlabs\.org\/seed-override=rss-db-0/);
    assert.equal(condition(plan, 'Available').reason, 'BootstrapRefused');
    assert.deepEqual(plan.highestSequence, seq(9), 'the mark is never lowered');
    assert.doesNotMatch(bootstrapped.message, /\n/);
  });

  it('seeds at exactly the high-water mark', () => {
    const plan = decide(policy(), observation(stoppedCluster([5, 9, 5]), { highestSequence: seq(9) }));
    assert.deepEqual(plan.change, { kind: 'seed', member: name(1), sequence: seq(9), override: false });
  });

  it('counts the sequence of a member being removed in the high-water mark', () => {
    // replicas 2, member 2 (leaving) holds more data than the members that stay.
    const members = [member(0, { sequence: 5 }), member(1, { sequence: 5 }), member(2, { sequence: 9 })];
    const plan = decide(policy({ replicas: 2, primaries: 2 }), observation(members));
    assertNothingDone(plan);
    assert.equal(condition(plan, 'Bootstrapped').reason, 'BootstrapRefused');
    assert.deepEqual(plan.highestSequence, seq(9));
    assert.equal(plan.statefulSetReplicas, 2, 'the stopped removed member no longer holds the shrink');
  });

  it('waits for a Pending pod before choosing a seed', () => {
    const members = [member(0, { sequence: 5 }), member(1, { phase: 'Pending' }), member(2, { sequence: 7 })];
    const plan = decide(policy(), observation(members));
    assertNothingDone(plan);
    const available = condition(plan, 'Available');
    assert.equal(available.reason, 'WaitingForMembers');
    assert.match(available.message, /rss-db-1 \(pod Pending\)/);
  });

  it('waits for a Missing pod before choosing a seed', () => {
    const members = [member(0, { sequence: 5 }), member(1, { sequence: 7 }), member(2, { phase: 'Missing' })];
    const plan = decide(policy(), observation(members));
    assertNothingDone(plan);
    assert.equal(condition(plan, 'Available').reason, 'WaitingForMembers');
    assert.match(condition(plan, 'Available').message, /rss-db-2/);
  });

  it('after a seed failure tries the next tied candidate, never a lower one', () => {
    // rss-db-1 failed to seed once; rss-db-2 is tied with it.
    const tied = [member(0, { sequence: 3 }), member(1, { sequence: 7, seedFailures: 1 }), member(2, { sequence: 7 })];
    assert.equal(seedOf(decide(policy(), observation(tied))).member, name(2));
    // Both failed once: back to the lowest ordinal among them, never rss-db-0.
    const both = [member(0, { sequence: 3 }), member(1, { sequence: 7, seedFailures: 1 }), member(2, { sequence: 7, seedFailures: 1 })];
    assert.equal(seedOf(decide(policy(), observation(both))).member, name(1));
    // The only candidate keeps being retried, however often it failed.
    const alone = [member(0, { sequence: 3 }), member(1, { sequence: 7, seedFailures: 5 }), member(2, { sequence: 6 })];
    assert.deepEqual(seedOf(decide(policy(), observation(alone))), { kind: 'seed', member: name(1), sequence: seq(7), override: false });
  });

  it('stops a failed seed before anything else', () => {
    const members = [
      member(0, { sequence: 3 }),
      member(1, { sequence: 7, role: 'failed', failures: 1, seedFailures: 1, lastError: 'seed exited with code 1' }),
      member(2, { sequence: 7 }),
    ];
    const plan = decide(policy(), observation(members));
    assert.equal(plan.change?.kind, 'stop');
    assert.equal(plan.change?.member, name(1));
  });

  it('with running secondaries and no primary: reads their sequences where they run and seeds the most advanced in place', () => {
    const p = policy({ primaries: 1, hasSecondaryCommand: true });
    const members = [member(0, { sequence: 5 }), member(1, { role: 'secondary' }), member(2, { role: 'secondary' })];
    const plan = decide(p, observation(members));
    assert.equal(plan.change, undefined, 'the secondaries are not stopped');
    assert.deepEqual(plan.reads, [
      { kind: 'sequence', member: name(1) },
      { kind: 'sequence', member: name(2) },
    ]);
    // Tied: a running secondary is preferred (promoted in place), then the lowest ordinal.
    const tied = [member(0, { sequence: 5 }), member(1, { role: 'secondary', sequence: 5 }), member(2, { role: 'secondary', sequence: 5 })];
    const inPlace = decide(p, observation(tied));
    assert.deepEqual(inPlace.change, { kind: 'seed', member: name(1), sequence: seq(5), override: false });
    assert.match(condition(inPlace, 'Progressing').message, /in place/);
    const behind = [member(0, { sequence: 5 }), member(1, { role: 'secondary', sequence: 4 }), member(2, { role: 'secondary', sequence: 5 })];
    assert.deepEqual(decide(p, observation(behind)).change, { kind: 'seed', member: name(2), sequence: seq(5), override: false });
    // A stopped member ahead of them is still the seed.
    const ahead = [member(0, { sequence: 6 }), member(1, { role: 'secondary', sequence: 5 }), member(2, { role: 'secondary', sequence: 5 })];
    assert.deepEqual(decide(p, observation(ahead)).change, { kind: 'seed', member: name(0), sequence: seq(6), override: false });
  });

  it('stops running secondaries, highest ordinal first, only when a restore is asked for', () => {
    const members = [member(0, { sequence: 0 }), member(1, { role: 'secondary' }), member(2, { role: 'secondary' })];
    const plan = decide(policy({ primaries: 1, hasSecondaryCommand: true, restore: { backup: 'nightly-1', via: 'annotation' } }), observation(members));
    assert.equal(plan.change?.kind, 'stop');
    assert.equal(plan.change?.member, name(2));
    assert.equal(condition(plan, 'Progressing').reason, 'StoppingSecondaries');
  });

  it('probes status before deciding: a member with an unknown role gets a status read and nothing changes', () => {
    const members = [member(0, { sequence: 9 }), member(1, { role: 'unknown', sequence: 3 }), member(2, { sequence: 3 })];
    const plan = decide(policy(), observation(members));
    assert.equal(plan.change, undefined);
    assert.deepEqual(plan.reads, [{ kind: 'status', member: name(1) }]);
  });

  it('probes a member whose last status is older than the interval, or never ran', () => {
    const members = [
      member(0, { role: 'primary', lastStatusAt: NOW - INTERVAL }),
      member(1, { role: 'primary', lastStatusAt: null }),
      member(2, { role: 'primary', lastStatusAt: NOW - INTERVAL + 1 }),
    ];
    const plan = decide(policy(), observation(members));
    assert.equal(plan.change, undefined);
    assert.deepEqual(plan.reads, [
      { kind: 'status', member: name(0) },
      { kind: 'status', member: name(1) },
    ]);
  });
});

describe('seed override', () => {
  const override = name(2);

  it('seeds the named pod even with unknown peers and below the high-water mark', () => {
    const members = [member(0, { sequence: 5 }), member(1, { sequence: null }), member(2, { sequence: 3 })];
    const plan = decide(policy({ seedOverride: override }), observation(members, { highestSequence: seq(9) }));
    assert.deepEqual(plan.reads, []);
    assert.deepEqual(plan.change, { kind: 'seed', member: override, sequence: seq(3), override: true });
    assert.deepEqual(plan.highestSequence, seq(9));
  });

  it('seeds the named pod while other pods are Pending and its own sequence is unknown', () => {
    const members = [member(0, { phase: 'Pending' }), member(1, { sequence: 4 }), member(2, { sequence: null })];
    const plan = decide(policy({ seedOverride: override }), observation(members));
    assert.deepEqual(plan.change, { kind: 'seed', member: override, sequence: null, override: true });
  });

  it('stops the named pod first when it runs as a secondary, and seeds it once stopped', () => {
    const p = policy({ primaries: 1, hasSecondaryCommand: true, seedOverride: override });
    const members = [member(0, { sequence: 5 }), member(1, { sequence: 5 }), member(2, { role: 'secondary' })];
    const plan = decide(p, observation(members));
    assert.equal(plan.change?.kind, 'stop');
    assert.equal(plan.change?.member, override);
    const stopped = [member(0, { sequence: 5 }), member(1, { sequence: 5 }), member(2, { sequence: 2 })];
    assert.deepEqual(decide(p, observation(stopped)).change, { kind: 'seed', member: override, sequence: seq(2), override: true });
  });

  it('reads the named pod’s sequence first when it was never read', () => {
    const members = [member(0, { sequence: 5 }), member(1), member(2)];
    const plan = decide(policy({ seedOverride: override }), observation(members));
    assert.equal(plan.change, undefined);
    assert.deepEqual(plan.reads, [{ kind: 'sequence', member: override }]);
  });

  it('does not seed anything else because of an override naming no member, and says so', () => {
    const members = [member(0, { sequence: 5 }), member(1, { sequence: null }), member(2, { sequence: 3 })];
    const plan = decide(policy({ seedOverride: 'rss-db-9' }), observation(members));
    assertNothingDone(plan);
    assert.match(condition(plan, 'Available').message, /rss-db-9/);
    assert.match(condition(plan, 'Bootstrapped').message, /rss-db-9.*not a member/);
  });

  it('does not seed anything else because of an override naming a pod that is not Running', () => {
    const members = [member(0, { sequence: 5 }), member(1, { sequence: 9 }), member(2, { phase: 'Pending' })];
    const plan = decide(policy({ seedOverride: override }), observation(members));
    assertNothingDone(plan);
    assert.match(condition(plan, 'Bootstrapped').message, /rss-db-2/);
    assert.match(condition(plan, 'Bootstrapped').message, /seed override/);
  });

  it('is ignored once a primary runs', () => {
    const members = [member(0, { role: 'primary' }), member(1, { sequence: 1 }), member(2, { sequence: 0 })];
    const plan = decide(policy({ seedOverride: override }), observation(members));
    assert.deepEqual(plan.change, { kind: 'join', member: name(1), as: 'primary', following: [name(0)] });
  });
});

describe('joining', () => {
  it('joins stopped members one at a time, lowest ordinal first, as primary until primaries is reached', () => {
    const members = [member(0, { role: 'primary' }), member(1, { sequence: 4 }), member(2, { sequence: 4 })];
    const plan = decide(policy(), observation(members));
    assert.deepEqual(plan.reads, []);
    assert.deepEqual(plan.change, { kind: 'join', member: name(1), as: 'primary', following: [name(0)] });
    assert.equal(plan.phase, 'Recovering');
    assert.equal(condition(plan, 'Available').status, 'True');
    assert.equal(condition(plan, 'Bootstrapped').status, 'True');
  });

  it('joins as secondary once primaries is reached (with a secondary command)', () => {
    const p = policy({ primaries: 2, hasSecondaryCommand: true });
    const first = [member(0, { role: 'primary' }), member(1, { sequence: 4 }), member(2, { sequence: 4 })];
    assert.deepEqual(decide(p, observation(first)).change, { kind: 'join', member: name(1), as: 'primary', following: [name(0)] });
    const second = [member(0, { role: 'primary' }), member(1, { role: 'primary' }), member(2, { sequence: 4 })];
    assert.deepEqual(decide(p, observation(second)).change, { kind: 'join', member: name(2), as: 'secondary', following: [name(0), name(1)] });
  });

  it('joins as primary when no secondary command is configured', () => {
    const p = policy({ primaries: 1, hasSecondaryCommand: false });
    const members = [member(0, { role: 'primary' }), member(1, { sequence: 4 }), member(2, { sequence: 4 })];
    assert.deepEqual(decide(p, observation(members)).change, { kind: 'join', member: name(1), as: 'primary', following: [name(0)] });
  });

  it('reads the joiner’s sequence first, and does not block on an unknown one', () => {
    const unread = [member(0, { role: 'primary' }), member(1), member(2)];
    const plan = decide(policy(), observation(unread));
    assert.equal(plan.change, undefined);
    assert.deepEqual(plan.reads, [{ kind: 'sequence', member: name(1) }]);
    const unknown = [member(0, { role: 'primary' }), member(1, { sequence: null }), member(2)];
    assert.deepEqual(decide(policy(), observation(unknown)).change, { kind: 'join', member: name(1), as: 'primary', following: [name(0)] });
  });

  it('is not held up by a pod that is not Running', () => {
    const members = [member(0, { role: 'primary' }), member(1, { phase: 'Pending' }), member(2, { sequence: 1 })];
    assert.deepEqual(decide(policy(), observation(members)).change, { kind: 'join', member: name(2), as: 'primary', following: [name(0)] });
  });

  it('demotes the highest-ordinal primary when too many run', () => {
    const p = policy({ primaries: 1, hasSecondaryCommand: true });
    const members = [member(0, { role: 'primary' }), member(1, { role: 'primary' }), member(2, { role: 'secondary' })];
    const plan = decide(p, observation(members));
    assert.equal(plan.change?.kind, 'stop');
    assert.equal(plan.change?.member, name(1));
    assert.equal(condition(plan, 'Progressing').reason, 'Demoting');
    // Without a secondary command there is nothing to demote to.
    assert.equal(decide(policy({ primaries: 1 }), observation(members.slice(0, 2), { statefulSetReplicas: 2 })).change, undefined);
  });

  it('promotes (stops) a secondary when primaries are missing and every member runs', () => {
    const p = policy({ primaries: 2, hasSecondaryCommand: true });
    const members = [member(0, { role: 'primary' }), member(1, { role: 'secondary' }), member(2, { role: 'secondary' })];
    const plan = decide(p, observation(members));
    assert.equal(plan.change?.kind, 'stop');
    assert.equal(plan.change?.member, name(1));
    // A member that is coming back will join as primary: no secondary is restarted meanwhile.
    const waiting = [member(0, { role: 'primary' }), member(1, { phase: 'Pending' }), member(2, { role: 'secondary' })];
    assert.equal(decide(p, observation(waiting)).change, undefined);
  });

  it('reports Running when every member runs in its wanted role', () => {
    const p = policy({ primaries: 2, hasSecondaryCommand: true });
    const members = [
      member(0, { role: 'primary', lastStatusAt: NOW - 10_000 }),
      member(1, { role: 'primary' }),
      member(2, { role: 'secondary' }),
    ];
    const plan = decide(p, observation(members));
    assertNothingDone(plan);
    assert.equal(plan.phase, 'Running');
    assert.equal(plan.statefulSetReplicas, 3);
    assert.equal(plan.requeueAfterMs, 20_000, 'requeue at the next status probe');
    const available = condition(plan, 'Available');
    assert.equal(available.status, 'True');
    assert.equal(available.message, '3 of 3 members running: 2 primaries, 1 secondary');
    assert.equal(condition(plan, 'Progressing').status, 'False');
    assert.equal(condition(plan, 'Degraded').status, 'False');
    assert.equal(condition(plan, 'Bootstrapped').status, 'True');
    assert.deepEqual(
      plan.conditions.map((c) => c.type).sort(),
      ['Available', 'Bootstrapped', 'Degraded', 'Paused', 'Progressing', 'Updated'],
    );
  });
});

describe('failures', () => {
  const failed = (failures: number, extra: Parameters<typeof member>[1] = {}) => [
    member(0, { role: 'primary' }),
    member(1, { role: 'failed', failures, lastError: 'status exited with code 1: boom', ...extra }),
    member(2, { role: 'primary' }),
  ];

  it('stops a failed member below the threshold', () => {
    const plan = decide(policy(), observation(failed(1)));
    assert.equal(plan.change?.kind, 'stop');
    assert.equal(plan.change?.member, name(1));
    assert.equal(plan.phase, 'Degraded');
    const degraded = condition(plan, 'Degraded');
    assert.equal(degraded.status, 'True');
    assert.match(degraded.message, /rss-db-1 \(failed, 1 failure: status exited with code 1: boom\)/);
  });

  it('a member stopped because it failed is still reported as failed, with its error, until it runs healthy', () => {
    const stoppedAfterFailure = [
      member(0, { role: 'primary' }),
      member(1, { role: 'stopped', failures: 1, lastError: 'status exited with code 1: boom' }),
      member(2, { role: 'primary' }),
    ];
    const degraded = condition(decide(policy(), observation(stoppedAfterFailure)), 'Degraded');
    assert.equal(degraded.reason, 'MembersFailed');
    assert.match(degraded.message, /rss-db-1 \(stopped after 1 failure: status exited with code 1: boom\)/);
    const cleanStop = condition(decide(policy(), observation([member(0, { role: 'primary' }), member(1, { role: 'stopped' }), member(2, { role: 'primary' })])), 'Degraded');
    assert.equal(cleanStop.reason, 'MembersNotRunning');
    assert.match(cleanStop.message, /rss-db-1 \(stopped\)/);
  });

  it('deletes the pod once the member failed failureThreshold times', () => {
    const plan = decide(policy({ failureThreshold: 3 }), observation(failed(3)));
    assert.equal(plan.change?.kind, 'deletePod');
    assert.equal(plan.change?.member, name(1));
    assert.equal(decide(policy({ failureThreshold: 3 }), observation(failed(2))).change?.kind, 'stop');
  });

  it('deletes the pod when its stop failed', () => {
    const plan = decide(policy(), observation(failed(1, { stopFailed: true })));
    assert.equal(plan.change?.kind, 'deletePod');
    assert.equal(plan.change?.member, name(1));
  });

  it('never acts on a failed member whose pod is not Running', () => {
    const members = [member(0, { role: 'primary' }), member(1, { role: 'failed', failures: 5, phase: 'Terminating' }), member(2, { role: 'primary' })];
    const plan = decide(policy(), observation(members));
    assertNothingDone(plan);
    assert.equal(condition(plan, 'Degraded').status, 'True');
  });
});

describe('records', () => {
  it('a new pod UID resets the record', () => {
    const members = [
      member(0, { role: 'primary' }),
      member(1, { role: 'primary', sequence: 5, failures: 2, seedFailures: 1, stopFailed: true, recordUid: 'old-uid', uid: 'new-uid' }),
      member(2, { role: 'primary' }),
    ];
    const plan = decide(policy(), observation(members));
    assert.deepEqual(plan.records[1], { name: name(1), podUid: 'new-uid', role: 'unknown', failures: 0, seedFailures: 0 });
    assert.deepEqual(plan.reads, [{ kind: 'status', member: name(1) }]);
    assert.equal(plan.change, undefined);
  });

  it('a container restarted in place (same pod UID, more restarts) resets the record as a new pod does', () => {
    const restarted = member(1, { role: 'primary', sequence: 5, failures: 1 });
    restarted.record.podRestarts = 0;
    restarted.pod.restarts = 1;
    const plan = decide(policy(), observation([member(0, { role: 'primary' }), restarted, member(2, { role: 'primary' })]));
    assert.deepEqual(plan.records[1], { name: name(1), podUid: 'uid-1', podRestarts: 1, role: 'unknown', failures: 0, seedFailures: 0 });
    assert.deepEqual(plan.reads, [{ kind: 'status', member: name(1) }]);
  });

  it('the same restart count keeps the record; a record written before restarts were counted takes the count', () => {
    const same = member(1, { role: 'primary' });
    same.record.podRestarts = 2;
    same.pod.restarts = 2;
    const uncounted = member(2, { role: 'primary' });
    uncounted.pod.restarts = 4;
    const plan = decide(policy(), observation([member(0, { role: 'primary' }), same, uncounted]));
    assert.equal(plan.records[1]!.role, 'primary');
    assert.equal(plan.records[1]!.podRestarts, 2);
    assert.equal(plan.records[2]!.role, 'primary');
    assert.equal(plan.records[2]!.podRestarts, 4);
    assert.deepEqual(plan.reads, []);
  });

  it('keeps a stopped record without pod UID for a Missing pod, and a stopped one for a Pending new pod', () => {
    const members = [member(0, { role: 'primary' }), member(1, { phase: 'Missing', role: 'primary', sequence: 3 }), member(2, { phase: 'Pending', uid: 'x', recordUid: 'y' })];
    const plan = decide(policy(), observation(members));
    assert.deepEqual(plan.records[1], { name: name(1), role: 'stopped', failures: 0, seedFailures: 0 });
    assert.deepEqual(plan.records[2], { name: name(2), podUid: 'x', role: 'stopped', failures: 0, seedFailures: 0 });
  });

  it('returns every record sorted by ordinal', () => {
    const members = [member(2, { role: 'primary' }), member(0, { role: 'primary' }), member(1, { role: 'primary' })];
    assert.deepEqual(decide(policy(), observation(members)).records.map((r) => r.name), [name(0), name(1), name(2)]);
  });

  it('plan.highestSequence is the maximum of the mark and every known sequence read while no primary runs', () => {
    const down = [member(0, { sequence: 3 }), member(1, { sequence: 12 }), member(2, { sequence: null })];
    assert.deepEqual(decide(policy(), observation(down, { highestSequence: seq(10) })).highestSequence, seq(12));
    assert.deepEqual(decide(policy(), observation(down, { highestSequence: seq(20) })).highestSequence, seq(20));
    assert.equal(decide(policy(), observation([member(0, { role: 'primary' })], { statefulSetReplicas: 1 })).highestSequence, undefined);
  });

  it('while a primary runs, a joiner’s sequence does not raise the mark; a removed member’s does', () => {
    const members = [member(0, { role: 'primary' }), member(1, { sequence: 40 }), member(2, { role: 'primary' })];
    assert.deepEqual(decide(policy(), observation(members, { highestSequence: seq(26) })).highestSequence, seq(26));
    const removed = [member(0, { role: 'primary' }), member(1, { role: 'primary' }), member(2, { sequence: 30 })];
    assert.deepEqual(decide(policy({ replicas: 2 }), observation(removed, { highestSequence: seq(26) })).highestSequence, seq(30));
  });

  it('reads one running primary’s sequence every sequenceInterval, with the status probes', () => {
    const members = [member(0, { role: 'primary' }), member(1, { role: 'primary' })];
    const p = policy({ replicas: 2, sequenceIntervalMs: 60_000 });
    const first = decide(p, observation(members));
    assert.deepEqual(first.reads, [{ kind: 'runningSequence', member: name(0) }]);
    const later = decide(p, observation(members, { runningSequenceAt: NOW - 10_000 }));
    assert.deepEqual(later.reads, []);
    assert.ok(later.requeueAfterMs <= 50_000);
    const off = decide(policy({ replicas: 2, sequenceIntervalMs: 0 }), observation(members));
    assert.deepEqual(off.reads, []);
  });
});

describe('scaling', () => {
  it('scale down: stops the highest ordinal first, one at a time; the StatefulSet shrinks only after', () => {
    const p = policy({ replicas: 3, primaries: 3 });
    const all = [0, 1, 2, 3, 4].map((o) => member(o, { role: 'primary' }));
    const first = decide(p, observation(all));
    assert.equal(first.change?.kind, 'stop');
    assert.equal(first.change?.member, name(4));
    assert.equal(first.statefulSetReplicas, 5);
    assert.equal(condition(first, 'Progressing').status, 'True');

    const second = decide(p, observation([...all.slice(0, 4), member(4, { sequence: 8 })]));
    assert.equal(second.change?.member, name(3));
    assert.equal(second.statefulSetReplicas, 5);

    // Both stopped, but one sequence not read yet: read it (the high-water mark remembers it), keep the size.
    const third = decide(p, observation([...all.slice(0, 3), member(3), member(4, { sequence: 8 })]));
    assert.equal(third.change, undefined);
    assert.deepEqual(third.reads, [{ kind: 'sequence', member: name(3) }]);
    assert.equal(third.statefulSetReplicas, 5);

    const done = decide(p, observation([...all.slice(0, 3), member(3, { sequence: 8 }), member(4, { sequence: 8 })]));
    assertNothingDone(done);
    assert.equal(done.statefulSetReplicas, 3);
    assert.deepEqual(done.highestSequence, seq(8));
  });

  it('scale down: a removed pod that is not Running holds the shrink until its sequence is known, unless it is beyond the StatefulSet already', () => {
    const members = [0, 1, 2].map((o) => member(o, { role: 'primary' }));
    // The StatefulSet recreates a pod it still counts; its sequence is read before it goes.
    const unread = decide(policy(), observation([...members, member(3, { phase: 'Terminating', role: 'primary' }), member(4, { phase: 'Missing' })]));
    assertNothingDone(unread);
    assert.equal(unread.statefulSetReplicas, 5);
    const known = decide(policy(), observation([...members, member(3, { phase: 'Terminating', role: 'primary', sequence: 4 })]));
    assert.equal(known.statefulSetReplicas, 3);
    // Already beyond the StatefulSet's size (it shrank before): gone for good, nothing to wait for.
    const gone = decide(policy(), observation([...members, member(3, { phase: 'Missing' })], { statefulSetReplicas: 3 }));
    assert.equal(gone.statefulSetReplicas, 3);
  });

  it('scale down: a removed member whose stop failed has its pod replaced, and the shrink waits to read its sequence', () => {
    // It may hold the newest data (found by the simulation: removing it unread lost an acknowledged write).
    const members = [0, 1, 2].map((o) => member(o, { role: 'primary' }));
    const plan = decide(policy(), observation([...members, member(3, { role: 'failed', stopFailed: true, failures: 1 })]));
    assert.equal(plan.change?.kind, 'deletePod');
    assert.equal(plan.change?.member, name(3));
    assert.equal(plan.statefulSetReplicas, 4);
    const replaced = decide(policy(), observation([...members, member(3, { role: 'stopped', sequence: null, sequenceAt: NOW })]));
    assert.equal(replaced.statefulSetReplicas, 4, 'an unknown sequence holds the shrink');
    assert.match(replaced.conditions.find((c) => c.type === 'Progressing')?.message ?? '', /sequence of rss-db-3 is unknown/);
    const read = decide(policy(), observation([...members, member(3, { role: 'stopped', sequence: 7, sequenceAt: NOW })]));
    assert.equal(read.statefulSetReplicas, 3);
  });

  it('scale down: the last running primary is stopped only once another member runs as primary', () => {
    const p = policy({ replicas: 2, primaries: 2, hasSecondaryCommand: true });
    const members = [member(0, { role: 'secondary' }), member(1, { role: 'secondary' }), member(2, { role: 'primary' })];
    const plan = decide(p, observation(members));
    // The secondary rss-db-0 is restarted so it rejoins as primary; rss-db-2 keeps running meanwhile.
    assert.deepEqual(plan.change, { kind: 'stop', member: name(0), reason: plan.change?.kind === 'stop' ? plan.change.reason : '', cause: 'balance' });
    assert.equal(plan.statefulSetReplicas, 3);
    const later = decide(p, observation([member(0, { role: 'primary' }), member(1, { role: 'secondary' }), member(2, { role: 'primary' })]));
    assert.equal(later.change?.kind, 'stop');
    assert.equal(later.change?.member, name(2));
  });

  it('scale up: the StatefulSet grows at once', () => {
    const members = [0, 1, 2].map((o) => member(o, { role: 'primary' }));
    const plan = decide(policy({ replicas: 5, primaries: 5 }), observation([...members, member(3, { phase: 'Missing' }), member(4, { phase: 'Missing' })], { statefulSetReplicas: 3 }));
    assert.equal(plan.statefulSetReplicas, 5);
    assert.equal(condition(plan, 'Progressing').reason, 'ScalingUp');
    assert.equal(plan.phase, 'Recovering');
  });

  it('scale to 0: stops everyone, highest first, then shrinks to 0', () => {
    const p = policy({ replicas: 0, primaries: 0 });
    const running = [0, 1, 2].map((o) => member(o, { role: 'primary' }));
    const first = decide(p, observation(running));
    assert.equal(first.change?.kind, 'stop');
    assert.equal(first.change?.member, name(2));
    assert.equal(first.statefulSetReplicas, 3);

    const last = decide(p, observation([member(0, { role: 'primary' }), member(1, { sequence: 4 }), member(2, { sequence: 4 })]));
    assert.equal(last.change?.member, name(0), 'the last primary is stopped too when replicas is 0');

    const stopped = decide(p, observation(stoppedCluster([4, 4, 4])));
    assertNothingDone(stopped);
    assert.equal(stopped.statefulSetReplicas, 0);
    assert.equal(stopped.phase, 'Stopped');
    assert.equal(condition(stopped, 'Available').reason, 'Stopped');
  });

  it('scale back up from 0 recovers as lights-out does', () => {
    const members = [0, 1, 2].map((o) => member(o, { phase: 'Missing' }));
    const plan = decide(policy(), observation(members, { statefulSetReplicas: 0, highestSequence: seq(4) }));
    assert.equal(plan.statefulSetReplicas, 3);
    assert.equal(plan.change, undefined);
    assert.equal(plan.phase, 'Bootstrapping');
    assert.equal(condition(plan, 'Available').reason, 'WaitingForMembers');
  });
});

describe('paused', () => {
  it('does nothing: no reads, no change, the StatefulSet keeps its size', () => {
    const members = [member(0, { role: 'unknown' }), member(1, { role: 'failed', failures: 9 }), member(2, { sequence: 5 })];
    const plan = decide(policy({ paused: true }), observation(members, { statefulSetReplicas: 2 }));
    assertNothingDone(plan);
    assert.equal(plan.statefulSetReplicas, 2);
    assert.equal(plan.phase, 'Paused');
    const paused = condition(plan, 'Paused');
    assert.equal(paused.status, 'True');
    assert.equal(condition(plan, 'Progressing').status, 'False');
  });

  it('creates the StatefulSet at the wanted size when it does not exist yet', () => {
    const members = [0, 1, 2].map((o) => member(o, { phase: 'Missing' }));
    const plan = decide(policy({ paused: true }), observation(members, { statefulSetReplicas: 0 }));
    assert.equal(plan.statefulSetReplicas, 3);
    assertNothingDone(plan);
  });
});

describe('phases', () => {
  it('Creating while a new cluster has no sequence recorded and no primary', () => {
    const members = [0, 1, 2].map((o) => member(o, { phase: 'Pending' }));
    const plan = decide(policy(), observation(members, { statefulSetReplicas: 0 }));
    assert.equal(plan.phase, 'Creating');
    assert.equal(plan.statefulSetReplicas, 3);
  });

  it('every condition message is a single line', () => {
    const members = [
      member(0, { role: 'failed', failures: 1, lastError: 'status exited with code 1: a' }),
      member(1, { sequence: null }),
      member(2, { phase: 'Pending' }),
    ];
    for (const plan of [decide(policy(), observation(members)), decide(policy({ seedOverride: 'x' }), observation(members))]) {
      for (const c of plan.conditions) {
        assert.doesNotMatch(c.message, /[\r\n]/);
        assert.ok(c.message.length > 0);
        assert.match(c.reason, /^[A-Z][A-Za-z]*$/);
      }
    }
  });
});
