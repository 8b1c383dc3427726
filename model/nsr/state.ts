// The replication state one RE's kernel shares among its NSR subsystems: the handle ↔
// inpcb tables (SPEC I-2), the two inpcb flags (I-3), each replicated socket's PRL, SDRL
// and PSRM state, and the KKCM send entry point (K-4).
//
// In a real kernel these are data structures every subsystem reads; here they are one
// object per RE incarnation, handed to that RE's subsystem actors (and never to the other
// RE's). Each piece has one writer: a socket's state is split into one part per subsystem
// (Rep.iha, .prl, .sdrl, .psrm), written only by that subsystem's module; the tables are
// changed only through addRep/dropRep (IHA's handle management, I-1, I-2). Work that the design hands from one context to another
// (interrupt path → KKCM thread → client handler) is a message between actors with a
// modelled processing cost (options.ts); plain data-structure access is a call.
import {
  assert,
  assertInt,
  Observers,
  type ActorContext,
  type ActorId,
  type Message,
} from '../../sim/index.ts';
import type { ReplicatedApp } from '../app/app.ts';
import type { L4Input, L4Result } from './prl-queue.ts';
import type { Segment } from '../net/segment.ts';
import type { TcpConnection, TcpStack } from '../tcp/tcp.ts';
import {
  checkNsrConfig,
  type MutantName,
  type NsrBounds,
  type NsrCosts,
  type NsrOptions,
  type NsrTimers,
} from './options.ts';
import type { IpcClient, NsrMessage } from './wire.ts';

export type RepRole = 'primary' | 'secondary';

/**
 * What holds of every replicated socket's flags whoever wrote them last (O(1); called at
 * each transition of IHA's flags and when a socket enters or leaves the tables): set-up
 * and active exclude each other; only a primary is set up; a socket failing over is
 * neither set up nor active; active needs the other RE's handle; a secondary holds no
 * PRL packets (PRL queues and holds only on the primary, P-1, P-3).
 */
export function checkRep(rep: Rep): void {
  const f = rep.iha;
  assert(
    !(f.active && f.setupInProgress) && (!f.setupInProgress || rep.role === 'primary'),
    () =>
      `${rep.session} #${rep.handle} (${rep.role}): active ${f.active}, set-up ${f.setupInProgress}`,
  );
  // A primary is activated only with the secondary's handle (IHA's activate); a
  // secondary's peer handle is whatever the other RE's mirror said, so it is not checked.
  assert(
    (!f.failingOver || (!f.active && !f.setupInProgress)) &&
      (!f.active || rep.role === 'secondary' || rep.peerHandle !== 0),
    () =>
      `${rep.session} #${rep.handle}: failing over ${f.failingOver}, active ${f.active}, peer ${rep.peerHandle}`,
  );
  assert(
    rep.role === 'primary' || (rep.prl.queue.length === 0 && rep.prl.pending.length === 0),
    () =>
      `secondary ${rep.session} holds ${rep.prl.queue.length} + ${rep.prl.pending.length} PRL packets`,
  );
}

export interface PrlEntry {
  seq: number;
  /** Order in which the packet came from the peer (G-4 is judged on this). */
  arrival: number;
  /** The primary space the replicate message reported. */
  primarySpace: number;
  seg: Segment;
  bytes: number;
  sentNs: number;
}

// Each replicated socket's state is split by owner (GUIDE §5: one owner writes each piece
// of state). Only the owner's module writes its part; others read it, or change it through
// one named function the owner exports (e.g. prlWindowUpdate, ihaDeactivate) or a message.

/** IHA's part (I-3): the two inpcb flags and the set-up clock. Written by iha.ts only. */
export interface IhaSocketState {
  /** "Replication setup in progress". */
  setupInProgress: boolean;
  /** "Replication active". */
  active: boolean;
  /** IHA started this secondary's failover; PSRM's handler has not run yet. */
  failingOver: boolean;
  /** When IHA started setting the socket up (the set-up times out, I-6). */
  setupStartNs: number;
}

