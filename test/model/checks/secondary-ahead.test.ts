// Proves the secondary-ahead part of identical-data (SPEC P-15, S-1) reports a primary that accepted inbound bytes (on the secondary's ACK) beyond what its active secondary holds, or put on the wire outbound bytes beyond what SDRL appended to its secondary, while a secondary level with or ahead of its primary passes and an inactive or missing secondary is not judged.
import { describe, expect, it } from 'vitest';
import { SecondaryAhead } from '../../../model/checks/secondary-ahead.ts';
import { parseIpv4, TH_ACK, TH_PUSH } from '../../../model/net/segment.ts';
import type { L4Via } from '../../../model/nsr/prl-queue.ts';
import type { Rep } from '../../../model/nsr/state.ts';
import { ACTOR, K, type ReIndex } from '../../../model/vocab.ts';
import { collector, Records } from './fixture.ts';
import { fakeNsr, fakeRep, l4Input, l4Result, putRep, quietSim } from './nsr-fakes.ts';

const PEER_ADDR = '10.0.1.1';
const PEER_PORT = 20000;
const ROUTER_PORT = 179;
/** The primary's snd_una; its send buffer holds stream offsets 6000..10000 from there. */
const SND_UNA = 0xfffff000;
/** The primary's irs: inbound stream offset 0 is sequence number IRS + 1 (wrapping past 2^32). */
const IRS = 0xffffff00;
/** The sequence number of inbound stream offset `off`. */
const inSeq = (off: number) => (IRS + 1 + off) >>> 0;

/**
 * A primary on RE0 (handle 1) and its active secondary on RE1 (handle 9) of pa/0, both
 * tapped. The primary's so_snd holds 4000 bytes from snd_una, ending at stream offset
 * 10000 (sdrl.sndAppended); the secondary's inbound and outbound ends are given.
 */
function setup(o: { attachSecondaryRe?: boolean; primaryRe?: ReIndex } = {}) {
  const sim = quietSim();
  const { report, got } = collector();
  const ahead = new SecondaryAhead(sim, report);
  const pre = o.primaryRe ?? 0;
  const k0 = fakeNsr(pre);
  const k1 = fakeNsr((1 - pre) as ReIndex);
  ahead.attach(k0);
  if (o.attachSecondaryRe !== false) ahead.attach(k1);
  const p = putRep(
    k0,
    fakeRep({
      handle: 1,
      peerHandle: 9,
      role: 'primary',
      sndAppended: 10000,
      conn: {
        faddr: parseIpv4(PEER_ADDR),
        fport: PEER_PORT,
        lport: ROUTER_PORT,
        so_snd: { cc: 4000 },
        snd_una: SND_UNA,
        irs: IRS,
      },
    }),
  );
  const s = putRep(
    k1,
    fakeRep({
      handle: 9,
      peerHandle: 1,
      role: 'secondary',
      conn: {
        faddr: parseIpv4(PEER_ADDR),
        fport: PEER_PORT,
        lport: ROUTER_PORT,
        rcv_nxt: (IRS + 1 + 5000) >>> 0,
        t_segq: { entries: [] },
      },
    }),
  );
  /** Inbound ends (rcv.offset) of both sides, then the primary passes a packet up. */
  const primaryUp = (primaryEnd: number, secondaryEnd: number, via: L4Via = 'ack') => {
    p.rcv.offset = primaryEnd;
    s.rcv.offset = secondaryEnd;
    k0.l4Done.publish(p, l4Input(via, 1, 8000), l4Result());
  };
  /** The primary's application wrote: its flow is known from here on. */
  const primaryWrote = () => k0.sent.publish(p, 0, new Uint8Array(1));
  const r = new Records();
  /** A segment of the connection on the wire, `from` bytes past snd_una. */
  const tx = (
    from: number,
    len: number,
    re: ReIndex | 'none' = pre,
    more: { actor?: string; kind?: string; sack?: [number, number][] } = {},
  ) =>
    ahead.onRecord(
      r.rec(more.actor ?? ACTOR.pfe, more.kind ?? K.pfe.tx, {
        ...(re === 'none' ? {} : { re }),
        dst: PEER_ADDR,
        dport: PEER_PORT,
        sport: ROUTER_PORT,
        seq: (SND_UNA + from) >>> 0,
        ack: 1,
        flags: TH_ACK | TH_PUSH,
        len,
        ...(more.sack === undefined ? {} : { sack: more.sack }),
      }),
    );
  const secondaryHolds = (end: number) => {
    s.sdrl.sndAppended = end;
  };
  /** The secondary's TCP holds inbound bytes up to stream offset `upTo`, then these pieces. */
  const secondaryReceived = (upTo: number, queued: [number, number][] = []) => {
    const c = s.conn as unknown as Record<string, unknown>;
    c.rcv_nxt = inSeq(upTo);
    c.t_segq = {
      entries: queued.map(([a, b]) => ({ seq: inSeq(a), data: new Uint8Array(b - a) })),
    };
  };
  /** A pure ACK of the primary carrying SACK blocks given as inbound stream offsets. */
  const sackTx = (...blocks: [number, number][]) =>
    tx(4000, 0, pre, { sack: blocks.map(([a, b]) => [inSeq(a), inSeq(b)]) });
  return {
    sim,
    ahead,
    k0,
    k1,
    p,
    s,
    primaryUp,
    primaryWrote,
    tx,
    secondaryHolds,
    secondaryReceived,
    sackTx,
    got,
  };
}

