// Proves what KKCM does on its less travelled paths (SPEC K-1…K-13, G-8): construction, cleanup triggers that find KKCM half up or down and their reasons (a channel closing while the other RE is believed offline, or after the new master announced a switchover), RE1 connecting to an RE0 that is not configured or still holds the old channels, set-up only once both channels are established, a crashed RE's sender, undecodable input (a bare bad header, a typeless partial message under kkcm-partial-message-dispatch, malformed messages for an unregistered client), deferred cleanups against reads and resets already on their way, a read meant for a replaced socket, the periodic timer across a cleanup, wake-up costs by processing context, every message type's trace fields, client-context writes at the edge of so_snd, and the thread's per-message busy time.
import { describe, expect, it } from 'vitest';
import {
  PSRM_INIT_FIELDS,
  PSRM_STATE_FIELDS,
  encodeMessage,
  type NsrMessage,
  type PsrmInitFields,
  type PsrmStateFields,
} from '../../../model/nsr/wire.ts';
import { Kkcm, type KkcmMessage } from '../../../model/nsr/kkcm.ts';
import { MS, type ActorContext, type TraceRecord } from '../../../sim/index.ts';
import { ACTOR, K } from '../../../model/vocab.ts';
import { Harness, channelConn, fault, nsrConfig, peer, traffic, trailing } from './fixture.ts';

const KKCM0 = ACTOR.nsr(0, 'kkcm');
const KKCM1 = ACTOR.nsr(1, 'kkcm');
/** One session, no application traffic: only the set-up and periodic messages travel. */
const QUIET = [peer('pa', { toRouter: traffic(0), fromRouter: traffic(0) })];

/** Hands RE `re`'s KKCM `msg` at `atNs`, as its kernel or chassis would. */
function toKkcm(h: Harness, re: 0 | 1, atNs: number, msg: KkcmMessage): void {
  h.at(atNs, (ctx: ActorContext) => ctx.send(h.nsr(re).ids.kkcm, msg));
}

const timed = (recs: readonly TraceRecord[]): Array<[number, Record<string, unknown>]> =>
  recs.map((r) => [r.t, r.fields]);

describe('K-2: construction', () => {
  it('K-2: a KKCM refuses an address of the other RE that is not a 32-bit IPv4 address (Stryker kkcm.ts 104:5)', () => {
    const never = (): never => {
      throw new Error('not called at construction');
    };
    for (const bad of [-1, 2 ** 32, 1.5])
      expect(() => new Kkcm(never, never, bad, true), String(bad)).toThrow(
        /KKCM: address of the other RE/,
      );
    expect(() => new Kkcm(never, never, 0x8000_0001, true)).not.toThrow();
  });
});

describe('K-7: cleanup reasons of the less common triggers', () => {
  it('K-7: a channel that closes while the chassis last said the other RE is offline is cleaned up with reason ORE_DOWN (Stryker kkcm.ts 166:46, 167:87)', () => {
    // RE0 is told "other RE down" between its I/O-error cleanup and RE1's reconnection:
    // no channel then, so nothing to clean; RE1 reconnects and RE0 accepts (it listens
    // whatever the chassis says); RE1's own I/O error then resets both channels.
    const h = new Harness(
      nsrConfig({
        durationNs: 450 * MS,
        peers: QUIET,
        faults: [
          fault(300 * MS, { kind: 'kkcm-io-error', target: 're0' }),
          fault(400 * MS, { kind: 'kkcm-io-error', target: 're1' }),
        ],
      }),
      { checkers: false },
    );
    toKkcm(h, 0, 302 * MS, { type: 'kkcm.ore', up: false });
    h.finish();
    expect(h.of(K.kkcm.up, KKCM0).filter((r) => r.t > 302 * MS && r.t < 400 * MS)).toHaveLength(1);
    const closed = h.of(K.kkcm.channelClosed, KKCM0);
    expect(closed.map((r) => r.fields)).toEqual([{ ch: 'send', reason: 'reset' }]);
    expect(h.of(K.kkcm.cleanup, KKCM0).map((r) => [r.t, r.fields.reason])).toEqual([
      [300 * MS, 'IO_ERR'],
      [closed[0]?.t, 'ORE_DOWN'],
    ]);
    // Every client's cleanup handler gets that reason.
    expect(
      h
        .sends('nsr.cleanup', KKCM0)
        .filter((r) => r.t === closed[0]?.t)
        .map((r) => r.fields.to),
    ).toEqual(['iha', 'sdrl', 'psrm', 'prl'].map((c) => ACTOR.nsr(0, c as 'iha')));
    expect(h.of(K.iha.cleanup, ACTOR.nsr(0, 'iha')).map((r) => r.fields.reason)).toEqual([
      'IO_ERR',
      'ORE_DOWN',
    ]);
  });
});

describe('K-2, K-9: RE0 accepting a connection', () => {
  it('K-2, K-9: RE0 with NSR deconfigured aborts every connection RE1 opens: RE0 never comes up again, RE1 sees each one reset (Stryker kkcm.ts 207:15, 207:33)', () => {
    const h = new Harness(nsrConfig({ durationNs: 345 * MS, peers: QUIET }), {
      checkers: false,
    });
    toKkcm(h, 0, 300 * MS, { type: 'kkcm.configure', on: false });
    h.finish();
    expect(h.of(K.kkcm.cleanup, KKCM0).map((r) => [r.t, r.fields.reason])).toEqual([
      [300 * MS, 'NSR_DECONFIG'],
    ]);
    expect(h.of(K.kkcm.up, KKCM0).filter((r) => r.t >= 300 * MS)).toEqual([]);
    // RE1 retries every RECONNECT_PAUSE (10 ms); each attempt is reset by RE0.
    const re1 = h.of(K.kkcm.cleanup, KKCM1).filter((r) => r.t >= 300 * MS);
    expect(re1.length).toBeGreaterThanOrEqual(4);
    for (const r of re1) expect(r.fields.reason).toBe('IO_ERR');
    expect(h.nsr(0).kkcm.ready).toBe(false);
    expect([...h.nsr(0).clients.keys()]).toEqual([]);
  });

  it('K-2, K-7: RE1 restarted before RE0 noticed it was gone connects again: RE0 drops the old channels with IO_ERR before it accepts the new ones (Stryker kkcm.ts 212:15, 212:66)', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 380 * MS,
        peers: QUIET,
        faults: [
          fault(300 * MS, { kind: 're-crash', target: 'backup' }),
          fault(350 * MS, { kind: 're-restart', target: 'backup' }),
        ],
      }),
      { checkers: false },
    );
    h.finish();
    // No channel-closed: the crashed RE1 sent no reset, RE0's listener found the old socket.
    expect(h.of(K.kkcm.channelClosed, KKCM0)).toEqual([]);
    const c = h.of(K.kkcm.cleanup, KKCM0);
    expect(c.map((r) => r.fields.reason)).toEqual(['IO_ERR']);
    const up = h.of(K.kkcm.up, KKCM0).filter((r) => r.t > 350 * MS);
    expect(up).toHaveLength(1);
    expect(c[0]?.t).toBeGreaterThan(350 * MS);
    expect(c[0]?.id).toBeLessThan(up[0]?.id as number);
    expect(h.of(K.iha.cleanup, ACTOR.nsr(0, 'iha')).map((r) => r.fields.reason)).toEqual([
      'IO_ERR',
    ]);
  });
});

