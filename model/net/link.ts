// A point-to-point link between two box boundaries (peer↔PFE, PFE↔RE, RE↔RE). Every
// packet that crosses a box goes through one (GUIDE §2), so faults have one place to act.
//
// Per direction: serialization at `bandwidthBps` behind a bounded FIFO (`queueBytesMax`;
// a packet that does not fit is tail-dropped), propagation `latencyNs`, jitter (uniform
// in [0, jitterNs]), independent loss and duplication, reordering (a reordered packet
// gets an extra delay of up to `reorderDelayNs` and may overtake later ones; every other
// packet keeps FIFO order), an MTU (larger packets are dropped), up/down, and hold/release
// (turmoil's hold: packets are kept, not lost, until released). Each link draws from
// its own RNG stream "link/<name>", so changing one link never shifts another.
//
// Simplified: no bit errors (corruption is a codec test, not a link one), no
// per-packet framing overhead beyond the IP packet itself, jitter never reorders.
import type { Actor, ActorContext, ActorId, Message } from '../../sim/index.ts';
import { Rng } from '../../sim/index.ts';
import type { Segment } from './segment.ts';
import { K } from '../vocab.ts';

export interface LinkParams {
  latencyNs: number;
  /** Bits per second; 0 means infinitely fast (no serialization delay). */
  bandwidthBps: number;
  jitterNs: number;
  /** Probabilities in [0, 1]. */
  loss: number;
  duplicate: number;
  reorder: number;
  reorderDelayNs: number;
  mtu: number;
  queueBytesMax: number;
  up: boolean;
}

export const DEFAULT_LINK: Readonly<LinkParams> = {
  latencyNs: 0,
  bandwidthBps: 0,
  jitterNs: 0,
  loss: 0,
  duplicate: 0,
  reorder: 0,
  reorderDelayNs: 1_000_000,
  mtu: 1500,
  queueBytesMax: 1 << 20,
  up: true,
};

/** The bytes a segment occupies on the wire: IPv4 + TCP headers, options, payload. */
export function wireBytes(seg: Segment): number {
  let opt = 0;
  if (seg.options.mss !== undefined) opt += 4;
  if (seg.options.wscale !== undefined) opt += 4;
  if (seg.options.ts !== undefined) opt += 12;
  return 40 + opt + seg.payload.length;
}

/** A packet handed to a link by endpoint `side` ('a' or 'b'). */
export interface LinkTx extends Message {
  readonly type: 'link.tx';
  readonly side: Side;
  readonly seg: Segment;
}

/** A packet delivered by a link to an endpoint. */
export interface PacketIn extends Message {
  readonly type: 'pkt';
  readonly link: string;
  readonly seg: Segment;
}

/** Fault and control messages (sent at urgent priority by the fault injector). */
export type LinkControl =
  | { readonly type: 'link.set'; readonly dir?: Side; readonly params: Partial<LinkParams> }
  | { readonly type: 'link.hold'; readonly dir?: Side }
  | { readonly type: 'link.release'; readonly dir?: Side };

export type Side = 'a' | 'b';

/**
 * Observes packets on a link (pcap capture): the side that sent it, the instant it was
 * handed to the link, and the instant it reaches the other end, or undefined when the
 * link loses it (down, MTU, queue, loss). Called once per packet handed to the link and
 * once more per extra duplicate. Not part of the trace, so capture never changes a hash.
 */
export type LinkTap = (
  from: Side,
  seg: Segment,
  sentNs: number,
  arrivalNs: number | undefined,
  copy: number,
) => void;

interface Direction {
  params: LinkParams;
  /** Time the transmitter is busy until (serialization of queued packets). */
  busyUntilNs: number;
  /** Earliest delivery time allowed for the next in-order packet (FIFO). */
  lastArrivalNs: number;
  held: boolean;
  heldPackets: Segment[];
  /** Departure times and sizes of packets still in the transmit queue. */
  inQueue: Array<{ doneNs: number; bytes: number }>;
  queuedBytes: number;
  counters: LinkCounters;
}

export interface LinkCounters {
  sent: number;
  delivered: number;
  lost: number;
  duplicated: number;
  reordered: number;
  queueDrops: number;
  mtuDrops: number;
  downDrops: number;
  held: number;
}

const HELD_PACKETS_MAX = 100_000;

export class Link implements Actor<LinkTx | LinkControl> {
  readonly name: string;
  private readonly ends: Record<Side, ActorId>;
  private readonly dirs: Record<Side, Direction>;
  private readonly rng: Rng;
  tap: LinkTap | undefined;

  constructor(
    name: string,
    a: ActorId,
    b: ActorId,
    rng: Rng,
    params: Partial<LinkParams> = {},
    paramsBtoA?: Partial<LinkParams>,
  ) {
    this.name = name;
    this.ends = { a, b };
    this.rng = rng;
    this.dirs = {
      a: newDirection({ ...DEFAULT_LINK, ...params }),
      b: newDirection({ ...DEFAULT_LINK, ...params, ...(paramsBtoA ?? {}) }),
    };
  }

  /** Counters of the direction whose packets were sent by `from`. */
  counters(from: Side): Readonly<LinkCounters> {
    return this.dirs[from].counters;
  }

  params(from: Side): Readonly<LinkParams> {
    return this.dirs[from].params;
  }

