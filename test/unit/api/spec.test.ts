import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parse } from 'yaml';
import { describeProblems, resolveSpec, type ResolvedSpec, type SpecProblem } from '../../../src/api/spec.ts';
import type { ReplicatedStatefulSet } from '../../../src/api/types.ts';

const fixture = (): ReplicatedStatefulSet =>
  parse(readFileSync(new URL('../../fixtures/original-cluster.yaml', import.meta.url), 'utf8')) as ReplicatedStatefulSet;

/** The fixture with `edit` applied to a plain-object copy. */
function variant(edit: (o: any) => void): ReplicatedStatefulSet {
  const o = structuredClone(fixture()) as any;
  edit(o);
  return o as ReplicatedStatefulSet;
}

function ok(rss: unknown): ResolvedSpec {
  const r = resolveSpec(rss as ReplicatedStatefulSet);
  if (!r.ok) assert.fail(`expected a valid spec, got: ${describeProblems(r.problems)}`);
  return r.spec;
}

function problems(rss: unknown): SpecProblem[] {
  const r = resolveSpec(rss as ReplicatedStatefulSet);
  if (r.ok) assert.fail('expected problems, the spec resolved');
  return r.problems;
}

describe('resolveSpec: the original README example', () => {
  it('resolves with the expected defaults', () => {
    const spec = ok(fixture());
    assert.deepEqual(spec.policy, {
      replicas: 3,
      primaries: 3,
      hasSeedCommand: true,
      hasSecondaryCommand: false,
      statusIntervalMs: 30_000,
      failureThreshold: 3,
      paused: false,
      fenced: [],
      sequenceIntervalMs: 300_000,
    });
    assert.deepEqual(spec.commands, {
      sequence: { argv: ['/sequence.sh'], timeoutMs: 60_000 },
      seed: { argv: ['/seed.sh'], timeoutMs: 600_000 },
      primary: { argv: ['/start.sh'], timeoutMs: 600_000 },
      secondary: undefined,
      status: { argv: ['/check.sh'], timeoutMs: 60_000 },
      backup: undefined,
      restore: undefined,
      stop: { argv: ['/stop.sh'], timeoutMs: 600_000 },
    });
    assert.deepEqual(spec.pod, {
      containers: [{ name: 'dummy', image: 'quay.io/beekhof/dummy:latest' }],
      volumes: [],
      volumeClaimTemplates: [],
      antiAffinity: true,
      hostNetwork: false,
      secrets: [],
    });
    assert.equal(spec.servicePorts, undefined);
    assert.deepEqual(spec.warnings, []);
  });

  it('fills in every default when only the required fields are given', () => {
    const spec = ok(
      variant((o) => {
        delete o.spec.replicas;
        delete o.spec.reconcileInterval;
        delete o.spec.pod.antiAffinity;
        delete o.spec.pod.commands.seed;
        delete o.spec.pod.commands.status.timeout;
      }),
    );
    assert.equal(spec.policy.replicas, 3);
    assert.equal(spec.policy.primaries, 3);
    assert.equal(spec.policy.statusIntervalMs, 30_000);
    assert.equal(spec.policy.failureThreshold, 3);
    assert.equal(spec.policy.paused, false);
    assert.equal(spec.policy.hasSeedCommand, false);
    assert.equal(spec.commands.seed, undefined);
    assert.equal(spec.commands.status.timeoutMs, 60_000);
    assert.equal(spec.pod.antiAffinity, false);
  });

  it('honours 1 and 2 replicas (the original raised them to 3) and warns', () => {
    for (const replicas of [1, 2]) {
      const spec = ok(variant((o) => (o.spec.replicas = replicas)));
      assert.equal(spec.policy.replicas, replicas);
      assert.equal(spec.policy.primaries, replicas);
      assert.deepEqual(spec.warnings.map((w) => w.field), ['spec.replicas']);
    }
  });

  it('accepts 0 replicas (stopped)', () => {
    const spec = ok(variant((o) => (o.spec.replicas = 0)));
    assert.equal(spec.policy.replicas, 0);
    assert.equal(spec.policy.primaries, 0);
  });

  it('caps primaries at replicas, as the original did', () => {
    const spec = ok(variant((o) => (o.spec.primaries = 7)));
    assert.equal(spec.policy.primaries, 3);
  });

  it('accepts primaries below replicas with a secondary command', () => {
    const spec = ok(
      variant((o) => {
        o.spec.replicas = 5;
        o.spec.primaries = 1;
        o.spec.pod.commands.secondary = { command: ['/secondary.sh'], timeout: 90 };
      }),
    );
    assert.equal(spec.policy.primaries, 1);
    assert.equal(spec.policy.hasSecondaryCommand, true);
    assert.deepEqual(spec.commands.secondary, { argv: ['/secondary.sh'], timeoutMs: 90_000 });
  });

  it('reads the new fields and every duration form', () => {
    const spec = ok(
      variant((o) => {
        o.spec.paused = true;
        o.spec.failureThreshold = 5;
        o.spec.reconcileInterval = 45;
        o.spec.pod.commands.status.timeout = '1m30s';
        o.spec.pod.commands.sequence.timeout = '20';
        o.spec.pod.commands.stop.timeout = '2.5m';
      }),
    );
    assert.equal(spec.policy.paused, true);
    assert.equal(spec.policy.failureThreshold, 5);
    assert.equal(spec.policy.statusIntervalMs, 45_000);
    assert.equal(spec.commands.status.timeoutMs, 90_000);
    assert.equal(spec.commands.sequence.timeoutMs, 20_000);
    assert.equal(spec.commands.stop.timeoutMs, 150_000);
  });

  it('takes the seed override from the annotation', () => {
    const spec = ok(variant((o) => (o.metadata.annotations = { 'rss.clusterlabs.org/seed-override': 'rss-example-2' })));
    assert.equal(spec.policy.seedOverride, 'rss-example-2');
    assert.equal(ok(variant((o) => (o.metadata.annotations = { 'rss.clusterlabs.org/seed-override': '' }))).policy.seedOverride, undefined);
  });

  it('passes the pod fields through, as copies', () => {
    const input = variant((o) => {
      o.spec.servicePorts = [{ name: 'db', port: 3306, targetPort: 3306 }];
      o.spec.nodeSelector = { disk: 'ssd' };
      o.spec.pod.nodeSelector = { disk: 'hdd', zone: 'a' };
      o.spec.tolerations = [{ key: 'dedicated', operator: 'Exists' }];
      o.spec.affinity = { nodeAffinity: {} };
      o.spec.serviceAccountName = 'db';
      o.spec.secrets = ['db-certs'];
      o.spec.imagePullSecrets = [{ name: 'pull' }];
      o.spec.pod.automountServiceAccountToken = false;
      o.spec.pod.hostNetwork = true;
      o.spec.pod.securityContext = { fsGroup: 27 };
      o.spec.pod.volumes = [{ name: 'scratch', emptyDir: {} }];
      o.spec.pod.volumeClaimTemplates = [{ metadata: { name: 'data' }, spec: { resources: { requests: { storage: '1Gi' } } } }];
      o.spec.pod.containers[0].ports = [{ containerPort: 3306 }];
    });
    const spec = ok(input);
    assert.deepEqual(spec.servicePorts, [{ name: 'db', port: 3306, targetPort: 3306 }]);
    assert.deepEqual(spec.pod.nodeSelector, { disk: 'ssd', zone: 'a' });
    assert.deepEqual(spec.pod.tolerations, [{ key: 'dedicated', operator: 'Exists' }]);
    assert.deepEqual(spec.pod.affinity, { nodeAffinity: {} });
    assert.equal(spec.pod.serviceAccountName, 'db');
    assert.deepEqual(spec.pod.secrets, ['db-certs']);
    assert.deepEqual(spec.pod.imagePullSecrets, [{ name: 'pull' }]);
    assert.equal(spec.pod.automountServiceAccountToken, false);
    assert.equal(spec.pod.hostNetwork, true);
    assert.deepEqual(spec.pod.securityContext, { fsGroup: 27 });
    assert.equal(spec.pod.volumes.length, 1);
    assert.equal(spec.pod.volumeClaimTemplates[0]?.metadata?.name, 'data');
    spec.pod.containers[0]!.image = 'changed';
    spec.commands.status.argv.push('x');
    assert.equal(input.spec.pod.containers[0]!.image, 'quay.io/beekhof/dummy:latest');
    assert.deepEqual(input.spec.pod.commands.status?.command, ['/check.sh']);
  });

  it('accepts the other fields of the original and warns about the ignored ones', () => {
    const spec = ok(
      variant((o) => {
        o.spec.chaosLevel = 0;
        o.spec.service = { name: 'dummy-svc', sessionAffinity: 'None', servicePorts: [{ name: 'x', port: 1 }] };
        o.spec.resources = { requests: { memory: '2M' } };
        o.spec.pod.commands.restart = { command: ['/restart.sh'] };
      }),
    );
    assert.deepEqual(spec.servicePorts, [{ name: 'x', port: 1 }]);
    assert.deepEqual(spec.warnings.map((w) => w.field).sort(), ['spec.chaosLevel', 'spec.pod.commands.restart', 'spec.resources', 'spec.service']);
  });
});

