// Runs one application command in a member pod through the pod `exec` API — never through a shell of our
// own — and reports how it ended. The exit code arrives in the exec channel's final Status object: the
// kubelet sends reason NonZeroExitCode with an ExitCode cause; kwok sends a plain Failure whose message ends
// in "exit status N". Both are read here, so the rest of the operator only sees numbers.
import { Exec, type KubeConfig, type V1Status } from '@kubernetes/client-node';
import { Writable } from 'node:stream';
import type { CommandOutcome } from '../engine/types.ts';

export interface ExecRequest {
  namespace: string;
  pod: string;
  container: string;
  argv: string[];
  timeoutMs: number;
}

/** Keeps the first `limit` bytes written to it; the rest is counted and dropped. */
class BoundedBuffer extends Writable {
  private chunks: Buffer[] = [];
  private kept = 0;
  dropped = 0;
  private readonly limit: number;
  constructor(limit: number) {
    super();
    this.limit = limit;
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    const room = this.limit - this.kept;
    if (room > 0) {
      const part = chunk.subarray(0, room);
      this.chunks.push(part);
      this.kept += part.length;
    }
    this.dropped += Math.max(0, chunk.length - Math.max(room, 0));
    done();
  }
  text(): string {
    const s = Buffer.concat(this.chunks).toString('utf8');
    return this.dropped > 0 ? `${s}\n[… ${this.dropped} more bytes dropped]` : s;
  }
}

/** The exit code carried by an exec Status, or undefined when the status does not say. */
export function exitCodeOf(status: V1Status): number | undefined {
  if (status.status === 'Success') return 0;
  if (status.reason === 'NonZeroExitCode') {
    const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
    const code = Number(cause?.message);
    if (Number.isInteger(code)) return code;
  }
  const match = /exit status (\d+)\s*$/m.exec(status.message ?? '');
  if (match) return Number(match[1]);
  return undefined;
}

export const OUTPUT_LIMIT_BYTES = 64 * 1024;

export class PodExecutor {
  private readonly exec: Exec;
  /** Commands in flight, so that a shutdown can end them instead of waiting up to their timeouts. */
  private readonly inFlight = new Set<(reason: string) => void>();
  private closedReason?: string;
  constructor(kubeConfig: KubeConfig) {
    this.exec = new Exec(kubeConfig);
  }

  /** Ends every command in flight (their outcome is "could not run") and refuses new ones. */
  abortAll(reason: string): void {
    this.closedReason = reason;
    for (const abort of this.inFlight) abort(reason);
  }

  async run(request: ExecRequest): Promise<CommandOutcome> {
    if (this.closedReason) return { exitCode: null, timedOut: false, stdout: '', stderr: '', error: this.closedReason };
    const stdout = new BoundedBuffer(OUTPUT_LIMIT_BYTES);
    const stderr = new BoundedBuffer(OUTPUT_LIMIT_BYTES);
    let status: V1Status | undefined;
    let timedOut = false;
    let socket: Awaited<ReturnType<Exec['exec']>> | undefined;
    const outcome = (exitCode: number | null, error?: string): CommandOutcome => ({
      exitCode,
      timedOut,
      stdout: stdout.text(),
      stderr: stderr.text(),
      ...(error !== undefined ? { error } : {}),
    });

    return await new Promise<CommandOutcome>((resolve) => {
      let settled = false;
      const abort = (reason: string) => {
        socket?.close();
        finish(outcome(null, reason));
      };
      const finish = (result: CommandOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.inFlight.delete(abort);
        resolve(result);
      };
      this.inFlight.add(abort);
      const timer = setTimeout(() => {
        timedOut = true;
        socket?.close();
        finish(outcome(null, `timed out after ${request.timeoutMs} ms`));
      }, request.timeoutMs);

      this.exec
        .exec(request.namespace, request.pod, request.container, request.argv, stdout, stderr, null, false, (s) => {
          status = s;
        })
        .then((ws) => {
          socket = ws;
          if (settled) ws.close();
          ws.on('close', () => {
            if (!status) return finish(outcome(null, 'the exec connection closed without an exit status'));
            const code = exitCodeOf(status);
            if (code === undefined) return finish(outcome(null, `exec failed: ${status.message ?? status.reason ?? 'unknown error'}`));
            finish(outcome(code));
          });
          ws.on('error', (error: Error) => finish(outcome(null, `exec connection error: ${error.message}`)));
        })
        .catch((error: unknown) => finish(outcome(null, `exec could not start: ${describeError(error)}`)));
    });
  }
}

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const body = (error as { body?: unknown }).body;
    if (typeof body === 'string' && body.length > 0) {
      try {
        const parsed = JSON.parse(body) as { message?: string };
        if (parsed.message) return parsed.message;
      } catch {
        return body.slice(0, 300);
      }
    }
    return error.message;
  }
  // The websocket layer rejects with an ErrorEvent: only its message says what the server answered.
  const message = (error as { message?: unknown })?.message;
  if (typeof message === 'string') {
    if (/\b404\b/.test(message)) return `${message} (the pod was not found)`;
    if (/\b400\b/.test(message)) return `${message} (the pod or container is not running)`;
    if (/\b40[13]\b/.test(message)) return `${message} (forbidden: the operator needs create and get on pods/exec)`;
    return message;
  }
  return String(error);
}
