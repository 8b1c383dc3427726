// Builds a whole simulated world from a WorldConfig: the router (two REs, the PFE, the
// chassis, internal and inter-RE links), the external peers on their wire links, the
// application sessions, and the scheduled faults; then runs it and gathers statistics.
//
// Addresses: the router is 10.0.0.1; peer k is 10.0.1.(k+1); the REs' internal
// addresses are 128.0.0.1 (RE0) and 128.0.0.4 (RE1), as on a Junos chassis.
import {
  Observers,
  Simulation,
  type Actor,
  type HasherFactory,
  type ActorId,
  type LivenessCheck,
  type RunResult,
  type SafetyCheck,
  type TraceSink,
  type Violation,
} from '../sim/index.ts';
import type { SessionStats, StreamSession } from './app/session.ts';
import { Chassis, type ChassisWiring, type FaultMsg } from './router/chassis.ts';
import { routerDesign, type RouterConfig, type WorldConfig } from './config.ts';
import {
  DEFAULT_GUARD,
  plannedSwitchoverGuard,
  type GuardVerdict,
  type SwitchoverGuardOptions,
} from './app/msdp/guard.ts';
import { SA_ADVERTISEMENT_PERIOD_NS } from './app/msdp/defs.ts';
import { Link, type LinkCounters, type LinkParams, type LinkTap } from './net/link.ts';
import { Peer } from './peer.ts';
import { Pfe, type PfeCounters } from './router/pfe.ts';
import { Iha } from './nsr/iha.ts';
import type { NsrIds, NsrState } from './nsr/state.ts';
import { Kkcm, type KkcmCounters } from './nsr/kkcm.ts';
import {
  DEFAULT_NSR_BOUNDS,
  DEFAULT_NSR_COSTS,
  DEFAULT_NSR_OPTIONS,
  DEFAULT_NSR_TIMERS,
  isMutant,
} from './nsr/options.ts';
import { Prl } from './nsr/prl.ts';
import { Psrm } from './nsr/psrm.ts';
import { Sdrl } from './nsr/sdrl.ts';
import { RoutingEngine, type RePeerInfo, type ReNsrConfig } from './router/re.ts';
import { parseIpv4, type Ipv4 } from './net/segment.ts';
import type { Interface } from './net/host.ts';
import { ACTOR, LINK, NSR_SUBSYSTEMS, type ReIndex } from './vocab.ts';
import { RedundantRouter } from './redundant/build.ts';
import { isMsdpPeer, routerMsdpConfig } from './app/layer/config.ts';
import type { SyncBoard } from './app/layer/socket.ts';
import { msdpSummary, type MsdpSummary } from './app/layer/stats.ts';
import type { MsdpHost } from './app/layer/msdp-host.ts';
import type { MsdpMutant } from './app/msdp/defs.ts';
import type { ReBgpSetup, ReMsdpSetup } from './router/re.ts';
import {
  ROUTER_BGP_DEFAULT,
  isBgpPeer,
  routerBgpConfig,
  type BgpPeerApp,
} from './app/layer/bgp-config.ts';
import type { BgpConfig } from './app/bgp/config.ts';
import { bgpSummary, type BgpSummary } from './app/layer/bgp-stats.ts';
import type { MutantName } from './nsr/options.ts';

export const ROUTER_ADDR = parseIpv4('10.0.0.1') as Ipv4;
export const RE_INTERNAL_ADDR: readonly [Ipv4, Ipv4] = [
  parseIpv4('128.0.0.1') as Ipv4,
  parseIpv4('128.0.0.4') as Ipv4,
];

/** How far RE0's TSval clock runs ahead of RE1's (ms). */
export const RE_TS_SKEW_MS = 600_000;

export function peerAddr(k: number): Ipv4 {
  if (k < 0 || k > 253) throw new RangeError(`at most 254 peers (got index ${k})`);
  return ((10 << 24) | (0 << 16) | (1 << 8) | (k + 1)) >>> 0;
}

export interface WorldOptions {
  hash?: boolean;
  /** The SHA-256 implementation for the trace hash (same digest whichever). */
  hasher?: HasherFactory;
  wallClock?: () => number;
  tieBreaks?: readonly number[];
  /** Called for every packet on each peer's wire link (pcap capture). */
  wireTap?: (peer: string) => LinkTap;
  /** Trace sinks attached before anything is traced (so they see every record). */
  sinks?: readonly TraceSink[];
}

