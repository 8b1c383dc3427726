// Proves what PSRM does on its less travelled paths (SPEC M-1, M-3, M-4, M-7, P-10, K-5, K-12, I-6): replicates naming a socket that is not a secondary, a snapshot the secondary refuses and what the primary does with that NACK, a stale or silent replicate timer, requests and messages naming the wrong socket, malformed messages, the secondary's space from the ACK and each window update, when and from which context each window-update option sends (and not while failing over), socket options on the secondary, the global sweep across an RE restart, and the failover handler's first transmission. Written for the survivors of Stryker run 12 (reports/mutation/README.md); each test names the mutants it kills.
import { describe, expect, it } from 'vitest';
import type { PsrmLocal } from '../../../model/nsr/psrm.ts';
import { encodeMessage, type NsrMessage } from '../../../model/nsr/wire.ts';
import { ACTOR, K } from '../../../model/vocab.ts';
import { MS, SEC, type ActorContext, type TraceRecord } from '../../../sim/index.ts';
import { Harness, fault, nsrConfig, peer, traffic, trailing } from './fixture.ts';

const PSRM0 = ACTOR.nsr(0, 'psrm');
const PSRM1 = ACTOR.nsr(1, 'psrm');
const IHA0 = ACTOR.nsr(0, 'iha');

const fieldsOf = (recs: readonly TraceRecord[]): Array<Record<string, unknown>> =>
  recs.map((r) => r.fields);

type Replicate = NsrMessage & { t: 'psrm.replicate' };

/** Hands RE `re`'s PSRM a local message at `atNs` (as IHA, a hook or a timer would). */
function local(h: Harness, re: 0 | 1, atNs: number, msg: PsrmLocal): void {
  h.at(atNs, (ctx: ActorContext) => ctx.send(h.nsr(re).ids.psrm, msg));
}

/**
 * Passes every message RE0's clients send through `edit` on its way to KKCM (install at
 * 1 ns, once KKCM's sender is in place); returns the replicates PSRM sent, as sent.
 */
function onRe0Send(h: Harness, edit: (m: NsrMessage) => NsrMessage = (m) => m): Replicate[] {
  const nsr = h.nsr(0);
  const inner = nsr.kkcm;
  const replicates: Replicate[] = [];
  nsr.kkcm = {
    get ready() {
      return inner.ready;
    },
    send(ctx, msg, waitOk) {
      const out = edit(msg);
      if (out.t === 'psrm.replicate') replicates.push(out);
      return inner.send(ctx, out, waitOk);
    },
  };
  return replicates;
}

/** Runs `h` to 1 ns and makes RE0's first replicate one the secondary refuses (t_maxseg 0). */
function failFirstReplicate(h: Harness): Replicate[] {
  h.runTo(1);
  let corrupted = 0;
  return onRe0Send(h, (m) => {
    if (m.t !== 'psrm.replicate' || corrupted++ > 0) return m;
    return { ...m, fields: { ...m.fields, t_maxseg: 0 } };
  });
}

describe('M-1: replicates for a socket that is not a secondary', () => {
  it('M-1, I-2: a replicate naming a handle the receiver lacks is ACKed invalid-handle naming that handle; one naming a primary is ACKed not-replicating naming its secondary; the sender ignores both and replication goes on (Stryker psrm.ts 170:30, 171:22, 171:60, 215:44)', () => {
    const h = new Harness(nsrConfig({ durationNs: 500 * MS }), { checkers: false });
    h.runTo(1);
    const sent = onRe0Send(h);
    h.runTo(200 * MS);
    const snap = sent[0] as Replicate;
    expect(snap.t).toBe('psrm.replicate');
    const prim = h.rep(0);
    // RE1 sends them to RE0: one for no socket there, one for RE0's own primary.
    h.sendVia(1, 300 * MS, { ...snap, handle: 999 });
    h.sendVia(1, 350 * MS, () => ({ ...snap, handle: prim.handle }));
    h.finish();
    const acks = h.tx(0, 'psrm.ack').filter((r) => r.t >= 300 * MS);
    expect(acks.map((r) => [r.fields.handle, r.fields.space, r.fields.reason])).toEqual([
      [999, 0, 'invalidHandle'],
      [prim.peerHandle, 0, 'notReplicating'],
    ]);
    expect(fieldsOf(h.of(K.psrm.ackUnexpected, PSRM1))).toEqual([
      { handle: 999, reason: 'invalidHandle' },
      { handle: prim.peerHandle, reason: 'notReplicating' },
    ]);
    expect(h.of(K.psrm.applied).map((r) => r.t < 300 * MS)).toEqual([true]);
    expect(h.of(K.nsr.replicationError)).toEqual([]);
    expect([prim.iha.active, h.rep(1).iha.active]).toEqual([true, true]);
  });
});

