// MariaDB Galera backups under the operator, on the local control plane: `galera-agent backup`
// (mariabackup --stream=xbstream from a Synced member) streamed into the local S3 server while a writer
// inserts rows, then every member's data lost, and the cluster brought back from the backup — into a new
// cluster (spec.bootstrap.backup) and, after a lights-out that took every volume, into the same one
// (`kubectl rss restore`). What a user checks: every row acknowledged before the backup started is on every
// member of the restored cluster, and the operator's high-water mark starts again from the restored data.
import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { Backup, BackupSchedule } from '../../src/api/backup-types.ts';
import { ANNOTATION_RESTORE, API_VERSION, BACKUP_SCHEDULE_KIND, BACKUP_SCHEDULE_PLURAL, GROUP, LABEL_BACKUP_SCHEDULE, PLURAL, VERSION } from '../../src/api/names.ts';
import type { ReplicatedStatefulSet } from '../../src/api/types.ts';
import { createBackup, ended, getBackup, listBackups, testStorage, waitForBackup, type TestStorage } from '../support/backup.ts';
import { cluster, eventually } from '../support/cluster.ts';
import {
  agent,
  agentLog,
  BOOT_TIMEOUT_MS,
  condition,
  expectSynced,
  galeraManifest,
  galeraNamespace,
  ids,
  kubectlRssAsync,
  lastCommitted,
  lastStartLog,
  membersOf,
  orShowLog,
  podOf,
  primaries,
  seconds,
  serversUnder,
  sql,
  startWriter,
  unknownCommand,
  watchCluster,
  type Writer,
} from '../support/galera.ts';
import { clusterEvents, createCluster, getCluster, startOperator, waitForCluster, waitForEvents, type OperatorProcess } from '../support/operator.ts';

const BACKUP_TIMEOUT_MS = 600_000;
const allPrimaries = primaries(3);
const sortNumbers = (a: number, b: number) => a - b;

interface Galera {
  namespace: string;
  operator: OperatorProcess;
  storage: TestStorage;
}

/** An operator, a bucket, and a 3-member Galera cluster `galera` with spec.backup, up as 3 primaries, with the table rss.acked. */
async function galeraWithStorage(t: TestContext, prefix: string, spec: Partial<ReplicatedStatefulSet['spec']> = {}): Promise<Galera> {
  const namespace = await galeraNamespace(t, prefix);
  const storage = await testStorage(t, namespace);
  const operator = startOperator(t, namespace);
  const started = Date.now();
  await createCluster(namespace, galeraManifest('galera', { backup: storage.policy, ...spec }));
  await orShowLog(t, operator, waitForCluster(namespace, 'galera', '3 primaries', allPrimaries, BOOT_TIMEOUT_MS), 40);
  t.diagnostic(`bootstrap of 3 members (create → 3 primaries): ${seconds(started)}`);
  await sql(namespace, podOf('galera', 0), 'CREATE DATABASE rss; CREATE TABLE rss.acked (id INT PRIMARY KEY, via VARCHAR(32))');
  return { namespace, operator, storage };
}

/**
 * `kubectl rss backup galera --name NAME --wait`, the writer running meanwhile; falls back to creating the
 * Backup resource when the plugin has no backup command yet (said in a diagnostic).
 */
async function backupNow(t: TestContext, g: Galera, name: string): Promise<{ backup: Backup; ms: number; via: string }> {
  const r = await kubectlRssAsync(['backup', 'galera', '--name', name, '--wait', '-n', g.namespace], BACKUP_TIMEOUT_MS);
  if (unknownCommand(r)) {
    t.diagnostic(`kubectl rss has no backup command yet (${r.stderr.trim()}): creating the Backup resource instead`);
    const started = Date.now();
    await createBackup(g.namespace, name, 'galera');
    const backup = await orShowLog(t, g.operator, waitForBackup(g.namespace, name, `backup ${name} to end`, ended, BACKUP_TIMEOUT_MS));
    return { backup, ms: Date.now() - started, via: 'a Backup resource' };
  }
  t.diagnostic(`kubectl rss backup galera --name ${name} --wait (exit ${r.status}, ${(r.ms / 1000).toFixed(1)} s):\n${(r.stdout + r.stderr).trimEnd()}`);
  if (r.status !== 0) t.diagnostic(g.operator.log().split('\n').slice(-40).join('\n'));
  assert.equal(r.status, 0, `kubectl rss backup --wait exits 0 once the backup completed: ${r.stderr}`);
  assert.match(r.stdout, new RegExp(`backup ${name} created`));
  return { backup: await getBackup(g.namespace, name), ms: r.ms, via: 'kubectl rss backup --wait' };
}

