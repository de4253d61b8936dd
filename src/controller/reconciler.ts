// The reconciler: one function from "what is" to "what to do next" for one cluster. It observes (caches,
// the operator's own memory of each member, status probes), asks the policy engine for a plan, carries out
// its probes and at most one change at a time, and writes what it learnt to the RSS status. Idempotent and
// level-triggered: running it twice in a row does nothing new the second time.
import type { AppsV1Api, CoreV1Api, CustomObjectsApi, V1Pod, V1Service, V1StatefulSet } from '@kubernetes/client-node';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import {
  ANNOTATION_RESTART,
  ANNOTATION_RESTORE,
  ANNOTATION_SEED_OVERRIDE,
  FIELD_MANAGER,
  GROUP,
  LABEL_ACTIVE_MEMBER,
  LABEL_REVISION,
  LABEL_ROLE,
  PLURAL,
  VERSION,
  memberDns,
  ordinalOf,
  selectorString,
  serviceName,
  statefulSetName,
} from '../api/names.ts';
import { describeProblems, resolveSpec, type ResolvedSpec, type SpecLimits, type SpecProblem } from '../api/spec.ts';
import type { MemberStatus, ReplicatedStatefulSet, ReplicatedStatefulSetStatus, RolloutStatus, StatusCondition } from '../api/types.ts';
import { decide, markFromRead, recordChange, recordRead, describeFailure, succeeded } from '../engine/index.ts';
import type { ChangeAction, CommandOutcome, Condition, MemberObservation, MemberRecord, Observation, Plan, PodView, ReadAction, RolloutHalt, RolloutProgress } from '../engine/types.ts';
import type { EventRecorder, EventType } from '../kube/events.ts';
import type { ExecRequest, ExecStreams } from '../kube/exec.ts';
import { describeError } from '../kube/exec.ts';
import type { OperatorMetrics } from '../manager/metrics.ts';
import { appliedHash, buildService, buildStatefulSet } from './resources.ts';
import type { Backup, RestoreStatus } from '../api/backup-types.ts';
import type { StoreOpener } from './backups.ts';
import { restoreSource, streamRestore, type RestoreSource } from './restore.ts';

/** What the reconciler reads from the informers' caches. */
export interface ClusterCaches {
  cluster(namespace: string, name: string): ReplicatedStatefulSet | undefined;
  pods(namespace: string, name: string): V1Pod[];
  statefulSet(namespace: string, name: string): V1StatefulSet | undefined;
  service(namespace: string, name: string): V1Service | undefined;
  /** Backups in the namespace (to find what a restore names). */
  backups(namespace: string): Backup[];
}

/** A command could not be run at all (exec refused, pod gone, transport error): not the application's fault. */
export class ExecUnavailableError extends Error {
  constructor(member: string, command: string, reason: string) {
    super(`could not run ${command} in ${member}: ${reason}`);
    this.name = 'ExecUnavailableError';
  }
}

export interface CommandRunner {
  run(request: ExecRequest, streams?: ExecStreams): Promise<CommandOutcome>;
}

export interface ReconcilerDeps {
  caches: ClusterCaches;
  core: CoreV1Api;
  apps: AppsV1Api;
  custom: CustomObjectsApi;
  commands: CommandRunner;
  events: EventRecorder;
  metrics: OperatorMetrics;
  log: Logger;
  /** Opens a cluster's backup storage (for restores). */
  openStore: StoreOpener;
  /** What this operator allows beyond the schema (--max-replicas). */
  limits?: SpecLimits;
}

/** What the operator remembers of a cluster between reconciles (loaded from status after a restart). */
interface ClusterMemory {
  records: Map<string, MemberRecord>;
  highestSequence?: number;
  /** When each member lost its running role, for the failover metric. */
  lostAt: Map<string, number>;
  /** The status this process last wrote, so an unchanged one is not written again. */
  lastStatusText?: string;
  /** Hash of the StatefulSet built for this spec generation and size (building it is the costly part). */
  statefulSetHash?: { key: string; desired: V1StatefulSet; hash: string };
  /** The revision of a rolling update not complete yet. */
  rolloutUnderWay?: string;
  /** When a running primary's sequence was last read for the high-water mark. */
  runningSequenceAt?: number;
  /** The halt of the rolling update, as last decided (loaded from status after a restart). */
  rolloutHalt?: RolloutHalt;
  /**
   * The restart request this process carried out and removed: ignored while the cache still shows it, so a
   * stale copy of the RSS does not restart the member a second time.
   */
  restartDone?: string;
  /** The restore asked for in this reconcile, and the object it names. */
  restore?: RestoreSource;
  /** When the restore under way started (for status.restore). */
  restoreStartedAt?: string;
  /** The restore annotation this process carried out and removed (ignored while the cache still shows it). */
  restoreDone?: string;
  /** The restore just completed, for status.restore until the next write. */
  restoreCompleted?: RestoreStatus;
}

/** Probe-and-act rounds in one reconcile before yielding to other clusters. */
const MAX_ROUNDS = 24;
/** Condition reasons that deserve a Warning event when they appear. */
const WARNING_REASONS = new Set(['ValidWithWarnings', 'BootstrapRefused', 'SequenceUnknown', 'SeedOverrideInvalid', 'InvalidSpec', 'MemberFailing', 'SeedFenced', 'RestoreRefused', 'RestoreBlocked', 'RestoreFailed', 'RestoreUnreadable']);

