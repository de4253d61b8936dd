// One simulated run: the production reconciler (imported, not copied) against a simulated Kubernetes and a
// simulated replicated application, driven by a schedule of steps drawn from a seed, in virtual time. The
// invariants are checked during and after every step; the first one broken ends the run.
import pino from 'pino';
import { ANNOTATION_FENCED, ANNOTATION_PAUSED, ANNOTATION_RESTART, ANNOTATION_SEED_OVERRIDE, ordinalOf, podName } from '../src/api/names.ts';
import type { ReplicatedStatefulSet } from '../src/api/types.ts';
import { Reconciler } from '../src/controller/reconciler.ts';
import type { CommandRunner, EventSink } from '../src/controller/ports.ts';
import type { CommandOutcome } from '../src/engine/types.ts';
import type { ExecRequest } from '../src/kube/exec.ts';
import { OperatorMetrics } from '../src/manager/metrics.ts';
import { Application, type AppMember, type CommandFault } from './application.ts';
import { NAMESPACE, SimKubernetes, VirtualClock } from './kubernetes.ts';
import { Random } from './random.ts';

export const CLUSTER = 'sim';
const START = Date.UTC(2026, 0, 1);
/** Steps after the faults stop within which the cluster must be running again. */
const CONVERGENCE_STEPS = 400;

export type Step =
  | { kind: 'reconcile' }
  | { kind: 'wait'; ms: number }
  | { kind: 'write'; pick: number }
  | { kind: 'flush'; member: number }
  | { kind: 'crash'; member: number; broken: boolean }
  | { kind: 'killPod'; member: number }
  /** Every member's process dies at once (a power loss): each keeps only what it had flushed. */
  | { kind: 'lightsOut' }
  | { kind: 'loseVolume'; member: number }
  | { kind: 'commandFault'; member: number; command: string; fault: CommandFault; runs: number }
  | { kind: 'restartOperator' }
  | { kind: 'refuseExec'; ms: number }
  | { kind: 'failStatusWrites'; ms: number; code: number }
  | { kind: 'watchDelay'; ms: number }
  | { kind: 'fence'; member: number }
  | { kind: 'unfence' }
  | { kind: 'pause' }
  | { kind: 'unpause' }
  | { kind: 'restart'; member: number }
  | { kind: 'scale'; replicas: number }
  | { kind: 'template' };

export interface Flavour {
  /** `primaries: 1` with a `secondary` command, or every member a primary. */
  singlePrimary: boolean;
  replicas: number;
}

/** The steps of a run, drawn from its seed. Each step carries its own parameters, so removing some leaves the others as they were. */
export function schedule(seed: number, length: number): { flavour: Flavour; steps: Step[] } {
  const r = new Random(seed);
  const flavour: Flavour = { singlePrimary: r.chance(0.4), replicas: r.pick([1, 2, 3, 3, 3, 4, 5]) };
  const steps: Step[] = [];
  for (let i = 0; i < length; i++) {
    const kind = r.weighted({
      reconcile: 40, wait: 18, write: 12, flush: 5, crash: 3, killPod: 2, lightsOut: 1, loseVolume: 1, commandFault: 4, restartOperator: 2,
      refuseExec: 1, failStatusWrites: 1, watchDelay: 1, fence: 1, unfence: 1, pause: 0.5, unpause: 1, restart: 1, scale: 1, template: 1,
    });
    const member = r.int(6);
    switch (kind) {
      case 'reconcile': case 'restartOperator': case 'unfence': case 'pause': case 'unpause': case 'template': case 'lightsOut':
        steps.push({ kind });
        break;
      case 'wait':
        steps.push({ kind, ms: r.pick([100, 500, 1000, 3000, 10_000, 30_000]) });
        break;
      case 'write':
        steps.push({ kind, pick: r.int(1000) });
        break;
      case 'flush': case 'killPod': case 'loseVolume': case 'fence': case 'restart':
        steps.push({ kind, member });
        break;
      case 'crash':
        steps.push({ kind, member, broken: r.chance(0.5) });
        break;
      case 'commandFault':
        steps.push({ kind, member, command: r.pick(['status', 'sequence', 'seed', 'primary', 'secondary', 'stop']), fault: r.pick(['hang', 'garbage', 'oddExit', 'hangAfterEffect'] as const), runs: r.between(1, 3) });
        break;
      case 'refuseExec':
        steps.push({ kind, ms: r.pick([1000, 5000, 20_000]) });
        break;
      case 'failStatusWrites':
        steps.push({ kind, ms: r.pick([1000, 5000, 20_000]), code: r.pick([409, 500]) });
        break;
      case 'watchDelay':
        steps.push({ kind, ms: r.pick([0, 200, 2000, 8000]) });
        break;
      case 'scale':
        steps.push({ kind, replicas: r.between(0, 5) });
        break;
    }
  }
  return { flavour, steps };
}

