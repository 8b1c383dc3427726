// TCP output (the shape of BSD tcp_output): decides whether to send, sends at most one
// segment per pass (looping while more is allowed), and advances the send sequence
// space. Sends only within min(snd_wnd, snd_cwnd); Nagle and sender-side SWS avoidance
// as BSD; receive window never advertised below its previous right edge.
import type { TcpOptions } from '../net/segment.ts';
import { optionsLength, TCP_MAX_OPTIONS_LEN, TCP_MD5_DIGEST_LEN } from '../net/packet.ts';
import {
  TH_ACK,
  TH_FIN,
  TH_PUSH,
  TH_RST,
  TH_SYN,
  TH_URG,
  seqAdd,
  seqDiff,
  seqGt,
  seqLt,
} from '../net/segment.ts';
import {
  TCP_EVENT,
  TCP_MAXRXTSHIFT,
  TCP_MAXWIN,
  TF_ACKNOW,
  TF_DELACK,
  TF_NODELAY,
  TF_RCVD_SCALE,
  TF_RCVD_TSTMP,
  TF_REQ_SCALE,
  TF_REQ_TSTMP,
  TF_SENTFIN,
  type TcpState,
} from './defs.ts';
import type { TcpConnection } from './conn.ts';

const OUTFLAGS: Readonly<Record<TcpState, number>> = {
  CLOSED: TH_RST | TH_ACK,
  LISTEN: 0,
  SYN_SENT: TH_SYN,
  SYN_RECEIVED: TH_SYN | TH_ACK,
  ESTABLISHED: TH_ACK,
  CLOSE_WAIT: TH_ACK,
  FIN_WAIT_1: TH_FIN | TH_ACK,
  FIN_WAIT_2: TH_ACK,
  CLOSING: TH_FIN | TH_ACK,
  LAST_ACK: TH_FIN | TH_ACK,
  TIME_WAIT: TH_ACK,
};

/** Bound on segments sent by one output call (a run-away loop is a bug, not a hang). */
const MAX_SEGMENTS_PER_CALL = 1 << 20;
const EMPTY: Uint8Array = new Uint8Array(0);

export function tcpOutput(tp: TcpConnection): void {
  const s = tp.t_state;
  if (s === 'CLOSED' || s === 'LISTEN') return;
  if (s === 'SYN_SENT' || s === 'SYN_RECEIVED') {
    synOutput(tp);
    return;
  }
  // Nagle's "idle" is judged once per call (BSD), so a burst may end in a short segment.
  const idle = tp.snd_max === tp.snd_una;
  for (let i = 0; ; i++) {
    if (i >= MAX_SEGMENTS_PER_CALL)
      throw new Error(`tcpOutput: more than ${MAX_SEGMENTS_PER_CALL} segments in one call`);
    if (!outputOnce(tp, idle)) return;
  }
}

/** BSD tcp_setpersist: arm the persist timer with backoff, bounded by persistMin/Max. */
export function setPersist(tp: TcpConnection): void {
  const t = tp.rexmtVal() * 2 ** tp.t_rxtshift;
  tp.setTimer('persist', Math.min(Math.max(t, tp.cfg.persistMinNs), tp.cfg.persistMaxNs));
  if (tp.t_rxtshift < TCP_MAXRXTSHIFT) tp.t_rxtshift++;
}

function tsUsed(tp: TcpConnection): boolean {
  return (tp.t_flags & (TF_REQ_TSTMP | TF_RCVD_TSTMP)) === (TF_REQ_TSTMP | TF_RCVD_TSTMP);
}

/** SYN or SYN|ACK, sent (again) only when snd_nxt is back at iss or an ACK is owed. */
function synOutput(tp: TcpConnection): void {
  if (tp.snd_nxt !== tp.iss && (tp.t_flags & TF_ACKNOW) === 0) return;
  const active = tp.t_state === 'SYN_SENT';
  const options: TcpOptions = tp.cfg.noOptions ? {} : synOptionsOut(tp, active);
  const win = Math.min(tp.rcvSpace(), TCP_MAXWIN); // never scaled in a SYN
  const flags = active ? TH_SYN : TH_SYN | TH_ACK;
  const ack = active ? 0 : tp.rcv_nxt;
  if (tp.snd_max !== tp.iss) tp.trace(TCP_EVENT.retransmit, { seq: tp.iss, len: 0, syn: true });
  tp.send(tp.makeSegment(flags, tp.iss, ack, win, 0, options, EMPTY));
  synSent(tp, active, win);
}

