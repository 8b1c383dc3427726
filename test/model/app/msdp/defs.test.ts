// Proves that the MSDP configuration carries the RFC 3618 §5 timer values by default (SA-Advertisement 60 s, SG-State 90 s, Hold 75 s, KeepAlive 60 s, ConnectRetry 30 s) and that validation names every broken rule (§5.3-§5.5 bounds, unknown RPF peers, duplicate peers or sources, bad entry packing) while a speaker refuses to be built from a broken configuration.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TIMERS,
  MsdpSpeaker,
  msdpConfigProblems,
  timersOf,
  type MsdpConfig,
} from '../../../../model/app/msdp/index.ts';
import { Rng, SEC } from '../../../../sim/index.ts';
import { cfg, ip } from './fixture.ts';

const ok = cfg('10.0.0.1', ['10.0.0.2'], [['10.9.9.9', '10.0.0.2']], {
  rp: ip('10.0.0.1'),
  sources: [{ source: ip('10.1.0.1'), group: ip('239.1.1.1') }],
});

describe('MSDP configuration', () => {
  it('defaults are the RFC 3618 §5 values', () => {
    expect(DEFAULT_TIMERS).toEqual({
      saAdvertisementNs: 60 * SEC,
      sgStateNs: 90 * SEC,
      holdTimeNs: 75 * SEC,
      keepAliveNs: 60 * SEC,
      connectRetryNs: 30 * SEC,
      slotNs: 1 * SEC,
    });
    expect(timersOf({ ...ok, timers: { holdTimeNs: 90 * SEC } }).holdTimeNs).toBe(90 * SEC);
    expect(msdpConfigProblems(ok)).toEqual([]);
  });

  it('names each broken rule', () => {
    const bad: MsdpConfig = {
      ...ok,
      peers: [ip('10.0.0.2'), ip('10.0.0.2'), ip('10.0.0.1')],
      rpf: [
        { prefix: ip('10.9.9.9'), len: 33, peer: ip('10.0.0.2') },
        { prefix: 0, len: 0, peer: ip('10.0.0.7') },
      ],
      timers: { holdTimeNs: 2 * SEC, keepAliveNs: 2 * SEC, sgStateNs: 60 * SEC, slotNs: 7 * SEC },
      saEntriesPerTlv: 256,
      origination: {
        rp: ip('10.0.0.1'),
        sources: [
          { source: 1, group: 2 },
          { source: 1, group: 2 },
        ],
        churn: { meanUpNs: 1, meanDownNs: 10 * SEC },
      },
    };
    const problems = msdpConfigProblems(bad).join('\n');
    for (const re of [
      /holdTimeNs: RFC 3618 §5\.4/,
      /keepAliveNs: RFC 3618 §5\.5/,
      /sgStateNs: RFC 3618 §5\.3/,
      /slotNs must divide/,
      /configured twice/,
      /not a usable peer address/,
      /is not a prefix/,
      /unconfigured peer/,
      /saEntriesPerTlv/,
      /repeats a \(source, group\)/,
      /meanUpNs/,
    ])
      expect(problems).toMatch(re);
    const io = {
      now: () => 0,
      startTimer: () => 0,
      cancelTimer: () => {},
      trace: () => {},
      rng: new Rng(1, 'x'),
      connect: () => {},
    };
    expect(() => new MsdpSpeaker(bad, io)).toThrow(/msdp config/);
    expect(() => new MsdpSpeaker(ok, io).onTimer('no-such-timer')).toThrow(/unknown timer/);
  });
});
