// Proves the rcvSpacePolicy hook (SPEC P-10): when set it replaces sbspace for the advertised window (even in the SYN|ACK) and for accepting in-order data, so data beyond the policy is dropped even inside an already advertised window, then retransmitted and accepted once the policy opens again.
import { describe, it, expect } from 'vitest';
import { TH_ACK, TH_SYN, seqAdd, seqDiff } from '../../../model/net/segment.ts';
import type { TcpConnection } from '../../../model/tcp/tcp.ts';
import {
  MS,
  Net,
  SEC,
  concat,
  establish,
  firstDiff,
  pattern,
  readAll,
  writeAll,
} from './harness.ts';

describe('rcvSpacePolicy', () => {
  it('limits the window and in-order acceptance, and recovers when it opens', () => {
    const net = new Net({ seed: 101, tcpA: { wscale: null }, tcpB: { wscale: null } });
    // The "secondary" holds what B accepted minus what it has released; its buffer is `limit`.
    let limit = 5000;
    let released = 0;
    const accepted = (c: TcpConnection): number =>
      Math.max(0, seqDiff(c.rcv_nxt, seqAdd(c.irs, 1)));
    const policy = (c: TcpConnection): number => Math.max(0, limit - (accepted(c) - released));
    net.b.onNewConnection = (c) => {
      c.rcvSpacePolicy = policy;
    };
    const [client, server] = establish(net);
    const start = seqAdd(server.irs, 1);
    const synAck = net.segsFrom('B').find((r) => (r.seg.flags & TH_SYN) !== 0)?.seg;
    expect(synAck?.wnd).toBe(5000); // not the 64 KiB so_rcv would offer
    const sink: Uint8Array[] = [];
    readAll(server, sink); // B's own application reads at once: sbspace stays large

    const data = pattern(30_000, 7);
    writeAll(client, data);
    // IW (3 segments) at once; the last 620 bytes wait for the persist timer (sender SWS).
    net.run(net.loop.now + 10 * SEC);
    expect(accepted(server)).toBe(5000);
    expect(client.snd_wnd).toBe(0);
    // No segment from B ever offered a right edge beyond what the policy allowed.
    for (const r of net.segsFrom('B')) {
      if ((r.seg.flags & TH_SYN) === 0)
        expect(seqDiff(seqAdd(r.seg.ack, r.seg.wnd), start)).toBeLessThanOrEqual(5000);
    }

    // The secondary releases 3000 bytes: window update. Then its space shrinks again
    // (it took 2000 bytes elsewhere) while A's 3000 bytes are in flight.
    released = 3000;
    server.output();
    released = 1000;
    const t1 = net.loop.now;
    net.run(t1 + 100 * MS);
    expect(accepted(server)).toBe(6000); // 1000 of the 3000 in flight
    const drops = net.eventsOf('rcv-space-drop', 'B').filter((e) => e.t >= t1);
    expect(drops.length).toBeGreaterThan(0);
    // The window never shrank: B still shows the right edge it advertised.
    const lastB = net.segsFrom('B').at(-1)?.seg;
    expect(seqDiff(seqAdd(lastB?.ack ?? 0, lastB?.wnd ?? 0), start)).toBe(8000);
    expect(server.rcv_adv).toBe(seqAdd(start, 8000));

    // The policy opens: retransmissions are accepted and the stream completes intact.
    released = 1_000_000_000;
    server.output();
    net.run(net.loop.now + 120 * SEC, () => concat(sink).length === data.length);
    expect(firstDiff(concat(sink), data)).toBe(-1);
    expect(client.t_state).toBe('ESTABLISHED');
    const rexmits = net.eventsOf('retransmit', 'A').filter((e) => e.t >= t1);
    expect(rexmits.length).toBeGreaterThan(0);
  });

  it('judges out-of-order data against the policy too, never widened to rcv_adv (P-10, G-2)', () => {
    // Two replicated sockets share the policy's value (common_rcvbufspc) for each packet,
    // but not rcv_adv: only the primary advertises. When the window a segment is trimmed
    // to followed rcv_adv, primary and secondary kept different parts of an out-of-order
    // segment (fuzz finding crash-slow-reader-acked-data-lost).
    const net = new Net({ seed: 103, tcpA: { wscale: null }, tcpB: { wscale: null } });
    let limit = 5000;
    net.b.onNewConnection = (c) => {
      c.rcvSpacePolicy = () => limit;
    };
    const [client, server] = establish(net);
    expect(seqDiff(server.rcv_adv, server.rcv_nxt)).toBe(5000); // offered in the SYN|ACK
    limit = 1000; // the common space shrank; the offered window does not
    const seg = (off: number, len: number) =>
      client.makeSegment(
        TH_ACK,
        seqAdd(server.rcv_nxt, off),
        client.rcv_nxt,
        client.rcv_wnd,
        0,
        {},
        pattern(len, off),
      );
    // 500 bytes past a hole, 1000 long: the part beyond rcv_nxt + 1000 is dropped although
    // it lies inside rcv_adv.
    server.input(seg(500, 1000));
    expect(server.t_segq.bytes).toBe(500);
    // Wholly beyond the policy's window, inside rcv_adv: dropped.
    server.input(seg(2000, 1000));
    expect(server.t_segq.bytes).toBe(500);
    expect(net.eventsOf('rcv-space-drop', 'B').length).toBe(2);
    // The hole fills: the stream ends at the policy's edge, not at what rcv_adv would allow.
    const start = server.rcv_nxt;
    server.input(seg(0, 500));
    expect(seqDiff(server.rcv_nxt, start)).toBe(1000);
  });

  it('without a policy the same stall never drops in-order data', () => {
    const net = new Net({ seed: 102, tcpB: { rcvBuf: 5000 } });
    const [client, server] = establish(net);
    const data = pattern(30_000, 8);
    writeAll(client, data);
    net.run(net.loop.now + 30 * SEC);
    expect(server.readable).toBeGreaterThanOrEqual(5000);
    const sink: Uint8Array[] = [server.read(server.readable)];
    readAll(server, sink);
    net.run(net.loop.now + 300 * SEC, () => concat(sink).length === data.length);
    expect(firstDiff(concat(sink), data)).toBe(-1);
    expect(net.eventsOf('rcv-space-drop').length).toBe(0);
  });
});
