// The schedule controller: a BackupSchedule makes Backups at its times and removes old ones
// (engine/schedule.ts decides; this carries it out).
//
// Level-triggered and safe to run twice: the Backup of a window has a deterministic name, so a second
// attempt (a double reconcile, a restart before the status was written, a stale cache) is refused by the
// API server with AlreadyExists, which counts as done. The last window is read from the status, and also
// from the names of this schedule's Backups in the cache, in case the status write was lost.
//
// The Backups carry no ownerReference to the schedule: deleting a schedule must not delete its backups.
import type { CustomObjectsApi } from '@kubernetes/client-node';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { resolveScheduleSpec, type ResolvedScheduleSpec } from '../api/backup-spec.ts';
import type { Backup, BackupSchedule, BackupSpec } from '../api/backup-types.ts';
import {
  API_VERSION,
  BACKUP_KIND,
  BACKUP_PLURAL,
  BACKUP_SCHEDULE_KIND,
  BACKUP_SCHEDULE_PLURAL,
  FIELD_MANAGER,
  GROUP,
  LABEL_BACKUP_CLUSTER,
  LABEL_BACKUP_SCHEDULE,
  VERSION,
} from '../api/names.ts';
import type { StatusCondition } from '../api/types.ts';
import { backupName, decideSchedule, nextTime, scheduledAtOf, validCron, type ScheduleBackup, type ScheduleDecision } from '../engine/schedule.ts';
import type { EventRecorder, EventType } from '../kube/events.ts';

export interface ScheduleCaches {
  schedule(namespace: string, name: string): BackupSchedule | undefined;
  backups(namespace: string): Backup[];
  /** The ReplicatedStatefulSet; only its presence (and metadata, for events) is used. */
  cluster(namespace: string, name: string): unknown | undefined;
}

export interface ScheduleControllerDeps {
  caches: ScheduleCaches;
  custom: CustomObjectsApi;
  events: EventRecorder;
  log: Logger;
  /** The clock (ms since the epoch); tests give their own. */
  now?: () => number;
}

/** How long a schedule whose cluster is missing waits before looking again. */
const MISSING_CLUSTER_RETRY_MS = 30_000;
/** A label value's limit: the schedule's name labels its Backups. */
const MAX_LABEL_VALUE = 63;
const READY = 'Ready';

/** The status fields this controller writes; null removes a field (merge patch). */
interface StatusPatch {
  lastScheduleTime?: string;
  lastBackup?: string;
  lastSuccessfulBackup?: string;
  nextScheduleTime?: string | null;
  message: string;
  conditions: StatusCondition[];
}

type Json = Record<string, unknown>;

function apiCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** A timestamp as the caches hold it: a string from raw JSON, or a Date from the typed client. */
function millis(v: unknown): number | undefined {
  const ms = v instanceof Date ? v.getTime() : typeof v === 'string' ? Date.parse(v) : NaN;
  return Number.isFinite(ms) ? ms : undefined;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.000Z$/, 'Z');

export class ScheduleController {
  private readonly d: ScheduleControllerDeps;
  private readonly now: () => number;

  constructor(deps: ScheduleControllerDeps) {
    this.d = deps;
    this.now = deps.now ?? Date.now;
  }

