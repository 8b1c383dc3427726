// Proves the RFC 6298 retransmission timer: into a black hole, retransmissions of the same data come at intervals that double from the current RTO up to rtoMax, the connection is dropped with reason 'timeout' after maxRetries, SYNs back off from the 1 s initial RTO, and Karn's rule keeps retransmitted segments out of the RTT estimate.
import { describe, it, expect } from 'vitest';
import type { TcpCloseReason } from '../../../model/tcp/tcp.ts';
import { ADDR_B, MS, Net, SEC, establish, pattern } from './harness.ts';

/** Times at which A put data segments starting at `seq` on the wire. */
function sendTimes(net: Net, seq: number): number[] {
  return net
    .segsFrom('A')
    .filter((r) => r.seg.payload.length > 0 && r.seg.seq === seq)
    .map((r) => r.t);
}

function gaps(ts: number[]): number[] {
  return ts.slice(1).map((t, i) => t - (ts[i] as number));
}

describe('retransmission timeout', () => {
  it('doubles the RTO per timeout and gives up after maxRetries with reason timeout', () => {
    const net = new Net({ seed: 11, tcpA: { maxRetries: 6 } });
    const [client] = establish(net);
    let reason: TcpCloseReason | undefined;
    client.onClosed = (r) => {
      reason = r;
    };
    net.links.A.blackhole = true;
    const seq = client.snd_nxt;
    const rto0 = client.t_rxtcur;
    expect(rto0).toBe(200 * MS); // 20 ms RTT: SRTT + 4*RTTVAR = 60 ms, raised to rtoMin
    client.write(pattern(1000, 1));
    net.run(net.loop.now + 3600 * SEC, () => reason !== undefined);
    expect(reason).toBe('timeout');
    expect(client.t_state).toBe('CLOSED');
    const ts = sendTimes(net, seq);
    expect(ts.length).toBe(1 + 6); // original + maxRetries retransmissions
    expect(gaps(ts)).toEqual([1, 2, 4, 8, 16, 32].map((k) => k * rto0).slice(0, 6));
    // The 7th timeout (64 * rto0 after the last retransmission) drops the connection.
    const last = ts[ts.length - 1] as number;
    const rstEv = net.eventsOf('timeout', 'A')[0];
    expect(rstEv?.t).toBe(last + 64 * rto0);
    expect(net.eventsOf('rto', 'A').map((e) => e.fields.shift)).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...net.a.connections()].length).toBe(0);
  });

  it('goes back to snd_una with cwnd = 1 MSS after a timeout', () => {
    const net = new Net({ seed: 15 });
    const [client] = establish(net);
    net.links.A.blackhole = true;
    client.write(pattern(4000, 4)); // IW: three segments out
    const una = client.snd_una;
    expect(client.snd_nxt).toBe((una + 4000) >>> 0);
    net.run(net.loop.now + 250 * MS);
    expect(net.eventsOf('rto', 'A').length).toBe(1);
    expect(client.snd_cwnd).toBe(client.t_maxseg);
    expect(client.snd_ssthresh).toBe(2 * client.t_maxseg);
    expect(client.snd_nxt).toBe((una + client.t_maxseg) >>> 0);
    expect(client.snd_max).toBe((una + 4000) >>> 0);
    const rexmits = net.eventsOf('retransmit', 'A');
    expect(rexmits.length).toBe(1);
    expect(rexmits[0]?.fields.seq).toBe(una);
  });

  it('caps the backed-off RTO at rtoMax', () => {
    const net = new Net({ seed: 12, tcpA: { maxRetries: 9, rtoMaxNs: 2 * SEC } });
    const [client] = establish(net);
    net.links.A.blackhole = true;
    const seq = client.snd_nxt;
    client.write(pattern(500, 2));
    let closed = false;
    client.onClosed = () => {
      closed = true;
    };
    net.run(net.loop.now + 3600 * SEC, () => closed);
    const g = gaps(sendTimes(net, seq));
    expect(g).toEqual([200, 400, 800, 1600, 2000, 2000, 2000, 2000, 2000].map((m) => m * MS));
  });

  it('backs off SYN retransmissions from the initial RTO and times out the open', () => {
    const net = new Net({ seed: 13, tcpA: { maxRetries: 4 } });
    net.links.A.blackhole = true;
    const conn = net.a.connect(undefined, ADDR_B, 80);
    let reason: TcpCloseReason | undefined;
    conn.onClosed = (r) => {
      reason = r;
    };
    net.run(3600 * SEC, () => reason !== undefined);
    const syns = net.segsFrom('A').map((r) => r.t);
    expect(gaps(syns)).toEqual([1, 2, 4, 8].map((s) => s * SEC));
    expect(reason).toBe('timeout');
    expect(net.loop.now).toBe(31 * SEC); // 1 + 2 + 4 + 8 + 16
  });

  it("Karn's rule: an ACK for retransmitted data gives no RTT sample", () => {
    const net = new Net({ seed: 14 });
    const [client] = establish(net);
    const srtt0 = client.t_srtt;
    expect(srtt0).toBeGreaterThan(19 * MS);
    expect(srtt0).toBeLessThan(21 * MS);
    net.links.A.blackhole = true;
    client.write(pattern(1000, 3));
    net.run(net.loop.now + 1 * SEC); // timeouts at 200 and 600 ms
    expect(net.eventsOf('rto', 'A').length).toBe(2);
    net.links.A.blackhole = false;
    net.run(net.loop.now + 5 * SEC, () => client.snd_una === client.snd_max);
    expect(client.snd_una).toBe(client.snd_max);
    // Timing the first transmission would have given ~1.4 s.
    expect(client.t_srtt).toBe(srtt0);
    // Forward progress ends the backoff.
    expect(client.t_rxtshift).toBe(0);
    expect(client.t_rxtcur).toBe(200 * MS);
  });
});

describe('timer handles', () => {
  it('asserts when the host hands back a timer handle that is not an event id (>= 0)', () => {
    // The connection keeps -1 for "no timer of this kind": a negative handle would read as
    // none, and the timer could never be cleared.
    const net = new Net({ seed: 1 });
    const [client] = establish(net);
    const env = client.env as { setTimer: (...a: unknown[]) => number };
    env.setTimer = () => -1;
    expect(() => client.write(pattern(100, 1))).toThrow(/TCP rexmt timer: host handle -1/);
  });
});
