// The kubectl plugin, run as a user runs it: `kubectl rss …` with the control plane's own kubectl, which
// finds bin/kubectl-rss on PATH. Its status output for a healthy, a degraded and a bootstrapping cluster
// (run by the real operator with the dummy application) is compared with golden files once what varies
// from run to run is normalised; its errors and the annotations it writes are checked. Its backup
// commands are run without an operator (the test writes the Backup's status) and with one, backing up
// into the control plane's S3 server.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'yaml';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { Backup } from '../../src/api/backup-types.ts';
import {
  ANNOTATION_FENCED,
  ANNOTATION_PAUSED,
  ANNOTATION_RESTART,
  ANNOTATION_RESTORE,
  ANNOTATION_SEED_OVERRIDE,
  BACKUP_PLURAL,
  GROUP,
  LABEL_BACKUP_CLUSTER,
  PLURAL,
  VERSION,
} from '../../src/api/names.ts';
import type { ReplicatedStatefulSet } from '../../src/api/types.ts';
import type { BackupsView } from '../../src/cli/backups.ts';
import { table } from '../../src/cli/format.ts';
import type { StatusView } from '../../src/cli/status-view.ts';
import { testStorage } from '../support/backup.ts';
import { cluster, eventually, testNamespace } from '../support/cluster.ts';
import { kubectlRss } from '../support/plugin.ts';
import { createCluster, getCluster, loadManifest, startOperator, waitForCluster } from '../support/operator.ts';
import { assertGolden, readGolden, updating } from '../unit/cli/golden.ts';

function example(name: string, edit: (rss: ReplicatedStatefulSet) => void = () => undefined): ReplicatedStatefulSet {
  const rss = loadManifest('examples/dummy/cluster.yaml');
  rss.metadata.name = name;
  edit(rss);
  return rss;
}

function writeFault(namespace: string, pod: string, command: string, fault: string): void {
  const dir = join(cluster().podDir(namespace, pod), 'faults');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, command), `${fault}\n`);
}

const AGE = /^-?\d+[smhdy](\d+[smhd])?$/;

/**
 * What varies from run to run, replaced: the namespace, UIDs, revision hashes, ages, and the Events
 * section (how many events, and how often each repeated, depends on timing; the unit goldens cover its
 * layout). The tables are then laid out again, as their column widths follow the replaced values.
 */
function normalise(text: string, namespace: string, revisions: readonly string[]): string {
  let out = text.split(namespace).join('<namespace>');
  out = out.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uid>');
  for (const revision of [...revisions].sort((a, b) => b.length - a.length)) out = out.split(revision).join('<revision>');
  out = out.replace(/\S+ ago\b/g, '<age> ago');
  // Which members' status probes are due at the frozen moment depends on when each last ran.
  out = out.replace(/running status on rss-[a-z]+-\d+(, rss-[a-z]+-\d+)*/g, 'running status on <members due>');
  const events = out.indexOf('\nEvents:\n');
  if (events >= 0) out = `${out.slice(0, events)}\nEvents:\n  <not compared>\n`;
  const lines = out.split('\n');
  const result: string[] = [];
  for (let i = 0; i < lines.length; ) {
    const line = lines[i++]!;
    result.push(line);
    if (line !== 'Conditions:' && line !== 'Members:') continue;
    const rows: string[][] = [];
    while (i < lines.length && lines[i]!.startsWith('  ')) rows.push(lines[i++]!.trim().split(/ {2,}/));
    if (line === 'Members:') {
      for (const row of rows.slice(1)) if (AGE.test(row.at(-1)!)) row[row.length - 1] = '<age>';
    }
    result.push(...table(rows, '  '));
  }
  return result.join('\n');
}

/** Every revision a pod of the namespace carries, whole (`rss-x-<hash>`) and as the hash alone. */
async function revisions(namespace: string): Promise<string[]> {
  const pods = await cluster().core.listNamespacedPod({ namespace });
  const found = new Set<string>();
  for (const pod of pods.items) {
    const revision = pod.metadata?.labels?.['controller-revision-hash'];
    const app = pod.metadata?.labels?.app;
    if (!revision || !app) continue;
    found.add(revision);
    if (revision.startsWith(`rss-${app}-`)) found.add(revision.slice(`rss-${app}-`.length));
  }
  return [...found];
}

