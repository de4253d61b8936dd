// Prometheus metrics of the operator, served at /metrics.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class OperatorMetrics {
  readonly registry = new Registry();
  readonly clusters = new Gauge({ name: 'rss_clusters', help: 'ReplicatedStatefulSets managed, by phase', labelNames: ['phase'], registers: [this.registry] });
  readonly members = new Gauge({ name: 'rss_members', help: 'Members of all clusters, by role', labelNames: ['role'], registers: [this.registry] });
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
  readonly isLeader = new Gauge({ name: 'rss_operator_leader', help: '1 while this process is the leader', registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'rss_operator_' });
  }
}
