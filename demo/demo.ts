// The demo: a local Kubernetes control plane, the operator, the original README's example cluster, a lost
// member and its recovery — then the cluster is left running for you to explore with kubectl.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { kubectl, repoRoot, up } from '../controlplane/localcluster.ts';

const NAMESPACE = 'rss-demo';
const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const step = (s: string) => console.log(`\n${bold(`▶ ${s}`)}`);

interface Status {
  phase?: string;
  members?: { primary?: string[] };
  memberStatus?: { name: string; role: string; podUID?: string }[];
  conditions?: { type: string; status: string; reason: string; message: string }[];
}

async function main(): Promise<void> {
  step('Starting the local Kubernetes control plane (etcd, kube-apiserver, controller-manager, scheduler, kwok nodes)');
  const cp = await up();
  console.log(cp.reused ? 'Already running.' : `Started in ${cp.seconds.toFixed(1)} s.`);
  const k = (args: string[], input?: string) => kubectl(cp.bin, args, input);
  console.log(k(['get', 'nodes']).trimEnd());

  step('Installing the ReplicatedStatefulSet CRD');
  k(['apply', '--server-side', '--force-conflicts', '-f', join(repoRoot, 'deploy', 'crd.yaml')]);
  k(['wait', '--for=condition=Established', '--timeout=30s', 'crd/replicatedstatefulsets.clusterlabs.org']);
  k(['apply', '-f', '-'], `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${NAMESPACE}\n`);

  step(`Running the operator (watching namespace ${NAMESPACE})`);
  const logDir = join(repoRoot, '.cache', 'demo');
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, 'operator.log');
  const operator = spawn(process.execPath, [join(repoRoot, 'src', 'main.ts'), '--kubeconfig', cp.kubeconfig, '--namespace', NAMESPACE, '--http-address', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(logFile, { flags: 'a' });
  operator.stdout.pipe(log);
  operator.stderr.pipe(log);
  console.log(`Its log: ${logFile}`);

  const status = (): Status => {
    try {
      return JSON.parse(k(['-n', NAMESPACE, 'get', 'rss/example', '-o', 'jsonpath={.status}']) || '{}') as Status;
    } catch {
      return {};
    }
  };
  const waitFor = async (what: string, check: (s: Status) => boolean, timeoutMs = 120_000): Promise<number> => {
    const started = Date.now();
    let lastLine = '';
    while (Date.now() - started < timeoutMs) {
      const s = status();
      const line = `  phase=${s.phase ?? '-'}  members: ${(s.memberStatus ?? []).map((m) => `${m.name}=${m.role}`).join(' ') || '-'}`;
      if (line !== lastLine) console.log(line);
      lastLine = line;
      if (check(s)) return Date.now() - started;
      await sleep(200);
    }
    throw new Error(`timed out waiting for ${what}; see ${logFile}`);
  };
  const threePrimaries = (s: Status) => s.phase === 'Running' && (s.members?.primary?.length ?? 0) === 3;

  step('kubectl apply -f examples/dummy/cluster.yaml  (the original README’s example, 3 members)');
  console.log(k(['-n', NAMESPACE, 'apply', '-f', join(repoRoot, 'examples', 'dummy', 'cluster.yaml')]).trimEnd());
  const created = await waitFor('3 primaries', threePrimaries);
  console.log(`All 3 members running as primaries ${(created / 1000).toFixed(1)} s after kubectl apply.`);
  console.log(k(['-n', NAMESPACE, 'get', 'pods', '-L', 'rss-role,rss-active-member']).trimEnd());
  console.log(k(['-n', NAMESPACE, 'get', 'rss']).trimEnd());
  console.log(`Primaries (the original's query): ${k(['-n', NAMESPACE, 'get', 'rss/example', '-o=jsonpath={.status.members.primary}'])}`);

  step('Failover: kubectl delete pod rss-example-0');
  const before = status().memberStatus?.find((m) => m.name === 'rss-example-0')?.podUID;
  console.log(k(['-n', NAMESPACE, 'delete', 'pod', 'rss-example-0', '--now']).trimEnd());
  const recovered = await waitFor('rss-example-0 back', (s) => threePrimaries(s) && s.memberStatus?.find((m) => m.name === 'rss-example-0')?.podUID !== before);
  console.log(`rss-example-0 was recreated and rejoined as primary in ${(recovered / 1000).toFixed(1)} s.`);
  console.log(k(['-n', NAMESPACE, 'get', 'events', '--field-selector', 'involvedObject.kind=ReplicatedStatefulSet', '--sort-by=.lastTimestamp', '-o', 'custom-columns=TYPE:.type,REASON:.reason,MESSAGE:.message']).trimEnd());

  step('Explore');
  console.log(`In another shell:
  export KUBECONFIG=${cp.kubeconfig} PATH=${cp.bin}:$PATH
  kubectl -n ${NAMESPACE} get rss,pods
  kubectl -n ${NAMESPACE} describe rss example
  kubectl -n ${NAMESPACE} scale rss/example --replicas=5
  kubectl explain rss.spec.pod.commands
Each member's working directory (its "volume") is under ${join(repoRoot, '.cache', 'controlplane', 'pods', NAMESPACE)}; commands.log there lists the commands the operator ran.
Stop everything with: make controlplane-down`);

  if (!process.stdin.isTTY || process.argv.includes('--exit')) {
    operator.kill('SIGTERM');
    console.log('\nThe operator was stopped (no terminal attached); the control plane keeps running.');
    return;
  }
  console.log('\nThe operator keeps running here; press Ctrl-C to stop it (the control plane keeps running).');
  await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  operator.kill('SIGTERM');
  await new Promise((r) => operator.once('exit', r));
  console.log(readFileSync(logFile, 'utf8').trim().split('\n').slice(-1)[0]);
}

main().catch((error: unknown) => {
  console.error(`demo: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
