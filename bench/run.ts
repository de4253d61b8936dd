// The benchmark command: `npm run bench` runs every scenario but backup (a GiB of data, 13–17 minutes) and
// postgres (failovers and switchovers of a PostgreSQL cluster), which run only when named, and prints a
// table; `npm run bench -- NAME…` runs some (bootstrap, failover, scale, galera, postgres, backup). On the local control plane (started or reused, never stopped); everything it creates (namespaces,
// operator processes) is removed at the end, also on Ctrl-C.
//
// Options:
//   --trials N            bootstrap trials per size (default 5)
//   --failover-trials N   failover trials (default 20)
//   --clusters N[,N…]     clusters of the scale scenario, in order (default 200,500; a larger count runs
//                         only if the machine coped with the previous one)
//   --scale-namespaces K  spread the scale scenario's clusters over K namespaces (default 1)
//   --window S            steady-state window of the scale scenario, seconds, rounded up to whole 30 s
//                         reconcile intervals (default 60)
//   --deletion-trials N   pod deletions timed under load in the scale scenario (default 5)
//   --galera-trials N     bootstrap and failover trials of the Galera scenario (default 3)
//   --postgres-trials N   failover trials of the PostgreSQL scenario (default 10)
//   --switchover-trials N switchover trials of the PostgreSQL scenario (default 5)
//   --backup-gib N        GiB of data in the backup scenario's Galera cluster (default 1; fractions allowed)
//   --backup-trials N     paired backup trials (baseline, operator) of the backup scenario (default 3)
//   --cpu-prof            start every operator with `node --cpu-prof` (whole process) and the inspector, profile
//                         each measurement window, and summarise the profiles
//   --operator-node-options="FLAGS"  extra node flags for the operator process (note the "="), e.g.
//                         --operator-node-options="--max-semi-space-size=2"
//   --operator-from dist|src  run the operator as the image does (dist: built JavaScript, the Containerfile's
//                         node flags, the Deployment's NODE_OPTIONS; the default) or from src/main.ts
//   --out DIR             where logs, traces, profiles and results go (default .cache/bench/<time>)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../controlplane/localcluster.ts';
import type { BenchContext, BenchOptions } from './lib/context.ts';
import { connect, createdNamespaces, deleteCreatedNamespaces, type Cluster } from './lib/kube.ts';
import { prepareOperator, stopAllOperators, type OperatorRuntime } from './lib/operator.ts';
import { formatScenario, machineDescription, summaryTable, type ScenarioResult, type SummaryRow } from './lib/report.ts';
import { backupScenario } from './scenarios/backup.ts';
import { bootstrapScenario } from './scenarios/bootstrap.ts';
import { failoverScenario } from './scenarios/failover.ts';
import { galeraScenario } from './scenarios/galera.ts';
import { postgresScenario } from './scenarios/postgres.ts';
import { scaleScenario } from './scenarios/scale.ts';

const SCENARIOS: Record<string, (ctx: BenchContext) => Promise<ScenarioResult[] | ScenarioResult>> = {
  bootstrap: bootstrapScenario,
  failover: failoverScenario,
  scale: scaleScenario,
  galera: galeraScenario,
  postgres: postgresScenario,
  backup: backupScenario,
};
/** Scenarios that run only when named. */
const ON_REQUEST = new Set(['backup', 'postgres']);

function positiveInt(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${value}"`);
  return n;
}

