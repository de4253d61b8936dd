// The demo: a local Kubernetes control plane, the operator, the original README's example cluster, a lost
// member and its recovery; then a real MariaDB Galera cluster (examples/galera): rows written through one
// member and read through another, `kubectl rss status`, a member pod deleted and rejoining, a rolling
// update of a server setting; then a backup of it into the local S3 server (`kubectl rss backup --wait`,
// `kubectl rss backups`) restored into a second cluster, whose rows are shown; then a PostgreSQL cluster
// (examples/postgres, demo/postgres.ts): a lost primary replaced by promoting a standby in place, and a
// switchover. The clusters are left running for you to explore with kubectl.
import { BucketAlreadyExists, BucketAlreadyOwnedByYou, CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse, stringify } from 'yaml';
import { kubectl, objectStore, processesUnder, repoRoot, up } from '../controlplane/localcluster.ts';
import { postgresDemo, postgresMissing } from './postgres.ts';

const NAMESPACE = 'rss-demo';
const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const step = (s: string) => console.log(`\n${bold(`▶ ${s}`)}`);
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const indent = (text: string) => text.trimEnd().split('\n').map((l) => `  ${l}`).join('\n');

interface Status {
  phase?: string;
  members?: { primary?: string[] };
  restore?: { backup: string; phase: string; member?: string; sequence?: number | null; message?: string; startedAt?: string; completedAt?: string };
  lastBootstrap?: { pod: string; sequence?: number | null };
  highestSequence?: number;
  memberStatus?: { name: string; role: string; podUID?: string; revision?: string }[];
  conditions?: { type: string; status: string; reason: string; message: string }[];
  updateRevision?: string;
  updatedReplicas?: number;
  rollout?: { revision: string; updated: number; total: number; state: string; halted?: { member: string; reason: string } };
}

