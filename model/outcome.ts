// The failover outcome of a run as the peer saw it (SPEC O-1) and the steady-state cost
// of the design (O-2): every run computes it (nsrsim run prints it, nsrsim compare puts
// designs side by side). It lives in model/ beside the checkers because, like them, it
// observes one World through its trace (model/vocab.ts kinds) and its objects, and needs
// nothing of the entry side; scenarios/ and reports/ both read it.
//
// Definitions (per session, then summed or maxed over sessions):
// - sessionResets: the peer application's connection ended other than normally
//   (app.closed on the peer with reason reset, timeout or aborted).
// - peer-visible stall: a gap between two reads of the peer application (app.read on
//   the peer), from its first read on, the gap from its last read to the end of the run
//   included; peerStallMsMax is the longest, in ms.
// - holdExpiries: stalls longer than the scenario's holdTime (the application's hold
//   timer: BGP 90 s, MSDP 75 s).
// - peerRetransmissions / peerRtoBackoffs: tcp.retransmit / tcp.rto traced by a peer.
// - appBytesLost: of what the router application wrote into a connection, what the peer
//   application never read: on a connection that was reset, everything it did not read;
//   on the connection open at the end, the unread bytes only if the peer's stall reaches
//   the end and is at least DEAD_STALL_NS long (a dead session), else they count as in
//   flight. The router application's bytes are taken across RE incarnations: each
//   router application attached to the connection counts (app.attach / app.takeover),
//   the furthest stream offset any of them wrote.
// - appBytesDuplicated: records the peer application read twice (app.verify-error of
//   kind duplicate on the peer): a count of records, as the verifier reports no sizes.
// - recoveryMs: from the first fault to the first byte the peer application received
//   after the stall the fault caused: per session the longest gap that ends after the
//   fault and begins before fault + FAULT_STALL_WINDOW_NS (what was in flight at the
//   fault may still arrive first); the worst session's; null without a fault or when
//   that stall never ended.
// - interReBytesPerAppByte (O-2): bytes on the inter-RE link (IP + TCP headers + payload,
//   both directions) per application byte read at either end.
// - addedLatencyUs (O-2): how long the design holds incoming data before the primary's
//   TCP gets it: per data packet, from the primary PRL queueing it (prl.queue) to its L4
//   input (prl.l4, role primary), p50 and p99 in µs (PRL's own processing cost before
//   the queue is left out). A design without PRL (redundant-tcp: the standby does not
//   delay the operational station's input; none) adds 0.
// - routesLost: n/a (null) for stream sessions; with BGP peers (issue 15) the routes the
//   peers deleted without the router withdrawing them (deleted at once without graceful
//   restart, or stale routes flushed), and `routes` (routeOutcome()) details them. BGP
//   sessions' resets and hold-timer expiries, as the peers' speakers counted them, add to
//   sessionResets and holdExpiries.
import type { TraceRecord } from '../sim/index.ts';
import type { StreamSession } from './app/session.ts';
import type { Peer } from './peer.ts';
import type { World } from './world.ts';
import { isReActor, K, LINK, reOf } from './vocab.ts';

export interface SessionOutcome {
  session: string;
  resets: number;
  holdExpiries: number;
  stallMsMax: number;
  /** The longest stall ending after the first fault: its length (ms) and end (undefined: open). */
  afterFault: { ms: number; endNs: number | undefined } | undefined;
  /** The peer stalls from before DEAD_STALL_NS to the end: this session never recovered. */
  dead: boolean;
  retransmissions: number;
  rtoBackoffs: number;
  bytesLost: number;
  bytesDuplicated: number;
  /** The router application's bytes across RE incarnations (every connection). */
  routerWrote: number;
  routerRead: number;
}

export interface Outcome {
  sessionResets: number;
  holdExpiries: number;
  peerStallMsMax: number;
  peerRetransmissions: number;
  peerRtoBackoffs: number;
  appBytesLost: number;
  appBytesDuplicated: number;
  routesLost: number | null;
  /** With BGP peers only (issue 15): what the peers' tables went through (routeOutcome()). */
  routes?: RouteOutcome;
  recoveryMs: number | null;
  interReBytesPerAppByte: number;
  addedLatencyUs: { p50: number; p99: number };
  sessions: SessionOutcome[];
}

