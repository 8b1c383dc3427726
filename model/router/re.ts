// A routing engine (RE): a kernel (ip_input demultiplexing by incoming interface and
// 5-tuple, TCP for the router's address and for the internal inter-RE address,
// sockets), the routing application's sessions, a mastership role, and, with NSR on,
// the replication state its NSR subsystem actors share (model/nsr/state.ts).
//
// Crash loses all state and sends nothing more (the simulator stops the actor and its
// NSR actors); restart comes back empty, as a backup. Without NSR, an RE that becomes
// master starts its sessions from scratch, which is what a peer sees as a reset (the
// baseline). With NSR, the master's application marks every session socket for
// replication (IHA); packets for a replicated socket go through PRL before L4 (P-1);
// the backup runs the application in snooping mode on the secondary sockets, and a
// failover makes those sockets primary and the backup application the master's.
import { assert, type ActorId, type Message } from '../../sim/index.ts';
import { StreamSession } from '../app/session.ts';
import { addrText, isMsdpPeer } from '../app/layer/config.ts';
import { MsdpHost } from '../app/layer/msdp-host.ts';
import { BgpHost } from '../app/layer/bgp-host.ts';
import { isBgpPeer, isLayerPeer } from '../app/layer/bgp-config.ts';
import type { BgpConfig } from '../app/bgp/config.ts';
import { EngineSocket, type ProtoTimerTarget, type SyncBoard } from '../app/layer/socket.ts';
import type { MsdpConfig } from '../app/msdp/defs.ts';
import { Rng } from '../../sim/index.ts';
import { ROUTER_PORT, SESSION_PORT_BASE, type PeerConfig } from '../config.ts';
import { NetHost, type Interface } from '../net/host.ts';
import { sdrlTakeSnoop } from '../nsr/sdrl-state.ts';
import { NsrState, type ReKernel, type NsrIds, type Rep } from '../nsr/state.ts';
import type { MutantName, NsrBounds, NsrCosts, NsrOptions, NsrTimers } from '../nsr/options.ts';
import type { Ipv4, Segment } from '../net/segment.ts';
import type { TcpConnection, TcpOptionsConfig, TcpStack } from '../tcp/tcp.ts';
import { ACTOR, K } from '../vocab.ts';

export type Role = 'master' | 'backup';

/** Handle space of one RE incarnation (handles are u32 on the wire). */
const HANDLES_PER_BOOT = 1 << 20;

export interface RoleChange extends Message {
  readonly type: 're.role';
  readonly role: Role;
  /** A manual switchover (sync, F-2) rather than a takeover after a crash (async, F-1). */
  readonly sync: boolean;
}

/** The chassis tells the RE whether the other RE is online (GRES, K-7 triggers). */
export interface OtherReState extends Message {
  readonly type: 're.ore';
  readonly up: boolean;
}

export interface RouterAppStall extends Message {
  readonly type: 'app.stall';
  readonly durationNs: number;
}

/** F-2: the application asks the kernel to fail one session's socket over to the other RE. */
export interface SocketFailoverRequest extends Message {
  readonly type: 're.socket-failover';
  /** Every peer / every session of the peer when left out. */
  readonly peer: string | undefined;
  readonly session: number | undefined;
}

/** Packets held for a secondary socket whose failover did not come in time are dropped. */
interface HeldExpire extends Message {
  readonly type: 're.held-expire';
  readonly conn: TcpConnection;
}

/** A timer of the application-protocol layer (an engine's or a speaker's). */
export interface ProtoTimer extends Message {
  readonly type: 'proto.timer';
  readonly target: ProtoTimerTarget;
  readonly tag: string;
}

export type ReMessage =
  RoleChange | RouterAppStall | OtherReState | SocketFailoverRequest | HeldExpire | ProtoTimer;

/** The router's MSDP (issue 14): the same speaker configuration on both REs. */
export interface ReMsdpSetup {
  cfg: MsdpConfig;
  /** Root seed of the speakers' Rng streams: separate instances, identically seeded. */
  seed: number;
  /** The master's engines' sync points at PSRM's snapshot (model/app/layer/socket.ts). */
  board: SyncBoard;
  /** SPEC D-7: false = MSDP NSR disabled, its sockets are not replicated. */
  replicate: boolean;
  /** Peer name by address. */
  names: ReadonlyMap<Ipv4, string>;
}

