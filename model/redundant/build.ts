// Builds the router of design redundant-tcp (seed 004) for model/world.ts: two stations on
// the router's address in the RE slots (same actor names, so everything that reads the
// trace by actor works), the shared wire (the backplane, in the PFE's slot) and the
// fault injector (in the chassis's). The actor list and the links are the world's own:
// no NSR actors, the internal link of each station being its own receive path.
import type { ActorId, Simulation } from '../../sim/index.ts';
import type { ChassisWiring } from '../router/chassis.ts';
import { REDUNDANT_DEFAULTS, type RedundantConfig, type WorldConfig } from '../config.ts';
import type { Interface } from '../net/host.ts';
import type { LinkParams } from '../net/link.ts';
import type { Ipv4 } from '../net/segment.ts';
import type { PfePort } from '../router/pfe.ts';
import type { RePeerInfo } from '../router/re.ts';
import { ACTOR, LINK } from '../vocab.ts';
import { Backplane } from './backplane.ts';
import { RedundantChassis } from './chassis.ts';
import { isRtcpMutant } from './mutants.ts';
import { StationSignals } from './signals.ts';
import { Station } from './station.ts';

export interface RedundantEnv {
  cfg: WorldConfig;
  sim: Simulation;
  id: (name: string) => ActorId;
  port: (link: string, side: 'a' | 'b') => Omit<Interface, 'addr'>;
  peers: readonly RePeerInfo[];
  routerAddr: Ipv4;
  internalAddr: readonly [Ipv4, Ipv4];
}

export class RedundantRouter {
  readonly signals = new StationSignals();
  readonly settings: RedundantConfig;
  readonly stations: readonly [Station, Station];
  /** Each station's receive path (the internal link's parameters): station 1's may differ. */
  readonly pathParams: readonly [Partial<LinkParams>, Partial<LinkParams>];

  constructor(private readonly env: RedundantEnv) {
    const r = env.cfg.router;
    this.settings = { ...REDUNDANT_DEFAULTS, ...r.redundant };
    this.pathParams = [r.reLink, { ...r.reLink, ...this.settings.standbyPath }];
    this.stations = [this.station(0), this.station(1)];
  }

  private station(i: 0 | 1): Station {
    const e = this.env;
    const r = e.cfg.router;
    // One TSval clock for both: they are one TCP endpoint to the peer (its PAWS test sees
    // one clock across a takeover).
    const tcp = { rcvBuf: r.socketBufferBytes, sndBuf: r.socketBufferBytes, ...r.tcp };
    return new Station({
      index: i,
      routerAddr: e.routerAddr,
      internalAddr: e.internalAddr[i],
      pfe: { ...e.port(LINK.intRe(i), 'a'), addr: e.routerAddr },
      interRe: { ...e.port(LINK.interRe, i === 0 ? 'a' : 'b'), addr: e.internalAddr[i] },
      peers: e.peers,
      tcp,
      signals: this.signals,
      seed: e.cfg.seed,
      bootTimeoutNs: this.settings.bootTimeoutNs,
      counterpartAddr: e.internalAddr[i === 0 ? 1 : 0],
      clockOffsetNs: i === 1 ? this.settings.clockOffsetNs : 0,
      mutant: r.mutant !== undefined && isRtcpMutant(r.mutant) ? r.mutant : undefined,
    });
  }

  backplane(): Backplane {
    const e = this.env;
    const wires = new Map<Ipv4, PfePort>(
      e.peers.map((p) => [p.addr, e.port(LINK.wire(p.cfg.name), 'b')]),
    );
    const ports = [e.port(LINK.intRe(0), 'b'), e.port(LINK.intRe(1), 'b')] as const;
    return new Backplane(e.routerAddr, ports, wires, this.signals);
  }

  chassis(w: ChassisWiring): RedundantChassis {
    const e = this.env;
    return new RedundantChassis(w, e.cfg.router, {
      sim: e.sim,
      stationIds: [e.id(ACTOR.re(0)), e.id(ACTOR.re(1))],
      pathLinks: [e.id(ACTOR.link(LINK.intRe(0))), e.id(ACTOR.link(LINK.intRe(1)))],
      pathParams: this.pathParams,
      signals: this.signals,
    });
  }
}
