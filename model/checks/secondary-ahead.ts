// P-15, part of identical-data (SPEC G-2): the secondary never falls behind. At every
// instant, for each replicated socket, the bytes the secondary accepted are a superset of
// what the primary accepted: inbound, the secondary passes each packet up L4 before it
// ACKs it (P-5), so when the primary passes a packet up on that ACK (P-3) its secondary
// must already hold at least as many bytes; outbound, the primary transmits only what the
// secondary holds (S-1), so every data segment the primary puts on the wire must lie
// within what SDRL appended to the secondary's send buffer; and no SACK block the primary
// sends may cover bytes its secondary lacks (T-2). A secondary behind its
// primary with both REs up passes every end-of-run comparison and loses data at the next
// failover: it is reported at once, as the G-2 violation it waits to become.
import type { Report, Simulation, TraceRecord } from '../../sim/index.ts';
import { ipv4ToString, seqAdd, seqDiff, seqGt, seqLeq, seqLt } from '../net/segment.ts';
import type { L4Input } from '../nsr/prl-queue.ts';
import type { NsrState, Rep } from '../nsr/state.ts';
import type { TcpConnection } from '../tcp/conn.ts';
import { ACTOR, K, type ReIndex } from '../vocab.ts';

/** The only kind onRecord reads. */
export const SECONDARY_AHEAD_KINDS: ReadonlySet<string> = new Set([K.pfe.tx]);

export class SecondaryAhead {
  private readonly states: [NsrState | undefined, NsrState | undefined] = [undefined, undefined];
  /** Per RE, the replicated socket of each connection (`peer:port>routerPort`). */
  private readonly flows: [Map<string, Rep>, Map<string, Rep>] = [new Map(), new Map()];
  private readonly reported = new Set<string>();

  constructor(
    private readonly sim: Simulation,
    private readonly report: Report,
  ) {}

  attach(nsr: NsrState): void {
    const re = nsr.reIndex;
    this.states[re] = nsr;
    this.flows[re] = new Map();
    nsr.l4Done.subscribe((rep, input) => this.inbound(nsr, rep, input));
    // Flows are learnt from a primary's writes and from SDRL's appends on a secondary: a
    // secondary that takes over is then judged from its first retransmission, not only
    // once its application writes again (onRecord judges primaries only).
    nsr.sent.subscribe((rep) => this.flows[re].set(flowOf(rep), rep));
  }

  /** The secondary of a primary on the other RE, while replication on the pair is active. */
  private secondaryOf(re: ReIndex, rep: Rep): Rep | undefined {
    const other = this.states[(1 - re) as ReIndex];
    const sec = other?.rep(rep.peerHandle);
    return sec !== undefined && sec.role === 'secondary' && sec.iha.active ? sec : undefined;
  }

  private inbound(nsr: NsrState, rep: Rep, input: L4Input): void {
    if (input.via !== 'ack' || rep.role !== 'primary') return;
    const sec = this.secondaryOf(nsr.reIndex, rep);
    if (sec === undefined || sec.rcv.offset >= rep.rcv.offset) return;
    this.violation(
      rep,
      'in',
      rep.rcv.offset,
      sec.rcv.offset,
      `the primary accepted inbound bytes up to ${rep.rcv.offset} (packet ${input.seq}) but its secondary holds only up to ${sec.rcv.offset}`,
    );
  }

  /** pfe.tx: a data segment the primary put on the wire must be one its secondary holds. */
  onRecord(rec: TraceRecord): void {
    if (rec.kind !== K.pfe.tx || rec.actor !== ACTOR.pfe) return;
    const f = rec.fields;
    const len = f.len as number;
    const re = f.re as ReIndex;
    if (re !== 0 && re !== 1) return;
    const rep = this.flows[re].get(`${String(f.dst)}:${String(f.dport)}>${String(f.sport)}`);
    if (rep === undefined || rep.role !== 'primary' || !rep.iha.active) return;
    const sec = this.secondaryOf(re, rep);
    if (sec === undefined) return;
    if (Array.isArray(f.sack)) this.sackBlocks(rep, sec, f.sack as [number, number][]);
    if (len <= 0) return;
    const c = rep.conn;
    const end = rep.sdrl.sndAppended - c.so_snd.cc + seqDiff(f.seq as number, c.snd_una) + len;
    if (end <= sec.sdrl.sndAppended) return;
    this.violation(
      rep,
      'out',
      end,
      sec.sdrl.sndAppended,
      `the primary transmitted outbound bytes up to ${end} but its secondary holds only up to ${sec.sdrl.sndAppended} (S-1)`,
    );
  }

  /**
   * T-2: no SACK block the primary sends may cover bytes its secondary lacks. The peer's
   * scoreboard marks SACKed bytes as received and RFC 6675 recovery skips them, so after a
   * takeover the new primary (which lacks them) reneges: the peer resends them only after
   * its retransmission timer fires and clears the scoreboard (RFC 2018 §8), a stall the
   * peer notices.
   */
  private sackBlocks(rep: Rep, sec: Rep, blocks: readonly [number, number][]): void {
    for (const [left, right] of blocks) {
      const held = heldUpTo(sec.conn, left, right);
      if (seqLeq(right, held)) continue;
      const base = (rep.conn.irs + 1) >>> 0;
      this.violation(
        rep,
        'sack',
        seqDiff(right, base),
        seqDiff(held, base),
        `the primary SACKed inbound bytes ${seqDiff(left, base)}-${seqDiff(right, base)} but its secondary holds them only up to ${seqDiff(held, base)} (T-2)`,
      );
      return;
    }
  }

  private violation(
    rep: Rep,
    dir: 'in' | 'out' | 'sack',
    primaryEnd: number,
    secondaryEnd: number,
    what: string,
  ): void {
    const key = `${rep.session}/${dir}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.report({
      recordId: this.sim.trace.count - 1,
      timeNs: this.sim.now,
      message: `${rep.session}: the secondary fell behind its primary (P-15): ${what}`,
      evidence: {
        session: rep.session,
        direction: dir,
        primaryEnd,
        secondaryEnd,
        behind: primaryEnd - secondaryEnd,
        firstDifferingOffset: secondaryEnd,
      },
    });
  }
}

/**
 * How far from `left` the connection holds inbound bytes without a gap, below rcv_nxt or in
 * its reassembly queue (sorted, non-overlapping); at most `right`.
 */
function heldUpTo(c: TcpConnection, left: number, right: number): number {
  let at = seqLt(left, c.rcv_nxt) ? c.rcv_nxt : left;
  for (const e of c.t_segq.entries) {
    if (seqLeq(right, at)) break;
    const end = seqAdd(e.seq, e.data.length);
    if (seqLeq(e.seq, at) && seqGt(end, at)) at = end;
  }
  return seqLeq(right, at) ? right : at;
}

function flowOf(rep: Rep): string {
  const c = rep.conn;
  return `${ipv4ToString(c.faddr)}:${c.fport}>${c.lport}`;
}
