// Seeded random streams (GUIDE §3). One root seed per run; every component draws from
// its own named stream, derived from (seed, name), so adding a component or a draw
// never shifts another stream (the ns-3 #401 complaint). The generator is seedrandom's
// Alea, pinned by name here (not seedrandom's default ARC4 entry point), so that
// replays do not depend on which generator a future seedrandom calls its default.
import seedrandom from 'seedrandom';
import { assert } from './assert.ts';

type Prng = { (): number; int32(): number; double(): number };

const TWO_32 = 0x1_0000_0000;

export class Rng {
  readonly name: string;
  readonly seed: string;
  private readonly prng: Prng;
  private drawCount = 0;

  constructor(rootSeed: number | string, name: string) {
    // JSON would turn NaN or Infinity into null: two such seeds would share every stream.
    assert(
      typeof rootSeed === 'string' || Number.isFinite(rootSeed),
      () => `Rng: seed ${rootSeed} is neither a string nor a finite number`,
    );
    this.name = name;
    // JSON keeps (seed, name) pairs apart: ("1/a", "b") and (1, "a/b") differ.
    this.seed = `nsrsim:${JSON.stringify([rootSeed, name])}`;
    this.prng = seedrandom.alea(this.seed) as unknown as Prng;
  }

  /** Number of primitive draws made so far (useful when diagnosing divergence). */
  get draws(): number {
    return this.drawCount;
  }

  /** Uniform float in [0, 1) with 53 bits of resolution. */
  float(): number {
    this.drawCount++;
    const x = this.prng.double();
    assert(x >= 0 && x < 1, () => `Rng.float: ${x} is outside [0, 1)`);
    return x;
  }

  /** Uniform unsigned 32-bit integer. */
  uint32(): number {
    this.drawCount++;
    const u = this.prng.int32() >>> 0;
    assert(u < TWO_32, () => `Rng.uint32: ${u}`);
    return u;
  }

  /** Uniform integer in [0, n), n a positive safe integer. */
  int(n: number): number {
    if (!Number.isSafeInteger(n) || n <= 0)
      throw new RangeError(`Rng.int: n must be a positive integer, got ${n}`);
    if (n <= TWO_32) {
      // Rejection sampling keeps small ranges exactly uniform.
      const limit = TWO_32 - (TWO_32 % n);
      for (;;) {
        const u = this.uint32();
        if (u < limit) return u % n;
      }
    }
    const v = Math.floor(this.float() * n);
    assert(v >= 0 && v < n, () => `Rng.int(${n}) gave ${v}`);
    return v;
  }

  /** Uniform integer in [lo, hi], both inclusive. */
  between(lo: number, hi: number): number {
    if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || hi < lo) {
      throw new RangeError(`Rng.between: need integers lo <= hi, got ${lo}, ${hi}`);
    }
    const v = lo + this.int(hi - lo + 1);
    assert(v >= lo && v <= hi, () => `Rng.between(${lo}, ${hi}) gave ${v}`);
    return v;
  }

  /** True with probability num/den (integer ratio, so no float threshold drift). */
  chance(num: number, den: number): boolean {
    // A fractional or NaN ratio would fall through every test below and quietly draw.
    assert(
      Number.isSafeInteger(num) && Number.isSafeInteger(den) && den > 0,
      () => `Rng.chance(${num}, ${den}): need integers and den > 0`,
    );
    if (num <= 0) return false;
    if (num >= den) return true;
    return this.int(den) < num;
  }

  /** True with probability p in [0,1], resolved to parts per billion. */
  chanceProb(p: number): boolean {
    assert(p >= 0 && p <= 1, () => `Rng.chanceProb: ${p} is not a probability`);
    return this.chance(Math.round(p * 1e9), 1e9);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('Rng.pick: empty list');
    return items[this.int(items.length)] as T;
  }

  /** Fisher-Yates, in place; returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      assert(j <= i, () => `Rng.shuffle: swap ${i} with ${j}`);
      const t = items[i] as T;
      items[i] = items[j] as T;
      items[j] = t;
    }
    return items;
  }

  /** Exponential variate with the given mean (float). */
  exponential(mean: number): number {
    assert(Number.isFinite(mean) && mean >= 0, () => `Rng.exponential: mean ${mean}`);
    const v = -mean * Math.log(1 - this.float());
    // 1 - float() is in (0, 1]: the logarithm is finite and never positive.
    assert(v >= 0 && Number.isFinite(v), () => `Rng.exponential(${mean}) gave ${v}`);
    return v;
  }

  /** Exponential variate rounded to an integer (e.g. nanoseconds). */
  exponentialInt(mean: number): number {
    const v = Math.round(this.exponential(mean));
    assert(Number.isSafeInteger(v) && v >= 0, () => `Rng.exponentialInt(${mean}) gave ${v}`);
    return v;
  }

  /** Normal variate (Box-Muller, always two draws so draw counts stay predictable). */
  normal(mean: number, stddev: number): number {
    assert(
      Number.isFinite(mean) && Number.isFinite(stddev) && stddev >= 0,
      () => `Rng.normal(${mean}, ${stddev})`,
    );
    const u1 = 1 - this.float();
    const u2 = this.float();
    return mean + stddev * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}

/** Factory for the named streams of one run; the same name always gives the same stream. */
export class RngStreams {
  readonly rootSeed: number | string;
  private readonly streams = new Map<string, Rng>();

  constructor(rootSeed: number | string) {
    this.rootSeed = rootSeed;
  }

  /** The stream called `name`; created on first use, shared afterwards. */
  stream(name: string): Rng {
    let s = this.streams.get(name);
    if (s === undefined) {
      s = new Rng(this.rootSeed, name);
      this.streams.set(name, s);
    }
    assert(s.name === name, () => `RngStreams: stream "${name}" is called "${s.name}"`);
    return s;
  }
}
