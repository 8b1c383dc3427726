// What a scenario may name: fault kinds (supported and pending), router keys whose
// feature does not exist yet, designs, design options and mutants. The loader, the JSON
// schema and `nsrsim list` all read this one table, so enabling a fault kind or key means
// moving it here from pending to supported (and teaching the loader to build it). Until
// a key's feature exists the validator rejects it (GUIDE §4), rather than silently
// ignoring it.
import {
  DEFAULT_NSR_BOUNDS,
  DEFAULT_NSR_COSTS,
  DEFAULT_NSR_OPTIONS,
  DEFAULT_NSR_TIMERS,
  MUTANTS as MODEL_MUTANTS,
  NSR_OPTION_INFO,
  type NsrBounds,
  type NsrCosts,
  type NsrOptions,
  type NsrTimers,
} from '../../model/nsr/options.ts';

/** A parameter a fault kind takes, besides `kind` and `at`/`between`. */
export interface FaultParam {
  key: string;
  type: 'duration' | 'probability' | 'target' | 'side' | 'peer' | 'session' | 'token';
  required: boolean;
  /** What an optional parameter means when left out, as written in a file. */
  default?: string;
  description: string;
}

export interface FaultKindInfo {
  kind: string;
  status: 'supported' | 'pending';
  spec: readonly string[];
  description: string;
  params: readonly FaultParam[];
  /** Only meaningful with socket replication: the loader requires `router.nsr: true`. */
  nsrOnly: boolean;
}

const target: FaultParam = {
  key: 'target',
  type: 'target',
  required: true,
  description: 'Which RE: the current master or backup, or re0 / re1 by slot.',
};
const peerOpt: FaultParam = {
  key: 'peer',
  type: 'peer',
  required: false,
  description: 'The peer whose wire link is affected; every peer when omitted.',
};
const lasting: FaultParam = {
  key: 'duration',
  type: 'duration',
  required: true,
  description: 'How long the fault lasts before the link returns to its configured parameters.',
};
/** NSR link faults may last until the run ends (the model's durationNs 0). */
const untilEnd: FaultParam = {
  key: 'duration',
  type: 'duration',
  required: false,
  default: '0s',
  description: 'How long the fault lasts; 0s or left out = until the end of the run.',
};

/** Redundant TCP's own faults (seed 004): only with router.design: redundant-tcp. */
const RTCP_FAULT_KINDS: readonly FaultKindInfo[] = [
  {
    kind: 'operator-config',
    status: 'supported',
    spec: ['R-6'],
    description:
      'an operator sets a configuration object at a Redundant TCP station, which echoes it to its counterpart over telnet (lost, and traced so, without a session); design redundant-tcp only',
    params: [
      target,
      {
        key: 'key',
        type: 'token',
        required: true,
        description: 'The MIB object, one token of printable ASCII (e.g. bgpLocalAs.0).',
      },
      {
        key: 'value',
        type: 'token',
        required: true,
        description: 'Its new value, one token of printable ASCII.',
      },
    ],
    nsrOnly: false,
  },
  {
    kind: 'station-deactivate',
    status: 'supported',
    spec: ['R-3'],
    description:
      'the operator deactivates a Redundant TCP station: its operational signal drops and it stops (the standby takes over); design redundant-tcp only',
    params: [target],
    nsrOnly: false,
  },
  {
    kind: 'standby-path-loss',
    status: 'supported',
    spec: ['R-5', 'R-1'],
    description:
      "raises loss on the current standby station's own receive path only (the operational station still gets every packet); design redundant-tcp only",
    params: [
      {
        key: 'loss',
        type: 'probability',
        required: true,
        description: 'Loss probability in [0, 1] on the standby path while the fault lasts.',
      },
      {
        ...lasting,
        description:
          'How long the fault lasts before the standby path returns to its configured loss.',
      },
    ],
    nsrOnly: false,
  },
  {
    kind: 'station-clock-offset',
    status: 'supported',
    spec: ['R-2', 'R-4'],
    description:
      "a station's timing slips: its application's next timers fire `offset` later (the draft's packet-time granularity claim, §4.1.2.2.1); design redundant-tcp only",
    params: [
      target,
      {
        key: 'offset',
        type: 'duration',
        required: true,
        description: 'How far behind the station runs from then on.',
      },
    ],
    nsrOnly: false,
  },
];

