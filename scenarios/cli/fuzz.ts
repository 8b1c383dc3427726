// `nsrsim fuzz`: the command's flags, its campaign(s), the progress line and the report;
// and `nsrsim fuzz merge <reports…>`, which joins the --json reports of a campaign's
// shards (scenarios/fuzz/merge.ts). scenarios/cli/main.ts registers `fuzz` (fuzzCommand)
// next to run, validate and replay; `merge` is its subcommand, declared here.
//
// Exit status: 0 when the campaign found no failure (with --mutant: when the mutant was
// found, every mutant for `all`, and the correct-design twin of no run failed), 1 otherwise,
// 2 for a bad flag, a bad shard variable or reports that do not merge, 3 for an internal
// error outside a run (a run that crashes the simulator is a failure the campaign reports).
// `fuzz merge` exits as the merged campaign would have.
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Argv, Arguments, Options } from 'yargs';
import { isMutant, MUTANTS, type MutantName } from '../../model/nsr/options.ts';
import { MS, parseDuration } from '../../sim/index.ts';
import { DESIGNS } from '../load/catalog.ts';
import { isUserError, UsageError } from '../load/errors.ts';
import {
  DEFAULT_RUNS,
  executor,
  MAX_FAILURES_DEFAULT,
  runCampaign,
  type CampaignOptions,
  type Executor,
} from '../fuzz/campaign.ts';
import { POOL_CHOICES, poolKind, type PoolChoice } from '../fuzz/drive.ts';
import { mergeReports, missingShards } from '../fuzz/merge.ts';
import {
  campaignJson,
  identityOf,
  mutantRow,
  type CampaignJson,
  type MutantRow,
  type MutantsJson,
} from '../fuzz/report-json.ts';
import { formatCampaign, formatMutant, formatMutantsSummary } from '../fuzz/report-text.ts';
import type { FuzzTarget } from '../fuzz/run-case.ts';
import { FUZZ_APPS, type FuzzApps } from '../fuzz/arbitraries.ts';
import { resolveShard, type ShardSource } from '../fuzz/seeds.ts';
import { SHRINK_BUDGET_DEFAULT } from '../fuzz/shrink.ts';
import { progressLine } from '../fuzz/progress-line.ts';

/** Runs per mutant when hunting one and --runs is not given. */
export const MUTANT_RUNS_DEFAULT = 300;
/** Runs re-run by --check-determinism. */
export const DETERMINISM_SAMPLE = 10;
export const OUT_DEFAULT = 'fuzz-out';
const WORKERS_MAX = 8;

export interface FuzzArgs {
  runs?: number | undefined;
  time?: string | undefined;
  seed?: string | undefined;
  workers?: number | undefined;
  shard?: string | undefined;
  design?: string | undefined;
  mutant?: string | undefined;
  json?: boolean | undefined;
  out?: string | undefined;
  checkDeterminism?: boolean | undefined;
  shrinkBudget?: number | undefined;
  maxFailures?: number | undefined;
  unsafeOptions?: boolean | undefined;
  apps?: string | undefined;
  pool?: string | undefined;
}

export function fuzzOptions(y: Argv): Argv {
  return campaignFlags(y)
    .command(
      'merge <reports..>',
      'join the --json reports of the shards of one campaign into one report (exit as the whole campaign would)',
      mergeOptions,
      mergeHandler,
    )
    .example('$0 fuzz --runs 200 --seed 1', 'a campaign of 200 runs on the correct design')
    .example('$0 fuzz --time 10m --workers 4 --shard 0/4', 'one of four CI shards for ten minutes')
    .example(
      '$0 fuzz --runs 60 --max-failures 0',
      'keep going after failures; shrink each kind once',
    )
    .example(
      '$0 fuzz --apps mixed --runs 200',
      'the correct design with MSDP and/or BGP peers drawn beside the stream peers',
    )
    .example('$0 fuzz --mutant all --json --out /tmp/fuzz-out', 'the mutant kill matrix')
    .example('$0 fuzz merge shard-*.json', "join the shards' --json reports");
}

