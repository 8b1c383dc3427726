// `nsrsim fuzz merge <reports…>`: joins the --json reports of the shards of one campaign
// (a CI matrix, a Kubernetes Indexed Job: README, "Scale-out") into one report of the
// same shape, so a merged report merges again and prints like a single one.
//
// Totals add up (runs, events, workers), the wall time is the longest shard's (shards run
// side by side) and runs/s is the campaign's: all runs over that wall time. Failures are
// listed in run order and grouped by signature across shards: a group's count and runs
// add up and its shrunk file is the one of its earliest run. A mutant row is found when
// any shard found it, with the earliest kill (lowest campaign run) as its finding.
//
// Reports of different campaigns do not merge: the nsrsim version, the design, the seed,
// the unsafe-options switch, the applications (`--apps`; a report without the field is
// of a 'stream' campaign), the kind (design or mutants, and which mutants) and the shard
// count must agree, and no shard may come twice. Each refusal names the files.
import { UsageError } from '../load/errors.ts';
import { FUZZ_APPS } from './arbitraries.ts';
import {
  appsOf,
  type CampaignIdentity,
  type CampaignJson,
  type DesignFailureJson,
  type GroupJson,
  type MutantRow,
  type MutantsJson,
  type ShardEntry,
} from './report-json.ts';

export interface ReportInput {
  file: string;
  text: string;
}

type Parsed =
  | { file: string; kind: 'campaign'; json: CampaignJson; shards: number[]; count: number }
  | { file: string; kind: 'mutants'; json: MutantsJson; shards: number[]; count: number };

/** "i/n" or "i,j,k/n" (a merged report) to its indices and n. */
function parseShards(file: string, text: unknown): { shards: number[]; count: number } {
  const m = typeof text === 'string' ? /^(\d+(?:,\d+)*)\/(\d+)$/.exec(text) : null;
  const shards = m?.[1]?.split(',').map(Number) ?? [];
  const count = Number(m?.[2]);
  if (m === null || !(count >= 1) || shards.some((i) => i >= count))
    throw new UsageError(`${file}: "shard" must be i/n (or i,j,…/n), got ${JSON.stringify(text)}`);
  return { shards, count };
}

