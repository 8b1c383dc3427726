// Proves the NSR design options' registry (model/nsr/options.ts): the defaults are the
// choices SPEC names as each option's default (the scenario format's and `nsrsim list`'s
// documented defaults), and every option is listed once, in order, with its SPEC ID and
// the values a scenario may choose, its default among them.
import { describe, expect, it } from 'vitest';
import { DEFAULT_NSR_OPTIONS, NSR_OPTION_INFO } from '../../../model/nsr/options.ts';

describe('NSR design options', () => {
  it('the defaults', () => {
    expect(DEFAULT_NSR_OPTIONS).toEqual({
      kkcmChannels: 'two',
      kkcmContext: 'thread',
      encoding: 'ipc',
      versions: [1, 1],
      nackBufferFull: 'drop',
      nackError: 'drop',
      prlAck: 'per-packet',
      prlQueue: 'per-inpcb',
      oooAccounting: 'doc',
      prlL3Header: true,
      windowUpdate: 'immediate',
      prlTimeoutSide: 'primary',
      kkcmSend: 'queue',
      kkcmCleanup: 'immediate',
      socketOptionsDuringBulk: 'not-replicated',
    });
  });

  it('each option listed once, in the order of the defaults, with its SPEC ID', () => {
    expect(NSR_OPTION_INFO.map((o) => [o.name, o.spec])).toEqual([
      ['kkcmChannels', 'K-1'],
      ['kkcmContext', 'K-10'],
      ['encoding', 'K-11'],
      ['versions', 'K-11/G-5'],
      ['nackBufferFull', 'P-4'],
      ['nackError', 'P-4'],
      ['prlAck', 'P-6'],
      ['prlQueue', 'P-9'],
      ['oooAccounting', 'P-11'],
      ['prlL3Header', 'P-12'],
      ['windowUpdate', 'M-3'],
      ['prlTimeoutSide', 'P-14'],
      ['kkcmSend', 'K-12'],
      ['kkcmCleanup', 'K-13'],
      ['socketOptionsDuringBulk', 'M-7'],
    ]);
    expect(NSR_OPTION_INFO.map((o) => o.name)).toEqual(Object.keys(DEFAULT_NSR_OPTIONS));
  });

  it('every default is among the values its option lists, and no option lists a value twice', () => {
    for (const o of NSR_OPTION_INFO) {
      expect(new Set(o.values).size, o.name).toBe(o.values.length);
      expect(o.values.length, o.name).toBeGreaterThanOrEqual(o.name === 'versions' ? 1 : 2);
      if (o.name === 'versions') continue;
      expect(o.values, o.name).toContain(String(DEFAULT_NSR_OPTIONS[o.name]));
    }
  });
});
