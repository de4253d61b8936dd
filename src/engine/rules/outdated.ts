// Rule 6: the rolling update's replacement step (rule 8 stops the member, this replaces its pod).
import { isRunningPrimary, type Context, type Step } from '../context.ts';

/** Rule 6: a stopped member on an old template revision gets a new pod rather than a restart in the old one. */
export function replaceOutdated(ctx: Context): Step | undefined {
  const rollout = ctx.rollout;
  if (rollout === undefined) return undefined;
  // The primary a switchover stopped stays until the new primary is seeded: its sequence is compared with
  // the target's, and it is seeded again if the target is behind.
  const handingOver = ctx.members.some(isRunningPrimary) ? undefined : ctx.observation.switchover?.from;
  const member = ctx.wanted.find((m) => m.running && m.outdated && !m.fenced && m.rec.role === 'stopped' && m.name !== handingOver);
  if (member === undefined) return undefined;
  const reason = `rolling update: its pod runs revision ${member.pod.revision ?? 'unknown'}, not ${rollout.revision}; the new pod rejoins`;
  return {
    type: 'change',
    change: { kind: 'deletePod', member: member.name, reason, cause: 'rollout' },
    reason: 'RollingUpdate',
    message: `replacing the pod of ${member.name} (${rollout.updated} of ${rollout.total} members updated): ${reason}`,
  };
}
