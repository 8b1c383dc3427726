// Proves the no-loss-sync checker (SPEC G-3) judges only runs with a sync failover, reports packets lost at the PFE or an RE while it is under way (saying where), a gap or duplicate the new master's application sees after it and a new master holding fewer bytes than the peer saw acknowledged, charges nothing after an async event, and passes a real switchover run but not the mutant whose PFE drops during it.
import { describe, expect, it } from 'vitest';
import {
  NO_LOSS_SYNC,
  NoLossSyncCheck,
  SYNC_WINDOW_NS,
} from '../../../model/checks/no-loss-sync.ts';
import type { World } from '../../../model/world.ts';
import { MS, SEC, type TraceRecord } from '../../../sim/index.ts';
import { peer, worldConfig } from '../world-fixture.ts';
import { collector, ended, of, Records, runWorld } from './fixture.ts';
import { ACTOR, K } from '../../../model/vocab.ts';
import { TF_SENTFIN } from '../../../model/tcp/defs.ts';

/** What else the fake world's session is like. */
interface Shape {
  /** The router session: absent, or without a socket (default: both there). */
  router?: 'none' | 'no-conn';
  /** The peer's session was opened again (judged only in its first generation). */
  generation?: number;
  /** The peer sent its FIN (it takes a sequence number); `finAcked`: and it was ACKed. */
  fin?: 'unacked' | 'acked';
}

/**
 * A fake world with one session pa/0: the peer saw `acked` bytes acknowledged; the
 * master's application read `read` bytes and `inBuffer` more wait in its so_rcv.
 */
function fakeWorld(acked: number, read: number, inBuffer: number, shape: Shape = {}): World {
  const iss = 1000;
  const routerSession =
    shape.router === 'none'
      ? undefined
      : {
          verifier: { bytes: read },
          ...(shape.router === 'no-conn' ? {} : { conn: { so_rcv: { cc: inBuffer } } }),
        };
  const re = { session: (id: string) => (id === 'pa/0' ? routerSession : undefined) };
  // A FIN takes one sequence number past the data: snd_una is past it once it is ACKed.
  const finSeq = shape.fin === undefined ? 0 : 1;
  const snd_una = iss + 1 + acked + (shape.fin === 'acked' ? 1 : 0);
  return {
    chassis: { master: 1 },
    res: [{ session: () => undefined }, re],
    routerSession: (id: string) => re.session(id),
    peers: [
      {
        cfg: { name: 'pa' },
        sessions: [
          {
            cfg: { id: 'pa/0' },
            generation: shape.generation ?? 0,
            conn: {
              iss,
              snd_una,
              snd_max: iss + 1 + acked + finSeq,
              t_flags: shape.fin === undefined ? 0 : TF_SENTFIN,
            },
          },
        ],
      },
    ],
  } as unknown as World;
}

const syncSwitch = (r: Records) =>
  r.rec(ACTOR.chassis, K.chassis.master, { master: 1, sync: true });
const socketFailover = (r: Records) =>
  r.rec(ACTOR.nsr(0, 'iha'), K.iha.socketFailover, { session: 'pa/0', handle: 1, peer: 1 });
/** A host-bound packet the PFE dropped. */
const pfeDrop = (r: Records, reason = 'switching', t?: number) =>
  r.rec(ACTOR.pfe, K.pfe.drop, { reason, dst: '10.0.0.1', len: 512 }, t);
/** A packet RE1 dropped while it waited for its socket's failover. */
const reDrop = (r: Records, reason = 'held-full', t?: number) =>
  r.rec(ACTOR.re(1), K.re.ipDrop, { reason, len: 512 }, t);
