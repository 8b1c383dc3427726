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
// Failover (M-4): on the new primary, timers and congestion/RTT state go back to
// defaults, ts_recent_age = now, t_flags to defaults, t_force and t_softerror to zero,
// the retransmission timer is armed and snd_nxt goes back to snd_una, so whatever the
// peer has not acknowledged is sent again.
import { assert, type Message } from '../../sim/index.ts';
import { seqAdd, seqDiff, seqGt } from '../net/segment.ts';
import { TCP_MSS_DEFAULT } from '../tcp/defs.ts';
import {
  TF_NODELAY,
  TF_RCVD_SCALE,
  TF_RCVD_TSTMP,
  TF_REQ_SCALE,
  TF_REQ_TSTMP,
} from '../tcp/tcp.ts';
import { NsrClient } from './client.ts';
import { removeHooks, type PsrmWindowRequest } from './hooks.ts';
import { ihaActivateSecondary, ihaBecomePrimary } from './iha-state.ts';
import { prlSecondarySpace, prlWindowUpdate } from './prl-queue.ts';
import { sdrlApplySnapshot, sdrlSnapshot } from './sdrl-state.ts';
import type { NsrState, Rep } from './state.ts';
import {
  decodeOoo,
  encodeOoo,
  type NsrMessage,
  type PsrmInitFields,
  type PsrmStateFields,
} from './wire.ts';
import { K } from '../vocab.ts';

