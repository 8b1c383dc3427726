// Makes a generated fault list a schedule under which NSR promises transparency, so
// that "no checker fires" is the right expectation for the correct design (SPEC G-1,
// G-9). NSR hides a failover from the peer only while the backup holds every socket
// replicated; a failover while replication is down is non-transparent by design (the
// sockets are not on the backup) and a checker firing then is no finding.
//
// The rules, applied in time order on a small model of the chassis (which RE is
// master, which is up, whether NSR is configured, from when the backup is in sync):
//   - a mastership change (crash of the master, switchover) needs the other RE up,
//     NSR configured, the backup in sync, and no takeover in progress;
//   - the backup is out of sync from an RE crash until the crashed RE restarted, from
//     nsr-deconfig until nsr-reconfig, after kkcm-io-error and after a switchover (KKCM
//     cleans up and resynchronizes every socket, F-4, K-7, K-9), each plus RESYNC_NS;
//   - an inter-RE outage (down, partition, hold, backup stall; outages less than
//     BACKLOG_MIN_NS apart count as one, KKCM's TCP being still backed off) is cut short to INTER_RE_OUTAGE_SAFE_NS, so that it cannot run the PRL timeout: a
//     P-7 timeout disables replication on the sockets concerned until KKCM restarts,
//     and a failover then is non-transparent by design (the timeout itself breaks no
//     invariant: test/scenarios/fuzz/findings/prl-timeout-refused-passed-up.yaml). With `allowPrlTimeout`
//     (a mutant's bias) outages keep their length; the backup is then out of sync until
//     KKCM next restarts (io-error, reconfig, restart), since P-7 stops replicating the
//     sockets concerned until then;
//   - a switchover needs the inter-RE backlog drained: after an outage KKCM's TCP is in
//     retransmission backoff for up to about twice the outage, and the hand-over's drain
//     is bounded (500 ms, then it fails over anyway), so a switchover waits
//     max(1 s, 2 × outage) after the link is back. A crash needs no such wait: PRL never
//     passes up what the backup has not acknowledged, so a crash mid-backlog is fair;
//   - one failure at a time: while a takeover or a switchover hand-over is in progress
//     (until mastership moved and the inter-RE link can carry the hand-over), no other
//     RE, KKCM, inter-RE or NSR-configuration fault;
//   - a crashed RE restarts only after its takeover is over (masterDetect + pfeSwitch);
//   - a per-socket failover (F-2) is a hand-over like a switchover (same conditions, the
//     backup out of sync until the socket is replicated back); after one, primaries may
//     live on the backup, so a crash of the backup is a takeover too (it needs the
//     conditions of a mastership change) until a mastership change brings every primary
//     to the master again;
//   - faults that would do nothing in the model (crash a down RE, restart a running
//     one, reconfigure a configured NSR) are left out, so a file shows only what acts.
// Faults that break a rule are dropped, not moved: the list stays a function of the
// generated values, so fast-check can shrink it.
import {
  resolveTarget,
  type FaultAction,
  type FaultConfig,
  type FaultTarget,
} from '../../model/config.ts';
import { MS } from '../../sim/index.ts';

export interface ScheduleContext {
  durationNs: number;
  masterDetectNs: number;
  pfeSwitchNs: number;
  /**
   * Let inter-RE outages run the PRL timeout (a mutant's bias). Off for the correct
   * design: after a P-7 timeout the sockets are unreplicated until KKCM restarts (see the rules above).
   */
  allowPrlTimeout?: boolean;
  /**
   * Keep a switchover asked for while the backup re-synchronizes (a mutant's bias). The
   * chassis must refuse it (F-6); since RESYNC_NS is a generous bound, the real chassis may
   * already be in sync and accept it, so every later RE, KKCM and configuration fault is
   * dropped (the schedule no longer knows which RE is master).
   */
  allowUnsyncedSwitchover?: boolean;
  /**
   * The chassis' F-5 guard for MSDP sockets (issue 14, model/app/msdp/guard.ts): a planned
   * switchover within afterReplicationNs of a socket's replication or betweenNs of the
   * previous one is refused, so the schedule keeps only switchovers the guard accepts (a
   * refused one would leave it believing the wrong RE is master).
   */
  plannedSwitchoverGuard?: { afterReplicationNs: number; betweenNs: number };
}

