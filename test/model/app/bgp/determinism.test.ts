// Proves that the BGP engine is deterministic (GUIDE §3): the same configuration and RNG seed give the same trace records and the same octets on the wire, record for record, and a different seed changes only timing (keepalive jitter, churn instants), never what the peer ends up holding once churn is replayed.
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../../sim/index.ts';
import { MIN } from '../../../../sim/index.ts';
import { Pair, TestIo, peerCfg, routerCfg } from './harness.ts';

function run(seed: string): Pair {
  const p = new Pair(
    routerCfg({
      table: { prefixCount: 500, firstPrefix: 0x0a000000, prefixLen: 24, churnPerSec: 1 },
    }),
    peerCfg({
      table: { prefixCount: 300, firstPrefix: 0x14000000, prefixLen: 24, churnPerSec: 1 },
    }),
  );
  // Reseed both ends (the harness's default seeds are fixed).
  for (const side of ['a', 'b'] as const) {
    const io = side === 'a' ? p.ioA : p.ioB;
    const fresh = new TestIo(p.loop, io.name, `${seed}/${side}`);
    Object.assign(io, { rng: fresh.rng });
  }
  p.start();
  p.loop.runFor(5 * MIN);
  return p;
}

const traceOf = (p: Pair) =>
  [...p.ioA.records, ...p.ioB.records].map((r) => canonicalJson(r)).join('\n');

describe('bgp engine: determinism', () => {
  it('same seed, same trace and same octets', () => {
    const x = run('s1');
    const y = run('s1');
    expect(traceOf(x)).toBe(traceOf(y));
    expect(x.ioA.allWritten()).toEqual(y.ioA.allWritten());
    expect(x.ioB.allWritten()).toEqual(y.ioB.allWritten());
  });

  it('another seed moves the instants, not the sequence of UPDATEs', () => {
    const x = run('s1');
    const y = run('s2');
    expect(traceOf(x)).not.toBe(traceOf(y));
    const n = Math.min(x.a.counters.sent.update, y.a.counters.sent.update);
    const plan = (p: Pair, i: number) => p.a.negotiated?.plan.encoded(i);
    for (let i = 0; i < n; i++) expect(plan(x, i)).toEqual(plan(y, i));
  });
});
