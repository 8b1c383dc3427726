// PRL's socket state (Rep.prl, NsrState.prl) and the operations on it: the queue of
// replicated, not yet ACKed packets (P-3, P-8, P-9), L4 input judged against
// common_rcvbufspc (P-10), what the primary learns of the secondary's space (P-10, M-3),
// and releasing a socket's packets (P-4, P-7, I-6). PRL is the only writer of this state:
// the PRL actor (prl.ts) and the named functions here, which IHA (prlRelease) and PSRM
// (prlWindowUpdate, prlSecondarySpace) call instead of writing it themselves.
import { assert, assertInt } from '../../sim/index.ts';
import { seqGt, seqLeq, type Segment } from '../net/segment.ts';
import { K } from '../vocab.ts';
import type { NsrState, PrlEntry, Rep } from './state.ts';

/** What traces a PRL record: an actor context, or a wrapper adding fields. */
export interface PrlTracer {
  trace(kind: string, fields?: Record<string, unknown>): number;
}

/**
 * Which path handed the packet to L4: the primary on the secondary's ACK (P-3), the
 * secondary on a replicate (P-5), a release of the queue (P-4, P-7, I-6), or straight
 * up (a socket not replicated, a failed send, or a mutant).
 */
export type L4Via = 'ack' | 'replicate' | 'release' | 'direct';

/** How a packet reaches L4: its PRL sequence number (-1: never replicated) and judgement. */
export interface L4Input {
  readonly via: L4Via;
  /** PRL sequence number, or -1 for a packet that was never replicated. */
  readonly seq: number;
  /** Arrival index from the peer (G-4), or -1 when unknown. */
  readonly arrival: number;
  /** common_rcvbufspc the packet is judged against (P-10); undefined: the socket's own space. */
  readonly space: number | undefined;
}

/**
 * What one L4 input left in the socket: the bytes TCP appended to so_rcv and the receive-
 * side tcpcb fields P-13 wants both sockets to share. The rcvbufspc-agree (P-10) and
 * tcp-follower (P-13) checkers compare the two sides packet by packet through
 * NsrState.l4Done; nothing of it is traced.
 */
export interface L4Result {
  readonly appended: number;
  readonly rcv_nxt: number;
  readonly rcv_wnd: number;
  readonly rcv_up: number;
  readonly snd_una: number;
  readonly snd_wnd: number;
  readonly snd_wl1: number;
  readonly snd_wl2: number;
  readonly max_sndwnd: number;
  readonly segqBytes: number;
  readonly state: string;
}

/** Names one replication pair the same on both REs: the primary's RE and handle. */
export function pairOf(nsr: NsrState, rep: Rep): string {
  return rep.role === 'primary'
    ? `re${nsr.reIndex}#${rep.handle}`
    : `re${1 - nsr.reIndex}#${rep.peerHandle}`;
}

/** The primary's RE and handle a pair name (pairOf) stands for; undefined if it is not one. */
export function parsePair(pair: string): { re: 0 | 1; handle: number } | undefined {
  const hash = pair.indexOf('#');
  const re = pair.slice(0, hash);
  const handle = Number(pair.slice(hash + 1));
  if (hash < 0 || !Number.isSafeInteger(handle)) return undefined;
  return re === 're0' ? { re: 0, handle } : re === 're1' ? { re: 1, handle } : undefined;
}

/** Appends a replicated packet to the socket's queue (and the global one, P-9). */
export function prlEnqueue(nsr: NsrState, rep: Rep, entry: PrlEntry): void {
  const q = rep.prl;
  const tail = q.queue[q.queue.length - 1];
  assert(rep.role === 'primary', () => `prlEnqueue: ${rep.session} is not a primary`);
  assert(
    tail === undefined || seqGt(entry.seq, tail.seq),
    () => `prlEnqueue: ${rep.session} seq ${entry.seq} after ${tail?.seq}`,
  );
  assertInt(entry.bytes, 0, 0xffff, 'PRL entry bytes');
  assert(
    entry.bytes === entry.seg.payload.length && entry.arrival >= 1,
    () =>
      `prlEnqueue: ${rep.session} seq ${entry.seq}: ${entry.bytes} bytes, arrival ${entry.arrival}`,
  );
  q.queue.push(entry);
  if (nsr.opts.prlQueue === 'global') nsr.prl.globalQueue.push({ handle: rep.handle, entry });
  q.queuedBytes += entry.bytes;
  nsr.prl.bufferedBytes += entry.bytes;
  checkQueue(nsr, rep);
}

/** Removes the head of the socket's queue. */
export function prlShift(nsr: NsrState, rep: Rep): PrlEntry | undefined {
  const q = rep.prl;
  assert(rep.role === 'primary', () => `prlShift: ${rep.session} is not a primary`);
  const e = q.queue.shift();
  if (e === undefined) return undefined;
  if (nsr.opts.prlQueue === 'global') {
    const g = nsr.prl.globalQueue.shift();
    assert(
      g !== undefined && g.entry === e,
      () => `prlShift: the global queue's head is not ${rep.session}'s`,
    );
  }
  q.queuedBytes -= e.bytes;
  nsr.prl.bufferedBytes -= e.bytes;
  checkQueue(nsr, rep);
  return e;
}

