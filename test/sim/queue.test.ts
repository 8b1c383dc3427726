// Proves that EventQueue takes events in exactly (time, priority, insertion seq) order, keeps `size` right, exposes the taken event's fields in last*, and honours cancel/sameInstantCount/takeNthSameInstant, by comparing it with a sorted-array reference.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EventQueue, PRIO_NORMAL, PRIO_URGENT } from '../../sim/index.ts';
import type { EventId } from '../../sim/index.ts';

type State = 'pending' | 'taken' | 'cancelled';

interface Entry {
  readonly id: EventId;
  readonly seq: number;
  readonly time: number;
  readonly prio: number;
  readonly msg: { readonly n: number };
  state: State;
}

/** The reference: every entry ever pushed, plus the pending ones kept sorted by key. */
interface Model {
  readonly all: Entry[];
  readonly sorted: Entry[];
}

interface Real {
  readonly q: EventQueue;
}

// The opaque integer fields each entry is pushed with, derived from its seq so that a
// mix-up between slots shows up as a wrong field.
const targetOf = (seq: number) => seq % 7;
const incOf = (seq: number) => (seq * 3) % 11;
const causeOf = (seq: number) => seq * 2 - 1;

function before(a: Entry, b: Entry): boolean {
  if (a.time !== b.time) return a.time < b.time;
  if (a.prio !== b.prio) return a.prio < b.prio;
  return a.seq < b.seq;
}

function insertSorted(sorted: Entry[], e: Entry): void {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (before(sorted[mid] as Entry, e)) lo = mid + 1;
    else hi = mid;
  }
  sorted.splice(lo, 0, e);
}

/** The pending entries due at the earliest (time, priority), in FIFO order. */
function headGroup(m: Model): Entry[] {
  const first = m.sorted[0];
  if (first === undefined) return [];
  return m.sorted.filter((e) => e.time === first.time && e.prio === first.prio);
}

function checkSize(m: Model, r: Real): void {
  expect(r.q.size).toBe(m.sorted.length);
}

function checkHead(m: Model, r: Real): void {
  const first = m.sorted[0];
  expect(r.q.peekTime()).toBe(first === undefined ? Infinity : first.time);
  if (first !== undefined) expect(r.q.peekPrio()).toBe(first.prio);
}

/** Checks that the queue's last* fields describe `e`, then marks it taken in the model. */
function checkTaken(m: Model, r: Real, e: Entry): void {
  expect(r.q.lastTime).toBe(e.time);
  expect(r.q.lastSeq).toBe(e.seq);
  expect(r.q.lastTarget).toBe(targetOf(e.seq));
  expect(r.q.lastInc).toBe(incOf(e.seq));
  expect(r.q.lastCause).toBe(causeOf(e.seq));
  expect(r.q.lastMessage).toBe(e.msg);
  e.state = 'taken';
  m.sorted.splice(m.sorted.indexOf(e), 1);
}

class PushCmd implements fc.Command<Model, Real> {
  constructor(
    readonly time: number,
    readonly prio: number,
  ) {}
  check(): boolean {
    return true;
  }
  run(m: Model, r: Real): void {
    const seq = m.all.length;
    const msg = { n: seq };
    const id = r.q.push(this.time, this.prio, targetOf(seq), incOf(seq), causeOf(seq), msg);
    const e: Entry = { id, seq, time: this.time, prio: this.prio, msg, state: 'pending' };
    m.all.push(e);
    insertSorted(m.sorted, e);
    expect(r.q.pushed).toBe(m.all.length);
    checkSize(m, r);
  }
  toString(): string {
    return `push(${this.time}, ${this.prio})`;
  }
}

/** Cancels any entry ever pushed: true only while it is pending. */
class CancelCmd implements fc.Command<Model, Real> {
  constructor(readonly pick: number) {}
  check(m: Readonly<Model>): boolean {
    return m.all.length > 0;
  }
  run(m: Model, r: Real): void {
    const e = m.all[this.pick % m.all.length] as Entry;
    const expected = e.state === 'pending';
    expect(r.q.cancel(e.id), `cancel of ${e.state} event seq ${e.seq}`).toBe(expected);
    if (expected) {
      e.state = 'cancelled';
      m.sorted.splice(m.sorted.indexOf(e), 1);
    }
    checkSize(m, r);
  }
  toString(): string {
    return `cancel(#${this.pick})`;
  }
}

