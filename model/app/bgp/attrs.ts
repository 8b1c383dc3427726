// BGP path attributes (RFC 4271 §4.3 and §5.1): encoding, and the decoding checks of
// RFC 4271 §6.3 with the error subcode and Data each malformation calls for.
//
// Recognised: ORIGIN, AS_PATH, NEXT_HOP (well-known), MULTI_EXIT_DISC (optional
// non-transitive), LOCAL_PREF, ATOMIC_AGGREGATE (well-known) and AGGREGATOR (optional
// transitive). AS numbers in AS_PATH and AGGREGATOR are 4 octets when both speakers
// advertised the 4-octet AS capability (RFC 6793 §4.1), else 2 octets. Simplified: on a
// 2-octet session a 4-octet AS is written as AS_TRANS and no AS4_PATH/AS4_AGGREGATOR is
// generated (RFC 6793 §4.2.2); a received AS4_PATH is kept as an unrecognised optional
// transitive attribute. Unrecognised optional non-transitive attributes are dropped
// quietly, unrecognised optional transitive ones kept as received (RFC 4271 §5).
// Errors are reported, never thrown (RFC 4271 §6: every one ends the session with a
// NOTIFICATION); RFC 7606's revised handling (treat-as-withdraw) is not modelled.
import {
  AS_SEGMENT_ASES_MAX,
  AS_SEQUENCE,
  AS_SET,
  AS_TRANS,
  ATTR,
  ATTR_FLAG,
  ERR,
  SUB,
  bgpError,
  ipv4Text,
  type AsSegment,
  type DecodeCtx,
  type Decoded,
  type PathAttrs,
  type RawAttr,
} from './defs.ts';
import { rd16, rd32 } from '../../net/bytes.ts';
import { ByteWriter } from './writer.ts';

const WELL_KNOWN = ATTR_FLAG.transitive;
const OPTIONAL_NON_TRANSITIVE = ATTR_FLAG.optional;
const OPTIONAL_TRANSITIVE = ATTR_FLAG.optional | ATTR_FLAG.transitive;

/** The flags each recognised attribute must carry (partial bit aside), RFC 4271 §5. */
const KNOWN_FLAGS: ReadonlyMap<number, number> = new Map([
  [ATTR.origin, WELL_KNOWN],
  [ATTR.asPath, WELL_KNOWN],
  [ATTR.nextHop, WELL_KNOWN],
  [ATTR.med, OPTIONAL_NON_TRANSITIVE],
  [ATTR.localPref, WELL_KNOWN],
  [ATTR.atomicAggregate, WELL_KNOWN],
  [ATTR.aggregator, OPTIONAL_TRANSITIVE],
]);

function putAttr(w: ByteWriter, flags: number, type: number, value: Uint8Array): void {
  const ext = (flags & ATTR_FLAG.extended) !== 0 || value.length > 255;
  w.u8(ext ? flags | ATTR_FLAG.extended : flags, 'attribute flags');
  w.u8(type, 'attribute type');
  if (ext) w.u16(value.length, 'attribute length');
  else w.u8(value.length, 'attribute length');
  w.bytes(value);
}

function u32Bytes(v: number, field: string): Uint8Array {
  return new ByteWriter().u32(v, field).toBytes();
}

/** The AS_PATH value: segments of ASes, 2 or 4 octets each (RFC 4271 §4.3, RFC 6793 §4). */
export function encodeAsPath(segments: readonly AsSegment[], as4: boolean): Uint8Array {
  const w = new ByteWriter();
  for (const s of segments) {
    if (s.asns.length === 0 || s.asns.length > AS_SEGMENT_ASES_MAX)
      throw new RangeError(`bgp encode: AS_PATH segment of ${s.asns.length} ASes`);
    w.u8(s.type, 'AS_PATH segment type').u8(s.asns.length, 'AS_PATH segment length');
    for (const as of s.asns) {
      if (as4) w.u32(as, 'AS_PATH AS');
      else w.u16(as > 0xffff ? AS_TRANS : as, 'AS_PATH AS');
    }
  }
  return w.toBytes();
}