function podView(pod: V1Pod | undefined): PodView {
  if (!pod) return { phase: 'Missing' };
  const view: PodView = { phase: 'Pending' };
  if (pod.metadata?.uid) view.uid = pod.metadata.uid;
  const revision = pod.metadata?.labels?.[LABEL_REVISION];
  if (revision) view.revision = revision;
  if (pod.metadata?.deletionTimestamp) view.phase = 'Terminating';
  else if (pod.status?.phase === 'Running') view.phase = 'Running';
  else if (pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded') view.phase = 'Failed';
  return view;
}

function toRecord(s: MemberStatus): MemberRecord {
  const r: MemberRecord = { name: s.name, role: s.role, failures: s.failures ?? 0, seedFailures: s.seedFailures ?? 0 };
  if (s.podUID) r.podUid = s.podUID;
  if (s.sequence !== undefined) r.sequence = s.sequence;
  if (s.sequenceTime) r.sequenceAt = Date.parse(s.sequenceTime);
  if (s.lastStatus !== undefined) r.lastStatus = s.lastStatus;
  if (s.stopFailed) r.stopFailed = true;
  if (s.lastError) r.lastError = s.lastError;
  if (s.restoreFailures) r.restoreFailures = s.restoreFailures;
  if (s.restoredFrom) r.restoredFrom = s.restoredFrom;
  return r;
}

function toMemberStatus(r: MemberRecord, pod: V1Pod | undefined, fenced: boolean): MemberStatus {
  const s: MemberStatus = { name: r.name, role: r.role, failures: r.failures, seedFailures: r.seedFailures };
  if (r.podUid) s.podUID = r.podUid;
  if (r.sequence !== undefined) s.sequence = r.sequence;
  if (r.sequenceAt !== undefined) s.sequenceTime = new Date(r.sequenceAt).toISOString();
  if (r.lastStatus !== undefined) s.lastStatus = r.lastStatus;
  if (r.stopFailed) s.stopFailed = true;
  if (r.lastError) s.lastError = r.lastError;
  const revision = pod?.metadata?.labels?.[LABEL_REVISION];
  if (revision) s.revision = revision;
  if (fenced) s.fenced = true;
  if (r.restoreFailures) s.restoreFailures = r.restoreFailures;
  if (r.restoredFrom) s.restoredFrom = r.restoredFrom;
  return s;
}

/** Status is written by merge patch: a field that is no longer true is sent as null, which removes it. */
function toRolloutStatus(r: RolloutProgress): RolloutStatus {
  return {
    revision: r.revision,
    updated: r.updated,
    total: r.total,
    state: r.state,
    skipped: r.skipped.length > 0 ? r.skipped : null,
    halted: r.halted ? { member: r.halted.member, revision: r.halted.revision, reason: r.halted.reason, time: new Date(r.halted.at).toISOString() } : null,
  };
}

function haltFromStatus(rss: ReplicatedStatefulSet): RolloutHalt | undefined {
  const h = rss.status?.rollout?.halted;
  if (!h?.member || !h.revision) return undefined;
  const at = Date.parse(h.time);
  return { member: h.member, revision: h.revision, reason: h.reason ?? '', at: Number.isNaN(at) ? Date.now() : at };
}

/** The StatefulSet's update revision, once its controller has seen the current template. */
function updateRevisionOf(sts: V1StatefulSet | undefined): string | undefined {
  if (!sts?.status?.updateRevision) return undefined;
  if ((sts.status.observedGeneration ?? 0) < (sts.metadata?.generation ?? 0)) return undefined;
  return sts.status.updateRevision;
}

function statusCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}

export class Reconciler {
  private readonly d: ReconcilerDeps;
  private readonly memory = new Map<string, ClusterMemory>();
  /** Per cluster, events recorded and not yet known to be written (EventRecorder.record never rejects). */
  private readonly pendingEvents = new Map<string, Promise<void>[]>();

  constructor(deps: ReconcilerDeps) {
    this.d = deps;
  }

  /** Forgets everything about clusters (on losing leadership: the next leader starts from the status). */
  reset(): void {
    this.memory.clear();
  }

  async reconcile(namespace: string, name: string): Promise<{ requeueAfterMs?: number }> {
    const rss = this.d.caches.cluster(namespace, name);
    if (!rss || rss.metadata.deletionTimestamp) {
      // Deleted: the garbage collector removes the children through their ownerReferences.
      for (const key of this.memory.keys()) if (key.startsWith(`${namespace}/${name}/`)) this.memory.delete(key);
      return {};
    }
    const started = performance.now();
    try {
      const resolved = resolveSpec(rss, this.d.limits);
      if (!resolved.ok) {
        await this.reportInvalidSpec(rss, resolved.problems);
        return {};
      }
      return await this.reconcileValid(rss, resolved.spec);
    } catch (error) {
      if (error instanceof ExecUnavailableError) await this.reportExecUnavailable(rss, error);
      throw error;
    } finally {
      await this.flushEvents(namespace, name);
      this.d.metrics.reconcileDuration.observe((performance.now() - started) / 1000);
    }
  }

  private memoryOf(rss: ReplicatedStatefulSet): ClusterMemory {
    const key = `${rss.metadata.namespace}/${rss.metadata.name}/${rss.metadata.uid}`;
    let memory = this.memory.get(key);
    if (!memory) {
      memory = { records: new Map((rss.status?.memberStatus ?? []).map((s) => [s.name, toRecord(s)])), lostAt: new Map() };
      if (rss.status?.highestSequence !== undefined) memory.highestSequence = rss.status.highestSequence;
      const halt = haltFromStatus(rss);
      if (halt) memory.rolloutHalt = halt;
      const rollout = rss.status?.rollout;
      if (rollout?.revision && rollout.state !== 'Complete') memory.rolloutUnderWay = rollout.revision;
      this.memory.set(key, memory);
    }
    return memory;
  }

