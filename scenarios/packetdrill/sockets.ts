// The socket API packetdrill scripts call, on the model's TCP (TcpStack/TcpConnection):
// socket, bind, listen, accept, connect, read/recv (MSG_PEEK), write/send, close,
// shutdown, fcntl O_NONBLOCK, and get/setsockopt for the options the model has. Each
// call returns what FreeBSD's would (value or -1 with an errno name) or `block` when a
// blocking socket would wait; options the model lacks are Unsupported.
import { TF_NODELAY } from '../../model/tcp/tcp.ts';
import type { TcpConnection, TcpKeepaliveConfig, TcpOptionsConfig } from '../../model/tcp/tcp.ts';
import { Unsupported, type Pos } from './errors.ts';
import { LOCAL_IP, REMOTE_IP, type Machine } from './machine.ts';
import type { Expr } from './parser.ts';

/** packetdrill's live_bind_port and live_connect_port. */
export const SCRIPT_PORT = 8080;

const O_RDWR = 0x2;
const O_NONBLOCK = 0x4;
const MSG_PEEK = 0x2;
const SEC_MS = 1000;
const KEEPINIT_MAX_S = Math.floor(0x7fffffff / 1000);
/** kern.ipc.maxsockbuf's model ceiling (the model's rcvBuf/sndBuf range). */
const SB_MAX = 2 ** 30;
/** TCP_NOOPT: no options in the SYN, so nothing that needs one is negotiated. */
const NO_OPTIONS: TcpOptionsConfig = {
  noOptions: true,
  wscale: null,
  timestamps: false,
  sack: false,
  dsack: false,
};
const MS = 1_000_000;

export interface Sock {
  fd: number;
  nonblock: boolean;
  bound: boolean;
  listening: boolean;
  conn: TcpConnection | undefined;
  acceptQ: TcpConnection[];
  soError: string | undefined;
  /** Per-socket TCP options set by setsockopt (keepinit, NOOPT, MD5). */
  opts: TcpOptionsConfig;
  /** TCP_MD5SIG set: the socket signs with the security association's key (setkey). */
  md5: boolean;
  /** SO_KEEPALIVE and the seconds/count set with TCP_KEEPINIT/IDLE/INTVL/CNT. */
  keep: { on?: boolean; init?: number; idle?: number; intvl?: number; cnt?: number };
}

export type CallResult = { ret: number; errno?: string } | 'block';

export interface SocketHost {
  readonly machine: Machine;
  /** TCP options the FreeBSD profile gives a new socket now (sysctls so far). */
  baseOptions(): TcpOptionsConfig;
  /** The MD5 key of a security association for the script's addresses, if any. */
  md5Key(): string | undefined;
  /** A connection was created for this socket (the socket under test changes). */
  connectionCreated(s: Sock | undefined, conn: TcpConnection): void;
  /** Listening socket set up (the socket under test becomes it). */
  listening(s: Sock): void;
  /** The keepalive sysctls (keepidle, keepintvl in seconds; keepcnt). */
  keepDefaults(): { idleS: number; intvlS: number; cnt: number };
}

export class Sockets {
  private readonly fds = new Map<number, Sock>();
  private readonly owner = new Map<TcpConnection, Sock>();
  private listener: Sock | undefined;
  constructor(private readonly host: SocketHost) {}

  get(fd: number): Sock | undefined {
    return this.fds.get(fd);
  }

  all(): IterableIterator<Sock> {
    return this.fds.values();
  }

  call(name: string, args: readonly Expr[], pos: Pos): CallResult {
    switch (name) {
      case 'socket':
        return this.socket(args, pos);
      case 'fcntl':
        return this.fcntl(args, pos);
      case 'bind':
        return this.withSock(args, pos, (s) => this.bind(s));
      case 'listen':
        return this.withSock(args, pos, (s) => this.listen(s));
      case 'accept':
        return this.withSock(args, pos, (s) => this.accept(s));
      case 'connect':
        return this.withSock(args, pos, (s) => this.connect(s));
      case 'read':
        return this.withSock(args, pos, (s) => this.recv(s, intArg(args, 2, pos), 0));
      case 'recv':
        return this.withSock(args, pos, (s) =>
          this.recv(s, intArg(args, 2, pos), flagsArg(args, 3, pos)),
        );
      case 'write':
      case 'send':
        return this.withSock(args, pos, (s) => this.send(s, intArg(args, 2, pos)));
      case 'close':
        return this.withSock(args, pos, (s) => this.close(s));
      case 'shutdown':
        return this.withSock(args, pos, (s) => this.shutdown(s, args, pos));
      case 'setsockopt':
        return this.withSock(args, pos, (s) => this.setsockopt(s, args, pos));
      case 'getsockopt':
        return this.withSock(args, pos, (s) => this.getsockopt(s, args, pos));
      default:
        throw new Unsupported(pos, 'system call', name);
    }
  }

