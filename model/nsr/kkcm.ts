// KKCM, the kernel-to-kernel communication module (SPEC K-1 … K-11, seed 002).
//
// Two channels between the REs, each a real TCP connection of the model's own TCP over
// the inter-RE link: the send-side channel carries IHA, SDRL and PSRM, the receive-side
// channel carries PRL (K-1; one channel or per-handle balancing are design options).
// RE0 listens and RE1 connects (K-2); connecting while the other RE is offline fails at
// once (the TNP ARP EHOSTUNREACH of seed 002), so the thread just sleeps until the
// chassis says the other RE is up. Clients register a message, periodic and cleanup
// handler (K-3); a client hands KKCM a whole message, which is queued and written by the
// KKCM thread at a modelled per-message cost (K-4); received bytes are reassembled into
// whole messages before a client sees them, and a framing error resets the channels with
// cleanup reason IO_ERR (K-5). A periodic timer drives the clients' periodic handlers
// (K-6). Cleanup stops the timer, calls every client's cleanup with the reason and
// closes both connections (K-7); a trigger from outside the thread cleans up at once or at
// the thread's next wake-up (K-13 option); clients unregister in their cleanup and
// register again in their init routine (K-3, client.ts). Every message in and out is traced (K-8). NSR
// configure starts the thread, which initializes IHA, SDRL, PSRM and PRL once both
// channels are up (K-9). Processing context is an option (K-10), encoding too (K-11).
//
// Simplified: the "thread" is this actor; its wake-up is one context-switch delay per
// batch of work; sosend never blocks (a channel whose so_snd is full keeps the rest of
// the queue until the socket is writable again). One wake-up serves the input and the
// output pending (seed 002 §7 thread loop, steps 4-5): a socket upcall marks its channel
// readable and wakes the thread unless it is already woken, and a writable upcall wakes
// it only when output waits (the thread sleeps on so_snd only then; issue 18 item 3).
import {
  assert,
  assertInt,
  Fifo,
  unreachable,
  type Actor,
  type ActorContext,
  type ActorId,
} from '../../sim/index.ts';
import { ByteQueue } from '../net/bytes.ts';
import type { TcpConnection } from '../tcp/tcp.ts';
import type { CleanupReason, ClientMessage, NsrState } from './state.ts';
import {
  IPC_HEADER_BYTES,
  IPC_MESSAGE_MAX,
  clientOf,
  decodeMessage,
  encodeMessage,
  peekLength,
  type IpcClient,
  type NsrMessage,
} from './wire.ts';
import { K } from '../vocab.ts';

export const KKCM_PORTS = { send: 7001, recv: 7002 } as const;
export type Channel = keyof typeof KKCM_PORTS;

/** One RE's KKCM over a run (K-8): messages and bytes each way, channel errors, cleanups. */
export interface KkcmCounters {
  /** Messages handed to a channel (queued or written). */
  tx: number;
  /** Messages taken from a channel and dispatched to their client. */
  rx: number;
  txBytes: number;
  rxBytes: number;
  /** I/O errors (K-7): injected, a framing error, a malformed message naming no client. */
  ioErrors: number;
  /** Cleanups of the channels, whatever the reason (K-7, K-13). */
  cleanups: number;
}
const CHANNELS: readonly Channel[] = ['send', 'recv'];

export type KkcmMessage =
  | { readonly type: 'kkcm.configure'; readonly on: boolean }
  | { readonly type: 'kkcm.ore'; readonly up: boolean }
  | { readonly type: 'kkcm.switchover' }
  | { readonly type: 'kkcm.io-error'; readonly detail: string }
  | { readonly type: 'kkcm.wake' }
  | { readonly type: 'kkcm.periodic' }
  | { readonly type: 'kkcm.reconnect' }
  | { readonly type: 'kkcm.expect-switchover' }
  | {
      readonly type: 'kkcm.channel-closed';
      readonly ch: Channel;
      readonly conn: TcpConnection;
      readonly reason: string;
    };

interface ChannelState {
  conn: TcpConnection | undefined;
  established: boolean;
  out: Fifo<Uint8Array>;
  outPos: number;
  rx: ByteQueue;
  /** Data landed since the thread last read this channel (K-10 'thread'). */
  readable: boolean;
}

