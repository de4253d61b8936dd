// Real-node suite support: namespaces whose pods go to the real nodes, the operator installed by its Helm
// chart from the locally built image, and a member's container killed from outside its pod.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { repoRoot, status } from '../../controlplane/localcluster.ts';
import { listenPort, REAL_NODE_LABEL, REAL_NODE_TAINT } from '../../controlplane/realnode.ts';
import { cluster, eventually } from './cluster.ts';
import { helm, sets } from './helm.ts';

/** Five: the original's example resizes to 5 members, one per node (its pod anti-affinity is required). */
export const REAL_NODES = 5;

const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
/** The operator's image as controlplane/build-images.sh tags it. */
export const OPERATOR_IMAGE = { repository: 'ghcr.io/clusterlabs/rss-operator', tag: `${version}-local` };

/**
 * A namespace whose pods run on the real nodes, as they are written: the API server's PodNodeSelector and
 * PodTolerationRestriction admission plugins give every pod created in it the real nodes' selector and a
 * toleration of their taint. Deleted when the test ends, after its pods are gone.
 */
export async function realNodeNamespace(t: TestContext, name: string): Promise<string> {
  const c = cluster();
  await c.core.createNamespace({
    body: {
      metadata: {
        name,
        labels: { 'rss-operator.test/real-node': 'true' },
        annotations: {
          'scheduler.alpha.kubernetes.io/node-selector': `${REAL_NODE_LABEL}=true`,
          'scheduler.alpha.kubernetes.io/defaultTolerations': JSON.stringify([{ key: REAL_NODE_TAINT, operator: 'Exists', effect: 'NoSchedule' }]),
        },
      },
    },
  });
  t.after(async () => {
    if (process.env.RSS_KEEP_NAMESPACES) return;
    await c.core.deleteNamespace({ name }).catch(() => undefined);
    // The kubelets stop the containers; wait for it so that the next test starts on empty nodes.
    await eventually(`namespace ${name} gone`, async () => {
      try {
        await c.core.readNamespace({ name });
        return false;
      } catch {
        return true;
      }
    }, 120_000, 500).catch((error: Error) => process.emitWarning(error.message));
  });
  return name;
}

export interface InstalledOperator {
  release: string;
  namespace: string;
  /** The operator's /healthz, /readyz and /metrics, on the node's loopback (the pod uses the node's network). */
  metricsUrl: string;
}

/**
 * `helm install` of charts/rss-operator with the locally built image, watching its own namespace. The API
 * server listens on the machine's loopback alone, so the pod uses its node's network (hostNetwork) and is
 * pointed at it through KUBERNETES_SERVICE_HOST/PORT, which a pod's own environment overrides. The release
 * goes with its namespace.
 */
export async function installOperator(namespace: string, values: string[] = []): Promise<InstalledOperator> {
  const apiserverPort = status().ports!.apiserver;
  // Below the ephemeral range: the pod binds it seconds later, and no outgoing connection may take it meanwhile.
  const metricsPort = await listenPort();
  const release = 'rss-operator';
  helm([
    'install', release, join(repoRoot, 'charts', 'rss-operator'), '--namespace', namespace,
    ...sets([
      // Always: the tag stays while the source changes; the kubelet then asks the registry for its digest.
      `image.repository=${OPERATOR_IMAGE.repository}`, `image.tag=${OPERATOR_IMAGE.tag}`, 'image.pullPolicy=Always', 'crds.install=false',
      // One replica: on one machine, replicas on the nodes' network would all bind the same port.
      'replicas=1', 'hostNetwork=true', 'metrics.address=127.0.0.1', `metrics.port=${metricsPort}`, 'metrics.service.enabled=false',
      'extraEnv[0].name=KUBERNETES_SERVICE_HOST', 'extraEnv[0].value=127.0.0.1',
      'extraEnv[1].name=KUBERNETES_SERVICE_PORT',
      ...values,
    ]),
    '--set-string', `extraEnv[1].value=${apiserverPort}`,
    '--wait', '--timeout', '120s',
  ]);
  return { release, namespace, metricsUrl: `http://127.0.0.1:${metricsPort}` };
}

/** The operator's pods (the Deployment's), by the chart's labels. */
export async function operatorPods(namespace: string): Promise<V1Pod[]> {
  const list = await cluster().core.listNamespacedPod({ namespace, labelSelector: 'app.kubernetes.io/name=rss-operator' });
  return list.items.filter((p) => !p.metadata?.deletionTimestamp);
}

/**
 * Kills a container's main process from outside its pod, through the node's containerd (as the kernel's OOM
 * killer or a crash would end it): the pod stays, and its kubelet restarts the container in place.
 */
export function killContainer(pod: V1Pod, container?: string): void {
  const state = status().realNodes;
  const node = state?.nodes.find((n) => n.name === pod.spec?.nodeName);
  if (!state || !node) throw new Error(`${pod.metadata?.name} is not on a real node (node ${pod.spec?.nodeName})`);
  const containerStatus = (pod.status?.containerStatuses ?? []).find((c) => container === undefined || c.name === container);
  const id = containerStatus?.containerID?.replace(/^containerd:\/\//, '');
  if (!id) throw new Error(`${pod.metadata?.name} has no running container ${container ?? ''}`);
  execFileSync(join(state.nodeBin, 'ctr'), ['--address', join(node.dir, 'containerd.sock'), '--namespace', 'k8s.io', 'task', 'kill', '--signal', 'SIGKILL', id], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The sum of a pod's containers' restarts. */
export function restartsOf(pod: V1Pod): number {
  return (pod.status?.containerStatuses ?? []).reduce((sum, c) => sum + (c.restartCount ?? 0), 0);
}