describe('resolveSpec: problems name the field', () => {
  const table: Array<[string, (o: any) => void, string, RegExp?]> = [
    ['no spec', (o) => delete o.spec, 'spec', /required/],
    ['spec not an object', (o) => (o.spec = 'x'), 'spec'],
    ['no pod', (o) => delete o.spec.pod, 'spec.pod', /required/],
    ['no commands', (o) => delete o.spec.pod.commands, 'spec.pod.commands', /required/],
    ['sequence missing', (o) => delete o.spec.pod.commands.sequence, 'spec.pod.commands.sequence', /required/],
    ['primary missing', (o) => delete o.spec.pod.commands.primary, 'spec.pod.commands.primary', /required/],
    ['status missing', (o) => delete o.spec.pod.commands.status, 'spec.pod.commands.status', /required/],
    ['stop missing', (o) => delete o.spec.pod.commands.stop, 'spec.pod.commands.stop', /required/],
    ['stop null', (o) => (o.spec.pod.commands.stop = null), 'spec.pod.commands.stop', /required/],
    ['command not an object', (o) => (o.spec.pod.commands.stop = ['/stop.sh']), 'spec.pod.commands.stop'],
    ['argv missing', (o) => delete o.spec.pod.commands.status.command, 'spec.pod.commands.status.command', /required/],
    ['argv empty', (o) => (o.spec.pod.commands.status.command = []), 'spec.pod.commands.status.command', /empty/],
    ['argv a string', (o) => (o.spec.pod.commands.status.command = '/check.sh'), 'spec.pod.commands.status.command', /list of strings/],
    ['argv[0] empty', (o) => (o.spec.pod.commands.seed.command = ['', 'x']), 'spec.pod.commands.seed.command[0]'],
    ['argv[0] blank', (o) => (o.spec.pod.commands.seed.command = ['  ']), 'spec.pod.commands.seed.command[0]'],
    ['argv with a number', (o) => (o.spec.pod.commands.stop.command = ['/stop.sh', 3]), 'spec.pod.commands.stop.command'],
    ['garbage timeout', (o) => (o.spec.pod.commands.status.timeout = 'soon'), 'spec.pod.commands.status.timeout', /invalid duration "soon"/],
    ['zero timeout', (o) => (o.spec.pod.commands.status.timeout = '0s'), 'spec.pod.commands.status.timeout', /longer than 0/],
    ['zero numeric timeout', (o) => (o.spec.pod.commands.primary.timeout = 0), 'spec.pod.commands.primary.timeout', /longer than 0/],
    ['negative timeout', (o) => (o.spec.pod.commands.stop.timeout = -5), 'spec.pod.commands.stop.timeout', /negative/],
    ['huge timeout', (o) => (o.spec.pod.commands.stop.timeout = '1000h'), 'spec.pod.commands.stop.timeout', /at most/],
    ['garbage interval', (o) => (o.spec.reconcileInterval = '10x'), 'spec.reconcileInterval', /invalid duration "10x"/],
    ['zero interval', (o) => (o.spec.reconcileInterval = 0), 'spec.reconcileInterval', /longer than 0/],
    ['interval below 1s', (o) => (o.spec.reconcileInterval = '500ms'), 'spec.reconcileInterval', /at least 1s/],
    ['interval an object', (o) => (o.spec.reconcileInterval = { s: 1 }), 'spec.reconcileInterval'],
    ['replicas negative', (o) => (o.spec.replicas = -1), 'spec.replicas', /at least 0/],
    ['replicas fractional', (o) => (o.spec.replicas = 2.5), 'spec.replicas', /whole number/],
    ['replicas a string', (o) => (o.spec.replicas = '3'), 'spec.replicas', /whole number/],
    ['primaries negative', (o) => (o.spec.primaries = -1), 'spec.primaries', /at least 0/],
    ['primaries fractional', (o) => (o.spec.primaries = 1.5), 'spec.primaries', /whole number/],
    ['primaries 0 with replicas', (o) => (o.spec.primaries = 0), 'spec.primaries', /at least 1/],
    [
      'primaries below replicas without secondary',
      (o) => (o.spec.primaries = 2),
      'spec.primaries',
      /members beyond the primaries need a secondary command/,
    ],
    ['failureThreshold 0', (o) => (o.spec.failureThreshold = 0), 'spec.failureThreshold', /at least 1/],
    ['paused a string', (o) => (o.spec.paused = 'yes'), 'spec.paused', /true or false/],
    ['containers missing', (o) => delete o.spec.pod.containers, 'spec.pod.containers', /at least one container/],
    ['containers empty', (o) => (o.spec.pod.containers = []), 'spec.pod.containers', /at least one container/],
    ['container without name', (o) => delete o.spec.pod.containers[0].name, 'spec.pod.containers[0].name', /required/],
    ['container without image', (o) => delete o.spec.pod.containers[0].image, 'spec.pod.containers[0].image', /required/],
    ['container not an object', (o) => o.spec.pod.containers.push('x'), 'spec.pod.containers[1]'],
    [
      'duplicate container',
      (o) => o.spec.pod.containers.push({ name: 'dummy', image: 'x' }),
      'spec.pod.containers[1].name',
      /duplicate/,
    ],
    [
      'claim template without a name',
      (o) => (o.spec.pod.volumeClaimTemplates = [{ spec: {} }]),
      'spec.pod.volumeClaimTemplates[0].metadata.name',
    ],
    ['volumes not a list', (o) => (o.spec.pod.volumes = {}), 'spec.pod.volumes'],
    ['antiAffinity a string', (o) => (o.spec.pod.antiAffinity = 'true'), 'spec.pod.antiAffinity'],
    ['hostNetwork a string', (o) => (o.spec.pod.hostNetwork = 'yes'), 'spec.pod.hostNetwork'],
    ['nodeSelector with a number', (o) => (o.spec.nodeSelector = { zone: 1 }), 'spec.nodeSelector.zone'],
    ['secrets with an empty name', (o) => (o.spec.secrets = ['']), 'spec.secrets[0]'],
    ['servicePorts not a list', (o) => (o.spec.servicePorts = 'db'), 'spec.servicePorts'],
    ['name with a dot', (o) => (o.metadata.name = 'db.prod'), 'metadata.name', /DNS-1035/],
    ['name too long', (o) => (o.metadata.name = 'a'.repeat(49)), 'metadata.name', /at most 48/],
    [
      'seed override naming another cluster’s pod',
      (o) => (o.metadata.annotations = { 'rss.clusterlabs.org/seed-override': 'rss-other-0' }),
      'metadata.annotations[rss.clusterlabs.org/seed-override]',
      /not a member/,
    ],
  ];

  for (const [what, edit, field, message] of table) {
    it(`${what} → ${field}`, () => {
      const found = problems(variant(edit));
      const hit = found.find((p) => p.field === field);
      assert.ok(hit, `no problem for ${field}; got ${describeProblems(found)}`);
      if (message) assert.match(hit.message, message);
      for (const p of found) assert.ok(!/[\r\n]/.test(p.message), 'one line');
    });
  }

  it('reports every problem at once, not the first only', () => {
    const found = problems(
      variant((o) => {
        o.spec.replicas = -2;
        delete o.spec.pod.commands.stop;
        o.spec.pod.commands.status.timeout = 'x';
        o.spec.pod.containers = [];
      }),
    );
    assert.deepEqual(found.map((p) => p.field).sort(), [
      'spec.pod.commands.status.timeout',
      'spec.pod.commands.stop',
      'spec.pod.containers',
      'spec.replicas',
    ]);
  });
});

