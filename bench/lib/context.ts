// Options and shared helpers of the scenarios.
import type { Cluster } from './kube.ts';
import { dummyCommands } from './kube.ts';
import type { ExecRecord } from './operator.ts';

export interface BenchOptions {
  /** Bootstrap trials per cluster size. */
  trials: number;
  failoverTrials: number;
  /** Cluster counts of the scale scenario, run in order (a larger one only if the machine coped). */
  clusters: number[];
  /** Namespaces the scale scenario spreads its clusters over. */
  scaleNamespaces: number;
  /** Steady-state measurement window of the scale scenario, seconds. */
  windowSeconds: number;
  /** Pod deletions timed under load in the scale scenario. */
  deletionTrials: number;
  /** Bootstrap and failover trials of the Galera scenario. */
  galeraTrials: number;
  /** Failover trials of the PostgreSQL scenario. */
  postgresTrials: number;
  /** Switchover trials of the PostgreSQL scenario. */
  switchoverTrials: number;
  /** Data loaded into the backup scenario's Galera cluster, GiB. */
  backupGib: number;
  /** Paired backup trials (baseline and operator) of the backup scenario. */
  backupTrials: number;
  /** Start every operator with `node --cpu-prof` and profile the measurement windows. */
  cpuProf: boolean;
  /** Extra node flags for the operator process (runtime settings to compare; the operator is unchanged). */
  nodeOptions: string[];
  /** Run the built JavaScript as the image does (dist) or src/main.ts (src). */
  operatorFrom: 'dist' | 'src';
}

export interface BenchContext {
  c: Cluster;
  runId: string;
  /** Where logs, traces and profiles go. */
  dir: string;
  o: BenchOptions;
  say(message: string): void;
}

/**
 * For each exec, the delay from the operator starting the exec request to the dummy command starting in the
 * pod (its commands.log line): the exec path through the API server and kwok, and the shell starting.
 */
export function dispatchDelays(c: Cluster, execs: ExecRecord[]): number[] {
  const logs = new Map<string, { time: number; verb: string; used?: boolean }[]>();
  const delays: number[] = [];
  for (const e of [...execs].sort((a, b) => a.start - b.start)) {
    const key = `${e.ns}/${e.pod}`;
    let lines = logs.get(key);
    if (!lines) {
      lines = dummyCommands(c, e.ns, e.pod);
      logs.set(key, lines);
    }
    // The dummy writes with millisecond resolution: allow 1 ms either side.
    const line = lines.find((l) => !l.used && l.verb === e.cmd && l.time >= e.start - 1 && l.time <= e.end + 1);
    if (!line) continue;
    line.used = true;
    delays.push(Math.max(0, line.time - e.start));
  }
  return delays;
}

export function countBy<T>(items: T[], key: (item: T) => string): string {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${k}×${n}`).join(' ');
}

export interface TimelineItem {
  at: number;
  end?: number;
  what: string;
}

/** One trial as text: every event and interval, in ms from t0 (for the timeline files next to the results). */
export function formatTimeline(title: string, t0: number, items: TimelineItem[]): string {
  const lines = [...items]
    .filter((i) => Number.isFinite(i.at))
    .sort((a, b) => a.at - b.at)
    .map((i) => `  +${String(Math.round(i.at - t0)).padStart(6)} ms  ${i.end !== undefined ? `[${String(Math.round(i.end - i.at)).padStart(4)} ms] ` : '           '}${i.what}`);
  return [title, ...lines, ''].join('\n');
}
