// Proves that on a NACK invalid-handle / not-replicating for the head of the queue, nackError drop (§6.2c) drops that packet and pushes nothing, while nackError push (§7.3c) drops nothing and hands every queued packet to L4, the NACKed head first (SPEC P-4).
import { describe, expect, it } from 'vitest';
import { MS, type TraceRecord } from '../../../sim/index.ts';
import { ACTOR, K } from '../../../model/vocab.ts';
import { Harness, fault, nsrConfig, peer, traffic } from './fixture.ts';

/**
 * Holds the inter-RE link so replicated packets pile up unACKed, then hands RE1's KKCM a
 * NACK not-replicating naming the primary's current head (read at that instant).
 */
function nackTheHead(mode: 'drop' | 'push'): {
  h: Harness;
  nacked: { seq: number; handle: number };
} {
  const h = new Harness(
    nsrConfig({
      durationNs: 1500 * MS,
      opts: { nackError: mode },
      peers: [peer('pa', { toRouter: traffic(200) })],
      faults: [fault(500 * MS, { kind: 'inter-re-hold', durationNs: 60 * MS })],
    }),
  );
  const nacked = { seq: -1, handle: -1 };
  h.at(530 * MS, (ctx) => {
    const rep = h.nsr(0).bySession.get('pa/0');
    const e = rep?.prl.queue[0];
    if (rep === undefined || e === undefined) throw new Error('nothing queued at 530 ms');
    nacked.seq = e.seq;
    nacked.handle = rep.handle;
    const err = h.nsr(1).kkcm.send(ctx, {
      t: 'prl.ack',
      handle: rep.handle,
      seq: e.seq,
      space: 0,
      reason: 'notReplicating',
    });
    if (err !== undefined) throw new Error(err);
  });
  return { h, nacked };
}

describe('P-4: NACK invalid-handle / not-replicating for the head of the queue', () => {
  it('P-4 drop (§6.2c): the NACKed head is dropped (prl.drop nack-notReplicating) and the rest of the queue is dropped at clean-up', () => {
    const { h, nacked } = nackTheHead('drop');
    h.finish();
    const head = nacked.seq;
    const nack = h.of(K.prl.nack, ACTOR.nsr(0, 'prl'))[0] as TraceRecord;
    expect(nack.fields).toMatchObject({ seq: head, reason: 'notReplicating' });
    const drops = h.of(K.prl.drop, ACTOR.nsr(0, 'prl')).filter((r) => r.t === nack.t);
    expect(drops.map((r) => [r.fields.reason, r.fields.seq])).toEqual([
      ['nack-notReplicating', head],
    ]);
    const rel = h.of(K.prl.release, ACTOR.nsr(0, 'iha'))[0] as TraceRecord;
    expect(rel.fields.mode).toBe('drop');
    // The head never went up L4 on the primary (a later replication of the socket has a
    // new handle and numbers its packets from 1 again).
    const up = h
      .of(K.prl.l4, 're0/')
      .filter((r) => r.fields.handle === nacked.handle && r.fields.seq === head);
    expect(up).toEqual([]);
  });

  it('P-4 push (§7.3c): nothing is dropped; at clean-up the whole queue goes up L4, the NACKed head first and in arrival order', () => {
    const { h, nacked } = nackTheHead('push');
    // The injected NACK lies (the secondary is replicating): the held replicates reach it
    // and go up there too, so both sides end with the same bytes and nothing fires.
    expect(h.finish()).toEqual([]);
    const head = nacked.seq;
    const nack = h.of(K.prl.nack, ACTOR.nsr(0, 'prl'))[0] as TraceRecord;
    expect(nack.fields).toMatchObject({ seq: head, reason: 'notReplicating' });
    expect(h.of(K.prl.drop, ACTOR.nsr(0, 'prl'))).toEqual([]);
    const rel = h.of(K.prl.release, ACTOR.nsr(0, 'iha'))[0] as TraceRecord;
    expect(rel.fields).toMatchObject({ mode: 'push' });
    const pushed = h
      .of(K.prl.l4, ACTOR.nsr(0, 'iha'))
      .filter((r) => r.t === rel.t && r.fields.space === undefined);
    expect(pushed).toHaveLength(rel.fields.queued as number);
    expect(pushed[0]?.fields.seq).toBe(head);
    const arrivals = pushed.map((r) => r.fields.arrival as number);
    expect(arrivals).toEqual([...arrivals].sort((a, b) => a - b));
  });
});
