// Global setup of the end-to-end suite: start (or reuse) the local control plane and install the CRD.
// When the control plane cannot be built or started, the run fails here with the part that failed and
// why — the suite never skips.
import { join } from 'node:path';
import { down, kubectl, repoRoot, up } from '../../controlplane/localcluster.ts';

let startedHere = false;

export async function globalSetup(): Promise<void> {
  const result = await up();
  startedHere = !result.reused;
  process.stderr.write(result.reused ? 'controlplane: reusing the running local control plane\n' : `controlplane: started in ${result.seconds.toFixed(1)} s\n`);
  for (const file of ['crd.yaml', 'crd-backup.yaml']) kubectl(result.bin, ['apply', '--server-side', '--force-conflicts', '-f', join(repoRoot, 'deploy', file)]);
  kubectl(result.bin, ['wait', '--for=condition=Established', '--timeout=30s', 'crd/replicatedstatefulsets.clusterlabs.org', 'crd/backups.clusterlabs.org', 'crd/backupschedules.clusterlabs.org']);
}

export async function globalTeardown(): Promise<void> {
  if (startedHere && !process.env.RSS_KEEP_CONTROLPLANE) await down();
}
