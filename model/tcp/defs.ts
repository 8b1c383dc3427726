// TCP configuration, the host interface and the tcpcb flag/state vocabulary shared by
// the files of model/tcp/. See tcp.ts for what the TCP models and what it simplifies.
import type { Rng } from '../../sim/rng.ts';
import type { Segment } from '../net/segment.ts';
import type { TcpConnection } from './conn.ts';

export type TcpTimerKind = 'rexmt' | 'persist' | 'keep' | '2msl' | 'delack';
export const TCP_TIMER_KINDS: readonly TcpTimerKind[] = [
  'rexmt',
  'persist',
  'keep',
  '2msl',
  'delack',
];

/**
 * What a TCP needs from the machine it runs on (the RE kernel, the external peer, a
 * test harness). The TCP never sees the simulator. The host calls `conn.onTimer(kind)`
 * when a timer it was asked to set fires; the TCP keeps at most one pending host timer
 * per kind per connection (it clears the old handle before arming a new one).
 */
export interface TcpEnv {
  /** Current virtual time, integer ns. */
  now(): number;
  /** Hand a segment to IP. The segment object is fresh and never mutated afterwards. */
  output(seg: Segment): void;
  /** Arm a one-shot timer; the host later calls conn.onTimer(kind). Returns a handle (>= 0). */
  setTimer(conn: TcpConnection, kind: TcpTimerKind, delayNs: number): number;
  clearTimer(handle: number): void;
  /** ISS, ephemeral ports. */
  rng: Rng;
  /**
   * Trace hook. `conn` is undefined for segments the stack answers without a
   * connection (RST to a closed port). Kinds: TCP_EVENT.
   */
  event?(conn: TcpConnection | undefined, kind: TcpEvent, fields: Record<string, unknown>): void;
}

/** What a TCP reports through TcpEnv.event (the model traces each as `tcp.<event>`). */
export const TCP_EVENT = {
  state: 'state',
  retransmit: 'retransmit',
  rto: 'rto',
  fastRetransmit: 'fast-retransmit',
  dupack: 'dupack',
  persistProbe: 'persist-probe',
  keepaliveProbe: 'keepalive-probe',
  rstSent: 'rst-sent',
  rstReceived: 'rst-received',
  rstIgnored: 'rst-ignored',
  challengeAck: 'challenge-ack',
  timeout: 'timeout',
  rcvSpaceDrop: 'rcv-space-drop',
  pawsDrop: 'paws-drop',
  /** RFC 7323 §3.2: a non-RST segment without TSopt on a connection that negotiated it. */
  tsMissingDrop: 'ts-missing-drop',
  /** RFC 2385: a segment without a valid TCP-MD5 signature on a keyed connection. */
  md5Drop: 'md5-drop',
  /** RFC 6675 loss recovery entered (SACK). */
  sackRecovery: 'sack-recovery',
  urgent: 'urgent',
  /** snd_cwnd moved by a quarter or more since it was last traced (conn.ts noteCwnd). */
  cwnd: 'cwnd',
} as const;
export type TcpEvent = (typeof TCP_EVENT)[keyof typeof TCP_EVENT];

export type TcpState =
  | 'CLOSED'
  | 'LISTEN'
  | 'SYN_SENT'
  | 'SYN_RECEIVED'
  | 'ESTABLISHED'
  | 'FIN_WAIT_1'
  | 'FIN_WAIT_2'
  | 'CLOSE_WAIT'
  | 'CLOSING'
  | 'LAST_ACK'
  | 'TIME_WAIT';

export type TcpCloseReason = 'normal' | 'reset' | 'timeout' | 'aborted';

/** BSD TCPS_HAVERCVDSYN: the peer's ISN is known. */
export function haveRcvdSyn(s: TcpState): boolean {
  return s !== 'CLOSED' && s !== 'LISTEN' && s !== 'SYN_SENT';
}

/** BSD TCPS_HAVERCVDFIN: the peer's FIN has been consumed. */
export function haveRcvdFin(s: TcpState): boolean {
  return s === 'CLOSE_WAIT' || s === 'CLOSING' || s === 'LAST_ACK' || s === 'TIME_WAIT';
}

// t_flags bits, FreeBSD's values.
export const TF_ACKNOW = 0x0001;
export const TF_DELACK = 0x0002;
export const TF_NODELAY = 0x0004;
export const TF_NOOPT = 0x0008;
export const TF_SENTFIN = 0x0010;
export const TF_REQ_SCALE = 0x0020;
export const TF_RCVD_SCALE = 0x0040;
export const TF_REQ_TSTMP = 0x0080;
export const TF_RCVD_TSTMP = 0x0100;
/** Both SYNs carried SACK-permitted (RFC 2018 §2). */
export const TF_SACK_PERMIT = 0x0200;
export const TF_NEEDFIN = 0x0800;

