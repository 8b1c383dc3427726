// How the generator leans when a mutant is selected (`nsrsim fuzz --mutant NAME`): each
// mutant breaks the design only in some situation (a failover, a buffer-full NACK, a
// PRL timeout, a set-up under load), and plain swarm fuzzing reaches some of those
// rarely. The bias only makes the situation likely; it never tells the fuzzer where or
// when: the faults, their instants, the traffic and the tie-breaks are still drawn and
// shrunk. Every kill is differential (shrink.ts, task.ts): the same scenario must pass
// without the mutant, so a bias cannot make the correct design look guilty.
import type { MutantName } from '../../model/nsr/options.ts';
import { MS } from '../../sim/index.ts';
import type { FuzzArbOptions } from './arbitraries.ts';

/** Liveness (model/checks/liveness.ts) is judged 5 s after the faults heal: runs that need it are longer. */
const LIVENESS_RUN: FuzzArbOptions = { healNs: 5_500 * MS, durationMs: [6_000, 7_000] };

/** Small socket buffers and slow router reads: PRL's flow control is busy (buffer-full NACKs, window updates). */
const BUSY: FuzzArbOptions = { busyFlowControl: true };

/** Slower IHA and PSRM (a slower RE CPU): socket set-up takes milliseconds, so packets arrive during it. */
const SLOW_SETUP: FuzzArbOptions = { nsrCosts: { ihaNs: 2 * MS, psrmNs: 2 * MS } };

/** MSDP peers (issue 14) and a mastership fault: what every MSDP mutant needs. */
const MSDP_FAILOVER: FuzzArbOptions = {
  msdp: true,
  forceFamilies: ['mastership'],
  families: ['mastership'],
  minFaults: 1,
  durationMs: [7_000, 9_000],
};

/** BGP peers (issue 15) and a mastership fault: what the BGP mutant needs. */
const BGP_FAILOVER: FuzzArbOptions = {
  bgp: true,
  forceFamilies: ['mastership'],
  families: ['mastership'],
  minFaults: 1,
  durationMs: [7_000, 9_000],
};

