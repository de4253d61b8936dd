// The policy engine's vocabulary. Everything here is plain data: the engine imports nothing from
// Kubernetes, so every decision can be tested without a cluster.
import type { ConditionReason } from './reasons.ts';
import type { Sequence } from './sequence.ts';

/** What the operator believes a member's application is doing. */
export type Role = 'primary' | 'secondary' | 'stopped' | 'failed' | 'unknown';

/** The cluster's wishes, already defaulted and validated (see src/api/spec.ts). */
export interface ClusterPolicy {
  /** Members wanted (ordinals 0 … replicas-1). */
  replicas: number;
  /** How many members run as primary; the rest run as secondary. */
  primaries: number;
  /** A `seed` command is configured; otherwise `primary` with no peers starts a new cluster. */
  hasSeedCommand: boolean;
  /** A `secondary` command is configured. */
  hasSecondaryCommand: boolean;
  /** How often each member's `status` command runs. */
  statusIntervalMs: number;
  /**
   * How often the sequence of one running primary is read to keep the high-water mark current (0: never;
   * the mark then moves only with reads of stopped members).
   */
  sequenceIntervalMs: number;
  /** Consecutive failures (failed join, failed status after restart) before the pod is replaced. */
  failureThreshold: number;
  /** Take no action on the application. */
  paused: boolean;
  /** What paused it, for the condition message (e.g. "spec.paused is true"). */
  pausedBy?: string;
  /** Pod named by the seed-override annotation: seed it even below the high-water mark or with unknown peers. */
  seedOverride?: string;
  /** Fenced members: stopped once, then left alone (no probe, join, restart or replacement) and never seeded. */
  fenced: string[];
  /** A member to restart cleanly: stopped once, then it rejoins like any stopped member. */
  restart?: string;
  /** A restore from a backup that is asked for. */
  restore?: RestoreRequest;
  /** A planned switchover that is asked for: the member to become the primary. */
  switchover?: string;
}

/**
 * A restore from a backup, as asked for. The data goes into one empty member (every wanted member's
 * `sequence` is 0), which is then seeded; the others join it as usual.
 */
export interface RestoreRequest {
  /** The backup as the user named it (a Backup name or an object key); members restored from it carry it. */
  backup: string;
  /**
   * What asked: `bootstrap` (spec.bootstrap: only for a cluster never bootstrapped), `annotation` (a person,
   * when no primary runs), `policy` (spec.backup.restoreOnDataLoss: only when every member is empty while
   * the high-water mark says data existed).
   */
  via: 'bootstrap' | 'annotation' | 'policy';
  /** Why the backup cannot be restored now (not found, not complete, storage not configured): waited on and shown. */
  problem?: string;
  /**
   * The sequence the backup recorded when it started, when known: a restored member must report at least
   * that. Less (0, after a restore whose stream was cut but reported as a success) means the restore did
   * not take, and the member is not seeded.
   */
  sequence?: Sequence;
}

/** What Kubernetes says about a member's pod. */
export type PodPhase = 'Missing' | 'Pending' | 'Running' | 'Terminating' | 'Failed';

export interface PodView {
  phase: PodPhase;
  uid?: string;
  /** Template revision the pod was created from (StatefulSet controller-revision-hash label). */
  revision?: string;
  /**
   * How many times the pod's containers were restarted in place (the sum of their restartCount). A restart
   * loses whatever ran in the container, as a new pod would, though the pod and its UID stay.
   */
  restarts?: number;
}