/** Time after KKCM comes back up by which every socket is replicated again (measured: ~1 ms; generous). */
export const RESYNC_NS = 500 * MS;
/** KKCM reconnect after an inter-RE outage: up to two SYN retransmissions (1 s + 2 s). */
export const RECONNECT_AFTER_OUTAGE_NS = 3_000 * MS;
/** Least wait after an inter-RE outage before a switchover (backlogDrained). */
const BACKLOG_MIN_NS = 1_000 * MS;
/**
 * Longest inter-RE outage that cannot run the PRL timeout (1 s) with the model's default
 * TCP: KKCM's channels retransmit 200 ms, 600 ms and 1.4 s after the first loss (rtoMin
 * 200 ms, doubling), so an outage shorter than 600 ms is over by the second
 * retransmission and the other PRL is heard again about 600 ms after it fell silent;
 * a 700 ms outage already waits for the 1.4 s one (the fuzzer found it). 450 ms leaves
 * room for the messages queued behind.
 */
export const INTER_RE_OUTAGE_SAFE_NS = 450 * MS;

interface State {
  master: 0 | 1;
  up: [boolean, boolean];
  configured: boolean;
  /** The backup holds every socket from this instant on (Infinity: not until KKCM restarts). */
  syncedAt: number;
  /** A takeover is in progress until then. */
  busyUntil: number;
  crashedAt: [number, number];
  /** The inter-RE link is out from linkOutStart until linkOutUntil (KKCM cannot resynchronize before). */
  linkOutStart: number;
  linkOutUntil: number;
  /** A per-socket failover may have left primaries on the backup. */
  split: boolean;
  /** The last planned switchover kept (the F-5 guard's reference). */
  lastSwitchoverAt: number;
}

export function atOf(f: FaultConfig): number {
  return 'atNs' in f.when ? f.when.atNs : f.when.betweenNs[0];
}

/** Drops the faults that would make a failover non-transparent by design (rules above). */
export function saneSchedule(faults: readonly FaultConfig[], ctx: ScheduleContext): FaultConfig[] {
  const sorted = faults
    .map((f, i) => ({ f, i }))
    .sort((a, b) => atOf(a.f) - atOf(b.f) || a.i - b.i);
  const s: State = {
    master: 0,
    up: [true, true],
    configured: true,
    syncedAt: 0,
    busyUntil: 0,
    crashedAt: [-1, -1],
    linkOutStart: -Infinity,
    linkOutUntil: -Infinity,
    split: false,
    lastSwitchoverAt: -Infinity,
  };
  const takeoverNs = ctx.masterDetectNs + ctx.pfeSwitchNs;
  const unsyncedSwitchover = ctx.allowUnsyncedSwitchover === true;
  const interReSafeNs = INTER_RE_OUTAGE_SAFE_NS;
  const out: FaultConfig[] = [];
  for (const { f } of sorted) {
    const t = atOf(f);
    if (guardRefuses(s, f.action, t, ctx.plannedSwitchoverGuard)) continue;
    const a = isOutage(f.action)
      ? outage(s, t, f.action, interReSafeNs, ctx.allowPrlTimeout === true)
      : applied(s, f.action, t, takeoverNs) ||
          (unsyncedSwitchover && refusedSwitchover(s, f.action, t))
        ? f.action
        : undefined;
    if (a !== undefined) out.push(a === f.action ? f : { ...f, action: a });
    if (a?.kind === 'switchover') s.lastSwitchoverAt = t;
  }
  return out;
}

