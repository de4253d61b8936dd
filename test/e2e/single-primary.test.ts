// A single-primary cluster of the dummy application (primaries: 1, a secondary command): a lost primary is
// replaced by promoting the most advanced member where it runs, without stopping any running secondary;
// a planned switchover moves the role to a named secondary, or puts the old primary back when the target
// is behind; a member answering 190 (running, degraded) is reported and left running.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ReplicatedStatefulSet } from '../../src/api/types.ts';
import { cluster, eventually, testNamespace } from '../support/cluster.ts';
import { crashApplication, setFault, setSequence } from '../support/dummy.ts';
import { clusterEvents, commandsRan, createCluster, getCluster, loadManifest, startOperator, waitForCluster, waitForEvents } from '../support/operator.ts';
import { kubectlRss } from '../support/plugin.ts';

const M = ['rss-example-0', 'rss-example-1', 'rss-example-2'] as const;
const condition = (rss: ReplicatedStatefulSet, type: string) => rss.status?.conditions?.find((c) => c.type === type);

/** One primary (`pod`), the two others secondaries, and nothing left to do. */
const primaryIs = (pod: string) => (rss: ReplicatedStatefulSet) =>
  rss.status?.phase === 'Running' && rss.status.members?.primary?.length === 1 && rss.status.members.primary[0] === pod && rss.status.members.secondary?.length === 2;

/** The verbs run in `pod` since `since` (ms), in order. */
function verbsSince(namespace: string, pod: string, since: number): string[] {
  return commandsRan(namespace, pod).filter((c) => c.time >= since).map((c) => c.verb);
}

async function deletePod(namespace: string, pod: string): Promise<void> {
  const c = cluster();
  const uid = (await c.core.readNamespacedPod({ namespace, name: pod })).metadata?.uid;
  await c.core.deleteNamespacedPod({ namespace, name: pod, gracePeriodSeconds: 0 });
  await eventually(`${pod} recreated`, async () => {
    const p = await c.core.readNamespacedPod({ namespace, name: pod }).catch(() => undefined);
    return p !== undefined && p.metadata?.uid !== uid;
  });
}