/** The options of our SYN (active) or SYN|ACK: MSS, and what both sides offer. */
function synOptionsOut(tp: TcpConnection, active: boolean): TcpOptions {
  const options: TcpOptions = { mss: tp.t_mssoffer };
  if ((tp.t_flags & TF_REQ_SCALE) !== 0 && (active || (tp.t_flags & TF_RCVD_SCALE) !== 0)) {
    options.wscale = tp.request_r_scale;
  }
  if ((tp.t_flags & TF_REQ_TSTMP) !== 0 && (active || (tp.t_flags & TF_RCVD_TSTMP) !== 0)) {
    options.ts = { val: tp.tsNow(), ecr: active ? 0 : tp.ts_recent };
  }
  if (tp.cfg.sack && (active || tp.sackPermitted())) options.sackOk = true;
  return options;
}

function synSent(tp: TcpConnection, active: boolean, win: number): void {
  if (!active) {
    if (seqGt(seqAdd(tp.rcv_nxt, win), tp.rcv_adv)) tp.rcv_adv = seqAdd(tp.rcv_nxt, win);
    tp.last_ack_sent = tp.rcv_nxt;
  }
  tp.snd_nxt = seqAdd(tp.iss, 1);
  if (seqGt(tp.snd_nxt, tp.snd_max)) {
    tp.snd_max = tp.snd_nxt;
    startRtt(tp, tp.iss);
  }
  if (!tp.isTimerPending('rexmt')) tp.setTimer('rexmt', tp.t_rxtcur);
  tp.t_flags &= ~(TF_ACKNOW | TF_DELACK);
  tp.clearTimer('delack');
}

function startRtt(tp: TcpConnection, seq: number): void {
  if (tp.t_rtttime !== 0) return;
  tp.t_rtttime = Math.max(1, tp.env.now());
  tp.t_rtseq = seq;
}

export interface Adv {
  /** The 16-bit window field. */
  field: number;
  /** Bytes it offers the peer (field << rcv_scale); rcv_adv may move to rcv_nxt + bytes. */
  bytes: number;
}

/**
 * Receive window to advertise: receiver SWS avoidance, scaling, never shrinking.
 * Scaling rounds the space down to a multiple of 2^rcv_scale; when that would put the
 * right edge below rcv_adv the field is rounded up instead (FreeBSD's roundup2, Linux's
 * ALIGN), and the rounded edge becomes the new rcv_adv, which input honours.
 */
export function advertise(tp: TcpConnection): Adv {
  const unit = 2 ** tp.rcv_scale;
  let win = tp.rcvSpace();
  if (win < tp.so_rcv.hiwat / 4 && win < tp.t_maxseg) win = 0;
  win = Math.min(win, TCP_MAXWIN * unit);
  let field = Math.floor(win / unit);
  const edge = seqDiff(tp.rcv_adv, tp.rcv_nxt);
  if (edge > 0 && field * unit < edge) field = Math.ceil(edge / unit);
  field = Math.min(field, TCP_MAXWIN);
  return { field, bytes: field * unit };
}

interface Plan {
  len: number;
  off: number;
  flags: number;
  sendalot: boolean;
  sendwin: number;
  adv: Adv;
}

/** One pass of tcp_output; returns true if another segment may follow at once. */
function outputOnce(tp: TcpConnection, idle: boolean): boolean {
  const plan = planSegment(tp);
  if (!shouldSend(tp, plan, idle)) {
    if (tp.so_snd.cc > 0 && !tp.isTimerPending('rexmt') && !tp.isTimerPending('persist')) {
      tp.t_rxtshift = 0;
      setPersist(tp);
    }
    return false;
  }
  sendSegment(tp, plan);
  return plan.sendalot;
}