export interface Violation {
  invariant: string;
  detail: string;
}

export interface RunResult {
  seed: number;
  steps: number;
  violation?: Violation;
  /** The step at which it was broken (schedule index, or schedule length + the convergence step). */
  at?: number;
  trace: string[];
  /** The person had to name a member to seed (acknowledged writes lost to faults, not to the operator). */
  overridden: boolean;
}

class InvariantBroken extends Error {
  readonly violation: Violation;
  constructor(violation: Violation) {
    super(`${violation.invariant}: ${violation.detail}`);
    this.violation = violation;
  }
}

const silent = pino({ level: 'silent' });
let sharedMetrics: OperatorMetrics | undefined;

function fencedOf(rss: ReplicatedStatefulSet): string[] {
  return (rss.metadata.annotations?.[ANNOTATION_FENCED] ?? '').split(',').map((e) => e.trim()).filter((e) => e !== '');
}

export class World {
  readonly clock = new VirtualClock(START);
  readonly app = new Application();
  readonly kube: SimKubernetes;
  private reconciler!: Reconciler;
  readonly trace: string[] = [];
  private line: string[] = [];
  /** Acknowledged writes that must survive; those lost to faults alone are taken out when lost. */
  private mustKeep = new Set<number>();
  /** Members the operator stopped or whose pod it deleted, not running again yet. */
  private downByOperator = new Set<string>();
  /** Fenced members whose fencing stop has run, while they stay fenced. */
  private fencedAndStopped = new Set<string>();
  /** The RSS as the reconcile under way saw it when it started. */
  private reconcileSawPaused = false;
  /** The fenced members and the replicas as the reconcile under way saw them when it started (what the operator can know). */
  private reconcileSawFenced: string[] = [];
  private reconcileSawReplicas = 0;
  /** The highest sequence printed since the mark last started again (an accepted override). */
  private highestReported = 0;
  private overridden = false;

  readonly flavour: Flavour;

  constructor(seed: number, flavour: Flavour) {
    this.flavour = flavour;
    const rss: ReplicatedStatefulSet = {
      apiVersion: 'clusterlabs.org/v1alpha1',
      kind: 'ReplicatedStatefulSet',
      metadata: { name: CLUSTER, namespace: NAMESPACE, uid: 'rss-uid-1', generation: 1, annotations: {} },
      spec: {
        replicas: flavour.replicas,
        ...(flavour.singlePrimary ? { primaries: 1 } : {}),
        pod: {
          commands: {
            sequence: { command: ['sequence'] },
            seed: { command: ['seed'] },
            primary: { command: ['primary'] },
            ...(flavour.singlePrimary ? { secondary: { command: ['secondary'] } } : {}),
            status: { command: ['status'], timeout: '10s' },
            stop: { command: ['stop'], timeout: '30s' },
          },
          containers: [{ name: 'app', image: 'app:1' }],
        },
      },
    } as unknown as ReplicatedStatefulSet; // the spec as a user writes it, which the operator validates
    this.kube = new SimKubernetes(this.clock, new Random(seed ^ 0x5eed), rss, (pod) => this.podGone(pod));
    this.startOperator();
  }

  private note(text: string): void {
    this.line.push(text);
  }

  private startOperator(): void {
    sharedMetrics ??= new OperatorMetrics();
    const commands: CommandRunner = { run: (request) => this.exec(request) };
    const events: EventSink = { record: async (_subject, type, reason) => void (type === 'Warning' && this.note(`event ${reason}`)) };
    this.reconciler = new Reconciler({ caches: this.kube.caches(), writer: this.guardedWriter(), commands, events, clock: this.clock, metrics: sharedMetrics, log: silent, openStore: async () => { throw new Error('no backup storage in the simulation'); } });
  }

