// The event queue: a binary min-heap over typed arrays, totally ordered by
// (time, priority, seq) as SimPy's heap is (GUIDE §3). seq rises monotonically, so two
// events never compare equal and no tie is left to the engine.
//
// Hot-path shape: keys live inline in the heap (Float64Array time, Float64Array ord =
// priority * 2^45 + seq), so sift-up/down touch only typed arrays; the event's
// payload (target, incarnation, cause, message) lives in a slot table with a free
// list, so pushing an event allocates nothing once the arrays have grown.
// Cancel is O(1): the slot is marked dead and skipped when it reaches the top.
//
// Assertions here are O(1) (GUIDE §4: cheap on hot paths): the arguments fit the typed
// arrays they land in (a time or target that does not would be silently truncated), and
// the counts (live events, heap size, free list) stay consistent with each other.
import { assert } from './assert.ts';

/** Runs before every normal event due at the same instant (fault injection, run stop). */
export const PRIO_URGENT = 0;
export const PRIO_NORMAL = 1;
export const PRIO_MAX = 255;

const SEQ_SPAN = 2 ** 45; // ord = prio * SEQ_SPAN + seq, exact while prio <= 255
/** Slots are encoded in event ids below this bound. */
const SLOT_CAP = 2 ** 22;
/** Event ids are seq * SLOT_CAP + slot; seq stays below this so ids stay safe integers. */
const SEQ_CAP = 2 ** 31;
/** target and incarnation live in Int32Arrays. */
const INT32_MAX = 2 ** 31 - 1;

// The key encoding is exact only while these hold (checked once, at load).
assert(PRIO_MAX * SEQ_SPAN + SEQ_CAP < Number.MAX_SAFE_INTEGER, 'queue: ord overflows 2^53');
assert(SEQ_CAP * SLOT_CAP - 1 <= Number.MAX_SAFE_INTEGER, 'queue: event ids overflow 2^53');

export type EventId = number;

export class QueueBoundError extends Error {
  readonly code = 'NSRSIM_QUEUE_BOUND';
}

export class EventQueue {
  // Heap, keys inline.
  private hTime: Float64Array;
  private hOrd: Float64Array;
  private hSlot: Int32Array;
  private hSize = 0;
  // Slot table.
  private sTarget: Int32Array;
  private sInc: Int32Array;
  private sCause: Float64Array;
  /** seq of the event in the slot, or -1 once it was popped or cancelled. */
  private sSeq: Float64Array;
  private sMsg: unknown[];
  private free: Int32Array;
  private freeTop = 0;
  private slotsUsed = 0;
  private nextSeq = 0;
  private liveCount = 0;

  constructor(initialCapacity = 1024) {
    assert(
      Number.isSafeInteger(initialCapacity) && initialCapacity > 0 && initialCapacity <= SLOT_CAP,
      () => `EventQueue: initial capacity ${initialCapacity} is not an integer in [1, ${SLOT_CAP}]`,
    );
    const n = Math.max(16, initialCapacity);
    this.hTime = new Float64Array(n);
    this.hOrd = new Float64Array(n);
    this.hSlot = new Int32Array(n);
    this.sTarget = new Int32Array(n);
    this.sInc = new Int32Array(n);
    this.sCause = new Float64Array(n);
    this.sSeq = new Float64Array(n);
    this.sMsg = new Array<unknown>(n).fill(undefined);
    this.free = new Int32Array(n);
  }

  /** Events scheduled and not yet popped or cancelled. */
  get size(): number {
    return this.liveCount;
  }

  /** Number of events ever pushed (the next seq). */
  get pushed(): number {
    return this.nextSeq;
  }

  /**
   * Schedules an event. `target` and `inc` are opaque integers for the caller (actor
   * index and incarnation), `cause` the trace record id that caused it.
   */
  push(
    timeNs: number,
    prio: number,
    target: number,
    inc: number,
    cause: number,
    msg: unknown,
  ): EventId {
    assert(
      Number.isSafeInteger(timeNs) && timeNs >= 0,
      () => `event queue: time ${timeNs} is not a non-negative integer`,
    );
    assert(
      Number.isInteger(prio) && prio >= PRIO_URGENT && prio <= PRIO_MAX,
      () => `event queue: priority ${prio} is not an integer in [${PRIO_URGENT}, ${PRIO_MAX}]`,
    );
    assert(
      Number.isInteger(target) && target >= 0 && target <= INT32_MAX,
      () => `event queue: target ${target} does not fit an Int32Array slot`,
    );
    assert(
      Number.isInteger(inc) && inc >= -1 && inc <= INT32_MAX,
      () => `event queue: incarnation ${inc} is not an integer in [-1, 2^31)`,
    );
    const slot = this.allocSlot();
    const seq = this.nextSeq++;
    if (seq >= SEQ_CAP)
      throw new QueueBoundError(`event queue: more than ${SEQ_CAP} events in one run`);
    this.sTarget[slot] = target;
    this.sInc[slot] = inc;
    this.sCause[slot] = cause;
    this.sSeq[slot] = seq;
    this.sMsg[slot] = msg;
    this.liveCount++;
    this.heapPush(timeNs, prio * SEQ_SPAN + seq, slot);
    this.checkCounts();
    return seq * SLOT_CAP + slot;
  }