  async reconcile(namespace: string, name: string): Promise<{ requeueAfterMs?: number }> {
    const schedule = this.d.caches.schedule(namespace, name);
    if (!schedule || schedule.metadata.deletionTimestamp) return {};
    const problems: string[] = [];
    const spec = resolveScheduleSpec({ problem: (f, m) => problems.push(`${f}: ${m}`) }, schedule, validCron);
    if (name.length > MAX_LABEL_VALUE) {
      problems.push(`metadata.name: must be at most ${MAX_LABEL_VALUE} characters (it labels the Backups the schedule makes), got ${name.length}`);
    }
    if (!spec || problems.length > 0) {
      const message = `invalid BackupSchedule: ${problems.join('; ')}`;
      // Only on a change: a resync must not repeat the warning.
      if (schedule.status?.message !== message) this.event(schedule, undefined, 'Warning', 'InvalidBackupSchedule', message);
      await this.patchStatus(schedule, { nextScheduleTime: null, message, conditions: this.conditions(schedule, 'False', 'InvalidSpec', message) });
      return {};
    }

    const now = this.now();
    const cluster = this.d.caches.cluster(namespace, spec.cluster);
    if (cluster === undefined || cluster === null) {
      const message = `ReplicatedStatefulSet ${spec.cluster} not found in namespace ${namespace}: no backup is taken until it exists`;
      if (schedule.status?.message !== message) this.event(schedule, undefined, 'Warning', 'ClusterNotFound', message);
      await this.patchStatus(schedule, {
        nextScheduleTime: spec.suspend ? null : iso(nextTime(spec.schedule, now)),
        message,
        conditions: this.conditions(schedule, 'False', 'ClusterNotFound', message),
      });
      return { requeueAfterMs: MISSING_CLUSTER_RETRY_MS };
    }

    const all = this.d.caches.backups(namespace);
    const own = all.filter((b) => b.metadata.labels?.[LABEL_BACKUP_SCHEDULE] === name);
    const ofCluster = all.filter((b) => !b.metadata.deletionTimestamp && (b.metadata.labels?.[LABEL_BACKUP_CLUSTER] === spec.cluster || b.spec?.cluster === spec.cluster));
    const backups: ScheduleBackup[] = ofCluster.map((b) => {
      const entry: ScheduleBackup = {
        name: b.metadata.name!,
        phase: b.status?.phase,
        // Without a creation time (never from the API server), the backup counts as the newest.
        createdAt: millis(b.metadata.creationTimestamp) ?? now,
        fromThisSchedule: b.metadata.labels?.[LABEL_BACKUP_SCHEDULE] === name,
      };
      const completedAt = millis(b.status?.completedAt);
      if (completedAt !== undefined) entry.completedAt = completedAt;
      return entry;
    });

    // The status may have lost the last write; this schedule's Backups name their window.
    const fromNames = own.map((b) => scheduledAtOf(name, b.metadata.name ?? '')).filter((t): t is number => t !== undefined);
    const fromStatus = millis(schedule.status?.lastScheduleTime);
    const known = [...fromNames, ...(fromStatus !== undefined ? [fromStatus] : [])];
    const lastScheduleTime = known.length > 0 ? Math.max(...known) : undefined;

    const decision = decideSchedule({
      now,
      cron: spec.schedule,
      suspend: spec.suspend,
      ...(lastScheduleTime !== undefined ? { lastScheduleTime } : {}),
      // The API server always sets it; without one the schedule counts as old.
      createdAt: millis(schedule.metadata.creationTimestamp) ?? 0,
      backups,
      ...(spec.keep !== undefined ? { keep: spec.keep } : {}),
      ...(spec.maxAgeMs !== undefined ? { maxAgeMs: spec.maxAgeMs } : {}),
    });

    let created: { name: string; scheduledAt: number } | undefined;
    if (decision.create) {
      created = { name: backupName(name, decision.create.scheduledAt), scheduledAt: decision.create.scheduledAt };
      const made = await this.create(schedule, spec, created.name);
      if (made) this.event(schedule, cluster, 'Normal', 'BackupScheduled', `Created backup ${created.name} of ${spec.cluster} for the ${iso(created.scheduledAt)} window`);
    }
    const deleted = await this.prune(schedule, ofCluster, decision);
    if (deleted.length > 0) {
      const reasons = decision.delete.filter((d) => deleted.includes(d.name)).map((d) => `${d.name} (${d.reason})`);
      this.event(schedule, cluster, 'Normal', 'BackupsPruned', `Deleted ${deleted.length} backup${deleted.length === 1 ? '' : 's'} of ${spec.cluster} for retention: ${reasons.join('; ')}`);
    }

    await this.patchStatus(schedule, this.status(schedule, spec, decision, created, lastScheduleTime, own, deleted));
    return { requeueAfterMs: decision.requeueAfterMs };
  }

