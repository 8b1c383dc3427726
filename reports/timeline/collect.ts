// The report's view of a run: which trace records it keeps (SPEC V-1). A run may emit a
// million records; a reviewer's page stays fluid with about WINDOW_RECORDS_MAX of them,
// so above that the report keeps one window of consecutive records: around the first
// violation, else around the first fault, else the start, or the time window asked for
// with --window. Whatever the window, a few whole-run facts are kept as well: the rare
// state records (faults, mastership, replication set-up and teardown, link holds,
// application stalls) so that state strips and fault bands are right at the window's
// edges, the count of every kind (the header's outcome figures) and a density histogram.
//
// Records arrive one at a time from the run (a trace listener, after the checkers): the
// collector keeps a ring of the last RING records so that a window can open backwards
// when its anchor shows up. A checker that reports its violation only at the end of the
// run (identical-data does) cannot anchor a window live: finish() then says which ids
// to keep and the caller runs the scenario again, deterministically, to collect them.
import type { TraceRecord } from '../../sim/index.ts';
import { K, TRACE_KINDS } from '../../model/vocab.ts';

/** Records a report keeps at most (SPEC V-1: a window of 50,000 records stays fluid). */
export const WINDOW_RECORDS_MAX = 50_000;
/** Whole-run state records kept at most (they are rare; this is a bound, not a budget). */
export const STATE_RECORDS_MAX = 100_000;
/** Buckets of the whole-run density histogram. */
export const DENSITY_BUCKETS = 600;

/** Share of a violation window before its record (what led to it matters most). */
const BEFORE_VIOLATION = 0.7;
/** Extra ring records, so a violation reported a little after its record still opens live. */
const RING_SLACK = 1024;
/** Share of a fault window before the fault (what follows it matters most). */
const BEFORE_FAULT = 0.2;

export type AnchorKind = 'whole run' | 'first violation' | 'first fault' | 'start' | 'asked';

export type WindowPolicy =
  | { readonly kind: 'auto' }
  | { readonly kind: 'time'; readonly fromNs: number; readonly toNs: number }
  | {
      readonly kind: 'ids';
      readonly from: number;
      readonly to: number;
      readonly anchor: AnchorKind;
      readonly anchorId: number;
    };

/** A violation as the collector needs it (sim's Violation and the CLI's report agree). */
export interface ViolationRef {
  readonly recordId: number;
}

/** What the kept window is, and what was left out. */
export interface WindowInfo {
  readonly anchor: AnchorKind;
  /** The record the window is built around (-1 for the whole run, the start or --window). */
  readonly anchorId: number;
  /** Record ids of the first and last kept records (-1, -1 when none). */
  readonly firstId: number;
  readonly lastId: number;
  readonly fromNs: number;
  readonly toNs: number;
  /** Records of the run before and after the window. */
  readonly omittedBefore: number;
  readonly omittedAfter: number;
  /** True when an asked time window held more records than a report keeps. */
  readonly truncated: boolean;
}

/** Whole-run facts, whatever the window. */
export interface RunTally {
  readonly records: number;
  /** Records per actor and kind. */
  readonly byActor: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** Payload bytes of packets the links lost (link.drop len). */
  readonly linkDropBytes: number;
  readonly density: readonly number[];
  readonly densityNs: number;
  /** Faults, mastership, replication state and the like, for the whole run (capped). */
  readonly state: readonly TraceRecord[];
  readonly stateCapped: boolean;
}

export type Collected =
  | {
      readonly kind: 'window';
      readonly records: readonly TraceRecord[];
      readonly info: WindowInfo;
      readonly tally: RunTally;
    }
  | { readonly kind: 'rerun'; readonly policy: WindowPolicy & { kind: 'ids' } };

/** Kinds kept for the whole run: few per run, and needed for strips and bands. */
export const STATE_KINDS: ReadonlySet<string> = new Set<string>([
  ...Object.values(K.chassis),
  K.re.boot,
  K.re.role,
  K.re.socketFailover,
  K.sim.actorStop,
  K.sim.actorRestart,
  K.sim.faultScheduled,
  ...Object.values(K.iha),
  K.nsr.replicationError,
  K.link.hold,
  K.link.release,
  K.link.set,
  K.app.attach,
  K.app.snoop,
  K.app.takeover,
  K.app.stall,
  K.app.stallEnd,
  K.app.closed,
  K.kkcm.up,
  K.kkcm.cleanup,
  K.kkcm.channelClosed,
  K.kkcm.ioError,
  K.kkcm.configure,
  K.kkcm.ore,
  K.pfe.switch,
  K.pfe.master,
  K.pfe.flowSwitch,
  K.tcp.state,
]);
for (const k of STATE_KINDS)
  if (!TRACE_KINDS.has(k)) throw new Error(`collect: ${k} is not a trace kind`);