/** The async events (F-1) that end a sync failover's responsibility. */
const ASYNC_EVENTS: ReadonlyArray<[string, (r: Records) => TraceRecord]> = [
  ['a chassis fault re-crash', (r) => r.rec(ACTOR.chassis, K.chassis.fault, { kind: 're-crash' })],
  ['actor.stop of an RE kernel', (r) => r.rec(ACTOR.re(0), K.sim.actorStop, { reason: 'crash' })],
  [
    'chassis.master sync false',
    (r) => r.rec(ACTOR.chassis, K.chassis.master, { master: 0, sync: false }),
  ],
];
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

  it("the end check: what counts as acknowledged (a FIN only once ACKed), a missing router session or socket, the peer's later sessions", () => {
    /** The end-of-run reports after a switchover at t = 0, as [acked, held]. */
    const judged = (acked: number, held: number, shape: Shape = {}) => {
      const c = new NoLossSyncCheck(fakeWorld(acked, held, 0, shape));
      const { report, got } = collector();
      const r = new Records();
      c.onRecord(r.rec(ACTOR.chassis, K.chassis.master, { master: 1, sync: true }, 0), report);
      c.atEnd(ended(2 * SEC), report);
      return got;
    };
    const short = judged(5000, 4999);
    expect(short).toEqual([
      {
        recordId: -1,
        timeNs: 2 * SEC,
        message:
          "pa/0: the peer saw 5000 bytes acknowledged but the new master's application has 4999",
        evidence: {
          session: 'pa/0',
          direction: 'toRouter',
          acked: 5000,
          held: 4999,
          firstDifferingOffset: 4999,
        },
      },
    ]);
    expect(judged(5000, 5000)).toEqual([]);
    // The FIN's sequence number is no data byte once ACKed; an unACKed FIN moves nothing.
    expect(judged(5000, 5000, { fin: 'acked' })).toEqual([]);
    expect(judged(5000, 5000, { fin: 'unacked' })).toEqual([]);
    expect(judged(5000, 4999, { fin: 'acked' })).toHaveLength(1);
    expect(judged(5000, 4999, { fin: 'unacked' })).toHaveLength(1);
    // No router session: nothing held, even with nothing acknowledged.
    expect(judged(0, 0, { router: 'none' }).map((v) => v.evidence?.held)).toEqual([0]);
    // A router session without its socket: what the application read counts.
    expect(judged(5000, 5000, { router: 'no-conn' })).toEqual([]);
    // A session the peer opened again is not this failover's.
    expect(judged(5000, 0, { generation: 1 })).toEqual([]);
  });

  it('only the chassis saying master with sync starts a window; only PFE drops and RE ip drops of the switch count', () => {
    const run = (records: (r: Records) => TraceRecord[]) => {
      const c = new NoLossSyncCheck(fakeWorld(0, 0, 0));
      const { report, got } = collector();
      const r = new Records();
      for (const rec of records(r)) c.onRecord(rec, report);
      c.atEnd(ended(2 * SEC), report);
      return got.map((v) => v.evidence?.lost);
    };
    // Not a sync failover: another chassis record, a master record from elsewhere.
    expect(
      run((r) => [
        r.rec(ACTOR.chassis, K.chassis.fault, { kind: 'switchover', sync: true }),
        r.rec(ACTOR.re(0), K.chassis.master, { master: 1, sync: true }),
        pfeDrop(r),
      ]),
    ).toEqual([]);
    // Not async: a chassis fault of a sync kind, an async kind from elsewhere.
    expect(
      run((r) => [
        syncSwitch(r),
        r.rec(ACTOR.chassis, K.chassis.fault, { kind: 'switchover' }),
        r.rec(ACTOR.re(0), K.chassis.fault, { kind: 're-crash' }),
        pfeDrop(r),
      ]),
    ).toEqual([1]);
    // Not losses of the switch: a drop by another actor or of another kind, reason alike.
    expect(
      run((r) => [
        syncSwitch(r),
        r.rec(ACTOR.re(1), K.pfe.drop, { reason: 'switching' }),
        r.rec(ACTOR.pfe, K.re.ipDrop, { reason: 'switching' }),
        r.rec(ACTOR.pfe, K.pfe.tx, { reason: 'switching' }),
        r.rec(ACTOR.pfe, K.re.ipDrop, { reason: 'held-full' }),
        r.rec(ACTOR.re(1), K.pfe.tx, { reason: 'held-full' }),
      ]),
    ).toEqual([]);
  });

  it("a verify error after a sync failover: reported with the application's message and evidence", () => {
    const c = new NoLossSyncCheck(fakeWorld(5000, 5000, 0));
    const { report, got } = collector();
    const r = new Records();
    c.onRecord(syncSwitch(r), report);
    const bad = verifyError(r, ACTOR.re(1));
    c.onRecord(bad, report);
    expect(got).toEqual([
      {
        recordId: bad.id,
        timeNs: bad.t,
        message:
          "after the sync failover the router's application for pa/0 saw a gap at byte 4096 (expected record 7, got 9)",
        evidence: {
          session: 'pa/0',
          direction: 'toRouter',
          kind: 'gap',
          offset: 4096,
          firstDifferingOffset: 4096,
        },
      },
    ]);
  });

  it('fails: packets lost at the PFE (switching) and at re1 (held-full) during a switchover, reported once with where', () => {
    const c = new NoLossSyncCheck(fakeWorld(0, 0, 0));
    const { report, got } = collector();
    const r = new Records();
    const start = syncSwitch(r);
    c.onRecord(start, report);
    const first = pfeDrop(r);
    c.onRecord(first, report);
    c.onRecord(reDrop(r), report);
    c.onRecord(pfeDrop(r), report);
    c.atEnd(ended(2 * SEC), report);
    expect(got).toEqual([
      {
        recordId: first.id,
        timeNs: first.t,
        message: `the sync failover at ${start.t} ns lost 3 packets: 2 at pfe (switching), 1 at re1/kernel (held-full)`,
        evidence: {
          direction: 'toRouter',
          syncAt: start.t,
          lost: 3,
          where: { 'pfe (switching)': 2, 're1/kernel (held-full)': 1 },
        },
      },
    ]);
  });

  it('fails: a packet re1 dropped during a per-socket failover (F-2)', () => {
    const c = new NoLossSyncCheck(fakeWorld(0, 0, 0));
    const { report, got } = collector();
    const r = new Records();
    c.onRecord(socketFailover(r), report);
    c.onRecord(reDrop(r), report);
    c.atEnd(ended(2 * SEC), report);
    expect(got).toHaveLength(1);
    expect(got[0]?.message).toMatch(/lost 1 packets: 1 at re1\/kernel \(held-full\)$/);
  });

  // Every reason the PFE (pfe.ts) and an RE's kernel (re.ts) give a packet lost to a switch
  // or to a socket's failover is charged, each on its own (Stryker no-loss-sync.ts 33-41).
  it.each([
    ...['switching', 'no-master', 'flow-switching', 'hold-full', 'switch-superseded'].map(
      (reason) => ['pfe', reason, pfeDrop] as const,
    ),
    ...['held-full', 'failover-timeout', 'secondary-deleted'].map(
      (reason) => ['re1/kernel', reason, reDrop] as const,
    ),
  ])('fails: a packet lost at %s (%s) during a switchover is charged', (where, reason, drop) => {
    const c = new NoLossSyncCheck(fakeWorld(0, 0, 0));
    const { report, got } = collector();
    const r = new Records();
    c.onRecord(syncSwitch(r), report);
    c.onRecord(drop(r, reason), report);
    c.atEnd(ended(2 * SEC), report);
    expect(got.map((v) => v.evidence?.where)).toEqual([{ [`${where} (${reason})`]: 1 }]);
  });

  // Every chassis fault of an async kind (F-1) ends the sync failover's judgement: a drop
  // after it is not charged (Stryker no-loss-sync.ts 43-50).
  it.each([
    're-crash',
    'kkcm-io-error',
    'inter-re-down',
    'inter-re-partition',
    'inter-re-hold',
    'backup-stall',
    'nsr-deconfig',
  ])('passes: a switch loss after an async chassis fault (%s) is not charged', (kind) => {
    const c = new NoLossSyncCheck(fakeWorld(0, 0, 0));
    const { report, got } = collector();
    const r = new Records();
    c.onRecord(syncSwitch(r), report);
    c.onRecord(r.rec(ACTOR.chassis, K.chassis.fault, { kind }), report);
    c.onRecord(pfeDrop(r), report);
    c.atEnd(ended(2 * SEC), report);
    expect(got).toEqual([]);
  });

  it('passes: the same drops with no sync event', () => {
    const c = new NoLossSyncCheck(fakeWorld(0, 0, 0));
    const { report, got } = collector();
    const r = new Records();
    c.onRecord(pfeDrop(r), report);
    c.onRecord(reDrop(r), report);
    c.atEnd(ended(2 * SEC), report);
    expect(got).toEqual([]);
  });

  it('passes: drops for reasons that are not the switch (no route, wrong interface) during a switchover', () => {
    const c = new NoLossSyncCheck(fakeWorld(0, 0, 0));
    const { report, got } = collector();
    const r = new Records();
    c.onRecord(syncSwitch(r), report);
    c.onRecord(pfeDrop(r, 'no-route'), report);
    c.onRecord(reDrop(r, 'wrong-interface'), report);
    c.atEnd(ended(2 * SEC), report);
    expect(got).toEqual([]);
  });

  it('the window: a drop SYNC_WINDOW_NS after the switchover is charged, one a nanosecond later is not', () => {
    const run = (after: number) => {
      const c = new NoLossSyncCheck(fakeWorld(0, 0, 0));
      const { report, got } = collector();
      const r = new Records();
      c.onRecord(r.rec(ACTOR.chassis, K.chassis.master, { master: 1, sync: true }, SEC), report);
      c.onRecord(pfeDrop(r, 'switching', SEC + after), report);
      c.atEnd(ended(10 * SEC), report);
      return got;
    };
    expect(run(SYNC_WINDOW_NS)).toHaveLength(1);
    expect(run(SYNC_WINDOW_NS + 1)).toEqual([]);
  });

  it('a second sync failover inside the window of the first (even one at t = 0) extends it to its own 2 s; one after the window opens its own', () => {
    /** Sync events at `syncs` and drops at `drops`: the losses reported, as [syncAt, lost]. */
    const run = (syncs: number[], drops: number[]) => {
      const c = new NoLossSyncCheck(fakeWorld(0, 0, 0));
      const { report, got } = collector();
      const r = new Records();
      const events = [
        ...syncs.map((t) => ({ t, sync: true })),
        ...drops.map((t) => ({ t, sync: false })),
      ];
      events.sort((a, b) => a.t - b.t);
      for (const e of events) {
        const rec = e.sync
          ? r.rec(ACTOR.chassis, K.chassis.master, { master: 1, sync: true }, e.t)
          : pfeDrop(r, 'switching', e.t);
        c.onRecord(rec, report);
      }
      c.atEnd(ended(20 * SEC), report);
      return got.map((v) => [v.evidence?.syncAt, v.evidence?.lost]);
    };
    const W = SYNC_WINDOW_NS;
    expect(run([0, SEC], [1, SEC + 1])).toEqual([[0, 2]]);
    // The second failover at the first's window edge: its drops are judged for its own 2 s.
    expect(run([0, W], [1, W + 1, 2 * W])).toEqual([[0, 3]]);
    expect(run([0, W], [2 * W + 1])).toEqual([]);
    // After the window: a window of its own.
    expect(run([SEC, SEC + W + 1], [SEC + 1, SEC + W + 2])).toEqual([
      [SEC, 1],
      [SEC + W + 1, 1],
    ]);
  });

  it.each(ASYNC_EVENTS)('passes: drops after an async event (%s) are not charged', (_, async) => {
    const c = new NoLossSyncCheck(fakeWorld(0, 0, 0));
    const { report, got } = collector();
    const r = new Records();
    c.onRecord(syncSwitch(r), report);
    c.onRecord(async(r), report);
    c.onRecord(pfeDrop(r), report);
    c.onRecord(reDrop(r), report);
    c.atEnd(ended(2 * SEC), report);
    expect(got).toEqual([]);
  });

  it.each(ASYNC_EVENTS)(
    'fails: drops before an async event (%s) are still charged, reported at it',
    (_, async) => {
      const c = new NoLossSyncCheck(fakeWorld(0, 0, 0));
      const { report, got } = collector();
      const r = new Records();
      c.onRecord(syncSwitch(r), report);
      c.onRecord(pfeDrop(r), report);
      c.onRecord(async(r), report);
      expect(got).toHaveLength(1);
      c.atEnd(ended(2 * SEC), report);
      expect(got).toHaveLength(1);
    },
  );

  it.each(ASYNC_EVENTS)(
    "passes: a verify error after an async event (%s) is G-2's, not charged here",
    (_, async) => {
      const c = new NoLossSyncCheck(fakeWorld(5000, 5000, 0));
      const { report, got } = collector();
      const r = new Records();
      c.onRecord(syncSwitch(r), report);
      c.onRecord(async(r), report);
      c.onRecord(verifyError(r, ACTOR.re(1)), report);
      expect(got).toEqual([]);
    },
  );

  it('a real run: the mutant pfe-drops-during-sync-switch loses packets at the PFE during a switchover, and is caught', () => {
    const cfg = worldConfig({
      durationNs: 1500 * MS,
      router: { nsr: true, mutant: 'pfe-drops-during-sync-switch' },
      peers: [
        peer('pa', { sessions: 2, toRouter: { ratePerSec: 200, sizeMin: 64, sizeMax: 1460 } }),
      ],
      faults: [{ when: { atNs: 700 * MS }, action: { kind: 'switchover' } }],
    });
    const { world, res } = runWorld(cfg, [NO_LOSS_SYNC]);
    expect(world.chassis.master).toBe(1);
    const got = of(res, NO_LOSS_SYNC);
    expect(got).toHaveLength(1);
    expect(got[0]?.message).toMatch(
      /^the sync failover at 700000000 ns lost \d+ packets: \d+ at pfe \(switching\)$/,
    );
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
