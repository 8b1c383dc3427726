// Shared helpers for the NSR tests: an NSR WorldConfig builder (world-fixture.ts has no
// NSR fields), a harness that keeps every trace record, trace queries, a traffic
// "silence" switch for quiescent comparisons, and test-only injection: an extra actor
// that runs a closure at a chosen instant (to hand a KKCM a message, or to write raw
// bytes into a channel's TCP connection as if the other RE's KKCM had written them).
import { attachCheckers } from '../../../model/checks/index.ts';
import {
  DEFAULT_ROUTER,
  type FaultAction,
  type FaultConfig,
  type PeerConfig,
  type RouterConfig,
  type WorldConfig,
} from '../../../model/config.ts';
import type { LinkParams } from '../../../model/net/link.ts';
import { KKCM_PORTS, type Channel } from '../../../model/nsr/kkcm.ts';
import type { NsrState, Rep } from '../../../model/nsr/state.ts';
import type {
  MutantName,
  NsrBounds,
  NsrCosts,
  NsrOptions,
  NsrTimers,
} from '../../../model/nsr/options.ts';
import { encodeMessage, type NsrMessage } from '../../../model/nsr/wire.ts';
import type { TcpConnection } from '../../../model/tcp/tcp.ts';
import { RE_INTERNAL_ADDR, World, type WorldStats } from '../../../model/world.ts';
import {
  MemorySink,
  SEC,
  type Actor,
  type ActorContext,
  type ActorId,
  type Message,
  type RunResult,
  type TraceRecord,
  type Violation,
} from '../../../sim/index.ts';
import { peer, worldConfig } from '../world-fixture.ts';
import { K } from '../../../model/vocab.ts';

export { peer };

export interface NsrWorldOverrides {
  name?: string;
  seed?: number;
  durationNs?: number;
  peers?: PeerConfig[];
  faults?: FaultConfig[];
  link?: Partial<LinkParams>;
  opts?: Partial<NsrOptions>;
  timers?: Partial<NsrTimers>;
  bounds?: Partial<NsrBounds>;
  costs?: Partial<NsrCosts>;
  mutant?: MutantName;
  router?: Partial<RouterConfig>;
}

/** A WorldConfig with NSR on: one peer "pa", one peer-initiated session, 2 s, seed 1, unless overridden. */
export function nsrConfig(o: NsrWorldOverrides = {}): WorldConfig {
  return worldConfig({
    name: o.name ?? 'nsr-test',
    seed: o.seed ?? 1,
    durationNs: o.durationNs ?? 2 * SEC,
    ...(o.peers === undefined ? {} : { peers: o.peers }),
    ...(o.faults === undefined ? {} : { faults: o.faults }),
    ...(o.link === undefined ? {} : { link: o.link }),
    router: {
      ...DEFAULT_ROUTER,
      nsr: true,
      nsrOptions: o.opts ?? {},
      nsrTimers: o.timers ?? {},
      nsrBounds: o.bounds ?? {},
      nsrCosts: o.costs ?? {},
      mutant: o.mutant,
      ...o.router,
    },
  });
}

export function fault(atNs: number, action: FaultAction): FaultConfig {
  return { when: { atNs }, action };
}

interface CallMsg extends Message {
  readonly type: 'test.call';
  readonly fn: (ctx: ActorContext) => void;
}

/** A test-only actor: runs closures at chosen instants, inside the simulation. */
class Injector implements Actor<CallMsg> {
  receive(msg: CallMsg, ctx: ActorContext): void {
    msg.fn(ctx);
  }
}

export class Harness {
  readonly sink = new MemorySink();
  readonly world: World;
  private readonly injectorId: ActorId;
  private last: RunResult | undefined;

  constructor(
    readonly cfg: WorldConfig,
    opts: { checkers?: boolean } = {},
  ) {
    this.world = new World(cfg, { sinks: [this.sink] });
    if (opts.checkers ?? true) attachCheckers(this.world, 'all');
    this.injectorId = this.world.sim.addActor('test', new Injector() as Actor);
  }

  get recs(): readonly TraceRecord[] {
    return this.sink.records;
  }

  get now(): number {
    return this.world.sim.now;
  }

  /** Runs up to `untilNs` (absolute simulated time). */
  runTo(untilNs: number): this {
    this.last = this.world.sim.run({ untilNs, maxEvents: this.cfg.maxEvents });
    return this;
  }

  /** Runs until `pred` holds after an event (or `limitNs`). */
  runUntil(pred: () => boolean, limitNs: number): this {
    this.last = this.world.sim.run({
      until: pred,
      untilNs: limitNs,
      maxEvents: this.cfg.maxEvents,
    });
    return this;
  }

  /** Runs to the configured duration and returns the checkers' violations. */
  finish(): readonly Violation[] {
    if (this.now < this.cfg.durationNs) this.runTo(this.cfg.durationNs);
    const run = this.last ?? this.world.sim.run({ untilNs: this.cfg.durationNs });
    return this.world.sim.finish(run);
  }

  /** The world's statistics (World.stats) after the last run. */
  stats(): WorldStats {
    if (this.last === undefined) throw new Error('Harness.stats: nothing has run yet');
    return this.world.stats(this.last);
  }

  /** Runs `fn` inside the simulation at `atNs` (from a test-only actor). */
  at(atNs: number, fn: (ctx: ActorContext) => void): void {
    this.world.sim.inject(this.injectorId, { type: 'test.call', fn } satisfies CallMsg, atNs);
  }

