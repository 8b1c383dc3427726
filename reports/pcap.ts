// Classic libpcap capture files (the format of tcpdump -w, readable by Wireshark/tshark),
// holding raw IPv4 packets from model/packet.ts stamped with simulated time.
//
// Written: the 24-byte global header (magic 0xa1b2c3d4, version 2.4, thiszone 0,
// sigfigs 0, snaplen 65535, network LINKTYPE_RAW = 101) then one 16-byte record header
// (ts_sec, ts_usec in microseconds, incl_len, orig_len) plus the bytes of each packet.
// Everything is little-endian, as libpcap writes on x86: the magic reads d4 c3 b2 a1.
//
// Read: both byte orders and both the microsecond (0xa1b2c3d4) and nanosecond
// (0xa1b23c4d) magics. pcapng is not supported.

import { writeFileSync } from 'node:fs';

export const PCAP_MAGIC_USEC = 0xa1b2c3d4;
export const PCAP_MAGIC_NSEC = 0xa1b23c4d;
export const PCAP_VERSION_MAJOR = 2;
export const PCAP_VERSION_MINOR = 4;
export const PCAP_SNAPLEN = 65535;
export const LINKTYPE_RAW = 101;
export const PCAP_GLOBAL_HEADER_LEN = 24;
export const PCAP_RECORD_HEADER_LEN = 16;

export interface PcapRecord {
  /** Integer nanoseconds (microsecond resolution for 0xa1b2c3d4 files). */
  timeNs: number;
  /** The captured bytes (incl_len of them), a copy. */
  packet: Uint8Array;
}

export type PcapReadResult =
  | { ok: true; linkType: number; snaplen: number; records: PcapRecord[] }
  | { ok: false; error: string };

/** Accumulates records in one growing buffer; toBytes() yields a complete file. */
export class PcapWriter {
  private buf: Uint8Array;
  private view: DataView;
  private len = 0;
  private n = 0;

  constructor() {
    this.buf = new Uint8Array(4096);
    this.view = new DataView(this.buf.buffer);
    const v = this.view;
    v.setUint32(0, PCAP_MAGIC_USEC, true);
    v.setUint16(4, PCAP_VERSION_MAJOR, true);
    v.setUint16(6, PCAP_VERSION_MINOR, true);
    v.setInt32(8, 0, true); // thiszone
    v.setUint32(12, 0, true); // sigfigs
    v.setUint32(16, PCAP_SNAPLEN, true);
    v.setUint32(20, LINKTYPE_RAW, true);
    this.len = PCAP_GLOBAL_HEADER_LEN;
  }

  /** Number of records added. */
  get count(): number {
    return this.n;
  }

  /**
   * Appends a record at simulated time timeNs (a non-negative integer number of
   * nanoseconds; truncated to microseconds). Packets longer than the snaplen are
   * truncated to it, with orig_len keeping the real length. The bytes are copied.
   */
  add(timeNs: number, packet: Uint8Array): void {
    if (!Number.isSafeInteger(timeNs) || timeNs < 0) {
      throw new RangeError(`PcapWriter.add: timeNs = ${timeNs} is not a non-negative safe integer`);
    }
    const sec = Math.floor(timeNs / 1e9);
    if (sec > 0xffffffff)
      throw new RangeError(`PcapWriter.add: timeNs = ${timeNs} overflows ts_sec`);
    const usec = Math.floor((timeNs % 1e9) / 1000);
    const incl = Math.min(packet.length, PCAP_SNAPLEN);
    this.reserve(PCAP_RECORD_HEADER_LEN + incl);
    const v = this.view;
    const at = this.len;
    v.setUint32(at, sec, true);
    v.setUint32(at + 4, usec, true);
    v.setUint32(at + 8, incl, true);
    v.setUint32(at + 12, packet.length, true);
    this.buf.set(
      incl === packet.length ? packet : packet.subarray(0, incl),
      at + PCAP_RECORD_HEADER_LEN,
    );
    this.len = at + PCAP_RECORD_HEADER_LEN + incl;
    this.n++;
  }

  /** The whole file so far (a copy; the writer can keep accumulating). */
  toBytes(): Uint8Array {
    return this.buf.slice(0, this.len);
  }

  private reserve(extra: number): void {
    const need = this.len + extra;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
}

/** Writes the writer's file to path. */
export function writePcapFile(path: string, writer: PcapWriter): void {
  writeFileSync(path, writer.toBytes());
}

/** Parses a classic pcap file. Never throws; any malformation yields { ok: false, error }. */
export function readPcap(bytes: Uint8Array): PcapReadResult {
  if (!(bytes instanceof Uint8Array)) return { ok: false, error: 'input is not a Uint8Array' };
  const n = bytes.length;
  if (n < PCAP_GLOBAL_HEADER_LEN) {
    return {
      ok: false,
      error: `truncated global header: ${n} bytes, need ${PCAP_GLOBAL_HEADER_LEN}`,
    };
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let le: boolean;
  let nanos: boolean;
  const magicLe = v.getUint32(0, true);
  const magicBe = v.getUint32(0, false);
  if (magicLe === PCAP_MAGIC_USEC || magicLe === PCAP_MAGIC_NSEC) {
    le = true;
    nanos = magicLe === PCAP_MAGIC_NSEC;
  } else if (magicBe === PCAP_MAGIC_USEC || magicBe === PCAP_MAGIC_NSEC) {
    le = false;
    nanos = magicBe === PCAP_MAGIC_NSEC;
  } else {
    return {
      ok: false,
      error: `magic: 0x${magicBe.toString(16).padStart(8, '0')} is not a pcap magic number`,
    };
  }
  const major = v.getUint16(4, le);
  if (major !== PCAP_VERSION_MAJOR)
    return { ok: false, error: `version: major ${major}, expected 2` };
  const snaplen = v.getUint32(16, le);
  const linkType = v.getUint32(20, le);

  const records: PcapRecord[] = [];
  const fracLimit = nanos ? 1e9 : 1e6;
  let p = PCAP_GLOBAL_HEADER_LEN;
  while (p < n) {
    const index = records.length;
    if (p + PCAP_RECORD_HEADER_LEN > n) {
      return {
        ok: false,
        error: `truncated record header ${index} at offset ${p}: ${n - p} of 16 bytes`,
      };
    }
    const sec = v.getUint32(p, le);
    const frac = v.getUint32(p + 4, le);
    const incl = v.getUint32(p + 8, le);
    const orig = v.getUint32(p + 12, le);
    if (frac >= fracLimit) {
      return {
        ok: false,
        error: `record ${index}: ts_${nanos ? 'nsec' : 'usec'} ${frac} out of range`,
      };
    }
    if (incl > orig)
      return { ok: false, error: `record ${index}: incl_len ${incl} exceeds orig_len ${orig}` };
    const start = p + PCAP_RECORD_HEADER_LEN;
    if (start + incl > n) {
      return {
        ok: false,
        error: `truncated record ${index} at offset ${p}: incl_len ${incl}, ${n - start} bytes left`,
      };
    }
    records.push({
      timeNs: sec * 1e9 + (nanos ? frac : frac * 1000),
      packet: bytes.slice(start, start + incl),
    });
    p = start + incl;
  }
  return { ok: true, linkType, snaplen, records };
}
