// Backup schedules: cron handling, the run/catch-up/wait rules and retention (src/engine/schedule.ts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import {
  FAILED_KEPT,
  IN_FLIGHT_POLL_MS,
  MAX_SCHEDULE_REQUEUE_MS,
  MIN_SCHEDULE_REQUEUE_MS,
  backupName,
  decideSchedule,
  nextTime,
  previousTime,
  retention,
  scheduledAtOf,
  validCron,
  type ScheduleBackup,
  type ScheduleBackupPhase,
  type ScheduleInput,
} from '../../../src/engine/schedule.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** 2024-01-01T12:00:00Z. */
const T0 = Date.UTC(2024, 0, 1, 12, 0, 0);
const at = (iso: string) => Date.parse(iso);

function input(over: Partial<ScheduleInput> = {}): ScheduleInput {
  return { now: T0, cron: '0 3 * * *', suspend: false, createdAt: T0 - 30 * DAY, backups: [], ...over };
}

function backup(name: string, phase: ScheduleBackupPhase, createdAt: number, over: Partial<ScheduleBackup> = {}): ScheduleBackup {
  const b: ScheduleBackup = { name, phase, createdAt, fromThisSchedule: true, ...over };
  if (phase === 'Completed' || phase === 'Failed') b.completedAt ??= createdAt + MIN;
  return b;
}

const names = (list: { name: string }[]) => list.map((x) => x.name);

describe('validCron', () => {
  it('accepts five-field expressions', () => {
    for (const expr of ['0 3 * * *', '*/15 * * * *', '0 0 1 * 1', '0 0 * * mon-fri', '30 2 1,15 jan,jul *', '0 0 L * *', '  0   3 * *  * ']) {
      assert.equal(validCron(expr), undefined, expr);
    }
  });

  it('accepts the macros, in any case', () => {
    for (const expr of ['@hourly', '@daily', '@weekly', '@monthly', '@yearly', '@annually', '@midnight', '@Daily']) {
      assert.equal(validCron(expr), undefined, expr);
    }
  });

  it('refuses a seconds field, saying so', () => {
    const why = validCron('0 0 3 * * *');
    assert.ok(why?.includes('6 fields'), why);
    assert.ok(why?.includes('seconds field is not supported'), why);
    assert.ok(why?.includes('give five'), why);
  });

  it('refuses the wrong number of fields', () => {
    assert.match(validCron('* * * *')!, /4 fields: give five \(minute hour day-of-month month day-of-week\)/);
    assert.match(validCron('* * * * * * *')!, /7 fields/);
    assert.match(validCron('daily')!, /1 field: give five/);
    assert.match(validCron('')!, /^empty/);
    assert.match(validCron('   ')!, /^empty/);
  });

  it('refuses unknown macros and @every', () => {
    assert.match(validCron('@weekdays')!, /unknown macro "@weekdays": use @hourly, @daily, @weekly, @monthly or @yearly/);
    assert.match(validCron('@every 15m')!, /@every is not supported/);
  });

  it('refuses values out of range, bad characters and days that never come', () => {
    assert.match(validCron('60 * * * *')!, /got value 60 expected range 0-59/);
    assert.match(validCron('0 24 * * *')!, /0-23/);
    assert.match(validCron('0 0 1 13 *')!, /1-12/);
    assert.ok(validCron('a b c d e') !== undefined);
    assert.ok(validCron('*/0 * * * *') !== undefined);
    assert.ok(validCron('0 0 30 2 *') !== undefined, 'February 30th');
    assert.ok(validCron('0 0 31 4 *') !== undefined, 'April 31st');
  });

  it('refuses the random "H" (it would move at every reconcile), but not day names containing an h', () => {
    assert.match(validCron('H 3 * * *')!, /"H" is not supported/);
    assert.match(validCron('0 H/2 * * *')!, /"H" is not supported/);
    assert.equal(validCron('0 3 * * thu'), undefined);
  });
});

