// Proves that the kernel's assertions guard the contracts a caller can break (GUIDE §4): a
// message scheduled in the past or with a bad delay, bad run bounds, finishing from inside
// a handler, a queue event id push() never returned, a bad priority or time pushed, a
// function subscribed twice to Observers or removed twice, a trace sink or listener added
// twice, a record caused by a later one, and random draws with arguments outside their
// domain; and that the legal uses next to each (cancelling twice, removing once) still work.
import { describe, expect, it } from 'vitest';
import {
  AssertionError,
  EventQueue,
  MemorySink,
  Observers,
  PRIO_MAX,
  PRIO_NORMAL,
  Rng,
  Simulation,
  Trace,
} from '../../sim/index.ts';
import type { ActorContext, Message } from '../../sim/index.ts';

/** A simulation with one actor that runs `onMsg` for each message it gets. */
function oneActor(onMsg: (ctx: ActorContext, msg: Message) => void): {
  sim: Simulation;
  id: number;
} {
  const sim = new Simulation({ seed: 1, hash: false });
  const id = sim.addActor('a', { receive: (msg, ctx) => onMsg(ctx, msg) });
  return { sim, id };
}

describe('Simulation: scheduling and run contracts', () => {
  it('refuses a negative or fractional delay from send and startTimer', () => {
    // Proves a handler cannot schedule into the past or between nanoseconds.
    const errors: unknown[] = [];
    const { sim, id } = oneActor((ctx) => {
      for (const f of [
        () => ctx.send(ctx.id, { type: 'x' }, -1),
        () => ctx.send(ctx.id, { type: 'x' }, 0.5),
        () => ctx.startTimer(-5, { type: 'x' }),
        () => ctx.startTimer(Number.NaN, { type: 'x' }),
      ]) {
        try {
          f();
        } catch (e) {
          errors.push(e);
        }
      }
    });
    sim.inject(id, { type: 'go' }, 10);
    sim.run();
    expect(errors).toHaveLength(4);
    for (const e of errors) expect(e).toBeInstanceOf(RangeError);
    expect(sim.pending).toBe(0);
  });

  it('refuses to inject before now and a message without a type', () => {
    // Proves injections are checked against the clock and the message shape.
    const { sim, id } = oneActor(() => {});
    sim.run({ untilNs: 1_000 });
    expect(() => sim.inject(id, { type: 'late' }, 999)).toThrow(RangeError);
    expect(() => sim.inject(id, { type: '' }, 2_000)).toThrow(AssertionError);
    expect(() => sim.inject(id, { type: 'ok' }, 1_000)).not.toThrow();
  });

  it('refuses a negative or fractional maxEvents, in the options and per run', () => {
    // Proves the run bound is an integer >= 0 wherever it is given.
    expect(() => new Simulation({ seed: 1, maxEvents: -1 })).toThrow(RangeError);
    expect(() => new Simulation({ seed: 1, maxEvents: 1.5 })).toThrow(RangeError);
    const sim = new Simulation({ seed: 1, hash: false });
    expect(() => sim.run({ maxEvents: -3 })).toThrow(RangeError);
    expect(sim.run({ maxEvents: 0 }).reason).toBe('idle');
  });

  it('refuses finish() from inside a handler, which would close the sinks under the run', () => {
    // Proves finish is only legal once run() has returned.
    let inner: unknown;
    const sim = new Simulation({ seed: 1, hash: false });
    const id = sim.addActor('a', {
      receive() {
        try {
          sim.finish({ reason: 'idle', boundHit: false, events: 0, simulatedNs: 0, wallMs: 0 });
        } catch (e) {
          inner = e;
        }
      },
    });
    sim.inject(id, { type: 'go' }, 1);
    const res = sim.run();
    expect(inner).toBeInstanceOf(AssertionError);
    expect(() => sim.finish(res)).not.toThrow();
  });

  it('refuses an empty actor name', () => {
    // Proves every trace record can name its actor.
    expect(() => new Simulation({ seed: 1 }).addActor('', { receive() {} })).toThrow(/empty/);
  });
});

