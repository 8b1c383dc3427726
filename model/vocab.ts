// The trace vocabulary: every actor name and every trace kind the model emits, as typed
// constants shared by the model (which emits them), the checkers and reports (which read
// them) and the tests. The trace is the contract between the simulation and everything
// that looks at it (GUIDE §1); a renamed actor or kind changes here, once, and every
// reader follows. Nothing matches actor names by suffix or regular expression:
// actorInfo() decodes a name against the names this module itself builds.
import { SIM_ACTOR, SIM_KIND } from '../sim/index.ts';
import { TCP_EVENT, type TcpEvent } from './tcp/defs.ts';
import { MSDP_K } from './app/msdp/kinds.ts';
import { BGP_KIND } from './app/bgp/kinds.ts';

/** The NSR subsystems of one RE, each an actor (SPEC K, I, P, S, M). */
export const NSR_SUBSYSTEMS = ['kkcm', 'iha', 'prl', 'sdrl', 'psrm'] as const;
export type NsrSubsystem = (typeof NSR_SUBSYSTEMS)[number];
export type ReIndex = 0 | 1;

const PEER_PREFIX = 'peer:';
const LINK_PREFIX = 'link:';

/** Actor names. */
export const ACTOR = {
  /** Set-up records (injections, scheduled faults). */
  sim: SIM_ACTOR,
  /** Records a checker writes into the trace (check.violation). */
  check: 'check',
  chassis: 'chassis',
  pfe: 'pfe',
  /** An RE's kernel: IP input, TCP, sockets, its applications. */
  re: (i: ReIndex): string => `re${i}/kernel`,
  /** One NSR subsystem of an RE. */
  nsr: (i: ReIndex, sub: NsrSubsystem): string => `re${i}/${sub}`,
  /** An external peer router. */
  peer: (name: string): string => `${PEER_PREFIX}${name}`,
  /** A link (wire-<peer>, int-re0, int-re1, inter-re). */
  link: (name: string): string => `${LINK_PREFIX}${name}`,
} as const;

/** Link names (the part after `link:`). */
export const LINK = {
  wire: (peer: string): string => `wire-${peer}`,
  intRe: (i: ReIndex): string => `int-re${i}`,
  interRe: 'inter-re',
} as const;

export type ActorInfo =
  | { readonly box: 'sim' | 'check' | 'chassis' | 'pfe' }
  | { readonly box: 're'; readonly re: ReIndex; readonly subsystem: 'kernel' | NsrSubsystem }
  | { readonly box: 'peer'; readonly peer: string }
  | { readonly box: 'link'; readonly link: string }
  | { readonly box: 'unknown' };

const FIXED = new Map<string, ActorInfo>([
  [ACTOR.sim, { box: 'sim' }],
  [ACTOR.check, { box: 'check' }],
  [ACTOR.chassis, { box: 'chassis' }],
  [ACTOR.pfe, { box: 'pfe' }],
]);
for (const re of [0, 1] as const) {
  FIXED.set(ACTOR.re(re), { box: 're', re, subsystem: 'kernel' });
  for (const sub of NSR_SUBSYSTEMS)
    FIXED.set(ACTOR.nsr(re, sub), { box: 're', re, subsystem: sub });
}

/** Answers of actorInfo for peer and link names, kept (a world has a few thousand at most). */
const SEEN = new Map<string, ActorInfo>();
const SEEN_MAX = 1 << 16;

/** What an actor name of this vocabulary names (box, RE, subsystem, peer, link). */
export function actorInfo(name: string): ActorInfo {
  const fixed = FIXED.get(name) ?? SEEN.get(name);
  if (fixed !== undefined) return fixed;
  const info: ActorInfo = name.startsWith(PEER_PREFIX)
    ? { box: 'peer', peer: name.slice(PEER_PREFIX.length) }
    : name.startsWith(LINK_PREFIX)
      ? { box: 'link', link: name.slice(LINK_PREFIX.length) }
      : { box: 'unknown' };
  // Checkers ask for every trace record's actor: a peer's or link's answer is kept (an
  // ActorInfo is never changed by its users), up to a bound, instead of built each time.
  if (SEEN.size < SEEN_MAX) SEEN.set(name, info);
  return info;
}

/** The RE an actor belongs to (its kernel or one of its NSR subsystems), or undefined. */
export function reOf(name: string): ReIndex | undefined {
  const info = actorInfo(name);
  return info.box === 're' ? info.re : undefined;
}

/** True when `name` is RE `re`'s subsystem `sub` ('kernel' for the RE kernel itself). */
export function isReActor(name: string, sub: 'kernel' | NsrSubsystem): boolean {
  const info = actorInfo(name);
  return info.box === 're' && info.subsystem === sub;
}

/** True when `name` is an external peer's actor. */
export function isPeerActor(name: string): boolean {
  return actorInfo(name).box === 'peer';
}

