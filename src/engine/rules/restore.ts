// The restore rule: bringing a cluster back from a backup, with the same data-safety rules as a seed.
//
// It runs inside the bootstrap (no primary runs; every wanted member runs, stopped, and has reported its
// sequence). A backup only ever goes into an empty member: when any wanted member reports data
// (sequence > 0), the restore is refused and says which, rather than overwriting it. The member that
// received the backup is seeded once its `sequence` has been read again from the restored data; a failed
// restore is retried (on the next member, after a backoff) and is never followed by a seed, because a
// member only counts as restored after its `restore` command exited 0, the checksum matched, and it then
// reports at least the sequence the backup recorded. (A restore found not to have taken is recorded as a
// failure in the records this decision returns: they are the decision's own copies, not the observation.)
import type { Context, Member, Step } from '../context.ts';
import { describeSequence, formatSequence, holdsData, isKnown } from '../sequence.ts';
import type { RestoreProgress, RestoreRequest } from '../types.ts';

/** Backoff after a failed restore: 5 s, 10 s, 20 s … capped at 5 minutes. */
export function restoreBackoffMs(failures: number): number {
  return Math.min(300_000, 5_000 * 2 ** Math.max(0, Math.min(failures - 1, 10)));
}

/** The restore request that applies to this observation, if any. */
export function activeRestore(ctx: Context): RestoreRequest | undefined {
  const request = ctx.policy.restore;
  if (request === undefined) return undefined;
  // spec.bootstrap describes where a new cluster's data comes from: once seeded, it is history.
  if (request.via === 'bootstrap' && ctx.observation.bootstrapped === true) return undefined;
  return request;
}

function list(members: Member[]): string {
  return members.map((m) => `${m.name} (sequence ${describeSequence(m.rec.sequence)})`).join(', ');
}

/**
 * What the restore asks for now, or undefined when it does not apply (the usual bootstrap goes on).
 * Called once every wanted member runs, stopped, with a known sequence.
 */
