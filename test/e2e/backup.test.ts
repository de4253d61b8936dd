// Backup and restore with the dummy application (the fast path): a backup streamed into the local S3
// server and restored into a new cluster; then the faults, each failing cleanly with a status and an Event,
// leaving no object that looks complete, and never seeding a member whose restore failed.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION } from '../../src/api/names.ts';
import type { ReplicatedStatefulSet } from '../../src/api/types.ts';
import { createBackup, ended, testStorage, waitForBackup, type TestStorage } from '../support/backup.ts';
import { cluster, eventually, testNamespace } from '../support/cluster.ts';
import { setFault, setSequence } from '../support/dummy.ts';
import { clusterEvents, commandsRan, createCluster, loadManifest, startOperator, waitForCluster, waitForEvents } from '../support/operator.ts';

const running = (n: number) => (rss: ReplicatedStatefulSet) => (rss.status?.members?.primary?.length ?? 0) === n && rss.status?.phase === 'Running';

/** The dummy example with backup and restore commands and this test's bucket. */
function manifest(name: string, storage: TestStorage, over: Partial<ReplicatedStatefulSet['spec']> = {}): ReplicatedStatefulSet {
  const rss = loadManifest('examples/dummy/cluster.yaml');
  rss.metadata.name = name;
  rss.spec.reconcileInterval = '2s';
  rss.spec.pod.commands.backup = { command: ['rss-dummy', 'backup'], timeout: '30s' };
  rss.spec.pod.commands.restore = { command: ['rss-dummy', 'restore'], timeout: '30s' };
  rss.spec.backup = storage.policy;
  Object.assign(rss.spec, over);
  return rss;
}

async function runningCluster(t: TestContext, prefix: string, name = 'example', over: Partial<ReplicatedStatefulSet['spec']> = {}) {
  const namespace = await testNamespace(t, prefix);
  const storage = await testStorage(t, namespace);
  startOperator(t, namespace);
  await createCluster(namespace, manifest(name, storage, over));
  await waitForCluster(namespace, name, '3 primaries', running(3));
  return { namespace, storage };
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

test('dummy: a backup streamed into S3 is restored into a new cluster, which seeds from it and starts its mark there', async (t) => {
  const { namespace, storage } = await runningCluster(t, 'backup-roundtrip');
  for (const pod of ['rss-example-0', 'rss-example-1', 'rss-example-2']) setSequence(namespace, pod, '42');

  await createBackup(namespace, 'first', 'example');
  const done = await waitForBackup(namespace, 'first', 'the backup to end', ended);
  assert.equal(done.status?.phase, 'Completed', done.status?.message);
  assert.equal(done.status?.sequence, 42);
  assert.equal(done.status?.member, 'rss-example-2', 'no secondary runs: the highest-ordinal primary');
  const key = done.status!.objectKey!;
  assert.deepEqual(await storage.keys(), [key, `${key}.json`].sort());
  const data = await storage.read(key);
  assert.equal(data.length, done.status?.size);
  assert.equal(sha256(data), done.status?.sha256, 'the recorded checksum is that of the stored bytes');
  const stored = JSON.parse((await storage.read(`${key}.json`)).toString('utf8')) as { sha256: string; sequence: number; member: string };
  assert.deepEqual([stored.sha256, stored.sequence, stored.member], [done.status?.sha256, 42, 'rss-example-2']);
  await waitForEvents(namespace, 'example', 'a BackupCompleted Event', (events) => events.some((e) => e.reason === 'BackupCompleted'));

  // Every member's data is lost with its cluster.
  await cluster().custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name: 'example' });
  // The garbage collector removes them; right after the control plane starts it may take until its next
  // discovery of the custom resource types (30 s) to know the RSS's kind.
  await eventually('the old members gone', async () => (await cluster().core.listNamespacedPod({ namespace, labelSelector: 'app=example' })).items.length === 0, 90_000, 200);
  for (const pod of ['rss-example-0', 'rss-example-1', 'rss-example-2']) rmSync(cluster().podDir(namespace, pod), { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });

  await createCluster(namespace, manifest('restored', storage, { bootstrap: { backup: { name: 'first' } } }));
  const restored = await waitForCluster(namespace, 'restored', 'the restored cluster running', running(3));
  assert.equal(restored.status?.lastBootstrap?.pod, 'rss-restored-0');
  assert.equal(restored.status?.lastBootstrap?.sequence, 42);
  assert.equal(restored.status?.highestSequence, 42, 'the mark starts at the restored sequence');
  assert.equal(restored.status?.restore?.phase, 'Completed');
  assert.equal(restored.status?.restore?.backup, 'first');
  assert.equal(readFileSync(join(cluster().podDir(namespace, 'rss-restored-0'), 'data', 'sequence'), 'utf8').trim(), '42');
  const verbs = commandsRan(namespace, 'rss-restored-0').map((x) => x.verb);
  assert.ok(verbs.indexOf('restore') >= 0 && verbs.indexOf('restore') < verbs.indexOf('seed'), `restore, then seed (ran: ${verbs.join(' ')})`);
  await waitForEvents(namespace, 'restored', 'Restoring, Restored and Seeded Events', (events) => ['Restoring', 'Restored', 'Seeded'].every((reason) => events.some((e) => e.reason === reason)));

  // The same backup named by its object key, as after the Backup resource itself is gone: the manifest
  // beside the object is what makes it a backup.
  await createCluster(namespace, manifest('fromkey', storage, { bootstrap: { backup: { objectKey: key } } }));
  const fromKey = await waitForCluster(namespace, 'fromkey', 'the cluster restored by object key running', running(3));
  assert.equal(fromKey.status?.lastBootstrap?.sequence, 42);
  assert.equal(fromKey.status?.restore?.objectKey, key);
});