/**
 * `kubectl rss status <name>` until its normalised output equals the golden file (a cluster passes through
 * states; the one in the file must come). With UPDATE_GOLDEN=1, writes the first output `wanted` accepts.
 */
async function statusLike(namespace: string, name: string, golden: string, wanted: (text: string) => boolean): Promise<void> {
  const expected = updating() ? undefined : readGolden(golden);
  let last = '';
  try {
    await eventually(`kubectl rss status ${name} to show the state in ${golden}`, async () => {
      const r = kubectlRss(['status', name, '-n', namespace]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr, '');
      last = normalise(r.stdout, namespace, await revisions(namespace));
      return expected === undefined ? wanted(last) : last === expected;
    }, 120_000, 200);
  } catch (error) {
    if (expected === undefined) throw new Error(`${(error as Error).message}\nlast output:\n${last}`);
    assert.equal(last, expected, `kubectl rss status ${name} never matched ${golden}; the last output is shown (UPDATE_GOLDEN=1 rewrites the file)`);
  }
  if (expected === undefined) assertGolden(golden, last);
}

async function annotationsOf(namespace: string, name: string): Promise<Record<string, string>> {
  const annotations = { ...(await getCluster(namespace, name)).metadata.annotations };
  delete annotations['kubectl.kubernetes.io/last-applied-configuration'];
  return annotations;
}

