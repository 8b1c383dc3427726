// The determinism check of `nsrsim fuzz --check-determinism`: a sample of the campaign's
// runs is run again, once where the campaign runs them (a pool worker, or this process
// without workers) and once in this process, each writing its canonical trace; the two
// traces must be identical record for record (GUIDE §3: same scenario, seed and
// tie-breaks, same trace). The first differing record is reported with both versions,
// which is where a reviewer starts looking for the leak of real time or randomness.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Scenario } from '../load/load.ts';
import { caseForSeed, runCase, type FuzzTarget } from './run-case.ts';
import { runSeed } from './seeds.ts';
import type { RunOutcome, RunTask } from './task.ts';

export interface Divergence {
  run: number;
  runSeed: number;
  /** Index of the first differing trace record (its `id` in a well-formed trace). */
  recordId: number;
  /** The record in the first run's trace (undefined: that trace ended before). */
  first: unknown;
  second: unknown;
}

export interface DeterminismReport {
  checked: number;
  runs: number[];
  divergence: Divergence | undefined;
}

export interface DeterminismOptions {
  /** Runs the first of the two runs (a pool worker, or in-process). */
  exec: (task: RunTask) => Promise<RunOutcome>;
  /**
   * Test-only hook: changes the scenario of the second run (e.g. other tie-breaks) to
   * inject nondeterminism and show that the check reports it.
   */
  alterSecond?: (s: Scenario) => Scenario;
}

/** Evenly spaced sample of at most `n` of the given runs. */
export function sampleRuns(runs: readonly number[], n: number): number[] {
  if (n <= 0 || runs.length === 0) return [];
  if (runs.length <= n) return [...runs];
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(runs[Math.floor((i * runs.length) / n)] as number);
  return out;
}

/** Re-runs each sampled run twice and compares their traces; stops at the first divergence. */
export async function checkDeterminism(
  target: FuzzTarget,
  campaignSeed: number,
  runs: readonly number[],
  opts: DeterminismOptions,
): Promise<DeterminismReport> {
  const dir = mkdtempSync(join(tmpdir(), 'nsrsim-determinism-'));
  try {
    for (const run of runs) {
      const a = join(dir, `${run}-a.ndjson`);
      const b = join(dir, `${run}-b.ndjson`);
      const seed = runSeed(campaignSeed, run);
      const first = await opts.exec({ target, campaignSeed, run, tracePath: a, hash: true });
      const scenario = caseForSeed(target, seed).scenario;
      const second = runCase(
        opts.alterSecond === undefined ? scenario : opts.alterSecond(scenario),
        { tracePath: b },
      );
      if (
        first.traceHash === second.traceHash &&
        first.internalError === undefined &&
        second.internalError === undefined
      )
        continue;
      const d = firstDifference(readLines(a), readLines(b));
      if (d !== undefined)
        return {
          checked: runs.indexOf(run) + 1,
          runs: [...runs],
          divergence: { run, runSeed: seed, ...d },
        };
    }
    return { checked: runs.length, runs: [...runs], divergence: undefined };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function readLines(path: string): string[] {
  try {
    return readFileSync(path, 'utf8')
      .split('\n')
      .filter((l) => l !== '');
  } catch {
    return [];
  }
}

/** The first record where two canonical traces differ (undefined when they are equal). */
export function firstDifference(
  a: readonly string[],
  b: readonly string[],
): { recordId: number; first: unknown; second: unknown } | undefined {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] === b[i]) continue;
    const first = a[i] === undefined ? undefined : (JSON.parse(a[i] as string) as unknown);
    const second = b[i] === undefined ? undefined : (JSON.parse(b[i] as string) as unknown);
    const id =
      (first as { id?: unknown } | undefined)?.id ?? (second as { id?: unknown } | undefined)?.id;
    return { recordId: typeof id === 'number' ? id : i, first, second };
  }
  return undefined;
}
