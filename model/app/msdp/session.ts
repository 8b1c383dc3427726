// One MSDP peering on one TCP connection: the protocol engine the application-protocol
// layer drives (ProtocolEngine), bound to its connection through a ProtocolIo. The router-
// level MsdpSpeaker owns the SA cache, origination and flooding; the session owns framing,
// the per-connection timers and the NSR modes.
//
// Active (RFC 3618 §11, §5): on ESTABLISHED it sends a KeepAlive and arms the KeepAlive
// timer (§5.5: a KeepAlive when nothing was sent for [KeepAlive-Period]) and the peer Hold
// timer (§5.4: reset by every message received; on expiry the session is reset). A TLV
// format error resets the session (§13). Writes queue whole TLVs and hand them to so_snd
// as far as it takes them (bounded queue).
//
// Snoop (SPEC S-3, seed 003 §2.3): the backup RE's instance on the secondary socket reads
// both directions and never writes. From the peer's direction it learns SAs as the master
// does (peer-RPF check, cache) and keeps the Hold timer's meaning; from the master's
// direction it keeps the KeepAlive timer's meaning, notes which of its own originated SAs
// went out (and ignores them otherwise, SPEC D-3), and checks off the forwards the master
// owed this peer. takeover() makes it active without the peer noticing: no new
// connection, the half-written TLV finished (completion.ts), the periodic SAs and forwards
// the master missed sent once, the timers kept on their old deadlines.
//
// Simplified: no TCP-MD5 (§18), no encapsulated data sent, no mesh groups.
import type { Ipv4 } from '../../net/segment.ts';
import { ipv4ToString } from '../../net/segment.ts';
import {
  MsdpDecoder,
  TLV_TYPE,
  decodeAll,
  encodeKeepAlive,
  type DecodeEvent,
  type FormatError,
  type MsdpMessage,
  type SaMessage,
} from './codec.ts';
import { completeTlv } from './completion.ts';
import type { MsdpMutant, MsdpTimers } from './defs.ts';
import type { EngineMode, ProtocolEngine, ProtocolIo, SyncPoint } from './io.ts';
import { MSDP_K } from './kinds.ts';
import { SnoopLedger } from './ledger.ts';

/** Bytes queued for the socket at most before the session gives up and resets. */
export const OUT_QUEUE_BYTES_MAX = 1 << 20;

export const SESSION_TIMER = { keepAlive: 'msdp.keepalive', hold: 'msdp.hold' } as const;

/**
 * Per-peer counters of one speaker (one RE), kept across the peer's successive sessions
 * (SPEC O-1 figures). A snooping backup counts what it saw cross its socket (the master's
 * sends as sent, the peer's as received), so after a takeover the new master's counters
 * cover the whole session; add the two REs' counters and a message counts twice.
 */
export interface PeerCounters {
  saSent: number;
  saEntriesSent: number;
  saReceived: number;
  saEntriesReceived: number;
  keepAlivesSent: number;
  keepAlivesReceived: number;
  otherReceived: number;
  overlongReceived: number;
  entriesDropped: number;
  rpfFailures: number;
  formatErrors: number;
  holdExpiries: number;
  /** Sessions this side reset (format error, hold expiry, queue overflow). */
  resets: number;
  /** Connections that went away under the session (peer close, RST, host loss). */
  closes: number;
  /** ConnectRetry expiries (RFC 3618 §5.6), counted by the speaker. */
  connectRetries: number;
  /** Times the peering left ESTABLISHED for any reason. */
  adjacencyDrops: number;
}

export function newPeerCounters(): PeerCounters {
  return {
    saSent: 0,
    saEntriesSent: 0,
    saReceived: 0,
    saEntriesReceived: 0,
    keepAlivesSent: 0,
    keepAlivesReceived: 0,
    otherReceived: 0,
    overlongReceived: 0,
    entriesDropped: 0,
    rpfFailures: 0,
    formatErrors: 0,
    holdExpiries: 0,
    resets: 0,
    closes: 0,
    connectRetries: 0,
    adjacencyDrops: 0,
  };
}

/** What a session needs from its speaker. */
export interface SessionOwner {
  readonly ownRp: Ipv4 | undefined;
  sessionUp(s: MsdpSession): void;
  sessionDown(s: MsdpSession, reason: string): void;
  /** An SA from the peer (either mode). */
  saIn(s: MsdpSession, m: SaMessage): void;
  /** Snoop: an SA the master sent this peer that was not one it owed as a forward. */
  saOutUnexpected(s: MsdpSession, m: SaMessage): void;
  /** Takeover: the TLVs the master may have been writing (own SA batches of late). */
  completionCandidates(s: MsdpSession): Uint8Array[];
  /** Takeover: own SAs whose periodic send the master missed on this session. */
  catchUpOriginations(s: MsdpSession): Uint8Array[];
}

