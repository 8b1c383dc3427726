// Runs a validated scenario: builds the World, attaches the checkers, optionally streams
// the canonical trace to an NDJSON file and captures every peer's wire as pcap, runs,
// and turns the result into a report: verdict, whether it matches the scenario's
// expectation, violations, statistics and the trace hash. Used by the CLI and by the
// library test in-process.
import { readFileSync } from 'node:fs';
import type { WorldConfig } from '../model/config.ts';
import { attachCheckers } from '../model/checks/index.ts';
import type { LinkTap } from '../model/net/link.ts';
import { encodeSegment } from '../model/net/packet.ts';
import { World, type WorldStats } from '../model/world.ts';
import { OutcomeObserver, type Outcome } from '../model/outcome.ts';
import type { TraceRecord, TraceSink, Violation } from '../sim/index.ts';
import { CanonicalTraceFile, NdjsonFileSink, nodeSha256 } from '../reports/trace-file.ts';
import { PcapWriter, writePcapFile } from '../reports/pcap.ts';
import type { Expectation, Scenario } from './load/load.ts';

export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

/** Pseudo-checker id reported when a run stops on maxEvents instead of its duration. */
export const MAX_EVENTS_CHECK = 'max-events';

export interface RunOptions {
  /** Overrides the scenario's seed. */
  seed?: number;
  /** Streams the canonical trace here (its sha256 is the trace hash). */
  tracePath?: string;
  /** Writes the canonical binary trace here: its sha256 is the trace hash (format 2). */
  canonicalTracePath?: string;
  /**
   * Hashes the trace (default true; canonicalTracePath hashes it whatever this says).
   * False leaves `traceHash` empty and spares encoding and hashing every record: a fuzz
   * run that nothing replays (issue 18).
   */
  hash?: boolean;
  /** Writes every peer's wire, both directions, as a pcap file here. */
  pcapPath?: string;
  /** Reads the wall clock for statistics only. */
  wallClock?: () => number;
  /** Called every PROGRESS_EVERY_RECORDS trace records (the CLI's progress line). */
  onProgress?: (simulatedNs: number, records: number) => void;
  /**
   * Sees every trace record, from the first (a sink, so set-up records too), with the
   * violations reported so far (those its own record causes show at the next record).
   */
  onRecord?: (rec: TraceRecord, violations: readonly Violation[]) => void;
  /**
   * Taps every link (pcapng), after the --pcap capture if any; `nextRecordId()` is the id
   * of the trace record the tapped packet gets next (the link's send, or its link.drop).
   */
  linkTap?: (link: string, nextRecordId: () => number) => LinkTap;
}

export const PROGRESS_EVERY_RECORDS = 1 << 16;

export interface ViolationReport {
  check: string;
  timeNs: number;
  recordId: number;
  message: string;
  evidence: Record<string, unknown> | undefined;
}

export interface RunStats {
  events: number;
  simulatedNs: number;
  wallMs: number;
  eventsPerSec: number;
  traceRecords: number;
  stopReason: string;
  sessions: WorldStats['sessions'];
  pfe: WorldStats['pfe'];
  links: WorldStats['links'];
  /** Per RE, its KKCM's messages, bytes, I/O errors and cleanups (NSR on; K-8). */
  kkcm?: WorldStats['kkcm'];
  pcapPackets?: number;
  /** The router's MSDP: peers, socket handles per RE, SA caches, F-5 refusals (issue 14). */
  msdp?: WorldStats['msdp'];
  /** The router's BGP: per peer the session, Adj-RIB-In per RE, what the peer saw (issue 15). */
  bgp?: WorldStats['bgp'];
}

export interface RunReport {
  scenario: string;
  file: string;
  seed: number;
  verdict: 'pass' | 'fail';
  expected: Expectation;
  matches: boolean;
  violations: ViolationReport[];
  stats: RunStats;
  /** SHA-256 of the canonical trace; empty when the run was not hashed (RunOptions.hash). */
  traceHash: string;
  /** What the peer saw and what the design cost (SPEC O-1, O-2; model/outcome.ts). */
  outcome: Outcome;
}

