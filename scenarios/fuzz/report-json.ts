// The JSON reports of `nsrsim fuzz --json`: one object per design campaign, or one
// `{ seed, mutants: [...] }` for --mutant. They are what `nsrsim fuzz merge` joins
// (merge.ts), so each carries what says which campaign it belongs to: the nsrsim
// version, the design, the seed, whether unsafe options were drawn, which applications
// the peers run (`apps`; a report without it is of a 'stream' campaign), and its shard.
// Fields are only ever added (older readers keep working); a merged report has the same
// shape, with `shard` naming every shard it covers ("0,1,3/4") and `shards` listing them.
import { VERSION } from '../run.ts';
import type { FuzzApps } from './arbitraries.ts';
import type { CampaignFailure, CampaignReport, FailureGroup } from './campaign.ts';
import type { DeterminismReport } from './determinism.ts';
import type { ShardSource } from './seeds.ts';
import type { scenarioSize } from './yaml.ts';

export type Size = ReturnType<typeof scenarioSize>;

/** Which campaign a report belongs to: reports merge only when all of this is equal. */
export interface CampaignIdentity {
  version: string;
  design: string;
  seed: number;
  unsafeOptions: boolean;
  /** `--apps`: 'mixed' draws other cases from the same seeds, so it is another campaign. */
  apps: FuzzApps;
}

/** One shard's part in a (merged) report. */
export interface ShardEntry {
  shard: string;
  runs: number;
  wallMs: number;
  stoppedBy: string;
  /** The file it was read from (merged reports only). */
  file?: string;
}

export interface ShrunkJson {
  runs: number;
  steps: number;
  fired: string[];
  size: Size;
  wallMs: number;
  stoppedBy: string;
}

export interface FailureJson {
  run: number;
  runSeed: number;
  fired: string[];
  signature: string;
  internalError?: string;
  /** Only the first run of each group is shrunk. */
  shrunk: ShrunkJson | null;
  file: string | null;
  verified: boolean | null;
}

export interface GroupJson {
  signature: string;
  count: number;
  runs: number[];
  /** The first run of the group: the one shrunk. */
  run: number;
  runSeed: number;
  fired: string[];
  shrunk: ShrunkJson | null;
  file: string | null;
}

export interface CampaignJson extends CampaignIdentity {
  shard: string;
  shardSource: ShardSource | 'merged';
  shards: ShardEntry[];
  workers: number;
  runs: number;
  events: number;
  /** Wall time of the runs; merged: the longest shard's (shards run side by side). */
  wallMs: number;
  totalMs: number;
  runsPerSec: number;
  /** How busy the runs kept the workers (campaign.ts CampaignReport.busy); merged: the shards' mean weighted by wall time. */
  busy?: number;
  stoppedBy: string;
  maxFailures: number;
  timeMs?: number;
  failures: FailureJson[];
  groups: GroupJson[];
  determinism?: DeterminismReport;
}

export interface DesignFailureJson {
  run: number;
  fired: string[];
  signature: string;
  file: string | null;
}

export interface MutantRow {
  name: string;
  found: boolean;
  /** Runs until the first kill (the budget when not found). */
  runs: number;
  /** The campaign run index of the kill (null when not found). */
  run: number | null;
  /** Wall time until the first kill (the whole budget's when not found), shrinking excluded. */
  wallMs: number;
  shrunkFaults: number | null;
  file: string | null;
  fired: string[];
  signature: string | null;
  shrunk: {
    peers: number;
    sessions: number;
    tieBreaks: number;
    runs: number;
    wallMs: number;
    stoppedBy: string;
  } | null;
  inconclusive: number;
  /** Runs whose correct-design twin failed too: findings on the design, the first of each signature shrunk. */
  designFailures: DesignFailureJson[];
}

export interface MutantsJson extends CampaignIdentity {
  shard: string;
  shardSource: ShardSource | 'merged';
  shards: ShardEntry[];
  workers: number;
  timeMs?: number;
  mutants: MutantRow[];
}

