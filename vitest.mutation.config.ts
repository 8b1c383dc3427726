// The fast test selection `npm run mutation` (stryker.config.mjs) runs against every mutant
// of model/nsr/ and model/checks/: their unit tests plus the scenario tests that drive PRL,
// IHA and the identical-data checker through whole worlds (the mutant library, master
// crashes at many instants, per-socket failover). Not part of `npm test`'s configuration.
import { relative } from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Stryker stops a mutant's run at its first failing test, so the test files that failed
 * last time go first (a mutant's neighbour is often killed by the same test), then the
 * quickest: vitest's own order runs the longest first, which suits parallel runs, not this.
 */
class KillFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const cache = this.ctx.cache;
    const rank = (f: TestSpecification): [number, number] => {
      const key = `${f.project.name}:${relative(this.ctx.config.root, f.moduleId)}`;
      const last = cache.getFileTestResults(key);
      if (last !== undefined) return [last.failed ? 0 : 1, last.duration];
      return [1, cache.getFileStats(key)?.size ?? Number.MAX_SAFE_INTEGER];
    };
    const ranked = files.map((f) => ({ f, r: rank(f), id: f.moduleId }));
    ranked.sort((a, b) => a.r[0] - b.r[0] || a.r[1] - b.r[1] || (a.id < b.id ? -1 : 1));
    return ranked.map((x) => x.f);
  }
}

export default defineConfig({
  test: {
    include: [
      'test/model/nsr/**/*.test.ts',
      'test/model/checks/**/*.test.ts',
      'test/model/mutants.test.ts',
      'test/model/failover.test.ts',
      'test/model/socket-failover.test.ts',
    ],
    sequence: { sequencer: KillFirstSequencer },
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
