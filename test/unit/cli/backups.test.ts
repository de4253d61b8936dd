import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import type { Backup, BackupStatus } from '../../../src/api/backup-types.ts';
import {
  backupNameProblem,
  backupsOf,
  buildBackupsView,
  defaultBackupName,
  latestCompleted,
  newBackup,
  progressLine,
  renderBackupsTable,
  waitForBackup,
  type WaitDeps,
} from '../../../src/cli/backups.ts';
import { humanBytes, until } from '../../../src/cli/format.ts';
import { NOW, backup, backups } from './fixtures.ts';
import { assertGolden } from './golden.ts';

describe('kubectl rss backups: the table and the structured view', () => {
  it('the cluster\'s backups, newest first: text and json match the golden files', () => {
    const view = buildBackupsView(backups(), 'example', 'shop');
    assertGolden('backups.txt', renderBackupsTable(view, NOW).out);
    assertGolden('backups.json', `${JSON.stringify(view, null, 2)}\n`);
    assert.deepEqual(parse(JSON.stringify(view)), JSON.parse(JSON.stringify(view)), 'yaml carries the same object');
    for (const row of view.backups) assert.deepEqual(Object.keys(row), Object.keys(view.backups[0]!), 'every field, whatever the phase');
  });

  it('by label, else spec.cluster; never another cluster\'s', () => {
    const names = backupsOf(backups(), 'example').map((b) => b.metadata.name);
    assert.ok(names.includes('example-before-upgrade'), 'no label: spec.cluster');
    assert.ok(!names.includes('other-20260301000000'));
    assert.deepEqual(backupsOf(backups(), 'other').map((b) => b.metadata.name), ['other-20260301000000']);
  });

  it('no backups: a message for stderr, as kubectl says "No resources found"', () => {
    const text = renderBackupsTable(buildBackupsView(backups(), 'nothing', 'shop'), NOW);
    assert.deepEqual(text, { out: '', empty: 'no backups of nothing in namespace shop\n' });
  });

  it('a backup being deleted says so; an unknown sequence of a completed backup is "unknown"', () => {
    const b = backup('example-old', 4 * 3600, { phase: 'Completed', size: 1536, sequence: null, member: 'rss-example-0', objectKey: 'k', completedAt: '2026-03-01T10:00:00Z' });
    b.metadata.deletionTimestamp = new Date(NOW.getTime() - 5000);
    assert.equal(renderBackupsTable(buildBackupsView([b], 'example', 'shop'), NOW).out, [
      'NAME         PHASE                 AGE  SIZE     MEMBER         SEQUENCE  SCHEDULE',
      'example-old  Completed (deleting)  4h   1.5 KiB  rss-example-0  unknown   -',
      '',
    ].join('\n'));
  });

  it('the latest completed backup is the newest by completion, as the operator picks it for "latest"', () => {
    assert.equal(latestCompleted(backups(), 'example')?.metadata.name, 'example-nightly-20260301030000');
    const late = backups();
    // The older backup completed last (a slow one): it is the latest.
    late.find((b) => b.metadata.name === 'example-nightly-20260228030000')!.status!.completedAt = NOW.toISOString();
    assert.equal(latestCompleted(late, 'example')?.metadata.name, 'example-nightly-20260228030000');
    assert.equal(latestCompleted(backups(), 'nothing'), undefined);
  });
});

describe('kubectl rss backup: the Backup it creates', () => {
  it('default names: <cluster>-<UTC yyyymmddhhmmss>, valid for every valid cluster name', () => {
    assert.equal(defaultBackupName('example', new Date('2026-12-02T10:15:00.123Z')), 'example-20261202101500');
    const longest = 'a'.repeat(48);
    assert.equal(backupNameProblem(defaultBackupName(longest, NOW)), undefined);
  });

  it('names must be DNS subdomains', () => {
    for (const good of ['before-upgrade', 'a', 'x.y-1', '0day']) assert.equal(backupNameProblem(good), undefined, good);
    for (const bad of ['', 'Upper', 'under_score', '-lead', 'trail-', 'a..b', 'x'.repeat(254)]) assert.notEqual(backupNameProblem(bad), undefined, bad);
  });

  it('labelled with its cluster; the target only when asked', () => {
    assert.deepEqual(newBackup('shop', 'example', 'example-1'), {
      apiVersion: 'clusterlabs.org/v1alpha1',
      kind: 'Backup',
      metadata: { name: 'example-1', namespace: 'shop', labels: { 'clusterlabs.org/cluster': 'example' } },
      spec: { cluster: 'example' },
    });
    assert.deepEqual(newBackup('shop', 'example', 'example-1', 'primary').spec, { cluster: 'example', target: 'primary' });
  });
});

