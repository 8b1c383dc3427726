// Proves what PRL does on its less travelled paths (SPEC P-1…P-14, K-5, I-6): refused and undecodable replicates, malformed messages, ACKs and NACKs that do not name the head of the queue, held packets over their bound, packets whose replication went away on their way to PRL, the receive-buffer and PRL-buffer bounds at their edges, a failed send, the timeouts at their exact boundary, coalesced ACK batches, and the named PRL mutants doing exactly what they claim.
import { describe, expect, it } from 'vitest';
import type { Rep } from '../../../model/nsr/state.ts';
import { encodeMessage, type NsrMessage } from '../../../model/nsr/wire.ts';
import { encodeSegment } from '../../../model/net/packet.ts';
import type { NsrOptions } from '../../../model/nsr/options.ts';
import { ACTOR, K } from '../../../model/vocab.ts';
import { TH_ACK, type Segment } from '../../../model/net/segment.ts';
import { MS, SEC, type TraceRecord } from '../../../sim/index.ts';
import { Harness, fault, nsrConfig, peer, traffic, trailing } from './fixture.ts';

const PRL0 = ACTOR.nsr(0, 'prl');
const PRL1 = ACTOR.nsr(1, 'prl');

const fieldsOf = (recs: readonly TraceRecord[]): Array<Record<string, unknown>> =>
  recs.map((r) => r.fields);

describe('P-5: replicates the secondary refuses or cannot read', () => {
  it('P-5, I-6: a replicate naming a handle the secondary does not have is NACKed invalid-handle (an error on the secondary); one naming the primary socket is NACKed not-replicating, no error', () => {
    const h = new Harness(nsrConfig({ durationNs: 600 * MS }), { checkers: false });
    const packet = new Uint8Array(40);
    h.sendVia(0, 300 * MS, () => ({
      t: 'prl.replicate',
      handle: 999,
      seq: 7,
      primarySpace: 1000,
      iif: 0,
      packet,
    }));
    // RE1 sends one to RE0, naming RE0's own primary: known there, but not a secondary.
    h.sendVia(1, 400 * MS, () => ({
      t: 'prl.replicate',
      handle: h.rep(0).handle,
      seq: 8,
      primarySpace: 1000,
      iif: 0,
      packet,
    }));
    h.finish();
    expect(fieldsOf(h.of(K.prl.nackSent, PRL1))).toEqual([
      { handle: 999, seq: 7, reason: 'invalidHandle' },
    ]);
    expect(fieldsOf(h.of(K.nsr.replicationError, PRL1))).toEqual([
      { handle: 999, by: 'prl', reason: 'invalid handle' },
    ]);
    expect(
      h
        .tx(1, 'prl.ack')
        .filter((r) => r.fields.handle === 999)
        .map((r) => [r.fields.seq, r.fields.reason]),
    ).toEqual([[7, 'invalidHandle']]);
    // RE0 has no socket 999: the NACK is unknown there, and nothing else happens.
    expect(fieldsOf(h.of(K.prl.ackUnknown, PRL0))).toEqual([{ handle: 999, seq: 7 }]);
    // Not replicating: NACKed with the secondary's handle, and no replication error.
    expect(fieldsOf(h.of(K.prl.nackSent, PRL0))).toEqual([
      { handle: h.rep(0).handle, seq: 8, reason: 'notReplicating' },
    ]);
    expect(h.of(K.nsr.replicationError, PRL0)).toEqual([]);
    expect(fieldsOf(h.of(K.prl.ackUnknown, PRL1))).toEqual([
      { handle: h.rep(0).peerHandle, seq: 8 },
    ]);
    // Neither refusal touched the pair's replication.
    expect(h.rep(0).iha.active).toBe(true);
    expect(h.of(K.iha.cleanupSocket)).toEqual([]);
  });

  it('P-5, P-12: a replicate whose packet does not decode: a bad-packet record, NACK failed for its sequence number with the secondary space, no L4 input; the primary gives the socket up', () => {
    const h = new Harness(nsrConfig({ durationNs: 600 * MS }), { checkers: false });
    const seq = 4242;
    let space = -1;
    h.sendVia(0, 300 * MS, () => {
      space = h.rep(1).conn.so_rcv.sbspace();
      return {
        t: 'prl.replicate',
        handle: h.rep(0).peerHandle,
        seq,
        primarySpace: 1000,
        iif: 0,
        packet: new Uint8Array([0x45, 0, 0, 10, 1, 2, 3, 4, 5, 6]),
      };
    });
    h.finish();
    const bad = h.of(K.prl.badPacket, PRL1);
    expect(bad).toHaveLength(1);
    expect(bad[0]?.fields.session).toBe('pa/0');
    expect(String(bad[0]?.fields.error).length).toBeGreaterThan(0);
    expect(h.of(K.prl.l4, PRL1).filter((r) => r.fields.seq === seq)).toEqual([]);
    const nack = h.rx(0, 'prl.ack').filter((r) => r.fields.seq === seq);
    expect(nack.map((r) => [r.fields.reason, r.fields.space])).toEqual([['failed', space]]);
    expect(space).toBeGreaterThan(0);
    expect(h.of(K.prl.nack, PRL0).map((r) => [r.fields.seq, r.fields.reason])).toEqual([
      [seq, 'failed'],
    ]);
    expect(h.of(K.nsr.replicationError, PRL0).map((r) => r.fields.reason)).toEqual(['NACK failed']);
  });
});

