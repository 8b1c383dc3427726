// Proves the liveness checker (SPEC G-1, P-10) judges at heal + 5 s that data flowed both ways since the faults healed, skips runs too short to judge, reports a reader silent past the deadline after the heal and a run that hit its event bound, and passes a real faulted run.
import { describe, expect, it } from 'vitest';
import {
  LIVENESS,
  LIVENESS_DEADLINE_NS,
  LivenessCheckImpl,
} from '../../../model/checks/liveness.ts';
import type { FaultConfig } from '../../../model/config.ts';
import type { World } from '../../../model/world.ts';
import { MS, SEC } from '../../../sim/index.ts';
import { peer, worldConfig } from '../world-fixture.ts';
import { collector, ended, of, Records, runWorld } from './fixture.ts';
import { ACTOR, K } from '../../../model/vocab.ts';

interface Reads {
  peerLastRead: number;
  routerLastRead: number;
  peerGaps?: Array<[number, number]>;
  routerGaps?: Array<[number, number]>;
}

/** What else the fake world's one session pa/0 is like. */
interface Shape {
  /** The router application's mode (default active); 'none': no router session at all. */
  routerMode?: string;
  fromRouterRate?: number;
  toRouterRate?: number;
  closed?: boolean;
  /** The peer's connection (its window and receive space are evidence). */
  conn?: { snd_wnd: number; rcvSpace: () => number };
}

/** A fake world: a 1 s wire partition at 1 s (heals at 2 s) and one session pa/0 with the given reads. */
function fakeWorld(
  reads: Reads,
  faults: FaultConfig[] = [
    {
      when: { atNs: 1 * SEC },
      action: { kind: 'wire-partition', peer: 'pa', durationNs: 1 * SEC },
    },
  ],
  shape: Shape = {},
): World {
  const routerSession =
    shape.routerMode === 'none'
      ? undefined
      : {
          mode: shape.routerMode ?? 'active',
          lastReadNs: reads.routerLastRead,
          readGaps: reads.routerGaps ?? [],
        };
  return {
    cfg: { router: { masterDetectNs: 100 * MS, pfeSwitchNs: 50 * MS }, faults },
    faultTimes: faults.map((f) => ('atNs' in f.when ? f.when.atNs : 0)),
    chassis: { master: 0 },
    res: [{ session: (id: string) => (id === 'pa/0' ? routerSession : undefined) }],
    routerSession: (id: string) => (id === 'pa/0' ? routerSession : undefined),
    peers: [
      {
        cfg: {
          fromRouter: { ratePerSec: shape.fromRouterRate ?? 10 },
          toRouter: { ratePerSec: shape.toRouterRate ?? 10 },
        },
        sessions: [
          {
            cfg: { id: 'pa/0' },
            closed: shape.closed === true ? 'fin' : undefined,
            lastReadNs: reads.peerLastRead,
            readGaps: reads.peerGaps ?? [],
            conn: shape.conn,
          },
        ],
      },
    ],
  } as unknown as World;
}

const JUDGE_AT = 2 * SEC + LIVENESS_DEADLINE_NS;

