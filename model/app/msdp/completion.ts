// Finishing the TLV a dead master left half-written (takeover, SPEC S-1).
//
// What the master's MSDP wrote reached the backup's outbound snoop buffer before the wire
// (S-1), so at takeover the new master knows every byte the peer can ever get from the old
// one, and the stream may stop in the middle of a TLV (so_snd took only part of it). The
// new master must write exactly the rest, or the peer reads garbage and resets the session
// (RFC 3618 §13). It can, because whatever the master wrote is a function of state the
// backup shares: a KeepAlive, an SA batch of its own local sources (same schedule on both
// REs), or an SA forwarded from another peer (which the backup saw arrive). So the caller
// offers those candidates; the first whose bytes begin with the written prefix supplies the
// rest. If none does (the backup's state diverged), a filler finishes the TLV well-formed:
// its unknown entries carry Sprefix Len 0, which receivers drop (FRR and this engine do);
// the caller traces it, because a filler means the backup did not know what was sent.
import {
  SA_ENTRIES_MAX,
  SA_ENTRY_BYTES,
  SA_FIXED_BYTES,
  TLV_HEADER_BYTES,
  TLV_TYPE,
} from './codec.ts';

export interface Completion {
  /** The whole TLV: the written prefix and the rest. */
  full: Uint8Array;
  /** True when a candidate matched; false when the filler was used. */
  matched: boolean;
}

function startsWith(whole: Uint8Array, prefix: Uint8Array): boolean {
  if (whole.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (whole[i] !== prefix[i]) return false;
  return true;
}

/** Length a filler TLV gets when the prefix has not yet shown the Length field whole. */
function fillerLength(prefix: Uint8Array): number {
  const code = prefix[0] as number;
  if (prefix.length >= TLV_HEADER_BYTES)
    return ((prefix[1] as number) << 8) | (prefix[2] as number);
  const high = prefix.length >= 2 ? (prefix[1] as number) << 8 : 0;
  const min = code === TLV_TYPE.sa ? SA_FIXED_BYTES + SA_ENTRY_BYTES : TLV_HEADER_BYTES;
  for (let lo = 0; lo < 256; lo++) {
    const len = high + lo;
    if (len < min) continue;
    if (code !== TLV_TYPE.sa || (len - SA_FIXED_BYTES) % SA_ENTRY_BYTES === 0) return len;
  }
  return Math.max(high, min);
}

/** A well-formed TLV beginning with `prefix`, unknown bytes zero, SA entry count to fit. */
export function fillerTlv(prefix: Uint8Array): Uint8Array {
  const len = Math.max(fillerLength(prefix), prefix.length, TLV_HEADER_BYTES);
  const full = new Uint8Array(len);
  full.set(prefix);
  if (prefix.length < TLV_HEADER_BYTES) {
    full[1] = (len >>> 8) & 0xff;
    full[2] = len & 0xff;
  }
  if (full[0] === TLV_TYPE.sa && prefix.length < 4 && len >= SA_FIXED_BYTES)
    full[3] = Math.min(SA_ENTRIES_MAX, Math.floor((len - SA_FIXED_BYTES) / SA_ENTRY_BYTES));
  // Zero bytes already give unknown entries Sprefix Len 0 (dropped by receivers); an entry
  // whose sprefix byte was written stays as written.
  return full;
}

/** Finishes the TLV whose first bytes are `prefix` (non-empty). */
export function completeTlv(prefix: Uint8Array, candidates: readonly Uint8Array[]): Completion {
  if (prefix.length === 0) throw new Error('completeTlv: empty prefix');
  for (const c of candidates)
    if (c.length > prefix.length && startsWith(c, prefix)) return { full: c, matched: true };
  return { full: fillerTlv(prefix), matched: false };
}
