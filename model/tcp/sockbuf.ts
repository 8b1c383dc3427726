// Socket buffer (BSD struct sockbuf, reduced to what TCP uses): a FIFO byte queue with a
// high-water mark, held as a list of chunks like BSD's mbuf chain. A write of SHARE_BYTES
// or more is kept by reference (an mbuf cluster, not a copy): the caller hands the array
// over and must not modify it afterwards (every producer in the model writes a fresh
// array: a generated record, a decoded packet's payload, a decoded message). Smaller
// writes are copied into owned chunks, filled before a new one is started, so a stream of
// tiny writes does not become a list of tiny arrays; a chunk starts at FIRST_CHUNK_BYTES
// and doubles up to CHUNK_BYTES while the buffer holds data (a socket that drains after
// every small write never zero-fills a large chunk per write). peek() returns a view
// when the range lies in one chunk (the usual case: a segment of one record) and a copy
// only across chunks; the bytes of a view never change. A cursor remembers the chunk of
// the last peek, so TCP's output, which peeks further and further in, does not walk the
// chain from its head every time (issue 18: copying payload bytes per hop cost more than
// the TCP that moved them).

import { allocBytes } from '../net/bytes.ts';

const CHUNK_BYTES = 16384;
/** An owned chunk starts this small and doubles while the buffer stays non-empty. */
const FIRST_CHUNK_BYTES = 256;
/** Writes at least this long are kept by reference. */
const SHARE_BYTES = 256;
/** Consumed chunk slots are compacted away once there are this many. */
const COMPACT_AFTER = 64;
const EMPTY = new Uint8Array(0);

interface Chunk {
  buf: Uint8Array;
  /** First live byte. */
  start: number;
  /** One past the last written byte. */
  end: number;
  /** Stream position (bytes ever appended before it) of buf[start]. */
  pos: number;
  /** Filled by copies (more may be appended); false for an array kept by reference. */
  owned: boolean;
}

export class SockBuf {
  /** High-water mark: sbspace() is hiwat - cc. May be changed at any time. */
  hiwat: number;
  private readonly chunks: Chunk[] = [];
  private head = 0;
  private count = 0;
  /** Stream position of the first byte held (bytes ever dropped). */
  private base = 0;
  /** Index of the chunk the last peek started in (a hint; checked before use). */
  private cursor = 0;
  /** Capacity of the next owned chunk (small while writes are few and the buffer drains). */
  private nextCap = FIRST_CHUNK_BYTES;

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

  /**
   * Appends all of `bytes` (the caller enforces hiwat). An array of SHARE_BYTES or more is
   * kept by reference: the caller must not modify it afterwards.
   */
  append(bytes: Uint8Array): void {
    const n = bytes.length;
    if (n === 0) return;
    const pos = this.base + this.count;
    if (n >= SHARE_BYTES) {
      this.chunks.push({ buf: bytes, start: 0, end: n, pos, owned: false });
      this.count += n;
      return;
    }
    let src = 0;
    const tail = this.chunks.length > this.head ? this.chunks[this.chunks.length - 1] : undefined;
    if (tail !== undefined && tail.owned && tail.end < tail.buf.length) {
      const k = Math.min(n, tail.buf.length - tail.end);
      // The whole write fits the tail, the usual case: no view of it is made.
      tail.buf.set(k === n ? bytes : bytes.subarray(0, k), tail.end);
      tail.end += k;
      src = k;
    }
    if (src < n) {
      const rest = n - src;
      const cap = Math.max(rest, this.nextCap);
      this.nextCap = Math.min(CHUNK_BYTES, 2 * cap);
      const buf = allocBytes(cap);
      buf.set(src === 0 ? bytes : bytes.subarray(src), 0);
      this.chunks.push({ buf, start: 0, end: rest, pos: pos + src, owned: true });
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
        c.pos += left;
        left = 0;
      } else {
        left -= avail;
        this.head++;
      }
    }
    this.count -= n;
    this.base += n;
    if (this.count === 0) {
      this.chunks.length = 0;
      this.head = 0;
      this.cursor = 0;
      this.nextCap = FIRST_CHUNK_BYTES;
    } else if (this.head >= COMPACT_AFTER) {
      this.chunks.splice(0, this.head);
      this.cursor = Math.max(0, this.cursor - this.head);
      this.head = 0;
    }
  }

  /**
   * Bytes [off, off + n) counted from the front; n is clipped to what is held. A view when
   * they lie in one chunk, else a copy: do not modify the result.
   */
  peek(off: number, n: number): Uint8Array {
    if (!Number.isSafeInteger(off) || off < 0 || !Number.isSafeInteger(n) || n < 0) {
      throw new RangeError(`SockBuf.peek(${off}, ${n})`);
    }
    const len = Math.max(0, Math.min(n, this.count - off));
    if (len === 0) return EMPTY;
    const at = this.base + off;
    let i = this.chunkAt(at);
    let c = this.chunks[i] as Chunk;
    const from = c.start + (at - c.pos);
    if (from + len <= c.end) return c.buf.subarray(from, from + len);
    const out = allocBytes(len);
    let w = c.end - from;
    out.set(c.buf.subarray(from, c.end), 0);
    while (w < len) {
      c = this.chunks[++i] as Chunk;
      const k = Math.min(c.end - c.start, len - w);
      out.set(c.buf.subarray(c.start, c.start + k), w);
      w += k;
    }
    return out;
  }

  /** Index of the chunk holding stream position `at` (held), from the cursor when it is before. */
  private chunkAt(at: number): number {
    const hint = this.chunks[this.cursor];
    let i =
      this.cursor >= this.head && hint !== undefined && hint.pos <= at ? this.cursor : this.head;
    for (;;) {
      const c = this.chunks[i];
      if (c === undefined) throw new Error(`SockBuf: position ${at} is not held`);
      if (at < c.pos + (c.end - c.start)) break;
      i++;
    }
    this.cursor = i;
    return i;
  }

  /** peek(0, n) then drop of what was returned. */
  read(n: number): Uint8Array {
    const out = this.peek(0, n);
    this.drop(out.length);
    return out;
  }

  /** Discards everything. */
  flush(): void {
    this.base += this.count;
    this.chunks.length = 0;
    this.head = 0;
    this.count = 0;
    this.cursor = 0;
    this.nextCap = FIRST_CHUNK_BYTES;
  }
}
