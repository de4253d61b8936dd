import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { recordChange, recordRead, roleFromStatus } from '../../../src/engine/outcomes.ts';
import { parseSequence, readSequence, type Sequence } from '../../../src/engine/sequence.ts';
import type { MemberRecord } from '../../../src/engine/types.ts';
import { NOW, exit, execError, name, ok, policy, seq, timeout } from './fixtures.ts';

const LATER = NOW + 5_000;

function record(over: Partial<MemberRecord> = {}): MemberRecord {
  return { name: name(1), podUid: 'uid-1', role: 'stopped', failures: 0, seedFailures: 0, ...over };
}

describe('parseSequence', () => {
  const table: Array<[string, Sequence | null]> = [
    ['0', { value: 0n }],
    ['42', { value: 42n }],
    ['  42\n', { value: 42n }],
    ['\t7\r\n', { value: 7n }],
    ['007', { value: 7n }],
    ['9007199254740991', { value: 9007199254740991n }],
    // Above 2^53: exact (a bigint), not rounded and not refused.
    ['9007199254740992', { value: 9007199254740992n }],
    ['9007199254740993', { value: 9007199254740993n }],
    ['18446744073709551615', { value: 2n ** 64n - 1n }],
    ['18446744073709551616', null],
    ['99999999999999999999', null],
    ['abc:100', { value: 100n, history: 'abc' }],
    ['', null],
    ['   ', null],
    ['12abc', null],
    ['abc', null],
    ['-1', null],
    ['+1', null],
    ['1e3', null],
    ['1.0', null],
    ['1.5', null],
    [' 1 2', null],
    ['1\n2', null],
    ['0x10', null],
    ['١٢', null],
    ['Infinity', null],
    ['NaN', null],
  ];
  for (const [stdout, expected] of table) {
    const shown = expected === null ? 'null' : `${expected.history === undefined ? '' : `${expected.history}:`}${expected.value}n`;
    it(`${JSON.stringify(stdout)} → ${shown}`, () => {
      assert.deepEqual(parseSequence(stdout), expected);
    });
  }

  it('readSequence says why a value out of range is not a sequence', () => {
    const read = readSequence('18446744073709551616');
    assert.equal(read.ok, false);
    assert.ok(!read.ok && read.problem.includes('outside 0…18446744073709551615'), JSON.stringify(read));
    assert.deepEqual(readSequence('18446744073709551615'), { ok: true, sequence: { value: 2n ** 64n - 1n } });
  });
});

describe('roleFromStatus', () => {
  const table: Array<[number | null, boolean, string]> = [
    [0, true, 'secondary'],
    [0, false, 'primary'],
    [7, true, 'stopped'],
    [7, false, 'stopped'],
    [8, true, 'primary'],
    [8, false, 'primary'],
    // Running but degraded: the same roles as 0 / 8.
    [190, true, 'secondary'],
    [190, false, 'primary'],
    [191, true, 'primary'],
    [191, false, 'primary'],
    [1, true, 'failed'],
    [1, false, 'failed'],
    [2, false, 'failed'],
    [6, false, 'failed'],
    [9, false, 'failed'],
    [127, true, 'failed'],
    [137, false, 'failed'],
    [-1, false, 'failed'],
    [null, true, 'failed'],
    [null, false, 'failed'],
  ];
  for (const [code, secondary, expected] of table) {
    it(`exit ${code}, secondary command ${secondary} → ${expected}`, () => {
      assert.equal(roleFromStatus(code, secondary), expected);
    });
  }
});

