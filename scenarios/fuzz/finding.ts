// A fuzz failure as a scenario file (GUIDE §7: "the shrunk failure is written out as a
// scenario file in the same format people write"): the shrunk scenario with its seed
// and tie-breaks, `expect: { fail: [<checkers that fired>] }` and the `traceHash`, so
// that `nsrsim run` shows the failure as expected and `nsrsim replay` reproduces it
// hash for hash. The file is written, read back with loadScenarioFile and run once more
// before it is reported, and its expectation and hash are those of that run: what is
// reported is what a reader gets.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHECKERS } from '../../model/checks/index.ts';
import { loadScenarioFile, type Scenario } from '../load/load.ts';
import { VERSION } from '../run.ts';
import type { FuzzCase } from './arbitraries.ts';
import type { ShrinkStop } from './shrink.ts';
import { INTERNAL_ERROR_CHECK, runCase, type CaseResult, type FuzzTarget } from './run-case.ts';
import { scenarioSize, toYaml } from './yaml.ts';

export interface FindingMeta {
  target: FuzzTarget;
  campaignSeed: number;
  run: number;
  /** The fast-check seed of the run. */
  runSeed: number;
  /** Checkers that fired on the original (unshrunk) run. */
  originalFired: readonly string[];
  shrinkRuns: number;
  steps: number;
  /** Why the shrink ended (shrink.ts); 'time': cut short by --time, the case is the smallest found so far. */
  stoppedBy?: ShrinkStop;
}

export interface Finding {
  file: string;
  name: string;
  fired: string[];
  traceHash: string;
  size: ReturnType<typeof scenarioSize>;
  /** The file, read back and run, shows the same checkers and hash as the shrunk case. */
  verified: boolean;
  internalError?: string;
}

const CHECKER_IDS = new Set(CHECKERS.map((c) => c.id));

/**
 * The file name (and scenario name) of a finding. The draw switches (--apps mixed,
 * --unsafe-options) are in it: their campaigns draw other cases for the same seed and run,
 * and must not overwrite each other's findings in one --out directory.
 */
export function findingName(meta: FindingMeta): string {
  const t = meta.target;
  const who = t.mutant ?? (t.biasOf === undefined ? t.design : `${t.design}-bias-${t.biasOf}`);
  const draws = `${t.apps === 'mixed' ? '-mixed' : ''}${t.unsafeOptions === true ? '-unsafe' : ''}`;
  return `fuzz-${who}${draws}-s${meta.campaignSeed >>> 0}-r${meta.run}`;
}

/** Writes the shrunk case to `dir` as a scenario file and checks the file reproduces it. */
export function writeFinding(
  dir: string,
  shrunk: { case: FuzzCase; result: CaseResult },
  meta: FindingMeta,
): Finding {
  mkdirSync(dir, { recursive: true });
  const name = findingName(meta);
  const file = join(dir, `${name}.yaml`);
  const scenario: Scenario = { ...shrunk.case.scenario, name };
  // Only real checkers can be expected; an internal error or the event bound is told in a comment.
  const expected = shrunk.result.fired.filter((c) => CHECKER_IDS.has(c));
  const write = (traceHash: string | undefined, fired: readonly string[]): void => {
    const expect = fired.length === 0 ? 'pass' : { fail: [...fired] };
    writeFileSync(
      file,
      toYaml(scenario, {
        expect,
        ...(traceHash === undefined || traceHash === '' ? {} : { traceHash }),
        comment: header(meta, shrunk.result),
      }),
    );
  };
  write(undefined, expected);
  const replay = runCase(loadScenarioFile(file));
  const replayExpected = replay.fired.filter((c) => CHECKER_IDS.has(c));
  write(replay.traceHash, replayExpected);
  const verified =
    replay.traceHash === shrunk.result.traceHash && sameList(replay.fired, shrunk.result.fired);
  return {
    file,
    name,
    fired: replay.fired,
    traceHash: replay.traceHash,
    size: scenarioSize(scenario),
    verified,
    ...(replay.internalError === undefined ? {} : { internalError: replay.internalError }),
  };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function shrinkEnd(stoppedBy: ShrinkStop | undefined): string {
  if (stoppedBy === 'time') return ', stopped by --time: the smallest failing case found so far';
  if (stoppedBy === 'budget') return ', stopped by its run budget (--shrink-budget)';
  return '';
}

function header(meta: FindingMeta, r: CaseResult): string[] {
  const t = meta.target;
  const lines = [
    `Found by nsrsim fuzz (nsrsim ${VERSION}): design ${t.design}${t.mutant === undefined ? '' : `, mutant ${t.mutant}`}${t.unsafeOptions === true ? ', unsafe options allowed' : ''}${t.apps === 'mixed' ? ', apps mixed' : ''}.`,
    ...(t.biasOf === undefined
      ? []
      : [
          `The correct design, in the situation the mutant ${t.biasOf}'s bias makes likely (found while hunting it: a run its differential twin failed too).`,
        ]),
    `Campaign seed ${meta.campaignSeed}, run ${meta.run} (fast-check seed ${meta.runSeed}); the original run failed ${meta.originalFired.join(', ')}.`,
    `Shrunk by fast-check in ${meta.shrinkRuns} runs (${meta.steps} steps)${shrinkEnd(meta.stoppedBy)}; tieBreaks are the same-instant choices it needs ([] = FIFO).`,
    'Reproduce: nsrsim run <this file>   (the verdict is as expected: it fails)',
    '           nsrsim replay <this file> (the trace hash matches)',
  ];
  if (r.fired.includes(INTERNAL_ERROR_CHECK)) {
    // Stack frames relative to the working directory: the file does not carry this machine's paths.
    const stack = (r.internalError ?? '').split(`${process.cwd()}/`).join('');
    lines.push(
      '',
      'The simulator itself throws on this scenario (nsrsim run exits 3):',
      ...stack.split('\n').map((l) => `  ${l}`),
    );
  }
  for (const v of r.violations.slice(0, 5)) lines.push(`${v.check}: ${v.message}`);
  return lines;
}
