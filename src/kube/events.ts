// Kubernetes Events on the RSS for each action the operator takes, so `kubectl describe rss` tells the story.
// A repeat of the same event raises its count instead of adding another object, as the kubelet's recorder does.
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
}

const REPEAT_WINDOW_MS = 10 * 60_000;

export class EventRecorder {
  private readonly recent = new Map<string, { name: string; count: number; at: number }>();
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

  async record(subject: EventSubject, type: EventType, reason: string, message: string): Promise<void> {
    const key = `${subject.namespace}/${subject.name}/${subject.uid}/${type}/${reason}/${message}`;
    const now = new Date();
    const seen = this.recent.get(key);
    try {
      if (seen && now.getTime() - seen.at < REPEAT_WINDOW_MS) {
        seen.count++;
        seen.at = now.getTime();
        await this.core.patchNamespacedEvent(
          { name: seen.name, namespace: subject.namespace, body: { count: seen.count, lastTimestamp: now } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
        return;
      }
      const created = await this.core.createNamespacedEvent({
        namespace: subject.namespace,
        body: {
          metadata: { generateName: `${subject.name}.`, namespace: subject.namespace },
          involvedObject: { apiVersion: API_VERSION, kind: KIND, name: subject.name, namespace: subject.namespace, ...(subject.uid ? { uid: subject.uid } : {}) },
          type,
          reason,
          message: message.slice(0, 1024),
          source: { component: this.component, host: this.host },
          reportingComponent: this.component,
          reportingInstance: this.host,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      });
      this.recent.set(key, { name: created.metadata!.name!, count: 1, at: now.getTime() });
      if (this.recent.size > 5000) this.prune(now.getTime());
    } catch (error) {
      this.recent.delete(key);
      this.log.warn({ err: describeError(error), reason, rss: `${subject.namespace}/${subject.name}` }, 'could not record an event');
    }
  }

  private prune(now: number): void {
    for (const [k, v] of this.recent) if (now - v.at > REPEAT_WINDOW_MS) this.recent.delete(k);
  }
}