describe('K-5, I-6: malformed PRL messages', () => {
  it('K-5: a malformed replicate is traced with its handle and NACKed failed by the secondary; a malformed ACK on the primary gives the socket up and its queue is pushed to L4 (I-6)', () => {
    const h = new Harness(nsrConfig({ durationNs: 600 * MS }), { checkers: false });
    h.runTo(200 * MS);
    const sec = h.rep(1);
    const prim = h.rep(0);
    h.writeRaw(
      0,
      'recv',
      250 * MS,
      trailing({
        t: 'prl.replicate',
        handle: sec.handle,
        seq: 9,
        primarySpace: 1000,
        iif: 0,
        packet: new Uint8Array(40),
      }),
    );
    h.finish();
    const m1 = h.of(K.prl.malformed, PRL1);
    expect(m1.map((r) => r.fields.handle)).toEqual([sec.handle]);
    expect(String(m1[0]?.fields.error)).toMatch(/trailing/);
    expect(
      h
        .tx(1, 'prl.ack')
        .filter((r) => r.fields.reason === 'failed')
        .map((r) => [r.fields.handle, r.fields.seq]),
    ).toEqual([[prim.handle, 0]]);

    const g = new Harness(nsrConfig({ durationNs: 600 * MS }), { checkers: false });
    g.runTo(200 * MS);
    const handle = g.rep(0).handle;
    g.writeRaw(
      1,
      'recv',
      300 * MS,
      trailing({ t: 'prl.ack', handle, seq: 1, space: 1000, reason: 'ok' }),
    );
    g.finish();
    expect(g.of(K.prl.malformed, PRL0).map((r) => r.fields.handle)).toEqual([handle]);
    const err = g.of(K.nsr.replicationError, PRL0);
    expect(err.map((r) => String(r.fields.reason))).toEqual([
      expect.stringMatching(/^malformed PRL message: .*trailing/),
    ]);
    const rel = g.of(K.prl.release, ACTOR.nsr(0, 'iha'));
    expect(rel.map((r) => r.fields.mode)).toEqual(['push']);
  });

  it('K-5: a malformed PRL message whose handle cannot be read (TLV, the handle TLV runs past the message) is traced with handle -1 and nothing else is done', () => {
    const h = new Harness(nsrConfig({ durationNs: 600 * MS, opts: { encoding: 'tlv' } }), {
      checkers: false,
    });
    const b = encodeMessage({ t: 'prl.ack', handle: 1, seq: 1, space: 1, reason: 'ok' }, 'tlv', 1);
    new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(8 + 2, 0xffff_fff0); // the first TLV's length
    h.writeRaw(1, 'recv', 300 * MS, b);
    h.finish();
    expect(h.of(K.prl.malformed, PRL0).map((r) => r.fields.handle)).toEqual([-1]);
    expect(h.of(K.nsr.replicationError)).toEqual([]);
    expect(h.rep(0).iha.active).toBe(true);
  });
});

/** Replicates pile up unACKed: the inter-RE link is held 60 ms from 500 ms. */
function heldLink(opts: Parameters<typeof nsrConfig>[0] = {}): Harness {
  return new Harness(
    nsrConfig({
      durationNs: 1200 * MS,
      peers: [peer('pa', { toRouter: traffic(200) })],
      faults: [fault(500 * MS, { kind: 'inter-re-hold', durationNs: 60 * MS })],
      ...opts,
    }),
    { checkers: false },
  );
}

/** An idle pair: nothing written either way, so nothing is ever queued. */
const IDLE = [peer('pa', { toRouter: traffic(0), fromRouter: traffic(0) })];

describe('P-3, P-4: ACKs and NACKs that do not name the head of the queue', () => {
  it('P-3, I-6: an ACK for a sequence number that is not the head: ack-mismatch naming the head (-1 with an empty queue), a replication error, and the queue is pushed to L4', () => {
    // Empty queue.
    const idle = new Harness(nsrConfig({ durationNs: 600 * MS, peers: IDLE }), {
      checkers: false,
    });
    idle.sendVia(1, 300 * MS, () => ({
      t: 'prl.ack',
      handle: idle.rep(0).handle,
      seq: 77,
      space: 1000,
      reason: 'ok',
    }));
    idle.finish();
    expect(fieldsOf(idle.of(K.prl.ackMismatch, PRL0))).toEqual([
      { session: 'pa/0', seq: 77, head: -1 },
    ]);
    expect(idle.of(K.nsr.replicationError, PRL0).map((r) => r.fields.reason)).toEqual([
      'ACK for 77 does not match the head of the queue',
    ]);
    expect(idle.of(K.prl.release, ACTOR.nsr(0, 'iha'))[0]?.fields).toMatchObject({
      mode: 'push',
      queued: 0,
    });
    // A queue: the ACK names the packet behind the head.
    const h = heldLink();
    let head = -1;
    h.sendVia(1, 530 * MS, () => {
      const q = h.rep(0).prl.queue;
      head = q[0]?.seq ?? -1;
      return { t: 'prl.ack', handle: h.rep(0).handle, seq: head + 1, space: 1000, reason: 'ok' };
    });
    h.finish();
    expect(head).toBeGreaterThan(0);
    expect(fieldsOf(h.of(K.prl.ackMismatch, PRL0))).toEqual([
      { session: 'pa/0', seq: head + 1, head },
    ]);
    const at = h.of(K.prl.ackMismatch, PRL0)[0]?.t;
    // The mismatched ACK passed nothing up; the clean-up pushed the whole queue, head first.
    expect(h.of(K.prl.l4, PRL0).filter((r) => r.t === at)).toEqual([]);
    const rel = h.of(K.prl.release, ACTOR.nsr(0, 'iha'))[0] as TraceRecord;
    expect(rel.fields.mode).toBe('push');
    expect(rel.fields.queued).toBeGreaterThan(1);
    const pushed = h.of(K.prl.l4, ACTOR.nsr(0, 'iha')).filter((r) => r.t === rel.t);
    expect(pushed[0]?.fields.seq).toBe(head);
  });

  it('P-4: a NACK buffer-full that names no queued head (stale, or behind the head) only records the secondary space: nothing dropped or requeued, no error', () => {
    const idle = new Harness(nsrConfig({ durationNs: 600 * MS, peers: IDLE }), {
      checkers: false,
    });
    idle.sendVia(1, 300 * MS, () => ({
      t: 'prl.ack',
      handle: idle.rep(0).handle,
      seq: 55,
      space: 1234,
      reason: 'bufferFull',
    }));
    idle.finish();
    expect(fieldsOf(idle.of(K.prl.nack, PRL0))).toEqual([
      { session: 'pa/0', seq: 55, reason: 'bufferFull', space: 1234 },
    ]);
    expect(idle.rep(0).prl.secSpace).toBe(1234);
    expect(idle.of(K.prl.drop)).toEqual([]);
    expect(idle.of(K.nsr.replicationError)).toEqual([]);

    for (const mode of ['drop', 'requeue'] as const) {
      const h = heldLink({ opts: { nackBufferFull: mode } });
      let head = -1;
      h.sendVia(1, 530 * MS, () => {
        head = h.rep(0).prl.queue[0]?.seq ?? -1;
        return {
          t: 'prl.ack',
          handle: h.rep(0).handle,
          seq: head + 1,
          space: 4321,
          reason: 'bufferFull',
        };
      });
      expect(h.finish(), mode).toEqual([]);
      expect(head, mode).toBeGreaterThan(0);
      expect(
        h.of(K.prl.nack, PRL0).map((r) => r.fields.seq),
        mode,
      ).toEqual([head + 1]);
      expect(h.of(K.prl.drop), mode).toEqual([]);
      expect(h.of(K.nsr.replicationError), mode).toEqual([]);
      // Every replicated packet was replicated once and passed up on its ACK.
      const queued = h.of(K.prl.queue, PRL0).map((r) => r.fields.seq);
      expect(new Set(h.of(K.prl.queue, PRL0).map((r) => r.fields.arrival)).size, mode).toBe(
        queued.length,
      );
      expect(
        h.of(K.prl.l4, PRL0).map((r) => r.fields.seq),
        mode,
      ).toEqual(queued);
    }
  });

  it('P-4 drop (§6.2c): a NACK not-replicating for a packet behind the head drops nothing itself; the clean-up drops the whole queue', () => {
    const h = heldLink({ opts: { nackError: 'drop' } });
    let head = -1;
    h.sendVia(1, 530 * MS, () => {
      head = h.rep(0).prl.queue[0]?.seq ?? -1;
      return {
        t: 'prl.ack',
        handle: h.rep(0).handle,
        seq: head + 1,
        space: 0,
        reason: 'notReplicating',
      };
    });
    h.finish();
    expect(head).toBeGreaterThan(0);
    const nack = h.of(K.prl.nack, PRL0)[0] as TraceRecord;
    expect(h.of(K.prl.drop, PRL0).filter((r) => r.t === nack.t)).toEqual([]);
    const rel = h.of(K.prl.release, ACTOR.nsr(0, 'iha'))[0] as TraceRecord;
    expect(rel.fields.mode).toBe('drop');
    const dropped = h.of(K.prl.drop, ACTOR.nsr(0, 'iha')).filter((r) => r.t === rel.t);
    expect(dropped.map((r) => r.fields.seq)[0]).toBe(head);
    expect(dropped).toHaveLength(rel.fields.queued as number);
  });
});

