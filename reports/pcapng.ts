// pcapng capture files (SPEC V-4): one interface per link (each peer wire, the PFE↔RE
// links, the inter-RE link that carries the KKCM channels), nanosecond timestamps
// (if_tsresol 9), and each packet's trace record id as its comment, so a packet in
// Wireshark and an arrow in the timeline report name the same record.
//
// Format (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-02.html), little-endian:
// a Section Header Block (byte-order magic 0x1a2b3c4d, version 1.0, section length -1,
// shb_userappl), one Interface Description Block per link (LINKTYPE_RAW, snaplen,
// if_name, if_description, if_tsresol = 9), then Enhanced Packet Blocks (interface id,
// 64-bit timestamp in ns, captured and original length, the packet padded to 32 bits,
// opt_comment). Every block ends with its total length repeated.
//
// What a link's interface sees: it is captured at its `a` end (the peer on a wire, the
// RE on a PFE link, RE0 on the inter-RE link), as the classic --pcap captures a wire: a
// packet that end sends at the instant it sends it (even if the link loses it later),
// one it receives at its arrival (only if it arrives). So each wire's interface holds
// exactly the packets of the classic pcap.
import { writeFileSync } from 'node:fs';
import type { LinkTap } from '../model/net/link.ts';
import type { Segment } from '../model/net/segment.ts';
import type { TraceRecord } from '../sim/index.ts';
import { ACTOR, K } from '../model/vocab.ts';
import { LINKTYPE_RAW, PCAP_SNAPLEN } from './pcap.ts';

export const PCAPNG_SHB = 0x0a0d0d0a;
export const PCAPNG_IDB = 0x00000001;
export const PCAPNG_EPB = 0x00000006;
export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const OPT_END = 0;
const OPT_COMMENT = 1;
const SHB_USERAPPL = 4;
const IF_NAME = 2;
const IF_DESCRIPTION = 3;
const IF_TSRESOL = 9;

const utf8 = new TextEncoder();

/** Grows one buffer of little-endian blocks. */
class Blocks {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  len = 0;

