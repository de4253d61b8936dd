// rss-operator: runs in a cluster (in-cluster credentials) or from a laptop (kubeconfig).
import { KubeConfig } from '@kubernetes/client-node';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { parseDuration } from './api/duration.ts';
import { DEFAULT_MAX_REPLICAS, MAX_REPLICAS } from './api/spec.ts';
import { Manager } from './manager/manager.ts';

const usage = `rss-operator — runs and recovers replicated stateful applications on Kubernetes

Options (each also read from the environment variable in brackets):
  --kubeconfig FILE          kubeconfig to use; default: in-cluster credentials, else $KUBECONFIG / ~/.kube/config
  --namespace NS[,NS…]       namespaces to watch [WATCH_NAMESPACE]; default: the operator's own namespace
  --all-namespaces           watch every namespace
  --leader-elect BOOL        take part in leader election (default true) [LEADER_ELECT]
  --lease-namespace NS       namespace of the Lease (default: the operator's own namespace)
  --lease-name NAME          name of the Lease (default rss-operator)
  --lease-duration DURATION  default 15s
  --http-address HOST:PORT   /healthz, /readyz and /metrics (default :8080) [HTTP_ADDRESS]
  --concurrency N            clusters reconciled at once (default 16)
  --max-replicas N           most members of one cluster (default 100, at most 1000): a larger spec.replicas is
                             refused (SpecValid=False) rather than asking for that many pods
  --log-level LEVEL          debug, info, warn, error (default info) [LOG_LEVEL]
  --identity NAME            leader-election identity (default: $POD_NAME, else the hostname, + a random suffix)`;

function main(): void {
  const { values } = parseArgs({
    options: {
      kubeconfig: { type: 'string' },
      namespace: { type: 'string' },
      'all-namespaces': { type: 'boolean', default: false },
      'leader-elect': { type: 'string', default: process.env.LEADER_ELECT ?? 'true' },
      'lease-namespace': { type: 'string' },
      'lease-name': { type: 'string', default: 'rss-operator' },
      'lease-duration': { type: 'string', default: '15s' },
      'http-address': { type: 'string', default: process.env.HTTP_ADDRESS ?? ':8080' },
      concurrency: { type: 'string', default: '16' },
      'max-replicas': { type: 'string', default: String(DEFAULT_MAX_REPLICAS) },
      'log-level': { type: 'string', default: process.env.LOG_LEVEL ?? 'info' },
      identity: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  const log = pino({ level: values['log-level'], base: { component: 'rss-operator' }, timestamp: pino.stdTimeFunctions.isoTime });

  const kubeConfig = new KubeConfig();
  const inCluster = !values.kubeconfig && !process.env.KUBECONFIG && process.env.KUBERNETES_SERVICE_HOST;
  if (values.kubeconfig) kubeConfig.loadFromFile(values.kubeconfig);
  else if (inCluster) kubeConfig.loadFromCluster();
  else kubeConfig.loadFromDefault();

  const ownNamespace = (() => {
    if (process.env.POD_NAMESPACE) return process.env.POD_NAMESPACE;
    try {
      return readFileSync('/var/run/secrets/kubernetes.io/serviceaccount/namespace', 'utf8').trim();
    } catch {
      return kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace ?? 'default';
    }
  })();
  const listed = values.namespace ?? process.env.WATCH_NAMESPACE;
  const namespaces = values['all-namespaces'] ? [] : (listed ? listed.split(',').map((s) => s.trim()).filter(Boolean) : [ownNamespace]);
  const leaseDurationMs = parseDuration(values['lease-duration']);
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`--concurrency must be a positive integer, got "${values.concurrency}"`);
  const maxReplicas = Number(values['max-replicas']);
  if (!Number.isInteger(maxReplicas) || maxReplicas < 1 || maxReplicas > MAX_REPLICAS) {
    throw new Error(`--max-replicas must be a whole number from 1 to ${MAX_REPLICAS}, got "${values['max-replicas']}"`);
  }

  const manager = new Manager({
    kubeConfig,
    namespaces,
    log,
    httpAddress: values['http-address'],
    concurrency,
    maxReplicas,
    ...(values['leader-elect'] !== 'false'
      ? {
          leaderElection: {
            namespace: values['lease-namespace'] ?? ownNamespace,
            name: values['lease-name'],
            // A pod on its node's network has the node's hostname: the pod's name tells replicas apart.
            identity: values.identity ?? `${process.env.POD_NAME || hostname()}-${randomUUID().slice(0, 8)}`,
            leaseDurationMs,
            renewDeadlineMs: Math.round(leaseDurationMs * (2 / 3)),
            retryPeriodMs: Math.max(500, Math.round(leaseDurationMs / 7.5)),
          },
        }
      : {}),
  });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    manager.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: String(error) }, 'unclean shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  log.info({ namespaces: namespaces.length ? namespaces : 'all', node: process.version }, 'starting');
  manager.start().catch((error: unknown) => {
    log.fatal({ err: String(error) }, 'could not start');
    process.exit(1);
  });
}

main();
