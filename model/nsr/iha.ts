// IHA: initialization, handle management and async notification (SPEC I-1 … I-6; the
// IHA design itself is not among the seeds, so this follows what PSRM, PRL and KKCM say
// of it).
//
// Set-up of one socket (I-1, I-4): the master allocates a primary handle, marks the inpcb
// "setup in progress" (PRL now holds its packets) and mirrors the handle and 4-tuple to
// the backup; the backup creates the secondary socket, allocates its handle and answers;
// the master has PSRM replicate the tcpcb; on PSRM's ACK the inpcb becomes "active" and
// PRL is asked to replicate what it held. Errors posted by PRL, PSRM, SDRL or KKCM clean
// up replication on the socket and tell the other RE (I-6). Failover (I-5): the
// secondary PSRM failover handler runs, "active" is cleared, the secondary becomes the
// primary and the backup application takes over.
//
// Sync switchover (F-2): the old master lets every socket's PRL queue and SDRL data
// drain (bounded), then sends one failover message per socket and a final one with
// handle 0; the new master fails each socket over as its message arrives and then
// cleans KKCM up with reason SWITCHOVER. Async (F-1): the new master fails every
// secondary over at once and shuts KKCM down (ORE_DOWN).
//
// Per-socket sync failover (F-2): the application holding a primary socket asks for it.
// The PFE first steers that connection's flow to the other RE (so nothing of the flow
// reaches the wire from here or comes here any more), the application stops, the
// socket's PRL queue and SDRL data drain, and one failover message hands it over; the
// other RE fails the secondary over and replicates it back here. A primary may thus live
// on the backup RE: when that RE is lost, the master fails its secondaries of those
// sockets over (ORE_DOWN on the master). If replication is torn down before the hand-over
// (a channel error mid-drain), the failover is abandoned: the flow comes back and the
// application carries on, unreplicated, here.
//
// Resynchronization (F-4): whenever KKCM comes (back) up, every primary socket that is
// not replicated is set up again from its current state (PSRM carries the state).
import { assert, assertInt, unreachable } from '../../sim/index.ts';
import type { ReplicatedApp } from '../app/app.ts';
import type { SyncState } from '../router/chassis.ts';
import type { TcpConnection } from '../tcp/tcp.ts';
import { NsrClient, type IhaPostError } from './client.ts';
import { checkRep, type CleanupReason, type NsrState, type Rep } from './state.ts';
import { installPrimaryHooks, installSecondaryHooks, removeHooks } from './hooks.ts';
import { sdrlCheck, sdrlStartAt } from './sdrl-state.ts';
import { prlRelease } from './prl.ts';
import type { NsrMessage } from './wire.ts';
import { K } from '../vocab.ts';

export type IhaLocal =
  | {
      readonly type: 'iha.socket';
      readonly session: string;
      readonly conn: TcpConnection;
      readonly app: ReplicatedApp;
    }
  | {
      readonly type: 'iha.psrm-done';
      readonly handle: number;
      readonly ok: boolean;
      readonly reason: string;
    }
  | IhaPostError
  | { readonly type: 'iha.become-master'; readonly sync: boolean }
  | { readonly type: 'iha.become-backup' }
  | { readonly type: 'iha.drain-check'; readonly deadlineNs: number }
  | { readonly type: 'iha.socket-failover'; readonly session: string }
  | { readonly type: 'iha.drain-socket'; readonly handle: number; readonly deadlineNs: number }
  | { readonly type: 'iha.sync-guard' };

/** How long a sync switchover waits for queues to drain before failing over anyway. */
const DRAIN_MAX_NS = 500_000_000;
const DRAIN_POLL_NS = 1_000_000;
/** How long the new master waits for the old master's failover messages. */
const SYNC_GUARD_NS = 1_000_000_000;
/**
 * reportSync walks every candidate, to check the list it keeps, once in this many calls or
 * once per candidate's worth of calls, whichever is rarer (O(1) per call on average).
 */
const SYNC_RECHECK_EVERY = 64;

interface Candidate {
  conn: TcpConnection;
  app: ReplicatedApp;
}

/** A primary still has packets awaiting the secondary's ACK, or send data not yet confirmed. */
function undrained(r: Rep): boolean {
  assert(r.role === 'primary', () => `undrained: ${r.session} is a ${r.role}`);
  sdrlCheck(r);
  const d = r.sdrl;
  return r.prl.queue.length > 0 || d.acked < d.sent || d.sent < d.sndAppended;
}

