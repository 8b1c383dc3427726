// sim/fifo.ts: a FIFO with O(1) shift (issue 18: KKCM's output queue). Checked against a
// plain array, the model it replaces, over random interleavings that cross compaction.
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { Fifo } from '../../sim/index.ts';

describe('Fifo', () => {
  it('is empty at first: no first item, shift gives undefined', () => {
    const q = new Fifo<number>();
    expect(q.length).toBe(0);
    expect(q.first()).toBeUndefined();
    expect(q.shift()).toBeUndefined();
    expect(q.length).toBe(0);
  });

  it('gives items back in the order they came, across its compaction', () => {
    // 5,000 in, 3,000 out (compaction runs once 1,024 are taken and they are half), 5,000 in.
    const q = new Fifo<number>();
    for (let i = 0; i < 5000; i++) q.push(i);
    for (let i = 0; i < 3000; i++) expect(q.shift()).toBe(i);
    for (let i = 5000; i < 10000; i++) q.push(i);
    expect(q.length).toBe(7000);
    expect(q.first()).toBe(3000);
    for (let i = 3000; i < 10000; i++) expect(q.shift()).toBe(i);
    expect(q.length).toBe(0);
    expect(q.shift()).toBeUndefined();
  });

  test.prop([
    fc.array(fc.oneof(fc.integer({ min: 1, max: 3000 }), fc.constant(-1)), { maxLength: 60 }),
  ])(
    'agrees with an array under any interleaving of pushes (n > 0 items) and shifts (-1: shift all)',
    (ops) => {
      const q = new Fifo<number>();
      const model: number[] = [];
      let next = 0;
      for (const op of ops) {
        if (op > 0) {
          for (let i = 0; i < op; i++) {
            q.push(next);
            model.push(next++);
          }
        } else {
          const k = Math.ceil(model.length / 2) + 1; // more than half: crosses compaction
          for (let i = 0; i < k; i++) expect(q.shift()).toBe(model.shift());
        }
        expect(q.length).toBe(model.length);
        expect(q.first()).toBe(model[0]);
      }
    },
  );
});
