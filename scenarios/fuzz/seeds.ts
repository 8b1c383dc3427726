// Deterministic seed partitioning of a campaign: run k of campaign seed S has its own
// fast-check seed, a pure function of (S, k), so any run can be replayed alone, and a
// CI matrix can split one campaign into shards (shard i of n takes the runs k ≡ i mod n)
// without two shards ever running the same case.
import { UsageError } from '../load/errors.ts';

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

/** Where a campaign's shard came from: the flag, a CI matrix variable, a Kubernetes Indexed Job, or none. */
export type ShardSource = '--shard' | 'NSRSIM_SHARD' | 'JOB_COMPLETION_INDEX' | 'none';

/** A non-negative decimal integer (no sign, no exponent, no blank). */
function decimal(text: string): number | undefined {
  if (!/^\d+$/.test(text.trim())) return undefined;
  const n = Number(text.trim());
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * The shard of a campaign: `--shard i/n` when given; else `NSRSIM_SHARD=i/n` (the form
 * for a CI matrix, which sets it per job); else a Kubernetes Indexed Job's
 * `JOB_COMPLETION_INDEX` (set by Kubernetes in every pod) with `JOB_COMPLETIONS` (the
 * Job's `.spec.completions`, which Kubernetes does not expose: the manifest sets it);
 * else the whole campaign. A value that is set but unusable is an error, never ignored:
 * a pod that silently ran the whole campaign would run it n times (UsageError: exit 2).
 */
export function resolveShard(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): { shard: Shard; source: ShardSource } {
  if (flag !== undefined) {
    const shard = parseShard(flag);
    if (shard === undefined)
      throw new UsageError(`--shard must be i/n with 0 <= i < n, got "${flag}"`);
    return { shard, source: '--shard' };
  }
  const matrix = env.NSRSIM_SHARD;
  if (matrix !== undefined && matrix !== '') {
    const shard = parseShard(matrix);
    if (shard === undefined)
      throw new UsageError(`NSRSIM_SHARD must be i/n with 0 <= i < n, got "${matrix}"`);
    return { shard, source: 'NSRSIM_SHARD' };
  }
  return indexedJobShard(env);
}

function indexedJobShard(env: Readonly<Record<string, string | undefined>>): {
  shard: Shard;
  source: ShardSource;
} {
  const index = env.JOB_COMPLETION_INDEX;
  const count = env.JOB_COMPLETIONS;
  const set = (v: string | undefined): v is string => v !== undefined && v !== '';
  if (!set(index) && !set(count)) return { shard: { index: 0, count: 1 }, source: 'none' };
  if (!set(index))
    throw new UsageError(
      `JOB_COMPLETIONS=${count} is set but JOB_COMPLETION_INDEX is not (a Kubernetes Indexed Job sets it in every pod): set both, or pass --shard i/n`,
    );
  if (!set(count))
    throw new UsageError(
      `JOB_COMPLETION_INDEX=${index} is set (a Kubernetes Indexed Job) but JOB_COMPLETIONS is not: set it in the manifest to the Job's spec.completions, or pass --shard i/n`,
    );
  const i = decimal(index);
  const n = decimal(count);
  if (i === undefined)
    throw new UsageError(`JOB_COMPLETION_INDEX must be an integer >= 0, got "${index}"`);
  if (n === undefined || n < 1)
    throw new UsageError(`JOB_COMPLETIONS must be an integer >= 1, got "${count}"`);
  if (i >= n) throw new UsageError(`JOB_COMPLETION_INDEX=${i} must be below JOB_COMPLETIONS=${n}`);
  return { shard: { index: i, count: n }, source: 'JOB_COMPLETION_INDEX' };
}
