// A Redundant TCP station (seed 004; SPEC R-1 … R-4): an RE kernel running the same TCP
// and the same application as its counterpart, on the same wire address. What makes it a
// station rather than an NSR routing engine:
//
// - both stations open every session (they see every packet: model/redundant/
//   backplane.ts); a station that is not operational suppresses its transmissions at
//   layer 1 (ipOutput below) and TCP takes them as sent.
// - the standby's TCP input hands an ACK for a sequence it has not "sent" yet to
//   ackAheadHook (model/tcp/input.ts), which keeps it here and replays it once output
//   has reached that sequence. The operational station has no hook: plain BSD TCP.
// - the signals (signals.ts); the standby reads its counterpart's operational signal
//   on every transmission and on the interrupt a change raises, and takes over at once.
// - the ISS comes from the addresses (TcpStack.issFor), and both stations run their
//   TCP and application from the same random stream ("the same software, the same
//   inputs"), so the standby's connection is the operational one's, byte for byte.
//
// Simplified: both stations boot together and the handshake of §3 completes at once
// (the lower management address, station 0, becomes operational); a station that boots
// again later is a late joiner: unsynchronized, it never transmits and holds no session
// until its data and timing synchronization (join.ts) are done; one that boots with no
// operational counterpart waits bootTimeout (2 minutes) and goes on alone.
import { Rng, type ActorContext, type Message } from '../../sim/index.ts';
import type { StreamSession, AppTimerTag } from '../app/session.ts';
import { RoutingEngine, type RePeerInfo, type ReMessage } from '../router/re.ts';
import type { Interface } from '../net/host.ts';
import { seqLeq, type Ipv4, type Segment } from '../net/segment.ts';
import type { TcpConnection, TcpOptionsConfig } from '../tcp/tcp.ts';
import { K } from '../vocab.ts';
import type { StationSignals } from './signals.ts';
import type { RtcpMutantName } from './mutants.ts';
import { StationMgmt } from './join.ts';

/** Early ACKs a standby keeps per connection; beyond it the segment is dropped. */
export const ACK_BUFFER_MAX = 256;

/** A change of the counterpart's signals (the interrupt of §2.3). */
export interface SignalInterrupt extends Message {
  readonly type: 'rtcp.interrupt';
}

/** Replays buffered early ACKs of a connection whose output moved. */
interface AckReplay extends Message {
  readonly type: 'rtcp.replay';
  readonly conn: TcpConnection;
  /** After a takeover: every kept segment goes in (plain TCP judges those still ahead). */
  readonly all: boolean;
}

/** §4.1.2.2.1: the station's application timing slips by `offsetNs` from now on. */
export interface ClockOffset extends Message {
  readonly type: 'rtcp.clock-offset';
  readonly offsetNs: number;
}

/** §5.2: the instant both stations reopen their sessions after a timing synchronization. */
interface Epoch extends Message {
  readonly type: 'rtcp.epoch';
  readonly epochNs: number;
  readonly joiner: boolean;
}

/** the counterpart did not become operational in time: go on alone. */
interface BootTimeout extends Message {
  readonly type: 'rtcp.boot-timeout';
}

/** an operator command at this station (the operator-config fault). */
export interface OperatorConfig extends Message {
  readonly type: 'rtcp.operator-config';
  readonly key: string;
  readonly value: string;
}

export type StationMessage =
  SignalInterrupt | AckReplay | ClockOffset | Epoch | BootTimeout | OperatorConfig;

export interface StationSetup {
  index: 0 | 1;
  routerAddr: Ipv4;
  internalAddr: Ipv4;
  pfe: Interface;
  interRe: Interface;
  peers: readonly RePeerInfo[];
  tcp: Partial<TcpOptionsConfig>;
  signals: StationSignals;
  /** The run's seed: both stations draw from one stream of it, each its own copy. */
  seed: number;
  /** how long a booting station waits for its counterpart (2 minutes). */
  bootTimeoutNs: number;
  /** The counterpart's management address (the other RE's internal address). */
  counterpartAddr: Ipv4;
  /** How much later this station's application timers fire from boot (its timing lag). */
  clockOffsetNs: number;
  mutant: RtcpMutantName | undefined;
}

