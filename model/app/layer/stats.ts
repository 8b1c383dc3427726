// What `nsrsim run` shows of the router's MSDP (SPEC D-7 "show msdp socket", O-1): per
// MSDP peer its state, its replicated socket's handle on each RE (I-1), the SA cache of
// each RE and the master's message counters; and the planned switchovers the F-5 guard
// refused. Read from the finished world; plain data for JSON and the summary.
import { ipv4ToString } from '../../net/segment.ts';
import type { MsdpHost } from './msdp-host.ts';

export interface MsdpPeerSummary {
  peer: string;
  address: string;
  state: string;
  /** The socket's replication handle on RE0 / RE1 (undefined: not replicated there). */
  handles: [number | undefined, number | undefined];
  saSent: number;
  saReceived: number;
  keepAlivesSent: number;
  keepAlivesReceived: number;
  resets: number;
  adjacencyDrops: number;
}

export interface MsdpSummary {
  master: number;
  /** SA cache size on RE0 / RE1 (undefined: that RE runs no MSDP now). */
  saCache: [number | undefined, number | undefined];
  /** The router's own SAs (it does not cache them, D-3). */
  originated: number;
  peers: MsdpPeerSummary[];
  refusals: Array<{ timeNs: number; message: string }>;
}

export interface MsdpSummaryInput {
  master: 0 | 1;
  hosts: [MsdpHost | undefined, MsdpHost | undefined];
  /** Handle of a session's socket on RE i, if replicated there. */
  handle(re: 0 | 1, session: string): number | undefined;
  names: ReadonlyMap<number, string>;
  refusals: Array<{ timeNs: number; message: string }>;
}

export function msdpSummary(x: MsdpSummaryInput): MsdpSummary | undefined {
  const m = x.hosts[x.master];
  if (m === undefined) return undefined;
  const peers = m.speaker.peerViews().map((v): MsdpPeerSummary => {
    const name = x.names.get(v.peer) ?? '?';
    const session = `${name}/0`;
    const c = v.counters;
    return {
      peer: name,
      address: ipv4ToString(v.peer),
      state: v.state,
      handles: [x.handle(0, session), x.handle(1, session)],
      saSent: c.saSent,
      saReceived: c.saReceived,
      keepAlivesSent: c.keepAlivesSent,
      keepAlivesReceived: c.keepAlivesReceived,
      resets: c.resets,
      adjacencyDrops: c.adjacencyDrops,
    };
  });
  return {
    master: x.master,
    saCache: [x.hosts[0]?.speaker.saCache().length, x.hosts[1]?.speaker.saCache().length],
    originated: m.speaker.localActive().length,
    peers,
    refusals: x.refusals,
  };
}
