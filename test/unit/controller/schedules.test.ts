// The schedule controller against a fake API (recording calls) and in-memory caches.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CustomObjectsApi } from '@kubernetes/client-node';
import { pino } from 'pino';

import type { Backup, BackupSchedule } from '../../../src/api/backup-types.ts';
import { LABEL_BACKUP_CLUSTER, LABEL_BACKUP_SCHEDULE } from '../../../src/api/names.ts';
import { ScheduleController } from '../../../src/controller/schedules.ts';
import type { EventRecorder } from '../../../src/kube/events.ts';

const NS = 'ns';
const at = (iso: string) => Date.parse(iso);

interface Call {
  method: string;
  param: Record<string, unknown>;
}

class ApiError extends Error {
  readonly code: number;
  constructor(code: number) {
    super(`HTTP ${code}`);
    this.code = code;
  }
}

function world(opts: { schedule?: Partial<BackupSchedule['spec']>; status?: BackupSchedule['status']; now: number; cluster?: boolean; backups?: Backup[] }) {
  const schedule: BackupSchedule = {
    apiVersion: 'clusterlabs.org/v1alpha1',
    kind: 'BackupSchedule',
    metadata: { name: 'nightly', namespace: NS, uid: 'sched-uid', generation: 1, creationTimestamp: '2024-01-01T00:00:00Z' as unknown as Date },
    spec: { cluster: 'db', schedule: '0 3 * * *', ...opts.schedule },
    ...(opts.status ? { status: opts.status } : {}),
  };
  const backups: Backup[] = [...(opts.backups ?? [])];
  const calls: Call[] = [];
  const events: { subject: { name: string; kind?: string }; type: string; reason: string; message: string }[] = [];
  /** Names the fake API server holds: a create of one of them fails with 409. */
  const server = new Set(backups.map((b) => b.metadata.name!));
  const custom = {
    async createNamespacedCustomObject(param: Record<string, unknown>) {
      calls.push({ method: 'create', param });
      const name = (param['body'] as Backup).metadata.name!;
      if (server.has(name)) throw new ApiError(409);
      server.add(name);
      return param['body'];
    },
    async deleteNamespacedCustomObject(param: Record<string, unknown>) {
      calls.push({ method: 'delete', param });
      if (!server.delete(param['name'] as string)) throw new ApiError(404);
      return {};
    },
    async patchNamespacedCustomObjectStatus(param: Record<string, unknown>) {
      calls.push({ method: 'patchStatus', param });
      // The merge patch, as the API server applies it (null removes).
      const status: Record<string, unknown> = { ...(schedule.status ?? {}) };
      for (const [k, v] of Object.entries((param['body'] as { status: Record<string, unknown> }).status)) {
        if (v === null) delete status[k];
        else status[k] = v;
      }
      schedule.status = status;
      return schedule;
    },
  };
  const recorder = {
    record: async (subject: { name: string; kind?: string }, type: string, reason: string, message: string) => void events.push({ subject, type, reason, message }),
  };
  const clock = { now: opts.now };
  const controller = new ScheduleController({
    caches: {
      schedule: (ns, name) => (ns === NS && name === 'nightly' ? schedule : undefined),
      backups: (ns) => (ns === NS ? backups : []),
      cluster: (ns, name) => (opts.cluster !== false && ns === NS && name === 'db' ? { metadata: { name: 'db', namespace: NS, uid: 'db-uid' } } : undefined),
    },
    custom: custom as unknown as CustomObjectsApi,
    events: recorder as unknown as EventRecorder,
    log: pino({ level: 'silent' }),
    now: () => clock.now,
  });
  return { controller, schedule, backups, calls, events, clock, server, of: (method: string) => calls.filter((c) => c.method === method) };
}

function stored(name: string, phase: 'Pending' | 'Running' | 'Completed' | 'Failed' | undefined, created: string, over: { schedule?: string | null; uid?: string; completedAt?: string } = {}): Backup {
  const labels: Record<string, string> = { [LABEL_BACKUP_CLUSTER]: 'db' };
  if (over.schedule !== null) labels[LABEL_BACKUP_SCHEDULE] = over.schedule ?? 'nightly';
  const b: Backup = {
    apiVersion: 'clusterlabs.org/v1alpha1',
    kind: 'Backup',
    metadata: { name, namespace: NS, uid: over.uid ?? `${name}-uid`, labels, creationTimestamp: created as unknown as Date },
    spec: { cluster: 'db', deletionPolicy: 'Delete' },
  };
  if (phase) {
    b.status = { phase };
    if (phase === 'Completed' || phase === 'Failed') b.status.completedAt = over.completedAt ?? new Date(Date.parse(created) + 60_000).toISOString();
  }
  return b;
}

