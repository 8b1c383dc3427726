// Proves a generated scenario printed by toYaml is a scenario file the loader reads back to an equal config (and tie-breaks), for generated scenarios and for every file of the scenario library, and that the loader validates the top-level tieBreaks key.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzCaseArb } from '../../../scenarios/fuzz/arbitraries.ts';
import { MUTANT_BIAS } from '../../../scenarios/fuzz/bias.ts';
import { toYaml } from '../../../scenarios/fuzz/yaml.ts';
import { formatIssue, ScenarioError } from '../../../scenarios/load/errors.ts';
import { loadScenarioFile, parseScenario } from '../../../scenarios/load/load.ts';
import type { MutantName } from '../../../model/nsr/options.ts';
import { libraryFiles } from '../../../scenarios/load/library.ts';

const LIBRARY = libraryFiles();
function issues(text: string): string[] {
  try {
    parseScenario(text, 'x.yaml');
    return [];
  } catch (e) {
    if (!(e instanceof ScenarioError)) throw e;
    return e.issues.map(formatIssue);
  }
}

describe('toYaml round trip', () => {
  it('reads every generated scenario back to an equal config, checks, expect and tie-breaks', () => {
    fc.assert(
      fc.property(fuzzCaseArb(), (c) => {
        const back = parseScenario(toYaml(c.scenario), 'gen.yaml');
        expect(back.config).toEqual(c.scenario.config);
        expect(back.tieBreaks).toEqual(c.scenario.tieBreaks);
        expect(back.checks).toEqual(c.scenario.checks);
        expect(back.expect).toEqual(c.scenario.expect);
        expect(back.description).toBe(c.scenario.description);
      }),
      { numRuns: 200, seed: 4242 },
    );
  });

  it('round-trips the biased generators too (mutants, costs, bounds, long runs, unsafe options)', () => {
    for (const [mutant, bias] of Object.entries(MUTANT_BIAS)) {
      fc.assert(
        fc.property(
          fuzzCaseArb({ ...bias, mutant: mutant as MutantName, safeOnly: false }),
          (c) => {
            expect(parseScenario(toYaml(c.scenario), 'gen.yaml').config).toEqual(c.scenario.config);
          },
        ),
        { numRuns: 15, seed: 7 },
      );
    }
  });

  it.each(LIBRARY)('reads %s back to an equal config after printing it', (file) => {
    const s = loadScenarioFile(file);
    const back = parseScenario(toYaml(s), file);
    expect(back.config).toEqual(s.config);
    expect(back.checks).toEqual(s.checks);
    expect(back.expect).toEqual(s.expect);
    expect(back.traceHash).toBe(s.traceHash);
  });

  it('writes the seed, tie-breaks, expectation, hash and comments it is given', () => {
    const [c] = fc.sample(fuzzCaseArb(), { numRuns: 1, seed: 3 });
    if (c === undefined) throw new Error('no sample');
    const text = toYaml(c.scenario, {
      seed: 99,
      tieBreaks: [3, 0, 7],
      expect: { fail: ['in-order'] },
      traceHash: 'ab'.repeat(32),
      comment: ['first line', '', 'third'],
    });
    expect(text.startsWith('# first line\n#\n# third\nname: fuzz\n')).toBe(true);
    const back = parseScenario(text, 'x.yaml');
    expect(back.config.seed).toBe(99);
    expect(back.tieBreaks).toEqual([3, 0, 7]);
    expect(back.expect).toEqual({ fail: ['in-order'] });
    expect(back.traceHash).toBe('ab'.repeat(32));
    // An empty list is FIFO and is left out.
    expect(toYaml(c.scenario, { tieBreaks: [] })).not.toContain('tieBreaks');
  });
});

describe('tieBreaks in scenario files', () => {
  const MINIMAL = 'name: t\nseed: 1\nduration: 1s\npeers: [{ name: pa }]\n';

  it('defaults to [] (FIFO) and reads a list of integers >= 0', () => {
    expect(parseScenario(MINIMAL, 'x.yaml').tieBreaks).toEqual([]);
    expect(parseScenario(`${MINIMAL}tieBreaks: [0, 5, 12]\n`, 'x.yaml').tieBreaks).toEqual([
      0, 5, 12,
    ]);
  });

  it('reports bad items one by one with their position, and a non-list', () => {
    expect(issues(`${MINIMAL}tieBreaks: [1, -2, 1.5, x]\n`)).toEqual([
      'x.yaml:5:16: tieBreaks[1] must be >= 0, got -2',
      'x.yaml:5:20: tieBreaks[2] must be an integer, got the number 1.5',
      'x.yaml:5:25: tieBreaks[3] must be an integer, got the string "x"',
    ]);
    expect(issues(`${MINIMAL}tieBreaks: 3\n`)).toEqual([
      'x.yaml:5:12: tieBreaks must be a list, got the number 3',
    ]);
  });
});
