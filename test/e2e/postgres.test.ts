// PostgreSQL 15 streaming replication under the operator (examples/postgres), on the local control plane:
// every member pod is a postgres on 127.0.0.1 with its data in the pod's folder. A writer inserts rows
// continuously into whichever member answers as the primary and records each row acknowledged; the tests
// check what a user would: which member is the primary, that no running standby was stopped (its
// postmaster kept its pid), and that every acknowledged row is on every member.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ReplicatedStatefulSet } from '../../src/api/types.ts';
import { cluster, eventually } from '../support/cluster.ts';
import { galeraNamespace as appNamespace, kubectlRssAsync, orShowLog, watchCluster } from '../support/galera.ts';
import { clusterEvents, createCluster, startOperator, waitForCluster, waitForEvents, type OperatorProcess } from '../support/operator.ts';
import { killPostmaster, podFile, postgresManifest, postmasterPid, primaryOf, sql } from '../support/postgres.ts';

const NAME = 'pg';
const MEMBERS = ['rss-pg-0', 'rss-pg-1', 'rss-pg-2'];
const BOOT_TIMEOUT_MS = 240_000;

/** One primary (`pod` when given), two secondaries, and nothing left to do. */
const settled = (pod?: string) => (rss: ReplicatedStatefulSet) =>
  rss.status?.phase === 'Running' && rss.status.members?.primary?.length === 1 && (pod === undefined || rss.status.members.primary[0] === pod) && rss.status.members.secondary?.length === 2;

interface Postgres {
  namespace: string;
  operator: OperatorProcess;
}

async function postgresCluster(t: TestContext, prefix: string): Promise<Postgres> {
  const namespace = await appNamespace(t, prefix);
  const operator = startOperator(t, namespace);
  const started = Date.now();
  await createCluster(namespace, postgresManifest(NAME, { reconcileInterval: '5s' }));
  await orShowLog(t, operator, waitForCluster(namespace, NAME, '1 primary, 2 standbys', settled(), BOOT_TIMEOUT_MS), 60);
  t.diagnostic(`bootstrap of 3 members (create → 1 primary, 2 standbys): ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const primary = await primaryOf(namespace, NAME);
  assert.equal(primary, 'rss-pg-0', 'the lowest ordinal seeded the new cluster');
  await sql(namespace, primary, 'CREATE TABLE acked (id INT PRIMARY KEY, via TEXT)');
  return { namespace, operator };
}

/**
 * Inserts rows one at a time into whichever member answers as the primary (asked again after a failure),
 * and records every acknowledged one. Outages: the gaps between the last acknowledged row before a failure
 * and the first after it.
 */
function startWriter(namespace: string) {
  const acked = new Set<number>();
  const outages: { from: number; to: number }[] = [];
  let next = 1;
  let running = true;
  let paused = false;
  let lastAck = Date.now();
  let failing = false;
  let target: string | undefined;
  const done = (async () => {
    while (running) {
      if (paused) { await sleep(20); continue; }
      target ??= await primaryOf(namespace, NAME);
      if (target === undefined) { failing = true; await sleep(50); continue; }
      const id = next++;
      try {
        await sql(namespace, target, `INSERT INTO acked (id, via) VALUES (${id}, '${target}')`, 15_000);
        acked.add(id);
        const now = Date.now();
        if (failing) outages.push({ from: lastAck, to: now });
        failing = false;
        lastAck = now;
      } catch {
        failing = true;
        target = undefined;
        await sleep(50);
      }
    }
  })();
  return {
    acked,
    outages,
    pause: () => { paused = true; },
    resume: () => { paused = false; },
    async waitFor(more: number, timeoutMs = 120_000) {
      const goal = acked.size + more;
      await eventually(`${more} more acknowledged rows`, () => acked.size >= goal, timeoutMs, 50);
    },
    async stop() {
      running = false;
      await done;
    },
  };
}

/** Every acknowledged row is on every member (each standby asked once it has replayed what it received). */
async function expectAllRows(namespace: string, acked: Set<number>): Promise<void> {
  const expected = [...acked];
  for (const pod of MEMBERS) {
    const missing = await eventually(`${pod} to hold every acknowledged row`, async () => {
      const present = new Set((await sql(namespace, pod, 'SELECT id FROM acked')).map((r) => Number(r[0])));
      const lacking = expected.filter((id) => !present.has(id));
      return lacking.length === 0 ? lacking : undefined;
    }, 60_000, 500).catch(async () => {
      const present = new Set((await sql(namespace, pod, 'SELECT id FROM acked')).map((r) => Number(r[0])));
      return expected.filter((id) => !present.has(id));
    });
    assert.deepEqual(missing, [], `${pod} holds every acknowledged row (${expected.length} acknowledged)`);
  }
}

/** Every standby has replayed all the primary wrote (its replay position reached the primary's). */
async function standbysCaughtUp(namespace: string, primary: string): Promise<void> {
  const [[lsn]] = (await sql(namespace, primary, 'SELECT pg_current_wal_lsn()')) as [[string]];
  for (const pod of MEMBERS.filter((m) => m !== primary)) {
    await eventually(`${pod} to replay up to ${lsn}`, async () => (await sql(namespace, pod, `SELECT pg_last_wal_replay_lsn() >= '${lsn}'::pg_lsn`))[0]?.[0] === 't', 30_000, 100);
  }
}

/** The RSS's Events as `reason: message`, oldest first (by their last time: each reason and message once). */
async function eventsInOrder(namespace: string): Promise<string[]> {
  const list = await cluster().core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${NAME}` });
  const at = (e: (typeof list.items)[number]) => new Date(e.eventTime ?? e.firstTimestamp ?? e.lastTimestamp ?? 0).getTime();
  return [...list.items].sort((a, b) => at(a) - at(b)).map((e) => `${e.reason}: ${e.message}`);
}

