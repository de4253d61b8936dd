// Backups as `kubectl rss` makes and shows them: which Backups belong to a cluster, the Backup that
// `kubectl rss backup` creates, the table and structured view of `kubectl rss backups` (BackupsView,
// printed as is by `-o json|yaml`), and following a backup until it ends (`--wait`). Pure, except
// waitForBackup, which is given its reads, its clock and its output.

import type { Backup, BackupPhase, BackupTarget } from '../api/backup-types.ts';
import { formatDuration } from '../api/duration.ts';
import { API_VERSION, BACKUP_KIND, LABEL_BACKUP_CLUSTER, LABEL_BACKUP_SCHEDULE } from '../api/names.ts';
import { age, humanBytes, shownSequence, table } from './format.ts';

/** Times as the API client's types declare them (Date) or as the API server sends them (RFC 3339 text). */
type Time = Date | string;

export function iso(time: Time | undefined | null): string | null {
  if (time === undefined || time === null || time === '') return null;
  if (time instanceof Date) return Number.isNaN(time.getTime()) ? null : time.toISOString();
  return time;
}

export function ms(time: Time | undefined | null): number {
  const text = iso(time);
  const t = text === null ? Number.NaN : Date.parse(text);
  return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
}

/**
 * Whether a Backup is one of the cluster's: its cluster label (set by the operator and by `kubectl rss
 * backup`), else spec.cluster (a Backup created by hand, not yet labelled). The operator reads it the
 * same way when it resolves a restore of "latest".
 */
export function belongsTo(backup: Backup, cluster: string): boolean {
  return backup.metadata.labels?.[LABEL_BACKUP_CLUSTER] === cluster || backup.spec?.cluster === cluster;
}

/** The cluster's Backups, newest first (by creation, then name). */
export function backupsOf(backups: readonly Backup[], cluster: string): Backup[] {
  return backups
    .filter((b) => belongsTo(b, cluster))
    .sort((a, b) => ms(b.metadata.creationTimestamp) - ms(a.metadata.creationTimestamp) || (b.metadata.name ?? '').localeCompare(a.metadata.name ?? ''));
}

/** A backup a restore can use: Completed, with the object it names. */
export function restorable(backup: Backup): boolean {
  return backup.status?.phase === 'Completed' && Boolean(backup.status.objectKey);
}

/** The newest restorable backup of the cluster by completion time: what the operator restores for "latest". */
export function latestCompleted(backups: readonly Backup[], cluster: string): Backup | undefined {
  return backups
    .filter((b) => belongsTo(b, cluster) && restorable(b))
    .sort((a, b) => ms(b.status?.completedAt) - ms(a.status?.completedAt))[0];
}

// ---------------------------------------------------------------------------------------------------
// Creating a backup

/** `<cluster>-<yyyymmddhhmmss>` in UTC, as the schedules name theirs (at most 48 + 15 characters). */
export function defaultBackupName(cluster: string, now: Date): string {
  return `${cluster}-${now.toISOString().replace(/\.\d+Z$/, '').replace(/[-:TZ]/g, '')}`;
}

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why `name` cannot name a Backup (a DNS-1123 subdomain, as every custom resource), or undefined. */
export function backupNameProblem(name: string): string | undefined {
  if (name.length > 253) return `must be at most 253 characters, got ${name.length}`;
  if (!SUBDOMAIN.test(name)) return 'must be lower-case letters, digits, "-" and ".", starting and ending with a letter or digit';
  return undefined;
}

/** The Backup `kubectl rss backup` creates; labelled at once, so that listing it by cluster never misses it. */
export function newBackup(namespace: string, cluster: string, name: string, target?: BackupTarget): Backup {
  return {
    apiVersion: API_VERSION,
    kind: BACKUP_KIND,
    metadata: { name, namespace, labels: { [LABEL_BACKUP_CLUSTER]: cluster } },
    spec: { cluster, ...(target !== undefined ? { target } : {}) },
  };
}

// ---------------------------------------------------------------------------------------------------
// `kubectl rss backups`

/**
 * `kubectl rss backups <cluster> -o json|yaml`. Field names are stable; every field is always present
 * (null when unknown or absent), except that new fields may be added. Times are RFC 3339, sizes bytes.
 */
export interface BackupsView {
  schemaVersion: 1;
  cluster: string;
  namespace: string;
  /** The cluster's Backups (label clusterlabs.org/cluster, else spec.cluster), newest first. */
  backups: BackupRow[];
}

export interface BackupRow {
  name: string;
  /** status.phase: Pending, Running, Completed or Failed; null before the operator has seen the Backup. */
  phase: BackupPhase | null;
  /** metadata.creationTimestamp. */
  created: string | null;
  startedAt: string | null;
  /** When it completed or failed. */
  completedAt: string | null;
  /** Bytes stored; null until it completed. */
  size: number | null;
  /** The member it was taken from, and that member's role then. */
  member: string | null;
  role: string | null;
  /** The member's sequence when the backup started; null when not (yet) read or unknown. */
  sequence: number | string | null;
  /** Hex SHA-256 of the stored bytes. */
  sha256: string | null;
  bucket: string | null;
  /** Key of the data object; its manifest is `<objectKey>.json`. */
  objectKey: string | null;
  /** The BackupSchedule that made it (label clusterlabs.org/backup-schedule); null when made otherwise. */
  schedule: string | null;
  /** spec.target and spec.deletionPolicy as given (null: the defaults). */
  target: BackupTarget | null;
  deletionPolicy: 'Retain' | 'Delete' | null;
  /** Being deleted (it waits for its objects to be removed). */
  deleting: boolean;
  /** status.message: what happened, in one line. */
  message: string | null;
}

