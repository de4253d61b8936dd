// Runs the operator as its own process with the benchmark's trace preloaded, and reads what it costs: /proc
// CPU ticks and resident memory, its Prometheus metrics, its API requests and execs (trace-preload.ts).
//
// By default the process is the one the container image runs: the JavaScript that `npm run build` emits
// (built here into .cache/bench-operator/<run>/), started with the node flags of the Containerfile's
// ENTRYPOINT and with NODE_OPTIONS as deploy/operator.yaml sets it — both read from those files, so that the
// figures are what a user of the Deployment gets. `--operator-from src` runs src/main.ts instead, as
// `npm run operator` does on a laptop (Node's type stripping then costs ~25 MiB more).
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from '../../controlplane/localcluster.ts';
import type { Cluster } from './kube.ts';
// The trace's records are defined where they are written (type-only: the preload is never loaded here).
import type { ExecRecord, RequestRecord } from './trace-preload.ts';

export type { ExecRecord, RequestRecord };

/** How the operator process is started. */
export interface OperatorRuntime {
  /** The operator's entry point. */
  main: string;
  /** The benchmark's trace, loaded with --import. */
  preload: string;
  /** node flags before the entry point (the Containerfile's ENTRYPOINT). */
  nodeFlags: string[];
  /** Environment variables the Deployment sets to a literal value (NODE_OPTIONS, …). */
  env: Record<string, string>;
  /** One line for the report. */
  describe: string;
  /** Removes what was built. */
  cleanUp(): void;
}

/**
 * The environment the operator container of deploy/operator.yaml gets as literal values (NODE_OPTIONS and
 * the like; not those taken from the pod, such as POD_NAMESPACE).
 */
export function deploymentEnv(file = join(repoRoot, 'deploy', 'operator.yaml')): Record<string, string> {
  for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
    const o = doc.toJS() as { kind?: string; spec?: { template?: { spec?: { containers?: { env?: { name: string; value?: string }[] }[] } } } } | null;
    if (o?.kind !== 'Deployment') continue;
    const env = o.spec?.template?.spec?.containers?.[0]?.env ?? [];
    return Object.fromEntries(env.filter((e) => typeof e.value === 'string').map((e) => [e.name, e.value!]));
  }
  throw new Error(`no Deployment in ${file}`);
}

/** The node flags of the Containerfile's ENTRYPOINT (between the node binary and the script). */
export function imageNodeFlags(file = join(repoRoot, 'Containerfile')): string[] {
  const line = readFileSync(file, 'utf8').split('\n').find((l) => l.startsWith('ENTRYPOINT'));
  if (!line) return [];
  const argv = JSON.parse(line.slice('ENTRYPOINT'.length).trim()) as string[];
  return argv.slice(1).filter((a) => a.startsWith('-'));
}

let runtime: OperatorRuntime | undefined;

