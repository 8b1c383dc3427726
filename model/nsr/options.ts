// NSR design options (where the seed documents disagree, SPEC lists both sides: the
// simulator implements each and defaults to the one SPEC marks default), processing
// costs, timers, bounds, and the named mutants (deliberately broken designs that the
// checkers must catch).
import { assert, assertInt } from '../../sim/index.ts';
import { NSR_VERSION_MAX } from './wire.ts';

export interface NsrOptions {
  /** K-1: two channels by static type mapping (default), one channel, or per-handle balancing. */
  kkcmChannels: 'two' | 'one' | 'balanced';
  /** K-10: KKCM work in its kernel thread (default; a context switch per wake-up) or in the interrupt/upcall path. */
  kkcmContext: 'thread' | 'interrupt';
  /** K-11: fixed IPC structs with a version (default) or TLV converted at the KKCM boundary. */
  encoding: 'ipc' | 'tlv';
  /** K-11, G-5: protocol version each RE speaks (version skew is expressible). */
  versions: [number, number];
  /** P-4: on NACK buffer-full, drop the queued packet (§6.2c, default) or requeue it to retry (§7.3c). */
  nackBufferFull: 'drop' | 'requeue';
  /** P-4: on NACK invalid-handle / not-replicating, drop (§6.2c, default) or push every queued packet to L4 (§7.3c). */
  nackError: 'drop' | 'push';
  /** P-6: one ACK per packet in order (§12.1, default) or ACKs coalesced by sequence number (§7.1). */
  prlAck: 'per-packet' | 'coalesce';
  /** P-9: per-inpcb queues (default) or one global queue. */
  prlQueue: 'per-inpcb' | 'global';
  /**
   * P-11: how the secondary's buffer check treats out-of-order data. 'doc' (default, the
   * PRL document's proposal): the arriving packet does not count against the space, the
   * out-of-order queue does. 'count-incoming': both count, which can deadlock when the
   * packet that fills a hole does not fit. 'ignore-ooo': only the arriving packet counts.
   */
  oooAccounting: 'doc' | 'count-incoming' | 'ignore-ooo';
  /** P-12: the replicated packet includes the L3 header (default) or starts at TCP. */
  prlL3Header: boolean;
  /** M-3: when the secondary sends window updates: immediately (default), delayed-ACK style, per-socket timer, one global timer. */
  windowUpdate: 'immediate' | 'delack' | 'socket-timer' | 'global-timer';
  /**
   * P-14: which side runs the PRL replication timeout (seed 001 §6.2e, §6.3, §7.3e).
   * 'primary' (default): per socket on the primary (P-7). 'both': per socket on the
   * secondary too. What the secondary watches (§6.2e: the handlers on both sides start
   * only while replication requests are outstanding, and look for PRL messages from the
   * other side): a secondary has no replicate of its own awaiting an answer, but it holds
   * send data SDRL replicated (S-1) that the peer has not acknowledged, and the peer's
   * acknowledgement can only reach it as a replicate from the primary's PRL. So while its
   * so_snd is not empty and the peer's window is open, nothing from the primary's PRL for
   * the timeout means the primary (or the way to it) went silent: the secondary posts a
   * replication error and IHA deletes the secondary socket and tells the primary, which
   * stops replicating it and sets it up again (I-6, F-4). It cannot tell a silent primary
   * from a silent peer: a peer that stops acknowledging for longer than the timeout times
   * the secondary out too, and the socket is set up again. 'whole-re': the §7.3e
   * pseudocode, one timeout for the RE: when replicates are outstanding on any socket and
   * no PRL message of any socket came from the other RE within the timeout, every
   * replicated primary socket has its queue pushed to L4, replication disabled and an
   * error posted, idle ones included; and a socket whose secondary stopped answering is
   * never timed out while other sockets' messages keep the RE's clock fresh.
   */
  prlTimeoutSide: 'primary' | 'both' | 'whole-re';
  /**
   * K-12: the sending context (seed 002 §8.2). 'queue' (default): every message is
   * queued and written by the KKCM thread after its wake-up. 'client-context': a message
   * whose sender may block (wait_ok) is written by the client itself at once, with no
   * thread wake-up, when nothing is queued ahead of it on its channel and the channel's
   * so_snd takes it whole; otherwise it falls back to the queue (the model's sosend never
   * blocks: the queue stands in for the wait, and order on the channel is kept, G-8).
   * wait_ok is set for the messages the seeds send from process context: SDRL data (the
   * application's sosend, S-1), PSRM window updates sent at once (the backup
   * application's soreceive, S-4, M-3 'immediate') and socket-option changes (the
   * application's setsockopt, M-7). PRL runs in interrupt context (seed 001 §7.3a, c, f)
   * and answers are sent from KKCM's own handlers or timers: those never block, so they
   * are queued; IHA's set-up runs from the KKCM thread's init and periodic routines as
   * well as from the application, so it keeps the queue too.
   */
  kkcmSend: 'queue' | 'client-context';
  /**
   * K-13: cleanup timing (seed 002 §7.2b(6)). 'immediate' (default): a trigger from
   * outside the thread (NSR deconfigured, the other RE offline, a switchover) cleans up
   * at once. 'deferred': the trigger only marks KKCM for cleanup and wakes the thread,
   * which runs the cleanup at its next wake-up; until then the channels stay up and the
   * clients keep sending. An error the thread finds itself (I/O, framing, a closed
   * channel) is cleaned up at once either way: the thread is awake. In both, clients
   * unregister in their cleanup handler and register again at the next init (§7.1).
   */
  kkcmCleanup: 'immediate' | 'deferred';
  /**
   * M-7: socket-option changes (SO_RCVBUF, SO_SNDBUF) the application makes after
   * replication became active. 'not-replicated' (default, G-7, seed 000 §4.1g): only the
   * primary socket changes; the secondary keeps the old size (so common_rcvbufspc, P-10,
   * keeps the old limit when the primary grew), and after a failover the new primary has
   * the old size. 'replicated' (seed 000 §6.3): the primary's PSRM sends psrm.sockopt and
   * the secondary's PSRM applies it (and, for SO_RCVBUF, tells the primary its new space).
   */
  socketOptionsDuringBulk: 'not-replicated' | 'replicated';
}

