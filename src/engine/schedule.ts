// Backup schedules: when a BackupSchedule makes a Backup, and which of its Backups retention removes.
// Pure: the schedule controller gives the time, the schedule and the cluster's backups as the caches hold
// them, and carries out the decision.
//
// Cron expressions are the five standard fields (minute hour day-of-month month day-of-week) or one of
// the usual macros, always in UTC. A seconds field is refused: the CronJob-style schedules users know have
// none, and a six-field expression is far more often a mistake than a wish for backups every second.
//
// Catching up: only the most recent schedule time counts. An operator that was down through several
// windows makes ONE backup when it returns, not one per missed window (Kubernetes CronJobs behave the same
// way, minus their limit on counting missed windows, which this rule does not need). Resuming a suspended
// schedule is the same: the most recent window it skipped runs once.
//
// One backup of a cluster at a time: while any backup of the cluster is Pending or Running, a due window
// waits; it still runs once that backup ends, unless the next window has come by then (which then runs
// instead, the same single catch-up).
//
// Retention touches only this schedule's backups that ended:
//  - Completed: beyond the newest `keep`, or completed more than `maxAge` ago, are deleted, except the
//    newest Completed backup of the cluster (whoever made it): the last good backup is never removed by a
//    schedule, whatever `keep` and `maxAge` say.
//  - Failed: the newest FAILED_KEPT stay, so failures remain visible, and older ones go, so a schedule that
//    keeps failing does not pile them up. `keep` and `maxAge` do not apply to them (they hold no data).
//  - Pending and Running backups are never deleted.
import { CronExpressionParser } from 'cron-parser';

/** Failed backups of a schedule that retention leaves in place (the newest). */
export const FAILED_KEPT = 3;
/** How often a schedule looks again while its own backup, or one its due window waits for, is in flight. */
export const IN_FLIGHT_POLL_MS = 5_000;
/** Shortest and longest wait before a schedule looks again. */
export const MIN_SCHEDULE_REQUEUE_MS = 1_000;
export const MAX_SCHEDULE_REQUEUE_MS = 3_600_000;

/** The macros accepted, as the five fields they stand for. */
const MACROS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const EXAMPLE = 'such as "0 3 * * *" (daily at 03:00 UTC) or "*/15 * * * *"';
const FIELDS = 'minute hour day-of-month month day-of-week';

type Normalised = { fields: string } | { problem: string };

function normalise(expr: string): Normalised {
  const text = expr.trim();
  if (text === '') return { problem: `empty: give five fields (${FIELDS}), ${EXAMPLE}` };
  if (text.startsWith('@')) {
    const macro = text.toLowerCase();
    const fields = MACROS[macro];
    if (fields !== undefined) return { fields };
    if (macro.startsWith('@every')) {
      return { problem: `@every is not supported (its times would depend on when the operator started); give five fields, ${EXAMPLE}` };
    }
    return { problem: `unknown macro ${JSON.stringify(text)}: use @hourly, @daily, @weekly, @monthly or @yearly, or five fields (${FIELDS})` };
  }
  const fields = text.split(/\s+/);
  if (fields.length === 6) {
    return { problem: `it has 6 fields, and a seconds field is not supported: give five (${FIELDS}), ${EXAMPLE}` };
  }
  if (fields.length !== 5) {
    return { problem: `it has ${fields.length} field${fields.length === 1 ? '' : 's'}: give five (${FIELDS}), ${EXAMPLE}` };
  }
  // cron-parser's "H" picks a random value at each parse: the schedule would move between reconciles.
  if (fields.some((f) => f.split(',').some((item) => /^H(\(|\/|$)/i.test(item)))) {
    return { problem: 'the hashed value "H" is not supported: give the minute and hour explicitly' };
  }
  return { fields: fields.join(' ') };
}

function parse(fields: string, currentDate: number) {
  return CronExpressionParser.parse(fields, { currentDate, tz: 'UTC' });
}

/** Any fixed time will do for checking that an expression fires: the answer must not depend on the clock. */
const CHECK_FROM = Date.UTC(2024, 0, 1);

/** Why `expr` is not a schedule this operator accepts, or undefined when it is. */
export function validCron(expr: string): string | undefined {
  const n = normalise(expr);
  if ('problem' in n) return n.problem;
  try {
    // Parsing alone accepts some expressions that never fire; asking for a time in both directions does not.
    parse(n.fields, CHECK_FROM).next();
    parse(n.fields, CHECK_FROM).prev();
    return undefined;
  } catch (error) {
    return cronMessage(error);
  }
}

function cronMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/loop limit|out of the time span/i.test(message)) return 'it never fires';
  // cron-parser's messages start with a category ("Constraint error, got value 60 expected range 0-59").
  return message.replace(/^(Constraint|Validation) error,\s*/i, '').replace(/^Invalid /, 'invalid ');
}

