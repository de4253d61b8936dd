// Kubernetes Events on the RSS for each action the operator takes, so `kubectl describe rss` tells the story.
// A repeat of the same event raises its count instead of adding another object, as the kubelet's recorder does.
//
// Recording never fails and may be left un-awaited, as with client-go's recorder: the writes of one event
// (its creation, then its count updates) are made one after the other, repeats that arrive while a write is
// in flight are folded into the next count update, and at most MAX_PENDING events wait for the API server
// (the rest are dropped with a warning). `flush()` waits for what is pending (on shutdown).
import type { CoreV1Api } from '@kubernetes/client-node';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { describeError } from './exec.ts';
import { API_VERSION, KIND } from '../api/names.ts';

export type EventType = 'Normal' | 'Warning';

export interface EventSubject {
  namespace: string;
  name: string;
  uid?: string;
  /** The involved object's kind in the operator's group; default ReplicatedStatefulSet. */
  kind?: string;
}

const REPEAT_WINDOW_MS = 10 * 60_000;
const MAX_PENDING = 1000;

interface Recent {
  /** The Event object's name, once created. */
  name?: string;
  count: number;
  /** The count the API server has. */
  written: number;
  at: number;
  /** The last write of this event (creation or count update), which the next one follows. */
  last: Promise<void>;
  /** A count update is queued behind `last`: further repeats need no other. */
  updateQueued: boolean;
}

export class EventRecorder {
  private readonly recent = new Map<string, Recent>();
  private readonly pending = new Set<Promise<void>>();
  private dropped = 0;
  private readonly core: CoreV1Api;
  private readonly log: Logger;
  private readonly component: string;
  private readonly host: string;

  constructor(core: CoreV1Api, log: Logger, component = 'rss-operator', host = process.env.HOSTNAME ?? 'local') {
    this.core = core;
    this.log = log;
    this.component = component;
    this.host = host;
  }

  /** Records an event; the promise resolves once it is written (or given up on), and never rejects. */
  record(subject: EventSubject, type: EventType, reason: string, message: string): Promise<void> {
    const key = `${subject.kind ?? KIND}/${subject.namespace}/${subject.name}/${subject.uid}/${type}/${reason}/${message}`;
    const now = Date.now();
    const seen = this.recent.get(key);
    if (seen && now - seen.at < REPEAT_WINDOW_MS) {
      seen.count++;
      seen.at = now;
      if (seen.updateQueued) return seen.last;
      seen.updateQueued = true;
      return (seen.last = this.track(seen.last.then(() => this.updateCount(key, seen, subject, reason))));
    }
    if (this.pending.size >= MAX_PENDING) {
      if (this.dropped++ % 100 === 0) this.log.warn({ reason, rss: `${subject.namespace}/${subject.name}`, dropped: this.dropped }, `more than ${MAX_PENDING} events wait for the API server; dropping events`);
      return Promise.resolve();
    }
    const entry: Recent = { count: 1, written: 0, at: now, last: Promise.resolve(), updateQueued: false };
    this.recent.set(key, entry);
    if (this.recent.size > 5000) this.prune(now);
    return (entry.last = this.track(this.create(key, entry, subject, type, reason, message, new Date(now))));
  }

  /** Resolves when every event recorded so far is written or given up on. */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private track(write: Promise<void>): Promise<void> {
    this.pending.add(write);
    void write.finally(() => this.pending.delete(write));
    return write;
  }

  private async create(key: string, entry: Recent, subject: EventSubject, type: EventType, reason: string, message: string, at: Date): Promise<void> {
    try {
      const created = await this.core.createNamespacedEvent({
        namespace: subject.namespace,
        body: {
          metadata: { generateName: `${subject.name}.`, namespace: subject.namespace },
          involvedObject: { apiVersion: API_VERSION, kind: subject.kind ?? KIND, name: subject.name, namespace: subject.namespace, ...(subject.uid ? { uid: subject.uid } : {}) },
          type,
          reason,
          message: message.slice(0, 1024),
          source: { component: this.component, host: this.host },
          reportingComponent: this.component,
          reportingInstance: this.host,
          firstTimestamp: at,
          lastTimestamp: at,
          count: 1,
        },
      });
      entry.name = created.metadata!.name!;
      entry.written = 1;
    } catch (error) {
      if (this.recent.get(key) === entry) this.recent.delete(key);
      this.log.warn({ err: describeError(error), reason, rss: `${subject.namespace}/${subject.name}` }, 'could not record an event');
    }
  }

  private async updateCount(key: string, entry: Recent, subject: EventSubject, reason: string): Promise<void> {
    entry.updateQueued = false;
    // Not created (the creation failed and was logged): a later repeat creates it afresh.
    if (!entry.name || entry.count === entry.written) return;
    const count = entry.count;
    try {
      await this.core.patchNamespacedEvent(
        { name: entry.name, namespace: subject.namespace, body: { count, lastTimestamp: new Date(entry.at) } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      entry.written = Math.max(entry.written, count);
    } catch (error) {
      if (this.recent.get(key) === entry) this.recent.delete(key);
      this.log.warn({ err: describeError(error), reason, rss: `${subject.namespace}/${subject.name}` }, 'could not record an event');
    }
  }

  private prune(now: number): void {
    for (const [k, v] of this.recent) if (now - v.at > REPEAT_WINDOW_MS && !v.updateQueued) this.recent.delete(k);
  }
}
