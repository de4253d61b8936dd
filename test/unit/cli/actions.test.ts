import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ANNOTATION_FENCED, ANNOTATION_PAUSED, ANNOTATION_RESTART, ANNOTATION_RESTORE, ANNOTATION_SEED_OVERRIDE, ANNOTATION_SWITCHOVER } from '../../../src/api/names.ts';
import type { ReplicatedStatefulSet } from '../../../src/api/types.ts';
import { CliError, addToList, annotationPatch, parseList, planAction, planRestore, removeFromList, type Action, type RestoreTarget } from '../../../src/cli/actions.ts';
import { backedUp, backup, backups, bootstrapping, healthy, restoring } from './fixtures.ts';

function rssWith(annotations: Record<string, string>, edit: (rss: ReplicatedStatefulSet) => void = () => undefined): ReplicatedStatefulSet {
  const rss = healthy().rss;
  rss.metadata.annotations = annotations;
  edit(rss);
  return rss;
}

function rejects(action: Action, rss: ReplicatedStatefulSet, pod: string | undefined, message: RegExp, podExists = false): void {
  assert.throws(() => planAction(action, { rss, ...(pod ? { pod } : {}), podExists }), (e: unknown) => e instanceof CliError && message.test(e.message), `${action} ${pod}: ${message}`);
}

describe('kubectl rss: annotation lists', () => {
  it('parses comma-separated names, tolerating spaces, empties and repeats', () => {
    assert.deepEqual(parseList(undefined), []);
    assert.deepEqual(parseList(''), []);
    assert.deepEqual(parseList(' a, b,,a ,c '), ['a', 'b', 'c']);
  });

  it('adding twice is a no-op; removing the last name removes the annotation', () => {
    let edit = addToList(undefined, 'rss-example-1');
    assert.deepEqual(edit, { value: 'rss-example-1', changed: true });
    edit = addToList(edit.value, 'rss-example-1');
    assert.deepEqual(edit, { value: 'rss-example-1', changed: false });
    edit = addToList(edit.value, 'rss-example-0');
    assert.deepEqual(edit, { value: 'rss-example-1,rss-example-0', changed: true });
    edit = removeFromList(edit.value, 'rss-example-1');
    assert.deepEqual(edit, { value: 'rss-example-0', changed: true });
    edit = removeFromList(edit.value, 'rss-example-2');
    assert.deepEqual(edit, { value: 'rss-example-0', changed: false });
    edit = removeFromList(edit.value, 'rss-example-0');
    assert.deepEqual(edit, { value: null, changed: true });
  });
});

