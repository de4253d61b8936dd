// Planned switchover: the primary role handed to a named secondary (asked for with the switchover
// annotation), or to an updated secondary before a rolling update replaces the primary.
//
// The primary is stopped cleanly; with no primary running, the bootstrap reads every member's sequence and
// seeds the most advanced one, preferring the target among those tied. A target that has caught up with the
// stopped primary is promoted where it runs; one that is behind is not (the old primary, more advanced, is
// seeded again and the switchover is abandoned, and the seed's message says why). The other secondaries,
// and the old primary, then follow the new primary.
import { SWITCHOVER_ANNOTATION } from '../annotations.ts';
import { memberState, nameList } from '../conditions.ts';
import { isHealthy, isRunningPrimary, primaryTarget, type Context, type Member, type Step } from '../context.ts';
import type { SwitchoverUnderWay } from '../types.ts';

/** Whether the primary role can move at all: one primary, secondaries, a `secondary` command. */
export function switchoverPossible(ctx: Context): boolean {
  return ctx.policy.hasSecondaryCommand && primaryTarget(ctx.policy, ctx.replicas) === 1 && ctx.replicas > 1;
}

/** The stop that starts a switchover from the running primary to `target`. */
export function switchoverStop(ctx: Context, primary: Member, target: Member, via: SwitchoverUnderWay['via'], why: string): Step {
  const switchover: SwitchoverUnderWay = { target: target.name, from: primary.name, via };
  const reason = `${why}: stopping the primary cleanly, then ${target.name} is promoted once its sequence has reached ${primary.name}'s`;
  return {
    type: 'change',
    change: { kind: 'stop', member: primary.name, reason, cause: 'switchover', switchover },
    reason: 'SwitchingOver',
    message: `stopping ${primary.name}: ${reason}`,
  };
}

/** The switchover request: the step, or why it is dropped. Asked only while a primary runs. */
export function switchoverRequest(ctx: Context): Step | { dropped: string } | undefined {
  const name = ctx.policy.switchover;
  if (name === undefined || name === '') return undefined;
  const target = ctx.members.find((m) => m.name === name);
  if (target === undefined || !target.wanted) return { dropped: `${name} is not a member of this cluster` };
  if (target.fenced) return { dropped: `${name} is fenced: unfence it first` };
  if (!switchoverPossible(ctx)) {
    return { dropped: 'a switchover needs primaries: 1, more than one replica and a secondary command' };
  }
  const primaries = ctx.wanted.filter(isRunningPrimary);
  if (primaries.length === 1 && primaries[0]?.name === name) return { dropped: `${name} is already the primary` };
  const primary = primaries[0];
  if (primary === undefined) return undefined; // the bootstrap comes first
  const down = ctx.wanted.filter((m) => !m.fenced && !isHealthy(m));
  if (down.length > 0 || target.rec.role !== 'secondary') {
    return {
      type: 'wait',
      reason: 'SwitchoverWaiting',
      message: `switchover to ${name} (${SWITCHOVER_ANNOTATION}): waiting for ${nameList((down.length > 0 ? down : [target]).map((m) => memberState(m, ctx.policy)))} to run healthy`,
    };
  }
  return switchoverStop(ctx, primary, target, 'annotation', `switchover to ${name} requested by the ${SWITCHOVER_ANNOTATION} annotation`);
}
