// A growable big-endian byte writer for the BGP encoders. Writing a value that does not fit
// its field is a bug in the caller (our own data), so it throws a RangeError naming the
// field, as model/net/packet.ts does; received bytes never pass through here.
export class ByteWriter {
  private buf = new Uint8Array(64);
  len = 0;

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  u8(v: number, field: string): this {
    check(v, 0xff, field);
    this.reserve(1);
    this.buf[this.len++] = v;
    return this;
  }

  u16(v: number, field: string): this {
    check(v, 0xffff, field);
    this.reserve(2);
    this.buf[this.len++] = v >>> 8;
    this.buf[this.len++] = v & 0xff;
    return this;
  }

  u32(v: number, field: string): this {
    check(v, 0xffffffff, field);
    this.reserve(4);
    this.buf[this.len++] = v >>> 24;
    this.buf[this.len++] = (v >>> 16) & 0xff;
    this.buf[this.len++] = (v >>> 8) & 0xff;
    this.buf[this.len++] = v & 0xff;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.reserve(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  /** Overwrites a 16-bit field written earlier (a length known only afterwards). */
  patch16(at: number, v: number, field: string): void {
    check(v, 0xffff, field);
    if (at < 0 || at + 2 > this.len) throw new RangeError(`ByteWriter.patch16: ${at} out of range`);
    this.buf[at] = v >>> 8;
    this.buf[at + 1] = v & 0xff;
  }

  patch8(at: number, v: number, field: string): void {
    check(v, 0xff, field);
    if (at < 0 || at + 1 > this.len) throw new RangeError(`ByteWriter.patch8: ${at} out of range`);
    this.buf[at] = v;
  }

  toBytes(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

function check(v: number, max: number, field: string): void {
  if (!Number.isInteger(v) || v < 0 || v > max)
    throw new RangeError(`bgp encode: ${field} = ${v} is not an integer in 0..${max}`);
}
