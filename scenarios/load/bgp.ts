// The loader's BGP keys (issue 15, SPEC B-1…B-3): a peer's `bgp:` map (with `app: bgp`) and
// `router.bgp`. Prefixes are "a.b.c.d/len"; times are durations; every value is checked
// here so the model gets a configuration bgpConfig() accepts (model/app/bgp/config.ts).
import { isScalar, type Node } from 'yaml';
import {
  BGP_PEER_AS_BASE,
  BGP_PEER_ROUTES_DEFAULT,
  ROUTER_BGP_DEFAULT,
  type BgpPeerApp,
  type BgpRoutes,
  type RouterBgpConfig,
} from '../../model/app/layer/bgp-config.ts';
import { MALFORMS, type Malform } from '../../model/app/bgp/malform.ts';
import { checkTable } from '../../model/app/bgp/table.ts';
import { SEC } from '../../sim/index.ts';
import { parseIpv4 } from '../../model/net/segment.ts';
import { duration, positiveDuration } from './values.ts';
import { bool, int, Invalid, oneOf, str, type Field, type Fields, type Walk } from './walk.ts';

export const BGP_PEER_KEYS = ['as', 'routes', 'hold', 'gr', 'malformed', 'malform'] as const;
export const BGP_ROUTER_KEYS = ['as', 'routes', 'hold', 'restartTime', 'connectRetry'] as const;
export const BGP_ROUTES_KEYS = ['count', 'first', 'churn'] as const;
/** Bound on the routes one speaker originates. */
export const BGP_ROUTES_MAX = 100_000;
/** Churn events per second, at most. */
export const BGP_CHURN_MAX = 1000;

function prefix(n: Node | null, what: string): { first: number; len: number } {
  const s = str(n, what);
  const [addr = '', lenText = '24'] = s.split('/');
  const a = parseIpv4(addr);
  const len = Number(lenText);
  if (a === undefined || !Number.isInteger(len) || len < 1 || len > 32)
    throw new Invalid(`${what} "${s}" is not a prefix like 20.0.0.0/24`);
  return { first: a, len };
}

function churn(n: Node | null, what: string): number {
  const v = isScalar(n) ? n.value : undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > BGP_CHURN_MAX)
    throw new Invalid(`${what} must be a number of events per second in 0..${BGP_CHURN_MAX}`);
  return v;
}

function readRoutes(w: Walk, f: Field | undefined, what: string, base: BgpRoutes): BgpRoutes {
  if (f === undefined) return { ...base };
  const m = w.map(f.value, what, BGP_ROUTES_KEYS);
  if (m === undefined) return { ...base };
  const p = w.read(m.get('first'), { first: base.first, len: base.len }, (n) =>
    prefix(n, `${what}.first`),
  );
  const out: BgpRoutes = {
    count: w.read(m.get('count'), base.count, (n) => int(n, `${what}.count`, 0, BGP_ROUTES_MAX)),
    first: p.first,
    len: p.len,
    churnPerSec: w.read(m.get('churn'), base.churnPerSec, (n) => churn(n, `${what}.churn`)),
  };
  try {
    checkTable({
      prefixCount: out.count,
      firstPrefix: out.first,
      prefixLen: out.len,
      churnPerSec: out.churnPerSec,
    });
  } catch {
    w.error(f.value, `${what}: the prefixes must be aligned to /${out.len} and fit in IPv4`);
  }
  return out;
}

function hold(w: Walk, m: Fields, what: string, base: number): number {
  return w.read(m.get('hold'), base, (n) => {
    const ns = duration(n, `${what}.hold`);
    const s = ns / SEC;
    if (!Number.isInteger(s) || s === 1 || s === 2 || s > 0xffff)
      throw new Invalid(`${what}.hold must be 0 or 3..65535 whole seconds (RFC 4271 §4.2)`);
    return s;
  });
}

/** A peer's `bgp:` map (`app: bgp`); undefined field = every default. */
export function readPeerBgp(w: Walk, f: Field | undefined, what: string): BgpPeerApp {
  const out: BgpPeerApp = {
    kind: 'bgp',
    as: BGP_PEER_AS_BASE,
    routes: { ...BGP_PEER_ROUTES_DEFAULT },
    holdSec: 90,
    gr: true,
  };
  if (f === undefined) return out;
  const m = w.map(f.value, what, BGP_PEER_KEYS);
  if (m === undefined) return out;
  out.as = w.read(m.get('as'), out.as, (n) => int(n, `${what}.as`, 1, 0xffffffff));
  out.routes = readRoutes(w, m.get('routes'), `${what}.routes`, out.routes);
  out.holdSec = hold(w, m, what, out.holdSec);
  out.gr = w.read(m.get('gr'), true, (n) => bool(n, `${what}.gr`));
  const at = w.read(m.get('malformed'), undefined as number | undefined, (n) =>
    positiveDuration(n, `${what}.malformed`),
  );
  if (at !== undefined) out.malformedAtNs = at;
  const kind = w.read(m.get('malform'), undefined as Malform | undefined, (n) =>
    oneOf(n, `${what}.malform`, MALFORMS),
  );
  if (kind !== undefined) {
    if (at === undefined) w.error(m.node, `${what}.malform needs malformed (when to send it)`);
    out.malform = kind;
  }
  return out;
}

/** `router.bgp`: the router's speaker (both REs). */
export function readRouterBgp(w: Walk, f: Field | undefined): RouterBgpConfig | undefined {
  if (f === undefined) return undefined;
  const what = 'router.bgp';
  const d = ROUTER_BGP_DEFAULT;
  const m = w.map(f.value, what, BGP_ROUTER_KEYS);
  if (m === undefined) return undefined;
  return {
    as: w.read(m.get('as'), d.as, (n) => int(n, `${what}.as`, 1, 0xffffffff)),
    routes: readRoutes(w, m.get('routes'), `${what}.routes`, d.routes),
    holdSec: hold(w, m, what, d.holdSec),
    restartTimeSec: w.read(m.get('restartTime'), d.restartTimeSec, (n) => {
      const s = duration(n, `${what}.restartTime`) / SEC;
      if (!Number.isInteger(s) || s > 4095)
        throw new Invalid(`${what}.restartTime must be 0..4095 whole seconds (RFC 4724 §3)`);
      return s;
    }),
    connectRetryNs: w.read(m.get('connectRetry'), d.connectRetryNs, (n) =>
      positiveDuration(n, `${what}.connectRetry`),
    ),
  };
}

/** router.bgp needs BGP peers; a peer's AS must differ from the router's (eBGP). */
export function checkBgpPeers(
  w: Walk,
  at: Node | null,
  router: RouterBgpConfig | undefined,
  peers: ReadonlyArray<{ name: string; app?: { kind: string; as?: number } }>,
  design: string | undefined,
): void {
  const bgp = peers.filter((p) => p.app?.kind === 'bgp');
  if (design === 'gr' && bgp.length === 0)
    w.error(at, 'router.design: gr (BGP graceful restart) needs at least one peer with app: bgp');
  if (router !== undefined && bgp.length === 0)
    w.error(at, 'router.bgp needs at least one peer with app: bgp');
  const as = router?.as ?? ROUTER_BGP_DEFAULT.as;
  for (const p of bgp)
    if (p.app?.as === as)
      w.error(at, `peer "${p.name}" has the router's AS ${as}: nsrsim's BGP peerings are eBGP`);
}
