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
// P-10); a NACK buffer-full drops or requeues it, a NACK invalid-handle or
// not-replicating drops it or leaves it for IHA to push up with the rest (P-4 options).
// The periodic handler times out a socket whose secondary went quiet while replicates are
// outstanding (P-7).
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
import { assert, assertInt, unreachable, type ActorContext } from '../../sim/index.ts';
import { decodeSegment, encodeSegment, ipChecksum } from '../net/packet.ts';
import { seqLeq, type Segment } from '../net/segment.ts';
import { K } from '../vocab.ts';
import { NsrClient, whoseFor } from './client.ts';
import { ihaDeactivate } from './iha-state.ts';
import {
  pairOf,
  prlEnqueue,
  prlHead,
  prlL4,
  prlL4Unreplicated,
  prlLearnSecSpace,
  prlRelease,
  prlShift,
  type L4Input,
  type PrlTracer,
} from './prl-queue.ts';
import type { CleanupReason, NsrState, PrlEntry, Rep } from './state.ts';
import type { NsrMessage } from './wire.ts';

export { pairOf, prlRelease };

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

  /** The prl-secondary-lags-one-packet mutant's held-back replicate, per secondary handle. */
  private lagging = new Map<number, { seg: Segment; seq: number; space: number | undefined }>();

  protected reset(): void {
    this.lagging = new Map();
  }

  protected onLocal(msg: PrlLocal): void {
    switch (msg.type) {
      case 'prl.input':
        // Paired with the RE kernel's ip_input, which posts only packets of a handle it had.
        assert(msg.handle > 0, () => `prl.input for handle ${msg.handle}`);
        this.fromL3(msg.handle, msg.seg);
        return;
      case 'prl.flush':
        if (this.nsr.is('prl-flush-after-new') && !msg.late) {
          // Mutant: the held packets are flushed later, after newer ones went out.
          const late: PrlLocal = { type: 'prl.flush', handle: msg.handle, late: true };
          this.ctx.startTimer(FLUSH_LATE_NS, late);
          return;
        }
        this.flushPending(msg.handle);
        return;
      case 'prl.ack-flush': {
        const rep = this.nsr.rep(msg.handle);
        if (rep !== undefined) this.sendBatchAck(rep);
        return;
      }
      default:
        unreachable(msg, 'prl message');
    }
  }

  protected onMessage(msg: NsrMessage): void {
    // P-14 'whole-re' (§7.3e): the RE's one clock hears every PRL message of every socket.
    this.nsr.prl.lastHeardNs = this.ctx.now;
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
    const rep = handle === undefined ? undefined : this.lookup(handle, 'either');
    this.ctx.trace(K.prl.malformed, { handle: handle ?? -1, error });
    if (rep !== undefined && rep.role === 'secondary') {
      const space = rep.conn.so_rcv.sbspace();
      this.send({ t: 'prl.ack', handle: rep.peerHandle, seq: 0, space, reason: 'failed' }, rep);
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
    if (rep === undefined) {
      // Replication went away while the packet was on its way: plain L4 input.
      prlL4Unreplicated(this.nsr, this.traceWith(handle), handle, seg);
      return;
    }
    if (rep.role !== 'primary' || (!rep.iha.active && !rep.iha.setupInProgress)) {
      this.l4(rep, seg, { via: 'direct', seq: -1, arrival: -1, space: undefined });
      return;
    }
    const arrival = rep.prl.nextArrival++;
    assertInt(arrival, 1, Number.MAX_SAFE_INTEGER, 'PRL arrival index');
    if (!rep.iha.active) {
      // The test above leaves a primary in set-up here (P-1).
      assert(rep.iha.setupInProgress, () => `PRL: ${rep.session} neither active nor set up`);
      this.hold(rep, seg, arrival);
      return;
    }
    if (rep.prl.pending.length > 0 && !this.nsr.is('prl-flush-after-new')) {
      // Active, but the flush of the held packets has not run yet: queue behind them
      // so that they are replicated in arrival order (G-4).
      this.holdInOrder(rep, seg, arrival);
      return;
    }
    this.replicate(rep, seg, arrival);
  }

  /** Appends to the held packets, which stay in arrival order (G-4). */
  private holdInOrder(rep: Rep, seg: Segment, arrival: number): void {
    const last = rep.prl.pending[rep.prl.pending.length - 1];
    assert(
      last === undefined || last.arrival < arrival,
      () => `PRL: ${rep.session} holds arrival ${last?.arrival} before ${arrival}`,
    );
    rep.prl.pending.push({ seg, arrival });
  }

  /** P-1: set-up in progress: the packet is held, neither passed up nor replicated. */
  private hold(rep: Rep, seg: Segment, arrival: number): void {
    assert(
      rep.role === 'primary' && rep.iha.setupInProgress && !rep.iha.active,
      () => `PRL holds for ${rep.session}, which is not a primary in set-up`,
    );
    const q = rep.prl;
    if (q.pending.length >= this.nsr.bounds.prlPendingMax) {
      const f = { session: rep.session, reason: 'pending-full', tcpSeq: seg.seq };
      this.ctx.trace(K.prl.drop, f);
      return;
    }
    this.holdInOrder(rep, seg, arrival);
    assert(q.pending.length <= this.nsr.bounds.prlPendingMax, 'PRL: pending over its bound');
    this.ctx.trace(K.prl.pending, {
      session: rep.session,
      arrival,
      tcpSeq: seg.seq,
      len: seg.payload.length,
      pending: q.pending.length,
    });
  }

  /**
   * The primary's space: free buffer, but never less than the window it already offered (a
   * window does not shrink; what TCP offered it must take, as plain TCP does), minus what PRL
   * already holds for this socket.
   */
  private primarySpace(rep: Rep): number {
    assert(rep.role === 'primary', () => `primarySpace of ${rep.session}, a secondary`);
    const c = rep.conn;
    const offered = Math.max(0, (c.rcv_adv - c.rcv_nxt) | 0);
    const space = Math.max(0, Math.max(c.so_rcv.sbspace(), offered) - rep.prl.queuedBytes);
    // It travels as a u32 (prl.replicate primarySpace).
    assertInt(space, 0, 0xffff_ffff, 'PRL primary space');
    return space;
  }

  private replicate(rep: Rep, seg: Segment, arrival: number): void {
    const nsr = this.nsr;
    const len = seg.payload.length;
    // Only a packet of a primary that was activated gets here (fromL3, the flush, a
    // requeue), and activation needs the secondary's handle (I-4).
    assert(
      rep.role === 'primary' && rep.peerHandle !== 0 && !rep.iha.setupInProgress,
      () => `PRL: replicating for ${rep.session}, a ${rep.role} with peer ${rep.peerHandle}`,
    );
    const primarySpace = this.primarySpace(rep);
    // P-2 "no room": nothing at all fits. A packet that fits in part goes on; TCP keeps
    // the part inside common_rcvbufspc (requiring the whole packet to fit would drop
    // in-window segments once the window can no longer shrink, and the peer backs off).
    if (len > 0 && primarySpace <= 0) {
      const f = {
        session: rep.session,
        reason: 'rcvbuf',
        tcpSeq: seg.seq,
        len,
        space: primarySpace,
      };
      this.ctx.trace(K.prl.drop, f); // P-2
      return;
    }
    const full = nsr.prl.bufferedBytes + len > nsr.bounds.prlBufferBytes;
    if (full && !nsr.is('prl-ignores-buffer-limit')) {
      this.ctx.trace(K.prl.drop, {
        session: rep.session,
        reason: 'prl-buffer',
        tcpSeq: seg.seq,
        len,
      }); // P-8
      return;
    }
    const seq =
      nsr.opts.prlQueue === 'global' ? ++nsr.prl.globalSeq >>> 0 : rep.prl.nextSeq++ >>> 0;
    const bytes = encodeSegment(seg);
    const packet = nsr.opts.prlL3Header ? bytes : bytes.subarray(20); // P-12
    const msg: NsrMessage = {
      t: 'prl.replicate',
      handle: rep.peerHandle,
      seq,
      primarySpace,
      iif: 0,
      packet,
    };
    const entry: PrlEntry = { seq, arrival, seg, bytes: len, sentNs: this.ctx.now, primarySpace };
    if (!this.send(msg, rep)) {
      this.refused(rep, entry);
      return;
    }
    prlEnqueue(nsr, rep, entry);
    // P-8: the buffer bound holds after every enqueue (the mutant ignores it).
    assert(
      nsr.prl.bufferedBytes <= nsr.bounds.prlBufferBytes || nsr.is('prl-ignores-buffer-limit'),
      () => `PRL buffer holds ${nsr.prl.bufferedBytes} of ${nsr.bounds.prlBufferBytes} bytes`,
    );
    this.ctx.trace(K.prl.queue, {
      session: rep.session,
      seq,
      arrival,
      len,
      queued: rep.prl.queue.length,
      bytes: nsr.prl.bufferedBytes,
    });
    if (nsr.is('prl-pass-up-before-ack'))
      this.l4(rep, seg, { via: 'direct', seq, arrival, space: undefined });
  }

  /**
   * K-4: KKCM refused the replicate and send() posted the replication error (I-6): the
   * socket's replication ends here, as at a timeout (giveUp, without a second error). What
   * PRL queued before this packet goes up L4 first, then this one, in arrival order (G-4);
   * nothing unsent is left in the queue for an ACK or a later release to misread.
   */
  private refused(rep: Rep, e: PrlEntry): void {
    prlRelease(this.nsr, this.ctx, rep, 'push');
    ihaDeactivate(this.nsr, rep);
    this.l4(rep, e.seg, { via: 'direct', seq: e.seq, arrival: e.arrival, space: undefined });
  }

  /** I-4: setup finished; replicate what was held meanwhile, in arrival order. */
  private flushPending(handle: number): void {
    const rep = this.nsr.rep(handle);
    if (rep === undefined) return;
    // prl.flush comes from IHA's activation of this (primary) handle (I-4).
    assert(rep.role === 'primary', () => `PRL flush for ${rep.session}, a secondary`);
    const held = rep.prl.pending;
    rep.prl.pending = [];
    this.ctx.trace(K.prl.flush, { session: rep.session, packets: held.length });
    for (const p of held) {
      // Mutant: the held packets go straight up L4 on the primary, never replicated.
      if (this.nsr.is('prl-no-pending-flush'))
        this.l4(rep, p.seg, { via: 'direct', seq: -1, arrival: p.arrival, space: undefined });
      else this.replicate(rep, p.seg, p.arrival);
    }
    // Nothing is held while the flush runs: packets arriving meanwhile are later events.
    assert(rep.prl.pending.length === 0, () => `PRL: ${rep.session} held packets mid-flush`);
  }

  /** P-3, P-4: ACK or NACK from the secondary. */
  private onAck(msg: NsrMessage & { t: 'prl.ack' }): void {
    const rep = this.lookup(msg.handle, whoseFor(msg.reason));
    if (rep === undefined || rep.role !== 'primary') {
      this.ctx.trace(K.prl.ackUnknown, { handle: msg.handle, seq: msg.seq });
      return;
    }
    rep.prl.lastHeardNs = this.ctx.now;
    if (msg.reason === 'ok') {
      if (this.nsr.opts.prlAck === 'coalesce') this.ackBatch(rep, msg.seq, msg.space);
      else this.ackOne(rep, msg.seq, msg.space);
      return;
    }
    this.onNack(rep, msg.seq, msg.space, msg.reason);
  }

  private ackOne(rep: Rep, seq: number, space: number): void {
    assert(
      rep.role === 'primary' && this.nsr.opts.prlAck === 'per-packet',
      () => `ackOne for ${rep.session} (${rep.role}, ${this.nsr.opts.prlAck})`,
    );
    const head = prlHead(this.nsr, rep);
    if (head === undefined || head.seq !== seq) {
      this.ctx.trace(K.prl.ackMismatch, { session: rep.session, seq, head: head?.seq ?? -1 });
      this.postError(rep, `ACK for ${seq} does not match the head of the queue`, 'push');
      return;
    }
    this.shiftHead(rep, head);
    rep.prl.common_rcvbufspc = space;
    const input: L4Input = { via: 'ack', seq, arrival: head.arrival, space };
    const appended = this.nsr.is('prl-pass-up-before-ack') ? 0 : this.l4(rep, head.seg, input);
    prlLearnSecSpace(rep, seq, space, head.primarySpace, appended);
  }

  /** P-6 coalesced: one ACK covers every queued packet up to `seq`; replay the batch. */
  private ackBatch(rep: Rep, seq: number, base: number): void {
    assert(
      rep.role === 'primary' && this.nsr.opts.prlAck === 'coalesce',
      () => `ackBatch for ${rep.session} (${rep.role}, ${this.nsr.opts.prlAck})`,
    );
    let consumed = 0;
    let space = base;
    for (
      let head = prlHead(this.nsr, rep);
      head !== undefined && seqLeq(head.seq, seq);
      head = prlHead(this.nsr, rep)
    ) {
      this.shiftHead(rep, head);
      // The mutant forgets that earlier packets of the batch used part of the space.
      space = this.nsr.is('prl-coalesce-without-rcvbufspc') ? base : base - consumed;
      rep.prl.common_rcvbufspc = space;
      const input: L4Input = { via: 'ack', seq: head.seq, arrival: head.arrival, space };
      consumed += this.nsr.is('prl-pass-up-before-ack') ? 0 : this.l4(rep, head.seg, input);
    }
    assert(consumed >= 0, () => `PRL batch of ${rep.session} consumed ${consumed} bytes`);
    prlLearnSecSpace(rep, seq, base, Number.MAX_SAFE_INTEGER, consumed);
  }

  /** Removes `head` (what prlHead gave) from the socket's queue: prlShift takes that one. */
  private shiftHead(rep: Rep, head: PrlEntry): void {
    const e = prlShift(this.nsr, rep);
    assert(e === head, () => `PRL: ${rep.session} shifted seq ${e?.seq}, head was ${head.seq}`);
  }

  private onNack(rep: Rep, seq: number, space: number, reason: string): void {
    assert(
      rep.role === 'primary' && reason !== 'ok',
      () => `onNack for ${rep.session} (${rep.role}) with ${reason}`,
    );
    const head = prlHead(this.nsr, rep);
    this.ctx.trace(K.prl.nack, { session: rep.session, seq, reason, space });
    const dropped = (why: string, e: PrlEntry): void => {
      const f = {
        session: rep.session,
        pair: pairOf(this.nsr, rep),
        reason: why,
        seq,
        len: e.bytes,
      };
      this.ctx.trace(K.prl.drop, f);
    };
    if (reason === 'bufferFull') {
      rep.prl.secSpace = space;
      if (head === undefined || head.seq !== seq) return;
      this.shiftHead(rep, head);
      if (this.nsr.opts.nackBufferFull === 'requeue') this.replicate(rep, head.seg, head.arrival);
      else dropped('nack-buffer-full', head);
      return;
    }
    // invalid handle, not replicating, malformed: the socket's replication is broken.
    // P-4 'drop' (§6.2c): "the buffered packet corresponding to this NACK will be
    // dropped", the rest follow at IHA's clean-up. P-4 'push' (§7.3c): "dequeue and push
    // all packets in PRL queue", the NACKed one included: it stays at the head, so IHA's
    // release (prlRelease 'push') hands it to L4 first, in arrival order (G-4), and an ACK
    // for it that is still on its way finds it and passes it up as usual.
    const mode = this.nsr.opts.nackError;
    if (mode === 'drop' && head !== undefined && head.seq === seq) {
      this.shiftHead(rep, head);
      dropped(`nack-${reason}`, head);
    }
    // Push never drops: whatever the NACK named is still queued (or was never ours).
    assert(
      mode === 'drop' || prlHead(this.nsr, rep) === head,
      () => `PRL: ${rep.session} lost its head on a NACK ${reason} in push mode`,
    );
    this.postError(rep, `NACK ${reason}`, mode);
  }

  /** P-7, P-14: the replication timeout, on the side(s) the option names. */
  protected override onPeriodic(): void {
    const side = this.nsr.opts.prlTimeoutSide;
    switch (side) {
      case 'primary':
      case 'both':
        for (const rep of [...this.nsr.reps.values()]) {
          if (rep.role === 'primary') this.timeoutPrimary(rep);
          else if (side === 'both') this.timeoutSecondary(rep);
        }
        return;
      case 'whole-re':
        this.timeoutWholeRe();
        return;
      default:
        unreachable(side, 'prlTimeoutSide');
    }
  }

  /** P-7: no word from the other PRL for this socket while its replicates are outstanding. */
  private timeoutPrimary(rep: Rep): void {
    assert(rep.role === 'primary', () => `timeoutPrimary: ${rep.session} is a secondary`);
    const head = rep.prl.queue[0];
    if (head === undefined) return;
    const now = this.ctx.now;
    const quietNs = now - Math.max(rep.prl.lastHeardNs, head.sentNs);
    assert(quietNs >= 0, () => `PRL: ${rep.session} heard from the future (${quietNs} ns)`);
    if (quietNs < this.nsr.timers.prlTimeoutNs) return;
    this.ctx.trace(K.prl.timeout, {
      session: rep.session,
      queued: rep.prl.queue.length,
      quietNs,
    });
    this.giveUp(rep, 'PRL timeout');
  }

  /** P-7 on one primary: push (the mutant drops) its queue, disable replication, post an error. */
  private giveUp(rep: Rep, reason: string): void {
    prlRelease(this.nsr, this.ctx, rep, this.nsr.is('prl-timeout-drops-queue') ? 'drop' : 'push');
    ihaDeactivate(this.nsr, rep);
    this.postError(rep, reason, 'push');
    // Replication is off and nothing is held: the socket cannot time out again.
    assert(
      !rep.iha.active && rep.prl.queue.length === 0,
      () => `PRL: ${rep.session} still replicating after ${reason}`,
    );
  }

  /**
   * P-14 'both': the secondary's timeout (what it watches: options.ts prlTimeoutSide). It
   * starts when so_snd holds data the peer has not acknowledged while the peer's window
   * is open (the peer owes an ACK, which only the primary's PRL can bring), and fires when
   * nothing came from the primary's PRL for the timeout since then.
   */
  private timeoutSecondary(rep: Rep): void {
    assert(rep.role === 'secondary', () => `timeoutSecondary: ${rep.session} is a primary`);
    const c = rep.conn;
    const q = rep.prl;
    const now = this.ctx.now;
    if (!rep.iha.active || c.so_snd.cc === 0 || c.snd_wnd === 0) {
      q.unackedSinceNs = -1;
      return;
    }
    if (q.unackedSinceNs < 0) q.unackedSinceNs = now;
    const quietNs = now - Math.max(q.lastHeardNs, q.unackedSinceNs);
    assert(quietNs >= 0, () => `PRL: ${rep.session} heard from the future (${quietNs} ns)`);
    if (quietNs < this.nsr.timers.prlTimeoutNs) return;
    this.ctx.trace(K.prl.timeout, {
      session: rep.session,
      role: 'secondary',
      unacked: c.so_snd.cc,
      quietNs,
    });
    // IHA deletes the secondary socket and tells the primary (I-6); nothing is queued here.
    this.postError(rep, 'PRL timeout on the secondary', 'push');
  }

  /**
   * P-14 'whole-re', seed 001 §7.3e: one clock for the RE. While any socket has a replicate
   * outstanding (§6.2e), if no PRL message of any socket came from the other RE within the
   * timeout, every replicated primary socket is given up as P-7 gives one up.
   */
  private timeoutWholeRe(): void {
    let oldestNs = Number.MAX_SAFE_INTEGER;
    let queued = 0;
    for (const rep of this.nsr.reps.values()) {
      const head = rep.role === 'primary' ? rep.prl.queue[0] : undefined;
      if (head === undefined) continue;
      oldestNs = Math.min(oldestNs, head.sentNs);
      queued += rep.prl.queue.length;
    }
    if (queued === 0) return;
    const quietNs = this.ctx.now - Math.max(this.nsr.prl.lastHeardNs, oldestNs);
    assert(quietNs >= 0, () => `PRL: the RE heard from the future (${quietNs} ns)`);
    if (quietNs < this.nsr.timers.prlTimeoutNs) return;
    const victims = [...this.nsr.reps.values()].filter((r) => r.role === 'primary' && r.iha.active);
    this.ctx.trace(K.prl.timeoutRe, { sockets: victims.length, queued, quietNs });
    for (const rep of victims) this.giveUp(rep, 'PRL timeout (whole RE)');
    // A queue is only ever filled on an active primary: none is left.
    assert(this.nsr.prl.bufferedBytes === 0, 'PRL whole-RE timeout left packets queued');
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
      this.refuse(msg, rep, bad);
      return;
    }
    // ackReasonFor passed: an active secondary, which never queues (P-5 is all it does).
    assert(
      rep.role === 'secondary' && rep.iha.active && rep.prl.queue.length === 0,
      () => `PRL replicate for ${rep.session}, a ${rep.role} with ${rep.prl.queue.length} queued`,
    );
    rep.prl.lastHeardNs = this.ctx.now;
    const seg = this.decode(rep, msg.packet);
    if (seg === undefined) {
      this.flushBatchFirst(rep);
      const space = rep.conn.so_rcv.sbspace();
      this.send(
        { t: 'prl.ack', handle: rep.peerHandle, seq: msg.seq, space, reason: 'failed' },
        rep,
      );
      return;
    }
    const coalesce = this.nsr.opts.prlAck === 'coalesce';
    const own = rep.conn.so_rcv.sbspace();
    if (coalesce && rep.prl.batch === undefined) {
      const base = Math.min(msg.primarySpace, own);
      rep.prl.batch = { base, consumed: 0, lastSeq: msg.seq, count: 0 };
    }
    const batch = rep.prl.batch;
    // An open batch exists exactly in coalesce mode (opened above when there was none).
    assert(
      coalesce === (batch !== undefined),
      () => `PRL: batch of ${rep.session} in ${this.nsr.opts.prlAck} mode`,
    );
    const common =
      coalesce && batch !== undefined
        ? batch.base - batch.consumed
        : Math.min(msg.primarySpace, own);
    if (!this.bufferCheck(rep, seg, common)) {
      this.nackBufferFull(rep, seg, msg.seq, own, common);
      return;
    }
    rep.prl.common_rcvbufspc = common;
    rep.prl.lastSeq = msg.seq;
    if (!coalesce)
      this.send(
        { t: 'prl.ack', handle: rep.peerHandle, seq: msg.seq, space: common, reason: 'ok' },
        rep,
      );
    const appended = this.secondaryL4(rep, seg, msg.seq, common);
    if (coalesce && rep.prl.batch !== undefined) this.extendBatch(rep, msg.seq, appended);
  }

  /**
   * P-5: the secondary passes the replicate up L4, judged against common_rcvbufspc. Two
   * mutants slip here: prl-secondary-own-buffer leaves the common value out (the socket's
   * own buffer judges), prl-secondary-lags-one-packet hands L4 the replicate before the one
   * it just ACKed (an off-by-one in its replicate buffer: it falls behind, P-15).
   */
  private secondaryL4(rep: Rep, seg: Segment, seq: number, common: number): number {
    const space = this.nsr.is('prl-secondary-own-buffer') ? undefined : common;
    if (!this.nsr.is('prl-secondary-lags-one-packet')) {
      return this.l4(rep, seg, { via: 'replicate', seq, arrival: -1, space });
    }
    const prev = this.lagging.get(rep.handle);
    this.lagging.set(rep.handle, { seg, seq, space });
    return prev === undefined
      ? 0
      : this.l4(rep, prev.seg, { via: 'replicate', seq: prev.seq, arrival: -1, space: prev.space });
  }

  /** P-5: invalid handle → NACK invalid (+ error); not active → NACK not-replicating. */
  private refuse(
    msg: NsrMessage & { t: 'prl.replicate' },
    rep: Rep | undefined,
    bad: string | undefined,
  ): void {
    const reason = bad ?? 'invalidHandle';
    // ackReasonFor answers only these two refusals (the send below narrows to them).
    assert(
      reason === 'invalidHandle' || reason === 'notReplicating',
      () => `PRL refuses ${msg.seq} with ${reason}`,
    );
    assert((rep === undefined) === (reason === 'invalidHandle'), 'PRL: invalid handle iff unknown');
    this.ctx.trace(K.prl.nackSent, { handle: msg.handle, seq: msg.seq, reason });
    const handle = rep?.peerHandle ?? msg.handle;
    this.send({ t: 'prl.ack', handle, seq: msg.seq, space: 0, reason: reason as 'invalidHandle' });
    if (rep === undefined) {
      const f = { handle: msg.handle, by: 'prl', reason: 'invalid handle' };
      this.ctx.trace(K.nsr.replicationError, f);
    }
  }

  /** P-5: the buffer check failed: NACK buffer-full with the current space, no L4 input. */
  private nackBufferFull(rep: Rep, seg: Segment, seq: number, own: number, common: number): void {
    assert(rep.role === 'secondary', () => `PRL NACKs for ${rep.session}, a primary`);
    this.flushBatchFirst(rep);
    this.ctx.trace(K.prl.nackSent, {
      session: rep.session,
      pair: pairOf(this.nsr, rep),
      seq,
      reason: 'bufferFull',
      space: own,
      common,
    });
    this.send({ t: 'prl.ack', handle: rep.peerHandle, seq, space: own, reason: 'bufferFull' }, rep);
    // Mutant (§7.3f): L4 input anyway, judged against the secondary's own buffer.
    if (this.nsr.is('prl-l4-after-nack'))
      this.l4(rep, seg, { via: 'replicate', seq, arrival: -1, space: undefined });
  }

  /** P-11: does the packet fit? Out-of-order data counts as the option says. */
  private bufferCheck(rep: Rep, seg: Segment, common: number): boolean {
    assert(
      rep.role === 'secondary' && Number.isSafeInteger(common),
      () => `bufferCheck for ${rep.session} (${rep.role}) against ${common}`,
    );
    const len = seg.payload.length;
    if (len === 0) return true;
    const ooo = rep.conn.t_segq.bytes;
    assert(ooo >= 0, () => `PRL: ${rep.session} has ${ooo} out-of-order bytes`);
    switch (this.nsr.opts.oooAccounting) {
      case 'doc':
        return common - ooo > 0;
      case 'count-incoming':
        return common - ooo >= len;
      case 'ignore-ooo':
        return common >= len;
      default:
        return unreachable(this.nsr.opts.oooAccounting, 'oooAccounting');
    }
  }

  private decode(rep: Rep, packet: Uint8Array): Segment | undefined {
    assert(rep.role === 'secondary', () => `PRL decodes for ${rep.session}, a primary`);
    // P-12 without the L3 header: rebuild it from the inpcb (addresses are the socket's).
    const bytes = this.nsr.opts.prlL3Header
      ? packet
      : withIpHeader(packet, rep.conn.faddr, rep.conn.laddr);
    const r = decodeSegment(bytes);
    if (!r.ok) {
      this.ctx.trace(K.prl.badPacket, { session: rep.session, error: r.error });
      return undefined;
    }
    return r.segment;
  }

  private extendBatch(rep: Rep, seq: number, appended: number): void {
    assert(
      rep.role === 'secondary' && this.nsr.opts.prlAck === 'coalesce',
      () => `extendBatch for ${rep.session} (${rep.role}, ${this.nsr.opts.prlAck})`,
    );
    const b = rep.prl.batch;
    if (b === undefined) return;
    assert(appended >= 0, () => `PRL: ${rep.session} appended ${appended} bytes`);
    b.consumed += appended;
    b.lastSeq = seq;
    b.count++;
    assert(b.count <= COALESCE_MAX, () => `PRL batch of ${rep.session} holds ${b.count} ACKs`);
    if (b.count >= COALESCE_MAX) this.sendBatchAck(rep);
    else if (b.count === 1) {
      const flush: PrlLocal = { type: 'prl.ack-flush', handle: rep.handle };
      this.ctx.startTimer(COALESCE_DELAY_NS, flush);
    }
  }

  private flushBatchFirst(rep: Rep): void {
    assert(rep.role === 'secondary', () => `flushBatchFirst for ${rep.session}, a primary`);
    const b = rep.prl.batch;
    if (b !== undefined && b.count > 0) this.sendBatchAck(rep);
    rep.prl.batch = undefined;
  }

  private sendBatchAck(rep: Rep): void {
    const b = rep.prl.batch;
    rep.prl.batch = undefined;
    if (b === undefined || b.count === 0) return;
    // Batches exist only on a secondary in coalesce mode (P-6), within their size bound.
    assert(
      rep.role === 'secondary' && b.count <= COALESCE_MAX,
      () => `PRL batch ACK of ${b.count} for ${rep.session} (${rep.role})`,
    );
    this.send(
      { t: 'prl.ack', handle: rep.peerHandle, seq: b.lastSeq, space: b.base, reason: 'ok' },
      rep,
    );
  }

  // ---- shared ---------------------------------------------------------------------

  private l4(rep: Rep, seg: Segment, input: L4Input): number {
    return prlL4(this.nsr, this.traceWith(rep.handle), rep, seg, input);
  }

  /** The actor's tracer with the handle in every record (the handle the message named). */
  private traceWith(handle: number): PrlTracer {
    return new HandleTracer(this.ctx, handle);
  }
}

