// The Events a new status deserves, judged against the status last written (so that they are not repeated
// after an operator restart): a condition turning to a Warning reason, and the rolling update's transitions.
import type { ReplicatedStatefulSet, RolloutStatus, ReplicatedStatefulSetStatus, StatusCondition } from '../api/types.ts';
import type { EventSink } from './ports.ts';
import { isWarningReason } from '../engine/reasons.ts';
import type { EventType } from '../kube/events.ts';

export interface Announcement {
  type: EventType;
  reason: string;
  message: string;
}

export function conditionAnnouncements(previous: ReplicatedStatefulSetStatus | undefined, conditions: StatusCondition[]): Announcement[] {
  const before = new Map((previous?.conditions ?? []).map((c) => [c.type, c]));
  const out: Announcement[] = [];
  for (const c of conditions) {
    const was = before.get(c.type);
    if (isWarningReason(c.reason) && (was?.reason !== c.reason || was.message !== c.message)) out.push({ type: 'Warning', reason: c.reason, message: c.message });
  }
  return out;
}

export function rolloutAnnouncements(previous: ReplicatedStatefulSetStatus | undefined, now: RolloutStatus | undefined): Announcement[] {
  if (!now) return [];
  const before = previous?.rollout;
  const counts = `${now.updated} of ${now.total} members run revision ${now.revision}`;
  if (now.state === 'Halted' && now.halted && (before?.state !== 'Halted' || before.halted?.member !== now.halted.member || before.revision !== now.revision)) {
    return [{ type: 'Warning', reason: 'RolloutHalted', message: `Rolling update halted: ${now.halted.member} failed on revision ${now.revision} (${now.halted.reason}); ${counts}. It resumes when ${now.halted.member} runs healthy again or the pod template is changed` }];
  }
  if (now.state === 'RollingUpdate' && (before === undefined || before === null || before.revision !== now.revision || before.state === 'Complete')) {
    return [{ type: 'Normal', reason: 'RollingUpdate', message: `Rolling update to revision ${now.revision} started: ${counts}; members are replaced one at a time, secondaries first` }];
  }
  if (now.state === 'RollingUpdate' && before?.state === 'Halted' && before.revision === now.revision) {
    return [{ type: 'Normal', reason: 'RollingUpdate', message: `Rolling update to revision ${now.revision} resumed: ${counts}` }];
  }
  if (now.state === 'Complete' && before !== undefined && before !== null && before.state !== 'Complete') {
    return [{ type: 'Normal', reason: 'RolloutComplete', message: `Rolling update complete: ${counts}${now.skipped?.length ? ` (fenced, not updated: ${now.skipped.join(', ')})` : ''}` }];
  }
  return [];
}

/**
 * Events recorded without waiting for them, so that the next command is not held up by the write; the
 * reconcile waits for its cluster's at the end (flush), so none is left behind when it returns.
 */
export class PendingEvents {
  private readonly sink: EventSink;
  /** Per cluster, events recorded and not yet known to be written (EventSink.record never rejects). */
  private readonly pending = new Map<string, Promise<void>[]>();

  constructor(sink: EventSink) {
    this.sink = sink;
  }

  record(rss: ReplicatedStatefulSet, type: EventType, reason: string, message: string): void {
    const subject = { namespace: rss.metadata.namespace!, name: rss.metadata.name! };
    const key = `${subject.namespace}/${subject.name}`;
    const list = this.pending.get(key) ?? [];
    list.push(this.sink.record(rss.metadata.uid ? { ...subject, uid: rss.metadata.uid } : subject, type, reason, message));
    this.pending.set(key, list);
  }

  async flush(namespace: string, name: string): Promise<void> {
    const key = `${namespace}/${name}`;
    const list = this.pending.get(key);
    this.pending.delete(key);
    if (list) await Promise.all(list);
  }
}
