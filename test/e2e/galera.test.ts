// MariaDB Galera under the operator (examples/galera), on the local control plane: every member pod is a
// mariadbd on 127.0.0.1 with its own data directory (the pod's working directory). The test talks to each
// member through its unix socket with the `mariadb` client, and checks what a user would: which acknowledged
// rows every member holds.
import { Watch } from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { ANNOTATION_FENCED, ANNOTATION_SEED_OVERRIDE, GROUP, PLURAL, VERSION } from '../../src/api/names.ts';
import type { ReplicatedStatefulSet } from '../../src/api/types.ts';
import { cluster, eventually } from '../support/cluster.ts';
import { BOOT_TIMEOUT_MS, agent, agentLog, condition, expectSynced, galeraManifest, galeraNamespace, ids, lastStartLog, orShowLog, podFile, primaries, seconds, serversUnder, sql, wsrepStatus } from '../support/galera.ts';
import { clusterEvents, createCluster, getCluster, startOperator, waitForCluster, waitForEvents, type OperatorProcess } from '../support/operator.ts';

const run = promisify(execFile);
const NAME = 'galera';
const member = (ordinal: number) => `rss-galera-${ordinal}`;
const membersOf = (n: number) => Array.from({ length: n }, (_, i) => member(i));
const MEMBERS = membersOf(3);

const allPrimaries = primaries(3);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

const manifest = () => galeraManifest(NAME);

interface Galera {
  namespace: string;
  operator: OperatorProcess;
  rss: ReplicatedStatefulSet;
  /** create → 3 primaries. */
  bootstrap: string;
}

/** An operator and a 3-member cluster created through it, up as 3 primaries, with the table rss.acked. */
async function galeraCluster(t: TestContext, prefix: string, spec: Partial<ReplicatedStatefulSet['spec']> = {}): Promise<Galera> {
  const namespace = await galeraNamespace(t, prefix);
  const operator = startOperator(t, namespace);
  const started = Date.now();
  const rss = manifest();
  Object.assign(rss.spec, spec);
  await createCluster(namespace, rss);
  const up = await orShowLog(t, operator, waitForCluster(namespace, NAME, '3 primaries', allPrimaries, BOOT_TIMEOUT_MS), 40);
  const bootstrap = seconds(started);
  t.diagnostic(`bootstrap of 3 members (create → 3 primaries): ${bootstrap}`);
  await sql(namespace, member(0), 'CREATE DATABASE rss; CREATE TABLE rss.acked (id INT PRIMARY KEY, via VARCHAR(32))');
  return { namespace, operator, rss: up, bootstrap };
}

async function insert(namespace: string, pod: string, rows: number[]): Promise<void> {
  for (const id of rows) await sql(namespace, pod, `INSERT INTO rss.acked (id, via) VALUES (${id}, '${pod}')`);
}

function grastateSeqno(namespace: string, pod: string): number {
  const text = readFileSync(podFile(namespace, pod, 'mysql', 'grastate.dat'), 'utf8');
  return Number(/^seqno:\s*(-?\d+)/m.exec(text)![1]);
}

/** SIGKILLs the member's mariadbd (a crash: grastate.dat keeps seqno -1). */
function killServer(namespace: string, pod: string): void {
  process.kill(Number(readFileSync(podFile(namespace, pod, 'run', 'mariadbd.pid'), 'utf8')), 'SIGKILL');
}

async function setPaused(namespace: string, paused: boolean): Promise<void> {
  await cluster().custom.patchNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name: NAME, body: [{ op: 'add', path: '/spec/paused', value: paused }] });
  if (paused) await waitForCluster(namespace, NAME, 'paused', (r) => condition(r, 'Paused')?.status === 'True');
}

/** Every member pod goes at once; returns when as many new pods run. The time it started. */
async function lightsOut(namespace: string, replicas = 3): Promise<number> {
  const c = cluster();
  const started = Date.now();
  const before = new Set((await c.core.listNamespacedPod({ namespace, labelSelector: `app=${NAME}` })).items.map((p) => p.metadata!.uid!));
  await c.core.deleteCollectionNamespacedPod({ namespace, labelSelector: `app=${NAME}`, gracePeriodSeconds: 0 });
  await eventually(`${replicas} new member pods running`, async () => {
    const pods = (await c.core.listNamespacedPod({ namespace, labelSelector: `app=${NAME}` })).items;
    return pods.length === replicas && pods.every((p) => !before.has(p.metadata!.uid!) && p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp);
  }, 60_000, 200);
  return started;
}

/**
 * Writes rows continuously, each through the next member that answers, and records every acknowledged
 * one: a row counts only when its INSERT returned success.
 */
