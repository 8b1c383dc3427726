// Proves the command-line contract of the report and exports (issue 13): `nsrsim report
// FILE -o OUT.html` writes one file and says where, with the run's exit status; the run
// command's --report works with --json (an "outputs" list) and with several files (one
// report each); a bad --window, a --window without an output, a missing -o or an output
// path that is a directory are usage errors (exit 2, one clear line, no stack); an asked
// window is kept and said so in the banner; and the trace hash is the same with or
// without the report (the report only listens).
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nsrsim } from '../helpers/nsrsim.ts';

const FIXTURE = 'test/reports/fixtures/small-crash.yaml';
const XSS = 'test/reports/fixtures/xss.yaml';
const dir = mkdtempSync(join(tmpdir(), 'nsrsim-report-cli-'));

describe('nsrsim report', () => {
  it('writes the report, prints where, and exits as run does', async () => {
    const path = join(dir, 'deep', 'er', 'small.html');
    const r = await nsrsim('report', FIXTURE, '-o', path, '--seed', '11');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`  report     ${path}  `);
    expect(r.stdout).toMatch(/open it in a browser/);
    expect(r.stdout).toMatch(
      /\n {2}written in [\d.]+ s: run [\d.]+ s, report data [\d.]+ s, files [\d.]+ s\n/,
    );
    expect(statSync(path).size).toBeGreaterThan(10_000);
    const plain = await nsrsim('run', FIXTURE);
    const hash = (s: string): string | undefined => /hash ([0-9a-f]{64})/.exec(s)?.[1];
    expect(hash(r.stdout)).toBe(hash(plain.stdout));
  });

  it('refuses bad input with one line and exit 2', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['report', FIXTURE], /give the report file with -o OUT\.html/],
      [
        ['report', FIXTURE, '-o', join(dir, 'x.html'), '--window', '2s'],
        /--window "2s" must be two durations joined by "\.\."/,
      ],
      [
        ['report', FIXTURE, '-o', join(dir, 'x.html'), '--window', '1s..0.5s'],
        /the start must come before the end/,
      ],
      [
        ['report', FIXTURE, '-o', join(dir, 'x.html'), '--window', '5s..6s'],
        /--window starts at 5s, after report-small-crash ends \(1\.2s\)/,
      ],
      [
        ['run', FIXTURE, '--window', '0s..1s'],
        /--window applies to --report, --perfetto and --mermaid/,
      ],
      [['run', FIXTURE, '--report', dir], /--report: ".*" is a directory; give a file name/],
      [
        ['report', FIXTURE, '-o', join(dir, 'x.html'), '--seed', 'x'],
        /--seed must be an integer >= 0/,
      ],
    ];
    const rs = await Promise.all(cases.map(([args]) => nsrsim(...args)));
    rs.forEach((r, i) => {
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(cases[i]?.[1] as RegExp);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  });
});

describe('nsrsim run with exports', () => {
  it('lists what it wrote in --json, one report per file with several files', async () => {
    const r = await nsrsim('run', FIXTURE, XSS, '--json', '--report', join(dir, 'many.html'));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout
      .trimEnd()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            scenario: string;
            outputs: Array<{ kind: string; path: string; bytes: number }>;
          },
      );
    expect(lines.map((l) => l.outputs.map((o) => [o.kind, o.path]))).toEqual([
      [['report', join(dir, 'many.report-small-crash.html')]],
      [['report', join(dir, 'many.report-xss.html')]],
    ]);
    for (const l of lines)
      expect(statSync(l.outputs[0]?.path ?? '').size).toBe(l.outputs[0]?.bytes);
  });

  it('keeps an asked window and says so in the banner', async () => {
    const path = join(dir, 'window.html');
    const r = await nsrsim('run', FIXTURE, '--report', path, '--window', '390ms..450ms');
    expect(r.status).toBe(0);
    const html = readFileSync(path, 'utf8');
    const banner = /<p id="banner" class="window">([^<]*)<\/p>/.exec(html)?.[1] ?? '';
    expect(banner).toMatch(
      /^This report keeps records #\d+ to #\d+ \([\d,]+ of [\d,]+\), 0\.39\d+ s to 0\.4[45]\d+ s: the time window asked for with --window\. Left out: [\d,]+ records before and [\d,]+ after\./,
    );
  });
});
