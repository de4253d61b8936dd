// Rolling updates with the dummy application: a pod template change replaces members one at a time,
// secondaries first, primaries last; a template that breaks `status` halts the rollout after the first
// member, and fixing the template resumes it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GROUP, PLURAL, VERSION } from '../../src/api/names.ts';
import type { ReplicatedStatefulSet } from '../../src/api/types.ts';
import { cluster, eventually, testNamespace } from '../support/cluster.ts';
import { clusterEvents, commandsRan, createCluster, getCluster, loadManifest, startOperator, waitForCluster, waitForEvents } from '../support/operator.ts';

const NAME = 'example';

function manifest(replicas: number, primaries: number): ReplicatedStatefulSet {
  const rss = loadManifest('examples/dummy/cluster.yaml');
  rss.spec.replicas = replicas;
  rss.spec.primaries = primaries;
  rss.spec.pod.commands.secondary = { command: ['rss-dummy', 'secondary'] };
  return rss;
}

const settled = (primaries: number, secondaries: number) => (rss: ReplicatedStatefulSet) =>
  rss.status?.phase === 'Running' &&
  (rss.status.members?.primary?.length ?? 0) === primaries &&
  (rss.status.members?.secondary?.length ?? 0) === secondaries;

/** Replaces the first container (JSON patch on the spec, as `kubectl patch --type=json` would). */
async function setContainer(namespace: string, container: object): Promise<void> {
  await cluster().custom.patchNamespacedCustomObject({
    group: GROUP, version: VERSION, namespace, plural: PLURAL, name: NAME,
    body: [{ op: 'replace', path: '/spec/pod/containers/0', value: container }],
  });
}

async function podUids(namespace: string): Promise<Map<string, string>> {
  const pods = await cluster().core.listNamespacedPod({ namespace, labelSelector: `app=${NAME}` });
  return new Map(pods.items.map((p) => [p.metadata!.name!, p.metadata!.uid!]));
}

/** When each member stopped after `since`, and when it next started again (joined as primary or secondary). */
function downtimes(namespace: string, members: string[], since: number): { member: string; stop: number; start: number }[] {
  return members
    .flatMap((member) => {
      const log = commandsRan(namespace, member).filter((x) => x.time >= since);
      const result: { member: string; stop: number; start: number }[] = [];
      for (let i = 0; i < log.length; i++) {
        if (log[i]!.verb !== 'stop') continue;
        const start = log.slice(i + 1).find((x) => x.verb === 'primary' || x.verb === 'secondary' || x.verb === 'seed');
        result.push({ member, stop: log[i]!.time, start: start?.time ?? Number.POSITIVE_INFINITY });
      }
      return result;
    })
    .sort((a, b) => a.stop - b.stop);
}

test('rolling update: an image change replaces 5 members one at a time, secondaries first; at least 4 run throughout', async (t) => {
  const c = cluster();
  const namespace = await testNamespace(t, 'rollout');
  startOperator(t, namespace);
  await createCluster(namespace, manifest(5, 3));
  const before = await waitForCluster(namespace, NAME, '3 primaries and 2 secondaries', settled(3, 2), 90_000);
  assert.deepEqual(before.status?.members?.secondary, ['rss-example-3', 'rss-example-4']);
  const oldRevision = before.status?.updateRevision;
  assert.ok(oldRevision, 'status.updateRevision is published');
  assert.equal(before.status?.rollout?.state, 'Complete');
  const uidsBefore = await podUids(namespace);

  // Watch the rollout's progress as a user would (kubectl get rss -o yaml, repeatedly).
  const progress: string[] = [];
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      const r = (await getCluster(namespace, NAME)).status?.rollout;
      const line = r ? `${r.state} ${r.updated}/${r.total}` : 'none';
      if (r && r.revision !== oldRevision && progress.at(-1) !== line) progress.push(line);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  t.after(() => { watching = false; });

  const started = Date.now();
  await setContainer(namespace, { name: 'dummy', image: 'rss-operator/dummy:v2' });
  const after = await waitForCluster(
    namespace, NAME, 'the rollout to complete',
    (rss) => settled(3, 2)(rss) && rss.status?.rollout?.state === 'Complete' && rss.status.updateRevision !== oldRevision && rss.status.updatedReplicas === 5,
    120_000,
  );
  watching = false;
  await watcher;
  // The poller may have slept through the last write; the status that ended the wait is the last one seen.
  const last = after.status?.rollout;
  if (last && progress.at(-1) !== `${last.state} ${last.updated}/${last.total}`) progress.push(`${last.state} ${last.updated}/${last.total}`);
  t.diagnostic(`image change → 5 members replaced and running: ${Date.now() - started} ms; progress seen: ${progress.join(', ')}`);

  // Every member runs a new pod from the new template.
  const uidsAfter = await podUids(namespace);
  for (const [pod, uid] of uidsBefore) assert.notEqual(uidsAfter.get(pod), uid, `${pod} got a new pod`);
  const pods = await c.core.listNamespacedPod({ namespace, labelSelector: `app=${NAME}` });
  for (const pod of pods.items) {
    assert.equal(pod.spec?.containers[0]?.image, 'rss-operator/dummy:v2');
    assert.equal(pod.metadata?.labels?.['controller-revision-hash'], after.status?.updateRevision);
  }
  for (const m of after.status?.memberStatus ?? []) assert.equal(m.revision, after.status?.updateRevision, `${m.name} revision in status`);

  // Order: secondaries first, then primaries, highest ordinal first; one member down at a time.
  const members = [0, 1, 2, 3, 4].map((i) => `rss-example-${i}`);
  const down = downtimes(namespace, members, started);
  assert.deepEqual(down.map((d) => d.member), ['rss-example-4', 'rss-example-3', 'rss-example-2', 'rss-example-1', 'rss-example-0']);
  for (let i = 1; i < down.length; i++) {
    assert.ok(down[i - 1]!.start <= down[i]!.stop, `${down[i]!.member} stopped before ${down[i - 1]!.member} was running again: two members down`);
  }
  t.diagnostic(`per member, stop → running again: ${down.map((d) => `${d.member.slice(-1)}: ${d.start - d.stop} ms`).join(', ')}`);

  // Progress was visible in status, and the events tell the story.
  assert.ok(progress.some((p) => p.startsWith('RollingUpdate')), `progress: ${progress.join(', ')}`);
  assert.equal(progress.at(-1), 'Complete 5/5');
  assert.ok(!progress.some((p) => p.startsWith('Complete') && p !== 'Complete 5/5'), 'never Complete before every member is replaced');
  const updated = after.status?.conditions?.find((x) => x.type === 'Updated');
  assert.equal(updated?.status, 'True');
  const events = await waitForEvents(namespace, NAME, 'RollingUpdate and RolloutComplete Events', (list) => list.some((e) => e.reason === 'RollingUpdate') && list.some((e) => e.reason === 'RolloutComplete'));
  assert.equal(events.filter((e) => e.reason === 'MemberUpdating').length, 5);
});

