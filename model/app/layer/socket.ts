// The application-protocol layer's socket binding (issue 14): one protocol engine (MSDP
// today, BGP next; both follow the contract of model/app/msdp/io.ts ProtocolEngine) on one
// TCP connection, as a ReplicatedApp NSR can replicate (SPEC I-3, S-1, S-3).
//
// Active: bytes read from so_rcv go to engine.input(), what the engine writes goes to
// so_snd (write() returns what so_snd took), onWritable/onClosed are forwarded. Snoop (the
// backup RE): bytes the peer sent (the secondary's so_rcv, filled by PRL) go to snoopIn(),
// bytes the master's engine wrote (SDRL's snoop buffer) to snoopOut(); it never writes.
// takeover() drains both snoop directions, then makes the engine active (the host calls
// it in the order the engine contract asks: every socket drained first).
//
// The late snooper's initial sync (seed 003, engine syncPoint()/resume()): PSRM takes the
// application's read offset (inOffset) at the instant it snapshots the socket; reading it
// here also takes the engine's sync point at that same instant and posts it on the board
// the two REs share, keyed by session. That board stands for the app-sync part of PSRM's
// snapshot: it carries exactly those bytes, and keeps PSRM's wire format unchanged (the
// stream application needs none of it). The backup checks the offsets match PSRM's.
import type { TcpConnection } from '../../tcp/tcp.ts';
import type { ReplicatedApp } from '../app.ts';
import type { EngineMode, ProtocolEngine, ProtocolIo, SyncPoint } from '../msdp/io.ts';
import type { Rng } from '../../../sim/index.ts';

/** Something a host timer calls back (an engine socket, a speaker host). */
export interface ProtoTimerTarget {
  onTimer(tag: string): void;
}

/** What a host (the external peer, an RE) gives the layer. */
export interface LayerEnv {
  now(): number;
  startProtoTimer(target: ProtoTimerTarget, tag: string, delayNs: number): number;
  cancelProtoTimer(handle: number): void;
  trace(kind: string, fields: Record<string, unknown>): void;
  /**
   * close(2) of a socket the engine reset. The router's master first ends the socket's
   * replication (I-6), so its secondary does not follow a close it was never told of;
   * absent: at once.
   */
  closeSocket?(conn: TcpConnection): void;
}

/** The sync points of the master's engines at PSRM's snapshot, by session (see above). */
export type SyncBoard = Map<string, SyncPoint>;

const EMPTY = new Uint8Array(0);
const READ_MAX = 1 << 20;

export class EngineSocket implements ReplicatedApp, ProtoTimerTarget {
  mode: EngineMode = 'active';
  conn: TcpConnection | undefined;
  engine: ProtocolEngine | undefined;
  /** Bytes read from so_rcv (active) or snooped in; bytes so_snd took (or the master wrote). */
  private inBytes = 0;
  private outBytes = 0;
  private snoopOutFn: (() => Uint8Array[]) | undefined;
  private readonly timers = new Set<number>();
  /** When the socket's replication became active here (backup) or was asked for. */
  replicatedNs: number | undefined;
  readonly io: ProtocolIo;

  constructor(
    readonly id: string,
    private readonly env: LayerEnv,
    rng: Rng,
    private readonly board: SyncBoard | undefined,
  ) {
    this.io = {
      now: () => env.now(),
      write: (b) => this.write(b),
      startTimer: (tag, d) => this.startTimer(tag, d),
      cancelTimer: (h) => this.cancelTimer(h),
      trace: (k, f) => env.trace(k, f),
      rng,
      close: () => this.reset(),
    };
  }

  get inOffset(): number {
    // PSRM reads this at its snapshot: the engine's sync point of that instant (see above).
    if (this.mode === 'active' && this.engine !== undefined && this.board !== undefined)
      this.board.set(this.id, this.engine.syncPoint());
    return this.inBytes;
  }

  get outOffset(): number {
    return this.outBytes;
  }

  private get eng(): ProtocolEngine {
    if (this.engine === undefined) throw new Error(`layer ${this.id}: no engine bound`);
    return this.engine;
  }

  /** Binds an established connection, active (a fresh session, or one handed back). */
  attach(conn: TcpConnection): void {
    const fresh = this.conn === undefined && this.mode === 'active' && this.inBytes === 0;
    this.conn = conn;
    this.bindActive(conn);
    if (fresh) this.eng.start('active');
    this.readActive();
  }

