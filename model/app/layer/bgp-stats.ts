// What `nsrsim run` shows of BGP (issue 15, SPEC B-1…B-3, O-1): per BGP peer the router
// master's session state, the Adj-RIB-In size on each RE (B-3: the backup's equals the
// master's), messages by type, and what the peer saw (its own speaker's outcome: resets,
// hold expiries, routes lost, kept stale and for how long, time until whole again). Read
// from the finished world; plain data for JSON and the summary.
import type { BgpOutcome, MsgCounts } from '../bgp/stats.ts';
import type { BgpHost } from './bgp-host.ts';

export interface BgpPeerSummary {
  peer: string;
  state: string;
  /** Adj-RIB-In size (routes from this peer) on RE0 / RE1 (undefined: no BGP there). */
  adjRibIn: [number | undefined, number | undefined];
  sent: MsgCounts;
  received: MsgCounts;
  /** The peer's own view of the router (its Adj-RIB-In size and outcome). */
  peerRib: number;
  peerSaw: BgpOutcome;
}

export interface BgpSummary {
  master: number;
  peers: BgpPeerSummary[];
}

export interface BgpSummaryInput {
  master: 0 | 1;
  hosts: [BgpHost | undefined, BgpHost | undefined];
  peers: Array<{ name: string; host: BgpHost }>;
}

export function bgpSummary(x: BgpSummaryInput): BgpSummary | undefined {
  if (x.peers.length === 0) return undefined;
  const m = x.hosts[x.master];
  const list = m === undefined ? [] : [...m.peerings.values()];
  const peers = x.peers.flatMap((p, i): BgpPeerSummary[] => {
    const mine = list[i];
    const theirs = [...p.host.peerings.values()][0];
    if (theirs === undefined) return [];
    const ribOn = (re: 0 | 1) =>
      x.hosts[re] === undefined
        ? undefined
        : [...(x.hosts[re]?.peerings.values() ?? [])][i]?.speaker.adjRibIn().length;
    return [
      {
        peer: p.name,
        state: mine?.speaker.state ?? 'Idle',
        adjRibIn: [ribOn(0), ribOn(1)],
        sent: { ...(mine?.speaker.counters.sent ?? theirs.speaker.counters.received) },
        received: { ...(mine?.speaker.counters.received ?? theirs.speaker.counters.sent) },
        peerRib: theirs.speaker.adjRibIn().length,
        peerSaw: theirs.speaker.outcome(),
      },
    ];
  });
  return { master: x.master, peers };
}
