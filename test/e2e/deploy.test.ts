// The install manifests in deploy/: the API server accepts them, the RBAC grants exactly what the operator
// uses, and — the real proof — the operator from this repository, run with nothing but the ServiceAccount's
// token, brings up a cluster, backs it up into S3 with the credentials of a Secret, replaces a failed member
// and hands its Lease back without a "forbidden".
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { parseAllDocuments, stringify } from 'yaml';
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { Backup } from '../../src/api/backup-types.ts';
import { API_VERSION, BACKUP_KIND, BACKUP_PLURAL, FINALIZER_BACKUP_OBJECTS, GROUP, LABEL_BACKUP_CLUSTER, VERSION } from '../../src/api/names.ts';
import type { ReplicatedStatefulSet } from '../../src/api/types.ts';
import { objectStore, repoRoot } from '../../controlplane/localcluster.ts';
import { cluster, testNamespace } from '../support/cluster.ts';
import { canI as canIAs, refusals as refusalsIn, serviceAccountKubeconfig, serviceAccountUser } from '../support/serviceaccount.ts';
import { clusterEvents, commandsRan, createCluster, getCluster, loadManifest, startOperator, waitForEvents } from '../support/operator.ts';

const deployDir = join(repoRoot, 'deploy');

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}
interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  verbs: string[];
}

function readDeploy(file: string): string {
  return readFileSync(join(deployDir, file), 'utf8');
}

function documents(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as Manifest | null)
    .filter((d): d is Manifest => d !== null);
}

/** What the comment at the top of rbac.yaml tells users to do: `sed 's/namespace: rss-operator$/…/'`. */
function inNamespace(text: string, namespace: string): string {
  return text.replace(/^(\s*namespace: )rss-operator$/gm, `$1${namespace}`);
}

/** `kubectl auth can-i` as the operator's ServiceAccount. */
function canI(namespace: string, args: string[]): boolean {
  return canIAs(serviceAccountUser(namespace, 'rss-operator'), args);
}

const allPrimaries = (rss: ReplicatedStatefulSet) => (rss.status?.members?.primary?.length ?? 0) === 3 && rss.status?.phase === 'Running';

test('deploy/: the API server accepts every manifest (server-side dry run), in a namespace of the user\'s choosing', async (t) => {
  const c = cluster();
  const namespace = await testNamespace(t, 'deploy-dryrun');

  // The documented way to install elsewhere: deploy/ as a kustomize base with another namespace.
  const overlay = mkdtempSync(join(tmpdir(), 'rss-deploy-'));
  t.after(() => rmSync(overlay, { recursive: true, force: true }));
  writeFileSync(join(overlay, 'kustomization.yaml'), stringify({ namespace, resources: [relative(overlay, deployDir)] }));
  const rendered = documents(c.kubectl(['kustomize', overlay]));
  const kinds = rendered.map((d) => `${d.kind}/${d.metadata.name}`).sort();
  assert.deepEqual(kinds, [
    'CustomResourceDefinition/backups.clusterlabs.org',
    'CustomResourceDefinition/backupschedules.clusterlabs.org',
    'CustomResourceDefinition/replicatedstatefulsets.clusterlabs.org',
    'Deployment/rss-operator',
    `Namespace/${namespace}`,
    'Role/rss-operator',
    'RoleBinding/rss-operator',
    'Service/rss-operator-metrics',
    'ServiceAccount/rss-operator',
  ]);
  for (const d of rendered) if (d.kind !== 'Namespace' && d.kind !== 'CustomResourceDefinition') assert.equal(d.metadata.namespace, namespace, `${d.kind} moved to the namespace`);
  const binding = rendered.find((d) => d.kind === 'RoleBinding') as unknown as { subjects: { namespace: string }[] };
  assert.equal(binding.subjects[0]!.namespace, namespace, 'kustomize rewrote the RoleBinding subject');

  const applied = c.kubectl(['apply', '--dry-run=server', '-k', overlay]);
  assert.equal(applied.match(/\(server dry run\)/g)?.length, 9, applied);

  // The cluster-wide variant, rewritten as its comment says.
  const clusterWide = c.kubectl(['apply', '--dry-run=server', '-f', '-'], inNamespace(readDeploy('rbac-cluster.yaml'), namespace));
  assert.equal(clusterWide.match(/\(server dry run\)/g)?.length, 5, clusterWide);
});

