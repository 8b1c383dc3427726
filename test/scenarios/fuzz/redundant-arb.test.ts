// Proves the fuzz arbitraries can draw design redundant-tcp: the cases are Redundant TCP routers without NSR and without a fault that does not apply to that design, and they run to the end without an internal error or a divergence of the standby on a clean standby path.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SUPPORTED_FAULTS } from '../../../scenarios/load/catalog.ts';
import { faultNotApplicable } from '../../../scenarios/load/design.ts';
import { scenarioArb } from '../../../scenarios/fuzz/arbitraries.ts';
import { runScenario } from '../../../scenarios/run.ts';
import { toYaml } from '../../../scenarios/fuzz/yaml.ts';
import { parseScenario } from '../../../scenarios/load/load.ts';

describe('fuzz arbitraries, design redundant-tcp', () => {
  const cases = fc.sample(scenarioArb({ design: 'redundant-tcp' }), { seed: 16, numRuns: 4 });

  it('draw Redundant TCP routers with only the faults that apply to them', () => {
    for (const s of cases) {
      expect(s.config.router.design).toBe('redundant-tcp');
      expect(s.config.router.nsr).toBe(false);
      for (const f of s.config.faults) {
        expect(faultNotApplicable(f.action.kind, 'redundant-tcp')).toBeUndefined();
        expect(SUPPORTED_FAULTS.find((k) => k.kind === f.action.kind)?.nsrOnly).toBe(false);
      }
    }
  });

  it('run to the end; the standby never diverges', () => {
    for (const s of cases.slice(0, 2)) {
      const r = runScenario(s);
      expect(r.stats.stopReason).toBe('time');
      expect(r.violations.filter((v) => v.check === 'standby-diverged')).toEqual([]);
    }
  });
});

describe('fuzz YAML of a redundant-tcp case', () => {
  it('keeps its design when written and loaded again', () => {
    const [s] = fc.sample(scenarioArb({ design: 'redundant-tcp' }), { seed: 17, numRuns: 1 });
    if (s === undefined) throw new Error('no sample');
    const back = parseScenario(toYaml(s), 'case.yaml');
    expect(back.config.router.design).toBe('redundant-tcp');
  });
});
