// A test bench for the MSDP engine: a virtual clock and a stand-in for the phase-2
// application-protocol layer. Boxes (routers) run a master speaker and, for NSR, a backup
// speaker; a connection carries each direction as a byte log. It models what the engine
// must survive, not TCP: so_snd limits (partial writes), arbitrary read chunking, the
// backup's snoop buffers lagging the master, replication before transmission (SPEC S-1:
// a master crash loses exactly its unreplicated tail), takeover, late joiners (sync point)
// and crashes without a backup.
import { Rng } from '../../../../sim/index.ts';
import type { Ipv4 } from '../../../../model/net/segment.ts';
import {
  MsdpDecoder,
  MsdpSpeaker,
  type MsdpConfig,
  type MsdpMessage,
  type MsdpSession,
  type ProtocolIo,
  type SpeakerIo,
} from '../../../../model/app/msdp/index.ts';

// ------------------------------------------------------------------------------- clock

interface Ev {
  at: number;
  seq: number;
  fn: () => void;
}

/** A binary-heap event queue ordered by (time, insertion). */
export class Clock {
  now = 0;
  private seq = 0;
  private readonly heap: Ev[] = [];
  private readonly cancelled = new Set<number>();
  events = 0;

  after(delayNs: number, fn: () => void): number {
    if (!Number.isSafeInteger(delayNs) || delayNs < 0) throw new Error(`bad delay ${delayNs}`);
    const ev = { at: this.now + delayNs, seq: this.seq++, fn };
    this.heap.push(ev);
    this.up(this.heap.length - 1);
    return ev.seq;
  }

  cancel(handle: number): void {
    this.cancelled.add(handle);
  }

  /** Runs every event due up to `until` (inclusive); the clock ends at `until`. */
  runUntil(until: number): void {
    for (;;) {
      const top = this.heap[0];
      if (top === undefined || top.at > until) break;
      this.pop();
      if (this.cancelled.delete(top.seq)) continue;
      this.now = top.at;
      this.events++;
      if (this.events > 50_000_000) throw new Error('lab: event bound');
      top.fn();
    }
    this.now = until;
  }

  runFor(ns: number): void {
    this.runUntil(this.now + ns);
  }

  private less(a: Ev, b: Ev): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }
  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i] as Ev, h[p] as Ev)) break;
      [h[i], h[p]] = [h[p] as Ev, h[i] as Ev];
      i = p;
    }
  }
  private pop(): void {
    const h = this.heap;
    const last = h.pop() as Ev;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l] as Ev, h[m] as Ev)) m = l;
      if (r < h.length && this.less(h[r] as Ev, h[m] as Ev)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m] as Ev, h[i] as Ev];
      i = m;
    }
  }
}

// ---------------------------------------------------------------------------- byte log

/** One direction's bytes, by stream offset. */
export class ByteLog {
  private buf = new Uint8Array(1024);
  end = 0;

  append(b: Uint8Array): void {
    if (this.end + b.length > this.buf.length) {
      const n = new Uint8Array(Math.max(this.buf.length * 2, this.end + b.length));
      n.set(this.buf.subarray(0, this.end));
      this.buf = n;
    }
    this.buf.set(b, this.end);
    this.end += b.length;
  }

  read(from: number, to: number): Uint8Array {
    return this.buf.slice(from, to);
  }

  truncate(to: number): void {
    this.end = Math.min(this.end, to);
  }
}

// ------------------------------------------------------------------------- boxes, conns

export interface TraceRec {
  t: number;
  who: string;
  kind: string;
  fields: Record<string, unknown>;
}

export interface Instance {
  name: string;
  speaker: MsdpSpeaker;
  alive: boolean;
}

export interface LabOptions {
  seed: number;
  latencyNs: number;
  /** Master write -> replicated to the backup and released to the wire (SPEC S-1). */
  replDelayNs: number;
  /** Arrival -> the master's application reads it. */
  readDelayNs: number;
  /** Arrival -> the backup's snooping application reads it. */
  snoopDelayNs: number;
  /** so_snd: bytes written but not yet arrived at the other side, at most. */
  sndBufBytes: number;
  /** Reads and snoop deliveries are cut in random pieces of 1..chunkMax bytes. */
  chunkMax: number;
}

