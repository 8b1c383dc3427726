// Proves the fuzzer finds each mutant of MUTANTS within a budget of generated runs, each kill differential (the same scenario passes on the correct design), and that the correct design is not flagged on the same budget; the mutants it cannot find yet are marked it.fails with the reason.
import { describe, expect, it } from 'vitest';
import { MUTANTS, type MutantName } from '../../../model/nsr/options.ts';
import { runCampaign, type CampaignReport } from '../../../scenarios/fuzz/campaign.ts';

/** Campaign seed of the matrix (fixed: `npm test` is reproducible). */
const SEED = 1;
/**
 * Runs each mutant may take (in-process); the first kill stops the hunt. Every new draw of
 * the generator (the design options of issue 12, then SACK) shifts the campaign stream:
 * flow-control-never-sent, the rarest (it needs a zero-window near-deadlock in a long run),
 * went from run 4 to 40 to 70 (index); none of the new draws hides it (its earlier
 * scenarios still fail with each of them set). Most mutants are found in 0-20 runs.
 */
const BUDGET = 80;
/**
 * The mutants the fuzzer does not find (yet), with why, each on its own budget: such a
 * case is marked it.fails (expected to fail), so that finding the mutant makes this test
 * say so rather than the mutant being hidden.
 */
const NOT_FOUND: Partial<Record<MutantName, { budget: number; why: string }>> = {
  // None at the moment: every mutant is found. (psrm-skip-failover-timers and
  // flow-control-never-sent only through liveness, in the long runs of their bias.)
};

async function hunt(mutant: MutantName, budget: number): Promise<CampaignReport> {
  return runCampaign({
    target: { design: 'jsr', mutant },
    seed: SEED,
    runs: budget,
    workers: 0,
    stopAtFirst: true,
  });
}

function summary(mutant: string, r: CampaignReport): string {
  const f = r.failures[0];
  return f === undefined
    ? `${mutant}: not found in ${r.runs} runs (${r.inconclusive} inconclusive)`
    : `${mutant}: found at run ${f.run} after ${r.runs} runs, ${(f.atMs / 1000).toFixed(1)} s: ${f.fired.join(', ')}`;
}

describe('mutant kill matrix', () => {
  for (const mutant of Object.keys(MUTANTS) as MutantName[]) {
    const skip = NOT_FOUND[mutant];
    if (skip === undefined) {
      it(`finds ${mutant} within ${BUDGET} runs`, async () => {
        const r = await hunt(mutant, BUDGET);
        process.stdout.write(`${summary(mutant, r)}\n`);
        expect(r.failures, summary(mutant, r)).toHaveLength(1);
        // A kill is differential: the campaign counts it only when the correct twin passed.
        expect(r.stoppedBy).toBe('first-failure');
      });
    } else {
      it.fails(`finds ${mutant} within ${skip.budget} runs (not yet: ${skip.why})`, async () => {
        const r = await hunt(mutant, skip.budget);
        process.stdout.write(`${summary(mutant, r)}\n`);
        expect(r.failures).toHaveLength(1);
      });
    }
  }

  it(`does not flag the correct design on the same budget (${BUDGET} runs)`, async () => {
    const r = await runCampaign({
      target: { design: 'jsr', mutant: undefined },
      seed: SEED,
      runs: BUDGET,
      workers: 0,
    });
    expect(r.runs).toBe(BUDGET);
    expect(r.failures.map((f) => `run ${f.run}: ${f.fired.join(', ')}`)).toEqual([]);
  });
});
