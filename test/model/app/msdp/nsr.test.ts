// Proves the NSR side of the MSDP engine (seed 003, SPEC D-3/D-4/D-6, S-1/S-3): the snooping backup learns the peers' SAs from both directions of its sockets and ignores the SAs its master originates, so one refresh period on its cache equals the master's; the named mutants break exactly that; a master crash at any instant, under partial writes, arbitrary chunking and lagging snoop buffers, is invisible to the peers (no reset, hold expiry, reconnect or malformed byte; every SA refreshed once per period, none twice, none lost, KeepAlives on their old schedule); and a backup that joins late resumes at the sync point, lacks the SAs it has not yet seen (Caveat I case 2, which the F-5 guard would have refused) and catches up within one period.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MSDP_K,
  plannedSwitchoverGuard,
  type MsdpMutant,
} from '../../../../model/app/msdp/index.ts';
import { SEC, MS } from '../../../../sim/index.ts';
import { ipv4ToString } from '../../../../model/net/segment.ts';
import { MsdpLab, type Box, type LabOptions } from './lab.ts';
import {
  DISTURBANCE,
  PERIOD,
  cacheKeys,
  cfg,
  ip,
  keyString,
  line,
  origination,
} from './fixture.ts';

/** Disturbance traces of the given instances. */
function disturbed(lab: MsdpLab, who: readonly string[]) {
  return lab.traces.filter(
    (r) => who.includes(r.who) && (DISTURBANCE as readonly string[]).includes(r.kind),
  );
}

/**
 * Per (RP, group, source) announced by `rp`: the times it arrived at `box`'s wire, without
 * the first (the burst at ESTABLISHED may precede the first periodic slot).
 */
function periodicArrivals(lab: MsdpLab, box: Box, rp: number): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const a of lab.arrivalsAt(box))
    if (a.m.type === 'sa' && a.m.rp === rp)
      for (const e of a.m.entries) {
        const k = keyString({ rp, ...e });
        out.set(k, [...(out.get(k) ?? []), a.t]);
      }
  for (const [k, ts] of out) out.set(k, ts.slice(1));
  return out;
}

/**
 * The peer's received stream against what the router's instances sent it (the third
 * checker of issue 14): the peer's rx records, by stream offset and type, are the old
 * master's tx records that end by the new master's takeover offset (one straddling it was
 * finished, and traced, by the new master), then the new master's.
 */
function streamMismatch(lab: MsdpLab, peer: Box, r: Box): { rx: string[]; tx: string[] } {
  const peerName = ipv4ToString(peer.addr);
  const rName = ipv4ToString(r.addr);
  const key = (t: { fields: Record<string, unknown> }): string =>
    `${t.fields.offset}:${t.fields.type}`;
  const rx = lab.traces
    .filter((t) => t.who === `${peer.name}/re0` && t.kind === MSDP_K.rx && t.fields.peer === rName)
    .map(key);
  const cut = lab.traces.find((t) => t.kind === MSDP_K.takeover && t.fields.peer === peerName);
  const cutAt = (cut?.fields.outOffset as number | undefined) ?? Infinity;
  const tx = lab.traces
    .filter(
      (t) =>
        t.kind === MSDP_K.tx &&
        t.fields.mode === 'active' &&
        t.fields.peer === peerName &&
        ((t.who === 'r/re0' && (t.fields.offset as number) + (t.fields.bytes as number) <= cutAt) ||
          t.who === 'r/re1'),
    )
    .map(key);
  // Messages still in flight at the end of the run were sent, not yet received.
  return { rx, tx: tx.slice(0, rx.length) };
}

function gapsOutside(arrivals: Map<string, number[]>, tolNs: number): string[] {
  const bad: string[] = [];
  for (const [k, ts] of arrivals)
    for (let i = 1; i < ts.length; i++) {
      const gap = ts[i]! - ts[i - 1]!;
      if (Math.abs(gap - PERIOD) > tolNs) bad.push(`${k}: ${ts[i - 1]} -> ${ts[i]} (${gap})`);
    }
  return bad;
}

