// The per-host TCP stack (BSD's in_pcb lookup + tcp_input's demultiplexing): finds the
// connection for a segment by 4-tuple, else a listener on the port, else answers with
// RST (RFC 9293 §3.10.7.1; never an RST in reply to an RST). Connections live in a Map
// in creation order; closed and TIME_WAIT-expired ones are removed.
import { assert } from '../../sim/index.ts';
import type { Ipv4, Segment } from '../net/segment.ts';
import { TH_ACK, TH_FIN, TH_RST, TH_SYN } from '../net/segment.ts';
import {
  TCP_EVENT,
  TCP_DEFAULTS,
  TCP_TTL,
  resolveTcpConfig,
  type TcpConfig,
  type TcpEnv,
  type TcpOptionsConfig,
} from './defs.ts';
import { TcpConnection } from './conn.ts';
import { rstReplyFields, tcpConnect } from './input.ts';
import { tcpMd5Digest } from './md5.ts';

interface Listener {
  readonly cfg: TcpConfig;
  readonly onAccept: (conn: TcpConnection) => void;
}

const EPHEMERAL_LO = 49152;
const EPHEMERAL_HI = 65535;
/** Random ephemeral port draws before falling back to a scan. */
const EPHEMERAL_TRIES = 64;

/** One end of a connection as one number: an IPv4 address and a port, 48 bits (exact). */
function end(addr: Ipv4, port: number): number {
  return addr * 0x1_0000 + port;
}

export class TcpStack {
  readonly env: TcpEnv;
  readonly addr: Ipv4;
  /** Defaults for new connections and the stack's own answers (reconfigure() replaces it). */
  config: TcpConfig;
  /**
   * TCP-MD5 key for a remote address with no connection (a security association, as
   * FreeBSD's setkey): RSTs the stack answers with are signed with it (RFC 2385).
   */
  md5KeyFor?: (faddr: Ipv4) => Uint8Array | undefined;
  /**
   * Called when the stack creates a connection (connect(), or a SYN reaching a
   * listener), before the connection sends anything: lets the owner install
   * rcvSpacePolicy, outputFilter or callbacks in time for the SYN / SYN|ACK.
   */
  onNewConnection?: (conn: TcpConnection) => void;
  /**
   * Redundant TCP (SPEC R-4, seed 004 §5.2): the initial sequence number of a new
   * connection, computed from its addresses instead of drawn, so that both stations pick
   * the same one. Unset: the ISS is drawn from the host RNG as always.
   */
  issFor?: (conn: TcpConnection) => number;
  /** Live connections in creation order (connections()). */
  private readonly conns = new Set<TcpConnection>();
  /**
   * The same connections by their two ends as numbers (foreign, then local): the lookup
   * every segment makes builds no key string (issue 18).
   */
  private readonly byEnds = new Map<number, Map<number, TcpConnection>>();
  private readonly listeners = new Map<number, Listener>();
  private ipId = 0;

  constructor(env: TcpEnv, addr: Ipv4, options: TcpOptionsConfig = {}) {
    this.env = env;
    this.addr = addr;
    this.config = resolveTcpConfig(TCP_DEFAULTS, options);
  }

  /** Replaces the stack defaults (a host whose sysctls change); live connections keep theirs. */
  reconfigure(options: TcpOptionsConfig): void {
    this.config = resolveTcpConfig(TCP_DEFAULTS, options);
  }

  /** Accepts connections to `port`; onAccept gets each one once it is ESTABLISHED. */
  listen(port: number, onAccept: (conn: TcpConnection) => void, opts?: TcpOptionsConfig): void {
    checkPort(port);
    if (this.listeners.has(port))
      throw new Error(`TcpStack.listen: port ${port} already has a listener`);
    this.listeners.set(port, { cfg: resolveTcpConfig(this.config, opts), onAccept });
  }

  /** Stops listening; connections already accepted or half-open are not affected. */
  unlisten(port: number): boolean {
    return this.listeners.delete(port);
  }

  /** Active open from lport (undefined: an ephemeral port drawn from the host RNG). */
  connect(
    lport: number | undefined,
    faddr: Ipv4,
    fport: number,
    opts?: TcpOptionsConfig,
  ): TcpConnection {
    checkPort(fport);
    const port = lport ?? this.ephemeralPort(faddr, fport);
    checkPort(port);
    if (this.lookup(this.addr, port, faddr, fport) !== undefined) {
      throw new Error(`TcpStack.connect: ${port} -> ${faddr}:${fport} is in use`);
    }
    const conn = new TcpConnection(
      this,
      resolveTcpConfig(this.config, opts),
      this.addr,
      port,
      faddr,
      fport,
      false,
    );
    this.register(conn);
    this.onNewConnection?.(conn);
    conn.run(() => tcpConnect(conn));
    return conn;
  }