/** Appends the attributes in type-code order (RFC 4271 §5: any order is allowed). */
export function encodeAttrs(a: PathAttrs, as4: boolean, w: ByteWriter): void {
  putAttr(w, WELL_KNOWN, ATTR.origin, new Uint8Array([a.origin]));
  putAttr(w, WELL_KNOWN, ATTR.asPath, encodeAsPath(a.asPath, as4));
  putAttr(w, WELL_KNOWN, ATTR.nextHop, u32Bytes(a.nextHop, 'NEXT_HOP'));
  if (a.med !== undefined)
    putAttr(w, OPTIONAL_NON_TRANSITIVE, ATTR.med, u32Bytes(a.med, 'MULTI_EXIT_DISC'));
  if (a.localPref !== undefined)
    putAttr(w, WELL_KNOWN, ATTR.localPref, u32Bytes(a.localPref, 'LOCAL_PREF'));
  if (a.atomicAggregate === true) putAttr(w, WELL_KNOWN, ATTR.atomicAggregate, new Uint8Array(0));
  if (a.aggregator !== undefined) {
    const v = new ByteWriter();
    if (as4) v.u32(a.aggregator.as, 'AGGREGATOR AS');
    else v.u16(a.aggregator.as > 0xffff ? AS_TRANS : a.aggregator.as, 'AGGREGATOR AS');
    v.u32(a.aggregator.addr, 'AGGREGATOR address');
    putAttr(w, OPTIONAL_TRANSITIVE, ATTR.aggregator, v.toBytes());
  }
  for (const u of a.unknown ?? []) putAttr(w, u.flags, u.type, u.value);
}

/** The attributes found in an UPDATE, before the mandatory-attribute check. */
export interface FoundAttrs {
  attrs: Partial<PathAttrs>;
  present: Set<number>;
}

const updateErr = (subcode: number, reason: string, data?: Uint8Array) =>
  bgpError(ERR.update, subcode, reason, data);

/**
 * Decodes the Path Attributes field b[start, end). Checks, in order per attribute: the
 * header fits (Malformed Attribute List), the length fits (Attribute Length Error),
 * duplicates (Malformed Attribute List), then the type's flags, length and value.
 */
export function decodeAttrs(
  b: Uint8Array,
  start: number,
  end: number,
  ctx: DecodeCtx,
): Decoded<FoundAttrs> {
  const found: FoundAttrs = { attrs: {}, present: new Set() };
  let p = start;
  while (p < end) {
    if (end - p < 3) return updateErr(SUB.update.malformedAttrList, 'truncated attribute header');
    const flags = b[p] as number;
    const type = b[p + 1] as number;
    const ext = (flags & ATTR_FLAG.extended) !== 0;
    const hdr = ext ? 4 : 3;
    if (end - p < hdr)
      return updateErr(SUB.update.malformedAttrList, 'truncated extended attribute length');
    const len = ext ? rd16(b, p + 2) : (b[p + 2] as number);
    if (p + hdr + len > end) {
      return updateErr(
        SUB.update.attrLength,
        `attribute ${type} length ${len} runs past the path attributes`,
        b.slice(p, end),
      );
    }
    const raw = b.slice(p, p + hdr + len);
    if (found.present.has(type))
      return updateErr(SUB.update.malformedAttrList, `attribute ${type} appears twice`);
    found.present.add(type);
    const r = decodeOne(flags, type, b.subarray(p + hdr, p + hdr + len), raw, ctx, found.attrs);
    if (!r.ok) return r;
    p += hdr + len;
  }
  return { ok: true, value: found };
}

function decodeOne(
  flags: number,
  type: number,
  v: Uint8Array,
  raw: Uint8Array,
  ctx: DecodeCtx,
  into: Partial<PathAttrs>,
): Decoded<null> {
  const want = KNOWN_FLAGS.get(type);
  if (want === undefined) return unknownAttr(flags, type, v, raw, into);
  const core = flags & (ATTR_FLAG.optional | ATTR_FLAG.transitive);
  const partialOk = want === OPTIONAL_TRANSITIVE;
  if (core !== want || (!partialOk && (flags & ATTR_FLAG.partial) !== 0)) {
    return updateErr(
      SUB.update.attrFlags,
      `attribute ${type}: flags 0x${flags.toString(16)} conflict with its type`,
      raw,
    );
  }
  const lenErr = (want: string) =>
    updateErr(
      SUB.update.attrLength,
      `attribute ${type}: length ${v.length}, expected ${want}`,
      raw,
    );
  switch (type) {
    case ATTR.origin:
      if (v.length !== 1) return lenErr('1');
      if ((v[0] as number) > 2)
        return updateErr(SUB.update.invalidOrigin, `ORIGIN value ${v[0]}`, raw);
      into.origin = v[0] as number;
      return OK;
    case ATTR.asPath:
      return decodeAsPath(v, ctx, into);
    case ATTR.nextHop: {
      if (v.length !== 4) return lenErr('4');
      const nh = rd32(v, 0);
      if (!validHost(nh))
        return updateErr(SUB.update.invalidNextHop, `NEXT_HOP ${ipv4Text(nh)}`, raw);
      into.nextHop = nh;
      return OK;
    }
    case ATTR.med:
      if (v.length !== 4) return lenErr('4');
      into.med = rd32(v, 0);
      return OK;
    case ATTR.localPref:
      if (v.length !== 4) return lenErr('4');
      // RFC 4271 §5.1.5: a speaker MUST ignore LOCAL_PREF received from an external peer.
      if (ctx.ebgpPeerAs === undefined) into.localPref = rd32(v, 0);
      return OK;
    case ATTR.atomicAggregate:
      if (v.length !== 0) return lenErr('0');
      into.atomicAggregate = true;
      return OK;
    default:
      return decodeAggregator(v, raw, ctx, into);
  }
}