function drainState(r: Rep): Record<string, unknown> {
  assert(r.role === 'primary', () => `drainState: ${r.session} is a ${r.role}`);
  return {
    session: r.session,
    queued: r.prl.queue.length,
    sdrlUnacked: r.sdrl.sent - r.sdrl.acked,
    sdrlUnsent: r.sdrl.sndAppended - r.sdrl.sent,
  };
}

export class Iha extends NsrClient<IhaLocal> {
  /** Master: sockets the application asked to replicate, by session. */
  private candidates = new Map<string, Candidate>();
  /** Per candidate, its rank in the candidates' order (a Map keeps insertion order). */
  private candidateRank = new Map<string, number>();
  private nextRank = 0;
  private awaitingSync = false;
  /** The sync state last told to the chassis (F-6), to tell it only changes. */
  private lastSync: { synced: boolean; pending: readonly string[] } | undefined;
  /**
   * The candidates not yet replicated (F-6), in the candidates' order, with their ranks:
   * kept up to date from the sessions NsrState.syncTouched names, so reportSync need not
   * walk every candidate after every message (with 10,000 sockets that walk was quadratic).
   */
  private pendingNames: string[] = [];
  private pendingRanks: number[] = [];
  /** The list may differ from the one last told to the chassis (it was changed since). */
  private pendingMoved = false;
  /** KKCM's readiness when the sync state was last worked out. */
  private syncReadySeen = false;
  /** reportSync calls left before the next walk that checks the kept list. */
  private syncCallsToRecheck = SYNC_RECHECK_EVERY;
  /** Per-socket failovers in progress (draining), by primary handle. */
  private handovers = new Map<number, Candidate>();

  constructor(state: () => NsrState) {
    super('iha', state);
  }

  protected reset(): void {
    this.clearCandidates();
    this.awaitingSync = false;
    this.handovers = new Map();
    this.lastSync = undefined;
  }

  override receive(msg: Parameters<NsrClient<IhaLocal>['receive']>[0]): void {
    super.receive(msg);
    this.reportSync();
  }

  /**
   * F-4, F-6: as master, tell the chassis whenever the backup's synchronization changes:
   * it is synchronized when KKCM is up and every socket the application asked to replicate
   * has an active replica (a restarted backup is set up again socket by socket).
   */
  private reportSync(): void {
    if (!this.nsr.kernel.isMaster()) {
      this.nsr.syncTouched = undefined; // a master-to-be walks every candidate first
      return;
    }
    const ready = this.nsr.kkcm.ready;
    const touched = this.nsr.syncTouched;
    const still = touched !== undefined && touched.size === 0 && this.syncReadySeen === ready;
    const recheck = --this.syncCallsToRecheck === 0;
    if (recheck) this.syncCallsToRecheck = Math.max(SYNC_RECHECK_EVERY, this.candidateRank.size);
    if (still && !recheck) return;
    if (touched === undefined) {
      this.walkPending();
      this.nsr.syncTouched = new Set();
    } else {
      for (const s of touched) this.updatePending(s);
      touched.clear();
    }
    this.syncReadySeen = ready;
    // Paired with every change of candidates, handle tables and active flags naming its
    // session in NsrState.syncChange: a walk finds the list kept from those changes.
    if (recheck) {
      const kept = this.pendingNames;
      this.walkPending();
      assert(
        sameList(kept, this.pendingNames),
        () =>
          `IHA: sync state of ${kept.length} pending sockets changed without a recorded change (a walk finds ${this.pendingNames.length})`,
      );
    }
    const synced = ready && this.pendingNames.length === 0;
    const last = this.lastSync;
    const same =
      last !== undefined &&
      last.synced === synced &&
      (!this.pendingMoved || sameList(last.pending, this.pendingNames));
    this.pendingMoved = false;
    if (same) return;
    const pending = this.pendingNames.slice();
    this.lastSync = { synced, pending };
    this.ctx.trace(K.iha.syncState, { synced, pending: pending.length });
    const msg: SyncState = { type: 'chassis.sync-state', re: this.nsr.reIndex, synced, pending };
    this.ctx.send(this.nsr.ids.chassis, msg);
  }

  /** A candidate not yet replicated: no socket for its session, or one not active. */
  private isPending(session: string): boolean {
    return this.candidates.has(session) && this.nsr.bySession.get(session)?.iha.active !== true;
  }