test('kubectl rss: status of healthy, degraded and bootstrapping clusters; errors; the annotations it writes', async (t) => {
  const c = cluster();
  const namespace = await testNamespace(t, 'kubectl-rss');
  let operator = startOperator(t, namespace);
  // The bootstrapping cluster: one member's sequence prints rubbish, so no member can be seeded.
  writeFault(namespace, 'rss-booting-1', 'sequence', 'garbage');
  await createCluster(namespace, example('healthy'));
  await createCluster(namespace, example('degraded', (r) => (r.spec.reconcileInterval = '2s')));
  await createCluster(namespace, example('booting'));

  const running = (rss: ReplicatedStatefulSet) => rss.status?.phase === 'Running' && (rss.status?.members?.primary?.length ?? 0) === 3;
  await waitForCluster(namespace, 'healthy', '3 primaries', running);
  await waitForCluster(namespace, 'degraded', '3 primaries', running);
  await waitForCluster(namespace, 'booting', 'the bootstrap blocked by the unknown sequence', (rss) =>
    rss.status?.conditions?.some((x) => x.type === 'Bootstrapped' && x.reason === 'SequenceUnknown') === true &&
    (rss.status?.memberStatus ?? []).filter((m) => m.sequenceTime !== undefined).length === 3,
  );
  // The degraded cluster: a member's status starts failing once it runs, and its stop hangs, so the status
  // the operator writes before stopping it (failed, being stopped) stays the status for a while.
  writeFault(namespace, 'rss-degraded-1', 'stop', 'hang');
  writeFault(namespace, 'rss-degraded-1', 'status', 'exit 3');

  await t.test('healthy', async () => {
    await statusLike(namespace, 'healthy', 'e2e-healthy.txt', (text) => /^Phase: +Running$/m.test(text) && (text.match(/ 8 primary /g) ?? []).length === 3);
  });

  await t.test('bootstrapping: a member whose sequence is unknown', async () => {
    await statusLike(namespace, 'booting', 'e2e-bootstrapping.txt', (text) => /^Phase: +Bootstrapping$/m.test(text) && /^ {2}rss-booting-1 +stopped +unknown /m.test(text));
  });

  await t.test('degraded: a member whose status exits 3', async () => {
    // The operator records the member's first failure and, before stopping it, writes that status (failed,
    // being stopped); the stop hangs. The operator is stopped at that moment and the status, frozen, is
    // compared (again from the next failure if the status moved on meanwhile).
    const golden = 'e2e-degraded.txt';
    const expected = updating() ? undefined : readGolden(golden);
    let last = '';
    for (let attempt = 1; attempt <= 5; attempt++) {
      const seen = await waitForCluster(namespace, 'degraded', 'rss-degraded-1 failed once', (rss) => {
        const m = rss.status?.memberStatus?.find((x) => x.name === 'rss-degraded-1');
        return rss.status?.phase === 'Degraded' && m?.role === 'failed' && m.lastStatus === 3 && m.failures === 1;
      }, 120_000);
      await operator.stop('SIGKILL');
      await sleep(500);
      if ((await getCluster(namespace, 'degraded')).metadata.resourceVersion === seen.metadata.resourceVersion) {
        const r = kubectlRss(['status', 'degraded', '-n', namespace]);
        assert.equal(r.status, 0, r.stderr);
        last = normalise(r.stdout, namespace, await revisions(namespace));
        if (expected === undefined) {
          assertGolden(golden, last);
          break;
        }
        if (last === expected) break;
        t.diagnostic(`degraded, attempt ${attempt}: another moment of the cycle; waiting for the next failure`);
      }
      operator = startOperator(t, namespace);
    }
    if (expected !== undefined) assert.equal(last, expected, `kubectl rss status degraded never matched ${golden}; the last output is shown (UPDATE_GOLDEN=1 rewrites the file)`);
    assert.match(last, /^ {2}rss-degraded-1 .* 3 failed +1 /m);
  });

  await t.test('-o json and -o yaml: the same structured view', async () => {
    const json = kubectlRss(['status', 'healthy', '-n', namespace, '-o', 'json']);
    assert.equal(json.status, 0, json.stderr);
    const view = JSON.parse(json.stdout) as StatusView;
    assert.equal(view.schemaVersion, 1);
    assert.equal(view.name, 'healthy');
    assert.equal(view.namespace, namespace);
    assert.equal(view.phase, 'Running');
    assert.deepEqual(view.replicas, { wanted: 3, pods: 3, ready: 3, primaries: 3, primariesWanted: 3 });
    assert.deepEqual(view.members.map((m) => [m.name, m.role, m.lastStatus, m.lastStatusMeaning, m.pod?.phase]), [0, 1, 2].map((i) => [`rss-healthy-${i}`, 'primary', 8, 'primary', 'Running']));
    assert.equal(view.lastBootstrap?.pod, 'rss-healthy-0');
    assert.ok(view.events.some((e) => e.reason === 'Seeded'), 'the RSS events are included');
    const yaml = kubectlRss(['status', 'healthy', '-n', namespace, '-o', 'yaml']);
    assert.equal(yaml.status, 0, yaml.stderr);
    const fromYaml = parse(yaml.stdout) as StatusView;
    assert.deepEqual({ ...fromYaml, events: [] }, { ...view, events: [] });

    const booting = JSON.parse(kubectlRss(['status', 'booting', '-n', namespace, '-o', 'json']).stdout) as StatusView;
    const unknown = booting.members.find((m) => m.name === 'rss-booting-1');
    assert.deepEqual([unknown?.sequence, unknown?.sequenceRead], [null, true], 'read, but unknown');
    assert.ok(booting.events.some((e) => e.reason === 'SequenceUnknown'));
  });

  await t.test('the namespace comes from the kubeconfig context when -n is not given', async (st) => {
    const dir = mkdtempSync(join(tmpdir(), 'kubectl-rss-'));
    st.after(() => rmSync(dir, { recursive: true, force: true }));
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, c.kubectl(['config', 'view', '--raw']));
    c.kubectl(['--kubeconfig', kubeconfig, 'config', 'set-context', '--current', `--namespace=${namespace}`]);
    const r = kubectlRss(['status', 'healthy'], kubeconfig);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Namespace: +${namespace}$`, 'm'));
  });

  await t.test('errors: exit code 1 and a message naming the thing and the namespace', async () => {
    const cases: [string[], RegExp][] = [
      [['status', 'nope', '-n', namespace], new RegExp(`^error: ReplicatedStatefulSet "nope" not found in namespace "${namespace}"\n$`)],
      [['fence', 'nope', 'rss-nope-0', '-n', namespace], new RegExp(`^error: ReplicatedStatefulSet "nope" not found in namespace "${namespace}"\n$`)],
      [['fence', 'healthy', 'rss-healthy-7', '-n', namespace], new RegExp(`^error: rss-healthy-7 is not a member of ReplicatedStatefulSet "healthy" in namespace "${namespace}" \\(its members are rss-healthy-0 … rss-healthy-2\\)\n$`)],
      [['restart', 'healthy', 'rss-booting-0', '-n', namespace], /^error: rss-booting-0 is not a member of ReplicatedStatefulSet "healthy"/],
      [['fence', 'rss-nope-0', '-n', namespace], new RegExp(`^error: pod "rss-nope-0" not found in namespace "${namespace}"; name its cluster too: kubectl rss fence <cluster> rss-nope-0\n$`)],
      [['unfence', 'healthy', 'rss-healthy-1', '-n', namespace], new RegExp(`^error: rss-healthy-1 is not fenced in ReplicatedStatefulSet "healthy" in namespace "${namespace}" \\(fenced: none\\)\n$`)],
      [['seed', '-n', namespace], /^error: seed needs a member pod: kubectl rss seed \[<cluster>\] <pod>\n$/],
      [['frobnicate'], /^error: unknown command "frobnicate"/],
      [['status', 'healthy', '--frobnicate'], /^error: unknown flag: --frobnicate/],
    ];
    for (const [args, message] of cases) {
      const r = kubectlRss(args);
      assert.equal(r.status, 1, `kubectl rss ${args.join(' ')}: exit code (stderr: ${r.stderr})`);
      assert.match(r.stderr, message, `kubectl rss ${args.join(' ')}`);
      assert.equal(r.stdout, '');
    }
    const help = kubectlRss(['--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^Usage:$/m);
    assert.equal(kubectlRss([]).stdout, help.stdout, 'no arguments: the usage');
  });

  await t.test('fence and unfence by pod name alone, on a running cluster', async () => {
    let r = kubectlRss(['fence', 'rss-healthy-1', '-n', namespace]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /rss-healthy-1 fenced/);
    assert.deepEqual(await annotationsOf(namespace, 'healthy'), { [ANNOTATION_FENCED]: 'rss-healthy-1' });
    r = kubectlRss(['unfence', 'rss-healthy-1', '-n', namespace]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(await annotationsOf(namespace, 'healthy'), {}, 'the last unfence removes the annotation');
  });

  await t.test('every operation writes its annotation (on a cluster no operator watches)', async (st) => {
    const quiet = await testNamespace(st, 'kubectl-rss-quiet');
    await createCluster(quiet, example('quiet'));
    const run = (...args: string[]) => {
      const r = kubectlRss([...args, '-n', quiet]);
      assert.equal(r.status, 0, `kubectl rss ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    const read = () => annotationsOf(quiet, 'quiet');

    run('fence', 'quiet', 'rss-quiet-0');
    run('fence', 'quiet', 'rss-quiet-2');
    assert.match(run('fence', 'quiet', 'rss-quiet-2'), /already fenced: nothing to change/);
    assert.deepEqual(await read(), { [ANNOTATION_FENCED]: 'rss-quiet-0,rss-quiet-2' });
    run('unfence', 'quiet', 'rss-quiet-0');
    assert.deepEqual(await read(), { [ANNOTATION_FENCED]: 'rss-quiet-2' });
    run('unfence', 'quiet', 'rss-quiet-2');
    assert.deepEqual(await read(), {});

    assert.match(run('seed', 'quiet', 'rss-quiet-2'), /only matters when no primary runs.*Data that other members hold beyond rss-quiet-2's is lost/s);
    run('restart', 'quiet', 'rss-quiet-1');
    run('pause', 'quiet');
    assert.deepEqual(await read(), { [ANNOTATION_SEED_OVERRIDE]: 'rss-quiet-2', [ANNOTATION_RESTART]: 'rss-quiet-1', [ANNOTATION_PAUSED]: 'true' });
    run('resume', 'quiet');
    assert.equal((await read())[ANNOTATION_PAUSED], undefined);

    // spec.paused holds the cluster: resume says so, fails, and leaves the spec alone.
    await c.custom.patchNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: quiet, plural: PLURAL, name: 'quiet', body: [{ op: 'add', path: '/spec/paused', value: true }] });
    run('pause', 'quiet');
    const r = kubectlRss(['resume', 'quiet', '-n', quiet]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /quiet stays paused because spec\.paused is true; this command does not edit the spec/);
    const after = await getCluster(quiet, 'quiet');
    assert.equal(after.spec.paused, true);
    assert.equal(after.metadata.annotations?.[ANNOTATION_PAUSED], undefined, 'the annotation it set is removed');
  });
});

