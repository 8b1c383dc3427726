// Proves delayed ACKs: a lone small segment is ACKed exactly delackNs after it arrives, the second of two full-sized segments is ACKed at once, and out-of-order or hole-filling segments are ACKed immediately.
import { describe, it, expect } from 'vitest';
import { seqAdd } from '../../../model/net/segment.ts';
import { MS, Net, SEC, establish, pattern } from './harness.ts';

/** Time of B's first pure ACK at or after t that acknowledges `ack`. */
function ackTime(net: Net, ack: number, t: number): number | undefined {
  return net.segsFrom('B').find((r) => r.t >= t && r.seg.payload.length === 0 && r.seg.ack === ack)
    ?.t;
}

describe('delayed ACK', () => {
  for (const delackNs of [undefined, 40 * MS]) {
    it(`ACKs a single small segment after the delack timeout (${(delackNs ?? 100 * MS) / MS} ms)`, () => {
      const net = new Net({ seed: 71, tcpB: delackNs === undefined ? {} : { delackNs } });
      const [client, server] = establish(net);
      server.onReadable = () => undefined; // nobody reads: no window update either
      const t0 = net.loop.now;
      client.write(pattern(100, 1));
      const end = seqAdd(client.snd_una, 100);
      net.run(t0 + 1 * SEC);
      const arrival = t0 + 10 * MS;
      expect(ackTime(net, end, t0)).toBe(arrival + (delackNs ?? 100 * MS));
    });
  }

  it('ACKs the second of two full-sized segments immediately', () => {
    const net = new Net({ seed: 72 });
    const [client] = establish(net);
    const t0 = net.loop.now;
    client.write(pattern(2 * 1460, 2));
    const end = seqAdd(client.snd_una, 2 * 1460);
    net.run(t0 + 1 * SEC);
    expect(ackTime(net, end, t0)).toBe(t0 + 10 * MS);
    // One ACK for two segments.
    const acks = net.segsFrom('B').filter((r) => r.t >= t0 && r.seg.payload.length === 0);
    expect(acks.length).toBe(1);
  });

  it('ACKs out-of-order and hole-filling segments at once', () => {
    const net = new Net({ seed: 73 });
    const [client] = establish(net);
    const una = client.snd_una;
    let first = true;
    net.links.A.drop = (seg) => {
      if (first && seg.seq === una && seg.payload.length > 0) {
        first = false;
        return true;
      }
      return false;
    };
    const t0 = net.loop.now;
    client.write(pattern(3 * 1460, 3));
    net.run(t0 + 11 * MS);
    // Two out-of-order segments: two immediate duplicate ACKs.
    const dups = net.segsFrom('B').filter((r) => r.t >= t0 && r.seg.ack === una);
    expect(dups.map((r) => r.t)).toEqual([t0 + 10 * MS, t0 + 10 * MS]);
    net.run(t0 + 2 * SEC);
    // The retransmission fills the hole: ACKed on arrival, covering everything.
    const rexmt = net
      .segsFrom('A')
      .find((r) => r.t > t0 && r.seg.seq === una && r.seg.payload.length > 0);
    expect(rexmt).toBeDefined();
    expect(ackTime(net, seqAdd(una, 3 * 1460), t0)).toBe((rexmt?.t as number) + 10 * MS);
  });
});
