// The text of `kubectl rss status`: a StatusView rendered for a person (fields, then tables of conditions,
// members, backups and events). Pure: the ages depend on the `now` it is given.

import { ANNOTATION_PAUSED, ANNOTATION_RESTART, ANNOTATION_RESTORE, ANNOTATION_SEED_OVERRIDE, ANNOTATION_SWITCHOVER, statefulSetName } from '../api/names.ts';
import { age, humanBytes, table, until } from './format.ts';
import type { MemberView, StatusView } from './status-view.ts';

/** A revision without the `rss-<name>-` prefix every revision of the cluster shares. */
function shortRevision(revision: string, cluster: string): string {
  const prefix = `${statefulSetName(cluster)}-`;
  return revision.startsWith(prefix) ? revision.slice(prefix.length) : revision;
}

function memberRole(m: MemberView): string {
  const notes: string[] = [];
  if (m.fenced) notes.push('fenced');
  if (m.degraded) notes.push('degraded');
  if (m.stopFailed) notes.push('stop failed');
  if (m.pod?.terminating) notes.push('pod terminating');
  else if (m.pod && m.pod.phase !== null && m.pod.phase !== 'Running') notes.push(`pod ${m.pod.phase}`);
  const role = m.role ?? '-';
  return notes.length > 0 ? `${role} (${notes.join(', ')})` : role;
}

function memberSequence(m: MemberView): string {
  if (m.sequence !== null) return String(m.sequence);
  return m.sequenceRead ? 'unknown' : '-';
}

function memberStatus(m: MemberView): string {
  if (m.lastStatus === null) return '-';
  if (typeof m.lastStatus === 'number') return `${m.lastStatus} ${m.lastStatusMeaning}`;
  return m.lastStatus;
}

function memberFailures(m: MemberView): string {
  return m.seedFailures > 0 ? `${m.failures} (seed ${m.seedFailures})` : String(m.failures);
}

function memberRevision(m: MemberView, cluster: string): string {
  if (m.revision === null) return '-';
  return shortRevision(m.revision, cluster) + (m.outdated ? ' (outdated)' : '');
}

/** A member whose last error still matters: it is not running cleanly, or its sequence is unknown. */
function troubled(m: MemberView): boolean {
  if (m.lastError === null) return false;
  return m.role === 'failed' || m.role === 'stopped' || m.role === 'unknown' || m.failures > 0 || m.stopFailed || (m.sequenceRead && m.sequence === null);
}

function yesNo(view: StatusView): string {
  const { paused } = view;
  if (!paused.paused) return 'no';
  const by: string[] = [];
  if (paused.bySpec) by.push('spec.paused');
  if (paused.byAnnotation) by.push(`annotation ${ANNOTATION_PAUSED}`);
  return `yes (${by.join(' and ')})`;
}

function ago(time: string, now: Date): string {
  const a = age(time, now);
  return a === '-' ? `at ${time}` : `${a} ago`;
}

