// Proves what each side of SPEC P-14 does: 'primary' times sockets out on the primary only, 'both' also times a secondary out when the peer owes it an acknowledgement of replicated send data and nothing came from the primary's PRL (and so cannot tell a silent peer from a silent primary), and 'whole-re' (seed 001 §7.3e) gives every replicated socket up at once, idle ones included, when the RE as a whole heard nothing while replicates were outstanding.
import { describe, expect, it } from 'vitest';
import type { PeerConfig } from '../../../model/config.ts';
import type { NsrOptions } from '../../../model/nsr/options.ts';
import { MS, SEC, type TraceRecord } from '../../../sim/index.ts';
import { ACTOR, K } from '../../../model/vocab.ts';
import { Harness, fault, nsrConfig, peer, traffic } from './fixture.ts';

type Side = NsrOptions['prlTimeoutSide'];

/** The backup stalls 1.5 s at 1 s (longer than the 1 s PRL timeout); 5 s to recover. */
function stalled(side: Side, peers: PeerConfig[]): Harness {
  return new Harness(
    nsrConfig({
      durationNs: 5 * SEC,
      opts: { prlTimeoutSide: side },
      peers,
      faults: [fault(1 * SEC, { kind: 'backup-stall', durationNs: 1500 * MS })],
    }),
  );
}

const BOTH_WAYS = [peer('pa', { sessions: 2, toRouter: traffic(100), fromRouter: traffic(100) })];

const sessionsOf = (recs: readonly TraceRecord[]): string[] =>
  [...new Set(recs.map((r) => String(r.fields.session)))].sort();

/** Sessions whose replication is active again after `t` (set up anew on the master). */
const activeAfter = (h: Harness, t: number): string[] =>
  sessionsOf(h.of(K.iha.active, ACTOR.nsr(0, 'iha')).filter((r) => r.t > t));

describe("P-14 'primary' (default)", () => {
  it('P-14: only the primary times out: the backup-stall gives prl.timeout records on re0 and none on re1', () => {
    const h = stalled('primary', BOTH_WAYS);
    expect(h.finish()).toEqual([]);
    expect(sessionsOf(h.of(K.prl.timeout, ACTOR.nsr(0, 'prl')))).toEqual(['pa/0', 'pa/1']);
    expect(h.of(K.prl.timeout, ACTOR.nsr(1, 'prl'))).toEqual([]);
    expect(h.of(K.prl.timeoutRe)).toEqual([]);
  });
});