/** What the BGP peers' tables went through (SPEC O-1, issue 15), over every peer. */
export interface RouteOutcome {
  /** Routes the peers deleted at once (no graceful restart) or flushed stale. */
  withdrawn: number;
  /** Most routes kept stale (RFC 4724 §4.2) at one loss, summed over peers. */
  keptStale: number;
  /** Longest time any route stayed stale (ms). */
  staleMsMax: number;
  /** Longest time from a session's loss until the peer's table was whole again (End-of-RIB,
   * ms); 0 when no session was lost; null when some table was still not whole at the end. */
  wholeAgainMs: number | null;
}

interface Track {
  reads: number[];
  resets: number;
  /**
   * Connections of the peer's session that ended: a router application attached after n
   * of them feeds the peer's generation n (the peer opens its next generation only when
   * the new connection is accepted, which can be after the router's side attached).
   */
  closes: number;
  retransmissions: number;
  rtoBackoffs: number;
  duplicated: number;
  /** Router applications seen on this session, with the peer's generation then. */
  routerApps: Array<{ app: StreamSession; generation: number }>;
}

/** IPv4 + TCP headers without options: what a packet adds to its payload on a link. */
const IP_TCP_HEADER_BYTES = 40;

/** A stall reaching the end of the run at least this long is a dead session (bytes lost). */
export const DEAD_STALL_NS = 1_000_000_000;

/** A stall the fault caused begins within this time after it (in-flight data drains first). */
export const FAULT_STALL_WINDOW_NS = 100_000_000;

type Gap = { len: number; end: number; open: boolean };

function longestOf(gs: readonly Gap[]): Gap | undefined {
  return gs.reduce<Gap | undefined>(
    (a, g) => (a === undefined || g.len > a.len ? g : a),
    undefined,
  );
}

const ms = (ns: number): number => Math.round(ns / 1e3) / 1e3;

/** The only kinds the observer's onRecord reads (issue 18: no call for the others). */
const OUTCOME_KINDS: ReadonlySet<string> = new Set([
  K.prl.queue,
  K.prl.l4,
  K.app.read,
  K.app.closed,
  K.app.verifyError,
  K.tcp.retransmit,
  K.tcp.rto,
  K.app.attach,
  K.app.takeover,
]);

/** Watches one World from before its run; outcome() after it. */
export class OutcomeObserver {
  private readonly tracks = new Map<string, Track>();
  private readonly peerByActor = new Map<string, string>();
  private interReBytes = 0;
  /** PRL: when each queued packet was queued, by actor, session and arrival number. */
  private readonly queued = new Map<string, number>();
  private readonly addedNs: number[] = [];

  constructor(private readonly world: World) {
    for (const p of world.peers) this.peerByActor.set(`peer:${p.cfg.name}`, p.cfg.name);
    world.sim.trace.addListener((rec) => this.onRecord(rec), OUTCOME_KINDS);
    const link = world.links.get(LINK.interRe);
    if (link !== undefined) {
      const before = link.tap;
      link.tap = (from, seg, sentNs, arrivalNs, copy) => {
        before?.(from, seg, sentNs, arrivalNs, copy);
        if (copy === 0) this.interReBytes += IP_TCP_HEADER_BYTES + seg.payload.length;
      };
    }
  }

  private track(id: string): Track {
    let t = this.tracks.get(id);
    if (t === undefined) {
      t = {
        reads: [],
        resets: 0,
        closes: 0,
        retransmissions: 0,
        rtoBackoffs: 0,
        duplicated: 0,
        routerApps: [],
      };
      this.tracks.set(id, t);
    }
    return t;
  }

  private onRecord(rec: TraceRecord): void {
    const f = rec.fields;
    if (rec.kind === K.prl.queue || rec.kind === K.prl.l4) {
      this.onPrl(rec);
      return;
    }
    if (this.peerByActor.has(rec.actor)) {
      this.onPeerRecord(rec);
      return;
    }
    if (
      (rec.kind === K.app.attach || rec.kind === K.app.takeover) &&
      isReActor(rec.actor, 'kernel')
    ) {
      const id = String(f.session);
      const app = this.world.res[reOf(rec.actor) as 0 | 1].session(id);
      const t = this.track(id);
      if (app !== undefined && !t.routerApps.some((x) => x.app === app))
        t.routerApps.push({ app, generation: t.closes });
    }
  }

  /** O-2: how long PRL held each data packet of a primary socket. */
  private onPrl(rec: TraceRecord): void {
    const f = rec.fields;
    if (Number(f.len) <= 0) return;
    const key = `${rec.actor} ${String(f.session)} ${String(f.arrival)}`;
    if (rec.kind === K.prl.queue) {
      this.queued.set(key, rec.t);
      return;
    }
    const at = this.queued.get(key);
    if (f.role !== 'primary' || at === undefined) return;
    this.queued.delete(key);
    this.addedNs.push(rec.t - at);
  }

