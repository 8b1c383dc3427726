// A failover sweep (SPEC G-1: a failover can happen at any instant): one small loaded
// NSR scenario run many times, each with one failover, cycling through an async one (the
// master RE crashes) and two sync ones (a manual switchover; a per-socket failover of
// every session, F-2), at chosen instants; every
// checker watches each run. Two ways to pick the instants: evenly spaced in a window,
// and "systematic": run the scenario once without a fault, record the instants at which
// events happened, and put the failover exactly at every k-th of them (a fault is
// urgent, so it lands just before that event). Used by test/model/sweep.test.ts; the
// functions are plain so that a CLI can drive them too. sweepParallel() spreads the
// points over worker threads (each runs this module through tsx's loader); the results
// are the same as sweep()'s, since every run is deterministic on its own.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { attachCheckers } from '../../model/checks/index.ts';
import type { FaultAction, WorldConfig } from '../../model/config.ts';
import { World } from '../../model/world.ts';
import { MS, type Violation } from '../../sim/index.ts';
import { peer, worldConfig } from './world-fixture.ts';

export type FailoverKind = 're-crash' | 'switchover' | 'socket-failover';

export interface SweepPoint {
  /** Instant of the failover, ns. */
  atNs: number;
  kind: FailoverKind;
  /** How the instant was chosen. */
  mode: 'even' | 'event';
}

export interface PointResult {
  point: SweepPoint;
  violations: readonly Violation[];
  events: number;
  /** The run stopped on its duration (not on maxEvents). */
  completed: boolean;
}

export interface SweepSummary {
  results: PointResult[];
  failed: PointResult[];
  events: number;
}

export interface SweepScenarioOptions {
  seed?: number;
  durationNs?: number;
  sessions?: number;
  ratePerSec?: number;
}

/** The sweep's scenario: NSR on, 1 peer, 2 sessions at 300 records/s each way, 1.2 s. */
export function sweepConfig(o: SweepScenarioOptions = {}): WorldConfig {
  const traffic = { ratePerSec: o.ratePerSec ?? 300, sizeMin: 64, sizeMax: 1460 };
  return worldConfig({
    name: 'failover-sweep',
    seed: o.seed ?? 1,
    durationNs: o.durationNs ?? 1200 * MS,
    router: { nsr: true },
    peers: [
      peer('pa', { sessions: o.sessions ?? 2, toRouter: traffic, fromRouter: { ...traffic } }),
    ],
  });
}

const CYCLE: readonly FailoverKind[] = ['re-crash', 'switchover', 'socket-failover'];

/** Cycles the failover kind: a master crash, a switchover, a per-socket failover of every session. */
export function kindAt(i: number): FailoverKind {
  return CYCLE[i % CYCLE.length] as FailoverKind;
}

function action(kind: FailoverKind): FaultAction {
  switch (kind) {
    case 're-crash':
      return { kind: 're-crash', target: 'master' };
    case 'switchover':
      return { kind: 'switchover' };
    case 'socket-failover':
      return { kind: 'socket-failover', peer: undefined, session: undefined };
  }
}

/** `n` instants evenly spaced in [loNs, hiNs] (both ends included), kinds alternating. */
export function evenPoints(n: number, loNs: number, hiNs: number): SweepPoint[] {
  if (n < 1) return [];
  const step = n === 1 ? 0 : (hiNs - loNs) / (n - 1);
  return Array.from({ length: n }, (_, i) => ({
    atNs: Math.round(loNs + i * step),
    kind: kindAt(i),
    mode: 'even' as const,
  }));
}

/**
 * The distinct instants at which events happened in a fault-free run of `cfg`, from
 * `fromNs` on (a failover before replication is set up is not NSR's to survive).
 */
export function eventTimes(cfg: WorldConfig, fromNs: number, toNs = cfg.durationNs): number[] {
  const world = new World({ ...cfg, faults: [] }, { hash: false });
  const times: number[] = [];
  world.sim.trace.addListener((rec) => {
    if (rec.t >= fromNs && rec.t < toNs && times[times.length - 1] !== rec.t) times.push(rec.t);
  });
  world.run();
  return times;
}

