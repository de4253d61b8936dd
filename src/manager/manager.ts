// The manager owns what the reconciler stands on: the informers (RSS, their pods, StatefulSets, Services,
// PodDisruptionBudgets, and the nodes' cordons when it may read them),
// the work queue, leader election, the health and metrics endpoints, and a clean shutdown. Only the leader
// reconciles; followers keep their caches warm so that a take-over starts at once.
import {
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PolicyV1Api,
  type KubeConfig,
  type KubernetesObject,
  makeInformer,
  type V1Pod,
  type V1PodDisruptionBudget,
  type V1Service,
  type V1StatefulSet,
} from '@kubernetes/client-node';
import { createServer, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { BACKUP_PLURAL, BACKUP_SCHEDULE_PLURAL, GROUP, LABEL_APP, LABEL_BACKUP_SCHEDULE, LABEL_MANAGED, PLURAL, VERSION } from '../api/names.ts';
import type { Backup, BackupSchedule } from '../api/backup-types.ts';
import { ScheduleController } from '../controller/schedules.ts';
import { BackupController, storeOpener } from '../controller/backups.ts';
import type { ReplicatedStatefulSet } from '../api/types.ts';
import { ExecUnavailableError, Reconciler, type ClusterCaches } from '../controller/reconciler.ts';
import { KubeClusterWriter } from '../controller/kube-writer.ts';
import { systemClock } from '../controller/ports.ts';
import { EventRecorder } from '../kube/events.ts';
import { PodExecutor, describeError } from '../kube/exec.ts';
import { sharingConnections } from './connections.ts';
import { PodIndex, WatchSet } from './informers.ts';
import { NodeWatch } from './nodes.ts';
import { LeaderElector } from './leader.ts';
import { OperatorMetrics } from './metrics.ts';
import { WorkQueue, type Priority } from './workqueue.ts';

export interface ManagerOptions {
  kubeConfig: KubeConfig;
  /** Namespaces to watch; empty = all namespaces. */
  namespaces: string[];
  log: Logger;
  /** host:port for /healthz, /readyz, /metrics; port 0 picks a free one. */
  httpAddress?: string;
  leaderElection?: { namespace: string; name: string; identity: string; leaseDurationMs?: number; renewDeadlineMs?: number; retryPeriodMs?: number };
  concurrency?: number;
  /** Most members of one cluster (--max-replicas). */
  maxReplicas?: number;
}

/** A work-queue handler from a reconcile of one object: the queues' keys are "namespace/name". */
function byKey(reconcile: (namespace: string, name: string) => Promise<{ requeueAfterMs?: number }>): (key: string) => Promise<{ requeueAfterMs?: number }> {
  return (key) => {
    const [namespace, name] = key.split('/') as [string, string];
    return reconcile(namespace, name);
  };
}

/** Backoff cap for a reconcile that failed because a command could not be run (pod unreachable, exec refused). */
export const EXEC_UNAVAILABLE_MAX_BACKOFF_MS = 10_000;

// The pod index lives with the informers; importable from here as well.
export { PodIndex } from './informers.ts';

export class Manager {
  readonly metrics = new OperatorMetrics();
  private readonly o: ManagerOptions;
  private readonly log: Logger;
  private readonly clusters: WatchSet<ReplicatedStatefulSet & KubernetesObject>;
  private readonly pods: WatchSet<V1Pod>;
  private readonly statefulSets: WatchSet<V1StatefulSet>;
  private readonly services: WatchSet<V1Service>;
  private readonly disruptionBudgets: WatchSet<V1PodDisruptionBudget>;
  private readonly nodes: NodeWatch;
  private readonly backups: WatchSet<Backup & KubernetesObject>;
  private readonly schedules: WatchSet<BackupSchedule & KubernetesObject>;
  private readonly scheduleController: ScheduleController;
  private readonly scheduleQueue: WorkQueue;
  private readonly reconciler: Reconciler;
  private readonly backupController: BackupController;
  /** Backups run for minutes: their own queue, so that they never hold up a cluster's reconcile. */
  private readonly backupQueue: WorkQueue;
  private readonly executor: PodExecutor;
  private readonly events: EventRecorder;
  private readonly podIndex = new PodIndex();
  private readonly queue: WorkQueue;
  private readonly elector?: LeaderElector;
  private server?: Server;
  private leading = false;
  private stopping = false;

  constructor(options: ManagerOptions) {
    this.o = options;
    this.log = options.log;
    // Every API client, informer and the leader election share one connection pool.
    const kc = sharingConnections(options.kubeConfig).kubeConfig;
    const core = kc.makeApiClient(CoreV1Api);
    const apps = kc.makeApiClient(AppsV1Api);
    const custom = kc.makeApiClient(CustomObjectsApi);
    const policy = kc.makeApiClient(PolicyV1Api);
    const managed = `${LABEL_MANAGED}=true`;
    const nsPath = (ns: string | undefined, group: string, plural: string) => `${group}${ns ? `/namespaces/${ns}` : ''}/${plural}`;

    // The operator's own resources, each watched the same way.
    const customWatch = <T extends KubernetesObject>(kind: string, plural: string) =>
      new WatchSet<T>(kind, this.log, (ns) =>
        makeInformer(kc, nsPath(ns, `/apis/${GROUP}/${VERSION}`, plural), () =>
          (ns
            ? custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural })
            : custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural })) as Promise<{ items: T[]; metadata?: object }>,
        ), options.namespaces);
    this.clusters = customWatch<ReplicatedStatefulSet & KubernetesObject>('ReplicatedStatefulSet', PLURAL);
    this.backups = customWatch<Backup & KubernetesObject>('Backup', BACKUP_PLURAL);
    this.schedules = customWatch<BackupSchedule & KubernetesObject>('BackupSchedule', BACKUP_SCHEDULE_PLURAL);
    this.pods = new WatchSet('Pod', this.log, (ns) =>
      makeInformer(kc, nsPath(ns, '/api/v1', 'pods'), () => (ns ? core.listNamespacedPod({ namespace: ns, labelSelector: managed }) : core.listPodForAllNamespaces({ labelSelector: managed })), managed),
      options.namespaces);
    this.statefulSets = new WatchSet('StatefulSet', this.log, (ns) =>
      makeInformer(kc, nsPath(ns, '/apis/apps/v1', 'statefulsets'), () => (ns ? apps.listNamespacedStatefulSet({ namespace: ns, labelSelector: managed }) : apps.listStatefulSetForAllNamespaces({ labelSelector: managed })), managed),
      options.namespaces);
    this.services = new WatchSet('Service', this.log, (ns) =>
      makeInformer(kc, nsPath(ns, '/api/v1', 'services'), () => (ns ? core.listNamespacedService({ namespace: ns, labelSelector: managed }) : core.listServiceForAllNamespaces({ labelSelector: managed })), managed),
      options.namespaces);
    this.disruptionBudgets = new WatchSet('PodDisruptionBudget', this.log, (ns) =>
      makeInformer(kc, nsPath(ns, '/apis/policy/v1', 'poddisruptionbudgets'), () => (ns ? policy.listNamespacedPodDisruptionBudget({ namespace: ns, labelSelector: managed }) : policy.listPodDisruptionBudgetForAllNamespaces({ labelSelector: managed })), managed),
      options.namespaces);
    this.nodes = new NodeWatch(kc, core, this.log);

    // Registered before the handlers that enqueue, so a reconcile started by an event sees it in the index.
    this.pods.on('add', (pod) => this.podIndex.set(pod));
    this.pods.on('update', (pod) => this.podIndex.set(pod));
    this.pods.on('delete', (pod) => this.podIndex.delete(pod));
    const caches: ClusterCaches = {
      cluster: (namespace, name) => this.clusters.get(name, namespace),
      pods: (namespace, name) => this.podIndex.list(namespace, name),
      statefulSet: (namespace, name) => this.statefulSets.get(name, namespace),
      service: (namespace, name) => this.services.get(name, namespace),
      disruptionBudget: (namespace, name) => this.disruptionBudgets.get(name, namespace),
      nodeUnschedulable: (name) => this.nodes.get(name),
      backups: (namespace) => this.backups.list(namespace),
    };
    const openStore = storeOpener(core);
    this.executor = new PodExecutor(kc);
    this.events = new EventRecorder(core, this.log);
    this.reconciler = new Reconciler({
      caches,
      writer: new KubeClusterWriter({ core, apps, custom, policy }),
      commands: this.executor,
      events: this.events,
      clock: systemClock,
      metrics: this.metrics,
      log: this.log,
      openStore,
      ...(options.maxReplicas !== undefined ? { limits: { maxReplicas: options.maxReplicas } } : {}),
    });
    this.backupController = new BackupController({
      caches: {
        backup: (namespace, name) => this.backups.get(name, namespace),
        backups: (namespace) => this.backups.list(namespace),
        cluster: (namespace, name) => this.clusters.get(name, namespace),
        pods: (namespace, cluster) => this.podIndex.list(namespace, cluster),
      },
      custom,
      commands: this.executor,
      events: this.events,
      metrics: this.metrics,
      log: this.log,
      openStore,
    });
    this.backupQueue = new WorkQueue(byKey((namespace, name) => this.backupController.reconcile(namespace, name)), { concurrency: options.concurrency ?? 16 });
    this.scheduleController = new ScheduleController({
      caches: {
        schedule: (namespace, name) => this.schedules.get(name, namespace),
        backups: (namespace) => this.backups.list(namespace),
        cluster: (namespace, name) => this.clusters.get(name, namespace),
      },
      custom,
      events: this.events,
      log: this.log,
    });
    this.scheduleQueue = new WorkQueue(byKey((namespace, name) => this.scheduleController.reconcile(namespace, name)), { concurrency: 4 });
    this.scheduleQueue.onError = (key, error, retryInMs) => this.log.error({ schedule: key, err: describeError(error), retryInMs }, 'backup schedule reconcile failed; will retry');
    this.backupQueue.onError = (key, error, retryInMs) => this.log.error({ backup: key, err: describeError(error), retryInMs }, 'backup reconcile failed; will retry');
    this.queue = new WorkQueue(byKey((namespace, name) => this.reconciler.reconcile(namespace, name)), {
      concurrency: options.concurrency ?? 16,
      // A pod that cannot be reached now is often reachable in seconds (just started, or the exec path
      // recovered): retry it sooner than an API error.
      maxBackoffMsFor: (error) => (error instanceof ExecUnavailableError ? EXEC_UNAVAILABLE_MAX_BACKOFF_MS : undefined),
    });
    this.queue.onError = (key, error, retryInMs) => {
      this.metrics.reconcileErrors.inc();
      this.log.error({ rss: key, err: describeError(error), retryInMs }, 'reconcile failed; will retry');
    };
    this.metrics.countClustersFrom(() => this.census());

    const enqueueCluster = (rss: KubernetesObject) => this.enqueue(`${rss.metadata?.namespace}/${rss.metadata?.name}`);
    this.clusters.on('add', enqueueCluster);
    this.clusters.on('update', enqueueCluster);
    this.clusters.on('delete', enqueueCluster);
    const enqueueOwner = (object: KubernetesObject) => {
      const app = object.metadata?.labels?.[LABEL_APP];
      if (app) this.enqueue(`${object.metadata?.namespace}/${app}`);
    };
    for (const set of [this.pods, this.statefulSets, this.services, this.disruptionBudgets] as WatchSet<KubernetesObject>[]) {
      set.on('add', enqueueOwner);
      set.on('update', enqueueOwner);
      set.on('delete', enqueueOwner);
    }
    // A node cordoned or uncordoned: the clusters with a member there show it (or stop showing it).
    this.nodes.onChange = (node) => {
      for (const w of this.pods.informers) for (const pod of w.list()) if (pod.spec?.nodeName === node) enqueueOwner(pod);
    };

    const enqueueBackup = (backup: KubernetesObject) => {
      if (this.leading) this.backupQueue.add(`${backup.metadata?.namespace}/${backup.metadata?.name}`, 'high');
      // A cluster restoring "latest" or from a named Backup waits for it: tell it when a backup changes.
      const cluster = (backup as Backup).spec?.cluster;
      if (cluster) this.enqueue(`${backup.metadata?.namespace}/${cluster}`, 'low');
      // Retention follows a schedule's backups as they complete.
      const schedule = backup.metadata?.labels?.[LABEL_BACKUP_SCHEDULE];
      if (schedule && this.leading) this.scheduleQueue.add(`${backup.metadata?.namespace}/${schedule}`, 'high');
    };
    const enqueueSchedule = (schedule: KubernetesObject) => {
      if (this.leading) this.scheduleQueue.add(`${schedule.metadata?.namespace}/${schedule.metadata?.name}`, 'high');
    };
    this.schedules.on('add', enqueueSchedule);
    this.schedules.on('update', enqueueSchedule);
    this.backups.on('add', enqueueBackup);
    this.backups.on('update', enqueueBackup);
    this.backups.on('delete', enqueueBackup);

    if (options.leaderElection) {
      const le = options.leaderElection;
      this.elector = new LeaderElector({
        api: kc.makeApiClient(CoordinationV1Api),
        namespace: le.namespace,
        name: le.name,
        identity: le.identity,
        leaseDurationMs: le.leaseDurationMs ?? 15_000,
        renewDeadlineMs: le.renewDeadlineMs ?? 10_000,
        retryPeriodMs: le.retryPeriodMs ?? 2_000,
        log: this.log,
      });
    }
  }

  /** Watch events are `high` priority: they are served before periodic probes (see WorkQueue). */
  private enqueue(key: string, priority: Priority = 'high'): void {
    if (this.leading) this.queue.add(key, priority);
  }

  /** Every cluster's phase and member roles, as the cache has them (for the gauges, at scrape time). */
  private *census(): Iterable<{ phase: string; roles: string[] }> {
    for (const w of this.clusters.informers) {
      for (const rss of w.list()) yield { phase: rss.status?.phase ?? 'Unknown', roles: (rss.status?.memberStatus ?? []).map((m) => m.role) };
    }
  }

  /** Address the health/metrics server listens on (after start). */
  get httpPort(): number | undefined {
    const address = this.server?.address();
    return typeof address === 'object' && address ? address.port : undefined;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  private startLeading(): void {
    if (this.leading || this.stopping) return;
    this.leading = true;
    this.metrics.isLeader.set(1);
    this.log.info({ namespaces: this.o.namespaces.length ? this.o.namespaces : 'all' }, 'reconciling');
    // Probing every cluster once is background work: events that arrive meanwhile go first.
    for (const w of this.clusters.informers) for (const rss of w.list()) this.enqueue(`${rss.metadata?.namespace}/${rss.metadata?.name}`, 'low');
    for (const w of this.backups.informers) for (const b of w.list()) this.backupQueue.add(`${b.metadata?.namespace}/${b.metadata?.name}`, 'low');
    for (const w of this.schedules.informers) for (const b of w.list()) this.scheduleQueue.add(`${b.metadata?.namespace}/${b.metadata?.name}`, 'low');
  }

  private stopLeading(): void {
    this.leading = false;
    this.metrics.isLeader.set(0);
    this.reconciler.reset();
    // Like controller-runtime: a process that lost its lease exits, and its restart follows the new leader.
    this.log.error('leadership lost; exiting so that a fresh process follows the new leader');
    void this.stop().finally(() => process.exit(1));
  }

  async start(): Promise<void> {
    if (this.o.httpAddress !== undefined) await this.serveHttp(this.o.httpAddress);
    const crd = (set: { start(): Promise<void> }, resource: string, file: string) =>
      set.start().catch((error: unknown) => {
        throw new Error(`cannot watch ${resource} (${describeError(error)}): install its CustomResourceDefinition (${file}) and check the operator's RBAC`);
      });
    await Promise.all([
      crd(this.clusters, `${PLURAL}.${GROUP}`, 'deploy/crd.yaml'),
      this.pods.start(),
      this.statefulSets.start(),
      this.services.start(),
      this.disruptionBudgets.start(),
      this.nodes.start(),
      crd(this.backups, `${BACKUP_PLURAL}.${GROUP}`, 'deploy/crd-backup.yaml'),
      crd(this.schedules, `${BACKUP_SCHEDULE_PLURAL}.${GROUP}`, 'deploy/crd-backup.yaml'),
    ]);
    this.log.info('caches synced');
    if (this.elector) void this.elector.run(() => this.startLeading(), () => this.stopLeading());
    else this.startLeading();
  }

  private async serveHttp(address: string): Promise<void> {
    const [host, port] = address.includes(':') ? [address.slice(0, address.lastIndexOf(':')) || '0.0.0.0', Number(address.slice(address.lastIndexOf(':') + 1))] : ['0.0.0.0', Number(address)];
    this.server = createServer((req, res) => {
      const url = req.url ?? '/';
      if (url === '/healthz') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      } else if (url === '/readyz') {
        const ready = this.clusters.synced && this.pods.synced && !this.stopping;
        res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' }).end(ready ? 'ok\n' : 'caches not synced\n');
      } else if (url === '/metrics') {
        this.metrics.registry
          .metrics()
          .then((text) => res.writeHead(200, { 'content-type': this.metrics.registry.contentType }).end(text))
          .catch((error: unknown) => res.writeHead(500).end(String(error)));
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    this.log.info({ address: `${host}:${this.httpPort}` }, 'serving /healthz, /readyz and /metrics');
  }

  /** Finishes the reconciles in flight, gives up the lease, stops watching. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.leading = false;
    // Commands may run for minutes: end them (the member's state is probed again by the next leader).
    this.executor.abortAll('the operator is shutting down');
    await Promise.all([this.queue.shutdown(), this.backupQueue.shutdown(), this.scheduleQueue.shutdown()]);
    // Events of the last actions, if the API server answers soon.
    await Promise.race([this.events.flush(), sleep(2000)]);
    await this.elector?.stop();
    await Promise.all([this.clusters.stop(), this.pods.stop(), this.statefulSets.stop(), this.services.stop(), this.disruptionBudgets.stop(), this.nodes.stop(), this.backups.stop(), this.schedules.stop()]);
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.log.info('stopped');
  }
}
