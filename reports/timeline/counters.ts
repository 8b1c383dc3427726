// Counters per session under the diagram (SPEC V-1), from what the trace carries. Each
// series names its source (kind and field) so a reviewer knows what a value means:
//
//   RTO backoff          tcp.rto `shift` (t_rxtshift at each timeout; its reset on an ACK
//                        is not traced, so the value holds until the next RTO)
//   retransmissions      running count of tcp.retransmit, per side
//   advertised window    pfe.tx `wnd`: the window field of the router's segments (unscaled)
//   router ACKed bytes   pfe.tx `ack` less the first one in the window (again from a new
//                        connection's first): how far the router's TCP has received
//   common_rcvbufspc     psrm.window `common` (the primary's, P-10)
//   secondary space      psrm.window `space`
//   PRL queue depth      prl.queue `queued` on the primary; each later prl.l4 (primary) or
//                        prl.drop of a queued packet takes one off, a prl.cleanup empties it
//   SDRL unACKed bytes   sdrl.inflight `bytes` (at each send; ACKs are not traced)
//   peer / router cwnd   tcp.cwnd `cwnd` (traced when it moves by a quarter or more, so a
//                        step curve; the router's only on its primary: a replica has none)
//   bytes read           app.read `total`, per side (the stream offset read up to)
//
// MISSING lists what a reviewer asked for and the trace does not carry (none today).
import type { TraceRecord } from '../../sim/index.ts';
import { K, actorInfo } from '../../model/vocab.ts';

export interface Series {
  readonly name: string;
  readonly unit: 'bytes' | 'count' | 'raw';
  readonly source: string;
  /** [t, value, record id], in time order. */
  readonly pts: Array<[number, number, number]>;
}

export interface SessionCounters {
  readonly session: string;
  readonly series: Series[];
}

/** What a reviewer asked for and the trace does not carry (and what would carry it). */
export const MISSING: readonly string[] = [];

interface Def {
  readonly name: string;
  readonly unit: Series['unit'];
  readonly source: string;
}

const DEFS = {
  peerRto: { name: 'peer RTO backoff', unit: 'count', source: 'tcp.rto shift' },
  routerRto: { name: 'router RTO backoff', unit: 'count', source: 'tcp.rto shift' },
  peerRexmt: { name: 'peer retransmissions', unit: 'count', source: 'tcp.retransmit' },
  routerRexmt: {
    name: 'router retransmissions',
    unit: 'count',
    source: 'tcp.retransmit',
  },
  advWnd: { name: 'router advertised window', unit: 'raw', source: 'pfe.tx wnd, unscaled' },
  acked: { name: 'router ACKed bytes', unit: 'bytes', source: 'pfe.tx ack' },
  common: { name: 'common_rcvbufspc', unit: 'bytes', source: 'psrm.window common' },
  space: { name: 'secondary space', unit: 'bytes', source: 'psrm.window space' },
  prlQueue: {
    name: 'PRL queue depth',
    unit: 'count',
    source: 'prl.queue, prl.l4, prl.drop',
  },
  sdrl: { name: 'SDRL unACKed bytes', unit: 'bytes', source: 'sdrl.inflight bytes' },
  peerCwnd: { name: 'peer cwnd', unit: 'bytes', source: 'tcp.cwnd cwnd (steps of 25%)' },
  routerCwnd: { name: 'router cwnd', unit: 'bytes', source: 'tcp.cwnd cwnd (steps of 25%)' },
  peerRead: { name: 'peer bytes read', unit: 'bytes', source: 'app.read total' },
  routerRead: { name: 'router bytes read', unit: 'bytes', source: 'app.read total' },
} as const satisfies Record<string, Def>;

type DefKey = keyof typeof DEFS;

// TCP header flags (RFC 9293 §3.1), as pfe.tx carries them.
const TH_SYN = 0x02;
const TH_RST = 0x04;
const TH_ACK = 0x10;

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

class Builder {
  private readonly bySession = new Map<string, Map<DefKey, Series>>();
  private readonly rexmt = new Map<string, number>();
  private readonly ack0 = new Map<string, { first: number; last: number }>();
  /** Per session: the primary's PRL actor and its queued PRL sequence numbers. */
  private readonly prl = new Map<string, { actor: string; seqs: Set<number> }>();

  add(session: string, key: DefKey, r: TraceRecord, v: number): void {
    let m = this.bySession.get(session);
    if (m === undefined) this.bySession.set(session, (m = new Map()));
    let s = m.get(key);
    if (s === undefined) m.set(key, (s = { ...DEFS[key], pts: [] }));
    const last = s.pts[s.pts.length - 1];
    if (last !== undefined && last[0] === r.t) s.pts.pop();
    s.pts.push([r.t, v, r.id]);
  }

