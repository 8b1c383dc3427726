// A fuzz campaign (`nsrsim fuzz`): runs generated scenarios over a pool of workers,
// threads or processes (drive.ts; no workers = in this process), a deterministic seed per
// run (seeds.ts: run k of campaign S, shard i/n takes k ≡ i mod n), groups the failures by
// signature (signature.ts: first checker and the kind of its first violation), then
// shrinks each group once, through its first run, in the main process (shrink.ts) and
// writes it as a scenario file (finding.ts).
//
// Results are taken in run order whatever order the workers finish in, so "the first
// failure", the groups, the run counts and the findings are the same for any number of
// workers. The campaign stops starting runs once `maxFailures` groups are known (default
// 1, as fast-check and VOPR stop at the first; 0 = no limit). With a mutant selected the
// goal is to find it: a run counts as a failure only when the same scenario passes
// without the mutant (a differential kill), and the campaign stops at the first one.
//
// `timeMs` (--time) bounds the whole campaign, shrinking included. The rule: runs stop
// being started once the time left is what the known failures need to be shrunk
// (SHRINK_RESERVE_RUNS runs each, at the mean run cost measured so far, twice that with
// a mutant's differential twin); with no failure known, runs go on to the deadline. The
// shrinks then share what is left: each gets an equal part of the remaining time, so the
// last group is not starved by the first; one cut short by the deadline writes its
// smallest failing case so far and says so.
import { performance } from 'node:perf_hooks';
import {
  checkDeterminism,
  sampleRuns,
  type DeterminismOptions,
  type DeterminismReport,
} from './determinism.ts';
import { drive, executor, poolKind, type Executor, type PoolChoice } from './drive.ts';
import { writeFinding } from './finding.ts';
import type { FuzzTarget } from './run-case.ts';
import type { Shard } from './seeds.ts';
import { SHRINK_BUDGET_DEFAULT, shrinkFailure, type ShrinkLimits } from './shrink.ts';
import { Tally, type CampaignFailure, type FailureGroup, type StopReason } from './tally.ts';

export { executor, type Executor } from './drive.ts';
export type { CampaignFailure, FailureGroup, StopReason } from './tally.ts';

export interface CampaignOptions {
  target: FuzzTarget;
  seed: number;
  /** Runs of this shard to do (default: until `timeMs`, or 100 without it). */
  runs?: number;
  /** Wall-time budget of the whole campaign, shrinking included. */
  timeMs?: number;
  /** Workers; 0 runs everything in this process. */
  workers: number;
  /** Threads or processes (drive.ts poolKind; default auto). */
  pool?: PoolChoice;
  /**
   * Run on this executor (its `workers` workers) instead of a pool of the campaign's own,
   * and leave it open: `--mutant all` keeps one pool for all its campaigns, so the
   * workers start, load the code and warm up once (README, "Workers").
   */
  executor?: Executor;
  shard?: Shard;
  /** Stop at the first failure (mutant hunting: "found"). */
  stopAtFirst?: boolean;
  /** Stop starting runs once this many distinct failures (groups) are known; 0 = no limit. Default 1. */
  maxFailures?: number;
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
  /** The wall clock in ms (default performance.now); tests drive --time with their own. */
  clock?: () => number;
}

export interface Progress {
  /** Running the campaign's runs, or shrinking its failures. */
  phase: 'runs' | 'shrink';
  done: number;
  total: number | undefined;
  /** Failing runs so far, and their groups. */
  failures: number;
  groups: number;
  elapsedMs: number;
  /** The --time budget. */
  timeMs: number | undefined;
  runsPerSec: number;
  /** Wall time left: to the --time deadline, else estimated from the runs left (runs phase). */
  leftMs: number | undefined;
  /** In the shrink phase: which group, and the runs its shrink has spent. */
  shrink?: { index: number; of: number; signature: string; runs: number; budget: number };
}