describe('P-1: packets held during set-up', () => {
  it('P-1: held packets are bounded per socket (prlPendingMax): one more is dropped (pending-full), the held ones are replicated on activation and the peer resends the rest', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 800 * MS,
        costs: { psrmNs: 150 * MS },
        bounds: { prlPendingMax: 2 },
        peers: [peer('pa', { toRouter: traffic(100, 64, 600) })],
      }),
    );
    expect(h.finish()).toEqual([]);
    const pending = h.of(K.prl.pending, PRL0);
    expect(pending.map((r) => r.fields.pending)).toEqual([1, 2]);
    const full = h.of(K.prl.drop, PRL0).filter((r) => r.fields.reason === 'pending-full');
    expect(full.length).toBeGreaterThan(0);
    for (const d of full) {
      expect(d.fields.session).toBe('pa/0');
      expect(typeof d.fields.tcpSeq).toBe('number');
    }
    expect(h.of(K.prl.flush, PRL0)[0]?.fields.packets).toBe(2);
    expect(h.world.res[0].session('pa/0')?.verifier.errors).toEqual([]);
  });
});

describe('P-1, I-4: packets on their way to PRL while replication changes', () => {
  it('I-4, G-4: a packet ip_input posted just before activation reaches PRL before the flush: it is held behind the packets held during set-up, and all are replicated in arrival order', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 800 * MS,
        costs: { psrmNs: 150 * MS, prlPrimaryNs: 120 * MS },
        peers: [peer('pa', { toRouter: traffic(200, 64, 600) })],
      }),
    );
    expect(h.finish()).toEqual([]);
    const pending = h.of(K.prl.pending, PRL0);
    const flush = h.of(K.prl.flush, PRL0)[0] as TraceRecord;
    expect(pending.length).toBeGreaterThan(0);
    // More went out with the flush than were held during set-up: the late ones queued behind.
    expect(flush.fields.packets).toBeGreaterThan(pending.length);
    const queued = h.of(K.prl.queue, PRL0);
    const first = queued.slice(0, flush.fields.packets as number);
    expect(first.every((r) => r.t === flush.t)).toBe(true);
    const arrivals = queued.map((r) => r.fields.arrival as number);
    expect(arrivals).toEqual(arrivals.map((_, i) => i + 1));
    // The secondary passes them up in that order too; it never knows the peer's arrival index.
    const sec = h.of(K.prl.l4, PRL1).filter((r) => r.fields.role === 'secondary');
    expect(sec.map((r) => [r.fields.seq, r.fields.arrival])).toEqual(
      queued.map((r) => [r.fields.seq, -1]),
    );
  });

  it('P-1, P-7: a packet reaching PRL after its socket was given up goes straight up L4 unreplicated (seq -1, arrival -1), and one reaching it after the socket left the table goes to the stack as usual (role none)', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 1200 * MS,
        timers: { prlTimeoutNs: 200 * MS },
        // Slow paths into PRL (120 ms) and into IHA (15 ms) widen the windows in which a
        // packet is on its way while the socket is given up and then taken from the table.
        costs: { prlPrimaryNs: 120 * MS, ihaNs: 15 * MS },
        peers: [peer('pa', { toRouter: traffic(1000, 64, 200) })],
        faults: [fault(300 * MS, { kind: 'backup-stall', durationNs: 600 * MS })],
      }),
    );
    expect(h.finish()).toEqual([]);
    const to = h.of(K.prl.timeout, PRL0)[0] as TraceRecord;
    const gone = h.of(K.iha.cleanupSocket, ACTOR.nsr(0, 'iha')).find((r) => r.t >= to.t);
    expect(gone).toBeDefined();
    const late = h.of(K.prl.l4, PRL0).filter((r) => r.t > to.t);
    const inactive = late.filter((r) => r.fields.role === 'primary' && r.t < (gone?.t ?? 0));
    expect(inactive.length).toBeGreaterThan(0);
    for (const r of inactive)
      expect(r.fields).toMatchObject({ replicated: false, seq: -1, arrival: -1 });
    expect(inactive.every((r) => r.fields.space === undefined)).toBe(true);
    const unknown = late.filter((r) => r.fields.role === 'none');
    expect(unknown.length).toBeGreaterThan(0);
    for (const r of unknown) {
      expect(r.t).toBeGreaterThanOrEqual(gone?.t ?? 0);
      expect(r.fields).toMatchObject({ handle: gone?.fields.handle, seq: -1 });
    }
  });
});

