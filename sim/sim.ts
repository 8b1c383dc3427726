// The simulation: actors, the one relay every message goes through, the run loop,
// checks and fault plumbing. Domain-free: it imports nothing from model/.
//
// An actor gets a context (now, send, startTimer, cancelTimer, trace, its RNG stream)
// and the ids of other actors, never another actor object (GUIDE §2). A handler runs to
// completion; there is no async anywhere. An actor can be stopped (crashed) and
// restarted: messages that reach a stopped actor are traced as dropped, and timers it
// set in an earlier incarnation never fire into a later one.
import { assert } from './assert.ts';
import { EventQueue, PRIO_NORMAL, PRIO_URGENT, type EventId } from './queue.ts';
import { Rng, RngStreams } from './rng.ts';
import { Trace, type Fields, type HasherFactory, type TraceRecord } from './trace.ts';

export interface Message {
  readonly type: string;
}

export type ActorId = number;
export type TimerId = EventId;

export interface Actor<M extends Message = Message> {
  /** Handles one message or timer; runs to completion. */
  receive(msg: M, ctx: ActorContext): void;
  /** Called once when the run starts (or at registration, if later) and after every restart. */
  start?(ctx: ActorContext): void;
  /** Called when the actor is stopped (crashed): it must forget its volatile state. */
  stop?(): void;
}

export interface Violation {
  readonly check: string;
  readonly recordId: number;
  readonly timeNs: number;
  readonly message: string;
  readonly evidence?: Fields;
}

export type Report = (v: Omit<Violation, 'check'>) => void;

/**
 * Sees the trace records of its kinds as they are produced, every record if it declares
 * none (GUIDE §6: checks live outside the model).
 */
export interface SafetyCheck {
  readonly id: string;
  /**
   * The record kinds onRecord reads: it is offered only these (undefined: every record).
   * A check declares them only if it ignores every other kind (a check that uses every
   * record as its clock does not).
   */
  readonly kinds?: ReadonlySet<string>;
  onRecord(rec: TraceRecord, report: Report): void;
}

/** Evaluated once, at the end of the run. */
export interface LivenessCheck {
  readonly id: string;
  atEnd(end: RunResult, report: Report): void;
}

export type StopReason = 'idle' | 'time' | 'predicate' | 'maxEvents';

export interface RunOptions {
  /** Stop before handling any event due at or after this instant (now becomes untilNs). */
  untilNs?: number;
  /** Stop as soon as this returns true (checked after every event). */
  until?: () => boolean;
  /** Bound on events handled in this call; hitting it is reported, never a hang. */
  maxEvents?: number;
}

export interface RunResult {
  readonly reason: StopReason;
  /** True when the run ended on maxEvents rather than by design. */
  readonly boundHit: boolean;
  readonly events: number;
  readonly simulatedNs: number;
  readonly wallMs: number;
}

export type FaultWhen = { atNs: number } | { betweenNs: readonly [number, number] };

export interface SimOptions {
  seed: number | string;
  /** Hash every record (determinism checks, replay). Default true. */
  hash?: boolean;
  /** The SHA-256 to hash with (default: sim's portable one; the digest is the same). */
  hasher?: HasherFactory;
  /** Reads the wall clock for statistics only; the simulation itself never does. */
  wallClock?: () => number;
  /** Default bound for run() when the caller gives none. */
  maxEvents?: number;
  /**
   * Fuzzing tie-breaks: when several events are due at the same (time, priority), the
   * next choice picks which runs first (index modulo group size). Empty means FIFO.
   */
  tieBreaks?: readonly number[];
}

/** The actor name sim itself traces under (set-up records: injections, scheduled faults). */
export const SIM_ACTOR = 'sim';

/** The trace kinds sim itself emits (model/vocab.ts adds the model's). */
export const SIM_KIND = {
  send: 'send',
  inject: 'inject',
  faultScheduled: 'fault.scheduled',
  actorStop: 'actor.stop',
  actorRestart: 'actor.restart',
  drop: 'drop',
} as const;

export const DEFAULT_MAX_EVENTS = 50_000_000;

const ANY_INCARNATION = -1;

interface ActorSlot {
  readonly name: string;
  readonly actor: Actor;
  readonly ctx: ActorContext;
  running: boolean;
  started: boolean;
  incarnation: number;
}

