// The classic hold benchmark: events/s of the kernel's public API against a raw typed-array heap doing the same pops, pushes and Rng draws.
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Rng, Simulation } from '../../sim/index.ts';
import type { Actor, ActorContext, Message } from '../../sim/index.ts';

export interface HoldRow {
  readonly n: number;
  readonly kernelEventsPerSec: number;
  readonly floorEventsPerSec: number;
  readonly ratio: number;
}

export interface HoldOptions {
  /** Pending-event counts to measure (default 1,000 and 100,000). */
  readonly sizes?: readonly number[];
  /** Events per timed run (default 2,000,000). */
  readonly events?: number;
  /** Events run before timing (default 1,000,000). */
  readonly warmup?: number;
  /** Timed runs per variant; the best is kept (default 3). */
  readonly repeats?: number;
  readonly seed?: number;
  /**
   * Measure each size in a fresh child process (default true). V8 specialises the hot
   * loops to whatever ran first, so a second size measured in the same process reads
   * up to 30% slow (kernel and floor alike); a fresh process per size avoids that.
   */
  readonly isolate?: boolean;
}

/** Mean hold time in ns; draws are rounded to integer ns (exponentialInt). */
export const HOLD_MEAN_NS = 1_000;
const ACTOR_NAME = 'hold';

interface HoldRunner {
  /** Handles exactly `events` more events. */
  run(events: number): void;
  /** Simulated time of the last event handled. */
  now(): number;
}

// (a) Through the kernel's public API.

class HoldActor implements Actor {
  private readonly msg: Message = { type: 'hold' };
  constructor(private readonly n: number) {}
  start(ctx: ActorContext): void {
    for (let i = 0; i < this.n; i++) ctx.startTimer(ctx.rng.exponentialInt(HOLD_MEAN_NS), this.msg);
  }
  receive(msg: Message, ctx: ActorContext): void {
    ctx.startTimer(ctx.rng.exponentialInt(HOLD_MEAN_NS), msg);
  }
}

function kernelHold(n: number, seed: number): HoldRunner {
  const sim = new Simulation({ seed, hash: false });
  sim.addActor(ACTOR_NAME, new HoldActor(n));
  return {
    run(events: number): void {
      const r = sim.run({ maxEvents: events });
      if (r.events !== events || r.reason !== 'maxEvents')
        throw new Error(`hold: kernel ran ${r.events} events (${r.reason})`);
    },
    now: () => sim.now,
  };
}

// (b) The floor: a binary min-heap on typed arrays, no objects per event, same draws.

function floorHold(n: number, seed: number): HoldRunner {
  // The stream the kernel hands the actor (ActorContext uses "actor/<name>").
  const rng = new Rng(seed, `actor/${ACTOR_NAME}`);
  const keys = new Float64Array(n + 1);
  const ids = new Int32Array(n + 1);
  let size = 0;
  let now = 0;

  function push(key: number, id: number): void {
    let i = size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pk = keys[p] as number;
      if (pk <= key) break;
      keys[i] = pk;
      ids[i] = ids[p] as number;
      i = p;
    }
    keys[i] = key;
    ids[i] = id;
  }

  /** Removes the root (caller read keys[0]/ids[0] first). */
  function removeTop(): void {
    const last = --size;
    if (last === 0) return;
    const key = keys[last] as number;
    const id = ids[last] as number;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= last) break;
      let ck = keys[c] as number;
      const r = c + 1;
      if (r < last) {
        const rk = keys[r] as number;
        if (rk < ck) {
          c = r;
          ck = rk;
        }
      }
      if (key <= ck) break;
      keys[i] = ck;
      ids[i] = ids[c] as number;
      i = c;
    }
    keys[i] = key;
    ids[i] = id;
  }

  for (let i = 0; i < n; i++) push(rng.exponentialInt(HOLD_MEAN_NS), i);

  return {
    run(events: number): void {
      for (let k = 0; k < events; k++) {
        // Pop, then push: the same two heap operations the kernel performs.
        const t = keys[0] as number;
        const id = ids[0] as number;
        removeTop();
        now = t;
        push(t + rng.exponentialInt(HOLD_MEAN_NS), id);
      }
    },
    now: () => now,
  };
}

function timeRun(runner: HoldRunner, events: number): number {
  const t0 = performance.now();
  runner.run(events);
  const ms = performance.now() - t0;
  return (events * 1_000) / ms;
}

/**
 * Measures both variants at one size in this process: warm up, then `repeats` timed
 * runs of `events` each (kernel and floor interleaved so drift hits both), keeping
 * the best rate of each.
 */
export function measureHold(n: number, opts: HoldOptions = {}): HoldRow {
  const events = opts.events ?? 2_000_000;
  const warmup = opts.warmup ?? 1_000_000;
  const repeats = opts.repeats ?? 3;
  const seed = opts.seed ?? 1;
  const kernel = kernelHold(n, seed);
  const floor = floorHold(n, seed);
  kernel.run(warmup);
  floor.run(warmup);
  let bestKernel = 0;
  let bestFloor = 0;
  for (let i = 0; i < repeats; i++) {
    bestKernel = Math.max(bestKernel, timeRun(kernel, events));
    bestFloor = Math.max(bestFloor, timeRun(floor, events));
  }
  // Events are interchangeable, so any tie order pops the same sequence of times:
  // both variants must agree on the clock, or they did not do the same work.
  if (kernel.now() !== floor.now()) {
    throw new Error(`hold n=${n}: kernel clock ${kernel.now()} != floor clock ${floor.now()}`);
  }
  return {
    n,
    kernelEventsPerSec: Math.round(bestKernel),
    floorEventsPerSec: Math.round(bestFloor),
    ratio: Math.round((bestKernel / bestFloor) * 1_000) / 1_000,
  };
}

/** Runs measureHold(n) in a fresh `node --import tsx` process (see HoldOptions.isolate). */
function measureHoldInChild(n: number, opts: HoldOptions): HoldRow {
  const child = fileURLToPath(new URL('./hold-child.ts', import.meta.url));
  const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
  const args = {
    n,
    events: opts.events,
    warmup: opts.warmup,
    repeats: opts.repeats,
    seed: opts.seed,
  };
  const out = execFileSync(process.execPath, ['--import', 'tsx', child, JSON.stringify(args)], {
    cwd: repoRoot,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out) as HoldRow;
}

/** The hold section: one row per size (default N = 1,000 and 100,000). */
export function benchHold(opts: HoldOptions = {}): HoldRow[] {
  const sizes = opts.sizes ?? [1_000, 100_000];
  const isolate = opts.isolate ?? true;
  return sizes.map((n) => (isolate ? measureHoldInChild(n, opts) : measureHold(n, opts)));
}

export function formatHold(rows: readonly HoldRow[], opts: HoldOptions = {}): string {
  const events = opts.events ?? 2_000_000;
  const repeats = opts.repeats ?? 3;
  const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
  const lines = [
    `hold: pop earliest, reschedule at t + Exp(mean ${HOLD_MEAN_NS} ns); best of ${repeats} x ${fmt(events)} events`,
    `${'N'.padStart(9)}  ${'kernel ev/s'.padStart(13)}  ${'floor ev/s'.padStart(13)}  ${'kernel/floor'.padStart(12)}`,
  ];
  for (const r of rows) {
    lines.push(
      `${fmt(r.n).padStart(9)}  ${fmt(r.kernelEventsPerSec).padStart(13)}  ${fmt(r.floorEventsPerSec).padStart(13)}  ${r.ratio.toFixed(3).padStart(12)}`,
    );
  }
  return lines.join('\n');
}
