// Scale: N clusters × 3 dummy members under ONE operator at reconcileInterval 30s (each member's status runs
// every 30 s: 3N/30 execs per second). For each N (200, then 500 if the machine coped):
//   1. create the N clusters (8 at a time) and wait until every member runs as primary;
//   2. let it settle (35 s: bootstrap bursts and label patches are over, the probes have spread out);
//   3. steady-state window: operator CPU (utime+stime from /proc/<pid>/stat) as % of one core, resident
//      memory (VmRSS), its API requests per second (counted in the process by the trace, and the API
//      server's apiserver_request_total delta against a window without the operator), execs per second
//      (rss_command_duration_seconds_count delta), reconciles and their mean duration;
//   4. pod deletions spread over the clusters while all others are busy: deleted → noticed (the first
//      sign that the operator acted: the RSS status shows the member not running, or its first command
//      in the replacement, whichever comes first), → primary again;
//   5. status sweep: the operator is restarted, and the new process probes every member at once (it has
//      no record of when each was last probed): time from it starting to reconcile until the 3N-th status
//      command ended, and the CPU it spent per command;
//   6. baseline: the same API server counters without any operator, for the API requests estimate;
//   7. everything is deleted.
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchContext } from '../lib/context.ts';
import { allPrimaries, apiserverRequests, createNamespace, createRss, deleteNamespace, dummyCluster, NamespaceWatch, requestRate, type ApiserverCounts } from '../lib/kube.ts';
import { loadAverage, machineCpu, metricSum, startOperator, type MetricSamples, type OperatorProcess, type ProcSample } from '../lib/operator.ts';
import { formatProfile, summariseProfile } from '../lib/profile.ts';
import { memAvailableBytes, type ScenarioResult, type SummaryRow } from '../lib/report.ts';
import { max, median, mib, ms, num, pct } from '../lib/stats.ts';

const INTERVAL = '30s';
const MEMBERS = 3;

interface DeletionTrial {
  cluster: string;
  member: string;
  /** Deleted → the RSS status shows the member not running. */
  statusMs: number;
  /** Deleted → the first sign that the operator acted: the status above, or its first command in the replacement. */
  noticedMs: number;
  podsCreated: number;
  /** Commands of other clusters running at the moment of the deletion, and started within ±1 s of it. */
  inFlight: number;
  nearby: number;
  firstCommandMs: number;
  readyMs: number;
  recoveredMs: number;
}

export interface ScaleRun {
  clusters: number;
  namespaces: string[];
  /** Creating every cluster → every member primary. */
  bootstrapAllMs: number;
  idleRssBytes: number;
  steady: {
    windowMs: number;
    load: string;
    cpuPercent: number;
    machineBusyPercent: number;
    rssBytes: number;
    rssMaxBytes: number;
    hwmBytes: number;
    /** V8 heap in use / reserved and memory outside the heap, from the operator's own metrics at the end. */
    heapUsedBytes: number;
    heapTotalBytes: number;
    externalBytes: number;
    execsPerSecond: number;
    statusMeanMs: number;
    reconcilesPerSecond: number;
    reconcileMeanMs: number;
    operatorRequestsPerSecond: number;
    operatorRequestsTop: [string, number][];
    apiserverPerSecond: number;
    apiserverTop: [string, number][];
    clustersNotRunning: number;
  };
  deletions: DeletionTrial[];
  sweep: { startupMs: number; sweepMs: number; statusCommands: number; cpuMsPerCommand: number; rssAfterBytes: number; stopMs: number };
  baseline: { apiserverPerSecond: number; windowMs: number; top: [string, number][] };
  /** apiserver rate with the operator minus without. */
  apiserverOperatorEstimate: number;
  coped: boolean;
  problems: string[];
  /** Whole-process profiles (node --cpu-prof). */
  profiles: string[];
  /** Profiles of the steady-state window and of the sweep. */
  windowProfiles: string[];
}

function pad(i: number, n: number): string {
  return String(i).padStart(String(n - 1).length, '0');
}

async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

