// A growable byte buffer that is appended at the end and consumed from the front: the
// reassembly buffer of a byte stream (KKCM channels, the stream verifier, the
// identical-data checker's window). Grows by doubling; consume() moves the rest down.
/** Big-endian reads from a byte array; callers check bounds first. */
export function rd16(b: Uint8Array, at: number): number {
  return ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0);
}

export function rd32(b: Uint8Array, at: number): number {
  return (
    (((b[at] ?? 0) << 24) |
      ((b[at + 1] ?? 0) << 16) |
      ((b[at + 2] ?? 0) << 8) |
      (b[at + 3] ?? 0)) >>>
    0
  );
}

/** Big-endian write of an unsigned 16-bit value. */
export function wr16(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 8) & 0xff;
  b[at + 1] = v & 0xff;
}

/** Big-endian write of an unsigned 32-bit value. */
export function wr32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}

export class ByteQueue {
  buf: Uint8Array;
  len = 0;

  constructor(initial = 4096) {
    this.buf = new Uint8Array(initial);
  }

  append(data: Uint8Array): void {
    if (this.buf.length - this.len < data.length) {
      const n = new Uint8Array(Math.max(this.buf.length * 2, this.len + data.length));
      n.set(this.buf.subarray(0, this.len));
      this.buf = n;
    }
    this.buf.set(data, this.len);
    this.len += data.length;
  }

  /** Drops the first n bytes. */
  consume(n: number): void {
    if (n <= 0) return;
    this.buf.copyWithin(0, n, this.len);
    this.len -= n;
  }

  clear(): void {
    this.len = 0;
  }
}
