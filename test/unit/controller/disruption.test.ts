// The PodDisruptionBudget built from a spec, spec.podDisruptionBudget's checks, the member-ready readiness
// gate on the pod template, and what the status says about a drain.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { V1Pod, V1PodDisruptionBudget } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { READINESS_GATE_MEMBER } from '../../../src/api/names.ts';
import { describeProblems, resolveSpec, type ResolvedSpec } from '../../../src/api/spec.ts';
import type { ReplicatedStatefulSet } from '../../../src/api/types.ts';
import { disruptionOf } from '../../../src/controller/disruption.ts';
import { buildPodDisruptionBudget, buildStatefulSet } from '../../../src/controller/resources.ts';
import { buildStatus } from '../../../src/controller/status.ts';
import type { Plan } from '../../../src/engine/types.ts';

function manifest(edit: (rss: ReplicatedStatefulSet) => void = () => undefined): ReplicatedStatefulSet {
  const rss = parse(readFileSync(new URL('../../../examples/dummy/cluster.yaml', import.meta.url), 'utf8')) as ReplicatedStatefulSet;
  rss.metadata = { ...rss.metadata, namespace: 'ns', uid: 'uid-1', generation: 1 };
  edit(rss);
  return rss;
}

function example(edit?: (rss: ReplicatedStatefulSet) => void): { rss: ReplicatedStatefulSet; spec: ResolvedSpec } {
  const rss = manifest(edit);
  const resolved = resolveSpec(rss);
  assert.ok(resolved.ok, JSON.stringify(!resolved.ok && resolved.problems));
  return { rss, spec: resolved.spec };
}

function problems(budget: unknown): string {
  const resolved = resolveSpec(manifest((r) => ((r.spec as unknown as Record<string, unknown>)['podDisruptionBudget'] = budget)));
  assert.ok(!resolved.ok, `${JSON.stringify(budget)} is refused`);
  return describeProblems(resolved.problems);
}

function warnings(budget: unknown): string {
  const { spec } = example((r) => ((r.spec as unknown as Record<string, unknown>)['podDisruptionBudget'] = budget));
  return describeProblems(spec.warnings);
}

describe('the PodDisruptionBudget', () => {
  it('by default: rss-<n>, the members\' selector, maxUnavailable 1, owned by the RSS', () => {
    const { rss, spec } = example();
    const pdb = buildPodDisruptionBudget(rss, spec)!;
    assert.equal(pdb.apiVersion, 'policy/v1');
    assert.equal(pdb.kind, 'PodDisruptionBudget');
    assert.equal(pdb.metadata?.name, 'rss-example');
    assert.equal(pdb.metadata?.namespace, 'ns');
    assert.deepEqual(pdb.spec?.selector?.matchLabels, buildStatefulSet(rss, spec, 3).spec!.template.metadata!.labels);
    assert.equal(pdb.spec?.maxUnavailable, 1);
    assert.equal(pdb.spec?.minAvailable, undefined);
    assert.equal(pdb.spec?.unhealthyPodEvictionPolicy, 'AlwaysAllow');
    assert.deepEqual(pdb.metadata?.ownerReferences, [{ apiVersion: 'clusterlabs.org/v1alpha1', kind: 'ReplicatedStatefulSet', name: 'example', uid: 'uid-1', controller: true, blockOwnerDeletion: true }]);
    assert.ok(pdb.metadata?.annotations?.['rss.clusterlabs.org/applied-hash'], 'carries the hash of what was applied');
  });

  it('maxUnavailable or minAvailable as asked, a number or a percentage; none when disabled', () => {
    const pdb = (budget: unknown) => {
      const { rss, spec } = example((r) => ((r.spec as unknown as Record<string, unknown>)['podDisruptionBudget'] = budget));
      return buildPodDisruptionBudget(rss, spec);
    };
    assert.equal(pdb({ maxUnavailable: 2 })?.spec?.maxUnavailable, 2);
    assert.equal(pdb({ maxUnavailable: '34%' })?.spec?.maxUnavailable, '34%');
    const min = pdb({ minAvailable: 2 })!;
    assert.equal(min.spec?.minAvailable, 2);
    assert.equal(min.spec?.maxUnavailable, undefined);
    assert.equal(pdb({ enabled: true })?.spec?.maxUnavailable, 1);
    assert.equal(pdb({ enabled: false }), undefined);
    assert.equal(pdb({ enabled: false, maxUnavailable: 2 }), undefined);
  });

  it('member pods carry the member-ready readiness gate', () => {
    const { rss, spec } = example();
    assert.deepEqual(buildStatefulSet(rss, spec, 3).spec!.template.spec!.readinessGates, [{ conditionType: READINESS_GATE_MEMBER }]);
  });
});