export const SUPPORTED_FAULTS: readonly FaultKindInfo[] = [
  {
    kind: 're-crash',
    status: 'supported',
    spec: ['F-1', 'G-1'],
    description:
      'an RE crashes and stays down (a crashed master is noticed after masterDetect; GRES moves mastership)',
    params: [target],
    nsrOnly: false,
  },
  {
    kind: 'switchover',
    status: 'supported',
    spec: ['F-2'],
    description: 'manual mastership switchover (refused when the backup is down)',
    params: [],
    nsrOnly: false,
  },
  {
    kind: 'pfe-switch-delay',
    status: 'supported',
    spec: ['F-3'],
    description: 'changes the time the PFE takes to switch to a new master from then on',
    params: [
      {
        key: 'switch',
        type: 'duration',
        required: true,
        description: 'The new GRES switch time of the PFE.',
      },
    ],
    nsrOnly: false,
  },
  {
    kind: 're-restart',
    status: 'supported',
    spec: ['F-4'],
    description: 'a crashed RE boots again, empty, as backup',
    params: [target],
    nsrOnly: false,
  },
  {
    kind: 'app-stall',
    status: 'supported',
    spec: ['G-9'],
    description:
      'an application stops reading and writing for a while (the router side: every session of the master RE)',
    params: [
      {
        key: 'side',
        type: 'side',
        required: true,
        description: "Whose application stalls: the external peer's or the router's.",
      },
      {
        key: 'peer',
        type: 'peer',
        required: false,
        description:
          'With side: peer, the one peer that stalls; every peer when omitted. Not allowed with side: router.',
      },
      {
        key: 're',
        type: 'target',
        required: false,
        default: 'master',
        description:
          "With side: router, whose application stalls: the master's (default) or the backup's snooping one (which then sends no window updates, S-4).",
      },
      {
        key: 'duration',
        type: 'duration',
        required: true,
        description: 'How long the application stalls.',
      },
    ],
    nsrOnly: false,
  },
  {
    kind: 'wire-loss',
    status: 'supported',
    spec: ['F-1', 'G-9'],
    description: 'raises packet loss on wire links for a while',
    params: [
      peerOpt,
      {
        key: 'loss',
        type: 'probability',
        required: true,
        description: 'Loss probability in [0, 1] while the fault lasts.',
      },
      lasting,
    ],
    nsrOnly: false,
  },
  {
    kind: 'wire-partition',
    status: 'supported',
    spec: ['F-1', 'G-9'],
    description: 'takes wire links down (every packet dropped) for a while',
    params: [peerOpt, lasting],
    nsrOnly: false,
  },
  {
    kind: 'wire-reorder',
    status: 'supported',
    spec: ['F-1', 'G-9'],
    description: 'raises packet reordering on wire links for a while',
    params: [
      peerOpt,
      {
        key: 'reorder',
        type: 'probability',
        required: true,
        description: 'Reorder probability in [0, 1] while the fault lasts.',
      },
      lasting,
    ],
    nsrOnly: false,
  },
  {
    kind: 'kkcm-io-error',
    status: 'supported',
    spec: ['F-1', 'K-5', 'K-7'],
    description:
      "an I/O error on an RE's KKCM channels: KKCM resets its connections and cleans up with reason IO_ERR",
    params: [
      {
        key: 'target',
        type: 'target',
        required: false,
        default: 'master',
        description:
          'Whose KKCM sees the error: the current master or backup, or re0 / re1 by slot.',
      },
    ],
    nsrOnly: true,
  },
  {
    kind: 'inter-re-down',
    status: 'supported',
    spec: ['F-1', 'K-7'],
    description: 'the inter-RE link goes down, both directions',
    params: [untilEnd],
    nsrOnly: true,
  },
  {
    kind: 'inter-re-partition',
    status: 'supported',
    spec: ['F-1'],
    description:
      'one direction of the inter-RE link drops everything: the packets one RE sends are lost, the other direction still works',
    params: [
      {
        key: 'from',
        type: 'target',
        required: true,
        description: 'Whose packets are lost: the current master or backup, or re0 / re1 by slot.',
      },
      untilEnd,
    ],
    nsrOnly: true,
  },
  {
    kind: 'inter-re-hold',
    status: 'supported',
    spec: ['F-1', 'G-8'],
    description: 'the inter-RE link holds every packet, then releases them in order',
    params: [
      {
        ...untilEnd,
        description:
          'How long packets are held before they are released; 0s or left out = held until the end of the run.',
      },
    ],
    nsrOnly: true,
  },
  {
    kind: 'backup-stall',
    status: 'supported',
    spec: ['F-1', 'P-7'],
    description:
      'the backup RE stops answering replication for a while (its inter-RE traffic is held, then delivered late): drives the PRL timeout',
    params: [
      {
        key: 'duration',
        type: 'duration',
        required: true,
        description: 'How long the backup stalls (longer than 0s).',
      },
    ],
    nsrOnly: true,
  },
  {
    kind: 'nsr-deconfig',
    status: 'supported',
    spec: ['F-1', 'K-7'],
    description: 'NSR is deconfigured on both REs (KKCM cleanup with reason NSR_DECONFIG)',
    params: [],
    nsrOnly: true,
  },
  {
    kind: 'nsr-reconfig',
    status: 'supported',
    spec: ['K-9', 'F-4'],
    description: 'NSR is configured again: KKCM reconnects and every socket is re-replicated',
    params: [],
    nsrOnly: true,
  },
  {
    kind: 'socket-failover',
    status: 'supported',
    spec: ['F-2', 'I-5', 'G-3'],
    description:
      "per-socket sync failover asked by the application holding a session's primary socket: the PFE steers that connection to the other RE, the socket's PRL and SDRL data drain, the secondary becomes primary there and is replicated back; refused (traced) when the socket is not actively replicated",
    params: [
      {
        key: 'peer',
        type: 'peer',
        required: false,
        description: 'The peer whose sessions fail over; every peer when omitted.',
      },
      {
        key: 'session',
        type: 'session',
        required: false,
        description: 'The session number (0-based) of that peer; every session when omitted.',
      },
    ],
    nsrOnly: true,
  },
  ...RTCP_FAULT_KINDS,
];

