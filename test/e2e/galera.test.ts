// MariaDB Galera under the operator (examples/galera), on the local control plane: every member pod is a
// mariadbd on 127.0.0.1 with its own data directory (the pod's working directory). The test talks to each
// member through its unix socket with the `mariadb` client, and checks that no acknowledged row is lost.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { processesUnder, repoRoot } from '../../controlplane/localcluster.ts';
import { GROUP, PLURAL, VERSION } from '../../src/api/names.ts';
import type { ReplicatedStatefulSet } from '../../src/api/types.ts';
import { cluster, eventually, testNamespace } from '../support/cluster.ts';
import { clusterEvents, createCluster, loadManifest, startOperator, waitForCluster } from '../support/operator.ts';

const run = promisify(execFile);
const NAME = 'galera';
const MEMBERS = ['rss-galera-0', 'rss-galera-1', 'rss-galera-2'];
// The script by its path: the manifest names it `galera-agent`, found on the fake nodes' PATH, but a control
// plane started before examples/galera/bin existed does not have it there.
const AGENT = join(repoRoot, 'examples', 'galera', 'bin', 'galera-agent');
const BOOT_TIMEOUT_MS = 240_000;

const allPrimaries = (rss: ReplicatedStatefulSet) => (rss.status?.members?.primary?.length ?? 0) === 3 && rss.status?.phase === 'Running';

function manifest(): ReplicatedStatefulSet {
  const m = loadManifest('examples/galera/cluster.yaml');
  for (const c of Object.values(m.spec.pod.commands)) {
    if (c?.command[0] === 'galera-agent') c.command[0] = AGENT;
  }
  return m;
}

/**
 * A namespace for the test, deleted at the end; then waits until every process its pods started (mariadbd,
 * rsync) is gone — the exec agent kills them when the pods go — and kills and reports any left over.
 */
async function galeraNamespace(t: TestContext, prefix: string): Promise<string> {
  const c = cluster();
  const namespace = await testNamespace(t, prefix);
  t.after(async () => {
    if (process.env.RSS_KEEP_NAMESPACES) return;
    await c.core.deleteNamespace({ name: namespace }).catch(() => undefined);
    const dir = c.podDir(namespace, '').replace(/\/$/, '');
    const left = await eventually(`the processes of ${namespace}'s pods to end`, () => processesUnder(dir).length === 0, 90_000, 500).then(
      () => [] as number[],
      () => processesUnder(dir),
    );
    for (const pid of left) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
    assert.deepEqual(left, [], `processes left running in ${dir} after the namespace was deleted (killed now)`);
  });
  return namespace;
}

function socketOf(namespace: string, pod: string): string {
  return join(cluster().podDir(namespace, pod), 'run', 'mysqld.sock');
}

/** Runs SQL on one member through its socket; returns the rows (tab-separated columns), no header. */
async function sql(namespace: string, pod: string, query: string, timeoutMs = 20_000): Promise<string[][]> {
  const { stdout } = await run('mariadb', ['--no-defaults', '-uroot', `--socket=${socketOf(namespace, pod)}`, '--connect-timeout=5', '-N', '-B', '-e', query], { timeout: timeoutMs });
  return stdout.split('\n').filter(Boolean).map((line) => line.split('\t'));
}

async function ids(namespace: string, pod: string): Promise<Set<number>> {
  return new Set((await sql(namespace, pod, 'SELECT id FROM rss.acked')).map((r) => Number(r[0])));
}

/** Runs galera-agent in a member pod through the pod exec API (kubectl exec → kwok), as the operator does. */
function agent(namespace: string, pod: string, ...args: string[]): string {
  return cluster().kubectl(['-n', namespace, 'exec', pod, '-c', 'galera', '--', AGENT, ...args]);
}

function grastateSeqno(namespace: string, pod: string): number {
  const text = readFileSync(join(cluster().podDir(namespace, pod), 'mysql', 'grastate.dat'), 'utf8');
  return Number(/^seqno:\s*(-?\d+)/m.exec(text)![1]);
}

