// The model's own configuration: what a scenario file becomes after parsing and
// validation (scenarios/ builds it; model/ never reads files). All times are integer ns.
import type { AppReadSpec } from './app/session.ts';
import type { TrafficSpec } from './app/stream.ts';
import type { PeerApp, RouterMsdpConfig } from './app/layer/config.ts';
import type { RouterBgpConfig } from './app/layer/bgp-config.ts';
import type { LinkParams } from './net/link.ts';
import type { MutantName, NsrBounds, NsrCosts, NsrOptions, NsrTimers } from './nsr/options.ts';
import type { RtcpMutantName } from './redundant/mutants.ts';
import type { TcpOptionsConfig } from './tcp/tcp.ts';

export interface PeerConfig {
  name: string;
  link: Partial<LinkParams>;
  sessions: number;
  /** Who opens each session: the peer (router listens on `routerPort`) or the router. */
  initiator: 'peer' | 'router';
  toRouter: TrafficSpec;
  fromRouter: TrafficSpec;
  /** How the peer's application reads (and when it resizes its receive buffer, M-7). */
  peerRead: AppReadSpec;
  /** How the router's application reads (and when it resizes its receive buffer, M-7). */
  routerRead: AppReadSpec;
  /** The application protocol (issue 14); absent = `stream`, the verifiable byte stream. */
  app?: PeerApp;
}

export type FaultTarget = 'master' | 'backup' | 're0' | 're1';

/** The RE slot a fault target names, given which RE is master now. */
export function resolveTarget(t: FaultTarget, master: 0 | 1): 0 | 1 {
  switch (t) {
    case 'master':
      return master;
    case 'backup':
      return (1 - master) as 0 | 1;
    case 're0':
      return 0;
    case 're1':
      return 1;
    default: {
      const never: never = t;
      throw new Error(`bad fault target ${String(never)}`);
    }
  }
}

/** A fault as the model executes it (scenarios/ resolves names and windows). */
export type FaultAction =
  | { kind: 're-crash'; target: FaultTarget }
  | { kind: 're-restart'; target: FaultTarget }
  | { kind: 'switchover' }
  | {
      kind: 'app-stall';
      side: 'peer' | 'router';
      peer: string | undefined;
      durationNs: number;
      re?: 'master' | 'backup';
    }
  | { kind: 'wire-loss'; peer: string | undefined; loss: number; durationNs: number }
  | { kind: 'wire-partition'; peer: string | undefined; durationNs: number }
  | { kind: 'wire-reorder'; peer: string | undefined; reorder: number; durationNs: number }
  | { kind: 'pfe-switch-delay'; switchNs: number }
  // NSR faults (SPEC F-1, K-5, K-7, P-7). A duration of 0 means "until the run ends".
  | { kind: 'kkcm-io-error'; target: FaultTarget }
  | { kind: 'inter-re-down'; durationNs: number }
  | { kind: 'inter-re-partition'; from: FaultTarget; durationNs: number }
  | { kind: 'inter-re-hold'; durationNs: number }
  | { kind: 'backup-stall'; durationNs: number }
  | { kind: 'nsr-deconfig' }
  | { kind: 'nsr-reconfig' }
  /** F-2: the application holding a session's primary socket asks for its failover; every matching session when peer/session are left out. */
  | { kind: 'socket-failover'; peer: string | undefined; session: number | undefined }
  // Redundant TCP faults (seed 004; SPEC ). re-crash is a station crash and
  // re-restart a late join there; these have no meaning in the other designs.
  /** the operator deactivates a station: its operational signal drops and it stops. */
  | { kind: 'station-deactivate'; target: FaultTarget }
  /** loss on the standby's own receive path only, for a while. */
  | { kind: 'standby-path-loss'; loss: number; durationNs: number }
  /** §4.1.2.2.1: a station's timing slips: its application's timers fire `offsetNs` later from now on. */
  | { kind: 'station-clock-offset'; target: FaultTarget; offsetNs: number }
  /** an operator configuration command at a station, echoed to its counterpart. */
  | { kind: 'operator-config'; target: FaultTarget; key: string; value: string };

export interface FaultConfig {
  when: { atNs: number } | { betweenNs: [number, number] };
  action: FaultAction;
}

