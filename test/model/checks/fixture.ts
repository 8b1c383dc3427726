// Shared helper of the checker unit tests: hand-made trace records, a collecting
// `report`, and small worlds built from a WorldConfig (test/model/world-fixture.ts).
import { attachCheckers } from '../../../model/checks/index.ts';
import type { WorldConfig } from '../../../model/config.ts';
import type { NsrState, Rep } from '../../../model/nsr/state.ts';
import { World, type WorldResult } from '../../../model/world.ts';
import {
  Observers,
  type Fields,
  type Report,
  type RunResult,
  type TraceRecord,
  type Violation,
} from '../../../sim/index.ts';

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

/** A fake NSR state: only what a checker's attach() touches. */
export function fakeNsrState(reIndex: 0 | 1): NsrState {
  return {
    reIndex,
    bySession: new Map(),
    delivered: new Observers(),
    sent: new Observers(),
    l4Done: new Observers(),
  } as unknown as NsrState;
}

/** A fake replicated socket; `conn` and `sdrl` are read only when a primary's outbound stream is lost. */
export function fakeRep(
  handle: number,
  role: 'primary' | 'secondary',
  over: Record<string, unknown> = {},
): Rep {
  return {
    session: 'pa/0',
    handle,
    role,
    sdrl: { sndAppended: 0 },
    conn: { so_snd: { cc: 0 }, snd_max: 0, snd_una: 0 },
    ...over,
  } as unknown as Rep;
}

/** n bytes counting up from `from` (mod 256): streams whose every offset is recognisable. */
export const bytes = (from: number, n: number): Uint8Array =>
  Uint8Array.from({ length: n }, (_, i) => (from + i) & 0xff);