  record(r: TraceRecord, session: string | undefined): void {
    if (r.kind === K.prl.cleanup) return this.prlCleanup(r);
    if (session === undefined) return;
    const f = r.fields;
    const box = actorInfo(r.actor).box;
    const side = box === 'peer' ? 'peer' : 'router';
    switch (r.kind) {
      case K.tcp.rto:
        return this.add(session, side === 'peer' ? 'peerRto' : 'routerRto', r, num(f.shift) ?? 0);
      case K.tcp.retransmit: {
        const key = `${session}|${side}`;
        const n = (this.rexmt.get(key) ?? 0) + 1;
        this.rexmt.set(key, n);
        return this.add(session, side === 'peer' ? 'peerRexmt' : 'routerRexmt', r, n);
      }
      case K.pfe.tx:
        return this.pfeTx(session, r);
      case K.psrm.window:
        if (num(f.common) !== undefined) this.add(session, 'common', r, f.common as number);
        if (num(f.space) !== undefined) this.add(session, 'space', r, f.space as number);
        return;
      case K.sdrl.inflight:
        return this.add(session, 'sdrl', r, num(f.bytes) ?? 0);
      case K.tcp.cwnd:
        return this.add(session, side === 'peer' ? 'peerCwnd' : 'routerCwnd', r, num(f.cwnd) ?? 0);
      case K.app.read:
        return this.add(
          session,
          f.side === 'peer' ? 'peerRead' : 'routerRead',
          r,
          num(f.total) ?? 0,
        );
      case K.prl.queue:
      case K.prl.l4:
      case K.prl.drop:
        return this.prlRecord(session, r);
      default:
        return;
    }
  }

  private pfeTx(session: string, r: TraceRecord): void {
    const wnd = num(r.fields.wnd);
    if (wnd !== undefined) this.add(session, 'advWnd', r, wnd);
    const ack = num(r.fields.ack);
    const flags = num(r.fields.flags) ?? 0;
    if (ack === undefined || (flags & TH_ACK) === 0 || (flags & TH_RST) !== 0) return;
    const base = this.ack0.get(session);
    // Sequence space is modulo 2^32. An ACK behind the last one, or a SYN, is another
    // connection of the session (a new master's application): count from it again.
    const behind = base !== undefined && ((ack - base.last) | 0) < 0;
    const a0 = base === undefined || behind || (flags & TH_SYN) !== 0 ? ack : base.first;
    this.ack0.set(session, { first: a0, last: ack });
    this.add(session, 'acked', r, (ack - a0) >>> 0);
  }

  private prlRecord(session: string, r: TraceRecord): void {
    const seq = num(r.fields.seq);
    if (r.kind === K.prl.queue) {
      const q = this.prl.get(session);
      const seqs = q !== undefined && q.actor === r.actor ? q.seqs : new Set<number>();
      if (seq !== undefined) seqs.add(seq);
      this.prl.set(session, { actor: r.actor, seqs });
      // The trace's own count is the truth; the set follows it where it can.
      this.add(session, 'prlQueue', r, num(r.fields.queued) ?? seqs.size);
      return;
    }
    if (r.kind === K.prl.l4 && r.fields.role !== 'primary') return;
    const q = this.prl.get(session);
    if (q === undefined || q.actor !== r.actor || seq === undefined || !q.seqs.delete(seq)) return;
    const last = this.series(session, 'prlQueue')?.pts.at(-1)?.[1] ?? q.seqs.size + 1;
    this.add(session, 'prlQueue', r, Math.max(0, last - 1));
  }

  private prlCleanup(r: TraceRecord): void {
    for (const [session, q] of this.prl) {
      if (q.actor !== r.actor || q.seqs.size === 0) continue;
      q.seqs.clear();
      this.add(session, 'prlQueue', r, 0);
    }
  }

  private series(session: string, key: DefKey): Series | undefined {
    return this.bySession.get(session)?.get(key);
  }

  result(sessions: readonly string[]): SessionCounters[] {
    const order = Object.keys(DEFS) as DefKey[];
    return sessions.map((session) => {
      const m = this.bySession.get(session);
      const series = order.flatMap((k) => {
        const s = m?.get(k);
        return s === undefined ? [] : [s];
      });
      return { session, series };
    });
  }
}

/** The counters of every session, from a window's records and their sessions. */
export function buildCounters(
  records: readonly TraceRecord[],
  sessionOf: ReadonlyArray<string | undefined>,
  sessions: readonly string[],
): SessionCounters[] {
  const b = new Builder();
  records.forEach((r, i) => b.record(r, sessionOf[i]));
  return b.result(sessions);
}
