// TCP input processing (RFC 9293 §3.10.7, in the shape of BSD tcp_input): LISTEN and
// SYN_SENT handling, then for synchronized states RST check (RFC 5961), PAWS-light,
// trimming to the window, SYN check, ACK processing (Reno/NewReno), send-window update,
// urgent pointer, data and reassembly, FIN.
import type { Segment } from '../net/segment.ts';
import {
  TH_ACK,
  TH_FIN,
  TH_PUSH,
  TH_RST,
  TH_SYN,
  TH_URG,
  segLen,
  seqAdd,
  seqDiff,
  seqGeq,
  seqGt,
  seqLeq,
  seqLt,
} from '../net/segment.ts';
import {
  TCP_EVENT,
  TCPOLEN_TSTAMP_APPA,
  TCP_MAX_WINSHIFT,
  TCP_MSS_DEFAULT,
  TCP_REXMT_THRESH,
  TF_ACKNOW,
  TF_DELACK,
  TF_NEEDFIN,
  TF_RCVD_SCALE,
  TF_RCVD_TSTMP,
  TF_REQ_SCALE,
  TF_REQ_TSTMP,
  TF_SACK_PERMIT,
  TCP_MAXWIN,
  haveRcvdFin,
} from './defs.ts';
import { tcpMd5Verify } from './md5.ts';
import type { TcpConnection } from './conn.ts';
import { advertise, segmentOptions, tcpOutput } from './output.ts';
import { sackEnterRecovery, sackRecoveryOutput } from './recovery.ts';

/** The segment as input sees it: trimmed copies of the fields, never the segment itself. */
interface InCtx {
  readonly seg: Segment;
  readonly now: number;
  flags: number;
  seq: number;
  readonly ack: number;
  data: Uint8Array;
  urp: number;
  readonly tiwin: number;
  needOutput: boolean;
}

/** Minimum MSS we accept from a peer (BSD tcp_minmss is 216; we only avoid nonsense). */
const MSS_FLOOR = 64;
/** RFC 7323 §5.5: ts_recent older than 24 days is invalid. */
const PAWS_IDLE_NS = 24 * 24 * 3600 * 1_000_000_000;
/** Ceiling for the congestion window and "infinite" ssthresh. */
const CWND_MAX = TCP_MAXWIN * 2 ** TCP_MAX_WINSHIFT;

/** Handles one segment; returns true if the stack must dispatch it again (TIME_WAIT reuse). */
export function tcpInput(tp: TcpConnection, seg: Segment): boolean {
  if (tp.t_state === 'CLOSED') return false;
  if (tp.cfg.dropSynFin && (seg.flags & (TH_SYN | TH_FIN)) === (TH_SYN | TH_FIN)) return false;
  if (tp.md5_key !== undefined && !tcpMd5Verify(seg, tp.md5_key)) {
    // RFC 2385 §2.0: unsigned or badly signed segments are dropped before anything else.
    tp.trace(TCP_EVENT.md5Drop, { seq: seg.seq, signed: seg.options.md5 !== undefined });
    if (tp.t_state === 'LISTEN') tp.closeConn('reset'); // the embryonic connection goes
    return false;
  }
  const now = tp.env.now();
  tp.t_rcvtime = now;
  const syn = (seg.flags & TH_SYN) !== 0;
  const c: InCtx = {
    seg,
    now,
    flags: seg.flags,
    seq: seg.seq,
    ack: seg.ack,
    data: seg.payload,
    urp: seg.urp,
    tiwin: syn ? seg.wnd : seg.wnd * 2 ** tp.snd_scale,
    needOutput: false,
  };
  switch (tp.t_state) {
    case 'LISTEN':
      listenInput(tp, c);
      return false;
    case 'SYN_SENT':
      synSentInput(tp, c);
      return false;
    default:
      return syncInput(tp, c);
  }
}

/** Active open: ISS, SYN out. */
export function tcpConnect(tp: TcpConnection): void {
  tp.iss = initialSeq(tp);
  sendSeqInit(tp);
  tp.rcv_wnd = tp.rcvSpace();
  tp.setState('SYN_SENT');
  armKeepInit(tp);
  tcpOutput(tp);
}

/**
 * The ISS: random, unless the stack has issFor (Redundant TCP, SPEC R-4: both stations
 * derive it from the addresses, so the standby's connection matches the operational
 * station's). Without issFor the draw is exactly the one plain TCP always made.
 */
function initialSeq(tp: TcpConnection): number {
  const f = tp.stack.issFor;
  return f === undefined ? tp.env.rng.uint32() : f(tp) >>> 0;
}

/** BSD TCPTV_KEEP_INIT: the keep timer bounds connection establishment. */
function armKeepInit(tp: TcpConnection): void {
  if (tp.cfg.keepInitNs !== undefined) tp.setTimer('keep', tp.cfg.keepInitNs);
}

function sendSeqInit(tp: TcpConnection): void {
  tp.snd_una = tp.iss;
  tp.snd_nxt = tp.iss;
  tp.snd_max = tp.iss;
  tp.snd_up = tp.iss;
  tp.snd_recover = tp.iss;
}