test('deploy/: the two RBAC variants grant the same rules, without wildcards; the Deployment is hardened', () => {
  const namespaced = documents(readDeploy('rbac.yaml'));
  const clusterWide = documents(readDeploy('rbac-cluster.yaml'));
  const rulesOf = (docs: Manifest[], kind: string, name: string) => (docs.find((d) => d.kind === kind && d.metadata.name === name) as unknown as { rules: PolicyRule[] }).rules;
  const isLease = (r: PolicyRule) => r.resources?.includes('leases') ?? false;

  const role = rulesOf(namespaced, 'Role', 'rss-operator');
  assert.deepEqual(rulesOf(clusterWide, 'ClusterRole', 'rss-operator'), role.filter((r) => !isLease(r)));
  assert.deepEqual(rulesOf(clusterWide, 'Role', 'rss-operator-leader-election'), role.filter(isLease));
  for (const rule of role) {
    for (const field of [rule.apiGroups, rule.resources, rule.verbs, rule.resourceNames]) assert.ok(!field?.includes('*'), `no wildcard in ${JSON.stringify(rule)}`);
  }

  const operator = documents(readDeploy('operator.yaml'));
  const deployment = operator.find((d) => d.kind === 'Deployment') as unknown as {
    spec: { replicas: number; template: { spec: { serviceAccountName: string; securityContext: Record<string, unknown>; terminationGracePeriodSeconds: number; containers: Record<string, any>[] } } };
  };
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0]!;
  assert.equal(deployment.spec.replicas, 2);
  assert.equal(pod.serviceAccountName, 'rss-operator');
  assert.equal(pod.terminationGracePeriodSeconds, 30);
  assert.deepEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } });
  assert.deepEqual(container.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
  assert.equal(container.image, `ghcr.io/clusterlabs/rss-operator:${JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version}`);
  assert.ok(container.args.includes('--namespace=$(POD_NAMESPACE)'));
  assert.deepEqual(container.env.find((e: { name: string }) => e.name === 'POD_NAMESPACE').valueFrom, { fieldRef: { fieldPath: 'metadata.namespace' } });
  assert.deepEqual([container.livenessProbe.httpGet, container.readinessProbe.httpGet], [{ path: '/healthz', port: 'metrics' }, { path: '/readyz', port: 'metrics' }]);
  assert.deepEqual(container.ports, [{ name: 'metrics', containerPort: 8080, protocol: 'TCP' }]);
});

test('deploy/: the operator\'s pod passes the restricted Pod Security Standard', async (t) => {
  const c = cluster();
  const namespace = await testNamespace(t, 'deploy-psa');
  c.kubectl(['label', 'namespace', namespace, 'pod-security.kubernetes.io/enforce=restricted', 'pod-security.kubernetes.io/warn=restricted']);
  const deployment = documents(readDeploy('operator.yaml')).find((d) => d.kind === 'Deployment') as unknown as { spec: { template: { metadata: object; spec: Record<string, unknown> } } };
  // The ServiceAccount is not there in this namespace; it plays no part in the pod security check.
  const { serviceAccountName: _, ...spec } = deployment.spec.template.spec;
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { ...deployment.spec.template.metadata, name: 'rss-operator-psa', namespace }, spec };
  const out = c.kubectl(['create', '--dry-run=server', '-f', '-'], JSON.stringify(pod));
  assert.match(out, /created \(server dry run\)/);
});