/** PRL's part (P-1 … P-11). Written by prl.ts only. */
export interface PrlSocketState {
  /** Packets held while set-up is in progress (P-1), in arrival order. */
  pending: Array<{ seg: Segment; arrival: number }>;
  /** Replicated, not yet ACKed (P-3), in sequence order. */
  queue: PrlEntry[];
  /** Sum of queue[].bytes (cached; prl.ts asserts it). */
  queuedBytes: number;
  nextSeq: number;
  /** Next arrival index of a packet from the peer (G-4). */
  nextArrival: number;
  /** P-10: the last common value both sides agreed for a packet. */
  common_rcvbufspc: number;
  /** Primary: what it knows of the secondary's free receive space (ACKs, flow control). */
  secSpace: number;
  /** Primary: PRL seq the last window update was sent after; older ACKs don't override it. */
  windowSeq: number;
  /** Secondary: the last PRL seq it processed (carried in window updates). */
  lastSeq: number;
  /** Set while PRL drives L4 input: the common value that packet is judged against. */
  inputSpace: number | undefined;
  /** Last time anything came from the other RE's PRL for this socket (P-7). */
  lastHeardNs: number;
  /**
   * P-14 'both', secondary: since when (as the periodic handler saw it) so_snd has held
   * send data the peer has not acknowledged; -1 while it holds none.
   */
  unackedSinceNs: number;
  /** P-6 'coalesce', secondary: the open batch of ACKs. */
  batch: { base: number; consumed: number; lastSeq: number; count: number } | undefined;
}

/** SDRL's part (S-1 … S-5): stream offsets of the send side. Written by sdrl.ts only. */
export interface SdrlSocketState {
  /** Bytes the application ever wrote to so_snd (the end offset of so_snd). */
  sndAppended: number;
  /** Offset replicated to the secondary (sent). */
  sent: number;
  /** Offset the secondary has confirmed (primary may transmit up to here, S-1). */
  acked: number;
  /** Stream offset of so_snd's end at the PSRM snapshot (SDRL starts here). */
  snapOffset: number;
  /** Secondary: outbound snoop, bytes the primary's application wrote, unread by the backup app. */
  snoopOut: Uint8Array[];
  /** Secondary: stream offset of the first byte in snoopOut. */
  snoopOutBase: number;
  snoopOutBytes: number;
}

/** PSRM's part (M-1, M-3). Written by psrm.ts only. */
export interface PsrmSocketState {
  /** When the replicate message went out (-1: answered); a late timeout compares it. */
  sentNs: number;
  /** Secondary window update pending (M-3 'delack' / timers). */
  windowDirty: boolean;
  windowTimer: number;
  /** Application stream offsets at the initial sync (read from / written to the peer). */
  appInBase: number;
  /** Secondary: rcv_nxt of the snapshot it was set up from (the failover mutant's stale value). */
  snapshotRcvNxt: number;
}

/** The receive tap's part: where TCP's next in-order byte lands. Written by NsrState only. */
export interface RcvTapState {
  /** Bytes TCP appended to so_rcv since the socket was replicated. */
  appended: number;
  /** Stream offset (from irs+1) of the next byte TCP appends to so_rcv. */
  offset: number;
}

/**
 * One replicated socket as this RE sees it (its inpcb's replication state). The handle
 * table's own fields (handle, peerHandle, role) are IHA's (I-1, I-2).
 */
export interface Rep {
  readonly session: string;
  /** Our handle (I-1); messages to us carry it. */
  readonly handle: number;
  /** The other RE's handle for the same socket, once known. */
  peerHandle: number;
  role: RepRole;
  readonly conn: TcpConnection;
  /** The application on this RE for the session (master app or snooping backup app). */
  app: ReplicatedApp | undefined;
  readonly iha: IhaSocketState;
  readonly prl: PrlSocketState;
  readonly sdrl: SdrlSocketState;
  readonly psrm: PsrmSocketState;
  readonly rcv: RcvTapState;
}

