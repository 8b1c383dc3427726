// PRL, the packet replication layer (SPEC P-1 … P-13, seed 001): every packet the peer
// sends to a replicated socket reaches the secondary socket before the primary's L4
// sees it, so both sockets see the same packets in the same order (G-2, G-4).
//
// Primary: ip_input hands PRL each packet for a replicated inpcb (P-1). While setup is
// in progress the packet is held as pending; once active it is dropped if the primary's
// receive buffer has no room (P-2) or PRL's own buffer is exhausted (P-8), otherwise it
// gets a sequence number, a replicate message goes to the secondary with the primary's
// free space, and the packet waits in the per-inpcb queue (P-9 option: one global
// queue). An ACK for the head passes it to L4 judged against common_rcvbufspc (P-3,
// P-10); a NACK drops or requeues it (P-4 options). The periodic handler times out a
// socket whose secondary went quiet while replicates are outstanding (P-7).
//
// Secondary: a replicate message with an unknown handle is NACKed invalid; for a socket
// not active it is NACKed not-replicating; then the buffer check (P-11 option decides
// how out-of-order data counts) gives an ACK carrying common_rcvbufspc followed by L4
// input, or a NACK buffer-full without L4 input (P-5). ACKs are one per packet in order,
// or coalesced (P-6 option: a batch shares one base value that both sides decrement by
// what L4 accepted, so they still agree packet by packet).
//
// Documented choices: the primary reports its space minus the payload it already holds
// unACKed (so the snapshot is not stale by the packets ahead of this one); on a KKCM
// cleanup the queue is pushed to L4 (the survivor must end up with every byte the lost
// side may have delivered, G-2); a requeued packet (P-4 'requeue') is replicated again
// at the tail, behind packets that arrived after it (which is what the §7.3c text says,
// and which G-4 then judges).
import type { Message } from '../../sim/index.ts';
import { decodeSegment, encodeSegment } from '../net/packet.ts';
import { seqLeq, type Segment } from '../net/segment.ts';
import { NsrClient } from './client.ts';
import type { CleanupReason, NsrState, PrlEntry, Rep } from './state.ts';
import type { NsrMessage } from './wire.ts';
import { K } from '../vocab.ts';

export type PrlLocal =
  | { readonly type: 'prl.input'; readonly handle: number; readonly seg: Segment }
  | { readonly type: 'prl.flush'; readonly handle: number; readonly late?: boolean }
  | { readonly type: 'prl.ack-flush'; readonly handle: number };

/** How late the prl-flush-after-new mutant flushes the held packets. */
const FLUSH_LATE_NS = 10_000_000;

/** Coalesced ACKs (P-6): flush a batch after this long or this many packets. */
const COALESCE_DELAY_NS = 100_000;
const COALESCE_MAX = 8;

export class Prl extends NsrClient<PrlLocal> {
  constructor(state: () => NsrState) {
    super('prl', state);
  }

  protected reset(): void {}

  protected onLocal(msg: PrlLocal): void {
    switch (msg.type) {
      case 'prl.input':
        this.fromL3(msg.handle, msg.seg);
        return;
      case 'prl.flush':
        if (this.nsr.is('prl-flush-after-new') && !msg.late) {
          // Mutant: the held packets are flushed later, after newer ones went out.
          this.ctx.startTimer(FLUSH_LATE_NS, {
            type: 'prl.flush',
            handle: msg.handle,
            late: true,
          } satisfies PrlLocal);
          return;
        }
        this.flushPending(msg.handle);
        return;
      case 'prl.ack-flush': {
        const rep = this.nsr.rep(msg.handle);
        if (rep !== undefined) this.sendBatchAck(rep);
        return;
      }
      default: {
        const never: never = msg;
        throw new Error(`prl: unknown message ${(never as Message).type}`);
      }
    }
  }

  protected onMessage(msg: NsrMessage): void {
    switch (msg.t) {
      case 'prl.replicate':
        this.onReplicate(msg);
        return;
      case 'prl.ack':
        this.onAck(msg);
        return;
      default:
        this.ctx.trace(K.prl.unexpected, { t: msg.t });
    }
  }

