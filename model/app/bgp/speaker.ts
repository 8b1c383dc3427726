// The BGP-4 speaker: one peering (RFC 4271), as a protocol engine (io.ts) that the
// application-protocol layer hosts on an external peer or on an RE.
//
// FSM (RFC 4271 §8): Idle, Connect, Active, OpenSent, OpenConfirm, Established.
// Simplified: the start is automatic (ManualStart, then AutomaticStart after IdleHoldTime
// whenever the session went down: no DampPeerOscillations); there is no DelayOpen and no
// connection-collision resolution (§6.8): the layer asks acceptsConnection() before it
// hands over a connection, and one end of a peering is usually passive. An inbound
// connection while Established with a graceful-restart peer ends the old session
// (RFC 4724 §4.2). ConnectRetry (§10: 120 s, configurable) re-opens connections in
// Active; an attempt still pending in Connect is left to TCP. Keepalive and ConnectRetry
// intervals are jittered by a factor uniform in [0.75, 1.0] drawn from io.rng (§10).
// The hold time is the smaller of both OPENs' (§4.2); the keepalive interval a third of
// it at most; hold 0 means neither. A malformed message, an unexpected one (RFC 6608
// subcodes) or hold-timer expiry ends the session with a NOTIFICATION carrying the RFC 4271
// §6 code, subcode and data; the connection is closed once the NOTIFICATION is written.
//
// Output (sender.ts): one message at a time is produced when so_snd has taken the last one:
// the initial table, End-of-RIB, then churn.
//
// Routes: the speaker originates a configured table (table.ts) and learns the peer's into
// its Adj-RIB-In; graceful restart, as the helper, is gr.ts; as the restarting speaker it
// sets the Restart State bit until its first Established session (RFC 4724 §4.1) and sends
// End-of-RIB after its initial UPDATEs. Simplified: a restarting speaker does not defer
// anything until it has the peers' End-of-RIB (§4.1's selection deferral): nsrsim's
// speakers originate their own tables and select nothing.
//
// NSR (SPEC B-3, S-3): in snoop mode the speaker parses both directions of the replicated
// socket (snoop.ts), keeps its own timers, and never writes; takeover() continues the
// session with no new OPEN.
import type { BgpConfig } from './config.ts';
import { checkConfig } from './config.ts';
import {
  CLOSE_FLUSH_NS,
  Conn,
  NO_SESSION_CTX,
  OPEN_HOLD_NS,
  negotiate,
  unexpected,
} from './conn.ts';
import {
  ERR,
  SUB,
  errorName,
  type BgpError,
  type BgpMessage,
  type MsgKind,
  type NotificationMsg,
  type OpenMsg,
  type UpdateMsg,
} from './defs.ts';
import { PeerRoutes, type GrTimer } from './gr.ts';
import type { EngineMode, ProtocolEngine, ProtocolIo } from './io.ts';
import { BGP_KIND } from './kinds.ts';
import { KEEPALIVE, decodeBody, encodeMessage, encodeNotification } from './message.ts';
import { grCoversIpv4, makeOpen } from './open.ts';
import { malformedMessage, type Malform, type MalformCase } from './malform.ts';
import type { RibEntry } from './rib.ts';
import { Sender } from './sender.ts';
import { updateSummary } from './summary.ts';
import { SnoopSide, type BgpSync } from './snoop.ts';
import {
  newCounters,
  outcomeOf,
  pushBounded,
  type BgpCounters,
  type BgpOutcome,
  type DownCause,
} from './stats.ts';
import { SEC } from '../../../sim/index.ts';

export type BgpState = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';

export const BGP_TIMERS = [
  'connect-retry',
  'idle-hold',
  'hold',
  'keepalive',
  'churn',
  'gr-restart',
  'gr-stale',
  'close-flush',
] as const;
export type BgpTimer = (typeof BGP_TIMERS)[number];
const TIMER_SET: ReadonlySet<string> = new Set(BGP_TIMERS);