/**
 * The design family of the router (SPEC O-3): the seeds' socket replication (jsr), the
 * Redundant TCP internet-draft (seed 004), or a dual-RE router without NSR (none).
 */
/**
 * gr (issue 15): BGP graceful restart (RFC 4724) as the baseline: no socket replication
 * (as none), the chassis still moves mastership, the router's BGP advertises the capability
 * and its peers keep its routes stale across the restart. Needs BGP peers.
 */
export type Design = 'jsr' | 'redundant-tcp' | 'gr' | 'none';
export const DESIGN_IDS: readonly Design[] = ['jsr', 'redundant-tcp', 'gr', 'none'];

/** Redundant TCP's own settings (SPEC R-1 … R-7); the defaults are REDUNDANT_DEFAULTS. */
export interface RedundantConfig {
  /** R-4 (§3): how long a booting station waits for its counterpart's readiness (2 minutes). */
  bootTimeoutNs: number;
  /**
   * the receive path of station 1 (the higher management address, the standby at
   * boot): overrides of reLink for packets from the shared wire to it.
   */
  standbyPath: Partial<LinkParams>;
  /** §4.1.2.2.1: how much later station 1's application timers fire (its timing lag). */
  clockOffsetNs: number;
}

export const REDUNDANT_DEFAULTS: Readonly<RedundantConfig> = {
  bootTimeoutNs: 120_000_000_000,
  standbyPath: {},
  clockOffsetNs: 0,
};

export interface RouterConfig {
  nsr: boolean;
  /**
   * The design; undefined means what `nsr` says (jsr with NSR, none without), which is
   * what every file written before designs existed meant. routerDesign() reads it.
   */
  design?: Design;
  /** Redundant TCP settings (design redundant-tcp only); REDUNDANT_DEFAULTS when undefined. */
  redundant?: RedundantConfig;
  /** GRES switch time of the PFE (SPEC F-3). */
  pfeSwitchNs: number;
  /** Time for the backup's chassis daemon to notice the master is gone. */
  masterDetectNs: number;
  interRe: Partial<LinkParams>;
  /** The PFE↔RE internal links. */
  reLink: Partial<LinkParams>;
  socketBufferBytes: number;
  tcp: Partial<TcpOptionsConfig>;
  /** SPEC design options (defaults in model/nsr/options.ts). */
  nsrOptions: Partial<NsrOptions>;
  nsrCosts: Partial<NsrCosts>;
  nsrTimers: Partial<NsrTimers>;
  nsrBounds: Partial<NsrBounds>;
  /** A named broken design: an NSR mutant (jsr) or a Redundant TCP one (redundant-tcp). */
  mutant: MutantName | RtcpMutantName | undefined;
  /** The router's MSDP speaker, when some peer runs `app: msdp` (model/app/layer/config.ts). */
  msdp?: RouterMsdpConfig;
  /** The router's BGP speaker, when some peer runs `app: bgp` (model/app/layer/bgp-config.ts). */
  bgp?: RouterBgpConfig;
}

/** The router's design: `design` if set, else jsr with NSR on and none without. */
export function routerDesign(r: Pick<RouterConfig, 'nsr' | 'design'>): Design {
  return r.design ?? (r.nsr ? 'jsr' : 'none');
}

export interface WorldConfig {
  name: string;
  seed: number;
  durationNs: number;
  router: RouterConfig;
  peers: PeerConfig[];
  faults: FaultConfig[];
  /** Bound on events for the whole run. */
  maxEvents: number;
  /** Application hold timer (BGP 90 s): a session silent this long is a failure (G-9). */
  holdTimeNs: number;
}

export const ROUTER_PORT = 179;
/** Sessions use fixed client ports so each end can name its session from the 4-tuple. */
export const SESSION_PORT_BASE = 20000;

export const DEFAULT_ROUTER: RouterConfig = {
  nsr: false,
  pfeSwitchNs: 50_000_000,
  masterDetectNs: 100_000_000,
  interRe: { latencyNs: 50_000, bandwidthBps: 1_000_000_000 },
  reLink: { latencyNs: 20_000, bandwidthBps: 1_000_000_000 },
  socketBufferBytes: 65536,
  tcp: {},
  nsrOptions: {},
  nsrCosts: {},
  nsrTimers: {},
  nsrBounds: {},
  mutant: undefined,
};
