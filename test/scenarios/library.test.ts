// Proves every scenario in the library runs and gives its declared verdict, and that the CLI's world builder yields the same trace as the model's own World.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { attachCheckers } from '../../model/checks/index.ts';
import { World } from '../../model/world.ts';
import { loadScenarioFile } from '../../scenarios/load/load.ts';
import { runScenario } from '../../scenarios/run.ts';
import { libraryFiles } from '../../scenarios/load/library.ts';

const LIBRARY = libraryFiles();

describe('scenario library', () => {
  it.each(LIBRARY)('%s gives its declared verdict', (file) => {
    const s = loadScenarioFile(file);
    const r = runScenario(s);
    const detail = r.violations
      .slice(0, 5)
      .map((v) => `${v.check} at ${v.timeNs}: ${v.message}`)
      .join('\n');
    expect(
      r.matches,
      `${file}: verdict ${r.verdict}, expected ${JSON.stringify(s.expect)}\n${detail}`,
    ).toBe(true);
    expect(r.stats.stopReason).toBe('time');
    expect(r.stats.simulatedNs).toBe(s.config.durationNs);
    // Traffic flowed: every session moved bytes in each direction that has traffic.
    for (const x of r.stats.sessions) {
      const p = s.config.peers.find((q) => x.session.startsWith(`${q.name}/`));
      if ((p?.toRouter.ratePerSec ?? 0) > 0)
        expect(x.peer.bytesWritten, x.session).toBeGreaterThan(0);
      else expect(x.peer.bytesRead + (x.router?.bytesWritten ?? 0), x.session).toBeGreaterThan(0);
    }
  });
});

describe('world builder', () => {
  it.each([
    'scenarios/demo.yaml',
    'scenarios/library/baseline/master-crash.yaml',
    'scenarios/library/misc/dirty-wire.yaml',
  ])('%s: same trace hash as new World(cfg)', (file) => {
    const s = loadScenarioFile(file);
    expect(s.config.faults.length).toBeGreaterThan(0);
    const direct = new World(s.config);
    attachCheckers(direct, s.checks);
    expect(runScenario(s).traceHash).toBe(direct.run().traceHash);
  });
});
