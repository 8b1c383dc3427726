// Proves PSRM's snapshot checks (model/nsr/psrm-snapshot.ts, SPEC M-1, M-6, K-5): the
// secondary refuses a snapshot whose reassembly queue is malformed, holds a segment at or
// below rcv_nxt or past its receive buffer, whose segment size or window scales are out of
// range, whose receive data overflows its buffer or whose send side runs backwards, and
// accepts every edge inside; and the primary's snapshot carries ts_recent's age in whole
// milliseconds, clamped to 0 and to 32 bits.
import { describe, expect, it } from 'vitest';
import {
  applyOptionState,
  applySnapshot,
  resetForFailover,
  snapshotOf,
  validSnapshot,
  type PsrmReplicate,
} from '../../../model/nsr/psrm-snapshot.ts';
import {
  TF_NODELAY,
  TF_RCVD_SCALE,
  TF_RCVD_TSTMP,
  TF_REQ_SCALE,
  TF_REQ_TSTMP,
  TF_SACK_PERMIT,
} from '../../../model/tcp/defs.ts';
import { ReassQueue } from '../../../model/tcp/reass.ts';
import { SockBuf } from '../../../model/tcp/sockbuf.ts';
import {
  encodeOoo,
  PSRM_INIT_FIELDS,
  PSRM_STATE_FIELDS,
  type OooSegment,
  type PsrmInitFields,
  type PsrmStateFields,
} from '../../../model/nsr/wire.ts';
import type { TcpConnection } from '../../../model/tcp/conn.ts';
import { MS } from '../../../sim/index.ts';

const HIWAT = 65536;
/** rcv_nxt of the snapshots below, near the top of sequence space (sequence arithmetic wraps). */
const RCV_NXT = 0xffff_ff00;
const seq = (off: number) => (RCV_NXT + off) >>> 0;

/** A replica not yet filled, as PSRM's onReplicate checks it: only its buffer size is read. */
const replica = { so_rcv: { hiwat: HIWAT }, replica: true } as unknown as TcpConnection;

function snapshot(
  o: {
    ooo?: OooSegment[];
    rcvOoo?: Uint8Array;
    fields?: Partial<PsrmInitFields>;
    state?: Partial<PsrmStateFields>;
    rcvData?: number;
  } = {},
): PsrmReplicate {
  const fields = Object.fromEntries(PSRM_INIT_FIELDS.map((n) => [n, 0])) as PsrmInitFields;
  const state = Object.fromEntries(PSRM_STATE_FIELDS.map((n) => [n, 0])) as PsrmStateFields;
  return {
    fields: { ...fields, t_maxseg: 1460, snd_scale: 7, rcv_scale: 7, ...o.fields },
    state: { ...state, rcv_nxt: RCV_NXT, snd_una: 500, snd_max: 600, ...o.state },
    rcvData: new Uint8Array(o.rcvData ?? 100),
    sndData: new Uint8Array(100),
    rcvOoo: o.rcvOoo ?? encodeOoo(o.ooo ?? []),
    md5Key: new Uint8Array(0),
  };
}

const segment = (from: number, len: number, fin = false): OooSegment => ({
  seq: seq(from),
  fin,
  data: new Uint8Array(len),
});