function startWriter(namespace: string, members: () => string[]) {
  const acked = new Set<number>();
  const through = new Map<string, number>();
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
        through.set(pod, (through.get(pod) ?? 0) + 1);
      } catch {
        failures++;
        await sleep(50);
      }
    }
  })();
  return {
    acked,
    /** Rows acknowledged through each member. */
    through,
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

async function expectAllRows(namespace: string, acked: Set<number>, members = MEMBERS): Promise<void> {
  const expected = [...acked];
  for (const pod of members) {
    const present = await ids(namespace, pod);
    const missing = expected.filter((id) => !present.has(id));
    assert.deepEqual(missing, [], `${pod} holds every acknowledged row (${expected.length} acknowledged, ${present.size} present)`);
  }
}

/**
 * The members labelled rss-active-member=true (what a client Service selects), listed every 250 ms: the
 * writers' view of where to send rows.
 */
function watchActiveMembers(t: TestContext, namespace: string) {
  const c = cluster();
  let active: string[] = [...MEMBERS];
  let watching = true;
  const done = (async () => {
    while (watching) {
      try {
        const pods = await c.core.listNamespacedPod({ namespace, labelSelector: `app=${NAME},rss-active-member=true` });
        active = pods.items.filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.metadata!.name!).sort();
      } catch { /* keep the last list */ }
      await sleep(250);
    }
  })();
  const stop = async () => { watching = false; await done; };
  t.after(stop);
  return { list: () => active, stop };
}

interface Sample {
  pod: string;
  /** When the query was sent and when it answered (or failed). */
  from: number;
  to: number;
  /** wsrep_cluster_status and wsrep_cluster_size; undefined when the member did not answer. */
  status?: string;
  size?: number;
}

/** wsrep_cluster_status and size of each member, sampled every 250 ms in rounds (one query per member). */
function sampleClusterStatus(t: TestContext, namespace: string, members: string[]) {
  const rounds: Sample[][] = [];
  let sampling = true;
  const done = (async () => {
    while (sampling) {
      rounds.push(await Promise.all(members.map(async (pod): Promise<Sample> => {
        const from = Date.now();
        try {
          const s = await wsrepStatus(namespace, pod);
          return { pod, from, to: Date.now(), status: s.get('wsrep_cluster_status') ?? '?', size: Number(s.get('wsrep_cluster_size')) };
        } catch {
          return { pod, from, to: Date.now() };
        }
      })));
      await sleep(250);
    }
  })();
  const stop = async () => { sampling = false; await done; };
  t.after(stop);
  return { rounds, samples: () => rounds.flat(), stop };
}

/**
 * Each time a member was taken down since `since`, from its agent.log: when its `stop` began and when it was
 * next Synced in the primary component (started by `primary` or `seed`), ordered by the stop.
 */
function downtimes(namespace: string, members: string[], since: number): { pod: string; down: number; up: number; by: string }[] {
  return members.flatMap((pod) => {
    const log = agentLog(namespace, pod).filter((l) => l.time >= since);
    const result: { pod: string; down: number; up: number; by: string }[] = [];
    for (let i = 0; i < log.length; i++) {
      if (log[i]!.verb !== 'stop') continue;
      const back = log.findIndex((l, j) => j > i && (l.verb === 'primary' || l.verb === 'seed') && l.text.startsWith('Synced in the primary component'));
      result.push({ pod, down: log[i]!.time, up: back < 0 ? Number.POSITIVE_INFINITY : log[back]!.time, by: back < 0 ? '' : log[back]!.verb });
      if (back < 0) break;
      i = back;
    }
    return result;
  }).sort((a, b) => a.down - b.down);
}

/** Every version of the RSS written from now on, through a watch (a poll could miss a short-lived one). */
async function watchCluster(t: TestContext, namespace: string) {
  const seen: ReplicatedStatefulSet[] = [];
  const request = await new Watch(cluster().kubeConfig).watch(`/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}`, {}, (_type, object: ReplicatedStatefulSet) => {
    if (object?.metadata?.name === NAME) seen.push(object);
  }, () => undefined);
  const stop = () => request.abort();
  t.after(stop);
  return { seen, stop };
}

async function variable(namespace: string, pod: string, name: string): Promise<string | undefined> {
  return (await sql(namespace, pod, `SHOW GLOBAL VARIABLES LIKE '${name}'`))[0]?.[1];
}

test('galera: 3 members bootstrap through the operator; a row written through any member is read back from every member', async (t) => {
  const { namespace, rss } = await galeraCluster(t, 'galera');
  assert.equal(rss.status?.lastBootstrap?.pod, 'rss-galera-0', 'empty members: the lowest ordinal seeds');
  for (const pod of MEMBERS) await expectSynced(namespace, pod, 3);

  for (const [i, pod] of MEMBERS.entries()) await insert(namespace, pod, [i + 1]);
  for (const pod of MEMBERS) {
    const rows = await sql(namespace, pod, 'SELECT id, via FROM rss.acked ORDER BY id');
    assert.deepEqual(rows, MEMBERS.map((m, i) => [String(i + 1), m]), `${pod} reads the row written through every member`);
  }
});

