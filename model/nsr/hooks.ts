// Where replication meets the socket and TCP layers: the hooks a replicated socket's
// TcpConnection carries, installed by IHA when replication starts and removed when it
// ends. They are the simulator's rendering of the kernel changes the designs ask for:
// L4 keyed off common_rcvbufspc instead of sbspace (P-10), sosend replicating before
// transmit (S-1, S-2), soreceive on the secondary triggering window updates (S-4),
// sosetopt on the primary telling PSRM of a socket-buffer change (M-7), and a secondary
// socket that never transmits and runs no timers until failover (M-4).
//
// The socket-buffer hook: the model's socket layer has no setsockopt call, an application
// sets SO_RCVBUF / SO_SNDBUF by writing the socket buffer's high-water mark (sbreserve).
// While a primary is replicated its two SockBufs carry an accessor in place of that field,
// so PSRM hears of every change as the kernel's sosetopt path would tell it.
import { assert, assertInt } from '../../sim/index.ts';
import type { SockBuf } from '../tcp/sockbuf.ts';
import type { TcpConnection } from '../tcp/tcp.ts';
import type { SockOption } from './wire.ts';
import { sdrlOnWrite } from './sdrl-state.ts';
import type { NsrState, Rep } from './state.ts';

export interface SdrlWrite {
  readonly type: 'sdrl.write';
  readonly handle: number;
}

export interface PsrmWindowRequest {
  readonly type: 'psrm.window-update';
  readonly handle: number;
}

/** M-7: the primary's application changed a socket buffer's size (sosetopt → PSRM). */
export interface PsrmSockoptSet {
  readonly type: 'psrm.sockopt-set';
  readonly handle: number;
  readonly option: SockOption;
  readonly value: number;
}

/** No replication hook is installed: a socket gets one set, and loses it before the next. */
function unhooked(conn: TcpConnection): boolean {
  return (
    conn.rcvSpacePolicy === undefined &&
    conn.sndLimit === undefined &&
    conn.sosendHook === undefined &&
    conn.soreceiveHook === undefined &&
    !sizeHooked(conn.so_rcv) &&
    !sizeHooked(conn.so_snd)
  );
}

function sizeHooked(sb: SockBuf): boolean {
  return Object.getOwnPropertyDescriptor(sb, 'hiwat')?.set !== undefined;
}

/** M-7: every later change of `sb`'s size (sbreserve) is posted to PSRM as `option`. */
function hookSize(nsr: NsrState, rep: Rep, sb: SockBuf, option: SockOption): void {
  let hiwat = sb.hiwat;
  Object.defineProperty(sb, 'hiwat', {
    configurable: true,
    enumerable: true,
    get: () => hiwat,
    set: (v: number) => {
      assertInt(v, 0, 0xffff_ffff, `${option} of ${rep.session}`);
      if (v === hiwat) return;
      hiwat = v;
      const msg: PsrmSockoptSet = {
        type: 'psrm.sockopt-set',
        handle: rep.handle,
        option,
        value: v,
      };
      nsr.kernel.post(nsr.ids.psrm, msg, nsr.costs.psrmNs);
    },
  });
}

/** The size becomes a plain field again, with the value it has now. */
function unhookSize(sb: SockBuf): void {
  const hiwat = sb.hiwat;
  Object.defineProperty(sb, 'hiwat', {
    configurable: true,
    enumerable: true,
    writable: true,
    value: hiwat,
  });
  assert(!sizeHooked(sb) && sb.hiwat === hiwat, 'unhookSize: the size hook is left');
}

export function installPrimaryHooks(nsr: NsrState, rep: Rep): void {
  const conn = rep.conn;
  assert(
    rep.role === 'primary' && !conn.replica && nsr.rep(rep.handle) === rep,
    () => `installPrimaryHooks: ${rep.session} is not a replicated primary socket`,
  );
  assert(unhooked(conn), () => `installPrimaryHooks: ${rep.session} is hooked already`);
  // P-10: the window advertised to the peer is min(own space, the secondary's), and
  // a replicated packet is judged against the common value both sides agreed on.
  // Packets already held by PRL (replicated, not yet ACKed) will take their share of
  // both buffers: the window must not offer that space twice, or in-window segments
  // later find no room, are dropped without an ACK and the peer backs off.
  const q = rep.prl;
  conn.widenWindowToAdv = nsr.is('tcp-replica-window-from-rcv-adv');
  conn.rcvSpacePolicy = (c) =>
    q.inputSpace ?? Math.max(0, Math.min(c.so_rcv.sbspace(), q.secSpace) - q.queuedBytes);
  // S-1: only bytes the secondary holds may be transmitted. While set-up is in progress
  // nothing new goes out (retransmissions of what was already sent may).
  conn.sndLimit = (c) => {
    if (nsr.is('sdrl-transmit-before-replicate')) return Number.MAX_SAFE_INTEGER;
    if (!rep.iha.active)
      return rep.iha.setupInProgress
        ? Math.max(0, (c.snd_max - c.snd_una) | 0)
        : Number.MAX_SAFE_INTEGER;
    const soStart = rep.sdrl.sndAppended - c.so_snd.cc;
    return Math.max(0, rep.sdrl.acked - soStart);
  };
  conn.sosendHook = (_c, bytes) => sdrlOnWrite(nsr, rep, bytes);
  hookSize(nsr, rep, conn.so_rcv, 'SO_RCVBUF');
  hookSize(nsr, rep, conn.so_snd, 'SO_SNDBUF');
  // The tap of every delivered byte stays on from addRep (the checkers compare it).
  assert(conn.onRcvAppend !== undefined, () => `installPrimaryHooks: ${rep.session} has no tap`);
}

export function installSecondaryHooks(nsr: NsrState, rep: Rep): void {
  const conn = rep.conn;
  assert(
    rep.role === 'secondary' && !rep.iha.active && nsr.rep(rep.handle) === rep,
    () => `installSecondaryHooks: ${rep.session} is not a fresh secondary`,
  );
  assert(unhooked(conn), () => `installSecondaryHooks: ${rep.session} is hooked already`);
  conn.replica = true;
  conn.widenWindowToAdv = nsr.is('tcp-replica-window-from-rcv-adv');
  conn.rcvSpacePolicy = (c) => rep.prl.inputSpace ?? c.so_rcv.sbspace();
  // S-4: the backup application read its receive snoop buffer: tell the primary.
  conn.soreceiveHook = () => {
    // Installed on a secondary and removed before a failover makes it the primary.
    assert(rep.role === 'secondary', () => `soreceive hook of ${rep.session}, a primary`);
    if (!rep.iha.active) return;
    const msg: PsrmWindowRequest = { type: 'psrm.window-update', handle: rep.handle };
    nsr.kernel.post(nsr.ids.psrm, msg, nsr.costs.sdrlNs);
  };
}

export function removeHooks(rep: Rep): void {
  const conn = rep.conn;
  conn.rcvSpacePolicy = undefined;
  conn.sndLimit = undefined;
  conn.sosendHook = undefined;
  conn.soreceiveHook = undefined;
  if (sizeHooked(conn.so_rcv)) unhookSize(conn.so_rcv);
  if (sizeHooked(conn.so_snd)) unhookSize(conn.so_snd);
  // onRcvAppend stays: the socket's delivered stream is still what the checkers compare.
  assert(unhooked(conn) && conn.onRcvAppend !== undefined, 'removeHooks: a hook is left');
}
