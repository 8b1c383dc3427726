// fast-check arbitraries that generate whole scenarios (GUIDE §7): the router with NSR,
// 1–2 peers with 1–3 sessions in all, random traffic and read behaviour, random design
// options, a swarm of fault families with faults at random instants, and a list of
// tie-break choices for same-instant events. The value is the Scenario the YAML loader
// produces (scenarios/load.ts), so a generated case runs exactly like a file, and
// `toYaml` (yaml.ts) prints it as one.
//
// Shrinking: everything is built with `map` from plain fast-check values (integers that
// shrink towards 0, booleans towards false, arrays towards empty), never `chain`, so
// fast-check's shrinker works on the whole structure: fewer faults, fewer families,
// fewer peers and sessions, earlier instants, default options, an empty tie-break list
// (= FIFO), a shorter run.
import fc from 'fast-check';
import type {
  FaultAction,
  FaultConfig,
  PeerConfig,
  RouterConfig,
  WorldConfig,
} from '../../model/config.ts';
import type { TcpOptionsConfig } from '../../model/tcp/tcp.ts';
import type { MutantName, NsrOptions } from '../../model/nsr/options.ts';
import type { LinkParams } from '../../model/net/link.ts';
import { MS, SEC, US } from '../../sim/index.ts';
import {
  INTER_RE_LINK_DEFAULT,
  PEER_LINK_DEFAULT,
  READ_DEFAULT,
  RE_LINK_DEFAULT,
  TRAFFIC_DEFAULT,
} from '../load/defaults.ts';
import { DEFAULT_ROUTER } from '../../model/config.ts';
import { generateSources, SA_ADVERTISEMENT_PERIOD_NS } from '../../model/app/msdp/defs.ts';
import { appPeer } from './app-peer.ts';
import { fuzzBgp } from './bgp.ts';
import type { Scenario } from '../load/load.ts';
import {
  FAMILY_NAMES,
  FAULT_FAMILIES,
  optionChoices,
  repairUnsafe,
  type FamilyName,
  type Swarm,
} from './families.ts';
import { saneSchedule } from './schedule.ts';
import { SUPPORTED_FAULTS } from '../load/catalog.ts';
import { faultNotApplicable } from '../load/design.ts';

/** A generated run: the scenario (its `tieBreaks` included) and the swarm that shaped it. */
export interface FuzzCase {
  scenario: Scenario;
  swarm: Swarm;
}