const CLIENT_ORDER: readonly IpcClient[] = ['iha', 'sdrl', 'psrm', 'prl'];
/**
 * The channels carry many small messages (ACKs of 24 bytes): like any RPC transport they
 * disable Nagle, or every ACK would wait for the peer's delayed ACK (100 ms).
 */
const CHANNEL_TCP = { nodelay: true } as const;
/** Pause before RE1 connects again after a cleanup (not a backoff: K-2). */
const RECONNECT_PAUSE_NS = 10_000_000;

export class Kkcm implements Actor<KkcmMessage> {
  private ctx!: ActorContext;
  private channels!: Record<Channel, ChannelState>;
  private configured = false;
  private oreUp = false;
  private running = false;
  private awake = false;
  private periodicTimer = -1;
  /** This RE handed its sockets over in a switchover: the channels closing is expected. */
  private switchoverExpected = false;
  /** K-13 'deferred': KKCM is marked for cleanup with this reason (seed 002 §7.2b(6)). */
  private cleanupPending: CleanupReason | undefined;
  /** Messages sent and received over the run, for `nsrsim run` statistics (World.stats). */
  readonly counters: KkcmCounters = {
    tx: 0,
    rx: 0,
    txBytes: 0,
    rxBytes: 0,
    ioErrors: 0,
    cleanups: 0,
  };

  constructor(
    private readonly nsr: () => NsrState,
    private readonly internalStack: () => import('../tcp/tcp.ts').TcpStack,
    private readonly otherAddr: number,
    private readonly initiallyConfigured: boolean,
  ) {
    assertInt(otherAddr, 0, 0xffff_ffff, 'KKCM: address of the other RE');
  }

  start(ctx: ActorContext): void {
    this.ctx = ctx;
    this.channels = { send: emptyChannel(), recv: emptyChannel() };
    this.configured = this.initiallyConfigured;
    this.oreUp = false;
    this.running = false;
    this.awake = false;
    this.periodicTimer = -1;
    this.switchoverExpected = false;
    this.cleanupPending = undefined;
    this.installSender();
    assert(!this.nsr().kkcm.ready, 'KKCM: the sender is ready before the channels are up');
    if (this.nsr().reIndex === 0) this.listen();
  }

  stop(): void {
    this.running = false;
  }

  private get clients(): ReadonlyMap<IpcClient, ActorId> {
    return this.nsr().clients;
  }

  receive(msg: KkcmMessage, ctx: ActorContext): void {
    switch (msg.type) {
      case 'kkcm.configure':
        this.configure(msg.on);
        return;
      case 'kkcm.ore':
        this.ore(msg.up);
        return;
      case 'kkcm.switchover':
        if (this.running || this.anyConn()) this.requestCleanup('SWITCHOVER');
        return;
      case 'kkcm.io-error':
        ctx.trace(K.kkcm.ioError, { detail: msg.detail });
        this.counters.ioErrors++;
        if (this.running || this.anyConn()) this.cleanup('IO_ERR');
        return;
      case 'kkcm.wake':
        this.awake = false;
        if (this.cleanupMarked()) return;
        this.inputMarked();
        this.drain();
        return;
      case 'kkcm.periodic':
        this.periodic();
        return;
      case 'kkcm.reconnect':
        this.tryConnect();
        return;
      case 'kkcm.expect-switchover':
        this.switchoverExpected = true;
        return;
      case 'kkcm.channel-closed':
        if (this.cleanupMarked() || this.channels[msg.ch].conn !== msg.conn) return;
        // The thread reads what landed before it notices the reset (seed 002 §7 step 5;
        // soreceive hands buffered data over before the error).
        this.inputMarked();
        if (this.channels[msg.ch].conn !== msg.conn) return; // a framing error cleaned up
        this.ctx.trace(K.kkcm.channelClosed, { ch: msg.ch, reason: msg.reason });
        this.cleanup(this.switchoverExpected ? 'SWITCHOVER' : this.oreUp ? 'IO_ERR' : 'ORE_DOWN');
        return;
      default:
        unreachable(msg, 'KKCM message');
    }
  }

  // ---- configuration and connection set-up (K-2, K-9) -------------------------------

  private configure(on: boolean): void {
    this.ctx.trace(K.kkcm.configure, { on });
    if (on === this.configured) return;
    this.configured = on;
    if (on) this.tryConnect();
    else this.requestCleanup('NSR_DECONFIG');
    // Deconfigured NSR keeps no channel (K-7, K-9), or only until the marked cleanup (K-13).
    assert(
      on || (!this.running && !this.anyConn()) || this.cleanupPending !== undefined,
      'KKCM: a channel outlived NSR_DECONFIG',
    );
  }

