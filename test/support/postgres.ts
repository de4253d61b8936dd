// PostgreSQL streaming replication (examples/postgres) in the end-to-end tests, for clusters of any name: the
// manifest with the agent named by its path, SQL through a member's socket, which member is the primary (asked
// of each), and a member's postmaster (its pid, killed outright). The member folders, namespaces and
// writers are galera.ts's (podFile, podOf…): they do not depend on the application.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { processesUnder, repoRoot } from '../../controlplane/localcluster.ts';
import type { ReplicatedStatefulSet } from '../../src/api/types.ts';
import { podFile, podOf } from './galera.ts';
import { loadManifest } from './operator.ts';

export { membersOf, podFile, podOf } from './galera.ts';

const run = promisify(execFile);

/** The agent by its path: a control plane started before examples/postgres/bin existed has no pg-agent on PATH. */
export const PG_AGENT = join(repoRoot, 'examples', 'postgres', 'bin', 'pg-agent');
export const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** examples/postgres/cluster.yaml, named `name`, the agent by its path, `spec` merged in. */
export function postgresManifest(name: string, spec: Partial<ReplicatedStatefulSet['spec']> = {}): ReplicatedStatefulSet {
  const m = loadManifest('examples/postgres/cluster.yaml');
  m.metadata.name = name;
  for (const c of Object.values(m.spec.pod.commands)) {
    if (c?.command[0] === 'pg-agent') c.command[0] = PG_AGENT;
  }
  Object.assign(m.spec, spec);
  return m;
}

const ports = new Map<string, number>();
/** A member's loopback port, as the agent derives it (`pg-agent ports`, run with the pod's names). */
export function pgPort(namespace: string, pod: string): number {
  const key = `${namespace}/${pod}`;
  let port = ports.get(key);
  if (port === undefined) {
    const out = execFileSync(PG_AGENT, ['ports'], { env: { ...process.env, POD_NAME: pod, POD_NAMESPACE: namespace }, encoding: 'utf8' });
    const m = /127\.0\.0\.1:(\d+)/.exec(out);
    if (!m) throw new Error(`pg-agent ports said '${out.trim()}'`);
    port = Number(m[1]);
    ports.set(key, port);
  }
  return port;
}

/** Runs SQL on one member through its socket (run/, the member's port), as postgres; rows of |-separated columns. */
export async function sql(namespace: string, pod: string, query: string, timeoutMs = 20_000): Promise<string[][]> {
  const { stdout } = await run(join(PG_BIN, 'psql'), ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', podFile(namespace, pod, 'run'), '-p', String(pgPort(namespace, pod)), '-U', 'postgres', '-d', 'postgres', '-c', query], {
    timeout: timeoutMs,
    env: { ...process.env, PGCONNECT_TIMEOUT: '5' },
  });
  return stdout.split('\n').filter(Boolean).map((line) => line.split('|'));
}

/** Whether a member answers as a primary (true), a standby (false), or not at all (undefined). */
export async function isPrimary(namespace: string, pod: string): Promise<boolean | undefined> {
  try {
    const rows = await sql(namespace, pod, 'SELECT pg_is_in_recovery()', 10_000);
    return rows[0]?.[0] === 'f';
  } catch {
    return undefined;
  }
}

/** The members that answer as primaries, asked of each of rss-<name>-0…n-1 (one, unless something is wrong). */
export async function primariesOf(namespace: string, name: string, n = 3): Promise<string[]> {
  const pods = Array.from({ length: n }, (_, i) => podOf(name, i));
  const answers = await Promise.all(pods.map((pod) => isPrimary(namespace, pod)));
  return pods.filter((_, i) => answers[i] === true);
}

/** The one member that answers as the primary, or undefined (none, or more than one). */
export async function primaryOf(namespace: string, name: string, n = 3): Promise<string | undefined> {
  const found = await primariesOf(namespace, name, n);
  return found.length === 1 ? found[0] : undefined;
}

/** The pid of a member's running postmaster (pgdata/postmaster.pid, checked in /proc), or undefined. */
export function postmasterPid(namespace: string, pod: string): number | undefined {
  const file = podFile(namespace, pod, 'pgdata', 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return undefined;
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres' ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** kill -9 of a member's postmaster (its backends notice and exit); returns the pid killed. */
export function killPostmaster(namespace: string, pod: string): number {
  const pid = postmasterPid(namespace, pod);
  if (pid === undefined) throw new Error(`${pod} has no running postmaster`);
  process.kill(pid, 'SIGKILL');
  return pid;
}

/** Pids of the postgres processes started in a directory (a pod's, or a namespace's). */
export function postgresUnder(dir: string): number[] {
  return processesUnder(dir).filter((pid) => {
    try { return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres'; } catch { return false; }
  });
}

/** Runs pg-agent directly in a member's folder (not through the pod exec API), with the pod's names. */
export async function pgAgent(namespace: string, pod: string, ...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(PG_AGENT, args, { cwd: podFile(namespace, pod), env: { ...process.env, POD_NAME: pod, POD_NAMESPACE: namespace }, timeout: 300_000 });
    return { status: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { status: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
