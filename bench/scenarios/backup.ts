// Backup and restore: the Galera demo (examples/galera) backed up through the operator into the local S3
// server, against the same backup taken by hand on the same machine, and restored into a new cluster.
//
// Setup: one operator, one namespace, a bucket of the local S3 server and its credentials Secret; a 3-member
// cluster `galera-src` (examples/galera/cluster.yaml with spec.backup) filled with --backup-gib GiB of InnoDB
// rows of random bytes (RANDOM_BYTES(): nothing compresses them), 30 MB per INSERT … SELECT, through member 0.
//
// Each of --backup-trials trials backs up the member the operator picks (the highest ordinal: all are
// primaries) in these ways, (a) and (b) alternating in order between trials (paired), after `sync` and 5 s:
//   (a) baseline: `galera-agent backup > file`, run in the member's folder as the operator's exec runs it
//       (the same command, the same member, the same socket), the file on the same disk as the S3 server's;
//   (b) the operator: a Backup resource, timed from its creation to the benchmark's watch seeing it
//       Completed; also the status' startedAt → completedAt, and the backup exec as the operator's trace saw
//       it. Meanwhile the operator's VmRSS is sampled every 150 ms (idle = the median of the 5 s before the
//       Backup is created, peak = the highest sample until Completed is seen) and its V8 heap read every 1 s;
//   then, to tell what bounds (b), each part alone, in this order:
//   (c) `kubectl exec <member> -- galera-agent backup > file`: the exec path (API server, kwok) without the operator;
//   (d) raw `mariabackup --backup --stream=xbstream --galera-info > file` with the agent's arguments;
//   (e) (a)'s file through the operator's own code (Digest → ObjectStore.upload) into the bucket: sha256 and S3
//       without the exec;
//   (f) the same file through the Digest alone: sha256 and reading the file;
//   (g) `kubectl exec <member> -- cat FILE > /dev/null` and (h) the operator's exec client (PodExecutor) on the
//       same `cat`, into a Digest: the backup's exec path without mariabackup and without S3;
//   (i) `kubectl exec -i <member> -- sh -c 'cat > /dev/null' < FILE` and (j) FILE → VerifiedTail → the operator's
//       exec client's stdin, same command: the restore's exec path without S3 and without mbstream.
//   (e), (f), (h), (j) run the operator's own code in a process of their own, with the operator's node flags
//   (bench/lib/pipe-check.ts).
// CPU seconds of the operator (or the process playing its part), the API server, kwok and the S3 server are
// read around each, and how busy the whole machine was.
//
// Restore (once, the last trial's backup): its object read from S3 into a file and restored by hand in a
// scratch folder (`galera-agent restore < file`: the baseline), then the source cluster and its data are
// deleted, and a new cluster `galera-rst` is created with spec.bootstrap.backup.name: timed from creation to
// 3 primaries (status) and every mariadbd Synced, split by the operator's exec trace (sequence, restore,
// seed, joins), its log ("restoring" → the exec: storage), the agent's log (extract, prepare), and the
// operator's own share as bench/lib/share.ts computes it for the other scenarios.
import { makeInformer, type Informer, type KubernetesObject, type ObjectCache } from '@kubernetes/client-node';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { repoRoot, status as controlPlaneStatus } from '../../controlplane/localcluster.ts';
import type { Backup } from '../../src/api/backup-types.ts';
import { API_VERSION, BACKUP_KIND, BACKUP_PLURAL, GROUP, VERSION } from '../../src/api/names.ts';
import type { BenchContext } from '../lib/context.ts';
import { formatTimeline, type TimelineItem } from '../lib/context.ts';
import { AGENT, agentLog, allSynced, galeraCluster, memberName, membersOf, missingPrograms, removeMemberFolders, socketOf, sql } from '../lib/galera.ts';
import { allPrimaries, createNamespace, createRss, deleteNamespace, deleteRss, NamespaceWatch, type Cluster } from '../lib/kube.ts';
import { RssSampler } from '../lib/memory.ts';
import { deploymentEnv, imageNodeFlags, loadAverage, machineCpu, metricSum, procSample, startOperator, type ExecRecord, type OperatorProcess } from '../lib/operator.ts';
import { formatProfile, summariseProfile } from '../lib/profile.ts';
import type { ScenarioResult, SummaryRow } from '../lib/report.ts';
import { operatorShare, type OperatorShare } from '../lib/share.ts';
import { benchStorage, type BenchStorage } from '../lib/storage.ts';
import { max, median, mib, min, ms, num, pct } from '../lib/stats.ts';

const MEMBERS = 3;
const SOURCE = 'galera-src';
const RESTORED = 'galera-rst';
/** Rows of 3 × 1 KiB random bytes, 10 000 per statement: ~30 MB per transaction (one Galera writeset). */
const ROWS_PER_INSERT = 10_000;
const RATIO_TARGET = 0.7;
const GROWTH_TARGET_BYTES = 64 * 1024 * 1024;
const SAMPLE_MS = 150;
const IDLE_MS = 5000;

const mbps = (bytes: number, msValue: number) => (bytes / 1e6) / (msValue / 1000);
const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
const oneMinuteLoad = () => loadAverage().split(' ')[0]!;

// ---------------------------------------------------------------------------------------------------
// Processes this scenario starts (baselines), ended if the benchmark exits early

const children = new Set<ChildProcess>();
const scratch = new Set<string>();
let exitHook = false;
function onExitCleanUp(): void {
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const child of children) child.kill('SIGKILL');
    for (const path of scratch) rmSync(path, { recursive: true, force: true });
  });
}

interface FileRun {
  bytes: number;
  ms: number;
  code: number | null;
  stderr: string;
}

/** Runs a command with its stdout into a file (`cmd > file`) or its stdin from one (`cmd < file`); its time from spawn to exit. */
async function runWithFile(cmd: string, args: string[], io: { stdout: string } | { stdin: string }, opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<FileRun> {
  const toFile = 'stdout' in io;
  const fd = toFile ? openSync(io.stdout, 'w') : openSync(io.stdin, 'r');
  const started = performance.now();
  let stderr = '';
  try {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: toFile ? ['ignore', fd, 'pipe'] : [fd, 'ignore', 'pipe'] });
    children.add(child);
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const timer = setTimeout(() => child.kill('SIGTERM'), opts.timeoutMs ?? 3_600_000);
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (c) => resolve(c));
    });
    clearTimeout(timer);
    children.delete(child);
    const msValue = performance.now() - started;
    return { bytes: toFile ? statSync(io.stdout).size : statSync(io.stdin).size, ms: msValue, code, stderr };
  } finally {
    closeSync(fd);
  }
}

// ---------------------------------------------------------------------------------------------------
// CPU of the components that move the data