/** The rows of the restored cluster against what the writer saw. */
async function checkRows(t: TestContext, namespace: string, members: string[], writer: Writer, backup: Backup, commandStartedAt: number, backupEndedAt: number): Promise<void> {
  const startedAt = Date.parse(backup.status!.startedAt!);
  assert.ok(startedAt >= commandStartedAt - 1000, `the backup started (${backup.status!.startedAt}) after it was asked for`);
  const mustHave = writer.ackedBefore(startedAt);
  assert.ok(mustHave.length > 0, 'rows were acknowledged before the backup started');
  const sentBeforeEnd = new Set([...writer.sent].filter(([, at]) => at < backupEndedAt).map(([id]) => id));
  let reference: number[] | undefined;
  for (const pod of members) {
    const present = await ids(namespace, pod);
    const missing = mustHave.filter((id) => !present.has(id));
    assert.deepEqual(missing, [], `${pod} holds every row acknowledged before the backup started (${mustHave.length}; ${present.size} present)`);
    const unexpected = [...present].filter((id) => !sentBeforeEnd.has(id));
    assert.deepEqual(unexpected, [], `${pod} holds no row written after the backup ended`);
    const sorted = [...present].sort(sortNumbers);
    if (reference === undefined) reference = sorted;
    else assert.deepEqual(sorted, reference, `${pod} holds the same rows as ${members[0]}`);
  }
  const restored = new Set(reference);
  const ackedBeforeEnd = writer.ackedBefore(backupEndedAt);
  const ackedAfter = [...writer.acked.keys()].filter((id) => !restored.has(id));
  t.diagnostic(
    `rows: ${writer.acked.size} acknowledged in all (${writer.failures()} inserts failed); ${writer.ackedBefore(commandStartedAt).length} before the backup was asked for, ` +
      `${mustHave.length} before it started (every one restored), ${ackedBeforeEnd.length} before it ended; ${restored.size} restored on every member ` +
      `(the highest ${Math.max(...restored)}); ${ackedAfter.length} acknowledged rows are not in the backup (${ackedAfter.filter((id) => writer.acked.get(id)! >= backupEndedAt).length} of them acknowledged after it ended)`,
  );
}

/** The position `galera-agent restore` reported in the member it ran in (agent.log), or undefined. */
function restoredPosition(namespace: string, pod: string): number | undefined {
  const line = agentLog(namespace, pod).filter((l) => l.verb === 'restore' && l.text.startsWith('restored position')).at(-1);
  const m = line && /^restored position [0-9a-f-]+:(\d+)/.exec(line.text);
  return m ? Number(m[1]) : undefined;
}

async function setPaused(namespace: string, paused: boolean): Promise<void> {
  await cluster().custom.patchNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name: 'galera', body: [{ op: 'add', path: '/spec/paused', value: paused }] });
  if (paused) await waitForCluster(namespace, 'galera', 'paused', (r) => condition(r, 'Paused')?.status === 'True');
}