  /** Cancels a pending event in O(1); returns false if it already ran or was cancelled. */
  cancel(id: EventId): boolean {
    // An id push() never returned (negative, fractional, NaN) is a caller bug; an id that
    // already ran or was cancelled is not: that is the `false` answer.
    assert(
      Number.isSafeInteger(id) && id >= 0,
      () => `event queue: cancel of ${id}, which is not an event id`,
    );
    const slot = id % SLOT_CAP;
    const seq = (id - slot) / SLOT_CAP;
    if (slot >= this.slotsUsed || this.sSeq[slot] !== seq) return false;
    this.sSeq[slot] = -1;
    this.sMsg[slot] = undefined;
    this.liveCount--;
    assert(this.liveCount >= 0, () => `event queue: ${this.liveCount} live events after cancel`);
    return true;
  }

  /** Time of the earliest live event, or Infinity when empty. */
  peekTime(): number {
    this.dropDeadTop();
    return this.hSize === 0 ? Infinity : (this.hTime[0] as number);
  }

  /** Priority of the earliest live event (call after peekTime() < Infinity). */
  peekPrio(): number {
    this.dropDeadTop();
    assert(this.hSize > 0, 'event queue: peekPrio on an empty queue');
    return Math.floor((this.hOrd[0] as number) / SEQ_SPAN);
  }

  /**
   * Removes the earliest live event and makes it current: its fields are then in
   * lastTime, lastTarget, lastInc, lastCause, lastSeq and lastMessage. Its slot is free
   * again at once. Returns false when the queue is empty.
   */
  take(): boolean {
    this.dropDeadTop();
    if (this.hSize === 0) {
      // Dead events were dropped above: an empty heap means nothing live is left.
      assert(this.liveCount === 0, () => `event queue: empty heap, ${this.liveCount} live`);
      return false;
    }
    const slot = this.hSlot[0] as number;
    this.lastTime = this.hTime[0] as number;
    this.heapRemoveTop();
    this.current(slot);
    this.checkCounts();
    return true;
  }

  /**
   * Every slot ever used is in the heap (live or cancelled, not yet dropped) or on the
   * free list, never both and never neither; live events are a subset of the heap. O(1).
   */
  private checkCounts(): void {
    assert(
      this.hSize + this.freeTop === this.slotsUsed && this.liveCount <= this.hSize,
      () =>
        `event queue: heap ${this.hSize} + free ${this.freeTop} != ${this.slotsUsed} slots, or ${this.liveCount} live > heap`,
    );
  }

  /** Fields of the event last taken. */
  lastTime = 0;
  lastTarget = 0;
  lastInc = 0;
  lastCause = 0;
  lastSeq = 0;
  lastMessage: unknown = undefined;

  private current(slot: number): void {
    assert((this.sSeq[slot] as number) >= 0, () => `event queue: slot ${slot} taken but not live`);
    this.lastTarget = this.sTarget[slot] as number;
    this.lastInc = this.sInc[slot] as number;
    this.lastCause = this.sCause[slot] as number;
    this.lastSeq = this.sSeq[slot] as number;
    this.lastMessage = this.sMsg[slot];
    // The stale message reference is overwritten when the slot is reused.
    this.sSeq[slot] = -1;
    this.liveCount--;
    this.free[this.freeTop++] = slot;
    assert(
      this.liveCount >= 0 && this.freeTop <= this.slotsUsed,
      () => `event queue: ${this.liveCount} live, ${this.freeTop} free of ${this.slotsUsed} slots`,
    );
  }

  /**
   * Number of live events due at exactly the earliest (time, priority): the size of
   * the group a fuzzing tie-break chooses from. Pops and restores, so use it only then.
   */
  sameInstantCount(): number {
    const t = this.peekTime();
    if (t === Infinity) return 0;
    const prio = this.peekPrio();
    const slots: Array<[number, number]> = [];
    while (this.peekTime() === t && this.peekPrio() === prio) {
      const slot = this.hSlot[0] as number;
      slots.push([slot, this.hOrd[0] as number]);
      this.heapRemoveTop();
    }
    for (const [slot, ord] of slots) this.heapPush(t, ord, slot);
    assert(slots.length > 0, 'sameInstantCount: a live head but an empty group');
    assert(this.hTime[0] === t, 'sameInstantCount: the head changed while counting');
    this.checkCounts();
    return slots.length;
  }