/** A failure of the simulator itself (not of the scenario), with the repro (GUIDE §3). */
export class InternalRunError extends Error {
  constructor(
    readonly scenario: string,
    readonly file: string,
    readonly seed: number,
    override readonly cause: unknown,
  ) {
    super(
      `internal error while running ${scenario}: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
    this.name = 'InternalRunError';
  }
  get repro(): string {
    return `repro: scenario ${this.file}, seed ${this.seed}, nsrsim ${VERSION}`;
  }
}

interface Captured {
  timeNs: number;
  order: number;
  bytes: Uint8Array;
}

/** Taps every peer wire at the peer's interface: sent packets at sentNs, received ones at arrivalNs. */
function wireCapture(into: Captured[]): (peer: string) => LinkTap {
  // The peer is side 'a' of its wire link (model/world.ts).
  return () => (from, seg, sentNs, arrivalNs, copy) => {
    // What the peer sent is on its interface even if the wire loses it later; what it
    // receives is there only if it arrives.
    const timeNs = from === 'a' ? (copy === 0 ? sentNs : undefined) : arrivalNs;
    if (timeNs === undefined) return;
    into.push({ timeNs, order: into.length, bytes: encodeSegment(seg) });
  };
}

function writeCapture(path: string, packets: Captured[]): void {
  packets.sort((a, b) => a.timeNs - b.timeNs || a.order - b.order);
  const w = new PcapWriter();
  for (const p of packets) w.add(p.timeNs, p.bytes);
  writePcapFile(path, w);
}

function tapEveryLink(world: World, tapFor: NonNullable<RunOptions['linkTap']>): void {
  const trace = world.sim.trace;
  for (const [name, link] of world.links) {
    const before = link.tap;
    const tap = tapFor(name, () => trace.count);
    link.tap =
      before === undefined
        ? tap
        : (...a) => {
            before(...a);
            tap(...a);
          };
  }
}

export function runScenario(s: Scenario, opts: RunOptions = {}): RunReport {
  const seed = opts.seed ?? s.config.seed;
  const cfg: WorldConfig = { ...s.config, seed };
  try {
    return runWorld(s, cfg, opts);
  } catch (e) {
    throw new InternalRunError(s.name, s.file, seed, e);
  }
}

/** The checkers' violations, plus the max-events pseudo-violation when the run was cut short. */
function violationReports(res: ReturnType<World['run']>, maxEvents: number): ViolationReport[] {
  const violations: ViolationReport[] = res.violations.map((v) => ({
    check: v.check,
    timeNs: v.timeNs,
    recordId: v.recordId,
    message: v.message,
    evidence: v.evidence === undefined ? undefined : { ...v.evidence },
  }));
  if (res.run.boundHit) {
    violations.push({
      check: MAX_EVENTS_CHECK,
      timeNs: res.run.simulatedNs,
      recordId: -1,
      message: `the run hit maxEvents (${maxEvents}) at ${res.run.simulatedNs} ns, before its duration`,
      evidence: { maxEvents },
    });
  }
  return violations;
}

function runWorld(s: Scenario, cfg: WorldConfig, opts: RunOptions): RunReport {
  const packets: Captured[] = [];
  const sinks: TraceSink[] =
    opts.tracePath === undefined ? [] : [new NdjsonFileSink(opts.tracePath)];
  let seen: readonly Violation[] = [];
  const onRecord = opts.onRecord;
  if (onRecord !== undefined) sinks.push({ write: (rec) => onRecord(rec, seen) });
  const canonical =
    opts.canonicalTracePath === undefined
      ? undefined
      : new CanonicalTraceFile(opts.canonicalTracePath);
  const world = new World(cfg, {
    hash: opts.hash !== false || canonical !== undefined,
    hasher: canonical?.hasher ?? nodeSha256,
    sinks,
    tieBreaks: s.tieBreaks ?? [],
    ...(opts.wallClock === undefined ? {} : { wallClock: opts.wallClock }),
    ...(opts.pcapPath === undefined ? {} : { wireTap: wireCapture(packets) }),
  });
  seen = world.sim.violations;
  const observer = new OutcomeObserver(world);
  attachCheckers(world, s.checks);
  const progress = opts.onProgress;
  if (progress !== undefined) {
    world.sim.trace.addListener((rec) => {
      if ((rec.id & (PROGRESS_EVERY_RECORDS - 1)) === 0) progress(rec.t, rec.id);
    });
  }
  if (opts.linkTap !== undefined) tapEveryLink(world, opts.linkTap);
  const res = world.run();
  canonical?.close();
  if (opts.pcapPath !== undefined) writeCapture(opts.pcapPath, packets);
  const violations = violationReports(res, cfg.maxEvents);
  const verdict = violations.length === 0 ? 'pass' : 'fail';
  const outcome = observer.outcome(res.run.simulatedNs, firstFault(world));
  const st = res.stats;
  const stats: RunStats = {
    events: st.events,
    simulatedNs: st.simulatedNs,
    wallMs: Math.round(st.wallMs * 1000) / 1000,
    eventsPerSec: st.wallMs > 0 ? Math.round((st.events * 1000) / st.wallMs) : 0,
    traceRecords: st.traceRecords,
    stopReason: res.run.reason,
    sessions: acrossIncarnations(st.sessions, outcome),
    pfe: st.pfe,
    links: st.links,
    ...(st.kkcm === undefined ? {} : { kkcm: st.kkcm }),
    ...(st.msdp === undefined ? {} : { msdp: st.msdp }),
    ...(st.bgp === undefined ? {} : { bgp: st.bgp }),
  };
  if (opts.pcapPath !== undefined) stats.pcapPackets = packets.length;
  return {
    scenario: s.name,
    file: s.file,
    seed: cfg.seed,
    verdict,
    expected: s.expect,
    matches: matchesExpectation(s.expect, violations, res.run.boundHit),
    violations,
    stats,
    traceHash: res.traceHash ?? '',
    outcome,
  };
}

function firstFault(world: World): number | undefined {
  return world.faultTimes.length === 0 ? undefined : Math.min(...world.faultTimes);
}

/**
 * The router application's bytes of each session across RE incarnations (a takeover
 * without NSR starts a new application on the new master: the old one's bytes count
 * too), from the outcome; the other counters stay those of the application active now.
 */
function acrossIncarnations(
  sessions: WorldStats['sessions'],
  outcome: Outcome,
): WorldStats['sessions'] {
  const by = new Map(outcome.sessions.map((o) => [o.session, o]));
  return sessions.map((s) => {
    const o = by.get(s.session);
    if (o === undefined || (o.routerWrote === 0 && o.routerRead === 0)) return s;
    const base = s.router ?? {
      bytesWritten: 0,
      recordsWritten: 0,
      bytesRead: 0,
      recordsVerified: 0,
      verifyErrors: 0,
      lastReadNs: 0,
      lastWriteNs: 0,
      closed: undefined,
    };
    return { ...s, router: { ...base, bytesWritten: o.routerWrote, bytesRead: o.routerRead } };
  });
}

/** `pass` matches no violation; `{ fail: ids }` matches when every listed checker fired. A run cut short by maxEvents matches nothing. */
export function matchesExpectation(
  expect: Expectation,
  violations: readonly ViolationReport[],
  boundHit: boolean,
): boolean {
  if (boundHit) return false;
  if (expect === 'pass') return violations.length === 0;
  const fired = new Set(violations.map((v) => v.check));
  return expect.fail.every((id) => fired.has(id));
}
