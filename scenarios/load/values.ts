// Readers for the scenario format's unit-carrying values (durations, sizes, bandwidths,
// rates), shared by the loader's parts. Each throws Invalid; Walk.read reports it at
// the value's position.
import { isScalar, type Node } from 'yaml';
import { parseDuration } from '../../sim/index.ts';
import { parseBandwidth, parseRate, parseSize } from './units.ts';
import { describe, Invalid } from './walk.ts';

function wrap<T>(what: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw new Invalid(`${what}: ${(e as Error).message}`);
  }
}

/** A duration with a unit ("1.5ms", "20s"); a bare number is refused with a hint. */
export function duration(n: Node | null, what: string): number {
  if (!isScalar(n) || (typeof n.value !== 'string' && typeof n.value !== 'number')) {
    throw new Invalid(`${what} must be a duration such as "1.5ms" or "20s", got ${describe(n)}`);
  }
  const text = typeof n.value === 'number' ? (n.source ?? String(n.value)) : n.value;
  return wrap(what, () => parseDuration(text));
}

export function positiveDuration(n: Node | null, what: string): number {
  const d = duration(n, what);
  if (d <= 0) throw new Invalid(`${what} must be longer than 0s`);
  return d;
}

/** A size (a whole number of bytes, or "64KB" etc.) within [min, max]. */
export function sizeIn(n: Node | null, what: string, min: number, max: number): number {
  if (!isScalar(n) || (typeof n.value !== 'number' && typeof n.value !== 'string')) {
    throw new Invalid(
      `${what} must be a size such as "64KB" or a number of bytes, got ${describe(n)}`,
    );
  }
  const v = n.value;
  const bytes = wrap(what, () => parseSize(v));
  if (bytes < min || bytes > max)
    throw new Invalid(`${what} must be between ${min} and ${max} bytes, got ${bytes}`);
  return bytes;
}

export function bandwidth(n: Node | null, what: string): number {
  if (!isScalar(n) || typeof n.value !== 'string') {
    throw new Invalid(
      `${what} must be a bandwidth such as "100Mbps" or "unlimited", got ${describe(n)}`,
    );
  }
  const v = n.value;
  return wrap(what, () => parseBandwidth(v));
}

export function rate(n: Node | null, what: string, max: number): number {
  if (!isScalar(n) || typeof n.value !== 'string') {
    throw new Invalid(`${what} must be a rate such as "200/s", got ${describe(n)}`);
  }
  const v = n.value;
  const r = wrap(what, () => parseRate(v));
  if (r > max) throw new Invalid(`${what} must be at most ${max}/s, got ${v}`);
  return r;
}
