// Proves what SPEC K-12 changes: with kkcmSend client-context the messages whose sender may block (SDRL data, immediate PSRM window updates) are written from the client's own context without the KKCM thread's wake-up, so they reach the other RE one wake-up cost sooner, while PRL and IHA messages stay queued, and a wait_ok message falls back to the queue when the channel cannot take it or something waits ahead of it (never overtaking, G-8); queue (default) writes everything from the thread.
import { describe, expect, it } from 'vitest';
import type { NsrOptions } from '../../../model/nsr/options.ts';
import { MS, SEC, type TraceRecord } from '../../../sim/index.ts';
import { ACTOR, K } from '../../../model/vocab.ts';
import { Harness, fault, median, nsrConfig, peer, traffic } from './fixture.ts';

type Send = NsrOptions['kkcmSend'];

/** A thread wake-up cost large enough to stand out from everything else on the path. */
const SWITCH_NS = 200_000;

function steady(send: Send): Harness {
  const h = new Harness(
    nsrConfig({
      durationNs: 2 * SEC,
      opts: { kkcmSend: send },
      costs: { kkcmSwitchNs: SWITCH_NS },
      router: { socketBufferBytes: 8192 },
      peers: [
        peer('pa', {
          sessions: 2,
          toRouter: traffic(200),
          fromRouter: traffic(200),
          routerRead: { chunkBytes: 2048, intervalNs: 20 * MS },
        }),
      ],
    }),
  );
  expect(h.finish(), send).toEqual([]);
  return h;
}

/** sdrl.data: time from the primary's kkcm.tx to the secondary's kkcm.rx, per message. */
function sdrlLatencies(h: Harness): number[] {
  const sent = new Map<string, number>();
  for (const r of h.tx(0, 'sdrl.data')) sent.set(`${r.fields.handle}/${r.fields.offset}`, r.t);
  const out: number[] = [];
  for (const r of h.rx(1, 'sdrl.data')) {
    const t0 = sent.get(`${r.fields.handle}/${r.fields.offset}`);
    if (t0 !== undefined) out.push(r.t - t0);
  }
  return out;
}

const direct = (recs: readonly TraceRecord[]): TraceRecord[] =>
  recs.filter((r) => r.fields.direct === true);

describe('K-12: sending context', () => {
  it('K-12 queue (default): every message is queued for the KKCM thread; none is written directly', () => {
    const h = steady('queue');
    expect(h.tx(0).length).toBeGreaterThan(100);
    expect(direct(h.of(K.kkcm.tx))).toEqual([]);
  });

  it('K-12 client-context: SDRL data and immediate window updates are written by the client itself (wait_ok); PRL, IHA and PSRM set-up messages still go through the queue', () => {
    const h = steady('client-context');
    const data = h.tx(0, 'sdrl.data');
    expect(data.length).toBeGreaterThan(100);
    // The first data of a socket queues behind IHA's iha.start on the same channel (set-up).
    const behind = data.filter((r) => r.fields.direct !== true);
    expect(behind.length).toBeLessThanOrEqual(2);
    for (const r of behind) expect(r.t).toBeLessThan(10 * MS);
    // Window updates share the send-side channel with the secondary's queued sdrl.acks:
    // one that finds an ACK still waiting for the thread queues behind it.
    const windows = h.tx(1, 'psrm.window');
    expect(windows.length).toBeGreaterThan(10);
    expect(direct(windows).length).toBeGreaterThan(0.8 * windows.length);
    for (const t of ['prl.replicate', 'prl.ack', 'iha.mirror', 'iha.ready', 'psrm.replicate'])
      for (const re of [0, 1] as const) expect(direct(h.tx(re, t)), `${t} re${re}`).toEqual([]);
    expect(h.tx(0, 'prl.replicate').length).toBeGreaterThan(100);
  });

  it('K-12: the direct path saves the thread wake-up: SDRL data reaches the secondary one kkcmSwitch sooner (median), with nothing else changed', () => {
    const queued = median(sdrlLatencies(steady('queue')));
    const own = median(sdrlLatencies(steady('client-context')));
    expect(queued - own).toBeGreaterThan(0.9 * SWITCH_NS);
    expect(queued - own).toBeLessThan(1.1 * SWITCH_NS);
  });

  it('K-12: when the channel cannot take a wait_ok message whole, it falls back to the queue, and later ones queue behind it: the secondary gets SDRL data in offset order', () => {
    // The held inter-RE link stops the channel's ACKs: its so_snd fills up.
    const h = new Harness(
      nsrConfig({
        durationNs: 3 * SEC,
        opts: { kkcmSend: 'client-context' },
        peers: [
          peer('pa', { sessions: 2, toRouter: traffic(100), fromRouter: traffic(400, 1000, 4000) }),
        ],
        faults: [fault(500 * MS, { kind: 'inter-re-hold', durationNs: 800 * MS })],
      }),
    );
    expect(h.finish()).toEqual([]);
    const data = h.tx(0, 'sdrl.data');
    const queued = data.filter((r) => r.fields.direct !== true);
    expect(queued.length).toBeGreaterThan(0);
    expect(direct(data).length).toBeGreaterThan(queued.length);
    // Besides the first data behind set-up, queued ones fall in the hold.
    expect(queued.filter((r) => r.t > 500 * MS).length).toBeGreaterThan(0);
    for (const r of queued) expect(r.t < 10 * MS || r.t > 500 * MS).toBe(true);
    for (const handle of new Set(data.map((r) => r.fields.handle))) {
      const offsets = h
        .rx(1, 'sdrl.data')
        .filter((r) => r.fields.handle === handle)
        .map((r) => r.fields.offset as number);
      expect(offsets.length).toBeGreaterThan(10);
      expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    }
    expect(h.of(K.sdrl.outOfOrder, ACTOR.nsr(1, 'sdrl'))).toEqual([]);
  });
});
