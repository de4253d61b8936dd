// What a scenario hands back: summary rows (some with a target and a verdict), detail tables, notes.
import { cpus, release, totalmem } from 'node:os';
import { readFileSync } from 'node:fs';
import { loadAverage } from './operator.ts';
import { markdownTable, table } from './stats.ts';

export interface SummaryRow {
  scenario: string;
  metric: string;
  value: string;
  target?: string;
  /** true = met, false = not met, undefined = no target. */
  met?: boolean;
}

export interface DetailTable {
  title: string;
  header: string[];
  rows: string[][];
}

export interface ScenarioResult {
  name: string;
  startedAt: string;
  /** Load average (1, 5, 15 min) at the start and at the end of the scenario. */
  load: { start: string; end: string };
  summary: SummaryRow[];
  details: DetailTable[];
  notes: string[];
  /** Raw figures, for the JSON file. */
  raw: unknown;
}

export function verdict(met: boolean | undefined): string {
  return met === undefined ? '' : met ? 'met' : 'NOT MET';
}

export function summaryTable(rows: SummaryRow[], markdown = false): string {
  const header = ['scenario', 'metric', 'value', 'target', 'verdict'];
  const cells = rows.map((r) => [r.scenario, r.metric, r.value, r.target ?? '', verdict(r.met)]);
  return markdown ? markdownTable(header, cells) : table(header, cells);
}

export function formatScenario(r: ScenarioResult, markdown = false): string {
  const out: string[] = [];
  out.push(markdown ? `### ${r.name}` : `== ${r.name} ==`);
  out.push(`${markdown ? '' : '  '}started ${r.startedAt}; load average at start ${r.load.start}, at end ${r.load.end}`);
  for (const d of r.details) {
    out.push('');
    out.push(markdown ? `**${d.title}**` : d.title);
    out.push('');
    out.push(markdown ? markdownTable(d.header, d.rows) : table(d.header, d.rows));
  }
  if (r.notes.length > 0) {
    out.push('');
    for (const n of r.notes) out.push(`${markdown ? '- ' : '  * '}${n}`);
  }
  return out.join('\n');
}

export function machineDescription(): Record<string, string> {
  let model = cpus()[0]?.model ?? 'unknown';
  try {
    model = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? model;
  } catch {
    // keep os.cpus()
  }
  const memAvailable = (() => {
    try {
      return Number(/^MemAvailable:\s+(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? NaN) * 1024;
    } catch {
      return NaN;
    }
  })();
  return {
    cpus: `${cpus().length} (nproc)`,
    'cpu model': model,
    memory: `${(totalmem() / 1024 ** 3).toFixed(1)} GiB total, ${(memAvailable / 1024 ** 3).toFixed(1)} GiB available`,
    kernel: release(),
    node: process.version,
    'load average': loadAverage(),
  };
}

export function memAvailableBytes(): number {
  try {
    return Number(/^MemAvailable:\s+(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? NaN) * 1024;
  } catch {
    return NaN;
  }
}