/** The transitions an active speaker makes besides going to Idle (RFC 4271 §8.2.2, simplified). */
const FSM_EDGES: ReadonlySet<string> = new Set([
  'Idle>Connect',
  'Idle>Active',
  // Simplified: a connection handed over in Idle (waiting for IdleHoldTime, or replacing an
  // old session, RFC 4724 §4.2) is taken, where RFC 4271 §8.2.2 would refuse it.
  'Idle>OpenSent',
  'Connect>Active',
  'Connect>OpenSent',
  'Active>Connect',
  'Active>OpenSent',
  'OpenSent>OpenConfirm',
  'OpenConfirm>Established',
]);

export class BgpSpeaker implements ProtocolEngine<BgpSync> {
  mode: EngineMode | undefined;
  state: BgpState = 'Idle';
  readonly counters: BgpCounters = newCounters();
  readonly routes: PeerRoutes;
  /** The connection in use, if any. */
  protected conn: Conn | undefined;
  private readonly timers = new Map<BgpTimer, number>();
  private everEstablished = false;
  private stopped = false;
  private readonly snoop: SnoopSide;
  /** @internal the output side (sender.ts). */
  readonly sender: Sender;

  constructor(
    readonly cfg: BgpConfig,
    readonly io: ProtocolIo,
  ) {
    checkConfig(cfg);
    this.routes = new PeerRoutes(
      {
        now: () => io.now(),
        arm: (t, d) => this.arm(t, d),
        disarm: (t) => this.disarm(t),
        trace: (k, f) => this.trace(k, f),
      },
      this.counters,
    );
    this.snoop = new SnoopSide(this);
    this.sender = new Sender(this);
  }

  // ---- engine surface -------------------------------------------------------------------

  start(mode: EngineMode): void {
    if (this.mode !== undefined) throw new Error(`bgp ${this.cfg.name}: started twice`);
    this.mode = mode;
    if (mode === 'active') this.autoStart('start');
  }

  /** May the layer hand over a (new) connection now? Ask before every onConnected(). */
  acceptsConnection(): boolean {
    if (this.mode !== 'active' || this.stopped) return false;
    if (this.conn === undefined) return true;
    // RFC 4724 §4.2: a new connection from a graceful-restart peer while Established means
    // the old session is gone ("the previous TCP session MUST be closed, and the new one retained").
    return this.state === 'Established' && this.conn.session?.peer.gr !== undefined;
  }

  /** A TCP connection to the peer is up (ours or accepted); acceptsConnection() said yes. */
  onConnected(): void {
    if (!this.acceptsConnection())
      throw new Error(
        `bgp ${this.cfg.name}: onConnected in ${this.state} without acceptsConnection()`,
      );
    if (this.conn !== undefined) this.connectionLost('superseded');
    this.disarm('connect-retry');
    this.disarm('idle-hold');
    this.conn = new Conn();
    this.sendOpen(this.conn);
  }

  input(bytes: Uint8Array): void {
    const c = this.conn;
    if (this.mode !== 'active' || c === undefined || c.closing) return;
    c.in.push(bytes);
    this.drainInput();
  }

  snoopIn(bytes: Uint8Array): void {
    this.snoop.input('in', bytes);
  }

  snoopOut(bytes: Uint8Array): void {
    this.snoop.input('out', bytes);
  }

  takeover(): void {
    this.snoop.takeover();
  }

  onWritable(): void {
    this.sender.pump();
  }

  onClosed(reason: string): void {
    if (this.mode === undefined) return;
    const c = this.conn;
    if (c === undefined) {
      // An attempt of ours failed: wait in Active for ConnectRetry (RFC 4271 §8.2.2).
      if (this.state === 'Connect') this.toState('Active', `connect failed: ${reason}`);
      return;
    }
    this.trace(BGP_KIND.closed, { reason, state: this.state });
    this.connectionLost('tcp-closed');
  }

  onTimer(tag: string): void {
    if (!TIMER_SET.has(tag)) throw new Error(`bgp ${this.cfg.name}: unknown timer ${tag}`);
    const t = tag as BgpTimer;
    if (!this.timers.delete(t)) {
      this.trace(BGP_KIND.timerIgnored, { timer: t });
      return;
    }
    this.timerFired(t);
  }

  syncPoint(): BgpSync {
    return this.snoop.syncPoint();
  }