  private withSock(args: readonly Expr[], pos: Pos, f: (s: Sock) => CallResult): CallResult {
    const fd = intArg(args, 0, pos);
    const s = this.fds.get(fd);
    if (s === undefined) return { ret: -1, errno: 'EBADF' };
    return f(s);
  }

  private socket(args: readonly Expr[], pos: Pos): CallResult {
    const type = identArg(args, 1, pos);
    if (type !== 'SOCK_STREAM') throw new Unsupported(pos, 'socket type', type);
    let fd = 3;
    while (this.fds.has(fd)) fd++;
    this.fds.set(fd, {
      fd,
      nonblock: false,
      bound: false,
      listening: false,
      conn: undefined,
      acceptQ: [],
      soError: undefined,
      opts: {},
      md5: false,
      keep: {},
    });
    return { ret: fd };
  }

  private fcntl(args: readonly Expr[], pos: Pos): CallResult {
    return this.withSock(args, pos, (s) => {
      const cmd = identArg(args, 1, pos);
      if (cmd === 'F_GETFL') return { ret: O_RDWR | (s.nonblock ? O_NONBLOCK : 0) };
      if (cmd !== 'F_SETFL') throw new Unsupported(pos, 'fcntl command', cmd);
      s.nonblock = (evalInt(args[2], pos) & O_NONBLOCK) !== 0;
      return { ret: 0 };
    });
  }

  private bind(s: Sock): CallResult {
    s.bound = true;
    return { ret: 0 };
  }

  private options(s: Sock): TcpOptionsConfig {
    return {
      ...this.host.baseOptions(),
      ...s.opts,
      md5Key: s.md5 ? (this.host.md5Key() ?? null) : null,
      keepalive: this.keepalive(s),
    };
  }

  private listen(s: Sock): CallResult {
    if (s.listening) return { ret: 0 };
    s.listening = true;
    this.listener = s;
    this.host.machine.stack.listen(SCRIPT_PORT, (c) => this.accepted(s, c), this.options(s));
    this.host.listening(s);
    return { ret: 0 };
  }

  private accepted(s: Sock, c: TcpConnection): void {
    if (this.listener !== s) return;
    s.acceptQ.push(c);
  }

  /** A connection the stack made for an injected SYN to the listener. */
  adoptPassive(c: TcpConnection): void {
    this.watch(undefined, c);
    this.host.connectionCreated(undefined, c);
  }

  private watch(s: Sock | undefined, c: TcpConnection): void {
    let established = c.t_state === 'ESTABLISHED';
    c.onEstablished = () => void (established = true);
    c.onClosed = (reason) => {
      const sock = this.owner.get(c) ?? s;
      if (sock === undefined) return;
      if (reason === 'reset') sock.soError = established ? 'ECONNRESET' : 'ECONNREFUSED';
      else if (reason === 'timeout') sock.soError = 'ETIMEDOUT';
    };
  }

  private accept(s: Sock): CallResult {
    if (!s.listening) return { ret: -1, errno: 'EINVAL' };
    const c = s.acceptQ.shift();
    if (c === undefined) return s.nonblock ? { ret: -1, errno: 'EAGAIN' } : 'block';
    let fd = 3;
    while (this.fds.has(fd)) fd++;
    const child: Sock = {
      ...s,
      fd,
      nonblock: false,
      listening: false,
      conn: c,
      acceptQ: [],
      soError: undefined,
      opts: { ...s.opts },
      keep: { ...s.keep },
    };
    // so_error of the connection (a reset while it waited in the queue) moves with it.
    this.fds.set(fd, child);
    this.owner.set(c, child);
    return { ret: fd };
  }

