// Names of the resource and of everything the operator creates for it. The group, kind, child names and
// labels are those of the 2018 Go operator (beekhof/rss-operator), so existing clusters, client Services
// and scripts keep matching. The annotations the engine names in its messages are defined there, once.

import type { Role } from '../engine/types.ts';
import { FENCED_ANNOTATION, RESTART_ANNOTATION, RESTORE_ANNOTATION, SEED_OVERRIDE_ANNOTATION, SWITCHOVER_ANNOTATION } from '../engine/index.ts';

export const GROUP = 'clusterlabs.org';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'ReplicatedStatefulSet';
export const LIST_KIND = 'ReplicatedStatefulSetList';
export const PLURAL = 'replicatedstatefulsets';
export const SINGULAR = 'replicatedstatefulset';
export const SHORT_NAME = 'rss';
/** metadata.name of the CustomResourceDefinition. */
export const CRD_NAME = `${PLURAL}.${GROUP}`;

/** Pod label: the RSS name. Together with LABEL_MANAGED it selects a cluster's pods. */
export const LABEL_APP = 'app';
/** Pod label, always "true" on pods the operator manages. */
export const LABEL_MANAGED = 'rss-operator-managed';
/** Pod label, "true" while the member runs the application (primary or secondary); client Services select it. */
export const LABEL_ACTIVE_MEMBER = 'rss-active-member';
/** Pod label: the member's role, one of ROLES. */
export const LABEL_ROLE = 'rss-role';
/** Values of LABEL_ROLE. */
export const ROLES: readonly Role[] = ['primary', 'secondary', 'stopped', 'failed', 'unknown'];

/** RSS annotation naming the pod to seed, even below the recorded high-water mark or with peers unknown. */
export const ANNOTATION_SEED_OVERRIDE = SEED_OVERRIDE_ANNOTATION;
/**
 * RSS annotation listing fenced members, comma-separated pod names: each is stopped and left alone (no
 * status probe, no restart, no replacement, never seeded) until it is taken off the list.
 */
export const ANNOTATION_FENCED = FENCED_ANNOTATION;
/** RSS annotation naming one member to restart cleanly (stop, then rejoin); removed once the stop ran. */
export const ANNOTATION_RESTART = RESTART_ANNOTATION;
/**
 * RSS annotation naming the member to hand the primary role to (a planned switchover: the primary is
 * stopped cleanly, the target promoted once it has caught up); removed once the primary was stopped.
 */
export const ANNOTATION_SWITCHOVER = SWITCHOVER_ANNOTATION;
/** RSS annotation "true": pause, as spec.paused does, without editing the spec (GitOps-friendly). */
export const ANNOTATION_PAUSED = 'rss.clusterlabs.org/paused';

/**
 * RSS annotation asking for a restore from a backup into the cluster's (empty) members: a Backup name, or
 * "latest" for the newest completed backup of the cluster. Removed once the restored member is seeded.
 */
export const ANNOTATION_RESTORE = RESTORE_ANNOTATION;

/** Backup and BackupSchedule (deploy/crd-backup.yaml). */
export const BACKUP_KIND = 'Backup';
export const BACKUP_PLURAL = 'backups';
export const BACKUP_SCHEDULE_KIND = 'BackupSchedule';
export const BACKUP_SCHEDULE_PLURAL = 'backupschedules';
/** Label on a Backup: the RSS it belongs to. */
export const LABEL_BACKUP_CLUSTER = 'clusterlabs.org/cluster';
/** Label on a Backup made by a schedule: the schedule's name. */
export const LABEL_BACKUP_SCHEDULE = 'clusterlabs.org/backup-schedule';
/** Finalizer on a Backup whose deletionPolicy is Delete: its objects are removed before it goes. */
export const FINALIZER_BACKUP_OBJECTS = 'clusterlabs.org/backup-objects';

/** Pod label set by the StatefulSet controller: the template revision the pod was created from. */
export const LABEL_REVISION = 'controller-revision-hash';

/** Field manager for server-side apply and status patches. */
export const FIELD_MANAGER = 'rss-operator';
// No finalizer: every child object carries an ownerReference to the RSS, so the garbage collector removes
// them when the RSS is deleted and nothing has to run first.

/**
 * Longest RSS name whose children are all valid: the StatefulSet `rss-<n>` must stay within 52 characters,
 * because its controller labels each pod with `controller-revision-hash: rss-<n>-<10-character hash>` (≤ 63).
 */
export const MAX_NAME_LENGTH = 48;
/** An RSS name must be a DNS-1035 label: the headless Service `<n>-svc` is named after it. */
export const NAME_PATTERN = '^[a-z]([-a-z0-9]*[a-z0-9])?$';
const NAME_REGEX = new RegExp(NAME_PATTERN);

/** StatefulSet holding the members. */
export function statefulSetName(n: string): string {
  return `rss-${n}`;
}

/** PodDisruptionBudget of the members: named as the StatefulSet it guards. */
export function disruptionBudgetName(n: string): string {
  return statefulSetName(n);
}

/**
 * Pod readiness gate (and the pod condition the operator sets): True while the member runs the application
 * (primary or secondary). Ready follows it, so the PodDisruptionBudget counts a member as healthy only once
 * it has rejoined, not as soon as its container runs.
 */
export const READINESS_GATE_MEMBER = 'rss.clusterlabs.org/member-ready';

/** Headless Service giving each member the DNS name `<pod>.<n>-svc`. */
export function serviceName(n: string): string {
  return `${n}-svc`;
}

/** Name of the member pod with this ordinal. */
export function podName(n: string, ordinal: number): string {
  return `${statefulSetName(n)}-${ordinal}`;
}

/** The ordinal of a member pod of cluster `n`, or undefined when the name is not one of its pods. */
export function ordinalOf(pod: string, n: string): number | undefined {
  const prefix = `${statefulSetName(n)}-`;
  if (!pod.startsWith(prefix)) return undefined;
  const rest = pod.slice(prefix.length);
  if (!/^(0|[1-9][0-9]*)$/.test(rest)) return undefined;
  const ordinal = Number(rest);
  return Number.isSafeInteger(ordinal) ? ordinal : undefined;
}

/** How members reach this pod: `<pod>.<n>-svc` (resolvable inside the namespace). */
export function memberDns(pod: string, n: string): string {
  return `${pod}.${serviceName(n)}`;
}

/** Labels selecting every pod of cluster `n` (StatefulSet selector, headless Service selector). */
export function selectorLabels(n: string): Record<string, string> {
  return { [LABEL_APP]: n, [LABEL_MANAGED]: 'true' };
}

/** selectorLabels as a label-selector string, as published in status.selector for the scale subresource. */
export function selectorString(n: string): string {
  return Object.entries(selectorLabels(n))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** Why `n` cannot name an RSS, or undefined when it can. */
export function nameProblem(n: string): string | undefined {
  if (n.length === 0) return 'must not be empty';
  if (n.length > MAX_NAME_LENGTH) {
    return `must be at most ${MAX_NAME_LENGTH} characters (the StatefulSet ${statefulSetName('<name>')} and its pod labels must fit in 63), got ${n.length}`;
  }
  if (!NAME_REGEX.test(n)) {
    return 'must be a DNS-1035 label (lower-case letters, digits and "-", starting with a letter, ending with a letter or digit): the Service <name>-svc is named after it';
  }
  return undefined;
}