export class Station extends RoutingEngine {
  private bootCount = 0;
  private readonly early = new Map<TcpConnection, Segment[]>();
  /** Sessions whose next application timer is shifted by the clock offset. */
  private shift = new WeakMap<StreamSession, number>();
  private offsetNs: number;
  /** Transmissions suppressed at layer 1. */
  suppressed = 0;
  /** False for a late joiner until it is synchronized: it holds no session. */
  synchronized = true;
  /** Set while sessions open at boot: no takeover decision before both stations are up. */
  private booting = false;
  /** The context this station's code sees: the simulator's, with the stations' stream. */
  private own!: ActorContext;
  /** The management plane of this incarnation (R-4, R-6; join.ts). */
  mgmt!: StationMgmt;

  constructor(readonly setup: StationSetup) {
    const s = setup;
    super(
      s.index,
      s.routerAddr,
      s.internalAddr,
      s.pfe,
      s.interRe,
      'master',
      s.peers,
      s.tcp,
      undefined,
    );
    this.offsetNs = s.clockOffsetNs;
  }

  get station(): 0 | 1 {
    return this.index;
  }

  private get counterpart(): 0 | 1 {
    return this.index === 0 ? 1 : 0;
  }

  get operational(): boolean {
    return this.setup.signals.read(this.index).operational;
  }

  override start(ctx: ActorContext): void {
    // R-1, R-4: the same software with the same inputs: both stations' TCP and application
    // draw from identical copies of one stream (a late joiner starts the copy afresh).
    const rng = new Rng(this.setup.seed, 'rtcp/station');
    this.own = Object.create(ctx, {
      rng: { value: rng, writable: true, configurable: true },
    }) as ActorContext;
    super.start(this.own);
  }

  protected override boot(): void {
    const first = this.bootCount++ === 0;
    this.early.clear();
    this.shift = new WeakMap();
    const stack = this.stack(this.routerAddr);
    // The ISS from the addresses on both stacks: no draw from the stations' shared stream.
    for (const st of [stack, this.stack(this.internalAddr)])
      st.issFor = (c) => issFromAddresses(c.laddr, c.lport, c.faddr, c.fport);
    stack.onNewConnection = (c) => this.hookStandby(c);
    const lateJoin = !first && this.setup.signals.read(this.counterpart).operational;
    // §3 (simplified): both boot together, see each other ready at once, and the lower
    // management address (station 0) is operational. The signals are set before the
    // sessions open, so the first SYN already knows who transmits.
    this.synchronized = first;
    const op = this.index === 0 && first;
    this.setSignals({ present: true, ready: first, operational: op });
    this.ctx.trace(K.rtcp.state, {
      station: this.index,
      state: op ? 'operational' : first ? 'standby' : 'unsynchronized',
    });
    this.booting = true;
    // Only the first boot opens sessions (RoutingEngine makes a reboot a backup).
    super.boot();
    this.booting = false;
    this.bootMgmt(op, first, lateJoin);
  }

  /** serve management; a standby opens telnet, a late joiner starts its walk. */
  private bootMgmt(op: boolean, first: boolean, lateJoin: boolean): void {
    this.mgmt = new StationMgmt({
      station: this.index,
      boots: this.bootCount,
      mgmtStack: () => this.stack(this.internalAddr),
      counterpartAddr: () => this.setup.counterpartAddr,
      trace: (k, f) => this.ctx.trace(k, f),
      sessionsDown: (epochNs) => this.sessionsDown(epochNs),
      joinAt: (epochNs) => this.joinAt(epochNs),
      now: () => this.ctx.now,
    });
    this.mgmt.listen();
    if (!op && (first || lateJoin)) this.mgmt.connect(lateJoin);
    if (!first && !lateJoin)
      this.ctx.startTimer(this.setup.bootTimeoutNs, {
        type: 'rtcp.boot-timeout',
      } satisfies BootTimeout);
  }

