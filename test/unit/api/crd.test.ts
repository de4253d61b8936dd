import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { DURATION_PATTERN, DurationError, parseDuration } from '../../../src/api/duration.ts';
import { CRD_NAME, GROUP, KIND, LIST_KIND, MAX_NAME_LENGTH, NAME_PATTERN, PLURAL, SHORT_NAME, SINGULAR, VERSION } from '../../../src/api/names.ts';
import { DEFAULT_FAILURE_THRESHOLD, DEFAULT_RECONCILE_INTERVAL_MS, DEFAULT_REPLICAS, resolveSpec } from '../../../src/api/spec.ts';
import { PERCENT_PATTERN } from '../../../src/api/spec-disruption.ts';
import { COMMAND_NAMES, REQUIRED_COMMANDS, type ReplicatedStatefulSet } from '../../../src/api/types.ts';

type Schema = Record<string, any>;

const crd = parse(readFileSync(new URL('../../../deploy/crd.yaml', import.meta.url), 'utf8')) as Schema;
const version = crd.spec.versions[0] as Schema;
const root = version.schema.openAPIV3Schema as Schema;
const specSchema = root.properties.spec as Schema;
const readFixture = (): Schema =>
  parse(readFileSync(new URL('../../fixtures/original-cluster.yaml', import.meta.url), 'utf8')) as Schema;

/** Every schema node with its path: properties, array items, additionalProperties. */
function* nodes(s: Schema, path: string, via: 'property' | 'items' | 'additionalProperties' | 'root' = 'root'): Generator<[string, Schema, string]> {
  yield [path, s, via];
  for (const [k, child] of Object.entries((s.properties ?? {}) as Record<string, Schema>)) yield* nodes(child, `${path}.${k}`, 'property');
  if (s.items) yield* nodes(s.items as Schema, `${path}[]`, 'items');
  if (s.additionalProperties && typeof s.additionalProperties === 'object') {
    yield* nodes(s.additionalProperties as Schema, `${path}{}`, 'additionalProperties');
  }
}

