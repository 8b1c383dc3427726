// Proves the no-loss-sync checker (SPEC G-3) judges only runs with a sync failover, reports a gap or duplicate the new master's application sees after it and a new master holding fewer bytes than the peer saw acknowledged, and passes a real switchover run.
import { describe, expect, it } from 'vitest';
import { NO_LOSS_SYNC, NoLossSyncCheck } from '../../../model/checks/no-loss-sync.ts';
import type { World } from '../../../model/world.ts';
import { MS, SEC } from '../../../sim/index.ts';
import { peer, worldConfig } from '../world-fixture.ts';
import { collector, ended, of, Records, runWorld } from './fixture.ts';
import { ACTOR, K } from '../../../model/vocab.ts';

/**
 * A fake world with one session pa/0: the peer saw `acked` bytes acknowledged; the
 * master's application read `read` bytes and `inBuffer` more wait in its so_rcv.
 */
function fakeWorld(acked: number, read: number, inBuffer: number): World {
  const iss = 1000;
  const routerSession = { verifier: { bytes: read }, conn: { so_rcv: { cc: inBuffer } } };
  const re = { session: (id: string) => (id === 'pa/0' ? routerSession : undefined) };
  return {
    chassis: { master: 1 },
    res: [{ session: () => undefined }, re],
    routerSession: (id: string) => re.session(id),
    peers: [
      {
        cfg: { name: 'pa' },
        sessions: [{ cfg: { id: 'pa/0' }, generation: 0, conn: { iss, snd_una: iss + 1 + acked } }],
      },
    ],
  } as unknown as World;
}

const syncSwitch = (r: Records) =>
  r.rec(ACTOR.chassis, K.chassis.master, { master: 1, sync: true });
const verifyError = (r: Records, actor: string, direction?: string) =>
  r.rec(actor, 'app.verify-error', {
    session: 'pa/0',
    side: 'router',
    kind: 'gap',
    offset: 4096,
    expected: 7,
    got: 9,
    ...(direction === undefined ? {} : { direction }),
  });

describe('no-loss-sync', () => {
  it('passes: no sync failover means nothing to judge, even with errors and a short new master', () => {
    const c = new NoLossSyncCheck(fakeWorld(5000, 0, 0));
    const { report, got } = collector();
    const r = new Records();
    expect(c.id).toBe(NO_LOSS_SYNC);
    c.onRecord(r.rec(ACTOR.chassis, K.chassis.master, { master: 1, sync: false }), report);
    c.onRecord(verifyError(r, ACTOR.re(1)), report);
    c.atEnd(ended(2 * SEC), report);
    expect(got).toEqual([]);
  });

  it('passes: after a switchover the new master read or holds every acknowledged byte', () => {
    const c = new NoLossSyncCheck(fakeWorld(5000, 4000, 1000));
    const { report, got } = collector();
    const r = new Records();
    c.onRecord(syncSwitch(r), report);
    // The snooping application's outbound tracker and the peer's errors are not the router's inbound stream.
    c.onRecord(verifyError(r, ACTOR.re(1), 'out-snoop'), report);
    c.onRecord(verifyError(r, 'peer:pa'), report);
    c.atEnd(ended(2 * SEC), report);
    expect(got).toEqual([]);
  });

  it("fails: the new master's application sees a gap after the switchover", () => {
    const c = new NoLossSyncCheck(fakeWorld(5000, 5000, 0));
    const { report, got } = collector();
    const r = new Records();
    c.onRecord(syncSwitch(r), report);
    const bad = verifyError(r, ACTOR.re(1));
    c.onRecord(bad, report);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({
      recordId: bad.id,
      evidence: { session: 'pa/0', kind: 'gap', offset: 4096 },
    });
  });

  it('fails: a per-socket failover (F-2) starts the judgement too: a gap the application then sees is caught', () => {
    const c = new NoLossSyncCheck(fakeWorld(5000, 5000, 0));
    const { report, got } = collector();
    const r = new Records();
    c.onRecord(verifyError(r, ACTOR.re(1)), report);
    expect(got).toEqual([]);
    c.onRecord(
      r.rec(ACTOR.nsr(0, 'iha'), K.iha.socketFailover, { session: 'pa/0', handle: 1, peer: 1 }),
      report,
    );
    const bad = verifyError(r, ACTOR.re(1));
    c.onRecord(bad, report);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ recordId: bad.id, evidence: { session: 'pa/0', kind: 'gap' } });
  });

  it('fails: the peer saw 5000 bytes acknowledged, the new master has 4500', () => {
    const c = new NoLossSyncCheck(fakeWorld(5000, 4000, 500));
    const { report, got } = collector();
    const r = new Records();
    c.onRecord(syncSwitch(r), report);
    c.atEnd(ended(2 * SEC), report);
    expect(got).toHaveLength(1);
    expect(got[0]?.evidence).toMatchObject({ session: 'pa/0', acked: 5000, held: 4500 });
  });

  it('a real run: a switchover under traffic both ways passes', () => {
    const cfg = worldConfig({
      durationNs: 1500 * MS,
      router: { nsr: true },
      peers: [
        peer('pa', { sessions: 2, toRouter: { ratePerSec: 200, sizeMin: 64, sizeMax: 1460 } }),
      ],
      faults: [{ when: { atNs: 700 * MS }, action: { kind: 'switchover' } }],
    });
    const { world, res } = runWorld(cfg, [NO_LOSS_SYNC]);
    expect(world.chassis.master).toBe(1);
    expect(of(res, NO_LOSS_SYNC)).toEqual([]);
  });
});
