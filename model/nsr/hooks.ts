// Where replication meets the socket and TCP layers: the hooks a replicated socket's
// TcpConnection carries, installed by IHA when replication starts and removed when it
// ends. They are the simulator's rendering of the kernel changes the designs ask for:
// L4 keyed off common_rcvbufspc instead of sbspace (P-10), sosend replicating before
// transmit (S-1, S-2), soreceive on the secondary triggering window updates (S-4), and a
// secondary socket that never transmits and runs no timers until failover (M-4).
import { assert } from '../../sim/index.ts';
import type { TcpConnection } from '../tcp/tcp.ts';
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

/** No replication hook is installed: a socket gets one set, and loses it before the next. */
function unhooked(conn: TcpConnection): boolean {
  return (
    conn.rcvSpacePolicy === undefined &&
    conn.sndLimit === undefined &&
    conn.sosendHook === undefined &&
    conn.soreceiveHook === undefined
  );
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
  // onRcvAppend stays: the socket's delivered stream is still what the checkers compare.
  assert(unhooked(conn) && conn.onRcvAppend !== undefined, 'removeHooks: a hook is left');
}
