// Proves `nsrsim fuzz`, run as a real child process, keeps its contract: a JSON report with runs and runs/s, no progress bar off a terminal, shards, bad flags exit 2, --apps mixed (in JSON, in workers), a found mutant exits 0 and is written as a scenario file that `nsrsim run` shows failing as expected and `nsrsim replay` reproduces hash for hash, an unfound one exits 1, and --check-determinism reports identical traces.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nsrsim } from '../../helpers/nsrsim.ts';
import { loadScenarioFile } from '../../../scenarios/load/load.ts';

const TMP = mkdtempSync(join(tmpdir(), 'nsrsim-fuzz-cli-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

describe.concurrent('nsrsim fuzz', () => {
  it('runs a campaign and prints one JSON report: runs, runs/s, no failures; nothing on stderr off a terminal', async () => {
    const r = await nsrsim(
      'fuzz',
      '--runs',
      '4',
      '--seed',
      '3',
      '--workers',
      '1',
      '--json',
      '--out',
      join(TMP, 'a'),
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(j).toMatchObject({
      design: 'jsr',
      seed: 3,
      shard: '0/1',
      workers: 1,
      runs: 4,
      stoppedBy: 'runs',
      failures: [],
    });
    expect(j.runsPerSec).toBeGreaterThan(0);
  });

  it('prints a human summary with the random seed to repeat it, and the shard', async () => {
    const r = await nsrsim(
      'fuzz',
      '--runs',
      '2',
      '--workers',
      '0',
      '--shard',
      '1/3',
      '--out',
      join(TMP, 'b'),
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      /^nsrsim fuzz: design jsr, seed \d+ \(random; --seed \d+ repeats it\), shard 1\/3, 0 workers$/m,
    );
    expect(r.stdout).toMatch(/^ {2}runs {7}2 in [\d.]+ s: [\d.]+ runs\/s, [\d,]+ events$/m);
    expect(r.stdout).toMatch(/^ {2}failures {3}none$/m);
  });

  it('refuses bad flags with exit 2 and one line', async () => {
    for (const args of [
      ['--shard', '3/2'],
      ['--mutant', 'nope'],
      ['--seed', '-1'],
      ['--time', '0s'],
      ['--design', 'rtcp'],
      ['--workers', '-1'],
      ['--runs', '0'],
      ['--apps', 'bogus'],
      ['--pool', 'fibers'],
    ]) {
      const r = await nsrsim('fuzz', ...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/^nsrsim: /);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    }
  });

  it('--pool: a bad value is a usage error; threads and processes give the same campaign', async () => {
    const bad = await nsrsim('fuzz', '--pool', 'fibers');
    expect(bad.stderr).toMatch(
      /^nsrsim: --pool must be one of auto, threads, processes, got "fibers"$/m,
    );
    const campaign = (pool: string) =>
      nsrsim(
        'fuzz',
        ...['--pool', pool, '--runs', '4', '--json', '--seed', '3', '--workers', '1'],
        ...['--out', join(TMP, `pool-${pool}`)],
      );
    const [threads, processes] = await Promise.all([campaign('threads'), campaign('processes')]);
    expect(threads.status, threads.stderr).toBe(0);
    expect(processes.status, processes.stderr).toBe(0);
    const a = JSON.parse(threads.stdout) as Record<string, unknown>;
    const b = JSON.parse(processes.stdout) as Record<string, unknown>;
    expect(a).toMatchObject({ runs: 4, failures: [] });
    expect(b.events).toBe(a.events);
    expect(b.runs).toBe(a.runs);
  });

  it('--apps: a bad value is a usage error; mixed runs and its JSON identity says so, with workers or without', async () => {
    const bad = await nsrsim('fuzz', '--apps', 'bogus');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^nsrsim: --apps must be one of stream, mixed, got "bogus"$/m);
    const mixed = (workers: string) =>
      nsrsim(
        'fuzz',
        ...['--apps', 'mixed', '--runs', '4', '--json', '--seed', '3', '--workers', workers],
        ...['--out', join(TMP, `apps-${workers}`)],
      );
    const [inProcess, pooled] = await Promise.all([mixed('0'), mixed('1')]);
    expect(inProcess.status, inProcess.stderr).toBe(0);
    const j = JSON.parse(inProcess.stdout) as Record<string, unknown>;
    expect(j).toMatchObject({ design: 'jsr', seed: 3, apps: 'mixed', runs: 4, failures: [] });
    // A worker thread draws the same mixed cases: the target crosses to it with its apps.
    expect((JSON.parse(pooled.stdout) as Record<string, unknown>).events).toBe(j.events);
  });

  it('finds a mutant (exit 0), shrinks it to a scenario file that run shows as expected and replay reproduces', async () => {
    const out = join(TMP, 'm');
    const r = await nsrsim(
      'fuzz',
      '--mutant',
      'prl-l4-after-nack',
      '--seed',
      '1',
      '--runs',
      '10',
      '--workers',
      '0',
      '--shrink-budget',
      '15',
      '--json',
      '--out',
      out,
    );
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout) as {
      mutants: Array<{
        name: string;
        found: boolean;
        runs: number;
        wallMs: number;
        shrunkFaults: number;
        file: string;
      }>;
    };
    expect(j.mutants).toHaveLength(1);
    const m = j.mutants[0];
    expect(m).toMatchObject({ name: 'prl-l4-after-nack', found: true });
    expect(m?.runs).toBeGreaterThan(0);
    expect(m?.wallMs).toBeGreaterThanOrEqual(0);
    expect(typeof m?.shrunkFaults).toBe('number');
    const file = m?.file ?? '';
    const s = loadScenarioFile(file);
    expect(s.expect).not.toBe('pass');
    expect(s.config.router.mutant).toBe('prl-l4-after-nack');
    expect(s.traceHash).toMatch(/^[0-9a-f]{64}$/);
    expect(readFileSync(file, 'utf8')).toMatch(/^# Found by nsrsim fuzz/);
    const run = await nsrsim('run', file);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/verdict {4}FAIL, as expected/);
    const replay = await nsrsim('replay', file);
    expect(replay.status).toBe(0);
    expect(replay.stdout).toContain('matches the recorded one');
  }, 240_000);

  it('exits 1 when a mutant is not found in its budget', async () => {
    const r = await nsrsim(
      'fuzz',
      '--mutant',
      'psrm-skip-failover-timers',
      '--seed',
      '1',
      '--runs',
      '1',
      '--workers',
      '0',
      '--out',
      join(TMP, 'n'),
    );
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^mutant psrm-skip-failover-timers: NOT FOUND in 1 runs/m);
    expect(r.stdout).toMatch(/^0 of 1 mutant found \(seed 1\)$/m);
  });

  it('--check-determinism re-runs a sample in this process and reports identical traces', async () => {
    const r = await nsrsim(
      'fuzz',
      '--runs',
      '3',
      '--seed',
      '4',
      '--workers',
      '1',
      '--check-determinism',
      '--out',
      join(TMP, 'd'),
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ {2}determinism 3 runs re-run, identical traces$/m);
  });

  it('is listed in --help', async () => {
    const r = await nsrsim('--help');
    expect(r.stdout).toContain('nsrsim fuzz');
    const f = await nsrsim('fuzz', '--help');
    for (const flag of [
      '--runs',
      '--time',
      '--seed',
      '--workers',
      '--shard',
      '--design',
      '--mutant',
      '--json',
      '--out',
      '--check-determinism',
      '--apps',
    ])
      expect(f.stdout).toContain(flag);
  });
});
