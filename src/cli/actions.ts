// The manual operations of `kubectl rss`, as annotation edits on the ReplicatedStatefulSet. Pure: given the
// RSS as read (and, for a restore, its Backups), planAction and planRestore say which annotations to set
// or remove and what to tell the user; the caller sends the merge patch (with the resourceVersion it read,
// so two concurrent edits of the fenced list cannot lose one another) and prints the messages.

import type { Backup } from '../api/backup-types.ts';
import {
  ANNOTATION_FENCED,
  ANNOTATION_PAUSED,
  ANNOTATION_RESTART,
  ANNOTATION_SWITCHOVER,
  ANNOTATION_RESTORE,
  ANNOTATION_SEED_OVERRIDE,
  ordinalOf,
  podName,
} from '../api/names.ts';
import type { ReplicatedStatefulSet } from '../api/types.ts';
import { belongsTo, latestCompleted } from './backups.ts';
import { sequenceFromJson } from '../engine/sequence.ts';
import { humanBytes, shownSequence } from './format.ts';

/** A failure to report as `error: <message>` with exit code 1. */
export class CliError extends Error {
  override name = 'CliError';
}

export const ACTIONS = ['seed', 'fence', 'unfence', 'restart', 'switchover', 'pause', 'resume'] as const;
export type Action = (typeof ACTIONS)[number];
/** Actions on one member; the others act on the whole cluster. */
export const MEMBER_ACTIONS: readonly Action[] = ['seed', 'fence', 'unfence', 'restart', 'switchover'];

// ---------------------------------------------------------------------------------------------------
// The fenced list: comma-separated pod names

/** The names in a comma-separated annotation value, trimmed, without empties or repeats, in order. */
export function parseList(value: string | undefined | null): string[] {
  if (!value) return [];
  const names: string[] = [];
  for (const part of value.split(',')) {
    const name = part.trim();
    if (name !== '' && !names.includes(name)) names.push(name);
  }
  return names;
}

/** The annotation value for a list; null (remove the annotation) when it is empty. */
export function formatList(names: readonly string[]): string | null {
  return names.length > 0 ? names.join(',') : null;
}

/** Adds a name at the end; unchanged when it is already there. */
export function addToList(value: string | undefined | null, name: string): { value: string | null; changed: boolean } {
  const names = parseList(value);
  if (names.includes(name)) return { value: formatList(names), changed: false };
  return { value: formatList([...names, name]), changed: true };
}

/** Removes a name; unchanged when it is not there. The value is null when the list becomes empty. */
export function removeFromList(value: string | undefined | null, name: string): { value: string | null; changed: boolean } {
  const names = parseList(value);
  if (!names.includes(name)) return { value: formatList(names), changed: false };
  return { value: formatList(names.filter((n) => n !== name)), changed: true };
}

// ---------------------------------------------------------------------------------------------------
// Plans

export interface ActionPlan {
  /** Annotations to set (a value) or remove (null); empty when there is nothing to change. */
  annotations: Record<string, string | null>;
  /** What to tell the user, one line each, printed after the patch succeeded. */
  messages: string[];
  /** Exit code once the patch is made: 1 when the request cannot take effect (resume while spec.paused). */
  exitCode: 0 | 1;
}

export interface ActionTarget {
  rss: ReplicatedStatefulSet;
  /** The member pod, for member actions. */
  pod?: string;
  /** Whether that pod exists now (a member beyond spec.replicas is still one while its pod exists). */
  podExists?: boolean;
}

function subject(rss: ReplicatedStatefulSet): string {
  return `ReplicatedStatefulSet "${rss.metadata.name}" in namespace "${rss.metadata.namespace}"`;
}

/** `rss-x-0`, `rss-x-0, rss-x-1` or `rss-x-0 … rss-x-4`. */
function memberRange(name: string, replicas: number): string {
  if (replicas <= 0) return 'none: replicas is 0';
  if (replicas <= 2) return Array.from({ length: replicas }, (_, i) => podName(name, i)).join(', ');
  return `${podName(name, 0)} … ${podName(name, replicas - 1)}`;
}

