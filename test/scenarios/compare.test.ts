// Proves nsrsim compare (SPEC O-3): the same scenario runs under each design with its JSON shape, gr is n/a with its reason, a Redundant TCP fault is mapped or makes a design n/a, and an unknown design is a usage error.
import { describe, expect, it } from 'vitest';
import { compareScenario, formatCompare } from '../../scenarios/cli/compare.ts';
import { loadScenarioFile } from '../../scenarios/load/load.ts';

describe('nsrsim compare', () => {
  const s = loadScenarioFile('scenarios/library/compare/compare-master-crash.yaml');

  it('runs every design on the same faults and seed; gr is n/a with its reason', () => {
    const c = compareScenario(s, ['jsr', 'redundant-tcp', 'gr', 'none'], [s.config.seed]);
    expect(c.designs.map((d) => [d.design, d.verdict])).toEqual([
      ['jsr', 'pass'],
      ['redundant-tcp', 'pass'],
      ['gr', 'n/a'],
      ['none', 'fail'],
    ]);
    expect(c.designs[2]?.reason).toBe('needs BGP sessions (app: bgp)');
    const none = c.designs[3]?.outcome;
    expect(none?.sessionResets).toBeGreaterThan(0);
    expect(Object.keys(c.designs[0]?.outcome ?? {})).toEqual(
      expect.arrayContaining([
        'sessionResets',
        'holdExpiries',
        'peerStallMsMax',
        'peerRetransmissions',
        'appBytesLost',
        'appBytesDuplicated',
        'recoveryMs',
        'interReBytesPerAppByte',
        'addedLatencyUs',
      ]),
    );
    expect(formatCompare(c)).toMatch(/gr: n\/a, needs BGP sessions/);
  });

  it('maps standby-path-loss to nothing where there is no standby path', () => {
    const f = loadScenarioFile('scenarios/library/redundant/redundant-operational-crash.yaml');
    const faults = [
      ...f.config.faults,
      {
        when: { atNs: 500_000_000 },
        action: { kind: 'standby-path-loss' as const, loss: 0.5, durationNs: 1e8 },
      },
    ];
    const c = compareScenario({ ...f, config: { ...f.config, faults } }, ['jsr'], [1]);
    expect(c.designs[0]?.verdict).toBe('pass');
    expect(c.designs[0]?.notes).toEqual(['standby-path-loss has no effect (left out)']);
  });
});