  /**
   * Takes the k-th (0-based, FIFO order) of the live events due at the earliest
   * (time, priority), leaving the others in place; used to apply tie-break choices.
   */
  takeNthSameInstant(k: number): boolean {
    const t = this.peekTime();
    if (t === Infinity) return false;
    const prio = this.peekPrio();
    const group: Array<[number, number]> = [];
    while (this.peekTime() === t && this.peekPrio() === prio) {
      group.push([this.hSlot[0] as number, this.hOrd[0] as number]);
      this.heapRemoveTop();
    }
    const chosen = group[Math.max(0, Math.min(Math.trunc(k), group.length - 1))] as [
      number,
      number,
    ];
    assert(group.length > 0, 'takeNthSameInstant: a live head but an empty group');
    const heapBefore = this.hSize;
    for (const g of group) if (g !== chosen) this.heapPush(t, g[1], g[0]);
    assert(
      this.hSize === heapBefore + group.length - 1,
      'takeNthSameInstant: the rest of the group did not go back',
    );
    this.lastTime = t;
    this.current(chosen[0]);
    this.checkCounts();
    return true;
  }

  private dropDeadTop(): void {
    while (this.hSize > 0 && (this.sSeq[this.hSlot[0] as number] as number) < 0) {
      const slot = this.hSlot[0] as number;
      this.heapRemoveTop();
      this.free[this.freeTop++] = slot;
    }
    // A slot is freed once: the free list never holds more slots than were handed out.
    assert(
      this.freeTop <= this.slotsUsed,
      () => `event queue: ${this.freeTop} free of ${this.slotsUsed}`,
    );
  }

  private allocSlot(): number {
    if (this.freeTop > 0) {
      const slot = this.free[--this.freeTop] as number;
      // A freed slot was popped or cancelled, and never handed out twice.
      assert((this.sSeq[slot] as number) < 0, () => `event queue: free slot ${slot} is still live`);
      return slot;
    }
    if (this.slotsUsed === this.sTarget.length) this.growSlots();
    assert(this.slotsUsed < this.sTarget.length, 'event queue: no slot after growing');
    return this.slotsUsed++;
  }

  private growSlots(): void {
    const n = this.sTarget.length * 2;
    if (n > SLOT_CAP)
      throw new QueueBoundError(`event queue: more than ${SLOT_CAP} pending events`);
    this.sTarget = grow(this.sTarget, new Int32Array(n));
    this.sInc = grow(this.sInc, new Int32Array(n));
    this.sCause = grow(this.sCause, new Float64Array(n));
    this.sSeq = grow(this.sSeq, new Float64Array(n));
    this.free = grow(this.free, new Int32Array(n));
    for (let i = this.sMsg.length; i < n; i++) this.sMsg.push(undefined);
    assert(
      this.sSeq.length === n && this.free.length === n && this.sMsg.length === n,
      () =>
        `event queue: slot arrays grew to ${this.sSeq.length}/${this.free.length}/${this.sMsg.length}, not ${n}`,
    );
  }

  private heapPush(time: number, ord: number, slot: number): void {
    if (this.hSize === this.hTime.length) {
      const n = this.hTime.length * 2;
      this.hTime = grow(this.hTime, new Float64Array(n));
      this.hOrd = grow(this.hOrd, new Float64Array(n));
      this.hSlot = grow(this.hSlot, new Int32Array(n));
    }
    const hTime = this.hTime;
    const hOrd = this.hOrd;
    const hSlot = this.hSlot;
    let i = this.hSize++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = hTime[p] as number;
      if (pt < time || (pt === time && (hOrd[p] as number) < ord)) break;
      hTime[i] = pt;
      hOrd[i] = hOrd[p] as number;
      hSlot[i] = hSlot[p] as number;
      i = p;
    }
    hTime[i] = time;
    hOrd[i] = ord;
    hSlot[i] = slot;
    // Heap entries are slots handed out by allocSlot, and the heap never outgrows its arrays.
    assert(
      slot >= 0 && slot < this.slotsUsed && this.hSize <= hTime.length,
      () => `event queue: heap entry for slot ${slot} of ${this.slotsUsed}`,
    );
  }

  private heapRemoveTop(): void {
    assert(this.hSize > 0, 'event queue: remove from an empty heap');
    const n = --this.hSize;
    if (n === 0) return;
    const hTime = this.hTime;
    const hOrd = this.hOrd;
    const hSlot = this.hSlot;
    const time = hTime[n] as number;
    const ord = hOrd[n] as number;
    const slot = hSlot[n] as number;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      let ct = hTime[c] as number;
      let co = hOrd[c] as number;
      const r = c + 1;
      if (r < n) {
        const rt = hTime[r] as number;
        const ro = hOrd[r] as number;
        if (rt < ct || (rt === ct && ro < co)) {
          c = r;
          ct = rt;
          co = ro;
        }
      }
      if (time < ct || (time === ct && ord < co)) break;
      hTime[i] = ct;
      hOrd[i] = co;
      hSlot[i] = hSlot[c] as number;
      i = c;
    }
    hTime[i] = time;
    hOrd[i] = ord;
    hSlot[i] = slot;
  }
}

function grow<T extends Float64Array | Int32Array>(from: T, to: T): T {
  assert(to.length > from.length, () => `event queue: grow from ${from.length} to ${to.length}`);
  to.set(from);
  return to;
}
