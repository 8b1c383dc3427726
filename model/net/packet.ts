// The packet codec: turns a Segment (model/segment.ts) into the bytes of a real IPv4 +
// TCP packet and back, so links can carry wire images and reports can write pcap files.
//
// Encoded: a 20-byte IPv4 header (version 4, IHL 5, TOS 0, total length, identification
// = seg.ipId, DF set, fragment offset 0, TTL = seg.ttl, protocol 6, header checksum,
// src, dst) followed by the TCP header (RFC 9293 §3.1: ports, seq, ack, data offset,
// flags, window = seg.wnd, checksum over the pseudo-header, urgent pointer), the TCP
// options present in seg.options, and the payload. Options are laid out as Linux does:
// MSS (kind 2), NOP NOP Timestamps (kind 8), NOP Window scale (kind 3); each block is a
// multiple of 4 bytes, so no trailing padding is ever needed. The ACK field is written
// as-is even when TH_ACK is clear.
//
// Not encoded: IP options, fragmentation (MF / fragment offset), TOS/ECN bits, SACK and
// SACK-permitted, TCP-AO/MD5, and the reserved/AE bits of the TCP header.
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
const TCPOPT_TIMESTAMP = 8;
const TCPOLEN_MAXSEG = 4;
const TCPOLEN_WINDOW = 3;
const TCPOLEN_TIMESTAMP = 10;

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

function optionsLength(o: TcpOptions): number {
  return (
    (o.mss !== undefined ? 4 : 0) + (o.ts !== undefined ? 12 : 0) + (o.wscale !== undefined ? 4 : 0)
  );
}

/** Encodes seg as an IPv4 packet carrying a TCP segment. One Uint8Array + DataView. */
export function encodeSegment(seg: Segment): Uint8Array {
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

  const tcpHeaderLen = TCP_HEADER_LEN + optionsLength(o);
  const tcpLen = tcpHeaderLen + seg.payload.length;
  const totalLen = IP_HEADER_LEN + tcpLen;
  if (totalLen > 0xffff) {
    throw new RangeError(
      `encodeSegment: total length ${totalLen} exceeds 65535 (payload ${seg.payload.length} bytes)`,
    );
  }

  const buf = new Uint8Array(totalLen);
  const v = new DataView(buf.buffer);

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

  let p = t + TCP_HEADER_LEN;
  if (o.mss !== undefined) {
    buf[p] = TCPOPT_MAXSEG;
    buf[p + 1] = TCPOLEN_MAXSEG;
    v.setUint16(p + 2, o.mss);
    p += 4;
  }
  if (o.ts !== undefined) {
    buf[p] = TCPOPT_NOP;
    buf[p + 1] = TCPOPT_NOP;
    buf[p + 2] = TCPOPT_TIMESTAMP;
    buf[p + 3] = TCPOLEN_TIMESTAMP;
    v.setUint32(p + 4, o.ts.val);
    v.setUint32(p + 8, o.ts.ecr);
    p += 12;
  }
  if (o.wscale !== undefined) {
    buf[p] = TCPOPT_NOP;
    buf[p + 1] = TCPOPT_WINDOW;
    buf[p + 2] = TCPOLEN_WINDOW;
    buf[p + 3] = o.wscale;
    p += 4;
  }
  buf.set(seg.payload, p);

  v.setUint16(t + 16, tcpChecksum(buf, t, totalLen, seg.src, seg.dst));
  return buf;
}

function fail(error: string): DecodeResult {
  return { ok: false, error };
}

/** Decodes an IPv4 packet carrying a TCP segment. Never throws. */
export function decodeSegment(bytes: Uint8Array): DecodeResult {
  if (!(bytes instanceof Uint8Array)) return fail('input is not a Uint8Array');
  const n = bytes.length;
  if (n < IP_HEADER_LEN) return fail(`truncated: ${n} bytes, shorter than the 20-byte IPv4 header`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

  const version = v.getUint8(0) >>> 4;
  if (version !== 4) return fail(`IP version: ${version}, expected 4`);
  const ihl = v.getUint8(0) & 0x0f;
  if (ihl < 5) return fail(`IP header length (IHL): ${ihl} words, minimum is 5`);
  const ipHeaderLen = ihl * 4;
  if (ipHeaderLen > n)
    return fail(
      `truncated: IP header length (IHL) ${ipHeaderLen} bytes exceeds the ${n} bytes present`,
    );
  const totalLen = v.getUint16(2);
  if (totalLen !== n) return fail(`IP total length: field says ${totalLen}, packet has ${n} bytes`);
  if (ipChecksum(bytes, 0, ipHeaderLen) !== 0) {
    return fail(
      `IP header checksum: 0x${v.getUint16(10).toString(16).padStart(4, '0')} does not verify`,
    );
  }
  const fragField = v.getUint16(6);
  if ((fragField & IP_MF) !== 0 || (fragField & IP_OFFMASK) !== 0) {
    return fail(
      `IP fragment: MF/fragment offset set (0x${fragField.toString(16)}), fragments are not supported`,
    );
  }
  const protocol = v.getUint8(9);
  if (protocol !== IPPROTO_TCP) return fail(`IP protocol: ${protocol}, expected 6 (TCP)`);
  const ipId = v.getUint16(4);
  const ttl = v.getUint8(8);
  const src = v.getUint32(12);
  const dst = v.getUint32(16);

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

  const options: TcpOptions = {};
  const optEnd = t + tcpHeaderLen;
  let p = t + TCP_HEADER_LEN;
  while (p < optEnd) {
    const kind = bytes[p]!;
    if (kind === TCPOPT_EOL) break;
    if (kind === TCPOPT_NOP) {
      p++;
      continue;
    }
    if (p + 1 >= optEnd)
      return fail(`TCP option kind ${kind} at offset ${p - t}: length byte missing`);
    const len = bytes[p + 1]!;
    if (len < 2)
      return fail(`TCP option kind ${kind} at offset ${p - t}: length ${len} is less than 2`);
    if (p + len > optEnd) {
      return fail(
        `TCP option kind ${kind} at offset ${p - t}: length ${len} runs past the end of the options`,
      );
    }
    if (kind === TCPOPT_MAXSEG) {
      if (len !== TCPOLEN_MAXSEG) return fail(`TCP option MSS: length ${len}, expected 4`);
      options.mss = v.getUint16(p + 2);
    } else if (kind === TCPOPT_WINDOW) {
      if (len !== TCPOLEN_WINDOW) return fail(`TCP option window scale: length ${len}, expected 3`);
      options.wscale = bytes[p + 2]!;
    } else if (kind === TCPOPT_TIMESTAMP) {
      if (len !== TCPOLEN_TIMESTAMP)
        return fail(`TCP option timestamps: length ${len}, expected 10`);
      options.ts = { val: v.getUint32(p + 2), ecr: v.getUint32(p + 6) };
    }
    p += len;
  }

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
    payload: bytes.slice(optEnd, n),
    ipId,
    ttl,
  };
  return { ok: true, segment };
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