describe('snooping (seed 003 §2.3, SPEC S-3, D-3, D-4)', () => {
  it("the backup's cache equals the master's, without the router's own SAs; it never writes", () => {
    const { lab, p1, r, p2 } = line({ snoopDelayNs: 3 * MS, chunkMax: 5 }, 6);
    lab.start();
    lab.run(3 * PERIOD);
    const mine = r.master.speaker.localActive().map(keyString);
    expect(cacheKeys(r, 'backup')).toEqual(cacheKeys(r));
    expect(cacheKeys(r)).toHaveLength(12);
    for (const k of mine) expect(cacheKeys(r, 'backup')).not.toContain(k);
    // It read both directions: the peers' SAs in, the master's (own and forwarded) out.
    const views = r.backup!.speaker.peerViews();
    expect(views.map((v) => v.mode)).toEqual(['snoop', 'snoop']);
    for (const v of views) {
      expect(v.counters.saReceived).toBeGreaterThan(0);
      expect(v.counters.saSent).toBeGreaterThan(0);
    }
    // Every forward the master owed was seen going out.
    for (const peer of [p1, p2])
      expect(r.backup!.speaker.session(peer.addr)!.ledger!.owedCount).toBe(0);
    expect(disturbed(lab, ['p1/re0', 'r/re0', 'r/re1', 'p2/re0'])).toEqual([]);
  });

  const mutantCase = (m: MsdpMutant) => {
    const { lab, r } = line({}, 6, [m]);
    lab.start();
    lab.run(3 * PERIOD);
    return {
      master: cacheKeys(r),
      backup: cacheKeys(r, 'backup'),
      mine: r.master.speaker.localActive().map(keyString),
    };
  };

  it("mutant snoop-caches-own: the backup's cache also holds the router's own SAs", () => {
    const { master, backup, mine } = mutantCase('snoop-caches-own');
    expect(backup).not.toEqual(master);
    expect([...backup].sort()).toEqual([...master, ...mine].sort());
  });

  it('mutant snoop-deaf: the backup learns nothing', () => {
    const { master, backup } = mutantCase('snoop-deaf');
    expect(master).toHaveLength(12);
    expect(backup).toEqual([]);
  });
});

interface TakeoverCase {
  crashAtMs: number;
  n: number;
  opts: Partial<LabOptions>;
  mutants?: MsdpMutant[];
}

function runTakeover(c: TakeoverCase, afterNs = 200 * SEC) {
  const { lab, p1, r, p2 } = line(c.opts, c.n, c.mutants ?? []);
  lab.start();
  lab.run(c.crashAtMs * MS);
  lab.failover(r);
  lab.run(c.crashAtMs * MS + afterNs);
  return { lab, p1, r, p2 };
}

const takeoverArb: fc.Arbitrary<TakeoverCase> = fc.record({
  crashAtMs: fc.integer({ min: 61_000, max: 250_000 }),
  n: fc.constantFrom(3, 30, 300),
  opts: fc.record({
    seed: fc.integer({ min: 1, max: 1000 }),
    chunkMax: fc.constantFrom(1, 5, 1 << 20),
    snoopDelayNs: fc.constantFrom(0, 3 * MS),
    replDelayNs: fc.constantFrom(0, 1 * MS),
    readDelayNs: fc.constantFrom(0, 2 * MS),
    sndBufBytes: fc.constantFrom(25, 64, 1 << 20),
  }),
});