function fieldsOf(expr: string): string {
  const n = normalise(expr);
  if ('problem' in n) throw new Error(`invalid schedule ${JSON.stringify(expr)}: ${n.problem}`);
  return n.fields;
}

/** The first schedule time strictly after `after` (ms since the epoch). Throws for an invalid expression. */
export function nextTime(expr: string, after: number): number {
  return parse(fieldsOf(expr), after).next().getTime();
}

/** The last schedule time at or before `atOrBefore`. Throws for an invalid expression. */
export function previousTime(expr: string, atOrBefore: number): number {
  // prev() is strictly before its starting point; a millisecond later makes `atOrBefore` itself count.
  return parse(fieldsOf(expr), atOrBefore + 1).prev().getTime();
}

/** YYYYMMDDHHMMSS of a time, in UTC. */
function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, '').replace(/[-:T]/g, '');
}

/**
 * The name of the Backup a schedule makes for the window `scheduledAt`: `<schedule>-YYYYMMDDHHMMSS` (UTC).
 * Deterministic, so that a second attempt at the same window (a double reconcile, a restart before the
 * status was written) is refused by the API server as AlreadyExists instead of making a second backup.
 */
export function backupName(schedule: string, scheduledAt: number): string {
  return `${schedule}-${stamp(scheduledAt)}`;
}

/** The window a Backup named by backupName(schedule, …) was made for, or undefined for any other name. */
export function scheduledAtOf(schedule: string, name: string): number | undefined {
  if (!name.startsWith(`${schedule}-`)) return undefined;
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(name.slice(schedule.length + 1));
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  return stamp(ms) === name.slice(schedule.length + 1) ? ms : undefined;
}

export type ScheduleBackupPhase = 'Pending' | 'Running' | 'Completed' | 'Failed' | undefined;

/** A backup of the schedule's cluster, as the caches hold it. */
export interface ScheduleBackup {
  name: string;
  /** status.phase; undefined for a backup not yet picked up, which counts as Pending. */
  phase: ScheduleBackupPhase;
  /** ms since the epoch (status.completedAt). */
  completedAt?: number;
  /** ms since the epoch (metadata.creationTimestamp). */
  createdAt: number;
  /** Made by this schedule (its label names it). */
  fromThisSchedule: boolean;
}

export interface ScheduleInput {
  now: number;
  /** A valid expression (validCron). */
  cron: string;
  suspend: boolean;
  /** The window of the last backup this schedule made. */
  lastScheduleTime?: number;
  /** When the schedule was created: no window before it runs. */
  createdAt: number;
  /** Every backup of the cluster (not only this schedule's), except those being deleted. */
  backups: readonly ScheduleBackup[];
  keep?: number;
  maxAgeMs?: number;
}

export interface ScheduleDeletion {
  name: string;
  reason: string;
}

export interface ScheduleDecision {
  /** Make the backup of this window (its name: backupName). */
  create?: { scheduledAt: number };
  /** This schedule's backups that retention removes, oldest first. */
  delete: ScheduleDeletion[];
  /** A window is due but waits for this backup of the cluster to end. */
  waitingFor?: string;
  /** The first schedule time after now. */
  nextScheduleTime: number;
  requeueAfterMs: number;
  message: string;
}

const inFlight = (b: ScheduleBackup) => b.phase === undefined || b.phase === 'Pending' || b.phase === 'Running';
const endedAt = (b: ScheduleBackup) => b.completedAt ?? b.createdAt;
/** Newest first; the name breaks ties so that the order never depends on the input's. */
const newestFirst = (a: ScheduleBackup, b: ScheduleBackup) => endedAt(b) - endedAt(a) || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0);

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.000Z$/, 'Z');

