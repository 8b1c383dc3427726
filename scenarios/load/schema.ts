// The JSON Schema (draft 2020-12) of scenario files, built from the same tables the
// loader uses (key lists, catalog.ts, defaults.ts), so editors validate and complete
// what the loader accepts. `nsrsim schema` prints it; scenarios/schema.json is that
// output, and a test fails when the two drift apart. The schema cannot say everything
// the loader checks (fault times inside the duration, peer names a fault refers to,
// cross-field TCP rules): the loader stays the judge.
import { peerMsdpSchema, routerMsdpSchema } from './msdp-schema.ts';
import { peerBgpSchema, routerBgpSchema } from './bgp-schema.ts';
import { RECORD_BYTES_MAX, RECORD_BYTES_MIN } from '../../model/app/stream.ts';
import { CHECKERS } from '../../model/checks/index.ts';
import { DEFAULT_ROUTER, REDUNDANT_DEFAULTS } from '../../model/config.ts';
import type { LinkParams } from '../../model/net/link.ts';
import { TCP_DEFAULTS } from '../../model/tcp/defs.ts';
import { RTCP_MUTANTS } from '../../model/redundant/mutants.ts';
import { formatDuration } from '../../sim/index.ts';
import {
  BOUND_KEYS,
  COST_KEYS,
  DESIGN_DEFAULT,
  DESIGNS,
  MUTANTS,
  NSR_NUMBER_DESCRIPTIONS,
  OPTION_DESCRIPTIONS,
  OPTIONS,
  PENDING_FAULTS,
  PENDING_ROUTER_KEYS,
  PENDING_WHY,
  SUPPORTED_FAULTS,
  TIMER_KEYS,
  type FaultParam,
  type NsrNumberKey,
  type OptionInfo,
} from './catalog.ts';
import * as D from './defaults.ts';
import { TIE_BREAKS_MAX } from './load.ts';
import { NSR_VERSION_MAX, NSR_VERSION_MIN } from './nsr.ts';
import {
  DELACK_MAX_NS,
  MAX_RETRIES_MAX,
  MD5_KEY_MAX,
  MSS_MAX,
  MSS_MIN,
  WSCALE_OFF,
} from './tcp.ts';
import { formatBandwidth, formatRate, formatSize } from './units.ts';

type Schema = Record<string, unknown>;

export const DURATION_PATTERN = '^[0-9]+(\\.[0-9]+)?\\s*(ns|us|µs|ms|s|m|h)$';
export const SIZE_PATTERN = '^[0-9]+(\\.[0-9]+)?\\s*(B|KB|KiB|MB|MiB)$';
export const BANDWIDTH_PATTERN = '^([0-9]+(\\.[0-9]+)?\\s*(bps|kbps|Mbps|Gbps)|unlimited)$';
export const RATE_PATTERN = '^[0-9]+(\\.[0-9]+)?\\s*/\\s*s$';
export const NAME_PATTERN = '^[a-z0-9-]+$';

const ref = (name: string, description: string, dflt?: unknown): Schema => ({
  $ref: `#/$defs/${name}`,
  description,
  ...(dflt === undefined ? {} : { default: dflt }),
});

function link(what: string, d: Readonly<LinkParams>): Schema {
  return {
    type: 'object',
    description: `Parameters of ${what}, per direction. Every key is optional.`,
    additionalProperties: false,
    default: {},
    properties: {
      latency: ref('duration', 'One-way propagation delay.', formatDuration(d.latencyNs)),
      bandwidth: ref(
        'bandwidth',
        'Serialization rate (decimal: 1 Mbps = 1,000,000 bit/s); "unlimited" means no serialization delay.',
        formatBandwidth(d.bandwidthBps),
      ),
      jitter: ref(
        'duration',
        'Extra delay drawn uniformly from [0, jitter] per packet; jitter never reorders.',
        formatDuration(d.jitterNs),
      ),
      loss: ref('probability', 'Probability that a packet is lost.', d.loss),
      duplicate: ref('probability', 'Probability that a packet is delivered twice.', d.duplicate),
      reorder: ref(
        'probability',
        'Probability that a packet is delayed by up to reorderDelay extra and may overtake later ones.',
        d.reorder,
      ),
      reorderDelay: ref(
        'duration',
        'Largest extra delay of a reordered packet.',
        formatDuration(d.reorderDelayNs),
      ),
      mtu: {
        type: 'integer',
        minimum: D.MTU_MIN,
        maximum: D.MTU_MAX,
        description: 'Largest IP packet in bytes; larger ones are dropped.',
        default: d.mtu,
      },
      queue: ref(
        'size',
        'Transmit queue bound (KB = 1024 bytes); a packet that does not fit is tail-dropped.',
        formatSize(d.queueBytesMax),
      ),
    },
  };
}