describe('M-1: a snapshot the secondary refuses', () => {
  it('M-1, I-6: a replicate whose fields are out of range (t_maxseg 0) is traced as rejected and NACKed failed; the primary reports the failure to IHA, which cleans the socket up and sets it up again (Stryker psrm.ts 149:38, 177:9, 177:28, 178:37, 178:69, 179:17, 179:22, 179:76)', () => {
    const h = new Harness(nsrConfig({ durationNs: 600 * MS }), { checkers: false });
    const sent = failFirstReplicate(h);
    h.finish();
    expect(sent.map((m) => m.fields.t_maxseg === 0)).toEqual([true, false]);
    // Each replicate is traced with the session, the sequence state and the sizes it carries.
    expect(fieldsOf(h.of(K.psrm.replicate, PSRM0))).toEqual(
      sent.map((m) => ({
        session: 'pa/0',
        rcv_nxt: m.state.rcv_nxt,
        snd_una: m.state.snd_una,
        snd_max: m.state.snd_max,
        rcvBytes: m.rcvData.length,
        sndBytes: m.sndData.length,
        oooSegs: 0,
      })),
    );
    const reject = h.of(K.psrm.reject, PSRM1);
    expect(fieldsOf(reject)).toEqual([{ session: 'pa/0', reason: 'fields out of range' }]);
    const acks = h.tx(1, 'psrm.ack');
    expect(
      acks.map((r) => [r.t >= (reject[0] as TraceRecord).t, r.fields.reason, r.fields.space]),
    ).toEqual([
      [true, 'failed', 0],
      [true, 'ok', h.rep(1).conn.so_rcv.hiwat],
    ]);
    // Only the second snapshot was written into the secondary.
    expect(h.of(K.psrm.applied, PSRM1)).toHaveLength(1);
    expect(h.of(K.iha.cleanupSocket, IHA0).map((r) => r.fields.reason)).toEqual([
      'PSRM init failed: failed',
    ]);
    expect(h.of(K.iha.active, IHA0)).toHaveLength(1);
    expect([h.rep(0).iha.active, h.rep(1).iha.active]).toEqual([true, true]);
  });
  it("M-1, P-1, I-6: the NACK's space 0 is no secondary's free space: when IHA gives the socket up, the packets PRL held during the set-up go up L4 and the primary's TCP takes them all (Stryker psrm.ts 219:9 true)", () => {
    const h = new Harness(
      nsrConfig({ durationNs: 300 * MS, peers: [peer('pa', { toRouter: traffic(2000) })] }),
      { checkers: false },
    );
    failFirstReplicate(h);
    // The primary's rcv_nxt and the bytes PRL held as IHA cleans up, and just after.
    const push = { held: -1, before: -1, after: -1, at: -1 };
    h.world.sim.trace.addListener((r) => {
      const c = h.world.res[0].session('pa/0')?.conn;
      if (c === undefined) return;
      if (push.at < 0 && r.kind === K.iha.cleanupSocket && r.actor === IHA0) {
        const q = h.rep(0).prl;
        push.held = q.pending.reduce((n, p) => n + p.seg.payload.length, 0);
        [push.before, push.at] = [c.rcv_nxt, r.t];
      } else if (push.at >= 0 && push.after < 0 && r.t > push.at) push.after = c.rcv_nxt;
    });
    h.finish();
    expect(h.of(K.iha.cleanupSocket, IHA0).map((r) => r.fields.reason)).toEqual([
      'PSRM init failed: failed',
    ]);
    expect(h.of(K.prl.release, IHA0).map((r) => r.fields.mode)).toEqual(['push']);
    expect(push.held).toBeGreaterThan(0);
    expect(push.after - push.before).toBe(push.held);
  });
});

