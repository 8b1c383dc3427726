// What the four KKCM clients (IHA, SDRL, PSRM, PRL) share: registration with KKCM (K-3:
// each registers in its init routine, which KKCM's thread calls once the channels are up,
// K-9, and unregisters at the end of its cleanup handler, seed 002 §7.1, K-13), one
// switch over the messages KKCM hands them (whole messages, periodic, cleanup, init), and
// the replication-error path to IHA (I-6). KKCM looks a client up in the registration
// table when it dispatches (kkcm.ts): a message for a client not registered then is
// refused there (kkcm.no-client). A handler KKCM already called runs to its end, even if
// its modelled run time (the interrupt path, K-10) outlasts a cleanup.
import { assert, type Actor, type ActorContext, type Message } from '../../sim/index.ts';
import type { ClientMessage, CleanupReason, NsrState, Rep } from './state.ts';
import { clientOf, type AckReason, type IpcClient, type NsrMessage } from './wire.ts';
import { K } from '../vocab.ts';

/** A replication error posted to IHA, which cleans up the socket (I-6). */
export interface IhaPostError extends Message {
  readonly type: 'iha.post-error';
  readonly handle: number;
  readonly reason: string;
  /** What to do with packets PRL still holds for the socket (P-4, P-7). */
  readonly queued: 'push' | 'drop';
}

export abstract class NsrClient<M extends Message> implements Actor<ClientMessage | M> {
  protected ctx!: ActorContext;

  constructor(
    readonly client: IpcClient,
    protected readonly state: () => NsrState,
  ) {}

  get nsr(): NsrState {
    return this.state();
  }

  start(ctx: ActorContext): void {
    this.ctx = ctx;
    // A fresh RE incarnation (a fresh NsrState): registration waits for the first init.
    assert(!this.nsr.clients.has(this.client), () => `${this.client}: registered before init`);
    this.reset();
  }

  /** Forget volatile state (start and restart). */
  protected abstract reset(): void;
  protected abstract onMessage(msg: NsrMessage): void;
  protected abstract onMalformed(handle: number | undefined, error: string): void;
  protected abstract onLocal(msg: M): void;
  protected onInit(): void {}
  protected onPeriodic(): void {}
  protected onCleanup(_reason: CleanupReason): void {}

  receive(msg: ClientMessage | M): void {
    switch (msg.type) {
      case 'nsr.deliver': {
        const m = (msg as ClientMessage & { type: 'nsr.deliver' }).msg;
        // Paired with KKCM's dispatch, which hands each message to the client owning its type.
        assert(clientOf(m.t) === this.client, () => `${this.client} was handed ${m.t}`);
        this.onMessage(m);
        return;
      }
      case 'nsr.malformed': {
        const m = msg as ClientMessage & { type: 'nsr.malformed' };
        assert(m.client === this.client, () => `${this.client} was handed ${m.client}'s NACK case`);
        assert(m.error.length > 0, () => `${this.client}: a malformed message without an error`);
        this.onMalformed(m.handle, m.error);
        return;
      }
      case 'nsr.periodic':
        this.onPeriodic();
        return;
      case 'nsr.cleanup':
        this.onCleanup((msg as ClientMessage & { type: 'nsr.cleanup' }).reason);
        // Seed 002 §7.1: "Then unregister this module with KKCM."
        this.nsr.unregister(this.client);
        return;
      case 'nsr.init': {
        // K-9, seed 002 §7.1: the init routine registers the client. KKCM sends each
        // cleanup after the init it follows (FIFO), so a client is never registered twice.
        const err = this.nsr.register(this.client, this.ctx.id);
        assert(err === undefined, () => `${this.client}: KKCM registration failed: ${err}`);
        this.onInit();
        return;
      }
      default:
        this.onLocal(msg as M);
    }
  }

  /**
   * K-4 send; a failure is itself a replication error for the socket. `waitOk`: sent from
   * a context that may block (K-12; which messages, options.ts kkcmSend).
   */
  protected send(msg: NsrMessage, rep?: Rep, waitOk = false): boolean {
    // Each client sends only its own message types (the receiving client asserts the same).
    assert(clientOf(msg.t) === this.client, () => `${this.client} sends ${msg.t}`);
    // A message about a socket names the receiver's handle for it (I-2), except the mirror,
    // which introduces the primary's own handle to the other RE (I-1).
    assert(
      rep === undefined || msg.handle === (msg.t === 'iha.mirror' ? rep.handle : rep.peerHandle),
      () => `${this.client}: ${msg.t} for ${rep?.session} names handle ${msg.handle}`,
    );
    const err = this.nsr.kkcm.send(this.ctx, msg, waitOk);
    if (err === undefined) return true;
    this.ctx.trace(K.nsr.sendFailed[this.client], { t: msg.t, handle: msg.handle, error: err });
    if (rep !== undefined) this.postError(rep, `send failed: ${err}`, 'push');
    return false;
  }

  protected postError(rep: Rep, reason: string, queued: 'push' | 'drop'): void {
    // Paired with IHA, which asserts a handle and a reason: the error is about a socket in
    // the table now (it may be gone by the time IHA handles it, which IHA checks).
    assert(this.nsr.rep(rep.handle) === rep, () => `postError: ${rep.session} is not in the table`);
    assert(reason.length > 0, () => `postError: no reason for ${rep.session}`);
    this.ctx.trace(K.nsr.replicationError, {
      session: rep.session,
      handle: rep.handle,
      by: this.client,
      reason,
    });
    this.ctx.send(
      this.nsr.ids.iha,
      { type: 'iha.post-error', handle: rep.handle, reason, queued } satisfies IhaPostError,
      this.nsr.costs.ihaNs,
    );
  }

  /**
   * The rep a message from the other RE names. It names our handle, except a NACK
   * invalid-handle, which names the other RE's own (it did not know ours, I-2): `whoseFor`.
   * A message too malformed to say which is looked up both ways. The two REs number their
   * handles independently, so trying the other way for a message that names ours would
   * find an unrelated socket (a late ACK of a socket already gone tore down another one's
   * replication as an ACK mismatch).
   */
  protected lookup(handle: number, names: 'ours' | 'theirs' | 'either'): Rep | undefined {
    const r = names === 'theirs' ? undefined : this.nsr.rep(handle);
    if (r !== undefined || names === 'ours') return r;
    for (const x of this.nsr.reps.values()) if (x.peerHandle === handle) return x;
    return undefined;
  }

  /** Why a message for `rep` in `role` is refused, or undefined: an active socket in that role. */
  protected ackReasonFor(
    rep: Rep | undefined,
    role: 'primary' | 'secondary',
  ): AckReason | undefined {
    if (rep === undefined) return 'invalidHandle';
    if (rep.role !== role || !rep.iha.active) return 'notReplicating';
    assert(!rep.iha.failingOver, () => `${rep.session}: active while failing over`);
    return undefined;
  }
}

/** Whose handle an ACK or NACK names (lookup): the other RE's own only in a NACK invalid-handle. */
export function whoseFor(reason: AckReason): 'ours' | 'theirs' {
  return reason === 'invalidHandle' ? 'theirs' : 'ours';
}