async function main(): Promise<void> {
  const demoStarted = Date.now();
  step('Starting the local Kubernetes control plane (etcd, kube-apiserver, controller-manager, scheduler, kwok nodes)');
  const cp = await up();
  console.log(cp.reused ? 'Already running.' : `Started in ${cp.seconds.toFixed(1)} s.`);
  const k = (args: string[], input?: string) => kubectl(cp.bin, args, input);
  console.log(k(['get', 'nodes']).trimEnd());

  step('Installing the CRDs (ReplicatedStatefulSet; Backup and BackupSchedule)');
  for (const file of ['crd.yaml', 'crd-backup.yaml']) k(['apply', '--server-side', '--force-conflicts', '-f', join(repoRoot, 'deploy', file)]);
  k(['wait', '--for=condition=Established', '--timeout=30s', 'crd/replicatedstatefulsets.clusterlabs.org', 'crd/backups.clusterlabs.org', 'crd/backupschedules.clusterlabs.org']);
  k(['apply', '-f', '-'], `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${NAMESPACE}\n`);

  step(`Running the operator (watching namespace ${NAMESPACE})`);
  const logDir = join(repoRoot, '.cache', 'demo');
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, 'operator.log');
  const operator = spawn(process.execPath, [join(repoRoot, 'src', 'main.ts'), '--kubeconfig', cp.kubeconfig, '--namespace', NAMESPACE, '--http-address', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(logFile, { flags: 'a' });
  operator.stdout.pipe(log);
  operator.stderr.pipe(log);
  console.log(`Its log: ${logFile}`);
  // Whatever fails below, the operator does not outlive the demo.
  process.once('exit', () => operator.kill('SIGTERM'));

  const status = (name: string): Status => {
    try {
      return JSON.parse(k(['-n', NAMESPACE, 'get', `rss/${name}`, '-o', 'jsonpath={.status}']) || '{}') as Status;
    } catch {
      return {};
    }
  };
  const waitFor = async (name: string, what: string, check: (s: Status) => boolean, timeoutMs = 120_000): Promise<number> => {
    const started = Date.now();
    let lastLine = '';
    while (Date.now() - started < timeoutMs) {
      const s = status(name);
      const rollout = s.rollout && (s.rollout.state !== 'Complete' || s.rollout.updated < s.rollout.total) ? `  rollout: ${s.rollout.state} ${s.rollout.updated}/${s.rollout.total}` : '';
      const line = `  ${secs(Date.now() - started).padStart(7)}  phase=${s.phase ?? '-'}  members: ${(s.memberStatus ?? []).map((m) => `${m.name}=${m.role}`).join(' ') || '-'}${rollout}`;
      const shown = line.replace(/^\s+\S+ s/, '');
      if (shown !== lastLine) console.log(line);
      lastLine = shown;
      if (check(s)) return Date.now() - started;
      if (s.rollout?.state === 'Halted') {
        throw new Error(`the rolling update of rss/${name} halted at ${s.rollout.halted?.member}: ${s.rollout.halted?.reason}; see kubectl -n ${NAMESPACE} describe rss ${name} and ${logFile}`);
      }
      await sleep(200);
    }
    throw new Error(`timed out after ${secs(timeoutMs)} waiting for ${what} (rss/${name} in ${NAMESPACE}); see kubectl -n ${NAMESPACE} describe rss ${name} and the operator's log, ${logFile}`);
  };
  const threePrimaries = (s: Status) => s.phase === 'Running' && (s.members?.primary?.length ?? 0) === 3;
  /** The cluster's Events since a time (this run's, not an earlier demo's), oldest first, as a table. */
  const events = (name: string, since: number, reasons?: RegExp): string => {
    const list = JSON.parse(k(['-n', NAMESPACE, 'get', 'events', '--field-selector', `involvedObject.kind=ReplicatedStatefulSet,involvedObject.name=${name}`, '-o', 'json'])) as {
      items: { type?: string; reason?: string; message?: string; lastTimestamp?: string; eventTime?: string; firstTimestamp?: string }[];
    };
    const at = (e: (typeof list.items)[number]) => Date.parse(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? '') || 0;
    const rows = list.items
      .filter((e) => at(e) >= since - 1000 && (!reasons || reasons.test(e.reason ?? '')))
      .sort((a, b) => at(a) - at(b))
      .map((e) => [e.type ?? '', e.reason ?? '', e.message ?? '']);
    const width = (i: number) => Math.max(...[['TYPE', 'REASON'][i]!.length, ...rows.map((r) => r[i]!.length)]) + 3;
    return [['TYPE', 'REASON', 'MESSAGE'], ...rows].map((r) => `${r[0]!.padEnd(width(0))}${r[1]!.padEnd(width(1))}${r[2]}`).join('\n');
  };

  step('kubectl apply -f examples/dummy/cluster.yaml  (the original README’s example, 3 members)');
  console.log(k(['-n', NAMESPACE, 'apply', '-f', join(repoRoot, 'examples', 'dummy', 'cluster.yaml')]).trimEnd());
  const created = await waitFor('example', '3 primaries', threePrimaries);
  console.log(`All 3 members running as primaries ${secs(created)} after kubectl apply.`);
  console.log(k(['-n', NAMESPACE, 'get', 'pods', '-l', 'app=example', '-L', 'rss-role,rss-active-member']).trimEnd());
  console.log(k(['-n', NAMESPACE, 'get', 'rss']).trimEnd());
  console.log(`Primaries (the original's query): ${k(['-n', NAMESPACE, 'get', 'rss/example', '-o=jsonpath={.status.members.primary}'])}`);

  step('Failover: kubectl delete pod rss-example-0');
  const before = status('example').memberStatus?.find((m) => m.name === 'rss-example-0')?.podUID;
  console.log(k(['-n', NAMESPACE, 'delete', 'pod', 'rss-example-0', '--now']).trimEnd());
  const recovered = await waitFor('example', 'rss-example-0 back', (s) => threePrimaries(s) && s.memberStatus?.find((m) => m.name === 'rss-example-0')?.podUID !== before);
  console.log(`rss-example-0 was recreated and rejoined as primary in ${secs(recovered)}.`);
  console.log(events('example', demoStarted));

  const galera = galeraMissing();
  if (galera) {
    step('MariaDB Galera: skipped');
    console.log(`${galera} (scripts/setup.sh, run by make demo, installs the packages listed in scripts/debian-packages.txt).`);
  } else {
    await galeraDemo(cp, k, waitFor, status, threePrimaries, events);
  }

  const postgres = postgresMissing();
  if (postgres) {
    step('PostgreSQL: skipped');
    console.log(`${postgres} (scripts/setup.sh, run by make demo, installs the packages listed in scripts/debian-packages.txt).`);
  } else {
    const rss = (args: string[]): string => {
      const r = spawnSync(join(cp.bin, 'kubectl'), ['rss', ...args], {
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, KUBECONFIG: cp.kubeconfig, PATH: [join(repoRoot, 'bin'), cp.bin, dirname(process.execPath), process.env.PATH ?? ''].join(':') },
      });
      if (r.status !== 0) throw new Error(`kubectl rss ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stderr}`);
      return r.stdout;
    };
    await postgresDemo({
      namespace: NAMESPACE, k, rss, waitFor, status, events, step, secs,
      podDir: (pod) => join(repoRoot, '.cache', 'controlplane', 'pods', NAMESPACE, pod),
    });
  }

  step('Explore');
  const pathLine = [join(repoRoot, 'bin'), cp.bin, dirname(process.execPath)].join(':');
  console.log(`In another shell (bin/ holds the kubectl rss plugin, which needs the Node.js 24 put on PATH here):
  export KUBECONFIG=${cp.kubeconfig} PATH=${pathLine}:$PATH
  kubectl -n ${NAMESPACE} get rss,pods
  kubectl rss status example -n ${NAMESPACE}
  kubectl -n ${NAMESPACE} describe rss example
  kubectl -n ${NAMESPACE} scale rss/example --replicas=5
  kubectl explain rss.spec.pod.commands
  kubectl rss status galera -n ${NAMESPACE}
  kubectl -n ${NAMESPACE} exec rss-galera-0 -- mariadb --no-defaults -uroot --socket=run/mysqld.sock -e 'SELECT * FROM demo.notes'
  kubectl rss restart rss-galera-1 -n ${NAMESPACE}
  kubectl rss backups galera -n ${NAMESPACE}
  kubectl rss status galera-copy -n ${NAMESPACE}
  kubectl rss status pg -n ${NAMESPACE}
  kubectl rss switchover pg rss-pg-1 -n ${NAMESPACE}
Each member's working directory (its "volume") is under ${join(repoRoot, '.cache', 'controlplane', 'pods', NAMESPACE)}; commands.log there
lists the commands the operator ran in a dummy member, agent.log and mariadbd.log what a Galera member did.
The operator acts only while it runs (npm run operator -- --kubeconfig ${cp.kubeconfig} --namespace ${NAMESPACE}).
Stop everything with: make controlplane-down`);
  console.log(`\nThe demo took ${secs(Date.now() - demoStarted)}.`);

  if (!process.stdin.isTTY || process.argv.includes('--exit')) {
    operator.kill('SIGTERM');
    console.log('\nThe operator was stopped (no terminal attached); the control plane and the clusters keep running.');
    return;
  }
  console.log('\nThe operator keeps running here; press Ctrl-C to stop it (the control plane keeps running).');
  await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  operator.kill('SIGTERM');
  await new Promise((r) => operator.once('exit', r));
  console.log(readFileSync(logFile, 'utf8').trim().split('\n').slice(-1)[0]);
}

