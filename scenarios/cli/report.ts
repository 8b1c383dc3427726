// The timeline report and the exports on the command line (issue 13, SPEC V-1…V-5):
// `nsrsim report FILE -o OUT.html` and the run command's --report, --perfetto, --mermaid,
// --window and --pcapng. It runs a scenario with what the outputs need (a record
// collector, taps on every link) and writes them; a plain run asks for none of this and
// pays nothing for it. When the first violation is only reported at the end of the run
// (after its window has passed), the scenario runs a second time to collect that window,
// and the two trace hashes must agree (same scenario, seed and version: same trace).
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Arguments, Argv } from 'yargs';
import type { TraceRecord, Violation } from '../../sim/index.ts';
import { formatDuration } from '../../sim/index.ts';
import { DEFAULT_ROUTER, type FaultConfig } from '../../model/config.ts';
import { encodeSegment } from '../../model/net/packet.ts';
import { LINK, type ReIndex } from '../../model/vocab.ts';
import {
  TraceCollector,
  type Collected,
  type WindowPolicy,
} from '../../reports/timeline/collect.ts';
import { renderHtml } from '../../reports/timeline/html.ts';
import { buildPageData, type PageData, type ReportMeta } from '../../reports/timeline/model.ts';
import { parseWindow, WindowError, type TimeWindow } from '../../reports/timeline/window.ts';
import { chromeTraceJson } from '../../reports/perfetto.ts';
import { mermaidMarkdown } from '../../reports/mermaid.ts';
import { PcapngCapture } from '../../reports/pcapng.ts';
import { OPTIONS } from '../load/catalog.ts';
import { UsageError } from '../load/errors.ts';
import { loadScenarioFile, type Scenario } from '../load/load.ts';
import { runScenario, VERSION, type RunOptions, type RunReport } from '../run.ts';
import { formatExpect, formatSummary, styleFor } from './format.ts';

/** What the export flags asked for (paths as given; several files name theirs per scenario). */
export interface ExportFlags {
  readonly report?: string;
  readonly perfetto?: string;
  readonly mermaid?: string;
  readonly pcapng?: string;
  readonly window?: TimeWindow;
}

export type OutputKind = 'report' | 'perfetto' | 'mermaid' | 'pcapng';

/** One file written. */
export interface Written {
  readonly kind: OutputKind;
  readonly path: string;
  readonly bytes: number;
  readonly ms: number;
  readonly note: string;
}

const PATH_FLAGS: readonly OutputKind[] = ['report', 'perfetto', 'mermaid', 'pcapng'];

/** Adds the export flags to a command (run, report). */
export function exportOptions(y: Argv, withReport: boolean): Argv {
  const path = (describe: string) => ({ type: 'string' as const, requiresArg: true, describe });
  const y1 = withReport
    ? y.option(
        'report',
        path(
          'write the timeline report here: one offline HTML file (several files: <stem>.<scenario name>.html)',
        ),
      )
    : y;
  return y1
    .option('perfetto', path('write Chrome trace JSON here (Perfetto UI, chrome://tracing)'))
    .option(
      'mermaid',
      path(
        'write a Mermaid sequenceDiagram (Markdown) of --window, or around the first violation/fault',
      ),
    )
    .option('window', {
      type: 'string',
      requiresArg: true,
      describe:
        'the time window the report and exports keep, e.g. 1.9s..2.3s (default: around the first violation, else the first fault)',
    })
    .option(
      'pcapng',
      path('write every link (wires, PFE↔RE, inter-RE) as pcapng, record ids as packet comments'),
    );
}