function rcvSeqInit(tp: TcpConnection, irs: number): void {
  tp.irs = irs;
  tp.rcv_nxt = seqAdd(irs, 1);
  tp.rcv_adv = tp.rcv_nxt;
  tp.rcv_up = tp.rcv_nxt;
  tp.last_ack_sent = tp.rcv_nxt;
}

function tsUsed(tp: TcpConnection): boolean {
  return (tp.t_flags & (TF_REQ_TSTMP | TF_RCVD_TSTMP)) === (TF_REQ_TSTMP | TF_RCVD_TSTMP);
}

/** Records the options of the peer's SYN and settles scaling, timestamps and MSS. */
function synOptions(tp: TcpConnection, c: InCtx): void {
  const o = c.seg.options;
  if (o.wscale !== undefined) {
    tp.t_flags |= TF_RCVD_SCALE;
    tp.requested_s_scale = Math.min(Math.max(0, o.wscale), TCP_MAX_WINSHIFT);
  }
  if (o.ts !== undefined) {
    tp.t_flags |= TF_RCVD_TSTMP;
    tp.ts_recent = o.ts.val;
    tp.ts_recent_age = c.now;
  }
  if (o.sackOk === true && tp.cfg.sack) tp.t_flags |= TF_SACK_PERMIT;
  if ((tp.t_flags & (TF_REQ_SCALE | TF_RCVD_SCALE)) === (TF_REQ_SCALE | TF_RCVD_SCALE)) {
    tp.snd_scale = tp.requested_s_scale;
    tp.rcv_scale = tp.request_r_scale;
  } else {
    tp.snd_scale = 0;
    tp.rcv_scale = 0;
  }
  if (!tsUsed(tp)) tp.t_flags &= ~(TF_REQ_TSTMP | TF_RCVD_TSTMP);
  tcpMss(tp, o.mss);
}

/** BSD tcp_mss: segment size from both offers; initial congestion window (RFC 3390). */
function tcpMss(tp: TcpConnection, offer: number | undefined): void {
  const peer = Math.max(MSS_FLOOR, offer ?? TCP_MSS_DEFAULT);
  tp.t_maxopd = Math.min(peer, tp.t_mssoffer);
  tp.t_maxseg = tp.t_maxopd - (tsUsed(tp) ? TCPOLEN_TSTAMP_APPA : 0);
  tp.t_maxsend = tp.t_maxseg;
  const mss = tp.t_maxseg;
  tp.snd_cwnd = Math.min(4 * mss, Math.max(2 * mss, 4380));
  tp.snd_ssthresh = CWND_MAX;
  if (tp.cfg.bufRoundToMss) {
    // FreeBSD tcp_mss: both socket buffers grow to a whole number of segments.
    for (const sb of [tp.so_snd, tp.so_rcv]) {
      if (sb.hiwat > mss) sb.hiwat = Math.min(Math.ceil(sb.hiwat / mss) * mss, SB_MAX);
    }
  }
}

/** FreeBSD kern.ipc.maxsockbuf's default: the ceiling of the rounded buffers. */
const SB_MAX = 2 * 1024 * 1024;

function listenInput(tp: TcpConnection, c: InCtx): void {
  if ((c.flags & TH_RST) !== 0) return tp.closeConn('reset');
  if ((c.flags & (TH_SYN | TH_ACK)) === (TH_SYN | TH_ACK) && tp.cfg.synAckToListener === 'drop')
    return tp.closeConn('reset'); // FreeBSD: "SYN|ACK invalid, segment rejected", no RST
  if ((c.flags & TH_ACK) !== 0) {
    respondRst(tp, c.seg);
    return tp.closeConn('reset');
  }
  if ((c.flags & TH_SYN) === 0) return tp.closeConn('reset');
  rcvSeqInit(tp, c.seq);
  tp.iss = initialSeq(tp);
  sendSeqInit(tp);
  synOptions(tp, c);
  tp.setState('SYN_RECEIVED');
  armKeepInit(tp);
  tp.rcv_wnd = tp.rcvSpace();
  // Data and FIN on a SYN are not accepted (the peer will send them again).
  tp.t_flags |= TF_ACKNOW;
  tcpOutput(tp);
}

