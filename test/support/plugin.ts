// Runs the `kubectl rss` plugin as a user does: the real kubectl finds bin/kubectl-rss on PATH, and the
// plugin's `#!/usr/bin/env node` finds this Node.js.
import { spawnSync } from 'node:child_process';
import { delimiter, dirname, join } from 'node:path';
import { repoRoot } from '../../controlplane/localcluster.ts';
import { cluster } from './cluster.ts';

export interface PluginResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `kubectl rss <args>` against the local control plane (or the given kubeconfig). */
export function kubectlRss(args: string[], kubeconfig = cluster().kubeconfigPath): PluginResult {
  const env = { ...process.env, KUBECONFIG: kubeconfig, PATH: [join(repoRoot, 'bin'), dirname(process.execPath), process.env.PATH ?? ''].join(delimiter) };
  const r = spawnSync(join(cluster().bin, 'kubectl'), ['rss', ...args], { env, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
