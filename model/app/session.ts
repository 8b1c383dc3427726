// One end of one application session: a TCP connection driven by the verifiable
// stream application (stream.ts). Hosted by the external peer and by each RE; the
// host gives it a clock, timers and a trace (AppEnv), never the simulator itself.
import type { Rng } from '../../sim/index.ts';
import type { TcpConnection } from '../tcp/tcp.ts';
import type { ReplicatedApp } from './app.ts';
import {
  EAGER_READ,
  RecordSource,
  StreamVerifier,
  StreamWriter,
  nextGapNs,
  type ReadSpec,
  type TrafficSpec,
} from './stream.ts';
import { K } from '../vocab.ts';

export type AppTimerTag = 'write' | 'read' | 'stall-end' | 'sockopt';

/**
 * How one end reads (stream.ts), plus (SPEC M-7) a receive-buffer change: at `atNs` the
 * application holding the socket then (the master's; after a failover, the new master's)
 * sets SO_RCVBUF to `bytes`. A session attached after `atNs` keeps its size.
 */
export interface AppReadSpec extends ReadSpec {
  readonly rcvbuf?: { readonly atNs: number; readonly bytes: number };
}

/** Read silences longer than this are remembered (liveness looks for ones past its deadline). */
export const READ_GAP_NS = 1_000_000_000;
const READ_GAPS_MAX = 256;

export interface AppEnv {
  now(): number;
  startAppTimer(session: StreamSession, tag: AppTimerTag, delayNs: number): number;
  cancelAppTimer(handle: number): void;
  trace(kind: string, fields: Record<string, unknown>): void;
}

export interface SessionConfig {
  /** Stable id of the session, e.g. "pa/0"; names the two record streams. */
  id: string;
  /** Which end this is. */
  side: 'peer' | 'router';
  /** What this end writes. */
  send: TrafficSpec;
  /** What the other end writes (sizes are needed to verify). */
  expect: TrafficSpec;
  read: AppReadSpec;
}

export interface SessionStats {
  bytesWritten: number;
  recordsWritten: number;
  bytesRead: number;
  recordsVerified: number;
  verifyErrors: number;
  lastReadNs: number;
  lastWriteNs: number;
  closed: string | undefined;
}

/** Key of the record stream written by `side` in session `id`. */
export function streamKey(id: string, writer: 'peer' | 'router'): string {
  return `${id}/${writer}`;
}

/** Where a snooping application finds what the master's application wrote (S-3). */
export type SnoopOut = () => Uint8Array[];

export class StreamSession implements ReplicatedApp {
  readonly writer: StreamWriter;
  readonly verifier: StreamVerifier;
  /**
   * Backup application (S-3): 'snoop' reads both directions of the secondary socket and
   * never writes; takeover() makes it the active writer.
   */
  mode: 'active' | 'snoop' = 'active';
  /** Snoop mode: checks the master's outbound stream and knows where it ended. */
  outTracker: StreamVerifier | undefined;
  private snoopOut: SnoopOut | undefined;
  conn: TcpConnection | undefined;
  private writeTimer = -1;
  private readTimer = -1;
  private stalledUntilNs = 0;
  private stallTimer = -1;
  private sockoptTimer = -1;
  lastReadNs = 0;
  lastWriteNs = 0;
  /** Silences between reads longer than READ_GAP_NS: [from, to] (liveness evidence). */
  readonly readGaps: Array<[number, number]> = [];
  /** The longest silence between reads so far (kept whatever the number of gaps). */
  longestReadGap: [number, number] = [0, 0];
  closed: string | undefined;
  /** 0 for the session's first connection; n after the n-th reconnection. */
  generation = 0;

  constructor(
    readonly cfg: SessionConfig,
    private readonly env: AppEnv,
    private readonly rng: Rng,
  ) {
    const other = cfg.side === 'peer' ? 'router' : 'peer';
    this.writer = new StreamWriter(
      new RecordSource(streamKey(cfg.id, cfg.side), cfg.send.sizeMin, cfg.send.sizeMax),
    );
    this.verifier = new StreamVerifier(
      new RecordSource(streamKey(cfg.id, other), cfg.expect.sizeMin, cfg.expect.sizeMax),
    );
  }

  get id(): string {
    return this.cfg.id;
  }

  get inOffset(): number {
    return this.verifier.bytes;
  }