describe("P-14 'both'", () => {
  it('P-14: the secondary times a socket out while it holds send data the peer has not acknowledged and nothing comes from the primary: error, secondary deleted, set up again after the stall', () => {
    const h = stalled('both', BOTH_WAYS);
    expect(h.finish()).toEqual([]);
    const sec = h.of(K.prl.timeout, ACTOR.nsr(1, 'prl'));
    expect(sec.length).toBeGreaterThan(0);
    for (const r of sec) {
      expect(r.fields.role).toBe('secondary');
      expect(r.fields.unacked).toBeGreaterThan(0);
      expect(r.fields.quietNs).toBeGreaterThanOrEqual(h.nsr(0).timers.prlTimeoutNs);
      expect(r.t).toBeGreaterThan(2 * SEC); // a second of silence after the stall began
    }
    const timedOut = sessionsOf(sec);
    const errors = h
      .of(K.nsr.replicationError, ACTOR.nsr(1, 'prl'))
      .filter((r) => r.fields.reason === 'PRL timeout on the secondary');
    expect(sessionsOf(errors)).toEqual(timedOut);
    const deleted = h
      .of(K.iha.deleteSecondary, ACTOR.nsr(1, 'iha'))
      .filter((r) => r.fields.reason === 'PRL timeout on the secondary');
    expect(sessionsOf(deleted)).toEqual(timedOut);
    // The primary's own timeout (P-7) still runs, and both sockets are replicated again.
    expect(h.of(K.prl.timeout, ACTOR.nsr(0, 'prl')).length).toBeGreaterThan(0);
    expect(activeAfter(h, 2500 * MS)).toEqual(['pa/0', 'pa/1']);
  });

  it('P-14: with no send data outstanding (the router application writes nothing) the secondary never starts its timeout, however long the stall', () => {
    const h = stalled('both', [
      peer('pa', { sessions: 2, toRouter: traffic(100), fromRouter: traffic(0) }),
    ]);
    expect(h.finish()).toEqual([]);
    expect(h.of(K.prl.timeout, ACTOR.nsr(1, 'prl'))).toEqual([]);
    expect(h.of(K.prl.timeout, ACTOR.nsr(0, 'prl')).length).toBeGreaterThan(0);
  });

  it('P-14: a peer that goes silent looks the same to the secondary: a 1.5 s wire partition times the secondary out under both (not under primary, with nothing queued), and the socket is set up again', () => {
    const run = (side: Side): Harness => {
      const h = new Harness(
        nsrConfig({
          durationNs: 5 * SEC,
          opts: { prlTimeoutSide: side },
          peers: [peer('pa', { toRouter: traffic(100), fromRouter: traffic(100) })],
          faults: [fault(1 * SEC, { kind: 'wire-partition', peer: 'pa', durationNs: 1500 * MS })],
        }),
      );
      expect(h.finish(), side).toEqual([]);
      return h;
    };
    const primary = run('primary');
    expect(primary.of(K.prl.timeout)).toEqual([]);
    expect(primary.of(K.iha.deleteSecondary)).toEqual([]);
    const both = run('both');
    expect(sessionsOf(both.of(K.prl.timeout, ACTOR.nsr(1, 'prl')))).toEqual(['pa/0']);
    expect(both.of(K.prl.timeout, ACTOR.nsr(0, 'prl'))).toEqual([]);
    const t = both.of(K.prl.timeout, ACTOR.nsr(1, 'prl'))[0]?.t ?? 0;
    expect(activeAfter(both, t)).toEqual(['pa/0']);
  });
});

describe("P-14 'whole-re' (seed 001 §7.3e)", () => {
  // Two busy sessions and one idle one (nothing written either way).
  const PEERS = [
    ...BOTH_WAYS,
    peer('pc', { link: { latencyNs: 1 * MS, bandwidthBps: 100_000_000 }, toRouter: traffic(0) }),
  ].map((p) => (p.name === 'pc' ? { ...p, fromRouter: traffic(0) } : p));

  it('P-14: one timeout for the RE: a single prl.timeout-re gives every replicated primary up at once (queue pushed, error posted), the idle socket included; no per-socket timeout', () => {
    const h = stalled('whole-re', PEERS);
    expect(h.finish()).toEqual([]);
    const re = h.of(K.prl.timeoutRe, ACTOR.nsr(0, 'prl'));
    expect(re).toHaveLength(1);
    const t = (re[0] as TraceRecord).t;
    expect(re[0]?.fields.sockets).toBe(3);
    expect(re[0]?.fields.quietNs).toBeGreaterThanOrEqual(h.nsr(0).timers.prlTimeoutNs);
    expect(h.of(K.prl.timeout)).toEqual([]);
    const released = h.of(K.prl.release, ACTOR.nsr(0, 'prl')).filter((r) => r.t === t);
    expect(sessionsOf(released)).toEqual(['pa/0', 'pa/1', 'pc/0']);
    expect(released.find((r) => r.fields.session === 'pc/0')?.fields.queued).toBe(0);
    const errors = h
      .of(K.nsr.replicationError, ACTOR.nsr(0, 'prl'))
      .filter((r) => r.t === t && r.fields.reason === 'PRL timeout (whole RE)');
    expect(sessionsOf(errors)).toEqual(['pa/0', 'pa/1', 'pc/0']);
    expect(activeAfter(h, t)).toEqual(['pa/0', 'pa/1', 'pc/0']);
  });

  it('P-14: per socket (primary), the same stall leaves the idle socket replicated: only the sockets with replicates outstanding time out', () => {
    const h = stalled('primary', PEERS);
    expect(h.finish()).toEqual([]);
    expect(sessionsOf(h.of(K.prl.timeout, ACTOR.nsr(0, 'prl')))).toEqual(['pa/0', 'pa/1']);
    expect(h.of(K.iha.cleanupSocket).filter((r) => r.fields.session === 'pc/0')).toEqual([]);
  });
});
