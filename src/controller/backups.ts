// The backup controller: one Backup resource from Pending to Completed or Failed.
//
// It chooses a member (engine/backup-target.ts), reads its `sequence`, runs its `backup` command and
// streams stdout into object storage, hashing and counting on the way; the manifest that makes the backup
// usable is written last. While the backup runs, the member is watched: when its pod goes, or its role
// changes, the backup is ended and fails. A failed backup leaves no object that looks complete: the
// multipart upload is aborted, and a data object already written is deleted. One backup per cluster at a
// time; a backup is never retried (a new Backup is: schedules make one at their next time).
import type { CoreV1Api, CustomObjectsApi, V1Pod } from '@kubernetes/client-node';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { resolveBackupSpec, type ResolvedBackupSpec, type ResolvedS3Storage } from '../api/backup-spec.ts';
import type { Backup, BackupManifest, BackupStatus } from '../api/backup-types.ts';
import { BACKUP_KIND, BACKUP_PLURAL, FIELD_MANAGER, FINALIZER_BACKUP_OBJECTS, GROUP, LABEL_BACKUP_CLUSTER, VERSION, ordinalOf } from '../api/names.ts';
import { resolveSpec, type ResolvedSpec } from '../api/spec.ts';
import type { ReplicatedStatefulSet } from '../api/types.ts';
import { readStorageAccess } from '../backup/access.ts';
import { ObjectStore, StorageError, type StorageAccess } from '../backup/object-store.ts';
import { Digest } from '../backup/streams.ts';
import { chooseBackupMember, type BackupCandidate } from '../engine/backup-target.ts';
import { describeFailure, describeSequence, parseSequence, sequenceToJson, succeeded } from '../engine/index.ts';
import type { EventRecorder, EventType } from '../kube/events.ts';
import { describeError } from '../kube/exec.ts';
import type { OperatorMetrics } from '../manager/metrics.ts';
import type { CommandRunner } from './ports.ts';

export interface BackupCaches {
  backup(namespace: string, name: string): Backup | undefined;
  backups(namespace: string): Backup[];
  cluster(namespace: string, name: string): ReplicatedStatefulSet | undefined;
  pods(namespace: string, cluster: string): V1Pod[];
}

/** Opens the object store of a cluster (reading its Secrets); a port, so tests can give another. */
export type StoreOpener = (namespace: string, storage: ResolvedS3Storage) => Promise<ObjectStore>;

export function storeOpener(core: CoreV1Api): StoreOpener {
  return async (namespace, storage) => {
    const access: StorageAccess = await readStorageAccess(core, namespace, storage);
    return new ObjectStore(access);
  };
}

export interface BackupControllerDeps {
  caches: BackupCaches;
  custom: CustomObjectsApi;
  commands: CommandRunner;
  events: EventRecorder;
  metrics: OperatorMetrics;
  log: Logger;
  openStore: StoreOpener;
  /** How often the member is checked while a backup runs. */
  watchIntervalMs?: number;
}

/** How long a Pending backup waits before looking again (another backup running, no healthy member). */
const PENDING_RETRY_MS = 3_000;

class BackupEnded extends Error {}

export class BackupController {
  private readonly d: BackupControllerDeps;
  /** Backups this process is running, by "namespace/name"; and by "namespace/cluster". */
  private readonly running = new Set<string>();
  /**
   * Backups this process started (by UID): once ended, the cache may still show them Running for a moment
   * (the final status write not seen yet), which must not be read as a run lost to a restart.
   */
  private readonly startedHere = new Set<string>();
  private readonly runningForCluster = new Map<string, string>();

  constructor(deps: BackupControllerDeps) {
    this.d = deps;
  }

