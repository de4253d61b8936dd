// The Helm chart charts/rss-operator: `helm lint --strict` passes, it renders in each watch mode, the API server
// accepts what it renders (server-side dry run), its RBAC is exactly deploy/'s, its pod is deploy/'s hardened
// pod, and — the real proof — after `helm install` the operator from this repository, run with the chart's
// arguments and nothing but its ServiceAccount's token, runs a cluster in a watched namespace.
//
// helm is built from its Go module by controlplane/build-helm.sh (once, then cached); when it cannot be built
// these tests fail with the reason, they never skip.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { parse, parseAllDocuments, stringify } from 'yaml';
import type { Backup, BackupSchedule } from '../../src/api/backup-types.ts';
import { API_VERSION, BACKUP_KIND, BACKUP_PLURAL, BACKUP_SCHEDULE_KIND, BACKUP_SCHEDULE_PLURAL, GROUP, VERSION } from '../../src/api/names.ts';
import type { ReplicatedStatefulSet } from '../../src/api/types.ts';
import { repoRoot } from '../../controlplane/localcluster.ts';
import { cluster, eventually, testNamespace } from '../support/cluster.ts';
import { clusterEvents, createCluster, loadManifest, startOperator, waitForCluster, waitForEvents } from '../support/operator.ts';
import { canI, refusals, serviceAccountKubeconfig, serviceAccountUser } from '../support/serviceaccount.ts';
import { helm, sets } from '../support/helm.ts';

const chartDir = join(repoRoot, 'charts', 'rss-operator');
const deployDir = join(repoRoot, 'deploy');
const chart = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as { appVersion: string; version: string };

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: any;
}
interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  verbs: string[];
}

function documents(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as Manifest | null)
    .filter((d): d is Manifest => d !== null);
}
const deploy = (file: string) => documents(readFileSync(join(deployDir, file), 'utf8'));
const find = (docs: Manifest[], kind: string, name: string, namespace?: string): Manifest => {
  const found = docs.find((d) => d.kind === kind && d.metadata.name === name && (namespace === undefined || d.metadata.namespace === namespace));
  assert.ok(found, `${kind} ${namespace ? `${namespace}/` : ''}${name} rendered (got ${ids(docs).join(', ')})`);
  return found;
};
/** `Kind namespace/name` of each object, sorted. */
const ids = (docs: Manifest[]) => docs.map((d) => `${d.kind} ${d.metadata.namespace ? `${d.metadata.namespace}/` : ''}${d.metadata.name}`).sort();


/** `helm template` of the chart as release `release` in `namespace`, parsed. */
function render(namespace: string, values: string[] = [], release = 'rss-operator'): Manifest[] {
  return documents(helm(['template', release, chartDir, '--namespace', namespace, ...sets(values)]));
}

/** Server-side dry run of the objects: the API server validates each (schema, unknown fields, admission). */
function dryRun(docs: Manifest[]): void {
  const out = cluster().kubectl(['apply', '--dry-run=server', '-f', '-'], docs.map((d) => stringify(d)).join('---\n'));
  const accepted = out.split('\n').filter((line) => line.endsWith('(server dry run)'));
  assert.equal(accepted.length, docs.length, `every object accepted:\n${out}`);
}

const rulesOf = (doc: Manifest) => doc.rules as PolicyRule[];
const isLease = (r: PolicyRule) => r.resources?.includes('leases') ?? false;
const deployRole = rulesOf(find(deploy('rbac.yaml'), 'Role', 'rss-operator'));
const deployClusterRole = rulesOf(find(deploy('rbac-cluster.yaml'), 'ClusterRole', 'rss-operator'));
const deployLeaseRole = rulesOf(find(deploy('rbac-cluster.yaml'), 'Role', 'rss-operator-leader-election'));
const deployOperator = find(deploy('operator.yaml'), 'Deployment', 'rss-operator');
/** The CRDs of deploy/, which the chart ships as files/crd.yaml and files/crd-backup.yaml. */
const deployCrds = [...deploy('crd.yaml'), ...deploy('crd-backup.yaml')];
const crdNames = ['replicatedstatefulsets.clusterlabs.org', 'backups.clusterlabs.org', 'backupschedules.clusterlabs.org'];

