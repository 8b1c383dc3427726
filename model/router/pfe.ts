// The packet forwarding engine (PFE): the router's data plane as the REs see it.
// Host-bound packets from the wire go to the current master RE over that RE's internal
// link; packets from the REs reach the wire only if they come from the master (a
// backup's transmissions are suppressed and counted). A mastership change (GRES, SPEC
// F-3) takes `switchNs`; during the switch no RE's packets reach the wire and
// host-bound packets are dropped, as the PFE has no master to give them to.
//
// Per-socket failover (SPEC F-2, I-5): the kernel of the RE that takes one socket over
// steers that connection's flow to itself. The flow entry (peer address and port, router
// port) overrides mastership for that connection only: host-bound packets of the flow go
// to the entry's RE, and only that RE's packets of the flow reach the wire. Programming
// an entry takes the same switch time. A mastership change clears every entry (all
// sockets follow the new master), and so does the loss of the RE an entry names (its
// sockets failed over to the master).
//
// Planned switches lose nothing (SPEC G-3): during a sync mastership switch (a manual
// switchover) and while a steering entry is programmed (a per-socket failover, both F-2)
// the host-bound packets are held, in arrival order and within a bound, and handed to the
// new RE when the switch completes; the REs' packets are suppressed meanwhile (the peer
// retransmits them). An async switch (the master crashed, F-1, F-3) has no master to give
// packets to and drops them. The pfe-drops-during-sync-switch mutant drops in both.
//
// Simplified: one routing table entry per peer address; no forwarding of transit
// traffic; the switch is a single interval, not the PFE's per-interface reprogramming.
import {
  assert,
  type Actor,
  type ActorContext,
  type ActorId,
  type Message,
} from '../../sim/index.ts';
import type { LinkTx, PacketIn, Side } from '../net/link.ts';
import { ipv4ToString, type Ipv4 } from '../net/segment.ts';
import { K } from '../vocab.ts';

export type PfeControl =
  | {
      readonly type: 'pfe.mastership';
      /** The RE index (0 or 1) that becomes master, or -1 for none. */
      readonly master: number;
      /** A planned (sync) switchover: host-bound packets are held, not dropped (G-3). */
      readonly sync: boolean;
    }
  | { readonly type: 'pfe.set-switch'; readonly switchNs: number }
  /** Steer one connection to an RE (per-socket failover). */
  | {
      readonly type: 'pfe.flow';
      readonly faddr: Ipv4;
      readonly fport: number;
      readonly lport: number;
      readonly re: number;
    }
  /** An RE is gone: flows steered to it fall back to the master. */
  | { readonly type: 'pfe.re-down'; readonly re: number };

interface FlowEntry {
  re: number;
  switching: boolean;
  epoch: number;
  /** Host-bound packets held while the entry is programmed (G-3). */
  held: PacketIn[];
  /** The entry's RE's own packets of the flow held meanwhile, sent when it is programmed. */
  heldOut: PacketIn[];
}

/** Bound on host-bound packets a planned switch holds (beyond it they are dropped, traced). */
export const PFE_HOLD_MAX = 4096;

interface FlowDone extends Message {
  readonly type: 'pfe.flow-done';
  readonly key: string;
  readonly epoch: number;
}

/** The flow key of a connection: the peer's address and port and the router's port. */
export function flowKey(faddr: Ipv4, fport: number, lport: number): string {
  return `${ipv4ToString(faddr)}:${fport}>${lport}`;
}

interface SwitchDone extends Message {
  readonly type: 'pfe.switch-done';
  readonly master: number;
  readonly epoch: number;
}

export interface PfePort {
  linkId: ActorId;
  linkName: string;
  /** The PFE's side of the link. */
  side: Side;
}

export interface PfeCounters {
  toHost: number;
  toWire: number;
  suppressed: number;
  droppedNoMaster: number;
  droppedNoRoute: number;
  /** Host-bound packets held during a planned switch and delivered after it. */
  held: number;
}