/** Why the Galera part cannot run here, or undefined when it can. */
function galeraMissing(): string | undefined {
  const needed: [string, string][] = [['/usr/sbin/mariadbd', 'mariadb-server'], ['/usr/lib/galera/libgalera_smm.so', 'galera-4']];
  const missing = needed.filter(([file]) => !existsSync(file)).map(([, pkg]) => pkg);
  return missing.length === 0 ? undefined : `Not installed here: ${missing.join(', ')}`;
}

type Kubectl = (args: string[], input?: string) => string;

/** The Galera part: examples/galera/cluster.yaml in the demo namespace. */
async function galeraDemo(
  cp: { kubeconfig: string; bin: string },
  k: Kubectl,
  waitFor: (name: string, what: string, check: (s: Status) => boolean, timeoutMs?: number) => Promise<number>,
  status: (name: string) => Status,
  threePrimaries: (s: Status) => boolean,
  events: (name: string, since: number, reasons?: RegExp) => string,
): Promise<void> {
  /** kubectl with a deadline: a command that hangs fails the demo, naming itself. */
  const kt = (args: string[], timeoutMs = 60_000): string => {
    try {
      return execFileSync(join(cp.bin, 'kubectl'), ['--kubeconfig', cp.kubeconfig, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    } catch (error) {
      const e = error as { code?: string; stderr?: string; message: string };
      const why = e.code === 'ETIMEDOUT' ? `did not finish within ${secs(timeoutMs)}` : `failed: ${(e.stderr || e.message).trim()}`;
      throw new Error(`kubectl ${args.join(' ')} ${why}`);
    }
  };
  /** SQL in a member, as a user would run it: kubectl exec, the mariadb client on the member's socket. */
  const sql = (pod: string, query: string): string =>
    kt(['-n', NAMESPACE, 'exec', pod, '--', 'mariadb', '--no-defaults', '-uroot', '--socket=run/mysqld.sock', '--connect-timeout=5', '--table', '-e', query], 30_000);
  const sqlValue = (pod: string, query: string): string =>
    kt(['-n', NAMESPACE, 'exec', pod, '--', 'mariadb', '--no-defaults', '-uroot', '--socket=run/mysqld.sock', '--connect-timeout=5', '-N', '-B', '-e', query], 30_000).trim();
  const showSql = (pod: string, query: string) => {
    console.log(`$ kubectl exec ${pod} -- mariadb … -e "${query}"`);
    const out = sql(pod, query);
    if (out.trim()) console.log(out.trimEnd());
  };

  step('MariaDB Galera: kubectl apply -f examples/galera/cluster.yaml  (3 members, each a mariadbd on 127.0.0.1)');
  // The fake nodes find galera-agent on their PATH only if examples/galera/bin existed when the control
  // plane started: the manifest is applied with the script named by its path in this checkout.
  const agent = join(repoRoot, 'examples', 'galera', 'bin', 'galera-agent');
  const manifest = parse(readFileSync(join(repoRoot, 'examples', 'galera', 'cluster.yaml'), 'utf8')) as { spec: { pod: { commands: Record<string, { command: string[] }> } } };
  for (const c of Object.values(manifest.spec.pod.commands)) if (c.command[0] === 'galera-agent') c.command[0] = agent;
  const existing = kt(['-n', NAMESPACE, 'get', 'rss', '--ignore-not-found', '-o', 'name']).includes('galera');
  if (existing) {
    // Applied again, the manifest would drop the env an earlier run's rolling update set (a custom resource's
    // lists are replaced whole), which is a rolling update of its own.
    console.log('rss/galera is there from an earlier run of the demo: it is used as it is (its data is kept in the members\' volumes).');
  } else {
    console.log(`(galera-agent named by its path, ${agent}, so that any local control plane finds it)`);
    console.log(k(['-n', NAMESPACE, 'apply', '-f', '-'], stringify(manifest)).trimEnd());
  }
  const settled = (s: Status) => threePrimaries(s) && (s.rollout === undefined || (s.rollout.state === 'Complete' && s.updatedReplicas === 3));
  const booted = await waitFor('galera', '3 Galera primaries', settled, 300_000);
  console.log(existing
    ? `3 Galera members Synced as primaries (${secs(booted)}).`
    : `3 Galera members Synced as primaries ${secs(booted)} after kubectl apply (the most advanced member seeds, the others join one at a time).`);
  console.log(k(['-n', NAMESPACE, 'get', 'pods', '-l', 'app=galera', '-L', 'rss-role,rss-active-member']).trimEnd());
  console.log('Each member listens on 127.0.0.1, on ports derived from the namespace, the cluster and the ordinal (galera-agent ports):');
  for (const pod of ['rss-galera-0', 'rss-galera-1', 'rss-galera-2']) console.log(`  ${pod}: ${kt(['-n', NAMESPACE, 'exec', pod, '--', agent, 'ports']).trim()}`);

  step('Rows written through rss-galera-0, read back through rss-galera-1');
  const write = Date.now();
  sql('rss-galera-0', 'CREATE DATABASE IF NOT EXISTS demo; CREATE TABLE IF NOT EXISTS demo.notes (id INT AUTO_INCREMENT PRIMARY KEY, note VARCHAR(100), via VARCHAR(32), at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)');
  showSql('rss-galera-0', "INSERT INTO demo.notes (note, via) VALUES ('hello', 'rss-galera-0'), ('from', 'rss-galera-0'), ('the demo', 'rss-galera-0')");
  showSql('rss-galera-1', 'SELECT id, note, via FROM demo.notes ORDER BY id');
  console.log(`Written and read back in ${secs(Date.now() - write)} (Galera replicates synchronously: a committed row is on every member).`);
  if (Number(sqlValue('rss-galera-1', 'SELECT COUNT(*) FROM demo.notes')) > 3) {
    console.log('(The rows of earlier runs are there too: on the local control plane a member\'s directory, its volume, outlives its pod and namespace.)');
  }

  step('kubectl rss status galera  (the kubectl plugin in bin/)');
  const plugin = spawnSync(join(cp.bin, 'kubectl'), ['rss', 'status', 'galera', '-n', NAMESPACE], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, KUBECONFIG: cp.kubeconfig, PATH: [join(repoRoot, 'bin'), cp.bin, dirname(process.execPath), process.env.PATH ?? ''].join(':') },
  });
  if (plugin.status !== 0) throw new Error(`kubectl rss status galera failed (${plugin.error?.message ?? `exit ${plugin.status}`}): ${plugin.stderr}`);
  console.log(indent(plugin.stdout));

  step('A Galera member lost: kubectl delete pod rss-galera-1  (its mariadbd goes with it)');
  const lost = status('galera').memberStatus?.find((m) => m.name === 'rss-galera-1')?.podUID;
  console.log(k(['-n', NAMESPACE, 'delete', 'pod', 'rss-galera-1', '--now']).trimEnd());
  const rejoined = await waitFor('galera', 'rss-galera-1 to rejoin in its new pod', (s) => threePrimaries(s) && !!s.memberStatus?.find((m) => m.name === 'rss-galera-1' && m.role === 'primary' && m.podUID !== lost), 300_000);
  console.log(`rss-galera-1 was recreated and rejoined as primary in ${secs(rejoined)}. What its galera-agent did (agent.log):`);
  const agentLog = join(repoRoot, '.cache', 'controlplane', 'pods', NAMESPACE, 'rss-galera-1', 'agent.log');
  console.log(indent(readFileSync(agentLog, 'utf8').trimEnd().split('\n').slice(-4).join('\n')));

  step('Rolling update of a server setting: GALERA_SERVER_OPTIONS in the pod template');
  const current = sqlValue('rss-galera-0', "SHOW GLOBAL VARIABLES LIKE 'max_connections'").split('\t')[1];
  const wanted = current === '250' ? '200' : '250';
  console.log(`max_connections is ${current} on rss-galera-0; the members are replaced one at a time (highest ordinal first), each new mariadbd starting with max_connections=${wanted}.`);
  const patch = JSON.stringify([{ op: 'add', path: '/spec/pod/containers/0/env', value: [{ name: 'GALERA_SERVER_OPTIONS', value: `max_connections=${wanted}` }] }]);
  console.log(`$ kubectl patch rss/galera --type=json -p '${patch}'`);
  const oldRevision = status('galera').updateRevision;
  const patched = Date.now();
  console.log(k(['-n', NAMESPACE, 'patch', 'rss/galera', '--type=json', '-p', patch]).trimEnd());
  const rolled = await waitFor('galera', 'the rolling update to complete', (s) =>
    threePrimaries(s) && s.rollout?.state === 'Complete' && !!s.updateRevision && s.updateRevision !== oldRevision && s.updatedReplicas === 3 &&
    (s.memberStatus ?? []).every((m) => m.revision === s.updateRevision), 600_000);
  console.log(`Rolling update complete in ${secs(rolled)}: ${status('galera').updatedReplicas}/3 members on revision ${status('galera').updateRevision}.`);
  for (const pod of ['rss-galera-0', 'rss-galera-1', 'rss-galera-2']) {
    console.log(`  ${pod}: max_connections = ${sqlValue(pod, "SHOW GLOBAL VARIABLES LIKE 'max_connections'").split('\t')[1]}`);
  }
  console.log(events('galera', patched, /^(RollingUpdate|MemberUpdating|MemberJoined|RolloutComplete|RolloutHalted)$/));

  step('The rows, after a lost member and a rolling update, read through rss-galera-2');
  showSql('rss-galera-2', 'SELECT id, note, via FROM demo.notes ORDER BY id');

  await backupDemo({ cp, k, kt, sql, sqlValue, showSql, manifest, waitFor, status, threePrimaries, events });
}

