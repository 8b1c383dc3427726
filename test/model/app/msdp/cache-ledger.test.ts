// Proves the two bookkeeping structures under the engine: the SA cache keeps one entry per (RP, group, source), resets its SA-State deadline on refresh (RFC 3618 §5.3), expires exactly the entries due, reports its earliest deadline and sorts by (RP, group, source); the snoop ledger matches owed forwards and seen copies as a multiset in either order, keeps own-SA sightings, forgets entries older than its age, and stays bounded.
import { describe, expect, it } from 'vitest';
import {
  LEDGER_ITEMS_MAX,
  SaCache,
  SnoopLedger,
  encodeSa,
} from '../../../../model/app/msdp/index.ts';

describe('SaCache', () => {
  it('new, refresh, expire, next expiry and order', () => {
    const c = new SaCache();
    expect(c.upsert(2, { group: 5, source: 1 }, 9, 0, 90)).toBe('new');
    expect(c.upsert(1, { group: 7, source: 3 }, 9, 10, 90)).toBe('new');
    expect(c.upsert(1, { group: 7, source: 2 }, 9, 20, 90)).toBe('new');
    expect(c.upsert(2, { group: 5, source: 1 }, 8, 50, 90)).toBe('refresh');
    expect(c.size).toBe(3);
    expect(c.nextExpiry()).toBe(100);
    expect(
      c.sorted().map((e) => [e.rp, e.group, e.source, e.peer, e.firstSeenNs, e.expiresNs]),
    ).toEqual([
      [1, 7, 2, 9, 20, 110],
      [1, 7, 3, 9, 10, 100],
      [2, 5, 1, 8, 0, 140],
    ]);
    expect(c.expire(99)).toEqual([]);
    expect(c.expire(110).map((e) => e.source)).toEqual([2, 3]);
    expect(c.has(2, { group: 5, source: 1 })).toBe(true);
    expect(c.nextExpiry()).toBe(140);
    expect(c.expire(140)).toHaveLength(1);
    expect(c.nextExpiry()).toBeUndefined();
  });

  it('sorted() hands out copies', () => {
    const c = new SaCache();
    c.upsert(1, { group: 2, source: 3 }, 4, 0, 10);
    c.sorted()[0]!.expiresNs = 999;
    expect(c.nextExpiry()).toBe(10);
  });
});

describe('SnoopLedger', () => {
  const a = encodeSa(1, [{ group: 2, source: 3 }]);
  const b = encodeSa(4, [{ group: 5, source: 6 }]);

  it('owed then seen, seen then owed: a multiset either way', () => {
    const l = new SnoopLedger(0, 60);
    expect(l.owe(a, 1)).toBe(false);
    expect(l.owe(a, 2)).toBe(false);
    expect(l.forwardSeen(a, 3)).toBe(true);
    expect(l.owedCount).toBe(1);
    expect(l.forwardSeen(b, 4)).toBe(false); // a credit
    expect(l.creditCount).toBe(1);
    expect(l.owe(b.slice(), 5)).toBe(true); // equal bytes, another array
    expect(l.creditCount).toBe(0);
    expect(l.owedForwards(6)).toEqual([a]);
    expect(l.owedCount).toBe(0);
  });

  it('forgets what is older than its age, and stays bounded', () => {
    const l = new SnoopLedger(0, 60);
    l.owe(a, 0);
    l.forwardSeen(b, 0);
    expect(l.owedForwards(61)).toEqual([]);
    expect(l.forgotten).toBe(2);
    const m = new SnoopLedger(0, 1e9);
    for (let i = 0; i <= LEDGER_ITEMS_MAX; i++) m.owe(a, i);
    expect(m.owedCount).toBe(LEDGER_ITEMS_MAX);
    expect(m.forgotten).toBe(1);
  });

  it('notes when each own (S, G) was last seen going out', () => {
    const l = new SnoopLedger(5, 60);
    l.ownSeen([{ group: 2, source: 3 }], 7);
    l.ownSeen([{ group: 2, source: 3 }], 9);
    expect(l.ownLastSeen({ group: 2, source: 3 })).toBe(9);
    expect(l.ownLastSeen({ group: 2, source: 4 })).toBeUndefined();
    expect(l.sinceNs).toBe(5);
  });
});
