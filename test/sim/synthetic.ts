// A small synthetic actor system (generator -> lossy relay -> sink, plus a fault controller that crashes and restarts the relay) whose trace hash must depend only on the seed.
import { MS, Simulation } from '../../sim/index.ts';
import type {
  Actor,
  ActorContext,
  ActorId,
  Message,
  TraceSink,
  HasherFactory,
} from '../../sim/index.ts';

export const SYNTHETIC_UNTIL_NS = 20 * MS;
/** Seeds whose hashes are pinned in test/fixtures/determinism-synthetic.json. */
export const FIXTURE_SEEDS = [1, 2, 42, 20240601] as const;

interface Tick extends Message {
  readonly type: 'tick';
}
interface Data extends Message {
  readonly type: 'data';
  readonly n: number;
}
interface Heartbeat extends Message {
  readonly type: 'hb';
}
interface Fault extends Message {
  readonly type: 'crash' | 'restart';
  readonly victim: string;
}

const TICK: Tick = { type: 'tick' };
const HB: Heartbeat = { type: 'hb' };

/** Sends numbered data to the relay at RNG-drawn intervals (multiples of 1us, so instants collide). */
class Generator implements Actor {
  private n = 0;
  private relay: ActorId = -1;
  start(ctx: ActorContext): void {
    this.n = 0;
    this.relay = ctx.actorId('relay');
    ctx.startTimer(ctx.rng.between(1, 20) * 1_000, TICK);
  }
  receive(msg: Message, ctx: ActorContext): void {
    if (msg.type !== 'tick') return;
    this.n++;
    const data: Data = { type: 'data', n: this.n };
    ctx.send(this.relay, data, ctx.rng.between(0, 5) * 1_000);
    ctx.startTimer(ctx.rng.between(1, 20) * 1_000, TICK);
  }
}

/** Forwards data to the sink with a random delay, drops one in eight, and beats every 3ms. */
class Relay implements Actor {
  private forwarded = 0;
  private sink: ActorId = -1;
  start(ctx: ActorContext): void {
    this.forwarded = 0;
    this.sink = ctx.actorId('sink');
    ctx.trace('relay.up');
    ctx.startTimer(3 * MS, HB);
  }
  stop(): void {
    this.forwarded = 0;
  }
  receive(msg: Message, ctx: ActorContext): void {
    if (msg.type === 'hb') {
      ctx.trace('relay.hb', { forwarded: this.forwarded });
      ctx.startTimer(3 * MS, HB);
      return;
    }
    if (msg.type !== 'data') return;
    const data = msg as Data;
    if (ctx.rng.chance(1, 8)) {
      ctx.trace('relay.drop', { n: data.n });
      return;
    }
    this.forwarded++;
    ctx.send(this.sink, data, ctx.rng.between(1, 5) * 1_000);
  }
}

/** Counts what arrives. */
class Sink implements Actor {
  count = 0;
  receive(msg: Message, ctx: ActorContext): void {
    if (msg.type !== 'data') return;
    this.count++;
    ctx.trace('sink.recv', { n: (msg as Data).n, count: this.count });
  }
}

/** Applies faults; it holds the Simulation, as a scenario's fault injector would. */
class Chaos implements Actor {
  constructor(private readonly sim: Simulation) {}
  receive(msg: Message): void {
    const f = msg as Fault;
    const id = this.sim.actorId(f.victim);
    if (f.type === 'crash') this.sim.stopActor(id, 'fault');
    else if (f.type === 'restart') this.sim.restartActor(id);
  }
}

export interface SyntheticSystem {
  readonly sim: Simulation;
  readonly sink: Sink;
  readonly crashAt: number;
  readonly restartAt: number;
}

/**
 * Builds the system without running it. Sinks in `opts.sinks` are attached before the
 * first record (the fault schedule) is emitted, so they see the whole trace.
 */
export function buildSynthetic(
  seed: number,
  opts: { hash?: boolean; hasher?: HasherFactory; sinks?: readonly TraceSink[] } = {},
): SyntheticSystem {
  const sim = new Simulation({
    seed,
    hash: opts.hash ?? true,
    ...(opts.hasher === undefined ? {} : { hasher: opts.hasher }),
  });
  for (const s of opts.sinks ?? []) sim.trace.addSink(s);
  sim.addActor('gen', new Generator());
  sim.addActor('relay', new Relay());
  const sink = new Sink();
  sim.addActor('sink', sink);
  const chaos = sim.addActor('chaos', new Chaos(sim));
  const crash: Fault = { type: 'crash', victim: 'relay' };
  const restart: Fault = { type: 'restart', victim: 'relay' };
  const crashAt = sim.scheduleFault({ betweenNs: [4 * MS, 8 * MS] }, chaos, crash);
  const restartAt = sim.scheduleFault({ betweenNs: [10 * MS, 12 * MS] }, chaos, restart);
  return { sim, sink, crashAt, restartAt };
}

export function runSynthetic(seed: number): { hash: string; records: number } {
  const { sim } = buildSynthetic(seed);
  const result = sim.run({ untilNs: SYNTHETIC_UNTIL_NS });
  if (result.reason !== 'time') throw new Error(`synthetic run ended with ${result.reason}`);
  sim.finish(result);
  const hash = sim.trace.digest();
  if (hash === undefined) throw new Error('synthetic run: hashing is off');
  return { hash, records: sim.trace.count };
}