  /** Works the pending list out from every candidate (O(candidates)). */
  private walkPending(): void {
    const names: string[] = [];
    const ranks: number[] = [];
    for (const [session, rank] of this.candidateRank) {
      if (!this.isPending(session)) continue;
      names.push(session);
      ranks.push(rank);
    }
    this.pendingNames = names;
    this.pendingRanks = ranks;
    this.pendingMoved = true;
  }

  /** Puts `session` in the pending list or takes it out, as it now stands (O(log n) + a move). */
  private updatePending(session: string): void {
    const rank = this.candidateRank.get(session);
    const names = this.pendingNames;
    const ranks = this.pendingRanks;
    // A session leaves the candidates (and its rank) only by removeCandidate, which takes
    // it out of the list first: a listed session always has its rank.
    const at = rank === undefined ? -1 : lowerBound(ranks, rank);
    const listed = at >= 0 && at < names.length && names[at] === session;
    const pend = this.isPending(session);
    if (pend && !listed) {
      assert(rank !== undefined, () => `IHA: pending ${session} is not a candidate`);
      names.splice(at, 0, session);
      ranks.splice(at, 0, rank);
      this.pendingMoved = true;
    } else if (!pend && listed) {
      names.splice(at, 1);
      ranks.splice(at, 1);
      this.pendingMoved = true;
    }
  }

  private addCandidate(session: string, c: Candidate): void {
    // Map.set keeps the place of a session already there: so does its rank.
    if (!this.candidateRank.has(session)) this.candidateRank.set(session, this.nextRank++);
    this.candidates.set(session, c);
    this.nsr.syncChange(session);
  }

  private removeCandidate(session: string): void {
    this.candidates.delete(session);
    this.nsr.syncChange(session);
    this.updatePending(session); // while its rank still finds it in the list
    this.candidateRank.delete(session);
  }

  private clearCandidates(): void {
    this.candidates = new Map();
    this.candidateRank = new Map();
    this.pendingNames = [];
    this.pendingRanks = [];
    this.pendingMoved = true;
    this.nsr.syncChange(undefined);
  }

  protected onLocal(msg: IhaLocal): void {
    switch (msg.type) {
      case 'iha.socket':
        assert(msg.session.length > 0, 'iha.socket: a session needs a name');
        this.addCandidate(msg.session, { conn: msg.conn, app: msg.app });
        if (this.nsr.kkcm.ready) this.begin(msg.session);
        return;
      case 'iha.psrm-done':
        // Paired with PSRM, which says ok exactly for an ACK with reason ok, for a handle it had.
        assert(
          msg.ok === (msg.reason === 'ok'),
          () => `iha.psrm-done: ok ${msg.ok}, ${msg.reason}`,
        );
        assert(msg.handle > 0, () => `iha.psrm-done for handle ${msg.handle}`);
        this.psrmDone(msg.handle, msg.ok, msg.reason);
        return;
      case 'iha.post-error':
        // Paired with NsrClient.postError, which names a socket in the table.
        assert(msg.handle > 0 && msg.reason.length > 0, 'iha.post-error without handle or reason');
        this.error(msg.handle, msg.reason, msg.queued, true);
        return;
      case 'iha.become-master':
        this.becomeMaster(msg.sync);
        return;
      case 'iha.become-backup':
        this.becomeBackup();
        return;
      case 'iha.drain-check':
        this.drainCheck(msg.deadlineNs);
        return;
      case 'iha.socket-failover':
        assert(msg.session.length > 0, 'iha.socket-failover: a session needs a name');
        this.socketFailover(msg.session);
        return;
      case 'iha.drain-socket':
        // Paired with socketFailover and drainSocket, which poll a primary's own handle.
        assert(msg.handle > 0, () => `iha.drain-socket for handle ${msg.handle}`);
        this.drainSocket(msg.handle, msg.deadlineNs);
        return;
      case 'iha.sync-guard':
        if (this.awaitingSync) {
          this.ctx.trace(K.iha.syncTimeout, {});
          this.failoverAll();
          this.ctx.send(this.nsr.ids.kkcm, { type: 'kkcm.switchover' });
        }
        return;
      default:
        unreachable(msg, 'IHA message');
    }
  }

  protected override onInit(): void {
    // F-4: (re)replicate every primary socket of this RE that is not replicated (the
    // master's, and any a per-socket failover moved to the backup).
    for (const session of this.candidates.keys()) this.begin(session);
  }