export function restoreStep(ctx: Context): Step | undefined {
  const request = activeRestore(ctx);
  if (request === undefined) return undefined;
  const { wanted, now } = ctx;

  // A member already restored from this backup: seed it, from the sequence its restored data reports.
  let restored = wanted.find((m) => m.rec.restoredFrom === request.backup);
  const expected = request.sequence;
  if (restored !== undefined && isKnown(restored.rec.sequence) && expected !== undefined && restored.rec.sequence.value < expected.value) {
    // The restore said it succeeded, but the data is not there (a stream cut off and reported as a success):
    // it counts as a failed restore, and the member is never seeded from what it holds.
    const rec = restored.rec;
    rec.lastError = `restore reported success, but ${restored.name} reports sequence ${describeSequence(rec.sequence)}, below the backup's ${formatSequence(expected)}: the restore did not take`;
    rec.restoreFailures = (rec.restoreFailures ?? 0) + 1;
    rec.restoreFailedAt = now;
    delete rec.restoredFrom;
    restored = undefined;
  }
  // Members being removed still hold their data until the StatefulSet lets them go: they count too.
  const holding = ctx.members.filter((m) => (m.wanted || m.ordinal < ctx.observation.statefulSetReplicas) && holdsData(m.rec.sequence));

  // The automatic policy is only for data loss: every member empty while the mark says there was data.
  if (restored === undefined && request.via === 'policy' && (holding.length > 0 || !holdsData(ctx.highestSequence))) return undefined;

  if (restored !== undefined) {
    if (restored.rec.sequence === undefined) {
      return {
        type: 'reads',
        reads: [{ kind: 'sequence', member: restored.name }],
        reason: 'ReadingSequences',
        message: `reading the sequence of ${restored.name}, restored from backup ${request.backup}`,
      };
    }
    if (restored.rec.sequence === null) {
      return {
        type: 'wait',
        reason: 'RestoreUnreadable',
        message:
          `${restored.name} was restored from backup ${request.backup} but its sequence is unknown` +
          `${restored.rec.lastError ? ` (${restored.rec.lastError})` : ''}: it is not seeded until it reports one`,
        requeueAfterMs: ctx.interval,
      };
    }
    return {
      type: 'change',
      change: { kind: 'seed', member: restored.name, sequence: restored.rec.sequence, override: false, restoredFrom: request.backup },
      reason: 'Seeding',
      message: `seeding ${restored.name}, restored from backup ${request.backup} (sequence ${formatSequence(restored.rec.sequence)})`,
    };
  }

  if (request.problem !== undefined) {
    return { type: 'wait', reason: 'RestoreBlocked', message: `cannot restore backup ${request.backup}: ${request.problem}`, requeueAfterMs: ctx.interval };
  }
  if (holding.length > 0) {
    return {
      type: 'wait',
      reason: 'RestoreRefused',
      message:
        `refusing to restore backup ${request.backup}: ${list(holding)} ${holding.length === 1 ? 'holds' : 'hold'} data, and a restore ` +
        `only goes into empty members; nothing was changed. Remove the restore request to bootstrap from the members' own data`,
    };
  }

  const candidates = wanted.filter((m) => !m.fenced);
  const chosen = [...candidates].sort((a, b) => (a.rec.restoreFailures ?? 0) - (b.rec.restoreFailures ?? 0) || a.ordinal - b.ordinal)[0];
  if (chosen === undefined) {
    return { type: 'wait', reason: 'RestoreBlocked', message: `cannot restore backup ${request.backup}: every member is fenced`, requeueAfterMs: ctx.interval };
  }
  // After a failure anywhere, wait before the next attempt (a broken backup must not loop at full speed).
  const failed = wanted.filter((m) => m.rec.restoreFailedAt !== undefined);
  const last = failed.sort((a, b) => (b.rec.restoreFailedAt ?? 0) - (a.rec.restoreFailedAt ?? 0))[0];
  if (last !== undefined) {
    const failures = wanted.reduce((n, m) => n + (m.rec.restoreFailures ?? 0), 0);
    const retryAt = (last.rec.restoreFailedAt ?? now) + restoreBackoffMs(failures);
    if (retryAt > now) {
      return {
        type: 'wait',
        reason: 'RestoreFailed',
        message:
          `restoring backup ${request.backup} into ${last.name} failed${last.rec.lastError ? ` (${last.rec.lastError})` : ''}; ` +
          `nothing is seeded from it. Retrying into ${chosen.name} in ${Math.ceil((retryAt - now) / 1000)}s`,
        requeueAfterMs: retryAt - now,
      };
    }
  }
  return {
    type: 'change',
    change: { kind: 'restore', member: chosen.name, backup: request.backup },
    reason: 'Restoring',
    message: `restoring backup ${request.backup} into ${chosen.name} (every member is empty)`,
  };
}

/** status.restore for this observation and step, while a restore applies. */
export function restoreProgress(ctx: Context, step: Step | undefined): RestoreProgress | undefined {
  const request = activeRestore(ctx);
  if (request === undefined) return undefined;
  if (request.via === 'policy' && (step === undefined || !['Restoring', 'RestoreFailed', 'RestoreBlocked', 'RestoreUnreadable'].includes(step.reason) && !(step.type === 'change' && step.change.kind === 'seed' && step.change.restoredFrom !== undefined))) {
    return undefined;
  }
  const base = { backup: request.backup, via: request.via };
  if (step === undefined) return { ...base, phase: 'Waiting', message: 'waiting for the bootstrap' };
  const restored = ctx.wanted.find((m) => m.rec.restoredFrom === request.backup);
  if (step.type === 'change' && step.change.kind === 'restore') return { ...base, phase: 'Restoring', member: step.change.member, message: step.message };
  if (restored !== undefined) return { ...base, phase: 'Restored', member: restored.name, message: step.message };
  if (step.reason === 'RestoreFailed') return { ...base, phase: 'Failed', message: step.message };
  return { ...base, phase: 'Waiting', message: step.message };
}