describe('P-2, K-4: a packet PRL does not replicate', () => {
  it('P-2: with the primary application stalled and the window shut, a data packet is dropped before replication (rcvbuf, space 0); segments without data are still replicated', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 1500 * MS,
        router: { socketBufferBytes: 8192 },
        peers: [peer('pa', { toRouter: traffic(200) })],
        faults: [
          fault(300 * MS, {
            kind: 'app-stall',
            side: 'router',
            peer: undefined,
            durationNs: 1 * SEC,
            re: 'master',
          }),
        ],
      }),
      { checkers: false },
    );
    h.runTo(1);
    const sent = h.capture(0);
    // At 1 s the window is shut; ip_input hands PRL a data segment at rcv_nxt (one the peer
    // had no right to send, which P-2 must keep from both sockets).
    let tcpSeq = -1;
    h.at(1 * SEC, (ctx) => {
      const rep = h.rep(0);
      const c = rep.conn;
      tcpSeq = c.rcv_nxt;
      const seg: Segment = {
        src: c.faddr,
        dst: c.laddr,
        sport: c.fport,
        dport: c.lport,
        seq: c.rcv_nxt,
        ack: c.snd_nxt,
        flags: TH_ACK,
        wnd: 1000,
        urp: 0,
        options: {},
        payload: new Uint8Array(100),
        ipId: 1,
        ttl: 64,
      };
      ctx.send(h.nsr(0).ids.prl, { type: 'prl.input', handle: rep.handle, seg }, 0);
    });
    h.finish();
    const drops = h.of(K.prl.drop, PRL0);
    expect(fieldsOf(drops)).toEqual([
      { session: 'pa/0', reason: 'rcvbuf', tcpSeq, len: 100, space: 0 },
    ]);
    expect(drops[0]?.t).toBe(1 * SEC);
    expect(h.of(K.prl.queue, PRL0).filter((r) => r.t === 1 * SEC)).toEqual([]);
    // The peer's segments without data (window probes, ACKs) went on with no room.
    const zero = sent.filter(
      (m) => m.msg.t === 'prl.replicate' && m.msg.primarySpace === 0 && m.msg.packet.length === 40,
    );
    expect(zero.length).toBeGreaterThan(0);
    expect(sent.filter((m) => m.msg.t === 'prl.replicate' && m.t >= 500 * MS)).toHaveLength(
      h.of(K.prl.queue, PRL0).filter((r) => r.t >= 500 * MS).length,
    );
  });

  it('K-4, P-1: when KKCM cannot take a replicate (send failure), the socket is given up at once: what PRL queued goes up L4 (nothing here), then the packet with its sequence number and arrival', () => {
    const h = new Harness(
      nsrConfig({ durationNs: 800 * MS, peers: [peer('pa', { toRouter: traffic(200) })] }),
      { checkers: false },
    );
    h.runTo(1);
    // From 300 ms RE0's KKCM refuses the first replicate as if its output queue were full.
    const nsr = h.nsr(0);
    const inner = nsr.kkcm;
    let failed: { seq: number; t: number } | undefined;
    nsr.kkcm = {
      get ready() {
        return inner.ready;
      },
      send(ctx, msg, waitOk) {
        if (msg.t === 'prl.replicate' && failed === undefined && h.now >= 300 * MS) {
          failed = { seq: msg.seq, t: h.now };
          return 'ENOBUFS: KKCM output queue full';
        }
        return inner.send(ctx, msg, waitOk);
      },
    };
    h.finish();
    expect(failed).toBeDefined();
    const at = failed?.t;
    expect(h.of(K.nsr.sendFailed.prl, PRL0).map((r) => [r.t, r.fields.t])).toEqual([
      [at, 'prl.replicate'],
    ]);
    const up = h.of(K.prl.l4, PRL0).filter((r) => r.t === at);
    expect(up).toHaveLength(1);
    expect(up[0]?.fields).toMatchObject({ role: 'primary', seq: failed?.seq });
    expect(up[0]?.fields.arrival).toBeGreaterThan(0);
    expect(up[0]?.fields.space).toBeUndefined();
    expect(h.of(K.prl.queue, PRL0).filter((r) => r.t === at)).toEqual([]);
    expect(h.of(K.nsr.replicationError, PRL0).map((r) => r.fields.reason)).toEqual([
      'send failed: ENOBUFS: KKCM output queue full',
    ]);
  });
});

describe('the named PRL mutants do what they say (each checker test relies on it)', () => {
  it('prl-pass-up-before-ack (G-2): each packet goes up L4 on the primary once, when it is replicated (its seq and arrival, no common space), not again on its ACK, per-packet or coalesced', () => {
    for (const prlAck of ['per-packet', 'coalesce'] as const) {
      const h = new Harness(
        nsrConfig({
          durationNs: 500 * MS,
          opts: { prlAck },
          mutant: 'prl-pass-up-before-ack',
          peers: [peer('pa', { toRouter: traffic(100) })],
        }),
        { checkers: false },
      );
      h.finish();
      const queued = h.of(K.prl.queue, PRL0);
      expect(queued.length, prlAck).toBeGreaterThan(10);
      const up = h.of(K.prl.l4, PRL0).filter((r) => r.fields.role === 'primary');
      expect(
        up.map((r) => [r.t, r.fields.seq, r.fields.arrival, r.fields.space]),
        prlAck,
      ).toEqual(queued.map((r) => [r.t, r.fields.seq, r.fields.arrival, undefined]));
    }
  });

  it('prl-no-pending-flush (I-4): on activation the held packets go up L4 on the primary unreplicated (seq -1, their arrival), and the first replicated packet is numbered 1', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 600 * MS,
        costs: { psrmNs: 150 * MS },
        mutant: 'prl-no-pending-flush',
        peers: [peer('pa', { toRouter: traffic(100, 64, 600) })],
      }),
      { checkers: false },
    );
    h.finish();
    const pending = h.of(K.prl.pending, PRL0);
    const flush = h.of(K.prl.flush, PRL0)[0] as TraceRecord;
    expect(pending.length).toBeGreaterThan(0);
    const up = h.of(K.prl.l4, PRL0).filter((r) => r.t === flush.t);
    expect(up.map((r) => [r.fields.seq, r.fields.arrival, r.fields.space])).toEqual(
      pending.map((p) => [-1, p.fields.arrival, undefined]),
    );
    expect(h.of(K.prl.queue, PRL0).filter((r) => r.t === flush.t)).toEqual([]);
    expect(h.of(K.prl.queue, PRL0)[0]?.fields.seq).toBe(1);
  });

  it('prl-secondary-lags-one-packet (P-15): the secondary ACKs replicate n but hands L4 replicate n-1 then (its seq and common space, arrival -1), and nothing on the first', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 500 * MS,
        mutant: 'prl-secondary-lags-one-packet',
        peers: [peer('pa', { toRouter: traffic(100) })],
      }),
      { checkers: false },
    );
    h.finish();
    const acks = h.tx(1, 'prl.ack').filter((r) => r.fields.reason === 'ok');
    const up = h.of(K.prl.l4, PRL1).filter((r) => r.fields.role === 'secondary');
    expect(acks.length).toBeGreaterThan(10);
    // The L4 input at the ACK of n is packet n-1, judged against the space ACKed for n-1.
    expect(up.map((r) => [r.t, r.fields.seq, r.fields.arrival, r.fields.space])).toEqual(
      acks.slice(1).map((a, i) => [a.t, acks[i]?.fields.seq, -1, acks[i]?.fields.space]),
    );
  });

  it('prl-l4-after-nack (§7.3f): after NACKing buffer-full the secondary still hands the packet to L4, with its seq, arrival -1 and no common space', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 1500 * MS,
        router: { socketBufferBytes: 8192 },
        mutant: 'prl-l4-after-nack',
        peers: [peer('pa', { toRouter: traffic(200) })],
        faults: [
          fault(500 * MS, {
            kind: 'app-stall',
            side: 'router',
            peer: undefined,
            durationNs: 1 * SEC,
            re: 'backup',
          }),
        ],
      }),
      { checkers: false },
    );
    h.finish();
    const nacks = h.of(K.prl.nackSent, PRL1).filter((r) => r.fields.reason === 'bufferFull');
    expect(nacks.length).toBeGreaterThan(0);
    for (const n of nacks) {
      const up = h.of(K.prl.l4, PRL1).filter((r) => r.t === n.t && r.fields.seq === n.fields.seq);
      expect(up.map((r) => [r.fields.arrival, r.fields.space])).toEqual([[-1, undefined]]);
    }
  });
});

