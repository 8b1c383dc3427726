// The tcpcb side of PSRM (SPEC M-1, M-4, P-13): what the replicate message carries of a
// primary socket, how the secondary checks and applies it, and what the failover handler
// resets. Pure functions over a TcpConnection; psrm.ts sends, receives and traces.
import { assert } from '../../sim/index.ts';
import { seqAdd, seqDiff, seqGt } from '../net/segment.ts';
import { haveRcvdFin, TCP_MSS_DEFAULT } from '../tcp/defs.ts';
import {
  TF_NODELAY,
  TF_RCVD_SCALE,
  TF_RCVD_TSTMP,
  TF_REQ_SCALE,
  TF_REQ_TSTMP,
  TF_SACK_PERMIT,
  type TcpConnection,
} from '../tcp/tcp.ts';

const MS = 1_000_000;
/** The t_flags bits of what the connection negotiated (RFC 7323 scale and timestamps, RFC 2018 SACK). */
const NEGOTIATED = TF_REQ_SCALE | TF_RCVD_SCALE | TF_REQ_TSTMP | TF_RCVD_TSTMP | TF_SACK_PERMIT;
import {
  decodeOoo,
  encodeOoo,
  type NsrMessage,
  type OooSegment,
  type PsrmInitFields,
  type PsrmStateFields,
} from './wire.ts';

/**
 * Our extension of opt_flags (a bit the model's t_flags never uses): the primary has consumed
 * the peer's FIN (BSD TCPS_HAVERCVDFIN), so a socket set up again after it (F-4, I-6) is in
 * CLOSE_WAIT and its rcv_nxt counts the FIN. Without it every secondary came out ESTABLISHED
 * and tcp-follower (P-13) reported the half-closed socket's pair.
 */
export const SNAP_RCVD_FIN = 0x0001_0000;
// A FIN of our own is not carried: IHA sets up only ESTABLISHED and CLOSE_WAIT sockets
// (iha.ts begin) and PRL holds the peer's packets until the snapshot (P-1), so only an
// application closing during the set-up round trip could make one (model limitation).

export type PsrmReplicate = Omit<NsrMessage & { t: 'psrm.replicate' }, 't' | 'handle'>;

/** M-1: the initialization fields of seed 000 §6.2f, from the primary's tcpcb. */
export function initFields(c: TcpConnection): PsrmInitFields {
  // Paired with validSnapshot's field checks on the secondary: our TCP's values pass them.
  assert(
    c.t_maxseg >= 1 && c.snd_scale <= 14 && c.rcv_scale <= 14,
    () => `initFields: t_maxseg ${c.t_maxseg}, scales ${c.snd_scale}/${c.rcv_scale}`,
  );
  return {
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
}

/**
 * The snapshot of a primary socket (our extension for late joins, F-4): sequence state,
 * both socket buffers, the reassembly queue (P-13) and the application's stream offsets,
 * all taken at one instant. Invariant: appIn + rcvData.length is the offset of rcv_nxt.
 */
export function snapshotOf(
  c: TcpConnection,
  appIn: number,
  appOut: number,
  nowNs: number,
): PsrmReplicate {
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
    app_in: appIn,
    app_out: appOut,
    opt_flags: (c.t_flags & NEGOTIATED) | (haveRcvdFin(c.t_state) ? SNAP_RCVD_FIN : 0),
    ts_recent: c.ts_recent,
    ts_recent_age_ms: Math.min(
      0xffff_ffff,
      Math.max(0, Math.floor((nowNs - c.ts_recent_age) / MS)),
    ),
    ts_offset: ((c.ts_offset % 2 ** 32) + 2 ** 32) % 2 ** 32,
  };
  const rcvData = c.so_rcv.peek(0, c.so_rcv.cc);
  const sndData = c.so_snd.peek(0, c.so_snd.cc);
  // Both buffers whole, and only a primary (never a replica) is snapshotted.
  assert(
    rcvData.length === c.so_rcv.cc && sndData.length === c.so_snd.cc && !c.replica,
    () => `snapshotOf: ${rcvData.length}/${c.so_rcv.cc} and ${sndData.length}/${c.so_snd.cc} bytes`,
  );
  assert(
    Number.isSafeInteger(appIn) && appIn >= 0 && Number.isSafeInteger(appOut) && appOut >= 0,
    () => `snapshotOf: application offsets ${appIn}, ${appOut}`,
  );
  const md5Key = c.md5_key ?? new Uint8Array(0);
  const rcvOoo = encodeOoo(c.t_segq.entries);
  return {
    fields: { ...initFields(c), md5_key: md5Key.length },
    state,
    rcvData,
    sndData,
    rcvOoo,
    md5Key,
  };
}

/**
 * The secondary's check of a snapshot before applying it: fields in range, so_rcv within
 * its buffer, and every out-of-order segment above rcv_nxt and inside the buffer. Returns
 * the decoded reassembly queue, or undefined when the snapshot is refused.
 */
