// The packet codec: turns a Segment (model/segment.ts) into the bytes of a real IPv4 +
// TCP packet and back, so links can carry wire images and reports can write pcap files.
//
// Encoded: a 20-byte IPv4 header (version 4, IHL 5, TOS 0, total length, identification
// = seg.ipId, DF set, fragment offset 0, TTL = seg.ttl, protocol 6, header checksum,
// src, dst) followed by the TCP header (RFC 9293 §3.1: ports, seq, ack, data offset,
// flags, window = seg.wnd, checksum over the pseudo-header, urgent pointer), the TCP
// options present in seg.options, and the payload. Options are laid out as Linux does
// unless seg.options.layout is 'bsd': NOP NOP MD5 (kind 19), MSS (kind 2), SACK-permitted +
// Timestamps (kinds 4, 8) or NOP NOP Timestamps, NOP NOP SACK-permitted without
// timestamps, NOP Window scale (kind 3), NOP NOP SACK (kind 5); each block is a multiple
// of 4 bytes, so no trailing padding is ever needed. The 'bsd' layout is FreeBSD's
// tcp_addoptions: MSS, NOPs to an odd offset + Window scale, NOPs to an even offset +
// SACK-permitted, NOPs to offset 2 mod 4 + Timestamps, the same + MD5, the same + SACK,
// then one EOL and zero padding to a 4-byte boundary. The ACK field is written as-is even
// when TH_ACK is clear.
//
// Not encoded: IP options, fragmentation (MF / fragment offset), TOS/ECN bits, TCP-AO,
// and the reserved/AE bits of the TCP header.
//
// Decoding is the forgiving direction: IPv4 options (IHL > 5) are skipped, any TOS and
// the DF bit are accepted, unknown TCP options are skipped by their length. It never
// throws; every malformed input (truncation, wrong version, bad IHL or data offset,
// total length mismatch, fragments, non-TCP protocol, bad checksums, bad option
// lengths) yields { ok: false, error } naming the offending field. The decoded payload
// is a copy, so the input buffer may be reused.
//
// Encoding throws a RangeError naming the field when a Segment holds a value that does
// not fit its wire field (e.g. a port above 65535): that is a bug in the caller, not a
// property of the network.

import { allocBytes, copyBytes } from './bytes.ts';
import type { Segment, TcpOptions } from './segment.ts';

export type DecodeResult = { ok: true; segment: Segment } | { ok: false; error: string };

const IP_HEADER_LEN = 20;
const TCP_HEADER_LEN = 20;
const IPPROTO_TCP = 6;
const IP_DF = 0x4000;
const IP_MF = 0x2000;
const IP_OFFMASK = 0x1fff;

const TCPOPT_EOL = 0;
const TCPOPT_NOP = 1;
const TCPOPT_MAXSEG = 2;
const TCPOPT_WINDOW = 3;
const TCPOPT_SACK_PERMITTED = 4;
const TCPOPT_SACK = 5;
const TCPOPT_TIMESTAMP = 8;
const TCPOPT_SIGNATURE = 19;
const TCPOLEN_MAXSEG = 4;
const TCPOLEN_WINDOW = 3;
const TCPOLEN_SACK_PERMITTED = 2;
const TCPOLEN_TIMESTAMP = 10;
const TCPOLEN_SIGNATURE = 18;
/** Bytes of the MD5 digest (RFC 2385 §3). */
export const TCP_MD5_DIGEST_LEN = 16;
/** Room for options in a TCP header (data offset 15 words). */
export const TCP_MAX_OPTIONS_LEN = 40;