export type SessionState = 'idle' | 'established' | 'closed';

export class MsdpSession implements ProtocolEngine {
  mode: EngineMode | 'none' = 'none';
  state: SessionState = 'idle';
  private readonly inDec = new MsdpDecoder();
  /** Snoop: parses what the master wrote. */
  private readonly outDec = new MsdpDecoder();
  private readonly queue: Uint8Array[] = [];
  private headPos = 0;
  private queuedBytes = 0;
  /** Bytes handed to (accepted by) the socket, or seen written by the master. */
  private outOffset = 0;
  lastInNs = 0;
  /** Undefined while a resumed snooper has not yet seen the master write. */
  lastOutNs: number | undefined;
  private kaTimer = -1;
  private holdTimer = -1;
  private snoopHoldReported = false;
  /** Snoop bookkeeping (own SAs seen, forwards owed); undefined when active. */
  ledger: SnoopLedger | undefined;
  startedNs = 0;
  /** The peer's address as text, for traces. */
  readonly peerName: string;

  constructor(
    readonly peer: Ipv4,
    private readonly owner: SessionOwner,
    private readonly io: ProtocolIo,
    readonly counters: PeerCounters,
    private readonly timers: MsdpTimers,
    private readonly mutants: ReadonlySet<MsdpMutant>,
  ) {
    this.peerName = ipv4ToString(peer);
  }

  get established(): boolean {
    return this.state === 'established';
  }

  // ------------------------------------------------------------------ layer surface

  start(mode: EngineMode): void {
    if (this.state !== 'idle') throw new Error(`msdp ${this.peerName}: start() twice`);
    const now = this.io.now();
    this.mode = mode;
    this.state = 'established';
    this.startedNs = now;
    this.lastInNs = now;
    if (mode === 'snoop') this.ledger = new SnoopLedger(now, this.timers.saAdvertisementNs);
    this.io.trace(MSDP_K.up, { peer: this.peerName, mode });
    this.armHold();
    if (mode === 'active') {
      // RFC 3618 §11 (A4 on ESTABLISHED): send a KeepAlive, arm KeepAlive and Hold.
      this.send(encodeKeepAlive());
    }
    this.armKeepAlive();
    this.owner.sessionUp(this);
  }

  input(bytes: Uint8Array): void {
    if (this.mode !== 'active') throw new Error(`msdp ${this.peerName}: input() in ${this.mode}`);
    if (this.state !== 'established') return;
    this.consumeIn(this.inDec.push(bytes));
  }

  snoopIn(bytes: Uint8Array): void {
    if (this.mode !== 'snoop') throw new Error(`msdp ${this.peerName}: snoopIn() in ${this.mode}`);
    if (this.state !== 'established') return;
    this.consumeIn(this.inDec.push(bytes));
  }

  snoopOut(bytes: Uint8Array): void {
    if (this.mode !== 'snoop') throw new Error(`msdp ${this.peerName}: snoopOut() in ${this.mode}`);
    if (this.state !== 'established') return;
    for (const ev of this.outDec.push(bytes)) this.observeOut(ev);
    this.outOffset = this.outDec.offset;
  }

  onWritable(): void {
    this.flush();
  }

  onClosed(reason: string): void {
    if (this.state === 'closed') return;
    this.counters.closes++;
    this.down(reason);
  }

  onTimer(tag: string): void {
    switch (tag) {
      case SESSION_TIMER.keepAlive:
        this.kaTimer = -1;
        this.keepAliveDue();
        return;
      case SESSION_TIMER.hold:
        this.holdTimer = -1;
        this.holdDue();
        return;
      default:
        throw new Error(`msdp ${this.peerName}: unknown timer ${tag}`);
    }
  }

  syncPoint(): SyncPoint {
    const head = this.queue[0];
    const outPartial =
      this.mode === 'active'
        ? head === undefined
          ? new Uint8Array(0)
          : head.slice(0, this.headPos)
        : this.outDec.partial();
    return {
      inOffset: this.inDec.offset,
      outOffset: this.outOffset,
      inPartial: this.inDec.partial(),
      outPartial,
    };
  }

