// PSRM, the protocol state replication module (SPEC M-1 … M-5, seed 000).
//
// Initialization (M-1): on IHA's call the primary sends a replicate message with the
// tcpcb's initialization fields (iss, irs, md5_key, rtbl_iif, record_iif, t_maxopd,
// t_maxsend, t_mssoffer, t_maxseg, snd_scale, rcv_scale, request_r_scale,
// requested_s_scale, cc_send, cc_recv) plus, our documented extension for late joins
// (F-4), the sequence state, the socket buffers and the reassembly queue as they are, and
// the application's stream offsets taken at the same instant. The secondary writes them
// into its tcpcb, marks the socket active and answers ACK (reason OK, with its receive
// space) or NACK; the primary reports to IHA. A timeout covers a silent secondary.
//
// Bulk flow: send-side state is derived on the secondary from SDRL data (M-2, sdrl.ts).
// Window updates (M-3): the primary keeps its own and the secondary's free space and
// recomputes the advertised window on each update; the secondary sends one when its
// application reads, immediately (default), delayed-ACK style, on a per-socket timer or
// on one global timer sweeping all sockets (options).
//
// Socket options during bulk flow (M-7 option): the primary's sosetopt hook (hooks.ts)
// tells PSRM the application changed SO_RCVBUF or SO_SNDBUF. 'not-replicated' (G-7): it
// is traced and goes no further, so the secondary keeps the old size. 'replicated' (seed
// 000 §6.3): a psrm.sockopt message carries it and the secondary's PSRM applies it; a new
// receive-buffer size changes the secondary's free space, so it is reported to the
// primary as a window update (P-10, M-3).
//
// Failover (M-4): on the new primary, timers and congestion/RTT state go back to
// defaults, ts_recent_age = now, t_flags to defaults, t_force and t_softerror to zero,
// the retransmission timer is armed and snd_nxt goes back to snd_una, so whatever the
// peer has not acknowledged is sent again.
import { assert, unreachable } from '../../sim/index.ts';
import { NsrClient, whoseFor } from './client.ts';
import { removeHooks, type PsrmSockoptSet, type PsrmWindowRequest } from './hooks.ts';
import { ihaActivateSecondary, ihaBecomePrimary } from './iha-state.ts';
import { prlSecondarySpace, prlWindowUpdate } from './prl-queue.ts';
import { sdrlApplySnapshot, sdrlSnapshot } from './sdrl-state.ts';
import {
  applyOptionState,
  applySnapshot,
  resetForFailover,
  snapshotOf,
  validSnapshot,
} from './psrm-snapshot.ts';
import { checkRep, type NsrState, type Rep } from './state.ts';
import type { NsrMessage } from './wire.ts';
import { K } from '../vocab.ts';

export type PsrmLocal =
  | { readonly type: 'psrm.start'; readonly handle: number }
  | { readonly type: 'psrm.timeout'; readonly handle: number; readonly sentNs: number }
  | { readonly type: 'psrm.failover'; readonly handle: number }
  | { readonly type: 'psrm.window-flush'; readonly handle: number }
  | { readonly type: 'psrm.window-sweep' }
  | PsrmWindowRequest
  | PsrmSockoptSet;

export class Psrm extends NsrClient<PsrmLocal> {
  private sweepArmed = false;

  constructor(state: () => NsrState) {
    super('psrm', state);
  }

  protected reset(): void {
    this.sweepArmed = false;
  }

  protected onLocal(msg: PsrmLocal): void {
    switch (msg.type) {
      case 'psrm.start':
        // Paired with IHA's onReady, which names a primary in set-up.
        assert(msg.handle > 0, () => `psrm.start for handle ${msg.handle}`);
        this.sendReplicate(msg.handle);
        return;
      case 'psrm.timeout': {
        // Paired with sendReplicate, which arms the timer with the send time it recorded.
        assert(
          msg.sentNs >= 0 && msg.sentNs < this.ctx.now,
          () => `psrm.timeout sent at ${msg.sentNs}`,
        );
        const rep = this.nsr.rep(msg.handle);
        if (rep !== undefined && rep.iha.setupInProgress && rep.psrm.sentNs === msg.sentNs) {
          this.ctx.trace(K.psrm.timeout, { session: rep.session });
          this.ctx.send(this.nsr.ids.iha, {
            type: 'iha.psrm-done',
            handle: rep.handle,
            ok: false,
            reason: 'timeout',
          });
        }
        return;
      }
      case 'psrm.failover':
        // Paired with IHA's failover, which names a secondary it marked failing over.
        assert(msg.handle > 0, () => `psrm.failover for handle ${msg.handle}`);
        this.failover(msg.handle);
        return;
      case 'psrm.window-update':
        // Paired with the secondary's read hook, which names its own handle.
        assert(msg.handle > 0, () => `psrm.window-update for handle ${msg.handle}`);
        this.windowRequest(msg.handle);
        return;
      case 'psrm.window-flush': {
        const rep = this.nsr.rep(msg.handle);
        if (rep !== undefined) {
          // The timer was armed for a secondary (windowRequest); a failover drops the handle.
          assert(rep.psrm.windowTimer >= 0, () => `window flush for ${rep.session} with no timer`);
          rep.psrm.windowTimer = -1;
          this.sendWindow(rep);
        }
        return;
      }
      case 'psrm.window-sweep':
        assert(this.sweepArmed, 'PSRM window sweep fired while not armed');
        this.sweepArmed = false;
        for (const rep of this.nsr.reps.values()) if (rep.psrm.windowDirty) this.sendWindow(rep);
        return;
      case 'psrm.sockopt-set':
        // Paired with the size hook, which names the primary it is installed on.
        assert(msg.handle > 0, () => `psrm.sockopt-set for handle ${msg.handle}`);
        this.sockoptSet(msg);
        return;
      default:
        unreachable(msg, 'PSRM message');
    }
  }

