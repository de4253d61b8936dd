// helm against the local control plane, built from its Go module by controlplane/build-helm.sh (once, then
// cached). When it cannot be built the tests that need it fail with the reason; they never skip.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../controlplane/localcluster.ts';
import { cluster } from './cluster.ts';

let helmPath: string | Error | undefined;
/** The helm binary: built once from controlplane/modules/helm (cached under ~/.cache/rss-operator/helm). */
function helmBinary(): string {
  if (helmPath === undefined) {
    const result = spawnSync('bash', [join(repoRoot, 'controlplane', 'build-helm.sh')], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
    helmPath = result.status === 0
      ? result.stdout.trim().split('\n').pop()!
      : new Error(`helm is needed to test charts/rss-operator and controlplane/build-helm.sh could not build it (exit ${result.status ?? result.signal}); its messages are above`);
  }
  if (helmPath instanceof Error) throw helmPath;
  return helmPath;
}

/** Runs helm against the local control plane, with its own config and cache folders; returns stdout. */
export function helm(args: string[]): string {
  const home = join(repoRoot, '.cache', 'helm');
  mkdirSync(home, { recursive: true });
  const env = { ...process.env, HELM_CONFIG_HOME: join(home, 'config'), HELM_CACHE_HOME: join(home, 'cache'), HELM_DATA_HOME: join(home, 'data') };
  const binary = helmBinary();
  try {
    return execFileSync(binary, [...args, '--kubeconfig', cluster().kubeconfigPath], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const e = error as { status?: number; stderr?: string; stdout?: string };
    throw Object.assign(new Error(`helm ${args.join(' ')} failed (exit ${e.status}): ${e.stderr ?? ''}${e.stdout ?? ''}`), { stderr: e.stderr ?? '' });
  }
}
export const sets = (values: string[]) => values.flatMap((v) => ['--set', v]);