/** The router's BGP (issue 15): the speakers' configurations, the same on both REs. */
export interface ReBgpSetup {
  /** Per peer address; `restarting`: this RE's speakers start after a restart (RFC 4724 §4.1). */
  cfgs(restarting: boolean): ReadonlyMap<Ipv4, BgpConfig>;
  seed: number;
  board: SyncBoard;
  /** Socket replication (design jsr). */
  replicate: boolean;
  /** Mutant bgp-snoop-misses-peer (model/nsr/options.ts). */
  snoopMissesPeer: boolean;
  names: ReadonlyMap<Ipv4, string>;
}

/**
 * Packets for a secondary socket the PFE already hands this RE (a planned switchover or a
 * per-socket failover, F-2) wait here for the socket's failover, which follows the
 * old primary's drain (G-3: a sync failover loses no packet). Bounded in count and time.
 */
const HELD_PER_SOCKET_MAX = 1024;
const HELD_MAX_NS = 1_000_000_000;

export interface RePeerInfo {
  cfg: PeerConfig;
  addr: Ipv4;
}

export interface ReNsrConfig {
  ids: NsrIds;
  opts: NsrOptions;
  costs: NsrCosts;
  timers: NsrTimers;
  bounds: NsrBounds;
  mutant: MutantName | undefined;
  /** Set on every NsrState this RE builds (checker taps). */
  onState?: (nsr: NsrState) => void;
}

export class RoutingEngine extends NetHost<ReMessage> implements ReKernel {
  role: Role;
  private boots = 0;
  /** Sessions by peer name, one list per peer, index = session number. */
  sessions = new Map<string, StreamSession[]>();
  /** This incarnation's replication state (undefined without NSR). */
  nsr: NsrState | undefined;
  /** Packets waiting for their secondary socket's failover, by socket (G-3). */
  private held = new Map<TcpConnection, { iface: Interface; segs: Segment[]; timer: number }>();
  private listening = false;
  /** This incarnation's MSDP speaker host (undefined when no peer runs MSDP). */
  msdp: MsdpHost | undefined;
  /** This incarnation's BGP host (undefined when no peer runs BGP). */
  bgp: BgpHost | undefined;

  constructor(
    readonly index: 0 | 1,
    readonly routerAddr: Ipv4,
    readonly internalAddr: Ipv4,
    pfe: Interface,
    interRe: Interface,
    private readonly initialRole: Role,
    private readonly peers: readonly RePeerInfo[],
    tcp: Partial<TcpOptionsConfig>,
    private readonly nsrCfg: ReNsrConfig | undefined,
    private readonly msdpSetup: ReMsdpSetup | undefined = undefined,
    private readonly bgpSetup: ReBgpSetup | undefined = undefined,
  ) {
    super(ACTOR.re(index), [pfe, interRe], tcp);
    this.role = initialRole;
  }

  protected boot(): void {
    // A restarted RE comes back empty and as a backup (SPEC F-4).
    this.role = this.boots++ === 0 ? this.initialRole : 'backup';
    this.sessions = new Map();
    this.listening = false;
    this.held = new Map();
    const n = this.nsrCfg;
    this.nsr =
      n === undefined
        ? undefined
        : new NsrState(
            this.index,
            n.ids,
            n.opts,
            n.costs,
            n.timers,
            n.bounds,
            n.mutant,
            (this.boots - 1) * HANDLES_PER_BOOT,
          );
    if (this.nsr !== undefined) {
      this.nsr.kernel = this;
      n?.onState?.(this.nsr);
    }
    this.ctx.trace(K.re.boot, { role: this.role, boots: this.boots, nsr: this.nsr !== undefined });
    if (this.role === 'master') this.openSessions();
    this.bootMsdp();
    this.bootBgp();
  }

  protected handle(msg: ReMessage): void {
    switch (msg.type) {
      case 're.role':
        this.setRole(msg.role, msg.sync);
        return;
      case 're.ore':
        if (this.nsr !== undefined)
          this.ctx.send(this.nsr.ids.kkcm, { type: 'kkcm.ore', up: msg.up });
        return;
      case 're.socket-failover':
        this.socketFailover(msg);
        return;
      case 're.held-expire':
        this.dropHeld(msg.conn, 'failover-timeout');
        return;
      case 'proto.timer':
        msg.target.onTimer(msg.tag);
        return;
      case 'app.stall':
        // On the master its application stalls; on the backup, the snooping one (S-4).
        for (const list of this.sessions.values()) for (const s of list) s?.stall(msg.durationNs);
        return;
      default: {
        const never: never = msg;
        throw new Error(`re: unknown message ${(never as Message).type}`);
      }
    }
  }