  async reconcile(namespace: string, name: string): Promise<{ requeueAfterMs?: number }> {
    const backup = this.d.caches.backup(namespace, name);
    if (!backup) return {};
    if (backup.metadata.deletionTimestamp) {
      await this.finalize(backup);
      return {};
    }
    if (!backup.metadata.uid) return {};
    const phase = backup.status?.phase;
    if (phase === 'Completed' || phase === 'Failed') return {};
    if (this.running.has(`${namespace}/${name}`) || this.startedHere.has(backup.metadata.uid ?? '')) return {};
    if (phase === 'Running') {
      // Running in status but not here: the process that ran it is gone, and its stream with it.
      await this.fail(backup, 'the operator restarted while this backup ran; its stream was lost (a partial upload is never completed)', await this.tryDelete(backup));
      return {};
    }
    return await this.start(backup);
  }

  private async start(backup: Backup): Promise<{ requeueAfterMs?: number }> {
    const namespace = backup.metadata.namespace!;
    const name = backup.metadata.name!;
    const problems: string[] = [];
    const spec = resolveBackupSpec({ problem: (f, m) => problems.push(`${f}: ${m}`) }, backup);
    if (!spec) return await this.fail(backup, `invalid Backup: ${problems.join('; ')}`);
    const rss = this.d.caches.cluster(namespace, spec.cluster);
    if (!rss) return await this.fail(backup, `ReplicatedStatefulSet ${spec.cluster} not found in namespace ${namespace}`);
    const resolved = resolveSpec(rss);
    if (!resolved.ok) return await this.fail(backup, `the spec of ${spec.cluster} is not valid; fix it first`);
    const cluster = resolved.spec;
    if (!cluster.commands.backup) return await this.fail(backup, `${spec.cluster} has no backup command (spec.pod.commands.backup)`);
    if (!cluster.backup) return await this.fail(backup, `${spec.cluster} has no backup storage (spec.backup.storage.s3)`);
    if (cluster.policy.paused) return await this.pending(backup, `${spec.cluster} is paused: no command is run in its members`);

    const clusterKey = `${namespace}/${spec.cluster}`;
    const other = this.runningForCluster.get(clusterKey) ??
      this.d.caches.backups(namespace).find((b) => b.metadata.name !== name && b.spec?.cluster === spec.cluster && b.status?.phase === 'Running')?.metadata.name;
    if (other !== undefined) return await this.pending(backup, `waiting for backup ${other} of ${spec.cluster} to end (one backup of a cluster at a time)`);

    const pods = new Map(this.d.caches.pods(namespace, spec.cluster).map((p) => [p.metadata!.name!, p]));
    const candidates: BackupCandidate[] = (rss.status?.memberStatus ?? []).flatMap((m) => {
      const ordinal = ordinalOf(m.name, spec.cluster);
      const pod = pods.get(m.name);
      if (ordinal === undefined || ordinal >= cluster.policy.replicas) return [];
      const healthy = pod?.status?.phase === 'Running' && !pod.metadata?.deletionTimestamp && pod.metadata?.uid === m.podUID &&
        m.failures === 0 && !m.fenced && !cluster.policy.fenced.includes(m.name);
      return [{ name: m.name, ordinal, role: m.role, healthy }];
    });
    const choice = chooseBackupMember(candidates, spec.target ?? cluster.backup.target);
    if ('wait' in choice) return await this.pending(backup, choice.wait);

    // The cluster is this backup's from here on: another Backup of it reconciled meanwhile waits.
    this.running.add(`${namespace}/${name}`);
    this.runningForCluster.set(clusterKey, name);
    if (backup.metadata.uid) this.startedHere.add(backup.metadata.uid);
    let store: ObjectStore | undefined;
    try {
      try {
        store = await this.d.openStore(namespace, cluster.backup.storage);
        await store.check();
      } catch (error) {
        return await this.fail(backup, error instanceof StorageError ? error.message : `storage: ${describeError(error)}`);
      }
      return await this.run(backup, name, spec, cluster, choice, pods.get(choice.member)!, store, clusterKey);
    } finally {
      this.running.delete(`${namespace}/${name}`);
      if (this.runningForCluster.get(clusterKey) === name) this.runningForCluster.delete(clusterKey);
      store?.destroy();
    }
  }

