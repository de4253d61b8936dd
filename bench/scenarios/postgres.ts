// PostgreSQL: the single-primary example (examples/postgres: PostgreSQL 15, one primary and two synchronous
// standbys) under the operator, 3 members, each a postgres on 127.0.0.1 with its data in the pod's folder.
//
// failover (N trials, default 10, on one cluster): the primary's postmaster is SIGKILLed and its pod deleted
// (grace period 0), with the standbys caught up, so that a standby is promoted in place:
//   t0          kill + delete
//   tWritable   a member accepts an INSERT as the primary (polled every 50 ms on every member; with
//               synchronous standbys, once one standby streams from it)
//   tStreaming  the new primary's pg_stat_replication shows both other members streaming
//   the app's own floor, from the operator's exec trace of the same trial: the `seed` exec (pg_ctl promote)
//   plus the surviving standby's `secondary` exec (re-pointed at the new primary). Target: tWritable ≤ 2 ×
//   that floor. tStreaming also waits for the old primary's pod to come back and be rewound: shown beside
//   promote + the longest `secondary`.
//
// switchover (M trials, default 5): a writer inserts rows one at a time into the primary; `kubectl rss
// switchover` names the next standby; the longest gap between two acknowledged rows around it is the time
// writes were unavailable. Target: ≤ 2 s.
import { execFile, execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { repoRoot } from '../../controlplane/localcluster.ts';
import type { ReplicatedStatefulSet } from '../../src/api/types.ts';
import type { BenchContext } from '../lib/context.ts';
import { formatTimeline } from '../lib/context.ts';
import { createNamespace, createRss, deleteNamespace, NamespaceWatch, type Cluster } from '../lib/kube.ts';
import { loadAverage, startOperator, type ExecRecord, type OperatorProcess } from '../lib/operator.ts';
import type { ScenarioResult, SummaryRow } from '../lib/report.ts';
import { max, median, ms, num, percentiles } from '../lib/stats.ts';

const run = promisify(execFile);
const AGENT = join(repoRoot, 'examples', 'postgres', 'bin', 'pg-agent');
const PSQL = '/usr/lib/postgresql/15/bin/psql';
const NAME = 'pg';
const MEMBERS = ['rss-pg-0', 'rss-pg-1', 'rss-pg-2'];

function postgresCluster(): ReplicatedStatefulSet {
  const rss = parse(readFileSync(join(repoRoot, 'examples', 'postgres', 'cluster.yaml'), 'utf8')) as ReplicatedStatefulSet;
  rss.metadata = { name: NAME };
  rss.spec.reconcileInterval = '5s';
  for (const c of Object.values(rss.spec.pod.commands)) if (c?.command[0] === 'pg-agent') c.command[0] = AGENT;
  return rss;
}

const ports = new Map<string, number>();
function port(ns: string, pod: string): number {
  let p = ports.get(`${ns}/${pod}`);
  if (p === undefined) {
    const out = execFileSync(AGENT, ['ports'], { env: { ...process.env, POD_NAME: pod, POD_NAMESPACE: ns }, encoding: 'utf8' });
    p = Number(/127\.0\.0\.1:(\d+)/.exec(out)?.[1]);
    ports.set(`${ns}/${pod}`, p);
  }
  return p;
}

async function sql(c: Cluster, ns: string, pod: string, query: string, timeoutMs = 5_000): Promise<string[][]> {
  const { stdout } = await run(PSQL, ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', join(c.podDir(ns, pod), 'run'), '-p', String(port(ns, pod)), '-U', 'postgres', '-d', 'postgres', '-c', query], {
    timeout: timeoutMs,
    env: { ...process.env, PGCONNECT_TIMEOUT: '3' },
  });
  return stdout.split('\n').filter(Boolean).map((l) => l.split('|'));
}

async function primaryOf(c: Cluster, ns: string): Promise<string | undefined> {
  const answers = await Promise.all(MEMBERS.map((m) => sql(c, ns, m, 'SELECT pg_is_in_recovery()', 3_000).then((r) => r[0]?.[0] === 'f', () => false)));
  const found = MEMBERS.filter((_, i) => answers[i]);
  return found.length === 1 ? found[0] : undefined;
}

function killPostmaster(c: Cluster, ns: string, pod: string): void {
  const file = join(c.podDir(ns, pod), 'pgdata', 'postmaster.pid');
  if (!existsSync(file)) return;
  try { process.kill(Number(readFileSync(file, 'utf8').split('\n')[0]), 'SIGKILL'); } catch { /* not running */ }
}

/** Polls `probe` every 50 ms until it holds; the time it first did. */
async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 180_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return Date.now();
    await sleep(50);
  }
  throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
}

const verb = (e: ExecRecord) => e.cmd.split(' ')[1] ?? e.cmd;

interface FailoverTrial {
  lost: string;
  promoted: string;
  writableMs: number;
  streamingMs: number;
  promoteMs: number;
  /** The surviving standby's re-point. */
  followMs: number;
  /** The longest `secondary` (the old primary's rewind and start, usually). */
  longestFollowMs: number;
  load: string;
}

