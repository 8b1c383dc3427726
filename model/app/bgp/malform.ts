// Deliberately malformed BGP messages, one per error path of RFC 4271 §6.1 and §6.3 that
// a sender can provoke, each with the NOTIFICATION (code, subcode, Data) the receiver must
// answer. The speaker's test hook (BgpSpeaker.sendMalformed) writes them; the scenario
// bgp-malformed and the outside judge (tshark) use them to show exactly the malformation
// meant. Everything else in an UPDATE here is well formed for an eBGP session from
// `localAs`, so that only the named defect can trigger.
import { AS_SEQUENCE, ATTR, ATTR_FLAG, ERR, MSG, SUB, type MsgKind } from './defs.ts';
import { frame } from './message.ts';
import { ByteWriter } from './writer.ts';

export const MALFORMS = [
  'bad-marker',
  'bad-length',
  'bad-type',
  'keepalive-length',
  'withdrawn-overrun',
  'duplicate-attr',
  'unrecognized-well-known',
  'missing-next-hop',
  'attr-flags',
  'attr-length',
  'invalid-origin',
  'invalid-next-hop',
  'invalid-network',
  'malformed-as-path',
] as const;
export type Malform = (typeof MALFORMS)[number];

export interface MalformCase {
  malform: Malform;
  bytes: Uint8Array;
  /** The message type the header claims. */
  kind: MsgKind;
  expect: { code: number; subcode: number; data: Uint8Array };
}

export interface MalformCtx {
  as4: boolean;
  localAs: number;
  nextHop: number;
}

const WK = ATTR_FLAG.transitive;
const NONE = new Uint8Array(0);

function attr(flags: number, type: number, value: number[] | Uint8Array): Uint8Array {
  return new ByteWriter()
    .u8(flags, 'flags')
    .u8(type, 'type')
    .u8(value.length, 'length')
    .bytes(Uint8Array.from(value))
    .toBytes();
}

function asPath(ctx: MalformCtx, segType = AS_SEQUENCE): Uint8Array {
  const w = new ByteWriter().u8(segType, 'segment type').u8(1, 'segment length');
  if (ctx.as4) w.u32(ctx.localAs, 'AS');
  else w.u16(ctx.localAs, 'AS');
  return attr(WK, ATTR.asPath, w.toBytes());
}

function nextHop(addr: number): Uint8Array {
  return attr(WK, ATTR.nextHop, new ByteWriter().u32(addr, 'next hop').toBytes());
}

const origin = (v = 0, flags = WK) => attr(flags, ATTR.origin, [v]);
/** 198.51.100.0/24 (TEST-NET-2). */
const NLRI = Uint8Array.from([24, 198, 51, 100]);

function update(
  withdrawn: Uint8Array,
  attrs: Uint8Array[],
  nlri: Uint8Array,
  wlen?: number,
): Uint8Array {
  const a = new ByteWriter();
  for (const x of attrs) a.bytes(x);
  const body = new ByteWriter()
    .u16(wlen ?? withdrawn.length, 'withdrawn length')
    .bytes(withdrawn)
    .u16(a.len, 'attribute length')
    .bytes(a.toBytes())
    .bytes(nlri);
  return frame(MSG.update, body.toBytes());
}

function header(len: number, type: number): Uint8Array {
  const h = new Uint8Array(19).fill(0xff, 0, 16);
  h[16] = len >>> 8;
  h[17] = len & 0xff;
  h[18] = type;
  return h;
}

const upd = (subcode: number, data: Uint8Array = NONE) => ({ code: ERR.update, subcode, data });
const hdr = (subcode: number, data: Uint8Array = NONE) => ({ code: ERR.header, subcode, data });

/** The bytes of malformation `m`, and the NOTIFICATION the receiver must send. */
export function malformedMessage(m: Malform, ctx: MalformCtx): MalformCase {
  const good = (): Uint8Array[] => [origin(), asPath(ctx), nextHop(ctx.nextHop)];
  const u = (bytes: Uint8Array, expect: MalformCase['expect']): MalformCase => ({
    malform: m,
    bytes,
    kind: 'update',
    expect,
  });
  switch (m) {
    case 'bad-marker': {
      const k = header(19, MSG.keepalive);
      k[5] = 0;
      return { malform: m, bytes: k, kind: 'keepalive', expect: hdr(SUB.header.notSynchronized) };
    }
    case 'bad-length':
      return {
        malform: m,
        bytes: header(18, MSG.keepalive),
        kind: 'keepalive',
        expect: hdr(SUB.header.badLength, Uint8Array.from([0, 18])),
      };
    case 'bad-type':
      return {
        malform: m,
        bytes: header(19, 7),
        kind: 'keepalive',
        expect: hdr(SUB.header.badType, Uint8Array.from([7])),
      };
    case 'keepalive-length': {
      const k = new Uint8Array(20);
      k.set(header(20, MSG.keepalive));
      return {
        malform: m,
        bytes: k,
        kind: 'keepalive',
        expect: hdr(SUB.header.badLength, Uint8Array.from([0, 20])),
      };
    }
    case 'withdrawn-overrun':
      return u(update(NONE, good(), NLRI, 100), upd(SUB.update.malformedAttrList));
    case 'duplicate-attr':
      return u(update(NONE, [...good(), origin()], NLRI), upd(SUB.update.malformedAttrList));
    case 'unrecognized-well-known': {
      const bad = attr(WK, 99, [1, 2]);
      return u(update(NONE, [...good(), bad], NLRI), upd(SUB.update.unrecognizedWellKnown, bad));
    }
    case 'missing-next-hop':
      return u(
        update(NONE, [origin(), asPath(ctx)], NLRI),
        upd(SUB.update.missingWellKnown, Uint8Array.from([ATTR.nextHop])),
      );
    case 'attr-flags': {
      const bad = origin(0, ATTR_FLAG.optional | ATTR_FLAG.transitive);
      return u(
        update(NONE, [bad, asPath(ctx), nextHop(ctx.nextHop)], NLRI),
        upd(SUB.update.attrFlags, bad),
      );
    }
    case 'attr-length': {
      const bad = attr(WK, ATTR.nextHop, [10, 0, 0, 1, 0]);
      return u(update(NONE, [origin(), asPath(ctx), bad], NLRI), upd(SUB.update.attrLength, bad));
    }
    case 'invalid-origin': {
      const bad = origin(7);
      return u(
        update(NONE, [bad, asPath(ctx), nextHop(ctx.nextHop)], NLRI),
        upd(SUB.update.invalidOrigin, bad),
      );
    }
    case 'invalid-next-hop': {
      const bad = nextHop(0);
      return u(
        update(NONE, [origin(), asPath(ctx), bad], NLRI),
        upd(SUB.update.invalidNextHop, bad),
      );
    }
    case 'invalid-network':
      return u(
        update(NONE, good(), Uint8Array.from([33, 10, 0, 0, 0, 0])),
        upd(SUB.update.invalidNetwork),
      );
    case 'malformed-as-path':
      return u(
        update(NONE, [origin(), asPath(ctx, 9), nextHop(ctx.nextHop)], NLRI),
        upd(SUB.update.malformedAsPath),
      );
    default: {
      const never: never = m;
      throw new Error(`bgp malform: ${String(never)}`);
    }
  }
}