type CpuSnapshot = { at: number; machine: { busy: number; total: number }; procs: Record<string, number> };

function cpuSnapshot(pids: Record<string, number | undefined>): CpuSnapshot {
  const procs: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) {
    if (pid === undefined) continue;
    try {
      procs[name] = procSample(pid).cpuSeconds;
    } catch {
      // gone
    }
  }
  return { at: Date.now(), machine: machineCpu(), procs };
}

/** CPU seconds per component between two snapshots, and how busy the whole machine was (0–1, all cores). */
function cpuDelta(a: CpuSnapshot, b: CpuSnapshot): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, v] of Object.entries(b.procs)) if (a.procs[name] !== undefined) out[name] = v - a.procs[name]!;
  out['machine'] = (b.machine.busy - a.machine.busy) / Math.max(1, b.machine.total - a.machine.total);
  return out;
}


// ---------------------------------------------------------------------------------------------------
// Backups as the benchmark's watch sees them (arrival times, ms)

class BackupWatch {
  private readonly informer: Informer<Backup & KubernetesObject> & ObjectCache<Backup & KubernetesObject>;
  readonly seen = new Map<string, { running?: number; ended?: number; backup?: Backup }>();
  private stopped = false;

  constructor(c: Cluster, ns: string) {
    this.informer = makeInformer(c.kubeConfig, `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${BACKUP_PLURAL}`, () =>
      c.custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: BACKUP_PLURAL }) as Promise<{ items: (Backup & KubernetesObject)[] }>,
    );
    const on = (b: Backup & KubernetesObject) => {
      const now = Date.now();
      const name = b.metadata.name!;
      const s = this.seen.get(name) ?? {};
      s.backup = b;
      const phase = b.status?.phase;
      if (phase === 'Running' && s.running === undefined) s.running = now;
      if ((phase === 'Completed' || phase === 'Failed') && s.ended === undefined) s.ended = now;
      this.seen.set(name, s);
    };
    this.informer.on('add', on);
    this.informer.on('update', on);
    this.informer.on('error', () => {
      if (!this.stopped) setTimeout(() => void this.informer.start().catch(() => undefined), 500).unref();
    });
  }

  start(): Promise<void> {
    return this.informer.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.informer.stop().catch(() => undefined);
  }

  /** Waits for the Backup to end; when its end arrived, and the Backup. */
  async ended(name: string, timeoutMs: number): Promise<{ at: number; backup: Backup }> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const s = this.seen.get(name);
      if (s?.ended !== undefined) return { at: s.ended, backup: s.backup! };
      await sleep(20);
    }
    throw new Error(`backup ${name} did not end within ${timeoutMs / 1000} s (last status: ${JSON.stringify(this.seen.get(name)?.backup?.status ?? {})})`);
  }
}

async function createBackup(c: Cluster, ns: string, name: string, cluster: string): Promise<void> {
  await c.custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: BACKUP_PLURAL, body: { apiVersion: API_VERSION, kind: BACKUP_KIND, metadata: { name }, spec: { cluster } } });
}

async function deleteBackup(c: Cluster, ns: string, name: string): Promise<void> {
  await c.custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: BACKUP_PLURAL, name }).catch(() => undefined);
}

// ---------------------------------------------------------------------------------------------------
// Data