/** The binding's subject is the chart's ServiceAccount and its roleRef the role rendered with it. */
function assertBinding(binding: Manifest, roleKind: string, roleName: string, serviceAccount: string, namespace: string): void {
  assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name: roleName }, `${binding.kind} ${binding.metadata.name}`);
  assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: serviceAccount, namespace }], `${binding.kind} ${binding.metadata.name}`);
}

/** A minimal monitoring.coreos.com/v1 ServiceMonitor CRD: the fields the chart uses, typed as the Prometheus
 * Operator types them, so that strict field validation rejects a misspelt or misplaced field. */
const serviceMonitorCrd = (() => {
  const duration = { type: 'string', pattern: '^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$' };
  const stringMap = { type: 'object', additionalProperties: { type: 'string' } };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'servicemonitors.monitoring.coreos.com', labels: { 'rss-operator.test/e2e': 'true' } },
    spec: {
      group: 'monitoring.coreos.com',
      scope: 'Namespaced',
      names: { kind: 'ServiceMonitor', listKind: 'ServiceMonitorList', plural: 'servicemonitors', singular: 'servicemonitor', shortNames: ['smon'] },
      versions: [{
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            required: ['spec'],
            properties: {
              apiVersion: { type: 'string' },
              kind: { type: 'string' },
              metadata: { type: 'object' },
              spec: {
                type: 'object',
                required: ['selector'],
                properties: {
                  jobLabel: { type: 'string' },
                  namespaceSelector: { type: 'object', properties: { any: { type: 'boolean' }, matchNames: { type: 'array', items: { type: 'string' } } } },
                  selector: {
                    type: 'object',
                    'x-kubernetes-map-type': 'atomic',
                    properties: {
                      matchLabels: stringMap,
                      matchExpressions: { type: 'array', items: { type: 'object', required: ['key', 'operator'], properties: { key: { type: 'string' }, operator: { type: 'string' }, values: { type: 'array', items: { type: 'string' } } } } },
                    },
                  },
                  endpoints: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: {
                        port: { type: 'string' },
                        targetPort: { 'x-kubernetes-int-or-string': true },
                        path: { type: 'string' },
                        scheme: { type: 'string', enum: ['http', 'https', 'HTTP', 'HTTPS'] },
                        interval: duration,
                        scrapeTimeout: duration,
                      },
                    },
                  },
                },
              },
            },
          },
        },
      }],
    },
  };
})();

/** Installs the ServiceMonitor CRD unless the cluster has it, and removes it afterwards if it was installed here. */
function withServiceMonitorCrd(t: TestContext): void {
  const c = cluster();
  const present = c.kubectl(['get', 'crd', '--ignore-not-found', '-o', 'name', serviceMonitorCrd.metadata.name]).trim() !== '';
  if (present) return;
  c.kubectl(['apply', '--server-side', '-f', '-'], JSON.stringify(serviceMonitorCrd));
  t.after(() => c.kubectl(['delete', 'crd', serviceMonitorCrd.metadata.name, '--ignore-not-found', '--wait=false']));
  c.kubectl(['wait', '--for=condition=Established', '--timeout=30s', `crd/${serviceMonitorCrd.metadata.name}`]);
}

test('helm lint --strict passes with the default values and in each watch mode', () => {
  for (const values of [[], ['watch.mode=namespaces', 'watch.namespaces={databases,queues}'], ['watch.mode=cluster'], ['metrics.serviceMonitor.enabled=true', 'metrics.serviceMonitor.labels.release=prometheus']]) {
    const out = helm(['lint', '--strict', chartDir, ...sets(values)]);
    assert.match(out, /1 chart\(s\) linted, 0 chart\(s\) failed/, `helm lint ${values.join(' ')}:\n${out}`);
    assert.doesNotMatch(out, /\[(WARNING|ERROR)\]/, out);
  }
});

