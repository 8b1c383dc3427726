// Socket buffer (BSD struct sockbuf, reduced to what TCP uses): a FIFO byte queue with a
// high-water mark. Bytes are copied in on append, so callers may reuse their arrays.
// Storage is a list of chunks of at least CHUNK_BYTES that are filled before a new one is
// started, so a stream of tiny writes does not become a list of tiny arrays, and peek at
// an offset walks at most cc / CHUNK_BYTES chunks (MB-sized streams stay cheap).

const CHUNK_BYTES = 16384;
/** Consumed chunk slots are compacted away once there are this many. */
const COMPACT_AFTER = 64;

interface Chunk {
  buf: Uint8Array;
  /** First live byte. */
  start: number;
  /** One past the last written byte. */
  end: number;
}

export class SockBuf {
  /** High-water mark: sbspace() is hiwat - cc. May be changed at any time. */
  hiwat: number;
  private readonly chunks: Chunk[] = [];
  private head = 0;
  private count = 0;

  constructor(hiwat: number) {
    this.hiwat = hiwat;
  }

  /** Bytes held. */
  get cc(): number {
    return this.count;
  }

  /** Free space, never negative. */
  sbspace(): number {
    return Math.max(0, this.hiwat - this.count);
  }

  /** Appends a copy of all of `bytes` (the caller enforces hiwat). */
  append(bytes: Uint8Array): void {
    let src = 0;
    const n = bytes.length;
    const tail = this.chunks.length > this.head ? this.chunks[this.chunks.length - 1] : undefined;
    if (tail !== undefined && tail.end < tail.buf.length) {
      const k = Math.min(n, tail.buf.length - tail.end);
      tail.buf.set(bytes.subarray(0, k), tail.end);
      tail.end += k;
      src = k;
    }
    if (src < n) {
      const rest = n - src;
      const buf = new Uint8Array(Math.max(CHUNK_BYTES, rest));
      buf.set(bytes.subarray(src), 0);
      this.chunks.push({ buf, start: 0, end: rest });
    }
    this.count += n;
  }

  /** Removes n bytes from the front. */
  drop(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0 || n > this.count) {
      throw new RangeError(`SockBuf.drop(${n}) with cc=${this.count}`);
    }
    let left = n;
    while (left > 0) {
      const c = this.chunks[this.head];
      if (c === undefined) throw new Error('SockBuf: byte count out of step with chunks');
      const avail = c.end - c.start;
      if (left < avail) {
        c.start += left;
        left = 0;
      } else {
        left -= avail;
        this.head++;
      }
    }
    this.count -= n;
    if (this.count === 0) {
      this.chunks.length = 0;
      this.head = 0;
    } else if (this.head >= COMPACT_AFTER) {
      this.chunks.splice(0, this.head);
      this.head = 0;
    }
  }

  /** A copy of bytes [off, off + n) counted from the front; n is clipped to what is held. */
  peek(off: number, n: number): Uint8Array {
    if (!Number.isSafeInteger(off) || off < 0 || !Number.isSafeInteger(n) || n < 0) {
      throw new RangeError(`SockBuf.peek(${off}, ${n})`);
    }
    const len = Math.max(0, Math.min(n, this.count - off));
    const out = new Uint8Array(len);
    let skip = off;
    let w = 0;
    for (let i = this.head; i < this.chunks.length && w < len; i++) {
      const c = this.chunks[i] as Chunk;
      const avail = c.end - c.start;
      if (skip >= avail) {
        skip -= avail;
        continue;
      }
      const from = c.start + skip;
      const k = Math.min(c.end - from, len - w);
      out.set(c.buf.subarray(from, from + k), w);
      w += k;
      skip = 0;
    }
    return out;
  }

  /** peek(0, n) then drop of what was returned. */
  read(n: number): Uint8Array {
    const out = this.peek(0, n);
    this.drop(out.length);
    return out;
  }

  /** Discards everything. */
  flush(): void {
    this.chunks.length = 0;
    this.head = 0;
    this.count = 0;
  }
}