describe('validSnapshot: what the secondary accepts (M-1, K-5)', () => {
  it('accepts a snapshot with a reassembly queue inside its buffer, and returns that queue', () => {
    const ooo = [segment(100, 200), segment(1000, 50, true)];
    expect(validSnapshot(replica, snapshot({ ooo }))).toEqual(ooo);
    expect(validSnapshot(replica, snapshot())).toEqual([]);
  });

  it('refuses a malformed reassembly queue (truncated)', () => {
    const whole = encodeOoo([segment(100, 200)]);
    expect(validSnapshot(replica, snapshot({ rcvOoo: whole.subarray(0, whole.length - 1) }))).toBe(
      undefined,
    );
  });

  it('refuses a queued segment at rcv_nxt or below it; one byte above is accepted', () => {
    expect(validSnapshot(replica, snapshot({ ooo: [segment(0, 10)] }))).toBe(undefined);
    expect(validSnapshot(replica, snapshot({ ooo: [segment(-5, 10)] }))).toBe(undefined);
    expect(validSnapshot(replica, snapshot({ ooo: [segment(1, 10)] }))).toHaveLength(1);
  });

  it('refuses a queued segment ending past rcv_nxt + the buffer; one ending at it is accepted', () => {
    expect(validSnapshot(replica, snapshot({ ooo: [segment(HIWAT - 100, 100)] }))).toHaveLength(1);
    expect(validSnapshot(replica, snapshot({ ooo: [segment(HIWAT - 100, 101)] }))).toBe(undefined);
    // Every segment is checked, not only the first.
    expect(validSnapshot(replica, snapshot({ ooo: [segment(10, 10), segment(HIWAT, 1)] }))).toBe(
      undefined,
    );
  });

  it('refuses a segment size under 1 and window scales over 14; the edges are accepted', () => {
    const ok = (fields: Partial<PsrmInitFields>) => validSnapshot(replica, snapshot({ fields }));
    expect(ok({ t_maxseg: 0 })).toBe(undefined);
    expect(ok({ t_maxseg: 1 })).toEqual([]);
    expect(ok({ snd_scale: 15 })).toBe(undefined);
    expect(ok({ rcv_scale: 15 })).toBe(undefined);
    expect(ok({ snd_scale: 14, rcv_scale: 14 })).toEqual([]);
  });

  it('refuses receive data larger than its buffer, and a send side with snd_max below snd_una', () => {
    expect(validSnapshot(replica, snapshot({ rcvData: HIWAT }))).toEqual([]);
    expect(validSnapshot(replica, snapshot({ rcvData: HIWAT + 1 }))).toBe(undefined);
    expect(validSnapshot(replica, snapshot({ state: { snd_una: 600, snd_max: 599 } }))).toBe(
      undefined,
    );
    // Across the wrap of sequence space snd_max is still ahead.
    expect(
      validSnapshot(replica, snapshot({ state: { snd_una: 0xffff_fff0, snd_max: 0x10 } })),
    ).toEqual([]);
  });
});

describe("snapshotOf: ts_recent's age (M-6)", () => {
  /** A primary whose fields read 0 unless given: snapshotOf reads the timestamp state. */
  function primary(tsRecentAge: number): TcpConnection {
    const buf = { cc: 0, peek: () => new Uint8Array(0) };
    const base: Record<string, unknown> = {
      t_state: 'ESTABLISHED',
      replica: false,
      so_rcv: buf,
      so_snd: buf,
      t_segq: { entries: [] },
      md5_key: undefined,
      ts_recent_age: tsRecentAge,
      t_maxseg: 1460,
    };
    return new Proxy(base, {
      get: (t, k) => (typeof k === 'string' && k in t ? t[k] : 0),
    }) as unknown as TcpConnection;
  }
  const ageMs = (nowNs: number, tsRecentAge: number) =>
    snapshotOf(primary(tsRecentAge), 0, 0, nowNs).state.ts_recent_age_ms;

  it('whole milliseconds since ts_recent was set, rounded down', () => {
    expect(ageMs(10_000 * MS, 7_500 * MS - 1)).toBe(2500);
    expect(ageMs(3 * MS - 1, 0)).toBe(2);
  });

  it('clamped to 0 (set in the future) and to 32 bits (older than 49 days)', () => {
    expect(ageMs(5 * MS, 6 * MS)).toBe(0);
    expect(ageMs(2 ** 33 * MS, 0)).toBe(0xffff_ffff);
  });
});

/** An empty replica with real socket buffers and reassembly queue, for applySnapshot. */
function emptyReplica(): TcpConnection & { state: string } {
  const c = {
    t_flags: 0,
    so_rcv: new SockBuf(HIWAT),
    so_snd: new SockBuf(HIWAT),
    t_segq: new ReassQueue(),
    state: 'CLOSED',
    setState(st: string) {
      this.state = st;
    },
  };
  return c as unknown as TcpConnection & { state: string };
}

describe('applySnapshot: window scaling (M-1)', () => {
  const SCALE = TF_REQ_SCALE | TF_RCVD_SCALE;

  it("scaling is on when either shift is non-zero (a peer may announce a shift of 0 while the router's is 7)", () => {
    for (const [snd, rcv, on] of [
      [7, 7, true],
      [0, 7, true],
      [7, 0, true],
      [0, 0, false],
    ] as const) {
      const c = emptyReplica();
      applySnapshot(c, snapshot({ fields: { snd_scale: snd, rcv_scale: rcv } }), []);
      expect((c.t_flags & SCALE) === SCALE, `${snd}/${rcv}`).toBe(on);
      expect(c.state).toBe('ESTABLISHED');
    }
  });
});

