// Rule 8: the rolling update, and where it stands (computed once per decision, shown in status).
import { memberState, nameList, oneLine } from '../conditions.ts';
import { isHealthy, type Context, type Member, type Step } from '../context.ts';
import type { RolloutHalt, RolloutProgress } from '../types.ts';
import { switchoverPossible, switchoverStop } from './switchover.ts';

/**
 * Where the rolling update stands: which members are outdated, and whether a member failing on the new
 * revision halts it. A halt is kept (it is recorded in status) while the update revision is the one the
 * member failed on and the member has not run healthy since (status passed, no failure counted).
 */
export function rolloutProgress(ctx: Context): RolloutProgress | undefined {
  const revision = ctx.observation.updateRevision;
  if (revision === undefined || revision === '') return undefined;
  const outdated = ctx.wanted.filter((m) => m.outdated);
  const active = outdated.filter((m) => !m.fenced);
  // A rollout under way is complete only once every member runs the revision and runs healthy: the last
  // replaced member counts until it has rejoined (its pod may not even exist yet).
  const finishing =
    ctx.observation.rolloutUnderWay === revision &&
    ctx.wanted.some((m) => !m.fenced && (m.pod.revision !== revision || !isHealthy(m)));
  const progress: RolloutProgress = {
    revision,
    updated: ctx.wanted.filter((m) => m.pod.revision === revision).length,
    total: ctx.wanted.length,
    state: active.length === 0 && !finishing ? 'Complete' : 'RollingUpdate',
    skipped: outdated.filter((m) => m.fenced).map((m) => m.name),
  };
  if (progress.state === 'Complete') return progress;

  const recovered = (m: Member) => isHealthy(m) && m.rec.failures === 0 && m.rec.lastStatusAt !== undefined;
  let halt: RolloutHalt | undefined;
  const recorded = ctx.observation.rolloutHalt;
  if (recorded !== undefined && recorded.revision === revision) {
    const member = ctx.wanted.find((m) => m.name === recorded.member);
    if (member !== undefined && !recovered(member)) halt = recorded;
  }
  if (halt === undefined) {
    const failing = ctx.wanted.find(
      (m) => !m.fenced && m.pod.revision === revision && (m.rec.role === 'failed' || (m.rec.failures > 0 && !isHealthy(m))),
    );
    if (failing !== undefined) {
      halt = {
        member: failing.name,
        revision,
        reason: failing.rec.lastError ?? `${failing.name} failed on revision ${revision}`,
        at: ctx.now,
      };
    }
  }
  if (halt !== undefined) {
    progress.state = 'Halted';
    progress.halted = halt;
  }
  return progress;
}

/** Rule 8: with every other member healthy, stop the next outdated member (rule 6 then replaces its pod). */
export function rollingUpdate(ctx: Context): Step | undefined {
  const rollout = ctx.rollout;
  if (rollout === undefined || rollout.state === 'Complete') return undefined;
  const counts = `${rollout.updated} of ${rollout.total} members run revision ${rollout.revision}`;
  if (rollout.halted !== undefined) {
    const h = rollout.halted;
    return {
      type: 'wait',
      reason: 'RolloutHalted',
      message: oneLine(
        `rolling update halted: ${h.member} failed on revision ${h.revision} (${h.reason}); ${counts}. ` +
          `It resumes when ${h.member} runs healthy again, or when the pod template is changed (fix it to resume)`,
      ),
    };
  }
  const others = ctx.wanted.filter((m) => !m.fenced);
  const down = others.filter((m) => !isHealthy(m));
  if (down.length > 0 || ctx.unlisted.length > 0) {
    return {
      type: 'wait',
      reason: 'RollingUpdate',
      message: `rolling update: ${counts}; waiting for ${nameList(down.map((m) => memberState(m, ctx.policy)))} before replacing the next member`,
    };
  }
  const outdated = others.filter((m) => m.outdated);
  const byOrdinalDesc = (a: Member, b: Member) => b.ordinal - a.ordinal;
  const next =
    outdated.filter((m) => m.rec.role === 'secondary').sort(byOrdinalDesc)[0] ??
    outdated.filter((m) => m.rec.role === 'primary').sort(byOrdinalDesc)[0];
  if (next === undefined) return undefined;
  if (next.rec.role === 'primary' && switchoverPossible(ctx)) {
    // The primary role moves to an updated secondary first: the primary's replacement is then a
    // secondary's, and writes stop only for the switchover.
    const heir = others.filter((m) => !m.outdated && m.rec.role === 'secondary').sort((a, b) => a.ordinal - b.ordinal)[0];
    if (heir !== undefined) return switchoverStop(ctx, next, heir, 'rollout', `rolling update to revision ${rollout.revision} (${counts}): the primary role moves to ${heir.name}, which runs it`);
  }
  const reason = `rolling update to revision ${rollout.revision} (${counts}): stopping it so that its pod is replaced`;
  return {
    type: 'change',
    change: { kind: 'stop', member: next.name, reason, cause: 'rollout' },
    reason: 'RollingUpdate',
    message: `stopping ${next.name}: ${reason}`,
  };
}
