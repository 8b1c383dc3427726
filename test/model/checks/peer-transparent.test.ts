// Proves the peer-transparent checker (SPEC G-9, T-4, M-6) ignores the router's own records and normal closes, reports a peer-side reset, timeout, ACK of unsent data, stream defect, a hold timer expired in any silence of the run (mid-run or at its end), and on the wire an ACK or TSval of the router going back or a segment without timestamps once they were in use (a SYN starts over, RSTs are ignored), and in real runs fires on a master crash without NSR but not with NSR.
import { describe, expect, it } from 'vitest';
import { PEER_TRANSPARENT, PeerTransparentCheck } from '../../../model/checks/peer-transparent.ts';
import type { World } from '../../../model/world.ts';
import { TH_ACK, TH_PUSH, TH_RST, TH_SYN } from '../../../model/net/segment.ts';
import { MS, SEC, type TraceRecord } from '../../../sim/index.ts';
import { peer, worldConfig } from '../world-fixture.ts';
import { collector, ended, of, Records, runWorld, type Reported } from './fixture.ts';
import { ACTOR, K } from '../../../model/vocab.ts';

/** The longest of the silences, as StreamSession keeps it. */
function longest(gaps: Array<[number, number]>): [number, number] {
  return gaps.reduce<[number, number]>((m, g) => (g[1] - g[0] > m[1] - m[0] ? g : m), [0, 0]);
}

/**
 * A fake world: one peer pa with one session that last read at `lastReadNs` after the
 * earlier silences `readGaps` ([from, to] ns), open unless `closed` is given.
 */
function fakeWorld(
  lastReadNs: number,
  fromRouterRate = 10,
  holdTimeNs = 90 * SEC,
  readGaps: Array<[number, number]> = [],
  closed: string | undefined = undefined,
): World {
  return {
    cfg: { holdTimeNs },
    peers: [
      {
        cfg: { name: 'pa', fromRouter: { ratePerSec: fromRouterRate } },
        sessions: [
          { cfg: { id: 'pa/0' }, closed, lastReadNs, readGaps, longestReadGap: longest(readGaps) },
        ],
      },
    ],
  } as unknown as World;
}

const FLOW = '10.0.1.1:20000>179';

/** A segment the PFE put on the wire from the router to pa's session (pfe.tx). */
const tx = (
  r: Records,
  o: { ack?: number; flags?: number; tsval?: number; dport?: number; seq?: number } = {},
) =>
  r.rec(ACTOR.pfe, K.pfe.tx, {
    re: 0,
    dst: '10.0.1.1',
    sport: 179,
    dport: o.dport ?? 20000,
    seq: o.seq ?? 7000,
    ack: o.ack ?? 5000,
    wnd: 65535,
    flags: o.flags ?? TH_ACK,
    len: 0,
    ...(o.tsval === undefined ? {} : { tsval: o.tsval }),
  });

/** Feeds `recs` to a fresh checker; returns what it reported. */
function wire(build: (r: Records) => TraceRecord[]): Reported[] {
  const c = new PeerTransparentCheck(fakeWorld(0));
  const { report, got } = collector();
  for (const rec of build(new Records())) c.onRecord(rec, report);
  return got;
}