export class ActorContext {
  readonly rng: Rng;
  constructor(
    private readonly sim: Simulation,
    readonly id: ActorId,
    readonly name: string,
    rngName: string = name,
  ) {
    assert(Number.isSafeInteger(id) && id >= 0, () => `ActorContext: bad actor id ${id}`);
    assert(name.length > 0, 'ActorContext: an actor needs a name');
    this.rng = sim.rng(`actor/${rngName}`);
  }
  get now(): number {
    return this.sim.now;
  }
  /** Sends `msg` to `target`, delivered after `delayNs` (traced by the relay). */
  send<T extends Message>(target: ActorId, msg: T, delayNs = 0): void {
    this.sim.relay(this.id, target, msg, delayNs);
  }
  /** A message to self after `delayNs`; bound to this incarnation of the actor. */
  startTimer<T extends Message>(delayNs: number, msg: T): TimerId {
    return this.sim.timer(this.id, delayNs, msg);
  }
  cancelTimer(id: TimerId): boolean {
    return this.sim.cancel(id);
  }
  /** Emits a domain trace record caused by the event being handled. */
  trace(kind: string, fields: Fields = {}): number {
    return this.sim.traceFrom(this.name, kind, fields);
  }
  /** True while this actor is running (not crashed). */
  get running(): boolean {
    return this.sim.isRunning(this.id);
  }
  actorId(name: string): ActorId {
    return this.sim.actorId(name);
  }
}

export class Simulation {
  readonly trace: Trace;
  readonly streams: RngStreams;
  readonly seed: number | string;
  private readonly queue = new EventQueue(1024);
  private readonly actors: ActorSlot[] = [];
  private readonly byName = new Map<string, ActorId>();
  private readonly liveness: LivenessCheck[] = [];
  private readonly violationList: Violation[] = [];
  private readonly wallClock: () => number;
  private readonly defaultMaxEvents: number;
  private readonly tieBreaks: readonly number[];
  private tieBreakNext = 0;
  private nowNs = 0;
  private currentCause = -1;
  private eventsTotal = 0;
  private started = false;
  private finished = false;
  /** True while run() handles events (re-entry guard). */
  private inRun = false;
  private readonly faultRng: Rng;

  constructor(opts: SimOptions) {
    this.seed = opts.seed;
    this.streams = new RngStreams(opts.seed);
    this.trace = new Trace({
      hash: opts.hash ?? true,
      ...(opts.hasher === undefined ? {} : { hasher: opts.hasher }),
    });
    this.wallClock = opts.wallClock ?? (() => 0);
    this.defaultMaxEvents = opts.maxEvents ?? DEFAULT_MAX_EVENTS;
    this.tieBreaks = opts.tieBreaks ?? [];
    if (!Number.isSafeInteger(this.defaultMaxEvents) || this.defaultMaxEvents < 0)
      throw new RangeError(`sim: maxEvents must be an integer >= 0, got ${opts.maxEvents}`);
    for (const t of this.tieBreaks) {
      if (!Number.isSafeInteger(t) || t < 0)
        throw new RangeError(`sim: tie-break choices are integers >= 0, got ${t}`);
    }
    this.faultRng = this.streams.stream('sim/faults');
  }

  get now(): number {
    return this.nowNs;
  }

  /** Total events handled over all run() calls. */
  get events(): number {
    return this.eventsTotal;
  }

  /** Live events waiting in the queue. */
  get pending(): number {
    return this.queue.size;
  }

  get violations(): readonly Violation[] {
    return this.violationList;
  }

  /** The named RNG stream (see RngStreams). */
  rng(name: string): Rng {
    return this.streams.stream(name);
  }

  /**
   * Registers an actor. Its RNG stream is named after `rngName` (default: the actor name):
   * a model that renames an actor for readers of the trace can keep the stream, and so
   * every run, unchanged.
   */
  addActor(name: string, actor: Actor, rngName: string = name): ActorId {
    if (this.byName.has(name)) throw new Error(`sim: duplicate actor name "${name}"`);
    if (name.length === 0) throw new Error('sim: an actor name must not be empty');
    const id = this.actors.length;
    const slot: ActorSlot = {
      name,
      actor,
      ctx: undefined as unknown as ActorContext,
      running: true,
      started: false,
      incarnation: 0,
    };
    this.actors.push(slot);
    this.byName.set(name, id);
    (slot as { ctx: ActorContext }).ctx = new ActorContext(this, id, name, rngName);
    if (this.started) this.startActor(slot);
    assert(
      this.actors[id] === slot && this.byName.size === this.actors.length,
      () =>
        `addActor: tables disagree for "${name}" (${this.byName.size} names, ${this.actors.length} actors)`,
    );
    return id;
  }