export { NSR_SUBSYSTEMS };

export interface WorldStats {
  events: number;
  simulatedNs: number;
  wallMs: number;
  traceRecords: number;
  pfe: PfeCounters;
  links: Record<string, { aToB: LinkCounters; bToA: LinkCounters }>;
  sessions: Array<{ session: string; peer: SessionStats; router: SessionStats | undefined }>;
  /** Per RE (re0, re1), its KKCM's messages and errors over the run (NSR on; K-8). */
  kkcm?: Record<string, KkcmCounters>;
  /** The router's MSDP (issue 14), when a peer runs it. */
  msdp?: MsdpSummary;
  /** The router's BGP (issue 15), when a peer runs it. */
  bgp?: BgpSummary;
}

export interface WorldResult {
  run: RunResult;
  violations: readonly Violation[];
  stats: WorldStats;
  traceHash: string | undefined;
}

/**
 * Every actor's name in id order. Ids are assigned in this order, and links need both
 * ends' ids before any actor exists, so the list comes first (and World.add checks that
 * each actor gets the id the list gave it).
 */
function actorNames(cfg: WorldConfig): string[] {
  const nsr = cfg.router.nsr
    ? ([0, 1] as const).flatMap((i) => NSR_SUBSYSTEMS.map((n) => ACTOR.nsr(i, n)))
    : [];
  return [
    ACTOR.chassis,
    ACTOR.pfe,
    ACTOR.re(0),
    ACTOR.re(1),
    ...nsr,
    ...cfg.peers.map((p) => ACTOR.peer(p.name)),
    ACTOR.link(LINK.intRe(0)),
    ACTOR.link(LINK.intRe(1)),
    ACTOR.link(LINK.interRe),
    ...cfg.peers.map((p) => ACTOR.link(LINK.wire(p.name))),
  ];
}

/** The MSDP engine's own mutants a router mutant selects (model/nsr/options.ts). */
function msdpMutants(m: RouterConfig['mutant']): MsdpMutant[] {
  switch (m) {
    case 'msdp-snoop-caches-own':
      return ['snoop-caches-own'];
    case 'msdp-snoop-deaf':
      return ['snoop-deaf'];
    case 'msdp-takeover-no-catch-up':
      return ['takeover-no-catch-up'];
    default:
      return [];
  }
}

/**
 * F-5's periods are seed 003's 60 s and 240 s: one SA refresh period (RFC 3618 §5.1) and
 * four. With the refresh period scaled (fuzz runs) the guard scales with it.
 */
function guardOptions(periodNs: number | undefined): SwitchoverGuardOptions {
  const p = periodNs ?? SA_ADVERTISEMENT_PERIOD_NS;
  return { ...DEFAULT_GUARD, afterReplicationNs: p, betweenSwitchoversNs: 4 * p };
}

export class World {
  readonly sim: Simulation;
  readonly res: readonly [RoutingEngine, RoutingEngine];
  readonly peers: readonly Peer[];
  readonly pfe: Pfe;
  readonly chassis: Chassis;
  readonly links = new Map<string, Link>();
  /** Every NSR state an RE builds (at start and at each restart): checkers tap it here. */
  readonly nsrStates = new Observers<[NsrState]>();
  /** The instant each scheduled fault fires (windows resolved), in cfg.faults order. */
  readonly faultTimes: number[] = [];
  readonly ids = new Map<string, ActorId>();
  /** Design redundant-tcp (seed 004): the stations' pair and signals; undefined otherwise. */
  readonly rtcp: RedundantRouter | undefined;
  /** The MSDP engines' sync points at PSRM's snapshots (model/app/layer/socket.ts). */
  private msdpBoard: SyncBoard | undefined;
  /** The BGP speakers' sync points at PSRM's snapshots. */
  private bgpBoard: SyncBoard | undefined;
  /** Each RE's KKCM (NSR on), for its message counters in stats(). */
  private readonly kkcms: Array<{ re: ReIndex; kkcm: Kkcm }> = [];

