// Proves the loader reads the MSDP keys (issue 14: app: msdp, peers[].msdp, router.msdp) into the model's configuration with every default filled in, and reports each bad MSDP value with its file position and no stack.
import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMERS, generateSources } from '../../model/app/msdp/defs.ts';
import { parseIpv4 } from '../../model/net/segment.ts';
import { formatIssue, ScenarioError } from '../../scenarios/load/errors.ts';
import { loadScenarioFile, parseScenario } from '../../scenarios/load/load.ts';

const FIX = 'test/scenarios/fixtures/msdp-errors.yaml';
const ip = (s: string): number => parseIpv4(s) as number;

describe('MSDP keys', () => {
  it('app: msdp with peers[].msdp and router.msdp become the layer configuration', () => {
    const s = parseScenario(
      [
        'name: m',
        'seed: 1',
        'duration: 1s',
        'router:',
        '  nsr: true',
        '  msdp:',
        '    sources: { count: 2, source: 192.168.1.1, group: 232.1.1.1 }',
        '    rpf: [{ prefix: 10.9.0.0/16, peer: r2 }]',
        '    guard: false',
        'peers:',
        '  - name: r2',
        '    app: msdp',
        '    msdp: { rp: 10.9.0.1, sources: { count: 1, source: 10.9.1.1, group: 233.0.0.1 }, timers: { hold: 90s, keepAlive: 30s } }',
        '  - name: pa',
      ].join('\n'),
      'm.yaml',
    );
    const [r2, pa] = s.config.peers;
    expect(pa?.app).toBeUndefined();
    expect(r2?.app).toEqual({
      kind: 'msdp',
      origination: {
        rp: ip('10.9.0.1'),
        sources: generateSources(1, ip('10.9.1.1'), ip('233.0.0.1')),
      },
      timers: { ...DEFAULT_TIMERS, holdTimeNs: 90e9, keepAliveNs: 30e9 },
      saEntriesPerTlv: 121,
    });
    expect(s.config.router.msdp).toEqual({
      origination: { sources: generateSources(2, ip('192.168.1.1'), ip('232.1.1.1')) },
      timers: { ...DEFAULT_TIMERS },
      saEntriesPerTlv: 121,
      rpf: [{ prefix: ip('10.9.0.0'), len: 16, peer: 'r2' }],
      nsr: true,
      guard: false,
    });
  });

  it('reports every bad MSDP value at its position', () => {
    let issues: string[] = [];
    try {
      loadScenarioFile(FIX);
    } catch (e) {
      expect(e).toBeInstanceOf(ScenarioError);
      issues = (e as ScenarioError).issues.map(formatIssue);
    }
    expect(issues).toEqual([
      `${FIX}:5:3: router.msdp.rpf names "zz", which is not a peer with app: msdp`,
      `${FIX}:7:5: router.msdp: timers.keepAliveNs: RFC 3618 §5.5 needs >= 1s and < holdTimeNs`,
      `${FIX}:7:23: router.msdp.sources.count must be between 1 and 10000, got 0`,
      `${FIX}:7:34: router.msdp.sources.source "192.168.1.300" is not an IPv4 address`,
      `${FIX}:8:21: router.msdp.rpf[0].prefix "10.9.0.0/40" is not a prefix like 10.9.0.0/16`,
      `${FIX}:10:12: router.msdp.guard must be true or false, got the string "maybe"`,
      `${FIX}:12:5: peers[0].sessions is for app: stream; an MSDP peer has one connection (D-1)`,
      `${FIX}:16:7: peers[0].msdp: rp and churn need sources (what this speaker originates)`,
      `${FIX}:16:15: peers[0].msdp.badTlv: cannot read duration "soon"; expected a number and a unit, e.g. "250us", "1.5ms", "30s", "2m"`,
      `${FIX}:18:5: peers[1].msdp needs app: msdp`,
    ]);
  });
});
