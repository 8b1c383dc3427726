// Proves the F-5 planned-switchover guard (seed 003 Caveat I, SPEC F-5/D-6): refused from a socket's replication becoming active until 60 s later and from a planned switchover until 240 s later, allowed exactly at those instants, every refusing rule listed with the one lasting longest named, and nothing refused when the design option is off.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_GUARD,
  describeRefusal,
  plannedSwitchoverGuard,
} from '../../../../model/app/msdp/index.ts';
import { SEC } from '../../../../sim/index.ts';

describe('planned-switchover guard (F-5)', () => {
  it('defaults: on, 60 s after replication, 240 s between switchovers', () => {
    expect(DEFAULT_GUARD).toEqual({
      enabled: true,
      afterReplicationNs: 60 * SEC,
      betweenSwitchoversNs: 240 * SEC,
    });
  });

  it('nothing replicated, no previous switchover: allowed', () => {
    expect(
      plannedSwitchoverGuard({
        nowNs: 0,
        replicationActiveNs: [],
        lastPlannedSwitchoverNs: undefined,
      }),
    ).toEqual({ allowed: true });
  });

  it('refused within 60 s of any socket becoming active, allowed at exactly 60 s', () => {
    const sockets = [
      { socket: 'msdp/10.0.0.2', atNs: 100 * SEC },
      { socket: 'msdp/10.0.0.3', atNs: 130 * SEC },
    ];
    const at = (t: number) =>
      plannedSwitchoverGuard({
        nowNs: t,
        replicationActiveNs: sockets,
        lastPlannedSwitchoverNs: undefined,
      });
    const v = at(150 * SEC);
    expect(v.allowed).toBe(false);
    if (v.allowed) return;
    expect(v.reasons.map((r) => r.kind)).toEqual(['replication-settling', 'replication-settling']);
    expect(v.reason).toEqual({
      kind: 'replication-settling',
      socket: 'msdp/10.0.0.3',
      sinceNs: 130 * SEC,
      untilNs: 190 * SEC,
    });
    expect(v.untilNs).toBe(190 * SEC);
    expect(at(190 * SEC - 1).allowed).toBe(false);
    expect(at(190 * SEC).allowed).toBe(true);
  });

  it('refused within 240 s of the previous planned switchover, allowed at exactly 240 s', () => {
    const at = (t: number) =>
      plannedSwitchoverGuard({
        nowNs: t,
        replicationActiveNs: [],
        lastPlannedSwitchoverNs: 1000 * SEC,
      });
    const v = at(1100 * SEC);
    expect(v.allowed).toBe(false);
    if (!v.allowed) {
      expect(v.reason).toEqual({
        kind: 'switchover-interval',
        sinceNs: 1000 * SEC,
        untilNs: 1240 * SEC,
      });
      expect(describeRefusal(v.reason)).toMatch(/refused.*1000\.000000s.*240s/);
    }
    expect(at(1240 * SEC - 1).allowed).toBe(false);
    expect(at(1240 * SEC).allowed).toBe(true);
  });

  it('both rules refusing: both listed (interval first), the longer one named', () => {
    const v = plannedSwitchoverGuard({
      nowNs: 300 * SEC,
      replicationActiveNs: [{ socket: 's', atNs: 290 * SEC }],
      lastPlannedSwitchoverNs: 200 * SEC,
    });
    expect(v.allowed).toBe(false);
    if (v.allowed) return;
    expect(v.reasons.map((r) => r.kind)).toEqual(['switchover-interval', 'replication-settling']);
    expect(v.reason.kind).toBe('switchover-interval');
    expect(v.untilNs).toBe(440 * SEC);
    expect(describeRefusal(v.reasons[1]!)).toMatch(/socket s replicated at 290\.000000s.*60s/);
  });

  it('the design option off (SPEC D-6, Caveat I case 2) allows everything', () => {
    expect(
      plannedSwitchoverGuard(
        { nowNs: 1, replicationActiveNs: [{ socket: 's', atNs: 0 }], lastPlannedSwitchoverNs: 0 },
        { ...DEFAULT_GUARD, enabled: false },
      ),
    ).toEqual({ allowed: true });
  });
});