  get outOffset(): number {
    return this.writer.offset;
  }

  /** Binds an established connection and starts writing and reading. */
  attach(conn: TcpConnection): void {
    this.conn = conn;
    conn.onReadable = () => this.onReadable();
    conn.onWritable = () => this.pump();
    conn.onClosed = (reason) => this.onClosed(reason);
    this.env.trace(K.app.attach, { session: this.cfg.id, side: this.cfg.side });
    this.scheduleWrite();
    this.pump();
    if (this.cfg.read.chunkBytes > 0) this.scheduleRead();
    this.scheduleSockopt();
  }

  /**
   * Starts as the snooping backup application on a secondary socket: the inbound
   * verifier starts where the master's application had read to, the outbound tracker
   * where it had written to (the application's initial sync).
   */
  attachSnoop(conn: TcpConnection, inOffset: number, outOffset: number, snoopOut: SnoopOut): void {
    this.mode = 'snoop';
    this.conn = conn;
    this.snoopOut = snoopOut;
    this.verifier.resumeAt(inOffset);
    this.outTracker = new StreamVerifier(this.writer.source);
    this.outTracker.resumeAt(outOffset);
    conn.onReadable = () => this.onReadable();
    conn.onClosed = (reason) => this.onClosed(reason);
    this.env.trace(K.app.snoop, {
      session: this.cfg.id,
      side: this.cfg.side,
      inOffset,
      outOffset,
    });
    if (this.cfg.read.chunkBytes > 0) this.scheduleRead();
    this.onReadable();
    this.onSnoopOut();
  }

  /** Snoop mode: the master's application wrote more (SDRL appended to the snoop buffer). */
  onSnoopOut(): void {
    const t = this.outTracker;
    if (t === undefined || this.snoopOut === undefined) return;
    for (const chunk of this.snoopOut()) {
      for (const e of t.push(chunk))
        this.env.trace(K.app.verifyError, {
          session: this.cfg.id,
          side: this.cfg.side,
          direction: 'out-snoop',
          ...e,
        });
    }
  }

  /**
   * Failover: the backup application becomes the master's. It continues the outbound
   * stream exactly where the last replicated write ended (SPEC S-1: nothing beyond it
   * reached the wire) and keeps reading where it was.
   */
  takeover(): void {
    this.onSnoopOut();
    const at = this.outTracker?.bytes ?? this.writer.offset;
    this.writer.resumeAt(at);
    this.mode = 'active';
    this.snoopOut = undefined;
    this.outTracker = undefined;
    const conn = this.conn;
    this.env.trace(K.app.takeover, {
      session: this.cfg.id,
      side: this.cfg.side,
      outOffset: at,
      inOffset: this.verifier.bytes,
    });
    if (conn === undefined) return;
    conn.onWritable = () => this.pump();
    this.scheduleWrite();
    this.pump();
    this.onReadable();
    this.scheduleSockopt();
  }

  /** Stops all timers (host crash or session end). */
  detach(): void {
    for (const t of [this.writeTimer, this.readTimer, this.stallTimer, this.sockoptTimer])
      if (t >= 0) this.env.cancelAppTimer(t);
    this.writeTimer = this.readTimer = this.stallTimer = this.sockoptTimer = -1;
    this.conn = undefined;
  }

  onTimer(tag: AppTimerTag): void {
    switch (tag) {
      case 'write':
        this.writeTimer = -1;
        if (this.mode !== 'active') return;
        if (this.writer.backlog === 0) this.writer.produce();
        this.pump();
        this.scheduleWrite();
        return;
      case 'read':
        this.readTimer = -1;
        this.readSome();
        this.scheduleRead();
        return;
      case 'stall-end':
        this.stallTimer = -1;
        this.env.trace(K.app.stallEnd, { session: this.cfg.id, side: this.cfg.side });
        this.onReadable();
        return;
      case 'sockopt':
        this.sockoptTimer = -1;
        this.setRcvbuf();
        return;
      default: {
        const never: never = tag;
        throw new Error(`session: unknown timer ${String(never)}`);
      }
    }
  }

