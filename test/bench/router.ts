// The router benchmark: a model-level run of 100 sessions (10 peers x 10, peer-initiated, records of 64..1460 bytes, 20 records/s per session each way = 2,000 records/s in total each way) for 60 simulated seconds, without NSR and with NSR, each in a fresh child process: model events/s, simulated seconds per wall second, peak RSS; with NSR also the latency PRL adds to an incoming packet, from the trace.
//
// Run as a script (`node --import tsx test/bench/router.ts '{"variant":"nsr"}'`) it measures one variant and prints it as JSON; main.ts imports benchRouter/formatRouter.
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { WorldConfig } from '../../model/config.ts';
import { World } from '../../model/world.ts';
import { SEC, type TraceRecord } from '../../sim/index.ts';
import { peer, worldConfig } from '../model/world-fixture.ts';
import { ACTOR, K, LINK } from '../../model/vocab.ts';

export interface RouterRunFigures {
  readonly events: number;
  /** Application records written, both directions, all sessions. */
  readonly records: number;
  readonly eventsPerRecord: number;
  /**
   * Wall microseconds per application record: what a run of this traffic costs, whatever
   * the number of events the model spends on a record (events/s rises when events get
   * cheaper and falls when work is merged into fewer of them; this does neither).
   */
  readonly usPerRecord: number;
  readonly simulatedSeconds: number;
  readonly wallSeconds: number;
  readonly eventsPerSec: number;
  readonly simSecondsPerWallSecond: number;
  /** Peak resident set size of the child process that ran it. */
  readonly peakRssMb: number;
}

export interface LatencySummary {
  readonly p50: number;
  readonly p99: number;
  readonly samples: number;
}

export interface RouterNsrFigures extends RouterRunFigures {
  /** Time from PRL queueing a packet (prl.queue) to handing it to L4 (prl.l4) on the master, ns. */
  readonly prlLatencyNs: LatencySummary;
  /** Time from the packet's arrival at the master RE to its L4 input through PRL, ns. */
  readonly prlLatencyFromArrivalNs: LatencySummary;
}

export interface RouterBenchResult {
  readonly noNsr: RouterRunFigures;
  readonly nsr: RouterNsrFigures;
}

export interface RouterBenchOptions {
  /** Simulated seconds per run (default 60). */
  readonly seconds?: number;
  readonly peers?: number;
  readonly sessionsPerPeer?: number;
  /** Records per second per session and direction (default 20). */
  readonly ratePerSec?: number;
  readonly seed?: number;
  /** Measure each variant in a fresh child process (default true). */
  readonly isolate?: boolean;
}

type Variant = 'noNsr' | 'nsr' | 'nsrLatency';

export function routerBenchConfig(nsr: boolean, opts: RouterBenchOptions = {}): WorldConfig {
  const traffic = { ratePerSec: opts.ratePerSec ?? 20, sizeMin: 64, sizeMax: 1460 };
  const peers = Array.from({ length: opts.peers ?? 10 }, (_, i) =>
    peer(`p${i}`, {
      sessions: opts.sessionsPerPeer ?? 10,
      initiator: 'peer',
      toRouter: traffic,
      fromRouter: traffic,
    }),
  );
  return worldConfig({
    name: `bench-router-${nsr ? 'nsr' : 'no-nsr'}`,
    seed: opts.seed ?? 1,
    durationNs: (opts.seconds ?? 60) * SEC,
    router: { nsr },
    peers,
    maxEvents: 500_000_000,
  });
}

function summary(samples: number[]): LatencySummary {
  const s = Float64Array.from(samples).sort();
  const at = (q: number): number =>
    s.length === 0 ? 0 : (s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] as number);
  return { p50: at(0.5), p99: at(0.99), samples: s.length };
}

/**
 * Streams the trace and pairs, on the master's PRL (actor re0/prl), each prl.queue record
 * with the prl.l4 record of the same session and PRL sequence number (role primary). The
 * packet's arrival at the RE is found through the cause chain: prl.queue was caused by
 * the RE's prl.input message, whose send was caused by the link's delivery of the packet
 * to re0 (a `send` record to re0 of type pkt: arrival = its time + delay).
 */
