// Proves the NSR side of the BGP speaker (SPEC B-3, S-3): a snooper on the backup learns the peer's routes by parsing both directions of the replicated socket and never writes (and learns nothing if either direction is missing, which a checker can catch); after a takeover at any instant, even in the middle of a message, the peer sees no reset, no NOTIFICATION and no gap longer than the keepalive interval, and the table and churn continue exactly; a snooper that joins mid-session from a sync point (offsets, partial messages, OPENs, routes) ends up with the master's Adj-RIB-In; graceful-restart state is the same on master and backup.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BGP_KIND, prefixText, type BgpConfig } from '../../../../model/app/bgp/index.ts';
import { MIN, MS, SEC } from '../../../../sim/index.ts';
import { Pair, peerCfg, routerCfg } from './harness.ts';

const churn = (prefixCount: number, firstPrefix: number, churnPerSec: number) => ({
  prefixCount,
  firstPrefix,
  prefixLen: 24,
  churnPerSec,
});

function nsrPair(router: Partial<BgpConfig> = {}, peer: Partial<BgpConfig> = {}): Pair {
  const p = new Pair(
    routerCfg({ table: churn(300, 0x0a000000, 2), ...router }),
    peerCfg({ table: churn(400, 0x14000000, 3), ...peer }),
  );
  p.addSnooper(p.a.cfg);
  p.start();
  return p;
}

/** The receiver's view of `sender`'s routes after its first n UPDATEs (its plan, table.ts). */
function planned(p: Pair, n: number, sender: 'a' | 'b' = 'a'): string[] {
  const plan = p[sender].negotiated?.plan;
  if (plan === undefined) throw new Error('no session');
  const rib = new Set<string>();
  for (let i = 0; i < n; i++) {
    const u = plan.update(i);
    for (const w of u.withdrawn) rib.delete(prefixText(w));
    for (const x of u.nlri) rib.add(prefixText(x));
  }
  return [...rib].sort();
}

/** Longest time the peer went without receiving an octet from the router's side. */
function longestSilenceNs(p: Pair, fromNs: number): number {
  const at = p.log.filter((l) => l.from === 'a' && l.at >= fromNs).map((l) => l.at);
  let longest = 0;
  for (let i = 1; i < at.length; i++)
    longest = Math.max(longest, (at[i] as number) - (at[i - 1] as number));
  return Math.max(longest, p.loop.now - (at[at.length - 1] ?? fromNs));
}

describe('bgp NSR: the snooper learns from both directions', () => {
  it("holds the master's Adj-RIB-In once it has seen the table, through churn, and never writes", () => {
    const p = nsrPair();
    const s = p.snooper;
    p.loop.runFor(2 * MIN);
    expect(
      p.a
        .adjRibIn()
        .map((e) => e.prefix)
        .sort(),
    ).toEqual(planned(p, p.b.counters.sent.update, 'b'));
    expect(p.a.counters.received.update).toBeGreaterThan(300);
    expect(s?.adjRibIn()).toEqual(p.a.adjRibIn());
    expect(s?.state).toBe('Established');
    expect(s?.counters.sent).toEqual(p.a.counters.sent);
    expect(s?.counters.received).toEqual(p.a.counters.received);
    expect(p.snooperIo?.written).toHaveLength(0);
    expect(p.snooperIo?.of(BGP_KIND.snoopMismatch)).toHaveLength(0);
    expect(s?.negotiated?.holdTimeSec).toBe(90);
  });

  for (const lost of ['out', 'in'] as const) {
    it(`learns nothing when the ${lost === 'out' ? "master's" : "peer's"} direction is missing (a checker comparing RIBs catches it)`, () => {
      const p = new Pair(routerCfg(), peerCfg());
      p.addSnooper(p.a.cfg);
      if (lost === 'out') p.snoopOutLost = true;
      else p.snoopInLost = true;
      p.start();
      p.loop.runFor(1 * MIN);
      expect(p.a.adjRibIn()).toHaveLength(30);
      expect(p.snooper?.adjRibIn()).toHaveLength(0);
      expect(p.snooper?.state).not.toBe('Established');
    });
  }
});

