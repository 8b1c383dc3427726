// The BGP part of a scenario written back as YAML (issue 15): a peer's `app: bgp` with its
// `bgp:` map, and `router.bgp`, in the keys scenarios/load/bgp.ts reads, so a generated or
// library scenario with BGP peers round-trips (yaml.ts calls these).
import type { BgpPeerApp, BgpRoutes, RouterBgpConfig } from '../../model/app/layer/bgp-config.ts';
import { ipv4ToString } from '../../model/net/segment.ts';
import { formatDuration, SEC } from '../../sim/index.ts';

type Obj = Record<string, unknown>;

function routesObject(r: BgpRoutes): Obj {
  return { count: r.count, first: `${ipv4ToString(r.first)}/${r.len}`, churn: r.churnPerSec };
}

export function peerBgpObject(a: BgpPeerApp): Obj {
  const out: Obj = { as: a.as, routes: routesObject(a.routes), hold: `${a.holdSec}s`, gr: a.gr };
  if (a.malformedAtNs !== undefined) out.malformed = formatDuration(a.malformedAtNs);
  if (a.malform !== undefined) out.malform = a.malform;
  return out;
}

export function routerBgpObject(r: RouterBgpConfig): Obj {
  return {
    as: r.as,
    routes: routesObject(r.routes),
    hold: `${r.holdSec}s`,
    restartTime: `${r.restartTimeSec}s`,
    connectRetry:
      r.connectRetryNs % SEC === 0
        ? `${r.connectRetryNs / SEC}s`
        : formatDuration(r.connectRetryNs),
  };
}