function synSentInput(tp: TcpConnection, c: InCtx): void {
  const hasAck = (c.flags & TH_ACK) !== 0;
  if (hasAck && (seqLeq(c.ack, tp.iss) || seqGt(c.ack, tp.snd_max))) {
    respondRst(tp, c.seg);
    return;
  }
  if ((c.flags & TH_RST) !== 0) {
    if (hasAck) {
      tp.trace(TCP_EVENT.rstReceived, { seq: c.seq, ack: c.ack });
      tp.closeConn('reset');
    }
    return;
  }
  if ((c.flags & TH_SYN) === 0) return;
  rcvSeqInit(tp, c.seq);
  synOptions(tp, c);
  tp.t_flags |= TF_ACKNOW;
  if (!hasAck) {
    // Simultaneous open: answer with SYN|ACK from SYN_RECEIVED.
    tp.setState('SYN_RECEIVED');
    tp.clearTimer('rexmt');
    tp.snd_nxt = tp.iss;
    tcpOutput(tp);
    return;
  }
  tp.snd_una = c.ack;
  if (seqLt(tp.snd_nxt, tp.snd_una)) tp.snd_nxt = tp.snd_una;
  if (tp.t_rtttime !== 0) xmitTimer(tp, c.now - tp.t_rtttime);
  tp.t_rxtshift = 0;
  tp.t_rxtcur = tp.rexmtVal();
  if (tp.snd_una === tp.snd_max) tp.clearTimer('rexmt');
  tp.snd_wnd = c.tiwin;
  tp.max_sndwnd = Math.max(tp.max_sndwnd, c.tiwin);
  tp.snd_wl1 = c.seq;
  tp.snd_wl2 = c.ack;
  established(tp, c);
  // Data (and a FIN) on the SYN|ACK are taken as in RFC 9293 §3.10.7.3 sixth/seventh.
  if (c.data.length > 0 || (c.flags & TH_FIN) !== 0) {
    c.flags &= ~TH_SYN;
    c.seq = seqAdd(c.seq, 1);
    tp.rcv_wnd = inputWindow(tp);
    if (trimToWindow(tp, c)) dataInput(tp, c);
  }
  tcpOutput(tp);
}

function established(tp: TcpConnection, c: InCtx): void {
  tp.setState('ESTABLISHED');
  tp.notifyEstablished();
  const ka = tp.cfg.keepalive;
  if (ka !== undefined) tp.setTimer('keep', ka.idleNs);
  else tp.clearTimer('keep'); // the connection-establishment bound (keepInitNs) is over
  if ((tp.t_flags & TF_NEEDFIN) !== 0) {
    tp.t_flags &= ~TF_NEEDFIN;
    tp.setState('FIN_WAIT_1');
    c.needOutput = true;
  }
}

/** Synchronized states (SYN_RECEIVED onwards). */
function syncInput(tp: TcpConnection, c: InCtx): boolean {
  if (ackAhead(tp, c)) return false;
  tp.rcv_wnd = inputWindow(tp);
  if (tsMissing(tp, c)) return false;
  if ((c.flags & TH_RST) !== 0) {
    rstInput(tp, c);
    return false;
  }
  if (tp.t_state === 'TIME_WAIT') return timeWaitInput(tp, c);
  if ((c.flags & TH_SYN) !== 0 && tp.cfg.insecureSyn && synInWindow(tp, c)) {
    // FreeBSD insecure_syn=1 (RFC 793): an in-window SYN resets the connection.
    tp.dropConn('reset');
    return false;
  }
  if ((c.flags & TH_SYN) !== 0 && tp.cfg.bareChallengeAck) {
    // RFC 5961 §4.2: a SYN gets a challenge ACK "irrespective of the sequence number".
    tp.trace(TCP_EVENT.challengeAck, { seq: c.seq, why: 'syn' });
    challengeAck(tp);
    return false;
  }
  noteDuplicate(tp, c);
  if (!pawsOk(tp, c) || !trimToWindow(tp, c)) {
    dropAfterAck(tp);
    return false;
  }
  updateTsRecent(tp, c);
  if ((c.flags & TH_SYN) !== 0) {
    // RFC 5961 §4: a SYN in a synchronized state gets a challenge ACK.
    tp.trace(TCP_EVENT.challengeAck, { seq: c.seq, why: 'syn' });
    challengeAck(tp);
    return false;
  }
  if (tp.so_nofdref && c.data.length > 0 && afterCloseWait(tp)) {
    // BSD: new data after the application closed the socket: RST the other end.
    respondRst(tp, c.seg);
    tp.closeConn('aborted');
    return false;
  }
  if ((c.flags & TH_ACK) === 0) {
    if ((tp.t_flags & TF_ACKNOW) !== 0) tcpOutput(tp);
    return false;
  }
  if (ackInput(tp, c) === 'done') return false;
  sndWindowUpdate(tp, c);
  urgInput(tp, c);
  dataInput(tp, c);
  if (c.needOutput || (tp.t_flags & TF_ACKNOW) !== 0) tcpOutput(tp);
  return false;
}

/**
 * SPEC R-2 (seed 004 §4.1.2.2.1), the one TCP-input change Redundant TCP asks for: on a
 * standby station an ACK can arrive before this TCP has itself "sent" the sequence it
 * acknowledges (the two stations' timing agrees only to a packet time). Such a segment
 * is handed, whole and unprocessed, to ackAheadHook, which buffers it and inputs it again
 * once output has reached that sequence. Off (hook unset) for every other TCP, which
 * drops it after an ACK as BSD does (newAck).
 */
function ackAhead(tp: TcpConnection, c: InCtx): boolean {
  const hook = tp.ackAheadHook;
  if (hook === undefined || (c.flags & (TH_ACK | TH_RST)) !== TH_ACK) return false;
  if (tp.t_state === 'TIME_WAIT' || !seqGt(c.ack, tp.snd_max)) return false;
  return hook(tp, c.seg);
}