  protected onMalformed(handle: number | undefined, error: string): void {
    // A replicate we cannot parse is NACKed so the primary drops its copy too (K-5).
    const rep = handle === undefined ? undefined : this.lookup(handle);
    this.ctx.trace(K.prl.malformed, { handle: handle ?? -1, error });
    if (rep !== undefined && rep.role === 'secondary') {
      this.send(
        {
          t: 'prl.ack',
          handle: rep.peerHandle,
          seq: 0,
          space: rep.conn.so_rcv.sbspace(),
          reason: 'failed',
        },
        rep,
      );
    } else if (rep !== undefined) {
      // An ACK we cannot read: its packet's fate is unknown, so replication on the socket
      // is broken (I-6); the queue goes up L4 as on a timeout.
      this.postError(rep, `malformed PRL message: ${error}`, 'push');
    }
  }

  // ---- primary --------------------------------------------------------------------

  /** P-1: a packet from L3 for a replicated inpcb. */
  private fromL3(handle: number, seg: Segment): void {
    const rep = this.nsr.rep(handle);
    if (rep === undefined || rep.role !== 'primary' || (!rep.active && !rep.setupInProgress)) {
      // Replication went away while the packet was on its way: plain L4 input.
      this.l4(rep, seg, undefined, -1, -1, handle);
      return;
    }
    const arrival = rep.nextArrival++;
    if (!rep.active) {
      if (rep.pending.length >= this.nsr.bounds.prlPendingMax) {
        this.ctx.trace(K.prl.drop, {
          session: rep.session,
          reason: 'pending-full',
          tcpSeq: seg.seq,
        });
        return;
      }
      rep.pending.push({ seg, arrival });
      this.ctx.trace(K.prl.pending, {
        session: rep.session,
        arrival,
        tcpSeq: seg.seq,
        len: seg.payload.length,
        pending: rep.pending.length,
      });
      return;
    }
    if (rep.pending.length > 0 && !this.nsr.is('prl-flush-after-new')) {
      // Active, but the flush of the held packets has not run yet: queue behind them
      // so that they are replicated in arrival order (G-4).
      rep.pending.push({ seg, arrival });
      return;
    }
    this.replicate(rep, seg, arrival);
  }

  private replicate(rep: Rep, seg: Segment, arrival: number): void {
    const nsr = this.nsr;
    const len = seg.payload.length;
    // The primary's space: free buffer, but never less than the window it already
    // offered (a window does not shrink; what TCP offered it must take, as plain TCP
    // does), minus what PRL already holds for this socket.
    const c = rep.conn;
    const offered = Math.max(0, (c.rcv_adv - c.rcv_nxt) | 0);
    const primarySpace = Math.max(0, Math.max(c.so_rcv.sbspace(), offered) - rep.queuedBytes);
    // P-2 "no room": nothing at all fits. A packet that fits in part goes on; TCP keeps
    // the part inside common_rcvbufspc (requiring the whole packet to fit would drop
    // in-window segments once the window can no longer shrink, and the peer backs off).
    if (len > 0 && primarySpace <= 0) {
      this.ctx.trace(K.prl.drop, {
        session: rep.session,
        reason: 'rcvbuf',
        tcpSeq: seg.seq,
        len,
        space: primarySpace,
      }); // P-2
      return;
    }
    if (
      nsr.prlBufferedBytes + len > nsr.bounds.prlBufferBytes &&
      !nsr.is('prl-ignores-buffer-limit')
    ) {
      this.ctx.trace(K.prl.drop, {
        session: rep.session,
        reason: 'prl-buffer',
        tcpSeq: seg.seq,
        len,
      }); // P-8
      return;
    }
    const seq = nsr.opts.prlQueue === 'global' ? ++nsr.globalSeq >>> 0 : rep.nextSeq++ >>> 0;
    const bytes = encodeSegment(seg);
    const packet = nsr.opts.prlL3Header ? bytes : bytes.subarray(20); // P-12
    if (
      !this.send(
        { t: 'prl.replicate', handle: rep.peerHandle, seq, primarySpace, iif: 0, packet },
        rep,
      )
    ) {
      this.l4(rep, seg, undefined, seq, arrival);
      return;
    }
    const entry: PrlEntry = { seq, arrival, seg, bytes: len, sentNs: this.ctx.now, primarySpace };
    rep.queue.push(entry);
    if (nsr.opts.prlQueue === 'global') nsr.globalQueue.push({ handle: rep.handle, entry });
    rep.queuedBytes += len;
    nsr.prlBufferedBytes += len;
    this.ctx.trace(K.prl.queue, {
      session: rep.session,
      seq,
      arrival,
      len,
      queued: rep.queue.length,
      bytes: nsr.prlBufferedBytes,
    });
    if (nsr.is('prl-pass-up-before-ack')) this.l4(rep, seg, undefined, seq, arrival);
  }