  actorId(name: string): ActorId {
    const id = this.byName.get(name);
    if (id === undefined) throw new Error(`sim: no actor named "${name}"`);
    return id;
  }

  actorName(id: ActorId): string {
    return this.slot(id).name;
  }

  isRunning(id: ActorId): boolean {
    return this.slot(id).running;
  }

  /** Crashes an actor: it handles nothing until restarted; its timers die with it. */
  stopActor(id: ActorId, reason = 'crash'): void {
    const s = this.slot(id);
    if (!s.running) return;
    s.running = false;
    s.incarnation++;
    this.traceFrom(s.name, SIM_KIND.actorStop, { reason });
    s.actor.stop?.();
    // stop() must not restart the actor: a crash lasts until restartActor.
    assert(!s.running, () => `stopActor: ${s.name} is running again after stop()`);
  }

  /** Restarts a stopped actor as a new incarnation (its start() rebuilds its state). */
  restartActor(id: ActorId): void {
    const s = this.slot(id);
    if (s.running) return;
    // Every stop bumped the incarnation, so a restarted actor is never incarnation 0.
    assert(s.incarnation > 0, () => `restartActor: ${s.name} was never stopped`);
    s.running = true;
    this.traceFrom(s.name, SIM_KIND.actorRestart, { incarnation: s.incarnation });
    s.actor.start?.(s.ctx);
  }

  addSafetyCheck(check: SafetyCheck): void {
    assert(check.id.length > 0, 'addSafetyCheck: a check needs an id (violations name it)');
    assert(!this.finished, () => `addSafetyCheck: ${check.id} added after finish()`);
    // A trace listener offered the kinds the check declares (the trace keeps the list per
    // kind), so checks see records even when no sink or hash asked for them. Its report
    // function is made once, not per record.
    const report: Report = (v) => this.violationList.push({ check: check.id, ...v });
    this.trace.addListener((rec) => check.onRecord(rec, report), check.kinds);
  }

  addLivenessCheck(check: LivenessCheck): void {
    assert(check.id.length > 0, 'addLivenessCheck: a check needs an id (violations name it)');
    assert(
      !this.finished,
      () => `addLivenessCheck: ${check.id} added after finish(): it would never run`,
    );
    this.liveness.push(check);
  }

  /**
   * A `report` for a check fed by something other than trace records (a model tap): its
   * violations join the run's list at once, like a safety check's.
   */
  reporter(checkId: string): Report {
    return (v) => {
      assert(!this.finished, () => `${checkId} reported a violation after finish()`);
      this.violationList.push({ check: checkId, ...v });
    };
  }

  /** The one relay (GUIDE §2): traces the message and enqueues it. */
  relay(from: ActorId, to: ActorId, msg: Message, delayNs: number, prio = PRIO_NORMAL): void {
    if (!Number.isSafeInteger(delayNs) || delayNs < 0) {
      throw new RangeError(
        `sim: bad delay ${delayNs} for ${msg.type} from ${this.actorName(from)}`,
      );
    }
    // ActorContext.send is the only caller: `from` is a registered actor.
    assert(from >= 0 && from < this.actors.length, () => `relay: no sender with id ${from}`);
    assert(msgTyped(msg), () => `relay: a message without a type from ${this.actorName(from)}`);
    const target = this.slot(to);
    const rec = this.trace.active
      ? this.trace.emit(
          this.nowNs,
          this.currentCause,
          this.actors[from]?.name ?? '-',
          SIM_KIND.send,
          sendFields(target.name, msg, delayNs),
        )
      : this.trace.skip();
    this.queue.push(this.nowNs + delayNs, prio, to, ANY_INCARNATION, rec, msg);
  }

  /** Schedules a message from outside the actor system (scenario set-up), traced. */
  inject<T extends Message>(to: ActorId, msg: T, atNs: number, prio = PRIO_NORMAL): void {
    if (!Number.isSafeInteger(atNs) || atNs < this.nowNs)
      throw new RangeError(`sim: cannot inject at ${atNs} (now ${this.nowNs})`);
    assert(msgTyped(msg), 'inject: a message without a type');
    const target = this.slot(to);
    const rec = this.trace.emit(this.nowNs, -1, SIM_ACTOR, SIM_KIND.inject, {
      to: target.name,
      type: msg.type,
      at: atNs,
    });
    this.queue.push(atNs, prio, to, ANY_INCARNATION, rec, msg);
  }

