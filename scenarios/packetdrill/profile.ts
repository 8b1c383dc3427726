// The FreeBSD profile (SPEC T-1): the model TCP's options that make it behave as the
// FreeBSD stack the suite was written against, and the mapping of each `sysctl -w`
// a script runs onto those options. A sysctl the profile does not know, or a value it
// cannot honour, makes the script unsupported (never silently ignored). Times in the
// sysctls are milliseconds (FreeBSD's hz = 1000 ticks).
import type { TcpOptionsConfig } from '../../model/tcp/tcp.ts';

const MS = 1_000_000;
const S = 1000 * MS;

/** FreeBSD's TCP_MAXWIN and TCP_MAX_WINSHIFT (tcp.h). */
const TCP_MAXWIN = 65535;
const TCP_MAX_WINSHIFT = 14;

/** The sysctl state a script can change; the TCP options derive from it. */
export interface FreeBsdSysctls {
  rfc1323: number;
  sack: boolean;
  maxsockbuf: number;
  recvspace: number;
  sendspace: number;
  delacktimeMs: number;
  rexmitInitialMs: number;
  rexmitMinMs: number;
  rexmitSlopMs: number;
  keepinitMs: number;
  keepidleMs: number;
  keepintvlMs: number;
  insecureRst: boolean;
  insecureSyn: boolean;
  dropSynfin: boolean;
  tolerateMissingTs: boolean;
}

/** FreeBSD 14 defaults (sys/netinet/tcp_timer.h, tcp_subr.c, tcp_input.c). */
export function freeBsdDefaults(): FreeBsdSysctls {
  return {
    rfc1323: 1,
    sack: true,
    maxsockbuf: 2097152,
    recvspace: 65536,
    sendspace: 32768,
    delacktimeMs: 100,
    rexmitInitialMs: 1000,
    rexmitMinMs: 30,
    rexmitSlopMs: 200,
    keepinitMs: 75_000,
    keepidleMs: 7_200_000,
    keepintvlMs: 75_000,
    insecureRst: false,
    insecureSyn: false,
    dropSynfin: false,
    tolerateMissingTs: false,
  };
}

/** FreeBSD's request_r_scale: the smallest shift that lets the window reach sb_max. */
export function windowShiftFor(maxsockbuf: number): number {
  let s = 0;
  while (s < TCP_MAX_WINSHIFT && TCP_MAXWIN * 2 ** s < maxsockbuf) s++;
  return s;
}

/** The model TCP options for a sysctl state. */
export function tcpOptionsFor(s: FreeBsdSysctls): TcpOptionsConfig {
  const scaleAndTs = s.rfc1323 === 1 || s.rfc1323 === 3;
  return {
    mss: 1460,
    wscale: scaleAndTs || s.rfc1323 === 2 ? windowShiftFor(s.maxsockbuf) : null,
    timestamps: scaleAndTs,
    tsOffset: 0,
    rcvBuf: s.recvspace,
    sndBuf: s.sendspace,
    delackNs: s.delacktimeMs * MS,
    rtoMinNs: s.rexmitMinMs * MS,
    rtoInitNs: s.rexmitInitialMs * MS,
    rtoMaxNs: 64 * S, // TCPTV_REXMTMAX
    maxRetries: 12, // TCP_MAXRXTSHIFT
    mslNs: 30 * S,
    persistMinNs: 5 * S,
    persistMaxNs: 60 * S,
    keepalive: null,
    nodelay: false,
    sack: s.sack,
    dsack: s.sack,
    optionLayout: 'bsd',
    tsMissing: s.tolerateMissingTs ? 'accept' : 'drop',
    rtoSlopNs: s.rexmitSlopMs * MS,
    rtoBackoff: 'bsd',
    keepInitNs: s.keepinitMs * MS,
    finWait2TimeoutNs: 60 * S,
    insecureRst: s.insecureRst,
    insecureSyn: s.insecureSyn,
    dropSynFin: s.dropSynfin,
    bufRoundToMss: true,
    synAckToListener: 'drop',
    bareChallengeAck: true,
  };
}

type Setter = (s: FreeBsdSysctls, v: number) => string | undefined;

const bool =
  (k: 'sack' | 'insecureRst' | 'insecureSyn' | 'dropSynfin' | 'tolerateMissingTs'): Setter =>
  (s, v) => {
    if (v !== 0 && v !== 1) return `value ${v} (0 or 1)`;
    s[k] = v === 1;
    return undefined;
  };