  private observe(rss: ReplicatedStatefulSet, spec: ResolvedSpec, memory: ClusterMemory): { observation: Observation; pods: Map<string, V1Pod> } {
    const n = rss.metadata.name!;
    const pods = new Map<string, V1Pod>();
    for (const pod of this.d.caches.pods(rss.metadata.namespace!, n)) {
      const ordinal = ordinalOf(pod.metadata!.name!, n);
      if (ordinal !== undefined) pods.set(pod.metadata!.name!, pod);
    }
    const ordinals = new Set<number>();
    for (let i = 0; i < spec.policy.replicas; i++) ordinals.add(i);
    for (const podName of [...pods.keys(), ...memory.records.keys()]) {
      const ordinal = ordinalOf(podName, n);
      if (ordinal !== undefined) ordinals.add(ordinal);
    }
    const members: MemberObservation[] = [...ordinals]
      .sort((a, b) => a - b)
      .map((ordinal) => {
        const name = `${statefulSetName(n)}-${ordinal}`;
        return { name, ordinal, pod: podView(pods.get(name)), record: memory.records.get(name) ?? { name, role: 'unknown', failures: 0, seedFailures: 0 } };
      });
    const sts = this.d.caches.statefulSet(rss.metadata.namespace!, statefulSetName(n));
    const observation: Observation = { now: Date.now(), members, statefulSetReplicas: sts?.spec?.replicas ?? 0 };
    if (memory.highestSequence !== undefined) observation.highestSequence = memory.highestSequence;
    const updateRevision = updateRevisionOf(sts);
    if (updateRevision !== undefined) observation.updateRevision = updateRevision;
    if (memory.rolloutHalt !== undefined) observation.rolloutHalt = memory.rolloutHalt;
    if (memory.rolloutUnderWay !== undefined) observation.rolloutUnderWay = memory.rolloutUnderWay;
    if (memory.runningSequenceAt !== undefined) observation.runningSequenceAt = memory.runningSequenceAt;
    if (rss.status?.lastBootstrap !== undefined) observation.bootstrapped = true;
    return { observation, pods };
  }

  private async reconcileValid(rss: ReplicatedStatefulSet, spec: ResolvedSpec): Promise<{ requeueAfterMs?: number }> {
    const memory = this.memoryOf(rss);
    if (memory.restartDone !== undefined) {
      if (spec.policy.restart === memory.restartDone) delete spec.policy.restart;
      else delete memory.restartDone;
    }
    if (memory.restoreDone !== undefined) {
      if (spec.restoreAnnotation === memory.restoreDone) delete spec.restoreAnnotation;
      else delete memory.restoreDone;
    }
    const source = restoreSource(rss, spec, this.d.caches.backups(rss.metadata.namespace!));
    if (source !== undefined) {
      memory.restore = source;
      spec.policy.restore = source.request;
    } else delete memory.restore;
    await this.ensureService(rss, spec);
    let plan: Plan | undefined;
    let pods = new Map<string, V1Pod>();
    let changed = false;
    let lastBootstrap = rss.status?.lastBootstrap;
    let stop = false;
    let stale = false; // members were read after the last decision

    for (let round = 0; round < MAX_ROUNDS && !stop; round++) {
      const observed = this.observe(rss, spec, memory);
      pods = observed.pods;
      plan = decide(spec.policy, observed.observation);
      this.remember(memory, plan);
      if (plan.restartDropped !== undefined && spec.policy.restart !== undefined) {
        this.event(rss, 'Warning', 'RestartIgnored', `Restart of ${spec.policy.restart} not carried out: ${plan.restartDropped}; the ${ANNOTATION_RESTART} annotation is removed`);
        await this.finishRestart(rss, spec, memory);
      }
      if (plan.restoreDropped !== undefined && spec.restoreAnnotation !== undefined) {
        this.event(rss, 'Warning', 'RestoreIgnored', `Restore of ${spec.restoreAnnotation} not carried out: ${plan.restoreDropped}; the ${ANNOTATION_RESTORE} annotation is removed`);
        await this.finishRestore(rss, spec, memory);
      }
      await this.ensureStatefulSet(rss, spec, plan.statefulSetReplicas, memory);

      if (plan.reads.length > 0) {
        await Promise.all(plan.reads.map((read) => this.runRead(rss, spec, memory, read)));
        stale = true;
        continue;
      }
      stale = false;
      if (!plan.change) break;
      changed = true;
      const result = await this.runChange(rss, spec, memory, plan.change);
      if (result.bootstrap) lastBootstrap = result.bootstrap;
      // A deleted pod must be seen gone (and recreated) through the watch before anything else is decided.
      stop = plan.change.kind === 'deletePod' || !result.ok;
      // The status shows the change at once, its conditions judged from the members as they are after it,
      // not as they were before. Deciding is pure: this plan is only looked at, not acted on.
      ({ plan, pods } = this.view(rss, spec, memory));
      await this.writeStatus(rss, spec, memory, plan, pods, lastBootstrap);
    }
    if (!plan) return {};
    if (stale) ({ plan, pods } = this.view(rss, spec, memory));
    await Promise.all([this.syncPodLabels(rss, pods, memory), this.writeStatus(rss, spec, memory, plan, pods, lastBootstrap)]);
    if (plan.reads.length > 0 || (plan.change && !stop)) return { requeueAfterMs: 0 };
    return { requeueAfterMs: changed && stop ? Math.min(plan.requeueAfterMs, 1000) : plan.requeueAfterMs };
  }

  /** What the engine makes of the cluster as it is now, for the status; nothing is remembered or done. */
  private view(rss: ReplicatedStatefulSet, spec: ResolvedSpec, memory: ClusterMemory): { plan: Plan; pods: Map<string, V1Pod> } {
    const observed = this.observe(rss, spec, memory);
    return { plan: decide(spec.policy, observed.observation), pods: observed.pods };
  }