const direction = (dir: string): Schema => ({
  type: 'object',
  additionalProperties: false,
  description: `What each session writes ${dir}.`,
  default: {},
  properties: {
    rate: ref(
      'rate',
      'Records per second per session (Poisson arrivals); "0/s" is silent.',
      formatRate(D.TRAFFIC_DEFAULT.ratePerSec),
    ),
    size: {
      description: `Total record size in bytes, header included: [min, max] inclusive, or one size. Between ${RECORD_BYTES_MIN} and ${RECORD_BYTES_MAX}.`,
      default: [D.TRAFFIC_DEFAULT.sizeMin, D.TRAFFIC_DEFAULT.sizeMax],
      anyOf: [
        { $ref: '#/$defs/size' },
        {
          type: 'array',
          prefixItems: [{ $ref: '#/$defs/size' }, { $ref: '#/$defs/size' }],
          minItems: 2,
          maxItems: 2,
        },
      ],
    },
  },
});

const rcvbuf = (who: string): Schema => ({
  type: 'object',
  additionalProperties: false,
  required: ['at', 'size'],
  description: `SPEC M-7: at \`at\` ${who} application (whichever RE is master then) sets its socket's receive buffer (SO_RCVBUF) to \`size\`; with NSR, router.options.socketOptionsDuringBulk decides whether the secondary socket follows.`,
  properties: {
    at: ref('duration', 'When the application changes the buffer (inside the run).'),
    size: ref('size', 'The new receive buffer size (1KB..1GB).'),
  },
});

const readPace = (who: string): Schema => ({
  description: `How ${who} application reads: "eager" (everything, as soon as it is readable) or { chunk, every }; either may add rcvbuf: { at, size } ({ rcvbuf } alone reads eagerly).`,
  default: 'eager',
  anyOf: [
    { const: 'eager' },
    {
      type: 'object',
      additionalProperties: false,
      required: ['chunk', 'every'],
      properties: {
        chunk: ref('size', 'Bytes read per tick.'),
        every: ref('duration', 'Time between reads.'),
        rcvbuf: rcvbuf(who),
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['rcvbuf'],
      properties: { rcvbuf: rcvbuf(who) },
    },
  ],
});

function peer(): Schema {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    description:
      'An external peer: a router with its own TCP stack on its own wire link to the PFE.',
    properties: {
      name: {
        type: 'string',
        pattern: NAME_PATTERN,
        description: 'Unique peer name (a-z, 0-9, -); faults refer to it.',
      },
      link: { ...ref('peerLink', "The peer's wire link to the router's PFE."), default: {} },
      sessions: {
        type: 'integer',
        minimum: 1,
        maximum: D.SESSIONS_PER_PEER_MAX,
        description: 'Number of TCP sessions with this peer.',
        default: D.SESSIONS_DEFAULT,
      },
      initiator: {
        enum: ['peer', 'router'],
        description: 'Who opens each session (the other side listens).',
        default: D.INITIATOR_DEFAULT,
      },
      app: {
        enum: ['stream', 'msdp', 'bgp'],
        description:
          'The application on both ends: "stream" is the verifiable record stream; "msdp" an MSDP speaker (RFC 3618; configured by msdp); "bgp" a BGP-4 speaker (RFC 4271, RFC 4724; configured by bgp).',
        default: D.APP_DEFAULT,
      },
      msdp: peerMsdpSchema(),
      bgp: peerBgpSchema(),
      traffic: {
        type: 'object',
        additionalProperties: false,
        description: 'What both ends write.',
        default: {},
        properties: {
          toRouter: direction('from the peer to the router'),
          fromRouter: direction('from the router to the peer'),
        },
      },
      read: {
        type: 'object',
        additionalProperties: false,
        description: 'How both ends read.',
        default: {},
        properties: { peer: readPace("the peer's"), router: readPace("the router's") },
      },
    },
  };
}

