// The verifiable stream application, used at both ends of every session (the external
// peer's and the router's). Each side writes framed records at a configurable rate and
// size distribution, reads at a configurable pace (with stalls), and verifies every
// record it receives.
//
// A record is: total length (u32), record number (u32), FNV-1a checksum of the content
// (u32), then content; network byte order. Its size and content are a pure function of
// (stream key, record number), so a reader can regenerate and compare every byte, and
// so an application that takes over a stream mid-record (the backup application after a
// failover, SPEC S-1/S-3) can continue from an exact byte offset. Only the instants at
// which records are produced come from the application's own RNG stream.
import type { Rng } from '../../sim/index.ts';
import { ByteQueue } from '../net/bytes.ts';

export const RECORD_HEADER_BYTES = 12;
export const RECORD_BYTES_MIN = RECORD_HEADER_BYTES + 1;
export const RECORD_BYTES_MAX = 1 << 20;

export interface TrafficSpec {
  /** Records per second produced by this side of one session; 0 = silent. */
  ratePerSec: number;
  /** Inclusive range of total record sizes in bytes. */
  sizeMin: number;
  sizeMax: number;
}

export interface ReadSpec {
  /** 0 = read everything as soon as it is readable; otherwise read this much per tick. */
  chunkBytes: number;
  intervalNs: number;
}

export const EAGER_READ: ReadSpec = { chunkBytes: 0, intervalNs: 0 };

