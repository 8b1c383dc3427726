// Proves the `nsrsim packetdrill` contract: exit 0 when every script passed, 1 when one failed or is unsupported, 2 for a missing path, a bad flag or a script that does not parse (file:line:col, no stack); --json gives one object per script with the first mismatch and a summary with the table by folder; --tolerance_usecs overrides the script's.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nsrsim } from '../../helpers/nsrsim.ts';

const dir = mkdtempSync(join(tmpdir(), 'nsrsim-pd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HEAD = '--ip_version=ipv4\n--tolerance_usecs=10000\n';
const OPEN = `0.00 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0.00 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0.00 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
`;
function script(name: string, body: string): string {
  const p = join(dir, name);
  writeFileSync(p, HEAD + OPEN + body);
  return p;
}

const good = script(
  'good.pkt',
  '+0.00 > S 0:0(0) win 65535 <mss 1460,nop,wscale 6,sackOK,TS val 100 ecr 0>\n',
);
// The SYN is retransmitted 1 s later (rexmit_initial); the script says 0.9 s.
const late = script(
  'late.pkt',
  `+0.00 > S 0:0(0) win 65535 <...>\n+0.90 > S 0:0(0) win 65535 <...>\n`,
);
const v6 = join(dir, 'v6.pkt');
writeFileSync(v6, '--ip_version=ipv6\n0.00 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n');
const broken = join(dir, 'broken.pkt');
writeFileSync(broken, HEAD + '0.00 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3 @\n');

describe('nsrsim packetdrill', () => {
  it('exits 0 when every script passed', async () => {
    const r = await nsrsim('packetdrill', good);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('PASS');
    expect(r.stdout).toContain('1 of 1 scripts passed');
  });

  it('exits 1 on a failure, with the first mismatch in JSON, and a summary table', async () => {
    const r = await nsrsim('packetdrill', good, late, v6, '--json');
    expect(r.status).toBe(1);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const byFile = new Map(lines.filter((l) => 'file' in l).map((l) => [l.file, l]));
    expect(byFile.get(good)?.verdict).toBe('pass');
    const f = byFile.get(late);
    expect(f?.verdict).toBe('fail');
    expect(f?.at).toBe(`${late}:7:1`); // 2 header lines, 3 of OPEN, the first SYN, then this
    expect(String(f?.reason)).toContain('timing');
    expect(f?.expected).toBe('+0.90 > S 0:0(0) win 65535 <...>');
    expect(byFile.get(v6)).toMatchObject({ verdict: 'unsupported', reason: 'IPv6' });
    const summary = lines.at(-1)?.summary as { scripts: number; passed: number; table: unknown[] };
    expect(summary.scripts).toBe(3);
    expect(summary.passed).toBe(1);
    expect(summary.table).toEqual([
      { folder: dir, scripts: 3, passed: 1, failed: 1, unsupported: 1 },
    ]);
  });

  it('honours --tolerance_usecs over the script', async () => {
    expect((await nsrsim('packetdrill', late, '--tolerance_usecs', '150000')).status).toBe(0);
    const bad = await nsrsim('packetdrill', late, '--tolerance_usecs', 'soon');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--tolerance_usecs must be an integer >= 0');
  });

  it('exits 2 for a missing path or a script that does not parse, without a stack', async () => {
    const missing = await nsrsim('packetdrill', join(dir, 'nope.pkt'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('no such file or folder');
    const r = await nsrsim('packetdrill', broken);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${broken}:3:48: unexpected character "@"`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