function dirBytes(dir: string): number {
  let total = 0;
  if (!existsSync(dir)) return 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    try {
      total += statSync(join(entry.parentPath, entry.name)).size;
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

interface Fill {
  rows: number;
  statements: number;
  tableBytes: number;
  datadirBytes: number;
  ms: number;
}

/** Inserts rows of random bytes through `pod` until its table file holds `targetBytes`. */
async function fill(ctx: BenchContext, ns: string, pod: string, targetBytes: number): Promise<Fill> {
  const { c } = ctx;
  await sql(c, ns, pod, 'CREATE DATABASE bench; CREATE TABLE bench.fill (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, a VARBINARY(1024) NOT NULL, b VARBINARY(1024) NOT NULL, c VARBINARY(1024) NOT NULL) ENGINE=InnoDB');
  const file = join(c.podDir(ns, pod), 'mysql', 'bench', 'fill.ibd');
  const started = Date.now();
  let statements = 0;
  let lastSaid = started;
  const size = () => (existsSync(file) ? statSync(file).size : 0);
  while (size() < targetBytes) {
    await sql(c, ns, pod, `INSERT INTO bench.fill (a, b, c) SELECT RANDOM_BYTES(1024), RANDOM_BYTES(1024), RANDOM_BYTES(1024) FROM bench.seq_1_to_${ROWS_PER_INSERT}`, 600_000);
    statements++;
    if (Date.now() - lastSaid > 30_000) {
      lastSaid = Date.now();
      ctx.say(`backup: filling ${pod}: ${gib(size())} of ${gib(targetBytes)} after ${ms(Date.now() - started)}; load ${loadAverage()}`);
    }
  }
  const rows = Number((await sql(c, ns, pod, 'SELECT COUNT(*) FROM bench.fill', 600_000))[0]?.[0] ?? NaN);
  return { rows, statements, tableBytes: size(), datadirBytes: dirBytes(join(c.podDir(ns, pod), 'mysql')), ms: Date.now() - started };
}

// ---------------------------------------------------------------------------------------------------
// Trials

interface ComparedRun {
  bytes: number;
  ms: number;
  mbps: number;
  load: string;
  cpu?: Record<string, number>;
}

interface OperatorRun extends ComparedRun {
  name: string;
  member: string;
  /** status.startedAt → status.completedAt (the operator's own clock: sequence, exec, upload, manifest). */
  statusMs: number;
  /** The backup exec, as the operator's trace saw it. */
  execMs: number;
  /** Backup created → the backup exec starts (the operator reading the Secret, checking the bucket, patching, `sequence`). */
  toExecMs: number;
  /** The exec's end → Completed seen by the benchmark (upload's last part, manifest, status). */
  afterExecMs: number;
  sha256: string;
  idleRssBytes: number;
  peakRssBytes: number;
  growthBytes: number;
  rssSamples: number;
  heapUsedMaxBytes: number;
  externalMaxBytes: number;
}

interface PipeRun extends ComparedRun {
  /** CPU of the process that ran it (it plays the operator's part). */
  cpuMs: number;
  /** VmRSS of that process once loaded, before the work, and its peak. */
  rssStartBytes: number;
  maxRssBytes: number;
  sha256: string;
}

interface BackupTrial {
  trial: number;
  order: string;
  load: string;
  file: ComparedRun;
  operator: OperatorRun;
  kubectl: ComparedRun;
  raw: ComparedRun;
  pipeline: PipeRun;
  hash: PipeRun;
  /** `kubectl exec <member> -- cat FILE > /dev/null`: the exec path's stdout alone. */
  kubectlOut: ComparedRun;
  /** The operator's exec client (PodExecutor) on `cat FILE`, into a Digest: its stdout path without S3. */
  execOut: PipeRun;
  /** `kubectl exec -i <member> -- sh -c 'cat > /dev/null' < FILE`: the exec path's stdin alone. */
  kubectlIn: ComparedRun;
  /** FILE → VerifiedTail → the operator's exec client's stdin → `cat > /dev/null`: the restore's path without S3. */
  execIn: PipeRun;
  /** operator (created → Completed) / baseline. */
  ratio: number;
  /** operator (status startedAt → completedAt) / baseline. */
  statusRatio: number;
}

function agentEnv(ns: string, pod: string, cluster: string): NodeJS.ProcessEnv {
  return { ...process.env, POD_NAME: pod, POD_NAMESPACE: ns, SERVICE_NAME: `${cluster}-svc` };
}

async function settle(c: Cluster, ns: string, pods: string[], quietMs = IDLE_MS): Promise<void> {
  execFileSync('sync');
  await allSynced(c, ns, pods, 120_000);
  await sleep(quietMs);
}

/** (a) `galera-agent backup > file` in the member's folder. */
async function fileBackup(c: Cluster, ns: string, pod: string, file: string, pids: Record<string, number | undefined>): Promise<ComparedRun> {
  const load = oneMinuteLoad();
  const before = cpuSnapshot(pids);
  const r = await runWithFile(AGENT, ['backup'], { stdout: file }, { cwd: c.podDir(ns, pod), env: agentEnv(ns, pod, SOURCE) });
  const cpu = cpuDelta(before, cpuSnapshot(pids));
  if (r.code !== 0) throw new Error(`galera-agent backup > file failed (exit ${r.code}): ${r.stderr.trim()}`);
  return { bytes: r.bytes, ms: r.ms, mbps: mbps(r.bytes, r.ms), load, cpu };
}

/** (c) the same through `kubectl exec`: the exec path without the operator. */
async function kubectlBackup(c: Cluster, ns: string, pod: string, file: string, pids: Record<string, number | undefined>): Promise<ComparedRun> {
  const load = oneMinuteLoad();
  const before = cpuSnapshot(pids);
  const r = await runWithFile(join(c.bin, 'kubectl'), ['--kubeconfig', c.kubeconfigPath, '-n', ns, 'exec', pod, '-c', 'galera', '--', AGENT, 'backup'], { stdout: file });
  const cpu = cpuDelta(before, cpuSnapshot(pids));
  if (r.code !== 0) throw new Error(`kubectl exec … galera-agent backup > file failed (exit ${r.code}): ${r.stderr.trim()}`);
  return { bytes: r.bytes, ms: r.ms, mbps: mbps(r.bytes, r.ms), load, cpu };
}

/** (d) mariabackup with the agent's arguments, without the agent. */
async function rawBackup(c: Cluster, ns: string, pod: string, file: string, tmp: string): Promise<ComparedRun> {
  const dir = c.podDir(ns, pod);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const load = oneMinuteLoad();
  const r = await runWithFile('mariabackup', [`--defaults-file=${join(dir, 'my.cnf')}`, '--backup', '--stream=xbstream', '--galera-info', '--user=root', `--socket=${socketOf(c, ns, pod)}`, `--tmpdir=${tmp}`, `--target-dir=${tmp}`], { stdout: file }, { cwd: dir });
  rmSync(tmp, { recursive: true, force: true });
  if (r.code !== 0 || !/completed OK!\s*$/.test(r.stderr)) throw new Error(`mariabackup > file failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-5).join(' / ')}`);
  return { bytes: r.bytes, ms: r.ms, mbps: mbps(r.bytes, r.ms), load };
}

/** (e), (f), (h), (j): parts of the operator's paths (bench/lib/pipe-check.ts), in a process with the operator's node flags. */
async function pipeCheck(c: Cluster, storage: BenchStorage, pids: Record<string, number | undefined>, args: string[]): Promise<PipeRun> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...deploymentEnv(),
    KUBECONFIG: c.kubeconfigPath,
    RSS_BENCH_S3_ENDPOINT: storage.server.endpoint,
    RSS_BENCH_S3_REGION: storage.server.region,
    RSS_BENCH_S3_BUCKET: storage.bucket,
    RSS_BENCH_S3_ACCESS_KEY_ID: storage.server.accessKeyId,
    RSS_BENCH_S3_SECRET_ACCESS_KEY: storage.server.secretAccessKey,
  };
  const load = oneMinuteLoad();
  const before = cpuSnapshot(pids);
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [...imageNodeFlags(), join(repoRoot, 'bench', 'lib', 'pipe-check.ts'), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.once('error', reject);
    child.once('close', (code) => {
      children.delete(child);
      if (code === 0) resolve(stdout);
      else reject(new Error(`pipe-check ${args[0]} failed (exit ${code}): ${stderr.trim()}`));
    });
  });
  const cpu = cpuDelta(before, cpuSnapshot(pids));
  const r = JSON.parse(out.trim().split('\n').at(-1)!) as { bytes: number; ms: number; cpuMs: number; rssStartBytes: number; maxRssBytes: number; sha256: string };
  cpu['operator'] = r.cpuMs / 1000;
  return { bytes: r.bytes, ms: r.ms, mbps: mbps(r.bytes, r.ms), load, cpu, cpuMs: r.cpuMs, rssStartBytes: r.rssStartBytes, maxRssBytes: r.maxRssBytes, sha256: r.sha256 };
}

/** (g), (i): kubectl exec of `cat`, stdout to /dev/null or stdin from the file: the exec path alone. */
async function kubectlTransport(c: Cluster, ns: string, pod: string, file: string, direction: 'out' | 'in', pids: Record<string, number | undefined>): Promise<ComparedRun> {
  const load = oneMinuteLoad();
  const before = cpuSnapshot(pids);
  const base = ['--kubeconfig', c.kubeconfigPath, '-n', ns, 'exec'];
  const r = direction === 'out'
    ? await runWithFile(join(c.bin, 'kubectl'), [...base, pod, '-c', 'galera', '--', 'cat', file], { stdout: '/dev/null' })
    : await runWithFile(join(c.bin, 'kubectl'), [...base, '-i', pod, '-c', 'galera', '--', 'sh', '-c', 'cat > /dev/null'], { stdin: file });
  const cpu = cpuDelta(before, cpuSnapshot(pids));
  if (r.code !== 0) throw new Error(`kubectl exec (${direction}) failed (exit ${r.code}): ${r.stderr.trim()}`);
  const bytes = statSync(file).size;
  return { bytes, ms: r.ms, mbps: mbps(bytes, r.ms), load, cpu };
}

