// Which nodes are cordoned (spec.unschedulable), for the status to show a drain. Optional: reading nodes
// needs a ClusterRole (nodes are cluster-scoped), and an operator without it still works — a drain is then
// seen only from the member pods' DisruptionTarget condition. Only the name and spec.unschedulable of each
// node are kept, not the node objects (their status is large and changes at every heartbeat).
import { makeInformer, type CoreV1Api, type KubeConfig, type V1Node } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { describeError } from '../kube/exec.ts';

function statusCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}

export class NodeWatch {
  private readonly unschedulable = new Map<string, boolean>();
  private readonly core: CoreV1Api;
  private readonly kc: KubeConfig;
  private readonly log: Logger;
  private informer?: ReturnType<typeof makeInformer<V1Node>>;
  private stopped = false;
  /** Called with a node's name when it is cordoned or uncordoned. */
  onChange: (node: string) => void = () => undefined;

  constructor(kc: KubeConfig, core: CoreV1Api, log: Logger) {
    this.kc = kc;
    this.core = core;
    this.log = log;
  }

  /** true/false once known; undefined when nodes cannot be read or the node is unknown. */
  get(node: string): boolean | undefined {
    return this.unschedulable.get(node);
  }

  /** Starts watching nodes if this operator may; never throws. */
  async start(): Promise<void> {
    try {
      await this.core.listNode({ limit: 1 });
    } catch (error) {
      // Expected where the RBAC does not grant it: said once, plainly, not logged as a refusal.
      if (statusCode(error) === 403) this.log.info('not allowed to list nodes (optional: list and watch on nodes): cordoned nodes are not shown in status');
      else this.log.warn({ err: describeError(error) }, 'cannot read nodes: cordoned nodes are not shown in status');
      return;
    }
    const informer = makeInformer<V1Node>(this.kc, '/api/v1/nodes', () => this.core.listNode());
    const keep = (node: V1Node) => {
      const name = node.metadata?.name;
      if (!name) return;
      const cordoned = node.spec?.unschedulable === true;
      const before = this.unschedulable.get(name);
      this.unschedulable.set(name, cordoned);
      // Only what is read is kept in the informer's cache as well.
      delete node.status;
      if (node.metadata) delete node.metadata.managedFields;
      if (before !== undefined && before !== cordoned) this.onChange(name);
      else if (before === undefined && cordoned) this.onChange(name);
    };
    informer.on('add', keep);
    informer.on('update', keep);
    informer.on('delete', (node) => {
      if (node.metadata?.name) this.unschedulable.delete(node.metadata.name);
    });
    informer.on('error', (error: unknown) => {
      if (this.stopped) return;
      this.log.warn({ kind: 'Node', err: describeError(error) }, 'watch failed; restarting it');
      setTimeout(() => void informer.start().catch(() => undefined), 1000).unref();
    });
    this.informer = informer;
    try {
      await informer.start();
    } catch (error) {
      this.log.warn({ err: describeError(error) }, 'cannot watch nodes: cordoned nodes are not shown in status');
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.informer?.stop();
  }
}
