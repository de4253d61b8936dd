// The RSS status, to and from the engine's state: the state is persisted there so that a restarted operator
// (or a new leader) starts from what the last one knew, and the status tells the user what is known now.
import type { V1Pod } from '@kubernetes/client-node';
import { LABEL_REVISION, ordinalOf, selectorString } from '../api/names.ts';
import { describeProblems, type ResolvedSpec } from '../api/spec.ts';
import type { MemberStatus, ReplicatedStatefulSet, ReplicatedStatefulSetStatus, RolloutStatus, StatusCondition } from '../api/types.ts';
import type { RestoreStatus } from '../api/backup-types.ts';
import type { ClusterState } from '../engine/state.ts';
import { sequenceFromJson, sequenceToJson, type Sequence } from '../engine/index.ts';
import type { Disruption } from './disruption.ts';
import type { Condition, MemberRecord, Plan, RolloutHalt, RolloutProgress } from '../engine/types.ts';

/** A sequence as the status holds it (value and history apart), or null when absent or unreadable. */
export function sequenceFromStatus(value: unknown, history: string | null | undefined): Sequence | null {
  const v = sequenceFromJson(value);
  if (v === undefined) return null;
  return typeof history === 'string' && history !== '' ? { value: v, history } : { value: v };
}

function toRecord(s: MemberStatus): MemberRecord {
  const r: MemberRecord = { name: s.name, role: s.role, failures: s.failures ?? 0, seedFailures: s.seedFailures ?? 0 };
  if (s.podUID) r.podUid = s.podUID;
  if (typeof s.podRestarts === 'number') r.podRestarts = s.podRestarts;
  if (s.sequence !== undefined) r.sequence = sequenceFromStatus(s.sequence, s.history);
  if (s.degraded) r.degraded = true;
  if (Array.isArray(s.following)) r.following = s.following;
  if (s.sequenceTime) r.sequenceAt = Date.parse(s.sequenceTime);
  if (s.lastStatus !== undefined) r.lastStatus = s.lastStatus;
  if (s.stopFailed) r.stopFailed = true;
  if (s.fenceStopped) r.fenceStopped = true;
  if (s.lastError) r.lastError = s.lastError;
  if (s.restoreFailures) r.restoreFailures = s.restoreFailures;
  if (s.restoredFrom) r.restoredFrom = s.restoredFrom;
  return r;
}

function toMemberStatus(r: MemberRecord, pod: V1Pod | undefined, fenced: boolean, disruption: string | undefined): MemberStatus {
  const s: MemberStatus = { name: r.name, role: r.role, failures: r.failures, seedFailures: r.seedFailures };
  if (r.podUid) s.podUID = r.podUid;
  if (r.podRestarts !== undefined) s.podRestarts = r.podRestarts;
  if (r.sequence !== undefined) s.sequence = r.sequence === null ? null : sequenceToJson(r.sequence.value);
  if (r.sequence?.history !== undefined) s.history = r.sequence.history;
  if (r.degraded) s.degraded = true;
  if (r.following !== undefined) s.following = r.following;
  if (r.sequenceAt !== undefined) s.sequenceTime = new Date(r.sequenceAt).toISOString();
  if (r.lastStatus !== undefined) s.lastStatus = r.lastStatus;
  if (r.stopFailed) s.stopFailed = true;
  if (r.fenceStopped) s.fenceStopped = true;
  if (r.lastError) s.lastError = r.lastError;
  const revision = pod?.metadata?.labels?.[LABEL_REVISION];
  if (revision) s.revision = revision;
  if (fenced) s.fenced = true;
  if (r.restoreFailures) s.restoreFailures = r.restoreFailures;
  if (r.restoredFrom) s.restoredFrom = r.restoredFrom;
  if (disruption) s.disruption = disruption;
  return s;
}

/** A condition before it is stamped with its transition time. */
export type ConditionText = Pick<StatusCondition, 'type' | 'status' | 'reason' | 'message'>;

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

function haltFromStatus(rss: ReplicatedStatefulSet, now: number): RolloutHalt | undefined {
  const h = rss.status?.rollout?.halted;
  if (!h?.member || !h.revision) return undefined;
  const at = Date.parse(h.time);
  return { member: h.member, revision: h.revision, reason: h.reason ?? '', at: Number.isNaN(at) ? now : at };
}

