// Proves that every scenarios/library/mutant/*.yaml file is caught by the checker it names, that the same file with the mutant removed (the correct design) gives no violation at all, so each checker fires on the bug and not on the scenario, and that every checker catches some mutant (NSR mutants and Redundant TCP's alike).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkerIds } from '../../model/checks/index.ts';
import { isMutant, MUTANTS } from '../../model/nsr/options.ts';
import { isRtcpMutant, RTCP_MUTANTS } from '../../model/redundant/mutants.ts';
import { loadScenarioFile, type Scenario } from '../../scenarios/load/load.ts';
import { runScenario, type RunReport } from '../../scenarios/run.ts';
import { formatDuration } from '../../sim/index.ts';
import { libraryFile, libraryFilesOf } from '../../scenarios/load/library.ts';

const FILES = libraryFilesOf('mutant');

interface Row {
  mutant: string;
  checker: string;
  firstViolationNs: number;
  message: string;
}

const table: Row[] = [];

/**
 * Checkers no mutant file exercises yet. liveness: its mutants (psrm-skip-failover-timers,
 * flow-control-never-sent) are caught only when the peer writes nothing, and every library
 * file must carry traffic both ways (test/scenarios/library.test.ts). Remove an id here
 * when a file catches it.
 */
const NOT_YET_CAUGHT: readonly string[] = [];

/** The same scenario with the mutant taken out: the correct design. */
function correct(s: Scenario): Scenario {
  return {
    ...s,
    config: { ...s.config, router: { ...s.config.router, mutant: undefined } },
    expect: 'pass',
  };
}

function firstOf(r: RunReport, check: string): RunReport['violations'][number] | undefined {
  return r.violations
    .filter((v) => v.check === check)
    .sort((a, b) => a.timeNs - b.timeNs || a.recordId - b.recordId)[0];
}

const describeViolations = (r: RunReport): string[] =>
  r.violations.slice(0, 5).map((v) => `${v.check} at ${formatDuration(v.timeNs)}: ${v.message}`);

describe('mutant files', () => {
  it('there is at least one, each names one mutant and expects exactly one checker to fire', () => {
    expect(FILES.length).toBeGreaterThan(0);
    for (const f of FILES) {
      const s = loadScenarioFile(f);
      const m = s.config.router.mutant;
      expect(m !== undefined && (isMutant(m) || isRtcpMutant(m)), f).toBe(true);
      expect(f).toBe(libraryFile('mutant', String(m)));
      expect(s.expect, f).not.toBe('pass');
      if (s.expect !== 'pass') expect(s.expect.fail, f).toHaveLength(1);
    }
  });

  it.each(FILES)(
    '%s: the named checker catches the mutant; without the mutant nothing fires',
    (file) => {
      const s = loadScenarioFile(file);
      if (s.expect === 'pass') throw new Error(`${file} expects pass`);
      const checker = s.expect.fail[0] as string;
      const buggy = runScenario(s);
      expect(
        buggy.matches,
        `${file}: expected ${checker} to fire, got:\n${describeViolations(buggy).join('\n')}`,
      ).toBe(true);
      const first = firstOf(buggy, checker);
      expect(first).toBeDefined();
      if (first === undefined) return;
      expect(first.timeNs).toBeGreaterThan(0);
      expect(first.timeNs).toBeLessThanOrEqual(s.config.durationNs);
      table.push({
        mutant: String(s.config.router.mutant),
        checker,
        firstViolationNs: first.timeNs,
        message: first.message,
      });

      const fixed = runScenario(correct(s));
      expect(
        fixed.violations.map((v) => `${v.check} at ${formatDuration(v.timeNs)}: ${v.message}`),
        `${file} without its mutant`,
      ).toEqual([]);
      expect(fixed.stats.stopReason).toBe('time');
    },
  );

  // Mutants no file catches yet: listed as todo, not failed.
  const covered = new Set(FILES.map((f) => loadScenarioFile(f).config.router.mutant));
  const all = [...Object.keys(MUTANTS), ...Object.keys(RTCP_MUTANTS)];
  for (const m of all.filter((x) => !covered.has(x as keyof typeof MUTANTS))) {
    it.todo(`${m}: no scenario file yet in which a checker catches it`);
  }

  it('every checker catches at least one mutant file (but those listed as not yet), and every checker a file names is real', () => {
    const ids = new Set(checkerIds());
    const named = new Set<string>();
    for (const f of FILES) {
      const e = loadScenarioFile(f).expect;
      if (e !== 'pass') for (const c of e.fail) named.add(c);
    }
    for (const c of named) expect(ids.has(c), c).toBe(true);
    expect([...ids].filter((c) => !named.has(c)).sort()).toEqual([...NOT_YET_CAUGHT].sort());
  });
});

afterAll(() => {
  if (table.length === 0) return;
  table.sort((a, b) => a.mutant.localeCompare(b.mutant));
  const w = Math.max(...table.map((r) => r.mutant.length));
  const c = Math.max(...table.map((r) => r.checker.length));
  const lines = table.map(
    (r) =>
      `${r.mutant.padEnd(w)}  ${r.checker.padEnd(c)}  ${formatDuration(r.firstViolationNs).padStart(14)}  ${r.message.slice(0, 110)}`,
  );
  console.log(`mutant → checker → first violation (simulated time)\n${lines.join('\n')}`);
});