export const DEFAULT_LAB: LabOptions = {
  seed: 1,
  latencyNs: 2_000_000,
  replDelayNs: 0,
  readDelayNs: 0,
  snoopDelayNs: 0,
  sndBufBytes: 1 << 20,
  chunkMax: 1 << 20,
};

export class Box {
  master: Instance;
  backup: Instance | undefined;
  /** SPEC D-7's knob: false = MSDP NSR disabled, the sockets are not replicated. */
  replicate = true;
  constructor(
    readonly name: string,
    readonly cfg: MsdpConfig,
  ) {
    this.master = undefined as unknown as Instance;
  }
  get addr(): Ipv4 {
    return this.cfg.local;
  }
}

/** One box's end of a connection. */
export class Half {
  primary: MsdpSession | undefined;
  primaryInst: Instance;
  secondary: MsdpSession | undefined;
  secondaryInst: Instance | undefined;
  /** What this end wrote; replPos: replicated and released to the wire. */
  readonly out = new ByteLog();
  replPos = 0;
  /** Where the secondary's outbound snoop began (a late joiner's sync point). */
  secStartOut = 0;
  acked = 0;
  blocked = false;
  /** What arrived from the other end; how far each application has read it. */
  readonly inn = new ByteLog();
  primaryPos = 0;
  secondaryPos = 0;
  /** The other end's MSDP stream as this box's wire sees it (an independent decoder). */
  readonly judge = new MsdpDecoder();
  readonly arrivals: Array<{ t: number; m: MsdpMessage }> = [];
  judgeErrors = 0;
  constructor(
    readonly box: Box,
    inst: Instance,
  ) {
    this.primaryInst = inst;
  }
}

export class Conn {
  closed = false;
  constructor(readonly halves: [Half, Half]) {}
  half(box: Box): Half {
    const h = this.halves.find((x) => x.box === box);
    if (h === undefined) throw new Error('lab: box not on connection');
    return h;
  }
  other(h: Half): Half {
    return this.halves[0] === h ? this.halves[1] : this.halves[0];
  }
}

export class MsdpLab {
  readonly clock = new Clock();
  readonly opts: LabOptions;
  readonly boxes = new Map<Ipv4, Box>();
  readonly conns: Conn[] = [];
  readonly traces: TraceRec[] = [];
  private readonly rng: Rng;
  /** Off: traces are counted, not kept (long runs). */
  keepTraces = true;
  traceCount = 0;
  /** Every transmission on a wire (for pcaps): time, from, to, bytes. */
  readonly wire: Array<{ t: number; from: Ipv4; to: Ipv4; bytes: Uint8Array }> = [];

  constructor(opts: Partial<LabOptions> = {}) {
    this.opts = { ...DEFAULT_LAB, ...opts };
    this.rng = new Rng(this.opts.seed, 'lab');
  }

  addBox(name: string, cfg: MsdpConfig, nsr = false): Box {
    const box = new Box(name, cfg);
    box.master = this.instance(box, `${name}/re0`);
    if (nsr) box.backup = this.instance(box, `${name}/re1`);
    this.boxes.set(cfg.local, box);
    return box;
  }

  /** Starts every box: masters bring peerings up, backups wait. */
  start(): void {
    for (const b of this.boxes.values()) {
      b.master.speaker.start('master');
      b.backup?.speaker.start('backup');
    }
  }

  run(untilNs: number): void {
    this.clock.runUntil(untilNs);
  }

  connsOf(box: Box): Conn[] {
    return this.conns.filter((c) => !c.closed && c.halves.some((h) => h.box === box));
  }

  /** The live connection between two boxes, if any. */
  conn(a: Box, b: Box): Conn | undefined {
    return this.connsOf(a).find((c) => c.halves.some((h) => h.box === b));
  }

  /** Every MSDP message that arrived at `box`'s wire on any of its connections, by time. */
  arrivalsAt(box: Box): Array<{ t: number; m: MsdpMessage; from: Ipv4 }> {
    return this.conns
      .flatMap((c) =>
        c.halves
          .filter((h) => h.box === box)
          .flatMap((h) => h.arrivals.map((a) => ({ ...a, from: c.other(h).box.addr }))),
      )
      .sort((a, b) => a.t - b.t);
  }

  tracesOf(kind: string, who?: string): TraceRec[] {
    return this.traces.filter((r) => r.kind === kind && (who === undefined || r.who === who));
  }

