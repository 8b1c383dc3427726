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

type Built = Omit<MalformCase, 'malform'>;

/** A header-only message (claims to be a KEEPALIVE unless the type itself is the defect). */
function headerCase(
  len: number,
  type: number,
  expect: MalformCase['expect'],
  fix?: (b: Uint8Array) => void,
): Built {
  const b = new Uint8Array(Math.max(19, len));
  b.set(header(len, type));
  fix?.(b);
  return { bytes: b, kind: 'keepalive', expect };
}

/** An eBGP UPDATE for 198.51.100.0/24 whose ORIGIN, AS_PATH or NEXT_HOP may be replaced. */
function updateCase(
  ctx: MalformCtx,
  expect: (bad: Uint8Array) => MalformCase['expect'],
  parts: {
    origin?: Uint8Array;
    asPath?: Uint8Array;
    nextHop?: Uint8Array | null;
    extra?: Uint8Array[];
  },
  nlri = NLRI,
  wlen?: number,
): Built {
  const attrs = [parts.origin ?? origin(), parts.asPath ?? asPath(ctx)];
  if (parts.nextHop !== null) attrs.push(parts.nextHop ?? nextHop(ctx.nextHop));
  attrs.push(...(parts.extra ?? []));
  const bad = parts.extra?.[0] ?? parts.origin ?? parts.nextHop ?? parts.asPath ?? NONE;
  return { bytes: update(NONE, attrs, nlri, wlen), kind: 'update', expect: expect(bad) };
}

const u8 = (...b: number[]) => Uint8Array.from(b);

const BUILD: Record<Malform, (ctx: MalformCtx) => Built> = {
  'bad-marker': () =>
    headerCase(19, MSG.keepalive, hdr(SUB.header.notSynchronized), (b) => (b[5] = 0)),
  'bad-length': () => headerCase(18, MSG.keepalive, hdr(SUB.header.badLength, u8(0, 18))),
  'bad-type': () => headerCase(19, 7, hdr(SUB.header.badType, u8(7))),
  'keepalive-length': () => headerCase(20, MSG.keepalive, hdr(SUB.header.badLength, u8(0, 20))),
  'withdrawn-overrun': (c) => updateCase(c, () => upd(SUB.update.malformedAttrList), {}, NLRI, 100),
  'duplicate-attr': (c) =>
    updateCase(c, () => upd(SUB.update.malformedAttrList), { extra: [origin()] }),
  'unrecognized-well-known': (c) =>
    updateCase(c, (bad) => upd(SUB.update.unrecognizedWellKnown, bad), {
      extra: [attr(WK, 99, [1, 2])],
    }),
  'missing-next-hop': (c) =>
    updateCase(c, () => upd(SUB.update.missingWellKnown, u8(ATTR.nextHop)), { nextHop: null }),
  'attr-flags': (c) =>
    updateCase(c, (bad) => upd(SUB.update.attrFlags, bad), {
      origin: origin(0, ATTR_FLAG.optional | ATTR_FLAG.transitive),
    }),
  'attr-length': (c) =>
    updateCase(c, (bad) => upd(SUB.update.attrLength, bad), {
      nextHop: attr(WK, ATTR.nextHop, [10, 0, 0, 1, 0]),
    }),
  'invalid-origin': (c) =>
    updateCase(c, (bad) => upd(SUB.update.invalidOrigin, bad), { origin: origin(7) }),
  'invalid-next-hop': (c) =>
    updateCase(c, (bad) => upd(SUB.update.invalidNextHop, bad), { nextHop: nextHop(0) }),
  'invalid-network': (c) =>
    updateCase(c, () => upd(SUB.update.invalidNetwork), {}, u8(33, 10, 0, 0, 0, 0)),
  'malformed-as-path': (c) =>
    updateCase(c, () => upd(SUB.update.malformedAsPath), { asPath: asPath(c, 9) }),
};

/** The bytes of malformation `m`, and the NOTIFICATION the receiver must send. */
export function malformedMessage(m: Malform, ctx: MalformCtx): MalformCase {
  return { malform: m, ...BUILD[m](ctx) };
}