/** RFC 7323 §3.2: once negotiated, a non-RST segment without TSopt is dropped. */
function tsMissing(tp: TcpConnection, c: InCtx): boolean {
  if (!tsUsed(tp) || c.seg.options.ts !== undefined || (c.flags & TH_RST) !== 0) return false;
  if (tp.cfg.tsMissing === 'accept') return false;
  tp.trace(TCP_EVENT.tsMissingDrop, { seq: c.seq });
  return true;
}

function synInWindow(tp: TcpConnection, c: InCtx): boolean {
  return seqGeq(c.seq, tp.rcv_nxt) && seqLt(c.seq, seqAdd(tp.rcv_nxt, Math.max(tp.rcv_wnd, 1)));
}

function afterCloseWait(tp: TcpConnection): boolean {
  const s = tp.t_state;
  return s === 'FIN_WAIT_1' || s === 'FIN_WAIT_2' || s === 'CLOSING' || s === 'LAST_ACK';
}

/** RFC 2883 D-SACK: remember the first duplicate range of arriving data (before trimming). */
function noteDuplicate(tp: TcpConnection, c: InCtx): void {
  if (!tp.cfg.dsack || !tp.sackPermitted() || c.data.length === 0 || (c.flags & TH_SYN) !== 0)
    return;
  tp.sackReport.noteDuplicate(tp.t_segq, tp.rcv_nxt, c.seq, c.data.length);
  // BSD: ACK now, as the next in-sequence segment would clear the D-SACK block again.
  if (tp.sackReport.dsack !== undefined) tp.t_flags |= TF_ACKNOW;
}

/** RFC 5961 §3.2 challenge ACK: bare (FreeBSD tcp_respond) or through output. */
function challengeAck(tp: TcpConnection): void {
  if (!tp.cfg.bareChallengeAck) return dropAfterAck(tp);
  const wnd = Math.min(advertise(tp).field, TCP_MAXWIN);
  tp.send(
    tp.makeSegment(TH_ACK, tp.snd_nxt, tp.rcv_nxt, wnd, 0, segmentOptions(tp), new Uint8Array(0)),
  );
}

function dropAfterAck(tp: TcpConnection): void {
  tp.t_flags |= TF_ACKNOW;
  tcpOutput(tp);
}

/** RST: RFC 5961 §3 — accepted only at exactly rcv_nxt; in window otherwise: challenge ACK. */
function rstInput(tp: TcpConnection, c: InCtx): void {
  const fields = { seq: c.seq, rcv_nxt: tp.rcv_nxt };
  if (c.seq === tp.rcv_nxt || (tp.cfg.insecureRst && synInWindow(tp, c))) {
    if (tp.t_state === 'TIME_WAIT') {
      tp.trace(TCP_EVENT.rstIgnored, { ...fields, why: 'time-wait' }); // RFC 1337: no TIME_WAIT assassination
      return;
    }
    tp.trace(TCP_EVENT.rstReceived, fields);
    tp.closeConn('reset');
    return;
  }
  const inWindow =
    seqGeq(c.seq, tp.rcv_nxt) && seqLt(c.seq, seqAdd(tp.rcv_nxt, Math.max(tp.rcv_wnd, 1)));
  if (inWindow && tp.t_state !== 'TIME_WAIT') {
    tp.trace(TCP_EVENT.challengeAck, { ...fields, why: 'rst' });
    challengeAck(tp);
    return;
  }
  tp.trace(TCP_EVENT.rstIgnored, fields);
}

function timeWaitInput(tp: TcpConnection, c: InCtx): boolean {
  const syn = (c.flags & TH_SYN) !== 0;
  if (syn && (c.flags & TH_ACK) === 0 && seqGt(c.seq, tp.rcv_nxt)) {
    // A new incarnation above the old sequence space (RFC 9293 §3.6.1): give it to the listener.
    tp.closeConn('normal');
    return true;
  }
  // RFC 9293 §3.10.7.4 fifth: a segment without ACK is dropped (FreeBSD tcp_twcheck too).
  if ((c.flags & TH_ACK) === 0) return false;
  const fin = (c.flags & TH_FIN) !== 0;
  if (fin) tp.setTimer('2msl', 2 * tp.cfg.mslNs);
  // Anything but an exact duplicate ACK is answered (not acceptable: RFC 9293 §3.10.7.4 first).
  const dupAckOnly =
    c.flags === TH_ACK && c.data.length === 0 && c.seq === tp.rcv_nxt && c.ack === tp.snd_max;
  if (!dupAckOnly) dropAfterAck(tp);
  return false;
}

function tstmpLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

/** PAWS-light (RFC 7323 §5): a timestamp older than ts_recent marks an old duplicate. */
function pawsOk(tp: TcpConnection, c: InCtx): boolean {
  const ts = c.seg.options.ts;
  if (ts === undefined || !tsUsed(tp) || tp.ts_recent === 0) return true;
  if (!tstmpLt(ts.val, tp.ts_recent)) return true;
  if (c.now - tp.ts_recent_age > PAWS_IDLE_NS) {
    tp.ts_recent = 0;
    return true;
  }
  tp.trace(TCP_EVENT.pawsDrop, { seq: c.seq, tsval: ts.val, ts_recent: tp.ts_recent });
  return false;
}