  private reserve(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + extra) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** Appends a block: type, total length, body, options, total length. */
  block(type: number, body: Uint8Array, options: ReadonlyArray<[number, Uint8Array]>): void {
    const optLen =
      options.reduce((n, [, v]) => n + 4 + pad4(v.length), 0) + (options.length > 0 ? 4 : 0);
    const total = 12 + pad4(body.length) + optLen;
    this.reserve(total);
    const v = this.view;
    let at = this.len;
    v.setUint32(at, type, true);
    v.setUint32(at + 4, total, true);
    this.buf.set(body, at + 8);
    at += 8 + pad4(body.length);
    for (const [code, value] of options) {
      v.setUint16(at, code, true);
      v.setUint16(at + 2, value.length, true);
      this.buf.set(value, at + 4);
      at += 4 + pad4(value.length);
    }
    if (options.length > 0) {
      v.setUint32(at, OPT_END, true);
      at += 4;
    }
    v.setUint32(at, total, true);
    if (at + 4 - this.len !== total) throw new Error('pcapng: block length mismatch');
    this.len = at + 4;
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

function le(parts: ReadonlyArray<[number, 1 | 2 | 4]>): Uint8Array {
  const size = parts.reduce((n, [, w]) => n + w, 0);
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  let at = 0;
  for (const [x, w] of parts) {
    if (w === 1) v.setUint8(at, x);
    else if (w === 2) v.setUint16(at, x, true);
    else v.setUint32(at, x >>> 0, true);
    at += w;
  }
  return out;
}

export interface PcapngPacket {
  readonly iface: number;
  readonly timeNs: number;
  readonly bytes: Uint8Array;
  readonly comment: string;
}

/** A pcapng file: its interfaces (one per link) and packets, in time order. */
export function pcapngBytes(
  app: string,
  ifaces: ReadonlyArray<{ name: string; description: string }>,
  packets: readonly PcapngPacket[],
): Uint8Array {
  const b = new Blocks();
  // Section length -1: not given (both 32-bit halves all ones).
  const shb = le([
    [PCAPNG_BYTE_ORDER_MAGIC, 4],
    [1, 2],
    [0, 2],
    [0xffffffff, 4],
    [0xffffffff, 4],
  ]);
  b.block(PCAPNG_SHB, shb, [[SHB_USERAPPL, utf8.encode(app)]]);
  for (const f of ifaces) {
    b.block(
      PCAPNG_IDB,
      le([
        [LINKTYPE_RAW, 2],
        [0, 2],
        [PCAP_SNAPLEN, 4],
      ]),
      [
        [IF_NAME, utf8.encode(f.name)],
        [IF_DESCRIPTION, utf8.encode(f.description)],
        [IF_TSRESOL, Uint8Array.of(9)],
      ],
    );
  }
  for (const p of packets) {
    if (!Number.isSafeInteger(p.timeNs) || p.timeNs < 0)
      throw new RangeError(`pcapng: bad time ${p.timeNs}`);
    if (p.iface < 0 || p.iface >= ifaces.length)
      throw new RangeError(`pcapng: no interface ${p.iface}`);
    const incl = Math.min(p.bytes.length, PCAP_SNAPLEN);
    const head = le([
      [p.iface, 4],
      [Math.floor(p.timeNs / 2 ** 32), 4],
      [p.timeNs % 2 ** 32, 4],
      [incl, 4],
      [p.bytes.length, 4],
    ]);
    const body = new Uint8Array(head.length + incl);
    body.set(head);
    body.set(p.bytes.subarray(0, incl), head.length);
    b.block(PCAPNG_EPB, body, [[OPT_COMMENT, utf8.encode(p.comment)]]);
  }
  return b.bytes();
}

interface Captured extends PcapngPacket {
  readonly order: number;
  readonly recordId: number;
}

/** Which end of each link a capture names, for comments ("pa → pfe"). */
export type LinkEnds = (link: string) => readonly [string, string];

/**
 * Captures every link of a run as pcapng. `tapFor` goes to the run (RunOptions.linkTap),
 * `onRecord` to its record stream: it checks that each captured packet's record id is
 * indeed that link's send or link.drop record (the taps run just before it is traced).
 */
export class PcapngCapture {
  private readonly ifaces: Array<{ name: string; description: string }> = [];
  private readonly packets: Captured[] = [];
  private readonly expect = new Map<number, string>();

  constructor(
    private readonly encode: (seg: Segment) => Uint8Array,
    private readonly ends: LinkEnds,
  ) {}

  readonly tapFor = (link: string, nextRecordId: () => number): LinkTap => {
    const iface = this.ifaces.length;
    const [a, b] = this.ends(link);
    this.ifaces.push({ name: link, description: `nsrsim link ${link}, captured at ${a}` });
    return (from, seg, sentNs, arrivalNs, copy) => {
      const timeNs = from === 'a' ? (copy === 0 ? sentNs : undefined) : arrivalNs;
      if (timeNs === undefined) return;
      const recordId = nextRecordId();
      const dir = from === 'a' ? `${a} → ${b}` : `${b} → ${a}`;
      const fate = arrivalNs === undefined ? ', lost on the link' : '';
      this.expect.set(recordId, ACTOR.link(link));
      this.packets.push({
        iface,
        timeNs,
        bytes: this.encode(seg),
        comment: `nsrsim record ${recordId}: ${link} ${dir}${fate}`,
        order: this.packets.length,
        recordId,
      });
    };
  };

  readonly onRecord = (rec: TraceRecord): void => {
    const link = this.expect.get(rec.id);
    if (link === undefined) return;
    this.expect.delete(rec.id);
    if (rec.actor !== link || (rec.kind !== K.sim.send && rec.kind !== K.link.drop))
      throw new Error(
        `pcapng: record ${rec.id} is ${rec.actor} ${rec.kind}, expected ${link}'s packet`,
      );
  };

  /** Packets captured so far on the interfaces whose names pass `keep`. */
  count(keep: (iface: string) => boolean = () => true): number {
    return this.packets.filter((p) => keep(this.ifaces[p.iface]?.name ?? '')).length;
  }

  bytes(app: string): Uint8Array {
    if (this.expect.size > 0)
      throw new Error(`pcapng: ${this.expect.size} captured packets never got their record`);
    const sorted = [...this.packets].sort((x, y) => x.timeNs - y.timeNs || x.order - y.order);
    return pcapngBytes(app, this.ifaces, sorted);
  }

  write(path: string, app: string): void {
    writeFileSync(path, this.bytes(app));
  }
}
