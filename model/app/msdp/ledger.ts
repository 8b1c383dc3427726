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
}

function bytesKey(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i] as number);
  return s;
}

export function pairKey(p: SaPair): string {
  return `${p.group}/${p.source}`;
}

export class SnoopLedger {
  private readonly ownLast = new Map<string, number>();
  private owed: Item[] = [];
  private credits: Item[] = [];
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
    const i = this.credits.findIndex((c) => c.key === key);
    if (i >= 0) {
      this.credits.splice(i, 1);
      return true;
    }
    this.push(this.owed, { key, bytes: tlv, atNs: now });
    return false;
  }

  /** The master sent `raw`; true if it was an owed forward, else it is kept as a credit. */
  forwardSeen(raw: Uint8Array, now: number): boolean {
    this.prune(now);
    const key = bytesKey(raw);
    const i = this.owed.findIndex((o) => o.key === key);
    if (i >= 0) {
      this.owed.splice(i, 1);
      return true;
    }
    this.push(this.credits, { key, bytes: raw, atNs: now });
    return false;
  }

  /** Owed forwards, oldest first (candidates for a half-written TLV). */
  owedForwardBytes(): Uint8Array[] {
    return this.owed.map((o) => o.bytes);
  }

  /** Owed forwards still fresh at `now`, oldest first; the ledger forgets them. */
  owedForwards(now: number): Uint8Array[] {
    this.prune(now);
    const out = this.owed.map((o) => o.bytes);
    this.owed = [];
    return out;
  }

  get owedCount(): number {
    return this.owed.length;
  }

  get creditCount(): number {
    return this.credits.length;
  }

  private push(list: Item[], item: Item): void {
    if (list.length >= LEDGER_ITEMS_MAX) {
      list.shift();
      this.forgotten++;
    }
    list.push(item);
  }

  private prune(now: number): void {
    const fresh = (i: Item): boolean => i.atNs + this.ageNs >= now;
    const before = this.owed.length + this.credits.length;
    this.owed = this.owed.filter(fresh);
    this.credits = this.credits.filter(fresh);
    this.forgotten += before - this.owed.length - this.credits.length;
  }
}