/** take(); optionally cancels the taken id right away, which must return false. */
class TakeCmd implements fc.Command<Model, Real> {
  constructor(readonly cancelAfter: boolean) {}
  check(): boolean {
    return true;
  }
  run(m: Model, r: Real): void {
    checkHead(m, r);
    const expected = m.sorted[0];
    if (expected === undefined) {
      expect(r.q.take()).toBe(false);
      checkSize(m, r);
      return;
    }
    expect(r.q.take()).toBe(true);
    checkTaken(m, r, expected);
    if (this.cancelAfter)
      expect(r.q.cancel(expected.id), 'cancel of the event just taken').toBe(false);
    checkSize(m, r);
  }
  toString(): string {
    return this.cancelAfter ? 'take+cancel' : 'take';
  }
}

/** sameInstantCount() reports the head group's size and changes nothing. */
class SameInstantCountCmd implements fc.Command<Model, Real> {
  check(): boolean {
    return true;
  }
  run(m: Model, r: Real): void {
    expect(r.q.sameInstantCount()).toBe(headGroup(m).length);
    checkSize(m, r);
    checkHead(m, r);
  }
  toString(): string {
    return 'sameInstantCount';
  }
}

/** takeNthSameInstant(k) takes the k-th of the head group (clamped), the rest stay in order. */
class TakeNthCmd implements fc.Command<Model, Real> {
  constructor(
    readonly k: number,
    readonly cancelAfter: boolean,
  ) {}
  check(): boolean {
    return true;
  }
  run(m: Model, r: Real): void {
    const group = headGroup(m);
    if (group.length === 0) {
      expect(r.q.takeNthSameInstant(this.k)).toBe(false);
      checkSize(m, r);
      return;
    }
    const chosen = group[Math.min(this.k, group.length - 1)] as Entry;
    expect(r.q.takeNthSameInstant(this.k)).toBe(true);
    checkTaken(m, r, chosen);
    if (this.cancelAfter)
      expect(r.q.cancel(chosen.id), 'cancel of the event just taken').toBe(false);
    checkSize(m, r);
    checkHead(m, r);
  }
  toString(): string {
    return `takeNth(${this.k})${this.cancelAfter ? '+cancel' : ''}`;
  }
}

const TIMES = [0, 1, 2, 5, 9] as const;
const pushArb = fc
  .tuple(fc.constantFrom(...TIMES), fc.constantFrom(PRIO_URGENT, PRIO_NORMAL))
  .map(([t, p]) => new PushCmd(t, p));

const commandArb = fc.commands(
  [
    // Pushes are weighted up (listed twice) so the queue grows past its initial capacity.
    pushArb,
    pushArb,
    fc.nat().map((k) => new CancelCmd(k)),
    fc.boolean().map((b) => new TakeCmd(b)),
    fc.constant(new SameInstantCountCmd()),
    fc
      .tuple(
        fc.oneof(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 5, max: 1_000 })),
        fc.boolean(),
      )
      .map(([k, c]) => new TakeNthCmd(k, c)),
  ],
  // size 'large' (up to 400 commands, ~200 on average): fast-check's default size caps
  // command lists at 10, too short to grow past 16 slots or revisit a same-instant group.
  { maxCommands: 400, size: 'large' },
);