export const DEFAULT_NSR_OPTIONS: Readonly<NsrOptions> = {
  kkcmChannels: 'two',
  kkcmContext: 'thread',
  encoding: 'ipc',
  versions: [1, 1],
  nackBufferFull: 'drop',
  nackError: 'drop',
  prlAck: 'per-packet',
  prlQueue: 'per-inpcb',
  oooAccounting: 'doc',
  prlL3Header: true,
  windowUpdate: 'immediate',
  prlTimeoutSide: 'primary',
  kkcmSend: 'queue',
  kkcmCleanup: 'immediate',
  socketOptionsDuringBulk: 'not-replicated',
};

/** Each option with its SPEC ID and allowed values (for `nsrsim list` and validation). */
export const NSR_OPTION_INFO: ReadonlyArray<{
  name: keyof NsrOptions;
  spec: string;
  values: readonly string[];
}> = [
  { name: 'kkcmChannels', spec: 'K-1', values: ['two', 'one', 'balanced'] },
  { name: 'kkcmContext', spec: 'K-10', values: ['thread', 'interrupt'] },
  { name: 'encoding', spec: 'K-11', values: ['ipc', 'tlv'] },
  { name: 'versions', spec: 'K-11/G-5', values: ['[v0, v1] with 1 <= v <= 2'] },
  { name: 'nackBufferFull', spec: 'P-4', values: ['drop', 'requeue'] },
  { name: 'nackError', spec: 'P-4', values: ['drop', 'push'] },
  { name: 'prlAck', spec: 'P-6', values: ['per-packet', 'coalesce'] },
  { name: 'prlQueue', spec: 'P-9', values: ['per-inpcb', 'global'] },
  { name: 'oooAccounting', spec: 'P-11', values: ['doc', 'count-incoming', 'ignore-ooo'] },
  { name: 'prlL3Header', spec: 'P-12', values: ['true', 'false'] },
  {
    name: 'windowUpdate',
    spec: 'M-3',
    values: ['immediate', 'delack', 'socket-timer', 'global-timer'],
  },
  { name: 'prlTimeoutSide', spec: 'P-14', values: ['primary', 'both', 'whole-re'] },
  { name: 'kkcmSend', spec: 'K-12', values: ['queue', 'client-context'] },
  { name: 'kkcmCleanup', spec: 'K-13', values: ['immediate', 'deferred'] },
  {
    name: 'socketOptionsDuringBulk',
    spec: 'M-7',
    values: ['not-replicated', 'replicated'],
  },
];