  resume(sync: BgpSync): void {
    this.snoop.resume(sync);
  }

  /** Administrative stop: Cease with Hard Reset (RFC 8538 §3: no graceful restart at the peer). */
  stop(): void {
    this.stopped = true;
    this.disarm('connect-retry');
    this.disarm('idle-hold');
    const c = this.conn;
    if (c === undefined || c.closing || this.mode !== 'active') {
      if (this.state !== 'Idle') this.toState('Idle', 'stopped');
      return;
    }
    const data = new Uint8Array([ERR.cease, SUB.cease.adminShutdown]);
    this.fail(
      { code: ERR.cease, subcode: SUB.cease.hardReset, data, reason: 'stopped' },
      'stopped',
    );
  }

  // ---- read-only views --------------------------------------------------------------------

  /** The peer's routes, sorted by prefix. */
  adjRibIn(): RibEntry[] {
    return this.routes.rib.entries();
  }

  /** What was negotiated on the current connection, if the OPENs have been exchanged. */
  get negotiated() {
    return this.conn?.session;
  }

  outcome(): BgpOutcome {
    return outcomeOf(this.counters, this.routes.episodes, this.io.now());
  }

  // ---- FSM --------------------------------------------------------------------------------

  private autoStart(why: string): void {
    if (this.stopped) return;
    if (this.cfg.passive) {
      this.toState('Active', why);
      return;
    }
    this.toState('Connect', why);
    this.trace(BGP_KIND.connect, {});
    this.io.connect();
    this.arm('connect-retry', this.jitter(this.cfg.connectRetryNs));
  }

  /** @internal the OPEN this speaker sends (Restart State until its first Established session). */
  ourOpen(): OpenMsg {
    const g = this.cfg.gr;
    return makeOpen({
      localAs: this.cfg.localAs,
      holdTimeSec: this.cfg.holdTimeSec,
      bgpId: this.cfg.bgpId,
      as4: this.cfg.as4,
      gr:
        g === undefined
          ? undefined
          : {
              restarting: this.cfg.restarting && !this.everEstablished,
              notification: g.notification,
              restartTimeSec: g.restartTimeSec,
              forwarding: g.forwardingState,
            },
    });
  }

  /** @internal sends our OPEN and waits in OpenSent (RFC 4271 §8.2.2). */
  sendOpen(c: Conn): void {
    const open = this.ourOpen();
    const bytes = encodeMessage({ kind: 'open', open }, false);
    c.ourOpen = open;
    c.ourOpenBytes = bytes;
    this.sender.enqueue(c, bytes, 'open', { holdTimeSec: open.holdTimeSec });
    this.arm('hold', OPEN_HOLD_NS);
    this.toState('OpenSent', 'connected');
    this.sender.pump();
  }

  private drainInput(): void {
    for (;;) {
      const c = this.conn;
      if (c === undefined || c.closing || this.mode !== 'active') return;
      const f = c.in.next();
      if (f === undefined) return;
      if (!f.ok) {
        this.malformed(f.error, undefined);
        return;
      }
      this.onFrame(c, f.kind, f.bytes);
    }
  }

  private onFrame(c: Conn, kind: MsgKind, bytes: Uint8Array): void {
    // An unexpected message is an FSM error whether or not it is well formed (RFC 4271 §8.2.2).
    const fsm = unexpected(this.state, kind);
    if (fsm !== undefined) {
      this.counters.received[kind]++;
      const reason = `${kind} in ${this.state}`;
      this.fail(
        { code: ERR.fsm, subcode: fsm, data: new Uint8Array(0), reason },
        'notification-sent',
      );
      return;
    }
    const d = decodeBody(kind, bytes, c.session?.ctx ?? NO_SESSION_CTX);
    if (!d.ok) {
      this.malformed(d.error, kind);
      return;
    }
    this.counters.received[kind]++;
    this.traceMsg(BGP_KIND.rx, d.value, bytes.length);
    this.onMessage(c, d.value, bytes);
  }

