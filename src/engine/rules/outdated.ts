// Rule 6: the rolling update's replacement step (rule 8 stops the member, this replaces its pod).
import type { Context, Step } from '../context.ts';

/** Rule 6: a stopped member on an old template revision gets a new pod rather than a restart in the old one. */
export function replaceOutdated(ctx: Context): Step | undefined {
  const rollout = ctx.rollout;
  if (rollout === undefined) return undefined;
  const member = ctx.wanted.find((m) => m.running && m.outdated && !m.fenced && m.rec.role === 'stopped');
  if (member === undefined) return undefined;
  const reason = `rolling update: its pod runs revision ${member.pod.revision ?? 'unknown'}, not ${rollout.revision}; the new pod rejoins`;
  return {
    type: 'change',
    change: { kind: 'deletePod', member: member.name, reason, cause: 'rollout' },
    reason: 'RollingUpdate',
    message: `replacing the pod of ${member.name} (${rollout.updated} of ${rollout.total} members updated): ${reason}`,
  };
}