test('values that cannot work are refused by helm with the reason, before anything is installed', () => {
  const refused = (values: string[]) => {
    try {
      helm(['template', 'rss-operator', chartDir, '--namespace', 'ops', ...sets(values)]);
    } catch (error) {
      return (error as { stderr: string }).stderr;
    }
    assert.fail(`helm template ${values.join(' ')} was accepted`);
  };
  assert.match(refused(['watch.mode=everywhere']), /watch\/mode.*must be one of/);
  assert.match(refused(['watch.mode=namespaces']), /watch\.mode namespaces needs the list of namespaces in watch\.namespaces/);
  assert.match(refused(['watch.mode=namespaces', 'watch.namespaces={Not_A_Namespace}']), /watch\/namespaces/);
  assert.match(refused(['leaderElection.enabled=false']), /replicas > 1 needs leaderElection\.enabled/);
  assert.match(refused(['leaderElection.leaseDuration=15 seconds']), /leaseDuration/);
  assert.match(refused(['metrics.service.enabled=false', 'metrics.serviceMonitor.enabled=true']), /serviceMonitor\.enabled needs metrics\.service\.enabled/);
  assert.match(refused(['serviceAccount.create=false']), /serviceAccount\.name is required/);
  assert.match(refused(['replica=3']), /additional properties 'replica' not allowed/);
  // One replica without leader election is a valid choice.
  const single = render('ops', ['replicas=1', 'leaderElection.enabled=false']);
  const args = find(single, 'Deployment', 'rss-operator').spec.template.spec.containers[0].args as string[];
  assert.ok(args.includes('--leader-elect=false') && !args.some((a) => a.startsWith('--lease-')), args.join(' '));
  assert.ok(!single.some((d) => d.kind === 'PodDisruptionBudget'), 'no PodDisruptionBudget for a single replica');
  assert.deepEqual(rulesOf(find(single, 'Role', 'rss-operator')), deployRole.filter((r) => !isLease(r)), 'no Lease rules without leader election');
});

test('each watch mode renders the objects it needs, and the API server accepts them all (server-side dry run)', async (t) => {
  const release = await testNamespace(t, 'helm-dryrun');
  const [a, b] = [await testNamespace(t, 'helm-dryrun-a'), await testNamespace(t, 'helm-dryrun-b')];
  const common = [...crdNames.map((n) => `CustomResourceDefinition ${n}`), `Deployment ${release}/rss-operator`, `PodDisruptionBudget ${release}/rss-operator`, `Service ${release}/rss-operator-metrics`, `ServiceAccount ${release}/rss-operator`];
  const modes: { name: string; values: string[]; objects: string[] }[] = [
    { name: 'namespace', values: [], objects: [`Role ${release}/rss-operator`, `RoleBinding ${release}/rss-operator`] },
    {
      name: 'namespaces',
      values: ['watch.mode=namespaces', `watch.namespaces={${a},${b},${a}}`],
      objects: [`Role ${a}/rss-operator`, `Role ${b}/rss-operator`, `Role ${release}/rss-operator-leader-election`, `RoleBinding ${a}/rss-operator`, `RoleBinding ${b}/rss-operator`, `RoleBinding ${release}/rss-operator-leader-election`],
    },
    {
      name: 'cluster',
      values: ['watch.mode=cluster'],
      objects: ['ClusterRole rss-operator', 'ClusterRoleBinding rss-operator', `Role ${release}/rss-operator-leader-election`, `RoleBinding ${release}/rss-operator-leader-election`],
    },
    { name: 'serviceMonitor', values: ['metrics.serviceMonitor.enabled=true', 'metrics.serviceMonitor.scrapeTimeout=10s'], objects: [`Role ${release}/rss-operator`, `RoleBinding ${release}/rss-operator`, `ServiceMonitor ${release}/rss-operator`] },
  ];
  withServiceMonitorCrd(t);
  for (const mode of modes) {
    const docs = render(release, mode.values);
    assert.deepEqual(ids(docs), [...common, ...mode.objects].sort(), `objects of mode ${mode.name}`);
    dryRun(docs);
  }
  // Without the CRDs, the RBAC or the ServiceAccount, as the values say.
  const bare = render(release, ['crds.install=false', 'rbac.create=false', 'serviceAccount.create=false', 'serviceAccount.name=existing', 'metrics.service.enabled=false', 'podDisruptionBudget.enabled=false']);
  assert.deepEqual(ids(bare), [`Deployment ${release}/rss-operator`]);
  assert.equal(find(bare, 'Deployment', 'rss-operator').spec.template.spec.serviceAccountName, 'existing');
});