describe('K-5, G-8: what KKCM cannot decode', () => {
  it('K-5, G-8: under the kkcm-partial-message-dispatch mutant a bare 8-byte header handed over as a message has no type: KKCM cleans up with IO_ERR (Stryker kkcm.ts 507:34, 509:22, 510:11, 510:33, 511:22)', () => {
    const h = new Harness(
      nsrConfig({ durationNs: 400 * MS, peers: QUIET, mutant: 'kkcm-partial-message-dispatch' }),
      { checkers: false },
    );
    const whole = encodeMessage({ t: 'iha.start', handle: 4242, secondary: 7 }, 'ipc', 1);
    h.writeRaw(0, 'send', 300 * MS, whole.slice(0, 8));
    h.finish();
    const bad = h.of(K.kkcm.rxMalformed, KKCM1);
    expect(bad.map((r) => r.fields)).toEqual([
      {
        ch: 'send',
        len: 8,
        error: 'message of 8 bytes is shorter than header and handle',
        handle: -1,
      },
    ]);
    expect(h.of(K.kkcm.noClient, KKCM1)).toEqual([]);
    expect(timed(h.of(K.kkcm.cleanup, KKCM1))).toEqual([[bad[0]?.t, { reason: 'IO_ERR' }]]);
    expect(h.of(K.iha.cleanup, ACTOR.nsr(1, 'iha')).map((r) => r.fields.reason)).toEqual([
      'IO_ERR',
    ]);
    // K-8 statistics: a message naming no client is an I/O error of the RE that read it.
    expect([h.stats().kkcm?.re0?.ioErrors, h.stats().kkcm?.re1?.ioErrors]).toEqual([0, 1]);
  });

  it('K-5, G-8: under the kkcm-partial-message-dispatch mutant a whole message and the bare header of the next, read together, are both handed over: the first is delivered, the second (typeless) cleans up with IO_ERR (Stryker kkcm.ts 467:16)', () => {
    const h = new Harness(
      nsrConfig({ durationNs: 400 * MS, peers: QUIET, mutant: 'kkcm-partial-message-dispatch' }),
      { checkers: false },
    );
    const a = encodeMessage({ t: 'iha.start', handle: 4242, secondary: 7 }, 'ipc', 1);
    const b = encodeMessage({ t: 'iha.start', handle: 4343, secondary: 7 }, 'ipc', 1);
    const both = new Uint8Array(a.length + 8);
    both.set(a);
    both.set(b.subarray(0, 8), a.length);
    h.writeRaw(0, 'send', 300 * MS, both);
    h.finish();
    const rx = h.rx(1, 'iha.start').filter((r) => r.fields.handle === 4242);
    expect(rx).toHaveLength(1);
    const bad = h.of(K.kkcm.rxMalformed, KKCM1);
    expect(bad.map((r) => [r.t, r.fields.len])).toEqual([[rx[0]?.t, 8]]);
    expect(timed(h.of(K.kkcm.cleanup, KKCM1))).toEqual([[rx[0]?.t, { reason: 'IO_ERR' }]]);
  });

  it('K-5: a bad header is a framing error as soon as its 8 bytes are in, with nothing after it: IO_ERR cleanup (Stryker kkcm.ts 452:12)', () => {
    const h = new Harness(nsrConfig({ durationNs: 400 * MS, peers: QUIET }), {
      checkers: false,
    });
    h.writeRaw(0, 'recv', 300 * MS, new Uint8Array([0xff, 1, 0, 1, 0, 0, 0, 40]));
    h.finish();
    const fe = h.of(K.kkcm.framingError, KKCM1);
    expect(fe.map((r) => r.fields)).toEqual([{ ch: 'recv', error: 'unknown message type 255/1' }]);
    expect(timed(h.of(K.kkcm.cleanup, KKCM1))).toEqual([[fe[0]?.t, { reason: 'IO_ERR' }]]);
    expect(fe[0]?.t).toBeLessThan(301 * MS);
  });

  it('K-3, K-5: a malformed message for a client that is not registered is refused (kkcm.no-client with its type and handle), nobody is told (Stryker kkcm.ts 515:11, 515:29, 517:41, 517:67)', () => {
    const h = new Harness(nsrConfig({ durationNs: 400 * MS, peers: QUIET }), {
      checkers: false,
    });
    const iha1 = (): number => h.world.ids.get(ACTOR.nsr(1, 'iha')) as number;
    h.at(300 * MS, () => h.nsr(1).unregister('iha'));
    h.writeRaw(0, 'send', 300 * MS, trailing({ t: 'iha.start', handle: 4242, secondary: 7 }));
    h.at(350 * MS, () => expect(h.nsr(1).register('iha', iha1())).toBeUndefined());
    h.finish();
    expect(h.of(K.kkcm.rxMalformed, KKCM1)).toHaveLength(1);
    expect(h.of(K.kkcm.noClient, KKCM1).map((r) => r.fields)).toEqual([
      { t: 'iha.start', handle: 4242 },
    ]);
    expect(h.sends('nsr.malformed')).toEqual([]);
    expect(h.of(K.kkcm.cleanup)).toEqual([]);
  });

  it('K-3, K-5: a malformed TLV message whose handle cannot be read, for a client that is not registered, is refused with handle -1 (Stryker kkcm.ts 517:67, 517:84)', () => {
    const h = new Harness(nsrConfig({ durationNs: 400 * MS, peers: QUIET }), {
      checkers: false,
    });
    // The header of a TLV iha.start, then one TLV (tag 1, the handle) that runs past the end.
    const b = new Uint8Array(14);
    b.set(encodeMessage({ t: 'iha.start', handle: 1, secondary: 1 }, 'tlv', 1).subarray(0, 4));
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    dv.setUint32(4, b.length);
    dv.setUint16(8, 1);
    dv.setUint32(10, 0xffff);
    const iha1 = (): number => h.world.ids.get(ACTOR.nsr(1, 'iha')) as number;
    h.at(300 * MS, () => h.nsr(1).unregister('iha'));
    h.writeRaw(0, 'send', 300 * MS, b);
    h.at(350 * MS, () => expect(h.nsr(1).register('iha', iha1())).toBeUndefined());
    h.finish();
    expect(h.of(K.kkcm.rxMalformed, KKCM1).map((r) => r.fields.handle)).toEqual([-1]);
    expect(h.of(K.kkcm.noClient, KKCM1).map((r) => r.fields)).toEqual([
      { t: 'iha.start', handle: -1 },
    ]);
    expect(h.of(K.kkcm.cleanup)).toEqual([]);
  });
});