  /**
   * F-2, I-5: each matching session whose application here is the active one (it holds
   * the primary socket) asks IHA for a synchronous failover of its socket; the
   * application stops writing and reading here at once, so what it wrote is all that
   * SDRL has to replicate before the handover. The RE of a snooping (secondary) session
   * ignores the request: only the primary's application can make it.
   */
  private socketFailover(msg: SocketFailoverRequest): void {
    const nsr = this.nsr;
    if (nsr === undefined) return;
    for (const [peer, list] of this.sessions) {
      if (msg.peer !== undefined && peer !== msg.peer) continue;
      list.forEach((s, i) => {
        if (
          s === undefined ||
          s.mode !== 'active' ||
          (msg.session !== undefined && i !== msg.session)
        )
          return;
        this.ctx.trace(K.re.socketFailover, { session: s.cfg.id });
        this.ctx.send(
          nsr.ids.iha,
          { type: 'iha.socket-failover', session: s.cfg.id },
          nsr.costs.ihaNs,
        );
      });
    }
  }

  allSessions(): StreamSession[] {
    return [...this.sessions.values()].flat();
  }

  session(id: string): StreamSession | undefined {
    const [peer = '', idx = ''] = id.split('/');
    return this.sessions.get(peer)?.[Number(idx)];
  }

  private setRole(role: Role, sync: boolean): void {
    if (role === this.role) return;
    const from = this.role;
    this.role = role;
    this.ctx.trace(K.re.role, { from, to: role, sync });
    const nsr = this.nsr;
    if (role === 'master') {
      if (nsr !== undefined) {
        this.ctx.send(nsr.ids.iha, { type: 'iha.become-master', sync }, nsr.costs.ihaNs);
      }
      this.openSessions();
      this.msdp?.maybeBecomeMaster();
      this.bgp?.maybeBecomeMaster();
      return;
    }
    this.msdpToBackup();
    this.bgpToBackup();
    // master → backup (manual switchover): the application stops here; the new master's
    // takes over (with NSR) or starts over (without).
    this.stack(this.routerAddr).unlisten(ROUTER_PORT);
    this.listening = false;
    if (nsr !== undefined)
      this.ctx.send(nsr.ids.iha, { type: 'iha.become-backup' }, nsr.costs.ihaNs);
    else for (const s of this.allSessions()) s.conn?.abort();
    // The active applications stop; snooping ones (secondaries of sockets a per-socket
    // failover moved to the other RE) stay.
    for (const list of this.sessions.values()) {
      list.forEach((s, i) => {
        if (s === undefined || s.mode === 'snoop') return;
        s.detach();
        delete list[i];
      });
    }
  }

  /**
   * As master: every configured session that has no application session here (the
   * snooping ones taken over by NSR keep theirs) is opened afresh: the router listens
   * for the peer-initiated ones and connects the router-initiated ones.
   */
  private openSessions(): void {
    const stack = this.stack(this.routerAddr);
    for (const p of this.peers) {
      const list = this.sessions.get(p.cfg.name) ?? [];
      this.sessions.set(p.cfg.name, list);
      if (isLayerPeer(p.cfg.app)) continue;
      for (let i = 0; i < p.cfg.sessions; i++) {
        if (list[i] !== undefined) continue;
        const s = this.newSession(p.cfg, i);
        list[i] = s;
        if (p.cfg.initiator === 'router') {
          this.dropStaleReplica(SESSION_PORT_BASE + i, p.addr, ROUTER_PORT);
          const conn = stack.connect(SESSION_PORT_BASE + i, p.addr, ROUTER_PORT);
          conn.onEstablished = () => this.established(s, conn);
        }
      }
    }
    if (
      !this.listening &&
      this.peers.some((p) => p.cfg.initiator === 'peer' && !isLayerPeer(p.cfg.app))
    ) {
      stack.listen(ROUTER_PORT, (conn) => this.accepted(conn));
      this.listening = true;
    }
  }

  /**
   * A secondary socket whose replication never became active can still hold the
   * 4-tuple the new master wants to open afresh: it never carried the session, so it
   * goes, silently (a secondary never transmits).
   */
  private dropStaleReplica(lport: number, faddr: Ipv4, fport: number): void {
    const stale = this.stack(this.routerAddr).lookup(this.routerAddr, lport, faddr, fport);
    if (stale === undefined) return;
    const rep = this.nsr?.byConn.get(stale);
    if (rep !== undefined) this.nsr?.dropRep(rep);
    this.ctx.trace(K.re.dropStaleSocket, { lport, fport, state: stale.t_state });
    stale.outputFilter = () => false;
    stale.abort();
  }

