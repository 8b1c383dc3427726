// Proves the engine is deterministic (GUIDE §3): the same configuration, seed and fault schedule give the identical trace, record for record, and a different seed gives a different one.
import { describe, expect, it } from 'vitest';
import { MS, SEC } from '../../../../sim/index.ts';
import { line } from './fixture.ts';

function run(seed: number): string {
  const { lab, r } = line({ seed, chunkMax: 7, sndBufBytes: 64, snoopDelayNs: MS }, 40);
  lab.start();
  lab.run(97 * SEC + 3 * MS);
  lab.failover(r);
  lab.joinBackup(r);
  lab.run(260 * SEC);
  return JSON.stringify(lab.traces);
}

describe('determinism', () => {
  it('same seed, same trace; another seed, another trace', () => {
    const a = run(3);
    expect(a.length).toBeGreaterThan(10_000);
    expect(run(3)).toBe(a);
    expect(run(4)).not.toBe(a);
  });
});
