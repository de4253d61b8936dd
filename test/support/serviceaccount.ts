// Acting as a ServiceAccount against the local control plane: `kubectl auth can-i` as it, a kubeconfig that
// holds nothing but its short-lived token, and the refusals an operator run with that kubeconfig logged.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { stringify } from 'yaml';
import { cluster } from './cluster.ts';

/** `kubectl auth can-i --as=<user> …`: true for "yes" (exit 0), false for "no" (exit 1), throws otherwise. */
export function canI(user: string, args: string[]): boolean {
  try {
    cluster().kubectl(['auth', 'can-i', `--as=${user}`, ...args]);
    return true;
  } catch (error) {
    const e = error as { status?: number; stdout?: string; stderr?: string };
    if (e.status === 1 && /^no\b/m.test(e.stdout ?? '')) return false;
    throw new Error(`kubectl auth can-i ${args.join(' ')} failed: ${e.stderr ?? String(error)}`);
  }
}

export function serviceAccountUser(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

/** A kubeconfig that authenticates as the ServiceAccount with a one-hour token, and nothing else. */
export function serviceAccountKubeconfig(t: TestContext, namespace: string, name: string, contextNamespace = namespace): string {
  const c = cluster();
  const token = c.kubectl(['create', 'token', name, '-n', namespace, '--duration=1h']).trim();
  const server = c.kubeConfig.getCurrentCluster()!;
  const caData = server.caData ?? (server.caFile ? readFileSync(server.caFile).toString('base64') : undefined);
  assert.ok(caData, 'the admin kubeconfig names the cluster CA');
  const dir = mkdtempSync(join(tmpdir(), 'rss-sa-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'kubeconfig');
  writeFileSync(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'local', cluster: { server: server.server, 'certificate-authority-data': caData } }],
      users: [{ name, user: { token } }],
      contexts: [{ name, context: { cluster: 'local', user: name, namespace: contextNamespace } }],
      'current-context': name,
    }),
    { mode: 0o600 },
  );
  return file;
}

/**
 * The lines of an operator's log where the API server refused it something: "… is forbidden: User … cannot …"
 * from the REST calls, "Unexpected server response: 403" from the exec WebSocket (which says nothing more).
 */
export function refusals(log: string): string[] {
  return log.split('\n').filter((line) => /forbidden|(server response|HTTP-Code): 403\b/i.test(line));
}