test('kubectl rss: backup, backups, restore, and the Backups part of status (no operator: the test plays its part)', async (t) => {
  const c = cluster();
  const namespace = await testNamespace(t, 'kubectl-rss-backup');
  // Storage that is never reached: no operator runs, so nothing is backed up; only the resources matter.
  await createCluster(namespace, example('stored', (r) => {
    r.spec.backup = {
      storage: { s3: { endpoint: 'http://127.0.0.1:9', bucket: 'none', credentials: { accessKeyId: { name: 's3', key: 'id' }, secretAccessKey: { name: 's3', key: 'secret' } } } },
    };
    r.spec.pod.commands.backup = { command: ['rss-dummy', 'backup'] };
    r.spec.pod.commands.restore = { command: ['rss-dummy', 'restore'] };
  }));
  await createCluster(namespace, example('plain'));
  const rss = (...args: string[]) => kubectlRss([...args, '-n', namespace]);
  const readBackup = async (name: string) =>
    (await c.custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: BACKUP_PLURAL, name })) as Backup;

  let r = rss('backup', 'stored', '--name', 'stored-manual', '--target', 'primary');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `backup stored-manual created; follow it with: kubectl rss backups stored -n ${namespace}\n`);
  const created = await readBackup('stored-manual');
  assert.deepEqual(created.spec, { cluster: 'stored', target: 'primary' });
  assert.equal(created.metadata.labels?.[LABEL_BACKUP_CLUSTER], 'stored');

  r = rss('backup', 'stored');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^backup stored-\d{14} created;/);

  r = rss('backup', 'stored', '--name', 'stored-manual');
  assert.equal(r.status, 1);
  assert.equal(r.stderr, `error: Backup "stored-manual" already exists in namespace "${namespace}"; choose another name with --name\n`);
  r = rss('backup', 'plain');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /has no backup command \(spec\.pod\.commands\.backup\)/);

  // Nothing picks the Backup up: --wait says so, and gives up at its timeout.
  r = rss('backup', 'stored', '--name', 'stored-wait', '--wait', '--timeout', '2s');
  assert.equal(r.status, 1);
  assert.equal(r.stdout, 'backup stored-wait created\nbackup stored-wait: created, waiting for the operator to pick it up\n');
  assert.match(r.stderr, /^error: backup stored-wait is still Pending after 2s; it goes on without this command\./);

  r = rss('backups', 'stored');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^NAME +PHASE +AGE +SIZE +MEMBER +SEQUENCE +SCHEDULE\n/);
  assert.equal(r.stdout.trim().split('\n').length, 4, 'three backups');
  r = rss('backups', 'plain');
  assert.deepEqual([r.status, r.stdout, r.stderr], [0, '', `no backups of plain in namespace ${namespace}\n`]);

  r = rss('restore', 'stored');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^error: no Completed backup of stored in namespace/);
  r = rss('restore', 'stored', '--backup', 'stored-manual');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^error: Backup "stored-manual" is Pending, not Completed/);

  // The operator's part: the backup completed.
  const completedAt = new Date().toISOString();
  await c.custom.patchNamespacedCustomObjectStatus(
    {
      group: GROUP,
      version: VERSION,
      namespace,
      plural: BACKUP_PLURAL,
      name: 'stored-manual',
      body: { status: { phase: 'Completed', member: 'rss-stored-0', role: 'primary', sequence: 12, size: 3 * 1024 * 1024, sha256: 'ab'.repeat(32), objectKey: `backups/${namespace}/stored/stored-manual`, bucket: 'none', startedAt: completedAt, completedAt, message: 'done' } },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  r = rss('backups', 'stored', '-o', 'json');
  assert.equal(r.status, 0, r.stderr);
  const listed = JSON.parse(r.stdout) as BackupsView;
  assert.deepEqual(listed.backups.find((b) => b.name === 'stored-manual')?.phase, 'Completed');

  r = rss('restore', 'stored');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^Restore of the newest completed backup requested \(rss\.clusterlabs\.org\/restore=latest\): now stored-manual \(/);
  assert.equal((await annotationsOf(namespace, 'stored'))[ANNOTATION_RESTORE], 'latest');
  r = rss('restore', 'stored', '--backup', 'stored-manual');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /a restore of latest is already requested/);

  r = rss('status', 'stored');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.match(r.stdout, /^Restore pending: latest \(rss\.clusterlabs\.org\/restore: /m);
  assert.match(r.stdout, /^Backups:\n {2}Last completed: stored-manual, \S+ ago: 3\.0 MiB from rss-stored-0, sequence 12$/m);
  assert.match(r.stdout, /^ {2}In progress: +stored-\S+ \(Pending, created \S+ ago\)$/m);
  assert.match(r.stdout, /^ {2}All backups: +3 \(1 completed\)/m);
  const view = JSON.parse(rss('status', 'stored', '-o', 'json').stdout) as StatusView;
  assert.equal(view.backups.lastCompleted?.name, 'stored-manual');
  assert.equal(view.pending.restore, 'latest');
  assert.doesNotMatch(rss('status', 'plain').stdout, /^Backups:/m, 'a cluster without backups has no Backups part');
});

