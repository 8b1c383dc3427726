// The mutation summary (test/mutation/summary.ts, issue 12): per-file figures, survivors and
// marked equivalents read off a Stryker JSON report; the assertion ignorer's mutants are
// counted apart from the equivalents a `// Stryker disable` comment names.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MutationTestResult } from 'mutation-testing-report-schema';
import { describe, expect, it } from 'vitest';
import { joinReports, summarize, toMarkdown } from './summary.ts';

type Status = 'Killed' | 'Survived' | 'NoCoverage' | 'Timeout' | 'Ignored';

function mutant(id: number, line: number, status: Status, statusReason?: string) {
  return {
    id: String(id),
    mutatorName: 'EqualityOperator',
    replacement: 'a  <=\n b',
    location: { start: { line, column: 1 }, end: { line, column: 5 } },
    status,
    ...(statusReason === undefined ? {} : { statusReason }),
  };
}

const REPORT = {
  schemaVersion: '2',
  thresholds: { high: 80, low: 60 },
  files: {
    'model/nsr/prl.ts': {
      language: 'typescript',
      source: 'x',
      mutants: [
        mutant(1, 10, 'Killed'),
        mutant(2, 11, 'Killed'),
        mutant(3, 12, 'Timeout'),
        mutant(4, 40, 'Survived'),
        mutant(5, 9, 'Ignored', 'assert condition: an invariant of our own code'),
        mutant(6, 50, 'Ignored', 'equivalent: both orders give the same queue'),
      ],
    },
    'model/checks/identical-data.ts': {
      language: 'typescript',
      source: 'y',
      mutants: [mutant(7, 3, 'Killed'), mutant(8, 5, 'NoCoverage')],
    },
  },
} as unknown as MutationTestResult;

describe('mutation summary', () => {
  it('counts each file, the total, and tells equivalents from ignored assertions', () => {
    const s = summarize(REPORT);
    expect(s.rows.map((r) => r.file)).toEqual([
      'model/checks/identical-data.ts',
      'model/nsr/prl.ts',
    ]);
    const prl = s.rows[1];
    expect(prl?.m.killed).toBe(2);
    expect(prl?.m.timeout).toBe(1);
    expect(prl?.m.survived).toBe(1);
    expect(prl?.m.ignored).toBe(2);
    expect(prl?.equivalent).toBe(1);
    // (killed + timeout) / (valid) = 3 / 4
    expect(prl?.m.mutationScore).toBeCloseTo(75);
    expect(s.total.totalValid).toBe(6);
    expect(s.survivors.map((x) => `${x.file}:${x.line}`)).toEqual([
      'model/checks/identical-data.ts:5',
      'model/nsr/prl.ts:40',
    ]);
    expect(s.equivalents).toHaveLength(1);
    expect(s.equivalents[0]?.reason).toMatch(/same queue/);
  });

  it('renders a table row per file, a total row and both lists', () => {
    const md = toMarkdown(summarize(REPORT));
    expect(md).toContain('| model/nsr/prl.ts | 6 | 2 | 1 | 1 | 0 | 1 | 1 | 75.0% | 75.0% |');
    expect(md).toContain('| **all** | 8 |');
    expect(md).toContain('Survivors (2):');
    expect(md).toContain('- EqualityOperator: 2 (identical-data.ts 1, prl.ts 1)');
    expect(md).toContain('- model/nsr/prl.ts:40 EqualityOperator `a <= b`');
    expect(md).toContain('Marked equivalent (1):');
  });

  it('joins reports of runs over different files; a later report of the same file counts', () => {
    const prlOnly = { ...REPORT, files: { 'model/nsr/prl.ts': REPORT.files['model/nsr/prl.ts'] } };
    const rerun = {
      ...REPORT,
      files: {
        'model/nsr/prl.ts': {
          language: 'typescript',
          source: 'x',
          mutants: [mutant(1, 10, 'Killed'), mutant(4, 40, 'Killed')],
        },
      },
    } as unknown as MutationTestResult;
    const idOnly = {
      ...REPORT,
      files: { 'model/checks/identical-data.ts': REPORT.files['model/checks/identical-data.ts'] },
    } as unknown as MutationTestResult;
    const s = summarize(joinReports([prlOnly as MutationTestResult, idOnly, rerun]));
    expect(s.rows.map((r) => [r.file, r.m.totalMutants])).toEqual([
      ['model/checks/identical-data.ts', 2],
      ['model/nsr/prl.ts', 2],
    ]);
    expect(s.survivors.map((x) => x.line)).toEqual([5]);
  });

  it('says which file it cannot read, with exit code 2 and no stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mutsum-'));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"files": 3');
    let err = '';
    let code = 0;
    try {
      execFileSync('node', ['--import', 'tsx', 'test/mutation/summary.ts', bad], {
        encoding: 'utf8',
        stdio: 'pipe',
      });
    } catch (e) {
      const x = e as { status: number; stderr: string };
      code = x.status;
      err = x.stderr;
    }
    expect(code).toBe(2);
    expect(err).toContain(`cannot read ${bad}`);
    expect(err).not.toMatch(/\n\s+at /);
  });
});
