// On real nodes (kubelet, containerd, runc): the operator installed by its Helm chart from the locally built
// image, running in a pod with the chart's ServiceAccount and RBAC, and the original README's
// example/cluster.yaml as its users wrote it (image quay.io/beekhof/dummy:latest, commands /sequence.sh…),
// run through the README's steps. Every command the operator runs goes through a kubelet's exec stream.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CoordinationV1Api, type V1Pod } from '@kubernetes/client-node';
import { repoRoot } from '../../controlplane/localcluster.ts';
import { cluster, eventually } from '../support/cluster.ts';
import { getCluster, waitForCluster } from '../support/operator.ts';
import { installOperator, killContainer, operatorPods, realNodeNamespace, restartsOf } from '../support/real-node.ts';
import { canI, serviceAccountUser } from '../support/serviceaccount.ts';
import type { ReplicatedStatefulSet } from '../../src/api/types.ts';
import { selectorString } from '../../src/api/names.ts';

const EXAMPLE = join(repoRoot, 'test', 'fixtures', 'original-cluster.yaml');
const example = readFileSync(EXAMPLE, 'utf8');
const BOOT_TIMEOUT_MS = 180_000;

const members = (count: number) => Array.from({ length: count }, (_, i) => `rss-example-${i}`);
/** Every member ready, and no other. */
const ready = (count: number) => (r: ReplicatedStatefulSet) =>
  JSON.stringify([...(r.status?.members?.ready ?? [])].sort()) === JSON.stringify(members(count)) && (r.status?.members?.primary?.length ?? 0) === count;

async function memberPods(namespace: string): Promise<V1Pod[]> {
  const list = await cluster().core.listNamespacedPod({ namespace, labelSelector: selectorString('example') });
  return list.items.filter((p) => p.metadata?.name?.startsWith('rss-example-'));
}

/** Each member's pod runs in a real container, on its own real node (the example's anti-affinity). */
async function assertOnRealNodes(namespace: string, count: number): Promise<void> {
  const pods = (await memberPods(namespace)).filter((p) => !p.metadata?.deletionTimestamp);
  assert.equal(pods.length, count, `${count} member pods (got ${pods.map((p) => p.metadata?.name).join(', ')})`);
  const nodes = pods.map((p) => p.spec?.nodeName ?? '');
  assert.ok(nodes.every((n) => n.startsWith('rss-real-node-')), `on real nodes: ${nodes.join(', ')}`);
  assert.equal(new Set(nodes).size, count, `one member per node: ${nodes.join(', ')}`);
  for (const pod of pods) {
    const id = pod.status?.containerStatuses?.[0]?.containerID ?? '';
    assert.match(id, /^containerd:\/\/[0-9a-f]{64}$/, `${pod.metadata?.name} runs in a containerd container`);
    assert.equal(pod.status?.containerStatuses?.[0]?.image, 'quay.io/beekhof/dummy:latest');
  }
}