/** Reads and checks the export flags (a bad value is a UsageError). */
export function exportFlags(a: Arguments): ExportFlags {
  const str = (k: string): string | undefined => (a[k] === undefined ? undefined : String(a[k]));
  let window: TimeWindow | undefined;
  const w = str('window');
  if (w !== undefined) {
    try {
      window = parseWindow(w);
    } catch (e) {
      if (e instanceof WindowError) throw new UsageError(e.message);
      throw e;
    }
  }
  const flags: ExportFlags = {
    ...(str('report') === undefined ? {} : { report: str('report') }),
    ...(str('perfetto') === undefined ? {} : { perfetto: str('perfetto') }),
    ...(str('mermaid') === undefined ? {} : { mermaid: str('mermaid') }),
    ...(str('pcapng') === undefined ? {} : { pcapng: str('pcapng') }),
    ...(window === undefined ? {} : { window }),
  };
  if (
    window !== undefined &&
    flags.report === undefined &&
    flags.perfetto === undefined &&
    flags.mermaid === undefined
  )
    throw new UsageError(
      '--window applies to --report, --perfetto and --mermaid; give one of them',
    );
  for (const k of PATH_FLAGS) {
    const p = flags[k];
    if (p !== undefined && isDirectory(p))
      throw new UsageError(`--${k}: "${p}" is a directory; give a file name`);
  }
  return flags;
}

