// The simulation itself: a seed gives the same run byte for byte, the saved scenarios hold, and an invariant
// does catch what it is for (a deliberately wrong world, not the operator, is what these runs break).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadScenarios } from '../../../simulation/scenarios.ts';
import { run, schedule } from '../../../simulation/world.ts';
import { Random } from '../../../simulation/random.ts';

describe('simulation', () => {
  it('the same seed gives the same trace, byte for byte', async () => {
    for (const seed of [1, 2, 3, 177, 2336]) {
      const a = schedule(seed, 120);
      const b = schedule(seed, 120);
      assert.deepEqual(a, b);
      const first = await run(seed, a.flavour, a.steps);
      const second = await run(seed, b.flavour, b.steps);
      assert.equal(first.trace.join('\n'), second.trace.join('\n'), `seed ${seed}`);
      assert.ok(first.trace.length > 120, 'every step and the calm afterwards are traced');
    }
  });

  it('runs the operator for real: a seed bootstraps the cluster, joins the members, and converges', async () => {
    const { flavour, steps } = schedule(6, 120);
    const result = await run(6, flavour, steps);
    assert.equal(result.violation, undefined);
    const commands = result.trace.join('\n');
    assert.match(commands, /seed rss-sim-\d → exit 0/);
    assert.match(commands, /(primary|secondary) rss-sim-\d \[rss-sim-\d[^\]]*\] → exit 0/);
  });

  it('every saved scenario holds', async () => {
    const scenarios = loadScenarios();
    assert.ok(scenarios.length >= 7);
    for (const { file, scenario } of scenarios) {
      const result = await run(scenario.seed, scenario.flavour, scenario.steps);
      assert.equal(result.violation, undefined, `${file}: ${result.violation?.invariant}: ${result.violation?.detail}`);
    }
  });

  it('the generator is pinned: saved scenarios replay the same pod timings on every machine', () => {
    const r = new Random(42);
    assert.deepEqual([r.int(1000), r.int(1000), r.int(1000), r.int(1000)], [601, 448, 852, 669]);
  });
});