  private guardedWriter(): SimKubernetes {
    const kube = this.kube;
    const world = this;
    return new Proxy(kube, {
      get(target, property, receiver) {
        if (property === 'deletePod') {
          return async (namespace: string, name: string) => {
            world.beforeOperatorAction(name, 'delete pod');
            world.note(`delete pod ${name}`);
            world.downByOperator.add(name);
            await target.deletePod(namespace, name);
          };
        }
        return Reflect.get(target, property, receiver) as unknown;
      },
    });
  }

  private break(invariant: string, detail: string): never {
    throw new InvariantBroken({ invariant, detail });
  }

  /**
   * What may never be done to a member: anything while paused; anything to a fenced member after its stop,
   * but reading its `sequence` while no primary runs (it may hold the newest data, which no seed may pass).
   */
  private beforeOperatorAction(member: string, what: string): void {
    if (this.reconcileSawPaused) this.break('nothing done while paused', `${what} ${member} while the cluster is paused`);
    if (this.fencedAndStopped.has(member) && this.reconcileSawFenced.includes(member) && what !== 'sequence') this.break('a fenced member is left alone', `${what} ${member} after its fencing stop`);
  }

  private podGone(pod: string): void {
    if (this.app.members.get(pod)?.process) this.app.crash(pod, false);
    // A new pod is a new container: whether the application runs in it is probed again, fenced or not.
    this.fencedAndStopped.delete(pod);
    this.forgetLostWrites();
  }

  private async exec(request: ExecRequest): Promise<CommandOutcome> {
    const [command = '', ...peerNames] = request.argv;
    this.beforeOperatorAction(request.pod, command);
    const problem = this.kube.execProblem(request.pod);
    if (problem) {
      this.note(`${command} ${request.pod} → exec failed`);
      return { exitCode: null, timedOut: false, stdout: '', stderr: '', error: problem };
    }
    const member = this.app.member(request.pod);
    const peers = peerNames.map((p) => p.split('.')[0]!);
    if (command === 'seed') this.checkSeed(request.pod);
    if (command === 'stop') this.checkRolloutStop(request.pod);
    const wasRunning = member.process !== undefined;
    const run = this.app.run(request.pod, command, peers, request.timeoutMs);
    if (command === 'sequence' && run.outcome.exitCode === 0) {
      // What the mark is owed: every sequence read, but a joiner's while a primary runs (its data is about
      // to be replaced by the running cluster's, which the mark follows through the primary's own reads).
      const value = Number(run.outcome.stdout.trim());
      const primaryRuns = [...this.app.groups().values()].some((g) => g.some((m) => m.process?.role === 'primary'));
      const joiner = primaryRuns && !wasRunning && (ordinalOf(request.pod, CLUSTER) ?? 0) < this.reconcileSawReplicas;
      if (Number.isSafeInteger(value) && !joiner) this.highestReported = Math.max(this.highestReported, value);
    }
    const o = run.outcome;
    const printed = command === 'sequence' && o.exitCode === 0 ? ` ${JSON.stringify(o.stdout.trim())}` : '';
    this.note(`${command} ${request.pod}${peers.length ? ` [${peers.join(' ')}]` : ''} → ${o.timedOut ? 'timeout' : `exit ${o.exitCode}`}${printed}`);
    if (command === 'stop' && !member.process) {
      if (wasRunning) this.downByOperator.add(request.pod);
      // A fencing stop binds the pod the operator meant: if its cache still showed an older pod, the new
      // one is a new container, which it will probe.
      const meant = this.kube.caches().pods(NAMESPACE, CLUSTER).find((p) => p.metadata?.name === request.pod)?.metadata?.uid;
      const reached = this.kube.pods.get(request.pod)?.metadata?.uid;
      if (this.reconcileSawFenced.includes(request.pod) && fencedOf(this.kube.rss).includes(request.pod) && meant === reached) this.fencedAndStopped.add(request.pod);
    }
    if (member.process) this.downByOperator.delete(request.pod);
    if (run.tookMs > 5) await this.advance(run.tookMs);
    return o;
  }

