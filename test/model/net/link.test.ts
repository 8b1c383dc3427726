// Proves that model/link.ts delivers packets with exact latency and serialization, tail-drops a full queue, drops over-MTU and down-link packets, loses/duplicates/reorders at roughly the configured rates reproducibly per seed, keeps FIFO order under jitter, holds and releases in order, applies link.set mid-run, reports every packet to its tap, and draws from its own RNG stream.
import { describe, expect, it } from 'vitest';
import {
  Link,
  wireBytes,
  type LinkControl,
  type LinkParams,
  type LinkTap,
  type LinkTx,
  type PacketIn,
  type Side,
} from '../../../model/net/link.ts';
import { TH_ACK, type Segment } from '../../../model/net/segment.ts';
import {
  MS,
  Simulation,
  US,
  type Actor,
  type ActorContext,
  type ActorId,
  type Message,
} from '../../../sim/index.ts';

/** A segment whose wire size is exactly `bytes` (40 header bytes + payload), tagged by seq. */
function seg(seq: number, bytes = 100): Segment {
  return {
    src: 1,
    dst: 2,
    sport: 1000,
    dport: 2000,
    seq,
    ack: 0,
    flags: TH_ACK,
    wnd: 1000,
    urp: 0,
    options: {},
    payload: new Uint8Array(bytes - 40),
    ipId: seq & 0xffff,
    ttl: 64,
  };
}

interface Arrival {
  t: number;
  seq: number;
  link: string;
}

/** An endpoint that records every packet it receives. */
class Sink implements Actor {
  readonly got: Arrival[] = [];
  receive(msg: Message, ctx: ActorContext): void {
    const p = msg as PacketIn;
    if (p.type !== 'pkt') throw new Error(`sink: unexpected ${msg.type}`);
    this.got.push({ t: ctx.now, seq: p.seg.seq, link: p.link });
  }
}

interface Bench {
  sim: Simulation;
  link: Link;
  linkId: ActorId;
  a: Sink;
  b: Sink;
  /** Packet `s` handed to the link by side `from` at `atNs`. */
  tx(atNs: number, s: Segment, from?: Side): void;
  ctl(atNs: number, msg: LinkControl): void;
  seqsAtB(): number[];
}