function fnv1a(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    h ^= bytes[i] as number;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Deterministic record generator for one direction of one session. */
export class RecordSource {
  private readonly keyHash: number;
  constructor(
    readonly key: string,
    private readonly sizeMin: number,
    private readonly sizeMax: number,
  ) {
    if (!(sizeMin >= RECORD_BYTES_MIN && sizeMax >= sizeMin && sizeMax <= RECORD_BYTES_MAX)) {
      throw new RangeError(
        `record sizes must satisfy ${RECORD_BYTES_MIN} <= min <= max <= ${RECORD_BYTES_MAX}, got [${sizeMin}, ${sizeMax}]`,
      );
    }
    this.keyHash = hashString(key);
  }

  private state(recno: number): number {
    let x = (this.keyHash ^ Math.imul(recno + 1, 0x9e3779b1)) >>> 0;
    if (x === 0) x = 0x6d2b79f5;
    return x;
  }

  /** Total size of record `recno`, header included. */
  size(recno: number): number {
    const span = this.sizeMax - this.sizeMin + 1;
    let x = this.state(recno);
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return this.sizeMin + ((x >>> 0) % span);
  }

  /** The full bytes of record `recno`. */
  record(recno: number): Uint8Array {
    const size = this.size(recno);
    const out = new Uint8Array(size);
    let x = this.state(recno) ^ 0xa5a5a5a5;
    if (x === 0) x = 1;
    for (let i = RECORD_HEADER_BYTES; i < size; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      out[i] = x & 0xff;
    }
    const dv = new DataView(out.buffer);
    dv.setUint32(0, size);
    dv.setUint32(4, recno);
    dv.setUint32(8, fnv1a(out, RECORD_HEADER_BYTES, size));
    return out;
  }

  /** Where byte offset `offset` of the stream falls: record number and offset inside it. */
  locate(offset: number): { recno: number; within: number } {
    let recno = 0;
    let at = 0;
    for (;;) {
      const s = this.size(recno);
      if (at + s > offset) return { recno, within: offset - at };
      at += s;
      recno++;
    }
  }
}

export type VerifyErrorKind = 'gap' | 'duplicate' | 'reorder' | 'corrupt' | 'framing';

export interface VerifyError {
  kind: VerifyErrorKind;
  /** Byte offset in the received stream where the bad record starts. */
  offset: number;
  expected: number;
  got: number;
}

/** Checks a received byte stream record by record against its RecordSource. */
export class StreamVerifier {
  private readonly rx = new ByteQueue(0);
  /** Bytes consumed into complete records. */
  offset = 0;
  bytes = 0;
  nextRecno = 0;
  records = 0;
  readonly errors: VerifyError[] = [];
  private broken = false;
  /** Bytes still to skip: the tail of a record that began before resumeAt()'s offset. */
  private skip = 0;

  constructor(private readonly source: RecordSource) {}

  /** Starts verifying at stream offset `offset` (a snooping application's initial sync). */
  resumeAt(offset: number): void {
    const { recno, within } = this.source.locate(offset);
    this.bytes = offset;
    this.rx.clear();
    if (within === 0) {
      this.offset = offset;
      this.nextRecno = recno;
      this.skip = 0;
    } else {
      this.skip = this.source.size(recno) - within;
      this.offset = offset + this.skip;
      this.nextRecno = recno + 1;
    }
  }

  /** Feeds received bytes; returns the errors found in this call. */
  push(data: Uint8Array): VerifyError[] {
    this.bytes += data.length;
    if (this.broken) return [];
    if (this.skip > 0) {
      const n = Math.min(this.skip, data.length);
      this.skip -= n;
      data = data.subarray(n);
      if (data.length === 0) return [];
    }
    this.rx.append(data);
    const found: VerifyError[] = [];
    let pos = 0;
    while (this.rx.len - pos >= RECORD_HEADER_BYTES) {
      const dv = new DataView(this.rx.buf.buffer, this.rx.buf.byteOffset + pos);
      const len = dv.getUint32(0);
      const recno = dv.getUint32(4);
      if (len < RECORD_BYTES_MIN || len > RECORD_BYTES_MAX) {
        found.push({ kind: 'framing', offset: this.offset, expected: this.nextRecno, got: recno });
        this.broken = true;
        break;
      }
      if (this.rx.len - pos < len) break;
      const rec = this.rx.buf.subarray(pos, pos + len);
      const err = this.check(rec, recno);
      if (err !== undefined) found.push(err);
      this.offset += len;
      pos += len;
      this.records++;
    }
    this.rx.consume(pos);
    this.errors.push(...found);
    return found;
  }

  private check(rec: Uint8Array, recno: number): VerifyError | undefined {
    const expected = this.nextRecno;
    const want = this.source.record(recno);
    if (want.length !== rec.length || !bytesEqual(want, rec)) {
      this.nextRecno = recno + 1;
      return { kind: 'corrupt', offset: this.offset, expected, got: recno };
    }
    if (recno === expected) {
      this.nextRecno++;
      return undefined;
    }
    if (recno > expected) {
      this.nextRecno = recno + 1;
      return { kind: 'gap', offset: this.offset, expected, got: recno };
    }
    return {
      kind: recno === expected - 1 ? 'duplicate' : 'reorder',
      offset: this.offset,
      expected,
      got: recno,
    };
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Produces the outgoing byte stream record by record, from any starting offset. */
export class StreamWriter {
  /** Bytes handed to the socket so far (the stream offset). */
  offset = 0;
  records = 0;
  private recno = 0;
  private pending: Uint8Array | undefined;
  private pendingPos = 0;

  constructor(readonly source: RecordSource) {}

  /** Continues the stream at byte `offset` (takeover: SPEC S-1). */
  resumeAt(offset: number): void {
    const { recno, within } = this.source.locate(offset);
    this.offset = offset;
    this.recno = recno;
    this.records = recno;
    if (within > 0) {
      this.pending = this.source.record(recno);
      this.pendingPos = within;
      this.recno++;
      this.records++;
    } else {
      this.pending = undefined;
      this.pendingPos = 0;
    }
  }

  /** Bytes produced but not yet accepted by the socket. */
  get backlog(): number {
    return this.pending === undefined ? 0 : this.pending.length - this.pendingPos;
  }

  /** Produces one more record into the backlog (call only when the backlog is empty). */
  produce(): void {
    if (this.pending !== undefined) throw new Error('stream writer: produce() with a backlog');
    this.pending = this.source.record(this.recno++);
    this.pendingPos = 0;
    this.records++;
  }

  /**
   * Offers the backlog to `write` (which returns how many bytes it accepted);
   * returns the bytes accepted.
   */
  flush(write: (bytes: Uint8Array) => number): number {
    if (this.pending === undefined) return 0;
    const chunk = this.pending.subarray(this.pendingPos);
    const n = write(chunk);
    this.pendingPos += n;
    this.offset += n;
    if (this.pendingPos >= this.pending.length) {
      this.pending = undefined;
      this.pendingPos = 0;
    }
    return n;
  }
}

/** Poisson arrivals at `ratePerSec`: the next inter-record gap in ns (>= 1). */
export function nextGapNs(rng: Rng, ratePerSec: number): number {
  return Math.max(1, rng.exponentialInt(1e9 / ratePerSec));
}