describe('M-1: the replicate timeout', () => {
  it('M-1: a silent secondary (inter-RE link held right after the replicate) times PSRM out once, traced with the session, at the send time plus psrmTimeoutNs; IHA cleans up with reason timeout (Stryker psrm.ts 81:42)', () => {
    const timeout = 100 * MS;
    const h = new Harness(nsrConfig({ durationNs: 400 * MS, timers: { psrmTimeoutNs: timeout } }), {
      checkers: false,
    });
    h.runUntil(() => h.of(K.psrm.replicate, PSRM0).length > 0, 100 * MS);
    const sentAt = h.now;
    h.world.sim.inject(
      h.world.ids.get('chassis') as number,
      { type: 'fault', action: { kind: 'inter-re-hold', durationNs: 2 * timeout } },
      sentAt,
    );
    h.finish();
    expect(h.of(K.psrm.timeout, PSRM0).map((r) => [r.t, r.fields])).toEqual([
      [sentAt + timeout, { session: 'pa/0' }],
    ]);
    expect(h.of(K.iha.cleanupSocket, IHA0).map((r) => r.fields.reason)).toEqual([
      'PSRM init failed: timeout',
    ]);
  });

  it('M-1: a PSRM timer times out only the replicate that armed it: a stale one (an earlier send time) firing while the set-up is still in progress does nothing, and the set-up completes (Stryker psrm.ts 80:61)', () => {
    const h = new Harness(nsrConfig({ durationNs: 300 * MS }));
    h.runUntil(() => h.of(K.psrm.replicate, PSRM0).length > 0, 100 * MS);
    const prim = h.rep(0);
    expect([prim.iha.setupInProgress, prim.psrm.sentNs]).toEqual([true, h.now]);
    local(h, 0, h.now, { type: 'psrm.timeout', handle: prim.handle, sentNs: h.now - 1 });
    h.runTo(h.now + 1);
    // It was handled before the secondary's ACK came back.
    expect(prim.iha.setupInProgress).toBe(true);
    expect(h.finish()).toEqual([]);
    expect(h.of(K.psrm.timeout)).toEqual([]);
    expect(h.of(K.iha.cleanupSocket)).toEqual([]);
    expect(h.of(K.iha.active, IHA0)).toHaveLength(1);
    expect([prim.iha.active, h.rep(1).iha.active]).toEqual([true, true]);
  });
});

describe('M-1: psrm.start only for a primary', () => {
  it('M-1: a psrm.start naming a secondary (or no socket) sends no replicate and changes nothing (Stryker psrm.ts 130:30)', () => {
    const h = new Harness(nsrConfig({ durationNs: 400 * MS }));
    h.runTo(200 * MS);
    const sec = h.rep(1);
    local(h, 1, 300 * MS, { type: 'psrm.start', handle: sec.handle });
    local(h, 1, 300 * MS, { type: 'psrm.start', handle: 999 });
    expect(h.finish()).toEqual([]);
    expect(h.of(K.psrm.replicate, PSRM1)).toEqual([]);
    expect(h.tx(1, 'psrm.replicate')).toEqual([]);
    expect(h.of(K.psrm.replicate, PSRM0)).toHaveLength(1);
    expect(h.of(K.nsr.replicationError)).toEqual([]);
    expect(sec.iha.active).toBe(true);
  });
});

describe('M-7: a socket option for a socket that is not an active secondary', () => {
  it('M-7: psrm.sockopt naming no socket, or a primary, is traced as unexpected with its handle and applied nowhere (Stryker psrm.ts 321:9 ×5, 321:30, 321:75, 322:41)', () => {
    const h = new Harness(nsrConfig({ durationNs: 400 * MS }), { checkers: false });
    h.runTo(200 * MS);
    const prim = h.rep(0);
    const before = [prim.conn.so_rcv.hiwat, h.rep(1).conn.so_rcv.hiwat];
    h.sendVia(0, 300 * MS, { t: 'psrm.sockopt', handle: 999, option: 'SO_RCVBUF', value: 99_000 });
    h.sendVia(1, 300 * MS, () => ({
      t: 'psrm.sockopt',
      handle: prim.handle,
      option: 'SO_RCVBUF',
      value: 99_000,
    }));
    h.finish();
    expect(fieldsOf(h.of(K.psrm.unexpected, PSRM1))).toEqual([{ t: 'psrm.sockopt', handle: 999 }]);
    expect(fieldsOf(h.of(K.psrm.unexpected, PSRM0))).toEqual([
      { t: 'psrm.sockopt', handle: prim.handle },
    ]);
    expect(h.of(K.psrm.sockoptApplied)).toEqual([]);
    expect([prim.conn.so_rcv.hiwat, h.rep(1).conn.so_rcv.hiwat]).toEqual(before);
  });
});

describe('K-5, I-6: a malformed PSRM message', () => {
  it('K-5: a malformed PSRM message whose handle cannot be read (TLV, the handle TLV runs past the message) is traced with handle -1 and nothing else is done (Stryker psrm.ts 396:38, 396:48, 396:58)', () => {
    const h = new Harness(nsrConfig({ durationNs: 500 * MS, opts: { encoding: 'tlv' } }), {
      checkers: false,
    });
    const b = encodeMessage({ t: 'psrm.window', handle: 1, space: 0, seq: 0 }, 'tlv', 1);
    new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(8 + 2, 0xffff_fff0); // the first TLV's length
    h.writeRaw(1, 'send', 300 * MS, b);
    h.finish();
    const bad = h.of(K.psrm.malformed, PSRM0);
    expect(bad.map((r) => r.fields.handle)).toEqual([-1]);
    expect(h.of(K.nsr.replicationError)).toEqual([]);
    expect(h.rep(0).iha.active).toBe(true);
  });
});