  /** §5.2 on the operational station: sessions down now (RSTs), back at the epoch. */
  private sessionsDown(epochNs: number): void {
    this.ctx.trace(K.rtcp.sessionsDown, { station: this.index, epochNs });
    super.handle({ type: 're.role', role: 'backup', sync: false });
    this.ctx.startTimer(epochNs - this.ctx.now, {
      type: 'rtcp.epoch',
      epochNs,
      joiner: false,
    } satisfies Epoch);
  }

  /** §5.2 on the joiner: sessions at the epoch, then a ready standby. */
  private joinAt(epochNs: number): void {
    this.ctx.trace(K.rtcp.timingSync, { station: this.index, phase: 'start', epochNs });
    const delay = Math.max(0, epochNs - this.ctx.now);
    this.ctx.startTimer(delay, { type: 'rtcp.epoch', epochNs, joiner: true } satisfies Epoch);
  }

  /** The epoch: both stations reseed their stream alike and open every session afresh. */
  private epoch(m: Epoch): void {
    Object.defineProperty(this.own, 'rng', {
      value: new Rng(this.setup.seed, `rtcp/station/epoch/${m.epochNs}`),
      writable: true,
      configurable: true,
    });
    this.ctx.trace(K.rtcp.appSession, { station: this.index, epochNs: m.epochNs });
    super.handle({ type: 're.role', role: 'master', sync: false });
    if (!m.joiner) return;
    this.synchronized = true;
    this.setSignals({ ready: true });
    this.ctx.trace(K.rtcp.timingSync, { station: this.index, phase: 'done' });
    this.ctx.trace(K.rtcp.state, { station: this.index, state: 'standby' });
  }

  /** nobody answered within the boot timeout: this station goes on alone. */
  private bootTimeout(): void {
    if (this.operational || this.setup.signals.read(this.counterpart).operational) return;
    this.ctx.trace(K.rtcp.bootTimeout, { station: this.index });
    this.synchronized = true;
    this.setSignals({ ready: true, operational: true });
    this.ctx.trace(K.rtcp.state, { station: this.index, state: 'operational' });
    super.handle({ type: 're.role', role: 'master', sync: false });
  }

  private setSignals(patch: Parameters<StationSignals['set']>[1]): void {
    if (!this.setup.signals.set(this.index, patch)) return;
    const s = this.setup.signals.read(this.index);
    this.ctx.trace(K.rtcp.signal, { station: this.index, ...s });
  }

  protected override handle(msg: ReMessage | StationMessage): void {
    switch (msg.type) {
      case 'rtcp.interrupt':
        this.checkCounterpart();
        return;
      case 'rtcp.replay':
        this.replay(msg.conn, msg.all);
        return;
      case 'rtcp.clock-offset':
        this.setClockOffset(msg.offsetNs);
        return;
      case 'rtcp.epoch':
        this.epoch(msg);
        return;
      case 'rtcp.boot-timeout':
        this.bootTimeout();
        return;
      case 'rtcp.operator-config':
        this.mgmt.operator(msg.key, msg.value);
        return;
      default:
        super.handle(msg);
    }
  }

  /** a ready standby whose counterpart is not operational takes over, now. */
  private checkCounterpart(): void {
    if (this.operational || !this.synchronized || this.booting) return;
    if (this.setup.signals.read(this.counterpart).operational) return;
    this.setSignals({ operational: true });
    this.ctx.trace(K.rtcp.takeover, { station: this.index, from: this.counterpart });
    // The operational station runs plain TCP: no more early ACKs are kept, and those kept
    // go in next (those still ahead of snd_max are dropped there after an ACK, as BSD does);
    // next, not now: a takeover can happen inside a TCP output (ipOutput below).
    for (const c of this.stack(this.routerAddr).connections()) c.ackAheadHook = undefined;
    for (const conn of this.early.keys())
      this.ctx.send(this.ctx.id, { type: 'rtcp.replay', conn, all: true } satisfies AckReplay);
  }

  // ---- layer-1 suppression -------------------------------------------------------------