async function setPaused(namespace: string, paused: boolean): Promise<void> {
  await cluster().custom.patchNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name: NAME, body: [{ op: 'add', path: '/spec/paused', value: paused }] });
}

/**
 * Writes rows continuously, each through the next member that answers, and records every acknowledged
 * one: a row counts only when its INSERT returned success.
 */
function startWriter(namespace: string, members: () => string[]) {
  const acked = new Set<number>();
  let next = 1;
  let running = true;
  let failures = 0;
  const done = (async () => {
    let turn = 0;
    while (running) {
      const candidates = members();
      if (candidates.length === 0) { await sleep(50); continue; }
      const pod = candidates[turn++ % candidates.length]!;
      const id = next++;
      try {
        await sql(namespace, pod, `INSERT INTO rss.acked (id, via) VALUES (${id}, '${pod}')`, 15_000);
        acked.add(id);
      } catch {
        failures++;
        await sleep(50);
      }
    }
  })();
  return {
    acked,
    failures: () => failures,
    async waitFor(more: number, timeoutMs = 60_000) {
      const target = acked.size + more;
      await eventually(`${more} more acknowledged rows`, () => acked.size >= target, timeoutMs, 50);
    },
    async stop() {
      running = false;
      await done;
    },
  };
}

async function expectAllRows(namespace: string, acked: Set<number>): Promise<void> {
  for (const pod of MEMBERS) {
    const present = await ids(namespace, pod);
    const missing = [...acked].filter((id) => !present.has(id));
    assert.deepEqual(missing, [], `${pod} holds every acknowledged row (${acked.size} acknowledged, ${present.size} present)`);
  }
}

test('galera: 3 members bootstrap through the operator; a row written through any member is read back from every member', async (t) => {
  const namespace = await galeraNamespace(t, 'galera');
  const operator = startOperator(t, namespace);
  const started = Date.now();
  await createCluster(namespace, manifest());
  let rss: ReplicatedStatefulSet;
  try {
    rss = await waitForCluster(namespace, NAME, '3 primaries', allPrimaries, BOOT_TIMEOUT_MS);
  } catch (error) {
    t.diagnostic(operator.log().split('\n').slice(-40).join('\n'));
    throw error;
  }
  t.diagnostic(`bootstrap of 3 members (create → 3 primaries): ${((Date.now() - started) / 1000).toFixed(1)} s`);
  assert.equal(rss.status?.lastBootstrap?.pod, 'rss-galera-0', 'empty members: the lowest ordinal seeds');

  for (const pod of MEMBERS) {
    const status = new Map((await sql(namespace, pod, "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_local_state_comment', 'wsrep_cluster_size', 'wsrep_cluster_status')")).map(([k, v]) => [k!, v]));
    assert.equal(status.get('wsrep_local_state_comment'), 'Synced', `${pod} is Synced`);
    assert.equal(status.get('wsrep_cluster_status'), 'Primary', `${pod} is in the primary component`);
    assert.equal(status.get('wsrep_cluster_size'), '3', `${pod} sees 3 members`);
  }

  await sql(namespace, 'rss-galera-0', 'CREATE DATABASE rss; CREATE TABLE rss.acked (id INT PRIMARY KEY, via VARCHAR(32))');
  for (const [i, pod] of MEMBERS.entries()) await sql(namespace, pod, `INSERT INTO rss.acked VALUES (${i + 1}, '${pod}')`);
  for (const pod of MEMBERS) {
    const rows = await sql(namespace, pod, 'SELECT id, via FROM rss.acked ORDER BY id');
    assert.deepEqual(rows, MEMBERS.map((m, i) => [String(i + 1), m]), `${pod} reads the row written through every member`);
  }
});

