// Test harness for model/tcp: a tiny deterministic discrete-event loop (binary heap on
// (time, seq)) hosting two TcpStacks joined by a lossy link model (per-direction latency,
// jitter, loss, duplication, reordering by extra random delay, optional bandwidth, drop
// predicates and black-holing), all randomness from sim/rng.ts named streams.
import { Rng } from '../../../sim/rng.ts';
import type { Ipv4, Segment } from '../../../model/net/segment.ts';
import {
  TH_ACK,
  TH_RST,
  TH_SYN,
  seqAdd,
  seqDiff,
  seqGt,
  seqLeq,
} from '../../../model/net/segment.ts';
import { TF_DELACK, TF_SENTFIN, TcpStack, haveRcvdFin } from '../../../model/tcp/tcp.ts';
import type {
  TcpConnection,
  TcpEnv,
  TcpOptionsConfig,
  TcpTimerKind,
} from '../../../model/tcp/tcp.ts';

export const MS = 1_000_000;
export const SEC = 1_000_000_000;

interface Ev {
  t: number;
  seq: number;
  id: number;
  fn: () => void;
}

/** Min-heap event loop on (t, seq); cancel is lazy. */
export class Loop {
  now = 0;
  events = 0;
  private readonly heap: Ev[] = [];
  private seq = 0;
  private readonly cancelled = new Set<number>();

  schedule(delayNs: number, fn: () => void): number {
    if (!(delayNs >= 0) || !Number.isFinite(delayNs)) throw new RangeError(`bad delay ${delayNs}`);
    const id = ++this.seq;
    this.push({ t: this.now + Math.round(delayNs), seq: id, id, fn });
    return id;
  }

  at(timeNs: number, fn: () => void): number {
    return this.schedule(Math.max(0, timeNs - this.now), fn);
  }

  cancel(id: number): void {
    this.cancelled.add(id);
  }

  get pending(): number {
    return this.heap.length;
  }

  /** Runs until `stop()` holds, the queue empties, time passes untilNs, or maxEvents. */
  run(
    untilNs: number,
    stop: () => boolean = () => false,
    maxEvents = 5_000_000,
  ): 'stop' | 'idle' | 'time' | 'events' {
    let n = 0;
    for (;;) {
      if (stop()) return 'stop';
      const top = this.heap[0];
      if (top === undefined) return 'idle';
      if (top.t > untilNs) {
        this.now = untilNs;
        return 'time';
      }
      if (n++ >= maxEvents) return 'events';
      this.pop();
      if (this.cancelled.delete(top.id)) continue;
      this.now = top.t;
      this.events++;
      top.fn();
    }
  }

  private less(a: Ev, b: Ev): boolean {
    return a.t < b.t || (a.t === b.t && a.seq < b.seq);
  }

  private push(e: Ev): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const hp = h[p] as Ev;
      if (!this.less(e, hp)) break;
      h[i] = hp;
      i = p;
    }
    h[i] = e;
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop();
    if (last === undefined || h.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const c = r < h.length && this.less(h[r] as Ev, h[l] as Ev) ? r : l;
      if (!this.less(h[c] as Ev, last)) break;
      h[i] = h[c] as Ev;
      i = c;
    }
    h[i] = last;
  }
}

export interface LinkConfig {
  latencyNs: number;
  jitterNs?: number;
  loss?: number;
  dup?: number;
  /** Probability that a packet gets an extra random delay of up to reorderDelayNs. */
  reorder?: number;
  reorderDelayNs?: number;
  /** Serialization rate in bits/s (FIFO); undefined = infinite. */
  bandwidthBps?: number;
  /** Drops everything while true. */
  blackhole?: boolean;
  /** Drops the segments it returns true for (after logging them). */
  drop?: (seg: Segment, t: number) => boolean;
}

export type Side = 'A' | 'B';

export interface SegRecord {
  t: number;
  from: Side;
  seg: Segment;
  dropped: boolean;
}

export interface EventRecord {
  t: number;
  side: Side;
  conn: TcpConnection | undefined;
  kind: string;
  fields: Record<string, unknown>;
}

export const ADDR_A: Ipv4 = 0x0a000001;
export const ADDR_B: Ipv4 = 0x0a000002;

class SimHost implements TcpEnv {
  readonly rng: Rng;
  private readonly net: Net;
  private readonly side: Side;

  constructor(net: Net, side: Side, seed: number | string) {
    this.net = net;
    this.side = side;
    this.rng = new Rng(seed, `tcp-${side}`);
  }
  now(): number {
    return this.net.loop.now;
  }
  output(seg: Segment): void {
    this.net.transmit(this.side, seg);
  }
  setTimer(conn: TcpConnection, kind: TcpTimerKind, delayNs: number): number {
    return this.net.loop.schedule(delayNs, () => conn.onTimer(kind));
  }
  clearTimer(handle: number): void {
    this.net.loop.cancel(handle);
  }
  event(conn: TcpConnection | undefined, kind: string, fields: Record<string, unknown>): void {
    this.net.events.push({ t: this.net.loop.now, side: this.side, conn, kind, fields });
  }
}

