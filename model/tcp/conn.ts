// One TCP connection: the BSD tcpcb (fields under their BSD names), its two socket
// buffers and the application API. The protocol machinery lives in input.ts,
// output.ts and timers.ts as functions over this object; see tcp.ts for the overview.
import { assert } from '../../sim/index.ts';
import type { Ipv4, Segment, TcpOptions } from '../net/segment.ts';
import { TH_ACK, TH_RST, seqAdd, seqLeq } from '../net/segment.ts';
import {
  TCP_EVENT,
  TCP_CLOCK_G_NS,
  TCP_MSS_DEFAULT,
  TCP_TIMER_KINDS,
  TCP_TTL,
  TF_NEEDFIN,
  TF_NODELAY,
  TF_REQ_SCALE,
  TF_REQ_TSTMP,
  TF_SACK_PERMIT,
  haveRcvdSyn,
  type TcpCloseReason,
  type TcpConfig,
  type TcpEnv,
  type TcpState,
  type TcpEvent,
  type TcpTimerKind,
} from './defs.ts';
import { ReassQueue } from './reass.ts';
import { SackReport, SackScoreboard } from './sack.ts';
import { md5KeyBytes, tcpMd5Digest } from './md5.ts';
import { SockBuf } from './sockbuf.ts';
import { tcpInput } from './input.ts';
import { tcpOutput } from './output.ts';
import { tcpTimer } from './timers.ts';
import type { TcpStack } from './stack.ts';

// Pending application notifications, delivered when the outermost TCP call returns so
// that callbacks never run in the middle of segment processing.
const P_ESTAB = 1;
const P_READ = 2;
const P_WRITE = 4;
const P_FIN = 8;
const P_CLOSED = 16;

/** Window a scaled connection can express at most (used as "infinite" ssthresh). */
const TCP_MAXWIN_SCALED = 65535 * 2 ** 14;

export interface TcpWriteOptions {
  /** Mark the end of this write as the urgent pointer (snd_up). */
  urgent?: boolean;
}

export class TcpConnection {
  readonly stack: TcpStack;
  readonly env: TcpEnv;
  readonly cfg: TcpConfig;
  readonly laddr: Ipv4;
  readonly lport: number;
  readonly faddr: Ipv4;
  readonly fport: number;
  /** Created by a listener (not visible to the application before ESTABLISHED). */
  readonly passive: boolean;

  t_state: TcpState = 'CLOSED';
  // Send sequence space.
  snd_una = 0;
  snd_nxt = 0;
  snd_max = 0;
  snd_wnd = 0;
  snd_wl1 = 0;
  snd_wl2 = 0;
  snd_up = 0;
  iss = 0;
  // Receive sequence space.
  rcv_nxt = 0;
  rcv_wnd = 0;
  rcv_adv = 0;
  rcv_up = 0;
  irs = 0;
  last_ack_sent = 0;
  max_sndwnd = 0;
  // Segment sizes (bytes of payload; t_maxopd includes option bytes).
  t_maxseg = TCP_MSS_DEFAULT;
  t_maxopd = TCP_MSS_DEFAULT;
  t_mssoffer: number;
  /** Largest payload we put in one segment (kept equal to t_maxseg). */
  t_maxsend = TCP_MSS_DEFAULT;
  // Window scaling (RFC 7323).
  snd_scale = 0;
  rcv_scale = 0;
  request_r_scale = 0;
  requested_s_scale = 0;
  // Congestion control (Reno/NewReno).
  snd_cwnd: number;
  snd_ssthresh = TCP_MAXWIN_SCALED;
  snd_recover = 0;
  t_dupacks = 0;
  // Retransmission timing (all ns; t_srtt/t_rttvar unscaled, 0 = no sample yet).
  t_rxtshift = 0;
  t_rxtcur: number;
  t_srtt = 0;
  t_rttvar = 0;
  /** Start of the RTT measurement in progress, 0 = none (a start at t=0 is stored as 1). */
  t_rtttime = 0;
  t_rtseq = 0;
  t_rttmin: number;
  /** Time the last segment was received. */
  t_rcvtime = 0;
  t_flags = 0;
  // Timestamps (RFC 7323; SPEC M-6: what PSRM must carry for a takeover).
  ts_recent = 0;
  ts_recent_age = 0;
  /** Added to floor(now / 1 ms) to form TSval (BSD ts_offset); from cfg.tsOffset. */
  ts_offset: number;
  /** TCP-MD5 key (RFC 2385, SPEC M-1/M-6 md5_key); from cfg.md5Key. */
  md5_key: Uint8Array | undefined;
  /** The application closed the socket (BSD SS_NOFDREF): data arriving now gets RST. */
  so_nofdref = false;
  /** SACK receiver blocks (RFC 2018 §4) and the sender's scoreboard (RFC 6675). */
  readonly sackReport = new SackReport();
  readonly sackBoard = new SackScoreboard();
  /** 1 while the persist timer forces a window probe out. */
  t_force = 0;
  t_softerror = 0;
  /** Kept for the tcpcb field list; urgent data is inline so these stay 0. */
  t_oobflags = 0;
  t_iobc = 0;

