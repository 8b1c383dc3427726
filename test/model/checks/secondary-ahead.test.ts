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

/**
 * A primary on RE0 (handle 1) and its active secondary on RE1 (handle 9) of pa/0, both
 * tapped. The primary's so_snd holds 4000 bytes from snd_una, ending at stream offset
 * 10000 (sdrl.sndAppended); the secondary's inbound and outbound ends are given.
 */
function setup(o: { attachSecondaryRe?: boolean } = {}) {
  const sim = quietSim();
  const { report, got } = collector();
  const ahead = new SecondaryAhead(sim, report);
  const k0 = fakeNsr(0);
  const k1 = fakeNsr(1);
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
      },
    }),
  );
  const s = putRep(k1, fakeRep({ handle: 9, peerHandle: 1, role: 'secondary' }));
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
  const tx = (from: number, len: number, re: ReIndex = 0) =>
    ahead.onRecord(
      r.rec(ACTOR.pfe, K.pfe.tx, {
        re,
        dst: PEER_ADDR,
        dport: PEER_PORT,
        sport: ROUTER_PORT,
        seq: (SND_UNA + from) >>> 0,
        ack: 1,
        flags: TH_ACK | TH_PUSH,
        len,
      }),
    );
  const secondaryHolds = (end: number) => {
    s.sdrl.sndAppended = end;
  };
  return { ahead, k0, k1, p, s, primaryUp, primaryWrote, tx, secondaryHolds, got };
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
