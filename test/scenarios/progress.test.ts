// Proves the run progress line (a TTY only) gives the percent of the simulated duration, the pace in simulated seconds per wall second and the time left at that pace.
import { describe, expect, it } from 'vitest';
import { progressLine } from '../../scenarios/cli/main.ts';
import { loadScenarioFile } from '../../scenarios/load/load.ts';
import { SEC } from '../../sim/index.ts';

describe('run progress line', () => {
  const s = loadScenarioFile('scenarios/demo.yaml'); // 8 s simulated

  it('says how far, how fast and how long to go', () => {
    expect(progressLine(s, 2 * SEC, 196_608, 1000)).toBe(
      'demo: 25% of 8s simulated, 2.00 sim s/wall s, about 3s left, 196,608 records',
    );
  });

  it('says when the pace is not known yet', () => {
    expect(progressLine(s, 0, 0, 0)).toBe(
      'demo: 0% of 8s simulated, 0.00 sim s/wall s, time left unknown, 0 records',
    );
  });
});
