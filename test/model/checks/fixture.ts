// Shared helper of the checker unit tests: hand-made trace records, a collecting
// `report`, and small worlds built from a WorldConfig (test/model/world-fixture.ts).
import { attachCheckers } from '../../../model/checks/index.ts';
import type { WorldConfig } from '../../../model/config.ts';
import { World, type WorldResult } from '../../../model/world.ts';
import type { Fields, Report, RunResult, TraceRecord, Violation } from '../../../sim/index.ts';

export type Reported = Omit<Violation, 'check'>;

/** A `report` that keeps what it is given. */
export function collector(): { report: Report; got: Reported[] } {
  const got: Reported[] = [];
  return { report: (v) => got.push(v), got };
}

/** Builds trace records with increasing ids (and, unless given, increasing times). */
export class Records {
  private id = 0;
  private t = 0;
  rec(actor: string, kind: string, fields: Fields = {}, t?: number): TraceRecord {
    this.t = t ?? this.t + 1000;
    return { id: this.id++, t: this.t, cause: -1, actor, kind, fields };
  }
}

/** A run that reached its duration at `simulatedNs`. */
export function ended(simulatedNs: number, boundHit = false): RunResult {
  return {
    reason: boundHit ? 'maxEvents' : 'time',
    boundHit,
    events: 1000,
    simulatedNs,
    wallMs: 0,
  };
}

/**
 * Runs `cfg` with the named checkers attached (all by default); `before` sees the world
 * after the checkers and before the run (to subscribe to its taps).
 */
export function runWorld(
  cfg: WorldConfig,
  checks: readonly string[] | 'all' = 'all',
  before?: (world: World) => void,
): { world: World; res: WorldResult } {
  const world = new World(cfg, { hash: false });
  attachCheckers(world, checks);
  before?.(world);
  return { world, res: world.run() };
}

/** The violations of one checker. */
export function of(res: WorldResult, check: string): readonly Violation[] {
  return res.violations.filter((v) => v.check === check);
}