describe('nextTime and previousTime (UTC)', () => {
  it('next is strictly after; previous is at or before', () => {
    const three = at('2024-01-01T03:00:00Z');
    assert.equal(nextTime('0 3 * * *', three), at('2024-01-02T03:00:00Z'));
    assert.equal(nextTime('0 3 * * *', three - 1), three);
    assert.equal(previousTime('0 3 * * *', three), three);
    assert.equal(previousTime('0 3 * * *', three - 1), at('2023-12-31T03:00:00Z'));
    assert.equal(previousTime('0 3 * * *', three + 999), three);
  });

  it('macros', () => {
    assert.equal(nextTime('@hourly', at('2024-01-01T03:10:00Z')), at('2024-01-01T04:00:00Z'));
    assert.equal(nextTime('@daily', at('2024-01-01T03:10:00Z')), at('2024-01-02T00:00:00Z'));
    assert.equal(nextTime('@weekly', at('2024-01-01T03:10:00Z')), at('2024-01-07T00:00:00Z'), 'Sunday');
    assert.equal(nextTime('@monthly', at('2024-01-01T03:10:00Z')), at('2024-02-01T00:00:00Z'));
    assert.equal(nextTime('@yearly', at('2024-01-01T03:10:00Z')), at('2025-01-01T00:00:00Z'));
    assert.equal(previousTime('@yearly', at('2024-06-01T00:00:00Z')), at('2024-01-01T00:00:00Z'));
  });

  it('day-of-month and day-of-week together mean either (as in cron)', () => {
    // 2024-01-01 is a Monday: the 1st and every Monday.
    assert.equal(nextTime('0 0 1 * 1', at('2024-01-01T01:00:00Z')), at('2024-01-08T00:00:00Z'));
    assert.equal(nextTime('0 0 1 * 1', at('2024-01-29T01:00:00Z')), at('2024-02-01T00:00:00Z'));
  });

  it('throws for an invalid expression', () => {
    assert.throws(() => nextTime('0 0 3 * * *', T0), /seconds field/);
    assert.throws(() => previousTime('@every 1h', T0), /@every/);
  });

  it('previous ≤ t < next, with no schedule time between them (property)', () => {
    const exprs = ['* * * * *', '*/7 * * * *', '0 3 * * *', '15 */6 * * 1-5', '@hourly', '@weekly', '0 0 29 2 *', '5 4 1,15 * *'];
    fc.assert(
      fc.property(fc.constantFrom(...exprs), fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) }), (expr, t) => {
        const prev = previousTime(expr, t);
        const next = nextTime(expr, t);
        assert.ok(prev <= t && t < next, `${expr} at ${new Date(t).toISOString()}: ${new Date(prev).toISOString()} .. ${new Date(next).toISOString()}`);
        assert.equal(prev % MIN, 0);
        assert.equal(next % MIN, 0);
        assert.equal(previousTime(expr, next), next);
        assert.equal(previousTime(expr, next - 1), prev);
        assert.equal(nextTime(expr, prev), next);
      }),
      { numRuns: 300 },
    );
  });
});

describe('backup names', () => {
  it('is <schedule>-YYYYMMDDHHMMSS in UTC', () => {
    assert.equal(backupName('nightly', at('2024-03-05T03:00:00Z')), 'nightly-20240305030000');
    assert.equal(backupName('a-b', at('1999-12-31T23:59:00Z')), 'a-b-19991231235900');
  });

  it('is deterministic and reads back', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(9999, 11, 31) }), (t) => {
        const whole = Math.floor(t / 1000) * 1000;
        assert.equal(backupName('s', t), backupName('s', whole));
        assert.equal(scheduledAtOf('s', backupName('s', t)), whole);
      }),
    );
  });

  it('reads back nothing from other names', () => {
    assert.equal(scheduledAtOf('nightly', 'nightly-2024030503000'), undefined);
    assert.equal(scheduledAtOf('nightly', 'weekly-20240305030000'), undefined);
    assert.equal(scheduledAtOf('nightly', 'nightly-x-20240305030000'), undefined);
    assert.equal(scheduledAtOf('nightly', 'nightly-20240230030000'), undefined, 'February 30th');
    assert.equal(scheduledAtOf('nightly', 'manual'), undefined);
  });
});

