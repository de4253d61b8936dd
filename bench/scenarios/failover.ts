// Failover: a member pod is deleted → its replacement runs as primary and the RSS is Available with every
// member primary again. One 3-member cluster with reconcileInterval 1h, so that only the watch drives the
// operator (no periodic status probe falls into a trial). One warm-up failover is not counted.
//
//   t0       the benchmark deletes the pod
//   tReady   the replacement pod is Ready (benchmark's watch)       [t0, tReady] = Kubernetes: the pod goes,
//                                                                   the StatefulSet controller recreates it,
//                                                                   it is scheduled, bound and started
//   execs    commands the operator ran in the cluster's members     = application (+ exec transport)
//   tDone    the RSS status shows the replacement (new pod UID) as primary, 3 primaries, Available=True
// operator's own share = (tDone - t0) - |[t0, tReady] ∪ execs| (clipped to [t0, tDone]): the operator's
// reaction to the Ready pod, its work between commands and its status write (plus the watch delivering
// the status to the benchmark).
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchContext } from '../lib/context.ts';
import { formatTimeline } from '../lib/context.ts';
import { allPrimaries, conditionTrue, createRss, dummyCluster, type NamespaceWatch } from '../lib/kube.ts';
import { loadAverage, type OperatorProcess } from '../lib/operator.ts';
import type { ScenarioResult } from '../lib/report.ts';
import { tracedOperatorSession } from '../lib/session.ts';
import { operatorShare, type OperatorShare } from '../lib/share.ts';
import { ms, pct, percentile } from '../lib/stats.ts';

const NAME = 'failover';

export interface FailoverTrial extends OperatorShare {
  member: string;
  warmUp: boolean;
  totalMs: number;
  /** Pod deleted → the operator's status shows the member not running. */
  noticedMs: number;
  /** t0 → replacement pod first seen by the watch. */
  recreatedMs: number;
  /** Pods created for the member during the trial (more than 1: the platform deleted a fresh one again). */
  podsCreated: number;
  /** t0 → replacement Ready. */
  kubernetesMs: number;
  /** Replacement Ready → the operator's first exec into it. */
  firstExecAfterReadyMs: number;
  /** The operator's own rss_failover_duration_seconds observation (member lost → running again). */
  metricFailoverMs: number;
}

async function trial(ctx: BenchContext, op: OperatorProcess, watch: NamespaceWatch, ordinal: number, warmUp: boolean): Promise<FailoverTrial> {
  const { c } = ctx;
  const ns = watch.namespace;
  const member = `rss-${NAME}-${ordinal}`;
  const oldUid = watch.pod(member)?.metadata?.uid;
  if (!oldUid) throw new Error(`${member} has no pod`);
  const before = await op.metrics();
  const memberStatus = () => watch.rss(NAME)?.status?.memberStatus?.find((m) => m.name === member);
  const t0 = Date.now();
  const noticed = watch.until(`${member} seen lost`, () => {
    const m = memberStatus();
    return !m || m.podUID !== oldUid || m.role !== 'primary';
  }, 60_000);
  const done = watch.until(`${member} replaced and primary`, () => {
    const rss = watch.rss(NAME);
    const m = memberStatus();
    return !!m?.podUID && m.podUID !== oldUid && m.role === 'primary' && allPrimaries(rss, 3) && conditionTrue(rss, 'Available');
  }, 90_000);
  await c.core.deleteNamespacedPod({ name: member, namespace: ns });
  const [tNoticed, tDone] = await Promise.all([noticed, done]);
  // The replacement is the pod the RSS status names: the local control plane's kwok sometimes deletes a
  // freshly recreated pod (its pod-delete stage deletes by name, racing the StatefulSet controller), and
  // the StatefulSet controller then creates another one.
  const newUid = memberStatus()?.podUID;
  const created = [...watch.podTimeline.values()].filter((t) => t.name === member && t.uid !== oldUid && t.seenAt >= t0);
  // The benchmark's pod watch may deliver the Ready event a little after its RSS watch delivered the status.
  await watch.until(`${member}: replacement Ready seen`, () => watch.podTimeline.get(newUid ?? '')?.readyAt !== undefined, 10_000).catch(() => undefined);
  const replacement = watch.podTimeline.get(newUid ?? '');
  const tReady = replacement?.readyAt ?? NaN;
  const { share, execs, timeline, metricDeltaMs } = await operatorShare(c, op, before, { t0, tDone, platform: [t0, tReady], isTrialExec: (e) => e.ns === ns });
  const old = [...watch.podTimeline.values()].find((t) => t.uid === oldUid);
  appendFileSync(join(ctx.dir, 'failover-timelines.txt'), formatTimeline(`${warmUp ? 'warm-up' : 'trial'} ${member}: deleted at +0, replaced and primary at +${tDone - t0} ms`, t0, [
    { at: old?.deletingAt ?? NaN, what: `old pod ${member} terminating` },
    { at: old?.goneAt ?? NaN, what: `old pod ${member} gone` },
    { at: tNoticed, what: 'RSS status: member not running' },
    ...created.flatMap((p) => [
      { at: p.seenAt, what: `new pod ${member} seen (${p.uid === newUid ? 'the replacement' : 'deleted again by the platform'})` },
      { at: p.deletingAt ?? NaN, what: `new pod ${member} (${p.uid.slice(0, 8)}) deleted by the platform` },
    ]),
    { at: tReady, what: `new pod ${member} Ready` },
    ...timeline,
    { at: tDone, what: 'RSS status: replacement primary, Available (benchmark watch)' },
  ]));
  const firstExec = execs.filter((e) => e.pod === member && e.start >= (created[0]?.seenAt ?? t0)).sort((a, b) => a.start - b.start)[0];
  return {
    member,
    warmUp,
    totalMs: tDone - t0,
    noticedMs: tNoticed - t0,
    recreatedMs: (replacement?.seenAt ?? NaN) - t0,
    podsCreated: created.length,
    kubernetesMs: tReady - t0,
    firstExecAfterReadyMs: (firstExec?.start ?? NaN) - tReady,
    ...share,
    metricFailoverMs: metricDeltaMs('rss_failover_duration_seconds_sum'),
  };
}

