// The decision engine: from what the operator knows about a cluster (policy + observation), what to do
// now. Pure and deterministic: time comes from observation.now, nothing is read or written.
//
// One call answers with either probes to run (reads: status or sequence, in parallel), or at most one
// change (seed, join, stop, deletePod), or nothing (waiting or stable). The executor runs the reads or
// the change, folds the outcomes into the records (outcomes.ts), and calls decide again.
//
// Order of the rules, first match wins:
//   0. paused: nothing.
//   1. status probes: every Running member whose role is unknown or whose last status is too old
//      (a fenced member only until its role is known).
//   2. fencing: a fenced member that runs the application is stopped, once; then it is left alone.
//   3. failures: a failed member (ordinal < replicas) is stopped, or its pod deleted when its stop failed
//      or it failed failureThreshold times in a row.
//   4. scale down: removed members (ordinal >= replicas) still running are stopped, highest ordinal
//      first; the last running primary is kept until another primary runs (unless replicas is 0); then
//      the sequence of each stopped removed member is read (so the high-water mark remembers it).
//   5. restart request: the named member, running healthy, is stopped (it rejoins by rule 7).
//   6. outdated and stopped: a stopped member whose pod runs an old template revision is replaced (its pod
//      deleted; the StatefulSet recreates it from the current template) instead of being started again.
//   7. no running primary: bootstrap (seed override, wait for pods, stop secondaries, read sequences,
//      restore a backup when one is asked for and every member is empty (rules/restore.ts), refuse below the
//      high-water mark, seed the best candidate).
//      With running secondaries and no restore asked for, they keep running: their sequences are read where
//      they run, and the most advanced member is seeded in place (preferring, among those tied, the
//      switchover's target, then a member that runs).
//      A primary runs: re-point secondaries whose primary is gone (`secondary`, no stop), join stopped
//      members one at a time (lowest ordinal first), promote a secondary when primaries are missing and
//      nobody else can join, demote the highest primary when too many.
//   8. switchover request: with every member healthy, the primary is stopped cleanly; rule 7 then seeds
//      the target if it has caught up (rules/switchover.ts).
//   9. rolling update: with every other member healthy, stop the next outdated member (secondaries
//      first, primaries last, highest ordinal first; a lone primary hands its role to an updated
//      secondary first, by a switchover); rule 6 replaces it and rule 7 rejoins it. A member failing on
//      the new revision halts the rollout until it runs healthy or the template changes.

import { buildConditions, phaseOf } from './conditions.ts';
import { buildContext, isRunningPrimary, needsReplacement, type Context, type Scaling, type Step } from './context.ts';
import { bootstrap } from './rules/bootstrap.ts';
import { failures } from './rules/failures.ts';
import { fencing } from './rules/fencing.ts';
import { joinAndBalance } from './rules/join.ts';
import { replaceOutdated } from './rules/outdated.ts';
import { statusProbes } from './rules/probes.ts';
import { restartRequest } from './rules/restart.ts';
import { restoreProgress } from './rules/restore.ts';
import { rollingUpdate, rolloutProgress } from './rules/rollout.ts';
import { scaleDown } from './rules/scale-down.ts';
import { switchoverRequest } from './rules/switchover.ts';
import { isKnown } from './sequence.ts';
import { clampRequeue, MIN_REQUEUE_MS, nextProbeMs } from './timing.ts';
import type { ClusterPolicy, Observation, Plan } from './types.ts';

type Rule = (ctx: Context) => Step | undefined;

/**
 * Rules 1 to 8 in order; the first that answers decides. Each rule is only asked once those before it
 * have nothing to do (some leave notes for the messages, the restore rule updates records).
 */
function firstStep(ctx: Context, restart: Step | undefined, switchover: Step | undefined): Step | undefined {
  const rules: Rule[] = [statusProbes, fencing, failures, scaleDown, () => restart];
  if (ctx.replicas > 0) {
    rules.push(replaceOutdated);
    if (ctx.members.some(isRunningPrimary)) rules.push(joinAndBalance, () => switchover, rollingUpdate);
    else rules.push(bootstrap);
  }
  for (const rule of rules) {
    const step = rule(ctx);
    if (step !== undefined) return step;
  }
  return undefined;
}