  // ---- initialization (M-1) -----------------------------------------------------------

  private sendReplicate(handle: number): void {
    const rep = this.nsr.rep(handle);
    if (rep === undefined || rep.role !== 'primary') return;
    const c = rep.conn;
    // The application's read offset is taken with the so_rcv snapshot, not when IHA
    // began the set-up: PRL holds new packets while set-up is in progress (P-1), but the
    // application keeps reading so_rcv, and between iha.setup and this replicate lie the
    // mirror round trip and IHA's hand-off to PSRM (2 ms with costs.psrm: 2ms). A stale
    // offset makes the secondary's snooping application (S-3) start app_in bytes before
    // the replicated so_rcv really begins, so it reads a corrupt stream (framing error),
    // and after a later failover the new master's application does too (G-2, G-3).
    if (rep.app !== undefined) rep.psrm.appInBase = rep.app.inOffset;
    const snap = snapshotOf(c, rep.psrm.appInBase, rep.sdrl.sndAppended, this.ctx.now);
    sdrlSnapshot(rep);
    // M-1 and S-1 meet here: the secondary's outbound stream resumes at app_out (PSRM's
    // sdrlApplySnapshot) exactly where this primary's SDRL now starts replicating.
    assert(
      snap.state.app_out === rep.sdrl.snapOffset && rep.sdrl.sent === rep.sdrl.snapOffset,
      () => `PSRM: ${rep.session} snapshot app_out ${snap.state.app_out}, SDRL at ${rep.sdrl.sent}`,
    );
    rep.psrm.sentNs = this.ctx.now;
    this.ctx.trace(K.psrm.replicate, {
      session: rep.session,
      rcv_nxt: c.rcv_nxt,
      snd_una: c.snd_una,
      snd_max: c.snd_max,
      rcvBytes: snap.rcvData.length,
      sndBytes: snap.sndData.length,
      oooSegs: c.t_segq.length,
    });
    if (!this.send({ t: 'psrm.replicate', handle: rep.peerHandle, ...snap }, rep)) return;
    const timeout: PsrmLocal = {
      type: 'psrm.timeout',
      handle: rep.handle,
      sentNs: rep.psrm.sentNs,
    };
    this.ctx.startTimer(this.nsr.timers.psrmTimeoutNs, timeout);
  }