test('RBAC: the ServiceAccount may do everything the operator does, and not more', async (t) => {
  const c = cluster();
  const namespace = await testNamespace(t, 'deploy-rbac');
  c.kubectl(['apply', '-f', '-'], inNamespace(readDeploy('rbac.yaml'), namespace));
  const ns = ['-n', namespace];

  // Every call in src/: informers, status and annotation patches, pod labels and replacement, exec,
  // server-side apply of the StatefulSet and Service, Events, the Lease; Backups (informer, made and pruned
  // by schedules, label and finalizer, status), BackupSchedules (informer, status), the storage Secrets.
  const needed: string[][] = [
    ['list', 'replicatedstatefulsets.clusterlabs.org'],
    ['watch', 'replicatedstatefulsets.clusterlabs.org'],
    ['patch', 'replicatedstatefulsets.clusterlabs.org'],
    ['patch', 'replicatedstatefulsets.clusterlabs.org', '--subresource=status'],
    ['update', 'replicatedstatefulsets.clusterlabs.org', '--subresource=finalizers'],
    ['list', 'backups.clusterlabs.org'],
    ['watch', 'backups.clusterlabs.org'],
    ['create', 'backups.clusterlabs.org'],
    ['patch', 'backups.clusterlabs.org'],
    ['delete', 'backups.clusterlabs.org'],
    ['patch', 'backups.clusterlabs.org', '--subresource=status'],
    ['update', 'backups.clusterlabs.org', '--subresource=finalizers'],
    ['list', 'backupschedules.clusterlabs.org'],
    ['watch', 'backupschedules.clusterlabs.org'],
    ['patch', 'backupschedules.clusterlabs.org', '--subresource=status'],
    ['get', 'secrets'],
    ['list', 'pods'],
    ['watch', 'pods'],
    ['patch', 'pods'],
    ['delete', 'pods'],
    ['create', 'pods', '--subresource=exec'],
    ['get', 'pods', '--subresource=exec'],
    ['list', 'statefulsets.apps'],
    ['watch', 'statefulsets.apps'],
    ['create', 'statefulsets.apps'],
    ['patch', 'statefulsets.apps'],
    ['list', 'services'],
    ['watch', 'services'],
    ['create', 'services'],
    ['patch', 'services'],
    ['create', 'events'],
    ['patch', 'events'],
    ['create', 'leases.coordination.k8s.io'],
    ['get', 'leases.coordination.k8s.io/rss-operator'],
    ['update', 'leases.coordination.k8s.io/rss-operator'],
  ];
  const missing = needed.filter((args) => !canI(namespace, [...args, ...ns]));
  assert.deepEqual(missing, [], 'allowed');

  const forbidden: string[][] = [
    // Nothing outside its namespace, nothing cluster-scoped.
    ['list', 'pods', '-n', 'default'],
    ['list', 'replicatedstatefulsets.clusterlabs.org', '--all-namespaces'],
    ['patch', 'statefulsets.apps', '-n', 'kube-system'],
    ['list', 'nodes'],
    ['list', 'namespaces'],
    ['create', 'customresourcedefinitions.apiextensions.k8s.io'],
    // Secrets: get by name only (the storage credentials a cluster names); the kubelet mounts the rest.
    ['list', 'secrets', ...ns],
    ['watch', 'secrets', ...ns],
    ['create', 'secrets', ...ns],
    ['update', 'secrets', ...ns],
    ['get', 'secrets', '-n', 'default'],
    // Children go with the RSS through the garbage collector; the operator never deletes them itself, and
    // writes them only by server-side apply (patch), never by update.
    ['delete', 'statefulsets.apps', ...ns],
    ['update', 'statefulsets.apps', ...ns],
    ['delete', 'services', ...ns],
    ['delete', 'persistentvolumeclaims', ...ns],
    ['list', 'persistentvolumeclaims', ...ns],
    // Pods are made by the StatefulSet controller, not by the operator; no other way into a pod.
    ['create', 'pods', ...ns],
    ['update', 'pods', ...ns],
    ['create', 'pods', '--subresource=attach', ...ns],
    ['create', 'pods', '--subresource=portforward', ...ns],
    ['create', 'pods', '--subresource=ephemeralcontainers', ...ns],
    // The users' objects are theirs.
    ['create', 'replicatedstatefulsets.clusterlabs.org', ...ns],
    ['update', 'replicatedstatefulsets.clusterlabs.org', ...ns],
    ['delete', 'replicatedstatefulsets.clusterlabs.org', ...ns],
    ['update', 'replicatedstatefulsets.clusterlabs.org', '--subresource=status', ...ns],
    ['create', 'backupschedules.clusterlabs.org', ...ns],
    ['patch', 'backupschedules.clusterlabs.org', ...ns],
    ['delete', 'backupschedules.clusterlabs.org', ...ns],
    ['update', 'backups.clusterlabs.org', ...ns],
    ['update', 'backups.clusterlabs.org', '--subresource=status', ...ns],
    ['list', 'backups.clusterlabs.org', '--all-namespaces'],
    // Only its own Lease; and no RBAC of its own to widen.
    ['update', 'leases.coordination.k8s.io/someone-else', ...ns],
    ['delete', 'leases.coordination.k8s.io/rss-operator', ...ns],
    ['create', 'roles.rbac.authorization.k8s.io', ...ns],
    ['create', 'rolebindings.rbac.authorization.k8s.io', ...ns],
    ['create', 'serviceaccounts', '--subresource=token', ...ns],
    ['delete', 'events', ...ns],
  ];
  const granted = forbidden.filter((args) => canI(namespace, args));
  assert.deepEqual(granted, [], 'denied');
});

