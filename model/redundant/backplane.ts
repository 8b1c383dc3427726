// The shared wire of Redundant TCP (seed 004 §2.1, SPEC R-1): the "backplane" the draft's
// two stations share, taking the place of the PFE. Both stations have the router's
// address, so every packet for it reaches both of them, each over its own path (the
// station's internal link, with its own loss and delay: what makes R-5 possible). Whatever
// a station transmits goes on the wire; nothing here chooses a transmitter: a standby
// suppresses its own transmissions at layer 1 (model/redundant/station.ts).
//
// It keeps the PFE's actor name and trace kinds so that what looks at the wire works
// unchanged: every packet put on the wire is pfe.tx with the station it came from (re),
// and before the first packet of a station that just became the operational one (read
// from the operational signals, which the wire can see) it traces pfe.master, so
// single-transmitter judges "only the station whose operational signal is on transmits"
// (-1: none is, -2: both are).
//
// Simplified: one point-to-point wire per peer, no switch between them; no ARP (the draft's
// shared machine address, §2.1).
import type { ActorContext, Message } from '../../sim/index.ts';
import type { LinkTx, PacketIn } from '../net/link.ts';
import { ipv4ToString, type Ipv4, type Segment } from '../net/segment.ts';
import { Pfe, type PfePort } from '../router/pfe.ts';
import { K } from '../vocab.ts';
import type { StationSignals } from './signals.ts';

export class Backplane extends Pfe {
  private readonly stationOf = new Map<string, 0 | 1>();
  private readonly wireLinks = new Set<string>();
  /** The transmitting station last traced as pfe.master (station 0 routes from boot). */
  private owner = 0;

  constructor(
    private readonly addr: Ipv4,
    private readonly stationPorts: readonly [PfePort, PfePort],
    private readonly wires: ReadonlyMap<Ipv4, PfePort>,
    private readonly signals: StationSignals,
  ) {
    super(addr, stationPorts, wires, 0, 0);
    stationPorts.forEach((p, i) => this.stationOf.set(p.linkName, i as 0 | 1));
    for (const p of wires.values()) this.wireLinks.add(p.linkName);
  }

  override receive(msg: Message, ctx: ActorContext): void {
    if (msg.type !== 'pkt') throw new Error(`backplane: unexpected message ${msg.type}`);
    const pkt = msg as PacketIn;
    const station = this.stationOf.get(pkt.link);
    if (station !== undefined) {
      this.fromStation(station, pkt.seg, ctx);
      return;
    }
    if (!this.wireLinks.has(pkt.link))
      throw new Error(`backplane: packet from unknown link ${pkt.link}`);
    if (pkt.seg.dst !== this.addr) {
      this.counters.droppedNoRoute++;
      ctx.trace(K.pfe.drop, { reason: 'not-host-bound', dst: ipv4ToString(pkt.seg.dst) });
      return;
    }
    // both stations have the address (the standby listens promiscuously), each on its path.
    for (const p of this.stationPorts) {
      this.counters.toHost++;
      ctx.send(p.linkId, { type: 'link.tx', side: p.side, seg: pkt.seg } satisfies LinkTx);
    }
  }

  private fromStation(station: 0 | 1, seg: Segment, ctx: ActorContext): void {
    const op = this.signals.operationalStation();
    if (op !== this.owner) {
      this.owner = op;
      this.master = op;
      ctx.trace(K.pfe.master, { master: op });
    }
    const port = this.wires.get(seg.dst);
    if (port === undefined) {
      this.counters.droppedNoRoute++;
      ctx.trace(K.pfe.drop, { reason: 'no-route', dst: ipv4ToString(seg.dst) });
      return;
    }
    this.counters.toWire++;
    ctx.trace(K.pfe.tx, {
      re: station,
      dst: ipv4ToString(seg.dst),
      sport: seg.sport,
      dport: seg.dport,
      seq: seg.seq,
      ack: seg.ack,
      wnd: seg.wnd,
      flags: seg.flags,
      len: seg.payload.length,
      ...(seg.options.ts === undefined ? {} : { tsval: seg.options.ts.val }),
      ...(seg.options.sack === undefined || seg.options.sack.length === 0
        ? {}
        : { sack: seg.options.sack.map((b) => [b.left, b.right]) }),
    });
    ctx.send(port.linkId, { type: 'link.tx', side: port.side, seg } satisfies LinkTx);
  }
}