/** The text printed by `kubectl rss status`. */
export function renderStatusText(view: StatusView, now: Date): string {
  const fields: [string, string][] = [
    ['Name', view.name],
    ['Namespace', view.namespace],
    ['Phase', view.phase ?? '- (no status yet: is the operator running?)'],
  ];
  if (view.generation !== null && view.observedGeneration !== null && view.observedGeneration < view.generation) {
    fields.push(['Observed', `generation ${view.observedGeneration} of ${view.generation}: the operator has not acted on the latest spec yet`]);
  }
  const r = view.replicas;
  fields.push(['Replicas', `${r.ready}/${r.wanted} ready, ${r.primaries}/${r.primariesWanted} primaries${r.pods === null ? '' : `, ${r.pods} ${r.pods === 1 ? 'pod' : 'pods'}`}`]);
  fields.push(['Paused', yesNo(view)]);
  fields.push(['Fenced', view.fenced.length > 0 ? view.fenced.join(', ') : 'none']);
  if (view.pending.restart !== null) fields.push(['Restart pending', `${view.pending.restart} (${ANNOTATION_RESTART})`]);
  if (view.pending.switchover !== null) fields.push(['Switchover pending', `to ${view.pending.switchover} (${ANNOTATION_SWITCHOVER})`]);
  if (view.switchover !== null) fields.push(['Switchover', `under way from ${view.switchover.from} to ${view.switchover.target} (${view.switchover.via}): the primary was stopped; the target is promoted if it has caught up`]);
  if (view.pending.seedOverride !== null) {
    fields.push(['Seed override', `${view.pending.seedOverride} (${ANNOTATION_SEED_OVERRIDE}: seeded at the next bootstrap)`]);
  }
  if (view.pending.restore !== null) {
    fields.push(['Restore pending', `${view.pending.restore} (${ANNOTATION_RESTORE}: restored when no primary runs and every member is empty)`]);
  }
  const b = view.lastBootstrap;
  fields.push([
    'Last bootstrap',
    b === null ? 'never' : `${b.pod} at sequence ${b.sequence ?? 'unknown'}, ${ago(b.time, now)}${b.override ? ', by seed-override' : ''}`,
  ]);
  fields.push(['High-water mark', view.highestSequence === null ? 'none recorded' : String(view.highestSequence)]);
  if (view.disruption !== null) {
    fields.push(['Drain', view.disruption.message]);
    for (const m of view.members) if (m.disruption !== null) fields.push(['', `${m.name}: ${m.disruption}`]);
  }
  if (view.rollout !== null) {
    const ro = view.rollout;
    fields.push(['Rollout', `${ro.state}, ${ro.updated}/${ro.total} members on revision ${shortRevision(ro.revision, view.name)}`]);
    if (ro.halted !== null) {
      fields.push(['', `halted at ${ro.halted.member} (revision ${shortRevision(ro.halted.revision, view.name)}) ${ago(ro.halted.time, now)}: ${ro.halted.reason}`]);
    }
    if (ro.skipped.length > 0) fields.push(['', `skipped (fenced): ${ro.skipped.join(', ')}`]);
  } else if (view.updateRevision !== null) {
    const updated = view.updatedReplicas === null ? '' : ` (${view.updatedReplicas}/${r.wanted} members updated)`;
    fields.push(['Update revision', `${shortRevision(view.updateRevision, view.name)}${updated}`]);
  }

  const label = Math.max(...fields.map(([k]) => k.length)) + 2;
  const lines = fields.map(([k, v]) => (k === '' ? ' '.repeat(label) : `${k}:`.padEnd(label)) + v);

  lines.push('', 'Conditions:');
  if (view.conditions.length === 0) lines.push('  none');
  else lines.push(...table([['TYPE', 'STATUS', 'REASON', 'MESSAGE'], ...view.conditions.map((c) => [c.type, c.status, c.reason, c.message])], '  '));

  lines.push('', 'Members:');
  lines.push(
    ...table(
      [
        ['MEMBER', 'ROLE', 'SEQUENCE', 'STATUS', 'FAILURES', 'REVISION', 'AGE'],
        ...view.members.map((m) => [m.name, memberRole(m), memberSequence(m), memberStatus(m), memberFailures(m), memberRevision(m, view.name), m.pod === null ? '-' : age(m.pod.created, now)]),
      ],
      '  ',
    ),
  );

  const errors = view.members.filter(troubled);
  if (errors.length > 0) {
    lines.push('', 'Last errors:');
    for (const m of errors) lines.push(`  ${m.name}: ${m.lastError}`);
  }

  if (showBackups(view)) lines.push('', 'Backups:', ...renderBackups(view, now));

  lines.push('', 'Events:');
  if (view.events.length === 0) lines.push('  none');
  else {
    lines.push(
      ...table(
        [
          ['TYPE', 'REASON', 'AGE', 'MESSAGE'],
          ...view.events.map((e) => [e.type, e.reason, e.count > 1 ? `${age(e.lastTime, now)} (x${e.count} over ${age(e.firstTime, now)})` : age(e.lastTime, now), e.message]),
        ],
        '  ',
      ),
    );
  }
  return lines.join('\n') + '\n';
}

