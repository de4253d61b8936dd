import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  DURATION_PATTERN,
  DURATION_REGEX,
  DurationError,
  MAX_DURATION_MS,
  formatDuration,
  parseDuration,
} from '../../../src/api/duration.ts';

const good: Array<[unknown, number]> = [
  ['30s', 30_000],
  ['15m10s', 910_000],
  ['1h', 3_600_000],
  ['1.5s', 1_500],
  ['500ms', 500],
  ['2h45m', 9_900_000],
  ['1h0m0s', 3_600_000],
  ['.5s', 500],
  ['1.s', 1_000],
  ['1.5h', 5_400_000],
  ['2m', 120_000],
  ['20s', 20_000],
  ['60s', 60_000],
  ['1500us', 2], // 1.5 ms, rounded
  ['1500µs', 2],
  ['1500μs', 2],
  ['2000000ns', 2],
  ['1ns', 0],
  ['0s', 0],
  ['0', 0],
  ['30', 30_000],
  ['1.5', 1_500],
  [30, 30_000],
  [0, 0],
  [1.5, 1_500],
];

const bad: unknown[] = [
  '',
  ' ',
  'abc',
  '10x',
  '-5s',
  '-5',
  '+5s',
  '1e3',
  '1e3s',
  ' 30s',
  '30s ',
  '30 s',
  '1.',
  '.',
  's',
  '5S',
  '1d',
  '1h-5m',
  '0x10',
  'NaN',
  'Infinity',
  Number.NaN,
  Number.POSITIVE_INFINITY,
  -1,
  -0.5,
  null,
  undefined,
  true,
  {},
  { seconds: 30 },
  ['30s'],
  30n,
];

describe('parseDuration', () => {
  for (const [value, ms] of good) {
    it(`reads ${JSON.stringify(value)} as ${ms} ms`, () => {
      assert.equal(parseDuration(value), ms);
    });
  }

  for (const value of bad) {
    const label = typeof value === 'bigint' ? `${value}n` : typeof value === 'number' ? String(value) : JSON.stringify(value) ?? String(value);
    it(`rejects ${label} with a DurationError quoting it`, () => {
      assert.throws(
        () => parseDuration(value),
        (err: unknown) => {
          assert.ok(err instanceof DurationError, `expected DurationError, got ${String(err)}`);
          assert.equal(err.name, 'DurationError');
          assert.equal(err.value, value);
          assert.match(err.message, /invalid duration/);
          assert.match(err.message, /"30s"/, 'shows the accepted forms');
          if (typeof value === 'string') assert.ok(err.message.includes(JSON.stringify(value)), err.message);
          return true;
        },
      );
    });
  }

  it('explains why in the common cases', () => {
    assert.throws(() => parseDuration('-5s'), /negative/);
    assert.throws(() => parseDuration('1e3'), /exponent/);
    assert.throws(() => parseDuration('10x'), /unknown unit/);
    assert.throws(() => parseDuration(''), /empty/);
    assert.throws(() => parseDuration({}), /not a string or number/);
  });

  it('rejects durations longer than Go can hold', () => {
    assert.throws(() => parseDuration('2562048h'), /too long/);
    assert.throws(() => parseDuration('99999999999999999999999h'), /too long/);
    assert.throws(() => parseDuration(1e300), /too long/);
    assert.equal(parseDuration('2562047h'), 2_562_047 * 3_600_000);
    assert.ok(MAX_DURATION_MS > 2_562_047 * 3_600_000);
  });

  it('accepts exactly the strings the CRD pattern accepts (same table as Go RE2)', () => {
    // Verified against Go's regexp (RE2), which the API server uses for `pattern`.
    const re2: Array<[string, boolean]> = [
      ['30s', true], ['15m10s', true], ['1h', true], ['1.5s', true], ['500ms', true], ['2h45m', true],
      ['30', true], ['1.5', true], ['', false], ['abc', false], ['10x', false], ['-5s', false], ['1e3', false],
      [' 30s', false], ['1.', false], ['.5s', true], ['1.s', true], ['3µs', true], ['3μs', true], ['0', true],
    ];
    const pattern = new RegExp(DURATION_PATTERN);
    for (const [s, matches] of re2) {
      assert.equal(pattern.test(s), matches, `pattern on ${JSON.stringify(s)}`);
      assert.equal(accepts(s), matches, `parser on ${JSON.stringify(s)}`);
    }
    for (const s of [...good.map(([v]) => v), ...bad].filter((v): v is string => typeof v === 'string')) {
      assert.equal(DURATION_REGEX.test(s), accepts(s), `pattern and parser disagree on ${JSON.stringify(s)}`);
    }
  });

  it('agrees with the pattern on random strings (the pattern cannot bound the length: "9999999h" is the parser’s to refuse)', () => {
    const chars = fc.constantFrom(...'0123456789.smhnuµμ-+e x'.split(''));
    fc.assert(
      fc.property(fc.string({ unit: chars, maxLength: 12 }), (s) => {
        assert.equal(DURATION_REGEX.test(s), acceptsSyntax(s), JSON.stringify(s));
      }),
      { numRuns: 500 },
    );
  });
});

/** The parser accepts the string's form: it parses, or is refused only for being longer than the maximum. */
function acceptsSyntax(s: string): boolean {
  try {
    parseDuration(s);
    return true;
  } catch (err) {
    assert.ok(err instanceof DurationError);
    return /too long/.test(err.message);
  }
}

function accepts(s: string): boolean {
  try {
    parseDuration(s);
    return true;
  } catch (err) {
    assert.ok(err instanceof DurationError);
    return false;
  }
}

describe('formatDuration', () => {
  const table: Array<[number, string]> = [
    [0, '0s'],
    [500, '500ms'],
    [1_000, '1s'],
    [1_500, '1.5s'],
    [30_000, '30s'],
    [90_000, '1m30s'],
    [910_000, '15m10s'],
    [3_600_000, '1h'],
    [5_400_000, '1h30m'],
    [9_900_000, '2h45m'],
    [3_661_001, '1h1m1.001s'],
    [-1_500, '-1.5s'],
  ];
  for (const [ms, text] of table) {
    it(`formats ${ms} ms as ${text}`, () => assert.equal(formatDuration(ms), text));
  }

  it('round-trips through parseDuration', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e12 }), (ms) => {
        assert.equal(parseDuration(formatDuration(ms)), ms);
      }),
      { numRuns: 300 },
    );
  });
});
