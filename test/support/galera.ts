// MariaDB Galera (examples/galera) in the end-to-end tests, for clusters of any name: the manifest with the
// agent named by its path, a namespace whose pods' processes are waited for, SQL through a member's socket,
// an acknowledged-rows writer that records when each row was sent and acknowledged, and the `kubectl rss`
// plugin run without blocking the event loop (so a writer keeps writing while it runs). Shared by
// test/e2e/galera.test.ts and test/e2e/galera-backup.test.ts.
import { Watch } from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { processesUnder, repoRoot } from '../../controlplane/localcluster.ts';
import { GROUP, PLURAL, VERSION } from '../../src/api/names.ts';
import type { ReplicatedStatefulSet, StatusCondition } from '../../src/api/types.ts';
import { cluster, eventually, testNamespace } from './cluster.ts';
import { loadManifest, type OperatorProcess } from './operator.ts';
import type { PluginResult } from './plugin.ts';

const run = promisify(execFile);

/** The agent by its path: a control plane started before examples/galera/bin existed has no galera-agent on PATH. */
export const AGENT = join(repoRoot, 'examples', 'galera', 'bin', 'galera-agent');
export const BOOT_TIMEOUT_MS = 240_000;

export const podOf = (name: string, ordinal: number) => `rss-${name}-${ordinal}`;
export const membersOf = (name: string, n = 3) => Array.from({ length: n }, (_, i) => podOf(name, i));
/** n members run as primaries and the cluster is Running. */
export const primaries = (n: number) => (rss: ReplicatedStatefulSet) => (rss.status?.members?.primary?.length ?? 0) === n && rss.status?.phase === 'Running';
export const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
export const condition = (rss: ReplicatedStatefulSet, type: string): StatusCondition | undefined => rss.status?.conditions?.find((x) => x.type === type);

/** examples/galera/cluster.yaml, named `name`, the agent by its path, `spec` merged in. */
export function galeraManifest(name: string, spec: Partial<ReplicatedStatefulSet['spec']> = {}): ReplicatedStatefulSet {
  const m = loadManifest('examples/galera/cluster.yaml');
  m.metadata.name = name;
  for (const c of Object.values(m.spec.pod.commands)) {
    if (c?.command[0] === 'galera-agent') c.command[0] = AGENT;
  }
  Object.assign(m.spec, spec);
  return m;
}

/** Pids of the mariadbd processes started in a directory (a pod's, or a namespace's). */
export function serversUnder(dir: string): number[] {
  return processesUnder(dir).filter((pid) => {
    try { return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'mariadbd'; } catch { return false; }
  });
}

/**
 * A namespace for the test, deleted at the end; then waits until every process its pods started (mariadbd,
 * rsync) is gone — the exec agent kills them when the pods go — and kills and reports any left over.
 */
export async function galeraNamespace(t: TestContext, prefix: string): Promise<string> {
  const c = cluster();
  const namespace = await testNamespace(t, prefix);
  t.after(async () => {
    if (process.env.RSS_KEEP_NAMESPACES) return;
    await c.core.deleteNamespace({ name: namespace }).catch(() => undefined);
    const dir = c.podDir(namespace, '').replace(/\/$/, '');
    const left = await eventually(`the processes of ${namespace}'s pods to end`, () => processesUnder(dir).length === 0, 90_000, 500).then(
      () => [] as number[],
      () => processesUnder(dir),
    );
    for (const pid of left) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
    assert.deepEqual(left, [], `processes left running in ${dir} after the namespace was deleted (killed now)`);
  });
  return namespace;
}

/** Waits for `wait`; if it fails, shows the end of the operator's log first. */
export async function orShowLog<T>(t: TestContext, operator: OperatorProcess, wait: Promise<T>, lines = 60): Promise<T> {
  try {
    return await wait;
  } catch (error) {
    t.diagnostic(`the end of the operator's log (${operator.logFile}):\n${operator.log().split('\n').slice(-lines).join('\n')}`);
    throw error;
  }
}

export function podFile(namespace: string, pod: string, ...path: string[]): string {
  return join(cluster().podDir(namespace, pod), ...path);
}

/** How a test reaches a member's SQL: through its socket on the local control plane, or a pod exec. */
export type SqlRunner = (namespace: string, pod: string, query: string, timeoutMs?: number) => Promise<string[][]>;

/** Runs SQL on one member through its socket; returns the rows (tab-separated columns), no header. */
export async function sql(namespace: string, pod: string, query: string, timeoutMs = 20_000): Promise<string[][]> {
  const { stdout } = await run('mariadb', ['--no-defaults', '-uroot', `--socket=${podFile(namespace, pod, 'run', 'mysqld.sock')}`, '--connect-timeout=5', '-N', '-B', '-e', query], { timeout: timeoutMs });
  return stdout.split('\n').filter(Boolean).map((line) => line.split('\t'));
}

/** The ids in rss.acked on one member, read after it has applied everything the cluster committed before. */
export async function ids(namespace: string, pod: string, runSql: SqlRunner = sql): Promise<Set<number>> {
  return new Set((await runSql(namespace, pod, 'SET SESSION wsrep_sync_wait = 1; SELECT id FROM rss.acked', 60_000)).map((r) => Number(r[0])));
}