/**
 * The receive window a segment is judged against (trimToWindow, RST acceptance). Plain
 * TCP: sbspace, but never less than the window already offered (rcv_adv - rcv_nxt).
 * With rcvSpacePolicy set (an NSR-replicated socket) it is exactly the policy's value,
 * as inOrderSpace: SPEC P-10 / seed 001 §12.1 have both sockets decide what is in window
 * from common_rcvbufspc, the one figure they share for each packet. rcv_adv is not
 * shared: only the primary advertises, while the secondary's suppressed output moves its
 * own rcv_adv with its own space at its own times. Widening the window to rcv_adv let the
 * two TCPs trim an out-of-order segment differently: the primary queued bytes in t_segq
 * that the secondary had cut off, delivered and ACKed them once the hole filled, and an
 * async failover then lost peer-acknowledged data (G-2, invariant c; fuzz finding
 * crash-slow-reader-acked-data-lost).
 */
function inputWindow(tp: TcpConnection): number {
  if (tp.rcvSpacePolicy !== undefined && !tp.widenWindowToAdv) return tp.rcvSpace();
  // A listener's SYN_RECEIVED window is the one its SYN|ACK offered: never scaled (RFC 7323
  // §2.2; BSD's syncache keeps exactly that window).
  if (tp.t_state === 'SYN_RECEIVED' && tp.passive) return Math.min(tp.rcvSpace(), TCP_MAXWIN);
  return Math.max(tp.rcvSpace(), seqDiff(tp.rcv_adv, tp.rcv_nxt), 0);
}

/** Trims what lies before rcv_nxt and after the window; false means drop (after ACK). */
function trimToWindow(tp: TcpConnection, c: InCtx): boolean {
  let todrop = seqDiff(tp.rcv_nxt, c.seq);
  if (todrop > 0) {
    if ((c.flags & TH_SYN) !== 0) {
      c.flags &= ~TH_SYN;
      c.seq = seqAdd(c.seq, 1);
      if (c.urp > 1) c.urp--;
      else c.flags &= ~TH_URG;
      todrop--;
    }
    const tlen = c.data.length;
    if (todrop > tlen || (todrop === tlen && (c.flags & TH_FIN) === 0)) {
      // Wholly old: any FIN in it is a duplicate. ACK to resynchronize, keep the ACK field.
      c.flags &= ~TH_FIN;
      tp.t_flags |= TF_ACKNOW;
      todrop = tlen;
    }
    c.data = c.data.subarray(todrop);
    c.seq = seqAdd(c.seq, todrop);
    if (c.urp > todrop) c.urp -= todrop;
    else {
      c.flags &= ~TH_URG;
      c.urp = 0;
    }
  }
  const tlen = c.data.length;
  const after = seqDiff(seqAdd(c.seq, tlen), seqAdd(tp.rcv_nxt, tp.rcv_wnd));
  if (after > 0) {
    if (tp.rcvSpacePolicy !== undefined && tlen > 0) {
      // The policy's window can end before rcv_adv (P-10): bytes the peer was offered are
      // dropped for lack of common space, traced as acceptInOrder traces its own cut.
      const edge = seqAdd(tp.rcv_nxt, tp.rcv_wnd);
      if (seqLt(seqGt(c.seq, edge) ? c.seq : edge, tp.rcv_adv))
        tp.trace(TCP_EVENT.rcvSpaceDrop, { seq: c.seq, len: tlen, space: tp.rcv_wnd });
    }
    if (after >= tlen) {
      // Only a probe at the edge of a closed window is kept (for its ACK field).
      if (!(tp.rcv_wnd === 0 && c.seq === tp.rcv_nxt)) return false;
      tp.t_flags |= TF_ACKNOW;
    }
    c.data = c.data.subarray(0, Math.max(0, tlen - after));
    c.flags &= ~(TH_PUSH | TH_FIN);
  }
  return true;
}

function updateTsRecent(tp: TcpConnection, c: InCtx): void {
  const ts = c.seg.options.ts;
  if (ts === undefined || !tsUsed(tp)) return;
  const s = c.seg.seq;
  if (seqLeq(s, tp.last_ack_sent) && seqLeq(tp.last_ack_sent, seqAdd(s, segLen(c.seg)))) {
    tp.ts_recent = ts.val;
    tp.ts_recent_age = c.now;
  }
}

/** RFC 6298 §2 with an RTT sample in ns. */
export function xmitTimer(tp: TcpConnection, rttIn: number): void {
  const rtt = Math.max(1, rttIn);
  if (tp.t_srtt === 0) {
    tp.t_srtt = rtt;
    tp.t_rttvar = Math.floor(rtt / 2);
  } else {
    tp.t_rttvar = Math.floor((3 * tp.t_rttvar + Math.abs(tp.t_srtt - rtt)) / 4);
    tp.t_srtt = Math.max(1, Math.floor((7 * tp.t_srtt + rtt) / 8));
  }
  tp.t_rtttime = 0;
  tp.t_rxtshift = 0;
  tp.t_rxtcur = tp.rexmtVal();
}

