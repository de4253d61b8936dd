// Bootstrap: an RSS is created → every member runs as primary. For 3 and 5 members, several trials each,
// under one operator; the first cluster after the operator started (cold: nothing compiled yet) is
// reported on its own.
//
// Where the time goes, from the benchmark's watch (arrival timestamps) and the operator's exec trace:
//   t0          the benchmark creates the RSS
//   tSts        the StatefulSet appears (the operator reacted: Service and StatefulSet applied)
//   tReady      the last member pod is Ready                          [tSts, tReady] = Kubernetes
//   execs       every command the operator ran in the members         = application (+ exec transport)
//   tDone       the RSS status shows every member as primary
// operator's own share = (tDone - t0) - |[tSts, tReady] ∪ execs| (each clipped to [t0, tDone]).
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchContext } from '../lib/context.ts';
import { formatTimeline } from '../lib/context.ts';
import { allPrimaries, createRss, deleteRss, dummyCluster, isPodReady, type NamespaceWatch } from '../lib/kube.ts';
import { loadAverage, type OperatorProcess } from '../lib/operator.ts';
import type { ScenarioResult } from '../lib/report.ts';
import { tracedOperatorSession } from '../lib/session.ts';
import { operatorShare, type OperatorShare } from '../lib/share.ts';
import { max, median, ms, spread } from '../lib/stats.ts';

export interface BootstrapTrial extends OperatorShare {
  name: string;
  members: number;
  cold: boolean;
  totalMs: number;
  /** RSS created → StatefulSet seen (operator). */
  toStatefulSetMs: number;
  /** StatefulSet seen → last pod Ready (Kubernetes). */
  podsMs: number;
  /** Last pod Ready → all primaries. */
  afterReadyMs: number;
}

async function trial(ctx: BenchContext, op: OperatorProcess, watch: NamespaceWatch, name: string, members: number, cold: boolean): Promise<BootstrapTrial> {
  const { c } = ctx;
  const ns = watch.namespace;
  const sts = `rss-${name}`;
  const before = await op.metrics();
  const t0 = Date.now();
  const done = watch.until(`${name}: ${members} primaries`, () => allPrimaries(watch.rss(name), members), 90_000);
  const podsReady = watch.until(`${name}: ${members} pods Ready`, () => watch.podsOf(name).filter(isPodReady).length === members, 90_000);
  await createRss(c, ns, dummyCluster(name, members, '30s'));
  const [tDone] = await Promise.all([done, podsReady]);
  const tSts = watch.statefulSetSeen.get(sts) ?? NaN;
  const readyTimes = watch.podsOf(name).map((p) => watch.podTimeline.get(p.metadata!.uid!)?.readyAt ?? NaN);
  const tReady = max(readyTimes);
  const { share, timeline } = await operatorShare(c, op, before, { t0, tDone, platform: [tSts, tReady], isTrialExec: (e) => e.ns === ns && e.pod.startsWith(`${sts}-`) });
  const pods = [...watch.podTimeline.values()].filter((p) => p.name.startsWith(`${sts}-`) && p.seenAt >= t0);
  appendFileSync(join(ctx.dir, 'bootstrap-timelines.txt'), formatTimeline(`${name} (${members} members): created at +0, all primaries at +${tDone - t0} ms`, t0, [
    { at: tSts, what: `StatefulSet ${sts} seen` },
    ...pods.flatMap((p) => [{ at: p.seenAt, what: `pod ${p.name} seen` }, { at: p.readyAt ?? NaN, what: `pod ${p.name} Ready` }]),
    ...timeline,
    { at: tDone, what: 'RSS status: all primaries (benchmark watch)' },
  ]));
  return {
    name,
    members,
    cold,
    totalMs: tDone - t0,
    toStatefulSetMs: tSts - t0,
    podsMs: tReady - tSts,
    afterReadyMs: tDone - tReady,
    ...share,
  };
}

export async function bootstrapScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const { c, o } = ctx;
  const startedAt = new Date().toISOString();
  const loadStart = loadAverage();
  const trials: BootstrapTrial[] = [];
  const notes = await tracedOperatorSession(ctx, 'bootstrap', async (op, watch) => {
    const ns = watch.namespace;
    const run = async (name: string, members: number, cold: boolean) => {
      const t = await trial(ctx, op, watch, name, members, cold);
      trials.push(t);
      ctx.say(`bootstrap ${name}: ${members} primaries in ${ms(t.totalMs)} (operator's own ${ms(t.operatorMs)}); load ${loadAverage()}`);
      await deleteRss(c, ns, name);
      await watch.until(`${name}: pods gone`, () => watch.podsOf(name).length === 0, 60_000);
      await sleep(1000);
    };
    await run('cold-3', 3, true);
    for (const members of [3, 5]) {
      for (let i = 0; i < o.trials; i++) await run(`b${members}-${i}`, members, false);
    }
  });

  const summary: ScenarioResult['summary'] = [];
  for (const members of [3, 5]) {
    const ts = trials.filter((t) => t.members === members && !t.cold);
    const totals = ts.map((t) => t.totalMs);
    summary.push({
      scenario: `bootstrap, ${members} members (${ts.length} trial${ts.length === 1 ? "" : "s"})`,
      metric: 'created → all primaries, median (min–max)',
      value: spread(totals),
      ...(members === 3 ? { target: '< 3 s (median)', met: median(totals) < 3000 } : {}),
    });
    summary.push({ scenario: `bootstrap, ${members} members`, metric: "operator's own share, median (min–max)", value: `${spread(ts.map((t) => t.operatorMs))} = ${((100 * median(ts.map((t) => t.operatorMs))) / median(totals)).toFixed(0)} % of the median total` });
    summary.push({ scenario: `bootstrap, ${members} members`, metric: 'Kubernetes (StatefulSet → pods Ready) / commands, medians', value: `${ms(median(ts.map((t) => t.podsMs)))} / ${ms(median(ts.map((t) => t.commandsMs)))}` });
  }
  const cold = trials.find((t) => t.cold);
  if (cold) summary.push({ scenario: 'bootstrap, 3 members, first after operator start', metric: 'created → all primaries (operator share)', value: `${ms(cold.totalMs)} (${ms(cold.operatorMs)})` });

  return {
    name: 'bootstrap',
    startedAt,
    load: { start: loadStart, end: loadAverage() },
    summary,
    details: [
      {
        title: 'Bootstrap trials (times from RSS creation; the operator share is what is covered neither by Kubernetes starting pods nor by a command)',
        header: ['trial', 'total', 'RSS→StatefulSet', 'StatefulSet→pods Ready', 'Ready→all primaries', 'commands (union)', "operator's own", '… of it in its API calls', 'execs', 'exec→command start (median)', 'commands (metric sum)'],
        rows: trials.map((t) => [
          `${t.name}${t.cold ? ' (cold)' : ''}`,
          ms(t.totalMs),
          ms(t.toStatefulSetMs),
          ms(t.podsMs),
          ms(t.afterReadyMs),
          ms(t.commandsMs),
          ms(t.operatorMs),
          ms(t.operatorApiMs),
          `${t.execs}: ${t.commands}`,
          ms(t.dispatchMs),
          ms(t.metricCommandsMs),
        ]),
      },
    ],
    notes: [...notes, `Every trial's timeline (pods, execs, the operator's API requests): ${join(ctx.dir, 'bootstrap-timelines.txt')}`],
    raw: trials,
  };
}
