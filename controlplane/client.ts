// The local control plane as its clients (the benchmark, the end-to-end tests) use it: the kubeconfig, the
// API clients on it, kubectl and the pods' folders. Apart from localcluster.ts so that the control plane's
// own command does not load the Kubernetes client.
import { AppsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { paths } from './localcluster.ts';

export interface LocalClusterClient {
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

/** A client of the running control plane; `kubectlLimits` bound every kubectl run (output size, time). */
export function localClusterClient(kubeconfigPath: string, bin: string, kubectlLimits: { maxBuffer?: number; timeout?: number } = {}): LocalClusterClient {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  const { pods } = paths();
  return {
    kubeConfig,
    kubeconfigPath,
    bin,
    core: kubeConfig.makeApiClient(CoreV1Api),
    apps: kubeConfig.makeApiClient(AppsV1Api),
    custom: kubeConfig.makeApiClient(CustomObjectsApi),
    kubectl: (args, input) => execFileSync(join(bin, 'kubectl'), ['--kubeconfig', kubeconfigPath, ...args], { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'], ...kubectlLimits }),
    podDir: (namespace, pod) => join(pods, namespace, pod),
  };
}
