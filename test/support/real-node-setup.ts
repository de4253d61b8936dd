// Global setup of the real-node suite: the local control plane with real nodes (kubelet, containerd, runc),
// the images pushed to their registry, and the CRDs. When a part cannot be built or started, the run fails
// here with the part and why — the suite never skips.
import { join } from 'node:path';
import { down, kubectl, repoRoot, up } from '../../controlplane/localcluster.ts';
import { REAL_NODES } from './real-node.ts';

let startedHere = false;

export async function globalSetup(): Promise<void> {
  const result = await up({ realNodes: REAL_NODES });
  startedHere = !result.reused;
  process.stderr.write(`controlplane: ${result.reused ? 'reusing the running control plane' : 'started'} with ${REAL_NODES} real nodes in ${result.seconds.toFixed(1)} s\n`);
  for (const file of ['crd.yaml', 'crd-backup.yaml']) kubectl(result.bin, ['apply', '--server-side', '--force-conflicts', '-f', join(repoRoot, 'deploy', file)]);
  kubectl(result.bin, ['wait', '--for=condition=Established', '--timeout=30s', 'crd/replicatedstatefulsets.clusterlabs.org', 'crd/backups.clusterlabs.org', 'crd/backupschedules.clusterlabs.org']);
}

export async function globalTeardown(): Promise<void> {
  if (startedHere && !process.env.RSS_KEEP_CONTROLPLANE) await down();
}