test('the CRDs are deploy/crd.yaml and deploy/crd-backup.yaml, labelled by the release, kept on uninstall', () => {
  const rendered = render('ops');
  const notKept = render('ops', ['crds.keep=false']);
  assert.deepEqual(rendered.filter((d) => d.kind === 'CustomResourceDefinition').map((d) => d.metadata.name).sort(), [...crdNames].sort());
  for (const name of crdNames) {
    const crd = find(rendered, 'CustomResourceDefinition', name);
    const expected = find(deployCrds, 'CustomResourceDefinition', name);
    assert.deepEqual(crd.spec, expected.spec, `${name}: the same schema, versions, names and subresources`);
    assert.equal(crd.metadata.labels?.['app.kubernetes.io/instance'], 'rss-operator', `${name}: the release's labels`);
    assert.equal(crd.metadata.labels?.['app.kubernetes.io/part-of'], 'rss-operator');
    assert.equal(crd.metadata.annotations?.['helm.sh/resource-policy'], 'keep', name);
    assert.equal(find(notKept, 'CustomResourceDefinition', name).metadata.annotations?.['helm.sh/resource-policy'], undefined, name);
  }
  assert.ok(!render('ops', ['crds.install=false']).some((d) => d.kind === 'CustomResourceDefinition'));
});

test('RBAC: in every watch mode, exactly the rules of deploy/, bound to the chart\'s ServiceAccount', () => {
  const ns = 'ops';
  // namespace: deploy/rbac.yaml's Role, Lease rules included.
  const own = render(ns);
  assert.deepEqual(rulesOf(find(own, 'Role', 'rss-operator', ns)), deployRole);
  assertBinding(find(own, 'RoleBinding', 'rss-operator', ns), 'Role', 'rss-operator', 'rss-operator', ns);

  // namespaces: deploy/rbac-cluster.yaml's ClusterRole rules as a Role in each watched namespace, its Lease
  // Role in the release namespace.
  const listed = render(ns, ['watch.mode=namespaces', 'watch.namespaces={a,b}']);
  for (const watched of ['a', 'b']) {
    assert.deepEqual(rulesOf(find(listed, 'Role', 'rss-operator', watched)), deployClusterRole, `Role in ${watched}`);
    assertBinding(find(listed, 'RoleBinding', 'rss-operator', watched), 'Role', 'rss-operator', 'rss-operator', ns);
  }
  assert.deepEqual(rulesOf(find(listed, 'Role', 'rss-operator-leader-election', ns)), deployLeaseRole);
  assertBinding(find(listed, 'RoleBinding', 'rss-operator-leader-election', ns), 'Role', 'rss-operator-leader-election', 'rss-operator', ns);

  // cluster: deploy/rbac-cluster.yaml.
  const everywhere = render(ns, ['watch.mode=cluster']);
  assert.deepEqual(rulesOf(find(everywhere, 'ClusterRole', 'rss-operator')), deployClusterRole);
  assertBinding(find(everywhere, 'ClusterRoleBinding', 'rss-operator'), 'ClusterRole', 'rss-operator', 'rss-operator', ns);
  assert.deepEqual(rulesOf(find(everywhere, 'Role', 'rss-operator-leader-election', ns)), deployLeaseRole);

  // Another release name and Lease name: the names follow, and the Lease rule names the operator's Lease.
  const other = render(ns, ['watch.mode=cluster', 'leaderElection.leaseName=ops-lease', 'serviceAccount.name=ops-sa'], 'ops');
  assertBinding(find(other, 'ClusterRoleBinding', 'ops-rss-operator'), 'ClusterRole', 'ops-rss-operator', 'ops-sa', ns);
  const leaseRule = rulesOf(find(other, 'Role', 'ops-rss-operator-leader-election', ns)).find((r) => r.resourceNames);
  assert.deepEqual(leaseRule?.resourceNames, ['ops-lease']);
  assert.ok(find(other, 'Deployment', 'ops-rss-operator').spec.template.spec.containers[0].args.includes('--lease-name=ops-lease'));
  assert.equal(find(other, 'ServiceAccount', 'ops-sa').metadata.namespace, ns);
});

