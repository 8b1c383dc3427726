// `nsrsim fuzz`: the command's flags, its campaign(s), the progress bar and the report.
// scenarios/cli/main.ts registers it (fuzzCommand) next to run, validate and replay.
//
// Exit status: 0 when the campaign found no failure (with --mutant: when the mutant was
// found, every mutant for `all`, and the correct-design twin of no run failed), 1 otherwise,
// 2 for a bad flag, 3 for an internal error
// outside a run (a run that crashes the simulator is a failure the campaign reports).
import { randomInt } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { relative } from 'node:path';
import type { Argv } from 'yargs';
import { isMutant, MUTANTS, type MutantName } from '../../model/nsr/options.ts';
import { MS, parseDuration } from '../../sim/index.ts';
import { DESIGNS } from '../load/catalog.ts';
import { UsageError } from '../load/errors.ts';
import {
  DEFAULT_RUNS,
  runCampaign,
  type CampaignOptions,
  type CampaignReport,
  type Progress,
} from '../fuzz/campaign.ts';
import type { FuzzTarget } from '../fuzz/run-case.ts';
import { parseShard } from '../fuzz/seeds.ts';
import { SHRINK_BUDGET_DEFAULT } from '../fuzz/shrink.ts';

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
  unsafeOptions?: boolean | undefined;
}

export function fuzzOptions(y: Argv): Argv {
  return y
    .option('runs', {
      type: 'number',
      requiresArg: true,
      describe: `runs of this shard (default ${DEFAULT_RUNS}; with --mutant, the budget per mutant, default ${MUTANT_RUNS_DEFAULT})`,
    })
    .option('time', {
      type: 'string',
      requiresArg: true,
      describe: 'wall-time budget instead of a run count, e.g. 10m or 30s',
    })
    .option('seed', {
      type: 'string',
      requiresArg: true,
      describe: 'campaign seed (integer >= 0); random and printed when left out',
    })
    .option('workers', {
      type: 'number',
      requiresArg: true,
      describe: 'worker threads (0 = in this process; default: the CPU count, at most 8)',
    })
    .option('shard', {
      type: 'string',
      requiresArg: true,
      describe:
        'i/n: run only the campaign runs k with k mod n = i (split one campaign over a CI matrix)',
    })
    .option('design', {
      type: 'string',
      requiresArg: true,
      default: 'jsr',
      describe: `design family (${DESIGNS.map((d) => d.id).join(', ')})`,
    })
    .option('mutant', {
      type: 'string',
      requiresArg: true,
      describe: 'fuzz this mutant, or "all" of them, to find it: a failure is the expected outcome',
    })
    .option('json', { type: 'boolean', default: false, describe: 'one JSON report on stdout' })
    .option('out', {
      type: 'string',
      requiresArg: true,
      default: OUT_DEFAULT,
      describe: 'directory for the shrunk failures (scenario files)',
    })
    .option('check-determinism', {
      type: 'boolean',
      default: false,
      describe: `re-run a sample of ${DETERMINISM_SAMPLE} runs and report the first differing trace record`,
    })
    .option('shrink-budget', {
      type: 'number',
      requiresArg: true,
      describe: `runs one shrink may spend (default ${SHRINK_BUDGET_DEFAULT})`,
    })
    .option('unsafe-options', {
      type: 'boolean',
      default: false,
      describe:
        'also draw the design options known to break an invariant by design (KNOWN_UNSAFE_OPTIONS)',
    })
    .example('$0 fuzz --runs 200 --seed 1', 'a campaign of 200 runs on the correct design')
    .example('$0 fuzz --time 10m --workers 4 --shard 0/4', 'one of four CI shards for ten minutes')
    .example('$0 fuzz --mutant all --json --out /tmp/fuzz-out', 'the mutant kill matrix');
}

interface Parsed {
  seed: number;
  seedGiven: boolean;
  base: Omit<CampaignOptions, 'target' | 'runs'>;
  runs: number | undefined;
  design: 'jsr';
  mutants: MutantName[] | undefined;
  json: boolean;
  unsafe: boolean;
}