  constructor(
    readonly cfg: WorldConfig,
    opts: WorldOptions = {},
  ) {
    this.sim = new Simulation({
      seed: cfg.seed,
      hash: opts.hash ?? true,
      maxEvents: cfg.maxEvents,
      ...(opts.wallClock === undefined ? {} : { wallClock: opts.wallClock }),
      ...(opts.tieBreaks === undefined ? {} : { tieBreaks: opts.tieBreaks }),
      ...(opts.hasher === undefined ? {} : { hasher: opts.hasher }),
    });
    for (const sink of opts.sinks ?? []) this.sim.trace.addSink(sink);
    actorNames(cfg).forEach((n, i) => this.ids.set(n, i));
    const peerInfo = cfg.peers.map((p, k) => ({ cfg: p, addr: peerAddr(k) }));
    this.rtcp = this.buildRedundant(peerInfo);
    this.res = this.rtcp?.stations ?? [this.buildRe(0, peerInfo), this.buildRe(1, peerInfo)];
    this.peers = peerInfo.map((p) => this.buildPeer(p));
    this.pfe = this.rtcp?.backplane() ?? this.buildPfe(peerInfo);
    this.chassis = this.rtcp?.chassis(this.chassisWiring()) ?? this.buildChassis();
    this.add(ACTOR.chassis, this.chassis);
    this.add(ACTOR.pfe, this.pfe);
    // The RE kernels' RNG streams keep the names of trace format 1 (re0, re1), when the
    // actors were named so: the rename changed no run.
    this.add(ACTOR.re(0), this.res[0], 're0');
    this.add(ACTOR.re(1), this.res[1], 're1');
    if (cfg.router.nsr) for (const i of [0, 1] as const) this.addNsrActors(i);
    this.peers.forEach((p) => this.add(ACTOR.peer(p.cfg.name), p));
    this.addLinks(opts.wireTap);
    this.scheduleFaults();
  }

  /** The id of a named actor (a name of model/vocab.ts ACTOR). */
  id(name: string): ActorId {
    const id = this.ids.get(name);
    if (id === undefined) throw new Error(`world: no actor named ${name}`);
    return id;
  }

  private linkPort(link: string, side: 'a' | 'b'): Omit<Interface, 'addr'> {
    return { linkId: this.id(ACTOR.link(link)), linkName: link, side };
  }

  private nsrConfig(i: ReIndex): ReNsrConfig | undefined {
    const r = this.cfg.router;
    if (!r.nsr) return undefined;
    const id = (sub: (typeof NSR_SUBSYSTEMS)[number]): ActorId => this.id(ACTOR.nsr(i, sub));
    const ids: NsrIds = {
      re: this.id(ACTOR.re(i)),
      kkcm: id('kkcm'),
      iha: id('iha'),
      prl: id('prl'),
      sdrl: id('sdrl'),
      psrm: id('psrm'),
      pfe: this.id(ACTOR.pfe),
      chassis: this.id(ACTOR.chassis),
    };
    return {
      ids,
      opts: { ...DEFAULT_NSR_OPTIONS, ...r.nsrOptions },
      costs: { ...DEFAULT_NSR_COSTS, ...r.nsrCosts },
      timers: { ...DEFAULT_NSR_TIMERS, ...r.nsrTimers },
      bounds: { ...DEFAULT_NSR_BOUNDS, ...r.nsrBounds },
      mutant: r.mutant !== undefined && isMutant(r.mutant) ? r.mutant : undefined,
      onState: (nsr) => this.nsrStates.publish(nsr),
    };
  }

  private buildRe(i: ReIndex, peerInfo: readonly RePeerInfo[]): RoutingEngine {
    const r = this.cfg.router;
    // Each RE's TSval clock has its own origin (RE0's runs RE_TS_SKEW_MS ahead of RE1's), as
    // two boards' clocks would: PSRM must carry a socket's TSval offset across a takeover or
    // the new primary's timestamps jump back (SPEC M-6, T-4).
    const tsOffset = (r.tcp.tsOffset ?? 0) + (i === 0 ? RE_TS_SKEW_MS : 0);
    const tcp = { rcvBuf: r.socketBufferBytes, sndBuf: r.socketBufferBytes, ...r.tcp, tsOffset };
    const msdp = this.msdpSetup(peerInfo);
    return new RoutingEngine(
      i,
      ROUTER_ADDR,
      RE_INTERNAL_ADDR[i],
      { ...this.linkPort(LINK.intRe(i), 'a'), addr: ROUTER_ADDR },
      { ...this.linkPort(LINK.interRe, i === 0 ? 'a' : 'b'), addr: RE_INTERNAL_ADDR[i] },
      i === 0 ? 'master' : 'backup',
      peerInfo,
      tcp,
      this.nsrConfig(i),
      msdp,
      this.bgpSetup(peerInfo),
    );
  }

