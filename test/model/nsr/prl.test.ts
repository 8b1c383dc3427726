// Proves that PRL holds packets during set-up and flushes them in arrival order on activation, numbers replicated packets per inpcb, passes a packet up L4 only on its ACK and against the common_rcvbufspc both sides agreed, NACKs without L4 input, times out a silent backup, drops on buffer exhaustion, reopens a zero window, runs and replicates under every PRL design option, and keeps the secondary's receive-side tcpcb equal to the primary's (SPEC P-1…P-13, I-4).
import { describe, expect, it } from 'vitest';
import type { TcpConnection } from '../../../model/tcp/tcp.ts';
import { MS, SEC, type TraceRecord } from '../../../sim/index.ts';
import { Harness, fault, nsrConfig, peer, silence, traffic } from './fixture.ts';
import { ACTOR, K } from '../../../model/vocab.ts';

const primaryL4 = (h: Harness, session = 'pa/0'): TraceRecord[] =>
  h
    .of(K.prl.l4, ACTOR.nsr(0, 'prl'))
    .filter((r) => r.fields.role === 'primary' && r.fields.session === session);
const secondaryL4 = (h: Harness, session = 'pa/0'): TraceRecord[] =>
  h
    .of(K.prl.l4, ACTOR.nsr(1, 'prl'))
    .filter((r) => r.fields.role === 'secondary' && r.fields.session === session);

/** A backup application that stops reading for a second fills the secondary's small buffer. */
const BACKUP_STALL = {
  durationNs: 2500 * MS,
  router: { socketBufferBytes: 8192 },
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
};

/**
 * The same, shorter: with requeue (§7.3c) a full secondary buffer makes every NACKed packet
 * bounce between the REs at once until the backup reads again (no back-off in the design).
 */
const REQUEUE_STALL = {
  ...BACKUP_STALL,
  durationNs: 1 * SEC,
  faults: [
    fault(500 * MS, {
      kind: 'app-stall',
      side: 'router',
      peer: undefined,
      durationNs: 150 * MS,
      re: 'backup',
    }),
  ],
};

describe('P-1, I-4: packets during set-up', () => {
  it('P-1, I-4: packets that arrive while set-up is in progress are held (not passed up, not replicated), then replicated in arrival order when replication becomes active', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 800 * MS,
        costs: { psrmNs: 150 * MS },
        peers: [peer('pa', { toRouter: traffic(100, 64, 600) })],
      }),
    );
    expect(h.finish()).toEqual([]);
    const pending = h.of(K.prl.pending, ACTOR.nsr(0, 'prl'));
    expect(pending.length).toBeGreaterThanOrEqual(3);
    expect(pending.map((r) => r.fields.arrival)).toEqual(pending.map((_, i) => i + 1));
    const active = h.of(K.iha.active, ACTOR.nsr(0, 'iha'))[0] as TraceRecord;
    const flush = h.of(K.prl.flush, ACTOR.nsr(0, 'prl'))[0] as TraceRecord;
    for (const p of pending) expect(p.id).toBeLessThan(active.id);
    expect(flush.id).toBeGreaterThan(active.id);
    expect(flush.fields.packets).toBe(pending.length);
    // Nothing went up L4 on the primary and nothing was replicated before the flush.
    expect(h.of(K.prl.l4, ACTOR.nsr(0, 'prl')).filter((r) => r.id < flush.id)).toEqual([]);
    expect(h.of(K.prl.queue, ACTOR.nsr(0, 'prl')).filter((r) => r.id < flush.id)).toEqual([]);
    // The held packets are the first replicated, in arrival order, numbered 1…n.
    const queued = h.of(K.prl.queue, ACTOR.nsr(0, 'prl'));
    expect(queued.slice(0, pending.length).map((r) => [r.fields.seq, r.fields.arrival])).toEqual(
      pending.map((p, i) => [i + 1, p.fields.arrival]),
    );
    // G-4: both sockets pass them up in that order.
    expect(primaryL4(h).map((r) => r.fields.arrival)).toEqual(queued.map((r) => r.fields.arrival));
    expect(secondaryL4(h).map((r) => r.fields.seq)).toEqual(queued.map((r) => r.fields.seq));
  });

  it('P-1: once a socket is no longer replicated (backup gone), its packets go straight to L4: no PRL queueing, data still delivered', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 2 * SEC,
        faults: [fault(800 * MS, { kind: 're-crash', target: 'backup' })],
      }),
    );
    h.runTo(1 * SEC);
    const before = h.world.res[0].session('pa/0')?.verifier.bytes as number;
    expect(h.finish()).toEqual([]);
    expect(h.of(K.prl.queue, ACTOR.nsr(0, 'prl')).filter((r) => r.t > 1 * SEC)).toEqual([]);
    expect(h.of(K.prl.pending, ACTOR.nsr(0, 'prl')).filter((r) => r.t > 1 * SEC)).toEqual([]);
    expect(h.world.res[0].session('pa/0')?.verifier.bytes).toBeGreaterThan(before);
  });
});