describe('takeover (SPEC D-4, G-9: the peers notice nothing)', () => {
  it('property: a master crash at any instant leaves every peering up and every SA refreshed once per period', () => {
    fc.assert(
      fc.property(takeoverArb, (c) => {
        const { lab, p1, r, p2 } = runTakeover(c);
        expect(disturbed(lab, ['p1/re0', 'p2/re0', 'r/re1'])).toEqual([]);
        for (const p of [p1, p2]) {
          const v = p.master.speaker.peerViews()[0]!;
          expect(v.state).toBe('established');
          expect(v.counters.adjacencyDrops + v.counters.resets + v.counters.connectRetries).toBe(0);
        }
        for (const conn of lab.conns) for (const h of conn.halves) expect(h.judgeErrors).toBe(0);
        expect(lab.conns).toHaveLength(2);
        // Refreshes: once per period at the peers, for R's own SAs and for forwarded ones.
        const tol = (c.opts.sndBufBytes ?? 0) < 1000 ? 2 * SEC : 20 * MS;
        expect(gapsOutside(periodicArrivals(lab, p1, r.addr), tol)).toEqual([]);
        expect(gapsOutside(periodicArrivals(lab, p2, p1.addr), tol)).toEqual([]);
        expect(gapsOutside(periodicArrivals(lab, p1, p2.addr), tol)).toEqual([]);
        expect(lab.tracesOf(MSDP_K.saExpire)).toEqual([]);
        // Each peer received exactly the stream the router's two instances sent it.
        for (const peer of [p1, p2]) {
          const { rx, tx } = streamMismatch(lab, peer, r);
          expect(rx).toEqual(tx);
          expect(rx.length).toBeGreaterThan(3);
        }
        // The new master knows what the old one knew.
        expect(cacheKeys(r)).toHaveLength(2 * c.n);
      }),
      { numRuns: 30 },
    );
    // Crashes that catch a TLV half-written are covered deterministically below.
  });

  it('a half-written TLV is finished from what the backup knows, never by filler', () => {
    let hits = 0;
    // Just after a slot instant, a batch is still being pushed through a 25-byte so_snd.
    for (let ms = 120_001; ms < 130_000 && hits < 5; ms += 1_003) {
      const { lab } = runTakeover(
        { crashAtMs: ms, n: 300, opts: { sndBufBytes: 25, chunkMax: 4 } },
        70 * SEC,
      );
      const fin = lab
        .tracesOf(MSDP_K.takeover, 'r/re1')
        .filter((t) => (t.fields.finished as number) > 0);
      hits += fin.length;
      expect(lab.tracesOf(MSDP_K.completeFallback)).toEqual([]);
      expect(disturbed(lab, ['p1/re0', 'p2/re0', 'r/re1'])).toEqual([]);
      for (const conn of lab.conns) for (const h of conn.halves) expect(h.judgeErrors).toBe(0);
    }
    expect(hits).toBeGreaterThan(0);
  });

  it('mutant takeover-no-catch-up: the peer reads a broken stream or misses refreshes', () => {
    // Find a crash instant that leaves a TLV half-written, then crash the mutant there.
    let crashAtMs = 0;
    for (let ms = 120_000; ms < 121_000 && crashAtMs === 0; ms += 7) {
      const { lab } = runTakeover({ crashAtMs: ms, n: 300, opts: { sndBufBytes: 25 } });
      if (lab.tracesOf(MSDP_K.takeover, 'r/re1').some((t) => (t.fields.finished as number) > 0))
        crashAtMs = ms;
    }
    expect(crashAtMs).toBeGreaterThan(0);
    const { lab, p1, p2 } = runTakeover({
      crashAtMs,
      n: 300,
      opts: { sndBufBytes: 25 },
      mutants: ['takeover-no-catch-up'],
    });
    const drops = [p1, p2].reduce(
      (n, p) => n + p.master.speaker.peerViews()[0]!.counters.adjacencyDrops,
      0,
    );
    expect(drops).toBeGreaterThan(0);
    expect(disturbed(lab, ['p1/re0', 'p2/re0']).map((r) => r.kind)).toContain(MSDP_K.formatError);
  });

  it('with churning sources, the peers keep caching exactly what is live across takeovers', () => {
    const lab = new MsdpLab({ sndBufBytes: 64, chunkMax: 9, snoopDelayNs: 2 * MS });
    const P1 = '10.0.0.1';
    const R = '10.0.0.2';
    const p1 = lab.addBox('p1', cfg(P1, [R], []));
    const r = lab.addBox('r', cfg(R, [P1], [], origination(ip(R), 2, 60, true)), true);
    lab.start();
    const sgState = r.master.speaker.timers.sgStateNs;
    for (const crash of [200 * SEC, 411 * SEC + 7 * MS, 777 * SEC + 500 * MS]) {
      lab.run(crash);
      lab.failover(r);
      lab.joinBackup(r);
    }
    for (let t = 800 * SEC; t <= 1400 * SEC; t += 11 * SEC) {
      lab.run(t);
      const cached = new Set(cacheKeys(p1));
      const live = (back: number) => r.master.speaker.localActive(t - back).map(keyString);
      for (const k of live(0)) if (live(SEC).includes(k)) expect(cached).toContain(k);
      const recent = new Set<string>();
      for (let back = 0; back <= sgState; back += SEC) for (const k of live(back)) recent.add(k);
      for (const k of cached) expect(recent).toContain(k);
    }
    expect(disturbed(lab, ['p1/re0'])).toEqual([]);
    expect(lab.tracesOf(MSDP_K.takeover)).toHaveLength(3);
  });

  it('KeepAlives keep their schedule across the takeover (no early one, no late one)', () => {
    const { lab, p1, r } = line({}, 0);
    lab.start();
    lab.run(100_500 * MS);
    lab.failover(r);
    lab.run(400 * SEC);
    const kas = lab
      .arrivalsAt(p1)
      .filter((a) => a.m.type === 'keepalive')
      .map((a) => a.t);
    expect(kas.length).toBe(7);
    for (let i = 1; i < kas.length; i++) expect(kas[i]! - kas[i - 1]!).toBe(PERIOD);
    expect(r.master.name).toBe('r/re1');
  });
});

