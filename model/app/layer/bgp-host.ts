// One host's BGP (an external peer, or one RE of the router; issue 15, SPEC B-1…B-3): one
// BgpSpeaker per peering (model/app/bgp/speaker.ts: the speaker is per peering and outlives
// its TCP connections: graceful-restart state, ConnectRetry), and an EngineSocket per
// connection binding it to the socket the way MSDP's host does (msdp-host.ts). The peers
// are passive and listen on port 179; the router's speakers connect (RFC 4271 §8.2.1.4).
//
// On the router the master RE's host is active and asks NSR to replicate each socket it
// brings up (I-3); the backup RE's host runs each speaker in snoop mode on the secondary
// sockets (S-3, B-3) and, at a failover, takes over in the engine contract's order: every
// socket's snoop bytes drained, then each engine's takeover(). Speakers left without a
// replicated socket when their RE becomes master (no NSR: designs `gr` and `none`) take
// over with no connection and open a new session: the restarting speaker of RFC 4724 §4.1.
import type { Rng } from '../../../sim/index.ts';
import type { Ipv4 } from '../../net/segment.ts';
import type { TcpConnection, TcpStack } from '../../tcp/tcp.ts';
import { BGP_PORT } from '../bgp/defs.ts';
import type { BgpConfig } from '../bgp/config.ts';
import type { ProtocolIo } from '../bgp/io.ts';
import type { Malform } from '../bgp/malform.ts';
import { syncAtStart, type BgpSync } from '../bgp/snoop.ts';
import { BgpSpeaker } from '../bgp/speaker.ts';
import type { ProtocolEngine, SyncPoint } from '../msdp/io.ts';
import { K } from '../../vocab.ts';
import { LayerHost } from './host.ts';
import { EngineSocket, type LayerEnv, type ProtoTimerTarget, type SyncBoard } from './socket.ts';

const CONNECT_PORTS = 2000;

export interface BgpHostEnv extends LayerEnv {
  stack(): TcpStack;
  /** Session id of the peer at `addr` (names the NSR socket, e.g. "pa/0"). */
  sessionOf(addr: Ipv4): string;
  /** The router's master: ask NSR to replicate this socket (I-3); absent elsewhere. */
  replicate?(sock: EngineSocket, conn: TcpConnection): void;
  /** First local port of active opens (distinct per RE incarnation: no 4-tuple twins). */
  readonly portBase: number;
  /**
   * Listen on port 179 (the external peers). The router's speakers only connect: its port
   * 179 is the stream application's (model/config.ts ROUTER_PORT), shared in one run.
   */
  readonly listens: boolean;
  /** Mutant bgp-snoop-misses-peer: the snooper never reads what the peer sent. */
  readonly snoopMissesPeer?: boolean;
}

/** One peering: its speaker (per peering) and the socket of its current connection. */
export class BgpPeering implements ProtoTimerTarget {
  readonly speaker: BgpSpeaker;
  sock: EngineSocket | undefined;
  readonly io: ProtocolIo;

  constructor(
    readonly peer: Ipv4,
    cfg: BgpConfig,
    host: BgpHost,
    private readonly env: BgpHostEnv,
    rng: Rng,
  ) {
    this.io = {
      now: () => env.now(),
      write: (b) => this.sock?.io.write(b) ?? 0,
      startTimer: (tag, d) => env.startProtoTimer(this, tag, d),
      cancelTimer: (h) => env.cancelProtoTimer(h),
      trace: (k, f) => env.trace(k, f),
      rng,
      connect: () => host.connect(this),
      close: () => {
        const s = this.sock;
        this.sock = undefined;
        s?.io.close('bgp-close');
      },
    };
    this.speaker = new BgpSpeaker(cfg, this.io);
  }

  onTimer(tag: string): void {
    this.speaker.onTimer(tag);
  }

  /** The engine an EngineSocket drives for this connection (the layer's contract). */
  engineFor(sock: EngineSocket): ProtocolEngine {
    const sp = this.speaker;
    return {
      start: () => sp.onConnected(),
      input: (b) => sp.input(b),
      snoopIn: (b) => (this.env.snoopMissesPeer === true ? undefined : sp.snoopIn(b)),
      snoopOut: (b) => sp.snoopOut(b),
      takeover: () => sp.takeover(),
      // The speaker's timers are the peering's (they outlive connections), not the socket's.
      onTimer: () => undefined,
      onWritable: () => sp.onWritable(),
      onClosed: (reason) => {
        if (this.sock === sock) this.sock = undefined;
        sp.onClosed(reason);
      },
      syncPoint: () => sp.syncPoint(),
      resume: (s) => sp.resume(asBgpSync(s, sp)),
    };
  }
}

/** The master's posted sync point, or the start of a socket replicated from offset 0. */
function asBgpSync(s: SyncPoint, sp: BgpSpeaker): BgpSync {
  if ('routes' in s) return s as BgpSync;
  return { ...syncAtStart(sp.routes.snapshot()), ...s };
}

export class BgpHost extends LayerHost {
  /** One peering per peer address. */
  readonly peerings = new Map<Ipv4, BgpPeering>();
  private listening = false;
  role: 'master' | 'backup' | undefined;