export interface NetOptions {
  seed: number | string;
  ab?: LinkConfig;
  ba?: LinkConfig;
  tcpA?: TcpOptionsConfig;
  tcpB?: TcpOptionsConfig;
  /** Check connection invariants after every event (default true). */
  checks?: boolean;
}

/** Two stacks, A (10.0.0.1) and B (10.0.0.2), and the two directions of a link. */
export class Net {
  readonly loop = new Loop();
  readonly a: TcpStack;
  readonly b: TcpStack;
  readonly links: Record<Side, LinkConfig>;
  readonly segs: SegRecord[] = [];
  readonly events: EventRecord[] = [];
  private readonly linkRng: Record<Side, Rng>;
  private readonly busyUntil: Record<Side, number> = { A: 0, B: 0 };
  private readonly checks: boolean;
  /** Highest receive-window right edge each connection has put on the wire. */
  private readonly rightEdge = new Map<TcpConnection, number>();

  constructor(o: NetOptions) {
    this.links = { A: o.ab ?? { latencyNs: 10 * MS }, B: o.ba ?? { latencyNs: 10 * MS } };
    this.linkRng = { A: new Rng(o.seed, 'link-ab'), B: new Rng(o.seed, 'link-ba') };
    this.a = new TcpStack(new SimHost(this, 'A', o.seed), ADDR_A, o.tcpA ?? {});
    this.b = new TcpStack(new SimHost(this, 'B', o.seed), ADDR_B, o.tcpB ?? {});
    this.checks = o.checks ?? true;
  }

  stack(side: Side): TcpStack {
    return side === 'A' ? this.a : this.b;
  }

  /** Injects a segment into a stack right now (as if it arrived from the wire). */
  inject(to: Side, seg: Segment): void {
    this.stack(to).input(seg);
  }

  transmit(from: Side, seg: Segment): void {
    if (this.checks) this.checkWindowNeverShrinks(from, seg);
    const cfg = this.links[from];
    const rng = this.linkRng[from];
    const t = this.loop.now;
    let dropped = cfg.blackhole === true || (cfg.drop !== undefined && cfg.drop(seg, t));
    if (!dropped && cfg.loss !== undefined && cfg.loss > 0) dropped = rng.chanceProb(cfg.loss);
    this.segs.push({ t, from, seg, dropped });
    if (dropped) return;
    const copies = cfg.dup !== undefined && cfg.dup > 0 && rng.chanceProb(cfg.dup) ? 2 : 1;
    let depart = t;
    if (cfg.bandwidthBps !== undefined) {
      const bytes = 40 + seg.payload.length;
      depart = Math.max(t, this.busyUntil[from]) + Math.ceil((bytes * 8 * 1e9) / cfg.bandwidthBps);
      this.busyUntil[from] = depart;
    }
    const to: Side = from === 'A' ? 'B' : 'A';
    for (let i = 0; i < copies; i++) {
      let d = cfg.latencyNs;
      if (cfg.jitterNs !== undefined && cfg.jitterNs > 0) d += rng.int(cfg.jitterNs + 1);
      if (cfg.reorder !== undefined && cfg.reorder > 0 && rng.chanceProb(cfg.reorder)) {
        d += rng.int((cfg.reorderDelayNs ?? 20 * MS) + 1);
      }
      this.loop.at(depart + d, () => this.stack(to).input(seg));
    }
  }

  run(untilNs: number, stop?: () => boolean): ReturnType<Loop['run']> {
    if (!this.checks) return this.loop.run(untilNs, stop);
    return this.loop.run(untilNs, () => {
      this.checkInvariants();
      return stop !== undefined && stop();
    });
  }

  /** Internal consistency of every live connection (runs between events). */
  checkInvariants(): void {
    for (const side of ['A', 'B'] as const) {
      for (const c of this.stack(side).connections()) {
        const fail = (what: string): never => {
          throw new Error(
            `invariant (${side} ${c.lport}->${c.fport} ${c.t_state} t=${this.loop.now}): ${what}`,
          );
        };
        checkConnection(c, fail);
      }
    }
  }

  /** RFC 9293 §3.8.6: the right edge a receiver offers never moves left. */
  private checkWindowNeverShrinks(from: Side, seg: Segment): void {
    if ((seg.flags & TH_RST) !== 0 || (seg.flags & TH_ACK) === 0) return;
    const conn = this.stack(from).lookup(seg.src, seg.sport, seg.dst, seg.dport);
    if (conn === undefined) return;
    const scale = (seg.flags & TH_SYN) !== 0 ? 0 : conn.rcv_scale;
    const edge = seqAdd(seg.ack, seg.wnd * 2 ** scale);
    const prev = this.rightEdge.get(conn);
    if (prev !== undefined && seqGt(prev, edge)) {
      throw new Error(
        `window shrank: ${from} offered right edge ${edge} after ${prev} (t=${this.loop.now})`,
      );
    }
    this.rightEdge.set(conn, edge);
  }