  /** I-4: setup finished; replicate what was held meanwhile, in arrival order. */
  private flushPending(handle: number): void {
    const rep = this.nsr.rep(handle);
    if (rep === undefined) return;
    const held = rep.pending;
    rep.pending = [];
    this.ctx.trace(K.prl.flush, { session: rep.session, packets: held.length });
    for (const p of held) {
      // Mutant: the held packets go straight up L4 on the primary, never replicated.
      if (this.nsr.is('prl-no-pending-flush')) this.l4(rep, p.seg, undefined, -1, p.arrival);
      else this.replicate(rep, p.seg, p.arrival);
    }
  }

  /** P-3, P-4: ACK or NACK from the secondary. */
  private onAck(msg: NsrMessage & { t: 'prl.ack' }): void {
    const rep = this.lookup(msg.handle);
    if (rep === undefined || rep.role !== 'primary') {
      this.ctx.trace(K.prl.ackUnknown, { handle: msg.handle, seq: msg.seq });
      return;
    }
    rep.lastHeardNs = this.ctx.now;
    if (msg.reason === 'ok') {
      if (this.nsr.opts.prlAck === 'coalesce') this.ackBatch(rep, msg.seq, msg.space);
      else this.ackOne(rep, msg.seq, msg.space);
      return;
    }
    this.onNack(rep, msg.seq, msg.space, msg.reason);
  }

  private ackOne(rep: Rep, seq: number, space: number): void {
    const head = this.head(rep);
    if (head === undefined || head.seq !== seq) {
      this.ctx.trace(K.prl.ackMismatch, { session: rep.session, seq, head: head?.seq ?? -1 });
      this.postError(rep, `ACK for ${seq} does not match the head of the queue`, 'push');
      return;
    }
    this.shift(rep);
    rep.common_rcvbufspc = space;
    const appended = this.nsr.is('prl-pass-up-before-ack')
      ? 0
      : this.l4(rep, head.seg, space, seq, head.arrival);
    this.learnSecSpace(rep, seq, space, head.primarySpace, appended);
  }

  /** P-6 coalesced: one ACK covers every queued packet up to `seq`; replay the batch. */
  private ackBatch(rep: Rep, seq: number, base: number): void {
    let consumed = 0;
    let space = base;
    for (
      let head = this.head(rep);
      head !== undefined && seqLeq(head.seq, seq);
      head = this.head(rep)
    ) {
      this.shift(rep);
      // The mutant forgets that earlier packets of the batch used part of the space.
      space = this.nsr.is('prl-coalesce-without-rcvbufspc') ? base : base - consumed;
      rep.common_rcvbufspc = space;
      consumed += this.nsr.is('prl-pass-up-before-ack')
        ? 0
        : this.l4(rep, head.seg, space, head.seq, head.arrival);
    }
    this.learnSecSpace(rep, seq, base, Number.MAX_SAFE_INTEGER, consumed);
  }

  /**
   * What the ACK for packet `seq` tells of the secondary's own free space. The ACK
   * carries common = min(primary's reported space, secondary's space): when it is below
   * what the primary reported, the secondary was the limit and its space is known
   * exactly; when equal, the secondary had at least that much, so a larger estimate
   * already held is kept. (Taken literally, "the primary stores the common value" shuts
   * the window for good once the *primary's* application was the slow reader: the
   * secondary then has no reason to send a flow-control message, and only the peer's
   * persist probe reopens it. The simulator keeps the better lower bound.) A window
   * update sent after the secondary had processed `seq` is newer and wins.
   */
  private learnSecSpace(
    rep: Rep,
    seq: number,
    common: number,
    reportedPrimary: number,
    appended: number,
  ): void {
    if (rep.windowSeq >= 0 && seqLeq(seq, rep.windowSeq)) {
      rep.secSpace = Math.max(0, rep.secSpace - appended);
      return;
    }
    const exact = common < reportedPrimary;
    rep.secSpace = Math.max(0, (exact ? common : Math.max(common, rep.secSpace)) - appended);
  }

