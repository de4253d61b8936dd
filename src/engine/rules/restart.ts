// Rule 5: a member named by the restart annotation is stopped once, and rejoins like any stopped member.
import { RESTART_ANNOTATION } from '../annotations.ts';
import { isHealthy, type Context, type Step } from '../context.ts';

/** Rule 5: the restart request. Returns the step, or records why the request is dropped. */
export function restartRequest(ctx: Context): Step | { dropped: string } | undefined {
  const target = ctx.policy.restart;
  if (target === undefined || target === '') return undefined;
  const member = ctx.members.find((m) => m.name === target);
  if (member === undefined) return { dropped: `${target} is not a member of this cluster` };
  if (member.fenced) return { dropped: `${target} is fenced: unfence it first` };
  if (!member.running) return { dropped: `the pod of ${target} is ${member.pod.phase}: it starts afresh anyway` };
  if (member.rec.role === 'unknown') return undefined; // probed first (rule 1)
  if (!isHealthy(member)) return { dropped: `${target} is ${member.rec.role}: it is not running, so there is nothing to restart` };
  const reason = `restart requested by the ${RESTART_ANNOTATION} annotation: it rejoins once stopped`;
  return {
    type: 'change',
    change: { kind: 'stop', member: member.name, reason, cause: 'restart' },
    reason: 'Restarting',
    message: `stopping ${member.name}: ${reason}`,
  };
}