  /** The backup: snoop a secondary socket from PSRM's offsets and the master's sync point. */
  attachSnoop(conn: TcpConnection, inBase: number, outBase: number, out: () => Uint8Array[]): void {
    this.mode = 'snoop';
    this.conn = conn;
    this.inBytes = inBase;
    this.outBytes = outBase;
    this.snoopOutFn = out;
    const posted = this.board?.get(this.id);
    const sync =
      posted !== undefined && posted.inOffset === inBase && posted.outOffset === outBase
        ? posted
        : { inOffset: inBase, outOffset: outBase, inPartial: EMPTY, outPartial: EMPTY };
    this.eng.resume(sync);
    conn.onReadable = () => this.drainIn();
    conn.onClosed = (reason) => this.closed(reason);
    this.drainSnoop();
  }

  /** Both snoop directions, everything there is now (S-3). */
  drainSnoop(): void {
    if (this.mode !== 'snoop') return;
    this.drainIn();
    this.onSnoopOut();
  }

  onSnoopOut(): void {
    const f = this.snoopOutFn;
    if (f === undefined || this.mode !== 'snoop') return;
    for (const chunk of f()) {
      this.outBytes += chunk.length;
      this.eng.snoopOut(chunk);
    }
  }

  /** Snoop -> active (I-5): the caller drained every socket of the host first. */
  takeover(): void {
    if (this.mode !== 'snoop') return;
    this.drainSnoop();
    this.mode = 'active';
    this.snoopOutFn = undefined;
    const conn = this.conn;
    if (conn !== undefined) this.bindActive(conn);
    this.eng.takeover();
    this.readActive();
  }

  /** Stops timers and lets go of the socket (host crash, switchover, hand-over). */
  detach(): void {
    for (const h of this.timers) this.env.cancelProtoTimer(h);
    this.timers.clear();
    const conn = this.conn;
    if (conn !== undefined) {
      conn.onReadable = undefined;
      conn.onWritable = undefined;
      conn.onClosed = undefined;
      conn.onPeerFin = undefined;
    }
    this.conn = undefined;
    this.snoopOutFn = undefined;
  }

  onTimer(tag: string): void {
    this.eng.onTimer(tag);
  }

  /**
   * D-8, RFC 3618 §11: the engine resets the session: the socket is closed (close(2):
   * unread data dropped, FIN after what is queued) and let go of.
   */
  private reset(): void {
    const conn = this.conn;
    this.detach();
    if (conn === undefined) return;
    if (this.env.closeSocket !== undefined) this.env.closeSocket(conn);
    else conn.closeSocket();
  }

  /** Test hook of the bad-TLV scenario (D-8): bytes straight to the socket, past the engine. */
  injectRaw(bytes: Uint8Array): number {
    const conn = this.conn;
    if (conn === undefined || this.mode !== 'active') return 0;
    return conn.write(bytes);
  }

  private bindActive(conn: TcpConnection): void {
    // The other end closed (its reset, RFC 3618 §11): the session ends, and so does ours.
    conn.onPeerFin = () => {
      this.closed('peer-closed');
      conn.closeSocket();
    };
    conn.onReadable = () => this.readActive();
    conn.onWritable = () => this.eng.onWritable();
    conn.onClosed = (reason) => this.closed(reason);
  }

  private readActive(): void {
    const conn = this.conn;
    while (conn !== undefined && this.conn === conn && this.mode === 'active') {
      const data = conn.read(READ_MAX);
      if (data.length === 0) return;
      this.inBytes += data.length;
      this.eng.input(data);
    }
  }

  private drainIn(): void {
    const conn = this.conn;
    while (conn !== undefined && this.conn === conn && this.mode === 'snoop') {
      const data = conn.read(READ_MAX);
      if (data.length === 0) return;
      this.inBytes += data.length;
      this.eng.snoopIn(data);
    }
  }

  private write(bytes: Uint8Array): number {
    const conn = this.conn;
    if (conn === undefined || this.mode !== 'active') return 0;
    const n = conn.write(bytes);
    this.outBytes += n;
    return n;
  }

  private startTimer(tag: string, delayNs: number): number {
    let h = -1;
    const target: ProtoTimerTarget = {
      onTimer: (t) => {
        this.timers.delete(h);
        this.onTimer(t);
      },
    };
    h = this.env.startProtoTimer(target, tag, delayNs);
    this.timers.add(h);
    return h;
  }

  private cancelTimer(h: number): void {
    if (this.timers.delete(h)) this.env.cancelProtoTimer(h);
  }

  private closed(reason: string): void {
    const eng = this.engine;
    this.detach();
    eng?.onClosed(reason);
  }
}
