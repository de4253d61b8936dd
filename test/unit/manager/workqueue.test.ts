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