test('galera member failure under load: a killed member whose pod is deleted rejoins; every acknowledged row is on every member', async (t) => {
  const c = cluster();
  const { namespace, operator } = await galeraCluster(t, 'galera-fail');
  const up = new Set(MEMBERS);
  const writer = startWriter(namespace, () => [...up]);
  t.after(() => writer.stop());
  await writer.waitFor(30);

  // rss-galera-2 dies (its mariadbd killed, then its pod deleted); the writes go on through the others.
  const victim = 'rss-galera-2';
  up.delete(victim);
  await sleep(300);
  const old = await c.core.readNamespacedPod({ namespace, name: victim });
  killServer(namespace, victim);
  const deleted = Date.now();
  await c.core.deleteNamespacedPod({ namespace, name: victim, gracePeriodSeconds: 0 });
  await writer.waitFor(20);
  const rss = await orShowLog(t, operator, waitForCluster(namespace, NAME, `${victim} rejoined in its new pod`, (r) => {
    const m = r.status?.memberStatus?.find((x) => x.name === victim);
    return allPrimaries(r) && m?.role === 'primary' && !!m.podUID && m.podUID !== old.metadata?.uid;
  }, BOOT_TIMEOUT_MS));
  t.diagnostic(`member failover (pod deleted → synced as primary): ${seconds(deleted)}`);
  assert.equal(rss.status?.lastBootstrap?.pod, 'rss-galera-0', 'no new bootstrap: the member rejoined the running cluster');
  t.diagnostic(`the killed member rejoined by ${lastStartLog(namespace, victim).includes('Receiving IST:') ? 'IST' : 'SST'}`);

  up.add(victim);
  await writer.waitFor(20);
  await writer.stop();
  await expectAllRows(namespace, writer.acked);
  t.diagnostic(`rows acknowledged: ${writer.acked.size}, lost: 0 (${writer.failures()} inserts failed)`);
});

test('galera lights-out: members stop one after another under writes, then all pods go; the most advanced seeds and no acknowledged row is lost', async (t) => {
  const c = cluster();
  const { namespace, operator } = await galeraCluster(t, 'galera-lo');
  const up = new Set(MEMBERS);
  const writer = startWriter(namespace, () => [...up]);
  t.after(() => writer.stop());
  await writer.waitFor(30);

  // The operator keeps out of the way (it would restart the stopped members) while their seqnos part.
  await setPaused(namespace, true);

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
  killServer(namespace, 'rss-galera-1');
  await writer.stop();
  const acked = writer.acked;
  t.diagnostic(`rows acknowledged: ${acked.size} (${writer.failures()} inserts failed while members went away)`);

  const said = Object.fromEntries(MEMBERS.map((m) => [m, grastateSeqno(namespace, m)]));
  t.diagnostic(`grastate.dat seqno: ${JSON.stringify(said)}`);
  assert.equal(said['rss-galera-1'], -1, 'the killed member did not write its seqno');
  assert.ok(said['rss-galera-0']! >= 0 && said['rss-galera-2']! > said['rss-galera-0']!, 'the members stopped cleanly, in order, with differing seqnos');
  // The killed member's position comes from `mariadbd --wsrep-recover`, through the sequence command.
  const recovered = await eventually('rss-galera-1 to be gone', () => serversUnder(c.podDir(namespace, 'rss-galera-1')).length === 0, 10_000).then(() => Number(agent(namespace, 'rss-galera-1', 'sequence').trim()));
  t.diagnostic(`rss-galera-1 recovered seqno: ${recovered}`);
  assert.ok(recovered > said['rss-galera-2']!, 'the last member standing is the most advanced');

  // Lights out: every pod goes; the operator comes back to pods with nothing running.
  const lightsOutAt = await lightsOut(namespace);
  await setPaused(namespace, false);
  const rss = await orShowLog(t, operator, waitForCluster(namespace, NAME, 'a new bootstrap and 3 primaries', (r) => (r.status?.lastBootstrap?.time ?? '') > new Date(lightsOutAt).toISOString() && allPrimaries(r), BOOT_TIMEOUT_MS));
  t.diagnostic(`lights-out recovery (pods deleted → 3 primaries, including the unpause): ${seconds(lightsOutAt)}`);
  assert.equal(rss.status?.lastBootstrap?.pod, 'rss-galera-1', 'the member with the highest seqno seeded');
  assert.equal(rss.status?.lastBootstrap?.sequence, recovered, 'seeded at the seqno the killed member recovered');
  await waitForEvents(namespace, NAME, 'a Seeded Event', (events) => events.some((e) => e.reason === 'Seeded' && e.message.includes('rss-galera-1')));

  await expectAllRows(namespace, acked);
  t.diagnostic(`rows lost: 0 of ${acked.size}`);
  // The cluster takes writes again, on every member.
  for (const [i, pod] of MEMBERS.entries()) await insert(namespace, pod, [1_000_000 + i]);
  for (const pod of MEMBERS) assert.equal((await ids(namespace, pod)).size, (await ids(namespace, 'rss-galera-0')).size);
});