async function run(ctx: BenchContext, n: number): Promise<ScaleRun> {
  const { c, o } = ctx;
  const problems: string[] = [];
  const namespaces: string[] = [];
  const watches: NamespaceWatch[] = [];
  const operators: OperatorProcess[] = [];
  const profiles: string[] = [];
  const windowProfiles: string[] = [];
  const say = (m: string) => ctx.say(`scale ${n}: ${m}; load ${loadAverage()}`);
  try {
    for (let i = 0; i < o.scaleNamespaces; i++) namespaces.push(await createNamespace(c, `scale${n}`, ctx.runId));
    for (const ns of namespaces) {
      const w = new NamespaceWatch(c, ns);
      watches.push(w);
      await w.start();
    }
    const names = Array.from({ length: n }, (_, i) => ({ ns: i % namespaces.length, name: `s-${pad(i, n)}` }));
    const running = () => names.filter((x) => allPrimaries(watches[x.ns]!.rss(x.name), MEMBERS)).length;

    let op = await startOperator(c, { namespaces, label: `scale-${n}`, dir: ctx.dir, cpuProf: o.cpuProf, nodeOptions: o.nodeOptions });
    operators.push(op);
    await sleep(2000);
    const idle = op.proc();

    // 1. Create and bootstrap every cluster.
    const t0 = Date.now();
    await pool(names, 8, async (x) => createRss(c, namespaces[x.ns]!, dummyCluster(x.name, MEMBERS, INTERVAL)));
    say(`created ${n} clusters in ${ms(Date.now() - t0)}`);
    // Bounded: at most 2 s per cluster (5 min at least), and at most 60 s without any cluster coming up.
    const bootstrapBound = Math.max(300_000, n * 2000);
    let lastReport = 0;
    let up = 0;
    let lastUp = 0;
    let lastProgress = Date.now();
    while ((up = running()) < n && Date.now() - t0 < bootstrapBound && Date.now() - lastProgress < 60_000) {
      if (up > lastUp) {
        lastUp = up;
        lastProgress = Date.now();
      }
      if (Date.now() - lastReport > 15_000) {
        say(`${up}/${n} clusters running`);
        lastReport = Date.now();
      }
      await sleep(500);
    }
    const bootstrapAllMs = Date.now() - t0;
    if (up < n) {
      const stuck = names.filter((x) => !allPrimaries(watches[x.ns]!.rss(x.name), MEMBERS)).map((x) => x.name);
      const problem = `${n - up} of ${n} clusters never had every member primary (${stuck.slice(0, 5).join(', ')}${stuck.length > 5 ? ', …' : ''}; see the operator log ${op.logFile})`;
      problems.push(problem);
      // A few clusters stuck on the local control plane (e.g. kwok not finding a pod's exec) do not make
      // the others' figures meaningless; more than 1 % does.
      if (up < 0.99 * n) throw new Error(problem);
      say(`${problem}; measuring the others`);
    } else {
      say(`all ${n} clusters running after ${ms(bootstrapAllMs)}; settling 35 s`);
    }

    // 2–3. Settle, then the steady-state window.
    await sleep(35_000);
    // Each member is probed once per 30 s interval: a window of whole intervals counts every probe once,
    // whatever the phase of the (possibly bursty) probes.
    const windowMs = Math.ceil(o.windowSeconds / 30) * 30_000;
    await op.startProfile();
    const m0 = await op.metrics();
    const r0 = op.requests();
    const a0 = apiserverRequests(c);
    const p0 = op.proc();
    const cpu0 = machineCpu();
    const samples: ProcSample[] = [p0];
    const windowEnd = Date.now() + windowMs;
    while (Date.now() < windowEnd) {
      await sleep(Math.min(5000, Math.max(0, windowEnd - Date.now())));
      samples.push(op.proc());
    }
    const p1 = op.proc();
    const cpu1 = machineCpu();
    const a1 = apiserverRequests(c);
    const m1 = await op.metrics();
    const steadyProfile = await op.stopProfile(`scale-${n}-steady`);
    if (steadyProfile) windowProfiles.push(steadyProfile);
    await sleep(600);
    const r1 = op.requests();
    const seconds = (p1.at - p0.at) / 1000;
    const delta = (a: MetricSamples, b: MetricSamples, name: string, labels: Record<string, string> = {}) => metricSum(b, name, labels) - metricSum(a, name, labels);
    const execs = delta(m0, m1, 'rss_command_duration_seconds_count');
    const statusCount = delta(m0, m1, 'rss_command_duration_seconds_count', { command: 'status' });
    const reconciles = delta(m0, m1, 'rss_reconcile_duration_seconds_count');
    const apiRate = requestRate(a0, a1);
    const opSeconds = (r1.time - r0.time) / 1000;
    const opTop = Object.entries(r1.byKey)
      .map(([k, v]): [string, number] => [k, (v - (r0.byKey[k] ?? 0)) / opSeconds])
      .filter(([, v]) => v > 0)
      .sort((x, y) => y[1] - x[1]);
    const steady = {
      windowMs: p1.at - p0.at,
      load: loadAverage(),
      cpuPercent: (100 * (p1.cpuSeconds - p0.cpuSeconds)) / seconds,
      machineBusyPercent: (100 * (cpu1.busy - cpu0.busy)) / (cpu1.total - cpu0.total),
      rssBytes: p1.rssBytes,
      rssMaxBytes: max(samples.map((s) => s.rssBytes)),
      hwmBytes: p1.hwmBytes,
      heapUsedBytes: metricSum(m1, 'rss_operator_nodejs_heap_size_used_bytes'),
      heapTotalBytes: metricSum(m1, 'rss_operator_nodejs_heap_size_total_bytes'),
      externalBytes: metricSum(m1, 'rss_operator_nodejs_external_memory_bytes'),
      execsPerSecond: execs / seconds,
      statusMeanMs: (1000 * delta(m0, m1, 'rss_command_duration_seconds_sum', { command: 'status' })) / statusCount,
      reconcilesPerSecond: reconciles / seconds,
      reconcileMeanMs: (1000 * delta(m0, m1, 'rss_reconcile_duration_seconds_sum')) / reconciles,
      operatorRequestsPerSecond: (r1.total - r0.total) / opSeconds,
      operatorRequestsTop: opTop.slice(0, 8),
      apiserverPerSecond: apiRate.perSecond,
      apiserverTop: apiRate.byKey.slice(0, 8),
      clustersNotRunning: n - running(),
    };
    say(`steady state: operator ${pct(steady.cpuPercent)} of a core, ${mib(steady.rssBytes)}, ${num(steady.execsPerSecond)} execs/s, ${num(steady.operatorRequestsPerSecond)} API requests/s`);

    // 4. Deletions under load.
    const deletions: DeletionTrial[] = [];
    const healthy = names.filter((x) => allPrimaries(watches[x.ns]!.rss(x.name), MEMBERS));
    for (let i = 0; i < o.deletionTrials; i++) {
      const x = healthy[Math.floor(((i + 0.5) * healthy.length) / o.deletionTrials)]!;
      const w = watches[x.ns]!;
      const member = `rss-${x.name}-${i % MEMBERS}`;
      const oldUid = w.pod(member)?.metadata?.uid;
      if (!oldUid) {
        problems.push(`deletion trial ${i}: ${member} has no pod`);
        continue;
      }
      const memberStatus = () => w.rss(x.name)?.status?.memberStatus?.find((m) => m.name === member);
      const t = Date.now();
      const noticed = w.until(`${member} seen lost`, () => {
        const m = memberStatus();
        return !m || m.podUID !== oldUid || m.role !== 'primary';
      }, 60_000);
      const recovered = w.until(`${member} primary again`, () => {
        const m = memberStatus();
        return !!m?.podUID && m.podUID !== oldUid && m.role === 'primary' && allPrimaries(w.rss(x.name), MEMBERS);
      }, 120_000);
      await c.core.deleteNamespacedPod({ name: member, namespace: w.namespace });
      const [tNoticed, tRecovered] = await Promise.all([noticed, recovered]);
      // The replacement is the pod the RSS names (kwok may delete a fresh pod once more; see failover.ts).
      const newUid = memberStatus()?.podUID ?? '';
      const created = [...w.podTimeline.values()].filter((p) => p.name === member && p.uid !== oldUid && p.seenAt >= t);
      await w.until(`${member}: replacement Ready seen`, () => w.podTimeline.get(newUid)?.readyAt !== undefined, 10_000).catch(() => undefined);
      await sleep(700);
      const replacement = w.podTimeline.get(newUid);
      const first = op.execs().filter((e) => e.ns === w.namespace && e.pod === member && e.start >= (created[0]?.seenAt ?? t)).sort((a, b) => a.start - b.start)[0];
      const others = op.execs().filter((e) => e.pod !== member);
      const inFlight = others.filter((e) => e.start <= t && e.end >= t).length;
      const nearby = others.filter((e) => Math.abs(e.start - t) <= 1000).length;
      const firstCommandMs = (first?.start ?? NaN) - t;
      const trial: DeletionTrial = { cluster: x.name, member, statusMs: tNoticed - t, noticedMs: Math.min(tNoticed - t, Number.isFinite(firstCommandMs) ? firstCommandMs : Infinity), inFlight, nearby, podsCreated: created.length, firstCommandMs, readyMs: (replacement?.readyAt ?? NaN) - t, recoveredMs: tRecovered - t };
      deletions.push(trial);
      say(`deleted ${member}: noticed ${ms(trial.noticedMs)} (status ${ms(trial.statusMs)}), first command in the replacement ${ms(trial.firstCommandMs)}, primary again ${ms(trial.recoveredMs)}`);
      await sleep(3000);
    }

    // 5. Status sweep by a fresh operator process.
    const stopStarted = Date.now();
    await op.stop(60_000);
    const stopMs = Date.now() - stopStarted;
    profiles.push(...op.profiles());
    op = await startOperator(c, { namespaces, label: `scale-${n}-restart`, dir: ctx.dir, cpuProf: o.cpuProf, nodeOptions: o.nodeOptions });
    await op.startProfile();
    operators.push(op);
    const leading = op.loggedAt('reconciling') ?? Date.now();
    const startupMs = leading - op.spawnedAt;
    const cpuAtLead = op.proc();
    const target = n * MEMBERS;
    const sweepBound = Math.max(120_000, n * 1000);
    let statusDone = 0;
    let sweepProgress = Date.now();
    while (Date.now() - leading < sweepBound && Date.now() - sweepProgress < 20_000) {
      const count = metricSum(await op.metrics(), 'rss_command_duration_seconds_count', { command: 'status' });
      if (count > statusDone) sweepProgress = Date.now();
      statusDone = count;
      if (statusDone >= target) break;
      await sleep(250);
    }
    const cpuAtSweep = op.proc();
    const sweepProfile = await op.stopProfile(`scale-${n}-sweep`);
    if (sweepProfile) windowProfiles.push(sweepProfile);
    await sleep(700);
    const statusEnds = op.execs().filter((e) => e.cmd === 'status').map((e) => e.end).sort((a, b) => a - b);
    const sweepEnd = statusEnds.length >= target ? statusEnds[target - 1]! : NaN;
    if (statusDone < target) problems.push(`the restarted operator ran ${statusDone} of ${target} status commands within ${ms(sweepBound)}`);
    const sweep = {
      startupMs,
      sweepMs: sweepEnd - leading,
      statusCommands: statusDone,
      cpuMsPerCommand: (1000 * (cpuAtSweep.cpuSeconds - cpuAtLead.cpuSeconds)) / Math.max(1, statusDone),
      rssAfterBytes: cpuAtSweep.rssBytes,
      stopMs,
    };
    say(`restart: reconciling ${ms(startupMs)} after start; status on all ${target} members within ${ms(sweep.sweepMs)}`);
    await sleep(5000);

    // 6. Baseline without an operator.
    await op.stop(60_000);
    profiles.push(...op.profiles());
    await sleep(5000);
    const baselineMs = Math.min(30_000, windowMs);
    const b0 = apiserverRequests(c);
    await sleep(baselineMs);
    const b1 = apiserverRequests(c);
    const baseRate = requestRate(b0, b1);
    const baseline = { apiserverPerSecond: baseRate.perSecond, windowMs: b1.at - b0.at, top: baseRate.byKey.slice(0, 5) };

    const noticedMax = max(deletions.map((d) => d.noticedMs));
    const coped = steady.clustersNotRunning <= 0.01 * n && Number.isFinite(noticedMax) && noticedMax < 10_000 && statusDone >= 0.99 * target;
    return {
      clusters: n,
      namespaces,
      bootstrapAllMs,
      idleRssBytes: idle.rssBytes,
      steady,
      deletions,
      sweep,
      baseline,
      apiserverOperatorEstimate: steady.apiserverPerSecond - baseline.apiserverPerSecond,
      coped,
      problems,
      profiles,
      windowProfiles,
    };
  } finally {
    for (const op of operators) {
      await op.stop(30_000);
      for (const p of op.profiles()) if (!profiles.includes(p)) profiles.push(p);
    }
    for (const w of watches) await w.stop();
    say('deleting the clusters');
    await Promise.all(namespaces.map((ns) => deleteNamespace(c, ns, Math.max(300_000, n * 1500))));
  }
}

