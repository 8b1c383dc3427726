// Builds a whole simulated world from a WorldConfig: the router (two REs, the PFE, the
// chassis, internal and inter-RE links), the external peers on their wire links, the
// application sessions, and the scheduled faults; then runs it and gathers statistics.
//
// Addresses: the router is 10.0.0.1; peer k is 10.0.1.(k+1); the REs' internal
// addresses are 128.0.0.1 (RE0) and 128.0.0.4 (RE1), as on a Junos chassis.
import { Simulation, type Actor, type ActorId, type LivenessCheck, type RunResult, type SafetyCheck, type Violation } from '../sim/index.ts';
import type { SessionStats } from './app/session.ts';
import { Chassis, type FaultMsg } from './chassis.ts';
import type { WorldConfig } from './config.ts';
import { Link, type LinkCounters, type LinkParams, type LinkTap } from './link.ts';
import { Peer } from './peer.ts';
import { Pfe, type PfeCounters } from './pfe.ts';
import { RoutingEngine } from './re.ts';
import { parseIpv4, type Ipv4 } from './segment.ts';

export const ROUTER_ADDR = parseIpv4('10.0.0.1') as Ipv4;
export const RE_INTERNAL_ADDR: readonly [Ipv4, Ipv4] = [parseIpv4('128.0.0.1') as Ipv4, parseIpv4('128.0.0.4') as Ipv4];

export function peerAddr(k: number): Ipv4 {
  if (k < 0 || k > 253) throw new RangeError(`at most 254 peers (got index ${k})`);
  return ((10 << 24) | (0 << 16) | (1 << 8) | (k + 1)) >>> 0;
}

export interface WorldOptions {
  hash?: boolean;
  wallClock?: () => number;
  tieBreaks?: readonly number[];
  /** Called for every packet on each peer's wire link (pcap capture). */
  wireTap?: (peer: string) => LinkTap;
}

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
    });
    // Actor ids are assigned in this order; links need both ends' ids up front.
    const names = ['chassis', 'pfe', 're0', 're1', ...cfg.peers.map((p) => `peer:${p.name}`), 'link:int-re0', 'link:int-re1', 'link:inter-re', ...cfg.peers.map((p) => `link:wire-${p.name}`)];
    names.forEach((n, i) => this.ids.set(n, i));
    const id = (n: string): ActorId => this.ids.get(n) as ActorId;
    const r = cfg.router;
    const tcp = { rcvBuf: r.socketBufferBytes, sndBuf: r.socketBufferBytes, ...r.tcp };
    const peerInfo = cfg.peers.map((p, k) => ({ cfg: p, addr: peerAddr(k) }));

    const re = (i: 0 | 1): RoutingEngine =>
      new RoutingEngine(
        i,
        ROUTER_ADDR,
        RE_INTERNAL_ADDR[i],
        { linkId: id(`link:int-re${i}`), linkName: `int-re${i}`, side: 'a', addr: ROUTER_ADDR },
        { linkId: id('link:inter-re'), linkName: 'inter-re', side: i === 0 ? 'a' : 'b', addr: RE_INTERNAL_ADDR[i] },
        i === 0 ? 'master' : 'backup',
        peerInfo,
        tcp,
      );
    this.res = [re(0), re(1)];
    this.peers = peerInfo.map(
      (p) => new Peer(p.cfg, p.addr, ROUTER_ADDR, { linkId: id(`link:wire-${p.cfg.name}`), linkName: `wire-${p.cfg.name}`, side: 'a', addr: p.addr }, { rcvBuf: r.socketBufferBytes, sndBuf: r.socketBufferBytes, ...r.tcp }),
    );
    const wirePorts = new Map(peerInfo.map((p) => [p.addr, { linkId: id(`link:wire-${p.cfg.name}`), linkName: `wire-${p.cfg.name}`, side: 'b' as const }]));
    this.pfe = new Pfe(
      ROUTER_ADDR,
      [
        { linkId: id('link:int-re0'), linkName: 'int-re0', side: 'b' },
        { linkId: id('link:int-re1'), linkName: 'int-re1', side: 'b' },
      ],
      wirePorts,
      r.pfeSwitchNs,
      0,
    );
    this.chassis = new Chassis(
      {
        sim: this.sim,
        reIds: [id('re0'), id('re1')],
        pfeId: id('pfe'),
        wire: new Map(cfg.peers.map((p) => [p.name, { linkId: id(`link:wire-${p.name}`), params: p.link }])),
        peerIds: new Map(cfg.peers.map((p) => [p.name, id(`peer:${p.name}`)])),
      },
      r,
    );

    this.add('chassis', this.chassis);
    this.add('pfe', this.pfe);
    this.add('re0', this.res[0]);
    this.add('re1', this.res[1]);
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
      this.sim.scheduleFault(when, id('chassis'), { type: 'fault', action: f.action } satisfies FaultMsg);
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

  stats(run: RunResult): WorldStats {
    const links: WorldStats['links'] = {};
    for (const [name, l] of this.links) links[name] = { aToB: { ...l.counters('a') }, bToA: { ...l.counters('b') } };
    const master = this.res[this.chassis.master as 0 | 1];
    const sessions = this.peers.flatMap((p) =>
      p.sessions.map((s) => ({
        session: s.cfg.id,
        peer: s.stats(),
        router: master.sessions.get(p.cfg.name)?.[Number(s.cfg.id.split('/')[1])]?.stats(),
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
    if (got !== this.ids.get(name)) throw new Error(`world: actor ${name} got id ${got}, expected ${this.ids.get(name)}`);
  }

  private addLink(name: string, a: ActorId, b: ActorId, params: Partial<LinkParams>): Link {
    const link = new Link(name, a, b, this.sim.rng(`link/${name}`), params);
    this.links.set(name, link);
    this.add(`link:${name}`, link);
    return link;
  }
}
