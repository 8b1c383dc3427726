// Proves the peer-transparent checker (SPEC G-9) ignores the router's own records and normal closes, reports a peer-side reset, timeout, ACK of unsent data, stream defect or expired hold timer, and in real runs fires on a master crash without NSR but not with NSR.
import { describe, expect, it } from 'vitest';
import { PEER_TRANSPARENT, PeerTransparentCheck } from '../../../model/checks/peer-transparent.ts';
import type { World } from '../../../model/world.ts';
import { MS, SEC } from '../../../sim/index.ts';
import { peer, worldConfig } from '../world-fixture.ts';
import { collector, ended, of, Records, runWorld } from './fixture.ts';
import { ACTOR, K } from '../../../model/vocab.ts';

/** A fake world: one peer pa with one open session that last read at `lastReadNs`. */
function fakeWorld(lastReadNs: number, fromRouterRate = 10, holdTimeNs = 90 * SEC): World {
  return {
    cfg: { holdTimeNs },
    peers: [
      {
        cfg: { name: 'pa', fromRouter: { ratePerSec: fromRouterRate } },
        sessions: [{ cfg: { id: 'pa/0' }, closed: undefined, lastReadNs }],
      },
    ],
  } as unknown as World;
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
    expect(got.map((v) => v.message)).toEqual([
      'peer session pa/0 closed: reset',
      'peer session pa/0 received a stream with a duplicate at byte 10 (expected record 1, got 0)',
      'peer TCP rst-received on 10.0.1.1:20000>10.0.0.1:179',
      'peer TCP timeout on c',
      'peer TCP ack-unsent on c',
    ]);
  });

  it('fails: the hold timer expired (only for sessions the router writes to)', () => {
    const { report, got } = collector();
    new PeerTransparentCheck(fakeWorld(5 * SEC, 10, 90 * SEC)).atEnd(ended(100 * SEC), report);
    expect(got).toHaveLength(1);
    expect(got[0]?.message).toMatch(
      /pa\/0 heard nothing for 95000000000 ns; its hold timer \(90000000000 ns\) expired/,
    );
    new PeerTransparentCheck(fakeWorld(5 * SEC, 0, 90 * SEC)).atEnd(ended(100 * SEC), report);
    expect(got).toHaveLength(1);
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
