// Galera: the demo of examples/galera (MariaDB 10.11 + Galera 4, state transfers by rsync) under the operator,
// 3 members. On the local control plane every member pod is a real mariadbd on 127.0.0.1 with its data in
// the pod's folder; the benchmark talks to each one through its unix socket with the `mariadb` client, as
// test/e2e/galera.test.ts does. No targets: the figures are Galera's (initialization, SST, IST, eviction)
// far more than the operator's.
//
// bootstrap (N trials, each a new cluster `galera-b<i>` from examples/galera/cluster.yaml, so that every
// one starts from empty data directories):
//   t0          the benchmark creates the RSS
//   tPrimaries  the RSS status shows 3 primaries
//   tSynced     each member's mariadbd answers wsrep_local_state_comment = Synced, wsrep_cluster_status =
//               Primary, wsrep_cluster_size = 3 (polled from tPrimaries; total = tSynced - t0)
//   split, from the operator's exec trace: pods Ready, the `seed` exec (mariadb-install-db, the new
//   cluster), the `primary` execs of the two joiners (SST, one at a time)
//
// failover (N trials on the last bootstrap cluster, the member rotating): the member's mariadbd is SIGKILLed
// and its pod deleted (grace period 0), as the end-to-end test does:
//   t0          kill + delete
//   tDone       the RSS status shows the replacement (new pod UID) primary, 3 primaries, Available=True
//   tSynced     every member Synced in the primary component of size 3 again (total = tSynced - t0)
//   the replacement's state transfer (IST, SST, or none) and a survivor's membership log lines go to the
//   timeline file
import { execFile, execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { processesUnder, repoRoot } from '../../controlplane/localcluster.ts';
import type { ReplicatedStatefulSet } from '../../src/api/types.ts';
import type { BenchContext } from '../lib/context.ts';
import { formatTimeline } from '../lib/context.ts';
import { allPrimaries, conditionTrue, createNamespace, createRss, deleteNamespace, deleteRss, isPodReady, NamespaceWatch, type Cluster } from '../lib/kube.ts';
import { loadAverage, startOperator, type ExecRecord, type OperatorProcess } from '../lib/operator.ts';
import type { ScenarioResult, SummaryRow } from '../lib/report.ts';
import { max, min, ms, percentiles, spread } from '../lib/stats.ts';

const run = promisify(execFile);
const AGENT = join(repoRoot, 'examples', 'galera', 'bin', 'galera-agent');
const BOOT_TIMEOUT_MS = 240_000;
const MEMBERS = 3;

/** examples/galera/cluster.yaml under another name, the agent named by its path (as the end-to-end test does). */
function galeraCluster(name: string): ReplicatedStatefulSet {
  const rss = parse(readFileSync(join(repoRoot, 'examples', 'galera', 'cluster.yaml'), 'utf8')) as ReplicatedStatefulSet;
  rss.metadata = { name };
  for (const c of Object.values(rss.spec.pod.commands)) {
    if (c?.command[0] === 'galera-agent') c.command[0] = AGENT;
  }
  return rss;
}

const memberName = (rss: string, ordinal: number) => `rss-${rss}-${ordinal}`;
const membersOf = (rss: string) => Array.from({ length: MEMBERS }, (_, i) => memberName(rss, i));

async function sql(c: Cluster, ns: string, pod: string, query: string, timeoutMs = 10_000): Promise<string[][]> {
  const socket = join(c.podDir(ns, pod), 'run', 'mysqld.sock');
  const { stdout } = await run('mariadb', ['--no-defaults', '-uroot', `--socket=${socket}`, '--connect-timeout=5', '-N', '-B', '-e', query], { timeout: timeoutMs });
  return stdout.split('\n').filter(Boolean).map((line) => line.split('\t'));
}

async function wsrep(c: Cluster, ns: string, pod: string): Promise<Map<string, string>> {
  const rows = await sql(c, ns, pod, "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_local_state_comment', 'wsrep_cluster_size', 'wsrep_cluster_status')");
  return new Map(rows.map(([k, v]) => [k!, v!]));
}

/** Polls until every member is Synced in the primary component of `size`; the time it first held. */
async function allSynced(c: Cluster, ns: string, pods: string[], timeoutMs = 60_000): Promise<number> {
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

function killServer(c: Cluster, ns: string, pod: string): void {
  const file = join(c.podDir(ns, pod), 'run', 'mariadbd.pid');
  try {
    process.kill(Number(readFileSync(file, 'utf8')), 'SIGKILL');
  } catch {
    // no server running: the pod deletion alone
  }
}

/** The member's last start by the agent: whether it joined by IST or SST, and the server's lines that say so. */
function transfer(c: Cluster, ns: string, pod: string): { by: string; lines: string[] } {
  const file = join(c.podDir(ns, pod), 'mariadbd.log');
  if (!existsSync(file)) return { by: '?', lines: [] };
  const log = readFileSync(file, 'utf8');
  const last = log.slice(log.lastIndexOf('==== ')).split('\n');
  const lines = last.filter((l) => /IST|SST|State transfer|state transfer/.test(l)).slice(0, 12);
  const ist = last.some((l) => /Receiving IST|IST received|Prepared IST receiver/.test(l));
  const sst = last.some((l) => /Running: 'wsrep_sst_|SST received|Prepared SST request/.test(l));
  return { by: sst ? 'SST' : ist ? 'IST' : 'no transfer', lines };
}

/** A member's mariadbd log lines about the membership (views, suspected and evicted members) since `since`. */
function membershipLines(c: Cluster, ns: string, pod: string, since: number): string[] {
  const file = join(c.podDir(ns, pod), 'mariadbd.log');
  if (!existsSync(file)) return [];
  const from = Math.floor(since / 1000) * 1000;
  return readFileSync(file, 'utf8').split('\n').filter((l) => {
    const m = /^(\d{4}-\d{2}-\d{2})\s+(\d{1,2}):(\d{2}):(\d{2}) /.exec(l);
    if (!m || new Date(`${m[1]}T${m[2]!.padStart(2, '0')}:${m[3]}:${m[4]}`).getTime() < from) return false;
    return /view\(|forget|evict|suspect|declaring|inactive|New cluster view|Quorum results|left|joined|Synchronized|Member .* (synced|requested)/i.test(l);
  }).slice(0, 40);
}

/** The agent's verb of a traced exec (its argv is "<path>/galera-agent verb args…"). */
const verb = (e: ExecRecord) => e.cmd.split(' ')[1] ?? e.cmd;

/** Waits (bounded) until no process runs in the member folders, kills what is left, then removes the folders. */
async function removeMemberFolders(c: Cluster, ns: string, pods: string[]): Promise<void> {
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

export interface GaleraBootstrapTrial {
  name: string;
  totalMs: number;
  primariesMs: number;
  /** RSS created → the 3 pods Ready. */
  podsReadyMs: number;
  /** RSS created → the `seed` exec starts (pods running, sequences read). */
  toSeedMs: number;
  seedMs: number;
  /** Each joiner's `primary` exec (SST), in order. */
  joinsMs: number[];
  /** First join start → last join end. */
  joiningMs: number;
  seededBy: string;
}

export interface GaleraFailoverTrial {
  member: string;
  totalMs: number;
  /** t0 → the RSS status shows the replacement primary, 3 primaries, Available. */
  statusMs: number;
  /** t0 → the RSS status shows the member lost. */
  noticedMs: number;
  /** t0 → the replacement pod Ready. */
  podReadyMs: number;
  /** The replacement's `primary` exec. */
  joinMs: number;
  /** Replacement Ready → its `primary` exec starts. */
  readyToJoinMs: number;
  by: string;
}

async function bootstrapTrial(ctx: BenchContext, op: OperatorProcess, watch: NamespaceWatch, name: string): Promise<GaleraBootstrapTrial> {
  const { c } = ctx;
  const ns = watch.namespace;
  const pods = membersOf(name);
  const t0 = Date.now();
  const primaries = watch.until(`${name}: 3 primaries`, () => allPrimaries(watch.rss(name), MEMBERS), BOOT_TIMEOUT_MS);
  await createRss(c, ns, galeraCluster(name));
  const tPrimaries = await primaries;
  const tSynced = await allSynced(c, ns, pods);
  await sleep(700); // the exec trace is flushed every 500 ms
  const execs = op.execs().filter((e) => e.ns === ns && pods.includes(e.pod) && e.start >= t0 && e.start <= tPrimaries);
  const seed = execs.find((e) => verb(e) === 'seed');
  const joins = execs.filter((e) => verb(e) === 'primary').sort((a, b) => a.start - b.start);
  const timeline = [...watch.podTimeline.values()].filter((p) => pods.includes(p.name) && p.seenAt >= t0);
  const tReady = max(timeline.map((p) => p.readyAt ?? NaN));
  appendFileSync(join(ctx.dir, 'galera-timelines.txt'), formatTimeline(`bootstrap ${name}: created at +0, 3 primaries at +${tPrimaries - t0} ms, all Synced at +${tSynced - t0} ms`, t0, [
    { at: watch.statefulSetSeen.get(`rss-${name}`) ?? NaN, what: `StatefulSet rss-${name} seen` },
    ...timeline.flatMap((p) => [{ at: p.seenAt, what: `pod ${p.name} seen` }, { at: p.readyAt ?? NaN, what: `pod ${p.name} Ready` }]),
    ...execs.map((e) => ({ at: e.start, end: e.end, what: `exec ${verb(e)} in ${e.pod}` })),
    { at: tPrimaries, what: 'RSS status: 3 primaries (benchmark watch)' },
    { at: tSynced, what: 'every mariadbd Synced, Primary, size 3' },
  ]));
  return {
    name,
    totalMs: tSynced - t0,
    primariesMs: tPrimaries - t0,
    podsReadyMs: tReady - t0,
    toSeedMs: (seed?.start ?? NaN) - t0,
    seedMs: seed ? seed.end - seed.start : NaN,
    joinsMs: joins.map((e) => e.end - e.start),
    joiningMs: joins.length ? max(joins.map((e) => e.end)) - min(joins.map((e) => e.start)) : NaN,
    seededBy: seed?.pod ?? '?',
  };
}

async function failoverTrial(ctx: BenchContext, op: OperatorProcess, watch: NamespaceWatch, name: string, ordinal: number): Promise<GaleraFailoverTrial> {
  const { c } = ctx;
  const ns = watch.namespace;
  const pods = membersOf(name);
  const member = memberName(name, ordinal);
  const survivor = pods.find((p) => p !== member)!;
  const oldUid = watch.pod(member)?.metadata?.uid;
  if (!oldUid) throw new Error(`${member} has no pod`);
  const memberStatus = () => watch.rss(name)?.status?.memberStatus?.find((m) => m.name === member);
  const noticed = watch.until(`${member} seen lost`, () => {
    const m = memberStatus();
    return !m || m.podUID !== oldUid || m.role !== 'primary';
  }, BOOT_TIMEOUT_MS);
  const done = watch.until(`${member} replaced and primary`, () => {
    const rss = watch.rss(name);
    const m = memberStatus();
    return !!m?.podUID && m.podUID !== oldUid && m.role === 'primary' && allPrimaries(rss, MEMBERS) && conditionTrue(rss, 'Available');
  }, BOOT_TIMEOUT_MS);
  const t0 = Date.now();
  killServer(c, ns, member);
  await c.core.deleteNamespacedPod({ name: member, namespace: ns, gracePeriodSeconds: 0 });
  const [tNoticed, tDone] = await Promise.all([noticed, done]);
  const tSynced = await allSynced(c, ns, pods);
  const joined = transfer(c, ns, member);
  const view = membershipLines(c, ns, survivor, t0);
  const newUid = memberStatus()?.podUID;
  const replacement = watch.podTimeline.get(newUid ?? '');
  const tReady = replacement?.readyAt ?? NaN;
  await sleep(700); // the exec trace is flushed every 500 ms
  const execs = op.execs().filter((e) => e.ns === ns && pods.includes(e.pod) && e.start >= t0 && e.start <= tDone);
  const join1 = execs.filter((e) => e.pod === member && verb(e) === 'primary').at(-1);
  appendFileSync(join(ctx.dir, 'galera-timelines.txt'), formatTimeline(`failover ${member}: killed and deleted at +0, replaced and primary at +${tDone - t0} ms, all Synced at +${tSynced - t0} ms`, t0, [
    { at: tNoticed, what: 'RSS status: member not running' },
    ...[...watch.podTimeline.values()].filter((p) => p.name === member && p.seenAt >= t0).flatMap((p) => [{ at: p.seenAt, what: `new pod ${member} seen` }, { at: p.readyAt ?? NaN, what: `new pod ${member} Ready` }]),
    ...execs.map((e) => ({ at: e.start, end: e.end, what: `exec ${verb(e)} in ${e.pod}` })),
    { at: tDone, what: 'RSS status: replacement primary, Available (benchmark watch)' },
    { at: tSynced, what: 'every mariadbd Synced, Primary, size 3' },
  ]) + `  ${member}'s mariadbd on its state transfer (${joined.by}):\n${joined.lines.map((l) => `    ${l.slice(0, 200)}\n`).join('')}` +
    `  ${survivor}'s mariadbd on the membership (its log, second resolution):\n${view.map((l) => `    ${l.slice(0, 200)}\n`).join('')}\n`);
  return {
    member,
    totalMs: tSynced - t0,
    statusMs: tDone - t0,
    noticedMs: tNoticed - t0,
    podReadyMs: tReady - t0,
    joinMs: join1 ? join1.end - join1.start : NaN,
    readyToJoinMs: (join1?.start ?? NaN) - tReady,
    by: joined.by,
  };
}

function mariadbAvailable(): boolean {
  for (const bin of ['mariadbd', 'mariadb']) {
    try {
      execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
    } catch {
      return false;
    }
  }
  return true;
}

export async function galeraScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const { c, o } = ctx;
  const startedAt = new Date().toISOString();
  const loadStart = loadAverage();
  if (!mariadbAvailable()) {
    return {
      name: 'galera',
      startedAt,
      load: { start: loadStart, end: loadAverage() },
      summary: [{ scenario: 'galera', metric: 'skipped', value: 'mariadbd / mariadb not installed (scripts/debian-packages.txt)' }],
      details: [],
      notes: [],
      raw: {},
    };
  }
  const ns = await createNamespace(c, 'galera', ctx.runId);
  const watch = new NamespaceWatch(c, ns);
  let op: OperatorProcess | undefined;
  const boots: GaleraBootstrapTrial[] = [];
  const fails: GaleraFailoverTrial[] = [];
  const loads: string[] = [];
  try {
    await watch.start();
    op = await startOperator(c, { namespaces: [ns], label: 'galera', dir: ctx.dir, cpuProf: o.cpuProf, nodeOptions: o.nodeOptions });
    let last = '';
    for (let i = 1; i <= o.galeraTrials; i++) {
      const name = `galera-b${i}`;
      const t = await bootstrapTrial(ctx, op, watch, name);
      boots.push(t);
      loads.push(loadAverage());
      ctx.say(`galera bootstrap ${i}/${o.galeraTrials}: Synced in ${ms(t.totalMs)} (seed ${ms(t.seedMs)} from +${ms(t.toSeedMs)}, joins ${t.joinsMs.map(ms).join(' + ')}); load ${loadAverage()}`);
      if (last) {
        await deleteRss(c, ns, last);
        await watch.until(`${last}: pods gone`, () => watch.podsOf(last).length === 0, 120_000);
        await removeMemberFolders(c, ns, membersOf(last));
      }
      last = name;
    }
    // Failovers on the last cluster; the previous ones are gone.
    await sleep(2000);
    for (let i = 1; i <= o.galeraTrials; i++) {
      const t = await failoverTrial(ctx, op, watch, last, (i + 1) % MEMBERS);
      fails.push(t);
      loads.push(loadAverage());
      ctx.say(`galera failover ${i}/${o.galeraTrials} (${t.member}): Synced in ${ms(t.totalMs)} (status ${ms(t.statusMs)}, pod Ready +${ms(t.podReadyMs)}, join by ${t.by} ${ms(t.joinMs)}); load ${loadAverage()}`);
      await sleep(2000);
    }
    await deleteRss(c, ns, last);
    await watch.until(`${last}: pods gone`, () => watch.podsOf(last).length === 0, 120_000).catch(() => undefined);
    await removeMemberFolders(c, ns, membersOf(last));
  } finally {
    await op?.stop();
    await watch.stop();
    // The namespace's pods go with it; the exec agent stops their mariadbd, then the folders are removed.
    await deleteNamespace(c, ns);
  }

  const n = o.galeraTrials;
  const stat = (values: number[]) => (n >= 5 ? percentiles(values) : spread(values.filter(Number.isFinite)));
  const kind = n >= 5 ? 'p50 / p95 (min–max)' : 'median (min–max)';
  const summary: SummaryRow[] = [
    { scenario: `galera bootstrap, 3 members (${n} trial${n === 1 ? '' : 's'})`, metric: `RSS created → 3 primaries, every mariadbd Synced: ${kind}`, value: stat(boots.map((t) => t.totalMs)), target: 'info' },
    { scenario: 'galera bootstrap', metric: 'RSS created → seed starts (pods running, sequences read)', value: stat(boots.map((t) => t.toSeedMs)), target: 'info' },
    { scenario: 'galera bootstrap', metric: 'seed (mariadb-install-db, new cluster)', value: stat(boots.map((t) => t.seedMs)), target: 'info' },
    { scenario: 'galera bootstrap', metric: 'each join by SST (one at a time)', value: stat(boots.flatMap((t) => t.joinsMs)), target: 'info' },
    { scenario: `galera failover (${n} trial${n === 1 ? '' : 's'})`, metric: `mariadbd killed + pod deleted → replacement primary, Available, every mariadbd Synced: ${kind}`, value: stat(fails.map((t) => t.totalMs)), target: 'info' },
    { scenario: 'galera failover', metric: 'replacement pod Ready', value: stat(fails.map((t) => t.podReadyMs)), target: 'info' },
    { scenario: 'galera failover', metric: `the replacement's \`primary\` (join; state transfer: ${[...new Set(fails.map((t) => t.by))].join(', ')})`, value: stat(fails.map((t) => t.joinMs)), target: 'info' },
  ];
  return {
    name: 'galera',
    startedAt,
    load: { start: loadStart, end: loadAverage() },
    summary,
    details: [
      {
        title: 'Galera bootstrap trials (times from RSS creation)',
        header: ['cluster', 'Synced', '3 primaries (status)', 'pods Ready', 'seed starts', 'seed', 'joins (SST)', 'joining (first start → last end)', 'seeded by', 'load after'],
        rows: boots.map((t, i) => [t.name, ms(t.totalMs), ms(t.primariesMs), ms(t.podsReadyMs), ms(t.toSeedMs), ms(t.seedMs), t.joinsMs.map(ms).join(' + '), ms(t.joiningMs), t.seededBy, loads[i] ?? '']),
      },
      {
        title: 'Galera failover trials (times from the kill and pod deletion)',
        header: ['member', 'Synced', 'primary, Available (status)', 'loss in status', 'pod Ready', 'Ready → join starts', 'join', 'state transfer', 'load after'],
        rows: fails.map((t, i) => [t.member, ms(t.totalMs), ms(t.statusMs), ms(t.noticedMs), ms(t.podReadyMs), ms(t.readyToJoinMs), ms(t.joinMs), t.by, loads[boots.length + i] ?? '']),
      },
    ],
    notes: [`Every trial's timeline (pods, execs, Galera's view): ${join(ctx.dir, 'galera-timelines.txt')}`],
    raw: { bootstrap: boots, failover: fails },
  };
}