/** PRL's per-RE state (P-8, P-9). Written by prl.ts only. */
export interface PrlReState {
  /** P-9 'global': one sequence space for all sockets. */
  globalSeq: number;
  /** P-8: bytes held unACKed by PRL on this RE (cached sum of every queue; asserted). */
  bufferedBytes: number;
  /** P-9 'global': the one queue of unACKed packets of every socket, in arrival order. */
  readonly globalQueue: Array<{ handle: number; entry: PrlEntry }>;
  /** P-14 'whole-re': last time any PRL message came from the other RE (seed 001 §7.3e). */
  lastHeardNs: number;
}

/** What the NSR subsystems need from their RE's kernel and applications. */
export interface ReKernel {
  /** The TCP stack of the router's address. */
  routerStack(): TcpStack;
  /** Plain L4 input (stack demultiplexing), for packets of sockets no longer replicated. */
  l4(seg: Segment): void;
  /** Secondary: the snooping backup application starts on the replicated socket (S-3). */
  attachBackupApp(rep: Rep): void;
  /** Failover: the backup application takes over writing (SPEC I-5, S-1). */
  takeoverApp(rep: Rep): void;
  /** The secondary socket is gone: stop its application. */
  dropApp(rep: Rep): void;
  /** The RE is master (its sockets are primaries). */
  isMaster(): boolean;
  /** Hands work to one of this RE's actors from a TCP or socket callback (any context). */
  post<T extends Message>(to: ActorId, msg: T, delayNs: number): void;
}

export interface NsrIds {
  /** The RE kernel's actor. */
  re: ActorId;
  kkcm: ActorId;
  iha: ActorId;
  prl: ActorId;
  sdrl: ActorId;
  psrm: ActorId;
  /** The PFE: a per-socket failover steers the connection's flow (SPEC F-2). */
  pfe: ActorId;
  /** The chassis: the master's IHA tells it whether the backup is synchronized (F-6). */
  chassis: ActorId;
}

/** A decoded NSR message handed to its owning client by KKCM (G-8: whole messages). */
export interface NsrDeliver extends Message {
  readonly type: 'nsr.deliver';
  readonly msg: NsrMessage;
}

/** A message KKCM could frame but not parse: the client answers with a NACK (K-5). */
export interface NsrMalformed extends Message {
  readonly type: 'nsr.malformed';
  readonly client: IpcClient;
  readonly handle: number | undefined;
  readonly error: string;
}

export type CleanupReason = 'SWITCHOVER' | 'ORE_DOWN' | 'NSR_DECONFIG' | 'IO_ERR';

export interface NsrCleanup extends Message {
  readonly type: 'nsr.cleanup';
  readonly reason: CleanupReason;
}

export interface NsrPeriodic extends Message {
  readonly type: 'nsr.periodic';
}

/** K-9: KKCM is connected; run the init routine. */
export interface NsrInit extends Message {
  readonly type: 'nsr.init';
}

/** What every client (IHA, SDRL, PSRM, PRL) receives from KKCM (K-3). */
export type ClientMessage = NsrDeliver | NsrMalformed | NsrCleanup | NsrPeriodic | NsrInit;

export interface KkcmSender {
  /**
   * K-4: queue a whole message; returns an error string when it cannot be sent. `waitOk`
   * (seed 002 §7.2c): the sender may block, so with K-12 'client-context' KKCM may write
   * the message from the sender's own context instead of queueing it.
   */
  send(ctx: ActorContext, msg: NsrMessage, waitOk?: boolean): string | undefined;
  readonly ready: boolean;
}

