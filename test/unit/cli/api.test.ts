// The plugin's backup, backups and restore commands (and status's Backups part) against a small fake API
// server: what it sends (the Backup created, the annotation patch and its resourceVersion), what it prints,
// and its exit codes, without a control plane. The fake knows only the requests these commands make.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Backup, BackupSchedule, BackupStatus } from '../../../src/api/backup-types.ts';
import type { ReplicatedStatefulSet } from '../../../src/api/types.ts';
import { run, type Io } from '../../../src/cli/kubectl-rss.ts';
import type { BackupsView } from '../../../src/cli/backups.ts';
import { NOW, backedUp, backups, healthy, restoring, schedules } from './fixtures.ts';

interface Request {
  method: string;
  path: string;
  body: unknown;
  contentType: string | undefined;
}

/** What the fake API server holds; reset before each test. */
const state = {
  clusters: new Map<string, ReplicatedStatefulSet>(),
  backups: new Map<string, Backup>(),
  schedules: [] as BackupSchedule[],
  /** Without the backup CRD: its paths answer 404, as the API server does for an unknown resource. */
  noBackupCrd: false,
  /** The statuses a created Backup goes through, one per read (the last one stays). */
  progression: [] as (BackupStatus | undefined)[],
  reads: 0,
  requests: [] as Request[],
};

const BASE = '/apis/clusterlabs.org/v1alpha1/namespaces/shop';

function send(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

function status(res: ServerResponse, code: number, reason: string, message: string, details: object = {}): void {
  send(res, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, details, code });
}

function handle(req: IncomingMessage, res: ServerResponse, text: string): void {
  const url = new URL(req.url ?? '/', 'http://fake');
  const body = text === '' ? undefined : JSON.parse(text);
  state.requests.push({ method: req.method ?? '', path: url.pathname, body, contentType: req.headers['content-type'] });
  const path = url.pathname;
  if (path === '/api/v1/namespaces/shop/pods' || path === '/api/v1/namespaces/shop/events') return send(res, 200, { items: [] });

  let m = /^\/apis\/clusterlabs\.org\/v1alpha1\/namespaces\/shop\/replicatedstatefulsets\/([^/]+)$/.exec(path);
  if (m) {
    const rss = state.clusters.get(m[1]!);
    if (!rss) return status(res, 404, 'NotFound', `replicatedstatefulsets.clusterlabs.org "${m[1]}" not found`, { name: m[1], kind: 'replicatedstatefulsets' });
    if (req.method === 'GET') return send(res, 200, rss);
    if (req.method === 'PATCH') {
      const patch = body as { metadata: { annotations: Record<string, string | null>; resourceVersion?: string } };
      if (patch.metadata.resourceVersion !== undefined && patch.metadata.resourceVersion !== rss.metadata.resourceVersion) {
        return status(res, 409, 'Conflict', 'the object has been modified');
      }
      const annotations = { ...rss.metadata.annotations };
      for (const [k, v] of Object.entries(patch.metadata.annotations)) {
        if (v === null) delete annotations[k];
        else annotations[k] = v;
      }
      rss.metadata.annotations = annotations;
      rss.metadata.resourceVersion = String(Number(rss.metadata.resourceVersion) + 1);
      return send(res, 200, rss);
    }
  }

  if (path.startsWith(`${BASE}/backups`) || path.startsWith(`${BASE}/backupschedules`)) {
    if (state.noBackupCrd) return status(res, 404, 'NotFound', 'the server could not find the requested resource');
    if (path === `${BASE}/backupschedules`) return send(res, 200, { items: state.schedules });
    if (path === `${BASE}/backups` && req.method === 'GET') return send(res, 200, { items: [...state.backups.values()] });
    if (path === `${BASE}/backups` && req.method === 'POST') {
      const created = body as Backup;
      const name = created.metadata.name!;
      if (state.backups.has(name)) return status(res, 409, 'AlreadyExists', `backups.clusterlabs.org "${name}" already exists`, { name, kind: 'backups' });
      state.backups.set(name, { ...created, metadata: { ...created.metadata, uid: 'u-1', creationTimestamp: NOW.toISOString() as unknown as Date } });
      return send(res, 201, state.backups.get(name));
    }
    m = /^\/apis\/clusterlabs\.org\/v1alpha1\/namespaces\/shop\/backups\/([^/]+)$/.exec(path);
    if (m && req.method === 'GET') {
      const b = state.backups.get(m[1]!);
      if (!b) return status(res, 404, 'NotFound', `backups.clusterlabs.org "${m[1]}" not found`, { name: m[1], kind: 'backups' });
      if (state.progression.length > 0) {
        const next = state.progression[Math.min(state.reads++, state.progression.length - 1)];
        if (next === undefined) delete b.status;
        else b.status = next;
      }
      return send(res, 200, b);
    }
  }
  status(res, 404, 'NotFound', `the fake API server does not know ${req.method} ${path}`);
}

