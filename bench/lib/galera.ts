// The Galera demo (examples/galera) for the scenarios that need it besides bench/scenarios/galera.ts (which
// keeps its own copies): the manifest with the agent named by its path, SQL through a member's socket,
// "every member Synced", the agent's own log, and removing the folders of a deleted cluster's members.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { processesUnder, repoRoot } from '../../controlplane/localcluster.ts';
import type { ReplicatedStatefulSet } from '../../src/api/types.ts';
import type { Cluster } from './kube.ts';

const run = promisify(execFile);

export const AGENT = join(repoRoot, 'examples', 'galera', 'bin', 'galera-agent');

/** examples/galera/cluster.yaml under another name, the agent named by its path, `spec` merged in. */
export function galeraCluster(name: string, spec: Partial<ReplicatedStatefulSet['spec']> = {}): ReplicatedStatefulSet {
  const rss = parse(readFileSync(join(repoRoot, 'examples', 'galera', 'cluster.yaml'), 'utf8')) as ReplicatedStatefulSet;
  rss.metadata = { name };
  for (const c of Object.values(rss.spec.pod.commands)) {
    if (c?.command[0] === 'galera-agent') c.command[0] = AGENT;
  }
  Object.assign(rss.spec, spec);
  return rss;
}

export const memberName = (rss: string, ordinal: number) => `rss-${rss}-${ordinal}`;
export const membersOf = (rss: string, n = 3) => Array.from({ length: n }, (_, i) => memberName(rss, i));

/** The programs that are not on the PATH, of those given. */
export function missingPrograms(programs: string[]): string[] {
  return programs.filter((bin) => {
    try {
      execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
}

export function socketOf(c: Cluster, ns: string, pod: string): string {
  return join(c.podDir(ns, pod), 'run', 'mysqld.sock');
}

export async function sql(c: Cluster, ns: string, pod: string, query: string, timeoutMs = 10_000): Promise<string[][]> {
  const { stdout } = await run('mariadb', ['--no-defaults', '-uroot', `--socket=${socketOf(c, ns, pod)}`, '--connect-timeout=5', '-N', '-B', '-e', query], { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
  return stdout.split('\n').filter(Boolean).map((line) => line.split('\t'));
}

async function wsrep(c: Cluster, ns: string, pod: string): Promise<Map<string, string>> {
  const rows = await sql(c, ns, pod, "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_local_state_comment', 'wsrep_cluster_size', 'wsrep_cluster_status')");
  return new Map(rows.map(([k, v]) => [k!, v!]));
}

/** Polls until every member is Synced in the primary component of their number; the time it first held. */
export async function allSynced(c: Cluster, ns: string, pods: string[], timeoutMs = 60_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const states = await Promise.all(pods.map(async (pod) => {
      try {
        const s = await wsrep(c, ns, pod);
        return `${s.get('wsrep_local_state_comment')}/${s.get('wsrep_cluster_status')}/${s.get('wsrep_cluster_size')}`;
      } catch {
        return 'no answer';
      }
    }));
    if (states.every((s) => s === `Synced/Primary/${pods.length}`)) return Date.now();
    last = pods.map((p, i) => `${p}: ${states[i]}`).join(', ');
    await sleep(200);
  }
  throw new Error(`members not Synced in the primary component within ${timeoutMs / 1000} s (${last})`);
}

/** What galera-agent did in a folder (its agent.log): [{time, verb, text}], oldest first. */
export function agentLog(dir: string): { time: number; verb: string; text: string }[] {
  const file = join(dir, 'agent.log');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').flatMap((line) => {
    const m = /^(\S+) \[(\w+)\] (.*)$/.exec(line);
    return m ? [{ time: Date.parse(m[1]!), verb: m[2]!, text: m[3]! }] : [];
  });
}

/** The server's pid of a member, from its pid file. */
export function serverPid(c: Cluster, ns: string, pod: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(c.podDir(ns, pod), 'run', 'mariadbd.pid'), 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Waits (bounded) until no process runs in the member folders, kills what is left, then removes the folders. */
export async function removeMemberFolders(c: Cluster, ns: string, pods: string[]): Promise<void> {
  const dirs = pods.map((p) => c.podDir(ns, p));
  const left = () => dirs.flatMap((d) => processesUnder(d));
  const deadline = Date.now() + 60_000;
  while (left().length > 0 && Date.now() < deadline) await sleep(250);
  for (const pid of left()) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
  await sleep(200);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
