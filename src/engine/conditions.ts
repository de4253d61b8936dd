// The texts and conditions: how a decision is described in status, apart from the rules that make it.
import { SEED_OVERRIDE_ANNOTATION } from './annotations.ts';
import { isHealthy, isRunningPrimary, needsReplacement, primaryTarget, type Context, type Member, type Scaling, type Step } from './context.ts';
import type { ConditionReason } from './reasons.ts';
import type { ClusterPolicy, Condition, Phase } from './types.ts';

// ---------------------------------------------------------------------------------------------------
// Message helpers, shared with the rules

export function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

export function nameList(names: string[], max = 8): string {
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

export function memberState(m: Member, policy: ClusterPolicy): string {
  if (!m.running) return `${m.name} (pod ${m.pod.phase})`;
  if (m.fenced) return `${m.name} (fenced${m.rec.stopFailed ? ', stop failed' : ''})`;
  switch (m.rec.role) {
    case 'unknown':
      return `${m.name} (not probed yet)`;
    case 'stopped':
      // Stopped because it failed: the failure is still the news, until the member runs healthy again.
      if (m.rec.failures > 0) return `${m.name} (stopped after ${plural(m.rec.failures, 'failure', 'failures')}${m.rec.lastError === undefined ? '' : `: ${m.rec.lastError}`})`;
      return `${m.name} (stopped)`;
    case 'failed': {
      const parts = [plural(m.rec.failures, 'failure', 'failures')];
      if (m.rec.stopFailed) parts.push('stop failed');
      else if (m.rec.failures >= policy.failureThreshold) parts.push('to be replaced');
      const error = m.rec.lastError === undefined ? '' : `: ${m.rec.lastError}`;
      return `${m.name} (failed, ${parts.join(', ')}${error})`;
    }
    default:
      return `${m.name} (${m.rec.role}${m.rec.degraded === true ? `, degraded: status ${m.rec.lastStatus}` : ''})`;
  }
}

export function overrideHint(name: string): string {
  return `set the annotation ${SEED_OVERRIDE_ANNOTATION}=${name} on the ReplicatedStatefulSet`;
}

// ---------------------------------------------------------------------------------------------------
// Conditions and phase

export function countsMessage(ctx: Context): string {
  const running = ctx.wanted.filter(isHealthy);
  const p = running.filter((m) => m.rec.role === 'primary').length;
  const s = running.length - p;
  const leaving = ctx.members.filter((m) => !m.wanted && isHealthy(m)).map((m) => `${m.name} (${m.rec.role})`);
  const extra = leaving.length > 0 ? `; being removed, still running: ${nameList(leaving)}` : '';
  return `${running.length} of ${ctx.replicas} members running: ${plural(p, 'primary', 'primaries')}, ${plural(s, 'secondary', 'secondaries')}${extra}`;
}

export function withNotes(message: string, notes: string[]): string {
  return oneLine(notes.length === 0 ? message : `${message}; ${notes.join('; ')}`);
}

export function buildConditions(
  ctx: Context,
  step: Step | undefined,
  scaling: Scaling,
  paused: boolean,
): Condition[] {
  const { policy, replicas, observation } = ctx;
  const primaries = ctx.members.filter(isRunningPrimary);
  const hasPrimary = primaries.length > 0;
  const notes = ctx.notes;

  // Why there is no primary (Available=False, Bootstrapped=False).
  let noPrimary: { reason: ConditionReason; message: string };
  if (replicas === 0) {
    noPrimary = { reason: 'Stopped', message: 'replicas is 0: the cluster is stopped' };
  } else if (paused) {
    noPrimary = { reason: 'Paused', message: 'no primary is running, and the cluster is paused' };
  } else if (step === undefined) {
    noPrimary = { reason: 'NoPrimary', message: 'no primary is running' };
  } else if (step.type === 'wait' || step.reason === 'Seeding' || step.reason === 'ReadingSequences' || step.reason === 'Restoring') {
    noPrimary = { reason: step.reason, message: step.message };
  } else {
    noPrimary = { reason: 'NoPrimary', message: `no primary is running; ${step.message}` };
  }

  const available: Condition = hasPrimary
    ? { type: 'Available', status: 'True', reason: 'PrimaryRunning', message: countsMessage(ctx) }
    : { type: 'Available', status: 'False', reason: noPrimary.reason, message: withNotes(noPrimary.message, notes) };

  const bootstrapped: Condition = hasPrimary
    ? {
        type: 'Bootstrapped',
        status: 'True',
        reason: 'PrimaryRunning',
        message: oneLine(
          `running ${plural(primaries.length, 'primary', 'primaries')}: ${nameList(primaries.map((m) => m.name))}` +
            (policy.seedOverride ? `; the ${SEED_OVERRIDE_ANNOTATION} annotation is not needed any more and can be removed` : ''),
        ),
      }
    : { type: 'Bootstrapped', status: 'False', reason: noPrimary.reason, message: withNotes(noPrimary.message, notes) };

  let progressing: Condition;
  const scalingReason = scaling.size > observation.statefulSetReplicas || replicas > observation.statefulSetReplicas ? 'ScalingUp' : 'ScalingDown';
  const scalingPending = scaling.shrinkHeld || scaling.size !== observation.statefulSetReplicas;
  const scalingMessage = scaling.shrinkHeld
    ? `scaling down to ${replicas}: the StatefulSet keeps ${observation.statefulSetReplicas} pods until the removed members are stopped`
    : `scaling the StatefulSet from ${observation.statefulSetReplicas} to ${scaling.size} pods`;
  if (paused) {
    progressing = { type: 'Progressing', status: 'False', reason: 'Paused', message: `${policy.pausedBy ?? 'spec.paused is true'}: no action is taken` };
  } else if (step !== undefined && (step.type === 'change' || (step.type === 'reads' && step.reason !== 'PeriodicProbe'))) {
    progressing = { type: 'Progressing', status: 'True', reason: step.reason, message: withNotes(step.message, notes) };
  } else if (scalingPending) {
    progressing = { type: 'Progressing', status: 'True', reason: scalingReason, message: withNotes(scalingMessage, notes) };
  } else if (step !== undefined && step.type === 'wait') {
    progressing = { type: 'Progressing', status: 'False', reason: step.reason, message: withNotes(step.message, notes) };
  } else {
    progressing = {
      type: 'Progressing',
      status: 'False',
      reason: 'Stable',
      message: withNotes(
        step !== undefined ? `nothing to change; ${step.message} (periodic probe)` : 'nothing to change',
        notes,
      ),
    };
  }

  const unhealthy = ctx.wanted.filter((m) => !isHealthy(m));
  const missing = ctx.unlisted.map((o) => `ordinal ${o} (not observed)`);
  // Running but degraded (status 190 / 191): reported, not acted on.
  const limping = ctx.wanted.filter((m) => isHealthy(m) && m.rec.degraded === true);
  const degraded: Condition =
    unhealthy.length + missing.length === 0 && limping.length > 0
      ? {
          type: 'Degraded',
          status: 'True',
          reason: 'MembersDegraded',
          message: oneLine(`${plural(limping.length, 'member runs', 'members run')} degraded (left running): ${nameList(limping.map((m) => memberState(m, policy)), 5)}`),
        }
      : unhealthy.length + missing.length > 0
      ? {
          type: 'Degraded',
          status: 'True',
          reason: unhealthy.some((m) => m.rec.role === 'failed' || (m.rec.role === 'stopped' && m.rec.failures > 0)) ? 'MembersFailed' : 'MembersNotRunning',
          message: oneLine(
            `${unhealthy.length + missing.length} of ${replicas} members not running: ${nameList([...unhealthy.map((m) => memberState(m, policy)), ...missing], 5)}`,
          ),
        }
      : replicas === 0
        ? { type: 'Degraded', status: 'False', reason: 'Stopped', message: 'replicas is 0: no member is wanted' }
        : { type: 'Degraded', status: 'False', reason: 'AllMembersRunning', message: `all ${replicas} members are running` };

  const pausedBy = policy.pausedBy ?? 'spec.paused is true';
  const pausedCondition: Condition = paused
    ? { type: 'Paused', status: 'True', reason: 'Paused', message: `${pausedBy}: no command is run and no member is started, stopped or replaced` }
    : { type: 'Paused', status: 'False', reason: 'NotPaused', message: 'the operator manages the application' };

  return [available, progressing, degraded, bootstrapped, updatedCondition(ctx, step), pausedCondition];
}

/** Updated: whether every member runs the current pod template, and how the rolling update is going. */
export function updatedCondition(ctx: Context, step: Step | undefined): Condition {
  const rollout = ctx.rollout;
  if (rollout === undefined) {
    return {
      type: 'Updated',
      status: 'Unknown',
      reason: 'RevisionUnknown',
      message: 'waiting for the StatefulSet controller to report the current pod template revision',
    };
  }
  const counts = `${rollout.updated} of ${rollout.total} members run revision ${rollout.revision}`;
  const skipped = rollout.skipped.length > 0 ? `; fenced, left on their revision: ${nameList(rollout.skipped)}` : '';
  if (rollout.state === 'Complete') {
    return { type: 'Updated', status: 'True', reason: 'UpToDate', message: oneLine(`${counts}${skipped}`) };
  }
  if (rollout.halted !== undefined) {
    const h = rollout.halted;
    return {
      type: 'Updated',
      status: 'False',
      reason: 'RolloutHalted',
      message: oneLine(
        `rolling update halted: ${h.member} failed on revision ${h.revision} (${h.reason}); ${counts}${skipped}; ` +
          `it resumes when ${h.member} runs healthy again or the pod template is changed`,
      ),
    };
  }
  const doing = step !== undefined && (step.reason === 'RollingUpdate' || step.type === 'change') ? `; ${step.message}` : '';
  return { type: 'Updated', status: 'False', reason: 'RollingUpdate', message: oneLine(`${counts}${skipped}${doing}`) };
}

/**
 * Phase, as shown by `kubectl get rss`:
 * - Paused: spec.paused.
 * - Stopped: replicas is 0 and no member runs the application any more (Recovering while they stop).
 * - Creating: no primary runs and no sequence was ever recorded (a new cluster coming up).
 * - Bootstrapping: no primary runs (waiting for members, reading sequences, refused, seeding).
 * - Degraded: a primary runs, and a wanted member failed since it last ran healthy (failures > 0), or is
 *   fenced.
 * - Updating: a primary runs and a rolling update is under way (or halted).
 * - Running: every wanted member runs healthy, with the wanted number of primaries, nothing to change,
 *   no removed member left running, and the StatefulSet at its size.
 * - Recovering: a primary runs and the cluster is converging (joins, replacements, resizing).
 */
export function phaseOf(ctx: Context, step: Step | undefined, scaling: Scaling): Phase {
  const { replicas, policy } = ctx;
  const stillRunning = ctx.members.filter((m) => m.running && m.rec.role !== 'stopped' && !needsReplacement(m, policy));
  if (replicas === 0) return stillRunning.length === 0 ? 'Stopped' : 'Recovering';
  const hasPrimary = ctx.members.some(isRunningPrimary);
  if (!hasPrimary) return ctx.highestSequence === undefined ? 'Creating' : 'Bootstrapping';
  if (ctx.wanted.some((m) => (m.rec.failures > 0 && !isHealthy(m)) || m.fenced)) return 'Degraded';
  if (ctx.rollout !== undefined && ctx.rollout.state !== 'Complete') return 'Updating';
  const target = primaryTarget(policy, replicas);
  const allHealthy = ctx.unlisted.length === 0 && ctx.wanted.every(isHealthy);
  const primaryCount = ctx.wanted.filter(isRunningPrimary).length;
  const rightPrimaries = policy.hasSecondaryCommand ? primaryCount === target : true;
  const removedRunning = stillRunning.some((m) => !m.wanted);
  const settled =
    step === undefined || step.type === 'wait' || (step.type === 'reads' && step.reason === 'PeriodicProbe');
  const scaled = !scaling.shrinkHeld && scaling.size === ctx.observation.statefulSetReplicas;
  return allHealthy && rightPrimaries && !removedRunning && settled && scaled ? 'Running' : 'Recovering';
}