/** What the operator has recorded about a member; persisted in the RSS status, so it survives restarts. */
export interface MemberRecord {
  name: string;
  /** UID of the pod this record describes; a different UID means a new pod and a fresh record. */
  podUid?: string;
  /** The pod's container restarts when last observed; more restarts mean a fresh record, as a new pod does. */
  podRestarts?: number;
  role: Role;
  /**
   * Last sequence reported for this pod while the application was stopped.
   * undefined = not asked yet; null = asked, and the answer was unknown (non-zero exit or not a number).
   */
  sequence?: Sequence | null;
  /** When the sequence was read (ms since epoch). */
  sequenceAt?: number;
  /** Outcome of the last `status` run: exit code, or 'timeout' / 'error' (exec could not run). */
  lastStatus?: number | 'timeout' | 'error';
  /** When `status` last ran (ms since epoch); kept in memory, absent after an operator restart. */
  lastStatusAt?: number;
  /** The last `status` said running but degraded (190 / 191): reported, not acted on. */
  degraded?: boolean;
  /**
   * The primaries this member was started as a secondary of (their names); absent for a member started
   * before this was recorded. When none of them runs as primary any more, the secondary is re-pointed.
   */
  following?: string[];
  /** Consecutive failures; reset once the member runs healthy. */
  failures: number;
  /** Seed attempts that failed on this pod; used to rotate among tied seed candidates. */
  seedFailures: number;
  /** The last `stop` on this pod failed: it can only be replaced. */
  stopFailed?: boolean;
  /**
   * The fencing stop ran on this pod: it is left alone even by a restarted operator, which would otherwise
   * probe it once to learn whether it runs (the recorded role may predate a start the status never showed).
   */
  fenceStopped?: boolean;
  /** One line about the last failure, for status and events. */
  lastError?: string;
  /** Failed restore attempts on this pod; the target of the next attempt rotates by it. */
  restoreFailures?: number;
  /** When the last restore on this pod failed (ms since epoch; in memory only). */
  restoreFailedAt?: number;
  /** The backup whose restore into this member succeeded; cleared once it is seeded. */
  restoredFrom?: string;
}

export interface MemberObservation {
  name: string;
  ordinal: number;
  pod: PodView;
  /** As recorded; the engine treats it as fresh when record.podUid !== pod.uid. */
  record: MemberRecord;
}

export interface Observation {
  now: number;
  /** Every ordinal that has a pod or a record, and every ordinal below policy.replicas; sorted by ordinal. */
  members: MemberObservation[];
  /** High-water mark: the highest sequence ever recorded for this cluster (and its history). */
  highestSequence?: Sequence;
  /** The StatefulSet's current spec.replicas (0 when it does not exist yet). */
  statefulSetReplicas: number;
  /**
   * Template revision new pods get (the StatefulSet's updateRevision), once the StatefulSet controller has
   * seen the current template; undefined while it has not (no rollout decision is made on a stale one).
   */
  updateRevision?: string;
  /** The recorded halt of the rolling update, if any. */
  rolloutHalt?: RolloutHalt;
  /** The revision of a rolling update recorded as not complete yet (it completes once every member runs it healthy). */
  rolloutUnderWay?: string;
  /** When a running primary's sequence was last read for the high-water mark (ms since epoch; in memory only). */
  runningSequenceAt?: number;
  /** The cluster was seeded at least once (a spec.bootstrap restore applies only before that). */
  bootstrapped?: boolean;
  /** A switchover under way: its primary was stopped to hand the role to `target`. */
  switchover?: SwitchoverUnderWay;
}

/** A switchover whose first step (the clean stop of the primary) is done. */
export interface SwitchoverUnderWay {
  /** The member that should become the primary. */
  target: string;
  /** The primary that was stopped. */
  from: string;
  /** What asked: a person (the annotation) or the rolling update. */
  via: 'annotation' | 'rollout';
}

/** A member whose failure on a new revision halted the rolling update. */
export interface RolloutHalt {
  member: string;
  revision: string;
  reason: string;
  /** ms since epoch. */
  at: number;
}

/** Where the rolling update stands. */
export interface RolloutProgress {
  revision: string;
  /** Wanted members whose pod runs `revision`. */
  updated: number;
  total: number;
  state: 'RollingUpdate' | 'Halted' | 'Complete';
  /** Outdated members the rollout leaves alone (fenced). */
  skipped: string[];
  halted?: RolloutHalt;
}

