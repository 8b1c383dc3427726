// The NSR side of the BGP speaker (SPEC B-3, S-3): on the backup RE the speaker reads both
// directions of its replicated socket (snoopIn: what the peer sent; snoopOut: what the
// master's speaker wrote) and never writes. From the peer's side it learns the Adj-RIB-In,
// with the same graceful-restart logic as the master; from the master's side the OPEN it
// sent, how far the OPEN exchange and its UPDATE sequence have got (each UPDATE is checked
// against what this instance would have produced: table.ts), and when it last sent, so its
// own keepalive timer runs with the same meaning. Its hold timer runs too, but only traces.
//
// The two directions arrive independently, so the snooper does not judge the FSM (the
// master does, and any NOTIFICATION it sends is seen here); it derives the state from what
// it has seen, and holds back the peer's UPDATEs until both OPENs are known (their
// decoding depends on the AS width negotiated).
//
// takeover(): the backup becomes the master without a new OPEN. The master may have
// written part of a message (S-1: nothing beyond the replicated octets reached the wire):
// the new master completes it byte for byte, regenerating it (a KEEPALIVE, the next
// UPDATE of the plan, its OPEN); a message it cannot regenerate (a NOTIFICATION) is padded
// to its announced length, which ends the session visibly rather than silently. Then it
// does what the master owed (the KEEPALIVE answering an OPEN already read, Established on a
// KEEPALIVE already read), restarts the hold timer, sends a KEEPALIVE if its keepalive
// interval ran out while snooping, and carries on with the initial table and churn.
//
// syncPoint()/resume(): a snooper joining mid-session starts from the master's stream
// offsets and partial messages, with the OPENs both sides sent (as a real BGP NSR sync
// carries them), the progress of the OPEN exchange and UPDATE sequence, and the
// Adj-RIB-In with its graceful-restart state.
import { CLOSE_FLUSH_NS, Conn, NO_SESSION_CTX, negotiate } from './conn.ts';
import {
  ERR,
  HEADER_BYTES,
  MARKER_BYTES,
  MESSAGE_BYTES_MAX,
  MSG,
  MSG_KIND,
  NOTIFICATION_BYTES_MIN,
  errorName,
  type BgpMessage,
  type MsgKind,
  type OpenMsg,
} from './defs.ts';
import type { PeerRoutesSnapshot } from './gr.ts';
import type { SyncPoint } from './io.ts';
import { BGP_KIND } from './kinds.ts';
import { KEEPALIVE, decodeBody, decodeMessage, encodeMessage } from './message.ts';
import type { BgpSpeaker, BgpState } from './speaker.ts';
import { pushBounded } from './stats.ts';
import { rd16 } from '../../net/bytes.ts';

export interface BgpSync extends SyncPoint {
  /** Our OPEN, if wholly written. */
  openSent: Uint8Array | undefined;
  /** The peer's OPEN, if consumed. */
  openReceived: Uint8Array | undefined;
  keepaliveSent: boolean;
  peerConfirmed: boolean;
  /** UPDATEs wholly written on this connection. */
  updatesOut: number;
  routes: PeerRoutesSnapshot;
}

/**
 * The sync point of a socket replicated from its start (offset 0): nothing read or written
 * yet, the routes the master already holds (its graceful-restart state outlives sockets).
 */
export function syncAtStart(routes: PeerRoutesSnapshot | undefined): BgpSync {
  return {
    inOffset: 0,
    outOffset: 0,
    inPartial: new Uint8Array(0),
    outPartial: new Uint8Array(0),
    openSent: undefined,
    openReceived: undefined,
    keepaliveSent: false,
    peerConfirmed: false,
    updatesOut: 0,
    routes: routes ?? {
      routes: [],
      open: undefined,
      restartDeadlineNs: undefined,
      staleDeadlineNs: undefined,
    },
  };
}

type Dir = 'in' | 'out';

/** Bound on the peer's octets a snooper holds while it waits for this side's OPEN. */
export const SNOOP_HOLD_BYTES_MAX = 1 << 20;

export class SnoopSide {
  constructor(private readonly sp: BgpSpeaker) {}

