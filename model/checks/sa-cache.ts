// sa-cache (SPEC D-3, D-4, D-6; seed 003 §2.3, Caveat I): SAs are not replicated; the
// backup's MSDP learns them by snooping its replicated sockets. Two rules:
// 1. Once one SA refresh period (RFC 3618 §5.1: 60 s) has passed since the backup's last
//    MSDP socket replication became active, the backup's SA cache equals the master's,
//    compared by (RP, group, source). Both REs read the same messages a few microseconds
//    apart, so a difference counts only when it lasts LAG_NS; it is judged whenever an RE
//    reads an MSDP message or changes its cache.
// 2. A planned switchover hands the router to a backup whose cache holds every SA the
//    master had (all but those the master learned in the last LAG_NS): otherwise the new
//    master lacks SAs until their next refresh (Caveat I case 2, what the F-5 guard
//    prevents). The gap (which SAs, and how long until the new master had each again) is
//    measured and reported when it closes, or at the end of the run.
import type {
  LivenessCheck,
  Report,
  RunResult,
  SafetyCheck,
  TraceRecord,
} from '../../sim/index.ts';
import { formatDuration } from '../../sim/index.ts';
import type { SaCacheEntry } from '../app/msdp/cache.ts';
import { ipv4ToString } from '../net/segment.ts';
import type { RoutingEngine } from '../router/re.ts';
import type { World } from '../world.ts';
import { ACTOR, K, reOf } from '../vocab.ts';

export const SA_CACHE = 'sa-cache';

const LAG_NS = 1_000_000_000;
/** Slack after the refresh period: the last refreshes are in flight (ms) and are read. */
const SETTLE_NS = 2_000_000_000;
const SHOWN = 5;

const JUDGE: ReadonlySet<string> = new Set([K.msdp.rx, K.msdp.saNew, K.msdp.saExpire]);

function keyOf(e: { rp: number; group: number; source: number }): string {
  return `${ipv4ToString(e.rp)} ${ipv4ToString(e.group)} ${ipv4ToString(e.source)}`;
}

interface Gap {
  fromNs: number;
  recordId: number;
  newMaster: 0 | 1;
  missing: Map<string, number | undefined>;
}

export class SaCacheCheck implements SafetyCheck, LivenessCheck {
  readonly id = SA_CACHE;
  /** The only kinds onRecord reads (issue 18: no call for the others). */
  readonly kinds: ReadonlySet<string> = new Set([K.layer.socket, K.chassis.master, ...JUDGE]);
  private lastReplicationNs: number | undefined;
  private readonly differing = new Map<string, number>();
  private readonly reported = new Set<string>();
  private gap: Gap | undefined;

  constructor(private readonly world: World) {}

  onRecord(rec: TraceRecord, report: Report): void {
    if (rec.kind === K.layer.socket) this.lastReplicationNs = rec.t;
    else if (rec.kind === K.chassis.master) this.atMastership(rec, report);
    else if (rec.kind === K.msdp.saNew) this.closeGap(rec, report);
    if (JUDGE.has(rec.kind) && reOf(rec.actor) !== undefined) this.compare(rec, report);
  }

  atEnd(end: RunResult, report: Report): void {
    const g = this.gap;
    if (g !== undefined) this.reportGap(g, end.simulatedNs, report, ' (still missing at the end)');
  }

  private running(i: 0 | 1): boolean {
    return this.world.sim.isRunning(this.world.id(ACTOR.re(i)));
  }

  private engines(): [RoutingEngine, RoutingEngine] | undefined {
    const m = this.world.chassis.master as 0 | 1;
    const b = (1 - m) as 0 | 1;
    if (!this.running(m) || !this.running(b)) return undefined;
    return [this.world.res[m], this.world.res[b]];
  }

