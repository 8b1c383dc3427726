// Proves the in-order checker (SPEC G-4) accepts packets going up L4 in arrival order on the primary and in PRL sequence order on the secondary, per socket, and reports a packet that goes up after a later one, once per session.
import { describe, expect, it } from 'vitest';
import { IN_ORDER, InOrderCheck } from '../../../model/checks/in-order.ts';
import { collector, Records } from './fixture.ts';
import { ACTOR, K } from '../../../model/vocab.ts';

const l4 = (
  r: Records,
  actor: string,
  role: string,
  handle: number,
  order: number,
  session = 'pa/0',
) =>
  r.rec(actor, 'prl.l4', {
    session,
    handle,
    role,
    ...(role === 'primary' ? { arrival: order, seq: order } : { seq: order, arrival: -1 }),
    tcpSeq: 1000 + order,
  });

describe('in-order', () => {
  it('passes: rising arrival indexes on the primary, rising sequence numbers on the secondary, sockets independent', () => {
    const c = new InOrderCheck();
    const { report, got } = collector();
    const r = new Records();
    expect(c.id).toBe(IN_ORDER);
    for (const n of [0, 1, 2, 5]) c.onRecord(l4(r, ACTOR.nsr(0, 'prl'), 'primary', 1, n), report);
    for (const n of [0, 1, 2]) c.onRecord(l4(r, ACTOR.nsr(1, 'prl'), 'secondary', 7, n), report);
    // Another socket on the same RE starts its own order.
    for (const n of [0, 1]) c.onRecord(l4(r, ACTOR.nsr(0, 'prl'), 'primary', 2, n, 'pa/1'), report);
    // Packets outside replication (order -1) and other roles are not judged.
    c.onRecord(l4(r, ACTOR.nsr(0, 'prl'), 'primary', 1, -1), report);
    c.onRecord(
      r.rec(ACTOR.nsr(0, 'prl'), K.prl.l4, { session: 'pa/0', handle: 1, role: 'none', seq: -1 }),
      report,
    );
    expect(got).toEqual([]);
  });

  it('fails: the primary passes packet 1 up after packet 2', () => {
    const c = new InOrderCheck();
    const { report, got } = collector();
    const r = new Records();
    c.onRecord(l4(r, ACTOR.nsr(0, 'prl'), 'primary', 1, 0), report);
    c.onRecord(l4(r, ACTOR.nsr(0, 'prl'), 'primary', 1, 2), report);
    const bad = l4(r, ACTOR.nsr(0, 'prl'), 'primary', 1, 1);
    c.onRecord(bad, report);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({
      recordId: bad.id,
      timeNs: bad.t,
      evidence: { session: 'pa/0', role: 'primary', previous: 2, got: 1 },
    });
    // One violation per session.
    c.onRecord(l4(r, ACTOR.nsr(0, 'prl'), 'primary', 1, 0), report);
    expect(got).toHaveLength(1);
  });

  it('fails: the secondary passes the same sequence number up twice', () => {
    const c = new InOrderCheck();
    const { report, got } = collector();
    const r = new Records();
    c.onRecord(l4(r, ACTOR.nsr(1, 'prl'), 'secondary', 7, 3), report);
    c.onRecord(l4(r, ACTOR.nsr(1, 'prl'), 'secondary', 7, 3), report);
    expect(got).toHaveLength(1);
    expect(got[0]?.message).toMatch(
      /secondary on re1 passed packet 3 up L4 after packet 3 \(PRL sequence\)/,
    );
  });
});
