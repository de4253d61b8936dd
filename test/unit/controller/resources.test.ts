import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { resolveSpec, type ResolvedSpec } from '../../../src/api/spec.ts';
import type { ReplicatedStatefulSet } from '../../../src/api/types.ts';
import { appliedHash, buildService, buildStatefulSet } from '../../../src/controller/resources.ts';

function example(edit: (rss: ReplicatedStatefulSet) => void = () => undefined): { rss: ReplicatedStatefulSet; spec: ResolvedSpec } {
  const rss = parse(readFileSync(new URL('../../../examples/dummy/cluster.yaml', import.meta.url), 'utf8')) as ReplicatedStatefulSet;
  rss.metadata = { ...rss.metadata, namespace: 'ns', uid: 'uid-1' };
  edit(rss);
  const resolved = resolveSpec(rss);
  assert.ok(resolved.ok, JSON.stringify(!resolved.ok && resolved.problems));
  return { rss, spec: resolved.spec };
}

test('the StatefulSet: names, policies, owner, env, and an anti-affinity selector that matches its own pods', () => {
  const { rss, spec } = example();
  const sts = buildStatefulSet(rss, spec, 3);
  assert.equal(sts.metadata?.name, 'rss-example');
  assert.equal(sts.spec?.serviceName, 'example-svc');
  assert.equal(sts.spec?.podManagementPolicy, 'Parallel');
  assert.equal(sts.spec?.updateStrategy?.type, 'OnDelete');
  assert.deepEqual(sts.metadata?.ownerReferences, [{ apiVersion: 'clusterlabs.org/v1alpha1', kind: 'ReplicatedStatefulSet', name: 'example', uid: 'uid-1', controller: true, blockOwnerDeletion: true }]);
  const podLabels = sts.spec!.template.metadata!.labels!;
  assert.deepEqual(sts.spec?.selector.matchLabels, podLabels);
  const term = sts.spec!.template.spec!.affinity!.podAntiAffinity!.requiredDuringSchedulingIgnoredDuringExecution![0]!;
  assert.equal(term.topologyKey, 'kubernetes.io/hostname');
  for (const [k, v] of Object.entries(term.labelSelector!.matchLabels!)) assert.equal(podLabels[k], v, `anti-affinity selector ${k}=${v} matches the pods`);
  const env = sts.spec!.template.spec!.containers[0]!.env!;
  assert.deepEqual(env.map((e) => e.name).slice(0, 3), ['POD_NAME', 'POD_NAMESPACE', 'SERVICE_NAME']);
  assert.equal(env[2]!.value, 'example-svc');
});

test('no anti-affinity unless asked; secrets are mounted read-only', () => {
  const { rss, spec } = example((r) => {
    r.spec.pod.antiAffinity = false;
    r.spec.secrets = ['db-credentials'];
  });
  const sts = buildStatefulSet(rss, spec, 3);
  assert.equal(sts.spec!.template.spec!.affinity, undefined);
  assert.deepEqual(sts.spec!.template.spec!.volumes, [{ name: 'rss-secret-db-credentials', secret: { secretName: 'db-credentials' } }]);
  assert.deepEqual(sts.spec!.template.spec!.containers[0]!.volumeMounts, [{ name: 'rss-secret-db-credentials', mountPath: '/etc/rss/secrets/db-credentials', readOnly: true }]);
});

test('pod.hostNetwork puts the members on their node\'s network, with cluster DNS still resolving; off by default', () => {
  const off = example();
  const offPod = buildStatefulSet(off.rss, off.spec, 3).spec!.template.spec!;
  assert.equal(offPod.hostNetwork, undefined);
  assert.equal(offPod.dnsPolicy, undefined);
  const on = example((r) => (r.spec.pod.hostNetwork = true));
  const onPod = buildStatefulSet(on.rss, on.spec, 3).spec!.template.spec!;
  assert.equal(onPod.hostNetwork, true);
  assert.equal(onPod.dnsPolicy, 'ClusterFirstWithHostNet');
});

test('the applied hash changes with the template and the size, not otherwise', () => {
  const a = example();
  const b = example();
  assert.equal(appliedHash(buildStatefulSet(a.rss, a.spec, 3)), appliedHash(buildStatefulSet(b.rss, b.spec, 3)));
  assert.notEqual(appliedHash(buildStatefulSet(a.rss, a.spec, 3)), appliedHash(buildStatefulSet(a.rss, a.spec, 4)));
  const c = example((r) => (r.spec.pod.containers[0]!.image = 'rss-operator/dummy:2'));
  assert.notEqual(appliedHash(buildStatefulSet(a.rss, a.spec, 3)), appliedHash(buildStatefulSet(c.rss, c.spec, 3)));
});

test('the headless Service publishes not-ready members and is owned by the RSS', () => {
  const { rss, spec } = example((r) => (r.spec.servicePorts = [{ name: 'db', port: 3306 }]));
  const svc = buildService(rss, spec);
  assert.equal(svc.metadata?.name, 'example-svc');
  assert.equal(svc.spec?.clusterIP, 'None');
  assert.equal(svc.spec?.publishNotReadyAddresses, true);
  assert.deepEqual(svc.spec?.ports, [{ name: 'db', port: 3306 }]);
  assert.equal(svc.metadata?.ownerReferences?.[0]?.uid, 'uid-1');
});