  segsFrom(side: Side): SegRecord[] {
    return this.segs.filter((r) => r.from === side);
  }

  eventsOf(kind: string, side?: Side): EventRecord[] {
    return this.events.filter((e) => e.kind === kind && (side === undefined || e.side === side));
  }
}

/** Invariants of one connection's tcpcb that hold between events. */
export function checkConnection(c: TcpConnection, fail: (what: string) => never): void {
  const st = c.t_state;
  if (st === 'CLOSED' || st === 'LISTEN') return;
  if (!seqLeq(c.snd_una, c.snd_nxt)) fail(`snd_una ${c.snd_una} > snd_nxt ${c.snd_nxt}`);
  if (!seqLeq(c.snd_nxt, c.snd_max)) fail(`snd_nxt ${c.snd_nxt} > snd_max ${c.snd_max}`);
  const synOut = c.snd_una === c.iss ? 1 : 0;
  const finOut = (c.t_flags & TF_SENTFIN) !== 0 ? 1 : 0;
  if (seqDiff(c.snd_max, c.snd_una) > c.so_snd.cc + synOut + finOut)
    fail('more in flight than the send buffer holds');
  if (c.snd_cwnd < c.t_maxseg) fail(`cwnd ${c.snd_cwnd} below one segment`);
  // Beyond hiwat only inside a window already offered (scale rounding, never shrinking).
  const dataEnd = haveRcvdFin(st) ? seqAdd(c.rcv_nxt, -1) : c.rcv_nxt;
  if (c.rcvSpacePolicy === undefined && c.so_rcv.cc > c.so_rcv.hiwat && seqGt(dataEnd, c.rcv_adv)) {
    fail(`so_rcv ${c.so_rcv.cc} over hiwat beyond the offered window`);
  }
  let prevEnd: number | undefined;
  for (const e of c.t_segq.entries) {
    if (!seqGt(e.seq, c.rcv_nxt)) fail(`t_segq entry ${e.seq} not after rcv_nxt ${c.rcv_nxt}`);
    if (prevEnd !== undefined && seqGt(prevEnd, e.seq))
      fail('t_segq entries overlap or are unsorted');
    prevEnd = seqAdd(e.seq, e.data.length);
  }
  if ((c.t_flags & TF_DELACK) !== 0 && !c.isTimerPending('delack'))
    fail('TF_DELACK without a delack timer');
  if (st === 'TIME_WAIT') {
    if (!c.isTimerPending('2msl')) fail('TIME_WAIT without 2MSL timer');
    return;
  }
  // Liveness: anything unacknowledged or unsent has a timer that will move it.
  const owesFin = st === 'FIN_WAIT_1' || st === 'CLOSING' || st === 'LAST_ACK';
  const opening = st === 'SYN_SENT' || st === 'SYN_RECEIVED';
  const work = opening || owesFin || c.so_snd.cc > 0 || c.snd_max !== c.snd_una;
  if (work && !c.isTimerPending('rexmt') && !c.isTimerPending('persist')) {
    fail(`nothing scheduled although cc=${c.so_snd.cc} una=${c.snd_una} max=${c.snd_max}`);
  }
}

/** Deterministic payload bytes (a counter pattern with a salt). */
export function pattern(n: number, salt: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + salt * 7 + (i >> 8)) & 0xff;
  return b;
}

export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** Opens A -> B on port 80 and runs until both ends are ESTABLISHED; returns [client, server]. */
export function establish(
  net: Net,
  port = 80,
  connectOpts?: TcpOptionsConfig,
): [TcpConnection, TcpConnection] {
  let server: TcpConnection | undefined;
  net.b.listen(port, (c) => {
    server = c;
  });
  const client = net.a.connect(undefined, ADDR_B, port, connectOpts);
  net.run(net.loop.now + 60 * SEC, () => server !== undefined && client.t_state === 'ESTABLISHED');
  if (server === undefined || client.t_state !== 'ESTABLISHED')
    throw new Error('handshake did not complete');
  return [client, server];
}

/** Writes all of `data`, retrying on onWritable; calls done() once everything was taken. */
export function writeAll(conn: TcpConnection, data: Uint8Array, done?: () => void): void {
  let off = 0;
  const pump = (): void => {
    while (off < data.length) {
      const n = conn.write(data.subarray(off));
      if (n === 0) return;
      off += n;
    }
    conn.onWritable = undefined;
    done?.();
  };
  conn.onWritable = pump;
  pump();
}

/** Reads everything as it arrives into `sink`. */
export function readAll(conn: TcpConnection, sink: Uint8Array[]): void {
  conn.onReadable = () => {
    const d = conn.read(conn.readable);
    if (d.length > 0) sink.push(d);
  };
}

/** Index of the first difference between two byte arrays (or the shorter length), -1 if equal. */
export function firstDiff(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}
