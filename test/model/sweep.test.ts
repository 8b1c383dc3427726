// Proves that the correct design survives a sweep of more than 500 failover points (master crashes, manual switchovers and per-socket failovers in turn) over one loaded NSR scenario, at evenly spaced instants and exactly at recorded event instants, with zero violations from every checker.
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { MS } from '../../sim/index.ts';
import {
  evenPoints,
  eventPoints,
  eventTimes,
  sweepConfig,
  sweepParallel,
  type SweepPoint,
} from './sweep-lib.ts';

const WINDOW: [number, number] = [200 * MS, 900 * MS];
const EVEN = 400;
/** Systematic mode: every EVERY-th event instant from 200 ms on, EVENT_POINTS of them. */
const EVERY = 5;
const EVENT_POINTS = 120;

describe('failover sweep', () => {
  it(`${EVEN} evenly spaced + ${EVENT_POINTS} event-boundary failovers, sync and async mixed: zero violations`, async () => {
    const cfg = sweepConfig();
    const even = evenPoints(EVEN, ...WINDOW);
    const events = eventPoints(cfg, WINDOW[0], EVERY, EVENT_POINTS);
    const points: SweepPoint[] = [...even, ...events];

    // The systematic points are event instants of the fault-free run, every EVERY-th.
    const times = eventTimes(cfg, WINDOW[0]);
    expect(events).toHaveLength(EVENT_POINTS);
    events.forEach((p, i) => expect(p.atNs).toBe(times[i * EVERY]));
    expect(points.length).toBeGreaterThanOrEqual(500);
    // Each kind has a third of the points: async (crash) and sync (switchover, per-socket).
    for (const kind of ['re-crash', 'switchover', 'socket-failover'] as const)
      expect(points.filter((p) => p.kind === kind).length, kind).toBeGreaterThanOrEqual(160);

    const t0 = performance.now();
    const s = await sweepParallel(cfg, points, Math.min(2, availableParallelism()));
    const wallMs = performance.now() - t0;
    console.log(
      `failover sweep: ${s.results.length} points (${EVEN} even in [200 ms, 900 ms], ${EVENT_POINTS} at event instants ${((events[0]?.atNs ?? 0) / MS).toFixed(3)}..${((events.at(-1)?.atNs ?? 0) / MS).toFixed(3)} ms), ${s.events} events, ${Math.round(wallMs)} ms wall, ${s.failed.length} failed`,
    );

    expect(s.results).toHaveLength(points.length);
    s.results.forEach((r, i) => expect(r.point).toEqual(points[i]));
    const failures = s.failed
      .slice(0, 10)
      .map(
        (r) =>
          `${r.point.kind} at ${r.point.atNs} ns (${r.point.mode}): ${r.completed ? '' : 'did not complete; '}${r.violations.map((v) => `${v.check}: ${v.message}`).join('; ')}`,
      );
    expect(failures).toEqual([]);
    expect(s.results.every((r) => r.completed && r.events > 0)).toBe(true);
    // About a minute of CPU spread over two threads: the harness timeout is generous so a
    // loaded machine does not fail it (no claim about speed is made).
  }, 600_000);
});
