// Turns what crossed a test Pair's pipe (harness.ts) into a pcap of real IPv4/TCP packets,
// for the outside judge (tshark): per connection a three-way handshake, then every write
// as data segments of at most MSS octets with the right sequence numbers, each carrying
// the acknowledgment of what had arrived from the other side by then, and a pure ACK from
// the receiver when data arrives. The router's side (a) connects from an ephemeral port
// to the peer's port 179 (BGP_PORT); several pairs can share one capture (captureAll).
import { BGP_PORT } from '../../../../model/app/bgp/index.ts';
import { encodeSegment } from '../../../../model/net/packet.ts';
import { TH_ACK, TH_PUSH, TH_SYN, type Segment } from '../../../../model/net/segment.ts';
import { PcapWriter } from '../../../../reports/pcap.ts';
import { PEER, ROUTER, type Pair } from './harness.ts';

const MSS = 1448;
const ISN = { a: 0x1000_0000, b: 0x7000_0000 } as const;
const US = 1000;

interface Pkt {
  at: number;
  order: number;
  seg: Segment;
}

function seg(
  from: 'a' | 'b',
  sport: number,
  seq: number,
  ack: number,
  flags: number,
  payload: Uint8Array,
): Segment {
  const [src, dst] = from === 'a' ? [ROUTER, PEER] : [PEER, ROUTER];
  return {
    src,
    dst,
    sport: from === 'a' ? sport : BGP_PORT,
    dport: from === 'a' ? BGP_PORT : sport,
    seq: seq >>> 0,
    ack: ack >>> 0,
    flags,
    wnd: 65535,
    urp: 0,
    options: {},
    payload,
    ipId: 0,
    ttl: 64,
  };
}

/** The packets of connection `epoch` of the pair, from port `sport`, `shiftNs` later. */
function connection(p: Pair, epoch: number, sport: number, shiftNs: number, out: Pkt[]): void {
  const writes = p.log.filter((l) => l.epoch === epoch).map((l) => ({ ...l, at: l.at + shiftNs }));
  const first = writes[0];
  if (first === undefined) return;
  const lat = p.latencyNs;
  const t0 = Math.max(0, first.at - 3 * US);
  const push = (at: number, s: Segment) => out.push({ at, order: out.length, seg: s });
  push(t0, seg('a', sport, ISN.a, 0, TH_SYN, new Uint8Array(0)));
  push(t0 + US, seg('b', sport, ISN.b, ISN.a + 1, TH_SYN | TH_ACK, new Uint8Array(0)));
  push(t0 + 2 * US, seg('a', sport, ISN.a + 1, ISN.b + 1, TH_ACK, new Uint8Array(0)));
  /** Octets `side` had written strictly before `t` / that had reached the other side by `t`. */
  const sentBefore = (side: 'a' | 'b', t: number) =>
    writes.filter((w) => w.from === side && w.at < t).reduce((n, w) => n + w.bytes.length, 0);
  const arrivedBy = (side: 'a' | 'b', t: number) =>
    writes
      .filter((w) => w.from === side && w.at + lat <= t)
      .reduce((n, w) => n + w.bytes.length, 0);
  const offset = { a: 0, b: 0 };
  const acked = new Set<string>();
  for (const w of writes) {
    const other = w.from === 'a' ? 'b' : 'a';
    const ack = ISN[other] + 1 + arrivedBy(other, w.at);
    for (let i = 0; i < w.bytes.length; i += MSS) {
      const chunk = w.bytes.subarray(i, i + MSS);
      push(
        w.at,
        seg(w.from, sport, ISN[w.from] + 1 + offset[w.from] + i, ack, TH_ACK | TH_PUSH, chunk),
      );
    }
    offset[w.from] += w.bytes.length;
    const arrival = w.at + lat;
    const ackBack = ISN[w.from] + 1 + arrivedBy(w.from, arrival);
    const seqBack = ISN[other] + 1 + sentBefore(other, arrival);
    // Writes that arrive together are acknowledged once (no duplicate ACKs).
    const key = `${other}:${seqBack}:${ackBack}`;
    if (acked.has(key)) continue;
    acked.add(key);
    push(arrival, seg(other, sport, seqBack, ackBack, TH_ACK, new Uint8Array(0)));
  }
}

/** A pcap of every connection the pair had; returns the writer and the packets. */
export function capture(p: Pair): { pcap: PcapWriter; packets: number } {
  return captureAll([p], 0);
}

/**
 * One pcap of several pairs, one after the other (`gapNs` apart); pair i's connection e
 * comes from port 50000 + 100·i + e.
 */
export function captureAll(
  pairs: readonly Pair[],
  gapNs: number,
): { pcap: PcapWriter; packets: number } {
  const pkts: Pkt[] = [];
  pairs.forEach((p, i) => {
    const epochs = [...new Set(p.log.map((l) => l.epoch))];
    for (const e of epochs) connection(p, e, 50_000 + 100 * i + e, i * gapNs, pkts);
  });
  // Stable by time: at one instant, what arrives precedes the answer sent at that instant.
  pkts.sort((x, y) => x.at - y.at || ackFirst(x) - ackFirst(y) || x.order - y.order);
  const pcap = new PcapWriter();
  pkts.forEach((k, i) => pcap.add(k.at, encodeSegment({ ...k.seg, ipId: i & 0xffff })));
  return { pcap, packets: pkts.length };
}

function ackFirst(k: Pkt): number {
  return k.seg.payload.length === 0 ? 0 : 1;
}