test('galera rolling update under writes: a server setting changed in the pod template reaches every member, replaced one at a time (2, 1, 0); a primary component throughout and no acknowledged row is lost', async (t) => {
  const c = cluster();
  const { namespace, operator, rss: before } = await galeraCluster(t, 'galera-roll');
  const oldRevision = before.status?.updateRevision;
  assert.ok(oldRevision, 'status.updateRevision is published');
  const setting = { name: 'max_connections', value: '250' };
  for (const pod of MEMBERS) assert.notEqual(await variable(namespace, pod, setting.name), setting.value, `${pod}: ${setting.name} is not ${setting.value} yet`);
  const uidsBefore = new Map((await c.core.listNamespacedPod({ namespace, labelSelector: `app=${NAME}` })).items.map((p) => [p.metadata!.name!, p.metadata!.uid!]));

  // The writer is a client of the active members (what a client Service selects), as in the resize test.
  const active = watchActiveMembers(t, namespace);
  const writer = startWriter(namespace, active.list);
  t.after(() => writer.stop());
  await writer.waitFor(30);
  const sampler = sampleClusterStatus(t, namespace, MEMBERS);

  // The rollout's progress as a user would see it (status.rollout, polled).
  const progress: string[] = [];
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      try {
        const r = (await getCluster(namespace, NAME)).status?.rollout;
        const line = r ? `${r.state} ${r.updated}/${r.total}` : 'none';
        if (r && r.revision !== oldRevision && progress.at(-1) !== line) progress.push(line);
      } catch { /* next round */ }
      await sleep(200);
    }
  })();
  t.after(async () => { watching = false; await watcher; });

  // The change: GALERA_SERVER_OPTIONS in the member container's env (a new StatefulSet revision).
  const started = Date.now();
  await c.custom.patchNamespacedCustomObject({
    group: GROUP, version: VERSION, namespace, plural: PLURAL, name: NAME,
    body: [{ op: 'add', path: '/spec/pod/containers/0/env', value: [{ name: 'GALERA_SERVER_OPTIONS', value: `${setting.name}=${setting.value}` }] }],
  });
  const after = await orShowLog(t, operator, waitForCluster(namespace, NAME, 'the rollout to complete with 3 primaries on the new revision', (r) =>
    allPrimaries(r) && r.status?.rollout?.state === 'Complete' && !!r.status.updateRevision && r.status.updateRevision !== oldRevision &&
    r.status.updatedReplicas === 3 && (r.status.memberStatus ?? []).length === 3 && (r.status.memberStatus ?? []).every((m) => m.revision === r.status?.updateRevision),
  BOOT_TIMEOUT_MS));
  const rolloutTime = seconds(started);
  t.diagnostic(`rolling update (env change → rollout Complete, 3 primaries on the new revision): ${rolloutTime}; progress seen: ${progress.join(', ')}`);

  await writer.waitFor(20); // the updated cluster takes writes
  await writer.stop();
  await active.stop();
  await sampler.stop();
  watching = false;
  await watcher;

  // Every member runs a new pod from the new template, and its mariadbd has the setting.
  const pods = (await c.core.listNamespacedPod({ namespace, labelSelector: `app=${NAME}` })).items;
  for (const pod of pods) {
    const name = pod.metadata!.name!;
    assert.notEqual(pod.metadata?.uid, uidsBefore.get(name), `${name} got a new pod`);
    assert.equal(pod.metadata?.labels?.['controller-revision-hash'], after.status?.updateRevision, `${name} runs the new revision`);
    assert.deepEqual(pod.spec?.containers[0]?.env?.find((e) => e.name === 'GALERA_SERVER_OPTIONS')?.value, `${setting.name}=${setting.value}`);
  }
  for (const pod of MEMBERS) {
    await expectSynced(namespace, pod, 3);
    assert.equal(await variable(namespace, pod, setting.name), setting.value, `${pod}: mariadbd runs with ${setting.name}=${setting.value}`);
  }

  // One member at a time, highest ordinal first: each stopped only once the one before was Synced again.
  const down = downtimes(namespace, MEMBERS, started);
  assert.deepEqual(down.map((d) => d.pod), ['rss-galera-2', 'rss-galera-1', 'rss-galera-0'], 'replaced in the order 2, 1, 0, each once');
  for (let i = 1; i < down.length; i++) {
    assert.ok(down[i - 1]!.up <= down[i]!.down, `${down[i]!.pod} was stopped before ${down[i - 1]!.pod} was Synced again: two members down`);
  }
  const how = (pod: string) => (lastStartLog(namespace, pod).includes('Receiving IST:') ? 'IST' : 'SST');
  t.diagnostic(`per member, stop → Synced again in its new pod: ${down.map((d) => `${d.pod} ${((d.up - d.down) / 1000).toFixed(1)} s (${how(d.pod)})`).join(', ')}`);
  const events = await waitForEvents(namespace, NAME, 'a RolloutComplete Event', (list) => list.some((e) => e.reason === 'RolloutComplete'));
  assert.equal(events.filter((e) => e.reason === 'MemberUpdating').length, 3, 'a MemberUpdating event per member');
  assert.equal(condition(after, 'Updated')?.status, 'True');
  assert.ok(progress.some((p) => p.startsWith('RollingUpdate')), `progress: ${progress.join(', ')}`);
  assert.equal(progress.at(-1), 'Complete 3/3');

  // The primary component was never lost: in every round of samples some member answered Primary, and a
  // member answered anything else only while it was being replaced (from its stop to Synced again).
  const replacing = (s: Sample) => down.some((d) => d.pod === s.pod && s.to >= d.down && s.from <= d.up);
  const rounds = sampler.rounds;
  assert.ok(rounds.length > 20, `${rounds.length} rounds of samples`);
  const withoutPrimary = rounds.filter((round) => !round.some((s) => s.status === 'Primary'));
  assert.deepEqual(withoutPrimary, [], 'a member in the primary component in every round');
  const samples = sampler.samples();
  assert.deepEqual(samples.filter((s) => s.status !== undefined && s.status !== 'Primary' && !replacing(s)), [], 'no member outside its replacement left the primary component');
  const unanswered = samples.filter((s) => s.status === undefined);
  const sizes = samples.filter((s) => s.pod === member(0) && s.size !== undefined).map((s) => s.size).filter((size, i, all) => i === 0 || size !== all[i - 1]);
  t.diagnostic(`wsrep_cluster_status: ${rounds.length} rounds of samples, a Primary member in each; ${samples.filter((s) => s.status !== undefined && s.status !== 'Primary').length} non-Primary and ${unanswered.length} unanswered samples, ${unanswered.filter((s) => !replacing(s)).length} of them outside a member's replacement; wsrep_cluster_size on ${member(0)}: ${sizes.join(' → ')}`);

  await expectAllRows(namespace, writer.acked);
  t.diagnostic(`rows acknowledged: ${writer.acked.size} (${MEMBERS.map((p) => `${writer.through.get(p) ?? 0} through ${p}`).join(', ')}), lost: 0 (${writer.failures()} inserts failed)`);
});