export interface FuzzArbOptions {
  /**
   * The design the cases run (default jsr, which draws exactly as before designs existed).
   * redundant-tcp (seed 004): the same draws, the router without NSR as two stations, and
   * the faults that do not apply to it (the NSR ones, switchover, ...) left out.
   */
  design?: 'jsr' | 'redundant-tcp';
  /** Select this mutant (router.mutant) and bias the generator towards what it needs (bias.ts). */
  mutant?: MutantName | undefined;
  /** Leave out KNOWN_UNSAFE_OPTIONS (the "correct design" property). Default true. */
  safeOnly?: boolean;
  /** Design options always set to these values (a mutant's bias); the others are drawn. */
  forceOptions?: Partial<NsrOptions>;
  /** Families always on (a mutant's bias); the others are drawn. */
  forceFamilies?: readonly FamilyName[];
  /** Only these families may be on (a mutant's bias); default all. */
  families?: readonly FamilyName[];
  /** Router TCP settings always applied (a mutant's bias: timestamps, SACK, an MD5 key). */
  routerTcp?: Partial<TcpOptionsConfig>;
  /** Within each enabled family, only these fault kinds (a mutant's bias); default every kind. */
  kinds?: readonly FaultAction['kind'][];
  /** At least this many faults drawn (before the schedule is made sane). Default 0. */
  minFaults?: number;
  /** Least rate (records/s per session) towards the router / from the router. */
  toRouterMinPerSec?: number;
  /** Greatest rate towards the router (0: the peers never write, so they never ACK unprompted). */
  toRouterMaxPerSec?: number;
  fromRouterMinPerSec?: number;
  /** Least record size in bytes (large records span several KKCM segments). */
  recordBytesMin?: number;
  /** router.bounds / router.costs overrides (a mutant's bias: e.g. a small PRL buffer). */
  nsrBounds?: RouterConfig['nsrBounds'];
  nsrCosts?: RouterConfig['nsrCosts'];
  /** Length of the heal phase (default FUZZ_LIMITS.healNs); liveness needs 5 s of it. */
  healNs?: number;
  /** Traffic that keeps flow control busy: small socket buffers and slow router readers. */
  busyFlowControl?: boolean;
  /** The peers' applications read slowly and socket buffers are small: the router's send window closes. */
  slowPeerReads?: boolean;
  /** Let inter-RE outages run the PRL timeout (schedule.ts); default false. */
  allowPrlTimeout?: boolean;
  /** Keep switchovers asked for during a re-synchronization (schedule.ts; the chassis must refuse them, F-6). */
  allowUnsyncedSwitchover?: boolean;
  /** At most this many faults (before the schedule is made sane). Default 6. */
  maxFaults?: number;
  /** At most this many tie-break choices. Default 32. */
  maxTieBreaks?: number;
  /** Simulated duration range in ms. Default 1000..4000. */
  durationMs?: readonly [number, number];
  /**
   * Add two MSDP peers (issue 14) next to the stream peers, with the router and both
   * originating SAs on timers scaled to converge in a second (fuzzMsdp()). No draw: the
   * rest of the case is what it would be without them.
   */
  msdp?: boolean;
  /** Add two BGP peers (issue 15) and the router's speaker (scenarios/fuzz/bgp.ts). No draw. */
  bgp?: boolean;
  /**
   * Which applications a case's peers run (issues 14 and 15: "the fuzz arbitraries can draw
   * MSDP / BGP peers"). 'stream' (the default): the stream peers only, drawn exactly as
   * before this option existed, so every recorded seed still gives its case. 'mixed': each
   * case also draws whether to add the MSDP peers and whether to add the BGP peers (either,
   * both or neither), as `msdp` / `bgp` would; `msdp: true` / `bgp: true` still force them.
   */
  apps?: FuzzApps;
}

/** The applications a campaign's cases run (FuzzArbOptions.apps, `nsrsim fuzz --apps`). */
export type FuzzApps = 'stream' | 'mixed';
export const FUZZ_APPS: readonly FuzzApps[] = ['stream', 'mixed'];

/** Bounds that keep a generated run well under a second of wall time. */
export const FUZZ_LIMITS = {
  peersMax: 2,
  sessionsMax: 3,
  durationMsMin: 1500,
  durationMsMax: 4000,
  ratePerSecMax: 150,
  recordBytesMax: 4096,
  maxEvents: 600_000,
  faultsMax: 6,
  tieBreaksMax: 32,
  /** Faults happen after the sessions are up and replicated. */
  warmupNs: 300 * MS,
  /**
   * Every fault is over this long before the end (GUIDE §7's two phases: faults, then
   * heal): the checkers that judge the end state (identical-data's survivor rule,
   * no-loss-sync) see a router that had time to recover (a peer RTO or two).
   */
  healNs: 1000 * MS,
  faultDurationMsMax: 1500,
} as const;

const PEER_NAMES = ['pa', 'pb'] as const;
const BANDWIDTHS = [0, 10_000_000, 100_000_000, 1_000_000_000] as const;
const SOCKET_BUFFERS = [65536, 16384, 8192] as const;

/** One generated fault before it is placed: picks are resolved against the swarm and the peers. */
interface RawFault {
  family: number;
  kind: number;
  /** Position of the instant inside the fault window, in millionths. */
  atPpm: number;
  durationMs: number;
  target: number;
  peer: number;
  prob: number;
}