  private onMessage(c: Conn, m: BgpMessage, bytes: Uint8Array): void {
    switch (m.kind) {
      case 'open':
        this.onOpen(c, m.open, bytes);
        return;
      case 'keepalive':
        c.peerConfirmed = true;
        this.rearmHold(c);
        if (this.state === 'OpenConfirm') this.established(c);
        return;
      case 'update':
        c.peerConfirmed = true;
        this.rearmHold(c);
        this.routes.update(m.update, m.eor);
        return;
      case 'notification':
        this.notificationReceived(m.notification);
        this.closeNow();
        return;
      default: {
        const never: never = m;
        throw new Error(`bgp: unknown message ${String(never)}`);
      }
    }
  }

  /** @internal the peer's OPEN in OpenSent: check it, negotiate, answer KEEPALIVE (RFC 4271 §8.2.2). */
  onOpen(c: Conn, open: OpenMsg, bytes: Uint8Array): void {
    const err = this.checkPeerOpen(open);
    if (err !== undefined) {
      this.fail(err, 'notification-sent');
      return;
    }
    c.peerOpen = open;
    c.peerOpenBytes = bytes;
    c.session = negotiate(this.cfg, c.ourOpen as OpenMsg, open);
    this.sender.enqueue(c, KEEPALIVE.slice(), 'keepalive', {});
    this.rearmHold(c);
    this.toState('OpenConfirm', 'open received');
    this.sender.pump();
  }

  /** RFC 4271 §6.2 checks that need the configuration (the rest are open.ts's). */
  private checkPeerOpen(open: OpenMsg): BgpError | undefined {
    const peerAs = open.caps.reduce((as, cap) => (cap.kind === 'as4' ? cap.as : as), open.myAs);
    const none = new Uint8Array(0);
    if (peerAs !== this.cfg.peerAs)
      return {
        code: ERR.open,
        subcode: SUB.open.badPeerAs,
        data: none,
        reason: `peer AS ${peerAs}`,
      };
    // RFC 6286 §2.2: within an AS the two identifiers must differ.
    if (this.cfg.localAs === this.cfg.peerAs && open.bgpId === this.cfg.bgpId)
      return {
        code: ERR.open,
        subcode: SUB.open.badBgpId,
        data: none,
        reason: 'same BGP Identifier',
      };
    return undefined;
  }

  /** @internal OpenConfirm → Established (RFC 4271 §8.2.2), in either mode. */
  established(c: Conn): void {
    const s = c.session;
    if (s === undefined) throw new Error('bgp: Established without a negotiated session');
    this.toState('Established', 'keepalive received');
    this.everEstablished = true;
    this.counters.established++;
    const keep = this.cfg.gr !== undefined && grCoversIpv4(s.peer.gr, true);
    this.routes.sessionUp(keep, this.cfg.gr?.stalePathNs ?? 0);
    this.trace(BGP_KIND.up, {
      holdTimeSec: s.holdTimeSec,
      keepaliveNs: s.keepaliveNs,
      as4: s.as4,
      peerGr: s.peer.gr !== undefined,
      initialUpdates: s.plan.initialCount,
    });
    if (this.mode === 'active') {
      this.sender.armChurn();
      this.sender.pump();
    }
  }

  /** @internal */
  notificationReceived(n: NotificationMsg): void {
    const error = errorName(n.code, n.subcode);
    pushBounded(this.counters.notificationsReceived, { atNs: this.io.now(), ...n, error });
    this.trace(BGP_KIND.notifyRcvd, { code: n.code, subcode: n.subcode, error, data: n.data });
    this.sessionOver('notification-received', n);
  }

  private malformed(e: BgpError, kind: MsgKind | undefined): void {
    this.counters.malformedReceived++;
    if (kind !== undefined) this.counters.received[kind]++;
    const error = errorName(e.code, e.subcode);
    this.trace(BGP_KIND.malformed, { code: e.code, subcode: e.subcode, error, reason: e.reason });
    this.fail(e, 'notification-sent');
  }

