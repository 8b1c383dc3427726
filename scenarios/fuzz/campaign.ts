// A fuzz campaign (`nsrsim fuzz`): runs generated scenarios over a pool of worker
// threads (tinypool; no workers = in this process), a deterministic seed per run
// (seeds.ts: run k of campaign S, shard i/n takes k ≡ i mod n), then shrinks every
// failure in the main process (shrink.ts) and writes it as a scenario file (finding.ts).
//
// Results are taken in run order whatever order the workers finish in, so "the first
// failure", the run counts and the findings are the same for any number of workers.
// With a mutant selected the goal is to find it: a run counts as a failure only when
// the same scenario passes without the mutant (a differential kill), and the campaign
// can stop at the first one.
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Tinypool } from 'tinypool';
import {
  checkDeterminism,
  sampleRuns,
  type DeterminismOptions,
  type DeterminismReport,
} from './determinism.ts';
import { writeFinding, type Finding } from './finding.ts';
import type { FuzzTarget } from './run-case.ts';
import { shardRun, type Shard } from './seeds.ts';
import { SHRINK_BUDGET_DEFAULT, shrinkFailure } from './shrink.ts';
import { runTask, type RunOutcome, type RunTask } from './task.ts';
import type { scenarioSize } from './yaml.ts';

export interface CampaignOptions {
  target: FuzzTarget;
  seed: number;
  /** Runs of this shard to do (default: until `timeMs`, or 100 without it). */
  runs?: number;
  /** Stop starting runs after this much wall time. */
  timeMs?: number;
  /** Worker threads; 0 runs everything in this process. */
  workers: number;
  shard?: Shard;
  /** Stop at the first failure (mutant hunting). */
  stopAtFirst?: boolean;
  /** Shrink failures and write them here (nothing is written without it). */
  outDir?: string;
  /** Shrink failures (default true when outDir is set). */
  shrink?: boolean;
  shrinkBudget?: number;
  /** Re-run this many sampled runs to check determinism (0: no check). */
  determinismSample?: number;
  /** Test-only hook of the determinism check (determinism.ts). */
  determinismAlter?: DeterminismOptions['alterSecond'];
  onProgress?: (p: Progress) => void;
}

export interface Progress {
  done: number;
  total: number | undefined;
  failures: number;
  elapsedMs: number;
}

export interface CampaignFailure {
  run: number;
  runSeed: number;
  fired: string[];
  internalError?: string;
  /** Wall time from the campaign start until this failure was seen. */
  atMs: number;
  shrunk?: {
    runs: number;
    steps: number;
    fired: string[];
    size: ReturnType<typeof scenarioSize>;
    wallMs: number;
  };
  finding?: Finding;
}

export interface CampaignReport {
  target: FuzzTarget;
  seed: number;
  shard: Shard;
  workers: number;
  runs: number;
  events: number;
  wallMs: number;
  runsPerSec: number;
  stoppedBy: 'runs' | 'time' | 'first-failure';
  failures: CampaignFailure[];
  /** With a mutant: runs in which the correct design failed too (no kill, not counted as failures). */
  inconclusive: number;
  /**
   * Those runs as failures of the correct design (a finding: the design fails in the
   * situation the mutant's bias made likely; not when the bias forced one of
   * KNOWN_UNSAFE_OPTIONS, whose failures are by design), shrunk on their own with `biasOf` when an
   * out directory is given (the first MAX_DESIGN_FAILURES_SHRUNK of them).
   */
  designFailures: CampaignFailure[];
  determinism?: DeterminismReport;
}

export const DEFAULT_RUNS = 100;
/** Correct-design failures a mutant campaign shrinks and writes (the rest are listed). */
export const MAX_DESIGN_FAILURES_SHRUNK = 3;
const WORKER_ENTRY = fileURLToPath(new URL('./worker-boot.mjs', import.meta.url));

/** Runs tasks on a tinypool of `workers` threads, or in this process for 0. */
export interface Executor {
  exec(task: RunTask): Promise<RunOutcome>;
  close(): Promise<void>;
}

export function executor(workers: number): Executor {
  if (workers <= 0) {
    return {
      exec: (task) => Promise.resolve(runTask(task, () => performance.now())),
      close: () => Promise.resolve(),
    };
  }
  const pool = new Tinypool({
    filename: WORKER_ENTRY,
    minThreads: workers,
    maxThreads: workers,
    idleTimeout: 0,
  });
  return { exec: (task) => pool.run(task) as Promise<RunOutcome>, close: () => pool.destroy() };
}

/** The running tally of one campaign: what ran, what failed, why it stopped. */
class Tally {
  readonly t0 = performance.now();
  readonly failures: CampaignFailure[] = [];
  readonly designFailures: CampaignFailure[] = [];
  readonly done: number[] = [];
  events = 0;
  inconclusive = 0;
  stoppedBy: CampaignReport['stoppedBy'] = 'runs';
  stop = false;

