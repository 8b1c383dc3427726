// Pins what a tiny KKCM output queue (kkcmQueueMax 2, or 1) does after a 60 ms inter-RE hold (SPEC K-4, I-6, P-4, P-5, G-2): a secondary send refused with ENOBUFS tears the secondary down, the primary drops what it still holds, the packet the deleted secondary had passed up among them, and no live socket ever lacks it: identical-data no longer misjudges that drop (it did: the finding of scenarios/library/fault/kkcm-enobufs.yaml).
//
// The burst the link releases at 1060 ms makes RE1 queue more messages per channel than
// the KKCM thread drains before its next wake-up: a send is refused with ENOBUFS (K-4),
// a PRL ACK with a queue of 1 (with 2, the thread drains the ACKs in time since one
// wake-up serves input and output, and a PSRM window update is refused instead),
// the client posts a replication error (client.ts send → postError, I-6), RE1's IHA deletes
// the secondary and tells RE0 (iha.error), and RE0's IHA unreplicates the primary with the
// PRL queue per nackError (drop by default, P-4). A packet the secondary had passed up L4
// whose ACK never reached the primary (refused by KKCM, or still on the receive-side
// channel while iha.error came on the send-side one, K-1) is among those dropped.
// The checker judged that as a G-2 pair disagreement. It is none: the secondary was
// deleted before the drop, the primary never acknowledged the packet, so the peer
// retransmits it and both the primary and its next secondary take it (the stream rule of
// the same checker holds). A release drop on a pair IHA has let go is no longer compared.
import { describe, expect, it } from 'vitest';
import type { NsrOptions } from '../../../model/nsr/options.ts';
import { MS, SEC, type TraceRecord } from '../../../sim/index.ts';
import { ACTOR, K } from '../../../model/vocab.ts';
import { Harness, fault, nsrConfig, peer, traffic } from './fixture.ts';

const PRL0 = ACTOR.nsr(0, 'prl');
const PRL1 = ACTOR.nsr(1, 'prl');
const IHA0 = ACTOR.nsr(0, 'iha');
const IHA1 = ACTOR.nsr(1, 'iha');
/** The inter-RE link lets the held messages go at 1060 ms. */
const RELEASE_NS = 1060 * MS;

/** The reported run: 2 messages per KKCM channel, the inter-RE link held 60 ms at 1 s. */
function run(seed: number, opts: Partial<NsrOptions> = {}, kkcmQueueMax = 2): Harness {
  return new Harness(
    nsrConfig({
      seed,
      durationNs: 2 * SEC,
      bounds: { kkcmQueueMax },
      opts,
      peers: [peer('pa', { toRouter: traffic(200), fromRouter: traffic(200) })],
      faults: [fault(1 * SEC, { kind: 'inter-re-hold', durationNs: 60 * MS })],
    }),
  );
}

const at = (rs: readonly TraceRecord[]): Array<[number, Record<string, unknown>]> =>
  rs.map((r) => [r.t, r.fields]);

/** PRL records of `kind` on `actor` for replicate `seq` of pair `pair`. */
function prlOf(h: Harness, kind: string, actor: string, pair: string, seq: number): TraceRecord[] {
  return h.of(kind, actor).filter((r) => r.fields.pair === pair && r.fields.seq === seq);
}