  /** Streams the backup of the chosen member into storage; the Backup ends Completed or Failed. */
  private async run(
    backup: Backup,
    name: string,
    spec: ResolvedBackupSpec,
    cluster: ResolvedSpec,
    choice: { member: string; role: 'primary' | 'secondary' },
    pod: V1Pod,
    store: ObjectStore,
    clusterKey: string,
  ): Promise<{ requeueAfterMs?: number }> {
    const namespace = backup.metadata.namespace!;
    const key = store.keyFor(namespace, spec.cluster, name);
    const startedAt = new Date();
    const backupCommand = cluster.commands.backup!; // checked by start()
    await this.label(backup, spec.cluster, spec.deletionPolicy === 'Delete');
    await this.patchStatus(backup, {
      phase: 'Running',
      member: choice.member,
      role: choice.role,
      objectKey: key,
      bucket: store.access.storage.bucket,
      startedAt: startedAt.toISOString(),
      message: `streaming the backup of ${choice.member} (${choice.role}) into ${key}`,
    });
    this.event(backup, 'Normal', 'BackupStarted', `Backing up ${spec.cluster} from ${choice.member} (${choice.role}) into ${store.access.storage.bucket}/${key}`);
    const container = cluster.pod.containers[0]!.name;
    const sequenceRun = await this.d.commands.run({ namespace, pod: choice.member, container, argv: cluster.commands.sequence.argv, timeoutMs: cluster.commands.sequence.timeoutMs });
    const sequence = succeeded(sequenceRun) ? parseSequence(sequenceRun.stdout) : null;
    const recorded = sequence === null ? { sequence: null } : { sequence: sequenceToJson(sequence.value), ...(sequence.history !== undefined ? { history: sequence.history } : {}) };

    const ended = new AbortController();
    const stopWatching = this.watchMember(namespace, spec.cluster, choice.member, pod.metadata!.uid!, choice.role, ended);
    const digest = new Digest();
    // Its errors reach the upload (which aborts) and the outcome; an unheard 'error' would end the process.
    digest.on('error', () => undefined);
    const upload = store.upload(key, digest, ended.signal);
    // Storage failing mid-way ends the command too: nothing would take its output.
    upload.catch((error: unknown) => ended.abort(new BackupEnded(error instanceof Error ? error.message : String(error))));
    const started = performance.now();
    const outcome = await this.d.commands.run(
      { namespace, pod: choice.member, container, argv: backupCommand.argv, timeoutMs: backupCommand.timeoutMs },
      { stdout: digest, signal: ended.signal },
    );
    stopWatching();
    let failure: string | undefined;
    if (succeeded(outcome)) {
      digest.end();
      try {
        await upload;
      } catch (error) {
        failure = error instanceof Error ? error.message : String(error);
      }
    } else {
      failure = ended.signal.aborted ? (ended.signal.reason as Error).message : describeFailure('backup', outcome);
      digest.destroy(new BackupEnded(failure));
      await upload.catch(() => undefined);
    }
    if (failure === undefined && digest.bytes === 0) failure = 'the backup command exited 0 but wrote nothing to stdout';
    if (failure !== undefined) {
      const cleaned = await this.tryDelete(backup, store, key);
      this.d.metrics.backupFailures.inc({ cluster: clusterKey });
      return await this.fail(backup, `backup from ${choice.member} failed: ${failure}`, cleaned);
    }
    const completedAt = new Date();
    const manifest: BackupManifest = {
      format: 'rss-operator-backup/v1',
      namespace,
      cluster: spec.cluster,
      backup: name,
      member: choice.member,
      role: choice.role,
      ...recorded,
      size: digest.bytes,
      sha256: digest.sha256(),
      startedAt: startedAt.toISOString(),
      completedAt: completedAt.toISOString(),
    };
    try {
      await store.putManifest(key, manifest);
    } catch (error) {
      const cleaned = await this.tryDelete(backup, store, key);
      this.d.metrics.backupFailures.inc({ cluster: clusterKey });
      return await this.fail(backup, (error as Error).message, cleaned);
    }
    const seconds = (performance.now() - started) / 1000;
    this.d.metrics.backupDuration.observe({ cluster: clusterKey }, seconds);
    this.d.metrics.backupBytes.set({ cluster: clusterKey }, digest.bytes);
    this.d.metrics.backupLastSuccess.set({ cluster: clusterKey }, completedAt.getTime() / 1000);
    await this.patchStatus(backup, {
      phase: 'Completed',
      ...recorded,
      size: digest.bytes,
      sha256: manifest.sha256,
      completedAt: manifest.completedAt,
      message: `${formatBytes(digest.bytes)} from ${choice.member} (${choice.role}, sequence ${describeSequence(sequence)}) in ${seconds.toFixed(1)} s`,
    });
    this.event(backup, 'Normal', 'BackupCompleted', `Backup ${name} of ${spec.cluster} completed: ${formatBytes(digest.bytes)} from ${choice.member}, sequence ${describeSequence(sequence)}, sha256 ${manifest.sha256.slice(0, 12)}…`);
    return {};
  }

