// The TCP reassembly queue (BSD t_segq / tcp_reass): out-of-order segments held until
// the hole before them is filled. Entries are sorted by sequence number and never
// overlap: an arriving segment is trimmed against its predecessor (dropped if wholly
// covered) and trims or removes the successors it covers, as BSD's tcp_reass does.
// A FIN is remembered on the entry whose last byte it follows.
import { seqAdd, seqDiff, seqGt, seqLeq } from '../net/segment.ts';

export interface ReassEntry {
  seq: number;
  data: Uint8Array;
  fin: boolean;
}

export interface ReassDrain {
  /** In-order data now deliverable, in order. */
  chunks: Uint8Array[];
  /** Bytes in chunks. */
  bytes: number;
  /** The delivered run ended with the peer's FIN. */
  fin: boolean;
}

/** Bound on queued entries; beyond it new out-of-order segments are dropped. */
export const REASS_MAX_ENTRIES = 4096;

export class ReassQueue {
  /** Sorted, non-overlapping. Read-only for everyone but this class. */
  readonly entries: ReassEntry[] = [];
  private byteCount = 0;

  get length(): number {
    return this.entries.length;
  }

  /** Payload bytes held (for the P-11 accounting option of the NSR layer). */
  get bytes(): number {
    return this.byteCount;
  }

  /** Inserts a segment; returns false if it added nothing (duplicate or over the bound). */
  insert(seqIn: number, dataIn: Uint8Array, finIn: boolean): boolean {
    let seq = seqIn;
    let data = dataIn;
    const fin = finIn;
    const es = this.entries;
    // First entry starting after seq.
    let i = 0;
    while (i < es.length && seqLeq((es[i] as ReassEntry).seq, seq)) i++;
    const prev = i > 0 ? es[i - 1] : undefined;
    if (prev !== undefined) {
      const prevEnd = seqAdd(prev.seq, prev.data.length);
      const overlap = seqDiff(prevEnd, seq);
      if (overlap > 0) {
        if (overlap >= data.length) {
          if (fin && !prev.fin && prevEnd === seqAdd(seq, data.length)) {
            prev.fin = true;
            return true;
          }
          return false;
        }
        data = data.subarray(overlap);
        seq = seqAdd(seq, overlap);
      } else if (overlap === 0 && data.length === 0 && fin) {
        prev.fin = true;
        return true;
      }
    }
    if (es.length >= REASS_MAX_ENTRIES) return false;
    const end = seqAdd(seq, data.length);
    let carryFin = fin;
    while (i < es.length) {
      const next = es[i] as ReassEntry;
      const over = seqDiff(end, next.seq);
      if (over <= 0) break;
      if (over < next.data.length) {
        next.data = next.data.subarray(over);
        next.seq = seqAdd(next.seq, over);
        this.byteCount -= over;
        break;
      }
      // Wholly covered: drop it, keeping its FIN if it ended exactly where we end.
      if (next.fin && seqAdd(next.seq, next.data.length) === end) carryFin = true;
      this.byteCount -= next.data.length;
      es.splice(i, 1);
    }
    // A copy: the caller's payload may be a view into a buffer its host reuses.
    es.splice(i, 0, { seq, data: data.slice(), fin: carryFin });
    this.byteCount += data.length;
    return true;
  }

  /** Removes and returns the run of entries that starts at (or before) rcvNxt. */
  drain(rcvNxtIn: number): ReassDrain {
    let rcvNxt = rcvNxtIn;
    const out: ReassDrain = { chunks: [], bytes: 0, fin: false };
    const es = this.entries;
    while (es.length > 0) {
      const e = es[0] as ReassEntry;
      if (seqGt(e.seq, rcvNxt)) break;
      es.shift();
      this.byteCount -= e.data.length;
      const skip = seqDiff(rcvNxt, e.seq);
      if (skip > e.data.length || (skip === e.data.length && !e.fin)) continue; // stale
      const d = e.data.subarray(skip);
      if (d.length > 0) out.chunks.push(d);
      out.bytes += d.length;
      rcvNxt = seqAdd(rcvNxt, d.length);
      if (e.fin) {
        out.fin = true;
        this.clear();
        break;
      }
    }
    return out;
  }

  clear(): void {
    this.entries.length = 0;
    this.byteCount = 0;
  }
}