function intFlag(v: number | undefined, flag: string, min: number): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isSafeInteger(v) || v < min)
    throw new UsageError(`${flag} must be an integer >= ${min}, got ${String(v)}`);
  return v;
}

function parse(a: FuzzArgs): Parsed {
  const seedGiven = a.seed !== undefined;
  const seed = seedGiven ? Number(a.seed) : randomInt(0, 2 ** 31);
  if (!Number.isSafeInteger(seed) || seed < 0 || String(a.seed ?? seed).trim() === '')
    throw new UsageError(`--seed must be an integer >= 0, got "${String(a.seed)}"`);
  const shard = a.shard === undefined ? undefined : parseShard(a.shard);
  if (a.shard !== undefined && shard === undefined)
    throw new UsageError(`--shard must be i/n with 0 <= i < n, got "${a.shard}"`);
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
  let timeMs: number | undefined;
  if (a.time !== undefined) {
    try {
      timeMs = parseDuration(a.time) / MS;
    } catch (e) {
      throw new UsageError(`--time: ${(e as Error).message}`);
    }
    if (timeMs <= 0) throw new UsageError('--time must be longer than 0s');
  }
  let mutants: MutantName[] | undefined;
  if (a.mutant === 'all') mutants = Object.keys(MUTANTS) as MutantName[];
  else if (a.mutant !== undefined) {
    if (!isMutant(a.mutant))
      throw new UsageError(
        `--mutant: no mutant "${a.mutant}" (mutants: ${Object.keys(MUTANTS).join(', ')}, or all)`,
      );
    mutants = [a.mutant];
  }
  const workers =
    intFlag(a.workers, '--workers', 0) ?? Math.min(WORKERS_MAX, availableParallelism());
  const base: Parsed['base'] = {
    seed,
    workers,
    ...(shard === undefined ? {} : { shard }),
    ...(timeMs === undefined ? {} : { timeMs }),
    outDir: a.out ?? OUT_DEFAULT,
    shrinkBudget: intFlag(a.shrinkBudget, '--shrink-budget', 0) ?? SHRINK_BUDGET_DEFAULT,
    determinismSample: a.checkDeterminism === true ? DETERMINISM_SAMPLE : 0,
  };
  return {
    seed,
    seedGiven,
    base,
    runs: intFlag(a.runs, '--runs', 1),
    design: 'jsr',
    mutants,
    json: a.json === true,
    unsafe: a.unsafeOptions === true,
  };
}

/** A progress bar on stderr, only when stderr is a terminal. */
function progressBar(label: string): { onProgress?: (p: Progress) => void; done(): void } {
  if (process.stderr.isTTY !== true) return { done: () => undefined };
  let shown = false;
  return {
    onProgress: (p) => {
      shown = true;
      const width = 30;
      const frac = p.total === undefined ? 0 : Math.min(1, p.done / p.total);
      const bar =
        p.total === undefined
          ? ''
          : `[${'#'.repeat(Math.round(frac * width)).padEnd(width, '.')}] `;
      const rate = p.elapsedMs > 0 ? (p.done * 1000) / p.elapsedMs : 0;
      process.stderr.write(
        `\r\x1b[K${label} ${bar}${p.done}${p.total === undefined ? '' : `/${p.total}`} runs, ${p.failures} failure${p.failures === 1 ? '' : 's'}, ${rate.toFixed(1)} runs/s`,
      );
    },
    done: () => {
      if (shown) process.stderr.write('\r\x1b[K');
    },
  };
}

export async function cmdFuzz(a: FuzzArgs): Promise<number> {
  const p = parse(a);
  return p.mutants === undefined ? designCampaign(p) : mutantCampaigns(p, p.mutants);
}