/** Every `every`-th of the first `count * every` event instants from `fromNs` on, kinds alternating. */
export function eventPoints(
  cfg: WorldConfig,
  fromNs: number,
  every: number,
  count: number,
): SweepPoint[] {
  const times = eventTimes(cfg, fromNs);
  const out: SweepPoint[] = [];
  for (let i = 0; i < times.length && out.length < count; i += every)
    out.push({ atNs: times[i] as number, kind: kindAt(out.length), mode: 'event' });
  return out;
}

/** Runs `cfg` with one failover at `point`, every checker attached. */
export function runPoint(cfg: WorldConfig, point: SweepPoint): PointResult {
  const world = new World(
    { ...cfg, faults: [{ when: { atNs: point.atNs }, action: action(point.kind) }] },
    { hash: false },
  );
  attachCheckers(world, 'all');
  const res = world.run();
  return {
    point,
    violations: res.violations,
    events: res.run.events,
    completed: res.run.reason === 'time' && !res.run.boundHit,
  };
}

/** Runs every point; `onResult` sees each result as it comes (progress, early logging). */
export function sweep(
  cfg: WorldConfig,
  points: readonly SweepPoint[],
  onResult?: (r: PointResult, i: number) => void,
): SweepSummary {
  const results: PointResult[] = [];
  let events = 0;
  points.forEach((p, i) => {
    const r = runPoint(cfg, p);
    results.push(r);
    events += r.events;
    onResult?.(r, i);
  });
  return {
    results,
    failed: results.filter((r) => r.violations.length > 0 || !r.completed),
    events,
  };
}

/** What a sweep worker gets (workerData) and sends back. */
interface WorkerJob {
  nsrsimSweep: true;
  cfg: WorldConfig;
  points: SweepPoint[];
}

// A worker thread started by sweepParallel(): run its share and post the results.
if (!isMainThread && (workerData as Partial<WorkerJob> | null)?.nsrsimSweep === true) {
  const job = workerData as WorkerJob;
  parentPort?.postMessage(sweep(job.cfg, job.points).results);
}

/**
 * The worker's entry, evaluated as CommonJS: Node 20 ignores `--import tsx` in a
 * Worker's execArgv, so register tsx's loader first, then import this module.
 */
const WORKER_BOOT = `
const { workerData } = require('node:worker_threads');
import(workerData.tsxApi).then((tsx) => { tsx.register(); return import(workerData.lib); });
`;

/** file: URL of tsx's ESM API (its package exports, "import" condition). */
function tsxEsmApi(): string {
  const pkgPath = createRequire(import.meta.url).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as {
    exports: Record<string, { import: { default: string } }>;
  };
  const entry = pkg.exports['./esm/api']?.import.default ?? './dist/esm/api/index.mjs';
  return pathToFileURL(join(dirname(pkgPath), entry)).href;
}

/** Like sweep(), with the points dealt round-robin to `threads` worker threads; results in point order. */
export async function sweepParallel(
  cfg: WorldConfig,
  points: readonly SweepPoint[],
  threads = 2,
): Promise<SweepSummary> {
  const n = Math.max(1, Math.min(threads, points.length));
  const shares = Array.from({ length: n }, (_, t) => points.filter((_p, i) => i % n === t));
  const tsxApi = tsxEsmApi();
  const parts = await Promise.all(
    shares.map(
      (share) =>
        new Promise<PointResult[]>((resolve, reject) => {
          const job: WorkerJob = { nsrsimSweep: true, cfg, points: share };
          const w = new Worker(WORKER_BOOT, {
            eval: true,
            workerData: { ...job, lib: import.meta.url, tsxApi },
          });
          w.once('message', (r: PointResult[]) => {
            resolve(r);
            void w.terminate();
          });
          w.once('error', reject);
          w.once('exit', (code) => {
            if (code !== 0) reject(new Error(`sweep worker exited with code ${code}`));
          });
        }),
    ),
  );
  const results: PointResult[] = [];
  for (let i = 0; i < points.length; i++)
    results.push(parts[i % n]?.[Math.floor(i / n)] as PointResult);
  return {
    results,
    failed: results.filter((r) => r.violations.length > 0 || !r.completed),
    events: results.reduce((a, r) => a + r.events, 0),
  };
}