/** True when any output path was asked for. */
export function wantsExports(f: ExportFlags): boolean {
  return PATH_FLAGS.some((k) => f[k] !== undefined);
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The ends of each link as world.ts wires them: side a first. */
function linkEnds(s: Scenario): (link: string) => readonly [string, string] {
  const ends = new Map<string, readonly [string, string]>();
  for (const p of s.config.peers) ends.set(LINK.wire(p.name), [p.name, 'pfe']);
  for (const i of [0, 1] as const satisfies readonly ReIndex[])
    ends.set(LINK.intRe(i), [`re${i}`, 'pfe']);
  ends.set(LINK.interRe, ['re0', 're1']);
  return (link) => ends.get(link) ?? ['a', 'b'];
}

function faultText(f: FaultConfig): string {
  const when =
    'atNs' in f.when
      ? `at ${formatDuration(f.when.atNs)}`
      : `between ${formatDuration(f.when.betweenNs[0])} and ${formatDuration(f.when.betweenNs[1])}`;
  const params = Object.entries(f.action)
    .filter(([k, v]) => k !== 'kind' && v !== undefined)
    .map(([k, v]) =>
      k.endsWith('Ns') && typeof v === 'number'
        ? `${k.slice(0, -2)} ${formatDuration(v)}`
        : `${k} ${String(v)}`,
    );
  return [f.action.kind, ...params, when].join(' ');
}

/** The header's view of a scenario and its run. */
export function reportMeta(s: Scenario, r: RunReport): ReportMeta {
  const router = s.config.router;
  const set = router.nsrOptions as Readonly<Record<string, unknown>>;
  const text = (v: unknown): string => (Array.isArray(v) ? `[${v.join(', ')}]` : String(v));
  const options = OPTIONS.map((o) => {
    const v = set[o.name] ?? o.default;
    return { name: o.name, value: text(v), changed: text(v) !== text(o.default) };
  });
  const overrides = [
    ...Object.entries(router.nsrCosts).map(([k, v]) => ({
      name: `costs.${k}`,
      value: text(v),
      changed: true,
    })),
    ...Object.entries(router.nsrTimers).map(([k, v]) => ({
      name: `timers.${k}`,
      value: text(v),
      changed: true,
    })),
    ...Object.entries(router.nsrBounds).map(([k, v]) => ({
      name: `bounds.${k}`,
      value: text(v),
      changed: true,
    })),
    {
      name: 'pfeSwitch',
      value: formatDuration(router.pfeSwitchNs),
      changed: router.pfeSwitchNs !== DEFAULT_ROUTER.pfeSwitchNs,
    },
    {
      name: 'masterDetect',
      value: formatDuration(router.masterDetectNs),
      changed: router.masterDetectNs !== DEFAULT_ROUTER.masterDetectNs,
    },
  ];
  return {
    scenario: s.name,
    file: s.file,
    description: s.description,
    seed: r.seed,
    version: VERSION,
    design: 'jsr',
    nsr: router.nsr,
    options: [...options, ...overrides],
    mutant: router.nsr ? router.mutant : undefined,
    faults: s.config.faults.map(faultText),
    checks: s.checks === 'all' ? 'all' : s.checks.join(', '),
    expect: formatExpect(s.expect),
    verdict: r.verdict,
    matches: r.matches,
    traceHash: r.traceHash,
    durationNs: s.config.durationNs,
    events: r.stats.events,
    peers: s.config.peers.map((p) => p.name),
    sessions: r.stats.sessions.map((x) => ({
      session: x.session,
      peerWrote: x.peer.bytesWritten,
      peerRead: x.peer.bytesRead,
      routerWrote: x.router?.bytesWritten,
      routerRead: x.router?.bytesRead,
      closed: x.peer.closed,
    })),
  };
}

function write(path: string, data: string | Uint8Array): number {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
  return typeof data === 'string' ? Buffer.byteLength(data) : data.length;
}

/** Runs again for a window the first run could not keep (its anchor came late). */
function collectAgain(s: Scenario, opts: RunOptions, first: RunReport, c: Collected): Collected {
  if (c.kind !== 'rerun') return c;
  const again = new TraceCollector(c.policy, s.config.durationNs);
  const r2 = runScenario(s, {
    seed: first.seed,
    onRecord: again.onRecord,
    ...(opts.wallClock === undefined ? {} : { wallClock: opts.wallClock }),
  });
  if (r2.traceHash !== first.traceHash)
    throw new Error(
      `report: the second run of ${s.name} gave trace hash ${r2.traceHash}, the first ${first.traceHash}`,
    );
  return again.finish(first.violations);
}

function windowPolicy(f: ExportFlags): WindowPolicy {
  return f.window === undefined ? { kind: 'auto' } : { kind: 'time', ...f.window };
}

function writeRecordOutputs(
  d: PageData,
  f: ExportFlags,
  pathFor: (p: string) => string,
): Written[] {
  const out: Written[] = [];
  const timed = (kind: OutputKind, path: string, make: () => string, note: string): void => {
    const t0 = performance.now();
    const bytes = write(path, make());
    out.push({ kind, path, bytes, ms: performance.now() - t0, note });
  };
  const w = d.window;
  const kept =
    w.firstId < 0
      ? `no records in the window (of ${w.total.toLocaleString('en-US')})`
      : `records #${w.firstId}..#${w.lastId} of ${w.total.toLocaleString('en-US')}, ${w.anchor}`;
  if (f.report !== undefined)
    timed('report', pathFor(f.report), () => renderHtml(d), `${kept}; open it in a browser`);
  if (f.perfetto !== undefined)
    timed(
      'perfetto',
      pathFor(f.perfetto),
      () => chromeTraceJson(d),
      `${kept}; open it in https://ui.perfetto.dev or chrome://tracing`,
    );
  if (f.mermaid !== undefined)
    timed(
      'mermaid',
      pathFor(f.mermaid),
      () => mermaidMarkdown(d, f.window),
      'Mermaid sequenceDiagram',
    );
  return out;
}

/** Where the time of writing the outputs went (wall clock, ms). */
export interface ExportTiming {
  /** The run itself, with the collector and taps on. */
  readonly runMs: number;
  /** A second run for a window the first could not keep (0 when none was needed). */
  readonly rerunMs: number;
  /** Building the report's data from the kept records. */
  readonly modelMs: number;
  /** Everything, from the start of the run to the last file written. */
  readonly totalMs: number;
}

export interface ExportResult {
  readonly report: RunReport;
  readonly written: Written[];
  readonly timing: ExportTiming | undefined;
}

/**
 * Runs one scenario with what the export flags need and writes the outputs. `pathFor`
 * turns a flag's path into this scenario's (several files get one each).
 */
export function runWithExports(
  s: Scenario,
  opts: RunOptions,
  f: ExportFlags,
  pathFor: (p: string) => string = (p) => p,
): ExportResult {
  if (!wantsExports(f)) return { report: runScenario(s, opts), written: [], timing: undefined };
  if (f.window !== undefined && f.window.fromNs >= s.config.durationNs)
    throw new UsageError(
      `--window starts at ${formatDuration(f.window.fromNs)}, after ${s.name} ends (${formatDuration(s.config.durationNs)})`,
    );
  const t0 = performance.now();
  const records = f.report !== undefined || f.perfetto !== undefined || f.mermaid !== undefined;
  const col = records ? new TraceCollector(windowPolicy(f), s.config.durationNs) : undefined;
  const cap = f.pcapng === undefined ? undefined : new PcapngCapture(encodeSegment, linkEnds(s));
  const onRecord = (rec: TraceRecord, vs: readonly Violation[]): void => {
    col?.onRecord(rec, vs);
    cap?.onRecord(rec);
  };
  const report = runScenario(s, {
    ...opts,
    onRecord,
    ...(cap === undefined ? {} : { linkTap: cap.tapFor }),
  });
  const t1 = performance.now();
  const written: Written[] = [];
  let t2 = t1;
  let t3 = t1;
  if (col !== undefined) {
    const first = col.finish(report.violations);
    const c = collectAgain(s, opts, report, first);
    if (c.kind !== 'window') throw new Error('report: no window after the second run');
    t2 = first.kind === 'rerun' ? performance.now() : t1;
    const meta = reportMeta(s, report);
    const data = buildPageData({
      meta,
      records: c.records,
      info: c.info,
      tally: c.tally,
      violations: report.violations,
    });
    t3 = performance.now();
    written.push(...writeRecordOutputs(data, f, pathFor));
  }
  if (cap !== undefined && f.pcapng !== undefined) {
    const t = performance.now();
    const path = pathFor(f.pcapng);
    const bytes = write(path, cap.bytes(`nsrsim ${VERSION}`));
    written.push({
      kind: 'pcapng',
      path,
      bytes,
      ms: performance.now() - t,
      note: `${cap.count().toLocaleString('en-US')} packets, one interface per link`,
    });
  }
  const timing = {
    runMs: t1 - t0,
    rerunMs: t2 - t1,
    modelMs: t3 - t2,
    totalMs: performance.now() - t0,
  };
  return { report, written, timing };
}

/** `nsrsim report FILE -o OUT.html`: run with the file's seed (or --seed) and write the report. */
export function cmdReport(a: Arguments): number {
  const file = String(a.file);
  const seedText = a.seed === undefined ? undefined : String(a.seed);
  const seed = seedText === undefined ? undefined : Number(seedText);
  if (seed !== undefined && (!Number.isSafeInteger(seed) || seed < 0 || seedText?.trim() === ''))
    throw new UsageError(`--seed must be an integer >= 0, got "${seedText}"`);
  if (a.output === undefined) throw new UsageError('give the report file with -o OUT.html');
  const flags = exportFlags({ ...a, report: a.output });
  const s = loadScenarioFile(file);
  const r = runWithExports(
    s,
    { ...(seed === undefined ? {} : { seed }), wallClock: () => performance.now() },
    flags,
  );
  process.stdout.write(formatSummary(r.report, styleFor(process.stdout), r));
  const report = r.report;
  return report.matches ? 0 : 1;
}

/** The report command's flags. */
export function reportOptions(y: Argv): Argv {
  return exportOptions(
    y
      .positional('file', { type: 'string', describe: 'scenario file (YAML or JSON)' })
      .option('output', {
        alias: 'o',
        type: 'string',
        requiresArg: true,
        describe: 'the report file to write (one offline HTML file)',
      })
      .option('seed', {
        type: 'string',
        requiresArg: true,
        describe: "override the scenario's seed (integer >= 0)",
      }),
    false,
  )
    .example('$0 report scenarios/demo.yaml -o demo.html', 'the demo, around its fault')
    .example(
      '$0 report scenarios/library/mutant/prl-l4-after-nack.yaml -o nack.html --mermaid nack.md',
      'a mutant: its violation first, and a Mermaid diagram',
    );
}