describe('P-3, P-9: sequence numbers and ACKs', () => {
  it('P-9: sequence numbers are per inpcb by default: each socket numbers its replicated packets 1, 2, 3, …', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 1 * SEC,
        peers: [peer('pa', { sessions: 3, toRouter: traffic(40) })],
      }),
    );
    expect(h.finish()).toEqual([]);
    for (const s of ['pa/0', 'pa/1', 'pa/2']) {
      const seqs = h
        .of(K.prl.queue, ACTOR.nsr(0, 'prl'))
        .filter((r) => r.fields.session === s)
        .map((r) => r.fields.seq);
      expect(seqs.length, s).toBeGreaterThan(10);
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    }
  });

  it('P-9: with one global queue the sequence numbers are global: consecutive over all sockets, and replication works', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 1 * SEC,
        opts: { prlQueue: 'global' },
        peers: [peer('pa', { sessions: 3, toRouter: traffic(40) })],
      }),
    );
    expect(h.finish()).toEqual([]);
    const q = h.of(K.prl.queue, ACTOR.nsr(0, 'prl'));
    expect(q.map((r) => r.fields.seq)).toEqual(q.map((_, i) => i + 1));
    expect(new Set(q.slice(0, 30).map((r) => r.fields.session)).size).toBe(3);
    for (const s of ['pa/0', 'pa/1', 'pa/2'])
      expect(secondaryL4(h, s).length).toBe(primaryL4(h, s).length);
  });

  it('P-3, P-10: a packet goes up L4 on the primary only when the ACK for its sequence number arrives, judged against the common_rcvbufspc the ACK carries', () => {
    const h = new Harness(
      nsrConfig({ durationNs: 1 * SEC, peers: [peer('pa', { toRouter: traffic(100) })] }),
    );
    expect(h.finish()).toEqual([]);
    const acks = new Map(h.rx(0, 'prl.ack').map((r) => [r.fields.seq, r]));
    const l4 = primaryL4(h);
    expect(l4.length).toBeGreaterThan(50);
    for (const r of l4) {
      const ack = acks.get(r.fields.seq) as TraceRecord;
      expect(ack.fields.reason, `seq ${String(r.fields.seq)}`).toBe('ok');
      expect(ack.id).toBeLessThan(r.id);
      expect(r.fields.space).toBe(ack.fields.space);
    }
    // And the primary records it.
    const rep = h.nsr(0).bySession.get('pa/0');
    expect(rep?.prl.common_rcvbufspc).toBe(l4.at(-1)?.fields.space);
  });
});

