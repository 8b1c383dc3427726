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

/** `--pool`: how the workers run; auto picks by the number of cores (poolKind). */
export const POOL_CHOICES = ['auto', 'threads', 'processes'] as const;
export type PoolChoice = (typeof POOL_CHOICES)[number];

/** How the pool runs its workers (poolKind). */
export type PoolKind =
  | { readonly runtime: 'worker_threads' }
  /** `execArgv`: V8 flags of each child, after this process's own Node flags. */
  | { readonly runtime: 'child_process'; readonly execArgv: readonly string[] };

const THREADS: PoolKind = { runtime: 'worker_threads' };
const SINGLE_THREADED_PROCESSES: PoolKind = {
  runtime: 'child_process',
  execArgv: ['--single-threaded'],
};

/**
 * auto: threads while a core is left over, else child processes with V8 single-threaded.
 * V8 runs garbage collection and compilation on helper threads: one worker thread keeps
 * about 1.25 cores busy, and with a worker on every core those helpers only take time
 * from the workers. A worker thread cannot have V8 flags of its own (they are the
 * process's, and changing them at run time crashed Node), so each worker is then a
 * process with `--single-threaded`. Measured on 2 cores, `fuzz --runs 600 --seed 77
 * --workers 2`, three rounds: 26.6-27.2 runs/s on threads, 29.3-29.6 on single-threaded
 * processes (issue 18; scenarios/fuzz/README.md, "Workers"). Where the cores Node sees
 * are not the cores the run gets (a container's CPU request), `--pool` says which.
 */
export function poolKind(
  workers: number,
  choice: PoolChoice = 'auto',
  cores: number = availableParallelism(),
): PoolKind {
  if (choice === 'threads') return THREADS;
  if (choice === 'processes') return SINGLE_THREADED_PROCESSES;
  return workers >= cores ? SINGLE_THREADED_PROCESSES : THREADS;
}

/** Node flags that open the inspector (`--inspect`, `--inspect-brk=9229`, ...). */
const INSPECTOR = /^--(inspect|debug)/;

/** This process's environment, for a child (tinypool passes the child only what it is given). */
function ownEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  return env;
}

/**
 * What a failed task rejects with, as an Error: a child process sends its error back as a
 * plain object ({ name, message, stack }), which a thread would have sent as an Error.
 */
function asError(e: unknown): unknown {
  if (e instanceof Error || typeof e !== 'object' || e === null) return e;
  const o = e as { name?: unknown; message?: unknown; stack?: unknown };
  if (typeof o.message !== 'string') return e;
  const err = new Error(o.message);
  if (typeof o.name === 'string') err.name = o.name;
  if (typeof o.stack === 'string') err.stack = o.stack;
  return err;
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
      ? {
          // A thread keeps this process's Node flags (--max-old-space-size, ...): so does
          // a child, but for the inspector's (every child would ask for the same port).
          // Structured clone, as between threads; the environment is this one's.
          execArgv: [...process.execArgv.filter((a) => !INSPECTOR.test(a)), ...kind.execArgv],
          serialization: 'advanced' as const,
          env: ownEnv(),
        }
      : {}),
  });
  return {
    exec: (task) =>
      (pool.run(task) as Promise<RunOutcome>).catch((e: unknown) => {
        throw asError(e);
      }),
    close: () => pool.destroy(),
  };
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
