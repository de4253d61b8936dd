// The original operator's README flows, end to end on the local control plane with the dummy application:
// create, resize, failover, destroy.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Watch } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION } from '../../src/api/names.ts';
import type { ReplicatedStatefulSet } from '../../src/api/types.ts';
import { cluster, eventually, testNamespace } from '../support/cluster.ts';
import { commandsRan, createCluster, getCluster, loadManifest, startOperator, waitForCluster, clusterEvents, waitForEvents } from '../support/operator.ts';

const allPrimaries = (n: number) => (rss: ReplicatedStatefulSet) =>
  (rss.status?.members?.primary?.length ?? 0) === n && rss.status?.phase === 'Running' && (rss.status?.replicas ?? 0) === n;

test('create: the example comes up with 3 primaries, visible to the original query and kubectl get', async (t) => {
  const c = cluster();
  const namespace = await testNamespace(t, 'create');
  startOperator(t, namespace);
  // Every status the operator writes on the way up, as `kubectl get rss -w` would see it.
  const written: NonNullable<ReplicatedStatefulSet['status']>[] = [];
  const watch = await new Watch(c.kubeConfig).watch(`/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}`, {},
    (_type: string, rss: ReplicatedStatefulSet) => { if (rss.status) written.push(rss.status); }, () => {});
  t.after(() => watch.abort());
  const started = Date.now();
  await createCluster(namespace, loadManifest('examples/dummy/cluster.yaml'));
  const rss = await waitForCluster(namespace, 'example', '3 primaries', allPrimaries(3));
  t.diagnostic(`kubectl apply → 3 members primary: ${Date.now() - started} ms`);

  // Each status tells one story: the Available condition counts the same primaries the member lists show.
  await eventually('the final status seen by the watch', () => written.some((s) => s.primaryReplicas === 3));
  assert.ok(written.length >= 3, `statuses seen: ${written.length}`);
  for (const s of written) {
    const available = s.conditions?.find((x) => x.type === 'Available');
    const counted = /: (\d+) primar/.exec(available?.message ?? '')?.[1];
    if (available?.status === 'True') assert.equal(Number(counted), s.primaryReplicas, `Available says "${available.message}" beside primaries ${JSON.stringify(s.members?.primary)}`);
    else assert.equal(s.primaryReplicas ?? 0, 0, `Available=False (${available?.message}) beside primaries ${JSON.stringify(s.members?.primary)}`);
  }

  const query = c.kubectl(['-n', namespace, 'get', 'rss/example', '-o=jsonpath={.status.members.primary}']);
  assert.deepEqual(JSON.parse(query), ['rss-example-0', 'rss-example-1', 'rss-example-2']);
  const available = rss.status?.conditions?.find((x) => x.type === 'Available');
  assert.equal(available?.status, 'True');
  assert.equal(rss.status?.lastBootstrap?.pod, 'rss-example-0', 'equal sequences: the lowest ordinal seeds');

  const table = c.kubectl(['-n', namespace, 'get', 'rss']);
  const [header, row] = table.trim().split('\n');
  assert.match(header!, /NAME\s+REPLICAS\s+READY\s+PRIMARIES\s+PHASE\s+AGE/);
  assert.match(row!, /^example\s+3\s+3\s+3\s+Running\s+\S+/);

  // Child objects as SPEC §2 describes them.
  const sts = await c.apps.readNamespacedStatefulSet({ namespace, name: 'rss-example' });
  assert.equal(sts.spec?.podManagementPolicy, 'Parallel');
  assert.equal(sts.spec?.updateStrategy?.type, 'OnDelete');
  assert.equal(sts.metadata?.ownerReferences?.[0]?.kind, 'ReplicatedStatefulSet');
  const svc = await c.core.readNamespacedService({ namespace, name: 'example-svc' });
  assert.equal(svc.spec?.clusterIP, 'None');
  assert.equal(svc.spec?.publishNotReadyAddresses, true);
  assert.equal(svc.metadata?.ownerReferences?.[0]?.name, 'example');
  const anti = sts.spec?.template.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.[0];
  assert.equal(anti?.topologyKey, 'kubernetes.io/hostname');
  const pods = await c.core.listNamespacedPod({ namespace, labelSelector: 'rss-active-member=true,rss-role=primary,app=example,rss-operator-managed=true' });
  assert.equal(pods.items.length, 3, 'a client Service selecting rss-active-member=true finds every primary');
  assert.equal(new Set(pods.items.map((p) => p.spec?.nodeName)).size, 3, 'anti-affinity spreads members over nodes');

  // The joiners were given the running primaries as arguments.
  const join = commandsRan(namespace, 'rss-example-2').find((x) => x.verb === 'primary');
  assert.equal(join?.args, 'rss-example-0.example-svc rss-example-1.example-svc');
  await waitForEvents(namespace, 'example', 'Seeded and MemberJoined Events', (events) => events.some((e) => e.reason === 'Seeded') && events.some((e) => e.reason === 'MemberJoined'));
});