describe('K-7: cleanup triggers that find KKCM half up or down', () => {
  // RE1 opens both channels at 0 (K-2); they are established about 100 µs later.
  const HALF_UP = 50_000;

  for (const [what, msg, reason] of [
    ['a switchover', { type: 'kkcm.switchover' }, 'SWITCHOVER'],
    ['a channel I/O error', { type: 'kkcm.io-error', detail: 'test' }, 'IO_ERR'],
    ['the other RE offline', { type: 'kkcm.ore', up: false }, 'ORE_DOWN'],
  ] as const) {
    for (const kkcmChannels of ['two', 'one'] as const)
      it(`K-1, K-7: ${what} while RE1's channels (${kkcmChannels}) are still connecting cleans up with ${reason}: the half-open sockets are aborted, no client is told (none was initialized) (Stryker kkcm.ts 140:13, 143:35, 144:13, 193:14, 279:30, 280:12, 280:26, 280:33)`, () => {
        const h = new Harness(
          nsrConfig({ durationNs: 30 * MS, peers: QUIET, opts: { kkcmChannels } }),
          { checkers: false },
        );
        toKkcm(h, 1, HALF_UP, msg);
        h.finish();
        expect(timed(h.of(K.kkcm.cleanup, KKCM1))).toEqual([[HALF_UP, { reason }]]);
        expect(h.sends('nsr.cleanup')).toEqual([]);
        if (msg.type === 'kkcm.io-error')
          expect(h.of(K.kkcm.ioError, KKCM1).map((r) => r.fields)).toEqual([{ detail: 'test' }]);
        // The aborted connections never come up; RE1 connects again after its pause, unless
        // the other RE is offline.
        const up = h.of(K.kkcm.up, KKCM1).map((r) => r.t);
        if (reason === 'ORE_DOWN') expect(up).toEqual([]);
        else {
          expect(up).toHaveLength(1);
          expect(up[0]).toBeGreaterThan(HALF_UP + 10 * MS);
        }
      });

    it(`K-7: ${what} while KKCM has no channel at all changes nothing: no cleanup (Stryker kkcm.ts 140:13, 144:13, 193:14)`, () => {
      const h = new Harness(nsrConfig({ durationNs: 30 * MS, peers: QUIET }), {
        checkers: false,
      });
      // RE0 binds a channel only when it accepts it (K-2): nothing yet at 10 µs.
      toKkcm(h, 0, 10_000, msg);
      h.finish();
      expect(h.of(K.kkcm.cleanup)).toEqual([]);
      for (const re of [KKCM0, KKCM1]) expect(h.of(K.kkcm.up, re)).toHaveLength(1);
    });
  }
});

describe('K-2, K-9: configuration and connection set-up', () => {
  it('K-1, K-9: KKCM comes up (and initializes its clients) only once both channels are established, on each RE (Stryker kkcm.ts 264:26)', () => {
    const h = new Harness(nsrConfig({ durationNs: 10 * MS, peers: QUIET }), {
      checkers: false,
    });
    h.finish();
    for (const re of [0, 1] as const) {
      const est = h
        .of(K.tcp.state, ACTOR.re(re))
        .filter((r) => r.fields.to === 'ESTABLISHED' && /:700[12]\b/.test(String(r.fields.conn)));
      expect(est.map((r) => /:7001\b/.test(String(r.fields.conn)))).toEqual([true, false]);
      const up = h.of(K.kkcm.up, ACTOR.nsr(re, 'kkcm'));
      expect(up).toHaveLength(1);
      expect(up[0]?.id).toBeGreaterThan(est[1]?.id as number);
      const init = h.sends('nsr.init', ACTOR.nsr(re, 'kkcm'));
      for (const r of init) expect(r.id).toBeGreaterThan(est[1]?.id as number);
    }
  });

  it('K-7, K-9: NSR deconfigured twice in a row cleans up once; configured twice in a row connects once (Stryker kkcm.ts 177:38, 178:9)', () => {
    const h = new Harness(nsrConfig({ durationNs: 300 * MS, peers: QUIET }), {
      checkers: false,
    });
    for (const re of [0, 1] as const) {
      toKkcm(h, re, 100 * MS, { type: 'kkcm.configure', on: false });
      toKkcm(h, re, 150 * MS, { type: 'kkcm.configure', on: false });
      toKkcm(h, re, 200 * MS, { type: 'kkcm.configure', on: true });
      toKkcm(h, re, 250 * MS, { type: 'kkcm.configure', on: true });
    }
    h.finish();
    for (const k of [KKCM0, KKCM1]) {
      expect(timed(h.of(K.kkcm.configure, k)).map(([t, f]) => [t, f.on])).toEqual([
        [100 * MS, false],
        [150 * MS, false],
        [200 * MS, true],
        [250 * MS, true],
      ]);
      expect(timed(h.of(K.kkcm.cleanup, k))).toEqual([[100 * MS, { reason: 'NSR_DECONFIG' }]]);
      expect(h.of(K.kkcm.up, k).filter((r) => r.t > 100 * MS)).toHaveLength(1);
    }
  });

  it('K-2, K-9: RE1 with NSR deconfigured (RE0 still configured) never connects again, not even after its reconnect pause or when told RE0 is up (Stryker kkcm.ts 224:9)', () => {
    const h = new Harness(nsrConfig({ durationNs: 300 * MS, peers: QUIET }), {
      checkers: false,
    });
    toKkcm(h, 1, 100 * MS, { type: 'kkcm.configure', on: false });
    toKkcm(h, 1, 200 * MS, { type: 'kkcm.ore', up: true });
    h.finish();
    expect(timed(h.of(K.kkcm.cleanup, KKCM1))).toEqual([[100 * MS, { reason: 'NSR_DECONFIG' }]]);
    expect(h.of(K.kkcm.up).filter((r) => r.t > 100 * MS)).toEqual([]);
    expect(
      h.of(K.tcp.state, ACTOR.re(1)).filter((r) => r.t > 100 * MS && r.fields.to === 'SYN_SENT'),
    ).toEqual([]);
  });

  it('K-2: RE1 told the other RE is up during its reconnect pause connects at once; the pause then ends without a second connection (Stryker kkcm.ts 227:11)', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 300 * MS,
        peers: QUIET,
        faults: [fault(100 * MS, { kind: 'kkcm-io-error', target: 're1' })],
      }),
      { checkers: false },
    );
    toKkcm(h, 1, 105 * MS, { type: 'kkcm.ore', up: true });
    h.finish();
    const syn = h
      .of(K.tcp.state, ACTOR.re(1))
      .filter((r) => r.t > 100 * MS && r.fields.to === 'SYN_SENT');
    expect(syn.map((r) => r.t)).toEqual([105 * MS, 105 * MS]);
    for (const k of [KKCM0, KKCM1]) {
      expect(h.of(K.kkcm.cleanup, k).map((r) => r.fields.reason)).toEqual(['IO_ERR']);
      expect(h.of(K.kkcm.up, k).filter((r) => r.t > 100 * MS)).toHaveLength(1);
    }
  });

  it("K-9: a crashed RE's KKCM is no longer ready: its sender refuses with ENOTCONN (Stryker kkcm.ts 123:16, 124:20)", () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 300 * MS,
        peers: QUIET,
        faults: [fault(100 * MS, { kind: 're-crash', target: 'backup' })],
      }),
      { checkers: false },
    );
    const seen: Array<[boolean, string | undefined]> = [];
    for (const t of [50 * MS, 150 * MS])
      h.at(t, (ctx) => {
        const k = h.nsr(1).kkcm;
        seen.push([k.ready, k.send(ctx, { t: 'iha.failover', handle: 4242 })]);
      });
    h.finish();
    expect(seen).toEqual([
      [true, undefined],
      [false, 'ENOTCONN: KKCM channels are down'],
    ]);
  });
});