  private connect(s: Sock): CallResult {
    if (s.conn !== undefined) {
      const st = s.conn.t_state;
      if (st === 'ESTABLISHED' || st === 'CLOSE_WAIT') return { ret: -1, errno: 'EISCONN' };
      if (s.soError !== undefined) return this.takeError(s);
      if (st === 'SYN_SENT' || st === 'SYN_RECEIVED')
        return s.nonblock ? { ret: -1, errno: 'EALREADY' } : 'block';
      return { ret: 0 };
    }
    const stack = this.host.machine.stack;
    let conn: TcpConnection | undefined;
    stack.onNewConnection = (c) => {
      conn = c;
      this.owner.set(c, s);
      this.watch(s, c);
      s.conn = c;
      this.host.connectionCreated(s, c);
    };
    try {
      stack.connect(s.bound ? SCRIPT_PORT : undefined, REMOTE_IP, SCRIPT_PORT, this.options(s));
    } finally {
      stack.onNewConnection = (c) => this.adoptPassive(c);
    }
    if (conn === undefined) throw new Error('connect: the stack made no connection');
    if (s.soError !== undefined) return this.takeError(s);
    if (conn.t_state === 'ESTABLISHED') return { ret: 0 };
    return s.nonblock ? { ret: -1, errno: 'EINPROGRESS' } : 'block';
  }

  /** Whether a blocking connect has finished (established or failed). */
  connectReady(s: Sock): boolean {
    const st = s.conn?.t_state;
    return s.soError !== undefined || (st !== 'SYN_SENT' && st !== 'SYN_RECEIVED');
  }

  /** Completion of a blocking connect (undefined while still connecting). */
  connectDone(s: Sock): CallResult | undefined {
    if (!this.connectReady(s)) return undefined;
    return s.soError !== undefined ? this.takeError(s) : { ret: 0 };
  }

  private takeError(s: Sock): CallResult {
    const e = s.soError;
    s.soError = undefined;
    return { ret: -1, errno: e };
  }

  private recv(s: Sock, n: number, flags: number): CallResult {
    if (!Number.isSafeInteger(n) || n < 0) return { ret: -1, errno: 'EINVAL' };
    const c = s.conn;
    if (c === undefined) return { ret: -1, errno: 'ENOTCONN' };
    if (c.readable > 0) {
      const take = Math.min(n, c.readable);
      if ((flags & MSG_PEEK) !== 0) return { ret: c.so_rcv.peek(0, take).length };
      return { ret: c.read(take).length };
    }
    if (s.soError !== undefined) return this.takeError(s);
    if (peerFinished(c) || n === 0) return { ret: 0 };
    return s.nonblock ? { ret: -1, errno: 'EAGAIN' } : 'block';
  }

  private send(s: Sock, n: number): CallResult {
    const c = s.conn;
    if (c === undefined) return { ret: -1, errno: 'ENOTCONN' };
    if (s.soError !== undefined) return this.takeError(s);
    if (c.t_state === 'CLOSED') return { ret: -1, errno: 'EPIPE' };
    if (!Number.isSafeInteger(n) || n < 0) return { ret: -1, errno: 'EINVAL' };
    // Only what so_snd can take now is made (a huge count is a partial write).
    const taken = c.write(new Uint8Array(Math.min(n, c.so_snd.sbspace())));
    if (taken === 0 && n > 0) return s.nonblock ? { ret: -1, errno: 'EAGAIN' } : 'block';
    return { ret: taken };
  }

  private close(s: Sock): CallResult {
    this.fds.delete(s.fd);
    if (s.listening) {
      this.host.machine.stack.unlisten(SCRIPT_PORT);
      if (this.listener === s) this.listener = undefined;
      for (const c of s.acceptQ) c.abort();
      s.acceptQ.length = 0;
      return { ret: 0 };
    }
    const c = s.conn;
    if (c !== undefined) c.closeSocket();
    return { ret: 0 };
  }