describe('P-4, P-5: NACKs', () => {
  it('P-5: the secondary NACKs buffer-full with its current space when the buffer check fails, and does not pass that packet up L4; the primary drops it (P-4 default)', () => {
    const h = new Harness(nsrConfig(BACKUP_STALL));
    expect(h.finish()).toEqual([]);
    const nacks = h
      .of(K.prl.nackSent, ACTOR.nsr(1, 'prl'))
      .filter((r) => r.fields.reason === 'bufferFull');
    expect(nacks.length).toBeGreaterThan(0);
    const secUp = new Set(secondaryL4(h).map((r) => r.fields.seq));
    const primUp = new Set(primaryL4(h).map((r) => r.fields.seq));
    for (const n of nacks) {
      expect(secUp.has(n.fields.seq), `seq ${String(n.fields.seq)}`).toBe(false);
      expect(primUp.has(n.fields.seq), `seq ${String(n.fields.seq)}`).toBe(false);
      const drop = h.of(K.prl.drop, ACTOR.nsr(0, 'prl')).find((r) => r.fields.seq === n.fields.seq);
      expect(drop?.fields.reason).toBe('nack-buffer-full');
    }
    // The NACK carries the secondary's space; the primary learns it.
    const rx = h.rx(0, 'prl.ack').filter((r) => r.fields.reason === 'bufferFull');
    expect(rx.map((r) => r.fields.space)).toEqual(nacks.map((n) => n.fields.space));
    // The peer resends; nothing is lost for the applications.
    expect(h.world.res[0].session('pa/0')?.verifier.errors).toEqual([]);
  });

  it('P-4: with nackBufferFull requeue the NACKed packet is replicated again (new sequence number, same arrival) and eventually passed up on both sides', () => {
    const h = new Harness(nsrConfig({ ...REQUEUE_STALL, opts: { nackBufferFull: 'requeue' } }), {
      checkers: false,
    });
    h.finish();
    const nacked = h
      .of(K.prl.nack, ACTOR.nsr(0, 'prl'))
      .filter((r) => r.fields.reason === 'bufferFull');
    expect(nacked.length).toBeGreaterThan(0);
    expect(
      h.of(K.prl.drop, ACTOR.nsr(0, 'prl')).filter((r) => r.fields.reason === 'nack-buffer-full'),
    ).toEqual([]);
    const queue = h.of(K.prl.queue, ACTOR.nsr(0, 'prl'));
    const byArrival = new Map<unknown, TraceRecord[]>();
    for (const q of queue)
      byArrival.set(q.fields.arrival, [...(byArrival.get(q.fields.arrival) ?? []), q]);
    for (const n of nacked) {
      const first = queue.find((q) => q.fields.seq === n.fields.seq) as TraceRecord;
      const tries = byArrival.get(first.fields.arrival) as TraceRecord[];
      expect(tries.length, `arrival ${String(first.fields.arrival)}`).toBeGreaterThan(1);
    }
    expect(secondaryL4(h).length).toBe(primaryL4(h).length);
  });

  it('P-4: NACK not-replicating posts a replication error; nackError drop drops the queued packets, push passes them up L4', () => {
    for (const mode of ['drop', 'push'] as const) {
      // Hold the inter-RE link so packets pile up unACKed, then the NACK arrives first.
      const h = new Harness(
        nsrConfig({
          durationNs: 1500 * MS,
          opts: { nackError: mode },
          peers: [peer('pa', { toRouter: traffic(200) })],
          faults: [fault(500 * MS, { kind: 'inter-re-hold', durationNs: 60 * MS })],
        }),
      );
      h.sendVia(1, 530 * MS, {
        t: 'prl.ack',
        handle: 1,
        seq: 0,
        space: 0,
        reason: 'notReplicating',
      });
      // The injected NACK lies: the secondary is replicating, and once the held link
      // releases it passes up the replicates the primary already dropped. identical-data
      // reports exactly that in drop mode (G-2); push mode passes them up on both sides.
      const checks = h.finish().map((v) => v.check);
      expect(checks, mode).toEqual(mode === 'drop' ? ['identical-data'] : []);
      expect(h.of(K.nsr.replicationError, ACTOR.nsr(0, 'prl')).map((r) => r.fields.reason)).toEqual(
        ['NACK notReplicating'],
      );
      const rel = h.of(K.prl.release, ACTOR.nsr(0, 'iha'));
      expect(rel).toHaveLength(1);
      expect(rel[0]?.fields.mode).toBe(mode);
      const queued = rel[0]?.fields.queued as number;
      expect(queued).toBeGreaterThan(0);
      const at = rel[0]?.t;
      const dropped = h
        .of(K.prl.drop, ACTOR.nsr(0, 'iha'))
        .filter((r) => r.t === at && r.fields.reason === 'release');
      const pushed = h
        .of(K.prl.l4, ACTOR.nsr(0, 'iha'))
        .filter((r) => r.t === at && r.fields.space === undefined);
      expect([dropped.length, pushed.length]).toEqual(mode === 'drop' ? [queued, 0] : [0, queued]);
      expect(h.of(K.iha.cleanupSocket, ACTOR.nsr(1, 'iha'))).toHaveLength(1);
    }
  });

  it('P-4, I-2: NACK invalid handle from the secondary also posts a replication error on the primary', () => {
    const h = new Harness(nsrConfig({ durationNs: 800 * MS }));
    h.sendVia(1, 300 * MS, { t: 'prl.ack', handle: 1, seq: 0, space: 0, reason: 'invalidHandle' });
    expect(h.finish()).toEqual([]);
    expect(h.of(K.prl.nack, ACTOR.nsr(0, 'prl')).map((r) => r.fields.reason)).toEqual([
      'invalidHandle',
    ]);
    expect(h.of(K.nsr.replicationError, ACTOR.nsr(0, 'prl')).map((r) => r.fields.reason)).toEqual([
      'NACK invalidHandle',
    ]);
    expect(h.of(K.iha.active, ACTOR.nsr(0, 'iha')).filter((r) => r.t > 300 * MS)).toHaveLength(1);
  });
});