describe('recordRead: status', () => {
  const status = { kind: 'status', member: name(1) } as const;

  it('running primary: role, lastStatus, resets failures, stopFailed, sequence and lastError', () => {
    const before = record({ role: 'failed', failures: 2, seedFailures: 1, stopFailed: true, sequence: seq(5), sequenceAt: NOW, lastError: 'x', lastStatusAt: NOW });
    const after = recordRead(before, status, exit(8), policy(), LATER);
    assert.deepEqual(after, { name: name(1), podUid: 'uid-1', role: 'primary', lastStatus: 8, lastStatusAt: LATER, failures: 0, seedFailures: 0 });
    assert.equal(before.role, 'failed', 'the input record is not mutated');
  });

  it('exit 0 is secondary with a secondary command, primary without', () => {
    assert.equal(recordRead(record(), status, ok(), policy({ hasSecondaryCommand: true }), LATER).role, 'secondary');
    assert.equal(recordRead(record(), status, ok(), policy({ hasSecondaryCommand: false }), LATER).role, 'primary');
  });

  it('exit 190 / 191: running secondary / primary, degraded, not failed', () => {
    const secondary = recordRead(record({ failures: 1 }), status, exit(190), policy({ hasSecondaryCommand: true }), LATER);
    assert.equal(secondary.role, 'secondary');
    assert.equal(secondary.degraded, true);
    assert.equal(secondary.failures, 0);
    assert.equal(secondary.lastStatus, 190);
    const primary = recordRead(record(), status, exit(191), policy({ hasSecondaryCommand: true }), LATER);
    assert.equal(primary.role, 'primary');
    assert.equal(primary.degraded, true);
    assert.equal(primary.failures, 0);
    const healthy = recordRead(primary, status, exit(8), policy({ hasSecondaryCommand: true }), LATER);
    assert.equal(healthy.degraded, undefined, 'a healthy status clears degraded');
  });

  it('exit 7: stopped, failures kept, sequence kept, stopFailed cleared', () => {
    const after = recordRead(record({ role: 'failed', failures: 2, sequence: seq(4), sequenceAt: NOW, stopFailed: true }), status, exit(7), policy(), LATER);
    assert.equal(after.role, 'stopped');
    assert.equal(after.failures, 2);
    assert.deepEqual(after.sequence, seq(4));
    assert.equal(after.stopFailed, undefined);
    assert.equal(after.lastStatus, 7);
    assert.equal(after.lastStatusAt, LATER);
  });

  it('failed exit code: failures + 1, lastError with the code and the first line of stderr', () => {
    const after = recordRead(record({ role: 'primary', failures: 1 }), status, exit(1, '\n  disk full  \nsecond line'), policy(), LATER);
    assert.equal(after.role, 'failed');
    assert.equal(after.failures, 2);
    assert.equal(after.lastStatus, 1);
    assert.equal(after.lastStatusAt, LATER);
    assert.equal(after.lastError, 'status exited with code 1: disk full');
  });

  it('timeout and exec error are failures recorded as timeout / error', () => {
    const timedOut = recordRead(record({ role: 'primary' }), status, timeout(), policy(), LATER);
    assert.equal(timedOut.role, 'failed');
    assert.equal(timedOut.lastStatus, 'timeout');
    assert.equal(timedOut.failures, 1);
    assert.equal(timedOut.lastError, 'status timed out');
    const refused = recordRead(record({ role: 'primary' }), status, execError('pod not found\nmore'), policy(), LATER);
    assert.equal(refused.role, 'failed');
    assert.equal(refused.lastStatus, 'error');
    assert.equal(refused.lastError, 'status could not run: pod not found');
  });

  it('an exit code with an exec error is still an error', () => {
    const after = recordRead(record(), status, { exitCode: 8, timedOut: false, stdout: '', stderr: '', error: 'stream closed' }, policy(), LATER);
    assert.equal(after.role, 'failed');
    assert.equal(after.lastStatus, 'error');
  });
});

describe('recordRead: sequence', () => {
  const sequence = { kind: 'sequence', member: name(1) } as const;

  it('a number', () => {
    const after = recordRead(record(), sequence, ok('  17\n'), policy(), LATER);
    assert.deepEqual(after.sequence, seq(17));
    assert.equal(after.sequence?.value, 17n);
    assert.equal(after.sequenceAt, LATER);
    assert.equal(after.role, 'stopped', 'the role is not touched');
  });

  it('unknown when the command fails, times out, or prints something else', () => {
    for (const outcome of [exit(1, 'no data dir', '12'), timeout(), execError('gone'), ok('12abc'), ok('')]) {
      const after = recordRead(record({ sequence: seq(3), sequenceAt: NOW }), sequence, outcome, policy(), LATER);
      assert.equal(after.sequence, null, JSON.stringify(outcome));
      assert.equal(after.sequenceAt, LATER);
      assert.ok(after.lastError?.includes('sequence'));
      assert.equal(after.failures, 0, 'an unknown sequence is not a failure');
    }
  });
});