  private newSession(cfg: PeerConfig, i: number): StreamSession {
    return new StreamSession(
      {
        id: `${cfg.name}/${i}`,
        side: 'router',
        send: cfg.fromRouter,
        expect: cfg.toRouter,
        read: cfg.routerRead,
      },
      this,
      this.ctx.rng,
    );
  }

  private accepted(conn: TcpConnection): void {
    const p = this.peers.find((x) => x.addr === conn.faddr);
    const s =
      p === undefined ? undefined : this.sessions.get(p.cfg.name)?.[conn.fport - SESSION_PORT_BASE];
    if (s === undefined || s.conn !== undefined || s.mode !== 'active') {
      conn.abort();
      return;
    }
    if (conn.t_state === 'ESTABLISHED') this.established(s, conn);
    else conn.onEstablished = () => this.established(s, conn);
  }

  /** The application has its socket; with NSR it asks IHA to replicate it (I-3). */
  private established(s: StreamSession, conn: TcpConnection): void {
    s.attach(conn);
    const nsr = this.nsr;
    if (nsr !== undefined)
      this.ctx.send(
        nsr.ids.iha,
        { type: 'iha.socket', session: s.cfg.id, conn, app: s },
        nsr.costs.ihaNs,
      );
  }

  // ---- ip_input with PRL (SPEC P-1) ---------------------------------------------------

  protected override tcpInput(iface: Interface, seg: Segment): void {
    const nsr = this.nsr;
    if (nsr === undefined || iface.addr !== this.routerAddr) {
      super.tcpInput(iface, seg);
      return;
    }
    const stack = this.stack(iface.addr);
    const conn = stack.lookup(seg.dst, seg.dport, seg.src, seg.sport);
    const rep = conn === undefined ? undefined : nsr.byConn.get(conn);
    if (
      rep === undefined ||
      (rep.role === 'primary' && !rep.iha.active && !rep.iha.setupInProgress)
    ) {
      stack.input(seg);
      return;
    }
    if (rep.role === 'secondary') {
      this.holdForFailover(rep, seg);
      return;
    }
    this.ctx.send(
      nsr.ids.prl,
      { type: 'prl.input', handle: rep.handle, seg },
      nsr.costs.prlPrimaryNs,
    );
  }

  /**
   * The PFE gave this RE a packet of a socket that is still secondary here: mastership or
   * the flow moved in a planned failover whose hand-over message is on its way (F-2).
   */
  private holdForFailover(rep: Rep, seg: Segment): void {
    let h = this.held.get(rep.conn);
    if (h === undefined) {
      const timer = this.ctx.startTimer(HELD_MAX_NS, {
        type: 're.held-expire',
        conn: rep.conn,
      } satisfies ReMessage);
      const iface = this.byAddr.get(this.routerAddr);
      assert(iface !== undefined, 'the RE has no interface for the router address');
      h = { iface, segs: [], timer };
      this.held.set(rep.conn, h);
    }
    if (h.segs.length >= HELD_PER_SOCKET_MAX) {
      this.ctx.trace(K.re.ipDrop, { reason: 'held-full', session: rep.session, seq: seg.seq });
      return;
    }
    h.segs.push(seg);
    this.ctx.trace(K.re.ipHold, { session: rep.session, seq: seg.seq, held: h.segs.length });
  }

  private dropHeld(conn: TcpConnection, reason: string): void {
    const h = this.held.get(conn);
    if (h === undefined) return;
    this.held.delete(conn);
    this.ctx.cancelTimer(h.timer);
    for (const seg of h.segs) this.ctx.trace(K.re.ipDrop, { reason, seq: seg.seq });
  }

  // ---- ReKernel ---------------------------------------------------------------------------

  routerStack(): TcpStack {
    return this.stack(this.routerAddr);
  }

  l4(seg: Segment): void {
    this.stack(this.routerAddr).input(seg);
  }

  attachBackupApp(rep: Rep): void {
    const [peerName = ''] = rep.session.split('/');
    const p = this.peers.find((x) => x.cfg.name === peerName);
    if (p === undefined) return;
    if (isMsdpPeer(p.cfg.app)) return this.snoopMsdp(rep, p.addr);
    if (isBgpPeer(p.cfg.app)) return this.snoopBgp(rep, p.addr);
    const i = Number(rep.session.split('/')[1]);
    const list = this.sessions.get(peerName) ?? [];
    this.sessions.set(peerName, list);
    list[i]?.detach();
    const s = this.newSession(p.cfg, i);
    list[i] = s;
    rep.app = s;
    s.attachSnoop(rep.conn, rep.psrm.appInBase, rep.sdrl.snoopOutBase, () => sdrlTakeSnoop(rep));
  }

