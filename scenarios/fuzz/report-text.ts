// The human report of `nsrsim fuzz` and `nsrsim fuzz merge`, printed from the very JSON
// objects --json prints (report-json.ts), so the two never say different things and a
// merged report reads like a single one.
import { relative } from 'node:path';
import {
  appsOf,
  type CampaignJson,
  type GroupJson,
  type MutantRow,
  type MutantsJson,
  type Size,
} from './report-json.ts';

/** Run numbers listed per group; the rest are counted. */
export const GROUP_RUNS_SHOWN = 12;

function shown(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

const plural = (k: number, w: string): string => `${k} ${w}${k === 1 ? '' : 's'}`;

export function sizeText(s: Size): string {
  return `${plural(s.faults, 'fault')}, ${plural(s.peers, 'peer')}, ${plural(s.sessions, 'session')}, ${plural(s.tieBreaks, 'tie-break')}`;
}

function runList(runs: readonly number[]): string {
  const head = runs.slice(0, GROUP_RUNS_SHOWN).join(', ');
  return runs.length > GROUP_RUNS_SHOWN
    ? `${head}, … (${runs.length - GROUP_RUNS_SHOWN} more)`
    : head;
}

/** "shrink stopped by --time after N runs" and its kin: why a shrink ended early. */
export function shrinkStopText(stoppedBy: string, runs: number): string | undefined {
  if (stoppedBy === 'time')
    return `shrink stopped by --time after ${plural(runs, 'run')}: the file holds the smallest failing case so far`;
  if (stoppedBy === 'budget')
    return `shrink stopped by its budget after ${plural(runs, 'run')} (--shrink-budget)`;
  return undefined;
}

function groupLines(g: GroupJson, failures: CampaignJson['failures']): string[] {
  const first = failures.find((f) => f.run === g.run);
  const crash =
    first?.internalError === undefined ? '' : ` — ${first.internalError.split('\n')[0] ?? ''}`;
  const lines = [
    `    ${g.signature}: ${plural(g.count, 'run')} (${runList(g.runs)})`,
    `      run ${g.run} (fast-check seed ${g.runSeed}): ${(first?.fired ?? g.fired).join(', ')}${crash}`,
  ];
  const s = g.shrunk;
  if (s !== null && g.file !== null) {
    lines.push(
      `      shrunk in ${s.runs} runs to ${sizeText(s.size)}: ${s.fired.join(', ')}`,
      `      → ${shown(g.file)}${first?.verified === false ? ' (NOT reproduced when read back: see the file)' : ''}`,
    );
    const stop = shrinkStopText(s.stoppedBy, s.runs);
    if (stop !== undefined) lines.push(`      ${stop}`);
  }
  return lines;
}

function stopLine(j: CampaignJson): string | undefined {
  if (j.stoppedBy === 'max-failures')
    return `  stopped    after ${plural(j.maxFailures, 'distinct failure')} (--max-failures ${j.maxFailures}; 0 keeps going)`;
  if (j.stoppedBy === 'time') return '  stopped    by --time (the rest of it went to shrinking)';
  return undefined;
}

/** ", apps mixed" for a campaign that drew MSDP and BGP peers (`--apps mixed`); nothing for 'stream'. */
function appsText(j: { apps?: unknown }): string {
  return appsOf(j) === 'mixed' ? ', apps mixed' : '';
}

function header(j: CampaignJson, seedGiven: boolean): string {
  const seed = `seed ${j.seed}${seedGiven ? '' : ` (random; --seed ${j.seed} repeats it)`}`;
  const workers = plural(j.workers, 'worker');
  if (j.shardSource === 'merged')
    return `nsrsim fuzz merge: design ${j.design}${appsText(j)}, ${seed}, shards ${j.shard} (${plural(j.shards.length, 'report')}), ${workers} in all`;
  const from =
    j.shardSource === '--shard' || j.shardSource === 'none' ? '' : ` (from ${j.shardSource})`;
  return `nsrsim fuzz: design ${j.design}${appsText(j)}, ${seed}, shard ${j.shard}${from}, ${workers}`;
}

export function formatCampaign(j: CampaignJson, seedGiven: boolean): string {
  const failures =
    j.failures.length === 0
      ? 'none'
      : `${plural(j.failures.length, 'run')} in ${plural(j.groups.length, 'group')} (by first checker/kind)`;
  const lines = [
    header(j, seedGiven),
    `  runs       ${j.runs} in ${(j.wallMs / 1000).toFixed(1)} s: ${j.runsPerSec.toFixed(1)} runs/s, ${j.events.toLocaleString('en-US')} events${j.stoppedBy === 'time' ? ' (time budget reached)' : ''}`,
  ];
  const stop = stopLine(j);
  if (stop !== undefined) lines.push(stop);
  lines.push(`  failures   ${failures}`);
  for (const g of j.groups) lines.push(...groupLines(g, j.failures));
  lines.push(...determinismLines(j));
  return `${lines.join('\n')}\n`;
}

function determinismLines(j: CampaignJson): string[] {
  const d = j.determinism;
  if (d === undefined) return [];
  if (d.divergence === undefined)
    return [`  determinism ${d.checked} runs re-run, identical traces`];
  const v = d.divergence;
  return [
    `  determinism DIVERGED in run ${v.run} (fast-check seed ${v.runSeed}) at trace record ${v.recordId}:`,
    `    first  ${JSON.stringify(v.first)}`,
    `    second ${JSON.stringify(v.second)}`,
  ];
}

export function formatMutant(row: MutantRow): string {
  const seen = new Set<string>();
  const design = row.designFailures.map((d) => {
    const again = seen.has(d.signature);
    seen.add(d.signature);
    const file = d.file === null ? '' : ` → ${shown(d.file)}`;
    return `  the correct design failed too in run ${d.run} (${d.fired.join(', ')}${again ? `, same ${d.signature} as above` : ''})${file}\n`;
  });
  return formatMutantKill(row) + design.join('');
}

function formatMutantKill(row: MutantRow): string {
  if (!row.found)
    return `mutant ${row.name}: NOT FOUND in ${row.runs} runs (${(row.wallMs / 1000).toFixed(1)} s)${row.inconclusive > 0 ? `; ${row.inconclusive} runs failed on the correct design too` : ''}\n`;
  const s = row.shrunk;
  const stop = s === null ? undefined : shrinkStopText(s.stoppedBy, s.runs);
  const shrunk =
    s === null || row.file === null
      ? ''
      : `\n  shrunk in ${s.runs} runs to ${sizeText({ faults: row.shrunkFaults ?? 0, ...s })} → ${shown(row.file)}${stop === undefined ? '' : `\n  ${stop}`}`;
  return `mutant ${row.name}: found at run ${row.run ?? '?'} (${row.runs} runs, ${(row.wallMs / 1000).toFixed(1)} s): ${row.fired.join(', ')}${shrunk}\n`;
}

export function formatMutantsSummary(j: MutantsJson): string {
  const found = j.mutants.filter((r) => r.found).length;
  const merged =
    j.shardSource === 'merged' ? `, shards ${j.shard} (${plural(j.shards.length, 'report')})` : '';
  return `${found} of ${plural(j.mutants.length, 'mutant')} found (seed ${j.seed}${appsText(j)}${merged})\n`;
}