test('the Deployment: deploy/operator.yaml\'s hardened pod, 2 replicas, the arguments of the watch mode; the Service and ServiceMonitor find it', async (t) => {
  const ns = 'ops';
  const docs = render(ns, ['metrics.serviceMonitor.enabled=true', 'metrics.serviceMonitor.labels.release=prometheus']);
  const deployment = find(docs, 'Deployment', 'rss-operator', ns);
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];
  const expectedPod = deployOperator.spec.template.spec;
  const expectedContainer = expectedPod.containers[0];
  assert.equal(deployment.spec.replicas, 2);
  assert.deepEqual(deployment.spec.strategy, deployOperator.spec.strategy);
  for (const field of ['serviceAccountName', 'terminationGracePeriodSeconds', 'securityContext', 'volumes']) assert.deepEqual(pod[field], expectedPod[field], `pod ${field}`);
  for (const field of ['name', 'image', 'imagePullPolicy', 'env', 'ports', 'livenessProbe', 'readinessProbe', 'resources', 'securityContext', 'volumeMounts']) {
    assert.deepEqual(container[field], expectedContainer[field], `container ${field}`);
  }
  assert.equal(container.image, `ghcr.io/clusterlabs/rss-operator:${chart.appVersion}`);
  assert.deepEqual(container.args, ['--namespace=$(POD_NAMESPACE)', '--leader-elect=true', '--lease-namespace=$(POD_NAMESPACE)', '--lease-name=rss-operator', '--lease-duration=15s', '--http-address=:8080', '--log-level=info', '--concurrency=16']);
  // The replicas avoid each other's node, as in deploy/ (the selector with the release's labels).
  const podLabels = deployment.spec.template.metadata.labels as Record<string, string>;
  const antiAffinity = pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm;
  assert.equal(antiAffinity.topologyKey, 'kubernetes.io/hostname');
  const matches = (selector: Record<string, string>) => Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => podLabels[k] === v);
  assert.ok(matches(antiAffinity.labelSelector.matchLabels), 'the anti-affinity selects the operator\'s pods');
  assert.ok(matches(deployment.spec.selector.matchLabels), 'the Deployment selects its pods');
  assert.ok(matches(find(docs, 'PodDisruptionBudget', 'rss-operator', ns).spec.selector.matchLabels), 'the PodDisruptionBudget selects the pods');

  // The metrics Service selects the pods' metrics port; the ServiceMonitor selects that Service by its labels.
  const service = find(docs, 'Service', 'rss-operator-metrics', ns);
  assert.ok(matches(service.spec.selector), 'the Service selects the operator\'s pods');
  assert.deepEqual(service.spec.ports, [{ name: 'metrics', port: 8080, targetPort: 'metrics', protocol: 'TCP' }]);
  const monitor = find(docs, 'ServiceMonitor', 'rss-operator', ns);
  assert.equal(monitor.metadata.labels?.release, 'prometheus');
  assert.ok(Object.entries(monitor.spec.selector.matchLabels as Record<string, string>).every(([k, v]) => service.metadata.labels?.[k] === v), 'the ServiceMonitor selects the Service');
  assert.deepEqual(monitor.spec.namespaceSelector, { matchNames: [ns] });
  assert.deepEqual(monitor.spec.endpoints, [{ port: 'metrics', path: '/metrics', interval: '30s' }]);

  // The arguments of the other modes, and the values that set the container's command line and env.
  const containerOf = (values: string[]) => find(render(ns, values), 'Deployment', 'rss-operator').spec.template.spec.containers[0];
  const argsOf = (values: string[]) => containerOf(values).args as string[];
  const nodeOptionsOf = (values: string[]) => (containerOf(values).env as { name: string; value?: string }[]).filter((e) => e.name === 'NODE_OPTIONS').map((e) => e.value);
  assert.deepEqual(nodeOptionsOf(['nodeOptions=--max-old-space-size=512']), ['--max-old-space-size=512']);
  assert.deepEqual(nodeOptionsOf(['nodeOptions=']), []);
  assert.deepEqual(argsOf(['watch.mode=namespaces', 'watch.namespaces={a,b}']).filter((a) => /namespace/.test(a)), ['--namespace=a,b', '--lease-namespace=$(POD_NAMESPACE)']);
  assert.deepEqual(argsOf(['watch.mode=cluster']).filter((a) => /namespace/.test(a)), ['--all-namespaces', '--lease-namespace=$(POD_NAMESPACE)']);
  assert.deepEqual(argsOf(['logLevel=debug', 'concurrency=4', 'metrics.port=9090', 'extraArgs={--identity=x}']).slice(-4), ['--http-address=:9090', '--log-level=debug', '--concurrency=4', '--identity=x']);

  // The pod passes the restricted Pod Security Standard (its ServiceAccount plays no part in that check).
  const restricted = await testNamespace(t, 'helm-psa');
  cluster().kubectl(['label', 'namespace', restricted, 'pod-security.kubernetes.io/enforce=restricted']);
  const { serviceAccountName: _, ...spec } = pod;
  const out = cluster().kubectl(['create', '--dry-run=server', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { ...deployment.spec.template.metadata, name: 'rss-operator-psa', namespace: restricted }, spec }));
  assert.match(out, /created \(server dry run\)/);
});