  elapsed(): number {
    return performance.now() - this.t0;
  }

  /** Counts one finished run; a failure is a run whose mutant-free twin stayed clean. */
  take(o: CampaignOptions, out: RunOutcome): void {
    this.done.push(out.run);
    this.events += out.events;
    const failed =
      out.fired.length > 0 && (out.twinFired === undefined || out.twinFired.length === 0);
    if (out.fired.length > 0 && !failed) this.inconclusive++;
    if (out.fired.length > 0 && !failed && out.twinUnsafe !== true) {
      this.designFailures.push({
        run: out.run,
        runSeed: out.runSeed,
        fired: out.twinFired ?? [],
        atMs: this.elapsed(),
      });
    }
    if (!failed) return;
    this.failures.push({
      run: out.run,
      runSeed: out.runSeed,
      fired: out.fired,
      atMs: this.elapsed(),
      ...(out.internalError === undefined ? {} : { internalError: out.internalError }),
    });
    if (o.stopAtFirst === true) {
      this.stop = true;
      this.stoppedBy = 'first-failure';
    }
  }
}

/** Keeps `workers * 2` runs in flight and takes their outcomes in run order. */
async function drive(o: CampaignOptions, ex: Executor, tally: Tally): Promise<void> {
  const shard = o.shard ?? { index: 0, count: 1 };
  const total = o.runs ?? (o.timeMs === undefined ? DEFAULT_RUNS : undefined);
  const window = Math.max(1, o.workers * 2);
  const pending = new Map<number, Promise<RunOutcome>>();
  let next = 0;
  for (let consumed = 0; ; consumed++) {
    while (!tally.stop && pending.size < window && (total === undefined || next < total)) {
      if (o.timeMs !== undefined && tally.elapsed() >= o.timeMs) {
        tally.stop = true;
        tally.stoppedBy = 'time';
        break;
      }
      const task = { target: o.target, campaignSeed: o.seed, run: shardRun(shard, next) };
      pending.set(next++, ex.exec(task));
    }
    const p = pending.get(consumed);
    if (p === undefined) return;
    const out = await p;
    pending.delete(consumed);
    // Runs started before the first failure was seen are not counted.
    if (tally.stop && tally.stoppedBy === 'first-failure') continue;
    tally.take(o, out);
    const progress = { done: tally.done.length, total, failures: tally.failures.length };
    o.onProgress?.({ ...progress, elapsedMs: tally.elapsed() });
  }
}

export async function runCampaign(o: CampaignOptions): Promise<CampaignReport> {
  const ex = executor(o.workers);
  try {
    const tally = new Tally();
    await drive(o, ex, tally);
    const wallMs = tally.elapsed();
    const sample = o.determinismSample ?? 0;
    const determinism =
      sample > 0
        ? await checkDeterminism(o.target, o.seed, sampleRuns(tally.done, sample), {
            exec: (t) => ex.exec(t),
            ...(o.determinismAlter === undefined ? {} : { alterSecond: o.determinismAlter }),
          })
        : undefined;
    if (o.outDir !== undefined && o.shrink !== false) {
      for (const f of tally.failures) shrinkAndWrite(o, o.target, f);
      // A correct-design failure met while hunting a mutant: the same situation (the bias)
      // without the mutant, shrunk as the correct design's own failure.
      const m = o.target.mutant;
      if (m !== undefined)
        for (const f of tally.designFailures.slice(0, MAX_DESIGN_FAILURES_SHRUNK))
          shrinkAndWrite(o, { design: o.target.design, mutant: undefined, biasOf: m }, f);
    }
    return {
      target: o.target,
      seed: o.seed,
      shard: o.shard ?? { index: 0, count: 1 },
      workers: o.workers,
      runs: tally.done.length,
      events: tally.events,
      wallMs,
      runsPerSec: wallMs > 0 ? (tally.done.length * 1000) / wallMs : 0,
      stoppedBy: tally.stoppedBy,
      failures: tally.failures,
      inconclusive: tally.inconclusive,
      designFailures: tally.designFailures,
      ...(determinism === undefined ? {} : { determinism }),
    };
  } finally {
    await ex.close();
  }
}

function shrinkAndWrite(o: CampaignOptions, target: FuzzTarget, f: CampaignFailure): void {
  const t0 = performance.now();
  const s = shrinkFailure(
    target,
    f.runSeed,
    { fired: f.fired },
    o.shrinkBudget ?? SHRINK_BUDGET_DEFAULT,
  );
  f.finding = writeFinding(o.outDir as string, s, {
    target,
    campaignSeed: o.seed,
    run: f.run,
    runSeed: f.runSeed,
    originalFired: f.fired,
    shrinkRuns: s.shrinkRuns,
    steps: s.steps,
  });
  f.shrunk = {
    runs: s.shrinkRuns,
    steps: s.steps,
    fired: s.result.fired,
    size: f.finding.size,
    wallMs: performance.now() - t0,
  };
}
