// Leader election on a coordination.k8s.io Lease, after client-go's leaderelection: the holder renews the
// lease every retry period; another candidate takes it over only after it has seen the same record unchanged
// for a whole lease duration (measured on its own clock, so clocks need not agree).
import { type CoordinationV1Api, type V1Lease, V1MicroTime } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { describeError } from '../kube/exec.ts';

export interface LeaderElectionOptions {
  api: CoordinationV1Api;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  log: Logger;
}

function statusCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}

export class LeaderElector {
  private readonly o: LeaderElectionOptions;
  private observed?: { key: string; at: number };
  private leading = false;
  private stopped = false;
  private lastRenew = 0;

  constructor(options: LeaderElectionOptions) {
    this.o = options;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Runs until stop(): calls onStart when leadership is gained, onStop when it is lost. */
  async run(onStart: () => void, onStop: () => void): Promise<void> {
    while (!this.stopped) {
      const ok = await this.tryAcquireOrRenew().catch((error: unknown) => {
        this.o.log.warn({ err: describeError(error) }, 'leader election: could not reach the lease');
        return false;
      });
      if (ok) this.lastRenew = Date.now();
      if (ok && !this.leading) {
        this.leading = true;
        this.o.log.info({ lease: `${this.o.namespace}/${this.o.name}`, identity: this.o.identity }, 'became the leader');
        onStart();
      } else if (!ok && this.leading && Date.now() - this.lastRenew > this.o.renewDeadlineMs) {
        this.leading = false;
        this.o.log.error({ lease: `${this.o.namespace}/${this.o.name}` }, 'lost the leadership');
        onStop();
      }
      await new Promise((r) => setTimeout(r, this.o.retryPeriodMs));
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { api, namespace, name, identity } = this.o;
    const now = new Date();
    let lease: V1Lease;
    try {
      lease = await api.readNamespacedLease({ name, namespace });
    } catch (error) {
      if (statusCode(error) !== 404) throw error;
      await api.createNamespacedLease({
        namespace,
        body: {
          metadata: { name, namespace },
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds: Math.ceil(this.o.leaseDurationMs / 1000),
            acquireTime: new V1MicroTime(now.getTime()),
            renewTime: new V1MicroTime(now.getTime()),
            leaseTransitions: 0,
          },
        },
      });
      return true;
    }
    const spec = lease.spec ?? {};
    const key = `${spec.holderIdentity}/${spec.renewTime?.toISOString?.() ?? String(spec.renewTime)}`;
    if (this.observed?.key !== key) this.observed = { key, at: Date.now() };
    const holder = spec.holderIdentity;
    const expired = !holder || Date.now() - this.observed.at > (spec.leaseDurationSeconds ?? 15) * 1000;
    if (holder !== identity && !expired) return false;
    const taking = holder !== identity;
    lease.spec = {
      ...spec,
      holderIdentity: identity,
      leaseDurationSeconds: Math.ceil(this.o.leaseDurationMs / 1000),
      renewTime: new V1MicroTime(now.getTime()),
      ...(taking ? { acquireTime: new V1MicroTime(now.getTime()), leaseTransitions: (spec.leaseTransitions ?? 0) + 1 } : {}),
    };
    try {
      await api.replaceNamespacedLease({ name, namespace, body: lease });
    } catch (error) {
      if (statusCode(error) === 409) return false; // someone else wrote it first
      throw error;
    }
    return true;
  }

  /** Stops renewing; if leading, gives the lease up so a follower takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (!this.leading) return;
    this.leading = false;
    try {
      const lease = await this.o.api.readNamespacedLease({ name: this.o.name, namespace: this.o.namespace });
      if (lease.spec?.holderIdentity === this.o.identity) {
        lease.spec = { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1 };
        await this.o.api.replaceNamespacedLease({ name: this.o.name, namespace: this.o.namespace, body: lease });
      }
    } catch (error) {
      this.o.log.warn({ err: describeError(error) }, 'could not release the lease');
    }
  }
}