/** Throws unless `pod` is a member of the cluster: one of its ordinals, wanted, recorded, or with a pod. */
export function checkMember(rss: ReplicatedStatefulSet, pod: string, podExists: boolean): void {
  const name = rss.metadata.name ?? '';
  const replicas = rss.spec?.replicas ?? 3;
  const ordinal = ordinalOf(pod, name);
  const recorded = (rss.status?.memberStatus ?? []).some((m) => m.name === pod);
  if (ordinal !== undefined && (ordinal < replicas || recorded || podExists)) return;
  throw new CliError(`${pod} is not a member of ${subject(rss)} (its members are ${memberRange(name, replicas)})`);
}

function primariesRunning(rss: ReplicatedStatefulSet): string[] {
  return rss.status?.members?.primary ?? (rss.status?.memberStatus ?? []).filter((m) => m.role === 'primary').map((m) => m.name);
}

/** What an action changes and says. Throws CliError when it cannot be done (not a member, not fenced, …). */
export function planAction(action: Action, target: ActionTarget): ActionPlan {
  const { rss } = target;
  const name = rss.metadata.name ?? '';
  const ns = rss.metadata.namespace ?? '';
  const annotations = rss.metadata.annotations ?? {};
  const fenced = parseList(annotations[ANNOTATION_FENCED]);
  const nsFlag = ` -n ${ns}`;

  if (action === 'pause') {
    const lines: string[] = [];
    let change: Record<string, string | null> = {};
    if (annotations[ANNOTATION_PAUSED] === 'true') {
      lines.push(`${name} is already paused by the ${ANNOTATION_PAUSED} annotation: nothing to change.`);
    } else {
      change = { [ANNOTATION_PAUSED]: 'true' };
      lines.push(`${name} paused (${ANNOTATION_PAUSED}=true): the operator runs no command and starts, stops or replaces no member until \`kubectl rss resume ${name}${nsFlag}\`.`);
    }
    if (rss.spec?.paused === true) lines.push('spec.paused is true as well: resuming will also need the spec changed.');
    return { annotations: change, messages: lines, exitCode: 0 };
  }

  if (action === 'resume') {
    const lines: string[] = [];
    let change: Record<string, string | null> = {};
    if (annotations[ANNOTATION_PAUSED] !== undefined) {
      change = { [ANNOTATION_PAUSED]: null };
      lines.push(`${ANNOTATION_PAUSED} annotation removed from ${name}.`);
    }
    if (rss.spec?.paused === true) {
      lines.push(
        `${name} stays paused because spec.paused is true; this command does not edit the spec. Set it to false where the spec is kept, or: kubectl patch rss/${name}${nsFlag} --type=merge -p '{"spec":{"paused":false}}'`,
      );
      return { annotations: change, messages: lines, exitCode: 1 };
    }
    lines.push(annotations[ANNOTATION_PAUSED] === undefined ? `${name} is not paused: nothing to change.` : `${name} resumed: the operator manages the application again.`);
    return { annotations: change, messages: lines, exitCode: 0 };
  }

  const pod = target.pod;
  if (pod === undefined) throw new CliError(`${action} needs a member pod`);

  if (action === 'unfence') {
    // Checked before membership, so a stale entry (a member since removed) can still be taken off.
    const edit = removeFromList(annotations[ANNOTATION_FENCED], pod);
    if (!edit.changed) {
      throw new CliError(`${pod} is not fenced in ${subject(rss)} (fenced: ${fenced.length > 0 ? fenced.join(', ') : 'none'})`);
    }
    return {
      annotations: { [ANNOTATION_FENCED]: edit.value },
      messages: [
        `${pod} unfenced${edit.value === null ? ` (no member is fenced now: ${ANNOTATION_FENCED} removed)` : ` (still fenced: ${edit.value})`}: the operator manages it again, and it rejoins the cluster.`,
      ],
      exitCode: 0,
    };
  }

  checkMember(rss, pod, target.podExists === true);

  if (action === 'fence') {
    const edit = addToList(annotations[ANNOTATION_FENCED], pod);
    if (!edit.changed) return { annotations: {}, messages: [`${pod} is already fenced: nothing to change.`], exitCode: 0 };
    return {
      annotations: { [ANNOTATION_FENCED]: edit.value },
      messages: [
        `${pod} fenced (${ANNOTATION_FENCED}=${edit.value}): the operator runs stop on it once, then leaves the member and its pod alone — no status, no restart, no replacement, never seeded — until \`kubectl rss unfence ${name} ${pod}${nsFlag}\`.`,
      ],
      exitCode: 0,
    };
  }

  if (action === 'restart') {
    const pending = annotations[ANNOTATION_RESTART];
    if (pending === pod) return { annotations: {}, messages: [`A restart of ${pod} is already pending: nothing to change.`], exitCode: 0 };
    if (pending) {
      throw new CliError(`a restart of ${pending} is still pending on ${subject(rss)}; wait until the operator has carried it out (it removes the ${ANNOTATION_RESTART} annotation once the stop ran), then ask again`);
    }
    const lines = [`Restart of ${pod} requested (${ANNOTATION_RESTART}=${pod}): the operator runs stop on it, removes the annotation, and the member rejoins.`];
    if (fenced.includes(pod)) lines.push(`${pod} is fenced: the operator leaves it alone until it is unfenced.`);
    if (rss.spec?.paused === true || annotations[ANNOTATION_PAUSED] === 'true') lines.push(`${name} is paused: the restart happens once it is resumed.`);
    return { annotations: { [ANNOTATION_RESTART]: pod }, messages: lines, exitCode: 0 };
  }

  if (action === 'switchover') return planSwitchover(rss, pod, fenced);

  // seed
  if (fenced.includes(pod)) {
    throw new CliError(`${pod} is fenced in ${subject(rss)}, and fenced members are never seeded; unfence it first: kubectl rss unfence ${name} ${pod}${nsFlag}`);
  }
  const previous = annotations[ANNOTATION_SEED_OVERRIDE];
  if (previous === pod) return { annotations: {}, messages: [`${pod} is already the seed override: nothing to change.`], exitCode: 0 };
  const lines = [
    `Seed override set (${ANNOTATION_SEED_OVERRIDE}=${pod})${previous ? `, replacing ${previous}` : ''}.`,
    `It only matters when no primary runs: at the next bootstrap the operator seeds ${pod} even if its sequence is below the high-water mark or other members' sequences are unknown, then removes the annotation. Data that other members hold beyond ${pod}'s is lost.`,
  ];
  const record = (rss.status?.memberStatus ?? []).find((m) => m.name === pod);
  const highest = rss.status?.highestSequence;
  const own = sequenceFromJson(record?.sequence);
  const mark = sequenceFromJson(highest);
  if (record && own !== undefined && mark !== undefined && own < mark) {
    lines.push(`${pod} last reported sequence ${shownSequence(record.sequence, record.history)}; the highest recorded in this cluster is ${shownSequence(highest, rss.status?.highestSequenceHistory)}.`);
  }
  const primaries = primariesRunning(rss);
  if (primaries.length > 0) lines.push(`A primary runs now (${primaries.join(', ')}): nothing happens until the cluster has to bootstrap again.`);
  return { annotations: { [ANNOTATION_SEED_OVERRIDE]: pod }, messages: lines, exitCode: 0 };
}

