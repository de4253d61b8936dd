// The exec agent: the part of a kubelet that kwok does not play. kwok runs `exec` as a local process;
// this agent gives every pod its own working directory (its "volume", kept across pod replacement like a
// PersistentVolumeClaim) and its environment (POD_NAME, POD_NAMESPACE and the container's env), by writing
// a kwok Exec object per pod, then marks the pod so kwok lets it become Running. When a pod goes away, the
// processes it started are killed and its `run/` folder (the container's ephemeral state) is wiped, as a
// container's death would.
import { CoreV1Api, CustomObjectsApi, KubeConfig, makeInformer, PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { processesUnder } from './localcluster.ts';

export const BOUND_ANNOTATION = 'local.rss-operator/exec';

const { values } = parseArgs({ options: { kubeconfig: { type: 'string' }, pods: { type: 'string' } } });
if (!values.kubeconfig || !values.pods) {
  console.error('usage: exec-agent --kubeconfig FILE --pods DIR');
  process.exit(2);
}
const podsRoot = values.pods;

const kc = new KubeConfig();
kc.loadFromFile(values.kubeconfig);
const core = kc.makeApiClient(CoreV1Api);
const custom = kc.makeApiClient(CustomObjectsApi);

function log(message: string, fields: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ time: new Date().toISOString(), msg: message, ...fields }));
}

function podDir(pod: V1Pod): string {
  return join(podsRoot, pod.metadata!.namespace!, pod.metadata!.name!);
}

function podEnv(pod: V1Pod, containerIndex: number): { name: string; value: string }[] {
  const name = pod.metadata!.name!;
  const namespace = pod.metadata!.namespace!;
  const env = new Map<string, string>([
    ['POD_NAME', name],
    ['POD_NAMESPACE', namespace],
  ]);
  const fields: Record<string, string | undefined> = {
    'metadata.name': name,
    'metadata.namespace': namespace,
    'metadata.uid': pod.metadata!.uid,
    'spec.nodeName': pod.spec?.nodeName,
    'spec.serviceAccountName': pod.spec?.serviceAccountName,
  };
  for (const e of pod.spec?.containers[containerIndex]?.env ?? []) {
    if (e.value !== undefined) env.set(e.name, e.value);
    else if (e.valueFrom?.fieldRef) {
      const v = fields[e.valueFrom.fieldRef.fieldPath];
      if (v !== undefined) env.set(e.name, v);
    }
  }
  return [...env].map(([n, value]) => ({ name: n, value }));
}

async function killProcesses(dir: string): Promise<void> {
  let pids = processesUnder(dir);
  if (pids.length === 0) return;
  for (const pid of pids) {
    try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ }
  }
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline && (pids = processesUnder(dir)).length > 0) await sleep(100);
  for (const pid of pids) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
  log('killed the processes of a removed pod', { dir, count: pids.length });
}

async function bind(pod: V1Pod): Promise<void> {
  const name = pod.metadata!.name!;
  const namespace = pod.metadata!.namespace!;
  const dir = podDir(pod);
  // A previous pod of the same name may have left processes behind; a new container starts clean.
  await killProcesses(dir);
  rmSync(join(dir, 'run'), { recursive: true, force: true });
  mkdirSync(join(dir, 'run'), { recursive: true });
  const body = {
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'Exec',
    metadata: {
      name,
      namespace,
      ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name, uid: pod.metadata!.uid!, controller: false, blockOwnerDeletion: false }],
    },
    spec: {
      execs: (pod.spec?.containers ?? []).map((c, i) => ({ containers: [c.name], local: { workDir: dir, envs: podEnv(pod, i) } })),
    },
  };
  await custom.patchNamespacedCustomObject(
    { group: 'kwok.x-k8s.io', version: 'v1alpha1', namespace, plural: 'execs', name, body, fieldManager: 'rss-local-exec-agent', force: true },
    setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
  );
  await core.patchNamespacedPod(
    { name, namespace, body: { metadata: { annotations: { [BOUND_ANNOTATION]: 'bound' } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  log('bound pod', { pod: `${namespace}/${name}`, dir });
}

async function release(pod: V1Pod): Promise<void> {
  const dir = podDir(pod);
  await killProcesses(dir);
  rmSync(join(dir, 'run'), { recursive: true, force: true });
}

// One chain of work per pod name, so a pod's replacement is bound only after its predecessor is cleaned up.
const chains = new Map<string, Promise<void>>();
const boundUids = new Set<string>();
function enqueue(key: string, work: () => Promise<void>): void {
  const next = (chains.get(key) ?? Promise.resolve())
    .then(work)
    .catch((error: unknown) => log('pod work failed', { pod: key, error: String(error) }));
  chains.set(key, next);
}

function onPod(pod: V1Pod): void {
  const key = `${pod.metadata!.namespace}/${pod.metadata!.name}`;
  const uid = pod.metadata!.uid!;
  if (pod.metadata?.deletionTimestamp) {
    enqueue(key, () => release(pod));
    return;
  }
  if (pod.metadata?.annotations?.[BOUND_ANNOTATION] === 'bound' || boundUids.has(uid)) return;
  boundUids.add(uid);
  enqueue(key, async () => {
    try {
      await bind(pod);
    } catch (error) {
      boundUids.delete(uid); // try again on the next event or resync
      throw error;
    }
  });
}

const informer = makeInformer(kc, '/api/v1/pods', () => core.listPodForAllNamespaces());
informer.on('add', onPod);
informer.on('update', onPod);
informer.on('delete', (pod) => {
  boundUids.delete(pod.metadata!.uid!);
  enqueue(`${pod.metadata!.namespace}/${pod.metadata!.name}`, () => release(pod));
});
informer.on('error', (error) => {
  log('pod watch failed; restarting', { error: String(error) });
  setTimeout(() => void informer.start().catch(() => undefined), 1000);
});
await informer.start();
mkdirSync(podsRoot, { recursive: true });
writeFileSync(join(dirname(podsRoot), 'exec-agent.ready'), String(process.pid));
log('exec agent ready', { pods: podsRoot });

const stop = () => {
  void informer.stop().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
