// Proves SockBuf behaves as a plain byte FIFO (model-based against a number array): append, drop, peek at any offset and read agree with the reference, cc and sbspace stay consistent, earlier results never change, small appends are copied and large ones shared.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { SockBuf } from '../../../model/tcp/tcp.ts';

type Op =
  | { kind: 'append'; n: number; salt: number }
  | { kind: 'drop'; frac: number }
  | { kind: 'peek'; off: number; n: number }
  | { kind: 'read'; n: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('append' as const),
    n: fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 40_000 })),
    salt: fc.integer({ min: 0, max: 255 }),
  }),
  fc.record({
    kind: fc.constant('drop' as const),
    frac: fc.double({ min: 0, max: 1, noNaN: true }),
  }),
  fc.record({
    kind: fc.constant('peek' as const),
    off: fc.integer({ min: 0, max: 50_000 }),
    n: fc.integer({ min: 0, max: 50_000 }),
  }),
  fc.record({ kind: fc.constant('read' as const), n: fc.integer({ min: 0, max: 30_000 }) }),
);

describe('SockBuf', () => {
  it('matches a byte-array reference', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const sb = new SockBuf(100_000);
        let ref: number[] = [];
        const seen: { got: Uint8Array; want: number[] }[] = [];
        for (const op of ops) {
          switch (op.kind) {
            case 'append': {
              const b = new Uint8Array(op.n);
              for (let i = 0; i < op.n; i++) b[i] = (i + op.salt) & 255;
              sb.append(b); // handed over: never modified again
              for (let i = 0; i < op.n; i++) ref.push((i + op.salt) & 255);
              break;
            }
            case 'drop': {
              const k = Math.floor(op.frac * ref.length);
              sb.drop(k);
              ref = ref.slice(k);
              break;
            }
            case 'peek': {
              const got = sb.peek(op.off, op.n);
              const want = ref.slice(op.off, op.off + op.n);
              expect(Array.from(got)).toEqual(want);
              seen.push({ got, want });
              break;
            }
            case 'read': {
              const got = sb.read(op.n);
              expect(Array.from(got)).toEqual(ref.slice(0, op.n));
              ref = ref.slice(got.length);
              break;
            }
          }
          expect(sb.cc).toBe(ref.length);
          expect(sb.sbspace()).toBe(Math.max(0, 100_000 - ref.length));
        }
        expect(Array.from(sb.peek(0, sb.cc))).toEqual(ref);
        // A view handed out earlier still shows what it showed (later appends, drops).
        for (const v of seen) expect(Array.from(v.got)).toEqual(v.want);
      }),
      { numRuns: 60, seed: 5 },
    );
  });

  it('copies a small append and keeps a large one by reference (a view of it)', () => {
    const sb = new SockBuf(100_000);
    const small = new Uint8Array([1, 2, 3]);
    sb.append(small);
    small.fill(9);
    expect(Array.from(sb.peek(0, 3))).toEqual([1, 2, 3]);
    const big = new Uint8Array(4096).map((_, i) => i & 0xff);
    sb.append(big);
    const seg = sb.peek(3, 1460);
    expect(seg.buffer).toBe(big.buffer); // no copy for a range inside one chunk
    expect(Array.from(seg.subarray(0, 3))).toEqual([0, 1, 2]);
    expect(Array.from(sb.peek(1, 4))).toEqual([2, 3, 0, 1]); // across chunks: a copy
  });

  it('rejects dropping more than it holds', () => {
    const sb = new SockBuf(10);
    sb.append(new Uint8Array(3));
    expect(() => sb.drop(4)).toThrow(RangeError);
  });
});