/** Builds the operator (unless `from` is 'src') and decides how it is started; call once per benchmark run. */
export function prepareOperator(runId: string, from: 'dist' | 'src'): OperatorRuntime {
  const env = deploymentEnv();
  const envText = Object.keys(env).length ? ` with ${Object.entries(env).map(([k, v]) => `${k}="${v}"`).join(' ')} (deploy/operator.yaml)` : '';
  if (from === 'src') {
    runtime = {
      main: join(repoRoot, 'src', 'main.ts'),
      preload: join(repoRoot, 'bench', 'lib', 'trace-preload.ts'),
      nodeFlags: [],
      env,
      describe: `node src/main.ts (type stripping, as \`npm run operator\`)${envText}`,
      cleanUp: () => undefined,
    };
    return runtime;
  }
  const dir = join(repoRoot, '.cache', 'bench-operator', runId);
  const outDir = join(dir, 'dist');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(repoRoot, 'tsconfig.build.json'), '--outDir', outDir], { cwd: repoRoot, stdio: 'pipe', encoding: 'utf8' });
  } catch (error) {
    // tsc emits even when it reports type errors; only a missing entry point is fatal.
    const output = String((error as { stdout?: string }).stdout ?? error);
    if (!existsSync(join(outDir, 'main.js'))) throw new Error(`building the operator failed:\n${output}`);
    console.error(`bench: tsc reported errors (the emitted JavaScript is used anyway):\n${output.split('\n').slice(0, 10).join('\n')}`);
  }
  // The trace is TypeScript too: strip its types here, so that the operator process does not load the
  // type stripper (the image's process does not).
  const preload = join(dir, 'trace-preload.js');
  const emitWarning = process.emitWarning;
  process.emitWarning = () => undefined; // "stripTypeScriptTypes is an experimental feature"
  try {
    writeFileSync(preload, stripTypeScriptTypes(readFileSync(join(repoRoot, 'bench', 'lib', 'trace-preload.ts'), 'utf8')));
  } finally {
    process.emitWarning = emitWarning;
  }
  const nodeFlags = imageNodeFlags();
  runtime = {
    main: join(outDir, 'main.js'),
    preload,
    nodeFlags,
    env,
    describe: `node ${nodeFlags.length ? `${nodeFlags.join(' ')} ` : ''}dist/main.js (built with tsconfig.build.json; flags from the Containerfile's ENTRYPOINT)${envText}`,
    cleanUp: () => rmSync(dir, { recursive: true, force: true }),
  };
  return runtime;
}

export interface OperatorOptions {
  /** Namespaces to watch (the first also holds the Lease). */
  namespaces: string[];
  /** A name for its files. */
  label: string;
  /** Folder for the log, trace and profile. */
  dir: string;
  /**
   * Start it with `node --cpu-prof` (a profile of its whole life, written when it exits) and with the
   * inspector on 127.0.0.1, so that the scenario can also profile exactly its measurement windows.
   */
  cpuProf?: boolean;
  /** More flags for node (e.g. --max-semi-space-size=2), to try runtime settings without changing the operator. */
  nodeOptions?: string[];
  /** Also record every API request's start and end (trace-preload.ts). */
  traceRequests?: boolean;
  extraArgs?: string[];
}

export interface ProcSample {
  at: number;
  /** utime + stime, in seconds. */
  cpuSeconds: number;
  rssBytes: number;
  hwmBytes: number;
}

const running = new Set<OperatorProcess>();

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** CPU time and memory of a process, from /proc. */
export function procSample(pid: number): ProcSample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { at: Date.now(), cpuSeconds, rssBytes: kb('VmRSS'), hwmBytes: kb('VmHWM') };
}