describe('K-7, K-13: what the thread finds when it wakes up', () => {
  /** A thread wake-up cost long enough to order events inside one. */
  const SWITCH_NS = 2 * MS;
  const deferred = (durationNs: number, faults: ReturnType<typeof fault>[] = []): Harness =>
    new Harness(
      nsrConfig({
        durationNs,
        peers: QUIET,
        opts: { kkcmCleanup: 'deferred' },
        costs: { kkcmSwitchNs: SWITCH_NS },
        faults,
      }),
      { checkers: false },
    );

  it('K-13 deferred: data that arrived before the cleanup was marked, read at a wake-up after the mark, is not handed to the client: the marked cleanup runs first (Stryker kkcm.ts 152:13)', () => {
    const h = deferred(150 * MS);
    // RE0's thread writes at 102 ms; RE1's read is due one wake-up later (~104.05 ms).
    h.sendVia(0, 100 * MS, { t: 'iha.start', handle: 4242, secondary: 7 });
    toKkcm(h, 1, 103 * MS, { type: 'kkcm.configure', on: false });
    h.finish();
    const mine = (r: TraceRecord): boolean => r.fields.handle === 4242;
    expect(
      h
        .of(K.kkcm.tx)
        .filter(mine)
        .map((r) => r.t),
    ).toEqual([100 * MS]);
    expect(h.rx(1, 'iha.start').filter(mine)).toEqual([]);
    const c = h.of(K.kkcm.cleanup, KKCM1);
    expect(c.map((r) => r.fields.reason)).toEqual(['NSR_DECONFIG']);
    // Before the wake-up the mark asked for (105 ms): at the read.
    expect(c[0]?.t).toBeGreaterThan(104 * MS);
    expect(c[0]?.t).toBeLessThan(105 * MS);
  });

  it('K-13 deferred: a channel reset seen after the cleanup was marked ends in the marked cleanup, with its reason, not in an IO_ERR one (Stryker kkcm.ts 165:13)', () => {
    const h = deferred(150 * MS, [fault(100 * MS, { kind: 'kkcm-io-error', target: 're0' })]);
    // RE0's reset reaches RE1 at ~100.07 ms; RE1's thread sees it one wake-up later.
    toKkcm(h, 1, 101 * MS, { type: 'kkcm.configure', on: false });
    h.finish();
    expect(h.of(K.kkcm.channelClosed, KKCM1)).toEqual([]);
    const c = h.of(K.kkcm.cleanup, KKCM1);
    expect(c.map((r) => r.fields.reason)).toEqual(['NSR_DECONFIG']);
    expect(c[0]?.t).toBeGreaterThan(102 * MS);
    expect(c[0]?.t).toBeLessThan(103 * MS);
  });
});

describe('K-5, K-10: a read the thread was woken for, after its socket was replaced', () => {
  it('K-5, K-7, K-10: data that landed on a channel socket a cleanup then dropped is never read; the wake-up already due when data lands on the new socket reads it (one wake-up serves all input pending, seed 002 §7)', () => {
    const W = 30 * MS; // the thread's wake-up: longer than RE1's reconnect pause (10 ms)
    const h = new Harness(
      nsrConfig({
        durationNs: 200 * MS,
        peers: QUIET,
        costs: { kkcmSwitchNs: W },
        faults: [fault(101 * MS, { kind: 'kkcm-io-error', target: 're1' })],
      }),
      { checkers: false },
    );
    // A lands on RE1's old send-side socket at ~100.05 ms: its read is due at ~130 ms, after
    // RE1's cleanup (101 ms) and reconnection (111 ms).
    h.writeRaw(
      0,
      'send',
      100 * MS,
      encodeMessage({ t: 'iha.start', handle: 4242, secondary: 7 }, 'ipc', 1),
    );
    // B lands on the new socket at ~115.05 ms: the thread, woken for A and due at ~130 ms,
    // reads it then (no second wake-up, which would read it at ~145 ms).
    h.writeRaw(
      0,
      'send',
      115 * MS,
      encodeMessage({ t: 'iha.start', handle: 4343, secondary: 7 }, 'ipc', 1),
    );
    h.finish();
    expect(timed(h.of(K.kkcm.cleanup, KKCM1))).toEqual([[101 * MS, { reason: 'IO_ERR' }]]);
    expect(
      h
        .of(K.kkcm.up, KKCM1)
        .filter((r) => r.t > 101 * MS)
        .map((r) => r.t)[0],
    ).toBeLessThan(115 * MS);
    const rx = (handle: number): number[] =>
      h
        .rx(1, 'iha.start')
        .filter((r) => r.fields.handle === handle)
        .map((r) => r.t);
    expect(rx(4242)).toEqual([]);
    const b = rx(4343);
    expect(b).toHaveLength(1);
    expect(b[0]).toBeGreaterThan(100 * MS + W);
    expect(b[0]).toBeLessThan(101 * MS + W);
  });
});

