// Proves that the verifiable stream application (model/app/stream.ts) generates records deterministically per (key, recno) within the size range, that StreamVerifier accepts a good stream however it is chunked and reports gap, duplicate, reorder, corrupt and framing defects at the right byte offsets, and that StreamWriter and StreamVerifier resume byte-exactly from any offset.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  RECORD_BYTES_MAX,
  RECORD_BYTES_MIN,
  RECORD_HEADER_BYTES,
  RecordSource,
  StreamVerifier,
  StreamWriter,
} from '../../model/app/stream.ts';

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The bytes of records `recnos` of `src`, in that order. */
function records(src: RecordSource, recnos: readonly number[]): Uint8Array {
  return concat(recnos.map((r) => src.record(r)));
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Cuts `bytes` at the given fractions (each in [0, 1]) into consecutive chunks. */
function cut(bytes: Uint8Array, fractions: readonly number[]): Uint8Array[] {
  const points = [...new Set(fractions.map((f) => Math.floor(f * bytes.length)))].sort(
    (a, b) => a - b,
  );
  const chunks: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    chunks.push(bytes.subarray(prev, p));
    prev = p;
  }
  return chunks;
}

describe('RecordSource', () => {
  it('is a pure function of (key, recno): two sources with the same key agree byte for byte', () => {
    const a = new RecordSource('pa/0/peer', 64, 1460);
    const b = new RecordSource('pa/0/peer', 64, 1460);
    for (const r of [0, 1, 2, 17, 1000, 123_456]) expect(b.record(r)).toEqual(a.record(r));
    // Asking out of order gives the same bytes.
    expect(a.record(5)).toEqual(new RecordSource('pa/0/peer', 64, 1460).record(5));
  });

  it('differs between keys and between record numbers', () => {
    const a = new RecordSource('pa/0/peer', 64, 1460);
    const b = new RecordSource('pa/0/router', 64, 1460);
    expect(b.record(0)).not.toEqual(a.record(0));
    expect(a.record(1)).not.toEqual(a.record(0));
  });

  it('frames each record: length, recno, content id, in network byte order; matches() is byte-exact', () => {
    const src = new RecordSource('k', 20, 300);
    const other = new RecordSource('k2', 20, 300);
    // Records 0-3 have sizes of every remainder modulo 4 (the tail after the word loop).
    const recnos = [0, 1, 2, 3, 7, 99];
    for (const r of recnos) {
      const rec = src.record(r);
      const dv = new DataView(rec.buffer, rec.byteOffset);
      expect(dv.getUint32(0)).toBe(rec.length);
      expect(rec.length).toBe(src.size(r));
      expect(dv.getUint32(4)).toBe(r);
      expect(src.matches(rec, r)).toBe(true);
      expect(src.matches(rec, r + 1)).toBe(false);
      expect(other.matches(rec, r)).toBe(false);
      // Any single flipped bit, header or content, is seen, wherever the record lies in
      // its buffer (matches compares four bytes at a time, then the tail).
      for (const lead of [0, 1, 2, 3]) {
        const placed = new Uint8Array(lead + rec.length);
        placed.set(rec, lead);
        const view = placed.subarray(lead);
        expect(src.matches(view, r), `at buffer offset ${lead}`).toBe(true);
        for (let at = 0; at < rec.length; at++) {
          view[at] = (view[at] as number) ^ 0x10;
          expect(src.matches(view, r), `byte ${at}, buffer offset ${lead}`).toBe(false);
          view[at] = (view[at] as number) ^ 0x10;
        }
      }
    }
    expect(new Set(recnos.map((r) => src.size(r) % 4)).size).toBe(4);
  });

  it('keeps sizes within [min, max] and uses the range (property)', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.integer({ min: RECORD_BYTES_MIN, max: 3000 }),
        fc.integer({ min: 0, max: 3000 }),
        (key, min, span) => {
          const src = new RecordSource(key, min, min + span);
          const sizes = range(200).map((r) => src.size(r));
          expect(sizes.every((s) => s >= min && s <= min + span)).toBe(true);
          if (span >= 10) expect(new Set(sizes).size).toBeGreaterThan(1);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('rejects impossible size ranges', () => {
    expect(() => new RecordSource('k', RECORD_BYTES_MIN - 1, 100)).toThrow(RangeError);
    expect(() => new RecordSource('k', 100, 99)).toThrow(RangeError);
    expect(() => new RecordSource('k', 100, RECORD_BYTES_MAX + 1)).toThrow(RangeError);
  });

  it('locates any offset: record number and offset within it', () => {
    const src = new RecordSource('k', 13, 40);
    const s0 = src.size(0);
    const s1 = src.size(1);
    expect(src.locate(0)).toEqual({ recno: 0, within: 0 });
    expect(src.locate(s0 - 1)).toEqual({ recno: 0, within: s0 - 1 });
    expect(src.locate(s0)).toEqual({ recno: 1, within: 0 });
    expect(src.locate(s0 + s1 + 3)).toEqual({ recno: 2, within: 3 });
  });
});

describe('StreamVerifier', () => {
  it('accepts a good stream cut into arbitrary chunks (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 40 }),
        fc.string({ maxLength: 8 }),
        (n, fractions, key) => {
          const src = new RecordSource(key, 13, 400);
          const stream = records(src, range(n));
          const v = new StreamVerifier(src);
          for (const c of cut(stream, fractions)) expect(v.push(c)).toEqual([]);
          expect(v.errors).toEqual([]);
          expect(v.records).toBe(n);
          expect(v.nextRecno).toBe(n);
          expect(v.bytes).toBe(stream.length);
          expect(v.offset).toBe(stream.length);
        },
      ),
      { numRuns: 200 },
    );
  });

  const src = new RecordSource('pa/0/router', 13, 200);
  const size = (r: number): number => src.size(r);

  it('reports a gap at the offset of the first record after it', () => {
    const v = new StreamVerifier(src);
    v.push(records(src, [0, 1, 3, 4]));
    expect(v.errors).toEqual([{ kind: 'gap', offset: size(0) + size(1), expected: 2, got: 3 }]);
    expect(v.nextRecno).toBe(5);
  });

  it('reports a duplicate (the previous record again)', () => {
    const v = new StreamVerifier(src);
    v.push(records(src, [0, 1, 1, 2]));
    expect(v.errors).toEqual([
      { kind: 'duplicate', offset: size(0) + size(1), expected: 2, got: 1 },
    ]);
    // The stream goes on from where it was.
    expect(v.nextRecno).toBe(3);
  });

  it('reports a reorder (an older record than the previous one)', () => {
    const v = new StreamVerifier(src);
    v.push(records(src, [0, 1, 2, 0, 3]));
    expect(v.errors).toEqual([
      { kind: 'reorder', offset: size(0) + size(1) + size(2), expected: 3, got: 0 },
    ]);
    expect(v.nextRecno).toBe(4);
  });

  it('reports a corrupt record (one content byte flipped) at its start', () => {
    const bad = src.record(1);
    bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 0xff;
    const v = new StreamVerifier(src);
    v.push(concat([src.record(0), bad, src.record(2)]));
    expect(v.errors).toEqual([{ kind: 'corrupt', offset: size(0), expected: 1, got: 1 }]);
    expect(v.records).toBe(3);
  });

  it('reports a corrupt record whose header carries the wrong record number', () => {
    const bad = src.record(1);
    new DataView(bad.buffer, bad.byteOffset).setUint32(4, 7);
    const v = new StreamVerifier(src);
    v.push(concat([src.record(0), bad]));
    expect(v.errors).toEqual([{ kind: 'corrupt', offset: size(0), expected: 1, got: 7 }]);
  });

  it('reports framing once on an impossible length and ignores everything after it', () => {
    const v = new StreamVerifier(src);
    const garbage = new Uint8Array(RECORD_HEADER_BYTES); // length 0
    expect(v.push(concat([src.record(0), src.record(1), garbage]))).toEqual([
      { kind: 'framing', offset: size(0) + size(1), expected: 2, got: 0 },
    ]);
    expect(v.push(records(src, [2, 3]))).toEqual([]);
    expect(v.errors).toHaveLength(1);
    expect(v.records).toBe(2);
    // Bytes are still counted.
    expect(v.bytes).toBe(size(0) + size(1) + RECORD_HEADER_BYTES + size(2) + size(3));
  });

  it('waits for a whole header and a whole record before judging', () => {
    const v = new StreamVerifier(src);
    const rec = src.record(0);
    expect(v.push(rec.subarray(0, 5))).toEqual([]);
    expect(v.push(rec.subarray(5, rec.length - 1))).toEqual([]);
    expect(v.records).toBe(0);
    v.push(rec.subarray(rec.length - 1));
    expect(v.records).toBe(1);
    expect(v.errors).toEqual([]);
  });

  it('resumeAt(offset) verifies from any offset, mid-record included (property)', () => {
    const s = new RecordSource('pb/3/peer', 13, 300);
    const stream = records(s, range(20));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: stream.length }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 10 }),
        (offset, fractions) => {
          const v = new StreamVerifier(s);
          v.resumeAt(offset);
          for (const c of cut(stream.subarray(offset), fractions)) v.push(c);
          expect(v.errors).toEqual([]);
          const { recno, within } = s.locate(offset);
          expect(v.records).toBe(20 - recno - (within > 0 ? 1 : 0));
          expect(v.nextRecno).toBe(20);
          expect(v.bytes).toBe(stream.length);
          expect(v.offset).toBe(stream.length);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('resumeAt(offset) mid-record still catches a defect right after the skipped tail', () => {
    const offset = size(0) + 5; // inside record 1
    const v = new StreamVerifier(src);
    v.resumeAt(offset);
    v.push(concat([src.record(1).subarray(5), src.record(3)]));
    expect(v.errors).toEqual([{ kind: 'gap', offset: size(0) + size(1), expected: 2, got: 3 }]);
  });
});

