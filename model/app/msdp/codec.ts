// The MSDP message codec (RFC 3618 §12): TLV encoders and a streaming decoder that takes
// the TCP byte stream in arbitrary chunks.
//
// §12.1 TLV: Type (8 bits), Length (16 bits, counting the 3 header bytes), Value. §12
// bounds a TLV at 9,192 bytes; one longer "SHOULD be accepted", its excess ignored, the
// session not reset. §12.2 assigns 1 IPv4 Source-Active, 2 SA-Request, 3 SA-Response,
// 4 KeepAlive, 5 reserved (formerly Notification), 6/7 MSDP traceroute; the RFC defines
// formats for SA and KeepAlive only (SA-Request/Response were dropped from the spec, as
// RFC 4624's MIB notes), so every other type is discarded by its length (§13: an
// unrecognized type is silently discarded, the session is not reset).
//
// §12.2.1 SA: Type 1, Length x + y with x = 8 + 12 × Entry Count, Entry Count (8 bits),
// RP Address (32), then per entry Reserved (24, zero on transmit, ignored on receipt),
// Sprefix Len (8, MUST be 32), Group Address, Source Address; y bytes of encapsulated
// data may follow (only with the last entry; we never send any and ignore any received).
// §12.2.2 KeepAlive: Type 4, Length 3.
//
// §13: a TLV format error resets the session. Format errors here: a length below the
// 3-byte header; an SA shorter than its fixed 8 bytes or than 8 + 12 × Entry Count; a
// KeepAlive whose length is not 3 (unless beyond 9,192, see above). After one, the stream
// has no trustworthy framing: the decoder reports it once, with the offending field and
// the stream offset of the TLV, and reads nothing more. A Sprefix Len other than 32 is not
// a framing problem: that entry is dropped and reported, the rest of the SA stands (FRR
// does the same). Decoding never throws; encoding throws a RangeError on a caller bug.
import { ByteQueue, rd16, rd32 } from '../../net/bytes.ts';
import type { Ipv4 } from '../../net/segment.ts';

export const TLV_TYPE = {
  sa: 1,
  saRequest: 2,
  saResponse: 3,
  keepAlive: 4,
  reserved: 5,
  traceInProgress: 6,
  traceReply: 7,
} as const;

export const TLV_HEADER_BYTES = 3;
/** RFC 3618 §12: the maximum TLV length. */
export const TLV_BYTES_MAX = 9192;
/** The 16-bit length field's reach: the most the decoder ever buffers for one TLV. */
export const TLV_LENGTH_FIELD_MAX = 0xffff;
export const SA_FIXED_BYTES = 8;
export const SA_ENTRY_BYTES = 12;
/** Entry Count is 8 bits. */
export const SA_ENTRIES_MAX = 255;
export const SA_SPREFIX_LEN = 32;
export const KEEPALIVE_BYTES = 3;

export interface SaPair {
  group: Ipv4;
  source: Ipv4;
}

export interface EntryIssue {
  /** Index of the entry in the TLV. */
  index: number;
  field: 'sa.sprefixLen';
  value: number;
}

export interface SaMessage {
  type: 'sa';
  rp: Ipv4;
  /** The entries kept (those with Sprefix Len 32), in TLV order. */
  entries: SaPair[];
  /** Entry Count as received. */
  entryCount: number;
  /** Bytes after the entries: encapsulated data (§12.2.1 y), or an overlong tail. */
  trailingBytes: number;
  dropped: EntryIssue[];
  /** Longer than TLV_BYTES_MAX: accepted, excess ignored (§12). */
  overlong: boolean;
}

export interface KeepAliveMessage {
  type: 'keepalive';
  overlong: boolean;
}

/** Any other TLV type: discarded by its length (§13). */
export interface OtherTlv {
  type: 'other';
  code: number;
  length: number;
}

export type MsdpMessage = SaMessage | KeepAliveMessage | OtherTlv;

export type FormatField = 'tlv.length' | 'sa.length' | 'sa.entryCount' | 'keepalive.length';

export interface FormatError {
  field: FormatField;
  /** The TLV's type code. */
  code: number;
  /** The TLV's length field. */
  length: number;
  /** Stream offset of the TLV's first byte. */
  offset: number;
  detail: string;
}

export type DecodeEvent =
  | { kind: 'message'; message: MsdpMessage; offset: number; raw: Uint8Array }
  | { kind: 'format-error'; error: FormatError };