  private ore(up: boolean): void {
    this.ctx.trace(K.kkcm.ore, { up });
    this.oreUp = up;
    if (up) this.tryConnect();
    else if (this.running || this.anyConn()) this.requestCleanup('ORE_DOWN');
    assert(
      up || (!this.running && !this.anyConn()) || this.cleanupPending !== undefined,
      'KKCM: a channel outlived ORE_DOWN',
    );
  }

  private listen(): void {
    assert(this.nsr().reIndex === 0, 'KKCM: only RE0 listens (K-2)');
    const stack = this.internalStack();
    for (const ch of CHANNELS) {
      stack.listen(
        KKCM_PORTS[ch],
        (conn) => {
          if (!this.configured) {
            conn.abort();
            return;
          }
          // RE1 connecting again means it dropped the old channels: so do we.
          if (this.channels[ch].conn !== undefined) this.cleanup('IO_ERR');
          this.bind(ch, conn);
          this.channels[ch].established = true;
          this.channelUp();
        },
        CHANNEL_TCP,
      );
    }
  }

  /** RE1 connects; RE0 only listens. Offline peers fail at once: we wait for 'ore up'. */
  private tryConnect(): void {
    if (!this.configured || !this.oreUp || this.nsr().reIndex !== 1) return;
    const stack = this.internalStack();
    for (const ch of this.usedChannels()) {
      if (this.channels[ch].conn !== undefined) continue;
      const conn = stack.connect(undefined, this.otherAddr, KKCM_PORTS[ch], CHANNEL_TCP);
      this.bind(ch, conn);
      conn.onEstablished = () => {
        // A cleanup unbinds a channel's socket before aborting it: only a bound one gets here.
        assert(this.channels[ch].conn === conn, () => `KKCM ${ch}: a stale socket came up`);
        this.channels[ch].established = true;
        this.channelUp();
      };
    }
    assert(
      this.usedChannels().every((c) => this.channels[c].conn !== undefined),
      'KKCM: RE1 left a channel unconnected',
    );
  }

  private bind(ch: Channel, conn: TcpConnection): void {
    const st = this.channels[ch];
    // One socket per channel: the listener cleans the old one up first, RE1 connects once.
    assert(st.conn === undefined && !st.established, () => `KKCM ${ch}: bound twice`);
    assert(st.out.length === 0, () => `KKCM ${ch}: messages queued for an unbound channel`);
    st.conn = conn;
    conn.onReadable = () => {
      // K-10: in the upcall context the input handler runs right where the data landed;
      // in the thread context the upcall marks the channel and wakes the thread, which
      // reads it at its wake-up (one wake-up serves every channel marked before it).
      if (this.nsr().opts.kkcmContext === 'interrupt') {
        this.input(ch);
        return;
      }
      // Cleanup unhooks a socket's upcalls before it replaces the channel state.
      assert(this.channels[ch].conn === conn, () => `KKCM ${ch}: an upcall of a replaced socket`);
      this.channels[ch].readable = true;
      this.wake();
    };
    // The thread sleeps on so_snd only while output waits for room (seed 002 §7 step 4).
    conn.onWritable = () => {
      if (this.outputQueued()) this.wake();
    };
    // A closed channel is the one upcall handed to the thread as an event of its own (K-10).
    conn.onClosed = (reason) =>
      this.ctx.send(
        this.ctx.id,
        { type: 'kkcm.channel-closed', ch, conn, reason } satisfies KkcmMessage,
        this.wakeCost(),
      );
  }

  private usedChannels(): Channel[] {
    return this.nsr().opts.kkcmChannels === 'one' ? ['send'] : ['send', 'recv'];
  }

  private channelUp(): void {
    if (this.running || !this.usedChannels().every((c) => this.channels[c].established)) return;
    assert(this.configured, 'KKCM came up while NSR is not configured (K-9)');
    // Not running means no periodic timer: cleanup cancelled it, start never armed one.
    assert(this.periodicTimer === -1, 'KKCM came up with a periodic timer armed');
    this.running = true;
    this.ctx.trace(K.kkcm.up, { channels: this.usedChannels() });
    this.periodicTimer = this.ctx.startTimer(this.nsr().timers.kkcmPeriodNs, {
      type: 'kkcm.periodic',
    });
    // K-9: init routines of IHA, SDRL, PSRM, PRL, in that order; each registers its
    // client (seed 002 §7.1), so the thread knows them by name, not by registration. A
    // client still registered now has this KKCM's last cleanup queued ahead of the init.
    for (const c of CLIENT_ORDER) this.ctx.send(this.nsr().ids[c], { type: 'nsr.init' });
  }