describe('StreamWriter', () => {
  /** Drains the writer's backlog, producing records until `total` bytes were written; `accept` caps each write. */
  function drain(
    w: StreamWriter,
    total: number,
    accept: () => number = () => Infinity,
  ): Uint8Array {
    const out: Uint8Array[] = [];
    for (let guard = 0; w.offset < total; guard++) {
      if (guard > 100_000) throw new Error('writer made no progress');
      if (w.backlog === 0) w.produce();
      w.flush((b) => {
        const n = Math.min(b.length, accept(), total - w.offset);
        out.push(b.slice(0, n));
        return n;
      });
    }
    return concat(out);
  }

  it('produces exactly the records of its source, in order', () => {
    const s = new RecordSource('pa/1/router', 13, 500);
    const w = new StreamWriter(s);
    const all = records(s, range(10));
    expect(drain(w, all.length)).toEqual(all);
    expect(w.records).toBe(10);
    expect(w.backlog).toBe(0);
  });

  it('refuses produce() while a backlog is pending', () => {
    const w = new StreamWriter(new RecordSource('k', 13, 100));
    w.produce();
    w.flush(() => 3);
    expect(w.backlog).toBeGreaterThan(0);
    expect(() => w.produce()).toThrow(/backlog/);
  });

  it('resumeAt(offset) continues the stream byte-exactly: bytes before + bytes after == the uninterrupted stream (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 8 }),
        fc.integer({ min: 1, max: 25 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.array(fc.integer({ min: 0, max: 700 }), { minLength: 1, maxLength: 20 }),
        (key, n, where, accepts) => {
          const s = new RecordSource(key, 13, 600);
          const all = records(s, range(n));
          const offset = Math.min(all.length, Math.floor(where * all.length));
          let k = 0;
          // A socket that accepts varying amounts per write (0 included), never stuck.
          const accept = (): number => Math.max(1, accepts[k++ % accepts.length] as number);
          const before = drain(new StreamWriter(s), offset, accept);
          const w = new StreamWriter(s);
          w.resumeAt(offset);
          expect(w.offset).toBe(offset);
          const after = drain(w, all.length, accept);
          expect(concat([before, after])).toEqual(all);
          expect(w.records).toBe(n);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("resumeAt on a record boundary has no backlog; mid-record the backlog is the record's tail", () => {
    const s = new RecordSource('k', 13, 300);
    const w = new StreamWriter(s);
    w.resumeAt(s.size(0));
    expect(w.backlog).toBe(0);
    w.resumeAt(s.size(0) + 4);
    expect(w.backlog).toBe(s.size(1) - 4);
    expect(w.records).toBe(2);
  });
});