  /**
   * NSR secondary socket (IHA): registers a connection for (addr, lport, faddr, fport)
   * without a handshake, in state CLOSED with replica = true, for PSRM to fill in
   * (M-1) and set ESTABLISHED. Undefined if the 4-tuple is in use.
   */
  adoptReplica(
    lport: number,
    faddr: Ipv4,
    fport: number,
    opts?: TcpOptionsConfig,
  ): TcpConnection | undefined {
    checkPort(lport);
    checkPort(fport);
    if (this.lookup(this.addr, lport, faddr, fport) !== undefined) return undefined;
    const conn = new TcpConnection(
      this,
      resolveTcpConfig(this.config, opts),
      this.addr,
      lport,
      faddr,
      fport,
      false,
    );
    conn.replica = true;
    // The kernel creates a replica, not the application that configures TCP_MD5SIG on its
    // socket: it has no key until the primary's state is applied to it (PSRM, SPEC M-6).
    conn.md5_key = undefined;
    this.register(conn);
    this.onNewConnection?.(conn);
    return conn;
  }

  /** A segment from IP. */
  input(seg: Segment): void {
    if (this.config.dropSynFin && (seg.flags & (TH_SYN | TH_FIN)) === (TH_SYN | TH_FIN)) return;
    const conn = this.lookup(seg.dst, seg.dport, seg.src, seg.sport);
    if (conn !== undefined) {
      conn.input(seg);
      return;
    }
    const l = this.listeners.get(seg.dport);
    if (l !== undefined) {
      const f = seg.flags & (TH_SYN | TH_ACK | TH_RST);
      if (f === TH_SYN) {
        const c = new TcpConnection(this, l.cfg, seg.dst, seg.dport, seg.src, seg.sport, true);
        c.acceptCb = l.onAccept;
        this.register(c);
        c.setState('LISTEN');
        this.onNewConnection?.(c);
        c.input(seg);
        return;
      }
      // LISTEN: RST ignored, ACK answered with RST, anything else without SYN dropped.
      if ((f & TH_RST) !== 0 || (f & TH_ACK) === 0) return;
      if (f === (TH_SYN | TH_ACK) && l.cfg.synAckToListener === 'drop') return;
    }
    this.respondRst(seg);
  }

  lookup(laddr: Ipv4, lport: number, faddr: Ipv4, fport: number): TcpConnection | undefined {
    return this.byEnds.get(end(faddr, fport))?.get(end(laddr, lport));
  }

  /** Live connections (including half-open and TIME_WAIT), in creation order. */
  connections(): IterableIterator<TcpConnection> {
    return this.conns.values();
  }

  /** @internal Next IPv4 identification value (per-stack counter). */
  nextIpId(): number {
    this.ipId = (this.ipId + 1) & 0xffff;
    return this.ipId;
  }

  /** @internal Called by a connection when it reaches CLOSED. */
  remove(conn: TcpConnection): void {
    const f = end(conn.faddr, conn.fport);
    const locals = this.byEnds.get(f);
    if (locals?.get(end(conn.laddr, conn.lport)) !== conn) return;
    locals.delete(end(conn.laddr, conn.lport));
    if (locals.size === 0) this.byEnds.delete(f);
    // The index and the creation-order set hold the same connections.
    assert(this.conns.delete(conn), 'TcpStack: a connection indexed but not in the table');
  }

  /** Enters a new connection under its 4-tuple (callers checked the tuple is free). */
  private register(conn: TcpConnection): void {
    const f = end(conn.faddr, conn.fport);
    let locals = this.byEnds.get(f);
    if (locals === undefined) {
      locals = new Map();
      this.byEnds.set(f, locals);
    }
    const l = end(conn.laddr, conn.lport);
    assert(!locals.has(l), 'TcpStack: the 4-tuple is in use');
    locals.set(l, conn);
    this.conns.add(conn);
  }

  private respondRst(seg: Segment): void {
    const r = rstReplyFields(seg);
    if (r === undefined) return;
    const out: Segment = {
      src: seg.dst,
      dst: seg.src,
      sport: seg.dport,
      dport: seg.sport,
      seq: r.seq >>> 0,
      ack: r.ack >>> 0,
      flags: r.flags,
      wnd: 0,
      urp: 0,
      options: this.config.optionLayout === 'bsd' ? { layout: 'bsd' } : {},
      payload: new Uint8Array(0),
      ipId: this.nextIpId(),
      ttl: TCP_TTL,
    };
    const key = this.md5KeyFor?.(seg.src);
    if (key !== undefined) out.options.md5 = tcpMd5Digest(out, key);
    this.env.event?.(undefined, TCP_EVENT.rstSent, {
      seq: out.seq,
      ack: out.ack,
      dport: out.dport,
      sport: out.sport,
    });
    this.env.output(out);
  }

  private ephemeralPort(faddr: Ipv4, fport: number): number {
    for (let i = 0; i < EPHEMERAL_TRIES; i++) {
      const p = this.env.rng.between(EPHEMERAL_LO, EPHEMERAL_HI);
      if (this.lookup(this.addr, p, faddr, fport) === undefined) return p;
    }
    for (let p = EPHEMERAL_LO; p <= EPHEMERAL_HI; p++) {
      if (this.lookup(this.addr, p, faddr, fport) === undefined) return p;
    }
    throw new Error(`TcpStack.connect: no free ephemeral port towards ${faddr}:${fport}`);
  }
}

function checkPort(p: number): void {
  if (!Number.isInteger(p) || p < 1 || p > 65535)
    throw new RangeError(`TCP port out of range: ${p}`);
}