describe('spec.podDisruptionBudget', () => {
  it('refuses what a PodDisruptionBudget cannot take, naming the field', () => {
    assert.match(problems('yes'), /^spec\.podDisruptionBudget: must be an object/);
    assert.match(problems({ maxUnavailable: -1 }), /^spec\.podDisruptionBudget\.maxUnavailable: must be a whole number of pods \(0 or more\) or a percentage from "0%" to "100%", got -1/);
    assert.match(problems({ maxUnavailable: 1.5 }), /spec\.podDisruptionBudget\.maxUnavailable: must be/);
    assert.match(problems({ maxUnavailable: '150%' }), /spec\.podDisruptionBudget\.maxUnavailable: must be/);
    assert.match(problems({ minAvailable: 'two' }), /spec\.podDisruptionBudget\.minAvailable: must be/);
    assert.match(problems({ maxUnavailable: 1, minAvailable: 2 }), /spec\.podDisruptionBudget: set maxUnavailable or minAvailable, not both/);
    assert.match(problems({ enabled: 'no' }), /spec\.podDisruptionBudget\.enabled: must be true or false/);
    assert.match(problems({ maxUnavailble: 1 }), /spec\.podDisruptionBudget\.maxUnavailble: unknown field/);
  });

  it('warns where a drain would wait for ever, or could take several members', () => {
    assert.match(warnings({ maxUnavailable: 0 }), /maxUnavailable: is 0: no member can ever be evicted/);
    assert.match(warnings({ minAvailable: 3 }), /minAvailable: is 3: no member can ever be evicted/);
    assert.match(warnings({ minAvailable: '100%' }), /no member can ever be evicted/);
    assert.match(warnings({ maxUnavailable: 2 }), /a drain may take 2 members at once/);
    assert.equal(warnings({ maxUnavailable: 1 }), '');
    assert.equal(warnings({ minAvailable: 2 }), '');
  });
});

const pod = (name: string, node: string, extra: Partial<V1Pod['status']> = {}): V1Pod => ({
  metadata: { name, uid: `uid-${name}` },
  spec: { nodeName: node, containers: [] },
  status: { phase: 'Running', ...extra },
});
const pdbAllowing = (n: number): V1PodDisruptionBudget => ({ metadata: { generation: 1 }, status: { disruptionsAllowed: n, observedGeneration: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3 } });