class PrlLatencyProbe {
  readonly fromQueue: number[] = [];
  readonly fromArrival: number[] = [];
  private readonly pktArrival = new Map<number, number>();
  private readonly prlInputArrival = new Map<number, number>();
  private readonly queued = new Map<string, { queuedNs: number; arrivalNs: number | undefined }>();
  private lastPruneNs = 0;

  onRecord(rec: TraceRecord): void {
    const f = rec.fields;
    if (rec.kind === K.sim.send) {
      if (rec.actor === ACTOR.link(LINK.intRe(0)) && f.to === ACTOR.re(0) && f.type === 'pkt') {
        this.pktArrival.set(rec.id, rec.t + ((f.delayNs as number | undefined) ?? 0));
      } else if (
        rec.actor === ACTOR.re(0) &&
        f.to === ACTOR.nsr(0, 'prl') &&
        f.type === 'prl.input'
      ) {
        const arrival = this.pktArrival.get(rec.cause);
        if (arrival !== undefined) {
          this.pktArrival.delete(rec.cause);
          this.prlInputArrival.set(rec.id, arrival);
        }
      }
      this.prune(rec.t);
      return;
    }
    if (rec.actor !== ACTOR.nsr(0, 'prl')) return;
    if (rec.kind === K.prl.queue) {
      const arrivalNs = this.prlInputArrival.get(rec.cause);
      this.prlInputArrival.delete(rec.cause);
      this.queued.set(`${String(f.session)}#${String(f.seq)}`, { queuedNs: rec.t, arrivalNs });
    } else if (rec.kind === K.prl.l4 && f.role === 'primary') {
      const key = `${String(f.session)}#${String(f.seq)}`;
      const q = this.queued.get(key);
      if (q === undefined) return;
      this.queued.delete(key);
      this.fromQueue.push(rec.t - q.queuedNs);
      if (q.arrivalNs !== undefined) this.fromArrival.push(rec.t - q.arrivalNs);
    }
  }

  /** Packets that never went through PRL (SYNs, packets for unreplicated sockets) leave entries behind. */
  private prune(now: number): void {
    if (now - this.lastPruneNs < SEC) return;
    this.lastPruneNs = now;
    for (const [id, t] of this.pktArrival) if (now - t > SEC) this.pktArrival.delete(id);
    for (const [id, t] of this.prlInputArrival) if (now - t > SEC) this.prlInputArrival.delete(id);
  }
}

function checkHealthy(world: World, label: string): void {
  for (const p of world.peers) {
    for (const s of p.sessions) {
      const st = s.stats();
      if (st.closed !== undefined || st.verifyErrors > 0 || st.recordsVerified === 0) {
        throw new Error(
          `bench router ${label}: session ${s.cfg.id} is unhealthy: ${JSON.stringify(st)}`,
        );
      }
    }
  }
}

/** Measures one variant in this process. */
export function measureRouter(
  variant: Variant,
  opts: RouterBenchOptions = {},
): RouterRunFigures | { fromQueue: LatencySummary; fromArrival: LatencySummary } {
  const nsr = variant !== 'noNsr';
  const world = new World(routerBenchConfig(nsr, opts), {
    hash: false,
    wallClock: () => performance.now(),
  });
  let probe: PrlLatencyProbe | undefined;
  if (variant === 'nsrLatency') {
    const p = new PrlLatencyProbe();
    probe = p;
    world.sim.trace.addListener((rec) => p.onRecord(rec));
  }
  const res = world.run();
  if (res.run.boundHit || res.run.reason !== 'time')
    throw new Error(`bench router ${variant}: run stopped on ${res.run.reason}`);
  checkHealthy(world, variant);
  if (probe !== undefined) {
    if (probe.fromQueue.length === 0)
      throw new Error('bench router: no prl.queue/prl.l4 pairs found in the trace');
    return { fromQueue: summary(probe.fromQueue), fromArrival: summary(probe.fromArrival) };
  }
  const records = res.stats.sessions.reduce(
    (n, x) => n + x.peer.recordsWritten + (x.router?.recordsWritten ?? 0),
    0,
  );
  return runFigures(res.run.events, records, res.run.simulatedNs, res.run.wallMs);
}