/**
 * Per-message processing costs (ns), so that the latency replication adds is visible.
 * Defaults are order-of-magnitude figures for a 2000s-era RE CPU, documented here
 * rather than measured: a kernel-thread wake-up ~20 us, a short interrupt-path
 * function a few us.
 */
export interface NsrCosts {
  /** PRL on the primary: lookup, copy, header, enqueue (interrupt context). */
  prlPrimaryNs: number;
  /** PRL on the secondary: lookup, buffer check, ACK, L4 input. */
  prlSecondaryNs: number;
  /** PRL ACK handling on the primary before L4 input. */
  prlAckNs: number;
  /** KKCM thread wake-up (context switch), K-10 'thread'. */
  kkcmSwitchNs: number;
  /** Extra interrupt-path time per message, K-10 'interrupt'. */
  kkcmInterruptNs: number;
  /** KKCM output per message (sosend). */
  kkcmPerMessageNs: number;
  sdrlNs: number;
  psrmNs: number;
  ihaNs: number;
}

export const DEFAULT_NSR_COSTS: Readonly<NsrCosts> = {
  prlPrimaryNs: 5_000,
  prlSecondaryNs: 5_000,
  prlAckNs: 3_000,
  kkcmSwitchNs: 20_000,
  kkcmInterruptNs: 8_000,
  kkcmPerMessageNs: 2_000,
  sdrlNs: 5_000,
  psrmNs: 10_000,
  ihaNs: 20_000,
};

export interface NsrTimers {
  /** K-6: KKCM periodic timer interval (the seed leaves it open). */
  kkcmPeriodNs: number;
  /** P-7: PRL timeout: nothing heard from the other PRL while replicates are outstanding. */
  prlTimeoutNs: number;
  /** M-1: PSRM replicate timeout. */
  psrmTimeoutNs: number;
  /** M-3 'delack': delay before a window update. */
  windowDelayNs: number;
  /** M-3 'socket-timer' / 'global-timer': timer interval. */
  windowTimerNs: number;
}

export const DEFAULT_NSR_TIMERS: Readonly<NsrTimers> = {
  kkcmPeriodNs: 100_000_000,
  prlTimeoutNs: 1_000_000_000,
  psrmTimeoutNs: 2_000_000_000,
  windowDelayNs: 100_000_000,
  windowTimerNs: 50_000_000,
};

export interface NsrBounds {
  /** P-8: PRL buffer for unACKed packets, bytes per RE. */
  prlBufferBytes: number;
  /** Pending queue while setup is in progress, packets per socket. */
  prlPendingMax: number;
  /** KKCM output queue, messages per channel. */
  kkcmQueueMax: number;
  /** SDRL bytes replicated but not yet ACKed by the secondary, per socket. */
  sdrlInflightBytes: number;
}

export const DEFAULT_NSR_BOUNDS: Readonly<NsrBounds> = {
  prlBufferBytes: 1 << 20,
  prlPendingMax: 4096,
  kkcmQueueMax: 65536,
  sdrlInflightBytes: 1 << 20,
};