  private remember(memory: ClusterMemory, plan: Plan): void {
    const previous = memory.records;
    memory.records = new Map(plan.records.map((r) => [r.name, r]));
    // lastStatusAt lives only in memory; decide() carries it through, but keep it should a fresh copy lack it.
    for (const [name, r] of memory.records) {
      const before = previous.get(name);
      if (r.lastStatusAt === undefined && before?.lastStatusAt !== undefined && before.podUid === r.podUid && before.role === r.role) {
        r.lastStatusAt = before.lastStatusAt;
      }
    }
    if (plan.highestSequence !== undefined) memory.highestSequence = plan.highestSequence;
    // While the update revision is unknown (the StatefulSet controller catching up), a halt is kept as is.
    if (plan.rollout !== undefined) {
      if (plan.rollout.halted !== undefined) memory.rolloutHalt = plan.rollout.halted;
      else delete memory.rolloutHalt;
      if (plan.rollout.state === 'Complete') delete memory.rolloutUnderWay;
      else memory.rolloutUnderWay = plan.rollout.revision;
    }
    this.trackFailover(memory, memory.records, previous);
  }

  /** Failover time: from a member leaving its running role (pod gone, status failed) to running again. */
  private trackFailover(memory: ClusterMemory, records: Iterable<[string, MemberRecord]>, previous: Map<string, MemberRecord>): void {
    const running = (r: MemberRecord | undefined) => r?.role === 'primary' || r?.role === 'secondary';
    const now = Date.now();
    for (const [name, r] of records) {
      if (running(previous.get(name)) && !running(r) && !memory.lostAt.has(name)) memory.lostAt.set(name, now);
      const lost = memory.lostAt.get(name);
      if (running(r) && lost !== undefined) {
        this.d.metrics.failoverDuration.observe((now - lost) / 1000);
        memory.lostAt.delete(name);
      }
    }
  }

  private setRecord(memory: ClusterMemory, record: MemberRecord): void {
    const before = memory.records.get(record.name);
    const previous = new Map(before ? [[record.name, before]] : []);
    memory.records.set(record.name, record);
    this.trackFailover(memory, [[record.name, record]], previous);
  }

  private peers(rss: ReplicatedStatefulSet, memory: ClusterMemory, except: string): string[] {
    const n = rss.metadata.name!;
    const pods = this.d.caches.pods(rss.metadata.namespace!, n);
    const running = new Set(pods.filter((p) => podView(p).phase === 'Running').map((p) => p.metadata!.name!));
    return [...memory.records.values()]
      .filter((r) => r.role === 'primary' && r.name !== except && running.has(r.name))
      .sort((a, b) => (ordinalOf(a.name, n) ?? 0) - (ordinalOf(b.name, n) ?? 0))
      .map((r) => memberDns(r.name, n));
  }

  private async runCommand(rss: ReplicatedStatefulSet, spec: ResolvedSpec, member: string, command: keyof ResolvedSpec['commands'], argv: string[], timeoutMs: number): Promise<CommandOutcome> {
    const started = performance.now();
    const outcome = await this.d.commands.run({
      namespace: rss.metadata.namespace!,
      pod: member,
      container: spec.pod.containers[0]!.name,
      argv,
      timeoutMs,
    });
    const ok = outcome.error === undefined && !outcome.timedOut;
    const result = outcome.timedOut ? 'timeout' : !ok ? 'error' : String(outcome.exitCode);
    if (outcome.error !== undefined && !outcome.timedOut) {
      // Exec itself failed: nothing is known about the application, so nothing is recorded or acted on;
      // the reconcile fails and is retried with backoff.
      this.d.metrics.commandFailures.inc({ command });
      this.event(rss, 'Warning', 'ExecFailed', `Could not run ${command} in ${member}: ${outcome.error}`);
      throw new ExecUnavailableError(member, command, outcome.error);
    }
    this.d.metrics.commandDuration.observe({ command, result }, (performance.now() - started) / 1000);
    const expected = command === 'status' ? [0, 7, 8] : [0];
    if (!ok || !expected.includes(outcome.exitCode ?? -1)) this.d.metrics.commandFailures.inc({ command });
    this.d.log.debug({ rss: `${rss.metadata.namespace}/${rss.metadata.name}`, member, command, argv, exitCode: outcome.exitCode, timedOut: outcome.timedOut, error: outcome.error }, 'command finished');
    return outcome;
  }

  private async runRead(rss: ReplicatedStatefulSet, spec: ResolvedSpec, memory: ClusterMemory, read: ReadAction): Promise<void> {
    if (read.kind === 'runningSequence') {
      const command = spec.commands.sequence;
      const outcome = await this.runCommand(rss, spec, read.member, 'sequence', [...command.argv, ...this.peers(rss, memory, read.member)], command.timeoutMs);
      memory.runningSequenceAt = Date.now();
      const value = markFromRead(outcome);
      // An application whose sequence cannot answer while running simply leaves the mark where it is.
      if (value === null) this.d.log.debug({ rss: `${rss.metadata.namespace}/${rss.metadata.name}`, member: read.member }, 'no sequence from a running primary');
      else if (memory.highestSequence === undefined || value > memory.highestSequence) memory.highestSequence = value;
      return;
    }
    const command = spec.commands[read.kind];
    const outcome = await this.runCommand(rss, spec, read.member, read.kind, [...command.argv, ...this.peers(rss, memory, read.member)], command.timeoutMs);
    const before = memory.records.get(read.member) ?? { name: read.member, role: 'unknown' as const, failures: 0, seedFailures: 0 };
    const after = recordRead(before, read, outcome, spec.policy, Date.now());
    this.setRecord(memory, after);
    if (read.kind === 'status' && after.role === 'failed' && before.role !== 'failed') {
      this.event(rss, 'Warning', 'MemberFailed', `${read.member}: ${after.lastError ?? describeFailure('status', outcome)}`);
    }
    if (read.kind === 'sequence' && after.sequence === null) {
      this.event(rss, 'Warning', 'SequenceUnknown', `${read.member}: ${describeFailure('sequence', outcome)}; its sequence is unknown, so it cannot be compared`);
    }
  }

