// SDRL, the socket data replication layer (SPEC S-1 … S-5; the SDRL design is not among
// the seeds, so this follows from PSRM, PRL and KKCM).
//
// Primary: what the application writes is replicated to the secondary, with snd_nxt and
// snd_up (S-2), before TCP may transmit it (S-1: the send limit in hooks.ts opens only
// as the secondary confirms). Secondary: the data is appended to the secondary's so_snd
// (so after takeover it holds every unacknowledged byte and can retransmit it) and to the
// outbound snoop buffer the backup application reads (S-3); snd_max follows (M-2). The
// secondary's so_snd is released when the peer's ACK, replicated by PRL, advances its
// snd_una (S-5, done by TCP input itself). Reads of the receive snoop buffer trigger
// window updates through PSRM (S-4, hooks.ts).
//
// Documented choice: the secondary confirms every data message (sdrl.ack with the new
// end offset); without that confirmation S-1 cannot be known to hold.
import { assert, unreachable } from '../../sim/index.ts';
import { seqAdd } from '../net/segment.ts';
import { NsrClient, whoseFor } from './client.ts';
import type { SdrlWrite } from './hooks.ts';
import { sdrlCheck } from './sdrl-state.ts';
import type { NsrState, Rep } from './state.ts';
import type { NsrMessage } from './wire.ts';
import { K } from '../vocab.ts';

export type SdrlLocal = SdrlWrite | { readonly type: 'sdrl.start'; readonly handle: number };

/** Largest data message SDRL sends (a replicated write is split above this). */
const SDRL_CHUNK_MAX = 16 * 1024;
const U32 = 0x1_0000_0000;

export class Sdrl extends NsrClient<SdrlLocal> {
  constructor(state: () => NsrState) {
    super('sdrl', state);
  }

  protected reset(): void {}

  protected onLocal(msg: SdrlLocal): void {
    switch (msg.type) {
      case 'sdrl.write':
      case 'sdrl.start': {
        // Paired with the write hook and IHA's activation, which name a socket they had.
        assert(msg.handle > 0, () => `${msg.type} for handle ${msg.handle}`);
        const rep = this.nsr.rep(msg.handle);
        if (rep !== undefined && rep.role === 'primary' && rep.iha.active) this.replicate(rep);
        return;
      }
      default:
        unreachable(msg, 'SDRL message');
    }
  }

  /** S-1, S-2: send everything written since the last replicated byte. */
  private replicate(rep: Rep): void {
    // S-1: only an active primary replicates its writes (onLocal checks).
    assert(rep.role === 'primary' && rep.iha.active, () => `SDRL replicates ${rep.session}`);
    const conn = rep.conn;
    sdrlCheck(rep);
    const soStart = rep.sdrl.sndAppended - conn.so_snd.cc;
    while (rep.sdrl.sent < rep.sdrl.sndAppended) {
      const from = rep.sdrl.sent - soStart;
      if (from < 0) {
        // Bytes already acknowledged by the peer before being replicated: only a mutant gets here.
        this.ctx.trace(K.sdrl.gap, { session: rep.session, offset: rep.sdrl.sent, soStart });
        rep.sdrl.sent = rep.sdrl.acked = soStart;
        continue;
      }
      const n = Math.min(SDRL_CHUNK_MAX, rep.sdrl.sndAppended - rep.sdrl.sent);
      const data = conn.so_snd.peek(from, n);
      // [from, from + n) lies in so_snd: sent < sndAppended, and so_snd ends at sndAppended.
      assert(
        n > 0 && data.length === n,
        () => `SDRL: peeked ${data.length} of ${n} bytes at ${from}`,
      );
      const ok = this.send(
        {
          t: 'sdrl.data',
          handle: rep.peerHandle,
          offset: rep.sdrl.sent % U32,
          snd_nxt: conn.snd_nxt,
          snd_up: conn.snd_up,
          urgent: conn.snd_up !== conn.snd_una && ((conn.snd_up - conn.snd_una) | 0) > 0,
          data,
        },
        rep,
        // K-12: the application's sosend, a process context that may block (wait_ok).
        true,
      );
      if (!ok) return;
      rep.sdrl.sent += n;
      sdrlCheck(rep);
      assert(
        rep.sdrl.sent - soStart <= conn.so_snd.cc,
        () => `SDRL: ${rep.session} sent past so_snd`,
      );
      this.ctx.trace(K.sdrl.inflight, {
        session: rep.session,
        offset: rep.sdrl.sent,
        bytes: rep.sdrl.sent - rep.sdrl.acked,
      });
    }
  }

