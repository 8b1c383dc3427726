// The streaming BGP decoder: takes the byte stream of one TCP connection in chunks of any
// size and hands out whole messages, checking each header (RFC 4271 §6.1) as soon as its
// 19 octets are in. It never throws: a header error is returned once and the framer stays
// broken (the session ends with the NOTIFICATION the error carries; nothing after a lost
// message boundary can be trusted). Bodies are decoded by the caller (message.ts
// decodeBody), because how an UPDATE decodes depends on what the OPENs negotiated.
//
// It counts the stream offset of the message boundary it stands on (consumed) and can
// hand out the octets of a message it holds only partly: the sync point a late NSR
// snooper resumes from (engine contract: syncPoint()/resume()).
import { HEADER_BYTES, type BgpError } from './defs.ts';
import { checkHeader, type Header } from './message.ts';

export type Frame =
  { ok: true; kind: Header['kind']; bytes: Uint8Array } | { ok: false; error: BgpError };

/** Bound on octets held undecoded; the engine drains every message it is given. */
export const FRAMER_BYTES_MAX = 64 << 20;

export class BgpFramer {
  private buf = new Uint8Array(8192);
  private start = 0;
  private end = 0;
  /** Stream offset of the first octet held: the octets of whole messages handed out. */
  consumed = 0;
  /** Octets pushed so far (stream offset of the next octet). */
  pushed = 0;
  /** The header error that broke the stream, once found. */
  error: BgpError | undefined;

  push(data: Uint8Array): void {
    this.pushed += data.length;
    if (this.error !== undefined || data.length === 0) return;
    if (this.end + data.length > this.buf.length) {
      const held = this.end - this.start;
      if (held + data.length > FRAMER_BYTES_MAX)
        throw new Error(`bgp framer: ${held + data.length} octets held, bound ${FRAMER_BYTES_MAX}`);
      if (held + data.length <= this.buf.length) {
        this.buf.copyWithin(0, this.start, this.end);
      } else {
        const next = new Uint8Array(2 * (held + data.length));
        next.set(this.buf.subarray(this.start, this.end), 0);
        this.buf = next;
      }
      this.start = 0;
      this.end = held;
    }
    this.buf.set(data, this.end);
    this.end += data.length;
  }

  /** The header of the next message, once its 19 octets are in and valid. */
  peek(): Header | undefined {
    if (this.error !== undefined || this.end - this.start < HEADER_BYTES) return undefined;
    const h = checkHeader(this.buf, this.start);
    return h.ok ? h.value : undefined;
  }

  /** The next whole message, a header error (once), or undefined until more octets arrive. */
  next(): Frame | undefined {
    if (this.error !== undefined) return undefined;
    if (this.end - this.start < HEADER_BYTES) return undefined;
    const h = checkHeader(this.buf, this.start);
    if (!h.ok) {
      this.error = h.error;
      return h;
    }
    if (this.end - this.start < h.value.length) return undefined;
    const bytes = this.buf.slice(this.start, this.start + h.value.length);
    this.start += h.value.length;
    this.consumed += h.value.length;
    if (this.consumed + (this.end - this.start) !== this.pushed)
      throw new Error(`bgp framer: consumed ${this.consumed} + held != pushed ${this.pushed}`);
    if (this.start === this.end) this.start = this.end = 0;
    return { ok: true, kind: h.value.kind, bytes };
  }

  /** Octets held and not yet handed out. */
  get held(): number {
    return this.end - this.start;
  }

  /** Gives up on the rest of the stream: nothing more is handed out (a snooper that cannot decode it). */
  abandon(error: BgpError): void {
    this.error = error;
    this.start = this.end = 0;
  }

  /** Octets of a message begun but not complete (a copy). */
  partial(): Uint8Array {
    return this.buf.slice(this.start, this.end);
  }

  /**
   * Starts at stream offset `offset` of a stream already under way, holding `partial`, the
   * octets of a message begun before it (a late snooper's initial sync).
   */
  resumeAt(offset: number, partial: Uint8Array): void {
    if (!Number.isSafeInteger(offset) || offset < partial.length)
      throw new Error(`bgp framer: resume at ${offset} with ${partial.length} partial octets`);
    this.reset();
    this.consumed = this.pushed = offset - partial.length;
    this.push(partial);
  }

  /** Forgets everything: a new connection's stream starts at offset 0. */
  reset(): void {
    this.start = this.end = 0;
    this.consumed = this.pushed = 0;
    this.error = undefined;
  }
}