export type PsrmLocal =
  | { readonly type: 'psrm.start'; readonly handle: number }
  | { readonly type: 'psrm.timeout'; readonly handle: number; readonly sentNs: number }
  | { readonly type: 'psrm.failover'; readonly handle: number }
  | { readonly type: 'psrm.window-flush'; readonly handle: number }
  | { readonly type: 'psrm.window-sweep' }
  | PsrmWindowRequest;

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
        this.sendReplicate(msg.handle);
        return;
      case 'psrm.timeout': {
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
        this.failover(msg.handle);
        return;
      case 'psrm.window-update':
        this.windowRequest(msg.handle);
        return;
      case 'psrm.window-flush': {
        const rep = this.nsr.rep(msg.handle);
        if (rep !== undefined) {
          rep.psrm.windowTimer = -1;
          this.sendWindow(rep);
        }
        return;
      }
      case 'psrm.window-sweep':
        this.sweepArmed = false;
        for (const rep of this.nsr.reps.values()) if (rep.psrm.windowDirty) this.sendWindow(rep);
        return;
      default: {
        const never: never = msg;
        throw new Error(`psrm: unknown message ${(never as Message).type}`);
      }
    }
  }

  // ---- initialization (M-1) -----------------------------------------------------------

  private sendReplicate(handle: number): void {
    const rep = this.nsr.rep(handle);
    if (rep === undefined || rep.role !== 'primary') return;
    const c = rep.conn;
    const fields: PsrmInitFields = {
      iss: c.iss,
      irs: c.irs,
      md5_key: 0,
      rtbl_iif: 0,
      record_iif: 0,
      t_maxopd: c.t_maxopd,
      t_maxsend: c.t_maxsend,
      t_mssoffer: c.t_mssoffer,
      t_maxseg: c.t_maxseg,
      snd_scale: c.snd_scale,
      rcv_scale: c.rcv_scale,
      request_r_scale: c.request_r_scale,
      requested_s_scale: c.requested_s_scale,
      cc_send: 0,
      cc_recv: 0,
    };
    // The application's read offset is taken with the so_rcv snapshot below, not when IHA
    // began the set-up: PRL holds new packets while set-up is in progress (P-1), but the
    // application keeps reading so_rcv, and between iha.setup and this replicate lie the
    // mirror round trip and IHA's hand-off to PSRM (2 ms with costs.psrm: 2ms). A stale
    // offset makes the secondary's snooping application (S-3) start app_in bytes before
    // the replicated so_rcv really begins, so it reads a corrupt stream (framing error),
    // and after a later failover the new master's application does too (G-2, G-3).
    // Invariant: app_in + rcvData.length is the stream offset of rcv_nxt.
    if (rep.app !== undefined) rep.psrm.appInBase = rep.app.inOffset;
    const state: PsrmStateFields = {
      rcv_nxt: c.rcv_nxt,
      rcv_adv: c.rcv_adv,
      rcv_up: c.rcv_up,
      snd_una: c.snd_una,
      snd_max: c.snd_max,
      snd_up: c.snd_up,
      snd_wnd: c.snd_wnd,
      snd_wl1: c.snd_wl1,
      snd_wl2: c.snd_wl2,
      max_sndwnd: c.max_sndwnd,
      app_in: rep.psrm.appInBase,
      app_out: rep.sdrl.sndAppended,
    };
    sdrlSnapshot(rep);
    rep.psrm.sentNs = this.ctx.now;
    const rcvData = c.so_rcv.peek(0, c.so_rcv.cc);
    const sndData = c.so_snd.peek(0, c.so_snd.cc);
    // P-13: out-of-order data the primary holds is receive state too (wire.ts, rcvOoo).
    const rcvOoo = encodeOoo(c.t_segq.entries);
    this.ctx.trace(K.psrm.replicate, {
      session: rep.session,
      rcv_nxt: c.rcv_nxt,
      snd_una: c.snd_una,
      snd_max: c.snd_max,
      rcvBytes: rcvData.length,
      sndBytes: sndData.length,
      oooSegs: c.t_segq.length,
    });
    if (
      this.send(
        { t: 'psrm.replicate', handle: rep.peerHandle, fields, state, rcvData, sndData, rcvOoo },
        rep,
      )
    ) {
      this.ctx.startTimer(this.nsr.timers.psrmTimeoutNs, {
        type: 'psrm.timeout',
        handle: rep.handle,
        sentNs: rep.psrm.sentNs,
      } satisfies PsrmLocal);
    }
  }

  /** Secondary: write the replicated state into the secondary tcpcb and socket buffers. */
  private onReplicate(msg: NsrMessage & { t: 'psrm.replicate' }): void {
    const rep = this.nsr.rep(msg.handle);
    if (rep === undefined || rep.role !== 'secondary') {
      this.send({
        t: 'psrm.ack',
        handle: rep?.peerHandle ?? msg.handle,
        space: 0,
        reason: rep === undefined ? 'invalidHandle' : 'notReplicating',
      });
      return;
    }
    const f = msg.fields;
    const st = msg.state;
    const c = rep.conn;
    const ooo = decodeOoo(msg.rcvOoo);
    const oooOk =
      typeof ooo !== 'string' &&
      ooo.every(
        (g) =>
          seqGt(g.seq, st.rcv_nxt) &&
          seqDiff(seqAdd(g.seq, g.data.length), st.rcv_nxt) <= c.so_rcv.hiwat,
      );
    if (
      f.t_maxseg < 1 ||
      f.snd_scale > 14 ||
      f.rcv_scale > 14 ||
      msg.rcvData.length > c.so_rcv.hiwat ||
      ((st.snd_max - st.snd_una) | 0) < 0 ||
      !oooOk
    ) {
      this.ctx.trace(K.psrm.reject, { session: rep.session, reason: 'fields out of range' });
      this.send({ t: 'psrm.ack', handle: rep.peerHandle, space: 0, reason: 'failed' }, rep);
      return;
    }
    c.iss = f.iss;
    c.irs = f.irs;
    c.t_maxopd = f.t_maxopd;
    c.t_maxsend = f.t_maxsend;
    c.t_mssoffer = f.t_mssoffer;
    c.t_maxseg = f.t_maxseg;
    c.snd_scale = f.snd_scale;
    c.rcv_scale = f.rcv_scale;
    c.request_r_scale = f.request_r_scale;
    c.requested_s_scale = f.requested_s_scale;
    if (f.snd_scale > 0 || f.rcv_scale > 0) c.t_flags |= TF_REQ_SCALE | TF_RCVD_SCALE;
    c.rcv_nxt = st.rcv_nxt;
    c.rcv_adv = st.rcv_adv;
    c.rcv_up = st.rcv_up;
    c.snd_una = st.snd_una;
    c.snd_up = st.snd_up;
    c.snd_wnd = st.snd_wnd;
    c.snd_wl1 = st.snd_wl1;
    c.snd_wl2 = st.snd_wl2;
    c.max_sndwnd = st.max_sndwnd;
    c.so_rcv.append(msg.rcvData);
    c.t_segq.clear();
    if (typeof ooo !== 'string') for (const g of ooo) c.t_segq.insert(g.seq, g.data, g.fin);
    c.so_snd.append(msg.sndData);
    c.snd_max = (c.snd_una + c.so_snd.cc) >>> 0;
    c.snd_nxt = c.snd_max;
    c.setState('ESTABLISHED');
    this.nsr.rebaseRcvTap(rep);
    sdrlApplySnapshot(rep, st.app_out);
    rep.psrm.appInBase = st.app_in;
    ihaActivateSecondary(rep);
    assert(
      c.so_rcv.cc === msg.rcvData.length && c.rcv_nxt === st.rcv_nxt,
      () => `PSRM apply of ${rep.session}: so_rcv holds ${c.so_rcv.cc} of ${msg.rcvData.length}`,
    );
    this.ctx.trace(K.psrm.applied, {
      session: rep.session,
      rcv_nxt: c.rcv_nxt,
      snd_una: c.snd_una,
      snd_max: c.snd_max,
      app_in: st.app_in,
      app_out: st.app_out,
    });
    this.nsr.kernel.attachBackupApp(rep);
    this.send(
      { t: 'psrm.ack', handle: rep.peerHandle, space: c.so_rcv.sbspace(), reason: 'ok' },
      rep,
    );
  }

  private onAck(msg: NsrMessage & { t: 'psrm.ack' }): void {
    const rep = this.lookup(msg.handle);
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
    switch (this.nsr.opts.windowUpdate) {
      case 'immediate':
        this.sendWindow(rep);
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
      default: {
        const never: never = this.nsr.opts.windowUpdate;
        throw new Error(`psrm: bad windowUpdate ${String(never)}`);
      }
    }
  }

  private sendWindow(rep: Rep): void {
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
    );
  }

  /** Primary: the secondary's space grew; recompute the advertised window (P-10). */
  private onWindow(msg: NsrMessage & { t: 'psrm.window' }): void {
    const rep = this.lookup(msg.handle);
    if (rep === undefined || rep.role !== 'primary') return;
    const common = prlWindowUpdate(rep, msg.space, msg.seq);
    this.ctx.trace(K.psrm.window, { session: rep.session, space: msg.space, common });
    rep.conn.output();
  }

  // ---- failover (M-4) ------------------------------------------------------------------

  private failover(handle: number): void {
    const rep = this.nsr.rep(handle);
    if (rep === undefined || rep.role !== 'secondary') return;
    const c = rep.conn;
    ihaBecomePrimary(rep);
    removeHooks(rep);
    this.nsr.dropRep(rep);
    c.replica = false;
    if (this.nsr.is('psrm-failover-flushes-rcvbuf')) c.so_rcv.drop(c.so_rcv.cc);
    const skipTimers = this.nsr.is('psrm-skip-failover-timers');
    if (!skipTimers) {
      c.clearAllTimers();
      c.snd_cwnd = Math.max(c.t_maxseg, TCP_MSS_DEFAULT);
      c.snd_ssthresh = 65535 * 2 ** 14;
      c.snd_recover = c.snd_una;
      c.t_dupacks = 0;
      c.t_rxtshift = 0;
      c.t_srtt = 0;
      c.t_rttvar = 0;
      c.t_rtttime = 0;
      c.t_rtseq = 0;
      c.t_rxtcur = c.cfg.rtoInitNs;
      c.ts_recent_age = this.ctx.now;
      c.t_flags &= TF_REQ_SCALE | TF_RCVD_SCALE | TF_REQ_TSTMP | TF_RCVD_TSTMP | TF_NODELAY;
      c.t_force = 0;
      c.t_softerror = 0;
      // Go back to the first unacknowledged byte: the peer may not have it.
      c.snd_nxt = c.snd_una;
      if (c.snd_max !== c.snd_una) c.setTimer('rexmt', c.t_rxtcur);
    }
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