describe('P-7, P-14: the timeout fires on the first tick at which the quiet reaches it', () => {
  const PERIOD = 100 * MS; // options.ts kkcmPeriodNs
  type Side = 'primary' | 'both' | 'whole-re';
  const stall = (side: Side, prlTimeoutNs?: number): Harness =>
    new Harness(
      nsrConfig({
        durationNs: 3 * SEC,
        opts: { prlTimeoutSide: side },
        timers: { kkcmPeriodNs: PERIOD, ...(prlTimeoutNs === undefined ? {} : { prlTimeoutNs }) },
        peers: [peer('pa', { toRouter: traffic(100), fromRouter: traffic(100) })],
        faults: [fault(500 * MS, { kind: 'backup-stall', durationNs: 2 * SEC })],
      }),
      { checkers: false },
    );
  const cases: Array<[string, Side, string, string]> = [
    ['P-7 (primary)', 'primary', K.prl.timeout, PRL0],
    ["P-14 'both' (secondary)", 'both', K.prl.timeout, PRL1],
    ["P-14 'whole-re'", 'whole-re', K.prl.timeoutRe, PRL0],
  ];
  for (const [name, side, kind, actor] of cases) {
    it(`${name}: a quiet of exactly prlTimeoutNs times out, one tick earlier than a timeout one nanosecond longer`, () => {
      // The default 1 s timeout fires at a tick with quiet Q; the tick before saw Q - PERIOD.
      const first = stall(side);
      first.finish();
      const q = first.of(kind, actor)[0]?.fields.quietNs as number;
      const t = first.of(kind, actor)[0]?.t as number;
      expect(q).toBeGreaterThan(PERIOD);
      const exact = stall(side, q - PERIOD);
      exact.finish();
      const r = exact.of(kind, actor)[0];
      expect([r?.t, r?.fields.quietNs]).toEqual([t - PERIOD, q - PERIOD]);
      // PRL pushed the queue itself; IHA's clean-up that follows releases (pushes) nothing more.
      const iha = exact.of(K.prl.release, ACTOR.nsr(0, 'iha')).filter((x) => x.t > (r?.t ?? 0));
      if (side !== 'both') expect(iha[0]?.fields).toMatchObject({ mode: 'push', queued: 0 });
      if (kind === K.prl.timeoutRe) {
        // It counts the replicates outstanding over every socket it gives up.
        const rel = exact.of(K.prl.release, PRL0).filter((x) => x.t === r?.t);
        expect(r?.fields.queued).toBe(rel.reduce((n, x) => n + (x.fields.queued as number), 0));
        expect(r?.fields.queued).toBeGreaterThan(0);
      }
      const longer = stall(side, q - PERIOD + 1);
      longer.finish();
      const s = longer.of(kind, actor)[0];
      expect([s?.t, s?.fields.quietNs]).toEqual([t, q]);
    });
  }
});

/** PRL and KKCM paths that take no time: replicates of a burst come back to back. */
const FREE_PATHS = {
  prlPrimaryNs: 0,
  prlSecondaryNs: 0,
  prlAckNs: 0,
  kkcmPerMessageNs: 0,
  kkcmSwitchNs: 0,
  kkcmInterruptNs: 0,
};

describe('P-6: coalesced ACK batches', () => {
  it('P-6: the secondary ACKs a batch when it holds 8 packets, or 100 µs after its first packet; the ACK carries the batch base and names its last packet', () => {
    // Large records over a 10 Gb/s wire with free PRL and KKCM paths: bursts fill batches.
    const h = new Harness(
      nsrConfig({
        durationNs: 600 * MS,
        opts: { prlAck: 'coalesce' },
        costs: FREE_PATHS,
        peers: [
          peer('pa', {
            toRouter: traffic(50, 30000, 30000),
            link: { latencyNs: 1 * MS, bandwidthBps: 10_000_000_000 },
          }),
        ],
      }),
    );
    expect(h.finish()).toEqual([]);
    const up = new Map(
      h
        .of(K.prl.l4, PRL1)
        .filter((r) => r.fields.role === 'secondary')
        .map((r) => [r.fields.seq as number, r]),
    );
    const acks = h.tx(1, 'prl.ack');
    expect(acks.every((a) => a.fields.reason === 'ok')).toBe(true);
    let prev = 0;
    const sizes: number[] = [];
    for (const a of acks) {
      const last = a.fields.seq as number;
      const first = up.get(prev + 1) as TraceRecord;
      const n = last - prev;
      sizes.push(n);
      expect(n, `batch ${prev + 1}..${last}`).toBeLessThanOrEqual(8);
      expect(a.t, `batch ${prev + 1}..${last}`).toBe(n === 8 ? up.get(last)?.t : first.t + 100_000);
      // Its base: the common space of the batch's first packet.
      expect(a.fields.space).toBe(first.fields.space);
      prev = last;
    }
    expect(sizes.filter((n) => n === 8).length).toBeGreaterThan(10);
    expect(sizes.filter((n) => n < 8).length).toBeGreaterThan(10);
  });
});