  private async runChange(rss: ReplicatedStatefulSet, spec: ResolvedSpec, memory: ClusterMemory, change: ChangeAction): Promise<{ ok: boolean; bootstrap?: ReplicatedStatefulSetStatus['lastBootstrap'] }> {
    const member = change.member;
    const log = this.d.log.child({ rss: `${rss.metadata.namespace}/${rss.metadata.name}`, member, action: change.kind });
    if (change.kind === 'deletePod') {
      log.info({ reason: change.reason }, 'deleting member pod');
      try {
        await this.d.core.deleteNamespacedPod({ name: member, namespace: rss.metadata.namespace!, gracePeriodSeconds: 0 });
      } catch (error) {
        if (statusCode(error) !== 404) throw error;
      }
      const before = memory.records.get(member);
      if (before) memory.records.set(member, recordChange(before, change, { exitCode: 0, timedOut: false, stdout: '', stderr: '' }, spec.policy, Date.now()));
      if (change.cause === 'rollout') this.event(rss, 'Normal', 'MemberUpdating', `Deleted pod ${member} so that it is recreated from the current template: ${change.reason}`);
      else this.event(rss, 'Warning', 'MemberReplaced', `Deleted pod ${member} so that it is recreated: ${change.reason}`);
      return { ok: true };
    }

    if (change.kind === 'restore') return await this.runRestore(rss, spec, memory, change);

    const peers = this.peers(rss, memory, member);
    let command: keyof ResolvedSpec['commands'];
    let argv: string[];
    let timeoutMs: number;
    switch (change.kind) {
      case 'seed': {
        const seed = spec.commands.seed;
        command = seed ? 'seed' : 'primary';
        argv = [...(seed ?? spec.commands.primary).argv, ...peers];
        timeoutMs = (seed ?? spec.commands.primary).timeoutMs;
        break;
      }
      case 'join': {
        const c = change.as === 'secondary' && spec.commands.secondary ? spec.commands.secondary : spec.commands.primary;
        command = change.as === 'secondary' && spec.commands.secondary ? 'secondary' : 'primary';
        argv = [...c.argv, ...peers];
        timeoutMs = c.timeoutMs;
        break;
      }
      case 'stop':
        command = 'stop';
        argv = [...spec.commands.stop.argv, ...peers];
        timeoutMs = spec.commands.stop.timeoutMs;
        break;
    }
    log.info({ command, argv, reason: 'reason' in change ? change.reason : undefined }, `running ${command}`);
    const outcome = await this.runCommand(rss, spec, member, command, argv, timeoutMs);
    const before = memory.records.get(member) ?? { name: member, role: 'unknown' as const, failures: 0, seedFailures: 0 };
    const after = recordChange(before, change, outcome, spec.policy, Date.now());
    this.setRecord(memory, after);
    const ok = succeeded(outcome);
    log.info({ ok, exitCode: outcome.exitCode, timedOut: outcome.timedOut, error: outcome.error }, `${command} ${ok ? 'succeeded' : 'failed'}`);

    switch (change.kind) {
      case 'seed': {
        if (!ok) {
          this.event(rss, 'Warning', 'SeedFailed', `Seeding ${member} failed: ${describeFailure(command, outcome)}; it will be retried (only members at the highest sequence are tried)`);
          return { ok };
        }
        const how = change.override ? ` on the ${ANNOTATION_SEED_OVERRIDE} annotation` : change.restoredFrom !== undefined ? `, restored from backup ${change.restoredFrom}` : '';
        if (change.restoredFrom !== undefined) {
          // The restored data is the cluster's now: the mark starts again from it.
          memory.highestSequence = change.sequence ?? 0;
          this.d.metrics.restores.inc({ cluster: `${rss.metadata.namespace}/${rss.metadata.name}`, result: 'seeded' });
          await this.finishRestore(rss, spec, memory, change.restoredFrom, change.sequence);
        }
        if (change.override) {
          // The person accepted this member's data as the cluster's: the mark starts again from it, so the
          // old history's higher numbers do not refuse every later bootstrap.
          // (0 when the seeded member's sequence was unknown: nothing can be below it.)
          memory.highestSequence = change.sequence ?? 0;
        }
        this.event(rss, 'Normal', 'Seeded', `Started a new cluster from ${member} (sequence ${change.sequence ?? 'unknown'})${how}`);
        if (change.override) await this.clearSeedOverride(rss);
        return { ok, bootstrap: { pod: member, sequence: change.sequence, time: new Date().toISOString(), override: change.override } };
      }
      case 'join':
        this.event(rss, ok ? 'Normal' : 'Warning', ok ? 'MemberJoined' : 'JoinFailed', ok ? `${member} joined as ${change.as}${peers.length ? ` (peers: ${peers.join(' ')})` : ''}` : `${member} failed to join as ${change.as}: ${describeFailure(command, outcome)}`);
        return { ok };
      case 'stop': {
        if (change.cause === 'restart') await this.finishRestart(rss, spec, memory);
        const reason = change.cause === 'fence' && ok ? 'MemberFenced' : ok ? 'MemberStopped' : 'StopFailed';
        const consequence = change.cause === 'fence' ? 'it is fenced, so its pod is left in place' : 'its pod will be replaced';
        this.event(rss, ok ? 'Normal' : 'Warning', reason, ok ? `Stopped ${member}: ${change.reason}` : `Stopping ${member} failed (${describeFailure('stop', outcome)}); ${consequence}`);
        return { ok };
      }
    }
  }