const OK: Decoded<null> = { ok: true, value: null };

function unknownAttr(
  flags: number,
  type: number,
  v: Uint8Array,
  raw: Uint8Array,
  into: Partial<PathAttrs>,
): Decoded<null> {
  if ((flags & ATTR_FLAG.optional) === 0)
    return updateErr(
      SUB.update.unrecognizedWellKnown,
      `unrecognised well-known attribute ${type}`,
      raw,
    );
  if ((flags & ATTR_FLAG.transitive) !== 0) {
    const kept: RawAttr = { flags: flags & 0xf0, type, value: v.slice() };
    (into.unknown ??= []).push(kept);
  }
  return OK;
}

function decodeAggregator(
  v: Uint8Array,
  raw: Uint8Array,
  ctx: DecodeCtx,
  into: Partial<PathAttrs>,
): Decoded<null> {
  const w = ctx.as4 ? 4 : 2;
  if (v.length !== w + 4)
    return updateErr(
      SUB.update.attrLength,
      `AGGREGATOR: length ${v.length}, expected ${w + 4}`,
      raw,
    );
  const as = w === 4 ? rd32(v, 0) : rd16(v, 0);
  const addr = rd32(v, w);
  // A recognised optional attribute whose value is wrong (RFC 4271 §6.3): the aggregating
  // speaker's address must be a host address (RFC 4271 §5.1.7).
  if (!validHost(addr))
    return updateErr(SUB.update.optionalAttr, `AGGREGATOR address ${ipv4Text(addr)}`, raw);
  into.aggregator = { as, addr };
  return OK;
}

/** RFC 4271 §6.3: NEXT_HOP must be "a valid IP host address": not 0.0.0.0, multicast (224/4) or class E / broadcast (240/4). */
export function validHost(a: number): boolean {
  return a !== 0 && a >>> 29 !== 0b111;
}

function decodeAsPath(v: Uint8Array, ctx: DecodeCtx, into: Partial<PathAttrs>): Decoded<null> {
  const w = ctx.as4 ? 4 : 2;
  const segments: AsSegment[] = [];
  let p = 0;
  const bad = (why: string) => updateErr(SUB.update.malformedAsPath, `AS_PATH: ${why}`);
  while (p < v.length) {
    if (v.length - p < 2) return bad('truncated segment header');
    const type = v[p] as number;
    const n = v[p + 1] as number;
    if (type !== AS_SET && type !== AS_SEQUENCE) return bad(`segment type ${type}`);
    // RFC 7606 §7.2 names a zero-length segment malformed; RFC 4271 leaves it unsaid.
    if (n === 0) return bad('empty segment');
    if (p + 2 + n * w > v.length) return bad(`segment of ${n} ASes overruns the attribute`);
    const asns: number[] = [];
    for (let i = 0; i < n; i++)
      asns.push(w === 4 ? rd32(v, p + 2 + i * w) : rd16(v, p + 2 + i * w));
    segments.push({ type, asns });
    p += 2 + n * w;
  }
  if (ctx.ebgpPeerAs !== undefined) {
    // RFC 4271 §6.3: from an external peer the leftmost AS must be the peer's own.
    const first = segments[0];
    if (first === undefined || first.type !== AS_SEQUENCE || first.asns[0] !== ctx.ebgpPeerAs)
      return bad(`leftmost AS is not the peer's AS ${ctx.ebgpPeerAs}`);
  }
  into.asPath = segments;
  return OK;
}

/** RFC 4271 §6.3: the first missing mandatory well-known attribute, if any. */
export function missingMandatory(present: ReadonlySet<number>, ctx: DecodeCtx): number | undefined {
  const required: number[] = [ATTR.origin, ATTR.asPath, ATTR.nextHop];
  if (ctx.ibgp === true) required.push(ATTR.localPref);
  return required.find((t) => !present.has(t));
}