describe('K-4, I-6: a secondary send refused with ENOBUFS after an inter-RE hold', () => {
  it('K-4, I-6, P-4, P-5: the ACK of packet 39 is refused (queue full), the secondary passes it up L4 all the same, is deleted, and the primary drops 39 with the rest of its queue on the peer’s iha.error; identical-data accepts it, and the peer’s retransmission brings the bytes to both sockets of the next pair', () => {
    // A queue of 1 message: the socket's replication is torn down (a refused PSRM window
    // update or SDRL message) and set up again four times before the hold (handles 1-4);
    // handle 5 is the pair of the story.
    const h = run(2, {}, 1);
    const violations = h.finish();
    const afterHold = (rs: readonly TraceRecord[]): TraceRecord[] =>
      rs.filter((r) => r.t >= RELEASE_NS);
    // The released burst: the ACK of 38 fills RE1's receive-side channel queue.
    const acks = h.tx(1, 'prl.ack').filter((r) => r.t >= RELEASE_NS && r.t < RELEASE_NS + 1 * MS);
    expect(acks.map((r) => [r.fields.seq, r.fields.reason])).toEqual([
      [38, 'ok'],
      [40, 'invalidHandle'],
      [41, 'invalidHandle'],
      [42, 'invalidHandle'],
      [44, 'invalidHandle'],
      [45, 'invalidHandle'],
      [46, 'invalidHandle'],
    ]);
    // 39: KKCM refuses its ACK (K-4), PRL posts the error (I-6) and passes 39 up L4 (P-5).
    const refused = 1_060_081_736;
    expect(at(h.of(K.kkcm.queueFull, PRL1).filter((r) => r.t === refused))).toEqual([
      [refused, { ch: 'recv', t: 'prl.ack', handle: 5 }],
    ]);
    expect(at(h.of(K.nsr.replicationError, PRL1).filter((r) => r.t === refused))).toEqual([
      [
        refused,
        {
          session: 'pa/0',
          handle: 5,
          by: 'prl',
          reason: 'send failed: ENOBUFS: KKCM output queue full',
        },
      ],
    ]);
    const up39 = prlOf(h, K.prl.l4, PRL1, 're0#5', 39);
    expect(up39.map((r) => [r.t, r.fields.role])).toEqual([[refused, 'secondary']]);
    // ihaNs later RE1's IHA deletes the secondary and tells RE0 (I-6).
    const deleted = refused + 20_000;
    expect(at(afterHold(h.of(K.iha.deleteSecondary, IHA1)))).toEqual([
      [
        deleted,
        {
          session: 'pa/0',
          handle: 5,
          reason: 'send failed: ENOBUFS: KKCM output queue full',
        },
      ],
    ]);
    expect(afterHold(h.tx(1, 'iha.error')).map((r) => r.t)).toEqual([deleted]);
    // RE0 hears it 70 µs later, before the ACK of 38: nackError drop releases 38…46.
    const dropped = 1_060_172_216;
    expect(at(afterHold(h.of(K.iha.cleanupSocket, IHA0)))).toEqual([
      [dropped, { session: 'pa/0', handle: 5, role: 'primary', reason: 'peer reported failed' }],
    ]);
    expect(at(afterHold(h.of(K.prl.release, IHA0)))).toEqual([
      [dropped, { session: 'pa/0', mode: 'drop', queued: 9, pending: 0 }],
    ]);
    expect(h.of(K.prl.drop, IHA0).map((r) => [r.t, r.fields.seq])).toEqual(
      [38, 39, 40, 41, 42, 43, 44, 45, 46].map((s) => [dropped, s]),
    );
    expect(prlOf(h, K.prl.l4, PRL0, 're0#5', 39)).toEqual([]);
    // The secondary was deleted first: the drop is no pair disagreement (G-2 holds).
    expect(violations).toEqual([]);
    // The primary never acknowledged 39: the peer's RTO retransmits its first byte (in a
    // full-sized segment that starts inside 38), that segment is replicated on the next
    // pair and goes up L4 on both sockets. No socket ever lacks those bytes.
    const first = up39[0]?.fields.tcpSeq as number;
    const covers = (r: TraceRecord): boolean =>
      (r.fields.seq as number) <= first &&
      first < (r.fields.seq as number) + (r.fields.len as number);
    const rto = h.of(K.tcp.retransmit, ACTOR.peer('pa')).filter(covers);
    expect(rto.length).toBe(1);
    const again = h
      .of(K.prl.l4)
      .filter((r) => r.t > dropped && r.fields.tcpSeq === rto[0]?.fields.seq);
    expect(again.map((r) => [r.actor, r.fields.pair, r.fields.role])).toEqual([
      [PRL1, 're0#6', 'secondary'],
      [PRL0, 're0#6', 'primary'],
    ]);
  });

  it('K-1, I-6: with the ACK sent, iha.error on the send-side channel overtakes it on the receive-side one: the primary drops packet 185 the secondary had passed up and ACKed (a PSRM window update refused with ENOBUFS started it)', () => {
    const h = run(11);
    const violations = h.finish();
    const psrmRefused = h.of(K.nsr.replicationError, ACTOR.nsr(1, 'psrm'));
    expect(psrmRefused.map((r) => r.fields.reason)).toEqual([
      'send failed: ENOBUFS: KKCM output queue full',
    ]);
    // No PRL send of RE1 is refused: the ACK of 185 goes out (after the PSRM error).
    expect(h.of(K.nsr.sendFailed.prl, PRL1)).toEqual([]);
    const ack185 = h.tx(1, 'prl.ack').filter((r) => r.fields.seq === 185 && r.t >= RELEASE_NS);
    expect(ack185.map((r) => r.fields.reason)).toEqual(['ok']);
    const up185 = prlOf(h, K.prl.l4, PRL1, 're0#1', 185);
    expect(up185.length).toBe(1);
    const deleted = h.of(K.iha.deleteSecondary, IHA1).map((r) => r.t);
    const drop185 = h.of(K.prl.drop, IHA0).filter((r) => r.fields.seq === 185);
    const late = h.of(K.prl.ackUnknown, PRL0).filter((r) => r.fields.seq === 185);
    // Secondary up L4, then deleted, then the primary's drop, then the ACK arrives too late.
    expect(deleted.length).toBe(1);
    const order = [up185[0]?.t, deleted[0], drop185[0]?.t, late[0]?.t];
    expect(order.every((t) => t !== undefined)).toBe(true);
    expect([...order].sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(order);
    expect(violations).toEqual([]);
  });

  it('P-4: with nackError push the primary passes what it held up L4 on the peer’s error and both runs are judged clean', () => {
    for (const seed of [2, 11]) {
      const h = run(seed, { nackError: 'push' });
      expect(h.finish(), `seed ${seed}`).toEqual([]);
      expect(h.of(K.iha.deleteSecondary, IHA1).length, `seed ${seed}`).toBe(1);
      expect(h.of(K.prl.release, IHA0).map((r) => r.fields.mode)).toEqual(['push']);
    }
  });

  // identical-data used to compare a primary's release drop with what a secondary already
  // deleted had passed up (packet()); the pair had ended on the secondary's side first.
  it('G-2: the default design passes identical-data here: the drops follow the deletion of the secondary, and no socket that lives on lacks a byte', () => {
    for (const seed of [2, 11]) expect(run(seed).finish(), `seed ${seed}`).toEqual([]);
  });

  it('K-4, I-6, G-4: with a KKCM queue of 1 message a replicate KKCM refuses ends the socket’s replication at once: the packets queued before it go up L4 first, then it, in arrival order (it used to go up alone, ahead of them: in-order fired)', () => {
    for (const [seed, prlQueue] of [
      [9, 'per-inpcb'],
      [5, 'per-inpcb'],
      [10, 'global'],
    ] as const) {
      const h = run(seed, { prlQueue }, 1);
      expect(h.finish(), `seed ${seed}`).toEqual([]);
      const refused = h.of(K.nsr.sendFailed.prl, PRL0);
      expect(refused.length, `seed ${seed}: a replicate refused`).toBeGreaterThan(0);
      const up = h.of(K.prl.l4, PRL0).concat(h.of(K.prl.l4, IHA0));
      up.sort((a, b) => a.id - b.id);
      // Arrival indices count per replicated socket (a new pair starts at 1 again).
      const pairs = new Set(up.map((r) => String(r.fields.pair)));
      expect(pairs.size, `seed ${seed}: set up again`).toBeGreaterThan(1);
      for (const pair of pairs) {
        const arrivals = up
          .filter((r) => r.fields.pair === pair)
          .map((r) => r.fields.arrival as number)
          .filter((a) => a > 0);
        expect(arrivals, `seed ${seed}, ${pair}`).toEqual([...arrivals].sort((a, b) => a - b));
      }
    }
  });

  it("I-2, P-3: a late ACK for a socket whose replication is already gone is unknown (ack-unknown): it is not matched by the other RE's handle numbering to an unrelated socket, whose replication it used to tear down as an ACK mismatch", () => {
    // Global queue, 3 sessions, a KKCM queue of 1: refused sends tear replication down and
    // set it up again, and ACKs of the old sockets still arrive. The two REs number their
    // handles independently, so such an ACK's handle may equal another socket's peer handle.
    const h = new Harness(
      nsrConfig({
        seed: 8,
        durationNs: 2 * SEC,
        bounds: { kkcmQueueMax: 1 },
        opts: { prlQueue: 'global' },
        peers: [peer('pa', { sessions: 3, toRouter: traffic(200), fromRouter: traffic(200) })],
        faults: [fault(1 * SEC, { kind: 'inter-re-hold', durationNs: 60 * MS })],
      }),
    );
    expect(h.finish()).toEqual([]);
    expect(h.of(K.prl.ackMismatch, PRL0)).toEqual([]);
    const unknown = h.of(K.prl.ackUnknown, PRL0);
    expect(unknown.length).toBeGreaterThan(0);
    // Each names a handle that is no longer in RE0's table.
    for (const r of unknown) expect(h.nsr(0).rep(r.fields.handle as number)).toBeUndefined();
  });
});
