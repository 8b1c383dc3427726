// Proves the NSR design options' registry (model/nsr/options.ts): the defaults are the
// choices SPEC names as each option's default (the scenario format's and `nsrsim list`'s
// documented defaults), and every option is listed once, in order, with its SPEC ID and
// the values a scenario may choose (what `nsrsim list` prints), its default among them.
import { describe, expect, it } from 'vitest';
import type * as Options from '../../../model/nsr/options.ts';

/**
 * options.ts, loaded inside each test rather than imported at the top: a mutant that makes
 * the module throw as it loads (its own check of the defaults) then fails these tests. A
 * failed top-level import would leave the file with no test at all, which Stryker's vitest
 * runner counted as a survivor (run 12: every default and registry entry "survived").
 */
const load = (): Promise<typeof Options> => import('../../../model/nsr/options.ts');

describe('NSR design options', () => {
  it('the defaults', async () => {
    const { DEFAULT_NSR_OPTIONS } = await load();
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

  it('each option listed once, in the order of the defaults, with its SPEC ID and values', async () => {
    const { DEFAULT_NSR_OPTIONS, NSR_OPTION_INFO } = await load();
    expect(NSR_OPTION_INFO.map((o) => [o.name, o.spec, o.values])).toEqual([
      ['kkcmChannels', 'K-1', ['two', 'one', 'balanced']],
      ['kkcmContext', 'K-10', ['thread', 'interrupt']],
      ['encoding', 'K-11', ['ipc', 'tlv']],
      ['versions', 'K-11/G-5', ['[v0, v1] with 1 <= v <= 2']],
      ['nackBufferFull', 'P-4', ['drop', 'requeue']],
      ['nackError', 'P-4', ['drop', 'push']],
      ['prlAck', 'P-6', ['per-packet', 'coalesce']],
      ['prlQueue', 'P-9', ['per-inpcb', 'global']],
      ['oooAccounting', 'P-11', ['doc', 'count-incoming', 'ignore-ooo']],
      ['prlL3Header', 'P-12', ['true', 'false']],
      ['windowUpdate', 'M-3', ['immediate', 'delack', 'socket-timer', 'global-timer']],
      ['prlTimeoutSide', 'P-14', ['primary', 'both', 'whole-re']],
      ['kkcmSend', 'K-12', ['queue', 'client-context']],
      ['kkcmCleanup', 'K-13', ['immediate', 'deferred']],
      ['socketOptionsDuringBulk', 'M-7', ['not-replicated', 'replicated']],
    ]);
    expect(NSR_OPTION_INFO.map((o) => o.name)).toEqual(Object.keys(DEFAULT_NSR_OPTIONS));
  });

  it('every default is among the values its option lists, and no option lists a value twice', async () => {
    const { DEFAULT_NSR_OPTIONS, NSR_OPTION_INFO } = await load();
    for (const o of NSR_OPTION_INFO) {
      expect(new Set(o.values).size, o.name).toBe(o.values.length);
      expect(o.values.length, o.name).toBeGreaterThanOrEqual(o.name === 'versions' ? 1 : 2);
      if (o.name === 'versions') continue;
      expect(o.values, o.name).toContain(String(DEFAULT_NSR_OPTIONS[o.name]));
    }
  });

  it('P-12: checkNsrConfig refuses a prlL3Header that is not a boolean as such, even the string "true" (the registry lists its values as text, so it is checked on its own; Stryker options.ts 307:37, 307:51)', async () => {
    const {
      checkNsrConfig,
      DEFAULT_NSR_OPTIONS,
      DEFAULT_NSR_COSTS,
      DEFAULT_NSR_TIMERS,
      DEFAULT_NSR_BOUNDS,
    } = await load();
    const check =
      (prlL3Header: unknown): (() => void) =>
      () =>
        checkNsrConfig(
          { ...DEFAULT_NSR_OPTIONS, prlL3Header } as unknown as Options.NsrOptions,
          DEFAULT_NSR_COSTS,
          DEFAULT_NSR_TIMERS,
          DEFAULT_NSR_BOUNDS,
        );
    for (const bad of ['yes', 'true', 1, undefined])
      expect(check(bad), String(bad)).toThrow('NSR option prlL3Header is not a boolean');
    for (const ok of [true, false]) expect(check(ok)).not.toThrow();
  });
});