  syncPoint(): BgpSync {
    const c = this.sp.connection;
    if (this.sp.mode !== 'active' || c === undefined)
      throw new Error(
        `bgp ${this.sp.cfg.name}: syncPoint() needs an active instance with a connection`,
      );
    return {
      inOffset: c.in.pushed,
      outOffset: c.out.written,
      inPartial: c.in.partial(),
      outPartial: c.out.headPartial(),
      openSent: c.openWritten ? c.ourOpenBytes : undefined,
      openReceived: c.peerOpen === undefined ? undefined : c.peerOpenBytes,
      keepaliveSent: c.keepaliveWritten,
      peerConfirmed: c.peerConfirmed,
      updatesOut: c.updatesWritten,
      routes: this.sp.routes.snapshot(),
    };
  }

  /** A replicated socket joins this snooper at the sync point (offset 0 for a new one). */
  resume(sync: BgpSync): void {
    const sp = this.sp;
    if (sp.mode !== 'snoop') throw new Error(`bgp ${sp.cfg.name}: resume() in mode ${sp.mode}`);
    const old = sp.connection;
    if (old !== undefined && !old.closing)
      throw new Error(`bgp ${sp.cfg.name}: resume() while a replicated connection is live`);
    const c = new Conn();
    c.in.resumeAt(sync.inOffset, sync.inPartial);
    c.snooped.resumeAt(sync.outOffset, sync.outPartial);
    if (sync.openSent !== undefined) {
      c.ourOpen = openOf(sync.openSent);
      c.ourOpenBytes = sync.openSent;
      c.openWritten = true;
    }
    if (sync.openReceived !== undefined) {
      c.peerOpen = openOf(sync.openReceived);
      c.peerOpenBytes = sync.openReceived;
    }
    this.negotiateIfReady(c);
    c.keepaliveWritten = sync.keepaliveSent;
    c.peerConfirmed = sync.peerConfirmed;
    c.updatesOut = c.updatesWritten = sync.updatesOut;
    sp.setConnection(c);
    sp.routes.restore(sync.routes);
    sp.toState(derive(c), 'resumed');
    if (c.session !== undefined) {
      sp.rearmHold(c);
      sp.sender.armKeepalive(c);
    }
    sp.trace(BGP_KIND.resume, {
      inOffset: sync.inOffset,
      outOffset: sync.outOffset,
      inPartial: sync.inPartial.length,
      outPartial: sync.outPartial.length,
      routes: sync.routes.routes.length,
      state: sp.state,
    });
    this.drain(c);
  }

  input(dir: Dir, bytes: Uint8Array): void {
    const c = this.sp.connection;
    if (this.sp.mode !== 'snoop' || c === undefined || c.closing) return;
    (dir === 'in' ? c.in : c.snooped).push(bytes);
    this.drain(c);
  }

  private drain(c: Conn): void {
    while (this.step(c, 'out') || this.step(c, 'in'));
  }

  /** Takes one message from one direction; false when there is none to take yet. */
  private step(c: Conn, dir: Dir): boolean {
    if (c.closing) return false;
    const framer = dir === 'in' ? c.in : c.snooped;
    if (dir === 'in' && c.session === undefined && framer.peek()?.kind === 'update') {
      // The peer's UPDATEs wait for our OPEN (their AS width depends on it); a snooper that
      // never sees it (its side of the socket is not replicated) stops holding them.
      if (framer.held > SNOOP_HOLD_BYTES_MAX) {
        const reason = 'peer UPDATEs without our OPEN';
        framer.abandon({ code: 0, subcode: 0, data: new Uint8Array(0), reason });
        this.sp.trace(BGP_KIND.snoopMismatch, { what: 'no own OPEN', held: SNOOP_HOLD_BYTES_MAX });
      }
      return false;
    }
    const f = framer.next();
    if (f === undefined) return false;
    const sp = this.sp;
    if (!f.ok) {
      this.malformed(dir, f.error.code, f.error.subcode, f.error.reason);
      return false;
    }
    const ctx = (dir === 'in' ? c.session?.ctx : c.session?.ownCtx) ?? NO_SESSION_CTX;
    const d = decodeBody(f.kind, f.bytes, ctx);
    if (!d.ok) {
      this.malformed(dir, d.error.code, d.error.subcode, d.error.reason);
      // An UPDATE of ours still takes its number in the sequence.
      if (dir === 'out' && f.kind === 'update') this.ownUpdate(c, f.bytes, false);
      return true;
    }
    if (dir === 'in') this.peerMessage(c, d.value, f.bytes);
    else this.ownMessage(c, d.value, f.bytes);
    this.settle(c);
    return sp.connection === c;
  }

