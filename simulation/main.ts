// npm run simulate -- [--seeds N] [--from S] [--steps L] [--seed N --trace] [--budget SECONDS]
//
// Runs the production reconciler against the simulated Kubernetes and application for many seeds; prints
// the seeds per second and, for a seed that breaks an invariant, the shortest schedule that still breaks
// it, with its trace and the command that replays it. Exits 1 when an invariant broke.
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { shrink } from './shrink.ts';
import { run, schedule } from './world.ts';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '500' },
    from: { type: 'string', default: '1' },
    steps: { type: 'string', default: '120' },
    seed: { type: 'string' },
    trace: { type: 'boolean', default: false },
    budget: { type: 'string' },
  },
});

function number(name: string, text: string | undefined): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) {
    console.error(`--${name} must be a whole number, got ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return value;
}

const length = number('steps', values.steps);

async function one(seed: number, showTrace: boolean): Promise<boolean> {
  const { flavour, steps } = schedule(seed, length);
  const result = await run(seed, flavour, steps);
  if (!result.violation) {
    if (showTrace) console.log(result.trace.join('\n'));
    console.log(`seed ${seed}: every invariant held (${flavour.singlePrimary ? 'single-primary' : 'multi-primary'}, ${flavour.replicas} members, ${steps.length} steps${result.overridden ? ', a seed override was needed after faults lost data' : ''})`);
    return true;
  }
  const shortest = await shrink(seed, flavour, steps, result.violation.invariant);
  console.log(`seed ${seed}: BROKEN — ${shortest.result.violation!.invariant}: ${shortest.result.violation!.detail}`);
  console.log(`  shortest schedule that still breaks it: ${shortest.steps.length} of ${steps.length} steps (${flavour.singlePrimary ? 'single-primary' : 'multi-primary'}, ${flavour.replicas} members)`);
  if (showTrace) console.log(shortest.result.trace.map((l) => `  ${l}`).join('\n'));
  console.log(`  replay: npm run simulate -- --seed ${seed} --steps ${length} --trace`);
  return false;
}

if (values.seed !== undefined) {
  process.exit((await one(number('seed', values.seed), values.trace)) ? 0 : 1);
}

const count = number('seeds', values.seeds);
const from = number('from', values.from);
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
  }
}
const seconds = (performance.now() - started) / 1000;
console.log(`${ran} seeds (${from}…${from + ran - 1}, ${length} steps each) in ${seconds.toFixed(1)} s: ${(ran / seconds).toFixed(1)} seeds/s, load ${loadavg()[0]!.toFixed(2)}; ${broken === 0 ? 'every invariant held' : `${broken} broke an invariant`}`);
process.exit(broken === 0 ? 0 : 1);