function positiveNumber(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got "${value}"`);
  return n;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      trials: { type: 'string', default: '5' },
      'failover-trials': { type: 'string', default: '20' },
      clusters: { type: 'string', default: '200,500' },
      'scale-namespaces': { type: 'string', default: '1' },
      window: { type: 'string', default: '60' },
      'deletion-trials': { type: 'string', default: '5' },
      'galera-trials': { type: 'string', default: '3' },
      'postgres-trials': { type: 'string', default: '10' },
      'switchover-trials': { type: 'string', default: '5' },
      'backup-gib': { type: 'string', default: '1' },
      'backup-trials': { type: 'string', default: '3' },
      'cpu-prof': { type: 'boolean', default: false },
      'operator-node-options': { type: 'string', default: '' },
      'operator-from': { type: 'string', default: 'dist' },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log('usage: npm run bench [-- bootstrap|failover|scale|galera|postgres|backup …] [--trials N] [--failover-trials N] [--clusters N,N] [--scale-namespaces K] [--window S] [--deletion-trials N] [--galera-trials N] [--postgres-trials N] [--switchover-trials N] [--backup-gib N] [--backup-trials N] [--cpu-prof] [--operator-node-options="FLAGS"] [--operator-from dist|src] [--out DIR]');
    return 0;
  }
  const names = positionals.length ? positionals : Object.keys(SCENARIOS).filter((n) => !ON_REQUEST.has(n));
  for (const n of names) if (!SCENARIOS[n]) throw new Error(`unknown scenario "${n}"; expected ${Object.keys(SCENARIOS).join(', ')}`);
  const from = values['operator-from'];
  if (from !== 'dist' && from !== 'src') throw new Error(`--operator-from must be dist or src, got "${from}"`);
  const o: BenchOptions = {
    trials: positiveInt('trials', values.trials),
    failoverTrials: positiveInt('failover-trials', values['failover-trials']),
    clusters: values.clusters.split(',').map((s) => positiveInt('clusters', s.trim())),
    scaleNamespaces: positiveInt('scale-namespaces', values['scale-namespaces']),
    windowSeconds: positiveInt('window', values.window),
    deletionTrials: positiveInt('deletion-trials', values['deletion-trials']),
    galeraTrials: positiveInt('galera-trials', values['galera-trials']),
    postgresTrials: positiveInt('postgres-trials', values['postgres-trials']),
    switchoverTrials: positiveInt('switchover-trials', values['switchover-trials']),
    backupGib: positiveNumber('backup-gib', values['backup-gib']),
    backupTrials: positiveInt('backup-trials', values['backup-trials']),
    cpuProf: values['cpu-prof'],
    nodeOptions: values['operator-node-options'].split(/\s+/).filter(Boolean),
    operatorFrom: from,
  };
  const startedAt = new Date().toISOString();
  const runId = startedAt.replace(/[:.]/g, '-');
  const dir = values.out ?? join(repoRoot, '.cache', 'bench', runId);
  mkdirSync(dir, { recursive: true });
  const quote = (a: string) => (/[\s"'$]/.test(a) ? `'${a.replace(/'/g, `'\\''`)}'` : a);
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).map(quote).join(' ')}` : ''}`;

  const machine = machineDescription();
  console.log(`rss-operator benchmark — ${startedAt}`);
  console.log(`command: ${command}`);
  for (const [k, v] of Object.entries(machine)) console.log(`${k}: ${v}`);
  const operator: OperatorRuntime = prepareOperator(runId, from);
  console.log(`operator: ${operator.describe}`);
  if (o.nodeOptions.length) console.log(`operator started with extra node flags: ${o.nodeOptions.join(' ')}`);
  console.log(`logs, traces and results: ${relative(process.cwd(), dir) || '.'}\n`);

  let cluster: Cluster | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanUp = () => {
    cleaning ??= (async () => {
      await stopAllOperators();
      if (cluster && createdNamespaces().length > 0) {
        console.error(`bench: deleting ${createdNamespaces().join(', ')}`);
        await deleteCreatedNamespaces(cluster);
      }
    })();
    return cleaning;
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\nbench: ${signal}: cleaning up (a second ${signal} exits at once)`);
      process.once(signal, () => process.exit(130));
      void cleanUp().finally(() => {
        operator.cleanUp();
        process.exit(130);
      });
    });
  }

  const results: ScenarioResult[] = [];
  const failures: SummaryRow[] = [];
  try {
    cluster = await connect();
    const ctx: BenchContext = { c: cluster, runId, dir, o, say: (m) => console.log(`  ${new Date().toISOString().slice(11, 23)} ${m}`) };
    for (const name of names) {
      console.log(`▶ ${name}`);
      try {
        const r = await SCENARIOS[name]!(ctx);
        for (const one of Array.isArray(r) ? r : [r]) {
          results.push(one);
          console.log(`\n${formatScenario(one)}\n`);
        }
      } catch (error) {
        console.error(`bench: scenario ${name} failed: ${(error as Error).stack ?? String(error)}`);
        failures.push({ scenario: name, metric: 'failed', value: String((error as Error).message ?? error).split('\n')[0]!.slice(0, 160), target: 'completes', met: false });
        await cleanUp();
        cleaning = undefined;
      }
    }
  } finally {
    await cleanUp();
    operator.cleanUp();
  }

  const rows = [...results.flatMap((r) => r.summary), ...failures];
  console.log('== summary ==');
  console.log(`machine: ${machine.cpus} × ${machine['cpu model']}, ${machine.memory}; load average now ${machineDescription()['load average']}`);
  console.log(summaryTable(rows));
  const markdown = [
    `Run started ${startedAt}, ended ${new Date().toISOString()}: \`${command}\``,
    '',
    ...Object.entries(machine).map(([k, v]) => `- ${k === 'load average' ? 'load average at the start' : k}: ${v}`),
    `- operator: ${operator.describe}`,
    ...(o.nodeOptions.length ? [`- operator started with extra node flags: ${o.nodeOptions.join(' ')}`] : []),
    '',
    summaryTable(rows, true),
    '',
    ...results.map((r) => formatScenario(r, true) + '\n'),
  ].join('\n');
  writeFileSync(join(dir, 'results.md'), markdown);
  writeFileSync(join(dir, 'results.json'), JSON.stringify({ command, machine, operator: operator.describe, options: o, results, failures }, null, 2));
  console.log(`\nresults: ${relative(process.cwd(), join(dir, 'results.md'))} (Markdown), results.json`);
  return failures.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`bench: ${(error as Error).stack ?? String(error)}`);
    process.exit(1);
  },
);