/** Adds big-endian 16-bit words of bytes[start, end) to sum (odd tail padded with zero). */
function sumWords(bytes: Uint8Array, start: number, end: number, sum: number): number {
  let i = start;
  for (; i + 1 < end; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (i < end) sum += bytes[i]! << 8;
  return sum;
}

/** Folds carries into 16 bits and complements: the Internet checksum (RFC 1071). */
function finish(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

/**
 * Internet checksum of bytes[start, end): the ones' complement of the ones' complement
 * sum of the 16-bit words. Over a header whose checksum field is zero it is the value to
 * store; over a header including a correct checksum it is 0.
 */
export function ipChecksum(bytes: Uint8Array, start: number, end: number): number {
  return finish(sumWords(bytes, start, end, 0));
}

/**
 * TCP checksum of the segment in bytes[start, end) with the RFC 9293 §3.1 pseudo-header
 * (src, dst, zero, protocol 6, TCP length = end - start). Like ipChecksum, it is the
 * value to store when the checksum field is zero and 0 when verifying a correct segment.
 */
export function tcpChecksum(
  bytes: Uint8Array,
  start: number,
  end: number,
  src: number,
  dst: number,
): number {
  const len = end - start;
  let sum = (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + IPPROTO_TCP + len;
  sum = sumWords(bytes, start, end, sum);
  return finish(sum);
}

function checkUint(field: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`encodeSegment: ${field} = ${value} is not an integer in 0..${max}`);
  }
}

/** Bytes the options take on the wire in their layout (always a multiple of 4). */
export function optionsLength(o: TcpOptions): number {
  return encodeOptions(o).length;
}

/** A byte writer for the option area. */
class OptWriter {
  readonly bytes: number[] = [];
  get len(): number {
    return this.bytes.length;
  }
  push(...b: number[]): void {
    this.bytes.push(...b);
  }
  u16(v: number): void {
    this.bytes.push((v >>> 8) & 255, v & 255);
  }
  u32(v: number): void {
    this.bytes.push((v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255);
  }
  /** NOPs until len % m === r, at least one when `first` and nothing was written (BSD). */
  padTo(m: number, r: number, atLeastOneAtStart: boolean): void {
    while ((atLeastOneAtStart && this.len === 0) || this.len % m !== r) this.push(TCPOPT_NOP);
  }
  ts(t: { val: number; ecr: number }): void {
    this.push(TCPOPT_TIMESTAMP, TCPOLEN_TIMESTAMP);
    this.u32(t.val);
    this.u32(t.ecr);
  }
  sack(blocks: readonly { left: number; right: number }[]): void {
    this.push(TCPOPT_SACK, 2 + 8 * blocks.length);
    for (const b of blocks) {
      this.u32(b.left);
      this.u32(b.right);
    }
  }
  md5(d: Uint8Array): void {
    this.push(TCPOPT_SIGNATURE, TCPOLEN_SIGNATURE, ...d);
  }
}

/** The option bytes of `o` in its layout (Linux's unless o.layout is 'bsd'). */
export function encodeOptions(o: TcpOptions): Uint8Array {
  const w = new OptWriter();
  if (o.layout === 'bsd') bsdOptions(w, o);
  else linuxOptions(w, o);
  return Uint8Array.from(w.bytes);
}

function linuxOptions(w: OptWriter, o: TcpOptions): void {
  if (o.md5 !== undefined) {
    w.push(TCPOPT_NOP, TCPOPT_NOP);
    w.md5(o.md5);
  }
  if (o.mss !== undefined) {
    w.push(TCPOPT_MAXSEG, TCPOLEN_MAXSEG);
    w.u16(o.mss);
  }
  if (o.ts !== undefined) {
    if (o.sackOk === true) w.push(TCPOPT_SACK_PERMITTED, TCPOLEN_SACK_PERMITTED);
    else w.push(TCPOPT_NOP, TCPOPT_NOP);
    w.ts(o.ts);
  } else if (o.sackOk === true) {
    w.push(TCPOPT_NOP, TCPOPT_NOP, TCPOPT_SACK_PERMITTED, TCPOLEN_SACK_PERMITTED);
  }
  if (o.wscale !== undefined) w.push(TCPOPT_NOP, TCPOPT_WINDOW, TCPOLEN_WINDOW, o.wscale);
  if (o.sack !== undefined && o.sack.length > 0) {
    w.push(TCPOPT_NOP, TCPOPT_NOP);
    w.sack(o.sack);
  }
}

/** FreeBSD tcp_addoptions (sys/netinet/tcp_output.c): padding rules per option. */
function bsdOptions(w: OptWriter, o: TcpOptions): void {
  if (o.mss !== undefined) {
    w.push(TCPOPT_MAXSEG, TCPOLEN_MAXSEG);
    w.u16(o.mss);
  }
  if (o.wscale !== undefined) {
    w.padTo(2, 1, true);
    w.push(TCPOPT_WINDOW, TCPOLEN_WINDOW, o.wscale);
  }
  if (o.sackOk === true) {
    w.padTo(2, 0, false);
    w.push(TCPOPT_SACK_PERMITTED, TCPOLEN_SACK_PERMITTED);
  }
  if (o.ts !== undefined) {
    w.padTo(4, 2, true);
    w.ts(o.ts);
  }
  if (o.md5 !== undefined) {
    w.padTo(4, 2, true);
    w.md5(o.md5);
  }
  if (o.sack !== undefined && o.sack.length > 0) {
    w.padTo(4, 2, true);
    w.sack(o.sack);
  }
  if (w.len % 4 !== 0) w.push(TCPOPT_EOL);
  while (w.len % 4 !== 0) w.push(TCPOPT_EOL);
}

/** Every field of seg fits its wire field (a caller's bug otherwise: RangeError naming it). */
function checkSegment(seg: Segment): void {
  checkUint('src', seg.src, 0xffffffff);
  checkUint('dst', seg.dst, 0xffffffff);
  checkUint('sport', seg.sport, 0xffff);
  checkUint('dport', seg.dport, 0xffff);
  checkUint('seq', seg.seq, 0xffffffff);
  checkUint('ack', seg.ack, 0xffffffff);
  checkUint('flags', seg.flags, 0xff);
  checkUint('wnd', seg.wnd, 0xffff);
  checkUint('urp', seg.urp, 0xffff);
  checkUint('ipId', seg.ipId, 0xffff);
  checkUint('ttl', seg.ttl, 0xff);
  const o = seg.options;
  if (o.mss !== undefined) checkUint('options.mss', o.mss, 0xffff);
  if (o.wscale !== undefined) checkUint('options.wscale', o.wscale, 0xff);
  if (o.ts !== undefined) {
    checkUint('options.ts.val', o.ts.val, 0xffffffff);
    checkUint('options.ts.ecr', o.ts.ecr, 0xffffffff);
  }
  for (const b of o.sack ?? []) {
    checkUint('options.sack.left', b.left, 0xffffffff);
    checkUint('options.sack.right', b.right, 0xffffffff);
  }
  if (o.md5 !== undefined && o.md5.length !== TCP_MD5_DIGEST_LEN)
    throw new RangeError(`encodeSegment: options.md5 has ${o.md5.length} bytes, not 16`);
}

/** Encodes seg as an IPv4 packet carrying a TCP segment. One Uint8Array + DataView. */
export function encodeSegment(seg: Segment): Uint8Array {
  checkSegment(seg);
  const optBytes = encodeOptions(seg.options);
  if (optBytes.length > TCP_MAX_OPTIONS_LEN)
    throw new RangeError(`encodeSegment: ${optBytes.length} bytes of TCP options exceed 40`);

  const tcpHeaderLen = TCP_HEADER_LEN + optBytes.length;
  const tcpLen = tcpHeaderLen + seg.payload.length;
  const totalLen = IP_HEADER_LEN + tcpLen;
  if (totalLen > 0xffff) {
    throw new RangeError(
      `encodeSegment: total length ${totalLen} exceeds 65535 (payload ${seg.payload.length} bytes)`,
    );
  }

  const buf = allocBytes(totalLen);
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);

  // IPv4 header (RFC 791).
  v.setUint8(0, 0x45); // version 4, IHL 5
  v.setUint8(1, 0); // TOS
  v.setUint16(2, totalLen);
  v.setUint16(4, seg.ipId);
  v.setUint16(6, IP_DF);
  v.setUint8(8, seg.ttl);
  v.setUint8(9, IPPROTO_TCP);
  // bytes 10..11: checksum, zero for now
  v.setUint32(12, seg.src);
  v.setUint32(16, seg.dst);
  v.setUint16(10, ipChecksum(buf, 0, IP_HEADER_LEN));

  // TCP header.
  const t = IP_HEADER_LEN;
  v.setUint16(t, seg.sport);
  v.setUint16(t + 2, seg.dport);
  v.setUint32(t + 4, seg.seq);
  v.setUint32(t + 8, seg.ack);
  v.setUint8(t + 12, (tcpHeaderLen / 4) << 4);
  v.setUint8(t + 13, seg.flags);
  v.setUint16(t + 14, seg.wnd);
  // t+16..17: checksum, zero for now
  v.setUint16(t + 18, seg.urp);

  const p = t + TCP_HEADER_LEN;
  buf.set(optBytes, p);
  buf.set(seg.payload, p + optBytes.length);

  v.setUint16(t + 16, tcpChecksum(buf, t, totalLen, seg.src, seg.dst));
  return buf;
}

function fail(error: string): DecodeResult {
  return { ok: false, error };
}

/** The IPv4 header of a packet, or what is wrong with it (RFC 791). */
function decodeIpHeader(
  bytes: Uint8Array,
  v: DataView,
): { ipHeaderLen: number; ipId: number; ttl: number; src: number; dst: number } | string {
  const n = bytes.length;
  const version = v.getUint8(0) >>> 4;
  if (version !== 4) return `IP version: ${version}, expected 4`;
  const ihl = v.getUint8(0) & 0x0f;
  if (ihl < 5) return `IP header length (IHL): ${ihl} words, minimum is 5`;
  const ipHeaderLen = ihl * 4;
  if (ipHeaderLen > n)
    return `truncated: IP header length (IHL) ${ipHeaderLen} bytes exceeds the ${n} bytes present`;
  const totalLen = v.getUint16(2);
  if (totalLen !== n) return `IP total length: field says ${totalLen}, packet has ${n} bytes`;
  if (ipChecksum(bytes, 0, ipHeaderLen) !== 0)
    return `IP header checksum: 0x${v.getUint16(10).toString(16).padStart(4, '0')} does not verify`;
  const fragField = v.getUint16(6);
  if ((fragField & IP_MF) !== 0 || (fragField & IP_OFFMASK) !== 0)
    return `IP fragment: MF/fragment offset set (0x${fragField.toString(16)}), fragments are not supported`;
  const protocol = v.getUint8(9);
  if (protocol !== IPPROTO_TCP) return `IP protocol: ${protocol}, expected 6 (TCP)`;
  return {
    ipHeaderLen,
    ipId: v.getUint16(4),
    ttl: v.getUint8(8),
    src: v.getUint32(12),
    dst: v.getUint32(16),
  };
}

/** Decodes an IPv4 packet carrying a TCP segment. Never throws. */
export function decodeSegment(bytes: Uint8Array): DecodeResult {
  if (!(bytes instanceof Uint8Array)) return fail('input is not a Uint8Array');
  const n = bytes.length;
  if (n < IP_HEADER_LEN) return fail(`truncated: ${n} bytes, shorter than the 20-byte IPv4 header`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ip = decodeIpHeader(bytes, v);
  if (typeof ip === 'string') return fail(ip);
  const { ipHeaderLen, ipId, ttl, src, dst } = ip;

  const t = ipHeaderLen;
  const tcpLen = n - t;
  if (tcpLen < TCP_HEADER_LEN)
    return fail(`truncated: ${tcpLen} bytes of TCP, shorter than the 20-byte TCP header`);
  if (tcpChecksum(bytes, t, n, src, dst) !== 0) {
    return fail(
      `TCP checksum: 0x${v
        .getUint16(t + 16)
        .toString(16)
        .padStart(4, '0')} does not verify`,
    );
  }
  const doff = v.getUint8(t + 12) >>> 4;
  if (doff < 5) return fail(`TCP data offset: ${doff} words, minimum is 5`);
  const tcpHeaderLen = doff * 4;
  if (tcpHeaderLen > tcpLen) {
    return fail(`TCP data offset: ${tcpHeaderLen} bytes exceeds the ${tcpLen}-byte TCP segment`);
  }

  const optEnd = t + tcpHeaderLen;
  const options = decodeOptions(bytes, v, t, optEnd);
  if (typeof options === 'string') return fail(options);

  const segment: Segment = {
    src,
    dst,
    sport: v.getUint16(t),
    dport: v.getUint16(t + 2),
    seq: v.getUint32(t + 4),
    ack: v.getUint32(t + 8),
    flags: v.getUint8(t + 13),
    wnd: v.getUint16(t + 14),
    urp: v.getUint16(t + 18),
    options,
    payload: copyBytes(bytes.subarray(optEnd, n)),
    ipId,
    ttl,
  };
  return { ok: true, segment };
}

/** The TCP options in bytes[t + 20, optEnd) (t: start of the TCP header), or an error. */
function decodeOptions(
  bytes: Uint8Array,
  v: DataView,
  t: number,
  optEnd: number,
): TcpOptions | string {
  const options: TcpOptions = {};
  let p = t + TCP_HEADER_LEN;
  while (p < optEnd) {
    const kind = bytes[p]!;
    if (kind === TCPOPT_EOL) break;
    if (kind === TCPOPT_NOP) {
      p++;
      continue;
    }
    if (p + 1 >= optEnd) return `TCP option kind ${kind} at offset ${p - t}: length byte missing`;
    const len = bytes[p + 1]!;
    if (len < 2) return `TCP option kind ${kind} at offset ${p - t}: length ${len} is less than 2`;
    if (p + len > optEnd)
      return `TCP option kind ${kind} at offset ${p - t}: length ${len} runs past the end of the options`;
    const err = decodeOption(bytes, v, p, kind, len, options);
    if (err !== undefined) return err;
    p += len;
  }
  return options;
}

/** One option of known kind into `o`; unknown kinds are skipped. Returns an error or undefined. */
function decodeOption(
  bytes: Uint8Array,
  v: DataView,
  p: number,
  kind: number,
  len: number,
  o: TcpOptions,
): string | undefined {
  const want = (n: number, what: string): string | undefined =>
    len === n ? undefined : `TCP option ${what}: length ${len}, expected ${n}`;
  switch (kind) {
    case TCPOPT_MAXSEG:
      if (len !== TCPOLEN_MAXSEG) return want(TCPOLEN_MAXSEG, 'MSS');
      o.mss = v.getUint16(p + 2);
      return undefined;
    case TCPOPT_WINDOW:
      if (len !== TCPOLEN_WINDOW) return want(TCPOLEN_WINDOW, 'window scale');
      o.wscale = bytes[p + 2]!;
      return undefined;
    case TCPOPT_TIMESTAMP:
      if (len !== TCPOLEN_TIMESTAMP) return want(TCPOLEN_TIMESTAMP, 'timestamps');
      o.ts = { val: v.getUint32(p + 2), ecr: v.getUint32(p + 6) };
      return undefined;
    case TCPOPT_SACK_PERMITTED:
      if (len !== TCPOLEN_SACK_PERMITTED) return want(TCPOLEN_SACK_PERMITTED, 'SACK-permitted');
      o.sackOk = true;
      return undefined;
    case TCPOPT_SACK: {
      if ((len - 2) % 8 !== 0 || len < 10)
        return `TCP option SACK: length ${len}, expected 2 + 8n with n >= 1`;
      const blocks: { left: number; right: number }[] = [];
      for (let q = p + 2; q < p + len; q += 8)
        blocks.push({ left: v.getUint32(q), right: v.getUint32(q + 4) });
      o.sack = blocks;
      return undefined;
    }
    case TCPOPT_SIGNATURE:
      if (len !== TCPOLEN_SIGNATURE) return want(TCPOLEN_SIGNATURE, 'MD5 signature');
      o.md5 = bytes.slice(p + 2, p + 2 + TCP_MD5_DIGEST_LEN);
      return undefined;
    default:
      return undefined;
  }
}

/** Whether the IPv4 header checksum and the TCP checksum of a packet verify. Never throws. */
export function verifyChecksums(bytes: Uint8Array): { ip: boolean; tcp: boolean } {
  if (!(bytes instanceof Uint8Array) || bytes.length < IP_HEADER_LEN)
    return { ip: false, tcp: false };
  const ipHeaderLen = (bytes[0]! & 0x0f) * 4;
  if (ipHeaderLen < IP_HEADER_LEN || ipHeaderLen > bytes.length) return { ip: false, tcp: false };
  const ip = ipChecksum(bytes, 0, ipHeaderLen) === 0;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const totalLen = v.getUint16(2);
  if (totalLen < ipHeaderLen + TCP_HEADER_LEN || totalLen > bytes.length) return { ip, tcp: false };
  const tcp = tcpChecksum(bytes, ipHeaderLen, totalLen, v.getUint32(12), v.getUint32(16)) === 0;
  return { ip, tcp };
}
