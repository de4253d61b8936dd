// One connection pool for all the operator's API requests.
//
// @kubernetes/client-node builds a new undici Agent for every API request (KubeConfig.createDispatcher), so
// every list, patch, Event and Lease renewal opens its own TCP connection and does a full TLS handshake with
// a freshly built TLS context — a few milliseconds of latency and CPU per request, and native memory churn
// that leaves the allocator's heap fragmented after a burst (e.g. 200 clusters created at once). The
// kubeconfig returned here hands out one Agent for as long as the connection settings (server, CA, client
// certificate and key, proxy) stay the same, so requests reuse kept-alive connections.
import type { KubeConfig } from '@kubernetes/client-node';
import { isDeepStrictEqual } from 'node:util';

type Dispatcher = { close(): Promise<void> } | undefined;

/** What client-node calls to build a request's dispatcher (a private method; see sharingConnections). */
interface DispatcherFactory {
  createDispatcher(cluster: ReturnType<KubeConfig['getCurrentCluster']>, agentOptions: object): Dispatcher;
}

export interface SharedConnections {
  kubeConfig: KubeConfig;
  /** Dispatchers built so far (1 while the settings do not change). */
  readonly built: number;
}

/**
 * The kubeconfig with one shared dispatcher: everything else (credentials, applied to each request, so
 * rotated tokens are picked up) is the given kubeconfig's. Should client-node stop building its
 * dispatcher through `createDispatcher`, requests simply get their own again.
 */
export function sharingConnections(kubeConfig: KubeConfig): SharedConnections {
  const view = Object.create(kubeConfig) as KubeConfig;
  const original = (kubeConfig as unknown as DispatcherFactory).createDispatcher;
  let current: { options: object; dispatcher: Dispatcher } | undefined;
  let built = 0;
  if (typeof original === 'function') {
    (view as unknown as DispatcherFactory).createDispatcher = (cluster, agentOptions) => {
      const options = kubeConfig.createDispatcherOptions(cluster, agentOptions);
      if (current && isDeepStrictEqual(current.options, options)) return current.dispatcher;
      const previous = current?.dispatcher;
      current = { options, dispatcher: original.call(kubeConfig, cluster, agentOptions) };
      built++;
      // Requests in flight on the previous one finish; it then closes its connections.
      void previous?.close().catch(() => undefined);
      return current.dispatcher;
    };
  }
  return {
    kubeConfig: view,
    get built() {
      return built;
    },
  };
}
