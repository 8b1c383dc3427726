// adj-rib-in (SPEC B-3, B-1, B-2; issue 15): routes are not replicated; the backup's BGP
// learns each peer's Adj-RIB-In by reading both directions of its replicated socket (S-3).
// Once the backup has seen the peer's initial table (the master has received the peer's
// End-of-RIB, RFC 4724 §2, on the session the backup snoops), the backup's Adj-RIB-In for
// that peer equals the master's: same prefixes, same path attributes, same stale marks.
// Both REs read the same messages microseconds apart, so a difference counts only when it
// lasts LAG_NS; it is judged whenever an RE reads or sends a BGP message. Judged only
// while the backup snoops every session the master has (not during a takeover, nor while
// replication is off or an RE resynchronizes).
import type { Report, SafetyCheck, TraceRecord } from '../../sim/index.ts';
import { formatDuration } from '../../sim/index.ts';
import type { RibEntry } from '../app/bgp/rib.ts';
import type { BgpHost } from '../app/layer/bgp-host.ts';
import type { World } from '../world.ts';
import { ACTOR, K, reOf } from '../vocab.ts';

export const ADJ_RIB_IN = 'adj-rib-in';

const LAG_NS = 1_000_000_000;
const SHOWN = 5;
const JUDGE: ReadonlySet<string> = new Set([K.bgp.rx, K.bgp.tx]);

function keyOf(e: RibEntry): string {
  return `${e.prefix}${e.stale ? ' (stale)' : ''} ${JSON.stringify(e.attrs)}`;
}

export class AdjRibInCheck implements SafetyCheck {
  readonly id = ADJ_RIB_IN;
  /** Difference text -> since when it has lasted. */
  private readonly differing = new Map<string, number>();
  private readonly reported = new Set<string>();

  constructor(private readonly world: World) {}

  onRecord(rec: TraceRecord, report: Report): void {
    if (!JUDGE.has(rec.kind) || reOf(rec.actor) === undefined) return;
    const hosts = this.hosts();
    if (hosts === undefined) {
      this.differing.clear();
      return;
    }
    const diff = this.differences(hosts[0], hosts[1]);
    for (const k of [...this.differing.keys()]) if (!diff.has(k)) this.differing.delete(k);
    const late: string[] = [];
    for (const d of diff) {
      const since = this.differing.get(d) ?? rec.t;
      this.differing.set(d, since);
      if (rec.t - since >= LAG_NS && !this.reported.has(d)) late.push(d);
    }
    if (late.length === 0) return;
    for (const d of late) this.reported.add(d);
    const first = this.differing.get(late[0] as string) ?? rec.t;
    report({
      recordId: rec.id,
      timeNs: rec.t,
      message: `the backup's Adj-RIB-In differs from the master's for ${formatDuration(rec.t - first)} after it saw the initial table (B-3): ${late.slice(0, SHOWN).join('; ')}${late.length > SHOWN ? ` and ${late.length - SHOWN} more` : ''}`,
      evidence: { differences: late.length },
    });
  }

  /** Master's and backup's BGP hosts, when both REs run and the backup snoops every live session. */
  private hosts(): [BgpHost, BgpHost] | undefined {
    const m = this.world.chassis.master as 0 | 1;
    const b = (1 - m) as 0 | 1;
    const up = (i: 0 | 1) => this.world.sim.isRunning(this.world.id(ACTOR.re(i)));
    if (!up(m) || !up(b)) return undefined;
    const mh = this.world.res[m].bgp;
    const bh = this.world.res[b].bgp;
    if (mh === undefined || bh === undefined || mh.snooping().length > 0) return undefined;
    const live = [...mh.peerings.values()].filter(
      (p) => p.sock !== undefined && p.sock.mode === 'active' && p.sock.conn !== undefined,
    );
    if (live.length === 0 || bh.snooping().length !== live.length) return undefined;
    return [mh, bh];
  }

  /** Per peer whose initial table the master has (End-of-RIB received), what differs. */
  private differences(mh: BgpHost, bh: BgpHost): Set<string> {
    const out = new Set<string>();
    for (const [peer, p] of mh.peerings) {
      const sp = p.speaker;
      const q = bh.peerings.get(peer);
      if (sp.state !== 'Established' || q?.sock?.mode !== 'snoop') continue;
      if (sp.counters.eorReceivedNs.length === 0) continue;
      const name = p.sock?.id ?? '?';
      const mine = new Set(sp.adjRibIn().map(keyOf));
      const theirs = new Set(q.speaker.adjRibIn().map(keyOf));
      for (const k of mine) if (!theirs.has(k)) out.add(`${name}: backup lacks ${k}`);
      for (const k of theirs) if (!mine.has(k)) out.add(`${name}: backup has extra ${k}`);
    }
    return out;
  }
}