const rawFaultArb: fc.Arbitrary<RawFault> = fc.record({
  family: fc.nat({ max: 15 }),
  kind: fc.nat({ max: 15 }),
  // noBias: instants spread over the whole window (fast-check otherwise favours the ends).
  atPpm: fc.noBias(fc.nat({ max: 999_999 })),
  durationMs: fc.integer({ min: 1, max: FUZZ_LIMITS.faultDurationMsMax }),
  target: fc.nat({ max: 3 }),
  peer: fc.nat({ max: 2 }),
  prob: fc.integer({ min: 1, max: 100 }),
});

interface RawPeer {
  latencyUs: number;
  bandwidth: number;
  initiatorRouter: boolean;
  toRouter: RawTraffic;
  fromRouter: RawTraffic;
  peerRead: RawRead;
  routerRead: RawRead;
}

interface RawTraffic {
  rate: number;
  sizeA: number;
  sizeB: number;
}

interface RawRead {
  paced: boolean;
  chunkKb: number;
  everyMs: number;
}

const trafficArb = (
  min: number,
  sizeMin: number,
  max: number = FUZZ_LIMITS.ratePerSecMax,
): fc.Arbitrary<RawTraffic> =>
  fc.record({
    rate: fc.integer({ min: Math.min(min, max), max }),
    sizeA: fc.integer({ min: sizeMin, max: FUZZ_LIMITS.recordBytesMax }),
    sizeB: fc.integer({ min: sizeMin, max: FUZZ_LIMITS.recordBytesMax }),
  });

const readArb = (busy: boolean): fc.Arbitrary<RawRead> =>
  fc.record({
    paced: busy ? fc.constant(true) : fc.boolean(),
    chunkKb: fc.integer({ min: 1, max: 8 }),
    everyMs: fc.integer({ min: 5, max: 50 }),
  });

const rawPeerArb = (o: FuzzArbOptions): fc.Arbitrary<RawPeer> => {
  const busy = o.busyFlowControl === true;
  const sizeMin = Math.max(13, o.recordBytesMin ?? 13);
  return fc.record({
    latencyUs: fc.nat({ max: 5000 }),
    bandwidth: fc.nat({ max: BANDWIDTHS.length - 1 }),
    initiatorRouter: fc.boolean(),
    toRouter: trafficArb(
      Math.max(busy ? 50 : 0, o.toRouterMinPerSec ?? 0),
      sizeMin,
      o.toRouterMaxPerSec,
    ),
    fromRouter: trafficArb(o.fromRouterMinPerSec ?? 0, sizeMin),
    peerRead: readArb(o.slowPeerReads === true),
    routerRead: readArb(busy),
  });
};

/** Option picks: index 0 = leave the option out (its default), i > 0 = the (i-1)th allowed value. */
function optionsArb(safeOnly: boolean): fc.Arbitrary<Partial<NsrOptions>> {
  const choices = optionChoices();
  return fc.tuple(...choices.map((c) => fc.nat({ max: c.values.length }))).map((picks) => {
    const out: Record<string, unknown> = {};
    choices.forEach((c, i) => {
      const p = picks[i] ?? 0;
      if (p > 0) out[c.option] = c.values[p - 1];
    });
    return safeOnly ? repairUnsafe(out as Partial<NsrOptions>) : (out as Partial<NsrOptions>);
  });
}

function swarmArb(force: readonly FamilyName[], only: readonly FamilyName[]): fc.Arbitrary<Swarm> {
  const part = (f: FamilyName): fc.Arbitrary<boolean> =>
    force.includes(f) ? fc.constant(true) : only.includes(f) ? fc.boolean() : fc.constant(false);
  return fc.record(
    Object.fromEntries(FAMILY_NAMES.map((f) => [f, part(f)])) as Record<
      FamilyName,
      fc.Arbitrary<boolean>
    >,
  );
}

