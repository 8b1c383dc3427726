// Proves that Rng streams are reproducible per (seed, name), independent of each other, and that each helper draws from the documented range and distribution.
import { describe, expect, it } from 'vitest';
import { test as fcTest, fc } from '@fast-check/vitest';
import { Rng, RngStreams } from '../../sim/index.ts';

function draw(rng: Rng, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(rng.uint32());
  return out;
}

describe('Rng reproducibility and independence', () => {
  it('gives the same sequence for the same (seed, name)', () => {
    expect(draw(new Rng(42, 'net/a'), 200)).toEqual(draw(new Rng(42, 'net/a'), 200));
    expect(draw(new Rng('abc', 'x'), 50)).toEqual(draw(new Rng('abc', 'x'), 50));
    const a = new Rng(7, 'f');
    const b = new Rng(7, 'f');
    const fa = [a.float(), a.int(1000), a.exponential(5), a.normal(0, 1)];
    const fb = [b.float(), b.int(1000), b.exponential(5), b.normal(0, 1)];
    expect(fa).toEqual(fb);
  });

  it('gives different sequences for different names under the same seed', () => {
    expect(draw(new Rng(42, 'net/a'), 20)).not.toEqual(draw(new Rng(42, 'net/b'), 20));
    expect(draw(new Rng(42, 'a'), 20)).not.toEqual(draw(new Rng(42, 'A'), 20));
  });

  it('gives different sequences for different seeds under the same name', () => {
    expect(draw(new Rng(1, 'net'), 20)).not.toEqual(draw(new Rng(2, 'net'), 20));
    expect(draw(new Rng(1, 'net'), 20)).not.toEqual(draw(new Rng('1x', 'net'), 20));
  });

  it('does not shift stream B when stream A draws extra values or stream C is created first', () => {
    const reference = new RngStreams(99);
    const refB = draw(reference.stream('b'), 100);

    const busy = new RngStreams(99);
    const a = busy.stream('a');
    draw(a, 1_000);
    busy.stream('c').float();
    const b = busy.stream('b');
    const interleaved: number[] = [];
    for (let i = 0; i < 100; i++) {
      interleaved.push(b.uint32());
      a.normal(0, 1);
      a.int(17);
    }
    expect(interleaved).toEqual(refB);
  });

  it('returns the same shared stream object for the same name and counts draws', () => {
    const s = new RngStreams(3);
    const x = s.stream('x');
    expect(s.stream('x')).toBe(x);
    expect(x.draws).toBe(0);
    x.float();
    x.normal(0, 1);
    expect(x.draws).toBe(3);
    expect(x.seed).toBe('nsrsim:[3,"x"]');
  });

  it('keeps (seed, name) pairs apart even when their slash-joined forms coincide', () => {
    // The old derivation `nsrsim/${seed}/${name}` gave these pairs the same stream.
    expect(new Rng('1/a', 'b').seed).not.toBe(new Rng(1, 'a/b').seed);
    expect(draw(new Rng('1/a', 'b'), 20)).not.toEqual(draw(new Rng(1, 'a/b'), 20));
    expect(draw(new Rng('1/a/b', 'c'), 20)).not.toEqual(draw(new Rng('1', 'a/b/c'), 20));
    expect(draw(new Rng('', 'x/y'), 20)).not.toEqual(draw(new Rng('x', 'y'), 20));
  });

  it('derives the seed string from the JSON pair, so a number seed and its string form are different roots', () => {
    expect(new Rng(1, 'a/b').seed).toBe('nsrsim:[1,"a/b"]');
    expect(new Rng('1/a', 'b').seed).toBe('nsrsim:["1/a","b"]');
    expect(new Rng('q"u\\o', 'n').seed).toBe(`nsrsim:${JSON.stringify(['q"u\\o', 'n'])}`);
    expect(draw(new Rng(1, 'net'), 20)).not.toEqual(draw(new Rng('1', 'net'), 20));
  });

  fcTest.prop([
    fc.oneof(fc.integer(), fc.string()),
    fc.string(),
    fc.oneof(fc.integer(), fc.string()),
    fc.string(),
  ])('two different (seed, name) pairs never share a seed string', (s1, n1, s2, n2) => {
    fc.pre(s1 !== s2 || n1 !== n2);
    expect(new Rng(s1, n1).seed).not.toBe(new Rng(s2, n2).seed);
  });
});

