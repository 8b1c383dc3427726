// Proves the campaign's issue-18 rules on a mutant that fails almost every run (prl-secondary-lags-one-packet, used as the target with no stop at the first kill): failures are grouped by signature and each group is shrunk once (one file for ten failing runs), --max-failures stops starting runs at the N-th distinct failure, and --time covers shrinking (a shrink cut short writes its best file so far, which replays, and says so; runs stop being started when the time left is the known failures' shrink reserve).
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  runCampaign,
  type CampaignOptions,
  type Progress,
} from '../../../scenarios/fuzz/campaign.ts';
import { campaignJson } from '../../../scenarios/fuzz/report-json.ts';
import { formatCampaign } from '../../../scenarios/fuzz/report-text.ts';
import { runCase } from '../../../scenarios/fuzz/run-case.ts';
import { loadScenarioFile } from '../../../scenarios/load/load.ts';

const TMP = mkdtempSync(join(tmpdir(), 'nsrsim-fuzz-campaign-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

/** The mutant as the thing under test: every differential kill is a failure of the campaign. */
const BASE: Omit<CampaignOptions, 'outDir'> = {
  target: { design: 'jsr', mutant: 'prl-secondary-lags-one-packet' },
  seed: 7,
  workers: 0,
};

describe('fuzz campaign: groups, --max-failures, --time', () => {
  it('--runs 10 --max-failures 0: every failing run is listed, grouped by signature, and each group is shrunk once into one file', async () => {
    const outDir = join(TMP, 'groups');
    const r = await runCampaign({ ...BASE, runs: 10, maxFailures: 0, outDir, shrinkBudget: 1 });
    expect(r.runs).toBe(10);
    expect(r.stoppedBy).toBe('runs');
    expect(r.failures.length).toBeGreaterThanOrEqual(5);
    // The group lists every failing run, with its count; its first run is the one shrunk.
    expect(r.groups.reduce((n, g) => n + g.count, 0)).toBe(r.failures.length);
    expect(r.groups.flatMap((g) => g.runs).sort((a, b) => a - b)).toEqual(
      r.failures.map((f) => f.run),
    );
    for (const g of r.groups) {
      expect(g.signature).toMatch(/^[a-z-]+\/[A-Za-z+ -]+$/);
      expect(g.first.run).toBe(g.runs[0]);
      expect(g.first.finding?.verified).toBe(true);
    }
    const shrunk = r.failures.filter((f) => f.shrunk !== undefined);
    expect(shrunk.map((f) => f.run)).toEqual(r.groups.map((g) => g.first.run));
    expect(readdirSync(outDir)).toHaveLength(r.groups.length);
    expect(r.groups.length).toBeLessThan(r.failures.length);
    const text = formatCampaign(campaignJson(r, 'none'), true);
    const g = r.groups[0];
    expect(text).toContain(`  failures   ${r.failures.length} runs in ${r.groups.length} group`);
    expect(text).toContain(`    ${g?.signature}: ${g?.count} runs (${g?.runs.join(', ')})`);
  });

  it('--max-failures 1 (the default) stops at the first failure: the runs after it are not started, or not counted', async () => {
    const r = await runCampaign({ ...BASE, runs: 10 });
    expect(r.maxFailures).toBe(1);
    expect(r.stoppedBy).toBe('max-failures');
    expect(r.failures).toHaveLength(1);
    const first = r.failures[0];
    expect(r.runs).toBe((first?.run ?? -1) + 1);
    expect(campaignJson(r, 'none').stoppedBy).toBe('max-failures');
  });

  it('--time covers shrinking: a shrink cut short by the deadline writes its best case so far, which replays, and the report says so', async () => {
    const outDir = join(TMP, 'time');
    let now = 0;
    const TIME_MS = 1e9;
    const r = await runCampaign({
      ...BASE,
      runs: 1,
      timeMs: TIME_MS,
      outDir,
      shrinkBudget: 50,
      clock: () => now,
      // The test's clock: the deadline passes once the shrink has spent two runs.
      onProgress: (p: Progress) => {
        if (p.phase === 'shrink' && (p.shrink?.runs ?? 0) >= 2) now = TIME_MS;
      },
    });
    const f = r.groups[0]?.first;
    expect(f?.shrunk?.stoppedBy).toBe('time');
    expect(f?.shrunk?.runs).toBe(2);
    const file = f?.finding?.file ?? '';
    expect(f?.finding?.verified).toBe(true);
    // The file is a finding like any other: it fails as it says, hash for hash.
    const s = loadScenarioFile(file);
    const again = runCase(s);
    expect(again.traceHash).toBe(s.traceHash);
    expect(s.expect).toEqual({ fail: again.fired });
    expect(formatCampaign(campaignJson(r, 'none'), true)).toContain(
      'shrink stopped by --time after 2 runs',
    );
  });

  it('--time: runs stop being started once the time left is what the known failures need to be shrunk', async () => {
    let now = 0;
    const r = await runCampaign({
      ...BASE,
      runs: 10,
      maxFailures: 0,
      timeMs: 1000,
      clock: () => now,
      outDir: join(TMP, 'reserve'),
      shrinkBudget: 0,
      // One millisecond left after the first run, which fails: less than one shrink's
      // reserve. (Then the deadline passes at the shrink's first run.)
      onProgress: (p: Progress) => {
        now = p.phase === 'runs' ? 999 : 1000;
      },
    });
    expect(r.failures[0]?.run).toBe(0);
    expect(r.runs).toBe(1);
    expect(r.stoppedBy).toBe('time');
  });
});
