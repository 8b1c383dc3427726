// TCP (RFC 9293) for nsrsim: one implementation used by the external peer, by each
// router RE's kernel and by the inter-RE replication channels. It is BSD's TCP in
// shape (tcp_input / tcp_output / tcp_timer, the tcpcb fields under their BSD names, so
// the PSRM field lists of seed 000 §6.2f map one to one) running on a host interface
// (TcpEnv) that supplies virtual time, IP output, timers and a seeded RNG; it never
// sees the simulator and never reads real time or real randomness.
//
// What it models:
// - three-way handshake (active and passive open; simultaneous open works but is not
//   tested), FIN in both orders, simultaneous close (CLOSING), TIME_WAIT for 2*MSL;
// - RST for segments to no connection (never in reply to an RST); RST acceptance per
//   RFC 5961 §3: accepted only if seq == rcv_nxt, challenge ACK if elsewhere in the
//   window, ignored otherwise; a SYN in a synchronized state gets a challenge ACK;
//   abort() and drops for timeout send RST;
// - options: MSS (offer configurable, 536 assumed if absent), window scale (RFC 7323:
//   only when both SYNs carry it, shift <= 14, SYN windows never scaled), timestamps
//   when both sides enable them (TSval = floor(now / 1 ms) + ts_offset mod 2^32,
//   ts_recent per RFC 7323 §4.3, PAWS; once negotiated every segment carries TSopt,
//   keepalive probes included, and a non-RST segment without one is dropped, §3.2),
//   SACK-permitted (RFC 2018 §2), TCP-MD5 (RFC 2385: with md5Key every segment is signed
//   and unsigned or badly signed ones are dropped); wire order Linux's or FreeBSD's
//   (optionLayout);
// - SACK (option sack, SPEC T-2): receiver blocks per RFC 2018 §4 (the run holding the
//   newest segment first), optional D-SACK (RFC 2883, dsack); sender loss recovery per
//   RFC 6675 (scoreboard, IsLost, pipe, NextSeg rules 1-3) in recovery.ts;
// - segmentation by t_maxseg (MSS minus 12 option bytes with timestamps), sending only
//   within min(snd_wnd, snd_cwnd), cumulative ACKs, the RFC 9293 §3.10.7.4 snd_wl1 /
//   snd_wl2 window-update rule, a receive window that never shrinks below rcv_adv,
//   receiver SWS avoidance, window-update ACK after a read that opens the window by
//   2*MSS or half the buffer (BSD's rule), Nagle as BSD (off with nodelay); with
//   window scaling a window that would shrink is rounded up to the next multiple of
//   2^rcv_scale (FreeBSD's roundup2, Linux's ALIGN) and that offer is honoured;
// - delayed ACK (every second in-order data segment, of any size, is ACKed at once,
//   otherwise after delackNs; immediate for out-of-order segments and for segments
//   that fill a hole; only in ESTABLISHED, other states ACK at once);
// - RTO per RFC 6298 in ns (SRTT/RTTVAR, G = 1 ms, min/initial/max configurable, Karn's
//   rule, RTO doubled per timeout up to rtoMax, drop with 'timeout' after maxRetries
//   timeouts in a row), go-back-N from snd_una after an RTO with cwnd = 1 MSS;
// - Reno congestion control (slow start from an RFC 3390 initial window, congestion
//   avoidance, fast retransmit on the 3rd duplicate ACK, fast recovery) with NewReno
//   partial-ACK handling (snd_recover, RFC 6582);
// - reassembly queue t_segq with overlap trimming, duplicates ACKed and discarded, data
//   beyond the window trimmed;
// - zero-window persist probes (1 byte, BSD backoff clamped to [persistMin, persistMax])
//   and reopening on a window update;
// - optional keepalive; urgent pointer carried (snd_up / TH_URG / urp / rcv_up, data
//   stays inline);
// - the NSR hooks: rcvSpacePolicy replaces so_rcv.sbspace() for the advertised window
//   and the in-order accept decision (SPEC P-10), outputFilter suppresses segments
//   (the secondary socket of a replicated pair never transmits; its state advances as
//   if the segment was sent and lost), TcpStack.onNewConnection lets the owner install
//   both before a connection's first segment; for the replication layer also sndLimit
//   (transmit only the first n bytes of so_snd, S-1), sosendHook / soreceiveHook
//   (called by write() / read(), S-1, S-4), onRcvAppend (every chunk appended to
//   so_rcv), replica (a secondary socket: no transmission, no timers, M-4) and
//   TcpStack.adoptReplica (a connection registered without a handshake, M-1);
// - the Redundant TCP hooks (seed 004): ackAheadHook takes an ACK above snd_max before
//   it is processed, for the standby to replay once its output reaches it (SPEC R-2),
//   and TcpStack.issFor computes the ISS instead of drawing it; both unset by
//   default, when TCP behaves (and draws) exactly as without them.
//
// - FreeBSD behaviours the FreeBSD TCP test suite checks, each a TcpOptionsConfig setting
//   off by default (model/tcp/README.md has the list and the suite's results): RTO
//   back-off with rexmit_slop, keepinit, FIN_WAIT_2 timeout, insecure_rst/syn,
//   drop_synfin, buffers rounded to the MSS, TCP_NOOPT, bare challenge ACKs, SYN|ACK to
//   a listener dropped; closeSocket() gives close(2) semantics to hosts with descriptors.
//
// What it simplifies (plainly):
// - no ECN, no F-RTO, no limited transmit, no RACK/TLP, no CUBIC; SACK's IsLost counts
//   bytes (more than 2 SMSS SACKed above), not discontiguous blocks;
// - PAWS as RFC 7323 §5 without the timestamp clock check (an older TSval than ts_recent
//   is dropped after an ACK; ts_recent invalidated after 24 days idle); RTT is measured by
//   timing one segment per RTT (t_rtttime/t_rtseq), never from timestamps;
// - duplicate ACKs that carry data or a window change do not count (BSD), and end a
//   fast recovery;
// - the backoff (t_rxtshift, t_rxtcur) is reset whenever an ACK advances snd_una
//   (Linux-like), not only on a fresh RTT sample (BSD); srtt is never invalidated
//   after many timeouts;
// - no congestion window validation or restart after idle;
// - data and FIN carried on a SYN to a listener are not accepted (the peer sends them
//   again; on a SYN|ACK they are); we never send data on a SYN;
// - in-order data beyond the receive space is trimmed and dropped at once: with
//   rcvSpacePolicy set, beyond exactly the policy's value; without it, beyond
//   max(sbspace, the window already offered), so so_rcv can exceed its hiwat by the
//   scale round-up (< 2^rcv_scale bytes per offer while the reader is stalled, as in
//   FreeBSD and Linux); data drained from t_segq after a hole fills is appended
//   without a space check (it was accepted inside the offered window); the window a
//   segment is trimmed to follows the same rule: with rcvSpacePolicy set it is exactly
//   the policy's value, never widened to rcv_adv (SPEC P-10: both replicated sockets
//   judge each packet against common_rcvbufspc, and rcv_adv is the primary's alone);
// - shutdown()/close() before the connection is established is deferred (TF_NEEDFIN)
//   and carried out on reaching ESTABLISHED; close() is a half close (reading goes on);
//   the application is told onClosed('normal') on entering TIME_WAIT (BSD's
//   soisdisconnected), the TIME_WAIT connection leaves the stack after 2*MSL;
// - RST in TIME_WAIT is ignored (RFC 1337); a SYN above rcv_nxt in TIME_WAIT ends it
//   and goes to the listener;
// - a listener accepts on its port for any local address; the stack answers RST to
//   segments for no connection through host.output with no outputFilter (trace
//   event with conn undefined);
// - no ICMP, no path-MTU discovery, no IP options, no checksum (packet.ts does bytes),
//   no SYN cookies or syncache (a half-open connection is a TcpConnection in the
//   stack's table), no listen backlog limit; MD5 keys are per connection (cfg.md5Key) or,
//   for the stack's own RSTs, per remote address (TcpStack.md5KeyFor);
// - no FIN_WAIT_2 timeout unless finWait2TimeoutNs is set and the socket was closed
//   (half-closed connections can otherwise wait forever);
// - timers: one host timer per kind per connection, cleared before re-arming; a
//   firing for a kind that is no longer pending is ignored.
export {
  TCP_DEFAULTS,
  TCP_EVENT,
  TCP_TIMER_KINDS,
  TF_ACKNOW,
  TF_DELACK,
  TF_NEEDFIN,
  TF_NODELAY,
  TF_NOOPT,
  TF_RCVD_SCALE,
  TF_RCVD_TSTMP,
  TF_REQ_SCALE,
  TF_REQ_TSTMP,
  TF_SACK_PERMIT,
  TF_SENTFIN,
  haveRcvdFin,
  haveRcvdSyn,
  resolveTcpConfig,
} from './defs.ts';
export type {
  TcpCloseReason,
  TcpConfig,
  TcpEnv,
  TcpEvent,
  TcpKeepaliveConfig,
  TcpOptionsConfig,
  TcpState,
  TcpTimerKind,
} from './defs.ts';
export { TcpConnection } from './conn.ts';
export type { TcpWriteOptions } from './conn.ts';
export { TcpStack } from './stack.ts';
export { SockBuf } from './sockbuf.ts';
export { SackReport, SackScoreboard } from './sack.ts';
export { md5KeyBytes, tcpMd5Digest, tcpMd5Verify } from './md5.ts';
export { ReassQueue } from './reass.ts';
export type { ReassEntry } from './reass.ts';