  /** Out-of-order segments (BSD t_segq). */
  readonly t_segq = new ReassQueue();
  readonly so_rcv: SockBuf;
  readonly so_snd: SockBuf;

  /** When set, replaces so_rcv.sbspace() for the advertised window and in-order accept. */
  rcvSpacePolicy?: (conn: TcpConnection) => number;
  /** Return false to suppress a segment (state advances as if it was sent and lost). */
  outputFilter?: (conn: TcpConnection, seg: Segment) => boolean;
  /**
   * NSR (S-1): when set, output transmits at most this many bytes of so_snd counted
   * from its front (snd_una); the owner calls output() when the limit grows.
   */
  sndLimit?: (conn: TcpConnection) => number;
  /** NSR (S-1, S-2): called by write() with the bytes just appended to so_snd, before output. */
  sosendHook?: (conn: TcpConnection, bytes: Uint8Array) => void;
  /** NSR (S-4): called by read() after the application took bytes from so_rcv. */
  soreceiveHook?: (conn: TcpConnection) => void;
  /** Called with every chunk TCP appends to so_rcv, in stream order. */
  onRcvAppend?: (bytes: Uint8Array) => void;
  /**
   * NSR secondary socket (M-4): while true nothing is transmitted (as if outputFilter
   * refused everything) and no host timer is armed; input still runs. The failover
   * handler clears it, resets the timers and calls output().
   */
  replica = false;
  /**
   * Mutant hook (NSR mutant tcp-replica-window-from-rcv-adv): a replicated socket widens
   * the window a segment is judged against to rcv_adv, as plain TCP does, instead of
   * common_rcvbufspc alone (the bug of fuzz finding crash-slow-reader-acked-data-lost).
   */
  widenWindowToAdv = false;
  /**
   * Redundant TCP standby (SPEC R-2): called with a segment whose ACK is above snd_max,
   * before anything of it is processed; returning true means the hook took the segment
   * (it inputs it again once output reaches that sequence). Unset: plain BSD behaviour.
   */
  ackAheadHook?: (conn: TcpConnection, seg: Segment) => boolean;

  onEstablished?: () => void;
  onReadable?: () => void;
  onWritable?: () => void;
  onPeerFin?: () => void;
  onClosed?: (reason: TcpCloseReason) => void;

  /** Why the connection closed, once it has. */
  closeReason: TcpCloseReason | undefined;

  /** @internal Listener callback, run once when a passive connection is established. */
  acceptCb: ((conn: TcpConnection) => void) | undefined;
  /**
   * The pending host timer of each kind (its handle), -1 when none: a fixed-shape record
   * rather than a Map, as it is read on every ACK (issue 18).
   */
  private readonly timerHandles: Record<TcpTimerKind, number> = {
    rexmt: -1,
    persist: -1,
    keep: -1,
    '2msl': -1,
    delack: -1,
  };
  private depth = 0;
  private pend = 0;
  private closedNotified = false;