describe('deploy/crd.yaml', () => {
  it('defines the resource under the original names', () => {
    assert.equal(crd.apiVersion, 'apiextensions.k8s.io/v1');
    assert.equal(crd.kind, 'CustomResourceDefinition');
    assert.equal(crd.metadata.name, CRD_NAME);
    assert.equal(crd.spec.group, GROUP);
    assert.equal(crd.spec.scope, 'Namespaced');
    assert.deepEqual(crd.spec.names, { kind: KIND, listKind: LIST_KIND, plural: PLURAL, singular: SINGULAR, shortNames: [SHORT_NAME] });
    assert.equal(crd.spec.versions.length, 1);
    assert.equal(version.name, VERSION);
    assert.equal(version.served, true);
    assert.equal(version.storage, true);
  });

  it('has the status and scale subresources and the printer columns', () => {
    assert.deepEqual(version.subresources, {
      status: {},
      scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' },
    });
    const cols = Object.fromEntries((version.additionalPrinterColumns as Schema[]).map((c) => [c.name, [c.type, c.jsonPath]]));
    assert.deepEqual(cols, {
      Replicas: ['integer', '.spec.replicas'],
      Ready: ['integer', '.status.readyReplicas'],
      Primaries: ['integer', '.status.primaryReplicas'],
      Phase: ['string', '.status.phase'],
      Updated: ['integer', '.status.updatedReplicas'],
      Age: ['date', '.metadata.creationTimestamp'],
    });
    // Printer columns and scale paths point at fields the schema declares.
    for (const p of ['readyReplicas', 'primaryReplicas', 'phase', 'replicas', 'selector']) assert.ok(root.properties.status.properties[p], p);
  });

  it('is structural: every node has a type (or is int-or-string), and no forbidden combinations', () => {
    for (const [path, s] of nodes(root, '')) {
      if (s['x-kubernetes-int-or-string'] === true) {
        assert.equal(s.type, undefined, `${path}: int-or-string must not set type`);
      } else {
        assert.ok(['object', 'array', 'string', 'integer', 'number', 'boolean'].includes(s.type), `${path}: type ${String(s.type)}`);
      }
      if (s.type === 'array') assert.ok(s.items, `${path}: array without items`);
      if (s.properties) assert.equal(s.additionalProperties, undefined, `${path}: properties and additionalProperties`);
      if (s['x-kubernetes-preserve-unknown-fields']) assert.equal(s.type, 'object', `${path}: preserve-unknown-fields on a non-object`);
      for (const junctor of ['allOf', 'anyOf', 'oneOf', 'not']) assert.equal(s[junctor], undefined, `${path}: ${junctor}`);
      if (s.required) for (const r of s.required as string[]) assert.ok(s.properties?.[r], `${path}: required ${r} is not a property`);
      if (s['x-kubernetes-list-type'] === 'map') {
        for (const key of s['x-kubernetes-list-map-keys'] as string[]) assert.ok(s.items.required.includes(key), `${path}: list-map key ${key} must be required`);
      }
    }
    // metadata: only restrictions on name.
    assert.deepEqual(Object.keys(root.properties.metadata.properties), ['name']);
  });

  it('documents every field (kubectl explain)', () => {
    for (const [path, s, via] of nodes(root, '')) {
      if (path.startsWith('.metadata') || via === 'additionalProperties') continue;
      assert.ok(typeof s.description === 'string' && s.description.trim().length > 0, `${path}: no description`);
    }
  });

  it('uses the parser’s duration pattern and the RSS name rule', () => {
    const budget = ['.spec.podDisruptionBudget.maxUnavailable', '.spec.podDisruptionBudget.minAvailable'];
    for (const p of budget) {
      const s = [...nodes(root, '')].find(([q]) => q === p)?.[1];
      assert.equal(s?.pattern, PERCENT_PATTERN, p);
      assert.equal(s?.['x-kubernetes-int-or-string'], true, p);
    }
    const patterns = [...nodes(root, '')].filter(([p, s]) => s.pattern && !p.startsWith('.metadata') && !budget.includes(p));
    assert.deepEqual(
      patterns.map(([p]) => p).sort(),
      ['.spec.reconcileInterval', '.spec.sequenceInterval', ...COMMAND_NAMES.map((c) => `.spec.pod.commands.${c}.timeout`)].sort(),
    );
    for (const [p, s] of patterns) {
      assert.equal(s.pattern, DURATION_PATTERN, p);
      assert.equal(s['x-kubernetes-int-or-string'], true, p);
    }
    assert.equal(root.properties.metadata.properties.name.pattern, NAME_PATTERN);
    assert.equal(root.properties.metadata.properties.name.maxLength, MAX_NAME_LENGTH);

    const pattern = new RegExp(specSchema.properties.reconcileInterval.pattern as string);
    for (const s of ['30s', '15m10s', '1h', '1.5s', '500ms', '2h45m', '30', '0', '.5s', '', 'abc', '10x', '-5s', '1e3', ' 30s', '1.', '1d', '5S']) {
      let parsed = true;
      try {
        parseDuration(s);
      } catch (err) {
        assert.ok(err instanceof DurationError);
        parsed = false;
      }
      assert.equal(pattern.test(s), parsed, `CRD pattern and parseDuration disagree on ${JSON.stringify(s)}`);
    }
  });

  it('defaults agree with the resolver', () => {
    const p = specSchema.properties;
    assert.equal(p.replicas.default, DEFAULT_REPLICAS);
    assert.equal(parseDuration(p.reconcileInterval.default), DEFAULT_RECONCILE_INTERVAL_MS);
    assert.equal(p.failureThreshold.default, DEFAULT_FAILURE_THRESHOLD);
    assert.equal(p.paused.default, false);
    assert.equal(p.replicas.minimum, 0);
    assert.equal(p.primaries.minimum, 0);
    assert.equal(p.failureThreshold.minimum, 1);
    const commands = p.pod.properties.commands;
    assert.deepEqual([...commands.required].sort(), [...REQUIRED_COMMANDS].sort());
    assert.deepEqual(Object.keys(commands.properties).sort(), [...COMMAND_NAMES].sort());
    for (const c of COMMAND_NAMES) {
      assert.deepEqual(commands.properties[c].required, ['command'], c);
      assert.equal(commands.properties[c].properties.command.minItems, 1, c);
    }
    assert.equal(p.pod.properties.containers.minItems, 1);
    assert.deepEqual(p.pod.properties.containers.items.required, ['name', 'image']);
  });

  it('declares every spec field of the original operator', () => {
    // beekhof/rss-operator pkg/apis/clusterlabs/v1alpha1/cluster.go: ClusterSpec, PodPolicy, ServicePolicy.
    const spec = ['replicas', 'primaries', 'reconcileInterval', 'imagePullSecrets', 'paused', 'chaosLevel', 'pod', 'servicePorts', 'service', 'TLS', 'ruleSelector', 'resources', 'nodeSelector', 'serviceAccountName', 'secrets', 'affinity', 'tolerations'];
    const pod = ['nodeSelector', 'antiAffinity', 'automountServiceAccountToken', 'containers', 'volumes', 'volumeClaimTemplates', 'commands', 'securityContext'];
    for (const f of spec) assert.ok(specSchema.properties[f], `spec.${f}`);
    for (const f of pod) assert.ok(specSchema.properties.pod.properties[f], `spec.pod.${f}`);
    for (const f of ['serviceName', 'servicePorts', 'externalIPs', 'sessionAffinity']) assert.ok(specSchema.properties.service.properties[f], `spec.service.${f}`);
    const status = root.properties.status.properties;
    for (const f of ['phase', 'replicas', 'restoreReplicas', 'members']) assert.ok(status[f], `status.${f}`);
    for (const f of ['ready', 'unready', 'primary', 'secondary', 'failed']) assert.ok(status.members.properties[f], `status.members.${f}`);
  });
});