  takeoverApp(rep: Rep): void {
    if (rep.app instanceof EngineSocket && this.bgp?.owns(rep.app) === true)
      this.bgp.takeover(rep.app, this.role === 'master');
    else if (rep.app instanceof EngineSocket && this.msdp !== undefined)
      this.msdp.takeover(rep.app, this.role === 'master');
    else rep.app?.takeover();
    // The socket is primary now: what waited for its failover goes up, in arrival order.
    const held = this.held.get(rep.conn);
    if (held === undefined) return;
    this.held.delete(rep.conn);
    this.ctx.cancelTimer(held.timer);
    this.ctx.trace(K.re.releaseHeld, { session: rep.session, packets: held.segs.length });
    for (const seg of held.segs) this.tcpInput(held.iface, seg);
  }

  dropApp(rep: Rep): void {
    this.dropHeld(rep.conn, 'secondary-deleted');
    const app = rep.app;
    if (app === undefined) return;
    if (app instanceof EngineSocket && this.bgp?.owns(app) === true) return this.dropBgpSocket(app);
    if (app instanceof EngineSocket) return this.dropMsdpSocket(app);
    app.detach();
    const [peerName = '', idx = ''] = rep.session.split('/');
    const list = this.sessions.get(peerName);
    if (list !== undefined && list[Number(idx)] === app) delete list[Number(idx)];
  }

  // ---- the application-protocol layer: MSDP (issue 14) ----------------------------------

  startProtoTimer(target: ProtoTimerTarget, tag: string, delayNs: number): number {
    return this.ctx.startTimer(delayNs, { type: 'proto.timer', target, tag } satisfies ProtoTimer);
  }

  cancelProtoTimer(handle: number): void {
    this.ctx.cancelTimer(handle);
  }

  /**
   * How a protocol host hands a new socket to IHA for replication (I-1), or undefined when
   * its sockets are not replicated (no NSR, or the protocol's D-7 knob off).
   */
  private replicateVia(
    wanted: boolean,
  ): ((sock: EngineSocket, conn: TcpConnection) => void) | undefined {
    const nsr = this.nsr;
    if (nsr === undefined || !wanted) return undefined;
    return (sock, conn) =>
      this.ctx.send(
        nsr.ids.iha,
        { type: 'iha.socket', session: sock.id, conn, app: sock },
        nsr.costs.ihaNs,
      );
  }

  /** Each incarnation builds its speaker afresh, from a fresh, identically seeded stream. */
  private newMsdpHost(): MsdpHost | undefined {
    const m = this.msdpSetup;
    if (m === undefined) return undefined;
    const replicate = this.replicateVia(m.replicate);
    return new MsdpHost(
      m.cfg,
      {
        now: () => this.now(),
        startProtoTimer: (t, tag, d) => this.startProtoTimer(t, tag, d),
        cancelProtoTimer: (h) => this.cancelProtoTimer(h),
        trace: (k, f) => this.ctx.trace(k, f),
        stack: () => this.stack(this.routerAddr),
        sessionOf: (a) => `${m.names.get(a) ?? '?'}/0`,
        closeSocket: (conn) => this.closeAppSocket(conn),
        supersede: true,
        ...(replicate === undefined ? {} : { replicate }),
      },
      new Rng(m.seed, 'msdp/router'),
      m.board,
    );
  }

  /**
   * The application closes a socket (an MSDP reset, D-8). A replicated one is first
   * unreplicated through IHA's error path (I-6: both sides drop the pair, queued packets
   * go up L4), then closed: a secondary never sees its primary leave ESTABLISHED alone.
   */
  private closeAppSocket(conn: TcpConnection): void {
    const nsr = this.nsr;
    const rep = nsr?.byConn.get(conn);
    if (nsr === undefined || rep === undefined || rep.role !== 'primary') {
      conn.closeSocket();
      return;
    }
    const reason = 'the application closed the socket';
    this.ctx.send(
      nsr.ids.iha,
      { type: 'iha.post-error', handle: rep.handle, reason, queued: 'push' },
      nsr.costs.ihaNs,
    );
    const target = { onTimer: () => conn.closeSocket() };
    this.startProtoTimer(target, 'close-after-unreplicate', nsr.costs.ihaNs + 1);
  }