test('cluster mode, installed: the ServiceAccount may reconcile in every namespace, use its Lease, and nothing more', async (t) => {
  const c = cluster();
  const namespace = await testNamespace(t, 'helm-cluster');
  const elsewhere = await testNamespace(t, 'helm-cluster-other');
  // A release name of its own: the ClusterRole and its binding are named after it.
  const release = `rss-operator-${namespace.slice(-6)}`;
  t.after(() => {
    try {
      helm(['uninstall', release, '--namespace', namespace, '--wait']);
    } catch {
      // The namespace's deletion takes the rest; the ClusterRole goes with the release or stays for inspection.
    }
  });
  helm(['install', release, chartDir, '--namespace', namespace, ...sets(['crds.install=false', 'watch.mode=cluster', 'replicas=1', 'leaderElection.enabled=true']), '--wait', '--timeout', '60s']);
  const user = serviceAccountUser(namespace, release);
  const allowed = [
    ['list', 'replicatedstatefulsets.clusterlabs.org', '--all-namespaces'],
    ['watch', 'pods', '--all-namespaces'],
    ['patch', 'replicatedstatefulsets.clusterlabs.org', '--subresource=status', '-n', elsewhere],
    ['create', 'pods', '--subresource=exec', '-n', elsewhere],
    ['delete', 'pods', '-n', elsewhere],
    ['patch', 'statefulsets.apps', '-n', elsewhere],
    ['create', 'events', '-n', elsewhere],
    ['watch', 'backups.clusterlabs.org', '--all-namespaces'],
    ['list', 'backupschedules.clusterlabs.org', '--all-namespaces'],
    ['create', 'backups.clusterlabs.org', '-n', elsewhere],
    ['delete', 'backups.clusterlabs.org', '-n', elsewhere],
    ['patch', 'backups.clusterlabs.org', '--subresource=status', '-n', elsewhere],
    ['patch', 'backupschedules.clusterlabs.org', '--subresource=status', '-n', elsewhere],
    // The storage credentials a cluster names, wherever it is: cluster mode reaches every namespace.
    ['get', 'secrets', '-n', elsewhere],
    ['create', 'leases.coordination.k8s.io', '-n', namespace],
    ['update', `leases.coordination.k8s.io/${release}`, '-n', namespace],
  ];
  assert.deepEqual(allowed.filter((args) => !canI(user, args)), [], 'allowed');
  const denied = [
    ['list', 'secrets', '--all-namespaces'],
    ['watch', 'secrets', '-n', elsewhere],
    ['create', 'backupschedules.clusterlabs.org', '-n', elsewhere],
    ['update', 'backups.clusterlabs.org', '-n', elsewhere],
    ['create', 'leases.coordination.k8s.io', '-n', elsewhere],
    ['update', 'leases.coordination.k8s.io/someone-else', '-n', namespace],
    ['delete', 'statefulsets.apps', '-n', elsewhere],
    ['create', 'pods', '-n', elsewhere],
    ['list', 'nodes'],
    ['create', 'clusterroles.rbac.authorization.k8s.io'],
  ];
  assert.deepEqual(denied.filter((args) => canI(user, args)), [], 'denied');
  helm(['uninstall', release, '--namespace', namespace, '--wait']);
  assert.equal(c.kubectl(['get', 'clusterrole,clusterrolebinding', '--ignore-not-found', '-o', 'name', release]).trim(), '', 'helm uninstall removes the ClusterRole and its binding');
});