function ackInput(tp: TcpConnection, c: InCtx): 'continue' | 'done' {
  if (tp.t_state === 'SYN_RECEIVED') {
    if (seqLeq(c.ack, tp.snd_una) || seqGt(c.ack, tp.snd_max)) {
      respondRst(tp, c.seg);
      return 'done';
    }
    // The ACK covers our SYN.
    tp.snd_una = seqAdd(tp.snd_una, 1);
    if (seqLt(tp.snd_nxt, tp.snd_una)) tp.snd_nxt = tp.snd_una;
    if (tp.t_rtttime !== 0 && seqGt(c.ack, tp.t_rtseq)) xmitTimer(tp, c.now - tp.t_rtttime);
    tp.t_rxtshift = 0;
    tp.t_rxtcur = tp.rexmtVal();
    tp.clearTimer('rexmt');
    tp.snd_wl1 = seqAdd(c.seq, -1);
    tp.snd_wl2 = c.ack;
    established(tp, c);
  }
  if (tp.sackPermitted()) tp.sackBoard.update(c.seg.options.sack, tp.snd_una, tp.snd_max);
  if (seqLeq(c.ack, tp.snd_una)) return dupAck(tp, c);
  return newAck(tp, c);
}

function leaveRecovery(tp: TcpConnection): void {
  if (tp.t_dupacks >= TCP_REXMT_THRESH && tp.snd_cwnd > tp.snd_ssthresh)
    tp.snd_cwnd = tp.snd_ssthresh;
  tp.t_dupacks = 0;
  tp.sackBoard.inRecovery = false;
}

/** RFC 6675 §5: a duplicate ACK on a SACK connection. */
function sackDupAck(tp: TcpConnection, c: InCtx): 'continue' | 'done' {
  const b = tp.sackBoard;
  if (b.inRecovery) {
    sackRecoveryOutput(tp);
    return 'done';
  }
  tp.t_dupacks++;
  tp.trace(TCP_EVENT.dupack, { ack: c.ack, count: tp.t_dupacks });
  const lost = tp.t_dupacks >= TCP_REXMT_THRESH || b.isLost(tp.snd_una, tp.t_maxseg);
  if (!lost) return 'continue';
  if (!seqGt(c.ack, tp.snd_recover)) {
    // Still inside an earlier recovery's window (RFC 6675 §5 step 2 / RFC 6582 guard).
    tp.t_dupacks = 0;
    return 'continue';
  }
  sackEnterRecovery(tp);
  return 'done';
}

/**
 * ACK at or below snd_una: duplicate-ACK counting, fast retransmit, recovery inflation.
 * When it consumes the ACK ('done') the rest of step 6 still runs (a pure duplicate ACK
 * has no data for step 7): the window-update bookkeeping (only snd_wl1/snd_wl2 move, the
 * window is the one already held) and the urgent pointer pulled along with rcv_nxt. BSD
 * skips both (`goto drop`), which makes snd_wl1/snd_wl2 and rcv_up depend on the
 * duplicate-ACK count, i.e. on the retransmission timer; an NSR secondary runs no timers
 * (M-4), so with BSD's rule its receive-side tcpcb would stop following the primary's
 * (P-13; fuzz findings follower-dupack-window-seq, follower-dupack-rcv-up). RFC 9293
 * §3.10.7.4 updates the window on every acceptable ACK.
 */
function dupAck(tp: TcpConnection, c: InCtx): 'continue' | 'done' {
  const r = countDupAck(tp, c);
  if (r === 'done') {
    sndWindowUpdate(tp, c);
    urgInput(tp, c);
  }
  return r;
}

function countDupAck(tp: TcpConnection, c: InCtx): 'continue' | 'done' {
  const pure = c.data.length === 0 && (c.flags & (TH_SYN | TH_FIN)) === 0 && c.tiwin === tp.snd_wnd;
  if (!pure || !tp.isTimerPending('rexmt') || c.ack !== tp.snd_una) {
    leaveRecovery(tp);
    return 'continue';
  }
  if (tp.sackPermitted()) return sackDupAck(tp, c);
  tp.t_dupacks++;
  tp.trace(TCP_EVENT.dupack, { ack: c.ack, count: tp.t_dupacks });
  const mss = tp.t_maxseg;
  if (tp.t_dupacks === TCP_REXMT_THRESH) {
    if (!seqGt(c.ack, tp.snd_recover)) {
      // Still recovering from an earlier loss (NewReno's guard): no second halving.
      tp.t_dupacks = 0;
      return 'continue';
    }
    const onxt = tp.snd_nxt;
    const win = Math.max(2, Math.floor(Math.min(tp.snd_wnd, tp.snd_cwnd) / 2 / mss));
    tp.snd_ssthresh = win * mss;
    tp.snd_recover = tp.snd_max;
    tp.clearTimer('rexmt');
    tp.t_rtttime = 0;
    tp.snd_nxt = c.ack;
    tp.snd_cwnd = mss;
    tp.trace(TCP_EVENT.fastRetransmit, { seq: c.ack, ssthresh: tp.snd_ssthresh });
    tcpOutput(tp);
    tp.snd_cwnd = tp.snd_ssthresh + mss * tp.t_dupacks;
    if (seqGt(onxt, tp.snd_nxt)) tp.snd_nxt = onxt;
    return 'done';
  }
  if (tp.t_dupacks > TCP_REXMT_THRESH) {
    tp.snd_cwnd = Math.min(tp.snd_cwnd + mss, CWND_MAX);
    tcpOutput(tp);
    return 'done';
  }
  return 'continue';
}

