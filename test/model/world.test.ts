// Proves that a World run is deterministic (same config and seed, same trace hash; another seed, another hash), that without faults every record is delivered both ways, also exactly once and in order over a dirty wire (loss, duplication, reordering, jitter), and that a 30-peer world runs clean.
import { describe, expect, it } from 'vitest';
import type { StreamSession } from '../../model/app/session.ts';
import { attachCheckers } from '../../model/checks/index.ts';
import type { WorldConfig } from '../../model/config.ts';
import { World, type WorldResult } from '../../model/world.ts';
import { MS, MemorySink, SEC, US, hashRecords } from '../../sim/index.ts';
import { peer, worldConfig } from './world-fixture.ts';

const DIRTY = {
  latencyNs: 2 * MS,
  bandwidthBps: 50_000_000,
  loss: 0.02,
  duplicate: 0.01,
  reorder: 0.02,
  reorderDelayNs: 3 * MS,
  jitterNs: 500 * US,
};

function runChecked(cfg: WorldConfig): { world: World; res: WorldResult } {
  const world = new World(cfg);
  attachCheckers(world, 'all');
  return { world, res: world.run() };
}

/** Both ends of every configured session: the peer's and the master RE's. */
function sessionPairs(
  world: World,
): Array<{ id: string; peer: StreamSession; router: StreamSession }> {
  const master = world.res[world.chassis.master as 0 | 1];
  return world.peers.flatMap((p) =>
    p.sessions.map((s, i) => {
      const r = master.sessions.get(p.cfg.name)?.[i];
      if (r === undefined) throw new Error(`no router session for ${s.cfg.id}`);
      return { id: s.cfg.id, peer: s, router: r };
    }),
  );
}

/**
 * Checks one direction of one session: no verify error, and what the reader got equals
 * what the writer wrote minus what is still in flight. In flight is bounded by the
 * writer's unacknowledged send buffer: acked bytes were received in order, so read
 * (or still sitting in the reader's receive buffer).
 */
function expectDelivered(id: string, writer: StreamSession, reader: StreamSession): void {
  const written = writer.writer.offset;
  const unacked = writer.conn?.so_snd.cc ?? 0;
  const got = reader.verifier.bytes + (reader.conn?.so_rcv.cc ?? 0);
  expect(reader.verifier.errors, `${id} ${reader.cfg.side} verify errors`).toEqual([]);
  expect(
    got,
    `${id}: ${reader.cfg.side} got more than ${writer.cfg.side} wrote`,
  ).toBeLessThanOrEqual(written);
  expect(
    got,
    `${id}: ${reader.cfg.side} got ${got} of ${written} bytes, ${unacked} unacked`,
  ).toBeGreaterThanOrEqual(written - unacked);
  expect(reader.verifier.records).toBeGreaterThan(0);
  // The verifier's record count matches the bytes it consumed.
  expect(reader.verifier.nextRecno).toBe(reader.verifier.records);
}

describe('World determinism', () => {
  const cfg = (seed: number): WorldConfig =>
    worldConfig({
      seed,
      durationNs: 2 * SEC,
      peers: [peer('pa', { sessions: 2 }), peer('pb', { initiator: 'router' })],
      link: DIRTY,
    });

  it('gives the same trace hash for the same config and seed, and another for another seed', () => {
    const a = new World(cfg(42)).run();
    const b = new World(cfg(42)).run();
    const c = new World(cfg(43)).run();
    expect(a.traceHash).toMatch(/^[0-9a-f]{64}$/);
    expect(b.traceHash).toBe(a.traceHash);
    expect(b.stats.events).toBe(a.stats.events);
    expect(c.traceHash).not.toBe(a.traceHash);
  });

  it('hands sinks every record: their hash is the trace hash', () => {
    const sink = new MemorySink();
    const res = new World(cfg(42), { sinks: [sink] }).run();
    expect(sink.records.length).toBe(res.stats.traceRecords);
    expect(sink.records[0]?.id).toBe(0);
    expect(hashRecords(sink.records)).toBe(res.traceHash);
  });

  it('does not change the trace when a wire tap is attached', () => {
    let taps = 0;
    const plain = new World(cfg(7)).run();
    const tapped = new World(cfg(7), { wireTap: () => () => taps++ }).run();
    expect(taps).toBeGreaterThan(100);
    expect(tapped.traceHash).toBe(plain.traceHash);
  });
});

