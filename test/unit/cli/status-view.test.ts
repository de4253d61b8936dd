import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { humanDuration, table } from '../../../src/cli/format.ts';
import { buildStatusView, renderStatusText, statusMeaning } from '../../../src/cli/status-view.ts';
import { NOW, bootstrapping, degraded, healthy } from './fixtures.ts';
import { assertGolden } from './golden.ts';

describe('kubectl rss status: rendering', () => {
  for (const [name, fixture] of [['healthy', healthy], ['degraded', degraded], ['bootstrapping', bootstrapping]] as const) {
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
    for (const view2 of [buildStatusView(healthy()), buildStatusView(bootstrapping())]) {
      assert.deepEqual(Object.keys(view2), Object.keys(view), 'same top-level fields whatever the state');
      for (const [i, member] of view2.members.entries()) assert.deepEqual(Object.keys(member), Object.keys(view.members[i]!));
    }
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
