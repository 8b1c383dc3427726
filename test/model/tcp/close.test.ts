// Proves the connection-ending paths: active close (FIN_WAIT_1/2, TIME_WAIT for exactly 2*MSL), passive close (CLOSE_WAIT, LAST_ACK), simultaneous close (CLOSING), RST for a closed port (never in reply to an RST), abort() seen by the peer as 'reset', and RFC 5961 RST handling (exact match resets, in-window draws a challenge ACK, out-of-window is ignored).
import { describe, it, expect } from 'vitest';
import type { Segment } from '../../../model/net/segment.ts';
import { TH_ACK, TH_RST, TH_SYN, seqAdd } from '../../../model/net/segment.ts';
import type { TcpCloseReason, TcpConnection, TcpState } from '../../../model/tcp/tcp.ts';
import { ADDR_A, ADDR_B, MS, Net, SEC, establish } from './harness.ts';
import type { Side } from './harness.ts';

const MSL = 5 * SEC;

function statesOf(net: Net, side: Side): TcpState[] {
  const out: TcpState[] = [];
  for (const e of net.eventsOf('state', side)) out.push(e.fields.to as TcpState);
  return out;
}

function watchClose(conn: TcpConnection): { reason: TcpCloseReason | undefined; fin: boolean } {
  const w: { reason: TcpCloseReason | undefined; fin: boolean } = { reason: undefined, fin: false };
  conn.onClosed = (r) => {
    w.reason = r;
  };
  conn.onPeerFin = () => {
    w.fin = true;
  };
  return w;
}

function rstTo(conn: TcpConnection, seq: number): Segment {
  return {
    src: conn.faddr,
    dst: conn.laddr,
    sport: conn.fport,
    dport: conn.lport,
    seq,
    ack: 0,
    flags: TH_RST,
    wnd: 0,
    urp: 0,
    options: {},
    payload: new Uint8Array(0),
    ipId: 9,
    ttl: 64,
  };
}

