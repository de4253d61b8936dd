// Durations in the spec (`reconcileInterval`, each command's `timeout`): a Go duration string ("30s",
// "15m10s", "1.5h", "500ms") or a bare non-negative number of seconds (30 or "30"). The CRD carries
// DURATION_PATTERN, so the API server and this parser accept the same strings.

/**
 * The strings accepted, as a regular expression that means the same in JavaScript and in Go's RE2 (the
 * API server's `pattern`): one or more `<number><unit>` (unit ns, us, µs, ms, s, m, h; number with an
 * optional fraction), or a bare number of seconds. No sign, no exponent, no spaces.
 */
export const DURATION_PATTERN =
  '^(?:(?:(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:ns|us|µs|μs|ms|s|m|h))+|[0-9]+(?:\\.[0-9]+)?)$';
export const DURATION_REGEX = new RegExp(DURATION_PATTERN);

/** Go's limit: the largest time.Duration, in whole milliseconds (about 292 years). */
export const MAX_DURATION_MS = 9_223_372_036_854;

const ACCEPTED =
  'use a duration such as "30s", "15m10s", "1h", "1.5s" or "500ms" (units h, m, s, ms, us, ns), or a whole number of seconds such as 30';

const UNIT_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3, // U+00B5 micro sign
  μs: 1e3, // U+03BC Greek mu
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

const BARE_SECONDS = /^[0-9]+(?:\.[0-9]+)?$/;
const COMPONENT = /([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)/g;

export class DurationError extends Error {
  /** The value that could not be read. */
  readonly value: unknown;

  constructor(value: unknown, reason?: string) {
    super(`invalid duration ${quote(value)}${reason ? ` (${reason})` : ''}: ${ACCEPTED}`);
    this.name = 'DurationError';
    this.value = value;
  }
}

/** A value as it would appear in the user's YAML, for messages. Never throws. */
export function quote(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  try {
    const s = JSON.stringify(value);
    if (s !== undefined) return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    // circular or otherwise unprintable
  }
  return Object.prototype.toString.call(value);
}

/** Reads a duration; returns whole milliseconds. Throws DurationError for anything else. */
export function parseDuration(value: unknown): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new DurationError(value, 'not a finite number');
    if (value < 0) throw new DurationError(value, 'negative');
    return checkRange(value, value * 1000);
  }
  if (typeof value !== 'string') {
    throw new DurationError(value, `a ${value === null ? 'null' : Array.isArray(value) ? 'list' : typeof value}, not a string or number`);
  }
  if (!DURATION_REGEX.test(value)) throw new DurationError(value, whyNot(value));
  if (BARE_SECONDS.test(value)) return checkRange(value, Number(value) * 1000);
  let ns = 0;
  for (const match of value.matchAll(COMPONENT)) {
    const amount = Number(match[1] ?? '');
    const unit = UNIT_NS[match[2] ?? ''];
    // Cannot happen once DURATION_REGEX matched; kept so a mistake here fails loudly, not as 0.
    if (!Number.isFinite(amount) || unit === undefined) throw new DurationError(value);
    ns += amount * unit;
  }
  return checkRange(value, ns / 1e6);
}

function checkRange(value: unknown, ms: number): number {
  if (!Number.isFinite(ms) || ms > MAX_DURATION_MS) {
    throw new DurationError(value, `too long: at most ${formatDuration(MAX_DURATION_MS)}`);
  }
  return Math.round(ms);
}

function whyNot(value: string): string | undefined {
  if (value === '') return 'empty';
  if (/^\s|\s$/.test(value)) return 'leading or trailing space';
  if (value.startsWith('-')) return 'negative';
  if (/^[+-]?[0-9.]+[eE]/.test(value)) return 'exponents are not accepted';
  if (/^[0-9.]+[a-zA-Zµμ]+/.test(value)) return 'unknown unit';
  return undefined;
}

/** Go-like text for a duration in milliseconds, without zero components: 1500 → "1.5s", 5400000 → "1h30m". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms === 0) return '0s';
  if (ms < 1000) return `${Number(ms.toFixed(3))}ms`;
  const whole = Math.round(ms);
  const h = Math.floor(whole / 3_600_000);
  const m = Math.floor((whole % 3_600_000) / 60_000);
  const s = (whole % 60_000) / 1000;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`;
}
