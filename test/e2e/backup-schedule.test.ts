// Backup schedules on the local control plane, with the dummy application: a schedule every minute keeping
// two backups; a suspended schedule taking none; and windows missed while suspended giving one catch-up,
// not one backup per window. The three run side by side, on three clusters, over the same few minutes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { Backup, BackupSchedule } from '../../src/api/backup-types.ts';
import { API_VERSION, BACKUP_PLURAL, BACKUP_SCHEDULE_KIND, BACKUP_SCHEDULE_PLURAL, GROUP, LABEL_BACKUP_SCHEDULE, VERSION } from '../../src/api/names.ts';
import type { ReplicatedStatefulSet } from '../../src/api/types.ts';
import { listBackups, testStorage } from '../support/backup.ts';
import { cluster, eventually, testNamespace } from '../support/cluster.ts';
import { createCluster, loadManifest, startOperator, waitForCluster } from '../support/operator.ts';

const running = (rss: ReplicatedStatefulSet) => (rss.status?.members?.primary?.length ?? 0) === 3 && rss.status?.phase === 'Running';

async function createSchedule(namespace: string, name: string, clusterName: string, spec: Partial<BackupSchedule['spec']>): Promise<void> {
  await cluster().custom.createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace,
    plural: BACKUP_SCHEDULE_PLURAL,
    body: { apiVersion: API_VERSION, kind: BACKUP_SCHEDULE_KIND, metadata: { name }, spec: { cluster: clusterName, schedule: '* * * * *', ...spec } },
  });
}

const ofSchedule = (backups: Backup[], schedule: string) => backups.filter((b) => b.metadata.labels?.[LABEL_BACKUP_SCHEDULE] === schedule && !b.metadata.deletionTimestamp);
/** The schedule time a backup was made for, from its name (`<schedule>-<yyyymmddhhmmss>`). */
const windowOf = (b: Backup) => b.metadata.name!.slice(-14);

test('schedules: every minute keeping 2; suspended takes none; missed windows give one catch-up', async (t) => {
  const namespace = await testNamespace(t, 'backup-schedule');
  const storage = await testStorage(t, namespace);
  startOperator(t, namespace);
  for (const name of ['kept', 'quiet', 'late']) {
    const rss = loadManifest('examples/dummy/cluster.yaml');
    rss.metadata.name = name;
    rss.spec.reconcileInterval = '5s';
    rss.spec.pod.commands.backup = { command: ['rss-dummy', 'backup'], timeout: '30s' };
    rss.spec.backup = storage.policy;
    await createCluster(namespace, rss);
  }
  for (const name of ['kept', 'quiet', 'late']) await waitForCluster(namespace, name, `${name} running`, running);

  await createSchedule(namespace, 'kept', 'kept', { keep: 2 });
  await createSchedule(namespace, 'quiet', 'quiet', { suspend: true });
  await createSchedule(namespace, 'late', 'late', { suspend: true });

  // Four windows of the kept schedule, each backup completed.
  const windows = new Set<string>();
  await eventually('four scheduled backups of "kept" completed', async () => {
    for (const b of ofSchedule(await listBackups(namespace), 'kept')) if (b.status?.phase === 'Completed') windows.add(windowOf(b));
    return windows.size >= 4;
  }, 6 * 60_000, 2000);

  // Retention: exactly the two newest remain, with their objects (data and manifest), and nothing else.
  const newest = [...windows].sort().slice(-2);
  const kept = await eventually('retention down to the two newest', async () => {
    const left = ofSchedule(await listBackups(namespace), 'kept').filter((b) => b.status?.phase === 'Completed');
    const names = left.map(windowOf).sort();
    return names.length === 2 && names.every((w, i) => w >= newest[i]!) ? left : undefined;
  }, 60_000, 1000);
  const keys = await eventually('the pruned backups\' objects removed', async () => {
    const all = (await storage.keys()).filter((k) => k.includes('/kept/'));
    return all.length === 4 ? all : undefined;
  }, 60_000, 1000);
  assert.deepEqual(keys.sort(), kept.flatMap((b) => [b.status!.objectKey!, `${b.status!.objectKey!}.json`]).sort());

  // Suspended through the same windows: no backup.
  assert.deepEqual(ofSchedule(await listBackups(namespace), 'quiet'), [], 'a suspended schedule takes no backup');

  // The late schedule missed every window so far; resumed, it takes one backup, for the latest window: none
  // of the windows it missed before that (a storm would name them: the backup names carry their window).
  const resumedAt = new Date();
  await cluster().custom.patchNamespacedCustomObject(
    { group: GROUP, version: VERSION, namespace, plural: BACKUP_SCHEDULE_PLURAL, name: 'late', body: { spec: { suspend: false } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  await eventually('the catch-up backup', async () => ofSchedule(await listBackups(namespace), 'late').length >= 1, 30_000, 500);
  await new Promise((resolve) => setTimeout(resolve, 5000));
  const latestWindow = new Date(Math.floor(resumedAt.getTime() / 60_000) * 60_000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const late = ofSchedule(await listBackups(namespace), 'late').map(windowOf).sort();
  assert.ok(late.every((w) => w >= latestWindow), `no backup for a window missed before ${latestWindow}: ${late.join(', ')}`);
  assert.ok(late.length <= 2, `the catch-up, and at most the window that came since: ${late.join(', ')}`);

  // Deleting the schedules leaves their backups; deleting those (deletionPolicy Delete) removes their objects,
  // which the operator does before it lets them go.
  for (const name of ['kept', 'quiet', 'late']) {
    await cluster().custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: BACKUP_SCHEDULE_PLURAL, name });
  }
  await cluster().custom.deleteCollectionNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: BACKUP_PLURAL });
  await eventually('every backup deleted, its objects first', async () => (await listBackups(namespace)).length === 0, 60_000, 500);
  assert.deepEqual(await storage.keys(), [], 'no object left behind');
});