/** The campaign's flags (not inherited by `fuzz merge`: global false). */
const CAMPAIGN_FLAGS: ReadonlyArray<[string, Options]> = [
  [
    'runs',
    {
      type: 'number',
      requiresArg: true,
      describe: `runs of this shard (default ${DEFAULT_RUNS}; with --mutant, the budget per mutant, default ${MUTANT_RUNS_DEFAULT})`,
    },
  ],
  [
    'time',
    {
      type: 'string',
      requiresArg: true,
      describe:
        'wall-time budget of the whole command, shrinking included, e.g. 10m or 30s (with --mutant all: shared by the mutants)',
    },
  ],
  [
    'seed',
    {
      type: 'string',
      requiresArg: true,
      describe: 'campaign seed (integer >= 0); random and printed when left out',
    },
  ],
  [
    'workers',
    {
      type: 'number',
      requiresArg: true,
      describe:
        'workers (0 = in this process; default: the CPU count, at most 8); --pool says whether they are threads or processes',
    },
  ],
  [
    'shard',
    {
      type: 'string',
      requiresArg: true,
      describe:
        'i/n: run only the campaign runs k with k mod n = i; when absent, NSRSIM_SHARD=i/n (a CI matrix) or JOB_COMPLETION_INDEX with JOB_COMPLETIONS (a Kubernetes Indexed Job)',
    },
  ],
  [
    'design',
    {
      type: 'string',
      requiresArg: true,
      default: 'jsr',
      describe: `design family (${DESIGNS.map((d) => d.id).join(', ')})`,
    },
  ],
  [
    'mutant',
    {
      type: 'string',
      requiresArg: true,
      describe: 'fuzz this mutant, or "all" of them, to find it: a failure is the expected outcome',
    },
  ],
  [
    'max-failures',
    {
      type: 'number',
      requiresArg: true,
      describe: `stop starting runs after this many distinct failures (grouped by first checker and kind, each shrunk once; 0 = keep going; default ${MAX_FAILURES_DEFAULT}); with --mutant the hunt stops at the first kill`,
    },
  ],
  ['json', { type: 'boolean', default: false, describe: 'one JSON report on stdout' }],
  [
    'out',
    {
      type: 'string',
      requiresArg: true,
      default: OUT_DEFAULT,
      describe: 'directory for the shrunk failures (scenario files)',
    },
  ],
  [
    'check-determinism',
    {
      type: 'boolean',
      default: false,
      describe: `re-run a sample of ${DETERMINISM_SAMPLE} runs and report the first differing trace record`,
    },
  ],
  [
    'shrink-budget',
    {
      type: 'number',
      requiresArg: true,
      describe: `runs one shrink may spend (default ${SHRINK_BUDGET_DEFAULT})`,
    },
  ],
  [
    'pool',
    {
      type: 'string',
      requiresArg: true,
      default: 'auto',
      describe:
        'how the workers run: threads, processes (one per worker, V8 single-threaded) or auto (processes once every core has a worker)',
    },
  ],
  [
    'apps',
    {
      type: 'string',
      requiresArg: true,
      default: 'stream',
      describe:
        "the peers' applications: stream (stream peers only) or mixed (each case also draws whether to add two MSDP peers and two BGP peers, issues 14 and 15)",
    },
  ],
  [
    'unsafe-options',
    {
      type: 'boolean',
      default: false,
      describe:
        'also draw the design options known to break an invariant by design (KNOWN_UNSAFE_OPTIONS)',
    },
  ],
];

function campaignFlags(y: Argv): Argv {
  return CAMPAIGN_FLAGS.reduce((a, [name, o]) => a.option(name, { ...o, global: false }), y);
}

interface Parsed {
  seed: number;
  seedGiven: boolean;
  base: Omit<CampaignOptions, 'target' | 'runs'>;
  shardSource: ShardSource;
  runs: number | undefined;
  design: 'jsr';
  mutants: MutantName[] | undefined;
  json: boolean;
  unsafe: boolean;
  apps: FuzzApps;
}

function intFlag(v: number | undefined, flag: string, min: number): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isSafeInteger(v) || v < min)
    throw new UsageError(`${flag} must be an integer >= ${min}, got ${String(v)}`);
  return v;
}

function seedOf(a: FuzzArgs): { seed: number; seedGiven: boolean } {
  const seedGiven = a.seed !== undefined;
  const seed = seedGiven ? Number(a.seed) : randomInt(0, 2 ** 31);
  if (!Number.isSafeInteger(seed) || seed < 0 || String(a.seed ?? seed).trim() === '')
    throw new UsageError(`--seed must be an integer >= 0, got "${String(a.seed)}"`);
  return { seed, seedGiven };
}

function timeOf(a: FuzzArgs): number | undefined {
  if (a.time === undefined) return undefined;
  let timeMs: number;
  try {
    timeMs = parseDuration(a.time) / MS;
  } catch (e) {
    throw new UsageError(`--time: ${(e as Error).message}`);
  }
  if (timeMs <= 0) throw new UsageError('--time must be longer than 0s');
  return timeMs;
}