  timer(self: ActorId, delayNs: number, msg: Message): TimerId {
    if (!Number.isSafeInteger(delayNs) || delayNs < 0) {
      throw new RangeError(`sim: bad timer delay ${delayNs} for ${msg.type}`);
    }
    assert(msgTyped(msg), 'timer: a message without a type');
    const s = this.slot(self);
    return this.queue.push(
      this.nowNs + delayNs,
      PRIO_NORMAL,
      self,
      s.incarnation,
      this.currentCause,
      msg,
    );
  }

  cancel(id: TimerId): boolean {
    return this.queue.cancel(id);
  }

  /**
   * Schedules a fault: delivered to `target` at urgent priority, so it runs before any
   * normal event due at the same instant. A window draws its instant from the
   * dedicated "sim/faults" stream, in the order faults are scheduled.
   */
  scheduleFault<T extends Message>(when: FaultWhen, target: ActorId, msg: T): number {
    let at: number;
    if ('atNs' in when) {
      at = when.atNs;
    } else {
      const [lo, hi] = when.betweenNs;
      at = this.faultRng.between(lo, hi);
    }
    if (!Number.isSafeInteger(at) || at < this.nowNs)
      throw new RangeError(`sim: fault time ${at} is in the past or not an integer`);
    assert(msgTyped(msg), 'scheduleFault: a message without a type');
    const rec = this.trace.emit(this.nowNs, -1, SIM_ACTOR, SIM_KIND.faultScheduled, {
      to: this.slot(target).name,
      type: msg.type,
      at,
    });
    this.queue.push(at, PRIO_URGENT, target, ANY_INCARNATION, rec, msg);
    return at;
  }

  /** Emits a record caused by the event being handled (or a root record outside). */
  traceFrom(actor: string, kind: string, fields: Fields): number {
    // Outside run() nothing is being handled: a record made then is a root cause.
    assert(
      this.inRun || this.currentCause === -1,
      () => `trace ${kind}: cause ${this.currentCause} outside run()`,
    );
    return this.trace.emit(this.nowNs, this.currentCause, actor, kind, fields);
  }

  /**
   * Handles events in (time, priority, seq) order until the queue is idle, untilNs is
   * reached, the predicate holds or maxEvents were handled. Not re-entrant (a handler may
   * not run the simulation) and not after finish() (the trace sinks are closed).
   */
  run(opts: RunOptions = {}): RunResult {
    assert(!this.inRun, 'Simulation.run re-entered from inside a handler');
    assert(!this.finished, 'Simulation.run after finish(): the trace sinks are closed');
    this.ensureStarted();
    const wall0 = this.wallClock();
    const untilNs = opts.untilNs ?? Infinity;
    if (
      opts.untilNs !== undefined &&
      (!Number.isSafeInteger(opts.untilNs) || opts.untilNs < this.nowNs)
    ) {
      throw new RangeError(`sim: untilNs ${opts.untilNs} is before now (${this.nowNs})`);
    }
    const maxEvents = opts.maxEvents ?? this.defaultMaxEvents;
    if (!Number.isSafeInteger(maxEvents) || maxEvents < 0)
      throw new RangeError(`sim: maxEvents must be an integer >= 0, got ${maxEvents}`);
    const now0 = this.nowNs;
    this.inRun = true;
    let loop: { handled: number; reason: StopReason };
    try {
      loop = this.loop(untilNs, maxEvents, opts.until);
    } finally {
      this.inRun = false;
    }
    assert(
      loop.handled <= maxEvents && (loop.reason !== 'maxEvents' || loop.handled === maxEvents),
      () => `run: handled ${loop.handled} events with maxEvents ${maxEvents} (${loop.reason})`,
    );
    let reason = loop.reason;
    if (reason === 'idle' && opts.untilNs !== undefined) {
      // Nothing left before the bound: the run still ends at the bound, by time.
      this.nowNs = untilNs;
      reason = 'time';
    }
    this.eventsTotal += loop.handled;
    this.currentCause = -1;
    assert(
      this.nowNs >= now0 && (reason !== 'time' || this.nowNs === untilNs),
      () => `run: ended at ${this.nowNs} (${reason}), started at ${now0}, untilNs ${untilNs}`,
    );
    return {
      reason,
      boundHit: reason === 'maxEvents',
      events: loop.handled,
      simulatedNs: this.nowNs,
      wallMs: this.wallClock() - wall0,
    };
  }