describe('M-3: the global window timer across an RE restart', () => {
  it('M-3 global-timer: the backup crashing while its sweep is armed (the timer dies with it) does not keep the restarted PSRM from arming it again: window updates flow after the re-sync (Stryker psrm.ts 62:27)', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 1200 * MS,
        opts: { windowUpdate: 'global-timer' },
        peers: [peer('pa', { toRouter: traffic(200) })],
      }),
      { checkers: false },
    );
    // The last window-update request PSRM1 was handed, and the last sweep's window sent.
    let lastRequest = -1;
    let lastWindow = -1;
    h.world.sim.trace.addListener((r) => {
      if (r.kind === K.sim.send && r.fields.type === 'psrm.window-update' && r.fields.to === PSRM1)
        lastRequest = r.t;
      if (r.kind === K.kkcm.tx && r.actor === PSRM1 && r.fields.t === 'psrm.window')
        lastWindow = r.t;
    });
    // Crash 1 ms after a request that came after the last sweep: the sweep is armed then.
    h.runUntil(
      () => h.now > 300 * MS && lastRequest > lastWindow && lastRequest >= 300 * MS,
      500 * MS,
    );
    const crashAt = h.now + 1 * MS;
    const chassis = h.world.ids.get('chassis') as number;
    let armedAtCrash = false;
    h.at(crashAt, () => (armedAtCrash = lastRequest > lastWindow));
    for (const [kind, t] of [
      ['re-crash', crashAt],
      ['re-restart', crashAt + 100 * MS],
    ] as const)
      h.world.sim.inject(chassis, { type: 'fault', action: { kind, target: 'backup' } }, t);
    h.finish();
    expect(armedAtCrash).toBe(true);
    expect(h.of(K.psrm.applied, PSRM1).filter((r) => r.t > crashAt)).toHaveLength(1);
    const after = h.tx(1, 'psrm.window').filter((r) => r.t > crashAt);
    expect(after.length).toBeGreaterThan(5);
    expect(h.of(K.psrm.window, PSRM0).filter((r) => r.t > crashAt)).toHaveLength(after.length);
  });
});

describe('K-5, I-6: malformed PSRM messages naming a socket', () => {
  it('K-5, I-6: a malformed PSRM message naming the secondary is NACKed failed to its primary (which, not in set-up, ignores it); one naming the primary gives the socket up (replication error, queue pushed); one naming no socket is only traced (Stryker psrm.ts 396:38, 396:48, 399:9 ×3, 399:22, 401:66)', () => {
    const h = new Harness(nsrConfig({ durationNs: 600 * MS }), { checkers: false });
    h.runTo(200 * MS);
    const prim = h.rep(0);
    const sec = h.rep(1);
    const win = (handle: number): NsrMessage => ({ t: 'psrm.window', handle, space: 0, seq: 0 });
    h.writeRaw(0, 'send', 300 * MS, trailing(win(999)));
    h.writeRaw(0, 'send', 350 * MS, trailing(win(sec.handle)));
    h.writeRaw(1, 'send', 400 * MS, trailing(win(prim.handle)));
    h.finish();
    const bad = [...h.of(K.psrm.malformed, PSRM1), ...h.of(K.psrm.malformed, PSRM0)];
    expect(bad.map((r) => [r.t < 400 * MS ? 1 : 0, r.fields.handle])).toEqual([
      [1, 999],
      [1, sec.handle],
      [0, prim.handle],
    ]);
    expect(String(bad[0]?.fields.error)).toMatch(/trailing/);
    // (The socket is set up again afterwards: that ACK is OK.)
    const nacks = h.tx(1, 'psrm.ack').filter((r) => r.fields.reason !== 'ok');
    expect(nacks.map((r) => [r.fields.handle, r.fields.space, r.fields.reason])).toEqual([
      [prim.handle, 0, 'failed'],
    ]);
    expect(fieldsOf(h.of(K.psrm.ackUnexpected, PSRM0))).toEqual([
      { handle: prim.handle, reason: 'failed' },
    ]);
    const err = h.of(K.nsr.replicationError);
    expect(err.map((r) => [r.actor, r.fields.handle, String(r.fields.reason)])).toEqual([
      [PSRM0, prim.handle, expect.stringMatching(/^malformed PSRM message: .*trailing/)],
    ]);
    expect(h.of(K.prl.release, IHA0).map((r) => r.fields.mode)).toEqual(['push']);
  });
});