  private anyConn(): boolean {
    return CHANNELS.some((c) => this.channels[c].conn !== undefined);
  }

  // ---- output (K-4) ---------------------------------------------------------------

  private installSender(): void {
    const self = this;
    this.nsr().kkcm = {
      get ready() {
        return self.running;
      },
      send(ctx: ActorContext, msg: NsrMessage, waitOk = false): string | undefined {
        return self.enqueue(ctx, msg, waitOk);
      },
    };
    // Clients see KKCM's own state: ready exactly while running (K-9).
    assert(this.nsr().kkcm.ready === this.running, 'KKCM: the sender disagrees with running');
  }

  private channelFor(msg: NsrMessage): Channel {
    const mode = this.nsr().opts.kkcmChannels;
    if (mode === 'one') return 'send';
    if (mode === 'balanced') return (msg.handle & 1) === 0 ? 'send' : 'recv';
    assert(mode === 'two', () => `KKCM: channel mode ${mode}`);
    return clientOf(msg.t) === 'prl' ? 'recv' : 'send';
  }

  /**
   * Queues a whole message; it is consumed whether or not it can be sent (K-4). K-12
   * 'client-context': a sender that may block writes it itself when it can (writeDirect).
   */
  private enqueue(ctx: ActorContext, msg: NsrMessage, waitOk: boolean): string | undefined {
    if (!this.running) return 'ENOTCONN: KKCM channels are down';
    const nsr = this.nsr();
    const ch = this.channelFor(msg);
    const st = this.channels[ch];
    // Running means every channel in use is connected and established (channelUp).
    assert(
      st.conn !== undefined && st.established,
      () => `KKCM: running, but channel ${ch} is not established`,
    );
    // The bound counts whole messages waiting, the head's partly written one included.
    if (st.out.length >= nsr.bounds.kkcmQueueMax) {
      ctx.trace(K.kkcm.queueFull, { ch, t: msg.t, handle: msg.handle });
      return 'ENOBUFS: KKCM output queue full';
    }
    const bytes = encodeMessage(msg, nsr.opts.encoding, nsr.version);
    assert(
      bytes.length >= IPC_HEADER_BYTES + 4,
      () => `KKCM: ${msg.t} encoded to ${bytes.length} bytes`,
    );
    if (waitOk && nsr.opts.kkcmSend === 'client-context' && this.writeDirect(ch, bytes)) {
      ctx.trace(K.kkcm.tx, {
        ch,
        t: msg.t,
        handle: msg.handle,
        len: bytes.length,
        direct: true,
        ...summary(msg),
      });
      this.counters.tx++;
      this.counters.txBytes += bytes.length;
      return undefined;
    }
    st.out.push(bytes);
    assert(st.out.length <= nsr.bounds.kkcmQueueMax, () => `KKCM ${ch}: queue over its bound`);
    ctx.trace(K.kkcm.tx, { ch, t: msg.t, handle: msg.handle, len: bytes.length, ...summary(msg) });
    this.counters.tx++;
    this.counters.txBytes += bytes.length;
    this.wakeFrom(ctx);
    return undefined;
  }

  /**
   * K-12 'client-context', seed 002 §8.2: sosend from the client's own context, no thread
   * wake-up. Only when nothing waits ahead on the channel (a message never overtakes an
   * earlier one, G-8) and so_snd takes the whole message (a blocking sosend would wait;
   * the model's never blocks, so the message falls back to the queue instead).
   */
  private writeDirect(ch: Channel, bytes: Uint8Array): boolean {
    const st = this.channels[ch];
    const conn = st.conn;
    // `writable` is 0 once the connection can no longer send (its FIN is out after a
    // channel error, before KKCM's cleanup ran): the message then waits in the queue too.
    if (conn === undefined || st.out.length > 0 || conn.writable < bytes.length) return false;
    // Nothing is queued, so nothing is half written either (drain's invariant).
    assert(st.outPos === 0, () => `KKCM ${ch}: an empty queue at ${st.outPos}`);
    const n = conn.write(bytes);
    // The connection can send and so_snd had room for all of it: sosend takes it whole.
    assert(n === bytes.length, () => `KKCM ${ch}: sosend took ${n} of ${bytes.length} bytes`);
    return true;
  }

