// sa-stream (SPEC D-4, S-1, G-9; RFC 3618 §5.1, §5.3): what an MSDP peer receives is the
// stream the router sent, across takeovers. Two rules:
// 1. Every TLV a peer reads (its msdp.rx, with the stream offset) is the TLV the router's
//    active engine wrote at that offset (msdp.tx: type and length). A takeover's new
//    master traces the TLV it finished at the offset the dead master had begun it, so a
//    half-written TLV completed wrongly, a duplicate or a skipped message shows here.
// 2. No SA the router still announces goes missing: a peer's SA-State entry expires
//    (msdp.sa-expire) only when the router no longer has the SA either (its master neither
//    originates that source now nor holds it in its cache), or when the refresh was only
//    late: the router had written it before the expiry and TCP delivered it after (a
//    takeover's TCP recovery can take a second or more). So an expiry of a live SA is
//    judged once the peer has read everything the router had written by then: if the
//    peer has not learned the SA again from those bytes, the router never sent the
//    refresh it owed (e.g. a takeover that dropped what the dead master still owed).
import type { Report, SafetyCheck, TraceRecord } from '../../sim/index.ts';
import { ipv4ToString, type Ipv4 } from '../net/segment.ts';
import type { World } from '../world.ts';
import { ACTOR, actorInfo, K } from '../vocab.ts';

export const SA_STREAM = 'sa-stream';

const KINDS: ReadonlySet<string> = new Set([
  K.msdp.tx,
  K.msdp.rx,
  K.msdp.up,
  K.msdp.saExpire,
  K.msdp.saNew,
]);

function key(rp: unknown, group: unknown, source: unknown): string {
  return `${String(rp)} ${String(group)} ${String(source)}`;
}

export class SaStreamCheck implements SafetyCheck {
  readonly id = SA_STREAM;
  /** The only kinds onRecord reads (issue 18: no call for the others). */
  readonly kinds: ReadonlySet<string> = KINDS;
  /** Peer name by address text, and address by name. */
  private readonly names = new Map<string, string>();
  private readonly addrs = new Map<string, Ipv4>();
  /** Per peer (name): what the router's active engine wrote, by stream offset. */
  private readonly sent = new Map<string, Map<number, string>>();
  /** Per peer: the end offset of what the router's active engine wrote. */
  private readonly written = new Map<string, number>();
  /** Per peer: expiries of live SAs, judged when the peer has read up to `upto`. */
  private readonly pending = new Map<
    string,
    Map<string, { rec: TraceRecord; upto: number; own: boolean }>
  >();

  constructor(private readonly world: World) {
    for (const p of world.peers) {
      this.names.set(ipv4ToString(p.addr), p.cfg.name);
      this.addrs.set(p.cfg.name, p.addr);
    }
  }

  onRecord(rec: TraceRecord, report: Report): void {
    if (!KINDS.has(rec.kind)) return;
    const info = actorInfo(rec.actor);
    const f = rec.fields;
    if (info.box === 're') {
      if (f.mode !== 'active') return;
      const peer = this.names.get(String(f.peer));
      if (peer === undefined) return;
      // A new session (not a takeover, which traces msdp.takeover): its stream starts over.
      if (rec.kind === K.msdp.up) {
        this.sent.set(peer, new Map());
        this.written.set(peer, 0);
      }
      if (rec.kind === K.msdp.tx) {
        this.txOf(peer).set(f.offset as number, what(f));
        const end = (f.offset as number) + (f.bytes as number);
        this.written.set(peer, Math.max(end, this.written.get(peer) ?? 0));
      }
      return;
    }
    if (info.box !== 'peer') return;
    if (rec.kind === K.msdp.up) this.pending.delete(info.peer);
    if (rec.kind === K.msdp.rx) {
      this.judge(info.peer, rec.fields.offset as number, report);
      this.received(rec, info.peer, report);
    }
    if (rec.kind === K.msdp.saExpire) this.expired(rec, info.peer);
    if (rec.kind === K.msdp.saNew)
      this.pending.get(info.peer)?.delete(key(f.rp, f.group, f.source));
  }

  /** The peer reads from `offset` on: expiries whose refresh would have come by now. */
  private judge(peer: string, offset: number, report: Report): void {
    const p = this.pending.get(peer);
    if (p === undefined) return;
    for (const [k, x] of p) {
      if (offset < x.upto) continue;
      p.delete(k);
      report({
        recordId: x.rec.id,
        timeNs: x.rec.t,
        message: `MSDP peer ${peer}'s SA ${k} expired while the router still ${x.own ? 'originates' : 'holds'} it, and nothing the router had written by then refreshed it: a refresh it owed the peer is missing`,
        evidence: { peer, sa: k, own: x.own, upto: x.upto },
      });
    }
  }

  private txOf(peer: string): Map<number, string> {
    let m = this.sent.get(peer);
    if (m === undefined) {
      m = new Map();
      this.sent.set(peer, m);
    }
    return m;
  }

  private received(rec: TraceRecord, peer: string, report: Report): void {
    const f = rec.fields;
    const tx = this.sent.get(peer);
    if (tx === undefined) return;
    const got = what(f);
    const want = tx.get(f.offset as number);
    if (want === got) return;
    report({
      recordId: rec.id,
      timeNs: rec.t,
      message: `MSDP peer ${peer} read ${got} at stream offset ${String(f.offset)}, where the router wrote ${want ?? 'nothing'}`,
      evidence: { peer, offset: f.offset as number, got, want: want ?? 'none' },
    });
  }

  private expired(rec: TraceRecord, peer: string): void {
    const f = rec.fields;
    const k = key(f.rp, f.group, f.source);
    const re = this.world.res[this.world.chassis.master as 0 | 1];
    const sp = re.msdp?.speaker;
    if (sp === undefined || !this.world.sim.isRunning(this.world.id(ACTOR.re(re.index)))) return;
    const addr = this.addrs.get(peer);
    const own = sp.localActive().some((e) => key(...triple(e)) === k);
    const held = sp
      .saCache()
      .some((e) => key(...triple(e)) === k && e.peer !== addr && e.expiresNs > rec.t);
    if (!own && !held) return;
    let p = this.pending.get(peer);
    if (p === undefined) {
      p = new Map();
      this.pending.set(peer, p);
    }
    p.set(k, { rec, upto: this.written.get(peer) ?? 0, own });
  }
}

function what(f: Readonly<Record<string, unknown>>): string {
  const entries = f.entries === undefined ? '' : ` x${String(f.entries)}`;
  return `${String(f.type)}${entries} (${String(f.bytes)} B)`;
}

function triple(e: { rp: Ipv4; group: Ipv4; source: Ipv4 }): [string, string, string] {
  return [ipv4ToString(e.rp), ipv4ToString(e.group), ipv4ToString(e.source)];
}
