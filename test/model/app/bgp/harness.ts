// Test harness for the BGP engine: a small deterministic event loop (integer ns, FIFO at
// equal times), a ProtocolIo that records what the engine writes and traces, and a
// TCP-like pipe between two speakers (in-order delivery after a latency, FIN and RST, a
// partition that drops octets, a bounded so_snd). Not the simulator: the engine is built to
// be hosted by anything that honours io.ts, and this is the smallest such host.
import { Rng } from '../../../../sim/index.ts';
import {
  BgpSpeaker,
  bgpConfig,
  syncAtStart,
  type BgpConfig,
  type BgpSync,
  type ProtocolIo,
} from '../../../../model/app/bgp/index.ts';

interface Ev {
  at: number;
  seq: number;
  id: number;
  fn: () => void;
}

export class Loop {
  now = 0;
  private seq = 0;
  private q: Ev[] = [];
  private readonly cancelled = new Set<number>();
  events = 0;

  schedule(delayNs: number, fn: () => void): number {
    if (!Number.isSafeInteger(delayNs) || delayNs < 0) throw new Error(`bad delay ${delayNs}`);
    const ev = { at: this.now + delayNs, seq: this.seq, id: this.seq, fn };
    this.seq++;
    let i = this.q.length;
    while (i > 0 && (this.q[i - 1] as Ev).at > ev.at) i--;
    this.q.splice(i, 0, ev);
    return ev.id;
  }

  cancel(id: number): void {
    this.cancelled.add(id);
  }

  /** Runs every event due at or before `t`; then now = t. */
  runUntil(t: number): void {
    for (;;) {
      const ev = this.q[0];
      if (ev === undefined || ev.at > t) break;
      this.q.shift();
      if (this.cancelled.delete(ev.id)) continue;
      this.now = ev.at;
      this.events++;
      if (this.events > 5_000_000) throw new Error('loop: event bound');
      ev.fn();
    }
    this.now = Math.max(this.now, t);
  }

  runFor(ns: number): void {
    this.runUntil(this.now + ns);
  }
}

export interface TraceRec {
  at: number;
  kind: string;
  fields: Record<string, unknown>;
}

export class TestIo implements ProtocolIo {
  readonly rng: Rng;
  readonly records: TraceRec[] = [];
  /** Every octet write() accepted, in order. */
  readonly written: Uint8Array[] = [];
  /** Where accepted octets go (the pipe); undefined = nowhere. */
  sink: ((b: Uint8Array) => void) | undefined;
  /** Octets write() still accepts (so_snd room); Infinity = unbounded. */
  room = Number.POSITIVE_INFINITY;
  connects = 0;
  closes = 0;
  onConnect: (() => void) | undefined;
  onClose: (() => void) | undefined;
  engine: BgpSpeaker | undefined;
  /** A dead io (its RE crashed) fires no timers and takes no writes. */
  alive = true;

  constructor(
    readonly loop: Loop,
    readonly name: string,
    seed: string | number = 1,
  ) {
    this.rng = new Rng(seed, `bgp/${name}`);
  }

  now(): number {
    return this.loop.now;
  }

  write(bytes: Uint8Array): number {
    if (!this.alive) return 0;
    const n = Math.min(bytes.length, this.room);
    if (n === 0) return 0;
    this.room -= n;
    const b = bytes.slice(0, n);
    this.written.push(b);
    this.sink?.(b);
    return n;
  }

  startTimer(tag: string, delayNs: number): number {
    return this.loop.schedule(delayNs, () => {
      if (this.alive) this.engine?.onTimer(tag);
    });
  }

  cancelTimer(handle: number): void {
    this.loop.cancel(handle);
  }

  trace(kind: string, fields: Record<string, unknown>): void {
    this.records.push({ at: this.loop.now, kind, fields });
  }

  connect(): void {
    this.connects++;
    this.onConnect?.();
  }

  close(): void {
    this.closes++;
    this.onClose?.();
  }

  of(kind: string): TraceRec[] {
    return this.records.filter((r) => r.kind === kind);
  }

  /** All octets written, as one array. */
  allWritten(): Uint8Array {
    return concat(this.written);
  }
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export const LAT_NS = 1_000_000;

/** Two speakers joined by a TCP-like pipe; `a` connects, `b` listens. */
export class Pair {
  readonly loop = new Loop();
  ioA: TestIo;
  ioB: TestIo;
  a: BgpSpeaker;
  b: BgpSpeaker;
  /** Connection number; octets of an older connection are dropped. */
  epoch = 0;
  connected = false;
  /** Octets sent during a partition are lost (the peer's hold timer sees silence). */
  partitioned = false;
  /** Everything that crossed the pipe, per direction, with times (for pcaps). */
  readonly log: Array<{ at: number; from: 'a' | 'b'; bytes: Uint8Array; epoch: number }> = [];
  /**
   * An NSR backup of side a: it sees what a writes as a writes it (SDRL replicates before
   * the wire, SPEC S-1) and what b sends as it arrives (PRL), until failover().
   */
  snooper: BgpSpeaker | undefined;
  snooperIo: TestIo | undefined;
  /** Drop what a writes from the snooper's view (a mutant that misses one direction). */
  snoopOutLost = false;
  snoopInLost = false;

  constructor(
    aCfg: BgpConfig,
    bCfg: BgpConfig,
    readonly latencyNs = LAT_NS,
  ) {
    this.ioA = new TestIo(this.loop, aCfg.name, 'a');
    this.ioB = new TestIo(this.loop, bCfg.name, 'b');
    this.a = this.bind(this.ioA, aCfg);
    this.b = this.bind(this.ioB, bCfg);
  }