  receive(msg: LinkTx | LinkControl, ctx: ActorContext): void {
    switch (msg.type) {
      case 'link.tx':
        this.transmit(msg.side, msg.seg, ctx);
        return;
      case 'link.set':
        for (const d of this.sides(msg.dir)) Object.assign(this.dirs[d].params, msg.params);
        ctx.trace(K.link.set, {
          link: this.name,
          dir: msg.dir ?? 'both',
          params: { ...msg.params },
        });
        return;
      case 'link.hold':
        for (const d of this.sides(msg.dir)) this.dirs[d].held = true;
        ctx.trace(K.link.hold, { link: this.name, dir: msg.dir ?? 'both' });
        return;
      case 'link.release':
        for (const d of this.sides(msg.dir)) this.release(d, ctx);
        return;
      default: {
        const never: never = msg;
        throw new Error(`link: unknown message ${(never as Message).type}`);
      }
    }
  }

  private sides(dir: Side | undefined): Side[] {
    return dir === undefined ? ['a', 'b'] : [dir];
  }

  private transmit(from: Side, seg: Segment, ctx: ActorContext): void {
    const d = this.dirs[from];
    const p = d.params;
    d.counters.sent++;
    if (!p.up) {
      d.counters.downDrops++;
      this.drop(ctx, from, seg, 'down');
      return;
    }
    const bytes = wireBytes(seg);
    if (bytes > p.mtu) {
      d.counters.mtuDrops++;
      this.drop(ctx, from, seg, 'mtu');
      return;
    }
    if (d.held) {
      if (d.heldPackets.length >= HELD_PACKETS_MAX) {
        d.counters.queueDrops++;
        this.drop(ctx, from, seg, 'hold-overflow');
        return;
      }
      d.counters.held++;
      d.heldPackets.push(seg);
      return;
    }
    this.schedule(from, seg, bytes, ctx);
  }

  private schedule(from: Side, seg: Segment, bytes: number, ctx: ActorContext): void {
    const d = this.dirs[from];
    const p = d.params;
    const now = ctx.now;
    // Serialization behind a bounded FIFO.
    while (d.inQueue.length > 0 && (d.inQueue[0] as { doneNs: number }).doneNs <= now) {
      d.queuedBytes -= (d.inQueue.shift() as { bytes: number }).bytes;
    }
    let departNs = now;
    if (p.bandwidthBps > 0) {
      if (d.queuedBytes + bytes > p.queueBytesMax) {
        d.counters.queueDrops++;
        this.drop(ctx, from, seg, 'queue');
        return;
      }
      const txNs = Math.ceil((bytes * 8 * 1e9) / p.bandwidthBps);
      departNs = Math.max(now, d.busyUntilNs) + txNs;
      d.busyUntilNs = departNs;
      d.inQueue.push({ doneNs: departNs, bytes });
      d.queuedBytes += bytes;
    }
    if (p.loss > 0 && this.rng.chanceProb(p.loss)) {
      d.counters.lost++;
      this.drop(ctx, from, seg, 'loss');
      return;
    }
    const copies = p.duplicate > 0 && this.rng.chanceProb(p.duplicate) ? 2 : 1;
    if (copies === 2) d.counters.duplicated++;
    for (let i = 0; i < copies; i++) {
      let arrival = departNs + p.latencyNs + (p.jitterNs > 0 ? this.rng.between(0, p.jitterNs) : 0);
      if (p.reorder > 0 && this.rng.chanceProb(p.reorder)) {
        d.counters.reordered++;
        arrival += this.rng.between(1, Math.max(1, p.reorderDelayNs));
      } else {
        arrival = Math.max(arrival, d.lastArrivalNs);
        d.lastArrivalNs = arrival;
      }
      d.counters.delivered++;
      this.tap?.(from, seg, now, arrival, i);
      const to = this.ends[from === 'a' ? 'b' : 'a'];
      const pkt: PacketIn = { type: 'pkt', link: this.name, seg };
      ctx.send(to, pkt, arrival - now);
    }
  }

  private release(dir: Side, ctx: ActorContext): void {
    const d = this.dirs[dir];
    d.held = false;
    const pkts = d.heldPackets;
    d.heldPackets = [];
    ctx.trace(K.link.release, { link: this.name, dir, packets: pkts.length });
    for (const seg of pkts) {
      // Released packets meet the link as it is now.
      if (!d.params.up) {
        d.counters.downDrops++;
        this.drop(ctx, dir, seg, 'down');
        continue;
      }
      this.schedule(dir, seg, wireBytes(seg), ctx);
    }
  }

  private drop(ctx: ActorContext, from: Side, seg: Segment, reason: string): void {
    this.tap?.(from, seg, ctx.now, undefined, 0);
    ctx.trace(K.link.drop, {
      link: this.name,
      from,
      reason,
      seq: seg.seq,
      len: seg.payload.length,
    });
  }
}

function newDirection(params: LinkParams): Direction {
  return {
    params,
    busyUntilNs: 0,
    lastArrivalNs: 0,
    held: false,
    heldPackets: [],
    inQueue: [],
    queuedBytes: 0,
    counters: {
      sent: 0,
      delivered: 0,
      lost: 0,
      duplicated: 0,
      reordered: 0,
      queueDrops: 0,
      mtuDrops: 0,
      downDrops: 0,
      held: 0,
    },
  };
}
