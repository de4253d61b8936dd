// MariaDB Galera in real containers (the image controlplane/build-images.sh builds from Debian's packages and
// examples/galera), run by the operator installed with its Helm chart: bootstrap, a member's container killed
// under writes (the kubelet restarts it in place; its data directory, an emptyDir, stays), and lights-out
// (every member's container killed at once). No acknowledged row is lost. Every SQL statement of the test
// goes through `kubectl exec`, hence through a kubelet's exec stream, as the operator's commands do.
//
// The members use their nodes' network (pod.hostNetwork): the real nodes are this one machine, so the agent's
// loopback addressing (ports derived from the namespace, the cluster and the ordinal) applies unchanged.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import type { ReplicatedStatefulSet } from '../../src/api/types.ts';
import { cluster, eventually } from '../support/cluster.ts';
import { ids, membersOf, podOf, primaries, seconds, startWriter, type SqlRunner } from '../support/galera.ts';
import { createCluster, getCluster, loadManifest, waitForCluster } from '../support/operator.ts';
import { installOperator, killContainer, realNodeNamespace, restartsOf } from '../support/real-node.ts';

const run = promisify(execFile);
const NAME = 'galera';
const MEMBERS = membersOf(NAME);
const BOOT_TIMEOUT_MS = 300_000;

/** SQL as the image's mysql user (unix_socket authentication), through `kubectl exec` in the member's container. */
const execSql: SqlRunner = async (namespace, pod, query, timeoutMs = 20_000) => {
  const c = cluster();
  const { stdout } = await run(join(c.bin, 'kubectl'), [
    '--kubeconfig', c.kubeconfigPath, '-n', namespace, 'exec', pod, '-c', 'galera', '--',
    'mariadb', '--no-defaults', '-umysql', '--socket=/var/lib/galera/run/mysqld.sock', '--connect-timeout=5', '-N', '-B', '-e', query,
  ], { timeout: timeoutMs });
  return stdout.split('\n').filter(Boolean).map((line) => line.split('\t'));
};

/** examples/galera/cluster.yaml with the locally built image, on the nodes' network, its data in an emptyDir. */
function manifest(): ReplicatedStatefulSet {
  const m = loadManifest('examples/galera/cluster.yaml');
  m.metadata.name = NAME;
  m.spec.pod.hostNetwork = true;
  m.spec.pod.volumes = [{ name: 'data', emptyDir: {} }];
  const container = m.spec.pod.containers[0]!;
  container.image = 'localhost/rss/galera:local';
  container.imagePullPolicy = 'Always';
  container.env = [{ name: 'GALERA_NETWORK', value: 'loopback' }];
  container.volumeMounts = [{ name: 'data', mountPath: '/var/lib/galera' }];
  return m;
}

test('Galera in real containers: bootstrap, a member\'s container killed under writes, lights-out; no acknowledged row lost', async (t) => {
  const c = cluster();
  const namespace = await realNodeNamespace(t, `galera-${Math.random().toString(36).slice(2, 7)}`);
  await installOperator(namespace);
  let since = Date.now();
  await createCluster(namespace, manifest());
  await waitForCluster(namespace, NAME, '3 Galera members running', primaries(3), BOOT_TIMEOUT_MS);
  t.diagnostic(`bootstrap of 3 members in real containers: ${seconds(since)}`);
  await execSql(namespace, podOf(NAME, 0), 'CREATE DATABASE rss; CREATE TABLE rss.acked (id INT PRIMARY KEY, via VARCHAR(32))');

  const writer = startWriter(namespace, podOf(NAME, 0), execSql);
  t.after(() => writer.stop());
  await writer.waitFor(10);

  // A member's container killed under writes: the pod stays, the kubelet restarts the container, the
  // operator sees the restart and starts the member again; it rejoins from its own data directory.
  const victim = await c.core.readNamespacedPod({ namespace, name: podOf(NAME, 1) });
  since = Date.now();
  killContainer(victim);
  await waitForCluster(namespace, NAME, `${podOf(NAME, 1)} back after its container restarted`, (r) => {
    const m = r.status?.memberStatus?.find((x) => x.name === podOf(NAME, 1));
    return primaries(3)(r) && (m?.podRestarts ?? 0) > restartsOf(victim);
  }, BOOT_TIMEOUT_MS);
  const restarted = await c.core.readNamespacedPod({ namespace, name: podOf(NAME, 1) });
  assert.equal(restarted.metadata?.uid, victim.metadata?.uid, 'the same pod');
  t.diagnostic(`container killed → member running again: ${seconds(since)}`);
  await writer.waitFor(10);

  // Lights-out: every member's container at once.
  const pods = await Promise.all(MEMBERS.map((name) => c.core.readNamespacedPod({ namespace, name })));
  since = Date.now();
  for (const pod of pods) killContainer(pod);
  await waitForCluster(namespace, NAME, '3 members running again after lights-out', (r) =>
    primaries(3)(r) && MEMBERS.every((name, i) => (r.status?.memberStatus?.find((x) => x.name === name)?.podRestarts ?? 0) > restartsOf(pods[i]!)), BOOT_TIMEOUT_MS);
  const after = await getCluster(namespace, NAME);
  t.diagnostic(`lights-out → 3 members running: ${seconds(since)}; seeded ${after.status?.lastBootstrap?.pod} at sequence ${after.status?.lastBootstrap?.sequence}`);
  await writer.waitFor(10);
  await writer.stop();

  // Every acknowledged row is on every member.
  const acked = [...writer.acked.keys()];
  assert.ok(acked.length >= 30, `rows acknowledged: ${acked.length}`);
  for (const member of MEMBERS) {
    const have = await eventually(`${member} answers`, () => ids(namespace, member, execSql).catch(() => undefined), 60_000, 1000);
    const lost = acked.filter((id) => !have.has(id));
    assert.deepEqual(lost, [], `${member} holds every acknowledged row (${acked.length}; ${writer.failures()} inserts failed while members were down)`);
  }
});