  /** Streams the backup into the member's restore command and folds the outcome into its record. */
  private async runRestore(rss: ReplicatedStatefulSet, spec: ResolvedSpec, memory: ClusterMemory, change: Extract<ChangeAction, { kind: 'restore' }>): Promise<{ ok: boolean }> {
    const member = change.member;
    const objectKey = memory.restore?.objectKey;
    memory.restoreStartedAt ??= new Date().toISOString();
    this.event(rss, 'Normal', 'Restoring', `Restoring backup ${change.backup}${objectKey ? ` (${objectKey})` : ''} into ${member}`);
    this.d.log.info({ rss: `${rss.metadata.namespace}/${rss.metadata.name}`, member, backup: change.backup, objectKey }, 'restoring');
    // A restore may take as long as the backup's size asks: say so while it runs.
    if (memory.restore !== undefined) {
      const restoring: RestoreStatus = {
        backup: change.backup,
        requestedBy: memory.restore.request.via,
        phase: 'Restoring',
        member,
        message: `streaming backup ${change.backup} into ${member}'s restore command`,
        startedAt: memory.restoreStartedAt,
        ...(objectKey ? { objectKey } : {}),
      };
      await this.patchStatus(rss, { ...rss.status, restore: restoring });
    }
    const started = performance.now();
    const outcome = objectKey === undefined
      ? { exitCode: null, timedOut: false, stdout: '', stderr: '', error: `backup ${change.backup} names no object` }
      : await streamRestore(rss, spec, member, objectKey, this.d.openStore, this.d.commands);
    const before = memory.records.get(member) ?? { name: member, role: 'stopped' as const, failures: 0, seedFailures: 0 };
    const after = recordChange(before, change, outcome, spec.policy, Date.now());
    this.setRecord(memory, after);
    const ok = succeeded(outcome);
    const cluster = `${rss.metadata.namespace}/${rss.metadata.name}`;
    this.d.metrics.restores.inc({ cluster, result: ok ? 'restored' : 'failed' });
    this.d.log.info({ rss: cluster, member, backup: change.backup, ok, seconds: (performance.now() - started) / 1000, error: outcome.error, exitCode: outcome.exitCode }, 'restore finished');
    if (ok) this.event(rss, 'Normal', 'Restored', `Restored backup ${change.backup} into ${member} in ${((performance.now() - started) / 1000).toFixed(1)} s; its sequence is read before it is seeded`);
    else this.event(rss, 'Warning', 'RestoreFailed', `Restoring backup ${change.backup} into ${member} failed: ${describeFailure('restore', outcome)}; it is not seeded, and the restore is retried`);
    return { ok };
  }

  /** The restore is done (or dropped): remove the annotation that asked for it, and record it in status. */
  private async finishRestore(rss: ReplicatedStatefulSet, spec: ResolvedSpec, memory: ClusterMemory, backup?: string, sequence?: number | null): Promise<void> {
    if (backup !== undefined && memory.restore !== undefined) {
      const done: RestoreStatus = {
        backup,
        requestedBy: memory.restore.request.via,
        phase: 'Completed',
        ...(memory.restore.objectKey ? { objectKey: memory.restore.objectKey } : {}),
        ...(sequence !== undefined ? { sequence } : {}),
        message: `restored from backup ${backup} and seeded${sequence !== undefined && sequence !== null ? ` at sequence ${sequence}` : ''}`,
        ...(memory.restoreStartedAt ? { startedAt: memory.restoreStartedAt } : {}),
        completedAt: new Date().toISOString(),
      };
      memory.restoreCompleted = done;
      delete memory.restoreStartedAt;
    }
    if (spec.restoreAnnotation === undefined) return;
    memory.restoreDone = spec.restoreAnnotation;
    delete spec.restoreAnnotation;
    await this.removeAnnotation(rss, ANNOTATION_RESTORE);
  }

  private async clearSeedOverride(rss: ReplicatedStatefulSet): Promise<void> {
    await this.removeAnnotation(rss, ANNOTATION_SEED_OVERRIDE);
  }

  /** The restart request was carried out (or dropped): remove it, and ignore it while the cache still shows it. */
  private async finishRestart(rss: ReplicatedStatefulSet, spec: ResolvedSpec, memory: ClusterMemory): Promise<void> {
    if (spec.policy.restart === undefined) return;
    memory.restartDone = spec.policy.restart;
    delete spec.policy.restart;
    await this.removeAnnotation(rss, ANNOTATION_RESTART);
  }