  private onNack(rep: Rep, seq: number, space: number, reason: string): void {
    const head = this.head(rep);
    this.ctx.trace(K.prl.nack, { session: rep.session, seq, reason, space });
    if (reason === 'bufferFull') {
      rep.secSpace = space;
      if (head === undefined || head.seq !== seq) return;
      this.shift(rep);
      if (this.nsr.opts.nackBufferFull === 'requeue') this.replicate(rep, head.seg, head.arrival);
      else
        this.ctx.trace(K.prl.drop, {
          session: rep.session,
          pair: pairOf(this.nsr, rep),
          reason: 'nack-buffer-full',
          seq,
          len: head.bytes,
        });
      return;
    }
    // invalid handle, not replicating, malformed: the socket's replication is broken.
    if (head !== undefined && head.seq === seq) {
      this.shift(rep);
      this.ctx.trace(K.prl.drop, {
        session: rep.session,
        pair: pairOf(this.nsr, rep),
        reason: `nack-${reason}`,
        seq,
        len: head.bytes,
      });
    }
    this.postError(rep, `NACK ${reason}`, this.nsr.opts.nackError);
  }

  /** P-7: no word from the other PRL while replicates are outstanding. */
  protected override onPeriodic(): void {
    const now = this.ctx.now;
    for (const rep of [...this.nsr.reps.values()]) {
      const head = rep.role === 'primary' ? rep.queue[0] : undefined;
      if (head === undefined) continue;
      const quietNs = now - Math.max(rep.lastHeardNs, head.sentNs);
      if (quietNs < this.nsr.timers.prlTimeoutNs) continue;
      this.ctx.trace(K.prl.timeout, { session: rep.session, queued: rep.queue.length, quietNs });
      prlRelease(this.nsr, this.ctx, rep, this.nsr.is('prl-timeout-drops-queue') ? 'drop' : 'push');
      rep.active = false;
      this.postError(rep, 'PRL timeout', 'push');
    }
  }

  protected override onCleanup(reason: CleanupReason): void {
    this.ctx.trace(K.prl.cleanup, { reason });
  }

  // ---- secondary ------------------------------------------------------------------

  /** P-5: a replicate message from the primary. */
  private onReplicate(msg: NsrMessage & { t: 'prl.replicate' }): void {
    const rep = this.nsr.rep(msg.handle);
    const bad = this.ackReasonFor(rep, 'secondary');
    if (rep === undefined || bad !== undefined) {
      this.ctx.trace(K.prl.nackSent, {
        handle: msg.handle,
        seq: msg.seq,
        reason: bad ?? 'invalidHandle',
      });
      this.send({
        t: 'prl.ack',
        handle: rep?.peerHandle ?? msg.handle,
        seq: msg.seq,
        space: 0,
        reason: bad ?? 'invalidHandle',
      });
      if (rep === undefined)
        this.ctx.trace(K.nsr.replicationError, {
          handle: msg.handle,
          by: 'prl',
          reason: 'invalid handle',
        });
      return;
    }
    rep.lastHeardNs = this.ctx.now;
    const seg = this.decode(rep, msg.packet);
    if (seg === undefined) {
      this.flushBatchFirst(rep);
      this.send(
        {
          t: 'prl.ack',
          handle: rep.peerHandle,
          seq: msg.seq,
          space: rep.conn.so_rcv.sbspace(),
          reason: 'failed',
        },
        rep,
      );
      return;
    }
    const coalesce = this.nsr.opts.prlAck === 'coalesce';
    const own = rep.conn.so_rcv.sbspace();
    if (coalesce && rep.batch === undefined)
      rep.batch = {
        base: Math.min(msg.primarySpace, own),
        consumed: 0,
        lastSeq: msg.seq,
        count: 0,
      };
    const common =
      coalesce && rep.batch !== undefined
        ? rep.batch.base - rep.batch.consumed
        : Math.min(msg.primarySpace, own);
    if (!this.bufferCheck(rep, seg, common)) {
      this.flushBatchFirst(rep);
      this.ctx.trace(K.prl.nackSent, {
        session: rep.session,
        pair: pairOf(this.nsr, rep),
        seq: msg.seq,
        reason: 'bufferFull',
        space: own,
        common,
      });
      this.send(
        { t: 'prl.ack', handle: rep.peerHandle, seq: msg.seq, space: own, reason: 'bufferFull' },
        rep,
      );
      // Mutant (§7.3f): L4 input anyway, judged against the secondary's own buffer.
      if (this.nsr.is('prl-l4-after-nack')) this.l4(rep, seg, undefined, msg.seq);
      return;
    }
    rep.common_rcvbufspc = common;
    rep.lastSeq = msg.seq;
    if (!coalesce)
      this.send(
        { t: 'prl.ack', handle: rep.peerHandle, seq: msg.seq, space: common, reason: 'ok' },
        rep,
      );
    const appended = this.l4(rep, seg, common, msg.seq);
    if (coalesce && rep.batch !== undefined) this.extendBatch(rep, msg.seq, appended);
  }