  /**
   * A late snooper (seed 003: the backup joins after the master's sessions are up) starts
   * at the active instance's sync point, before its first snoop bytes. It has not seen
   * the master's last KeepAlive, so until it sees one it assumes one is due (an extra
   * KeepAlive after a takeover is harmless; a late one could expire the peer's Hold timer).
   */
  resume(sync: SyncPoint): void {
    if (this.state === 'idle') this.start('snoop');
    if (this.mode !== 'snoop' || this.inDec.offset !== 0 || this.outDec.offset !== 0)
      throw new Error(`msdp ${this.peerName}: resume() needs a fresh snoop session`);
    this.inDec.resumeAt(sync.inOffset, sync.inPartial);
    this.outDec.resumeAt(sync.outOffset, sync.outPartial);
    this.outOffset = sync.outOffset;
    this.lastOutNs = undefined;
    this.io.trace(MSDP_K.resume, {
      peer: this.peerName,
      inOffset: sync.inOffset,
      outOffset: sync.outOffset,
      inPartial: sync.inPartial.length,
      outPartial: sync.outPartial.length,
    });
  }

  takeover(): void {
    if (this.mode !== 'snoop') throw new Error(`msdp ${this.peerName}: takeover() in ${this.mode}`);
    this.mode = 'active';
    if (this.state !== 'established') return;
    const ledger = this.ledger;
    const fields = { peer: this.peerName, outOffset: this.outOffset, inOffset: this.inDec.offset };
    // A framing error seen while snooping: the master would have reset; the new one does.
    const broken = this.inDec.broken;
    if (broken !== undefined) return this.reset('format-error', { ...fields, field: broken.field });
    if (this.outDec.broken !== undefined) return this.reset('outbound-framing-lost', fields);
    let finished = 0;
    let caughtUp: Uint8Array[] = [];
    if (!this.mutants.has('takeover-no-catch-up') && ledger !== undefined) {
      finished = this.finishPartial(ledger);
      caughtUp = [...ledger.owedForwards(this.io.now()), ...this.owner.catchUpOriginations(this)];
    }
    this.ledger = undefined;
    this.io.trace(MSDP_K.takeover, { ...fields, finished, caughtUp: caughtUp.length });
    for (const tlv of caughtUp) this.send(tlv);
    this.rearm();
  }

  // ------------------------------------------------------------------ speaker surface

  /** Queues one whole TLV for the socket (active only). */
  send(tlv: Uint8Array): void {
    if (this.mode !== 'active') throw new Error(`msdp ${this.peerName}: send() in ${this.mode}`);
    if (this.state !== 'established') return;
    if (this.queuedBytes + tlv.length > OUT_QUEUE_BYTES_MAX) {
      this.io.trace(MSDP_K.outQueueFull, { peer: this.peerName, queuedBytes: this.queuedBytes });
      this.reset('out-queue-full', {});
      return;
    }
    this.queue.push(tlv);
    this.queuedBytes += tlv.length;
    this.flush();
  }

  /** Bytes queued but not yet accepted by the socket. */
  get backlog(): number {
    return this.queuedBytes - this.headPos;
  }

  // ------------------------------------------------------------------ internals

  private consumeIn(events: DecodeEvent[]): void {
    for (const ev of events) {
      if (this.state !== 'established') return;
      if (ev.kind === 'format-error') return this.formatError(ev.error);
      this.lastInNs = this.io.now();
      this.snoopHoldReported = false;
      this.received(ev.message, ev.raw.length, ev.offset);
    }
  }

  private received(m: MsdpMessage, bytes: number, offset: number): void {
    const c = this.counters;
    const base = { peer: this.peerName, mode: this.mode, offset, bytes };
    switch (m.type) {
      case 'keepalive':
        c.keepAlivesReceived++;
        this.io.trace(MSDP_K.rx, { ...base, type: 'keepalive' });
        break;
      case 'sa':
        c.saReceived++;
        c.saEntriesReceived += m.entries.length;
        c.entriesDropped += m.dropped.length;
        this.io.trace(MSDP_K.rx, {
          ...base,
          type: 'sa',
          rp: ipv4ToString(m.rp),
          entries: m.entries.length,
        });
        for (const d of m.dropped)
          this.io.trace(MSDP_K.entryDropped, { peer: this.peerName, ...d });
        this.owner.saIn(this, m);
        break;
      case 'other':
        // RFC 3618 §13: an unrecognized type is silently discarded, the session stays.
        c.otherReceived++;
        this.io.trace(MSDP_K.discard, { peer: this.peerName, code: m.code, length: m.length });
        break;
    }
    if (m.type !== 'other' && m.overlong) {
      c.overlongReceived++;
      this.io.trace(MSDP_K.overlong, { peer: this.peerName, type: m.type, bytes });
    }
  }

