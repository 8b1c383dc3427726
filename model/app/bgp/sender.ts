// The output side of the BGP speaker: messages queued for the socket (outq.ts), written as
// far as so_snd takes them, and what is produced whenever the queue runs empty: the
// initial table, End-of-RIB, then churn events (table.ts), one UPDATE at a time, so that
// little is ever queued that the socket has not taken (an NSR takeover loses only that).
// KEEPALIVE and UPDATE restart the keepalive timer (RFC 4271 §8.2.2); a KEEPALIVE is not
// queued behind a message that has not gone yet (that message will reset the peer's hold
// timer itself). Churn arrives as a Poisson process drawn from io.rng.
import { SEC } from '../../../sim/index.ts';
import type { Conn } from './conn.ts';
import type { MsgKind } from './defs.ts';
import { BGP_KIND } from './kinds.ts';
import { KEEPALIVE } from './message.ts';
import type { BgpSpeaker } from './speaker.ts';
import { updateSummary } from './summary.ts';
import { pushBounded } from './stats.ts';

export class Sender {
  /** Snoop mode: the keepalive interval ran out; takeover() sends one at once. */
  keepaliveDue = false;

  constructor(private readonly sp: BgpSpeaker) {}

  /** Queues a message, counts and traces it; KEEPALIVE and UPDATE restart the keepalive timer (RFC 4271 §8.2.2). */
  enqueue(
    c: Conn,
    bytes: Uint8Array,
    kind: MsgKind,
    summary: Record<string, unknown>,
    pos = 0,
  ): void {
    c.out.push(bytes, kind, pos);
    this.sp.counters.sent[kind]++;
    this.sp.trace(BGP_KIND.tx, { msg: kind, len: bytes.length, ...summary });
    if ((kind === 'keepalive' || kind === 'update') && c.session !== undefined)
      this.armKeepalive(c);
  }

  /** Writes what so_snd takes, producing the next UPDATE whenever the queue empties. */
  pump(): void {
    const c = this.sp.connection;
    if (c === undefined || this.sp.mode !== 'active') return;
    for (;;) {
      c.out.flush(
        (b) => this.sp.io.write(b),
        (kind) => this.written(c, kind),
      );
      if (!c.out.empty) return;
      if (c.closing) {
        this.sp.closeNow();
        return;
      }
      if (this.sp.state !== 'Established' || !this.produceNext(c)) return;
    }
  }

  private written(c: Conn, kind: MsgKind): void {
    if (kind === 'open') c.openWritten = true;
    else if (kind === 'keepalive' && c.openWritten) c.keepaliveWritten = true;
    else if (kind === 'update') c.updatesWritten++;
  }

  /** The initial table, then End-of-RIB, then churn: UPDATE number c.updatesOut of the plan. */
  private produceNext(c: Conn): boolean {
    const s = c.session;
    if (s === undefined) return false;
    if (c.updatesOut > s.plan.initialCount) {
      if (c.churnPending === 0) return false;
      c.churnPending--;
    }
    const n = c.updatesOut++;
    const u = s.plan.update(n);
    this.enqueue(c, s.plan.encoded(n), 'update', updateSummary(u));
    if (s.plan.isEor(n)) {
      pushBounded(this.sp.counters.eorSentNs, this.sp.io.now());
      this.sp.trace(BGP_KIND.eorSent, { updates: n });
    }
    return true;
  }

  /** A KEEPALIVE unless a message is already waiting (it will do the same job). */
  sendKeepalive(c: Conn): void {
    if (c.out.empty) this.enqueue(c, KEEPALIVE.slice(), 'keepalive', {});
    else this.armKeepalive(c);
    this.pump();
  }

  churnTick(): void {
    const c = this.sp.connection;
    if (c === undefined || this.sp.state !== 'Established' || this.sp.mode !== 'active') return;
    c.churnPending++;
    this.pump();
    this.armChurn();
  }

  armChurn(): void {
    const t = this.sp.cfg.table;
    if (t.churnPerSec <= 0 || t.prefixCount === 0) return;
    this.sp.arm('churn', Math.max(1, this.sp.io.rng.exponentialInt(SEC / t.churnPerSec)));
  }

  armKeepalive(c: Conn): void {
    const ns = c.session?.keepaliveNs ?? 0;
    if (ns > 0) this.sp.arm('keepalive', this.sp.jitter(ns));
    this.keepaliveDue = false;
  }
}