  /** The router's MSDP speaker setup (both REs share the board, not the speaker). */
  private msdpSetup(peerInfo: readonly RePeerInfo[]): ReMsdpSetup | undefined {
    const r = this.cfg.router;
    const peers = peerInfo.filter((p) => isMsdpPeer(p.cfg.app));
    if (peers.length === 0) return undefined;
    const m = r.msdp ?? { rpf: [], nsr: true, guard: true };
    this.msdpBoard ??= new Map();
    const named = peers.map((p) => ({ name: p.cfg.name, addr: p.addr }));
    return {
      cfg: routerMsdpConfig(m, ROUTER_ADDR, named, msdpMutants(r.mutant)),
      seed: this.cfg.seed,
      board: this.msdpBoard,
      replicate: m.nsr && r.mutant !== 'msdp-sockets-not-replicated',
      names: new Map(named.map((p) => [p.addr, p.name])),
    };
  }

  /** The router's BGP speakers' setup (issue 15): one peering per `app: bgp` peer. */
  private bgpSetup(peerInfo: readonly RePeerInfo[]): ReBgpSetup | undefined {
    const r = this.cfg.router;
    const peers = peerInfo.flatMap((p) =>
      isBgpPeer(p.cfg.app) ? [{ name: p.cfg.name, addr: p.addr, app: p.cfg.app }] : [],
    );
    if (peers.length === 0) return undefined;
    const b = r.bgp ?? ROUTER_BGP_DEFAULT;
    // Design none: no graceful restart capability (the helper deletes at once); else GR on.
    const gr = routerDesign(r) !== 'none';
    this.bgpBoard ??= new Map();
    const cfgs = (restarting: boolean): ReadonlyMap<Ipv4, BgpConfig> =>
      new Map(
        peers.map((p) => [
          p.addr,
          routerBgpConfig(b, ROUTER_ADDR, p as { name: string; app: BgpPeerApp }, {
            gr,
            restarting,
          }),
        ]),
      );
    return {
      cfgs,
      seed: this.cfg.seed,
      board: this.bgpBoard,
      replicate: r.nsr,
      snoopMissesPeer: r.nsr && r.mutant === 'bgp-snoop-misses-peer',
      names: new Map(peers.map((p) => [p.addr, p.name])),
    };
  }

  private buildPeer(p: RePeerInfo): Peer {
    const r = this.cfg.router;
    const tcp = { rcvBuf: r.socketBufferBytes, sndBuf: r.socketBufferBytes, ...r.tcp };
    const port = { ...this.linkPort(LINK.wire(p.cfg.name), 'a'), addr: p.addr };
    const as = r.bgp?.as ?? ROUTER_BGP_DEFAULT.as;
    return new Peer(p.cfg, p.addr, ROUTER_ADDR, port, tcp, this.cfg.seed, as);
  }

  private buildPfe(peerInfo: readonly RePeerInfo[]): Pfe {
    const r = this.cfg.router;
    const wirePorts = new Map(
      peerInfo.map((p) => [p.addr, this.linkPort(LINK.wire(p.cfg.name), 'b')]),
    );
    const rePorts = [this.linkPort(LINK.intRe(0), 'b'), this.linkPort(LINK.intRe(1), 'b')] as const;
    const leaky = r.nsr && r.mutant === 'pfe-leaky-switch';
    const drops = r.nsr && r.mutant === 'pfe-drops-during-sync-switch';
    return new Pfe(ROUTER_ADDR, rePorts, wirePorts, r.pfeSwitchNs, 0, leaky, drops);
  }

  /** Design redundant-tcp (model/redundant/build.ts); undefined for jsr and none. */
  private buildRedundant(peers: readonly RePeerInfo[]): RedundantRouter | undefined {
    if (routerDesign(this.cfg.router) !== 'redundant-tcp') return undefined;
    return new RedundantRouter({
      cfg: this.cfg,
      sim: this.sim,
      id: (n) => this.id(n),
      port: (l, side) => this.linkPort(l, side),
      peers,
      routerAddr: ROUTER_ADDR,
      internalAddr: RE_INTERNAL_ADDR,
    });
  }

