// A keyed work queue in the manner of client-go's: a key waits at most once in the queue however often it
// is added, is handled by one worker at a time (a key added while it is being handled is handled again
// afterwards), can be added after a delay, and backs off exponentially while its handler keeps failing.
//
// Two priorities: keys added because something happened (a watch event: a pod deleted, a spec changed) are
// `high`; keys coming back on a timer (the periodic status probe, a retry after backoff) are `low`. High keys
// are served first, a low key that is added as high moves up, and low keys never take the last
// `reservedForHigh` workers — so a broken cluster is reacted to at once even while every other cluster's
// probe is due.

export type Priority = 'high' | 'low';

export interface WorkQueueOptions {
  /** Workers handling different keys at once. */
  concurrency: number;
  /** Workers that only high-priority keys may use (default: a quarter of them, rounded down). */
  reservedForHigh?: number;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** A lower backoff cap for some errors (e.g. a command that could not be run in a pod), or undefined. */
  maxBackoffMsFor?: (error: unknown) => number | undefined;
}

export type Handler = (key: string) => Promise<{ requeueAfterMs?: number } | void>;

export class WorkQueue {
  /** Waiting keys, in the order they were added (a Set keeps insertion order). */
  private readonly waiting: Record<Priority, Set<string>> = { high: new Set(), low: new Set() };
  private readonly active = new Set<string>();
  /** Keys added while active: handled again once the worker is done, at the highest priority asked for. */
  private readonly dirty = new Map<string, Priority>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly failures = new Map<string, number>();
  private running = 0;
  private runningLow = 0;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];
  private readonly handler: Handler;
  private readonly options: Required<Omit<WorkQueueOptions, 'maxBackoffMsFor'>> & Pick<WorkQueueOptions, 'maxBackoffMsFor'>;
  onError: (key: string, error: unknown, retryInMs: number) => void = () => undefined;

  constructor(handler: Handler, options: WorkQueueOptions) {
    this.handler = handler;
    this.options = { baseBackoffMs: 200, maxBackoffMs: 60_000, reservedForHigh: Math.floor(options.concurrency / 4), ...options };
  }

  get length(): number {
    return this.waiting.high.size + this.waiting.low.size;
  }

  /** Workers low-priority keys may use. */
  private get lowLimit(): number {
    return Math.max(1, this.options.concurrency - this.options.reservedForHigh);
  }

  add(key: string, priority: Priority = 'high'): void {
    if (this.stopped) return;
    if (this.active.has(key)) {
      if (this.dirty.get(key) !== 'high') this.dirty.set(key, priority);
      return;
    }
    if (this.waiting.high.has(key)) return;
    if (this.waiting.low.has(key)) {
      if (priority === 'low') return;
      this.waiting.low.delete(key);
    }
    this.waiting[priority].add(key);
    this.pump();
  }

  /** Adds the key after `ms` (at low priority unless told), unless an earlier add for it is already scheduled. */
  addAfter(key: string, ms: number, priority: Priority = 'low'): void {
    if (this.stopped) return;
    if (ms <= 0) return this.add(key, priority);
    const at = Date.now() + ms;
    const existing = this.timers.get(key);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key, priority);
    }, ms);
    timer.unref();
    this.timers.set(key, { at, timer });
  }

  /** Forgets a key's failures (its object is gone or healthy again). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  private take(): [string, Priority] | undefined {
    for (const key of this.waiting.high) {
      this.waiting.high.delete(key);
      return [key, 'high'];
    }
    if (this.runningLow >= this.lowLimit) return undefined;
    for (const key of this.waiting.low) {
      this.waiting.low.delete(key);
      return [key, 'low'];
    }
    return undefined;
  }

  private pump(): void {
    while (!this.stopped && this.running < this.options.concurrency) {
      const next = this.take();
      if (!next) break;
      const [key, priority] = next;
      this.active.add(key);
      this.running++;
      if (priority === 'low') this.runningLow++;
      void this.work(key, priority);
    }
    if (this.running === 0 && this.length === 0) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  private async work(key: string, priority: Priority): Promise<void> {
    try {
      const result = await this.handler(key);
      this.failures.delete(key);
      // 0: the handler is in the middle of something (more steps to take): carry on at once, as urgent.
      if (result?.requeueAfterMs !== undefined) this.addAfter(key, result.requeueAfterMs, result.requeueAfterMs <= 0 ? 'high' : 'low');
    } catch (error) {
      const count = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, count);
      const cap = Math.min(this.options.maxBackoffMs, this.options.maxBackoffMsFor?.(error) ?? Infinity);
      const delay = Math.min(cap, this.options.baseBackoffMs * 2 ** (count - 1));
      this.onError(key, error, delay);
      this.addAfter(key, delay);
    } finally {
      this.active.delete(key);
      this.running--;
      if (priority === 'low') this.runningLow--;
      const again = this.dirty.get(key);
      if (again) {
        this.dirty.delete(key);
        this.add(key, again);
      }
      this.pump();
    }
  }

  /** Resolves when no key is queued or being handled (delayed adds do not count). */
  async idle(): Promise<void> {
    if (this.running === 0 && this.length === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops taking work; resolves once the handlers in flight have finished. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.waiting.high.clear();
    this.waiting.low.clear();
    this.dirty.clear();
    while (this.running > 0) await new Promise((r) => setTimeout(r, 20));
  }
}