/**
 * `kubectl rss switchover <cluster> <pod>`: the switchover annotation. Refused (CliError) when it could
 * only be dropped by the operator: a cluster without one primary and secondaries, a fenced target, one
 * already primary, another switchover pending.
 */
function planSwitchover(rss: ReplicatedStatefulSet, pod: string, fenced: string[]): ActionPlan {
  const name = rss.metadata.name ?? '';
  const annotations = rss.metadata.annotations ?? {};
  const replicas = rss.spec?.replicas ?? 3;
  const primaries = rss.spec?.primaries ?? replicas;
  const commands = rss.spec?.pod?.commands as Record<string, unknown> | undefined;
  if (primaries !== 1 || replicas < 2 || commands?.['secondary'] === undefined) {
    throw new CliError(`a switchover moves the primary role of a cluster with primaries: 1, more than one replica and a secondary command; ${subject(rss)} has primaries ${primaries}, replicas ${replicas}${commands?.['secondary'] === undefined ? ' and no secondary command' : ''}`);
  }
  if (fenced.includes(pod)) throw new CliError(`${pod} is fenced in ${subject(rss)}: a fenced member never becomes the primary; unfence it first`);
  const pending = annotations[ANNOTATION_SWITCHOVER];
  if (pending === pod) return { annotations: {}, messages: [`A switchover to ${pod} is already pending: nothing to change.`], exitCode: 0 };
  if (pending) throw new CliError(`a switchover to ${pending} is still pending on ${subject(rss)}; wait until the operator has carried it out (it removes the ${ANNOTATION_SWITCHOVER} annotation), then ask again`);
  const current = primariesRunning(rss);
  if (current.length === 1 && current[0] === pod) return { annotations: {}, messages: [`${pod} is already the primary: nothing to change.`], exitCode: 0 };
  const from = current.length > 0 ? current.join(', ') : 'the primary';
  const lines = [
    `Switchover to ${pod} requested (${ANNOTATION_SWITCHOVER}=${pod}): once every member runs healthy, the operator stops ${from} cleanly, reads the sequences, and promotes ${pod} where it runs if it has caught up; ${from} then rejoins as a secondary.`,
    `If ${pod} is behind, nothing is given up: ${from} is started again as the primary, and the Event SwitchoverAbandoned says why. Writes stop between the stop and the promotion. Follow it with: kubectl rss status ${name} -n ${rss.metadata.namespace ?? ''}`,
  ];
  if (rss.spec?.paused === true || annotations[ANNOTATION_PAUSED] === 'true') lines.push(`${name} is paused: the switchover happens once it is resumed.`);
  return { annotations: { [ANNOTATION_SWITCHOVER]: pod }, messages: lines, exitCode: 0 };
}

