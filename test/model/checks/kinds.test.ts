// Proves that the record kinds each checker and the outcome observer declare (issue 18:
// they are offered no other) are all they read: every scenario of the library but the two
// large scale ones (mutants, faults, options, MSDP, BGP, Redundant TCP...), where each
// checker fires or is exercised, gives the same violations, outcome and trace hash with
// the filter on and off.
import { describe, expect, it } from 'vitest';
import { attachCheckers } from '../../../model/checks/index.ts';
import { OutcomeObserver } from '../../../model/outcome.ts';
import { World } from '../../../model/world.ts';
import { LIBRARY_KINDS, libraryFilesOf } from '../../../scenarios/load/library.ts';
import { loadScenarioFile } from '../../../scenarios/load/load.ts';

const FILES = LIBRARY_KINDS.filter((k) => k !== 'scale').flatMap((k) => libraryFilesOf(k));

function runWith(file: string, filter: boolean): unknown {
  const s = loadScenarioFile(file);
  const world = new World(s.config);
  world.sim.trace.setKindFilter(filter);
  const observer = new OutcomeObserver(world);
  attachCheckers(world, s.checks);
  const r = world.run();
  return {
    violations: r.violations,
    outcome: observer.outcome(r.run.simulatedNs, undefined),
    hash: r.traceHash,
  };
}

describe('declared record kinds', () => {
  it('the library sets cover every checker that declares kinds', () => {
    expect(FILES.length).toBeGreaterThan(100);
  });

  it.each(FILES)('%s: the same run with every record offered to every checker', (file) => {
    expect(runWith(file, true)).toEqual(runWith(file, false));
  });
});
