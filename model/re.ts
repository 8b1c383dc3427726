// A routing engine (RE): a kernel (ip_input demultiplexing by incoming interface and
// 5-tuple, TCP for the router's address and for the internal inter-RE address,
// sockets), the routing application's sessions, and a mastership role.
//
// Crash loses all state and sends nothing more (the simulator stops the actor);
// restart comes back empty, as a backup. Without NSR, an RE that becomes master
// starts its sessions from scratch, which is what a peer sees as a reset (the baseline).
import type { Message } from '../sim/index.ts';
import { StreamSession } from './app/session.ts';
import { ROUTER_PORT, SESSION_PORT_BASE, type PeerConfig } from './config.ts';
import { NetHost, type Interface } from './host.ts';
import type { Ipv4 } from './segment.ts';
import type { TcpConnection, TcpOptionsConfig } from './tcp/tcp.ts';

export type Role = 'master' | 'backup';

export interface RoleChange extends Message {
  readonly type: 're.role';
  readonly role: Role;
}

export interface RouterAppStall extends Message {
  readonly type: 'app.stall';
  readonly durationNs: number;
}

export type ReMessage = RoleChange | RouterAppStall;

export interface RePeerInfo {
  cfg: PeerConfig;
  addr: Ipv4;
}

export class RoutingEngine extends NetHost<ReMessage> {
  role: Role;
  private boots = 0;
  /** Sessions by peer name, one list per peer, index = session number. */
  sessions = new Map<string, StreamSession[]>();

  constructor(
    readonly index: 0 | 1,
    readonly routerAddr: Ipv4,
    readonly internalAddr: Ipv4,
    pfe: Interface,
    interRe: Interface,
    private readonly initialRole: Role,
    private readonly peers: readonly RePeerInfo[],
    tcp: Partial<TcpOptionsConfig>,
  ) {
    super(`re${index}`, [pfe, interRe], tcp);
    this.role = initialRole;
  }

  protected boot(): void {
    // A restarted RE comes back empty and as a backup (SPEC F-4).
    this.role = this.boots++ === 0 ? this.initialRole : 'backup';
    this.sessions = new Map();
    this.ctx.trace('re.boot', { role: this.role, boots: this.boots });
    if (this.role === 'master') this.startSessions();
  }

  protected handle(msg: ReMessage): void {
    switch (msg.type) {
      case 're.role':
        this.setRole(msg.role);
        return;
      case 'app.stall':
        for (const list of this.sessions.values()) for (const s of list) s.stall(msg.durationNs);
        return;
      default: {
        const never: never = msg;
        throw new Error(`re: unknown message ${(never as Message).type}`);
      }
    }
  }

  allSessions(): StreamSession[] {
    return [...this.sessions.values()].flat();
  }

  private setRole(role: Role): void {
    if (role === this.role) return;
    const from = this.role;
    this.role = role;
    this.ctx.trace('re.role', { from, to: role });
    if (role === 'master') this.startSessions();
  }

  /** Without NSR the application opens (or awaits) every session afresh. */
  private startSessions(): void {
    const stack = this.stack(this.routerAddr);
    for (const p of this.peers) {
      const list = Array.from(
        { length: p.cfg.sessions },
        (_, i) =>
          new StreamSession(
            { id: `${p.cfg.name}/${i}`, side: 'router', send: p.cfg.fromRouter, expect: p.cfg.toRouter, read: p.cfg.routerRead },
            this,
            this.ctx.rng,
          ),
      );
      this.sessions.set(p.cfg.name, list);
      if (p.cfg.initiator === 'router') {
        list.forEach((s, i) => {
          const conn = stack.connect(SESSION_PORT_BASE + i, p.addr, ROUTER_PORT);
          conn.onEstablished = () => s.attach(conn);
        });
      }
    }
    if (this.peers.some((p) => p.cfg.initiator === 'peer')) stack.listen(ROUTER_PORT, (conn) => this.accepted(conn));
  }

  private accepted(conn: TcpConnection): void {
    const p = this.peers.find((x) => x.addr === conn.faddr);
    const s = p === undefined ? undefined : this.sessions.get(p.cfg.name)?.[conn.fport - SESSION_PORT_BASE];
    if (s === undefined) {
      conn.abort();
      return;
    }
    if (conn.t_state === 'ESTABLISHED') s.attach(conn);
    else conn.onEstablished = () => s.attach(conn);
  }
}