  protected override onPeriodic(): void {
    const now = this.ctx.now;
    // A set-up the other RE never answers (it could not parse the mirror, or went
    // silent) is given up, so the socket is not held in set-up for ever (I-6).
    for (const rep of [...this.nsr.reps.values()]) {
      if (
        rep.role === 'primary' &&
        rep.iha.setupInProgress &&
        now - rep.iha.setupStartNs >= this.nsr.timers.psrmTimeoutNs
      ) {
        this.error(rep.handle, 'set-up timed out', 'push', true);
      }
    }
    // I-6: no set-up outlives its timeout by more than one period.
    for (const rep of this.nsr.reps.values())
      assert(
        !rep.iha.setupInProgress || now - rep.iha.setupStartNs < this.nsr.timers.psrmTimeoutNs,
        () => `IHA: the set-up of ${rep.session} outlived its timeout`,
      );
    // Sockets whose replication failed are set up again from their current state.
    if (!this.nsr.kkcm.ready) return;
    for (const session of this.candidates.keys())
      if (!this.nsr.bySession.has(session)) this.begin(session);
  }

  // ---- primary: set-up (I-1, I-3, I-4) ----------------------------------------------

  private begin(session: string): void {
    const c = this.candidates.get(session);
    if (c === undefined || this.nsr.bySession.has(session) || !this.nsr.kkcm.ready) return;
    if (c.conn.t_state !== 'ESTABLISHED' && c.conn.t_state !== 'CLOSE_WAIT') return;
    const rep = this.nsr.addRep(session, 'primary', c.conn, c.app);
    assert(!rep.iha.active && !rep.iha.setupInProgress, 'begin: a fresh handle is already in use');
    assert(!c.conn.replica, () => `begin: the socket of ${session} is a replica`);
    rep.iha.setupInProgress = true;
    rep.iha.setupStartNs = this.ctx.now;
    checkRep(rep);
    // Absolute application stream offsets (the application's own sync of its state); the
    // read offset is taken at PSRM's snapshot (psrm.ts), as the application reads meanwhile.
    sdrlStartAt(rep, c.app.outOffset);
    installPrimaryHooks(this.nsr, rep);
    const conn = c.conn;
    this.ctx.trace(K.iha.setup, { session, handle: rep.handle });
    this.send(
      {
        t: 'iha.mirror',
        handle: rep.handle,
        laddr: conn.laddr,
        lport: conn.lport,
        faddr: conn.faddr,
        fport: conn.fport,
        rtbl: 0,
        session,
      },
      rep,
    );
  }

  private onReady(msg: NsrMessage & { t: 'iha.ready' }): void {
    const rep = this.nsr.rep(msg.handle);
    if (rep === undefined || rep.role !== 'primary' || !rep.iha.setupInProgress) {
      this.ctx.trace(K.iha.readyUnknown, { handle: msg.handle });
      return;
    }
    if (msg.reason !== 'ok') {
      this.error(rep.handle, `secondary init failed: ${msg.reason}`, 'push', false);
      return;
    }
    rep.peerHandle = msg.secondary;
    if (this.nsr.is('iha-active-before-psrm-ack')) this.activate(rep);
    // I-4: active waits for PSRM's ACK (only the mutant activates here).
    assert(
      rep.iha.active === this.nsr.is('iha-active-before-psrm-ack'),
      () => `onReady: ${rep.session} active ${rep.iha.active} before PSRM's ACK`,
    );
    this.ctx.send(
      this.nsr.ids.psrm,
      { type: 'psrm.start', handle: rep.handle },
      this.nsr.costs.psrmNs,
    );
  }

  private psrmDone(handle: number, ok: boolean, reason: string): void {
    const rep = this.nsr.rep(handle);
    if (rep === undefined) return;
    if (!ok) {
      this.error(handle, `PSRM init failed: ${reason}`, 'push', true);
      return;
    }
    if (!rep.iha.active) this.activate(rep);
    assert(rep.iha.active && !rep.iha.setupInProgress, () => `psrmDone: ${rep.session} not active`);
  }

