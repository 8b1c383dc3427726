// The run summary's BGP block (issue 15, SPEC O-1, B-3): per BGP peer the router master's
// session state, the Adj-RIB-In on each RE, messages both ways, and what the peer saw.
import type { BgpSummary } from '../../model/app/layer/bgp-stats.ts';
import type { RouteOutcome } from '../../model/outcome.ts';
import { formatDuration } from '../../sim/index.ts';

const n = (x: number | undefined): string => (x === undefined ? '-' : x.toLocaleString('en-US'));

export function formatBgp(b: BgpSummary, shown: number): string[] {
  const lines = [`  bgp        ${b.peers.length} peers, master re${b.master}`];
  for (const p of b.peers.slice(0, shown)) {
    const o = p.peerSaw;
    const whole =
      o.wholeAgainLongestNs === undefined
        ? 'still recovering'
        : o.sessionResets === 0
          ? 'never broken'
          : `whole again after ${formatDuration(o.wholeAgainLongestNs)}`;
    lines.push(
      `    ${p.peer}  ${p.state}; Adj-RIB-In re0 ${n(p.adjRibIn[0])} / re1 ${n(p.adjRibIn[1])}; UPDATE sent ${n(p.sent.update)}, received ${n(p.received.update)}; peer holds ${n(p.peerRib)} routes`,
      `      peer saw ${o.sessionResets} resets, ${o.holdExpiries} hold expiries, ${n(o.routesLost)} routes lost, ${n(o.staleRoutesMax)} kept stale for ${formatDuration(o.staleLongestNs)}; ${whole}`,
    );
  }
  if (b.peers.length > shown)
    lines.push(`    … ${b.peers.length - shown} more peers (all of them with --json)`);
  return lines;
}

/** SPEC O-1 for BGP peers (model/outcome.ts RouteOutcome): one line under "peer saw". */
export function formatRoutes(r: RouteOutcome): string {
  const whole =
    r.wholeAgainMs === null
      ? 'not whole again by the end'
      : `whole again after ${r.wholeAgainMs} ms`;
  return `  routes     ${n(r.withdrawn)} withdrawn at the peers, ${n(r.keptStale)} kept stale for up to ${r.staleMsMax} ms; tables ${whole}`;
}