function faultParam(p: FaultParam): Schema {
  const dflt = p.default === undefined ? {} : { default: p.default };
  switch (p.type) {
    case 'duration':
      return ref('duration', p.description, p.default);
    case 'probability':
      return ref('probability', p.description, p.default);
    case 'target':
      return { enum: ['master', 'backup', 're0', 're1'], description: p.description, ...dflt };
    case 'side':
      return { enum: ['peer', 'router'], description: p.description, ...dflt };
    case 'peer':
      return { type: 'string', pattern: NAME_PATTERN, description: p.description, ...dflt };
    case 'session':
      return { type: 'integer', minimum: 0, description: p.description, ...dflt };
    case 'token':
      return { type: 'string', pattern: '^[!-~]{1,256}$', description: p.description, ...dflt };
    default: {
      const never: never = p.type;
      throw new Error(`schema: unknown fault parameter type ${String(never)}`);
    }
  }
}

function fault(): Schema {
  const pending = PENDING_FAULTS.map(
    (f) => `${f.kind} (${PENDING_WHY.get(f.kind) ?? 'not modelled'})`,
  ).join(', ');
  return {
    description: `A fault: kind, when (at or between) and the kind's parameters. Kinds not supported yet: ${pending}.`,
    oneOf: SUPPORTED_FAULTS.map((f) => ({
      type: 'object',
      additionalProperties: false,
      required: ['kind', ...f.params.filter((p) => p.required).map((p) => p.key)],
      description: `${f.kind} (SPEC ${f.spec.join(', ')}): ${f.description}.${f.nsrOnly ? ' Needs router.nsr: true.' : ''}`,
      oneOf: [{ required: ['at'] }, { required: ['between'] }],
      properties: {
        kind: { const: f.kind, description: f.description },
        at: ref('duration', 'The instant the fault happens (before the end of the run).'),
        between: {
          type: 'array',
          prefixItems: [{ $ref: '#/$defs/duration' }, { $ref: '#/$defs/duration' }],
          minItems: 2,
          maxItems: 2,
          description:
            'A window [lo, hi]: the instant is drawn from it with the seeded "sim/faults" stream.',
        },
        ...Object.fromEntries(f.params.map((p) => [p.key, faultParam(p)])),
      },
    })),
  };
}

function tcp(): Schema {
  const t = TCP_DEFAULTS;
  return {
    type: 'object',
    additionalProperties: false,
    description:
      'TCP option overrides for every TCP in the world (router and peers). Keys left out keep the model defaults shown.',
    default: {},
    properties: {
      mss: {
        type: 'integer',
        minimum: MSS_MIN,
        maximum: MSS_MAX,
        description: 'MSS offered in SYNs (t_mssoffer).',
        default: t.mss,
      },
      wscale: {
        anyOf: [{ type: 'integer', minimum: 0, maximum: 14 }, { const: WSCALE_OFF }],
        description: `Window scale shift requested; "${WSCALE_OFF}" = do not offer the option.`,
        default: t.wscale ?? WSCALE_OFF,
      },
      timestamps: {
        type: 'boolean',
        description: 'Offer RFC 7323 timestamps.',
        default: t.timestamps,
      },
      delack: ref(
        'duration',
        `Delayed-ACK timeout (at most ${formatDuration(DELACK_MAX_NS)}).`,
        formatDuration(t.delackNs),
      ),
      rtoMin: ref(
        'duration',
        'Lower bound on the retransmission timeout.',
        formatDuration(t.rtoMinNs),
      ),
      rtoInit: ref(
        'duration',
        'Retransmission timeout before any RTT sample.',
        formatDuration(t.rtoInitNs),
      ),
      rtoMax: ref(
        'duration',
        'Upper bound on the retransmission timeout (>= rtoMin).',
        formatDuration(t.rtoMaxNs),
      ),
      maxRetries: {
        type: 'integer',
        minimum: 0,
        maximum: MAX_RETRIES_MAX,
        description:
          "Retransmission timeouts in a row tolerated; one more drops the connection ('timeout').",
        default: t.maxRetries,
      },
      nodelay: { type: 'boolean', description: 'Disable Nagle (TF_NODELAY).', default: t.nodelay },
      sack: {
        type: 'boolean',
        description:
          'SACK (RFC 2018 blocks, RFC 6675 recovery; SPEC T-2) on the router and the peers. No single default: left out, the router does not offer it and the peers do (as FreeBSD).',
      },
      md5Key: {
        anyOf: [{ type: 'string', minLength: 1, maxLength: MD5_KEY_MAX }, { type: 'null' }],
        description:
          'TCP-MD5 key (RFC 2385; SPEC T-3) of every session, router and peers: every segment is signed, unsigned or badly signed ones are dropped; null = no MD5.',
        default: null,
      },
    },
  };
}

