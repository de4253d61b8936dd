// Sequences as the contract defines them, with the dummy application: unsigned 64-bit integers compared
// exactly (values JSON numbers would round), a value out of range reported as such, and histories — a
// member holding data of another history than the mark's is never seeded without a person saying so.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { ReplicatedStatefulSet } from '../../src/api/types.ts';
import { cluster, testNamespace } from '../support/cluster.ts';
import { deleteAllPods, setSequence } from '../support/dummy.ts';
import { clusterEvents, commandsRan, createCluster, getCluster, loadManifest, startOperator, waitForCluster, waitForEvents } from '../support/operator.ts';
import { kubectlRss } from '../support/plugin.ts';
import { ANNOTATION_SEED_OVERRIDE } from '../../src/api/names.ts';

const allPrimaries = (rss: ReplicatedStatefulSet) => (rss.status?.members?.primary?.length ?? 0) === 3 && rss.status?.phase === 'Running';
const condition = (rss: ReplicatedStatefulSet, type: string) => rss.status?.conditions?.find((c) => c.type === type);
const seeds = (namespace: string, pod: string) => commandsRan(namespace, pod).filter((c) => c.verb === 'seed').length;

/** The dummy example in a namespace of its own, under an operator, up as 3 primaries (status every 2 s). */
async function exampleCluster(t: TestContext, prefix: string): Promise<string> {
  const namespace = await testNamespace(t, prefix);
  startOperator(t, namespace);
  const manifest = loadManifest('examples/dummy/cluster.yaml');
  manifest.spec.reconcileInterval = '2s';
  await createCluster(namespace, manifest);
  await waitForCluster(namespace, 'example', '3 primaries', allPrimaries);
  return namespace;
}

const MAX = '18446744073709551615'; // 2^64 − 1
const ABOVE_2_63 = '9223372036854775809'; // 2^63 + 1
const ABOVE_2_53 = '9007199254740993'; // 2^53 + 1: a JSON number would read it as 2^53

test('sequences: 2^64−1 beats 2^63+1 and 2^53+1 exactly; 2^64 is reported as out of range and blocks the bootstrap', async (t) => {
  const namespace = await exampleCluster(t, 'u64');

  setSequence(namespace, 'rss-example-0', ABOVE_2_53);
  setSequence(namespace, 'rss-example-1', ABOVE_2_63);
  setSequence(namespace, 'rss-example-2', MAX);
  const before = seeds(namespace, 'rss-example-2');
  await deleteAllPods(namespace);
  const rss = await waitForCluster(namespace, 'example', 'a bootstrap from rss-example-2', (r) => r.status?.lastBootstrap?.pod === 'rss-example-2' && allPrimaries(r));
  assert.equal(seeds(namespace, 'rss-example-2'), before + 1, 'rss-example-2 was seeded');
  // Exact, as decimal strings (JSON numbers would round).
  assert.equal(rss.status?.lastBootstrap?.sequence, MAX);
  assert.equal(rss.status?.highestSequence, MAX);
  const shown = kubectlRss(['status', 'example', '-n', namespace]);
  assert.equal(shown.status, 0, shown.stderr);
  assert.match(shown.stdout, new RegExp(`rss-example-2 at sequence ${MAX}`), 'kubectl rss status shows the last bootstrap whole');
  assert.match(shown.stdout, new RegExp(`High-water mark:\\s+${MAX}`), 'kubectl rss status shows the mark whole');

  // One past the range: not a sequence. The member is named, the range is given, nothing is seeded.
  setSequence(namespace, 'rss-example-0', '18446744073709551616');
  await deleteAllPods(namespace);
  const blocked = await waitForCluster(namespace, 'example', 'SequenceUnknown', (r) => condition(r, 'Bootstrapped')?.reason === 'SequenceUnknown');
  assert.match(condition(blocked, 'Bootstrapped')!.message, /rss-example-0/);
  assert.match(condition(blocked, 'Bootstrapped')!.message, /outside 0…18446744073709551615/);
  const member = blocked.status?.memberStatus?.find((m) => m.name === 'rss-example-0');
  assert.match(member?.lastError ?? '', /18446744073709551616.*outside 0…18446744073709551615 \(an unsigned 64-bit integer\)/);
  await waitForEvents(namespace, 'example', 'a SequenceUnknown Event', (events) => events.some((e) => e.type === 'Warning' && e.reason === 'SequenceUnknown' && e.message.includes('rss-example-0')));
  assert.equal((await getCluster(namespace, 'example')).status?.members?.primary?.length ?? 0, 0, 'nothing seeded while a sequence is out of range');

  // Back in range (the most advanced), it seeds.
  setSequence(namespace, 'rss-example-0', MAX);
  await waitForCluster(namespace, 'example', 'a bootstrap once every sequence is known', (r) => allPrimaries(r) && r.status?.highestSequence === MAX);
});

test('histories: a member holding a:100 beside the mark b:90 is refused, naming both; the override accepts it', async (t) => {
  const namespace = await exampleCluster(t, 'history');

  // The cluster's history is b.
  for (const pod of ['rss-example-0', 'rss-example-1', 'rss-example-2']) setSequence(namespace, pod, 'b:90');
  await deleteAllPods(namespace);
  let rss = await waitForCluster(namespace, 'example', 'the mark at b:90', (r) => allPrimaries(r) && r.status?.highestSequenceHistory === 'b' && r.status.highestSequence === 90);
  assert.equal(rss.status?.lastBootstrap?.history, 'b');

  // An old disk of another history, holding a higher number, and the cluster's own members.
  setSequence(namespace, 'rss-example-0', 'a:100');
  setSequence(namespace, 'rss-example-1', 'b:90');
  setSequence(namespace, 'rss-example-2', 'b:85');
  const before = seeds(namespace, 'rss-example-0');
  await deleteAllPods(namespace);
  rss = await waitForCluster(namespace, 'example', 'BootstrapRefused', (r) => condition(r, 'Bootstrapped')?.reason === 'BootstrapRefused');
  const message = condition(rss, 'Bootstrapped')!.message;
  assert.match(message, /rss-example-0 holds sequence a:100 of history a, not this cluster's history b/);
  assert.match(message, /seed-override/);
  await waitForEvents(namespace, 'example', 'a BootstrapRefused Event', (events) => events.some((e) => e.type === 'Warning' && e.reason === 'BootstrapRefused' && e.message.includes('history b')));
  await new Promise((r) => setTimeout(r, 3000));
  assert.equal(seeds(namespace, 'rss-example-0'), before, 'the member of another history was not seeded');
  assert.equal((await getCluster(namespace, 'example')).status?.members?.primary?.length ?? 0, 0, 'nothing was seeded');

  // A person accepts a's data: it seeds, and the mark moves to history a.
  cluster().kubectl(['-n', namespace, 'annotate', 'rss/example', `${ANNOTATION_SEED_OVERRIDE}=rss-example-0`]);
  rss = await waitForCluster(namespace, 'example', 'seeded from rss-example-0 by override', (r) => allPrimaries(r) && r.status?.lastBootstrap?.pod === 'rss-example-0');
  assert.equal(rss.status?.lastBootstrap?.override, true);
  assert.equal(rss.status?.highestSequenceHistory, 'a');
  assert.equal(rss.status?.highestSequence, 100);
});