describe('K-13 deferred: several triggers before the thread wakes', () => {
  it('K-13 deferred: the first reason marked is the one the clients see; later triggers before the wake-up mark nothing (Stryker kkcm.ts 148:13, 577:9, 579:44)', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 150 * MS,
        peers: QUIET,
        opts: { kkcmCleanup: 'deferred' },
        costs: { kkcmSwitchNs: 2 * MS },
      }),
      { checkers: false },
    );
    toKkcm(h, 1, 100 * MS, { type: 'kkcm.configure', on: false });
    toKkcm(h, 1, 101 * MS, { type: 'kkcm.ore', up: false });
    toKkcm(h, 1, 101 * MS, { type: 'kkcm.switchover' });
    h.finish();
    expect(timed(h.of(K.kkcm.cleanupDeferred, KKCM1))).toEqual([
      [100 * MS, { reason: 'NSR_DECONFIG' }],
    ]);
    expect(timed(h.of(K.kkcm.cleanup, KKCM1))).toEqual([[102 * MS, { reason: 'NSR_DECONFIG' }]]);
    expect(h.of(K.iha.cleanup, ACTOR.nsr(1, 'iha')).map((r) => r.fields.reason)).toEqual([
      'NSR_DECONFIG',
    ]);
  });
});

describe('K-6, K-7: the periodic timer across a cleanup', () => {
  it('K-6, K-7: a cleanup stops the periodic timer: after the channels come back, each client gets exactly one periodic call per period, counted from the new kkcm.up (Stryker kkcm.ts 600:9)', () => {
    const period = 37 * MS;
    const h = new Harness(
      nsrConfig({
        durationNs: 400 * MS,
        peers: QUIET,
        timers: { kkcmPeriodNs: period },
        faults: [fault(100 * MS, { kind: 'kkcm-io-error', target: 're1' })],
      }),
      { checkers: false },
    );
    h.finish();
    for (const re of [0, 1] as const) {
      const ups = h.of(K.kkcm.up, ACTOR.nsr(re, 'kkcm')).map((r) => r.t);
      expect(ups).toHaveLength(2);
      const up = ups[1] as number;
      const ts = h
        .sends('nsr.periodic', ACTOR.nsr(re, 'kkcm'), ACTOR.nsr(re, 'iha'))
        .map((r) => r.t)
        .filter((t) => t > 100 * MS);
      expect(ts).toEqual(
        Array.from(
          { length: Math.floor((400 * MS - 1 - up) / period) },
          (_, i) => up + (i + 1) * period,
        ),
      );
    }
  });
});

describe('K-7: a switchover the new master announced', () => {
  it('K-7: after kkcm.expect-switchover a channel reset cleans up with SWITCHOVER; the expectation ends with that cleanup, and the next reset is an IO_ERR again (Stryker kkcm.ts 162:35, 167:22, 167:48, 167:63, 167:76, 597:31)', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 300 * MS,
        peers: QUIET,
        faults: [
          fault(100 * MS, { kind: 'kkcm-io-error', target: 're1' }),
          fault(200 * MS, { kind: 'kkcm-io-error', target: 're1' }),
        ],
      }),
      { checkers: false },
    );
    toKkcm(h, 0, 50 * MS, { type: 'kkcm.expect-switchover' });
    h.finish();
    expect(h.of(K.kkcm.channelClosed, KKCM0)).toHaveLength(2);
    expect(h.of(K.kkcm.cleanup, KKCM0).map((r) => r.fields.reason)).toEqual([
      'SWITCHOVER',
      'IO_ERR',
    ]);
    expect(h.of(K.iha.cleanup, ACTOR.nsr(0, 'iha')).map((r) => r.fields.reason)).toEqual([
      'SWITCHOVER',
      'IO_ERR',
    ]);
  });
});