  /** I-4: active goes on; PRL replicates what it held; SDRL sends what was written meanwhile. */
  private activate(rep: Rep): void {
    assert(
      rep.role === 'primary' && rep.iha.setupInProgress && !rep.iha.active,
      () => `activate: ${rep.session} is not a primary in set-up`,
    );
    assert(rep.peerHandle !== 0, () => `activate: ${rep.session} has no secondary handle`);
    // Nothing was replicated before activation: PRL held the packets (P-1), SDRL waited.
    assert(
      rep.prl.queue.length === 0 && rep.sdrl.acked === rep.sdrl.sent,
      () => `activate: ${rep.session} has replicated data before it is active`,
    );
    rep.iha.active = true;
    rep.iha.setupInProgress = false;
    this.nsr.syncChange(rep.session);
    checkRep(rep);
    this.ctx.trace(K.iha.active, {
      session: rep.session,
      handle: rep.handle,
      peer: rep.peerHandle,
    });
    this.send({ t: 'iha.start', handle: rep.peerHandle, secondary: rep.handle }, rep);
    this.ctx.send(
      this.nsr.ids.prl,
      { type: 'prl.flush', handle: rep.handle },
      this.nsr.costs.prlPrimaryNs,
    );
    this.ctx.send(
      this.nsr.ids.sdrl,
      { type: 'sdrl.start', handle: rep.handle },
      this.nsr.costs.sdrlNs,
    );
  }

  // ---- secondary: set-up --------------------------------------------------------------

  private onMirror(msg: NsrMessage & { t: 'iha.mirror' }): void {
    const old = this.nsr.bySession.get(msg.session);
    if (old !== undefined) this.deleteSecondary(old, 'replaced by a new mirror');
    const stack = this.nsr.kernel.routerStack();
    const conn = stack.adoptReplica(msg.lport, msg.faddr, msg.fport);
    if (conn === undefined) {
      this.send({ t: 'iha.ready', handle: msg.handle, secondary: 0, reason: 'failed' });
      return;
    }
    const rep = this.nsr.addRep(msg.session, 'secondary', conn);
    rep.peerHandle = msg.handle;
    assert(
      !rep.iha.active && this.nsr.bySession.get(msg.session) === rep,
      () => `onMirror: ${msg.session} is not a fresh secondary`,
    );
    installSecondaryHooks(this.nsr, rep);
    this.ctx.trace(K.iha.secondary, { session: msg.session, handle: rep.handle, peer: msg.handle });
    this.send({ t: 'iha.ready', handle: msg.handle, secondary: rep.handle, reason: 'ok' }, rep);
  }

  // ---- errors and cleanup (I-6) ---------------------------------------------------

  private error(handle: number, reason: string, queued: 'push' | 'drop', tellPeer: boolean): void {
    assertInt(handle, 1, 0xffff_ffff, 'IHA error handle');
    const rep = this.nsr.rep(handle);
    if (rep === undefined) return;
    checkRep(rep);
    this.ctx.trace(K.iha.cleanupSocket, { session: rep.session, handle, role: rep.role, reason });
    if (tellPeer && rep.peerHandle !== 0)
      this.send({ t: 'iha.error', handle: rep.peerHandle, reason: 'failed' });
    if (rep.role === 'primary') this.unreplicate(rep, queued);
    else this.deleteSecondary(rep, reason);
    // I-6: an error ends replication of the socket, on either side.
    assert(this.nsr.rep(handle) === undefined, () => `error: ${rep.session} is still replicated`);
  }

  /** The primary socket carries on without replication. */
  private unreplicate(rep: Rep, queued: 'push' | 'drop'): void {
    assert(rep.role === 'primary', () => `unreplicate: ${rep.session} is a ${rep.role}`);
    // A primary in the table never fails over (only secondaries do, and leave the table).
    assert(!rep.iha.failingOver, () => `unreplicate: ${rep.session} is failing over`);
    prlRelease(this.nsr, this.ctx, rep, queued);
    removeHooks(rep);
    this.nsr.dropRep(rep);
    this.abandonHandover(rep);
    assert(
      !this.handovers.has(rep.handle) && this.nsr.rep(rep.handle) === undefined,
      () => `unreplicate: ${rep.session} #${rep.handle} is still tracked`,
    );
    rep.conn.output(); // the send limit is gone: transmit what was held back
  }

  /** The secondary socket disappears without a trace on the wire (it never transmits). */
  private deleteSecondary(rep: Rep, reason: string): void {
    assert(rep.role === 'secondary', () => `deleteSecondary: ${rep.session} is a ${rep.role}`);
    this.ctx.trace(K.iha.deleteSecondary, { session: rep.session, handle: rep.handle, reason });
    this.nsr.kernel.dropApp(rep);
    removeHooks(rep);
    this.nsr.dropRep(rep);
    // A secondary is never handed over: only primaries are in `handovers`.
    assert(!this.handovers.has(rep.handle), () => `deleteSecondary: ${rep.session} in hand-over`);
    rep.conn.outputFilter = () => false;
    rep.conn.abort();
  }