/**
 * Scale up at once. Scale down only once every removed member (ordinal >= replicas) is stopped with its
 * sequence read, or has no Running pod, or is a failed member that can only be replaced (abandoned).
 */
function statefulSetSize(ctx: Context): Scaling {
  const { replicas, observation, policy } = ctx;
  const current = observation.statefulSetReplicas;
  if (replicas >= current) return { size: replicas, shrinkHeld: false };
  const done = ctx.members
    .filter((m) => !m.wanted)
    .every(
      (m) =>
        // A removed member goes only once its sequence is known (an unknown one may be the newest data): the
        // StatefulSet keeps its pod — recreating it if it is gone — until it is read. A person can let a
        // member that never runs go by fencing it.
        // A pod beyond the StatefulSet's current size that is not running is gone for good.
        (!m.running && (m.fenced || m.ordinal >= current)) || (isKnown(m.rec.sequence) && (!m.running || m.rec.role === 'stopped')),
    );
  return done ? { size: replicas, shrinkHeld: false } : { size: current, shrinkHeld: true };
}

/** What to do now for this cluster. Pure and deterministic. */
export function decide(policy: ClusterPolicy, observation: Observation): Plan {
  const ctx = buildContext(policy, observation);
  ctx.rollout = rolloutProgress(ctx);
  const { replicas, interval, members } = ctx;
  const records = members.map((m) => m.rec);

  if (policy.paused) {
    const size = observation.statefulSetReplicas > 0 ? observation.statefulSetReplicas : replicas;
    const scaling = { size, shrinkHeld: false };
    const plan: Plan = {
      reads: [],
      statefulSetReplicas: size,
      phase: 'Paused',
      conditions: buildConditions(ctx, undefined, scaling, true),
      records,
      requeueAfterMs: clampRequeue(interval, interval),
    };
    if (ctx.highestSequence !== undefined) plan.highestSequence = ctx.highestSequence;
    if (ctx.rollout !== undefined) plan.rollout = ctx.rollout;
    return plan;
  }

  // A restart request that cannot be carried out is dropped whatever else happens now.
  const restart = restartRequest(ctx);
  const restartDropped = restart !== undefined && 'dropped' in restart ? restart.dropped : undefined;
  const switchover = ctx.members.some(isRunningPrimary) ? switchoverRequest(ctx) : undefined;
  const switchoverDropped = switchover !== undefined && 'dropped' in switchover ? switchover.dropped : undefined;
  const step = firstStep(
    ctx,
    restart !== undefined && !('dropped' in restart) ? restart : undefined,
    switchover !== undefined && !('dropped' in switchover) ? switchover : undefined,
  );

  const scaling = statefulSetSize(ctx);
  const plan: Plan = {
    reads: step?.type === 'reads' ? step.reads : [],
    statefulSetReplicas: scaling.size,
    phase: phaseOf(ctx, step, scaling),
    conditions: buildConditions(ctx, step, scaling, false),
    records,
    requeueAfterMs: nextProbeMs(ctx),
  };
  if (step?.type === 'change') plan.change = step.change;
  if (ctx.highestSequence !== undefined) plan.highestSequence = ctx.highestSequence;
  if (ctx.rollout !== undefined) plan.rollout = ctx.rollout;
  if (restartDropped !== undefined) plan.restartDropped = restartDropped;
  if (switchoverDropped !== undefined) plan.switchoverDropped = switchoverDropped;
  const restoring = restoreProgress(ctx, step);
  if (restoring !== undefined) plan.restore = restoring;
  if (policy.restore?.via === 'annotation' && members.some(isRunningPrimary)) {
    plan.restoreDropped = 'a primary is running: a backup is only restored into a cluster with no primary and empty members';
  }
  if (step?.type === 'reads' || step?.type === 'change') {
    plan.requeueAfterMs = MIN_REQUEUE_MS;
  } else if (step?.type === 'wait') {
    plan.requeueAfterMs = Math.min(plan.requeueAfterMs, clampRequeue(step.requeueAfterMs ?? plan.requeueAfterMs, interval));
  }
  return plan;
}