/** Whether the Backups part says anything: a cluster that has never heard of backups is shown without it. */
function showBackups(view: StatusView): boolean {
  const b = view.backups;
  return b.configured || b.total > 0 || b.lastCompleted !== null || b.schedules.length > 0 || view.restore !== null;
}

function restoreText(r: NonNullable<StatusView['restore']>, now: Date): string {
  const when = r.completedAt !== null ? `, ${ago(r.completedAt, now)}` : r.startedAt !== null ? `, started ${ago(r.startedAt, now)}` : '';
  // The operator's messages mostly name the backup (and the member) already: say it only when they do not.
  const what = r.message !== null && r.message.includes(r.backup) ? '' : `backup ${r.backup}${r.member === null ? '' : ` into ${r.member}`}, `;
  return `${r.phase} (${what}requested by ${r.requestedBy}${when})${r.message === null ? '' : `: ${r.message}`}`;
}

function renderBackups(view: StatusView, now: Date): string[] {
  const b = view.backups;
  const fields: [string, string][] = [];
  const last = b.lastCompleted;
  if (last !== null) {
    const what = [last.size === null ? undefined : humanBytes(last.size), last.member === null ? undefined : `from ${last.member}`].filter((x) => x !== undefined).join(' ');
    const details = [what, `sequence ${last.sequence ?? 'unknown'}`, last.schedule === null ? undefined : `schedule ${last.schedule}`].filter((x) => x !== undefined && x !== '');
    fields.push(['Last completed', `${last.name}${last.completedAt === null ? '' : `, ${ago(last.completedAt, now)}`}: ${details.join(', ')}`]);
  } else {
    fields.push(['Last completed', b.listed ? 'none' : 'unknown (the Backups could not be listed)']);
  }
  if (b.lastFailed !== null) {
    const f = b.lastFailed;
    fields.push(['Last failed', `${f.name}${f.completedAt === null ? '' : `, ${ago(f.completedAt, now)}`}${f.message === null ? '' : `: ${f.message}`}`]);
  }
  if (b.inProgress !== null) {
    const p = b.inProgress;
    const since = p.phase === 'Running' && p.startedAt !== null ? `, started ${ago(p.startedAt, now)}` : p.created !== null ? `, created ${ago(p.created, now)}` : '';
    fields.push(['In progress', `${p.name} (${p.phase}${since})${p.message === null ? '' : `: ${p.message}`}`]);
  }
  if (b.listed && b.total > 0) fields.push(['All backups', `${b.total} (${b.completed} completed): kubectl rss backups ${view.name} -n ${view.namespace}`]);
  if (view.restore !== null) fields.push(['Restore', restoreText(view.restore, now)]);
  if (b.schedules.length === 0) fields.push(['Schedules', b.schedulesListed ? 'none' : 'unknown (the BackupSchedules could not be listed)']);
  else fields.push(['Schedules', '']);

  const label = Math.max(...fields.map(([k]) => k.length)) + 2;
  const lines = fields.map(([k, v]) => `  ${`${k}:`.padEnd(label)}${v}`.trimEnd());
  if (b.schedules.length > 0) {
    lines.push(
      ...table(
        [
          ['NAME', 'SCHEDULE', 'SUSPENDED', 'NEXT', 'LAST SUCCESSFUL'],
          ...b.schedules.map((s) => [
            s.name,
            s.schedule,
            s.suspended ? 'yes' : 'no',
            s.suspended ? '-' : until(s.nextScheduleTime, now),
            s.lastSuccessfulBackup ?? '-',
          ]),
        ],
        '    ',
      ),
    );
    for (const s of b.schedules) if (s.ready === false && s.message !== null) lines.push(`    ${s.name}: ${s.message}`);
  }
  return lines;
}
