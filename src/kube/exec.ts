// Runs one application command in a member pod through the pod `exec` API — never through a shell of our
// own — and reports how it ended. The exit code arrives in the exec channel's final Status object: the
// kubelet sends reason NonZeroExitCode with an ExitCode cause; kwok sends a plain Failure whose message ends
// in "exit status N". Both are read here, so the rest of the operator only sees numbers.
//
// Every exec is its own TLS connection (a WebSocket upgrade cannot share one). Node builds a new TLS context
// for each connection unless it is given one — parsing the CA, the client certificate and the key again, and
// leaving their native memory to the allocator each time — so all execs share one context, rebuilt only when
// the kubeconfig's certificates change.
import { Exec, type KubeConfig, type V1Status } from '@kubernetes/client-node';
import { PassThrough, Writable, type Readable } from 'node:stream';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { CommandOutcome } from '../engine/types.ts';

export interface ExecRequest {
  namespace: string;
  pod: string;
  container: string;
  argv: string[];
  timeoutMs: number;
}

/**
 * Streams of a command that moves data (backup, restore). `stdout`, when given, receives the command's
 * stdout instead of the outcome (which then carries none), with backpressure: the WebSocket is paused while
 * the sink is full, so the command itself is held back. The sink is not ended: the caller ends or destroys
 * it once it knows how the command ended. `stdin`, when given, is sent to the command as fast as the
 * connection takes it, then closed; if it errors, stdin is closed early (the command sees a truncated
 * stream) and the outcome reports that error once the command has ended.
 */
export interface ExecStreams {
  stdout?: Writable;
  stdin?: Readable;
  /** Ends the command early (the connection is closed); the outcome carries the signal's reason. */
  signal?: AbortSignal;
}

/** Most bytes of stdin handed to the WebSocket and not yet written to its socket before the source is read further. */
const STDIN_IN_FLIGHT_BYTES = 1024 * 1024;

/** Passes stdout on to a sink, pausing the WebSocket while the sink is full. */
class BackpressuredSink extends Writable {
  private readonly sink: Writable;
  private readonly pause: () => void;
  private readonly resume: () => void;
  bytes = 0;
  constructor(sink: Writable, pause: () => void, resume: () => void) {
    super();
    this.sink = sink;
    this.pause = pause;
    this.resume = resume;
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.bytes += chunk.length;
    if (!this.sink.writableEnded && !this.sink.destroyed && !this.sink.write(chunk)) {
      this.pause();
      this.sink.once('drain', this.resume);
    }
    done();
  }
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

/** The TLS material of a connection's options, in the order createSecureContext takes it. */
const TLS_MATERIAL = ['ca', 'cert', 'key', 'pfx', 'passphrase'] as const;

function sameMaterial(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameMaterial(x, b[i]));
  return false;
}

/** One TLS context for as long as the CA, certificate and key stay the same (they are re-read for each exec). */
export class SharedSecureContext {
  private material: unknown[] | undefined;
  private context: SecureContext | undefined;
  /** How many contexts were built (for tests). */
  built = 0;

  for(options: object): SecureContext {
    const o = options as Record<string, unknown>;
    const material = TLS_MATERIAL.map((k) => o[k] ?? undefined);
    if (!this.context || !this.material || !material.every((m, i) => sameMaterial(m, this.material![i]))) {
      const input: Record<string, unknown> = {};
      TLS_MATERIAL.forEach((k, i) => {
        if (material[i] !== undefined && material[i] !== null) input[k] = material[i];
      });
      this.context = createSecureContext(input);
      this.material = material;
      this.built++;
    }
    return this.context;
  }
}

/**
 * The kubeconfig as the exec WebSocket sees it: everything delegates to `kubeConfig` (credentials are still
 * applied for each exec, so rotated tokens are picked up), and the connection options carry the shared TLS
 * context, which `tls.connect` then uses instead of building one.
 */
export function withSharedTls(kubeConfig: KubeConfig, shared = new SharedSecureContext()): KubeConfig {
  const view = Object.create(kubeConfig) as KubeConfig;
  view.applyToHTTPSOptions = async (opts) => {
    await kubeConfig.applyToHTTPSOptions(opts);
    const o = opts as { secureContext?: SecureContext; perMessageDeflate?: boolean };
    o.secureContext = shared.for(opts);
    // The API server's exec stream is not compressed: do not offer permessage-deflate.
    o.perMessageDeflate = false;
  };
  return view;
}

export class PodExecutor {
  private readonly exec: Exec;
  /** Commands in flight, so that a shutdown can end them instead of waiting up to their timeouts. */
  private readonly inFlight = new Set<(reason: string) => void>();
  private closedReason?: string;
  readonly tls = new SharedSecureContext();
  constructor(kubeConfig: KubeConfig) {
    this.exec = new Exec(withSharedTls(kubeConfig, this.tls));
  }

  /** Ends every command in flight (their outcome is "could not run") and refuses new ones. */
  abortAll(reason: string): void {
    this.closedReason = reason;
    for (const abort of this.inFlight) abort(reason);
  }