interface GaleraTools {
  cp: { kubeconfig: string; bin: string };
  k: Kubectl;
  kt: (args: string[], timeoutMs?: number) => string;
  sql: (pod: string, query: string) => string;
  sqlValue: (pod: string, query: string) => string;
  showSql: (pod: string, query: string) => void;
  /** examples/galera/cluster.yaml, the agent named by its path. */
  manifest: { spec: { pod: { commands: Record<string, { command: string[] }> } } };
  waitFor: (name: string, what: string, check: (s: Status) => boolean, timeoutMs?: number) => Promise<number>;
  status: (name: string) => Status;
  threePrimaries: (s: Status) => boolean;
  events: (name: string, since: number, reasons?: RegExp) => string;
}

const BUCKET = 'rss-demo-backups';
const CREDENTIALS = 's3-credentials';
const COPY = 'galera-copy';

/**
 * Backup and restore: the Galera cluster backed up into the local S3 server (versitygw) with
 * `kubectl rss backup --wait`, listed with `kubectl rss backups`, and restored into a second cluster
 * (spec.bootstrap.backup), whose rows are read back.
 */
async function backupDemo(g: GaleraTools): Promise<void> {
  const { k, kt, sql, sqlValue, showSql, waitFor, status, threePrimaries, events } = g;
  const store = objectStore();
  if (!store) {
    step('Backup and restore: skipped');
    console.log('The local control plane runs without its S3 server (see .cache/controlplane/logs/s3.log); npm run controlplane -- down, then up, starts it.');
    return;
  }

  step(`Object storage for backups: bucket ${BUCKET} on the local S3 server (${store.endpoint}), its credentials in Secret ${CREDENTIALS}`);
  const s3 = new S3Client({ endpoint: store.endpoint, region: store.region, forcePathStyle: true, credentials: { accessKeyId: store.accessKeyId, secretAccessKey: store.secretAccessKey } });
  try {
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    console.log(`Bucket ${BUCKET} created.`);
  } catch (error) {
    if (!(error instanceof BucketAlreadyOwnedByYou || error instanceof BucketAlreadyExists)) {
      throw new Error(`cannot create bucket ${BUCKET} on ${store.endpoint}: ${error instanceof Error ? error.message : String(error)}`);
    }
    console.log(`Bucket ${BUCKET} is there from an earlier run.`);
  } finally {
    s3.destroy();
  }
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: CREDENTIALS }, stringData: { accessKeyId: store.accessKeyId, secretAccessKey: store.secretAccessKey } };
  console.log(k(['-n', NAMESPACE, 'apply', '-f', '-'], JSON.stringify(secret)).trimEnd());
  const backupPolicy = {
    storage: {
      s3: {
        endpoint: store.endpoint,
        bucket: BUCKET,
        region: store.region,
        forcePathStyle: true,
        credentials: { accessKeyId: { name: CREDENTIALS, key: 'accessKeyId' }, secretAccessKey: { name: CREDENTIALS, key: 'secretAccessKey' } },
      },
    },
  };
  // spec.backup says where the backups go. The backup and restore commands are in
  // examples/galera/cluster.yaml; they are set here too, for a cluster an earlier demo created from an older
  // manifest. Neither is part of the pod template: no member is restarted.
  const commands = g.manifest.spec.pod.commands;
  const patch = { spec: { backup: backupPolicy, pod: { commands: { backup: commands['backup'], restore: commands['restore'] } } } };
  console.log(`$ kubectl patch rss/galera --type=merge -p '{"spec":{"backup":{"storage":{"s3":{"endpoint":"${store.endpoint}","bucket":"${BUCKET}",…}}}}}'`);
  console.log(k(['-n', NAMESPACE, 'patch', 'rss/galera', '--type=merge', '-p', JSON.stringify(patch)]).trimEnd());

  step('kubectl rss backup galera --wait  (mariabackup --stream=xbstream from a Synced member, streamed into the bucket)');
  const asked = Date.now();
  const out = plugin(g.cp, ['backup', 'galera', '-n', NAMESPACE, '--wait', '--timeout', '5m'], 330_000);
  console.log(indent(out));
  const name = /^backup (\S+) created$/m.exec(out)?.[1];
  if (!name) throw new Error(`kubectl rss backup galera did not say which backup it created:\n${out}`);
  console.log(`Backup ${name} completed ${secs(Date.now() - asked)} after the command (a backup does not stop writes: only its last second pauses the member it is taken from).`);
  const after = `written after ${name}`;
  sql('rss-galera-0', `INSERT INTO demo.notes (note, via) VALUES ('${after}', 'rss-galera-0')`);
  console.log(`One more row through rss-galera-0 ('${after}'): it is in galera, not in the backup.`);

  step('kubectl rss backups galera');
  console.log(indent(plugin(g.cp, ['backups', 'galera', '-n', NAMESPACE], 60_000)));

  step(`Restoring ${name} into a new cluster, ${COPY}  (spec.bootstrap.backup.name: ${name})`);
  if (kt(['-n', NAMESPACE, 'get', 'rss', COPY, '--ignore-not-found', '-o', 'name']).trim()) {
    // A backup is restored only into empty members: the copy an earlier run made goes first, with its data.
    console.log(`rss/${COPY} is there from an earlier run of the demo: it goes first, with its members' data (a restore only goes into empty members).`);
    await removeCluster(g, COPY);
  }
  const copy = structuredClone(g.manifest) as unknown as { metadata: { name: string }; spec: Record<string, unknown> };
  copy.metadata.name = COPY;
  copy.spec['backup'] = backupPolicy;
  copy.spec['bootstrap'] = { backup: { name } };
  const applied = Date.now();
  console.log(k(['-n', NAMESPACE, 'apply', '-f', '-'], stringify(copy)).trimEnd());
  const restored = await waitFor(COPY, `the restore of ${name} and 3 Galera primaries`, (s) => threePrimaries(s) && s.restore?.phase === 'Completed', 300_000);
  const r = status(COPY);
  const restoreTime = r.restore?.startedAt && r.restore.completedAt ? ` (restore started → seeded: ${secs(Date.parse(r.restore.completedAt) - Date.parse(r.restore.startedAt))})` : '';
  console.log(`${COPY} runs 3 primaries ${secs(restored)} after kubectl apply: ${r.restore?.member} was restored from ${name} at sequence ${r.restore?.sequence}${restoreTime} and seeded; the two others joined it by state transfer (SST).`);
  console.log(`Its high-water mark (status.highestSequence, ${r.highestSequence}) started from the restored sequence, not from galera's, and follows the new cluster (Galera counts its first view and each join).`);
  console.log(events(COPY, applied, /^(Restoring|Restored|RestoreFailed|Seeded|MemberJoined)$/));

  step(`The rows of ${COPY}, read through rss-${COPY}-1`);
  showSql(`rss-${COPY}-1`, 'SELECT id, note, via FROM demo.notes ORDER BY id');
  const inCopy = Number(sqlValue(`rss-${COPY}-1`, 'SELECT COUNT(*) FROM demo.notes'));
  const inGalera = Number(sqlValue('rss-galera-0', 'SELECT COUNT(*) FROM demo.notes'));
  const missing = sqlValue(`rss-${COPY}-1`, `SELECT COUNT(*) FROM demo.notes WHERE note = '${after}'`) === '0';
  console.log(`${inCopy} rows in ${COPY}, ${inGalera} in galera: ${missing && inCopy === inGalera - 1 ? 'all of them but the row written after the backup' : 'see above'}.`);
}