async function designCampaign(p: Parsed): Promise<number> {
  const target: FuzzTarget = {
    design: p.design,
    mutant: undefined,
    ...(p.unsafe ? { unsafeOptions: true } : {}),
  };
  const bar = progressBar('fuzz');
  const r = await runCampaign({
    ...p.base,
    target,
    ...(p.runs === undefined ? {} : { runs: p.runs }),
    ...(bar.onProgress === undefined ? {} : { onProgress: bar.onProgress }),
  });
  bar.done();
  process.stdout.write(
    p.json ? `${JSON.stringify(campaignJson(r))}\n` : formatCampaign(r, p.seedGiven),
  );
  const diverged = r.determinism?.divergence !== undefined;
  return r.failures.length > 0 || diverged ? 1 : 0;
}

export interface MutantRow {
  name: string;
  found: boolean;
  /** Runs until the first kill (the budget when not found). */
  runs: number;
  /** Wall time until the first kill (the whole budget's when not found), shrinking excluded. */
  wallMs: number;
  shrunkFaults: number | null;
  file: string | null;
  fired: string[];
  shrunk: {
    peers: number;
    sessions: number;
    tieBreaks: number;
    runs: number;
    wallMs: number;
  } | null;
  inconclusive: number;
  /** Runs whose correct-design twin failed too: findings on the design, shrunk when written. */
  designFailures: { run: number; fired: string[]; file: string | null }[];
}

async function mutantCampaigns(p: Parsed, mutants: readonly MutantName[]): Promise<number> {
  const rows: MutantRow[] = [];
  for (const m of mutants) {
    const bar = progressBar(m);
    const r = await runCampaign({
      ...p.base,
      target: { design: p.design, mutant: m, ...(p.unsafe ? { unsafeOptions: true } : {}) },
      runs: p.runs ?? MUTANT_RUNS_DEFAULT,
      stopAtFirst: true,
      ...(bar.onProgress === undefined ? {} : { onProgress: bar.onProgress }),
    });
    bar.done();
    const row = mutantRow(m, r);
    rows.push(row);
    if (!p.json) process.stdout.write(formatMutant(row, r));
  }
  if (p.json) process.stdout.write(`${JSON.stringify({ seed: p.seed, mutants: rows })}\n`);
  else
    process.stdout.write(
      `${rows.filter((r) => r.found).length} of ${rows.length} mutant${rows.length === 1 ? '' : 's'} found (seed ${p.seed})\n`,
    );
  // A correct-design failure met on the way is a finding too: CI must see it.
  return rows.every((r) => r.found && r.designFailures.length === 0) ? 0 : 1;
}

export function mutantRow(name: string, r: CampaignReport): MutantRow {
  const f = r.failures[0];
  return {
    name,
    found: f !== undefined,
    runs: r.runs,
    wallMs: Math.round(f === undefined ? r.wallMs : f.atMs),
    shrunkFaults: f?.shrunk?.size.faults ?? null,
    file: f?.finding?.file ?? null,
    fired: f?.shrunk?.fired ?? f?.fired ?? [],
    shrunk:
      f?.shrunk === undefined
        ? null
        : {
            peers: f.shrunk.size.peers,
            sessions: f.shrunk.size.sessions,
            tieBreaks: f.shrunk.size.tieBreaks,
            runs: f.shrunk.runs,
            wallMs: Math.round(f.shrunk.wallMs),
          },
    inconclusive: r.inconclusive,
    designFailures: r.designFailures.map((d) => ({
      run: d.run,
      fired: d.finding?.fired ?? d.fired,
      file: d.finding?.file ?? null,
    })),
  };
}

function campaignJson(r: CampaignReport): Record<string, unknown> {
  return {
    design: r.target.design,
    seed: r.seed,
    shard: `${r.shard.index}/${r.shard.count}`,
    workers: r.workers,
    runs: r.runs,
    events: r.events,
    wallMs: Math.round(r.wallMs),
    runsPerSec: Math.round(r.runsPerSec * 100) / 100,
    stoppedBy: r.stoppedBy,
    failures: r.failures.map((f) => ({
      run: f.run,
      runSeed: f.runSeed,
      fired: f.fired,
      ...(f.internalError === undefined ? {} : { internalError: f.internalError }),
      shrunk: f.shrunk ?? null,
      file: f.finding?.file ?? null,
      verified: f.finding?.verified ?? null,
    })),
    ...(r.determinism === undefined ? {} : { determinism: r.determinism }),
  };
}

