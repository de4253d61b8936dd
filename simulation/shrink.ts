// The shortest schedule that still breaks the same invariant: chunks of steps are taken out, largest first,
// and a removal is kept whenever the run still breaks it (delta debugging). Deterministic, like the runs.
import { run, type Flavour, type RunResult, type Step } from './world.ts';

/** At most this many runs are spent shrinking one failure. */
const MAX_RUNS = 400;

export async function shrink(seed: number, flavour: Flavour, steps: Step[], invariant: string): Promise<{ steps: Step[]; result: RunResult }> {
  let best = steps;
  let bestResult = await run(seed, flavour, steps);
  let runs = 1;
  for (let chunk = Math.ceil(best.length / 2); chunk >= 1 && runs < MAX_RUNS; chunk = chunk === 1 ? 0 : Math.ceil(chunk / 2)) {
    let start = 0;
    while (start < best.length && runs < MAX_RUNS) {
      const candidate = [...best.slice(0, start), ...best.slice(start + chunk)];
      const result = await run(seed, flavour, candidate);
      runs++;
      if (result.violation?.invariant === invariant) {
        best = candidate;
        bestResult = result;
      } else start += chunk;
    }
  }
  return { steps: best, result: bestResult };
}