type PfeMessage = PacketIn | PfeControl | SwitchDone | FlowDone;

export class Pfe implements Actor<PfeMessage> {
  master: number;
  switching = false;
  /** Host-bound packets held during a sync mastership switch (G-3), in arrival order. */
  private held: PacketIn[] | undefined;
  /** The incoming master's own packets held during a sync switch, sent when it completes. */
  private heldOut: PacketIn[] = [];
  /** The RE a switch in progress hands mastership to. */
  private incoming = -1;
  private epoch = 0;
  private flowEpoch = 0;
  /** Per-socket steering entries by flowKey. */
  private readonly flows = new Map<string, FlowEntry>();
  readonly counters: PfeCounters = {
    toHost: 0,
    toWire: 0,
    suppressed: 0,
    droppedNoMaster: 0,
    droppedNoRoute: 0,
    held: 0,
  };
  private readonly reByLink = new Map<string, number>();
  private readonly wireByLink = new Set<string>();

  constructor(
    private readonly routerAddr: Ipv4,
    private readonly rePorts: readonly [PfePort, PfePort],
    private readonly wire: ReadonlyMap<Ipv4, PfePort>,
    private switchNs: number,
    initialMaster: number,
    /** The pfe-leaky-switch mutant: during a switch both REs' packets reach the wire. */
    private readonly leakySwitch = false,
    /** The pfe-drops-during-sync-switch mutant: a planned switch drops like a takeover. */
    private readonly dropsDuringSync = false,
  ) {
    this.master = initialMaster;
    rePorts.forEach((p, i) => this.reByLink.set(p.linkName, i));
    for (const p of wire.values()) this.wireByLink.add(p.linkName);
  }

  receive(msg: PfeMessage, ctx: ActorContext): void {
    switch (msg.type) {
      case 'pkt':
        this.forward(msg, ctx);
        return;
      case 'pfe.mastership':
        this.startSwitch(msg.master, msg.sync, ctx);
        return;
      case 'pfe.set-switch':
        this.switchNs = msg.switchNs;
        ctx.trace(K.pfe.setSwitch, { switchNs: msg.switchNs });
        return;
      case 'pfe.flow':
        this.steer(flowKey(msg.faddr, msg.fport, msg.lport), msg.re, ctx);
        return;
      case 'pfe.flow-done': {
        const e = this.flows.get(msg.key);
        if (e === undefined || e.epoch !== msg.epoch) return;
        e.switching = false;
        ctx.trace(K.pfe.flow, { flow: msg.key, re: e.re });
        this.deliverHeld(e.held, e.re, ctx);
        e.held = [];
        const out = e.heldOut;
        e.heldOut = [];
        for (const p of out) this.fromRe(e.re, p, ctx);
        return;
      }
      case 'pfe.re-down':
        for (const [key, e] of [...this.flows]) {
          if (e.re !== msg.re) continue;
          this.flows.delete(key);
          ctx.trace(K.pfe.flowClear, { flow: key, reason: `re${msg.re} down` });
        }
        return;
      case 'pfe.switch-done': {
        if (msg.epoch !== this.epoch) return; // superseded by a later switch
        this.switching = false;
        this.master = msg.master;
        ctx.trace(K.pfe.master, { master: msg.master });
        const held = this.held ?? [];
        this.held = undefined;
        this.deliverHeld(held, msg.master, ctx);
        const out = this.heldOut;
        this.heldOut = [];
        for (const p of out) this.fromRe(msg.master, p, ctx);
        return;
      }
      default: {
        const never: never = msg;
        throw new Error(`pfe: unknown message ${(never as Message).type}`);
      }
    }
  }

  /** The steering entry of a connection; no key is built while there is none (the common case). */
  private flowOf(faddr: Ipv4, fport: number, lport: number): FlowEntry | undefined {
    return this.flows.size === 0 ? undefined : this.flows.get(flowKey(faddr, fport, lport));
  }