// ---- What the API server would say: a small validator for the subset of OpenAPI the CRD uses, with
// kubectl's default strict field validation (unknown fields are errors unless preserved).

function validate(s: Schema, v: unknown, path: string, errs: string[]): void {
  if (v === undefined) return;
  if (v === null) {
    if (!s.nullable) errs.push(`${path}: must not be null`);
    return;
  }
  if (s['x-kubernetes-int-or-string']) {
    if (typeof v === 'string') {
      if (s.pattern && !new RegExp(s.pattern).test(v)) errs.push(`${path}: should match '${s.pattern}'`);
    } else if (!Number.isInteger(v)) errs.push(`${path}: must be an integer or a string`);
    return;
  }
  switch (s.type) {
    case 'object': {
      if (typeof v !== 'object' || Array.isArray(v)) return void errs.push(`${path}: must be an object`);
      const o = v as Record<string, unknown>;
      for (const r of (s.required ?? []) as string[]) if (o[r] === undefined) errs.push(`${path}.${r}: Required value`);
      for (const [k, c] of Object.entries(o)) {
        const child = s.properties?.[k] ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined);
        if (child) validate(child, c, `${path}.${k}`, errs);
        else if (!s['x-kubernetes-preserve-unknown-fields']) errs.push(`${path}.${k}: unknown field`);
      }
      return;
    }
    case 'array':
      if (!Array.isArray(v)) return void errs.push(`${path}: must be an array`);
      if (s.minItems !== undefined && v.length < s.minItems) errs.push(`${path}: should have at least ${s.minItems} items`);
      v.forEach((item, i) => validate(s.items, item, `${path}[${i}]`, errs));
      return;
    case 'string':
      if (typeof v !== 'string') return void errs.push(`${path}: must be a string`);
      if (s.minLength !== undefined && v.length < s.minLength) errs.push(`${path}: too short`);
      if (s.maxLength !== undefined && v.length > s.maxLength) errs.push(`${path}: too long`);
      if (s.pattern && !new RegExp(s.pattern).test(v)) errs.push(`${path}: should match '${s.pattern}'`);
      if (s.enum && !s.enum.includes(v)) errs.push(`${path}: Unsupported value`);
      return;
    case 'integer':
      if (!Number.isInteger(v)) return void errs.push(`${path}: must be an integer`);
      if (s.minimum !== undefined && (v as number) < s.minimum) errs.push(`${path}: should be greater than or equal to ${s.minimum}`);
      if (s.maximum !== undefined && (v as number) > s.maximum) errs.push(`${path}: should be less than or equal to ${s.maximum}`);
      return;
    case 'boolean':
      if (typeof v !== 'boolean') errs.push(`${path}: must be a boolean`);
      return;
  }
}

function applyDefaults(s: Schema, v: unknown): void {
  if (!v || typeof v !== 'object') return;
  if (Array.isArray(v)) {
    if (s.items) for (const item of v) applyDefaults(s.items, item);
    return;
  }
  const o = v as Record<string, unknown>;
  for (const [k, child] of Object.entries((s.properties ?? {}) as Record<string, Schema>)) {
    if (o[k] === undefined && child.default !== undefined) o[k] = structuredClone(child.default);
    applyDefaults(child, o[k]);
  }
}

function apiServer(obj: Schema): string[] {
  const errs: string[] = [];
  applyDefaults(root, obj);
  validate({ ...root, properties: { ...root.properties, metadata: { ...root.properties.metadata, 'x-kubernetes-preserve-unknown-fields': true } } }, obj, '', errs);
  return errs.map((e) => e.replace(/^\./, ''));
}