describe('M-3, M-7, M-4: local requests naming the wrong socket', () => {
  it('M-3, M-7, M-4: a window update or failover naming a primary or no socket, a window flush naming no socket, and a socket-option change naming a secondary or no socket do nothing (Stryker psrm.ts 232:30, 302:9 ×3, 302:30, 343:9 ×3, 343:30)', () => {
    const h = new Harness(
      nsrConfig({ durationNs: 500 * MS, opts: { socketOptionsDuringBulk: 'replicated' } }),
    );
    h.runTo(200 * MS);
    const prim = h.rep(0);
    const sec = h.rep(1);
    for (const handle of [prim.handle, 999]) {
      local(h, 0, 300 * MS, { type: 'psrm.window-update', handle });
      local(h, 0, 300 * MS, { type: 'psrm.failover', handle });
    }
    local(h, 1, 300 * MS, { type: 'psrm.window-flush', handle: 999 });
    for (const handle of [sec.handle, 999])
      local(h, 1, 300 * MS, {
        type: 'psrm.sockopt-set',
        handle,
        option: 'SO_RCVBUF',
        value: 99_000,
      });
    expect(h.finish()).toEqual([]);
    expect(h.tx(0, 'psrm.window')).toEqual([]);
    expect(h.of(K.psrm.sockopt)).toEqual([]);
    expect(h.tx(1, 'psrm.sockopt')).toEqual([]);
    expect(h.of(K.psrm.failover)).toEqual([]);
    expect([prim.role, prim.iha.active, prim.psrm.windowDirty]).toEqual(['primary', true, false]);
    expect([sec.role, sec.iha.active]).toEqual(['secondary', true]);
  });
});

describe('M-3, P-10: the primary recomputes its window on each update', () => {
  it("M-3, I-2: a window update is looked up by the primary's own handle only: one naming a number that is just its secondary's handle (the restarted backup numbers its sockets afresh) is ignored (Stryker psrm.ts 290:41)", () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 900 * MS,
        faults: [
          fault(300 * MS, { kind: 're-crash', target: 'backup' }),
          fault(400 * MS, { kind: 're-restart', target: 'backup' }),
        ],
      }),
    );
    h.runTo(700 * MS);
    const prim = h.rep(0);
    expect(prim.iha.active).toBe(true);
    expect(h.nsr(0).rep(prim.peerHandle)).toBeUndefined();
    h.sendVia(1, 750 * MS, { t: 'psrm.window', handle: prim.peerHandle, space: 1, seq: 0 });
    expect(h.finish()).toEqual([]);
    expect(h.rx(0, 'psrm.window').filter((r) => r.fields.space === 1)).toHaveLength(1);
    expect(h.of(K.psrm.window).filter((r) => r.fields.space === 1)).toEqual([]);
    expect(prim.prl.secSpace).not.toBe(1);
  });

  it('M-3, I-2: a window update naming a secondary or no socket is ignored: no window is recomputed (Stryker psrm.ts 291:30)', () => {
    const h = new Harness(nsrConfig({ durationNs: 400 * MS }));
    h.runTo(200 * MS);
    const sec = h.rep(1);
    h.sendVia(0, 300 * MS, () => ({ t: 'psrm.window', handle: sec.handle, space: 1, seq: 0 }));
    h.sendVia(0, 300 * MS, { t: 'psrm.window', handle: 999, space: 1, seq: 0 });
    expect(h.finish()).toEqual([]);
    expect(h.rx(1, 'psrm.window')).toHaveLength(2);
    expect(h.of(K.psrm.window).filter((r) => r.fields.space === 1)).toEqual([]);
    expect(sec.prl.secSpace).not.toBe(1);
  });

  it("P-10: each window update is traced on the primary with the session, the secondary's space it carried, and the common space, min(own space, the secondary's) (Stryker psrm.ts 293:35)", () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 400 * MS,
        peers: [
          peer('pa', {
            toRouter: traffic(200),
            routerRead: { chunkBytes: 700, intervalNs: 15 * MS },
          }),
        ],
      }),
    );
    const expected: Array<Record<string, unknown>> = [];
    h.world.sim.trace.addListener((r) => {
      if (r.kind !== K.psrm.window || r.actor !== PSRM0) return;
      const prim = h.rep(0);
      const space = r.fields.space as number;
      expect(prim.prl.common_rcvbufspc).toBe(Math.min(prim.conn.so_rcv.sbspace(), space));
      expected.push({ session: 'pa/0', space, common: prim.prl.common_rcvbufspc });
    });
    expect(h.finish()).toEqual([]);
    const sent = h.tx(1, 'psrm.window');
    expect(sent.length).toBeGreaterThan(5);
    const seen = h.of(K.psrm.window, PSRM0);
    expect(fieldsOf(seen)).toEqual(expected);
    expect(seen.map((r) => r.fields.space)).toEqual(sent.map((r) => r.fields.space));
  });
});