describe('K-4, K-10: wake-up costs by processing context', () => {
  const SWITCH_NS = 30_000;
  const INTERRUPT_NS = 7_000;
  const run = (kkcmContext: 'thread' | 'interrupt'): Harness => {
    const h = new Harness(
      nsrConfig({
        durationNs: 120 * MS,
        peers: QUIET,
        opts: { kkcmContext },
        costs: { kkcmSwitchNs: SWITCH_NS, kkcmInterruptNs: INTERRUPT_NS },
      }),
      { checkers: false },
    );
    // Two messages handed over at one instant: one wake-up of the thread writes both.
    h.at(100 * MS, (ctx) => {
      for (const handle of [4242, 4243])
        expect(h.nsr(0).kkcm.send(ctx, { t: 'iha.start', handle, secondary: 7 })).toBe(undefined);
    });
    h.finish();
    return h;
  };
  const delays = (h: Harness, type: string, from?: string): unknown[] => [
    ...new Set(h.sends(type, from).map((r) => r.fields.delayNs)),
  ];

  it('K-4, K-10 thread: a wake-up (to write, or to read what landed) costs kkcmSwitch; the thread hands a client its message at once; one wake-up serves every message handed over before it (Stryker kkcm.ts 252:11, 252:43, 376:7, 382:9, 383:18, 501:18)', () => {
    const h = run('thread');
    expect(h.sends('kkcm.wake', 'test').map((r) => [r.t, r.fields.delayNs])).toEqual([
      [100 * MS, SWITCH_NS],
    ]);
    // RE1's thread is woken to read what landed at the same cost (no separate read event).
    expect(delays(h, 'kkcm.wake', KKCM1)).toEqual([SWITCH_NS]);
    expect(delays(h, 'kkcm.wake')).toEqual([SWITCH_NS]);
    expect(delays(h, 'nsr.deliver')).toEqual([undefined]);
    const rx = h.rx(1, 'iha.start').filter((r) => r.t >= 100 * MS);
    expect(rx.map((r) => r.fields.handle)).toEqual([4242, 4243]);
  });

  it('K-4, K-10 thread: the ACK that frees so_snd wakes no thread with nothing queued (it sleeps on so_snd only while output waits, seed 002 §7 step 4), and RE1 is woken once to read both messages', () => {
    const h = run('thread');
    const wakes = (kkcm: string): number[] =>
      h
        .sends('kkcm.wake', undefined, kkcm)
        .filter((r) => r.t >= 100 * MS)
        .map((r) => r.t);
    expect(wakes(KKCM0)).toEqual([100 * MS]);
    expect(wakes(KKCM1)).toHaveLength(1);
  });

  it('K-4, K-10 interrupt: a wake-up costs kkcmInterrupt; input runs where the data landed (no deferred read) and hands the client its message after kkcmInterrupt (Stryker kkcm.ts 252:11, 252:43, 376:7, 501:18)', () => {
    const h = run('interrupt');
    expect(h.sends('kkcm.wake', 'test').map((r) => [r.t, r.fields.delayNs])).toEqual([
      [100 * MS, INTERRUPT_NS],
    ]);
    expect(delays(h, 'kkcm.wake')).toEqual([INTERRUPT_NS]);
    expect(delays(h, 'nsr.deliver')).toEqual([INTERRUPT_NS]);
    const rx = h.rx(1, 'iha.start').filter((r) => r.t >= 100 * MS);
    expect(rx.map((r) => r.fields.handle)).toEqual([4242, 4243]);
  });
});

describe('K-8: what the trace says of each message', () => {
  const U = 0x01020304;
  const fields = Object.fromEntries(PSRM_INIT_FIELDS.map((n) => [n, 1])) as PsrmInitFields;
  const state = Object.fromEntries(PSRM_STATE_FIELDS.map((n) => [n, 1])) as PsrmStateFields;
  const none = new Uint8Array(0);
  /** One message of every type, and the identifying fields its kkcm.tx and kkcm.rx carry. */
  const EACH: Array<[NsrMessage, Record<string, unknown>]> = [
    [
      {
        t: 'prl.replicate',
        handle: 9001,
        seq: 3,
        primarySpace: 1000,
        iif: 0,
        packet: new Uint8Array(48),
      },
      { seq: 3, bytes: 48 },
    ],
    [
      { t: 'prl.ack', handle: 9002, seq: 4, space: 900, reason: 'ok' },
      { seq: 4, space: 900, reason: 'ok' },
    ],
    [
      { t: 'psrm.ack', handle: 9003, space: 800, reason: 'failed' },
      { space: 800, reason: 'failed' },
    ],
    [{ t: 'psrm.window', handle: 9004, space: 700, seq: 2 }, { space: 700 }],
    [
      { t: 'psrm.sockopt', handle: 9005, option: 'SO_RCVBUF', value: 4096 },
      { option: 'SO_RCVBUF', value: 4096 },
    ],
    [
      {
        t: 'sdrl.data',
        handle: 9006,
        offset: U,
        snd_nxt: U,
        snd_up: U,
        urgent: false,
        data: new Uint8Array(16),
      },
      { offset: U, bytes: 16 },
    ],
    [
      { t: 'sdrl.ack', handle: 9007, offset: U, reason: 'ok' },
      { offset: U, reason: 'ok' },
    ],
    [
      {
        t: 'iha.mirror',
        handle: 9008,
        laddr: U,
        lport: 179,
        faddr: U,
        fport: 20000,
        rtbl: 0,
        session: 'pa/9',
      },
      { session: 'pa/9' },
    ],
    [
      { t: 'iha.ready', handle: 9009, secondary: 5, reason: 'ok' },
      { secondary: 5, reason: 'ok' },
    ],
    [{ t: 'iha.start', handle: 9010, secondary: 6 }, { secondary: 6 }],
    [{ t: 'iha.error', handle: 9011, reason: 'failed' }, { reason: 'failed' }],
    [
      {
        t: 'psrm.replicate',
        handle: 9012,
        fields,
        state,
        rcvData: none,
        sndData: none,
        rcvOoo: none,
        md5Key: none,
      },
      {},
    ],
    [{ t: 'iha.failover', handle: 9013 }, {}],
  ];

  it('K-8: every message type is traced on send (kkcm.tx) and on receipt (kkcm.rx) with its channel, type, handle, length and its own identifying fields, never the payload (Stryker kkcm.ts 646-666)', () => {
    const h = new Harness(nsrConfig({ durationNs: 250 * MS, peers: QUIET }), {
      checkers: false,
    });
    // RE1's clients unregister first: RE1's KKCM traces each message and refuses it.
    const CLIENTS = ['iha', 'sdrl', 'psrm', 'prl'] as const;
    h.at(200 * MS, () => {
      for (const c of CLIENTS) h.nsr(1).unregister(c);
    });
    for (const [msg] of EACH) h.sendVia(0, 200 * MS, msg);
    h.finish();
    const mine = (r: TraceRecord): boolean => (r.fields.handle as number) > 9000;
    const tx = h.of(K.kkcm.tx).filter(mine);
    const rx = h.rx(1).filter(mine);
    const expected = EACH.map(([msg, summary]) => ({
      ch: msg.t.startsWith('prl.') ? 'recv' : 'send',
      t: msg.t,
      handle: msg.handle,
      len: encodeMessage(msg, 'ipc', 1).length,
      ...summary,
    }));
    expect(tx.map((r) => r.fields)).toEqual(expected);
    // Received in order per channel: PRL's on the receive-side one, the rest on the other.
    const byCh = (ch: string) => expected.filter((e) => e.ch === ch);
    const got = (ch: string) => rx.filter((r) => r.fields.ch === ch).map((r) => r.fields);
    for (const ch of ['send', 'recv'])
      expect(got(ch)).toEqual(byCh(ch).map((e) => ({ ...e, version: 1 })));
    expect(h.of(K.kkcm.noClient, KKCM1).filter(mine)).toHaveLength(EACH.length);
  });
});