  private steer(key: string, re: number, ctx: ActorContext): void {
    const epoch = ++this.flowEpoch;
    ctx.trace(K.pfe.flowSwitch, {
      flow: key,
      from: this.flows.get(key)?.re ?? this.master,
      to: re,
      switchNs: this.switchNs,
    });
    const e: FlowEntry = {
      re,
      switching: this.switchNs > 0,
      epoch,
      held: this.flows.get(key)?.held ?? [],
      heldOut: [],
    };
    this.flows.set(key, e);
    if (this.switchNs === 0) ctx.trace(K.pfe.flow, { flow: key, re });
    else ctx.startTimer(this.switchNs, { type: 'pfe.flow-done', key, epoch } satisfies FlowDone);
  }

  private startSwitch(master: number, sync: boolean, ctx: ActorContext): void {
    this.epoch++;
    // Packets a superseded switch or a cleared flow entry still held go to the new master.
    const carried = [...(this.held ?? []), ...[...this.flows.values()].flatMap((e) => e.held)];
    this.held = sync && !this.dropsDuringSync ? carried : undefined;
    this.heldOut = [];
    this.incoming = master;
    if (this.held === undefined)
      for (const p of carried) this.dropHeld(p, ctx, 'switch-superseded');
    for (const key of this.flows.keys())
      ctx.trace(K.pfe.flowClear, { flow: key, reason: 'mastership' });
    this.flows.clear();
    ctx.trace(K.pfe.switch, { from: this.master, to: master, switchNs: this.switchNs });
    if (this.switchNs === 0) {
      this.master = master;
      this.switching = false;
      ctx.trace(K.pfe.master, { master });
      this.deliverHeld(this.held ?? [], master, ctx);
      this.held = undefined;
      return;
    }
    this.switching = true;
    this.master = -1;
    ctx.startTimer(this.switchNs, {
      type: 'pfe.switch-done',
      master,
      epoch: this.epoch,
    } satisfies SwitchDone);
  }

  private forward(msg: PacketIn, ctx: ActorContext): void {
    const re = this.reByLink.get(msg.link);
    if (re !== undefined) {
      this.fromRe(re, msg, ctx);
      return;
    }
    if (!this.wireByLink.has(msg.link))
      throw new Error(`pfe: packet from unknown link ${msg.link}`);
    if (msg.seg.dst !== this.routerAddr) {
      this.counters.droppedNoRoute++;
      ctx.trace(K.pfe.drop, { reason: 'not-host-bound', dst: ipv4ToString(msg.seg.dst) });
      return;
    }
    const flow = this.flowOf(msg.seg.src, msg.seg.sport, msg.seg.dport);
    if (flow !== undefined) {
      if (flow.switching) {
        if (this.dropsDuringSync) {
          this.counters.droppedNoMaster++;
          ctx.trace(K.pfe.drop, { reason: 'flow-switching', seq: msg.seg.seq });
        } else this.hold(flow.held, msg, ctx);
        return;
      }
      const fp = this.rePorts[flow.re as 0 | 1];
      this.counters.toHost++;
      ctx.send(fp.linkId, { type: 'link.tx', side: fp.side, seg: msg.seg } satisfies LinkTx);
      return;
    }
    const port = this.master >= 0 ? this.rePorts[this.master as 0 | 1] : undefined;
    if (this.switching && this.held !== undefined) {
      this.hold(this.held, msg, ctx);
      return;
    }
    if (port === undefined || this.switching) {
      this.counters.droppedNoMaster++;
      ctx.trace(K.pfe.drop, {
        reason: this.switching ? 'switching' : 'no-master',
        seq: msg.seg.seq,
      });
      return;
    }
    this.counters.toHost++;
    ctx.send(port.linkId, { type: 'link.tx', side: port.side, seg: msg.seg } satisfies LinkTx);
  }

