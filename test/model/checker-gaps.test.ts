// Proves three bug classes of issue 12 were invisible to the checkers nsrsim had before it (identical-data, no-loss-sync, in-order, peer-transparent, rcvbufspc-agree, single-transmitter, liveness, bounded: each mutant's library file passes all of them) and are caught now by the checker added for the gap (tcp-follower, app-stream).
import { describe, expect, it } from 'vitest';
import { loadScenarioFile, type Scenario } from '../../scenarios/load/load.ts';
import { runScenario } from '../../scenarios/run.ts';
import { libraryFile } from '../../scenarios/load/library.ts';

/** The checkers of the design before issue 12 (ids that still exist). */
const BEFORE = [
  'identical-data',
  'no-loss-sync',
  'in-order',
  'peer-transparent',
  'rcvbufspc-agree',
  'single-transmitter',
  'liveness',
  'bounded',
];

const GAPS = [
  // Gap 3: the two TCPs trim the same packet differently (SPEC P-10, P-13).
  { mutant: 'tcp-replica-window-from-rcv-adv', caughtBy: 'tcp-follower' },
  // Gap 12: the secondary's tcpcb stops following the primary's (P-13).
  { mutant: 'psrm-snapshot-swaps-wl1-wl2', caughtBy: 'tcp-follower' },
  // Gap 4: the snooping backup application reads a corrupt stream (S-3).
  { mutant: 'psrm-app-in-from-app-out', caughtBy: 'app-stream' },
] as const;

function only(s: Scenario, checks: readonly string[]): Scenario {
  return { ...s, checks: [...checks], expect: 'pass' };
}

describe('checker gaps of issue 12', () => {
  it.each(GAPS)('$mutant passes every older checker and is caught by $caughtBy', (g) => {
    const s = loadScenarioFile(libraryFile('mutant', g.mutant));
    const before = runScenario(only(s, BEFORE));
    expect(before.violations.map((v) => `${v.check}: ${v.message}`)).toEqual([]);
    const now = runScenario(only(s, [...BEFORE, g.caughtBy]));
    expect([...new Set(now.violations.map((v) => v.check))]).toEqual([g.caughtBy]);
  });
});
