// Rule 1: status probes, and the periodic read of a running primary's sequence for the high-water mark.
import { nameList } from '../conditions.ts';
import { isRunningPrimary, type Context, type Step } from '../context.ts';
import type { ReadAction } from '../types.ts';

export function statusProbes(ctx: Context): Step | undefined {
  const due = ctx.members.filter(
    (m) =>
      m.running &&
      (m.fenced
        ? // Fenced: probed only to learn whether the fencing stop is needed — when its role is unknown, or
          // once per operator process (lastStatusAt is not persisted) while no fencing stop is recorded:
          // the recorded role may predate a start whose status write was lost.
          m.rec.role === 'unknown' || (!m.rec.fenceStopped && m.rec.lastStatusAt === undefined)
        : m.rec.role === 'unknown' || m.rec.lastStatusAt === undefined || ctx.now - m.rec.lastStatusAt >= ctx.interval),
  );
  const markRead = runningSequenceRead(ctx);
  if (due.length === 0 && markRead === undefined) return undefined;
  const urgent = due.some((m) => m.rec.role === 'unknown' || m.rec.lastStatusAt === undefined);
  const reads: ReadAction[] = due.map((m) => ({ kind: 'status', member: m.name }));
  if (markRead !== undefined) reads.push(markRead);
  const what = [
    ...(due.length > 0 ? [`running status on ${nameList(due.map((m) => m.name))}`] : []),
    ...(markRead !== undefined ? [`reading the sequence of ${markRead.member} for the high-water mark`] : []),
  ];
  return { type: 'reads', reads, reason: urgent ? 'Probing' : 'PeriodicProbe', message: what.join('; ') };
}

/**
 * The high-water mark follows the running cluster: every sequenceInterval the sequence of one running
 * primary (the lowest ordinal whose status passed) is read, so that a lights-out followed by lost volumes
 * is refused even when no member was stopped cleanly in between.
 */
export function runningSequenceRead(ctx: Context): ReadAction | undefined {
  const every = ctx.policy.sequenceIntervalMs;
  if (!(every > 0)) return undefined;
  const last = ctx.observation.runningSequenceAt;
  if (last !== undefined && ctx.now - last < every) return undefined;
  const primary = ctx.members.find((m) => isRunningPrimary(m) && !m.fenced && m.rec.lastStatusAt !== undefined);
  return primary === undefined ? undefined : { kind: 'runningSequence', member: primary.name };
}
