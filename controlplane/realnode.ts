// Real nodes beside kwok's fake ones: for each, a containerd (with its CRI plugin and runc) and a kubelet
// joined to the local control plane, plus one local image registry that every node pulls from. Built from
// their Go modules by build-node.sh; the images by build-images.sh.
//
// What they make on the host, and how `down` removes it (by process id and by the paths recorded here,
// never by a name that something else could also use):
//   - processes: the registry, each containerd and kubelet (pids in the state), the containers' shims
//     (found by the containerd socket named on their command line), the containers (killed through their shim);
//   - mounts under the node's folder (overlay snapshots, the kubelet's volumes), unmounted deepest first;
//   - a cgroup subtree per node (cgroupRoot /rss-real-<id>-<n>, in each cgroup v1 hierarchy), removed once empty;
//   - a Linux bridge per node (its name in the state) that joins the pods' network namespaces, with no
//     address on the host side: pods reach each other, and nothing else;
//   - kernel settings the kubelet changes on start (vm.overcommit_memory, kernel.panic, …): their values
//     before the first kubelet started are recorded and written back.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { alive, descendantsOf, processesNaming, stopProcess } from './processes.ts';

/** The taint every real node carries: only what tolerates it (the real-node suite's namespaces) runs there. */
export const REAL_NODE_TAINT = 'rss.clusterlabs.org/real-node';
/** The label that tells real nodes from kwok's. */
export const REAL_NODE_LABEL = 'rss.clusterlabs.org/real-node';

/**
 * Host folders a kubelet, containerd or CNI write to whatever their configured roots are (the device plugins'
 * socket, the container log links, the CNI result cache, the shims' sockets). Each one that did not exist
 * before the first node started is removed with the nodes.
 */
const HOST_FOLDERS = ['/var/lib/kubelet', '/var/log/containers', '/var/lib/cni', '/run/containerd', '/run/netns'];

/**
 * Listening ports of the kubelets, the registry and what the real-node suite runs on the nodes' network:
 * below Linux's ephemeral range (32768…60999), where an
 * outgoing connection could take a port between its choice and the bind, and below the Galera example's
 * loopback ports (20000…32767).
 */
const PORT_RANGE = { first: 11000, last: 11999 };

/** A port of PORT_RANGE that nothing listens on now and that was not handed out already (`taken`, updated). */
export async function listenPort(taken = new Set<number>()): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = PORT_RANGE.first + Math.floor(Math.random() * (PORT_RANGE.last - PORT_RANGE.first + 1));
    if (taken.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) {
      taken.add(port);
      return port;
    }
  }
  throw new RealNodeError(`no free port in 127.0.0.1:${PORT_RANGE.first}-${PORT_RANGE.last}`);
}

/** Kernel settings the kubelet's container manager sets on start (pkg/kubelet/cm, setupKernelTunables). */
const KUBELET_SYSCTLS = ['vm.overcommit_memory', 'vm.panic_on_oom', 'kernel.panic', 'kernel.panic_on_oops', 'kernel.keys.root_maxkeys', 'kernel.keys.root_maxbytes'];

export interface RealNode {
  name: string;
  dir: string;
  containerdPid: number;
  kubeletPid: number;
  kubeletPort: number;
  /** cgroupRoot of the kubelet, below which its pods' cgroups are. */
  cgroupRoot: string;
  bridge: string;
  subnet: string;
}

export interface RealNodesState {
  /** The node binaries (ctr, to reach a node's containers). */
  nodeBin: string;
  registry: { pid: number; port: number; dir: string };
  nodes: RealNode[];
  /** The kernel settings before the first kubelet started. */
  sysctls: Record<string, string>;
  /** The image references pushed to the registry (what a manifest may name). */
  images: string[];
  /** HOST_FOLDERS that did not exist before the nodes started. */
  createdFolders: string[];
}

/** What the real nodes need from the control plane they join. */
export interface ControlPlaneAccess {
  stateDir: string;
  /** The node binaries (kubelet, containerd, runc, crane…). */
  nodeBin: string;
  /** The control plane's binaries (kubectl). */
  bin: string;
  pki: string;
  apiserverPort: number;
  kubeconfig: string;
  /** Issues a client certificate signed by the cluster's CA: files <name>.crt and <name>.key in pki. */
  issueClientCertificate(name: string, subject: string): void;
  startProcess(name: string, command: string, args: string[], env?: NodeJS.ProcessEnv): number;
  waitFor(name: string, pid: number, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void>;
  log(message: string): void;
}

export class RealNodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RealNodeError';
  }
}

