// adj-rib-in (SPEC B-3, B-1, B-2; issue 15): routes are not replicated; the backup's BGP
// learns each peer's Adj-RIB-In by reading both directions of its replicated socket (S-3).
// Once the backup has seen the peer's initial table (the master has received the peer's
// End-of-RIB, RFC 4724 §2, on the session the backup snoops), the backup's Adj-RIB-In for
// that peer equals the master's: same prefixes, same path attributes, same stale marks.
// Both REs read the same messages microseconds apart, so a difference counts only when it
// lasts LAG_NS; a peering is judged when an RE reads or sends one of its messages, at most
// once per JUDGE_EVERY_NS (a 100-peer table transfer has hundreds of thousands of them).
// Judged only while the backup snoops every session the master has (not during a
// takeover, nor while replication is off or an RE resynchronizes).
import type { Report, SafetyCheck, TraceRecord } from '../../sim/index.ts';
import { formatDuration } from '../../sim/index.ts';
import type { RibEntry } from '../app/bgp/rib.ts';
import type { BgpHost } from '../app/layer/bgp-host.ts';
import type { World } from '../world.ts';
import { ACTOR, K, reOf } from '../vocab.ts';

export const ADJ_RIB_IN = 'adj-rib-in';

const LAG_NS = 1_000_000_000;
const JUDGE_EVERY_NS = 50_000_000;
const SHOWN = 5;
const JUDGE: ReadonlySet<string> = new Set([K.bgp.rx, K.bgp.tx]);

function keyOf(e: RibEntry): string {
  return `${e.prefix}${e.stale ? ' (stale)' : ''} ${JSON.stringify(e.attrs)}`;
}

function sameAttrs(a: RibEntry['attrs'], b: RibEntry['attrs']): boolean {
  if (a === b) return true;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** What differs between two Adj-RIB-Ins (matched by prefix), in keyOf() words. */
export function ribDifferences(master: readonly RibEntry[], backup: readonly RibEntry[]): string[] {
  const theirs = new Map(backup.map((e) => [e.prefix, e]));
  const out: string[] = [];
  for (const m of master) {
    const b = theirs.get(m.prefix);
    theirs.delete(m.prefix);
    if (b === undefined) out.push(`backup lacks ${keyOf(m)}`);
    else if (m.stale !== b.stale || !sameAttrs(m.attrs, b.attrs))
      out.push(`backup has ${keyOf(b)} for ${keyOf(m)}`);
  }
  for (const b of theirs.values()) out.push(`backup has extra ${keyOf(b)}`);
  return out;
}

export class AdjRibInCheck implements SafetyCheck {
  readonly id = ADJ_RIB_IN;
  /** The only kinds onRecord reads (issue 18: no call for the others). */
  readonly kinds: ReadonlySet<string> = JUDGE;
  /** Per peering (the speaker's name): difference text -> since when it has lasted. */
  private readonly differing = new Map<string, Map<string, number>>();
  private readonly judged = new Map<string, number>();
  /** Differences already reported, per peering: two peers may announce the same route. */
  private readonly reported = new Map<string, Set<string>>();

  constructor(private readonly world: World) {}

  onRecord(rec: TraceRecord, report: Report): void {
    if (!JUDGE.has(rec.kind) || reOf(rec.actor) === undefined) return;
    const name = String(rec.fields.peer);
    const last = this.judged.get(name);
    if (last !== undefined && rec.t - last < JUDGE_EVERY_NS) return;
    this.judged.set(name, rec.t);
    const diff = this.differences(name);
    const was = this.differing.get(name) ?? new Map<string, number>();
    const now = new Map<string, number>();
    for (const d of diff) now.set(d, was.get(d) ?? rec.t);
    this.differing.set(name, now);
    const seen = this.reported.get(name) ?? new Set<string>();
    this.reported.set(name, seen);
    const late = [...now].filter(([d, since]) => rec.t - since >= LAG_NS && !seen.has(d));
    if (late.length === 0) return;
    for (const [d] of late) seen.add(d);
    const first = Math.min(...late.map(([, since]) => since));
    const shown = late.slice(0, SHOWN).map(([d]) => d);
    report({
      recordId: rec.id,
      timeNs: rec.t,
      message: `the backup's Adj-RIB-In for ${name} differs from the master's for ${formatDuration(rec.t - first)} after it saw the initial table (B-3): ${shown.join('; ')}${late.length > SHOWN ? ` and ${late.length - SHOWN} more` : ''}`,
      evidence: { peer: name, differences: late.length },
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
    let live = 0;
    for (const p of mh.peerings.values())
      if (p.sock !== undefined && p.sock.mode === 'active' && p.sock.conn !== undefined) live++;
    if (live === 0 || bh.snooping().length !== live) return undefined;
    return [mh, bh];
  }

  /** The peering `name`, once the master has its initial table (End-of-RIB): what differs. */
  private differences(name: string): string[] {
    const hosts = this.hosts();
    if (hosts === undefined) return [];
    const [mh, bh] = hosts;
    for (const [peer, p] of mh.peerings) {
      const sp = p.speaker;
      if (sp.cfg.name !== name) continue;
      const q = bh.peerings.get(peer);
      if (sp.state !== 'Established' || q?.sock?.mode !== 'snoop') return [];
      if (sp.counters.eorReceivedNs.length === 0) return [];
      return ribDifferences(sp.adjRibIn(), q.speaker.adjRibIn());
    }
    return [];
  }
}