/**
 * Would the F-5 guard refuse this planned switchover? The sockets were replicated by
 * syncedAt at the latest; an MSDP socket may open a little after the run starts or KKCM
 * resynchronizes, hence RESYNC_NS more.
 */
function guardRefuses(
  s: State,
  a: FaultAction,
  t: number,
  g: ScheduleContext['plannedSwitchoverGuard'],
): boolean {
  if (g === undefined || a.kind !== 'switchover') return false;
  return t < s.syncedAt + RESYNC_NS + g.afterReplicationNs || t < s.lastSwitchoverAt + g.betweenNs;
}

type Outage = Extract<
  FaultAction,
  { kind: 'inter-re-down' | 'inter-re-partition' | 'inter-re-hold' | 'backup-stall' }
>;

function isOutage(a: FaultAction): a is Outage {
  return (
    a.kind === 'inter-re-down' ||
    a.kind === 'inter-re-partition' ||
    a.kind === 'inter-re-hold' ||
    a.kind === 'backup-stall'
  );
}

function slot(s: State, t: FaultTarget): 0 | 1 {
  return resolveTarget(t, s.master);
}

/**
 * KKCM restarts at `t`: every socket is replicated again RESYNC_NS later; if the inter-RE
 * link is out, KKCM's connect waits for SYN retransmissions (rtoInit 1 s, then doubling),
 * so RECONNECT_AFTER_OUTAGE_NS after the link is back.
 */
function resync(s: State, t: number): void {
  if (!(s.configured && s.up[0] && s.up[1])) s.syncedAt = Infinity;
  else s.syncedAt = t < s.linkOutUntil ? s.linkOutUntil + RECONNECT_AFTER_OUTAGE_NS : t + RESYNC_NS;
}

/** After a mastership change, no other RE/KKCM/config fault until the hand-over is done. */
function handOverEnd(s: State, t: number, takeoverNs: number): number {
  return Math.max(t, s.linkOutUntil) + takeoverNs;
}

function canChangeMaster(s: State, t: number): boolean {
  const other = (1 - s.master) as 0 | 1;
  return s.up[s.master] && s.up[other] && s.configured && t >= s.syncedAt && t >= s.busyUntil;
}

/** When the inter-RE backlog of the last outage has drained (KKCM's TCP backoff). */
function backlogDrained(s: State): number {
  if (s.linkOutUntil === -Infinity) return -Infinity;
  return s.linkOutUntil + Math.max(BACKLOG_MIN_NS, 2 * (s.linkOutUntil - s.linkOutStart));
}

/**
 * A switchover the chassis refuses because the backup is re-synchronizing (F-6), kept for
 * allowUnsyncedSwitchover; from then on the schedule keeps no RE, KKCM or configuration fault.
 */
function refusedSwitchover(s: State, a: FaultAction, t: number): boolean {
  if (a.kind !== 'switchover' || s.syncedAt === Infinity || t >= s.syncedAt) return false;
  const synced = { ...s, syncedAt: t };
  if (!canChangeMaster(synced, t) || t < backlogDrained(s)) return false;
  s.busyUntil = Infinity;
  return true;
}

type RtcpFault = Extract<
  FaultAction,
  { kind: 'station-deactivate' | 'standby-path-loss' | 'station-clock-offset' | 'operator-config' }
>;

/** Redundant TCP's faults (seed 004) change no RE's NSR state this schedule tracks. */
function isRtcpFault(a: FaultAction): a is RtcpFault {
  return (
    a.kind === 'station-deactivate' ||
    a.kind === 'standby-path-loss' ||
    a.kind === 'station-clock-offset' ||
    a.kind === 'operator-config'
  );
}