test('RBAC is enough for the real thing: the operator, as the ServiceAccount, runs a cluster, backs it up, replaces a failed member, releases its Lease', async (t) => {
  const c = cluster();
  const namespace = await testNamespace(t, 'deploy-run');
  c.kubectl(['apply', '-f', '-'], inNamespace(readDeploy('rbac.yaml'), namespace));
  const kubeconfig = serviceAccountKubeconfig(t, namespace, 'rss-operator');
  // The kubeconfig really is the ServiceAccount: it cannot list Secrets.
  assert.throws(() => c.kubectl(['--kubeconfig', kubeconfig, 'get', 'secrets', '-n', namespace]), /forbidden/i);

  const logs = join(repoRoot, '.cache', 'test-logs');
  mkdirSync(logs, { recursive: true });
  const logFile = join(logs, `${namespace}-operator.log`);
  const out = createWriteStream(logFile);
  const env = { ...process.env };
  delete env.KUBECONFIG;
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'src', 'main.ts'), '--kubeconfig', kubeconfig, '--namespace', namespace, '--lease-namespace', namespace, '--http-address', '127.0.0.1:0', '--log-level', 'debug', '--lease-duration', '6s'],
    { stdio: ['ignore', 'pipe', 'pipe'], env },
  );
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  // A refusal shows as "… is forbidden: User … cannot …" from the REST calls, and as "Unexpected server
  // response: 403" from the exec WebSocket (which says nothing more).
  const refusals = () => refusalsIn(log());
  const noRefusals = () => assert.deepEqual(refusals(), [], `the operator was refused something (full log: ${logFile})`);
  /** Polls `probe` until it gives a value; fails at once when the operator logs a refusal. */
  const until = async <T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      const refused = refusals();
      if (refused.length) assert.fail(`waiting for ${what}, the operator was refused: ${refused[0]!.slice(0, 600)}\n(full log: ${logFile})`);
      if (child.exitCode !== null) assert.fail(`waiting for ${what}, the operator exited with ${child.exitCode} (log: ${logFile})`);
      try {
        const value = await probe();
        if (value !== undefined && value !== false) return value;
      } catch (error) {
        last = error;
      }
      await sleep(200);
    }
    assert.fail(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? ` (last: ${String(last)})` : ''} (log: ${logFile})`);
  };
  const clusterWhere = async (what: string, check: (rss: ReplicatedStatefulSet) => boolean): Promise<ReplicatedStatefulSet> => {
    let last: ReplicatedStatefulSet | undefined;
    try {
      return await until(what, async () => {
        last = await getCluster(namespace, 'example');
        return check(last) ? last : undefined;
      }, 120_000);
    } catch (error) {
      throw new Error(`${(error as Error).message}\nlast status: ${JSON.stringify(last?.status)}`);
    }
  };

  await until('the operator to lead', () => log().includes('became the leader'), 30_000);
  // The cluster backs up into a bucket of the control plane's S3 server, with credentials from a Secret.
  const store = objectStore();
  assert.ok(store, 'the local control plane runs without its S3 server (component s3): see .cache/controlplane/logs/s3.log');
  const s3 = new S3Client({ endpoint: store.endpoint, region: store.region, forcePathStyle: true, credentials: { accessKeyId: store.accessKeyId, secretAccessKey: store.secretAccessKey } });
  const bucket = `rss-${namespace}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const objects = async () => ((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key!).sort();
  t.after(async () => {
    for (const key of await objects().catch(() => [])) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })).catch(() => undefined);
    await s3.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => undefined);
    s3.destroy();
  });
  await c.core.createNamespacedSecret({ namespace, body: { metadata: { name: 'backup-storage' }, stringData: { accessKeyId: store.accessKeyId, secretAccessKey: store.secretAccessKey } } });
  const manifest = loadManifest('examples/dummy/cluster.yaml');
  manifest.spec.reconcileInterval = '2s';
  manifest.spec.pod!.commands!.backup = { command: ['rss-dummy', 'backup'] };
  manifest.spec.backup = {
    storage: {
      s3: {
        endpoint: store.endpoint,
        bucket,
        region: store.region,
        credentials: { accessKeyId: { name: 'backup-storage', key: 'accessKeyId' }, secretAccessKey: { name: 'backup-storage', key: 'secretAccessKey' } },
      },
    },
  };
  await createCluster(namespace, manifest);
  let rss = await clusterWhere('3 primaries', allPrimaries);
  assert.deepEqual(rss.status?.members?.primary, ['rss-example-0', 'rss-example-1', 'rss-example-2']);
  // The operator labels its members (pods patch) and records Events (events create).
  const pods = await until('the members labelled active', async () => {
    const list = await c.core.listNamespacedPod({ namespace, labelSelector: 'app=example,rss-active-member=true,rss-role=primary' });
    return list.items.length === 3 ? list : undefined;
  }, 30_000);
  await waitForEvents(namespace, 'example', 'the operator recorded Events', (events) => events.some((e) => e.reason === 'Seeded'));
  noRefusals();

  // A backup: the operator gets the Secret the cluster names (secrets get), labels the Backup and adds its
  // finalizer (backups patch), writes its progress (backups/status patch) and streams the member's backup
  // into the bucket. Deleting it (deletionPolicy Delete) removes the objects, then the finalizer.
  const backupRef = { group: GROUP, version: VERSION, namespace, plural: BACKUP_PLURAL, name: 'manual' };
  t.after(() => {
    // Should the test stop half-way, the finalizer must not hold the namespace's deletion.
    try {
      c.kubectl(['patch', 'backups.clusterlabs.org', 'manual', '-n', namespace, '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
    } catch {
      // Gone already.
    }
  });
  await c.custom.createNamespacedCustomObject({ ...backupRef, body: { apiVersion: API_VERSION, kind: BACKUP_KIND, metadata: { name: 'manual' }, spec: { cluster: 'example', deletionPolicy: 'Delete' } } });
  let lastBackup: Backup | undefined;
  const backup = await until('the backup to end', async () => {
    lastBackup = (await c.custom.getNamespacedCustomObject(backupRef)) as Backup;
    return lastBackup.status?.phase === 'Completed' || lastBackup.status?.phase === 'Failed' ? lastBackup : undefined;
  }, 60_000).catch((error: Error) => {
    throw new Error(`${error.message}\nlast backup: ${JSON.stringify(lastBackup?.status)}`);
  });
  assert.equal(backup.status?.phase, 'Completed', `the backup: ${backup.status?.message} (log: ${logFile})`);
  assert.equal(backup.metadata.labels?.[LABEL_BACKUP_CLUSTER], 'example');
  assert.deepEqual(backup.metadata.finalizers, [FINALIZER_BACKUP_OBJECTS]);
  const key = backup.status!.objectKey!;
  assert.deepEqual(await objects(), [key, `${key}.json`].sort(), 'the data object and its manifest are in the bucket');
  await c.custom.deleteNamespacedCustomObject(backupRef);
  await until('the Backup and its objects gone', async () => {
    const gone = await c.custom.getNamespacedCustomObject(backupRef).then(() => false, (error: { code?: number }) => error.code === 404);
    return gone && (await objects()).length === 0;
  }, 30_000);
  noRefusals();

  // A member whose status fails and whose stop fails too: the operator deletes its pod (pods delete).
  const member = 'rss-example-2';
  const oldUid = pods.items.find((p) => p.metadata?.name === member)!.metadata!.uid;
  const faults = join(c.podDir(namespace, member), 'faults');
  mkdirSync(faults, { recursive: true });
  writeFileSync(join(faults, 'status'), 'exit 3\n');
  writeFileSync(join(faults, 'stop'), 'exit 1\n');
  await until('the failed member\'s pod replaced', async () => (await clusterEvents(namespace, 'example')).some((e) => e.reason === 'MemberReplaced' && e.message.includes(member)), 90_000);
  rmSync(faults, { recursive: true, force: true });
  rss = await clusterWhere(`${member} rejoined in a new pod`, (r) => {
    const m = r.status?.memberStatus?.find((x) => x.name === member);
    return allPrimaries(r) && m?.role === 'primary' && m.podUID !== undefined && m.podUID !== oldUid;
  });
  assert.ok(commandsRan(namespace, member).some((x) => x.verb === 'primary'), `${member} joined again`);
  noRefusals();

  // SIGTERM: a clean stop, giving the Lease back (get + update of its own Lease).
  child.kill('SIGTERM');
  assert.equal(await exited, 0, 'the operator exits 0 on SIGTERM');
  const lease = await c.kubeConfig.makeApiClient(CoordinationV1Api).readNamespacedLease({ namespace, name: 'rss-operator' });
  assert.equal(lease.spec?.holderIdentity ?? '', '', 'the Lease was released');
  assert.doesNotMatch(log(), /could not (record an event|release the lease)/);
  noRefusals();
});

