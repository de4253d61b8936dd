// The restore rule: a backup only goes into empty members, the restored member is seeded from the
// sequence its restored data reports, and a failed restore is never followed by a seed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decide } from '../../../src/engine/decide.ts';
import { recordChange } from '../../../src/engine/outcomes.ts';
import { restoreBackoffMs } from '../../../src/engine/rules/restore.ts';
import type { ClusterPolicy, MemberObservation, RestoreRequest } from '../../../src/engine/types.ts';
import { NOW, condition, exit, member, name, observation, ok, policy, seq, stoppedCluster } from './fixtures.ts';

const restore = (over: Partial<RestoreRequest> = {}): ClusterPolicy['restore'] => ({ backup: 'nightly-1', via: 'bootstrap', ...over });

describe('restore from a backup', () => {
  it('restores into the lowest ordinal when every member is empty', () => {
    const plan = decide(policy({ restore: restore() }), observation(stoppedCluster([0, 0, 0])));
    assert.deepEqual(plan.change, { kind: 'restore', member: name(0), backup: 'nightly-1' });
    assert.equal(plan.restore?.phase, 'Restoring');
    assert.equal(condition(plan, 'Progressing').reason, 'Restoring');
  });

  it('reads every sequence first: an unread member is never assumed empty', () => {
    const plan = decide(policy({ restore: restore() }), observation(stoppedCluster([0, undefined, 0])));
    assert.equal(plan.change, undefined);
    assert.deepEqual(plan.reads, [{ kind: 'sequence', member: name(1) }]);
  });

  it('an unknown sequence blocks the restore as it blocks a seed', () => {
    const plan = decide(policy({ restore: restore() }), observation(stoppedCluster([0, null, 0])));
    assert.equal(plan.change, undefined);
    assert.equal(condition(plan, 'Available').reason, 'SequenceUnknown');
  });

  it('refuses when a member holds data, and says which', () => {
    const plan = decide(policy({ restore: restore() }), observation(stoppedCluster([0, 12, 0])));
    assert.equal(plan.change, undefined);
    const available = condition(plan, 'Available');
    assert.equal(available.reason, 'RestoreRefused');
    assert.match(available.message, /rss-db-1 \(sequence 12\)/);
  });

  it('a spec.bootstrap restore is history once the cluster was bootstrapped', () => {
    const plan = decide(policy({ restore: restore() }), observation(stoppedCluster([0, 0, 0]), { bootstrapped: true }));
    assert.deepEqual(plan.change, { kind: 'seed', member: name(0), sequence: seq(0), override: false });
    assert.equal(plan.restore, undefined);
  });

  it('a backup that cannot be used is waited on, with the reason', () => {
    const plan = decide(policy({ restore: restore({ problem: 'Backup nightly-1 is Failed, not Completed' }) }), observation(stoppedCluster([0, 0, 0])));
    assert.equal(plan.change, undefined);
    assert.equal(condition(plan, 'Available').reason, 'RestoreBlocked');
    assert.match(condition(plan, 'Available').message, /is Failed, not Completed/);
  });

  it('seeds the restored member from the sequence read after the restore, not before', () => {
    const restored = stoppedCluster([0, 0, 0]);
    restored[0] = member(0);
    restored[0].record = recordChange(restored[0].record, { kind: 'restore', member: name(0), backup: 'nightly-1' }, ok(), policy(), NOW);
    let plan = decide(policy({ restore: restore() }), observation(restored));
    assert.deepEqual(plan.reads, [{ kind: 'sequence', member: name(0) }]);
    restored[0].record = { ...restored[0].record, sequence: seq(41), sequenceAt: NOW };
    plan = decide(policy({ restore: restore() }), observation(restored));
    assert.deepEqual(plan.change, { kind: 'seed', member: name(0), sequence: seq(41), override: false, restoredFrom: 'nightly-1' });
    assert.equal(plan.restore?.phase, 'Restored');
  });

  it('a restore reported as a success whose data is not there is a failed restore: no seed, retried later', () => {
    const members = stoppedCluster([0, 0, 0]);
    members[0]!.record = { ...members[0]!.record, restoredFrom: 'nightly-1', sequence: seq(0), sequenceAt: NOW };
    const plan = decide(policy({ restore: restore({ sequence: seq(42) }) }), observation(members));
    assert.equal(plan.change, undefined, 'the empty member is not seeded');
    assert.equal(condition(plan, 'Available').reason, 'RestoreFailed');
    const rec = plan.records.find((r) => r.name === name(0))!;
    assert.equal(rec.restoredFrom, undefined);
    assert.equal(rec.restoreFailures, 1);
    assert.match(rec.lastError ?? '', /below the backup's 42: the restore did not take/);
    assert.equal(members[0]!.record.restoredFrom, 'nightly-1', 'the observation itself is not changed');
    // At the backup's sequence or above (Galera's position moves on during the backup): seeded.
    members[0]!.record = { ...members[0]!.record, sequence: seq(45) };
    assert.deepEqual(decide(policy({ restore: restore({ sequence: seq(42) }) }), observation(members)).change, { kind: 'seed', member: name(0), sequence: seq(45), override: false, restoredFrom: 'nightly-1' });
  });

  it('the lights-out guard refusal names the restore when every volume is empty', () => {
    const plan = decide(policy(), observation(stoppedCluster([0, 0, 0]), { highestSequence: seq(37) }));
    assert.equal(condition(plan, 'Available').reason, 'BootstrapRefused');
    assert.match(condition(plan, 'Available').message, /kubectl rss restore/);
  });

  it('the annotation restores below the mark (a person asked), the policy only on total data loss', () => {
    const annotated = decide(policy({ restore: restore({ via: 'annotation' }) }), observation(stoppedCluster([0, 0, 0]), { highestSequence: seq(37) }));
    assert.equal(annotated.change?.kind, 'restore');
    const lost = decide(policy({ restore: restore({ via: 'policy' }) }), observation(stoppedCluster([0, 0, 0]), { highestSequence: seq(37) }));
    assert.equal(lost.change?.kind, 'restore');
    // Some data left: the policy does not restore over it; the usual guard decides.
    const partial = decide(policy({ restore: restore({ via: 'policy' }) }), observation(stoppedCluster([0, 30, 0]), { highestSequence: seq(37) }));
    assert.equal(partial.change, undefined);
    assert.equal(condition(partial, 'Available').reason, 'BootstrapRefused');
    // A new empty cluster (no mark): the policy is not a bootstrap source.
    const fresh = decide(policy({ restore: restore({ via: 'policy' }) }), observation(stoppedCluster([0, 0, 0])));
    assert.equal(fresh.change?.kind, 'seed');
  });

  it('a restore annotation while a primary runs is dropped, with the reason', () => {
    const members: MemberObservation[] = [member(0, { role: 'primary' }), member(1, { role: 'primary' }), member(2, { role: 'primary' })];
    const plan = decide(policy({ restore: restore({ via: 'annotation' }) }), observation(members));
    assert.match(plan.restoreDropped ?? '', /primary is running/);
    assert.notEqual(plan.change?.kind, 'restore');
  });

  it('after a failed restore: no seed, a backoff, then the next member', () => {
    const members = stoppedCluster([0, 0, 0]);
    const failed = recordChange(members[0]!.record, { kind: 'restore', member: name(0), backup: 'nightly-1' }, exit(2, 'tar: Unexpected EOF'), policy(), NOW);
    assert.equal(failed.restoredFrom, undefined);
    assert.equal(failed.sequence, undefined, 'the member is read again: it must still be empty');
    members[0]!.record = { ...failed, sequence: seq(0), sequenceAt: NOW };
    const waiting = decide(policy({ restore: restore() }), observation(members));
    assert.equal(waiting.change, undefined);
    assert.equal(condition(waiting, 'Available').reason, 'RestoreFailed');
    assert.equal(waiting.restore?.phase, 'Failed');
    const later = decide(policy({ restore: restore() }), observation(members, { now: NOW + restoreBackoffMs(1) }));
    assert.deepEqual(later.change, { kind: 'restore', member: name(1), backup: 'nightly-1' });
  });

  it('property: a seed during a restore is only ever of a member restored from the backup', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ sequence: fc.option(fc.nat(50), { nil: undefined }), restored: fc.boolean(), failures: fc.nat(3) }), { minLength: 1, maxLength: 5 }),
        fc.constantFrom<RestoreRequest['via']>('bootstrap', 'annotation', 'policy'),
        fc.option(fc.nat(60), { nil: undefined }),
        (specs, via, mark) => {
          const members = specs.map((s, i) => {
            const m = member(i, s.sequence === undefined ? {} : { sequence: s.sequence });
            if (s.restored) m.record.restoredFrom = 'nightly-1';
            if (s.failures > 0) m.record.restoreFailures = s.failures;
            return m;
          });
          const plan = decide(policy({ replicas: specs.length, restore: restore({ via }) }), observation(members, mark === undefined ? {} : { highestSequence: seq(mark) }));
          const change = plan.change;
          if (change?.kind === 'restore') {
            // Only into empty members, and only when all are known empty.
            assert.ok(members.every((m) => m.record.sequence?.value === 0n || m.record.restoredFrom !== undefined));
          }
          if (change?.kind === 'seed' && change.restoredFrom !== undefined) {
            assert.equal(members.find((m) => m.name === change.member)?.record.restoredFrom, 'nightly-1');
            assert.equal(typeof change.sequence?.value, 'bigint');
          }
          if (change?.kind === 'seed' && change.restoredFrom === undefined && mark !== undefined) {
            assert.ok(change.sequence !== null && change.sequence.value >= BigInt(mark), 'no seed below the mark without a restore or an override');
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
