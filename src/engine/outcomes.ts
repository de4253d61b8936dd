// Folding a command's result into a member's record. Pure functions: the executor runs the command,
// then calls one of these with the outcome and the time, and stores the returned record.

import { parseSequence, readSequence, type Sequence } from './sequence.ts';
import type { ChangeAction, ClusterPolicy, CommandOutcome, MemberRecord, ReadAction, Role } from './types.ts';

/** Longest `lastError` kept (characters); status messages stay readable. */
const MAX_ERROR_LENGTH = 300;

/** Pacemaker's answers for a member that runs but is not healthy (a donor, a lagging standby). */
export const STATUS_DEGRADED_SECONDARY = 190;
export const STATUS_DEGRADED_PRIMARY = 191;

/**
 * The role a `status` exit code stands for: 0 = running secondary (primary when no `secondary`
 * command is configured), 7 = not running, 8 = running primary, 190 / 191 = the same as 0 / 8 but
 * degraded (reported, not acted on), anything else (including null: timed out or could not run) = failed.
 */
export function roleFromStatus(exitCode: number | null, hasSecondaryCommand: boolean): Role {
  switch (exitCode) {
    case 0:
    case STATUS_DEGRADED_SECONDARY:
      return hasSecondaryCommand ? 'secondary' : 'primary';
    case 7:
      return 'stopped';
    case 8:
    case STATUS_DEGRADED_PRIMARY:
      return 'primary';
    default:
      return 'failed';
  }
}

/** What a `runningSequence` read adds to the high-water mark: the sequence, or null when unknown (ignored). */
export function markFromRead(outcome: CommandOutcome): Sequence | null {
  return succeeded(outcome) ? parseSequence(outcome.stdout) : null;
}

/** A fresh record for a member: nothing known, counters at zero. */
export function freshRecord(name: string, role: Role, podUid?: string): MemberRecord {
  const record: MemberRecord = { name, role, failures: 0, seedFailures: 0 };
  if (podUid !== undefined) record.podUid = podUid;
  return record;
}

/** The command ran to completion and exited 0. */
export function succeeded(outcome: CommandOutcome): boolean {
  return !outcome.timedOut && outcome.error === undefined && outcome.exitCode === 0;
}

/** The exit code to judge a command by: null when it timed out or could not run. */
function effectiveExitCode(outcome: CommandOutcome): number | null {
  if (outcome.timedOut || outcome.error !== undefined) return null;
  return outcome.exitCode;
}

function firstLine(text: string | undefined): string {
  if (text === undefined) return '';
  for (const line of text.split(/\r?\n|\r/)) {
    const trimmed = line.trim();
    if (trimmed !== '') return trimmed;
  }
  return '';
}

function clip(text: string): string {
  return text.length <= MAX_ERROR_LENGTH ? text : `${text.slice(0, MAX_ERROR_LENGTH - 1)}…`;
}

const START_COMMANDS = new Set(['seed', 'primary', 'secondary']);

/** One line about a failed command: what happened (exit code, timeout, exec error) and stderr's first line. */
export function describeFailure(command: string, outcome: CommandOutcome): string {
  const stderr = firstLine(outcome.stderr);
  let text: string;
  if (outcome.timedOut) {
    // The usual cause for a start command: the script exited, but a server it started in the background
    // kept the script's stdout or stderr open, and the command's stream ends only when those close.
    text = START_COMMANDS.has(command) && firstLine(outcome.stderr) === ''
      ? `${command} timed out (if it starts a server in the background, redirect the server's output, e.g. \`server >server.log 2>&1 &\`: output left open keeps the command running after the script exits)`
      : `${command} timed out`;
  } else if (outcome.error !== undefined) {
    const error = firstLine(outcome.error);
    text = error === '' ? `${command} could not run` : `${command} could not run: ${error}`;
  } else if (outcome.exitCode === null) {
    text = `${command} ended without an exit code`;
  } else {
    text = `${command} exited with code ${outcome.exitCode}`;
  }
  return clip(stderr === '' ? text : `${text}: ${stderr}`);
}

type OptionalKey = 'podUid' | 'podRestarts' | 'sequence' | 'sequenceAt' | 'lastStatus' | 'lastStatusAt' | 'stopFailed' | 'fenceStopped' | 'lastError' | 'restoredFrom' | 'restoreFailedAt' | 'degraded' | 'following';

/** A copy of the record without the given optional fields (absent, not set to undefined). */
function without(record: MemberRecord, ...keys: OptionalKey[]): MemberRecord {
  const copy: MemberRecord = { ...record };
  for (const key of keys) delete copy[key];
  return copy;
}

/**
 * Folds the result of a read-only probe into the member's record.
 *
 * - `status`: role from the exit code, lastStatus (exit code, 'timeout' or 'error'), lastStatusAt = now.
 *   Running healthy (primary/secondary): failures, seedFailures and stopFailed are cleared, and so is the
 *   sequence (a running member's data moves on; it is read again when it next stops) and lastError.
 *   Not running (exit 7): the application says it is stopped, so a previous failed `stop` is moot
 *   (stopFailed cleared); the failure count is kept. Failed: failures + 1 and lastError.
 * - `sequence`: sequence (a number, or null when the command failed or printed something else) and
 *   sequenceAt = now; lastError says why when unknown.
 */