function run(command: string, args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const r = spawnSync(command, args, { encoding: 'utf8', input: options.input, env: options.env ?? process.env });
  if (r.status !== 0) throw new RealNodeError(`${command} ${args.join(' ')} failed (exit ${r.status ?? r.signal}): ${(r.stderr || r.stdout || r.error?.message || '').trim()}`);
  return r.stdout;
}

function readSysctl(name: string): string | undefined {
  try {
    return readFileSync(`/proc/sys/${name.replaceAll('.', '/')}`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function writeSysctl(name: string, value: string): void {
  try {
    writeFileSync(`/proc/sys/${name.replaceAll('.', '/')}`, value);
  } catch {
    // Not writable here (a read-only /proc/sys): the kubelet could not have changed it either.
  }
}

/** The cgroup v1 hierarchies (or the single v2 one) a cgroup path exists in. */
function cgroupHierarchies(): string[] {
  const root = '/sys/fs/cgroup';
  if (existsSync(join(root, 'cgroup.controllers'))) return [root];
  return readdirSync(root)
    .map((d) => join(root, d))
    .filter((d) => existsSync(join(d, 'cgroup.procs')));
}

/** Creates the kubelet's cgroup root in every hierarchy; a new cpuset takes its parent's CPUs and memory nodes. */
function createCgroupRoot(path: string): void {
  for (const hierarchy of cgroupHierarchies()) {
    const dir = join(hierarchy, path);
    mkdirSync(dir, { recursive: true });
    if (existsSync(join(dir, 'cpuset.cpus'))) {
      for (const file of ['cpuset.cpus', 'cpuset.mems']) {
        if (readFileSync(join(dir, file), 'utf8').trim() === '') writeFileSync(join(dir, file), readFileSync(join(hierarchy, file), 'utf8'));
      }
    }
  }
}

/** Removes a cgroup subtree, deepest first; a cgroup still holding a process stays (and is reported). */
function removeCgroupTree(path: string): string[] {
  const left: string[] = [];
  const remove = (dir: string): void => {
    let entries: string[] = [];
    try {
      entries = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch {
      return;
    }
    for (const e of entries) remove(join(dir, e));
    try {
      rmdirSync(dir);
    } catch {
      left.push(dir);
    }
  };
  for (const hierarchy of cgroupHierarchies()) remove(join(hierarchy, path));
  return left;
}

/** Mount points at or below `dir`, deepest first. */
function mountsUnder(dir: string): string[] {
  const lines = readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
  const points = lines.map((l) => l.split(' ')[4]).filter((p): p is string => !!p && (p === dir || p.startsWith(dir + '/')));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

function unmountUnder(dir: string): void {
  for (const point of mountsUnder(dir)) spawnSync('umount', ['-l', point]);
}

export function realNodesRunning(state: RealNodesState | undefined): boolean {
  return !!state && alive(state.registry.pid) && state.nodes.every((n) => alive(n.containerdPid) && alive(n.kubeletPid));
}

function overlayWorks(dir: string): boolean {
  const probe = join(dir, 'overlay-probe');
  for (const d of ['lower', 'upper', 'work', 'merged']) mkdirSync(join(probe, d), { recursive: true });
  const r = spawnSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${probe}/lower,upperdir=${probe}/upper,workdir=${probe}/work`, `${probe}/merged`]);
  if (r.status === 0) spawnSync('umount', [`${probe}/merged`]);
  spawnSync('rm', ['-rf', probe]);
  return r.status === 0;
}

function containerdConfig(dir: string, nodeBin: string, snapshotter: string): string {
  return `version = 4
root = "${dir}/containerd/root"
state = "${dir}/containerd/state"

[plugins.'io.containerd.server.v1.grpc']
  address = "${dir}/containerd.sock"

[plugins.'io.containerd.server.v1.ttrpc']
  address = "${dir}/containerd.sock.ttrpc"

[plugins.'io.containerd.internal.v1.opt']
  path = "${dir}/containerd/opt"

[plugins.'io.containerd.nri.v1.nri']
  disable = true

[plugins.'io.containerd.cri.v1.images']
  snapshotter = "${snapshotter}"

[plugins.'io.containerd.cri.v1.images'.pinned_images]
  sandbox = "registry.k8s.io/pause:3.10.1"

[plugins.'io.containerd.cri.v1.images'.registry]
  # Every registry name resolves to the local registry (certs.d/_default): nothing is pulled from anywhere else.
  config_path = "${dir}/certs.d"

[plugins.'io.containerd.cri.v1.runtime']
  # No CAP_SYS_RESOURCE here: a container's oom_score_adj may not go below containerd's own.
  restrict_oom_score_adj = true
  # The pods' network namespaces under the node's folder, not /run/netns: removed with it.
  netns_mounts_under_state_dir = true

[plugins.'io.containerd.cri.v1.runtime'.cni]
  bin_dirs = ["/usr/lib/cni"]
  conf_dir = "${dir}/cni"

[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
  BinaryName = "${nodeBin}/runc"
  Root = "${dir}/runc"
`;
}

/**
 * containerd ignores keys it does not know: a config written the wrong way would serve on the system's socket
 * and keep its files in /var/lib/containerd. Its merged config must name this node's folders.
 */
function checkContainerdConfig(nodeBin: string, dir: string): void {
  const dump = run(join(nodeBin, 'containerd'), ['--config', join(dir, 'containerd.toml'), 'config', 'dump']).split('\n').map((l) => l.trim());
  for (const want of [`root = '${dir}/containerd/root'`, `state = '${dir}/containerd/state'`, `address = '${dir}/containerd.sock'`]) {
    if (!dump.includes(want)) throw new RealNodeError(`containerd's merged config lacks ${want}: see ${join(dir, 'containerd.toml')}`);
  }
}

/** A bridge joining the node's pods, without an address on the host side (no route out, no NAT). */
function cniConfig(bridge: string, subnet: string, dir: string): string {
  return JSON.stringify(
    {
      cniVersion: '1.0.0',
      name: bridge,
      plugins: [
        { type: 'bridge', bridge, isGateway: false, ipMasq: false, hairpinMode: true, ipam: { type: 'host-local', ranges: [[{ subnet }]], dataDir: join(dir, 'ipam') } },
        { type: 'loopback' },
      ],
    },
    null,
    2,
  );
}

function kubeletConfig(node: RealNode, access: ControlPlaneAccess, healthzPort: number): string {
  return `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: 127.0.0.1
port: ${node.kubeletPort}
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: ${healthzPort}
tlsCertFile: ${join(access.pki, 'serving.crt')}
tlsPrivateKeyFile: ${join(access.pki, 'serving.key')}
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: true }
  x509: { clientCAFile: ${join(access.pki, 'ca.crt')} }
authorization:
  mode: Webhook
containerRuntimeEndpoint: unix://${node.dir}/containerd.sock
imageServiceEndpoint: unix://${node.dir}/containerd.sock
# This machine mounts cgroup v1 and PID 1 is not systemd.
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupRoot: ${node.cgroupRoot}
failSwapOn: false
podLogsDir: ${node.dir}/pod-logs
registerWithTaints:
- { key: ${REAL_NODE_TAINT}, value: "true", effect: NoSchedule }
# A shared machine's disk may be fuller than the defaults allow; images are never collected (they are local).
evictionHard: { memory.available: "50Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%" }
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
maxPods: 30
clusterDomain: cluster.local
`;
}

/** The image references a docker-archive tarball holds (its manifest.json RepoTags). */
function tarballReferences(tarball: string): string[] {
  const manifest = run('tar', ['-xOf', tarball, 'manifest.json']);
  return (JSON.parse(manifest) as { RepoTags?: string[] }[]).flatMap((m) => m.RepoTags ?? []);
}

/** The path a reference takes in the local registry: the registry host dropped, as containerd asks for it. */
function registryPath(reference: string): string {
  const [first, ...rest] = reference.split('/');
  const hasHost = rest.length > 0 && (first!.includes('.') || first!.includes(':') || first === 'localhost');
  const path = hasHost ? rest.join('/') : reference;
  return path.includes('/') || hasHost ? path : `library/${path}`;
}

/** Pushes every image tarball of `imageDir` to the nodes' registry (blobs it has are skipped); returns their references. */
export function pushImages(state: RealNodesState, imageDir: string): string[] {
  const pushed: string[] = [];
  for (const file of readdirSync(imageDir).filter((f) => f.endsWith('.tar'))) {
    for (const reference of tarballReferences(join(imageDir, file))) {
      run(join(state.nodeBin, 'crane'), ['push', '--insecure', join(imageDir, file), `127.0.0.1:${state.registry.port}/${registryPath(reference)}`]);
      pushed.push(reference);
    }
  }
  return pushed;
}

/**
 * Starts `count` real nodes (names rss-real-node-0…) and the registry, and waits until every node is Ready.
 * `imageDir` holds the image tarballs to push (build-images.sh's output).
 */
export async function startRealNodes(access: ControlPlaneAccess, count: number, imageDir: string, record: (partial: RealNodesState) => void): Promise<RealNodesState> {
  if (process.getuid?.() !== 0) throw new RealNodeError('real nodes need root (containerd, runc and the kubelet mount, create cgroups and network namespaces)');
  const base = join(access.stateDir, 'real-nodes');
  mkdirSync(base, { recursive: true });
  const id = Math.random().toString(36).slice(2, 7);
  const kubectl = (args: string[], input?: string) => run(join(access.bin, 'kubectl'), ['--kubeconfig', access.kubeconfig, ...args], { input });

  // The registry: crane's, on loopback, kept on disk under the state.
  const registryDir = join(base, 'registry');
  mkdirSync(registryDir, { recursive: true });
  // The processes bind their ports a moment after they start: two must not be handed the same one.
  const ports = new Set<number>();
  const registryPort = await listenPort(ports);
  const registryPid = access.startProcess('registry', join(access.nodeBin, 'crane'), ['registry', 'serve', '--address', `127.0.0.1:${registryPort}`, '--disk', registryDir]);
  const state: RealNodesState = { nodeBin: access.nodeBin, registry: { pid: registryPid, port: registryPort, dir: registryDir }, nodes: [], sysctls: {}, images: [], createdFolders: HOST_FOLDERS.filter((f) => !existsSync(f)) };
  for (const name of KUBELET_SYSCTLS) {
    const value = readSysctl(name);
    if (value !== undefined) state.sysctls[name] = value;
  }
  // Recorded as each part starts, so that `down` after a crash of this process still finds it.
  record(state);
  try {
    await access.waitFor('registry', registryPid, async () => (await fetch(`http://127.0.0.1:${registryPort}/v2/`)).ok, 30_000);
    const started = Date.now();
    state.images = pushImages(state, imageDir);
    access.log(`${state.images.length} images pushed to the local registry in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const snapshotter = overlayWorks(base) ? 'overlayfs' : 'native';
    for (let i = 0; i < count; i++) {
      const name = `rss-real-node-${i}`;
      const dir = join(base, name);
      const node: RealNode = {
        name,
        dir,
        containerdPid: 0,
        kubeletPid: 0,
        kubeletPort: await listenPort(ports),
        cgroupRoot: `/rss-real-${id}-${i}`,
        bridge: `rssbr${id}${i}`.slice(0, 15),
        subnet: `10.253.${i}.0/24`,
      };
      for (const d of ['certs.d/_default', 'cni', 'ipam', 'pod-logs', 'kubelet']) mkdirSync(join(dir, d), { recursive: true });
      writeFileSync(join(dir, 'certs.d/_default/hosts.toml'), `server = "http://127.0.0.1:${registryPort}"\n\n[host."http://127.0.0.1:${registryPort}"]\n  capabilities = ["pull", "resolve"]\n`);
      writeFileSync(join(dir, 'cni', '10-bridge.conflist'), cniConfig(node.bridge, node.subnet, dir));
      writeFileSync(join(dir, 'containerd.toml'), containerdConfig(dir, access.nodeBin, snapshotter));
      state.nodes.push(node);
      checkContainerdConfig(access.nodeBin, dir);

      node.containerdPid = access.startProcess(`${name}-containerd`, join(access.nodeBin, 'containerd'), ['--config', join(dir, 'containerd.toml')], { ...process.env, PATH: `${access.nodeBin}:${process.env.PATH ?? ''}` });
      record(state);
      await access.waitFor(`${name}-containerd`, node.containerdPid, () => spawnSync(join(access.nodeBin, 'ctr'), ['--address', join(dir, 'containerd.sock'), 'version']).status === 0, 30_000);

      // The kubelet's identity: system:node:<name> in system:nodes, as the Node authorizer expects.
      access.issueClientCertificate(`kubelet-${name}`, `/O=system:nodes/CN=system:node:${name}`);
      const b64 = (file: string) => readFileSync(join(access.pki, file)).toString('base64');
      writeFileSync(
        join(dir, 'kubeconfig'),
        `apiVersion: v1\nkind: Config\nclusters:\n- name: local\n  cluster:\n    server: https://127.0.0.1:${access.apiserverPort}\n    certificate-authority-data: ${b64('ca.crt')}\nusers:\n- name: kubelet\n  user:\n    client-certificate-data: ${b64(`kubelet-${name}.crt`)}\n    client-key-data: ${b64(`kubelet-${name}.key`)}\ncontexts:\n- name: local\n  context: { cluster: local, user: kubelet }\ncurrent-context: local\n`,
        { mode: 0o600 },
      );
      const healthzPort = await listenPort(ports);
      writeFileSync(join(dir, 'kubelet.yaml'), kubeletConfig(node, access, healthzPort));
      createCgroupRoot(node.cgroupRoot);
      // --cloud-provider=external: the kubelet leaves the node's addresses to a cloud controller, which this
      // module plays below. A kubelet refuses a loopback node IP (and then publishes none), yet loopback is
      // the only address the API server may reach it on here.
      node.kubeletPid = access.startProcess(`${name}-kubelet`, join(access.nodeBin, 'kubelet'), [
        `--config=${join(dir, 'kubelet.yaml')}`, `--kubeconfig=${join(dir, 'kubeconfig')}`, `--root-dir=${join(dir, 'kubelet')}`,
        `--hostname-override=${name}`, '--cloud-provider=external', `--node-labels=${REAL_NODE_LABEL}=true`, '--v=1',
      ]);
      record(state);
    }

    for (const node of state.nodes) {
      await access.waitFor(`${node.name}-kubelet`, node.kubeletPid, () => spawnSync(join(access.bin, 'kubectl'), ['--kubeconfig', access.kubeconfig, 'get', 'node', node.name]).status === 0, 60_000);
      // The cloud controller's part: the address the API server reaches the kubelet on, and the node initialised.
      kubectl(['patch', 'node', node.name, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: node.name }] } })]);
      kubectl(['taint', 'node', node.name, 'node.cloudprovider.kubernetes.io/uninitialized-']);
    }
    for (const node of state.nodes) {
      await access.waitFor(`${node.name}-kubelet`, node.kubeletPid, () => spawnSync(join(access.bin, 'kubectl'), ['--kubeconfig', access.kubeconfig, 'wait', '--for=condition=Ready', `node/${node.name}`, '--timeout=2s']).status === 0, 90_000);
    }
    return state;
  } catch (error) {
    await stopRealNodes(state, access.log);
    throw error;
  }
}

