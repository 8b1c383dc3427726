// Whole BGP messages: the 19-octet header (RFC 4271 §4.1: 16-octet marker of ones, Length,
// Type) around the bodies of open.ts and update.ts, KEEPALIVE (§4.4) and NOTIFICATION
// (§4.5). checkHeader() applies the Message Header checks of §6.1 (Connection Not
// Synchronized, Bad Message Length with the Length field as Data, Bad Message Type with
// the Type field as Data) as soon as 19 octets are in, so the streaming decoder
// (framer.ts) never waits for a message it must refuse.
import {
  EOR_BYTES,
  ERR,
  HEADER_BYTES,
  KEEPALIVE_BYTES,
  MARKER_BYTES,
  MESSAGE_BYTES_MAX,
  MSG,
  MSG_KIND,
  NOTIFICATION_BYTES_MIN,
  OPEN_BYTES_MIN,
  SUB,
  UPDATE_BYTES_MIN,
  bgpError,
  type BgpMessage,
  type DecodeCtx,
  type Decoded,
  type MsgKind,
  type NotificationMsg,
} from './defs.ts';
import { decodeOpen, encodeOpenBody } from './open.ts';
import { decodeUpdate, encodeUpdateBody } from './update.ts';
import { rd16 } from '../../net/bytes.ts';
import { ByteWriter } from './writer.ts';

/** Wraps a body in the header. */
export function frame(type: number, body: Uint8Array): Uint8Array {
  const len = HEADER_BYTES + body.length;
  if (len > MESSAGE_BYTES_MAX)
    throw new RangeError(`bgp encode: message of ${len} octets exceeds ${MESSAGE_BYTES_MAX}`);
  const out = new Uint8Array(len);
  out.fill(0xff, 0, MARKER_BYTES);
  out[16] = len >>> 8;
  out[17] = len & 0xff;
  out[18] = type;
  out.set(body, HEADER_BYTES);
  return out;
}

export function encodeMessage(m: BgpMessage, as4: boolean): Uint8Array {
  switch (m.kind) {
    case 'open':
      return frame(MSG.open, encodeOpenBody(m.open));
    case 'update':
      return frame(MSG.update, encodeUpdateBody(m.update, as4));
    case 'notification':
      return encodeNotification(m.notification);
    case 'keepalive':
      return KEEPALIVE.slice();
    default: {
      const never: never = m;
      throw new Error(`bgp encode: unknown message ${String(never)}`);
    }
  }
}

export const KEEPALIVE: Uint8Array = frame(MSG.keepalive, new Uint8Array(0));
export const END_OF_RIB: Uint8Array = frame(MSG.update, new Uint8Array(4));

export function encodeNotification(n: NotificationMsg): Uint8Array {
  const w = new ByteWriter().u8(n.code, 'error code').u8(n.subcode, 'error subcode');
  return frame(MSG.notification, w.bytes(n.data).toBytes());
}

/** What the header of a message says, once it passed §6.1's checks. */
export interface Header {
  kind: MsgKind;
  length: number;
}

const MIN_BY_KIND: Readonly<Record<MsgKind, number>> = {
  open: OPEN_BYTES_MIN,
  update: UPDATE_BYTES_MIN,
  notification: NOTIFICATION_BYTES_MIN,
  keepalive: KEEPALIVE_BYTES,
};

/** Checks the 19-octet header at b[at, at+19) (RFC 4271 §6.1). */
export function checkHeader(b: Uint8Array, at: number): Decoded<Header> {
  for (let i = 0; i < MARKER_BYTES; i++)
    if (b[at + i] !== 0xff)
      return bgpError(ERR.header, SUB.header.notSynchronized, `marker octet ${i} is not 0xff`);
  const length = rd16(b, at + 16);
  const lengthField = b.slice(at + 16, at + 18);
  const type = b[at + 18] as number;
  if (length < HEADER_BYTES || length > MESSAGE_BYTES_MAX)
    return bgpError(ERR.header, SUB.header.badLength, `length ${length}`, lengthField);
  const kind = MSG_KIND.get(type);
  if (kind === undefined)
    return bgpError(ERR.header, SUB.header.badType, `type ${type}`, new Uint8Array([type]));
  const min = MIN_BY_KIND[kind];
  const fits = kind === 'keepalive' ? length === min : length >= min;
  if (!fits)
    return bgpError(ERR.header, SUB.header.badLength, `${kind} of length ${length}`, lengthField);
  return { ok: true, value: { kind, length } };
}

/** Decodes a whole message whose header passed checkHeader(). */
export function decodeBody(kind: MsgKind, m: Uint8Array, ctx: DecodeCtx): Decoded<BgpMessage> {
  switch (kind) {
    case 'open': {
      const r = decodeOpen(m);
      return r.ok ? { ok: true, value: { kind, open: r.value } } : r;
    }
    case 'update': {
      const r = decodeUpdate(m, ctx);
      if (!r.ok) return r;
      return { ok: true, value: { kind, update: r.value, eor: m.length === EOR_BYTES } };
    }
    case 'notification': {
      const notification = {
        code: m[HEADER_BYTES] as number,
        subcode: m[HEADER_BYTES + 1] as number,
        data: m.slice(HEADER_BYTES + 2),
      };
      return { ok: true, value: { kind, notification } };
    }
    case 'keepalive':
      return { ok: true, value: { kind } };
    default: {
      const never: never = kind;
      throw new Error(`bgp decode: unknown kind ${String(never)}`);
    }
  }
}

/** Decodes one complete message (header and body); for tests and tools. Never throws. */
export function decodeMessage(m: Uint8Array, ctx: DecodeCtx): Decoded<BgpMessage> {
  if (m.length < HEADER_BYTES)
    return bgpError(ERR.header, SUB.header.badLength, `${m.length} octets, shorter than a header`);
  const h = checkHeader(m, 0);
  if (!h.ok) return h;
  if (h.value.length !== m.length) {
    return bgpError(
      ERR.header,
      SUB.header.badLength,
      `length field ${h.value.length}, message has ${m.length} octets`,
      m.slice(16, 18),
    );
  }
  return decodeBody(h.value.kind, m, ctx);
}
