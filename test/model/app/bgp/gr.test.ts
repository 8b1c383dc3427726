// Proves graceful restart (RFC 4724, with RFC 8538's N bit) as the helper peer sees a router restart: with the capability the peer keeps the routes stale for the restart time, unstales what the restarted router re-announces and flushes the rest at End-of-RIB, or everything when the restart timer or the stale-path timer runs out, or at once when the new OPEN lacks the capability or the Forwarding State bit; without the capability (design `none`) it withdraws everything at once; NOTIFICATIONs and hold expiry keep routes only with the N bit and never on Hard Reset; and the outcome figures (routes lost, stale routes and for how long, time until the table is whole again) say so.
import { describe, expect, it } from 'vitest';
import {
  BGP_KIND,
  PeerRoutes,
  newCounters,
  type BgpConfig,
  type GrConfig,
  type GrTimer,
} from '../../../../model/app/bgp/index.ts';
import { MIN, MS, SEC } from '../../../../sim/index.ts';
import { Loop, Pair, peerCfg, routerCfg } from './harness.ts';

const GR: GrConfig = {
  restartTimeSec: 120,
  forwardingState: true,
  notification: true,
  stalePathNs: 300 * SEC,
};

/** A router and its helper peer, Established with the tables exchanged. */
function steady(router: Partial<BgpConfig> = {}, peer: Partial<BgpConfig> = {}): Pair {
  const p = new Pair(routerCfg(router), peerCfg(peer));
  p.start();
  p.loop.runFor(1 * SEC);
  expect(p.b.state).toBe('Established');
  expect(p.b.adjRibIn()).toHaveLength(50);
  return p;
}

const restarted = (over: Partial<BgpConfig> = {}) => routerCfg({ restarting: true, ...over });

describe('bgp graceful restart: the helper keeps the routes', () => {
  it('marks them stale on the reset, refreshes them from the restarted router and is whole at End-of-RIB', () => {
    const p = steady();
    const downAt = p.loop.now;
    p.killA(0);
    p.loop.runFor(10 * MS);
    expect(p.b.adjRibIn()).toHaveLength(50);
    expect(p.b.adjRibIn().every((e) => e.stale)).toBe(true);
    expect(p.ioB.of(BGP_KIND.grStale)[0]?.fields).toMatchObject({
      routes: 50,
      restartTimeSec: 120,
    });
    p.loop.runFor(20 * SEC);
    p.replaceA(restarted());
    p.loop.runFor(2 * SEC);
    expect(p.b.state).toBe('Established');
    const open = p.b.negotiated?.peer.gr;
    expect(open?.restarting).toBe(true);
    expect(p.b.adjRibIn()).toHaveLength(50);
    expect(p.b.adjRibIn().some((e) => e.stale)).toBe(false);
    const [ep] = p.b.routes.episodes;
    expect(ep).toMatchObject({
      handling: 'stale',
      staleMarked: 50,
      refreshed: 50,
      flushedAtEor: 0,
      deletedAtOnce: 0,
    });
    expect(ep?.wholeAgainNs).toBe((ep?.eorNs ?? 0) - downAt);
    expect(ep?.wholeAgainNs).toBeGreaterThan(20 * SEC);
    expect(ep?.wholeAgainNs).toBeLessThan(23 * SEC);
    const o = p.b.outcome();
    expect(o).toMatchObject({
      sessionResets: 1,
      routesLost: 0,
      staleRoutesMax: 50,
      recovering: false,
    });
    expect(o.staleLongestNs).toBe((ep?.staleEndNs ?? 0) - downAt);
  });

  it('drops the Restart State bit once the restarted router has been Established', () => {
    const p = steady();
    p.killA(0);
    p.loop.runFor(1 * SEC);
    const r = p.replaceA(restarted());
    p.loop.runFor(2 * SEC);
    expect(r.ourOpen().caps.find((c) => c.kind === 'gr')).toMatchObject({ restarting: false });
  });

  it('flushes at End-of-RIB the routes the restarted router no longer announces', () => {
    const p = steady();
    p.killA(0);
    p.loop.runFor(5 * SEC);
    const table = { prefixCount: 40, firstPrefix: 0xc6120000, prefixLen: 24, churnPerSec: 0 };
    p.replaceA(restarted({ table }));
    p.loop.runFor(2 * SEC);
    expect(p.b.adjRibIn()).toHaveLength(40);
    expect(p.b.routes.episodes[0]).toMatchObject({ refreshed: 40, flushedAtEor: 10 });
    expect(p.b.counters.routesLost).toBe(10);
    expect(p.ioB.of(BGP_KIND.grFlush).map((r) => r.fields)).toEqual([
      { peer: 'peer', reason: 'eor', routes: 10 },
    ]);
  });

  it('flushes everything when the router is not back within the restart time, and the table stays incomplete', () => {
    const p = steady({ gr: { ...GR, restartTimeSec: 60 } });
    p.killA(0);
    p.loop.runFor(59 * SEC);
    expect(p.b.adjRibIn()).toHaveLength(50);
    p.loop.runFor(2 * SEC);
    expect(p.b.adjRibIn()).toHaveLength(0);
    expect(p.b.routes.episodes[0]).toMatchObject({
      flushedAtRestartTimer: 50,
      staleEndNs: p.loop.now - 1 * SEC,
    });
    expect(p.b.outcome()).toMatchObject({
      routesLost: 50,
      recovering: true,
      wholeAgainLongestNs: undefined,
    });
    p.replaceA(restarted());
    p.loop.runFor(2 * SEC);
    expect(p.b.outcome()).toMatchObject({ recovering: false });
    expect(p.b.outcome().wholeAgainLongestNs).toBeGreaterThan(61 * SEC);
  });

  it('flushes at once when the restarted router does not keep forwarding state', () => {
    const p = steady();
    p.killA(0);
    p.loop.runFor(5 * SEC);
    p.replaceA(restarted({ gr: { ...GR, forwardingState: false } }));
    p.loop.runFor(2 * SEC);
    expect(p.b.routes.episodes[0]).toMatchObject({ flushedNoForwarding: 50, refreshed: 0 });
    expect(p.b.adjRibIn()).toHaveLength(50);
    expect(p.b.counters.routesLost).toBe(50);
  });

  it('flushes at once when the restarted router comes back without the capability', () => {
    const p = steady();
    p.killA(0);
    p.loop.runFor(5 * SEC);
    p.replaceA(restarted({ gr: undefined }));
    p.loop.runFor(2 * SEC);
    expect(p.b.routes.episodes[0]).toMatchObject({ flushedNoForwarding: 50 });
  });

  it('treats a new connection while Established as the end of the old session (RFC 4724 §4.2)', () => {
    const p = steady();
    p.killA(undefined);
    p.loop.runFor(10 * SEC);
    expect(p.b.state).toBe('Established');
    p.connected = false;
    p.replaceA(restarted());
    p.loop.runFor(2 * SEC);
    expect(p.b.counters.sessionResets).toBe(1);
    expect(p.ioB.of(BGP_KIND.down)[0]?.fields).toMatchObject({
      cause: 'superseded',
      retained: true,
    });
    expect(p.b.routes.episodes[0]).toMatchObject({ staleMarked: 50, refreshed: 50 });
    expect(p.b.counters.routesLost).toBe(0);
  });
});

