// Proves SPEC K-3 and K-13: clients register in their init routine and unregister in their cleanup (seed 002 §7.1), so none is registered between a cleanup and the next init and a message for an unregistered client is refused (kkcm.no-client) instead of handled; with kkcmCleanup immediate (default) a trigger cleans up at once, with deferred (§7.2b(6)) it only marks KKCM and the cleanup runs at the thread's next wake-up, the channels carrying messages until then.
import { describe, expect, it } from 'vitest';
import type { NsrOptions } from '../../../model/nsr/options.ts';
import { MS, SEC, type TraceRecord } from '../../../sim/index.ts';
import { ACTOR, K } from '../../../model/vocab.ts';
import { Harness, fault, nsrConfig, peer, traffic } from './fixture.ts';

type Cleanup = NsrOptions['kkcmCleanup'];
const CLIENTS = ['iha', 'sdrl', 'psrm', 'prl'] as const;

/** A thread wake-up cost long enough to see what happens while a cleanup is deferred. */
const SWITCH_NS = 2 * MS;

/** NSR deconfigured at 500 ms and configured again at 1 s, traffic both ways. */
function deconfig(cleanup: Cleanup): Harness {
  return new Harness(
    nsrConfig({
      durationNs: 2 * SEC,
      opts: { kkcmCleanup: cleanup },
      costs: { kkcmSwitchNs: SWITCH_NS },
      peers: [peer('pa', { toRouter: traffic(400), fromRouter: traffic(400) })],
      faults: [fault(500 * MS, { kind: 'nsr-deconfig' }), fault(1 * SEC, { kind: 'nsr-reconfig' })],
    }),
  );
}

describe('K-3: registration follows init and cleanup (seed 002 §7.1)', () => {
  for (const mode of ['immediate', 'deferred'] as const) {
    it(`K-3 (${mode}): all four clients are registered while KKCM runs, none after the cleanup, all four again after the next init, to the same actors`, () => {
      const h = deconfig(mode);
      const seen: Array<[number, 0 | 1, string[]]> = [];
      for (const t of [400 * MS, 700 * MS, 1500 * MS])
        h.at(t, () => {
          for (const re of [0, 1] as const) seen.push([t, re, [...h.nsr(re).clients.keys()]]);
        });
      expect(h.finish()).toEqual([]);
      const four = [...CLIENTS];
      expect(seen).toEqual([
        [400 * MS, 0, four],
        [400 * MS, 1, four],
        [700 * MS, 0, []],
        [700 * MS, 1, []],
        [1500 * MS, 0, four],
        [1500 * MS, 1, four],
      ]);
      for (const re of [0, 1] as const)
        for (const c of CLIENTS)
          expect(h.nsr(re).clients.get(c)).toBe(h.world.ids.get(ACTOR.nsr(re, c)));
    });
  }

  it('K-3: a message for a client that is not registered is refused (kkcm.no-client), never handed to it; once registered again it is handled', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 1 * SEC,
        peers: [peer('pa', { toRouter: traffic(400) })],
      }),
    );
    // RE0's PSRM unregisters (as its cleanup handler would) for 100 ms, then registers.
    h.at(300 * MS, () => h.nsr(0).unregister('psrm'));
    h.at(400 * MS, () => {
      const err = h.nsr(0).register('psrm', h.world.ids.get(ACTOR.nsr(0, 'psrm')) as number);
      if (err !== undefined) throw new Error(err);
    });
    h.finish();
    const inGap = (r: TraceRecord): boolean => r.t > 300 * MS && r.t < 400 * MS;
    const refused = h.of(K.kkcm.noClient, ACTOR.nsr(0, 'kkcm'));
    expect(refused.length).toBeGreaterThan(5);
    for (const r of refused) {
      expect(inGap(r)).toBe(true);
      expect(r.fields.t).toBe('psrm.window');
    }
    const delivered = h.sends('nsr.deliver', ACTOR.nsr(0, 'kkcm'), ACTOR.nsr(0, 'psrm'));
    expect(delivered.filter(inGap)).toEqual([]);
    expect(delivered.filter((r) => r.t > 400 * MS).length).toBeGreaterThan(5);
    expect(h.of(K.psrm.window, ACTOR.nsr(0, 'psrm')).filter(inGap)).toEqual([]);
  });
});