test('helm install (a list of namespaces): the operator, with the chart\'s arguments and its ServiceAccount\'s token, runs a cluster in a watched namespace', async (t) => {
  const c = cluster();
  const namespace = await testNamespace(t, 'helm-run');
  const first = await testNamespace(t, 'helm-run-a');
  const second = await testNamespace(t, 'helm-run-b');
  const outside = await testNamespace(t, 'helm-run-out');
  t.after(() => {
    try {
      helm(['uninstall', 'rss-operator', '--namespace', namespace, '--wait']);
    } catch {
      // Already uninstalled below, or the namespaces' deletion takes the rest.
    }
  });
  // The CRD is there already (the suite's setup applied deploy/crd.yaml): installed without it, as a user
  // who manages the CRD separately does.
  const notes = helm(['install', 'rss-operator', chartDir, '--namespace', namespace, ...sets(['crds.install=false', 'watch.mode=namespaces', `watch.namespaces={${first},${second}}`]), '--wait', '--timeout', '60s']);
  assert.match(notes, new RegExp(`It watches ReplicatedStatefulSets in: ${first}, ${second}\\.`));
  assert.match(helm(['status', 'rss-operator', '--namespace', namespace]), /STATUS: deployed/);

  // The chart's two replicas run (here on kwok's fake nodes), on different nodes.
  const pods = (await c.core.listNamespacedPod({ namespace, labelSelector: 'app.kubernetes.io/name=rss-operator,app.kubernetes.io/instance=rss-operator' })).items;
  assert.equal(pods.length, 2);
  assert.notEqual(pods[0]!.spec?.nodeName, pods[1]!.spec?.nodeName, 'the anti-affinity spread the replicas');

  // What the ServiceAccount may do: reconcile in the watched namespaces, hold its Lease in its own, nothing else.
  const user = serviceAccountUser(namespace, 'rss-operator');
  const allowed = [first, second].flatMap((ns) => [
    ['watch', 'replicatedstatefulsets.clusterlabs.org', '-n', ns],
    ['patch', 'replicatedstatefulsets.clusterlabs.org', '--subresource=status', '-n', ns],
    ['create', 'pods', '--subresource=exec', '-n', ns],
    ['patch', 'services', '-n', ns],
    ['delete', 'pods', '-n', ns],
    ['list', 'backups.clusterlabs.org', '-n', ns],
    ['create', 'backups.clusterlabs.org', '-n', ns],
    ['watch', 'backupschedules.clusterlabs.org', '-n', ns],
    ['patch', 'backupschedules.clusterlabs.org', '--subresource=status', '-n', ns],
    ['get', 'secrets', '-n', ns],
  ]).concat([['create', 'leases.coordination.k8s.io', '-n', namespace], ['get', 'leases.coordination.k8s.io/rss-operator', '-n', namespace]]);
  assert.deepEqual(allowed.filter((args) => !canI(user, args)), [], 'allowed');
  const denied = [
    ['list', 'pods', '-n', outside],
    ['list', 'pods', '-n', namespace], // its own namespace is not in the list
    ['list', 'replicatedstatefulsets.clusterlabs.org', '--all-namespaces'],
    ['create', 'leases.coordination.k8s.io', '-n', first],
    ['get', 'secrets', '-n', outside],
    ['get', 'secrets', '-n', namespace],
    ['list', 'secrets', '-n', first],
    ['list', 'backups.clusterlabs.org', '-n', outside],
    ['delete', 'backupschedules.clusterlabs.org', '-n', first],
    ['delete', 'statefulsets.apps', '-n', second],
  ];
  assert.deepEqual(denied.filter((args) => canI(user, args)), [], 'denied');

  // The operator from this repository with the Deployment's arguments as the kubelet expands them, the
  // ServiceAccount's token, and its own port for /metrics.
  const deployment = await c.apps.readNamespacedDeployment({ namespace, name: 'rss-operator' });
  const chartArgs = deployment.spec!.template.spec!.containers[0]!.args!.map((a) => a.replaceAll('$(POD_NAMESPACE)', namespace));
  assert.ok(chartArgs.includes(`--namespace=${first},${second}`), chartArgs.join(' '));
  const kubeconfig = serviceAccountKubeconfig(t, namespace, 'rss-operator');
  const operator = startOperator(t, namespace, [...chartArgs, '--kubeconfig', kubeconfig, '--http-address', '127.0.0.1:0']);
  const noRefusals = () => assert.deepEqual(refusals(operator.log()), [], `the operator was refused something (log: ${operator.logFile})`);
  await eventually('the operator to lead', () => operator.log().includes('became the leader'), 30_000);

  const manifest = loadManifest('examples/dummy/cluster.yaml');
  manifest.spec.reconcileInterval = '2s';
  await createCluster(second, manifest);
  const running = (rss: ReplicatedStatefulSet) => rss.status?.phase === 'Running' && rss.status.members?.primary?.length === 3;
  const rss = await waitForCluster(second, 'example', '3 primaries in the second watched namespace', running, 120_000).catch((error: Error) => {
    throw new Error(`${error.message}\nrefusals: ${refusals(operator.log()).slice(0, 3).join('\n')}\n(log: ${operator.logFile})`);
  });
  assert.deepEqual(rss.status?.members?.primary, ['rss-example-0', 'rss-example-1', 'rss-example-2']);
  await waitForEvents(second, 'example', 'the operator recorded Events', (events) => events.some((e) => e.reason === 'Seeded'));

  // Backups and schedules in a watched namespace, through the chart's Role: a schedule gets its next time
  // (backupschedules/status); a Backup of a cluster without a backup command fails and says why
  // (backups/status). Both informers run in each watched namespace.
  const custom = (plural: string, name: string) => ({ group: GROUP, version: VERSION, namespace: second, plural, name });
  await c.custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: second, plural: BACKUP_SCHEDULE_PLURAL, body: { apiVersion: API_VERSION, kind: BACKUP_SCHEDULE_KIND, metadata: { name: 'yearly' }, spec: { cluster: 'example', schedule: '0 0 1 1 *' } } });
  await c.custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: second, plural: BACKUP_PLURAL, body: { apiVersion: API_VERSION, kind: BACKUP_KIND, metadata: { name: 'manual' }, spec: { cluster: 'example' } } });
  const schedule = await eventually('the BackupSchedule\'s next time in its status', async () => {
    const found = (await c.custom.getNamespacedCustomObject(custom(BACKUP_SCHEDULE_PLURAL, 'yearly'))) as BackupSchedule;
    return found.status?.nextScheduleTime ? found : undefined;
  }, 30_000);
  assert.match(schedule.status!.nextScheduleTime!, /-01-01T00:00:00Z$/);
  const backup = await eventually('the Backup to fail', async () => {
    const found = (await c.custom.getNamespacedCustomObject(custom(BACKUP_PLURAL, 'manual'))) as Backup;
    return found.status?.phase === 'Failed' ? found : undefined;
  }, 30_000);
  assert.match(backup.status!.message!, /no backup command/);
  noRefusals();
  const metrics = await (await fetch(`http://127.0.0.1:${await operator.port()}/metrics`)).text();
  assert.match(metrics, /^rss_operator_leader 1$/m);
  noRefusals();

  // SIGTERM: a clean stop that gives the Lease in the release namespace back.
  assert.equal(await operator.stop('SIGTERM'), 0, 'the operator exits 0 on SIGTERM');
  const lease = await c.kubeConfig.makeApiClient(CoordinationV1Api).readNamespacedLease({ namespace, name: 'rss-operator' });
  assert.equal(lease.spec?.holderIdentity ?? '', '', 'the Lease was released');
  noRefusals();

  // helm uninstall removes what it installed, in the watched namespaces too; the cluster is the user's.
  helm(['uninstall', 'rss-operator', '--namespace', namespace, '--wait']);
  for (const ns of [namespace, first, second]) assert.equal(c.kubectl(['get', 'role,rolebinding,serviceaccount,deployment,service', '-n', ns, '-o', 'name', '-l', 'app.kubernetes.io/instance=rss-operator']).trim(), '', `nothing of the release left in ${ns}`);
  assert.ok(c.kubectl(['get', 'rss', 'example', '-n', second, '-o', 'name']).includes('example'));
});
