// Builds a whole simulated world from a WorldConfig: the router (two REs, the PFE, the
// chassis, internal and inter-RE links), the external peers on their wire links, the
// application sessions, and the scheduled faults; then runs it and gathers statistics.
//
// Addresses: the router is 10.0.0.1; peer k is 10.0.1.(k+1); the REs' internal
// addresses are 128.0.0.1 (RE0) and 128.0.0.4 (RE1), as on a Junos chassis.
import {
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
import { Chassis, type FaultMsg } from './router/chassis.ts';
import type { WorldConfig } from './config.ts';
import { Link, type LinkCounters, type LinkParams, type LinkTap } from './net/link.ts';
import { Peer } from './peer.ts';
import { Pfe, type PfeCounters } from './router/pfe.ts';
import { Iha } from './nsr/iha.ts';
import type { NsrIds, NsrKernel } from './nsr/kernel.ts';
import { Kkcm } from './nsr/kkcm.ts';
import {
  DEFAULT_NSR_BOUNDS,
  DEFAULT_NSR_COSTS,
  DEFAULT_NSR_OPTIONS,
  DEFAULT_NSR_TIMERS,
} from './nsr/options.ts';
import { Prl } from './nsr/prl.ts';
import { Psrm } from './nsr/psrm.ts';
import { Sdrl } from './nsr/sdrl.ts';
import { RoutingEngine, type ReNsrConfig } from './router/re.ts';
import { parseIpv4, type Ipv4 } from './net/segment.ts';

export const ROUTER_ADDR = parseIpv4('10.0.0.1') as Ipv4;
export const RE_INTERNAL_ADDR: readonly [Ipv4, Ipv4] = [
  parseIpv4('128.0.0.1') as Ipv4,
  parseIpv4('128.0.0.4') as Ipv4,
];

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
  /** Called with every NSR kernel an RE builds (at start and at each restart). */
  onNsrKernel?: (nsr: NsrKernel) => void;
}

export const NSR_SUBSYSTEMS = ['kkcm', 'iha', 'prl', 'sdrl', 'psrm'] as const;

export interface WorldStats {
  events: number;
  simulatedNs: number;
  wallMs: number;
  traceRecords: number;
  pfe: PfeCounters;
  links: Record<string, { aToB: LinkCounters; bToA: LinkCounters }>;
  sessions: Array<{ session: string; peer: SessionStats; router: SessionStats | undefined }>;
}

export interface WorldResult {
  run: RunResult;
  violations: readonly Violation[];
  stats: WorldStats;
  traceHash: string | undefined;
}

export class World {
  readonly sim: Simulation;
  readonly res: readonly [RoutingEngine, RoutingEngine];
  readonly peers: readonly Peer[];
  readonly pfe: Pfe;
  readonly chassis: Chassis;
  readonly links = new Map<string, Link>();
  /** Called with every NSR kernel an RE builds (checkers wire their taps here). */
  readonly nsrKernelListeners: Array<(nsr: NsrKernel) => void> = [];
  /** The instant each scheduled fault fires (windows resolved), in cfg.faults order. */
  readonly faultTimes: number[] = [];
  readonly ids = new Map<string, ActorId>();

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
    // Actor ids are assigned in this order; links need both ends' ids up front.
    const nsrNames = cfg.router.nsr
      ? [0, 1].flatMap((i) => NSR_SUBSYSTEMS.map((n) => `re${i}/${n}`))
      : [];
    const names = [
      'chassis',
      'pfe',
      're0',
      're1',
      ...nsrNames,
      ...cfg.peers.map((p) => `peer:${p.name}`),
      'link:int-re0',
      'link:int-re1',
      'link:inter-re',
      ...cfg.peers.map((p) => `link:wire-${p.name}`),
    ];
    names.forEach((n, i) => this.ids.set(n, i));
    const id = (n: string): ActorId => this.ids.get(n) as ActorId;
    const r = cfg.router;
    const tcp = { rcvBuf: r.socketBufferBytes, sndBuf: r.socketBufferBytes, ...r.tcp };
    const peerInfo = cfg.peers.map((p, k) => ({ cfg: p, addr: peerAddr(k) }));

