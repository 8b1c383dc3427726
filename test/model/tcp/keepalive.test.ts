// Proves the optional keepalive: off by default; when on, an idle connection sends probes (seq = snd_una - 1) that a live peer answers, and a silent peer gets the connection dropped with reason 'timeout' after idle + count * interval.
import { describe, it, expect } from 'vitest';
import { seqAdd } from '../../../model/net/segment.ts';
import type { TcpCloseReason } from '../../../model/tcp/tcp.ts';
import { Net, SEC, establish } from './harness.ts';

const keepalive = { idleNs: 10 * SEC, intervalNs: 1 * SEC, count: 3 };

describe('keepalive', () => {
  it('is off by default', () => {
    const net = new Net({ seed: 111 });
    const [client] = establish(net);
    net.run(net.loop.now + 3600 * SEC);
    expect(client.t_state).toBe('ESTABLISHED');
    expect(net.eventsOf('keepalive-probe').length).toBe(0);
  });

  it('probes an idle connection and a live peer keeps it up', () => {
    const net = new Net({ seed: 112, tcpA: { keepalive } });
    const [client] = establish(net);
    const t0 = net.loop.now;
    net.run(t0 + 35 * SEC);
    expect(client.t_state).toBe('ESTABLISHED');
    const probes = net.eventsOf('keepalive-probe', 'A');
    expect(probes.length).toBe(3); // every ~10 s of silence after the peer's answer
    expect(probes[0]?.fields.seq).toBe(seqAdd(client.snd_una, -1));
    expect(probes[0]?.t).toBe(t0 + 10 * SEC - 10_000_000); // idle counted from the last segment received
  });

  it('drops the connection when the peer stops answering', () => {
    const net = new Net({ seed: 113, tcpA: { keepalive } });
    const [client] = establish(net);
    let reason: TcpCloseReason | undefined;
    client.onClosed = (r) => {
      reason = r;
    };
    const lastRcv = client.t_rcvtime;
    net.links.B.blackhole = true;
    net.run(net.loop.now + 60 * SEC, () => reason !== undefined);
    expect(reason).toBe('timeout');
    expect(net.loop.now).toBe(lastRcv + 10 * SEC + 3 * SEC);
    expect(net.eventsOf('keepalive-probe', 'A').length).toBe(3);
  });
});
