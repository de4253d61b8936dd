// Manual operations through the kubectl plugin (`kubectl rss …`, found on PATH by the real kubectl), each
// checked for its effect on the members: fence/unfence, restart, pause/resume and force-seed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ANNOTATION_FENCED, ANNOTATION_PAUSED, ANNOTATION_RESTART, ANNOTATION_SEED_OVERRIDE } from '../../src/api/names.ts';
import type { ReplicatedStatefulSet } from '../../src/api/types.ts';
import { cluster, eventually, testNamespace } from '../support/cluster.ts';
import { kubectlRss } from '../support/plugin.ts';
import { crashApplication, deleteAllPods, setFault, setSequence } from '../support/dummy.ts';
import { clusterEvents, commandsRan, createCluster, getCluster, loadManifest, startOperator, waitForCluster, waitForEvents } from '../support/operator.ts';

const NAME = 'example';
const allPrimaries = (rss: ReplicatedStatefulSet) => (rss.status?.members?.primary?.length ?? 0) === 3 && rss.status?.phase === 'Running';

/** `kubectl rss ARGS` in the namespace, as a user runs it. */
function kubectlRssIn(namespace: string, args: string[]): { code: number; out: string } {
  const result = kubectlRss([...args, '-n', namespace]);
  return { code: result.status ?? -1, out: `${result.stdout}${result.stderr}` };
}

function ok(namespace: string, args: string[]): string {
  const { code, out } = kubectlRssIn(namespace, args);
  assert.equal(code, 0, `kubectl rss ${args.join(' ')} failed: ${out}`);
  return out;
}

async function startCluster(t: Parameters<typeof testNamespace>[0], prefix: string): Promise<string> {
  const namespace = await testNamespace(t, prefix);
  startOperator(t, namespace);
  const rss = loadManifest('examples/dummy/cluster.yaml');
  rss.spec.reconcileInterval = '1s'; // so that "nothing happened" below means several probe rounds passed
  await createCluster(namespace, rss);
  await waitForCluster(namespace, NAME, '3 primaries', allPrimaries);
  return namespace;
}

const annotations = async (namespace: string) => (await getCluster(namespace, NAME)).metadata.annotations ?? {};
const member = (rss: ReplicatedStatefulSet, name: string) => rss.status?.memberStatus?.find((m) => m.name === name);
const since = (namespace: string, pod: string, time: number) => commandsRan(namespace, pod).filter((x) => x.time >= time);

test('fence: the member is stopped and left alone with its pod in place; unfenced, it rejoins', async (t) => {
  const c = cluster();
  const namespace = await startCluster(t, 'fence');
  const pod = 'rss-example-1';
  const uid = (await c.core.readNamespacedPod({ namespace, name: pod })).metadata?.uid;

  const fencedAt = Date.now();
  ok(namespace, ['fence', NAME, pod]);
  assert.equal((await annotations(namespace))[ANNOTATION_FENCED], pod);
  // The status written right after the stop still carries the conditions decided before it; the next
  // write, a moment later, has both.
  const fenced = await waitForCluster(namespace, NAME, `${pod} fenced and stopped, and said so`, (rss) =>
    member(rss, pod)?.fenced === true && member(rss, pod)?.role === 'stopped' &&
    /rss-example-1 \(fenced\)/.test(rss.status?.conditions?.find((x) => x.type === 'Degraded')?.message ?? ''));
  assert.equal(fenced.status?.phase, 'Degraded');
  await waitForEvents(namespace, NAME, 'a MemberFenced Event', (events) => events.some((e) => e.reason === 'MemberFenced' && e.message.includes(pod)));

  // Left alone: after several reconcile intervals, the one stop is the last command the member ran, and the
  // pod is the same one. A status probe of the periodic sweep may run before the operator sees the
  // annotation (the plugin takes a moment to start): the rule is about what follows the stop.
  await sleep(4000);
  const ran = since(namespace, pod, fencedAt).map((x) => x.verb);
  const stop = ran.indexOf('stop');
  assert.ok(stop >= 0, `${pod} was stopped (ran: ${ran.join(' ')})`);
  assert.deepEqual(ran.slice(stop), ['stop'], `no probe, restart or rejoin after the fence's stop (ran: ${ran.join(' ')})`);
  assert.ok(ran.slice(0, stop).every((verb) => verb === 'status'), `only status probes before the stop (ran: ${ran.join(' ')})`);
  assert.equal((await c.core.readNamespacedPod({ namespace, name: pod })).metadata?.uid, uid, 'the pod is kept for inspection');
  assert.deepEqual((await getCluster(namespace, NAME)).status?.members?.primary, ['rss-example-0', 'rss-example-2']);

  ok(namespace, ['unfence', NAME, pod]);
  assert.equal((await annotations(namespace))[ANNOTATION_FENCED], undefined, 'the last unfence removes the annotation');
  await waitForCluster(namespace, NAME, `${pod} rejoined`, (rss) => allPrimaries(rss) && member(rss, pod)?.fenced === undefined);
  assert.ok(since(namespace, pod, fencedAt).some((x) => x.verb === 'primary'), `${pod} joined again`);
});

