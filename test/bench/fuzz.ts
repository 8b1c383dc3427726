// Fuzzing throughput: generated scenarios run per second by `nsrsim fuzz` on one worker
// thread and on two, the same campaign (seed and runs) each time, measured end to end
// through the real command in a child process (pool start-up included), alternated and
// best of two, plus the speed-up of the second worker measured in the same bench run
// (GUIDE §6: ratios, not absolute timings, are what a reader compares).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface FuzzBenchRow {
  workers: number;
  runs: number;
  wallMs: number;
  runsPerSec: number;
  eventsPerSec: number;
}

export interface FuzzBench {
  seed: number;
  runs: number;
  oneWorker: FuzzBenchRow;
  twoWorkers: FuzzBenchRow;
  /** twoWorkers.runsPerSec / oneWorker.runsPerSec. */
  speedup: number;
}

export interface FuzzBenchOptions {
  seed?: number;
  runs?: number;
}

const BIN = fileURLToPath(new URL('../../scenarios/cli/bin.mjs', import.meta.url));

function campaign(workers: number, seed: number, runs: number): FuzzBenchRow {
  const out = mkdtempSync(join(tmpdir(), 'nsrsim-bench-fuzz-'));
  try {
    const text = execFileSync(
      process.execPath,
      [
        BIN,
        'fuzz',
        '--runs',
        String(runs),
        '--seed',
        String(seed),
        '--workers',
        String(workers),
        '--json',
        '--out',
        out,
      ],
      { encoding: 'utf8', maxBuffer: 1 << 24 },
    );
    const r = JSON.parse(text) as {
      runs: number;
      wallMs: number;
      runsPerSec: number;
      events: number;
    };
    return {
      workers,
      runs: r.runs,
      wallMs: r.wallMs,
      runsPerSec: r.runsPerSec,
      eventsPerSec: r.wallMs > 0 ? Math.round((r.events * 1000) / r.wallMs) : 0,
    };
  } catch (e) {
    // A campaign that found a failure exits 1 and still prints its report.
    const stdout = (e as { stdout?: string }).stdout;
    if (typeof stdout !== 'string' || stdout === '') throw e;
    const r = JSON.parse(stdout) as {
      runs: number;
      wallMs: number;
      runsPerSec: number;
      events: number;
    };
    return {
      workers,
      runs: r.runs,
      wallMs: r.wallMs,
      runsPerSec: r.runsPerSec,
      eventsPerSec: r.wallMs > 0 ? Math.round((r.events * 1000) / r.wallMs) : 0,
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** The faster of two rows (the other was slowed by something else on the machine). */
function best(a: FuzzBenchRow, b: FuzzBenchRow): FuzzBenchRow {
  return b.runsPerSec > a.runsPerSec ? b : a;
}

export function benchFuzz(opts: FuzzBenchOptions = {}): FuzzBench {
  const seed = opts.seed ?? 1;
  const runs = opts.runs ?? 32;
  // Alternated, best of two each: a busy machine slows one measurement, not the ratio's both sides.
  const one1 = campaign(1, seed, runs);
  const two1 = campaign(2, seed, runs);
  const oneWorker = best(one1, campaign(1, seed, runs));
  const twoWorkers = best(two1, campaign(2, seed, runs));
  return {
    seed,
    runs,
    oneWorker,
    twoWorkers,
    speedup: Math.round((twoWorkers.runsPerSec / oneWorker.runsPerSec) * 100) / 100,
  };
}

export function formatFuzz(b: FuzzBench): string {
  const row = (r: FuzzBenchRow): string =>
    `  ${String(r.workers).padStart(7)}  ${r.runsPerSec.toFixed(2).padStart(8)}  ${(r.wallMs / 1000).toFixed(1).padStart(6)}  ${r.eventsPerSec.toLocaleString('en-US').padStart(10)}`;
  return [
    `fuzz: nsrsim fuzz --runs ${b.runs} --seed ${b.seed} (generated scenarios per second, pool start-up included)`,
    '  workers    runs/s  wall s    events/s',
    row(b.oneWorker),
    row(b.twoWorkers),
    `  two workers vs one: ${b.speedup}x`,
  ].join('\n');
}
