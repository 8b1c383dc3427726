// The chassis: chassisd's mastership logic plus the fault injector. It is the only
// actor that holds the Simulation itself, because crashing and restarting an RE is
// something done *to* an actor (the kernel's stop/restart), not a message it handles.
//
// Mastership (GRES, SPEC F-3): when the master crashes, the backup's chassis daemon
// notices after `masterDetectNs`, takes mastership and tells the PFE, which switches in
// `pfeSwitchNs`. A manual switchover swaps the roles at once (SPEC F-2). A per-socket
// failover (F-2) is the application's request, not the chassis's: the chassis passes it
// to both REs and the one whose application holds the session's primary socket acts.
import { describeRefusal, type GuardVerdict } from '../app/msdp/guard.ts';
import {
  unreachable,
  type Actor,
  type ActorContext,
  type ActorId,
  type Message,
  type Simulation,
} from '../../sim/index.ts';
import { resolveTarget, type FaultAction, type FaultTarget, type RouterConfig } from '../config.ts';
import type { LinkControl, LinkParams } from '../net/link.ts';
import type { PfeControl } from './pfe.ts';
import type { ReMessage } from './re.ts';
import { K } from '../vocab.ts';

export interface FaultMsg extends Message {
  readonly type: 'fault';
  readonly action: FaultAction;
}

interface Takeover extends Message {
  readonly type: 'chassis.takeover';
  readonly from: number;
}

/** The master's kernel learns the backup is gone (pfeman peer connection down, K-7). */
interface BackupGone extends Message {
  readonly type: 'chassis.backup-gone';
  readonly re: number;
}

/**
 * F-4, F-6: the master's IHA says whether the backup holds a replica of every socket the
 * master's application asked to replicate (a restarted or reconnected backup is re-
 * synchronized first); `pending` names the sessions not yet replicated.
 */
export interface SyncState extends Message {
  readonly type: 'chassis.sync-state';
  readonly re: number;
  readonly synced: boolean;
  readonly pending: readonly string[];
}

interface WireRestore extends Message {
  readonly type: 'chassis.wire-restore';
  readonly links: readonly ActorId[];
  readonly params: Partial<LinkParams>;
  readonly dir?: 'a' | 'b';
}

interface LinkRelease extends Message {
  readonly type: 'chassis.link-release';
  readonly link: ActorId;
}

export type ChassisMessage =
  FaultMsg | Takeover | WireRestore | BackupGone | LinkRelease | SyncState;

export interface ChassisWiring {
  sim: Simulation;
  reIds: readonly [ActorId, ActorId];
  /** Every actor of each RE (its kernel first, then its NSR subsystems): they crash together. */
  reGroups: readonly [readonly ActorId[], readonly ActorId[]];
  nsr: boolean;
  pfeId: ActorId;
  /** Wire link actor per peer name, and that link's configured parameters. */
  wire: ReadonlyMap<string, { linkId: ActorId; params: Partial<LinkParams> }>;
  peerIds: ReadonlyMap<string, ActorId>;
  /** The inter-RE link (side 'a' is RE0) and, with NSR, each RE's KKCM actor. */
  interReLink: ActorId;
  interReParams: Partial<LinkParams>;
  kkcmIds: readonly [ActorId, ActorId] | undefined;
  /**
   * SPEC F-5 (MSDP, seed 003 Caveat I): may a planned switchover happen now, given the
   * previous one? Absent when no MSDP runs or the guard (a design option) is off.
   */
  msdpGuard?: (nowNs: number, lastPlannedNs: number | undefined) => GuardVerdict;
}

export class Chassis implements Actor<ChassisMessage> {
  master = 0;
  /** The master's last word on the backup's synchronization (F-6); nothing to sync at first. */
  private sync: { synced: boolean; pending: readonly string[] } = { synced: true, pending: [] };
  private ctx!: ActorContext;
  /** Planned switchovers the F-5 guard refused (printed by nsrsim run). */
  readonly msdpRefusals: Array<{ timeNs: number; message: string }> = [];
  /** The previous planned switchover (F-5's 240 s rule). */
  private lastPlannedNs: number | undefined;