  constructor(
    stack: TcpStack,
    cfg: TcpConfig,
    laddr: Ipv4,
    lport: number,
    faddr: Ipv4,
    fport: number,
    passive: boolean,
  ) {
    this.stack = stack;
    this.env = stack.env;
    this.cfg = cfg;
    this.laddr = laddr;
    this.lport = lport;
    this.faddr = faddr;
    this.fport = fport;
    this.passive = passive;
    this.so_rcv = new SockBuf(cfg.rcvBuf);
    this.so_snd = new SockBuf(cfg.sndBuf);
    this.t_mssoffer = cfg.mss;
    this.t_rxtcur = cfg.rtoInitNs;
    this.t_rttmin = cfg.rtoMinNs;
    this.snd_cwnd = TCP_MSS_DEFAULT;
    if (cfg.wscale !== undefined) {
      this.t_flags |= TF_REQ_SCALE;
      this.request_r_scale = cfg.wscale;
    }
    if (cfg.timestamps) this.t_flags |= TF_REQ_TSTMP;
    if (cfg.nodelay) this.t_flags |= TF_NODELAY;
    this.ts_offset = cfg.tsOffset;
    this.md5_key = cfg.md5Key === undefined ? undefined : md5KeyBytes(cfg.md5Key);
  }

  // ---- application API ------------------------------------------------------------

  /** Bytes waiting in so_rcv. */
  get readable(): number {
    return this.so_rcv.cc;
  }

  /** Free space in so_snd (0 once the connection can no longer send). */
  get writable(): number {
    return this.canSend() ? this.so_snd.sbspace() : 0;
  }

  /** Copies up to so_snd.sbspace() bytes into the send buffer; returns the count taken. */
  write(bytes: Uint8Array, opts?: TcpWriteOptions): number {
    return this.run(() => {
      if (!this.canSend()) return 0;
      const n = Math.min(bytes.length, this.so_snd.sbspace());
      if (n === 0) return 0;
      const taken = n === bytes.length ? bytes : bytes.subarray(0, n);
      this.so_snd.append(taken);
      this.sosendHook?.(this, taken);
      if (opts?.urgent === true) {
        // BSD: snd_up points just past the last urgent byte.
        const opening = this.t_state === 'SYN_SENT' || this.t_state === 'SYN_RECEIVED';
        const dataStart = opening ? seqAdd(this.iss, 1) : this.snd_una;
        this.snd_up = seqAdd(dataStart, this.so_snd.cc);
      }
      tcpOutput(this);
      return n;
    });
  }

  /** Takes up to max bytes from so_rcv; may send a window update. */
  read(max: number): Uint8Array {
    return this.run(() => {
      const out = this.so_rcv.read(Math.max(0, Math.min(max, this.so_rcv.cc)));
      if (out.length > 0) {
        this.soreceiveHook?.(this);
        if (this.canReceive()) tcpOutput(this);
      }
      return out;
    });
  }

  /** Sends a FIN after the queued data (deferred until ESTABLISHED if still opening). */
  shutdown(): void {
    this.run(() => {
      switch (this.t_state) {
        case 'SYN_SENT':
        case 'SYN_RECEIVED':
          this.t_flags |= TF_NEEDFIN;
          return;
        case 'ESTABLISHED':
          this.setState('FIN_WAIT_1');
          tcpOutput(this);
          return;
        case 'CLOSE_WAIT':
          this.setState('LAST_ACK');
          tcpOutput(this);
          return;
        case 'LISTEN':
          this.closeConn('normal');
          return;
        case 'CLOSED':
        case 'FIN_WAIT_1':
        case 'FIN_WAIT_2':
        case 'CLOSING':
        case 'LAST_ACK':
        case 'TIME_WAIT':
          return;
        default:
          return assertNever(this.t_state);
      }
    });
  }