export async function wsrepStatus(namespace: string, pod: string): Promise<Map<string, string>> {
  const rows = await sql(namespace, pod, "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_local_state_comment', 'wsrep_cluster_size', 'wsrep_cluster_status', 'wsrep_last_committed', 'wsrep_cluster_state_uuid')", 10_000);
  return new Map(rows.map(([k, v]) => [k!, v!]));
}

export async function lastCommitted(namespace: string, pod: string): Promise<number> {
  return Number((await wsrepStatus(namespace, pod)).get('wsrep_last_committed'));
}

export async function expectSynced(namespace: string, pod: string, size: number): Promise<void> {
  const status = await wsrepStatus(namespace, pod);
  assert.equal(status.get('wsrep_local_state_comment'), 'Synced', `${pod} is Synced`);
  assert.equal(status.get('wsrep_cluster_status'), 'Primary', `${pod} is in the primary component`);
  assert.equal(status.get('wsrep_cluster_size'), String(size), `${pod} sees ${size} members`);
}

/** Runs galera-agent in a member pod through the pod exec API (kubectl exec → kwok), as the operator does. */
export function agent(namespace: string, pod: string, ...args: string[]): string {
  return cluster().kubectl(['-n', namespace, 'exec', pod, '-c', 'galera', '--', AGENT, ...args]);
}

/** What galera-agent did in a member (its agent.log): [{time, verb, text}], oldest first. */
export function agentLog(namespace: string, pod: string): { time: number; verb: string; text: string }[] {
  const file = podFile(namespace, pod, 'agent.log');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').flatMap((line) => {
    const m = /^(\S+) \[(\w+)\] (.*)$/.exec(line);
    return m ? [{ time: Date.parse(m[1]!), verb: m[2]!, text: m[3]! }] : [];
  });
}

/** The server's log since its last start by the agent. */
export function lastStartLog(namespace: string, pod: string): string {
  const file = podFile(namespace, pod, 'mariadbd.log');
  if (!existsSync(file)) return '';
  const log = readFileSync(file, 'utf8');
  return log.slice(log.lastIndexOf('==== '));
}

export interface Writer {
  /** id → when its INSERT returned success (ms since the epoch). */
  acked: Map<number, number>;
  /** id → when its INSERT was sent. */
  sent: Map<number, number>;
  failures(): number;
  /** The ids acknowledged before `time`. */
  ackedBefore(time: number): number[];
  waitFor(more: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Writes rows continuously through one member's socket, one INSERT at a time, and records every
 * acknowledged one: a row counts only when its INSERT returned success.
 */
export function startWriter(namespace: string, pod: string, runSql: SqlRunner = sql): Writer {
  const acked = new Map<number, number>();
  const sent = new Map<number, number>();
  let next = 1;
  let running = true;
  let failures = 0;
  const done = (async () => {
    while (running) {
      const id = next++;
      sent.set(id, Date.now());
      try {
        await runSql(namespace, pod, `INSERT INTO rss.acked (id, via) VALUES (${id}, '${pod}')`, 15_000);
        acked.set(id, Date.now());
      } catch {
        failures++;
        await sleep(50);
      }
    }
  })();
  return {
    acked,
    sent,
    failures: () => failures,
    ackedBefore: (time) => [...acked].filter(([, at]) => at < time).map(([id]) => id),
    async waitFor(more, timeoutMs = 120_000) {
      const target = acked.size + more;
      await eventually(`${more} more acknowledged rows`, () => acked.size >= target, timeoutMs, 50);
    },
    async stop() {
      running = false;
      await done;
    },
  };
}

/** Every version of the RSS written from now on, through a watch (a poll could miss a short-lived one). */
export async function watchCluster(t: TestContext, namespace: string, name: string) {
  const seen: ReplicatedStatefulSet[] = [];
  const request = await new Watch(cluster().kubeConfig).watch(`/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}`, {}, (_type, object: ReplicatedStatefulSet) => {
    if (object.metadata?.name === name) seen.push(object);
  }, () => undefined);
  const stop = () => request.abort();
  t.after(stop);
  return { seen, stop };
}

/**
 * `kubectl rss <args>` as a user runs it (the real kubectl finds bin/kubectl-rss on PATH), without blocking:
 * test/support/plugin.ts's kubectlRss is synchronous (and gives up after 60 s), which would stop a writer
 * running in this process for as long as a `backup --wait` takes.
 */
export function kubectlRssAsync(args: string[], timeoutMs = 600_000): Promise<PluginResult & { ms: number }> {
  const c = cluster();
  const env = { ...process.env, KUBECONFIG: c.kubeconfigPath, PATH: [join(repoRoot, 'bin'), dirname(process.execPath), process.env.PATH ?? ''].join(delimiter) };
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(join(c.bin, 'kubectl'), ['rss', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
    child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kubectl rss ${args.join(' ')} did not finish within ${timeoutMs / 1000} s; its output so far:\n${stdout}${stderr}`));
    }, timeoutMs);
    child.once('error', (error) => { clearTimeout(timer); reject(error); });
    child.once('close', (status) => { clearTimeout(timer); resolve({ status, stdout, stderr, ms: Date.now() - started }); });
  });
}

/** Whether the plugin lacks a command (it is being written alongside): its "unknown command" answer. */
export function unknownCommand(r: PluginResult): boolean {
  return r.status !== 0 && /unknown command/i.test(r.stderr);
}