  /** Secondary: write the replicated state into the secondary tcpcb and socket buffers. */
  private onReplicate(msg: NsrMessage & { t: 'psrm.replicate' }): void {
    const rep = this.nsr.rep(msg.handle);
    if (rep === undefined || rep.role !== 'secondary') {
      const reason = rep === undefined ? 'invalidHandle' : 'notReplicating';
      this.send({ t: 'psrm.ack', handle: rep?.peerHandle ?? msg.handle, space: 0, reason });
      return;
    }
    const c = rep.conn;
    const ooo = validSnapshot(c, msg);
    if (ooo === undefined) {
      this.ctx.trace(K.psrm.reject, { session: rep.session, reason: 'fields out of range' });
      this.send({ t: 'psrm.ack', handle: rep.peerHandle, space: 0, reason: 'failed' }, rep);
      return;
    }
    const st = msg.state;
    applySnapshot(c, msg, ooo, {
      swapWl: this.nsr.is('psrm-snapshot-swaps-wl1-wl2'),
      dropSegq: this.nsr.is('psrm-snapshot-drops-segq'),
    });
    applyOptionState(c, msg, this.ctx.now, {
      timestamps: !this.nsr.is('psrm-forgets-timestamps'),
      md5: !this.nsr.is('psrm-forgets-md5-key'),
    });
    // M-4: a filled-in secondary still never transmits; only the failover handler clears it.
    assert(c.replica, () => `PSRM: the snapshot made ${rep.session} transmit`);
    this.nsr.rebaseRcvTap(rep);
    sdrlApplySnapshot(rep, st.app_out);
    // Mutant psrm-app-in-from-app-out: the other offset (a wrong variable).
    rep.psrm.appInBase = this.nsr.is('psrm-app-in-from-app-out') ? st.app_out : st.app_in;
    rep.psrm.snapshotRcvNxt = st.rcv_nxt;
    ihaActivateSecondary(this.nsr, rep);
    this.ctx.trace(K.psrm.applied, {
      session: rep.session,
      rcv_nxt: c.rcv_nxt,
      snd_una: c.snd_una,
      snd_max: c.snd_max,
      app_in: st.app_in,
      app_out: st.app_out,
    });
    this.nsr.kernel.attachBackupApp(rep);
    const space = c.so_rcv.sbspace();
    this.send({ t: 'psrm.ack', handle: rep.peerHandle, space, reason: 'ok' }, rep);
  }

  private onAck(msg: NsrMessage & { t: 'psrm.ack' }): void {
    const rep = this.lookup(msg.handle, whoseFor(msg.reason));
    if (rep === undefined || rep.role !== 'primary' || !rep.iha.setupInProgress) {
      this.ctx.trace(K.psrm.ackUnexpected, { handle: msg.handle, reason: msg.reason });
      return;
    }
    rep.psrm.sentNs = -1;
    if (msg.reason === 'ok') prlSecondarySpace(rep, msg.space);
    this.ctx.send(this.nsr.ids.iha, {
      type: 'iha.psrm-done',
      handle: rep.handle,
      ok: msg.reason === 'ok',
      reason: msg.reason,
    });
  }

  // ---- window updates (M-3, S-4, P-10) --------------------------------------------------

  private windowRequest(handle: number): void {
    const rep = this.nsr.rep(handle);
    if (rep === undefined || rep.role !== 'secondary' || !rep.iha.active) return;
    if (this.nsr.is('flow-control-never-sent')) return;
    rep.psrm.windowDirty = true;
    checkRep(rep);
    switch (this.nsr.opts.windowUpdate) {
      case 'immediate':
        // K-12: still in the backup application's soreceive, which may block (wait_ok).
        this.sendWindow(rep, true);
        return;
      case 'delack':
        if (rep.psrm.windowTimer < 0)
          rep.psrm.windowTimer = this.ctx.startTimer(this.nsr.timers.windowDelayNs, {
            type: 'psrm.window-flush',
            handle,
          } satisfies PsrmLocal);
        return;
      case 'socket-timer':
        if (rep.psrm.windowTimer < 0)
          rep.psrm.windowTimer = this.ctx.startTimer(this.nsr.timers.windowTimerNs, {
            type: 'psrm.window-flush',
            handle,
          } satisfies PsrmLocal);
        return;
      case 'global-timer':
        if (!this.sweepArmed) {
          this.sweepArmed = true;
          this.ctx.startTimer(this.nsr.timers.windowTimerNs, {
            type: 'psrm.window-sweep',
          } satisfies PsrmLocal);
        }
        return;
      default:
        unreachable(this.nsr.opts.windowUpdate, 'windowUpdate');
    }
  }

  private sendWindow(rep: Rep, waitOk = false): void {
    // Only a secondary marks its window dirty (windowRequest); a failover drops the handle.
    assert(
      rep.role === 'secondary' || !rep.psrm.windowDirty,
      () => `PSRM: window update pending on ${rep.session}, a primary`,
    );
    if (!rep.psrm.windowDirty || !rep.iha.active) return;
    rep.psrm.windowDirty = false;
    this.send(
      {
        t: 'psrm.window',
        handle: rep.peerHandle,
        space: rep.conn.so_rcv.sbspace(),
        seq: rep.prl.lastSeq >>> 0,
      },
      rep,
      waitOk,
    );
  }

  /** Primary: the secondary's space grew; recompute the advertised window (P-10). */
  private onWindow(msg: NsrMessage & { t: 'psrm.window' }): void {
    const rep = this.lookup(msg.handle, 'ours');
    if (rep === undefined || rep.role !== 'primary') return;
    const common = prlWindowUpdate(rep, msg.space, msg.seq);
    this.ctx.trace(K.psrm.window, { session: rep.session, space: msg.space, common });
    rep.conn.output();
  }

  // ---- socket options during bulk flow (M-7) ---------------------------------------------