  private bind(io: TestIo, cfg: BgpConfig): BgpSpeaker {
    const sp = new BgpSpeaker(cfg, io);
    io.engine = sp;
    io.onConnect = () => this.loop.schedule(this.latencyNs, () => this.establish());
    io.onClose = () => this.fin(io);
    return sp;
  }

  start(): void {
    this.b.start('active');
    this.a.start('active');
  }

  private establish(): void {
    if (this.connected || !this.b.acceptsConnection() || !this.a.acceptsConnection()) {
      this.a.onClosed('refused');
      return;
    }
    this.epoch++;
    this.connected = true;
    const e = this.epoch;
    this.ioA.sink = (bytes) => this.carry('a', bytes, e);
    this.ioB.sink = (bytes) => this.carry('b', bytes, e);
    this.b.onConnected();
    // The master's new socket is replicated from its start (offset 0); the sync carries the
    // routes the master already holds (graceful-restart state survives connections).
    this.snooper?.resume(syncAtStart(this.a.routes.snapshot()));
    this.a.onConnected();
  }

  private carry(from: 'a' | 'b', bytes: Uint8Array, e: number): void {
    this.log.push({ at: this.loop.now, from, bytes, epoch: e });
    const s = this.snooper;
    if (from === 'a' && s !== undefined && !this.snoopOutLost) s.snoopOut(bytes);
    if (this.partitioned) return;
    this.loop.schedule(this.latencyNs, () => {
      if (this.epoch !== e || !this.connected) return;
      if (from === 'a') {
        this.b.input(bytes);
        return;
      }
      this.a.input(bytes);
      const s2 = this.snooper;
      if (s2 !== undefined && !this.snoopInLost) s2.snoopIn(bytes);
    });
  }

  /** One side closed (FIN after its data): the other sees the close a latency later. */
  private fin(io: TestIo): void {
    const e = this.epoch;
    io.sink = undefined;
    const other = io === this.ioA ? () => this.b : () => this.a;
    this.loop.schedule(this.latencyNs, () => {
      if (this.epoch !== e || !this.connected) return;
      this.connected = false;
      other().onClosed('fin');
      if (io === this.ioB) this.snooper?.onClosed('fin');
    });
    // The master closing its socket tears the replicated one down too.
    if (io === this.ioA) this.snooper?.onClosed('fin');
  }

  /** A TCP reset seen by both ends at once. */
  reset(): void {
    if (!this.connected) return;
    this.connected = false;
    this.epoch++;
    this.ioA.sink = this.ioB.sink = undefined;
    this.a.onClosed('reset');
    this.snooper?.onClosed('reset');
    this.b.onClosed('reset');
  }

  /** Side a's box dies: nothing more from it; b sees a reset `afterNs` later (or never). */
  killA(afterNs: number | undefined): void {
    this.ioA.alive = false;
    this.ioA.sink = undefined;
    const e = this.epoch;
    if (afterNs === undefined) return;
    this.loop.schedule(afterNs, () => {
      if (this.epoch !== e || !this.connected) return;
      this.connected = false;
      this.epoch++;
      this.b.onClosed('reset');
    });
  }

  /** Adds an NSR snooper for side a, started in snoop mode and resumed at `sync` (none: offset 0). */
  addSnooper(cfg: BgpConfig, sync?: BgpSync): BgpSpeaker {
    const io = new TestIo(this.loop, `${cfg.name}-backup`, 'backup');
    const sp = new BgpSpeaker(cfg, io);
    io.engine = sp;
    sp.start('snoop');
    if (this.connected) sp.resume(sync ?? this.a.syncPoint());
    this.snooper = sp;
    this.snooperIo = io;
    return sp;
  }

  /** The master of side a dies and its snooper takes over (SPEC B-3): b must not notice. */
  failover(): BgpSpeaker {
    const sp = this.snooper;
    const io = this.snooperIo;
    if (sp === undefined || io === undefined) throw new Error('no snooper');
    this.ioA.alive = false;
    this.ioA.sink = undefined;
    this.snooper = this.snooperIo = undefined;
    const e = this.epoch;
    this.a = sp;
    this.ioA = io;
    io.onConnect = () => this.loop.schedule(this.latencyNs, () => this.establish());
    io.onClose = () => this.fin(io);
    io.sink = (bytes) => this.carry('a', bytes, e);
    sp.takeover();
    return sp;
  }

  /** A new speaker for side a (a restarted router), started active. */
  replaceA(cfg: BgpConfig): BgpSpeaker {
    this.ioA = new TestIo(this.loop, cfg.name, `a${this.epoch}`);
    this.a = this.bind(this.ioA, cfg);
    this.a.start('active');
    return this.a;
  }
}

export const ROUTER = 0x0a000001; // 10.0.0.1
export const PEER = 0x0a000002; // 10.0.0.2

export function routerCfg(over: Partial<BgpConfig> = {}): BgpConfig {
  return bgpConfig({
    name: 'router',
    localAs: 65000,
    peerAs: 65001,
    bgpId: ROUTER,
    nextHop: ROUTER,
    table: { prefixCount: 50, firstPrefix: 0xc6120000, prefixLen: 24, churnPerSec: 0 },
    ...over,
  });
}

export function peerCfg(over: Partial<BgpConfig> = {}): BgpConfig {
  return bgpConfig({
    name: 'peer',
    localAs: 65001,
    peerAs: 65000,
    bgpId: PEER,
    nextHop: PEER,
    passive: true,
    table: { prefixCount: 30, firstPrefix: 0xcb007100, prefixLen: 28, churnPerSec: 0 },
    ...over,
  });
}
