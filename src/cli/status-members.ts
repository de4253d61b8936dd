// The members of `kubectl rss status`: each member's MemberView, from the operator's record of it and its
// pod, and what its last `status` result means.

import { ordinalOf } from '../api/names.ts';
import type { MemberStatus } from '../api/types.ts';
import { roleFromStatus } from '../engine/outcomes.ts';
import { iso } from './backups.ts';
import { shownSequence } from './format.ts';
import type { MemberView, PodLike, StatusMeaning } from './status-view.ts';

/** What an exit code of the `status` command means; `hasSecondary`: a `secondary` command is configured. */
export function statusMeaning(result: number | 'timeout' | 'error', hasSecondary: boolean): StatusMeaning {
  if (result === 'timeout' || result === 'error') return result;
  // The contract's exit codes are interpreted in one place, the engine's.
  const role = roleFromStatus(result, hasSecondary);
  return role === 'unknown' ? 'failed' : role;
}

export function memberView(name: string, record: MemberStatus | undefined, pod: PodLike | undefined, fenced: boolean, cluster: string, hasSecondary: boolean, updateRevision: string | null): MemberView {
  const revision = record?.revision ?? pod?.metadata?.labels?.['controller-revision-hash'] ?? null;
  const lastStatus = record?.lastStatus ?? null;
  return {
    name,
    ordinal: ordinalOf(name, cluster) ?? null,
    role: record?.role ?? null,
    fenced: fenced || record?.fenced === true,
    sequence: shownSequence(record?.sequence, record?.history),
    degraded: record?.degraded === true,
    // A merge patch drops nulls, so an unknown sequence may be stored as a sequenceTime without a sequence.
    sequenceRead: record !== undefined && (record.sequence !== undefined || record.sequenceTime !== undefined),
    sequenceTime: record?.sequenceTime ?? null,
    lastStatus,
    lastStatusMeaning: lastStatus === null ? null : statusMeaning(lastStatus, hasSecondary),
    failures: record?.failures ?? 0,
    seedFailures: record?.seedFailures ?? 0,
    stopFailed: record?.stopFailed === true,
    lastError: record?.lastError ?? null,
    disruption: record?.disruption ?? null,
    revision,
    outdated: revision === null || updateRevision === null ? null : revision !== updateRevision,
    podUID: record?.podUID ?? null,
    pod: pod
      ? {
          uid: pod.metadata?.uid ?? null,
          phase: pod.status?.phase ?? null,
          created: iso(pod.metadata?.creationTimestamp),
          terminating: pod.metadata?.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null,
        }
      : null,
  };
}