describe('secondary-ahead (P-15)', () => {
  describe('inbound', () => {
    it('fails: the primary accepted up to 1500 on an ACK, its secondary holds only up to 1000', () => {
      const { primaryUp, got } = setup();
      primaryUp(1500, 1000);
      expect(got).toHaveLength(1);
      expect(got[0]?.message).toBe(
        'pa/0: the secondary fell behind its primary (P-15): the primary accepted inbound bytes up to 1500 (packet 1) but its secondary holds only up to 1000',
      );
      expect(got[0]?.evidence).toMatchObject({
        session: 'pa/0',
        direction: 'in',
        primaryEnd: 1500,
        secondaryEnd: 1000,
        behind: 500,
        firstDifferingOffset: 1000,
      });
    });

    it('passes: the secondary level with its primary, or ahead of it', () => {
      const { primaryUp, got } = setup();
      primaryUp(1500, 1500);
      primaryUp(1500, 2000);
      expect(got).toEqual([]);
    });

    it('an inactive secondary is not judged', () => {
      const { s, primaryUp, got } = setup();
      s.iha.active = false;
      primaryUp(1500, 1000);
      expect(got).toEqual([]);
    });

    it("a missing secondary is not judged: its RE not attached, or no socket with the primary's peer handle", () => {
      const a = setup({ attachSecondaryRe: false });
      a.primaryUp(1500, 1000);
      expect(a.got).toEqual([]);
      const b = setup();
      b.k1.reps.delete(9);
      b.primaryUp(1500, 1000);
      expect(b.got).toEqual([]);
    });

    it("the other RE's socket under the peer handle is not judged when it is a primary (after a switch)", () => {
      const { s, primaryUp, got } = setup();
      (s as { role: Rep['role'] }).role = 'primary';
      primaryUp(1500, 1000);
      expect(got).toEqual([]);
    });

    it.each(['release', 'direct', 'replicate'] as const)(
      "a primary passing a packet up via '%s' (not on an ACK) is not judged",
      (via) => {
        const { primaryUp, got } = setup();
        primaryUp(1500, 1000, via);
        expect(got).toEqual([]);
      },
    );
  });

  describe('outbound (S-1)', () => {
    it('passes: a data segment ending at 10000, the secondary holding up to 10000', () => {
      const { primaryWrote, tx, secondaryHolds, got } = setup();
      primaryWrote();
      secondaryHolds(10000);
      tx(3000, 1000);
      expect(got).toEqual([]);
    });

    it('fails: a data segment ending at 10001, the secondary holding up to 10000', () => {
      const { primaryWrote, tx, secondaryHolds, got } = setup();
      primaryWrote();
      secondaryHolds(10000);
      tx(3000, 1001);
      expect(got).toHaveLength(1);
      expect(got[0]?.message).toBe(
        'pa/0: the secondary fell behind its primary (P-15): the primary transmitted outbound bytes up to 10001 but its secondary holds only up to 10000 (S-1)',
      );
      expect(got[0]?.evidence).toMatchObject({
        direction: 'out',
        primaryEnd: 10001,
        secondaryEnd: 10000,
        behind: 1,
      });
    });

    it('not judged: a flow the primary never wrote on, a pure ACK, the other RE on the wire, an inactive secondary or primary', () => {
      const a = setup();
      a.secondaryHolds(5000);
      a.tx(3000, 1000);
      expect(a.got).toEqual([]);
      a.primaryWrote();
      a.tx(3000, 0);
      a.tx(3000, 1000, 1);
      expect(a.got).toEqual([]);
      a.s.iha.active = false;
      a.tx(3000, 1000);
      expect(a.got).toEqual([]);
      a.s.iha.active = true;
      a.p.iha.active = false;
      a.tx(3000, 1000);
      expect(a.got).toEqual([]);
      // Control: the same segment with both sides active is reported.
      a.p.iha.active = true;
      a.tx(3000, 1000);
      expect(a.got).toHaveLength(1);
    });
  });

  describe('outbound: which wire records are judged', () => {
    it("only the PFE actor's transmit records: a drop record or another actor's record with the same fields is not judged", () => {
      const { primaryWrote, tx, secondaryHolds, got } = setup();
      primaryWrote();
      secondaryHolds(9000);
      tx(3000, 1000, 0, { kind: K.pfe.drop });
      tx(3000, 1000, 0, { actor: 're0/tcp' });
      expect(got).toEqual([]);
      tx(3000, 1000);
      expect(got).toHaveLength(1);
    });

    it('a transmit record naming no RE is not judged (and does not throw)', () => {
      const { primaryWrote, tx, secondaryHolds, got } = setup();
      primaryWrote();
      secondaryHolds(9000);
      expect(() => tx(3000, 1000, 'none')).not.toThrow();
      expect(got).toEqual([]);
    });

    it('a primary on RE1 with its secondary on RE0 is judged the same way', () => {
      const { primaryWrote, primaryUp, tx, secondaryHolds, got } = setup({ primaryRe: 1 });
      primaryWrote();
      secondaryHolds(9000);
      tx(3000, 1000, 0);
      expect(got).toEqual([]);
      tx(3000, 1000, 1);
      primaryUp(1500, 1000);
      expect(got.map((v) => [v.evidence?.direction, v.evidence?.behind])).toEqual([
        ['out', 1000],
        ['in', 500],
      ]);
    });

    it('a primary that has since become a secondary is no longer judged on its flow', () => {
      const { p, primaryWrote, tx, secondaryHolds, got } = setup();
      primaryWrote();
      secondaryHolds(9000);
      (p as { role: Rep['role'] }).role = 'secondary';
      tx(3000, 1000);
      expect(got).toEqual([]);
    });

    it('a secondary that takes over is judged from its first retransmission, before its application writes again', () => {
      const { k1, p, s, tx, got } = setup();
      // SDRL appends 10000 bytes on the secondary; its flow is known from then on.
      s.sdrl.sndAppended = 10000;
      k1.sent.publish(s, 0, new Uint8Array(10000));
      // Takeover: RE1's socket is primary, RE0's old primary is now its secondary, behind.
      (s as { role: Rep['role'] }).role = 'primary';
      (p as { role: Rep['role'] }).role = 'secondary';
      Object.assign(s.conn, { so_snd: { cc: 4000 }, snd_una: SND_UNA, irs: IRS });
      p.sdrl.sndAppended = 9000;
      tx(3000, 1000, 1);
      expect(got.map((v) => [v.evidence?.direction, v.evidence?.behind])).toEqual([['out', 1000]]);
    });

    it('a pure ACK is not judged on its sequence number, even one beyond what the secondary holds', () => {
      const { primaryWrote, tx, secondaryHolds, got } = setup();
      primaryWrote();
      secondaryHolds(5000);
      tx(3500, 0);
      expect(got).toEqual([]);
    });

    it("the violation names the record being judged: the trace's last record", () => {
      const { sim, primaryWrote, tx, secondaryHolds, got } = setup();
      for (let i = 0; i < 7; i++) sim.trace.emit(i, -1, ACTOR.pfe, K.pfe.tx, {});
      primaryWrote();
      secondaryHolds(9000);
      tx(3000, 1000);
      expect(got[0]).toMatchObject({ recordId: 6 });
    });
  });

  describe('SACK blocks (T-2)', () => {
    it('fails: the primary SACKs inbound bytes 6000-7000, its secondary holds them only up to 6400', () => {
      const { primaryWrote, secondaryReceived, sackTx, got } = setup();
      primaryWrote();
      secondaryReceived(5000, [[6000, 6400]]);
      sackTx([6000, 7000]);
      expect(got).toHaveLength(1);
      expect(got[0]?.message).toBe(
        'pa/0: the secondary fell behind its primary (P-15): the primary SACKed inbound bytes 6000-7000 but its secondary holds them only up to 6400 (T-2)',
      );
      expect(got[0]?.evidence).toMatchObject({
        session: 'pa/0',
        direction: 'sack',
        primaryEnd: 7000,
        secondaryEnd: 6400,
        behind: 600,
      });
    });

    it('passes: SACKed bytes the secondary holds below rcv_nxt, in one queued piece, or in adjacent and overlapping pieces', () => {
      const { primaryWrote, secondaryReceived, sackTx, got } = setup();
      primaryWrote();
      secondaryReceived(8000);
      sackTx([6000, 7000], [7000, 8000]);
      secondaryReceived(5000, [[6000, 7000]]);
      sackTx([6000, 7000]);
      secondaryReceived(5000, [
        [5500, 6000],
        [6000, 6500],
        [6500, 7200],
        [7500, 7600],
      ]);
      sackTx([6000, 7000], [5800, 7100]);
      secondaryReceived(6500, [[6400, 7000]]);
      sackTx([6000, 7000]);
      expect(got).toEqual([]);
    });

    it('a queued piece beyond a hole does not count: held only up to the hole', () => {
      const { primaryWrote, secondaryReceived, sackTx, got } = setup();
      primaryWrote();
      secondaryReceived(5000, [
        [6000, 6300],
        [6500, 7000],
      ]);
      sackTx([6000, 7000]);
      expect(got.map((v) => v.evidence?.secondaryEnd)).toEqual([6300]);
    });

    it('a block the secondary does not hold at all is held only up to its left edge; the first such block is reported', () => {
      const { primaryWrote, secondaryReceived, sackTx, got } = setup();
      primaryWrote();
      secondaryReceived(5000, [[6000, 7000]]);
      sackTx([6000, 7000], [8000, 8500], [9000, 9500]);
      expect(got).toHaveLength(1);
      expect(got[0]?.evidence).toMatchObject({ primaryEnd: 8500, secondaryEnd: 8000 });
    });

    it('judged on pure ACKs and data segments alike, apart from the data check', () => {
      const { primaryWrote, secondaryHolds, secondaryReceived, tx, got } = setup();
      primaryWrote();
      secondaryHolds(10000);
      secondaryReceived(5000);
      tx(3000, 1000, 0, { sack: [[inSeq(6000), inSeq(7000)]] });
      expect(got.map((v) => v.evidence?.direction)).toEqual(['sack']);
    });

    it('not judged with the secondary inactive', () => {
      const { s, primaryWrote, secondaryReceived, sackTx, got } = setup();
      primaryWrote();
      secondaryReceived(5000);
      s.iha.active = false;
      sackTx([6000, 7000]);
      expect(got).toEqual([]);
    });
  });

  it('one violation per session and direction', () => {
    const { primaryUp, primaryWrote, tx, secondaryHolds, got } = setup();
    primaryUp(1500, 1000);
    primaryUp(3000, 1000);
    primaryWrote();
    secondaryHolds(5000);
    tx(3000, 1000);
    tx(3500, 1000);
    expect(got.map((v) => v.evidence?.direction)).toEqual(['in', 'out']);
  });

  it('the case from the issue: a secondary 99.5 KB behind its primary with both REs up is reported at once, in each direction', () => {
    const { p, primaryUp, primaryWrote, tx, secondaryHolds, got } = setup();
    primaryUp(1_000_000, 1_000_000 - 99_500);
    expect(got).toHaveLength(1);
    // The primary's application has written a megabyte; its last 1000 bytes go out.
    p.sdrl.sndAppended = 1_000_000;
    primaryWrote();
    secondaryHolds(1_000_000 - 99_500);
    tx(3000, 1000);
    expect(got).toHaveLength(2);
    expect(got.map((v) => [v.evidence?.direction, v.evidence?.behind])).toEqual([
      ['in', 99_500],
      ['out', 99_500],
    ]);
  });
});