/** Generates fuzz cases (scenario + tie-breaks + swarm). */
export function fuzzCaseArb(opts: FuzzArbOptions = {}): fc.Arbitrary<FuzzCase> {
  // 'stream' adds no draw: the same values from the same seed as before `apps` existed.
  if (opts.apps !== 'mixed') return rawCaseArb(opts).map((r) => buildCase(r, opts));
  // 'mixed': the protocol picks come first, so fast-check tries dropping the protocol
  // peers (booleans shrink to false) before anything else: a finding that does not need
  // them comes out without them, and the runs of the rest of its shrink are shorter.
  return fc
    .tuple(appsArb(opts), rawCaseArb(opts))
    .map(([apps, r]) => buildCase(r, { ...opts, msdp: apps.msdp, bgp: apps.bgp }));
}

/** Whether a 'mixed' case adds the MSDP and the BGP peers; an option set to true forces them. */
function appsArb(opts: FuzzArbOptions): fc.Arbitrary<{ msdp: boolean; bgp: boolean }> {
  return fc.record({
    msdp: opts.msdp === true ? fc.constant(true) : fc.boolean(),
    bgp: opts.bgp === true ? fc.constant(true) : fc.boolean(),
  });
}

function rawCaseArb(opts: FuzzArbOptions) {
  const safeOnly = opts.safeOnly ?? true;
  const busy = opts.busyFlowControl ?? false;
  const minDurationMs =
    Math.ceil((FUZZ_LIMITS.warmupNs + (opts.healNs ?? FUZZ_LIMITS.healNs)) / MS) + 200;
  const [dMin, dMax] = opts.durationMs ?? [FUZZ_LIMITS.durationMsMin, FUZZ_LIMITS.durationMsMax];
  // Field order is shrink order: fast-check tries the first field's shrinks first, so
  // the ones that make a file smaller come first and the world seed (a new seed is a
  // new run, which seldom fails the same way) comes last.
  return fc.record({
    faults: fc.array(rawFaultArb, {
      minLength: opts.minFaults ?? 0,
      maxLength: Math.max(opts.minFaults ?? 0, opts.maxFaults ?? FUZZ_LIMITS.faultsMax),
    }),
    swarm: swarmArb(opts.forceFamilies ?? [], opts.families ?? FAMILY_NAMES),
    peers: fc.array(rawPeerArb(opts), { minLength: 1, maxLength: FUZZ_LIMITS.peersMax }),
    sessions: fc.array(fc.integer({ min: 1, max: FUZZ_LIMITS.sessionsMax }), {
      minLength: 2,
      maxLength: 2,
    }),
    tieBreaks: fc.array(fc.nat({ max: 7 }), {
      maxLength: opts.maxTieBreaks ?? FUZZ_LIMITS.tieBreaksMax,
    }),
    options: optionsArb(safeOnly).map((o) => ({ ...o, ...opts.forceOptions })),
    durationMs: fc.integer({
      min: Math.max(dMin, minDurationMs),
      max: Math.max(dMax, minDurationMs),
    }),
    socketBuffer: fc.nat({
      max: busy || opts.slowPeerReads === true ? 0 : SOCKET_BUFFERS.length - 1,
    }),
    seed: fc.nat({ max: 0x7fffffff }),
    // Last, so shrinking tries it after everything else: TCP timestamps (RFC 7323) on the
    // router's sessions, whose state PSRM must carry across a takeover (M-6, T-4).
    timestamps: fc.boolean(),
    // SACK (RFC 2018/6675) on every session: a primary's SACK blocks must cover only bytes
    // its secondary holds (T-2), and a takeover must keep the scoreboard sane.
    sack: fc.boolean(),
  });
}

type RawCase = ReturnType<typeof rawCaseArb> extends fc.Arbitrary<infer T> ? T : never;

