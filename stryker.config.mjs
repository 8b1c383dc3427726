// StrykerJS mutation testing of model/nsr/ and model/checks/ (`npm run mutation`; issue 12).
// Not part of `npm test`: it runs the fast selection of vitest.mutation.config.ts once per
// mutant, only the tests that cover it (perTest), and keeps results between runs
// (incremental), so a re-run after a new test re-tests only what that test covers.
// Results, survivors and the equivalent ones: reports/mutation/README.md.
//
// TypeScript 7 ships no JavaScript compiler API: Stryker must not load TypeScript, so
// there is no typescript checker and `tsconfigFile` names a file that does not exist
// (Stryker then neither reads nor rewrites a tsconfig). The vitest runner transpiles the
// sources with esbuild, as `npm test` does.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { declareValuePlugin, PluginKind } from '@stryker-mutator/api/plugin';

/** Which argument of each assertion helper of sim/ is the first that is only a message. */
const MESSAGE_ARG = { assert: 1, assertInt: 3, unreachable: 1 };

/**
 * The "assertions" ignorer: mutants inside a call of sim's assert, assertInt or unreachable
 * are not run. Such a call is an invariant of our own code (GUIDE §4): correct code never
 * trips it, so a mutant that weakens it or changes its message survives every passing run
 * (equivalent by construction), and one that strengthens it fails the first test that
 * reaches it. Set STRYKER_MUTATE_ASSERTS=1 to mutate the conditions anyway (the messages
 * stay ignored: text read only when the assertion fires).
 */
const assertions = {
  shouldIgnore(path) {
    const call = path.parentPath;
    if (path.listKey !== 'arguments' || call === null || !call.isCallExpression()) return undefined;
    const callee = call.node.callee;
    if (callee.type !== 'Identifier' || !Object.hasOwn(MESSAGE_ARG, callee.name)) return undefined;
    if (typeof path.key === 'number' && path.key >= MESSAGE_ARG[callee.name])
      return `${callee.name} message: read only when the assertion fires`;
    if (process.env.STRYKER_MUTATE_ASSERTS === '1') return undefined;
    return `${callee.name} condition: an invariant of our own code that correct code never trips`;
  },
};

/** Where the "mutant-log" reporter writes. */
const MUTANT_LOG = 'reports/mutation/mutants.ndjson';
/** The run's plan: how many mutants of each file it will report (tested or not). */
const MUTANT_PLAN = 'reports/mutation/plan.json';

/**
 * The "mutant-log" reporter: one JSON line per mutant as soon as it is tested (file, line,
 * mutator, replacement, status, the killing test). Stryker writes its JSON and HTML reports
 * and the incremental file only at the end of a run, which over all of model/nsr and
 * model/checks takes hours: with this log a run stopped early still says what it found,
 * and survivors can be worked on while it goes (`grep Survived reports/mutation/mutants.ndjson`);
 * plan.json says how many mutants of each file the run has, so a stopped run's rows can be
 * told complete or not.
 */
const mutantLog = {
  onMutationTestingPlanReady({ mutantPlans }) {
    mkdirSync(dirname(MUTANT_LOG), { recursive: true });
    writeFileSync(MUTANT_LOG, '');
    // Per file, how many lines the log will get: a run stopped early then says, per file,
    // how many of its mutants it tested (the log's lines of that file against this count).
    const files = {};
    for (const { mutant } of mutantPlans) {
      const f = relative(process.cwd(), mutant.fileName);
      files[f] = (files[f] ?? 0) + 1;
    }
    writeFileSync(MUTANT_PLAN, `${JSON.stringify({ files }, null, 2)}\n`);
  },
  onMutantTested(m) {
    const line = {
      file: relative(process.cwd(), m.fileName),
      line: m.location.start.line,
      column: m.location.start.column,
      mutator: m.mutatorName,
      replacement: m.replacement,
      status: m.status,
      ...(m.statusReason === undefined ? {} : { reason: m.statusReason }),
      ...(m.killedBy === undefined ? {} : { killedBy: m.killedBy }),
    };
    appendFileSync(MUTANT_LOG, `${JSON.stringify(line)}\n`);
  },
};

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, 'assertions', assertions),
  declareValuePlugin(PluginKind.Reporter, 'mutant-log', mutantLog),
];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner', './stryker.config.mjs'],
  ignorers: ['assertions'],
  vitest: { configFile: 'vitest.mutation.config.ts' },
  checkers: [],
  tsconfigFile: 'stryker.no-tsconfig.json',
  mutate: ['model/nsr/**/*.ts', 'model/checks/**/*.ts'],
  coverageAnalysis: 'perTest',
  // Two cores shared with other developers: one test process.
  concurrency: 1,
  // A world test runs for seconds; a mutant that loops is cut by Stryker's hit limit first.
  timeoutMS: 60_000,
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  reporters: ['clear-text', 'progress-append-only', 'html', 'json', 'mutant-log'],
  htmlReporter: { fileName: 'reports/mutation/html/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  tempDirName: '.stryker-tmp',
  ignorePatterns: ['out', 'dist', '.ci-out', '.vitest-cache', 'reports/mutation'],
  thresholds: { high: 80, low: 60, break: null },
};
