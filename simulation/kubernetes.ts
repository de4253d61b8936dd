// A simulated Kubernetes for one cluster: the API server's objects (the truth), the operator's informer
// caches (the truth as last delivered by a watch whose events arrive late, twice, or out of order across
// objects), the StatefulSet controller (pods created Pending, Running a little later, recreated after
// being deleted, removed beyond the wanted size), exec into running pods, and the writes the reconciler
// makes — any of which can be made to fail.
import { createHash } from 'node:crypto';
import type { V1Pod, V1PodCondition, V1PodDisruptionBudget, V1Service, V1StatefulSet } from '@kubernetes/client-node';
import { LABEL_REVISION, ordinalOf, podName } from '../src/api/names.ts';
import type { ReplicatedStatefulSet, ReplicatedStatefulSetStatus } from '../src/api/types.ts';
import type { Backup } from '../src/api/backup-types.ts';
import type { ClusterCaches, ClusterWriter, Clock } from '../src/controller/ports.ts';
import { Random } from './random.ts';

export const NAMESPACE = 'sim';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** RFC 7386 merge patch: objects merge, null removes, anything else replaces. */
function mergePatch(target: Json | undefined, patch: Json): Json {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const result: { [key: string]: Json } = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

export class VirtualClock implements Clock {
  private time: number;
  constructor(time: number) {
    this.time = time;
  }
  now(): number {
    return this.time;
  }
  set(time: number): void {
    this.time = Math.max(this.time, time);
  }
}

/** A write that fails: what the reconciler's caller sees is an error with the HTTP status code. */
export class ApiError extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

interface Delivery {
  at: number;
  order: number;
  kind: 'rss' | 'sts' | 'service' | 'pod';
  name: string;
  object: { metadata?: { resourceVersion?: string } } | undefined;
  resourceVersion: number;
}

export interface KubernetesFaults {
  /** Until this time, status writes fail with this code. */
  statusWritesFailUntil: number;
  statusWriteCode: number;
  /** Until this time, exec is refused. */
  execRefusedUntil: number;
  /** Longest watch delay (ms). */
  watchDelayMs: number;
}

export class SimKubernetes implements ClusterWriter {
  // The API server's objects.
  rss: ReplicatedStatefulSet;
  sts: V1StatefulSet | undefined;
  service: V1Service | undefined;
  disruptionBudget: V1PodDisruptionBudget | undefined;
  readonly pods = new Map<string, V1Pod>();
  // The informers' view.
  private cached: { rss?: ReplicatedStatefulSet; sts?: V1StatefulSet; service?: V1Service; pods: Map<string, V1Pod> } = { pods: new Map() };
  private cachedVersion = new Map<string, number>();
  private deliveries: Delivery[] = [];
  private order = 0;
  private resourceVersion = 1;
  private uid = 1;
  /** When a missing pod is created, and when a Pending one runs. */
  private podCreateAt = new Map<number, number>();
  private podRunAt = new Map<string, number>();
  private stsObserveAt: number | undefined;
  readonly faults: KubernetesFaults = { statusWritesFailUntil: 0, statusWriteCode: 409, execRefusedUntil: 0, watchDelayMs: 0 };

  private readonly clock: VirtualClock;
  private readonly random: Random;
  /** Called when a pod's container goes away (its application process dies with it). */
  private readonly onPodGone: (pod: string) => void;

  constructor(clock: VirtualClock, random: Random, rss: ReplicatedStatefulSet, onPodGone: (pod: string) => void) {
    this.clock = clock;
    this.random = random;
    this.onPodGone = onPodGone;
    this.rss = rss;
    this.bump('rss', rss.metadata.name!, rss);
  }

  get cluster(): string {
    return this.rss.metadata.name!;
  }

  private bump(kind: Delivery['kind'], name: string, object: { metadata?: { resourceVersion?: string } } | undefined): void {
    const version = this.resourceVersion++;
    if (object?.metadata) object.metadata.resourceVersion = String(version);
    const snapshot = object === undefined ? undefined : clone(object);
    const delay = this.faults.watchDelayMs > 0 ? this.random.int(this.faults.watchDelayMs) : 0;
    this.deliveries.push({ at: this.clock.now() + delay, order: this.order++, kind, name, object: snapshot, resourceVersion: version });
    // A watch may deliver the same event twice (after a reconnect).
    if (this.faults.watchDelayMs > 0 && this.random.chance(0.05)) {
      this.deliveries.push({ at: this.clock.now() + this.random.int(this.faults.watchDelayMs), order: this.order++, kind, name, object: snapshot === undefined ? undefined : clone(snapshot), resourceVersion: version });
    }
  }

  /** Changes the RSS as a user would (spec, annotations); the generation moves when the spec does. */
  updateRss(change: (rss: ReplicatedStatefulSet) => void): void {
    const before = JSON.stringify(this.rss.spec);
    change(this.rss);
    if (JSON.stringify(this.rss.spec) !== before) this.rss.metadata.generation = (this.rss.metadata.generation ?? 1) + 1;
    this.bump('rss', this.cluster, this.rss);
  }

  /** An operator restart: the new process lists everything afresh. */
  relist(): void {
    this.cached = { rss: clone(this.rss), pods: new Map([...this.pods].map(([n, p]) => [n, clone(p)])) };
    if (this.sts) this.cached.sts = clone(this.sts);
    if (this.service) this.cached.service = clone(this.service);
    this.cachedVersion.clear();
    this.deliveries = [];
  }

  /** Delivers the watch events due by now, and runs the StatefulSet controller. */
  settle(): void {
    const now = this.clock.now();
    this.runStatefulSetController(now);
    const due = this.deliveries.filter((d) => d.at <= now).sort((a, b) => a.at - b.at || a.order - b.order);
    this.deliveries = this.deliveries.filter((d) => d.at > now);
    for (const d of due) {
      const key = `${d.kind}/${d.name}`;
      // An informer never goes back to an older version of an object.
      if ((this.cachedVersion.get(key) ?? 0) > d.resourceVersion) continue;
      this.cachedVersion.set(key, d.resourceVersion);
      const object = d.object === undefined ? undefined : clone(d.object);
      switch (d.kind) {
        case 'rss':
          if (object) this.cached.rss = object as ReplicatedStatefulSet;
          break;
        case 'sts':
          if (object) this.cached.sts = object as V1StatefulSet;
          break;
        case 'service':
          if (object) this.cached.service = object as V1Service;
          break;
        case 'pod':
          if (object) this.cached.pods.set(d.name, object as V1Pod);
          else this.cached.pods.delete(d.name);
          break;
      }
    }
  }

  /** The next time after now that something is due (a delivery or the StatefulSet controller), if any. */
  nextDue(): number | undefined {
    const now = this.clock.now();
    const times = [...this.deliveries.map((d) => d.at), ...this.podCreateAt.values(), ...this.podRunAt.values()];
    if (this.stsObserveAt !== undefined) times.push(this.stsObserveAt);
    const later = times.filter((t) => t > now);
    return later.length === 0 ? undefined : Math.min(...later);
  }

  private revisionOf(sts: V1StatefulSet): string {
    const hash = createHash('sha256').update(JSON.stringify(sts.spec?.template ?? {})).digest('hex').slice(0, 10);
    return `${sts.metadata!.name}-${hash}`;
  }

  private runStatefulSetController(now: number): void {
    const sts = this.sts;
    if (!sts) return;
    if ((sts.status?.observedGeneration ?? 0) < (sts.metadata!.generation ?? 1)) {
      this.stsObserveAt ??= now + this.random.between(100, 2000);
      if (now >= this.stsObserveAt) {
        this.stsObserveAt = undefined;
        sts.status = { ...(sts.status ?? { replicas: 0 }), observedGeneration: sts.metadata!.generation ?? 1, updateRevision: this.revisionOf(sts), replicas: sts.spec?.replicas ?? 0 };
        this.bump('sts', sts.metadata!.name!, sts);
      }
    }
    const replicas = sts.spec?.replicas ?? 0;
    const revision = sts.status?.updateRevision;
    for (const [name, pod] of [...this.pods]) {
      const ordinal = ordinalOf(name, this.cluster) ?? 0;
      if (ordinal >= replicas) this.removePod(name);
      else if (pod.status?.phase === 'Pending' && (this.podRunAt.get(name) ?? Infinity) <= now) {
        this.podRunAt.delete(name);
        pod.status = { phase: 'Running' };
        this.bump('pod', name, pod);
      }
    }
    for (const ordinal of [...this.podCreateAt.keys()]) if (ordinal >= replicas) this.podCreateAt.delete(ordinal);
    if (revision === undefined) return;
    for (let ordinal = 0; ordinal < replicas; ordinal++) {
      const name = podName(this.cluster, ordinal);
      if (this.pods.has(name)) continue;
      const at = this.podCreateAt.get(ordinal);
      if (at === undefined) {
        this.podCreateAt.set(ordinal, now + this.random.between(200, 3000));
        continue;
      }
      if (at > now) continue;
      this.podCreateAt.delete(ordinal);
      const pod: V1Pod = {
        metadata: { name, namespace: NAMESPACE, uid: `pod-uid-${this.uid++}`, labels: { app: this.cluster, 'rss-operator-managed': 'true', [LABEL_REVISION]: revision } },
        status: { phase: 'Pending' },
      };
      this.pods.set(name, pod);
      this.podRunAt.set(name, now + this.random.between(200, 3000));
      this.bump('pod', name, pod);
    }
  }

  /** The pod goes at once (grace period 0): its container, and the application in it, die with it. */
  removePod(name: string): void {
    if (!this.pods.has(name)) return;
    this.pods.delete(name);
    this.podRunAt.delete(name);
    this.onPodGone(name);
    this.bump('pod', name, undefined);
  }

  /** Whether exec into the pod reaches its container now, and if not why. */
  execProblem(name: string): string | undefined {
    if (this.clock.now() < this.faults.execRefusedUntil) return 'exec refused: the API server answered 500';
    const pod = this.pods.get(name);
    if (!pod) return `pods "${name}" not found`;
    if (pod.status?.phase !== 'Running') return `container not running in pod ${name}`;
    return undefined;
  }

  caches(): ClusterCaches {
    return {
      cluster: () => this.cached.rss,
      pods: () => [...this.cached.pods.values()],
      statefulSet: () => this.cached.sts,
      service: () => this.cached.service,
      // No drains here: the budget is applied and read back as it was written; no node is ever cordoned.
      disruptionBudget: () => this.disruptionBudget,
      nodeUnschedulable: () => undefined,
      backups: (): Backup[] => [],
    };
  }

  // --- ClusterWriter

  async applyService(_namespace: string, body: V1Service): Promise<void> {
    this.service = clone(body);
    this.bump('service', body.metadata!.name!, this.service);
  }

  async applyStatefulSet(_namespace: string, body: V1StatefulSet): Promise<void> {
    const before = this.sts;
    const next = clone(body);
    const specChanged = JSON.stringify(before?.spec) !== JSON.stringify(next.spec);
    next.metadata!.generation = (before?.metadata?.generation ?? 0) + (specChanged || !before ? 1 : 0);
    next.status = before?.status ?? { replicas: 0 };
    this.sts = next;
    this.bump('sts', next.metadata!.name!, next);
  }

  async applyPodDisruptionBudget(_namespace: string, body: V1PodDisruptionBudget): Promise<void> {
    this.disruptionBudget = clone(body);
  }

  async deletePodDisruptionBudget(): Promise<void> {
    this.disruptionBudget = undefined;
  }

  /** The member-ready condition: kept on the pod; nothing in the simulation reads it. */
  async setPodCondition(_namespace: string, name: string, condition: V1PodCondition): Promise<void> {
    const pod = this.pods.get(name);
    if (!pod) return;
    const conditions = (pod.status?.conditions ?? []).filter((c) => c.type !== condition.type);
    pod.status = { ...pod.status, conditions: [...conditions, condition] };
    this.bump('pod', name, pod);
  }

  async deletePod(_namespace: string, name: string): Promise<void> {
    this.removePod(name);
  }

  async labelPod(_namespace: string, name: string, labels: Record<string, string>): Promise<void> {
    const pod = this.pods.get(name);
    if (!pod) return;
    pod.metadata!.labels = { ...pod.metadata!.labels, ...labels };
    this.bump('pod', name, pod);
  }

  async patchStatus(_namespace: string, name: string, status: ReplicatedStatefulSetStatus): Promise<boolean> {
    if (name !== this.cluster) return false;
    if (this.clock.now() < this.faults.statusWritesFailUntil) throw new ApiError(this.faults.statusWriteCode, `status write refused (${this.faults.statusWriteCode})`);
    this.rss.status = mergePatch(this.rss.status as unknown as Json, status as unknown as Json) as unknown as ReplicatedStatefulSetStatus;
    this.bump('rss', this.cluster, this.rss);
    return true;
  }

  async removeAnnotation(_namespace: string, name: string, key: string): Promise<void> {
    if (name !== this.cluster) return;
    this.updateRss((rss) => {
      if (rss.metadata.annotations) delete rss.metadata.annotations[key];
    });
  }
}