describe('kubectl rss: plans', () => {
  it('fence adds the member; fencing it again changes nothing', () => {
    const plan = planAction('fence', { rss: rssWith({ [ANNOTATION_FENCED]: 'rss-example-0' }), pod: 'rss-example-2' });
    assert.deepEqual(plan.annotations, { [ANNOTATION_FENCED]: 'rss-example-0,rss-example-2' });
    assert.equal(plan.exitCode, 0);
    assert.match(plan.messages.join('\n'), /runs stop on it once, then leaves the member and its pod alone/);
    const again = planAction('fence', { rss: rssWith({ [ANNOTATION_FENCED]: 'rss-example-0,rss-example-2' }), pod: 'rss-example-2' });
    assert.deepEqual(again.annotations, {});
    assert.match(again.messages.join('\n'), /already fenced/);
  });

  it('unfence removes the member, and the annotation with the last one; unfencing a member not fenced is an error', () => {
    const one = planAction('unfence', { rss: rssWith({ [ANNOTATION_FENCED]: 'rss-example-0,rss-example-2' }), pod: 'rss-example-0' });
    assert.deepEqual(one.annotations, { [ANNOTATION_FENCED]: 'rss-example-2' });
    const last = planAction('unfence', { rss: rssWith({ [ANNOTATION_FENCED]: 'rss-example-2' }), pod: 'rss-example-2' });
    assert.deepEqual(last.annotations, { [ANNOTATION_FENCED]: null });
    assert.deepEqual(annotationPatch(last, '17'), { metadata: { annotations: { [ANNOTATION_FENCED]: null }, resourceVersion: '17' } });
    rejects('unfence', rssWith({ [ANNOTATION_FENCED]: 'rss-example-2' }), 'rss-example-1', /^rss-example-1 is not fenced in ReplicatedStatefulSet "example" in namespace "shop" \(fenced: rss-example-2\)$/);
    rejects('unfence', rssWith({}), 'rss-example-1', /\(fenced: none\)/);
    // A stale entry (the member is gone) can still be removed.
    assert.deepEqual(planAction('unfence', { rss: rssWith({ [ANNOTATION_FENCED]: 'rss-example-9' }), pod: 'rss-example-9' }).annotations, { [ANNOTATION_FENCED]: null });
  });

  it('member actions refuse pods that are not members, naming the cluster and namespace', () => {
    for (const action of ['fence', 'restart', 'seed'] as const) {
      rejects(action, rssWith({}), 'rss-other-1', /^rss-other-1 is not a member of ReplicatedStatefulSet "example" in namespace "shop" \(its members are rss-example-0 … rss-example-2\)$/);
      rejects(action, rssWith({}), 'rss-example-3', /is not a member/);
      rejects(action, rssWith({}), 'rss-example-01', /is not a member/);
    }
    // Beyond spec.replicas but with a pod (scaling down) or a record, it still is one.
    assert.equal(planAction('fence', { rss: rssWith({}), pod: 'rss-example-3', podExists: true }).exitCode, 0);
    assert.equal(planAction('fence', { rss: rssWith({}, (r) => r.status!.memberStatus!.push({ name: 'rss-example-3', role: 'stopped', failures: 0, seedFailures: 0 })), pod: 'rss-example-3' }).exitCode, 0);
  });

  it('pause sets the annotation; resume removes it, and fails while spec.paused holds the cluster', () => {
    assert.deepEqual(planAction('pause', { rss: rssWith({}) }).annotations, { [ANNOTATION_PAUSED]: 'true' });
    assert.deepEqual(planAction('pause', { rss: rssWith({ [ANNOTATION_PAUSED]: 'true' }) }).annotations, {}, 'already paused');
    const resume = planAction('resume', { rss: rssWith({ [ANNOTATION_PAUSED]: 'true' }) });
    assert.deepEqual(resume.annotations, { [ANNOTATION_PAUSED]: null });
    assert.equal(resume.exitCode, 0);
    const notPaused = planAction('resume', { rss: rssWith({}) });
    assert.deepEqual(notPaused.annotations, {});
    assert.match(notPaused.messages.join('\n'), /not paused/);

    const bySpec = planAction('resume', { rss: rssWith({ [ANNOTATION_PAUSED]: 'true' }, (r) => (r.spec.paused = true)) });
    assert.deepEqual(bySpec.annotations, { [ANNOTATION_PAUSED]: null }, 'the annotation goes anyway');
    assert.equal(bySpec.exitCode, 1);
    assert.match(bySpec.messages.join('\n'), /example stays paused because spec\.paused is true; this command does not edit the spec/);
    assert.match(bySpec.messages.join('\n'), /kubectl patch rss\/example -n shop --type=merge -p '\{"spec":\{"paused":false\}\}'/);
  });

  it('switchover names the new primary of a single-primary cluster, and refuses what the operator would drop', () => {
    const single = (annotations: Record<string, string>) =>
      rssWith(annotations, (rss) => {
        rss.spec.primaries = 1;
        (rss.spec.pod!.commands as Record<string, unknown>)['secondary'] = { command: ['rss-dummy', 'secondary'] };
        rss.status = { ...rss.status, members: { primary: ['rss-example-0'] } };
      });
    const plan = planAction('switchover', { rss: single({}), pod: 'rss-example-2' });
    assert.deepEqual(plan.annotations, { [ANNOTATION_SWITCHOVER]: 'rss-example-2' });
    assert.match(plan.messages.join(' '), /stops rss-example-0 cleanly/);
    assert.deepEqual(planAction('switchover', { rss: single({}), pod: 'rss-example-0' }).annotations, {}, 'already the primary');
    rejects('switchover', single({ [ANNOTATION_SWITCHOVER]: 'rss-example-1' }), 'rss-example-2', /a switchover to rss-example-1 is still pending/);
    rejects('switchover', single({ [ANNOTATION_FENCED]: 'rss-example-2' }), 'rss-example-2', /fenced/);
    rejects('switchover', rssWith({}), 'rss-example-2', /primaries: 1/);
  });

  it('restart names the member; a pending restart of another member is not overwritten', () => {
    assert.deepEqual(planAction('restart', { rss: rssWith({}), pod: 'rss-example-1' }).annotations, { [ANNOTATION_RESTART]: 'rss-example-1' });
    assert.deepEqual(planAction('restart', { rss: rssWith({ [ANNOTATION_RESTART]: 'rss-example-1' }), pod: 'rss-example-1' }).annotations, {});
    rejects('restart', rssWith({ [ANNOTATION_RESTART]: 'rss-example-0' }), 'rss-example-1', /a restart of rss-example-0 is still pending/);
  });

  it('seed names the member and says what it means; a fenced member cannot be seeded', () => {
    const plan = planAction('seed', { rss: bootstrapping().rss, pod: 'rss-example-1' });
    assert.deepEqual(plan.annotations, { [ANNOTATION_SEED_OVERRIDE]: 'rss-example-1' });
    const text = plan.messages.join('\n');
    assert.match(text, /replacing rss-example-0/);
    assert.match(text, /only matters when no primary runs/);
    assert.match(text, /Data that other members hold beyond rss-example-1's is lost/);
    assert.doesNotMatch(text, /A primary runs now/);
    const running = planAction('seed', { rss: rssWith({}), pod: 'rss-example-2' });
    assert.match(running.messages.join('\n'), /A primary runs now \(rss-example-0, rss-example-1, rss-example-2\)/);
    rejects('seed', rssWith({ [ANNOTATION_FENCED]: 'rss-example-2' }), 'rss-example-2', /fenced members are never seeded; unfence it first/);
  });
});

describe('kubectl rss restore: plan', () => {
  /** The data-loss cluster, before the restore was asked for. */
  function empty(edit: (rss: ReplicatedStatefulSet) => void = () => undefined): ReplicatedStatefulSet {
    const rss = restoring().rss;
    rss.metadata.annotations = {};
    delete rss.status!.restore;
    edit(rss);
    return rss;
  }
  function refuses(target: RestoreTarget, message: RegExp): void {
    assert.throws(() => planRestore(target), (e: unknown) => e instanceof CliError && message.test(e.message), String(message));
  }

  it('latest: the annotation "latest", naming the backup it resolves to now and what the operator will do', () => {
    const plan = planRestore({ rss: empty(), backups: backups() });
    assert.deepEqual(plan.annotations, { [ANNOTATION_RESTORE]: 'latest' });
    assert.equal(plan.exitCode, 0);
    const text = plan.messages.join('\n');
    assert.match(text, /^Restore of the newest completed backup requested \(rss\.clusterlabs\.org\/restore=latest\): now example-nightly-20260301030000 \(completed 2026-03-01T03:01:43\.000Z, 1\.2 GiB from rss-example-2, sequence 1742\)\./);
    assert.match(text, /only into a cluster with no running primary and every member empty \(sequence 0\)/);
    assert.match(text, /with a primary running it removes the annotation/);
    assert.match(text, /See kubectl rss status example -n shop\.$/m);
    assert.doesNotMatch(text, /A primary runs now|last reported data|paused/, 'nothing stands in the way');
    assert.deepEqual(planRestore({ rss: empty(), backups: backups(), backup: 'latest' }).annotations, { [ANNOTATION_RESTORE]: 'latest' });
  });

  it('a named backup: it must exist and be Completed', () => {
    const plan = planRestore({ rss: empty(), backups: backups(), backup: 'example-nightly-20260228030000' });
    assert.deepEqual(plan.annotations, { [ANNOTATION_RESTORE]: 'example-nightly-20260228030000' });
    assert.match(plan.messages[0]!, /^Restore of backup example-nightly-20260228030000 \(completed .*, 1\.1 GiB from rss-example-2, sequence 1700\) requested \(rss\.clusterlabs\.org\/restore=example-nightly-20260228030000\)\.$/);
    refuses({ rss: empty(), backups: backups(), backup: 'nope' }, /^Backup "nope" not found in namespace "shop" \(see kubectl rss backups example -n shop\)$/);
    refuses({ rss: empty(), backups: backups(), backup: 'example-20260301113000' }, /^Backup "example-20260301113000" is Failed, not Completed \(backup from rss-example-1 failed: .*\): only a completed backup can be restored$/);
    refuses({ rss: empty(), backups: backups(), backup: 'example-20260301115900' }, /is Running, not Completed/);
    refuses({ rss: empty(), backups: backups(), backup: 'example-before-upgrade' }, /is Pending, not Completed: only a completed backup/);
    // Another cluster's backup can be restored, and the plan says whose data it is.
    const other = planRestore({ rss: empty(), backups: backups(), backup: 'other-20260301000000' });
    assert.match(other.messages.join('\n'), /Backup other-20260301000000 was taken from cluster other, not example: its data is restored into example\./);
  });

  it('latest needs a completed backup of this cluster', () => {
    const none = backups().filter((b) => b.status?.phase !== 'Completed' || b.spec.cluster !== 'example');
    refuses({ rss: empty(), backups: none }, /^no Completed backup of example in namespace "shop" to restore \(see kubectl rss backups example -n shop\)$/);
    refuses({ rss: empty(), backups: [] }, /^no Completed backup of example/);
    // Completed without the object it names cannot be restored either.
    const broken = backup('example-x', 60, { phase: 'Completed', size: 10 });
    refuses({ rss: empty(), backups: [broken] }, /^no Completed backup of example/);
    refuses({ rss: empty(), backups: [broken], backup: 'example-x' }, /^Backup "example-x" is Completed but names no object/);
  });

  it('refuses a cluster that cannot restore: no restore command, no storage', () => {
    refuses({ rss: empty((r) => delete r.spec.pod.commands.restore), backups: backups() }, /has no restore command \(spec\.pod\.commands\.restore, .*would make its spec invalid$/);
    refuses({ rss: empty((r) => delete r.spec.backup), backups: backups() }, /has no spec\.backup\.storage/);
  });

  it('a restore already requested: the same one is a no-op, another is refused with how to withdraw the first', () => {
    const same = planRestore({ rss: empty((r) => (r.metadata.annotations = { [ANNOTATION_RESTORE]: 'latest' })), backups: backups() });
    assert.deepEqual(same.annotations, {});
    assert.match(same.messages.join('\n'), /already requested: nothing to change/);
    refuses(
      { rss: empty((r) => (r.metadata.annotations = { [ANNOTATION_RESTORE]: 'latest' })), backups: backups(), backup: 'example-nightly-20260228030000' },
      /^a restore of latest is already requested on ReplicatedStatefulSet "example" in namespace "shop" \(rss\.clusterlabs\.org\/restore\); to ask for another, remove it first: kubectl annotate rss\/example -n shop rss\.clusterlabs\.org\/restore-$/,
    );
  });

  it('says what stands in the way now: a running primary, members holding data, a pause', () => {
    const running = planRestore({ rss: backedUp().rss, backups: backups() });
    assert.deepEqual(running.annotations, { [ANNOTATION_RESTORE]: 'latest' }, 'asked for all the same: the operator decides');
    assert.match(running.messages.join('\n'), /A primary runs now \(rss-example-0, rss-example-1, rss-example-2\): the operator will refuse this restore and remove the annotation\./);
    const holding = planRestore({
      rss: empty((r) => {
        r.status!.memberStatus![1]!.sequence = 1790;
        r.metadata.annotations = { [ANNOTATION_PAUSED]: 'true' };
      }),
      backups: backups(),
    });
    const text = holding.messages.join('\n');
    assert.match(text, /rss-example-1 \(sequence 1790\) last reported data: the operator refuses to restore over it\./);
    assert.match(text, /example is paused: the restore happens once it is resumed\./);
  });
});