  protected override onCleanup(reason: CleanupReason): void {
    this.ctx.trace(K.iha.cleanup, { reason, sockets: this.nsr.reps.size });
    for (const rep of [...this.nsr.reps.values()]) {
      const master = this.nsr.kernel.isMaster();
      if (rep.role === 'primary') {
        this.unreplicate(rep, 'push');
      } else if (reason === 'ORE_DOWN' && master) {
        // The other RE is gone with primaries a per-socket failover had moved there
        // (or a takeover is under way here): this secondary fails over now (F-1).
        this.failover(rep);
      } else if (reason === 'SWITCHOVER' && !master) {
        // This RE handed mastership away; the new master stops replicating its sockets.
        this.deleteSecondary(rep, `cleanup ${reason}`);
      } else if (reason !== 'ORE_DOWN' && reason !== 'SWITCHOVER') {
        // ORE_DOWN / SWITCHOVER on the RE becoming master: become-master fails the
        // secondaries over, they are not deleted.
        this.deleteSecondary(rep, `cleanup ${reason}`);
      }
    }
    this.checkAfterCleanup(reason);
  }

  /**
   * I-6, K-7: after a cleanup no primary is replicated any more; a secondary is left only
   * when this RE takes over (ORE_DOWN on the master: failing over; SWITCHOVER or ORE_DOWN
   * on the backup: become-master decides), never after a deconfiguration or an I/O error.
   */
  private checkAfterCleanup(reason: CleanupReason): void {
    const master = this.nsr.kernel.isMaster();
    for (const rep of this.nsr.reps.values()) {
      assert(rep.role === 'secondary', () => `cleanup ${reason}: primary ${rep.session} is left`);
      assert(
        reason === 'SWITCHOVER' || reason === 'ORE_DOWN',
        () => `cleanup ${reason}: secondary ${rep.session} is left`,
      );
      assert(
        !(reason === 'ORE_DOWN' && master) || rep.iha.failingOver,
        () => `cleanup ORE_DOWN on the master: ${rep.session} is not failing over`,
      );
    }
    assert(
      this.handovers.size === 0,
      () => `cleanup ${reason}: ${this.handovers.size} hand-overs left`,
    );
  }

  // ---- failover (I-5) ---------------------------------------------------------------

  private becomeMaster(sync: boolean): void {
    this.ctx.trace(K.iha.becomeMaster, { sync, secondaries: this.countRole('secondary') });
    if (sync && this.nsr.kkcm.ready) {
      // Wait for the old master's per-socket failover messages.
      this.awaitingSync = true;
      this.ctx.startTimer(SYNC_GUARD_NS, { type: 'iha.sync-guard' });
      return;
    }
    this.failoverAll();
    this.ctx.send(this.nsr.ids.kkcm, { type: 'kkcm.ore', up: false });
  }

  private failoverAll(): void {
    this.awaitingSync = false;
    for (const rep of [...this.nsr.reps.values()]) if (rep.role === 'secondary') this.failover(rep);
    // Each secondary is failing over now, or was deleted (it never became active).
    for (const rep of this.nsr.reps.values())
      assert(
        rep.role === 'primary' || rep.iha.failingOver,
        () => `failoverAll: secondary ${rep.session} is not failing over`,
      );
  }

  private failover(rep: Rep): void {
    // Callers take the socket from the table (failoverAll, cleanup, a failover message).
    assert(this.nsr.rep(rep.handle) === rep, () => `failover: ${rep.session} is not in the table`);
    if (rep.role !== 'secondary' || rep.iha.failingOver) return;
    if (!rep.iha.active) {
      // Never finished set-up: nothing to take over from.
      this.deleteSecondary(rep, 'failover before replication was active');
      assert(this.nsr.rep(rep.handle) === undefined, () => `failover: ${rep.session} is kept`);
      return;
    }
    // I-5: active goes off; PSRM's failover handler makes the socket the primary and
    // hands it back to IHA as a socket of this (now master) RE.
    rep.iha.active = false;
    rep.iha.failingOver = true;
    this.nsr.syncChange(rep.session);
    checkRep(rep);
    this.ctx.trace(K.iha.failover, { session: rep.session, handle: rep.handle });
    this.ctx.send(
      this.nsr.ids.psrm,
      { type: 'psrm.failover', handle: rep.handle },
      this.nsr.costs.psrmNs,
    );
  }

