// Parts of the operator's backup and restore paths, each alone, on a file: run by the backup scenario as its
// own process, with the node flags the operator runs with (the Containerfile's and the Deployment's
// NODE_OPTIONS), so that the garbage collector is sized as in the operator. The operator's own code is used
// (src/backup/streams.ts, src/backup/object-store.ts, src/kube/exec.ts), never a copy. Each mode prints one
// line of JSON: {bytes, ms, sha256, cpuMs, rssStartBytes (VmRSS once loaded, before the work), maxRssBytes}.
//
//   hash FILE                 FILE → Digest (SHA-256 and count) → nothing: sha256 speed
//   upload FILE KEY           FILE → Digest → ObjectStore.upload (8 MiB parts, 2 in flight), as
//                             BackupController.run streams a member's stdout; no exec. The S3 server from the
//                             environment (RSS_BENCH_S3_ENDPOINT, _REGION, _BUCKET, _ACCESS_KEY_ID, _SECRET_ACCESS_KEY)
//   exec-out NS POD FILE      PodExecutor.run(`cat FILE`) with its stdout into a Digest → nothing: the backup's
//                             exec path (API server, kwok, the operator's WebSocket client) without mariabackup
//                             and without S3. KUBECONFIG from the environment; container "galera"
//   exec-in NS POD FILE SHA   FILE → VerifiedTail(SHA, size) → PodExecutor.run(`sh -c 'cat > /dev/null'`) stdin:
//                             the restore's exec path without S3 and without mbstream
import { KubeConfig } from '@kubernetes/client-node';
import { createReadStream, statSync } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ObjectStore } from '../../src/backup/object-store.ts';
import { Digest, VerifiedTail } from '../../src/backup/streams.ts';
import { PodExecutor } from '../../src/kube/exec.ts';

const [mode, ...args] = process.argv.slice(2);
const usage = () => {
  console.error('usage: pipe-check.ts hash FILE | upload FILE KEY | exec-out NS POD FILE | exec-in NS POD FILE SHA256');
  process.exit(2);
};
const arity: Record<string, number> = { hash: 1, upload: 2, 'exec-out': 3, 'exec-in': 4 };
if (mode === undefined || arity[mode] === undefined || args.length !== arity[mode]) usage();

const env = (name: string) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const nothing = () => new Writable({ write: (_chunk, _encoding, done) => done() });
const executor = () => {
  const kc = new KubeConfig();
  kc.loadFromFile(env('KUBECONFIG'));
  return new PodExecutor(kc);
};
const TIMEOUT_MS = 3_600_000;

const rssStartBytes = process.memoryUsage.rss();
const cpu0 = process.cpuUsage();
const started = performance.now();
let bytes = 0;
let sha256 = '';
if (mode === 'hash') {
  const digest = new Digest();
  await pipeline(createReadStream(args[0]!), digest, nothing());
  bytes = digest.bytes;
  sha256 = digest.sha256();
} else if (mode === 'upload') {
  const ref = { name: 'unused', key: 'unused' };
  const store = new ObjectStore({
    storage: { endpoint: env('RSS_BENCH_S3_ENDPOINT'), bucket: env('RSS_BENCH_S3_BUCKET'), prefix: '', region: env('RSS_BENCH_S3_REGION'), forcePathStyle: true, accessKeyId: ref, secretAccessKey: ref },
    accessKeyId: env('RSS_BENCH_S3_ACCESS_KEY_ID'),
    secretAccessKey: env('RSS_BENCH_S3_SECRET_ACCESS_KEY'),
  });
  const digest = new Digest();
  const upload = store.upload(args[1]!, digest);
  const source = createReadStream(args[0]!);
  source.on('error', (error) => digest.destroy(error));
  source.pipe(digest);
  await upload;
  store.destroy();
  bytes = digest.bytes;
  sha256 = digest.sha256();
} else if (mode === 'exec-out') {
  const [namespace, pod, file] = args as [string, string, string];
  const digest = new Digest();
  digest.pipe(nothing());
  const outcome = await executor().run({ namespace, pod, container: 'galera', argv: ['cat', file], timeoutMs: TIMEOUT_MS }, { stdout: digest });
  if (outcome.exitCode !== 0) throw new Error(`cat ${file} in ${pod}: exit ${outcome.exitCode} ${outcome.error ?? ''} ${outcome.stderr}`);
  digest.end();
  bytes = digest.bytes;
  sha256 = digest.sha256();
} else {
  const [namespace, pod, file, expected] = args as [string, string, string, string];
  const verified = new VerifiedTail(expected, statSync(file).size);
  verified.on('error', () => undefined);
  const source = createReadStream(file);
  source.on('error', (error) => verified.destroy(error));
  source.pipe(verified);
  const outcome = await executor().run({ namespace, pod, container: 'galera', argv: ['sh', '-c', 'cat > /dev/null'], timeoutMs: TIMEOUT_MS }, { stdin: verified });
  if (outcome.exitCode !== 0) throw new Error(`cat > /dev/null in ${pod}: exit ${outcome.exitCode} ${outcome.error ?? ''} ${outcome.stderr}`);
  // A mismatch would have failed the command's stdin (the outcome's error): every byte went through.
  if (outcome.error) throw new Error(`stdin of ${pod}: ${outcome.error}`);
  bytes = statSync(file).size;
  sha256 = expected;
}
const ms = performance.now() - started;
const cpu = process.cpuUsage(cpu0);
console.log(JSON.stringify({ bytes, ms, sha256, cpuMs: (cpu.user + cpu.system) / 1000, rssStartBytes, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
process.exit(0);