describe('bgp graceful restart: NOTIFICATIONs, hold expiry and design none', () => {
  it('design none: the peer withdraws every route at once and is whole again at End-of-RIB', () => {
    const p = steady({ gr: undefined });
    const downAt = p.loop.now;
    p.killA(0);
    p.loop.runFor(10 * MS);
    expect(p.b.adjRibIn()).toHaveLength(0);
    expect(p.ioB.of(BGP_KIND.withdrawAll)[0]?.fields).toMatchObject({ routes: 50 });
    p.loop.runFor(20 * SEC);
    p.replaceA(restarted({ gr: undefined }));
    p.loop.runFor(2 * SEC);
    expect(p.b.adjRibIn()).toHaveLength(50);
    const ep = p.b.routes.episodes[0];
    expect(ep).toMatchObject({ handling: 'deleted', deletedAtOnce: 50, staleMarked: 0 });
    expect(ep?.wholeAgainNs).toBe((ep?.eorNs ?? 0) - downAt);
    expect(p.b.outcome()).toMatchObject({ routesLost: 50, staleRoutesMax: 0, staleLongestNs: 0 });
  });

  it('the helper needs its own graceful restart support to help', () => {
    const p = steady({}, { gr: undefined });
    p.killA(0);
    p.loop.runFor(10 * MS);
    expect(p.b.adjRibIn()).toHaveLength(0);
  });

  for (const [n, keep] of [
    [true, 50],
    [false, 0],
  ] as const) {
    it(`hold-timer expiry keeps the routes ${keep > 0 ? 'with' : 'without'} the N bit (RFC 8538 §4 / RFC 4724 §4)`, () => {
      const p = steady({ gr: { ...GR, notification: n } });
      p.killA(undefined);
      p.loop.runFor(91 * SEC);
      expect(p.b.counters.holdExpiries).toBe(1);
      expect(p.b.adjRibIn()).toHaveLength(keep);
      expect(p.ioB.of(BGP_KIND.down)[0]?.fields).toMatchObject({
        cause: 'hold-expired',
        retained: n,
      });
    });
  }

  it('a NOTIFICATION for a malformed UPDATE keeps the routes stale with the N bit', () => {
    const p = steady();
    p.a.sendMalformed('attr-length');
    p.loop.runFor(100 * MS);
    expect(p.b.counters.notificationsSent.map((x) => [x.code, x.subcode])).toEqual([[3, 5]]);
    expect(p.ioB.of(BGP_KIND.down)[0]?.fields).toMatchObject({
      cause: 'notification-sent',
      retained: true,
    });
    p.loop.runFor(5 * SEC);
    expect(p.b.state).toBe('Established');
    expect(p.b.routes.episodes[0]).toMatchObject({
      staleMarked: 50,
      refreshed: 50,
      flushedAtEor: 0,
    });
  });

  it('Cease / Hard Reset deletes the routes even with the N bit (RFC 8538 §3)', () => {
    const p = steady();
    p.a.stop();
    p.loop.runFor(100 * MS);
    expect(p.ioB.of(BGP_KIND.down)[0]?.fields).toMatchObject({
      cause: 'notification-received',
      retained: false,
    });
    expect(p.b.adjRibIn()).toHaveLength(0);
  });
});