  /** Snoop: one event of the master's outbound stream. */
  private observeOut(ev: DecodeEvent): void {
    if (ev.kind === 'format-error') {
      // Our own master wrote garbage: the stream's framing is lost; takeover will reset.
      this.io.trace(MSDP_K.formatError, { peer: this.peerName, direction: 'out', ...ev.error });
      return;
    }
    this.lastOutNs = this.io.now();
    this.countSent(ev.raw, ev.offset);
    const m = ev.message;
    if (m.type !== 'sa' || this.ledger === undefined) return;
    if (this.isOwn(m)) {
      // SPEC D-3: the master's own SAs are not learned; only that they went out is noted.
      this.ledger.ownSeen(m.entries, this.io.now());
      if (this.mutants.has('snoop-caches-own')) this.owner.saOutUnexpected(this, m);
      return;
    }
    if (!this.ledger.forwardSeen(ev.raw, this.io.now())) this.owner.saOutUnexpected(this, m);
  }

  private isOwn(m: SaMessage): boolean {
    return this.owner.ownRp !== undefined && m.rp === this.owner.ownRp;
  }

  /** Snoop: the master owes this peer a forward of `tlv` (an SA another peer sent). */
  expectForward(tlv: Uint8Array): void {
    const ledger = this.ledger;
    if (ledger === undefined) throw new Error(`msdp ${this.peerName}: expectForward() when active`);
    const before = ledger.forgotten;
    ledger.owe(tlv, this.io.now());
    if (ledger.forgotten !== before)
      this.io.trace(MSDP_K.snoopForget, { peer: this.peerName, items: ledger.forgotten - before });
  }

  /** Finishes a TLV the master left half-written; returns its remaining byte count. */
  private finishPartial(ledger: SnoopLedger): number {
    const prefix = this.outDec.partial();
    if (prefix.length === 0) return 0;
    const candidates = [
      ...ledger.owedForwardBytes(),
      ...this.owner.completionCandidates(this),
      encodeKeepAlive(),
    ];
    const { full, matched } = completeTlv(prefix, candidates);
    if (!matched)
      this.io.trace(MSDP_K.completeFallback, {
        peer: this.peerName,
        written: prefix.length,
        length: full.length,
      });
    // What the finished TLV was, for the ledger (it is counted when it is written).
    const ev = decodeAll(full)[0];
    if (ev?.kind === 'message' && ev.message.type === 'sa') {
      if (this.isOwn(ev.message)) ledger.ownSeen(ev.message.entries, this.io.now());
      else ledger.forwardSeen(full, this.io.now());
    }
    // The rest goes out as the head of the queue, its written prefix counted as written.
    this.queue.unshift(full);
    this.queuedBytes += full.length;
    this.headPos = prefix.length;
    this.flush();
    return full.length - prefix.length;
  }

  private flush(): void {
    while (this.mode === 'active' && this.state === 'established') {
      const head = this.queue[0];
      if (head === undefined) return;
      const want = head.length - this.headPos;
      const n = this.io.write(head.subarray(this.headPos));
      if (!Number.isInteger(n) || n < 0 || n > want)
        throw new Error(`msdp ${this.peerName}: write() returned ${n} for ${want} bytes`);
      this.headPos += n;
      this.outOffset += n;
      if (this.headPos < head.length) return;
      this.queue.shift();
      this.queuedBytes -= head.length;
      this.headPos = 0;
      if ((this.queue.length === 0) !== (this.queuedBytes === 0))
        throw new Error(
          `msdp ${this.peerName}: ${this.queuedBytes} bytes queued in ${this.queue.length} TLVs`,
        );
      this.lastOutNs = this.io.now();
      this.countSent(head, this.outOffset - head.length);
    }
  }

  /**
   * Counts and traces one whole TLV that went out (or, snooping, that the master sent), with
   * its stream offset: a checker matches the peer's rx records to these by offset. A dead
   * master's tx records that end past the new master's takeover outOffset never reached the
   * wire whole (SPEC S-1: only the replicated part did); the new master traces the TLV it
   * finished, at the same offset.
   */
  private countSent(tlv: Uint8Array, offset: number): void {
    const c = this.counters;
    const code = tlv[0];
    const fields: Record<string, unknown> = {
      peer: this.peerName,
      mode: this.mode,
      offset,
      bytes: tlv.length,
    };
    if (code === TLV_TYPE.sa) {
      const entries = tlv[3] as number;
      c.saSent++;
      c.saEntriesSent += entries;
      this.io.trace(MSDP_K.tx, { ...fields, type: 'sa', entries });
    } else if (code === TLV_TYPE.keepAlive) {
      c.keepAlivesSent++;
      this.io.trace(MSDP_K.tx, { ...fields, type: 'keepalive' });
    } else this.io.trace(MSDP_K.tx, { ...fields, type: 'other', code });
  }

