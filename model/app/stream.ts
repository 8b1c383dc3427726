// The verifiable stream application, used at both ends of every session (the external
// peer's and the router's). Each side writes framed records at a configurable rate and
// size distribution, reads at a configurable pace (with stalls), and verifies every
// record it receives.
//
// A record is: total length (u32), record number (u32), content id (u32), then content;
// network byte order. Its size and content are a pure function of (stream key, record
// number), so a reader can regenerate and compare every byte, and so an application that
// takes over a stream mid-record (the backup application after a failover, SPEC S-1/S-3)
// can continue from an exact byte offset. Only the instants at which records are
// produced come from the application's own RNG stream.
//
// The content is a window of one pseudo-random tape shared by every stream (TAPE, built
// once from a fixed seed): the content id says where the window starts, mixed with the
// stream key, so a record of another stream never passes for this one. Producing a
// record is one copy from the tape and verifying one comparison with it, instead of a
// pseudo-random generator run per byte twice (issue 18: the stream application cost
// more than the TCP it drives).
import type { Rng } from '../../sim/index.ts';
import { ByteQueue, allocBytes, rd32, wr32 } from '../net/bytes.ts';

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

/** Distinct window starts on the tape (a power of two). */
const TAPE_WINDOWS = 1 << 16;

/** The shared tape: TAPE_WINDOWS + the longest content, xorshift32 bytes from a fixed seed. */
let tape = new Uint8Array(0);

function tapeFor(contentBytes: number): Uint8Array {
  const need = TAPE_WINDOWS + contentBytes;
  if (tape.length >= need) return tape;
  const t = new Uint8Array(Math.max(need, 2 * tape.length));
  let x = 0x2545f491;
  for (let i = 0; i < t.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    t[i] = x & 0xff;
  }
  tape = t;
  return t;
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
  private readonly tape: Uint8Array;
  private readonly tapeView: DataView;
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
    this.tape = tapeFor(sizeMax - RECORD_HEADER_BYTES);
    this.tapeView = new DataView(this.tape.buffer, this.tape.byteOffset, this.tape.byteLength);
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

  /** Where record `recno`'s content starts on the tape. */
  private window(recno: number): number {
    return Math.imul(this.state(recno), 0x85ebca6b) >>> 16;
  }

  /** The header's third word: the window start mixed with the stream key. */
  private contentId(recno: number): number {
    return (this.window(recno) ^ this.keyHash) >>> 0;
  }

  /** The full bytes of record `recno`, in a fresh array. */
  record(recno: number): Uint8Array {
    const size = this.size(recno);
    // A fresh array (a send buffer keeps it by reference, as long as the peer does not
    // read), carved from a slab (allocBytes): one held record keeps its slab alive.
    const out = allocBytes(size);
    const w = this.window(recno);
    out.set(this.tape.subarray(w, w + size - RECORD_HEADER_BYTES), RECORD_HEADER_BYTES);
    wr32(out, 0, size);
    wr32(out, 4, recno);
    wr32(out, 8, this.contentId(recno));
    return out;
  }

  /** True when `rec` is exactly record `recno` (header and every content byte). */
  matches(rec: Uint8Array, recno: number): boolean {
    const size = this.size(recno);
    if (rec.length !== size) return false;
    if (rd32(rec, 0) !== size || rd32(rec, 4) !== recno) return false;
    if (rd32(rec, 8) !== this.contentId(recno)) return false;
    const t = this.tape;
    const d = this.window(recno) - RECORD_HEADER_BYTES;
    // Four bytes a comparison (a third of the time of a byte loop), then the tail.
    const rv = new DataView(rec.buffer, rec.byteOffset, size);
    const tv = this.tapeView;
    let i = RECORD_HEADER_BYTES;
    for (; i + 4 <= size; i += 4)
      if (rv.getUint32(i, true) !== tv.getUint32(d + i, true)) return false;
    for (; i < size; i++) if (rec[i] !== t[d + i]) return false;
    return true;
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
    // Whole records are checked where they lie; only an incomplete tail is buffered.
    const direct = this.rx.len === 0;
    if (!direct) this.rx.append(data);
    const buf = direct ? data : this.rx.buf.subarray(0, this.rx.len);
    const found: VerifyError[] = [];
    let pos = 0;
    while (buf.length - pos >= RECORD_HEADER_BYTES) {
      const len = rd32(buf, pos);
      const recno = rd32(buf, pos + 4);
      if (len < RECORD_BYTES_MIN || len > RECORD_BYTES_MAX) {
        found.push({ kind: 'framing', offset: this.offset, expected: this.nextRecno, got: recno });
        this.broken = true;
        break;
      }
      if (buf.length - pos < len) break;
      const err = this.check(buf.subarray(pos, pos + len), recno);
      if (err !== undefined) found.push(err);
      this.offset += len;
      pos += len;
      this.records++;
    }
    if (direct) {
      if (!this.broken && pos < data.length) this.rx.append(data.subarray(pos));
    } else this.rx.consume(pos);
    if (found.length > 0) this.errors.push(...found);
    return found;
  }

  private check(rec: Uint8Array, recno: number): VerifyError | undefined {
    const expected = this.nextRecno;
    if (!this.source.matches(rec, recno)) {
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