  /** Stops reading for `durationNs` (the app-stall fault). */
  stall(durationNs: number): void {
    this.stalledUntilNs = Math.max(this.stalledUntilNs, this.env.now() + durationNs);
    if (this.stallTimer >= 0) this.env.cancelAppTimer(this.stallTimer);
    this.stallTimer = this.env.startAppTimer(
      this,
      'stall-end',
      this.stalledUntilNs - this.env.now(),
    );
    this.env.trace(K.app.stall, { session: this.cfg.id, side: this.cfg.side, durationNs });
  }

  stats(): SessionStats {
    return {
      bytesWritten: this.writer.offset,
      recordsWritten: this.writer.records,
      bytesRead: this.verifier.bytes,
      recordsVerified: this.verifier.records,
      verifyErrors: this.verifier.errors.length,
      lastReadNs: this.lastReadNs,
      lastWriteNs: this.lastWriteNs,
      closed: this.closed,
    };
  }

  private scheduleWrite(): void {
    if (
      this.mode !== 'active' ||
      this.cfg.send.ratePerSec <= 0 ||
      this.conn === undefined ||
      this.writeTimer >= 0
    )
      return;
    this.writeTimer = this.env.startAppTimer(
      this,
      'write',
      nextGapNs(this.rng, this.cfg.send.ratePerSec),
    );
  }

  /** M-7: the active application sets SO_RCVBUF at the configured instant, if still to come. */
  private scheduleSockopt(): void {
    const c = this.cfg.read.rcvbuf;
    const now = this.env.now();
    if (c === undefined || this.mode !== 'active' || this.sockoptTimer >= 0 || now >= c.atNs)
      return;
    this.sockoptTimer = this.env.startAppTimer(this, 'sockopt', c.atNs - now);
  }

  /** setsockopt(SO_RCVBUF): the socket's receive high-water mark (sbreserve). */
  private setRcvbuf(): void {
    const c = this.cfg.read.rcvbuf;
    const conn = this.conn;
    if (c === undefined || conn === undefined || this.mode !== 'active') return;
    const was = conn.so_rcv.hiwat;
    conn.so_rcv.hiwat = c.bytes;
    this.env.trace(K.app.sockopt, {
      session: this.cfg.id,
      side: this.cfg.side,
      option: 'SO_RCVBUF',
      bytes: c.bytes,
      was,
    });
  }

  private scheduleRead(): void {
    if (this.conn === undefined || this.readTimer >= 0) return;
    this.readTimer = this.env.startAppTimer(this, 'read', this.cfg.read.intervalNs);
  }

  /** Hands the writer's backlog to the socket as far as so_snd has room. */
  private pump(): void {
    const conn = this.conn;
    if (conn === undefined || this.mode !== 'active') return;
    if (this.writer.backlog > 0) {
      const n = this.writer.flush((b) => conn.write(b));
      if (n > 0) this.lastWriteNs = this.env.now();
    }
  }

  private onReadable(): void {
    if (this.cfg.read.chunkBytes === 0) this.readSome();
  }

  private readSome(): void {
    const conn = this.conn;
    if (conn === undefined || this.env.now() < this.stalledUntilNs) return;
    const max = this.cfg.read.chunkBytes === 0 ? Number.MAX_SAFE_INTEGER : this.cfg.read.chunkBytes;
    const data = conn.read(max);
    if (data.length === 0) return;
    const now = this.env.now();
    if (now - this.lastReadNs > READ_GAP_NS && this.readGaps.length < READ_GAPS_MAX)
      this.readGaps.push([this.lastReadNs, now]);
    if (now - this.lastReadNs > this.longestReadGap[1] - this.longestReadGap[0])
      this.longestReadGap = [this.lastReadNs, now];
    this.lastReadNs = now;
    // total: the stream offset read up to (after a takeover it counts from the stream start).
    this.env.trace(K.app.read, {
      session: this.cfg.id,
      side: this.cfg.side,
      bytes: data.length,
      total: this.verifier.bytes + data.length,
    });
    this.consume(data);
  }

  /** Verifies received bytes and reports each defect with its byte offset. */
  consume(data: Uint8Array): void {
    for (const e of this.verifier.push(data)) {
      this.env.trace(K.app.verifyError, { session: this.cfg.id, side: this.cfg.side, ...e });
    }
  }

  private onClosed(reason: string): void {
    this.closed = reason;
    this.env.trace(K.app.closed, { session: this.cfg.id, side: this.cfg.side, reason });
    this.detach();
  }
}

export { EAGER_READ };