  /** For our purposes the same as shutdown(): the application may still read. */
  close(): void {
    this.shutdown();
  }

  /**
   * close(2) of the socket (BSD soclose / tcp_disconnect), for hosts that model a file
   * descriptor: before ESTABLISHED the connection goes silently; after it unread data is
   * discarded (sbflush), a FIN follows the queued data, data arriving later is answered
   * with RST (BSD's SS_NOFDREF rule) and FIN_WAIT_2 ends after finWait2TimeoutNs.
   */
  closeSocket(): void {
    this.run(() => {
      this.so_nofdref = true;
      const s = this.t_state;
      if (s === 'SYN_SENT' || s === 'SYN_RECEIVED' || s === 'LISTEN') {
        this.closeConn('aborted');
        return;
      }
      this.so_rcv.flush();
      if (s === 'FIN_WAIT_2') this.armFinWait2();
      this.shutdown();
    });
  }

  /** @internal BSD: a closed socket does not wait in FIN_WAIT_2 forever. */
  armFinWait2(): void {
    const t = this.cfg.finWait2TimeoutNs;
    if (t !== undefined && this.so_nofdref) this.setTimer('2msl', t);
  }

  /** Both ends agreed on SACK (RFC 2018 §2). */
  sackPermitted(): boolean {
    return (this.t_flags & TF_SACK_PERMIT) !== 0;
  }

  /** Drops the connection, sending RST if the peer knows about it. */
  abort(): void {
    this.run(() => {
      if (this.t_state === 'CLOSED') {
        this.stack.remove(this); // e.g. an adopted replica that never became active
        return;
      }
      this.dropConn('aborted');
    });
  }

  /** Segment demultiplexed to this connection. */
  input(seg: Segment): void {
    const redispatch = this.run(() => tcpInput(this, seg));
    if (redispatch) this.stack.input(seg);
  }

  /** Called by the host when a timer armed through host.setTimer fires. */
  onTimer(kind: TcpTimerKind): void {
    this.run(() => {
      // A firing for a kind we no longer have pending is stale: ignore it.
      if (this.timerHandles[kind] < 0) return;
      this.timerHandles[kind] = -1;
      tcpTimer(this, kind);
    });
  }

  /** BSD tcp_output: sends whatever the state allows (data, ACK, window update, FIN). */
  output(): void {
    this.run(() => {
      if (this.t_state !== 'CLOSED' && this.t_state !== 'LISTEN') tcpOutput(this);
    });
  }

  /** Receive space used for the window and the in-order accept decision. */
  rcvSpace(): number {
    const p = this.rcvSpacePolicy;
    const v = p !== undefined ? p(this) : this.so_rcv.sbspace();
    return Math.max(0, Math.floor(v));
  }

  isTimerPending(kind: TcpTimerKind): boolean {
    return this.timerHandles[kind] >= 0;
  }

  // ---- internals used by input.ts / output.ts / timers.ts / stack.ts ---------------

  /** @internal */
  canSend(): boolean {
    const s = this.t_state;
    if ((this.t_flags & TF_NEEDFIN) !== 0) return false;
    return s === 'SYN_SENT' || s === 'SYN_RECEIVED' || s === 'ESTABLISHED' || s === 'CLOSE_WAIT';
  }

  /** @internal */
  canReceive(): boolean {
    const s = this.t_state;
    return s === 'ESTABLISHED' || s === 'FIN_WAIT_1' || s === 'FIN_WAIT_2';
  }

  /** @internal Runs fn as a TCP entry point; notifications go out when the outermost returns. */
  run<T>(fn: () => T): T {
    this.depth++;
    try {
      return fn();
    } finally {
      this.depth--;
      if (this.depth === 0) {
        this.noteCwnd();
        this.flush();
      }
    }
  }

  /** snd_cwnd when last traced (0: never). */
  private tracedCwnd = 0;