test('an exec the operator may not run is reported and retried with backoff, never taken for a failed member', async (t) => {
  const c = cluster();
  const namespace = await testNamespace(t, 'deploy-noexec');
  // The namespaced RBAC, less pods/exec.
  const withoutExec = documents(inNamespace(readDeploy('rbac.yaml'), namespace)).map((doc) =>
    doc.kind === 'Role' ? { ...doc, rules: (doc.rules as PolicyRule[]).filter((r) => !(r.resources ?? []).includes('pods/exec')) } : doc,
  );
  c.kubectl(['apply', '-f', '-'], withoutExec.map((d) => stringify(d)).join('---\n'));
  startOperator(t, namespace, ['--kubeconfig', serviceAccountKubeconfig(t, namespace, 'rss-operator')]);
  await createCluster(namespace, loadManifest('examples/dummy/cluster.yaml'));

  const event = await (async () => {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const found = (await clusterEvents(namespace, 'example')).find((e) => e.reason === 'ExecFailed');
      if (found) return found;
      await sleep(200);
    }
    assert.fail('no ExecFailed event');
  })();
  assert.equal(event.type, 'Warning');
  assert.match(event.message, /forbidden/);
  const progressing = await (async () => {
    for (let i = 0; i < 100; i++) {
      const found = (await getCluster(namespace, 'example')).status?.conditions?.find((x) => x.type === 'Progressing');
      if (found?.reason === 'ExecFailed') return found;
      await sleep(200);
    }
    assert.fail('Progressing never said ExecFailed');
  })();
  assert.equal(progressing.status, 'False');
  assert.match(progressing.message, /could not run status in rss-example-\d: .*forbidden/);
  const before = (await c.core.listNamespacedPod({ namespace })).items.map((p) => p.metadata?.uid).sort();
  assert.equal(before.length, 3);
  await sleep(5000);
  const after = (await c.core.listNamespacedPod({ namespace })).items.map((p) => p.metadata?.uid).sort();
  assert.deepEqual(after, before, 'no member pod was deleted');
  for (const pod of ['rss-example-0', 'rss-example-1', 'rss-example-2']) assert.deepEqual(commandsRan(namespace, pod), [], `nothing ran in ${pod}`);
  const reasons = (await clusterEvents(namespace, 'example')).map((e) => e.reason);
  assert.ok(!reasons.includes('MemberReplaced') && !reasons.includes('MemberFailed'), `events: ${reasons.join(', ')}`);
});