/** (b) a Backup resource, timed and its operator's memory sampled. */
async function operatorBackup(ctx: BenchContext, op: OperatorProcess, sampler: RssSampler, backups: BackupWatch, ns: string, name: string, pids: Record<string, number | undefined>): Promise<OperatorRun> {
  const { c } = ctx;
  const load = oneMinuteLoad();
  const before = cpuSnapshot(pids);
  const t0 = Date.now();
  sampler.mark(`${name} created`, t0);
  await createBackup(c, ns, name, SOURCE);
  let heapUsedMaxBytes = NaN;
  let externalMaxBytes = NaN;
  let done = false;
  const heap = (async () => {
    while (!done) {
      try {
        const m = await op.metrics();
        heapUsedMaxBytes = max([heapUsedMaxBytes, metricSum(m, 'rss_operator_nodejs_heap_size_used_bytes')]);
        externalMaxBytes = max([externalMaxBytes, metricSum(m, 'rss_operator_nodejs_external_memory_bytes')]);
      } catch {
        // the next one
      }
      await sleep(1000);
    }
  })();
  let ended: { at: number; backup: Backup };
  try {
    ended = await backups.ended(name, 3_600_000);
  } finally {
    done = true;
    await heap;
  }
  const cpu = cpuDelta(before, cpuSnapshot(pids));
  const tDone = ended.at;
  sampler.mark(`${name} Completed seen`, tDone);
  const st = ended.backup.status ?? {};
  if (st.phase !== 'Completed') throw new Error(`backup ${name} ${st.phase}: ${st.message}`);
  await sleep(700); // the exec trace is flushed every 500 ms
  const exec = op.execs().find((e) => e.ns === ns && e.pod === st.member && e.cmd.endsWith(' backup') && e.start >= t0 && e.start <= tDone);
  const mem = sampler.window(t0 - IDLE_MS, t0, t0, tDone);
  const bytes = st.size ?? NaN;
  return {
    name,
    member: st.member ?? '?',
    bytes,
    ms: tDone - t0,
    mbps: mbps(bytes, tDone - t0),
    load,
    cpu,
    statusMs: Date.parse(st.completedAt ?? '') - Date.parse(st.startedAt ?? ''),
    execMs: exec ? exec.end - exec.start : NaN,
    toExecMs: exec ? exec.start - t0 : NaN,
    afterExecMs: exec ? tDone - exec.end : NaN,
    sha256: st.sha256 ?? '',
    idleRssBytes: mem.idleBytes,
    peakRssBytes: mem.peakBytes,
    growthBytes: mem.growthBytes,
    rssSamples: mem.samples,
    heapUsedMaxBytes,
    externalMaxBytes,
  };
}

// ---------------------------------------------------------------------------------------------------
// Restore

interface RestoreResult {
  member: string;
  bytes: number;
  /** Created → every mariadbd Synced. */
  totalMs: number;
  /** Created → 3 primaries in the status, restore Completed. */
  primariesMs: number;
  podsReadyMs: number;
  /** Created → the restore exec starts (pods, 3 `sequence`, the storage prelude). */
  toRestoreMs: number;
  /** The operator's "restoring" log line → the exec starts: opening the store, the manifest, the GET. */
  storagePreludeMs: number;
  restoreMs: number;
  /** Inside the restore command (agent.log): mbstream -x of the stream, then mariabackup --prepare. */
  extractMs: number;
  prepareMs: number;
  /** Restore exec ends → seed exec starts (the restored member's `sequence`). */
  restoreToSeedMs: number;
  seedMs: number;
  joinsMs: number[];
  joiningMs: number;
  share: OperatorShare;
  idleRssBytes: number;
  peakRssBytes: number;
  growthBytes: number;
  load: string;
  baseline: { downloadMs: number; downloadBytes: number; restoreMs: number; extractMs: number; prepareMs: number; load: string };
}

/** extract and prepare times from the agent's log lines of its last restore. */
function restorePhases(dir: string, since: number): { extractMs: number; prepareMs: number } {
  const lines = agentLog(dir).filter((l) => l.verb === 'restore' && l.time >= since - 1000);
  const extracting = lines.find((l) => l.text.startsWith('extracting'))?.time ?? NaN;
  const preparing = lines.find((l) => l.text.startsWith('preparing'))?.time ?? NaN;
  const restored = lines.find((l) => l.text.startsWith('restored position'))?.time ?? NaN;
  return { extractMs: preparing - extracting, prepareMs: restored - preparing };
}

/** The operator's log line `msg` about `rss` (its time), if any. */
function loggedAbout(op: OperatorProcess, msg: string, rss: string): number {
  for (const line of op.log().split('\n')) {
    if (!line.includes(`"msg":"${msg}"`) || !line.includes(`"rss":"${rss}"`)) continue;
    const time = /"time":"([^"]+)"/.exec(line)?.[1] ?? /"time":(\d+)/.exec(line)?.[1];
    if (time) return /^\d+$/.test(time) ? Number(time) : Date.parse(time);
  }
  return NaN;
}

const verb = (e: ExecRecord) => e.cmd.split(' ')[1] ?? e.cmd;

// ---------------------------------------------------------------------------------------------------

