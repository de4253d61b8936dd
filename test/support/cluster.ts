// End-to-end test support: the local control plane (started once by the global setup, reused by every
// test file), a namespace per test that is removed afterwards, and small waiting helpers.
import { AppsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestContext } from 'node:test';
import { isUp, paths, status } from '../../controlplane/localcluster.ts';

export interface TestCluster {
  kubeConfig: KubeConfig;
  kubeconfigPath: string;
  bin: string;
  core: CoreV1Api;
  apps: AppsV1Api;
  custom: CustomObjectsApi;
  /** Runs the real kubectl against the local control plane; returns stdout, throws with stderr on failure. */
  kubectl(args: string[], input?: string): string;
  /** The folder that is the pod's working directory on the fake node (its "volume"). */
  podDir(namespace: string, pod: string): string;
}

let cached: TestCluster | undefined;

/** The running local control plane. The global setup started it; if it is not up, the test fails loudly. */
export function cluster(): TestCluster {
  if (cached) return cached;
  if (!isUp()) {
    throw new Error('The local control plane is not running. Run the tests with `make test` (or `npm test`), whose global setup starts it; see the messages above for why it could not start.');
  }
  const { kubeconfig, pods } = paths();
  const bin = status().bin!;
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfig);
  cached = {
    kubeConfig,
    kubeconfigPath: kubeconfig,
    bin,
    core: kubeConfig.makeApiClient(CoreV1Api),
    apps: kubeConfig.makeApiClient(AppsV1Api),
    custom: kubeConfig.makeApiClient(CustomObjectsApi),
    kubectl(args, input) {
      return execFileSync(join(bin, 'kubectl'), ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
    },
    podDir: (namespace, pod) => join(pods, namespace, pod),
  };
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
    // The members' folders outlive their pods, as volumes would; the test's are of no use to anyone now.
    rmSync(c.podDir(name, ''), { recursive: true, force: true });
  });
  return name;
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

export function isPodReady(pod: V1Pod | undefined): boolean {
  return !!pod && pod.status?.phase === 'Running' && !pod.metadata?.deletionTimestamp && (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}