export function recordRead(
  record: MemberRecord,
  action: ReadAction,
  outcome: CommandOutcome,
  policy: ClusterPolicy,
  now: number,
): MemberRecord {
  if (action.kind === 'status') {
    const exitCode = effectiveExitCode(outcome);
    const role = roleFromStatus(exitCode, policy.hasSecondaryCommand);
    const lastStatus: MemberRecord['lastStatus'] = outcome.timedOut
      ? 'timeout'
      : outcome.error !== undefined || outcome.exitCode === null
        ? 'error'
        : outcome.exitCode;
    if (role === 'primary' || role === 'secondary') {
      // A running member's data moves on: its sequence is dropped, and read again when it is needed.
      const running: MemberRecord = {
        ...without(record, 'stopFailed', 'fenceStopped', 'lastError', 'degraded', 'sequence', 'sequenceAt'),
        role,
        lastStatus,
        lastStatusAt: now,
        failures: 0,
        seedFailures: 0,
      };
      if (exitCode === STATUS_DEGRADED_SECONDARY || exitCode === STATUS_DEGRADED_PRIMARY) running.degraded = true;
      if (role === 'primary') delete running.following;
      return running;
    }
    // A sequence read while the member ran (to choose a primary) says nothing once it has stopped or
    // failed: it may have lost what it had not made durable. It is read again.
    const ran = record.role === 'primary' || record.role === 'secondary';
    const stale = ran ? (['sequence', 'sequenceAt'] as const) : [];
    if (role === 'stopped') {
      return { ...without(record, 'stopFailed', 'degraded', 'following', ...stale), role, lastStatus, lastStatusAt: now };
    }
    return {
      ...without(record, 'degraded', ...stale),
      role,
      lastStatus,
      lastStatusAt: now,
      failures: record.failures + 1,
      lastError: describeFailure('status', outcome),
    };
  }

  // A running primary's sequence feeds only the high-water mark (markFromRead); the record is untouched.
  if (action.kind === 'runningSequence') return record;

  // sequence
  const parsed = succeeded(outcome) ? readSequence(outcome.stdout) : undefined;
  if (parsed?.ok === true) return { ...record, sequence: parsed.sequence, sequenceAt: now };
  const why = parsed !== undefined && !parsed.ok
    ? clip(`${parsed.problem}: sequence unknown`)
    : `${describeFailure('sequence', outcome)} (sequence unknown)`;
  return { ...record, sequence: null, sequenceAt: now, lastError: clip(why) };
}

/**
 * Folds the result of a change into the member's record.
 *
 * - `seed` / `join` succeeded: role = the role started (primary for a seed), lastStatusAt cleared so that
 *   `status` runs right after. Failed: role 'failed', failures + 1 (and seedFailures + 1 for a seed),
 *   lastError, sequence cleared (the start may have run all the same); lastStatusAt is kept, so the next
 *   decision stops the member (the usual failure path).
 * - `stop` succeeded: role 'stopped', stopFailed cleared, lastStatusAt cleared (status runs right after),
 *   sequence cleared (it is read again while stopped). Failed: role 'failed', stopFailed, failures + 1,
 *   lastError: the pod can only be replaced.
 * - `deletePod` succeeded (the executor reports exit code 0): a fresh record (role unknown, counters 0,
 *   no sequence, no pod UID: the replacement pod gets its own). Failed: only lastError changes.
 */
export function recordChange(
  record: MemberRecord,
  action: ChangeAction,
  outcome: CommandOutcome,
  _policy: ClusterPolicy,
  now: number,
): MemberRecord {
  const ok = succeeded(outcome);
  switch (action.kind) {
    case 'seed':
    case 'join': {
      const command = action.kind === 'seed' ? 'seed' : action.as;
      if (ok) {
        const started: MemberRecord = {
          ...without(record, 'lastStatusAt', 'stopFailed', 'fenceStopped', 'restoredFrom', 'restoreFailedAt', 'following', 'degraded'),
          role: action.kind === 'seed' ? 'primary' : action.as,
        };
        if (action.kind === 'join' && action.as === 'secondary') started.following = action.following;
        return started;
      }
      // The sequence read before is stale: a start that failed (or timed out) may have run all the same,
      // and taken writes (found by the simulation). It is read again once the member is stopped.
      return {
        ...without(record, 'sequence', 'sequenceAt'),
        role: 'failed',
        failures: record.failures + 1,
        seedFailures: action.kind === 'seed' ? record.seedFailures + 1 : record.seedFailures,
        lastError: describeFailure(command, outcome),
      };
    }
    case 'stop':
      if (ok) {
        const stopped: MemberRecord = { ...without(record, 'lastStatusAt', 'stopFailed', 'sequence', 'sequenceAt', 'degraded', 'following'), role: 'stopped' };
        if (action.cause === 'fence') stopped.fenceStopped = true;
        return stopped;
      }
      return {
        ...record,
        role: 'failed',
        stopFailed: true,
        failures: record.failures + 1,
        lastError: describeFailure('stop', outcome),
      };
    case 'restore':
      // Either way the sequence is read again: from the restored data before the seed, or to see that the
      // member is still empty before the next attempt.
      if (ok) return { ...without(record, 'sequence', 'sequenceAt', 'restoreFailedAt', 'lastError'), restoredFrom: action.backup };
      return {
        ...without(record, 'sequence', 'sequenceAt', 'restoredFrom'),
        restoreFailures: (record.restoreFailures ?? 0) + 1,
        restoreFailedAt: now,
        lastError: describeFailure('restore', outcome),
      };
    case 'deletePod':
      if (ok) return freshRecord(record.name, 'unknown');
      return { ...record, lastError: describeFailure('delete pod', outcome) };
  }
}
