// Proves what the per-RE NSR state (model/nsr/state.ts) itself decides: the KKCM sender of an NsrState before KKCM installs its own refuses every message and is not ready (K-4, K-9); a packet for a handle no longer replicated gets plain L4 input from the RE's stack (P-1, P-7); a fresh replicated socket has heard of no window update, so the first PRL ACK teaches the primary the secondary's space (P-10, M-3); a fresh secondary's P-14 'both' clock starts at the first tick that finds unACKed send data, not at time 0 (P-7, P-14); and dropping a socket from the tables is a recorded change of the sync state, so IHA tells the chassis at once (F-6). Written for the survivors of the Stryker run at 931f2e7; each test names the mutants it kills. The two assertion-only survivors (checkRep 43:42, checkTables 412:31) are equivalent: they assert invariants correct code never breaks.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_NSR_BOUNDS,
  DEFAULT_NSR_COSTS,
  DEFAULT_NSR_OPTIONS,
  DEFAULT_NSR_TIMERS,
} from '../../../model/nsr/options.ts';
import { NsrState } from '../../../model/nsr/state.ts';
import type { NsrMessage } from '../../../model/nsr/wire.ts';
import type { PrlLocal } from '../../../model/nsr/prl.ts';
import { TH_ACK, type Segment } from '../../../model/net/segment.ts';
import { ACTOR, K } from '../../../model/vocab.ts';
import { MS, type ActorContext, type TraceRecord } from '../../../sim/index.ts';
import { Harness, fault, nsrConfig, peer, traffic } from './fixture.ts';

const IHA0 = ACTOR.nsr(0, 'iha');
const PRL0 = ACTOR.nsr(0, 'prl');
const PRL1 = ACTOR.nsr(1, 'prl');

describe('K-4, K-9: the sender of an NsrState KKCM has not taken over', () => {
  it('K-4, K-9: a fresh NsrState refuses every message with an error (KKCM not running) and is not ready (Stryker state.ts 294:22, 294:30, 294:36, 294:63)', () => {
    // Built directly: in a world the RE's boot creates the state and KKCM's start installs
    // its own sender before any client can send, so the default is only seen here.
    const ids = { re: 1, kkcm: 2, iha: 3, prl: 4, sdrl: 5, psrm: 6, pfe: 7, chassis: 8 };
    const nsr = new NsrState(
      0,
      ids,
      DEFAULT_NSR_OPTIONS,
      DEFAULT_NSR_COSTS,
      DEFAULT_NSR_TIMERS,
      DEFAULT_NSR_BOUNDS,
      undefined,
    );
    expect(nsr.kkcm.ready).toBe(false);
    const msg: NsrMessage = { t: 'iha.start', handle: 1, secondary: 2 };
    // Nothing of the context is needed to refuse.
    const ctx = {} as ActorContext;
    expect(nsr.kkcm.send(ctx, msg)).toBe('KKCM not running');
    expect(nsr.kkcm.send(ctx, msg, true)).toBe('KKCM not running');
  });
});

describe('P-1, P-7: a packet whose socket left the table', () => {
  it('P-1, P-7: a packet PRL gets for a handle no longer in the table goes to the RE stack as plain L4 input: a segment for no socket there is answered with a RST (Stryker state.ts 321:34)', () => {
    const h = new Harness(nsrConfig({ durationNs: 120 * MS }), { checkers: false });
    h.runTo(100 * MS);
    const conn = h.rep(0).conn;
    const seg: Segment = {
      src: conn.faddr,
      dst: conn.laddr,
      sport: 40_000,
      dport: 4_444,
      seq: 1_000,
      ack: 77_777,
      flags: TH_ACK,
      wnd: 1_000,
      urp: 0,
      options: {},
      payload: new Uint8Array(0),
      ipId: 1,
      ttl: 64,
    };
    // As ip_input would post it for a socket whose replication is torn down meanwhile:
    // handle 999 is in no table; the segment is an ACK for a port nobody listens on.
    const msg: PrlLocal = { type: 'prl.input', handle: 999, seg };
    h.at(110 * MS, (ctx) => ctx.send(h.nsr(0).ids.prl, msg));
    h.finish();
    const l4 = h.of(K.prl.l4, PRL0).filter((r) => r.fields.handle === 999);
    expect(l4.map((r) => [r.t, r.fields.role, r.fields.seq])).toEqual([[110 * MS, 'none', -1]]);
    const rst = h.of(K.tcp.rstSent).filter((r) => r.fields.dport === 40_000);
    expect(rst.map((r) => [r.t, r.actor, r.fields.seq, r.fields.sport])).toEqual([
      [110 * MS, ACTOR.re(0), 77_777, 4_444],
    ]);
  });
});