describe('liveness', () => {
  it('passes: both ways read after the heal; judged at the first record at heal + 5 s', () => {
    const c = new LivenessCheckImpl(
      fakeWorld({ peerLastRead: 6 * SEC, routerLastRead: 6.5 * SEC }),
    );
    const { report, got } = collector();
    const r = new Records();
    expect(c.id).toBe(LIVENESS);
    c.onRecord(r.rec(ACTOR.pfe, K.pfe.tx, {}, JUDGE_AT - 1), report);
    c.onRecord(r.rec(ACTOR.pfe, K.pfe.tx, {}, JUDGE_AT), report);
    c.atEnd(ended(8 * SEC), report);
    expect(got).toEqual([]);
  });

  it('fails: the peer heard nothing since the heal', () => {
    const c = new LivenessCheckImpl(
      fakeWorld({ peerLastRead: 1.5 * SEC, routerLastRead: 6 * SEC }),
    );
    const { report, got } = collector();
    const r = new Records();
    // Not judged 1 ns before heal + 5 s; judged at the first record at it.
    c.onRecord(r.rec(ACTOR.pfe, K.pfe.tx, {}, JUDGE_AT - 1), report);
    expect(got).toEqual([]);
    const at = r.rec(ACTOR.pfe, K.pfe.tx, {}, JUDGE_AT);
    c.onRecord(at, report);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({
      recordId: at.id,
      timeNs: at.t,
      evidence: { session: 'pa/0', direction: 'router → peer', healNs: 2 * SEC },
    });
    // Judged once.
    c.onRecord(r.rec(ACTOR.pfe, K.pfe.tx, {}, JUDGE_AT + 20), report);
    expect(got).toHaveLength(1);
  });

  it('fails at the end: a run that ends exactly at heal + 5 s is judged there (no record id)', () => {
    const { report, got } = collector();
    new LivenessCheckImpl(fakeWorld({ peerLastRead: 1.5 * SEC, routerLastRead: 6 * SEC })).atEnd(
      ended(JUDGE_AT),
      report,
    );
    expect(got.map((v) => [v.recordId, v.timeNs, v.evidence?.direction])).toEqual([
      [-1, JUDGE_AT, 'router → peer'],
    ]);
  });

  it('heal: a fault that moves mastership (crash, restart, switchover, per-socket failover) adds masterDetect and the PFE switch; others do not', () => {
    const kinds = ['re-crash', 're-restart', 'switchover', 'socket-failover', 'wire-partition'];
    for (const kind of kinds) {
      const faults = [{ when: { atNs: 1 * SEC }, action: { kind } }] as unknown as FaultConfig[];
      const settle = kind === 'wire-partition' ? 0 : 150 * MS;
      const heal = 1 * SEC + settle;
      // Both readers read last exactly at the heal: nothing since it.
      const { report, got } = collector();
      new LivenessCheckImpl(fakeWorld({ peerLastRead: heal, routerLastRead: heal }, faults)).atEnd(
        ended(heal + LIVENESS_DEADLINE_NS),
        report,
      );
      expect(
        got.map((v) => v.evidence?.healNs),
        kind,
      ).toEqual([heal]);
    }
  });

  it('passes: a run that ends before heal + 5 s is not judged', () => {
    const { report, got } = collector();
    new LivenessCheckImpl(fakeWorld({ peerLastRead: 0, routerLastRead: 0 })).atEnd(
      ended(JUDGE_AT - 1),
      report,
    );
    expect(got).toEqual([]);
  });

  it('heal of a master crash includes masterDetect and the PFE switch', () => {
    const crash: FaultConfig[] = [
      { when: { atNs: 1 * SEC }, action: { kind: 're-crash', target: 'master' } },
    ];
    const heal = 1 * SEC + 100 * MS + 50 * MS;
    const { report, got } = collector();
    // Read just after the crash but before the heal: counts as nothing since the heal.
    new LivenessCheckImpl(fakeWorld({ peerLastRead: heal, routerLastRead: heal + 1 }, crash)).atEnd(
      ended(heal + LIVENESS_DEADLINE_NS),
      report,
    );
    expect(got.map((v) => v.evidence?.direction)).toEqual(['router → peer']);
  });

  it('fails: a reader silent for longer than the deadline after the heal (a stalled window)', () => {
    const c = new LivenessCheckImpl(
      fakeWorld({
        peerLastRead: 9 * SEC,
        routerLastRead: 9 * SEC,
        routerGaps: [[2.5 * SEC, 8 * SEC]],
      }),
    );
    const { report, got } = collector();
    c.atEnd(ended(10 * SEC), report);
    expect(got).toHaveLength(1);
    expect(got[0]?.evidence).toMatchObject({
      session: 'pa/0',
      direction: 'toRouter',
      gapFromNs: 2.5 * SEC,
      gapToNs: 8 * SEC,
    });
  });

  it('fails: a reader that read past the heal, then nothing until the end (the gap still open at the end counts)', () => {
    // The peer read at 2.5 s (after the heal at 2 s), then never again in a 10 s run.
    const c = new LivenessCheckImpl(
      fakeWorld({ peerLastRead: 2.5 * SEC, routerLastRead: 9.9 * SEC }),
    );
    const { report, got } = collector();
    c.atEnd(ended(10 * SEC), report);
    expect(got).toHaveLength(1);
    expect(got[0]?.evidence).toMatchObject({
      session: 'pa/0',
      direction: 'toPeer',
      gapFromNs: 2.5 * SEC,
      gapToNs: 10 * SEC,
    });
    // Stopping less than the deadline before the end is not a stall yet.
    const { report: r2, got: g2 } = collector();
    new LivenessCheckImpl(fakeWorld({ peerLastRead: 5.5 * SEC, routerLastRead: 9.9 * SEC })).atEnd(
      ended(10 * SEC),
      r2,
    );
    expect(g2).toEqual([]);
  });

  it('judges each way on its own: which is stuck, the message and the evidence (no session, a snooping one, no traffic that way, a closed session)', () => {
    const HEAL = 2 * SEC;
    const judged = (reads: Reads, shape: Shape = {}) => {
      const { report, got } = collector();
      new LivenessCheckImpl(fakeWorld(reads, undefined, shape)).atEnd(ended(JUDGE_AT), report);
      return got;
    };
    const late = 6 * SEC;
    // The router's application read last exactly at the heal: nothing since it.
    const both = judged({ peerLastRead: HEAL, routerLastRead: HEAL });
    expect(both).toHaveLength(1);
    expect(both[0]?.message).toBe(
      `pa/0: no data router → peer and peer → router since the faults healed at ${HEAL} ns (deadline ${LIVENESS_DEADLINE_NS} ns)`,
    );
    expect(both[0]?.evidence).toEqual({
      session: 'pa/0',
      direction: 'router → peer,peer → router',
      healNs: HEAL,
      peerLastReadNs: HEAL,
      routerLastReadNs: HEAL,
      peerSndWnd: -1,
      peerRcvSpace: -1,
    });
    const dir = (reads: Reads, shape: Shape = {}) =>
      judged(reads, shape).map((v) => v.evidence?.direction);
    expect(dir({ peerLastRead: late, routerLastRead: HEAL })).toEqual(['peer → router']);
    expect(dir({ peerLastRead: late, routerLastRead: late }, { routerMode: 'snoop' })).toEqual([
      'peer → router',
    ]);
    const none = judged({ peerLastRead: late, routerLastRead: late }, { routerMode: 'none' });
    expect(none.map((v) => [v.evidence?.direction, v.evidence?.routerLastReadNs])).toEqual([
      ['peer → router', -1],
    ]);
    // No traffic that way, or the session closed: nothing to judge.
    expect(dir({ peerLastRead: 0, routerLastRead: late }, { fromRouterRate: 0 })).toEqual([]);
    expect(dir({ peerLastRead: late, routerLastRead: 0 }, { toRouterRate: 0 })).toEqual([]);
    expect(dir({ peerLastRead: 0, routerLastRead: 0 }, { closed: true })).toEqual([]);
    // The peer's window and receive space, when it has a connection.
    const conn = { snd_wnd: 1234, rcvSpace: () => 567 };
    expect(judged({ peerLastRead: 0, routerLastRead: late }, { conn })[0]?.evidence).toMatchObject({
      peerSndWnd: 1234,
      peerRcvSpace: 567,
    });
  });

  it('a reader found stuck at heal + 5 s is not reported again as a stall at the end; the other reader still is', () => {
    // The router read nothing since the heal (stuck); the peer read at 2.5 s, then nothing.
    const c = new LivenessCheckImpl(
      fakeWorld({ peerLastRead: 2.5 * SEC, routerLastRead: 1 * SEC }),
    );
    const { report, got } = collector();
    c.atEnd(ended(10 * SEC), report);
    expect(got.map((v) => v.evidence?.direction)).toEqual(['peer → router', 'toPeer']);
  });

  it('a stall is a gap of at least the deadline after the heal: reported with no record id, at the gap end', () => {
    const gap = (routerGaps: Array<[number, number]>) => {
      const { report, got } = collector();
      new LivenessCheckImpl(
        fakeWorld({ peerLastRead: 9.9 * SEC, routerLastRead: 9.9 * SEC, routerGaps }),
      ).atEnd(ended(10 * SEC), report);
      return got;
    };
    const exactly = gap([[2.5 * SEC, 2.5 * SEC + LIVENESS_DEADLINE_NS]]);
    expect(exactly).toHaveLength(1);
    expect(exactly[0]).toMatchObject({
      recordId: -1,
      timeNs: 7.5 * SEC,
      message: `pa/0: the router application read nothing from ${2.5 * SEC} ns to ${7.5 * SEC} ns, past the ${LIVENESS_DEADLINE_NS} ns deadline after the faults healed (a stalled window?)`,
      evidence: { healNs: 2 * SEC },
    });
    expect(gap([[2.5 * SEC, 2.5 * SEC + LIVENESS_DEADLINE_NS - 1]])).toEqual([]);
    // Only what lies after the heal counts.
    expect(gap([[0, 2 * SEC + LIVENESS_DEADLINE_NS - 1]])).toEqual([]);
  });

  it('fails: a run that hit its event bound', () => {
    const { report, got } = collector();
    new LivenessCheckImpl(fakeWorld({ peerLastRead: 9 * SEC, routerLastRead: 9 * SEC })).atEnd(
      ended(3 * SEC, true),
      report,
    );
    expect(got).toHaveLength(1);
    expect(got[0]?.message).toMatch(/hit its event bound/);
    expect(got[0]).toMatchObject({
      recordId: -1,
      timeNs: 3 * SEC,
      evidence: { events: 1000, direction: 'both' },
    });
  });

  it('a real run: NSR, a 300 ms wire partition, 6 s: judged and passed', () => {
    const cfg = worldConfig({
      durationNs: 6 * SEC,
      router: { nsr: true },
      peers: [peer('pa', { sessions: 1 })],
      faults: [
        {
          when: { atNs: 500 * MS },
          action: { kind: 'wire-partition', peer: 'pa', durationNs: 300 * MS },
        },
      ],
    });
    const { res } = runWorld(cfg, [LIVENESS]);
    expect(res.run.simulatedNs).toBeGreaterThanOrEqual(800 * MS + LIVENESS_DEADLINE_NS);
    expect(of(res, LIVENESS)).toEqual([]);
  });
});