  private shutdown(s: Sock, args: readonly Expr[], pos: Pos): CallResult {
    const how = identArg(args, 1, pos);
    if (how !== 'SHUT_WR') throw new Unsupported(pos, 'shutdown mode', how);
    const c = s.conn;
    if (c === undefined) return { ret: -1, errno: 'ENOTCONN' };
    c.shutdown();
    return { ret: 0 };
  }

  private setsockopt(s: Sock, args: readonly Expr[], pos: Pos): CallResult {
    const level = identArg(args, 1, pos);
    const opt = identArg(args, 2, pos);
    const v = evalInt(listHead(args[3], pos), pos);
    const key = `${level} ${opt}`;
    if (!Number.isSafeInteger(v) || v < 0) return { ret: -1, errno: 'EINVAL' };
    switch (key) {
      case 'SOL_SOCKET SO_REUSEADDR':
        return { ret: 0 };
      case 'SOL_SOCKET SO_RCVBUF':
      case 'SOL_SOCKET SO_SNDBUF':
        return this.setBuffer(s, opt === 'SO_RCVBUF', v);
      case 'IPPROTO_TCP TCP_NODELAY':
        // A tcpcb flag output reads on every pass, so it takes effect on a live connection.
        if (s.conn !== undefined)
          s.conn.t_flags = v !== 0 ? s.conn.t_flags | TF_NODELAY : s.conn.t_flags & ~TF_NODELAY;
        s.opts.nodelay = v !== 0;
        return { ret: 0 };
      case 'SOL_SOCKET SO_KEEPALIVE':
      case 'IPPROTO_TCP TCP_KEEPIDLE':
      case 'IPPROTO_TCP TCP_KEEPINTVL':
      case 'IPPROTO_TCP TCP_KEEPCNT':
        return this.setKeep(s, opt, v, pos);
      case 'IPPROTO_TCP TCP_KEEPINIT':
        // FreeBSD takes seconds up to INT_MAX / hz (hz = 1000).
        if (v < 1 || v > KEEPINIT_MAX_S) return { ret: -1, errno: 'EINVAL' };
        s.keep.init = v;
        s.opts.keepInitNs = v * SEC_MS * MS;
        return { ret: 0 };
      case 'IPPROTO_TCP TCP_NOOPT':
        if (v !== 0) Object.assign(s.opts, NO_OPTIONS);
        return { ret: 0 };
      case 'IPPROTO_TCP TCP_MD5SIG':
        s.md5 = v !== 0;
        return { ret: 0 };
      default:
        throw new Unsupported(pos, 'socket option', key);
    }
  }

  /** SO_RCVBUF / SO_SNDBUF: the high-water mark now (BSD sbreserve), or for the connection to come. */
  private setBuffer(s: Sock, rcv: boolean, v: number): CallResult {
    if (v < 1 || v > SB_MAX) return { ret: -1, errno: 'EINVAL' };
    const c = s.conn;
    if (c !== undefined) (rcv ? c.so_rcv : c.so_snd).hiwat = v;
    if (rcv) s.opts.rcvBuf = v;
    else s.opts.sndBuf = v;
    return { ret: 0 };
  }

  /** Keepalive settings: the model fixes them per connection, so they must come before it. */
  private setKeep(s: Sock, opt: string, v: number, pos: Pos): CallResult {
    if (s.conn !== undefined || s.listening)
      throw new Unsupported(pos, 'keepalive change on a live socket', opt);
    if (opt === 'SO_KEEPALIVE') s.keep.on = v !== 0;
    else if (v < 1 || v > KEEPINIT_MAX_S) return { ret: -1, errno: 'EINVAL' };
    else if (opt === 'TCP_KEEPIDLE') s.keep.idle = v;
    else if (opt === 'TCP_KEEPINTVL') s.keep.intvl = v;
    else s.keep.cnt = v;
    return { ret: 0 };
  }

  /** The keepalive a socket's connection gets (undefined: off, FreeBSD's default). */
  keepalive(s: Sock): TcpKeepaliveConfig | null {
    if (s.keep.on !== true) return null;
    const d = this.host.keepDefaults();
    const sec = SEC_MS * MS;
    return {
      idleNs: (s.keep.idle ?? d.idleS) * sec,
      intervalNs: (s.keep.intvl ?? d.intvlS) * sec,
      count: s.keep.cnt ?? d.cnt,
    };
  }