describe('FIN paths', () => {
  it('active close: FIN_WAIT_1 -> FIN_WAIT_2 -> TIME_WAIT for 2*MSL; peer CLOSE_WAIT -> LAST_ACK -> CLOSED', () => {
    const net = new Net({ seed: 51, tcpA: { mslNs: MSL }, tcpB: { mslNs: MSL } });
    const [client, server] = establish(net);
    const wc = watchClose(client);
    const ws = watchClose(server);
    client.shutdown();
    net.run(net.loop.now + 1 * SEC);
    expect(client.t_state).toBe('FIN_WAIT_2');
    expect(server.t_state).toBe('CLOSE_WAIT');
    expect(ws.fin).toBe(true);
    expect(wc.reason).toBeUndefined();
    // Half close: the server can still send, the client still reads.
    expect(server.write(new Uint8Array([1, 2, 3]))).toBe(3);
    net.run(net.loop.now + 1 * SEC);
    expect(client.read(10)).toEqual(new Uint8Array([1, 2, 3]));
    server.close();
    net.run(net.loop.now + 1 * SEC);
    expect(server.t_state).toBe('CLOSED');
    expect(ws.reason).toBe('normal');
    expect(client.t_state).toBe('TIME_WAIT');
    expect(wc.reason).toBe('normal');
    expect(statesOf(net, 'A')).toEqual([
      'SYN_SENT',
      'ESTABLISHED',
      'FIN_WAIT_1',
      'FIN_WAIT_2',
      'TIME_WAIT',
    ]);
    expect(statesOf(net, 'B')).toEqual([
      'LISTEN',
      'SYN_RECEIVED',
      'ESTABLISHED',
      'CLOSE_WAIT',
      'LAST_ACK',
      'CLOSED',
    ]);
    const entered = net.eventsOf('state', 'A').at(-1)?.t as number;
    net.run(net.loop.now + 60 * SEC);
    const left = net.eventsOf('state', 'A').at(-1);
    expect(left?.fields.to).toBe('CLOSED');
    expect((left?.t as number) - entered).toBe(2 * MSL);
    expect([...net.a.connections()]).toEqual([]);
    expect([...net.b.connections()]).toEqual([]);
    expect(net.eventsOf('rst-sent').length).toBe(0);
  });

  it('passive close: the peer closes first and this side goes CLOSE_WAIT -> LAST_ACK -> CLOSED', () => {
    const net = new Net({ seed: 52, tcpA: { mslNs: MSL }, tcpB: { mslNs: MSL } });
    const [client, server] = establish(net);
    const wc = watchClose(client);
    server.onPeerFin = () => undefined;
    server.shutdown();
    net.run(net.loop.now + 1 * SEC);
    expect(client.t_state).toBe('CLOSE_WAIT');
    expect(wc.fin).toBe(true);
    client.close();
    net.run(net.loop.now + 1 * SEC);
    expect(wc.reason).toBe('normal');
    expect(statesOf(net, 'A')).toEqual([
      'SYN_SENT',
      'ESTABLISHED',
      'CLOSE_WAIT',
      'LAST_ACK',
      'CLOSED',
    ]);
    expect(server.t_state).toBe('TIME_WAIT');
  });

  it('simultaneous close: both sides pass through CLOSING into TIME_WAIT', () => {
    const net = new Net({ seed: 53, tcpA: { mslNs: MSL }, tcpB: { mslNs: MSL } });
    const [client, server] = establish(net);
    const wc = watchClose(client);
    const ws = watchClose(server);
    client.shutdown();
    server.shutdown(); // before either FIN arrives
    net.run(net.loop.now + 1 * SEC);
    for (const side of ['A', 'B'] as const) {
      const st = statesOf(net, side);
      expect(st.slice(-3)).toEqual(['FIN_WAIT_1', 'CLOSING', 'TIME_WAIT']);
    }
    expect([wc.reason, ws.reason]).toEqual(['normal', 'normal']);
    net.run(net.loop.now + 2 * MSL + 1 * SEC);
    expect(client.t_state).toBe('CLOSED');
    expect(server.t_state).toBe('CLOSED');
  });

  it('a retransmitted FIN in TIME_WAIT is ACKed again and restarts the 2MSL timer', () => {
    const net = new Net({ seed: 54, tcpA: { mslNs: MSL }, tcpB: { mslNs: MSL } });
    const [client, server] = establish(net);
    client.shutdown();
    net.run(net.loop.now + 1 * SEC);
    // Lose the client's final ACK: the server retransmits its FIN.
    net.links.A.drop = (seg) =>
      seg.payload.length === 0 && (seg.flags & TH_ACK) !== 0 && server.t_state === 'LAST_ACK';
    server.shutdown();
    net.run(net.loop.now + 100 * MS);
    expect(client.t_state).toBe('TIME_WAIT');
    expect(server.t_state).toBe('LAST_ACK');
    const t0 = net.loop.now;
    net.links.A.drop = undefined;
    net.run(net.loop.now + 1 * SEC);
    expect(server.t_state).toBe('CLOSED');
    expect(client.t_state).toBe('TIME_WAIT');
    const rexmt = net.eventsOf('retransmit', 'B').find((e) => e.t > t0 - 100 * MS);
    expect(rexmt?.fields.fin).toBe(true);
    net.run(net.loop.now + 60 * SEC);
    const left = net.eventsOf('state', 'A').at(-1);
    expect(left?.fields.to).toBe('CLOSED');
    // 2MSL counted from the retransmitted FIN's arrival, not from entering TIME_WAIT.
    expect(left?.t as number).toBeGreaterThan(t0 + 2 * MSL);
  });
});

