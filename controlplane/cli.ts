// controlplane up | status | down | env — the local Kubernetes control plane for the demo and the tests.
import { down, isUp, kubectl, objectStore, paths, status, up, ControlPlaneError } from './localcluster.ts';
import { REAL_NODE_TAINT } from './realnode.ts';

const usage = `usage: npm run controlplane -- <command>
  up       build (first time only) and start the local control plane; prints how to use it
           --real-node[=N]  also join N (default 1) real nodes: kubelet, containerd and runc running real
                            containers (root only; tainted ${REAL_NODE_TAINT}:NoSchedule)
  status   show each component, the S3 endpoint and the nodes
  down     stop everything and remove the local cluster's state
  env      print the shell exports for kubectl and the S3 server (eval "$(npm run -s controlplane -- env)")`;

function realNodeCount(args: string[]): number {
  let count = 0;
  for (const arg of args) {
    const m = /^--real-nodes?(?:=(\d+))?$/.exec(arg);
    if (!m) throw new ControlPlaneError('usage', `unknown option ${arg}\n${usage}`);
    count = m[1] === undefined ? 1 : Number(m[1]);
    if (count < 1 || count > 9) throw new ControlPlaneError('usage', `--real-node=${m[1]}: between 1 and 9 real nodes`);
  }
  return count;
}

async function main(command: string | undefined, args: string[]): Promise<number> {
  switch (command) {
    case 'up': {
      const result = await up({ realNodes: realNodeCount(args) });
      console.log(result.reused ? 'The local control plane is already running.' : `The local control plane started in ${result.seconds.toFixed(1)} s.`);
      console.log(kubectl(result.bin, ['get', 'nodes']).trimEnd());
      console.log(`\nUse it with:\n  export KUBECONFIG=${result.kubeconfig} PATH=${result.bin}:$PATH\n  kubectl get nodes`);
      const store = objectStore();
      if (store) console.log(`\nS3 server (versitygw): ${store.endpoint}, region ${store.region}; credentials: npm run -s controlplane -- env`);
      return 0;
    }
    case 'status': {
      const s = status();
      for (const c of s.components) console.log(`${c.name.padEnd(24)} ${c.running ? `running (pid ${c.pid})` : 'stopped'}`);
      if (s.ports) console.log(`apiserver                https://127.0.0.1:${s.ports.apiserver}`);
      if (s.objectStore) console.log(`s3 endpoint              ${s.objectStore.endpoint} (region ${s.objectStore.region}, buckets in ${s.objectStore.dir})`);
      for (const node of s.realNodes?.nodes ?? []) {
        console.log(`${(node.name + ' kubelet').padEnd(24)} ${s.realNodesRunning ? 'running' : 'stopped'} (pid ${node.kubeletPid}, containerd pid ${node.containerdPid})`);
      }
      if (s.realNodes) console.log(`image registry           127.0.0.1:${s.realNodes.registry.port} (every image name resolves there on the real nodes)`);
      console.log(`kubeconfig               ${s.kubeconfig}`);
      if (s.bin && isUp()) console.log('\n' + kubectl(s.bin, ['get', 'nodes']).trimEnd());
      return isUp() ? 0 : 1;
    }
    case 'down':
      await down();
      console.log('The local control plane is stopped and its state removed.');
      return 0;
    case 'env': {
      const s = status();
      if (!s.bin) {
        console.error('The local control plane is not running: npm run controlplane -- up');
        return 1;
      }
      console.log(`export KUBECONFIG=${paths().kubeconfig}\nexport PATH=${s.bin}:$PATH`);
      const store = s.objectStore;
      if (store) {
        // RSS_S3_* for this project's scripts; AWS_* so that the aws CLI and SDKs reach the local server as is.
        console.log(
          [
            `export RSS_S3_ENDPOINT=${store.endpoint}`,
            `export RSS_S3_REGION=${store.region}`,
            `export RSS_S3_ACCESS_KEY_ID=${store.accessKeyId}`,
            `export RSS_S3_SECRET_ACCESS_KEY=${store.secretAccessKey}`,
            `export AWS_ENDPOINT_URL_S3=${store.endpoint}`,
            `export AWS_REGION=${store.region}`,
            `export AWS_ACCESS_KEY_ID=${store.accessKeyId}`,
            `export AWS_SECRET_ACCESS_KEY=${store.secretAccessKey}`,
          ].join('\n'),
        );
      }
      return 0;
    }
    default:
      console.error(usage);
      return 2;
  }
}

try {
  process.exitCode = await main(process.argv[2], process.argv.slice(3));
} catch (error) {
  if (error instanceof ControlPlaneError) {
    console.error(`controlplane: ${error.message}`);
    process.exitCode = 1;
  } else throw error;
}