describe('M-7 replicated: what psrm.sockopt changes on the secondary', () => {
  it('M-7: a replicated SO_SNDBUF change sets the secondary so_snd and nothing else: so_rcv keeps its size and no window update is sent (its free space did not change) (Stryker psrm.ts 325:16, 336:9)', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 500 * MS,
        opts: { socketOptionsDuringBulk: 'replicated' },
        peers: [peer('pa', { toRouter: traffic(0) })],
      }),
    );
    h.runTo(200 * MS);
    const prim = h.rep(0);
    const sec = h.rep(1);
    const old = [sec.conn.so_rcv.hiwat, sec.conn.so_snd.hiwat];
    h.at(300 * MS, () => (prim.conn.so_snd.hiwat = 100_000));
    expect(h.finish()).toEqual([]);
    expect(fieldsOf(h.of(K.psrm.sockoptApplied, PSRM1))).toEqual([
      { session: 'pa/0', option: 'SO_SNDBUF', value: 100_000, was: old[1] },
    ]);
    expect([sec.conn.so_rcv.hiwat, sec.conn.so_snd.hiwat]).toEqual([old[0], 100_000]);
    expect(h.tx(1, 'psrm.window')).toEqual([]);
  });

  it("M-7, K-12 client-context: psrm.sockopt is sent from the application's setsockopt (wait_ok): written at once, not queued for the KKCM thread (Stryker psrm.ts 315:82)", () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 400 * MS,
        opts: { socketOptionsDuringBulk: 'replicated', kkcmSend: 'client-context' },
        peers: [peer('pa', { toRouter: traffic(0), fromRouter: traffic(0) })],
      }),
    );
    h.runTo(200 * MS);
    const prim = h.rep(0);
    h.at(300 * MS, () => (prim.conn.so_rcv.hiwat = 99_000));
    expect(h.finish()).toEqual([]);
    expect(h.tx(0, 'psrm.sockopt').map((r) => [r.fields.value, r.fields.direct])).toEqual([
      [99_000, true],
    ]);
    expect(h.rep(1).conn.so_rcv.hiwat).toBe(99_000);
  });
});

describe("M-1, M-3: the secondary's space from the PSRM ACK", () => {
  it("M-1, M-3, P-10: the primary's figure of the secondary's free space is the one the OK ACK carries: after a late join where the primary's SO_RCVBUF grew to 32 KB (not replicated, G-7), it is the new secondary's 8 KB buffer, not the primary's own space (Stryker psrm.ts 219:9 false, 219:9 !==, 219:24)", () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 900 * MS,
        router: { socketBufferBytes: 8192 },
        peers: [
          peer('pa', {
            toRouter: traffic(100),
            routerRead: {
              chunkBytes: 4096,
              intervalNs: 20 * MS,
              rcvbuf: { atNs: 300 * MS, bytes: 32768 },
            },
          }),
        ],
        faults: [
          fault(400 * MS, { kind: 're-crash', target: 'backup' }),
          fault(600 * MS, { kind: 're-restart', target: 'backup' }),
        ],
      }),
    );
    const atActive: Array<{ secSpace: number; ownSpace: number }> = [];
    h.world.sim.trace.addListener((r) => {
      if (r.kind !== K.iha.active || r.actor !== IHA0) return;
      const prim = h.rep(0);
      atActive.push({ secSpace: prim.prl.secSpace, ownSpace: prim.conn.so_rcv.sbspace() });
    });
    expect(h.finish()).toEqual([]);
    const ok = h.tx(1, 'psrm.ack').filter((r) => r.fields.reason === 'ok');
    expect(ok).toHaveLength(2);
    expect(atActive.map((a) => a.secSpace)).toEqual(ok.map((r) => r.fields.space));
    const late = atActive[1] as { secSpace: number; ownSpace: number };
    expect(late.secSpace).toBeLessThanOrEqual(8192);
    expect(late.ownSpace).toBeGreaterThan(8192);
  });
});

describe('M-3: when and from where each window-update option sends', () => {
  const run = (
    windowUpdate: 'immediate' | 'delack' | 'socket-timer' | 'global-timer',
    kkcmSend: 'queue' | 'client-context' = 'queue',
  ): TraceRecord[] => {
    const h = new Harness(
      nsrConfig({
        durationNs: 800 * MS,
        opts: { windowUpdate, kkcmSend },
        peers: [peer('pa', { sessions: 2, toRouter: traffic(100) })],
      }),
    );
    expect(h.finish(), windowUpdate).toEqual([]);
    return h.tx(1, 'psrm.window');
  };
  const instants = (win: TraceRecord[]): number => new Set(win.map((r) => r.t)).size;

  it("M-3 socket-timer: each socket's update leaves on its own timer, so two sockets read at different instants are never updated at the same one; global-timer's one sweep sends both at once (Stryker psrm.ts 248:7)", () => {
    const sock = run('socket-timer');
    expect(new Set(sock.map((r) => r.fields.handle)).size).toBe(2);
    expect(sock.length).toBeGreaterThan(10);
    expect(instants(sock)).toBe(sock.length);
    const glob = run('global-timer');
    expect(instants(glob)).toBeLessThan(glob.length);
  });

  it("M-3, K-12 client-context: only an immediate update is sent from the backup application's soreceive (wait_ok, written at once); one sent from a delack, socket or global timer is queued for the KKCM thread (Stryker psrm.ts 268:41)", () => {
    const imm = run('immediate', 'client-context');
    expect(imm.filter((r) => r.fields.direct === true).length).toBeGreaterThan(10);
    for (const wu of ['delack', 'socket-timer', 'global-timer'] as const) {
      const win = run(wu, 'client-context');
      expect(win.length, wu).toBeGreaterThan(5);
      expect(
        win.filter((r) => r.fields.direct !== undefined),
        wu,
      ).toEqual([]);
    }
  });
});