export async function scaleScenario(ctx: BenchContext): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  const runs: ScaleRun[] = [];
  for (const n of ctx.o.clusters) {
    const previous = runs.at(-1);
    const skip = previous && !previous.coped
      ? `the machine did not cope with ${previous.clusters} clusters (${previous.problems.join('; ') || 'see above'})`
      : memAvailableBytes() < 2 * 1024 ** 3
        ? `less than 2 GiB of memory available (${mib(memAvailableBytes())})`
        : undefined;
    if (skip) {
      results.push({ name: `scale, ${n} clusters`, startedAt: new Date().toISOString(), load: { start: loadAverage(), end: loadAverage() }, summary: [{ scenario: `scale, ${n} clusters × ${MEMBERS}`, metric: 'skipped', value: skip }], details: [], notes: [], raw: { skipped: skip } });
      continue;
    }
    const startedAt = new Date().toISOString();
    const loadStart = loadAverage();
    const r = await run(ctx, n);
    runs.push(r);
    results.push(describe(r, startedAt, loadStart));
  }
  if (runs.length >= 2) results.push(growth(runs));
  return results;
}

function describe(r: ScaleRun, startedAt: string, loadStart: string): ScenarioResult {
  const n = r.clusters;
  const s = r.steady;
  const scenario = `scale, ${n} clusters × ${MEMBERS}`;
  const noticed = r.deletions.map((d) => d.noticedMs);
  const is200 = n === 200;
  const summary: SummaryRow[] = [
    { scenario, metric: 'operator resident memory (VmRSS) at steady state', value: `${mib(s.rssBytes)} (max ${mib(s.rssMaxBytes)}; ${mib(r.idleRssBytes)} with no cluster)`, ...(is200 ? { target: '< 200 MiB', met: s.rssBytes < 200 * 1024 ** 2 } : {}) },
    { scenario, metric: 'operator CPU at steady state (% of one core)', value: pct(s.cpuPercent), ...(is200 ? { target: '< 10 %', met: s.cpuPercent < 10 } : {}) },
    { scenario, metric: 'pod deletion noticed (status or first command), median / max', value: `${ms(median(noticed))} / ${ms(max(noticed))}`, ...(is200 ? { target: '< 1 s (every trial)', met: r.deletions.length > 0 && max(noticed) < 1000 } : {}) },
    { scenario, metric: 'deleted → first command in the replacement, median / max', value: `${ms(median(r.deletions.map((d) => d.firstCommandMs)))} / ${ms(max(r.deletions.map((d) => d.firstCommandMs)))}` },
    { scenario, metric: 'execs per second (rss_command_duration_seconds_count)', value: `${num(s.execsPerSecond)} (expected ${num((n * MEMBERS) / 30)})` },
    { scenario, metric: "operator's API requests per second (counted in the process)", value: num(s.operatorRequestsPerSecond) },
    { scenario, metric: 'API server requests per second, with − without the operator', value: `${num(r.apiserverOperatorEstimate)} (${num(s.apiserverPerSecond)} − ${num(r.baseline.apiserverPerSecond)})` },
    { scenario, metric: 'status sweep over all members (fresh operator process)', value: `${ms(r.sweep.sweepMs)} for ${r.sweep.statusCommands} status commands` },
    { scenario, metric: 'all clusters created → all members primary', value: ms(r.bootstrapAllMs) },
  ];
  return {
    name: `scale, ${n} clusters`,
    startedAt,
    load: { start: loadStart, end: loadAverage() },
    summary,
    details: [
      {
        title: `Steady state (${ms(s.windowMs)} window; load average ${s.load}; whole machine ${pct(s.machineBusyPercent)} busy)`,
        header: ['figure', 'value'],
        rows: [
          ['operator CPU', `${pct(s.cpuPercent)} of one core`],
          ['operator VmRSS (end / max in window / high-water mark)', `${mib(s.rssBytes)} / ${mib(s.rssMaxBytes)} / ${mib(s.hwmBytes)}`],
          ['operator VmRSS with no cluster (after start)', mib(r.idleRssBytes)],
          ['V8 heap used / heap reserved / outside the heap (operator metrics)', `${mib(s.heapUsedBytes)} / ${mib(s.heapTotalBytes)} / ${mib(s.externalBytes)}`],
          ['execs per second', num(s.execsPerSecond)],
          ['status command, mean duration as the operator timed it', ms(s.statusMeanMs)],
          ['reconciles per second / mean duration', `${num(s.reconcilesPerSecond)} / ${ms(s.reconcileMeanMs)}`],
          ["operator's API requests per second (trace)", num(s.operatorRequestsPerSecond)],
          ['… by kind', s.operatorRequestsTop.map(([k, v]) => `${k} ${num(v, 2)}`).join(', ')],
          ['API server requests per second, all clients', num(s.apiserverPerSecond)],
          ['… by kind', s.apiserverTop.map(([k, v]) => `${k} ${num(v, 2)}`).join(', ')],
          ['API server requests per second without the operator', `${num(r.baseline.apiserverPerSecond)} (${r.baseline.top.map(([k, v]) => `${k} ${num(v, 2)}`).join(', ')})`],
          ['operator restart: start → reconciling', ms(r.sweep.startupMs)],
          ['operator restart: reconciling → status ran on every member', ms(r.sweep.sweepMs)],
          ['… operator CPU per status command during the sweep', `${num(r.sweep.cpuMsPerCommand, 2)} ms`],
          ['… VmRSS after the sweep', mib(r.sweep.rssAfterBytes)],
          ['operator stop (SIGTERM → exit)', ms(r.sweep.stopMs)],
        ],
      },
      {
        title: 'Pod deletions while every other cluster is busy (times from the deletion)',
        header: ['cluster', 'member', 'other commands running at the deletion / started within ±1 s', 'noticed', 'RSS status shows it', 'first command in the replacement', 'pods created', 'replacement Ready', 'primary again'],
        rows: r.deletions.map((d) => [d.cluster, d.member, `${d.inFlight} / ${d.nearby}`, ms(d.noticedMs), ms(d.statusMs), ms(d.firstCommandMs), String(d.podsCreated), ms(d.readyMs), ms(d.recoveredMs)]),
      },
    ],
    notes: [
      ...r.problems.map((p) => `problem: ${p}`),
      ...r.windowProfiles.map((f) => `CPU profile of the ${f.includes('-steady') ? 'steady-state window' : 'status sweep'}: ${formatProfile(summariseProfile(f, 12))}`),
      ...r.profiles.map((f) => `CPU profile of a whole operator process (node --cpu-prof): ${f}`),
    ],
    raw: r,
  };
}

