// The running tally of one campaign: what ran, what failed, grouped by signature
// (signature.ts), and why the campaign stopped. Outcomes are taken in run order
// (drive.ts), so everything here is the same for any number of workers.
import type { RunOutcome } from './task.ts';
import type { scenarioSize } from './yaml.ts';
import type { ShrinkStop } from './shrink.ts';
import type { Finding } from './finding.ts';

export interface CampaignFailure {
  run: number;
  runSeed: number;
  fired: string[];
  /** `<checker>/<kind>` of the run's first violation: its group (signature.ts). */
  signature: string;
  internalError?: string;
  /** Wall time from the campaign start until this failure was seen. */
  atMs: number;
  /** Set on the first run of each group, the one that is shrunk. */
  shrunk?: {
    runs: number;
    steps: number;
    fired: string[];
    size: ReturnType<typeof scenarioSize>;
    wallMs: number;
    /** done: nothing smaller fails; budget: --shrink-budget spent; time: --time spent. */
    stoppedBy: ShrinkStop;
  };
  finding?: Finding;
}

/** The failing runs that share a signature: shrunk once, through their first run. */
export interface FailureGroup {
  signature: string;
  /** Failing runs in the group. */
  count: number;
  /** Their campaign run indices, in order. */
  runs: number[];
  /** The first run of the group: the one shrunk and written (`first.shrunk`, `first.finding`). */
  first: CampaignFailure;
}

export type StopReason = 'runs' | 'time' | 'first-failure' | 'max-failures';

export interface TallyLimits {
  /** Stop at the first failure (mutant hunting). */
  stopAtFirst: boolean;
  /** Stop once this many groups are known (0: no limit). */
  maxFailures: number;
}

/** Adds a failure to the group of its signature (a new group when it is the first). */
function addTo(groups: Map<string, FailureGroup>, f: CampaignFailure): void {
  const g = groups.get(f.signature);
  if (g === undefined) {
    groups.set(f.signature, { signature: f.signature, count: 1, runs: [f.run], first: f });
    return;
  }
  if ((g.runs.at(-1) ?? -1) >= f.run) throw new Error(`fuzz: run ${f.run} taken out of order`);
  g.count++;
  g.runs.push(f.run);
}

/** A failing run's signature; a run without one (impossible today) groups by its checkers. */
function signatureOf(signature: string | undefined, fired: readonly string[]): string {
  return signature ?? `${fired.join('+')}/-`;
}

export class Tally {
  readonly t0: number;
  readonly failures: CampaignFailure[] = [];
  readonly groups = new Map<string, FailureGroup>();
  readonly designFailures: CampaignFailure[] = [];
  readonly designGroups = new Map<string, FailureGroup>();
  readonly done: number[] = [];
  events = 0;
  /** Sum of the runs' own wall times (in their worker): the mean run cost. */
  runWallMs = 0;
  inconclusive = 0;
  stoppedBy: StopReason = 'runs';
  /** No further run is started. */
  stop = false;

  constructor(
    private readonly limits: TallyLimits,
    readonly clock: () => number,
  ) {
    this.t0 = clock();
  }

  elapsed(): number {
    return this.clock() - this.t0;
  }

  /** Runs after a first-failure or max-failures stop are not counted: they came after it in run order. */
  get closed(): boolean {
    return this.stoppedBy === 'first-failure' || this.stoppedBy === 'max-failures';
  }

  meanRunMs(): number {
    return this.done.length === 0 ? 0 : this.runWallMs / this.done.length;
  }

  stopFor(reason: StopReason): void {
    this.stop = true;
    this.stoppedBy = reason;
  }

  /** Counts one finished run; a failure is a run whose mutant-free twin stayed clean. */
  take(out: RunOutcome): void {
    if (this.closed) throw new Error(`fuzz: run ${out.run} taken after the campaign closed`);
    this.done.push(out.run);
    this.events += out.events;
    this.runWallMs += out.wallMs;
    const failed =
      out.fired.length > 0 && (out.twinFired === undefined || out.twinFired.length === 0);
    if (out.fired.length > 0 && !failed) this.inconclusive++;
    if (out.fired.length > 0 && !failed && out.twinUnsafe !== true) {
      const twinFired = out.twinFired ?? [];
      const d = {
        run: out.run,
        runSeed: out.runSeed,
        fired: twinFired,
        signature: signatureOf(out.twinSignature, twinFired),
        atMs: this.elapsed(),
      };
      this.designFailures.push(d);
      addTo(this.designGroups, d);
    }
    if (failed) this.fail(out);
  }

  private fail(out: RunOutcome): void {
    const f: CampaignFailure = {
      run: out.run,
      runSeed: out.runSeed,
      fired: out.fired,
      signature: signatureOf(out.signature, out.fired),
      atMs: this.elapsed(),
      ...(out.internalError === undefined ? {} : { internalError: out.internalError }),
    };
    this.failures.push(f);
    addTo(this.groups, f);
    if (this.limits.stopAtFirst) this.stopFor('first-failure');
    else if (this.limits.maxFailures > 0 && this.groups.size >= this.limits.maxFailures)
      this.stopFor('max-failures');
  }
}
