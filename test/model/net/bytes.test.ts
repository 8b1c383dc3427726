// Proves that allocBytes (issue 18: arrays carved from shared slabs instead of a backing
// store each) gives what new Uint8Array(n) gives: n zeroed bytes that belong to the caller
// alone, whatever the size (on V8's heap, from a slab, or a buffer of its own), and that
// copyBytes gives what slice() gives, independent of its source.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SLAB_BYTES, allocBytes, copyBytes } from '../../../model/net/bytes.ts';

/** Sizes on every side of the thresholds: V8's on-heap limit, the slab's largest, the slab. */
const EDGE_SIZES = [0, 1, 63, 64, 65, 700, SLAB_BYTES / 4, SLAB_BYTES / 4 + 1, SLAB_BYTES, 9000];

describe('issue 18: allocBytes is new Uint8Array(n), from slabs', () => {
  it('gives n zeroed bytes for every size class', () => {
    for (const n of EDGE_SIZES) {
      const a = allocBytes(n);
      expect(a.length).toBe(n);
      expect(a.every((b) => b === 0)).toBe(true);
      a.fill(0xff); // dirty it: the next arrays must still come zeroed
    }
    for (const n of EDGE_SIZES) expect(allocBytes(n).every((b) => b === 0)).toBe(true);
  });

  it('never hands the same byte out twice: arrays made one after another do not overlap (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: SLAB_BYTES / 2 }), { minLength: 1, maxLength: 120 }),
        (sizes) => {
          const arrays = sizes.map((n) => allocBytes(n));
          arrays.forEach((a, i) => a.fill(i & 0xff));
          arrays.forEach((a, i) => expect(a.every((b) => b === (i & 0xff))).toBe(true));
        },
      ),
    );
  });

  it('refuses a size that is not a non-negative integer (NaN would make later arrays overlap)', () => {
    for (const n of [NaN, -1, 1.5, Infinity]) expect(() => allocBytes(n)).toThrow(/allocBytes/);
    const a = allocBytes(100);
    const b = allocBytes(100);
    a.fill(1);
    expect(b.every((x) => x === 0)).toBe(true);
  });

  it('copyBytes gives the bytes slice() gives, and the copy does not follow its source', () => {
    const src = Uint8Array.from({ length: 900 }, (_, i) => (i * 7) & 0xff);
    const view = src.subarray(100, 800);
    const copy = copyBytes(view);
    expect(copy).toEqual(view.slice());
    src.fill(0);
    expect(copy).toEqual(Uint8Array.from({ length: 700 }, (_, i) => ((i + 100) * 7) & 0xff));
  });
});
