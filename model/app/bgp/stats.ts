// What checkers and outcome figures (SPEC O-1) read from one speaker, i.e. one peering as
// this end saw it: message counts by type and direction, session resets and hold-timer
// expiries, NOTIFICATIONs, routes the peer announced and withdrew, and one recovery
// episode per session loss: how many routes were deleted at once (no graceful restart)
// or kept stale (RFC 4724 §4.2) and for how long, how many were refreshed or flushed and
// why, and when the table was whole again (End-of-RIB received on the new session).
import type { MsgKind } from './defs.ts';

export type MsgCounts = Record<MsgKind, number>;

/** Why an Established session ended. */
export type DownCause =
  | 'tcp-closed'
  | 'hold-expired'
  | 'notification-sent'
  | 'notification-received'
  | 'superseded'
  | 'stopped';

export interface NotificationRecord {
  atNs: number;
  code: number;
  subcode: number;
  data: Uint8Array;
  error: string;
}

/**
 * One recovery: from the session's loss until the peer's table is whole again. A further
 * loss before that (consecutive restarts) stays in the same episode and counts in `downs`.
 */
export interface RecoveryEpisode {
  downNs: number;
  cause: DownCause;
  downs: number;
  /** Routes held from the peer when the session went down. */
  routesBefore: number;
  /** 'stale': graceful restart kept them; 'deleted': they went at once. */
  handling: 'stale' | 'deleted';
  deletedAtOnce: number;
  staleMarked: number;
  /** Stale routes deleted at the start because they were already stale (RFC 4724 §4.2, consecutive restarts). */
  flushedPreviouslyStale: number;
  /** Session back in Established. */
  upNs?: number;
  refreshed: number;
  /** Stale routes deleted because the new session's OPEN lacked the capability or the F bit. */
  flushedNoForwarding: number;
  flushedAtEor: number;
  flushedAtRestartTimer: number;
  flushedAtStaleTimer: number;
  /** When the last stale route was refreshed or deleted. */
  staleEndNs?: number;
  eorNs?: number;
  /** eorNs − downNs: until the peer's table was whole again. */
  wholeAgainNs?: number;
}

export interface BgpCounters {
  sent: MsgCounts;
  received: MsgCounts;
  /** Sessions that reached Established. */
  established: number;
  /** Established sessions that went down. */
  sessionResets: number;
  holdExpiries: number;
  malformedReceived: number;
  notificationsSent: NotificationRecord[];
  notificationsReceived: NotificationRecord[];
  /** Prefixes announced / withdrawn by the peer's UPDATEs (withdrawals of routes held). */
  routesAnnounced: number;
  routesWithdrawn: number;
  /** Routes deleted without the peer withdrawing them: session loss without GR, or stale flushes. */
  routesLost: number;
  eorSentNs: number[];
  eorReceivedNs: number[];
}

/** Bound on the lists kept (NOTIFICATIONs, End-of-RIB times, episodes). */
export const HISTORY_MAX = 256;

export function pushBounded<T>(list: T[], item: T): void {
  if (list.length < HISTORY_MAX) list.push(item);
}

const zeroCounts = (): MsgCounts => ({ open: 0, update: 0, keepalive: 0, notification: 0 });

export function newCounters(): BgpCounters {
  return {
    sent: zeroCounts(),
    received: zeroCounts(),
    established: 0,
    sessionResets: 0,
    holdExpiries: 0,
    malformedReceived: 0,
    notificationsSent: [],
    notificationsReceived: [],
    routesAnnounced: 0,
    routesWithdrawn: 0,
    routesLost: 0,
    eorSentNs: [],
    eorReceivedNs: [],
  };
}

export function newEpisode(
  downNs: number,
  cause: DownCause,
  routesBefore: number,
): RecoveryEpisode {
  return {
    downNs,
    cause,
    downs: 1,
    routesBefore,
    handling: 'deleted',
    deletedAtOnce: 0,
    staleMarked: 0,
    flushedPreviouslyStale: 0,
    refreshed: 0,
    flushedNoForwarding: 0,
    flushedAtEor: 0,
    flushedAtRestartTimer: 0,
    flushedAtStaleTimer: 0,
  };
}

/** The O-1 figures of one peering, summed over its episodes. */
export interface BgpOutcome {
  sessionResets: number;
  holdExpiries: number;
  /** Routes the peer lost without a withdrawal (deleted at once or flushed stale). */
  routesLost: number;
  /** Most routes kept stale at one reset, and the longest time any were stale. */
  staleRoutesMax: number;
  staleLongestNs: number;
  /** Longest time until the table was whole again; undefined while a recovery is still open. */
  wholeAgainLongestNs: number | undefined;
  recovering: boolean;
}

export function outcomeOf(
  c: BgpCounters,
  episodes: readonly RecoveryEpisode[],
  nowNs: number,
): BgpOutcome {
  let staleRoutesMax = 0;
  let staleLongestNs = 0;
  let whole = 0;
  let recovering = false;
  for (const e of episodes) {
    staleRoutesMax = Math.max(staleRoutesMax, e.staleMarked);
    if (e.staleMarked > 0)
      staleLongestNs = Math.max(staleLongestNs, (e.staleEndNs ?? nowNs) - e.downNs);
    if (e.wholeAgainNs === undefined) recovering = true;
    else whole = Math.max(whole, e.wholeAgainNs);
  }
  return {
    sessionResets: c.sessionResets,
    holdExpiries: c.holdExpiries,
    routesLost: c.routesLost,
    staleRoutesMax,
    staleLongestNs,
    wholeAgainLongestNs: recovering ? undefined : whole,
    recovering,
  };
}