  private keepAliveDue(): void {
    if (this.state !== 'established') return;
    const now = this.io.now();
    const last = this.lastOutNs;
    const due = last === undefined ? now : last + this.timers.keepAliveNs;
    if (now < due) return this.armKeepAlive();
    // RFC 3618 §5.5: nothing sent for a period: a KeepAlive (unless data is already queued).
    if (this.mode === 'active' && this.queue.length === 0) this.send(encodeKeepAlive());
    this.armKeepAlive(now + this.timers.keepAliveNs);
  }

  private holdDue(): void {
    if (this.state !== 'established') return;
    const now = this.io.now();
    const due = this.lastInNs + this.timers.holdTimeNs;
    if (now < due) return this.armHold();
    if (this.mode === 'active') {
      // RFC 3618 §5.4 and §11 (E8): the peer was silent for [HoldTime-Period].
      this.counters.holdExpiries++;
      this.io.trace(MSDP_K.holdExpired, { peer: this.peerName, lastInNs: this.lastInNs });
      this.reset('hold-expired', {});
      return;
    }
    // Snooping: the master will reset the session; the backup only notes it once.
    if (!this.snoopHoldReported)
      this.io.trace(MSDP_K.snoopHoldExpired, { peer: this.peerName, lastInNs: this.lastInNs });
    this.snoopHoldReported = true;
    this.armHold(now + this.timers.holdTimeNs);
  }

  /** Arms the KeepAlive timer for `at` (default: the last send plus the period). */
  private armKeepAlive(at?: number): void {
    const now = this.io.now();
    const last = this.lastOutNs;
    const when = at ?? (last === undefined ? now : last + this.timers.keepAliveNs);
    if (this.kaTimer >= 0) this.io.cancelTimer(this.kaTimer);
    this.kaTimer = this.io.startTimer(SESSION_TIMER.keepAlive, Math.max(0, when - now));
  }

  private armHold(at?: number): void {
    const now = this.io.now();
    const when = at ?? this.lastInNs + this.timers.holdTimeNs;
    if (this.holdTimer >= 0) this.io.cancelTimer(this.holdTimer);
    this.holdTimer = this.io.startTimer(SESSION_TIMER.hold, Math.max(0, when - now));
  }

  /** After takeover: both timers on the deadlines the snooped traffic gives them. */
  private rearm(): void {
    if (this.state !== 'established') return;
    this.armHold();
    this.armKeepAlive();
  }

  private formatError(e: FormatError): void {
    this.counters.formatErrors++;
    this.io.trace(MSDP_K.formatError, {
      peer: this.peerName,
      direction: 'in',
      mode: this.mode,
      ...e,
    });
    // Snooping: the master resets the session; the backup does not act on the socket.
    if (this.mode === 'active') this.reset('format-error', { field: e.field });
  }

  /**
   * This side resets the session (RFC 3618 §11: close the TCP connection, back to
   * INACTIVE): it leaves ESTABLISHED first, so the layer's later onClosed() is ignored,
   * closes the connection, and only then lets the speaker re-enter CONNECTING or LISTEN.
   */
  private reset(reason: string, fields: Record<string, unknown>): void {
    if (this.mode !== 'active' || this.state !== 'established') return;
    this.counters.resets++;
    this.leave(reason, fields);
    this.io.close(reason);
    this.owner.sessionDown(this, reason);
  }

  /** The connection went away under the session. */
  private down(reason: string): void {
    this.leave(reason, {});
    this.owner.sessionDown(this, reason);
  }

  private leave(reason: string, fields: Record<string, unknown>): void {
    this.state = 'closed';
    this.counters.adjacencyDrops++;
    for (const t of [this.kaTimer, this.holdTimer]) if (t >= 0) this.io.cancelTimer(t);
    this.kaTimer = this.holdTimer = -1;
    this.queue.length = 0;
    this.queuedBytes = this.headPos = 0;
    this.io.trace(MSDP_K.down, { peer: this.peerName, mode: this.mode, reason, ...fields });
  }
}