describe('kubectl rss backup --wait', () => {
  /** A fake clock and a Backup whose status follows `states`, one per read (the last one repeats). */
  function follow(states: (BackupStatus | undefined | 'deleted' | Error)[], timeoutMs = 3_600_000) {
    let now = NOW.getTime();
    let reads = 0;
    const out: string[] = [];
    const err: string[] = [];
    const deps: WaitDeps = {
      read: async () => {
        const state = states[Math.min(reads++, states.length - 1)];
        if (state instanceof Error) throw state;
        if (state === 'deleted') return undefined;
        return backup('example-20261202101500', 1, state);
      },
      now: () => new Date(now),
      sleep: async (ms) => void (now += ms),
      out: (line) => out.push(line),
      err: (line) => err.push(line),
      timeoutMs,
    };
    return { deps, out, err, reads: () => reads, elapsed: () => now - NOW.getTime() };
  }
  const running: BackupStatus = { phase: 'Running', member: 'rss-example-2', role: 'secondary', message: 'streaming the backup of rss-example-2 (secondary) into backups/shop/example/example-20261202101500' };
  const done: BackupStatus = {
    phase: 'Completed',
    member: 'rss-example-2',
    role: 'secondary',
    sequence: 1742,
    size: 5 * 1024 * 1024 + 300 * 1024,
    sha256: '3f2a9c0d1e2b4a5968778695a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5',
    objectKey: 'backups/shop/example/example-20261202101500',
    message: '5.3 MiB from rss-example-2 (secondary, sequence 1742) in 3.1 s',
  };

  it('prints each change once, and what a completed backup holds; exit 0', async () => {
    const f = follow([undefined, { phase: 'Pending', message: 'waiting for a healthy member' }, { phase: 'Pending', message: 'waiting for a healthy member' }, running, running, running, done]);
    assert.equal(await waitForBackup('example-20261202101500', 'example', 'shop', f.deps), 0);
    assert.deepEqual(f.out, [
      'backup example-20261202101500: created, waiting for the operator to pick it up',
      'backup example-20261202101500: Pending — waiting for a healthy member',
      'backup example-20261202101500: Running — streaming the backup of rss-example-2 (secondary) into backups/shop/example/example-20261202101500',
      'backup example-20261202101500: Completed — 5.3 MiB from rss-example-2 (secondary, sequence 1742) in 3.1 s',
      'backup example-20261202101500 completed: 5.3 MiB from rss-example-2 (secondary), sequence 1742, sha256 3f2a9c0d1e2b…',
    ]);
    assert.deepEqual(f.err, []);
    assert.equal(f.reads(), 7);
    assert.equal(f.elapsed(), 6000, 'one read a second');
  });

  it('a failed backup: exit 1 with its message', async () => {
    const f = follow([running, { ...running, phase: 'Failed', message: "backup from rss-example-2 failed: rss-example-2's pod was deleted during the backup; nothing was kept in storage" }]);
    assert.equal(await waitForBackup('example-20261202101500', 'example', 'shop', f.deps), 1);
    assert.equal(f.out.length, 2);
    assert.deepEqual(f.err, ["error: backup example-20261202101500 failed: backup from rss-example-2 failed: rss-example-2's pod was deleted during the backup; nothing was kept in storage"]);
  });

  it('the timeout: exit 1, saying it still runs and how to follow it', async () => {
    const f = follow([running], 10_000);
    assert.equal(await waitForBackup('example-20261202101500', 'example', 'shop', f.deps), 1);
    assert.equal(f.elapsed(), 10_000);
    assert.deepEqual(f.err, [
      'error: backup example-20261202101500 is still Running after 10s; it goes on without this command. Follow it with: kubectl rss backups example -n shop, or kubectl get backups.clusterlabs.org/example-20261202101500 -n shop -w',
    ]);
  });

  it('read errors are retried (and said once); a deleted Backup ends the wait', async () => {
    const f = follow([running, new Error('connection refused'), new Error('connection refused'), running, done]);
    assert.equal(await waitForBackup('example-20261202101500', 'example', 'shop', f.deps), 0);
    assert.deepEqual(f.err, ['warning: cannot read backup example-20261202101500: connection refused; trying again']);
    assert.equal(f.out.filter((l) => l.includes('Running')).length, 1, 'the same state is not printed again after an error');

    const gone = follow([running, 'deleted']);
    assert.equal(await waitForBackup('example-20261202101500', 'example', 'shop', gone.deps), 1);
    assert.deepEqual(gone.err, ['error: backup example-20261202101500 was deleted before it ended']);
  });

  it('progress lines without a message', () => {
    const b: Backup = backup('b', 1, { phase: 'Pending' });
    assert.equal(progressLine(b), 'backup b: Pending');
  });
});

describe('kubectl rss: sizes and times to come', () => {
  it('sizes in binary units', () => {
    const cases: [number, string][] = [
      [0, '0 B'], [1023, '1023 B'], [1024, '1.0 KiB'], [1536, '1.5 KiB'], [10 * 1024, '10 KiB'], [1024 * 1024 - 1, '1.0 MiB'],
      [5.3 * 1024 * 1024, '5.3 MiB'], [1_288_490_189, '1.2 GiB'], [3 * 1024 ** 4, '3.0 TiB'], [-1, '-'],
    ];
    for (const [bytes, want] of cases) assert.equal(humanBytes(bytes), want, String(bytes));
  });

  it('times to come', () => {
    assert.equal(until(new Date(NOW.getTime() + 15 * 3600_000).toISOString(), NOW), 'in 15h');
    assert.equal(until(new Date(NOW.getTime() - 1000).toISOString(), NOW), 'now');
    assert.equal(until(null, NOW), '-');
    assert.equal(until('soon', NOW), '-');
  });
});
