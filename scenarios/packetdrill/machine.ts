// The machine the stack under test runs on: a TcpEnv on a virtual clock driven by the
// script's times (never real time). Timers sit in a heap ordered by (time, seq); every
// segment the TCP outputs is queued with the time it left, for the interpreter to match
// against the script's `>` lines. One TcpStack at packetdrill's local address.
import type { Segment } from '../../model/net/segment.ts';
import { TcpStack } from '../../model/tcp/stack.ts';
import type {
  TcpConnection,
  TcpEnv,
  TcpEvent,
  TcpOptionsConfig,
  TcpTimerKind,
} from '../../model/tcp/tcp.ts';
import { Rng } from '../../sim/rng.ts';

/** packetdrill's IPv4 defaults: the stack is 192.168.0.1, the script's peer 192.0.2.1. */
export const LOCAL_IP = 0xc0a80001;
export const REMOTE_IP = 0xc0000201;

interface Timer {
  t: number;
  seq: number;
  id: number;
  conn: TcpConnection;
  kind: TcpTimerKind;
}

export interface Sent {
  seg: Segment;
  /** Virtual time it left, ns. */
  atNs: number;
  /** Index of the script event during which it left. */
  during: number;
}

/** A bound of the machine was hit: the script fails (never a hang, GUIDE §4). */
export class MachineBoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MachineBoundError';
  }
}

/** Bound on timer firings while waiting for one event (a runaway timer is a failure). */
const MAX_FIRINGS_PER_WAIT = 1_000_000;

export class Machine {
  nowNs = 0;
  /** The script event being run (set by the interpreter). */
  eventIndex = -1;
  readonly out: Sent[] = [];
  readonly stack: TcpStack;
  /** TCP events, for the interpreter's bookkeeping (state changes). */
  onEvent?: (conn: TcpConnection | undefined, kind: TcpEvent, f: Record<string, unknown>) => void;
  /** Every segment as it leaves (logging). */
  onOutput?: (seg: Segment) => void;
  private readonly timers: Timer[] = [];
  private readonly live = new Set<number>();
  private nextId = 0;

  constructor(options: TcpOptionsConfig, seed = 1) {
    const env: TcpEnv = {
      now: () => this.nowNs,
      output: (seg) => {
        this.out.push({ seg, atNs: this.nowNs, during: this.eventIndex });
        this.onOutput?.(seg);
      },
      setTimer: (conn, kind, delayNs) => this.setTimer(conn, kind, delayNs),
      clearTimer: (h) => void this.live.delete(h),
      rng: new Rng(seed, 'packetdrill.tcp'),
      event: (conn, kind, f) => this.onEvent?.(conn, kind, f),
    };
    this.stack = new TcpStack(env, LOCAL_IP, options);
  }

  private setTimer(conn: TcpConnection, kind: TcpTimerKind, delayNs: number): number {
    const id = ++this.nextId;
    this.live.add(id);
    heapPush(this.timers, { t: this.nowNs + delayNs, seq: id, id, conn, kind });
    return id;
  }

  /** Time of the next live timer, or undefined. */
  nextTimerNs(): number | undefined {
    for (;;) {
      const top = this.timers[0];
      if (top === undefined) return undefined;
      if (this.live.has(top.id)) return top.t;
      heapPop(this.timers);
    }
  }

  /**
   * Fires timers due at or before untilNs, in order, and leaves the clock at untilNs;
   * stops early (clock at the firing) when stop() holds after a firing.
   */
  runUntil(untilNs: number, stop: () => boolean = () => false): boolean {
    for (let n = 0; n < MAX_FIRINGS_PER_WAIT; n++) {
      if (stop()) return true;
      const t = this.nextTimerNs();
      if (t === undefined || t > untilNs) {
        this.nowNs = Math.max(this.nowNs, untilNs);
        return stop();
      }
      const top = heapPop(this.timers);
      if (top === undefined) throw new Error('Machine: timer heap out of step');
      this.live.delete(top.id);
      this.nowNs = Math.max(this.nowNs, top.t);
      top.conn.onTimer(top.kind);
    }
    throw new MachineBoundError(`more than ${MAX_FIRINGS_PER_WAIT} timer firings in one wait`);
  }
}

function less(a: Timer, b: Timer): boolean {
  return a.t < b.t || (a.t === b.t && a.seq < b.seq);
}

function heapPush(h: Timer[], x: Timer): void {
  h.push(x);
  let i = h.length - 1;
  while (i > 0) {
    const p = (i - 1) >> 1;
    const hp = h[p] as Timer;
    if (!less(x, hp)) break;
    h[i] = hp;
    i = p;
  }
  h[i] = x;
}

function heapPop(h: Timer[]): Timer | undefined {
  const top = h[0];
  const last = h.pop();
  if (top === undefined || last === undefined || h.length === 0) return top;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= h.length) break;
    const r = l + 1;
    const c = r < h.length && less(h[r] as Timer, h[l] as Timer) ? r : l;
    if (!less(h[c] as Timer, last)) break;
    h[i] = h[c] as Timer;
    i = c;
  }
  h[i] = last;
  return top;
}