describe('P-6, P-5: coalesced ACKs and NACKs', () => {
  it('P-6, P-5, P-10: with coalesced ACKs and a stalled backup application, a NACK buffer-full is sent only after the ACK of the batch before it, the secondary never judges a packet against more than its free buffer, and both sides agree', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 1500 * MS,
        opts: { prlAck: 'coalesce' },
        router: { socketBufferBytes: 16384 },
        costs: FREE_PATHS,
        peers: [
          peer('pa', {
            toRouter: traffic(50, 30000, 30000),
            link: { latencyNs: 1 * MS, bandwidthBps: 10_000_000_000 },
          }),
        ],
        faults: [
          fault(500 * MS, {
            kind: 'app-stall',
            side: 'router',
            peer: undefined,
            durationNs: 500 * MS,
            re: 'backup',
          }),
        ],
      }),
    );
    const over: string[] = [];
    h.world.sim.trace.addListener((r) => {
      if (r.kind !== K.prl.l4 || r.actor !== PRL1 || r.fields.role !== 'secondary') return;
      const own = h.rep(1).conn.so_rcv.sbspace();
      if ((r.fields.space as number) > own)
        over.push(`seq ${String(r.fields.seq)}: ${String(r.fields.space)} > ${own}`);
    });
    expect(h.finish()).toEqual([]);
    expect(over).toEqual([]);
    const tx = h.tx(1, 'prl.ack');
    const nacks = tx.filter((r) => r.fields.reason === 'bufferFull');
    expect(nacks.length).toBeGreaterThan(0);
    const up = h.of(K.prl.l4, PRL1).filter((r) => r.fields.role === 'secondary');
    for (const n of nacks) {
      // Every packet the secondary passed up before the NACK is ACKed before it.
      const passed = up.filter((r) => r.id < n.id).map((r) => r.fields.seq as number);
      const acked = tx
        .filter((r) => r.id < n.id && r.fields.reason === 'ok')
        .map((r) => r.fields.seq as number);
      expect(Math.max(0, ...acked), `NACK ${String(n.fields.seq)}`).toBe(Math.max(0, ...passed));
    }
    // The primary dropped exactly the NACKed packets and passed up all the others.
    const dropped = h.of(K.prl.drop, PRL0).map((r) => r.fields.seq);
    expect(dropped).toEqual(nacks.map((n) => n.fields.seq));
    const prim = h.of(K.prl.l4, PRL0).filter((r) => r.fields.role === 'primary');
    // (the last batch's ACK may still be on its way when the run ends)
    expect(up.length - prim.length).toBeLessThanOrEqual(8);
    expect(prim.map((r) => [r.fields.seq, r.fields.space])).toEqual(
      up.slice(0, prim.length).map((r) => [r.fields.seq, r.fields.space]),
    );
  });
});

/** A data segment of `len` bytes from the peer of `rep`, starting `off` bytes past rcv_nxt. */
function dataSeg(rep: Rep, off: number, len: number): Segment {
  const c = rep.conn;
  return {
    src: c.faddr,
    dst: c.laddr,
    sport: c.fport,
    dport: c.lport,
    seq: (c.rcv_nxt + off) >>> 0,
    ack: c.snd_nxt,
    flags: TH_ACK,
    wnd: 65535,
    urp: 0,
    options: {},
    payload: new Uint8Array(len),
    ipId: 1,
    ttl: 64,
  };
}

describe('P-10, P-8: what the primary reports and how much it holds', () => {
  it('P-10 (documented choice): each replicate reports the primary socket free space minus the payload PRL already holds unACKed for it, so a burst in flight reports less and less', () => {
    const h = heldLink();
    h.runTo(1);
    const nsr = h.nsr(0);
    const inner = nsr.kkcm;
    // At each replicate's send: what it reports, the socket's free space (never below the
    // window already offered), and what PRL holds for the socket.
    const seen: Array<{ reported: number; free: number; held: number }> = [];
    nsr.kkcm = {
      get ready() {
        return inner.ready;
      },
      send(ctx, msg, waitOk) {
        if (msg.t === 'prl.replicate') {
          const rep = h.rep(0);
          const c = rep.conn;
          const free = Math.max(c.so_rcv.sbspace(), (c.rcv_adv - c.rcv_nxt) | 0);
          seen.push({ reported: msg.primarySpace, free, held: rep.prl.queuedBytes });
        }
        return inner.send(ctx, msg, waitOk);
      },
    };
    h.finish();
    expect(seen.length).toBeGreaterThan(20);
    for (const s of seen) expect(s.reported).toBe(Math.max(0, s.free - s.held));
    // The held link piles packets up: several replicates went out with bytes already held.
    const piled = seen.filter((s) => s.held > 0 && s.reported > 0);
    expect(piled.length).toBeGreaterThan(3);
    expect(piled.every((s) => s.reported < s.free)).toBe(true);
  });

  it('P-8: the PRL buffer takes a packet that fills it to exactly prlBufferBytes and drops (prl-buffer) the next byte', () => {
    const h = new Harness(
      nsrConfig({ durationNs: 600 * MS, peers: IDLE, bounds: { prlBufferBytes: 300 } }),
      { checkers: false },
    );
    const tcpSeqs: number[] = [];
    h.at(300 * MS, (ctx) => {
      const rep = h.rep(0);
      // Sent at one instant: no ACK can come back in between.
      for (const [off, len] of [
        [0, 100],
        [100, 200],
        [300, 1],
      ] as const) {
        const seg = dataSeg(rep, off, len);
        tcpSeqs.push(seg.seq);
        ctx.send(h.nsr(0).ids.prl, { type: 'prl.input', handle: rep.handle, seg }, 0);
      }
    });
    h.finish();
    // (the crafted bytes then set off segments without data, queued too: not counted here)
    const queued = h.of(K.prl.queue, PRL0).filter((r) => (r.fields.len as number) > 0);
    expect(queued.map((r) => [r.fields.len, r.fields.bytes])).toEqual([
      [100, 100],
      [200, 300],
    ]);
    expect(fieldsOf(h.of(K.prl.drop, PRL0))).toEqual([
      { session: 'pa/0', reason: 'prl-buffer', tcpSeq: tcpSeqs[2], len: 1 },
    ]);
  });
});