describe('recordChange', () => {
  it('seed ok: running primary, status probed right after', () => {
    const before = record({ lastStatusAt: NOW, sequence: seq(9), sequenceAt: NOW });
    const after = recordChange(before, { kind: 'seed', member: name(1), sequence: seq(9), override: false }, ok(), policy(), LATER);
    assert.equal(after.role, 'primary');
    assert.equal(after.lastStatusAt, undefined);
    assert.deepEqual(after.sequence, seq(9), 'kept until a status read says it runs');
  });

  it('seed failed: failed, failures + 1, seedFailures + 1, lastError', () => {
    const before = record({ lastStatusAt: NOW, failures: 1, seedFailures: 2 });
    const after = recordChange(before, { kind: 'seed', member: name(1), sequence: seq(9), override: false }, exit(3, 'cannot start'), policy(), LATER);
    assert.equal(after.role, 'failed');
    assert.equal(after.failures, 2);
    assert.equal(after.seedFailures, 3);
    assert.equal(after.lastError, 'seed exited with code 3: cannot start');
    assert.equal(after.lastStatusAt, NOW);
  });

  it('join ok: the role joined as, status probed right after', () => {
    for (const as of ['primary', 'secondary'] as const) {
      const following = as === 'secondary' ? [name(0)] : [];
      const after = recordChange(record({ lastStatusAt: NOW }), { kind: 'join', member: name(1), as, following }, ok(), policy(), LATER);
      assert.equal(after.role, as);
      assert.equal(after.lastStatusAt, undefined);
      assert.deepEqual(after.following, as === 'secondary' ? [name(0)] : undefined, 'a secondary records the primaries it follows');
    }
  });

  it('join failed: failed, failures + 1, seedFailures unchanged', () => {
    const after = recordChange(record({ seedFailures: 1 }), { kind: 'join', member: name(1), as: 'secondary', following: [name(0)] }, timeout(), policy(), LATER);
    assert.equal(after.role, 'failed');
    assert.equal(after.failures, 1);
    assert.equal(after.seedFailures, 1);
    // A start command that timed out silently: the likely cause is said (a background server's open output).
    assert.match(after.lastError ?? '', /^secondary timed out \(if it starts a server in the background, redirect the server's output/);
    const said = recordChange(record(), { kind: 'join', member: name(1), as: 'secondary', following: [name(0)] }, { ...timeout(), stderr: 'waiting for the primary\n' }, policy(), LATER);
    assert.equal(said.lastError, 'secondary timed out: waiting for the primary');
  });

  it('stop ok: stopped, status probed right after, sequence to be read again', () => {
    const before = record({ role: 'primary', lastStatusAt: NOW, sequence: seq(4), sequenceAt: NOW, failures: 1 });
    const after = recordChange(before, { kind: 'stop', member: name(1), reason: 'r', cause: 'failure' }, ok(), policy(), LATER);
    assert.equal(after.role, 'stopped');
    assert.equal(after.lastStatusAt, undefined);
    assert.equal(after.sequence, undefined);
    assert.equal(after.failures, 1, 'failures reset only when it runs healthy again');
  });

  it('stop failed: stopFailed, failed, failures + 1', () => {
    const after = recordChange(record({ role: 'failed', failures: 1 }), { kind: 'stop', member: name(1), reason: 'r', cause: 'failure' }, exit(1, 'busy'), policy(), LATER);
    assert.equal(after.role, 'failed');
    assert.equal(after.stopFailed, true);
    assert.equal(after.failures, 2);
    assert.equal(after.lastError, 'stop exited with code 1: busy');
  });

  it('deletePod ok: a fresh record', () => {
    const before = record({ role: 'failed', failures: 3, seedFailures: 2, stopFailed: true, sequence: seq(1), sequenceAt: NOW, lastStatus: 1, lastStatusAt: NOW, lastError: 'x' });
    const after = recordChange(before, { kind: 'deletePod', member: name(1), reason: 'r', cause: 'failure' }, ok(), policy(), LATER);
    assert.deepEqual(after, { name: name(1), role: 'unknown', failures: 0, seedFailures: 0 });
  });

  it('deletePod failed: only lastError changes', () => {
    const before = record({ role: 'failed', failures: 3 });
    const after = recordChange(before, { kind: 'deletePod', member: name(1), reason: 'r', cause: 'failure' }, execError('forbidden'), policy(), LATER);
    assert.deepEqual(after, { ...before, lastError: 'delete pod could not run: forbidden' });
  });

  it('lastError stays one line and bounded', () => {
    const after = recordChange(record(), { kind: 'join', member: name(1), as: 'primary', following: [] }, exit(1, `${'x'.repeat(1000)}\nnext`), policy(), LATER);
    assert.doesNotMatch(after.lastError ?? '', /\n/);
    assert.ok((after.lastError ?? '').length <= 300);
  });
});
