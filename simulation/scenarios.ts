// Saved scenarios: schedules that once broke an invariant (each the shortest the simulation found), kept
// as JSON files in simulation/scenarios/ and replayed by `make test` against the code as it is.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Flavour, Step } from './world.ts';

export interface SavedScenario {
  /** The bug it found, in a sentence. */
  description: string;
  /** The invariant it broke then. */
  broke: string;
  seed: number;
  flavour: Flavour;
  steps: Step[];
}

export const SCENARIO_DIR = join(dirname(fileURLToPath(import.meta.url)), 'scenarios');

export function loadScenarios(): { file: string; scenario: SavedScenario }[] {
  return readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, scenario: JSON.parse(readFileSync(join(SCENARIO_DIR, file), 'utf8')) as SavedScenario }));
}