/** Turns the drawn values into a scenario: peers, router, a sane fault schedule. */
function buildCase(r: RawCase, opts: FuzzArbOptions): FuzzCase {
  const busy = opts.busyFlowControl ?? false;
  const durationNs = r.durationMs * MS;
  const peers = buildPeers(r.peers, r.sessions);
  const msdp = opts.msdp === true ? fuzzMsdp() : undefined;
  if (msdp !== undefined) peers.push(...msdp.peers);
  const bgp = opts.bgp === true ? fuzzBgp() : undefined;
  if (bgp !== undefined) peers.push(...bgp.peers);
  const buffer =
    busy || opts.slowPeerReads === true
      ? (SOCKET_BUFFERS[2] as number)
      : (SOCKET_BUFFERS[r.socketBuffer] as number);
  const router = {
    ...buildRouter(buffer, r.options, opts.mutant),
    tcp: {
      ...(r.timestamps ? { timestamps: true } : {}),
      ...(r.sack ? { sack: true } : {}),
      ...opts.routerTcp,
    },
    nsrBounds: { ...opts.nsrBounds },
    nsrCosts: { ...opts.nsrCosts },
    ...(msdp === undefined ? {} : { msdp: msdp.router }),
    ...(bgp === undefined ? {} : { bgp: bgp.router }),
  };
  const healNs = opts.healNs ?? FUZZ_LIMITS.healNs;
  const placed = r.faults
    .map((f) => placeFault(f, r.swarm, peers, durationNs, healNs, opts.kinds))
    .filter((f): f is FaultConfig => f !== undefined)
    .filter((f) => opts.design !== 'redundant-tcp' || appliesToRedundant(f.action.kind));
  if (opts.design === 'redundant-tcp') Object.assign(router, redundantRouter());
  const faults = saneSchedule(placed, {
    durationNs,
    masterDetectNs: router.masterDetectNs,
    pfeSwitchNs: router.pfeSwitchNs,
    allowPrlTimeout: opts.allowPrlTimeout === true,
    allowUnsyncedSwitchover: opts.allowUnsyncedSwitchover === true,
    // The guard-off mutant's hunt needs the early switchovers the guard would refuse.
    ...(msdp === undefined || opts.mutant === 'msdp-guard-off'
      ? {}
      : { plannedSwitchoverGuard: msdpGuardPeriods(msdp.router) }),
  });
  const config: WorldConfig = {
    name: 'fuzz',
    seed: r.seed,
    durationNs,
    router,
    peers,
    faults,
    maxEvents: FUZZ_LIMITS.maxEvents,
    holdTimeNs: 90 * SEC,
  };
  const scenario: Scenario = {
    name: 'fuzz',
    description: describeSwarm(r.swarm, opts.mutant),
    config,
    checks: 'all',
    expect: 'pass',
    tieBreaks: r.tieBreaks,
    file: '<generated>',
  };
  return { scenario, swarm: r.swarm };
}

/** A fault kind the redundant-tcp design has (scenarios/load/design.ts says which do not). */
function appliesToRedundant(kind: FaultAction['kind']): boolean {
  const nsrOnly = SUPPORTED_FAULTS.find((k) => k.kind === kind)?.nsrOnly === true;
  return !nsrOnly && faultNotApplicable(kind, 'redundant-tcp') === undefined;
}

/** The drawn router as design redundant-tcp: no NSR, no NSR mutant, default stations. */
function redundantRouter(): Partial<RouterConfig> {
  return { nsr: false, design: 'redundant-tcp', mutant: undefined };
}

/** Generates scenarios only (the Scenario object the loader produces). */
export function scenarioArb(opts: FuzzArbOptions = {}): fc.Arbitrary<Scenario> {
  return fuzzCaseArb(opts).map((c) => c.scenario);
}

/** The swarm as the scenario's description: the file shows its full configuration. */
export function describeSwarm(swarm: Swarm, mutant: MutantName | undefined): string {
  const on = FAMILY_NAMES.filter((f) => swarm[f]);
  const off = FAMILY_NAMES.filter((f) => !swarm[f]);
  return `generated by nsrsim fuzz; fault families on: ${on.join(', ') || 'none'}; off: ${off.join(', ') || 'none'}${mutant === undefined ? '' : `; mutant ${mutant}`}`;
}