describe('I-4, P-6: a flush that finds its socket gone', () => {
  it('I-4, I-6: a flush that reaches PRL after its socket was given up and left the table does nothing (the next replication of the session is flushed as usual)', () => {
    // The flush reaches PRL 120 ms after activation; a NACK invalid-handle cleans the socket
    // up in between, and IHA sets the session up again (a new handle) later.
    const h = new Harness(
      nsrConfig({
        durationNs: 800 * MS,
        costs: { prlPrimaryNs: 120 * MS },
        peers: [peer('pa', { toRouter: traffic(200, 64, 600) })],
      }),
      { checkers: false },
    );
    const active = (): TraceRecord[] => h.of(K.iha.active, ACTOR.nsr(0, 'iha'));
    h.runUntil(() => active().length > 0, 800 * MS);
    const handle = h.rep(0).handle;
    h.sendVia(1, h.now + 1 * MS, () => ({
      t: 'prl.ack',
      handle,
      seq: 1,
      space: 0,
      reason: 'invalidHandle',
    }));
    h.finish();
    const [first, again] = active();
    const gone = h.of(K.iha.cleanupSocket, ACTOR.nsr(0, 'iha'))[0] as TraceRecord;
    expect(gone.fields.handle).toBe(handle);
    expect(gone.t).toBeLessThan((first?.t ?? 0) + 120 * MS);
    expect(again?.fields.handle).not.toBe(handle);
    // Only the second activation's flush ran.
    expect(h.of(K.prl.flush, PRL0).map((r) => r.t)).toEqual([(again?.t ?? 0) + 120 * MS]);
  });

  it('P-6: a coalesced-ACK flush timer for a secondary handle that is no longer in the table does nothing', () => {
    const h = new Harness(
      nsrConfig({ durationNs: 600 * MS, peers: IDLE, opts: { prlAck: 'coalesce' } }),
      { checkers: false },
    );
    h.at(300 * MS, (ctx) => {
      ctx.send(h.nsr(1).ids.prl, { type: 'prl.ack-flush', handle: 999 }, 0);
    });
    h.finish();
    expect(h.nsr(1).rep(999)).toBeUndefined();
    expect(h.tx(1, 'prl.ack')).toEqual([]);
    expect(h.rep(1).iha.active).toBe(true);
  });
});

describe("P-14 'both': when the secondary's timeout starts", () => {
  it("P-14 'both': the secondary counts its quiet from when send data became unACKed, not from the last PRL message: after idle gaps longer than the timeout, data the peer ACKs within it times nothing out", () => {
    // The router writes a record about once a second and the peer writes nothing: between
    // records no PRL message goes either way for longer than the 300 ms timeout.
    const h = new Harness(
      nsrConfig({
        durationNs: 6 * SEC,
        opts: { prlTimeoutSide: 'both' },
        timers: { prlTimeoutNs: 300 * MS, kkcmPeriodNs: 100 * MS },
        peers: [peer('pa', { toRouter: traffic(0), fromRouter: traffic(1, 100, 100) })],
      }),
    );
    // Sampled between ticks: the instants at which the secondary was timing unACKed data.
    const unacked: number[] = [];
    for (let t = 100 * MS; t < 6 * SEC; t += 100 * MS) {
      h.runTo(t);
      const rep = h.nsr(1).bySession.get('pa/0');
      if (rep !== undefined && rep.prl.unackedSinceNs >= 0) unacked.push(t);
    }
    expect(h.finish()).toEqual([]);
    expect(h.of(K.prl.timeout)).toEqual([]);
    // The secondary did watch unACKed data, each time after a gap longer than the timeout.
    const rx = h.rx(1, 'prl.replicate').map((r) => r.t);
    const afterGap = rx.filter((t, i) => i > 0 && t - (rx[i - 1] as number) > 300 * MS);
    expect(afterGap.length).toBeGreaterThan(2);
    expect(unacked.length).toBeGreaterThan(2);
  });
});

describe("P-14 'both': a shut peer window", () => {
  it("P-14 'both': a secondary whose peer has shut its window (snd_wnd 0) is owed no ACK and does not time out however long the primary is silent; with the window open it does", () => {
    // The inter-RE link holds everything for 1 s from 1 s: nothing comes from the primary's
    // PRL, while so_snd holds data the peer has not acknowledged. In the first run the
    // secondary's view of the peer window is shut at the start of the hold (as a peer
    // whose application stopped reading leaves it).
    const secondaryTimeouts = (shut: boolean): TraceRecord[] => {
      const h = new Harness(
        nsrConfig({
          durationNs: 2 * SEC,
          opts: { prlTimeoutSide: 'both' },
          timers: { prlTimeoutNs: 300 * MS, kkcmPeriodNs: 100 * MS },
          peers: [peer('pa', { toRouter: traffic(0), fromRouter: traffic(200) })],
          faults: [fault(1 * SEC, { kind: 'inter-re-hold', durationNs: 1 * SEC })],
        }),
        { checkers: false },
      );
      h.at(1 * SEC, () => {
        const rep = h.nsr(1).bySession.get('pa/0');
        expect(rep?.conn.so_snd.cc ?? 0).toBeGreaterThan(0);
        if (shut && rep !== undefined) rep.conn.snd_wnd = 0;
      });
      h.runTo(2 * SEC);
      return h.of(K.prl.timeout, ACTOR.nsr(1, 'prl')).filter((r) => r.fields.role === 'secondary');
    };
    expect(secondaryTimeouts(true)).toEqual([]);
    expect(secondaryTimeouts(false).map((r) => r.fields.session)).toEqual(['pa/0']);
  });
});