test('kubectl rss backup --wait with the operator: a backup into the local S3 server, followed to the end', async (t) => {
  // The bucket and its credentials Secret; fails (never skips) when the control plane has no S3 server.
  const namespace = await testNamespace(t, 'kubectl-rss-s3');
  const storage = await testStorage(t, namespace);
  await createCluster(namespace, example('real', (r) => {
    r.spec.backup = storage.policy;
    r.spec.pod.commands.backup = { command: ['rss-dummy', 'backup'] };
    r.spec.pod.commands.restore = { command: ['rss-dummy', 'restore'] };
  }));
  startOperator(t, namespace);
  await waitForCluster(namespace, 'real', '3 primaries', (rss) => rss.status?.phase === 'Running' && (rss.status?.members?.primary?.length ?? 0) === 3);

  const r = kubectlRss(['backup', 'real', '--name', 'real-first', '--wait', '--timeout', '45s', '-n', namespace]);
  assert.equal(r.stderr, '');
  assert.equal(r.status, 0);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines[0], 'backup real-first created');
  // A small backup may pass through Pending and Running between two reads: those lines are not certain.
  const progress = /^backup real-first: (created, waiting for the operator to pick it up|Pending — .+|Running — streaming the backup of rss-real-\d \(primary\) into .+|Completed — .+)$/;
  for (const line of lines.slice(1, -1)) assert.match(line, progress);
  assert.match(lines.at(-2)!, /^backup real-first: Completed — /);
  assert.match(lines.at(-1)!, /^backup real-first completed: \d+(\.\d)? (B|KiB) from rss-real-\d \(primary\), sequence \d+, sha256 [0-9a-f]{12}…$/);

  const table = kubectlRss(['backups', 'real', '-n', namespace]);
  assert.match(table.stdout, /^real-first +Completed +\S+ +\d+(\.\d)? (B|KiB) +rss-real-\d +\d+ +-$/m);
  const status = kubectlRss(['status', 'real', '-n', namespace]);
  assert.equal(status.stderr, '');
  assert.match(status.stdout, /^Backups:\n {2}Last completed: real-first, \S+ ago: \d+(\.\d)? (B|KiB) from rss-real-\d, sequence \d+$/m);
});
