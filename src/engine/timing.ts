// Requeue timing: when to decide again if nothing is reported meanwhile.
import type { Context } from './context.ts';

/** Shortest requeue; also the requeue after reads or a change (the executor normally decides again at once). */
export const MIN_REQUEUE_MS = 1000;
/** Requeue while waiting for something the watch may not report (pods, retries). */
export const WAIT_REQUEUE_MS = 10_000;

/** Until the next status probe or high-water-mark read falls due, clamped to [MIN_REQUEUE_MS, interval]. */
export function nextProbeMs(ctx: Context): number {
  let next = ctx.interval;
  for (const m of ctx.members) {
    if (!m.running || m.rec.lastStatusAt === undefined || m.fenced) continue;
    next = Math.min(next, m.rec.lastStatusAt + ctx.interval - ctx.now);
  }
  const markAt = ctx.observation.runningSequenceAt;
  if (ctx.policy.sequenceIntervalMs > 0 && markAt !== undefined) next = Math.min(next, markAt + ctx.policy.sequenceIntervalMs - ctx.now);
  return clampRequeue(next, ctx.interval);
}

export function clampRequeue(ms: number, interval: number): number {
  const upper = Math.max(MIN_REQUEUE_MS, interval);
  if (!Number.isFinite(ms)) return upper;
  return Math.min(upper, Math.max(MIN_REQUEUE_MS, Math.ceil(ms)));
}