test('helm install, then the original README\'s example/cluster.yaml verbatim: create, query, resize 3→5→3, a member pod and the operator pod deleted, delete', async (t) => {
  const c = cluster();
  // The README's commands name the namespace dummy.
  const namespace = await realNodeNamespace(t, 'dummy');
  const operator = await installOperator(namespace);

  // The operator: one pod on a real node, ready (its readiness probe went through the kubelet), leading.
  // (helm's --wait counts a Deployment of 1 with maxUnavailable 1 as ready before its pod is.)
  const pod = await eventually('the operator pod ready', async () => (await operatorPods(namespace)).find((p) => p.status?.containerStatuses?.[0]?.ready === true), 120_000, 500);
  assert.match(pod.spec?.nodeName ?? '', /^rss-real-node-/);
  const readyz = await fetch(`${operator.metricsUrl}/readyz`);
  assert.equal(readyz.status, 200, '/readyz');
  await eventually('rss_operator_leader 1 in /metrics', async () => /^rss_operator_leader 1$/m.test(await (await fetch(`${operator.metricsUrl}/metrics`)).text()));
  const leases = await c.kubeConfig.makeApiClient(CoordinationV1Api).listNamespacedLease({ namespace });
  assert.ok(leases.items.some((l) => l.spec?.holderIdentity?.startsWith(pod.metadata!.name!)), `a Lease held by ${pod.metadata!.name} (got ${leases.items.map((l) => `${l.metadata?.name}: ${l.spec?.holderIdentity}`).join(', ')})`);
  // The chart's RBAC in mode `namespace`: this namespace, no more.
  const user = serviceAccountUser(namespace, 'rss-operator');
  assert.equal(canI(user, ['create', 'pods', '--subresource=exec', '-n', namespace]), true);
  assert.equal(canI(user, ['list', 'pods', '-n', 'default']), false, 'the operator cannot read other namespaces');

  // $ kubectl create -f example/cluster.yaml
  c.kubectl(['-n', namespace, 'create', '-f', EXAMPLE]);
  await waitForCluster(namespace, 'example', '3 members ready', ready(3), BOOT_TIMEOUT_MS);
  await assertOnRealNodes(namespace, 3);
  // $ kubectl -n dummy get rss/example -o=jsonpath='…', as the README shows it.
  const query = c.kubectl(['-n', 'dummy', 'get', 'rss/example', '-o=jsonpath={"Primaries: "}{.status.members.primary}{"\\n"}{"Members:   "}{.status.members.ready}{"\\n"}']);
  const [primaries, membersLine] = query.trimEnd().split('\n');
  for (const name of members(3)) {
    assert.ok(primaries?.startsWith('Primaries: ') && primaries.includes(name), `Primaries line names ${name}: ${primaries}`);
    assert.ok(membersLine?.startsWith('Members:   ') && membersLine.includes(name), `Members line names ${name}: ${membersLine}`);
  }

  // Resize: the file edited from 3 to 5, then `kubectl apply -f example/cluster.yaml`.
  c.kubectl(['-n', namespace, 'apply', '-f', '-'], example.replace('replicas: 3', 'replicas: 5'));
  await waitForCluster(namespace, 'example', '5 members ready', ready(5), BOOT_TIMEOUT_MS);
  await assertOnRealNodes(namespace, 5);

  // A member's pod deleted while the operator's own pod is deleted too: the Deployment brings the operator
  // back, the StatefulSet the member, and the new operator rejoins it.
  const before = (await getCluster(namespace, 'example')).status?.memberStatus?.find((m) => m.name === 'rss-example-1')?.podUID;
  await Promise.all([
    c.core.deleteNamespacedPod({ namespace, name: pod.metadata!.name! }),
    c.core.deleteNamespacedPod({ namespace, name: 'rss-example-1' }),
  ]);
  const next = await eventually('a new operator pod ready', async () => {
    const pods = await operatorPods(namespace);
    return pods.find((p) => p.metadata?.name !== pod.metadata?.name && p.status?.containerStatuses?.[0]?.ready === true);
  }, 120_000, 500);
  assert.match(next.spec?.nodeName ?? '', /^rss-real-node-/);
  await waitForCluster(namespace, 'example', 'rss-example-1 back in a new pod, 5 members ready', (r) =>
    ready(5)(r) && (r.status?.memberStatus?.find((m) => m.name === 'rss-example-1')?.podUID ?? before) !== before, BOOT_TIMEOUT_MS);

  // Back to 3 with the original file.
  c.kubectl(['-n', namespace, 'apply', '-f', EXAMPLE]);
  await waitForCluster(namespace, 'example', '3 members ready', ready(3), BOOT_TIMEOUT_MS);
  await eventually('rss-example-3 and rss-example-4 gone', async () => (await memberPods(namespace)).length === 3, 120_000, 500);
  await assertOnRealNodes(namespace, 3);

  // $ kubectl delete -f example/cluster.yaml
  c.kubectl(['-n', namespace, 'delete', '-f', EXAMPLE]);
  await eventually('every member pod gone', async () => (await memberPods(namespace)).length === 0, 120_000, 500);
});

test('a member\'s container killed inside its pod: the pod stays, restartCount grows, and the operator sees it from the pod watch and restarts the member', async (t) => {
  const c = cluster();
  const namespace = await realNodeNamespace(t, `restart-${Math.random().toString(36).slice(2, 7)}`);
  await installOperator(namespace);
  // An interval far longer than the test: only the pod watch can tell the operator in time.
  c.kubectl(['-n', namespace, 'create', '-f', '-'], example.replace('reconcileInterval: 30s', 'reconcileInterval: 30m'));
  await waitForCluster(namespace, 'example', '3 members ready', ready(3), BOOT_TIMEOUT_MS);

  const victim = (await c.core.readNamespacedPod({ namespace, name: 'rss-example-1' }));
  const restarts = restartsOf(victim);
  killContainer(victim);
  const restarted = await eventually('rss-example-1 restarted in place', async () => {
    const p = await c.core.readNamespacedPod({ namespace, name: 'rss-example-1' });
    return restartsOf(p) > restarts && p.status?.containerStatuses?.[0]?.state?.running ? p : undefined;
  }, 60_000, 250);
  assert.equal(restarted.metadata?.uid, victim.metadata?.uid, 'the same pod');

  // The member's processes went with its container; the operator starts it again as a primary.
  const rss = await waitForCluster(namespace, 'example', 'rss-example-1 a primary again after its restart', (r) => {
    const m = r.status?.memberStatus?.find((x) => x.name === 'rss-example-1');
    return ready(3)(r) && m?.role === 'primary' && (m.podRestarts ?? 0) > restarts;
  }, 120_000);
  assert.equal(rss.status?.memberStatus?.find((x) => x.name === 'rss-example-1')?.podUID, victim.metadata?.uid);
  // The status command answers through the kubelet's exec stream with its own exit code: the original's 0.
  const check = spawnSync(join(c.bin, 'kubectl'), ['--kubeconfig', c.kubeconfigPath, '-n', namespace, 'exec', 'rss-example-1', '--', '/check.sh'], { encoding: 'utf8' });
  assert.equal(check.status, 0, `kubectl exec rss-example-1 -- /check.sh exited ${check.status}: ${check.stderr}`);
});