describe('K-13: cleanup timing', () => {
  it('K-13 immediate (default): NSR deconfig cleans KKCM up at the instant of the trigger; nothing is sent after it until the next init', () => {
    const h = deconfig('immediate');
    expect(h.finish()).toEqual([]);
    expect(h.of(K.kkcm.cleanupDeferred)).toEqual([]);
    for (const re of [0, 1] as const) {
      const c = h.of(K.kkcm.cleanup, ACTOR.nsr(re, 'kkcm'));
      expect(c.map((r) => [r.t, r.fields.reason])).toEqual([[500 * MS, 'NSR_DECONFIG']]);
      const up = h.of(K.kkcm.up, ACTOR.nsr(re, 'kkcm')).filter((r) => r.t > 500 * MS)[0];
      const between = h.tx(re).filter((r) => r.t > 500 * MS && r.t < (up?.t ?? 0));
      expect(between).toEqual([]);
    }
  });

  it('K-13 deferred (§7.2b(6)): the trigger only marks KKCM; the cleanup runs at the next wake-up (one already due, or one wake-up cost later), and until then KKCM is up and takes messages', () => {
    const h = deconfig('deferred');
    const ready: Array<[0 | 1, boolean, string | undefined]> = [];
    h.at(500 * MS + 10_000, (ctx) => {
      for (const re of [0, 1] as const) {
        const k = h.nsr(re).kkcm;
        const err = k.send(ctx, { t: 'iha.start', handle: 999, secondary: 999 });
        ready.push([re, k.ready, err]);
      }
    });
    expect(h.finish()).toEqual([]);
    expect(ready).toEqual([
      [0, true, undefined],
      [1, true, undefined],
    ]);
    for (const re of [0, 1] as const) {
      const marked = h.of(K.kkcm.cleanupDeferred, ACTOR.nsr(re, 'kkcm'));
      expect(marked.map((r) => [r.t, r.fields.reason])).toEqual([[500 * MS, 'NSR_DECONFIG']]);
      const c = h.of(K.kkcm.cleanup, ACTOR.nsr(re, 'kkcm'));
      expect(c.map((r) => r.fields.reason)).toEqual(['NSR_DECONFIG']);
      const at = (c[0] as TraceRecord).t;
      // At the thread's next wake-up: no later than one wake-up cost after the mark.
      expect(at).toBeGreaterThan(500 * MS);
      expect(at).toBeLessThanOrEqual(500 * MS + SWITCH_NS);
    }
    // Both REs are clean and replicating again after the reconfig.
    expect(h.of(K.iha.active, ACTOR.nsr(0, 'iha')).filter((r) => r.t > 1 * SEC)).toHaveLength(1);
  });

  it('K-13 deferred: NSR configured again before the marked cleanup ran does not cancel it (KKCM comes back after it); an error the thread finds itself (I/O) cleans up at once', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 2 * SEC,
        opts: { kkcmCleanup: 'deferred' },
        costs: { kkcmSwitchNs: SWITCH_NS },
        faults: [
          fault(500 * MS, { kind: 'nsr-deconfig' }),
          fault(500 * MS, { kind: 'nsr-reconfig' }),
          fault(1 * SEC, { kind: 'kkcm-io-error', target: 're0' }),
        ],
      }),
    );
    expect(h.finish()).toEqual([]);
    const c0 = h.of(K.kkcm.cleanup, ACTOR.nsr(0, 'kkcm'));
    expect(c0.map((r) => r.fields.reason)).toEqual(['NSR_DECONFIG', 'IO_ERR']);
    expect(c0[1]?.t).toBe(1 * SEC);
    expect(h.of(K.kkcm.cleanupDeferred, ACTOR.nsr(0, 'kkcm'))).toHaveLength(1);
    const up = h.of(K.kkcm.up, ACTOR.nsr(0, 'kkcm')).map((r) => r.t);
    expect(up.filter((t) => t > 500 * MS && t < 1 * SEC)).toHaveLength(1);
    expect(up.filter((t) => t > 1 * SEC)).toHaveLength(1);
  });
});