describe('deploy/crd.yaml validates like the API server would', () => {
  it('accepts the original README example unchanged, and defaults it as the resolver does', () => {
    const obj = readFixture();
    assert.deepEqual(apiServer(obj), []);
    assert.equal(obj.spec.failureThreshold, 3);
    assert.equal(obj.spec.paused, false);
    assert.equal(obj.spec.reconcileInterval, '30s');
    const r = resolveSpec(obj as ReplicatedStatefulSet);
    assert.ok(r.ok);
  });

  it('accepts the other shapes the original’s users wrote', () => {
    const obj = parse(`
apiVersion: clusterlabs.org/v1alpha1
kind: ReplicatedStatefulSet
metadata:
  name: galera-demo
  labels: {kind: galera}
spec:
  replicas: 4
  chaosLevel: 0
  servicePorts:
  - {name: galera, protocol: TCP, port: 3306, targetPort: 3306}
  service:
    name: demo-svc
    sessionAffinity: None
  pod:
    antiAffinity: true
    commands:
      sequence: {timeout: 20s, command: ["/sequence.sh"]}
      primary: {command: ["/start.sh"]}
      seed: {command: ["/seed.sh"]}
      status: {timeout: 2m, command: ["/check.sh"]}
      stop: {command: ["/stop.sh"]}
    volumes:
    - name: data
      hostPath: {path: /var/data, type: Directory}
    volumeClaimTemplates:
    - metadata: {name: data}
      spec:
        accessModes: ["ReadWriteOnce"]
        resources: {requests: {storage: 1Gi}}
    containers:
    - name: galera
      image: quay.io/example/galera:latest
      imagePullPolicy: Always
      lifecycle: {preStop: {exec: {command: ["/stop.sh"]}}}
      ports: [{containerPort: 3306, name: galera, protocol: TCP}]
      volumeMounts: [{mountPath: /var/lib/mysql, name: data}]
  nodeSelector: {disk: ssd}
  tolerations: [{key: dedicated, operator: Exists}]
  affinity: {nodeAffinity: {}}
  serviceAccountName: db
  secrets: [db-certs]
  imagePullSecrets: [{name: pull}]
  resources: {requests: {memory: 2M}}
  TLS: {static: {member: {peerSecret: p, serverSecret: s}, operatorSecret: o}}
  ruleSelector: {matchLabels: {a: b}}
`) as Schema;
    assert.deepEqual(apiServer(obj), []);
    const r = resolveSpec(obj as ReplicatedStatefulSet);
    assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.problems));
  });

  const rejected: Array<[string, (o: any) => void, string]> = [
    ['negative replicas', (o) => (o.spec.replicas = -1), 'spec.replicas: should be greater than or equal to 0'],
    ['negative primaries', (o) => (o.spec.primaries = -1), 'spec.primaries: should be greater than or equal to 0'],
    ['failureThreshold 0', (o) => (o.spec.failureThreshold = 0), 'spec.failureThreshold: should be greater than or equal to 1'],
    ['missing stop', (o) => delete o.spec.pod.commands.stop, 'spec.pod.commands.stop: Required value'],
    ['missing status', (o) => delete o.spec.pod.commands.status, 'spec.pod.commands.status: Required value'],
    ['empty argv', (o) => (o.spec.pod.commands.stop.command = []), 'spec.pod.commands.stop.command: should have at least 1 items'],
    ['bad timeout', (o) => (o.spec.pod.commands.status.timeout = 'soon'), `spec.pod.commands.status.timeout: should match '${DURATION_PATTERN}'`],
    ['bad interval', (o) => (o.spec.reconcileInterval = '10x'), `spec.reconcileInterval: should match '${DURATION_PATTERN}'`],
    ['no containers', (o) => (o.spec.pod.containers = []), 'spec.pod.containers: should have at least 1 items'],
    ['container without image', (o) => delete o.spec.pod.containers[0].image, 'spec.pod.containers[0].image: Required value'],
    ['container without name', (o) => delete o.spec.pod.containers[0].name, 'spec.pod.containers[0].name: Required value'],
    ['a typo', (o) => (o.spec.replica = 5), 'spec.replica: unknown field'],
    ['a bad name', (o) => (o.metadata.name = 'db.prod'), `metadata.name: should match '${NAME_PATTERN}'`],
  ];
  for (const [what, edit, expected] of rejected) {
    it(`rejects ${what} naming the field`, () => {
      const obj = readFixture();
      edit(obj);
      assert.ok(apiServer(obj).includes(expected), `${expected} not in ${JSON.stringify(apiServer(obj))}`);
    });
  }
});
