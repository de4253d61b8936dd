// Recovery without a person: the operator's own restart, lights-out with the most advanced member seeding,
// an unknown sequence blocking the bootstrap, the high-water-mark guard, and the override annotation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ReplicatedStatefulSet } from '../../src/api/types.ts';
import { cluster, eventually, testNamespace } from '../support/cluster.ts';
import { deleteAllPods, setFault, setSequence } from '../support/dummy.ts';
import { clusterEvents, commandsRan, createCluster, getCluster, loadManifest, startOperator, waitForCluster, waitForEvents } from '../support/operator.ts';

const MEMBERS = ['rss-example-0', 'rss-example-1', 'rss-example-2'];
const allPrimaries = (rss: ReplicatedStatefulSet) => (rss.status?.members?.primary?.length ?? 0) === 3 && rss.status?.phase === 'Running';

const startsOf = (namespace: string, pod: string) => commandsRan(namespace, pod).filter((c) => c.verb === 'seed' || c.verb === 'primary').length;

test('operator restart: a member deleted while the operator was down rejoins; healthy members are not restarted', async (t) => {
  const c = cluster();
  const namespace = await testNamespace(t, 'restart');
  const first = startOperator(t, namespace);
  await createCluster(namespace, loadManifest('examples/dummy/cluster.yaml'));
  await waitForCluster(namespace, 'example', '3 primaries', allPrimaries);
  const startsBefore = MEMBERS.map((m) => startsOf(namespace, m));

  assert.equal(await first.stop('SIGTERM'), 0, 'SIGTERM stops the operator cleanly');
  const oldUid = (await c.core.readNamespacedPod({ namespace, name: 'rss-example-2' })).metadata?.uid;
  await c.core.deleteNamespacedPod({ namespace, name: 'rss-example-2' });
  const recreated = await eventually('rss-example-2 recreated', async () => {
    const pod = await c.core.readNamespacedPod({ namespace, name: 'rss-example-2' });
    return pod.metadata?.uid !== oldUid && pod.status?.phase === 'Running' ? pod : undefined;
  });

  startOperator(t, namespace);
  await waitForCluster(namespace, 'example', 'rss-example-2 rejoined in its new pod', (rss) => {
    const m = rss.status?.memberStatus?.find((x) => x.name === 'rss-example-2');
    return allPrimaries(rss) && m?.role === 'primary' && m.podUID === recreated.metadata?.uid;
  });
  assert.equal(startsOf(namespace, 'rss-example-0'), startsBefore[0], 'rss-example-0 was not started again');
  assert.equal(startsOf(namespace, 'rss-example-1'), startsBefore[1], 'rss-example-1 was not started again');
  assert.equal(startsOf(namespace, 'rss-example-2'), startsBefore[2]! + 1, 'rss-example-2 joined once');
});