async function failoverTrial(ctx: BenchContext, op: OperatorProcess, ns: string, counter: { id: number }): Promise<FailoverTrial> {
  const { c } = ctx;
  const lost = await primaryOf(c, ns);
  if (!lost) throw new Error('no single primary before the trial');
  // The standbys hold everything: the trial times a promotion in place.
  const [[lsn]] = (await sql(c, ns, lost, 'SELECT pg_current_wal_lsn()')) as [[string]];
  for (const m of MEMBERS.filter((x) => x !== lost)) await until(`${m} caught up`, async () => (await sql(c, ns, m, `SELECT pg_last_wal_replay_lsn() >= '${lsn}'::pg_lsn`))[0]?.[0] === 't', 30_000);
  const t0 = Date.now();
  killPostmaster(c, ns, lost);
  await c.core.deleteNamespacedPod({ namespace: ns, name: lost, gracePeriodSeconds: 0 });
  let promoted = '';
  const tWritable = await until('a primary accepts writes', async () => {
    for (const m of MEMBERS.filter((x) => x !== lost)) {
      try {
        await sql(c, ns, m, `INSERT INTO bench (id) VALUES (${++counter.id})`, 2_000);
        promoted = m;
        return true;
      } catch { /* not (yet) a primary that commits */ }
    }
    return false;
  });
  const tStreaming = await until('both others stream from the new primary', async () => Number((await sql(c, ns, promoted, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"))[0]?.[0]) === 2);
  await sleep(700); // the exec trace is flushed every 500 ms
  const execs = op.execs().filter((e) => e.ns === ns && e.start >= t0 && e.start <= tStreaming);
  const seed = execs.find((e) => verb(e) === 'seed' && e.pod === promoted);
  const follows = execs.filter((e) => verb(e) === 'secondary');
  const survivor = follows.find((e) => e.pod !== lost && e.pod !== promoted);
  appendFileSync(join(ctx.dir, 'postgres-timelines.txt'), formatTimeline(`failover: ${lost} killed and deleted at +0; ${promoted} takes writes at +${tWritable - t0} ms; both stream at +${tStreaming - t0} ms`, t0, [
    ...execs.map((e) => ({ at: e.start, end: e.end, what: `exec ${verb(e)} in ${e.pod}` })),
    { at: tWritable, what: `${promoted} accepts an INSERT` },
    { at: tStreaming, what: 'both other members stream from it' },
  ]));
  return {
    lost,
    promoted,
    writableMs: tWritable - t0,
    streamingMs: tStreaming - t0,
    promoteMs: seed ? seed.end - seed.start : NaN,
    followMs: survivor ? survivor.end - survivor.start : NaN,
    longestFollowMs: max(follows.map((e) => e.end - e.start)),
    load: loadAverage(),
  };
}

interface SwitchoverTrial {
  from: string;
  to: string;
  /** The longest gap between two acknowledged rows while the switchover ran. */
  unavailableMs: number;
  /** kubectl rss switchover → the target accepts writes. */
  totalMs: number;
  load: string;
}

async function switchoverTrial(ctx: BenchContext, ns: string, counter: { id: number }): Promise<SwitchoverTrial> {
  const { c } = ctx;
  const from = await primaryOf(c, ns);
  if (!from) throw new Error('no single primary before the switchover');
  const to = MEMBERS[(MEMBERS.indexOf(from) + 1) % MEMBERS.length]!;
  const acks: number[] = [];
  let writing = true;
  let target: string | undefined = from;
  const writer = (async () => {
    while (writing) {
      target ??= await primaryOf(c, ns);
      if (!target) { await sleep(20); continue; }
      try {
        await sql(c, ns, target, `INSERT INTO bench (id) VALUES (${++counter.id})`, 5_000);
        acks.push(Date.now());
      } catch {
        target = undefined;
        await sleep(20);
      }
    }
  })();
  await sleep(1000);
  const t0 = Date.now();
  const env = { ...process.env, KUBECONFIG: c.kubeconfigPath, PATH: [join(repoRoot, 'bin'), dirname(process.execPath), process.env.PATH ?? ''].join(delimiter) };
  await run(join(c.bin, 'kubectl'), ['rss', 'switchover', NAME, to, '-n', ns], { env });
  const tDone = await until(`${to} takes writes`, async () => target === to && acks.length > 0 && acks.at(-1)! > t0 && (await primaryOf(c, ns)) === to);
  await sleep(1000);
  writing = false;
  await writer;
  let gap = 0;
  for (let i = 1; i < acks.length; i++) if (acks[i]! >= t0) gap = Math.max(gap, acks[i]! - acks[i - 1]!);
  return { from, to, unavailableMs: gap, totalMs: tDone - t0, load: loadAverage() };
}

function postgresAvailable(): boolean {
  return existsSync('/usr/lib/postgresql/15/bin/postgres') && existsSync(PSQL);
}

export async function postgresScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const { c, o } = ctx;
  const startedAt = new Date().toISOString();
  const loadStart = loadAverage();
  if (!postgresAvailable()) {
    return { name: 'postgres', startedAt, load: { start: loadStart, end: loadAverage() }, summary: [{ scenario: 'postgres', metric: 'skipped', value: 'postgresql-15 not installed (scripts/debian-packages.txt)' }], details: [], notes: [], raw: {} };
  }
  const ns = await createNamespace(c, 'postgres', ctx.runId);
  const watch = new NamespaceWatch(c, ns);
  let op: OperatorProcess | undefined;
  const fails: FailoverTrial[] = [];
  const switches: SwitchoverTrial[] = [];
  const counter = { id: 0 };
  try {
    await watch.start();
    op = await startOperator(c, { namespaces: [ns], label: 'postgres', dir: ctx.dir, cpuProf: o.cpuProf, nodeOptions: o.nodeOptions });
    await createRss(c, ns, postgresCluster());
    await until('1 primary, 2 standbys', async () => {
      const s = watch.rss(NAME)?.status;
      return s?.phase === 'Running' && s.members?.primary?.length === 1 && s.members.secondary?.length === 2;
    }, 300_000);
    await sql(c, ns, (await primaryOf(c, ns))!, 'CREATE TABLE bench (id BIGINT PRIMARY KEY)');
    const settled = () => until('settled', async () => {
      const s = watch.rss(NAME)?.status;
      return s?.phase === 'Running' && s.members?.primary?.length === 1 && s.members.secondary?.length === 2;
    }, 300_000);
    for (let i = 1; i <= o.postgresTrials; i++) {
      const t = await failoverTrial(ctx, op, ns, counter);
      fails.push(t);
      ctx.say(`postgres failover ${i}/${o.postgresTrials}: ${t.lost} lost, ${t.promoted} takes writes in ${ms(t.writableMs)} (promote ${ms(t.promoteMs)} + follow ${ms(t.followMs)}), both stream in ${ms(t.streamingMs)}; load ${t.load}`);
      await settled();
      await sleep(1000);
    }
    for (let i = 1; i <= o.switchoverTrials; i++) {
      const t = await switchoverTrial(ctx, ns, counter);
      switches.push(t);
      ctx.say(`postgres switchover ${i}/${o.switchoverTrials}: ${t.from} → ${t.to}, writes unavailable ${ms(t.unavailableMs)}; load ${t.load}`);
      await settled();
      await sleep(1000);
    }
  } finally {
    await op?.stop();
    await watch.stop();
    await deleteNamespace(c, ns);
  }

  const stat = percentiles;
  const writableRatio = fails.map((t) => t.writableMs / (t.promoteMs + t.followMs)).filter(Number.isFinite);
  const streamingRatio = fails.map((t) => t.streamingMs / (t.promoteMs + t.longestFollowMs)).filter(Number.isFinite);
  const gaps = switches.map((t) => t.unavailableMs);
  const summary: SummaryRow[] = [
    { scenario: `postgres failover (${fails.length} trials)`, metric: 'postmaster killed + pod deleted → a primary accepts writes', value: stat(fails.map((t) => t.writableMs)), target: 'info' },
    { scenario: 'postgres failover', metric: "the app's own floor: promote (seed) + the surviving standby's re-point (secondary)", value: stat(fails.map((t) => t.promoteMs + t.followMs)), target: 'info' },
    { scenario: 'postgres failover', metric: 'writes again ÷ floor, per trial: median (max)', value: `${num(median(writableRatio), 2)} (${num(max(writableRatio), 2)})`, target: '≤ 2', met: median(writableRatio) <= 2 },
    { scenario: 'postgres failover', metric: '→ both other members stream from the new primary', value: stat(fails.map((t) => t.streamingMs)), target: 'info' },
    { scenario: 'postgres failover', metric: 'both stream ÷ (promote + the longest secondary: the old primary rewound), median (max)', value: `${num(median(streamingRatio), 2)} (${num(max(streamingRatio), 2)})`, target: 'info' },
    { scenario: `postgres switchover (${switches.length} trials)`, metric: 'writes unavailable (longest gap between acknowledged rows)', value: stat(gaps), target: '≤ 2 s', met: gaps.length > 0 && max(gaps) <= 2000 },
  ];
  return {
    name: 'postgres',
    startedAt,
    load: { start: loadStart, end: loadAverage() },
    summary,
    details: [
      {
        title: 'PostgreSQL failover trials (times from the kill and pod deletion)',
        header: ['lost', 'promoted', 'writes again', 'promote', 'follow (survivor)', 'ratio', 'both stream', 'longest secondary', 'load after'],
        rows: fails.map((t) => [t.lost, t.promoted, ms(t.writableMs), ms(t.promoteMs), ms(t.followMs), num(t.writableMs / (t.promoteMs + t.followMs), 2), ms(t.streamingMs), ms(t.longestFollowMs), t.load]),
      },
      {
        title: 'PostgreSQL switchover trials',
        header: ['from', 'to', 'writes unavailable', 'request → target takes writes', 'load after'],
        rows: switches.map((t) => [t.from, t.to, ms(t.unavailableMs), ms(t.totalMs), t.load]),
      },
    ],
    notes: [`Every failover's timeline (execs, writes): ${join(ctx.dir, 'postgres-timelines.txt')}`],
    raw: { failover: fails, switchover: switches },
  };
}