  /** Never a seed below the highest sequence ever reported, unless a person named the member. */
  private checkSeed(member: string): void {
    const override = this.kube.rss.metadata.annotations?.[ANNOTATION_SEED_OVERRIDE];
    const sequence = this.app.member(member).volume.log.length;
    if (override === member) {
      this.highestReported = sequence;
      return;
    }
    if (sequence < this.highestReported) this.break('never seed below the highest sequence', `seed ${member} at sequence ${sequence}, while ${this.highestReported} was reported`);
  }

  /**
   * A rolling update never takes a second member down. The status, written before every change, says
   * which rule the change comes from (Progressing's reason); a rollout stop is allowed only while every
   * other wanted member that is not fenced runs, as the operator knows it, and none is down by its hand.
   */
  private checkRolloutStop(member: string): void {
    const status = this.kube.rss.status;
    if (status?.conditions?.find((c) => c.type === 'Progressing')?.reason !== 'RollingUpdate') return;
    const replicas = this.reconcileSawReplicas;
    // Fenced members are outside the cluster by a person's choice: the rollout skips them, as the operator sees them.
    const fenced = this.reconcileSawFenced;
    const wanted = (m: string) => m !== member && !fenced.includes(m) && (ordinalOf(m, CLUSTER) ?? 0) < replicas;
    const notHealthy = (status.memberStatus ?? []).filter((m) => wanted(m.name) && m.role !== 'primary' && m.role !== 'secondary').map((m) => m.name);
    const down = [...new Set([...notHealthy, ...[...this.downByOperator].filter(wanted)])];
    if (down.length > 0) this.break('a rollout takes one member down at a time', `stop ${member} for the rolling update while ${down.join(', ')} is down`);
  }

  /** Writes on no volume at all were lost to the faults themselves, not to anything the operator did. */
  private forgetLostWrites(): void {
    const held = new Set<number>();
    for (const m of this.app.members.values()) for (const id of m.volume.log) held.add(id);
    for (const id of this.mustKeep) if (!held.has(id)) this.mustKeep.delete(id);
  }

  async advance(ms: number): Promise<void> {
    const until = this.clock.now() + ms;
    for (;;) {
      const due = this.kube.nextDue();
      if (due === undefined || due > until) break;
      this.clock.set(due);
      this.kube.settle();
    }
    this.clock.set(until);
    this.kube.settle();
  }

  private member(index: number): string {
    return podName(CLUSTER, index % Math.max(1, (this.kube.rss.spec.replicas ?? 0) + 1));
  }

  async reconcile(): Promise<void> {
    const cached = this.kube.caches().cluster(NAMESPACE, CLUSTER);
    this.reconcileSawPaused = cached?.spec?.paused === true || cached?.metadata.annotations?.[ANNOTATION_PAUSED] === 'true';
    this.reconcileSawFenced = cached ? fencedOf(cached) : [];
    this.reconcileSawReplicas = cached?.spec?.replicas ?? 0;
    try {
      await this.reconciler.reconcile(NAMESPACE, CLUSTER);
    } catch (error) {
      if (error instanceof InvariantBroken) throw error;
      this.note(`reconcile failed: ${(error as Error).message.split('\n')[0]}`);
    } finally {
      this.reconcileSawPaused = false;
      this.reconcileSawFenced = [];
    }
  }

