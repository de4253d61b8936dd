// Sequences: how much committed data a member holds, and in which history. The contract's value is an
// unsigned 64-bit integer compared exactly (a bigint: JSON numbers round above 2^53), optionally prefixed
// by the history it belongs to (`<history>:<number>`: a cluster UUID, a system identifier). Numbers from
// two different histories say nothing about each other: a higher one from another history is another
// cluster's data, never "more" of this one's.

export interface Sequence {
  value: bigint;
  /** The history the number belongs to, when the application names one. */
  history?: string;
}

export const MAX_SEQUENCE = (1n << 64n) - 1n;

const FORMAT = /^(?:([A-Za-z0-9][A-Za-z0-9._+/=-]{0,127}):)?([0-9]+)$/;

/** What a `sequence` command printed, read: the sequence, or why it is not one. */
export type ParsedSequence = { ok: true; sequence: Sequence } | { ok: false; problem: string };

/**
 * Reads trimmed stdout: `<number>` or `<history>:<number>`, the number a decimal 0…2^64−1 (leading zeros
 * allowed). Anything else (empty, "12abc", "-1", "1e3", " 1 2", "1.0", a value out of range) is not a
 * sequence, and `problem` says why in words a person can act on.
 */
export function readSequence(stdout: string): ParsedSequence {
  const text = stdout.trim();
  const shown = JSON.stringify(firstLine(text));
  const match = FORMAT.exec(text);
  if (match === null) {
    return { ok: false, problem: `sequence printed ${shown}, not an unsigned integer (optionally <history>:<number>)` };
  }
  const value = BigInt(match[2] ?? '');
  if (value > MAX_SEQUENCE) {
    return { ok: false, problem: `sequence printed ${shown}, outside 0…${MAX_SEQUENCE} (an unsigned 64-bit integer)` };
  }
  const history = match[1];
  return { ok: true, sequence: history === undefined ? { value } : { value, history } };
}

/** The sequence printed, or null when it is not one. */
export function parseSequence(stdout: string): Sequence | null {
  const parsed = readSequence(stdout);
  return parsed.ok ? parsed.sequence : null;
}

function firstLine(text: string): string {
  const line = text.split(/\r?\n|\r/)[0] ?? '';
  return line.length > 80 ? `${line.slice(0, 79)}…` : line;
}

/** A plain sequence (no history), from a number or a bigint. */
export function sequenceOf(value: number | bigint, history?: string): Sequence {
  const v = typeof value === 'bigint' ? value : BigInt(value);
  return history === undefined ? { value: v } : { value: v, history };
}

/** As the application would print it: `<history>:<number>` or `<number>`. */
export function formatSequence(sequence: Sequence): string {
  return sequence.history === undefined ? sequence.value.toString() : `${sequence.history}:${sequence.value}`;
}

/** Both name a history, and not the same one: their numbers cannot be compared. */
export function otherHistory(a: Sequence, b: Sequence): boolean {
  return a.history !== undefined && b.history !== undefined && a.history !== b.history;
}

export function sameSequence(a: Sequence | null | undefined, b: Sequence | null | undefined): boolean {
  if (a === undefined || a === null || b === undefined || b === null) return a === b;
  return a.value === b.value && a.history === b.history;
}

/** -1, 0 or 1 by value alone (the caller decides what a history mismatch means). */
export function compareValues(a: Sequence, b: Sequence): number {
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}

/**
 * The high-water mark raised by one more sequence. A sequence from another history than the mark's never
 * moves it (that data is not this cluster's); a mark without a history adopts the first one named at or
 * above it.
 */
export function raisedMark(mark: Sequence | undefined, seen: Sequence | null | undefined): Sequence | undefined {
  if (seen === null || seen === undefined) return mark;
  if (mark === undefined) return seen;
  if (otherHistory(mark, seen)) return mark;
  if (seen.value > mark.value) return seen.history === undefined && mark.history !== undefined ? { value: seen.value, history: mark.history } : seen;
  if (mark.history === undefined && seen.history !== undefined && seen.value === mark.value) return seen;
  return mark;
}

/** A sequence as JSON can hold it exactly: a number while it is a safe integer, else a decimal string. */
export function sequenceToJson(value: bigint): number | string {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
}

/** A sequence's value from JSON (a number or a decimal string); undefined when it is neither. */
export function sequenceFromJson(value: unknown): bigint | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === 'string' && /^[0-9]+$/.test(value)) {
    const v = BigInt(value);
    return v <= MAX_SEQUENCE ? v : undefined;
  }
  return undefined;
}

/** A sequence was read and understood. */
export function isKnown(sequence: Sequence | null | undefined): sequence is Sequence {
  return sequence !== null && sequence !== undefined;
}

/** The member (or mark) says it holds committed data: a known sequence above 0. */
export function holdsData(sequence: Sequence | null | undefined): boolean {
  return isKnown(sequence) && sequence.value > 0n;
}

/** For messages: the sequence as printed, or "unknown". */
export function describeSequence(sequence: Sequence | null | undefined): string {
  return isKnown(sequence) ? formatSequence(sequence) : 'unknown';
}