test('galera guard: the most advanced member comes back empty from a lights-out, the others hold older copies; the bootstrap is refused below the mark read from the running cluster until the override names a pod, whose rows survive', async (t) => {
  const c = cluster();
  // The operator reads a running primary's sequence every 2 s (the default is 5m): the mark follows the writes.
  const { namespace, operator } = await galeraCluster(t, 'galera-guard', { sequenceInterval: '2s' });
  const dataOf = (pod: string) => podFile(namespace, pod, 'mysql');
  const sequenceOf = (pod: string) => {
    const out = agent(namespace, pod, 'sequence').trim();
    assert.match(out, /^\d+$/, `${pod}: sequence prints a number`);
    return Number(out);
  };
  const lastCommitted = async (pod: string) => Number((await wsrepStatus(namespace, pod)).get('wsrep_last_committed'));
  /** Fences the members: the operator stops each cleanly and leaves it down. */
  const fence = async (pods: string[]) => {
    c.kubectl(['-n', namespace, 'annotate', '--overwrite', `rss/${NAME}`, `${ANNOTATION_FENCED}=${pods.join(',')}`]);
    await orShowLog(t, operator, waitForCluster(namespace, NAME, `${pods.join(', ')} fenced and stopped`, (r) =>
      pods.every((pod) => r.status?.memberStatus?.some((m) => m.name === pod && m.fenced === true && m.role === 'stopped')), 60_000));
  };

  // Rows 1–10 through every member. Then the members go down one after another while the cluster keeps
  // taking writes: rss-galera-0 first (it holds rows 1–10), then rss-galera-2 (1–20); rss-galera-1, the last
  // one running, takes rows 21–30. They are fenced, which stands in for members lost one by one: the
  // operator stops each cleanly and leaves it down, and goes on reading the running primary's sequence.
  for (const id of range(1, 10)) await insert(namespace, MEMBERS[id % 3]!, [id]);
  await fence(['rss-galera-0']);
  await insert(namespace, 'rss-galera-2', range(11, 20));
  await fence(['rss-galera-0', 'rss-galera-2']);
  await insert(namespace, 'rss-galera-1', range(21, 30));
  const mark = await lastCommitted('rss-galera-1');
  const written = Date.now();
  // The mark reaches the last write without any member being stopped or sequenced for a bootstrap.
  let rss = await orShowLog(t, operator, waitForCluster(namespace, NAME, `status.highestSequence to reach ${mark}`, (r) => r.status?.highestSequence === mark, 30_000));
  t.diagnostic(`status.highestSequence reached rss-galera-1's wsrep_last_committed (${mark}) ${seconds(written)} after the last write`);
  const older = { 'rss-galera-0': grastateSeqno(namespace, 'rss-galera-0'), 'rss-galera-2': grastateSeqno(namespace, 'rss-galera-2') };
  assert.ok(older['rss-galera-0'] > 0 && older['rss-galera-0'] < older['rss-galera-2'] && older['rss-galera-2'] < mark, `clean stops at ${JSON.stringify(older)}, below ${mark}`);

  // Lights-out: every pod goes, and rss-galera-1's volume comes back empty. (The operator is paused while
  // the volume is swapped, and the members are unfenced: the bootstrap considers all three.)
  await setPaused(namespace, true);
  const lightsOutAt = await lightsOut(namespace);
  await eventually('the old pods\' servers to be gone', () => MEMBERS.every((m) => serversUnder(c.podDir(namespace, m)).length === 0), 30_000);
  rmSync(dataOf('rss-galera-1'), { recursive: true, force: true });
  mkdirSync(dataOf('rss-galera-1'));
  c.kubectl(['-n', namespace, 'annotate', `rss/${NAME}`, `${ANNOTATION_FENCED}-`]);
  // The agent reports what each holds: the empty data directory reads as 0, never as a high number.
  const now = Object.fromEntries(MEMBERS.map((m) => [m, sequenceOf(m)]));
  t.diagnostic(`sequences after the lights-out: ${JSON.stringify(now)} (high-water mark ${mark})`);
  assert.deepEqual(now, { 'rss-galera-0': older['rss-galera-0'], 'rss-galera-1': 0, 'rss-galera-2': older['rss-galera-2'] });

  // The operator refuses to seed rss-galera-2, the best candidate, below the mark, and says why.
  const unpaused = Date.now();
  await setPaused(namespace, false);
  rss = await orShowLog(t, operator, waitForCluster(namespace, NAME, 'BootstrapRefused', (r) => condition(r, 'Bootstrapped')?.reason === 'BootstrapRefused', 120_000));
  t.diagnostic(`unpaused → BootstrapRefused: ${seconds(unpaused)}`);
  const refused = condition(rss, 'Bootstrapped')!;
  t.diagnostic(`Bootstrapped: ${refused.message}`);
  assert.equal(refused.status, 'False');
  assert.equal(condition(rss, 'Available')?.reason, 'BootstrapRefused');
  assert.equal(condition(rss, 'Available')?.status, 'False');
  for (const text of ['rss-galera-2', `sequence ${older['rss-galera-2']}`, String(mark), `${ANNOTATION_SEED_OVERRIDE}=rss-galera-2`]) {
    assert.ok(refused.message.includes(text), `the condition's message names ${text}: ${refused.message}`);
  }
  await waitForEvents(namespace, NAME, 'a Warning event BootstrapRefused', (events) => events.some((e) => e.type === 'Warning' && e.reason === 'BootstrapRefused' && e.message.includes('rss-galera-2') && e.message.includes(String(mark))));
  const read = Object.fromEntries((rss.status?.memberStatus ?? []).map((m) => [m.name, m.sequence]));
  assert.deepEqual(read, now, 'status.memberStatus shows the sequences read');
  assert.equal(rss.status?.highestSequence, mark, 'the mark is kept');
  // Nothing is seeded while refused: no primary, no seed run, no server started.
  await sleep(5_000);
  rss = await getCluster(namespace, NAME);
  assert.equal(condition(rss, 'Bootstrapped')?.reason, 'BootstrapRefused');
  assert.equal(rss.status?.members?.primary?.length ?? 0, 0, 'no primary');
  assert.equal(rss.status?.lastBootstrap?.pod, 'rss-galera-0', 'no new bootstrap recorded');
  for (const pod of MEMBERS) {
    assert.deepEqual(agentLog(namespace, pod).filter((l) => l.time >= lightsOutAt && ['seed', 'primary', 'secondary'].includes(l.verb)), [], `${pod}: nothing started since the lights-out`);
    assert.deepEqual(serversUnder(c.podDir(namespace, pod)), [], `${pod}: no mariadbd runs`);
  }

  // The cluster's operator accepts the loss and names the pod to seed.
  const versions = await watchCluster(t, namespace);
  const overridden = Date.now();
  c.kubectl(['-n', namespace, 'annotate', `rss/${NAME}`, `${ANNOTATION_SEED_OVERRIDE}=rss-galera-2`]);
  rss = await orShowLog(t, operator, waitForCluster(namespace, NAME, 'seeded from rss-galera-2 on the override, 3 primaries', (r) => r.status?.lastBootstrap?.pod === 'rss-galera-2' && allPrimaries(r), BOOT_TIMEOUT_MS));
  t.diagnostic(`override → 3 primaries: ${seconds(overridden)}`);
  assert.equal(rss.status?.lastBootstrap?.override, true);
  assert.equal(rss.status?.lastBootstrap?.sequence, older['rss-galera-2']);
  await waitForEvents(namespace, NAME, 'a Seeded event mentions the override', (events) => events.some((e) => e.reason === 'Seeded' && e.message.includes('rss-galera-2') && e.message.includes(ANNOTATION_SEED_OVERRIDE)));
  await eventually('the override annotation to be removed', async () => !(await getCluster(namespace, NAME)).metadata.annotations?.[ANNOTATION_SEED_OVERRIDE], 30_000);
  assert.ok(lastStartLog(namespace, 'rss-galera-1').includes('SST received'), 'the emptied member joined by a full state transfer');
  // The mark starts again from the seeded member: the status written with the seed holds its sequence, the
  // old history's higher number is forgotten, and the joiners' sequences (rss-galera-0's older copy, the
  // empty rss-galera-1) do not raise it. From there it follows the new cluster, whose seqno also counts
  // Galera's view changes (the new cluster, each join): it is never above what the new cluster committed.
  const seededStatus = versions.seen.find((r) => r.status?.lastBootstrap?.pod === 'rss-galera-2');
  assert.equal(seededStatus?.status?.highestSequence, older['rss-galera-2'], 'status.highestSequence written with the seed is the seeded member\'s sequence');
  const newCluster = await lastCommitted('rss-galera-2');
  const marks = versions.seen.filter((r) => r.status?.lastBootstrap?.pod === 'rss-galera-2').map((r) => Number(r.status?.highestSequence ?? -1)).filter((m, i, all) => i === 0 || m !== all[i - 1]);
  assert.ok(marks.every((m) => m >= older['rss-galera-2'] && m <= newCluster), `status.highestSequence since the seed: ${marks.join(' → ')}, within ${older['rss-galera-2']}…${newCluster}`);
  versions.stop();

  // What survived is what rss-galera-2 held: rows 1–20, on every member; 21–30 (only on the lost volume) are gone.
  for (const pod of MEMBERS) {
    await expectSynced(namespace, pod, 3);
    assert.deepEqual([...(await ids(namespace, pod))].sort((a, b) => a - b), range(1, 20), `${pod} holds the rows rss-galera-2 held`);
  }
  t.diagnostic(`rows written: 30; kept: 20 (1–20, what rss-galera-2 held); lost: 10 (21–30, only on rss-galera-1's lost volume), accepted by the override`);

  // The mark follows the new cluster from there.
  await insert(namespace, 'rss-galera-0', [31]);
  const next = await lastCommitted('rss-galera-0');
  await orShowLog(t, operator, waitForCluster(namespace, NAME, `status.highestSequence to follow the new cluster to ${next}`, (r) => r.status?.highestSequence === next, 30_000));
  t.diagnostic(`status.highestSequence: ${mark} before the lights-out; since the override ${marks.join(' → ')} (the new cluster's seqno: ${newCluster}, after the seed and two joins), ${next} after one more write`);
});