/** Fault kinds the model does not have yet: rejected with "not supported yet". */
export const PENDING_FAULTS: readonly FaultKindInfo[] = [];

/** Why each pending fault kind is rejected (appended to "… is not supported yet"). */
export const PENDING_WHY: ReadonlyMap<string, string> = new Map();

/** Router keys whose feature does not exist yet (key → why): any value is rejected. None at the moment. */
export const PENDING_ROUTER_KEYS: ReadonlyMap<string, string> = new Map();

/** Router keys that only mean something with socket replication: they need `nsr: true`. */
export const NSR_ROUTER_KEYS = [
  'design',
  'options',
  'mutant',
  'costs',
  'timers',
  'bounds',
] as const;

/** Design families a scenario can pick (`router.design`). */
export const DESIGNS: ReadonlyArray<{ id: string; description: string }> = [
  {
    id: 'jsr',
    description:
      'the Juniper socket replication design of the seeds: KKCM, IHA, PRL, SDRL and PSRM on both REs (needs nsr: true, implied when nsr is left out)',
  },
  {
    id: 'redundant-tcp',
    description:
      'the Redundant TCP internet-draft (seed 004): two stations on the wire address, the standby hearing every packet on its own path with its transmissions suppressed (no NSR; router.redundant sets it up)',
  },
  {
    id: 'gr',
    description:
      'BGP graceful restart (RFC 4724) as the baseline: no socket replication, the chassis still moves mastership; the new master reopens its BGP sessions and the peers keep its routes stale until End-of-RIB (needs a peer with app: bgp)',
  },
  {
    id: 'none',
    description:
      'a dual-RE router without NSR: a takeover starts every session afresh (nsr: false); BGP without the graceful restart capability',
  },
];
export const DESIGN_DEFAULT = 'jsr';

