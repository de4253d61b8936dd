// Rule 4: removed members (ordinal >= replicas) are stopped, and their sequences read before they go.
import { nameList, plural } from '../conditions.ts';
import { isRunningPrimary, needsReplacement, type Context, type Step } from '../context.ts';

export function scaleDown(ctx: Context): Step | undefined {
  const { policy, replicas } = ctx;
  const removed = ctx.members.filter((m) => !m.wanted);
  if (removed.length === 0) return undefined;
  const runningPrimaries = ctx.members.filter(isRunningPrimary).length;
  const toStop = removed
    .filter((m) => m.running && !m.fenced && m.rec.role !== 'stopped' && !needsReplacement(m, policy))
    .sort((a, b) => b.ordinal - a.ordinal);
  for (const m of toStop) {
    if (replicas > 0 && m.rec.role === 'primary' && runningPrimaries === 1) {
      ctx.notes.push(`${m.name} is the last running primary: it is stopped once another member runs as primary`);
      continue;
    }
    const reason = `scaling down to ${plural(replicas, 'replica', 'replicas')}`;
    return {
      type: 'change',
      change: { kind: 'stop', member: m.name, reason, cause: 'scaleDown' },
      reason: 'ScalingDown',
      message: `stopping ${m.name}: ${reason}`,
    };
  }
  const unread = removed.filter((m) => m.running && m.rec.role === 'stopped' && m.rec.sequence === undefined);
  if (unread.length > 0) {
    return {
      type: 'reads',
      reads: unread.map((m) => ({ kind: 'sequence', member: m.name })),
      reason: 'ScalingDown',
      message: `reading the sequence of ${nameList(unread.map((m) => m.name))} before removing them`,
    };
  }
  return undefined;
}