export async function backupScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const { c, o } = ctx;
  const startedAt = new Date().toISOString();
  const loadStart = loadAverage();
  const missing = missingPrograms(['mariadbd', 'mariadb', 'mariabackup', 'mbstream']);
  if (missing.length > 0) {
    return {
      name: 'backup',
      startedAt,
      load: { start: loadStart, end: loadAverage() },
      summary: [{ scenario: 'backup', metric: 'skipped', value: `${missing.join(', ')} not installed (scripts/debian-packages.txt)` }],
      details: [],
      notes: [],
      raw: {},
    };
  }
  onExitCleanUp();
  const targetBytes = Math.round(o.backupGib * 1024 ** 3);
  const ns = await createNamespace(c, 'backup', ctx.runId);
  const watch = new NamespaceWatch(c, ns);
  const backups = new BackupWatch(c, ns);
  const work = join(ctx.dir, 'backup-work');
  mkdirSync(work, { recursive: true });
  scratch.add(work);
  let storage: BenchStorage | undefined;
  let op: OperatorProcess | undefined;
  let sampler: RssSampler | undefined;
  const trials: BackupTrial[] = [];
  const notes: string[] = [];
  const timelines = join(ctx.dir, 'backup-timelines.txt');
  let filled: Fill | undefined;
  let restore: RestoreResult | undefined;
  const profiles: string[] = [];
  // The operator's trace (bench/lib/trace-preload.ts) rewrites a file and renames it over the old one every
  // 500 ms, synchronously, in the operator's event loop. On ext4 a rename over a file waits for that file's
  // data to be written, i.e. behind the GiB the backups write: 34 ms per rename on average in a profiled
  // 1 GiB run, 21 % of the operator's CPU time, the backup's stream stalled meanwhile. Its files go to a tmpfs
  // (/dev/shm) while the operator runs and are copied next to the results at the end.
  const opDir = existsSync('/dev/shm') ? mkdtempSync('/dev/shm/rss-bench-backup-') : ctx.dir;
  if (opDir !== ctx.dir) scratch.add(opDir);
  try {
    await watch.start();
    await backups.start();
    storage = await benchStorage(c, ns);
    op = await startOperator(c, { namespaces: [ns], label: 'backup', dir: opDir, cpuProf: o.cpuProf, nodeOptions: o.nodeOptions, traceRequests: true });
    sampler = new RssSampler(op.pid, SAMPLE_MS);
    const components = controlPlaneStatus().components;
    const pidOf = (name: string) => components.find((x) => x.name === name)?.pid;
    const pids = { operator: op.pid, 'kube-apiserver': pidOf('kube-apiserver'), kwok: pidOf('kwok'), s3: pidOf('s3') };

    // The source cluster, filled.
    const src = membersOf(SOURCE, MEMBERS);
    let t = Date.now();
    const up = watch.until(`${SOURCE}: 3 primaries`, () => allPrimaries(watch.rss(SOURCE), MEMBERS), 300_000);
    await createRss(c, ns, galeraCluster(SOURCE, { backup: storage.policy }));
    await up;
    await allSynced(c, ns, src);
    ctx.say(`backup: ${SOURCE} up (3 primaries, Synced) in ${ms(Date.now() - t)}; filling ${gib(targetBytes)} through ${src[0]}`);
    filled = await fill(ctx, ns, src[0]!, targetBytes);
    t = Date.now();
    await allSynced(c, ns, src, 600_000);
    const member = memberName(SOURCE, MEMBERS - 1); // the operator's choice: the highest ordinal among equals
    filled.datadirBytes = dirBytes(join(c.podDir(ns, member), 'mysql'));
    ctx.say(`backup: filled ${filled.rows} rows (${filled.statements} statements) in ${ms(filled.ms)}: table ${gib(filled.tableBytes)}, ${member}'s data directory ${gib(filled.datadirBytes)}; Synced ${ms(Date.now() - t)} later; load ${loadAverage()}`);

    // Backup trials.
    await op.startProfile();
    let previous: Backup | undefined;
    for (let i = 1; i <= o.backupTrials; i++) {
      const fileA = join(work, `agent-${i}.xb`);
      const fileC = join(work, `kubectl-${i}.xb`);
      const fileD = join(work, `raw-${i}.xb`);
      const operatorFirst = i % 2 === 0;
      const trialLoad = loadAverage();
      let a: ComparedRun | undefined;
      let b: OperatorRun | undefined;
      for (const which of operatorFirst ? ['operator', 'file'] : ['file', 'operator']) {
        await settle(c, ns, src);
        if (which === 'file') a = await fileBackup(c, ns, member, fileA, pids);
        else b = await operatorBackup(ctx, op, sampler, backups, ns, `b${i}`, pids);
      }
      if (b!.member !== member) notes.push(`trial ${i}: the operator backed up ${b!.member}, the baseline ${member}`);
      // What bounds it: each part alone.
      await settle(c, ns, src, 2000);
      const kc = await kubectlBackup(c, ns, member, fileC, pids);
      rmSync(fileC, { force: true });
      await settle(c, ns, src, 2000);
      const raw = await rawBackup(c, ns, member, fileD, join(work, `raw-tmp-${i}`));
      rmSync(fileD, { force: true });
      const quiet = async () => {
        execFileSync('sync');
        await sleep(2000);
      };
      await quiet();
      const pipe = await pipeCheck(c, storage, pids, ['upload', fileA, `pipe-check/${i}`]);
      await storage.remove(`pipe-check/${i}`);
      await quiet();
      const hash = await pipeCheck(c, storage, pids, ['hash', fileA]);
      await quiet();
      const kubectlOut = await kubectlTransport(c, ns, member, fileA, 'out', pids);
      await quiet();
      const execOut = await pipeCheck(c, storage, pids, ['exec-out', ns, member, fileA]);
      await quiet();
      const kubectlIn = await kubectlTransport(c, ns, member, fileA, 'in', pids);
      await quiet();
      const execIn = await pipeCheck(c, storage, pids, ['exec-in', ns, member, fileA, hash.sha256]);
      rmSync(fileA, { force: true });
      const trial: BackupTrial = {
        trial: i,
        order: operatorFirst ? 'operator, file' : 'file, operator',
        load: trialLoad,
        file: a!,
        operator: b!,
        kubectl: kc,
        raw,
        pipeline: pipe,
        hash,
        kubectlOut,
        execOut,
        kubectlIn,
        execIn,
        ratio: b!.mbps / a!.mbps,
        statusRatio: mbps(b!.bytes, b!.statusMs) / a!.mbps,
      };
      trials.push(trial);
      ctx.say(
        `backup ${i}/${o.backupTrials} (${trial.order}; load ${trial.load}): file ${num(a!.mbps, 0)} MB/s (${ms(a!.ms)}), operator ${num(b!.mbps, 0)} MB/s (${ms(b!.ms)}; status ${ms(b!.statusMs)}) → ratio ${num(trial.ratio, 2)}; ` +
          `kubectl exec ${num(kc.mbps, 0)}, raw ${num(raw.mbps, 0)}, pipeline ${num(pipe.mbps, 0)}, sha256 ${num(hash.mbps, 0)}, exec stdout kubectl/operator's client ${num(kubectlOut.mbps, 0)}/${num(execOut.mbps, 0)}, stdin ${num(kubectlIn.mbps, 0)}/${num(execIn.mbps, 0)} MB/s; operator RSS idle ${mib(b!.idleRssBytes)}, peak ${mib(b!.peakRssBytes)} (+${mib(b!.growthBytes)})`,
      );
      // Only the newest backup is kept (the restore's).
      if (previous) {
        await deleteBackup(c, ns, previous.metadata.name!);
        const key = previous.status?.objectKey;
        if (key) await storage.remove(key, `${key}.json`);
      }
      previous = backups.seen.get(`b${i}`)?.backup;
    }
    const backupProfile = await op.stopProfile('backup');
    if (backupProfile) profiles.push(`CPU profile of the backup trials: ${formatProfile(summariseProfile(backupProfile, 12))}`);

    // Restore: the baseline by hand, then the operator into a new cluster.
    const last = previous!;
    const lastKey = last.status!.objectKey!;
    const restoreFile = join(work, 'restore.xb');
    execFileSync('sync');
    await sleep(2000);
    const baselineLoad = oneMinuteLoad();
    const dl = await storage.download(lastKey, restoreFile);
    const scratchDir = join(work, 'restore-scratch');
    mkdirSync(scratchDir, { recursive: true });
    const bStart = Date.now();
    const br = await runWithFile(AGENT, ['restore'], { stdin: restoreFile }, { cwd: scratchDir, env: agentEnv(`${ns}-scratch`, 'rss-scratch-0', 'scratch') });
    if (br.code !== 0) throw new Error(`galera-agent restore < file failed (exit ${br.code}): ${br.stderr.trim()}`);
    const bPhases = restorePhases(scratchDir, bStart);
    rmSync(scratchDir, { recursive: true, force: true });
    rmSync(restoreFile, { force: true });
    ctx.say(`backup: restore baseline: S3 → file ${num(mbps(dl.bytes, dl.ms), 0)} MB/s (${ms(dl.ms)}), galera-agent restore < file ${ms(br.ms)} (extract ${ms(bPhases.extractMs)}, prepare ${ms(bPhases.prepareMs)})`);

    await deleteRss(c, ns, SOURCE);
    await watch.until(`${SOURCE}: pods gone`, () => watch.podsOf(SOURCE).length === 0, 180_000);
    await removeMemberFolders(c, ns, src);
    execFileSync('sync');
    await sleep(IDLE_MS);

    const rst = membersOf(RESTORED, MEMBERS);
    const restoreLoad = oneMinuteLoad();
    await op.startProfile();
    const before = await op.metrics();
    const t0 = Date.now();
    sampler.mark(`${RESTORED} created`, t0);
    const timeoutMs = 600_000 + o.backupGib * 600_000;
    const primaries = watch.until(`${RESTORED}: 3 primaries, restore Completed`, () => allPrimaries(watch.rss(RESTORED), MEMBERS) && watch.rss(RESTORED)?.status?.restore?.phase === 'Completed', timeoutMs);
    await createRss(c, ns, galeraCluster(RESTORED, { backup: storage.policy, bootstrap: { backup: { name: last.metadata.name! } } }));
    const tPrimaries = await primaries;
    const tSynced = await allSynced(c, ns, rst, 300_000);
    const restoreProfile = await op.stopProfile('restore');
    if (restoreProfile) profiles.push(`CPU profile of the restore: ${formatProfile(summariseProfile(restoreProfile, 12))}`);
    const tReady = max([...watch.podTimeline.values()].filter((p) => rst.includes(p.name) && p.seenAt >= t0).map((p) => p.readyAt ?? NaN));
    const tSts = watch.statefulSetSeen.get(`rss-${RESTORED}`) ?? t0;
    const { share, execs, timeline } = await operatorShare(c, op, before, { t0, tDone: tPrimaries, platform: [tSts, tReady], isTrialExec: (e) => e.ns === ns && rst.includes(e.pod) });
    const restoreExec = execs.find((e) => verb(e) === 'restore');
    const seed = execs.find((e) => verb(e) === 'seed');
    const joins = execs.filter((e) => verb(e) === 'primary').sort((x, y) => x.start - y.start);
    const restoredMember = watch.rss(RESTORED)?.status?.restore?.member ?? restoreExec?.pod ?? '?';
    const phases = restorePhases(c.podDir(ns, restoredMember), t0);
    const tRestoring = loggedAbout(op, 'restoring', `${ns}/${RESTORED}`);
    const mem = sampler.window(t0 - IDLE_MS, t0, t0, restoreExec?.end ?? tPrimaries);
    const events = (await c.core.listNamespacedEvent({ namespace: ns })).items.filter((e) => e.involvedObject?.name === RESTORED);
    restore = {
      member: restoredMember,
      bytes: last.status?.size ?? NaN,
      totalMs: tSynced - t0,
      primariesMs: tPrimaries - t0,
      podsReadyMs: tReady - t0,
      toRestoreMs: (restoreExec?.start ?? NaN) - t0,
      storagePreludeMs: (restoreExec?.start ?? NaN) - tRestoring,
      restoreMs: restoreExec ? restoreExec.end - restoreExec.start : NaN,
      extractMs: phases.extractMs,
      prepareMs: phases.prepareMs,
      restoreToSeedMs: (seed?.start ?? NaN) - (restoreExec?.end ?? NaN),
      seedMs: seed ? seed.end - seed.start : NaN,
      joinsMs: joins.map((e) => e.end - e.start),
      joiningMs: joins.length ? max(joins.map((e) => e.end)) - min(joins.map((e) => e.start)) : NaN,
      share,
      idleRssBytes: mem.idleBytes,
      peakRssBytes: mem.peakBytes,
      growthBytes: mem.growthBytes,
      load: restoreLoad,
      baseline: { downloadMs: dl.ms, downloadBytes: dl.bytes, restoreMs: br.ms, extractMs: bPhases.extractMs, prepareMs: bPhases.prepareMs, load: baselineLoad },
    };
    const items: TimelineItem[] = [
      { at: tSts, what: `StatefulSet rss-${RESTORED} seen` },
      ...[...watch.podTimeline.values()].filter((p) => rst.includes(p.name) && p.seenAt >= t0).flatMap((p) => [{ at: p.seenAt, what: `pod ${p.name} seen` }, { at: p.readyAt ?? NaN, what: `pod ${p.name} Ready` }]),
      ...timeline.filter((x) => x.what.startsWith('exec')).map((x) => ({ ...x, what: x.what.replace(/\S*galera-agent /, '') })),
      { at: tRestoring, what: 'operator log: restoring' },
      { at: loggedAbout(op, 'restore finished', `${ns}/${RESTORED}`), what: 'operator log: restore finished' },
      ...agentLog(c.podDir(ns, restoredMember)).filter((l) => l.verb === 'restore' && l.time >= t0 - 1000).map((l) => ({ at: l.time, what: `agent (${restoredMember}): ${l.text.slice(0, 140)}` })),
      ...events.map((e) => ({ at: Date.parse(String(e.lastTimestamp ?? e.firstTimestamp ?? e.eventTime ?? '')), what: `Event ${e.reason} (second resolution): ${(e.message ?? '').slice(0, 120)}` })),
      { at: tPrimaries, what: 'RSS status: 3 primaries, restore Completed (benchmark watch)' },
      { at: tSynced, what: 'every mariadbd Synced, Primary, size 3' },
    ];
    appendFileSync(timelines, formatTimeline(`restore into ${RESTORED} from ${last.metadata.name} (${gib(restore.bytes)}): created at +0, 3 primaries at +${tPrimaries - t0} ms, all Synced at +${tSynced - t0} ms`, t0, items));
    ctx.say(`backup: restore into ${RESTORED}: Synced in ${ms(restore.totalMs)} (restore ${ms(restore.restoreMs)} from +${ms(restore.toRestoreMs)}, seed ${ms(restore.seedMs)}, joins ${restore.joinsMs.map(ms).join(' + ')}); operator's own ${ms(share.operatorMs)}; load ${loadAverage()}`);

    await deleteRss(c, ns, RESTORED);
    await watch.until(`${RESTORED}: pods gone`, () => watch.podsOf(RESTORED).length === 0, 180_000).catch(() => undefined);
    await removeMemberFolders(c, ns, rst);
  } finally {
    sampler?.stop();
    if (sampler) sampler.write(join(ctx.dir, 'backup-operator-rss.tsv'));
    await op?.stop();
    if (op) for (const file of op.profiles()) profiles.push(`CPU profile of the whole operator process (node --cpu-prof): ${file}`);
    await backups.stop();
    await watch.stop();
    await storage?.destroy();
    await deleteNamespace(c, ns);
    rmSync(work, { recursive: true, force: true });
    scratch.delete(work);
    if (opDir !== ctx.dir) {
      cpSync(opDir, ctx.dir, { recursive: true });
      rmSync(opDir, { recursive: true, force: true });
      scratch.delete(opDir);
    }
  }
  const moved = (text: string) => text.split(opDir).join(ctx.dir);
  return report(ctx, startedAt, loadStart, filled!, trials, restore!, [...notes, ...profiles].map(moved));
}