  /** Checks the member while the backup runs; ends the backup when its pod goes or its role changes. */
  private watchMember(namespace: string, cluster: string, member: string, uid: string, role: string, ended: AbortController): () => void {
    const timer = setInterval(() => {
      const pod = this.d.caches.pods(namespace, cluster).find((p) => p.metadata?.name === member);
      const record = this.d.caches.cluster(namespace, cluster)?.status?.memberStatus?.find((m) => m.name === member);
      let why: string | undefined;
      if (!pod || pod.metadata?.uid !== uid) why = `${member}'s pod was deleted during the backup`;
      else if (pod.metadata?.deletionTimestamp) why = `${member}'s pod is being deleted`;
      else if (record && record.podUID === uid && record.role !== role) why = `${member} changed from ${role} to ${record.role} during the backup`;
      if (why !== undefined) ended.abort(new BackupEnded(why));
    }, this.d.watchIntervalMs ?? 500);
    return () => clearInterval(timer);
  }

  private async pending(backup: Backup, message: string): Promise<{ requeueAfterMs: number }> {
    if (backup.status?.phase !== 'Pending' || backup.status.message !== message) {
      await this.patchStatus(backup, { phase: 'Pending', message });
    }
    return { requeueAfterMs: PENDING_RETRY_MS };
  }

  private async fail(backup: Backup, message: string, cleanup?: string): Promise<{ requeueAfterMs?: number }> {
    const text = cleanup ? `${message}; ${cleanup}` : message;
    await this.patchStatus(backup, { phase: 'Failed', message: text, completedAt: new Date().toISOString() });
    this.event(backup, 'Warning', 'BackupFailed', `Backup ${backup.metadata.name} failed: ${text}`);
    return {};
  }

  /** Deletes what a failed backup may have written; says what happened, for the status. */
  private async tryDelete(backup: Backup, store?: ObjectStore, key?: string): Promise<string | undefined> {
    const objectKey = key ?? backup.status?.objectKey;
    if (!objectKey) return undefined;
    let opened = store;
    try {
      if (!opened) {
        const rss = this.d.caches.cluster(backup.metadata.namespace!, backup.spec?.cluster ?? '');
        const resolved = rss ? resolveSpec(rss) : undefined;
        if (!resolved?.ok || !resolved.spec.backup) return `the partial object ${objectKey} could not be checked (no storage settings)`;
        opened = await this.d.openStore(backup.metadata.namespace!, resolved.spec.backup.storage);
      }
      await opened.delete(objectKey);
      return `nothing was kept in storage`;
    } catch (error) {
      return `removing ${objectKey} failed (${(error as Error).message}); it has no manifest, so it is never restored`;
    } finally {
      if (!store) opened?.destroy();
    }
  }

