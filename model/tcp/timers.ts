// TCP timers (BSD tcp_timer.c): retransmission with RFC 6298 backoff and go-back-N,
// persist (window probes), keepalive, 2MSL, delayed ACK. The connection keeps one host
// timer per kind; conn.onTimer has already forgotten the fired handle when we get here.
import { TH_ACK, seqAdd } from '../net/segment.ts';
import { TCP_EVENT, TF_ACKNOW, haveRcvdSyn, type TcpTimerKind } from './defs.ts';
import type { TcpConnection } from './conn.ts';
import { advertise, segmentOptions, setPersist, tcpOutput } from './output.ts';

export function tcpTimer(tp: TcpConnection, kind: TcpTimerKind): void {
  switch (kind) {
    case 'rexmt':
      rexmtTimeout(tp);
      return;
    case 'persist':
      persistTimeout(tp);
      return;
    case 'keep':
      keepTimeout(tp);
      return;
    case '2msl':
      if (tp.t_state === 'TIME_WAIT') tp.closeConn('normal');
      else if (tp.t_state === 'FIN_WAIT_2') tp.closeConn('timeout'); // finWait2TimeoutNs
      return;
    case 'delack':
      tp.t_flags |= TF_ACKNOW;
      tcpOutput(tp);
      return;
    default: {
      const never: never = kind;
      throw new Error(`unknown timer ${String(never)}`);
    }
  }
}

/** RTO: double it (RFC 6298 §5.5), give up after maxRetries, go back to snd_una, cwnd = 1 MSS. */
function rexmtTimeout(tp: TcpConnection): void {
  tp.t_rxtshift++;
  if (tp.t_rxtshift > tp.cfg.maxRetries) {
    tp.dropConn('timeout');
    return;
  }
  tp.t_rxtcur = backedOffRto(tp);
  tp.trace(TCP_EVENT.rto, {
    shift: tp.t_rxtshift,
    rto: tp.t_rxtcur,
    snd_una: tp.snd_una,
    snd_max: tp.snd_max,
  });
  const mss = tp.t_maxseg;
  const win = Math.max(2, Math.floor(Math.min(tp.snd_wnd, tp.snd_cwnd) / 2 / mss));
  tp.snd_ssthresh = win * mss;
  tp.snd_cwnd = mss;
  tp.t_dupacks = 0;
  tp.snd_recover = tp.snd_max;
  tp.snd_nxt = tp.snd_una;
  tp.t_rtttime = 0; // Karn: nothing retransmitted is timed
  tp.sackBoard.clear(); // RFC 6675 §5.1: after an RTO the scoreboard may be discarded
  tcpOutput(tp);
}

/** FreeBSD tcp_backoff[]: the multiplier stops growing at 512. */
const BSD_BACKOFF_MAX_SHIFT = 9;

/**
 * The RTO after a timeout: doubled (default), or BSD's base RTO times tcp_backoff[shift]
 * plus rexmit_slop (TCPT_RANGESET), with the initial RTO as base before any RTT sample.
 */
function backedOffRto(tp: TcpConnection): number {
  const c = tp.cfg;
  if (c.rtoBackoff === 'double')
    return Math.min(Math.max(tp.t_rxtcur * 2, tp.t_rttmin), c.rtoMaxNs);
  const base = tp.t_srtt === 0 ? c.rtoInitNs : tp.rexmtVal() - c.rtoSlopNs;
  const v = base * 2 ** Math.min(tp.t_rxtshift, BSD_BACKOFF_MAX_SHIFT) + c.rtoSlopNs;
  return Math.min(Math.max(v, tp.t_rttmin), c.rtoMaxNs);
}

function persistTimeout(tp: TcpConnection): void {
  setPersist(tp);
  tp.t_force = 1;
  try {
    tcpOutput(tp);
  } finally {
    tp.t_force = 0;
  }
}

/** Keepalive: probe (seq = snd_una - 1) after idleNs, every intervalNs, drop after count. */
function keepTimeout(tp: TcpConnection): void {
  const ka = tp.cfg.keepalive;
  const s = tp.t_state;
  if ((s === 'SYN_SENT' || s === 'SYN_RECEIVED') && tp.cfg.keepInitNs !== undefined) {
    tp.dropConn('timeout'); // BSD TCPTV_KEEP_INIT: establishment took too long
    return;
  }
  if (ka === undefined || !haveRcvdSyn(s) || s === 'SYN_RECEIVED' || s === 'TIME_WAIT') return;
  const idle = tp.env.now() - tp.t_rcvtime;
  if (idle >= ka.idleNs + ka.count * ka.intervalNs) {
    tp.dropConn('timeout');
    return;
  }
  if (idle >= ka.idleNs) {
    tp.trace(TCP_EVENT.keepaliveProbe, { seq: seqAdd(tp.snd_una, -1) });
    const wnd = advertise(tp).field;
    // RFC 7323 §3.2: once negotiated, every segment carries TSopt, probes included.
    const opts = segmentOptions(tp);
    tp.send(
      tp.makeSegment(TH_ACK, seqAdd(tp.snd_una, -1), tp.rcv_nxt, wnd, 0, opts, new Uint8Array(0)),
    );
    tp.setTimer('keep', ka.intervalNs);
  } else {
    tp.setTimer('keep', ka.idleNs - idle);
  }
}