  async run(request: ExecRequest, streams: ExecStreams = {}): Promise<CommandOutcome> {
    if (this.closedReason) return { exitCode: null, timedOut: false, stdout: '', stderr: '', error: this.closedReason };
    const captured = new BoundedBuffer(OUTPUT_LIMIT_BYTES);
    const stderr = new BoundedBuffer(OUTPUT_LIMIT_BYTES);
    let status: V1Status | undefined;
    let timedOut = false;
    let socket: Awaited<ReturnType<Exec['exec']>> | undefined;
    let stdinError: string | undefined;
    const stdout: Writable = streams.stdout
      ? new BackpressuredSink(streams.stdout, () => socket?.pause(), () => socket?.resume())
      : captured;
    const stdinPipe = streams.stdin ? new PassThrough() : null;
    const outcome = (exitCode: number | null, error?: string): CommandOutcome => {
      const why = error ?? stdinError;
      return {
        exitCode: stdinError !== undefined && error === undefined ? null : exitCode,
        timedOut,
        stdout: captured.text(),
        stderr: stderr.text(),
        ...(why !== undefined ? { error: why } : {}),
      };
    };

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
      const signal = streams.signal;
      if (signal) {
        if (signal.aborted) queueMicrotask(() => abort(String(signal.reason)));
        else signal.addEventListener('abort', () => abort(signal.reason instanceof Error ? signal.reason.message : String(signal.reason)), { once: true });
      }
      const timer = setTimeout(() => {
        timedOut = true;
        socket?.close();
        finish(outcome(null, `timed out after ${request.timeoutMs} ms`));
      }, request.timeoutMs);

      // The exit status is the stream's last message (stdout and stderr have all arrived before it): the
      // command's outcome is known then, without waiting for the WebSocket's closing handshake.
      const concluded = () => {
        if (!status) return finish(outcome(null, 'the exec connection closed without an exit status'));
        const code = exitCodeOf(status);
        if (code === undefined) {
          // The program is not there (or cannot be run): the command's fault, not the connection's. Reported
          // as a shell would (127), so that it counts as the member failing, with the runtime's words on stderr.
          const missing = commandNotFound(status.message);
          if (missing !== undefined) return finish({ exitCode: 127, timedOut, stdout: captured.text(), stderr: missing });
          return finish(outcome(null, `exec failed: ${status.message ?? status.reason ?? 'unknown error'}`));
        }
        finish(outcome(code));
      };
      this.exec
        .exec(request.namespace, request.pod, request.container, request.argv, stdout, stderr, stdinPipe, false, (s) => {
          status = s;
          concluded();
        })
        .then((ws) => {
          socket = ws;
          if (settled) ws.close();
          ws.on('close', concluded);
          ws.on('error', (error: Error) => finish(outcome(null, `exec connection error: ${error.message}`)));
          if (streams.stdin && stdinPipe) {
            void pumpStdin(streams.stdin, stdinPipe, ws, () => settled).catch((error: unknown) => {
              // Close stdin early: the command sees a truncated stream; its end is awaited as usual.
              stdinError = error instanceof Error ? error.message : String(error);
              stdinPipe.end();
            });
          }
        })
        .catch((error: unknown) => finish(outcome(null, `exec could not start: ${describeError(error)}`)));
    });
  }
}

/**
 * When an exec failed because the program could not be started (not found, not executable), a line saying
 * so: kwok says "cmd start: … executable file not found in $PATH" or "fork/exec …: no such file or
 * directory"; runc via containerd says "OCI runtime exec failed: exec failed: unable to start container
 * process: exec: …: executable file not found in $PATH".
 */
export function commandNotFound(message: string | undefined): string | undefined {
  if (!message) return undefined;
  const match = /(exec: "[^"]*": executable file not found in \$PATH|fork\/exec [^:]+: (?:no such file or directory|permission denied)|exec: "[^"]*": (?:stat [^:]+: )?(?:no such file or directory|permission denied))/.exec(message);
  return match ? `the program could not be started: ${match[1]}` : undefined;
}

/**
 * Copies `source` into the exec's stdin, no faster than the WebSocket writes it out. The frames are sent
 * here rather than through the client's stdin stream (which sends whatever arrives at once): each send's
 * callback says when its bytes reached the socket, which bounds what is held in memory. `stdin`, the stream
 * the client watches, only carries the end: ending it sends the close of the stdin channel after them.
 */
async function pumpStdin(source: Readable, stdin: PassThrough, ws: WebSocketLike, done: () => boolean): Promise<void> {
  let inFlight = 0;
  let wake: (() => void) | undefined;
  let failed: Error | undefined;
  for await (const chunk of source) {
    if (done()) return;
    const data = chunk as Buffer;
    const frame = Buffer.allocUnsafe(data.length + 1);
    frame[0] = 0; // the stdin channel
    data.copy(frame, 1);
    inFlight += frame.length;
    ws.send(frame, (error?: Error) => {
      inFlight -= frame.length;
      if (error) failed = error;
      wake?.();
    });
    while (inFlight > STDIN_IN_FLIGHT_BYTES && !done() && !failed) await new Promise<void>((resolve) => (wake = resolve));
    if (failed) throw new Error(`sending stdin failed: ${failed.message}`);
  }
  stdin.end();
}

/** What the stdin pump needs of the exec's WebSocket. */
interface WebSocketLike {
  send(data: Buffer, callback: (error?: Error) => void): void;
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