function option(o: OptionInfo): Schema {
  const description = `SPEC ${o.spec}: ${OPTION_DESCRIPTIONS[o.name]}`;
  switch (o.name) {
    case 'versions': {
      const v = { type: 'integer', minimum: NSR_VERSION_MIN, maximum: NSR_VERSION_MAX };
      return {
        type: 'array',
        prefixItems: [v, v],
        minItems: 2,
        maxItems: 2,
        description,
        default: o.default,
      };
    }
    case 'prlL3Header':
      return { type: 'boolean', description, default: o.default };
    default:
      return { enum: o.values, description, default: o.default };
  }
}

function numbers(
  what: string,
  keys: ReadonlyArray<NsrNumberKey<keyof typeof NSR_NUMBER_DESCRIPTIONS>>,
  rule: string,
): Schema {
  const one = (k: NsrNumberKey<keyof typeof NSR_NUMBER_DESCRIPTIONS>): Schema => {
    const d = NSR_NUMBER_DESCRIPTIONS[k.field];
    if (k.unit === 'duration') return ref('duration', d, formatDuration(k.default));
    if (k.unit === 'size')
      return ref(
        'size',
        `${d} At least 1 byte, at most ${formatSize(D.NSR_BOUND_BYTES_MAX)}.`,
        formatSize(k.default),
      );
    return {
      type: 'integer',
      minimum: 1,
      maximum: D.NSR_BOUND_COUNT_MAX,
      description: d,
      default: k.default,
    };
  };
  return {
    type: 'object',
    additionalProperties: false,
    description: `${what} (model/nsr/options.ts), by field name without the unit suffix. ${rule} Keys left out keep the defaults shown. Needs nsr: true.`,
    default: {},
    properties: Object.fromEntries(keys.map((k) => [k.key, one(k)])),
  };
}

/** The NSR keys of router: each one needs nsr: true (the loader checks that). */
function nsrKeys(): Schema {
  return {
    design: {
      enum: DESIGNS.map((d) => d.id),
      description: `Design family (SPEC O-3): ${DESIGNS.map((d) => `${d.id} = ${d.description}`).join('; ')}. Left out: ${DESIGN_DEFAULT} with nsr: true, none without.`,
      default: DESIGN_DEFAULT,
    },
    options: {
      type: 'object',
      additionalProperties: false,
      description:
        'SPEC design options: where the seed documents disagree, pick a side. Keys left out keep the SPEC defaults shown. Needs nsr: true.',
      default: {},
      properties: Object.fromEntries(OPTIONS.map((o) => [o.name, option(o)])),
    },
    mutant: {
      enum: [...MUTANTS.map((m) => m.name), ...Object.keys(RTCP_MUTANTS)],
      description:
        'A named, deliberately broken design variant that a checker must catch (GUIDE §6); none when left out. Needs nsr: true (an NSR mutant) or design: redundant-tcp (a Redundant TCP mutant). nsrsim list describes each.',
    },
    costs: numbers(
      'Per-message processing costs',
      COST_KEYS,
      `Durations, at most ${formatDuration(D.NSR_COST_NS_MAX)}.`,
    ),
    timers: numbers('NSR timers', TIMER_KEYS, 'Durations longer than 0s.'),
    bounds: numbers('NSR bounds', BOUND_KEYS, 'Sizes (KB = 1024 bytes) and counts, at least 1.'),
  };
}

