// Proves the router's BGP on the application-protocol layer (issue 15, SPEC B-1…B-3, O-1, O-3): with NSR a master crash is invisible to the BGP peers (no reset, no route lost) and the new master holds the old master's Adj-RIB-In; design gr resets the sessions but the helpers keep every route stale until End-of-RIB; design none makes them delete every route at once; nsrsim compare puts the three side by side (gr a real design for BGP scenarios, n/a without BGP peers); the runs are deterministic.
import { describe, expect, it } from 'vitest';
import { compareScenario } from '../../../../scenarios/cli/compare.ts';
import { loadScenarioFile } from '../../../../scenarios/load/load.ts';
import { runScenario } from '../../../../scenarios/run.ts';

const LIB = 'scenarios/library/bgp';

describe('BGP across a master crash, by design', () => {
  it('jsr: no reset, no route lost, the new master has every route the peers announced', () => {
    const r = runScenario(loadScenarioFile(`${LIB}/bgp-master-crash.yaml`));
    expect(r.verdict).toBe('pass');
    expect(r.outcome.sessionResets).toBe(0);
    expect(r.outcome.routesLost).toBe(0);
    expect(r.outcome.routes).toEqual({
      withdrawn: 0,
      keptStale: 0,
      staleMsMax: 0,
      wholeAgainMs: 0,
    });
    const b = r.stats.bgp;
    expect(b?.master).toBe(1);
    for (const p of b?.peers ?? []) {
      expect(p.state).toBe('Established');
      expect(p.adjRibIn[0]).toBeUndefined();
      expect(p.adjRibIn[1]).toBeGreaterThan(200);
      expect(p.peerSaw.sessionResets).toBe(0);
    }
  });

  it('gr: each session resets once, every route is kept stale, none lost, whole again within seconds', () => {
    const r = runScenario(loadScenarioFile(`${LIB}/bgp-gr-master-crash.yaml`));
    expect(r.matches).toBe(true);
    expect(r.violations.every((v) => v.check === 'peer-transparent')).toBe(true);
    expect(r.outcome.sessionResets).toBe(2);
    const routes = r.outcome.routes;
    expect(routes?.withdrawn).toBe(0);
    expect(routes?.keptStale).toBeGreaterThan(500);
    expect(routes?.staleMsMax).toBeGreaterThan(0);
    expect(routes?.wholeAgainMs).not.toBeNull();
    expect(routes?.wholeAgainMs ?? Infinity).toBeLessThan(10_000);
  });

  it('none: each session resets once and the peers delete every route at once', () => {
    const r = runScenario(loadScenarioFile(`${LIB}/bgp-none-master-crash.yaml`));
    expect(r.matches).toBe(true);
    expect(r.outcome.sessionResets).toBe(2);
    expect(r.outcome.routes?.keptStale).toBe(0);
    expect(r.outcome.routesLost).toBeGreaterThan(500);
    expect(r.outcome.routes?.wholeAgainMs).not.toBeNull();
  });

  it('compare: jsr, gr and none side by side; redundant-tcp n/a with its reason', () => {
    const s = loadScenarioFile(`${LIB}/bgp-master-crash.yaml`);
    const c = compareScenario(s, ['jsr', 'redundant-tcp', 'gr', 'none'], [s.config.seed]);
    const by = new Map(c.designs.map((d) => [d.design, d]));
    expect(by.get('jsr')?.outcome?.routesLost).toBe(0);
    expect(by.get('redundant-tcp')?.verdict).toBe('n/a');
    expect(by.get('gr')?.outcome?.routes?.keptStale).toBeGreaterThan(0);
    expect(by.get('gr')?.outcome?.routesLost).toBe(0);
    expect(by.get('none')?.outcome?.routesLost).toBeGreaterThan(0);
    expect(by.get('gr')?.outcome?.sessionResets).toBe(2);
  });

  it('is deterministic: the same file gives the same trace hash', () => {
    const a = runScenario(loadScenarioFile(`${LIB}/bgp-master-crash.yaml`));
    const b = runScenario(loadScenarioFile(`${LIB}/bgp-master-crash.yaml`));
    expect(a.traceHash).toBe(b.traceHash);
  });
});
