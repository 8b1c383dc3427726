// Deterministic seed partitioning of a campaign: run k of campaign seed S has its own
// fast-check seed, a pure function of (S, k), so any run can be replayed alone, and a
// CI matrix can split one campaign into shards (shard i of n takes the runs k ≡ i mod n)
// without two shards ever running the same case.

/** The fast-check seed of run k of campaign S: a 32-bit mix of both (splitmix32-style). */
export function runSeed(campaignSeed: number, k: number): number {
  let h = Math.imul((campaignSeed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13) ^ Math.imul(k >>> 0, 0xc2b2ae35), 0x27d4eb2f) >>> 0;
  h ^= Math.floor(k / 0x1_0000_0000) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) | 0;
}

export interface Shard {
  index: number;
  count: number;
}

/** Parses "i/n" (0 <= i < n). */
export function parseShard(text: string): Shard | undefined {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (m === null) return undefined;
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(count) || count < 1 || index >= count)
    return undefined;
  return { index, count };
}

/** The campaign run indices of the j-th run of a shard. */
export function shardRun(shard: Shard, j: number): number {
  return shard.index + j * shard.count;
}