  override ipOutput(seg: Segment): void {
    if (seg.src !== this.routerAddr) {
      super.ipOutput(seg);
      return;
    }
    // the standby checks the counterpart's operational signal on every transmission.
    if (!this.operational) this.checkCounterpart();
    if (this.operational) {
      super.ipOutput(seg);
      return;
    }
    // Suppressed at layer 1 and reported as sent: TCP goes on as if it were on the wire.
    this.suppressed++;
    if (this.early.size === 0) return;
    const conn = this.stack(this.routerAddr).lookup(seg.src, seg.sport, seg.dst, seg.dport);
    if (conn !== undefined && this.early.has(conn))
      this.ctx.send(this.ctx.id, { type: 'rtcp.replay', conn, all: false } satisfies AckReplay);
  }

  // ---- early ACKs ----------------------------------------------------------------------

  private hookStandby(c: TcpConnection): void {
    if (this.operational) return;
    if (this.setup.mutant === 'rtcp-standby-drops-early-ack') return;
    c.ackAheadHook = (conn, seg) => this.keepEarly(conn, seg);
  }

  private keepEarly(conn: TcpConnection, seg: Segment): boolean {
    const q = this.early.get(conn) ?? [];
    if (q.length >= ACK_BUFFER_MAX) {
      this.ctx.trace(K.rtcp.ackBufferFull, { station: this.index, ack: seg.ack, seq: seg.seq });
      return true;
    }
    q.push(seg);
    this.early.set(conn, q);
    this.ctx.trace(K.rtcp.ackBuffer, {
      station: this.index,
      lport: conn.lport,
      fport: conn.fport,
      ack: seg.ack,
      snd_max: conn.snd_max,
      kept: q.length,
    });
    return true;
  }

  /** Output moved: the kept ACKs it has reached go into TCP input, in arrival order. */
  private replay(conn: TcpConnection, all: boolean): void {
    const q = this.early.get(conn);
    if (q === undefined) return;
    let n = all ? q.length : 0;
    while (n < q.length && seqLeq((q[n] as Segment).ack, conn.snd_max)) n++;
    if (n === 0) return;
    const now = q.splice(0, n);
    if (q.length === 0) this.early.delete(conn);
    for (const seg of now) {
      this.ctx.trace(K.rtcp.ackReplay, {
        station: this.index,
        ack: seg.ack,
        snd_max: conn.snd_max,
      });
      this.stack(this.routerAddr).input(seg);
    }
  }

  // ---- timing (§4.1.2.2.1) ------------------------------------------------------------------

  private setClockOffset(offsetNs: number): void {
    const delta = Math.max(0, offsetNs - this.offsetNs);
    this.offsetNs = offsetNs;
    this.ctx.trace(K.rtcp.clockOffset, { station: this.index, offsetNs });
    for (const s of this.allSessions()) this.shift.set(s, delta);
  }

  /**
   * A station whose timing lags by `offsetNs` runs its application's timer chain that
   * much later: the next timer of each session is shifted once (the later ones keep
   * their gaps, so the lag stays constant instead of growing with every timer).
   */
  override startAppTimer(session: StreamSession, tag: AppTimerTag, delayNs: number): number {
    let extra = this.shift.get(session);
    if (extra === undefined) {
      extra = this.bootCount === 1 ? this.offsetNs : 0;
    }
    this.shift.set(session, 0);
    return super.startAppTimer(session, tag, delayNs + extra);
  }

  /** The kept early ACKs (for tests and checkers). */
  earlyAcks(): number {
    let n = 0;
    for (const q of this.early.values()) n += q.length;
    return n;
  }
}

/**
 * R-4 (§5.2): deterministic initial sequence numbers from the connection's addresses, so
 * that both stations (and a station re-establishing a session) pick the same one. FNV-1a
 * over the 4-tuple: any fixed function of the addresses would do.
 */
export function issFromAddresses(
  laddr: number,
  lport: number,
  faddr: number,
  fport: number,
): number {
  let h = 0x811c9dc5;
  for (const v of [laddr, lport, faddr, fport]) {
    for (let i = 0; i < 4; i++) {
      h ^= (v >>> (8 * i)) & 0xff;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
  }
  return h >>> 0;
}