describe('bgp graceful restart: the helper state machine on its own', () => {
  function helper() {
    const loop = new Loop();
    const armed = new Map<GrTimer, number>();
    const counters = newCounters();
    const fired: string[] = [];
    const r: PeerRoutes = new PeerRoutes(
      {
        now: () => loop.now,
        arm: (t, d) => {
          if (armed.has(t)) loop.cancel(armed.get(t) as number);
          armed.set(
            t,
            loop.schedule(d, () => {
              armed.delete(t);
              fired.push(t);
              r.onTimer(t);
            }),
          );
        },
        disarm: (t) => {
          const h = armed.get(t);
          if (h !== undefined) loop.cancel(h);
          armed.delete(t);
        },
        trace: () => undefined,
      },
      counters,
    );
    const announce = (from: number, to: number) =>
      r.update(
        {
          withdrawn: [],
          attrs: { origin: 0, asPath: [], nextHop: 1 },
          nlri: Array.from({ length: to - from }, (_, i) => ({ addr: (from + i) << 8, len: 24 })),
        },
        false,
      );
    const eor = () => r.update({ withdrawn: [], attrs: undefined, nlri: [] }, true);
    return { loop, r, counters, fired, announce, eor, armed };
  }

  it('the stale-path timer bounds the wait for End-of-RIB', () => {
    const h = helper();
    h.announce(0, 10);
    h.r.sessionDown('tcp-closed', 120);
    h.loop.runFor(30 * SEC);
    h.r.sessionUp(true, 60 * SEC);
    h.announce(0, 4);
    h.loop.runFor(59 * SEC);
    expect(h.r.rib.staleCount).toBe(6);
    h.loop.runFor(2 * SEC);
    expect(h.fired).toEqual(['gr-stale']);
    expect(h.r.rib.size).toBe(4);
    expect(h.r.episodes[0]).toMatchObject({
      flushedAtStaleTimer: 6,
      refreshed: 4,
      staleEndNs: 90 * SEC,
    });
    expect(h.r.recovering).toBeDefined();
    h.eor();
    expect(h.r.recovering).toBeUndefined();
  });

  it('deletes routes still stale from a previous loss at the next loss (consecutive restarts)', () => {
    const h = helper();
    h.announce(0, 10);
    h.r.sessionDown('tcp-closed', 120);
    h.loop.runFor(10 * SEC);
    h.r.sessionUp(true, 300 * SEC);
    h.announce(0, 3);
    h.r.sessionDown('tcp-closed', 120);
    expect(h.r.rib.size).toBe(3);
    expect(h.r.rib.staleCount).toBe(3);
    expect(h.r.episodes).toHaveLength(1);
    expect(h.r.episodes[0]).toMatchObject({ downs: 2, flushedPreviouslyStale: 7, staleMarked: 13 });
    expect(h.counters.routesLost).toBe(7);
    expect([...h.armed.keys()]).toEqual(['gr-restart']);
  });

  it('a restart time of 0 flushes at once, and a withdrawal removes a stale route for good', () => {
    const h = helper();
    h.announce(0, 5);
    h.r.sessionDown('tcp-closed', 120);
    h.r.update({ withdrawn: [{ addr: 0, len: 24 }], attrs: undefined, nlri: [] }, false);
    expect(h.r.rib.staleCount).toBe(4);
    expect(h.counters.routesWithdrawn).toBe(1);
    const z = helper();
    z.announce(0, 5);
    z.r.sessionDown('tcp-closed', 0);
    z.loop.runFor(0);
    expect(z.r.rib.size).toBe(0);
    h.r.rib.check();
    z.r.rib.check();
  });
});

describe('bgp graceful restart: figures over a long run', () => {
  it('counts one reset per restart and nothing lost when each comes back in time', () => {
    const p = steady({
      table: { prefixCount: 50, firstPrefix: 0xc6120000, prefixLen: 24, churnPerSec: 0 },
    });
    for (let i = 0; i < 3; i++) {
      p.killA(0);
      p.loop.runFor(30 * SEC);
      p.replaceA(restarted());
      p.loop.runFor(1 * MIN);
    }
    expect(p.b.outcome()).toMatchObject({
      sessionResets: 3,
      routesLost: 0,
      staleRoutesMax: 50,
      recovering: false,
    });
    expect(p.b.routes.episodes).toHaveLength(3);
  });
});