describe('EventQueue against a sorted-array reference', () => {
  it('takes in (time, priority, seq) order with matching size and fields under random push/cancel/take/sameInstantCount/takeNthSameInstant', () => {
    fc.assert(
      fc.property(commandArb, (cmds) => {
        // Capacity 16 (the minimum) so that long command lists also exercise growth.
        const setup = () => ({
          model: { all: [], sorted: [] } as Model,
          real: { q: new EventQueue(16) } as Real,
        });
        fc.modelRun(setup, cmds);
      }),
      { numRuns: 300 },
    );
  });

  it('drains to the reference order after a random batch of pushes and cancels', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 3 }),
            fc.constantFrom(PRIO_URGENT, PRIO_NORMAL),
            fc.boolean(),
          ),
          { maxLength: 3000 },
        ),
        (ops) => {
          const q = new EventQueue(16);
          const ref: { seq: number; time: number; prio: number }[] = [];
          ops.forEach(([time, prio, cancel], seq) => {
            const id = q.push(time, prio, 0, 0, -1, seq);
            if (cancel) expect(q.cancel(id)).toBe(true);
            else ref.push({ seq, time, prio });
          });
          ref.sort((a, b) => a.time - b.time || a.prio - b.prio || a.seq - b.seq);
          expect(q.size).toBe(ref.length);
          const got: number[] = [];
          while (q.take()) {
            expect(q.lastMessage).toBe(q.lastSeq);
            got.push(q.lastSeq);
          }
          expect(got).toEqual(ref.map((r) => r.seq));
          expect(q.size).toBe(0);
          expect(q.peekTime()).toBe(Infinity);
        },
      ),
      { numRuns: 100 },
    );
  });
});

/** Takes everything left and returns the messages in order. */
function drain(q: EventQueue): unknown[] {
  const out: unknown[] = [];
  while (q.take()) out.push(q.lastMessage);
  return out;
}

