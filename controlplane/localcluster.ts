// The local control plane: etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok (the
// kubelet of a few fake nodes) on loopback, plus the exec agent that gives each pod its own working
// directory and versitygw, an S3 server over a local folder (objectStore()) for backups. Used by the
// `controlplane` CLI, the demo and the end-to-end tests. `up({ realNodes })` also joins real nodes (kubelet,
// containerd, runc: realnode.ts) for the real-node suite.
import { spawn, execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, closeSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { alive, processesUnder } from './processes.ts';
import { pushImages, realNodesRunning, startRealNodes, stopRealNodes, type RealNodesState } from './realnode.ts';

// The pods' processes, for the demo, the benchmarks and the tests.
export { processesUnder } from './processes.ts';

export const repoRoot = resolve(dirname(new URL(import.meta.url).pathname), '..');
const controlplaneDir = join(repoRoot, 'controlplane');

export interface LocalClusterPaths {
  state: string;
  kubeconfig: string;
  bin: string;
  pods: string;
  logs: string;
}

interface Ports {
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
  kwok: number;
  s3: number;
}

/** The local S3 server: where it listens, the root credentials it accepts, the folder it keeps buckets in. */
export interface ObjectStore {
  /** http://127.0.0.1:<port>; clients address buckets in the path (forcePathStyle), not as host names. */
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** A bucket is a subfolder of it and an object a file below that (versitygw's posix backend). */
  dir: string;
}

interface StateFile {
  bin: string;
  ports: Ports;
  pids: Record<string, number>;
  startedAt: string;
  /** Absent in the state of a control plane started before it had an S3 server. */
  objectStore?: ObjectStore;
  /** Real nodes (kubelet, containerd) joined to it: `up --real-node`. */
  realNodes?: RealNodesState;
}

/** Components in start order; stopped in reverse. */
const COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok', 'exec-agent', 's3'] as const;
type Component = (typeof COMPONENTS)[number];
/** The program behind a component whose name does not say it, for error messages. */
const PROGRAMS: Partial<Record<Component, string>> = { s3: 'versitygw' };
const S3_REGION = 'us-east-1';

export const NODE_COUNT = Number(process.env.RSS_LOCAL_NODES ?? 6);
/** kwok hands pod IPs out of this loopback range; nothing ever connects to them. */
const POD_CIDR = '127.100.0.1/16';
/** Service IPs are only bookkeeping here: nothing connects to a Service IP. */
const SERVICE_CIDR = '10.96.0.0/16';

export function paths(): LocalClusterPaths {
  const state = resolve(process.env.RSS_CONTROLPLANE_DIR ?? join(repoRoot, '.cache', 'controlplane'));
  return {
    state,
    kubeconfig: join(state, 'kubeconfig'),
    bin: '',
    pods: join(state, 'pods'),
    logs: join(state, 'logs'),
  };
}

function log(message: string): void {
  process.stderr.write(`controlplane: ${message}\n`);
}

export class ControlPlaneError extends Error {
  readonly component: string;
  constructor(component: string, message: string) {
    super(`${component}: ${message}`);
    this.name = 'ControlPlaneError';
    this.component = component;
  }
}

/** Builds the binaries if needed (cached by version) and returns their folder. */
export function build(): string {
  const result = spawnSync('bash', [join(controlplaneDir, 'build.sh')], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  // build.sh's status 3: everything but versitygw was built.
  if (result.status === 3) {
    throw new ControlPlaneError('s3', 'versitygw could not be built by controlplane/build-versitygw.sh; its messages are above');
  }
  if (result.status !== 0) {
    throw new ControlPlaneError('build', `controlplane/build.sh failed (exit ${result.status ?? result.signal}); its messages are above`);
  }
  const bin = result.stdout.trim().split('\n').pop() ?? '';
  if (!existsSync(join(bin, 'kube-apiserver'))) throw new ControlPlaneError('build', `no kube-apiserver in ${bin}`);
  if (!existsSync(join(bin, 'versitygw'))) throw new ControlPlaneError('s3', `no versitygw in ${bin} (controlplane/build.sh links it there)`);
  return bin;
}

function readState(): StateFile | undefined {
  const file = join(paths().state, 'state.json');
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StateFile;
  } catch {
    return undefined;
  }
}

async function freePort(): Promise<number> {
  return await new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function openssl(args: string[], cwd: string): void {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new ControlPlaneError('pki', `openssl ${args[0]} failed: ${r.stderr.trim() || r.error?.message}`);
}

/** A CA, a serving certificate for 127.0.0.1 (apiserver and kwok), an admin client certificate, the SA key. */
function ensurePki(dir: string): void {
  if (existsSync(join(dir, 'admin.crt'))) return;
  mkdirSync(dir, { recursive: true });
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '3650', '-subj', '/CN=rss-local-ca'], dir);
  writeFileSync(join(dir, 'serving.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  issueCertificate(dir, 'serving', '/CN=127.0.0.1', 'serving.ext');
  openssl(['genrsa', '-out', 'sa.key', '2048'], dir);
  openssl(['rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
  issueCertificate(dir, 'admin', '/O=system:masters/CN=rss-local-admin');
}

/** <name>.key and <name>.crt in `dir`, signed by its CA (ca.key); `ext`: an extensions file (SANs, usages). */
function issueCertificate(dir: string, name: string, subject: string, ext?: string): void {
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject], dir);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '3650', ...(ext ? ['-extfile', ext] : [])], dir);
}

function writeKubeconfig(file: string, pki: string, port: number): void {
  const b64 = (name: string) => readFileSync(join(pki, name)).toString('base64');
  writeFileSync(
    file,
    `apiVersion: v1
kind: Config
clusters:
- name: rss-local
  cluster:
    server: https://127.0.0.1:${port}
    certificate-authority-data: ${b64('ca.crt')}
users:
- name: rss-local-admin
  user:
    client-certificate-data: ${b64('admin.crt')}
    client-key-data: ${b64('admin.key')}
contexts:
- name: rss-local
  context:
    cluster: rss-local
    user: rss-local-admin
    namespace: default
current-context: rss-local
`,
    { mode: 0o600 },
  );
}

function startProcess(name: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const p = paths();
  mkdirSync(p.logs, { recursive: true });
  const out = openSync(join(p.logs, `${name}.log`), 'a');
  const child = spawn(command, args, { detached: true, stdio: ['ignore', out, out], env });
  closeSync(out);
  child.unref();
  if (!child.pid) throw new ControlPlaneError(name, `could not start ${command}`);
  return child.pid;
}

function logTail(name: string, lines = 15): string {
  try {
    const text = readFileSync(join(paths().logs, `${name}.log`), 'utf8').trimEnd().split('\n');
    return text.slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function waitFor(name: string, pid: number, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const program = PROGRAMS[name as Component] ? `${PROGRAMS[name as Component]} ` : '';
  while (Date.now() < deadline) {
    if (!alive(pid)) throw new ControlPlaneError(name, `${program}exited during start-up. Last lines of ${join(paths().logs, name + '.log')}:\n${logTail(name)}`);
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    await sleep(250);
  }
  throw new ControlPlaneError(name, `${program}not ready after ${timeoutMs / 1000} s. Last lines of its log:\n${logTail(name)}`);
}

export function kubectl(bin: string, args: string[], input?: string): string {
  return execFileSync(join(bin, 'kubectl'), ['--kubeconfig', paths().kubeconfig, ...args], {
    encoding: 'utf8',
    input,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Folders holding application commands that the fake nodes can run (the demo applications' bin folders). */
function applicationPath(): string {
  const examples = join(repoRoot, 'examples');
  const dirs = existsSync(examples)
    ? readdirSync(examples)
        .map((d) => join(examples, d, 'bin'))
        .filter((d) => existsSync(d))
    : [];
  return [...dirs, process.env.PATH ?? '/usr/bin:/bin'].join(':');
}

function nodeManifest(): string {
  const nodes: string[] = [];
  for (let i = 0; i < NODE_COUNT; i++) {
    nodes.push(`apiVersion: v1
kind: Node
metadata:
  name: kwok-node-${i}
  annotations:
    kwok.x-k8s.io/node: fake
  labels:
    kubernetes.io/hostname: kwok-node-${i}
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    type: kwok
spec: {}
`);
  }
  return nodes.join('---\n');
}

// Random credentials in the shape of AWS keys (20 and 40 characters), new for every cluster; letters and
// digits only, so that they need no quoting in a shell.
const KEY_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function randomKey(length: number, alphabet: string): string {
  return [...randomBytes(length)].map((b) => alphabet[b % alphabet.length]).join('');
}

export interface UpResult {
  kubeconfig: string;
  bin: string;
  reused: boolean;
  seconds: number;
}

/** Whether a previously started control plane is fully running. */
export function isUp(): boolean {
  const state = readState();
  if (!state) return false;
  return COMPONENTS.every((c) => alive(state.pids[c]));
}

export interface UpOptions {
  /** Real nodes to join (kubelet, containerd, runc): 0 for kwok's fake nodes alone. */
  realNodes?: number;
}

function writeState(state: StateFile): void {
  // 0600: the state holds the S3 secret.
  writeFileSync(join(paths().state, 'state.json'), JSON.stringify(state, null, 2), { mode: 0o600 });
}

/** Runs a build script of controlplane/ (cached builds) and returns the folder it prints last. */
function buildScript(name: string): string {
  const result = spawnSync('bash', [join(controlplaneDir, name)], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (result.status !== 0) throw new ControlPlaneError('real-node', `controlplane/${name} failed (exit ${result.status ?? result.signal}); its messages are above`);
  return result.stdout.trim().split('\n').pop() ?? '';
}

/** Builds the node's binaries and images (cached) and joins `count` real nodes to the running control plane. */
async function addRealNodes(state: StateFile, count: number): Promise<void> {
  const p = paths();
  if (state.realNodes) {
    log('the real nodes are partly running; stopping them first');
    await stopRealNodes(state.realNodes, log);
    delete state.realNodes;
    writeState(state);
  }
  const nodeBin = buildScript('build-node.sh');
  const imageDir = buildScript('build-images.sh');
  const pki = join(p.state, 'pki');
  const started = Date.now();
  try {
    state.realNodes = await startRealNodes(
      {
        stateDir: p.state,
        nodeBin,
        bin: state.bin,
        pki,
        apiserverPort: state.ports.apiserver,
        kubeconfig: p.kubeconfig,
        // Issued once per control plane: a node rejoining after `up` again keeps its identity.
        issueClientCertificate: (name, subject) => {
          if (!existsSync(join(pki, `${name}.crt`))) issueCertificate(pki, name, subject);
        },
        startProcess,
        waitFor,
        log,
      },
      count,
      imageDir,
      (partial) => {
        state.realNodes = partial;
        writeState(state);
      },
    );
  } catch (error) {
    delete state.realNodes;
    writeState(state);
    throw error instanceof ControlPlaneError ? error : new ControlPlaneError('real-node', (error as Error).message);
  }
  writeState(state);
  log(`${count} real node${count === 1 ? '' : 's'} ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Starts the control plane, or reuses a running one. Throws ControlPlaneError naming the part that failed. */
export async function up(options: UpOptions = {}): Promise<UpResult> {
  const started = Date.now();
  const p = paths();
  const existing = readState();
  if (existing && isUp()) {
    if (options.realNodes && !realNodesRunning(existing.realNodes)) await addRealNodes(existing, options.realNodes);
    else if (options.realNodes && existing.realNodes) {
      // The images may have changed since the nodes started (the operator's source, an example's agent).
      existing.realNodes.images = pushImages(existing.realNodes, buildScript('build-images.sh'));
      writeState(existing);
    }
    return { kubeconfig: p.kubeconfig, bin: existing.bin, reused: true, seconds: (Date.now() - started) / 1000 };
  }
  if (existing) {
    log('a previous control plane is partly running; stopping it first');
    await down({ keepState: false });
  }
  const bin = build();
  mkdirSync(p.state, { recursive: true });
  const pki = join(p.state, 'pki');
  ensurePki(pki);
  const ports: Ports = { etcdClient: await freePort(), etcdPeer: await freePort(), apiserver: await freePort(), kwok: await freePort(), s3: await freePort() };
  writeKubeconfig(p.kubeconfig, pki, ports.apiserver);
  const store: ObjectStore = {
    endpoint: `http://127.0.0.1:${ports.s3}`,
    region: S3_REGION,
    accessKeyId: randomKey(20, KEY_ID_ALPHABET),
    secretAccessKey: randomKey(40, SECRET_ALPHABET),
    dir: join(p.state, 's3'),
  };
  const pids: Record<string, number> = {};
  const save = () => writeState({ bin, ports, pids, startedAt: new Date().toISOString(), objectStore: store });
  const probe = (args: string[]) => () => {
    const r = spawnSync(join(bin, 'kubectl'), ['--kubeconfig', p.kubeconfig, ...args], { encoding: 'utf8' });
    return r.status === 0;
  };

  try {
    const etcdUrl = `http://127.0.0.1:${ports.etcdClient}`;
    const peerUrl = `http://127.0.0.1:${ports.etcdPeer}`;
    pids.etcd = startProcess('etcd', join(bin, 'etcd'), [
      '--name=local', `--data-dir=${join(p.state, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`, `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`, `--initial-advertise-peer-urls=${peerUrl}`, `--initial-cluster=local=${peerUrl}`,
      '--unsafe-no-fsync', '--log-level=warn',
    ]);
    save();
    await waitFor('etcd', pids.etcd, async () => (await fetch(`${etcdUrl}/health`)).ok, 30_000);

    pids['kube-apiserver'] = startProcess('kube-apiserver', join(bin, 'kube-apiserver'), [
      `--etcd-servers=${etcdUrl}`, '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--secure-port=${ports.apiserver}`,
      `--tls-cert-file=${join(pki, 'serving.crt')}`, `--tls-private-key-file=${join(pki, 'serving.key')}`,
      `--client-ca-file=${join(pki, 'ca.crt')}`,
      `--service-account-key-file=${join(pki, 'sa.pub')}`, `--service-account-signing-key-file=${join(pki, 'sa.key')}`,
      '--service-account-issuer=https://kubernetes.default.svc', `--service-cluster-ip-range=${SERVICE_CIDR}`,
      '--authorization-mode=Node,RBAC', '--kubelet-preferred-address-types=InternalIP',
      `--kubelet-client-certificate=${join(pki, 'admin.crt')}`, `--kubelet-client-key=${join(pki, 'admin.key')}`,
      '--endpoint-reconciler-type=none', '--v=1',
      // A namespace may name default tolerations and a node selector for its pods: the real-node suite runs
      // manifests as users wrote them (no toleration) on the tainted real nodes this way.
      '--enable-admission-plugins=PodNodeSelector,PodTolerationRestriction',
    ]);
    save();
    await waitFor('kube-apiserver', pids['kube-apiserver'], probe(['get', '--raw', '/readyz']), 90_000);

    pids['kube-controller-manager'] = startProcess('kube-controller-manager', join(bin, 'kube-controller-manager'), [
      `--kubeconfig=${p.kubeconfig}`, '--leader-elect=false', '--bind-address=127.0.0.1', '--secure-port=0',
      `--service-account-private-key-file=${join(pki, 'sa.key')}`, `--root-ca-file=${join(pki, 'ca.crt')}`,
      '--use-service-account-credentials=false', '--concurrent-statefulset-syncs=20', '--v=1',
      // kwok's pods have loopback addresses (never connected to), which EndpointSlices refuse: every Service
      // would fill its namespace with FailedToUpdateEndpointSlices events. Nothing here reads Endpoints or
      // EndpointSlices (no kube-proxy, no DNS), so their controllers are off.
      '--controllers=*,-endpoints-controller,-endpointslice-controller,-endpointslice-mirroring-controller',
    ]);
    pids['kube-scheduler'] = startProcess('kube-scheduler', join(bin, 'kube-scheduler'), [
      `--kubeconfig=${p.kubeconfig}`, '--leader-elect=false', '--bind-address=127.0.0.1', '--secure-port=0', '--v=1',
    ]);
    save();

    // kwok watches Exec objects: install their CRD before kwok starts.
    kubectl(bin, ['apply', '--server-side', '-f', join(dirname(bin), 'kwok', 'kwok.x-k8s.io_execs.yaml')]);
    kubectl(bin, ['wait', '--for=condition=Established', '--timeout=30s', 'crd/execs.kwok.x-k8s.io']);

    pids.kwok = startProcess(
      'kwok',
      join(bin, 'kwok'),
      [
        `--kubeconfig=${p.kubeconfig}`, '--manage-all-nodes=false', '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
        `--cidr=${POD_CIDR}`, '--node-ip=127.0.0.1', `--node-port=${ports.kwok}`, `--server-address=127.0.0.1:${ports.kwok}`,
        `--tls-cert-file=${join(pki, 'serving.crt')}`, `--tls-private-key-file=${join(pki, 'serving.key')}`,
        `--config=${join(controlplaneDir, 'kwok', 'stages.yaml')}`, '--enable-crds=Exec', '--node-lease-duration-seconds=40',
      ],
      { ...process.env, PATH: applicationPath() },
    );
    rmSync(join(p.state, 'exec-agent.ready'), { force: true });
    pids['exec-agent'] = startProcess('exec-agent', process.execPath, [join(controlplaneDir, 'exec-agent.ts'), `--kubeconfig=${p.kubeconfig}`, `--pods=${p.pods}`]);
    save();

    kubectl(bin, ['apply', '-f', '-'], nodeManifest());
    await waitFor('kwok', pids.kwok, probe(['wait', '--for=condition=Ready', 'node', '--all', '--timeout=5s']), 60_000);
    await waitFor('kube-controller-manager', pids['kube-controller-manager'], probe(['get', 'serviceaccount', 'default', '-n', 'default']), 60_000);
    await waitFor('exec-agent', pids['exec-agent'], () => existsSync(join(p.state, 'exec-agent.ready')), 30_000);
    if (!alive(pids['kube-scheduler'])) throw new ControlPlaneError('kube-scheduler', `exited during start-up:\n${logTail('kube-scheduler')}`);

    // Without an IAM folder versitygw serves the root account alone, which is all the tests and the demo
    // need. The credentials go in its environment rather than its arguments, out of the process list.
    mkdirSync(store.dir, { recursive: true });
    pids.s3 = startProcess(
      's3',
      join(bin, 'versitygw'),
      ['--port', `127.0.0.1:${ports.s3}`, '--region', store.region, '--quiet', 'posix', store.dir],
      { ...process.env, ROOT_ACCESS_KEY_ID: store.accessKeyId, ROOT_SECRET_ACCESS_KEY: store.secretAccessKey },
    );
    save();
    // Any answer from versitygw (an unsigned request gets 403 AccessDenied) means it is serving.
    await waitFor('s3', pids.s3, async () => {
      const response = await fetch(`${store.endpoint}/`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      return response.headers.get('server') === 'VERSITYGW';
    }, 30_000);
  } catch (error) {
    await down({ keepState: true });
    throw error;
  }
  if (options.realNodes) {
    const state = readState()!;
    try {
      await addRealNodes(state, options.realNodes);
    } catch (error) {
      await down({ keepState: true });
      throw error;
    }
  }
  return { kubeconfig: p.kubeconfig, bin, reused: false, seconds: (Date.now() - started) / 1000 };
}

/** Stops every component (and every application process a pod started); removes the state unless asked to keep it. */
export async function down(options: { keepState?: boolean } = {}): Promise<void> {
  const p = paths();
  const state = readState();
  if (state?.realNodes) await stopRealNodes(state.realNodes, log);
  if (state) {
    for (const name of [...COMPONENTS].reverse()) {
      const pid = state.pids[name];
      if (!alive(pid)) continue;
      try {
        process.kill(-pid!, 'SIGTERM');
      } catch {
        try { process.kill(pid!, 'SIGTERM'); } catch { /* already gone */ }
      }
      const deadline = Date.now() + 10_000;
      while (alive(pid) && Date.now() < deadline) await sleep(100);
      if (alive(pid)) {
        try { process.kill(-pid!, 'SIGKILL'); } catch { /* already gone */ }
      }
    }
  }
  if (existsSync(p.pods)) {
    for (const pid of processesUnder(p.pods)) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    }
  }
  if (!options.keepState) rmSync(p.state, { recursive: true, force: true });
}

export interface ComponentStatus {
  name: string;
  pid?: number;
  running: boolean;
}

export function status(): { components: ComponentStatus[]; kubeconfig: string; ports?: Ports; bin?: string; objectStore?: ObjectStore; realNodes?: RealNodesState; realNodesRunning: boolean } {
  const state = readState();
  return {
    realNodes: state?.realNodes,
    realNodesRunning: realNodesRunning(state?.realNodes),
    components: COMPONENTS.map((name) => ({ name, pid: state?.pids[name], running: alive(state?.pids[name]) })),
    kubeconfig: paths().kubeconfig,
    ports: state?.ports,
    bin: state?.bin,
    objectStore: state?.objectStore,
  };
}

/** The running local S3 server (endpoint, region, root credentials, its folder); undefined when it is not running. */
export function objectStore(): ObjectStore | undefined {
  const state = readState();
  return state?.objectStore && alive(state.pids.s3) ? state.objectStore : undefined;
}
