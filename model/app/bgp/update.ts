// The UPDATE message body (RFC 4271 §4.3): Withdrawn Routes Length, Withdrawn Routes,
// Total Path Attribute Length, Path Attributes, NLRI; prefixes as (length, the fewest
// octets holding it). The IPv4 unicast End-of-RIB marker is the UPDATE with neither
// withdrawn routes nor attributes nor NLRI (RFC 4724 §2).
//
// Decoding checks follow RFC 4271 §6.3: lengths that overrun the message are a Malformed
// Attribute List; the attributes are checked next (attrs.ts); then the prefixes, whose
// syntax errors (length above 32, a prefix cut by the end of its field) are an Invalid
// Network Field (applied to withdrawn routes too, where RFC 4271 is silent); finally, with
// NLRI present, the mandatory attributes (Missing Well-known Attribute, whose Data is the
// missing type code). Trailing bits of a prefix are irrelevant (§4.3) and are cleared.
import { decodeAttrs, encodeAttrs, missingMandatory } from './attrs.ts';
import {
  ERR,
  HEADER_BYTES,
  SUB,
  bgpError,
  maskOf,
  type DecodeCtx,
  type Decoded,
  type PathAttrs,
  type Prefix,
  type UpdateMsg,
} from './defs.ts';
import { rd16 } from '../../net/bytes.ts';
import { ByteWriter } from './writer.ts';

/** Octets a prefix of length `len` takes in withdrawn routes or NLRI. */
export function prefixBytes(len: number): number {
  return 1 + Math.ceil(len / 8);
}

export function writePrefix(w: ByteWriter, p: Prefix): void {
  if (!Number.isInteger(p.len) || p.len < 0 || p.len > 32)
    throw new RangeError(`bgp encode: prefix length ${p.len}`);
  if ((p.addr & ~maskOf(p.len)) !== 0)
    throw new RangeError(`bgp encode: prefix ${p.addr}/${p.len} has host bits set`);
  w.u8(p.len, 'prefix length');
  for (let i = 0; i < Math.ceil(p.len / 8); i++) w.u8((p.addr >>> (24 - 8 * i)) & 0xff, 'prefix');
}

/** Parses prefixes in b[start, end); a malformed one is an Invalid Network Field. */
export function readPrefixes(
  b: Uint8Array,
  start: number,
  end: number,
  what: string,
): Decoded<Prefix[]> {
  const out: Prefix[] = [];
  let p = start;
  while (p < end) {
    const len = b[p] as number;
    if (len > 32)
      return bgpError(ERR.update, SUB.update.invalidNetwork, `${what}: prefix length ${len}`);
    const n = Math.ceil(len / 8);
    if (p + 1 + n > end)
      return bgpError(ERR.update, SUB.update.invalidNetwork, `${what}: prefix cut short`);
    let addr = 0;
    for (let i = 0; i < 4; i++) addr = addr * 256 + (i < n ? (b[p + 1 + i] as number) : 0);
    out.push({ addr: (addr & maskOf(len)) >>> 0, len });
    p += 1 + n;
  }
  return { ok: true, value: out };
}

/** The UPDATE body (after the header). With NLRI the attributes are required. */
export function encodeUpdateBody(u: UpdateMsg, as4: boolean): Uint8Array {
  if (u.nlri.length > 0 && u.attrs === undefined)
    throw new RangeError('bgp encode: UPDATE with NLRI needs path attributes');
  const w = new ByteWriter();
  w.u16(0, 'withdrawn routes length');
  for (const p of u.withdrawn) writePrefix(w, p);
  w.patch16(0, w.len - 2, 'withdrawn routes length');
  const attrAt = w.len;
  w.u16(0, 'total path attribute length');
  if (u.attrs !== undefined && u.nlri.length > 0) encodeAttrs(u.attrs, as4, w);
  w.patch16(attrAt, w.len - attrAt - 2, 'total path attribute length');
  for (const p of u.nlri) writePrefix(w, p);
  return w.toBytes();
}

/** Decodes a whole UPDATE message `m` (header included; its length already checked). */
export function decodeUpdate(m: Uint8Array, ctx: DecodeCtx): Decoded<UpdateMsg> {
  const b = m;
  const end = m.length;
  let p = HEADER_BYTES;
  const wlen = rd16(b, p);
  if (p + 2 + wlen + 2 > end)
    return bgpError(ERR.update, SUB.update.malformedAttrList, `withdrawn routes length ${wlen}`);
  const wStart = p + 2;
  p = wStart + wlen;
  const alen = rd16(b, p);
  if (p + 2 + alen > end)
    return bgpError(
      ERR.update,
      SUB.update.malformedAttrList,
      `total path attribute length ${alen}`,
    );
  const aStart = p + 2;
  const found = decodeAttrs(b, aStart, aStart + alen, ctx);
  if (!found.ok) return found;
  const withdrawn = readPrefixes(b, wStart, wStart + wlen, 'withdrawn routes');
  if (!withdrawn.ok) return withdrawn;
  const nlri = readPrefixes(b, aStart + alen, end, 'NLRI');
  if (!nlri.ok) return nlri;
  let attrs: PathAttrs | undefined;
  if (nlri.value.length > 0) {
    const missing = missingMandatory(found.value.present, ctx);
    if (missing !== undefined) {
      return bgpError(
        ERR.update,
        SUB.update.missingWellKnown,
        `missing well-known attribute ${missing}`,
        new Uint8Array([missing]),
      );
    }
    attrs = found.value.attrs as PathAttrs;
  }
  return { ok: true, value: { withdrawn: withdrawn.value, attrs, nlri: nlri.value } };
}