function buildPeers(raw: readonly RawPeer[], sessions: readonly number[]): PeerConfig[] {
  // 1–3 sessions in all: the first peer takes its draw, the second what is left (at least 1).
  const s0 =
    raw.length === 1 ? (sessions[0] ?? 1) : Math.min(sessions[0] ?? 1, FUZZ_LIMITS.sessionsMax - 1);
  const s1 = Math.max(1, Math.min(sessions[1] ?? 1, FUZZ_LIMITS.sessionsMax - s0));
  return raw.map((p, i) => {
    const link: LinkParams = {
      ...PEER_LINK_DEFAULT,
      latencyNs: p.latencyUs * US,
      bandwidthBps: BANDWIDTHS[p.bandwidth] ?? 0,
    };
    return {
      name: PEER_NAMES[i] ?? `p${i}`,
      link,
      sessions: i === 0 ? s0 : s1,
      initiator: p.initiatorRouter ? 'router' : 'peer',
      toRouter: traffic(p.toRouter),
      fromRouter: traffic(p.fromRouter),
      peerRead: read(p.peerRead),
      routerRead: read(p.routerRead),
    };
  });
}

/**
 * MSDP for fuzz runs (a few simulated seconds): RFC 3618's periods scaled down (SA refresh
 * 2 s on a 100 ms slot grid; SA state 3.8 s, so one missed refresh shows while a refresh
 * a takeover's TCP recovery delays by up to 1.8 s does not; KeepAlive 2 s, Hold 6 s,
 * ConnectRetry 1 s); the router connects at start (lower address, D-1), every source is up
 * within the first period. The F-5 guard scales with the refresh period.
 */
export function fuzzMsdp(): { peers: PeerConfig[]; router: NonNullable<RouterConfig['msdp']> } {
  const timers = {
    saAdvertisementNs: 2 * SEC,
    sgStateNs: 3800 * MS,
    keepAliveNs: 2 * SEC,
    holdTimeNs: 6 * SEC,
    connectRetryNs: SEC,
    slotNs: 100 * MS,
  };
  const speaker = (n: number, src: number, group: number): NonNullable<PeerConfig['app']> => ({
    kind: 'msdp',
    origination: { sources: generateSources(n, src, group) },
    timers,
    saEntriesPerTlv: 121,
  });
  const peer = (name: string, src: number, group: number): PeerConfig =>
    appPeer(name, speaker(4, src, group));
  const { kind: _kind, ...router } = speaker(20, 0xc0a80001, 0xe8010001);
  return {
    peers: [peer('ma', 0xac100101, 0xe8020001), peer('mb', 0xac100201, 0xe8030001)],
    router: { ...router, rpf: [], nsr: true, guard: true },
  };
}

/** F-5's periods as the chassis applies them to these MSDP timers (model/world.ts guardOptions). */
function msdpGuardPeriods(r: NonNullable<RouterConfig['msdp']>): {
  afterReplicationNs: number;
  betweenNs: number;
} {
  const p = r.timers?.saAdvertisementNs ?? SA_ADVERTISEMENT_PERIOD_NS;
  return { afterReplicationNs: p, betweenNs: 4 * p };
}

function traffic(t: RawTraffic): PeerConfig['toRouter'] {
  return {
    ratePerSec: t.rate,
    sizeMin: Math.min(t.sizeA, t.sizeB),
    sizeMax: Math.max(t.sizeA, t.sizeB),
  };
}

function read(r: RawRead): PeerConfig['peerRead'] {
  return r.paced
    ? { chunkBytes: r.chunkKb * 1024, intervalNs: r.everyMs * MS }
    : { chunkBytes: 0, intervalNs: 0 };
}

