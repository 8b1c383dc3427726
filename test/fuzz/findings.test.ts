// Proves the open fuzz findings in test/fuzz/findings/ still behave as recorded (each file's header says what is wrong and where): the scenario files fail (or crash, or pass unnoticed) exactly as written, and replay to their recorded hash. When one of these tests fails, the finding was fixed: update its file (and lift its exclusion in scenarios/fuzz, if it has one).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCase, INTERNAL_ERROR_CHECK } from '../../scenarios/fuzz/run-case.ts';
import { loadScenarioFile } from '../../scenarios/load.ts';
import { runScenario } from '../../scenarios/run.ts';

const DIR = 'test/fuzz/findings';
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => join(DIR, f));

describe('open fuzz findings', () => {
  it('has the findings this session reported', () => {
    expect(FILES.map((f) => f.slice(DIR.length + 1))).toEqual([
      'crash-slow-reader-acked-data-lost.yaml',
      'internal-error-port-in-use.yaml',
      'prl-timeout-refused-passed-up.yaml',
      'skip-failover-timers-unreported-stall.yaml',
      'switchover-stream-corrupt.yaml',
      'unsafe-ooo-count-incoming.yaml',
      'unsafe-prlack-coalesce.yaml',
      'unsafe-version-skew-ipc.yaml',
    ]);
  });

  it('internal-error-port-in-use (fixed): the simulator no longer throws; the unreplicated session is reset', () => {
    const r = runCase(loadScenarioFile(join(DIR, 'internal-error-port-in-use.yaml')));
    expect(r.fired).not.toContain(INTERNAL_ERROR_CHECK);
    expect(r.fired).toEqual(['peer-transparent']);
  });

  it.each(FILES)('%s gives its recorded verdict and trace hash', (file) => {
    const s = loadScenarioFile(file);
    const r = runScenario(s);
    expect(r.matches, `${file}: ${r.verdict}, ${r.violations.map((v) => v.check).join(', ')}`).toBe(true);
    if (s.traceHash !== undefined) expect(r.traceHash).toBe(s.traceHash);
  });
});