  /**
   * Traces snd_cwnd (tcp.cwnd) when it moved by a quarter or more since it was last traced,
   * after each TCP entry point: enough for a report to draw the congestion window
   * (SPEC V-1) without a record per ACK. A replica's window is never used (M-4).
   */
  private noteCwnd(): void {
    const cw = this.snd_cwnd;
    const last = this.tracedCwnd;
    if (this.replica || cw === last) return;
    if (last !== 0 && cw < last * 1.25 && cw > last * 0.75) return;
    this.tracedCwnd = cw;
    this.trace(TCP_EVENT.cwnd, { cwnd: cw, ssthresh: this.snd_ssthresh });
  }

  private flush(): void {
    while (this.pend !== 0) {
      const p = this.pend;
      this.pend = 0;
      if ((p & P_ESTAB) !== 0) {
        const cb = this.acceptCb;
        this.acceptCb = undefined;
        if (cb !== undefined) cb(this);
        this.onEstablished?.();
      }
      if ((p & P_READ) !== 0) this.onReadable?.();
      if ((p & P_WRITE) !== 0) this.onWritable?.();
      if ((p & P_FIN) !== 0) this.onPeerFin?.();
      if ((p & P_CLOSED) !== 0 && !this.closedNotified) {
        this.closedNotified = true;
        this.onClosed?.(this.closeReason ?? 'normal');
      }
    }
  }

  /** @internal */
  notifyEstablished(): void {
    this.pend |= P_ESTAB;
  }
  /** @internal Appends in-order bytes to so_rcv (and tells onRcvAppend). */
  rcvAppend(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.so_rcv.append(bytes);
    // The receive buffer holds more than its high-water mark only inside a window already
    // offered (BSD honours an offer; with window scaling offers are rounded up to multiples
    // of 2^rcv_scale, so a stalled reader's buffer can creep past hiwat). Anything else means
    // TCP took data it never offered room for (sockbuf.ts leaves hiwat to its caller).
    assert(
      this.so_rcv.cc <= this.so_rcv.hiwat ||
        seqLeq(seqAdd(this.rcv_nxt, bytes.length), this.rcv_adv),
      () =>
        `so_rcv of ${this.lport}>${this.fport} holds ${this.so_rcv.cc} bytes past hiwat ${this.so_rcv.hiwat} outside the offered window`,
    );
    this.onRcvAppend?.(bytes);
    this.pend |= P_READ;
  }
  /** @internal */
  notifyWritable(): void {
    this.pend |= P_WRITE;
  }
  /** @internal */
  notifyPeerFin(): void {
    this.pend |= P_FIN;
  }

  /** @internal */
  trace(kind: TcpEvent, fields: Record<string, unknown>): void {
    this.env.event?.(this, kind, fields);
  }

  /** @internal */
  setState(s: TcpState): void {
    if (s === this.t_state) return;
    const from = this.t_state;
    this.t_state = s;
    this.trace(TCP_EVENT.state, { from, to: s });
  }

  /** @internal Arms (or re-arms) the timer of this kind. */
  setTimer(kind: TcpTimerKind, delayNs: number): void {
    this.clearTimer(kind);
    if (this.replica) return;
    const d = Math.max(0, Math.round(delayNs));
    const h = this.env.setTimer(this, kind, d);
    // Handles are event ids (non-negative): -1 is free to mean "none".
    assert(Number.isSafeInteger(h) && h >= 0, () => `TCP ${kind} timer: host handle ${h}`);
    this.timerHandles[kind] = h;
  }

  /** @internal */
  clearTimer(kind: TcpTimerKind): void {
    const h = this.timerHandles[kind];
    if (h < 0) return;
    this.timerHandles[kind] = -1;
    this.env.clearTimer(h);
  }

  /** @internal */
  clearAllTimers(): void {
    for (const k of TCP_TIMER_KINDS) this.clearTimer(k);
  }

