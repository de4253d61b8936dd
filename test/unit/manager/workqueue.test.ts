import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkQueue } from '../../../src/manager/workqueue.ts';

test('a key added many times while queued is handled once', async () => {
  const handled: string[] = [];
  const q = new WorkQueue(async (key) => void handled.push(key), { concurrency: 1 });
  q.add('blocker');
  for (let i = 0; i < 5; i++) q.add('a');
  q.add('b');
  await q.idle();
  assert.deepEqual(handled, ['blocker', 'a', 'b']);
});

test('one key is never handled by two workers at once; an add during handling runs it again afterwards', async () => {
  let running = 0;
  let maxRunning = 0;
  let calls = 0;
  const q = new WorkQueue(async () => {
    running++;
    calls++;
    maxRunning = Math.max(maxRunning, running);
    await sleep(30);
    running--;
  }, { concurrency: 4 });
  q.add('a');
  await sleep(5);
  q.add('a');
  q.add('a');
  await sleep(100);
  await q.idle();
  assert.equal(maxRunning, 1);
  assert.equal(calls, 2, 'the adds during handling collapse into one more run');
});

test('different keys run concurrently up to the limit', async () => {
  let running = 0;
  let maxRunning = 0;
  const q = new WorkQueue(async () => {
    running++;
    maxRunning = Math.max(maxRunning, running);
    await sleep(20);
    running--;
  }, { concurrency: 3 });
  for (const k of ['a', 'b', 'c', 'd', 'e']) q.add(k);
  await sleep(150);
  await q.idle();
  assert.equal(maxRunning, 3);
});

test('a failing handler is retried with exponential backoff, and the failure count resets on success', async () => {
  const times: number[] = [];
  const q = new WorkQueue(async () => {
    times.push(Date.now());
    if (times.length < 4) throw new Error('not yet');
  }, { concurrency: 1, baseBackoffMs: 20, maxBackoffMs: 1000 });
  const retries: number[] = [];
  q.onError = (_key, _error, retryInMs) => retries.push(retryInMs);
  q.add('a');
  await sleep(400);
  assert.equal(times.length, 4);
  assert.deepEqual(retries, [20, 40, 80]);
  for (let i = 1; i < times.length; i++) assert.ok(times[i]! - times[i - 1]! >= retries[i - 1]! - 5, 'waited at least the backoff');
  await q.shutdown();
});

test('requeueAfterMs schedules the key again; shutdown cancels what is scheduled', async () => {
  let calls = 0;
  const q = new WorkQueue(async () => {
    calls++;
    return { requeueAfterMs: 30 };
  }, { concurrency: 1 });
  q.add('a');
  await sleep(100);
  assert.ok(calls >= 3, `handled ${calls} times`);
  await q.shutdown();
  const after = calls;
  await sleep(80);
  assert.equal(calls, after);
});

test('keys added by events are served before keys due on a timer, and a waiting low key added as high moves up', async () => {
  const handled: string[] = [];
  const q = new WorkQueue(async (key) => {
    handled.push(key);
    await sleep(5);
  }, { concurrency: 1 });
  q.add('busy');
  q.add('probe-1', 'low');
  q.add('probe-2', 'low');
  q.add('probe-3', 'low');
  q.add('deleted-pod');
  q.add('probe-3');
  await q.idle();
  assert.deepEqual(handled, ['busy', 'deleted-pod', 'probe-3', 'probe-1', 'probe-2']);
});

test('low-priority keys leave workers free for high-priority ones', async () => {
  let running = 0;
  let maxLow = 0;
  const started = new Map<string, number>();
  const q = new WorkQueue(async (key) => {
    started.set(key, Date.now());
    running++;
    if (key.startsWith('probe')) maxLow = Math.max(maxLow, running);
    await sleep(key.startsWith('probe') ? 60 : 5);
    running--;
  }, { concurrency: 4 });
  for (let i = 0; i < 12; i++) q.add(`probe-${i}`, 'low');
  await sleep(10);
  const added = Date.now();
  q.add('deleted-pod');
  await sleep(20);
  assert.equal(maxLow, 3, 'three of four workers for timer-driven keys');
  assert.ok((started.get('deleted-pod') ?? Infinity) - added < 10, 'the event-driven key did not wait for a probe to finish');
  await q.idle();
  assert.equal(started.size, 13);
});

test('a timer adds at low priority; requeueAfterMs 0 (work in progress) carries on at high priority', async () => {
  const handled: string[] = [];
  let first = true;
  const q = new WorkQueue(async (key) => {
    handled.push(key);
    await sleep(5);
    if (key === 'a' && first) {
      first = false;
      return { requeueAfterMs: 0 };
    }
  }, { concurrency: 1 });
  q.add('a');
  q.add('probe', 'low');
  await q.idle();
  assert.deepEqual(handled, ['a', 'a', 'probe']);
  await q.shutdown();
});

test('some errors back off to a lower cap', async () => {
  class Unavailable extends Error {}
  const retries: Record<string, number[]> = { a: [], b: [] };
  const q = new WorkQueue(async (key) => {
    throw key === 'a' ? new Unavailable('exec refused') : new Error('conflict');
  }, { concurrency: 2, baseBackoffMs: 5, maxBackoffMs: 80, maxBackoffMsFor: (e) => (e instanceof Unavailable ? 20 : undefined) });
  q.onError = (key, _error, retryInMs) => retries[key]!.push(retryInMs);
  q.add('a');
  q.add('b');
  await sleep(300);
  await q.shutdown();
  assert.deepEqual(retries.a!.slice(0, 5), [5, 10, 20, 20, 20]);
  assert.deepEqual(retries.b!.slice(0, 5), [5, 10, 20, 40, 80]);
});
