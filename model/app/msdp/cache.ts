// The SA cache (RFC 3618 §4: an MSDP speaker MUST cache SA messages) with one SA-State
// timer per entry (§5.3: started when the SA is first accepted, reset to [SG-State-Period]
// by each later one, the entry removed when it expires).
//
// Keyed by (RP, group, source), not by (S, G) alone: with anycast RPs two originators can
// announce the same (S, G), and keying by the pair would make the cached RP depend on the
// order in which SAs from different peers arrived, an order the master and the backup RE
// need not share (each socket is replicated in order, the sockets are not ordered against
// each other). The triple makes both REs' caches comparable as sets (SPEC D-4).
//
// The timers are not one simulator timer each: the cache keeps expiry instants and the
// speaker arms one timer at the earliest (nextExpiry), sweeping on each firing.
import type { Ipv4 } from '../../net/segment.ts';
import type { SaPair } from './codec.ts';

/** SA cache bound (RFC 3618 §18 advises SA limits); SPEC D-5 needs 1,000. */
export const SA_CACHE_MAX = 100_000;

export interface SaKey {
  rp: Ipv4;
  group: Ipv4;
  source: Ipv4;
}

export interface SaCacheEntry extends SaKey {
  /** The peer the SA was last accepted from. */
  peer: Ipv4;
  firstSeenNs: number;
  refreshedNs: number;
  expiresNs: number;
}

export function saKeyString(rp: Ipv4, p: SaPair): string {
  return `${rp}/${p.group}/${p.source}`;
}

/** Total order on cache keys: (RP, group, source), numerically. */
export function compareSaKeys(a: SaKey, b: SaKey): number {
  return a.rp - b.rp || a.group - b.group || a.source - b.source;
}

export type UpsertResult = 'new' | 'refresh' | 'full';

export class SaCache {
  private readonly map = new Map<string, SaCacheEntry>();

  get size(): number {
    return this.map.size;
  }

  has(rp: Ipv4, p: SaPair): boolean {
    return this.map.has(saKeyString(rp, p));
  }

  /** Accepts (rp, p) from `peer` at `now`: a new entry or an SA-State timer reset. */
  upsert(rp: Ipv4, p: SaPair, peer: Ipv4, now: number, lifetimeNs: number): UpsertResult {
    const key = saKeyString(rp, p);
    const e = this.map.get(key);
    if (e !== undefined) {
      e.peer = peer;
      e.refreshedNs = now;
      e.expiresNs = now + lifetimeNs;
      return 'refresh';
    }
    if (this.map.size >= SA_CACHE_MAX) return 'full';
    this.map.set(key, {
      rp,
      group: p.group,
      source: p.source,
      peer,
      firstSeenNs: now,
      refreshedNs: now,
      expiresNs: now + lifetimeNs,
    });
    return 'new';
  }

  /** Removes and returns (in key order) every entry whose SA-State timer ran out by `now`. */
  expire(now: number): SaCacheEntry[] {
    const gone: SaCacheEntry[] = [];
    for (const [k, e] of this.map) {
      if (e.expiresNs > now) continue;
      this.map.delete(k);
      gone.push(e);
    }
    return gone.sort(compareSaKeys);
  }

  /** The earliest expiry instant, or undefined when empty. */
  nextExpiry(): number | undefined {
    let min: number | undefined;
    for (const e of this.map.values())
      if (min === undefined || e.expiresNs < min) min = e.expiresNs;
    return min;
  }

  /** Every entry, copied, sorted by (RP, group, source): what checkers compare (SPEC D-4). */
  sorted(): SaCacheEntry[] {
    return [...this.map.values()].map((e) => ({ ...e })).sort(compareSaKeys);
  }
}
