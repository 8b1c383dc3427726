// Proves SACK (SPEC T-2): it is used only when both SYNs carry SACK-permitted, the receiver reports the out-of-order runs it holds (RFC 2018 §4: the newest first, no more than fit, none at or below the cumulative ACK), D-SACK reports a duplicate once (RFC 2883), and the sender's RFC 6675 recovery repairs several losses in one window without a timeout, resending each lost segment once, with the stream intact under random loss.
import { describe, it, expect } from 'vitest';
import { seqAdd, seqGt, seqLeq, type Segment } from '../../../model/net/segment.ts';
import { optionsLength } from '../../../model/net/packet.ts';
import { TF_SACK_PERMIT, type TcpOptionsConfig } from '../../../model/tcp/tcp.ts';
import { Net, SEC, concat, establish, firstDiff, pattern, readAll, writeAll } from './harness.ts';

function bulk(seed: number, lostIndexes: number[], tcp: TcpOptionsConfig = { sack: true }) {
  const net = new Net({
    seed,
    tcpA: { sndBuf: 256 * 1024, ...tcp },
    tcpB: { rcvBuf: 256 * 1024, ...tcp },
  });
  const [client, server] = establish(net);
  const base = client.snd_una;
  const lostSeqs = lostIndexes.map((i) => seqAdd(base, i * client.t_maxseg));
  const dropped = new Set<number>();
  net.links.A.drop = (seg) => {
    if (seg.payload.length > 0 && lostSeqs.includes(seg.seq) && !dropped.has(seg.seq)) {
      dropped.add(seg.seq);
      return true;
    }
    return false;
  };
  const data = pattern(300_000, 9);
  const sink: Uint8Array[] = [];
  readAll(server, sink);
  writeAll(client, data);
  net.run(net.loop.now + 120 * SEC, () => concat(sink).length === data.length);
  expect(firstDiff(concat(sink), data)).toBe(-1);
  return { net, client, server, lostSeqs };
}

const sends = (net: Net, seq: number): number =>
  net.segsFrom('A').filter((r) => r.seg.seq === seq && r.seg.payload.length > 0).length;

describe('SACK negotiation', () => {
  it('is on only when both sides offer SACK-permitted', () => {
    for (const [a, b, want] of [
      [true, true, true],
      [true, false, false],
      [false, true, false],
    ] as const) {
      const net = new Net({ seed: 3, tcpA: { sack: a }, tcpB: { sack: b } });
      const [client, server] = establish(net);
      expect((client.t_flags & TF_SACK_PERMIT) !== 0).toBe(want);
      expect((server.t_flags & TF_SACK_PERMIT) !== 0).toBe(want);
      const syn = net.segsFrom('A')[0]?.seg as Segment;
      expect(syn.options.sackOk === true).toBe(a);
    }
  });
});

describe('SACK receiver', () => {
  it('reports the held out-of-order runs, newest first, never at or below the ACK', () => {
    const { net } = bulk(11, [10, 14, 18]);
    const acks = net.segsFrom('B').filter((r) => r.seg.options.sack !== undefined);
    expect(acks.length).toBeGreaterThan(0);
    let sawThree = false;
    for (const { seg } of acks) {
      const blocks = seg.options.sack ?? [];
      expect(optionsLength(seg.options)).toBeLessThanOrEqual(40);
      for (const b of blocks) {
        expect(seqGt(b.right, b.left)).toBe(true);
        expect(seqGt(b.left, seg.ack)).toBe(true); // no D-SACK unless asked for
      }
      // Blocks are disjoint runs.
      for (let i = 0; i < blocks.length; i++)
        for (let j = i + 1; j < blocks.length; j++) {
          const x = blocks[i]!;
          const y = blocks[j]!;
          expect(seqLeq(x.right, y.left) || seqLeq(y.right, x.left)).toBe(true);
        }
      if (blocks.length === 3) {
        sawThree = true;
        // The newest run (highest, still growing) comes first.
        expect(seqGt(blocks[0]!.left, blocks[1]!.left)).toBe(true);
      }
    }
    expect(sawThree).toBe(true);
  });

  it('sends a D-SACK block for a duplicate segment once, when dsack is on', () => {
    const net = new Net({
      seed: 5,
      tcpA: { sack: true, dsack: true },
      tcpB: { sack: true, dsack: true },
    });
    const [client, server] = establish(net);
    client.write(pattern(1000, 1));
    net.run(net.loop.now + 1 * SEC);
    const dataSeg = net.segsFrom('A').find((r) => r.seg.payload.length > 0)?.seg as Segment;
    // The same segment again: wholly below rcv_nxt.
    net.inject('B', { ...dataSeg });
    net.run(net.loop.now + 1 * SEC);
    const withD = net
      .segsFrom('B')
      .filter((r) => (r.seg.options.sack ?? []).some((b) => seqLeq(b.right, r.seg.ack)));
    expect(withD.length).toBe(1);
    const blk = withD[0]?.seg.options.sack?.[0];
    expect(blk).toEqual({ left: dataSeg.seq, right: seqAdd(dataSeg.seq, 1000) });
    expect(server.sackReport.pending).toBe(false);
  });
});

describe('SACK loss recovery (RFC 6675)', () => {
  it('repairs four losses in one window in one recovery, each resent once, no RTO', () => {
    const { net, lostSeqs } = bulk(21, [20, 22, 24, 26]);
    expect(net.eventsOf('sack-recovery', 'A').length).toBe(1);
    expect(net.eventsOf('rto', 'A').length).toBe(0);
    for (const s of lostSeqs) expect(sends(net, s)).toBe(2);
  });

  it('is faster than NewReno on the same losses', () => {
    const lost = [20, 22, 24, 26, 28];
    const sack = bulk(22, lost);
    const reno = bulk(22, lost, { sack: false });
    const done = (n: Net): number => n.segsFrom('A').at(-1)?.t as number;
    expect(done(sack.net)).toBeLessThan(done(reno.net));
  });

  it('keeps the stream intact under random loss, reordering and duplication in both directions', () => {
    let recoveries = 0;
    for (const seed of [31, 32, 33, 34, 35, 36]) {
      const net = new Net({
        seed,
        tcpA: { sndBuf: 128 * 1024, sack: true, dsack: seed % 2 === 0 },
        tcpB: { rcvBuf: 128 * 1024, sack: true, dsack: seed % 2 === 0 },
        ab: {
          loss: 0.03,
          latencyNs: 5_000_000,
          reorder: 0.05,
          reorderDelayNs: 20_000_000,
          dup: 0.01,
        },
        ba: {
          loss: 0.03,
          latencyNs: 5_000_000,
          reorder: 0.05,
          reorderDelayNs: 20_000_000,
          dup: 0.01,
        },
      });
      const [client, server] = establish(net);
      const data = pattern(200_000, seed);
      const sink: Uint8Array[] = [];
      readAll(server, sink);
      writeAll(client, data);
      net.run(net.loop.now + 600 * SEC, () => concat(sink).length === data.length);
      expect(firstDiff(concat(sink), data)).toBe(-1);
      net.checkInvariants();
      recoveries += net.eventsOf('sack-recovery').length;
    }
    expect(recoveries).toBeGreaterThan(0); // the runs did exercise RFC 6675 recovery
  });
});
