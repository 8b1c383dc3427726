// Proves the local-source schedule: two instances built from Rngs of the same seed and name agree on every source's intervals whatever order they are asked in (the master and backup RE must), sources without churn are announced at a phase in the first period and every 60 s after, phases spread over the period (RFC 3618 §5.2 R4), churned intervals sit on the slot grid, and lastDue names the latest announcement.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SourceSchedule, generateSources } from '../../../../model/app/msdp/index.ts';
import { Rng, SEC } from '../../../../sim/index.ts';

const PERIOD = 60 * SEC;
const SLOT = 1 * SEC;

function schedule(n: number, churn: boolean, seed = 5): SourceSchedule {
  return new SourceSchedule(
    {
      rp: 1,
      sources: generateSources(n, 0x0a000001, 0xe0000001),
      ...(churn ? { churn: { meanUpNs: 90 * SEC, meanDownNs: 40 * SEC } } : {}),
    },
    PERIOD,
    SLOT,
    new Rng(seed, 'msdp/r1'),
  );
}

describe('SourceSchedule', () => {
  it('property: two instances of the same seed agree, whatever order they are queried in', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 19 }), fc.integer({ min: 0, max: 3600 })), {
          minLength: 1,
          maxLength: 60,
        }),
        (queries) => {
          const a = schedule(20, true);
          const b = schedule(20, true);
          const fwd = queries.map(([i, s]) => a.upSince(i, s * SEC));
          const rev = [...queries].reverse().map(([i, s]) => b.upSince(i, s * SEC));
          expect(fwd).toEqual(rev.reverse());
        },
      ),
      { numRuns: 100 },
    );
  });

  it('a different seed gives a different schedule', () => {
    const a = schedule(50, false, 1);
    const b = schedule(50, false, 2);
    const phases = (s: SourceSchedule) =>
      Array.from({ length: 50 }, (_, i) => s.upSince(i, PERIOD));
    expect(phases(a)).not.toEqual(phases(b));
  });

  it('without churn: each source is up from a slot in the first period and due every period after', () => {
    const s = schedule(200, false);
    const seen = new Map<number, number[]>();
    for (let t = 0; t < 3 * PERIOD; t += SLOT)
      for (const i of s.dueAt(t)) seen.set(i, [...(seen.get(i) ?? []), t]);
    expect(seen.size).toBe(200);
    for (const [i, ts] of seen) {
      const first = s.upSince(i, 10 * PERIOD) as number;
      expect(first % SLOT).toBe(0);
      expect(first).toBeLessThan(PERIOD);
      expect(ts).toEqual([first, first + PERIOD, first + 2 * PERIOD]);
      expect(s.lastDue(i, first + PERIOD + 5 * SEC)).toBe(first + PERIOD);
      expect(s.lastDue(i, first - 1)).toBeUndefined();
    }
    // R4: 200 sources spread over many slots, not one burst.
    const slots = new Set([...seen.values()].map((ts) => ts[0]));
    expect(slots.size).toBeGreaterThan(40);
  });

  it('with churn: up and down on the slot grid, announced at each up and every period while up', () => {
    const s = schedule(30, true);
    let downs = 0;
    for (let i = 0; i < 30; i++) {
      let prev: number | undefined;
      for (let t = 0; t <= 1800 * SEC; t += SLOT) {
        const up = s.upSince(i, t);
        if (up !== undefined) {
          expect(up % SLOT).toBe(0);
          expect(s.dueAt(t).includes(i)).toBe((t - up) % PERIOD === 0);
        } else expect(s.dueAt(t).includes(i)).toBe(false);
        if (prev !== undefined && up === undefined) downs++;
        prev = up;
      }
    }
    expect(downs).toBeGreaterThan(100);
    expect(s.changedBetween(0, 1800 * SEC).length).toBeGreaterThan(0);
    expect(s.activeAt(900 * SEC).length).toBeLessThan(30);
  });

  it('nextSlot is the first grid instant strictly after t', () => {
    const s = schedule(1, false);
    expect(s.nextSlot(-1)).toBe(0);
    expect(s.nextSlot(0)).toBe(SLOT);
    expect(s.nextSlot(SLOT - 1)).toBe(SLOT);
  });
});