  /** @internal RFC 6298 RTO from the current estimate, before backoff. */
  rexmtVal(): number {
    if (this.t_srtt === 0) return this.cfg.rtoInitNs;
    const rto = this.t_srtt + Math.max(TCP_CLOCK_G_NS, 4 * this.t_rttvar) + this.cfg.rtoSlopNs;
    return Math.min(Math.max(rto, this.t_rttmin), this.cfg.rtoMaxNs);
  }

  /** @internal TSval for now. */
  tsNow(): number {
    const ms = Math.floor(this.env.now() / 1_000_000) + this.ts_offset;
    const m = ms % 2 ** 32;
    return (m < 0 ? m + 2 ** 32 : m) >>> 0;
  }

  /** @internal The segment with this connection's option layout and MD5 signature. */
  sign(seg: Segment): Segment {
    const bsd = this.cfg.optionLayout === 'bsd';
    if (!bsd && this.md5_key === undefined) return seg;
    const options: TcpOptions = { ...seg.options };
    if (bsd) options.layout = 'bsd';
    const out: Segment = { ...seg, options };
    if (this.md5_key !== undefined) options.md5 = tcpMd5Digest(out, this.md5_key);
    return out;
  }

  /** @internal A segment from this connection's endpoint. */
  makeSegment(
    flags: number,
    seq: number,
    ack: number,
    wnd: number,
    urp: number,
    options: TcpOptions,
    payload: Uint8Array,
  ): Segment {
    return {
      src: this.laddr,
      dst: this.faddr,
      sport: this.lport,
      dport: this.fport,
      seq: seq >>> 0,
      ack: ack >>> 0,
      flags,
      wnd,
      urp,
      options,
      payload,
      ipId: this.stack.nextIpId(),
      ttl: TCP_TTL,
    };
  }

  /** @internal Sends through outputFilter; signs first on a keyed connection (RFC 2385). */
  send(segIn: Segment): void {
    const seg = this.sign(segIn);
    if ((seg.flags & TH_RST) !== 0) this.trace(TCP_EVENT.rstSent, { seq: seg.seq, ack: seg.ack });
    if (this.replica) return;
    const f = this.outputFilter;
    if (f !== undefined && !f(this, seg)) return;
    this.env.output(seg);
  }

  /** @internal Bare RST|ACK at snd_max (tcp_drop's last segment). */
  sendRst(): void {
    const opts: TcpOptions = {};
    this.send(
      this.makeSegment(TH_RST | TH_ACK, this.snd_max, this.rcv_nxt, 0, 0, opts, new Uint8Array(0)),
    );
  }

  /** @internal BSD tcp_drop: RST if the peer has our SYN state, then close. */
  dropConn(reason: TcpCloseReason): void {
    const s = this.t_state;
    if (reason === 'timeout') this.trace(TCP_EVENT.timeout, { state: s });
    if (
      haveRcvdSyn(s) &&
      s !== 'TIME_WAIT' &&
      !(this.passive && s === 'SYN_RECEIVED' && reason === 'timeout')
    ) {
      this.sendRst();
    }
    this.closeConn(reason);
  }

  /** @internal Final close: timers off, out of the stack, application told once. */
  closeConn(reason: TcpCloseReason): void {
    const embryonic =
      this.passive && (this.t_state === 'SYN_RECEIVED' || this.t_state === 'LISTEN');
    this.clearAllTimers();
    this.setState('CLOSED');
    this.stack.remove(this);
    if (this.closeReason === undefined) this.closeReason = reason;
    this.acceptCb = undefined;
    if (!embryonic) this.pend |= P_CLOSED;
  }

  /** @internal Enters TIME_WAIT: the application is told the connection closed normally. */
  enterTimeWait(): void {
    this.setState('TIME_WAIT');
    this.clearAllTimers();
    this.setTimer('2msl', 2 * this.cfg.mslNs);
    if (this.closeReason === undefined) this.closeReason = 'normal';
    this.pend |= P_CLOSED;
  }
}

function assertNever(x: never): never {
  throw new Error(`unexpected ${String(x)}`);
}