export interface CampaignReport {
  target: FuzzTarget;
  seed: number;
  shard: Shard;
  workers: number;
  runs: number;
  events: number;
  /** Wall time of the runs (runs/s is measured on it). */
  wallMs: number;
  /** Wall time of the whole campaign: runs, determinism check and shrinking. */
  totalMs: number;
  runsPerSec: number;
  /**
   * The runs' own wall times over the workers' time (workers × wallMs; this process's for
   * 0): how busy the dispatch kept them. Pool start-up and gaps between runs lower it.
   */
  busy: number;
  stoppedBy: StopReason;
  /** 0 = no limit. */
  maxFailures: number;
  timeMs: number | undefined;
  /** Every failing run, in run order (only the first of each group has `shrunk`, `finding`). */
  failures: CampaignFailure[];
  /** The failures by signature, in the order their first run came. */
  groups: FailureGroup[];
  /** With a mutant: runs in which the correct design failed too (no kill, not counted as failures). */
  inconclusive: number;
  /**
   * Those runs as failures of the correct design (a finding: the design fails in the
   * situation the mutant's bias made likely; not when the bias forced one of
   * KNOWN_UNSAFE_OPTIONS, whose failures are by design), grouped by their signature and
   * shrunk on their own with `biasOf` when an out directory is given (the first
   * MAX_DESIGN_FAILURES_SHRUNK groups).
   */
  designFailures: CampaignFailure[];
  designGroups: FailureGroup[];
  determinism?: DeterminismReport;
}

export const DEFAULT_RUNS = 100;
export const MAX_FAILURES_DEFAULT = 1;
/** Correct-design failure groups a mutant campaign shrinks and writes (the rest are listed). */
export const MAX_DESIGN_FAILURES_SHRUNK = 3;
/**
 * Runs reserved per known failure under --time: what a shrink needs at least to take the
 * big steps (the replay of the original, fast-check's first cuts of faults, peers and
 * sessions, the file's write and replay). Shrinks of the mutants of the kill matrix take
 * 10-60 runs in all (README, "Time").
 */
export const SHRINK_RESERVE_RUNS = 25;

/** One group to shrink: the target it is shrunk on and the group. */
interface ShrinkJob {
  target: FuzzTarget;
  group: FailureGroup;
}

function shrinkJobs(o: CampaignOptions, tally: Tally): ShrinkJob[] {
  if (o.outDir === undefined || o.shrink === false) return [];
  const jobs = [...tally.groups.values()].map((group) => ({ target: o.target, group }));
  // A correct-design failure met while hunting a mutant: the same situation (the bias)
  // without the mutant, shrunk as the correct design's own failure. The shrink starts
  // from the case its run seed draws, so the target keeps `apps`: a 'mixed' seed draws
  // another case under 'stream'.
  const m = o.target.mutant;
  const apps = o.target.apps === undefined ? {} : { apps: o.target.apps };
  if (m !== undefined)
    for (const group of [...tally.designGroups.values()].slice(0, MAX_DESIGN_FAILURES_SHRUNK))
      jobs.push({
        target: { design: o.target.design, mutant: undefined, biasOf: m, ...apps },
        group,
      });
  return jobs;
}

/** The --time rule for starting a run: the time left must exceed the known shrinks' reserve. */
function mayStart(o: CampaignOptions, tally: Tally): boolean {
  if (o.timeMs === undefined) return true;
  const perRun = tally.meanRunMs() * (o.target.mutant === undefined ? 1 : 2);
  const reserveMs = shrinkJobs(o, tally).length * SHRINK_RESERVE_RUNS * perRun;
  if (tally.elapsed() + reserveMs < o.timeMs) return true;
  tally.stopFor('time');
  return false;
}

function progress(o: CampaignOptions, tally: Tally, total: number | undefined): Progress {
  const elapsedMs = tally.elapsed();
  const done = tally.done.length;
  const runsPerSec = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const byRuns =
    total === undefined || runsPerSec === 0 ? undefined : ((total - done) * 1000) / runsPerSec;
  const byTime = o.timeMs === undefined ? undefined : Math.max(0, o.timeMs - elapsedMs);
  return {
    phase: 'runs',
    done,
    total,
    failures: tally.failures.length,
    groups: tally.groups.size,
    elapsedMs,
    timeMs: o.timeMs,
    runsPerSec,
    leftMs: byTime === undefined ? byRuns : Math.min(byTime, byRuns ?? byTime),
  };
}