/** An SDRL data message of `bytes` zero bytes for `handle` (send-side channel, K-1). */
function sdrlData(handle: number, bytes: number): NsrMessage {
  return {
    t: 'sdrl.data',
    handle,
    offset: 0,
    snd_nxt: 0,
    snd_up: 0,
    urgent: false,
    data: new Uint8Array(bytes),
  };
}

describe('K-12, G-8: writing from the client context', () => {
  const len = (m: NsrMessage): number => encodeMessage(m, 'ipc', 1).length;

  it('K-12: with client-context sending, a message handed over without wait_ok is queued for the thread, however much room so_snd has (Stryker kkcm.ts 291:57)', () => {
    const h = new Harness(
      nsrConfig({ durationNs: 150 * MS, peers: QUIET, opts: { kkcmSend: 'client-context' } }),
      { checkers: false },
    );
    h.sendVia(0, 100 * MS, sdrlData(9210, 100));
    h.finish();
    const tx = h
      .of(K.kkcm.tx)
      .filter((r) => r.fields.handle === 9210 && r.fields.t === 'sdrl.data');
    expect(tx.map((r) => r.fields.direct)).toEqual([undefined]);
    expect(h.sends('kkcm.wake', 'test').map((r) => r.t)).toEqual([100 * MS]);
    expect(h.rx(1, 'sdrl.data').filter((r) => r.fields.handle === 9210)).toHaveLength(1);
  });

  it('K-12: a wait_ok message that fits so_snd exactly is written by the client itself; the next one, with no room left, falls back to the queue (Stryker kkcm.ts 364:52)', () => {
    const h = new Harness(
      nsrConfig({ durationNs: 150 * MS, peers: QUIET, opts: { kkcmSend: 'client-context' } }),
      { checkers: false },
    );
    const a = sdrlData(9201, 100);
    const b = sdrlData(9202, 100);
    const room: number[] = [];
    h.at(100 * MS, (ctx) => {
      const conn = channelConn(h.world, 0, 'send');
      if (conn === undefined) throw new Error('no send-side channel on re0');
      // A well-framed message of its own leaves exactly len(a) bytes of room in so_snd.
      const filler = encodeMessage(sdrlData(9200, 0), 'ipc', 1).length;
      const fill = encodeMessage(sdrlData(9200, conn.writable - len(a) - filler), 'ipc', 1);
      expect(conn.write(fill)).toBe(fill.length);
      room.push(conn.writable);
      expect(h.nsr(0).kkcm.send(ctx, a, true)).toBeUndefined();
      room.push(conn.writable);
      expect(h.nsr(0).kkcm.send(ctx, b, true)).toBeUndefined();
    });
    h.finish();
    expect(room).toEqual([len(a), 0]);
    const tx = h
      .of(K.kkcm.tx)
      .filter((r) => r.fields.t === 'sdrl.data' && (r.fields.handle as number) > 9200);
    expect(tx.map((r) => [r.fields.handle, r.fields.direct ?? false])).toEqual([
      [9201, true],
      [9202, false],
    ]);
    // Both arrive, in the order they were handed over (G-8).
    expect(
      h
        .rx(1, 'sdrl.data')
        .map((r) => r.fields.handle)
        .filter((x) => (x as number) > 9200),
    ).toEqual([9201, 9202]);
  });
});

describe('K-4: the KKCM thread writing its queue', () => {
  const SWITCH = 20_000;
  const T = 100 * MS;
  const ack = (handle: number): NsrMessage => ({
    t: 'prl.ack',
    handle,
    seq: 1,
    space: 1000,
    reason: 'ok',
  });
  const L = encodeMessage(ack(1), 'ipc', 1).length;

  /**
   * A quiet world with kkcmPerMessage `perMessage`: at T so_snd of RE0's receive-side
   * channel is filled (with a well-framed message) up to room for two ACKs and 5 bytes of a
   * third, and four ACKs are handed to KKCM. The wake-up at T + SWITCH writes two of them
   * and part of the third.
   */
  function squeezed(perMessage: number): Harness {
    const h = new Harness(
      nsrConfig({
        durationNs: 300 * MS,
        peers: QUIET,
        costs: { kkcmPerMessageNs: perMessage, kkcmSwitchNs: SWITCH },
      }),
      { checkers: false },
    );
    h.at(T, (ctx) => {
      const conn = channelConn(h.world, 0, 'recv');
      if (conn === undefined) throw new Error('no receive-side channel on re0');
      const rep = (n: number): NsrMessage => ({
        t: 'prl.replicate',
        handle: 9300,
        seq: 1,
        primarySpace: 1,
        iif: 0,
        packet: new Uint8Array(n),
      });
      const base = encodeMessage(rep(0), 'ipc', 1).length;
      const fill = encodeMessage(rep(conn.writable - (2 * L + 5) - base), 'ipc', 1);
      expect(conn.write(fill)).toBe(fill.length);
      for (const handle of [9301, 9302, 9303, 9304])
        expect(h.nsr(0).kkcm.send(ctx, ack(handle))).toBeUndefined();
    });
    return h;
  }
  const received = (h: Harness): unknown[] =>
    h
      .rx(1, 'prl.ack')
      .map((r) => r.fields.handle)
      .filter((x) => (x as number) > 9300);

  it('K-4: a batch that leaves messages queued (so_snd full) keeps the thread busy kkcmPerMessage per message written: room freed meanwhile wakes nothing; an emptied queue leaves the thread free, and the next message wakes it at once (Stryker kkcm.ts 419:9, 429:7, 430:7, 431:7, 432:7, 433:20)', () => {
    const PER_MESSAGE = 200_000;
    const h = squeezed(PER_MESSAGE);
    // Later, with everything written: two messages 30 µs apart, each waking the thread.
    h.sendVia(0, 200 * MS, ack(9305));
    h.sendVia(0, 200 * MS + 30_000, ack(9306));
    h.finish();
    // The thread is busy for 2 × kkcmPerMessage after the wake-up at T + SWITCH. The ACKs
    // RE1's TCP returns meanwhile (from ~T + 124 µs) free room, but wake nothing: the next
    // wake-up sent is after the busy time.
    const busyUntil = T + SWITCH + 2 * PER_MESSAGE;
    const own = h.sends('kkcm.wake', KKCM0).filter((r) => r.t > T && r.t < 200 * MS);
    expect(own.length).toBeGreaterThan(0);
    expect(own[0]?.t).toBeGreaterThanOrEqual(busyUntil);
    expect(received(h)).toEqual([9301, 9302, 9303, 9304, 9305, 9306]);
    expect(
      h
        .sends('kkcm.wake', 'test')
        .filter((r) => r.t >= 200 * MS)
        .map((r) => r.t),
    ).toEqual([200 * MS, 200 * MS + 30_000]);
  });

  it('K-4: with kkcmPerMessage 0 a batch that leaves messages queued leaves the thread free: a message handed over right after it (same instant) wakes the thread (Stryker kkcm.ts 431:7)', () => {
    const h = squeezed(0);
    // Scheduled from T + 10 µs, so it runs at T + SWITCH right after the thread's batch.
    h.at(T + 10_000, () => h.sendVia(0, T + SWITCH, () => ack(9305)));
    h.finish();
    expect(
      h
        .sends('kkcm.wake', 'test')
        .filter((r) => r.t > T)
        .map((r) => r.t),
    ).toEqual([T + SWITCH]);
    expect(received(h)).toEqual([9301, 9302, 9303, 9304, 9305]);
  });
});