/** Applies one fault (not an inter-RE outage) to the state; false when the fault is to be dropped. */
function applied(s: State, a: FaultAction, t: number, takeoverNs: number): boolean {
  if (isRtcpFault(a)) return true;
  switch (a.kind) {
    case 're-crash': {
      const r = slot(s, a.target);
      if (!s.up[r] || t < s.busyUntil) return false;
      const takeover = r === s.master || s.split;
      if (takeover && !canChangeMaster(s, t)) return false;
      s.up[r] = false;
      s.crashedAt[r] = t;
      s.syncedAt = Infinity;
      if (takeover) s.busyUntil = handOverEnd(s, t, takeoverNs);
      if (r === s.master) s.master = (1 - r) as 0 | 1;
      // Every primary is on the survivor now.
      s.split = false;
      return true;
    }
    case 're-restart': {
      const r = slot(s, a.target);
      if (s.up[r] || t < s.crashedAt[r] + takeoverNs || t < s.busyUntil) return false;
      s.up[r] = true;
      resync(s, t);
      return true;
    }
    case 'switchover':
      if (!canChangeMaster(s, t) || t < backlogDrained(s)) return false;
      s.master = (1 - s.master) as 0 | 1;
      s.busyUntil = handOverEnd(s, t, takeoverNs);
      resync(s, s.busyUntil);
      s.split = false;
      return true;
    case 'socket-failover':
      if (!canChangeMaster(s, t) || t < backlogDrained(s)) return false;
      s.busyUntil = handOverEnd(s, t, takeoverNs);
      resync(s, s.busyUntil);
      s.split = true;
      return true;
    case 'kkcm-io-error':
      if (!s.up[slot(s, a.target)] || t < s.busyUntil) return false;
      resync(s, t);
      return true;
    case 'nsr-deconfig':
      if (!s.configured || t < s.busyUntil) return false;
      s.configured = false;
      s.syncedAt = Infinity;
      return true;
    case 'nsr-reconfig':
      if (s.configured || t < s.busyUntil) return false;
      s.configured = true;
      resync(s, t);
      return true;
    case 'inter-re-down':
    case 'inter-re-partition':
    case 'inter-re-hold':
    case 'backup-stall':
      throw new Error('schedule: inter-RE outages go through outage()');
    case 'app-stall':
    case 'wire-loss':
    case 'wire-reorder':
    case 'wire-partition':
    case 'pfe-switch-delay':
      return true;
    default: {
      const never: never = a;
      throw new Error(`schedule: unknown fault ${JSON.stringify(never)}`);
    }
  }
}

/**
 * An inter-RE outage: cut short (or dropped) so the continuous outage stays below the
 * PRL timeout, unless allowed; returns the action to keep.
 */
function outage(
  s: State,
  t: number,
  a: Outage,
  interReSafeNs: number,
  allowPrlTimeout: boolean,
): Outage | undefined {
  // A hand-over in progress needs the link (one failure at a time).
  if (t < s.busyUntil) return undefined;
  // Outages closer than BACKLOG_MIN_NS are one (KKCM's TCP is still backed off), from the first start to the last end.
  const start = t > s.linkOutUntil + BACKLOG_MIN_NS ? t : s.linkOutStart;
  let end = a.durationNs === 0 ? Infinity : t + a.durationNs;
  let kept: Outage = a;
  if (!allowPrlTimeout && end - start >= interReSafeNs) {
    end = start + interReSafeNs - MS;
    if (end <= t) return undefined;
    kept = { ...a, durationNs: end - t };
  }
  s.linkOutStart = start;
  s.linkOutUntil = Math.max(s.linkOutUntil, end);
  // A long outage may run the PRL timeout: the sockets concerned stay unreplicated until
  // KKCM restarts. A short one during a resynchronization delays it.
  if (s.linkOutUntil - s.linkOutStart >= interReSafeNs) s.syncedAt = Infinity;
  else if (s.syncedAt > t) s.syncedAt = Math.max(s.syncedAt, s.linkOutUntil + RESYNC_NS);
  return kept;
}
