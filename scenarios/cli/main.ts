// The nsrsim command line (yargs): run, validate, replay, fuzz, list, schema. User mistakes
// (a bad scenario, a bad flag) print one message per problem, never a stack, and exit 2
// (GUIDE §4); a run whose verdict differs from its `expect` exits 1; a failure of the
// simulator itself prints the repro (scenario, seed, version) and exits 3.
import { RTCP_MUTANTS } from '../../model/redundant/mutants.ts';
import { statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import yargs, { type Arguments, type Argv } from 'yargs';
import { CHECKERS } from '../../model/checks/index.ts';
import { formatDuration, SEC } from '../../sim/index.ts';
import { DESIGNS, MUTANTS, OPTIONS, PENDING_FAULTS, SUPPORTED_FAULTS } from '../load/catalog.ts';
import {
  formatIssue,
  isUserError,
  ScenarioError,
  UsageError,
  type ScenarioIssue,
} from '../load/errors.ts';
import { formatList, formatSummary, styleFor, type ListData } from './format.ts';
import { loadScenarioFile, type Scenario } from '../load/load.ts';
import { InternalRunError, runScenario, VERSION, type RunOptions, type RunReport } from '../run.ts';
import { schemaText } from '../load/schema.ts';
import { cmdFuzz, fuzzOptions, type FuzzArgs } from './fuzz.ts';
import {
  cmdReport,
  exportFlags,
  exportOptions,
  reportOptions,
  runWithExports,
  wantsExports,
} from './report.ts';
import { packetdrillCommand } from './packetdrill.ts';
import { compareCommand } from './compare.ts';

export const EXIT_OK = 0;
export const EXIT_MISMATCH = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 3;

/** Wall time after which a run on a terminal shows a progress line. */
const PROGRESS_AFTER_MS = 1000;

const out = (s: string): void => void process.stdout.write(s);
const err = (s: string): void => void process.stderr.write(s);

function files(a: Arguments): string[] {
  return (
    (a.files as unknown[] | undefined)?.map(String) ??
    (a.file === undefined ? [] : [String(a.file)])
  );
}

function seedFlag(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'number' ? v : Number(String(v).trim() === '' ? NaN : v);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new UsageError(`--seed must be an integer >= 0, got "${String(v)}"`);
  return n;
}

/** Loads every file; a ScenarioError per bad file is collected, not thrown. */
function loadAll(paths: readonly string[]): {
  ok: Scenario[];
  bad: Array<{ file: string; issues: readonly ScenarioIssue[] }>;
} {
  const ok: Scenario[] = [];
  const bad: Array<{ file: string; issues: readonly ScenarioIssue[] }> = [];
  for (const f of paths) {
    try {
      ok.push(loadScenarioFile(f));
    } catch (e) {
      if (!(e instanceof ScenarioError)) throw e;
      bad.push({ file: f, issues: e.issues });
    }
  }
  return { ok, bad };
}

/** The output path for one scenario: the path itself for one file, `<stem>.<name><ext>` for several. */
export function outputPath(path: string, scenarios: readonly Scenario[], s: Scenario): string {
  if (scenarios.length === 1) return path;
  const ext = extname(path);
  return join(dirname(path), `${basename(path, ext)}.${s.name}${ext}`);
}

/**
 * A one-line progress display on stderr, only when both streams are terminals: percent of
 * the simulated duration, simulated seconds per wall second, the time left at that pace.
 */
function progressFor(
  s: Scenario,
  json: boolean,
): { onProgress: RunOptions['onProgress']; done(): void } {
  if (json || process.stdout.isTTY !== true || process.stderr.isTTY !== true)
    return { onProgress: undefined, done: () => undefined };
  const t0 = performance.now();
  let shown = false;
  return {
    onProgress: (simNs, records) => {
      const wallMs = performance.now() - t0;
      if (wallMs < PROGRESS_AFTER_MS) return;
      shown = true;
      err(`\r\x1b[K${progressLine(s, simNs, records, wallMs)}`);
    },
    done: () => {
      if (shown) err('\r\x1b[K');
    },
  };
}

/** "demo: 42% of 8s simulated, 3.1 sim s/wall s, about 1.5s left, 196,608 records". */
export function progressLine(s: Scenario, simNs: number, records: number, wallMs: number): string {
  const total = s.config.durationNs;
  const pace = wallMs > 0 ? simNs / SEC / (wallMs / 1000) : 0;
  const leftNs = pace > 0 ? (total - simNs) / pace : undefined;
  const pct = total > 0 ? Math.floor((100 * simNs) / total) : 100;
  return `${s.name}: ${pct}% of ${formatDuration(total)} simulated, ${pace.toFixed(pace < 10 ? 2 : 1)} sim s/wall s, ${leftNs === undefined ? 'time left unknown' : `about ${formatDuration(Math.round(leftNs / 1e6) * 1e6)} left`}, ${records.toLocaleString('en-US')} records`;
}

function cmdRun(a: Arguments): number {
  const seed = seedFlag(a.seed);
  const json = a.json === true;
  const { ok, bad } = loadAll(files(a));
  if (bad.length > 0) {
    for (const b of bad) for (const i of b.issues) err(`${formatIssue(i)}\n`);
    err(
      `nsrsim: ${bad.length} invalid scenario file${bad.length === 1 ? '' : 's'}; nothing was run\n`,
    );
    return EXIT_USAGE;
  }
  const trace = a.trace === undefined ? undefined : String(a.trace);
  const traceBin = a.traceBin === undefined ? undefined : String(a.traceBin);
  const pcap = a.pcap === undefined ? undefined : String(a.pcap);
  const exports = exportFlags(a);
  const names = new Set(ok.map((s) => s.name));
  if (
    (trace !== undefined ||
      traceBin !== undefined ||
      pcap !== undefined ||
      wantsExports(exports)) &&
    names.size !== ok.length
  ) {
    throw new UsageError(
      '--trace/--trace-bin/--pcap/--report/--perfetto/--mermaid/--pcapng with several files needs distinct scenario names (they name the output files)',
    );
  }
  for (const [flag, path] of [
    ['--trace', trace],
    ['--trace-bin', traceBin],
    ['--pcap', pcap],
  ] as const) {
    if (path !== undefined && !isDirectory(dirname(path)))
      throw new UsageError(`${flag}: directory "${dirname(path)}" does not exist`);
  }
  let allMatch = true;
  for (const s of ok) {
    const progress = progressFor(s, json);
    const x = runWithExports(
      s,
      {
        ...(seed === undefined ? {} : { seed }),
        ...(trace === undefined ? {} : { tracePath: outputPath(trace, ok, s) }),
        ...(traceBin === undefined ? {} : { canonicalTracePath: outputPath(traceBin, ok, s) }),
        ...(pcap === undefined ? {} : { pcapPath: outputPath(pcap, ok, s) }),
        ...(progress.onProgress === undefined ? {} : { onProgress: progress.onProgress }),
        wallClock: () => performance.now(),
      },
      exports,
      (p) => outputPath(p, ok, s),
    );
    const r = x.report;
    progress.done();
    const outputs = x.written.length > 0 ? { outputs: x.written } : {};
    out(
      json
        ? `${JSON.stringify({ ...jsonReport(r), ...outputs })}\n`
        : formatSummary(r, styleFor(process.stdout), x),
    );
    allMatch &&= r.matches;
  }
  return allMatch ? EXIT_OK : EXIT_MISMATCH;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function jsonReport(r: RunReport): Record<string, unknown> {
  return {
    scenario: r.scenario,
    file: r.file,
    seed: r.seed,
    verdict: r.verdict,
    expected: r.expected,
    matches: r.matches,
    violations: r.violations,
    stats: r.stats,
    traceHash: r.traceHash,
    // SPEC O-1, O-2: what the peer saw (model/outcome.ts).
    outcome: r.outcome,
  };
}

function cmdValidate(a: Arguments): number {
  const json = a.json === true;
  const paths = files(a);
  const { ok, bad } = loadAll(paths);
  for (const f of paths) {
    const s = ok.find((x) => x.file === f);
    const b = bad.find((x) => x.file === f);
    if (json)
      out(
        `${JSON.stringify({ file: f, valid: s !== undefined, ...(s !== undefined ? { scenario: s.name } : {}), errors: b?.issues ?? [] })}\n`,
      );
    else if (s !== undefined) out(`${f}: ok (${s.name})\n`);
    else for (const i of b?.issues ?? []) out(`${formatIssue(i)}\n`);
  }
  if (!json && bad.length > 0)
    out(`${bad.length} of ${paths.length} file${paths.length === 1 ? '' : 's'} invalid\n`);
  return bad.length > 0 ? EXIT_USAGE : EXIT_OK;
}

function cmdReplay(a: Arguments): number {
  const file = String(a.file);
  const s = loadScenarioFile(file);
  const r = runScenario(s, { wallClock: () => performance.now() });
  out(
    `${s.name}  ${file}, seed ${r.seed}: verdict ${r.verdict}, ${r.matches ? 'as expected' : 'NOT as expected'}\n`,
  );
  if (s.traceHash === undefined) {
    out(
      `trace hash ${r.traceHash}\nthe file records no traceHash: nothing to compare (add "traceHash: ${r.traceHash}" to record it)\n`,
    );
    return EXIT_OK;
  }
  if (s.traceHash === r.traceHash) {
    out(`trace hash ${r.traceHash} matches the recorded one\n`);
    return EXIT_OK;
  }
  out(`trace hash MISMATCH\n  recorded ${s.traceHash}\n  this run ${r.traceHash}\n`);
  return EXIT_MISMATCH;
}

export function listData(): ListData {
  return {
    designs: DESIGNS,
    options: OPTIONS.map((o) => ({
      name: o.name,
      spec: o.spec,
      values: o.values,
      default: o.default,
    })),
    // The NSR mutants, then the other designs' (Redundant TCP: model/redundant/mutants.ts).
    mutants: [
      ...MUTANTS,
      ...Object.entries(RTCP_MUTANTS).map(([name, description]) => ({ name, description })),
    ],
    faults: [...SUPPORTED_FAULTS, ...PENDING_FAULTS],
    checkers: CHECKERS.map((c) => ({ id: c.id, spec: c.spec, description: c.description })),
  };
}

function cmdList(a: Arguments): number {
  const d = listData();
  out(a.json === true ? `${JSON.stringify(d)}\n` : formatList(d, styleFor(process.stdout)));
  return EXIT_OK;
}

/** Runs a command handler: user errors print without a stack (exit 2), the rest exit 3. */
function handle(cmd: (a: Arguments) => number): (a: Arguments) => void {
  return (a) => {
    try {
      process.exitCode = cmd(a);
    } catch (e) {
      process.exitCode = report(e);
    }
  };
}

function report(e: unknown): number {
  if (e instanceof ScenarioError) {
    for (const i of e.issues) err(`${formatIssue(i)}\n`);
    return EXIT_USAGE;
  }
  if (isUserError(e)) {
    err(`nsrsim: ${e.message}\nRun "nsrsim --help" for usage.\n`);
    return EXIT_USAGE;
  }
  if (e instanceof InternalRunError) {
    err(`nsrsim: ${e.message}\n${e.repro}\n${stackOf(e.cause)}\n`);
    return EXIT_INTERNAL;
  }
  err(`nsrsim: internal error (nsrsim ${VERSION}): ${stackOf(e)}\n`);
  return EXIT_INTERNAL;
}

function stackOf(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}

const filesArg = (y: Argv): Argv =>
  y.positional('files', { type: 'string', array: true, describe: 'scenario files (YAML or JSON)' });
const jsonOpt = (describe: string) => ({ type: 'boolean' as const, default: false, describe });

/** One subcommand: what `yargs.command()` takes. Each command module exports one. */
export interface CliCommand {
  readonly command: string;
  readonly describe: string;
  readonly builder: (y: Argv) => Argv;
  readonly handler: (a: Arguments) => void;
}

const runCommand: CliCommand = {
  command: 'run <files..>',
  describe:
    'run scenarios and report verdicts (exit 0 when every verdict is as expected, 1 otherwise)',
  builder: (c) =>
    exportOptions(filesArg(c), true)
      .option('seed', {
        type: 'string',
        requiresArg: true,
        describe: "override every scenario's seed (integer >= 0)",
      })
      .option('json', jsonOpt('one JSON object per scenario per line instead of the summary'))
      .option('trace', {
        type: 'string',
        requiresArg: true,
        describe:
          'write the trace as NDJSON here, one key-sorted JSON record per line (several files: <stem>.<scenario name>.ndjson next to it)',
      })
      .option('trace-bin', {
        type: 'string',
        requiresArg: true,
        describe:
          'write the canonical binary trace (format 2) here: its sha256 is the printed trace hash (several files: <stem>.<scenario name><ext>)',
      })
      .option('pcap', {
        type: 'string',
        requiresArg: true,
        describe:
          "write every peer's wire, both directions, as pcap (several files: <stem>.<scenario name>.pcap)",
      })
      .example('$0 run scenarios/demo.yaml', 'run one scenario, human summary')
      .example('$0 run scenarios/demo.yaml --report out/demo.html', 'and write its timeline report')
      .example('$0 run scenarios/library/*/*.yaml --json', 'run the library, JSON lines')
      .example(
        '$0 run scenarios/demo.yaml --seed 8 --trace out/demo.ndjson --pcap out/demo.pcap',
        'another seed, with trace and capture',
      ),
  handler: handle(cmdRun),
};

const validateCommand: CliCommand = {
  command: 'validate <files..>',
  describe:
    'check scenario files and report every error as file:line:col (exit 2 if any is invalid)',
  builder: (c) =>
    filesArg(c)
      .option('json', jsonOpt('one JSON object per file'))
      .example('$0 validate scenarios/library/*/*.yaml', 'check the library'),
  handler: handle(cmdValidate),
};

const replayCommand: CliCommand = {
  command: 'replay <file>',
  describe:
    "run a scenario and compare its trace hash with the file's traceHash (exit 1 on mismatch)",
  builder: (c) =>
    c
      .positional('file', { type: 'string', describe: 'scenario file with a traceHash' })
      .example('$0 replay scenarios/demo.yaml', 'check the recorded hash still holds'),
  handler: handle(cmdReplay),
};

const fuzzCommand: CliCommand = {
  command: 'fuzz',
  describe:
    'generate scenarios and fuzz the design (or find a mutant); failures are shrunk and written as scenario files (exit 1 on a failure)',
  builder: (c) => fuzzOptions(c),
  handler: (a) => {
    // The campaign is asynchronous (a worker pool): its exit code is set when it ends.
    cmdFuzz(a as FuzzArgs).then(
      (code) => void (process.exitCode = code),
      (e: unknown) => void (process.exitCode = report(e)),
    );
  },
};

const reportCommand: CliCommand = {
  command: 'report <file>',
  describe:
    'run a scenario (its seed, or --seed) and write its timeline report: one offline HTML file (exit as run)',
  builder: (c) => reportOptions(c),
  handler: handle(cmdReport),
};

const listCommand: CliCommand = {
  command: 'list',
  describe: 'list designs, design options, mutants, fault kinds and checkers with their SPEC ids',
  builder: (c) =>
    c.option('json', jsonOpt('machine-readable')).example('$0 list --json', 'as one JSON object'),
  handler: handle(cmdList),
};

const schemaCommand: CliCommand = {
  command: 'schema',
  describe: 'print the JSON Schema of scenario files (what scenarios/schema.json holds)',
  builder: (c) => c.example('$0 schema > scenarios/schema.json', 'regenerate the published schema'),
  handler: handle(() => {
    out(schemaText());
    return EXIT_OK;
  }),
};

/** Every subcommand, in the order `nsrsim --help` lists them. */
export const COMMANDS: readonly CliCommand[] = [
  runCommand,
  validateCommand,
  replayCommand,
  reportCommand,
  fuzzCommand,
  listCommand,
  schemaCommand,
  packetdrillCommand,
  compareCommand,
];

/** Builds the CLI for `argv`; nothing runs until the caller parses (scenarios/cli/bin.mjs). */
export function buildCli(argv: readonly string[]): Argv {
  let y = yargs(argv)
    .scriptName('nsrsim')
    .usage(
      '$0 <command> [options]\n\nDeterministic simulator of dual-RE routers running Non-Stop Routing.',
    );
  for (const c of COMMANDS) y = y.command(c.command, c.describe, c.builder, c.handler);
  return y
    .demandCommand(1, `give a command: ${COMMANDS.map((c) => c.command.split(' ')[0]).join(', ')}`)
    .recommendCommands()
    .strict()
    .help()
    .alias('h', 'help')
    .version(VERSION)
    .wrap(Math.min(110, y.terminalWidth()))
    .epilogue(
      'Exit status: 0 as expected, 1 a verdict or hash differs from what the file expects, 2 invalid input, 3 internal error. Docs: scenarios/README.md',
    )
    .fail(failed);
}

function failed(message: string | null | undefined, e: Error | undefined): void {
  if (e !== undefined && !isUserError(e) && e.name !== 'YError') {
    process.exit(report(e));
  }
  err(
    `nsrsim: ${message ?? e?.message ?? 'invalid command line'}\nRun "nsrsim --help" (or "nsrsim <command> --help") for usage.\n`,
  );
  process.exit(EXIT_USAGE);
}