  /** Rule 1: a settled backup's cache equals the master's. */
  private compare(rec: TraceRecord, report: Report): void {
    const pair = this.engines();
    const at = this.lastReplicationNs;
    const period = this.world.res[0].msdp?.speaker.timers.saAdvertisementNs ?? 0;
    if (pair === undefined || at === undefined || rec.t < at + period + SETTLE_NS) {
      this.differing.clear();
      return;
    }
    const [master, backup] = pair;
    const mh = master.msdp;
    const bh = backup.msdp;
    // Judged only while the backup snoops every session the master has (D-4's premise):
    // not during a takeover, nor while replication is off (nsr-deconfig, an RE resyncing).
    if (mh === undefined || bh === undefined || mh.snooping().length > 0) return;
    const live = [...mh.sockets.values()].filter(
      (s) => s.mode === 'active' && s.conn !== undefined,
    );
    if (live.length === 0 || bh.snooping().length !== live.length) {
      this.differing.clear();
      return;
    }
    const mine = new Set(mh.speaker.saCache().map(keyOf));
    const theirs = new Set(bh.speaker.saCache().map(keyOf));
    const diff = [...mine].filter((k) => !theirs.has(k)).map((k) => `backup lacks ${k}`);
    diff.push(...[...theirs].filter((k) => !mine.has(k)).map((k) => `backup has extra ${k}`));
    for (const k of [...this.differing.keys()]) if (!diff.includes(k)) this.differing.delete(k);
    const late: string[] = [];
    for (const d of diff) {
      const since = this.differing.get(d) ?? rec.t;
      this.differing.set(d, since);
      if (rec.t - since >= LAG_NS && !this.reported.has(d)) late.push(d);
    }
    if (late.length === 0) return;
    for (const d of late) this.reported.add(d);
    report({
      recordId: rec.id,
      timeNs: rec.t,
      message: `the backup's SA cache differs from the master's ${formatDuration(rec.t - at)} after replication (D-4): ${late.slice(0, SHOWN).join('; ')}${late.length > SHOWN ? ` and ${late.length - SHOWN} more` : ''}`,
      evidence: { master: mine.size, backup: theirs.size, differences: late.length },
    });
  }

  /**
   * A new master. A gap still open ends here, planned switchover or crash takeover alike:
   * mastership leaves the RE that lacked those SAs, and what it never regained counts up
   * to this moment (not to the end of the run). A planned switchover may open a gap.
   */
  private atMastership(rec: TraceRecord, report: Report): void {
    if (this.gap !== undefined && rec.fields.master !== this.gap.newMaster)
      this.endGap(this.gap, rec, report, ' (still missing when mastership moved on)');
    if (rec.fields.sync === true) this.atSwitchover(rec);
  }

  /** Rule 2: what the new master lacks at a planned switchover. */
  private atSwitchover(rec: TraceRecord): void {
    const to = rec.fields.master as 0 | 1;
    const from = (1 - to) as 0 | 1;
    const old = this.world.res[from].msdp;
    const neu = this.world.res[to].msdp;
    if (old === undefined || neu === undefined) return;
    const has = new Set(neu.speaker.saCache().map(keyOf));
    const missing = new Map<string, number | undefined>();
    for (const e of old.speaker.saCache() as SaCacheEntry[])
      if (e.firstSeenNs <= rec.t - LAG_NS && !has.has(keyOf(e))) missing.set(keyOf(e), undefined);
    if (missing.size > 0) this.gap = { fromNs: rec.t, recordId: rec.id, newMaster: to, missing };
  }

  private closeGap(rec: TraceRecord, report: Report): void {
    const g = this.gap;
    if (g === undefined || reOf(rec.actor) !== g.newMaster) return;
    const f = rec.fields;
    const k = `${String(f.rp)} ${String(f.group)} ${String(f.source)}`;
    if (g.missing.has(k) && g.missing.get(k) === undefined) g.missing.set(k, rec.t);
    if ([...g.missing.values()].every((v) => v !== undefined)) this.endGap(g, rec, report, '');
  }

  /** The gap is over at `rec` (every SA back, or mastership moved on): traced and reported. */
  private endGap(g: Gap, rec: TraceRecord, report: Report, unregained: string): void {
    // The measurement in the trace too (a checker's record, as identical-data's).
    this.world.sim.traceFrom(ACTOR.check, K.layer.saGap, {
      check: this.id,
      re: g.newMaster,
      fromNs: g.fromNs,
      missing: g.missing.size,
      longestNs: Math.max(...[...g.missing.values()].map((t) => (t ?? rec.t) - g.fromNs)),
      sas: [...g.missing.keys()].join(','),
    });
    this.reportGap(g, rec.t, report, unregained);
    this.gap = undefined;
  }

  /** `unregained`: how the message says some SAs never came back ('' when all did). */
  private reportGap(g: Gap, endNs: number, report: Report, unregained: string): void {
    const spans = [...g.missing].map(([k, t]) => ({ k, ns: (t ?? endNs) - g.fromNs }));
    const longest = Math.max(...spans.map((s) => s.ns));
    const shown = spans.slice(0, SHOWN).map((s) => `${s.k} for ${formatDuration(s.ns)}`);
    report({
      recordId: g.recordId,
      timeNs: g.fromNs,
      message: `SA gap (D-6, Caveat I case 2): after the planned switchover re${g.newMaster} lacked ${spans.length} SA(s) the old master had, for up to ${formatDuration(longest)}${unregained}: ${shown.join('; ')}${spans.length > SHOWN ? ` and ${spans.length - SHOWN} more` : ''}`,
      evidence: {
        kind: 'sa-gap',
        missing: spans.length,
        longestNs: longest,
        sas: spans.map((s) => `${s.k}=${s.ns}`).join(','),
      },
    });
  }
}