describe('EventQueue examples', () => {
  it('takes an urgent event before a normal one due at the same instant even if pushed later', () => {
    const q = new EventQueue();
    q.push(100, PRIO_NORMAL, 0, 0, -1, 'normal');
    q.push(100, PRIO_URGENT, 0, 0, -1, 'urgent');
    q.push(99, PRIO_NORMAL, 0, 0, -1, 'earlier');
    expect(drain(q)).toEqual(['earlier', 'urgent', 'normal']);
  });

  it('take() exposes every field of the taken event and returns false, changing nothing, when empty', () => {
    const q = new EventQueue();
    const msg = { type: 'm' };
    q.push(42, PRIO_NORMAL, 3, 9, 17, msg);
    expect(q.take()).toBe(true);
    expect(q).toMatchObject({ lastTime: 42, lastTarget: 3, lastInc: 9, lastCause: 17, lastSeq: 0 });
    expect(q.lastMessage).toBe(msg);
    expect(q.size).toBe(0);
    expect(q.take()).toBe(false);
    expect(q).toMatchObject({ lastTime: 42, lastTarget: 3, lastInc: 9, lastCause: 17, lastSeq: 0 });
    expect(q.lastMessage).toBe(msg);
  });

  it('never takes a cancelled event, and a second cancel or a cancel after take returns false', () => {
    const q = new EventQueue();
    const a = q.push(10, PRIO_NORMAL, 0, 0, -1, 'a');
    const b = q.push(5, PRIO_NORMAL, 0, 0, -1, 'b');
    const c = q.push(20, PRIO_NORMAL, 0, 0, -1, 'c');
    expect(q.cancel(b)).toBe(true);
    expect(q.cancel(b)).toBe(false);
    expect(q.size).toBe(2);
    expect(q.peekTime()).toBe(10);
    expect(q.take()).toBe(true);
    expect(q.lastMessage).toBe('a');
    expect(q.cancel(a)).toBe(false); // taken: its slot is already free
    // The freed slots are reused; stale ids must not cancel the new occupants.
    const d = q.push(30, PRIO_NORMAL, 0, 0, -1, 'd');
    const e = q.push(40, PRIO_NORMAL, 0, 0, -1, 'e');
    expect(q.cancel(a)).toBe(false);
    expect(q.cancel(b)).toBe(false);
    expect(q.size).toBe(3);
    expect(drain(q)).toEqual(['c', 'd', 'e']);
    expect(q.cancel(c) || q.cancel(d) || q.cancel(e)).toBe(false);
  });

  it('keeps order and ids valid while growing far past the initial capacity', () => {
    const q = new EventQueue(16);
    const n = 50_000;
    const ids: EventId[] = [];
    // Descending times force every push to sift to the root.
    for (let i = 0; i < n; i++) ids.push(q.push(n - i, i % 2, 0, 0, -1, i));
    expect(q.size).toBe(n);
    // Cancel every third event; ids issued before growth must still work.
    let cancelled = 0;
    for (let i = 0; i < n; i += 3) {
      expect(q.cancel(ids[i] as EventId)).toBe(true);
      cancelled++;
    }
    expect(q.size).toBe(n - cancelled);
    let prev = -Infinity;
    let taken = 0;
    const wrong: string[] = [];
    while (q.take()) {
      const i = q.lastMessage as number;
      // One expect at the end keeps 50k iterations fast; the first few misfits are kept.
      if (i % 3 === 0 || q.lastSeq !== i || !(q.lastTime > prev))
        wrong.push(`#${i} seq ${q.lastSeq} at ${q.lastTime}`);
      prev = q.lastTime;
      taken++;
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(taken).toBe(n - cancelled);
  });
});

describe('EventQueue same-instant groups', () => {
  /** n1@7, then x1 u1 x2 u2 x3 all @5 (u* urgent). */
  function mixed(): EventQueue {
    const q = new EventQueue();
    q.push(7, PRIO_NORMAL, 0, 0, -1, 'n1');
    q.push(5, PRIO_NORMAL, 0, 0, -1, 'x1');
    q.push(5, PRIO_URGENT, 0, 0, -1, 'u1');
    q.push(5, PRIO_NORMAL, 0, 0, -1, 'x2');
    q.push(5, PRIO_URGENT, 0, 0, -1, 'u2');
    q.push(5, PRIO_NORMAL, 0, 0, -1, 'x3');
    return q;
  }

  it('sameInstantCount counts only the earliest (time, priority) group and leaves size and order alone', () => {
    const q = mixed();
    expect(q.sameInstantCount()).toBe(2); // u1, u2: the normal events at 5 are another group
    expect(q.sameInstantCount()).toBe(2);
    expect(q.size).toBe(6);
    expect(q.peekTime()).toBe(5);
    expect(q.peekPrio()).toBe(PRIO_URGENT);
    q.take();
    q.take();
    expect(q.sameInstantCount()).toBe(3); // x1, x2, x3
    expect(drain(q)).toEqual(['x1', 'x2', 'x3', 'n1']);
  });

  it('sameInstantCount is 0 on an empty queue, 1 for a lone event, and skips cancelled events', () => {
    const q = new EventQueue();
    expect(q.sameInstantCount()).toBe(0);
    q.push(3, PRIO_NORMAL, 0, 0, -1, 'a');
    expect(q.sameInstantCount()).toBe(1);
    const b = q.push(3, PRIO_NORMAL, 0, 0, -1, 'b');
    q.push(3, PRIO_NORMAL, 0, 0, -1, 'c');
    const d = q.push(3, PRIO_NORMAL, 0, 0, -1, 'd');
    expect(q.sameInstantCount()).toBe(4);
    q.cancel(b);
    q.cancel(d);
    expect(q.sameInstantCount()).toBe(2);
    expect(drain(q)).toEqual(['a', 'c']);
    expect(q.sameInstantCount()).toBe(0);
  });

  it('takeNthSameInstant takes the k-th of the group in FIFO order and leaves the rest in order', () => {
    const q = mixed();
    expect(q.takeNthSameInstant(1)).toBe(true);
    expect(q.lastMessage).toBe('u2');
    expect(q.lastTime).toBe(5);
    expect(q.size).toBe(5);
    expect(q.sameInstantCount()).toBe(1);
    // Now the head group is u1 alone; k past the end is clamped to it.
    expect(q.takeNthSameInstant(5)).toBe(true);
    expect(q.lastMessage).toBe('u1');
    expect(q.takeNthSameInstant(1)).toBe(true);
    expect(q.lastMessage).toBe('x2');
    expect(drain(q)).toEqual(['x1', 'x3', 'n1']);
  });

  it('events left by takeNthSameInstant keep their original seq: one pushed later at the same instant runs after them', () => {
    const q = new EventQueue();
    q.push(5, PRIO_NORMAL, 0, 0, -1, 'a');
    q.push(5, PRIO_NORMAL, 0, 0, -1, 'b');
    q.push(5, PRIO_NORMAL, 0, 0, -1, 'c');
    expect(q.takeNthSameInstant(1)).toBe(true);
    expect(q.lastMessage).toBe('b');
    q.push(5, PRIO_NORMAL, 0, 0, -1, 'd');
    expect(q.sameInstantCount()).toBe(3);
    q.push(5, PRIO_NORMAL, 0, 0, -1, 'e');
    expect(drain(q)).toEqual(['a', 'c', 'd', 'e']);
  });

  it('takeNthSameInstant clamps k to the last of the group and never reaches past the group', () => {
    const q = mixed();
    expect(q.takeNthSameInstant(99)).toBe(true);
    expect(q.lastMessage).toBe('u2'); // the last urgent one, not a normal event
    expect(q.takeNthSameInstant(99)).toBe(true);
    expect(q.lastMessage).toBe('u1');
    expect(q.takeNthSameInstant(99)).toBe(true);
    expect(q.lastMessage).toBe('x3');
    expect(drain(q)).toEqual(['x1', 'x2', 'n1']);
  });

  it('takeNthSameInstant exposes the chosen event fields, frees its id and keeps the others cancellable', () => {
    const q = new EventQueue();
    const a = q.push(8, PRIO_NORMAL, 1, 10, 100, 'a');
    const b = q.push(8, PRIO_NORMAL, 2, 20, 200, 'b');
    const c = q.push(8, PRIO_NORMAL, 3, 30, 300, 'c');
    expect(q.takeNthSameInstant(1)).toBe(true);
    expect(q).toMatchObject({
      lastTime: 8,
      lastTarget: 2,
      lastInc: 20,
      lastCause: 200,
      lastSeq: 1,
      lastMessage: 'b',
    });
    expect(q.cancel(b)).toBe(false);
    expect(q.cancel(c)).toBe(true);
    expect(q.size).toBe(1);
    expect(drain(q)).toEqual(['a']);
    expect(q.cancel(a)).toBe(false);
  });

  it('takeNthSameInstant skips cancelled events when counting and returns false on an empty queue', () => {
    const q = new EventQueue();
    expect(q.takeNthSameInstant(0)).toBe(false);
    expect(q.size).toBe(0);
    q.push(3, PRIO_NORMAL, 0, 0, -1, 'a');
    const b = q.push(3, PRIO_NORMAL, 0, 0, -1, 'b');
    q.push(3, PRIO_NORMAL, 0, 0, -1, 'c');
    q.push(4, PRIO_NORMAL, 0, 0, -1, 'd');
    q.cancel(b);
    expect(q.takeNthSameInstant(1)).toBe(true);
    expect(q.lastMessage).toBe('c');
    expect(drain(q)).toEqual(['a', 'd']);
    expect(q.takeNthSameInstant(0)).toBe(false);
  });

  // Regression: k used to be clamped only from above, so a negative or fractional k
  // indexed outside the group. Simulation also rejects such tie-breaks up front.
  it('takeNthSameInstant clamps a negative k to the first of the group, or rejects it with RangeError', () => {
    const q = new EventQueue();
    q.push(3, PRIO_NORMAL, 0, 0, -1, 'a');
    q.push(3, PRIO_NORMAL, 0, 0, -1, 'b');
    let took: boolean;
    try {
      took = q.takeNthSameInstant(-1);
    } catch (e) {
      expect(e).toBeInstanceOf(RangeError);
      expect(drain(q)).toEqual(['a', 'b']);
      return;
    }
    expect(took).toBe(true);
    expect(q.lastMessage).toBe('a');
  });
});