export const TCP_MAXWIN = 65535;
export const TCP_MAX_WINSHIFT = 14;
/** MSS assumed when the peer's SYN carries no MSS option (RFC 9293 §3.7.1). */
export const TCP_MSS_DEFAULT = 536;
/** Bytes of the timestamps option as BSD lays it out (NOP, NOP, kind 8, len 10). */
export const TCPOLEN_TSTAMP_APPA = 12;
/** RTO clock granularity G of RFC 6298 (the 1 ms timestamp tick). */
export const TCP_CLOCK_G_NS = 1_000_000;
/** Fast retransmit threshold (duplicate ACKs). */
export const TCP_REXMT_THRESH = 3;
/** Cap on the backoff shift the persist timer uses (BSD TCP_MAXRXTSHIFT). */
export const TCP_MAXRXTSHIFT = 12;
export const TCP_TTL = 64;

const MS = 1_000_000;
const S = 1_000_000_000;

export interface TcpKeepaliveConfig {
  /** Idle time before the first probe. */
  idleNs: number;
  /** Time between unanswered probes. */
  intervalNs: number;
  /** Unanswered probes before the connection is dropped with reason 'timeout'. */
  count: number;
}

/** Per-stack (and optionally per-connection) TCP options. Every field is optional. */
export interface TcpOptionsConfig {
  /** MSS we offer in our SYN (t_mssoffer). Default 1460. */
  mss?: number;
  /**
   * Window scale shift we request (0..14). Default 7. An explicit `undefined` or `null`
   * means: do not offer the option (and so never scale).
   */
  wscale?: number | null;
  /** Offer RFC 7323 timestamps. Default false. */
  timestamps?: boolean;
  /** Added to floor(now / 1 ms) to form TSval, mod 2^32. Default 0. */
  tsOffset?: number;
  /** so_rcv high-water mark, bytes. Default 65536. */
  rcvBuf?: number;
  /** so_snd high-water mark, bytes. Default 65536. */
  sndBuf?: number;
  /** Delayed-ACK timeout. Default 100 ms (BSD); values above 200 ms are capped to 200 ms. */
  delackNs?: number;
  /** Lower bound on the RTO. Default 200 ms (Linux; RFC 6298 says 1 s). */
  rtoMinNs?: number;
  /** RTO before any RTT sample. Default 1 s. */
  rtoInitNs?: number;
  /** Upper bound on the RTO. Default 60 s. */
  rtoMaxNs?: number;
  /** Retransmission timeouts in a row tolerated; one more drops with 'timeout'. Default 12. */
  maxRetries?: number;
  /** Maximum segment lifetime; TIME_WAIT lasts 2*MSL. Default 30 s. */
  mslNs?: number;
  /** Persist timer bounds (BSD tcp_persmin / tcp_persmax). Defaults 5 s / 60 s. */
  persistMinNs?: number;
  persistMaxNs?: number;
  /** Keepalive; off (undefined/null) by default. */
  keepalive?: TcpKeepaliveConfig | null;
  /** Disable Nagle (TF_NODELAY). Default false (Nagle on, as BSD). */
  nodelay?: boolean;
  /**
   * SACK (RFC 2018 option and receiver blocks, RFC 6675 loss recovery on the sender),
   * used when both SYNs carry SACK-permitted (SPEC T-2). Default false.
   */
  sack?: boolean;
  /** With sack: report duplicates in a first D-SACK block (RFC 2883). Default false. */
  dsack?: boolean;
  /** Wire order of the options we send (net/segment.ts): 'linux' (default) or 'bsd'. */
  optionLayout?: 'linux' | 'bsd';
  /**
   * TCP-MD5 key (RFC 2385, SPEC T-3): when set, every segment sent carries the
   * signature and every segment received must carry a valid one. Default none.
   */
  md5Key?: string | null;
  /**
   * RFC 7323 §3.2: once timestamps are negotiated, a non-RST segment without TSopt is
   * 'drop'ped (default, as the RFC says) or 'accept'ed (FreeBSD tolerate_missing_ts=1).
   */
  tsMissing?: 'drop' | 'accept';
  /** Added to every RTO after backoff (FreeBSD net.inet.tcp.rexmit_slop). Default 0. */
  rtoSlopNs?: number;
  /**
   * RTO back-off: 'double' (default: the current RTO doubled per timeout) or 'bsd'
   * (FreeBSD tcp_timer_rexmt: the base RTO times tcp_backoff[shift], plus the slop).
   */
  rtoBackoff?: 'double' | 'bsd';
  /** Connection-establishment timeout (FreeBSD keepinit). Default none. */
  keepInitNs?: number | null;
  /** FIN_WAIT_2 timeout once the application closed (FreeBSD finwait2_timeout). Default none. */
  finWait2TimeoutNs?: number | null;
  /** Accept an RST anywhere in the window (FreeBSD insecure_rst=1), not RFC 5961 §3. */
  insecureRst?: boolean;
  /** An in-window SYN resets the connection (FreeBSD insecure_syn=1), not RFC 5961 §4. */
  insecureSyn?: boolean;
  /** Drop SYN|FIN segments (FreeBSD drop_synfin=1). Default false. */
  dropSynFin?: boolean;
  /** Round the socket buffers up to a multiple of the MSS once it is known (FreeBSD tcp_mss). */
  bufRoundToMss?: boolean;
  /** Send no options at all in our SYN / SYN|ACK (BSD TCP_NOOPT). Default false. */
  noOptions?: boolean;
  /** A SYN|ACK reaching a listener: 'rst' (RFC 9293, default) or 'drop' (FreeBSD syncache). */
  synAckToListener?: 'rst' | 'drop';
  /**
   * Challenge ACKs (RFC 5961 §3.2, §4) as a bare <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>
   * segment (FreeBSD tcp_respond) instead of a tcp_output pass (default false).
   */
  bareChallengeAck?: boolean;
}

