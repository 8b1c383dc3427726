// A growable byte buffer that is appended at the end and consumed from the front: the
// reassembly buffer of a byte stream (KKCM channels, the stream verifier, the
// identical-data checker's window). Grows by doubling; consume() moves the rest down.
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