describe('describeProblems', () => {
  it('gives one line', () => {
    const line = describeProblems([
      { field: 'spec.replicas', message: 'must be at least 0, got -1' },
      { field: 'spec.pod.commands.stop', message: 'required:\nthe stop command' },
    ]);
    assert.equal(line, 'spec.replicas: must be at least 0, got -1; spec.pod.commands.stop: required: the stop command');
    assert.equal(describeProblems([]), '');
  });
});

describe('resolveSpec never throws', () => {
  const check = (input: unknown): void => {
    const r = resolveSpec(input as ReplicatedStatefulSet);
    assert.equal(typeof r.ok, 'boolean');
    if (!r.ok) {
      assert.ok(r.problems.length > 0);
      for (const p of r.problems) {
        assert.equal(typeof p.field, 'string');
        assert.equal(typeof p.message, 'string');
      }
      assert.equal(typeof describeProblems(r.problems), 'string');
    }
  };

  it('on random JSON', () => {
    fc.assert(fc.property(fc.jsonValue(), check), { numRuns: 300 });
  });

  it('on random JSON planted anywhere in a valid object', () => {
    // Replace one field at a random depth of the README example with random JSON.
    const paths: string[][] = [];
    const walk = (v: unknown, path: string[]): void => {
      paths.push(path);
      if (v && typeof v === 'object') for (const [k, c] of Object.entries(v)) walk(c, [...path, k]);
    };
    walk(fixture(), []);
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.jsonValue(), fc.boolean(), (path, junk, remove) => {
        const o = structuredClone(fixture()) as any;
        if (path.length === 0) return check(junk);
        let parent = o;
        for (const k of path.slice(0, -1)) parent = parent[k];
        const key = path[path.length - 1]!;
        if (remove) delete parent[key];
        else parent[key] = junk;
        check(o);
      }),
      { numRuns: 300 },
    );
  });

  it('on hostile objects', () => {
    const getterThatThrows = Object.defineProperty({}, 'spec', {
      get() {
        throw new Error('boom');
      },
      enumerable: true,
    });
    const circular: any = structuredClone(fixture());
    circular.spec.pod.containers[0].self = circular;
    for (const input of [undefined, null, 42, 'rss', [], getterThatThrows, circular, Object.create(null)]) check(input);
  });
});