test('restart: one member is stopped cleanly and rejoins in the same pod; the request is then removed', async (t) => {
  const c = cluster();
  const namespace = await startCluster(t, 'restart-member');
  const pod = 'rss-example-2';
  const uid = (await c.core.readNamespacedPod({ namespace, name: pod })).metadata?.uid;
  const asked = Date.now();
  ok(namespace, ['restart', NAME, pod]);
  await eventually(`${pod} stopped and started again`, () => {
    const verbs = since(namespace, pod, asked).map((x) => x.verb);
    const stop = verbs.indexOf('stop');
    return stop >= 0 && verbs.slice(stop).includes('primary');
  });
  await waitForCluster(namespace, NAME, '3 primaries again', allPrimaries);
  await eventually('the restart annotation removed', async () => (await annotations(namespace))[ANNOTATION_RESTART] === undefined);
  assert.equal((await c.core.readNamespacedPod({ namespace, name: pod })).metadata?.uid, uid, 'same pod: a restart, not a replacement');
  for (const other of ['rss-example-0', 'rss-example-1']) {
    assert.ok(!since(namespace, other, asked).some((x) => x.verb === 'stop'), `${other} was not touched`);
  }
  // Exactly one restart: the stale request is not carried out twice.
  await sleep(3000);
  assert.equal(since(namespace, pod, asked).filter((x) => x.verb === 'stop').length, 1);

  const unknown = kubectlRssIn(namespace, ['restart', NAME, 'rss-example-7']);
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.out, /rss-example-7/);
});

test('pause and resume: while paused a crashed member is left alone; resumed, it rejoins', async (t) => {
  const namespace = await startCluster(t, 'pause');
  ok(namespace, ['pause', NAME]);
  assert.equal((await annotations(namespace))[ANNOTATION_PAUSED], 'true');
  const paused = await waitForCluster(namespace, NAME, 'Paused', (rss) => rss.status?.phase === 'Paused');
  assert.match(paused.status?.conditions?.find((x) => x.type === 'Paused')?.message ?? '', /annotation/);

  const crashedAt = Date.now();
  crashApplication(namespace, 'rss-example-0');
  await sleep(4000);
  assert.deepEqual(since(namespace, 'rss-example-0', crashedAt), [], 'no command runs while paused');

  ok(namespace, ['resume', NAME]);
  assert.equal((await annotations(namespace))[ANNOTATION_PAUSED], undefined);
  await waitForCluster(namespace, NAME, 'rss-example-0 rejoined after resume', (rss) => allPrimaries(rss));
  assert.ok(since(namespace, 'rss-example-0', crashedAt).some((x) => x.verb === 'primary'), 'rss-example-0 joined again');
});

test('seed: after a lights-out blocked by an unknown sequence, the named member seeds', async (t) => {
  const namespace = await startCluster(t, 'force-seed');
  setSequence(namespace, 'rss-example-0', '7');
  setSequence(namespace, 'rss-example-1', '5');
  setSequence(namespace, 'rss-example-2', '6');
  setFault(namespace, 'rss-example-0', 'sequence', 'garbage');
  await deleteAllPods(namespace);
  await waitForCluster(namespace, NAME, 'the bootstrap blocked on the unknown sequence', (rss) =>
    rss.status?.conditions?.some((x) => x.type === 'Available' && x.reason === 'SequenceUnknown') === true);

  ok(namespace, ['seed', NAME, 'rss-example-2']);
  const seeded = await waitForCluster(namespace, NAME, 'seeded from rss-example-2', (rss) => allPrimaries(rss) && rss.status?.lastBootstrap?.pod === 'rss-example-2');
  assert.equal(seeded.status?.lastBootstrap?.override, true);
  assert.equal(seeded.status?.lastBootstrap?.sequence, 6);
  await eventually('the seed-override annotation removed', async () => (await annotations(namespace))[ANNOTATION_SEED_OVERRIDE] === undefined);
  await eventually('a Seeded event naming the override', async () =>
    (await clusterEvents(namespace, NAME)).some((e) => e.reason === 'Seeded' && /rss-example-2.*seed-override/.test(e.message)));
});