test('dummy faults: a backup that fails midway, hangs, or loses its member fails cleanly and leaves nothing in storage', async (t) => {
  const { namespace, storage } = await runningCluster(t, 'backup-faults');

  setFault(namespace, 'rss-example-2', 'backup', 'midway');
  await createBackup(namespace, 'midway', 'example');
  const midway = await waitForBackup(namespace, 'midway', 'the midway backup to end', ended);
  assert.equal(midway.status?.phase, 'Failed');
  assert.match(midway.status?.message ?? '', /backup exited with code 3/);
  assert.deepEqual(await storage.keys(), [], 'no object is left by a failed backup');

  setFault(namespace, 'rss-example-2', 'backup', 'hang');
  const patch = { spec: { pod: { commands: { backup: { command: ['rss-dummy', 'backup'], timeout: '3s' } } } } };
  await cluster().custom.patchNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name: 'example', body: patch }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  await createBackup(namespace, 'hang', 'example');
  const hang = await waitForBackup(namespace, 'hang', 'the hanging backup to end', ended);
  assert.equal(hang.status?.phase, 'Failed');
  assert.match(hang.status?.message ?? '', /timed out/);
  assert.deepEqual(await storage.keys(), []);

  // The member goes mid-stream: the backup ends at once, not at its timeout.
  setFault(namespace, 'rss-example-2', 'backup', 'stall');
  await cluster().custom.patchNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name: 'example', body: { spec: { pod: { commands: { backup: { command: ['rss-dummy', 'backup'], timeout: '5m' } } } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  await createBackup(namespace, 'member-lost', 'example');
  await waitForBackup(namespace, 'member-lost', 'the backup running', (b) => b.status?.phase === 'Running');
  await cluster().core.deleteNamespacedPod({ namespace, name: 'rss-example-2', gracePeriodSeconds: 0 });
  const lost = await waitForBackup(namespace, 'member-lost', 'the backup to fail', ended, 30_000);
  assert.equal(lost.status?.phase, 'Failed');
  assert.match(lost.status?.message ?? '', /rss-example-2/);
  assert.deepEqual(await storage.keys(), []);
  await waitForEvents(namespace, 'example', 'a BackupFailed Event for each of the three backups', (events) => events.filter((e) => e.reason === 'BackupFailed').length >= 3);
  // The cluster itself was not harmed by any of it.
  setFault(namespace, 'rss-example-2', 'backup', undefined);
  await waitForCluster(namespace, 'example', '3 primaries again', running(3));
});

test('dummy faults: unreachable storage and refused credentials fail the backup with a message saying which', async (t) => {
  const namespace = await testNamespace(t, 'backup-storage');
  const wrong = await testStorage(t, namespace, { secretAccessKey: 'not-the-secret-key-0000000000000000000000' });
  startOperator(t, namespace);
  // Nothing listens on port 9 of loopback.
  const unreachable = { ...wrong.policy, storage: { s3: { ...wrong.policy.storage.s3, endpoint: 'http://127.0.0.1:9' } } };
  await createCluster(namespace, manifest('example', wrong));
  await createCluster(namespace, manifest('other', wrong, { backup: unreachable }));
  await waitForCluster(namespace, 'example', '3 primaries', running(3));
  await waitForCluster(namespace, 'other', '3 primaries', running(3));

  await createBackup(namespace, 'refused', 'example');
  await createBackup(namespace, 'unreachable', 'other');
  const refused = await waitForBackup(namespace, 'refused', 'the backup to fail', ended);
  assert.equal(refused.status?.phase, 'Failed');
  assert.match(refused.status?.message ?? '', /refused the credentials/);
  const down = await waitForBackup(namespace, 'unreachable', 'the backup to fail', ended);
  assert.equal(down.status?.phase, 'Failed');
  assert.match(down.status?.message ?? '', /cannot reach/);
  assert.deepEqual(await wrong.keys(), []);
});

test('dummy faults: a corrupted object and a failing restore are never followed by a seed; fixed, the restore is retried', async (t) => {
  const { namespace, storage } = await runningCluster(t, 'restore-faults');
  for (const pod of ['rss-example-0', 'rss-example-1', 'rss-example-2']) setSequence(namespace, pod, '9');
  await createBackup(namespace, 'good', 'example');
  const good = await waitForBackup(namespace, 'good', 'the backup to end', ended);
  assert.equal(good.status?.phase, 'Completed', good.status?.message);
  const key = good.status!.objectKey!;
  const original = await storage.read(key);

  // Corrupt one byte in the middle: the size is right, the checksum is not.
  const corrupted = Buffer.from(original);
  const middle = Math.floor(corrupted.length / 2);
  corrupted.writeUInt8(corrupted.readUInt8(middle) ^ 0xff, middle);
  await storage.write(key, corrupted);
  await createCluster(namespace, manifest('copy', storage, { bootstrap: { backup: { name: 'good' } } }));
  const refused = await waitForCluster(namespace, 'copy', 'the restore to fail on the checksum', (rss) => rss.status?.restore?.phase === 'Failed');
  assert.match(refused.status?.restore?.message ?? '', /checksum mismatch/);
  assert.equal(refused.status?.primaryReplicas ?? 0, 0, 'nothing seeded');
  assert.ok(!existsSync(join(cluster().podDir(namespace, 'rss-copy-0'), 'data', 'sequence')), 'the half-restored data was not kept');
  await waitForEvents(namespace, 'copy', 'a RestoreFailed Event', (events) => events.some((e) => e.reason === 'RestoreFailed' && /checksum mismatch/.test(e.message)));

  // The object repaired, but the restore command itself fails on the next member tried.
  await storage.write(key, original);
  for (const pod of ['rss-copy-0', 'rss-copy-1', 'rss-copy-2']) setFault(namespace, pod, 'restore', 'midway');
  await eventually('a failing restore attempt', () => commandsRan(namespace, 'rss-copy-1').some((x) => x.verb === 'restore') || commandsRan(namespace, 'rss-copy-0').filter((x) => x.verb === 'restore').length >= 2, 60_000);
  const after = await waitForCluster(namespace, 'copy', 'the failed restore reported', (rss) => rss.status?.restore?.phase === 'Failed' && /exited with code 3/.test(rss.status.restore.message ?? ''));
  assert.equal(after.status?.primaryReplicas ?? 0, 0, 'never seeded from a half-restored member');
  for (const pod of ['rss-copy-0', 'rss-copy-1', 'rss-copy-2']) assert.ok(!commandsRan(namespace, pod).some((x) => x.verb === 'seed'), `${pod} not seeded`);

  for (const pod of ['rss-copy-0', 'rss-copy-1', 'rss-copy-2']) setFault(namespace, pod, 'restore', undefined);
  const restored = await waitForCluster(namespace, 'copy', 'restored and running after the retry', running(3), 120_000);
  assert.equal(restored.status?.lastBootstrap?.sequence, 9);
  assert.equal(restored.status?.restore?.phase, 'Completed');
});

test('dummy: with restoreOnDataLoss, a lights-out that lost every volume is restored from the newest backup without a person', async (t) => {
  const namespace = await testNamespace(t, 'restore-policy');
  const storage = await testStorage(t, namespace);
  startOperator(t, namespace);
  await createCluster(namespace, manifest('example', storage, { sequenceInterval: '1s', backup: { ...storage.policy, restoreOnDataLoss: true } }));
  await waitForCluster(namespace, 'example', '3 primaries', running(3));
  for (const pod of ['rss-example-0', 'rss-example-1', 'rss-example-2']) setSequence(namespace, pod, '30');
  await waitForCluster(namespace, 'example', 'the mark at 30', (rss) => rss.status?.highestSequence === 30);
  await createBackup(namespace, 'older', 'example');
  assert.equal((await waitForBackup(namespace, 'older', 'the first backup', ended)).status?.phase, 'Completed');
  for (const pod of ['rss-example-0', 'rss-example-1', 'rss-example-2']) setSequence(namespace, pod, '35');
  await createBackup(namespace, 'newest', 'example');
  assert.equal((await waitForBackup(namespace, 'newest', 'the second backup', ended)).status?.phase, 'Completed');
  for (const pod of ['rss-example-0', 'rss-example-1', 'rss-example-2']) setSequence(namespace, pod, '40');
  await waitForCluster(namespace, 'example', 'the mark at 40', (rss) => rss.status?.highestSequence === 40);

  // Every pod and every volume lost at once.
  await cluster().core.deleteCollectionNamespacedPod({ namespace, labelSelector: 'app=example', gracePeriodSeconds: 0 });
  for (const pod of ['rss-example-0', 'rss-example-1', 'rss-example-2']) rmSync(join(cluster().podDir(namespace, pod), 'data'), { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });

  const back = await waitForCluster(namespace, 'example', 'restored from the newest backup and running', (rss) => running(3)(rss) && rss.status?.restore?.phase === 'Completed', 90_000);
  assert.equal(back.status?.restore?.backup, 'newest');
  assert.equal(back.status?.restore?.requestedBy, 'policy');
  assert.equal(back.status?.lastBootstrap?.sequence, 35, 'what the newest backup held: the writes after it are lost, as the policy accepts');
  assert.equal(back.status?.highestSequence, 35, 'the mark starts again at the restored sequence');
  await waitForEvents(namespace, 'example', 'Restoring, Restored and Seeded Events', (events) => ['Restoring', 'Restored', 'Seeded'].every((reason) => events.some((e) => e.reason === reason)));
});