let server: Server;
let dir: string;
let kubeconfig: string;

before(async () => {
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => handle(req, res, text));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  dir = mkdtempSync(join(tmpdir(), 'kubectl-rss-api-'));
  kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      // The client refuses plain HTTP unless TLS checks are off: there is no TLS to check here.
      clusters: [{ name: 'fake', cluster: { server: `http://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'nobody', user: {} }],
      contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'nobody', namespace: 'shop' } }],
      'current-context': 'fake',
    }),
  );
});

after(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  state.clusters = new Map([['example', backedUp().rss]]);
  state.backups = new Map(backups().map((b) => [b.metadata.name!, b]));
  state.schedules = schedules();
  state.noBackupCrd = false;
  state.progression = [];
  state.reads = 0;
  state.requests = [];
});

/** `kubectl rss <args>` against the fake, with the clock at NOW and waits that take no time. */
async function rss(...args: string[]): Promise<{ code: number; out: string; err: string; slept: number }> {
  let out = '';
  let err = '';
  let slept = 0;
  const io: Io = { out: (t) => void (out += t), err: (t) => void (err += t), now: () => new Date(NOW.getTime() + slept), sleep: async (ms) => void (slept += ms) };
  const code = await run([...args, '--kubeconfig', kubeconfig], io);
  return { code, out, err, slept };
}

const writes = () => state.requests.filter((r) => r.method !== 'GET');

describe('kubectl rss backup (against a fake API server)', () => {
  it('creates a labelled Backup named after the cluster and the time, and says how to follow it', async () => {
    const r = await rss('backup', 'example');
    assert.deepEqual([r.code, r.err], [0, '']);
    assert.equal(r.out, 'backup example-20260301120000 created; follow it with: kubectl rss backups example -n shop\n');
    assert.deepEqual(writes().map((w) => [w.method, w.path, w.body]), [
      [
        'POST',
        `${BASE}/backups`,
        { apiVersion: 'clusterlabs.org/v1alpha1', kind: 'Backup', metadata: { name: 'example-20260301120000', namespace: 'shop', labels: { 'clusterlabs.org/cluster': 'example' } }, spec: { cluster: 'example' } },
      ],
    ]);
  });

  it('--name and --target; a name taken is an error', async () => {
    assert.equal((await rss('backup', 'example', '--name', 'before-upgrade', '--target', 'primary')).code, 0);
    assert.deepEqual((writes()[0]!.body as Backup).spec, { cluster: 'example', target: 'primary' });
    const again = await rss('backup', 'example', '--name', 'before-upgrade');
    assert.equal(again.code, 1);
    assert.equal(again.err, 'error: Backup "before-upgrade" already exists in namespace "shop"; choose another name with --name\n');
  });

  it('--wait: each change on a line, then what the backup holds; exit 0', async () => {
    state.progression = [
      undefined,
      { phase: 'Running', member: 'rss-example-2', role: 'secondary', message: 'streaming the backup of rss-example-2 (secondary) into backups/shop/example/example-20260301120000' },
      { phase: 'Completed', member: 'rss-example-2', role: 'secondary', sequence: 1742, size: 2_202_009, sha256: 'ab'.repeat(32), objectKey: 'k', message: '2.1 MiB from rss-example-2 (secondary, sequence 1742) in 1.2 s' },
    ];
    const r = await rss('backup', 'example', '--wait');
    assert.equal(r.err, '');
    assert.equal(r.code, 0);
    assert.equal(
      r.out,
      [
        'backup example-20260301120000 created',
        'backup example-20260301120000: created, waiting for the operator to pick it up',
        'backup example-20260301120000: Running — streaming the backup of rss-example-2 (secondary) into backups/shop/example/example-20260301120000',
        'backup example-20260301120000: Completed — 2.1 MiB from rss-example-2 (secondary, sequence 1742) in 1.2 s',
        'backup example-20260301120000 completed: 2.1 MiB from rss-example-2 (secondary), sequence 1742, sha256 abababababab…',
        '',
      ].join('\n'),
    );
  });

  it('--wait: a failure is exit 1 with its message; the timeout is exit 1 saying how to follow it', async () => {
    state.progression = [{ phase: 'Failed', message: 'backup from rss-example-2 failed: backup exited with code 2' }];
    const failed = await rss('backup', 'example', '--wait');
    assert.equal(failed.code, 1);
    assert.equal(failed.err, 'error: backup example-20260301120000 failed: backup from rss-example-2 failed: backup exited with code 2\n');

    state.backups.clear();
    state.reads = 0;
    state.progression = [{ phase: 'Pending', message: 'waiting for backup example-x of example to end (one backup of a cluster at a time)' }];
    const slow = await rss('backup', 'example', '--wait', '--timeout', '5m');
    assert.equal(slow.code, 1);
    assert.equal(slow.slept, 300_000);
    assert.match(slow.err, /^error: backup example-20260301120000 is still Pending after 5m; it goes on without this command\. Follow it with: kubectl rss backups example -n shop/);
  });

  it('refuses, creating nothing, a cluster that is missing or cannot be backed up', async () => {
    const missing = await rss('backup', 'nope');
    assert.deepEqual([missing.code, missing.err], [1, 'error: ReplicatedStatefulSet "nope" not found in namespace "shop"\n']);
    const plain = healthy().rss;
    state.clusters.set('plain', { ...plain, metadata: { ...plain.metadata, name: 'plain' } });
    const r = await rss('backup', 'plain');
    assert.equal(r.code, 1);
    assert.equal(r.err, 'error: ReplicatedStatefulSet "plain" in namespace "shop" has no backup command (spec.pod.commands.backup): the operator cannot back it up\n');
    assert.deepEqual(writes(), []);
  });

  it('without the backup CRD: says to install it', async () => {
    state.noBackupCrd = true;
    const r = await rss('backup', 'example');
    assert.equal(r.code, 1);
    assert.match(r.err, /^error: the API server does not know Backups \(backups\.clusterlabs\.org\/v1alpha1\): is the backup CRD \(deploy\/crd-backup\.yaml\) installed\?/);
  });
});

describe('kubectl rss backups (against a fake API server)', () => {
  it('the table; -o json; none', async () => {
    const table = await rss('backups', 'example');
    assert.equal(table.code, 0);
    assert.match(table.out, /^NAME +PHASE +AGE +SIZE +MEMBER +SEQUENCE +SCHEDULE\nexample-before-upgrade /);
    assert.equal(table.out.split('\n').length, 7);
    const json = JSON.parse((await rss('backups', 'example', '-o', 'json')).out) as BackupsView;
    assert.deepEqual(json.backups.map((b) => b.name), ['example-before-upgrade', 'example-20260301115900', 'example-20260301113000', 'example-nightly-20260301030000', 'example-nightly-20260228030000']);
    const none = await rss('backups', 'gone');
    assert.deepEqual([none.code, none.out, none.err], [0, '', 'no backups of gone in namespace shop\n'], 'a cluster need not exist for its backups to be listed');
  });
});

describe('kubectl rss restore (against a fake API server)', () => {
  function emptyCluster(): ReplicatedStatefulSet {
    const r = restoring().rss;
    r.metadata.annotations = {};
    delete r.status!.restore;
    return r;
  }

  it('sets the annotation, guarded by the resourceVersion read, and says what happens', async () => {
    state.clusters.set('example', emptyCluster());
    const r = await rss('restore', 'example', '--backup', 'example-nightly-20260228030000');
    assert.equal(r.err, '');
    assert.equal(r.code, 0);
    assert.match(r.out, /^Restore of backup example-nightly-20260228030000 \(completed .*\) requested \(rss\.clusterlabs\.org\/restore=example-nightly-20260228030000\)\.\nThe operator restores only into a cluster with no running primary and every member empty/);
    const patch = writes();
    assert.equal(patch.length, 1);
    assert.equal(patch[0]!.contentType, 'application/merge-patch+json');
    assert.deepEqual(patch[0]!.body, { metadata: { annotations: { 'rss.clusterlabs.org/restore': 'example-nightly-20260228030000' }, resourceVersion: '4711' } });
  });

  it('refuses a backup that is not Completed, changing nothing', async () => {
    state.clusters.set('example', emptyCluster());
    const r = await rss('restore', 'example', '--backup', 'example-20260301115900');
    assert.equal(r.code, 1);
    assert.match(r.err, /^error: Backup "example-20260301115900" is Running, not Completed/);
    assert.deepEqual(writes(), []);
  });
});

describe('kubectl rss status: backups (against a fake API server)', () => {
  it('the Backups part from the Backups and BackupSchedules listed', async () => {
    const r = await rss('status', 'example');
    assert.deepEqual([r.code, r.err], [0, '']);
    assert.match(r.out, /^Backups:\n {2}Last completed: example-nightly-20260301030000, 8h ago: 1\.2 GiB from rss-example-2, sequence 1742, schedule nightly$/m);
    assert.match(r.out, /^ {4}nightly +0 3 \* \* \* +no +in 15h +example-nightly-20260301030000$/m);
  });

  it('without the backup CRD: quiet for a cluster without backups, a warning for one with them', async () => {
    state.noBackupCrd = true;
    const plain = healthy().rss;
    state.clusters.set('plain', { ...plain, metadata: { ...plain.metadata, name: 'plain' } });
    const quiet = await rss('status', 'plain');
    assert.deepEqual([quiet.code, quiet.err], [0, '']);
    assert.doesNotMatch(quiet.out, /^Backups:/m);
    const loud = await rss('status', 'example');
    assert.equal(loud.code, 0);
    assert.match(loud.err, /^warning: the API server does not know Backups .*\nwarning: the API server does not know BackupSchedules /);
    assert.match(loud.out, /^ {2}Last completed: unknown \(the Backups could not be listed\)$/m);
  });
});