test('single primary: promotion in place, the old primary back when it holds more, switchover, degraded', async (t) => {
  const namespace = await testNamespace(t, 'single');
  startOperator(t, namespace);
  const manifest = loadManifest('examples/dummy/cluster.yaml');
  manifest.spec.reconcileInterval = '2s';
  manifest.spec.primaries = 1;
  (manifest.spec.pod!.commands as unknown as Record<string, unknown>)['secondary'] = { command: ['rss-dummy', 'secondary'] };
  await createCluster(namespace, manifest);
  await waitForCluster(namespace, 'example', 'rss-example-0 primary, two secondaries', primaryIs('rss-example-0'));

  await t.test('primary lost: the most advanced running secondary is promoted in place; no running secondary is stopped', async () => {
    setSequence(namespace, 'rss-example-0', '10');
    setSequence(namespace, 'rss-example-1', '10');
    setSequence(namespace, 'rss-example-2', '9');
    const since = Date.now();
    crashApplication(namespace, 'rss-example-0');
    await deletePod(namespace, 'rss-example-0');
    const rss = await waitForCluster(namespace, 'example', 'rss-example-1 primary', primaryIs('rss-example-1'));
    assert.equal(rss.status?.lastBootstrap?.pod, 'rss-example-1');
    assert.equal(rss.status?.lastBootstrap?.sequence, 10);
    const promoted = verbsSince(namespace, 'rss-example-1', since);
    assert.ok(promoted.includes('seed') && !promoted.includes('stop'), `rss-example-1 seeded where it ran: ${promoted.join(' ')}`);
    const other = verbsSince(namespace, 'rss-example-2', since);
    assert.ok(!other.includes('stop'), `rss-example-2 was not stopped: ${other.join(' ')}`);
    assert.ok(other.includes('secondary'), `rss-example-2 was re-pointed: ${other.join(' ')}`);
    assert.ok(verbsSince(namespace, 'rss-example-0', since).includes('secondary'), 'the old primary came back as a secondary');
    await waitForEvents(namespace, 'example', 'a Seeded Event saying in place and a MemberRepointed Event', (events) =>
      events.some((e) => e.reason === 'Seeded' && /rss-example-1.*promoted in place/.test(e.message)) && events.some((e) => e.reason === 'MemberRepointed' && e.message.startsWith('rss-example-2')));
  });

  await t.test('primary lost while it held more than the secondaries: it seeds again, the secondaries are re-pointed, not stopped', async () => {
    setSequence(namespace, 'rss-example-1', '20');
    setSequence(namespace, 'rss-example-0', '15');
    setSequence(namespace, 'rss-example-2', '15');
    const since = Date.now();
    crashApplication(namespace, 'rss-example-1');
    await deletePod(namespace, 'rss-example-1');
    const rss = await waitForCluster(namespace, 'example', 'rss-example-1 primary again', (r) => primaryIs('rss-example-1')(r) && (r.status?.lastBootstrap?.time ?? '') > new Date(since).toISOString());
    assert.equal(rss.status?.lastBootstrap?.sequence, 20, 'the most advanced member, stopped, wins over running secondaries');
    for (const pod of ['rss-example-0', 'rss-example-2']) {
      const verbs = verbsSince(namespace, pod, since);
      assert.ok(!verbs.includes('stop') && verbs.includes('secondary'), `${pod} re-pointed without a stop: ${verbs.join(' ')}`);
    }
  });

  await t.test('kubectl rss switchover to a caught-up secondary: the primary is stopped cleanly, the target promoted, the old primary follows', async () => {
    for (const pod of M) setSequence(namespace, pod, '30');
    const since = Date.now();
    const asked = kubectlRss(['switchover', 'example', 'rss-example-2', '-n', namespace]);
    assert.equal(asked.status, 0, asked.stderr);
    assert.match(asked.stdout, /Switchover to rss-example-2 requested/);
    const rss = await waitForCluster(namespace, 'example', 'rss-example-2 primary', primaryIs('rss-example-2'));
    assert.equal(rss.metadata.annotations?.['rss.clusterlabs.org/switchover'], undefined, 'the annotation is removed');
    const old = verbsSince(namespace, 'rss-example-1', since);
    assert.deepEqual(old.filter((v) => v === 'stop' || v === 'secondary' || v === 'seed'), ['stop', 'secondary'], `the old primary: ${old.join(' ')}`);
    assert.ok(!verbsSince(namespace, 'rss-example-0', since).includes('stop'), 'the other secondary was not stopped');
    await waitForEvents(namespace, 'example', 'a SwitchedOver Event', (events) => events.some((e) => e.reason === 'SwitchedOver' && e.message.startsWith('rss-example-2 is the primary (it was rss-example-1)')));
  });

  await t.test('switchover to a member that is behind: abandoned, the old primary is started again and the Event says why', async () => {
    setSequence(namespace, 'rss-example-2', '40');
    setSequence(namespace, 'rss-example-1', '40');
    setSequence(namespace, 'rss-example-0', '35');
    const since = Date.now();
    const asked = kubectlRss(['switchover', 'example', 'rss-example-0', '-n', namespace]);
    assert.equal(asked.status, 0, asked.stderr);
    const abandoned = await eventually('SwitchoverAbandoned', async () => (await clusterEvents(namespace, 'example')).find((e) => e.reason === 'SwitchoverAbandoned'), 60_000);
    assert.match(abandoned.message, /from rss-example-2 to rss-example-0 abandoned: rss-example-2 holds more \(sequence 40\)/);
    await waitForCluster(namespace, 'example', 'rss-example-2 primary again', primaryIs('rss-example-2'));
    assert.ok(!verbsSince(namespace, 'rss-example-0', since).includes('seed'), 'the target that was behind was not seeded');
  });

  await t.test('a member answering 190 is degraded: reported, not stopped', async () => {
    setFault(namespace, 'rss-example-0', 'status', 'exit 190');
    const since = Date.now();
    let rss = await waitForCluster(namespace, 'example', 'Degraded: MembersDegraded', (r) => condition(r, 'Degraded')?.reason === 'MembersDegraded');
    assert.match(condition(rss, 'Degraded')!.message, /rss-example-0 \(secondary, degraded: status 190\)/);
    assert.equal(rss.status?.memberStatus?.find((m) => m.name === 'rss-example-0')?.degraded, true);
    await new Promise((r) => setTimeout(r, 5000)); // two more status intervals
    assert.ok(!verbsSince(namespace, 'rss-example-0', since).includes('stop'), 'a degraded member is not stopped');
    const shown = kubectlRss(['status', 'example', '-n', namespace]);
    assert.match(shown.stdout, /rss-example-0\s+secondary \(degraded\)/);
    setFault(namespace, 'rss-example-0', 'status', undefined);
    rss = await waitForCluster(namespace, 'example', 'Degraded False', (r) => condition(r, 'Degraded')?.status === 'False');
    assert.equal((await getCluster(namespace, 'example')).status?.memberStatus?.find((m) => m.name === 'rss-example-0')?.degraded, undefined);
  });
});
