// Proves `apps` (FuzzArbOptions / FuzzTarget, `nsrsim fuzz --apps`) keeps its promises: 'stream' and no option draw exactly the case every seed gave before the option existed; 'mixed' draws MSDP peers, BGP peers, both or neither (issues 14 and 15), each as `msdp: true` / `bgp: true` would add them, a mutant's bias still forces its own, the correct design passes on a sample of such cases, and a shrunk finding's header names the option.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  fuzzCaseArb,
  type FuzzArbOptions,
  type FuzzCase,
} from '../../../scenarios/fuzz/arbitraries.ts';
import { biasFor } from '../../../scenarios/fuzz/bias.ts';
import { writeFinding } from '../../../scenarios/fuzz/finding.ts';
import { caseForSeed, runCase, type FuzzTarget } from '../../../scenarios/fuzz/run-case.ts';

const TMP = mkdtempSync(join(tmpdir(), 'nsrsim-fuzz-apps-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const JSR: FuzzTarget = { design: 'jsr', mutant: undefined };
const MIXED: FuzzTarget = { ...JSR, apps: 'mixed' };
const SEEDS = [0, 1, 3, 42, 987_654_321];

/** The first case fast-check draws from `arb` for `seed` (what caseForSeed returns). */
function first<T>(arb: fc.Arbitrary<T>, seed: number): T {
  const [v] = fc.sample(arb, { seed, numRuns: 1 });
  if (v === undefined) throw new Error(`no value for seed ${seed}`);
  return v;
}

/** The applications of a case's peers that are not streams. */
function appKinds(c: FuzzCase): Set<string> {
  return new Set(c.scenario.config.peers.flatMap((p) => (p.app === undefined ? [] : [p.app.kind])));
}

describe("fuzz --apps stream (the default): the cases of before 'apps' existed", () => {
  it.each([
    { what: 'the correct design', target: JSR, opts: { safeOnly: true } },
    {
      what: "an MSDP mutant's hunt",
      target: { ...JSR, mutant: 'msdp-guard-off' } as FuzzTarget,
      opts: { ...biasFor('msdp-guard-off'), mutant: 'msdp-guard-off', safeOnly: true },
    },
  ] satisfies Array<{ what: string; target: FuzzTarget; opts: FuzzArbOptions }>)(
    '$what: each seed gives the case fuzzCaseArb without the option gives',
    ({ target, opts }) => {
      for (const seed of SEEDS) {
        const before = first(fuzzCaseArb(opts), seed);
        expect(caseForSeed(target, seed), `seed ${seed}`).toEqual(before);
        expect(caseForSeed({ ...target, apps: 'stream' }, seed), `seed ${seed}`).toEqual(before);
      }
    },
  );
});

describe('fuzz --apps mixed', () => {
  const cases = Array.from({ length: 40 }, (_, seed) => caseForSeed(MIXED, seed));
  const kinds = cases.map(appKinds);

  it('draws MSDP peers, BGP peers, both and neither over 40 seeds, the stream peers always', () => {
    expect(kinds.some((k) => k.has('msdp') && !k.has('bgp'))).toBe(true);
    expect(kinds.some((k) => k.has('bgp') && !k.has('msdp'))).toBe(true);
    expect(kinds.some((k) => k.has('msdp') && k.has('bgp'))).toBe(true);
    expect(kinds.some((k) => k.size === 0)).toBe(true);
    for (const c of cases)
      expect(c.scenario.config.peers.some((p) => p.app === undefined)).toBe(true);
  });

  it('adds them exactly as msdp: true / bgp: true would, the F-5 guard of the schedule included', () => {
    // The mixed arbitrary is (protocol picks, the rest): the same tuple with the picks
    // fixed as options draws the same rest from the same seed.
    for (const seed of SEEDS) {
      const c = caseForSeed(MIXED, seed);
      const k = appKinds(c);
      const opts = { safeOnly: true, msdp: k.has('msdp'), bgp: k.has('bgp') };
      const picks = fc.record({ msdp: fc.boolean(), bgp: fc.boolean() });
      const [, same] = first(fc.tuple(picks, fuzzCaseArb(opts)), seed);
      expect(c, `seed ${seed}`).toEqual(same);
      expect(c.scenario.config.router.msdp !== undefined).toBe(k.has('msdp'));
      expect(c.scenario.config.router.bgp !== undefined).toBe(k.has('bgp'));
    }
  });

  it("keeps a mutant's bias: the MSDP peers it needs are in every case, BGP peers are drawn", () => {
    const hunt: FuzzTarget = { ...MIXED, mutant: 'msdp-snoop-deaf' };
    const drawn = Array.from({ length: 12 }, (_, seed) => appKinds(caseForSeed(hunt, seed)));
    expect(drawn.every((k) => k.has('msdp'))).toBe(true);
    expect(drawn.some((k) => k.has('bgp'))).toBe(true);
    expect(drawn.some((k) => !k.has('bgp'))).toBe(true);
  });

  it('passes on the correct design: ten of those cases, each kind of mix', () => {
    const pick = (want: (k: Set<string>) => boolean, n: number): number[] =>
      kinds.flatMap((k, i) => (want(k) ? [i] : [])).slice(0, n);
    const runs = [
      ...pick((k) => k.has('msdp') && !k.has('bgp'), 3),
      ...pick((k) => k.has('bgp') && !k.has('msdp'), 3),
      ...pick((k) => k.size === 2, 2),
      ...pick((k) => k.size === 0, 2),
    ];
    expect(runs).toHaveLength(10);
    for (const i of runs) {
      const r = runCase((cases[i] as FuzzCase).scenario);
      expect(r.fired, `seed ${i}`).toEqual([]);
    }
  });

  it("says 'apps mixed' in the header and the name of a finding file", () => {
    const c = caseForSeed(MIXED, 36);
    const f = writeFinding(
      TMP,
      { case: c, result: runCase(c.scenario) },
      {
        target: MIXED,
        campaignSeed: 1,
        run: 36,
        runSeed: 36,
        originalFired: ['in-order'],
        shrinkRuns: 0,
        steps: 0,
      },
    );
    expect(readFileSync(f.file, 'utf8').split('\n')[0]).toMatch(
      /^# Found by nsrsim fuzz \(nsrsim .*\): design jsr, apps mixed\.$/,
    );
    // A stream campaign with the same seed and run writes fuzz-jsr-s1-r36.yaml: no overwrite.
    expect(basename(f.file)).toBe('fuzz-jsr-mixed-s1-r36.yaml');
  });
});