  private buildChassis(): Chassis {
    return new Chassis(this.chassisWiring(), this.cfg.router);
  }

  private chassisWiring(): ChassisWiring {
    const r = this.cfg.router;
    const reGroup = (i: ReIndex): ActorId[] => [
      this.id(ACTOR.re(i)),
      ...(r.nsr ? NSR_SUBSYSTEMS.map((n) => this.id(ACTOR.nsr(i, n))) : []),
    ];
    const wire = this.cfg.peers.map(
      (p) => [p.name, { linkId: this.id(ACTOR.link(LINK.wire(p.name))), params: p.link }] as const,
    );
    return {
      sim: this.sim,
      reIds: [this.id(ACTOR.re(0)), this.id(ACTOR.re(1))] as const,
      reGroups: [reGroup(0), reGroup(1)] as const,
      nsr: r.nsr,
      pfeId: this.id(ACTOR.pfe),
      wire: new Map(wire),
      peerIds: new Map(this.cfg.peers.map((p) => [p.name, this.id(ACTOR.peer(p.name))])),
      interReLink: this.id(ACTOR.link(LINK.interRe)),
      interReParams: r.interRe,
      kkcmIds: r.nsr
        ? ([this.id(ACTOR.nsr(0, 'kkcm')), this.id(ACTOR.nsr(1, 'kkcm'))] as const)
        : undefined,
      ...this.msdpGuardWiring(),
    };
  }

  /** F-5: the MSDP guard reads when the backup's MSDP sockets became active there. */
  private msdpGuardWiring(): Pick<ChassisWiring, 'msdpGuard'> {
    const r = this.cfg.router;
    const on = r.msdp?.guard ?? true;
    if (!r.nsr || !on || r.mutant === 'msdp-guard-off') return {};
    if (!this.cfg.peers.some((p) => isMsdpPeer(p.app))) return {};
    const msdpGuard = (nowNs: number, last: number | undefined): GuardVerdict => {
      const backup = this.res[(1 - this.chassis.master) as ReIndex].msdp;
      const replicationActiveNs = [...(backup?.sockets.values() ?? [])].flatMap((s) =>
        s.replicatedNs === undefined ? [] : [{ socket: s.id, atNs: s.replicatedNs }],
      );
      return plannedSwitchoverGuard(
        { nowNs, replicationActiveNs, lastPlannedSwitchoverNs: last },
        guardOptions(backup?.speaker.timers.saAdvertisementNs),
      );
    };
    return { msdpGuard };
  }

  private addNsrActors(i: ReIndex): void {
    const eng = this.res[i];
    const state = (): NsrState => {
      if (eng.nsr === undefined) throw new Error(`${ACTOR.re(i)}: NSR state missing`);
      return eng.nsr;
    };
    const other = RE_INTERNAL_ADDR[1 - i] as Ipv4;
    const internal = (): ReturnType<typeof eng.stack> => eng.stack(RE_INTERNAL_ADDR[i]);
    const kkcm = new Kkcm(state, internal, other, true);
    this.kkcms.push({ re: i, kkcm });
    this.add(ACTOR.nsr(i, 'kkcm'), kkcm);
    this.add(ACTOR.nsr(i, 'iha'), new Iha(state));
    this.add(ACTOR.nsr(i, 'prl'), new Prl(state));
    this.add(ACTOR.nsr(i, 'sdrl'), new Sdrl(state));
    this.add(ACTOR.nsr(i, 'psrm'), new Psrm(state));
  }

  private addLinks(wireTap: WorldOptions['wireTap']): void {
    const r = this.cfg.router;
    const re = (i: ReIndex): ActorId => this.id(ACTOR.re(i));
    this.addLink(LINK.intRe(0), re(0), this.id(ACTOR.pfe), r.reLink);
    // Redundant TCP: station 1's internal link is its own receive path (R-1, R-5).
    this.addLink(LINK.intRe(1), re(1), this.id(ACTOR.pfe), this.rtcp?.pathParams[1] ?? r.reLink);
    this.addLink(LINK.interRe, re(0), re(1), r.interRe);
    for (const p of this.cfg.peers) {
      const l = this.addLink(
        LINK.wire(p.name),
        this.id(ACTOR.peer(p.name)),
        this.id(ACTOR.pfe),
        p.link,
      );
      if (wireTap !== undefined) l.tap = wireTap(p.name);
    }
  }

