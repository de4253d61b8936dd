// The demo's PostgreSQL part (examples/postgres): a single-primary cluster, rows written to the primary, the
// primary's postmaster killed and its pod deleted — a standby is promoted where it runs and the other is
// re-pointed, no standby restarted — then `kubectl rss switchover` hands the primary role to a named standby.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { repoRoot } from '../controlplane/localcluster.ts';

export interface DemoStatus {
  phase?: string;
  members?: { primary?: string[]; secondary?: string[] };
  lastBootstrap?: { pod: string };
}

export interface DemoTools {
  namespace: string;
  /** Runs kubectl with these arguments (and stdin), returns stdout. */
  k: (args: string[], input?: string) => string;
  /** Runs `kubectl rss` (the plugin in bin/) with these arguments, returns stdout. */
  rss: (args: string[]) => string;
  waitFor: (name: string, what: string, check: (s: DemoStatus) => boolean, timeoutMs?: number) => Promise<number>;
  status: (name: string) => DemoStatus;
  events: (name: string, since: number, reasons?: RegExp) => string;
  step: (title: string) => void;
  podDir: (pod: string) => string;
  secs: (ms: number) => string;
}

const PG_BIN = '/usr/lib/postgresql/15/bin';

/** Why the PostgreSQL part cannot run here, or undefined when it can. */
export function postgresMissing(): string | undefined {
  return existsSync(join(PG_BIN, 'postgres')) ? undefined : 'Not installed here: postgresql-15';
}

export async function postgresDemo(d: DemoTools): Promise<void> {
  const { k, namespace } = d;
  const agent = join(repoRoot, 'examples', 'postgres', 'bin', 'pg-agent');
  const settled = (s: DemoStatus) => s.phase === 'Running' && s.members?.primary?.length === 1 && s.members.secondary?.length === 2;
  const port = (pod: string) => /127\.0\.0\.1:(\d+)/.exec(execFileSync(agent, ['ports'], { env: { ...process.env, POD_NAME: pod, POD_NAMESPACE: namespace }, encoding: 'utf8' }))?.[1] ?? '';
  const psql = (pod: string, query: string) =>
    execFileSync(join(PG_BIN, 'psql'), ['-X', '-q', '-A', '-t', '-h', join(d.podDir(pod), 'run'), '-p', port(pod), '-U', 'postgres', '-d', 'postgres', '-c', query], { encoding: 'utf8', timeout: 30_000 }).trim();
  const primary = () => d.status('pg').members?.primary?.[0] ?? '';

  d.step('PostgreSQL: kubectl apply -f examples/postgres/cluster.yaml  (1 primary, 2 streaming standbys, each a postgres on 127.0.0.1)');
  const manifest = parse(readFileSync(join(repoRoot, 'examples', 'postgres', 'cluster.yaml'), 'utf8')) as { spec: { reconcileInterval?: string; pod: { commands: Record<string, { command: string[] }> } } };
  for (const c of Object.values(manifest.spec.pod.commands)) if (c.command[0] === 'pg-agent') c.command[0] = agent;
  manifest.spec.reconcileInterval = '5s';
  console.log(k(['-n', namespace, 'apply', '-f', '-'], stringify(manifest)).trimEnd());
  const booted = await d.waitFor('pg', '1 primary and 2 standbys', settled, 300_000);
  console.log(`Up in ${d.secs(booted)}: ${primary()} is the primary.`);

  d.step(`Rows written to the primary, ${primary()}; read back from a standby`);
  const first = primary();
  psql(first, "CREATE TABLE IF NOT EXISTS notes (id SERIAL PRIMARY KEY, note TEXT, at TIMESTAMPTZ DEFAULT now()); INSERT INTO notes (note) VALUES ('hello'), ('from'), ('the demo')");
  const standby = d.status('pg').members?.secondary?.[0] ?? '';
  console.log(`${standby}: ${psql(standby, 'SELECT count(*) FROM notes')} rows (a hot standby answers reads)`);

  d.step(`The primary lost: its postmaster killed (kill -9) and kubectl delete pod ${first}`);
  const since = Date.now();
  const pidFile = join(d.podDir(first), 'pgdata', 'postmaster.pid');
  if (existsSync(pidFile)) process.kill(Number(readFileSync(pidFile, 'utf8').split('\n')[0]), 'SIGKILL');
  console.log(k(['-n', namespace, 'delete', 'pod', first, '--now']).trimEnd());
  const failed = await d.waitFor('pg', 'a new primary', (s) => settled(s) && s.members?.primary?.[0] !== first, 300_000);
  const second = primary();
  console.log(`${second} is the primary ${d.secs(failed)} later, promoted where it ran; the other standby was re-pointed, not restarted, and ${first} follows it:`);
  console.log(d.events('pg', since, /Seeded|MemberRepointed|MemberJoined|MemberStopped/));
  console.log(`${second}: ${psql(second, 'SELECT count(*) FROM notes')} rows`);

  d.step(`kubectl rss switchover pg ${first}  (the primary role back, planned: stop the primary cleanly, promote the target once it has caught up)`);
  const asked = Date.now();
  console.log(d.rss(['switchover', 'pg', first, '-n', namespace]).trimEnd());
  const switched = await d.waitFor('pg', `${first} primary`, (s) => settled(s) && s.members?.primary?.[0] === first, 120_000);
  console.log(`${first} is the primary again, ${d.secs(switched)} after the request:`);
  console.log(d.events('pg', asked, /SwitchedOver|SwitchoverAbandoned|MemberRepointed|MemberJoined|MemberStopped/));
  console.log(d.rss(['status', 'pg', '-n', namespace]).trimEnd());
}