// ---------------------------------------------------------------------------- encoding

function checkAddr(field: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff)
    throw new RangeError(`msdp encode: ${field} = ${v} is not an IPv4 address`);
}

/** A TLV with the given type and value; Length = 3 + value length (§12.1). */
export function encodeTlv(code: number, value: Uint8Array): Uint8Array {
  if (!Number.isInteger(code) || code < 0 || code > 255)
    throw new RangeError(`msdp encode: type ${code} is not 8 bits`);
  const len = TLV_HEADER_BYTES + value.length;
  if (len > TLV_LENGTH_FIELD_MAX) throw new RangeError(`msdp encode: TLV of ${len} bytes`);
  return encodeRawTlv(code, len, value);
}

/** A TLV header with any Length field, followed by `body` (malformed TLVs for tests). */
export function encodeRawTlv(code: number, lengthField: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(TLV_HEADER_BYTES + body.length);
  out[0] = code & 0xff;
  out[1] = (lengthField >>> 8) & 0xff;
  out[2] = lengthField & 0xff;
  out.set(body, TLV_HEADER_BYTES);
  return out;
}

/** §12.2.2: the 3-byte KeepAlive. */
export function encodeKeepAlive(): Uint8Array {
  return Uint8Array.of(TLV_TYPE.keepAlive, 0, KEEPALIVE_BYTES);
}

/** Bytes of an SA TLV with `n` entries and no encapsulated data. */
export function saBytes(n: number): number {
  return SA_FIXED_BYTES + SA_ENTRY_BYTES * n;
}

/**
 * §12.2.1: one SA TLV. `sprefixLen` is 32 except for malformed-input tests; `data` is
 * encapsulated data (y bytes) after the last entry.
 */
export function encodeSa(
  rp: Ipv4,
  entries: readonly SaPair[],
  data: Uint8Array = new Uint8Array(0),
  sprefixLen = SA_SPREFIX_LEN,
): Uint8Array {
  checkAddr('rp', rp);
  if (entries.length > SA_ENTRIES_MAX)
    throw new RangeError(`msdp encode: ${entries.length} SA entries, at most ${SA_ENTRIES_MAX}`);
  const len = saBytes(entries.length) + data.length;
  if (len > TLV_BYTES_MAX) throw new RangeError(`msdp encode: SA of ${len} bytes`);
  const out = new Uint8Array(len);
  const v = new DataView(out.buffer);
  v.setUint8(0, TLV_TYPE.sa);
  v.setUint16(1, len);
  v.setUint8(3, entries.length);
  v.setUint32(4, rp);
  entries.forEach((e, i) => {
    checkAddr('group', e.group);
    checkAddr('source', e.source);
    const at = SA_FIXED_BYTES + i * SA_ENTRY_BYTES;
    // bytes at..at+2: Reserved, zero (R15).
    v.setUint8(at + 3, sprefixLen);
    v.setUint32(at + 4, e.group);
    v.setUint32(at + 8, e.source);
  });
  out.set(data, saBytes(entries.length));
  return out;
}

/**
 * §5.2: pack the entries into as few SA TLVs as fit, `perTlv` entries each (at most 255,
 * the Entry Count's reach), in order.
 */
export function packSa(
  rp: Ipv4,
  entries: readonly SaPair[],
  perTlv: number = SA_ENTRIES_MAX,
): Uint8Array[] {
  if (!Number.isInteger(perTlv) || perTlv < 1 || perTlv > SA_ENTRIES_MAX)
    throw new RangeError(`msdp encode: ${perTlv} entries per SA`);
  const out: Uint8Array[] = [];
  for (let i = 0; i < entries.length; i += perTlv)
    out.push(encodeSa(rp, entries.slice(i, i + perTlv)));
  return out;
}

// ---------------------------------------------------------------------------- decoding

/** What is wrong with a TLV header (and SA Entry Count, when known), if anything. */
function headerProblem(
  code: number,
  length: number,
  count: number | undefined,
): [FormatField, string] | undefined {
  if (length < TLV_HEADER_BYTES) return ['tlv.length', `length ${length} < 3`];
  const overlong = length > TLV_BYTES_MAX;
  if (code === TLV_TYPE.keepAlive && length !== KEEPALIVE_BYTES && !overlong)
    return ['keepalive.length', `KeepAlive length ${length} != 3`];
  if (code !== TLV_TYPE.sa) return undefined;
  if (length < SA_FIXED_BYTES) return ['sa.length', `SA length ${length} < 8`];
  if (count !== undefined && saBytes(count) > length)
    return ['sa.entryCount', `entry count ${count} needs ${saBytes(count)} > length ${length}`];
  return undefined;
}

