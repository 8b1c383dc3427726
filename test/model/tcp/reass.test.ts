// Proves the reassembly queue against a reference: for arbitrary overlapping, duplicated, reordered pieces of a stream (sequence numbers wrapping 2^32), entries stay sorted and disjoint, the byte count is exact, and draining yields exactly the contiguous prefix of the stream, FIN included.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { seqAdd, seqDiff, seqLt } from '../../../model/net/segment.ts';
import { ReassQueue } from '../../../model/tcp/tcp.ts';

describe('ReassQueue', () => {
  it('keeps disjoint sorted entries and drains the contiguous prefix', () => {
    const pieceArb = fc.record({
      off: fc.integer({ min: 0, max: 2999 }),
      len: fc.integer({ min: 0, max: 700 }),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.array(pieceArb, { minLength: 1, maxLength: 40 }),
        fc.array(fc.integer({ min: 0, max: 3000 }), { maxLength: 5 }),
        (base, pieces, drainAt) => {
          const total = 3000;
          const stream = new Uint8Array(total);
          for (let i = 0; i < total; i++) stream[i] = (i * 13 + 5) & 255;
          const q = new ReassQueue();
          const covered = new Uint8Array(total + 1); // index total = FIN
          let delivered = 0; // bytes handed out so far (prefix)
          const out: number[] = [];
          let finSeen = false;
          const drainTo = (limitOff: number): void => {
            // The stack only drains at rcv_nxt; we simulate rcv_nxt advancing to limitOff by in-order data.
            while (delivered < limitOff && covered[delivered] === 0) {
              covered[delivered] = 1;
              out.push(stream[delivered] as number);
              delivered++;
            }
            const d = q.drain(seqAdd(base, delivered));
            for (const c of d.chunks) for (const b of c) out.push(b);
            delivered += d.bytes;
            if (d.fin) finSeen = true;
          };
          pieces.forEach((p, i) => {
            const end = Math.min(total, p.off + p.len);
            const fin = end === total && i % 2 === 0;
            if (p.off < delivered) return; // the stack trims these before queueing
            q.insert(seqAdd(base, p.off), stream.subarray(p.off, end), fin);
            for (let k = p.off; k < end; k++) covered[k] = 1;
            if (fin) covered[total] = 1;
            // invariants
            let sum = 0;
            q.entries.forEach((e, j) => {
              sum += e.data.length;
              const next = q.entries[j + 1];
              if (next !== undefined)
                expect(
                  seqLt(seqAdd(e.seq, e.data.length - 1), next.seq) || e.data.length === 0,
                ).toBe(true);
              expect(seqDiff(e.seq, base)).toBeGreaterThanOrEqual(delivered);
              const off = seqDiff(e.seq, base);
              expect(Array.from(e.data)).toEqual(
                Array.from(stream.subarray(off, off + e.data.length)),
              );
            });
            expect(q.bytes).toBe(sum);
            const at = drainAt[i];
            if (at !== undefined) drainTo(at);
          });
          drainTo(0);
          // Reference: everything up to the first uncovered byte.
          let prefix = delivered;
          while (prefix < total && covered[prefix] === 1) prefix++;
          expect(delivered).toBe(prefix);
          expect(out).toEqual(Array.from(stream.subarray(0, delivered)));
          if (finSeen) expect(delivered).toBe(total);
          if (delivered === total && covered[total] === 1 && !finSeen) {
            // FIN was queued but not yet drained: draining again must report it.
            expect(q.drain(seqAdd(base, total)).fin).toBe(true);
          }
        },
      ),
      { numRuns: 100, seed: 9 },
    );
  });
});
