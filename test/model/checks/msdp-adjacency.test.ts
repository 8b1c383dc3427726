// Proves the msdp-adjacency checker (SPEC D-4, G-9; RFC 3618 §11, §13) passes peers whose adjacency never drops and a peer's drop explained by the router's own format-error reset (its active RE's msdp.down, up to 1 s before), and reports a peer's session going down otherwise (no reset, a reset too old, by a snooping RE, for another reason or another peer, or a peer's own format error), a peer's Hold timer expiry or ConnectRetry, and the router's Hold timer expiry (naming the peer by its configured name when known).
import { describe, expect, it } from 'vitest';
import { MSDP_ADJACENCY, MsdpAdjacencyCheck } from '../../../model/checks/msdp-adjacency.ts';
import { parseIpv4 } from '../../../model/net/segment.ts';
import type { World } from '../../../model/world.ts';
import { ACTOR, K } from '../../../model/vocab.ts';
import { SEC, type TraceRecord } from '../../../sim/index.ts';
import { collector, Records, type Reported } from './fixture.ts';

const PA = '10.0.1.1';
const PB = '10.0.2.1';

/** A fake world: two MSDP peers, pa at 10.0.1.1 and pb at 10.0.2.1. */
function fakeWorld(): World {
  return {
    peers: [
      { addr: parseIpv4(PA), cfg: { name: 'pa' } },
      { addr: parseIpv4(PB), cfg: { name: 'pb' } },
    ],
  } as unknown as World;
}

/** The router's active RE reset the session with `addr` (msdp.down), at `t`. */
const routerDown = (r: Records, t: number, addr = PA, reason = 'format-error', mode = 'active') =>
  r.rec(ACTOR.re(0), K.msdp.down, { peer: addr, mode, reason }, t);
/** The peer `name` saw its session with the router go down, at `t`. */
const peerDown = (r: Records, t: number, name = 'pa', reason = 'closed') =>
  r.rec(ACTOR.peer(name), K.msdp.down, { peer: '10.0.0.1', mode: 'active', reason }, t);

/** Feeds the records `build` makes to a fresh checker; returns what it reported. */
function feed(build: (r: Records) => TraceRecord[]): { got: Reported[]; recs: TraceRecord[] } {
  const c = new MsdpAdjacencyCheck(fakeWorld());
  const { report, got } = collector();
  const recs = build(new Records());
  for (const rec of recs) c.onRecord(rec, report);
  return { got, recs };
}