  private onPeerRecord(rec: TraceRecord): void {
    const f = rec.fields;
    switch (rec.kind) {
      case K.app.read:
        this.track(String(f.session)).reads.push(rec.t);
        return;
      case K.app.closed: {
        const t = this.track(String(f.session));
        t.closes++;
        if (f.reason !== 'normal') t.resets++;
        return;
      }
      case K.app.verifyError:
        if (f.kind === 'duplicate') this.track(String(f.session)).duplicated++;
        return;
      case K.tcp.retransmit:
      case K.tcp.rto: {
        const id = this.sessionOfConn(rec);
        if (id === undefined) return;
        const t = this.track(id);
        if (rec.kind === K.tcp.rto) t.rtoBackoffs++;
        else t.retransmissions++;
        return;
      }
      default:
        return;
    }
  }

  /** The session a peer TCP record is about (its conn key names the peer's port). */
  private sessionOfConn(rec: TraceRecord): string | undefined {
    const peer = this.peerByActor.get(rec.actor);
    const m = /^[\d.]+:(\d+)>/.exec(String(rec.fields.conn));
    if (peer === undefined || m === null) return undefined;
    const p = this.world.peers.find((x) => x.cfg.name === peer);
    const s = p?.sessions.find((x) => x.conn?.lport === Number(m[1]));
    return s?.cfg.id ?? `${peer}/?`;
  }

  outcome(endNs: number, faultNs: number | undefined): Outcome {
    const hold = this.world.cfg.holdTimeNs;
    const sessions = this.world.peers.flatMap((p) => allSessions(p).map((s) => s.cfg.id));
    const ids = [...new Set(sessions)];
    const per = ids.map((id) => this.sessionOutcome(id, endNs, hold, faultNs));
    const o = summarize(per, faultNs, this.interReBytes, this.appBytes());
    return { ...withRoutes(o, this.world), addedLatencyUs: percentilesUs(this.addedNs) };
  }

  private appBytes(): number {
    let n = 0;
    for (const p of this.world.peers) for (const s of allSessions(p)) n += s.inOffset;
    for (const t of this.tracks.values()) n += routerTotals(t).read;
    return n;
  }

  private sessionOutcome(
    id: string,
    endNs: number,
    hold: number,
    faultNs: number | undefined,
  ): SessionOutcome {
    const t = this.track(id);
    const gaps = stalls(t.reads, endNs);
    const longest = longestOf(gaps) ?? { len: 0, end: endNs, open: false };
    const post =
      faultNs === undefined
        ? undefined
        : longestOf(
            gaps.filter((g) => g.end > faultNs && g.end - g.len <= faultNs + FAULT_STALL_WINDOW_NS),
          );
    const tot = routerTotals(t);
    const tail = gaps.at(-1);
    const dead = tail !== undefined && tail.open && tail.len >= DEAD_STALL_NS;
    const lost = this.bytesLost(id, t, dead);
    return {
      session: id,
      resets: t.resets,
      holdExpiries: gaps.filter((g) => g.len > hold).length,
      stallMsMax: ms(longest.len),
      afterFault:
        post === undefined
          ? undefined
          : { ms: ms(post.len), endNs: post.open ? undefined : post.end },
      retransmissions: t.retransmissions,
      rtoBackoffs: t.rtoBackoffs,
      bytesLost: lost,
      bytesDuplicated: t.duplicated,
      dead,
      routerWrote: tot.wrote,
      routerRead: tot.read,
    };
  }

  /** Per peer generation: what the router applications wrote to it that the peer never read. */
  private bytesLost(id: string, t: Track, dead: boolean): number {
    const [peer = ''] = id.split('/');
    const p = this.world.peers.find((x) => x.cfg.name === peer);
    const gens = (p === undefined ? [] : allSessions(p)).filter((s) => s.cfg.id === id);
    const last = Math.max(0, ...gens.map((g) => g.generation));
    let lost = 0;
    for (const g of gens) {
      const wrote = Math.max(
        0,
        ...t.routerApps.filter((a) => a.generation === g.generation).map((a) => a.app.outOffset),
      );
      if (g.generation < last || g.closed !== undefined || dead)
        lost += Math.max(0, wrote - g.inOffset);
    }
    return lost;
  }
}

