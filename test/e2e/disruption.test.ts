// Node drains with the dummy application: the PodDisruptionBudget lets `kubectl drain` evict one member
// at a time, and the next only once the evicted member's replacement runs as a member again (its pod is
// Ready through the member-ready readiness gate), not merely once its pod exists. The RSS status shows the
// drain while it lasts.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { KubeConfig, PolicyV1Api, type V1Pod } from '@kubernetes/client-node';
import { READINESS_GATE_MEMBER, disruptionBudgetName } from '../../src/api/names.ts';
import type { ReplicatedStatefulSet } from '../../src/api/types.ts';
import { cluster, eventually, isPodReady, testNamespace } from '../support/cluster.ts';
import { createCluster, getCluster, loadManifest, startOperator, waitForCluster } from '../support/operator.ts';

const NAME = 'example';
const POOL = 'e2e.rss-operator/pool';
/** The node to drain, and the nodes replacements go to. */
const DRAINED = 'kwok-node-5';
const OTHERS = ['kwok-node-3', 'kwok-node-4'];

const running = (n: number) => (rss: ReplicatedStatefulSet) => rss.status?.phase === 'Running' && (rss.status.members?.ready?.length ?? 0) === n;

async function labelNode(node: string, value: string | null): Promise<void> {
  cluster().kubectl(['label', 'node', node, `${POOL}${value === null ? '-' : `=${value}`}`, '--overwrite']);
}

