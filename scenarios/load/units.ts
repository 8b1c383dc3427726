// Units of scenario files other than durations (those are sim/time.ts's): sizes in
// bytes, bandwidth in bits per second, rates in records per second. Values are decimal
// text multiplied exactly (BigInt), so "1.1Mbps" is 1_100_000 and never 1_100_000.0000002.
//
// Sizes are binary: KB = KiB = 1024 bytes and MB = MiB = 1024 * 1024 bytes (buffer sizes
// are written the way kernels configure them). Bandwidth is decimal: 1 kbps = 1000 bps,
// as link speeds are quoted.

/** A unit error in a scenario value; the loader reports it at the offending node. */
export class UnitError extends Error {
  readonly code = 'NSRSIM_BAD_UNIT';
  constructor(message: string) {
    super(message);
    this.name = 'UnitError';
  }
}

const KIB = 1024;
const MIB = 1024 * 1024;

const SIZE_UNITS: ReadonlyMap<string, number> = new Map([
  ['B', 1],
  ['KB', KIB],
  ['KiB', KIB],
  ['MB', MIB],
  ['MiB', MIB],
]);

const BANDWIDTH_UNITS: ReadonlyMap<string, number> = new Map([
  ['bps', 1],
  ['kbps', 1_000],
  ['Mbps', 1_000_000],
  ['Gbps', 1_000_000_000],
]);

/** Link bandwidth meaning "no serialization delay" (the model's bandwidthBps = 0). */
export const UNLIMITED = 'unlimited';

const NUMBER_UNIT_RE = /^([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z/]+)$/;

/** numText * scale exactly, or undefined when the product is not a safe integer. */
function exactTimes(numText: string, scale: number): number | undefined {
  const [intPart = '0', fracPart = ''] = numText.split('.');
  const num = BigInt(intPart + fracPart) * BigInt(scale);
  const den = 10n ** BigInt(fracPart.length);
  if (num % den !== 0n) return undefined;
  const v = num / den;
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(v);
}

function split(text: string, what: string, example: string): { num: string; unit: string } {
  const t = text.trim();
  if (t.startsWith('-')) throw new UnitError(`${what} "${text}" is negative`);
  const m = NUMBER_UNIT_RE.exec(t);
  if (m === null)
    throw new UnitError(
      `cannot read ${what} "${text}"; expected a number and a unit, e.g. ${example}`,
    );
  return { num: m[1] ?? '', unit: m[2] ?? '' };
}

/**
 * Parses a size: a non-negative integer of bytes (a YAML number) or text such as
 * "64KB", "1.5MiB", "1500B". The result must be a whole number of bytes.
 */
export function parseSize(value: number | string): number {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0)
      throw new UnitError(`size ${value} is not a whole number of bytes >= 0`);
    return value;
  }
  const { num, unit } = split(value, 'size', '"64KB", "1MB" or a number of bytes');
  const scale = SIZE_UNITS.get(unit);
  if (scale === undefined)
    throw new UnitError(
      `unknown size unit "${unit}" in "${value}" (units: B, KB = KiB = 1024 B, MB = MiB = 1024 KiB)`,
    );
  const bytes = exactTimes(num, scale);
  if (bytes === undefined) throw new UnitError(`size "${value}" is not a whole number of bytes`);
  return bytes;
}

/** Formats bytes with the largest binary unit that keeps it exact ("64KB", "1MB", "1460B"). */
export function formatSize(bytes: number): string {
  if (bytes > 0 && bytes % MIB === 0) return `${bytes / MIB}MB`;
  if (bytes > 0 && bytes % KIB === 0) return `${bytes / KIB}KB`;
  return `${bytes}B`;
}

/** Parses "100Mbps", "1.5Gbps", "64kbps", "9600bps" or "unlimited" (0) into bits per second. */
export function parseBandwidth(value: string): number {
  if (value.trim() === UNLIMITED) return 0;
  const { num, unit } = split(value, 'bandwidth', '"100Mbps", "1Gbps" or "unlimited"');
  const scale = BANDWIDTH_UNITS.get(unit);
  if (scale === undefined)
    throw new UnitError(
      `unknown bandwidth unit "${unit}" in "${value}" (units: bps, kbps, Mbps, Gbps; decimal)`,
    );
  const bps = exactTimes(num, scale);
  if (bps === undefined)
    throw new UnitError(`bandwidth "${value}" is not a whole number of bits per second`);
  if (bps === 0)
    throw new UnitError(
      `bandwidth "${value}" is zero; write "${UNLIMITED}" for a link without serialization delay`,
    );
  return bps;
}

export function formatBandwidth(bps: number): string {
  if (bps === 0) return UNLIMITED;
  for (const [unit, scale] of [...BANDWIDTH_UNITS].reverse()) {
    if (bps % scale === 0) return `${bps / scale}${unit}`;
  }
  return `${bps}bps`;
}

const RATE_RE = /^([0-9]+(?:\.[0-9]+)?)\s*\/\s*s$/;

/** Parses a rate "200/s" or "0.5/s" (records per second; "0/s" is silent). */
export function parseRate(value: string): number {
  const t = value.trim();
  if (t.startsWith('-')) throw new UnitError(`rate "${value}" is negative`);
  const m = RATE_RE.exec(t);
  if (m === null)
    throw new UnitError(
      `cannot read rate "${value}"; expected records per second, e.g. "200/s" or "0.5/s"`,
    );
  return Number(m[1]);
}

export function formatRate(perSec: number): string {
  return `${perSec}/s`;
}
