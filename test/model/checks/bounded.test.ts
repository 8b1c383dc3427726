// Proves the bounded checker (SPEC P-8) stays quiet while PRL's buffer, its pending queue and SDRL's unconfirmed bytes are within their bounds, and reports the first excess once per actor and queue.
import { describe, expect, it } from 'vitest';
import { BOUNDED, BoundedCheck } from '../../../model/checks/bounded.ts';
import { DEFAULT_NSR_BOUNDS } from '../../../model/nsr/options.ts';
import { collector, Records } from './fixture.ts';
import { ACTOR, K } from '../../../model/vocab.ts';

const bounds = {
  ...DEFAULT_NSR_BOUNDS,
  prlBufferBytes: 16_384,
  prlPendingMax: 4,
  sdrlInflightBytes: 8192,
};

describe('bounded', () => {
  it('passes: occupancy up to and including each bound', () => {
    const c = new BoundedCheck(bounds);
    const { report, got } = collector();
    const r = new Records();
    expect(c.id).toBe(BOUNDED);
    for (const bytes of [1000, 8000, 16_384])
      c.onRecord(r.rec(ACTOR.nsr(0, 'prl'), K.prl.queue, { session: 'pa/0', bytes }), report);
    for (const pending of [1, 2, 3, 4])
      c.onRecord(r.rec(ACTOR.nsr(0, 'prl'), K.prl.pending, { session: 'pa/0', pending }), report);
    c.onRecord(
      r.rec(ACTOR.nsr(0, 'sdrl'), K.sdrl.inflight, { session: 'pa/0', bytes: 8192 }),
      report,
    );
    // Other records, even with big numbers, are not occupancy.
    c.onRecord(r.rec(ACTOR.nsr(0, 'prl'), K.prl.l4, { session: 'pa/0', bytes: 1 << 30 }), report);
    expect(got).toEqual([]);
  });

  it('fails: the PRL buffer over its bound, reported once per actor with value and bound', () => {
    const c = new BoundedCheck(bounds);
    const { report, got } = collector();
    const r = new Records();
    c.onRecord(r.rec(ACTOR.nsr(0, 'prl'), K.prl.queue, { session: 'pa/0', bytes: 16_000 }), report);
    const over = r.rec(ACTOR.nsr(0, 'prl'), K.prl.queue, { session: 'pa/1', bytes: 16_385 });
    c.onRecord(over, report);
    c.onRecord(r.rec(ACTOR.nsr(0, 'prl'), K.prl.queue, { session: 'pa/1', bytes: 20_000 }), report);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({
      recordId: over.id,
      timeNs: over.t,
      evidence: { session: 'pa/1', direction: 'in', value: 16_385, bound: 16_384 },
    });
    expect(got[0]?.message).toMatch(
      /re0\/prl: PRL buffer \(bytes\) at 16385, over its bound 16384/,
    );
    // The other RE's PRL is a different actor: its excess is reported too.
    c.onRecord(r.rec(ACTOR.nsr(1, 'prl'), K.prl.queue, { session: 'pa/0', bytes: 17_000 }), report);
    expect(got).toHaveLength(2);
  });

  it('fails: the pending queue and SDRL in-flight bytes over their bounds, inbound and outbound', () => {
    const c = new BoundedCheck(bounds);
    const { report, got } = collector();
    const r = new Records();
    c.onRecord(r.rec(ACTOR.nsr(0, 'prl'), K.prl.pending, { session: 'pa/0', pending: 5 }), report);
    c.onRecord(
      r.rec(ACTOR.nsr(0, 'sdrl'), K.sdrl.inflight, { session: 'pa/0', bytes: 8193 }),
      report,
    );
    expect(got.map((v) => v.message)).toEqual([
      expect.stringMatching(/pending queue \(packets\) at 5, over its bound 4/),
      expect.stringMatching(/SDRL unconfirmed bytes at 8193, over its bound 8192/),
    ]);
    // PRL holds inbound packets, SDRL outbound data (the fuzz signature groups by it).
    expect(got.map((v) => v.evidence?.direction)).toEqual(['in', 'out']);
  });
});
