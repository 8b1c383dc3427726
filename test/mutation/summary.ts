// The per-file table and the survivor list of a StrykerJS run (`npm run mutation`, issue
// 12), as Markdown for reports/mutation/README.md: `npm run mutation:summary [mutation.json…]`.
// The figures are computed by mutation-testing-metrics, the package Stryker's own reporters
// use, so the table says what Stryker's clear-text and HTML reports say.
import { readFileSync } from 'node:fs';
import { calculateMetrics, type Metrics } from 'mutation-testing-metrics';
import type { MutationTestResult } from 'mutation-testing-report-schema';

export const DEFAULT_REPORT = 'reports/mutation/mutation.json';

/** The ignorer of stryker.config.mjs: its reasons start with one of these names. */
const ASSERTION_REASON = /^(assert|assertInt|unreachable) (condition|message):/;

export interface FileRow {
  readonly file: string;
  readonly m: Metrics;
  /** Mutants a `// Stryker disable` comment marks equivalent (not the assertion ignorer's). */
  readonly equivalent: number;
}

export interface Listed {
  readonly file: string;
  readonly line: number;
  readonly mutator: string;
  readonly replacement: string;
  readonly reason: string;
}

export interface Summary {
  readonly rows: FileRow[];
  readonly total: Metrics;
  readonly survivors: Listed[];
  readonly equivalents: Listed[];
}

/** Reads a Stryker JSON report (mutation-testing-report-schema) into rows and lists. */
export function summarize(report: MutationTestResult): Summary {
  const rows: FileRow[] = [];
  const survivors: Listed[] = [];
  const equivalents: Listed[] = [];
  for (const file of Object.keys(report.files).sort()) {
    const result = report.files[file];
    if (result === undefined) continue;
    let equivalent = 0;
    for (const mu of result.mutants) {
      const listed: Listed = {
        file,
        line: mu.location.start.line,
        mutator: mu.mutatorName,
        replacement: (mu.replacement ?? '').replace(/\s+/g, ' ').slice(0, 60),
        reason: mu.statusReason ?? '',
      };
      if (mu.status === 'Survived' || mu.status === 'NoCoverage') survivors.push(listed);
      if (mu.status === 'Ignored' && !ASSERTION_REASON.test(listed.reason)) {
        equivalent++;
        equivalents.push(listed);
      }
    }
    rows.push({ file, m: calculateMetrics({ [file]: result }).metrics, equivalent });
  }
  const byPlace = (a: Listed, b: Listed): number =>
    a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line;
  survivors.sort(byPlace);
  equivalents.sort(byPlace);
  return { rows, total: calculateMetrics(report.files).metrics, survivors, equivalents };
}

const pct = (x: number): string => (Number.isNaN(x) ? 'n/a' : `${x.toFixed(1)}%`);

/** The Markdown: a per-file score table, then every survivor and every marked equivalent. */
export function toMarkdown(s: Summary): string {
  const head =
    '| file | mutants | killed | timeout | survived | no coverage | equivalent | assertions ignored | score | score of covered |\n' +
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|';
  const row = (name: string, m: Metrics, eq: number): string =>
    `| ${name} | ${m.totalMutants} | ${m.killed} | ${m.timeout} | ${m.survived} | ${m.noCoverage} | ` +
    `${eq} | ${m.ignored - eq} | ${pct(m.mutationScore)} | ${pct(m.mutationScoreBasedOnCoveredCode)} |`;
  const eqTotal = s.rows.reduce((a, r) => a + r.equivalent, 0);
  const lines = [
    head,
    ...s.rows.map((r) => row(r.file, r.m, r.equivalent)),
    row('**all**', s.total, eqTotal),
  ];
  const item = (x: Listed): string =>
    `- ${x.file}:${x.line} ${x.mutator} \`${x.replacement}\`${x.reason === '' ? '' : `: ${x.reason}`}`;
  lines.push('', `Survivors (${s.survivors.length}) by mutator:`, '', ...byMutator(s.survivors));
  lines.push('', `Survivors (${s.survivors.length}):`, '');
  lines.push(...(s.survivors.length === 0 ? ['- none'] : s.survivors.map(item)));
  lines.push('', `Marked equivalent (${s.equivalents.length}):`, '');
  lines.push(...(s.equivalents.length === 0 ? ['- none'] : s.equivalents.map(item)));
  return `${lines.join('\n')}\n`;
}

/**
 * Reads one or more Stryker JSON reports into one: runs over different files (`stryker run
 * --mutate …`) join; where two reports hold the same file, the later one's results count.
 */
export function joinReports(reports: readonly MutationTestResult[]): MutationTestResult {
  const first = reports[0];
  if (first === undefined) throw new Error('no report to join');
  const files: MutationTestResult['files'] = {};
  for (const r of reports) Object.assign(files, r.files);
  return { ...first, files };
}

function readReport(path: string): MutationTestResult | string {
  let report: unknown;
  try {
    report = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    return `cannot read ${path}: ${(e as Error).message}`;
  }
  const files = (report as { files?: unknown } | null)?.files;
  if (typeof files !== 'object' || files === null)
    return `${path} is not a Stryker JSON report (no "files")`;
  return report as MutationTestResult;
}

/** One line per mutator: how many survivors it made, in each file (most first). */
function byMutator(list: readonly Listed[]): string[] {
  const counts = new Map<string, Map<string, number>>();
  for (const x of list) {
    const m = counts.get(x.mutator) ?? new Map<string, number>();
    m.set(x.file, (m.get(x.file) ?? 0) + 1);
    counts.set(x.mutator, m);
  }
  const total = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
  return [...counts]
    .sort((a, b) => total(b[1]) - total(a[1]) || (a[0] < b[0] ? -1 : 1))
    .map(([mutator, m]) => {
      const files = [...m].map(([f, n]) => `${f.replace(/^.*\//, '')} ${n}`).join(', ');
      return `- ${mutator}: ${total(m)} (${files})`;
    });
}

function main(argv: readonly string[]): number {
  const reports: MutationTestResult[] = [];
  for (const path of argv.length === 0 ? [DEFAULT_REPORT] : argv) {
    const r = readReport(path);
    if (typeof r === 'string') {
      process.stderr.write(`mutation summary: ${r}\n`);
      return 2;
    }
    reports.push(r);
  }
  process.stdout.write(toMarkdown(summarize(joinReports(reports))));
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = main(process.argv.slice(2));