  private getsockopt(s: Sock, args: readonly Expr[], pos: Pos): CallResult {
    const level = identArg(args, 1, pos);
    const opt = identArg(args, 2, pos);
    const key = `${level} ${opt}`;
    const cfg = { ...this.host.baseOptions(), ...s.opts };
    const d = this.host.keepDefaults();
    let value: number | string;
    if (key === 'SOL_SOCKET SO_RCVBUF') value = s.conn?.so_rcv.hiwat ?? cfg.rcvBuf ?? 0;
    else if (key === 'SOL_SOCKET SO_SNDBUF') value = s.conn?.so_snd.hiwat ?? cfg.sndBuf ?? 0;
    else if (key === 'SOL_SOCKET SO_ERROR') {
      value = s.soError ?? 0;
      s.soError = undefined;
    } else if (key === 'SOL_SOCKET SO_KEEPALIVE') value = s.keep.on === true ? 1 : 0;
    else if (key === 'IPPROTO_TCP TCP_NODELAY') value = cfg.nodelay === true ? 1 : 0;
    else if (key === 'IPPROTO_TCP TCP_KEEPINIT')
      value = s.keep.init ?? Math.round((cfg.keepInitNs ?? 0) / (SEC_MS * MS));
    else if (key === 'IPPROTO_TCP TCP_KEEPIDLE') value = s.keep.idle ?? d.idleS;
    else if (key === 'IPPROTO_TCP TCP_KEEPINTVL') value = s.keep.intvl ?? d.intvlS;
    else if (key === 'IPPROTO_TCP TCP_KEEPCNT') value = s.keep.cnt ?? d.cnt;
    else throw new Unsupported(pos, 'socket option', key);
    this.lastValue = value;
    return { ret: 0 };
  }

  /** The value the last getsockopt produced (the interpreter compares it with the script's). */
  lastValue: number | string | undefined;
}

function peerFinished(c: TcpConnection): boolean {
  const st = c.t_state;
  return (
    st === 'CLOSE_WAIT' ||
    st === 'LAST_ACK' ||
    st === 'CLOSING' ||
    st === 'TIME_WAIT' ||
    st === 'CLOSED'
  );
}

function arg(args: readonly Expr[], i: number, pos: Pos): Expr {
  const a = args[i];
  if (a === undefined)
    throw new Unsupported(pos, 'system call arguments', `argument ${i + 1} missing`);
  return a;
}

export function intArg(args: readonly Expr[], i: number, pos: Pos): number {
  return evalInt(arg(args, i, pos), pos);
}

function identArg(args: readonly Expr[], i: number, pos: Pos): string {
  const a = arg(args, i, pos);
  if (a.kind !== 'ident')
    throw new Unsupported(pos, 'system call arguments', `argument ${i + 1} is not a name`);
  return a.name;
}

function flagsArg(args: readonly Expr[], i: number, pos: Pos): number {
  return evalInt(arg(args, i, pos), pos);
}

function listHead(e: Expr | undefined, pos: Pos): Expr {
  if (e?.kind === 'list' && e.items[0] !== undefined) return e.items[0];
  if (e !== undefined && e.kind !== 'list') return e;
  throw new Unsupported(pos, 'system call arguments', 'expected [value]');
}

const CONSTANTS: Readonly<Record<string, number>> = {
  O_RDWR,
  O_NONBLOCK,
  MSG_PEEK,
  SHUT_RD: 0,
  SHUT_WR: 1,
  SHUT_RDWR: 2,
};

export function evalInt(e: Expr | undefined, pos: Pos): number {
  if (e === undefined) throw new Unsupported(pos, 'system call arguments', 'missing value');
  switch (e.kind) {
    case 'num':
      return e.v;
    case 'ident': {
      const v = CONSTANTS[e.name];
      if (v === undefined) throw new Unsupported(pos, 'symbol', e.name);
      return v;
    }
    case 'or':
      return e.items.reduce((acc, x) => acc | evalInt(x, pos), 0);
    case 'list':
      return evalInt(e.items[0], pos);
    case 'ellipsis':
      throw new Unsupported(pos, 'system call arguments', '... where a value is needed');
  }
}

export { LOCAL_IP };