  protected onMessage(msg: NsrMessage): void {
    switch (msg.t) {
      case 'sdrl.data':
        this.onData(msg);
        return;
      case 'sdrl.ack':
        this.onAck(msg);
        return;
      default:
        this.ctx.trace(K.sdrl.unexpected, { t: msg.t });
    }
  }

  /** Secondary: append to so_snd and the outbound snoop buffer, then confirm. */
  private onData(msg: NsrMessage & { t: 'sdrl.data' }): void {
    const rep = this.nsr.rep(msg.handle);
    const bad = this.ackReasonFor(rep, 'secondary');
    if (rep === undefined || bad !== undefined) {
      this.send({
        t: 'sdrl.ack',
        handle: rep?.peerHandle ?? msg.handle,
        offset: msg.offset,
        reason: bad ?? 'invalidHandle',
      });
      return;
    }
    // ackReasonFor passed: an active secondary (the primary's SDRL sends only to those).
    assert(rep.role === 'secondary' && rep.iha.active, () => `SDRL data for ${rep.session}`);
    if (msg.offset !== rep.sdrl.sndAppended % U32) {
      this.ctx.trace(K.sdrl.outOfOrder, {
        session: rep.session,
        offset: msg.offset,
        expected: rep.sdrl.sndAppended % U32,
      });
      this.send(
        { t: 'sdrl.ack', handle: rep.peerHandle, offset: msg.offset, reason: 'failed' },
        rep,
      );
      return;
    }
    const conn = rep.conn;
    const offset = rep.sdrl.sndAppended;
    const cc0 = conn.so_snd.cc;
    conn.so_snd.append(msg.data);
    rep.sdrl.sndAppended += msg.data.length;
    // M-2: the secondary's send state follows the data; everything replicated counts as
    // sent, so the peer's ACKs of it (replicated later by PRL) are acceptable here.
    conn.snd_max = seqAdd(conn.snd_una, conn.so_snd.cc);
    conn.snd_nxt = conn.snd_max;
    if (msg.urgent) conn.snd_up = msg.snd_up;
    rep.sdrl.snoopOut.push(msg.data);
    rep.sdrl.snoopOutBytes += msg.data.length;
    // so_snd and the snoop buffer took all of it; the snoop buffer ends where so_snd's stream does.
    assert(
      conn.so_snd.cc === cc0 + msg.data.length &&
        rep.sdrl.snoopOutBase + rep.sdrl.snoopOutBytes === rep.sdrl.sndAppended,
      () =>
        `SDRL: ${rep.session} appended ${msg.data.length} bytes at ${offset}, snoop buffer disagrees`,
    );
    this.nsr.sent.publish(rep, offset, msg.data);
    rep.app?.onSnoopOut();
    this.send(
      { t: 'sdrl.ack', handle: rep.peerHandle, offset: rep.sdrl.sndAppended % U32, reason: 'ok' },
      rep,
    );
  }

  /** Primary: the secondary holds the data up to `offset`; TCP may transmit it. */
  private onAck(msg: NsrMessage & { t: 'sdrl.ack' }): void {
    const rep = this.lookup(msg.handle, whoseFor(msg.reason));
    if (rep === undefined || rep.role !== 'primary') return;
    if (msg.reason !== 'ok') {
      this.postError(rep, `SDRL NACK ${msg.reason}`, 'push');
      return;
    }
    // Offsets travel as u32; rebuild the full offset near what was sent.
    const base = rep.sdrl.sent - (rep.sdrl.sent % U32);
    let acked = base + msg.offset;
    if (acked > rep.sdrl.sent) acked -= U32;
    // The rebuilt offset is the one within 2^32 at or below what was sent (never beyond it).
    assert(
      acked <= rep.sdrl.sent && acked > rep.sdrl.sent - U32,
      () => `SDRL: ACK ${msg.offset} rebuilt as ${acked}, sent ${rep.sdrl.sent}`,
    );
    if (acked > rep.sdrl.acked) {
      rep.sdrl.acked = acked;
      sdrlCheck(rep);
      rep.conn.output();
    }
  }

  protected onMalformed(handle: number | undefined, error: string): void {
    this.ctx.trace(K.sdrl.malformed, { handle: handle ?? -1, error });
    const rep = handle === undefined ? undefined : this.lookup(handle, 'either');
    if (rep !== undefined) this.postError(rep, `malformed SDRL message: ${error}`, 'push');
  }
}
