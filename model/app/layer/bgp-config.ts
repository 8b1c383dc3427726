// The BGP part of the application-protocol layer's configuration (issue 15, SPEC B-1…B-3):
// what a peer's `app: bgp` with its `bgp:` map and `router.bgp` become, and how they turn
// into each end's BgpConfig (model/app/bgp/config.ts). One peering per BGP peer: the peer
// is passive (listens on port 179), the router's speaker connects (RFC 4271 §8.2.1.4), so
// a new master reopens its sessions at once after a restart (RFC 4724 §4.1). Design `none`
// leaves the graceful restart capability out of the router's OPEN (the helper then
// deletes every route at once); every other design advertises it.
import { ipv4ToString, type Ipv4 } from '../../net/segment.ts';
import { SEC } from '../../../sim/index.ts';
import { GR_DEFAULTS, bgpConfig, type BgpConfig } from '../bgp/config.ts';
import type { RouteTableConfig } from '../bgp/table.ts';
import type { Malform } from '../bgp/malform.ts';

/** The routes one end originates (table.ts): count prefixes from `first`, churn events/s. */
export interface BgpRoutes {
  count: number;
  first: Ipv4;
  len: number;
  churnPerSec: number;
}

/** An external peer's BGP speaker (`app: bgp`). */
export interface BgpPeerApp {
  kind: 'bgp';
  as: number;
  routes: BgpRoutes;
  holdSec: number;
  /** The peer is a graceful-restart helper (advertises the capability, RFC 4724 §4.2). */
  gr: boolean;
  /** Test hook (SPEC B-1 bgp-malformed): at this instant the peer writes a malformed UPDATE. */
  malformedAtNs?: number;
  /** Which malformation (model/app/bgp/malform.ts); missing-next-hop by default. */
  malform?: Malform;
}

/** `router.bgp`: the router's speaker, the same on both REs. */
export interface RouterBgpConfig {
  as: number;
  routes: BgpRoutes;
  holdSec: number;
  /** Restart Time advertised (RFC 4724 §3), seconds. */
  restartTimeSec: number;
  connectRetryNs: number;
}

export const ROUTER_BGP_DEFAULT: RouterBgpConfig = {
  as: 65000,
  routes: { count: 10, first: 0xc6120000, len: 24, churnPerSec: 0 },
  holdSec: 90,
  restartTimeSec: GR_DEFAULTS.restartTimeSec,
  connectRetryNs: 30 * SEC,
};

export const BGP_PEER_AS_BASE = 65001;
export const BGP_PEER_ROUTES_DEFAULT: BgpRoutes = {
  count: 100,
  first: 0x14000000,
  len: 24,
  churnPerSec: 0,
};

export function isBgpPeer(app: { kind: string } | undefined): app is BgpPeerApp {
  return app?.kind === 'bgp';
}

/** A peer run by a protocol engine of the layer (MSDP or BGP), not the stream application. */
export function isLayerPeer(app: { kind: string } | undefined): boolean {
  return app?.kind === 'msdp' || app?.kind === 'bgp';
}

function table(r: BgpRoutes): RouteTableConfig {
  return {
    prefixCount: r.count,
    firstPrefix: r.first,
    prefixLen: r.len,
    churnPerSec: r.churnPerSec,
  };
}

/** The router's side of the peering with `peer` (name, address, AS). */
export function routerBgpConfig(
  r: RouterBgpConfig,
  local: Ipv4,
  peer: { name: string; app: BgpPeerApp },
  opts: { gr: boolean; restarting: boolean },
): BgpConfig {
  return bgpConfig({
    name: `${peer.name}/bgp@router`,
    localAs: r.as,
    peerAs: peer.app.as,
    bgpId: local,
    nextHop: local,
    holdTimeSec: r.holdSec,
    connectRetryNs: r.connectRetryNs,
    gr: opts.gr ? { ...GR_DEFAULTS, restartTimeSec: r.restartTimeSec } : undefined,
    restarting: opts.gr && opts.restarting,
    table: table(r.routes),
  });
}

/** The external peer's side: passive, a graceful-restart helper unless `gr: false`. */
export function peerBgpConfig(
  app: BgpPeerApp,
  name: string,
  local: Ipv4,
  routerAs: number,
): BgpConfig {
  return bgpConfig({
    name: `${name}/bgp`,
    localAs: app.as,
    peerAs: routerAs,
    bgpId: local,
    nextHop: local,
    holdTimeSec: app.holdSec,
    passive: true,
    gr: app.gr ? GR_DEFAULTS : undefined,
    table: table(app.routes),
  });
}

export function bgpSessionId(peerName: string): string {
  return `${peerName}/0`;
}

export function bgpAddrText(a: Ipv4): string {
  return ipv4ToString(a);
}
