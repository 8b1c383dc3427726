// The routes learned from one peer across its sessions: the Adj-RIB-In (rib.ts) and what
// happens to it when a session is lost, i.e. the Receiving Speaker ("helper") procedures
// of graceful restart (RFC 4724 §4.2):
//   - on the loss of a session whose peer advertised the capability for IPv4 unicast, the
//     routes are kept and marked stale (routes still stale from a previous loss are
//     deleted first: consecutive restarts) and the peer's Restart Time starts;
//   - if the session is not back within the Restart Time, the stale routes go;
//   - when it is back and the new OPEN lacks the capability, the family or its Forwarding
//     State bit, the stale routes go at once; otherwise they stay until End-of-RIB, bounded
//     by a stale-path timer (the RFC's optional upper bound; Junos stale-routes-time);
//   - announcements replace stale routes; at End-of-RIB the routes still stale go.
// Without the capability every route goes at once (design `none`). Every loss opens a
// recovery episode (stats.ts) that closes at the next End-of-RIB: the peer's table is
// whole again.
import { SEC } from '../../../sim/index.ts';
import type { UpdateMsg } from './defs.ts';
import { BGP_KIND } from './kinds.ts';
import { AdjRibIn, type RibRoute } from './rib.ts';
import {
  newEpisode,
  pushBounded,
  type BgpCounters,
  type DownCause,
  type RecoveryEpisode,
} from './stats.ts';

export type GrTimer = 'gr-restart' | 'gr-stale';

export interface GrHost {
  now(): number;
  /** (Re)starts a timer; the speaker calls onTimer() back when it fires. */
  arm(tag: GrTimer, delayNs: number): void;
  disarm(tag: GrTimer): void;
  trace(kind: string, fields: Record<string, unknown>): void;
}

export type FlushReason = 'eor' | 'restart-timer' | 'stale-timer' | 'no-forwarding';

/** What a late NSR snooper needs of this state (engine contract: syncPoint()). */
export interface PeerRoutesSnapshot {
  routes: RibRoute[];
  open: RecoveryEpisode | undefined;
  restartDeadlineNs: number | undefined;
  staleDeadlineNs: number | undefined;
}

export class PeerRoutes {
  readonly rib = new AdjRibIn();
  readonly episodes: RecoveryEpisode[] = [];
  private open: RecoveryEpisode | undefined;
  private restartDeadlineNs: number | undefined;
  private staleDeadlineNs: number | undefined;

  constructor(
    private readonly host: GrHost,
    private readonly counters: BgpCounters,
  ) {}

  /** The recovery in progress, if any. */
  get recovering(): RecoveryEpisode | undefined {
    return this.open;
  }

  /** An Established session was lost; `restartTimeSec` is set when graceful restart applies. */
  sessionDown(cause: DownCause, restartTimeSec: number | undefined): void {
    const now = this.host.now();
    let ep = this.open;
    if (ep === undefined) {
      ep = newEpisode(now, cause, this.rib.size);
      this.open = ep;
      pushBounded(this.episodes, ep);
    } else ep.downs++;
    if (restartTimeSec === undefined) {
      const n = this.rib.clear();
      ep.deletedAtOnce += n;
      this.counters.routesLost += n;
      this.disarmAll();
      this.host.trace(BGP_KIND.withdrawAll, { routes: n, cause });
      return;
    }
    const previously = this.rib.deleteStale();
    ep.flushedPreviouslyStale += previously;
    this.counters.routesLost += previously;
    const n = this.rib.markAllStale();
    ep.handling = 'stale';
    ep.staleMarked += n;
    if (n > 0) ep.staleEndNs = undefined;
    this.setDeadline('gr-stale', undefined);
    this.setDeadline('gr-restart', now + restartTimeSec * SEC);
    this.host.trace(BGP_KIND.grStale, {
      routes: n,
      previouslyStale: previously,
      restartTimeSec,
      cause,
    });
  }

