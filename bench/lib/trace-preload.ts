// Loaded into the operator process by the benchmark (`node --import bench/lib/trace-preload.ts src/main.ts`),
// never by the operator itself. It changes nothing: it only subscribes to Node's diagnostics channels and
// records, from the outside,
//   - every Kubernetes API request the process starts (undici's fetch: list, watch, patch, create, …;
//     node:http(s): the exec WebSocket upgrades), counted by verb and resource — the operator's own API load,
//     exactly, whatever else talks to the same API server;
//   - every exec: when the operator started the HTTP request and when its WebSocket closed (the command's
//     end as the operator sees it), with the namespace, pod and command — millisecond timestamps that the
//     operator's own metrics (a histogram) cannot give per command.
//   - with RSS_BENCH_TRACE_REQUESTS=1, every other API request too: start, end (response complete), verb and
//     resource — to see which of the operator's own API calls sit between two commands.
// Output (RSS_BENCH_TRACE=<prefix>): <prefix>.execs.jsonl (one line per finished exec), <prefix>.requests.jsonl
// (one line per finished request, when asked) and <prefix>.counts.json (rewritten every 500 ms and at exit).
import { subscribe } from 'node:diagnostics_channel';
import { appendFileSync, renameSync, writeFileSync } from 'node:fs';

const prefix = process.env.RSS_BENCH_TRACE;

/** One line of <prefix>.execs.jsonl (read back by the benchmark: OperatorProcess.execs). */
export interface ExecRecord {
  ns: string;
  pod: string;
  cmd: string;
  start: number;
  end: number;
  ok: boolean;
}

/** One line of <prefix>.requests.jsonl (read back by the benchmark: OperatorProcess.apiRequests). */
export interface RequestRecord {
  key: string;
  start: number;
  end: number;
}

/** "GET pods/exec", "WATCH pods", "PATCH replicatedstatefulsets/status", "POST events", … */
export function requestKey(method: string, path: string): string {
  const [pathname = '', query = ''] = path.split('?');
  const parts = pathname.split('/').filter(Boolean);
  // /api/v1/… or /apis/<group>/<version>/…
  let rest = parts[0] === 'api' ? parts.slice(2) : parts[0] === 'apis' ? parts.slice(3) : parts;
  if (rest[0] === 'namespaces' && rest.length >= 3) rest = rest.slice(2);
  const resource = rest[0] ?? pathname;
  const sub = rest.length >= 3 ? `/${rest[2]}` : '';
  const watch = /(^|&)watch=(true|1)/.test(query);
  return `${watch ? 'WATCH' : method.toUpperCase()} ${resource}${sub}`;
}

if (prefix) {
  const counts = new Map<string, number>();
  let total = 0;
  let pending: string[] = [];
  let pendingRequests: string[] = [];
  const traceRequests = process.env.RSS_BENCH_TRACE_REQUESTS === '1';
  const count = (key: string) => {
    total++;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  };
  const flush = () => {
    if (pending.length > 0) {
      appendFileSync(`${prefix}.execs.jsonl`, pending.join(''));
      pending = [];
    }
    if (pendingRequests.length > 0) {
      appendFileSync(`${prefix}.requests.jsonl`, pendingRequests.join(''));
      pendingRequests = [];
    }
    const snapshot = { time: Date.now(), total, byKey: Object.fromEntries([...counts].sort()) };
    writeFileSync(`${prefix}.counts.json.tmp`, JSON.stringify(snapshot));
    renameSync(`${prefix}.counts.json.tmp`, `${prefix}.counts.json`);
  };
  setInterval(flush, 500).unref();
  process.on('exit', flush);

  const started = new WeakMap<object, { start: number; key: string }>();
  subscribe('undici:request:create', (message) => {
    const request = (message as { request: { method: string; path: string } }).request;
    const key = requestKey(request.method, request.path);
    count(key);
    if (traceRequests && !key.startsWith('WATCH')) started.set(request, { start: Date.now(), key });
  });
  const finished = (message: unknown) => {
    const request = (message as { request: object }).request;
    const s = started.get(request);
    if (!s) return;
    started.delete(request);
    const line: RequestRecord = { key: s.key, start: s.start, end: Date.now() };
    pendingRequests.push(JSON.stringify(line) + '\n');
  };
  if (traceRequests) {
    subscribe('undici:request:trailers', finished);
    subscribe('undici:request:error', finished);
  }

  subscribe('http.client.request.start', (message) => {
    const request = (message as { request: import('node:http').ClientRequest }).request;
    const path = request.path;
    count(requestKey(request.method, path));
    const match = /\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec\?(.*)$/.exec(path);
    if (!match) return;
    const start = Date.now();
    const argv = new URLSearchParams(match[3]).getAll('command');
    // The dummy's verb is its first argument; for any other application keep the whole argv.
    const cmd = argv.length >= 2 && argv[0] === 'rss-dummy' ? argv[1]! : argv.join(' ');
    let done = false;
    const end = (ok: boolean) => {
      if (done) return;
      done = true;
      const line: ExecRecord = { ns: match[1]!, pod: match[2]!, cmd, start, end: Date.now(), ok };
      pending.push(JSON.stringify(line) + '\n');
    };
    // The WebSocket library listens for 'upgrade' itself; one more listener changes nothing.
    request.once('upgrade', (_response, socket) => socket.once('close', () => end(true)));
    request.once('response', (response) => {
      response.once('end', () => end(false));
      response.once('close', () => end(false));
    });
    request.once('error', () => end(false));
  });
}