describe('P-7: timeout', () => {
  it('P-7: when the backup stalls, the periodic handler times the socket out: queued packets go up L4 on the primary, replication is disabled, an error is posted, and set-up resumes later', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 3 * SEC,
        peers: [peer('pa', { toRouter: traffic(100) })],
        faults: [fault(500 * MS, { kind: 'backup-stall', durationNs: 1500 * MS })],
      }),
    );
    expect(h.finish()).toEqual([]);
    const to = h.of(K.prl.timeout, ACTOR.nsr(0, 'prl'));
    expect(to).toHaveLength(1);
    const t = to[0] as TraceRecord;
    expect(t.fields.quietNs).toBeGreaterThanOrEqual(h.nsr(0).timers.prlTimeoutNs);
    // Only while replicates were outstanding, and from the periodic handler.
    expect(t.fields.queued).toBeGreaterThan(0);
    expect(
      h.sends('nsr.periodic', ACTOR.nsr(0, 'kkcm'), ACTOR.nsr(0, 'prl')).some((r) => r.t === t.t),
    ).toBe(true);
    const rel = h.of(K.prl.release, ACTOR.nsr(0, 'prl')).find((r) => r.t === t.t);
    expect(rel?.fields).toMatchObject({ mode: 'push', queued: t.fields.queued });
    expect(
      h
        .of(K.prl.l4, ACTOR.nsr(0, 'prl'))
        .filter((r) => r.t === t.t && r.fields.space === undefined),
    ).toHaveLength(t.fields.queued as number);
    expect(
      h.of(K.nsr.replicationError, ACTOR.nsr(0, 'prl')).find((r) => r.t === t.t)?.fields.reason,
    ).toBe('PRL timeout');
    expect(h.of(K.iha.cleanupSocket, ACTOR.nsr(0, 'iha')).filter((r) => r.t >= t.t)).toHaveLength(
      1,
    );
    // After the stall the socket is replicated again.
    expect(h.of(K.iha.active, ACTOR.nsr(0, 'iha')).filter((r) => r.t > 2 * SEC)).toHaveLength(1);
  });

  it('P-7: no timeout while nothing is outstanding, however long the quiet', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 3 * SEC,
        timers: { prlTimeoutNs: 200 * MS },
        peers: [peer('pa', { toRouter: traffic(1) })],
      }),
    );
    expect(h.finish()).toEqual([]);
    expect(h.of(K.prl.timeout)).toEqual([]);
  });
});

