// Proves the receive buffer's high-water-mark invariant (SPEC P-10, issue 12 item 9): so_rcv
// may outgrow hiwat only inside a window TCP already offered; an over-reported receive space
// that lets TCP take data it never offered room for crashes the run with an AssertionError
// (a broken internal invariant), while the same segment within the offered window is fine.
import { describe, expect, it } from 'vitest';
import { TH_ACK } from '../../../model/net/segment.ts';
import type { TcpConnection } from '../../../model/tcp/tcp.ts';
import { AssertionError } from '../../../sim/index.ts';
import { ADDR_A, ADDR_B, Net, establish } from './harness.ts';

/** A data segment from A to B at `seq` with `len` bytes, acknowledging B's data. */
function dataSeg(client: TcpConnection, server: TcpConnection, seq: number, len: number) {
  return {
    src: ADDR_A,
    dst: ADDR_B,
    sport: client.lport,
    dport: server.lport,
    seq,
    ack: server.snd_nxt,
    flags: TH_ACK,
    wnd: 100,
    urp: 0,
    options: {},
    payload: new Uint8Array(len).fill(7),
    ipId: 1,
    ttl: 64,
  };
}

describe('so_rcv high-water mark', () => {
  const setup = (space: (c: TcpConnection) => number) => {
    const net = new Net({ seed: 3, tcpA: { wscale: null }, tcpB: { wscale: null, rcvBuf: 4000 } });
    const [client, server] = establish(net);
    server.rcvSpacePolicy = space;
    return { net, client, server };
  };

  it('passes: data inside the offered window is taken (nobody reads: so_rcv fills to hiwat)', () => {
    const { client, server } = setup((c) => c.so_rcv.sbspace());
    server.input(dataSeg(client, server, server.rcv_nxt, 4000));
    expect(server.so_rcv.cc).toBe(4000);
  });

  it('fails: a policy that over-reports the space lets TCP take bytes past hiwat beyond the offered window', () => {
    const { client, server } = setup(() => 1 << 20);
    expect(server.so_rcv.hiwat).toBe(4000);
    // Beyond rcv_adv: an honest peer never sends it, but the over-reported space accepts it.
    const seg = dataSeg(client, server, server.rcv_nxt, 6000);
    expect(() => server.input(seg)).toThrow(/outside the offered window/);
    expect(() => server.input(dataSeg(client, server, server.rcv_nxt, 6000))).toThrow(
      AssertionError,
    );
  });
});