describe('P-10, M-3: the first PRL ACK of a socket', () => {
  it('P-10, M-3: a fresh socket has heard of no window update: the ACK of its first packet tells the primary the secondary space (the stale PSRM set-up value does not stay) (Stryker state.ts 375:20)', () => {
    // Window updates wait 300 ms (M-3 'delack'), so the first ACK comes before any. RE1's
    // PSRM ACK reports 2000 bytes free, as a secondary whose buffer was nearly full at the
    // snapshot would; by the first packet it has its whole buffer again.
    const h = new Harness(
      nsrConfig({
        durationNs: 200 * MS,
        opts: { windowUpdate: 'delack' },
        timers: { windowDelayNs: 300 * MS },
      }),
      { checkers: false },
    );
    h.runTo(1);
    const nsr1 = h.nsr(1);
    const inner = nsr1.kkcm;
    nsr1.kkcm = {
      get ready() {
        return inner.ready;
      },
      send(ctx, msg, waitOk) {
        return inner.send(ctx, msg.t === 'psrm.ack' ? { ...msg, space: 2000 } : msg, waitOk);
      },
    };
    const nsr0 = h.nsr(0);
    h.runUntil(() => {
      const r = nsr0.bySession.get('pa/0');
      return r !== undefined && r.prl.nextSeq > 1 && r.prl.queue.length === 0;
    }, 200 * MS);
    const rep = h.rep(0);
    const ack = h.tx(1, 'prl.ack')[0] as TraceRecord;
    const first = h.of(K.prl.queue, PRL0)[0] as TraceRecord;
    // The set-up reported 2000; the first packet was ACKed with the whole buffer free.
    expect(h.tx(1, 'psrm.ack').map((r) => r.fields.space)).toEqual([2000]);
    expect([ack.fields.seq, ack.fields.space, first.fields.seq]).toEqual([1, 65_536, 1]);
    // No window update yet: the ACK is the newest word, minus what the packet took.
    expect(h.tx(1, 'psrm.window')).toEqual([]);
    expect(rep.prl.secSpace).toBe(65_536 - (first.fields.len as number));
    expect(rep.prl.windowSeq).toBe(-1);
  });
});

describe("P-14 'both': a secondary set up late", () => {
  it("P-14 'both', P-7: a secondary set up while the peer is cut off, holding unACKed send data from its snapshot, times out prlTimeoutNs after the first tick that found the data, not at once (Stryker state.ts 379:25)", () => {
    // The peer is cut off from 200 ms for 150 ms; KKCM's I/O error at 210 ms sets the socket
    // up again at ~220 ms. The new secondary has heard no PRL message (none can come).
    const h = new Harness(
      nsrConfig({
        durationNs: 400 * MS,
        opts: { prlTimeoutSide: 'both' },
        timers: { prlTimeoutNs: 150 * MS, kkcmPeriodNs: 10 * MS },
        peers: [peer('pa', { toRouter: traffic(0), fromRouter: traffic(100) })],
        faults: [
          fault(200 * MS, { kind: 'wire-partition', peer: 'pa', durationNs: 150 * MS }),
          fault(210 * MS, { kind: 'kkcm-io-error', target: 're0' }),
        ],
      }),
      { checkers: false },
    );
    h.runTo(210 * MS);
    const old = h.rep(1);
    const fresh = (): boolean => {
      const r = h.nsr(1).bySession.get('pa/0');
      return r !== undefined && r !== old && r.iha.active;
    };
    h.runUntil(fresh, 400 * MS);
    const rep = h.rep(1);
    const activeNs = h.now;
    expect(rep).not.toBe(old);
    // Its snapshot brought send data the cut-off peer has not acknowledged.
    expect(rep.conn.so_snd.cc).toBeGreaterThan(0);
    h.runUntil(() => rep.prl.unackedSinceNs >= 0, 400 * MS);
    const since = rep.prl.unackedSinceNs;
    h.finish();
    // One timeout, a full prlTimeoutNs of quiet after the tick that started the clock.
    const to = h.of(K.prl.timeout, PRL1);
    expect(to.map((r) => [r.fields.role, r.fields.quietNs])).toEqual([['secondary', 150 * MS]]);
    expect((to[0] as TraceRecord).t).toBeGreaterThanOrEqual(activeNs + 150 * MS);
    // That tick is the first after the set-up.
    expect(since).toBeGreaterThanOrEqual(activeNs);
    expect(since).toBeLessThanOrEqual(activeNs + 10 * MS);
    expect((to[0] as TraceRecord).t).toBe(since + 150 * MS);
  });
});

describe('F-6: a socket dropped from the tables', () => {
  it('F-6, P-7: when IHA cleans up a primary PRL timed out, the chassis hears at once that the backup is no longer synchronized (dropping the socket is a recorded change, which IHA does not skip) (Stryker state.ts 456:5)', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 550 * MS,
        timers: { prlTimeoutNs: 100 * MS },
        peers: [peer('pa', { toRouter: traffic(200, 64, 200) })],
        faults: [fault(300 * MS, { kind: 'backup-stall', durationNs: 200 * MS })],
      }),
      { checkers: false },
    );
    // The backup stalls: PRL times the primary out (deactivating it is one recorded change)
    // and posts the error; IHA's clean-up drops the socket (another, naming the session in
    // NsrState.syncChange). Were the drop not recorded, IHA would not look at the session
    // again and the chassis would keep the state it last heard.
    h.finish();
    const to = h.of(K.prl.timeout, PRL0);
    const gone = h.of(K.iha.cleanupSocket, IHA0);
    expect(to).toHaveLength(1);
    expect(gone.map((r) => [r.fields.reason, r.t > (to[0] as TraceRecord).t])).toEqual([
      ['PRL timeout', true],
    ]);
    const at = (gone[0] as TraceRecord).t;
    // Synchronized until then; no longer at the clean-up itself, not at IHA's next tick.
    expect(
      h.of(K.iha.syncState, IHA0).map((r) => [r.t >= at ? r.t : 'before', r.fields.synced]),
    ).toEqual([
      ['before', true],
      ['before', false],
      ['before', true],
      [at, false],
    ]);
    expect(h.of(K.chassis.syncState).at(-1)?.fields).toEqual({ re: 0, synced: false, pending: 1 });
  });
});