function buildRouter(
  socketBufferBytes: number,
  nsrOptions: Partial<NsrOptions>,
  mutant: MutantName | undefined,
): RouterConfig {
  return {
    ...DEFAULT_ROUTER,
    nsr: true,
    interRe: { ...INTER_RE_LINK_DEFAULT },
    reLink: { ...RE_LINK_DEFAULT },
    socketBufferBytes,
    tcp: {},
    nsrOptions,
    nsrCosts: {},
    nsrTimers: {},
    nsrBounds: {},
    mutant,
  };
}

/** Resolves a raw fault against the enabled families (none enabled: no fault) and places it in the window. */
function placeFault(
  f: RawFault,
  swarm: Swarm,
  peers: readonly PeerConfig[],
  durationNs: number,
  healNs: number,
  only: readonly FaultAction['kind'][] | undefined,
): FaultConfig | undefined {
  const on = FAMILY_NAMES.filter(
    (n) => swarm[n] && (only === undefined || FAULT_FAMILIES[n].some((k) => only.includes(k))),
  );
  if (on.length === 0) return undefined;
  const family = on[f.family % on.length] as FamilyName;
  const kinds =
    only === undefined
      ? FAULT_FAMILIES[family]
      : FAULT_FAMILIES[family].filter((k) => only.includes(k));
  const kind = kinds[f.kind % kinds.length] as FaultAction['kind'];
  // Faults happen between the warm-up and the heal phase, rounded to the microsecond,
  // and are over when the heal phase starts.
  const endNs = durationNs - healNs;
  const span = Math.max(0, endNs - FUZZ_LIMITS.warmupNs - MS);
  const atNs = FUZZ_LIMITS.warmupNs + Math.floor((span / US) * (f.atPpm / 1_000_000)) * US;
  const lastingNs = Math.max(MS, Math.min(f.durationMs * MS, endNs - atNs));
  return { when: { atNs }, action: buildAction(kind, f, peers, lastingNs) };
}

const TARGETS = ['master', 'backup', 're0', 're1'] as const;

function buildAction(
  kind: FaultAction['kind'],
  f: RawFault,
  peers: readonly PeerConfig[],
  durationNs: number,
): FaultAction {
  const target = TARGETS[f.target % TARGETS.length] ?? 'master';
  const peer = f.peer === 0 ? undefined : peers[(f.peer - 1) % peers.length]?.name;
  const prob = f.prob / 100;
  switch (kind) {
    case 're-crash':
    case 're-restart':
    case 'kkcm-io-error':
      return { kind, target };
    case 'switchover':
    case 'nsr-deconfig':
    case 'nsr-reconfig':
      return { kind };
    case 'app-stall':
      return f.target < 2
        ? { kind, side: 'peer', peer, durationNs }
        : {
            kind,
            side: 'router',
            peer: undefined,
            durationNs,
            re: f.target === 2 ? 'master' : 'backup',
          };
    case 'wire-loss':
      return { kind, peer, loss: prob, durationNs };
    case 'wire-reorder':
      return { kind, peer, reorder: prob, durationNs };
    case 'wire-partition':
      return { kind, peer, durationNs };
    case 'inter-re-down':
    case 'inter-re-hold':
    case 'backup-stall':
      return { kind, durationNs };
    case 'inter-re-partition':
      return { kind, from: target, durationNs };
    case 'pfe-switch-delay':
      return { kind, switchNs: durationNs };
    case 'socket-failover': {
      // One session of one peer, or (target 0) every session of the peer(s).
      const p = peer === undefined ? undefined : peers.find((x) => x.name === peer);
      const n = p === undefined ? Math.min(...peers.map((x) => x.sessions)) : p.sessions;
      return { kind, peer, session: f.target === 0 || n <= 0 ? undefined : f.prob % n };
    }
    case 'station-deactivate':
    case 'standby-path-loss':
    case 'station-clock-offset':
    case 'operator-config':
      // Redundant TCP's own faults are in no fault family: never drawn.
      throw new Error(`fuzz: fault kind ${kind} is not drawn`);
    default: {
      const never: never = kind;
      throw new Error(`fuzz: no builder for fault kind ${String(never)}`);
    }
  }
}