  async perform(step: Step): Promise<void> {
    const rss = this.kube.rss;
    switch (step.kind) {
      case 'reconcile':
        await this.reconcile();
        break;
      case 'wait':
        await this.advance(step.ms);
        break;
      case 'write':
        if (this.app.write(step.pick)) this.mustKeep.add(this.app.acknowledged[this.app.acknowledged.length - 1]!);
        break;
      case 'flush':
        this.app.flush(this.member(step.member));
        break;
      case 'crash':
        this.app.crash(this.member(step.member), step.broken);
        this.forgetLostWrites();
        break;
      case 'killPod':
        this.kube.removePod(this.member(step.member));
        break;
      case 'lightsOut':
        for (const name of [...this.app.members.keys()]) this.app.crash(name, false);
        this.forgetLostWrites();
        break;
      case 'loseVolume': {
        const name = this.member(step.member);
        this.kube.removePod(name);
        this.app.loseVolume(name);
        this.forgetLostWrites();
        break;
      }
      case 'commandFault':
        this.app.setFault(this.member(step.member), step.command, step.fault, step.runs);
        break;
      case 'restartOperator': {
        // A fencing stop whose status write was lost is unknown to the new process, which probes the
        // member once to learn whether it runs: only a stop the status recorded binds it.
        const recorded = new Set((this.kube.rss.status?.memberStatus ?? []).filter((m) => m.fenceStopped).map((m) => m.name));
        for (const member of this.fencedAndStopped) if (!recorded.has(member)) this.fencedAndStopped.delete(member);
        // Likewise a sequence reported while no status could be written is gone with the process's memory:
        // the new one is bound by what the status recorded, and by what it reads itself.
        const status = this.kube.rss.status;
        this.highestReported = Math.max(Number(status?.highestSequence ?? 0), ...(status?.memberStatus ?? []).map((m) => Number(m.sequence ?? 0)));
        this.kube.relist();
        this.startOperator();
        break;
      }
      case 'refuseExec':
        this.kube.faults.execRefusedUntil = this.clock.now() + step.ms;
        break;
      case 'failStatusWrites':
        this.kube.faults.statusWritesFailUntil = this.clock.now() + step.ms;
        this.kube.faults.statusWriteCode = step.code;
        break;
      case 'watchDelay':
        this.kube.faults.watchDelayMs = step.ms;
        break;
      case 'fence': {
        const name = this.member(step.member);
        const fenced = fencedOf(rss);
        if (!fenced.includes(name)) this.kube.updateRss((r) => void (r.metadata.annotations![ANNOTATION_FENCED] = [...fenced, name].join(',')));
        break;
      }
      case 'unfence':
        this.kube.updateRss((r) => void delete r.metadata.annotations![ANNOTATION_FENCED]);
        this.fencedAndStopped.clear();
        break;
      case 'pause':
        this.kube.updateRss((r) => void (r.spec.paused = true));
        break;
      case 'unpause':
        this.kube.updateRss((r) => void delete r.spec.paused);
        break;
      case 'restart':
        this.kube.updateRss((r) => void (r.metadata.annotations![ANNOTATION_RESTART] = this.member(step.member)));
        break;
      case 'scale':
        this.kube.updateRss((r) => void (r.spec.replicas = step.replicas));
        break;
      case 'template':
        this.kube.updateRss((r) => {
          const container = r.spec.pod.containers![0] as { image?: string };
          container.image = `app:${Number((container.image ?? 'app:1').split(':')[1] ?? 1) + 1}`;
        });
        break;
    }
  }

