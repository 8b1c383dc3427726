// A network host as an actor: IP input/output over links, one TCP stack per local
// address, TCP and application timers on the simulation clock, and the stream
// application sessions it runs. The external peer and each RE are hosts.
//
// ip_input demultiplexes by the link a packet came in on (the incoming interface) and
// its destination address, then by 5-tuple inside the stack; ip_output picks the link
// by the packet's source address. Timers are actor timers, so they die with the host.
import type { Actor, ActorContext, ActorId, Message } from '../../sim/index.ts';
import type { AppEnv, AppTimerTag, StreamSession } from '../app/session.ts';
import type { LinkTx, PacketIn, Side } from './link.ts';
import { ipv4ToString, type Ipv4, type Segment } from './segment.ts';
import {
  TcpStack,
  type TcpConnection,
  type TcpEnv,
  type TcpOptionsConfig,
  type TcpTimerKind,
} from '../tcp/tcp.ts';
import { K, tcpKind } from '../vocab.ts';

export interface Interface {
  /** Link actor and this host's side of it. */
  linkId: ActorId;
  linkName: string;
  side: Side;
  /** The local address reached through this interface. */
  addr: Ipv4;
}

export interface TcpTimerMsg extends Message {
  readonly type: 'tcp.timer';
  readonly conn: TcpConnection;
  readonly kind: TcpTimerKind;
}

export interface AppTimerMsg extends Message {
  readonly type: 'app.timer';
  readonly session: StreamSession;
  readonly tag: AppTimerTag;
}

export type HostMessage = PacketIn | TcpTimerMsg | AppTimerMsg;

export function connKey(c: { laddr: Ipv4; lport: number; faddr: Ipv4; fport: number }): string {
  return `${ipv4ToString(c.laddr)}:${c.lport}>${ipv4ToString(c.faddr)}:${c.fport}`;
}

export abstract class NetHost<M extends Message = Message>
  implements Actor<HostMessage | M>, AppEnv
{
  protected ctx!: ActorContext;
  protected stacks = new Map<Ipv4, TcpStack>();
  protected readonly byLink = new Map<string, Interface>();
  protected readonly byAddr = new Map<Ipv4, Interface>();
  /** Packets dropped at ip_input (no stack for the destination, wrong interface). */
  ipDrops = 0;

  constructor(
    readonly name: string,
    interfaces: readonly Interface[],
    protected readonly tcpConfig: Partial<TcpOptionsConfig>,
  ) {
    for (const i of interfaces) {
      this.byLink.set(i.linkName, i);
      this.byAddr.set(i.addr, i);
    }
  }

  start(ctx: ActorContext): void {
    this.ctx = ctx;
    this.stacks = new Map();
    for (const i of this.byAddr.values())
      this.stacks.set(i.addr, new TcpStack(this.tcpHost(), i.addr, this.tcpConfig));
    this.boot();
  }

  /** Called on start and restart, after the stacks exist: open sessions, listen. */
  protected abstract boot(): void;
  /** Messages other than packets and timers. */
  protected abstract handle(msg: M): void;

  stop(): void {
    this.stacks = new Map();
  }

  receive(msg: HostMessage | M): void {
    switch (msg.type) {
      case 'pkt':
        this.ipInput(msg as PacketIn);
        return;
      case 'tcp.timer': {
        const t = msg as TcpTimerMsg;
        t.conn.onTimer(t.kind);
        return;
      }
      case 'app.timer': {
        const t = msg as AppTimerMsg;
        t.session.onTimer(t.tag);
        return;
      }
      default:
        this.handle(msg as M);
    }
  }

  stack(addr: Ipv4): TcpStack {
    const s = this.stacks.get(addr);
    if (s === undefined) throw new Error(`${this.name}: no TCP stack for ${ipv4ToString(addr)}`);
    return s;
  }

  /** ip_input: the packet must arrive on the interface that owns its destination. */
  protected ipInput(pkt: PacketIn): void {
    const iface = this.byLink.get(pkt.link);
    if (iface === undefined || iface.addr !== pkt.seg.dst) {
      this.ipDrops++;
      this.ctx.trace(K.re.ipDrop, {
        reason: 'wrong-interface',
        link: pkt.link,
        dst: ipv4ToString(pkt.seg.dst),
      });
      return;
    }
    this.tcpInput(iface, pkt.seg);
  }

  /** Hands a packet to TCP; NSR's PRL hooks in here on the RE (SPEC P-1). */
  protected tcpInput(iface: Interface, seg: Segment): void {
    this.stack(iface.addr).input(seg);
  }

  /** ip_output: route by source address to the interface that owns it. */
  ipOutput(seg: Segment): void {
    const iface = this.byAddr.get(seg.src);
    if (iface === undefined)
      throw new Error(`${this.name}: no interface for source ${ipv4ToString(seg.src)}`);
    this.ctx.send(iface.linkId, { type: 'link.tx', side: iface.side, seg } satisfies LinkTx);
  }

  // AppEnv
  now(): number {
    return this.ctx.now;
  }
  startAppTimer(session: StreamSession, tag: AppTimerTag, delayNs: number): number {
    return this.ctx.startTimer(delayNs, { type: 'app.timer', session, tag } satisfies AppTimerMsg);
  }
  cancelAppTimer(handle: number): void {
    this.ctx.cancelTimer(handle);
  }
  trace(kind: string, fields: Record<string, unknown>): void {
    this.ctx.trace(kind, fields);
  }

  private tcpHost(): TcpEnv {
    const ctx = this.ctx;
    return {
      now: () => ctx.now,
      output: (seg) => this.ipOutput(seg),
      setTimer: (conn, kind, delayNs) =>
        ctx.startTimer(delayNs, { type: 'tcp.timer', conn, kind } satisfies TcpTimerMsg),
      clearTimer: (h) => {
        ctx.cancelTimer(h);
      },
      rng: ctx.rng,
      event: (conn, kind, fields) => {
        ctx.trace(tcpKind(kind), { conn: conn === undefined ? '-' : connKey(conn), ...fields });
      },
    };
  }
}