  private wakeCost(): number {
    const nsr = this.nsr();
    const cost =
      nsr.opts.kkcmContext === 'thread' ? nsr.costs.kkcmSwitchNs : nsr.costs.kkcmInterruptNs;
    assertInt(cost, 0, Number.MAX_SAFE_INTEGER, 'KKCM wake-up cost');
    return cost;
  }

  private wakeFrom(ctx: ActorContext): void {
    if (this.awake) return;
    this.awake = true;
    ctx.send(this.ctx.id, { type: 'kkcm.wake' }, this.wakeCost());
  }

  private wake(): void {
    this.wakeFrom(this.ctx);
  }

  private outputQueued(): boolean {
    return this.channels.send.out.length + this.channels.recv.out.length > 0;
  }

  /** The KKCM thread reads the channels data landed on since it last looked. */
  private inputMarked(): void {
    for (const ch of CHANNELS) {
      const st = this.channels[ch];
      if (!st.readable) continue;
      st.readable = false;
      this.input(ch);
    }
  }

  /** The KKCM thread writes queued messages into the channel sockets. */
  private drain(): void {
    const cost = this.nsr().costs.kkcmPerMessageNs;
    let written = 0;
    for (const ch of CHANNELS) {
      const st = this.channels[ch];
      const conn = st.conn;
      if (conn === undefined || !st.established) continue;
      while (st.out.length > 0) {
        const head = st.out.first() as Uint8Array;
        const n = conn.write(st.outPos === 0 ? head : head.subarray(st.outPos));
        st.outPos += n;
        assert(
          n >= 0 && st.outPos <= head.length,
          () => `KKCM ${ch}: wrote ${st.outPos} of ${head.length} bytes`,
        );
        if (st.outPos < head.length) break; // so_snd full: resume on onWritable
        st.out.shift();
        st.outPos = 0;
        written++;
      }
      // Either everything went out, or the head is partly written and waits for room.
      assert(
        st.out.length === 0 ? st.outPos === 0 : st.outPos < (st.out.first() as Uint8Array).length,
        () => `KKCM ${ch}: at ${st.outPos} of a ${st.out.first()?.length}-byte head`,
      );
    }
    // The per-message cost delays the next batch, as a busy thread would.
    if (written > 0 && this.outputQueued() && cost > 0) {
      this.awake = true;
      this.ctx.startTimer(cost * written, { type: 'kkcm.wake' });
    }
  }

  // ---- input (K-5) ----------------------------------------------------------------

  private input(ch: Channel): void {
    // Only channels in use are ever connected (tryConnect), or accepted with data (listen).
    assert(this.usedChannels().includes(ch), () => `KKCM: input on unused channel ${ch}`);
    const st = this.channels[ch];
    const conn = st.conn;
    if (conn === undefined) return;
    const data = conn.read(Number.MAX_SAFE_INTEGER);
    if (data.length === 0) return;
    const rx = st.rx;
    // With nothing left over from the last read, the messages are framed in what was read
    // (a view of so_rcv, or so_rcv's copy), and only an incomplete tail is kept: the bytes
    // are not copied into the receive queue first.
    const direct = rx.len === 0;
    if (!direct) rx.append(data);
    const buf = direct ? data : rx.buf.subarray(0, rx.len);
    let pos = 0;
    const partial = this.nsr().is('kkcm-partial-message-dispatch');
    while (buf.length - pos >= IPC_HEADER_BYTES) {
      const head = peekLength(buf, pos);
      if (!head.ok) {
        this.framingError(ch, head.error);
        return;
      }
      // peekLength accepts only lengths a sender can produce (encodeMessage asserts them).
      assert(
        head.length >= IPC_HEADER_BYTES + 4 && head.length <= IPC_MESSAGE_MAX,
        () => `KKCM ${ch}: framed length ${head.length}`,
      );
      let take = head.length;
      if (buf.length - pos < head.length) {
        if (!partial) break;
        // Mutant: hand the client what has arrived, as if it were the whole message.
        take = buf.length - pos;
      }
      // A view, not a copy: the decoder copies what it keeps (byte fields, strings), and
      // nothing overwrites these bytes until the loop is done (consume, below; a view of
      // so_rcv never changes).
      this.dispatch(ch, buf.subarray(pos, pos + take));
      pos += take;
    }
    assert(pos <= buf.length, () => `KKCM ${ch}: consumed ${pos} of ${buf.length} bytes`);
    // G-8: what is left is less than one whole message (the loop took every whole one).
    assert(
      partial || buf.length - pos < IPC_HEADER_BYTES || incomplete(buf, pos),
      () => `KKCM ${ch}: a whole message left unconsumed at ${pos} of ${buf.length}`,
    );
    // A cleanup during dispatch replaced the channel state: nothing left to keep.
    if (this.channels[ch].rx !== rx) return;
    if (direct) rx.append(buf.subarray(pos));
    else rx.consume(pos);
  }