describe('ScheduleController', () => {
  it('a due window creates exactly one Backup: deterministic name, labels, spec, no owner', async () => {
    const w = world({ now: at('2024-01-02T03:00:07Z'), schedule: { target: 'primary' } });
    const result = await w.controller.reconcile(NS, 'nightly');
    const creates = w.of('create');
    assert.equal(creates.length, 1);
    const p = creates[0]!.param;
    assert.equal(p['namespace'], NS);
    assert.equal(p['plural'], 'backups');
    assert.equal(p['group'], 'clusterlabs.org');
    const body = p['body'] as Backup;
    assert.equal(body.apiVersion, 'clusterlabs.org/v1alpha1');
    assert.equal(body.kind, 'Backup');
    assert.equal(body.metadata.name, 'nightly-20240102030000');
    assert.deepEqual(body.metadata.labels, { [LABEL_BACKUP_CLUSTER]: 'db', [LABEL_BACKUP_SCHEDULE]: 'nightly' });
    assert.equal(body.metadata.ownerReferences, undefined, 'deleting the schedule must not delete its backups');
    assert.deepEqual(body.spec, { cluster: 'db', deletionPolicy: 'Delete', target: 'primary' });

    assert.equal(w.schedule.status?.lastScheduleTime, '2024-01-02T03:00:00Z');
    assert.equal(w.schedule.status?.lastBackup, 'nightly-20240102030000');
    assert.equal(w.schedule.status?.nextScheduleTime, '2024-01-03T03:00:00Z');
    assert.match(w.schedule.status?.message ?? '', /created nightly-20240102030000/);
    assert.equal(w.schedule.status?.conditions?.[0]?.status, 'True');
    const scheduled = w.events.filter((e) => e.reason === 'BackupScheduled');
    assert.deepEqual(scheduled.map((e) => [e.subject.name, e.subject.kind]), [['nightly', 'BackupSchedule'], ['db', undefined]]);
    assert.match(scheduled[0]!.message, /nightly-20240102030000 of db for the 2024-01-02T03:00:00Z window/);
    assert.ok(result.requeueAfterMs! > 0 && result.requeueAfterMs! <= 5_000);
  });

  it('a second reconcile, with the Backup in the cache and the status write lost, creates none', async () => {
    const w = world({ now: at('2024-01-02T03:00:07Z') });
    await w.controller.reconcile(NS, 'nightly');
    assert.equal(w.of('create').length, 1);
    w.backups.push(stored('nightly-20240102030000', undefined, '2024-01-02T03:00:07Z'));
    Reflect.deleteProperty(w.schedule, 'status'); // the status write was lost
    w.clock.now += 5_000;
    await w.controller.reconcile(NS, 'nightly');
    assert.equal(w.of('create').length, 1, 'no second create');
    assert.equal(w.schedule.status?.lastScheduleTime, '2024-01-02T03:00:00Z', 'derived from the Backup name');
    assert.equal(w.schedule.status?.lastBackup, 'nightly-20240102030000');
  });

  it('a second reconcile with the status written but the cache behind creates none', async () => {
    const w = world({ now: at('2024-01-02T03:00:07Z') });
    await w.controller.reconcile(NS, 'nightly');
    w.clock.now += 1_000;
    await w.controller.reconcile(NS, 'nightly');
    assert.equal(w.of('create').length, 1);
  });

  it('AlreadyExists counts as done: no event, the status records the window', async () => {
    const w = world({ now: at('2024-01-02T03:00:07Z') });
    w.server.add('nightly-20240102030000'); // made by an earlier attempt, not yet in the cache
    await w.controller.reconcile(NS, 'nightly');
    assert.equal(w.of('create').length, 1);
    assert.equal(w.events.filter((e) => e.reason === 'BackupScheduled').length, 0);
    assert.equal(w.schedule.status?.lastScheduleTime, '2024-01-02T03:00:00Z');
  });

  it('nothing is created before the next window, and an unchanged status is not written again', async () => {
    const w = world({ now: at('2024-01-02T12:00:00Z'), status: { lastScheduleTime: '2024-01-02T03:00:00Z' } });
    const result = await w.controller.reconcile(NS, 'nightly');
    assert.equal(w.of('create').length, 0);
    assert.equal(w.schedule.status?.nextScheduleTime, '2024-01-03T03:00:00Z');
    assert.equal(result.requeueAfterMs, 3_600_000);
    const patches = w.of('patchStatus').length;
    w.clock.now += 10_000;
    await w.controller.reconcile(NS, 'nightly');
    assert.equal(w.of('patchStatus').length, patches);
  });

  it('waits while another backup of the cluster runs', async () => {
    const w = world({ now: at('2024-01-02T03:00:07Z'), backups: [stored('manual', 'Running', '2024-01-02T02:50:00Z', { schedule: null })] });
    const result = await w.controller.reconcile(NS, 'nightly');
    assert.equal(w.of('create').length, 0);
    assert.equal(result.requeueAfterMs, 5_000);
    assert.match(w.schedule.status?.message ?? '', /waits for manual \(Running\)/);
    assert.equal(w.schedule.status?.conditions?.[0]?.reason, 'Waiting');
    // It ends: the window runs.
    w.backups[0]!.status = { phase: 'Completed', completedAt: '2024-01-02T03:20:00Z' };
    w.clock.now = at('2024-01-02T03:20:05Z');
    await w.controller.reconcile(NS, 'nightly');
    assert.equal((w.of('create')[0]?.param['body'] as Backup | undefined)?.metadata.name, 'nightly-20240102030000');
  });

  it('retention deletes with a uid precondition, takes 404 as done, and names what it deleted', async () => {
    const backups = [
      stored('nightly-20240101030000', 'Completed', '2024-01-01T03:00:01Z'),
      stored('nightly-20240102030000', 'Completed', '2024-01-02T03:00:01Z'),
      stored('nightly-20240103030000', 'Completed', '2024-01-03T03:00:01Z'),
      stored('manual', 'Completed', '2023-12-01T00:00:00Z', { schedule: null }),
    ];
    const w = world({ now: at('2024-01-03T12:00:00Z'), schedule: { keep: 1 }, status: { lastScheduleTime: '2024-01-03T03:00:00Z' }, backups });
    w.server.delete('nightly-20240101030000'); // already gone from the server
    await w.controller.reconcile(NS, 'nightly');
    const deletes = w.of('delete');
    assert.deepEqual(deletes.map((c) => c.param['name']), ['nightly-20240101030000', 'nightly-20240102030000']);
    assert.deepEqual(deletes[1]!.param['body'], { preconditions: { uid: 'nightly-20240102030000-uid' } });
    const pruned = w.events.find((e) => e.reason === 'BackupsPruned');
    assert.ok(pruned);
    assert.match(pruned.message, /Deleted 2 backups of db for retention: nightly-20240101030000 \(beyond the newest 1 completed \(keep: 1\)\); nightly-20240102030000/);
    assert.equal(w.schedule.status?.lastSuccessfulBackup, 'nightly-20240103030000');
    assert.match(w.schedule.status?.message ?? '', /deleted nightly-20240101030000, nightly-20240102030000 \(retention\)/);
  });

  it('backups being deleted are left out (no second delete, never the last good one)', async () => {
    const deleting = stored('nightly-20240101030000', 'Completed', '2024-01-01T03:00:01Z');
    deleting.metadata.deletionTimestamp = '2024-01-03T00:00:00Z' as unknown as Date;
    const w = world({
      now: at('2024-01-03T12:00:00Z'),
      schedule: { keep: 1 },
      status: { lastScheduleTime: '2024-01-02T03:00:00Z' },
      backups: [deleting, stored('nightly-20240102030000', 'Completed', '2024-01-02T03:00:01Z')],
    });
    await w.controller.reconcile(NS, 'nightly');
    assert.equal(w.of('delete').length, 0);
  });

  it('an invalid spec: a warning and a status message, no backup', async () => {
    const w = world({ now: at('2024-01-02T03:00:07Z'), schedule: { schedule: '0 0 3 * * *' } });
    assert.deepEqual(await w.controller.reconcile(NS, 'nightly'), {});
    assert.equal(w.of('create').length, 0);
    assert.match(w.schedule.status?.message ?? '', /^invalid BackupSchedule: spec\.schedule: .*seconds field is not supported/);
    assert.equal(w.schedule.status?.conditions?.[0]?.status, 'False');
    assert.equal(w.schedule.status?.conditions?.[0]?.reason, 'InvalidSpec');
    assert.deepEqual(w.events.map((e) => [e.type, e.reason]), [['Warning', 'InvalidBackupSchedule']]);
    // A resync neither warns again nor writes again.
    await w.controller.reconcile(NS, 'nightly');
    assert.equal(w.events.length, 1);
    assert.equal(w.of('patchStatus').length, 1);
  });

  it('a missing cluster: a message and a requeue, no backup', async () => {
    const w = world({ now: at('2024-01-02T03:00:07Z'), cluster: false });
    const result = await w.controller.reconcile(NS, 'nightly');
    assert.equal(w.of('create').length, 0);
    assert.ok((result.requeueAfterMs ?? 0) > 0);
    assert.match(w.schedule.status?.message ?? '', /ReplicatedStatefulSet db not found in namespace ns/);
    assert.equal(w.schedule.status?.conditions?.[0]?.reason, 'ClusterNotFound');
    assert.equal(w.events.filter((e) => e.reason === 'ClusterNotFound').length, 1);
  });

  it('suspended: no backup, no next time in the status', async () => {
    const w = world({ now: at('2024-01-02T03:00:07Z'), schedule: { suspend: true }, status: { nextScheduleTime: '2024-01-02T03:00:00Z' } });
    await w.controller.reconcile(NS, 'nightly');
    assert.equal(w.of('create').length, 0);
    assert.equal(w.schedule.status?.nextScheduleTime, undefined);
    assert.match(w.schedule.status?.message ?? '', /^suspended/);
  });

  it('a schedule that is gone or being deleted does nothing', async () => {
    const w = world({ now: at('2024-01-02T03:00:07Z') });
    assert.deepEqual(await w.controller.reconcile(NS, 'other'), {});
    w.schedule.metadata.deletionTimestamp = '2024-01-02T03:00:00Z' as unknown as Date;
    assert.deepEqual(await w.controller.reconcile(NS, 'nightly'), {});
    assert.equal(w.calls.length, 0);
  });
});
