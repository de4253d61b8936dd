import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ANNOTATION_SEED_OVERRIDE,
  API_VERSION,
  CRD_NAME,
  FIELD_MANAGER,
  KIND,
  LABEL_ACTIVE_MEMBER,
  LABEL_APP,
  LABEL_MANAGED,
  LABEL_ROLE,
  MAX_NAME_LENGTH,
  PLURAL,
  SHORT_NAME,
  memberDns,
  nameProblem,
  ordinalOf,
  podName,
  selectorLabels,
  selectorString,
  serviceName,
  statefulSetName,
} from '../../../src/api/names.ts';

describe('names', () => {
  it('match the original operator', () => {
    assert.equal(API_VERSION, 'clusterlabs.org/v1alpha1');
    assert.equal(KIND, 'ReplicatedStatefulSet');
    assert.equal(PLURAL, 'replicatedstatefulsets');
    assert.equal(SHORT_NAME, 'rss');
    assert.equal(CRD_NAME, 'replicatedstatefulsets.clusterlabs.org');
    assert.equal(LABEL_APP, 'app');
    assert.equal(LABEL_MANAGED, 'rss-operator-managed');
    assert.equal(LABEL_ACTIVE_MEMBER, 'rss-active-member');
    assert.equal(LABEL_ROLE, 'rss-role');
    assert.equal(ANNOTATION_SEED_OVERRIDE, 'rss.clusterlabs.org/seed-override');
    assert.equal(FIELD_MANAGER, 'rss-operator');
  });

  it('name the children', () => {
    assert.equal(statefulSetName('example'), 'rss-example');
    assert.equal(serviceName('example'), 'example-svc');
    assert.equal(podName('example', 2), 'rss-example-2');
    assert.equal(memberDns('rss-example-2', 'example'), 'rss-example-2.example-svc');
    assert.deepEqual(selectorLabels('example'), { app: 'example', 'rss-operator-managed': 'true' });
    assert.equal(selectorString('example'), 'app=example,rss-operator-managed=true');
  });

  it('read ordinals back, and only from this cluster’s pods', () => {
    assert.equal(ordinalOf('rss-example-0', 'example'), 0);
    assert.equal(ordinalOf('rss-example-12', 'example'), 12);
    assert.equal(ordinalOf(podName('a-b', 7), 'a-b'), 7);
    for (const foreign of ['rss-example-', 'rss-example-01', 'rss-example--1', 'rss-example-1a', 'rss-other-1', 'example-1', 'rss-example-b-0', 'rss-example-1.5', 'rss-example-99999999999999999999']) {
      assert.equal(ordinalOf(foreign, 'example'), undefined, foreign);
    }
    // A cluster named "a" does not claim the pods of cluster "a-b".
    assert.equal(ordinalOf('rss-a-b-0', 'a'), undefined);
  });

  it('check RSS names', () => {
    assert.equal(nameProblem('example'), undefined);
    assert.equal(nameProblem('a'.repeat(MAX_NAME_LENGTH)), undefined);
    assert.match(nameProblem('a'.repeat(MAX_NAME_LENGTH + 1)) ?? '', /at most 48/);
    for (const bad of ['', '1db', 'My-db', 'db.prod', 'db-', '-db']) assert.ok(nameProblem(bad), bad);
    // The longest name still gives a StatefulSet whose revision label fits in 63 characters.
    assert.ok(statefulSetName('a'.repeat(MAX_NAME_LENGTH)).length + 1 + 10 <= 63);
  });
});
