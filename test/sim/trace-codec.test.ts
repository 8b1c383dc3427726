// Proves the canonical binary trace form (trace format 2) is exact and unambiguous: a golden
// encoding, distinct values never encode alike, key order and left-out undefined values,
// the string table, non-finite numbers refused, and the block boundaries never matter.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecordEncoder, TRACE_PREAMBLE } from '../../sim/trace-codec.ts';
import { MemorySink, Simulation, hashRecords, nobleSha256 } from '../../sim/index.ts';
import { buildSynthetic, SYNTHETIC_UNTIL_NS } from './synthetic.ts';

type Rec = [number, number, number, string, string, object];

/** The whole stream of `recs` as one byte array. */
function encode(recs: readonly Rec[]): Uint8Array {
  const blocks: Uint8Array[] = [];
  const enc = new RecordEncoder((b) => blocks.push(b.slice()));
  for (const r of recs) enc.record(...r);
  enc.flush();
  return new Uint8Array(Buffer.concat(blocks));
}

/** The bytes after the preamble. */
function body(recs: readonly Rec[]): number[] {
  return [...encode(recs).subarray(TRACE_PREAMBLE.length)];
}

const one = (fields: object): number[] => body([[0, 0, -1, 'a', 'k', fields]]);

/**
 * The grammar of trace-codec.ts written out plainly (no buffer, no remembered keys): the
 * reference the encoder's fast paths must match byte for byte.
 */