describe("P-14 'whole-re': what the RE clock counts and whom it gives up", () => {
  it("P-14 'whole-re': the RE's quiet counts from its oldest outstanding replicate when that is later than the last PRL message: a replicate held 50 ms after a long idle spell times nothing out", () => {
    // Nothing is written either way: no PRL message for 1.2 s. Then a packet is replicated
    // while the inter-RE link is held for 50 ms (the 300 ms timeout ticks every 100 ms).
    const h = new Harness(
      nsrConfig({
        durationNs: 2 * SEC,
        peers: IDLE,
        opts: { prlTimeoutSide: 'whole-re' },
        timers: { prlTimeoutNs: 300 * MS, kkcmPeriodNs: 100 * MS },
        faults: [fault(1250 * MS, { kind: 'inter-re-hold', durationNs: 50 * MS })],
      }),
      { checkers: false },
    );
    h.at(1250 * MS, (ctx) => {
      const rep = h.rep(0);
      ctx.send(
        h.nsr(0).ids.prl,
        { type: 'prl.input', handle: rep.handle, seg: dataSeg(rep, 0, 100) },
        0,
      );
    });
    h.runTo(1250 * MS);
    const heard = h.nsr(0).prl.lastHeardNs;
    expect(heard).toBeLessThan(1250 * MS - 300 * MS);
    // A tick saw the replicate outstanding.
    h.runTo(1299 * MS);
    expect(h.rep(0).prl.queue.length).toBe(1);
    h.finish();
    expect(h.of(K.prl.timeoutRe)).toEqual([]);
    expect(h.of(K.iha.cleanupSocket)).toEqual([]);
    expect(h.of(K.prl.l4, PRL0).filter((r) => r.fields.len === 100)).toHaveLength(1);
  });

  it("P-14 'whole-re', I-6: the RE gives up only its active primaries: the secondary it holds for a socket failed over to the other RE is left to that primary's own timeout", () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 3 * SEC,
        opts: { prlTimeoutSide: 'whole-re' },
        peers: [peer('pa', { sessions: 2, toRouter: traffic(100), fromRouter: traffic(100) })],
        faults: [
          fault(300 * MS, { kind: 'socket-failover', peer: 'pa', session: 1 }),
          fault(1000 * MS, { kind: 'backup-stall', durationNs: 1500 * MS }),
        ],
      }),
    );
    h.runTo(900 * MS);
    // Each RE holds one primary and one secondary.
    expect([h.rep(0, 'pa/0').role, h.rep(0, 'pa/1').role]).toEqual(['primary', 'secondary']);
    expect([h.rep(1, 'pa/0').role, h.rep(1, 'pa/1').role]).toEqual(['secondary', 'primary']);
    expect(h.finish()).toEqual([]);
    for (const [re, prim] of [
      [0, 'pa/0'],
      [1, 'pa/1'],
    ] as const) {
      const prl = ACTOR.nsr(re, 'prl');
      const to = h.of(K.prl.timeoutRe, prl);
      expect(to.map((r) => r.fields.sockets)).toEqual([1]);
      const rel = h.of(K.prl.release, prl).filter((r) => r.t === to[0]?.t);
      expect(rel.map((r) => r.fields.session)).toEqual([prim]);
    }
  });
});

describe('P-11: the secondary buffer check under each out-of-order accounting', () => {
  type Ooo = NsrOptions['oooAccounting'];
  /**
   * Replicates crafted on RE0 for the secondary at 300 ms (same instant, in order), each a
   * 100-byte segment `off` bytes past the secondary's rcv_nxt reporting `primarySpace`;
   * returns the secondary's answer (ACK reason) to each.
   */
  const answers = (
    ooo: Ooo,
    reps: ReadonlyArray<[off: number, primarySpace: number]>,
  ): string[] => {
    const h = new Harness(
      nsrConfig({ durationNs: 400 * MS, peers: IDLE, opts: { oooAccounting: ooo } }),
      {
        checkers: false,
      },
    );
    h.runTo(300 * MS - 1);
    const base = h.rep(1).conn.rcv_nxt;
    reps.forEach(([off, primarySpace], i) => {
      h.sendVia(0, 300 * MS, () => {
        const sec = h.rep(1);
        const seg = dataSeg(sec, 0, 100);
        return {
          t: 'prl.replicate',
          handle: h.rep(0).peerHandle,
          seq: 1001 + i,
          primarySpace,
          iif: 0,
          packet: encodeSegment({ ...seg, seq: (base + off) >>> 0 }),
        };
      });
    });
    h.runTo(310 * MS);
    return reps.map((_, i) => {
      const a = h.tx(1, 'prl.ack').find((r) => r.fields.seq === 1001 + i);
      return String(a?.fields.reason);
    });
  };
  // 100 bytes out of order first (plenty of space then), then the 100 bytes before them.
  const oooFirst = (space: number): Array<[number, number]> => [
    [100, 60000],
    [0, space],
  ];

  it("P-11 'doc': a packet passes while common_rcvbufspc exceeds the out-of-order bytes, whatever its length; it is NACKed once they use it all", () => {
    expect(answers('doc', oooFirst(100))).toEqual(['ok', 'bufferFull']);
    expect(answers('doc', oooFirst(101))).toEqual(['ok', 'ok']);
    expect(answers('doc', [[0, 1]])).toEqual(['ok']);
  });

  it("P-11 'count-incoming': the packet and the out-of-order bytes must both fit in common_rcvbufspc", () => {
    expect(answers('count-incoming', oooFirst(199))).toEqual(['ok', 'bufferFull']);
    expect(answers('count-incoming', oooFirst(200))).toEqual(['ok', 'ok']);
  });

  it("P-11 'ignore-ooo': only the packet must fit in common_rcvbufspc: one exactly filling it passes, one a byte larger is NACKed, out-of-order bytes aside", () => {
    expect(answers('ignore-ooo', oooFirst(100))).toEqual(['ok', 'ok']);
    expect(answers('ignore-ooo', [[0, 100]])).toEqual(['ok']);
    expect(answers('ignore-ooo', [[0, 99]])).toEqual(['bufferFull']);
  });
});

describe('P-6, P-5: a NACK inside an open coalesced batch', () => {
  it('P-6, P-5: a packet NACKed buffer-full while a coalesced batch is open first sends the batch ACK (the packets before it, with the batch base), then the NACK; nothing is ACKed twice', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 400 * MS,
        peers: IDLE,
        opts: { prlAck: 'coalesce', oooAccounting: 'count-incoming' },
      }),
      { checkers: false },
    );
    // Packet 1001 opens a batch with base 150 and uses 100 of it; 1002, the next 100 bytes,
    // does not fit in what is left.
    for (const [i, primarySpace] of [150, 60000].entries()) {
      h.sendVia(0, 300 * MS, () => {
        const sec = h.rep(1);
        return {
          t: 'prl.replicate',
          handle: h.rep(0).peerHandle,
          seq: 1001 + i,
          primarySpace,
          iif: 0,
          packet: encodeSegment(dataSeg(sec, 100 * i, 100)),
        };
      });
    }
    h.finish();
    expect(h.tx(1, 'prl.ack').map((r) => [r.fields.seq, r.fields.reason, r.fields.space])).toEqual([
      [1001, 'ok', 150],
      [1002, 'bufferFull', expect.any(Number)],
    ]);
  });
});