export function shardText(r: Pick<CampaignReport, 'shard'>): string {
  return `${r.shard.index}/${r.shard.count}`;
}

export function identityOf(
  design: string,
  seed: number,
  unsafeOptions: boolean,
  apps: FuzzApps,
): CampaignIdentity {
  return { version: VERSION, design, seed, unsafeOptions, apps };
}

export function identity(r: CampaignReport): CampaignIdentity {
  return identityOf(r.target.design, r.seed, r.target.unsafeOptions === true, appsOf(r.target));
}

/**
 * The `apps` of a target or of a report read back: reports written before the field
 * existed have none, and were all of 'stream' campaigns.
 */
export function appsOf(o: { apps?: unknown }): FuzzApps {
  return o.apps === 'mixed' ? 'mixed' : 'stream';
}

function shrunkJson(f: CampaignFailure): ShrunkJson | null {
  if (f.shrunk === undefined) return null;
  return { ...f.shrunk, wallMs: Math.round(f.shrunk.wallMs) };
}

function failureJson(f: CampaignFailure): FailureJson {
  return {
    run: f.run,
    runSeed: f.runSeed,
    fired: f.fired,
    signature: f.signature,
    ...(f.internalError === undefined ? {} : { internalError: f.internalError }),
    shrunk: shrunkJson(f),
    file: f.finding?.file ?? null,
    verified: f.finding?.verified ?? null,
  };
}

export function groupJson(g: FailureGroup): GroupJson {
  return {
    signature: g.signature,
    count: g.count,
    runs: g.runs,
    run: g.first.run,
    runSeed: g.first.runSeed,
    fired: g.first.shrunk?.fired ?? g.first.fired,
    shrunk: shrunkJson(g.first),
    file: g.first.finding?.file ?? null,
  };
}

export function campaignJson(r: CampaignReport, shardSource: ShardSource): CampaignJson {
  const wallMs = Math.round(r.wallMs);
  return {
    ...identity(r),
    shard: shardText(r),
    shardSource,
    shards: [{ shard: shardText(r), runs: r.runs, wallMs, stoppedBy: r.stoppedBy }],
    workers: r.workers,
    runs: r.runs,
    events: r.events,
    wallMs,
    totalMs: Math.round(r.totalMs),
    runsPerSec: Math.round(r.runsPerSec * 100) / 100,
    busy: Math.round(r.busy * 1000) / 1000,
    stoppedBy: r.stoppedBy,
    maxFailures: r.maxFailures,
    ...(r.timeMs === undefined ? {} : { timeMs: Math.round(r.timeMs) }),
    failures: r.failures.map(failureJson),
    groups: r.groups.map(groupJson),
    ...(r.determinism === undefined ? {} : { determinism: r.determinism }),
  };
}

export function mutantRow(name: string, r: CampaignReport): MutantRow {
  const f = r.failures[0];
  return {
    name,
    found: f !== undefined,
    runs: r.runs,
    run: f?.run ?? null,
    wallMs: Math.round(f === undefined ? r.wallMs : f.atMs),
    shrunkFaults: f?.shrunk?.size.faults ?? null,
    file: f?.finding?.file ?? null,
    fired: f?.shrunk?.fired ?? f?.fired ?? [],
    signature: f?.signature ?? null,
    shrunk:
      f?.shrunk === undefined
        ? null
        : {
            peers: f.shrunk.size.peers,
            sessions: f.shrunk.size.sessions,
            tieBreaks: f.shrunk.size.tieBreaks,
            runs: f.shrunk.runs,
            wallMs: Math.round(f.shrunk.wallMs),
            stoppedBy: f.shrunk.stoppedBy,
          },
    inconclusive: r.inconclusive,
    designFailures: r.designFailures.map((d) => ({
      run: d.run,
      fired: d.finding?.fired ?? d.fired,
      signature: d.signature,
      file: d.finding?.file ?? null,
    })),
  };
}