  /** Deleting a Backup with deletionPolicy Delete removes its objects first. */
  private async finalize(backup: Backup): Promise<void> {
    if (!(backup.metadata.finalizers ?? []).includes(FINALIZER_BACKUP_OBJECTS)) return;
    if (backup.spec?.deletionPolicy === 'Delete' && backup.status?.objectKey) {
      const rss = this.d.caches.cluster(backup.metadata.namespace!, backup.spec.cluster);
      const resolved = rss ? resolveSpec(rss) : undefined;
      if (resolved?.ok && resolved.spec.backup) {
        const store = await this.d.openStore(backup.metadata.namespace!, resolved.spec.backup.storage);
        try {
          await store.delete(backup.status.objectKey);
        } catch (error) {
          this.event(backup, 'Warning', 'BackupDeleteFailed', `Could not delete ${backup.status.objectKey}: ${(error as Error).message}; retrying`);
          throw error;
        } finally {
          store.destroy();
        }
      } else {
        this.event(backup, 'Warning', 'BackupObjectsKept', `The objects of ${backup.metadata.name} (${backup.status.objectKey}) are kept: the cluster ${backup.spec.cluster} and its storage settings are gone`);
      }
    }
    const finalizers = (backup.metadata.finalizers ?? []).filter((f) => f !== FINALIZER_BACKUP_OBJECTS);
    await this.d.custom.patchNamespacedCustomObject(
      { group: GROUP, version: VERSION, namespace: backup.metadata.namespace!, plural: BACKUP_PLURAL, name: backup.metadata.name!, body: { metadata: { finalizers, resourceVersion: backup.metadata.resourceVersion } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  /** The cluster label (for listing a cluster's backups), and the finalizer when deleting must remove the objects. */
  private async label(backup: Backup, cluster: string, withFinalizer: boolean): Promise<void> {
    const finalizers = backup.metadata.finalizers ?? [];
    const wantFinalizer = withFinalizer && !finalizers.includes(FINALIZER_BACKUP_OBJECTS);
    if (!wantFinalizer && backup.metadata.labels?.[LABEL_BACKUP_CLUSTER] === cluster) return;
    const metadata: Record<string, unknown> = { labels: { [LABEL_BACKUP_CLUSTER]: cluster } };
    if (wantFinalizer) metadata['finalizers'] = [...finalizers, FINALIZER_BACKUP_OBJECTS];
    await this.d.custom.patchNamespacedCustomObject(
      { group: GROUP, version: VERSION, namespace: backup.metadata.namespace!, plural: BACKUP_PLURAL, name: backup.metadata.name!, body: { metadata } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  private async patchStatus(backup: Backup, status: BackupStatus): Promise<void> {
    // One condition, Completed, for tools that wait on conditions (kubectl wait --for=condition=Completed).
    if (status.phase !== undefined) {
      const done = status.phase === 'Completed';
      const previous = backup.status?.conditions?.find((c) => c.type === 'Completed');
      const value = done ? 'True' : 'False';
      status.conditions = [{
        type: 'Completed',
        status: value,
        reason: status.phase,
        message: status.message ?? '',
        lastTransitionTime: previous && previous.status === value ? previous.lastTransitionTime : new Date().toISOString(),
        observedGeneration: backup.metadata.generation ?? 0,
      }];
      status.observedGeneration = backup.metadata.generation ?? 0;
    }
    try {
      await this.d.custom.patchNamespacedCustomObjectStatus(
        { group: GROUP, version: VERSION, namespace: backup.metadata.namespace!, plural: BACKUP_PLURAL, name: backup.metadata.name!, body: { status }, fieldManager: FIELD_MANAGER },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      backup.status = { ...backup.status, ...status };
    } catch (error) {
      if ((error as { code?: number }).code === 404) return;
      throw error;
    }
  }

  /** Events go on the Backup and on its cluster, where `kubectl describe rss` shows them. */
  private event(backup: Backup, type: EventType, reason: string, message: string): void {
    const namespace = backup.metadata.namespace!;
    void this.d.events.record({ namespace, name: backup.metadata.name!, kind: BACKUP_KIND, ...(backup.metadata.uid ? { uid: backup.metadata.uid } : {}) }, type, reason, message);
    const rss = this.d.caches.cluster(namespace, backup.spec?.cluster ?? '');
    if (rss) void this.d.events.record({ namespace, name: rss.metadata.name!, ...(rss.metadata.uid ? { uid: rss.metadata.uid } : {}) }, type, reason, message);
  }
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