/** Bytes of so_snd (from snd_una) output may transmit: all, or what sndLimit allows. */
function sendableBytes(tp: TcpConnection): number {
  const cc = tp.so_snd.cc;
  const lim = tp.sndLimit;
  return lim === undefined ? cc : Math.max(0, Math.min(cc, Math.floor(lim(tp))));
}

function planSegment(tp: TcpConnection): Plan {
  const cc = tp.so_snd.cc;
  if (seqLt(tp.snd_nxt, tp.snd_una)) tp.snd_nxt = tp.snd_una;
  const off = seqDiff(tp.snd_nxt, tp.snd_una);
  let sendwin = Math.min(tp.snd_wnd, tp.snd_cwnd);
  let flags = OUTFLAGS[tp.t_state];
  if (tp.t_force !== 0) {
    if (sendwin === 0) {
      // Window probe: one byte of data, or the FIN if there is no data left.
      if (off < cc) flags &= ~TH_FIN;
      sendwin = 1;
    } else {
      tp.clearTimer('persist');
      tp.t_rxtshift = 0;
    }
  }
  let len = Math.min(sendableBytes(tp), sendwin) - off;
  let sendalot = false;
  if (len < 0) {
    // FIN already sent, or the window shrank below what is in flight.
    len = 0;
    if (sendwin === 0) {
      tp.clearTimer('rexmt');
      tp.t_rxtshift = 0;
      tp.snd_nxt = tp.snd_una;
      if (!tp.isTimerPending('persist')) setPersist(tp);
    }
  }
  if (len > tp.t_maxseg) {
    len = tp.t_maxseg;
    sendalot = true;
  }
  if (seqLt(seqAdd(tp.snd_nxt, len), seqAdd(tp.snd_una, cc))) flags &= ~TH_FIN;
  return {
    len,
    off: seqDiff(tp.snd_nxt, tp.snd_una),
    flags,
    sendalot,
    sendwin,
    adv: advertise(tp),
  };
}

function shouldSend(tp: TcpConnection, p: Plan, idle: boolean): boolean {
  const { len, off } = p;
  const cc = sendableBytes(tp); // Nagle: "everything we may send fits".
  if (len > 0) {
    if (len === tp.t_maxseg) return true;
    if ((idle || (tp.t_flags & TF_NODELAY) !== 0) && len + off >= cc) return true;
    if (tp.t_force !== 0) return true;
    if (tp.max_sndwnd > 0 && len >= tp.max_sndwnd / 2) return true;
    if (seqLt(tp.snd_nxt, tp.snd_max)) return true;
  }
  if (tp.canReceive() && p.adv.bytes > 0) {
    // Window update when the right edge moves by 2 segments or half the buffer (BSD).
    const adv = p.adv.bytes - Math.max(0, seqDiff(tp.rcv_adv, tp.rcv_nxt));
    if (adv >= 2 * tp.t_maxseg || 2 * adv >= tp.so_rcv.hiwat) return true;
  }
  if ((tp.t_flags & TF_ACKNOW) !== 0) return true;
  if ((p.flags & (TH_SYN | TH_RST)) !== 0) return true;
  if (seqGt(tp.snd_up, tp.snd_una)) return true;
  if ((p.flags & TH_FIN) !== 0 && ((tp.t_flags & TF_SENTFIN) === 0 || tp.snd_nxt === tp.snd_una))
    return true;
  return false;
}

