// The application-protocol layer's configuration (what a scenario's `app:` key and
// `router.msdp` become) and how it turns into each speaker's MsdpConfig (RFC 3618 engine,
// model/app/msdp/defs.ts). Peers are named here; the world gives them their addresses.
import { ipv4ToString, type Ipv4 } from '../../net/segment.ts';
import type { BgpPeerApp } from './bgp-config.ts';
import type { MsdpConfig, MsdpMutant, MsdpTimers, OriginationConfig } from '../msdp/defs.ts';

/** An external peer's MSDP speaker: it peers with the router only (seed 003 R2, R3). */
export interface MsdpPeerApp {
  kind: 'msdp';
  /** What this peer originates as an RP (its RP address defaults to its own). */
  origination?: Omit<OriginationConfig, 'rp'> & { rp?: Ipv4 };
  timers?: Partial<MsdpTimers>;
  saEntriesPerTlv?: number;
  /** SPEC D-8 scenario: at this instant the peer writes a malformed TLV to the router. */
  badTlvAtNs?: number;
}

/** `app: stream` (the default: no object), an MSDP speaker or a BGP speaker (bgp-config.ts). */
export type PeerApp = { kind: 'stream' } | MsdpPeerApp | BgpPeerApp;

/** A peer-RPF route of the router's topology: originator RPs in prefix/len via `peer`. */
export interface RouterRpfRoute {
  prefix: Ipv4;
  len: number;
  peer: string;
}

/** The router's MSDP speaker (both REs build one from it). */
export interface RouterMsdpConfig {
  origination?: Omit<OriginationConfig, 'rp'> & { rp?: Ipv4 };
  rpf: RouterRpfRoute[];
  timers?: Partial<MsdpTimers>;
  saEntriesPerTlv?: number;
  /** SPEC D-7: false = `nonstop-routing-disable` for MSDP: its sockets are not replicated. */
  nsr: boolean;
  /** SPEC F-5 / D-6: the planned-switchover guard (design option, on by default). */
  guard: boolean;
}

/** MSDP SAs stay decodable by tshark (one TLV in one segment): RFC 3618 §12.2.1 packing. */
export const SA_ENTRIES_PER_TLV_DEFAULT = 121;

export function isMsdpPeer(app: PeerApp | undefined): app is MsdpPeerApp {
  return app?.kind === 'msdp';
}

/** The router's speaker configuration, peers resolved to addresses. */
export function routerMsdpConfig(
  cfg: RouterMsdpConfig,
  local: Ipv4,
  peers: ReadonlyArray<{ name: string; addr: Ipv4 }>,
  mutants: readonly MsdpMutant[],
): MsdpConfig {
  const addrOf = new Map(peers.map((p) => [p.name, p.addr]));
  const rpf = cfg.rpf.map((r) => {
    const peer = addrOf.get(r.peer);
    if (peer === undefined) throw new Error(`msdp rpf: no MSDP peer named ${r.peer}`);
    return { prefix: r.prefix, len: r.len, peer };
  });
  const o = cfg.origination;
  return {
    local,
    peers: peers.map((p) => p.addr),
    rpf,
    ...(o === undefined ? {} : { origination: { ...o, rp: o.rp ?? local } }),
    ...(cfg.timers === undefined ? {} : { timers: cfg.timers }),
    saEntriesPerTlv: cfg.saEntriesPerTlv ?? SA_ENTRIES_PER_TLV_DEFAULT,
    mutants,
  };
}

/** An external peer's speaker: its one peer is the router; everything it hears is direct. */
export function peerMsdpConfig(app: MsdpPeerApp, local: Ipv4, router: Ipv4): MsdpConfig {
  const o = app.origination;
  return {
    local,
    peers: [router],
    // RFC 3618 §10.1.3 rule 5 stand-in: every originator is reached through the router.
    rpf: [{ prefix: 0, len: 0, peer: router }],
    ...(o === undefined ? {} : { origination: { ...o, rp: o.rp ?? local } }),
    ...(app.timers === undefined ? {} : { timers: app.timers }),
    saEntriesPerTlv: app.saEntriesPerTlv ?? SA_ENTRIES_PER_TLV_DEFAULT,
  };
}

/** The session id of the one MSDP connection with a peer (as stream sessions: peer/index). */
export function msdpSessionId(peerName: string): string {
  return `${peerName}/0`;
}

export function addrText(a: Ipv4): string {
  return ipv4ToString(a);
}
