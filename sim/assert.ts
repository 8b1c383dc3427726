// Assertions (GUIDE §4, TigerBeetle's style): always on, in every build. A broken
// invariant of our own code crashes the run loudly; the entry side (scenarios/run.ts,
// the fuzzer) catches it and prints the repro (scenario, seed, version). Modelled
// failures (drops, crashes, malformed messages from the other RE) are events, never
// assertions: assert only what our own code guarantees.

export class AssertionError extends Error {
  readonly code = 'NSRSIM_ASSERTION';
  constructor(message: string) {
    super(`assertion failed: ${message}`);
    this.name = 'AssertionError';
  }
}

/** Throws AssertionError unless `cond` holds. A function message is built only on failure. */
export function assert(cond: unknown, message: string | (() => string)): asserts cond {
  if (!cond) throw new AssertionError(typeof message === 'string' ? message : message());
}

/** Asserts that a number is a safe integer within [lo, hi]. */
export function assertInt(v: number, lo: number, hi: number, what: string): void {
  if (!Number.isSafeInteger(v) || v < lo || v > hi) {
    throw new AssertionError(`${what} = ${v}, expected an integer in [${lo}, ${hi}]`);
  }
}

/** For exhaustive switches: a value the types say cannot exist. */
export function unreachable(x: never, what: string): never {
  throw new AssertionError(`unreachable: ${what} ${JSON.stringify(x)}`);
}