  /** The invariants about the state as it is between steps. */
  check(): void {
    // A group is one history; only a group with a primary takes writes (a leftover secondary does not).
    const groups = [...this.app.groups().entries()].filter(([, members]) => members.some((m) => m.process?.role === 'primary'));
    if (groups.length > 1) {
      this.break('never two primaries with different histories', `groups ${groups.map(([id, ms]) => `#${id} (${ms.map((m) => m.name).join(', ')})`).join(' and ')} run at once`);
    }
    const held = new Set<number>();
    for (const m of this.app.members.values()) for (const id of m.volume.log) held.add(id);
    const lost = [...this.mustKeep].filter((id) => !held.has(id));
    if (lost.length > 0) this.break('no acknowledged write lost', `writes ${lost.slice(0, 5).join(', ')} are on no member any more`);
    const running = groups[0]?.[1][0];
    if (running) {
      const history = new Set(running.volume.log);
      const missing = [...this.mustKeep].filter((id) => !history.has(id));
      if (missing.length > 0) this.break('no acknowledged write lost', `the running history lacks acknowledged writes ${missing.slice(0, 5).join(', ')}`);
    }
  }

  /** Every wanted member runs, in one history, and the status says Running. */
  converged(): boolean {
    const rss = this.kube.rss;
    const replicas = rss.spec.replicas ?? 0;
    const groups = [...this.app.groups().values()];
    if (replicas === 0) return groups.length === 0 && rss.status?.phase === 'Stopped';
    if (groups.length !== 1) return false;
    for (let i = 0; i < replicas; i++) if (!this.app.members.get(podName(CLUSTER, i))?.process) return false;
    return rss.status?.phase === 'Running';
  }

  /** The faults stop; a person lifts what they asked for (pause, fences, a restart). */
  async calm(): Promise<void> {
    this.app.clearFaults();
    Object.assign(this.kube.faults, { statusWritesFailUntil: 0, execRefusedUntil: 0, watchDelayMs: 500 });
    this.kube.updateRss((r) => {
      delete r.spec.paused;
      delete r.metadata.annotations![ANNOTATION_FENCED];
      delete r.metadata.annotations![ANNOTATION_RESTART];
      if ((r.spec.replicas ?? 0) === 0) r.spec.replicas = this.flavour.replicas;
    });
    this.fencedAndStopped.clear();
  }

  /**
   * When the operator refuses to seed because every copy of the newest data is gone (lost to faults), a
   * person names the member to seed, accepting the loss: the writes it lacks are no longer owed.
   */
  overrideIfRefused(): boolean {
    const reason = this.kube.rss.status?.conditions?.find((c) => c.type === 'Progressing')?.reason;
    if (this.overridden || reason !== 'BootstrapRefused') return false;
    const replicas = this.kube.rss.spec.replicas ?? 0;
    let best: string | undefined;
    for (let i = 0; i < replicas; i++) {
      const name = podName(CLUSTER, i);
      if (best === undefined || (this.app.members.get(name)?.volume.log.length ?? 0) > (this.app.members.get(best)?.volume.log.length ?? 0)) best = name;
    }
    if (best === undefined) return false;
    // Refusing is right only when no kept member holds the newest data: what was reported, or what any
    // member's volume holds (a member being removed may hold more, which the operator protects).
    // What members can report is what they hold durably (a running member's unflushed tail is not).
    const durable = (m: AppMember | undefined) => (m === undefined ? 0 : m.process ? m.volume.flushed : m.volume.log.length);
    const bestLength = durable(this.app.members.get(best));
    const newest = Math.max(this.highestReported, ...[...this.app.members.values()].map(durable));
    if (bestLength >= newest) {
      this.break('recovers without a person when a member holds the newest data', `bootstrap refused although ${best} holds sequence ${bestLength}, the newest there is (${newest})`);
    }
    const kept = new Set(this.app.members.get(best)?.volume.log ?? []);
    for (const id of this.mustKeep) if (!kept.has(id)) this.mustKeep.delete(id);
    this.kube.updateRss((r) => void (r.metadata.annotations![ANNOTATION_SEED_OVERRIDE] = best));
    this.overridden = true;
    this.note(`person: seed-override ${best}`);
    return true;
  }

  flushLine(index: number, label: string): void {
    const t = ((this.clock.now() - START) / 1000).toFixed(1).padStart(7);
    this.trace.push(`${t}s #${index} ${label}${this.line.length ? `: ${this.line.join('; ')}` : ''}`);
    this.line = [];
  }

  get wasOverridden(): boolean {
    return this.overridden;
  }
}

function describe(step: Step): string {
  const { kind, ...rest } = step;
  const args = Object.values(rest);
  return args.length ? `${kind} ${args.join(' ')}` : kind;
}

/** Runs one schedule to the end (and on, without faults, until the cluster converges), or until an invariant breaks. */
export async function run(seed: number, flavour: Flavour, steps: Step[]): Promise<RunResult> {
  const world = new World(seed, flavour);
  const result = (violation?: Violation, at?: number): RunResult => ({ seed, steps: steps.length, ...(violation ? { violation, at } : {}), trace: world.trace, overridden: world.wasOverridden });
  try {
    for (const [i, step] of steps.entries()) {
      await world.perform(step);
      world.flushLine(i, describe(step));
      world.check();
    }
    await world.calm();
    world.flushLine(steps.length, 'faults stop');
    for (let i = 0; i < CONVERGENCE_STEPS; i++) {
      await world.advance(1000);
      await world.reconcile();
      world.overrideIfRefused();
      world.flushLine(steps.length + 1 + i, 'reconcile (calm)');
      world.check();
      if (world.converged()) return result();
    }
    return result({ invariant: 'converges once faults stop', detail: `not running after ${CONVERGENCE_STEPS} reconciles without faults (phase ${world.kube.rss.status?.phase ?? 'none'}: ${world.kube.rss.status?.conditions?.find((c) => c.type === 'Progressing')?.message ?? ''})` }, steps.length + CONVERGENCE_STEPS);
  } catch (error) {
    if (error instanceof InvariantBroken) {
      world.flushLine(-1, 'broken');
      return result(error.violation, world.trace.length - 1);
    }
    throw error;
  }
}
