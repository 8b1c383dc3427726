// One host's MSDP (an external peer, or one RE of the router): the speaker of
// model/app/msdp/speaker.ts, its TCP connections (RFC 3618 §11, SPEC D-1: port 639, the
// higher address listens, the lower connects, ConnectRetry 30 s) and one EngineSocket per
// peer. On the router, the master RE's host is active and asks NSR to replicate each
// socket it brings up (unless MSDP NSR is disabled, D-7); the backup RE's host snoops the
// secondary sockets (S-3, D-3) and, at a failover, takes over in the engine contract's
// order: every socket's snoop bytes drained, then each engine's takeover(), then the
// speaker becomes the master's (its own timers; seed 003 §2.3).
import type { Rng } from '../../../sim/index.ts';
import type { Ipv4 } from '../../net/segment.ts';
import type { TcpConnection, TcpStack } from '../../tcp/tcp.ts';
import { MSDP_PORT, type MsdpConfig } from '../msdp/defs.ts';
import { MsdpSpeaker } from '../msdp/speaker.ts';
import { K } from '../../vocab.ts';
import { LayerHost } from './host.ts';
import { EngineSocket, type LayerEnv, type ProtoTimerTarget, type SyncBoard } from './socket.ts';

/** Local ports of active opens (LayerHost.openConnection). */
const CONNECT_PORT_BASE = 40000;
const CONNECT_PORTS = 20000;
const BAD_KEEPALIVE = Uint8Array.of(4, 0, 5, 0, 0);

export interface MsdpHostEnv extends LayerEnv {
  stack(): TcpStack;
  /** Session id of the peer at `addr` (names the NSR socket, e.g. "r2/0"). */
  sessionOf(addr: Ipv4): string;
  /** The router's master: ask NSR to replicate this socket (I-3); absent elsewhere. */
  replicate?(sock: EngineSocket, conn: TcpConnection): void;
  /** A new connection from a peer that already has a live session supersedes it. */
  readonly supersede: boolean;
}

export class MsdpHost extends LayerHost implements ProtoTimerTarget {
  readonly speaker: MsdpSpeaker;
  /** One socket per peer address (the current connection). */
  readonly sockets = new Map<Ipv4, EngineSocket>();
  private listening = false;
  private started = false;

  constructor(
    readonly cfg: MsdpConfig,
    private readonly env: MsdpHostEnv,
    private readonly rng: Rng,
    private readonly board: SyncBoard | undefined,
  ) {
    super(env, 'msdp');
    this.speaker = new MsdpSpeaker(cfg, {
      now: () => env.now(),
      startTimer: (tag, d) => env.startProtoTimer(this, tag, d),
      cancelTimer: (h) => env.cancelProtoTimer(h),
      trace: (k, f) => env.trace(k, f),
      rng,
      connect: (peer) => this.connect(peer),
    });
  }

  /** Master: peerings come up (listen and connect); backup: waits for replicated sockets. */
  start(role: 'master' | 'backup'): void {
    this.started = true;
    if (role === 'master') this.listen();
    this.speaker.start(role);
  }

  onTimer(tag: string): void {
    this.speaker.onTimer(tag);
  }

  /**
   * SPEC D-8 scenario: at `atNs` write a KeepAlive whose length field says 5 (RFC 3618
   * §12.3 fixes it at 3) on every session, past the engine: the other end's format error.
   */
  injectBadTlvAt(atNs: number): void {
    const target: ProtoTimerTarget = {
      onTimer: () => {
        for (const s of this.sockets.values()) {
          this.env.trace(K.layer.inject, { session: s.id, what: 'keepalive-length-5' });
          s.injectRaw(BAD_KEEPALIVE);
        }
      },
    };
    this.env.startProtoTimer(target, 'bad-tlv', Math.max(0, atNs - this.env.now()));
  }

  /** The backup: a secondary socket became active; its engine snoops from the sync point. */
  snoop(
    peer: Ipv4,
    conn: TcpConnection,
    inBase: number,
    outBase: number,
    out: () => Uint8Array[],
  ): EngineSocket {
    this.dropSocket(peer, 'replaced');
    return this.startSnoop(this.newSocket(peer), conn, inBase, outBase, out);
  }

  protected currentSockets(): Iterable<EngineSocket> {
    return this.sockets.values();
  }

  protected sessionCount(): number {
    return this.sockets.size;
  }

  protected isMaster(): boolean {
    return this.speaker.role === 'master';
  }

  protected becomeMaster(): void {
    this.listen();
    this.speaker.becomeMaster();
  }

  /** A socket went away under NSR (secondary deleted, handed over): its session ends here. */
  dropSocket(peer: Ipv4, reason: string): void {
    const s = this.sockets.get(peer);
    if (s === undefined) return;
    this.sockets.delete(peer);
    const eng = s.engine;
    const live = s.conn !== undefined;
    s.detach();
    if (live) eng?.onClosed(reason);
  }

  /** As dropSocket, only if `sock` is still the peer's current socket here. */
  dropIf(sock: EngineSocket, reason: string): void {
    for (const [peer, s] of this.sockets) if (s === sock) return this.dropSocket(peer, reason);
    sock.detach();
  }

  /** Host stops being MSDP master here (switchover to backup, deconfiguration). */
  shutdown(abortConns: boolean): void {
    this.speaker.shutdown();
    for (const s of this.sockets.values()) {
      const conn = s.conn;
      s.detach();
      if (abortConns) conn?.abort();
    }
    this.sockets.clear();
    this.abortPending();
    if (this.listening) this.env.stack().unlisten(MSDP_PORT);
    this.listening = false;
  }

  private listen(): void {
    if (this.listening || !this.started) return;
    this.env.stack().listen(MSDP_PORT, (conn) => this.accepted(conn));
    this.listening = true;
  }

  /** SpeakerIo.connect: RFC 3618 §11 active open; a new call abandons a pending one. */
  private connect(peer: Ipv4): void {
    const ports = { base: CONNECT_PORT_BASE, count: CONNECT_PORTS };
    this.openConnection(this.env.stack(), peer, MSDP_PORT, ports, (conn) =>
      this.established(peer, conn),
    );
  }

  private accepted(conn: TcpConnection): void {
    const peer = conn.faddr;
    const known = this.cfg.peers.includes(peer);
    const cur = this.sockets.get(peer);
    const live = cur?.conn !== undefined && cur.engine !== undefined;
    if (!known || (live && !this.env.supersede)) {
      conn.abort();
      return;
    }
    if (live) this.dropSocket(peer, 'superseded');
    if (conn.t_state === 'ESTABLISHED') this.established(peer, conn);
    else conn.onEstablished = () => this.established(peer, conn);
  }

  private established(peer: Ipv4, conn: TcpConnection): void {
    const cur = this.sockets.get(peer);
    if (cur?.conn !== undefined) {
      // Both opens met (or a stale attempt completed): one connection per peer (D-1).
      conn.abort();
      return;
    }
    const sock = this.newSocket(peer);
    sock.attach(conn);
    this.env.replicate?.(sock, conn);
  }

  private newSocket(peer: Ipv4): EngineSocket {
    const sock = new EngineSocket(this.env.sessionOf(peer), this.env, this.rng, this.board);
    sock.engine = this.speaker.attach(peer, sock.io);
    this.sockets.set(peer, sock);
    return sock;
  }
}
