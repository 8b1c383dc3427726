// Proves the standby-diverged checker (SPEC R-7, R-5) passes a standby station whose rcv_nxt, snd_una (in sequence space) and application bytes read reach within the settle time (200 ms plus the configured station clock offset) what the operational station had, judged on samples at most every 1 ms and only while there is one operational station and a running, synchronized, ready standby, and reports the first field of a session whose standby falls further behind (once per session) with its likely cause: a loss on the standby's own path, an early ACK it dropped, its timing lag, or none seen.
import { describe, expect, it } from 'vitest';
import {
  SAMPLE_NS,
  SETTLE_NS,
  STANDBY_DIVERGED,
  StandbyDivergedCheck,
} from '../../../model/checks/standby-diverged.ts';
import type { RedundantRouter } from '../../../model/redundant/build.ts';
import type { World } from '../../../model/world.ts';
import { ACTOR, K, LINK } from '../../../model/vocab.ts';
import { MS, SEC, type Fields } from '../../../sim/index.ts';
import { collector, Records } from './fixture.ts';

interface Values {
  rcv_nxt: number;
  snd_una: number;
  /** The application's bytes read. */
  read: number;
  /** The TCP state (default ESTABLISHED); null: the session has no connection. */
  state?: string | null;
}

/** The two stations as the checker sees them (read when it asks). */
interface Router {
  /** signals.operationalStation(): 0, 1, or none (-1) / both (-2). */
  op: number;
  running: [boolean, boolean];
  synchronized: [boolean, boolean];
  ready: [boolean, boolean];
  /** Each station's sessions by id. */
  sessions: [Map<string, Values>, Map<string, Values>];
  clockOffsetNs: number;
}

const BASE: Values = { rcv_nxt: 5000, snd_una: 9000, read: 4000 };

/** re0 operational, re1 a ready standby; one session pa/0 at BASE on both. */
function router(): Router {
  return {
    op: 0,
    running: [true, true],
    synchronized: [true, true],
    ready: [true, true],
    sessions: [new Map([['pa/0', { ...BASE }]]), new Map([['pa/0', { ...BASE }]])],
    clockOffsetNs: 0,
  };
}

function fakes(rt: Router): { world: World; rtcp: RedundantRouter } {
  const session = (id: string, v: Values | undefined) =>
    v === undefined
      ? undefined
      : {
          cfg: { id },
          conn:
            v.state === null
              ? undefined
              : { t_state: v.state ?? 'ESTABLISHED', rcv_nxt: v.rcv_nxt, snd_una: v.snd_una },
          stats: () => ({ bytesRead: v.read }),
        };
  const station = (i: 0 | 1) => ({
    index: i,
    get synchronized() {
      return rt.synchronized[i];
    },
    allSessions: () => [...rt.sessions[i]].map(([id, v]) => session(id, v)),
    session: (id: string) => session(id, rt.sessions[i].get(id)),
  });
  const rtcp = {
    settings: { clockOffsetNs: rt.clockOffsetNs },
    signals: {
      operationalStation: () => rt.op,
      read: (i: 0 | 1) => ({ ready: rt.ready[i] }),
    },
    stations: [station(0), station(1)],
  } as unknown as RedundantRouter;
  const world = {
    id: (name: string) => name,
    sim: { isRunning: (id: string) => rt.running[id === ACTOR.re(1) ? 1 : 0] },
  } as unknown as World;
  return { world, rtcp };
}

/** A checker of `rt` and feeding helpers. */
function setup(rt = router()) {
  const { world, rtcp } = fakes(rt);
  const c = new StandbyDivergedCheck(world, rtcp);
  const { report, got } = collector();
  const r = new Records();
  /** Any trace record at `t` (the checker samples on whatever comes). */
  const at = (t: number, kind: string = K.app.read, actor = ACTOR.re(0), fields: Fields = {}) => {
    const rec = r.rec(actor, kind, fields, t);
    c.onRecord(rec, report);
    return rec;
  };
  /** Sets station `i`'s values of pa/0 (or of session `id`). */
  const set = (i: 0 | 1, v: Partial<Values>, id = 'pa/0') => {
    const old = rt.sessions[i].get(id) ?? BASE;
    rt.sessions[i].set(id, { ...old, ...v });
  };
  return { c, rt, got, at, set };
}

