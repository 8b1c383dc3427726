// Proves that the hold benchmark runs end to end on a small budget, with the kernel and the typed-array floor agreeing on the simulated clock.
import { describe, expect, it } from 'vitest';
import { benchHold, formatHold } from './hold.ts';

describe('hold benchmark (smoke)', () => {
  it('returns one row per size with positive rates and a ratio, and formats a table', () => {
    // benchHold throws if the kernel and the floor end on different clocks.
    const rows = benchHold({
      sizes: [10, 300],
      events: 20_000,
      warmup: 2_000,
      repeats: 1,
      isolate: false,
    });
    expect(rows.map((r) => r.n)).toEqual([10, 300]);
    for (const r of rows) {
      expect(r.kernelEventsPerSec).toBeGreaterThan(0);
      expect(r.floorEventsPerSec).toBeGreaterThan(0);
      expect(r.ratio).toBeCloseTo(r.kernelEventsPerSec / r.floorEventsPerSec, 2);
    }
    expect(formatHold(rows).split('\n')).toHaveLength(4);
  });

  it('measures a size in a child process and gets a well-formed row back', () => {
    const [row] = benchHold({ sizes: [50], events: 10_000, warmup: 1_000, repeats: 1 });
    expect(row).toMatchObject({ n: 50 });
    expect(row?.kernelEventsPerSec).toBeGreaterThan(0);
    expect(row?.floorEventsPerSec).toBeGreaterThan(0);
  }, 60_000);
});