  /** The session is Established again; `keepStale` when the new OPEN keeps forwarding state. */
  sessionUp(keepStale: boolean, stalePathNs: number): void {
    const ep = this.open;
    if (ep !== undefined && ep.upNs === undefined) ep.upNs = this.host.now();
    this.setDeadline('gr-restart', undefined);
    if (this.rib.staleCount === 0) return;
    if (keepStale) this.setDeadline('gr-stale', this.host.now() + stalePathNs);
    else this.flush('no-forwarding');
  }

  /** An UPDATE from the peer; `eor` when it is the End-of-RIB marker. */
  update(u: UpdateMsg, eor: boolean): void {
    const r = this.rib.apply(u, this.host.now());
    this.counters.routesAnnounced += r.added + r.replaced + r.refreshed;
    this.counters.routesWithdrawn += r.withdrawn;
    const ep = this.open;
    if (ep !== undefined && r.refreshed > 0) {
      ep.refreshed += r.refreshed;
      this.noteStaleEnd(ep);
    }
    if (eor) this.endOfRib();
  }

  private endOfRib(): void {
    const now = this.host.now();
    pushBounded(this.counters.eorReceivedNs, now);
    this.host.trace(BGP_KIND.eorRcvd, { stale: this.rib.staleCount });
    if (this.rib.staleCount > 0) this.flush('eor');
    this.setDeadline('gr-stale', undefined);
    const ep = this.open;
    if (ep === undefined) return;
    ep.eorNs = now;
    ep.wholeAgainNs = now - ep.downNs;
    this.open = undefined;
    this.host.trace(BGP_KIND.wholeAgain, { downNs: ep.downNs, wholeAgainNs: ep.wholeAgainNs });
  }

  onTimer(tag: GrTimer): void {
    if (tag === 'gr-restart') {
      this.restartDeadlineNs = undefined;
      this.flush('restart-timer');
    } else {
      this.staleDeadlineNs = undefined;
      this.flush('stale-timer');
    }
  }

  private flush(reason: FlushReason): void {
    const n = this.rib.deleteStale();
    this.counters.routesLost += n;
    const ep = this.open;
    if (ep !== undefined) {
      if (reason === 'eor') ep.flushedAtEor += n;
      else if (reason === 'restart-timer') ep.flushedAtRestartTimer += n;
      else if (reason === 'stale-timer') ep.flushedAtStaleTimer += n;
      else ep.flushedNoForwarding += n;
      this.noteStaleEnd(ep);
    }
    if (reason !== 'stale-timer') this.setDeadline('gr-stale', undefined);
    this.host.trace(BGP_KIND.grFlush, { reason, routes: n });
  }

  private noteStaleEnd(ep: RecoveryEpisode): void {
    if (this.rib.staleCount === 0 && ep.staleMarked > 0 && ep.staleEndNs === undefined)
      ep.staleEndNs = this.host.now();
  }

  private setDeadline(tag: GrTimer, atNs: number | undefined): void {
    if (tag === 'gr-restart') this.restartDeadlineNs = atNs;
    else this.staleDeadlineNs = atNs;
    if (atNs === undefined) this.host.disarm(tag);
    else this.host.arm(tag, Math.max(0, atNs - this.host.now()));
  }

  private disarmAll(): void {
    this.setDeadline('gr-restart', undefined);
    this.setDeadline('gr-stale', undefined);
  }

  snapshot(): PeerRoutesSnapshot {
    return {
      routes: this.rib.snapshot(),
      open: this.open === undefined ? undefined : { ...this.open },
      restartDeadlineNs: this.restartDeadlineNs,
      staleDeadlineNs: this.staleDeadlineNs,
    };
  }

  /** Takes over the active instance's state (a late snooper's initial sync). */
  restore(s: PeerRoutesSnapshot): void {
    this.rib.restore(s.routes);
    if (s.open === undefined) this.open = undefined;
    else if (this.open !== undefined && this.open.downNs === s.open.downNs)
      Object.assign(this.open, s.open);
    else {
      this.open = { ...s.open };
      pushBounded(this.episodes, this.open);
    }
    this.setDeadline('gr-restart', s.restartDeadlineNs);
    this.setDeadline('gr-stale', s.staleDeadlineNs);
  }
}
