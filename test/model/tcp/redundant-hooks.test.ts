// Proves the two Redundant TCP hooks (SPEC) and that they are off by default: issFor replaces the ISS draw on both an active and a passive open, an ACK above snd_max goes to ackAheadHook whole and unprocessed (and input again later it is processed as any ACK), and a TCP without the hook drops it after an ACK exactly as before.
import { describe, expect, it } from 'vitest';
import { TH_ACK, seqAdd, type Segment } from '../../../model/net/segment.ts';
import { ADDR_A, ADDR_B, Net, SEC, establish, pattern } from './harness.ts';

/** A pure ACK from B to A's connection, acknowledging `ack`. */
function ackTo(client: { lport: number; rcv_nxt: number }, ack: number): Segment {
  return {
    src: ADDR_B,
    dst: ADDR_A,
    sport: 80,
    dport: client.lport,
    seq: client.rcv_nxt,
    ack,
    flags: TH_ACK,
    wnd: 1000,
    urp: 0,
    options: {},
    payload: new Uint8Array(0),
    ipId: 1,
    ttl: 64,
  };
}

describe('issFor (R-4)', () => {
  it('sets the ISS of an active and a passive open; unset, the ISS is drawn', () => {
    const net = new Net({ seed: 161 });
    net.a.issFor = (c) => 1000 + c.fport;
    net.b.issFor = (c) => 2000 + c.lport;
    const [client, server] = establish(net);
    expect(client.iss).toBe(1080);
    expect(server.iss).toBe(2080);
    const plain = new Net({ seed: 161 });
    const [c2, s2] = establish(plain);
    expect([c2.iss, s2.iss]).not.toContain(1080);
    expect(s2.iss).not.toBe(2080);
  });
});

describe('ackAheadHook (R-2)', () => {
  it('takes an ACK above snd_max before anything of it is processed; replayed later, it acts', () => {
    const net = new Net({ seed: 162 });
    const [client] = establish(net);
    const taken: Segment[] = [];
    client.ackAheadHook = (_c, seg) => {
      taken.push(seg);
      return true;
    };
    net.links.A.blackhole = true; // A's data never reaches B: only the injected ACK acknowledges it
    const una = client.snd_una;
    const sentBefore = net.segsFrom('A').length;
    const early = ackTo(client, seqAdd(client.snd_max, 500));
    net.inject('A', early);
    expect(taken).toEqual([early]);
    expect(client.snd_una).toBe(una);
    expect(net.segsFrom('A').length).toBe(sentBefore); // no ACK in reply: untouched
    client.write(pattern(500, 3));
    expect(client.snd_max).toBe(seqAdd(una, 500));
    net.inject('A', early); // the owner's replay once output reached the sequence
    expect(taken).toHaveLength(1);
    expect(client.snd_una).toBe(seqAdd(una, 500));
  });

  it('a hook that declines, and no hook at all, leave plain BSD behaviour (drop after ACK)', () => {
    for (const hook of [undefined, () => false] as const) {
      const net = new Net({ seed: 163 });
      const [client] = establish(net);
      if (hook !== undefined) client.ackAheadHook = hook;
      const una = client.snd_una;
      const sentBefore = net.segsFrom('A').length;
      net.inject('A', ackTo(client, seqAdd(client.snd_max, 500)));
      expect(client.snd_una).toBe(una);
      const replies = net.segsFrom('A').slice(sentBefore);
      expect(replies).toHaveLength(1);
      expect(replies[0]?.seg.ack).toBe(client.rcv_nxt);
      net.run(net.loop.now + SEC);
    }
  });
});