  private bootMsdp(): void {
    this.msdp = this.newMsdpHost();
    const m = this.msdpSetup;
    if (this.msdp === undefined || m === undefined) return;
    if (this.nsr !== undefined && !m.replicate)
      this.ctx.trace(K.layer.notReplicated, {
        protocol: 'msdp',
        reason: 'nonstop-routing-disable',
      });
    this.msdp.start(this.role);
  }

  /**
   * Master -> backup (planned switchover): the speaker stops here. With its sockets
   * replicated, IHA hands them over (the engines stop writing now, S-1); otherwise (no
   * NSR, or D-7) they are reset. A fresh backup speaker snoops what is replicated next.
   */
  private msdpToBackup(): void {
    const old = this.msdp;
    if (old === undefined) return;
    old.shutdown(this.nsr === undefined || this.msdpSetup?.replicate !== true);
    this.msdp = this.newMsdpHost();
    this.msdp?.start('backup');
  }

  private snoopMsdp(rep: Rep, addr: Ipv4): void {
    const host = this.msdp;
    if (host === undefined) return;
    rep.app = host.snoop(addr, rep.conn, rep.psrm.appInBase, rep.sdrl.snoopOutBase, () =>
      sdrlTakeSnoop(rep),
    );
    // D-7 ("show msdp socket"): both REs' handles of the peer's socket, at set-up.
    this.ctx.trace(K.layer.socket, {
      session: rep.session,
      peer: addrText(addr),
      handle: rep.handle,
      peerHandle: rep.peerHandle,
    });
  }

  private dropMsdpSocket(sock: EngineSocket): void {
    const host = this.msdp;
    if (host === undefined) return sock.detach();
    host.dropIf(sock, 'secondary-deleted');
    if (this.role === 'master') host.maybeBecomeMaster();
  }

  // ---- the application-protocol layer: BGP (issue 15) -----------------------------------

  /** Each incarnation builds its speakers afresh, from a fresh, identically seeded stream. */
  private newBgpHost(): BgpHost | undefined {
    const b = this.bgpSetup;
    if (b === undefined) return undefined;
    const replicate = this.replicateVia(b.replicate);
    const restarting = this.role === 'backup' || this.boots > 1;
    return new BgpHost(
      b.cfgs(restarting),
      {
        now: () => this.now(),
        startProtoTimer: (t, tag, d) => this.startProtoTimer(t, tag, d),
        cancelProtoTimer: (h) => this.cancelProtoTimer(h),
        trace: (k, f) => this.ctx.trace(k, f),
        stack: () => this.stack(this.routerAddr),
        sessionOf: (a) => `${b.names.get(a) ?? '?'}/0`,
        closeSocket: (conn) => this.closeAppSocket(conn),
        // Distinct per RE and incarnation: a new master never reuses the old one's 4-tuple.
        portBase: 40000 + this.index * 10000 + ((this.boots - 1) % 4) * 2000,
        snoopMissesPeer: b.snoopMissesPeer,
        listens: false,
        ...(replicate === undefined ? {} : { replicate }),
      },
      new Rng(b.seed, 'bgp/router'),
      b.board,
    );
  }

  private bootBgp(): void {
    this.bgp = this.newBgpHost();
    this.bgp?.start(this.role);
  }

  /** Master -> backup (planned switchover): as msdpToBackup. */
  private bgpToBackup(): void {
    const old = this.bgp;
    if (old === undefined) return;
    old.shutdown(this.nsr === undefined || this.bgpSetup?.replicate !== true);
    this.bgp = this.newBgpHost();
    this.bgp?.start('backup');
  }

  private snoopBgp(rep: Rep, addr: Ipv4): void {
    const sock = this.bgp?.snoop(addr, rep.conn, rep.psrm.appInBase, rep.sdrl.snoopOutBase, () =>
      sdrlTakeSnoop(rep),
    );
    if (sock !== undefined) rep.app = sock;
  }

  private dropBgpSocket(sock: EngineSocket): void {
    const host = this.bgp;
    if (host === undefined) return sock.detach();
    host.dropIf(sock, 'secondary-deleted');
    if (this.role === 'master') host.maybeBecomeMaster();
  }

  isMaster(): boolean {
    return this.role === 'master';
  }

  post<T extends Message>(to: ActorId, msg: T, delayNs: number): void {
    this.ctx.send(to, msg, delayNs);
  }
}