describe('bgp NSR: takeover', () => {
  it('continues the session: no reset, no NOTIFICATION, keepalives within the interval, churn continues exactly', () => {
    const p = nsrPair();
    p.loop.runFor(2 * MIN);
    const at = p.loop.now;
    const s = p.failover();
    expect(s.mode).toBe('active');
    expect(p.snooperIo).toBeUndefined();
    p.loop.runFor(10 * MIN);
    expect(p.b.counters.sessionResets).toBe(0);
    expect(p.b.counters.notificationsReceived).toHaveLength(0);
    expect(p.b.counters.notificationsSent).toHaveLength(0);
    expect(p.b.counters.holdExpiries).toBe(0);
    expect(p.b.counters.received.open).toBe(1);
    expect(p.b.counters.malformedReceived).toBe(0);
    expect(p.a.counters.sent.open).toBe(1);
    expect(longestSilenceNs(p, at)).toBeLessThanOrEqual(30 * SEC);
    const n = p.b.counters.received.update;
    expect(p.a.counters.sent.update).toBe(n);
    expect(n).toBeGreaterThan(1200);
    expect(
      p.b
        .adjRibIn()
        .map((e) => e.prefix)
        .sort(),
    ).toEqual(planned(p, n));
    expect(
      p.a
        .adjRibIn()
        .map((e) => e.prefix)
        .sort(),
    ).toEqual(planned(p, p.b.counters.sent.update, 'b'));
    expect(p.a.counters.received.update).toBe(p.b.counters.sent.update);
  });

  it('sends a KEEPALIVE at once if the keepalive interval ran out while the master could not write', () => {
    const p = nsrPair({}, { holdTimeSec: 30, table: churn(10, 0x14000000, 0) });
    p.loop.runFor(1 * MIN);
    p.ioA.room = 0;
    p.loop.runFor(15 * SEC);
    const at = p.loop.now;
    const s = p.failover();
    expect(p.ioA.of(BGP_KIND.takeover)[0]?.fields).toMatchObject({ keepaliveDue: true });
    expect(
      p.ioA.of(BGP_KIND.tx).filter((r) => r.at === at && r.fields.msg === 'keepalive'),
    ).toHaveLength(1);
    p.loop.runFor(5 * MIN);
    expect(s.state).toBe('Established');
    expect(p.b.counters.holdExpiries).toBe(0);
  });

  it('completes a message the master wrote in part, wherever the cut falls', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 13_000 }), (cut) => {
        const p = new Pair(routerCfg({ table: churn(3000, 0x0a000000, 0) }), peerCfg());
        p.addSnooper(p.a.cfg);
        p.ioA.room = cut;
        p.start();
        p.loop.runFor(1 * SEC);
        p.failover();
        p.loop.runFor(1 * SEC);
        expect(p.b.counters.notificationsSent).toHaveLength(0);
        expect(p.b.state).toBe('Established');
        expect(p.b.adjRibIn()).toHaveLength(3000);
        expect(p.b.counters.received.open).toBe(1);
        expect(p.a.counters.eorSentNs).toHaveLength(1);
        expect(p.a.adjRibIn()).toHaveLength(30);
      }),
      { numRuns: 120 },
    );
  });

  it('says which message it completed', () => {
    const p = new Pair(routerCfg({ table: churn(3000, 0x0a000000, 0) }), peerCfg());
    p.addSnooper(p.a.cfg);
    p.start();
    p.loop.runFor(1 * SEC);
    p.ioA.room = 7;
    p.a.sender.sendKeepalive(p.a.connection as NonNullable<typeof p.a.connection>);
    p.failover();
    expect(p.ioA.of(BGP_KIND.takeover)[0]?.fields).toMatchObject({ completed: 'keepalive' });
  });
});