interface OpenWindow {
  readonly from: number;
  readonly to: number;
  readonly anchor: AnchorKind;
  readonly anchorId: number;
  readonly recs: TraceRecord[];
  /** False when the ring no longer held the window's first records when it opened. */
  readonly complete: boolean;
}

/** A trace listener that keeps a report's window and the whole-run facts. */
export class TraceCollector {
  private readonly ring: Array<TraceRecord | undefined>;
  private ringNext = 0;
  private readonly byActor = new Map<string, Map<string, number>>();
  private readonly density: number[] = new Array<number>(DENSITY_BUCKETS).fill(0);
  private readonly state: TraceRecord[] = [];
  private stateCapped = false;
  private linkDropBytes = 0;
  private count = 0;
  private lastT = 0;
  private violationsSeen = 0;
  private readonly windows: OpenWindow[] = [];
  private faultWindow: OpenWindow | undefined;
  private violationWindow: OpenWindow | undefined;
  private readonly timeRecs: TraceRecord[] = [];
  private timeBefore = 0;
  private timeAfter = 0;
  private timeTruncated = false;

  constructor(
    readonly policy: WindowPolicy,
    /** The run's duration (the density histogram's span). */
    readonly durationNs: number,
    readonly limit = WINDOW_RECORDS_MAX,
  ) {
    if (!Number.isSafeInteger(limit) || limit < 10)
      throw new RangeError(`collect: limit ${limit} too small`);
    if (!(durationNs > 0)) throw new RangeError(`collect: duration ${durationNs} must be > 0`);
    if (policy.kind === 'time' && !(policy.fromNs <= policy.toNs))
      throw new RangeError(`collect: window ${policy.fromNs}..${policy.toNs} is reversed`);
    // Only the automatic policy opens windows backwards (around an anchor).
    this.ring = new Array<TraceRecord | undefined>(
      policy.kind === 'auto' ? Math.ceil(limit * BEFORE_VIOLATION) + RING_SLACK : 0,
    );
    if (policy.kind === 'auto') this.open(0, limit - 1, 'start', -1);
    if (policy.kind === 'ids') this.open(policy.from, policy.to, policy.anchor, policy.anchorId);
  }

  /** The trace listener: call once per record, in order, after the checkers saw it. */
  readonly onRecord = (rec: TraceRecord, violations: readonly ViolationRef[]): void => {
    if (rec.id !== this.count)
      throw new Error(`collect: record ${rec.id} arrived, expected ${this.count}`);
    this.count++;
    this.tallyRecord(rec);
    const p = this.policy;
    if (p.kind === 'time') {
      this.keepTimed(rec, p.fromNs, p.toNs);
      return;
    }
    for (const w of this.windows) if (rec.id >= w.from && rec.id <= w.to) w.recs.push(rec);
    if (p.kind !== 'auto') return;
    // Into the ring first: a window opening now starts with the ring, this record included.
    this.ring[this.ringNext] = rec;
    this.ringNext = (this.ringNext + 1) % this.ring.length;
    if (this.faultWindow === undefined && rec.kind === K.chassis.fault) {
      const from = Math.max(0, rec.id - Math.floor(this.limit * BEFORE_FAULT));
      this.faultWindow = this.openFromRing(from, from + this.limit - 1, 'first fault', rec.id);
    }
    if (violations.length > this.violationsSeen) this.liveViolations(violations);
  };

  /** The kept window, or the ids a second run must keep (the first violation was late). */
  finish(violations: readonly ViolationRef[]): Collected {
    const tally = this.tally();
    const p = this.policy;
    if (p.kind === 'time') return this.timeResult(p.fromNs, p.toNs, tally);
    if (p.kind === 'ids') {
      const w = this.windows[0] as OpenWindow;
      return { kind: 'window', records: w.recs, info: this.info(w, w.anchor, w.anchorId), tally };
    }
    const start = this.windows[0] as OpenWindow;
    if (this.count <= this.limit)
      return {
        kind: 'window',
        records: start.recs,
        info: this.info(start, 'whole run', -1),
        tally,
      };
    const first = firstViolationRecord(violations);
    if (first !== undefined) {
      const v = this.violationWindow;
      if (v !== undefined && v.anchorId === first && v.complete)
        return { kind: 'window', records: v.recs, info: this.info(v, v.anchor, first), tally };
      const from = Math.max(0, first - Math.floor(this.limit * BEFORE_VIOLATION));
      const to = Math.min(this.count - 1, from + this.limit - 1);
      return {
        kind: 'rerun',
        policy: { kind: 'ids', from, to, anchor: 'first violation', anchorId: first },
      };
    }
    const f = this.faultWindow;
    if (f !== undefined)
      return { kind: 'window', records: f.recs, info: this.info(f, f.anchor, f.anchorId), tally };
    return { kind: 'window', records: start.recs, info: this.info(start, 'start', -1), tally };
  }