  /** Old master, sync switchover: drain, then hand every socket over. */
  private becomeBackup(): void {
    this.ctx.trace(K.iha.becomeBackup, { primaries: this.countRole('primary') });
    for (const c of this.candidates.values()) c.app.detach();
    this.clearCandidates();
    if (!this.nsr.kkcm.ready) {
      this.dropAllPrimaries('switchover without replication');
      assert(this.countRole('primary') === 0, 'becomeBackup: a primary is left');
      return;
    }
    this.drainCheck(this.ctx.now + DRAIN_MAX_NS);
  }

  private drainCheck(deadlineNs: number): void {
    const busy = [...this.nsr.reps.values()].filter(
      (r) => r.role === 'primary' && r.iha.active && undrained(r),
    );
    if (busy.length > 0 && this.ctx.now < deadlineNs && this.nsr.kkcm.ready) {
      this.ctx.startTimer(DRAIN_POLL_NS, { type: 'iha.drain-check', deadlineNs });
      return;
    }
    this.ctx.trace(K.iha.drained, { undrained: busy.map(drainState) });
    for (const rep of [...this.nsr.reps.values()]) {
      if (rep.role !== 'primary') continue;
      if (rep.iha.active) this.send({ t: 'iha.failover', handle: rep.peerHandle });
      this.forgetPrimary(rep);
    }
    // Every primary was handed over or given up: this RE keeps no primary as backup.
    assert(this.countRole('primary') === 0, 'drainCheck: a primary is left after the hand-over');
    assert(this.handovers.size === 0, 'drainCheck: a per-socket hand-over is left');
    this.send({ t: 'iha.failover', handle: 0 });
    // The new master closes the channels once it has everything (K-7: SWITCHOVER on both).
    this.ctx.send(this.nsr.ids.kkcm, { type: 'kkcm.expect-switchover' });
  }

  // ---- per-socket sync failover (F-2) ----------------------------------------------

  /** The application holding this session's primary asked for its failover. */
  private socketFailover(session: string): void {
    const rep = this.nsr.bySession.get(session);
    const why =
      rep === undefined
        ? 'not replicated'
        : rep.role !== 'primary'
          ? 'not the primary'
          : !rep.iha.active
            ? 'replication not active yet'
            : this.handovers.has(rep.handle)
              ? 'already failing over'
              : !this.nsr.kkcm.ready
                ? 'no channel to the other RE'
                : undefined;
    const app = rep?.app;
    if (rep === undefined || why !== undefined || app === undefined) {
      // The application carries on with its socket here.
      this.ctx.trace(K.iha.socketFailoverRefused, { session, reason: why ?? 'no application' });
      return;
    }
    // The refusals above leave an active primary with a channel, not yet handed over.
    assert(
      rep.role === 'primary' && rep.iha.active && !this.handovers.has(rep.handle),
      () => `socketFailover: ${session} is not an active primary`,
    );
    this.ctx.trace(K.iha.socketFailover, { session, handle: rep.handle, peer: rep.peerHandle });
    this.handovers.set(rep.handle, { conn: rep.conn, app });
    this.removeCandidate(session);
    // The application stops here: what it wrote is all SDRL must replicate (S-1).
    app.detach();
    // Steer first: once the socket is let go here, nothing of its flow may come here.
    if (!this.nsr.is('iha-socket-failover-no-steer')) this.steer(rep.conn, 1 - this.nsr.reIndex);
    this.drainSocket(rep.handle, this.ctx.now + DRAIN_MAX_NS);
  }

  private steer(conn: TcpConnection, re: number): void {
    assert(re === 0 || re === 1, () => `steer: no RE ${re}`);
    this.ctx.send(this.nsr.ids.pfe, {
      type: 'pfe.flow',
      faddr: conn.faddr,
      fport: conn.fport,
      lport: conn.lport,
      re,
    });
  }

  private drainSocket(handle: number, deadlineNs: number): void {
    const rep = this.nsr.rep(handle);
    if (rep === undefined || rep.role !== 'primary' || !this.handovers.has(handle)) return; // handed over or abandoned meanwhile
    const busy = undrained(rep);
    if (busy && this.ctx.now < deadlineNs) {
      this.ctx.startTimer(DRAIN_POLL_NS, { type: 'iha.drain-socket', handle, deadlineNs });
      return;
    }
    this.ctx.trace(K.iha.drained, { undrained: busy ? [drainState(rep)] : [] });
    // A message that cannot be sent posts an error: replication is torn down and the
    // hand-over abandoned (abandonHandover), so the socket stays here.
    if (!this.send({ t: 'iha.failover', handle: rep.peerHandle }, rep)) return;
    this.forgetPrimary(rep);
    assert(!this.handovers.has(handle), () => `drainSocket: ${rep.session} is still handed over`);
    this.nsr.kernel.dropApp(rep);
  }