test('galera resize 3→5→3 under writes: the new members join by SST, the removed ones stop cleanly before their pods go, the cluster stays Primary and no acknowledged row is lost', async (t) => {
  const c = cluster();
  const { namespace, operator } = await galeraCluster(t, 'galera-resize');

  // The writer is a client of the members labelled rss-active-member=true (what a client Service selects).
  const active = watchActiveMembers(t, namespace);
  const writer = startWriter(namespace, active.list);
  t.after(() => writer.stop());
  await writer.waitFor(30);

  // wsrep_cluster_status and size on the members that stay, sampled all along.
  const sampler = sampleClusterStatus(t, namespace, MEMBERS);

  // Up: 3 → 5. The new members are empty: they join by SST and are Synced.
  const up = Date.now();
  c.kubectl(['-n', namespace, 'scale', `rss/${NAME}`, '--replicas=5']);
  await orShowLog(t, operator, waitForCluster(namespace, NAME, '5 primaries', primaries(5), BOOT_TIMEOUT_MS));
  t.diagnostic(`scale 3→5 (kubectl scale → 5 primaries): ${seconds(up)}`);
  const added = [member(3), member(4)];
  for (const pod of added) {
    await expectSynced(namespace, pod, 5);
    assert.ok(lastStartLog(namespace, pod).includes('SST received'), `${pod} joined by SST`);
  }
  await waitForEvents(namespace, NAME, `MemberJoined Events for ${added.join(' and ')}`, (events) => added.every((pod) => events.some((e) => e.reason === 'MemberJoined' && e.message.startsWith(`${pod} joined`))));
  await eventually('writes through the new members', () => added.every((pod) => (writer.through.get(pod) ?? 0) >= 3), 60_000, 100);
  await expectAllRows(namespace, new Set(writer.acked), membersOf(5));

  // Down: 5 → 3. The highest ordinals are stopped (the agent's clean shutdown), then their pods go.
  const seen = new Map<string, number>(); // pod → the last time it was seen existing, not being deleted
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const at = Date.now();
      try {
        const pods = await c.core.listNamespacedPod({ namespace, labelSelector: `app=${NAME}` });
        for (const p of pods.items) if (!p.metadata?.deletionTimestamp) seen.set(p.metadata!.name!, at);
      } catch { /* next round */ }
      await sleep(100);
    }
  })();
  t.after(async () => { polling = false; await poller; });
  const down = Date.now();
  c.kubectl(['-n', namespace, 'scale', `rss/${NAME}`, '--replicas=3']);
  await orShowLog(t, operator, waitForCluster(namespace, NAME, '3 primaries and 3 pods', (r) => allPrimaries(r) && r.status?.replicas === 3, BOOT_TIMEOUT_MS));
  await eventually('the removed members\' pods to be gone', async () => (await c.core.listNamespacedPod({ namespace, labelSelector: `app=${NAME}` })).items.length === 3, 60_000, 200);
  t.diagnostic(`scale 5→3 (kubectl scale → 3 primaries, 3 pods): ${seconds(down)}`);
  polling = false;
  await poller;

  await writer.waitFor(20);
  await active.stop();
  await writer.stop();
  await sampler.stop();

  // The removed members left cleanly, highest first, before their pods were removed: the stop ran and
  // completed (a clean shutdown writes its seqno in grastate.dat; a server killed with its pod leaves -1).
  const stopped = added.map((pod) => {
    const line = agentLog(namespace, pod).find((l) => l.verb === 'stop' && l.text === 'stopped' && l.time >= down);
    assert.ok(line, `${pod}: stop ran`);
    assert.ok(grastateSeqno(namespace, pod) >= 0, `${pod}: mariadbd shut down cleanly (grastate.dat seqno ${grastateSeqno(namespace, pod)})`);
    // Only a lower bound (the pods are listed every 100 ms): the grastate.dat seqno above is the proof.
    t.diagnostic(`${pod}: its pod was last seen ${((seen.get(pod)! - line.time) / 1000).toFixed(1)} s after its stop completed`);
    return line.time;
  });
  assert.ok(stopped[1]! < stopped[0]!, 'rss-galera-4 stopped before rss-galera-3');
  await waitForEvents(namespace, NAME, `MemberStopped Events (scaling down) for ${added.join(' and ')}`, (events) =>
    added.every((pod) => events.some((e) => e.reason === 'MemberStopped' && e.message.startsWith(`Stopped ${pod}:`) && e.message.includes('scaling down'))));

  for (const pod of MEMBERS) await expectSynced(namespace, pod, 3);
  const samples = sampler.samples().filter((s) => s.status !== undefined);
  const sizes = samples.filter((s) => s.pod === member(0)).map((s) => s.size).filter((size, i, all) => i === 0 || size !== all[i - 1]);
  assert.deepEqual(samples.filter((s) => s.status !== 'Primary'), [], 'the remaining members stay in the primary component throughout');
  assert.ok(samples.some((s) => s.size === 5), 'the samples saw the 5 members');
  t.diagnostic(`wsrep_cluster_size on ${member(0)}: ${sizes.join(' → ')} (${samples.length} samples of the 3 remaining members, all Primary; ${sampler.samples().length - samples.length} unanswered)`);

  await expectAllRows(namespace, writer.acked);
  t.diagnostic(`rows acknowledged: ${writer.acked.size} (${added.map((p) => `${writer.through.get(p) ?? 0} through ${p}`).join(', ')}), lost: 0 (${writer.failures()} inserts failed)`);
});
