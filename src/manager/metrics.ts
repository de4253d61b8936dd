// Prometheus metrics of the operator, served at /metrics.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What the cluster gauges count: each cluster's phase and its members' roles (from the informer's cache). */
export interface ClusterCensus {
  phase: string;
  roles: string[];
}

export class OperatorMetrics {
  readonly registry = new Registry();
  /** The clusters now, read when /metrics is scraped (not kept up to date on every reconcile). */
  private census: () => Iterable<ClusterCensus> = () => [];
  readonly clusters: Gauge<'phase'> = new Gauge({
    name: 'rss_clusters',
    help: 'ReplicatedStatefulSets managed, by phase',
    labelNames: ['phase'],
    registers: [this.registry],
    collect: (): void => this.fill(this.clusters, (c) => [c.phase], 'phase'),
  });
  readonly members: Gauge<'role'> = new Gauge({
    name: 'rss_members',
    help: 'Members of all clusters, by role',
    labelNames: ['role'],
    registers: [this.registry],
    collect: (): void => this.fill(this.members, (c) => c.roles, 'role'),
  });
  readonly reconcileDuration = new Histogram({
    name: 'rss_reconcile_duration_seconds',
    help: 'Time to reconcile one cluster (including the commands it ran)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly reconcileErrors = new Counter({ name: 'rss_reconcile_errors_total', help: 'Reconciles that failed and were retried', registers: [this.registry] });
  readonly commandDuration = new Histogram({
    name: 'rss_command_duration_seconds',
    help: 'Duration of application commands run in member pods',
    labelNames: ['command', 'result'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 600],
    registers: [this.registry],
  });
  readonly commandFailures = new Counter({ name: 'rss_command_failures_total', help: 'Application commands that failed, timed out or could not run', labelNames: ['command'], registers: [this.registry] });
  readonly failoverDuration = new Histogram({
    name: 'rss_failover_duration_seconds',
    help: 'From a member losing its running role (pod gone or status failed) to running again',
    buckets: [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600],
    registers: [this.registry],
  });
  readonly backupDuration = new Histogram({
    name: 'rss_backup_duration_seconds',
    help: 'Time to stream a completed backup from a member into object storage',
    labelNames: ['cluster'],
    buckets: [1, 5, 15, 60, 300, 900, 3600, 4 * 3600],
    registers: [this.registry],
  });
  readonly backupBytes = new Gauge({ name: 'rss_backup_last_size_bytes', help: 'Size of the last completed backup', labelNames: ['cluster'], registers: [this.registry] });
  readonly backupLastSuccess = new Gauge({ name: 'rss_backup_last_success_timestamp_seconds', help: 'When the last backup of the cluster completed (Unix time)', labelNames: ['cluster'], registers: [this.registry] });
  readonly backupFailures = new Counter({ name: 'rss_backup_failures_total', help: 'Backups that failed', labelNames: ['cluster'], registers: [this.registry] });
  readonly restores = new Counter({ name: 'rss_restores_total', help: 'Restore attempts, by result', labelNames: ['cluster', 'result'], registers: [this.registry] });
  readonly isLeader = new Gauge({ name: 'rss_operator_leader', help: '1 while this process is the leader', registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'rss_operator_' });
  }

  /** Where rss_clusters and rss_members are counted from at each scrape. */
  countClustersFrom(census: () => Iterable<ClusterCensus>): void {
    this.census = census;
  }

  private fill<L extends string>(gauge: Gauge<L>, values: (c: ClusterCensus) => string[], label: L): void {
    const counts = new Map<string, number>();
    for (const c of this.census()) for (const v of values(c)) counts.set(v, (counts.get(v) ?? 0) + 1);
    gauge.reset();
    for (const [value, count] of counts) gauge.set({ [label]: value } as Partial<Record<L, string>>, count);
  }
}