/** The merge patch for a plan, guarded by the resourceVersion the plan was made from. */
export function annotationPatch(plan: ActionPlan, resourceVersion: string | undefined): { metadata: { annotations: Record<string, string | null>; resourceVersion?: string } } {
  return { metadata: { annotations: plan.annotations, ...(resourceVersion ? { resourceVersion } : {}) } };
}

// ---------------------------------------------------------------------------------------------------
// Restore

export interface RestoreTarget {
  rss: ReplicatedStatefulSet;
  /** The Backups of the RSS's namespace. */
  backups: readonly Backup[];
  /** The Backup to restore; absent or "latest": the newest completed backup of the cluster. */
  backup?: string;
}

/** `<name> (completed <time>, 1.2 MiB from rss-x-2, sequence 1742)`. */
function describeBackup(b: Backup): string {
  const s = b.status ?? {};
  const parts = [`completed ${s.completedAt ?? 'at an unknown time'}`];
  if (typeof s.size === 'number') parts.push(`${humanBytes(s.size)}${s.member ? ` from ${s.member}` : ''}`);
  else if (s.member) parts.push(`from ${s.member}`);
  parts.push(`sequence ${shownSequence(s.sequence, s.history) ?? 'unknown'}`);
  return `${b.metadata.name} (${parts.join(', ')})`;
}

/**
 * What `kubectl rss restore` changes and says: the restore annotation, set to the Backup's name or
 * "latest". Refuses (CliError) what the operator could only refuse later: a backup that is missing or not
 * Completed, no completed backup at all for "latest", a cluster without a restore command or storage (the
 * annotation would make its spec invalid), or another restore already requested.
 */
