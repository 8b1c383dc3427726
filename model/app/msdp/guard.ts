// The planned-switchover guard of seed 003 (Caveat I; SPEC F-5, D-6), as a pure function.
//
// Seed 003 §4 I: SAs are not replicated; a backup learns them from the network within one
// SA refresh (60 s). So "implementation will not allow Administrator to trigger a planned
// switchover for 60 seconds after initial replication of sockets is done (when Backup
// connection becomes Active)", and the existing infrastructure already refuses "two
// switchovers ... within 240 seconds of each other". Without the guard, Caveat I case 2
// happens: a backup that joined after the SAs were seen takes over before the next
// refresh and lacks them. The guard is a design option, on by default (SPEC D-6), so a
// scenario can show that case.
//
// Boundaries: refused while now < t + 60 s for some socket whose initial replication
// became active at t, and while now < s + 240 s after the previous planned switchover at
// s; allowed from those instants on. Only planned (sync) switchovers are guarded: a crash
// is not asked for permission (SPEC F-1).
import { SEC, formatDuration, formatTime } from '../../../sim/index.ts';

/** Seed 003 §4 I: hold-off after a socket's initial replication became active. */
export const SWITCHOVER_HOLDOFF_AFTER_REPLICATION_NS = 60 * SEC;
/** Seed 003 §4 I: the existing minimum interval between planned switchovers. */
export const SWITCHOVER_MIN_INTERVAL_NS = 240 * SEC;

export interface SwitchoverGuardOptions {
  /** The design option (SPEC D-6); default true. */
  enabled: boolean;
  afterReplicationNs: number;
  betweenSwitchoversNs: number;
}

export const DEFAULT_GUARD: Readonly<SwitchoverGuardOptions> = {
  enabled: true,
  afterReplicationNs: SWITCHOVER_HOLDOFF_AFTER_REPLICATION_NS,
  betweenSwitchoversNs: SWITCHOVER_MIN_INTERVAL_NS,
};

export interface SwitchoverGuardInput {
  nowNs: number;
  /** For each replicated MSDP socket: when its initial replication became active. */
  replicationActiveNs: ReadonlyArray<{ socket: string; atNs: number }>;
  /** The previous planned switchover, if any. */
  lastPlannedSwitchoverNs: number | undefined;
}

export type GuardRefusal =
  | { kind: 'replication-settling'; socket: string; sinceNs: number; untilNs: number }
  | { kind: 'switchover-interval'; sinceNs: number; untilNs: number };

export type GuardVerdict =
  | { allowed: true }
  | {
      allowed: false;
      /** The refusal that lasts longest: what a refusal message names first. */
      reason: GuardRefusal;
      /** Every rule that refuses, in a stable order (interval first, then sockets). */
      reasons: GuardRefusal[];
      /** The first instant at which no rule refuses any more. */
      untilNs: number;
    };

/** May a planned switchover happen now? */
export function plannedSwitchoverGuard(
  input: SwitchoverGuardInput,
  options: SwitchoverGuardOptions = DEFAULT_GUARD,
): GuardVerdict {
  if (!options.enabled) return { allowed: true };
  const now = input.nowNs;
  const reasons: GuardRefusal[] = [];
  const last = input.lastPlannedSwitchoverNs;
  if (last !== undefined && now < last + options.betweenSwitchoversNs)
    reasons.push({
      kind: 'switchover-interval',
      sinceNs: last,
      untilNs: last + options.betweenSwitchoversNs,
    });
  const sockets = [...input.replicationActiveNs].sort(
    (a, b) => a.atNs - b.atNs || (a.socket < b.socket ? -1 : a.socket > b.socket ? 1 : 0),
  );
  for (const s of sockets)
    if (now < s.atNs + options.afterReplicationNs)
      reasons.push({
        kind: 'replication-settling',
        socket: s.socket,
        sinceNs: s.atNs,
        untilNs: s.atNs + options.afterReplicationNs,
      });
  if (reasons.length === 0) return { allowed: true };
  let reason = reasons[0] as GuardRefusal;
  for (const r of reasons) if (r.untilNs > reason.untilNs) reason = r;
  return { allowed: false, reason, reasons, untilNs: reason.untilNs };
}

/** One line for traces and `nsrsim run` output. */
export function describeRefusal(r: GuardRefusal): string {
  const span = formatDuration(r.untilNs - r.sinceNs);
  return r.kind === 'switchover-interval'
    ? `planned switchover refused: previous one at ${formatTime(r.sinceNs)}, none within ${span} (allowed from ${formatTime(r.untilNs)})`
    : `planned switchover refused: socket ${r.socket} replicated at ${formatTime(r.sinceNs)}, SAs need ${span} to refresh on the backup (allowed from ${formatTime(r.untilNs)})`;
}