type TcpKinds = { readonly [E in keyof typeof TCP_EVENT]: `tcp.${(typeof TCP_EVENT)[E]}` };
function tcpKinds(): TcpKinds {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(TCP_EVENT)) out[k] = `tcp.${v}`;
  return out as TcpKinds;
}

/** The trace kind of a TCP event (`tcp.<event>`). */
export function tcpKind(e: TcpEvent): `tcp.${TcpEvent}` {
  return `tcp.${e}`;
}

/** Every trace kind, grouped by who emits it. */
export const K = {
  sim: SIM_KIND,
  check: { violation: 'check.violation' },
  chassis: {
    fault: 'fault',
    master: 'chassis.master',
    noTakeover: 'chassis.no-takeover',
    switchoverRefused: 'chassis.switchover-refused',
    syncState: 'chassis.sync-state',
    unsyncedTakeover: 'chassis.unsynced-takeover',
  },
  pfe: {
    tx: 'pfe.tx',
    drop: 'pfe.drop',
    suppress: 'pfe.suppress',
    switch: 'pfe.switch',
    master: 'pfe.master',
    setSwitch: 'pfe.set-switch',
    flow: 'pfe.flow',
    flowSwitch: 'pfe.flow-switch',
    flowClear: 'pfe.flow-clear',
    hold: 'pfe.hold',
    release: 'pfe.release',
  },
  link: { drop: 'link.drop', hold: 'link.hold', release: 'link.release', set: 'link.set' },
  /** The RE kernel. */
  re: {
    boot: 're.boot',
    role: 're.role',
    dropStaleSocket: 're.drop-stale-socket',
    ipDrop: 'ip.drop',
    ipHold: 'ip.hold',
    releaseHeld: 'ip.release-held',
    socketFailover: 'app.socket-failover',
  },
  peer: { ackUnsent: 'peer.ack-unsent' },
  /** The MSDP engine (RFC 3618; model/app/msdp/kinds.ts), on the peers and on both REs. */
  msdp: MSDP_K,
  /** The BGP engine (RFC 4271, RFC 4724; model/app/bgp/kinds.ts), on the peers and on both REs. */
  bgp: BGP_KIND,
  /** The application-protocol layer (model/app/layer/): what hosts a protocol engine. */
  layer: {
    /** D-7, I-1: an MSDP socket's replication handle on this RE (primary or secondary). */
    socket: 'layer.socket',
    /** D-7: a protocol's sockets are not replicated (nonstop-routing-disable). */
    notReplicated: 'layer.not-replicated',
    /** D-6: SAs the new master lacked after a takeover, and for how long. */
    saGap: 'layer.sa-gap',
    /** A scenario's injected bytes (D-8: a malformed TLV written past the engine). */
    inject: 'layer.inject',
    /** After a failover's takeovers: the protocol's speaker is the master's now. */
    speakerMaster: 'layer.speaker-master',
  },
  /** The stream application (both ends). */
  app: {
    attach: 'app.attach',
    snoop: 'app.snoop',
    takeover: 'app.takeover',
    stall: 'app.stall',
    stallEnd: 'app.stall-end',
    verifyError: 'app.verify-error',
    /** The application read from its socket: bytes this time, total so far (V-1 counters). */
    read: 'app.read',
    closed: 'app.closed',
    /** M-7: the application changed a socket option (SO_RCVBUF / SO_SNDBUF) of its socket. */
    sockopt: 'app.sockopt',
  },
  tcp: tcpKinds(),
  kkcm: {
    configure: 'kkcm.configure',
    ore: 'kkcm.ore',
    up: 'kkcm.up',
    tx: 'kkcm.tx',
    rx: 'kkcm.rx',
    rxMalformed: 'kkcm.rx-malformed',
    queueFull: 'kkcm.queue-full',
    framingError: 'kkcm.framing-error',
    noClient: 'kkcm.no-client',
    ioError: 'kkcm.io-error',
    channelClosed: 'kkcm.channel-closed',
    cleanup: 'kkcm.cleanup',
    /** K-13 'deferred': a cleanup trigger marked KKCM; the cleanup runs at the thread's next wake-up. */
    cleanupDeferred: 'kkcm.cleanup-deferred',
  },
  /** Common to the four KKCM clients. */
  nsr: {
    replicationError: 'nsr.replication-error',
    sendFailed: {
      iha: 'iha.send-failed',
      prl: 'prl.send-failed',
      sdrl: 'sdrl.send-failed',
      psrm: 'psrm.send-failed',
    },
  },
  iha: {
    setup: 'iha.setup',
    secondary: 'iha.secondary',
    readyUnknown: 'iha.ready-unknown',
    active: 'iha.active',
    started: 'iha.started',
    cleanupSocket: 'iha.cleanup-socket',
    deleteSecondary: 'iha.delete-secondary',
    forgetPrimary: 'iha.forget-primary',
    cleanup: 'iha.cleanup',
    becomeMaster: 'iha.become-master',
    becomeBackup: 'iha.become-backup',
    failover: 'iha.failover',
    drained: 'iha.drained',
    syncTimeout: 'iha.sync-timeout',
    syncState: 'iha.sync-state',
    socketFailover: 'iha.socket-failover',
    socketFailoverRefused: 'iha.socket-failover-refused',
    socketFailoverAbandoned: 'iha.socket-failover-abandoned',
    malformed: 'iha.malformed',
    unexpected: 'iha.unexpected',
  },
  prl: {
    pending: 'prl.pending',
    queue: 'prl.queue',
    flush: 'prl.flush',
    l4: 'prl.l4',
    drop: 'prl.drop',
    nack: 'prl.nack',
    nackSent: 'prl.nack-sent',
    ackMismatch: 'prl.ack-mismatch',
    ackUnknown: 'prl.ack-unknown',
    timeout: 'prl.timeout',
    /** P-14 'whole-re': the one timeout of the RE fired (seed 001 §7.3e). */
    timeoutRe: 'prl.timeout-re',
    release: 'prl.release',
    badPacket: 'prl.bad-packet',
    malformed: 'prl.malformed',
    cleanup: 'prl.cleanup',
    unexpected: 'prl.unexpected',
  },
  sdrl: {
    inflight: 'sdrl.inflight',
    gap: 'sdrl.gap',
    outOfOrder: 'sdrl.out-of-order',
    malformed: 'sdrl.malformed',
    unexpected: 'sdrl.unexpected',
  },
  /**
   * Redundant TCP (seed 004), emitted by a station (an re<i>/kernel actor) or, for a
   * station that crashes, by the chassis on its behalf (its exception handler).
   */
  rtcp: {
    /** a station's signals changed (present = I_AM_HERE, ready, operational). */
    signal: 'rtcp.signal',
    /** a station's redundancy state changed (handshake, operational, standby, …). */
    state: 'rtcp.state',
    /** the boot handshake timed out: the station is standby and unsynchronized. */
    bootTimeout: 'rtcp.boot-timeout',
    /** the standby found the counterpart's operational signal off and took over. */
    takeover: 'rtcp.takeover',
    /** an ACK for a sequence not yet sent was buffered. */
    ackBuffer: 'rtcp.ack-buffer',
    /** a buffered ACK went back into TCP input once output reached its sequence. */
    ackReplay: 'rtcp.ack-replay',
    /** the buffer of early ACKs was full: the segment was dropped (data with it). */
    ackBufferFull: 'rtcp.ack-buffer-full',
    /** The station opened its application sessions (a new epoch after a timing sync). */
    appSession: 'rtcp.app-session',
    /** R-4, §5.2: the station's sessions were brought down for a timing synchronization. */
    sessionsDown: 'rtcp.sessions-down',
    /** a MIB object was set (by the operator, an echoed command, or the MIB walk). */
    mibSet: 'rtcp.mib-set',
    /** R-6 (§5.1): the late joiner's MIB walk finished: objects copied. */
    dataSync: 'rtcp.data-sync',
    /** R-4, R-6 (§5.2): a timing synchronization started or finished. */
    timingSync: 'rtcp.timing-sync',
    /** an operator command was not echoed (no telnet session to the counterpart). */
    echoLost: 'rtcp.echo-lost',
    /** A management line that does not parse (the session is closed). */
    mgmtMalformed: 'rtcp.mgmt-malformed',
    /** §4.1.2.2.1: a station's application timing moved (station-clock-offset). */
    clockOffset: 'rtcp.clock-offset',
  },
  psrm: {
    replicate: 'psrm.replicate',
    applied: 'psrm.applied',
    reject: 'psrm.reject',
    ackUnexpected: 'psrm.ack-unexpected',
    timeout: 'psrm.timeout',
    window: 'psrm.window',
    failover: 'psrm.failover',
    /** M-7, primary: the application changed a socket option; replicated or not (G-7). */
    sockopt: 'psrm.sockopt',
    /** M-7 'replicated', secondary: the option change applied to the secondary socket. */
    sockoptApplied: 'psrm.sockopt-applied',
    malformed: 'psrm.malformed',
    unexpected: 'psrm.unexpected',
  },
} as const;

type Leaves<T> = T extends string ? T : { [P in keyof T]: Leaves<T[P]> }[keyof T];
/** Every trace kind the model emits. */
export type TraceKind = Leaves<typeof K>;

function leaves(o: unknown, into: Set<string>): Set<string> {
  if (typeof o === 'string') into.add(o);
  else if (typeof o === 'object' && o !== null) for (const v of Object.values(o)) leaves(v, into);
  return into;
}

/** Every trace kind as a set (reports, and the test that no two kinds collide). */
export const TRACE_KINDS: ReadonlySet<string> = leaves(K, new Set());
