// The fault injector of a Redundant TCP pair (seed 004). There is no chassis daemon and
// no mastership to hand over: the stations decide by their signals. What stays of
// the Chassis is the fault injection that does not care about the design (wire faults, a
// stalled peer application): those go to the base class. The faults that mean something
// else here are mapped (SPEC issue 16, item 6):
//
//   re-crash             a station crashes: its exception handler drops its signals and
//                        the counterpart gets the interrupt (§2.3), in the same instant
//   station-deactivate   the operator deactivates a station: the same, seen from outside
//   re-restart           the station boots again: a late joiner (R-4, unsynchronized)
//   standby-path-loss    loss on the current standby's own receive path only
//   station-clock-offset the station's application timing slips (§4.1.2.2.1)
//   app-stall (router)   both stations' applications stall: they run the same software
//
// The loader refuses the faults that do not apply (switchover, pfe-switch-delay,
// socket-failover and the NSR ones), naming the design.
import type { ActorContext, ActorId, Simulation } from '../../sim/index.ts';
import { Chassis, type ChassisMessage, type ChassisWiring } from '../router/chassis.ts';
import type { FaultAction, FaultTarget, RouterConfig } from '../config.ts';
import type { LinkControl, LinkParams } from '../net/link.ts';
import { K } from '../vocab.ts';
import type { StationSignals } from './signals.ts';
import type { ClockOffset, OperatorConfig, SignalInterrupt } from './station.ts';

export interface RedundantWiring {
  sim: Simulation;
  stationIds: readonly [ActorId, ActorId];
  /** Each station's internal link (side b sends towards the station: its receive path). */
  pathLinks: readonly [ActorId, ActorId];
  pathParams: readonly [Partial<LinkParams>, Partial<LinkParams>];
  signals: StationSignals;
}

interface PathRestore {
  readonly type: 'rtcp.path-restore';
  readonly station: 0 | 1;
}

export class RedundantChassis extends Chassis {
  private rctx!: ActorContext;

  constructor(
    w: ChassisWiring,
    router: RouterConfig,
    private readonly rw: RedundantWiring,
  ) {
    super(w, router);
  }

  override start(ctx: ActorContext): void {
    this.rctx = ctx;
    super.start(ctx);
  }

  override receive(msg: ChassisMessage | PathRestore, ctx: ActorContext): void {
    if (msg.type === 'rtcp.path-restore') {
      this.setPath(msg.station, { loss: this.rw.pathParams[msg.station].loss ?? 0 });
      return;
    }
    if (msg.type !== 'fault' || !this.mine(msg.action)) {
      super.receive(msg, ctx);
      return;
    }
    ctx.trace(K.chassis.fault, { ...msg.action });
    this.rtcpFault(msg.action);
  }

  private mine(a: FaultAction): boolean {
    switch (a.kind) {
      case 're-crash':
      case 're-restart':
      case 'station-deactivate':
      case 'standby-path-loss':
      case 'station-clock-offset':
      case 'operator-config':
        return true;
      case 'app-stall':
        return a.side === 'router';
      default:
        return false;
    }
  }

  /** The operational station (station 0 when none is: the one a fault on "master" means). */
  private operational(): 0 | 1 {
    return this.rw.signals.operationalStation() === 1 ? 1 : 0;
  }

  private station(t: FaultTarget): 0 | 1 {
    const op = this.operational();
    switch (t) {
      case 'master':
        return op;
      case 'backup':
        return op === 0 ? 1 : 0;
      case 're0':
        return 0;
      case 're1':
        return 1;
    }
  }

  private rtcpFault(a: FaultAction): void {
    switch (a.kind) {
      case 're-crash':
      case 'station-deactivate':
        this.down(this.station(a.target), a.kind === 're-crash' ? 'crash' : 'deactivate');
        return;
      case 're-restart': {
        const id = this.rw.stationIds[this.station(a.target)];
        if (!this.rw.sim.isRunning(id)) this.rw.sim.restartActor(id);
        return;
      }
      case 'standby-path-loss': {
        const s = this.operational() === 0 ? 1 : 0;
        this.setPath(s, { loss: a.loss });
        const restore: PathRestore = { type: 'rtcp.path-restore', station: s };
        if (a.durationNs > 0) this.rctx.startTimer(a.durationNs, restore);
        return;
      }
      case 'station-clock-offset': {
        const msg: ClockOffset = { type: 'rtcp.clock-offset', offsetNs: a.offsetNs };
        this.rctx.send(this.rw.stationIds[this.station(a.target)], msg);
        return;
      }
      case 'operator-config': {
        const msg: OperatorConfig = { type: 'rtcp.operator-config', key: a.key, value: a.value };
        this.rctx.send(this.rw.stationIds[this.station(a.target)], msg);
        return;
      }
      case 'app-stall':
        for (const id of this.rw.stationIds)
          if (this.rw.sim.isRunning(id))
            this.rctx.send(id, { type: 'app.stall', durationNs: a.durationNs });
        return;
      default:
        throw new Error(`redundant chassis: fault ${a.kind} is not one of this design`);
    }
  }

  /**
   * A crash or a deactivation: the station stops, its signals drop with it (the crash
   * handler, which the chassis plays because a stopped actor runs nothing), and the
   * counterpart gets the interrupt of the change.
   */
  private down(s: 0 | 1, why: 'crash' | 'deactivate'): void {
    const id = this.rw.stationIds[s];
    if (!this.rw.sim.isRunning(id)) return;
    this.rw.sim.stopActor(id, why);
    if (this.rw.signals.drop(s))
      this.rctx.trace(K.rtcp.signal, { station: s, ...this.rw.signals.read(s), why });
    this.master = this.operational();
    const other = this.rw.stationIds[s === 0 ? 1 : 0];
    if (this.rw.sim.isRunning(other))
      this.rctx.send(other, { type: 'rtcp.interrupt' } satisfies SignalInterrupt);
  }

  /** The station's receive path: packets the backplane sends it (side b of its link). */
  private setPath(s: 0 | 1, params: Partial<LinkParams>): void {
    const msg: LinkControl = { type: 'link.set', dir: 'b', params };
    this.rctx.send(this.rw.pathLinks[s], msg);
  }
}
