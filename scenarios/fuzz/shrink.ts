// Shrinking a failure to the smallest scenario that still fails (GUIDE §7), with
// fast-check's own shrinker: fc.check replays the failing seed (its first run is the
// very case the campaign ran, run-case.ts caseForSeed) and then walks fast-check's
// shrink tree of the arbitrary (fewer faults, families, peers and sessions, earlier
// instants, default options, fewer tie-breaks down to [] = FIFO, a shorter run). It runs
// in the main process: shrinking is sequential by nature.
//
// "Still fails" means: at least one of the checkers that fired on the original fires
// again (so the shrunk file shows the same failure, not some other one), and, when a
// mutant is being hunted, the same scenario without the mutant passes (a differential
// kill: the failure is the mutant's doing, not the design's).
//
// The budget is a number of runs, not a time, so a shrink is reproducible: once spent,
// every further candidate counts as passing and fast-check stops with the smallest
// failing case so far.
//
// fast-check shrinks the drawn values, and a fault's instant is drawn relative to the run,
// so it can get stuck with a fault the failure does not need (removing it in the drawn
// form moves nothing else, but by then the others may sit where they need it). A last
// pass works on the scenario itself: it drops each remaining fault in turn and keeps the
// removal when the case still fails (at most one run per fault, on top of the budget).
import fc from 'fast-check';
import type { Scenario } from '../load/load.ts';
import type { FuzzCase } from './arbitraries.ts';
import { caseArb, failsLike, runCase, type CaseResult, type FuzzTarget } from './run-case.ts';

/** Default number of runs one shrink may spend. */
export const SHRINK_BUDGET_DEFAULT = 150;

export interface Shrunk {
  case: FuzzCase;
  result: CaseResult;
  /** Runs spent shrinking (the original run not counted). */
  shrinkRuns: number;
  /** Shrink steps fast-check took (each a smaller failing case). */
  steps: number;
}

/** The same scenario on the correct design (no mutant). */
export function correctTwin(s: Scenario): Scenario {
  return { ...s, config: { ...s.config, router: { ...s.config.router, mutant: undefined } } };
}

/** Does a case fail like `original` (and, with a mutant, pass without it)? */
export function stillFails(
  target: FuzzTarget,
  c: FuzzCase,
  original: readonly string[],
): CaseResult | undefined {
  const r = runCase(c.scenario);
  if (!failsLike(r, original)) return undefined;
  if (target.mutant !== undefined && runCase(correctTwin(c.scenario)).fired.length > 0)
    return undefined;
  return r;
}

/** Shrinks the failing case of `seed`; `original.fired` are the checkers that fired on it. */
export function shrinkFailure(
  target: FuzzTarget,
  seed: number,
  original: Pick<CaseResult, 'fired'>,
  budget = SHRINK_BUDGET_DEFAULT,
): Shrunk {
  let best: { case: FuzzCase; result: CaseResult } | undefined;
  let runs = -1; // the first evaluation is the original run
  let steps = -1;
  fc.check(
    fc.property(caseArb(target), (c) => {
      if (runs >= budget) return true;
      runs++;
      // The first case is the campaign's own run: it must fail again (else the run was not deterministic).
      const r = runs === 0 ? runCase(c.scenario) : stillFails(target, c, original.fired);
      if (runs === 0 && !failsLike(r as CaseResult, original.fired))
        throw new Error(
          `fuzz: seed ${seed} did not fail again when replayed for shrinking (fired ${(r as CaseResult).fired.join(', ') || 'nothing'}, was ${original.fired.join(', ')})`,
        );
      if (r === undefined) return true;
      best = { case: c, result: r };
      steps++;
      return false;
    }),
    { seed, numRuns: 1 },
  );
  if (best === undefined)
    throw new Error(`fuzz: seed ${seed} did not fail again when replayed for shrinking`);
  const pass = dropFaults(target, best, original.fired);
  return {
    ...pass.best,
    shrinkRuns: Math.max(0, runs) + pass.runs,
    steps: Math.max(0, steps) + pass.steps,
  };
}

/** The last pass: each fault of the shrunk case dropped in turn, kept out when it still fails. */
function dropFaults(
  target: FuzzTarget,
  start: { case: FuzzCase; result: CaseResult },
  fired: readonly string[],
): { best: { case: FuzzCase; result: CaseResult }; runs: number; steps: number } {
  let best = start;
  let runs = 0;
  let steps = 0;
  for (let i = best.case.scenario.config.faults.length - 1; i >= 0; i--) {
    const s = best.case.scenario;
    const faults = s.config.faults.filter((_, j) => j !== i);
    const c: FuzzCase = { ...best.case, scenario: { ...s, config: { ...s.config, faults } } };
    runs++;
    const r = stillFails(target, c, fired);
    if (r === undefined) continue;
    best = { case: c, result: r };
    steps++;
  }
  return { best, runs, steps };
}
