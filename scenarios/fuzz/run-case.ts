// One fuzz run: derive the case from its seed, run it exactly as `nsrsim run` would
// (scenarios/run.ts runScenario: same World, same checkers, and the same trace hash
// unless the caller turns hashing off), and say which checkers fired. A crash of the
// simulator itself is a failure too, reported as the pseudo-check INTERNAL_ERROR_CHECK
// with the message (GUIDE §4: a broken internal invariant crashes the run loudly; the
// fuzzer must not swallow it).
import fc from 'fast-check';
import type { MutantName } from '../../model/nsr/options.ts';
import type { Scenario } from '../load/load.ts';
import { InternalRunError, runScenario, type RunOptions } from '../run.ts';
import { fuzzCaseArb, type FuzzApps, type FuzzArbOptions, type FuzzCase } from './arbitraries.ts';
import { biasFor } from './bias.ts';
import { failureSignature, INTERNAL_ERROR_CHECK } from './signature.ts';

export { INTERNAL_ERROR_CHECK };

/** What a campaign is fuzzing: the design (only jsr), a mutant or none, and the generator's options. */
export interface FuzzTarget {
  design: 'jsr';
  mutant: MutantName | undefined;
  /** Pick KNOWN_UNSAFE_OPTIONS too (default false: the correct-design property). */
  unsafeOptions?: boolean;
  /**
   * Generate with this mutant's bias (bias.ts) even with `mutant` undefined: the correct
   * design under the situations a mutant needs (what the differential twin runs, and how
   * a correct-design failure seen while hunting a mutant is shrunk on its own).
   */
  biasOf?: MutantName;
  /**
   * The applications the cases' peers run (FuzzArbOptions.apps; `--apps`): absent or
   * 'stream', the stream peers only, as every campaign before it; 'mixed', MSDP and BGP
   * peers drawn per case too. It changes every case a seed gives, so it is part of the
   * campaign's identity (report-json.ts) and of every target derived from this one.
   */
  apps?: FuzzApps;
}

export interface CaseResult {
  /** Checkers that fired (sorted, unique); empty = pass. */
  fired: string[];
  violations: Array<{ check: string; timeNs: number; recordId: number; message: string }>;
  /** `<checker>/<kind>` of the first violation (signature.ts); undefined when the run passed. */
  signature: string | undefined;
  /** Empty when the case ran without a hash (RunOptions.hash) or the simulator threw. */
  traceHash: string;
  events: number;
  simulatedNs: number;
  /** Set when the simulator threw: the message and the top of the stack. */
  internalError?: string;
}

/** The generator options for a target: the mutant's bias (bias.ts) and the option safety. */
export function arbOptions(target: FuzzTarget): FuzzArbOptions {
  return {
    ...biasFor(target.mutant ?? target.biasOf),
    mutant: target.mutant,
    safeOnly: target.unsafeOptions !== true,
    apps: target.apps ?? 'stream',
  };
}

/** The arbitrary of a target (one instance per target, so fast-check's runs are reproducible). */
export function caseArb(target: FuzzTarget): fc.Arbitrary<FuzzCase> {
  return fuzzCaseArb(arbOptions(target));
}

/**
 * The case of one fuzz seed: the first value fast-check draws for `seed`. fc.check with
 * numRuns 1 draws exactly this value too, which is what lets the shrinker (shrink.ts)
 * start from the run a worker found failing.
 */
export function caseForSeed(target: FuzzTarget, seed: number): FuzzCase {
  let found: FuzzCase | undefined;
  fc.check(
    fc.property(caseArb(target), (c) => {
      found = c;
      return true;
    }),
    { seed, numRuns: 1 },
  );
  if (found === undefined) throw new Error(`fuzz: fast-check drew no case for seed ${seed}`);
  return found;
}

/** Runs a scenario like `nsrsim run`, and reports the checkers that fired. */
export function runCase(s: Scenario, opts: RunOptions = {}): CaseResult {
  try {
    const r = runScenario(s, opts);
    const fired = [...new Set(r.violations.map((v) => v.check))].sort();
    return {
      fired,
      violations: r.violations.map((v) => ({
        check: v.check,
        timeNs: v.timeNs,
        recordId: v.recordId,
        message: v.message,
      })),
      signature: failureSignature(r.violations),
      traceHash: r.traceHash,
      events: r.stats.events,
      simulatedNs: r.stats.simulatedNs,
    };
  } catch (e) {
    if (!(e instanceof InternalRunError)) throw e;
    const cause =
      e.cause instanceof Error
        ? (e.cause.stack ?? e.cause.message).split('\n').slice(0, 4).join('\n')
        : String(e.cause);
    const violation = { check: INTERNAL_ERROR_CHECK, timeNs: -1, recordId: -1, message: e.message };
    return {
      fired: [INTERNAL_ERROR_CHECK],
      violations: [violation],
      signature: failureSignature([violation]),
      traceHash: '',
      events: 0,
      simulatedNs: 0,
      internalError: cause,
    };
  }
}

/** Does this result fail in a way that matches the original failure (same checker, or any when none given)? */
export function failsLike(r: CaseResult, original: readonly string[] | undefined): boolean {
  if (r.fired.length === 0) return false;
  return original === undefined || r.fired.some((c) => original.includes(c));
}