test('galera backup → new cluster: a backup taken under writes with kubectl rss backup --wait; the cluster and every member\'s data deleted; a new cluster bootstrapped from the backup holds every row acknowledged before the backup started, on every member, and its mark starts at the restored sequence', async (t) => {
  const c = cluster();
  const g = await galeraWithStorage(t, 'galera-backup');
  const { namespace, operator, storage } = g;
  const old = membersOf('galera');
  const oldPorts = agent(namespace, old[0]!, 'ports').trim();

  const writer = startWriter(namespace, old[0]!);
  t.after(() => writer.stop());
  await writer.waitFor(30);

  const asked = Date.now();
  const { backup, ms, via } = await backupNow(t, g, 'before-loss');
  const backupEnded = Date.now();
  assert.equal(backup.status?.phase, 'Completed', backup.status?.message);
  const status = backup.status!;
  t.diagnostic(`backup via ${via}: ${(ms / 1000).toFixed(1)} s (asked → Completed); operator's startedAt → completedAt ${((Date.parse(status.completedAt!) - Date.parse(status.startedAt!)) / 1000).toFixed(1)} s; from ${status.member} (${status.role}) at sequence ${status.sequence}; ${status.size} bytes`);
  assert.ok(old.includes(status.member!), `taken from a member: ${status.member}`);
  assert.ok((status.size ?? 0) > 1_000_000, `a mariabackup stream of some size: ${status.size} bytes`);
  assert.deepEqual(await storage.keys(), [status.objectKey!, `${status.objectKey!}.json`].sort(), 'the data object and its manifest');
  const backupLine = agentLog(namespace, status.member!).filter((l) => l.verb === 'backup').map((l) => l.text);
  t.diagnostic(`galera-agent backup in ${status.member}: ${backupLine.slice(-2).join(' / ')}`);
  assert.ok(backupLine.some((l) => l.startsWith('backup complete')), `${status.member}: galera-agent backup completed`);

  // More rows after the backup: they are not in it, and are lost with the data.
  await writer.waitFor(30);
  await writer.stop();

  // The cluster goes, and every member's data with it.
  const deleted = Date.now();
  await c.custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name: 'galera' });
  await eventually('the old members\' pods to be gone', async () => (await c.core.listNamespacedPod({ namespace, labelSelector: 'app=galera' })).items.length === 0, 120_000, 200);
  await eventually('the old members\' mariadbd to end', () => old.every((pod) => serversUnder(c.podDir(namespace, pod)).length === 0), 60_000, 200);
  for (const pod of old) rmSync(c.podDir(namespace, pod), { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  t.diagnostic(`cluster deleted → pods and servers gone, data removed: ${seconds(deleted)}`);
  assert.equal((await getBackup(namespace, 'before-loss')).status?.phase, 'Completed', 'the Backup outlives its cluster');

  // A new cluster (another name: its own ports) from the backup.
  const versions = await watchCluster(t, namespace, 'galera2');
  const created = Date.now();
  await createCluster(namespace, galeraManifest('galera2', { backup: storage.policy, bootstrap: { backup: { name: 'before-loss' } } }));
  const rss = await orShowLog(t, operator, waitForCluster(namespace, 'galera2', '3 primaries, restored from before-loss', (r) => allPrimaries(r) && r.status?.restore?.phase === 'Completed', BOOT_TIMEOUT_MS));
  t.diagnostic(`restore into a new cluster (create galera2 → 3 primaries, restore Completed): ${seconds(created)}`);
  const members = membersOf('galera2');
  t.diagnostic(`ports: galera ${oldPorts}; galera2 ${agent(namespace, members[0]!, 'ports').trim()}`);

  const phases = versions.seen.map((x) => `${x.status?.restore?.phase ?? '-'}${x.status?.restore?.message ? ` (${x.status.restore.message})` : ''}`).filter((p, i, all) => i === 0 || p !== all[i - 1]);
  t.diagnostic(`status.restore as written:\n  ${phases.join('\n  ')}`);
  const restore = rss.status!.restore!;
  assert.equal(restore.backup, 'before-loss');
  assert.equal(restore.requestedBy, 'bootstrap');
  assert.ok(restore.member && members.includes(restore.member), `restored into a member of galera2: ${restore.member}`);
  assert.equal(typeof restore.sequence, 'number', 'the restored member\'s sequence is recorded');
  const restoredSequence = Number(restore.sequence!);
  assert.equal(restoredPosition(namespace, restore.member), restoredSequence, 'the sequence galera-agent restore reported');
  assert.equal(rss.status?.lastBootstrap?.pod, restore.member, 'status.lastBootstrap names the restored member');
  assert.equal(rss.status?.lastBootstrap?.sequence, restoredSequence, 'seeded at the restored sequence');
  // The mark starts at the restored sequence (the status written with the seed), then follows the new
  // cluster, whose seqno also counts its first view and each join.
  const seededAt = (x: ReplicatedStatefulSet) => x.status?.lastBootstrap?.pod === restore.member;
  const seeded = await eventually('the watch to deliver the status written with the seed', () => versions.seen.find(seededAt), 10_000);
  assert.equal(seeded.status?.highestSequence, restoredSequence, 'status.highestSequence written with the seed is the restored sequence');
  const newCluster = await lastCommitted(namespace, restore.member!);
  const marks = versions.seen.filter(seededAt).map((x) => Number(x.status?.highestSequence ?? -1)).filter((m, i, all) => i === 0 || m !== all[i - 1]);
  assert.ok(marks.every((m) => m >= restoredSequence && m <= newCluster), `status.highestSequence since the seed: ${marks.join(' → ')}, within ${restoredSequence}…${newCluster}`);
  t.diagnostic(`status.highestSequence since the seed: ${marks.join(' → ')} (the restored cluster's wsrep_last_committed: ${newCluster})`);
  versions.stop();
  assert.ok(restoredSequence >= Number(status.sequence ?? 0), `the restored position (${restoredSequence}) is at or after the sequence read when the backup started (${status.sequence})`);
  t.diagnostic(`restored ${restore.member} at sequence ${restoredSequence} (the backup started at ${status.sequence}); restore ${restore.startedAt} → ${restore.completedAt}`);
  const restoreLog = agentLog(namespace, restore.member).filter((l) => l.verb === 'restore');
  if (restoreLog.length >= 2) t.diagnostic(`galera-agent restore: ${((restoreLog.at(-1)!.time - restoreLog[0]!.time) / 1000).toFixed(1)} s (extract, prepare, grastate.dat)`);

  for (const pod of members) {
    await expectSynced(namespace, pod, 3);
    if (pod !== restore.member) assert.ok(lastStartLog(namespace, pod).includes('SST received'), `${pod} joined the restored member by SST`);
  }
  await waitForEvents(namespace, 'galera2', 'Restoring, Restored and Seeded Events, the Seeded one saying restored from before-loss', (events) =>
    ['Restoring', 'Restored'].every((reason) => events.some((e) => e.reason === reason)) &&
    events.some((e) => e.reason === 'Seeded' && e.message.includes(restore.member!) && e.message.includes('before-loss')));

  await checkRows(t, namespace, members, writer, backup, asked, backupEnded);

  // The restored cluster takes writes on every member.
  for (const [i, pod] of members.entries()) await sql(namespace, pod, `INSERT INTO rss.acked (id, via) VALUES (${10_000_000 + i}, '${pod}')`);
  for (const pod of members) {
    const present = await ids(namespace, pod);
    assert.ok([0, 1, 2].every((i) => present.has(10_000_000 + i)), `${pod} reads the rows written through every member`);
  }
});