describe('decideSchedule: when to run', () => {
  it('runs the window that has just come, and then waits for the next', () => {
    const now = at('2024-01-02T03:00:05Z');
    const d = decideSchedule(input({ now, lastScheduleTime: at('2024-01-01T03:00:00Z') }));
    assert.deepEqual(d.create, { scheduledAt: at('2024-01-02T03:00:00Z') });
    assert.equal(d.nextScheduleTime, at('2024-01-03T03:00:00Z'));
    assert.deepEqual(d.delete, []);

    const after = decideSchedule(input({ now: now + 1000, lastScheduleTime: at('2024-01-02T03:00:00Z') }));
    assert.equal(after.create, undefined);
    assert.match(after.message, /next backup at 2024-01-03T03:00:00Z/);
  });

  it('does not run a window from before the schedule was created', () => {
    const createdAt = at('2024-01-01T03:00:30Z');
    assert.equal(decideSchedule(input({ createdAt, now: at('2024-01-01T03:00:40Z') })).create, undefined);
    assert.equal(decideSchedule(input({ createdAt, now: at('2024-01-01T12:00:00Z') })).create, undefined);
    assert.deepEqual(decideSchedule(input({ createdAt, now: at('2024-01-02T03:00:00Z') })).create, { scheduledAt: at('2024-01-02T03:00:00Z') });
    // A lastScheduleTime from before the creation (older backups of a schedule of the same name) does not count.
    assert.equal(decideSchedule(input({ createdAt, lastScheduleTime: at('2023-06-01T03:00:00Z'), now: at('2024-01-01T12:00:00Z') })).create, undefined);
  });

  it('makes one catch-up for missed windows, for the latest, not one per window', () => {
    // Down from Monday 03:00 to Thursday 10:00: three windows missed.
    const d = decideSchedule(input({ now: at('2024-01-04T10:00:00Z'), lastScheduleTime: at('2024-01-01T03:00:00Z') }));
    assert.deepEqual(d.create, { scheduledAt: at('2024-01-04T03:00:00Z') });
    const again = decideSchedule(input({ now: at('2024-01-04T10:00:05Z'), lastScheduleTime: at('2024-01-04T03:00:00Z') }));
    assert.equal(again.create, undefined);
  });

  it('suspended: creates nothing, yet retention still applies', () => {
    const backups = [
      backup('s-1', 'Completed', at('2023-12-29T03:00:00Z')),
      backup('s-2', 'Completed', at('2023-12-30T03:00:00Z')),
      backup('s-3', 'Completed', at('2023-12-31T03:00:00Z')),
    ];
    const d = decideSchedule(input({ suspend: true, now: at('2024-01-04T10:00:00Z'), lastScheduleTime: at('2023-12-31T03:00:00Z'), backups, keep: 2 }));
    assert.equal(d.create, undefined);
    assert.deepEqual(names(d.delete), ['s-1']);
    assert.match(d.message, /^suspended/);
  });

  it('waits while a backup of the cluster is in flight, then runs the window it waited for', () => {
    const lastScheduleTime = at('2024-01-01T03:00:00Z');
    const now = at('2024-01-02T03:00:10Z');
    for (const phase of ['Pending', 'Running', undefined] as const) {
      const manual = backup('manual', phase, at('2024-01-02T02:59:00Z'), { fromThisSchedule: false });
      const d = decideSchedule(input({ now, lastScheduleTime, backups: [manual] }));
      assert.equal(d.create, undefined, `blocked by a ${phase ?? 'new'} backup`);
      assert.equal(d.waitingFor, 'manual');
      assert.equal(d.requeueAfterMs, IN_FLIGHT_POLL_MS);
      assert.match(d.message, /waits for manual/);
      assert.match(d.message, /one backup of a cluster at a time/);
    }
    // The manual backup ends an hour later: the 03:00 window still runs.
    const ended = backup('manual', 'Completed', at('2024-01-02T02:59:00Z'), { fromThisSchedule: false, completedAt: at('2024-01-02T04:00:00Z') });
    const d = decideSchedule(input({ now: at('2024-01-02T04:00:05Z'), lastScheduleTime, backups: [ended] }));
    assert.deepEqual(d.create, { scheduledAt: at('2024-01-02T03:00:00Z') });
  });

  it('a backup still running when the next window comes: the new window runs once, the old one is not made up', () => {
    const lastScheduleTime = at('2024-01-01T03:00:00Z');
    const long = backup('manual', 'Running', at('2024-01-02T02:00:00Z'), { fromThisSchedule: false });
    assert.equal(decideSchedule(input({ now: at('2024-01-03T03:00:01Z'), lastScheduleTime, backups: [long] })).create, undefined);
    const done = { ...long, phase: 'Completed' as const, completedAt: at('2024-01-03T03:30:00Z') };
    const d = decideSchedule(input({ now: at('2024-01-03T03:30:01Z'), lastScheduleTime, backups: [done] }));
    assert.deepEqual(d.create, { scheduledAt: at('2024-01-03T03:00:00Z') });
  });

  it('a failed or completed backup does not block', () => {
    const lastScheduleTime = at('2024-01-01T03:00:00Z');
    const backups = [backup('x', 'Failed', at('2024-01-02T02:00:00Z'), { fromThisSchedule: false }), backup('y', 'Completed', at('2024-01-02T02:10:00Z'))];
    assert.ok(decideSchedule(input({ now: at('2024-01-02T03:00:01Z'), lastScheduleTime, backups })).create);
  });

  it('requeues until the next window, at most an hour and at least a second', () => {
    const lastScheduleTime = at('2024-01-01T03:00:00Z');
    assert.equal(decideSchedule(input({ now: at('2024-01-02T02:59:30Z'), lastScheduleTime })).requeueAfterMs, 30_000);
    assert.equal(decideSchedule(input({ now: at('2024-01-02T02:59:59.800Z'), lastScheduleTime })).requeueAfterMs, MIN_SCHEDULE_REQUEUE_MS);
    assert.equal(decideSchedule(input({ now: at('2024-01-01T12:00:00Z'), lastScheduleTime })).requeueAfterMs, MAX_SCHEDULE_REQUEUE_MS);
    assert.equal(decideSchedule(input({ cron: '* * * * *', now: at('2024-01-01T12:00:45Z'), lastScheduleTime: at('2024-01-01T12:00:00Z') })).requeueAfterMs, 15_000);
    // While its own backup is in flight it looks every few seconds, so retention follows its completion.
    const running = backup('s-20240101030000', 'Running', lastScheduleTime);
    assert.equal(decideSchedule(input({ now: at('2024-01-01T03:10:00Z'), lastScheduleTime, backups: [running] })).requeueAfterMs, IN_FLIGHT_POLL_MS);
  });
});