  private async removeAnnotation(rss: ReplicatedStatefulSet, key: string): Promise<void> {
    try {
      await this.d.custom.patchNamespacedCustomObject(
        { group: GROUP, version: VERSION, namespace: rss.metadata.namespace!, plural: PLURAL, name: rss.metadata.name!, body: { metadata: { annotations: { [key]: null } } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    } catch (error) {
      this.d.log.warn({ err: describeError(error), annotation: key }, 'could not remove the annotation');
    }
  }

  private async ensureService(rss: ReplicatedStatefulSet, spec: ResolvedSpec): Promise<void> {
    const desired = buildService(rss, spec);
    const current = this.d.caches.service(rss.metadata.namespace!, serviceName(rss.metadata.name!));
    if (current && appliedHash(current) === appliedHash(desired)) return;
    await this.apply('services', rss.metadata.namespace!, desired.metadata!.name!, desired);
  }

  private async ensureStatefulSet(rss: ReplicatedStatefulSet, spec: ResolvedSpec, replicas: number, memory: ClusterMemory): Promise<void> {
    const current = this.d.caches.statefulSet(rss.metadata.namespace!, statefulSetName(rss.metadata.name!));
    // The StatefulSet depends only on the spec (its generation) and the size: build and hash it once per change.
    const key = `${rss.metadata.generation ?? 0}/${replicas}`;
    if (memory.statefulSetHash?.key !== key) {
      const desired = buildStatefulSet(rss, spec, replicas);
      memory.statefulSetHash = { key, desired, hash: appliedHash(desired) ?? '' };
    }
    const { desired, hash } = memory.statefulSetHash;
    if (current && appliedHash(current) === hash && current.spec?.replicas === replicas) return;
    await this.apply('statefulsets', rss.metadata.namespace!, desired.metadata!.name!, desired);
  }

  /** Server-side apply: the operator owns exactly the fields it sets, and re-applying is harmless. */
  private async apply(kind: 'services' | 'statefulsets', namespace: string, name: string, body: object): Promise<void> {
    if (kind === 'services') {
      await this.d.core.patchNamespacedService({ name, namespace, body, fieldManager: FIELD_MANAGER, force: true }, setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply));
    } else {
      await this.d.apps.patchNamespacedStatefulSet({ name, namespace, body, fieldManager: FIELD_MANAGER, force: true }, setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply));
    }
    this.d.log.debug({ kind, namespace, name }, 'applied');
  }

  private async syncPodLabels(rss: ReplicatedStatefulSet, pods: Map<string, V1Pod>, memory: ClusterMemory): Promise<void> {
    await Promise.all(
      [...pods.values()].map(async (pod) => {
        if (pod.metadata?.deletionTimestamp) return;
        const record = memory.records.get(pod.metadata!.name!);
        if (!record || record.podUid !== pod.metadata?.uid) return;
        const role = record.role;
        const active = role === 'primary' || role === 'secondary' ? 'true' : 'false';
        const labels = pod.metadata?.labels ?? {};
        if (labels[LABEL_ROLE] === role && labels[LABEL_ACTIVE_MEMBER] === active) return;
        try {
          await this.d.core.patchNamespacedPod(
            { name: pod.metadata!.name!, namespace: rss.metadata.namespace!, body: { metadata: { labels: { [LABEL_ROLE]: role, [LABEL_ACTIVE_MEMBER]: active } } } },
            setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
          );
        } catch (error) {
          if (statusCode(error) !== 404) throw error;
        }
      }),
    );
  }

  private buildStatus(rss: ReplicatedStatefulSet, spec: ResolvedSpec, memory: ClusterMemory, plan: Plan, pods: Map<string, V1Pod>, lastBootstrap: ReplicatedStatefulSetStatus['lastBootstrap']): ReplicatedStatefulSetStatus {
    const n = rss.metadata.name!;
    const records = [...memory.records.values()].sort((a, b) => (ordinalOf(a.name, n) ?? 0) - (ordinalOf(b.name, n) ?? 0));
    const existing = records.filter((r) => pods.has(r.name));
    const names = (roles: string[]) => existing.filter((r) => roles.includes(r.role)).map((r) => r.name);
    const ready = names(['primary', 'secondary']);
    const conditions: Condition[] = [spec.warnings.length
        ? { type: 'SpecValid', status: 'True', reason: 'ValidWithWarnings', message: `Accepted with warnings: ${describeProblems(spec.warnings)}` }
        : { type: 'SpecValid', status: 'True', reason: 'Valid', message: 'The spec is valid' }, ...plan.conditions];
    const status: ReplicatedStatefulSetStatus = {
      phase: plan.phase,
      replicas: pods.size,
      restoreReplicas: rss.status?.restoreReplicas ?? 0,
      members: {
        ready,
        unready: existing.filter((r) => !ready.includes(r.name)).map((r) => r.name),
        primary: names(['primary']),
        secondary: names(['secondary']),
        failed: names(['failed']),
        stopped: names(['stopped', 'unknown']),
      },
      observedGeneration: rss.metadata.generation ?? 0,
      conditions: this.withTransitionTimes(rss, conditions),
      readyReplicas: ready.length,
      primaryReplicas: names(['primary']).length,
      selector: selectorString(n),
      memberStatus: records.map((r) => toMemberStatus(r, pods.get(r.name), spec.policy.fenced.includes(r.name))),
    };
    if (memory.highestSequence !== undefined) status.highestSequence = memory.highestSequence;
    if (lastBootstrap) status.lastBootstrap = lastBootstrap;
    if (plan.restore !== undefined && memory.restore !== undefined) {
      const r = plan.restore;
      status.restore = {
        backup: r.backup,
        requestedBy: r.via,
        phase: r.phase,
        message: r.message,
        ...(memory.restore.objectKey ? { objectKey: memory.restore.objectKey } : {}),
        ...(r.member ? { member: r.member } : {}),
        ...(memory.restoreStartedAt ? { startedAt: memory.restoreStartedAt } : {}),
      };
    } else if (memory.restoreCompleted !== undefined) {
      status.restore = memory.restoreCompleted;
    } else if (rss.status?.restore) {
      status.restore = rss.status.restore;
    }
    if (plan.rollout) {
      status.updateRevision = plan.rollout.revision;
      status.updatedReplicas = plan.rollout.updated;
      status.rollout = toRolloutStatus(plan.rollout);
    } else if (rss.status?.rollout) {
      // The StatefulSet controller has not caught up with a template change yet: keep what was known.
      status.rollout = rss.status.rollout;
      if (rss.status.updateRevision) status.updateRevision = rss.status.updateRevision;
      if (rss.status.updatedReplicas !== undefined) status.updatedReplicas = rss.status.updatedReplicas;
    }
    return status;
  }

  private withTransitionTimes(rss: ReplicatedStatefulSet, conditions: Condition[]): StatusCondition[] {
    const previous = new Map((rss.status?.conditions ?? []).map((c) => [c.type, c]));
    const now = new Date().toISOString();
    return conditions.map((c) => {
      const before = previous.get(c.type);
      return { ...c, lastTransitionTime: before && before.status === c.status ? before.lastTransitionTime : now, observedGeneration: rss.metadata.generation ?? 0 };
    });
  }

  private async writeStatus(rss: ReplicatedStatefulSet, spec: ResolvedSpec, memory: ClusterMemory, plan: Plan, pods: Map<string, V1Pod>, lastBootstrap: ReplicatedStatefulSetStatus['lastBootstrap']): Promise<void> {
    const status = this.buildStatus(rss, spec, memory, plan, pods, lastBootstrap);
    await this.announceConditions(rss, status.conditions ?? []);
    await this.announceRollout(rss, status.rollout);
    await this.patchStatus(rss, status);
  }

  private async patchStatus(rss: ReplicatedStatefulSet, status: ReplicatedStatefulSetStatus): Promise<void> {
    const memory = this.memoryOf(rss);
    const text = JSON.stringify(status);
    if (text === (memory.lastStatusText ?? JSON.stringify(rss.status ?? {}))) return;
    try {
      // A merge patch of the status subresource: no read-modify-write, so no conflict to lose.
      await this.d.custom.patchNamespacedCustomObjectStatus(
        { group: GROUP, version: VERSION, namespace: rss.metadata.namespace!, plural: PLURAL, name: rss.metadata.name!, body: { status }, fieldManager: FIELD_MANAGER },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      memory.lastStatusText = text;
      // Keep the cached object's conditions current for the next transition-time comparison.
      rss.status = status;
    } catch (error) {
      if (statusCode(error) === 404) return; // deleted meanwhile
      throw error;
    }
  }

  private async announceConditions(rss: ReplicatedStatefulSet, conditions: StatusCondition[]): Promise<void> {
    const previous = new Map((rss.status?.conditions ?? []).map((c) => [c.type, c]));
    for (const c of conditions) {
      const before = previous.get(c.type);
      if (WARNING_REASONS.has(c.reason) && (before?.reason !== c.reason || before.message !== c.message)) {
        this.event(rss, 'Warning', c.reason, c.message);
      }
    }
  }

  /** Events for the rolling update's transitions, judged against the status last written (restart-safe). */
  private async announceRollout(rss: ReplicatedStatefulSet, now: RolloutStatus | undefined): Promise<void> {
    if (!now) return;
    const before = rss.status?.rollout;
    const counts = `${now.updated} of ${now.total} members run revision ${now.revision}`;
    if (now.state === 'Halted' && now.halted && (before?.state !== 'Halted' || before.halted?.member !== now.halted.member || before.revision !== now.revision)) {
      this.event(rss, 'Warning', 'RolloutHalted', `Rolling update halted: ${now.halted.member} failed on revision ${now.revision} (${now.halted.reason}); ${counts}. It resumes when ${now.halted.member} runs healthy again or the pod template is changed`);
    } else if (now.state === 'RollingUpdate' && (before === undefined || before.revision !== now.revision || before.state === 'Complete')) {
      this.event(rss, 'Normal', 'RollingUpdate', `Rolling update to revision ${now.revision} started: ${counts}; members are replaced one at a time, secondaries first`);
    } else if (now.state === 'RollingUpdate' && before?.state === 'Halted' && before.revision === now.revision) {
      this.event(rss, 'Normal', 'RollingUpdate', `Rolling update to revision ${now.revision} resumed: ${counts}`);
    } else if (now.state === 'Complete' && before !== undefined && before.state !== 'Complete') {
      this.event(rss, 'Normal', 'RolloutComplete', `Rolling update complete: ${counts}${now.skipped?.length ? ` (fenced, not updated: ${now.skipped.join(', ')})` : ''}`);
    }
  }

  /**
   * The operator cannot run commands at all (exec refused, transport down): say so in Progressing, so that
   * `kubectl get rss -o yaml` shows why nothing moves; the rest of the status is left as it was.
   */
  private async reportExecUnavailable(rss: ReplicatedStatefulSet, error: ExecUnavailableError): Promise<void> {
    const condition: Condition = {
      type: 'Progressing',
      status: 'False',
      reason: 'ExecFailed',
      message: `${error.message}; nothing is decided about the members until commands can run (retried with backoff; check the operator's RBAC for pods/exec and the pods' state)`,
    };
    const [stamped] = this.withTransitionTimes(rss, [condition]);
    // The rest describes the pods as they are now, with what is known of each member (not the status of
    // an earlier moment, which may say the pods are missing while they run).
    let base = rss.status;
    const resolved = resolveSpec(rss, this.d.limits);
    if (resolved.ok) {
      const memory = this.memoryOf(rss);
      const { plan, pods } = this.view(rss, resolved.spec, memory);
      base = this.buildStatus(rss, resolved.spec, memory, plan, pods, rss.status?.lastBootstrap);
    }
    const kept = (base?.conditions ?? []).filter((c) => c.type !== 'Progressing');
    try {
      await this.patchStatus(rss, { ...base, conditions: [...kept, stamped!] });
    } catch (patchError) {
      this.d.log.warn({ err: describeError(patchError) }, 'could not report the exec failure in status');
    }
  }

  private async reportInvalidSpec(rss: ReplicatedStatefulSet, problems: SpecProblem[]): Promise<void> {
    const message = describeProblems(problems);
    const conditions: StatusCondition[] = this.withTransitionTimes(rss, [
      { type: 'SpecValid', status: 'False', reason: 'InvalidSpec', message: `${message}; no action is taken on this cluster until the spec is fixed` },
    ]);
    const kept = (rss.status?.conditions ?? []).filter((c) => c.type !== 'SpecValid');
    await this.announceConditions(rss, conditions);
    await this.patchStatus(rss, { ...rss.status, phase: 'Invalid', observedGeneration: rss.metadata.generation ?? 0, conditions: [...conditions, ...kept] });
    this.d.log.warn({ rss: `${rss.metadata.namespace}/${rss.metadata.name}`, problems }, 'invalid spec');
  }

  /**
   * Records an Event without waiting for it: the next command is not held up by the write. The reconcile
   * waits for its events at the end (flushEvents), so none is left behind when it returns.
   */
  private event(rss: ReplicatedStatefulSet, type: EventType, reason: string, message: string): void {
    const subject = { namespace: rss.metadata.namespace!, name: rss.metadata.name! };
    const key = `${subject.namespace}/${subject.name}`;
    const pending = this.pendingEvents.get(key) ?? [];
    pending.push(this.d.events.record(rss.metadata.uid ? { ...subject, uid: rss.metadata.uid } : subject, type, reason, message));
    this.pendingEvents.set(key, pending);
  }

  private async flushEvents(namespace: string, name: string): Promise<void> {
    const key = `${namespace}/${name}`;
    const pending = this.pendingEvents.get(key);
    this.pendingEvents.delete(key);
    if (pending) await Promise.all(pending);
  }
}
