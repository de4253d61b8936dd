import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { PodIndex } from '../../../src/manager/manager.ts';

const pod = (namespace: string, name: string, app?: string, rv = '1'): V1Pod => ({ metadata: { namespace, name, resourceVersion: rv, ...(app ? { labels: { app } } : {}) } });
const names = (pods: V1Pod[]) => pods.map((p) => p.metadata!.name).sort();

test('the pod index files each pod under its namespace and app label, and follows updates and deletions', () => {
  const index = new PodIndex();
  index.set(pod('a', 'rss-x-0', 'x'));
  index.set(pod('a', 'rss-x-1', 'x'));
  index.set(pod('a', 'rss-y-0', 'y'));
  index.set(pod('b', 'rss-x-0', 'x'));
  index.set(pod('a', 'stray'));
  assert.deepEqual(names(index.list('a', 'x')), ['rss-x-0', 'rss-x-1']);
  assert.deepEqual(names(index.list('b', 'x')), ['rss-x-0']);
  assert.deepEqual(index.list('a', 'z'), []);

  const updated = pod('a', 'rss-x-1', 'x', '2');
  index.set(updated);
  assert.equal(index.list('a', 'x').find((p) => p.metadata!.name === 'rss-x-1'), updated, 'an update replaces the cached pod');

  index.set(pod('a', 'rss-x-1', 'y', '3'));
  assert.deepEqual(names(index.list('a', 'x')), ['rss-x-0'], 'a pod whose app label changed leaves its old cluster');
  assert.deepEqual(names(index.list('a', 'y')), ['rss-x-1', 'rss-y-0']);

  index.delete(pod('a', 'rss-x-1'));
  index.delete(pod('a', 'rss-x-0'));
  assert.deepEqual(index.list('a', 'x'), []);
  assert.deepEqual(names(index.list('a', 'y')), ['rss-y-0']);
  index.delete(pod('a', 'never-seen'));
});