/** Whole-machine CPU use between two readings of /proc/stat, in % of all cores. */
export function machineCpu(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

export function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/** Prometheus text → samples keyed by `name{labels}` exactly as printed. */
export type MetricSamples = Map<string, number>;

export function parseMetrics(text: string): MetricSamples {
  const samples: MetricSamples = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

/** Sum of a metric's samples whose labels contain every `label="value"` given. */
export function metricSum(samples: MetricSamples, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const [key, value] of samples) {
    const brace = key.indexOf('{');
    const metric = brace === -1 ? key : key.slice(0, brace);
    if (metric !== name) continue;
    if (Object.entries(labels).every(([k, v]) => key.includes(`${k}="${v}"`))) total += value;
  }
  return total;
}

export class OperatorProcess {
  readonly child: ChildProcess;
  readonly logFile: string;
  readonly tracePrefix: string;
  readonly profileDir: string | undefined;
  readonly spawnedAt: number;
  private exited: Promise<number | null>;
  private readonly jsonl = new Map<string, { offset: number; records: unknown[] }>();
  port = 0;

  constructor(c: Cluster, o: OperatorOptions) {
    mkdirSync(o.dir, { recursive: true });
    this.logFile = join(o.dir, `${o.label}.log`);
    this.tracePrefix = join(o.dir, `${o.label}.trace`);
    this.profileDir = o.cpuProf ? join(o.dir, `${o.label}.prof`) : undefined;
    const how = runtime ?? prepareOperator('default', 'src');
    const nodeArgs = [...how.nodeFlags, '--import', how.preload];
    if (this.profileDir) nodeArgs.push('--cpu-prof', '--cpu-prof-dir', this.profileDir, '--inspect=127.0.0.1:0');
    nodeArgs.push(...(o.nodeOptions ?? []));
    const args = [
      ...nodeArgs,
      how.main,
      '--kubeconfig', c.kubeconfigPath,
      '--namespace', o.namespaces.join(','),
      '--lease-namespace', o.namespaces[0]!,
      '--http-address', '127.0.0.1:0',
      '--log-level', 'info',
      ...(o.extraArgs ?? []),
    ];
    const out = createWriteStream(this.logFile);
    this.spawnedAt = Date.now();
    const env: NodeJS.ProcessEnv = { ...process.env, RSS_BENCH_TRACE: this.tracePrefix, RSS_BENCH_TRACE_REQUESTS: o.traceRequests ? '1' : '0' };
    delete env.NODE_OPTIONS;
    Object.assign(env, how.env);
    this.child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    this.child.stdout!.pipe(out);
    this.child.stderr!.pipe(out);
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
    running.add(this);
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  log(): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
  }

  /** Time (ms since epoch) of the first log line with this message, if any. */
  loggedAt(msg: string): number | undefined {
    for (const line of this.log().split('\n')) {
      if (!line.includes(`"msg":"${msg}"`)) continue;
      const time = /"time":"([^"]+)"/.exec(line)?.[1];
      if (time) return Date.parse(time);
    }
    return undefined;
  }

  /** Waits (bounded) until it serves /metrics and reconciles (holds the lease). */
  async ready(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.alive) throw new Error(`the operator exited during start-up; its log (${this.logFile}):\n${this.log().slice(-2000)}`);
      const match = /"address":"127\.0\.0\.1:(\d+)"/.exec(this.log());
      if (match) this.port = Number(match[1]);
      if (this.port && this.loggedAt('reconciling') !== undefined) return;
      await sleep(100);
    }
    throw new Error(`the operator did not start reconciling within ${timeoutMs / 1000} s; its log: ${this.logFile}`);
  }

  async metrics(): Promise<MetricSamples> {
    const response = await fetch(`http://127.0.0.1:${this.port}/metrics`, { signal: AbortSignal.timeout(10_000) });
    return parseMetrics(await response.text());
  }

  proc(): ProcSample {
    return procSample(this.pid);
  }

  /** The records of a JSON-lines trace file so far (read incrementally). */
  private readJsonl<T>(suffix: string): T[] {
    const file = `${this.tracePrefix}.${suffix}`;
    let state = this.jsonl.get(suffix);
    if (!state) this.jsonl.set(suffix, (state = { offset: 0, records: [] }));
    if (!existsSync(file)) return state.records as T[];
    const text = readFileSync(file, 'utf8');
    const end = text.lastIndexOf('\n') + 1;
    if (end > state.offset) {
      for (const line of text.slice(state.offset, end).split('\n')) if (line) state.records.push(JSON.parse(line));
      state.offset = end;
    }
    return state.records as T[];
  }

  /** Every exec the operator finished so far. */
  execs(): ExecRecord[] {
    return this.readJsonl<ExecRecord>('execs.jsonl');
  }

  /** Every API request (not watches) the operator finished so far, with traceRequests. */
  apiRequests(): RequestRecord[] {
    return this.readJsonl<RequestRecord>('requests.jsonl');
  }

  /** The operator's API requests so far, by "VERB resource[/sub]" (from the trace; refreshed every 500 ms). */
  requests(): { time: number; total: number; byKey: Record<string, number> } {
    const file = `${this.tracePrefix}.counts.json`;
    if (!existsSync(file)) return { time: Date.now(), total: 0, byKey: {} };
    return JSON.parse(readFileSync(file, 'utf8')) as { time: number; total: number; byKey: Record<string, number> };
  }

  /** SIGTERM (the operator finishes in-flight reconciles and exits); SIGKILL after the timeout. */
  async stop(timeoutMs = 20_000): Promise<number | null> {
    running.delete(this);
    this.inspector?.close();
    this.inspector = undefined;
    if (!this.alive) return this.child.exitCode;
    this.child.kill('SIGTERM');
    const code = await Promise.race([this.exited, sleep(timeoutMs).then(() => 'timeout' as const)]);
    if (code !== 'timeout') return code;
    this.child.kill('SIGKILL');
    return await Promise.race([this.exited, sleep(5000).then(() => null)]);
  }

  private inspector?: Inspector;

  /** Starts the V8 CPU profiler through the inspector (with cpuProf; otherwise does nothing). */
  async startProfile(): Promise<void> {
    if (!this.profileDir) return;
    const url = /Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/[\w-]+)/.exec(this.log())?.[1];
    if (!url) throw new Error(`the operator's inspector address is not in its log (${this.logFile})`);
    this.inspector ??= await Inspector.connect(url);
    await this.inspector.send('Profiler.enable');
    await this.inspector.send('Profiler.setSamplingInterval', { interval: 1000 });
    await this.inspector.send('Profiler.start');
  }

  /** Stops the profiler started by startProfile and writes the profile; returns its path (undefined without cpuProf). */
  async stopProfile(name: string): Promise<string | undefined> {
    if (!this.profileDir || !this.inspector) return undefined;
    const { profile } = (await this.inspector.send('Profiler.stop')) as { profile: unknown };
    mkdirSync(this.profileDir, { recursive: true });
    const file = join(this.profileDir, `${name}.window.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    return file;
  }

  /** The CPU profiles written at exit (with cpuProf). */
  profiles(): string[] {
    if (!this.profileDir || !existsSync(this.profileDir)) return [];
    return readdirSync(this.profileDir).filter((f) => f.endsWith('.cpuprofile') && !f.endsWith('.window.cpuprofile')).map((f) => join(this.profileDir!, f));
  }
}

/** A minimal Chrome DevTools Protocol client over Node's WebSocket (the operator's inspector, on 127.0.0.1). */
class Inspector {
  private readonly ws: WebSocket;
  private next = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.addEventListener('message', (event) => {
      const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: { message: string } };
      const waiter = message.id !== undefined ? this.pending.get(message.id) : undefined;
      if (!waiter) return;
      this.pending.delete(message.id!);
      if (message.error) waiter.reject(new Error(message.error.message));
      else waiter.resolve(message.result);
    });
  }

  static async connect(url: string): Promise<Inspector> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`could not connect to the inspector at ${url}`)), 10_000);
      ws.addEventListener('open', () => (clearTimeout(timer), resolve()));
      ws.addEventListener('error', () => (clearTimeout(timer), reject(new Error(`could not connect to the inspector at ${url}`))));
    });
    return new Inspector(ws);
  }

  send(method: string, params: object = {}): Promise<unknown> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`the inspector did not answer ${method} within 60 s`));
      }, 60_000);
      this.pending.set(id, { resolve: (v) => (clearTimeout(timer), resolve(v)), reject: (e) => (clearTimeout(timer), reject(e)) });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  close(): void {
    this.ws.close();
  }
}

export async function startOperator(c: Cluster, o: OperatorOptions): Promise<OperatorProcess> {
  const operator = new OperatorProcess(c, o);
  try {
    await operator.ready();
  } catch (error) {
    await operator.stop(5000);
    throw error;
  }
  return operator;
}

/** Stops every operator the benchmark started and has not stopped yet. */
export async function stopAllOperators(): Promise<void> {
  await Promise.all([...running].map((o) => o.stop(10_000)));
}
