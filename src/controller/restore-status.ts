// status.restore for one cluster: the restore asked for now (and the object it names), when the one under
// way started, and the one just completed — what the reconciler shows while a restore runs and after it.
import type { RestoreStatus } from '../api/backup-types.ts';
import type { Plan } from '../engine/types.ts';
import { formatSequence, sequenceToJson, type Sequence } from '../engine/index.ts';
import type { RestoreSource } from './restore.ts';

export class RestoreProgressTracker {
  /** The restore asked for in this reconcile, and the object it names. */
  source: RestoreSource | undefined;
  private startedAt: string | undefined;
  private completed: RestoreStatus | undefined;

  /** A restore into `member` starts (or is retried: the first start is kept). */
  started(backup: string, member: string, now: number): RestoreStatus | undefined {
    this.startedAt ??= new Date(now).toISOString();
    if (this.source === undefined) return undefined;
    const objectKey = this.source.objectKey;
    return {
      backup,
      requestedBy: this.source.request.via,
      phase: 'Restoring',
      member,
      message: `streaming backup ${backup} into ${member}'s restore command`,
      startedAt: this.startedAt,
      ...(objectKey ? { objectKey } : {}),
    };
  }

  /** The restored member was seeded. */
  seeded(backup: string, sequence: Sequence | null, now: number): void {
    if (this.source === undefined) return;
    this.completed = {
      backup,
      requestedBy: this.source.request.via,
      phase: 'Completed',
      ...(this.source.objectKey ? { objectKey: this.source.objectKey } : {}),
      sequence: sequence === null ? null : sequenceToJson(sequence.value),
      ...(sequence?.history !== undefined ? { history: sequence.history } : {}),
      message: `restored from backup ${backup} and seeded${sequence !== null ? ` at sequence ${formatSequence(sequence)}` : ''}`,
      ...(this.startedAt ? { startedAt: this.startedAt } : {}),
      completedAt: new Date(now).toISOString(),
    };
    this.startedAt = undefined;
  }

  /** status.restore for this plan: the restore under way, the one just completed, or none (the status keeps its own). */
  status(plan: Plan): RestoreStatus | undefined {
    if (plan.restore !== undefined && this.source !== undefined) {
      const r = plan.restore;
      return {
        backup: r.backup,
        requestedBy: r.via,
        phase: r.phase,
        message: r.message,
        ...(this.source.objectKey ? { objectKey: this.source.objectKey } : {}),
        ...(r.member ? { member: r.member } : {}),
        ...(this.startedAt ? { startedAt: this.startedAt } : {}),
      };
    }
    return this.completed;
  }
}