/** "1d2h", "3h", "45m", "20s": enough for messages. */
function span(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const parts: [number, string][] = [
    [Math.floor(s / 86_400), 'd'],
    [Math.floor((s % 86_400) / 3_600), 'h'],
    [Math.floor((s % 3_600) / 60), 'm'],
    [s % 60, 's'],
  ];
  const text = parts.filter(([n]) => n > 0).map(([n, u]) => `${n}${u}`).join('');
  return text === '' ? '0s' : text;
}

/** Retention: which of this schedule's ended backups go, and why. */
export function retention(input: Pick<ScheduleInput, 'now' | 'backups' | 'keep' | 'maxAgeMs'>): ScheduleDeletion[] {
  const { now, keep, maxAgeMs } = input;
  const completed = input.backups.filter((b) => b.phase === 'Completed').sort(newestFirst);
  const lastGood = completed[0]?.name;
  const out: ScheduleDeletion[] = [];
  completed
    .filter((b) => b.fromThisSchedule)
    .forEach((b, i) => {
      if (b.name === lastGood) return;
      if (keep !== undefined && i >= keep) {
        out.push({ name: b.name, reason: `beyond the newest ${keep} completed (keep: ${keep})` });
      } else if (maxAgeMs !== undefined && now - endedAt(b) > maxAgeMs) {
        out.push({ name: b.name, reason: `completed ${span(now - endedAt(b))} ago (maxAge: ${span(maxAgeMs)})` });
      }
    });
  input.backups
    .filter((b) => b.fromThisSchedule && b.phase === 'Failed')
    .sort(newestFirst)
    .slice(FAILED_KEPT)
    .forEach((b) => out.push({ name: b.name, reason: `failed, and the newest ${FAILED_KEPT} failed backups are kept` }));
  const byAge = new Map(input.backups.map((b) => [b.name, endedAt(b)]));
  return out.sort((a, b) => byAge.get(a.name)! - byAge.get(b.name)! || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** What a schedule does now. */
export function decideSchedule(input: ScheduleInput): ScheduleDecision {
  const { now, cron } = input;
  const next = nextTime(cron, now);
  const untilNext = Math.min(MAX_SCHEDULE_REQUEUE_MS, Math.max(MIN_SCHEDULE_REQUEUE_MS, next - now));
  const deletions = retention(input);
  const pruning = deletions.length > 0 ? `; deleting ${deletions.map((d) => d.name).join(', ')} (retention)` : '';

  if (input.suspend) {
    return { delete: deletions, nextScheduleTime: next, requeueAfterMs: untilNext, message: `suspended: no backup is taken${pruning}` };
  }

  // No window before the schedule existed runs (a schedule recreated under the same name finds older backups).
  const since = Math.max(input.lastScheduleTime ?? -Infinity, input.createdAt);
  const window = previousTime(cron, now);
  const ownInFlight = input.backups.some((b) => b.fromThisSchedule && inFlight(b));
  // Polling while this schedule's backup runs lets retention follow its completion promptly.
  const requeueAfterMs = ownInFlight ? Math.min(untilNext, IN_FLIGHT_POLL_MS) : untilNext;

  if (window <= since) {
    return { delete: deletions, nextScheduleTime: next, requeueAfterMs, message: `next backup at ${iso(next)}${pruning}` };
  }
  const busy = input.backups.filter(inFlight).sort((a, b) => a.createdAt - b.createdAt || (a.name < b.name ? -1 : 1))[0];
  if (busy !== undefined) {
    return {
      delete: deletions,
      waitingFor: busy.name,
      nextScheduleTime: next,
      requeueAfterMs: Math.min(untilNext, IN_FLIGHT_POLL_MS),
      message: `the backup for ${iso(window)} waits for ${busy.name} (${busy.phase ?? 'Pending'}) to end: one backup of a cluster at a time${pruning}`,
    };
  }
  return {
    create: { scheduledAt: window },
    delete: deletions,
    nextScheduleTime: next,
    requeueAfterMs: Math.min(untilNext, IN_FLIGHT_POLL_MS),
    message: `backing up for ${iso(window)}; next backup at ${iso(next)}${pruning}`,
  };
}