  private scheduleFaults(): void {
    for (const f of this.cfg.faults) {
      const when = 'atNs' in f.when ? { atNs: f.when.atNs } : { betweenNs: f.when.betweenNs };
      const msg: FaultMsg = { type: 'fault', action: f.action };
      this.faultTimes.push(this.sim.scheduleFault(when, this.id(ACTOR.chassis), msg));
    }
  }

  addSafetyCheck(c: SafetyCheck): void {
    this.sim.addSafetyCheck(c);
  }

  addLivenessCheck(c: LivenessCheck): void {
    this.sim.addLivenessCheck(c);
  }

  run(): WorldResult {
    const run = this.sim.run({ untilNs: this.cfg.durationNs, maxEvents: this.cfg.maxEvents });
    const violations = this.sim.finish(run);
    return { run, violations, stats: this.stats(run), traceHash: this.sim.trace.digest() };
  }

  /**
   * The router's application for a session: the active one on a running RE (a per-socket
   * failover, F-2, may have moved it to the backup), else the master's.
   */
  routerSession(id: string): StreamSession | undefined {
    for (const re of this.res) {
      if (!this.sim.isRunning(this.id(ACTOR.re(re.index)))) continue;
      const s = re.session(id);
      if (s !== undefined && s.mode === 'active' && s.conn !== undefined) return s;
    }
    return this.res[this.chassis.master as ReIndex].session(id);
  }

  stats(run: RunResult): WorldStats {
    const links: WorldStats['links'] = {};
    for (const [name, l] of this.links)
      links[name] = { aToB: { ...l.counters('a') }, bToA: { ...l.counters('b') } };
    const sessions = this.peers.flatMap((p) =>
      p.sessions.map((s) => ({
        session: s.cfg.id,
        peer: s.stats(),
        router: this.routerSession(s.cfg.id)?.stats(),
      })),
    );
    return {
      events: run.events,
      simulatedNs: run.simulatedNs,
      wallMs: run.wallMs,
      traceRecords: this.sim.trace.count,
      pfe: { ...this.pfe.counters },
      links,
      sessions,
      ...(this.kkcms.length === 0
        ? {}
        : {
            kkcm: Object.fromEntries(this.kkcms.map((k) => [`re${k.re}`, { ...k.kkcm.counters }])),
          }),
      ...this.msdpStats(),
      ...this.bgpStats(),
    };
  }

  private msdpStats(): Pick<WorldStats, 'msdp'> {
    const names = new Map(this.peers.map((p) => [p.addr, p.cfg.name]));
    const msdp = msdpSummary({
      master: this.chassis.master as ReIndex,
      hosts: [0, 1].map((i) =>
        this.sim.isRunning(this.id(ACTOR.re(i as ReIndex)))
          ? this.res[i as ReIndex].msdp
          : undefined,
      ) as [MsdpHost | undefined, MsdpHost | undefined],
      handle: (re, session) =>
        this.sim.isRunning(this.id(ACTOR.re(re)))
          ? this.res[re].nsr?.bySession.get(session)?.handle
          : undefined,
      names,
      refusals: this.chassis.msdpRefusals,
    });
    return msdp === undefined ? {} : { msdp };
  }

  private bgpStats(): Pick<WorldStats, 'bgp'> {
    const up = (i: ReIndex) => this.sim.isRunning(this.id(ACTOR.re(i)));
    const bgp = bgpSummary({
      master: this.chassis.master as ReIndex,
      hosts: [up(0) ? this.res[0].bgp : undefined, up(1) ? this.res[1].bgp : undefined],
      peers: this.peers.flatMap((p) =>
        p.bgp === undefined ? [] : [{ name: p.cfg.name, host: p.bgp }],
      ),
    });
    return bgp === undefined ? {} : { bgp };
  }

  private add(name: string, actor: Actor, rngName?: string): void {
    const got = this.sim.addActor(name, actor, rngName);
    if (got !== this.ids.get(name))
      throw new Error(`world: actor ${name} got id ${got}, expected ${this.ids.get(name)}`);
  }

  private addLink(name: string, a: ActorId, b: ActorId, params: Partial<LinkParams>): Link {
    const link = new Link(name, a, b, this.sim.rng(`link/${name}`), params);
    this.links.set(name, link);
    this.add(ACTOR.link(name), link);
    return link;
  }
}