describe('M-3, I-5: no window update from a secondary failing over', () => {
  it('M-3 delack, I-5: a window flush that fires after IHA marked the secondary failing over (no longer active) and before PSRM made it the primary sends nothing (Stryker psrm.ts 274:9 false, 274:9 &&)', () => {
    // PSRM takes 150 ms to run the failover handler; the 100 ms delack timer fires meanwhile.
    const h = new Harness(
      nsrConfig({
        durationNs: 1 * SEC,
        opts: { windowUpdate: 'delack' },
        costs: { psrmNs: 150 * MS },
        peers: [peer('pa', { toRouter: traffic(200) })],
        faults: [fault(600 * MS, { kind: 'socket-failover', peer: 'pa', session: 0 })],
      }),
    );
    const atMark = { timer: -1, dirty: false };
    h.world.sim.trace.addListener((r) => {
      if (r.kind !== K.iha.failover || r.actor !== ACTOR.nsr(1, 'iha')) return;
      const sec = h.rep(1);
      [atMark.timer, atMark.dirty] = [sec.psrm.windowTimer, sec.psrm.windowDirty];
    });
    expect(h.finish()).toEqual([]);
    const mark = h.of(K.iha.failover, ACTOR.nsr(1, 'iha'));
    const done = h.of(K.psrm.failover, PSRM1);
    expect(mark).toHaveLength(1);
    expect(done).toHaveLength(1);
    const [from, to] = [(mark[0] as TraceRecord).t, (done[0] as TraceRecord).t];
    expect(to - from).toBe(150 * MS);
    // A flush was due in between: the timer was armed for a dirty window.
    expect(atMark.timer).toBeGreaterThanOrEqual(0);
    expect(atMark.dirty).toBe(true);
    expect(h.tx(1, 'psrm.window').filter((r) => r.t >= from)).toEqual([]);
    expect(h.tx(1, 'psrm.window').length).toBeGreaterThan(2);
  });
});

describe('M-7, I-5: no socket option applied to a secondary failing over', () => {
  it('M-7, I-5: psrm.sockopt reaching a secondary IHA marked failing over (no longer active, PSRM not yet run) is traced as unexpected and not applied (Stryker psrm.ts 321:9 &&)', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 1 * SEC,
        opts: { socketOptionsDuringBulk: 'replicated' },
        costs: { psrmNs: 150 * MS },
        faults: [fault(600 * MS, { kind: 'socket-failover', peer: 'pa', session: 0 })],
      }),
      { checkers: false },
    );
    const IHA1 = ACTOR.nsr(1, 'iha');
    h.runUntil(() => h.of(K.iha.failover, IHA1).length > 0, 900 * MS);
    const sec = h.rep(1);
    expect([sec.iha.active, sec.iha.failingOver]).toEqual([false, true]);
    const hiwat = sec.conn.so_rcv.hiwat;
    const msg: NsrMessage = {
      t: 'psrm.sockopt',
      handle: sec.handle,
      option: 'SO_RCVBUF',
      value: 99_000,
    };
    h.sendVia(0, h.now + 1 * MS, msg);
    h.finish();
    expect(h.of(K.psrm.failover, PSRM1)).toHaveLength(1);
    expect(fieldsOf(h.of(K.psrm.unexpected, PSRM1))).toEqual([
      { t: 'psrm.sockopt', handle: sec.handle },
    ]);
    expect(h.of(K.psrm.sockoptApplied)).toEqual([]);
    expect(sec.conn.so_rcv.hiwat).toBe(hiwat);
  });
});

describe('M-3 global-timer: a sweep covers only the sockets read since the last one', () => {
  it('M-3 global-timer: once the peer pb stops sending (so its backup application has nothing more to read), the sweeps pa keeps arming send no update for pb (Stryker psrm.ts 275:28)', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 900 * MS,
        opts: { windowUpdate: 'global-timer' },
        peers: [peer('pa', { toRouter: traffic(200) }), peer('pb', { toRouter: traffic(200) })],
      }),
    );
    h.at(
      400 * MS,
      () => ((h.cfg.peers[1] as (typeof h.cfg.peers)[number]).toRouter.ratePerSec = 0),
    );
    expect(h.finish()).toEqual([]);
    // Window updates name the primary's handle of their socket.
    const windows = (s: string): TraceRecord[] =>
      h.tx(1, 'psrm.window').filter((r) => r.fields.handle === h.rep(0, s).handle);
    expect(windows('pb/0').filter((r) => r.t < 400 * MS).length).toBeGreaterThan(3);
    expect(windows('pb/0').filter((r) => r.t > 500 * MS)).toEqual([]);
    expect(windows('pa/0').filter((r) => r.t > 500 * MS).length).toBeGreaterThan(3);
  });
});

