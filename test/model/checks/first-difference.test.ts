// Proves identical-data's byte comparison (four bytes at a time, then byte by byte) finds
// the first differing byte wherever the ranges lie in their buffers, as a byte loop does.
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { firstDifference } from '../../../model/checks/identical-data.ts';

function naive(a: Uint8Array, ai: number, b: Uint8Array, bi: number, n: number): number {
  let i = 0;
  while (i < n && a[ai + i] === b[bi + i]) i++;
  return i;
}

describe('firstDifference', () => {
  test.prop([
    fc.uint8Array({ minLength: 0, maxLength: 200, size: 'max' }),
    fc.nat(7),
    fc.nat(7),
    fc.option(fc.nat(199), { nil: undefined }),
  ])(
    'agrees with a byte loop for any offsets and any single differing byte',
    (data, leadA, leadB, flip) => {
      // Views that start inside their buffers, as a socket's bytes and the checker's do.
      const a = new Uint8Array(leadA + data.length + 8).subarray(1 + leadB);
      const b = new Uint8Array(leadB + data.length + 16).subarray(3 + leadA);
      a.set(data, leadA);
      b.set(data, leadB);
      if (flip !== undefined && flip < data.length) b[leadB + flip] = (data[flip] as number) ^ 1;
      const n = data.length;
      expect(firstDifference(a, leadA, b, leadB, n)).toBe(naive(a, leadA, b, leadB, n));
      expect(firstDifference(a, leadA, b, leadB, n)).toBe(
        flip !== undefined && flip < n ? flip : n,
      );
    },
  );

  test.prop([fc.integer({ min: 0, max: 99 }), fc.boolean()])(
    'finds a difference at any position of 100 bytes, in either view, wherever the views start',
    (at, inA) => {
      // Zeros around the views: a comparison that forgot where a view starts would read
      // equal zeros there and run past the difference.
      const a = new Uint8Array(120).subarray(5);
      const b = new Uint8Array(120).subarray(3);
      (inA ? a : b)[at + 2] = 1;
      expect(firstDifference(a, 2, b, 2, 100)).toBe(at);
      expect(firstDifference(a, 2, b, 2, at)).toBe(at);
    },
  );
});
