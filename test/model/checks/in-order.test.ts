// Proves the in-order checker (SPEC G-4) accepts packets going up L4 in arrival order on the primary, and on the secondary in the arrival order the primary recorded when it queued them (prl.queue, mapped per replication pair from iha.active on), per socket, and reports a packet that goes up after a later arrival, once per session, whether PRL or IHA (releasing a queue) passes it up.
import { describe, expect, it } from 'vitest';
import { IN_ORDER, InOrderCheck } from '../../../model/checks/in-order.ts';
import { ACTOR, K } from '../../../model/vocab.ts';
import { collector, Records } from './fixture.ts';

/** The primary (on RE0, by PRL unless `actor` says) passes the packet that arrived `arrival`th up L4. */
const primaryL4 = (
  r: Records,
  handle: number,
  arrival: number,
  o: { actor?: string; session?: string; seq?: number } = {},
) =>
  r.rec(o.actor ?? ACTOR.nsr(0, 'prl'), K.prl.l4, {
    handle,
    pair: `re0#${handle}`,
    replicated: true,
    session: o.session ?? 'pa/0',
    role: 'primary',
    seq: o.seq ?? arrival,
    arrival,
    tcpSeq: 1000 + arrival,
    len: 100,
  });

/** The secondary (handle `handle` on RE1) of the pair of RE0's handle `primary` passes PRL packet `seq` up L4. */
const secondaryL4 = (r: Records, handle: number, primary: number, seq: number, session = 'pa/0') =>
  r.rec(ACTOR.nsr(1, 'prl'), K.prl.l4, {
    handle,
    pair: `re0#${primary}`,
    replicated: true,
    session,
    role: 'secondary',
    seq,
    arrival: -1,
    tcpSeq: 5000 + seq,
    len: 100,
  });

/** RE0's IHA activates replication of `handle` (a new pair). */
const active = (r: Records, handle: number, peer: number, session = 'pa/0') =>
  r.rec(ACTOR.nsr(0, 'iha'), K.iha.active, { session, handle, peer });

/** RE0's PRL queues (and replicates) the packet that arrived `arrival`th as PRL packet `seq`. */
const queued = (r: Records, seq: number, arrival: number, session = 'pa/0') =>
  r.rec(ACTOR.nsr(0, 'prl'), K.prl.queue, { session, seq, arrival, len: 100 });

function setup() {
  const c = new InOrderCheck();
  const { report, got } = collector();
  const r = new Records();
  return {
    c,
    got,
    r,
    feed: (...recs: ReturnType<Records['rec']>[]) => recs.forEach((x) => c.onRecord(x, report)),
  };
}

