// npm run mutations -- [--seeds N] [--only NAME]
//
// The mutation check: each deliberate bug below is applied to a scratch copy of src/, and the simulation
// runs against the copy — first the saved scenarios, then seeds — and must break an invariant within the
// budget. A bug the simulation does not catch means an invariant or a fault is missing. Exits 1 when a
// mutation survives (or no longer applies to the code).
import { cpSync, mkdtempSync, rmSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir, loadavg } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

interface Mutation {
  name: string;
  /** What the bug is, in a sentence. */
  bug: string;
  file: string;
  find: string;
  replace: string;
}

export const MUTATIONS: Mutation[] = [
  {
    name: 'seed-lowest',
    bug: 'the bootstrap seeds the member with the lowest sequence',
    file: 'src/engine/rules/bootstrap.ts',
    find: 'for (const m of known) if (best === undefined || held(m).value > best) best = held(m).value;',
    replace: 'for (const m of known) if (best === undefined || held(m).value < best) best = held(m).value;',
  },
  {
    name: 'unknown-sequence-is-zero',
    bug: 'a sequence that is not a number is read as 0',
    file: 'src/engine/sequence.ts',
    find: "  if (match === null) {\n",
    replace: "  if (match === null) return { ok: true, sequence: { value: 0n } };\n  if (match === null) {\n",
  },
  {
    name: 'forget-mark-on-restart',
    bug: 'a restarted operator forgets the high-water mark',
    file: 'src/controller/status.ts',
    find: 'if (mark !== null) state.highestSequence = mark;',
    replace: '',
  },
  {
    name: 'rollout-ignores-down-members',
    bug: 'the rolling update stops the next member while another is down',
    file: 'src/engine/rules/rollout.ts',
    find: 'if (down.length > 0 || ctx.unlisted.length > 0) {',
    replace: 'if (false) {',
  },
  {
    name: 'probe-fenced',
    bug: 'a fenced member is probed like any other',
    file: 'src/engine/rules/probes.ts',
    find: '(m.fenced\n',
    replace: '(false\n',
  },
  {
    name: 'ignore-paused',
    bug: 'a paused cluster is acted on',
    file: 'src/engine/decide.ts',
    find: 'if (policy.paused) {',
    replace: 'if (false) {',
  },
  {
    name: 'refuse-nothing-below-mark',
    bug: 'the bootstrap seeds below the high-water mark',
    file: 'src/engine/rules/bootstrap.ts',
    find: 'if (mark !== undefined && seed.value < mark.value) {',
    replace: 'if (false) {',
  },
  {
    name: 'seed-while-primary-runs',
    bug: 'a running primary is not seen, so a second history is seeded beside it',
    file: 'src/engine/context.ts',
    find: "export function isRunningPrimary(m: Member): boolean {\n",
    replace: "export function isRunningPrimary(m: Member): boolean {\n  if (m.ordinal >= 0) return false;\n",
  },
  {
    name: 'failed-join-does-not-count',
    bug: 'the sequence of a member whose join failed does not count for the mark',
    file: 'src/engine/state.ts',
    find: 'next = raiseMark(next, before.sequence);',
    replace: '',
  },
  {
    name: 'no-write-ahead',
    bug: 'changes are made before the status records why',
    file: 'src/controller/reconciler.ts',
    find: 'if (plan.statefulSetReplicas < observed.observation.statefulSetReplicas || (plan.reads.length === 0 && plan.change)) {',
    replace: 'if (false) {',
  },
  {
    name: 'failed-start-keeps-sequence',
    bug: 'a start that failed keeps the sequence read before it, though it may have run and taken writes',
    file: 'src/engine/outcomes.ts',
    find: "        ...without(record, 'sequence', 'sequenceAt'),\n        role: 'failed',",
    replace: "        ...record,\n        role: 'failed',",
  },
  {
    name: 'bootstrap-ignores-leaving-members',
    bug: 'the bootstrap chooses a seed without reading the members being removed',
    file: 'src/engine/rules/bootstrap.ts',
    find: 'const leaving = ctx.members.filter((m) => !m.wanted && m.ordinal < ctx.observation.statefulSetReplicas && !(m.fenced && !m.running));',
    replace: 'const leaving = ctx.members.filter(() => false);',
  },
  {
    name: 'shrink-with-unknown-sequence',
    bug: 'the StatefulSet shrinks past a removed member whose sequence is unknown',
    file: 'src/engine/decide.ts',
    find: "(isKnown(m.rec.sequence) && (!m.running || m.rec.role === 'stopped'))",
    replace: "(m.rec.sequence !== undefined && (!m.running || m.rec.role === 'stopped')) || !m.running",
  },
];

function scratchCopy(mutation: Mutation): string {
  const dir = mkdtempSync(join(tmpdir(), `rss-mutation-${mutation.name}-`));
  for (const part of ['src', 'simulation', 'package.json']) cpSync(join(root, part), join(dir, part), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  const file = join(dir, mutation.file);
  const text = readFileSync(file, 'utf8');
  const at = text.indexOf(mutation.find);
  if (at < 0 || text.indexOf(mutation.find, at + 1) >= 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`mutation ${mutation.name} no longer applies: ${mutation.file} must contain its text exactly once`);
  }
  writeFileSync(file, text.slice(0, at) + mutation.replace + text.slice(at + mutation.find.length));
  return dir;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { seeds: { type: 'string', default: '600' }, only: { type: 'string' } } });
  const seeds = Number(values.seeds);
  const chosen = MUTATIONS.filter((m) => values.only === undefined || m.name === values.only);
  if (chosen.length === 0) throw new Error(`no mutation named ${values.only}; known: ${MUTATIONS.map((m) => m.name).join(', ')}`);
  const started = performance.now();
  let survived = 0;
  for (const mutation of chosen) {
    let dir: string;
    try {
      dir = scratchCopy(mutation);
    } catch (error) {
      console.log(`✗ ${mutation.name}: ${(error as Error).message}`);
      survived++;
      continue;
    }
    try {
      const t0 = performance.now();
      const simulate = (args: string[]) => spawnSync(process.execPath, [join(dir, 'simulation', 'main.ts'), ...args], { encoding: 'utf8' });
      const seconds = () => ((performance.now() - t0) / 1000).toFixed(1);
      const replay = simulate(['--scenarios']);
      const scenario = /^✗ (\S+): (.*)$/m.exec(replay.stdout);
      if (replay.status === 1 && scenario) {
        console.log(`✓ ${mutation.name} (${mutation.bug}): caught by saved scenario ${scenario[1]} in ${seconds()} s — ${scenario[2]}`);
        continue;
      }
      const result = simulate(['--seeds', String(seeds), '--first', '--no-shrink']);
      const broken = /^seed (\d+): BROKEN — (.*)$/m.exec(result.stdout);
      if (result.status === 1 && broken) {
        console.log(`✓ ${mutation.name} (${mutation.bug}): caught by seed ${broken[1]} in ${seconds()} s — ${broken[2]}`);
      } else {
        survived++;
        const error = [replay, result].find((r) => r.status !== 0 && r.status !== 1);
        console.log(`✗ ${mutation.name} (${mutation.bug}): NOT caught by the saved scenarios nor ${seeds} seeds (${seconds()} s)${error ? `; exit ${error.status}: ${error.stderr.split('\n').slice(0, 5).join(' ')}` : ''}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const total = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`${chosen.length - survived} of ${chosen.length} mutations caught in ${total} s (load ${loadavg()[0]!.toFixed(2)})`);
  process.exit(survived === 0 ? 0 : 1);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
