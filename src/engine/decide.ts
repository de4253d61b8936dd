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
//      restore a backup when one is asked for and every member is empty (restore.ts), refuse below the
//      high-water mark, seed the best candidate).
//      A primary runs: join stopped members one at a time (lowest ordinal first), promote a secondary
//      when primaries are missing and nobody else can join, demote the highest primary when too many.
//   8. rolling update: with every other member healthy, stop the next outdated member (secondaries
//      first, primaries last, highest ordinal first); rule 6 replaces it and rule 7 rejoins it. A member
//      failing on the new revision halts the rollout until it runs healthy or the template changes.

import { freshRecord } from './outcomes.ts';
import { restoreProgress, restoreStep } from './restore.ts';
import type {
  ChangeAction,
  ClusterPolicy,
  Condition,
  MemberObservation,
  MemberRecord,
  Observation,
  Phase,
  Plan,
  PodView,
  ReadAction,
  RolloutHalt,
  RolloutProgress,
} from './types.ts';

/** Annotation on the RSS naming the pod to seed, bypassing the unknown-sequence and high-water-mark checks. */
export const SEED_OVERRIDE_ANNOTATION = 'rss.clusterlabs.org/seed-override';
/** Annotation on the RSS listing fenced members (for messages; the executor reads it into policy.fenced). */
export const FENCED_ANNOTATION = 'rss.clusterlabs.org/fenced';
/** Annotation on the RSS naming a member to restart (for messages; read into policy.restart). */
export const RESTART_ANNOTATION = 'rss.clusterlabs.org/restart';
/** RSS annotation asking for a restore from a backup (a Backup name, or "latest"). */
export const RESTORE_ANNOTATION = 'rss.clusterlabs.org/restore';

/** Shortest requeue; also the requeue after reads or a change (the executor normally decides again at once). */
export const MIN_REQUEUE_MS = 1000;
/** Requeue while waiting for something the watch may not report (pods, retries). */
export const WAIT_REQUEUE_MS = 10_000;

export interface Member {
  name: string;
  ordinal: number;
  pod: PodView;
  rec: MemberRecord;
  /** The pod is Running: the only pods the engine execs into. */
  running: boolean;
  /** ordinal < replicas. */
  wanted: boolean;
  /** Named in the fenced list: stopped once, then left alone. */
  fenced: boolean;
  /** The pod runs an older template revision than the StatefulSet's update revision. */
  outdated: boolean;
}

/** What one rule decided. */
export type Step =
  | { type: 'reads'; reads: ReadAction[]; reason: string; message: string }
  | { type: 'change'; change: ChangeAction; reason: string; message: string }
  | { type: 'wait'; reason: string; message: string; requeueAfterMs?: number };

export interface Context {
  policy: ClusterPolicy;
  observation: Observation;
  now: number;
  replicas: number;
  interval: number;
  members: Member[];
  wanted: Member[];
  /** Ordinals below replicas that the observation does not list at all (caller bug; treated as absent pods). */
  unlisted: number[];
  highestSequence: number | undefined;
  /** Extra sentences for the bootstrap/progress messages (ignored override, held scale-down). */
  notes: string[];
  /** The rolling update's state for this observation (undefined while the update revision is unknown). */
  rollout: RolloutProgress | undefined;
}

// ---------------------------------------------------------------------------------------------------
// Records

/**
 * The record to use for a member in this observation. A new pod (UID differs from the record's) or a
 * missing pod gets a fresh record: role 'unknown' when the pod is Running (status is probed), 'stopped'
 * otherwise. A pod that is not Running cannot be running the application: a recorded running or unknown
 * role becomes 'stopped' (a 'failed' role is kept, so the status shows why).
 */
export function normaliseRecord(member: MemberObservation): MemberRecord {
  const { name, pod, record } = member;
  const running = pod.phase === 'Running';
  if (pod.phase === 'Missing') return freshRecord(name, 'stopped');
  if (record.podUid !== pod.uid) return freshRecord(name, running ? 'unknown' : 'stopped', pod.uid);
  const normalised: MemberRecord = { ...record, name };
  if (!running && normalised.role !== 'failed' && normalised.role !== 'stopped') normalised.role = 'stopped';
  return normalised;
}

