// Proves the baseline without NSR: a master crash breaks the peer's sessions (RST, or a timeout, at the peer) and the peer-transparent checker fires, while the same world without the crash, or with only the backup crashing, passes untouched.
import { describe, expect, it } from 'vitest';
import { attachCheckers } from '../../model/checks/index.ts';
import { PEER_TRANSPARENT } from '../../model/checks/peer-transparent.ts';
import type { FaultConfig, PeerConfig } from '../../model/config.ts';
import { World, type WorldResult } from '../../model/world.ts';
import { MemorySink, SEC, type TraceRecord } from '../../sim/index.ts';
import { peer, worldConfig } from './world-fixture.ts';
import { ACTOR, K } from '../../model/vocab.ts';

const CRASH_AT = 1 * SEC;
const crash = (target: 'master' | 'backup'): FaultConfig => ({
  when: { atNs: CRASH_AT },
  action: { kind: 're-crash', target },
});

function run(
  faults: FaultConfig[],
  peers: PeerConfig[] = [peer('pa', { sessions: 3 })],
  holdTimeNs = 90 * SEC,
): { world: World; res: WorldResult; records: readonly TraceRecord[] } {
  const sink = new MemorySink();
  const world = new World(
    worldConfig({ durationNs: 4 * SEC, peers, faults, holdTimeNs, router: { nsr: false } }),
    { sinks: [sink] },
  );
  attachCheckers(world, 'all');
  return { world, res: world.run(), records: sink.records };
}

const peerSide = (w: World) =>
  w.peers.flatMap((p) => [...p.retired, ...p.sessions].map((s) => s.stats()));

describe('baseline without NSR', () => {
  it('steady state (no crash) passes: no violation, every peer session open and verified', () => {
    const { world, res } = run([]);
    expect(res.violations).toEqual([]);
    expect(res.run.reason).toBe('time');
    for (const s of peerSide(world)) {
      expect(s.closed).toBeUndefined();
      expect(s.recordsVerified).toBeGreaterThan(20);
      expect(s.verifyErrors).toBe(0);
    }
  });

  it('a master crash resets every peer-initiated session at the peer and peer-transparent fires', () => {
    const { world, res, records } = run([crash('master')]);
    // Mastership moved to RE1 (GRES), which never had the sessions.
    expect(world.chassis.master).toBe(1);
    expect(world.pfe.master).toBe(1);
    const peerStats = world.peers[0]?.sessions.map((s) => s.stats()) ?? [];
    expect(peerStats).toHaveLength(3);
    for (const s of peerStats) expect(['reset', 'timeout']).toContain(s.closed);
    // The sessions ended after the crash, each seen by the peer's TCP and application.
    const closed = records.filter((r) => r.actor === ACTOR.peer('pa') && r.kind === K.app.closed);
    expect(closed).toHaveLength(3);
    expect(closed.every((r) => r.t > CRASH_AT)).toBe(true);
    const pt = res.violations.filter((v) => v.check === PEER_TRANSPARENT);
    expect(pt.length).toBeGreaterThanOrEqual(3);
    expect(pt.some((v) => /rst-received|closed: (reset|timeout)/.test(v.message))).toBe(true);
    expect(pt.every((v) => v.timeNs > CRASH_AT)).toBe(true);
  });

  it("a master crash with router-initiated sessions: the peer's old connections end reset, the new master starts the streams over", () => {
    const { world, res } = run(
      [crash('master')],
      [peer('pb', { sessions: 2, initiator: 'router' })],
    );
    const p = world.peers[0];
    expect(p?.retired).toHaveLength(2);
    for (const s of p?.retired ?? []) expect(['reset', 'timeout']).toContain(s.closed);
    // The replacement sessions are a new generation whose streams restarted at record 0 and verify.
    for (const s of p?.sessions ?? []) {
      expect(s.generation).toBe(1);
      expect(s.stats().verifyErrors).toBe(0);
      expect(s.stats().recordsVerified).toBeGreaterThan(0);
    }
    expect(res.violations.some((v) => v.check === PEER_TRANSPARENT)).toBe(true);
  });

  it('a master crash with a peer that never writes: only the application hold timer tells the peer', () => {
    const silentPeer = peer('pa', {
      sessions: 1,
      toRouter: { ratePerSec: 0, sizeMin: 64, sizeMax: 1460 },
    });
    const { world, res } = run([crash('master')], [silentPeer], 2 * SEC);
    // The peer's TCP has nothing to send, so it never meets the new master's RST ...
    expect(world.peers[0]?.sessions[0]?.closed).toBeUndefined();
    // ... but it hears nothing after the crash, and the hold timer expires.
    const pt = res.violations.filter((v) => v.check === PEER_TRANSPARENT);
    expect(pt).toHaveLength(1);
    expect(pt[0]?.message).toMatch(/hold timer/);
  });

  it('a backup crash does not disturb the peer: same peer-side statistics as without the crash', () => {
    const calm = run([]);
    const hit = run([crash('backup')]);
    expect(hit.res.violations).toEqual([]);
    expect(hit.records.some((r) => r.actor === ACTOR.re(1) && r.kind === K.sim.actorStop)).toBe(
      true,
    );
    expect(hit.world.chassis.master).toBe(0);
    expect(hit.world.pfe.counters.droppedNoMaster).toBe(0);
    expect(peerSide(hit.world)).toEqual(peerSide(calm.world));
  });
});