describe('decideSchedule: retention', () => {
  it('an every-minute schedule over four minutes with keep 2', () => {
    // Each backup takes 20 s; the schedule is looked at every 5 s, as it would requeue itself.
    const cron = '* * * * *';
    const createdAt = at('2024-01-01T00:00:30Z');
    const end = at('2024-01-01T00:04:59Z');
    const store = new Map<string, ScheduleBackup>();
    let lastScheduleTime: number | undefined;
    const created: string[] = [];
    const deleted: [string, string][] = [];
    for (let now = createdAt; now <= end; now += 5_000) {
      for (const b of store.values()) {
        if (b.phase === undefined) b.phase = 'Running';
        else if (b.phase === 'Running' && now - b.createdAt >= 20_000) {
          b.phase = 'Completed';
          b.completedAt = now;
        }
      }
      const d = decideSchedule({ now, cron, suspend: false, createdAt, backups: [...store.values()], keep: 2, ...(lastScheduleTime !== undefined ? { lastScheduleTime } : {}) });
      for (const x of d.delete) {
        assert.ok(store.delete(x.name));
        deleted.push([x.name, new Date(now).toISOString().slice(11, 19)]);
      }
      if (d.create) {
        const name = backupName('every', d.create.scheduledAt);
        store.set(name, { name, phase: undefined, createdAt: now, fromThisSchedule: true });
        lastScheduleTime = d.create.scheduledAt;
        created.push(name);
      }
    }
    assert.deepEqual(created, ['every-20240101000100', 'every-20240101000200', 'every-20240101000300', 'every-20240101000400']);
    // The third completes at 00:03:20: the first goes; the fourth at 00:04:20: the second goes.
    assert.deepEqual(deleted, [
      ['every-20240101000100', '00:03:20'],
      ['every-20240101000200', '00:04:20'],
    ]);
    assert.deepEqual([...store.keys()], ['every-20240101000300', 'every-20240101000400']);
  });

  it('keeps the newest `keep` completed of this schedule, and touches no other backup', () => {
    const backups = [
      backup('s-1', 'Completed', at('2024-01-01T01:00:00Z')),
      backup('s-2', 'Completed', at('2024-01-01T02:00:00Z')),
      backup('s-3', 'Completed', at('2024-01-01T03:00:00Z')),
      backup('s-4', 'Running', at('2024-01-01T04:00:00Z')),
      backup('other-1', 'Completed', at('2024-01-01T00:00:00Z'), { fromThisSchedule: false }),
      backup('other-2', 'Completed', at('2024-01-01T00:30:00Z'), { fromThisSchedule: false }),
    ];
    const d = retention({ now: at('2024-01-01T04:10:00Z'), backups, keep: 1 });
    assert.deepEqual(d, [
      { name: 's-1', reason: 'beyond the newest 1 completed (keep: 1)' },
      { name: 's-2', reason: 'beyond the newest 1 completed (keep: 1)' },
    ]);
  });

  it('keep 1 when another schedule has a newer backup: this schedule still keeps its newest', () => {
    const backups = [
      backup('s-1', 'Completed', at('2024-01-01T01:00:00Z')),
      backup('s-2', 'Completed', at('2024-01-01T02:00:00Z')),
      backup('hourly-1', 'Completed', at('2024-01-01T03:00:00Z'), { fromThisSchedule: false }),
    ];
    assert.deepEqual(names(retention({ now: at('2024-01-01T04:00:00Z'), backups, keep: 1 })), ['s-1']);
  });

  it('maxAge deletes everything older, except the last good backup of the cluster', () => {
    const now = at('2024-02-01T00:00:00Z');
    const backups = [
      backup('s-1', 'Completed', at('2024-01-01T03:00:00Z')),
      backup('s-2', 'Completed', at('2024-01-02T03:00:00Z')),
      backup('s-3', 'Completed', at('2024-01-03T03:00:00Z')),
      // Failures since: the last good backup is a month old, and stays.
      backup('s-4', 'Failed', at('2024-01-30T03:00:00Z')),
      backup('s-5', 'Failed', at('2024-01-31T03:00:00Z')),
    ];
    const d = retention({ now, backups, maxAgeMs: 7 * DAY, keep: 10 });
    assert.deepEqual(names(d), ['s-1', 's-2']);
    assert.match(d[0]!.reason, /^completed 30d20h59m ago \(maxAge: 7d\)$/);
  });

  it('maxAge deletes all of this schedule\'s old backups when the last good one is someone else\'s', () => {
    const now = at('2024-02-01T00:00:00Z');
    const backups = [
      backup('s-1', 'Completed', at('2024-01-01T03:00:00Z')),
      backup('s-2', 'Completed', at('2024-01-02T03:00:00Z')),
      backup('manual', 'Completed', at('2024-01-31T12:00:00Z'), { fromThisSchedule: false }),
    ];
    assert.deepEqual(names(retention({ now, backups, maxAgeMs: 7 * DAY })), ['s-1', 's-2']);
    // …but an older backup of someone else is not the last good one.
    const older = backups.map((b) => (b.name === 'manual' ? { ...b, completedAt: at('2023-12-01T00:00:00Z') } : b));
    assert.deepEqual(names(retention({ now, backups: older, maxAgeMs: 7 * DAY })), ['s-1']);
  });

  it('the last good backup stays even with keep 1 and maxAge when newer ones failed', () => {
    const backups = [
      backup('s-1', 'Completed', at('2024-01-01T03:00:00Z')),
      backup('s-2', 'Failed', at('2024-01-02T03:00:00Z')),
      backup('s-3', 'Running', at('2024-01-03T03:00:00Z')),
    ];
    assert.deepEqual(retention({ now: at('2024-03-01T00:00:00Z'), backups, keep: 1, maxAgeMs: DAY }), []);
  });

  it(`keeps the newest ${FAILED_KEPT} failed backups of the schedule`, () => {
    const backups = [1, 2, 3, 4, 5].map((i) => backup(`s-${i}`, 'Failed', at(`2024-01-0${i}T03:00:00Z`)));
    backups.push(backup('other', 'Failed', at('2023-12-01T03:00:00Z'), { fromThisSchedule: false }));
    const d = retention({ now: at('2024-01-06T00:00:00Z'), backups });
    assert.deepEqual(names(d), ['s-1', 's-2']);
    assert.match(d[0]!.reason, /failed, and the newest 3 failed backups are kept/);
    // keep and maxAge are for completed backups; failures are capped by number only.
    assert.deepEqual(names(retention({ now: at('2025-01-06T00:00:00Z'), backups, keep: 1, maxAgeMs: HOUR })), ['s-1', 's-2']);
  });

  it('with neither keep nor maxAge, every completed backup stays', () => {
    const backups = [1, 2, 3, 4, 5, 6].map((i) => backup(`s-${i}`, 'Completed', at(`2024-01-0${i}T03:00:00Z`)));
    assert.deepEqual(retention({ now: at('2025-01-01T00:00:00Z'), backups }), []);
  });

  it('deletions come with the decision, oldest first, alongside a creation', () => {
    const backups = [3, 1, 2].map((i) => backup(`s-${i}`, 'Completed', at(`2024-01-0${i}T03:00:00Z`)));
    const d = decideSchedule(input({ now: at('2024-01-04T03:00:01Z'), lastScheduleTime: at('2024-01-03T03:00:00Z'), backups, keep: 1 }));
    assert.deepEqual(d.create, { scheduledAt: at('2024-01-04T03:00:00Z') });
    assert.deepEqual(names(d.delete), ['s-1', 's-2']);
    assert.match(d.message, /deleting s-1, s-2 \(retention\)/);
  });
});