/** One SPEC design option: its name in `router.options`, SPEC id, allowed values, default. */
export interface OptionInfo {
  name: keyof NsrOptions;
  spec: string;
  values: readonly string[];
  default: NsrOptions[keyof NsrOptions];
}

export const OPTIONS: readonly OptionInfo[] = NSR_OPTION_INFO.map((o) => ({
  name: o.name,
  spec: o.spec,
  values: o.values,
  default: DEFAULT_NSR_OPTIONS[o.name],
}));

/** What each option decides, for the schema (the SPEC id says where the seeds disagree). */
export const OPTION_DESCRIPTIONS: Readonly<Record<keyof NsrOptions, string>> = {
  kkcmChannels:
    'KKCM channels: two by static message-type mapping (send side / receive side), one channel, or load-balanced per handle.',
  kkcmContext:
    'Where KKCM work runs: the KKCM kernel thread (a context switch per wake-up) or the interrupt/upcall path.',
  encoding:
    'Message encoding: fixed IPC structs carrying a version, or TLV converted at the KKCM boundary.',
  versions: 'Protocol version each RE speaks, [re0, re1] (version skew between the REs).',
  nackBufferFull:
    'PRL primary on NACK buffer-full: drop the queued packet (§6.2c) or requeue it to retry (§7.3c).',
  nackError:
    'PRL primary on NACK invalid-handle / not-replicating: drop (§6.2c) or push every queued packet to L4 (§7.3c).',
  prlAck: 'PRL ACKs: one per packet, in order (§12.1), or coalesced by sequence number (§7.1).',
  prlQueue: 'PRL queues of unACKed packets: one per inpcb, or one global queue.',
  oooAccounting:
    'Secondary buffer check and out-of-order data: doc (the queue counts, the arriving packet does not), count-incoming (both count), ignore-ooo (only the arriving packet counts).',
  prlL3Header:
    'The replicated packet includes the L3 header (true) or starts at the TCP header (false).',
  windowUpdate:
    'When the secondary sends window updates: immediately, delayed-ACK style, a per-socket timer, or one global timer.',
  prlTimeoutSide:
    "Which side runs the PRL replication timeout: the primary per socket, both sides per socket (the secondary watches for the peer's acknowledgements of replicated send data), or one timeout for the whole RE (§7.3e).",
  kkcmSend:
    "KKCM sending context: every message queued for the KKCM thread, or written from the client's own context when it may block (wait_ok), falling back to the queue (§8.2).",
  kkcmCleanup:
    "KKCM cleanup on NSR deconfig, other RE offline or switchover: at once, or deferred to the KKCM thread's next wake-up (§7.2b(6)).",
  socketOptionsDuringBulk:
    'Socket-option changes (SO_RCVBUF, SO_SNDBUF) after replication became active: not replicated (G-7, §4.1g), or replicated by PSRM (§6.3).',
};

/** Mutants a scenario can select (`router.mutant`): named, deliberately broken designs. */
export const MUTANTS: ReadonlyArray<{ name: string; description: string }> = Object.entries(
  MODEL_MUTANTS,
).map(([name, description]) => ({ name, description }));