/** p50 and p99 (nearest rank) in µs; 0 when nothing was held. */
function percentilesUs(ns: readonly number[]): { p50: number; p99: number } {
  if (ns.length === 0) return { p50: 0, p99: 0 };
  const sorted = [...ns].sort((a, b) => a - b);
  const at = (q: number): number => {
    const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
    return Math.round((sorted[i] as number) / 10) / 100;
  };
  return { p50: at(0.5), p99: at(0.99) };
}

/** Every application session of a peer: the current ones and those a reset retired. */
function allSessions(p: Peer): StreamSession[] {
  return [...p.retired, ...p.sessions];
}

/** The router application's bytes across incarnations: per generation the furthest offsets. */
function routerTotals(t: Track): { wrote: number; read: number } {
  const byGen = new Map<number, { wrote: number; read: number }>();
  for (const a of t.routerApps) {
    const g = byGen.get(a.generation) ?? { wrote: 0, read: 0 };
    g.wrote = Math.max(g.wrote, a.app.outOffset);
    g.read = Math.max(g.read, a.app.inOffset);
    byGen.set(a.generation, g);
  }
  let wrote = 0;
  let read = 0;
  for (const g of byGen.values()) {
    wrote += g.wrote;
    read += g.read;
  }
  return { wrote, read };
}

/** Gaps between reads from the first one on; the last one runs to the end (open). */
function stalls(
  reads: readonly number[],
  endNs: number,
): Array<{ len: number; end: number; open: boolean }> {
  const out: Array<{ len: number; end: number; open: boolean }> = [];
  for (let i = 1; i < reads.length; i++) {
    const a = reads[i - 1] as number;
    const b = reads[i] as number;
    out.push({ len: b - a, end: b, open: false });
  }
  const lastRead = reads.at(-1);
  if (lastRead !== undefined) out.push({ len: endNs - lastRead, end: endNs, open: true });
  return out;
}

/** The BGP peers' figures (issue 15) folded into an outcome; unchanged without BGP peers. */
function withRoutes(o: Outcome, world: World): Outcome {
  const outs = world.peers.flatMap((p) =>
    [...(p.bgp?.peerings.values() ?? [])].map((x) => x.speaker.outcome()),
  );
  if (outs.length === 0) return o;
  const sum = (f: (x: (typeof outs)[number]) => number): number =>
    outs.reduce((a, x) => a + f(x), 0);
  const whole = outs.some((x) => x.wholeAgainLongestNs === undefined)
    ? null
    : ms(Math.max(0, ...outs.map((x) => x.wholeAgainLongestNs ?? 0)));
  return {
    ...o,
    sessionResets: o.sessionResets + sum((x) => x.sessionResets),
    holdExpiries: o.holdExpiries + sum((x) => x.holdExpiries),
    routesLost: sum((x) => x.routesLost),
    routes: {
      withdrawn: sum((x) => x.routesLost),
      keptStale: sum((x) => x.staleRoutesMax),
      staleMsMax: ms(Math.max(0, ...outs.map((x) => x.staleLongestNs))),
      wholeAgainMs: whole,
    },
  };
}

function summarize(
  per: SessionOutcome[],
  faultNs: number | undefined,
  interReBytes: number,
  appBytes: number,
): Outcome {
  const sum = (f: (s: SessionOutcome) => number): number => per.reduce((a, s) => a + f(s), 0);
  const worst = per.reduce((a, s) => Math.max(a, s.stallMsMax), 0);
  const post = per
    .map((s) => s.afterFault)
    .reduce<SessionOutcome['afterFault']>(
      (a, g) => (g !== undefined && (a === undefined || g.ms > a.ms) ? g : a),
      undefined,
    );
  const end = per.some((s) => s.dead) ? undefined : post?.endNs;
  return {
    sessionResets: sum((s) => s.resets),
    holdExpiries: sum((s) => s.holdExpiries),
    peerStallMsMax: worst,
    peerRetransmissions: sum((s) => s.retransmissions),
    peerRtoBackoffs: sum((s) => s.rtoBackoffs),
    appBytesLost: sum((s) => s.bytesLost),
    appBytesDuplicated: sum((s) => s.bytesDuplicated),
    routesLost: null,
    recoveryMs: faultNs === undefined || end === undefined ? null : ms(Math.max(0, end - faultNs)),
    interReBytesPerAppByte: appBytes === 0 ? 0 : Math.round((interReBytes / appBytes) * 1e4) / 1e4,
    addedLatencyUs: { p50: 0, p99: 0 },
    sessions: per,
  };
}
