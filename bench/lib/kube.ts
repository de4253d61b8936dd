// The benchmark's view of the local control plane: clients, namespaces it creates (and removes), watches
// that timestamp every event as it arrives (millisecond precision, unlike the API's second-resolution
// timestamps), and the API server's own request counters.
import {
  makeInformer,
  type Informer,
  type KubernetesObject,
  type ObjectCache,
  type V1Pod,
  type V1StatefulSet,
} from '@kubernetes/client-node';
import { appendFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'yaml';
import { localClusterClient, type LocalClusterClient } from '../../controlplane/client.ts';
import { paths, repoRoot, up } from '../../controlplane/localcluster.ts';
import { GROUP, PLURAL, VERSION } from '../../src/api/names.ts';
import type { ReplicatedStatefulSet } from '../../src/api/types.ts';

export type Cluster = LocalClusterClient;

export const BENCH_LABEL = 'rss-operator.bench/run';

let cached: Cluster | undefined;

/** Starts or reuses the local control plane (never stops it) and installs the CRD. Only 127.0.0.1 is used. */
export async function connect(): Promise<Cluster> {
  if (cached) return cached;
  const result = await up();
  const c = localClusterClient(result.kubeconfig, result.bin, { maxBuffer: 256 * 1024 * 1024, timeout: 60_000 });
  const server = c.kubeConfig.getCurrentCluster()?.server ?? '';
  if (!/^https:\/\/127\.0\.0\.1:\d+$/.test(server)) throw new Error(`the local control plane's API server is not on 127.0.0.1 (${server}); the benchmark talks only to 127.0.0.1`);
  for (const file of ['crd.yaml', 'crd-backup.yaml']) c.kubectl(['apply', '--server-side', '--force-conflicts', '-f', join(repoRoot, 'deploy', file)]);
  c.kubectl(['wait', '--for=condition=Established', '--timeout=30s', `crd/${PLURAL}.${GROUP}`, `crd/backups.${GROUP}`, `crd/backupschedules.${GROUP}`]);
  cached = c;
  return cached;
}

// ---------------------------------------------------------------------------------------------------
// Namespaces

const created = new Set<string>();

export async function createNamespace(c: Cluster, prefix: string, runId: string): Promise<string> {
  const name = `rss-bench-${prefix}-${Math.random().toString(36).slice(2, 7)}`;
  await c.core.createNamespace({ body: { metadata: { name, labels: { [BENCH_LABEL]: runId } } } });
  created.add(name);
  return name;
}

/** Deletes the namespace, waits (bounded) until it is gone, then removes its pods' working directories. */
export async function deleteNamespace(c: Cluster, name: string, timeoutMs = 180_000): Promise<boolean> {
  try {
    await c.core.deleteNamespace({ name });
  } catch (error) {
    if ((error as { code?: number }).code !== 404) throw error;
  }
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  while (Date.now() < deadline) {
    try {
      await c.core.readNamespace({ name });
    } catch (error) {
      if ((error as { code?: number }).code === 404) {
        gone = true;
        break;
      }
    }
    await sleep(500);
  }
  if (gone) {
    created.delete(name);
    // The exec agent keeps a pod's folder like a volume; the benchmark's pods are not coming back.
    const dir = join(paths().pods, name);
    await sleep(1000); // let the exec agent finish releasing the last pods
    rmSync(dir, { recursive: true, force: true });
  } else {
    process.stderr.write(`bench: namespace ${name} still not gone after ${timeoutMs / 1000} s; it is being deleted in the background\n`);
  }
  return gone;
}

export async function deleteCreatedNamespaces(c: Cluster): Promise<void> {
  await Promise.all([...created].map((ns) => deleteNamespace(c, ns).catch((error: unknown) => process.stderr.write(`bench: could not delete namespace ${ns}: ${String(error)}\n`))));
}

export function createdNamespaces(): string[] {
  return [...created];
}

// ---------------------------------------------------------------------------------------------------
// Manifests

export function dummyCluster(name: string, replicas: number, reconcileInterval: string): ReplicatedStatefulSet {
  const rss = parse(readFileSync(join(repoRoot, 'examples', 'dummy', 'cluster.yaml'), 'utf8')) as ReplicatedStatefulSet;
  rss.metadata = { name };
  rss.spec.replicas = replicas;
  rss.spec.reconcileInterval = reconcileInterval;
  return rss;
}

export async function createRss(c: Cluster, namespace: string, rss: ReplicatedStatefulSet): Promise<void> {
  await c.custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, body: rss });
}

