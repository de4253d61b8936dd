// End-to-end test support: the local control plane (started once by the global setup, reused by every
// test file), a namespace per test that is removed afterwards, and small waiting helpers.
import type { V1Pod } from '@kubernetes/client-node';
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestContext } from 'node:test';
import { localClusterClient, type LocalClusterClient } from '../../controlplane/client.ts';
import { isUp, paths, status } from '../../controlplane/localcluster.ts';

export type TestCluster = LocalClusterClient;

let cached: TestCluster | undefined;

/** The running local control plane. The global setup started it; if it is not up, the test fails loudly. */
export function cluster(): TestCluster {
  if (cached) return cached;
  if (!isUp()) {
    throw new Error('The local control plane is not running. Run the tests with `make test` (or `npm test`), whose global setup starts it; see the messages above for why it could not start.');
  }
  cached = localClusterClient(paths().kubeconfig, status().bin!);
  return cached;
}

/** Creates a fresh namespace for this test and deletes it when the test ends. */
export async function testNamespace(t: TestContext, prefix: string): Promise<string> {
  const c = cluster();
  const name = `${prefix}-${Math.random().toString(36).slice(2, 8)}`.toLowerCase().slice(0, 63);
  await c.core.createNamespace({ body: { metadata: { name, labels: { 'rss-operator.test/e2e': 'true' } } } });
  t.after(async () => {
    if (process.env.RSS_KEEP_NAMESPACES) return;
    await c.core.deleteNamespace({ name }).catch(() => undefined);
    await removeMemberFolders(c.podDir(name, ''));
  });
  return name;
}

/**
 * The members' folders outlive their pods, as volumes would; the test's are of no use to anyone now. A
 * command still running in a pod being deleted (a probe, a background server) may write into its folder
 * while it is removed, so removal is retried; a folder that still cannot be removed is left with a warning,
 * since what the test asserted is already settled.
 */
async function removeMemberFolders(dir: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
      return;
    } catch (error) {
      if (attempt >= 10) {
        process.emitWarning(`could not remove the test's member folders ${dir}: ${String(error)}`);
        return;
      }
      await sleep(500);
    }
  }
}

/** Polls `probe` until it returns a value other than undefined/false, or fails with `what` after the timeout. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
}

/**
 * Reads a value until `check` holds of it, and returns it; the failure message adds `show(last value read)`,
 * so that a test that times out says what it saw.
 */
export async function readUntil<T>(what: string, read: () => Promise<T>, check: (value: T) => boolean, show: (last: T | undefined) => string, timeoutMs: number, intervalMs = 150): Promise<T> {
  let last: T | undefined;
  try {
    return await eventually(what, async () => {
      last = await read();
      return check(last) ? last : undefined;
    }, timeoutMs, intervalMs);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${show(last)}`);
  }
}

export function isPodReady(pod: V1Pod | undefined): boolean {
  return !!pod && pod.status?.phase === 'Running' && !pod.metadata?.deletionTimestamp && (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}
