// Shared test helper: builds a WorldConfig quickly from a few overrides (one peer "pa"
// with one peer-initiated session at 20 records/s each way unless told otherwise).
import type { TrafficSpec } from '../../model/app/stream.ts';
import {
  DEFAULT_ROUTER,
  type FaultConfig,
  type PeerConfig,
  type RouterConfig,
  type WorldConfig,
} from '../../model/config.ts';
import type { LinkParams } from '../../model/net/link.ts';
import { MS, SEC } from '../../sim/index.ts';

export const TRAFFIC: Readonly<TrafficSpec> = { ratePerSec: 20, sizeMin: 64, sizeMax: 1460 };

/** A peer config with sensible defaults; `over` replaces any field. */
export function peer(name: string, over: Partial<PeerConfig> = {}): PeerConfig {
  return {
    name,
    link: { latencyNs: 1 * MS, bandwidthBps: 100_000_000 },
    sessions: 1,
    initiator: 'peer',
    toRouter: { ...TRAFFIC },
    fromRouter: { ...TRAFFIC },
    peerRead: { chunkBytes: 0, intervalNs: 0 },
    routerRead: { chunkBytes: 0, intervalNs: 0 },
    ...over,
  };
}

export interface WorldOverrides {
  name?: string;
  seed?: number;
  durationNs?: number;
  router?: Partial<RouterConfig>;
  peers?: PeerConfig[];
  faults?: FaultConfig[];
  maxEvents?: number;
  holdTimeNs?: number;
  /** Shorthand: parameters merged into every peer's link. */
  link?: Partial<LinkParams>;
}

/** A whole WorldConfig: one peer "pa", no NSR, no faults, 2 s, seed 1, unless overridden. */
export function worldConfig(o: WorldOverrides = {}): WorldConfig {
  const peers = (o.peers ?? [peer('pa')]).map((p) =>
    o.link === undefined ? p : { ...p, link: { ...p.link, ...o.link } },
  );
  return {
    name: o.name ?? 'test',
    seed: o.seed ?? 1,
    durationNs: o.durationNs ?? 2 * SEC,
    router: { ...DEFAULT_ROUTER, ...o.router },
    peers,
    faults: o.faults ?? [],
    maxEvents: o.maxEvents ?? 5_000_000,
    holdTimeNs: o.holdTimeNs ?? 90 * SEC,
  };
}