describe('K-4: output that waits for room in so_snd', () => {
  /** 20 messages of 8 KB each, more than one channel's so_snd holds. */
  const N = 20;
  const big = (t: 'sdrl.data' | 'prl.replicate', i: number): NsrMessage =>
    t === 'sdrl.data'
      ? sdrlData(9300 + i, 8000)
      : { t, handle: 9300 + i, seq: 1, primarySpace: 1, iif: 0, packet: new Uint8Array(8000) };

  // SDRL's messages go on the send-side channel, PRL's on the receive-side one (K-1).
  it.each(['sdrl.data', 'prl.replicate'] as const)(
    'K-4: %s messages that so_snd could not take at once are written when the ACKs free room: the writable upcall wakes the thread while output waits on either channel (issue 18: it wakes it only then)',
    (t) => {
      // No per-message busy time: the thread does not wake itself to go on writing. Input
      // in the upcall context: RE1's replies (ACKs) do not wake RE0's thread either.
      const h = new Harness(
        nsrConfig({
          durationNs: 150 * MS,
          peers: QUIET,
          opts: { kkcmContext: 'interrupt' },
          costs: { kkcmPerMessageNs: 0 },
        }),
        { checkers: false },
      );
      h.at(100 * MS, (ctx) => {
        for (let i = 0; i < N; i++) expect(h.nsr(0).kkcm.send(ctx, big(t, i))).toBe(undefined);
      });
      h.finish();
      const got = h
        .rx(1, t)
        .filter((r) => (r.fields.handle as number) >= 9300)
        .map((r) => r.fields.handle);
      expect(got).toEqual(Array.from({ length: N }, (_, i) => 9300 + i));
      // Only the hand-over woke RE0's thread from outside it; the rest were the ACKs' upcalls.
      expect(h.sends('kkcm.wake', 'test').map((r) => r.t)).toEqual([100 * MS]);
      expect(h.sends('kkcm.wake', KKCM0).length).toBeGreaterThan(0);
    },
  );
});

describe('K-5, K-7, K-10: what one wake-up of the thread does first', () => {
  it('K-5, K-7: data that landed before the channel was reset is read before the cleanup, even while the thread was busy writing when it landed (seed 002 §7 step 5)', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 200 * MS,
        peers: QUIET,
        faults: [fault(100 * MS + 30_000, { kind: 'kkcm-io-error', target: 're0' })],
      }),
      { checkers: false },
    );
    // RE1's thread is busy writing 200 messages (kkcmPerMessage each) when RE0's lands.
    h.at(100 * MS, (ctx) => {
      for (let i = 0; i < 200; i++)
        expect(h.nsr(1).kkcm.send(ctx, sdrlData(9300 + i, 1000))).toBe(undefined);
    });
    h.sendVia(0, 100 * MS, { t: 'iha.start', handle: 4242, secondary: 7 });
    h.finish();
    const cleanup = h.of(K.kkcm.cleanup, KKCM1).map((r) => r.t);
    expect(cleanup).toHaveLength(1);
    const rx = h
      .rx(1, 'iha.start')
      .filter((r) => r.fields.handle === 4242)
      .map((r) => r.t);
    expect(rx).toEqual(cleanup);
    expect(h.of(K.kkcm.channelClosed, KKCM1).map((r) => r.t)).toEqual(cleanup);
  });

  it('K-5, K-7: a wake-up reads before it writes: a framing error in what landed cleans up before the message queued behind the same wake-up is written', () => {
    const h = new Harness(nsrConfig({ durationNs: 200 * MS, peers: QUIET }), {
      checkers: false,
    });
    // A bad header lands on RE1 at ~100.05 ms and its wake-up is due ~20 µs later; RE1's
    // IHA hands KKCM a message in between, which waits for that same wake-up.
    h.writeRaw(0, 'send', 100 * MS, new Uint8Array([0xff, 1, 0, 1, 0, 0, 0, 40]));
    h.sendVia(1, 100 * MS + 60_000, { t: 'iha.start', handle: 4343, secondary: 7 });
    h.finish();
    const fe = h.of(K.kkcm.framingError, KKCM1).map((r) => r.t);
    expect(fe).toHaveLength(1);
    expect(fe[0]).toBeGreaterThan(100 * MS + 60_000);
    expect(h.of(K.kkcm.tx).filter((r) => r.fields.handle === 4343)).toHaveLength(1);
    expect(h.rx(0, 'iha.start').filter((r) => r.fields.handle === 4343)).toEqual([]);
  });
});

describe('K-7, K-10: upcalls of a socket KKCM let go', () => {
  it('K-7: cleanup unhooks a channel socket before it replaces the channel; an upcall of the old socket would be a bug, refused by an assertion', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 200 * MS,
        peers: QUIET,
        faults: [fault(100 * MS, { kind: 'kkcm-io-error', target: 're1' })],
      }),
      { checkers: false },
    );
    let upcall: (() => void) | undefined;
    h.at(50 * MS, () => {
      upcall = channelConn(h.world, 1, 'send')?.onReadable;
    });
    // RE1 cleaned up at 100 ms and connected again at 110 ms: the old socket's upcall is
    // unhooked, and calling the one kept aside is what a missing unhook would do.
    h.at(150 * MS, () => {
      expect(channelConn(h.world, 1, 'send')?.onReadable).not.toBe(upcall);
      upcall?.();
    });
    expect(upcall).toBe(undefined);
    expect(() => h.finish()).toThrow(/KKCM send: an upcall of a replaced socket/);
    expect(upcall).toBeTypeOf('function');
  });
});
