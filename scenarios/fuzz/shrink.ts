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
// failing case so far. A campaign under --time also stops it when its time is spent
// (limits.outOfTime): the smallest failing case so far is then what is written, and the
// report says the shrink was cut short; the file replays exactly all the same (finding.ts
// writes it, reads it back and runs it).
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

/** Why a shrink ended: no smaller failing case left, its run budget, or the campaign's --time. */
export type ShrinkStop = 'done' | 'budget' | 'time';

export interface Shrunk {
  case: FuzzCase;
  result: CaseResult;
  /** Runs spent shrinking (the original run not counted). */
  shrinkRuns: number;
  /** Shrink steps fast-check took (each a smaller failing case). */
  steps: number;
  stoppedBy: ShrinkStop;
}

export interface ShrinkLimits {
  /** Runs the shrink may spend (default SHRINK_BUDGET_DEFAULT). */
  budget?: number;
  /**
   * Asked before each candidate run: true once the campaign's --time is spent. The shrink
   * then stops with the smallest failing case so far (which is as reproducible as any: its
   * file is written and replayed like the others). The original's replay always runs.
   */
  outOfTime?: () => boolean;
  /** Told after each candidate run (the progress line). */
  onRun?: (runs: number) => void;
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
  // The twin only says whether the correct design passes: its hash is never read.
  if (
    target.mutant !== undefined &&
    runCase(correctTwin(c.scenario), { hash: false }).fired.length > 0
  )
    return undefined;
  return r;
}

/** The runs a shrink has spent and why it may stop, shared by its two passes. */
class Spend {
  runs = 0;
  stoppedBy: ShrinkStop = 'done';
  constructor(
    private readonly budget: number,
    private readonly limits: ShrinkLimits,
  ) {}

  /** Is the campaign's time spent? Records it as the reason the shrink stopped. */
  timeUp(): boolean {
    if (this.limits.outOfTime?.() !== true) return false;
    this.stoppedBy = 'time';
    return true;
  }

  /** May one more candidate run? Records why not. */
  mayRun(): boolean {
    if (this.runs < this.budget) return !this.timeUp();
    this.stoppedBy = 'budget';
    return false;
  }

  ran(): void {
    this.runs++;
    this.limits.onRun?.(this.runs);
  }
}

/**
 * Shrinks the failing case of `seed`; `original.fired` are the checkers that fired on it.
 * `limits` may be a bare run budget (the older form).
 */
export function shrinkFailure(
  target: FuzzTarget,
  seed: number,
  original: Pick<CaseResult, 'fired'>,
  limits: number | ShrinkLimits = {},
): Shrunk {
  const l: ShrinkLimits = typeof limits === 'number' ? { budget: limits } : limits;
  const spend = new Spend(l.budget ?? SHRINK_BUDGET_DEFAULT, l);
  let best: { case: FuzzCase; result: CaseResult } | undefined;
  let steps = 0;
  fc.check(
    fc.property(caseArb(target), (c) => {
      // The first case is the campaign's own run: it must fail again (else the run was not
      // deterministic), and it is the best case so far whatever the limits.
      if (best === undefined) {
        const r = runCase(c.scenario);
        if (!failsLike(r, original.fired))
          throw new Error(
            `fuzz: seed ${seed} did not fail again when replayed for shrinking (fired ${r.fired.join(', ') || 'nothing'}, was ${original.fired.join(', ')})`,
          );
        best = { case: c, result: r };
        return false;
      }
      // Out of runs or time: every further candidate counts as passing, so fast-check
      // stops with the smallest failing case so far.
      if (!spend.mayRun()) return true;
      const r = stillFails(target, c, original.fired);
      spend.ran();
      if (r === undefined) return true;
      best = { case: c, result: r };
      steps++;
      return false;
    }),
    { seed, numRuns: 1 },
  );
  if (best === undefined)
    throw new Error(`fuzz: seed ${seed} did not fail again when replayed for shrinking`);
  const pass = dropFaults(target, best, original.fired, spend);
  return {
    ...pass.best,
    shrinkRuns: spend.runs,
    steps: steps + pass.steps,
    stoppedBy: spend.stoppedBy,
  };
}

/**
 * The last pass: each fault of the shrunk case dropped in turn, kept out when it still
 * fails (at most one run per fault on top of the budget; --time still stops it).
 */
function dropFaults(
  target: FuzzTarget,
  start: { case: FuzzCase; result: CaseResult },
  fired: readonly string[],
  spend: Spend,
): { best: { case: FuzzCase; result: CaseResult }; steps: number } {
  let best = start;
  let steps = 0;
  for (let i = best.case.scenario.config.faults.length - 1; i >= 0; i--) {
    if (spend.timeUp()) break;
    const s = best.case.scenario;
    const faults = s.config.faults.filter((_, j) => j !== i);
    const c: FuzzCase = { ...best.case, scenario: { ...s, config: { ...s.config, faults } } };
    const r = stillFails(target, c, fired);
    spend.ran();
    if (r === undefined) continue;
    best = { case: c, result: r };
    steps++;
  }
  return { best, steps };
}