  // ------------------------------------------------------------------ faults

  /**
   * The master RE dies; the backup (if any) takes over every replicated session. As the
   * layer must: first every snoop buffer of every session is drained, then each session
   * takes over (a forward the old master already sent on one socket is known to the
   * backup only once it has read the other socket's arrival), then the speaker.
   */
  failover(box: Box): void {
    const dead = box.master;
    const next = box.backup;
    dead.alive = false;
    dead.speaker.shutdown();
    const halves = this.connsOf(box).map((c) => c.half(box));
    for (const h of halves) {
      h.out.truncate(h.replPos); // SPEC S-1: the unreplicated tail never reaches the wire
      this.pumpSecondary(h);
    }
    for (const h of halves) {
      const s = h.secondary;
      h.primary = s;
      h.secondary = undefined;
      if (s === undefined || next === undefined) continue;
      h.primaryInst = next;
      h.secondaryInst = undefined;
      h.primaryPos = h.secondaryPos;
      h.blocked = false;
      s.takeover();
    }
    if (next === undefined) return;
    next.speaker.becomeMaster();
    box.master = next;
    box.backup = undefined;
  }

  /** A backup RE boots late and joins every live session at its sync point. */
  joinBackup(box: Box): void {
    if (box.backup !== undefined) throw new Error('lab: backup present');
    const inst = this.instance(box, `${box.name}/re${box.master.name.endsWith('re0') ? 1 : 0}`);
    box.backup = inst;
    inst.speaker.start('backup');
    for (const c of this.connsOf(box)) {
      const h = c.half(box);
      const p = h.primary;
      if (p === undefined || !p.established) continue;
      const sync = p.syncPoint();
      if (sync.inOffset !== h.primaryPos || sync.outOffset !== h.out.end)
        throw new Error('lab: sync point out of step with the connection');
      const s = this.attach(c, h, inst);
      h.secondary = s;
      h.secondaryInst = inst;
      h.secStartOut = sync.outOffset;
      h.secondaryPos = sync.inOffset;
      s.resume(sync);
    }
  }

  // ------------------------------------------------------------------ internals

  private record(who: string, kind: string, fields: Record<string, unknown>): void {
    this.traceCount++;
    if (this.keepTraces) this.traces.push({ t: this.clock.now, who, kind, fields });
  }

  private instance(box: Box, name: string): Instance {
    const inst = { name, alive: true } as Instance;
    const io: SpeakerIo = {
      now: () => this.clock.now,
      startTimer: (tag, d) => this.clock.after(d, () => inst.alive && inst.speaker.onTimer(tag)),
      cancelTimer: (h) => this.clock.cancel(h),
      trace: (kind, fields) => this.record(name, kind, fields),
      // Same seed and name on both REs of a box (sources.ts).
      rng: new Rng(this.opts.seed, `msdp/${box.name}`),
      connect: (peer) => this.connectFrom(box, inst, peer),
    };
    inst.speaker = new MsdpSpeaker(box.cfg, io);
    return inst;
  }

  private connectFrom(box: Box, inst: Instance, peer: Ipv4): void {
    this.clock.after(this.opts.latencyNs, () => {
      const target = this.boxes.get(peer);
      if (!inst.alive || box.master !== inst || target === undefined || !target.master.alive)
        return;
      const mine = inst.speaker.peerViews().find((v) => v.peer === peer);
      const theirs = target.master.speaker.peerViews().find((v) => v.peer === box.addr);
      if (mine?.state !== 'connecting' || theirs?.state !== 'listen') return;
      this.establish(box, target);
    });
  }

  private establish(a: Box, b: Box): void {
    const c = new Conn([new Half(a, a.master), new Half(b, b.master)]);
    this.conns.push(c);
    for (const h of c.halves) h.primary = this.attach(c, h, h.box.master);
    for (const h of c.halves) {
      const bk = h.box.backup;
      if (bk !== undefined && h.box.replicate) {
        h.secondary = this.attach(c, h, bk);
        h.secondaryInst = bk;
      }
    }
    for (const h of c.halves) {
      h.primary?.start('active');
      h.secondary?.start('snoop');
    }
  }

