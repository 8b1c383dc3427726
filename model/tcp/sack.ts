// SACK (SPEC T-2). Receiver: the blocks we report (RFC 2018 §4; BSD tcp_update_sack_list):
// the contiguous run of t_segq that holds the segment just queued comes first, the
// others follow most recent first, blocks at or below rcv_nxt are dropped; with dsack on,
// a first D-SACK block reports the first duplicate range of an arriving segment (RFC 2883
// §4: the part below rcv_nxt, else the first part already queued), sent once. Sender: a
// scoreboard of the bytes the peer SACKed above snd_una, and RFC 6675 loss recovery
// (IsLost, SetPipe, NextSeg) driven from input.ts.
import type { SackBlock } from '../net/segment.ts';
import { seqAdd, seqDiff, seqGeq, seqGt, seqLeq, seqLt } from '../net/segment.ts';
import { TCP_REXMT_THRESH } from './defs.ts';
import type { ReassQueue } from './reass.ts';

/** Blocks kept for reporting (BSD MAX_SACK_BLKS). */
export const MAX_SACK_BLKS = 6;

/** Receiver side: the blocks to report, most recent first, and a pending D-SACK. */
export class SackReport {
  blocks: SackBlock[] = [];
  dsack: SackBlock | undefined;

  /** After [start, end) went into t_segq: its run leads the list (RFC 2018 §4). */
  update(q: ReassQueue, start: number, end: number): void {
    const run = runContaining(q, start, end);
    if (run === undefined) return;
    this.blocks = this.blocks.filter(
      (b) => !(seqLeq(run.left, b.right) && seqGeq(run.right, b.left)),
    );
    this.blocks.unshift(run);
    if (this.blocks.length > MAX_SACK_BLKS) this.blocks.length = MAX_SACK_BLKS;
  }

  /** Drops what rcv_nxt has passed (BSD tcp_clean_sackreport for the acknowledged part). */
  clean(rcvNxt: number): void {
    this.blocks = this.blocks.filter((b) => seqGt(b.right, rcvNxt));
    for (const b of this.blocks) if (seqLt(b.left, rcvNxt)) b.left = rcvNxt;
    assertDisjoint(this.blocks, rcvNxt, 'SackReport');
  }

  /** Records the first duplicate range of a data segment [seq, seq+len) (RFC 2883 §4). */
  noteDuplicate(q: ReassQueue, rcvNxt: number, seq: number, len: number): void {
    const end = seqAdd(seq, len);
    if (len <= 0) return;
    if (seqLt(seq, rcvNxt)) {
      this.dsack = { left: seq, right: seqLt(end, rcvNxt) ? end : rcvNxt };
      return;
    }
    for (const e of q.entries) {
      const eEnd = seqAdd(e.seq, e.data.length);
      const l = seqGt(e.seq, seq) ? e.seq : seq;
      const r = seqLt(eEnd, end) ? eEnd : end;
      if (seqLt(l, r)) {
        this.dsack = { left: l, right: r };
        return;
      }
    }
  }

  /** The blocks for the next segment, D-SACK first, at most `max`; the D-SACK is sent once. */
  take(max: number): SackBlock[] {
    const out: SackBlock[] = [];
    if (this.dsack !== undefined) out.push(this.dsack);
    for (const b of this.blocks) out.push({ left: b.left, right: b.right });
    this.dsack = undefined;
    return out.slice(0, Math.max(0, max));
  }

  get pending(): boolean {
    return this.dsack !== undefined || this.blocks.length > 0;
  }

  clear(): void {
    this.blocks = [];
    this.dsack = undefined;
  }
}

function runContaining(q: ReassQueue, start: number, end: number): SackBlock | undefined {
  const holds = (r: SackBlock): boolean => seqLeq(r.left, start) && seqGeq(r.right, end);
  let run: SackBlock | undefined;
  for (const e of q.entries) {
    const eEnd = seqAdd(e.seq, e.data.length);
    if (run !== undefined && e.seq === run.right) {
      run.right = eEnd;
      continue;
    }
    if (run !== undefined && holds(run)) return run;
    run = { left: e.seq, right: eEnd };
  }
  return run !== undefined && holds(run) ? run : undefined;
}

/** Internal invariant: non-empty, pairwise disjoint blocks, all above `floor`. */
function assertDisjoint(blocks: readonly SackBlock[], floor: number, who: string): void {
  for (const [i, b] of blocks.entries()) {
    if (!seqLt(b.left, b.right) || seqLt(b.left, floor))
      throw new Error(`${who}: block ${b.left}:${b.right} empty or below ${floor}`);
    for (const c of blocks.slice(i + 1)) {
      if (seqLt(b.left, c.right) && seqLt(c.left, b.right))
        throw new Error(`${who}: blocks ${b.left}:${b.right} and ${c.left}:${c.right} overlap`);
    }
  }
}

