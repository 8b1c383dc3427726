// Proves the fuzz progress line says runs done (of --runs, or the share of --time), failures with their kinds, runs/s and the time left, and while shrinking which group and its runs; that it is drawn only on a terminal, redrawn in place and cleared at the end, and kept to one terminal line.
import { describe, expect, it } from 'vitest';
import type { Progress } from '../../../scenarios/fuzz/campaign.ts';
import { leftText, progressLine, progressText } from '../../../scenarios/fuzz/progress-line.ts';

const P: Progress = {
  phase: 'runs',
  done: 50,
  total: 200,
  failures: 3,
  groups: 1,
  elapsedMs: 5000,
  timeMs: undefined,
  runsPerSec: 10,
  leftMs: 15000,
};

describe('progress line', () => {
  it('with --runs: a bar, runs of N, failures and kinds, runs/s, time left', () => {
    expect(progressText('fuzz', P)).toBe(
      'fuzz [######..................] 50/200 runs, 3 failures (1 kind), 10.0 runs/s, 15s left',
    );
  });

  it('with --time: the share of it spent', () => {
    const p = {
      ...P,
      total: undefined,
      timeMs: 600_000,
      elapsedMs: 210_000,
      leftMs: 390_000,
      failures: 0,
    };
    expect(progressText('fuzz', p)).toBe(
      'fuzz [########................] 35% of --time, 50 runs, 0 failures, 10.0 runs/s, 6m30s left',
    );
  });

  it('while shrinking: which group, its runs of the budget, the time left', () => {
    const p: Progress = {
      ...P,
      phase: 'shrink',
      leftMs: 62_000,
      shrink: { index: 0, of: 2, signature: 'in-order/in', runs: 35, budget: 150 },
    };
    expect(progressText('fuzz', p)).toBe(
      'fuzz shrinking 1/2 in-order/in: 35 of at most 150 runs, 1m02s left',
    );
  });

  it('formats the time left', () => {
    expect([leftText(0), leftText(42_400), leftText(390_000), leftText(3_725_000)]).toEqual([
      '0s',
      '42s',
      '6m30s',
      '1h02m',
    ]);
  });

  it('draws nothing off a terminal', () => {
    const written: string[] = [];
    const line = progressLine('fuzz', { isTTY: false, write: (s) => written.push(s) });
    expect(line.onProgress).toBeUndefined();
    line.done();
    expect(written).toEqual([]);
  });

  it('on a terminal: redraws in place, within one line, and clears itself at the end', () => {
    const written: string[] = [];
    const line = progressLine('fuzz', { isTTY: true, columns: 40, write: (s) => written.push(s) });
    line.onProgress?.(P);
    line.done();
    expect(written[0]).toMatch(/^\r\x1b\[Kfuzz \[/);
    expect((written[0] ?? '').length).toBeLessThanOrEqual('\r\x1b[K'.length + 39);
    expect(written.at(-1)).toBe('\r\x1b[K');
  });
});