describe('peer-transparent', () => {
  it('passes: a normal close, router-side records and a session heard within its hold time', () => {
    const c = new PeerTransparentCheck(fakeWorld(95 * SEC));
    const { report, got } = collector();
    const r = new Records();
    expect(c.id).toBe(PEER_TRANSPARENT);
    c.onRecord(
      r.rec(ACTOR.peer('pa'), K.app.closed, { session: 'pa/1', reason: 'normal' }),
      report,
    );
    c.onRecord(r.rec(ACTOR.re(0), K.tcp.rstReceived, { conn: 'x' }), report);
    c.onRecord(r.rec(ACTOR.re(1), K.app.verifyError, { session: 'pa/0', kind: 'gap' }), report);
    c.onRecord(r.rec(ACTOR.peer('pa'), K.tcp.retransmit, { conn: 'x' }), report);
    c.atEnd(ended(100 * SEC), report);
    expect(got).toEqual([]);
  });

  it('fails: every kind of peer-visible event is reported', () => {
    const c = new PeerTransparentCheck(fakeWorld(95 * SEC));
    const { report, got } = collector();
    const r = new Records();
    c.onRecord(r.rec(ACTOR.peer('pa'), K.app.closed, { session: 'pa/0', reason: 'reset' }), report);
    c.onRecord(
      r.rec(ACTOR.peer('pa'), K.app.verifyError, {
        session: 'pa/0',
        kind: 'duplicate',
        offset: 10,
        expected: 1,
        got: 0,
      }),
      report,
    );
    c.onRecord(
      r.rec(ACTOR.peer('pa'), K.tcp.rstReceived, { conn: '10.0.1.1:20000>10.0.0.1:179' }),
      report,
    );
    c.onRecord(r.rec(ACTOR.peer('pa'), K.tcp.timeout, { conn: 'c' }), report);
    c.onRecord(r.rec(ACTOR.peer('pa'), K.peer.ackUnsent, { conn: 'c' }), report);
    // The same TCP event on the same connection again: noticed once.
    c.onRecord(r.rec(ACTOR.peer('pa'), K.tcp.timeout, { conn: 'c' }), report);
    expect(got.map((v) => v.evidence)).toEqual([
      { session: 'pa/0', reason: 'reset', direction: 'both' },
      { session: 'pa/0', direction: 'toPeer', kind: 'duplicate', offset: 10, expected: 1, got: 0 },
      { conn: '10.0.1.1:20000>10.0.0.1:179', direction: 'toPeer' },
      { conn: 'c', direction: 'toPeer' },
      { conn: 'c', direction: 'toPeer' },
    ]);
    expect(got.map((v) => v.message)).toEqual([
      'peer session pa/0 closed: reset',
      'peer session pa/0 received a stream with a duplicate at byte 10 (expected record 1, got 0)',
      'peer TCP rst-received on 10.0.1.1:20000>10.0.0.1:179',
      'peer TCP timeout on c',
      'peer TCP ack-unsent on c',
    ]);
  });

  it('fails: the peer TCP dropped a segment without a valid MD5 signature (T-3) or without timestamps (T-4, M-6), said in words, once per connection and kind (Stryker peer-transparent.ts 26, 27)', () => {
    const c = new PeerTransparentCheck(fakeWorld(2 * SEC));
    const { report, got } = collector();
    const r = new Records();
    c.onRecord(r.rec(ACTOR.peer('pa'), K.tcp.md5Drop, { conn: 'c' }), report);
    c.onRecord(r.rec(ACTOR.peer('pa'), K.tcp.tsMissingDrop, { conn: 'c' }), report);
    c.onRecord(r.rec(ACTOR.peer('pa'), K.tcp.md5Drop, { conn: 'c' }), report);
    expect(got.map((v) => v.message)).toEqual([
      'peer TCP dropped a segment without a valid MD5 signature on c',
      'peer TCP dropped a segment without timestamps on c',
    ]);
  });

  it("fails: the peer's BGP hold timer expired (RFC 4271 §6.5), with the record's fields as evidence", () => {
    const c = new PeerTransparentCheck(fakeWorld(95 * SEC));
    const { report, got } = collector();
    const r = new Records();
    const exp = r.rec(ACTOR.peer('pa'), K.bgp.holdExpired, { peer: '10.0.0.1', holdNs: 90 * SEC });
    c.onRecord(exp, report);
    expect(got).toEqual([
      {
        recordId: exp.id,
        timeNs: exp.t,
        message: 'peer BGP hold timer expired (10.0.0.1, RFC 4271 §6.5)',
        evidence: { peer: '10.0.0.1', holdNs: 90 * SEC, direction: 'toPeer' },
      },
    ]);
  });

  it('fails: the hold timer expired at the end of the run (only for sessions the router writes to)', () => {
    const { report, got } = collector();
    new PeerTransparentCheck(fakeWorld(5 * SEC, 10, 90 * SEC)).atEnd(ended(100 * SEC), report);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({
      timeNs: 95 * SEC,
      message:
        'peer session pa/0 heard nothing from 5000000000 ns to 100000000000 ns; its hold timer (90000000000 ns) expired at 95000000000 ns',
      evidence: { session: 'pa/0', lastReadNs: 5 * SEC, silentUntilNs: 100 * SEC },
    });
    expect(got[0]?.recordId).toBe(-1);
    expect(got[0]?.evidence?.direction).toBe('toPeer');
    new PeerTransparentCheck(fakeWorld(5 * SEC, 0, 90 * SEC)).atEnd(ended(100 * SEC), report);
    expect(got).toHaveLength(1);
  });

  it('fails: a mid-run silence of 95 s expired the hold timer although data flowed again afterwards', () => {
    const { report, got } = collector();
    const gaps: Array<[number, number]> = [
      [2 * SEC, 4 * SEC],
      [5 * SEC, 100 * SEC],
    ];
    new PeerTransparentCheck(fakeWorld(150 * SEC, 10, 90 * SEC, gaps)).atEnd(
      ended(160 * SEC),
      report,
    );
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({
      timeNs: 95 * SEC,
      evidence: { session: 'pa/0', lastReadNs: 5 * SEC, silentUntilNs: 100 * SEC },
    });
  });

  it('passes: a mid-run silence of exactly the hold time (90 s), data flowing again afterwards', () => {
    const { report, got } = collector();
    new PeerTransparentCheck(fakeWorld(150 * SEC, 10, 90 * SEC, [[5 * SEC, 95 * SEC]])).atEnd(
      ended(160 * SEC),
      report,
    );
    expect(got).toEqual([]);
  });

  it('passes: a closed session is not judged on its silences', () => {
    const { report, got } = collector();
    new PeerTransparentCheck(
      fakeWorld(150 * SEC, 10, 90 * SEC, [[5 * SEC, 100 * SEC]], 'normal'),
    ).atEnd(ended(160 * SEC), report);
    expect(got).toEqual([]);
  });

  describe('the wire (pfe.tx)', () => {
    it("passes: the router's ACK and TSval rise or stay, across the sequence-space wrap", () => {
      const got = wire((r) => [
        tx(r, { ack: 0xffffff00, tsval: 0xfffffff0 }),
        tx(r, { ack: 0xffffff00, tsval: 0xfffffff0 }),
        tx(r, { ack: 0x10, tsval: 0x10, flags: TH_ACK | TH_PUSH }),
        tx(r, { ack: 0x20, tsval: 0x11 }),
      ]);
      expect(got).toEqual([]);
    });

    it("fails: the router's ACK goes back from 5000 to 4000", () => {
      const got = wire((r) => [tx(r, { ack: 5000 }), tx(r, { ack: 4000 })]);
      expect(got).toHaveLength(1);
      expect(got[0]?.message).toBe(
        `the peer would notice on ${FLOW}: the router's ACK went back from 5000 to 4000`,
      );
      expect(got[0]?.evidence).toMatchObject({ conn: FLOW, direction: 'toPeer', ack: 4000 });
    });

    it('passes: a lower ACK on another connection (flows are independent)', () => {
      const got = wire((r) => [tx(r, { ack: 5000 }), tx(r, { ack: 4000, dport: 20001 })]);
      expect(got).toEqual([]);
    });

    it('passes: a SYN starts the connection over, so a lower ACK after it is no step back', () => {
      const got = wire((r) => [
        tx(r, { ack: 5000 }),
        tx(r, { ack: 100, flags: TH_SYN | TH_ACK }),
        tx(r, { ack: 200 }),
      ]);
      expect(got).toEqual([]);
    });

    it('fails: the same lower ACK without the SYN before it', () => {
      const got = wire((r) => [tx(r, { ack: 5000 }), tx(r, { ack: 200 })]);
      expect(got).toHaveLength(1);
    });

    it('fails: a segment without timestamps after the router used them', () => {
      const got = wire((r) => [tx(r, { tsval: 100 }), tx(r, { tsval: 101 }), tx(r)]);
      expect(got).toHaveLength(1);
      expect(got[0]?.message).toBe(
        `the peer would notice on ${FLOW}: a segment without the timestamps option after timestamps were in use`,
      );
      expect(got[0]?.evidence).toMatchObject({ tsval: 'none' });
    });

    it('passes: a connection that never used timestamps', () => {
      const got = wire((r) => [tx(r), tx(r), tx(r)]);
      expect(got).toEqual([]);
    });

    it("fails: the router's TSval goes back from 101 to 100", () => {
      const got = wire((r) => [tx(r, { tsval: 101 }), tx(r, { tsval: 100 })]);
      expect(got).toHaveLength(1);
      expect(got[0]?.message).toBe(
        `the peer would notice on ${FLOW}: the router's TSval went back from 101 to 100`,
      );
    });

    it('passes: RST segments are ignored (a lower ACK, no timestamps)', () => {
      const got = wire((r) => [
        tx(r, { ack: 5000, tsval: 100 }),
        tx(r, { ack: 4000, flags: TH_RST | TH_ACK }),
        tx(r, { ack: 5000, tsval: 101 }),
      ]);
      expect(got).toEqual([]);
    });

    it('fails: the same segment without the RST flag', () => {
      const got = wire((r) => [tx(r, { ack: 5000, tsval: 100 }), tx(r, { ack: 4000 })]);
      expect(got).toHaveLength(1);
    });

    it('one violation per connection', () => {
      const got = wire((r) => [
        tx(r, { ack: 5000, tsval: 100 }),
        tx(r, { ack: 4000, tsval: 100 }),
        tx(r, { ack: 5000, tsval: 99 }),
        tx(r, { ack: 5000, dport: 20001 }),
        tx(r, { ack: 4000, dport: 20001 }),
      ]);
      expect(got.map((v) => v.evidence?.conn)).toEqual([FLOW, '10.0.1.1:20001>179']);
    });

    it('a segment without the ACK flag neither counts as an ACK going back nor moves the ACK', () => {
      const got = wire((r) => [
        tx(r, { ack: 5000 }),
        tx(r, { ack: 100, flags: TH_PUSH }),
        tx(r, { ack: 4500 }),
      ]);
      expect(got.map((v) => v.message)).toEqual([
        `the peer would notice on ${FLOW}: the router's ACK went back from 5000 to 4500`,
      ]);
      expect(got[0]?.evidence).toEqual({
        conn: FLOW,
        direction: 'toPeer',
        seq: 7000,
        ack: 4500,
        tsval: 'none',
      });
    });

    it('timestamps are in use after a SYN|ACK or any later segment with them, not after a bare SYN', () => {
      expect(wire((r) => [tx(r, { flags: TH_SYN, tsval: 100 }), tx(r)])).toEqual([]);
      expect(wire((r) => [tx(r, { flags: TH_SYN | TH_ACK, tsval: 100 }), tx(r)])).toHaveLength(1);
    });

    it('the TSval judged against is the highest seen (also above 2^31)', () => {
      for (const [a, b, c] of [
        [100, 200, 150],
        [0x7fff_fff0, 0x7fff_fff8, 0x7fff_fff4],
      ]) {
        const got = wire((r) => [tx(r, { tsval: a }), tx(r, { tsval: b }), tx(r, { tsval: c })]);
        expect(got.map((v) => v.message)).toEqual([
          `the peer would notice on ${FLOW}: the router's TSval went back from ${b} to ${c}`,
        ]);
      }
    });

    it("only the PFE's pfe.tx is the wire", () => {
      const got = wire((r) => [
        tx(r, { ack: 5000 }),
        { ...tx(r, { ack: 4000 }), actor: ACTOR.re(0) },
        { ...tx(r, { ack: 4000 }), kind: K.pfe.drop },
      ]);
      expect(got).toEqual([]);
    });
  });

  it('real runs: a master crash fires it without NSR and not with NSR', () => {
    const cfg = (nsr: boolean) =>
      worldConfig({
        durationNs: 1500 * MS,
        router: { nsr },
        peers: [peer('pa', { sessions: 1 })],
        faults: [{ when: { atNs: 600 * MS }, action: { kind: 're-crash', target: 'master' } }],
      });
    const without = runWorld(cfg(false), [PEER_TRANSPARENT]);
    expect(of(without.res, PEER_TRANSPARENT).length).toBeGreaterThan(0);
    expect(of(without.res, PEER_TRANSPARENT).every((v) => v.timeNs > 600 * MS)).toBe(true);
    const withNsr = runWorld(cfg(true), [PEER_TRANSPARENT]);
    expect(withNsr.world.chassis.master).toBe(1);
    expect(withNsr.res.violations).toEqual([]);
  });
});
