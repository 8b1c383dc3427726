// SACK-based loss recovery (RFC 6675 §5) on the sender, used when both SYNs carried
// SACK-permitted. Entered on the DupThresh'th duplicate ACK or when IsLost(HighACK + 1):
// ssthresh as Reno's (half the flight, at least 2 segments), cwnd = ssthresh, RecoveryPoint
// = snd_max (snd_recover), the first presumed-lost segment retransmitted at once; then on
// every ACK while pipe leaves room for a segment: NextSeg rule 1 (lost, unSACKed, above
// HighRxt), rule 2 (new data), rule 3 (unSACKed below the highest SACKed byte). Leaves
// recovery when the cumulative ACK reaches RecoveryPoint (input.ts leaveRecovery). An
// RTO discards the scoreboard (§5.1). Retransmissions never move snd_nxt: they are sent
// as BSD's tcp_output sends a SACK hole (snd_nxt juggled for one pass, then restored).
import { seqAdd, seqDiff, seqGt, seqLt } from '../net/segment.ts';
import { TCP_EVENT, TCP_REXMT_THRESH } from './defs.ts';
import type { TcpConnection } from './conn.ts';
import { tcpOutput } from './output.ts';

/** Bound on segments one recovery pass sends (a runaway loop is a bug, not a hang). */
const MAX_SEGMENTS_PER_PASS = 1 << 16;

/** RFC 6675 §5 step (4): enter loss recovery and retransmit the first lost segment. */
export function sackEnterRecovery(tp: TcpConnection): void {
  const mss = tp.t_maxseg;
  const win = Math.max(2, Math.floor(Math.min(tp.snd_wnd, tp.snd_cwnd) / 2 / mss));
  tp.snd_ssthresh = win * mss;
  tp.snd_recover = tp.snd_max;
  tp.snd_cwnd = tp.snd_ssthresh;
  tp.t_dupacks = Math.max(tp.t_dupacks, TCP_REXMT_THRESH);
  tp.t_rtttime = 0;
  const b = tp.sackBoard;
  b.inRecovery = true;
  b.highRxt = tp.snd_una;
  tp.trace(TCP_EVENT.sackRecovery, {
    snd_una: tp.snd_una,
    recover: tp.snd_recover,
    ssthresh: tp.snd_ssthresh,
    sacked: b.sackedAbove(tp.snd_una),
  });
  tp.trace(TCP_EVENT.fastRetransmit, { seq: tp.snd_una, ssthresh: tp.snd_ssthresh });
  const first = b.holes(tp.snd_una, tp.snd_max)[0];
  if (first !== undefined) {
    const len = Math.min(mss, seqDiff(first.right, first.left));
    tp.clearTimer('rexmt');
    sendRange(tp, first.left, len);
    b.highRxt = seqAdd(first.left, len);
  }
  sackRecoveryOutput(tp);
}

/** RFC 6675 §5 step (C): send while cwnd - pipe >= 1 SMSS. */
export function sackRecoveryOutput(tp: TcpConnection): void {
  const b = tp.sackBoard;
  const mss = tp.t_maxseg;
  for (let i = 0; i < MAX_SEGMENTS_PER_PASS; i++) {
    if (!b.inRecovery) return;
    const pipe = b.pipe(tp.snd_una, tp.snd_max, mss);
    if (pipe < 0 || pipe > 2 * Math.max(0, seqDiff(tp.snd_max, tp.snd_una)))
      throw new Error(`sackRecoveryOutput: pipe ${pipe} outside [0, 2 * flight]`);
    if (tp.snd_cwnd - pipe < mss) return;
    const lost = b.nextLost(tp.snd_una, tp.snd_max, mss, true);
    if (lost !== undefined) {
      sendRange(tp, lost.left, seqDiff(lost.right, lost.left));
      b.highRxt = lost.right;
      continue;
    }
    if (sendNewData(tp)) continue;
    const rescue = b.nextLost(tp.snd_una, tp.snd_max, mss, false);
    if (rescue === undefined) return;
    sendRange(tp, rescue.left, seqDiff(rescue.right, rescue.left));
    b.highRxt = rescue.right;
  }
  throw new Error(`sackRecoveryOutput: more than ${MAX_SEGMENTS_PER_PASS} segments in one pass`);
}

/** One retransmission of [seq, seq + len) through tcp_output, snd_nxt and cwnd restored. */
function sendRange(tp: TcpConnection, seq: number, len: number): void {
  if (len <= 0) return;
  const onxt = tp.snd_nxt;
  const ocwnd = tp.snd_cwnd;
  tp.snd_nxt = seq;
  tp.snd_cwnd = seqDiff(seq, tp.snd_una) + len;
  try {
    tcpOutput(tp);
  } finally {
    tp.snd_cwnd = ocwnd;
    if (seqGt(onxt, tp.snd_nxt)) tp.snd_nxt = onxt;
  }
}

/** NextSeg rule (2): one segment of new data, if the window and so_snd hold some. */
function sendNewData(tp: TcpConnection): boolean {
  const omax = tp.snd_max;
  if (seqLt(tp.snd_nxt, omax)) tp.snd_nxt = omax;
  const ocwnd = tp.snd_cwnd;
  tp.snd_cwnd = seqDiff(omax, tp.snd_una) + tp.t_maxseg;
  try {
    tcpOutput(tp);
  } finally {
    tp.snd_cwnd = ocwnd;
  }
  return seqGt(tp.snd_max, omax);
}
