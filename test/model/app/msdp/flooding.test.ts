// Proves SA origination, caching, peer-RPF and flooding across routers (RFC 3618 §3-§5, §10): in the seed's R1/R2/R3 triangle each router caches exactly the other two's sources, accepting them only from their originator and dropping the copies forwarded by the third router; in a line the middle router floods SAs onward and the far end accepts them from its configured RPF peer; every source is refreshed once per 60 s; and with churn, sources that stop are timed out of the caches after the SA-State period while live ones stay.
import { describe, expect, it } from 'vitest';
import { MSDP_K } from '../../../../model/app/msdp/index.ts';
import { SEC } from '../../../../sim/index.ts';
import { MsdpLab, type Box } from './lab.ts';
import { PERIOD, cacheKeys, cfg, ip, keyString, origination } from './fixture.ts';

const R1 = '10.0.0.1';
const R2 = '10.0.0.2';
const R3 = '10.0.0.3';

function own(box: Box, t?: number): string[] {
  return box.master.speaker.localActive(t).map(keyString);
}

describe('the seed 003 triangle (R1, R2, R3 all peered)', () => {
  const lab = new MsdpLab({ latencyNs: 3_000_000, chunkMax: 7 });
  // Each router reaches each originator RP through the originator itself.
  const direct = (...rps: string[]): Array<[string, string]> => rps.map((r) => [r, r]);
  const r1 = lab.addBox('r1', cfg(R1, [R2, R3], direct(R2, R3), origination(ip(R1), 1, 4)));
  const r2 = lab.addBox('r2', cfg(R2, [R1, R3], direct(R1, R3), origination(ip(R2), 2, 4)));
  const r3 = lab.addBox('r3', cfg(R3, [R1, R2], direct(R1, R2), origination(ip(R3), 3, 4)));
  lab.start();
  lab.run(3 * PERIOD);

  it("each caches exactly the other two routers' sources, never its own", () => {
    expect(cacheKeys(r1)).toEqual([...own(r2), ...own(r3)].sort(byKey));
    expect(cacheKeys(r2)).toEqual([...own(r1), ...own(r3)].sort(byKey));
    expect(cacheKeys(r3)).toEqual([...own(r1), ...own(r2)].sort(byKey));
    for (const e of r3.master.speaker.saCache()) expect(e.peer).toBe(e.rp); // from the originator
  });

  it('copies forwarded by the third router fail peer-RPF (not the RPF peer) and are dropped', () => {
    const fails = lab.tracesOf(MSDP_K.rpfFail, 'r3/re0');
    expect(fails.length).toBeGreaterThan(0);
    for (const f of fails) {
      expect(f.fields.reason).toBe('not-rpf-peer');
      expect(f.fields.expected).toBe(f.fields.rp);
    }
    const c = r3.master.speaker.peerViews();
    expect(c.every((v) => v.counters.rpfFailures > 0)).toBe(true);
    expect(c.every((v) => v.counters.formatErrors + v.counters.resets === 0)).toBe(true);
  });
});

const byKey = (a: string, b: string): number => {
  const [x, y] = [a.split('/').map(Number), b.split('/').map(Number)];
  return x[0]! - y[0]! || x[1]! - y[1]! || x[2]! - y[2]!;
};

describe('a line R1 - R2 - R3: flooding through the middle', () => {
  const lab = new MsdpLab({ latencyNs: 2_000_000 });
  const r1 = lab.addBox('r1', cfg(R1, [R2], [[R3, R2]], origination(ip(R1), 1, 5)));
  const r2 = lab.addBox('r2', cfg(R2, [R1, R3], []));
  const r3 = lab.addBox('r3', cfg(R3, [R2], [[R1, R2]], origination(ip(R3), 3, 5)));
  lab.start();
  lab.run(4 * PERIOD + 10 * SEC);

  it("the far end learns the other end's SAs from its RPF peer, the middle caches both", () => {
    expect(cacheKeys(r3)).toEqual(own(r1));
    expect(cacheKeys(r1)).toEqual(own(r3));
    expect(cacheKeys(r2)).toEqual([...own(r1), ...own(r3)].sort(byKey));
    for (const e of r3.master.speaker.saCache()) expect(e.peer).toBe(ip(R2));
  });

  it('each source is refreshed at the far end exactly once per period after its first announcement', () => {
    const seen = new Map<string, number[]>();
    for (const a of lab.arrivalsAt(r3))
      if (a.m.type === 'sa')
        for (const e of a.m.entries) {
          const k = keyString({ rp: a.m.rp, ...e });
          seen.set(k, [...(seen.get(k) ?? []), a.t]);
        }
    expect([...seen.keys()].sort(byKey)).toEqual(own(r1));
    for (const ts of seen.values()) {
      // The burst at ESTABLISHED may precede the first periodic slot by less than a period.
      const periodic = ts.slice(1);
      for (let i = 1; i < periodic.length; i++)
        expect(periodic[i]! - periodic[i - 1]!).toBe(PERIOD);
      expect(periodic.length).toBeGreaterThanOrEqual(3);
    }
  });
});

describe('churn: sources come and go, caches follow (RFC 3618 §5.3)', () => {
  it('an SA stays cached at most the SA-State period after its source stopped; live sources stay cached', () => {
    const lab = new MsdpLab({ latencyNs: 1_000_000 });
    const r1 = lab.addBox('r1', cfg(R1, [R2], [], origination(ip(R1), 1, 40, true)));
    const r2 = lab.addBox('r2', cfg(R2, [R1], []));
    lab.start();
    const sgState = r2.master.speaker.timers.sgStateNs;
    let checked = 0;
    for (let t = 5 * PERIOD; t <= 30 * PERIOD; t += 7 * SEC) {
      lab.run(t);
      const cached = new Set(cacheKeys(r2));
      const sch = (i: number) => r1.master.speaker.localActive(t - i);
      // Live for a while (announced and delivered) => cached.
      for (const k of own(r1, t))
        if (sch(2 * SEC).some((x) => keyString(x) === k)) expect(cached).toContain(k);
      // Cached => was live within the SA-State period (plus the latency).
      const recent = new Set<string>();
      for (let back = 0; back <= sgState; back += SEC)
        for (const x of sch(back)) recent.add(keyString(x));
      for (const k of cached) expect(recent).toContain(k);
      checked += cached.size;
    }
    expect(checked).toBeGreaterThan(100);
    expect(lab.tracesOf(MSDP_K.saExpire, 'r2/re0').length).toBeGreaterThan(10);
    expect(
      lab.tracesOf(MSDP_K.source, 'r1/re0').filter((r) => r.fields.up === false).length,
    ).toBeGreaterThan(10);
  });
});
