// Bad input gets a clear answer naming the field or the member, loses nothing, and does not disturb a
// healthy cluster next to it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import type { ReplicatedStatefulSet } from '../../src/api/types.ts';
import { cluster, eventually, testNamespace } from '../support/cluster.ts';
import { clusterEvents, createCluster, getCluster, loadManifest, startOperator, waitForCluster } from '../support/operator.ts';

function example(name: string, edit: (rss: ReplicatedStatefulSet & { spec: Record<string, unknown> }) => void): string {
  const rss = loadManifest('examples/dummy/cluster.yaml') as ReplicatedStatefulSet & { spec: Record<string, unknown> };
  rss.metadata.name = name;
  edit(rss);
  return stringify(rss);
}

function kubectlApply(namespace: string, manifest: string): { status: number | null; stderr: string } {
  const c = cluster();
  const r = spawnSync(join(c.bin, 'kubectl'), ['--kubeconfig', c.kubeconfigPath, '-n', namespace, 'apply', '-f', '-'], { input: manifest, encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

const allPrimaries = (rss: ReplicatedStatefulSet) => (rss.status?.members?.primary?.length ?? 0) === 3 && rss.status?.phase === 'Running';

test('bad input: rejected by the API server with the field path, or reported in SpecValid and an Event; the healthy cluster keeps working', async (t) => {
  const c = cluster();
  const namespace = await testNamespace(t, 'badinput');
  startOperator(t, namespace);
  await createCluster(namespace, loadManifest('examples/dummy/cluster.yaml'));
  await waitForCluster(namespace, 'example', 'the healthy cluster', allPrimaries);

  // What the schema can reject, the API server rejects, naming the field.
  const rejected: [string, (rss: ReplicatedStatefulSet & { spec: Record<string, unknown> }) => void, RegExp][] = [
    ['missing status command', (r) => delete r.spec.pod.commands.status, /spec\.pod\.commands\.status: Required value/],
    ['negative replicas', (r) => (r.spec.replicas = -1), /spec\.replicas: Invalid value: -1/],
    ['unparsable interval', (r) => (r.spec.reconcileInterval = 'every so often'), /spec\.reconcileInterval: Invalid value: "every so often"/],
    ['unparsable timeout', (r) => (r.spec.pod.commands.stop!.timeout = '10 minutes'), /spec\.pod\.commands\.stop\.timeout: Invalid value/],
    ['no containers', (r) => (r.spec.pod.containers = []), /spec\.pod\.containers: Invalid value: \d+: spec\.pod\.containers in body should have at least 1 items/],
    ['empty command', (r) => (r.spec.pod.commands.sequence = { command: [] }), /spec\.pod\.commands\.sequence\.command: Invalid value: \d+: .*at least 1 items/],
    ['a typo', (r) => (r.spec.replcias = 3), /unknown field "spec\.replcias"/],
    ['a hundred thousand replicas', (r) => (r.spec.replicas = 100_000), /spec\.replicas: Invalid value: 100000: spec\.replicas in body should be less than or equal to 1000/],
    ['replicas as words', (r) => ((r.spec as Record<string, unknown>)['replicas'] = 'three'), /spec\.replicas: Invalid value: "string"/],
    ['negative primaries', (r) => (r.spec.primaries = -1), /spec\.primaries: Invalid value: -1/],
    ['a failure threshold of 0', (r) => (r.spec.failureThreshold = 0), /spec\.failureThreshold: Invalid value: 0/],
    ['a command as a string', (r) => ((r.spec.pod.commands.stop as unknown as { command: unknown }).command = '/stop.sh'), /spec\.pod\.commands\.stop\.command: Invalid value: "string"/],
    ['no pod', (r) => delete (r.spec as Record<string, unknown>)['pod'], /spec\.pod: Required value/],
    ['a negative interval', (r) => (r.spec.reconcileInterval = '-5s'), /spec\.reconcileInterval: Invalid value: "-5s"/],
    ['an unparsable sequence interval', (r) => (r.spec.sequenceInterval = 'soon'), /spec\.sequenceInterval: Invalid value: "soon"/],
    ['an unknown backup target', (r) => (r.spec.backup = { storage: { s3: { bucket: 'b', credentials: { accessKeyId: { name: 's', key: 'k' }, secretAccessKey: { name: 's', key: 'k' } } } }, target: 'any' as never }), /spec\.backup\.target: Unsupported value: "any"/],
    ['backup storage without a bucket', (r) => (r.spec.backup = { storage: { s3: { credentials: { accessKeyId: { name: 's', key: 'k' }, secretAccessKey: { name: 's', key: 'k' } } } } } as never), /spec\.backup\.storage\.s3\.bucket: Required value/],
    ['backup credentials without a key', (r) => (r.spec.backup = { storage: { s3: { bucket: 'b', credentials: { accessKeyId: { name: 's' }, secretAccessKey: { name: 's', key: 'k' } } } } } as never), /spec\.backup\.storage\.s3\.credentials\.accessKeyId\.key: Required value/],
    ['a bootstrap without a source', (r) => (r.spec.bootstrap = {} as never), /spec\.bootstrap\.backup: Required value/],
  ];
  for (const [what, edit, message] of rejected) {
    const result = kubectlApply(namespace, example('bad', edit));
    assert.notEqual(result.status, 0, `${what}: rejected`);
    assert.match(result.stderr, message, `${what}: names the field`);
  }
  await assert.rejects(getCluster(namespace, 'bad'), 'nothing was stored');

  // What only the operator can judge: SpecValid=False with the field, an Event, and no action taken.
  const semantic: [string, (rss: ReplicatedStatefulSet & { spec: Record<string, unknown> }) => void, RegExp][] = [
    ['zero timeout', (r) => (r.spec.pod.commands.status!.timeout = '0s'), /spec\.pod\.commands\.status\.timeout/],
    ['primaries without a secondary command', (r) => (r.spec.primaries = 1), /spec\.primaries.*secondary/],
    ['more replicas than the operator allows', (r) => (r.spec.replicas = 150), /spec\.replicas: is 150, above this operator's limit of 100 members.*--max-replicas 150/],
    ['a bootstrap from a backup without a restore command', (r) => { r.spec.backup = { storage: { s3: { bucket: 'b', credentials: { accessKeyId: { name: 's', key: 'k' }, secretAccessKey: { name: 's', key: 'k' } } } } }; r.spec.bootstrap = { backup: { name: 'nightly' } }; }, /spec\.bootstrap: a restore needs the restore command/],
    ['a bootstrap from a backup without storage', (r) => { r.spec.pod.commands.restore = { command: ['rss-dummy', 'restore'] }; r.spec.bootstrap = { backup: { name: 'nightly' } }; }, /spec\.bootstrap: a restore needs spec\.backup\.storage/],
    ['a bootstrap naming a Backup and an object', (r) => { r.spec.backup = { storage: { s3: { bucket: 'b', credentials: { accessKeyId: { name: 's', key: 'k' }, secretAccessKey: { name: 's', key: 'k' } } } } }; r.spec.pod.commands.restore = { command: ['rss-dummy', 'restore'] }; r.spec.bootstrap = { backup: { name: 'nightly', objectKey: 'k' } }; }, /spec\.bootstrap\.backup: give either name or objectKey, not both/],
    ['a storage endpoint that is not a URL', (r) => { r.spec.backup = { storage: { s3: { ...{ storage: { s3: { bucket: 'b', credentials: { accessKeyId: { name: 's', key: 'k' }, secretAccessKey: { name: 's', key: 'k' } } } } }.storage.s3, endpoint: 'ftp://storage' } } }; }, /spec\.backup\.storage\.s3\.endpoint: must be a URL/],
    ['restore on data loss without a restore command', (r) => { r.spec.backup = { ...{ storage: { s3: { bucket: 'b', credentials: { accessKeyId: { name: 's', key: 'k' }, secretAccessKey: { name: 's', key: 'k' } } } } }, restoreOnDataLoss: true }; }, /spec\.backup\.restoreOnDataLoss: a restore needs the restore command/],
    ['a seed override naming no member', (r) => { r.metadata.annotations = { 'rss.clusterlabs.org/seed-override': 'db-7' }; }, /seed-override.*names "db-7", which is not a member/],
  ];
  for (const [i, [what, edit, message]] of semantic.entries()) {
    const name = `semantic-${i}`;
    assert.equal(kubectlApply(namespace, example(name, edit)).status, 0, `${what}: accepted by the schema`);
    const rss = await waitForCluster(namespace, name, `${what}: SpecValid=False`, (r) => r.status?.conditions?.some((x) => x.type === 'SpecValid' && x.status === 'False') ?? false);
    const condition = rss.status!.conditions!.find((x) => x.type === 'SpecValid')!;
    assert.match(condition.message, message, `${what}: the condition names the field`);
    assert.equal(rss.status?.phase, 'Invalid');
    const events = await eventually(`${what}: an InvalidSpec event`, async () => {
      const list = await clusterEvents(namespace, name);
      return list.some((e) => e.reason === 'InvalidSpec') ? list : undefined;
    });
    assert.match(events.find((e) => e.reason === 'InvalidSpec')!.message, message);
    await assert.rejects(c.apps.readNamespacedStatefulSet({ namespace, name: `rss-${name}` }), `${what}: nothing was created`);
  }
  // Fixing the spec lets the operator act.
  c.kubectl(['-n', namespace, 'patch', 'rss/semantic-0', '--type=json', '-p', '[{"op":"replace","path":"/spec/pod/commands/status/timeout","value":"5s"}]']);
  await waitForCluster(namespace, 'semantic-0', 'semantic-0 runs once fixed', allPrimaries);

  // Honoured as asked, with a warning: 1–2 members cannot keep a majority.
  assert.equal(kubectlApply(namespace, example('single', (r) => (r.spec.replicas = 1))).status, 0);
  const single = await waitForCluster(namespace, 'single', 'a single member running', (r) => r.status?.phase === 'Running' && (r.status?.members?.primary?.length ?? 0) === 1);
  assert.equal((await c.apps.readNamespacedStatefulSet({ namespace, name: 'rss-single' })).spec?.replicas, 1, 'not silently raised to 3');
  assert.match(single.status!.conditions!.find((x) => x.type === 'SpecValid')!.message, /spec\.replicas.*majority/);
  await eventually('a warning event about the majority', async () => (await clusterEvents(namespace, 'single')).some((e) => e.type === 'Warning' && /majority/.test(e.message)));

  // Commands that misbehave at run time: named in Events and in the Degraded condition.
  const misbehaving: [string, string, RegExp][] = [
    ['hang', 'hangs past its timeout', /timed out/],
    ['exit 3', 'exits with an unexpected code', /exit(ed with)? (code )?3/],
  ];
  for (const [i, [fault, what, message]] of misbehaving.entries()) {
    const name = `flaky-${i}`;
    assert.equal(kubectlApply(namespace, example(name, (r) => {
      r.spec.reconcileInterval = '2s';
      r.spec.pod.commands.status!.timeout = '1s';
    })).status, 0);
    await waitForCluster(namespace, name, `${name} running`, allPrimaries);
    // A member starts misbehaving once the cluster runs.
    const faults = join(c.podDir(namespace, `rss-${name}-1`), 'faults');
    mkdirSync(faults, { recursive: true });
    writeFileSync(join(faults, 'status'), `${fault}\n`);
    const events = await eventually(`status that ${what}: a MemberFailed event naming the member`, async () => {
      const list = await clusterEvents(namespace, name);
      return list.find((e) => e.reason === 'MemberFailed' && e.message.includes(`rss-${name}-1`));
    }, 60_000);
    assert.match(events.message, message);
    const rss = await waitForCluster(namespace, name, 'Degraded names the member', (r) => r.status?.conditions?.some((x) => x.type === 'Degraded' && x.status === 'True' && x.message.includes(`rss-${name}-1`)) ?? false);
    assert.deepEqual(rss.status?.members?.primary, [`rss-${name}-0`, `rss-${name}-2`], 'the other members keep running');
  }

  // A status command that is not there: the member fails (exit 127, saying so), and the status describes
  // the pods as they are — three pods, none missing — not what was last known.
  assert.equal(kubectlApply(namespace, example('no-status', (r) => {
    r.spec.reconcileInterval = '2s';
    r.spec.pod.commands.status = { command: ['no-such-status-command'] };
  })).status, 0);
  const failing = await waitForCluster(namespace, 'no-status', 'the missing program named in Degraded, with every pod counted', (r) =>
    r.status?.replicas === 3 && (r.status?.conditions?.some((x) => x.type === 'Degraded' && /no-such-status-command.*executable file not found/.test(x.message)) ?? false));
  assert.ok(!JSON.stringify(failing.status?.conditions).includes('pod Missing'), 'no member reported Missing while its pod runs');
  await eventually('a MemberFailed event naming the program', async () => (await clusterEvents(namespace, 'no-status')).some((e) => e.reason === 'MemberFailed' && /status exited with code 127: the program could not be started/.test(e.message)));

  // The healthy cluster was never disturbed, and still recovers a lost member.
  const healthy = await getCluster(namespace, 'example');
  assert.ok(allPrimaries(healthy));
  await c.core.deleteNamespacedPod({ namespace, name: 'rss-example-0' });
  await waitForCluster(namespace, 'example', 'the healthy cluster recovers', (r) => allPrimaries(r) && r.status?.memberStatus?.find((m) => m.name === 'rss-example-0')?.role === 'primary' && (r.status?.replicas ?? 0) === 3);
});
