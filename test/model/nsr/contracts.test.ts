// Proves that the assertions on NSR's cross-owner contracts fire when a caller breaks them
// (GUIDE §4, GUIDE §5 "one owner writes each piece of state"): an RE's NSR configuration
// outside what the loader produces, a second handle for one session, dropping a socket
// that is not in the tables, hooks installed twice, and each named function another
// subsystem calls on a socket in the wrong state (IHA's, PRL's, SDRL's); and that the legal
// sequence next to each one passes.
import { describe, expect, it } from 'vitest';
import { installPrimaryHooks, removeHooks } from '../../../model/nsr/hooks.ts';
import { ihaBecomePrimary, ihaDeactivate } from '../../../model/nsr/iha-state.ts';
import {
  DEFAULT_NSR_BOUNDS,
  DEFAULT_NSR_COSTS,
  DEFAULT_NSR_OPTIONS,
  DEFAULT_NSR_TIMERS,
  type NsrBounds,
  type NsrCosts,
  type NsrOptions,
  type NsrTimers,
} from '../../../model/nsr/options.ts';
import { prlRelease, prlWindowUpdate } from '../../../model/nsr/prl-queue.ts';
import { sdrlStartAt } from '../../../model/nsr/sdrl-state.ts';
import { NsrState, type Rep } from '../../../model/nsr/state.ts';
import type { TcpConnection } from '../../../model/tcp/tcp.ts';
import { AssertionError } from '../../../sim/index.ts';

const IDS = { re: 0, kkcm: 1, iha: 2, prl: 3, sdrl: 4, psrm: 5, pfe: 6, chassis: 7 };

interface Overrides {
  opts?: Partial<NsrOptions>;
  costs?: Partial<NsrCosts>;
  timers?: Partial<NsrTimers>;
  bounds?: Partial<NsrBounds>;
}

function state(o: Overrides = {}): NsrState {
  return new NsrState(
    0,
    IDS,
    { ...DEFAULT_NSR_OPTIONS, ...o.opts },
    { ...DEFAULT_NSR_COSTS, ...o.costs },
    { ...DEFAULT_NSR_TIMERS, ...o.timers },
    { ...DEFAULT_NSR_BOUNDS, ...o.bounds },
    undefined,
  );
}

/** Just what NsrState and the hooks read of a socket (a unit test needs no TCP). */
function fakeConn(): TcpConnection {
  return {
    so_rcv: { sbspace: () => 8192, cc: 0 },
    so_snd: { cc: 0 },
    rcv_nxt: 1001,
    irs: 1000,
    replica: false,
  } as unknown as TcpConnection;
}

const tracer = { trace: () => 0 };

describe('NsrState configuration', () => {
  it('refuses a configuration the scenario loader cannot produce', () => {
    // Proves a zero period, a negative cost, a zero bound, an unknown option value or an
    // unspoken protocol version stops the RE at construction, not somewhere mid-run.
    expect(() => state()).not.toThrow();
    expect(() => state({ timers: { kkcmPeriodNs: 0 } })).toThrow(AssertionError);
    expect(() => state({ costs: { prlAckNs: -1 } })).toThrow(AssertionError);
    expect(() => state({ bounds: { kkcmQueueMax: 0 } })).toThrow(AssertionError);
    expect(() => state({ opts: { prlAck: 'sometimes' as 'coalesce' } })).toThrow(AssertionError);
    expect(() => state({ opts: { versions: [1, 3] } })).toThrow(AssertionError);
    const re2 = (): NsrState =>
      new NsrState(
        2 as 0,
        IDS,
        { ...DEFAULT_NSR_OPTIONS },
        { ...DEFAULT_NSR_COSTS },
        { ...DEFAULT_NSR_TIMERS },
        { ...DEFAULT_NSR_BOUNDS },
        undefined,
      );
    expect(re2).toThrow(AssertionError);
  });
});

describe('the handle tables (I-1, I-2)', () => {
  it('refuses a second handle for a session or a socket, and dropping a socket twice', () => {
    // Proves each session and socket has one handle, and a dropped one is gone for good.
    const nsr = state();
    const conn = fakeConn();
    const rep = nsr.addRep('s', 'primary', conn);
    expect(() => nsr.addRep('s', 'primary', fakeConn())).toThrow(AssertionError);
    expect(() => nsr.addRep('t', 'primary', conn)).toThrow(AssertionError);
    nsr.dropRep(rep);
    expect(nsr.rep(rep.handle)).toBeUndefined();
    expect(() => nsr.dropRep(rep)).toThrow(AssertionError);
    const again = nsr.addRep('s', 'primary', conn);
    expect(again.handle).toBeGreaterThan(rep.handle);
  });

  it('refuses replication hooks installed twice on one socket', () => {
    // Proves a socket carries one set of hooks, and removeHooks clears them for the next.
    const nsr = state();
    const rep = nsr.addRep('s', 'primary', fakeConn());
    installPrimaryHooks(nsr, rep);
    expect(() => installPrimaryHooks(nsr, rep)).toThrow(AssertionError);
    removeHooks(rep);
    expect(() => installPrimaryHooks(nsr, rep)).not.toThrow();
  });
});

describe('named functions other subsystems call (GUIDE §5)', () => {
  it('ihaDeactivate refuses a socket whose packets PRL did not release, and one still in set-up', () => {
    // Proves PRL's timeout must release the queue before IHA's flag goes off (P-7).
    const nsr = state();
    const rep: Rep = nsr.addRep('s', 'primary', fakeConn());
    rep.iha.setupInProgress = true;
    expect(() => ihaDeactivate(nsr, rep)).toThrow(/set-up/);
    rep.iha.setupInProgress = false;
    rep.iha.active = true;
    rep.peerHandle = 7;
    rep.prl.pending.push({ seg: {} as never, arrival: 1 });
    expect(() => ihaDeactivate(nsr, rep)).toThrow(/holds packets/);
    prlRelease(nsr, tracer, rep, 'drop');
    ihaDeactivate(nsr, rep);
    expect(rep.iha.active).toBe(false);
  });

  it('ihaBecomePrimary refuses a secondary IHA did not fail over', () => {
    // Proves only IHA's failover (I-5) may make PSRM turn a secondary into the primary.
    const nsr = state();
    const rep = nsr.addRep('s', 'secondary', fakeConn());
    rep.peerHandle = 9;
    expect(() => ihaBecomePrimary(rep)).toThrow(/did not fail/);
    rep.iha.failingOver = true;
    ihaBecomePrimary(rep);
    expect(rep.role).toBe('primary');
  });

  it("PRL's and SDRL's functions refuse a socket in the wrong role or state", () => {
    // Proves a window update reaches only a primary, PRL releases only a primary's packets,
    // and SDRL's send side starts only on a primary not yet active.
    const nsr = state();
    const sec = nsr.addRep('s', 'secondary', fakeConn());
    expect(() => prlWindowUpdate(sec, 100, 1)).toThrow(AssertionError);
    expect(() => prlRelease(nsr, tracer, sec, 'push')).toThrow(AssertionError);
    const pri = nsr.addRep('p', 'primary', fakeConn());
    expect(prlWindowUpdate(pri, 100, 1)).toBe(100);
    sdrlStartAt(pri, 10);
    pri.iha.active = true;
    pri.peerHandle = 3;
    expect(() => sdrlStartAt(pri, 20)).toThrow(AssertionError);
    expect(pri.sdrl.sndAppended).toBe(10);
  });
});
