// tcp-follower (SPEC P-13, S-2, M-2): the secondary socket runs the same L4 input on the
// replicated packets, so its receive-side tcpcb follows the primary's. After both have
// processed the same replicated packet (pair, PRL seq), these fields must be equal:
// rcv_nxt, rcv_wnd, rcv_up, snd_una, snd_wnd, snd_wl1, snd_wl2, max_sndwnd, the bytes held
// in the reassembly queue t_segq, and the connection state. (Compared packet by packet
// through NsrState's l4Done tap, so replication lag never makes two equal sockets look
// different, whatever the instant.)
//
// Fields that do NOT follow, by design, and why (test/model/checks/tcp-follower.test.ts
// checks each documented relation at random instants):
// - t_dupacks, snd_recover, snd_cwnd, snd_ssthresh, RTT state (t_srtt, t_rttvar,
//   t_rtttime), t_rxtshift, the timers: the secondary transmits nothing and arms no timer
//   (M-4: a replica), and duplicate-ACK counting needs a retransmission timer; PSRM's
//   failover handler resets all of them to defaults (M-4), so nothing of them survives a
//   takeover either way. The secondary's t_dupacks stays 0.
// - snd_nxt, snd_max: the secondary's follow the replicated data (M-2: snd_max = snd_una
//   + so_snd.cc), not the primary's transmissions; the primary may transmit only what the
//   secondary holds (S-1), so secondary snd_max >= primary snd_max, and the failover
//   handler sets snd_nxt = snd_una. The snd_nxt carried by sdrl.data (S-2) is therefore not
//   applied.
// - rcv_adv, last_ack_sent: they move with the output only the primary performs.
// - ts_recent (RFC 7323 §4.3 updates it only for a segment at or below last_ack_sent), and
//   with it the PAWS verdict: the secondary's goes stale, so a reordered old segment the
//   primary drops under PAWS is processed by the secondary. Such a segment carries no new
//   data, but it can move rcv_up trailing rcv_nxt (compared as urgent state, so that is no
//   violation: finding follower-paws-stale-ts-recent) and, a window-only ACK with the same
//   seq and ack, snd_wnd (a violation: the design's, finding follower-paws-stale-window).
import type { Simulation } from '../../sim/index.ts';
import type { L4Result } from '../nsr/prl-queue.ts';
import { seqGt } from '../net/segment.ts';
import { PairedL4Check, type L4Side, type PairVerdict } from './pairs.ts';

export const TCP_FOLLOWER = 'tcp-follower';

/** The receive-side fields both sockets must agree on after each replicated packet. */
export const FOLLOWER_FIELDS = [
  'rcv_nxt',
  'rcv_wnd',
  'rcv_up',
  'snd_una',
  'snd_wnd',
  'snd_wl1',
  'snd_wl2',
  'max_sndwnd',
  'segqBytes',
  'state',
] as const satisfies ReadonlyArray<keyof L4Result>;

/**
 * rcv_up compared as the urgent state the application can observe (P-13): when neither
 * socket has urgent data pending (rcv_up not beyond rcv_nxt) they agree whatever their
 * rcv_up, which merely trails rcv_nxt (BSD pulls it up on the next segment that reaches
 * step 6); otherwise the marks must be equal. A segment the primary drops under PAWS but
 * its secondary, whose ts_recent lags, processes moves only the latter's trailing rcv_up
 * (finding follower-paws-stale-ts-recent).
 */
function urgentDiffers(p: L4Result, s: L4Result): boolean {
  const pending = seqGt(p.rcv_up, p.rcv_nxt) || seqGt(s.rcv_up, s.rcv_nxt);
  return pending && p.rcv_up !== s.rcv_up;
}

export class TcpFollowerCheck extends PairedL4Check {
  constructor(sim: Simulation) {
    super(sim, TCP_FOLLOWER);
  }

  protected judge(p: L4Side, s: L4Side): PairVerdict | undefined {
    const differ = FOLLOWER_FIELDS.filter((f) =>
      f === 'rcv_up' ? urgentDiffers(p.result, s.result) : p.result[f] !== s.result[f],
    );
    if (differ.length === 0) return undefined;
    const show = (f: (typeof FOLLOWER_FIELDS)[number]) => `${f} ${p.result[f]} / ${s.result[f]}`;
    return {
      message: `${p.session} packet ${p.input.seq}: the secondary's tcpcb does not follow the primary's (primary / secondary): ${differ.map(show).join(', ')}`,
      evidence: {
        session: p.session,
        direction: 'in',
        seq: p.input.seq,
        fields: differ,
        primary: Object.fromEntries(differ.map((f) => [f, p.result[f]])),
        secondary: Object.fromEntries(differ.map((f) => [f, s.result[f]])),
      },
    };
  }
}
