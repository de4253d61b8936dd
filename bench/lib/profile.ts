// Summarises a V8 .cpuprofile (written by `node --cpu-prof`): where the operator's CPU time went, by
// package or source folder and by function (self time), and the operator's own functions by inclusive time.
// Also a command: `node bench/lib/profile.ts FILE.cpuprofile`.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { repoRoot } from '../../controlplane/localcluster.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  file: string;
  /** Wall time covered by the profile, ms. */
  wallMs: number;
  /** Time not idle, ms. */
  busyMs: number;
  byArea: [string, number][];
  bySelf: [string, number][];
  byInclusive: [string, number][];
}

/**
 * A frame's file, with the operator's build (.cache/bench-operator/<run>/dist/…, see operator.ts) shown as
 * the src/ folder it is built from (`src/controller/reconciler.js`: the built file, whose lines differ a little).
 */
function sourcePath(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  const built = /\/\.cache\/bench-operator\/[^/]+\/dist\/(.*)$/.exec(path);
  return built ? `${repoRoot}/src/${built[1]}` : path;
}

/** Where a frame belongs: a package, a folder of this repository, Node's internals, or V8's pseudo-frames. */
function area(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node: (built-ins)';
  const path = sourcePath(url);
  const nm = path.lastIndexOf('/node_modules/');
  if (nm !== -1) {
    const rest = path.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const rel = relative(repoRoot, path);
  if (!rel.startsWith('..')) return rel.split('/').slice(0, 2).join('/');
  return path;
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${relative(repoRoot, sourcePath(url)).replace(/^(\.\.\/)+/, '')}:${lineNumber + 1}` : '';
  return `${functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
}

export function summariseProfile(file: string, top = 20): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    // timeDeltas[i] is the time before sample i; attribute the following delta to it (as DevTools does).
    const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    self.set(id, (self.get(id) ?? 0) + dt);
  }
  const wallMs = (profile.endTime - profile.startTime) / 1000;
  let idle = 0;
  const areas = new Map<string, number>();
  const selfByName = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, t] of self) {
    const node = byId.get(id)!;
    const fn = node.callFrame.functionName;
    if (fn === '(idle)') {
      idle += t;
      continue;
    }
    const a = area(node.callFrame.url, fn);
    areas.set(a, (areas.get(a) ?? 0) + t);
    const name = frameName(node);
    selfByName.set(name, (selfByName.get(name) ?? 0) + t);
    // Inclusive time of this repository's functions (src/, bench/): each function once per stack.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur)!;
      const url = sourcePath(n.callFrame.url);
      if (!url.includes('/src/') || url.includes('/node_modules/')) continue;
      const key = frameName(n);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + t);
    }
  }
  const topOf = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
  return { file, wallMs, busyMs: wallMs - idle, byArea: topOf(areas), bySelf: topOf(selfByName), byInclusive: topOf(inclusive) };
}

export function formatProfile(s: ProfileSummary): string {
  const pct = (t: number) => `${((100 * t) / s.busyMs).toFixed(1).padStart(5)} %`;
  const lines = [
    `${s.file}`,
    `  ${(s.wallMs / 1000).toFixed(1)} s profiled, ${(s.busyMs / 1000).toFixed(1)} s on CPU (${((100 * s.busyMs) / s.wallMs).toFixed(1)} % of one core)`,
    '  by package / folder (self time, % of CPU time):',
    ...s.byArea.map(([k, t]) => `    ${pct(t)}  ${k}`),
    '  hottest functions (self time):',
    ...s.bySelf.map(([k, t]) => `    ${pct(t)}  ${k}`),
    '  operator functions (inclusive time):',
    ...s.byInclusive.map(([k, t]) => `    ${pct(t)}  ${k}`),
  ];
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const file of process.argv.slice(2)) console.log(formatProfile(summariseProfile(file)));
}