/** Stops the real nodes and removes everything they made; safe to run on a partly started or stopped set. */
export async function stopRealNodes(state: RealNodesState, log: (message: string) => void = () => undefined): Promise<void> {
  for (const node of state.nodes) await stopProcess(node.kubeletPid, 10_000);
  for (const node of state.nodes) {
    const socket = join(node.dir, 'containerd.sock');
    // The containers: each shim names this containerd's socket; killing the shim's children (the
    // containers' processes) and then the shims leaves nothing of this node running.
    const shims = processesNaming(socket).filter((pid) => pid !== node.containerdPid);
    for (const shim of shims) {
      for (const child of descendantsOf(shim)) {
        try {
          process.kill(child, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
    await stopProcess(node.containerdPid, 10_000);
    for (const shim of processesNaming(socket)) await stopProcess(shim, 2_000);
    unmountUnder(node.dir);
    // Network namespaces the CRI made for the pods are bind mounts under containerd's state (unmounted above).
    spawnSync('ip', ['link', 'delete', node.bridge, 'type', 'bridge']);
    const left = removeCgroupTree(node.cgroupRoot);
    if (left.length > 0) log(`cgroups still in use, left: ${left.join(', ')}`);
  }
  await stopProcess(state.registry.pid, 5_000);
  for (const [name, value] of Object.entries(state.sysctls)) if (readSysctl(name) !== value) writeSysctl(name, value);
  for (const folder of state.createdFolders ?? []) {
    unmountUnder(folder);
    rmSync(folder, { recursive: true, force: true });
  }
}