function growth(runs: ScaleRun[]): ScenarioResult {
  const [a, b] = [runs[0]!, runs.at(-1)!];
  const ratio = b.clusters / a.clusters;
  const row = (figure: string, x: number, y: number, fmt: (v: number) => string): string[] => [figure, fmt(x), fmt(y), `×${num(y / x, 2)}`, `×${num(ratio, 2)}`];
  const growing = (r: ScaleRun) => r.steady.rssBytes - r.idleRssBytes;
  return {
    name: 'scale: what grows',
    startedAt: new Date().toISOString(),
    load: { start: loadAverage(), end: loadAverage() },
    summary: [],
    details: [
      {
        title: `From ${a.clusters} to ${b.clusters} clusters (linear growth would be ×${num(ratio, 2)})`,
        header: ['figure', `${a.clusters} clusters`, `${b.clusters} clusters`, 'grew', 'linear'],
        rows: [
          row('operator CPU (% of a core)', a.steady.cpuPercent, b.steady.cpuPercent, (v) => pct(v)),
          row('operator VmRSS', a.steady.rssBytes, b.steady.rssBytes, mib),
          row('operator VmRSS above an idle operator', growing(a), growing(b), mib),
          row('execs per second', a.steady.execsPerSecond, b.steady.execsPerSecond, (v) => num(v)),
          row("operator's API requests per second", a.steady.operatorRequestsPerSecond, b.steady.operatorRequestsPerSecond, (v) => num(v)),
          row('mean reconcile duration', a.steady.reconcileMeanMs, b.steady.reconcileMeanMs, ms),
          row('mean status command duration', a.steady.statusMeanMs, b.steady.statusMeanMs, ms),
          row('status sweep (fresh process)', a.sweep.sweepMs, b.sweep.sweepMs, ms),
          row('deletion noticed (median)', median(a.deletions.map((d) => d.noticedMs)), median(b.deletions.map((d) => d.noticedMs)), ms),
          row('all clusters created → running', a.bootstrapAllMs, b.bootstrapAllMs, ms),
        ],
      },
    ],
    notes: [],
    raw: { from: a.clusters, to: b.clusters },
  };
}