export function planRestore(target: RestoreTarget): ActionPlan {
  const { rss, backups } = target;
  const name = rss.metadata.name ?? '';
  const ns = rss.metadata.namespace ?? '';
  const nsFlag = ` -n ${ns}`;
  const annotations = rss.metadata.annotations ?? {};
  const requested = target.backup === undefined || target.backup === '' ? 'latest' : target.backup;

  if (rss.spec?.pod?.commands?.restore === undefined) {
    throw new CliError(
      `${subject(rss)} has no restore command (spec.pod.commands.restore, which reads a backup on stdin): the operator cannot restore it, and the ${ANNOTATION_RESTORE} annotation would make its spec invalid`,
    );
  }
  if (rss.spec?.backup?.storage === undefined) {
    throw new CliError(`${subject(rss)} has no spec.backup.storage, so the operator does not know where its backups are: set it first`);
  }

  let chosen: Backup;
  const lines: string[] = [];
  if (requested === 'latest') {
    const latest = latestCompleted(backups, name);
    if (latest === undefined) {
      throw new CliError(`no Completed backup of ${name} in namespace "${ns}" to restore (see kubectl rss backups ${name}${nsFlag})`);
    }
    chosen = latest;
  } else {
    const found = backups.find((b) => b.metadata.name === requested);
    if (found === undefined) throw new CliError(`Backup "${requested}" not found in namespace "${ns}" (see kubectl rss backups ${name}${nsFlag})`);
    const phase = found.status?.phase ?? 'Pending';
    if (phase !== 'Completed') {
      throw new CliError(`Backup "${requested}" is ${phase}, not Completed${found.status?.message ? ` (${found.status.message})` : ''}: only a completed backup can be restored`);
    }
    if (!found.status?.objectKey) throw new CliError(`Backup "${requested}" is Completed but names no object (status.objectKey): it cannot be restored`);
    chosen = found;
  }

  const pending = annotations[ANNOTATION_RESTORE]?.trim();
  if (pending === requested) {
    return { annotations: {}, messages: [`A restore of ${requested === 'latest' ? 'the latest backup' : `backup ${requested}`} is already requested: nothing to change.`], exitCode: 0 };
  }
  if (pending) {
    throw new CliError(
      `a restore of ${pending} is already requested on ${subject(rss)} (${ANNOTATION_RESTORE}); to ask for another, remove it first: kubectl annotate rss/${name}${nsFlag} ${ANNOTATION_RESTORE}-`,
    );
  }

  if (requested === 'latest') {
    lines.push(
      `Restore of the newest completed backup requested (${ANNOTATION_RESTORE}=latest): now ${describeBackup(chosen)}. The operator picks the newest when the restore starts.`,
    );
  } else {
    lines.push(`Restore of backup ${describeBackup(chosen)} requested (${ANNOTATION_RESTORE}=${requested}).`);
    if (!belongsTo(chosen, name)) lines.push(`Backup ${requested} was taken from cluster ${chosen.spec?.cluster ?? 'unknown'}, not ${name}: its data is restored into ${name}.`);
  }
  lines.push(
    `The operator restores only into a cluster with no running primary and every member empty (sequence 0): it streams the backup into one member, reads its sequence, seeds it, and the others join it; then it removes the annotation. ` +
      `Otherwise it refuses: with a primary running it removes the annotation; with a member holding data it restores nothing and overwrites nothing until the annotation is removed. See kubectl rss status ${name}${nsFlag}.`,
  );
  const primaries = primariesRunning(rss);
  if (primaries.length > 0) lines.push(`A primary runs now (${primaries.join(', ')}): the operator will refuse this restore and remove the annotation.`);
  const holding = (rss.status?.memberStatus ?? []).filter((m) => (sequenceFromJson(m.sequence) ?? 0n) > 0n);
  if (holding.length > 0) {
    lines.push(`${holding.map((m) => `${m.name} (sequence ${shownSequence(m.sequence, m.history)})`).join(', ')} last reported data: the operator refuses to restore over it.`);
  }
  if (rss.spec?.paused === true || annotations[ANNOTATION_PAUSED] === 'true') lines.push(`${name} is paused: the restore happens once it is resumed.`);
  return { annotations: { [ANNOTATION_RESTORE]: requested }, messages: lines, exitCode: 0 };
}
