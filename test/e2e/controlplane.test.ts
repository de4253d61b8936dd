// The local control plane itself: fake nodes, StatefulSet pods, and `exec` as the operator will use it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { NODE_COUNT } from '../../controlplane/localcluster.ts';
import { PodExecutor } from '../../src/kube/exec.ts';
import { cluster, eventually, isPodReady, testNamespace } from '../support/cluster.ts';

interface NodeList {
  items: { metadata: { name: string }; status: { conditions: { type: string; status: string }[] } }[];
}

test('kubectl get nodes shows every kwok node Ready', () => {
  const nodes = JSON.parse(cluster().kubectl(['get', 'nodes', '-o', 'json'])) as NodeList;
  assert.equal(nodes.items.length, NODE_COUNT);
  for (const node of nodes.items) {
    const ready = node.status.conditions.find((c) => c.type === 'Ready');
    assert.equal(ready?.status, 'True', `${node.metadata.name} is not Ready`);
  }
});

async function statefulSet(namespace: string, name: string, replicas: number): Promise<void> {
  await cluster().apps.createNamespacedStatefulSet({
    namespace,
    body: {
      metadata: { name },
      spec: {
        replicas,
        serviceName: name,
        podManagementPolicy: 'Parallel',
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: { containers: [{ name: 'main', image: 'local/none', env: [{ name: 'GREETING', value: 'hello' }] }] },
        },
      },
    },
  });
}

test('a StatefulSet’s pods are scheduled, Running and Ready; a deleted pod is recreated', async (t) => {
  const c = cluster();
  const namespace = await testNamespace(t, 'cp-sts');
  await statefulSet(namespace, 'web', 3);
  const pods = await eventually('3 Ready pods', async () => {
    const list = await c.core.listNamespacedPod({ namespace });
    return list.items.length === 3 && list.items.every(isPodReady) ? list.items : undefined;
  });
  for (const pod of pods) assert.match(pod.spec?.nodeName ?? '', /^kwok-node-\d+$/);
  for (const pod of pods) assert.match(pod.status?.podIP ?? '', /^127\./, 'pod IPs come from a loopback range');

  const victim = pods.find((p) => p.metadata?.name === 'web-1')!;
  await c.core.deleteNamespacedPod({ namespace, name: 'web-1' });
  const replacement = await eventually('web-1 recreated and Ready', async () => {
    const pod = await c.core.readNamespacedPod({ namespace, name: 'web-1' });
    return pod.metadata?.uid !== victim.metadata?.uid && isPodReady(pod) ? pod : undefined;
  });
  assert.notEqual(replacement.metadata?.uid, victim.metadata?.uid);

  // A Service over pods with loopback addresses: no FailedToUpdateEndpointSlices noise in the namespace
  // (the local control plane runs no EndpointSlice controller; nothing would read the slices).
  await c.core.createNamespacedService({ namespace, body: { metadata: { name: 'web' }, spec: { clusterIP: 'None', selector: { app: 'web' }, ports: [{ port: 80 }] } } });
  await new Promise((r) => setTimeout(r, 3000));
  const noise = (await c.core.listNamespacedEvent({ namespace })).items.filter((e) => /EndpointSlice|Endpoints/.test(e.reason ?? ''));
  assert.deepEqual(noise.map((e) => `${e.reason}: ${e.message}`), [], 'no EndpointSlice events');
});

test('exec runs a local command in the pod’s own working directory, with its environment and exit code', async (t) => {
  const c = cluster();
  const namespace = await testNamespace(t, 'cp-exec');
  await statefulSet(namespace, 'app', 2);
  await eventually('2 Ready pods', async () => {
    const list = await c.core.listNamespacedPod({ namespace });
    return list.items.length === 2 && list.items.every(isPodReady);
  });

  // kubectl exec, as a person would use it.
  for (const pod of ['app-0', 'app-1']) {
    const out = c.kubectl(['exec', '-n', namespace, pod, '--', 'sh', '-c', 'pwd; echo "$POD_NAME $POD_NAMESPACE $GREETING"']);
    const [cwd, env] = out.trim().split('\n');
    assert.equal(cwd, c.podDir(namespace, pod), 'each pod has its own working directory');
    assert.equal(env, `${pod} ${namespace} hello`);
  }
  const failed = spawnSync(join(c.bin, 'kubectl'), ['--kubeconfig', c.kubeconfigPath, 'exec', '-n', namespace, 'app-0', '--', 'sh', '-c', 'exit 7'], { encoding: 'utf8' });
  assert.notEqual(failed.status, 0, 'kubectl exec reports a failing command');
  assert.match(failed.stderr, /exit (status|code:?) 7/);

  // The operator's exec runner: stdout, stderr and the exit codes its contract rests on.
  const executor = new PodExecutor(c.kubeConfig);
  for (const code of [0, 7, 8, 1]) {
    const outcome = await executor.run({
      namespace,
      pod: 'app-1',
      container: 'main',
      argv: ['sh', '-c', `echo "out $POD_NAME"; echo "err $0" >&2; exit ${code}`, 'arg0'],
      timeoutMs: 10_000,
    });
    assert.deepEqual(
      { exitCode: outcome.exitCode, timedOut: outcome.timedOut, stdout: outcome.stdout, stderr: outcome.stderr, error: outcome.error },
      { exitCode: code, timedOut: false, stdout: 'out app-1\n', stderr: 'err arg0\n', error: undefined },
    );
  }

  // State written by one exec is there for the next one in the same pod, and not in the other pod.
  await executor.run({ namespace, pod: 'app-0', container: 'main', argv: ['sh', '-c', 'echo 42 > state'], timeoutMs: 10_000 });
  const same = await executor.run({ namespace, pod: 'app-0', container: 'main', argv: ['cat', 'state'], timeoutMs: 10_000 });
  const other = await executor.run({ namespace, pod: 'app-1', container: 'main', argv: ['cat', 'state'], timeoutMs: 10_000 });
  assert.equal(same.stdout, '42\n');
  assert.notEqual(other.exitCode, 0);

  const hung = await executor.run({ namespace, pod: 'app-0', container: 'main', argv: ['sleep', '30'], timeoutMs: 500 });
  assert.equal(hung.timedOut, true);
  assert.equal(hung.exitCode, null);

  const missing = await executor.run({ namespace, pod: 'no-such-pod', container: 'main', argv: ['true'], timeoutMs: 10_000 });
  assert.equal(missing.exitCode, null);
  assert.match(missing.error ?? '', /no-such-pod|not found/);
});
