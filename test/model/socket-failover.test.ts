// Proves the per-socket sync failover (SPEC F-2, I-5, G-3): the application holding a
// session's primary asks, the PFE steers that one connection to the other RE, the
// secondary becomes the primary there with the backup application continuing both
// streams, the socket is replicated back, every checker passes; a request for a socket
// that is not actively replicated is refused and changes nothing; a channel error while
// the socket drains abandons the failover (the connection and the application stay); the
// backup holding such a primary crashing fails the session back to the master (F-1).
// (single-transmitter with steered connections: test/model/checks/single-transmitter.test.ts.)
import { describe, expect, it } from 'vitest';
import { attachCheckers } from '../../model/checks/index.ts';
import type { FaultConfig, WorldConfig } from '../../model/config.ts';
import { World } from '../../model/world.ts';
import { MS, SEC, type TraceRecord } from '../../sim/index.ts';
import { peer, worldConfig } from './world-fixture.ts';
import { ACTOR, K } from '../../model/vocab.ts';

const TRAFFIC = { ratePerSec: 200, sizeMin: 64, sizeMax: 1460 };

function cfg(
  durationNs: number,
  faults: FaultConfig[],
  extra: Partial<WorldConfig['router']> = {},
): WorldConfig {
  return worldConfig({
    durationNs,
    router: { nsr: true, ...extra },
    peers: [peer('pa', { sessions: 2, toRouter: TRAFFIC, fromRouter: { ...TRAFFIC } })],
    faults,
  });
}

const sf = (atNs: number, session?: number): FaultConfig => ({
  when: { atNs },
  action: { kind: 'socket-failover', peer: 'pa', session },
});

function run(c: WorldConfig): { world: World; records: TraceRecord[]; violations: string[] } {
  const world = new World(c, { hash: false });
  attachCheckers(world, 'all');
  const records: TraceRecord[] = [];
  const keep =
    /^(iha\.socket-failover.*|iha\.forget-primary|iha\.active|iha\.failover|psrm\.failover|app\.takeover|app\.snoop|app\.attach|pfe\.flow.*|tcp\.rst-received)$/;
  world.sim.trace.addListener((rec) => {
    if (keep.test(rec.kind)) records.push(rec);
  });
  const res = world.run();
  return {
    world,
    records,
    violations: res.violations.map((v) => `${v.check} at ${v.timeNs}: ${v.message}`),
  };
}

