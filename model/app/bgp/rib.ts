// The Adj-RIB-In of one peer (RFC 4271 §3.2: the routes learned from that peer's UPDATEs,
// unprocessed), with the stale mark of graceful restart (RFC 4724 §4.2: a helper keeps a
// restarting peer's routes, marked stale, until refreshed or flushed). There is no
// Loc-RIB or decision process: nsrsim's speakers originate their own tables and never
// pass routes on, so the Adj-RIB-In is what checkers and outcome figures read.
//
// Within one UPDATE, withdrawn routes are applied before the NLRI (RFC 4271 §3.1 lists
// them first; a prefix in both ends announced). A route's attributes are shared with the
// other routes of its UPDATE and must be treated as read-only.
import { prefixKey, prefixText, type PathAttrs, type Prefix, type UpdateMsg } from './defs.ts';

export interface RibRoute {
  prefix: Prefix;
  attrs: PathAttrs;
  stale: boolean;
  /** When this route was last announced. */
  sinceNs: number;
}

/** One Adj-RIB-In entry as checkers see it. */
export interface RibEntry {
  prefix: string;
  attrs: PathAttrs;
  stale: boolean;
}

export interface ApplyResult {
  /** Announcements of prefixes not held before. */
  added: number;
  /** Announcements replacing a fresh route. */
  replaced: number;
  /** Announcements replacing a stale route (RFC 4724 §4.2: the stale mark goes). */
  refreshed: number;
  /** Withdrawals of routes held. */
  withdrawn: number;
}

export class AdjRibIn {
  private readonly routes = new Map<number, RibRoute>();
  private stale = 0;

  get size(): number {
    return this.routes.size;
  }

  get staleCount(): number {
    return this.stale;
  }

  apply(u: UpdateMsg, nowNs: number): ApplyResult {
    const r: ApplyResult = { added: 0, replaced: 0, refreshed: 0, withdrawn: 0 };
    for (const p of u.withdrawn) {
      const old = this.routes.get(prefixKey(p));
      if (old === undefined) continue;
      if (old.stale) this.stale--;
      this.routes.delete(prefixKey(p));
      r.withdrawn++;
    }
    if (u.attrs === undefined) return r;
    for (const p of u.nlri) {
      const key = prefixKey(p);
      const old = this.routes.get(key);
      if (old === undefined) r.added++;
      else if (old.stale) {
        r.refreshed++;
        this.stale--;
      } else r.replaced++;
      this.routes.set(key, { prefix: p, attrs: u.attrs, stale: false, sinceNs: nowNs });
    }
    return r;
  }

  /** Marks every route stale; returns how many there are. */
  markAllStale(): number {
    for (const r of this.routes.values()) r.stale = true;
    this.stale = this.routes.size;
    return this.stale;
  }

  /** Deletes the stale routes; returns how many. */
  deleteStale(): number {
    const n = this.stale;
    for (const [k, r] of this.routes) if (r.stale) this.routes.delete(k);
    this.stale = 0;
    this.check();
    return n;
  }

  /** Deletes every route; returns how many. */
  clear(): number {
    const n = this.routes.size;
    this.routes.clear();
    this.stale = 0;
    return n;
  }

  /** Sorted by prefix (address, then length): what a checker compares. */
  entries(): RibEntry[] {
    return [...this.routes.keys()]
      .sort((a, b) => a - b)
      .map((k) => {
        const r = this.routes.get(k) as RibRoute;
        return { prefix: prefixText(r.prefix), attrs: r.attrs, stale: r.stale };
      });
  }

  /** A copy for an NSR sync (the routes are read-only, so sharing attributes is safe). */
  snapshot(): RibRoute[] {
    return [...this.routes.values()].map((r) => ({ ...r }));
  }

  restore(routes: readonly RibRoute[]): void {
    this.routes.clear();
    this.stale = 0;
    for (const r of routes) {
      this.routes.set(prefixKey(r.prefix), { ...r });
      if (r.stale) this.stale++;
    }
  }

  has(p: Prefix): boolean {
    return this.routes.has(prefixKey(p));
  }

  /** The cached stale count agrees with the routes (GUIDE §5: a cached value is paired with an assertion). */
  check(): void {
    let n = 0;
    for (const r of this.routes.values()) if (r.stale) n++;
    if (n !== this.stale) throw new Error(`bgp rib: stale count ${this.stale}, recount ${n}`);
  }
}
