// Carrying out a restore the engine asked for: which backup a request names (observed from the Backup
// resources and the spec), and streaming its data object from storage into the member's `restore` command.
// The checksum is verified on the way; the stream's last bytes are held back until it matches, so a
// corrupted object reaches the command truncated, and the restore is reported failed whatever it answers.
import type { ReplicatedStatefulSet } from '../api/types.ts';
import type { Backup } from '../api/backup-types.ts';
import type { ResolvedSpec } from '../api/spec.ts';
import { LABEL_BACKUP_CLUSTER } from '../api/names.ts';
import { StorageError } from '../backup/object-store.ts';
import { VerifiedTail } from '../backup/streams.ts';
import type { CommandOutcome, RestoreRequest } from '../engine/types.ts';
import type { StoreOpener } from './backups.ts';
import type { CommandRunner } from './ports.ts';
import { sequenceFromStatus } from './status.ts';

/** A restore request as the engine sees it, and the object it names (undefined while it has a problem). */
export interface RestoreSource {
  request: RestoreRequest;
  objectKey?: string;
}

/** The newest Completed backup of the cluster, by completion time. */
export function latestBackup(backups: Backup[], cluster: string): Backup | undefined {
  return backups
    .filter((b) => (b.spec?.cluster === cluster || b.metadata.labels?.[LABEL_BACKUP_CLUSTER] === cluster) && b.status?.phase === 'Completed' && b.status.objectKey)
    .sort((a, b) => Date.parse(b.status?.completedAt ?? '') - Date.parse(a.status?.completedAt ?? ''))[0];
}

function fromBackup(backups: Backup[], name: string, via: RestoreRequest['via'], namespace: string): RestoreSource {
  const backup = backups.find((b) => b.metadata.name === name);
  if (!backup) return { request: { backup: name, via, problem: `Backup ${name} not found in namespace ${namespace}` } };
  if (backup.status?.phase !== 'Completed' || !backup.status.objectKey) {
    return { request: { backup: name, via, problem: `Backup ${name} is ${backup.status?.phase ?? 'Pending'}, not Completed${backup.status?.message ? ` (${backup.status.message})` : ''}` } };
  }
  const request: RestoreRequest = { backup: name, via };
  const recorded = sequenceFromStatus(backup.status.sequence, backup.status.history);
  if (recorded !== null) request.sequence = recorded;
  return { request, objectKey: backup.status.objectKey };
}

/**
 * The restore asked for, if any: the restore annotation first (a person asked now), then spec.bootstrap,
 * then spec.backup.restoreOnDataLoss. Whether it applies (no primary, members empty, never bootstrapped)
 * is the engine's to decide.
 */
export function restoreSource(rss: ReplicatedStatefulSet, spec: ResolvedSpec, backups: Backup[]): RestoreSource | undefined {
  const namespace = rss.metadata.namespace ?? '';
  const cluster = rss.metadata.name ?? '';
  // A member restored earlier and not yet seeded names the backup it holds: keep following that request.
  if (spec.restoreAnnotation !== undefined) {
    if (spec.restoreAnnotation === 'latest') {
      const latest = latestBackup(backups, cluster);
      const held = rss.status?.memberStatus?.find((m) => m.restoredFrom !== undefined)?.restoredFrom;
      if (held !== undefined) return fromBackup(backups, held, 'annotation', namespace);
      if (!latest) return { request: { backup: 'latest', via: 'annotation', problem: `no Completed backup of ${cluster} in namespace ${namespace}` } };
      return fromBackup(backups, latest.metadata.name!, 'annotation', namespace);
    }
    return fromBackup(backups, spec.restoreAnnotation, 'annotation', namespace);
  }
  if (spec.bootstrap !== undefined) {
    if ('backupName' in spec.bootstrap) return fromBackup(backups, spec.bootstrap.backupName, 'bootstrap', namespace);
    return { request: { backup: spec.bootstrap.objectKey, via: 'bootstrap' }, objectKey: spec.bootstrap.objectKey };
  }
  if (spec.backup?.restoreOnDataLoss) {
    const held = rss.status?.memberStatus?.find((m) => m.restoredFrom !== undefined)?.restoredFrom;
    const latest = held !== undefined ? backups.find((b) => b.metadata.name === held) : latestBackup(backups, cluster);
    if (!latest) return { request: { backup: 'latest', via: 'policy', problem: `no Completed backup of ${cluster} in namespace ${namespace}` } };
    return fromBackup(backups, latest.metadata.name!, 'policy', namespace);
  }
  return undefined;
}

/** Streams the backup at `objectKey` into the member's restore command. Never throws: failures are outcomes. */
export async function streamRestore(
  rss: ReplicatedStatefulSet,
  spec: ResolvedSpec,
  member: string,
  objectKey: string,
  openStore: StoreOpener,
  commands: CommandRunner,
): Promise<CommandOutcome> {
  const failed = (error: string): CommandOutcome => ({ exitCode: null, timedOut: false, stdout: '', stderr: '', error });
  const restore = spec.commands.restore;
  if (!restore) return failed('no restore command (spec.pod.commands.restore)');
  if (!spec.backup) return failed('no backup storage (spec.backup.storage.s3)');
  let store;
  try {
    store = await openStore(rss.metadata.namespace!, spec.backup.storage);
  } catch (error) {
    return failed(error instanceof StorageError ? error.message : String(error));
  }
  try {
    const manifest = await store.manifest(objectKey);
    const body = await store.download(objectKey);
    const verified = new VerifiedTail(manifest.sha256, manifest.size);
    // A mismatch errors the stream, maybe before the command reads it: the exec's stdin pump reports it in
    // the outcome; here it must only not go unheard (an unheard 'error' ends the process).
    verified.on('error', () => undefined);
    body.on('error', (error) => verified.destroy(error));
    body.pipe(verified);
    return await commands.run(
      { namespace: rss.metadata.namespace!, pod: member, container: spec.pod.containers[0]!.name, argv: restore.argv, timeoutMs: restore.timeoutMs },
      { stdin: verified },
    );
  } catch (error) {
    return failed(error instanceof Error ? error.message : String(error));
  } finally {
    store.destroy();
  }
}
