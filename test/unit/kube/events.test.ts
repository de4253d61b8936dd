import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CoreV1Api } from '@kubernetes/client-node';
import { pino } from 'pino';
import { EventRecorder } from '../../../src/kube/events.ts';

/** A CoreV1Api stand-in that records event writes, each taking `delayMs`. */
function fakeCore(delayMs: number, fail = () => false) {
  const writes: { verb: 'create' | 'patch'; name?: string; count?: number; reason?: string }[] = [];
  let n = 0;
  const core = {
    async createNamespacedEvent({ body }: { body: { reason: string } }) {
      await sleep(delayMs);
      if (fail()) throw new Error('API server unavailable');
      const name = `ev-${++n}`;
      writes.push({ verb: 'create', name, reason: body.reason });
      return { metadata: { name } };
    },
    async patchNamespacedEvent({ name, body }: { name: string; body: { count: number } }) {
      await sleep(delayMs);
      writes.push({ verb: 'patch', name, count: body.count });
      return {};
    },
  };
  return { core: core as unknown as CoreV1Api, writes };
}

const subject = { namespace: 'ns', name: 'example', uid: 'u1' };
const quiet = pino({ level: 'silent' });

test('an event may be left un-awaited: repeats while it is being written become one count update', async () => {
  const { core, writes } = fakeCore(20);
  const events = new EventRecorder(core, quiet);
  const started = performance.now();
  void events.record(subject, 'Warning', 'ExecFailed', 'could not run status');
  void events.record(subject, 'Warning', 'ExecFailed', 'could not run status');
  void events.record(subject, 'Warning', 'ExecFailed', 'could not run status');
  void events.record(subject, 'Normal', 'Seeded', 'started');
  assert.ok(performance.now() - started < 10, 'recording does not wait for the API server');
  await events.flush();
  assert.deepEqual(writes, [
    { verb: 'create', name: 'ev-1', reason: 'ExecFailed' },
    { verb: 'create', name: 'ev-2', reason: 'Seeded' },
    { verb: 'patch', name: 'ev-1', count: 3 },
  ]);
  // A later repeat updates the same object.
  await events.record(subject, 'Warning', 'ExecFailed', 'could not run status');
  assert.deepEqual(writes.at(-1), { verb: 'patch', name: 'ev-1', count: 4 });
});

test('awaiting an event waits for its write; a failed write is logged, never thrown, and the next repeat creates it', async () => {
  let failing = true;
  const { core, writes } = fakeCore(5, () => failing);
  const events = new EventRecorder(core, quiet);
  await events.record(subject, 'Warning', 'MemberFailed', 'status exited 1');
  assert.equal(writes.length, 0);
  failing = false;
  await events.record(subject, 'Warning', 'MemberFailed', 'status exited 1');
  assert.deepEqual(writes, [{ verb: 'create', name: 'ev-1', reason: 'MemberFailed' }]);
});
