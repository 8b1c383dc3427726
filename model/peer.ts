// The external peer: a router with its own TCP stack and the stream application,
// reached over one wire link to our router's PFE. It opens sessions to the router's
// address (or answers the router's) and judges, through its verifier and its TCP, whether
// a failover on our side was visible (SPEC G-9).
import type { Message } from '../sim/index.ts';
import { Rng } from '../sim/index.ts';
import { StreamSession } from './app/session.ts';
import { isMsdpPeer, peerMsdpConfig } from './app/layer/config.ts';
import { MsdpHost } from './app/layer/msdp-host.ts';
import type { ProtoTimerTarget } from './app/layer/socket.ts';
import { BgpHost } from './app/layer/bgp-host.ts';
import { ROUTER_BGP_DEFAULT, isBgpPeer, peerBgpConfig } from './app/layer/bgp-config.ts';
import { ROUTER_PORT, SESSION_PORT_BASE, type PeerConfig } from './config.ts';
import { NetHost, type Interface } from './net/host.ts';
import { TH_ACK, seqGt, type Ipv4, type Segment } from './net/segment.ts';
import type { Interface as HostInterface } from './net/host.ts';
import type { TcpConnection, TcpOptionsConfig } from './tcp/tcp.ts';
import { K } from './vocab.ts';

export interface AppStall extends Message {
  readonly type: 'app.stall';
  readonly durationNs: number;
}

/** A timer of the application-protocol layer (model/app/layer/). */
export interface PeerProtoTimer extends Message {
  readonly type: 'proto.timer';
  readonly target: ProtoTimerTarget;
  readonly tag: string;
}

export class Peer extends NetHost<AppStall | PeerProtoTimer> {
  sessions: StreamSession[] = [];
  /** Sessions replaced by a reconnection, kept for statistics. */
  retired: StreamSession[] = [];
  /** The peer's MSDP speaker (app: msdp), an RFC 3618 router of its own. */
  msdp: MsdpHost | undefined;
  /** The peer's BGP speaker (app: bgp): a passive graceful-restart helper (issue 15). */
  bgp: BgpHost | undefined;

  constructor(
    readonly cfg: PeerConfig,
    readonly addr: Ipv4,
    private readonly routerAddr: Ipv4,
    iface: Interface,
    tcp: Partial<TcpOptionsConfig>,
    private readonly seed = 0,
    private readonly routerBgpAs = ROUTER_BGP_DEFAULT.as,
  ) {
    // SACK on by default, as FreeBSD's net.inet.tcp.sack.enable=1 (SPEC T-2, issue 17); it is
    // used only when the router offers it too (router.tcp.sack sets both ends).
    super(cfg.name, [iface], { sack: true, ...tcp });
  }

  protected boot(): void {
    this.sessions = [];
    this.retired = [];
    if (isMsdpPeer(this.cfg.app)) return this.bootMsdp();
    if (isBgpPeer(this.cfg.app)) return this.bootBgp();
    for (let i = 0; i < this.cfg.sessions; i++) this.sessions.push(this.newSession(i, 0));
    const stack = this.stack(this.addr);
    if (this.cfg.initiator === 'peer') {
      this.sessions.forEach((s, i) => {
        const conn = stack.connect(SESSION_PORT_BASE + i, this.routerAddr, ROUTER_PORT);
        conn.onEstablished = () => s.attach(conn);
      });
    } else {
      stack.listen(ROUTER_PORT, (conn) => this.accepted(conn));
    }
  }

  private accepted(conn: TcpConnection): void {
    const i = conn.fport - SESSION_PORT_BASE;
    let s = this.sessions[i];
    if (s === undefined || conn.faddr !== this.routerAddr) {
      conn.abort();
      return;
    }
    if (s.closed !== undefined || s.conn !== undefined) {
      // The router opened the session again (after a reset): a new application session,
      // its streams start over. The old one keeps its verdict.
      this.retired.push(s);
      s = this.newSession(i, s.generation + 1);
      this.sessions[i] = s;
    }
    if (conn.t_state === 'ESTABLISHED') s.attach(conn);
    else conn.onEstablished = () => s.attach(conn);
  }