  private loop(
    untilNs: number,
    maxEvents: number,
    until: (() => boolean) | undefined,
  ): { handled: number; reason: StopReason } {
    const q = this.queue;
    let handled = 0;
    for (;;) {
      // The time bound is checked before the event is taken, so nothing due at or
      // after untilNs runs, urgent or not, whenever it was scheduled.
      const next = q.peekTime();
      if (next === Infinity) return { handled, reason: 'idle' };
      if (next >= untilNs) {
        this.nowNs = untilNs;
        return { handled, reason: 'time' };
      }
      if (handled >= maxEvents) return { handled, reason: 'maxEvents' };
      if (this.tieBreakNext < this.tieBreaks.length) this.takeWithTieBreak();
      else q.take();
      assert(
        q.lastTime >= this.nowNs,
        () => `sim: time went back from ${this.nowNs} to ${q.lastTime}`,
      );
      // What was taken is the event peeked: due at `next`, before the bound.
      assert(q.lastTime === next, () => `sim: peeked ${next}, took ${q.lastTime}`);
      this.nowNs = q.lastTime;
      this.deliver(q.lastTarget, q.lastInc, q.lastCause, q.lastMessage as Message);
      handled++;
      if (until !== undefined && until()) return { handled, reason: 'predicate' };
    }
  }

  /** Runs the liveness checks against a finished run and returns all violations. */
  finish(result: RunResult): readonly Violation[] {
    // A handler finishing the run would close the trace sinks under the run loop.
    assert(!this.inRun, 'Simulation.finish called from inside a handler');
    if (this.finished) return this.violationList;
    this.finished = true;
    for (const c of this.liveness) {
      c.atEnd(result, (v) => this.violationList.push({ check: c.id, ...v }));
    }
    this.trace.close();
    return this.violationList;
  }

  private deliver(target: number, inc: number, cause: number, msg: Message): void {
    const s = this.actors[target];
    // Every event was queued for a registered actor (relay, inject, timer, fault check it).
    assert(s !== undefined, () => `deliver: no actor with id ${target}`);
    assert(cause < this.trace.count, () => `deliver: cause ${cause} is a future record`);
    this.currentCause = cause;
    if (!s.running) {
      this.trace.emit(this.nowNs, cause, s.name, SIM_KIND.drop, {
        type: msg.type,
        reason: 'stopped',
      });
      return;
    }
    if (inc !== ANY_INCARNATION && inc !== s.incarnation) return; // a timer of a dead incarnation
    s.actor.receive(msg, s.ctx);
  }

  /** Applies the next tie-break choice when several events share the earliest instant. */
  private takeWithTieBreak(): void {
    const n = this.queue.sameInstantCount();
    if (n <= 1) {
      this.queue.take();
      return;
    }
    const choice = (this.tieBreaks[this.tieBreakNext++] ?? 0) % n;
    // Choices were checked to be integers >= 0 in the constructor.
    assert(choice >= 0 && choice < n, () => `tie-break choice ${choice} of ${n}`);
    this.queue.takeNthSameInstant(choice);
  }

  private ensureStarted(): void {
    if (this.started) return;
    this.started = true;
    for (const s of this.actors) this.startActor(s);
    // Actors a start() added were started by addActor (this.started is already set).
    assert(
      this.actors.every((s) => s.started),
      'ensureStarted: an actor was left unstarted',
    );
  }

  private startActor(s: ActorSlot): void {
    if (s.started) return;
    assert(this.started, () => `startActor: ${s.name} started before the simulation`);
    s.started = true;
    s.actor.start?.(s.ctx);
  }

  private slot(id: ActorId): ActorSlot {
    const s = this.actors[id];
    if (s === undefined) throw new Error(`sim: no actor with id ${id}`);
    return s;
  }
}

/** A message names its type (the trace records it; handlers switch on it). */
function msgTyped(msg: Message): boolean {
  return typeof msg.type === 'string' && msg.type.length > 0;
}

function sendFields(to: string, msg: Message, delayNs: number): Fields {
  return delayNs === 0 ? { to, type: msg.type } : { to, type: msg.type, delayNs };
}