/**
 * The format error a TLV's first `avail` bytes already prove, if any: checked as soon as
 * the header (and, for an SA, the Entry Count) has arrived, so a bad TLV resets the
 * session without waiting for body bytes that may never come.
 */
export function headerError(
  b: Uint8Array,
  at: number,
  avail: number,
  offset: number,
): FormatError | undefined {
  const code = b[at] as number;
  const length = rd16(b, at + 1);
  const problem = headerProblem(code, length, avail >= 4 ? (b[at + 3] as number) : undefined);
  if (problem === undefined) return undefined;
  return { field: problem[0], code, length, offset, detail: problem[1] };
}

/** Decodes one whole, header-checked TLV. */
function decodeBody(b: Uint8Array, at: number, length: number): MsdpMessage {
  const code = b[at] as number;
  const overlong = length > TLV_BYTES_MAX;
  if (code === TLV_TYPE.keepAlive) return { type: 'keepalive', overlong };
  if (code !== TLV_TYPE.sa) return { type: 'other', code, length };
  const entryCount = b[at + 3] as number;
  const rp = rd32(b, at + 4);
  const entries: SaPair[] = [];
  const dropped: EntryIssue[] = [];
  for (let i = 0; i < entryCount; i++) {
    const e = at + SA_FIXED_BYTES + i * SA_ENTRY_BYTES;
    const sprefix = b[e + 3] as number;
    if (sprefix !== SA_SPREFIX_LEN) {
      dropped.push({ index: i, field: 'sa.sprefixLen', value: sprefix });
      continue;
    }
    entries.push({ group: rd32(b, e + 4), source: rd32(b, e + 8) });
  }
  const trailingBytes = length - saBytes(entryCount);
  return { type: 'sa', rp, entries, entryCount, trailingBytes, dropped, overlong };
}

/**
 * Streaming decoder for one direction of one connection. push() takes bytes in order, in
 * any chunking, and returns what they completed. Bounded: it holds at most one partial
 * TLV (TLV_LENGTH_FIELD_MAX bytes).
 */
export class MsdpDecoder {
  private readonly rx = new ByteQueue(256);
  /** Stream offset of the first buffered byte (= bytes of whole TLVs consumed). */
  consumed = 0;
  /** Set by the first format error; the decoder reads nothing after it. */
  broken: FormatError | undefined;

  /** Bytes of a TLV begun but not finished. */
  get buffered(): number {
    return this.rx.len;
  }

  /** Stream offset just past the last byte pushed. */
  get offset(): number {
    return this.consumed + this.rx.len;
  }

  /** A copy of the partial TLV's bytes (a sync point's inPartial/outPartial). */
  partial(): Uint8Array {
    return this.rx.buf.slice(0, this.rx.len);
  }

  /**
   * Starts a late joiner at stream offset `offset` holding `partial`, the bytes of the TLV
   * the stream is in the middle of (they end at `offset`).
   */
  resumeAt(offset: number, partial: Uint8Array): void {
    if (this.offset !== 0) throw new Error('MsdpDecoder.resumeAt after input');
    this.consumed = offset - partial.length;
    this.rx.append(partial);
  }

  push(chunk: Uint8Array): DecodeEvent[] {
    if (this.broken !== undefined || chunk.length === 0) return [];
    this.rx.append(chunk);
    const out: DecodeEvent[] = [];
    const b = this.rx.buf;
    let pos = 0;
    while (this.rx.len - pos >= TLV_HEADER_BYTES) {
      const avail = this.rx.len - pos;
      const offset = this.consumed + pos;
      const error = headerError(b, pos, avail, offset);
      if (error !== undefined) {
        this.broken = error;
        out.push({ kind: 'format-error', error });
        break;
      }
      const length = rd16(b, pos + 1);
      if (avail < length) break;
      const message = decodeBody(b, pos, length);
      out.push({ kind: 'message', message, offset, raw: b.slice(pos, pos + length) });
      pos += length;
    }
    this.rx.consume(pos);
    this.consumed += pos;
    return out;
  }
}

/** Decodes a whole byte string (tests, completion); the same events push() gives. */
export function decodeAll(bytes: Uint8Array): DecodeEvent[] {
  return new MsdpDecoder().push(bytes);
}