  private liveViolations(violations: readonly ViolationRef[]): void {
    const fresh = violations.slice(this.violationsSeen);
    this.violationsSeen = violations.length;
    if (this.violationWindow !== undefined) return;
    const first = firstViolationRecord(fresh);
    if (first === undefined) return;
    const from = Math.max(0, first - Math.floor(this.limit * BEFORE_VIOLATION));
    this.violationWindow = this.openFromRing(from, from + this.limit - 1, 'first violation', first);
  }

  private open(from: number, to: number, anchor: AnchorKind, anchorId: number): OpenWindow {
    const w: OpenWindow = { from, to, anchor, anchorId, recs: [], complete: true };
    this.windows.push(w);
    return w;
  }

  /** Opens a window whose first records may already have passed: they come from the ring. */
  private openFromRing(from: number, to: number, anchor: AnchorKind, anchorId: number): OpenWindow {
    const recs: TraceRecord[] = [];
    const n = this.ring.length;
    for (let i = 0; i < n; i++) {
      const r = this.ring[(this.ringNext + i) % n];
      if (r !== undefined && r.id >= from && r.id <= to) recs.push(r);
    }
    // Incomplete when the ring had already forgotten the window's first records.
    const complete = recs[0]?.id === from;
    const w: OpenWindow = { from, to, anchor, anchorId, recs, complete };
    this.windows.push(w);
    return w;
  }

  private tallyRecord(rec: TraceRecord): void {
    let kinds = this.byActor.get(rec.actor);
    if (kinds === undefined) this.byActor.set(rec.actor, (kinds = new Map()));
    kinds.set(rec.kind, (kinds.get(rec.kind) ?? 0) + 1);
    const b = Math.min(
      DENSITY_BUCKETS - 1,
      Math.floor((rec.t / this.durationNs) * DENSITY_BUCKETS),
    );
    this.density[b] = (this.density[b] ?? 0) + 1;
    this.lastT = rec.t;
    if (rec.kind === K.link.drop && typeof rec.fields.len === 'number')
      this.linkDropBytes += rec.fields.len;
    if (STATE_KINDS.has(rec.kind)) {
      if (this.state.length < STATE_RECORDS_MAX) this.state.push(rec);
      else this.stateCapped = true;
    }
  }

  private keepTimed(rec: TraceRecord, fromNs: number, toNs: number): void {
    if (rec.t < fromNs) this.timeBefore++;
    else if (rec.t > toNs) this.timeAfter++;
    else if (this.timeRecs.length < this.limit) this.timeRecs.push(rec);
    else {
      this.timeAfter++;
      this.timeTruncated = true;
    }
  }

  private timeResult(fromNs: number, toNs: number, tally: RunTally): Collected {
    const recs = this.timeRecs;
    const last = recs[recs.length - 1];
    const info: WindowInfo = {
      anchor: 'asked',
      anchorId: -1,
      firstId: recs[0]?.id ?? -1,
      lastId: last?.id ?? -1,
      fromNs,
      toNs: this.timeTruncated && last !== undefined ? last.t : toNs,
      omittedBefore: this.timeBefore,
      omittedAfter: this.timeAfter,
      truncated: this.timeTruncated,
    };
    return { kind: 'window', records: recs, info, tally };
  }

  private info(w: OpenWindow, anchor: AnchorKind, anchorId: number): WindowInfo {
    const first = w.recs[0];
    const last = w.recs[w.recs.length - 1];
    for (let i = 1; i < w.recs.length; i++) {
      if ((w.recs[i] as TraceRecord).id !== (w.recs[i - 1] as TraceRecord).id + 1)
        throw new Error(`collect: window around ${anchorId} is not consecutive at ${i}`);
    }
    const whole = anchor === 'whole run';
    return {
      anchor,
      anchorId,
      firstId: first?.id ?? -1,
      lastId: last?.id ?? -1,
      fromNs: whole ? 0 : (first?.t ?? 0),
      toNs: whole ? Math.max(this.durationNs, this.lastT) : (last?.t ?? 0),
      omittedBefore: first?.id ?? 0,
      omittedAfter: last === undefined ? this.count : this.count - 1 - last.id,
      truncated: false,
    };
  }

  private tally(): RunTally {
    return {
      records: this.count,
      byActor: this.byActor,
      linkDropBytes: this.linkDropBytes,
      density: this.density,
      densityNs: this.durationNs,
      state: this.state,
      stateCapped: this.stateCapped,
    };
  }
}

/** The smallest record id among violations that name one (end-of-run ones name -1). */
export function firstViolationRecord(vs: readonly ViolationRef[]): number | undefined {
  let best: number | undefined;
  for (const v of vs)
    if (v.recordId >= 0 && (best === undefined || v.recordId < best)) best = v.recordId;
  return best;
}
