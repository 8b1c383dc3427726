// Proves the timestamp rules of SPEC T-4 (RFC 7323 §3.2, §5) on either end of a connection: once negotiated every segment carries TSopt (keepalive probes included), a non-RST segment without TSopt is dropped (traced) unless tsMissing is 'accept', an RST without one is still processed, PAWS drops a segment whose TSval went backwards, TSval follows the ts_offset field (what a takeover must carry), and TSval never goes backwards on the wire.
import { describe, expect, it } from 'vitest';
import { TH_ACK, TH_RST, seqAdd, type Segment } from '../../../model/net/segment.ts';
import type { TcpConnection } from '../../../model/tcp/tcp.ts';
import { Net, SEC, establish, pattern } from './harness.ts';

const TS = { timestamps: true };

/** A segment from B to A on an established pair, as B would send it next. */
function fromB(server: TcpConnection, over: Partial<Segment>): Segment {
  return {
    src: server.laddr,
    dst: server.faddr,
    sport: server.lport,
    dport: server.fport,
    seq: server.snd_nxt,
    ack: server.rcv_nxt,
    flags: TH_ACK,
    wnd: 1000,
    urp: 0,
    options: { ts: { val: server.tsNow(), ecr: server.ts_recent } },
    payload: new Uint8Array(0),
    ipId: 1,
    ttl: 64,
    ...over,
  };
}

describe('timestamps (RFC 7323)', () => {
  it('puts TSopt on every segment once negotiated, keepalive probes included', () => {
    const keepalive = { idleNs: 5 * SEC, intervalNs: 1 * SEC, count: 3 };
    const net = new Net({ seed: 1, tcpA: { ...TS, keepalive }, tcpB: TS });
    const [client] = establish(net);
    client.write(pattern(5000, 1));
    net.run(net.loop.now + 20 * SEC);
    expect(net.eventsOf('keepalive-probe', 'A').length).toBeGreaterThan(0);
    for (const { seg } of net.segs) expect(seg.options.ts, JSON.stringify(seg.flags)).toBeDefined();
    // TSval never goes backwards from either end.
    for (const side of ['A', 'B'] as const) {
      const vals = net.segsFrom(side).map((r) => r.seg.options.ts?.val ?? 0);
      for (let i = 1; i < vals.length; i++)
        expect(vals[i]).toBeGreaterThanOrEqual(vals[i - 1] ?? 0);
    }
  });

  for (const side of ['client', 'server'] as const) {
    it(`drops a data segment without TSopt (${side} end), keeps it with tsMissing accept`, () => {
      for (const tsMissing of ['drop', 'accept'] as const) {
        const net = new Net({ seed: 2, tcpA: { ...TS, tsMissing }, tcpB: { ...TS, tsMissing } });
        const [client, server] = establish(net);
        const [rx, tx, to] =
          side === 'client' ? [client, server, 'A' as const] : [server, client, 'B' as const];
        const before = rx.rcv_nxt;
        net.inject(to, { ...fromB(tx, { payload: new Uint8Array(10) }), options: {} });
        net.run(net.loop.now + 1 * SEC);
        expect(rx.rcv_nxt).toBe(tsMissing === 'drop' ? before : seqAdd(before, 10));
        expect(net.eventsOf('ts-missing-drop', to).length).toBe(tsMissing === 'drop' ? 1 : 0);
      }
    });

    it(`processes an RST without TSopt (${side} end)`, () => {
      const net = new Net({ seed: 3, tcpA: TS, tcpB: TS });
      const [client, server] = establish(net);
      const [rx, tx, to] =
        side === 'client' ? [client, server, 'A' as const] : [server, client, 'B' as const];
      net.inject(to, { ...fromB(tx, { flags: TH_RST | TH_ACK }), options: {} });
      net.run(net.loop.now + 1 * SEC);
      expect(rx.t_state).toBe('CLOSED');
    });

    it(`PAWS drops a segment whose TSval went backwards (${side} end)`, () => {
      const net = new Net({ seed: 4, tcpA: TS, tcpB: TS });
      const [client, server] = establish(net);
      net.run(net.loop.now + 2 * SEC);
      const [rx, tx, to] =
        side === 'client' ? [client, server, 'A' as const] : [server, client, 'B' as const];
      const before = rx.rcv_nxt;
      const old = { val: (rx.ts_recent - 1000) >>> 0, ecr: 0 };
      net.inject(to, { ...fromB(tx, { payload: new Uint8Array(10) }), options: { ts: old } });
      net.run(net.loop.now + 1 * SEC);
      expect(rx.rcv_nxt).toBe(before);
      expect(net.eventsOf('paws-drop', to).length).toBe(1);
      // The same data with a current TSval is taken.
      net.inject(to, fromB(tx, { payload: new Uint8Array(10) }));
      net.run(net.loop.now + 1 * SEC);
      expect(rx.rcv_nxt).toBe(seqAdd(before, 10));
    });
  }

  it('forms TSval from the ts_offset field (replicated by PSRM, SPEC M-6)', () => {
    const net = new Net({ seed: 5, tcpA: { ...TS, tsOffset: 1000 }, tcpB: TS });
    const [client] = establish(net);
    const t = client.tsNow();
    client.ts_offset += 5000;
    expect(client.tsNow()).toBe((t + 5000) >>> 0);
  });
});
