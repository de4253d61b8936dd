// Small numeric helpers: percentiles, interval unions, formatting.

export function sorted(values: number[]): number[] {
  return [...values].filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
}

/** Percentile by linear interpolation between closest ranks (p in 0…100); NaN for no values. */
export function percentile(values: number[], p: number): number {
  const s = sorted(values);
  if (s.length === 0) return NaN;
  if (s.length === 1) return s[0]!;
  const rank = (p / 100) * (s.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return s[lo]! + (s[hi]! - s[lo]!) * (rank - lo);
}

export const median = (values: number[]): number => percentile(values, 50);
export const min = (values: number[]): number => (sorted(values)[0] ?? NaN);
export const max = (values: number[]): number => (sorted(values).at(-1) ?? NaN);
export const mean = (values: number[]): number => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN);

export type Interval = [start: number, end: number];

/** Total length of the union of the intervals, each clipped to [from, to]. */
export function unionLength(intervals: Interval[], from: number, to: number): number {
  const clipped = intervals
    .map(([a, b]): Interval => [Math.max(a, from), Math.min(b, to)])
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let total = 0;
  let curStart = NaN;
  let curEnd = NaN;
  for (const [a, b] of clipped) {
    if (Number.isNaN(curStart) || a > curEnd) {
      if (!Number.isNaN(curStart)) total += curEnd - curStart;
      curStart = a;
      curEnd = b;
    } else if (b > curEnd) {
      curEnd = b;
    }
  }
  if (!Number.isNaN(curStart)) total += curEnd - curStart;
  return total;
}

export function ms(value: number): string {
  if (!Number.isFinite(value)) return '–';
  if (Math.abs(value) >= 10_000) return `${(value / 1000).toFixed(1)} s`;
  if (Math.abs(value) >= 1000) return `${(value / 1000).toFixed(2)} s`;
  return `${Math.round(value)} ms`;
}

export function pct(value: number, digits = 1): string {
  return Number.isFinite(value) ? `${value.toFixed(digits)} %` : '–';
}

export function mib(bytes: number): string {
  return Number.isFinite(bytes) ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : '–';
}

export function num(value: number, digits = 1): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '–';
}

/** "median (min–max)" of durations in ms. */
export function spread(values: number[]): string {
  if (values.length === 0) return '–';
  return `${ms(median(values))} (${ms(min(values))}–${ms(max(values))})`;
}

/** "p50 / p95 (min–max)" of durations in ms, the non-finite left out. */
export function percentiles(values: number[]): string {
  const v = values.filter(Number.isFinite);
  return v.length === 0 ? '–' : `p50 ${ms(percentile(v, 50))} / p95 ${ms(percentile(v, 95))} (${ms(min(v))}–${ms(max(v))})`;
}

/** A plain text table: columns padded to their widest cell. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The same table in Markdown. */
export function markdownTable(header: string[], rows: string[][]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [`| ${header.map(esc).join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}
