// npm run simulate -- [--seeds N] [--from S] [--steps L] [--workers W] [--seed N --trace] [--budget SECONDS]
//                     [--first] [--no-shrink] [--save FILE --note TEXT] [--scenarios]
//
// Runs the production reconciler against the simulated Kubernetes and application for many seeds; prints
// the seeds per second and, for a seed that breaks an invariant, the shortest schedule that still breaks
// it, with its trace and the command that replays it. --scenarios replays the saved scenarios instead.
// Exits 1 when an invariant broke.
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { shrink } from './shrink.ts';
import { loadScenarios, type SavedScenario } from './scenarios.ts';
import { run, schedule } from './world.ts';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '500' },
    from: { type: 'string', default: '1' },
    steps: { type: 'string', default: '120' },
    seed: { type: 'string' },
    trace: { type: 'boolean', default: false },
    budget: { type: 'string' },
    first: { type: 'boolean', default: false },
    'no-shrink': { type: 'boolean', default: false },
    save: { type: 'string' },
    note: { type: 'string', default: '' },
    scenarios: { type: 'boolean', default: false },
    workers: { type: 'string', default: '1' },
  },
});

function number(name: string, text: string | undefined): number {
  const value = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isSafeInteger(value) || value < 0) {
    console.error(`--${name} must be a whole number, got ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return value;
}

const length = number('steps', values.steps);

/** Runs one seed; reports (and shrinks, and saves) a failure. True when every invariant held. */
async function one(seed: number, showTrace: boolean): Promise<boolean> {
  const { flavour, steps } = schedule(seed, length);
  const result = await run(seed, flavour, steps);
  const kind = `${flavour.singlePrimary ? 'single-primary' : 'multi-primary'}, ${flavour.replicas} members`;
  if (!result.violation) {
    if (showTrace) console.log(result.trace.join('\n'));
    console.log(`seed ${seed}: every invariant held (${kind}, ${steps.length} steps${result.overridden ? '; the operator refused to seed below its mark, and a person named the member to seed' : ''})`);
    return true;
  }
  const shortest = values['no-shrink'] ? { steps, result } : await shrink(seed, flavour, steps, result.violation.invariant);
  const violation = shortest.result.violation ?? result.violation;
  console.log(`seed ${seed}: BROKEN — ${violation.invariant}: ${violation.detail}`);
  console.log(`  ${values['no-shrink'] ? 'schedule' : 'shortest schedule that still breaks it'}: ${shortest.steps.length} of ${steps.length} steps (${kind})`);
  if (showTrace) console.log(shortest.result.trace.map((l) => `  ${l}`).join('\n'));
  console.log(`  replay: npm run simulate -- --seed ${seed} --steps ${length} --trace`);
  if (values.save) {
    const saved: SavedScenario = { description: values.note, broke: violation.invariant, seed, flavour, steps: shortest.steps };
    writeFileSync(values.save, `${JSON.stringify(saved, null, 1)}\n`);
    console.log(`  saved: ${values.save}`);
  }
  return false;
}

async function replayScenarios(): Promise<boolean> {
  let failed = 0;
  const scenarios = loadScenarios();
  for (const { file, scenario } of scenarios) {
    const result = await run(scenario.seed, scenario.flavour, scenario.steps);
    if (result.violation) {
      failed++;
      console.log(`✗ ${file}: ${result.violation.invariant}: ${result.violation.detail}`);
      if (values.trace) console.log(result.trace.map((l) => `  ${l}`).join('\n'));
    } else console.log(`✓ ${file}: every invariant held (${scenario.steps.length} steps; it once broke "${scenario.broke}": ${scenario.description})`);
  }
  console.log(`${scenarios.length - failed} of ${scenarios.length} saved scenarios hold`);
  return failed === 0;
}

if (values.scenarios) process.exit((await replayScenarios()) ? 0 : 1);
if (values.seed !== undefined) process.exit((await one(number('seed', values.seed), values.trace)) ? 0 : 1);

const count = number('seeds', values.seeds);
const from = number('from', values.from);
const workers = Math.max(1, number('workers', values.workers));

/** The seeds split among worker processes (one per core): each runs its range; their reports are passed on. */
async function inWorkers(): Promise<never> {
  const started = performance.now();
  const share = Math.ceil(count / workers);
  const passOn = ['--steps', String(length), ...(values.trace ? ['--trace'] : []), ...(values.budget ? ['--budget', values.budget] : [])];
  const results = await Promise.all(
    Array.from({ length: workers }, (_, i) => {
      const first = from + i * share;
      const seeds = Math.max(0, Math.min(share, from + count - first));
      return new Promise<{ code: number; ran: number }>((resolve) => {
        const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--seeds', String(seeds), '--from', String(first), ...passOn], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        child.stdout.setEncoding('utf8');
        child.stdout.on('data', (chunk: string) => (out += chunk));
        child.on('exit', (code) => {
          const lines = out.split('\n').filter((l) => l !== '');
          const summary = lines.pop() ?? '';
          for (const line of lines) console.log(line);
          resolve({ code: code ?? 1, ran: Number(/^(\d+) seeds/.exec(summary)?.[1] ?? 0) });
        });
      });
    }),
  );
  const ran = results.reduce((sum, r) => sum + r.ran, 0);
  const failed = results.some((r) => r.code !== 0);
  const seconds = (performance.now() - started) / 1000;
  console.log(`${ran} seeds (${from}…${from + ran - 1}, ${length} steps each, ${workers} workers) in ${seconds.toFixed(1)} s: ${(ran / seconds).toFixed(1)} seeds/s, load ${loadavg()[0]!.toFixed(2)}; ${failed ? 'an invariant broke' : 'every invariant held'}`);
  process.exit(failed ? 1 : 0);
}
if (workers > 1) await inWorkers();
const budgetMs = values.budget !== undefined ? number('budget', values.budget) * 1000 : Infinity;
const started = performance.now();
let ran = 0;
let broken = 0;
for (let seed = from; seed < from + count; seed++) {
  if (performance.now() - started > budgetMs) break;
  const { flavour, steps } = schedule(seed, length);
  const result = await run(seed, flavour, steps);
  ran++;
  if (result.violation) {
    broken++;
    await one(seed, values.trace);
    if (values.first) break;
  }
}
const seconds = (performance.now() - started) / 1000;
console.log(`${ran} seeds (${from}…${from + ran - 1}, ${length} steps each) in ${seconds.toFixed(1)} s: ${(ran / seconds).toFixed(1)} seeds/s, load ${loadavg()[0]!.toFixed(2)}; ${broken === 0 ? 'every invariant held' : `${broken} broke an invariant`}`);
process.exit(broken === 0 ? 0 : 1);