describe('in-order', () => {
  it('passes: rising arrival indexes on the primary, sockets independent; unreplicated packets not judged', () => {
    const { c, got, r, feed } = setup();
    expect(c.id).toBe(IN_ORDER);
    for (const n of [0, 1, 2, 5]) feed(primaryL4(r, 1, n));
    // Another socket on the same RE starts its own order.
    for (const n of [0, 1]) feed(primaryL4(r, 2, n, { session: 'pa/1' }));
    // Packets outside replication (arrival -1) and other roles are not judged.
    feed(primaryL4(r, 1, -1));
    feed(r.rec(ACTOR.nsr(0, 'prl'), K.prl.l4, { handle: 1, role: 'none', seq: -1, len: 0 }));
    expect(got).toEqual([]);
  });

  it('fails: the primary passes packet 1 up after packet 2', () => {
    const { got, r, feed } = setup();
    feed(primaryL4(r, 1, 0), primaryL4(r, 1, 2));
    const bad = primaryL4(r, 1, 1);
    feed(bad);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({
      recordId: bad.id,
      timeNs: bad.t,
      evidence: { session: 'pa/0', direction: 'in', role: 'primary', previous: 2, got: 1 },
    });
    // One violation per session.
    feed(primaryL4(r, 1, 0));
    expect(got).toHaveLength(1);
  });

  describe('the secondary, judged by arrival through the primary’s prl.queue records', () => {
    it('passes: PRL seq order agrees with arrival order', () => {
      const { got, r, feed } = setup();
      feed(active(r, 1, 9), queued(r, 1, 1), queued(r, 2, 2), queued(r, 3, 3));
      feed(secondaryL4(r, 9, 1, 1), secondaryL4(r, 9, 1, 2), secondaryL4(r, 9, 1, 3));
      expect(got).toEqual([]);
    });

    it('fails: PRL seq rising while arrival falls (packet 3 arrived before packet 2)', () => {
      const { got, r, feed } = setup();
      feed(active(r, 1, 9), queued(r, 1, 1), queued(r, 2, 3), queued(r, 3, 2));
      feed(secondaryL4(r, 9, 1, 1), secondaryL4(r, 9, 1, 2));
      const bad = secondaryL4(r, 9, 1, 3);
      feed(bad);
      expect(got).toHaveLength(1);
      expect(got[0]).toMatchObject({
        recordId: bad.id,
        evidence: { session: 'pa/0', role: 'secondary', previous: 3, got: 2, seq: 3 },
      });
      expect(got[0]?.message).toMatch(
        /^pa\/0: the secondary on re1 passed packet #2 \(in arrival order\)/,
      );
    });

    it('fails: the secondary passes the same packet up twice', () => {
      const { got, r, feed } = setup();
      feed(active(r, 1, 9), queued(r, 1, 1), queued(r, 2, 2));
      feed(secondaryL4(r, 9, 1, 1), secondaryL4(r, 9, 1, 2), secondaryL4(r, 9, 1, 2));
      expect(got).toHaveLength(1);
      expect(got[0]?.evidence).toMatchObject({ role: 'secondary', previous: 2, got: 2 });
    });

    it("a new iha.active starts the mapping over: a seq the new pair never queued has no arrival, not the old pair's", () => {
      const { got, r, feed } = setup();
      feed(active(r, 1, 9), queued(r, 1, 1), queued(r, 2, 2));
      feed(secondaryL4(r, 9, 1, 1), secondaryL4(r, 9, 1, 2));
      // The socket is replicated again: primary handle 2, secondary 10.
      feed(active(r, 2, 10), queued(r, 1, 5));
      feed(secondaryL4(r, 10, 2, 1), secondaryL4(r, 10, 2, 2));
      expect(got).toEqual([]);
    });

    it("fails without that iha.active: the old pair's seq 2 (arrival 2) goes up after the new seq 1 (arrival 5)", () => {
      const { got, r, feed } = setup();
      feed(active(r, 1, 9), queued(r, 1, 1), queued(r, 2, 2));
      feed(secondaryL4(r, 9, 1, 1), secondaryL4(r, 9, 1, 2));
      feed(queued(r, 1, 5));
      feed(secondaryL4(r, 10, 2, 1), secondaryL4(r, 10, 2, 2));
      expect(got).toHaveLength(1);
      expect(got[0]?.evidence).toMatchObject({ role: 'secondary', previous: 5, got: 2 });
    });

    it("sessions are mapped apart: pa/1's queue records do not map pa/0's packets", () => {
      const { got, r, feed } = setup();
      feed(active(r, 1, 9), active(r, 3, 11, 'pa/1'));
      feed(queued(r, 1, 1), queued(r, 2, 2), queued(r, 1, 9, 'pa/1'), queued(r, 2, 1, 'pa/1'));
      feed(secondaryL4(r, 9, 1, 1), secondaryL4(r, 9, 1, 2));
      expect(got).toEqual([]);
      feed(secondaryL4(r, 11, 3, 1, 'pa/1'), secondaryL4(r, 11, 3, 2, 'pa/1'));
      expect(got.map((v) => v.evidence?.session)).toEqual(['pa/1']);
    });
  });

  describe('prl.l4 records IHA emits (releasing a queue at a cleanup, I-6)', () => {
    it('fails: IHA pushes up the packet that arrived 2nd after PRL passed up the 3rd', () => {
      const { got, r, feed } = setup();
      feed(primaryL4(r, 1, 1), primaryL4(r, 1, 2), primaryL4(r, 1, 3));
      const bad = primaryL4(r, 1, 2, { actor: ACTOR.nsr(0, 'iha') });
      feed(bad);
      expect(got).toHaveLength(1);
      expect(got[0]).toMatchObject({ recordId: bad.id, evidence: { previous: 3, got: 2 } });
    });

    it('passes: IHA pushes up the queued 4th, then a held packet (seq -1) that arrived 5th', () => {
      const { got, r, feed } = setup();
      feed(primaryL4(r, 1, 1), primaryL4(r, 1, 2), primaryL4(r, 1, 3));
      feed(primaryL4(r, 1, 4, { actor: ACTOR.nsr(0, 'iha') }));
      feed(primaryL4(r, 1, 5, { actor: ACTOR.nsr(0, 'iha'), seq: -1 }));
      expect(got).toEqual([]);
    });

    it('fails: a held packet (seq -1) IHA pushes up that arrived before the last one passed up', () => {
      const { got, r, feed } = setup();
      feed(primaryL4(r, 1, 1), primaryL4(r, 1, 4));
      feed(primaryL4(r, 1, 3, { actor: ACTOR.nsr(0, 'iha'), seq: -1 }));
      expect(got).toHaveLength(1);
    });
  });
});
