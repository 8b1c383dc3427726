// Proves that model/pfe.ts sends host-bound packets to the master RE only, suppresses and counts a backup's packets, blackholes both directions for exactly pfeSwitchNs on a mastership change, and lets a later switch supersede an earlier one.
import { describe, expect, it } from 'vitest';
import type { LinkTx, PacketIn } from '../../../model/net/link.ts';
import { Pfe, type PfeControl } from '../../../model/router/pfe.ts';
import { TH_ACK, type Segment } from '../../../model/net/segment.ts';
import {
  MS,
  MemorySink,
  Simulation,
  type Actor,
  type ActorContext,
  type Message,
} from '../../../sim/index.ts';
import { K } from '../../../model/vocab.ts';

const ROUTER = 0x0a000001; // 10.0.0.1
const PEER = 0x0a000102; // 10.0.1.2
const OTHER = 0x0a000909; // not the router, not a known peer

function seg(seq: number, src: number, dst: number): Segment {
  return {
    src,
    dst,
    sport: 20000,
    dport: 179,
    seq,
    ack: 0,
    flags: TH_ACK,
    wnd: 1000,
    urp: 0,
    options: {},
    payload: new Uint8Array(10),
    ipId: 0,
    ttl: 64,
  };
}

/** Stands in for a link: records what the PFE hands it (link.tx) and when. */
class LinkStub implements Actor {
  readonly got: Array<{ t: number; seq: number; side: string }> = [];
  receive(msg: Message, ctx: ActorContext): void {
    const m = msg as LinkTx;
    if (m.type !== 'link.tx') throw new Error(`stub: unexpected ${msg.type}`);
    this.got.push({ t: ctx.now, seq: m.seg.seq, side: m.side });
  }
}

function rig(switchNs = 50 * MS) {
  const sim = new Simulation({ seed: 1, hash: false });
  const sink = new MemorySink();
  sim.trace.addSink(sink);
  const re0 = new LinkStub();
  const re1 = new LinkStub();
  const wire = new LinkStub();
  const re0Id = sim.addActor('link:int-re0', re0);
  const re1Id = sim.addActor('link:int-re1', re1);
  const wireId = sim.addActor('link:wire-pa', wire);
  const pfe = new Pfe(
    ROUTER,
    [
      { linkId: re0Id, linkName: 'int-re0', side: 'b' },
      { linkId: re1Id, linkName: 'int-re1', side: 'b' },
    ],
    new Map([[PEER, { linkId: wireId, linkName: 'wire-pa', side: 'b' as const }]]),
    switchNs,
    0,
  );
  const pfeId = sim.addActor('pfe', pfe);
  const pkt = (atNs: number, link: string, s: Segment): void =>
    sim.inject(pfeId, { type: 'pkt', link, seg: s } satisfies PacketIn, atNs);
  return {
    sim,
    pfe,
    sink,
    re0,
    re1,
    wire,
    /** A packet from the peer for the router, arriving at the PFE. */
    fromWire: (atNs: number, seq: number, dst = ROUTER) =>
      pkt(atNs, 'wire-pa', seg(seq, PEER, dst)),
    /** A packet from RE `re` for the peer. */
    fromRe: (atNs: number, re: 0 | 1, seq: number, dst = PEER) =>
      pkt(atNs, `int-re${re}`, seg(seq, ROUTER, dst)),
    control: (atNs: number, msg: PfeControl) => sim.inject(pfeId, msg, atNs),
  };
}

const seqs = (l: LinkStub): number[] => l.got.map((x) => x.seq);

describe('PFE forwarding', () => {
  it('sends host-bound packets to the master RE only, on the PFE side of its link', () => {
    const r = rig();
    r.fromWire(0, 1);
    r.fromWire(1, 2);
    r.sim.run();
    expect(r.re0.got).toEqual([
      { t: 0, seq: 1, side: 'b' },
      { t: 1, seq: 2, side: 'b' },
    ]);
    expect(r.re1.got).toEqual([]);
    expect(r.pfe.counters.toHost).toBe(2);
  });

  it("passes the master's packets to the wire and suppresses and counts the backup's", () => {
    const r = rig();
    r.fromRe(0, 0, 10);
    r.fromRe(0, 1, 11);
    r.fromRe(1, 1, 12);
    r.fromRe(2, 0, 13);
    r.sim.run();
    expect(seqs(r.wire)).toEqual([10, 13]);
    expect(r.pfe.counters).toMatchObject({ toWire: 2, suppressed: 2 });
    expect(
      r.sink.records.filter((x) => x.kind === K.pfe.suppress).map((x) => x.fields.seq),
    ).toEqual([11, 12]);
  });

  it('drops packets with no route: wire packets not for the router, RE packets for an unknown peer', () => {
    const r = rig();
    r.fromWire(0, 1, OTHER);
    r.fromRe(0, 0, 2, OTHER);
    r.sim.run();
    expect(r.re0.got).toEqual([]);
    expect(r.wire.got).toEqual([]);
    expect(r.pfe.counters.droppedNoRoute).toBe(2);
  });
});

