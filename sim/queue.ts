// The event queue: a binary min-heap over typed arrays, totally ordered by
// (time, priority, seq) as SimPy's heap is (GUIDE §3). seq rises monotonically, so two
// events never compare equal and no tie is left to the engine.
//
// Hot-path shape: keys live inline in the heap (Float64Array time, Float64Array ord =
// priority * 2^45 + seq), so sift-up/down touch only typed arrays; the event's
// payload (target, incarnation, cause, message) lives in a slot table with a free
// list, so pushing an event allocates nothing once the arrays have grown.
// Cancel is O(1): the slot is marked dead and skipped when it reaches the top.

/** Runs before every normal event due at the same instant (fault injection, run stop). */
export const PRIO_URGENT = 0;
export const PRIO_NORMAL = 1;
export const PRIO_MAX = 255;

const SEQ_SPAN = 2 ** 45; // ord = prio * SEQ_SPAN + seq, exact while prio <= 255
/** Slots are encoded in event ids below this bound. */
const SLOT_CAP = 2 ** 22;
/** Event ids are seq * SLOT_CAP + slot; seq stays below this so ids stay safe integers. */
const SEQ_CAP = 2 ** 31;

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
    return seq * SLOT_CAP + slot;
  }

  /** Cancels a pending event in O(1); returns false if it already ran or was cancelled. */
  cancel(id: EventId): boolean {
    const slot = id % SLOT_CAP;
    const seq = (id - slot) / SLOT_CAP;
    if (slot >= this.slotsUsed || this.sSeq[slot] !== seq) return false;
    this.sSeq[slot] = -1;
    this.sMsg[slot] = undefined;
    this.liveCount--;
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
    return Math.floor((this.hOrd[0] as number) / SEQ_SPAN);
  }

  /**
   * Removes the earliest live event and makes it current: its fields are then in
   * lastTime, lastTarget, lastInc, lastCause, lastSeq and lastMessage. Its slot is free
   * again at once. Returns false when the queue is empty.
   */
  take(): boolean {
    this.dropDeadTop();
    if (this.hSize === 0) return false;
    const slot = this.hSlot[0] as number;
    this.lastTime = this.hTime[0] as number;
    this.heapRemoveTop();
    this.current(slot);
    return true;
  }

  /** Fields of the event last taken. */
  lastTime = 0;
  lastTarget = 0;
  lastInc = 0;
  lastCause = 0;
  lastSeq = 0;
  lastMessage: unknown = undefined;

  private current(slot: number): void {
    this.lastTarget = this.sTarget[slot] as number;
    this.lastInc = this.sInc[slot] as number;
    this.lastCause = this.sCause[slot] as number;
    this.lastSeq = this.sSeq[slot] as number;
    this.lastMessage = this.sMsg[slot];
    // The stale message reference is overwritten when the slot is reused.
    this.sSeq[slot] = -1;
    this.liveCount--;
    this.free[this.freeTop++] = slot;
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
    for (const g of group) if (g !== chosen) this.heapPush(t, g[1], g[0]);
    this.lastTime = t;
    this.current(chosen[0]);
    return true;
  }

  private dropDeadTop(): void {
    while (this.hSize > 0 && (this.sSeq[this.hSlot[0] as number] as number) < 0) {
      const slot = this.hSlot[0] as number;
      this.heapRemoveTop();
      this.free[this.freeTop++] = slot;
    }
  }

  private allocSlot(): number {
    if (this.freeTop > 0) return this.free[--this.freeTop] as number;
    if (this.slotsUsed === this.sTarget.length) this.growSlots();
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
  }

  private heapRemoveTop(): void {
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
  to.set(from);
  return to;
}