describe('bgp NSR: a late snooper', () => {
  it('joins mid-session from a sync point, holds the same routes, and takes over cleanly', () => {
    let partials = 0;
    for (const joinAtMs of [30_000, 45_321, 61_007, 89_999, 33_333, 50_001]) {
      const p = new Pair(
        routerCfg({ table: churn(2000, 0x0a000000, 4) }),
        peerCfg({ table: churn(2500, 0x14000000, 5) }),
      );
      p.start();
      p.loop.runUntil(joinAtMs * MS - 2 * SEC);
      // Around the join the peer's writes are cut into 37-octet pieces, so the master
      // often holds part of a message when the sync point is taken.
      const refill = () => {
        p.ioB.room = 37;
        p.b.onWritable();
      };
      for (let t = 0; t < 2000; t++) {
        refill();
        p.loop.runFor(1 * MS);
      }
      p.loop.runUntil(joinAtMs * MS);
      const sync = p.a.syncPoint();
      partials += sync.inPartial.length > 0 ? 1 : 0;
      p.addSnooper(p.a.cfg, sync);
      p.ioB.room = Number.POSITIVE_INFINITY;
      p.b.onWritable();
      p.loop.runFor(1 * MIN);
      expect(p.snooper?.adjRibIn()).toEqual(p.a.adjRibIn());
      expect(p.snooperIo?.of(BGP_KIND.snoopMismatch)).toHaveLength(0);
      p.failover();
      p.loop.runFor(3 * MIN);
      expect(p.b.counters.sessionResets).toBe(0);
      expect(p.b.counters.notificationsSent).toHaveLength(0);
      expect(p.b.counters.notificationsReceived).toHaveLength(0);
      expect(
        p.b
          .adjRibIn()
          .map((e) => e.prefix)
          .sort(),
      ).toEqual(planned(p, p.b.counters.received.update));
    }
  });

  it('the sync point names the partial messages in both directions', () => {
    const p = new Pair(
      routerCfg({ table: churn(3000, 0x0a000000, 0) }),
      peerCfg({ table: churn(3000, 0x14000000, 0) }),
    );
    p.ioA.room = 6000;
    p.start();
    p.loop.runFor(10 * MS);
    const sync = p.a.syncPoint();
    expect(sync.outOffset).toBe(6000);
    expect(sync.outPartial.length).toBeGreaterThan(0);
    expect(sync.openSent).toBeDefined();
    expect(sync.openReceived).toBeDefined();
    expect(sync.keepaliveSent).toBe(true);
    expect(sync.inOffset).toBeGreaterThan(0);
  });
});

describe('bgp NSR: graceful restart state on master and backup', () => {
  it('both mark the peer routes stale on a reset, and both are whole again after the new session', () => {
    const p = nsrPair();
    p.loop.runFor(1 * MIN);
    p.reset();
    const s = p.snooper;
    expect(s?.adjRibIn()).toEqual(p.a.adjRibIn());
    expect(p.a.adjRibIn().every((e) => e.stale)).toBe(true);
    p.loop.runFor(30 * SEC);
    expect(p.a.state).toBe('Established');
    expect(s?.state).toBe('Established');
    expect(p.a.adjRibIn().some((e) => e.stale)).toBe(false);
    expect(s?.adjRibIn()).toEqual(p.a.adjRibIn());
    expect(s?.routes.episodes).toEqual(p.a.routes.episodes);
    p.failover();
    p.loop.runFor(2 * MIN);
    expect(p.b.counters.sessionResets).toBe(1);
  });

  it("the snooper's own hold timer only traces; the master decides", () => {
    const p = nsrPair({}, { holdTimeSec: 30 });
    p.loop.runFor(1 * MIN);
    p.snoopInLost = true;
    p.loop.runFor(1 * MIN);
    expect(p.snooperIo?.of(BGP_KIND.snoopHoldExpired).length).toBeGreaterThan(0);
    expect(p.snooperIo?.written).toHaveLength(0);
    expect(p.a.state).toBe('Established');
  });
});

describe('bgp NSR: bounds', () => {
  it('a snooper that never sees its own OPEN stops holding the peer’s UPDATEs past its bound', () => {
    const p = new Pair(routerCfg(), peerCfg({ table: churn(280_000, 0x14000000, 0) }));
    p.addSnooper(p.a.cfg);
    p.snoopOutLost = true;
    p.start();
    p.loop.runFor(10 * SEC);
    expect(p.a.routes.rib.size).toBe(280_000);
    expect(p.snooperIo?.of(BGP_KIND.snoopMismatch).map((r) => r.fields.what)).toEqual([
      'no own OPEN',
    ]);
    expect(p.snooper?.routes.rib.size).toBe(0);
  });
});
