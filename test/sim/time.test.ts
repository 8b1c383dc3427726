// Proves that parseDuration reads unit-bearing durations into exact integer nanoseconds, rejects bad input with clear messages, and round-trips with formatDuration.
import { describe, expect, it } from 'vitest';
import { test as fcTest, fc } from '@fast-check/vitest';
import {
  DurationError,
  formatDuration,
  parseDuration,
  HOUR,
  MIN,
  MS,
  SEC,
  US,
} from '../../sim/index.ts';

describe('parseDuration examples', () => {
  it.each([
    ['250us', 250_000],
    ['250µs', 250_000],
    ['1.5ms', 1_500_000],
    ['30s', 30 * SEC],
    ['2m', 120e9],
    ['0s', 0],
    ['0ns', 0],
    ['1h', 3_600 * SEC],
    ['1.000000001s', 1_000_000_001],
    ['7ns', 7],
    ['0.001us', 1],
    ['1.50ms', 1_500_000],
    [' 3 ms ', 3 * MS],
    ['9007199254740991ns', Number.MAX_SAFE_INTEGER],
  ])('reads %j as %d ns', (text, ns) => {
    expect(parseDuration(text)).toBe(ns);
  });
});

describe('parseDuration rejections', () => {
  it.each([
    ['15', /no unit.*"15ms"/],
    ['-1s', /negative/],
    ['3 parsecs', /cannot read duration "3 parsecs".*e\.g\./],
    ['0.5ns', /not a whole number of nanoseconds/],
    ['1.0000000001s', /not a whole number of nanoseconds/],
    ['', /cannot read duration ""/],
    ['   ', /cannot read duration/],
    ['1e3ms', /cannot read duration/],
    ['9007199254740992ns', /too large/],
    ['10000000s', /too large/],
    ['3000h', /too large/],
  ])('rejects %j with a DurationError matching %s', (text, re) => {
    let err: unknown;
    try {
      parseDuration(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DurationError);
    expect((err as DurationError).code).toBe('NSRSIM_BAD_DURATION');
    expect((err as DurationError).message).toMatch(re);
  });

  it('rejects a non-string with a DurationError', () => {
    expect(() => parseDuration(15 as unknown as string)).toThrow(DurationError);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [1, '1ns'],
    [999, '999ns'],
    [1_000, '1us'],
    [1_500_000, '1.5ms'],
    [1_000_000_001, '1.000000001s'],
    [120e9, '120s'],
  ])('formats %d ns as %j', (ns, text) => {
    expect(formatDuration(ns)).toBe(text);
  });

  it('rejects negative, fractional and unsafe values with RangeError', () => {
    expect(() => formatDuration(-1)).toThrow(RangeError);
    expect(() => formatDuration(1.5)).toThrow(RangeError);
    expect(() => formatDuration(2 ** 53)).toThrow(RangeError);
  });

  fcTest.prop([fc.maxSafeNat()], { numRuns: 2000 })(
    'parseDuration(formatDuration(n)) === n for every safe n >= 0',
    (n) => {
      expect(parseDuration(formatDuration(n))).toBe(n);
    },
  );

  fcTest.prop([fc.maxSafeNat()], { numRuns: 500 })(
    'formatDuration(parseDuration(formatDuration(n))) is a fixed point',
    (n) => {
      const text = formatDuration(n);
      expect(formatDuration(parseDuration(text))).toBe(text);
    },
  );

  it('round-trips at the edges of every unit boundary', () => {
    for (const scale of [1, US, MS, SEC]) {
      for (const k of [1, 2, 999, 1_000, 4_194_303, 4_194_304, 8_388_608]) {
        for (const d of [-1, 0, 1]) {
          const n = k * scale + d;
          if (n < 0 || !Number.isSafeInteger(n)) continue;
          expect(parseDuration(formatDuration(n))).toBe(n);
        }
      }
    }
    const max = Number.MAX_SAFE_INTEGER;
    for (const n of [max, max - 1, 9_007_198_999_999_999, 9_007_199_000_000_000]) {
      expect(parseDuration(formatDuration(n))).toBe(n);
    }
  });
});

describe('parseDuration with minutes and hours', () => {
  it('reads whole and simple fractional minutes and hours exactly', () => {
    expect(parseDuration('1.5m')).toBe(90 * SEC);
    expect(parseDuration('0.25h')).toBe(15 * MIN);
    expect(parseDuration('1.000000001m')).toBe(60_000_000_060);
    expect(parseDuration('2501h')).toBe(2501 * HOUR);
  });

  // Regression (sim/time.ts exactScale, fixed): minutes/hours were computed as
  // (secs * scale) / SEC, where secs * scale exceeds 2^53 and is rounded before the
  // division, so the quotient could come out non-integer ("too large") or off by one.
  // It is now secs * (scale / SEC), i.e. secs * 60 or secs * 3600, exact.
  it('reads "209.594516395m" (about 3.5 hours) as 12575670983700 ns instead of rejecting it as too large', () => {
    expect(parseDuration('209.594516395m')).toBe(12_575_670_983_700);
  });

  // Same root cause, silent variant: it used to give a wrong value instead of an error.
  it('reads "2501.9h" as exactly 9006840000000000 ns (not 9006840000000001)', () => {
    expect(parseDuration('2501.9h')).toBe(9_006_840_000_000_000);
  });

  // Same root cause, as a property: any <= 9-decimal minute value must be exact.
  it('reads any minute value with up to 9 decimals exactly (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 999_999_999 }),
        (whole, frac) => {
          const text = `${whole}.${String(frac).padStart(9, '0')}m`;
          expect(parseDuration(text)).toBe((whole * SEC + frac) * 60);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('reads any hour value with up to 9 decimals exactly, up to the safe-integer range (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2_500 }),
        fc.integer({ min: 0, max: 999_999_999 }),
        (whole, frac) => {
          const text = `${whole}.${String(frac).padStart(9, '0')}h`;
          expect(parseDuration(text)).toBe((whole * SEC + frac) * 3_600);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