  private framingError(ch: Channel, error: string): void {
    assert(error.length > 0, () => `KKCM ${ch}: a framing error without a reason`);
    this.counters.ioErrors++;
    this.ctx.trace(K.kkcm.framingError, { ch, error });
    this.cleanup('IO_ERR');
  }

  private dispatch(ch: Channel, bytes: Uint8Array): void {
    const nsr = this.nsr();
    // G-8: only whole messages, as framed (the mutant hands over partial ones).
    assert(
      nsr.is('kkcm-partial-message-dispatch') || bytes.length >= IPC_HEADER_BYTES + 4,
      () => `KKCM ${ch}: dispatching ${bytes.length} bytes`,
    );
    const parsed = decodeMessage(bytes, nsr.version);
    this.counters.rx++;
    this.counters.rxBytes += bytes.length;
    const cost = nsr.opts.kkcmContext === 'thread' ? 0 : nsr.costs.kkcmInterruptNs;
    if (!parsed.ok) {
      this.ctx.trace(K.kkcm.rxMalformed, {
        ch,
        len: bytes.length,
        error: parsed.error,
        handle: parsed.handle ?? -1,
      });
      const client = parsed.type === undefined ? undefined : clientOf(parsed.type);
      if (client === undefined) {
        this.counters.ioErrors++;
        this.cleanup('IO_ERR');
        return;
      }
      const id = this.clients.get(client);
      if (id === undefined) {
        // K-3: the owner is not registered: nobody to NACK it, refused like a message.
        this.ctx.trace(K.kkcm.noClient, { t: parsed.type, handle: parsed.handle ?? -1 });
        return;
      }
      this.ctx.send(
        id,
        {
          type: 'nsr.malformed',
          client,
          handle: parsed.handle,
          error: parsed.error,
        } satisfies ClientMessage,
        cost,
      );
      return;
    }
    const msg = parsed.msg;
    this.ctx.trace(K.kkcm.rx, {
      ch,
      t: msg.t,
      handle: msg.handle,
      len: bytes.length,
      version: parsed.version,
      ...summary(msg),
    });
    const id = this.clients.get(clientOf(msg.t));
    if (id === undefined) {
      // K-3: refused: the client is not registered (no init since its last cleanup).
      this.ctx.trace(K.kkcm.noClient, { t: msg.t, handle: msg.handle });
      return;
    }
    // The receiving client asserts the message is its own (NsrClient.receive): the pair.
    this.ctx.send(id, { type: 'nsr.deliver', msg } satisfies ClientMessage, cost);
  }

  // ---- periodic (K-6) and cleanup (K-7) ------------------------------------------------

  private periodic(): void {
    if (!this.running) return;
    // The periodic timer runs only while KKCM is up; this is the one that just fired.
    assert(this.periodicTimer >= 0, 'KKCM periodic fired with no timer recorded');
    for (const c of CLIENT_ORDER) {
      const id = this.clients.get(c);
      if (id !== undefined) this.ctx.send(id, { type: 'nsr.periodic' } satisfies ClientMessage);
    }
    this.periodicTimer = this.ctx.startTimer(this.nsr().timers.kkcmPeriodNs, {
      type: 'kkcm.periodic',
    });
  }

