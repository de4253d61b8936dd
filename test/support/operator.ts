// Runs the operator as its own process against the local control plane, watching one test namespace,
// as a user would run it from a laptop. Its log goes to a file so a failing test can show it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, createWriteStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { parse } from 'yaml';
import { GROUP, PLURAL, VERSION } from '../../src/api/names.ts';
import type { ReplicatedStatefulSet } from '../../src/api/types.ts';
import { repoRoot } from '../../controlplane/localcluster.ts';
import { cluster, eventually, readUntil } from './cluster.ts';

export interface OperatorProcess {
  child: ChildProcess;
  logFile: string;
  /** Port of /healthz, /readyz and /metrics. */
  port(): Promise<number>;
  log(): string;
  /** Sends the signal and waits for the process to exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

let started = 0;

export function startOperator(t: TestContext, namespace: string, extraArgs: string[] = []): OperatorProcess {
  const c = cluster();
  const logs = join(repoRoot, '.cache', 'test-logs');
  mkdirSync(logs, { recursive: true });
  const logFile = join(logs, `${namespace}-operator-${++started}.log`);
  const out = createWriteStream(logFile);
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'src', 'main.ts'), '--kubeconfig', c.kubeconfigPath, '--namespace', namespace, '--lease-namespace', namespace, '--http-address', '127.0.0.1:0', '--log-level', 'debug', '--lease-duration', '6s', ...extraArgs],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.pipe(out);
  child.stderr!.pipe(out);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const operator: OperatorProcess = {
    child,
    logFile,
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    async port() {
      return await eventually('the operator to serve /healthz', () => {
        const match = /"address":"127\.0\.0\.1:(\d+)"/.exec(operator.log());
        return match ? Number(match[1]) : undefined;
      }, 20_000);
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      return await exited;
    },
  };
  t.after(async () => {
    await operator.stop('SIGKILL');
  });
  return operator;
}

export function loadManifest(relativePath: string): ReplicatedStatefulSet {
  return parse(readFileSync(join(repoRoot, relativePath), 'utf8')) as ReplicatedStatefulSet;
}

export async function createCluster(namespace: string, rss: ReplicatedStatefulSet): Promise<void> {
  await cluster().custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, body: rss });
}

export async function getCluster(namespace: string, name: string): Promise<ReplicatedStatefulSet> {
  return (await cluster().custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name })) as ReplicatedStatefulSet;
}

/** Waits until the RSS satisfies `check`; the failure message shows the last status seen. */
export async function waitForCluster(namespace: string, name: string, what: string, check: (rss: ReplicatedStatefulSet) => boolean, timeoutMs = 60_000): Promise<ReplicatedStatefulSet> {
  return await readUntil(what, () => getCluster(namespace, name), check, (last) => `last status: ${JSON.stringify(last?.status, null, 1)}`, timeoutMs);
}

/** The commands the dummy application ran in a member, oldest first: [{time, verb, args}]. */
export function commandsRan(namespace: string, pod: string): { time: number; verb: string; args: string }[] {
  const file = join(cluster().podDir(namespace, pod), 'commands.log');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [time, verb, ...args] = line.split(' ');
      return { time: Date.parse(time!), verb: verb!, args: args.join(' ').trim() };
    });
}

export interface RecordedEvent {
  type: string;
  reason: string;
  message: string;
}

/** Events recorded on the RSS, oldest first. */
export async function clusterEvents(namespace: string, name: string): Promise<RecordedEvent[]> {
  const list = await cluster().core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` });
  return list.items.map((e) => ({ type: e.type ?? '', reason: e.reason ?? '', message: e.message ?? '' }));
}

/**
 * Waits until the Events recorded on the RSS satisfy `check`, and returns them. The operator writes an Event
 * after the action it reports (as client-go's recorder does), so a status already seen does not mean its
 * Event is stored yet. The failure message lists the Events seen last.
 */
export async function waitForEvents(namespace: string, name: string, what: string, check: (events: RecordedEvent[]) => boolean, timeoutMs = 30_000): Promise<RecordedEvent[]> {
  return await readUntil(what, () => clusterEvents(namespace, name), check, (last) => `events seen: ${(last ?? []).map((e) => `${e.reason}: ${e.message}`).join('\n  ') || 'none'}`, timeoutMs);
}