export const MUTANT_BIAS: Readonly<Record<MutantName, FuzzArbOptions>> = {
  // A buffer-full NACK is what triggers it.
  'prl-l4-after-nack': { ...BUSY },
  // Passing up before the ACK shows when the secondary then refuses (busy) or a crash loses the packet.
  'prl-pass-up-before-ack': { ...BUSY, forceFamilies: ['mastership'] },
  // Send data transmitted but not yet on the backup when the master goes: a crash during an
  // inter-RE outage, or while a slower SDRL (2 ms) has the data.
  'sdrl-transmit-before-replicate': {
    forceFamilies: ['mastership', 'interRe'],
    families: ['mastership', 'interRe'],
    minFaults: 2,
    fromRouterMinPerSec: 50,
    nsrCosts: { sdrlNs: 2 * MS },
  },
  // Nothing retransmits after the failover (M-4): harmless while the application writes
  // and the window is open (tcp_output re-arms the timer), but with the peer silent and
  // its window shut at the failover (slow peer reads, small buffers) the stream stops for
  // good. Judged by liveness, so long runs (its stall rule also sees a stop after the peer
  // drained buffered bytes past the heal: test/scenarios/fuzz/findings/skip-failover-timers-unreported-stall.yaml).
  'psrm-skip-failover-timers': {
    ...LIVENESS_RUN,
    slowPeerReads: true,
    toRouterMaxPerSec: 0,
    forceFamilies: ['mastership'],
    families: ['mastership'],
    minFaults: 1,
    fromRouterMinPerSec: 80,
    recordBytesMin: 1000,
  },
  // Received data the backup application had not read yet: slow router reads, then a failover.
  'psrm-failover-flushes-rcvbuf': {
    ...BUSY,
    forceFamilies: ['mastership'],
    families: ['mastership', 'wire'],
    minFaults: 1,
  },
  // Only means something with coalesced ACKs (an unsafe option for the correct design:
  // the differential twin shows what the design does alone).
  'prl-coalesce-without-rcvbufspc': { ...BUSY, forceOptions: { prlAck: 'coalesce' } },
  // Packets held during set-up: slow set-ups under load (initial, after a KKCM or NSR restart).
  'prl-no-pending-flush': { ...SLOW_SETUP, families: ['interRe', 'config'], toRouterMinPerSec: 80 },
  // Active before the PSRM ACK: a packet in that window is refused by the secondary (not
  // replicating) and the socket's replication is torn down, silently; a later failover
  // then resets the peer. Slow, loaded set-ups and a mastership change (a per-socket
  // failover of an unreplicated socket is refused, so only crashes and switchovers).
  'iha-active-before-psrm-ack': {
    ...SLOW_SETUP,
    kinds: ['re-crash', 'switchover'],
    forceFamilies: ['mastership'],
    families: ['mastership'],
    minFaults: 1,
    toRouterMinPerSec: 100,
  },
  // Needs a PRL timeout: inter-RE outages long enough to run it.
  'prl-timeout-drops-queue': {
    allowPrlTimeout: true,
    forceFamilies: ['interRe'],
    families: ['interRe', 'wire'],
    minFaults: 1,
    toRouterMinPerSec: 50,
  },
  // Messages split over several KKCM segments: large records, and a failover to expose
  // what the secondary made of them.
  'kkcm-partial-message-dispatch': {
    toRouterMinPerSec: 50,
    recordBytesMin: 1400,
    forceFamilies: ['mastership'],
  },
  // The window never reopens: small buffers, records as large as half of them and slow
  // router reads close it, and liveness finds no data flowing 5 s after the heal. Seen
  // only with oooAccounting: count-incoming (an unsafe option: it can deadlock by itself,
  // SPEC P-11; the differential twin keeps only the runs the correct design survives):
  // without window updates its near-deadlocks stay shut.
  'flow-control-never-sent': {
    ...BUSY,
    ...LIVENESS_RUN,
    families: ['wire', 'app'],
    forceOptions: { oooAccounting: 'count-incoming' },
  },
  // The PRL buffer must fill: a small one, and inter-RE outages that back replication up.
  'prl-ignores-buffer-limit': {
    forceFamilies: ['interRe'],
    families: ['interRe'],
    minFaults: 1,
    toRouterMinPerSec: 50,
    nsrBounds: { prlBufferBytes: 16 * 1024 },
  },
  // Packets held during a slow set-up and packets right after it, under load.
  'prl-flush-after-new': { ...SLOW_SETUP, families: ['interRe', 'config'], toRouterMinPerSec: 100 },
  // Both REs on the wire during a GRES switch: mastership changes while the router sends.
  // Timestamps on, then a takeover: the new primary's segments must still carry them.
  'psrm-forgets-timestamps': {
    routerTcp: { timestamps: true },
    kinds: ['re-crash', 'switchover', 'socket-failover'],
    forceFamilies: ['mastership'],
    families: ['mastership'],
    minFaults: 1,
    fromRouterMinPerSec: 50,
  },
  // An MD5 key on every session, then a takeover: the new primary must go on signing.
  'psrm-forgets-md5-key': {
    routerTcp: { md5Key: 'nsrsim-fuzz-key' },
    kinds: ['re-crash', 'switchover', 'socket-failover'],
    forceFamilies: ['mastership'],
    families: ['mastership'],
    minFaults: 1,
    fromRouterMinPerSec: 50,
  },
  // A switchover during a re-synchronization of every socket (F-4, F-6): one follows a KKCM
  // error or an inter-RE outage; a slow RE CPU (PSRM 20 ms per socket) stretches it to tens
  // of milliseconds, and the switchover has to fall in it.
  'chassis-ignores-sync-state': {
    allowUnsyncedSwitchover: true,
    nsrCosts: { psrmNs: 20 * MS },
    kinds: ['switchover', 'kkcm-io-error', 'inter-re-down'],
    forceFamilies: ['mastership', 'interRe'],
    families: ['mastership', 'interRe'],
    minFaults: 2,
    maxFaults: 8,
    toRouterMinPerSec: 50,
  },
  // Only planned switches hold packets: switchovers and per-socket failovers under load.
  'pfe-drops-during-sync-switch': {
    kinds: ['switchover', 'socket-failover'],
    forceFamilies: ['mastership'],
    families: ['mastership'],
    minFaults: 1,
    toRouterMinPerSec: 100,
  },
  'pfe-leaky-switch': {
    forceFamilies: ['mastership'],
    families: ['mastership'],
    minFaults: 1,
    fromRouterMinPerSec: 50,
  },
  // Per-socket failovers while the peer sends: without steering, the session goes silent
  // (liveness, long runs) or the old RE resets it (peer-transparent).
  'iha-socket-failover-no-steer': {
    ...LIVENESS_RUN,
    kinds: ['socket-failover'],
    forceFamilies: ['mastership'],
    families: ['mastership'],
    minFaults: 1,
    toRouterMinPerSec: 100,
  },
  // Fires as soon as the peer sends: the secondary holds one packet less than its primary.
  'prl-secondary-lags-one-packet': { toRouterMinPerSec: 50 },
  // Needs two or more packets in a PRL queue when IHA releases it: an inter-RE outage
  // under load (packets wait for the secondary's ACK), then a cleanup (a crash, a restart).
  'prl-release-reversed': {
    forceFamilies: ['interRe', 'mastership'],
    families: ['interRe', 'mastership'],
    minFaults: 2,
    toRouterMinPerSec: 100,
  },
  // The two buffers differ only when the router reads slowly and its windows close.
  'tcp-replica-window-from-rcv-adv': { ...BUSY, forceFamilies: ['mastership'] },
  'prl-secondary-own-buffer': { ...BUSY },
  // The two stream offsets differ only for a set-up after data flowed both ways.
  'psrm-app-in-from-app-out': {
    forceFamilies: ['config'],
    families: ['config', 'interRe'],
    minFaults: 1,
    toRouterMinPerSec: 50,
    fromRouterMinPerSec: 50,
  },
  // Any takeover after the peer sent data since the socket's set-up.
  'psrm-failover-rcv-nxt-from-snapshot': {
    forceFamilies: ['mastership'],
    families: ['mastership'],
    minFaults: 1,
    toRouterMinPerSec: 50,
  },
  // A set-up in mid-stream (the snapshot's snd_wl1 and snd_wl2 are far apart then).
  'psrm-snapshot-swaps-wl1-wl2': {
    forceFamilies: ['config'],
    families: ['config'],
    minFaults: 1,
    toRouterMinPerSec: 50,
    fromRouterMinPerSec: 50,
  },
  // Out-of-order segments held by the primary when a (slow) set-up snapshots the socket:
  // wire loss under load, SACK on, re-synchronizations after KKCM errors.
  'psrm-snapshot-drops-segq': {
    ...SLOW_SETUP,
    routerTcp: { sack: true },
    kinds: ['wire-loss', 'kkcm-io-error'],
    forceFamilies: ['wire', 'interRe'],
    families: ['wire', 'interRe'],
    minFaults: 2,
    toRouterMinPerSec: 150,
  },
  // MSDP (issue 14): the MSDP peers and a failover after the peerings are up.
  'msdp-snoop-caches-own': { ...MSDP_FAILOVER },
  'msdp-snoop-deaf': { ...MSDP_FAILOVER },
  'msdp-takeover-no-catch-up': { ...MSDP_FAILOVER },
  'msdp-sockets-not-replicated': { ...MSDP_FAILOVER },
  'msdp-guard-off': { ...MSDP_FAILOVER },
  // BGP (issue 15): the BGP peers and a failover after the tables are across.
  'bgp-snoop-misses-peer': { ...BGP_FAILOVER },
};

export function biasFor(mutant: MutantName | undefined): FuzzArbOptions {
  return mutant === undefined ? {} : MUTANT_BIAS[mutant];
}