/** router.redundant: design redundant-tcp only (scenarios/load/design.ts). */
function redundantSchema(): Schema {
  return {
    type: 'object',
    additionalProperties: false,
    description: 'Redundant TCP settings (seed 004, SPEC R-1 … R-7). Needs design: redundant-tcp.',
    default: {},
    properties: {
      standbyPath: {
        ...ref(
          'reLink',
          "Station 1's receive path (the standby at boot): overrides of reLink for the packets it hears (R-1, R-5).",
        ),
        default: {},
      },
      bootTimeout: ref(
        'duration',
        'How long a booting station waits for its counterpart to be ready (R-4).',
        formatDuration(REDUNDANT_DEFAULTS.bootTimeoutNs),
      ),
      clockOffset: ref(
        'duration',
        "How far behind station 1's application timing runs (§4.1.2.2.1: the packet-time granularity claim).",
        formatDuration(REDUNDANT_DEFAULTS.clockOffsetNs),
      ),
    },
  };
}

function router(): Schema {
  const pending = Object.fromEntries(
    [...PENDING_ROUTER_KEYS].map(([k, why]) => [
      k,
      { description: `Not supported yet: ${why}.`, not: {} },
    ]),
  );
  return {
    type: 'object',
    additionalProperties: false,
    description: 'The dual-RE router under test.',
    default: {},
    properties: {
      nsr: {
        type: 'boolean',
        description:
          'Non-Stop Routing: replicate every socket to the backup RE. design, options, mutant, costs, timers, bounds and the NSR fault kinds need true.',
        default: DEFAULT_ROUTER.nsr,
      },
      ...nsrKeys(),
      ...pending,
      interRe: { ...ref('interReLink', 'The link between the two REs.'), default: {} },
      reLink: { ...ref('reLink', 'Each PFE<->RE internal link.'), default: {} },
      redundant: redundantSchema(),
      pfeSwitch: ref(
        'duration',
        'GRES: time the PFE takes to switch to a new master (SPEC F-3).',
        formatDuration(DEFAULT_ROUTER.pfeSwitchNs),
      ),
      masterDetect: ref(
        'duration',
        "Time for the backup's chassis daemon to notice the master is gone.",
        formatDuration(DEFAULT_ROUTER.masterDetectNs),
      ),
      socketBuffer: ref(
        'size',
        'so_rcv / so_snd high-water mark of every socket (KB = KiB = 1024 bytes).',
        formatSize(DEFAULT_ROUTER.socketBufferBytes),
      ),
      tcp: tcp(),
      msdp: routerMsdpSchema(),
      bgp: routerBgpSchema(),
    },
  };
}

function defs(): Schema {
  return {
    duration: {
      type: 'string',
      pattern: DURATION_PATTERN,
      description:
        'A duration with a unit: ns, us (or µs), ms, s, m, h; e.g. "250us", "1.5ms", "20s".',
    },
    size: {
      description:
        'Bytes: a whole number, or a number with a unit B, KB = KiB = 1024 B, MB = MiB = 1024 KiB (e.g. "64KB", "1.5MB").',
      anyOf: [
        { type: 'integer', minimum: 0 },
        { type: 'string', pattern: SIZE_PATTERN },
      ],
    },
    bandwidth: {
      type: 'string',
      pattern: BANDWIDTH_PATTERN,
      description:
        'Bits per second with a decimal unit: bps, kbps, Mbps, Gbps (e.g. "100Mbps"); or "unlimited".',
    },
    rate: {
      type: 'string',
      pattern: RATE_PATTERN,
      description: 'Records per second, e.g. "200/s" or "0.5/s".',
    },
    probability: {
      type: 'number',
      minimum: 0,
      maximum: 1,
      description: 'A probability in [0, 1].',
    },
    checkerId: {
      enum: CHECKERS.map((c) => c.id),
      description: 'An invariant checker id (nsrsim list).',
    },
    peerLink: link("a peer's wire link", D.PEER_LINK_DEFAULT),
    interReLink: link('the inter-RE link', D.INTER_RE_LINK_DEFAULT),
    reLink: link('a PFE<->RE internal link', D.RE_LINK_DEFAULT),
    peer: peer(),
    fault: fault(),
  };
}