/** Waits for the cluster; if it fails, every member's agent.log ends the message. */
async function orShowAgents<T>(namespace: string, wait: Promise<T>): Promise<T> {
  try {
    return await wait;
  } catch (error) {
    const tails = MEMBERS.map((m) => `--- ${m}'s agent.log:\n${agentTail(namespace, m)}`).join('\n');
    throw new Error(`${(error as Error).message}\n${tails}`);
  }
}

/** The end of a member's agent.log (what pg-agent did), for a failure's message. */
function agentTail(namespace: string, pod: string): string {
  const file = podFile(namespace, pod, 'agent.log');
  return existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n').slice(-25).join('\n') : '(no agent.log)';
}

/** The primary's postmaster killed outright, and its pod deleted (grace period 0). */
async function losePrimary(namespace: string, pod: string): Promise<void> {
  killPostmaster(namespace, pod);
  await cluster().core.deleteNamespacedPod({ namespace, name: pod, gracePeriodSeconds: 0 });
}

test('PostgreSQL: primary lost — a caught-up standby is promoted in place; an old primary holding more seeds again; no running standby is stopped, no acknowledged row lost', async (t) => {
  const { namespace, operator } = await postgresCluster(t, 'pg-failover');
  const writer = startWriter(namespace);
  t.after(() => writer.stop());
  await writer.waitFor(50);

  // 1. The standbys hold everything: one of them is promoted where it runs.
  writer.pause();
  await sleep(200);
  await standbysCaughtUp(namespace, 'rss-pg-0');
  const before = new Map(['rss-pg-1', 'rss-pg-2'].map((m) => [m, postmasterPid(namespace, m)]));
  await losePrimary(namespace, 'rss-pg-0');
  writer.resume();
  let rss = await orShowLog(t, operator, waitForCluster(namespace, NAME, 'a standby promoted, the old primary following', (r) => settled()(r) && r.status?.members?.primary?.[0] !== 'rss-pg-0', 180_000));
  const promoted = rss.status!.members!.primary![0]!;
  t.diagnostic(`promoted: ${promoted}; outages seen by the writer: ${writer.outages.map((o) => `${o.to - o.from} ms`).join(', ')}`);
  for (const [pod, pid] of before) assert.equal(postmasterPid(namespace, pod), pid, `${pod}'s postmaster kept running (promoted or re-pointed in place); its agent.log ends:\n${agentTail(namespace, pod)}`);
  assert.equal(await primaryOf(namespace, NAME), promoted, 'the promoted member answers as the only primary');
  await waitForEvents(namespace, NAME, `a Seeded Event saying ${promoted} was promoted in place`, (events) => events.some((e) => e.reason === 'Seeded' && e.message.includes(promoted) && e.message.includes('promoted in place')));
  await writer.waitFor(50);
  await expectAllRows(namespace, writer.acked);

  // 2. The primary holds acknowledged rows its standbys never received: it is seeded again.
  const primary = promoted;
  const standbys = MEMBERS.filter((m) => m !== primary);
  writer.pause();
  await sleep(200);
  const walsenders = (await sql(namespace, primary, 'SELECT pid FROM pg_stat_replication')).map((r) => Number(r[0]));
  assert.equal(walsenders.length, 2, 'both standbys stream from the primary');
  for (const pid of walsenders) process.kill(pid, 'SIGSTOP');
  // Acknowledged by the primary alone (synchronous_commit = local): only its WAL holds them.
  const onlyOnPrimary: number[] = [];
  for (let id = 1_000_000; id < 1_000_020; id++) {
    await sql(namespace, primary, `SET synchronous_commit = local; INSERT INTO acked (id, via) VALUES (${id}, 'only ${primary}')`);
    onlyOnPrimary.push(id);
  }
  for (const id of onlyOnPrimary) writer.acked.add(id);
  const kept = new Map(standbys.map((m) => [m, postmasterPid(namespace, m)]));
  const since = new Date().toISOString();
  await losePrimary(namespace, primary);
  for (const pid of walsenders) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone with the postmaster */ } }
  writer.resume();
  rss = await orShowLog(t, operator, waitForCluster(namespace, NAME, `${primary} seeded again`, (r) => settled(primary)(r) && (r.status?.lastBootstrap?.time ?? '') >= since, 180_000));
  for (const [pod, pid] of kept) assert.equal(postmasterPid(namespace, pod), pid, `${pod} was re-pointed without a restart; its agent.log ends:\n${agentTail(namespace, pod)}`);
  await writer.waitFor(50);
  await writer.stop();
  await expectAllRows(namespace, writer.acked);
});