const T0 = 1 * SEC;
const NO_LOSS = "no loss seen on the standby's path (its TCP or application behaved differently)";

describe('standby-diverged', () => {
  it('passes: a standby following 100 ms behind, sampled on every record for 1 s', () => {
    const { c, at, set, got } = setup();
    expect(c.id).toBe(STANDBY_DIVERGED);
    for (let t = T0; t <= T0 + 1 * SEC; t += 10 * MS) {
      const v = (d: number) => 100_000 + Math.max(0, t - d - T0) / MS;
      set(0, { rcv_nxt: v(0), snd_una: v(0) + 7, read: v(0) + 3 });
      set(1, { rcv_nxt: v(100 * MS), snd_una: v(100 * MS) + 7, read: v(100 * MS) + 3 });
      at(t);
    }
    expect(got).toEqual([]);
  });

  it('passes: a standby level with or ahead of the operational station, in sequence space across the wrap', () => {
    const { at, set, got } = setup();
    set(0, { rcv_nxt: 0xfffffff0, snd_una: 0xffffff00, read: 4000 });
    set(1, { rcv_nxt: 0x10, snd_una: 0xffffff00, read: 4000 });
    at(T0);
    at(T0 + 1 * SEC);
    expect(got).toEqual([]);
  });

  it('fails: the standby rcv_nxt is behind what the operational one had 200 ms ago (exactly), with all the evidence', () => {
    const { at, set, got } = setup();
    set(1, { rcv_nxt: 4000 });
    at(T0);
    const rec = at(T0 + SETTLE_NS);
    at(T0 + 2 * SETTLE_NS);
    expect(got).toEqual([
      {
        recordId: rec.id,
        timeNs: T0 + SETTLE_NS,
        message: `pa/0: the standby re1's rcv_nxt is 4000, still short of the 5000 the operational re0 had 200 ms ago (R-7); cause: ${NO_LOSS}`,
        evidence: {
          session: 'pa/0',
          direction: 'fromPeer',
          field: 'rcv_nxt',
          standby: 1,
          operational: 0,
          standbyValue: 4000,
          operationalValue: 5000,
        },
      },
    ]);
  });

  it('passes: 1 ns short of the settle time, the standby is not judged', () => {
    const { at, set, got } = setup();
    set(1, { rcv_nxt: 4000 });
    at(T0);
    at(T0 + SETTLE_NS - 1);
    expect(got).toEqual([]);
  });

  it('fails: the standby behind across the sequence wrap', () => {
    const { at, set, got } = setup();
    set(0, { rcv_nxt: 0x10 });
    set(1, { rcv_nxt: 0xfffffff0 });
    at(T0);
    at(T0 + SETTLE_NS + 600_000);
    expect(got.map((v) => v.message)).toEqual([
      `pa/0: the standby re1's rcv_nxt is ${0xfffffff0}, still short of the 16 the operational re0 had 201 ms ago (R-7); cause: ${NO_LOSS}`,
    ]);
  });

  it('fails: snd_una behind (toward the peer), or the bytes the application read (no sequence wrap there)', () => {
    const cases: Array<[Partial<Values>, Partial<Values>, Fields]> = [
      [
        { snd_una: 9000 },
        { snd_una: 8999 },
        { direction: 'toPeer', field: 'snd_una', standbyValue: 8999, operationalValue: 9000 },
      ],
      [
        { read: 4000 },
        { read: 3999 },
        { direction: 'fromPeer', field: 'appRead', standbyValue: 3999, operationalValue: 4000 },
      ],
      [
        { read: 0xfffffff0 },
        { read: 0x10 },
        { direction: 'fromPeer', field: 'appRead', standbyValue: 16, operationalValue: 0xfffffff0 },
      ],
    ];
    for (const [op, sb, evidence] of cases) {
      const { at, set, got } = setup();
      set(0, op);
      set(1, sb);
      at(T0);
      at(T0 + SETTLE_NS);
      expect(got).toHaveLength(1);
      expect(got[0]?.evidence).toMatchObject(evidence);
      const what = evidence.field === 'appRead' ? "its application's bytes read" : 'snd_una';
      expect(got[0]?.message).toBe(
        `pa/0: the standby re1's ${what} is ${String(evidence.standbyValue)}, still short of the ${String(evidence.operationalValue)} the operational re0 had 200 ms ago (R-7); cause: ${NO_LOSS}`,
      );
    }
  });

  it('reports the first field behind: rcv_nxt before snd_una before the bytes read', () => {
    const { at, set, got } = setup();
    set(1, { snd_una: 1, read: 1 });
    at(T0);
    at(T0 + SETTLE_NS);
    expect(got.map((v) => v.evidence?.field)).toEqual(['snd_una']);
    const b = setup();
    b.set(1, { rcv_nxt: 1, snd_una: 1, read: 1 });
    b.at(T0);
    b.at(T0 + SETTLE_NS);
    expect(b.got.map((v) => v.evidence?.field)).toEqual(['rcv_nxt']);
  });

  it("compares with the operational station's newest sample at least 200 ms old", () => {
    const { at, set, got } = setup();
    set(1, { rcv_nxt: 1500 });
    set(0, { rcv_nxt: 1000 });
    at(T0);
    set(0, { rcv_nxt: 2000 });
    at(T0 + 100 * MS);
    set(0, { rcv_nxt: 3000 });
    at(T0 + 250 * MS);
    // The sample at T0 + 100 ms is exactly 200 ms old: 2000, not T0's 1000.
    at(T0 + 300 * MS);
    expect(
      got.map((v) => [v.evidence?.operationalValue, v.message.includes('had 200 ms ago')]),
    ).toEqual([[2000, true]]);
  });

  it('samples at most every 1 ms: a record 1 ns sooner is not sampled', () => {
    const { at, set, got } = setup();
    set(0, { rcv_nxt: 1000 });
    set(1, { rcv_nxt: 1000 });
    at(T0);
    set(0, { rcv_nxt: 2000 });
    at(T0 + SAMPLE_NS - 1);
    // Had the record above been sampled, 2000 would be the sample 200 ms old now.
    at(T0 + SAMPLE_NS - 1 + SETTLE_NS);
    expect(got).toEqual([]);
  });

  it('samples again exactly 1 ms after the last sample', () => {
    const { at, set, got } = setup();
    set(0, { rcv_nxt: 1000 });
    set(1, { rcv_nxt: 1000 });
    at(T0);
    set(0, { rcv_nxt: 2000 });
    at(T0 + SAMPLE_NS);
    at(T0 + SAMPLE_NS + SETTLE_NS);
    expect(got.map((v) => v.evidence?.operationalValue)).toEqual([2000]);
  });

  it('the settle time adds the configured station clock offset', () => {
    const rt = router();
    rt.clockOffsetNs = 100 * MS;
    const { at, set, got } = setup(rt);
    set(1, { rcv_nxt: 4000 });
    at(T0);
    at(T0 + 299 * MS);
    expect(got).toEqual([]);
    at(T0 + 300 * MS);
    expect(got.map((v) => v.message)).toEqual([
      `pa/0: the standby re1's rcv_nxt is 4000, still short of the 5000 the operational re0 had 300 ms ago (R-7); cause: ${NO_LOSS}`,
    ]);
  });

  it('each session is reported once; another session is reported on its own', () => {
    const { at, set, got } = setup();
    set(0, BASE, 'pb/0');
    set(1, { ...BASE, rcv_nxt: 1 }, 'pb/0');
    set(1, { read: 1 });
    at(T0);
    at(T0 + SETTLE_NS);
    at(T0 + 2 * SETTLE_NS);
    expect(got.map((v) => [v.evidence?.session, v.evidence?.field])).toEqual([
      ['pa/0', 'appRead'],
      ['pb/0', 'rcv_nxt'],
    ]);
  });

  it('station 1 operational: the standby is re0', () => {
    const { rt, at, set, got } = setup();
    rt.op = 1;
    set(0, { snd_una: 10 });
    at(T0);
    at(T0 + SETTLE_NS);
    expect(got.map((v) => v.evidence)).toEqual([
      {
        session: 'pa/0',
        direction: 'toPeer',
        field: 'snd_una',
        standby: 0,
        operational: 1,
        standbyValue: 10,
        operationalValue: 9000,
      },
    ]);
    expect(got[0]?.message).toMatch(
      /^pa\/0: the standby re0's snd_una is 10, .* the operational re1 had/,
    );
  });

  it('passes: sessions without an established connection on either station are not compared', () => {
    const cases: Array<[string, (s: ReturnType<typeof setup>) => void]> = [
      ['standby lacks the session', (s) => s.rt.sessions[1].clear()],
      ['standby has no connection', (s) => s.set(1, { rcv_nxt: 1, state: null })],
      ['standby not established', (s) => s.set(1, { rcv_nxt: 1, state: 'SYN_RECEIVED' })],
      ['operational has no connection', (s) => s.set(0, { state: null })],
      ['operational not established', (s) => s.set(0, { state: 'CLOSE_WAIT' })],
    ];
    for (const [what, arrange] of cases) {
      const s = setup();
      s.set(1, { read: 1 });
      arrange(s);
      s.at(T0);
      s.at(T0 + SETTLE_NS);
      expect(s.got, what).toEqual([]);
    }
  });

  it('not judged without one operational station and a running, synchronized, ready standby; what it sampled is forgotten', () => {
    const cases: Array<[string, (rt: Router, on: boolean) => void]> = [
      ['no operational station', (rt, on) => (rt.op = on ? 0 : -1)],
      ['both operational', (rt, on) => (rt.op = on ? 0 : -2)],
      ['standby down', (rt, on) => (rt.running[1] = on)],
      ['standby unsynchronized', (rt, on) => (rt.synchronized[1] = on)],
      ['standby not ready', (rt, on) => (rt.ready[1] = on)],
    ];
    for (const [what, toggle] of cases) {
      const { rt, at, set, got } = setup();
      set(1, { rcv_nxt: 1 });
      at(T0);
      toggle(rt, false);
      at(T0 + 100 * MS);
      at(T0 + SETTLE_NS);
      expect(got, what).toEqual([]);
      toggle(rt, true);
      at(T0 + 150 * MS + SETTLE_NS - 1);
      // Had T0's sample been kept, it would now be more than 200 ms old.
      at(T0 + 150 * MS + SETTLE_NS + 50 * MS);
      expect(got, what).toEqual([]);
      at(T0 + 150 * MS + 2 * SETTLE_NS);
      expect(got, what).toHaveLength(1);
    }
  });
});