describe('decideSchedule: properties', () => {
  const phaseArb = fc.constantFrom<ScheduleBackupPhase>('Pending', 'Running', 'Completed', 'Failed', undefined);
  const backupsArb = fc.uniqueArray(
    fc.record({
      name: fc.stringMatching(/^[a-z]{1,6}$/),
      phase: phaseArb,
      createdAt: fc.integer({ min: T0 - 60 * DAY, max: T0 }),
      duration: fc.integer({ min: 0, max: 3 * HOUR }),
      fromThisSchedule: fc.boolean(),
    }),
    { selector: (b) => b.name, maxLength: 12 },
  );
  const scenarioArb = fc.record({
    backups: backupsArb,
    cron: fc.constantFrom('* * * * *', '0 3 * * *', '*/20 * * * *', '@hourly', '@weekly'),
    suspend: fc.boolean(),
    keep: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
    maxAgeMs: fc.option(fc.integer({ min: MIN, max: 30 * DAY }), { nil: undefined }),
    last: fc.option(fc.integer({ min: T0 - 10 * DAY, max: T0 }), { nil: undefined }),
    createdAgo: fc.integer({ min: 0, max: 90 * DAY }),
  });

  it('never deletes the last good backup, another\'s backup or one in flight; never runs two at once', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const backups: ScheduleBackup[] = s.backups.map((b) => {
          const out: ScheduleBackup = { name: b.name, phase: b.phase, createdAt: b.createdAt, fromThisSchedule: b.fromThisSchedule };
          if (b.phase === 'Completed' || b.phase === 'Failed') out.completedAt = b.createdAt + b.duration;
          return out;
        });
        const i: ScheduleInput = { now: T0, cron: s.cron, suspend: s.suspend, createdAt: T0 - s.createdAgo, backups };
        if (s.keep !== undefined) i.keep = s.keep;
        if (s.maxAgeMs !== undefined) i.maxAgeMs = s.maxAgeMs;
        if (s.last !== undefined) i.lastScheduleTime = s.last;
        const d = decideSchedule(i);

        const byName = new Map(backups.map((b) => [b.name, b]));
        const completed = backups.filter((b) => b.phase === 'Completed').sort((a, b) => b.completedAt! - a.completedAt! || (a.name < b.name ? 1 : -1));
        assert.equal(new Set(names(d.delete)).size, d.delete.length, 'no name twice');
        for (const x of d.delete) {
          const b = byName.get(x.name)!;
          assert.ok(b.fromThisSchedule, `${x.name} is another's`);
          assert.ok(b.phase === 'Completed' || b.phase === 'Failed', `${x.name} is in flight`);
          assert.notEqual(x.name, completed[0]?.name, 'the last good backup');
        }
        const ownCompletedKept = backups.filter((b) => b.fromThisSchedule && b.phase === 'Completed' && !names(d.delete).includes(b.name));
        if (s.keep !== undefined) assert.ok(ownCompletedKept.length <= s.keep, 'at most `keep` completed');
        const ownFailedKept = backups.filter((b) => b.fromThisSchedule && b.phase === 'Failed' && !names(d.delete).includes(b.name));
        assert.ok(ownFailedKept.length <= FAILED_KEPT);

        if (d.create) {
          assert.ok(!s.suspend);
          assert.ok(!backups.some((b) => b.phase === undefined || b.phase === 'Pending' || b.phase === 'Running'), 'one backup of a cluster at a time');
          assert.ok(d.create.scheduledAt <= T0);
          assert.ok(d.create.scheduledAt > Math.max(s.last ?? -Infinity, T0 - s.createdAgo));
          assert.equal(d.create.scheduledAt, previousTime(s.cron, T0));
        }
        assert.ok(d.requeueAfterMs >= MIN_SCHEDULE_REQUEUE_MS && d.requeueAfterMs <= MAX_SCHEDULE_REQUEUE_MS);
        assert.ok(d.nextScheduleTime > T0);
      }),
      { numRuns: 500 },
    );
  });
});
