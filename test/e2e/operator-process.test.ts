// The operator process: leader election between two replicas, and its health and metrics endpoints.
import { CoordinationV1Api } from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ReplicatedStatefulSet } from '../../src/api/types.ts';
import { cluster, eventually, testNamespace } from '../support/cluster.ts';
import { commandsRan, createCluster, loadManifest, startOperator, waitForCluster } from '../support/operator.ts';

const allPrimaries = (rss: ReplicatedStatefulSet) => (rss.status?.members?.primary?.length ?? 0) === 3 && rss.status?.phase === 'Running';

test('leader election: of two operators only the leader acts; when it dies the other takes over within the lease', async (t) => {
  const c = cluster();
  const namespace = await testNamespace(t, 'leader');
  const a = startOperator(t, namespace, ['--identity', 'operator-a']);
  await eventually('operator-a leads', () => a.log().includes('became the leader'));
  const b = startOperator(t, namespace, ['--identity', 'operator-b']);
  await eventually('operator-b has synced its caches', () => b.log().includes('caches synced'));

  await createCluster(namespace, loadManifest('examples/dummy/cluster.yaml'));
  await waitForCluster(namespace, 'example', '3 primaries', allPrimaries);
  const coordination = c.kubeConfig.makeApiClient(CoordinationV1Api);
  assert.equal((await coordination.readNamespacedLease({ namespace, name: 'rss-operator' })).spec?.holderIdentity, 'operator-a');
  assert.doesNotMatch(b.log(), /running (seed|primary|stop)/, 'the follower ran no command');
  assert.doesNotMatch(b.log(), /became the leader/);

  const killed = Date.now();
  await a.stop('SIGKILL');
  await eventually('operator-b takes over', () => b.log().includes('became the leader'), 20_000);
  const tookOver = Date.now() - killed;
  t.diagnostic(`leader killed → follower leading: ${tookOver} ms (lease 6 s)`);
  // The follower waits a whole lease duration (6 s) from the last renewal it saw, checking every retry period (0.8 s).
  assert.ok(tookOver < 6000 + 2 * 800 + 1400, `took over in ${tookOver} ms`);

  // And the new leader acts.
  const before = commandsRan(namespace, 'rss-example-1').filter((x) => x.verb === 'primary').length;
  await c.core.deleteNamespacedPod({ namespace, name: 'rss-example-1' });
  await eventually('rss-example-1 rejoined under operator-b', () => commandsRan(namespace, 'rss-example-1').filter((x) => x.verb === 'primary').length === before + 1, 30_000);
  await waitForCluster(namespace, 'example', '3 primaries again', allPrimaries);
});

test('health and metrics endpoints', async (t) => {
  const namespace = await testNamespace(t, 'metrics');
  const operator = startOperator(t, namespace);
  const port = await operator.port();
  await createCluster(namespace, loadManifest('examples/dummy/cluster.yaml'));
  await waitForCluster(namespace, 'example', '3 primaries', allPrimaries);
  assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
  assert.equal((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 200);
  const metrics = await eventually('member gauges', async () => {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    return /rss_members\{role="primary"\} 3/.test(text) ? text : undefined;
  });
  assert.match(metrics, /rss_clusters\{phase="Running"\} 1/);
  assert.match(metrics, /rss_command_duration_seconds_count\{command="status",result="8"\} [1-9]/);
  assert.match(metrics, /rss_reconcile_duration_seconds_count [1-9]/);
  assert.match(metrics, /rss_operator_leader 1/);
  assert.equal(await operator.stop('SIGTERM'), 0);
});

test('one operator watches a list of namespaces', async (t) => {
  const first = await testNamespace(t, 'multi-a');
  const second = await testNamespace(t, 'multi-b');
  startOperator(t, first, ['--namespace', `${first},${second}`]);
  await createCluster(first, loadManifest('examples/dummy/cluster.yaml'));
  await createCluster(second, loadManifest('examples/dummy/cluster.yaml'));
  await waitForCluster(first, 'example', `3 primaries in ${first}`, allPrimaries);
  await waitForCluster(second, 'example', `3 primaries in ${second}`, allPrimaries);
});

test('SIGTERM ends a long-running command instead of waiting out its timeout', async (t) => {
  const c = cluster();
  const namespace = await testNamespace(t, 'sigterm');
  const faults = join(c.podDir(namespace, 'rss-example-0'), 'faults');
  mkdirSync(faults, { recursive: true });
  writeFileSync(join(faults, 'seed'), 'hang\n'); // the seed would run for its whole 10-minute timeout
  const operator = startOperator(t, namespace);
  await createCluster(namespace, loadManifest('examples/dummy/cluster.yaml'));
  await eventually('the seed to be running', () => commandsRan(namespace, 'rss-example-0').some((x) => x.verb === 'seed'), 60_000);
  const signalled = Date.now();
  assert.equal(await operator.stop('SIGTERM'), 0);
  const took = Date.now() - signalled;
  t.diagnostic(`SIGTERM → exit with a command in flight: ${took} ms`);
  assert.ok(took < 5000, `exited in ${took} ms`);
});