describe('msdp-adjacency', () => {
  it("passes: sessions coming up, messages, and the router's and the peers' records of other kinds", () => {
    expect(new MsdpAdjacencyCheck(fakeWorld()).id).toBe(MSDP_ADJACENCY);
    const { got } = feed((r) => [
      r.rec(ACTOR.peer('pa'), K.msdp.up, { peer: '10.0.0.1', mode: 'active' }),
      r.rec(ACTOR.peer('pa'), K.msdp.rx, { peer: '10.0.0.1', offset: 0, type: 'keepalive' }),
      r.rec(ACTOR.peer('pa'), K.msdp.snoopHoldExpired, { peer: '10.0.0.1' }),
      r.rec(ACTOR.peer('pa'), K.msdp.connect, { peer: '10.0.0.1' }),
      // The router's own session drops and retries are not what a peer sees.
      r.rec(ACTOR.re(0), K.msdp.down, { peer: PA, mode: 'active', reason: 'closed' }),
      r.rec(ACTOR.re(1), K.msdp.down, { peer: PA, mode: 'snoop', reason: 'takeover' }),
      r.rec(ACTOR.re(0), K.msdp.connectRetry, { peer: PA }),
      r.rec(ACTOR.nsr(1, 'iha'), K.msdp.connectRetry, { peer: PA }),
      // Records of MSDP kinds from actors that are neither a peer nor an RE.
      r.rec(ACTOR.chassis, K.msdp.down, { reason: 'closed' }),
      r.rec(ACTOR.link('wire-pa'), K.msdp.holdExpired, {}),
      r.rec(ACTOR.pfe, K.msdp.connectRetry, {}),
    ]);
    expect(got).toEqual([]);
  });

  it("passes: the peer's drop 0 s and exactly 1 s after the router's format-error reset of it", () => {
    for (const after of [0, 1 * SEC]) {
      const { got } = feed((r) => [routerDown(r, 5 * SEC), peerDown(r, 5 * SEC + after)]);
      expect(got).toEqual([]);
    }
  });

  it("passes: the router's reset is matched to the peer by its address (pb's reset explains pb's drop)", () => {
    const { got } = feed((r) => [
      routerDown(r, 5 * SEC, PB),
      peerDown(r, 5 * SEC + 10, 'pb', 'hold-expired'),
    ]);
    expect(got).toEqual([]);
  });

  it('fails: a peer session going down with no reset by the router, with the record as evidence', () => {
    const { got, recs } = feed((r) => [peerDown(r, 7 * SEC, 'pa', 'closed')]);
    const rec = recs[0] as TraceRecord;
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({
      recordId: rec.id,
      timeNs: 7 * SEC,
      message: "MSDP peer pa's adjacency dropped: its session went down (closed)",
      evidence: { actor: ACTOR.peer('pa'), kind: K.msdp.down, mode: 'active', reason: 'closed' },
    });
  });

  // A finding of these tests: the evidence spread the record's fields after `peer`, and
  // every msdp record has a `peer` field of its own (an address), so evidence.peer was an
  // address, never the peer's name the message gives. The address is kept as remoteAddress.
  it("evidence.peer is the peer's name, as in the message (a peer's record and the router's)", () => {
    const { got } = feed((r) => [
      peerDown(r, 7 * SEC, 'pa', 'closed'),
      r.rec(ACTOR.re(0), K.msdp.holdExpired, { peer: PB, lastInNs: 3 }),
    ]);
    expect(got.map((v) => v.evidence?.peer)).toEqual(['pa', 'pb']);
    // The record's own address of the other end: the router's on the peer, the peer's on it.
    expect(got.map((v) => v.evidence?.remoteAddress)).toEqual(['10.0.0.1', PB]);
  });

  it("fails: the peer's drop 1 s + 1 ns after the router's reset is not explained by it", () => {
    const { got } = feed((r) => [routerDown(r, 5 * SEC), peerDown(r, 6 * SEC + 1)]);
    expect(got.map((v) => v.message)).toEqual([
      "MSDP peer pa's adjacency dropped: its session went down (closed)",
    ]);
  });

  it("fails: a drop not explained by the router's msdp.down (snooping RE, other reason, other peer)", () => {
    const cases: Array<[string, (r: Records) => TraceRecord]> = [
      ['a snooping RE', (r) => routerDown(r, 5 * SEC, PA, 'format-error', 'snoop')],
      ['another reason', (r) => routerDown(r, 5 * SEC, PA, 'hold-expired')],
      ['another peer', (r) => routerDown(r, 5 * SEC, PB)],
      ['no mode', (r) => r.rec(ACTOR.re(0), K.msdp.down, { peer: PA, reason: 'format-error' })],
    ];
    for (const [what, reset] of cases) {
      const { got } = feed((r) => [reset(r), peerDown(r, 5 * SEC + 100)]);
      expect(
        got.map((v) => v.message),
        what,
      ).toEqual(["MSDP peer pa's adjacency dropped: its session went down (closed)"]);
    }
  });

  it('fails: the peer itself found a format error (a malformed TLV from the router), even right after a reset', () => {
    const { got } = feed((r) => [
      routerDown(r, 5 * SEC),
      peerDown(r, 5 * SEC, 'pa', 'format-error'),
    ]);
    expect(got.map((v) => v.message)).toEqual([
      "MSDP peer pa's adjacency dropped: its session went down (format-error)",
    ]);
  });

  it("fails: a peer's Hold timer expiry and its ConnectRetry, even right after the router's reset", () => {
    const { got, recs } = feed((r) => [
      routerDown(r, 5 * SEC),
      r.rec(ACTOR.peer('pa'), K.msdp.holdExpired, { peer: '10.0.0.1', lastInNs: 1 }, 5 * SEC),
      r.rec(ACTOR.peer('pb'), K.msdp.connectRetry, { peer: '10.0.0.1' }, 5 * SEC + 1),
    ]);
    expect(got).toHaveLength(2);
    expect(got[0]).toMatchObject({
      recordId: recs[1]?.id,
      timeNs: 5 * SEC,
      message: "MSDP peer pa's adjacency dropped: its Hold timer expired (RFC 3618 §5.4)",
      evidence: { actor: ACTOR.peer('pa'), kind: K.msdp.holdExpired, lastInNs: 1 },
    });
    expect(got[1]).toMatchObject({
      recordId: recs[2]?.id,
      timeNs: 5 * SEC + 1,
      message: "MSDP peer pb's adjacency dropped: it retried its connection (RFC 3618 §5.6)",
      evidence: { actor: ACTOR.peer('pb'), kind: K.msdp.connectRetry },
    });
  });

  it("fails: the router's Hold timer for a peer expired, on either RE, named by the peer's name (or its address when unknown)", () => {
    const { got, recs } = feed((r) => [
      r.rec(ACTOR.re(0), K.msdp.holdExpired, { peer: PB, lastInNs: 3 }),
      r.rec(ACTOR.nsr(1, 'kkcm'), K.msdp.holdExpired, { peer: '10.9.9.9', lastInNs: 4 }),
    ]);
    expect(got).toHaveLength(2);
    expect(got[0]).toMatchObject({
      recordId: recs[0]?.id,
      timeNs: recs[0]?.t,
      message:
        "MSDP peer pb's adjacency dropped: the router's Hold timer for it expired (RFC 3618 §5.4)",
      evidence: { actor: ACTOR.re(0), kind: K.msdp.holdExpired, lastInNs: 3 },
    });
    expect(got[1]).toMatchObject({
      recordId: recs[1]?.id,
      timeNs: recs[1]?.t,
      message:
        "MSDP peer 10.9.9.9's adjacency dropped: the router's Hold timer for it expired (RFC 3618 §5.4)",
      evidence: { actor: ACTOR.nsr(1, 'kkcm'), kind: K.msdp.holdExpired, lastInNs: 4 },
    });
  });
});
