// The operator's own share of a trial: the part of [t0, tDone] covered neither by the platform (Kubernetes
// starting or replacing pods) nor by a command the operator ran in a member. The bootstrap and failover
// scenarios differ only in what the platform interval is and which execs belong to the trial.
import { setTimeout as sleep } from 'node:timers/promises';
import { countBy, dispatchDelays, type TimelineItem } from './context.ts';
import type { Cluster } from './kube.ts';
import { metricSum, type ExecRecord, type MetricSamples, type OperatorProcess } from './operator.ts';
import { median, unionLength, type Interval } from './stats.ts';

/** How a trial's time splits between the commands and the operator itself. */
export interface OperatorShare {
  /** Union of the exec intervals within the trial. */
  commandsMs: number;
  /** What neither the platform interval nor a command covers. */
  operatorMs: number;
  /** Part of the operator's share spent waiting for its own API requests (status, events, StatefulSet, labels…). */
  operatorApiMs: number;
  execs: number;
  commands: string;
  /** Median delay from exec request to the command starting in the pod. */
  dispatchMs: number;
  /** rss_command_duration_seconds_sum delta (commands as the operator timed them, summed even when parallel). */
  metricCommandsMs: number;
}

export interface TrialWindow {
  /** When the benchmark acted (created the RSS, deleted the pod). */
  t0: number;
  /** When its watch saw the outcome. */
  tDone: number;
  /** What Kubernetes did in the meantime (StatefulSet → pods Ready, pod deleted → replacement Ready). */
  platform: Interval;
  /** The trial's execs (namespace, pods), besides starting within [t0, tDone]. */
  isTrialExec(e: ExecRecord): boolean;
}

export interface OperatorTrace {
  share: OperatorShare;
  /** The trial's execs. */
  execs: ExecRecord[];
  /** The trial's execs and the operator's API requests, as lines of its timeline. */
  timeline: TimelineItem[];
  /** A *_seconds_sum metric's increase over the trial, in ms. */
  metricDeltaMs(name: string): number;
}

/**
 * Reads the operator's trace and metrics once a trial is over (`before`: its metrics at t0) and works out
 * its own share of the trial.
 */
export async function operatorShare(c: Cluster, op: OperatorProcess, before: MetricSamples, w: TrialWindow): Promise<OperatorTrace> {
  const { t0, tDone } = w;
  await sleep(700); // the exec trace is flushed every 500 ms
  const after = await op.metrics();
  const metricDeltaMs = (name: string) => 1000 * (metricSum(after, name) - metricSum(before, name));
  const execs = op.execs().filter((e) => w.isTrialExec(e) && e.start >= t0 && e.start <= tDone);
  const intervals: Interval[] = execs.map((e) => [e.start, e.end]);
  const covered = unionLength([w.platform, ...intervals], t0, tDone);
  const requests = op.apiRequests().filter((r) => r.end >= t0 && r.start <= tDone);
  const withApi = unionLength([w.platform, ...intervals, ...requests.map((r): Interval => [r.start, r.end])], t0, tDone);
  return {
    share: {
      commandsMs: unionLength(intervals, t0, tDone),
      operatorMs: tDone - t0 - covered,
      operatorApiMs: withApi - covered,
      execs: execs.length,
      commands: countBy(execs, (e) => e.cmd),
      dispatchMs: median(dispatchDelays(c, execs)),
      metricCommandsMs: metricDeltaMs('rss_command_duration_seconds_sum'),
    },
    execs,
    timeline: [
      ...execs.map((e) => ({ at: e.start, end: e.end, what: `exec ${e.cmd} in ${e.pod}${e.ok ? '' : ' (failed)'}` })),
      ...requests.map((r) => ({ at: r.start, end: r.end, what: `API ${r.key}` })),
    ],
    metricDeltaMs,
  };
}
