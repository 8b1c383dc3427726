// standby-diverged (SPEC; seed 004): in design redundant-tcp, the standby
// station's TCP and application must follow the operational station's. Nothing in the
// design makes them see the same packets (unlike PRL, P-1): a packet lost on the standby's
// path alone, or an early ACK the standby throws away (R-2 left out), leaves the standby
// behind for good, silently, and a takeover then hands the peer a TCP that lost data.
//
// How it judges (sampled, every SAMPLE_NS of simulated time, on the next trace record):
// per session, the standby's rcv_nxt, snd_una and the bytes its application read may lag
// the operational station's only by what is in flight on its path: each must reach, by
// now, the value the operational station had `settleNs` ago (SETTLE_NS plus the standby's
// timing lag). The first session whose standby does not is reported, once, with the
// first difference and its likely cause: the last packet lost on the standby's path only
// (link.drop on its internal link), an early ACK dropped (rtcp.ack-buffer-full), else
// "no loss seen on the standby's path". Other designs: nothing to compare (no-op).
import type { Report, SafetyCheck, TraceRecord } from '../../sim/index.ts';
import { seqLt } from '../net/segment.ts';
import type { StreamSession } from '../app/session.ts';
import type { Station } from '../redundant/station.ts';
import type { RedundantRouter } from '../redundant/build.ts';
import type { World } from '../world.ts';
import { ACTOR, K, LINK } from '../vocab.ts';

export const STANDBY_DIVERGED = 'standby-diverged';

/** How often the stations are compared (simulated time). */
export const SAMPLE_NS = 1_000_000;
/** What the standby may lag besides its timing offset: well above a packet's path time. */
export const SETTLE_NS = 200_000_000;

type Field = 'rcv_nxt' | 'snd_una' | 'appRead';
const FIELDS: readonly Field[] = ['rcv_nxt', 'snd_una', 'appRead'];

interface History {
  /** (time, the operational station's value) samples, oldest first, for each field. */
  samples: Array<{ t: number; v: Record<Field, number> }>;
}

export class StandbyDivergedCheck implements SafetyCheck {
  readonly id = STANDBY_DIVERGED;
  private nextNs = 0;
  private readonly hist = new Map<string, History>();
  private readonly reported = new Set<string>();
  /** The last loss on each station's receive path (its internal link, from the backplane). */
  private readonly lastDrop: [TraceRecord | undefined, TraceRecord | undefined] = [
    undefined,
    undefined,
  ];
  private lastEarlyDrop: TraceRecord | undefined;
  /** The last timing slip of each station (rtcp.clock-offset). */
  private readonly lag: [number, number] = [0, 0];
  private readonly settleNs: number;

  constructor(
    private readonly world: World,
    private readonly rtcp: RedundantRouter,
  ) {
    this.settleNs = SETTLE_NS + rtcp.settings.clockOffsetNs;
  }

  onRecord(rec: TraceRecord, report: Report): void {
    this.noteCause(rec);
    if (rec.t < this.nextNs) return;
    this.nextNs = rec.t + SAMPLE_NS;
    const pair = this.pair();
    if (pair === undefined) {
      this.hist.clear();
      return;
    }
    const [op, sb] = pair;
    for (const s of op.allSessions()) this.compare(rec, s, op, sb, report);
  }

  private noteCause(rec: TraceRecord): void {
    if (rec.kind === K.link.drop && rec.fields.from === 'b') {
      for (const i of [0, 1] as const)
        if (rec.actor === ACTOR.link(LINK.intRe(i))) this.lastDrop[i] = rec;
    } else if (rec.kind === K.rtcp.ackBufferFull) this.lastEarlyDrop = rec;
    else if (rec.kind === K.rtcp.clockOffset)
      this.lag[rec.fields.station === 1 ? 1 : 0] = Number(rec.fields.offsetNs);
  }

  /** The operational station and a running, synchronized standby; undefined otherwise. */
  private pair(): [Station, Station] | undefined {
    const op = this.rtcp.signals.operationalStation();
    if (op !== 0 && op !== 1) return undefined;
    const sb = this.rtcp.stations[op === 0 ? 1 : 0];
    if (!this.world.sim.isRunning(this.world.id(ACTOR.re(sb.index)))) return undefined;
    if (!sb.synchronized || !this.rtcp.signals.read(sb.index).ready) return undefined;
    return [this.rtcp.stations[op], sb];
  }

  private compare(
    rec: TraceRecord,
    s: StreamSession,
    op: Station,
    sb: Station,
    report: Report,
  ): void {
    const id = s.cfg.id;
    const mine = values(s);
    const theirs = sbValues(sb, id);
    if (mine === undefined || theirs === undefined || this.reported.has(id)) return;
    const h = this.hist.get(id) ?? { samples: [] };
    this.hist.set(id, h);
    h.samples.push({ t: rec.t, v: mine });
    // Keep the newest sample at least settleNs old, and everything after it.
    while (h.samples.length > 1 && (h.samples[1]?.t ?? Infinity) <= rec.t - this.settleNs)
      h.samples.shift();
    const old = h.samples[0];
    if (old === undefined || old.t > rec.t - this.settleNs) return;
    const f = FIELDS.find((k) =>
      k === 'appRead' ? theirs[k] < old.v[k] : seqLt(theirs[k], old.v[k]),
    );
    if (f === undefined) return;
    this.reported.add(id);
    this.report(rec, id, f, old, theirs, op, sb, report);
  }

  private report(
    rec: TraceRecord,
    id: string,
    f: Field,
    old: { t: number; v: Record<Field, number> },
    theirs: Record<Field, number>,
    op: Station,
    sb: Station,
    report: Report,
  ): void {
    const drop = this.lastDrop[sb.index];
    const cause =
      drop !== undefined
        ? `a packet lost on the standby's path only (seq ${String(drop.fields.seq)}, ${String(drop.fields.len)} bytes, record ${drop.id} at ${drop.t} ns)`
        : this.lastEarlyDrop !== undefined
          ? `an early ACK the standby could not keep (record ${this.lastEarlyDrop.id})`
          : this.lag[sb.index] > 0
            ? `the standby's timing lags ${this.lag[sb.index] / 1e6} ms (station-clock-offset), more than the ${this.settleNs / 1e6} ms allowed`
            : "no loss seen on the standby's path (its TCP or application behaved differently)";
    const what = f === 'appRead' ? "its application's bytes read" : f;
    report({
      recordId: rec.id,
      timeNs: rec.t,
      message: `${id}: the standby re${sb.index}'s ${what} is ${theirs[f]}, still short of the ${old.v[f]} the operational re${op.index} had ${Math.round((rec.t - old.t) / 1e6)} ms ago (R-7); cause: ${cause}`,
      evidence: {
        session: id,
        direction: f === 'snd_una' ? 'toPeer' : 'fromPeer',
        field: f,
        standby: sb.index,
        operational: op.index,
        standbyValue: theirs[f],
        operationalValue: old.v[f],
        ...(drop === undefined ? {} : { cause: 'standby-path-loss', dropRecord: drop.id }),
      },
    });
  }
}

function values(s: StreamSession | undefined): Record<Field, number> | undefined {
  const c = s?.conn;
  if (s === undefined || c === undefined || c.t_state !== 'ESTABLISHED') return undefined;
  return { rcv_nxt: c.rcv_nxt, snd_una: c.snd_una, appRead: s.stats().bytesRead };
}

function sbValues(sb: Station, id: string): Record<Field, number> | undefined {
  return values(sb.session(id));
}
