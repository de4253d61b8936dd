import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { humanDuration, table } from '../../../src/cli/format.ts';
import { statusMeaning } from '../../../src/cli/status-members.ts';
import { renderStatusText } from '../../../src/cli/status-render.ts';
import { buildStatusView } from '../../../src/cli/status-view.ts';
import { NOW, backedUp, bootstrapping, degraded, healthy, restoring } from './fixtures.ts';
import { assertGolden } from './golden.ts';

describe('kubectl rss status: rendering', () => {
  for (const [name, fixture] of [['healthy', healthy], ['degraded', degraded], ['bootstrapping', bootstrapping], ['backed-up', backedUp], ['restoring', restoring]] as const) {
    it(`${name} cluster: text and json match the golden files`, () => {
      const view = buildStatusView(fixture());
      assertGolden(`${name}.txt`, renderStatusText(view, NOW));
      assertGolden(`${name}.json`, `${JSON.stringify(view, null, 2)}\n`);
    });
  }

  it('json and yaml carry the same object, with every field present', () => {
    const view = buildStatusView(degraded());
    const json = JSON.parse(JSON.stringify(view)) as Record<string, unknown>;
    assert.deepEqual(parse(JSON.stringify(view)), json);
    for (const view2 of [buildStatusView(healthy()), buildStatusView(bootstrapping()), buildStatusView(backedUp()), buildStatusView(restoring())]) {
      assert.deepEqual(Object.keys(view2), Object.keys(view), 'same top-level fields whatever the state');
      assert.deepEqual(Object.keys(view2.pending), Object.keys(view.pending));
      assert.deepEqual(Object.keys(view2.backups), Object.keys(view.backups));
      for (const [i, member] of view2.members.entries()) assert.deepEqual(Object.keys(member), Object.keys(view.members[i]!));
    }
    const full = buildStatusView(backedUp()).backups;
    for (const key of ['lastCompleted', 'lastFailed', 'inProgress'] as const) assert.notEqual(full[key], null, key);
    const restore = buildStatusView(restoring()).restore!;
    assert.deepEqual(Object.keys(restore), ['phase', 'backup', 'requestedBy', 'objectKey', 'member', 'sequence', 'message', 'startedAt', 'completedAt']);
  });

  it('backups: only the cluster\'s (by label, else spec.cluster); the newest completed is the last one, a newer failure and a running one are shown', () => {
    const view = buildStatusView(backedUp());
    const b = view.backups;
    assert.equal(b.total, 5, 'the other cluster\'s backup is not counted; the unlabelled one is, by spec.cluster');
    assert.equal(b.completed, 2);
    assert.equal(b.lastCompleted?.name, 'example-nightly-20260301030000');
    assert.equal(b.lastFailed?.name, 'example-20260301113000');
    assert.equal(b.inProgress?.name, 'example-20260301115900', 'a Running backup over a newer Pending one');
    assert.deepEqual(b.schedules.map((s) => [s.name, s.suspended, s.ready]), [['every-minute', false, false], ['nightly', false, true], ['weekly-offsite', true, true]]);
    // A failure older than the last completed backup is history.
    const input = backedUp();
    input.backups = input.backups!.filter((x) => x.metadata.name !== 'example-20260301115900' && x.metadata.name !== 'example-before-upgrade');
    input.backups.find((x) => x.metadata.name === 'example-nightly-20260301030000')!.status!.completedAt = new Date(NOW.getTime() - 60_000).toISOString();
    const later = buildStatusView(input).backups;
    assert.equal(later.lastFailed, null);
    assert.equal(later.inProgress, null);
    const text = renderStatusText(buildStatusView(input), NOW);
    assert.match(text, /^ {2}Last completed: example-nightly-20260301030000, 60s ago: 1\.2 GiB from rss-example-2, sequence 1742, schedule nightly$/m);
    assert.doesNotMatch(text, /Last failed|In progress/);
  });

  it('backups that cannot be listed: the last completed one comes from status.lastBackup, and the text says what is unknown', () => {
    const input = backedUp();
    delete input.backups;
    delete input.schedules;
    input.rss.status!.lastBackup = { name: 'example-nightly-20260301030000', completedAt: new Date(NOW.getTime() - 3600_000).toISOString(), size: 2048, sequence: 1742, member: 'rss-example-2' };
    const view = buildStatusView(input);
    assert.equal(view.backups.listed, false);
    assert.equal(view.backups.schedulesListed, false);
    assert.deepEqual(view.backups.lastCompleted, { name: 'example-nightly-20260301030000', completedAt: input.rss.status!.lastBackup.completedAt, size: 2048, member: 'rss-example-2', sequence: 1742, schedule: null });
    const text = renderStatusText(view, NOW);
    assert.match(text, /^ {2}Last completed: example-nightly-20260301030000, 60m ago: 2\.0 KiB from rss-example-2, sequence 1742$/m);
    assert.match(text, /^ {2}Schedules: +unknown \(the BackupSchedules could not be listed\)$/m);
    delete input.rss.status!.lastBackup;
    assert.match(renderStatusText(buildStatusView(input), NOW), /^ {2}Last completed: unknown \(the Backups could not be listed\)$/m);
  });

  it('a cluster without backups has no Backups part; one with storage but none yet says so', () => {
    const input = healthy();
    assert.doesNotMatch(renderStatusText(buildStatusView({ ...input, backups: [], schedules: [] }), NOW), /^Backups:/m);
    input.rss.spec.backup = backedUp().rss.spec.backup!;
    const text = renderStatusText(buildStatusView({ ...input, backups: [], schedules: [] }), NOW);
    assert.match(text, /^Backups:\n {2}Last completed: none\n {2}Schedules: {6}none\n\nEvents:/m);
  });

  it('the restore request and the restore under way or done', () => {
    const input = restoring();
    const view = buildStatusView(input);
    assert.equal(view.pending.restore, 'latest');
    assert.equal(view.restore?.phase, 'Restoring');
    input.rss.metadata.annotations = {};
    input.rss.status!.restore = {
      backup: 'example-nightly-20260301030000',
      requestedBy: 'annotation',
      phase: 'Completed',
      sequence: 1742,
      message: 'restored from backup example-nightly-20260301030000 and seeded at sequence 1742',
      startedAt: new Date(NOW.getTime() - 600_000).toISOString(),
      completedAt: new Date(NOW.getTime() - 300_000).toISOString(),
    };
    const done = buildStatusView(input);
    assert.equal(done.pending.restore, null);
    const text = renderStatusText(done, NOW);
    assert.doesNotMatch(text, /Restore pending/);
    assert.match(text, /^ {2}Restore: +Completed \(requested by annotation, 5m ago\): restored from backup example-nightly-20260301030000 and seeded at sequence 1742$/m);
    input.rss.status!.restore = { backup: 'b1', requestedBy: 'bootstrap', phase: 'Waiting', message: 'waiting for the bootstrap' };
    assert.match(renderStatusText(buildStatusView(input), NOW), /^ {2}Restore: +Waiting \(backup b1, requested by bootstrap\): waiting for the bootstrap$/m);
  });

  it('a cluster the operator has not seen yet: wanted members listed, nothing known', () => {
    const input = healthy();
    delete input.rss.status;
    const view = buildStatusView({ rss: input.rss, pods: [], events: [] });
    assert.deepEqual(view.members.map((m) => [m.name, m.role, m.pod]), [['rss-example-0', null, null], ['rss-example-1', null, null], ['rss-example-2', null, null]]);
    const text = renderStatusText(view, NOW);
    assert.match(text, /^Phase: +- \(no status yet: is the operator running\?\)$/m);
    assert.match(text, /^ {2}rss-example-0 {2}- +- +- +0 +- +-$/m);
    assert.match(text, /^Conditions:\n {2}none$/m);
    assert.match(text, /^Events:\n {2}none$/m);
  });

  it('paused by the spec, the annotation, or both', () => {
    const input = healthy();
    input.rss.spec.paused = true;
    assert.match(renderStatusText(buildStatusView(input), NOW), /^Paused: +yes \(spec\.paused\)$/m);
    input.rss.metadata.annotations = { 'rss.clusterlabs.org/paused': 'true' };
    assert.match(renderStatusText(buildStatusView(input), NOW), /^Paused: +yes \(spec\.paused and annotation rss\.clusterlabs\.org\/paused\)$/m);
    input.rss.spec.paused = false;
    const view = buildStatusView(input);
    assert.deepEqual(view.paused, { paused: true, bySpec: false, byAnnotation: true });
  });

  it('status exit codes mean what the application contract says', () => {
    assert.equal(statusMeaning(8, false), 'primary');
    assert.equal(statusMeaning(0, false), 'primary', 'no secondary command: 0 is a running primary');
    assert.equal(statusMeaning(0, true), 'secondary');
    assert.equal(statusMeaning(7, true), 'stopped');
    assert.equal(statusMeaning(3, true), 'failed');
    assert.equal(statusMeaning('timeout', true), 'timeout');
    assert.equal(statusMeaning('error', true), 'error');
  });

  it('the last few events, newest last', () => {
    const input = degraded();
    const view = buildStatusView({ ...input, maxEvents: 2 });
    assert.deepEqual(view.events.map((e) => e.reason), ['MemberFailed', 'RolloutHalted'], 'by the time last seen');
  });
});

describe('kubectl rss: text helpers', () => {
  it('tables: columns as wide as their widest cell, two spaces apart, nothing trailing', () => {
    assert.deepEqual(table([['NAME', 'A', 'MESSAGE'], ['x', 'long value', ''], ['longer name', 'b', 'm']], '  '), [
      '  NAME         A           MESSAGE',
      '  x            long value',
      '  longer name  b           m',
    ]);
  });

  it('ages as kubectl prints them', () => {
    const cases: [number, string][] = [
      [-5_000, '<invalid>'], [-500, '0s'], [0, '0s'], [59_000, '59s'], [119_999, '119s'], [120_000, '2m'], [200_000, '3m20s'],
      [600_000, '10m'], [179 * 60_000, '179m'], [3 * 3600_000, '3h'], [(5 * 60 + 10) * 60_000, '5h10m'], [20 * 3600_000, '20h'],
      [(3 * 24 + 4) * 3600_000, '3d4h'], [8 * 86400_000, '8d'], [400 * 86400_000, '400d'], [(2 * 365 + 10) * 86400_000, '2y10d'], [9 * 365 * 86400_000, '9y'],
    ];
    for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `${ms} ms`);
  });
});