describe('the status of a drain', () => {
  const pods = (...list: V1Pod[]) => new Map(list.map((p) => [p.metadata!.name!, p]));
  const everyoneRuns = () => true;

  it('nothing while no member is on a cordoned node or being evicted', () => {
    const d = disruptionOf(pods(pod('rss-a-0', 'n1'), pod('rss-a-1', 'n2')), pdbAllowing(1), () => false, everyoneRuns);
    assert.equal(d.status, null);
    assert.equal(d.condition, undefined);
    assert.equal(d.members.size, 0);
  });

  it('members on a cordoned node, with what the budget allows', () => {
    const d = disruptionOf(pods(pod('rss-a-0', 'n1'), pod('rss-a-1', 'n1'), pod('rss-a-2', 'n2')), pdbAllowing(1), (n) => n === 'n1', everyoneRuns);
    assert.deepEqual(d.status, { nodes: ['n1'], members: ['rss-a-0', 'rss-a-1'], evictionsAllowed: 1, message: 'node n1 cordoned (drain); rss-a-0, rss-a-1 to be evicted (the PodDisruptionBudget allows 1 eviction now)' });
    assert.equal(d.condition?.type, 'Draining');
    assert.equal(d.condition?.reason, 'NodeCordoned');
    assert.equal(d.members.get('rss-a-0'), 'on cordoned node n1: to be evicted');
  });

  it('an eviction blocked by the budget until the evicted member runs again', () => {
    const replacement = pod('rss-a-0', 'n2');
    const d = disruptionOf(pods(replacement, pod('rss-a-1', 'n1'), pod('rss-a-2', 'n3')), pdbAllowing(0), (n) => n === 'n1', (m) => m !== 'rss-a-0');
    assert.equal(d.condition?.reason, 'EvictionBlocked');
    assert.equal(d.status?.evictionsAllowed, 0);
    assert.equal(d.status?.message, 'node n1 cordoned (drain); eviction of rss-a-1 blocked by the PodDisruptionBudget until rss-a-0 runs as member again');
    assert.equal(d.members.get('rss-a-1'), 'on cordoned node n1: to be evicted; eviction blocked by the PodDisruptionBudget');
    assert.equal(d.members.has('rss-a-0'), false);
  });

  it('a member being evicted (DisruptionTarget), even when nodes cannot be read', () => {
    const evicted = pod('rss-a-1', 'n1', { conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI' }] });
    const d = disruptionOf(pods(pod('rss-a-0', 'n1'), evicted), undefined, () => undefined, everyoneRuns);
    assert.deepEqual(d.status, { nodes: [], members: ['rss-a-1'], message: 'rss-a-1 being evicted' });
    assert.equal(d.condition?.reason, 'MemberEvicting');
    assert.equal(d.members.get('rss-a-1'), 'being evicted (EvictionByEvictionAPI)');
  });

  it('a budget that has not seen its current spec yet says nothing of what it allows', () => {
    const stale: V1PodDisruptionBudget = { metadata: { generation: 2 }, status: { disruptionsAllowed: 0, observedGeneration: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3 } };
    const d = disruptionOf(pods(pod('rss-a-0', 'n1')), stale, () => true, everyoneRuns);
    assert.equal(d.status?.evictionsAllowed, undefined);
    assert.equal(d.condition?.reason, 'NodeCordoned');
  });

  it('in the RSS status: status.disruption, the Draining condition, and the member\'s entry; null once over', () => {
    const { rss, spec } = example();
    const plan = { phase: 'Running', conditions: [], reads: [], statefulSetReplicas: 3, requeueAfterMs: 1000 } as unknown as Plan;
    const state = { records: new Map([['rss-example-0', { name: 'rss-example-0', role: 'primary' as const, failures: 0, seedFailures: 0, podUid: 'uid-rss-example-0' }]]), done: {} };
    const members = pods(pod('rss-example-0', 'n1'));
    const during = buildStatus(rss, spec, state, plan, members, undefined, undefined, 0, disruptionOf(members, pdbAllowing(1), () => true, everyoneRuns));
    assert.equal(during.disruption?.nodes[0], 'n1');
    assert.equal(during.conditions?.find((c) => c.type === 'Draining')?.status, 'True');
    assert.equal(during.memberStatus?.[0]?.disruption, 'on cordoned node n1: to be evicted');
    const over = buildStatus(rss, spec, state, plan, members, undefined, during, 1000, disruptionOf(members, pdbAllowing(1), () => false, everyoneRuns));
    assert.equal(over.disruption, null, 'sent as null, so that the merge patch removes it');
    assert.equal(over.conditions?.some((c) => c.type === 'Draining'), false);
    assert.equal(over.memberStatus?.[0]?.disruption, undefined);
  });
});
