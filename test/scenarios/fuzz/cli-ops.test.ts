// Proves the issue-18 contract of `nsrsim fuzz`, run as a real child process: the shard comes from JOB_COMPLETION_INDEX/JOB_COMPLETIONS or NSRSIM_SHARD when --shard is absent (bad values exit 2 in one line), --max-failures is checked, and `nsrsim fuzz merge` joins real shard reports (exit 0), exits 1 when the merged campaign failed and 2 for reports that do not merge, unreadable files or campaign flags.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VERSION } from '../../../scenarios/run.ts';

const TMP = mkdtempSync(join(tmpdir(), 'nsrsim-fuzz-ops-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** nsrsim with these extra environment variables (the shard variables unset unless given). */
function nsrsim(env: Record<string, string>, ...args: string[]): Promise<Result> {
  const base: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '' };
  for (const k of ['NSRSIM_SHARD', 'JOB_COMPLETION_INDEX', 'JOB_COMPLETIONS']) delete base[k];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['scenarios/cli/bin.mjs', ...args], {
      env: { ...base, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const oneLine = (r: Result): void => {
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/^nsrsim: /);
  expect(r.stderr).not.toMatch(/^\s+at /m);
};

/** A minimal shard report of campaign seed 5 over 2 shards, with or without a failure. */
function report(index: number, failed: boolean, seed = 5): string {
  const failures = failed
    ? [
        {
          run: index,
          runSeed: 1,
          fired: ['in-order'],
          signature: 'in-order/in',
          shrunk: null,
          file: null,
          verified: null,
        },
      ]
    : [];
  const groups = failed
    ? [
        {
          signature: 'in-order/in',
          count: 1,
          runs: [index],
          run: index,
          runSeed: 1,
          fired: ['in-order'],
          shrunk: null,
          file: null,
        },
      ]
    : [];
  const file = join(TMP, `r${index}-${failed}-${seed}.json`);
  const shard = `${index}/2`;
  writeFileSync(
    file,
    JSON.stringify({
      version: VERSION,
      design: 'jsr',
      seed,
      unsafeOptions: false,
      shard,
      shardSource: 'NSRSIM_SHARD',
      shards: [{ shard, runs: 3, wallMs: 100, stoppedBy: 'runs' }],
      workers: 1,
      runs: 3,
      events: 10,
      wallMs: 100,
      totalMs: 100,
      runsPerSec: 30,
      stoppedBy: 'runs',
      maxFailures: 1,
      failures,
      groups,
    }),
  );
  return file;
}

describe.concurrent('nsrsim fuzz: shards from the environment, --max-failures, merge', () => {
  it('takes the shard of a Kubernetes Indexed Job from JOB_COMPLETION_INDEX and JOB_COMPLETIONS', async () => {
    const r = await nsrsim(
      { JOB_COMPLETION_INDEX: '2', JOB_COMPLETIONS: '3' },
      'fuzz',
      '--runs',
      '1',
      '--seed',
      '3',
      '--workers',
      '0',
      '--json',
      '--out',
      join(TMP, 'k'),
    );
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      shard: '2/3',
      shardSource: 'JOB_COMPLETION_INDEX',
      runs: 1,
    });
  });

  it('refuses unusable shard variables and --max-failures with exit 2 and one line', async () => {
    const cases: Array<[Record<string, string>, string[]]> = [
      [{ JOB_COMPLETION_INDEX: '1' }, []],
      [{ JOB_COMPLETION_INDEX: '3', JOB_COMPLETIONS: '3' }, []],
      [{ JOB_COMPLETION_INDEX: 'x', JOB_COMPLETIONS: '3' }, []],
      [{ NSRSIM_SHARD: '2/2' }, []],
      [{}, ['--max-failures', '-1']],
      [{}, ['--max-failures', '1.5']],
    ];
    for (const [env, args] of cases) {
      const r = await nsrsim(env, 'fuzz', '--runs', '1', ...args);
      oneLine(r);
    }
  });

  it('merge joins real shard reports (NSRSIM_SHARD) into one: exit 0, the runs of both', async () => {
    const files: string[] = [];
    for (const i of [0, 1]) {
      const r = await nsrsim(
        { NSRSIM_SHARD: `${i}/2` },
        'fuzz',
        '--runs',
        '1',
        '--seed',
        '4',
        '--workers',
        '0',
        '--json',
        '--out',
        join(TMP, `s${i}`),
      );
      expect(r.status).toBe(0);
      const file = join(TMP, `shard-${i}.json`);
      writeFileSync(file, r.stdout);
      files.push(file);
    }
    const m = await nsrsim({}, 'fuzz', 'merge', ...files.reverse(), '--json');
    expect(m.status).toBe(0);
    expect(JSON.parse(m.stdout)).toMatchObject({
      seed: 4,
      shard: '0,1/2',
      shardSource: 'merged',
      runs: 2,
      failures: [],
    });
    const text = await nsrsim({}, 'fuzz', 'merge', ...files);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(
      /^nsrsim fuzz merge: design jsr, seed 4, shards 0,1\/2 \(2 reports\)/,
    );
    expect(text.stdout).toMatch(/^ {2}failures {3}none$/m);
  });

  it('merge exits 1 when a shard failed, and says which shards are missing', async () => {
    const ok = await nsrsim({}, 'fuzz', 'merge', report(0, false), report(1, false));
    expect(ok.status).toBe(0);
    const bad = await nsrsim({}, 'fuzz', 'merge', report(0, false), report(1, true));
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain('    in-order/in: 1 run (1)');
    const part = await nsrsim({}, 'fuzz', 'merge', report(1, false));
    expect(part.status).toBe(0);
    expect(part.stderr).toBe(
      'nsrsim fuzz merge: shard 0 of 2 missing: the totals cover the others only\n',
    );
  });

  it('merge refuses with exit 2: a shard twice, another campaign, an unreadable file, no file, campaign flags', async () => {
    const a = report(0, false);
    const other = report(1, false, 6);
    for (const args of [[a, a], [a, other], [a, join(TMP, 'nope.json')], [], [a, '--runs', '3']]) {
      const r = await nsrsim({}, 'fuzz', 'merge', ...args);
      oneLine(r);
    }
  });
});