/** The head of the socket's queue; with one global queue, only if it is this socket's. */
export function prlHead(nsr: NsrState, rep: Rep): PrlEntry | undefined {
  if (nsr.opts.prlQueue === 'global') {
    const g = nsr.prl.globalQueue[0];
    const mine = g !== undefined && g.handle === rep.handle ? g.entry : undefined;
    // The global queue keeps each socket's packets in its own order: its head, if this
    // socket's, is the socket queue's head too.
    assert(
      mine === undefined || mine === rep.prl.queue[0],
      () => `prlHead: the global head of ${rep.session} is not its own queue's head`,
    );
    return mine;
  }
  return rep.prl.queue[0];
}

/** The cached sums agree with the queues (full recount while the queue is short). */
function checkQueue(nsr: NsrState, rep: Rep): void {
  const q = rep.prl;
  assert(
    q.queuedBytes >= 0 && nsr.prl.bufferedBytes >= q.queuedBytes,
    () =>
      `PRL byte counts of ${rep.session}: ${q.queuedBytes} queued, ${nsr.prl.bufferedBytes} buffered`,
  );
  assert(
    q.queue.length > 0 || q.queuedBytes === 0,
    () => `PRL queue of ${rep.session} is empty but counts ${q.queuedBytes} bytes`,
  );
  // One global queue holds every socket's packets; per-inpcb mode leaves it empty.
  const g = nsr.prl.globalQueue.length;
  assert(
    nsr.opts.prlQueue === 'global' ? g >= q.queue.length : g === 0,
    () =>
      `PRL global queue of ${g} with ${q.queue.length} of ${rep.session}'s (${nsr.opts.prlQueue})`,
  );
  if (q.queue.length <= 16) {
    let sum = 0;
    for (const e of q.queue) sum += e.bytes;
    assert(
      sum === q.queuedBytes,
      () => `PRL queue of ${rep.session} holds ${sum} bytes, counted ${q.queuedBytes}`,
    );
  }
}

/**
 * L4 input of a packet PRL let through, judged against `input.space` (common_rcvbufspc,
 * P-10) when given. Returns the bytes TCP appended to so_rcv. Traced for G-4/P-10.
 */
export function prlL4(
  nsr: NsrState,
  tr: PrlTracer,
  rep: Rep,
  seg: Segment,
  input: L4Input,
): number {
  const before = rep.rcv.appended;
  const { seq, arrival, space } = input;
  // L4 input of one socket is never re-entered: TCP hands work on through messages.
  assert(rep.prl.inputSpace === undefined, () => `prlL4: ${rep.session} re-entered`);
  assert(
    space === undefined || Number.isSafeInteger(space),
    () => `prlL4: ${rep.session} judged against ${space}`,
  );
  rep.prl.inputSpace = space;
  tr.trace(K.prl.l4, {
    handle: rep.handle,
    pair: pairOf(nsr, rep),
    replicated: rep.iha.active,
    session: rep.session,
    role: rep.role,
    seq,
    arrival,
    tcpSeq: seg.seq,
    len: seg.payload.length,
    ...(space === undefined ? {} : { space }),
  });
  try {
    rep.conn.input(seg);
  } finally {
    rep.prl.inputSpace = undefined;
  }
  const appended = rep.rcv.appended - before;
  if (!nsr.l4Done.empty) nsr.l4Done.publish(rep, input, resultOf(rep, appended));
  // Bytes drained from t_segq when this packet fills a hole count too, so the packet's own
  // length is no bound; a negative count would mean the tap ran backwards.
  assert(appended >= 0, () => `prlL4: ${rep.session} appended ${appended} bytes`);
  return appended;
}

function resultOf(rep: Rep, appended: number): L4Result {
  const c = rep.conn;
  return {
    appended,
    rcv_nxt: c.rcv_nxt,
    rcv_wnd: c.rcv_wnd,
    rcv_up: c.rcv_up,
    snd_una: c.snd_una,
    snd_wnd: c.snd_wnd,
    snd_wl1: c.snd_wl1,
    snd_wl2: c.snd_wl2,
    max_sndwnd: c.max_sndwnd,
    segqBytes: c.t_segq.bytes,
    state: c.t_state,
  };
}

/** A packet for a handle no longer replicated goes to the stack as usual (traced). */
export function prlL4Unreplicated(
  nsr: NsrState,
  tr: PrlTracer,
  handle: number,
  seg: Segment,
): void {
  // Only for a handle that is gone (fromL3 found no socket for it).
  assert(nsr.rep(handle) === undefined, () => `prlL4Unreplicated: handle ${handle} is replicated`);
  tr.trace(K.prl.l4, { handle, seq: -1, role: 'none', len: seg.payload.length });
  nsr.l4Fallback(seg);
}