  /** Ends the session with a NOTIFICATION (RFC 4271 §6), then closes once it is written. */
  private fail(e: BgpError, cause: DownCause): void {
    const c = this.conn;
    if (c === undefined || c.closing) return;
    const n: NotificationMsg = { code: e.code, subcode: e.subcode, data: e.data };
    const error = errorName(n.code, n.subcode);
    pushBounded(this.counters.notificationsSent, { atNs: this.io.now(), ...n, error });
    c.out.dropUnstarted();
    this.sender.enqueue(c, encodeNotification(n), 'notification', {
      code: n.code,
      subcode: n.subcode,
    });
    this.trace(BGP_KIND.notifySent, {
      code: n.code,
      subcode: n.subcode,
      error,
      data: n.data,
      reason: e.reason,
    });
    this.sessionOver(cause, n);
    c.closing = true;
    this.arm('close-flush', CLOSE_FLUSH_NS);
    this.sender.pump();
  }

  /**
   * @internal the session is over (NOTIFICATION either way, hold expiry, TCP gone): timers
   * stop, and an Established session's routes are kept stale or deleted (gr.ts).
   */
  sessionOver(cause: DownCause, n: NotificationMsg | undefined): void {
    for (const t of ['hold', 'keepalive', 'churn', 'connect-retry'] as const) this.disarm(t);
    this.sender.keepaliveDue = false;
    const c = this.conn;
    if (this.state === 'Established' && c !== undefined) {
      this.counters.sessionResets++;
      const gr = c.session?.peer.gr;
      const retain = this.grApplies(cause, n) ? gr?.restartTimeSec : undefined;
      this.trace(BGP_KIND.down, {
        cause,
        routes: this.routes.rib.size,
        retained: retain !== undefined,
      });
      this.routes.sessionDown(cause, retain);
    }
    if (c !== undefined) c.closing = true;
    this.toState('Idle', cause);
  }

  /** Whether the helper keeps the routes (RFC 4724 §4.2, RFC 4724 §4 and RFC 8538 §4 on NOTIFICATIONs). */
  private grApplies(cause: DownCause, n: NotificationMsg | undefined): boolean {
    const mine = this.cfg.gr;
    const peer = this.conn?.session?.peer.gr;
    if (mine === undefined || peer === undefined || !grCoversIpv4(peer, false)) return false;
    switch (cause) {
      case 'tcp-closed':
      case 'superseded':
        return true;
      case 'stopped':
        return false;
      default: {
        const hard = n !== undefined && n.code === ERR.cease && n.subcode === SUB.cease.hardReset;
        return mine.notification && peer.notification && !hard;
      }
    }
  }

  /** The connection went away under us (TCP closed, or superseded by a new one). */
  private connectionLost(cause: DownCause): void {
    if (this.conn !== undefined && !this.conn.closing) this.sessionOver(cause, undefined);
    this.disarm('close-flush');
    this.conn = undefined;
    this.scheduleRestart();
  }

  /** @internal closes now (a NOTIFICATION received, or ours written: nothing more to write). */
  closeNow(): void {
    if (this.conn === undefined) return;
    this.disarm('close-flush');
    this.conn = undefined;
    if (this.mode === 'active') this.io.close();
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    if (this.mode === 'active' && !this.stopped) this.arm('idle-hold', this.cfg.idleHoldNs);
  }

  private timerFired(t: BgpTimer): void {
    const c = this.conn;
    switch (t) {
      case 'connect-retry':
        if (this.state === 'Active' && !this.cfg.passive) this.autoStart('connect-retry');
        else if (this.state === 'Connect')
          this.arm('connect-retry', this.jitter(this.cfg.connectRetryNs));
        return;
      case 'idle-hold':
        if (this.state === 'Idle' && c === undefined) this.autoStart('idle-hold');
        return;
      case 'hold':
        this.holdExpired();
        return;
      case 'keepalive':
        if (this.mode === 'snoop') this.sender.keepaliveDue = true;
        else if (c !== undefined) this.sender.sendKeepalive(c);
        return;
      case 'churn':
        this.sender.churnTick();
        return;
      case 'gr-restart':
      case 'gr-stale':
        this.routes.onTimer(t as GrTimer);
        return;
      case 'close-flush':
        if (c !== undefined && c.closing) this.closeNow();
        return;
      default: {
        const never: never = t;
        throw new Error(`bgp: timer ${String(never)}`);
      }
    }
  }