test('resize: 3→5 by editing the spec and by kubectl scale, then 5→3 stops the two highest members before removing them', async (t) => {
  const c = cluster();
  const namespace = await testNamespace(t, 'resize');
  startOperator(t, namespace);
  await createCluster(namespace, loadManifest('examples/dummy/cluster.yaml'));
  await waitForCluster(namespace, 'example', '3 primaries', allPrimaries(3));

  await c.custom.patchNamespacedCustomObject(
    { group: GROUP, version: VERSION, namespace, plural: PLURAL, name: 'example', body: [{ op: 'replace', path: '/spec/replicas', value: 4 }] },
  );
  await waitForCluster(namespace, 'example', '4 primaries', allPrimaries(4));
  c.kubectl(['-n', namespace, 'scale', 'rss/example', '--replicas=5']);
  await waitForCluster(namespace, 'example', '5 primaries', allPrimaries(5));

  // Watch the pods closely while scaling down, to know when each one was deleted.
  const goneAt = new Map<string, number>();
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      const pods = await c.core.listNamespacedPod({ namespace });
      for (const name of ['rss-example-3', 'rss-example-4']) {
        const pod = pods.items.find((p) => p.metadata?.name === name);
        if ((!pod || pod.metadata?.deletionTimestamp) && !goneAt.has(name)) goneAt.set(name, Date.now());
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  c.kubectl(['-n', namespace, 'patch', 'rss/example', '--type=merge', '-p', '{"spec":{"replicas":3}}']);
  await waitForCluster(namespace, 'example', 'back to 3 primaries', allPrimaries(3));
  await eventually('both removed pods gone', () => goneAt.size === 2);
  watching = false;
  await watcher;

  for (const name of ['rss-example-3', 'rss-example-4']) {
    const stop = commandsRan(namespace, name).find((x) => x.verb === 'stop');
    assert.ok(stop, `${name}: stop ran`);
    assert.ok(stop.time <= goneAt.get(name)!, `${name}: stop ran before its pod was removed`);
  }
  const sts = await c.apps.readNamespacedStatefulSet({ namespace, name: 'rss-example' });
  assert.equal(sts.spec?.replicas, 3);
  assert.equal(commandsRan(namespace, 'rss-example-2').filter((x) => x.verb === 'stop').length, 0, 'members that stay are not stopped');
});

test('failover: a deleted member pod is recreated and rejoins as primary, driven by the watch, not the interval', async (t) => {
  const c = cluster();
  const namespace = await testNamespace(t, 'failover');
  startOperator(t, namespace);
  const manifest = loadManifest('examples/dummy/cluster.yaml');
  manifest.spec.reconcileInterval = '10m';
  await createCluster(namespace, manifest);
  const before = await waitForCluster(namespace, 'example', '3 primaries', allPrimaries(3));
  const oldUid = before.status?.memberStatus?.find((m) => m.name === 'rss-example-1')?.podUID;

  const deleted = Date.now();
  await c.core.deleteNamespacedPod({ namespace, name: 'rss-example-1' });
  const after = await waitForCluster(namespace, 'example', 'rss-example-1 back as primary in a new pod', (rss) => {
    const m = rss.status?.memberStatus?.find((x) => x.name === 'rss-example-1');
    return allPrimaries(3)(rss) && m?.role === 'primary' && m.podUID !== oldUid;
  });
  const took = Date.now() - deleted;
  t.diagnostic(`pod deleted → member rejoined as primary: ${took} ms`);
  assert.ok(took < 60_000, `rejoined in ${took} ms, far sooner than the 10-minute interval`);
  const rejoin = commandsRan(namespace, 'rss-example-1').filter((x) => x.verb === 'primary').at(-1);
  assert.equal(rejoin?.args, 'rss-example-0.example-svc rss-example-2.example-svc');
  assert.equal(after.status?.lastBootstrap?.pod, 'rss-example-0', 'the cluster was not bootstrapped again');
});

test('destroy: deleting the RSS removes the StatefulSet, the Service and the pods', async (t) => {
  const c = cluster();
  const namespace = await testNamespace(t, 'destroy');
  startOperator(t, namespace);
  await createCluster(namespace, loadManifest('examples/dummy/cluster.yaml'));
  await waitForCluster(namespace, 'example', '3 primaries', allPrimaries(3));
  c.kubectl(['-n', namespace, 'delete', 'rss/example']);
  await eventually('StatefulSet, Service and pods gone', async () => {
    const [sts, svc, pods] = await Promise.all([
      c.apps.listNamespacedStatefulSet({ namespace }),
      c.core.listNamespacedService({ namespace }),
      c.core.listNamespacedPod({ namespace }),
    ]);
    return sts.items.length === 0 && svc.items.length === 0 && pods.items.length === 0;
  }, 60_000);
  await assert.rejects(getCluster(namespace, 'example'));
});