  /**
   * Replication of a socket being handed over was torn down before the hand-over: the
   * failover cannot happen. The flow comes back here and the application resumes on
   * its socket, which carries on unreplicated (and is replicated again later, F-4).
   */
  private abandonHandover(rep: Rep): void {
    const h = this.handovers.get(rep.handle);
    if (h === undefined) return;
    // The hand-over was recorded from this socket (socketFailover).
    assert(h.conn === rep.conn, () => `abandonHandover: ${rep.session} changed sockets`);
    this.handovers.delete(rep.handle);
    this.ctx.trace(K.iha.socketFailoverAbandoned, { session: rep.session, handle: rep.handle });
    this.steer(rep.conn, this.nsr.reIndex);
    this.addCandidate(rep.session, h);
    h.app.attach(rep.conn);
  }

  private dropAllPrimaries(reason: string): void {
    for (const rep of [...this.nsr.reps.values()])
      if (rep.role === 'primary') this.forgetPrimary(rep, reason);
    assert(this.handovers.size === 0, 'dropAllPrimaries: a hand-over is left');
  }

  /** The old primary socket is abandoned silently: the new master owns the session now. */
  private forgetPrimary(rep: Rep, reason = 'handed over'): void {
    assert(rep.role === 'primary', () => `forgetPrimary: ${rep.session} is a ${rep.role}`);
    assert(!rep.iha.failingOver, () => `forgetPrimary: ${rep.session} is failing over`);
    this.ctx.trace(K.iha.forgetPrimary, { session: rep.session, handle: rep.handle, reason });
    this.handovers.delete(rep.handle);
    prlRelease(this.nsr, this.ctx, rep, 'drop');
    removeHooks(rep);
    this.nsr.dropRep(rep);
    assert(this.nsr.rep(rep.handle) === undefined, () => `forgetPrimary: ${rep.session} is kept`);
    rep.conn.outputFilter = () => false;
    rep.conn.abort();
  }

  private countRole(role: 'primary' | 'secondary'): number {
    let n = 0;
    for (const r of this.nsr.reps.values()) if (r.role === role) n++;
    return n;
  }

  // ---- messages from the other IHA -------------------------------------------------

  protected onMessage(msg: NsrMessage): void {
    switch (msg.t) {
      case 'iha.mirror':
        this.onMirror(msg);
        return;
      case 'iha.ready':
        this.onReady(msg);
        return;
      case 'iha.start': {
        const rep = this.nsr.rep(msg.handle);
        this.ctx.trace(K.iha.started, { handle: msg.handle, known: rep !== undefined });
        return;
      }
      case 'iha.error': {
        const rep = this.nsr.rep(msg.handle);
        if (rep !== undefined)
          this.error(rep.handle, `peer reported ${msg.reason}`, this.nsr.opts.nackError, false);
        return;
      }
      case 'iha.failover':
        this.onSyncFailover(msg.handle);
        return;
      default:
        this.ctx.trace(K.iha.unexpected, { t: msg.t });
    }
  }

  private onSyncFailover(handle: number): void {
    if (handle === 0) {
      // The old master handed everything over: what is left never became active.
      this.failoverAll();
      this.ctx.send(this.nsr.ids.kkcm, { type: 'kkcm.switchover' });
      return;
    }
    const rep = this.nsr.rep(handle);
    if (rep !== undefined) this.failover(rep);
  }

  protected onMalformed(handle: number | undefined, error: string): void {
    this.ctx.trace(K.iha.malformed, { handle: handle ?? -1, error });
    const rep = handle === undefined ? undefined : this.nsr.rep(handle);
    if (rep !== undefined) {
      this.error(rep.handle, `malformed IHA message: ${error}`, 'push', true);
    } else if (handle !== undefined) {
      // A mirror we cannot read (e.g. a version we do not speak): refuse it, so the
      // primary's RE gives the set-up up at once instead of waiting for its timeout.
      this.send({ t: 'iha.ready', handle, secondary: 0, reason: 'failed' });
    }
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The first index of the ascending `xs` whose value is >= `x` (xs.length if none). */
function lowerBound(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((xs[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
