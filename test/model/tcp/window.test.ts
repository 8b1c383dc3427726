// Proves the segment-acceptance and window rules directly: SND.WND is taken only from segments not older than the last update (RFC 9293 §3.10.7.4, snd_wl1/snd_wl2), ACKs for unsent data are refused, duplicate data is ACKed at once and discarded, partial duplicates and data beyond the window are trimmed.
import { describe, it, expect } from 'vitest';
import type { Segment } from '../../../model/net/segment.ts';
import { TH_ACK, seqAdd } from '../../../model/net/segment.ts';
import type { TcpConnection } from '../../../model/tcp/tcp.ts';
import { Net, SEC, establish, pattern } from './harness.ts';
import type { Side } from './harness.ts';

/** A segment from conn's peer to conn. */
function fromPeer(
  conn: TcpConnection,
  seq: number,
  ack: number,
  wnd: number,
  payload: Uint8Array = new Uint8Array(0),
): Segment {
  return {
    src: conn.faddr,
    dst: conn.laddr,
    sport: conn.fport,
    dport: conn.lport,
    seq,
    ack,
    flags: TH_ACK,
    wnd,
    urp: 0,
    options: {},
    payload,
    ipId: 77,
    ttl: 64,
  };
}

function lastFrom(net: Net, side: Side): Segment | undefined {
  return net.segsFrom(side).at(-1)?.seg;
}

describe('send window update (snd_wl1 / snd_wl2)', () => {
  it('takes the window from newer segments only', () => {
    const net = new Net({ seed: 121, tcpA: { wscale: null }, tcpB: { wscale: null } });
    const [client, server] = establish(net);
    // Let B send some data so its sequence numbers move on.
    server.write(pattern(3000, 1));
    net.run(net.loop.now + 1 * SEC);
    const wl1 = client.snd_wl1;
    const una = client.snd_una;
    // Same seq, same ack, bigger window: an update.
    client.input(fromPeer(client, wl1, una, 40000));
    expect(client.snd_wnd).toBe(40000);
    // Older seq (a reordered segment from before): its window is ignored.
    client.input(fromPeer(client, seqAdd(wl1, -1460), una, 100));
    expect(client.snd_wnd).toBe(40000);
    expect(client.snd_wl1).toBe(wl1);
    // Same seq again with a smaller window: accepted (RFC rule: wl1 == seq, wl2 <= ack).
    client.input(fromPeer(client, wl1, una, 30000));
    expect(client.snd_wnd).toBe(30000);
  });

  it('refuses an ACK for data never sent, answering with an ACK', () => {
    const net = new Net({ seed: 122 });
    const [client] = establish(net);
    const before = { una: client.snd_una, wnd: client.snd_wnd, n: net.segsFrom('A').length };
    client.input(fromPeer(client, client.rcv_nxt, seqAdd(client.snd_max, 1000), 5));
    expect(client.snd_una).toBe(before.una);
    expect(client.snd_wnd).toBe(before.wnd);
    expect(net.segsFrom('A').length).toBe(before.n + 1);
    expect(lastFrom(net, 'A')?.ack).toBe(client.rcv_nxt);
  });
});

describe('receiving data', () => {
  it('ACKs a wholly duplicate segment at once and discards it', () => {
    const net = new Net({ seed: 123 });
    const [client, server] = establish(net);
    client.write(pattern(1000, 2));
    net.run(net.loop.now + 1 * SEC);
    expect(server.readable).toBe(1000);
    const n = net.segsFrom('B').length;
    server.input(
      fromPeer(server, seqAdd(server.rcv_nxt, -1000), server.snd_nxt, 1000, pattern(1000, 2)),
    );
    expect(server.readable).toBe(1000);
    expect(net.segsFrom('B').length).toBe(n + 1); // immediate ACK, not delayed
    expect(lastFrom(net, 'B')?.ack).toBe(server.rcv_nxt);
  });

  it('keeps only the new part of a partial duplicate', () => {
    const net = new Net({ seed: 124 });
    const [client, server] = establish(net);
    const data = pattern(1000, 3);
    client.write(data.subarray(0, 600));
    net.run(net.loop.now + 1 * SEC);
    server.input(
      fromPeer(
        server,
        seqAdd(server.rcv_nxt, -100),
        server.snd_nxt,
        1000,
        data.subarray(500, 1000),
      ),
    );
    expect(server.readable).toBe(1000);
    expect(server.read(1000)).toEqual(data);
  });

  it('trims data beyond the window and keeps what fits', () => {
    const net = new Net({ seed: 125, tcpB: { rcvBuf: 2000, wscale: null } });
    const [, server] = establish(net);
    const wnd = server.rcv_wnd;
    expect(wnd).toBe(2000);
    const big = pattern(3000, 4);
    server.input(fromPeer(server, server.rcv_nxt, server.snd_nxt, 1000, big));
    expect(server.readable).toBe(2000);
    expect(server.read(2000)).toEqual(big.subarray(0, 2000));
    // Entirely beyond the window: dropped, answered with an ACK.
    const n = net.segsFrom('B').length;
    server.input(
      fromPeer(server, seqAdd(server.rcv_nxt, 5000), server.snd_nxt, 1000, pattern(10, 5)),
    );
    expect(server.t_segq.length).toBe(0);
    expect(net.segsFrom('B').length).toBe(n + 1);
  });
});