export async function deleteRss(c: Cluster, namespace: string, name: string): Promise<void> {
  try {
    await c.custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name });
  } catch (error) {
    if ((error as { code?: number }).code !== 404) throw error;
  }
}

export function isPodReady(pod: V1Pod | undefined): boolean {
  return !!pod && pod.status?.phase === 'Running' && !pod.metadata?.deletionTimestamp && (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

// ---------------------------------------------------------------------------------------------------
// Watches with arrival timestamps

type Watched<T extends KubernetesObject> = Informer<T> & ObjectCache<T>;

/** What the watch saw of one pod (by UID), as Date.now() at arrival. */
export interface PodTimeline {
  name: string;
  uid: string;
  seenAt: number;
  /** metadata.creationTimestamp (second resolution). */
  createdAt: number;
  readyAt?: number;
  deletingAt?: number;
  goneAt?: number;
}

interface Waiter {
  check: () => boolean;
  resolve: (at: number) => void;
}

/** Watches pods, StatefulSets and ReplicatedStatefulSets of one namespace, timestamping every event. */
export class NamespaceWatch {
  readonly namespace: string;
  readonly pods: Watched<V1Pod>;
  readonly statefulSets: Watched<V1StatefulSet>;
  readonly clusters: Watched<ReplicatedStatefulSet & KubernetesObject>;
  /** Pod timelines by UID. */
  readonly podTimeline = new Map<string, PodTimeline>();
  /** When each StatefulSet was first seen, by name. */
  readonly statefulSetSeen = new Map<string, number>();
  private waiters = new Set<Waiter>();
  private stopped = false;
  private readonly ticker: NodeJS.Timeout;

  constructor(c: Cluster, namespace: string) {
    this.namespace = namespace;
    const ns = namespace;
    this.pods = makeInformer(c.kubeConfig, `/api/v1/namespaces/${ns}/pods`, () => c.core.listNamespacedPod({ namespace: ns }));
    this.statefulSets = makeInformer(c.kubeConfig, `/apis/apps/v1/namespaces/${ns}/statefulsets`, () => c.apps.listNamespacedStatefulSet({ namespace: ns }));
    this.clusters = makeInformer(c.kubeConfig, `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PLURAL}`, () =>
      c.custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL }) as Promise<{ items: (ReplicatedStatefulSet & KubernetesObject)[] }>,
    );
    // RSS_BENCH_DEBUG_EVENTS=<file>: every pod event as it arrives, for debugging the benchmark itself.
    const debug = process.env.RSS_BENCH_DEBUG_EVENTS;
    const onPod = (pod: V1Pod) => {
      const now = Date.now();
      if (debug) appendFileSync(debug, `${now} ${pod.metadata?.name} ${pod.metadata?.uid} ${pod.metadata?.resourceVersion} ${pod.status?.phase} ready=${isPodReady(pod)} del=${!!pod.metadata?.deletionTimestamp}\n`);
      const uid = pod.metadata!.uid!;
      let t = this.podTimeline.get(uid);
      if (!t) {
        t = { name: pod.metadata!.name!, uid, seenAt: now, createdAt: Date.parse(String(pod.metadata?.creationTimestamp ?? '')) };
        this.podTimeline.set(uid, t);
      }
      if (t.readyAt === undefined && isPodReady(pod)) t.readyAt = now;
      if (t.deletingAt === undefined && pod.metadata?.deletionTimestamp) t.deletingAt = now;
      this.poke(now);
    };
    this.pods.on('add', onPod);
    this.pods.on('update', onPod);
    this.pods.on('delete', (pod) => {
      const now = Date.now();
      onPod(pod);
      const t = this.podTimeline.get(pod.metadata!.uid!);
      if (t && t.goneAt === undefined) t.goneAt = now;
      this.poke(now);
    });
    const onSts = (sts: V1StatefulSet) => {
      const now = Date.now();
      if (!this.statefulSetSeen.has(sts.metadata!.name!)) this.statefulSetSeen.set(sts.metadata!.name!, now);
      this.poke(now);
    };
    this.statefulSets.on('add', onSts);
    this.statefulSets.on('update', onSts);
    this.statefulSets.on('delete', () => this.poke(Date.now()));
    for (const verb of ['add', 'update', 'delete'] as const) this.clusters.on(verb, () => this.poke(Date.now()));
    for (const informer of [this.pods, this.statefulSets, this.clusters] as Watched<KubernetesObject>[]) {
      informer.on('error', () => {
        if (!this.stopped) setTimeout(() => void informer.start().catch(() => undefined), 500).unref();
      });
    }
    // Conditions may also depend on time or files; re-check a few times a second.
    this.ticker = setInterval(() => this.poke(Date.now()), 250);
    this.ticker.unref();
  }

  async start(): Promise<void> {
    await Promise.all([this.pods.start(), this.statefulSets.start(), this.clusters.start()]);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.ticker);
    await Promise.all([this.pods.stop(), this.statefulSets.stop(), this.clusters.stop()]).catch(() => undefined);
    for (const w of this.waiters) w.resolve(NaN);
    this.waiters.clear();
  }

  private poke(now: number): void {
    for (const w of this.waiters) {
      let ok = false;
      try {
        ok = w.check();
      } catch {
        ok = false;
      }
      if (ok) {
        this.waiters.delete(w);
        w.resolve(now);
      }
    }
  }

  /**
   * Resolves with the arrival time of the event after which `check` first held (checked on every event of
   * the three watches); rejects with `what` after the timeout.
   */
  until(what: string, check: () => boolean, timeoutMs: number): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      let ok = false;
      try {
        ok = check();
      } catch {
        ok = false;
      }
      if (ok) return resolve(Date.now());
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what} in ${this.namespace}`));
      }, timeoutMs);
      const waiter: Waiter = {
        check,
        resolve: (at) => {
          clearTimeout(timer);
          resolve(at);
        },
      };
      this.waiters.add(waiter);
    });
  }

  rss(name: string): ReplicatedStatefulSet | undefined {
    return this.clusters.get(name, this.namespace);
  }

  pod(name: string): V1Pod | undefined {
    return this.pods.get(name, this.namespace);
  }

  podsOf(rssName: string): V1Pod[] {
    return this.pods.list(this.namespace).filter((p) => p.metadata?.labels?.app === rssName);
  }
}

/** Every member of the RSS runs as primary (and there are `replicas` of them). */
export function allPrimaries(rss: ReplicatedStatefulSet | undefined, replicas: number): boolean {
  const s = rss?.status;
  if (!s) return false;
  const members = s.memberStatus ?? [];
  return s.primaryReplicas === replicas && (s.members?.primary?.length ?? 0) === replicas && members.filter((m) => m.role === 'primary').length === replicas;
}

export function conditionTrue(rss: ReplicatedStatefulSet | undefined, type: string): boolean {
  return (rss?.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');
}

// ---------------------------------------------------------------------------------------------------
// The API server's own counters

export interface ApiserverCounts {
  at: number;
  total: number;
  /** "VERB resource[/subresource]" → requests. */
  byKey: Map<string, number>;
}

/** apiserver_request_total from the API server's /metrics (kubectl get --raw /metrics), summed over codes. */
export function apiserverRequests(c: Cluster): ApiserverCounts {
  const at = Date.now();
  const text = c.kubectl(['get', '--raw', '/metrics']);
  const byKey = new Map<string, number>();
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (!Number.isFinite(value)) continue;
    const key = `${labels.verb} ${labels.resource || labels.subresource}${labels.resource && labels.subresource ? `/${labels.subresource}` : ''}`;
    byKey.set(key, (byKey.get(key) ?? 0) + value);
    total += value;
  }
  return { at, total, byKey };
}

/** Requests per second between two readings, in total and by key (largest first). */
export function requestRate(a: ApiserverCounts, b: ApiserverCounts): { perSecond: number; byKey: [string, number][] } {
  const seconds = (b.at - a.at) / 1000;
  const byKey = [...b.byKey]
    .map(([k, v]): [string, number] => [k, (v - (a.byKey.get(k) ?? 0)) / seconds])
    .filter(([, v]) => v > 0)
    .sort((x, y) => y[1] - x[1]);
  return { perSecond: (b.total - a.total) / seconds, byKey };
}

// ---------------------------------------------------------------------------------------------------
// The dummy application's own log

/** Start times (ms) and verbs of the dummy commands run in a member, from its commands.log. */
export function dummyCommands(c: Cluster, namespace: string, pod: string): { time: number; verb: string }[] {
  const file = join(c.podDir(namespace, pod), 'commands.log');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [time, verb] = line.split(' ');
      return { time: Date.parse(time ?? ''), verb: verb ?? '' };
    });
}
