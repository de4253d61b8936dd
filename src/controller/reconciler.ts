// The reconciler: one function from "what is" to "what to do next" for one cluster. It observes (caches and
// the engine's state), asks the policy engine for a plan, carries out its probes and at most one change at
// a time, folds what happened into the engine's state (with the engine's own functions), and writes the
// state to the RSS status. It decides nothing itself. Idempotent and level-triggered: running it twice in a
// row does nothing new the second time. It talks to the world only through ports (ports.ts), so the same
// class runs in the manager and in the simulation.
import type { V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { ANNOTATION_RESTART, ANNOTATION_RESTORE, ANNOTATION_SEED_OVERRIDE, ANNOTATION_SWITCHOVER } from '../api/names.ts';
import { describeProblems, resolveSpec, type ResolvedSpec, type SpecLimits, type SpecProblem } from '../api/spec.ts';
import type { ReplicatedStatefulSet, ReplicatedStatefulSetStatus, StatusCondition } from '../api/types.ts';
import { decide, describeFailure, describeSequence, succeeded, type Sequence } from '../engine/index.ts';
import { afterOccurrence, afterPlan, pendingRequests, recordOf, requestDone, type ClusterState, type Occurrence } from '../engine/state.ts';
import type { ChangeAction, Condition, Plan, ReadAction } from '../engine/types.ts';
import type { EventType } from '../kube/events.ts';
import { describeError } from '../kube/exec.ts';
import type { OperatorMetrics } from '../manager/metrics.ts';
import { PendingEvents, conditionAnnouncements, rolloutAnnouncements, type Announcement } from './announce.ts';
import type { StoreOpener } from './backups.ts';
import { observeDisruption } from './disruption.ts';
import { ensureDisruptionBudget, ensureService, ensureStatefulSet, syncPodLabels, type BuiltStatefulSet } from './children.ts';
import { ExecUnavailableError, MemberCommands, commandFor, peersOf } from './commands.ts';
import { observe, podView } from './observe.ts';
import type { ClusterCaches, ClusterWriter, Clock, CommandRunner, EventSink } from './ports.ts';
import { restoreSource, streamRestore } from './restore.ts';
import { RestoreProgressTracker } from './restore-status.ts';
import { buildStatus, stateFromStatus, withTransitionTimes } from './status.ts';

export { ExecUnavailableError } from './commands.ts';
export type { ClusterCaches, CommandRunner } from './ports.ts';

export interface ReconcilerDeps {
  caches: ClusterCaches;
  writer: ClusterWriter;
  commands: CommandRunner;
  events: EventSink;
  clock: Clock;
  metrics: OperatorMetrics;
  log: Logger;
  /** Opens a cluster's backup storage (for restores). */
  openStore: StoreOpener;
  /** What this operator allows beyond the schema (--max-replicas). */
  limits?: SpecLimits;
}

/** What this process keeps of a cluster between reconciles, besides the engine's state. */
interface ClusterMemory {
  state: ClusterState;
  /** When each member lost its running role, for the failover metric. */
  lostAt: Map<string, number>;
  /** The status this process last wrote (and its text), so an unchanged one is not written again. */
  lastStatus?: ReplicatedStatefulSetStatus;
  lastStatusText?: string;
  statefulSet?: BuiltStatefulSet;
  /** status.restore: the restore asked for, under way, or just completed. */
  restore: RestoreProgressTracker;
}

/** Probe-and-act rounds in one reconcile before yielding to other clusters. */
const MAX_ROUNDS = 24;

export class Reconciler {
  private readonly d: ReconcilerDeps;
  private readonly commands: MemberCommands;
  private readonly memory = new Map<string, ClusterMemory>();
  private readonly events: PendingEvents;

  constructor(deps: ReconcilerDeps) {
    this.d = deps;
    this.commands = new MemberCommands(deps);
    this.events = new PendingEvents(deps.events);
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
      if (error instanceof ExecUnavailableError) {
        this.event(rss, 'Warning', 'ExecFailed', `${error.message.charAt(0).toUpperCase()}${error.message.slice(1)}`);
        await this.reportExecUnavailable(rss, error);
      }
      throw error;
    } finally {
      await this.events.flush(namespace, name);
      this.d.metrics.reconcileDuration.observe((performance.now() - started) / 1000);
    }
  }

  private memoryOf(rss: ReplicatedStatefulSet): ClusterMemory {
    const key = `${rss.metadata.namespace}/${rss.metadata.name}/${rss.metadata.uid}`;
    let memory = this.memory.get(key);
    if (!memory) {
      memory = { state: stateFromStatus(rss, this.d.clock.now()), lostAt: new Map(), restore: new RestoreProgressTracker() };
      this.memory.set(key, memory);
    }
    return memory;
  }

  /**
   * The spec as it applies now: one-shot requests already carried out are left out (the engine's state
   * says which), and the restore asked for is resolved against the Backups. The resolved spec is not edited.
   */
  private current(rss: ReplicatedStatefulSet, spec: ResolvedSpec, memory: ClusterMemory): ResolvedSpec {
    const pending = pendingRequests(memory.state, {
      ...(spec.policy.restart !== undefined ? { restart: spec.policy.restart } : {}),
      ...(spec.restoreAnnotation !== undefined ? { restore: spec.restoreAnnotation } : {}),
      ...(spec.policy.switchover !== undefined ? { switchover: spec.policy.switchover } : {}),
    });
    memory.state = pending.state;
    const policy = { ...spec.policy };
    delete policy.restart;
    if (pending.restart !== undefined) policy.restart = pending.restart;
    delete policy.switchover;
    if (pending.switchover !== undefined) policy.switchover = pending.switchover;
    const current: ResolvedSpec = { ...spec, policy };
    delete current.restoreAnnotation;
    if (pending.restore !== undefined) current.restoreAnnotation = pending.restore;
    const source = restoreSource(rss, current, this.d.caches.backups(rss.metadata.namespace!));
    memory.restore.source = source;
    if (source !== undefined) policy.restore = source.request;
    return current;
  }

  private async reconcileValid(rss: ReplicatedStatefulSet, spec: ResolvedSpec): Promise<{ requeueAfterMs?: number }> {
    const memory = this.memoryOf(rss);
    await ensureService(this.d.caches, this.d.writer, rss, spec);
    await ensureDisruptionBudget(this.d.caches, this.d.writer, rss, spec);
    let plan: Plan | undefined;
    let pods = new Map<string, V1Pod>();
    let current = spec;
    let changed = false;
    let stop = false;
    let stale = false; // members were read after the last decision

    for (let round = 0; round < MAX_ROUNDS && !stop; round++) {
      current = this.current(rss, spec, memory);
      const observed = observe(this.d.caches, rss, current.policy, memory.state, this.d.clock.now());
      pods = observed.pods;
      plan = decide(current.policy, observed.observation);
      this.setState(memory, afterPlan(memory.state, plan));
      if (plan.restartDropped !== undefined && current.policy.restart !== undefined) {
        this.event(rss, 'Warning', 'RestartIgnored', `Restart of ${current.policy.restart} not carried out: ${plan.restartDropped}; the ${ANNOTATION_RESTART} annotation is removed`);
        await this.requestDone(rss, memory, 'restart', current.policy.restart);
      }
      if (plan.switchoverDropped !== undefined && current.policy.switchover !== undefined) {
        this.event(rss, 'Warning', 'SwitchoverIgnored', `Switchover to ${current.policy.switchover} not carried out: ${plan.switchoverDropped}; the ${ANNOTATION_SWITCHOVER} annotation is removed`);
        await this.requestDone(rss, memory, 'switchover', current.policy.switchover);
      }
      if (plan.restoreDropped !== undefined && current.restoreAnnotation !== undefined) {
        this.event(rss, 'Warning', 'RestoreIgnored', `Restore of ${current.restoreAnnotation} not carried out: ${plan.restoreDropped}; the ${ANNOTATION_RESTORE} annotation is removed`);
        await this.requestDone(rss, memory, 'restore', current.restoreAnnotation);
      }
      // Write-ahead: what the engine knows (the mark above all) is in the status before anything is done that
      // it was the reason for — shrinking the StatefulSet, or the change below. If the status cannot be
      // written, nothing is done: a restarted operator must never find the world changed behind a status
      // that does not say why.
      if (plan.statefulSetReplicas < observed.observation.statefulSetReplicas || (plan.reads.length === 0 && plan.change)) {
        await this.writeStatus(rss, current, memory, plan, pods);
      }
      memory.statefulSet = await ensureStatefulSet(this.d.caches, this.d.writer, rss, current, plan.statefulSetReplicas, memory.statefulSet);

      if (plan.reads.length > 0) {
        await Promise.all(plan.reads.map((read) => this.runRead(rss, current, memory, read)));
        stale = true;
        continue;
      }
      stale = false;
      if (!plan.change) break;
      changed = true;
      const ok = await this.runChange(rss, current, memory, plan.change);
      // A deleted pod must be seen gone (and recreated) through the watch before anything else is decided.
      stop = plan.change.kind === 'deletePod' || !ok;
      // The status shows the change at once, its conditions judged from the members as they are after it,
      // not as they were before. Deciding is pure: this plan is only looked at, not acted on.
      current = this.current(rss, spec, memory);
      ({ plan, pods } = this.view(rss, current, memory));
      await this.writeStatus(rss, current, memory, plan, pods);
    }
    if (!plan) return {};
    if (stale) ({ plan, pods } = this.view(rss, current, memory));
    await Promise.all([syncPodLabels(this.d.writer, rss, pods, memory.state.records), this.writeStatus(rss, current, memory, plan, pods)]);
    if (plan.reads.length > 0 || (plan.change && !stop)) return { requeueAfterMs: 0 };
    return { requeueAfterMs: changed && stop ? Math.min(plan.requeueAfterMs, 1000) : plan.requeueAfterMs };
  }

  /** What the engine makes of the cluster as it is now, for the status; nothing is remembered or done. */
  private view(rss: ReplicatedStatefulSet, current: ResolvedSpec, memory: ClusterMemory): { plan: Plan; pods: Map<string, V1Pod> } {
    const observed = observe(this.d.caches, rss, current.policy, memory.state, this.d.clock.now());
    return { plan: decide(current.policy, observed.observation), pods: observed.pods };
  }

  /** Stores the engine's next state; the failover metric is taken from the change of roles. */
  private setState(memory: ClusterMemory, next: ClusterState): void {
    const running = (role: string | undefined) => role === 'primary' || role === 'secondary';
    const now = this.d.clock.now();
    for (const [name, r] of next.records) {
      if (running(memory.state.records.get(name)?.role) && !running(r.role) && !memory.lostAt.has(name)) memory.lostAt.set(name, now);
      const lost = memory.lostAt.get(name);
      if (running(r.role) && lost !== undefined) {
        this.d.metrics.failoverDuration.observe((now - lost) / 1000);
        memory.lostAt.delete(name);
      }
    }
    memory.state = next;
  }

  private happened(memory: ClusterMemory, spec: ResolvedSpec, occurrence: Occurrence): void {
    this.setState(memory, afterOccurrence(memory.state, spec.policy, occurrence, this.d.clock.now()));
  }

  private peers(rss: ReplicatedStatefulSet, memory: ClusterMemory, except: string): string[] {
    const running = new Set(this.d.caches.pods(rss.metadata.namespace!, rss.metadata.name!).filter((p) => podView(p).phase === 'Running').map((p) => p.metadata!.name!));
    return peersOf(rss.metadata.name!, memory.state.records.values(), running, except);
  }

  private async runRead(rss: ReplicatedStatefulSet, spec: ResolvedSpec, memory: ClusterMemory, read: ReadAction): Promise<void> {
    const name = read.kind === 'runningSequence' ? 'sequence' : read.kind;
    const command = spec.commands[name];
    const outcome = await this.commands.run(rss, spec, read.member, name, [...command.argv, ...this.peers(rss, memory, read.member)], command.timeoutMs);
    const before = recordOf(memory.state, read.member);
    this.happened(memory, spec, { kind: 'read', read, outcome });
    const after = recordOf(memory.state, read.member);
    if (read.kind === 'status' && after.role === 'failed' && before.role !== 'failed') {
      this.event(rss, 'Warning', 'MemberFailed', `${read.member}: ${after.lastError ?? describeFailure('status', outcome)}`);
    }
    if (read.kind === 'sequence' && after.sequence === null) {
      this.event(rss, 'Warning', 'SequenceUnknown', `${read.member}: ${describeFailure('sequence', outcome)}; its sequence is unknown, so it cannot be compared`);
    }
  }

  /** Carries out one change; false when it failed. */
  private async runChange(rss: ReplicatedStatefulSet, spec: ResolvedSpec, memory: ClusterMemory, change: ChangeAction): Promise<boolean> {
    const member = change.member;
    const log = this.d.log.child({ rss: `${rss.metadata.namespace}/${rss.metadata.name}`, member, action: change.kind });
    if (change.kind === 'deletePod') {
      log.info({ reason: change.reason }, 'deleting member pod');
      await this.d.writer.deletePod(rss.metadata.namespace!, member);
      this.happened(memory, spec, { kind: 'podDeleted', change });
      if (change.cause === 'rollout') this.event(rss, 'Normal', 'MemberUpdating', `Deleted pod ${member} so that it is recreated from the current template: ${change.reason}`);
      else this.event(rss, 'Warning', 'MemberReplaced', `Deleted pod ${member} so that it is recreated: ${change.reason}`);
      return true;
    }
    if (change.kind === 'restore') return await this.runRestore(rss, spec, memory, change);

    const peers = this.peers(rss, memory, member);
    const { command, argv, timeoutMs } = commandFor(spec, change, peers);
    log.info({ command, argv, reason: 'reason' in change ? change.reason : undefined }, `running ${command}`);
    const outcome = await this.commands.run(rss, spec, member, command, argv, timeoutMs);
    const switchover = memory.state.switchover;
    const wasSecondary = recordOf(memory.state, member).role === 'secondary';
    this.happened(memory, spec, { kind: 'change', change, outcome });
    const ok = succeeded(outcome);
    log.info({ ok, exitCode: outcome.exitCode, timedOut: outcome.timedOut }, `${command} ${ok ? 'succeeded' : 'failed'}`);

    switch (change.kind) {
      case 'seed': {
        if (!ok) {
          this.event(rss, 'Warning', 'SeedFailed', `Seeding ${member} failed: ${describeFailure(command, outcome)}; it will be retried (only members at the highest sequence are tried)`);
          return false;
        }
        const how = change.override ? ` on the ${ANNOTATION_SEED_OVERRIDE} annotation` : change.restoredFrom !== undefined ? `, restored from backup ${change.restoredFrom}` : '';
        if (change.restoredFrom !== undefined) {
          this.d.metrics.restores.inc({ cluster: `${rss.metadata.namespace}/${rss.metadata.name}`, result: 'seeded' });
          await this.restoreCompleted(rss, spec, memory, change.restoredFrom, change.sequence);
        }
        if (switchover !== undefined) {
          if (switchover.target === member) this.event(rss, 'Normal', 'SwitchedOver', `${member} is the primary (it was ${switchover.from}), promoted at sequence ${describeSequence(change.sequence)}`);
          else this.event(rss, 'Warning', 'SwitchoverAbandoned', `Switchover from ${switchover.from} to ${switchover.target} abandoned: ${member} holds more (sequence ${describeSequence(change.sequence)}), so it is the primary again`);
        }
        const where = wasSecondary ? ', promoted in place' : '';
        this.event(rss, 'Normal', 'Seeded', `Started a new cluster from ${member} (sequence ${describeSequence(change.sequence)})${where}${how}`);
        if (change.override) await this.removeAnnotation(rss, ANNOTATION_SEED_OVERRIDE);
        return true;
      }
      case 'join':
        if (wasSecondary && change.as === 'secondary') {
          this.event(rss, ok ? 'Normal' : 'Warning', ok ? 'MemberRepointed' : 'RepointFailed', ok ? `${member} follows ${peers.join(' ')} (re-pointed without a stop)` : `${member} failed to follow ${peers.join(' ')}: ${describeFailure(command, outcome)}`);
          return ok;
        }
        this.event(rss, ok ? 'Normal' : 'Warning', ok ? 'MemberJoined' : 'JoinFailed', ok ? `${member} joined as ${change.as}${peers.length ? ` (peers: ${peers.join(' ')})` : ''}` : `${member} failed to join as ${change.as}: ${describeFailure(command, outcome)}`);
        return ok;
      case 'stop': {
        // The engine's state already holds the restart as done; the annotation that asked for it goes.
        if (change.cause === 'restart') await this.removeAnnotation(rss, ANNOTATION_RESTART);
        if (change.switchover?.via === 'annotation') await this.removeAnnotation(rss, ANNOTATION_SWITCHOVER);
        const reason = change.cause === 'fence' && ok ? 'MemberFenced' : ok ? 'MemberStopped' : 'StopFailed';
        const consequence = change.cause === 'fence' ? 'it is fenced, so its pod is left in place' : 'its pod will be replaced';
        this.event(rss, ok ? 'Normal' : 'Warning', reason, ok ? `Stopped ${member}: ${change.reason}` : `Stopping ${member} failed (${describeFailure('stop', outcome)}); ${consequence}`);
        return ok;
      }
    }
  }

  /** Streams the backup into the member's restore command and folds the outcome into the state. */
  private async runRestore(rss: ReplicatedStatefulSet, spec: ResolvedSpec, memory: ClusterMemory, change: Extract<ChangeAction, { kind: 'restore' }>): Promise<boolean> {
    const member = change.member;
    const objectKey = memory.restore.source?.objectKey;
    const restoring = memory.restore.started(change.backup, member, this.d.clock.now());
    this.event(rss, 'Normal', 'Restoring', `Restoring backup ${change.backup}${objectKey ? ` (${objectKey})` : ''} into ${member}`);
    const cluster = `${rss.metadata.namespace}/${rss.metadata.name}`;
    this.d.log.info({ rss: cluster, member, backup: change.backup, objectKey }, 'restoring');
    // A restore may take as long as the backup's size asks: say so while it runs.
    if (restoring !== undefined) await this.patchStatus(rss, memory, { ...(memory.lastStatus ?? rss.status), restore: restoring });
    const started = performance.now();
    const outcome = objectKey === undefined
      ? { exitCode: null, timedOut: false, stdout: '', stderr: '', error: `backup ${change.backup} names no object` }
      : await streamRestore(rss, spec, member, objectKey, this.d.openStore, this.d.commands);
    this.happened(memory, spec, { kind: 'change', change, outcome });
    const ok = succeeded(outcome);
    const seconds = (performance.now() - started) / 1000;
    this.d.metrics.restores.inc({ cluster, result: ok ? 'restored' : 'failed' });
    this.d.log.info({ rss: cluster, member, backup: change.backup, ok, seconds, error: outcome.error, exitCode: outcome.exitCode }, 'restore finished');
    if (ok) this.event(rss, 'Normal', 'Restored', `Restored backup ${change.backup} into ${member} in ${seconds.toFixed(1)} s; its sequence is read before it is seeded`);
    else this.event(rss, 'Warning', 'RestoreFailed', `Restoring backup ${change.backup} into ${member} failed: ${describeFailure('restore', outcome)}; it is not seeded, and the restore is retried`);
    return ok;
  }

  /** The restored member was seeded: record it in status.restore, and remove the annotation that asked. */
  private async restoreCompleted(rss: ReplicatedStatefulSet, spec: ResolvedSpec, memory: ClusterMemory, backup: string, sequence: Sequence | null): Promise<void> {
    memory.restore.seeded(backup, sequence, this.d.clock.now());
    if (spec.restoreAnnotation !== undefined) await this.requestDone(rss, memory, 'restore', spec.restoreAnnotation);
  }

  /** A one-shot request was carried out or dropped: the state remembers it, and its annotation goes. */
  private async requestDone(rss: ReplicatedStatefulSet, memory: ClusterMemory, request: 'restart' | 'restore' | 'switchover', value: string): Promise<void> {
    memory.state = requestDone(memory.state, request, value);
    const annotation = { restart: ANNOTATION_RESTART, restore: ANNOTATION_RESTORE, switchover: ANNOTATION_SWITCHOVER }[request];
    await this.removeAnnotation(rss, annotation);
  }

  private async removeAnnotation(rss: ReplicatedStatefulSet, key: string): Promise<void> {
    try {
      await this.d.writer.removeAnnotation(rss.metadata.namespace!, rss.metadata.name!, key);
    } catch (error) {
      this.d.log.warn({ err: describeError(error), annotation: key }, 'could not remove the annotation');
    }
  }

  private async writeStatus(rss: ReplicatedStatefulSet, spec: ResolvedSpec, memory: ClusterMemory, plan: Plan, pods: Map<string, V1Pod>): Promise<void> {
    const previous = memory.lastStatus ?? rss.status;
    const status = buildStatus(rss, spec, memory.state, plan, pods, memory.restore.status(plan), previous, this.d.clock.now(), observeDisruption(this.d.caches, rss, memory.state, pods));
    this.announce(rss, [...conditionAnnouncements(previous, status.conditions ?? []), ...rolloutAnnouncements(previous, status.rollout)]);
    await this.patchStatus(rss, memory, status);
  }

  private async patchStatus(rss: ReplicatedStatefulSet, memory: ClusterMemory, status: ReplicatedStatefulSetStatus): Promise<void> {
    const text = JSON.stringify(status);
    if (text === (memory.lastStatusText ?? JSON.stringify(rss.status ?? {}))) return;
    if (!(await this.d.writer.patchStatus(rss.metadata.namespace!, rss.metadata.name!, status))) return; // deleted meanwhile
    memory.lastStatusText = text;
    memory.lastStatus = status;
  }

  private announce(rss: ReplicatedStatefulSet, announcements: Announcement[]): void {
    for (const a of announcements) this.event(rss, a.type, a.reason, a.message);
  }

  /**
   * The operator cannot run commands at all (exec refused, transport down): say so in Progressing, so that
   * `kubectl get rss -o yaml` shows why nothing moves. The rest describes the pods as they are now, with
   * what is known of each member (not the status of an earlier moment, which may say the pods are missing
   * while they run).
   */
  private async reportExecUnavailable(rss: ReplicatedStatefulSet, error: ExecUnavailableError): Promise<void> {
    const condition: Condition = {
      type: 'Progressing',
      status: 'False',
      reason: 'ExecFailed',
      message: `${error.message}; nothing is decided about the members until commands can run (retried with backoff; check the operator's RBAC for pods/exec and the pods' state)`,
    };
    const memory = this.memoryOf(rss);
    const previous = memory.lastStatus ?? rss.status;
    const [stamped] = withTransitionTimes(rss, previous, [condition], this.d.clock.now());
    let base = previous;
    const resolved = resolveSpec(rss, this.d.limits);
    if (resolved.ok) {
      const current = this.current(rss, resolved.spec, memory);
      const { plan, pods } = this.view(rss, current, memory);
      base = buildStatus(rss, current, memory.state, plan, pods, memory.restore.status(plan), previous, this.d.clock.now(), observeDisruption(this.d.caches, rss, memory.state, pods));
    }
    const kept = (base?.conditions ?? []).filter((c) => c.type !== 'Progressing');
    try {
      await this.patchStatus(rss, memory, { ...base, conditions: [...kept, stamped!] });
    } catch (patchError) {
      this.d.log.warn({ err: describeError(patchError) }, 'could not report the exec failure in status');
    }
  }

  private async reportInvalidSpec(rss: ReplicatedStatefulSet, problems: SpecProblem[]): Promise<void> {
    const message = describeProblems(problems);
    const memory = this.memoryOf(rss);
    const previous = memory.lastStatus ?? rss.status;
    const conditions: StatusCondition[] = withTransitionTimes(rss, previous, [
      { type: 'SpecValid', status: 'False', reason: 'InvalidSpec', message: `${message}; no action is taken on this cluster until the spec is fixed` },
    ], this.d.clock.now());
    const kept = (previous?.conditions ?? []).filter((c) => c.type !== 'SpecValid');
    this.announce(rss, conditionAnnouncements(previous, conditions));
    await this.patchStatus(rss, memory, { ...previous, phase: 'Invalid', observedGeneration: rss.metadata.generation ?? 0, conditions: [...conditions, ...kept] });
    this.d.log.warn({ rss: `${rss.metadata.namespace}/${rss.metadata.name}`, problems }, 'invalid spec');
  }

  private event(rss: ReplicatedStatefulSet, type: EventType, reason: string, message: string): void {
    this.events.record(rss, type, reason, message);
  }
}