export async function runCampaign(o: CampaignOptions): Promise<CampaignReport> {
  const maxFailures = o.maxFailures ?? MAX_FAILURES_DEFAULT;
  if (!Number.isSafeInteger(maxFailures) || maxFailures < 0)
    throw new Error(`fuzz: maxFailures must be an integer >= 0, got ${maxFailures}`);
  const clock = o.clock ?? (() => performance.now());
  const tally = new Tally({ stopAtFirst: o.stopAtFirst === true, maxFailures }, clock);
  const shard = o.shard ?? { index: 0, count: 1 };
  const total = o.runs ?? (o.timeMs === undefined ? DEFAULT_RUNS : undefined);
  const ex = o.executor ?? executor(o.workers, poolKind(o.workers, o.pool));
  let determinism: DeterminismReport | undefined;
  let wallMs: number;
  try {
    await drive(
      {
        target: o.target,
        seed: o.seed,
        shard,
        workers: o.workers,
        total,
        mayStart: () => mayStart(o, tally),
        onTaken: () => o.onProgress?.(progress(o, tally, total)),
      },
      ex,
      tally,
    );
    wallMs = tally.elapsed();
    determinism = await determinismCheck(o, ex, tally);
  } finally {
    if (o.executor === undefined) await ex.close();
  }
  shrinkAll(o, tally, total);
  return {
    target: o.target,
    seed: o.seed,
    shard,
    workers: o.workers,
    runs: tally.done.length,
    events: tally.events,
    wallMs,
    totalMs: tally.elapsed(),
    runsPerSec: wallMs > 0 ? (tally.done.length * 1000) / wallMs : 0,
    busy: wallMs > 0 ? tally.runWallMs / (Math.max(1, o.workers) * wallMs) : 0,
    stoppedBy: tally.stoppedBy,
    maxFailures,
    timeMs: o.timeMs,
    failures: tally.failures,
    groups: [...tally.groups.values()],
    inconclusive: tally.inconclusive,
    designFailures: tally.designFailures,
    designGroups: [...tally.designGroups.values()],
    ...(determinism === undefined ? {} : { determinism }),
  };
}

async function determinismCheck(
  o: CampaignOptions,
  ex: Executor,
  tally: Tally,
): Promise<DeterminismReport | undefined> {
  const sample = o.determinismSample ?? 0;
  if (sample <= 0) return undefined;
  return checkDeterminism(o.target, o.seed, sampleRuns(tally.done, sample), {
    exec: (t) => ex.exec(t),
    ...(o.determinismAlter === undefined ? {} : { alterSecond: o.determinismAlter }),
  });
}

/** Shrinks every group once; under --time each shrink gets an equal share of what is left. */
function shrinkAll(o: CampaignOptions, tally: Tally, total: number | undefined): void {
  const jobs = shrinkJobs(o, tally);
  const budget = o.shrinkBudget ?? SHRINK_BUDGET_DEFAULT;
  jobs.forEach((job, i) => {
    const now = tally.elapsed();
    const share = o.timeMs === undefined ? undefined : now + (o.timeMs - now) / (jobs.length - i);
    const shrinkProgress = (runs: number): void => {
      const p = progress(o, tally, total);
      const leftMs = o.timeMs === undefined ? undefined : Math.max(0, o.timeMs - p.elapsedMs);
      const signature = job.group.signature;
      o.onProgress?.({
        ...p,
        phase: 'shrink',
        leftMs,
        shrink: { index: i, of: jobs.length, signature, runs, budget },
      });
    };
    shrinkAndWrite(o, job.target, job.group.first, {
      budget,
      onRun: shrinkProgress,
      ...(share === undefined ? {} : { outOfTime: () => tally.elapsed() >= share }),
    });
  });
}

function shrinkAndWrite(
  o: CampaignOptions,
  target: FuzzTarget,
  f: CampaignFailure,
  limits: ShrinkLimits,
): void {
  const t0 = performance.now();
  const s = shrinkFailure(target, f.runSeed, { fired: f.fired }, limits);
  f.finding = writeFinding(o.outDir as string, s, {
    target,
    campaignSeed: o.seed,
    run: f.run,
    runSeed: f.runSeed,
    originalFired: f.fired,
    shrinkRuns: s.shrinkRuns,
    steps: s.steps,
    stoppedBy: s.stoppedBy,
  });
  f.shrunk = {
    runs: s.shrinkRuns,
    steps: s.steps,
    fired: s.result.fired,
    size: f.finding.size,
    wallMs: performance.now() - t0,
    stoppedBy: s.stoppedBy,
  };
}
