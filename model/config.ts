// The model's own configuration: what a scenario file becomes after parsing and
// validation (scenarios/ builds it; model/ never reads files). All times are integer ns.
import type { AppReadSpec } from './app/session.ts';
import type { TrafficSpec } from './app/stream.ts';
import type { PeerApp, RouterMsdpConfig } from './app/layer/config.ts';
import type { LinkParams } from './net/link.ts';
import type { MutantName, NsrBounds, NsrCosts, NsrOptions, NsrTimers } from './nsr/options.ts';
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
  | { kind: 'socket-failover'; peer: string | undefined; session: number | undefined };

export interface FaultConfig {
  when: { atNs: number } | { betweenNs: [number, number] };
  action: FaultAction;
}

export interface RouterConfig {
  nsr: boolean;
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
  mutant: MutantName | undefined;
  /** The router's MSDP speaker, when some peer runs `app: msdp` (model/app/layer/config.ts). */
  msdp?: RouterMsdpConfig;
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