function runDrain(node: string): Promise<{ code: number | null; output: string; finished: number }> {
  const c = cluster();
  return new Promise((resolve) => {
    const child = spawn(`${c.bin}/kubectl`, ['--kubeconfig', c.kubeconfigPath, 'drain', node, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=180s'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code) => resolve({ code, output, finished: Date.now() }));
  });
}

interface Seen {
  /** When each pod (by uid) was first seen on its way out (deletionTimestamp or gone). */
  gone: Map<string, number>;
  /** When each pod (by uid) was first seen Ready, with its name and node. */
  ready: Map<string, { time: number; name: string; node: string }>;
  /** Pod uid → name and node, for every pod seen. */
  pods: Map<string, { name: string; node: string }>;
  /** Every distinct status.disruption message and Draining condition reason seen. */
  disruption: string[];
  reasons: Set<string>;
  evictionsAllowed: number[];
}

test('drain: two members on one node are evicted one at a time, the second only after the first rejoined', async (t) => {
  const c = cluster();
  const namespace = await testNamespace(t, 'drain');
  t.after(async () => {
    c.kubectl(['uncordon', DRAINED]);
    for (const node of [DRAINED, ...OTHERS]) await labelNode(node, null).catch(() => undefined);
  });

  // Members 0 and 1 start on the node to be drained (the only one in the pool), then the pool moves to
  // the other nodes: member 2 and every replacement go there (nodeSelector is checked at scheduling only).
  await labelNode(DRAINED, namespace);
  startOperator(t, namespace);
  const rss = loadManifest('examples/dummy/cluster.yaml');
  rss.spec.replicas = 2;
  rss.spec.pod.antiAffinity = false;
  rss.spec.nodeSelector = { [POOL]: namespace };
  await createCluster(namespace, rss);
  await waitForCluster(namespace, NAME, 'two members running', running(2), 90_000);
  await labelNode(DRAINED, null);
  for (const node of OTHERS) await labelNode(node, namespace);
  c.kubectl(['-n', namespace, 'patch', 'rss', NAME, '--type=merge', '-p', '{"spec":{"replicas":3}}']);
  await waitForCluster(namespace, NAME, 'three members running', running(3), 90_000);

  const pods = async () => (await c.core.listNamespacedPod({ namespace, labelSelector: `app=${NAME}` })).items;
  const placement = new Map((await pods()).map((p) => [p.metadata!.name!, p.spec!.nodeName!]));
  assert.equal(placement.get('rss-example-0'), DRAINED);
  assert.equal(placement.get('rss-example-1'), DRAINED);
  assert.ok(OTHERS.includes(placement.get('rss-example-2')!), `rss-example-2 is on ${placement.get('rss-example-2')}`);

  // Every pod Ready through the gate, and the budget allows one eviction.
  const gated = await pods();
  for (const pod of gated) {
    assert.deepEqual(pod.spec?.readinessGates?.map((g) => g.conditionType), [READINESS_GATE_MEMBER]);
    await eventually(`${pod.metadata!.name} Ready`, async () => isPodReady(await c.core.readNamespacedPod({ namespace, name: pod.metadata!.name! })), 30_000);
  }
  const kc = new KubeConfig();
  kc.loadFromFile(c.kubeconfigPath);
  const policy = kc.makeApiClient(PolicyV1Api);
  const pdbName = disruptionBudgetName(NAME);
  const pdb = await eventually('the budget to allow one eviction', async () => {
    const b = await policy.readNamespacedPodDisruptionBudget({ namespace, name: pdbName });
    return b.status?.disruptionsAllowed === 1 ? b : undefined;
  }, 30_000);
  assert.equal(pdb.spec?.maxUnavailable, 1);
  assert.equal(pdb.metadata?.ownerReferences?.[0]?.kind, 'ReplicatedStatefulSet');

  // Watch pods and status as the drain runs.
  const seen: Seen = { gone: new Map(), ready: new Map(), pods: new Map(), disruption: [], reasons: new Set(), evictionsAllowed: [] };
  for (const p of await pods()) seen.pods.set(p.metadata!.uid!, { name: p.metadata!.name!, node: p.spec?.nodeName ?? '' });
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      const now = Date.now();
      const list: V1Pod[] = await pods().catch(() => []);
      const present = new Set<string>();
      for (const p of list) {
        const uid = p.metadata!.uid!;
        present.add(uid);
        seen.pods.set(uid, { name: p.metadata!.name!, node: p.spec?.nodeName ?? '' });
        if (p.metadata?.deletionTimestamp && !seen.gone.has(uid)) seen.gone.set(uid, now);
        if (isPodReady(p) && !seen.ready.has(uid)) seen.ready.set(uid, { time: now, name: p.metadata!.name!, node: p.spec?.nodeName ?? '' });
      }
      for (const uid of seen.pods.keys()) if (!present.has(uid) && !seen.gone.has(uid)) seen.gone.set(uid, now);
      const status = (await getCluster(namespace, NAME).catch(() => undefined))?.status;
      const d = status?.disruption;
      if (d?.message && seen.disruption.at(-1) !== d.message) seen.disruption.push(d.message);
      if (d?.evictionsAllowed !== undefined) seen.evictionsAllowed.push(d.evictionsAllowed);
      const draining = status?.conditions?.find((x) => x.type === 'Draining');
      if (draining) seen.reasons.add(draining.reason);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  t.after(() => { watching = false; });

  const drainStarted = Date.now();
  const drain = await runDrain(DRAINED);
  t.diagnostic(`kubectl drain (${drain.finished - drainStarted} ms):\n${drain.output}`);
  assert.equal(drain.code, 0, `kubectl drain succeeded:\n${drain.output}`);
  await waitForCluster(namespace, NAME, 'three members running after the drain', running(3), 90_000);
  watching = false;
  await watcher;

  // The two members of the drained node went one after the other.
  const evicted = [...seen.gone].filter(([uid]) => seen.pods.get(uid)?.node === DRAINED).sort((a, b) => a[1] - b[1]);
  assert.equal(evicted.length, 2, `two pods left ${DRAINED}: ${JSON.stringify([...seen.gone].map(([u, time]) => ({ ...seen.pods.get(u), time: time - drainStarted })))}`);
  const [[firstUid, firstGone], [, secondGone]] = evicted as [[string, number], [string, number]];
  const firstName = seen.pods.get(firstUid)!.name;
  // The first one's replacement (same name, new pod on another node) was Ready — a member again — before
  // the second was evicted.
  const replacement = [...seen.ready.values()].find((r) => r.name === firstName && r.time > firstGone);
  assert.ok(replacement, `the replacement of ${firstName} became Ready`);
  assert.ok(OTHERS.includes(replacement.node), `the replacement of ${firstName} runs on ${replacement.node}`);
  assert.ok(secondGone >= replacement.time, `the second eviction (${secondGone - drainStarted} ms) came after ${firstName} rejoined (${replacement.time - drainStarted} ms)`);

  t.diagnostic(`status.disruption as it went:\n${seen.disruption.join('\n')}`);
  // Meanwhile the budget held the second eviction, and the status said so. (Whether kubectl drain itself
  // prints a refusal depends on when its own attempt reaches the API server: it retries every 5 s.)
  assert.ok(seen.reasons.has('EvictionBlocked'), `the Draining condition said the eviction was blocked: ${[...seen.reasons].join(', ')}; messages: ${seen.disruption.join(' | ')}`);
  assert.ok(seen.disruption.some((m) => m.includes(`node ${DRAINED} cordoned`)), seen.disruption.join('\n'));
  assert.ok(seen.evictionsAllowed.includes(0));

  // The drain over, every member runs elsewhere and the status no longer shows it (the node stays cordoned
  // but holds no member).
  const after = await waitForCluster(namespace, NAME, 'the disruption to clear', (r) => running(3)(r) && !r.status?.disruption && !r.status?.conditions?.some((x) => x.type === 'Draining'), 30_000);
  assert.deepEqual(after.status?.members?.ready, ['rss-example-0', 'rss-example-1', 'rss-example-2']);
  for (const p of await pods()) assert.notEqual(p.spec?.nodeName, DRAINED);
});