function knownSequence(rec: MemberRecord): number | undefined {
  return typeof rec.sequence === 'number' ? rec.sequence : undefined;
}

/**
 * The high-water mark after this observation: the recorded one, raised by the sequences read from stopped
 * members. While a primary runs, only removed members count (read before they go): a joiner's sequence
 * describes data it is about to replace with the running cluster's, and must not raise the mark — after
 * a seed by override, the old history's numbers would otherwise come back and refuse every later bootstrap.
 */
function highestOf(recorded: number | undefined, members: Member[], replicas: number): number | undefined {
  let highest = recorded;
  const primaryRuns = members.some(isRunningPrimary);
  const records = members.filter((m) => !primaryRuns || m.ordinal >= replicas).map((m) => m.rec);
  for (const rec of records) {
    const seq = knownSequence(rec);
    if (seq !== undefined && (highest === undefined || seq > highest)) highest = seq;
  }
  return highest;
}

function isHealthy(m: Member): boolean {
  return m.running && (m.rec.role === 'primary' || m.rec.role === 'secondary');
}

function isRunningPrimary(m: Member): boolean {
  return m.running && m.rec.role === 'primary';
}

/** A failed member that can only be replaced (its stop failed, or it failed too often). */
function needsReplacement(m: Member, policy: ClusterPolicy): boolean {
  return m.rec.role === 'failed' && (m.rec.stopFailed === true || m.rec.failures >= policy.failureThreshold);
}

/** How many primaries should run: min(primaries, replicas), at least 1 while replicas > 0. */
function primaryTarget(policy: ClusterPolicy, replicas: number): number {
  if (replicas <= 0) return 0;
  return Math.max(1, Math.min(Math.floor(policy.primaries), replicas));
}

// ---------------------------------------------------------------------------------------------------
// Text helpers

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

function nameList(names: string[], max = 8): string {
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

function memberState(m: Member, policy: ClusterPolicy): string {
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
      return `${m.name} (${m.rec.role})`;
  }
}

function overrideHint(name: string): string {
  return `set the annotation ${SEED_OVERRIDE_ANNOTATION}=${name} on the ReplicatedStatefulSet`;
}

// ---------------------------------------------------------------------------------------------------
// Rules

function statusProbes(ctx: Context): Step | undefined {
  const due = ctx.members.filter(
    (m) =>
      m.running &&
      (m.fenced
        ? m.rec.role === 'unknown'
        : m.rec.role === 'unknown' || m.rec.lastStatusAt === undefined || ctx.now - m.rec.lastStatusAt >= ctx.interval),
  );
  const markRead = runningSequenceRead(ctx);
  if (due.length === 0 && markRead === undefined) return undefined;
  const urgent = due.some((m) => m.rec.role === 'unknown' || m.rec.lastStatusAt === undefined);
  const reads: ReadAction[] = due.map((m) => ({ kind: 'status', member: m.name }));
  if (markRead !== undefined) reads.push(markRead);
  const what = [
    ...(due.length > 0 ? [`running status on ${nameList(due.map((m) => m.name))}`] : []),
    ...(markRead !== undefined ? [`reading the sequence of ${markRead.member} for the high-water mark`] : []),
  ];
  return { type: 'reads', reads, reason: urgent ? 'Probing' : 'PeriodicProbe', message: what.join('; ') };
}

/**
 * The high-water mark follows the running cluster: every sequenceInterval the sequence of one running
 * primary (the lowest ordinal whose status passed) is read, so that a lights-out followed by lost volumes
 * is refused even when no member was stopped cleanly in between.
 */
function runningSequenceRead(ctx: Context): ReadAction | undefined {
  const every = ctx.policy.sequenceIntervalMs;
  if (!(every > 0)) return undefined;
  const last = ctx.observation.runningSequenceAt;
  if (last !== undefined && ctx.now - last < every) return undefined;
  const primary = ctx.members.find((m) => isRunningPrimary(m) && !m.fenced && m.rec.lastStatusAt !== undefined);
  return primary === undefined ? undefined : { kind: 'runningSequence', member: primary.name };
}