/** Named design bugs a scenario can select; each is caught by a checker (issue: failovers). */
export const MUTANTS = {
  'prl-l4-after-nack':
    'PRL §7.3f pseudocode: the secondary calls L4 input even after NACKing buffer-full (breaks G-2)',
  'prl-pass-up-before-ack':
    'the primary passes a packet to L4 when it replicates it, not when the ACK arrives (breaks G-2 on a master crash)',
  'sdrl-transmit-before-replicate':
    'the primary transmits send data before the secondary holds it (breaks S-1: the peer ACKs bytes the survivor never had)',
  'psrm-skip-failover-timers':
    'the failover handler leaves the timers unset and snd_nxt where it was (M-4): nothing retransmits or probes until the peer speaks',
  'psrm-failover-flushes-rcvbuf':
    'the failover handler reinitializes the socket, discarding received data the backup application had not read yet (G-3)',
  'prl-coalesce-without-rcvbufspc':
    'coalesced ACKs carry one space for several packets and the primary uses it for each (breaks P-10)',
  'prl-no-pending-flush':
    'packets held while set-up was in progress go straight up L4 on the primary when it becomes active, never replicated (I-4)',
  'iha-active-before-psrm-ack':
    'the primary marks replication active before the PSRM ACK (I-4 order)',
  'prl-timeout-drops-queue':
    'the PRL timeout drops the queued packets instead of pushing them to L4 (P-7)',
  'kkcm-partial-message-dispatch':
    'KKCM hands a client whatever bytes have arrived instead of whole messages (K-5, G-8)',
  'flow-control-never-sent':
    'the secondary never sends window updates when its application reads (P-10, S-4): the window stays shut',
  'prl-ignores-buffer-limit':
    'PRL keeps queueing when its buffer for unACKed packets is exhausted instead of dropping (P-8)',
  'prl-flush-after-new':
    'on activation, packets that arrived after set-up are replicated before the ones held while it was in progress (I-4, G-4)',
  'pfe-leaky-switch': "during a GRES switch the PFE lets both REs' packets reach the wire (F-3)",
  'prl-secondary-lags-one-packet':
    'the secondary ACKs each replicate but hands L4 the one before it (an off-by-one in its replicate buffer): it holds less than its primary while both REs are up (P-15, G-2)',
  'prl-release-reversed':
    "when IHA releases a socket's PRL queue to L4 at a cleanup, the loop walks the queue from its tail: the packets go up in reverse arrival order (G-4, I-6)",
  'tcp-replica-window-from-rcv-adv':
    "a replicated socket's TCP judges a segment against max(common_rcvbufspc, rcv_adv - rcv_nxt) as plain TCP does; rcv_adv is the primary's alone, so the two TCPs keep different parts of a segment (P-10, G-2; the fixed bug of crash-slow-reader-acked-data-lost)",
  'prl-secondary-own-buffer':
    'the secondary passes each replicate up L4 without the common value: its TCP judges the packet against its own buffer (P-10, P-5)',
  'psrm-app-in-from-app-out':
    "the secondary takes the snooping application's inbound start from the snapshot's outbound offset (a wrong variable): the backup application reads a corrupt stream (S-3)",
  'psrm-failover-rcv-nxt-from-snapshot':
    "the failover handler restores rcv_nxt from the secondary's initial snapshot (a wrong variable): the new primary's ACK goes back and it takes data again (M-4, G-9)",
  'psrm-snapshot-swaps-wl1-wl2':
    "the secondary writes the snapshot's snd_wl1 into snd_wl2 and back (two fields swapped): its tcpcb does not follow the primary's (P-13)",
  'psrm-snapshot-drops-segq':
    "the secondary does not install the snapshot's out-of-order segments (a skipped loop): the primary SACKs bytes its secondary lacks (T-2, M-1)",
  'psrm-forgets-timestamps':
    'the secondary does not take the timestamp state (ts_recent, the TSval clock offset, the negotiated flags) from the PSRM snapshot: after a takeover the new primary sends segments without timestamps, or with a TSval that goes back (M-6, T-4)',
  'psrm-forgets-md5-key':
    'the secondary does not take the TCP-MD5 key from the PSRM snapshot: after a takeover the new primary sends unsigned segments, which the peer drops (M-6, T-3)',
  'chassis-ignores-sync-state':
    'a manual switchover is accepted while the backup is still re-synchronizing after a restart: sockets it holds no replica of are reset (F-6)',
  'pfe-drops-during-sync-switch':
    'a planned switch (manual switchover, per-socket failover) drops host-bound packets like a takeover after a crash, instead of holding them for the new RE (G-3)',
  'iha-socket-failover-no-steer':
    "a per-socket failover hands the socket to the other RE without steering its connection there, as if mastership decided for every connection: the peer's packets keep reaching the old RE, which no longer has the socket and answers with RST, and the new primary's packets are suppressed (F-2, F-3, G-9)",
  'msdp-snoop-caches-own':
    "the backup's snooping MSDP caches the SAs its own master originates (breaks D-3): its SA cache differs from the master's (D-4)",
  'msdp-snoop-deaf':
    "the MSDP sockets are replicated but the backup's MSDP does not learn from them (SAs replicated, not snooped): its SA cache stays empty (D-3, D-4)",
  'msdp-takeover-no-catch-up':
    'an MSDP takeover neither finishes the half-written SA nor sends the SAs the dead master still owed: a peer misses SAs (S-1, D-4)',
  'msdp-sockets-not-replicated':
    'the MSDP application never asks IHA to replicate its sockets (as if D-7 disabled NSR for it): a switchover resets every MSDP peer (D-4)',
  'msdp-guard-off':
    'the F-5 planned-switchover guard is off: a switchover within a refresh period of a socket replication leaves the new master without SAs (D-6)',
  'bgp-snoop-misses-peer':
    "the backup's BGP reads only what its master wrote on a replicated socket, not what the peer sent (one UPDATE direction missed): it never learns the peer's routes (B-3)",
} as const;

