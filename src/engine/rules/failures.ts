// Rule 3: a failed wanted member is stopped, or its pod replaced when stopping it cannot help.
import { oneLine, plural } from '../conditions.ts';
import { needsReplacement, type Context, type Step } from '../context.ts';

export function failures(ctx: Context): Step | undefined {
  const { policy } = ctx;
  const failed = ctx.wanted.find((m) => m.running && !m.fenced && m.rec.role === 'failed');
  if (failed === undefined) return undefined;
  const why = failed.rec.lastError ?? 'status reported a failure';
  if (needsReplacement(failed, policy)) {
    const reason = failed.rec.stopFailed
      ? `stop failed (${why}); replacing the pod`
      : `failed ${plural(failed.rec.failures, 'time', 'times')} in a row (threshold ${policy.failureThreshold}; last: ${why}); replacing the pod`;
    return {
      type: 'change',
      change: { kind: 'deletePod', member: failed.name, reason: oneLine(reason), cause: 'failure' },
      reason: 'ReplacingPod',
      message: oneLine(`deleting pod ${failed.name}: ${reason}`),
    };
  }
  const reason = `failed (${why}); stopping it before it rejoins`;
  return {
    type: 'change',
    change: { kind: 'stop', member: failed.name, reason: oneLine(reason), cause: 'failure' },
    reason: 'StoppingFailedMember',
    message: oneLine(`stopping ${failed.name}: ${reason}`),
  };
}