function sendSegment(tp: TcpConnection, p: Plan): void {
  const { len, off } = p;
  let flags = p.flags;
  const persisting = tp.isTimerPending('persist');
  const options = segmentOptions(tp);
  if ((flags & TH_FIN) !== 0 && (tp.t_flags & TF_SENTFIN) !== 0 && tp.snd_nxt === tp.snd_max) {
    tp.snd_nxt = seqAdd(tp.snd_nxt, -1); // the FIN goes again at its own sequence number
  }
  let payload = EMPTY;
  if (len > 0) {
    payload = tp.so_snd.peek(off, len);
    if (off + len === tp.so_snd.cc) flags |= TH_PUSH;
  }
  const fin = (flags & TH_FIN) !== 0;
  if (tp.t_force !== 0 && p.sendwin === 1 && tp.snd_wnd === 0) {
    tp.trace(TCP_EVENT.persistProbe, { seq: tp.snd_nxt, len, fin });
  } else if ((len > 0 || fin) && seqLt(tp.snd_nxt, tp.snd_max)) {
    tp.trace(TCP_EVENT.retransmit, { seq: tp.snd_nxt, len, fin });
  }
  const seq = len > 0 || fin || persisting ? tp.snd_nxt : tp.snd_max;
  let urp = 0;
  if (seqGt(tp.snd_up, seq)) {
    flags |= TH_URG;
    urp = Math.min(seqDiff(tp.snd_up, seq), 0xffff);
  } else {
    tp.snd_up = tp.snd_una; // drag it along (BSD)
  }
  tp.send(tp.makeSegment(flags, seq, tp.rcv_nxt, p.adv.field, urp, options, payload));
  advanceSendSeq(tp, len, fin, persisting);
  if (p.adv.bytes > 0 && seqGt(seqAdd(tp.rcv_nxt, p.adv.bytes), tp.rcv_adv)) {
    tp.rcv_adv = seqAdd(tp.rcv_nxt, p.adv.bytes);
  }
  tp.last_ack_sent = tp.rcv_nxt;
  tp.t_flags &= ~(TF_ACKNOW | TF_DELACK);
  tp.clearTimer('delack');
}

/** Options of a non-SYN segment: TSopt once negotiated, SACK blocks while any are owed. */
export function segmentOptions(tp: TcpConnection): TcpOptions {
  const options: TcpOptions = tsUsed(tp) ? { ts: { val: tp.tsNow(), ecr: tp.ts_recent } } : {};
  if (tp.sackPermitted() && tp.sackReport.pending) {
    const blocks = tp.sackReport.take(sackRoom(tp, options));
    if (blocks.length > 0) options.sack = blocks;
  }
  return options;
}

/** SACK blocks that fit in the 40 option bytes next to the others (RFC 2018 §3). */
function sackRoom(tp: TcpConnection, o: TcpOptions): number {
  const probe: TcpOptions = { ...o, sack: [{ left: 0, right: 0 }] };
  if (tp.cfg.optionLayout === 'bsd') probe.layout = 'bsd';
  if (tp.md5_key !== undefined) probe.md5 = MD5_PLACEHOLDER;
  const withOne = optionsLength(probe);
  return Math.max(0, 1 + Math.floor((TCP_MAX_OPTIONS_LEN - withOne) / 8));
}

const MD5_PLACEHOLDER = new Uint8Array(TCP_MD5_DIGEST_LEN);

function advanceSendSeq(tp: TcpConnection, len: number, fin: boolean, persisting: boolean): void {
  const span = len + (fin ? 1 : 0);
  if (tp.t_force === 0 || !persisting) {
    const startseq = tp.snd_nxt;
    if (fin) tp.t_flags |= TF_SENTFIN;
    tp.snd_nxt = seqAdd(tp.snd_nxt, span);
    if (seqGt(tp.snd_nxt, tp.snd_max)) {
      tp.snd_max = tp.snd_nxt;
      startRtt(tp, startseq);
    }
    if (!tp.isTimerPending('rexmt') && tp.snd_nxt !== tp.snd_una) {
      if (tp.isTimerPending('persist')) {
        tp.clearTimer('persist');
        tp.t_rxtshift = 0;
      }
      tp.setTimer('rexmt', tp.t_rxtcur);
    } else if (
      len === 0 &&
      tp.so_snd.cc > 0 &&
      !tp.isTimerPending('rexmt') &&
      !tp.isTimerPending('persist')
    ) {
      // An ACK went out instead of queued data the window will not take: persist, or a
      // lost window update would leave both sides waiting (FreeBSD does the same).
      tp.t_rxtshift = 0;
      setPersist(tp);
    }
  } else {
    // A window probe: the byte is in flight, snd_nxt stays so it is sent again.
    if (fin) tp.t_flags |= TF_SENTFIN;
    const end = seqAdd(tp.snd_nxt, span);
    if (seqGt(end, tp.snd_max)) tp.snd_max = end;
  }
}