/** Sender side: SACKed ranges above snd_una (sorted, disjoint) and HighRxt (RFC 6675 §2). */
export class SackScoreboard {
  sacked: SackBlock[] = [];
  /** Highest sequence retransmitted in this recovery (RFC 6675 HighRxt). */
  highRxt = 0;
  /** In SACK loss recovery until snd_una reaches the recovery point (snd_recover). */
  inRecovery = false;

  /** Adds the blocks of an ACK that lie in (sndUna, sndMax]; D-SACK blocks fall out. */
  update(blocks: readonly SackBlock[] | undefined, sndUna: number, sndMax: number): void {
    for (const b of blocks ?? []) {
      if (!seqLt(b.left, b.right) || seqLeq(b.right, sndUna) || seqGt(b.right, sndMax)) continue;
      this.add({ left: seqGt(b.left, sndUna) ? b.left : sndUna, right: b.right });
    }
    this.advance(sndUna);
  }

  private add(nb: SackBlock): void {
    const out: SackBlock[] = [];
    let cur = nb;
    for (const b of this.sacked) {
      if (seqLt(b.right, cur.left)) out.push(b);
      else if (seqLt(cur.right, b.left)) {
        out.push(cur);
        cur = b;
      } else
        cur = {
          left: seqLt(b.left, cur.left) ? b.left : cur.left,
          right: seqGt(b.right, cur.right) ? b.right : cur.right,
        };
    }
    out.push(cur);
    this.sacked = out.sort((a, b) => seqDiff(a.left, b.left));
  }

  /** Forgets what the cumulative ACK covers. */
  advance(sndUna: number): void {
    this.sacked = this.sacked.filter((b) => seqGt(b.right, sndUna));
    for (const b of this.sacked) if (seqLt(b.left, sndUna)) b.left = sndUna;
    if (seqLt(this.highRxt, sndUna)) this.highRxt = sndUna;
    assertDisjoint(this.sacked, sndUna, 'SackScoreboard');
    for (let i = 1; i < this.sacked.length; i++) {
      if (!seqLt(this.sacked[i - 1]!.right, this.sacked[i]!.left))
        throw new Error('SackScoreboard: blocks out of order or touching');
    }
  }

  sackedAbove(seq: number): number {
    let n = 0;
    for (const b of this.sacked) {
      if (seqLeq(b.right, seq)) continue;
      n += seqDiff(b.right, seqGt(b.left, seq) ? b.left : seq);
    }
    return n;
  }

  /** RFC 6675 IsLost, by bytes: more than (DupThresh - 1) * SMSS SACKed above seq. */
  isLost(seq: number, mss: number): boolean {
    return this.sackedAbove(seq) > (TCP_REXMT_THRESH - 1) * mss;
  }

  private isSacked(seq: number): boolean {
    return this.sacked.some((b) => seqLeq(b.left, seq) && seqLt(seq, b.right));
  }

  /** The unSACKed ranges of [from, to), in order. */
  holes(from: number, to: number): SackBlock[] {
    const out: SackBlock[] = [];
    let at = from;
    for (const b of this.sacked) {
      if (seqLeq(b.right, at)) continue;
      if (seqGeq(b.left, to)) break;
      if (seqLt(at, b.left)) out.push({ left: at, right: b.left });
      at = b.right;
    }
    if (seqLt(at, to)) out.push({ left: at, right: to });
    return out;
  }

  /** RFC 6675 SetPipe, by bytes: unSACKed bytes not lost, plus those retransmitted. */
  pipe(sndUna: number, sndMax: number, mss: number): number {
    let pipe = 0;
    for (const h of this.holes(sndUna, sndMax)) {
      for (let s = h.left; seqLt(s, h.right);) {
        const e = seqLt(seqAdd(s, mss), h.right) ? seqAdd(s, mss) : h.right;
        const len = seqDiff(e, s);
        if (!this.isLost(s, mss)) pipe += len;
        if (seqLt(s, this.highRxt)) pipe += len;
        s = e;
      }
    }
    return pipe;
  }

  /**
   * RFC 6675 NextSeg: rule (1) with requireLost (above HighRxt, unSACKed, IsLost), rule
   * (3) without it (above HighRxt, unSACKed, below the highest SACKed byte). At most 1 SMSS.
   */
  nextLost(
    sndUna: number,
    sndMax: number,
    mss: number,
    requireLost: boolean,
  ): SackBlock | undefined {
    const top = this.sacked.at(-1);
    if (top === undefined) return undefined;
    const from = seqGt(this.highRxt, sndUna) ? this.highRxt : sndUna;
    for (const h of this.holes(from, top.right)) {
      if (this.isSacked(h.left) || (requireLost && !this.isLost(h.left, mss))) continue;
      const right = seqLt(seqAdd(h.left, mss), h.right) ? seqAdd(h.left, mss) : h.right;
      return { left: h.left, right: seqLt(right, sndMax) ? right : sndMax };
    }
    return undefined;
  }

  clear(): void {
    this.sacked = [];
    this.inRecovery = false;
  }
}
