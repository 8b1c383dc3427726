// TCP-MD5 signatures (RFC 2385, SPEC T-3): the digest a configured connection puts in
// option kind 19 on every segment it sends and checks on every segment it receives.
// RFC 2385 §2.0 hashes, in order: the pseudo-header (source and destination address,
// zero-padded protocol number 6, segment length including options), the 20-byte TCP
// header without options and with a zero checksum, the data, and the key. The digest is
// computed over the real wire image (packet.ts), so a capture of the segment verifies
// with any tool that knows the key.
import { md5 } from '@noble/hashes/legacy.js';
import { encodeSegment, TCP_MD5_DIGEST_LEN } from '../net/packet.ts';
import type { Segment } from '../net/segment.ts';

const IP_HEADER_LEN = 20;
const TCP_HEADER_LEN = 20;
const ZERO_DIGEST = new Uint8Array(TCP_MD5_DIGEST_LEN);

/** Bytes of a key given as text (RFC 2385 §4: an octet string; we take UTF-8). */
export function md5KeyBytes(key: string): Uint8Array {
  return new TextEncoder().encode(key);
}

/** The RFC 2385 digest of `seg` under `key` (seg.options.md5 itself is not hashed). */
export function tcpMd5Digest(seg: Segment, key: Uint8Array): Uint8Array {
  // The option's length is part of the segment length, so it must be present (zeroed).
  const wire = encodeSegment({ ...seg, options: { ...seg.options, md5: ZERO_DIGEST } });
  const tcpLen = wire.length - IP_HEADER_LEN;
  const doff = (wire[IP_HEADER_LEN + 12]! >>> 4) * 4;
  const data = wire.subarray(IP_HEADER_LEN + doff);
  const msg = new Uint8Array(12 + TCP_HEADER_LEN + data.length + key.length);
  const v = new DataView(msg.buffer);
  v.setUint32(0, seg.src >>> 0);
  v.setUint32(4, seg.dst >>> 0);
  v.setUint8(8, 0);
  v.setUint8(9, 6);
  v.setUint16(10, tcpLen);
  msg.set(wire.subarray(IP_HEADER_LEN, IP_HEADER_LEN + TCP_HEADER_LEN), 12);
  v.setUint16(12 + 16, 0); // checksum assumed zero (§2.0 step 2)
  // Step 2 excludes the options: the header is hashed with its data offset as sent.
  msg.set(data, 12 + TCP_HEADER_LEN);
  msg.set(key, 12 + TCP_HEADER_LEN + data.length);
  return md5(msg);
}

/** Whether seg carries a signature that verifies under key. */
export function tcpMd5Verify(seg: Segment, key: Uint8Array): boolean {
  const got = seg.options.md5;
  if (got === undefined || got.length !== TCP_MD5_DIGEST_LEN) return false;
  const want = tcpMd5Digest(seg, key);
  let diff = 0;
  for (let i = 0; i < TCP_MD5_DIGEST_LEN; i++) diff |= want[i]! ^ got[i]!;
  return diff === 0;
}