describe('World delivery', () => {
  it('steady state without faults delivers every record both ways (peer- and router-initiated sessions)', () => {
    const { world, res } = runChecked(
      worldConfig({
        durationNs: 3 * SEC,
        peers: [peer('pa', { sessions: 3 }), peer('pb', { sessions: 2, initiator: 'router' })],
      }),
    );
    expect(res.violations).toEqual([]);
    expect(res.run.reason).toBe('time');
    const pairs = sessionPairs(world);
    expect(pairs).toHaveLength(5);
    for (const { id, peer: p, router: r } of pairs) {
      expectDelivered(id, p, r);
      expectDelivered(id, r, p);
      expect(p.closed).toBeUndefined();
      // About 20 records/s for 3 s each way.
      expect(p.writer.records).toBeGreaterThan(30);
      expect(r.writer.records).toBeGreaterThan(30);
    }
    // Without faults nothing is lost anywhere.
    for (const l of Object.values(res.stats.links)) {
      expect(l.aToB.lost + l.aToB.queueDrops + l.aToB.downDrops).toBe(0);
      expect(l.bToA.lost + l.bToA.queueDrops + l.bToA.downDrops).toBe(0);
    }
    expect(res.stats.pfe.suppressed + res.stats.pfe.droppedNoMaster).toBe(0);
  });

  it('a dirty wire (2% loss, 1% duplication, 2% reordering, jitter) still delivers exactly once, in order', () => {
    const { world, res } = runChecked(
      worldConfig({
        seed: 3,
        durationNs: 5 * SEC,
        peers: [
          peer('pa', {
            sessions: 2,
            toRouter: { ratePerSec: 60, sizeMin: 64, sizeMax: 1460 },
            fromRouter: { ratePerSec: 60, sizeMin: 64, sizeMax: 1460 },
          }),
          peer('pb', {
            sessions: 1,
            initiator: 'router',
            toRouter: { ratePerSec: 40, sizeMin: 64, sizeMax: 3000 },
            fromRouter: { ratePerSec: 40, sizeMin: 64, sizeMax: 3000 },
          }),
        ],
        link: DIRTY,
      }),
    );
    expect(res.violations).toEqual([]);
    // The wire did misbehave, in both directions.
    const wires = Object.entries(res.stats.links).filter(([n]) => n.startsWith('wire-'));
    for (const dir of ['aToB', 'bToA'] as const) {
      const sum = (k: 'lost' | 'duplicated' | 'reordered'): number =>
        wires.reduce((n, [, l]) => n + l[dir][k], 0);
      expect(sum('lost')).toBeGreaterThan(5);
      expect(sum('duplicated')).toBeGreaterThan(2);
      expect(sum('reordered')).toBeGreaterThan(5);
    }
    for (const { id, peer: p, router: r } of sessionPairs(world)) {
      expectDelivered(id, p, r);
      expectDelivered(id, r, p);
      expect(p.closed).toBeUndefined();
    }
  });

  it('runs a 30-peer world clean, every session delivering both ways', () => {
    const peers = Array.from({ length: 30 }, (_, i) =>
      peer(`p${i}`, { initiator: i % 3 === 0 ? 'router' : 'peer' }),
    );
    const { world, res } = runChecked(worldConfig({ durationNs: 2 * SEC, peers }));
    expect(res.violations).toEqual([]);
    expect(res.run.boundHit).toBe(false);
    const pairs = sessionPairs(world);
    expect(pairs).toHaveLength(30);
    for (const { id, peer: p, router: r } of pairs) {
      expectDelivered(id, p, r);
      expectDelivered(id, r, p);
    }
    expect(res.stats.pfe.toHost).toBeGreaterThan(30 * 20);
  });
});