test('lights-out: the most advanced member seeds; an unknown sequence blocks until it resolves; the override names a pod', async (t) => {
  const c = cluster();
  const namespace = await testNamespace(t, 'lightsout');
  startOperator(t, namespace);
  const manifest = loadManifest('examples/dummy/cluster.yaml');
  manifest.spec.reconcileInterval = '2s';
  await createCluster(namespace, manifest);
  await waitForCluster(namespace, 'example', '3 primaries', allPrimaries);

  // The members' data moves on while they run; then every pod goes at once.
  setSequence(namespace, 'rss-example-0', '5');
  setSequence(namespace, 'rss-example-1', '12');
  setSequence(namespace, 'rss-example-2', '9');
  await deleteAllPods(namespace);
  let rss = await waitForCluster(namespace, 'example', 'a new bootstrap from rss-example-1', (r) => r.status?.lastBootstrap?.pod === 'rss-example-1' && allPrimaries(r));
  assert.equal(rss.status?.lastBootstrap?.sequence, 12);
  assert.equal(rss.status?.highestSequence, 12);
  for (const m of ['rss-example-0', 'rss-example-2']) {
    const seeds = commandsRan(namespace, m).filter((x) => x.verb === 'seed');
    assert.equal(seeds.length, m === 'rss-example-0' ? 1 : 0, `${m} did not seed after the lights-out`);
  }

  // An unknown sequence is never read as 0: nothing is seeded while rss-example-2 cannot say.
  setSequence(namespace, 'rss-example-0', '13');
  setSequence(namespace, 'rss-example-1', '14');
  setFault(namespace, 'rss-example-2', 'sequence', 'garbage');
  await deleteAllPods(namespace);
  rss = await waitForCluster(namespace, 'example', 'SequenceUnknown', (r) => r.status?.conditions?.some((x) => x.type === 'Bootstrapped' && x.reason === 'SequenceUnknown') ?? false);
  const blocked = rss.status?.conditions?.find((x) => x.type === 'Bootstrapped');
  assert.match(blocked!.message, /rss-example-2/);
  assert.match(blocked!.message, /seed-override/);
  await new Promise((r) => setTimeout(r, 3000));
  rss = await getCluster(namespace, 'example');
  assert.equal(rss.status?.members?.primary?.length ?? 0, 0, 'no member was seeded while a sequence was unknown');
  await waitForEvents(namespace, 'example', 'a SequenceUnknown Event', (events) => events.some((e) => e.type === 'Warning' && e.reason === 'SequenceUnknown' && e.message.includes('rss-example-2')));

  // It resolves: the sequence is read again at the interval and the highest (rss-example-2, 20) seeds.
  setSequence(namespace, 'rss-example-2', '20');
  setFault(namespace, 'rss-example-2', 'sequence', undefined);
  rss = await waitForCluster(namespace, 'example', 'seeded from rss-example-2', (r) => r.status?.lastBootstrap?.pod === 'rss-example-2' && allPrimaries(r));
  assert.equal(rss.status?.lastBootstrap?.sequence, 20);

  // Blocked again; this time the cluster's operator names the pod to seed.
  setFault(namespace, 'rss-example-1', 'sequence', 'exit 1');
  await deleteAllPods(namespace);
  await waitForCluster(namespace, 'example', 'SequenceUnknown again', (r) => r.status?.conditions?.some((x) => x.reason === 'SequenceUnknown') ?? false);
  c.kubectl(['-n', namespace, 'annotate', 'rss/example', 'rss.clusterlabs.org/seed-override=rss-example-0']);
  rss = await waitForCluster(namespace, 'example', 'seeded from rss-example-0 on the override', (r) => r.status?.lastBootstrap?.pod === 'rss-example-0' && (r.status?.members?.primary?.length ?? 0) >= 1);
  assert.equal(rss.status?.lastBootstrap?.override, true);
  await eventually('the override annotation is removed once used', async () => !(await getCluster(namespace, 'example')).metadata.annotations?.['rss.clusterlabs.org/seed-override']);
});

test('guard: a bootstrap below the recorded high-water mark is refused until the override names a pod', async (t) => {
  const c = cluster();
  const namespace = await testNamespace(t, 'guard');
  startOperator(t, namespace);
  for (const [i, m] of MEMBERS.entries()) setSequence(namespace, m, String(40 + i));
  await createCluster(namespace, loadManifest('examples/dummy/cluster.yaml'));
  let rss = await waitForCluster(namespace, 'example', '3 primaries', allPrimaries);
  assert.equal(rss.status?.lastBootstrap?.pod, 'rss-example-2');
  assert.equal(rss.status?.highestSequence, 42);

  // Fresh, empty volumes everywhere (or an old backup): the best candidate is below what was seen.
  for (const m of MEMBERS) setSequence(namespace, m, '3');
  await deleteAllPods(namespace);
  rss = await waitForCluster(namespace, 'example', 'BootstrapRefused', (r) => r.status?.conditions?.some((x) => x.reason === 'BootstrapRefused') ?? false);
  const refused = rss.status?.conditions?.find((x) => x.reason === 'BootstrapRefused')!;
  assert.match(refused.message, /42/);
  assert.match(refused.message, /seed-override/);
  await waitForEvents(namespace, 'example', 'a BootstrapRefused Event', (events) => events.some((e) => e.type === 'Warning' && e.reason === 'BootstrapRefused'));
  assert.equal(rss.status?.members?.primary?.length ?? 0, 0);

  c.kubectl(['-n', namespace, 'annotate', 'rss/example', 'rss.clusterlabs.org/seed-override=rss-example-1']);
  rss = await waitForCluster(namespace, 'example', 'seeded from rss-example-1 on the override', (r) => r.status?.lastBootstrap?.pod === 'rss-example-1' && allPrimaries(r));
  assert.equal(rss.status?.lastBootstrap?.override, true);
});