/** The keys that say how a run is judged and replayed: checks, expect, traceHash, tieBreaks. */
function verdictProperties(): Record<string, unknown> {
  const checkerList = { type: 'array', items: { $ref: '#/$defs/checkerId' }, uniqueItems: true };
  return {
    checks: {
      description: 'Invariant checkers to run: "all" or a list of ids.',
      default: D.CHECKS_DEFAULT,
      anyOf: [{ const: 'all' }, checkerList],
    },
    expect: {
      description:
        'The verdict the scenario should produce: "pass" (no violation) or { fail: [ids] } (every listed checker fires).',
      default: D.EXPECT_DEFAULT,
      anyOf: [
        { const: 'pass' },
        {
          type: 'object',
          additionalProperties: false,
          required: ['fail'],
          properties: {
            fail: { ...checkerList, minItems: 1, description: 'Checkers that must fire.' },
          },
        },
      ],
    },
    traceHash: {
      type: 'string',
      pattern: '^[0-9a-f]{64}$',
      description:
        'Recorded SHA-256 trace hash; nsrsim replay compares against it. No hash: nothing to compare.',
    },
    tieBreaks: {
      type: 'array',
      items: { type: 'integer', minimum: 0 },
      maxItems: TIE_BREAKS_MAX,
      description:
        'Same-instant tie-break choices: when several events are due at the same instant, the next choice (modulo their number) picks which runs first. [] = FIFO. nsrsim fuzz writes them into the scenarios it finds.',
      default: [],
    },
  };
}

export function buildSchema(): Schema {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'nsrsim scenario',
    description:
      'A scenario for nsrsim: the router, its peers, the traffic, the faults, the checks and the expected verdict. See scenarios/README.md.',
    type: 'object',
    additionalProperties: false,
    required: ['name', 'seed', 'duration', 'peers'],
    properties: {
      name: {
        type: 'string',
        pattern: NAME_PATTERN,
        description: 'Scenario name (a-z, 0-9, -); names output files.',
      },
      description: {
        type: 'string',
        description: 'What the scenario shows, for people.',
        default: '',
      },
      seed: {
        type: 'integer',
        minimum: 0,
        description: 'Root seed of every random stream (nsrsim run --seed overrides it).',
      },
      duration: ref('duration', 'Simulated time the run lasts.'),
      maxEvents: {
        type: 'integer',
        minimum: 1,
        description: 'Bound on events; hitting it fails the run instead of hanging.',
        default: D.MAX_EVENTS_DEFAULT,
      },
      holdTime: ref(
        'duration',
        'Application hold timer (BGP: 90s): a peer session that hears nothing this long fails peer-transparent (SPEC G-9).',
        formatDuration(D.HOLD_TIME_NS_DEFAULT),
      ),
      router: router(),
      peers: {
        type: 'array',
        minItems: 1,
        maxItems: D.PEERS_MAX,
        items: { $ref: '#/$defs/peer' },
        description: 'The external peers (1 to 254, unique names).',
      },
      faults: {
        type: 'array',
        maxItems: D.FAULTS_MAX,
        items: { $ref: '#/$defs/fault' },
        description: 'Faults injected during the run.',
        default: [],
      },
      ...verdictProperties(),
    },
    $defs: defs(),
  };
}

/** The schema as written to scenarios/schema.json. */
export function schemaText(): string {
  return `${JSON.stringify(buildSchema(), null, 2)}\n`;
}