  private attach(c: Conn, h: Half, inst: Instance): MsdpSession {
    const holder: { s?: MsdpSession } = {};
    const io: ProtocolIo = {
      now: () => this.clock.now,
      write: (bytes) => this.write(c, h, inst, bytes),
      startTimer: (tag, d) => this.clock.after(d, () => inst.alive && holder.s?.onTimer(tag)),
      cancelTimer: (x) => this.clock.cancel(x),
      trace: (kind, fields) => this.record(inst.name, kind, fields),
      rng: new Rng(this.opts.seed, `session/${inst.name}`),
      close: (reason) => this.close(c, h, inst, reason),
    };
    const peer = c.other(h).box.addr;
    holder.s = inst.speaker.attach(peer, io);
    return holder.s;
  }

  private write(c: Conn, h: Half, inst: Instance, bytes: Uint8Array): number {
    if (h.primaryInst !== inst || !inst.alive)
      throw new Error(`lab: ${inst.name} writes as non-primary`);
    if (c.closed) return 0;
    const room = this.opts.sndBufBytes - (h.out.end - h.acked);
    const n = Math.max(0, Math.min(bytes.length, room));
    h.out.append(bytes.subarray(0, n));
    if (n < bytes.length) h.blocked = true;
    const upto = h.out.end;
    this.clock.after(this.opts.replDelayNs, () => this.replicate(c, h, inst, upto));
    return n;
  }

  /** Replication done up to `upto`: the backup sees it, the wire carries it (S-1). */
  private replicate(c: Conn, h: Half, inst: Instance, upto: number): void {
    if (!inst.alive || c.closed || upto <= h.replPos || upto > h.out.end) return;
    const from = h.replPos;
    h.replPos = upto;
    const s = h.secondary;
    const snoopFrom = Math.max(from, h.secStartOut);
    if (s !== undefined && snoopFrom < upto)
      this.chunked(h.out.read(snoopFrom, upto), (b) => s.snoopOut(b));
    const bytes = h.out.read(from, upto);
    const to = c.other(h);
    this.wire.push({ t: this.clock.now, from: h.box.addr, to: to.box.addr, bytes });
    this.clock.after(this.opts.latencyNs, () => this.arrive(c, h, to, bytes));
  }

  private arrive(c: Conn, from: Half, to: Half, bytes: Uint8Array): void {
    if (c.closed) return;
    to.inn.append(bytes);
    for (const ev of to.judge.push(bytes)) {
      if (ev.kind === 'message') to.arrivals.push({ t: this.clock.now, m: ev.message });
      else to.judgeErrors++;
    }
    from.acked += bytes.length;
    if (from.blocked && from.primaryInst.alive) {
      from.blocked = false;
      from.primary?.onWritable();
    }
    this.clock.after(this.opts.readDelayNs, () => this.pumpPrimary(to));
    this.clock.after(this.opts.snoopDelayNs, () => this.pumpSecondary(to));
  }

  private pumpPrimary(h: Half): void {
    const p = h.primary;
    if (p === undefined || !h.primaryInst.alive || h.primaryPos >= h.inn.end) return;
    const bytes = h.inn.read(h.primaryPos, h.inn.end);
    h.primaryPos = h.inn.end;
    this.chunked(bytes, (b) => p.input(b));
  }

  private pumpSecondary(h: Half): void {
    const s = h.secondary;
    if (s === undefined || h.secondaryPos >= h.inn.end) return;
    const bytes = h.inn.read(h.secondaryPos, h.inn.end);
    h.secondaryPos = h.inn.end;
    this.chunked(bytes, (b) => s.snoopIn(b));
  }

  private chunked(bytes: Uint8Array, f: (b: Uint8Array) => void): void {
    let at = 0;
    while (at < bytes.length) {
      const n = Math.min(bytes.length - at, 1 + this.rng.int(this.opts.chunkMax));
      f(bytes.subarray(at, at + n));
      at += n;
    }
  }

  private close(c: Conn, h: Half, inst: Instance, reason: string): void {
    if (c.closed) return;
    c.closed = true;
    this.traces.push({ t: this.clock.now, who: inst.name, kind: 'lab.close', fields: { reason } });
    h.primary?.onClosed('local-close');
    h.secondary?.onClosed('local-close');
    const o = c.other(h);
    this.clock.after(this.opts.latencyNs, () => {
      if (o.primaryInst.alive) o.primary?.onClosed('peer-closed');
      o.secondary?.onClosed('peer-closed');
    });
  }
}
