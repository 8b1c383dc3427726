// Simulated time: an integer number of nanoseconds (GUIDE §3). Number.isSafeInteger
// covers ~104 simulated days, far past any scenario. Durations in scenario files and
// CLI flags are written with units ("250us", "1.5ms", "30s", "2m") and parsed here.
import { assert } from './assert.ts';

export const NS = 1;
export const US = 1_000;
export const MS = 1_000_000;
export const SEC = 1_000_000_000;
export const MIN = 60 * SEC;
export const HOUR = 60 * MIN;

const UNITS: ReadonlyMap<string, number> = new Map([
  ['ns', NS],
  ['us', US],
  ['µs', US],
  ['ms', MS],
  ['s', SEC],
  ['m', MIN],
  ['h', HOUR],
]);

/** A user-input error with a stable code (GUIDE §4); the CLI reports its message once. */
export class DurationError extends Error {
  readonly code = 'NSRSIM_BAD_DURATION';
  constructor(message: string) {
    super(message);
    this.name = 'DurationError';
  }
}

const DURATION_RE = /^([0-9]+(?:\.[0-9]+)?)\s*(ns|us|µs|ms|s|m|h)$/;

/**
 * Parses "250us", "1.5ms", "30s", "2m", "0s" into integer nanoseconds. A bare number is
 * rejected (the unit is never guessed); so are negative values, fractions finer than a
 * nanosecond and values past Number.MAX_SAFE_INTEGER nanoseconds.
 */
export function parseDuration(text: string): number {
  if (typeof text !== 'string') {
    throw new DurationError(`expected a duration string such as "1.5ms", got ${typeof text}`);
  }
  const trimmed = text.trim();
  if (/^-/.test(trimmed)) {
    throw new DurationError(`duration "${text}" is negative; durations are >= 0`);
  }
  if (/^[0-9.]+$/.test(trimmed)) {
    throw new DurationError(
      `duration "${text}" has no unit; write e.g. "${trimmed}ms" (units: ns, us, ms, s, m, h)`,
    );
  }
  const m = DURATION_RE.exec(trimmed);
  if (m === null) {
    throw new DurationError(
      `cannot read duration "${text}"; expected a number and a unit, e.g. "250us", "1.5ms", "30s", "2m"`,
    );
  }
  const [, numText = '', unit = ''] = m;
  const scale = UNITS.get(unit);
  if (scale === undefined) throw new DurationError(`unknown unit "${unit}" in "${text}"`);
  const ns = exactScale(numText, scale);
  if (ns === undefined) {
    throw new DurationError(`duration "${text}" is not a whole number of nanoseconds`);
  }
  if (!Number.isSafeInteger(ns)) {
    throw new DurationError(
      `duration "${text}" is too large (max ${formatDuration(Number.MAX_SAFE_INTEGER)})`,
    );
  }
  assert(ns >= 0, () => `parseDuration("${text}") = ${ns}`);
  return ns;
}

/** Multiplies a decimal string by an integer scale without binary rounding error. */
function exactScale(numText: string, scale: number): number | undefined {
  assert(
    Number.isSafeInteger(scale) && scale > 0 && /^[0-9]+(\.[0-9]+)?$/.test(numText),
    () => `exactScale("${numText}", ${scale})`,
  );
  const [intPart = '0', fracPart = ''] = numText.split('.');
  const scaleDigits = Math.round(Math.log10(scale));
  // Scales are powers of ten except minutes and hours: handle those via seconds.
  if (10 ** scaleDigits !== scale) {
    const secs = exactScale(numText, SEC);
    return secs === undefined ? undefined : secs * (scale / SEC);
  }
  if (fracPart.length > scaleDigits && /[1-9]/.test(fracPart.slice(scaleDigits))) return undefined;
  const frac = (fracPart + '0'.repeat(scaleDigits)).slice(0, scaleDigits);
  const ns = Number(intPart) * scale + (frac === '' ? 0 : Number(frac));
  assert(Number.isInteger(ns), () => `exactScale("${numText}", ${scale}) = ${ns}`);
  return ns;
}

/**
 * Formats nanoseconds with the largest unit that keeps the value exact, so that
 * parseDuration(formatDuration(ns)) === ns for every safe integer ns >= 0.
 */
export function formatDuration(ns: number): string {
  if (!Number.isSafeInteger(ns) || ns < 0) {
    throw new RangeError(`formatDuration: ${ns} is not a non-negative integer of nanoseconds`);
  }
  const out = formatExact(ns);
  // The promise above, kept: the text reads back as the same number of nanoseconds.
  assert(parseDuration(out) === ns, () => `formatDuration(${ns}) = "${out}" does not read back`);
  return out;
}

function formatExact(ns: number): string {
  if (ns === 0) return '0s';
  for (const [unit, scale] of [
    ['s', SEC],
    ['ms', MS],
    ['us', US],
  ] as const) {
    if (ns >= scale) {
      const whole = Math.floor(ns / scale);
      const rest = ns - whole * scale;
      if (rest === 0) return `${whole}${unit}`;
      const digits = String(scale).length - 1;
      const frac = String(rest).padStart(digits, '0').replace(/0+$/, '');
      return `${whole}.${frac}${unit}`;
    }
  }
  assert(ns > 0 && ns < US, () => `formatExact: ${ns} ns has no unit`);
  return `${ns}ns`;
}

/** Short human form for logs and summaries ("12.345678s"); not meant to round-trip. */
export function formatTime(ns: number): string {
  assert(Number.isFinite(ns), () => `formatTime: ${ns} is not a time`);
  return `${(ns / SEC).toFixed(6)}s`;
}