    const nsrCfg = (i: 0 | 1): ReNsrConfig | undefined => {
      if (!r.nsr) return undefined;
      const ids: NsrIds = {
        kernel: id(`re${i}`),
        kkcm: id(`re${i}/kkcm`),
        iha: id(`re${i}/iha`),
        prl: id(`re${i}/prl`),
        sdrl: id(`re${i}/sdrl`),
        psrm: id(`re${i}/psrm`),
        pfe: id('pfe'),
      };
      return {
        ids,
        opts: { ...DEFAULT_NSR_OPTIONS, ...r.nsrOptions },
        costs: { ...DEFAULT_NSR_COSTS, ...r.nsrCosts },
        timers: { ...DEFAULT_NSR_TIMERS, ...r.nsrTimers },
        bounds: { ...DEFAULT_NSR_BOUNDS, ...r.nsrBounds },
        mutant: r.mutant,
        onKernel: (nsr) => {
          opts.onNsrKernel?.(nsr);
          for (const l of this.nsrKernelListeners) l(nsr);
        },
      };
    };
    const re = (i: 0 | 1): RoutingEngine =>
      new RoutingEngine(
        i,
        ROUTER_ADDR,
        RE_INTERNAL_ADDR[i],
        { linkId: id(`link:int-re${i}`), linkName: `int-re${i}`, side: 'a', addr: ROUTER_ADDR },
        {
          linkId: id('link:inter-re'),
          linkName: 'inter-re',
          side: i === 0 ? 'a' : 'b',
          addr: RE_INTERNAL_ADDR[i],
        },
        i === 0 ? 'master' : 'backup',
        peerInfo,
        tcp,
        nsrCfg(i),
      );
    this.res = [re(0), re(1)];
    this.peers = peerInfo.map(
      (p) =>
        new Peer(
          p.cfg,
          p.addr,
          ROUTER_ADDR,
          {
            linkId: id(`link:wire-${p.cfg.name}`),
            linkName: `wire-${p.cfg.name}`,
            side: 'a',
            addr: p.addr,
          },
          { rcvBuf: r.socketBufferBytes, sndBuf: r.socketBufferBytes, ...r.tcp },
        ),
    );
    const wirePorts = new Map(
      peerInfo.map((p) => [
        p.addr,
        {
          linkId: id(`link:wire-${p.cfg.name}`),
          linkName: `wire-${p.cfg.name}`,
          side: 'b' as const,
        },
      ]),
    );
    this.pfe = new Pfe(
      ROUTER_ADDR,
      [
        { linkId: id('link:int-re0'), linkName: 'int-re0', side: 'b' },
        { linkId: id('link:int-re1'), linkName: 'int-re1', side: 'b' },
      ],
      wirePorts,
      r.pfeSwitchNs,
      0,
      r.nsr && r.mutant === 'pfe-leaky-switch',
    );
    this.chassis = new Chassis(
      {
        sim: this.sim,
        reIds: [id('re0'), id('re1')],
        reGroups: [0, 1].map((i) => [
          id(`re${i}`),
          ...(r.nsr ? NSR_SUBSYSTEMS.map((n) => id(`re${i}/${n}`)) : []),
        ]) as unknown as [ActorId[], ActorId[]],
        nsr: r.nsr,
        pfeId: id('pfe'),
        wire: new Map(
          cfg.peers.map((p) => [p.name, { linkId: id(`link:wire-${p.name}`), params: p.link }]),
        ),
        peerIds: new Map(cfg.peers.map((p) => [p.name, id(`peer:${p.name}`)])),
        interReLink: id('link:inter-re'),
        interReParams: r.interRe,
        kkcmIds: r.nsr ? [id('re0/kkcm'), id('re1/kkcm')] : undefined,
      },
      r,
    );

    this.add('chassis', this.chassis);
    this.add('pfe', this.pfe);
    this.add('re0', this.res[0]);
    this.add('re1', this.res[1]);
    if (r.nsr) {
      for (const i of [0, 1] as const) {
        const eng = this.res[i];
        const kernel = (): NsrKernel => {
          if (eng.nsr === undefined) throw new Error(`re${i}: NSR kernel missing`);
          return eng.nsr;
        };
        this.add(
          `re${i}/kkcm`,
          new Kkcm(
            kernel,
            () => eng.stack(RE_INTERNAL_ADDR[i]),
            RE_INTERNAL_ADDR[1 - i] as Ipv4,
            true,
          ),
        );
        this.add(`re${i}/iha`, new Iha(kernel));
        this.add(`re${i}/prl`, new Prl(kernel));
        this.add(`re${i}/sdrl`, new Sdrl(kernel));
        this.add(`re${i}/psrm`, new Psrm(kernel));
      }
    }
    this.peers.forEach((p) => this.add(`peer:${p.cfg.name}`, p));
    this.addLink('int-re0', id('re0'), id('pfe'), r.reLink);
    this.addLink('int-re1', id('re1'), id('pfe'), r.reLink);
    this.addLink('inter-re', id('re0'), id('re1'), r.interRe);
    for (const p of cfg.peers) {
      const l = this.addLink(`wire-${p.name}`, id(`peer:${p.name}`), id('pfe'), p.link);
      if (opts.wireTap !== undefined) l.tap = opts.wireTap(p.name);
    }
    for (const f of cfg.faults) {
      const when = 'atNs' in f.when ? { atNs: f.when.atNs } : { betweenNs: f.when.betweenNs };
      const at = this.sim.scheduleFault(when, id('chassis'), {
        type: 'fault',
        action: f.action,
      } satisfies FaultMsg);
      this.faultTimes.push(at);
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
      if (!this.sim.isRunning(this.ids.get(`re${re.index}`) as ActorId)) continue;
      const s = re.session(id);
      if (s !== undefined && s.mode === 'active' && s.conn !== undefined) return s;
    }
    return this.res[this.chassis.master as 0 | 1].session(id);
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
    };
  }

  private add(name: string, actor: Actor): void {
    const got = this.sim.addActor(name, actor as Actor);
    if (got !== this.ids.get(name))
      throw new Error(`world: actor ${name} got id ${got}, expected ${this.ids.get(name)}`);
  }

  private addLink(name: string, a: ActorId, b: ActorId, params: Partial<LinkParams>): Link {
    const link = new Link(name, a, b, this.sim.rng(`link/${name}`), params);
    this.links.set(name, link);
    this.add(`link:${name}`, link);
    return link;
  }
}
