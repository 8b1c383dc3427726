// Proves that when the reader stalls the sender's window closes, the sender sends only 1-byte persist probes (with backoff inside [persistMin, persistMax]) and never data beyond the window, and that the transfer completes intact once the reader resumes.
import { describe, it, expect } from 'vitest';
import type { Segment } from '../../../model/net/segment.ts';
import { seqAdd, seqDiff } from '../../../model/net/segment.ts';
import type { TcpConnection } from '../../../model/tcp/tcp.ts';
import { Net, SEC, concat, establish, firstDiff, pattern, readAll, writeAll } from './harness.ts';

/** Asserts every data segment the sender emits fits the window it knows (probes excepted). */
function guardWindow(conn: TcpConnection, probes: Segment[]): void {
  conn.outputFilter = (c, seg) => {
    const len = seg.payload.length;
    if (len > 0) {
      const edge = seqAdd(c.snd_una, c.snd_wnd);
      const over = seqDiff(seqAdd(seg.seq, len), edge);
      if (c.t_force !== 0 && c.snd_wnd === 0) {
        expect(len).toBe(1);
        probes.push(seg);
      } else {
        expect(over).toBeLessThanOrEqual(0);
      }
    }
    return true;
  };
}

describe('zero window and persist', () => {
  it('probes a closed window with backoff and resumes when the reader does', () => {
    const net = new Net({ seed: 7, tcpB: { rcvBuf: 4096 } });
    const [client, server] = establish(net);
    const probes: Segment[] = [];
    guardWindow(client, probes);
    const data = pattern(100_000, 3);
    writeAll(client, data, () => client.shutdown());

    // The reader stalls for 60 s: the window fills and closes.
    const stallEnd = net.loop.now + 60 * SEC;
    net.run(stallEnd);
    // Full: 4096 plus under 2^7 bytes per segment of window-scale round-up (never shrink).
    expect(server.readable).toBeGreaterThanOrEqual(4096);
    expect(server.readable).toBeLessThan(4096 + 3 * 128);
    expect(client.snd_wnd).toBe(0);
    expect(probes.length).toBeGreaterThanOrEqual(3);
    const probeEvents = net.eventsOf('persist-probe', 'A');
    expect(probeEvents.length).toBe(probes.length);
    // Intervals between probes stay in [persistMin, persistMax] and never shrink.
    const times = probeEvents.map((e) => e.t);
    for (let i = 1; i < times.length; i++) {
      const gap = (times[i] as number) - (times[i - 1] as number);
      expect(gap).toBeGreaterThanOrEqual(5 * SEC);
      expect(gap).toBeLessThanOrEqual(60 * SEC);
      if (i >= 2)
        expect(gap).toBeGreaterThanOrEqual((times[i - 1] as number) - (times[i - 2] as number));
    }
    // Probe answers were zero-window ACKs, no connection died.
    expect(client.t_state).toBe('ESTABLISHED');
    expect(net.eventsOf('rto', 'A').length).toBe(0);

    // The reader resumes: the window reopens and everything arrives.
    const sink: Uint8Array[] = [server.read(server.readable)];
    readAll(server, sink);
    let eof = false;
    server.onPeerFin = () => {
      eof = true;
    };
    net.run(net.loop.now + 600 * SEC, () => eof);
    expect(eof).toBe(true);
    expect(firstDiff(concat(sink), data)).toBe(-1);
    expect(net.segsFrom('A').every((r) => r.seg.payload.length <= 1460)).toBe(true);
  });

  it('a lost window update is recovered by the next probe', () => {
    const net = new Net({ seed: 8, tcpB: { rcvBuf: 4096 } });
    const [client, server] = establish(net);
    const data = pattern(20_000, 4);
    writeAll(client, data);
    net.run(net.loop.now + 30 * SEC);
    expect(server.readable).toBeGreaterThanOrEqual(4096);
    expect(client.snd_wnd).toBe(0);
    // Drop B's window update that follows the read.
    let dropped = 0;
    net.links.B.drop = (seg) => {
      if (dropped === 0 && seg.wnd > 0 && seg.payload.length === 0) {
        dropped++;
        return true;
      }
      return false;
    };
    const sink: Uint8Array[] = [server.read(server.readable)];
    expect(dropped).toBe(1);
    net.links.B.drop = undefined;
    readAll(server, sink);
    const t0 = net.loop.now;
    net.run(t0 + 120 * SEC, () => concat(sink).length === data.length);
    expect(firstDiff(concat(sink), data)).toBe(-1);
    // Recovery came from a probe (whose ACK carried the open window), not from an RTO:
    // the first data A sent after the lost update was a persist probe.
    const firstData = net.segsFrom('A').find((r) => r.t > t0 && r.seg.payload.length > 0);
    const firstProbe = net.eventsOf('persist-probe', 'A').find((e) => e.t > t0);
    expect(firstProbe).toBeDefined();
    expect(firstData?.t).toBe(firstProbe?.t);
    expect(firstData?.seg.payload.length).toBe(1);
    expect(net.eventsOf('rto', 'A').length).toBe(0);
  });
});