/** `kubectl rss …` through kubectl (the plugin in bin/): its stdout; a failure or a timeout names the command. */
function plugin(cp: { kubeconfig: string; bin: string }, args: string[], timeoutMs: number): string {
  const r = spawnSync(join(cp.bin, 'kubectl'), ['rss', ...args], {
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...process.env, KUBECONFIG: cp.kubeconfig, PATH: [join(repoRoot, 'bin'), cp.bin, dirname(process.execPath), process.env.PATH ?? ''].join(':') },
  });
  if ((r.error as { code?: string } | undefined)?.code === 'ETIMEDOUT') {
    throw new Error(`kubectl rss ${args.join(' ')} did not finish within ${secs(timeoutMs)}; its output so far:\n${r.stdout}${r.stderr}`);
  }
  if (r.status !== 0) throw new Error(`kubectl rss ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** Deletes a Galera cluster of the demo and its members' folders (their "volumes") once its servers are gone. */
async function removeCluster(g: GaleraTools, name: string): Promise<void> {
  const started = Date.now();
  g.kt(['-n', NAMESPACE, 'delete', 'rss', name, '--wait=true'], 60_000);
  const root = join(repoRoot, '.cache', 'controlplane', 'pods', NAMESPACE);
  const dirs = existsSync(root) ? readdirSync(root).filter((d) => d.startsWith(`rss-${name}-`)).map((d) => join(root, d)) : [];
  for (;;) {
    const pods = g.kt(['-n', NAMESPACE, 'get', 'pods', '-l', `app=${name}`, '-o', 'name']).trim();
    const left = dirs.flatMap((d) => processesUnder(d));
    if (!pods && left.length === 0) break;
    if (Date.now() - started > 120_000) {
      throw new Error(`timed out after 120 s waiting for the pods of rss/${name} (${pods.split('\n').join(' ') || 'none left'}) and their processes (${left.length} left) to be gone`);
    }
    await sleep(500);
  }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  console.log(`rss/${name}, its pods and their data removed in ${secs(Date.now() - started)}.`);
}

main().catch((error: unknown) => {
  console.error(`demo: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
