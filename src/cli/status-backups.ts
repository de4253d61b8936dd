// The Backups part of `kubectl rss status` (BackupsSummary): the cluster's backups and backup schedules,
// summed up from the Backups and BackupSchedules of its namespace.

import type { Backup, BackupSchedule } from '../api/backup-types.ts';
import { LABEL_BACKUP_SCHEDULE } from '../api/names.ts';
import type { ReplicatedStatefulSet } from '../api/types.ts';
import { backupsOf, iso, latestCompleted, ms } from './backups.ts';
import { shownSequence } from './format.ts';
import type { BackupsSummary, ScheduleView } from './status-view.ts';

export function backupsSummary(rss: ReplicatedStatefulSet, all: readonly Backup[] | undefined, allSchedules: readonly BackupSchedule[] | undefined): BackupsSummary {
  const name = rss.metadata.name ?? '';
  const configured = rss.spec?.backup?.storage !== undefined;
  const schedules: ScheduleView[] = (allSchedules ?? [])
    .filter((s) => s.spec?.cluster === name)
    .map((s) => {
      const ready = s.status?.conditions?.find((c) => c.type === 'Ready');
      return {
        name: s.metadata.name ?? '',
        schedule: s.spec.schedule,
        suspended: s.spec.suspend === true,
        nextScheduleTime: s.status?.nextScheduleTime ?? null,
        lastScheduleTime: s.status?.lastScheduleTime ?? null,
        lastSuccessfulBackup: s.status?.lastSuccessfulBackup ?? null,
        ready: ready === undefined ? null : ready.status === 'True',
        message: s.status?.message ?? null,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  const schedulesPart = { schedulesListed: allSchedules !== undefined, schedules };

  if (all === undefined) {
    const last = rss.status?.lastBackup;
    return {
      configured,
      listed: false,
      total: 0,
      completed: 0,
      lastCompleted: last
        ? { name: last.name, completedAt: last.completedAt, size: last.size, member: last.member ?? null, sequence: shownSequence(last.sequence, last.history), schedule: null }
        : null,
      lastFailed: null,
      inProgress: null,
      ...schedulesPart,
    };
  }
  const mine = backupsOf(all, name);
  const latest = latestCompleted(mine, name);
  const finished = (b: Backup) => ms(b.status?.completedAt ?? iso(b.metadata.creationTimestamp));
  const failed = mine.filter((b) => b.status?.phase === 'Failed').sort((a, b) => finished(b) - finished(a))[0];
  // Newest first already; a Running backup is the one to show over a Pending one queued behind it.
  const active = mine.find((b) => b.status?.phase === 'Running') ?? mine.find((b) => (b.status?.phase ?? 'Pending') === 'Pending' && !b.metadata.deletionTimestamp);
  return {
    configured,
    listed: true,
    total: mine.length,
    completed: mine.filter((b) => b.status?.phase === 'Completed').length,
    lastCompleted: latest
      ? {
          name: latest.metadata.name ?? '',
          completedAt: latest.status?.completedAt ?? null,
          size: typeof latest.status?.size === 'number' ? latest.status.size : null,
          member: latest.status?.member ?? null,
          sequence: shownSequence(latest.status?.sequence, latest.status?.history),
          schedule: latest.metadata.labels?.[LABEL_BACKUP_SCHEDULE] ?? null,
        }
      : null,
    lastFailed:
      failed && (latest === undefined || finished(failed) > finished(latest))
        ? { name: failed.metadata.name ?? '', completedAt: failed.status?.completedAt ?? null, message: failed.status?.message ?? null }
        : null,
    inProgress: active
      ? {
          name: active.metadata.name ?? '',
          phase: active.status?.phase === 'Running' ? 'Running' : 'Pending',
          member: active.status?.member ?? null,
          role: active.status?.role ?? null,
          created: iso(active.metadata.creationTimestamp),
          startedAt: active.status?.startedAt ?? null,
          message: active.status?.message ?? null,
        }
      : null,
    ...schedulesPart,
  };
}
