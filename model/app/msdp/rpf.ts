// The MSDP peer-RPF check (RFC 3618 §10.1.3), as a pure function of a simple configured
// topology. An SA originated by RP R and received by X from peer N is accepted iff N is
// X's peer-RPF neighbor for R; otherwise it is dropped and not forwarded (§3). Of the
// RFC's rules we model (1) N is R itself (direct peering) and (5) N is the statically
// configured RPF peer for R (our topology: prefixes of originator RPs, each reached
// through one peer, longest prefix first). The BGP/MRIB rules (2)-(4) need a routing
// table nsrsim does not model; a static route stands in for their answer. R13: only an
// ESTABLISHED peer is eligible, which the caller guarantees (an SA arrives on a session).
// Mesh groups (§10.2) are not modelled. Seed 003 Caveat II (ECMP next hops disagreeing)
// is a base-MSDP issue the seed leaves out of scope, and so do we.
import type { Ipv4 } from '../../net/segment.ts';
import type { RpfRoute } from './defs.ts';

export type RpfVerdict =
  | { ok: true; rule: 'direct' | 'static' }
  | { ok: false; reason: 'own-rp' | 'no-route' | 'not-rpf-peer'; expected?: Ipv4 };

function prefixMask(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

/** The configured RPF peer for originator `rp`: the longest matching prefix's peer. */
export function rpfPeer(routes: readonly RpfRoute[], rp: Ipv4): Ipv4 | undefined {
  let best: RpfRoute | undefined;
  for (const r of routes) {
    const m = prefixMask(r.len);
    if ((rp & m) >>> 0 !== (r.prefix & m) >>> 0) continue;
    // First of equal lengths wins, so configuration order breaks ties deterministically.
    if (best === undefined || r.len > best.len) best = r;
  }
  return best?.peer;
}

/**
 * May an SA from originator `rp`, received from peer `from`, be accepted? `ownRp` is this
 * router's own originator address (its own SAs coming back are never accepted).
 */
export function peerRpfCheck(
  routes: readonly RpfRoute[],
  rp: Ipv4,
  from: Ipv4,
  ownRp: Ipv4 | undefined,
): RpfVerdict {
  if (ownRp !== undefined && rp === ownRp) return { ok: false, reason: 'own-rp' };
  if (from === rp) return { ok: true, rule: 'direct' };
  const expected = rpfPeer(routes, rp);
  if (expected === undefined) return { ok: false, reason: 'no-route' };
  if (expected !== from) return { ok: false, reason: 'not-rpf-peer', expected };
  return { ok: true, rule: 'static' };
}