  private holdExpired(): void {
    if (this.mode === 'snoop') {
      // The snooper never writes (SPEC S-3); the master decides. Noted for the reviewer.
      this.trace(BGP_KIND.snoopHoldExpired, { state: this.state });
      return;
    }
    this.counters.holdExpiries++;
    this.trace(BGP_KIND.holdExpired, { state: this.state });
    const e = {
      code: ERR.holdTimer,
      subcode: 0,
      data: new Uint8Array(0),
      reason: 'hold timer expired',
    };
    this.fail(e, 'hold-expired');
  }

  /** @internal restarts the hold timer with the negotiated value (none when it is 0). */
  rearmHold(c: Conn): void {
    const ns = c.session?.holdNs ?? OPEN_HOLD_NS;
    if (ns > 0) this.arm('hold', ns);
    else this.disarm('hold');
  }

  /** @internal RFC 4271 §10: a factor uniform in [0.75, 1.0]. */
  jitter(ns: number): number {
    return Math.floor((ns * this.io.rng.between(750, 1000)) / 1000);
  }

  // ---- plumbing ---------------------------------------------------------------------------

  /** @internal */
  arm(t: BgpTimer, delayNs: number): void {
    this.disarm(t);
    this.timers.set(t, this.io.startTimer(t, delayNs));
  }

  /** @internal */
  disarm(t: BgpTimer): void {
    const h = this.timers.get(t);
    if (h === undefined) return;
    this.io.cancelTimer(h);
    this.timers.delete(t);
  }

  /** @internal */
  toState(to: BgpState, why: string): void {
    if (to === this.state) return;
    // An active speaker moves only along RFC 4271 §8's edges (a snooper follows the streams).
    if (this.mode === 'active' && to !== 'Idle' && !FSM_EDGES.has(`${this.state}>${to}`))
      throw new Error(`bgp ${this.cfg.name}: FSM ${this.state} -> ${to} (${why})`);
    this.trace(BGP_KIND.state, { from: this.state, to, why });
    this.state = to;
  }

  /** @internal */
  trace(kind: string, fields: Record<string, unknown>): void {
    this.io.trace(kind, { peer: this.cfg.name, ...fields });
  }

  /** @internal */
  traceMsg(kind: string, m: BgpMessage, len: number, snoop?: 'in' | 'out'): void {
    const extra =
      m.kind === 'update'
        ? updateSummary(m.update)
        : m.kind === 'notification'
          ? { code: m.notification.code, subcode: m.notification.subcode }
          : m.kind === 'open'
            ? { holdTimeSec: m.open.holdTimeSec }
            : {};
    this.trace(kind, { msg: m.kind, len, ...extra, ...(snoop === undefined ? {} : { snoop }) });
  }

  // ---- internals shared with snoop.ts -----------------------------------------------------

  /** @internal */
  get connection(): Conn | undefined {
    return this.conn;
  }

  /** @internal */
  setConnection(c: Conn | undefined): void {
    this.conn = c;
  }

  /** @internal */
  setMode(m: EngineMode): void {
    this.mode = m;
  }

  /** @internal */
  isArmed(t: BgpTimer): boolean {
    return this.timers.has(t);
  }

  /** @internal */
  afterTakeover(): void {
    this.drainInput();
    this.sender.pump();
  }

  /** @internal the session is gone and this instance is active: back to Idle and restart. */
  restartLater(): void {
    this.conn = undefined;
    this.toState('Idle', 'no session');
    this.scheduleRestart();
  }

  /**
   * Test hook: writes malformation `m` (malform.ts) as the next message and returns it with
   * the NOTIFICATION the peer must answer. The session here goes on as if nothing was sent.
   */
  sendMalformed(m: Malform): MalformCase | undefined {
    const c = this.conn;
    if (c === undefined || this.mode !== 'active' || c.closing) return undefined;
    const as4 = c.session?.as4 ?? this.cfg.as4;
    const mc = malformedMessage(m, { as4, localAs: this.cfg.localAs, nextHop: this.cfg.nextHop });
    c.out.push(mc.bytes, mc.kind);
    this.trace(BGP_KIND.malformedSent, { malform: m, len: mc.bytes.length, bytes: mc.bytes });
    this.sender.pump();
    return mc;
  }
}