export function backupRow(b: Backup): BackupRow {
  const s = b.status ?? {};
  return {
    name: b.metadata.name ?? '',
    phase: s.phase ?? null,
    created: iso(b.metadata.creationTimestamp),
    startedAt: s.startedAt ?? null,
    completedAt: s.completedAt ?? null,
    size: typeof s.size === 'number' ? s.size : null,
    member: s.member ?? null,
    role: s.role ?? null,
    sequence: shownSequence(s.sequence, s.history),
    sha256: s.sha256 ?? null,
    bucket: s.bucket ?? null,
    objectKey: s.objectKey ?? null,
    schedule: b.metadata.labels?.[LABEL_BACKUP_SCHEDULE] ?? null,
    target: b.spec?.target ?? null,
    deletionPolicy: b.spec?.deletionPolicy ?? null,
    deleting: b.metadata.deletionTimestamp !== undefined && b.metadata.deletionTimestamp !== null,
    message: s.message ?? null,
  };
}

export function buildBackupsView(backups: readonly Backup[], cluster: string, namespace: string): BackupsView {
  return { schemaVersion: 1, cluster, namespace, backups: backupsOf(backups, cluster).map(backupRow) };
}

/** A sequence for a person: the number, `unknown` when a finished backup could not read it, else `-`. */
export function sequenceText(row: { sequence: number | string | null; phase: BackupPhase | null }): string {
  if (row.sequence !== null) return String(row.sequence);
  return row.phase === 'Completed' ? 'unknown' : '-';
}

/** The text printed by `kubectl rss backups`; the empty case is for stderr, as kubectl's "No resources found". */
export function renderBackupsTable(view: BackupsView, now: Date): { out: string; empty?: string } {
  if (view.backups.length === 0) return { out: '', empty: `no backups of ${view.cluster} in namespace ${view.namespace}\n` };
  const rows = view.backups.map((b) => [
    b.name,
    (b.phase ?? '-') + (b.deleting ? ' (deleting)' : ''),
    age(b.created, now),
    b.size === null ? '-' : humanBytes(b.size),
    b.member ?? '-',
    sequenceText(b),
    b.schedule ?? '-',
  ]);
  return { out: table([['NAME', 'PHASE', 'AGE', 'SIZE', 'MEMBER', 'SEQUENCE', 'SCHEDULE'], ...rows]).join('\n') + '\n' };
}

// ---------------------------------------------------------------------------------------------------
// `kubectl rss backup --wait`

/** One line per state: `backup <name>: <phase> — <message>`. */
export function progressLine(b: Backup): string {
  const name = b.metadata.name ?? '';
  if (!b.status?.phase) return `backup ${name}: created, waiting for the operator to pick it up`;
  return `backup ${name}: ${b.status.phase}${b.status.message ? ` — ${b.status.message}` : ''}`;
}

/** What a completed backup holds, in one line. */
export function completedLine(b: Backup): string {
  const s = b.status ?? {};
  const size = typeof s.size === 'number' ? humanBytes(s.size) : 'size unknown';
  const from = s.member ? ` from ${s.member}${s.role ? ` (${s.role})` : ''}` : '';
  const sequence = shownSequence(s.sequence, s.history) ?? 'unknown';
  const sha = s.sha256 ? `, sha256 ${s.sha256.slice(0, 12)}…` : '';
  return `backup ${b.metadata.name} completed: ${size}${from}, sequence ${sequence}${sha}`;
}

export interface WaitDeps {
  /** The Backup as it is now; undefined when it no longer exists. Throws when it cannot be read. */
  read(): Promise<Backup | undefined>;
  now(): Date;
  sleep(ms: number): Promise<void>;
  /** A line for stdout, and one for stderr (each without its newline). */
  out(line: string): void;
  err(line: string): void;
  timeoutMs: number;
  /** How often the Backup is read. Default 1 s. */
  pollMs?: number;
}

/**
 * Reads the Backup until it ends, printing each change of phase or message: exit code 0 once Completed,
 * 1 when it failed, was deleted, or is still under way after the timeout (the backup itself goes on).
 * Polling, not a watch: one read a second is cheap, and it survives a dropped connection unchanged.
 */
export async function waitForBackup(name: string, cluster: string, namespace: string, deps: WaitDeps): Promise<0 | 1> {
  const deadline = deps.now().getTime() + deps.timeoutMs;
  const pollMs = deps.pollMs ?? 1000;
  let shown = '';
  let readError = '';
  let phase = 'Pending';
  for (;;) {
    let backup: Backup | undefined | null = null;
    try {
      backup = await deps.read();
      readError = '';
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // Once per distinct error: a flapping connection must not flood the terminal.
      if (message !== readError) deps.err(`warning: cannot read backup ${name}: ${message}; trying again`);
      readError = message;
    }
    if (backup === undefined) {
      deps.err(`error: backup ${name} was deleted before it ended`);
      return 1;
    }
    if (backup !== null) {
      const line = progressLine(backup);
      if (line !== shown) deps.out(line);
      shown = line;
      phase = backup.status?.phase ?? 'Pending';
      if (phase === 'Completed') {
        deps.out(completedLine(backup));
        return 0;
      }
      if (phase === 'Failed') {
        deps.err(`error: backup ${name} failed: ${backup.status?.message ?? 'no reason given'}`);
        return 1;
      }
    }
    const left = deadline - deps.now().getTime();
    if (left <= 0) {
      deps.err(
        `error: backup ${name} is still ${phase} after ${formatDuration(deps.timeoutMs)}; it goes on without this command. ` +
          `Follow it with: kubectl rss backups ${cluster} -n ${namespace}, or kubectl get backups.clusterlabs.org/${name} -n ${namespace} -w`,
      );
      return 1;
    }
    await deps.sleep(Math.min(pollMs, left));
  }
}