test('galera lights-out with every volume lost: a scheduled backup, more writes, then every pod and every member\'s data gone at once; the guard refuses and points at kubectl rss restore, which brings back the latest backup; its rows are on every member and the mark restarts at the restored sequence, then follows new writes', async (t) => {
  const c = cluster();
  // The operator reads a running primary's sequence every 2 s: the mark follows the writes.
  const g = await galeraWithStorage(t, 'galera-lost', { sequenceInterval: '2s' });
  const { namespace, operator } = g;
  const members = membersOf('galera');

  const writer = startWriter(namespace, members[0]!);
  t.after(() => writer.stop());
  await writer.waitFor(20);

  // A schedule every minute, keep 2 (its backups Retain their objects: with Delete, each carries a finalizer
  // that only a running operator removes, which would hold up the namespace's deletion after the test).
  const scheduled = Date.now();
  const schedule: BackupSchedule = {
    apiVersion: API_VERSION,
    kind: BACKUP_SCHEDULE_KIND,
    metadata: { name: 'every-minute' },
    spec: { cluster: 'galera', schedule: '* * * * *', keep: 2, deletionPolicy: 'Retain' },
  };
  await c.custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: BACKUP_SCHEDULE_PLURAL, body: schedule });
  const first = await orShowLog(t, operator, eventually('the first scheduled backup to end', async () => {
    const mine = (await listBackups(namespace)).filter((b) => b.metadata.labels?.[LABEL_BACKUP_SCHEDULE] === 'every-minute' && ended(b));
    return mine[0];
  }, 180_000, 500));
  assert.equal(first.status?.phase, 'Completed', first.status?.message);
  const firstEnded = Date.now();
  // One scheduled run is enough here (the dummy's tests cover schedules): suspended, no other backup comes.
  await c.custom.patchNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: BACKUP_SCHEDULE_PLURAL, name: 'every-minute', body: [{ op: 'add', path: '/spec/suspend', value: true }] });
  const bs = first.status!;
  t.diagnostic(`schedule created → its first backup ${first.metadata.name} Completed: ${seconds(scheduled)} (the operator's startedAt → completedAt ${((Date.parse(bs.completedAt!) - Date.parse(bs.startedAt!)) / 1000).toFixed(1)} s, from ${bs.member} at sequence ${bs.sequence}, ${bs.size} bytes)`);

  // More writes after the backup, then the mark catches up with the last one.
  await writer.waitFor(30);
  await writer.stop();
  const last = await lastCommitted(namespace, members[0]!);
  const written = Date.now();
  let rss = await orShowLog(t, operator, waitForCluster(namespace, 'galera', `status.highestSequence to reach ${last}`, (r) => Number(r.status?.highestSequence ?? 0) >= last, 60_000));
  const mark = rss.status!.highestSequence!;
  t.diagnostic(`status.highestSequence ${mark} (wsrep_last_committed ${last}) ${seconds(written)} after the last write`);

  // Lights-out, every volume lost: every pod goes at once and the members come back empty. (The operator
  // is paused while the volumes are emptied: it would otherwise read the old data of the new pods.)
  await setPaused(namespace, true);
  const lightsOutAt = Date.now();
  const before = new Set((await c.core.listNamespacedPod({ namespace, labelSelector: 'app=galera' })).items.map((p) => p.metadata!.uid!));
  await c.core.deleteCollectionNamespacedPod({ namespace, labelSelector: 'app=galera', gracePeriodSeconds: 0 });
  await eventually('3 new member pods running', async () => {
    const pods = (await c.core.listNamespacedPod({ namespace, labelSelector: 'app=galera' })).items;
    return pods.length === 3 && pods.every((p) => !before.has(p.metadata!.uid!) && p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp);
  }, 120_000, 200);
  await eventually('the old pods\' servers to be gone', () => members.every((pod) => serversUnder(c.podDir(namespace, pod)).length === 0), 60_000, 200);
  for (const pod of members) {
    // Everything in the member's folder but run/, the new pod's ephemeral state.
    const dir = c.podDir(namespace, pod);
    for (const entry of readdirSync(dir)) if (entry !== 'run') rmSync(join(dir, entry), { recursive: true, force: true });
  }
  const now = Object.fromEntries(members.map((pod) => [pod, agent(namespace, pod, 'sequence').trim()]));
  assert.deepEqual(now, Object.fromEntries(members.map((pod) => [pod, '0'])), 'every member reports sequence 0');

  // The guard refuses to seed empty members below the mark, and names the way out.
  const unpaused = Date.now();
  await setPaused(namespace, false);
  rss = await orShowLog(t, operator, waitForCluster(namespace, 'galera', 'BootstrapRefused', (r) => condition(r, 'Bootstrapped')?.reason === 'BootstrapRefused', 120_000));
  t.diagnostic(`unpaused → BootstrapRefused: ${seconds(unpaused)}`);
  const refused = condition(rss, 'Bootstrapped')!;
  t.diagnostic(`Bootstrapped: ${refused.message}`);
  assert.equal(refused.status, 'False');
  assert.ok(refused.message.includes('kubectl rss restore'), `the refusal names kubectl rss restore: ${refused.message}`);
  assert.ok(refused.message.includes(String(mark)), `the refusal names the mark ${mark}: ${refused.message}`);
  assert.equal(condition(rss, 'Available')?.reason, 'BootstrapRefused');
  assert.equal(rss.status?.members?.primary?.length ?? 0, 0, 'nothing seeded');
  assert.equal(rss.status?.highestSequence, mark, 'the mark is kept');
  await waitForEvents(namespace, 'galera', 'a Warning event BootstrapRefused naming kubectl rss restore', (events) => events.some((e) => e.type === 'Warning' && e.reason === 'BootstrapRefused' && e.message.includes('kubectl rss restore')));

  // kubectl rss restore galera: the latest completed backup.
  const versions = await watchCluster(t, namespace, 'galera');
  const asked = Date.now();
  const r = await kubectlRssAsync(['restore', 'galera', '-n', namespace], 120_000);
  if (unknownCommand(r)) {
    t.diagnostic(`kubectl rss has no restore command yet (${r.stderr.trim()}): setting the annotation ${ANNOTATION_RESTORE}=latest instead`);
    c.kubectl(['-n', namespace, 'annotate', 'rss/galera', `${ANNOTATION_RESTORE}=latest`]);
  } else {
    t.diagnostic(`kubectl rss restore galera (exit ${r.status}):\n${(r.stdout + r.stderr).trimEnd()}`);
    assert.equal(r.status, 0, r.stderr);
  }
  rss = await orShowLog(t, operator, waitForCluster(namespace, 'galera', 'restored from the latest backup, 3 primaries', (x) =>
    allPrimaries(x) && x.status?.restore?.phase === 'Completed' && (x.status.lastBootstrap?.time ?? '') > new Date(lightsOutAt).toISOString(), BOOT_TIMEOUT_MS));
  t.diagnostic(`kubectl rss restore → 3 primaries, restore Completed: ${seconds(asked)} (lights-out → 3 primaries: ${seconds(lightsOutAt)})`);
  await eventually('the restore annotation to be removed', async () => !(await getCluster(namespace, 'galera')).metadata.annotations?.[ANNOTATION_RESTORE], 30_000);

  const restore = rss.status!.restore!;
  assert.equal(restore.backup, first.metadata.name, 'the latest completed backup was restored');
  assert.equal(restore.requestedBy, 'annotation');
  const restoredSequence = Number(restore.sequence!);
  assert.equal(typeof restoredSequence, 'number');
  assert.equal(rss.status?.lastBootstrap?.pod, restore.member, 'status.lastBootstrap names the restored member');
  assert.equal(rss.status?.lastBootstrap?.sequence, restoredSequence);
  assert.equal(restoredPosition(namespace, restore.member!), restoredSequence, 'the sequence galera-agent restore reported');
  assert.ok(restoredSequence >= Number(bs.sequence ?? 0) && restoredSequence < Number(mark), `restored at ${restoredSequence}: from the backup (started at ${bs.sequence}), below the lost cluster's mark ${mark}`);
  await waitForEvents(namespace, 'galera', `Restoring, Restored and Seeded Events naming ${first.metadata.name}`, (events) =>
    ['Restoring', 'Restored', 'Seeded'].every((reason) => events.some((e) => e.reason === reason && e.message.includes(first.metadata.name!))));

  // The mark restarts from the restored member: the status written with the seed holds its sequence, and
  // from there it follows the new cluster (whose seqno also counts the new view and each join).
  const seededAt = (x: ReplicatedStatefulSet) => x.status?.lastBootstrap?.pod === restore.member && (x.status?.lastBootstrap?.time ?? '') > new Date(lightsOutAt).toISOString();
  const seeded = await eventually('the watch to deliver the status written with the seed', () => versions.seen.find(seededAt), 10_000);
  assert.equal(seeded?.status?.highestSequence, restoredSequence, 'status.highestSequence written with the seed is the restored sequence');
  const newCluster = await lastCommitted(namespace, members[0]!);
  const marks = versions.seen.filter(seededAt).map((x) => Number(x.status?.highestSequence ?? -1)).filter((m, i, all) => i === 0 || m !== all[i - 1]);
  assert.ok(marks.every((m) => m >= restoredSequence && m <= newCluster), `status.highestSequence since the seed: ${marks.join(' → ')}, within ${restoredSequence}…${newCluster}`);
  versions.stop();

  for (const pod of members) await expectSynced(namespace, pod, 3);
  await checkRows(t, namespace, members, writer, first, Date.parse(bs.startedAt!), firstEnded);

  // The mark follows new writes.
  await sql(namespace, members[1]!, `INSERT INTO rss.acked (id, via) VALUES (20000000, '${members[1]}')`);
  const next = await lastCommitted(namespace, members[1]!);
  const wrote = Date.now();
  await orShowLog(t, operator, waitForCluster(namespace, 'galera', `status.highestSequence to follow the restored cluster to ${next}`, (x) => x.status?.highestSequence === next, 30_000));
  t.diagnostic(`status.highestSequence: ${mark} before the lights-out; ${marks.join(' → ')} since the restore (restored at ${restoredSequence}); ${next} ${seconds(wrote)} after one more write`);
});