  /**
   * A cleanup trigger from outside the thread (NSR deconfigured, the other RE offline, a
   * switchover). K-13 'immediate': clean up now. 'deferred' (seed 002 §7.2b(6)): mark KKCM
   * for cleanup and wake the thread, which cleans up at its next wake-up (the first
   * reason marked is the one the clients see); until then the channels stay up.
   */
  private requestCleanup(reason: CleanupReason): void {
    if (this.nsr().opts.kkcmCleanup === 'immediate') {
      this.cleanup(reason);
      return;
    }
    if (this.cleanupPending !== undefined) return;
    this.cleanupPending = reason;
    this.ctx.trace(K.kkcm.cleanupDeferred, { reason });
    this.wake();
    // The thread is awake or about to be: the marked cleanup cannot be forgotten.
    assert(this.awake, 'KKCM: cleanup marked without waking the thread');
  }

  /** The thread woke up: runs a marked cleanup first (§7.2b(6)); true when it did. */
  private cleanupMarked(): boolean {
    const reason = this.cleanupPending;
    if (reason === undefined) return false;
    assert(this.nsr().opts.kkcmCleanup === 'deferred', 'KKCM: cleanup marked while immediate');
    this.cleanup(reason);
    return true;
  }

  /** K-7: stop the timer, clean every client up with the reason, close both channels. */
  cleanup(reason: CleanupReason): void {
    this.cleanupPending = undefined;
    this.switchoverExpected = false;
    this.counters.cleanups++;
    this.ctx.trace(K.kkcm.cleanup, { reason });
    if (this.periodicTimer >= 0) this.ctx.cancelTimer(this.periodicTimer);
    this.periodicTimer = -1;
    const wasRunning = this.running;
    this.running = false;
    // Every client was sent its init when KKCM came up (channelUp), and gets this cleanup
    // after it (FIFO): it registered there and unregisters here (K-3, seed 002 §7.1).
    if (wasRunning)
      for (const c of CLIENT_ORDER)
        this.ctx.send(this.nsr().ids[c], { type: 'nsr.cleanup', reason } satisfies ClientMessage);
    for (const ch of CHANNELS) {
      const conn = this.channels[ch].conn;
      this.channels[ch] = emptyChannel();
      if (conn !== undefined) {
        conn.onClosed = undefined;
        conn.onReadable = undefined;
        conn.onWritable = undefined;
        conn.abort();
      }
    }
    assert(!this.running && !this.anyConn(), 'KKCM cleanup left a channel open (K-7)');
    assert(
      this.periodicTimer === -1 && CHANNELS.every((c) => this.channels[c].out.length === 0),
      'KKCM cleanup left the periodic timer or queued output (K-7)',
    );
    // Back to sleep; the thread connects again once the conditions of K-9 hold (both
    // REs online, NSR configured), after a short pause so the other RE has seen the
    // old connections close.
    if (this.nsr().reIndex === 1)
      this.ctx.startTimer(RECONNECT_PAUSE_NS, { type: 'kkcm.reconnect' });
  }
}

/** True when the bytes at `pos` start a message that has not fully arrived yet. */
function incomplete(buf: Uint8Array, pos: number): boolean {
  const head = peekLength(buf, pos);
  return head.ok && buf.length - pos < head.length;
}

function emptyChannel(): ChannelState {
  return {
    conn: undefined,
    established: false,
    out: new Fifo(),
    outPos: 0,
    rx: new ByteQueue(),
    readable: false,
  };
}

/** A few identifying fields of a message for the trace (never the payload bytes). */
function summary(msg: NsrMessage): Record<string, unknown> {
  switch (msg.t) {
    case 'prl.replicate':
      return { seq: msg.seq, bytes: msg.packet.length };
    case 'prl.ack':
      return { seq: msg.seq, space: msg.space, reason: msg.reason };
    case 'psrm.ack':
      return { space: msg.space, reason: msg.reason };
    case 'psrm.window':
      return { space: msg.space };
    case 'psrm.sockopt':
      return { option: msg.option, value: msg.value };
    case 'sdrl.data':
      return { offset: msg.offset, bytes: msg.data.length };
    case 'sdrl.ack':
      return { offset: msg.offset, reason: msg.reason };
    case 'iha.mirror':
      return { session: msg.session };
    case 'iha.ready':
      return { secondary: msg.secondary, reason: msg.reason };
    case 'iha.start':
      return { secondary: msg.secondary };
    case 'iha.error':
      return { reason: msg.reason };
    case 'psrm.replicate':
    case 'iha.failover':
      return {};
    default:
      return unreachable(msg, 'NSR message');
  }
}