export type MutantName = keyof typeof MUTANTS;

export function isMutant(name: string): name is MutantName {
  return Object.hasOwn(MUTANTS, name);
}

/**
 * Asserts an RE's NSR configuration is one the scenario loader can produce: every option
 * one of its listed values, versions in [1, NSR_VERSION_MAX], costs integers >= 0, timers
 * integers > 0 (a zero period would spin), bounds integers >= 1. The model relies on each
 * (a zero kkcmPeriodNs re-arms at the same instant for ever; a zero kkcmQueueMax refuses
 * every message).
 */
export function checkNsrConfig(
  opts: NsrOptions,
  costs: NsrCosts,
  timers: NsrTimers,
  bounds: NsrBounds,
): void {
  for (const info of NSR_OPTION_INFO) {
    if (info.name === 'versions' || info.name === 'prlL3Header') continue;
    const v = opts[info.name];
    assert(info.values.includes(String(v)), () => `NSR option ${info.name}: ${String(v)}`);
  }
  assert(typeof opts.prlL3Header === 'boolean', 'NSR option prlL3Header is not a boolean');
  assert(opts.versions.length === 2, 'NSR option versions: one per RE');
  for (const v of opts.versions) assertInt(v, 1, NSR_VERSION_MAX, 'NSR protocol version');
  for (const [k, v] of Object.entries(costs)) assertInt(v, 0, Number.MAX_SAFE_INTEGER, `cost ${k}`);
  for (const [k, v] of Object.entries(timers))
    assertInt(v, 1, Number.MAX_SAFE_INTEGER, `timer ${k}`);
  for (const [k, v] of Object.entries(bounds))
    assertInt(v, 1, Number.MAX_SAFE_INTEGER, `bound ${k}`);
}

// The defaults pass their own check (at load: a typo in a default fails every run at once).
checkNsrConfig(DEFAULT_NSR_OPTIONS, DEFAULT_NSR_COSTS, DEFAULT_NSR_TIMERS, DEFAULT_NSR_BOUNDS);
assert(
  NSR_OPTION_INFO.length === Object.keys(DEFAULT_NSR_OPTIONS).length,
  'every NSR option has its NSR_OPTION_INFO entry',
);