export async function failoverScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const { c, o } = ctx;
  const startedAt = new Date().toISOString();
  const loadStart = loadAverage();
  const trials: FailoverTrial[] = [];
  const notes = await tracedOperatorSession(ctx, 'failover', async (op, watch) => {
    await createRss(c, watch.namespace, dummyCluster(NAME, 3, '1h'));
    await watch.until('3 primaries', () => allPrimaries(watch.rss(NAME), 3), 90_000);
    await sleep(2000);
    for (let i = 0; i <= o.failoverTrials; i++) {
      const t = await trial(ctx, op, watch, i % 3, i === 0);
      trials.push(t);
      ctx.say(`failover ${i === 0 ? 'warm-up' : `${i}/${o.failoverTrials}`} (${t.member}): ${ms(t.totalMs)}, Kubernetes ${ms(t.kubernetesMs)}, commands ${ms(t.commandsMs)}, operator ${ms(t.operatorMs)}; load ${loadAverage()}`);
      await sleep(1000);
    }
  });

  const ts = trials.filter((t) => !t.warmUp);
  const p = (values: number[], q: number) => percentile(values, q);
  const totals = ts.map((t) => t.totalMs);
  const own = ts.map((t) => t.operatorMs);
  const shares = ts.map((t) => (100 * t.operatorMs) / t.totalMs);
  const summary: ScenarioResult['summary'] = [
    { scenario: `failover (${ts.length} trial${ts.length === 1 ? "" : "s"})`, metric: 'pod deleted → replacement primary, Available: p50 / p95', value: `${ms(p(totals, 50))} / ${ms(p(totals, 95))}` },
    { scenario: 'failover', metric: 'Kubernetes (deleted → replacement Ready): p50 / p95', value: `${ms(p(ts.map((t) => t.kubernetesMs), 50))} / ${ms(p(ts.map((t) => t.kubernetesMs), 95))}` },
    { scenario: 'failover', metric: 'commands (union of exec intervals): p50 / p95', value: `${ms(p(ts.map((t) => t.commandsMs), 50))} / ${ms(p(ts.map((t) => t.commandsMs), 95))}` },
    { scenario: 'failover', metric: "operator's own share: p50 / p95", value: `${ms(p(own, 50))} / ${ms(p(own, 95))}`, target: '< 250 ms (p50)', met: p(own, 50) < 250 },
    { scenario: 'failover', metric: "operator's own share of the total: p50 / p95", value: `${pct(p(shares, 50))} / ${pct(p(shares, 95))}`, target: '< 10 % (p50)', met: p(shares, 50) < 10 },
    { scenario: 'failover', metric: "… of it waiting for its own API requests: p50", value: ms(p(ts.map((t) => t.operatorApiMs), 50)) },
    { scenario: 'failover', metric: 'loss noticed in the RSS status: p50 / max', value: `${ms(p(ts.map((t) => t.noticedMs), 50))} / ${ms(p(ts.map((t) => t.noticedMs), 100))}` },
  ];
  return {
    name: 'failover',
    startedAt,
    load: { start: loadStart, end: loadAverage() },
    summary,
    details: [
      {
        title: 'Failover trials (times from the pod deletion)',
        header: ['trial', 'member', 'total', 'noticed', 'pods created', 'recreated', 'Ready (Kubernetes)', 'Ready→first exec', 'commands (union)', "operator's own", '… in its API calls', 'share', 'execs', 'exec→command start (median)', 'commands (metric sum)', 'operator failover metric'],
        rows: trials.map((t, i) => [
          i === 0 ? 'warm-up' : String(i),
          t.member,
          ms(t.totalMs),
          ms(t.noticedMs),
          String(t.podsCreated),
          ms(t.recreatedMs),
          ms(t.kubernetesMs),
          ms(t.firstExecAfterReadyMs),
          ms(t.commandsMs),
          ms(t.operatorMs),
          ms(t.operatorApiMs),
          pct((100 * t.operatorMs) / t.totalMs, 0),
          `${t.execs}: ${t.commands}`,
          ms(t.dispatchMs),
          ms(t.metricCommandsMs),
          ms(t.metricFailoverMs),
        ]),
      },
    ],
    notes: [...notes, `Every trial's timeline (pods, execs, the operator's API requests): ${join(ctx.dir, 'failover-timelines.txt')}`],
    raw: trials,
  };
}