  /** G-3: a host-bound packet waits for the planned switch to complete (bounded). */
  private hold(into: PacketIn[], msg: PacketIn, ctx: ActorContext): void {
    if (into.length >= PFE_HOLD_MAX) {
      this.dropHeld(msg, ctx, 'hold-full');
      return;
    }
    into.push(msg);
    this.counters.held++;
    ctx.trace(K.pfe.hold, { seq: msg.seg.seq, len: msg.seg.payload.length, held: into.length });
  }

  private dropHeld(msg: PacketIn, ctx: ActorContext, reason: string): void {
    this.counters.droppedNoMaster++;
    ctx.trace(K.pfe.drop, { reason, seq: msg.seg.seq });
  }

  /** The switch completed: what it held goes to the RE that now owns it, in arrival order. */
  private deliverHeld(held: readonly PacketIn[], re: number, ctx: ActorContext): void {
    if (held.length === 0) return;
    const port = this.rePorts[re as 0 | 1];
    assert(port !== undefined, () => `pfe: held packets for re${re}, which has no port`);
    ctx.trace(K.pfe.release, { re, packets: held.length });
    this.counters.toHost += held.length;
    for (const p of held)
      ctx.send(port.linkId, { type: 'link.tx', side: port.side, seg: p.seg } satisfies LinkTx);
  }

  private fromRe(re: number, msg: PacketIn, ctx: ActorContext): void {
    const flow = this.flowOf(msg.seg.dst, msg.seg.dport, msg.seg.sport);
    // A planned switch holds the incoming RE's packets too, so its first transmissions (the
    // new primary's retransmission from snd_una, M-4) are not lost to the switch (G-3).
    const holdOut =
      flow !== undefined
        ? flow.switching && re === flow.re && !this.dropsDuringSync
        : this.switching && this.held !== undefined && re === this.incoming;
    if (holdOut) {
      const into = flow !== undefined ? flow.heldOut : this.heldOut;
      if (into.length < PFE_HOLD_MAX) {
        into.push(msg);
        const f = {
          re,
          seq: msg.seg.seq,
          len: msg.seg.payload.length,
          held: into.length,
          out: true,
        };
        ctx.trace(K.pfe.hold, f);
        return;
      }
    }
    const leak = this.switching && this.leakySwitch;
    const allowed =
      flow !== undefined
        ? re === flow.re && !flow.switching
        : leak || (re === this.master && !this.switching);
    if (!allowed) {
      this.counters.suppressed++;
      ctx.trace(K.pfe.suppress, {
        re,
        master: this.master,
        seq: msg.seg.seq,
        len: msg.seg.payload.length,
        ...(flow === undefined ? {} : { flowRe: flow.re }),
      });
      return;
    }
    const port = this.wire.get(msg.seg.dst);
    if (port === undefined) {
      this.counters.droppedNoRoute++;
      ctx.trace(K.pfe.drop, { reason: 'no-route', dst: ipv4ToString(msg.seg.dst) });
      return;
    }
    this.counters.toWire++;
    ctx.trace(K.pfe.tx, {
      re,
      dst: ipv4ToString(msg.seg.dst),
      sport: msg.seg.sport,
      dport: msg.seg.dport,
      seq: msg.seg.seq,
      ack: msg.seg.ack,
      wnd: msg.seg.wnd,
      flags: msg.seg.flags,
      len: msg.seg.payload.length,
      // The timestamp a peer would check (RFC 7323 §3.2, §5; SPEC T-4, M-6).
      ...(msg.seg.options.ts === undefined ? {} : { tsval: msg.seg.options.ts.val }),
      // SACK blocks the router reports (RFC 2018; SPEC T-2: its secondary must hold them).
      ...(msg.seg.options.sack === undefined || msg.seg.options.sack.length === 0
        ? {}
        : { sack: msg.seg.options.sack.map((b) => [b.left, b.right]) }),
    });
    ctx.send(port.linkId, { type: 'link.tx', side: port.side, seg: msg.seg } satisfies LinkTx);
  }
}