describe('M-4: the failover handler transmits at once', () => {
  it('M-4: after a per-socket failover, data the peer never got (lost on the wire, the application silent since) is sent again as soon as the connection is steered to the new primary, not an initial RTO (1 s) later (Stryker psrm.ts 364:9 false, 364:9 skipTimers)', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 1400 * MS,
        peers: [
          peer('pa', {
            toRouter: traffic(0),
            fromRouter: traffic(200, 64, 4000),
            link: { latencyNs: 20 * MS, bandwidthBps: 100_000_000 },
          }),
        ],
        faults: [
          fault(940 * MS, { kind: 'wire-loss', peer: 'pa', loss: 1, durationNs: 80 * MS }),
          fault(1 * SEC, { kind: 'socket-failover', peer: 'pa', session: 0 }),
        ],
      }),
      { checkers: false },
    );
    h.at(
      945 * MS,
      () => ((h.cfg.peers[0] as (typeof h.cfg.peers)[number]).fromRouter.ratePerSec = 0),
    );
    let unacked = -1;
    h.world.sim.trace.addListener((r) => {
      // (PSRM traces its failover once the socket left the replicated table.)
      const c = h.world.res[1].session('pa/0')?.conn;
      if (r.kind === K.psrm.failover && c !== undefined) unacked = c.snd_max - c.snd_una;
    });
    h.finish();
    const fo = h.of(K.psrm.failover, PSRM1);
    expect(fo).toHaveLength(1);
    expect(unacked).toBeGreaterThan(0);
    const t = (fo[0] as TraceRecord).t;
    const resent = h.of(K.pfe.tx).filter((r) => r.fields.re === 1 && (r.fields.len as number) > 0);
    expect(resent.length).toBeGreaterThan(0);
    expect((resent[0] as TraceRecord).t - t).toBeLessThan(200 * MS);
  });

  it('M-4, F-4: a new primary with no application on its RE (the backup application never attached: a BGP speaker not snooping returns none) is not handed to IHA to be replicated again (Stryker psrm.ts 365:9)', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 1300 * MS,
        faults: [fault(1 * SEC, { kind: 'socket-failover', peer: 'pa', session: 0 })],
      }),
      { checkers: false },
    );
    h.runTo(900 * MS);
    h.rep(1).app = undefined;
    h.finish();
    expect(h.of(K.psrm.failover, PSRM1)).toHaveLength(1);
    expect(h.sends('iha.socket', PSRM1)).toEqual([]);
    expect(h.of(K.iha.setup, ACTOR.nsr(1, 'iha'))).toEqual([]);
    expect(h.nsr(1).bySession.has('pa/0')).toBe(false);
  });

  it("M-4 broken on purpose (mutant psrm-skip-failover-timers): with the peer's window shut and a full send buffer waiting, the failover handler leaves every timer unset, so nothing probes until the peer speaks (Stryker psrm.ts 364:9 true)", () => {
    // The peer reads 100 bytes a second: its window closes well before the failover.
    const h = new Harness(
      nsrConfig({
        durationNs: 1100 * MS,
        mutant: 'psrm-skip-failover-timers',
        peers: [
          peer('pa', {
            toRouter: traffic(0),
            fromRouter: traffic(200, 64, 4000),
            peerRead: { chunkBytes: 100, intervalNs: 1 * SEC },
          }),
        ],
        faults: [fault(1 * SEC, { kind: 'socket-failover', peer: 'pa', session: 0 })],
      }),
      { checkers: false },
    );
    const kinds = ['rexmt', 'persist', 'keep', '2msl', 'delack'] as const;
    const atEnd: { waiting: number; timers: string[] }[] = [];
    // The handler's last act hands the socket to IHA (iha.socket): the state it leaves.
    h.world.sim.trace.addListener((r) => {
      if (r.kind !== K.sim.send || r.actor !== PSRM1 || r.fields.type !== 'iha.socket') return;
      const c = h.world.res[1].session('pa/0')?.conn;
      if (c === undefined) return;
      atEnd.push({ waiting: c.so_snd.cc, timers: kinds.filter((k) => c.isTimerPending(k)) });
    });
    h.finish();
    expect(atEnd.map((e) => e.timers)).toEqual([[]]);
    expect(atEnd[0]?.waiting).toBeGreaterThan(0);
  });
});