describe('standby-diverged: the likely cause', () => {
  /** pa/0's standby (re`sb`) is behind; `causes` are traced 1 ns after the first sample. */
  function cause(causes: (at: ReturnType<typeof setup>['at']) => void, sb: 0 | 1 = 1) {
    const s = setup();
    s.rt.op = sb === 1 ? 0 : 1;
    s.set(sb, { rcv_nxt: 1 });
    s.at(T0);
    causes(s.at);
    s.at(T0 + SETTLE_NS);
    expect(s.got).toHaveLength(1);
    return s.got[0];
  }
  const drop = (at: ReturnType<typeof setup>['at'], link: string, from = 'b', seq = 777) =>
    at(T0 + 1, K.link.drop, ACTOR.link(link), { link, from, reason: 'loss', seq, len: 100 });

  it("a packet lost on the standby's own internal link, toward it (the last such loss)", () => {
    let id = -1;
    const v = cause((at) => {
      drop(at, LINK.intRe(1), 'b', 111);
      id = drop(at, LINK.intRe(1), 'b', 777).id;
      at(T0 + 2, K.rtcp.ackBufferFull, ACTOR.re(1), { station: 1 });
    });
    expect(v?.message).toMatch(
      new RegExp(
        `cause: a packet lost on the standby's path only \\(seq 777, 100 bytes, record ${id} at ${T0 + 1} ns\\)$`,
      ),
    );
    expect(v?.evidence).toMatchObject({ cause: 'standby-path-loss', dropRecord: id });
  });

  it("a loss on the standby's link is the cause for standby re0 too", () => {
    const v = cause((at) => drop(at, LINK.intRe(0)), 0);
    expect(v?.evidence).toMatchObject({ standby: 0, cause: 'standby-path-loss' });
  });

  it("not a loss on the operational station's link, nor away from the standby, nor on a wire", () => {
    const v = cause((at) => {
      drop(at, LINK.intRe(0));
      drop(at, LINK.intRe(1), 'a');
      drop(at, LINK.wire('pa'));
      at(T0 + 1, K.link.hold, ACTOR.link(LINK.intRe(1)), { from: 'b', seq: 1, len: 1 });
    });
    expect(v?.message.endsWith(`cause: ${NO_LOSS}`)).toBe(true);
    expect(v?.evidence).not.toHaveProperty('cause');
    expect(v?.evidence).not.toHaveProperty('dropRecord');
  });

  it('an early ACK the standby dropped (its buffer of them full)', () => {
    let id = -1;
    const v = cause((at) => {
      id = at(T0 + 1, K.rtcp.ackBufferFull, ACTOR.re(1), { station: 1, ack: 1, seq: 2 }).id;
      at(T0 + 2, K.rtcp.clockOffset, ACTOR.re(1), { station: 1, offsetNs: 50 * MS });
    });
    expect(
      v?.message.endsWith(`cause: an early ACK the standby could not keep (record ${id})`),
    ).toBe(true);
    expect(v?.evidence).not.toHaveProperty('cause');
  });

  it("the standby's timing lag (its last clock offset), for either station", () => {
    for (const sb of [0, 1] as const) {
      const v = cause((at) => {
        at(T0 + 1, K.rtcp.clockOffset, ACTOR.re(sb), { station: sb, offsetNs: 20 * MS });
        at(T0 + 2, K.rtcp.clockOffset, ACTOR.re(sb), { station: sb, offsetNs: 50 * MS });
      }, sb);
      expect(
        v?.message.endsWith(
          "cause: the standby's timing lags 50 ms (station-clock-offset), more than the 200 ms allowed",
        ),
      ).toBe(true);
    }
  });

  it("not the operational station's lag, nor a lag back to zero", () => {
    const other = cause((at) =>
      at(T0 + 1, K.rtcp.clockOffset, ACTOR.re(0), { station: 0, offsetNs: 50 * MS }),
    );
    expect(other?.message.endsWith(`cause: ${NO_LOSS}`)).toBe(true);
    const back = cause((at) => {
      at(T0 + 1, K.rtcp.clockOffset, ACTOR.re(1), { station: 1, offsetNs: 50 * MS });
      at(T0 + 2, K.rtcp.clockOffset, ACTOR.re(1), { station: 1, offsetNs: 0 });
    });
    expect(back?.message.endsWith(`cause: ${NO_LOSS}`)).toBe(true);
  });
});
