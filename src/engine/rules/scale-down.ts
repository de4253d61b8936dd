// Rule 4: removed members (ordinal >= replicas) are stopped, and their sequences read before they go.
import { nameList, oneLine, plural } from '../conditions.ts';
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
  // One that cannot be stopped may hold the newest data all the same: its pod is replaced (the StatefulSet
  // keeps its size meanwhile), so that the new pod's sequence can be read before it goes.
  const stuck = removed.filter((m) => m.running && !m.fenced && needsReplacement(m, policy)).sort((a, b) => b.ordinal - a.ordinal)[0];
  if (stuck !== undefined) {
    const reason = `scaling down to ${plural(replicas, 'replica', 'replicas')}; ${stuck.rec.lastError ?? 'it failed'}: its pod is replaced so that its sequence can be read before it goes`;
    return {
      type: 'change',
      change: { kind: 'deletePod', member: stuck.name, reason: oneLine(reason), cause: 'scaleDown' },
      reason: 'ScalingDown',
      message: oneLine(`deleting pod ${stuck.name}: ${reason}`),
    };
  }
  const stopped = removed.filter((m) => m.running && m.rec.role === 'stopped');
  // An unknown sequence is read again every interval; until it is known, the StatefulSet keeps the member.
  const unread = stopped.filter((m) => m.rec.sequence === undefined || (m.rec.sequence === null && (m.rec.sequenceAt === undefined || ctx.now - m.rec.sequenceAt >= ctx.interval)));
  const unknown = stopped.filter((m) => m.rec.sequence === null && !unread.includes(m));
  if (unknown.length > 0) {
    ctx.notes.push(`the sequence of ${nameList(unknown.map((m) => m.name))} is unknown: the StatefulSet keeps ${unknown.length === 1 ? 'it' : 'them'} until it is read (again every ${Math.round(ctx.interval / 1000)}s), since it may hold the newest data`);
  }
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