test('galera member failure under load: a killed member whose pod is deleted rejoins; every acknowledged row is on every member', async (t) => {
  const c = cluster();
  const namespace = await galeraNamespace(t, 'galera-fail');
  const operator = startOperator(t, namespace);
  await createCluster(namespace, manifest());
  try {
    await waitForCluster(namespace, NAME, '3 primaries', allPrimaries, BOOT_TIMEOUT_MS);
  } catch (error) {
    t.diagnostic(operator.log().split('\n').slice(-40).join('\n'));
    throw error;
  }
  await sql(namespace, 'rss-galera-0', 'CREATE DATABASE rss; CREATE TABLE rss.acked (id INT PRIMARY KEY, via VARCHAR(32))');
  const up = new Set(MEMBERS);
  const writer = startWriter(namespace, () => [...up]);
  t.after(() => writer.stop());
  await writer.waitFor(30);

  // rss-galera-2 dies (its mariadbd killed, then its pod deleted); the writes go on through the others.
  const victim = 'rss-galera-2';
  up.delete(victim);
  await sleep(300);
  const old = await c.core.readNamespacedPod({ namespace, name: victim });
  process.kill(Number(readFileSync(join(c.podDir(namespace, victim), 'run', 'mariadbd.pid'), 'utf8')), 'SIGKILL');
  const deleted = Date.now();
  await c.core.deleteNamespacedPod({ namespace, name: victim, gracePeriodSeconds: 0 });
  await writer.waitFor(20);
  let rss: ReplicatedStatefulSet;
  try {
    rss = await waitForCluster(namespace, NAME, `${victim} rejoined in its new pod`, (r) => {
      const m = r.status?.memberStatus?.find((x) => x.name === victim);
      return allPrimaries(r) && m?.role === 'primary' && !!m.podUID && m.podUID !== old.metadata?.uid;
    }, BOOT_TIMEOUT_MS);
  } catch (error) {
    t.diagnostic(operator.log().split('\n').slice(-60).join('\n'));
    throw error;
  }
  t.diagnostic(`member failover (pod deleted → synced as primary): ${((Date.now() - deleted) / 1000).toFixed(1)} s`);
  assert.equal(rss.status?.lastBootstrap?.pod, 'rss-galera-0', 'no new bootstrap: the member rejoined the running cluster');
  const log = readFileSync(join(c.podDir(namespace, victim), 'mariadbd.log'), 'utf8');
  const transfer = log.slice(log.lastIndexOf('==== ')).includes('Receiving IST:') ? 'IST' : 'SST';
  t.diagnostic(`the killed member rejoined by ${transfer}`);

  up.add(victim);
  await writer.waitFor(20);
  await writer.stop();
  await expectAllRows(namespace, writer.acked);
  t.diagnostic(`rows acknowledged: ${writer.acked.size}, lost: 0 (${writer.failures()} inserts failed)`);
});