const num =
  (
    k:
      | 'maxsockbuf'
      | 'recvspace'
      | 'sendspace'
      | 'delacktimeMs'
      | 'rexmitInitialMs'
      | 'rexmitMinMs'
      | 'rexmitSlopMs'
      | 'keepinitMs'
      | 'keepidleMs'
      | 'keepintvlMs',
    min: number,
  ): Setter =>
  (s, v) => {
    if (!Number.isSafeInteger(v) || v < min) return `value ${v} (need an integer >= ${min})`;
    s[k] = v;
    return undefined;
  };
/** Accepted only at the value whose behaviour the model has. */
const only =
  (ok: readonly number[], why: string): Setter =>
  (_s, v) =>
    ok.includes(v) ? undefined : `value ${v} (${why})`;
const noop: Setter = () => undefined;

const SYSCTLS: ReadonlyMap<string, Setter> = new Map<string, Setter>([
  [
    'net.inet.tcp.rfc1323',
    (s, v) => {
      if (![0, 1, 2, 3].includes(v)) return `value ${v} (0..3)`;
      s.rfc1323 = v;
      return v === 2 ? 'value 2 (window scaling without timestamps)' : undefined;
    },
  ],
  ['net.inet.tcp.sack.enable', bool('sack')],
  ['net.inet.tcp.insecure_rst', bool('insecureRst')],
  ['net.inet.tcp.insecure_syn', bool('insecureSyn')],
  ['net.inet.tcp.drop_synfin', bool('dropSynfin')],
  ['net.inet.tcp.tolerate_missing_ts', bool('tolerateMissingTs')],
  ['kern.ipc.maxsockbuf', num('maxsockbuf', 1)],
  ['net.inet.tcp.recvspace', num('recvspace', 1)],
  ['net.inet.tcp.sendspace', num('sendspace', 1)],
  ['net.inet.tcp.delacktime', num('delacktimeMs', 1)],
  ['net.inet.tcp.rexmit_initial', num('rexmitInitialMs', 1)],
  ['net.inet.tcp.rexmit_min', num('rexmitMinMs', 1)],
  ['net.inet.tcp.rexmit_slop', num('rexmitSlopMs', 0)],
  ['net.inet.tcp.keepinit', num('keepinitMs', 1)],
  ['net.inet.tcp.keepidle', num('keepidleMs', 1)],
  ['net.inet.tcp.keepintvl', num('keepintvlMs', 1)],
  // No blackholing in the model: RST and ICMP answers always go out.
  ['net.inet.tcp.blackhole', only([0], 'the model always answers closed ports')],
  // ECN: the model never negotiates it; 2 (answer only) is the same as off while no
  // script SYN asks for it, and one that does fails on the missing ECE (not hidden).
  ['net.inet.tcp.ecn.enable', only([0, 2], 'the model has no ECN')],
  ['net.inet.tcp.ecn.maxretries', noop],
  ['net.inet.tcp.rexmit_drop_options', only([0], 'SYN retransmissions keep their options')],
  ['net.inet.tcp.hostcache.purgenow', noop], // the model keeps no host cache
  ['net.inet.tcp.icmp_may_rst', noop], // the model has no ICMP
  ['net.inet.tcp.syncookies', noop], // no syncache overflow in the model: never used
  ['net.inet.tcp.syncookies_only', only([0], 'the model has no SYN cookies')],
]);

/** Why a sysctl cannot be honoured: a grouping reason and the detail. */
export interface SysctlRefusal {
  reason: string;
  detail: string;
}

/** Applies `sysctl -w name=value`; returns undefined, or why the script is unsupported. */
export function applySysctl(
  s: FreeBsdSysctls,
  name: string,
  value: string,
): SysctlRefusal | undefined {
  const set = SYSCTLS.get(name);
  if (set === undefined) return { reason: `sysctl ${name}`, detail: 'not in the FreeBSD profile' };
  const v = Number(value);
  if (!Number.isFinite(v)) return { reason: `sysctl ${name}=${value}`, detail: 'not a number' };
  const why = set(s, v);
  return why === undefined ? undefined : { reason: `sysctl ${name}=${value}`, detail: why };
}

/** The FreeBSD keepalive count (net.inet.tcp.keepcnt, TCPTV_KEEPCNT). */
export const FREEBSD_KEEPCNT = 8;