  /** P-11: does the packet fit? Out-of-order data counts as the option says. */
  private bufferCheck(rep: Rep, seg: Segment, common: number): boolean {
    const len = seg.payload.length;
    if (len === 0) return true;
    const ooo = rep.conn.t_segq.bytes;
    switch (this.nsr.opts.oooAccounting) {
      case 'doc':
        return common - ooo > 0;
      case 'count-incoming':
        return common - ooo >= len;
      case 'ignore-ooo':
        return common >= len;
      default: {
        const never: never = this.nsr.opts.oooAccounting;
        throw new Error(`prl: bad oooAccounting ${String(never)}`);
      }
    }
  }

  private decode(rep: Rep, packet: Uint8Array): Segment | undefined {
    let bytes = packet;
    if (!this.nsr.opts.prlL3Header) {
      // P-12 without the L3 header: rebuild it from the inpcb (addresses are the socket's).
      bytes = withIpHeader(packet, rep.conn.faddr, rep.conn.laddr);
    }
    const r = decodeSegment(bytes);
    if (!r.ok) {
      this.ctx.trace(K.prl.badPacket, { session: rep.session, error: r.error });
      return undefined;
    }
    return r.segment;
  }

  private extendBatch(rep: Rep, seq: number, appended: number): void {
    const b = rep.batch;
    if (b === undefined) return;
    b.consumed += appended;
    b.lastSeq = seq;
    b.count++;
    if (b.count >= COALESCE_MAX) this.sendBatchAck(rep);
    else if (b.count === 1)
      this.ctx.startTimer(COALESCE_DELAY_NS, {
        type: 'prl.ack-flush',
        handle: rep.handle,
      } satisfies PrlLocal);
  }

  private flushBatchFirst(rep: Rep): void {
    if (rep.batch !== undefined && rep.batch.count > 0) this.sendBatchAck(rep);
    rep.batch = undefined;
  }

  private sendBatchAck(rep: Rep): void {
    const b = rep.batch;
    rep.batch = undefined;
    if (b === undefined || b.count === 0) return;
    this.send(
      { t: 'prl.ack', handle: rep.peerHandle, seq: b.lastSeq, space: b.base, reason: 'ok' },
      rep,
    );
  }

  // ---- shared ---------------------------------------------------------------------

  private l4(
    rep: Rep | undefined,
    seg: Segment,
    space: number | undefined,
    seq: number,
    arrival = -1,
    handle = rep?.handle ?? -1,
  ): number {
    return prlL4(
      this.nsr,
      rep,
      seg,
      space,
      seq,
      (kind, f) => this.ctx.trace(kind, { handle, ...f }),
      arrival,
    );
  }

  private head(rep: Rep): PrlEntry | undefined {
    if (this.nsr.opts.prlQueue === 'global') {
      const g = this.nsr.globalQueue[0];
      return g !== undefined && g.handle === rep.handle ? g.entry : undefined;
    }
    return rep.queue[0];
  }