test('PostgreSQL: lights-out under writes — the most advanced member seeds, the others follow; no acknowledged row lost', async (t) => {
  const { namespace, operator } = await postgresCluster(t, 'pg-lightsout');
  const writer = startWriter(namespace);
  t.after(() => writer.stop());
  await writer.waitFor(100);
  for (const pod of MEMBERS) killPostmaster(namespace, pod);
  await cluster().core.deleteCollectionNamespacedPod({ namespace, labelSelector: `app=${NAME}`, gracePeriodSeconds: 0 });
  const rss = await orShowLog(t, operator, orShowAgents(namespace, waitForCluster(namespace, NAME, 'a new primary after the lights-out', (r) => settled()(r) && (r.status?.lastBootstrap?.pod !== undefined), 240_000)));
  t.diagnostic(`seeded after the lights-out: ${rss.status?.lastBootstrap?.pod} at ${rss.status?.lastBootstrap?.history}:${rss.status?.lastBootstrap?.sequence}`);
  await writer.waitFor(50);
  await writer.stop();
  await expectAllRows(namespace, writer.acked);
});

test('PostgreSQL: kubectl rss switchover to a named standby, then a rolling update that moves the primary role before replacing the old primary', async (t) => {
  const { namespace, operator } = await postgresCluster(t, 'pg-switch');
  const writer = startWriter(namespace);
  t.after(() => writer.stop());
  await writer.waitFor(50);

  const asked = await kubectlRssAsync(['switchover', NAME, 'rss-pg-2', '-n', namespace]);
  assert.equal(asked.status, 0, asked.stderr);
  await orShowLog(t, operator, waitForCluster(namespace, NAME, 'rss-pg-2 primary', settled('rss-pg-2'), 120_000));
  assert.equal(await primaryOf(namespace, NAME), 'rss-pg-2');
  await waitForEvents(namespace, NAME, 'a SwitchedOver Event from rss-pg-0 to rss-pg-2', (events) => events.some((e) => e.reason === 'SwitchedOver' && /rss-pg-2 is the primary \(it was rss-pg-0\)/.test(e.message)));
  t.diagnostic(`switchover: the writer's outages ${writer.outages.map((o) => `${o.to - o.from} ms`).join(', ')}`);
  await writer.waitFor(30);
  const outagesBefore = writer.outages.length;

  // A change to the pod template: every member is replaced; the primary role moves to an updated standby
  // first, so that the old primary is replaced as a standby.
  const current = await waitForCluster(namespace, NAME, 'the current revision', (r) => r.status?.rollout?.state === 'Complete');
  const revisionBefore = current.status!.rollout!.revision;
  const oldPod = current.status!.memberStatus!.find((m) => m.name === 'rss-pg-2')!.podUID;
  const rolloutStarted = new Date().toISOString();
  const versions = await watchCluster(t, namespace, NAME);
  await cluster().custom.patchNamespacedCustomObject({
    group: 'clusterlabs.org', version: 'v1alpha1', namespace, plural: 'replicatedstatefulsets', name: NAME,
    body: [{ op: 'add', path: '/spec/pod/containers/0/env', value: [{ name: 'ROLLOUT', value: '2' }] }],
  });
  const done = await orShowLog(t, operator, waitForCluster(namespace, NAME, 'the rolling update complete', (r) => settled()(r) && r.status?.rollout?.revision !== revisionBefore && r.status?.rollout?.state === 'Complete' && r.status.rollout.updated === 3, 300_000));
  const newPrimary = done.status!.members!.primary![0]!;
  assert.notEqual(newPrimary, 'rss-pg-2', 'the primary role moved off the old primary');
  const order = await eventsInOrder(namespace);
  assert.ok(order.some((e) => e.startsWith('SwitchedOver') && e.includes('(it was rss-pg-2)')), `a switchover from rss-pg-2 happened: ${order.join(' | ')}`);
  // The first status showing rss-pg-2 in a new pod already records a seed of another member since the
  // rollout began: the primary role moved before the old primary was replaced.
  versions.stop();
  const replaced = versions.seen.find((r) => {
    const m = r.status?.memberStatus?.find((x) => x.name === 'rss-pg-2');
    return m?.podUID !== undefined && m.podUID !== oldPod;
  });
  assert.ok(replaced, 'a status shows rss-pg-2 in its new pod');
  const seeded = replaced.status?.lastBootstrap;
  assert.ok(seeded && seeded.pod !== 'rss-pg-2' && seeded.time >= rolloutStarted.slice(0, 19), `when rss-pg-2's new pod was recorded, the last seed was ${JSON.stringify(seeded)} (rollout from ${rolloutStarted}); events: ${order.join(' | ')}`);
  t.diagnostic(`rolling update: the writer's outages ${writer.outages.slice(outagesBefore).map((o) => `${o.to - o.from} ms`).join(', ')}`);
  await writer.waitFor(30);
  await writer.stop();
  await expectAllRows(namespace, writer.acked);
});
