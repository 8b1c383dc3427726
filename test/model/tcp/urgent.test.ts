// Proves the urgent pointer is carried: an urgent write sets snd_up, every segment sent while snd_up is ahead carries TH_URG with seq + urp == snd_up, the receiver's rcv_up advances to that mark, and the data itself stays inline and in order.
import { describe, it, expect } from 'vitest';
import { TH_URG, seqAdd } from '../../../model/net/segment.ts';
import { Net, SEC, concat, establish, firstDiff, pattern, readAll } from './harness.ts';

describe('urgent pointer', () => {
  it('marks segments and advances rcv_up; bytes stay inline', () => {
    const net = new Net({ seed: 91 });
    const [client, server] = establish(net);
    const sink: Uint8Array[] = [];
    readAll(server, sink);
    const normal = pattern(3000, 1);
    const urgent = pattern(10, 2);
    const start = client.snd_una;
    expect(client.write(normal)).toBe(3000);
    expect(client.write(urgent, { urgent: true })).toBe(10);
    const mark = seqAdd(start, 3010);
    expect(client.snd_up).toBe(mark);
    net.run(net.loop.now + 2 * SEC);
    const urgSegs = net.segsFrom('A').filter((r) => (r.seg.flags & TH_URG) !== 0);
    expect(urgSegs.length).toBeGreaterThan(0);
    for (const r of urgSegs) expect(seqAdd(r.seg.seq, r.seg.urp)).toBe(mark);
    // Segments after the mark was sent and acknowledged carry no URG.
    const lastUrg = urgSegs.at(-1)?.t as number;
    expect(
      net.segsFrom('A').filter((r) => r.t > lastUrg + 100_000_000 && (r.seg.flags & TH_URG) !== 0),
    ).toEqual([]);
    const ev = net.eventsOf('urgent', 'B');
    expect(ev.length).toBe(1);
    expect(ev[0]?.fields.rcv_up).toBe(mark);
    expect(server.rcv_up).toBe(server.rcv_nxt); // and it follows rcv_nxt afterwards
    expect(firstDiff(concat(sink), concat([normal, urgent]))).toBe(-1);
  });
});
