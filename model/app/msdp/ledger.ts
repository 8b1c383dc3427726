// What a snooping session remembers about the master's outbound stream, so that a takeover
// sends the peer exactly what the master still owed it (no SA lost, none sent twice).
//
// - Own SAs: when each of this router's own (S, G) was last seen going out to this peer.
//   After a takeover the speaker re-sends those whose periodic slot passed unseen
//   (RFC 3618 §5.1: one SA per period per source, no more, no less).
// - Forwards: when an SA arrives from another peer and passes the peer-RPF check, the
//   master owes this peer a copy (RFC 3618 §3: flood to all peers but the one it came
//   from). The backup sees the arrival (receive snoop) and the copy going out (outbound
//   snoop) in no fixed order, as the two sockets are replicated independently, so the
//   ledger keeps a multiset: owed copies not yet seen, and seen copies not yet owed
//   (credits). Refreshes of the same SA are byte-identical, so which one matches which
//   does not matter, only the counts. Entries older than one SA-Advertisement-Period are
//   forgotten: by then the originator's refresh supersedes them.
import type { SaPair } from './codec.ts';

/** Owed forwards and credits kept at most, each (oldest forgotten first). */
export const LEDGER_ITEMS_MAX = 4096;

interface Item {
  key: string;
  bytes: Uint8Array;
  atNs: number;
  live: boolean;
}

function bytesKey(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i] as number);
  return s;
}

export function pairKey(p: SaPair): string {
  return `${p.group}/${p.source}`;
}

/**
 * A multiset of TLVs with their arrival times, O(1) per operation: by key for matching,
 * in arrival order for ageing and the bound (each key's list is in arrival order too, so
 * the oldest item overall is the first of its key's list).
 */
class Bag {
  private readonly byKey = new Map<string, Item[]>();
  private order: Item[] = [];
  private head = 0;
  size = 0;

  add(key: string, bytes: Uint8Array, atNs: number): void {
    const item = { key, bytes, atNs, live: true };
    const list = this.byKey.get(key);
    if (list === undefined) this.byKey.set(key, [item]);
    else list.push(item);
    this.order.push(item);
    this.size++;
  }

  /** Removes the oldest item with `key`; false if there is none. */
  take(key: string): boolean {
    const list = this.byKey.get(key);
    const item = list?.shift();
    if (list === undefined || item === undefined) return false;
    if (list.length === 0) this.byKey.delete(key);
    item.live = false;
    this.size--;
    return true;
  }

  /** Removes items that arrived before `before`, and the oldest beyond `max`; the count. */
  prune(before: number, max: number): number {
    let n = 0;
    for (;;) {
      const item = this.order[this.head];
      if (item === undefined || (item.live && item.atNs >= before && this.size <= max)) break;
      this.head++;
      if (item.live && this.take(item.key)) n++;
    }
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
    return n;
  }

  /** The items in arrival order. */
  items(): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let i = this.head; i < this.order.length; i++) {
      const item = this.order[i] as Item;
      if (item.live) out.push(item.bytes);
    }
    return out;
  }

  clear(): void {
    this.byKey.clear();
    this.order = [];
    this.head = 0;
    this.size = 0;
  }
}

export class SnoopLedger {
  private readonly ownLast = new Map<string, number>();
  private readonly owed = new Bag();
  private readonly credits = new Bag();
  /** Owed forwards and credits dropped by age or bound (for traces). */
  forgotten = 0;

  constructor(
    /** When snooping began: slots before it are assumed served by the master. */
    readonly sinceNs: number,
    private readonly ageNs: number,
  ) {}

  ownSeen(entries: readonly SaPair[], now: number): void {
    for (const e of entries) this.ownLast.set(pairKey(e), now);
  }

  ownLastSeen(p: SaPair): number | undefined {
    return this.ownLast.get(pairKey(p));
  }

  /** The master owes this peer `tlv`; true if it was already seen going out (a credit). */
  owe(tlv: Uint8Array, now: number): boolean {
    this.prune(now);
    const key = bytesKey(tlv);
    if (this.credits.take(key)) return true;
    this.owed.add(key, tlv, now);
    this.prune(now);
    return false;
  }

  /** The master sent `raw`; true if it was an owed forward, else it is kept as a credit. */
  forwardSeen(raw: Uint8Array, now: number): boolean {
    this.prune(now);
    const key = bytesKey(raw);
    if (this.owed.take(key)) return true;
    this.credits.add(key, raw, now);
    this.prune(now);
    return false;
  }

  /** Owed forwards, oldest first (candidates for a half-written TLV). */
  owedForwardBytes(): Uint8Array[] {
    return this.owed.items();
  }

  /** Owed forwards still fresh at `now`, oldest first; the ledger forgets them. */
  owedForwards(now: number): Uint8Array[] {
    this.prune(now);
    const out = this.owed.items();
    this.owed.clear();
    return out;
  }

  get owedCount(): number {
    return this.owed.size;
  }

  get creditCount(): number {
    return this.credits.size;
  }

  private prune(now: number): void {
    const before = now - this.ageNs;
    this.forgotten += this.owed.prune(before, LEDGER_ITEMS_MAX);
    this.forgotten += this.credits.prune(before, LEDGER_ITEMS_MAX);
  }
}