/**
 * A tracer that adds `handle` to every record. A class, not an object literal with an
 * arrow function: tsx keeps function names, which costs a defineProperty per literal,
 * and PRL builds one per packet (issue 18).
 */
class HandleTracer implements PrlTracer {
  constructor(
    private readonly ctx: ActorContext,
    private readonly handle: number,
  ) {}

  trace(kind: string, f?: Record<string, unknown>): number {
    return this.ctx.trace(kind, { handle: this.handle, ...f });
  }
}

/** Prepends a 20-byte IPv4 header (checksum filled) to a bare TCP segment (P-12 off). */
function withIpHeader(tcp: Uint8Array, src: number, dst: number): Uint8Array {
  // The total length is a u16: a bigger segment would be written truncated.
  assert(20 + tcp.length <= 0xffff, () => `withIpHeader: ${tcp.length}-byte segment`);
  const out = new Uint8Array(20 + tcp.length);
  const dv = new DataView(out.buffer);
  dv.setUint8(0, 0x45);
  dv.setUint16(2, out.length);
  dv.setUint16(6, 0x4000);
  dv.setUint8(8, 64);
  dv.setUint8(9, 6);
  dv.setUint32(12, src);
  dv.setUint32(16, dst);
  dv.setUint16(10, ipChecksum(out, 0, 20));
  out.set(tcp, 20);
  return out;
}