describe('P-8: PRL buffer', () => {
  it("P-8: with PRL's buffer for unACKed packets exhausted, later packets are dropped (never queued beyond the bound) and the peer recovers", () => {
    const bound = 2000;
    const h = new Harness(
      nsrConfig({
        durationNs: 2 * SEC,
        bounds: { prlBufferBytes: bound },
        peers: [peer('pa', { toRouter: traffic(300) })],
      }),
    );
    expect(h.finish()).toEqual([]);
    const drops = h
      .of(K.prl.drop, ACTOR.nsr(0, 'prl'))
      .filter((r) => r.fields.reason === 'prl-buffer');
    expect(drops.length).toBeGreaterThan(0);
    for (const q of h.of(K.prl.queue, ACTOR.nsr(0, 'prl')))
      expect(q.fields.bytes).toBeLessThanOrEqual(bound);
    // A dropped packet is dropped before it gets a PRL sequence number (store and forward):
    // the replicated ones stay numbered 1, 2, 3, … with no hole.
    expect(drops.every((d) => d.fields.seq === undefined)).toBe(true);
    const seqs = h.of(K.prl.queue, ACTOR.nsr(0, 'prl')).map((r) => r.fields.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    // The peer resent what was dropped: the stream is whole.
    const reader = h.world.res[0].session('pa/0');
    expect(reader?.verifier.errors).toEqual([]);
    expect(reader?.verifier.bytes).toBeGreaterThan(
      0.9 * (h.world.peers[0]?.sessions[0]?.writer.offset as number),
    );
  });
});

describe('P-10: common_rcvbufspc', () => {
  it('P-10: both sides judge every replicated packet against the same common_rcvbufspc (per sequence number), also while the backup application stalls', () => {
    const h = new Harness(nsrConfig(BACKUP_STALL));
    expect(h.finish()).toEqual([]);
    const sec = new Map(secondaryL4(h).map((r) => [r.fields.seq, r.fields.space]));
    const prim = primaryL4(h);
    expect(prim.length).toBeGreaterThan(100);
    for (const r of prim)
      expect(r.fields.space, `seq ${String(r.fields.seq)}`).toBe(sec.get(r.fields.seq));
    // The space did go down to nothing during the stall.
    expect(Math.min(...prim.map((r) => r.fields.space as number))).toBe(0);
  });

  it("P-10: the replicate carries the primary's space, the secondary ACKs min(primary space, its own free space)", () => {
    const h = new Harness(nsrConfig(BACKUP_STALL));
    h.runTo(1);
    const sent = h.capture(0);
    const checked: Array<[number, number, number]> = [];
    h.world.sim.trace.addListener((r) => {
      if (
        r.kind !== K.kkcm.tx ||
        r.actor !== ACTOR.nsr(1, 'prl') ||
        r.fields.t !== 'prl.ack' ||
        r.fields.reason !== 'ok'
      )
        return;
      // The ACK is sent before the secondary's L4 input: so_rcv is as the check saw it.
      const own = h.nsr(1).bySession.get('pa/0')?.conn.so_rcv.sbspace() as number;
      const rep = sent.find((m) => m.msg.t === 'prl.replicate' && m.msg.seq === r.fields.seq)?.msg;
      const primarySpace = rep?.t === 'prl.replicate' ? rep.primarySpace : NaN;
      checked.push([r.fields.space as number, primarySpace, own]);
    });
    expect(h.finish()).toEqual([]);
    expect(checked.length).toBeGreaterThan(100);
    for (const [space, primarySpace, own] of checked)
      expect(space).toBe(Math.min(primarySpace, own));
    // Both sides were the limit at some point.
    expect(checked.some(([, p, o]) => o < p)).toBe(true);
  });

  it('P-10: a zero window closed by a stalled backup application reopens when it reads again (flow-control message), and data flows on', () => {
    const h = new Harness(nsrConfig(BACKUP_STALL));
    h.runTo(1500 * MS);
    const atEnd = h.world.res[1].session('pa/0')?.verifier.bytes as number;
    const shutAt = primaryL4(h).find((r) => r.fields.space === 0)?.t as number;
    expect(shutAt).toBeGreaterThan(500 * MS);
    expect(h.finish()).toEqual([]);
    // The backup application read again and told the primary.
    const win = h.rx(0, 'psrm.window').filter((r) => r.t > 1500 * MS);
    expect(win.length).toBeGreaterThan(0);
    expect(win[0]?.fields.space).toBeGreaterThan(0);
    // Data flows again on both sockets.
    expect(
      secondaryL4(h).filter((r) => r.t > 1600 * MS && (r.fields.len as number) > 0).length,
    ).toBeGreaterThan(20);
    expect(h.world.res[1].session('pa/0')?.verifier.bytes).toBeGreaterThan(atEnd);
  });

  it("P-10: a zero window closed by the master's stalled application reopens too", () => {
    const h = new Harness(
      nsrConfig({
        ...BACKUP_STALL,
        faults: [
          fault(500 * MS, {
            kind: 'app-stall',
            side: 'router',
            peer: undefined,
            durationNs: 1 * SEC,
            re: 'master',
          }),
        ],
      }),
    );
    expect(h.finish()).toEqual([]);
    const zero = h.of(K.pfe.tx).filter((r) => r.fields.sport === 179 && r.fields.wnd === 0);
    expect(zero.length).toBeGreaterThan(0);
    expect(zero.every((r) => r.t < 1600 * MS)).toBe(true);
    expect(
      primaryL4(h).filter((r) => r.t > 1600 * MS && (r.fields.len as number) > 0).length,
    ).toBeGreaterThan(20);
  });
});

describe('design options: every PRL option runs and replicates', () => {
  const options: Array<[string, object]> = [
    ['P-4 nackBufferFull drop', { nackBufferFull: 'drop' }],
    ['P-4 nackError push', { nackError: 'push' }],
    ['P-6 prlAck coalesce', { prlAck: 'coalesce' }],
    ['P-9 prlQueue global', { prlQueue: 'global' }],
    ['P-11 oooAccounting doc', { oooAccounting: 'doc' }],
    ['P-11 oooAccounting count-incoming', { oooAccounting: 'count-incoming' }],
    ['P-11 oooAccounting ignore-ooo', { oooAccounting: 'ignore-ooo' }],
    ['P-12 prlL3Header false', { prlL3Header: false }],
  ];
  for (const [name, opts] of options) {
    it(`${name}: a steady run with two sessions (one over a reordering wire) replicates every packet to both sockets with no violation`, () => {
      const h = new Harness(
        nsrConfig({
          durationNs: 1500 * MS,
          opts,
          peers: [
            peer('pa', { toRouter: traffic(80) }),
            peer('pb', {
              toRouter: traffic(80),
              link: {
                latencyNs: 1 * MS,
                bandwidthBps: 100_000_000,
                reorder: 0.05,
                reorderDelayNs: 2 * MS,
              },
            }),
          ],
        }),
      );
      expect(h.finish()).toEqual([]);
      for (const s of ['pa/0', 'pb/0']) {
        const prim = primaryL4(h, s);
        expect(prim.length, s).toBeGreaterThan(50);
        expect(
          secondaryL4(h, s).map((r) => r.fields.seq),
          s,
        ).toEqual(prim.map((r) => r.fields.seq));
      }
    });
  }

  it('P-4 nackBufferFull requeue (§7.3c): runs and replicates; it may reorder packets, which only the in-order checker (G-4) reports', () => {
    const h = new Harness(nsrConfig({ ...REQUEUE_STALL, opts: { nackBufferFull: 'requeue' } }));
    const v = h.finish();
    expect(new Set(v.map((x) => x.check)).size).toBeLessThanOrEqual(1);
    for (const x of v) expect(x.check).toBe('in-order');
    expect(secondaryL4(h).length).toBeGreaterThan(100);
  });

  it('P-6: coalesced ACKs: fewer ACKs than replicated packets, and both sides still agree on common_rcvbufspc packet by packet', () => {
    // Large records over a fast wire: bursts of back-to-back segments, so batches fill.
    const h = new Harness(
      nsrConfig({
        durationNs: 1500 * MS,
        opts: { prlAck: 'coalesce' },
        peers: [
          peer('pa', {
            toRouter: traffic(100, 3000, 9000),
            link: { latencyNs: 1 * MS, bandwidthBps: 1_000_000_000 },
          }),
        ],
      }),
    );
    expect(h.finish()).toEqual([]);
    const reps = h.tx(0, 'prl.replicate').length;
    const acks = h.tx(1, 'prl.ack').length;
    expect(acks).toBeLessThan(reps);
    const sec = new Map(secondaryL4(h).map((r) => [r.fields.seq, r.fields.space]));
    for (const r of primaryL4(h)) expect(r.fields.space).toBe(sec.get(r.fields.seq));
  });

  it('P-12: with the L3 header the replicated packet is 20 bytes longer than without, packet for packet', () => {
    const overhead = (l3: boolean): Set<number> => {
      const h = new Harness(nsrConfig({ durationNs: 1 * SEC, opts: { prlL3Header: l3 } }));
      expect(h.finish()).toEqual([]);
      const len = new Map(
        h.of(K.prl.queue, ACTOR.nsr(0, 'prl')).map((r) => [r.fields.seq, r.fields.len as number]),
      );
      return new Set(
        h
          .tx(0, 'prl.replicate')
          .map((r) => (r.fields.bytes as number) - (len.get(r.fields.seq) as number)),
      );
    };
    const withL3 = overhead(true);
    const without = overhead(false);
    expect([...withL3].sort()).toEqual([...without].map((x) => x + 20).sort());
    for (const x of without) expect(x).toBeGreaterThanOrEqual(20); // a TCP header, options included
  });
});

describe("P-13: the secondary follows the primary's receive-side tcpcb", () => {
  const FIELDS = [
    'rcv_nxt',
    'rcv_wnd',
    'rcv_up',
    'snd_una',
    'snd_nxt',
    'snd_max',
    'snd_wnd',
    'snd_wl1',
    'snd_wl2',
    'max_sndwnd',
    't_dupacks',
  ] as const;
  const fields = (c: TcpConnection): Record<string, number> =>
    Object.fromEntries(FIELDS.map((f) => [f, c[f]]));

  it("P-13: at quiescent points the secondary's rcv_nxt, rcv_wnd, snd_una, snd_wnd, snd_wl1/2, max_sndwnd, dupacks and reassembly queue equal the primary's", () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 3 * SEC,
        peers: [
          peer('pa', { sessions: 2, toRouter: traffic(100), fromRouter: traffic(100) }),
          peer('pb', {
            initiator: 'router',
            link: {
              latencyNs: 3 * MS,
              bandwidthBps: 100_000_000,
              reorder: 0.05,
              reorderDelayNs: 2 * MS,
            },
          }),
        ],
      }),
    );
    const sessions = ['pa/0', 'pa/1', 'pb/0'];
    const compare = (when: string): void => {
      for (const s of sessions) {
        const p = h.nsr(0).bySession.get(s)?.conn as TcpConnection;
        const q = h.nsr(1).bySession.get(s)?.conn as TcpConnection;
        expect(fields(q), `${when} ${s}`).toEqual(fields(p));
        expect(q.t_segq.bytes, `${when} ${s} segq`).toBe(p.t_segq.bytes);
        expect([p.so_rcv.cc, q.so_rcv.cc], `${when} ${s} so_rcv`).toEqual([0, 0]);
      }
    };
    // Two quiescent points: traffic, silence, compare; traffic again, silence, compare.
    const rates = h.cfg.peers.map((p) => [p.toRouter.ratePerSec, p.fromRouter.ratePerSec] as const);
    h.runTo(1 * SEC);
    silence(h.cfg);
    h.runTo(1600 * MS);
    compare('first');
    h.at(1600 * MS + 1, () => {
      h.cfg.peers.forEach((p, i) => {
        p.toRouter.ratePerSec = rates[i]?.[0] ?? 0;
        p.fromRouter.ratePerSec = rates[i]?.[1] ?? 0;
      });
      // A writer's timer re-arms only from its own expiry: fire it once by hand (snooping apps ignore it).
      for (const s of h.world.res[0].allSessions()) s.onTimer('write');
      for (const p of h.world.peers) for (const s of p.sessions) s.onTimer('write');
    });
    h.runTo(2200 * MS);
    silence(h.cfg);
    h.runTo(2900 * MS);
    compare('second');
    expect(h.finish()).toEqual([]);
    // The second traffic window did carry data.
    expect(primaryL4(h).filter((r) => r.t > 1600 * MS).length).toBeGreaterThan(10);
  });
});