/** A flag whose value must be one of `choices`; `fallback` when it is absent. */
function choiceFlag<T extends string>(
  v: string | undefined,
  choices: readonly T[],
  flag: string,
  fallback: T,
): T {
  const found = choices.find((x) => x === (v ?? fallback));
  if (found === undefined)
    throw new UsageError(`${flag} must be one of ${choices.join(', ')}, got "${String(v)}"`);
  return found;
}

function mutantsOf(a: FuzzArgs): MutantName[] | undefined {
  if (a.mutant === 'all') return Object.keys(MUTANTS) as MutantName[];
  if (a.mutant === undefined) return undefined;
  if (!isMutant(a.mutant))
    throw new UsageError(
      `--mutant: no mutant "${a.mutant}" (mutants: ${Object.keys(MUTANTS).join(', ')}, or all)`,
    );
  return [a.mutant];
}

/** The flags, checked; `env` gives the shard when --shard is absent (seeds.ts resolveShard). */
export function parseFuzzArgs(
  a: FuzzArgs,
  env: Readonly<Record<string, string | undefined>>,
): Parsed {
  const { seed, seedGiven } = seedOf(a);
  const { shard, source } = resolveShard(a.shard, env);
  if (!DESIGNS.some((d) => d.id === a.design))
    throw new UsageError(
      `--design must be one of ${DESIGNS.map((d) => d.id).join(', ')}, got "${String(a.design)}"`,
    );
  // The campaigns (mutants, kill matrix, twins) are jsr's; the arbitraries draw
  // redundant-tcp cases too (scenarioArb({ design: 'redundant-tcp' })), not a campaign yet.
  if (a.design !== 'jsr')
    throw new UsageError(
      `--design ${String(a.design)}: fuzz campaigns run design jsr only for now`,
    );
  const timeMs = timeOf(a);
  const workers =
    intFlag(a.workers, '--workers', 0) ?? Math.min(WORKERS_MAX, availableParallelism());
  const base: Parsed['base'] = {
    seed,
    workers,
    pool: choiceFlag<PoolChoice>(a.pool, POOL_CHOICES, '--pool', 'auto'),
    shard,
    ...(timeMs === undefined ? {} : { timeMs }),
    maxFailures: intFlag(a.maxFailures, '--max-failures', 0) ?? MAX_FAILURES_DEFAULT,
    outDir: a.out ?? OUT_DEFAULT,
    shrinkBudget: intFlag(a.shrinkBudget, '--shrink-budget', 0) ?? SHRINK_BUDGET_DEFAULT,
    determinismSample: a.checkDeterminism === true ? DETERMINISM_SAMPLE : 0,
  };
  return {
    seed,
    seedGiven,
    base,
    shardSource: source,
    runs: intFlag(a.runs, '--runs', 1),
    design: 'jsr',
    mutants: mutantsOf(a),
    json: a.json === true,
    unsafe: a.unsafeOptions === true,
    apps: choiceFlag<FuzzApps>(a.apps, FUZZ_APPS, '--apps', 'stream'),
  };
}

export async function cmdFuzz(a: FuzzArgs): Promise<number> {
  const p = parseFuzzArgs(a, process.env);
  return p.mutants === undefined ? designCampaign(p) : mutantCampaigns(p, p.mutants);
}

/** Exit status of a campaign report: 1 on a failure or a divergence. */
export function campaignExit(j: CampaignJson): number {
  return j.failures.length > 0 || j.determinism?.divergence !== undefined ? 1 : 0;
}

/** Exit status of a mutant report: 0 only when every mutant was found and the design never failed. */
export function mutantsExit(j: MutantsJson): number {
  return j.mutants.every((r) => r.found && r.designFailures.length === 0) ? 0 : 1;
}

/**
 * What the runs of a campaign draw from: the design, the mutant hunted (or none), and the
 * flags that change the cases (--unsafe-options, --apps). A mutant hunt with --apps mixed
 * keeps its bias (bias.ts): the MSDP or BGP peers a mutant needs stay forced on.
 */
function targetOf(p: Parsed, mutant: MutantName | undefined): FuzzTarget {
  return { design: p.design, mutant, ...(p.unsafe ? { unsafeOptions: true } : {}), apps: p.apps };
}

async function designCampaign(p: Parsed): Promise<number> {
  const target = targetOf(p, undefined);
  const line = progressLine('fuzz');
  const r = await runCampaign({
    ...p.base,
    target,
    ...(p.runs === undefined ? {} : { runs: p.runs }),
    ...(line.onProgress === undefined ? {} : { onProgress: line.onProgress }),
  });
  line.done();
  const j = campaignJson(r, p.shardSource);
  process.stdout.write(p.json ? `${JSON.stringify(j)}\n` : formatCampaign(j, p.seedGiven));
  return campaignExit(j);
}