  constructor(
    cfgs: ReadonlyMap<Ipv4, BgpConfig>,
    private readonly env: BgpHostEnv,
    private readonly rng: Rng,
    private readonly board: SyncBoard | undefined,
  ) {
    super(env, 'bgp');
    for (const [peer, cfg] of cfgs)
      this.peerings.set(peer, new BgpPeering(peer, cfg, this, env, rng));
  }

  /** Master: speakers start (listen, connect); backup: they snoop replicated sockets. */
  start(role: 'master' | 'backup'): void {
    this.role = role;
    if (role === 'master') this.listen();
    for (const p of this.peerings.values()) p.speaker.start(role === 'master' ? 'active' : 'snoop');
  }

  owns(sock: EngineSocket): boolean {
    for (const p of this.peerings.values()) if (p.sock === sock) return true;
    return false;
  }

  /** The backup: a secondary socket became active; its speaker snoops from the sync point. */
  snoop(
    peer: Ipv4,
    conn: TcpConnection,
    inBase: number,
    outBase: number,
    out: () => Uint8Array[],
  ): EngineSocket | undefined {
    const p = this.peerings.get(peer);
    if (p === undefined || p.speaker.mode !== 'snoop') return undefined;
    this.dropSocket(p, 'replaced');
    return this.startSnoop(this.newSocket(p), conn, inBase, outBase, out);
  }

  protected currentSockets(): Iterable<EngineSocket | undefined> {
    return [...this.peerings.values()].map((p) => p.sock);
  }

  protected sessionCount(): number {
    return this.peerings.size;
  }

  protected isMaster(): boolean {
    return this.role === 'master';
  }

  /** Every speaker is active; one with no replicated session restarts (RFC 4724 §4.1). */
  protected becomeMaster(): void {
    this.role = 'master';
    this.listen();
    for (const p of this.peerings.values()) if (p.speaker.mode === 'snoop') p.speaker.takeover();
  }

  /** A socket went away under NSR (secondary deleted, handed over). */
  dropIf(sock: EngineSocket, reason: string): void {
    for (const p of this.peerings.values()) if (p.sock === sock) return this.dropSocket(p, reason);
    sock.detach();
  }

  /** The host stops being master here (switchover to backup): sockets let go (or reset). */
  shutdown(abortConns: boolean): void {
    for (const p of this.peerings.values()) {
      const s = p.sock;
      p.sock = undefined;
      const conn = s?.conn;
      s?.detach();
      if (abortConns) conn?.abort();
    }
    this.abortPending();
    if (this.listening) this.env.stack().unlisten(BGP_PORT);
    this.listening = false;
  }

  /** Test hook (bgp-malformed): at `atNs` every established session gets malformation `m`. */
  injectMalformedAt(atNs: number, m: Malform): void {
    const target: ProtoTimerTarget = {
      onTimer: () => {
        for (const p of this.peerings.values()) {
          const mc = p.speaker.sendMalformed(m);
          if (mc !== undefined)
            this.env.trace(K.layer.inject, { session: p.sock?.id ?? '?', what: `bgp-${m}` });
        }
      },
    };
    this.env.startProtoTimer(target, 'bgp-malformed', Math.max(0, atNs - this.env.now()));
  }

  /** ProtocolIo.connect (RFC 4271 §8.2.1.4 active open); a new call abandons a pending one. */
  connect(p: BgpPeering): void {
    const ports = { base: this.env.portBase, count: CONNECT_PORTS };
    this.openConnection(
      this.env.stack(),
      p.peer,
      BGP_PORT,
      ports,
      (conn, current) => {
        if (current) this.established(p, conn);
      },
      (reason, current) => {
        if (current) p.speaker.onClosed(`connect failed: ${reason}`);
      },
    );
  }

  private listen(): void {
    if (this.listening || !this.env.listens) return;
    this.env.stack().listen(BGP_PORT, (conn) => this.accepted(conn));
    this.listening = true;
  }

  private accepted(conn: TcpConnection): void {
    const p = this.peerings.get(conn.faddr);
    if (p === undefined) {
      conn.abort();
      return;
    }
    if (conn.t_state === 'ESTABLISHED') this.established(p, conn);
    else conn.onEstablished = () => this.established(p, conn);
  }

  private established(p: BgpPeering, conn: TcpConnection): void {
    if (!p.speaker.acceptsConnection()) {
      conn.abort();
      return;
    }
    // A connection superseding a live one (RFC 4724 §4.2): the old socket goes.
    const old = p.sock;
    p.sock = undefined;
    if (old !== undefined) {
      const oc = old.conn;
      old.detach();
      oc?.abort();
    }
    const sock = this.newSocket(p);
    sock.attach(conn);
    if (p.sock === sock) this.env.replicate?.(sock, conn);
  }

  private dropSocket(p: BgpPeering, reason: string): void {
    const s = p.sock;
    if (s === undefined) return;
    p.sock = undefined;
    const live = s.conn !== undefined;
    s.detach();
    if (live) p.speaker.onClosed(reason);
  }

  private newSocket(p: BgpPeering): EngineSocket {
    const sock = new EngineSocket(this.env.sessionOf(p.peer), this.env, this.rng, this.board);
    sock.engine = p.engineFor(sock);
    p.sock = sock;
    return sock;
  }
}