describe('per-socket failover (F-2)', () => {
  it('moves one session to the backup RE: the PFE steers its connection, the backup application takes over, the socket is replicated back, every checker passes', () => {
    const { world, records, violations } = run(cfg(7 * SEC, [sf(1 * SEC, 0)]));
    expect(violations).toEqual([]);
    // Mastership did not move; pa/0's active application is on re1 now, pa/1's still on re0.
    expect(world.chassis.master).toBe(0);
    expect(world.routerSession('pa/0')).toBe(world.res[1].session('pa/0'));
    expect(world.res[1].session('pa/0')?.mode).toBe('active');
    expect(world.res[0].session('pa/0')?.mode).toBe('snoop');
    expect(world.routerSession('pa/1')).toBe(world.res[0].session('pa/1'));
    const kinds = records.filter((r) => r.t >= 1 * SEC).map((r) => `${r.actor} ${r.kind}`);
    // The order of the hand-over: request, hand-over, failover, takeover, re-replication,
    // steering in place (pfeSwitch later). The PFE starts steering at the instant of the
    // request (its message is sent before the socket is let go).
    const req = records.find((r) => r.kind === K.iha.socketFailover);
    expect(records.find((r) => r.kind === K.pfe.flowSwitch)?.t).toBe(req?.t);
    const order = [
      're0/iha iha.socket-failover',
      're0/iha iha.forget-primary',
      're1/iha iha.failover',
      're1/psrm psrm.failover',
      're1/kernel app.takeover',
      're0/kernel app.snoop',
      're1/iha iha.active',
      'pfe pfe.flow',
    ];
    let at = -1;
    for (const k of order) {
      const i = kinds.indexOf(k, at + 1);
      expect(
        i,
        `${k} after ${order[order.indexOf(k) - 1] ?? 'the start'} in ${kinds.join(', ')}`,
      ).toBeGreaterThan(at);
      at = i;
    }
    // Both streams of pa/0 continued without a defect at the peer.
    const ps = world.peers[0]?.sessions[0]?.stats();
    expect(ps?.closed).toBeUndefined();
    expect(ps?.verifyErrors).toBe(0);
    expect(ps?.bytesRead).toBeGreaterThan(0);
    // The router application on re1 read (nearly: some is still in flight at the end) all the peer wrote.
    const read = world.routerSession('pa/0')?.stats().bytesRead ?? 0;
    expect(read).toBeLessThanOrEqual(ps?.bytesWritten ?? 0);
    expect(read).toBeGreaterThan((ps?.bytesWritten ?? 0) - 65536);
  });

  it('a request for a socket whose replication is not active yet is refused; the session stays where it is', () => {
    // At 100 µs the sessions are not even established.
    const { world, records, violations } = run(cfg(6 * SEC, [sf(100_000)]));
    expect(violations).toEqual([]);
    expect(
      records
        .filter((r) => r.kind === K.iha.socketFailoverRefused)
        .map((r) => `${r.actor} ${String(r.fields.session)}: ${String(r.fields.reason)}`),
    ).toEqual(['re0/iha pa/0: not replicated', 're0/iha pa/1: not replicated']);
    expect(records.some((r) => r.kind === K.iha.socketFailover)).toBe(false);
    expect(world.routerSession('pa/0')).toBe(world.res[0].session('pa/0'));
    expect(records.some((r) => r.kind.startsWith('pfe.flow'))).toBe(false);
  });

  it('only the application holding the primary can ask: after the move, the next request moves the session back', () => {
    const { world, records, violations } = run(cfg(8 * SEC, [sf(1 * SEC, 0), sf(2 * SEC, 0)]));
    expect(violations).toEqual([]);
    const requests = records.filter((r) => r.kind === K.iha.socketFailover).map((r) => r.actor);
    expect(requests).toEqual([ACTOR.nsr(0, 'iha'), ACTOR.nsr(1, 'iha')]);
    expect(world.routerSession('pa/0')).toBe(world.res[0].session('pa/0'));
  });

  it('a channel error while the socket drains abandons the failover: the connection is steered back and the application carries on, unreplicated until KKCM re-replicates it', () => {
    // The inter-RE link holds everything from 1 s, so SDRL's data cannot be confirmed and
    // the drain waits; the KKCM I/O error at 1.1 s tears replication down mid-drain.
    const faults: FaultConfig[] = [
      { when: { atNs: 1 * SEC }, action: { kind: 'inter-re-hold', durationNs: 300 * MS } },
      sf(1 * SEC + 20 * MS, 0),
      { when: { atNs: 1 * SEC + 100 * MS }, action: { kind: 'kkcm-io-error', target: 'master' } },
    ];
    const { world, records, violations } = run(cfg(8 * SEC, faults));
    const abandoned = records.find((r) => r.kind === K.iha.socketFailoverAbandoned);
    expect(abandoned?.actor).toBe(ACTOR.nsr(0, 'iha'));
    expect(records.some((r) => r.kind === K.iha.forgetPrimary && r.fields.session === 'pa/0')).toBe(
      false,
    );
    // Steered away at the request, back at the abandon.
    const steer = records.filter((r) => r.kind === K.pfe.flowSwitch).map((r) => r.fields.to);
    expect(steer).toEqual([1, 0]);
    expect(world.routerSession('pa/0')).toBe(world.res[0].session('pa/0'));
    expect(
      records
        .filter((r) => r.kind === K.app.attach && r.actor === ACTOR.re(0) && r.t > 1 * SEC)
        .map((r) => r.fields.session),
    ).toContain('pa/0');
    expect(violations).toEqual([]);
  });

  it('the backup holding a primary crashes: the master fails its secondary over (async, F-1) and the PFE gives the connection back to the master', () => {
    const faults: FaultConfig[] = [
      sf(1 * SEC, 0),
      { when: { atNs: 2 * SEC }, action: { kind: 're-crash', target: 'backup' } },
    ];
    const { world, records, violations } = run(cfg(8 * SEC, faults));
    expect(violations).toEqual([]);
    const clear = records.find((r) => r.kind === K.pfe.flowClear);
    expect(clear?.fields.reason).toBe('re1 down');
    const fo = records.find(
      (r) => r.kind === K.psrm.failover && r.actor === ACTOR.nsr(0, 'psrm') && r.t > 2 * SEC,
    );
    expect(fo?.fields.session).toBe('pa/0');
    expect(world.routerSession('pa/0')).toBe(world.res[0].session('pa/0'));
    expect(world.peers[0]?.sessions[0]?.stats().closed).toBeUndefined();
  });
});