function bench(
  params: Partial<LinkParams>,
  seed: number | string = 1,
  paramsBtoA?: Partial<LinkParams>,
): Bench {
  const sim = new Simulation({ seed, hash: false });
  const a = new Sink();
  const b = new Sink();
  const aId = sim.addActor('a', a);
  const bId = sim.addActor('b', b);
  const link = new Link('l', aId, bId, sim.rng('link/l'), params, paramsBtoA);
  const linkId = sim.addActor('link:l', link);
  return {
    sim,
    link,
    linkId,
    a,
    b,
    tx: (atNs, s, from = 'a') =>
      sim.inject(linkId, { type: 'link.tx', side: from, seg: s } satisfies LinkTx, atNs),
    ctl: (atNs, msg) => sim.inject(linkId, msg, atNs),
    seqsAtB: () => b.got.map((x) => x.seq),
  };
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('Link: timing', () => {
  it('delivers after exactly latencyNs when bandwidth is infinite', () => {
    const t = bench({ latencyNs: 5 * MS });
    t.tx(1_234, seg(1));
    t.tx(2 * MS, seg(2));
    t.sim.run();
    expect(t.b.got).toEqual([
      { t: 1_234 + 5 * MS, seq: 1, link: 'l' },
      { t: 7 * MS, seq: 2, link: 'l' },
    ]);
    expect(t.a.got).toEqual([]);
  });

  it('serializes back-to-back packets size*8/bps apart, then adds latency', () => {
    // 1,000-byte packets at 1 Mb/s take 8 ms each on the wire.
    const t = bench({ latencyNs: 3 * MS, bandwidthBps: 1_000_000 });
    for (const i of range(3)) t.tx(0, seg(i, 1000));
    t.tx(50 * MS, seg(3, 500)); // link idle again: 4 ms of serialization only
    t.sim.run();
    expect(t.b.got.map((x) => x.t)).toEqual([11 * MS, 19 * MS, 27 * MS, 50 * MS + 4 * MS + 3 * MS]);
  });

  it('rounds a fractional serialization time up to the next ns', () => {
    // 41 bytes at 3 Gb/s = 109.33 ns.
    const t = bench({ bandwidthBps: 3_000_000_000 });
    t.tx(0, seg(1, 41));
    t.sim.run();
    expect(t.b.got[0]?.t).toBe(110);
  });

  it('keeps the two directions independent (own parameters, own serialization)', () => {
    const t = bench({ latencyNs: 1 * MS, bandwidthBps: 1_000_000 }, 1, {
      latencyNs: 2 * MS,
      bandwidthBps: 0,
    });
    t.tx(0, seg(1, 1000), 'a');
    t.tx(0, seg(2, 1000), 'b');
    t.tx(0, seg(3, 1000), 'b');
    t.sim.run();
    expect(t.b.got.map((x) => x.t)).toEqual([9 * MS]);
    expect(t.a.got.map((x) => [x.seq, x.t])).toEqual([
      [2, 2 * MS],
      [3, 2 * MS],
    ]);
  });
});

describe('Link: drops', () => {
  it('tail-drops packets that do not fit the bounded transmit queue, and accepts again once it drains', () => {
    const t = bench({ bandwidthBps: 1_000_000, queueBytesMax: 2_500 });
    for (const i of range(4)) t.tx(0, seg(i, 1000)); // 2 fit (2,000 bytes), 2 do not
    t.tx(8 * MS, seg(10, 1000)); // the first left the queue at 8 ms: room for one more
    t.tx(8 * MS, seg(11, 1000));
    t.sim.run();
    expect(t.seqsAtB()).toEqual([0, 1, 10]);
    expect(t.link.counters('a').queueDrops).toBe(3);
    expect(t.link.counters('a').sent).toBe(6);
  });

  it('drops packets larger than the MTU and passes one of exactly MTU bytes', () => {
    const t = bench({ mtu: 1000 });
    t.tx(0, seg(1, 1001));
    t.tx(0, seg(2, 1000));
    t.sim.run();
    expect(t.seqsAtB()).toEqual([2]);
    expect(t.link.counters('a').mtuDrops).toBe(1);
    expect(wireBytes(seg(2, 1000))).toBe(1000);
  });

  it('counts TCP options in the wire size (MSS 4, window scale 4, timestamps 12)', () => {
    const s = { ...seg(1, 100), options: { mss: 1460, wscale: 7, ts: { val: 1, ecr: 2 } } };
    expect(wireBytes(s)).toBe(120);
  });

  it('drops everything while down', () => {
    const t = bench({ latencyNs: 1 * MS });
    t.ctl(10 * MS, { type: 'link.set', params: { up: false } });
    t.ctl(20 * MS, { type: 'link.set', params: { up: true } });
    t.tx(5 * MS, seg(1));
    t.tx(15 * MS, seg(2));
    t.tx(25 * MS, seg(3));
    t.sim.run();
    expect(t.seqsAtB()).toEqual([1, 3]);
    expect(t.link.counters('a').downDrops).toBe(1);
  });
});

/** Sends n packets 10 µs apart from side a and runs. */
function stream(params: Partial<LinkParams>, n: number, seed: number | string = 1): Bench {
  const t = bench(params, seed);
  for (const i of range(n)) t.tx(i * 10 * US, seg(i));
  t.sim.run();
  return t;
}

describe('Link: loss, duplication, reordering', () => {
  it('loses and duplicates at roughly the configured rates', () => {
    const n = 10_000;
    const t = stream({ latencyNs: 1 * MS, loss: 0.1, duplicate: 0.05 }, n);
    const c = t.link.counters('a');
    expect(c.lost).toBeGreaterThan(0.08 * n);
    expect(c.lost).toBeLessThan(0.12 * n);
    // Duplication is drawn only for packets that were not lost.
    expect(c.duplicated).toBeGreaterThan(0.035 * n);
    expect(c.duplicated).toBeLessThan(0.065 * n);
    expect(c.delivered).toBe(n - c.lost + c.duplicated);
    expect(t.b.got).toHaveLength(c.delivered);
    const seen = new Map<number, number>();
    for (const s of t.seqsAtB()) seen.set(s, (seen.get(s) ?? 0) + 1);
    expect(seen.size).toBe(n - c.lost);
    expect([...seen.values()].filter((k) => k === 2)).toHaveLength(c.duplicated);
  });

  it('is reproducible per seed and differs across seeds', () => {
    const p = { latencyNs: 1 * MS, jitterNs: 200 * US, loss: 0.1, duplicate: 0.05, reorder: 0.05 };
    const one = stream(p, 2_000, 7);
    const two = stream(p, 2_000, 7);
    const other = stream(p, 2_000, 8);
    expect(two.b.got).toEqual(one.b.got);
    expect(other.b.got).not.toEqual(one.b.got);
  });

  it('keeps FIFO order under jitter when reorder is 0', () => {
    // Jitter (up to 1 ms) is far larger than the 10 µs spacing.
    const t = stream({ latencyNs: 1 * MS, jitterNs: 1 * MS }, 2_000);
    expect(t.seqsAtB()).toEqual(range(2_000));
    // Jitter did act: arrival gaps are not all 10 µs.
    const gaps = new Set(t.b.got.slice(1).map((x, i) => x.t - (t.b.got[i] as Arrival).t));
    expect(gaps.size).toBeGreaterThan(10);
    expect(t.link.counters('a').reordered).toBe(0);
  });

  it('reorders some packets when reorder > 0, and loses none of them', () => {
    const t = stream({ latencyNs: 1 * MS, reorder: 0.1, reorderDelayNs: 500 * US }, 2_000);
    const got = t.seqsAtB();
    const inversions = got.filter((s, i) => i > 0 && s < (got[i - 1] as number)).length;
    expect(t.link.counters('a').reordered).toBeGreaterThan(100);
    expect(inversions).toBeGreaterThan(50);
    expect([...got].sort((x, y) => x - y)).toEqual(range(2_000));
  });

  it("gives each link its own RNG stream: adding a second busy link does not change the first one's pattern", () => {
    const p = { latencyNs: 1 * MS, loss: 0.2, duplicate: 0.1, jitterNs: 100 * US };
    const run = (withSecond: boolean): Arrival[] => {
      const sim = new Simulation({ seed: 5, hash: false });
      const a = new Sink();
      const b = new Sink();
      const aId = sim.addActor('a', a);
      const bId = sim.addActor('b', b);
      const l1 = sim.addActor('link:l1', new Link('l1', aId, bId, sim.rng('link/l1'), p));
      if (withSecond) {
        const l2 = sim.addActor('link:l2', new Link('l2', aId, bId, sim.rng('link/l2'), p));
        for (const i of range(500))
          sim.inject(
            l2,
            { type: 'link.tx', side: 'a', seg: seg(100_000 + i) } satisfies LinkTx,
            i * 7 * US,
          );
      }
      for (const i of range(500))
        sim.inject(l1, { type: 'link.tx', side: 'a', seg: seg(i) } satisfies LinkTx, i * 10 * US);
      sim.run();
      return b.got.filter((x) => x.link === 'l1');
    };
    const alone = run(false);
    const shared = run(true);
    expect(alone.length).toBeGreaterThan(300);
    expect(shared).toEqual(alone);
  });
});

describe('Link: hold, release and link.set', () => {
  it('keeps packets while held and delivers them in order on release', () => {
    const t = bench({ latencyNs: 1 * MS });
    t.tx(0, seg(0));
    t.ctl(2 * MS, { type: 'link.hold' });
    for (const i of range(5)) t.tx(3 * MS + i * US, seg(i + 1));
    t.ctl(10 * MS, { type: 'link.release' });
    t.sim.run({ untilNs: 9 * MS });
    expect(t.seqsAtB()).toEqual([0]);
    expect(t.link.counters('a').held).toBe(5);
    t.sim.run();
    expect(t.seqsAtB()).toEqual([0, 1, 2, 3, 4, 5]);
    // Released packets start their journey at the release instant.
    expect(t.b.got.slice(1).every((x) => x.t === 11 * MS)).toBe(true);
    expect(t.link.counters('a').lost).toBe(0);
  });

  // MODEL BUG (model/link.ts release()): held packets are handed straight to schedule(),
  // skipping transmit()'s `up` check, so packets released while the link is down are
  // delivered over a down link (and the tap reports them as arriving). Reachable from the
  // fault injector: inter-re-hold / backup-stall followed by inter-re-down before the
  // release. Expected: a released packet meets the link as it is now (down: downDrops).
  it('drops packets released while the link is down (KNOWN BUG: release ignores up)', () => {
    const t = bench({ latencyNs: 1 * MS });
    t.ctl(0, { type: 'link.hold' });
    t.tx(1 * MS, seg(1));
    t.ctl(2 * MS, { type: 'link.set', params: { up: false } });
    t.ctl(3 * MS, { type: 'link.release' });
    t.sim.run();
    expect(t.seqsAtB()).toEqual([]);
    expect(t.link.counters('a').downDrops).toBe(1);
  });

  it('holds only the named direction', () => {
    const t = bench({ latencyNs: 1 * MS });
    t.ctl(0, { type: 'link.hold', dir: 'a' });
    t.tx(1 * MS, seg(1), 'a');
    t.tx(1 * MS, seg(2), 'b');
    t.sim.run();
    expect(t.seqsAtB()).toEqual([]);
    expect(t.a.got.map((x) => x.seq)).toEqual([2]);
  });

  it('changes parameters mid-run with link.set (one direction or both)', () => {
    const t = bench({ latencyNs: 1 * MS });
    t.tx(0, seg(1));
    t.ctl(5 * MS, { type: 'link.set', params: { latencyNs: 4 * MS } });
    t.tx(6 * MS, seg(2));
    t.ctl(20 * MS, { type: 'link.set', dir: 'b', params: { latencyNs: 9 * MS } });
    t.tx(21 * MS, seg(3), 'a');
    t.tx(21 * MS, seg(4), 'b');
    t.sim.run();
    expect(t.b.got.map((x) => [x.seq, x.t])).toEqual([
      [1, 1 * MS],
      [2, 10 * MS],
      [3, 25 * MS],
    ]);
    expect(t.a.got.map((x) => [x.seq, x.t])).toEqual([[4, 30 * MS]]);
    expect(t.link.params('a').latencyNs).toBe(4 * MS);
    expect(t.link.params('b').latencyNs).toBe(9 * MS);
  });
});

describe('Link: tap', () => {
  it('sees lost packets with arrival undefined and duplicates as copy 1, matching the deliveries', () => {
    const t = bench({ latencyNs: 1 * MS, loss: 0.3, duplicate: 0.3, mtu: 500 });
    const calls: Array<{
      from: Side;
      seq: number;
      sentNs: number;
      arrivalNs: number | undefined;
      copy: number;
    }> = [];
    const tap: LinkTap = (from, s, sentNs, arrivalNs, copy) =>
      calls.push({ from, seq: s.seq, sentNs, arrivalNs, copy });
    t.link.tap = tap;
    for (const i of range(400)) t.tx(i * 10 * US, seg(i));
    t.tx(5 * MS, seg(999, 600)); // over the MTU: lost at once
    t.sim.run();
    const c = t.link.counters('a');
    const lost = calls.filter((x) => x.arrivalNs === undefined);
    const dups = calls.filter((x) => x.copy === 1);
    expect(lost).toHaveLength(c.lost + c.mtuDrops);
    expect(lost.every((x) => x.copy === 0)).toBe(true);
    expect(lost.map((x) => x.seq)).toContain(999);
    expect(dups).toHaveLength(c.duplicated);
    expect(c.duplicated).toBeGreaterThan(0);
    // Every duplicate follows its original, which was delivered.
    for (const d of dups)
      expect(calls.some((x) => x.seq === d.seq && x.copy === 0 && x.arrivalNs !== undefined)).toBe(
        true,
      );
    expect(calls).toHaveLength(401 + c.duplicated);
    // The tap's arrivals are exactly what the far end received.
    const tapArrivals = calls
      .filter((x) => x.arrivalNs !== undefined)
      .map((x) => `${x.seq}@${x.arrivalNs}`);
    expect([...tapArrivals].sort()).toEqual(t.b.got.map((x) => `${x.seq}@${x.t}`).sort());
    expect(
      calls.every((x) => x.from === 'a' && x.sentNs === (x.seq === 999 ? 5 * MS : x.seq * 10 * US)),
    ).toBe(true);
  });
});
