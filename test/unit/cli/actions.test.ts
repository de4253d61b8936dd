import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ANNOTATION_FENCED, ANNOTATION_PAUSED, ANNOTATION_RESTART, ANNOTATION_SEED_OVERRIDE } from '../../../src/api/names.ts';
import type { ReplicatedStatefulSet } from '../../../src/api/types.ts';
import { CliError, addToList, annotationPatch, parseList, planAction, removeFromList, type Action } from '../../../src/cli/actions.ts';
import { bootstrapping, healthy } from './fixtures.ts';

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