/** NewReno partial ACK (RFC 6582): retransmit the next hole, deflate by what was acked. */
function partialAck(tp: TcpConnection, ack: number): void {
  const onxt = tp.snd_nxt;
  const ocwnd = tp.snd_cwnd;
  const acked = seqDiff(ack, tp.snd_una);
  tp.clearTimer('rexmt');
  tp.t_rtttime = 0;
  tp.snd_nxt = ack;
  tp.snd_cwnd = tp.t_maxseg + acked;
  tp.t_flags |= TF_ACKNOW;
  tcpOutput(tp);
  tp.snd_cwnd = ocwnd;
  if (seqGt(onxt, tp.snd_nxt)) tp.snd_nxt = onxt;
  tp.snd_cwnd = Math.max(0, tp.snd_cwnd - acked) + tp.t_maxseg;
}

/** ACK above snd_una. */
function newAck(tp: TcpConnection, c: InCtx): 'continue' | 'done' {
  if (seqGt(c.ack, tp.snd_max)) {
    dropAfterAck(tp);
    return 'done';
  }
  const sack = tp.sackPermitted();
  if (tp.t_dupacks >= TCP_REXMT_THRESH && seqLt(c.ack, tp.snd_recover)) {
    // NewReno retransmits the next hole now; SACK recovery sends after snd_una moves.
    if (!sack) partialAck(tp, c.ack);
  } else leaveRecovery(tp);
  const inRecovery = tp.t_dupacks >= TCP_REXMT_THRESH;
  const acked = seqDiff(c.ack, tp.snd_una);
  if (tp.t_rtttime !== 0 && seqGt(c.ack, tp.t_rtseq)) xmitTimer(tp, c.now - tp.t_rtttime);
  // Forward progress ends a backoff (Linux-like; BSD waits for an RTT sample).
  tp.t_rxtshift = 0;
  tp.t_rxtcur = tp.rexmtVal();
  if (c.ack === tp.snd_max) {
    tp.clearTimer('rexmt');
    c.needOutput = true;
  } else if (!tp.isTimerPending('persist')) {
    tp.setTimer('rexmt', tp.t_rxtcur);
  }
  if (!inRecovery) openCwnd(tp);
  const cc = tp.so_snd.cc;
  const ourFinAcked = acked > cc;
  const drop = Math.min(acked, cc);
  tp.so_snd.drop(drop);
  tp.snd_wnd = Math.max(0, tp.snd_wnd - drop);
  if (drop > 0) tp.notifyWritable();
  tp.snd_una = c.ack;
  if (seqLt(tp.snd_nxt, tp.snd_una)) tp.snd_nxt = tp.snd_una;
  if (seqLt(tp.snd_up, tp.snd_una)) tp.snd_up = tp.snd_una;
  // Keep snd_recover just behind snd_una outside recovery so it stays comparable across wrap.
  const behind = seqAdd(tp.snd_una, -1);
  if (!inRecovery && seqGt(behind, tp.snd_recover)) tp.snd_recover = behind;
  if (sack) {
    tp.sackBoard.advance(tp.snd_una);
    if (inRecovery) sackRecoveryOutput(tp);
  }
  if (!ourFinAcked) return 'continue';
  switch (tp.t_state) {
    case 'FIN_WAIT_1':
      tp.setState('FIN_WAIT_2');
      tp.armFinWait2();
      return 'continue';
    case 'CLOSING':
      tp.enterTimeWait();
      return 'continue';
    case 'LAST_ACK':
      tp.closeConn('normal');
      return 'done';
    default:
      return 'continue';
  }
}

/** Slow start below ssthresh, congestion avoidance (about 1 MSS per RTT) above. */
function openCwnd(tp: TcpConnection): void {
  const mss = tp.t_maxseg;
  const cw = tp.snd_cwnd;
  const incr = cw > tp.snd_ssthresh ? Math.max(1, Math.floor((mss * mss) / cw)) : mss;
  tp.snd_cwnd = Math.min(cw + incr, TCP_MAXWIN * 2 ** tp.snd_scale);
}

/** RFC 9293 §3.10.7.4: update SND.WND from a segment that is not older than the last one used. */
function sndWindowUpdate(tp: TcpConnection, c: InCtx): void {
  if (!seqLeq(tp.snd_una, c.ack) || !seqLeq(c.ack, tp.snd_max)) return;
  const newer = seqLt(tp.snd_wl1, c.seq) || (tp.snd_wl1 === c.seq && seqLeq(tp.snd_wl2, c.ack));
  if (!newer) return;
  tp.snd_wnd = c.tiwin;
  tp.snd_wl1 = c.seq;
  tp.snd_wl2 = c.ack;
  if (tp.snd_wnd > tp.max_sndwnd) tp.max_sndwnd = tp.snd_wnd;
  c.needOutput = true;
}