  /** Creates the Backup of a window; false when it already exists (made by an earlier attempt). */
  private async create(schedule: BackupSchedule, spec: ResolvedScheduleSpec, name: string): Promise<boolean> {
    const namespace = schedule.metadata.namespace!;
    const backupSpec: BackupSpec = { cluster: spec.cluster, deletionPolicy: spec.deletionPolicy };
    if (spec.target !== undefined) backupSpec.target = spec.target;
    const body: Backup = {
      apiVersion: API_VERSION,
      kind: BACKUP_KIND,
      metadata: {
        name,
        namespace,
        labels: { [LABEL_BACKUP_CLUSTER]: spec.cluster, [LABEL_BACKUP_SCHEDULE]: schedule.metadata.name! },
      },
      spec: backupSpec,
    };
    try {
      await this.d.custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: BACKUP_PLURAL, body, fieldManager: FIELD_MANAGER });
      this.d.log.info({ schedule: `${namespace}/${schedule.metadata.name}`, backup: name }, 'scheduled backup created');
      return true;
    } catch (error) {
      if (apiCode(error) === 409) {
        this.d.log.debug({ schedule: `${namespace}/${schedule.metadata.name}`, backup: name }, 'scheduled backup already exists');
        return false;
      }
      throw error;
    }
  }

  /** Deletes the backups retention chose; returns those deleted (or already gone). */
  private async prune(schedule: BackupSchedule, ofCluster: Backup[], decision: ScheduleDecision): Promise<string[]> {
    const namespace = schedule.metadata.namespace!;
    const deleted: string[] = [];
    for (const { name } of decision.delete) {
      const uid = ofCluster.find((b) => b.metadata.name === name)?.metadata.uid;
      try {
        await this.d.custom.deleteNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          namespace,
          plural: BACKUP_PLURAL,
          name,
          // The uid precondition: only the backup that was judged, never one recreated under its name.
          ...(uid ? { body: { preconditions: { uid } } } : {}),
        });
        deleted.push(name);
      } catch (error) {
        const code = apiCode(error);
        if (code === 404) deleted.push(name);
        else if (code === 409) this.d.log.info({ backup: `${namespace}/${name}` }, 'backup changed since it was chosen for retention; left alone');
        else throw error;
      }
    }
    return deleted;
  }

  private status(
    schedule: BackupSchedule,
    spec: ResolvedScheduleSpec,
    decision: ScheduleDecision,
    created: { name: string; scheduledAt: number } | undefined,
    lastScheduleTime: number | undefined,
    own: Backup[],
    deleted: string[],
  ): StatusPatch {
    const name = schedule.metadata.name!;
    const creation = new Map(own.map((b) => [b.metadata.name ?? '', millis(b.metadata.creationTimestamp)]));
    // Newest by window for the names that carry one, by creation for any other; the status's own answer
    // competes with the cache's, as either may be behind the other.
    const when = (n: string) => scheduledAtOf(name, n) ?? creation.get(n) ?? 0;
    const newest = (names: (string | undefined)[]) =>
      names.reduce<string | undefined>((best, n) => (n === undefined || n === '' ? best : best === undefined || when(n) > when(best) ? n : best), undefined);
    const lastTime = created?.scheduledAt ?? lastScheduleTime;
    const lastBackup = created?.name ?? newest([...own.map((b) => b.metadata.name), schedule.status?.lastBackup]);
    const completed = own.filter((b) => b.status?.phase === 'Completed' && !b.metadata.deletionTimestamp && !deleted.includes(b.metadata.name ?? ''));
    const previous = schedule.status?.lastSuccessfulBackup;
    const good = newest([...completed.map((b) => b.metadata.name), previous !== undefined && !deleted.includes(previous) ? previous : undefined]);

    let message = decision.message;
    if (created) message = `created ${created.name} for ${iso(created.scheduledAt)}; next backup at ${iso(decision.nextScheduleTime)}`;
    else if (decision.waitingFor !== undefined || spec.suspend) message = decision.message.replace(/; deleting .*$/, '');
    else message = `next backup at ${iso(decision.nextScheduleTime)}`;
    if (deleted.length > 0) message += `; deleted ${deleted.join(', ')} (retention)`;

    const reason = spec.suspend ? 'Suspended' : decision.waitingFor !== undefined ? 'Waiting' : 'Scheduled';
    const out: StatusPatch = {
      nextScheduleTime: spec.suspend ? null : iso(decision.nextScheduleTime),
      message,
      conditions: this.conditions(schedule, 'True', reason, message),
    };
    if (lastTime !== undefined) out.lastScheduleTime = iso(lastTime);
    if (lastBackup !== undefined) out.lastBackup = lastBackup;
    if (good !== undefined) out.lastSuccessfulBackup = good;
    return out;
  }

  /** The Ready condition; its transition time moves only when its status does. */
  private conditions(schedule: BackupSchedule, status: 'True' | 'False', reason: string, message: string): StatusCondition[] {
    const previous = schedule.status?.conditions?.find((c) => c.type === READY);
    const condition: StatusCondition = {
      type: READY,
      status,
      reason,
      message,
      lastTransitionTime: previous && previous.status === status ? previous.lastTransitionTime : iso(Math.floor(this.now() / 1000) * 1000),
    };
    if (schedule.metadata.generation !== undefined) condition.observedGeneration = schedule.metadata.generation;
    return [...(schedule.status?.conditions ?? []).filter((c) => c.type !== READY), condition];
  }

  /** Writes the status when it differs from the cached one (a schedule looks again every few seconds while a backup runs). */
  private async patchStatus(schedule: BackupSchedule, status: StatusPatch): Promise<void> {
    const current = (schedule.status ?? {}) as Json;
    const changed = Object.entries(status).some(([k, v]) => JSON.stringify(v ?? undefined) !== JSON.stringify(current[k] ?? undefined));
    if (!changed) return;
    try {
      await this.d.custom.patchNamespacedCustomObjectStatus(
        {
          group: GROUP,
          version: VERSION,
          namespace: schedule.metadata.namespace!,
          plural: BACKUP_SCHEDULE_PLURAL,
          name: schedule.metadata.name!,
          body: { status },
          fieldManager: FIELD_MANAGER,
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    } catch (error) {
      if (apiCode(error) === 404) return;
      throw error;
    }
  }

  /** Events go on the schedule and on its cluster, where `kubectl describe rss` shows them. */
  private event(schedule: BackupSchedule, cluster: unknown, type: EventType, reason: string, message: string): void {
    const namespace = schedule.metadata.namespace!;
    const uid = schedule.metadata.uid;
    void this.d.events.record({ namespace, name: schedule.metadata.name!, kind: BACKUP_SCHEDULE_KIND, ...(uid ? { uid } : {}) }, type, reason, message);
    const meta = (cluster as { metadata?: { name?: unknown; uid?: unknown } } | undefined)?.metadata;
    if (typeof meta?.name === 'string') {
      void this.d.events.record({ namespace, name: meta.name, ...(typeof meta.uid === 'string' ? { uid: meta.uid } : {}) }, type, reason, message);
    }
  }
}