describe('MSDP NSR disabled (SPEC D-7)', () => {
  it('sockets not replicated: a switchover resets the peers, which come back through the FSM', () => {
    const { lab, p1, r, p2 } = line({}, 3);
    r.replicate = false;
    lab.start();
    lab.run(100 * SEC);
    expect(r.backup!.speaker.peerViews().map((v) => v.state)).toEqual(['inactive', 'inactive']);
    lab.failover(r);
    // The new master starts afresh: listens for the lower peer, dials the higher one.
    expect(r.master.speaker.peerViews().map((v) => v.state)).toEqual(['listen', 'connecting']);
    lab.run(400 * SEC);
    for (const p of [p1, p2]) {
      const v = p.master.speaker.peerViews()[0]!;
      expect(v.counters.holdExpiries).toBe(1);
      expect(v.counters.adjacencyDrops).toBe(1);
      expect(v.state).toBe('established');
    }
    expect(r.master.speaker.peerViews()[1]!.counters.connectRetries).toBeGreaterThan(0);
    expect(cacheKeys(r)).toHaveLength(6);
  });
});

describe('a backup that joins late (seed 003 Caveat I, SPEC D-6, F-5)', () => {
  const JOIN_FROM = 130 * SEC;

  /** Joins at the first millisecond from JOIN_FROM at which both sessions are mid-TLV. */
  function lateJoin(n: number) {
    const env = line({ sndBufBytes: 25, chunkMax: 3, snoopDelayNs: MS }, n, [], false);
    env.lab.start();
    for (let t = JOIN_FROM; t < JOIN_FROM + 60 * SEC; t += MS) {
      env.lab.run(t);
      const partial = [env.p1, env.p2].some((p) => {
        const s = env.r.master.speaker.session(p.addr)!.syncPoint();
        return s.inPartial.length > 0 && s.outPartial.length > 0;
      });
      if (!partial) continue;
      env.lab.joinBackup(env.r);
      return { ...env, joinedAt: t };
    }
    throw new Error('no mid-TLV instant found');
  }

  it('resumes mid-TLV in both directions at the sync point and parses on without an error', () => {
    const { lab, r, joinedAt } = lateJoin(300);
    const resumes = lab.tracesOf(MSDP_K.resume, 'r/re1');
    expect(resumes).toHaveLength(2);
    expect(
      resumes.some(
        (x) => (x.fields.inPartial as number) > 0 && (x.fields.outPartial as number) > 0,
      ),
    ).toBe(true);
    expect(cacheKeys(r, 'backup')).toEqual([]);
    lab.run(joinedAt + PERIOD + 5 * SEC);
    expect(lab.tracesOf(MSDP_K.formatError)).toEqual([]);
    // D-4: one refresh period after replication, the caches agree.
    expect(cacheKeys(r, 'backup')).toEqual(cacheKeys(r));
  });

  it('Caveat I case 2: a switchover before the next refresh lacks SAs until they come round; the guard refuses it', () => {
    const { lab, r, p1, p2, joinedAt } = lateJoin(300);
    const switchAt = joinedAt + 10 * SEC;
    const guard = plannedSwitchoverGuard({
      nowNs: switchAt,
      replicationActiveNs: [{ socket: 'msdp/p1', atNs: joinedAt }],
      lastPlannedSwitchoverNs: undefined,
    });
    expect(guard.allowed).toBe(false);
    lab.run(switchAt);
    const had = new Set(cacheKeys(r));
    lab.failover(r); // the guard is off (design option): the switchover happens
    const learned = new Set(cacheKeys(r));
    const missing = [...had].filter((k) => !learned.has(k));
    expect(missing.length).toBeGreaterThan(0);
    expect(missing.length).toBeLessThan(had.size);
    // Each missing SA returns with its originator's next refresh: within a period of the join.
    lab.run(joinedAt + PERIOD + 5 * SEC);
    const back = new Map(
      lab
        .tracesOf(MSDP_K.saNew, 'r/re1')
        .map((x) => [
          `${ip(x.fields.rp as string)}/${ip(x.fields.group as string)}/${ip(x.fields.source as string)}`,
          x.t,
        ]),
    );
    for (const k of missing) {
      const t = back.get(k);
      expect(t).toBeDefined();
      expect(t!).toBeGreaterThan(switchAt);
      expect(t! - joinedAt).toBeLessThanOrEqual(PERIOD + 10 * MS);
    }
    expect(cacheKeys(r)).toEqual([...had].sort(byKey));
    // The peers noticed nothing: their adjacencies and their caches stood.
    expect(disturbed(lab, ['p1/re0', 'p2/re0'])).toEqual([]);
    expect(lab.tracesOf(MSDP_K.saExpire)).toEqual([]);
    for (const p of [p1, p2])
      expect(p.master.speaker.peerViews()[0]!.counters.adjacencyDrops).toBe(0);
  });
});

const byKey = (a: string, b: string): number => {
  const [x, y] = [a.split('/').map(Number), b.split('/').map(Number)];
  return x[0]! - y[0]! || x[1]! - y[1]! || x[2]! - y[2]!;
};