  private malformed(dir: Dir, code: number, subcode: number, reason: string): void {
    const sp = this.sp;
    const error = errorName(code, subcode);
    if (dir === 'in') {
      sp.counters.malformedReceived++;
      sp.trace(BGP_KIND.malformed, { code, subcode, error, reason, snoop: dir });
    } else sp.trace(BGP_KIND.snoopMismatch, { what: 'malformed own output', error, reason });
  }

  private peerMessage(c: Conn, m: BgpMessage, bytes: Uint8Array): void {
    const sp = this.sp;
    sp.counters.received[m.kind]++;
    sp.traceMsg(BGP_KIND.rx, m, bytes.length, 'in');
    switch (m.kind) {
      case 'open':
        c.peerOpen = m.open;
        c.peerOpenBytes = bytes;
        this.negotiateIfReady(c);
        return;
      case 'keepalive':
        if (c.peerOpen !== undefined) c.peerConfirmed = true;
        sp.rearmHold(c);
        return;
      case 'update':
        c.peerConfirmed = true;
        sp.rearmHold(c);
        sp.routes.update(m.update, m.eor);
        return;
      case 'notification':
        sp.notificationReceived(m.notification);
        return;
      default: {
        const never: never = m;
        throw new Error(`bgp snoop: ${String(never)}`);
      }
    }
  }

  private ownMessage(c: Conn, m: BgpMessage, bytes: Uint8Array): void {
    const sp = this.sp;
    sp.counters.sent[m.kind]++;
    sp.traceMsg(BGP_KIND.tx, m, bytes.length, 'out');
    switch (m.kind) {
      case 'open':
        c.ourOpen = m.open;
        c.ourOpenBytes = bytes;
        c.openWritten = true;
        this.negotiateIfReady(c);
        return;
      case 'keepalive':
        if (c.openWritten) c.keepaliveWritten = true;
        sp.sender.armKeepalive(c);
        return;
      case 'update':
        this.ownUpdate(c, bytes, m.eor);
        return;
      case 'notification': {
        const n = m.notification;
        const error = errorName(n.code, n.subcode);
        pushBounded(sp.counters.notificationsSent, { atNs: sp.io.now(), ...n, error });
        if (n.code === ERR.holdTimer) sp.counters.holdExpiries++;
        sp.sessionOver(n.code === ERR.holdTimer ? 'hold-expired' : 'notification-sent', n);
        return;
      }
      default: {
        const never: never = m;
        throw new Error(`bgp snoop: ${String(never)}`);
      }
    }
  }

  /** The master's UPDATE number c.updatesOut: it must be the one this instance would send. */
  private ownUpdate(c: Conn, bytes: Uint8Array, eor: boolean): void {
    const sp = this.sp;
    const n = c.updatesOut++;
    c.updatesWritten++;
    const want = c.session?.plan.encoded(n);
    if (want === undefined || !sameBytes(want, bytes))
      sp.trace(BGP_KIND.snoopMismatch, { what: 'update', update: n, len: bytes.length });
    if (eor) {
      pushBounded(sp.counters.eorSentNs, sp.io.now());
      sp.trace(BGP_KIND.eorSent, { updates: n, snoop: 'out' });
    }
    sp.sender.armKeepalive(c);
  }

  private negotiateIfReady(c: Conn): void {
    if (c.session !== undefined || c.ourOpen === undefined || c.peerOpen === undefined) return;
    c.session = negotiate(this.sp.cfg, c.ourOpen, c.peerOpen);
  }

  /** Moves the state to what the streams show; reaching Established runs its procedures. */
  private settle(c: Conn): void {
    const sp = this.sp;
    if (sp.connection !== c || c.closing) return;
    const to = derive(c);
    if (to === sp.state) return;
    if (to === 'Established') sp.established(c);
    else sp.toState(to, 'snooped');
  }

  takeover(): void {
    const sp = this.sp;
    if (sp.mode !== 'snoop') throw new Error(`bgp ${sp.cfg.name}: takeover() in mode ${sp.mode}`);
    const c = sp.connection;
    // The stream offset of what the master wrote is now this instance's own: a later sync
    // point (a new backup joining) must report it (engine contract: syncPoint()).
    if (c !== undefined) c.out.written = c.snooped.pushed;
    const completed = c !== undefined && !c.closing ? this.completePartial(c) : 'none';
    sp.setMode('active');
    sp.trace(BGP_KIND.takeover, {
      state: sp.state,
      completed,
      keepaliveDue: sp.sender.keepaliveDue,
    });
    if (c === undefined) {
      sp.restartLater();
      return;
    }
    if (!c.closing) this.owed(c);
    else sp.arm('close-flush', CLOSE_FLUSH_NS);
    sp.afterTakeover();
  }