function parseReport(input: ReportInput): Parsed {
  let json: unknown;
  try {
    json = JSON.parse(input.text);
  } catch (e) {
    throw new UsageError(`${input.file}: not JSON (${(e as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new UsageError(`${input.file}: not an nsrsim fuzz --json report (not an object)`);
  const o = json as Record<string, unknown>;
  if (typeof o.version !== 'string')
    throw new UsageError(
      `${input.file}: no "version": not a report of nsrsim fuzz --json (or of a version before merge; run the shard again)`,
    );
  for (const k of ['design', 'seed'] as const)
    if (o[k] === undefined) throw new UsageError(`${input.file}: the report has no "${k}"`);
  if (o.apps !== undefined && !FUZZ_APPS.some((a) => a === o.apps))
    throw new UsageError(
      `${input.file}: "apps" must be one of ${FUZZ_APPS.join(', ')}, got ${JSON.stringify(o.apps)}`,
    );
  const { shards, count } = parseShards(input.file, o.shard);
  if (Array.isArray(o.mutants))
    return { file: input.file, kind: 'mutants', json: o as unknown as MutantsJson, shards, count };
  if (Array.isArray(o.failures) && typeof o.runs === 'number')
    return {
      file: input.file,
      kind: 'campaign',
      json: o as unknown as CampaignJson,
      shards,
      count,
    };
  throw new UsageError(
    `${input.file}: neither a campaign report ("failures") nor a mutant report ("mutants")`,
  );
}

function whatOf(p: Parsed): Record<string, string> {
  const id: CampaignIdentity = p.json;
  return {
    version: id.version,
    design: String(id.design),
    seed: String(id.seed),
    'unsafe options': String(id.unsafeOptions === true),
    apps: appsOf(id),
    kind: p.kind,
    ...(p.kind === 'mutants' ? { mutants: p.json.mutants.map((m) => m.name).join(',') } : {}),
    'shard count': String(p.count),
  };
}

/** Refuses reports of different campaigns, or a shard given twice. */
function checkSameCampaign(all: readonly Parsed[]): void {
  const first = all[0];
  if (first === undefined) throw new UsageError('fuzz merge: give at least one report');
  const want = whatOf(first);
  for (const p of all.slice(1)) {
    const got = whatOf(p);
    for (const [k, v] of Object.entries(want))
      if (got[k] !== v)
        throw new UsageError(
          `fuzz merge: ${p.file} is not of the same campaign as ${first.file}: ${k} ${got[k] ?? '(none)'} vs ${v}`,
        );
  }
  const owner = new Map<number, string>();
  for (const p of all)
    for (const i of p.shards) {
      const other = owner.get(i);
      if (other !== undefined)
        throw new UsageError(
          `fuzz merge: shard ${i}/${p.count} is in both ${other} and ${p.file}: each shard once`,
        );
      owner.set(i, p.file);
    }
}

function shardEntries(p: Parsed): ShardEntry[] {
  const own = p.json.shards;
  if (Array.isArray(own) && own.length > 0)
    return own.map((s) => ({ ...s, file: s.file ?? p.file }));
  // A --mutant report has no runs of its own: its entry sums its rows.
  const runs = p.kind === 'campaign' ? p.json.runs : p.json.mutants.reduce((n, m) => n + m.runs, 0);
  return [{ shard: p.json.shard, runs, wallMs: 0, stoppedBy: 'unknown', file: p.file }];
}

/** What every merged report says of its campaign and shards (the first shard's identity). */
function mergedHeader(
  first: CampaignIdentity,
  all: readonly Parsed[],
): CampaignIdentity & { shard: string; shardSource: 'merged'; shards: ShardEntry[] } {
  return {
    version: first.version,
    design: first.design,
    seed: first.seed,
    unsafeOptions: first.unsafeOptions === true,
    apps: appsOf(first),
    shard: mergedShard(all),
    shardSource: 'merged',
    shards: all.flatMap(shardEntries),
  };
}

function mergedShard(all: readonly Parsed[]): string {
  const shards = all.flatMap((p) => p.shards).sort((a, b) => a - b);
  return `${shards.join(',')}/${all[0]?.count ?? 1}`;
}

/** The shards of a merged report's count that none of its inputs covers. */
export function missingShards(j: { shard: string }): number[] {
  const m = /^([\d,]+)\/(\d+)$/.exec(j.shard);
  if (m === null) return [];
  const have = new Set((m[1] ?? '').split(',').map(Number));
  const out: number[] = [];
  for (let i = 0; i < Number(m[2]); i++) if (!have.has(i)) out.push(i);
  return out;
}

/** Joins the reports; throws UsageError (exit 2) for reports that do not belong together. */
export function mergeReports(inputs: readonly ReportInput[]): CampaignJson | MutantsJson {
  const all = inputs.map(parseReport);
  checkSameCampaign(all);
  // Inputs in shard order, so the merged report does not depend on the order of the files.
  all.sort((a, b) => (a.shards[0] ?? 0) - (b.shards[0] ?? 0));
  const first = all[0] as Parsed;
  if (first.kind === 'mutants') return mergeMutants(all as Extract<Parsed, { kind: 'mutants' }>[]);
  return mergeCampaigns(all as Extract<Parsed, { kind: 'campaign' }>[]);
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

function mergeCampaigns(all: readonly Extract<Parsed, { kind: 'campaign' }>[]): CampaignJson {
  const js = all.map((p) => p.json);
  const first = js[0] as CampaignJson;
  const runs = sum(js.map((j) => j.runs));
  const wallMs = Math.max(...js.map((j) => j.wallMs));
  const stops = [...new Set(js.map((j) => j.stoppedBy))];
  const timeMs = js.find((j) => j.timeMs !== undefined)?.timeMs;
  const determinism = mergeDeterminism(js);
  return {
    ...mergedHeader(first, all),
    workers: sum(js.map((j) => j.workers)),
    runs,
    events: sum(js.map((j) => j.events)),
    wallMs,
    totalMs: Math.max(...js.map((j) => j.totalMs ?? j.wallMs)),
    runsPerSec: wallMs > 0 ? Math.round((runs * 1000 * 100) / wallMs) / 100 : 0,
    ...mergedBusy(js),
    stoppedBy: stops.length === 1 ? (stops[0] as string) : stops.sort().join('+'),
    maxFailures: Math.max(...js.map((j) => j.maxFailures ?? 0)),
    ...(timeMs === undefined ? {} : { timeMs }),
    failures: js.flatMap((j) => j.failures).sort((a, b) => a.run - b.run),
    groups: mergeGroups(js.flatMap((j) => j.groups ?? [])),
    ...(determinism === undefined ? {} : { determinism }),
  };
}

/** The shards' busy fractions, weighted by their worker time (all must have one). */
function mergedBusy(js: readonly CampaignJson[]): { busy?: number } {
  if (js.some((j) => j.busy === undefined)) return {};
  const time = js.map((j) => Math.max(1, j.workers) * j.wallMs);
  const total = sum(time);
  if (total <= 0) return {};
  const busy = sum(js.map((j, i) => (j.busy ?? 0) * (time[i] ?? 0))) / total;
  return { busy: Math.round(busy * 1000) / 1000 };
}

/** Groups of the same signature become one: counts and runs add up, the earliest run's file stays. */
export function mergeGroups(groups: readonly GroupJson[]): GroupJson[] {
  const by = new Map<string, GroupJson>();
  for (const g of [...groups].sort((a, b) => a.run - b.run)) {
    const m = by.get(g.signature);
    if (m === undefined) {
      by.set(g.signature, { ...g, runs: [...g.runs] });
      continue;
    }
    m.count += g.count;
    m.runs = [...m.runs, ...g.runs].sort((a, b) => a - b);
  }
  return [...by.values()];
}

function mergeDeterminism(js: readonly CampaignJson[]): CampaignJson['determinism'] {
  const ds = js.flatMap((j) => (j.determinism === undefined ? [] : [j.determinism]));
  if (ds.length === 0) return undefined;
  const diverged = ds
    .flatMap((d) => (d.divergence === undefined ? [] : [d.divergence]))
    .sort((a, b) => a.run - b.run);
  return {
    checked: sum(ds.map((d) => d.checked)),
    runs: ds.flatMap((d) => d.runs).sort((a, b) => a - b),
    divergence: diverged[0],
  };
}

function mergeMutants(all: readonly Extract<Parsed, { kind: 'mutants' }>[]): MutantsJson {
  const js = all.map((p) => p.json);
  const first = js[0] as MutantsJson;
  const timeMs = js.find((j) => j.timeMs !== undefined)?.timeMs;
  return {
    ...mergedHeader(first, all),
    workers: sum(js.map((j) => j.workers ?? 0)),
    ...(timeMs === undefined ? {} : { timeMs }),
    mutants: first.mutants.map((m) =>
      mergeRow(js.map((j) => j.mutants.find((r) => r.name === m.name) as MutantRow)),
    ),
  };
}

/** One mutant over every shard: found in any, the earliest kill; runs and inconclusive add up. */
function mergeRow(rows: readonly MutantRow[]): MutantRow {
  const found = rows
    .filter((r) => r.found)
    .sort((a, b) => (a.run ?? Infinity) - (b.run ?? Infinity));
  const base = found[0] ?? (rows[0] as MutantRow);
  const designFailures: DesignFailureJson[] = rows
    .flatMap((r) => r.designFailures)
    .sort((a, b) => a.run - b.run);
  return {
    ...base,
    runs: sum(rows.map((r) => r.runs)),
    wallMs: found.length > 0 ? base.wallMs : Math.max(...rows.map((r) => r.wallMs)),
    inconclusive: sum(rows.map((r) => r.inconclusive)),
    designFailures,
  };
}
