// The speaker's output: whole messages waiting for room in so_snd, written in order, the
// head possibly in part. It counts the stream offset written so far and the UPDATEs
// completed, and can show the written part of the head: what an NSR sync point reports
// (SPEC S-1: the backup continues the stream from exactly there).
import type { MsgKind } from './defs.ts';

/** Bound on messages queued; the speaker produces lazily, so a handful is the norm. */
export const OUT_QUEUE_MESSAGES_MAX = 64;

interface Pending {
  bytes: Uint8Array;
  kind: MsgKind;
  /** Octets of it already written (by this instance, or by the master before a takeover). */
  pos: number;
}

export class OutQueue {
  private readonly q: Pending[] = [];
  /** Stream offset: octets of this connection accepted by the socket. */
  written = 0;

  get empty(): boolean {
    return this.q.length === 0;
  }

  get length(): number {
    return this.q.length;
  }

  /** Queues a message; `pos` > 0 when its first octets were written by a predecessor. */
  push(bytes: Uint8Array, kind: MsgKind, pos = 0): void {
    if (this.q.length >= OUT_QUEUE_MESSAGES_MAX)
      throw new Error(`bgp out queue: more than ${OUT_QUEUE_MESSAGES_MAX} messages`);
    if (pos < 0 || pos >= bytes.length) throw new Error(`bgp out queue: pos ${pos}`);
    this.q.push({ bytes, kind, pos });
  }

  /** Writes as much as the socket takes; calls `done` for each message completed. */
  flush(write: (b: Uint8Array) => number, done: (kind: MsgKind, bytes: Uint8Array) => void): void {
    for (;;) {
      const head = this.q[0];
      if (head === undefined) return;
      const n = write(head.bytes.subarray(head.pos));
      if (!Number.isInteger(n) || n < 0 || n > head.bytes.length - head.pos)
        throw new Error(`bgp out queue: write accepted ${n}`);
      head.pos += n;
      this.written += n;
      if (head.pos < head.bytes.length) return;
      this.q.shift();
      done(head.kind, head.bytes);
    }
  }

  /** The written part of a message begun but not finished (empty if none). */
  headPartial(): Uint8Array {
    const head = this.q[0];
    return head === undefined || head.pos === 0 ? new Uint8Array(0) : head.bytes.slice(0, head.pos);
  }

  /** Drops every message not yet begun (a NOTIFICATION must follow a whole message). */
  dropUnstarted(): number {
    const keep = this.q[0] !== undefined && this.q[0].pos > 0 ? 1 : 0;
    const dropped = this.q.length - keep;
    this.q.length = keep;
    return dropped;
  }

  clear(): void {
    this.q.length = 0;
    this.written = 0;
  }
}
