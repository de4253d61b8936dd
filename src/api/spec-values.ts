// The small typed readers the spec resolvers share: the Collector of problems and warnings, and checks of
// one value each (whole numbers, booleans, durations, lists, objects), every problem naming its field.
import { formatDuration, parseDuration, quote } from './duration.ts';
import type { SpecProblem } from './spec.ts';

/** Longest interval or timeout: 24 days, safely below the 2^31-1 ms limit of Node's timers. */
export const MAX_WAIT_MS = 24 * 24 * 3_600_000;
const MAX_INT32 = 2_147_483_647;

export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isNonEmptyString(v: unknown): v is string {
  return typeof v === 'string' && v.trim() !== '';
}

/** Absent (undefined or null: the API server prunes nulls it does not allow). */
export function absent(v: unknown): v is undefined | null {
  return v === undefined || v === null;
}

export class Collector {
  readonly problems: SpecProblem[] = [];
  readonly warnings: SpecProblem[] = [];
  problem(field: string, message: string): void {
    this.problems.push({ field, message });
  }
  warn(field: string, message: string): void {
    this.warnings.push({ field, message });
  }
}

export function wholeNumber(c: Collector, field: string, v: unknown, min: number, dflt: number): number | undefined {
  if (absent(v)) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    c.problem(field, `must be a whole number, got ${quote(v)}`);
    return undefined;
  }
  if (v < min) {
    c.problem(field, `must be at least ${min}, got ${v}`);
    return undefined;
  }
  if (v > MAX_INT32) {
    c.problem(field, `must be at most ${MAX_INT32}, got ${v}`);
    return undefined;
  }
  return v;
}

export function bool(c: Collector, field: string, v: unknown, dflt: boolean): boolean | undefined {
  if (absent(v)) return dflt;
  if (typeof v !== 'boolean') {
    c.problem(field, `must be true or false, got ${quote(v)}`);
    return undefined;
  }
  return v;
}

export function isZeroDuration(v: unknown): boolean {
  try {
    return parseDuration(v) === 0;
  } catch {
    return false;
  }
}

export function duration(c: Collector, field: string, v: unknown, dflt: number, min: number): number | undefined {
  if (absent(v)) return dflt;
  let ms: number;
  try {
    ms = parseDuration(v);
  } catch (err) {
    c.problem(field, err instanceof Error ? err.message : String(err));
    return undefined;
  }
  if (ms <= 0) {
    c.problem(field, `must be longer than 0, got ${quote(v)}`);
    return undefined;
  }
  if (ms < min) {
    c.problem(field, `must be at least ${formatDuration(min)}, got ${quote(v)}`);
    return undefined;
  }
  if (ms > MAX_WAIT_MS) {
    c.problem(field, `must be at most ${formatDuration(MAX_WAIT_MS)} (24 days), got ${quote(v)}`);
    return undefined;
  }
  return ms;
}

export function listOf(c: Collector, field: string, v: unknown): unknown[] | undefined {
  if (absent(v)) return undefined;
  if (!Array.isArray(v)) {
    c.problem(field, `must be a list, got ${quote(v)}`);
    return undefined;
  }
  return v;
}

export function objectOf(c: Collector, field: string, v: unknown): Json | undefined {
  if (absent(v)) return undefined;
  if (!isObject(v)) {
    c.problem(field, `must be an object, got ${quote(v)}`);
    return undefined;
  }
  return v;
}

export function stringMap(c: Collector, field: string, v: unknown): Record<string, string> | undefined {
  const obj = objectOf(c, field, v);
  if (!obj) return undefined;
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(obj)) {
    if (typeof val !== 'string') c.problem(`${field}.${k}`, `must be a string, got ${quote(val)}`);
    else out[k] = val;
  }
  return out;
}