test('galera lights-out: members stop one after another under writes, then all pods go; the most advanced seeds and no acknowledged row is lost', async (t) => {
  const c = cluster();
  const namespace = await galeraNamespace(t, 'galera-lo');
  const operator = startOperator(t, namespace);
  await createCluster(namespace, manifest());
  try {
    await waitForCluster(namespace, NAME, '3 primaries', allPrimaries, BOOT_TIMEOUT_MS);
  } catch (error) {
    t.diagnostic(operator.log().split('\n').slice(-40).join('\n'));
    throw error;
  }
  await sql(namespace, 'rss-galera-0', 'CREATE DATABASE rss; CREATE TABLE rss.acked (id INT PRIMARY KEY, via VARCHAR(32))');

  const up = new Set(MEMBERS);
  const writer = startWriter(namespace, () => [...up]);
  t.after(() => writer.stop());
  await writer.waitFor(30);

  // The operator keeps out of the way (it would restart the stopped members) while their seqnos part.
  await setPaused(namespace, true);
  await waitForCluster(namespace, NAME, 'paused', (r) => r.status?.conditions?.some((x) => x.type === 'Paused' && x.status === 'True') ?? false);

  // rss-galera-0 stops cleanly, then rss-galera-2; rss-galera-1, the last one, is killed: it is the most
  // advanced, neither the lowest nor the highest ordinal, and its grastate.dat says -1.
  for (const pod of ['rss-galera-0', 'rss-galera-2']) {
    up.delete(pod);
    await sleep(300); // let the writes in flight through it finish
    agent(namespace, pod, 'stop');
    await writer.waitFor(20);
  }
  up.delete('rss-galera-1');
  await sleep(300);
  const pid = Number(readFileSync(join(c.podDir(namespace, 'rss-galera-1'), 'run', 'mariadbd.pid'), 'utf8'));
  process.kill(pid, 'SIGKILL');
  await writer.stop();
  const acked = writer.acked;
  t.diagnostic(`rows acknowledged: ${acked.size} (${writer.failures()} inserts failed while members went away)`);

  const said = Object.fromEntries(MEMBERS.map((m) => [m, grastateSeqno(namespace, m)]));
  t.diagnostic(`grastate.dat seqno: ${JSON.stringify(said)}`);
  assert.equal(said['rss-galera-1'], -1, 'the killed member did not write its seqno');
  assert.ok(said['rss-galera-0']! >= 0 && said['rss-galera-2']! > said['rss-galera-0']!, 'the members stopped cleanly, in order, with differing seqnos');
  // The killed member's position comes from `mariadbd --wsrep-recover`, through the sequence command.
  const recovered = await eventually('rss-galera-1 to be gone', () => processesUnder(c.podDir(namespace, 'rss-galera-1')).length === 0, 10_000).then(() => Number(agent(namespace, 'rss-galera-1', 'sequence').trim()));
  t.diagnostic(`rss-galera-1 recovered seqno: ${recovered}`);
  assert.ok(recovered > said['rss-galera-2']!, 'the last member standing is the most advanced');

  // Lights out: every pod goes; the operator comes back to pods with nothing running.
  const lightsOut = Date.now();
  const before = new Set((await c.core.listNamespacedPod({ namespace, labelSelector: `app=${NAME}` })).items.map((p) => p.metadata!.uid!));
  await c.core.deleteCollectionNamespacedPod({ namespace, labelSelector: `app=${NAME}`, gracePeriodSeconds: 0 });
  await eventually('3 new member pods running', async () => {
    const pods = (await c.core.listNamespacedPod({ namespace, labelSelector: `app=${NAME}` })).items;
    return pods.length === 3 && pods.every((p) => !before.has(p.metadata!.uid!) && p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp);
  }, 60_000, 200);
  await setPaused(namespace, false);
  let rss: ReplicatedStatefulSet;
  try {
    rss = await waitForCluster(namespace, NAME, 'a new bootstrap and 3 primaries', (r) => (r.status?.lastBootstrap?.time ?? '') > new Date(lightsOut).toISOString() && allPrimaries(r), BOOT_TIMEOUT_MS);
  } catch (error) {
    t.diagnostic(operator.log().split('\n').slice(-60).join('\n'));
    throw error;
  }
  t.diagnostic(`lights-out recovery (pods deleted → 3 primaries, including the unpause): ${((Date.now() - lightsOut) / 1000).toFixed(1)} s`);
  assert.equal(rss.status?.lastBootstrap?.pod, 'rss-galera-1', 'the member with the highest seqno seeded');
  assert.equal(rss.status?.lastBootstrap?.sequence, recovered, 'seeded at the seqno the killed member recovered');
  assert.ok((await clusterEvents(namespace, NAME)).some((e) => e.reason === 'Seeded' && e.message.includes('rss-galera-1')));

  await expectAllRows(namespace, acked);
  t.diagnostic(`rows lost: 0 of ${acked.size}`);
  // The cluster takes writes again, on every member.
  for (const [i, pod] of MEMBERS.entries()) await sql(namespace, pod, `INSERT INTO rss.acked VALUES (${1_000_000 + i}, '${pod}')`);
  for (const pod of MEMBERS) assert.equal((await ids(namespace, pod)).size, (await ids(namespace, 'rss-galera-0')).size);
});