/**
 * Empties a socket's PRL queue (and pending packets) into L4 or drops them (P-4, P-7,
 * cleanup). IHA calls it when it cleans a socket up (I-6).
 */
export function prlRelease(nsr: NsrState, tr: PrlTracer, rep: Rep, mode: 'push' | 'drop'): void {
  const q = rep.prl;
  // Only a primary queues or holds (P-1, P-3); IHA and PRL release only primaries.
  assert(rep.role === 'primary', () => `prlRelease: ${rep.session} is a ${rep.role}`);
  const entries = q.queue;
  q.queue = [];
  nsr.prl.bufferedBytes -= q.queuedBytes;
  q.queuedBytes = 0;
  const g = nsr.prl.globalQueue;
  for (let i = g.length - 1; i >= 0; i--) if (g[i]?.handle === rep.handle) g.splice(i, 1);
  const held = q.pending;
  q.pending = [];
  assert(
    nsr.prl.bufferedBytes >= 0,
    () => `prlRelease: PRL buffer count went negative (${nsr.prl.bufferedBytes})`,
  );
  checkQueue(nsr, rep);
  tr.trace(K.prl.release, {
    session: rep.session,
    mode,
    queued: entries.length,
    pending: held.length,
  });
  if (mode === 'drop') {
    for (const e of entries) {
      tr.trace(K.prl.drop, {
        session: rep.session,
        pair: pairOf(nsr, rep),
        reason: 'release',
        seq: e.seq,
        len: e.bytes,
      });
    }
    return;
  }
  // Queued packets came from the peer before the held ones only if set-up never finished;
  // otherwise pending is empty. Either way each list is in arrival order.
  // Mutant: the loop walks the queue from its tail (a swapped loop).
  if (nsr.is('prl-release-reversed')) entries.reverse();
  for (const e of entries)
    prlL4(nsr, tr, rep, e.seg, {
      via: 'release',
      seq: e.seq,
      arrival: e.arrival,
      space: undefined,
    });
  for (const p of held)
    prlL4(nsr, tr, rep, p.seg, { via: 'release', seq: -1, arrival: p.arrival, space: undefined });
  // L4 input queues nothing new for the socket: arrivals are later PRL events.
  assert(
    q.queue.length === 0 && q.pending.length === 0,
    () => `prlRelease: ${rep.session} holds packets again`,
  );
}

/**
 * What the ACK for packet `seq` tells of the secondary's own free space. The ACK
 * carries common = min(primary's reported space, secondary's space): when it is below
 * what the primary reported, the secondary was the limit and its space is known
 * exactly; when equal, the secondary had at least that much, so a larger estimate
 * already held is kept. (Taken literally, "the primary stores the common value" shuts
 * the window for good once the *primary's* application was the slow reader: the
 * secondary then has no reason to send a flow-control message, and only the peer's
 * persist probe reopens it. The simulator keeps the better lower bound.) A window
 * update sent after the secondary had processed `seq` is newer and wins.
 */
export function prlLearnSecSpace(
  rep: Rep,
  seq: number,
  common: number,
  reportedPrimary: number,
  appended: number,
): void {
  const q = rep.prl;
  assert(rep.role === 'primary', () => `prlLearnSecSpace: ${rep.session} is not a primary`);
  assert(appended >= 0, () => `prlLearnSecSpace: ${rep.session} appended ${appended}`);
  if (q.windowSeq >= 0 && seqLeq(seq, q.windowSeq)) {
    q.secSpace = Math.max(0, q.secSpace - appended);
    return;
  }
  const exact = common < reportedPrimary;
  q.secSpace = Math.max(0, (exact ? common : Math.max(common, q.secSpace)) - appended);
}

/** PSRM's window update (P-10, M-3): the secondary's space after processing PRL seq `seq`. */
export function prlWindowUpdate(rep: Rep, space: number, seq: number): number {
  assert(rep.role === 'primary', () => `prlWindowUpdate: ${rep.session} is not a primary`);
  assertInt(space, 0, 0xffff_ffff, 'window update space');
  const q = rep.prl;
  q.secSpace = space;
  q.windowSeq = seq;
  q.common_rcvbufspc = Math.min(rep.conn.so_rcv.sbspace(), space);
  assert(
    q.common_rcvbufspc <= space && Number.isSafeInteger(q.common_rcvbufspc),
    () => `prlWindowUpdate: ${rep.session} common ${q.common_rcvbufspc}, space ${space}`,
  );
  return q.common_rcvbufspc;
}

/** PSRM's initial sync (M-1): the secondary's free space in its ACK. */
export function prlSecondarySpace(rep: Rep, space: number): void {
  assertInt(space, 0, 0xffff_ffff, 'PSRM ACK space');
  // PSRM passes the space of its own ACK, for a primary it is setting up (M-1).
  assert(
    rep.role === 'primary' && rep.iha.setupInProgress,
    () => `prlSecondarySpace: ${rep.session} is not a primary in set-up`,
  );
  rep.prl.secSpace = space;
}