test('rolling update: a template that breaks status halts after the first member, and fixing it resumes', async (t) => {
  const namespace = await testNamespace(t, 'rollout-halt');
  startOperator(t, namespace);
  await createCluster(namespace, manifest(3, 3));
  const before = await waitForCluster(namespace, NAME, '3 primaries', settled(3, 0), 90_000);
  const oldRevision = before.status?.updateRevision;

  const broken = Date.now();
  await setContainer(namespace, { name: 'dummy', image: 'rss-operator/dummy:v2', env: [{ name: 'RSS_DUMMY_FAULT_STATUS', value: 'exit 1' }] });
  const halted = await waitForCluster(namespace, NAME, 'the rollout to halt', (rss) => rss.status?.rollout?.state === 'Halted', 90_000);
  const badRevision = halted.status?.rollout?.revision;
  assert.notEqual(badRevision, oldRevision);
  assert.equal(halted.status?.rollout?.halted?.member, 'rss-example-2');
  assert.match(halted.status?.rollout?.halted?.reason ?? '', /status exited with code 1/);
  const condition = halted.status?.conditions?.find((x) => x.type === 'Updated');
  assert.equal(condition?.reason, 'RolloutHalted');
  assert.match(condition?.message ?? '', /rss-example-2 failed on revision/);
  const halt = await eventually('a RolloutHalted event', async () => (await clusterEvents(namespace, NAME)).find((e) => e.reason === 'RolloutHalted'));
  assert.equal(halt.type, 'Warning');

  // It stays halted: the other members are not touched and keep running as primaries.
  await new Promise((resolve) => setTimeout(resolve, 6000));
  for (const member of ['rss-example-0', 'rss-example-1']) {
    assert.deepEqual(commandsRan(namespace, member).filter((x) => x.time >= broken && x.verb === 'stop'), [], `${member} was not stopped`);
  }
  const still = await getCluster(namespace, NAME);
  assert.equal(still.status?.rollout?.state, 'Halted');
  assert.ok(['rss-example-0', 'rss-example-1'].every((m) => still.status?.members?.primary?.includes(m)));

  // Fix the template: the rollout resumes and completes on the new revision.
  const fixed = Date.now();
  await setContainer(namespace, { name: 'dummy', image: 'rss-operator/dummy:v2' });
  const done = await waitForCluster(
    namespace, NAME, 'the fixed rollout to complete',
    (rss) => settled(3, 0)(rss) && rss.status?.rollout?.state === 'Complete' && rss.status.updateRevision !== badRevision && rss.status.updateRevision !== oldRevision,
    120_000,
  );
  t.diagnostic(`fix → rollout complete: ${Date.now() - fixed} ms`);
  assert.equal(done.status?.updatedReplicas, 3);
  assert.equal(done.status?.rollout?.halted, undefined, 'the old halt is gone from status');
  const down = downtimes(namespace, ['rss-example-0', 'rss-example-1'], fixed);
  assert.deepEqual(down.map((d) => d.member), ['rss-example-1', 'rss-example-0'], 'the rest of the rollout ran after the fix');
});