describe('Rng ranges and distributions', () => {
  fcTest.prop([fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), fc.integer()])(
    'int(n) is an integer in [0, n) for any safe n',
    (n, seed) => {
      const r = new Rng(seed, 'int');
      for (let i = 0; i < 20; i++) {
        const v = r.int(n);
        expect(Number.isInteger(v)).toBe(true);
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThan(n);
      }
    },
  );

  it('int(10) fills ten buckets roughly uniformly over 100k draws', () => {
    const r = new Rng(5, 'buckets');
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) {
      const v = r.int(10);
      counts[v] = (counts[v] ?? 0) + 1;
    }
    // Expected 10_000 each, sd ~95; a 5% band is over five sigma.
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
  });

  it('int(3 * 2^30) is roughly uniform across thirds (rejection sampling removes the modulo bias)', () => {
    const n = 3 * 2 ** 30;
    const r = new Rng(6, 'bias');
    const thirds = [0, 0, 0];
    for (let i = 0; i < 60_000; i++) {
      const k = Math.floor(r.int(n) / 2 ** 30);
      thirds[k] = (thirds[k] ?? 0) + 1;
    }
    for (const c of thirds) expect(Math.abs(c - 20_000)).toBeLessThan(1_000);
  });

  fcTest.prop([fc.integer({ min: -1e12, max: 1e12 }), fc.nat({ max: 1000 }), fc.integer()])(
    'between(lo, hi) is inclusive at both ends',
    (lo, width, seed) => {
      const hi = lo + width;
      const r = new Rng(seed, 'between');
      for (let i = 0; i < 30; i++) {
        const v = r.between(lo, hi);
        expect(Number.isInteger(v)).toBe(true);
        expect(v).toBeGreaterThanOrEqual(lo);
        expect(v).toBeLessThanOrEqual(hi);
      }
    },
  );

  it('between(1, 3) hits both bounds and between(x, x) always returns x', () => {
    const r = new Rng(8, 'edges');
    const seen = new Set<number>();
    for (let i = 0; i < 300; i++) seen.add(r.between(1, 3));
    expect([...seen].sort()).toEqual([1, 2, 3]);
    for (let i = 0; i < 10; i++) expect(r.between(-4, -4)).toBe(-4);
  });

  it('chance(0, den) is always false and chance(den, den) always true, without drawing', () => {
    const r = new Rng(9, 'chance');
    for (let i = 0; i < 1000; i++) {
      expect(r.chance(0, 7)).toBe(false);
      expect(r.chance(7, 7)).toBe(true);
    }
    expect(r.draws).toBe(0);
    expect(r.chanceProb(0)).toBe(false);
    expect(r.chanceProb(1)).toBe(true);
  });

  it('chance(1, 4) is true about a quarter of the time', () => {
    const r = new Rng(10, 'quarter');
    let hits = 0;
    for (let i = 0; i < 100_000; i++) if (r.chance(1, 4)) hits++;
    expect(Math.abs(hits - 25_000)).toBeLessThan(1_000);
  });

  fcTest.prop([fc.array(fc.integer(), { maxLength: 60 }), fc.integer()])(
    'shuffle returns the same array holding a permutation of its items',
    (items, seed) => {
      const copy = [...items];
      const out = new Rng(seed, 'shuffle').shuffle(copy);
      expect(out).toBe(copy);
      expect([...out].sort((a, b) => a - b)).toEqual([...items].sort((a, b) => a - b));
    },
  );

  it('shuffle of 0..9 reaches many orders and is reproducible per seed', () => {
    const orders = new Set<string>();
    for (let seed = 0; seed < 200; seed++)
      orders.add(new Rng(seed, 'sh').shuffle([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]).join(','));
    expect(orders.size).toBeGreaterThan(190);
    expect(new Rng(4, 'sh').shuffle([1, 2, 3, 4, 5])).toEqual(
      new Rng(4, 'sh').shuffle([1, 2, 3, 4, 5]),
    );
  });

  it('pick returns only list members and eventually every member', () => {
    const items = ['a', 'b', 'c', 'd', 'e'] as const;
    const r = new Rng(11, 'pick');
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const v = r.pick(items);
      expect(items).toContain(v);
      seen.add(v);
    }
    expect(seen.size).toBe(items.length);
  });

  it('exponential(250) has mean within 5% over 100k draws and is never negative', () => {
    const r = new Rng(12, 'exp');
    let sum = 0;
    for (let i = 0; i < 100_000; i++) {
      const v = r.exponential(250);
      if (!(v >= 0)) throw new Error(`negative exponential ${v}`);
      sum += v;
    }
    expect(Math.abs(sum / 100_000 - 250)).toBeLessThan(250 * 0.05);
  });

  it('exponentialInt(1000) returns non-negative integers with mean within 5%', () => {
    const r = new Rng(13, 'expi');
    let sum = 0;
    for (let i = 0; i < 100_000; i++) {
      const v = r.exponentialInt(1000);
      if (!Number.isSafeInteger(v) || v < 0) throw new Error(`bad exponentialInt ${v}`);
      sum += v;
    }
    expect(Math.abs(sum / 100_000 - 1000)).toBeLessThan(50);
  });

  it('normal(100, 15) has mean and standard deviation within 5% over 100k draws, two draws each', () => {
    const r = new Rng(14, 'norm');
    const n = 100_000;
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < n; i++) {
      const v = r.normal(100, 15);
      sum += v;
      sumSq += v * v;
    }
    const mean = sum / n;
    const sd = Math.sqrt(sumSq / n - mean * mean);
    expect(Math.abs(mean - 100)).toBeLessThan(5);
    expect(Math.abs(sd - 15)).toBeLessThan(0.75);
    expect(r.draws).toBe(2 * n);
  });

  it('float() stays in [0, 1)', () => {
    const r = new Rng(15, 'float');
    for (let i = 0; i < 100_000; i++) {
      const v = r.float();
      if (!(v >= 0 && v < 1)) throw new Error(`float out of range: ${v}`);
    }
  });
});

describe('Rng argument checks', () => {
  it.each([[0], [-1], [1.5], [Number.NaN], [Infinity], [2 ** 53]])(
    'int(%s) throws RangeError',
    (n) => {
      expect(() => new Rng(1, 'x').int(n)).toThrow(RangeError);
    },
  );

  it('between with hi < lo, fractional bounds or an unsafe span throws RangeError', () => {
    const r = new Rng(1, 'x');
    expect(() => r.between(3, 2)).toThrow(RangeError);
    expect(() => r.between(0.5, 2)).toThrow(RangeError);
    expect(() => r.between(0, Number.NaN)).toThrow(RangeError);
    expect(() => r.between(-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)).toThrow(RangeError);
  });

  it('pick([]) throws RangeError', () => {
    expect(() => new Rng(1, 'x').pick([])).toThrow(RangeError);
  });
});
