// Proves the fuzz arbitraries can draw BGP peers (issue 15, FuzzArbOptions.bgp): two eBGP peers and the router's speaker beside the drawn stream peers, the sessions come up and the tables go across within a generated run, and a case written as YAML loads back with the same BGP configuration.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scenarioArb } from '../../../scenarios/fuzz/arbitraries.ts';
import { toYaml } from '../../../scenarios/fuzz/yaml.ts';
import { parseScenario } from '../../../scenarios/load/load.ts';
import { runScenario } from '../../../scenarios/run.ts';

describe('fuzz arbitraries with BGP peers', () => {
  const cases = fc.sample(scenarioArb({ bgp: true }), { seed: 21, numRuns: 3 });

  it('add two BGP peers and router.bgp', () => {
    for (const s of cases) {
      expect(s.config.peers.filter((p) => p.app?.kind === 'bgp').map((p) => p.name)).toEqual([
        'ba',
        'bb',
      ]);
      expect(s.config.router.bgp?.routes.count).toBe(40);
    }
  });

  it('bring the sessions up and the tables across', () => {
    const s = cases[0];
    if (s === undefined) throw new Error('no sample');
    const r = runScenario({ ...s, config: { ...s.config, faults: [] } });
    for (const p of r.stats.bgp?.peers ?? []) {
      expect(p.state).toBe('Established');
      // Churn withdraws a few of the 60 / 40 routes now and then.
      expect(p.adjRibIn[0]).toBeGreaterThan(50);
      expect(p.adjRibIn[1]).toBe(p.adjRibIn[0]);
      expect(p.peerRib).toBeGreaterThan(30);
    }
    expect(r.stats.bgp?.peers).toHaveLength(2);
  });

  it('round-trip through YAML', () => {
    for (const s of cases) {
      const back = parseScenario(toYaml(s), 'case.yaml');
      expect(back.config.router.bgp).toEqual(s.config.router.bgp);
      expect(back.config.peers.map((p) => p.app)).toEqual(s.config.peers.map((p) => p.app));
    }
  });
});