export class NsrState {
  /** The handle ↔ inpcb tables (I-2): IHA's, changed only through addRep/dropRep. */
  readonly reps = new Map<number, Rep>();
  readonly byConn = new Map<TcpConnection, Rep>();
  readonly bySession = new Map<string, Rep>();
  /**
   * The sessions named by every change that can change which sockets IHA reports not yet
   * replicated (F-6) since IHA last worked that out: a socket added or dropped here, an
   * active flag set or cleared (IHA, iha-state.ts), a candidate socket added or removed
   * (IHA), all through syncChange(). Undefined when IHA must walk every candidate (at
   * first, after a change naming no session, and while this RE is not master). IHA's
   * reportSync looks at these sessions only: walking every candidate after every change
   * was quadratic in the number of sockets (issue 18).
   */
  syncTouched: Set<string> | undefined = undefined;
  private nextHandle: number;
  /** PRL's per-RE state (P-8, P-9). */
  readonly prl: PrlReState = { globalSeq: 0, bufferedBytes: 0, globalQueue: [], lastHeardNs: 0 };
  /**
   * Every in-order byte a replicated socket delivers to its receive buffer (primary and
   * secondary alike), with its stream offset: the identical-data checker's tap. Not traced.
   */
  readonly delivered = new Observers<[Rep, number, Uint8Array]>();
  /** The send side: bytes the primary app wrote / SDRL appended to the secondary's so_snd. */
  readonly sent = new Observers<[Rep, number, Uint8Array]>();
  /** Every L4 input PRL drives, with what it left in the socket (P-10, P-13 checkers). */
  readonly l4Done = new Observers<[Rep, L4Input, L4Result]>();
  kernel!: ReKernel;
  kkcm: KkcmSender = { send: () => 'KKCM not running', ready: false };
  /** K-3: registered clients (message, periodic and cleanup handlers are the actor's). */
  readonly clients = new Map<IpcClient, ActorId>();

  constructor(
    readonly reIndex: 0 | 1,
    readonly ids: NsrIds,
    readonly opts: NsrOptions,
    readonly costs: NsrCosts,
    readonly timers: NsrTimers,
    readonly bounds: NsrBounds,
    readonly mutant: MutantName | undefined,
    /** Handles of this RE incarnation start here, so a restarted RE never reuses one. */
    handleBase = 0,
  ) {
    assertInt(handleBase, 0, 0xffff_fffe, 'NSR handle base');
    assertInt(reIndex, 0, 1, 'RE index');
    checkNsrConfig(opts, costs, timers, bounds);
    this.nextHandle = handleBase + 1;
  }

  /** The protocol version this RE speaks (K-11). */
  get version(): number {
    return this.opts.versions[this.reIndex];
  }

  /** Plain L4 input for a packet whose socket is no longer replicated. */
  l4Fallback(seg: Segment): void {
    this.kernel.l4(seg);
  }

  /**
   * K-3: registers a client (its init routine does, seed 002 §7.1); an unknown type or a
   * second registration fails.
   */
  register(client: IpcClient, actor: ActorId): string | undefined {
    if (!(['iha', 'sdrl', 'psrm', 'prl'] as const).includes(client))
      return `unknown client type ${String(client)}`;
    if (this.clients.has(client)) return `client ${client} registered twice`;
    assertInt(actor, 0, 0x7fff_ffff, `actor of NSR client ${client}`);
    this.clients.set(client, actor);
    return undefined;
  }

  /** K-3, K-13: a client's cleanup handler unregisters it (seed 002 §7.1). */
  unregister(client: IpcClient): void {
    assert(this.clients.has(client), () => `unregister: client ${client} is not registered`);
    this.clients.delete(client);
    assert(!this.clients.has(client), () => `unregister: client ${client} is still registered`);
  }

  is(m: MutantName): boolean {
    return this.mutant === m;
  }