  private shift(rep: Rep): void {
    const e = rep.queue.shift();
    if (e === undefined) return;
    if (this.nsr.opts.prlQueue === 'global') this.nsr.globalQueue.shift();
    rep.queuedBytes -= e.bytes;
    this.nsr.prlBufferedBytes -= e.bytes;
  }
}

/**
 * L4 input of a packet PRL let through, judged against `space` (common_rcvbufspc,
 * P-10) when given. Returns the bytes TCP appended to so_rcv. Traced for G-4/P-10.
 */
export function prlL4(
  nsr: NsrState,
  rep: Rep | undefined,
  seg: Segment,
  space: number | undefined,
  seq: number,
  trace: (kind: string, f: Record<string, unknown>) => void,
  arrival = -1,
): number {
  if (rep === undefined) {
    trace(K.prl.l4, { seq, role: 'none', len: seg.payload.length });
    nsrL4Fallback(nsr, seg);
    return 0;
  }
  const before = rep.rcvAppended;
  rep.inputSpace = space;
  trace(K.prl.l4, {
    handle: rep.handle,
    pair: pairOf(nsr, rep),
    replicated: rep.active,
    session: rep.session,
    role: rep.role,
    seq,
    arrival,
    tcpSeq: seg.seq,
    len: seg.payload.length,
    ...(space === undefined ? {} : { space }),
  });
  try {
    rep.conn.input(seg);
  } finally {
    rep.inputSpace = undefined;
  }
  return rep.rcvAppended - before;
}

/** A packet for a socket that is no longer replicated goes to the stack as usual. */
function nsrL4Fallback(nsr: NsrState, seg: Segment): void {
  nsr.l4Fallback(seg);
}

/** Names one replication pair the same on both REs: the primary's RE and handle. */
export function pairOf(nsr: NsrState, rep: Rep): string {
  return rep.role === 'primary'
    ? `re${nsr.reIndex}#${rep.handle}`
    : `re${1 - nsr.reIndex}#${rep.peerHandle}`;
}

/** Empties a socket's PRL queue (and pending packets) into L4 or drops them (P-4, P-7, cleanup). */
export function prlRelease(
  nsr: NsrState,
  ctx: { trace(kind: string, f?: Record<string, unknown>): number },
  rep: Rep,
  mode: 'push' | 'drop',
): void {
  const entries = rep.queue;
  rep.queue = [];
  nsr.prlBufferedBytes -= rep.queuedBytes;
  rep.queuedBytes = 0;
  for (let i = nsr.globalQueue.length - 1; i >= 0; i--)
    if (nsr.globalQueue[i]?.handle === rep.handle) nsr.globalQueue.splice(i, 1);
  const held = rep.pending;
  rep.pending = [];
  ctx.trace(K.prl.release, {
    session: rep.session,
    mode,
    queued: entries.length,
    pending: held.length,
  });
  if (mode === 'drop') {
    for (const e of entries)
      ctx.trace(K.prl.drop, {
        session: rep.session,
        pair: pairOf(nsr, rep),
        reason: 'release',
        seq: e.seq,
        len: e.bytes,
      });
    return;
  }
  // Queued packets came from the peer before the held ones only if set-up never finished;
  // otherwise pending is empty. Either way each list is in arrival order.
  for (const e of entries)
    prlL4(nsr, rep, e.seg, undefined, e.seq, (k, f) => ctx.trace(k, f), e.arrival);
  for (const p of held) prlL4(nsr, rep, p.seg, undefined, -1, (k, f) => ctx.trace(k, f), p.arrival);
}

/** Prepends a 20-byte IPv4 header (checksum filled) to a bare TCP segment (P-12 off). */
function withIpHeader(tcp: Uint8Array, src: number, dst: number): Uint8Array {
  const out = new Uint8Array(20 + tcp.length);
  const dv = new DataView(out.buffer);
  dv.setUint8(0, 0x45);
  dv.setUint16(2, out.length);
  dv.setUint16(6, 0x4000);
  dv.setUint8(8, 64);
  dv.setUint8(9, 6);
  dv.setUint32(12, src);
  dv.setUint32(16, dst);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += dv.getUint16(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  dv.setUint16(10, ~sum & 0xffff);
  out.set(tcp, 20);
  return out;
}