function reference(recs: readonly Rec[]): number[] {
  const out: number[] = [];
  const table = new Map<string, number>();
  const uint = (n: number): void => {
    let v = n;
    while (v >= 0x80) {
      out.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    out.push(v);
  };
  const str = (x: string): void => {
    const i = table.get(x);
    if (i !== undefined) {
      out.push(12);
      uint(i);
      return;
    }
    table.set(x, table.size);
    const b = new TextEncoder().encode(x);
    out.push(11);
    uint(b.length);
    out.push(...b);
  };
  const value = (v: unknown): void => {
    if (typeof v === 'number') {
      out.push(v >= 0 ? 3 : 4);
      uint(v >= 0 ? v : -v - 1);
    } else if (typeof v === 'string') str(v);
    else if (typeof v === 'boolean') out.push(v ? 2 : 1);
    else if (v === null) out.push(0);
    else object(v as Record<string, unknown>);
  };
  const object = (o: Record<string, unknown>): void => {
    out.push(9);
    for (const k in o) {
      if (o[k] === undefined) continue;
      str(k);
      value(o[k]);
    }
    out.push(10);
  };
  for (const [id, t, cause, actor, kind, fields] of recs) {
    uint(id);
    uint(t);
    uint(cause + 1);
    str(actor);
    str(kind);
    object(fields as Record<string, unknown>);
  }
  return out;
}

describe('trace codec', () => {
  it('starts with the format preamble and encodes a record as the grammar says', () => {
    const all = encode([[1, 300, 0, 'a', 'k', { n: 1 }]]);
    expect(new TextDecoder().decode(all.subarray(0, TRACE_PREAMBLE.length))).toBe(
      'nsrsim-trace/2\n',
    );
    // id 1, t 300 = LEB128 ac 02, cause 0 + 1, actor "a" and kind "k" new (11 len bytes),
    // object 9, key "n" new, uint 3 1, end 10.
    expect(body([[1, 300, 0, 'a', 'k', { n: 1 }]])).toEqual([
      1, 0xac, 0x02, 1, 11, 1, 97, 11, 1, 107, 9, 11, 1, 110, 3, 1, 10,
    ]);
  });

  it('never encodes two different values alike', () => {
    const values: unknown[] = [
      null,
      false,
      true,
      0,
      1,
      -1,
      2 ** 53 - 1,
      -(2 ** 53) + 1,
      0.5,
      -0.5,
      '',
      '0',
      'é€😀',
      new Uint8Array([]),
      new Uint8Array([0]),
      [],
      [null],
      {},
      { a: null },
      [[]],
    ];
    const seen = new Map<string, unknown>();
    for (const v of values) {
      const key = one({ v }).join(',');
      expect(seen.get(key), `${String(v)} encodes like another value`).toBeUndefined();
      seen.set(key, v);
    }
  });

  it('keeps key order, leaves undefined values out and refers to known strings by index', () => {
    expect(one({ a: 1, b: 2 })).not.toEqual(one({ b: 2, a: 1 }));
    expect(one({ a: 1, b: undefined })).toEqual(one({ a: 1 }));
    // The second record's actor, kind, key and value are all known strings: 12 + index.
    const two = body([
      [0, 0, -1, 'a', 'k', { s: 'x' }],
      [1, 0, 0, 'a', 'k', { s: 'x' }],
    ]);
    expect(two.slice(-13)).toEqual([1, 0, 1, 12, 0, 12, 1, 9, 12, 2, 12, 3, 10]);
  });

  it("matches the plain grammar whatever keys a kind's records carry (remembered keys, long tables, large integers)", () => {
    // Records of a few kinds whose key sets and orders change from record to record, some
    // values undefined, with enough distinct strings that table indexes pass 127 and
    // integers in every LEB128 length up to 2^53 - 1.
    const key = fc.constantFrom('a', 'b', 'c', 'session', 'seq');
    const uint = fc.oneof(fc.nat(300), fc.nat(), fc.maxSafeNat());
    const val = fc.oneof(
      uint,
      fc.integer({ min: -(2 ** 40), max: -1 }),
      fc.constantFrom(undefined, null, true, false),
      fc.nat(400).map((n) => `s${n}`),
    );
    const rec = fc.tuple(
      uint,
      uint,
      fc.constantFrom('k1', 'k2', 'k3'),
      fc.array(fc.tuple(key, val), { maxLength: 5 }),
    );
    fc.assert(
      fc.property(fc.array(rec, { minLength: 1, maxLength: 300 }), (rs) => {
        // A first record of 150 strings: every later new string has a table index above 127.
        const wide = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`w${i}`, 0]));
        const recs: Rec[] = [[0, 0, -1, 'first', 'wide', wide]];
        for (const [id, t, kind, kv] of rs)
          recs.push([id, t, -1, `actor${id % 3}`, kind, Object.fromEntries(kv)]);
        expect(body(recs)).toEqual(reference(recs));
      }),
      { numRuns: 200, seed: 20261207 },
    );
  });

  it('refuses non-finite numbers and values that are not JSON-safe', () => {
    expect(() => one({ x: Number.NaN })).toThrow(/non-finite/);
    expect(() => one({ x: Infinity })).toThrow(/non-finite/);
    expect(() => one({ f: () => 1 })).toThrow(/not JSON-safe/);
    // Ids, times and causes are unsigned LEB128: a negative or fractional one is a bug.
    expect(() => body([[-1, 0, -1, 'a', 'k', {}]])).toThrow(/not an unsigned safe integer/);
    expect(() => body([[0, 0.5, -1, 'a', 'k', {}]])).toThrow(/not an unsigned safe integer/);
  });

  it('gives the same stream whatever the block boundaries (large byte arrays included)', () => {
    const big = new Uint8Array(200_000).map((_, i) => i & 0xff);
    const recs: Rec[] = Array.from({ length: 3000 }, (_, i) => [
      i,
      i * 7,
      i - 1,
      `actor${i % 5}`,
      'kind',
      i === 1500 ? { big } : { i, s: `v${i % 13}` },
    ]);
    const whole = encode(recs);
    const parts: Uint8Array[] = [];
    const enc = new RecordEncoder((b) => parts.push(b.slice()));
    for (const r of recs) enc.record(...r);
    enc.flush();
    expect(parts.length).toBeGreaterThanOrEqual(3);
    expect(Buffer.concat(parts).equals(Buffer.from(whole))).toBe(true);
  });

  it('a digest taken mid-run does not change the final one', () => {
    const a = buildSynthetic(5, {});
    a.sim.run({ untilNs: SYNTHETIC_UNTIL_NS / 2 });
    a.sim.trace.digest();
    a.sim.run({ untilNs: SYNTHETIC_UNTIL_NS });
    const mem = new MemorySink();
    const b = buildSynthetic(5, { sinks: [mem] });
    b.sim.run({ untilNs: SYNTHETIC_UNTIL_NS });
    expect(a.sim.trace.digest()).toBe(b.sim.trace.digest());
    expect(hashRecords(mem.records, nobleSha256)).toBe(b.sim.trace.digest());
    expect(new Simulation({ seed: 1, hash: false }).trace.digest()).toBeUndefined();
  });
});
