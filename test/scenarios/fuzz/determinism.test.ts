// Proves the fuzz determinism check: re-running sampled runs (same seed and tie-breaks), in this process or in a pool worker, gives record-for-record identical traces, and nondeterminism injected through the test-only hook (other tie-breaks for the second run) is reported at the first differing trace record, with both records.
import { describe, expect, it } from 'vitest';
import { runCampaign } from '../../../scenarios/fuzz/campaign.ts';
import {
  checkDeterminism,
  firstDifference,
  sampleRuns,
} from '../../../scenarios/fuzz/determinism.ts';
import { runTask } from '../../../scenarios/fuzz/task.ts';
import type { FuzzTarget } from '../../../scenarios/fuzz/run-case.ts';

const TARGET: FuzzTarget = { design: 'jsr', mutant: undefined };
const inProcess = (t: Parameters<typeof runTask>[0]) => Promise.resolve(runTask(t, () => 0));

describe('determinism check', () => {
  it('finds no divergence when the same runs are run again in this process', async () => {
    const r = await checkDeterminism(TARGET, 5, [0, 1, 2], { exec: inProcess });
    expect(r).toEqual({ checked: 3, runs: [0, 1, 2], divergence: undefined });
  });

  it('reports the first differing record, with both versions, when the second run gets other tie-breaks (test-only hook)', async () => {
    const r = await checkDeterminism(TARGET, 5, [0, 1], {
      exec: inProcess,
      alterSecond: (s) => ({ ...s, tieBreaks: [1, 1, 1, 1, 1, 1, 1, 1] }),
    });
    const d = r.divergence;
    expect(d).toBeDefined();
    if (d === undefined) return;
    expect(d.run).toBe(0);
    expect(d.first).not.toEqual(d.second);
    expect(d.recordId).toBeGreaterThanOrEqual(0);
    // The records are the traces' own: same id, and everything before them was identical.
    expect((d.first as { id: number }).id).toBe(d.recordId);
    expect((d.second as { id: number }).id).toBe(d.recordId);
  });

  it('firstDifference compares canonical lines and handles one trace ending early', () => {
    const a = ['{"id":0,"k":"x"}', '{"id":1,"k":"y"}'];
    expect(firstDifference(a, a)).toBeUndefined();
    expect(firstDifference(a, ['{"id":0,"k":"x"}', '{"id":1,"k":"z"}'])).toEqual({
      recordId: 1,
      first: { id: 1, k: 'y' },
      second: { id: 1, k: 'z' },
    });
    expect(firstDifference(a, a.slice(0, 1))).toEqual({
      recordId: 1,
      first: { id: 1, k: 'y' },
      second: undefined,
    });
  });

  it('samples runs evenly', () => {
    expect(sampleRuns([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 3)).toEqual([0, 3, 6]);
    expect(sampleRuns([4, 5], 10)).toEqual([4, 5]);
    expect(sampleRuns([1], 0)).toEqual([]);
  });

  it('a campaign on a worker thread re-runs its sample in this process with identical traces (cross-thread determinism)', async () => {
    const r = await runCampaign({
      target: TARGET,
      seed: 9,
      runs: 4,
      workers: 1,
      determinismSample: 2,
    });
    expect(r.runs).toBe(4);
    expect(r.determinism).toEqual({ checked: 2, runs: [0, 2], divergence: undefined });
  });

  it('a campaign reports the divergence the hook injects', async () => {
    const r = await runCampaign({
      target: TARGET,
      seed: 9,
      runs: 2,
      workers: 0,
      determinismSample: 1,
      determinismAlter: (s) => ({ ...s, tieBreaks: [3, 3, 3, 3] }),
    });
    expect(r.determinism?.divergence?.run).toBe(0);
  });
});