  constructor(
    private readonly w: ChassisWiring,
    private readonly router: RouterConfig,
  ) {}

  start(ctx: ActorContext): void {
    this.ctx = ctx;
    // Both REs are online at start (GRES tells each kernel about the other).
    if (this.w.nsr)
      for (const id of this.w.reIds) ctx.send(id, { type: 're.ore', up: true } satisfies ReMessage);
  }

  receive(msg: ChassisMessage, ctx: ActorContext): void {
    switch (msg.type) {
      case 'fault':
        ctx.trace(K.chassis.fault, { ...msg.action });
        this.fault(msg.action);
        return;
      case 'chassis.takeover':
        this.takeover(msg.from);
        return;
      case 'chassis.sync-state':
        // Only the master's word counts: it holds the primaries the backup must mirror.
        if (msg.re !== this.master) return;
        this.sync = { synced: msg.synced, pending: msg.pending };
        ctx.trace(K.chassis.syncState, {
          re: msg.re,
          synced: msg.synced,
          pending: msg.pending.length,
        });
        return;
      case 'chassis.backup-gone': {
        const master = this.w.reIds[this.master as 0 | 1];
        // A backup that restarted before the master noticed it was gone is back (restart
        // told both kernels the other RE is up): telling the master "down" now would be
        // stale and tear down the channels it has just set up again.
        const back = this.w.sim.isRunning(this.w.reIds[msg.re as 0 | 1]);
        if (msg.re !== this.master && this.w.sim.isRunning(master) && !back) {
          // Flows steered to the lost RE by per-socket failovers fall back to the master,
          // whose secondaries of them fail over now (F-1).
          ctx.send(this.w.pfeId, { type: 'pfe.re-down', re: msg.re } satisfies PfeControl);
          ctx.send(master, { type: 're.ore', up: false } satisfies ReMessage);
        }
        return;
      }
      case 'chassis.wire-restore':
        for (const l of msg.links)
          this.linkCtl(l, {
            type: 'link.set',
            params: msg.params,
            ...(msg.dir === undefined ? {} : { dir: msg.dir }),
          });
        return;
      case 'chassis.link-release':
        this.linkCtl(msg.link, { type: 'link.release' });
        return;
      default: {
        const never: never = msg;
        throw new Error(`chassis: unknown message ${(never as Message).type}`);
      }
    }
  }

  private resolve(t: FaultTarget): number {
    return resolveTarget(t, this.master as 0 | 1);
  }

  private fault(a: FaultAction): void {
    switch (a.kind) {
      case 're-crash':
        this.crash(this.resolve(a.target));
        return;
      case 're-restart':
        this.restart(this.resolve(a.target));
        return;
      case 'switchover':
        this.switchover();
        return;
      case 'app-stall':
        this.appStall(a.side, a.peer, a.durationNs, a.re ?? 'master');
        return;
      case 'wire-loss':
      case 'wire-partition':
      case 'wire-reorder':
        this.wireFaultOf(a);
        return;
      case 'pfe-switch-delay': {
        const msg: PfeControl = { type: 'pfe.set-switch', switchNs: a.switchNs };
        this.ctx.send(this.w.pfeId, msg);
        return;
      }
      case 'socket-failover':
        this.socketFailover(a.peer, a.session);
        return;
      default:
        this.nsrFault(a);
    }
  }

  private wireFaultOf(
    a: FaultAction & { kind: 'wire-loss' | 'wire-partition' | 'wire-reorder' },
  ): void {
    switch (a.kind) {
      case 'wire-loss':
        this.wireFault(a.peer, { loss: a.loss }, a.durationNs, (p) => ({ loss: p.loss ?? 0 }));
        return;
      case 'wire-partition':
        this.wireFault(a.peer, { up: false }, a.durationNs, () => ({ up: true }));
        return;
      case 'wire-reorder':
        this.wireFault(a.peer, { reorder: a.reorder }, a.durationNs, (p) => ({
          reorder: p.reorder ?? 0,
        }));
        return;
      default:
        unreachable(a, 'wire fault');
    }
  }