/** The figures of one run from its counts and its wall time. */
export function runFigures(
  events: number,
  records: number,
  simulatedNs: number,
  wallMs: number,
): RouterRunFigures {
  const wallSeconds = wallMs / 1000;
  const simulatedSeconds = simulatedNs / SEC;
  return {
    events,
    records,
    eventsPerRecord: Math.round((events / Math.max(1, records)) * 10) / 10,
    usPerRecord: Math.round(((wallMs * 1000) / Math.max(1, records)) * 10) / 10,
    simulatedSeconds,
    wallSeconds: Math.round(wallSeconds * 1000) / 1000,
    eventsPerSec: Math.round(events / wallSeconds),
    simSecondsPerWallSecond: Math.round((simulatedSeconds / wallSeconds) * 100) / 100,
    // maxRSS is in kilobytes.
    peakRssMb: Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10,
  };
}

const SELF = fileURLToPath(import.meta.url);

function measureInChild(
  variant: Variant,
  opts: RouterBenchOptions,
): ReturnType<typeof measureRouter> {
  const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', SELF, JSON.stringify({ variant, opts })],
    {
      cwd: repoRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 1 << 20,
    },
  );
  return JSON.parse(out) as ReturnType<typeof measureRouter>;
}

/**
 * The router section. The NSR figures come from a run without trace consumers (as the
 * no-NSR ones); the PRL latency from a second, identical run that streams the trace to
 * the probe (the simulation is deterministic, so it is the same run, only slower).
 */
export function benchRouter(opts: RouterBenchOptions = {}): RouterBenchResult {
  const measure = (v: Variant): ReturnType<typeof measureRouter> =>
    (opts.isolate ?? true) ? measureInChild(v, opts) : measureRouter(v, opts);
  const noNsr = measure('noNsr') as RouterRunFigures;
  const nsr = measure('nsr') as RouterRunFigures;
  const lat = measure('nsrLatency') as { fromQueue: LatencySummary; fromArrival: LatencySummary };
  return {
    noNsr,
    nsr: { ...nsr, prlLatencyNs: lat.fromQueue, prlLatencyFromArrivalNs: lat.fromArrival },
  };
}

export function formatRouter(r: RouterBenchResult, opts: RouterBenchOptions = {}): string {
  const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');
  const us = (ns: number): string => `${(ns / 1000).toFixed(1)} us`;
  const sessions = (opts.peers ?? 10) * (opts.sessionsPerPeer ?? 10);
  const rate = opts.ratePerSec ?? 20;
  const row = (name: string, x: RouterRunFigures): string =>
    `${name.padEnd(8)}  ${fmt(x.events).padStart(11)}  ${x.eventsPerRecord.toFixed(1).padStart(9)}  ${fmt(x.eventsPerSec).padStart(11)}  ${x.usPerRecord.toFixed(1).padStart(9)}  ${x.simSecondsPerWallSecond.toFixed(2).padStart(12)}  ${x.peakRssMb.toFixed(1).padStart(12)}`;
  return [
    `router: ${sessions} sessions, ${fmt(sessions * rate)} records/s each way, ${r.noNsr.simulatedSeconds} simulated s; each run in a fresh process`,
    `${'run'.padEnd(8)}  ${'events'.padStart(11)}  ${'ev/record'.padStart(9)}  ${'events/s'.padStart(11)}  ${'us/record'.padStart(9)}  ${'sim s/wall s'.padStart(12)}  ${'peak RSS MB'.padStart(12)}`,
    row('no NSR', r.noNsr),
    row('NSR', r.nsr),
    `PRL latency on the master (${fmt(r.nsr.prlLatencyNs.samples)} packets): queue->L4 p50 ${us(r.nsr.prlLatencyNs.p50)}, p99 ${us(r.nsr.prlLatencyNs.p99)}; arrival at RE->L4 p50 ${us(r.nsr.prlLatencyFromArrivalNs.p50)}, p99 ${us(r.nsr.prlLatencyFromArrivalNs.p99)}`,
  ].join('\n');
}

// Child-process entry: measure one variant and print it as JSON.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === SELF) {
  const arg = process.argv[2];
  if (arg === undefined) {
    process.stderr.write(
      'usage: node --import tsx test/bench/router.ts \'{"variant":"noNsr"|"nsr"|"nsrLatency","opts":{...}}\'\n',
    );
    process.exit(2);
  }
  const { variant, opts } = JSON.parse(arg) as { variant: Variant; opts?: RouterBenchOptions };
  process.stdout.write(`${JSON.stringify(measureRouter(variant, opts ?? {}))}\n`);
}