  /** Primary: the application changed a socket buffer's size. */
  private sockoptSet(msg: PsrmSockoptSet): void {
    const rep = this.nsr.rep(msg.handle);
    if (rep === undefined || rep.role !== 'primary') return;
    // G-7 (seed 000 §4.1g) unless the option says otherwise; only an active socket has a
    // secondary that could take it (during set-up the change is simply not carried).
    const replicated = this.nsr.opts.socketOptionsDuringBulk === 'replicated' && rep.iha.active;
    this.ctx.trace(K.psrm.sockopt, {
      session: rep.session,
      option: msg.option,
      value: msg.value,
      replicated,
    });
    if (!replicated) return;
    const { option, value } = msg;
    // K-12: the application's setsockopt, a process context that may block (wait_ok).
    this.send({ t: 'psrm.sockopt', handle: rep.peerHandle, option, value }, rep, true);
  }

  /** Secondary (seed 000 §6.3): apply the primary's socket-option change. */
  private onSockopt(msg: NsrMessage & { t: 'psrm.sockopt' }): void {
    const rep = this.nsr.rep(msg.handle);
    if (rep === undefined || rep.role !== 'secondary' || !rep.iha.active) {
      this.ctx.trace(K.psrm.unexpected, { t: msg.t, handle: msg.handle });
      return;
    }
    const sb = msg.option === 'SO_RCVBUF' ? rep.conn.so_rcv : rep.conn.so_snd;
    const was = sb.hiwat;
    sb.hiwat = msg.value;
    assert(sb.hiwat === msg.value, () => `PSRM: ${rep.session} kept ${msg.option} ${was}`);
    this.ctx.trace(K.psrm.sockoptApplied, {
      session: rep.session,
      option: msg.option,
      value: msg.value,
      was,
    });
    // P-10: the secondary's free space changed; the primary must hear of it (M-3 timing).
    if (msg.option === 'SO_RCVBUF') this.windowRequest(rep.handle);
  }

  // ---- failover (M-4) ------------------------------------------------------------------

  private failover(handle: number): void {
    const rep = this.nsr.rep(handle);
    if (rep === undefined || rep.role !== 'secondary') return;
    const c = rep.conn;
    ihaBecomePrimary(rep);
    removeHooks(rep);
    this.nsr.dropRep(rep);
    assert(this.nsr.rep(handle) === undefined, () => `PSRM failover: ${rep.session} is kept`);
    c.replica = false;
    if (this.nsr.is('psrm-failover-flushes-rcvbuf')) c.so_rcv.drop(c.so_rcv.cc);
    const skipTimers = this.nsr.is('psrm-skip-failover-timers');
    if (!skipTimers) resetForFailover(c, this.ctx.now);
    // Mutant psrm-failover-rcv-nxt-from-snapshot: rcv_nxt restored from the initial snapshot
    // (a wrong variable): the new primary's ACK goes back and it takes data again.
    if (this.nsr.is('psrm-failover-rcv-nxt-from-snapshot')) c.rcv_nxt = rep.psrm.snapshotRcvNxt;
    this.ctx.trace(K.psrm.failover, {
      session: rep.session,
      snd_una: c.snd_una,
      snd_max: c.snd_max,
      rcv_nxt: c.rcv_nxt,
      state: c.t_state,
    });
    this.nsr.kernel.takeoverApp(rep);
    if (!skipTimers) c.output();
    if (rep.app !== undefined) {
      // The socket is now one of this master's: IHA replicates it to the next backup (F-4).
      this.ctx.send(this.nsr.ids.iha, {
        type: 'iha.socket',
        session: rep.session,
        conn: c,
        app: rep.app,
      });
    }
  }

  protected onMessage(msg: NsrMessage): void {
    switch (msg.t) {
      case 'psrm.replicate':
        this.onReplicate(msg);
        return;
      case 'psrm.ack':
        this.onAck(msg);
        return;
      case 'psrm.window':
        this.onWindow(msg);
        return;
      case 'psrm.sockopt':
        this.onSockopt(msg);
        return;
      default:
        this.ctx.trace(K.psrm.unexpected, { t: msg.t });
    }
  }

  protected onMalformed(handle: number | undefined, error: string): void {
    this.ctx.trace(K.psrm.malformed, { handle: handle ?? -1, error });
    const rep = handle === undefined ? undefined : this.nsr.rep(handle);
    if (rep === undefined) return;
    if (rep.role === 'secondary')
      this.send({ t: 'psrm.ack', handle: rep.peerHandle, space: 0, reason: 'failed' }, rep);
    else this.postError(rep, `malformed PSRM message: ${error}`, 'push');
  }
}