  /** I-1: a fresh handle and its table entry; `app` is the application on this RE, if any. */
  addRep(session: string, role: RepRole, conn: TcpConnection, app?: ReplicatedApp): Rep {
    assert(!this.bySession.has(session), () => `addRep: ${session} is replicated already`);
    assert(!this.byConn.has(conn), () => `addRep: the socket of ${session} has a handle already`);
    const handle = this.nextHandle++;
    assertInt(handle, 1, 0xffff_ffff, 'NSR handle');
    // Handles only grow within an incarnation: a fresh one was never handed out (I-1).
    assert(!this.reps.has(handle), () => `addRep: handle ${handle} is in use`);
    const space = conn.so_rcv.sbspace();
    const snd = conn.so_snd.cc;
    const rep: Rep = {
      session,
      handle,
      peerHandle: 0,
      role,
      conn,
      app,
      iha: { setupInProgress: false, active: false, failingOver: false, setupStartNs: 0 },
      prl: {
        pending: [],
        queue: [],
        queuedBytes: 0,
        nextSeq: 1,
        nextArrival: 1,
        common_rcvbufspc: space,
        secSpace: space,
        windowSeq: -1,
        lastSeq: 0,
        inputSpace: undefined,
        lastHeardNs: 0,
        unackedSinceNs: -1,
        batch: undefined,
      },
      sdrl: {
        sndAppended: snd,
        sent: snd,
        acked: snd,
        snapOffset: snd,
        snoopOut: [],
        snoopOutBase: 0,
        snoopOutBytes: 0,
      },
      psrm: { sentNs: 0, windowDirty: false, windowTimer: -1, appInBase: 0, snapshotRcvNxt: 0 },
      rcv: { appended: 0, offset: (conn.rcv_nxt - conn.irs - 1) >>> 0 },
    };
    this.reps.set(handle, rep);
    this.byConn.set(conn, rep);
    this.bySession.set(session, rep);
    this.syncChange(session);
    conn.onRcvAppend = (bytes: Uint8Array) => {
      // TCP calls the tap only with bytes (tcp/conn.ts rcvAppend returns on empty).
      assert(bytes.length > 0, () => `receive tap of ${session}: an empty append`);
      rep.rcv.appended += bytes.length;
      this.delivered.publish(rep, rep.rcv.offset, bytes);
      rep.rcv.offset += bytes.length;
    };
    this.checkTables();
    assert(this.reps.get(handle) === rep, () => `addRep: ${session} #${handle} not in the table`);
    checkRep(rep);
    return rep;
  }

  /** The three tables index the same sockets (each rep is in all three, once). O(1). */
  private checkTables(): void {
    assert(
      this.reps.size === this.byConn.size && this.reps.size === this.bySession.size,
      () =>
        `NSR tables disagree: ${this.reps.size} handles, ${this.byConn.size} sockets, ${this.bySession.size} sessions`,
    );
  }

  /** PSRM applied a snapshot: the next byte TCP appends is at the stream offset of rcv_nxt. */
  rebaseRcvTap(rep: Rep): void {
    // Only a secondary's receive state is replaced by a snapshot (M-1), before any data.
    assert(
      rep.role === 'secondary' && this.reps.get(rep.handle) === rep,
      () => `rebaseRcvTap: ${rep.session} #${rep.handle} is not a secondary in the table`,
    );
    rep.rcv.offset = (rep.conn.rcv_nxt - rep.conn.irs - 1) >>> 0;
  }

  /**
   * Removes a socket's replication state (I-6 cleanup); the socket itself stays. PRL must
   * have released the socket's packets first (prlRelease): nothing may be left held.
   */
  dropRep(rep: Rep): void {
    assert(
      this.reps.get(rep.handle) === rep,
      () => `dropRep: ${rep.session} #${rep.handle} is not in the table`,
    );
    assert(
      rep.prl.queue.length === 0 && rep.prl.pending.length === 0 && rep.prl.queuedBytes === 0,
      () =>
        `dropRep: PRL still holds ${rep.prl.queue.length} + ${rep.prl.pending.length} packets of ${rep.session}`,
    );
    const c = rep.conn;
    // addRep refuses a second socket for a session or a connection: the other tables
    // point at this same rep.
    assert(
      this.byConn.get(c) === rep && this.bySession.get(rep.session) === rep,
      () => `dropRep: the tables do not all point at ${rep.session} #${rep.handle}`,
    );
    rep.iha.active = false;
    rep.iha.setupInProgress = false;
    this.reps.delete(rep.handle);
    this.byConn.delete(c);
    this.bySession.delete(rep.session);
    this.syncChange(rep.session);
    this.checkTables();
  }

  /** Records a change of `session`'s F-6 standing; undefined: of every session. */
  syncChange(session: string | undefined): void {
    if (session === undefined) this.syncTouched = undefined;
    else this.syncTouched?.add(session);
  }

  rep(handle: number): Rep | undefined {
    const r = this.reps.get(handle);
    assert(r === undefined || r.handle === handle, () => `handle ${handle} maps to #${r?.handle}`);
    return r;
  }
}
