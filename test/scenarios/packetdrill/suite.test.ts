// Proves the model TCP against the FreeBSD TCP test suite (SPEC T-1): every IPv4 script passes except those listed in scenarios/packetdrill/expectations.yaml, each of which ends with exactly its listed verdict and reason (so a regression fails here, and a fixed script must leave the list); every IPv6 script is unsupported for IPv6; and at least 90% of the IPv4 scripts that need no IPv6, ICMP, TCP Fast Open or TCP-over-UDP pass. The whole suite runs in about a second.
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  collectScripts,
  runScriptFile,
  type ScriptResult,
} from '../../../scenarios/packetdrill/suite.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
/** The suite sits in shared/ next to the repository (CI lays a copy there too). */
const SUITE = process.env.NSRSIM_TCP_TESTSUITE ?? resolve(ROOT, '../shared/tcp-testsuite');

interface Expectation {
  verdict: 'fail' | 'unsupported';
  reason?: string;
  why: string;
}

function expectations(): Map<string, Expectation> {
  const text = readFileSync(join(ROOT, 'scenarios/packetdrill/expectations.yaml'), 'utf8');
  const doc = parse(text) as Record<string, Expectation>;
  return new Map(Object.entries(doc));
}

function ipVersion(file: string): 'ipv4' | 'ipv6' {
  return /--ip_version=ipv6/.test(readFileSync(file, 'utf8')) ? 'ipv6' : 'ipv4';
}

describe('FreeBSD TCP test suite', () => {
  it('finds the suite', () => {
    expect(existsSync(SUITE), `no suite at ${SUITE} (set NSRSIM_TCP_TESTSUITE)`).toBe(true);
  });

  const files = existsSync(SUITE) ? collectScripts([SUITE]) : [];
  const results: ScriptResult[] = files.map((f) => runScriptFile(f));
  const exp = expectations();

  it('has a reason for every listed script, and lists only IPv4 scripts that exist', () => {
    for (const [name, e] of exp) {
      expect(e.why.length, name).toBeGreaterThan(20);
      expect(['fail', 'unsupported']).toContain(e.verdict);
      if (e.verdict === 'unsupported') expect(e.reason, name).toBeTruthy();
      expect(existsSync(join(SUITE, name)), name).toBe(true);
      expect(ipVersion(join(SUITE, name)), name).toBe('ipv4');
    }
  });

  it('runs every IPv4 script to its expected verdict', () => {
    const wrong: string[] = [];
    for (const r of results) {
      const name = relative(SUITE, r.file);
      if (ipVersion(r.file) !== 'ipv4') continue;
      const e = exp.get(name);
      const want = e === undefined ? 'pass' : e.verdict;
      const reasonOk = e?.verdict !== 'unsupported' || e.reason === r.reason;
      if (r.verdict !== want || !reasonOk)
        wrong.push(
          `${name}: expected ${want}${e?.reason ? ` (${e.reason})` : ''}, got ${r.verdict}: ${r.reason ?? ''} ${r.expected ?? ''} / ${r.actual ?? ''}`,
        );
    }
    expect(wrong).toEqual([]);
  });

  it('marks every IPv6 script unsupported for IPv6', () => {
    const v6 = results.filter((r) => ipVersion(r.file) === 'ipv6');
    expect(v6.length).toBeGreaterThan(0);
    for (const r of v6)
      expect(`${r.file}: ${r.verdict} ${r.reason ?? ''}`).toBe(`${r.file}: unsupported IPv6`);
  });

  it('passes at least 90% of the IPv4 scripts outside ICMP, TFO and TCP-over-UDP', () => {
    const target = results.filter((r) => {
      const t = readFileSync(r.file, 'utf8');
      return (
        ipVersion(r.file) === 'ipv4' &&
        !/icmp/.test(t) &&
        !/udp_encapsulation|fastopen|TFO/i.test(t)
      );
    });
    const passed = target.filter((r) => r.verdict === 'pass').length;
    expect(target.length).toBeGreaterThan(400);
    expect(passed / target.length).toBeGreaterThanOrEqual(0.9);
  });
});