// ---------------------------------------------------------------------------------------------------
// Report

function report(ctx: BenchContext, startedAt: string, loadStart: string, filled: Fill, trials: BackupTrial[], restore: RestoreResult, notes: string[]): ScenarioResult {
  const n = trials.length;
  const range = (values: number[], f: (v: number) => string) => {
    const v = values.filter(Number.isFinite);
    return v.length ? `${f(median(v))} (${f(min(v))}–${f(max(v))})` : '–';
  };
  const rate = (values: number[]) => range(values, (v) => `${num(v, 0)}`) + ' MB/s';
  const ratio = (values: number[]) => range(values, (v) => num(v, 2));
  const ratios = trials.map((t) => t.ratio);
  const growth = trials.map((t) => t.operator.growthBytes);
  const size = median(trials.map((t) => t.operator.bytes));
  const kind = `median (min–max) of ${n}`;
  const scenario = `backup, ${gib(filled.datadirBytes)} data directory (${num(size / 1e9, 2)} GB stream)`;
  const summary: SummaryRow[] = [
    { scenario, metric: `baseline: \`galera-agent backup > file\` in the member's folder: ${kind}`, value: rate(trials.map((t) => t.file.mbps)), target: 'info' },
    { scenario: 'backup', metric: 'through the operator: Backup created → Completed seen', value: rate(trials.map((t) => t.operator.mbps)), target: 'info' },
    { scenario: 'backup', metric: 'operator / baseline, paired per trial (created → Completed)', value: ratio(ratios), target: `≥ ${RATIO_TARGET}`, met: median(ratios) >= RATIO_TARGET },
    { scenario: 'backup', metric: 'operator / baseline with the status\' startedAt → completedAt', value: ratio(trials.map((t) => t.statusRatio)), target: 'info' },
    { scenario: 'backup', metric: '`kubectl exec … galera-agent backup > file` (the exec path, no operator) / baseline', value: ratio(trials.map((t) => t.kubectl.mbps / t.file.mbps)), target: 'info' },
    { scenario: 'backup', metric: 'exec stdout alone (`cat` of the backup): kubectl / the operator\'s exec client into its Digest', value: `${rate(trials.map((t) => t.kubectlOut.mbps))} / ${rate(trials.map((t) => t.execOut.mbps))}`, target: 'info' },
    { scenario: 'backup', metric: 'the operator\'s pipeline on the file (sha256 + S3 upload, no exec) / sha256 alone', value: `${rate(trials.map((t) => t.pipeline.mbps))} / ${rate(trials.map((t) => t.hash.mbps))}`, target: 'info' },
    { scenario: 'backup', metric: 'operator resident memory: idle / peak during the backup', value: `${range(trials.map((t) => t.operator.idleRssBytes), mib)} / ${range(trials.map((t) => t.operator.peakRssBytes), mib)}`, target: 'info' },
    { scenario: 'backup', metric: 'operator resident memory: peak − idle (verdict on the largest)', value: range(growth, mib), target: `≤ ${mib(GROWTH_TARGET_BYTES)}`, met: max(growth) <= GROWTH_TARGET_BYTES },
    { scenario: `restore into a new cluster (${gib(restore.bytes)} backup)`, metric: 'RSS created → 3 primaries, every mariadbd Synced', value: ms(restore.totalMs), target: 'info' },
    { scenario: 'restore', metric: 'the restore command (streamed from S3: extract + prepare) / by hand from a file', value: `${ms(restore.restoreMs)} (${ms(restore.extractMs)} + ${ms(restore.prepareMs)}) / ${ms(restore.baseline.restoreMs)} (${ms(restore.baseline.extractMs)} + ${ms(restore.baseline.prepareMs)})`, target: 'info' },
    { scenario: 'restore', metric: 'exec stdin alone (`cat > /dev/null`): kubectl / the operator\'s exec client from a VerifiedTail', value: `${rate(trials.map((t) => t.kubectlIn.mbps))} / ${rate(trials.map((t) => t.execIn.mbps))}`, target: 'info' },
    { scenario: 'restore', metric: 'seed / joins by SST (one at a time)', value: `${ms(restore.seedMs)} / ${restore.joinsMs.map(ms).join(' + ')}`, target: 'info' },
    { scenario: 'restore', metric: 'operator\'s own share (outside commands and pod start-up) / of it in API calls', value: `${ms(restore.share.operatorMs)} (${pct((100 * restore.share.operatorMs) / restore.primariesMs)} of ${ms(restore.primariesMs)}) / ${ms(restore.share.operatorApiMs)}`, target: 'info' },
  ];
  const s = (v: number) => `${num(v / 1000, 1)} s`;
  const cell = (r: { mbps: number; ms: number }) => `${num(r.mbps, 0)} (${s(r.ms)})`;
  type Way = { label: string; run: (t: BackupTrial) => ComparedRun };
  const ways: Way[] = [
    { label: 'agent > file (baseline)', run: (t) => t.file },
    { label: 'operator (created → Completed)', run: (t) => t.operator },
    { label: 'kubectl exec agent backup > file', run: (t) => t.kubectl },
    { label: 'kubectl exec cat > /dev/null', run: (t) => t.kubectlOut },
    { label: 'operator\'s exec client: cat → Digest', run: (t) => t.execOut },
    { label: 'file → Digest → S3 (operator\'s code)', run: (t) => t.pipeline },
    { label: 'file → Digest (sha256)', run: (t) => t.hash },
    { label: 'kubectl exec -i cat > /dev/null < file', run: (t) => t.kubectlIn },
    { label: 'file → VerifiedTail → operator\'s exec client stdin', run: (t) => t.execIn },
  ];
  const perGb = (w: Way, component: string) => range(trials.map((t) => (w.run(t).cpu?.[component] ?? NaN) / (w.run(t).bytes / 1e9)), (x) => num(x, 1));
  return {
    name: 'backup',
    startedAt,
    load: { start: loadStart, end: loadAverage() },
    summary,
    details: [
      {
        title: `Backup trials: the paired comparison (MB/s, MB = 10^6 bytes; ${num(size / 1e6, 0)} MB streams; times in brackets)`,
        header: ['trial', 'order', 'load (1/5/15 min)', 'agent > file', 'operator: created → Completed', 'ratio', 'status startedAt → completedAt', 'the backup exec (trace)', 'created → exec starts', 'exec ends → Completed seen'],
        rows: trials.map((t) => [
          String(t.trial),
          t.order,
          t.load,
          cell(t.file),
          cell(t.operator),
          num(t.ratio, 2),
          `${num(mbps(t.operator.bytes, t.operator.statusMs), 0)} (${s(t.operator.statusMs)})`,
          `${num(mbps(t.operator.bytes, t.operator.execMs), 0)} (${s(t.operator.execMs)})`,
          ms(t.operator.toExecMs),
          ms(t.operator.afterExecMs),
        ]),
      },
      {
        title: 'What bounds it: each part alone, same member, same data (MB/s; the 1-minute load average when each started)',
        header: ['trial', 'kubectl exec agent backup > file', 'raw mariabackup > file', 'kubectl exec cat > /dev/null', 'operator\'s exec client: cat → Digest', 'file → Digest → S3', 'sha256 alone', 'kubectl exec -i cat > /dev/null', 'file → VerifiedTail → operator\'s exec client stdin'],
        rows: trials.map((t) => [
          String(t.trial),
          `${cell(t.kubectl)} @${t.kubectl.load}`,
          `${cell(t.raw)} @${t.raw.load}`,
          `${cell(t.kubectlOut)} @${t.kubectlOut.load}`,
          `${cell(t.execOut)} @${t.execOut.load}`,
          `${cell(t.pipeline)} @${t.pipeline.load}`,
          `${cell(t.hash)} @${t.hash.load}`,
          `${cell(t.kubectlIn)} @${t.kubectlIn.load}`,
          `${cell(t.execIn)} @${t.execIn.load}`,
        ]),
      },
      {
        title: 'CPU seconds per GB moved, median (min–max) over the trials; "operator" is the operator process, or the process playing its part; machine = how busy both cores were (any process)',
        header: ['way', 'operator', 'kube-apiserver', 'kwok', 'S3 server', 'machine busy'],
        rows: ways.map((w) => [w.label, perGb(w, 'operator'), perGb(w, 'kube-apiserver'), perGb(w, 'kwok'), perGb(w, 's3'), range(trials.map((t) => 100 * (w.run(t).cpu?.['machine'] ?? NaN)), (x) => `${num(x, 0)} %`)]),
      },
      {
        title: 'The operator\'s memory during each backup (VmRSS every 150 ms; V8 from its metrics every 1 s)',
        header: ['trial', 'idle RSS (5 s before)', 'peak RSS', 'peak − idle', 'samples', 'V8 heap used (max)', 'external (max)', 'the parts alone, peak − start of their process: cat → Digest / file → Digest → S3 / VerifiedTail → stdin'],
        rows: trials.map((t) => [String(t.trial), mib(t.operator.idleRssBytes), mib(t.operator.peakRssBytes), mib(t.operator.growthBytes), String(t.operator.rssSamples), mib(t.operator.heapUsedMaxBytes), mib(t.operator.externalMaxBytes), [t.execOut, t.pipeline, t.execIn].map((r) => mib(r.maxRssBytes - r.rssStartBytes)).join(' / ')]),
      },
      {
        title: `Restore into ${RESTORED} (times from its creation; load ${restore.load})`,
        header: ['step', 'time'],
        rows: [
          ['pods Ready', ms(restore.podsReadyMs)],
          ['restore exec starts (3 `sequence` = 0, storage prelude)', ms(restore.toRestoreMs)],
          ['… of it: operator log "restoring" → exec starts (store, manifest, GET)', ms(restore.storagePreludeMs)],
          [`restore command in ${restore.member} (${num(mbps(restore.bytes, restore.restoreMs), 0)} MB/s)`, ms(restore.restoreMs)],
          [`… mbstream -x of the stream (${num(mbps(restore.bytes, restore.extractMs), 0)} MB/s) / mariabackup --prepare (agent.log)`, `${ms(restore.extractMs)} / ${ms(restore.prepareMs)}`],
          ['restore ends → seed starts (`sequence` of the restored member)', ms(restore.restoreToSeedMs)],
          ['seed', ms(restore.seedMs)],
          ['joins by SST (one at a time)', restore.joinsMs.map(ms).join(' + ')],
          ['3 primaries, restore Completed (status)', ms(restore.primariesMs)],
          ['every mariadbd Synced', ms(restore.totalMs)],
          ['commands (union of exec intervals) / operator\'s own share / of it in API calls', `${ms(restore.share.commandsMs)} / ${ms(restore.share.operatorMs)} / ${ms(restore.share.operatorApiMs)}`],
          ['operator resident memory: idle / peak until the restore ends / peak − idle', `${mib(restore.idleRssBytes)} / ${mib(restore.peakRssBytes)} / ${mib(restore.growthBytes)}`],
          [`baseline (load ${restore.baseline.load}): S3 → file (GetObject)`, `${ms(restore.baseline.downloadMs)} (${num(mbps(restore.baseline.downloadBytes, restore.baseline.downloadMs), 0)} MB/s)`],
          [`baseline: \`galera-agent restore < file\` in a scratch folder (extract ${num(mbps(restore.bytes, restore.baseline.extractMs), 0)} MB/s / prepare)`, `${ms(restore.baseline.restoreMs)} (${ms(restore.baseline.extractMs)} / ${ms(restore.baseline.prepareMs)})`],
        ],
      },
    ],
    notes: [
      `Data: ${filled.rows} rows of 3 × 1 KiB random bytes (${filled.statements} INSERT … SELECT of ${ROWS_PER_INSERT} rows) in ${ms(filled.ms)}; table file ${gib(filled.tableBytes)}, the backed-up member's data directory ${gib(filled.datadirBytes)}.`,
      `Memory samples with marks: ${join(ctx.dir, 'backup-operator-rss.tsv')}; the restore's timeline: ${join(ctx.dir, 'backup-timelines.txt')}`,
      ...notes,
    ],
    raw: { filled, trials, restore },
  };
}