describe('EventQueue contracts', () => {
  it('cancelling twice answers false the second time and leaves the count alone', () => {
    // Proves a double cancel is a legal no-op, not a corruption of the live count.
    const q = new EventQueue(16);
    const a = q.push(5, PRIO_NORMAL, 0, 0, -1, 'a');
    q.push(6, PRIO_NORMAL, 0, 0, -1, 'b');
    expect(q.cancel(a)).toBe(true);
    expect(q.cancel(a)).toBe(false);
    expect(q.size).toBe(1);
    expect(q.take()).toBe(true);
    expect(q.lastMessage).toBe('b');
    expect(q.take()).toBe(false);
  });

  it('refuses to cancel an id push() never returned', () => {
    // Proves a negative, fractional or NaN id is caught instead of matching some slot.
    const q = new EventQueue(16);
    q.push(5, PRIO_NORMAL, 0, 0, -1, 'a');
    for (const id of [-1, 0.5, Number.NaN]) expect(() => q.cancel(id)).toThrow(AssertionError);
    expect(q.size).toBe(1);
  });

  it('refuses a time, priority, target or incarnation that does not fit its typed array', () => {
    // Proves nothing is silently truncated into the heap or the slot table.
    const q = new EventQueue(16);
    expect(() => q.push(-1, PRIO_NORMAL, 0, 0, -1, 'x')).toThrow(AssertionError);
    expect(() => q.push(1.5, PRIO_NORMAL, 0, 0, -1, 'x')).toThrow(AssertionError);
    expect(() => q.push(1, PRIO_MAX + 1, 0, 0, -1, 'x')).toThrow(AssertionError);
    expect(() => q.push(1, PRIO_NORMAL, 2 ** 31, 0, -1, 'x')).toThrow(AssertionError);
    expect(() => q.push(1, PRIO_NORMAL, 0, -2, -1, 'x')).toThrow(AssertionError);
    expect(q.size).toBe(0);
    expect(() => new EventQueue(0)).toThrow(AssertionError);
  });
});

describe('Observers contracts', () => {
  it('refuses the same function twice and a remover called twice; removing once works', () => {
    // Proves a remover takes away exactly its own subscription.
    const o = new Observers<[number]>();
    const got: number[] = [];
    const f = (n: number): void => void got.push(n);
    const remove = o.subscribe(f);
    expect(() => o.subscribe(f)).toThrow(AssertionError);
    o.publish(1);
    remove();
    expect(o.empty).toBe(true);
    o.publish(2);
    expect(got).toEqual([1]);
    expect(() => remove()).toThrow(AssertionError);
  });
});

describe('Trace contracts', () => {
  it('refuses a sink or listener added twice and a record caused by a later one', () => {
    // Proves every consumer sees each record once, and causes point backwards.
    const t = new Trace();
    const sink = new MemorySink();
    t.addSink(sink);
    expect(() => t.addSink(sink)).toThrow(AssertionError);
    const l = (): void => {};
    t.addListener(l);
    expect(() => t.addListener(l)).toThrow(AssertionError);
    expect(t.emit(0, -1, 'a', 'k', {})).toBe(0);
    expect(() => t.emit(0, 5, 'a', 'k', {})).toThrow(AssertionError);
    expect(() => t.emit(-1, -1, 'a', 'k', {})).toThrow(AssertionError);
    expect(() => t.skip()).toThrow(AssertionError);
    expect(sink.records).toHaveLength(1);
  });
});

describe('Rng contracts', () => {
  it('refuses draws with arguments outside their domain', () => {
    // Proves a bad probability, ratio, mean or seed is caught instead of drawing quietly.
    const r = new Rng(1, 'x');
    expect(() => r.chanceProb(1.5)).toThrow(AssertionError);
    expect(() => r.chanceProb(Number.NaN)).toThrow(AssertionError);
    expect(() => r.chance(1, 0)).toThrow(AssertionError);
    expect(() => r.chance(0.5, 2)).toThrow(AssertionError);
    expect(() => r.exponential(-1)).toThrow(AssertionError);
    expect(() => r.normal(0, -1)).toThrow(AssertionError);
    expect(() => new Rng(Number.NaN, 'x')).toThrow(AssertionError);
    expect(r.draws).toBe(0);
  });
});