describe('RST', () => {
  it('a SYN to a closed port is answered with RST|ACK and the opener sees reset', () => {
    const net = new Net({ seed: 61 });
    const conn = net.a.connect(undefined, ADDR_B, 81);
    const w = watchClose(conn);
    net.run(1 * SEC);
    const rst = net.segsFrom('B')[0]?.seg;
    expect(rst?.flags).toBe(TH_RST | TH_ACK);
    expect(rst?.seq).toBe(0);
    expect(rst?.ack).toBe(seqAdd(conn.iss, 1));
    expect(w.reason).toBe('reset');
    expect(conn.t_state).toBe('CLOSED');
    expect(net.eventsOf('rst-sent', 'B')[0]?.conn).toBeUndefined();
  });

  it('an ACK to a closed port gets RST with seq = its ack; an RST gets nothing', () => {
    const net = new Net({ seed: 62 });
    const base: Segment = {
      src: ADDR_A,
      dst: ADDR_B,
      sport: 40001,
      dport: 82,
      seq: 100,
      ack: 5555,
      flags: TH_ACK,
      wnd: 100,
      urp: 0,
      options: {},
      payload: new Uint8Array(10),
      ipId: 1,
      ttl: 64,
    };
    net.inject('B', base);
    expect(net.segsFrom('B').length).toBe(1);
    const rst = net.segsFrom('B')[0]?.seg;
    expect(rst?.flags).toBe(TH_RST);
    expect(rst?.seq).toBe(5555);
    net.inject('B', { ...base, flags: TH_RST | TH_ACK });
    net.inject('B', { ...base, flags: TH_RST });
    expect(net.segsFrom('B').length).toBe(1);
    // A listener answers a bare ACK with RST too, and ignores RST.
    net.b.listen(82, () => undefined);
    net.inject('B', base);
    net.inject('B', { ...base, flags: TH_RST });
    expect(net.segsFrom('B').length).toBe(2);
    expect([...net.b.connections()]).toEqual([]);
  });

  it('abort() sends RST: the peer closes with reset, the aborter with aborted', () => {
    const net = new Net({ seed: 63 });
    const [client, server] = establish(net);
    const wc = watchClose(client);
    const ws = watchClose(server);
    client.abort();
    expect(wc.reason).toBe('aborted');
    expect(client.t_state).toBe('CLOSED');
    net.run(net.loop.now + 1 * SEC);
    expect(ws.reason).toBe('reset');
    expect(server.t_state).toBe('CLOSED');
    expect(net.eventsOf('rst-received', 'B').length).toBe(1);
  });

  it('abort() with data in flight still resets the peer (via the challenge ACK round trip)', () => {
    const net = new Net({ seed: 64 });
    const [client, server] = establish(net);
    const ws = watchClose(server);
    server.write(new Uint8Array(3000)); // the client's rcv_nxt will move past what it ACKed
    net.run(net.loop.now + 12 * MS);
    client.abort();
    net.run(net.loop.now + 2 * SEC);
    expect(ws.reason).toBe('reset');
  });

  it('an out-of-window RST is ignored, an in-window one draws a challenge ACK, an exact one resets', () => {
    const net = new Net({ seed: 65 });
    const [client, server] = establish(net);
    const ws = watchClose(server);
    const before = net.segsFrom('B').length;
    net.inject('B', rstTo(server, seqAdd(server.rcv_nxt, 1_000_000)));
    expect(server.t_state).toBe('ESTABLISHED');
    expect(net.eventsOf('rst-ignored', 'B').length).toBe(1);
    expect(net.segsFrom('B').length).toBe(before);
    net.inject('B', rstTo(server, seqAdd(server.rcv_nxt, 100)));
    expect(server.t_state).toBe('ESTABLISHED');
    expect(net.eventsOf('challenge-ack', 'B').length).toBe(1);
    const ch = net.segsFrom('B').at(-1)?.seg;
    expect(ch?.flags).toBe(TH_ACK);
    expect(ch?.ack).toBe(server.rcv_nxt);
    net.inject('B', rstTo(server, seqAdd(server.rcv_nxt, -1)));
    expect(server.t_state).toBe('ESTABLISHED');
    net.inject('B', rstTo(server, server.rcv_nxt));
    expect(server.t_state).toBe('CLOSED');
    expect(ws.reason).toBe('reset');
    expect(client.t_state).toBe('ESTABLISHED');
  });

  it('a SYN on an established connection draws a challenge ACK, not a reset', () => {
    const net = new Net({ seed: 66 });
    const [, server] = establish(net);
    net.inject('B', {
      src: server.faddr,
      dst: server.laddr,
      sport: server.fport,
      dport: server.lport,
      seq: seqAdd(server.rcv_nxt, 10),
      ack: 0,
      flags: TH_SYN,
      wnd: 1000,
      urp: 0,
      options: {},
      payload: new Uint8Array(0),
      ipId: 3,
      ttl: 64,
    });
    expect(server.t_state).toBe('ESTABLISHED');
    expect(net.eventsOf('challenge-ack', 'B').length).toBe(1);
  });
});
