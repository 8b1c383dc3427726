// Proves the replication hooks: sndLimit caps what output transmits until it grows, sosendHook / soreceiveHook / onRcvAppend see exactly the bytes written, read and appended, a replica connection (adoptReplica) never transmits nor arms timers while its receive state follows the segments it is given, and abort() removes a replica that never became active.
import { describe, it, expect } from 'vitest';
import { seqAdd, seqDiff } from '../../../model/net/segment.ts';
import { ADDR_A, Net, SEC, concat, establish, firstDiff, pattern } from './harness.ts';

describe('replication hooks', () => {
  it('sndLimit holds back bytes until the owner raises it', () => {
    const net = new Net({ seed: 141 });
    const [client, server] = establish(net);
    let limit = 1000;
    client.sndLimit = (c) => limit - seqDiff(c.snd_una, seqAdd(c.iss, 1)); // bytes past the stream start
    const sent: Uint8Array[] = [];
    client.sosendHook = (_c, bytes) => sent.push(bytes.slice());
    const data = pattern(5000, 1);
    expect(client.write(data)).toBe(5000);
    expect(firstDiff(concat(sent), data)).toBe(-1);
    net.run(net.loop.now + 1 * SEC);
    expect(server.readable).toBe(1000);
    expect(client.snd_max).toBe(seqAdd(client.iss, 1 + 1000));
    limit = 5000;
    client.output();
    net.run(net.loop.now + 1 * SEC);
    expect(server.readable).toBe(5000);
  });

  it('soreceiveHook and onRcvAppend see reads and appends', () => {
    const net = new Net({ seed: 142 });
    const [client, server] = establish(net);
    const appended: Uint8Array[] = [];
    let reads = 0;
    server.onRcvAppend = (b) => appended.push(b.slice());
    server.soreceiveHook = () => reads++;
    const data = pattern(7000, 2);
    client.write(data);
    net.run(net.loop.now + 1 * SEC);
    expect(firstDiff(concat(appended), data)).toBe(-1);
    expect(reads).toBe(0);
    server.read(10);
    server.read(0);
    expect(reads).toBe(1);
  });

  it('a replica follows input but never transmits or arms timers', () => {
    const net = new Net({ seed: 143 });
    const [client, server] = establish(net);
    // B's own stack stands in for the backup RE's: the replica gets a distinct 4-tuple.
    const backup = net.b;
    const rep = backup.adoptReplica(server.lport, ADDR_A, 1234);
    expect(rep?.t_state).toBe('CLOSED');
    expect(rep?.replica).toBe(true);
    expect(backup.adoptReplica(server.lport, ADDR_A, 1234)).toBeUndefined();
    if (rep === undefined) throw new Error('unreachable');
    // PSRM-style initialisation from the primary's state.
    rep.iss = server.iss;
    rep.irs = server.irs;
    rep.rcv_nxt = server.rcv_nxt;
    rep.rcv_adv = server.rcv_adv;
    rep.snd_una = rep.snd_nxt = rep.snd_max = server.snd_una;
    rep.snd_wl1 = server.snd_wl1;
    rep.snd_wl2 = server.snd_wl2;
    rep.t_maxseg = server.t_maxseg;
    rep.snd_cwnd = server.snd_cwnd;
    rep.setState('ESTABLISHED');
    // Feed it a copy of what reaches the primary.
    const before = net.segs.length;
    const data = pattern(3000, 3);
    client.write(data);
    const copies = (): void => {
      for (const r of net.segs.slice(before))
        if (r.from === 'A' && r.seg.payload.length > 0) rep.input({ ...r.seg, sport: 1234 });
    };
    net.run(net.loop.now + 1 * SEC);
    copies();
    expect(rep.rcv_nxt).toBe(server.rcv_nxt);
    expect(rep.read(3000)).toEqual(data);
    // Nothing from the replica's 4-tuple ever went out, and no timer is pending.
    expect(net.segs.some((r) => r.from === 'B' && r.seg.dport === 1234)).toBe(false);
    for (const k of ['rexmt', 'persist', 'keep', '2msl', 'delack'] as const)
      expect(rep.isTimerPending(k)).toBe(false);
  });

  it('abort() removes a replica that never became active', () => {
    const net = new Net({ seed: 144 });
    const rep = net.b.adoptReplica(179, ADDR_A, 5555);
    expect([...net.b.connections()].length).toBe(1);
    rep?.abort();
    expect([...net.b.connections()].length).toBe(0);
  });
});