/** TcpOptionsConfig with the defaults filled in. */
export interface TcpConfig {
  mss: number;
  wscale: number | undefined;
  timestamps: boolean;
  tsOffset: number;
  rcvBuf: number;
  sndBuf: number;
  delackNs: number;
  rtoMinNs: number;
  rtoInitNs: number;
  rtoMaxNs: number;
  maxRetries: number;
  mslNs: number;
  persistMinNs: number;
  persistMaxNs: number;
  keepalive: TcpKeepaliveConfig | undefined;
  nodelay: boolean;
  sack: boolean;
  dsack: boolean;
  optionLayout: 'linux' | 'bsd';
  md5Key: string | undefined;
  tsMissing: 'drop' | 'accept';
  rtoSlopNs: number;
  rtoBackoff: 'double' | 'bsd';
  keepInitNs: number | undefined;
  finWait2TimeoutNs: number | undefined;
  insecureRst: boolean;
  insecureSyn: boolean;
  dropSynFin: boolean;
  bufRoundToMss: boolean;
  noOptions: boolean;
  synAckToListener: 'rst' | 'drop';
  bareChallengeAck: boolean;
}

export const TCP_DEFAULTS: Readonly<TcpConfig> = Object.freeze({
  mss: 1460,
  wscale: 7,
  timestamps: false,
  tsOffset: 0,
  rcvBuf: 65536,
  sndBuf: 65536,
  delackNs: 100 * MS,
  rtoMinNs: 200 * MS,
  rtoInitNs: 1 * S,
  rtoMaxNs: 60 * S,
  maxRetries: 12,
  mslNs: 30 * S,
  persistMinNs: 5 * S,
  persistMaxNs: 60 * S,
  keepalive: undefined,
  nodelay: false,
  sack: false,
  dsack: false,
  optionLayout: 'linux',
  md5Key: undefined,
  tsMissing: 'drop',
  rtoSlopNs: 0,
  rtoBackoff: 'double',
  keepInitNs: undefined,
  finWait2TimeoutNs: undefined,
  insecureRst: false,
  insecureSyn: false,
  dropSynFin: false,
  bufRoundToMss: false,
  noOptions: false,
  synAckToListener: 'rst',
  bareChallengeAck: false,
});

const DELACK_CAP_NS = 200 * MS;

function checkInt(name: string, v: number, lo: number, hi: number): number {
  if (!Number.isSafeInteger(v) || v < lo || v > hi) {
    throw new RangeError(`tcp option ${name}: need an integer in [${lo}, ${hi}], got ${v}`);
  }
  return v;
}

