// One campaign run as a task: what a worker (or the main process, with no workers) is
// given and what it answers. Plain data, so it crosses the worker boundary as is.
import { caseForSeed, runCase, type FuzzTarget } from './run-case.ts';
import { hasUnsafeOption } from './families.ts';
import { correctTwin } from './shrink.ts';
import { runSeed } from './seeds.ts';
import { scenarioSize } from './yaml.ts';

export interface RunTask {
  target: FuzzTarget;
  campaignSeed: number;
  /** Campaign run index. */
  run: number;
  /** Write this run's canonical trace here (determinism check). */
  tracePath?: string;
  /**
   * Hash this run's trace (the determinism check compares hashes). A campaign's runs are
   * not hashed: nothing reads a run's hash, and encoding and hashing every record was
   * about 12% of a run (issue 18). A failing run is shrunk and its file replayed, hash and all.
   */
  hash?: boolean;
}

export interface RunOutcome {
  run: number;
  runSeed: number;
  fired: string[];
  /** `<checker>/<kind>` of the run's first violation (signature.ts). */
  signature?: string;
  /** With a mutant: the checkers that fire on the same scenario without it (a kill counts only when none does). */
  twinFired?: string[];
  /** The twin's signature, when it failed (a correct-design failure met while hunting). */
  twinSignature?: string;
  /** The twin runs one of KNOWN_UNSAFE_OPTIONS (a mutant's bias forced it): its failing is by design. */
  twinUnsafe?: boolean;
  /** Empty unless the task asked for it (RunTask.hash). */
  traceHash: string;
  events: number;
  simulatedNs: number;
  wallMs: number;
  size: ReturnType<typeof scenarioSize>;
  internalError?: string;
}

/** Runs one campaign run (used by the worker and in-process). */
export function runTask(task: RunTask, now: () => number): RunOutcome {
  const t0 = now();
  const seed = runSeed(task.campaignSeed, task.run);
  const c = caseForSeed(task.target, seed);
  const r = runCase(c.scenario, {
    hash: task.hash === true,
    ...(task.tracePath === undefined ? {} : { tracePath: task.tracePath }),
  });
  const twin =
    task.target.mutant !== undefined && r.fired.length > 0
      ? runCase(correctTwin(c.scenario), { hash: false })
      : undefined;
  return {
    run: task.run,
    runSeed: seed,
    fired: r.fired,
    ...(r.signature === undefined ? {} : { signature: r.signature }),
    ...(twin === undefined
      ? {}
      : {
          twinFired: twin.fired,
          ...(twin.signature === undefined ? {} : { twinSignature: twin.signature }),
          twinUnsafe: hasUnsafeOption(c.scenario.config.router.nsrOptions),
        }),
    traceHash: r.traceHash,
    events: r.events,
    simulatedNs: r.simulatedNs,
    wallMs: now() - t0,
    size: scenarioSize(c.scenario),
    ...(r.internalError === undefined ? {} : { internalError: r.internalError }),
  };
}