async function mutantCampaigns(p: Parsed, mutants: readonly MutantName[]): Promise<number> {
  const t0 = performance.now();
  // One pool for every mutant: its workers start and warm up once, not once per mutant.
  const ex = executor(p.base.workers, poolKind(p.base.workers, p.base.pool));
  let rows: MutantRow[];
  try {
    rows = await huntEach(p, mutants, ex, t0);
  } finally {
    await ex.close();
  }
  const shard = `${p.base.shard?.index ?? 0}/${p.base.shard?.count ?? 1}`;
  const wallMs = Math.round(performance.now() - t0);
  const runs = rows.reduce((n, r) => n + r.runs, 0);
  const j: MutantsJson = {
    ...identityOf(p.design, p.seed, p.unsafe, p.apps),
    shard,
    shardSource: p.shardSource,
    shards: [{ shard, runs, wallMs, stoppedBy: 'mutants' }],
    workers: p.base.workers,
    ...(p.base.timeMs === undefined ? {} : { timeMs: Math.round(p.base.timeMs) }),
    mutants: rows,
  };
  process.stdout.write(p.json ? `${JSON.stringify(j)}\n` : formatMutantsSummary(j));
  // A correct-design failure met on the way is a finding too: CI must see it.
  return mutantsExit(j);
}

async function huntEach(
  p: Parsed,
  mutants: readonly MutantName[],
  ex: Executor,
  t0: number,
): Promise<MutantRow[]> {
  const rows: MutantRow[] = [];
  for (const [i, m] of mutants.entries()) {
    const line = progressLine(m);
    // --time bounds the whole command: each mutant gets an equal share of what is left.
    const left = p.base.timeMs === undefined ? undefined : p.base.timeMs - (performance.now() - t0);
    const r = await runCampaign({
      ...p.base,
      ...(left === undefined ? {} : { timeMs: Math.max(1, left / (mutants.length - i)) }),
      target: targetOf(p, m),
      runs: p.runs ?? MUTANT_RUNS_DEFAULT,
      stopAtFirst: true,
      executor: ex,
      ...(line.onProgress === undefined ? {} : { onProgress: line.onProgress }),
    });
    line.done();
    const row = mutantRow(m, r);
    rows.push(row);
    if (!p.json) process.stdout.write(formatMutant(row));
  }
  return rows;
}

function mergeOptions(y: Argv): Argv {
  return y
    .positional('reports', {
      type: 'string',
      array: true,
      describe: 'the --json reports of the shards (files; each shard once)',
    })
    .option('json', { type: 'boolean', default: false, describe: 'the merged report as JSON' })
    .example('$0 fuzz merge out/shard-0.json out/shard-1.json --json', 'two shards, one report');
}

/** `nsrsim fuzz merge`: reads the reports, merges them, prints the result as fuzz would. */
export function cmdFuzzMerge(files: readonly string[], json: boolean): number {
  const inputs = files.map((file) => {
    try {
      return { file, text: readFileSync(file, 'utf8') };
    } catch (e) {
      throw new UsageError(
        `fuzz merge: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      );
    }
  });
  const m = mergeReports(inputs);
  const missing = missingShards(m);
  if (missing.length > 0)
    process.stderr.write(
      `nsrsim fuzz merge: shard${missing.length === 1 ? '' : 's'} ${missing.join(', ')} of ${m.shard.split('/')[1]} missing: the totals cover the others only\n`,
    );
  if ('mutants' in m) {
    if (json) process.stdout.write(`${JSON.stringify(m)}\n`);
    else process.stdout.write(m.mutants.map(formatMutant).join('') + formatMutantsSummary(m));
    return mutantsExit(m);
  }
  process.stdout.write(json ? `${JSON.stringify(m)}\n` : formatCampaign(m, true));
  return campaignExit(m);
}

function mergeHandler(a: Arguments): void {
  try {
    const files = ((a.reports as unknown[] | undefined) ?? []).map(String);
    process.exitCode = cmdFuzzMerge(files, a.json === true);
  } catch (e) {
    // As scenarios/cli/main.ts reports: a user mistake in one line (exit 2), else the stack (exit 3).
    if (isUserError(e)) {
      process.stderr.write(`nsrsim: ${e.message}\nRun "nsrsim fuzz merge --help" for usage.\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(
      `nsrsim: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    process.exitCode = 3;
  }
}
