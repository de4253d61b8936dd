// Which member a backup is taken from: never one that is not running healthy; a secondary when one runs,
// unless the primary is asked for.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseBackupMember, type BackupCandidate } from '../../../src/engine/backup-target.ts';

const m = (ordinal: number, role: BackupCandidate['role'], healthy = true): BackupCandidate => ({ name: `rss-db-${ordinal}`, ordinal, role, healthy });

describe('chooseBackupMember', () => {
  it('prefers a healthy secondary, the highest ordinal among equals', () => {
    assert.deepEqual(chooseBackupMember([m(0, 'primary'), m(1, 'secondary'), m(2, 'secondary')], 'prefer-secondary'), { member: 'rss-db-2', role: 'secondary' });
  });

  it('falls back to a primary when no secondary runs healthy', () => {
    assert.deepEqual(chooseBackupMember([m(0, 'primary'), m(1, 'secondary', false), m(2, 'stopped')], 'prefer-secondary'), { member: 'rss-db-0', role: 'primary' });
  });

  it('target primary takes a primary even when secondaries run', () => {
    assert.deepEqual(chooseBackupMember([m(0, 'primary'), m(1, 'secondary')], 'primary'), { member: 'rss-db-0', role: 'primary' });
  });

  it('never a member that is not running healthy: it waits and says why', () => {
    const choice = chooseBackupMember([m(0, 'primary', false), m(1, 'failed', false), m(2, 'stopped', false)], 'prefer-secondary');
    assert.ok('wait' in choice);
    assert.match(choice.wait, /no member is running healthy: rss-db-0 \(primary, not healthy\), rss-db-1 \(failed, not healthy\)/);
    const onlySecondary = chooseBackupMember([m(0, 'secondary')], 'primary');
    assert.ok('wait' in onlySecondary && /no primary is running healthy/.test(onlySecondary.wait));
  });
});