/** Layers `over` on `base`, validating every value (RangeError on nonsense). */
export function resolveTcpConfig(
  base: Readonly<TcpConfig>,
  over: TcpOptionsConfig = {},
): TcpConfig {
  const has = (k: keyof TcpOptionsConfig): boolean => Object.prototype.hasOwnProperty.call(over, k);
  const c: TcpConfig = { ...base };
  if (over.mss !== undefined) c.mss = over.mss;
  if (has('wscale')) c.wscale = over.wscale ?? undefined;
  if (over.timestamps !== undefined) c.timestamps = over.timestamps;
  if (over.tsOffset !== undefined) c.tsOffset = over.tsOffset;
  if (over.rcvBuf !== undefined) c.rcvBuf = over.rcvBuf;
  if (over.sndBuf !== undefined) c.sndBuf = over.sndBuf;
  if (over.delackNs !== undefined) c.delackNs = Math.min(over.delackNs, DELACK_CAP_NS);
  if (over.rtoMinNs !== undefined) c.rtoMinNs = over.rtoMinNs;
  if (over.rtoInitNs !== undefined) c.rtoInitNs = over.rtoInitNs;
  if (over.rtoMaxNs !== undefined) c.rtoMaxNs = over.rtoMaxNs;
  if (over.maxRetries !== undefined) c.maxRetries = over.maxRetries;
  if (over.mslNs !== undefined) c.mslNs = over.mslNs;
  if (over.persistMinNs !== undefined) c.persistMinNs = over.persistMinNs;
  if (over.persistMaxNs !== undefined) c.persistMaxNs = over.persistMaxNs;
  if (has('keepalive')) c.keepalive = over.keepalive ?? undefined;
  if (over.nodelay !== undefined) c.nodelay = over.nodelay;
  layerExtensions(c, over, has);

  const big = Number.MAX_SAFE_INTEGER;
  checkInt('mss', c.mss, 64, 65495);
  if (c.wscale !== undefined) checkInt('wscale', c.wscale, 0, TCP_MAX_WINSHIFT);
  checkInt('tsOffset', c.tsOffset, -(2 ** 32), 2 ** 32);
  checkInt('rcvBuf', c.rcvBuf, 1, 2 ** 30);
  checkInt('sndBuf', c.sndBuf, 1, 2 ** 30);
  checkInt('delackNs', c.delackNs, 1, DELACK_CAP_NS);
  checkInt('rtoMinNs', c.rtoMinNs, 1, big);
  checkInt('rtoMaxNs', c.rtoMaxNs, c.rtoMinNs, big);
  checkInt('rtoInitNs', c.rtoInitNs, 1, big);
  checkInt('maxRetries', c.maxRetries, 0, 64);
  checkInt('mslNs', c.mslNs, 1, big);
  checkInt('persistMinNs', c.persistMinNs, 1, big);
  checkInt('persistMaxNs', c.persistMaxNs, c.persistMinNs, big);
  checkInt('rtoSlopNs', c.rtoSlopNs, 0, big);
  if (c.keepInitNs !== undefined) checkInt('keepInitNs', c.keepInitNs, 1, big);
  if (c.finWait2TimeoutNs !== undefined) checkInt('finWait2TimeoutNs', c.finWait2TimeoutNs, 1, big);
  if (c.md5Key !== undefined && (c.md5Key.length === 0 || c.md5Key.length > 80))
    throw new RangeError(`tcp option md5Key: need 1..80 characters (RFC 2385 §4)`);
  if (c.dsack && !c.sack) throw new RangeError('tcp option dsack needs sack');
  if (c.keepalive !== undefined) {
    checkInt('keepalive.idleNs', c.keepalive.idleNs, 1, big);
    checkInt('keepalive.intervalNs', c.keepalive.intervalNs, 1, big);
    checkInt('keepalive.count', c.keepalive.count, 1, 1000);
    c.keepalive = { ...c.keepalive };
  }
  return c;
}

/** The options added for issue 17 (SACK, MD5, timestamps, the FreeBSD profile). */
function layerExtensions(
  c: TcpConfig,
  over: TcpOptionsConfig,
  has: (k: keyof TcpOptionsConfig) => boolean,
): void {
  if (over.sack !== undefined) c.sack = over.sack;
  if (over.dsack !== undefined) c.dsack = over.dsack;
  if (over.optionLayout !== undefined) c.optionLayout = over.optionLayout;
  if (has('md5Key')) c.md5Key = over.md5Key ?? undefined;
  if (over.tsMissing !== undefined) c.tsMissing = over.tsMissing;
  if (over.rtoSlopNs !== undefined) c.rtoSlopNs = over.rtoSlopNs;
  if (over.rtoBackoff !== undefined) c.rtoBackoff = over.rtoBackoff;
  if (has('keepInitNs')) c.keepInitNs = over.keepInitNs ?? undefined;
  if (has('finWait2TimeoutNs')) c.finWait2TimeoutNs = over.finWait2TimeoutNs ?? undefined;
  if (over.insecureRst !== undefined) c.insecureRst = over.insecureRst;
  if (over.insecureSyn !== undefined) c.insecureSyn = over.insecureSyn;
  if (over.dropSynFin !== undefined) c.dropSynFin = over.dropSynFin;
  if (over.bufRoundToMss !== undefined) c.bufRoundToMss = over.bufRoundToMss;
  if (over.noOptions !== undefined) c.noOptions = over.noOptions;
  if (over.synAckToListener !== undefined) c.synAckToListener = over.synAckToListener;
  if (over.bareChallengeAck !== undefined) c.bareChallengeAck = over.bareChallengeAck;
}