  /**
   * Hands `msg` to RE `re`'s KKCM at `atNs`, as if one of its clients had sent it (K-4); a
   * function is called then, to build the message from the live state of that moment.
   */
  sendVia(re: 0 | 1, atNs: number, msg: NsrMessage | (() => NsrMessage)): void {
    this.at(atNs, (ctx) => {
      const err = this.nsr(re).kkcm.send(ctx, typeof msg === 'function' ? msg() : msg);
      if (err !== undefined) throw new Error(`sendVia: ${err}`);
    });
  }

  /** Writes raw bytes into RE `re`'s end of channel `ch` at `atNs` (they reach the other RE's KKCM input). */
  writeRaw(re: 0 | 1, ch: Channel, atNs: number, bytes: Uint8Array): void {
    this.at(atNs, () => {
      const conn = channelConn(this.world, re, ch);
      if (conn === undefined) throw new Error(`writeRaw: no ${ch} channel on re${re}`);
      const n = conn.write(bytes);
      if (n !== bytes.length)
        throw new Error(`writeRaw: so_snd took ${n} of ${bytes.length} bytes`);
    });
  }

  /** The replicated socket of session `s` on RE `re` (it must be in the table). */
  rep(re: 0 | 1, s = 'pa/0'): Rep {
    const rep = this.nsr(re).bySession.get(s);
    if (rep === undefined) throw new Error(`no replicated ${s} on re${re}`);
    return rep;
  }

  nsr(re: 0 | 1): NsrState {
    const n = this.world.res[re].nsr;
    if (n === undefined) throw new Error(`re${re} has no NSR kernel`);
    return n;
  }

  /** Records of `kind` (exact, or a RegExp), optionally by actor (exact name, or prefix ending in '/'). */
  of(kind: string | RegExp, actor?: string): TraceRecord[] {
    return this.recs.filter(
      (r) =>
        (typeof kind === 'string' ? r.kind === kind : kind.test(r.kind)) &&
        (actor === undefined ||
          (actor.endsWith('/')
            ? r.actor.startsWith(actor) || r.actor === actor.slice(0, -1)
            : r.actor === actor)),
    );
  }

  /** kkcm.tx records of message type `t` sent by RE `re`'s clients. */
  tx(re: 0 | 1, t?: string): TraceRecord[] {
    return this.of(K.kkcm.tx, `re${re}/`).filter((r) => t === undefined || r.fields.t === t);
  }

  /** kkcm.rx records of message type `t` received by RE `re`. */
  rx(re: 0 | 1, t?: string): TraceRecord[] {
    return this.of(K.kkcm.rx, `re${re}/kkcm`).filter((r) => t === undefined || r.fields.t === t);
  }

  /** 'send' records (the simulator's relay trace) of message type `type` from `from` to `to`. */
  sends(type: string, from?: string, to?: string): TraceRecord[] {
    return this.recs.filter(
      (r) =>
        r.kind === K.sim.send &&
        r.fields.type === type &&
        (from === undefined || r.actor === from) &&
        (to === undefined || r.fields.to === to),
    );
  }

  /**
   * Wraps RE `re`'s KKCM sender so every message its clients hand it is also recorded
   * here (with the instant). Call after the run started (the KKCM installs its sender at
   * start) and before the messages of interest.
   */
  capture(re: 0 | 1): Array<{ t: number; msg: NsrMessage }> {
    const nsr = this.nsr(re);
    const inner = nsr.kkcm;
    const out: Array<{ t: number; msg: NsrMessage }> = [];
    const sim = this.world.sim;
    nsr.kkcm = {
      get ready() {
        return inner.ready;
      },
      send(ctx, msg) {
        out.push({ t: sim.now, msg });
        return inner.send(ctx, msg);
      },
    };
    return out;
  }
}

/** RE `re`'s TCP connection for KKCM channel `ch` (RE0 accepted it on the port, RE1 connected to it). */
export function channelConn(world: World, re: 0 | 1, ch: Channel): TcpConnection | undefined {
  const stack = world.res[re].stack(RE_INTERNAL_ADDR[re]);
  const port = KKCM_PORTS[ch];
  for (const c of stack.connections()) {
    const mine = re === 0 ? c.lport === port : c.fport === port;
    if (mine && c.t_state === 'ESTABLISHED') return c;
  }
  return undefined;
}

/** Stops every application writer (peer and router) from producing new records. */
export function silence(cfg: WorldConfig): void {
  for (const p of cfg.peers) {
    p.toRouter.ratePerSec = 0;
    p.fromRouter.ratePerSec = 0;
  }
}

/** Median of a non-empty list of numbers. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of nothing');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Index of the first record matching `pred`, or -1. */
export function firstIndex(
  recs: readonly TraceRecord[],
  pred: (r: TraceRecord) => boolean,
): number {
  return recs.findIndex(pred);
}

/** A traffic spec at `rate` records/s of sizes in [min, max]. */
export function traffic(
  rate: number,
  min = 64,
  max = 1460,
): { ratePerSec: number; sizeMin: number; sizeMax: number } {
  return { ratePerSec: rate, sizeMin: min, sizeMax: max };
}

/** `msg` encoded with one byte too many (its header counts it): well framed, does not parse (K-5). */
export function trailing(msg: NsrMessage, encoding: 'ipc' | 'tlv' = 'ipc'): Uint8Array {
  const b = encodeMessage(msg, encoding, 1);
  const out = new Uint8Array(b.length + 1);
  out.set(b);
  new DataView(out.buffer, out.byteOffset, out.byteLength).setUint32(4, out.length);
  return out;
}