  /** The NSR faults (SPEC F-1, K-5, K-7, P-7). */
  private nsrFault(
    a: Exclude<
      FaultAction,
      {
        kind:
          | 're-crash'
          | 're-restart'
          | 'switchover'
          | 'app-stall'
          | 'wire-loss'
          | 'wire-partition'
          | 'wire-reorder'
          | 'pfe-switch-delay'
          | 'socket-failover';
      }
    >,
  ): void {
    switch (a.kind) {
      case 'kkcm-io-error': {
        const k = this.w.kkcmIds?.[this.resolve(a.target) as 0 | 1];
        if (k !== undefined)
          this.ctx.send(k, { type: 'kkcm.io-error', detail: 'injected channel I/O error' });
        return;
      }
      case 'inter-re-down':
        this.interRe({ up: false }, undefined, a.durationNs);
        return;
      case 'inter-re-partition':
        // Packets sent by the named RE are lost; the other direction still works.
        this.interRe({ up: false }, this.resolve(a.from) === 0 ? 'a' : 'b', a.durationNs);
        return;
      case 'inter-re-hold':
      case 'backup-stall':
        // A stalled backup kernel processes nothing on the inter-RE link: as seen from the
        // master its replication traffic is held, then delivered late (drives P-7).
        this.linkCtl(this.w.interReLink, { type: 'link.hold' });
        if (a.durationNs > 0) {
          const release: LinkRelease = { type: 'chassis.link-release', link: this.w.interReLink };
          this.ctx.startTimer(a.durationNs, release);
        }
        return;
      case 'nsr-deconfig':
      case 'nsr-reconfig':
        for (const k of this.w.kkcmIds ?? [])
          this.ctx.send(k, { type: 'kkcm.configure', on: a.kind === 'nsr-reconfig' });
        return;
      case 'station-deactivate':
      case 'standby-path-loss':
      case 'station-clock-offset':
      case 'operator-config':
        // Redundant TCP's faults: the loader refuses them for any other design, and that
        // design has its own chassis (model/redundant/chassis.ts).
        throw new Error(`chassis: fault ${a.kind} applies only to design redundant-tcp`);
      default:
        unreachable(a, 'NSR fault');
    }
  }

  /** F-2: passed to both REs; the one whose application holds the primary acts. */
  private socketFailover(peer: string | undefined, session: number | undefined): void {
    for (const id of this.w.reIds) {
      if (!this.w.sim.isRunning(id)) continue;
      const msg: ReMessage = { type: 're.socket-failover', peer, session };
      this.ctx.send(id, msg);
    }
  }

  private crash(re: number): void {
    const id = this.w.reIds[re as 0 | 1];
    if (!this.w.sim.isRunning(id)) return;
    for (const a of this.w.reGroups[re as 0 | 1]) this.w.sim.stopActor(a, 'crash');
    if (re === this.master) {
      this.ctx.startTimer(this.router.masterDetectNs, {
        type: 'chassis.takeover',
        from: re,
      } satisfies Takeover);
    } else if (this.w.nsr) {
      this.ctx.startTimer(this.router.masterDetectNs, {
        type: 'chassis.backup-gone',
        re,
      } satisfies BackupGone);
    }
  }

  /** F-4: the RE comes back empty, as a backup; both kernels learn the other is online. */
  private restart(re: number): void {
    const id = this.w.reIds[re as 0 | 1];
    if (this.w.sim.isRunning(id)) return;
    for (const a of this.w.reGroups[re as 0 | 1]) this.w.sim.restartActor(a);
    if (this.w.nsr)
      for (const r of this.w.reIds)
        if (this.w.sim.isRunning(r))
          this.ctx.send(r, { type: 're.ore', up: true } satisfies ReMessage);
  }

  private takeover(from: number): void {
    const to = 1 - from;
    if (this.master !== from || !this.w.sim.isRunning(this.w.reIds[to as 0 | 1])) {
      this.ctx.trace(K.chassis.noTakeover, { from, to });
      return;
    }
    // F-6: a backup still re-synchronizing takes over all the same (the master is gone),
    // but it is no backup for the sessions it lacks: the takeover is reported as such.
    if (this.w.nsr && !this.sync.synced) {
      this.ctx.trace(K.chassis.unsyncedTakeover, { from, to, pending: this.sync.pending });
    }
    this.setMaster(to);
  }