/** Read-only probes: safe to run in parallel, results are recorded before any decision that needs them. */
export type ReadAction =
  | { kind: 'status'; member: string }
  | { kind: 'sequence'; member: string }
  /** The sequence of a running primary: it only raises the high-water mark; the member's record is untouched. */
  | { kind: 'runningSequence'; member: string };

/** Why a member is stopped or its pod deleted; the executor names it in Events and clears one-shot requests. */
export type ChangeCause = 'failure' | 'scaleDown' | 'bootstrap' | 'balance' | 'fence' | 'restart' | 'rollout' | 'switchover';

/** Actions that change the application or its pods: at most one per reconcile. */
export type ChangeAction =
  /** restoredFrom: the member holds a restored backup; the high-water mark starts again from its sequence. */
  | { kind: 'seed'; member: string; sequence: Sequence | null; override: boolean; restoredFrom?: string }
  /** Stream the backup into the member's `restore` command (the member is stopped and empty). */
  | { kind: 'restore'; member: string; backup: string }
  /**
   * Start the member as primary or secondary of the running primaries (`following`, their names). A member
   * already running as a secondary whose primary is gone is re-pointed the same way, without a stop.
   */
  | { kind: 'join'; member: string; as: 'primary' | 'secondary'; following: string[] }
  /** switchover: the primary is stopped to hand its role over (cause 'switchover'). */
  | { kind: 'stop'; member: string; reason: string; cause: ChangeCause; switchover?: SwitchoverUnderWay }
  | { kind: 'deletePod'; member: string; reason: string; cause: ChangeCause };

export type ConditionType = 'Available' | 'Progressing' | 'Degraded' | 'Bootstrapped' | 'Updated';

export interface Condition {
  type: ConditionType | 'SpecValid' | 'Paused';
  status: 'True' | 'False' | 'Unknown';
  /** CamelCase, machine-readable. */
  reason: ConditionReason;
  /** One line for a person: what is happening and, when waiting, why and what to do. */
  message: string;
}

export type Phase = 'Creating' | 'Bootstrapping' | 'Recovering' | 'Updating' | 'Running' | 'Degraded' | 'Stopped' | 'Paused' | 'Invalid';

export interface Plan {
  /** Probes to run now (in parallel). When non-empty, `change` is absent: decide again with their results. */
  reads: ReadAction[];
  /** The one change to make now, if any. */
  change?: ChangeAction;
  /** What the StatefulSet's replicas should be now (scale-down waits until removed members are stopped). */
  statefulSetReplicas: number;
  phase: Phase;
  conditions: Condition[];
  /** Highest sequence known after this observation (never lower than the recorded one). */
  highestSequence?: Sequence;
  /** Records normalised for this observation (fresh records for new pods), keyed by member name. */
  records: MemberRecord[];
  /** Reconcile again after this long even if nothing changes (next status probe, retry backoff). */
  requeueAfterMs: number;
  /** The rolling update, when the update revision is known. */
  rollout?: RolloutProgress;
  /** The restart request cannot or need not be carried out (the member does not run): why, to drop it. */
  restartDropped?: string;
  /** The restore annotation cannot or need not be carried out (a primary runs): why, to drop it. */
  restoreDropped?: string;
  /** The switchover annotation cannot or need not be carried out: why, to drop it. */
  switchoverDropped?: string;
  /** Where the restore stands, while one is asked for and applies. */
  restore?: RestoreProgress;
}

/** Where an asked-for restore stands (status.restore). */
export interface RestoreProgress {
  backup: string;
  via: RestoreRequest['via'];
  phase: 'Waiting' | 'Restoring' | 'Restored' | 'Failed';
  member?: string;
  message: string;
}

/** How a command run ended, as the executor saw it. */
export interface CommandOutcome {
  /** Exit code when the command ran to completion; null when it timed out or could not run. */
  exitCode: number | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** Set when the command could not be run at all (pod gone, exec refused). */
  error?: string;
}