export function validSnapshot(c: TcpConnection, s: PsrmReplicate): OooSegment[] | undefined {
  const { fields: f, state: st } = s;
  const ooo = decodeOoo(s.rcvOoo);
  if (typeof ooo === 'string') return undefined;
  const inBuffer = (g: OooSegment): boolean =>
    seqGt(g.seq, st.rcv_nxt) && seqDiff(seqAdd(g.seq, g.data.length), st.rcv_nxt) <= c.so_rcv.hiwat;
  if (!ooo.every(inBuffer)) return undefined;
  if (f.t_maxseg < 1 || f.snd_scale > 14 || f.rcv_scale > 14) return undefined;
  if (s.rcvData.length > c.so_rcv.hiwat || ((st.snd_max - st.snd_una) | 0) < 0) return undefined;
  // Checked only on a replica that has not been filled yet (PSRM's onReplicate).
  assert(c.replica, 'validSnapshot: the socket is not a replica');
  return ooo;
}

/**
 * M-6: the negotiated options, the timestamp state and the MD5 key of the primary, so the
 * socket goes on signing and timestamping exactly as the primary did after a takeover. The
 * mutants psrm-forgets-timestamps and psrm-forgets-md5-key leave them out.
 */
export function applyOptionState(
  c: TcpConnection,
  s: PsrmReplicate,
  nowNs: number,
  keep: { timestamps: boolean; md5: boolean },
): void {
  const st = s.state;
  const ts = TF_REQ_TSTMP | TF_RCVD_TSTMP;
  c.t_flags |= st.opt_flags & NEGOTIATED & (keep.timestamps ? ~0 : ~ts);
  if (keep.timestamps) {
    c.ts_recent = st.ts_recent;
    c.ts_recent_age = nowNs - st.ts_recent_age_ms * MS;
    c.ts_offset = st.ts_offset;
  }
  if (keep.md5) c.md5_key = s.md5Key.length > 0 ? s.md5Key : undefined;
}

/** Mutants that slip into applySnapshot (each one a plausible one-line bug). */
export interface SnapshotSlips {
  /** psrm-snapshot-swaps-wl1-wl2: the two window-update fields swapped. */
  swapWl?: boolean;
  /** psrm-snapshot-drops-segq: the reassembly queue's segments are not installed. */
  dropSegq?: boolean;
}

/** M-1: writes a (valid) snapshot into the secondary tcpcb and socket buffers. */
export function applySnapshot(
  c: TcpConnection,
  s: PsrmReplicate,
  ooo: OooSegment[],
  slips: SnapshotSlips = {},
): void {
  const { fields: f, state: st } = s;
  assert(
    c.so_rcv.cc === 0 && c.so_snd.cc === 0,
    'applySnapshot: the secondary socket is not empty',
  );
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
  c.snd_wl1 = slips.swapWl === true ? st.snd_wl2 : st.snd_wl1;
  c.snd_wl2 = slips.swapWl === true ? st.snd_wl1 : st.snd_wl2;
  c.max_sndwnd = st.max_sndwnd;
  c.so_rcv.append(s.rcvData);
  c.t_segq.clear();
  const held = slips.dropSegq === true ? [] : ooo;
  for (const g of held) c.t_segq.insert(g.seq, g.data, g.fin);
  c.so_snd.append(s.sndData);
  c.snd_max = (c.snd_una + c.so_snd.cc) >>> 0;
  c.snd_nxt = c.snd_max;
  c.setState((st.opt_flags & SNAP_RCVD_FIN) !== 0 ? 'CLOSE_WAIT' : 'ESTABLISHED');
  assert(
    c.so_rcv.cc === s.rcvData.length && c.t_segq.length === held.length,
    'applySnapshot: buffers differ from the snapshot',
  );
  // The sequence state is the primary's; the send side covers exactly so_snd (M-2).
  assert(
    c.rcv_nxt === st.rcv_nxt && c.snd_una === st.snd_una && c.so_snd.cc === s.sndData.length,
    'applySnapshot: sequence state differs from the snapshot',
  );
}

/**
 * M-4: the failover handler's reset of the new primary: timers and congestion/RTT state
 * to defaults, ts_recent_age = now, t_flags to defaults, t_force and t_softerror zero, and
 * snd_nxt back to snd_una with the retransmission timer armed, so whatever the peer has not
 * acknowledged is sent again.
 */
export function resetForFailover(c: TcpConnection, nowNs: number): void {
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
  c.ts_recent_age = nowNs;
  c.t_flags &= NEGOTIATED | TF_NODELAY;
  c.t_force = 0;
  c.t_softerror = 0;
  // Go back to the first unacknowledged byte: the peer may not have it.
  c.snd_nxt = c.snd_una;
  if (c.snd_max !== c.snd_una) c.setTimer('rexmt', c.t_rxtcur);
  assert(!c.replica, 'resetForFailover: the socket is still a replica');
  assert(
    c.snd_nxt === c.snd_una && c.snd_cwnd > 0 && c.t_rxtcur > 0,
    () =>
      `resetForFailover: snd_nxt ${c.snd_nxt}, snd_una ${c.snd_una}, cwnd ${c.snd_cwnd}, rto ${c.t_rxtcur}`,
  );
}