  private switchover(): void {
    const to = 1 - this.master;
    if (!this.w.sim.isRunning(this.w.reIds[to as 0 | 1])) {
      this.ctx.trace(K.chassis.switchoverRefused, { reason: 'backup-down' });
      return;
    }
    // F-6: an RE that has not finished re-synchronization (F-4) is not a backup yet.
    if (this.w.nsr && !this.sync.synced && this.router.mutant !== 'chassis-ignores-sync-state') {
      const pending = this.sync.pending;
      this.ctx.trace(K.chassis.switchoverRefused, { reason: 'backup-syncing', pending });
      return;
    }
    if (this.msdpGuardRefuses()) return;
    this.lastPlannedNs = this.ctx.now;
    this.ctx.send(this.w.reIds[this.master as 0 | 1], {
      type: 're.role',
      role: 'backup',
      sync: true,
    } satisfies ReMessage);
    this.setMaster(to, true);
  }

  /** F-5: the MSDP planned-switchover guard refuses (traced with its reason). */
  private msdpGuardRefuses(): boolean {
    const v = this.w.msdpGuard?.(this.ctx.now, this.lastPlannedNs);
    if (v === undefined || v.allowed) return false;
    this.msdpRefusals.push({ timeNs: this.ctx.now, message: describeRefusal(v.reason) });
    this.ctx.trace(K.chassis.switchoverRefused, {
      reason: 'msdp-guard',
      rule: v.reason.kind,
      untilNs: v.untilNs,
      message: describeRefusal(v.reason),
    });
    return true;
  }

  private setMaster(to: number, sync = false): void {
    this.master = to;
    this.ctx.trace(K.chassis.master, { master: to, sync });
    this.ctx.send(this.w.pfeId, { type: 'pfe.mastership', master: to, sync } satisfies PfeControl);
    this.ctx.send(this.w.reIds[to as 0 | 1], {
      type: 're.role',
      role: 'master',
      sync,
    } satisfies ReMessage);
  }

  private appStall(
    side: 'peer' | 'router',
    peer: string | undefined,
    durationNs: number,
    re: 'master' | 'backup',
  ): void {
    const routerRe = this.w.reIds[(re === 'master' ? this.master : 1 - this.master) as 0 | 1];
    const targets =
      side === 'router'
        ? [routerRe]
        : [...this.w.peerIds].filter(([n]) => peer === undefined || n === peer).map(([, id]) => id);
    for (const t of targets) this.ctx.send(t, { type: 'app.stall', durationNs });
  }

  private wireFault(
    peer: string | undefined,
    set: Partial<LinkParams>,
    durationNs: number,
    restore: (p: Partial<LinkParams>) => Partial<LinkParams>,
  ): void {
    const links = [...this.w.wire]
      .filter(([n]) => peer === undefined || n === peer)
      .map(([, l]) => l);
    // Each link goes back to its own configured baseline when the fault ends.
    for (const l of links) {
      this.linkCtl(l.linkId, { type: 'link.set', params: set });
      this.ctx.startTimer(durationNs, {
        type: 'chassis.wire-restore',
        links: [l.linkId],
        params: restore(l.params),
      } satisfies WireRestore);
    }
  }

  private interRe(set: Partial<LinkParams>, dir: 'a' | 'b' | undefined, durationNs: number): void {
    this.linkCtl(this.w.interReLink, {
      type: 'link.set',
      params: set,
      ...(dir === undefined ? {} : { dir }),
    });
    if (durationNs > 0) {
      const restore: Partial<LinkParams> = { up: this.w.interReParams.up ?? true };
      this.ctx.startTimer(durationNs, {
        type: 'chassis.wire-restore',
        links: [this.w.interReLink],
        params: restore,
        ...(dir === undefined ? {} : { dir }),
      } satisfies WireRestore);
    }
  }

  private linkCtl(linkId: ActorId, msg: LinkControl): void {
    this.ctx.send(linkId, msg);
  }
}