function shown(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

function sizeText(s: {
  faults: number;
  peers: number;
  sessions: number;
  tieBreaks: number;
}): string {
  const n = (k: number, w: string): string => `${k} ${w}${k === 1 ? '' : 's'}`;
  return `${n(s.faults, 'fault')}, ${n(s.peers, 'peer')}, ${n(s.sessions, 'session')}, ${n(s.tieBreaks, 'tie-break')}`;
}

export function formatCampaign(r: CampaignReport, seedGiven: boolean): string {
  const lines = [
    `nsrsim fuzz: design ${r.target.design}, seed ${r.seed}${seedGiven ? '' : ` (random; --seed ${r.seed} repeats it)`}, shard ${r.shard.index}/${r.shard.count}, ${r.workers} worker${r.workers === 1 ? '' : 's'}`,
    `  runs       ${r.runs} in ${(r.wallMs / 1000).toFixed(1)} s: ${r.runsPerSec.toFixed(1)} runs/s, ${r.events.toLocaleString('en-US')} events${r.stoppedBy === 'time' ? ' (time budget reached)' : ''}`,
    `  failures   ${r.failures.length === 0 ? 'none' : r.failures.length}`,
  ];
  for (const f of r.failures) {
    lines.push(
      `    run ${f.run} (fast-check seed ${f.runSeed}): ${f.fired.join(', ')}${f.internalError === undefined ? '' : ` — ${f.internalError.split('\n')[0] ?? ''}`}`,
    );
    if (f.shrunk !== undefined && f.finding !== undefined) {
      lines.push(
        `      shrunk in ${f.shrunk.runs} runs to ${sizeText(f.shrunk.size)}: ${f.shrunk.fired.join(', ')}`,
        `      → ${shown(f.finding.file)}${f.finding.verified ? '' : ' (NOT reproduced when read back: see the file)'}`,
      );
    }
  }
  const d = r.determinism;
  if (d !== undefined) {
    if (d.divergence === undefined)
      lines.push(`  determinism ${d.checked} runs re-run, identical traces`);
    else {
      const v = d.divergence;
      lines.push(
        `  determinism DIVERGED in run ${v.run} (fast-check seed ${v.runSeed}) at trace record ${v.recordId}:`,
        `    first  ${JSON.stringify(v.first)}`,
        `    second ${JSON.stringify(v.second)}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

function formatMutant(row: MutantRow, r: CampaignReport): string {
  const design = row.designFailures.map(
    (d) =>
      `  the correct design failed too in run ${d.run} (${d.fired.join(', ')})${d.file === null ? '' : ` → ${shown(d.file)}`}\n`,
  );
  return formatMutantKill(row, r) + design.join('');
}

function formatMutantKill(row: MutantRow, r: CampaignReport): string {
  if (!row.found)
    return `mutant ${row.name}: NOT FOUND in ${row.runs} runs (${(row.wallMs / 1000).toFixed(1)} s)${row.inconclusive > 0 ? `; ${row.inconclusive} runs failed on the correct design too` : ''}\n`;
  const f = r.failures[0];
  const shrunk =
    f?.shrunk === undefined || f.finding === undefined
      ? ''
      : `\n  shrunk in ${f.shrunk.runs} runs to ${sizeText(f.shrunk.size)} → ${shown(f.finding.file)}`;
  return `mutant ${row.name}: found at run ${f?.run ?? '?'} (${row.runs} runs, ${(row.wallMs / 1000).toFixed(1)} s): ${row.fired.join(', ')}${shrunk}\n`;
}