  private newSession(i: number, generation: number): StreamSession {
    // The id names the record streams, so a reconnected session keeps it: both ends
    // start their streams over from record 0.
    const s = new StreamSession(
      {
        id: `${this.cfg.name}/${i}`,
        side: 'peer',
        send: this.cfg.toRouter,
        expect: this.cfg.fromRouter,
        read: this.cfg.peerRead,
      },
      this,
      this.ctx.rng,
    );
    s.generation = generation;
    return s;
  }

  /**
   * The peer's own view for G-9: an ACK for data it never sent means the router's
   * receive state ran ahead of the peer (a replica that invented bytes).
   */
  protected override tcpInput(iface: HostInterface, seg: Segment): void {
    const conn = this.stack(this.addr).lookup(seg.dst, seg.dport, seg.src, seg.sport);
    if (
      conn !== undefined &&
      (seg.flags & TH_ACK) !== 0 &&
      conn.t_state !== 'SYN_SENT' &&
      conn.t_state !== 'CLOSED' &&
      seqGt(seg.ack, conn.snd_max)
    ) {
      this.ctx.trace(K.peer.ackUnsent, {
        conn: `${conn.lport}>${conn.fport}`,
        ack: seg.ack,
        snd_max: conn.snd_max,
      });
    }
    super.tcpInput(iface, seg);
  }

  /** What the peer's protocol host (MSDP or BGP) is given: its clock, timers, trace and stack. */
  private layerEnv() {
    const name = this.cfg.name;
    return {
      now: () => this.now(),
      startProtoTimer: (target: ProtoTimerTarget, tag: string, d: number) =>
        this.ctx.startTimer(d, { type: 'proto.timer', target, tag } satisfies PeerProtoTimer),
      cancelProtoTimer: (h: number) => this.ctx.cancelTimer(h),
      trace: (k: string, f: Record<string, unknown>) => this.ctx.trace(k, f),
      stack: () => this.stack(this.addr),
      sessionOf: () => `${name}/0`,
    };
  }

  private bootMsdp(): void {
    const app = this.cfg.app;
    if (!isMsdpPeer(app)) return;
    const name = this.cfg.name;
    this.msdp = new MsdpHost(
      peerMsdpConfig(app, this.addr, this.routerAddr),
      {
        ...this.layerEnv(),
        // The router's new master opening afresh (no NSR, D-7) replaces the old session.
        supersede: true,
      },
      new Rng(this.seed, `msdp/${name}`),
      undefined,
    );
    this.msdp.start('master');
    if (app.badTlvAtNs !== undefined) this.msdp.injectBadTlvAt(app.badTlvAtNs);
  }

  private bootBgp(): void {
    const app = this.cfg.app;
    if (!isBgpPeer(app)) return;
    const name = this.cfg.name;
    const cfg = peerBgpConfig(app, name, this.addr, this.routerBgpAs);
    this.bgp = new BgpHost(
      new Map([[this.routerAddr, cfg]]),
      {
        ...this.layerEnv(),
        portBase: 40000,
        listens: true,
      },
      new Rng(this.seed, `bgp/${name}`),
      undefined,
    );
    this.bgp.start('master');
    if (app.malformedAtNs !== undefined)
      this.bgp.injectMalformedAt(app.malformedAtNs, app.malform ?? 'missing-next-hop');
  }

  protected handle(msg: AppStall | PeerProtoTimer): void {
    switch (msg.type) {
      case 'proto.timer':
        msg.target.onTimer(msg.tag);
        return;
      case 'app.stall':
        for (const s of this.sessions) s.stall(msg.durationNs);
        return;
      default: {
        const never: never = msg;
        throw new Error(`peer: unknown message ${(never as Message).type}`);
      }
    }
  }
}