  /** What the master had read but not yet answered, and the timers of the state reached. */
  private owed(c: Conn): void {
    const sp = this.sp;
    if (!c.openWritten) sp.sendOpen(c);
    else sp.rearmHold(c);
    if (sp.state === 'OpenSent' && c.peerOpen !== undefined && !c.keepaliveWritten)
      sp.onOpen(c, c.peerOpen, c.peerOpenBytes);
    if (sp.state === 'OpenConfirm' && c.peerConfirmed) sp.established(c);
    if (sp.state !== 'Established' && sp.state !== 'OpenConfirm') return;
    sp.rearmHold(c);
    if (sp.sender.keepaliveDue || !sp.isArmed('keepalive')) sp.sender.sendKeepalive(c);
    if (sp.state === 'Established') sp.sender.armChurn();
  }

  /**
   * Completes a message the master wrote in part, as it would have been (a regenerated
   * KEEPALIVE, UPDATE or OPEN), or padded to its length when it cannot be regenerated.
   */
  private completePartial(c: Conn): string {
    const p = c.snooped.partial();
    if (p.length === 0) return 'none';
    // Our first message is always the OPEN; after it, a KEEPALIVE or the next UPDATE.
    const candidates: Array<[string, Uint8Array]> = [];
    if (!c.openWritten)
      candidates.push(['open', encodeMessage({ kind: 'open', open: this.sp.ourOpen() }, false)]);
    else {
      candidates.push(['keepalive', KEEPALIVE]);
      if (c.session !== undefined)
        candidates.push(['update', c.session.plan.encoded(c.updatesOut)]);
    }
    const hit = candidates.find(([, m]) => m.length > p.length && startsWith(m, p));
    const [how, full] = hit ?? ['padded', padded(p)];
    const before = c.snooped.pushed;
    c.snooped.push(full.subarray(p.length));
    while (this.step(c, 'out'));
    c.out.written = before;
    c.out.push(full, kindOf(full), p.length);
    return how;
  }
}

/** The FSM state both streams show (the master's, as far as it is on the stream). */
function derive(c: Conn): BgpState {
  if (c.closing) return 'Idle';
  if (!c.openWritten) return 'Connect';
  if (c.peerOpen === undefined || !c.keepaliveWritten) return 'OpenSent';
  return c.peerConfirmed ? 'Established' : 'OpenConfirm';
}

function openOf(bytes: Uint8Array): OpenMsg {
  const d = decodeMessage(bytes, NO_SESSION_CTX);
  if (!d.ok || d.value.kind !== 'open') throw new Error('bgp sync: an OPEN that does not decode');
  return d.value.open;
}

function startsWith(m: Uint8Array, p: Uint8Array): boolean {
  for (let i = 0; i < p.length; i++) if (m[i] !== p[i]) return false;
  return true;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && startsWith(a, b);
}

function kindOf(m: Uint8Array): MsgKind {
  return MSG_KIND.get(m[HEADER_BYTES - 1] as number) ?? 'notification';
}

/**
 * A message that cannot be regenerated, made whole: with its type known, padded with
 * zeros to its announced length; with only (part of) its length known, a Cease
 * NOTIFICATION of a length that agrees with the octets already written.
 */
function padded(p: Uint8Array): Uint8Array {
  if (p.length >= HEADER_BYTES) {
    const len = rd16(p, MARKER_BYTES);
    if (len <= p.length || len > MESSAGE_BYTES_MAX)
      throw new Error(`bgp takeover: partial of length ${len}`);
    const out = new Uint8Array(len);
    out.set(p);
    return out;
  }
  const hi = p[MARKER_BYTES] as number;
  const len =
    p.length > MARKER_BYTES + 1
      ? rd16(p, MARKER_BYTES)
      : hi === 0
        ? NOTIFICATION_BYTES_MIN
        : hi * 256;
  if (len < NOTIFICATION_BYTES_MIN || len > MESSAGE_BYTES_MAX)
    throw new Error(`bgp takeover: cannot complete a partial header announcing ${len} octets`);
  const out = new Uint8Array(len);
  out.fill(0xff, 0, MARKER_BYTES);
  out[MARKER_BYTES] = len >>> 8;
  out[MARKER_BYTES + 1] = len & 0xff;
  out[HEADER_BYTES - 1] = MSG.notification;
  out[HEADER_BYTES] = ERR.cease;
  out.set(p);
  return out;
}
