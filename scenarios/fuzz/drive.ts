// Running a campaign's runs: an executor (a tinypool of workers, threads or processes by
// poolKind, or this process for --workers 0) and the loop that feeds it and takes the
// outcomes in run order.
//
// Feeding and taking are decoupled. A new run is started as soon as *any* run finishes,
// so a worker never waits for a slow run on another worker; outcomes that finish early
// wait in a reorder buffer until every earlier run is in, and are taken (Tally.take) in
// run order, so the first failure, the groups and the run counts do not depend on the
// number of workers. (Before, a new run started only once the oldest had been taken, with
// 2 runs per worker in flight: one long run left the other worker idle; see README,
// "Workers".) The buffer is bounded (AHEAD_PER_WORKER runs per worker beyond the oldest
// unfinished one), so a stuck run cannot make the campaign start runs without end.
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Tinypool } from 'tinypool';
import { shardRun, type Shard } from './seeds.ts';
import type { Tally } from './tally.ts';
import { runTask, type RunOutcome, type RunTask } from './task.ts';
import type { FuzzTarget } from './run-case.ts';

/** Runs started and not yet finished, per worker: one running, one queued behind it. */
export const IN_FLIGHT_PER_WORKER = 2;
/** Runs that may be started beyond the oldest one not yet taken, per worker (reorder buffer). */
export const AHEAD_PER_WORKER = 32;

const WORKER_ENTRY = fileURLToPath(new URL('./worker-boot.mjs', import.meta.url));

/** Runs tasks on a tinypool of `workers` workers, or in this process for 0. */
export interface Executor {
  exec(task: RunTask): Promise<RunOutcome>;
  close(): Promise<void>;
}

/** How the pool runs its workers (poolKind). */
export interface PoolKind {
  readonly runtime: 'worker_threads' | 'child_process';
  /** Node/V8 flags of each worker (child processes only; threads share the process's). */
  readonly execArgv: readonly string[];
}

/**
 * Threads while a core is left over, else child processes with V8 single-threaded. V8
 * runs garbage collection and compilation on helper threads: one worker thread keeps
 * about 1.25 cores busy, and with a worker on every core those helpers only take time
 * from the workers. A worker thread cannot have V8 flags of its own (they are the
 * process's, and changing them at run time crashed Node), so each worker is then a
 * process with `--single-threaded`. Measured on 2 cores, `fuzz --runs 600 --seed 77
 * --workers 2`: 27.7 runs/s on threads, 30.8 on single-threaded processes (issue 18;
 * scenarios/fuzz/README.md, "Workers").
 */
export function poolKind(workers: number, cores: number = availableParallelism()): PoolKind {
  return workers >= cores
    ? { runtime: 'child_process', execArgv: ['--single-threaded'] }
    : { runtime: 'worker_threads', execArgv: [] };
}

/** This process's environment, for a child (tinypool passes the child only what it is given). */
function ownEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  return env;
}

/** Runs tasks on a tinypool of `workers` workers (poolKind), or in this process for 0. */
export function executor(workers: number, kind: PoolKind = poolKind(workers)): Executor {
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
    runtime: kind.runtime,
    ...(kind.runtime === 'child_process'
      ? // Structured clone, as between threads; the child's environment is this one's.
        { execArgv: [...kind.execArgv], serialization: 'advanced' as const, env: ownEnv() }
      : {}),
  });
  return { exec: (task) => pool.run(task) as Promise<RunOutcome>, close: () => pool.destroy() };
}

export interface DrivePlan {
  target: FuzzTarget;
  seed: number;
  shard: Shard;
  workers: number;
  /** Runs of this shard to do; undefined: until `mayStart` says no. */
  total: number | undefined;
  /** Asked before each run is started (the --time rule, campaign.ts). */
  mayStart: () => boolean;
  /** Told after each run is taken. */
  onTaken: () => void;
}

/** Runs the plan's runs on `ex`, taking each outcome into `tally` in run order. */
export async function drive(plan: DrivePlan, ex: Executor, tally: Tally): Promise<void> {
  const inFlightMax = Math.max(1, plan.workers * IN_FLIGHT_PER_WORKER);
  const aheadMax = Math.max(1, plan.workers * AHEAD_PER_WORKER);
  const ready = new Map<number, RunOutcome>();
  let next = 0; // the next run (index in this shard) to start
  let taken = 0; // the next run to take
  let inFlight = 0;
  let crash: { error: unknown } | undefined;
  let wake = (): void => undefined;
  const canStart = (): boolean =>
    !tally.stop &&
    crash === undefined &&
    inFlight < inFlightMax &&
    next - taken < aheadMax &&
    (plan.total === undefined || next < plan.total) &&
    plan.mayStart();
  for (;;) {
    // Take first, then start: with no workers a run executes inside exec(), so the
    // campaign must know whether the last one stopped it before starting another.
    for (let out = ready.get(taken); out !== undefined; out = ready.get(taken)) {
      ready.delete(taken++);
      // Runs after a first-failure or max-failures stop came after it: not counted.
      if (tally.closed) continue;
      tally.take(out);
      plan.onTaken();
    }
    while (canStart()) {
      const j = next++;
      inFlight++;
      const task = { target: plan.target, campaignSeed: plan.seed, run: shardRun(plan.shard, j) };
      ex.exec(task).then(
        (out) => {
          inFlight--;
          ready.set(j, out);
          wake();
        },
        (error: unknown) => {
          inFlight--;
          crash ??= { error };
          wake();
        },
      );
    }
    // A crashed run leaves a gap the buffer never fills: stop once the others are in.
    if (inFlight === 0 && (ready.size === 0 || crash !== undefined)) break;
    await new Promise<void>((resolve) => (wake = resolve));
  }
  if (crash !== undefined) throw crash.error;
}