describe('PFE mastership switch (GRES)', () => {
  it('takes pfeSwitchNs during which nothing reaches the wire and host-bound packets are dropped', () => {
    const r = rig(50 * MS);
    r.control(10 * MS, { type: 'pfe.mastership', master: 1, sync: false });
    // Just inside the switch window.
    r.fromWire(10 * MS, 1);
    r.fromRe(10 * MS, 0, 2);
    r.fromRe(10 * MS, 1, 3);
    r.fromWire(60 * MS - 1, 4);
    r.fromRe(60 * MS - 1, 0, 5);
    r.fromRe(60 * MS - 1, 1, 6);
    // Just after it.
    r.fromWire(60 * MS + 1, 7);
    r.fromRe(60 * MS + 1, 0, 8);
    r.fromRe(60 * MS + 1, 1, 9);
    r.sim.run();
    expect(r.re0.got).toEqual([]);
    expect(seqs(r.re1)).toEqual([7]);
    expect(seqs(r.wire)).toEqual([9]);
    expect(r.pfe.counters).toMatchObject({
      droppedNoMaster: 2,
      suppressed: 5,
      toHost: 1,
      toWire: 1,
    });
    expect(r.pfe.master).toBe(1);
    expect(r.pfe.switching).toBe(false);
    const done = r.sink.records.filter((x) => x.kind === K.pfe.master);
    expect(done.map((x) => [x.t, x.fields.master])).toEqual([[60 * MS, 1]]);
  });

  it('is immediate when the switch time is 0, and pfe.set-switch changes it', () => {
    const r = rig(50 * MS);
    r.control(0, { type: 'pfe.set-switch', switchNs: 0 });
    r.control(1 * MS, { type: 'pfe.mastership', master: 1, sync: false });
    r.fromWire(1 * MS, 1);
    r.fromRe(1 * MS, 1, 2);
    r.sim.run();
    expect(seqs(r.re1)).toEqual([1]);
    expect(seqs(r.wire)).toEqual([2]);
    expect(r.pfe.counters.droppedNoMaster).toBe(0);
  });

  it('lets a later switch supersede an earlier one (the first completion is ignored)', () => {
    const r = rig(50 * MS);
    r.control(10 * MS, { type: 'pfe.mastership', master: 1, sync: false });
    r.control(30 * MS, { type: 'pfe.mastership', master: 0, sync: false });
    // 60 ms: the first switch would have completed; the second is still running.
    r.fromWire(60 * MS + 1, 1);
    r.fromRe(60 * MS + 1, 1, 2);
    r.fromRe(60 * MS + 1, 0, 3);
    // 80 ms: the second switch completed, RE0 is master again.
    r.fromWire(80 * MS + 1, 4);
    r.fromRe(80 * MS + 1, 1, 5);
    r.fromRe(80 * MS + 1, 0, 6);
    r.sim.run();
    expect(r.re1.got).toEqual([]);
    expect(seqs(r.re0)).toEqual([4]);
    expect(seqs(r.wire)).toEqual([6]);
    const done = r.sink.records.filter((x) => x.kind === K.pfe.master);
    expect(done.map((x) => [x.t, x.fields.master])).toEqual([[80 * MS, 0]]);
    expect(r.pfe.master).toBe(0);
  });

  it('with master -1 (none) drops host-bound packets and suppresses every RE', () => {
    const r = rig(0);
    r.control(0, { type: 'pfe.mastership', master: -1, sync: false });
    r.fromWire(1, 1);
    r.fromRe(1, 0, 2);
    r.fromRe(1, 1, 3);
    r.sim.run();
    expect(r.re0.got).toEqual([]);
    expect(r.re1.got).toEqual([]);
    expect(r.wire.got).toEqual([]);
    expect(r.pfe.counters).toMatchObject({ droppedNoMaster: 1, suppressed: 2 });
  });
});