/** The engine's state as the last status written left it (after an operator restart or a change of leader). */
export function stateFromStatus(rss: ReplicatedStatefulSet, now: number): ClusterState {
  const state: ClusterState = { records: new Map((rss.status?.memberStatus ?? []).map((s) => [s.name, toRecord(s)])), done: {} };
  const mark = sequenceFromStatus(rss.status?.highestSequence, rss.status?.highestSequenceHistory);
  if (mark !== null) state.highestSequence = mark;
  const switchover = rss.status?.switchover;
  if (switchover?.target && switchover.from) state.switchover = { target: switchover.target, from: switchover.from, via: switchover.via === 'rollout' ? 'rollout' : 'annotation' };
  const halt = haltFromStatus(rss, now);
  if (halt) state.rolloutHalt = halt;
  const rollout = rss.status?.rollout;
  if (rollout?.revision && rollout.state !== 'Complete') state.rolloutUnderWay = rollout.revision;
  const bootstrap = rss.status?.lastBootstrap;
  if (bootstrap) {
    const at = Date.parse(bootstrap.time);
    state.lastBootstrap = { member: bootstrap.pod, sequence: sequenceFromStatus(bootstrap.sequence, bootstrap.history), at: Number.isNaN(at) ? now : at, override: !!bootstrap.override };
  }
  return state;
}

/** The status for this decision: the members as recorded, the plan's phase and conditions, and the rollout. */
export function buildStatus(
  rss: ReplicatedStatefulSet,
  spec: ResolvedSpec,
  state: ClusterState,
  plan: Plan,
  pods: Map<string, V1Pod>,
  restore: RestoreStatus | undefined,
  previous: ReplicatedStatefulSetStatus | undefined,
  now: number,
  disruption?: Disruption,
): ReplicatedStatefulSetStatus {
  const n = rss.metadata.name!;
  const records = [...state.records.values()].sort((a, b) => (ordinalOf(a.name, n) ?? 0) - (ordinalOf(b.name, n) ?? 0));
  const existing = records.filter((r) => pods.has(r.name));
  const names = (roles: string[]) => existing.filter((r) => roles.includes(r.role)).map((r) => r.name);
  const ready = names(['primary', 'secondary']);
  const conditions: ConditionText[] = [spec.warnings.length
      ? { type: 'SpecValid', status: 'True', reason: 'ValidWithWarnings', message: `Accepted with warnings: ${describeProblems(spec.warnings)}` }
      : { type: 'SpecValid', status: 'True', reason: 'Valid', message: 'The spec is valid' }, ...plan.conditions, ...(disruption?.condition ? [disruption.condition] : [])];
  const status: ReplicatedStatefulSetStatus = {
    phase: plan.phase,
    replicas: pods.size,
    restoreReplicas: previous?.restoreReplicas ?? 0,
    members: {
      ready,
      unready: existing.filter((r) => !ready.includes(r.name)).map((r) => r.name),
      primary: names(['primary']),
      secondary: names(['secondary']),
      failed: names(['failed']),
      stopped: names(['stopped', 'unknown']),
    },
    observedGeneration: rss.metadata.generation ?? 0,
    conditions: withTransitionTimes(rss, previous, conditions, now),
    readyReplicas: ready.length,
    primaryReplicas: names(['primary']).length,
    selector: selectorString(n),
    memberStatus: records.map((r) => toMemberStatus(r, pods.get(r.name), spec.policy.fenced.includes(r.name), disruption?.members.get(r.name))),
  };
  // Written as null when over, so that the merge patch removes what an earlier status said.
  if (disruption) status.disruption = disruption.status;
  else if (previous?.disruption) status.disruption = previous.disruption;
  if (state.highestSequence !== undefined) {
    status.highestSequence = sequenceToJson(state.highestSequence.value);
    status.highestSequenceHistory = state.highestSequence.history ?? null;
  }
  status.switchover = state.switchover ?? null;
  if (state.lastBootstrap) {
    const b = state.lastBootstrap;
    status.lastBootstrap = { pod: b.member, sequence: b.sequence === null ? null : sequenceToJson(b.sequence.value), time: new Date(b.at).toISOString(), override: b.override };
    status.lastBootstrap.history = b.sequence?.history ?? null;
  }
  if (restore !== undefined) status.restore = restore;
  else if (previous?.restore) status.restore = previous.restore;
  if (plan.rollout) {
    status.updateRevision = plan.rollout.revision;
    status.updatedReplicas = plan.rollout.updated;
    status.rollout = toRolloutStatus(plan.rollout);
  } else if (previous?.rollout) {
    // The StatefulSet controller has not caught up with a template change yet: keep what was known.
    status.rollout = previous.rollout;
    if (previous.updateRevision) status.updateRevision = previous.updateRevision;
    if (previous.updatedReplicas !== undefined) status.updatedReplicas = previous.updatedReplicas;
  }
  return status;
}

/** Conditions stamped with when they last changed status (kept from the previous status when unchanged). */
export function withTransitionTimes(rss: ReplicatedStatefulSet, previousStatus: ReplicatedStatefulSetStatus | undefined, conditions: ConditionText[], now: number): StatusCondition[] {
  const previous = new Map((previousStatus?.conditions ?? []).map((c) => [c.type, c]));
  const stamp = new Date(now).toISOString();
  return conditions.map((c) => {
    const before = previous.get(c.type);
    return { ...c, lastTransitionTime: before && before.status === c.status ? before.lastTransitionTime : stamp, observedGeneration: rss.metadata.generation ?? 0 };
  });
}