/**
 * The numeric NSR overrides (`router.costs`, `timers`, `bounds`): each model field under
 * its name without the unit suffix (prlPrimaryNs → prlPrimary, prlBufferBytes →
 * prlBuffer, prlPendingMax → prlPending), with how its value is written.
 */
export interface NsrNumberKey<F extends string> {
  key: string;
  field: F;
  unit: 'duration' | 'size' | 'count';
  default: number;
}

function numberKeys<T extends object>(
  defaults: Readonly<T>,
): Array<NsrNumberKey<Extract<keyof T, string>>> {
  return (Object.keys(defaults) as Array<Extract<keyof T, string>>).map((field) => {
    const m = /^(.*?)(Ns|Bytes|Max)$/.exec(field);
    if (m === null)
      throw new Error(`catalog: NSR field ${field} has no unit suffix (Ns, Bytes, Max)`);
    const unit = m[2] === 'Ns' ? 'duration' : m[2] === 'Bytes' ? 'size' : 'count';
    return { key: m[1] ?? field, field, unit, default: defaults[field] as number };
  });
}

export const COST_KEYS: ReadonlyArray<NsrNumberKey<keyof NsrCosts>> = numberKeys(DEFAULT_NSR_COSTS);
export const TIMER_KEYS: ReadonlyArray<NsrNumberKey<keyof NsrTimers>> =
  numberKeys(DEFAULT_NSR_TIMERS);
export const BOUND_KEYS: ReadonlyArray<NsrNumberKey<keyof NsrBounds>> =
  numberKeys(DEFAULT_NSR_BOUNDS);

/** What each cost, timer and bound is, for the schema (model/nsr/options.ts has the detail). */
export const NSR_NUMBER_DESCRIPTIONS: Readonly<
  Record<keyof NsrCosts | keyof NsrTimers | keyof NsrBounds, string>
> = {
  prlPrimaryNs: 'PRL on the primary per packet: lookup, copy, header, enqueue (interrupt context).',
  prlSecondaryNs: 'PRL on the secondary per packet: lookup, buffer check, ACK, L4 input.',
  prlAckNs: 'PRL ACK handling on the primary before L4 input.',
  kkcmSwitchNs: 'KKCM thread wake-up (context switch), with kkcmContext: thread (SPEC K-10).',
  kkcmInterruptNs:
    'Extra interrupt-path time per message, with kkcmContext: interrupt (SPEC K-10).',
  kkcmPerMessageNs: 'KKCM output per message (sosend).',
  sdrlNs: 'SDRL per replicated send.',
  psrmNs: 'PSRM per message.',
  ihaNs: 'IHA per handle exchange step.',
  kkcmPeriodNs: 'KKCM periodic timer interval (SPEC K-6).',
  prlTimeoutNs:
    'PRL timeout: nothing heard from the other PRL while replicates are outstanding (SPEC P-7).',
  psrmTimeoutNs: 'PSRM replicate timeout (SPEC M-1).',
  windowDelayNs: 'Delay before a window update with windowUpdate: delack (SPEC M-3).',
  windowTimerNs: 'Timer interval with windowUpdate: socket-timer or global-timer (SPEC M-3).',
  prlBufferBytes:
    'PRL buffer for unACKed packets per RE; when full, later packets are dropped (SPEC P-8).',
  prlPendingMax: 'Packets held per socket while replication setup is in progress (SPEC P-1).',
  kkcmQueueMax: 'KKCM output queue, messages per channel (SPEC K-4).',
  sdrlInflightBytes:
    'SDRL bytes replicated but not yet ACKed by the secondary, per socket (SPEC S-1).',
};

export function faultInfo(kind: string): FaultKindInfo | undefined {
  return (
    SUPPORTED_FAULTS.find((f) => f.kind === kind) ?? PENDING_FAULTS.find((f) => f.kind === kind)
  );
}