/** Urgent pointer: rcv_up advances to the peer's mark; otherwise it follows rcv_nxt. */
function urgInput(tp: TcpConnection, c: InCtx): void {
  if ((c.flags & TH_URG) !== 0 && c.urp > 0 && !haveRcvdFin(tp.t_state)) {
    const up = seqAdd(c.seq, c.urp);
    if (seqGt(up, tp.rcv_up)) {
      tp.rcv_up = up;
      tp.trace(TCP_EVENT.urgent, { rcv_up: up });
    }
  } else if (seqGt(tp.rcv_nxt, tp.rcv_up)) {
    tp.rcv_up = tp.rcv_nxt;
  }
}

function dataInput(tp: TcpConnection, c: InCtx): void {
  let fin = (c.flags & TH_FIN) !== 0;
  if ((c.data.length === 0 && !fin) || haveRcvdFin(tp.t_state)) return;
  if (c.seq === tp.rcv_nxt) {
    fin = acceptInOrder(tp, c, fin);
  } else {
    tp.t_segq.insert(c.seq, c.data, fin);
    if (tp.sackPermitted()) tp.sackReport.update(tp.t_segq, c.seq, seqAdd(c.seq, c.data.length));
    tp.t_flags |= TF_ACKNOW;
    fin = false;
  }
  if (tp.sackPermitted()) tp.sackReport.clean(tp.rcv_nxt);
  if (fin) finInput(tp);
}

/** In-order data: accepted up to the receive space, then the reassembly queue drains. */
function acceptInOrder(tp: TcpConnection, c: InCtx, finIn: boolean): boolean {
  let fin = finIn;
  let data = c.data;
  if (data.length > 0) {
    const space = inOrderSpace(tp);
    if (data.length > space) {
      tp.trace(TCP_EVENT.rcvSpaceDrop, { seq: c.seq, len: data.length, space });
      data = data.subarray(0, space);
      fin = false;
      tp.t_flags |= TF_ACKNOW;
    }
    if (data.length > 0) {
      tp.rcvAppend(data);
      tp.rcv_nxt = seqAdd(tp.rcv_nxt, data.length);
      if (tp.t_segq.length === 0) delayAck(tp);
    }
  }
  if (tp.t_segq.length === 0) return fin;
  if (fin) {
    tp.t_segq.clear();
    return true;
  }
  const d = tp.t_segq.drain(tp.rcv_nxt);
  for (const chunk of d.chunks) tp.rcvAppend(chunk);
  tp.rcv_nxt = seqAdd(tp.rcv_nxt, d.bytes);
  tp.t_flags |= TF_ACKNOW; // a hole was (at least partly) filled
  return d.fin;
}

/**
 * Bytes of in-order data we take. With rcvSpacePolicy set it is exactly the policy's
 * value (SPEC P-10: accept or drop against common_rcvbufspc). Without it, sbspace, but
 * never less than the window already committed (rcv_adv), which a receiver honours.
 */
function inOrderSpace(tp: TcpConnection): number {
  const space = tp.rcvSpace();
  if (tp.rcvSpacePolicy !== undefined) return space;
  return Math.max(space, seqDiff(tp.rcv_adv, tp.rcv_nxt));
}

/** Delayed ACK: every second segment at once, a lone one after the delack timer. */
function delayAck(tp: TcpConnection): void {
  if ((tp.t_flags & TF_ACKNOW) !== 0) return;
  if (tp.t_state !== 'ESTABLISHED' || (tp.t_flags & TF_DELACK) !== 0) {
    tp.t_flags |= TF_ACKNOW;
    return;
  }
  tp.t_flags |= TF_DELACK;
  tp.setTimer('delack', tp.cfg.delackNs);
}

function finInput(tp: TcpConnection): void {
  if (!haveRcvdFin(tp.t_state)) {
    tp.rcv_nxt = seqAdd(tp.rcv_nxt, 1);
    tp.notifyPeerFin();
    tp.t_flags |= TF_ACKNOW;
  }
  switch (tp.t_state) {
    case 'SYN_RECEIVED':
    case 'ESTABLISHED':
      tp.setState('CLOSE_WAIT');
      return;
    case 'FIN_WAIT_1':
      tp.setState('CLOSING');
      return;
    case 'FIN_WAIT_2':
      tp.enterTimeWait();
      return;
    default:
      return;
  }
}

/** RFC 9293 §3.10.7.1 reset for a segment that must be refused (never for an RST). */
export function rstReplyFields(
  seg: Segment,
): { flags: number; seq: number; ack: number } | undefined {
  if ((seg.flags & TH_RST) !== 0) return undefined;
  if ((seg.flags & TH_ACK) !== 0) return { flags: TH_RST, seq: seg.ack, ack: 0 };
  return { flags: TH_RST | TH_ACK, seq: 0, ack: seqAdd(seg.seq, segLen(seg)) };
}

function respondRst(tp: TcpConnection, seg: Segment): void {
  const r = rstReplyFields(seg);
  if (r === undefined) return;
  tp.send(tp.makeSegment(r.flags, r.seq, r.ack, 0, 0, {}, new Uint8Array(0)));
}