function fencing(ctx: Context): Step | undefined {
  const member = ctx.members.find(
    (m) => m.fenced && m.running && (m.rec.role === 'primary' || m.rec.role === 'secondary' || (m.rec.role === 'failed' && !m.rec.stopFailed)),
  );
  if (member === undefined) return undefined;
  const reason = `fenced by the ${FENCED_ANNOTATION} annotation: stopped and left alone until unfenced`;
  return {
    type: 'change',
    change: { kind: 'stop', member: member.name, reason, cause: 'fence' },
    reason: 'Fencing',
    message: `stopping ${member.name}: ${reason}`,
  };
}

function failures(ctx: Context): Step | undefined {
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

function scaleDown(ctx: Context): Step | undefined {
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

/** Rule 5: the restart request. Returns the step, or records why the request is dropped. */
function restartRequest(ctx: Context): Step | { dropped: string } | undefined {
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

/** Rule 6: a stopped member on an old template revision gets a new pod rather than a restart in the old one. */
function replaceOutdated(ctx: Context): Step | undefined {
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

function bootstrap(ctx: Context): Step {
  const { policy, wanted, now, interval } = ctx;

  // The seed override: seed the named member whatever the others report.
  const overrideName = policy.seedOverride;
  if (overrideName !== undefined && overrideName !== '') {
    const target = ctx.members.find((m) => m.name === overrideName);
    if (target !== undefined && target.fenced) {
      ctx.notes.push(`the seed override names ${overrideName}, which is fenced: it is ignored until ${overrideName} is unfenced`);
    } else if (target === undefined || !target.wanted) {
      ctx.notes.push(
        target === undefined
          ? `the seed override names ${overrideName}, which is not a member of this cluster: it is ignored (fix or remove the ${SEED_OVERRIDE_ANNOTATION} annotation)`
          : `the seed override names ${overrideName}, which is being removed (replicas is ${ctx.replicas}): it is ignored (fix or remove the ${SEED_OVERRIDE_ANNOTATION} annotation)`,
      );
    } else if (!target.running) {
      ctx.notes.push(`the seed override names ${overrideName}, whose pod is ${target.pod.phase}: waiting for it to run`);
    } else if (target.rec.role === 'stopped') {
      if (target.rec.sequence === undefined) {
        return {
          type: 'reads',
          reads: [{ kind: 'sequence', member: target.name }],
          reason: 'ReadingSequences',
          message: `reading the sequence of ${target.name} before seeding it (seed override)`,
        };
      }
      const sequence = target.rec.sequence;
      return {
        type: 'change',
        change: { kind: 'seed', member: target.name, sequence, override: true },
        reason: 'Seeding',
        message: `seeding ${target.name} (sequence ${sequence ?? 'unknown'}) as asked by the ${SEED_OVERRIDE_ANNOTATION} annotation`,
      };
    } else if (target.rec.role === 'secondary') {
      const reason = 'no primary is running: stopping it to seed it (seed override)';
      return {
        type: 'change',
        change: { kind: 'stop', member: target.name, reason, cause: 'bootstrap' },
        reason: 'StoppingSecondaries',
        message: `stopping ${target.name}: ${reason}`,
      };
    }
  }

  // Every member that should exist must run, stopped, before anyone is sequenced.
  const absent = wanted.filter((m) => !m.running);
  if (absent.length > 0 || ctx.unlisted.length > 0) {
    const names = [
      ...absent.map((m) => `${m.name} (pod ${m.pod.phase})`),
      ...ctx.unlisted.map((o) => `ordinal ${o} (not observed)`),
    ];
    return {
      type: 'wait',
      reason: 'WaitingForMembers',
      message: `no primary is running; waiting for ${nameList(names)} to run before choosing a seed (to seed without them, ${overrideHint('<pod>')})`,
      requeueAfterMs: WAIT_REQUEUE_MS,
    };
  }

  const secondary = [...wanted].reverse().find((m) => m.rec.role === 'secondary');
  if (secondary !== undefined) {
    const reason = 'no primary is running: stopping secondaries so the most advanced member can seed';
    return {
      type: 'change',
      change: { kind: 'stop', member: secondary.name, reason, cause: 'bootstrap' },
      reason: 'StoppingSecondaries',
      message: `stopping ${secondary.name}: ${reason}`,
    };
  }

  const notStopped = wanted.filter((m) => m.rec.role !== 'stopped');
  if (notStopped.length > 0) {
    // Not reached in practice (unknown roles are probed and failed members handled first), kept for safety.
    return {
      type: 'wait',
      reason: 'WaitingForMembers',
      message: `no primary is running; waiting for ${nameList(notStopped.map((m) => memberState(m, policy)))} to stop`,
      requeueAfterMs: WAIT_REQUEUE_MS,
    };
  }

  // Sequences: every member must report one; an unknown one blocks (it is never read as 0).
  const toRead = wanted.filter(
    (m) =>
      m.rec.sequence === undefined ||
      (m.rec.sequence === null && (m.rec.sequenceAt === undefined || now - m.rec.sequenceAt >= interval)),
  );
  if (toRead.length > 0) {
    return {
      type: 'reads',
      reads: toRead.map((m) => ({ kind: 'sequence', member: m.name })),
      reason: 'ReadingSequences',
      message: `reading the sequence of ${nameList(toRead.map((m) => m.name))} to choose a seed`,
    };
  }
  const unknown = wanted.filter((m) => m.rec.sequence === null);
  if (unknown.length > 0) {
    const nextRead = Math.min(...unknown.map((m) => (m.rec.sequenceAt ?? now) + interval - now));
    const onlyError = unknown.length === 1 ? unknown[0]?.rec.lastError : undefined;
    const detail = onlyError !== undefined ? ` (${onlyError})` : '';
    return {
      type: 'wait',
      reason: 'SequenceUnknown',
      message: oneLine(
        `no primary is running and the sequence of ${nameList(unknown.map((m) => m.name))} is unknown${detail}: ` +
          `no member is seeded until every member reports its sequence (read again every ${Math.round(interval / 1000)}s); ` +
          `to seed a member anyway, ${overrideHint('<pod>')}`,
      ),
      requeueAfterMs: nextRead,
    };
  }

  // A restore from a backup, when one is asked for and applies, instead of seeding the members' own data.
  const restore = restoreStep(ctx);
  if (restore !== undefined) return restore;

  // Candidates: tied at the highest sequence; refused below the high-water mark.
  const best = Math.max(...wanted.map((m) => knownSequence(m.rec) ?? -1));
  const tiedAtBest = wanted.filter((m) => m.rec.sequence === best);
  const candidates = tiedAtBest.filter((m) => !m.fenced);
  if (candidates.length === 0) {
    const fenced = tiedAtBest.map((m) => m.name);
    return {
      type: 'wait',
      reason: 'SeedFenced',
      message:
        `no primary is running and the most advanced ${fenced.length === 1 ? 'member' : 'members'} (${nameList(fenced)}, sequence ${best}) ` +
        `${fenced.length === 1 ? 'is' : 'are'} fenced: unfence ${fenced.length === 1 ? 'it' : 'one'} (remove it from the ${FENCED_ANNOTATION} annotation) ` +
        `to seed it, or ${overrideHint('<pod>')} to seed a less advanced member and lose what only the fenced members hold`,
    };
  }
  const chosen = [...candidates].sort((a, b) => a.rec.seedFailures - b.rec.seedFailures || a.ordinal - b.ordinal)[0];
  if (chosen === undefined) {
    // replicas > 0 and every member has a known sequence, so there is a candidate; kept for the type checker.
    return { type: 'wait', reason: 'WaitingForMembers', message: 'no seed candidate', requeueAfterMs: WAIT_REQUEUE_MS };
  }
  const mark = ctx.highestSequence;
  if (mark !== undefined && best < mark) {
    return {
      type: 'wait',
      reason: 'BootstrapRefused',
      message:
        `refusing to bootstrap: the best candidate ${chosen.name} has sequence ${best}, below the highest sequence ` +
        `recorded for this cluster (${mark}); seeding it would lose data. If that data is really gone, ` +
        `${overrideHint(chosen.name)} to seed it anyway` +
        (best === 0 ? `, or restore the newest backup: kubectl rss restore <cluster> (the ${RESTORE_ANNOTATION} annotation)` : ''),
    };
  }
  const tied = candidates.length > 1 ? ` (tied with ${nameList(candidates.filter((m) => m !== chosen).map((m) => m.name))})` : '';
  return {
    type: 'change',
    change: { kind: 'seed', member: chosen.name, sequence: best, override: false },
    reason: 'Seeding',
    message: `seeding ${chosen.name}, the member with the highest sequence (${best})${tied}`,
  };
}

function joinAndBalance(ctx: Context): Step | undefined {
  const { policy, wanted, replicas } = ctx;
  const target = primaryTarget(policy, replicas);
  const primaries = wanted.filter(isRunningPrimary);

  const joiner = wanted.find((m) => m.running && !m.fenced && m.rec.role === 'stopped');
  if (joiner !== undefined) {
    if (joiner.rec.sequence === undefined) {
      return {
        type: 'reads',
        reads: [{ kind: 'sequence', member: joiner.name }],
        reason: 'ReadingSequences',
        message: `reading the sequence of ${joiner.name} before it joins`,
      };
    }
    const as = primaries.length < target || !policy.hasSecondaryCommand ? 'primary' : 'secondary';
    return {
      type: 'change',
      change: { kind: 'join', member: joiner.name, as },
      reason: 'Joining',
      message: `${joiner.name} joins as ${as} (${primaries.length} of ${target} primaries running)`,
    };
  }

  if (primaries.length < target && policy.hasSecondaryCommand && wanted.every((m) => m.running)) {
    const secondary = wanted.find((m) => m.rec.role === 'secondary');
    if (secondary !== undefined) {
      const reason = `${primaries.length} of ${target} primaries running: stopping a secondary so it rejoins as primary`;
      return {
        type: 'change',
        change: { kind: 'stop', member: secondary.name, reason, cause: 'balance' },
        reason: 'Promoting',
        message: `stopping ${secondary.name}: ${reason}`,
      };
    }
  }

  if (primaries.length > target && policy.hasSecondaryCommand) {
    const highest = primaries[primaries.length - 1];
    if (highest !== undefined) {
      const reason = `${primaries.length} primaries running, ${target} wanted: stopping it so it rejoins as secondary`;
      return {
        type: 'change',
        change: { kind: 'stop', member: highest.name, reason, cause: 'balance' },
        reason: 'Demoting',
        message: `stopping ${highest.name}: ${reason}`,
      };
    }
  }
  return undefined;
}

/**
 * Where the rolling update stands: which members are outdated, and whether a member failing on the new
 * revision halts it. A halt is kept (it is recorded in status) while the update revision is the one the
 * member failed on and the member has not run healthy since (status passed, no failure counted).
 */
function rolloutProgress(ctx: Context): RolloutProgress | undefined {
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
function rollingUpdate(ctx: Context): Step | undefined {
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
  const reason = `rolling update to revision ${rollout.revision} (${counts}): stopping it so that its pod is replaced`;
  return {
    type: 'change',
    change: { kind: 'stop', member: next.name, reason, cause: 'rollout' },
    reason: 'RollingUpdate',
    message: `stopping ${next.name}: ${reason}`,
  };
}

// ---------------------------------------------------------------------------------------------------
// StatefulSet size

/**
 * Scale up at once. Scale down only once every removed member (ordinal >= replicas) is stopped with its
 * sequence read, or has no Running pod, or is a failed member that can only be replaced (abandoned).
 */
function statefulSetSize(ctx: Context): { size: number; shrinkHeld: boolean } {
  const { replicas, observation, policy } = ctx;
  const current = observation.statefulSetReplicas;
  if (replicas >= current) return { size: replicas, shrinkHeld: false };
  const done = ctx.members
    .filter((m) => !m.wanted)
    .every(
      (m) =>
        !m.running || (m.rec.role === 'stopped' && m.rec.sequence !== undefined) || needsReplacement(m, policy),
    );
  return done ? { size: replicas, shrinkHeld: false } : { size: current, shrinkHeld: true };
}

// ---------------------------------------------------------------------------------------------------
// Plan

function nextProbeMs(ctx: Context): number {
  let next = ctx.interval;
  for (const m of ctx.members) {
    if (!m.running || m.rec.lastStatusAt === undefined || m.fenced) continue;
    next = Math.min(next, m.rec.lastStatusAt + ctx.interval - ctx.now);
  }
  const markAt = ctx.observation.runningSequenceAt;
  if (ctx.policy.sequenceIntervalMs > 0 && markAt !== undefined) next = Math.min(next, markAt + ctx.policy.sequenceIntervalMs - ctx.now);
  return clampRequeue(next, ctx.interval);
}

function clampRequeue(ms: number, interval: number): number {
  const upper = Math.max(MIN_REQUEUE_MS, interval);
  if (!Number.isFinite(ms)) return upper;
  return Math.min(upper, Math.max(MIN_REQUEUE_MS, Math.ceil(ms)));
}

function countsMessage(ctx: Context): string {
  const running = ctx.wanted.filter(isHealthy);
  const p = running.filter((m) => m.rec.role === 'primary').length;
  const s = running.length - p;
  const leaving = ctx.members.filter((m) => !m.wanted && isHealthy(m)).map((m) => `${m.name} (${m.rec.role})`);
  const extra = leaving.length > 0 ? `; being removed, still running: ${nameList(leaving)}` : '';
  return `${running.length} of ${ctx.replicas} members running: ${plural(p, 'primary', 'primaries')}, ${plural(s, 'secondary', 'secondaries')}${extra}`;
}

function withNotes(message: string, notes: string[]): string {
  return oneLine(notes.length === 0 ? message : `${message}; ${notes.join('; ')}`);
}

function buildConditions(
  ctx: Context,
  step: Step | undefined,
  scaling: { size: number; shrinkHeld: boolean },
  paused: boolean,
): Condition[] {
  const { policy, replicas, observation } = ctx;
  const primaries = ctx.members.filter(isRunningPrimary);
  const hasPrimary = primaries.length > 0;
  const notes = ctx.notes;

  // Why there is no primary (Available=False, Bootstrapped=False).
  let noPrimary: { reason: string; message: string };
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
  const degraded: Condition =
    unhealthy.length + missing.length > 0
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
function updatedCondition(ctx: Context, step: Step | undefined): Condition {
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
function phaseOf(ctx: Context, step: Step | undefined, scaling: { size: number; shrinkHeld: boolean }): Phase {
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

/** What to do now for this cluster. Pure and deterministic. */
export function decide(policy: ClusterPolicy, observation: Observation): Plan {
  const now = observation.now;
  const replicas = Math.max(0, Math.floor(policy.replicas));
  const interval = Math.max(1, policy.statusIntervalMs);
  const fenced = new Set(policy.fenced);
  const updateRevision = observation.updateRevision === '' ? undefined : observation.updateRevision;

  const members: Member[] = [...observation.members]
    .sort((a, b) => a.ordinal - b.ordinal)
    .map((m) => ({
      name: m.name,
      ordinal: m.ordinal,
      pod: m.pod,
      rec: normaliseRecord(m),
      running: m.pod.phase === 'Running',
      wanted: m.ordinal < replicas,
      fenced: fenced.has(m.name),
      outdated:
        updateRevision !== undefined && m.pod.revision !== undefined && m.pod.phase !== 'Missing' && m.pod.revision !== updateRevision,
    }));
  const listed = new Set(members.map((m) => m.ordinal));
  const unlisted: number[] = [];
  for (let o = 0; o < replicas; o++) if (!listed.has(o)) unlisted.push(o);
  const records = members.map((m) => m.rec);

  const ctx: Context = {
    policy,
    observation,
    now,
    replicas,
    interval,
    members,
    wanted: members.filter((m) => m.wanted),
    unlisted,
    highestSequence: highestOf(observation.highestSequence, members, replicas),
    notes: [],
    rollout: undefined,
  };
  ctx.rollout = rolloutProgress(ctx);

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
  let step: Step | undefined = statusProbes(ctx) ?? fencing(ctx) ?? failures(ctx) ?? scaleDown(ctx);
  if (step === undefined && restart !== undefined && !('dropped' in restart)) step = restart;
  if (step === undefined && replicas > 0) step = replaceOutdated(ctx);
  if (step === undefined && replicas > 0) {
    step = members.some(isRunningPrimary) ? (joinAndBalance(ctx) ?? rollingUpdate(ctx)) : bootstrap(ctx);
  }

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