describe('applyOptionState: the options, timestamps and MD5 key of the primary (M-6, T-3, T-4)', () => {
  const TS = TF_REQ_TSTMP | TF_RCVD_TSTMP;
  const KEY = Uint8Array.from([1, 2, 3]);
  /** The primary's option state: SACK, timestamps and (not negotiated, never copied) NODELAY. */
  const primaryState = (md5Key = KEY) => {
    const snap = snapshot({
      state: {
        opt_flags: TF_SACK_PERMIT | TS | TF_NODELAY,
        ts_recent: 0xdead_beef,
        ts_recent_age_ms: 1500,
        ts_offset: 12345,
      },
    });
    return { ...snap, md5Key };
  };
  const secondary = () =>
    ({
      t_flags: 0,
      ts_recent: 1,
      ts_recent_age: 2,
      ts_offset: 3,
      md5_key: undefined,
    }) as unknown as {
      t_flags: number;
      ts_recent: number;
      ts_recent_age: number;
      ts_offset: number;
      md5_key: Uint8Array | undefined;
    };
  const NOW = 10_000 * MS;

  it('copies the negotiated options, the timestamp state (its age made absolute again) and the key', () => {
    const c = secondary();
    applyOptionState(c as unknown as TcpConnection, primaryState(), NOW, {
      timestamps: true,
      md5: true,
    });
    expect(c).toEqual({
      t_flags: TF_SACK_PERMIT | TS,
      ts_recent: 0xdead_beef,
      ts_recent_age: NOW - 1500 * MS,
      ts_offset: 12345,
      md5_key: KEY,
    });
  });

  it('an empty key in the snapshot leaves the socket unsigned', () => {
    const c = secondary();
    c.md5_key = KEY;
    applyOptionState(c as unknown as TcpConnection, primaryState(new Uint8Array(0)), NOW, {
      timestamps: true,
      md5: true,
    });
    expect(c.md5_key).toBe(undefined);
  });

  it('the mutants psrm-forgets-timestamps and psrm-forgets-md5-key: neither the timestamp flags and state nor the key are copied', () => {
    const c = secondary();
    applyOptionState(c as unknown as TcpConnection, primaryState(), NOW, {
      timestamps: false,
      md5: false,
    });
    expect(c).toEqual({
      t_flags: TF_SACK_PERMIT,
      ts_recent: 1,
      ts_recent_age: 2,
      ts_offset: 3,
      md5_key: undefined,
    });
  });
});

describe('applySnapshot: the mutant psrm-snapshot-swaps-wl1-wl2', () => {
  it('swaps both window-update fields (the correct code copies each to its own)', () => {
    for (const swapWl of [false, true]) {
      const c = emptyReplica();
      applySnapshot(c, snapshot({ state: { snd_wl1: 111, snd_wl2: 222 } }), [], { swapWl });
      expect([c.snd_wl1, c.snd_wl2]).toEqual(swapWl ? [222, 111] : [111, 222]);
    }
  });
});

describe('resetForFailover: the new primary starts its timers and congestion state over (M-4)', () => {
  function taken(sndMax: number) {
    const timers: Array<[string, number]> = [];
    const c = {
      cfg: { rtoInitNs: 1000 * MS },
      replica: false,
      t_maxseg: 1460,
      snd_una: 5000,
      snd_max: sndMax,
      snd_nxt: sndMax,
      snd_cwnd: 1,
      snd_ssthresh: 1,
      snd_recover: 1,
      t_dupacks: 3,
      t_rxtshift: 4,
      t_srtt: 5,
      t_rttvar: 6,
      t_rtttime: 7,
      t_rtseq: 8,
      t_rxtcur: 9,
      ts_recent_age: 10,
      t_flags: TF_SACK_PERMIT | TF_NODELAY | 0x8000_0000,
      t_force: 1,
      t_softerror: 1,
      clearAllTimers() {
        timers.push(['clear', 0]);
      },
      setTimer(name: string, ns: number) {
        timers.push([name, ns]);
      },
    };
    resetForFailover(c as unknown as TcpConnection, 42 * MS);
    return { c, timers };
  }

  it('resets every timer, the RTT and congestion state, and goes back to snd_una with the retransmission timer armed', () => {
    const { c, timers } = taken(7000);
    expect(c).toMatchObject({
      snd_cwnd: 1460,
      snd_ssthresh: 65535 * 2 ** 14,
      snd_recover: 5000,
      t_dupacks: 0,
      t_rxtshift: 0,
      t_srtt: 0,
      t_rttvar: 0,
      t_rtttime: 0,
      t_rtseq: 0,
      t_rxtcur: 1000 * MS,
      ts_recent_age: 42 * MS,
      t_flags: TF_SACK_PERMIT | TF_NODELAY,
      t_force: 0,
      t_softerror: 0,
      snd_nxt: 5000,
    });
    expect(timers).toEqual([
      ['clear', 0],
      ['rexmt', 1000 * MS],
    ]);
  });

  it('with nothing unacknowledged, no retransmission timer', () => {
    expect(taken(5000).timers).toEqual([['clear', 0]]);
  });
});
