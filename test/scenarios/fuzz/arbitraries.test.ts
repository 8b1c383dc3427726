// Proves the fuzz generator makes valid, small scenarios within its stated bounds (swarm families respected, no known-unsafe option, sane fault schedules, tie-breaks), that a run's case is a pure function of its seed and is what fc.check replays first, and that campaign seeds partition into disjoint shards.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_NSR_OPTIONS } from '../../../model/nsr/options.ts';
import type { FaultConfig } from '../../../model/config.ts';
import { FUZZ_LIMITS, fuzzCaseArb, scenarioArb } from '../../../scenarios/fuzz/arbitraries.ts';
import { familyOf, KNOWN_UNSAFE_OPTIONS } from '../../../scenarios/fuzz/families.ts';
import { caseArb, caseForSeed } from '../../../scenarios/fuzz/run-case.ts';
import { INTER_RE_OUTAGE_SAFE_NS, saneSchedule } from '../../../scenarios/fuzz/schedule.ts';
import { parseShard, runSeed, shardRun } from '../../../scenarios/fuzz/seeds.ts';
import { toYaml } from '../../../scenarios/fuzz/yaml.ts';
import { MS } from '../../../sim/index.ts';
import * as api from '../../../scenarios/fuzz/index.ts';

const at = (f: FaultConfig): number => ('atNs' in f.when ? f.when.atNs : f.when.betweenNs[0]);

describe('fuzzCaseArb', () => {
  it('keeps runs small: 1–2 peers, 1–3 sessions, 1.5–4 s, a bounded event count, NSR on', () => {
    fc.assert(
      fc.property(fuzzCaseArb(), ({ scenario: s }) => {
        const c = s.config;
        expect(c.peers.length).toBeGreaterThanOrEqual(1);
        expect(c.peers.length).toBeLessThanOrEqual(FUZZ_LIMITS.peersMax);
        const sessions = c.peers.reduce((n, p) => n + p.sessions, 0);
        expect(sessions).toBeGreaterThanOrEqual(1);
        expect(sessions).toBeLessThanOrEqual(FUZZ_LIMITS.sessionsMax);
        expect(c.durationNs).toBeGreaterThanOrEqual(FUZZ_LIMITS.durationMsMin * MS);
        expect(c.durationNs).toBeLessThanOrEqual(FUZZ_LIMITS.durationMsMax * MS);
        expect(c.maxEvents).toBe(FUZZ_LIMITS.maxEvents);
        expect(c.router.nsr).toBe(true);
        expect(c.router.mutant).toBeUndefined();
        expect((s.tieBreaks ?? []).every((t) => Number.isInteger(t) && t >= 0 && t <= 7)).toBe(
          true,
        );
        expect((s.tieBreaks ?? []).length).toBeLessThanOrEqual(FUZZ_LIMITS.tieBreaksMax);
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  it('places every fault after the warm-up and ends it before the heal phase', () => {
    fc.assert(
      fc.property(fuzzCaseArb(), ({ scenario: s }) => {
        const healFrom = s.config.durationNs - FUZZ_LIMITS.healNs;
        for (const f of s.config.faults) {
          expect(at(f)).toBeGreaterThanOrEqual(FUZZ_LIMITS.warmupNs);
          const lasting = 'durationNs' in f.action ? f.action.durationNs : 0;
          expect(at(f) + lasting).toBeLessThanOrEqual(healFrom);
        }
        expect([...s.config.faults].map(at)).toEqual(
          [...s.config.faults].map(at).sort((a, b) => a - b),
        );
      }),
      { numRuns: 300, seed: 12 },
    );
  });

  it('turns whole fault families on or off (swarm): every fault belongs to an enabled family, and the description says which', () => {
    let sawOff = 0;
    fc.assert(
      fc.property(fuzzCaseArb(), ({ scenario: s, swarm }) => {
        for (const f of s.config.faults) {
          const fam = familyOf(f.action.kind);
          expect(fam).toBeDefined();
          expect(swarm[fam as keyof typeof swarm]).toBe(true);
        }
        if (Object.values(swarm).some((on) => !on)) sawOff++;
        expect(s.description).toMatch(/fault families on: .*; off: /);
      }),
      { numRuns: 200, seed: 13 },
    );
    expect(sawOff).toBeGreaterThan(100);
  });

  it('never picks a known-unsafe option for the correct design, and may when asked', () => {
    const unsafe = (o: typeof DEFAULT_NSR_OPTIONS): boolean =>
      KNOWN_UNSAFE_OPTIONS.some((u) => u.matches(o));
    fc.assert(
      fc.property(fuzzCaseArb(), ({ scenario: s }) => {
        expect(unsafe({ ...DEFAULT_NSR_OPTIONS, ...s.config.router.nsrOptions })).toBe(false);
      }),
      { numRuns: 300, seed: 14 },
    );
    const drawn = fc.sample(fuzzCaseArb({ safeOnly: false }), { numRuns: 300, seed: 14 });
    expect(
      drawn.some((c) => unsafe({ ...DEFAULT_NSR_OPTIONS, ...c.scenario.config.router.nsrOptions })),
    ).toBe(true);
    for (const u of KNOWN_UNSAFE_OPTIONS) expect(u.why.length, u.value).toBeGreaterThan(20);
  });

  it('keeps inter-RE outages short of the PRL timeout unless a bias allows it', () => {
    fc.assert(
      fc.property(fuzzCaseArb({ forceFamilies: ['interRe'], minFaults: 3 }), ({ scenario: s }) => {
        for (const f of s.config.faults)
          if ('durationNs' in f.action && familyOf(f.action.kind) === 'interRe')
            expect(f.action.durationNs).toBeLessThan(INTER_RE_OUTAGE_SAFE_NS);
      }),
      { numRuns: 200, seed: 15 },
    );
  });

  it('scenarioArb gives the Scenario alone; the package entry exports it', () => {
    const [s] = fc.sample(scenarioArb(), { numRuns: 1, seed: 1 });
    expect(s?.config.router.nsr).toBe(true);
    expect(api.scenarioArb).toBe(scenarioArb);
    expect(typeof api.toYaml).toBe('function');
    expect(api.KNOWN_UNSAFE_OPTIONS).toBe(KNOWN_UNSAFE_OPTIONS);
  });
});

describe('saneSchedule', () => {
  const ctx = { durationNs: 4000 * MS, masterDetectNs: 100 * MS, pfeSwitchNs: 50 * MS };
  const f = (atMs: number, action: FaultConfig['action']): FaultConfig => ({
    when: { atNs: atMs * MS },
    action,
  });

  it('drops a second mastership change while the backup is down or out of sync, keeps it after restart and resync', () => {
    const kept = saneSchedule(
      [
        f(400, { kind: 're-crash', target: 'master' }),
        f(500, { kind: 'switchover' }), // no backup: dropped
        f(520, { kind: 're-restart', target: 're0' }), // during the takeover: dropped
        f(700, { kind: 're-restart', target: 're0' }),
        f(900, { kind: 're-crash', target: 'master' }), // resync not done (700 + 500 ms): dropped
        f(1300, { kind: 're-crash', target: 'master' }),
      ],
      ctx,
    );
    expect(kept.map((x) => `${at(x) / MS}:${x.action.kind}`)).toEqual([
      '400:re-crash',
      '700:re-restart',
      '1300:re-crash',
    ]);
  });

  it('with MSDP peers keeps only the planned switchovers the F-5 guard accepts (issue 14): one refresh period after replication, four between two', () => {
    const guard = { afterReplicationNs: 2000 * MS, betweenNs: 8000 * MS };
    const kept = saneSchedule(
      [
        f(1500, { kind: 'switchover' }), // within 2 s of the sockets' replication (+ RESYNC_NS): refused
        f(2600, { kind: 'switchover' }),
        f(6000, { kind: 'switchover' }), // 3.4 s after the previous one: refused
        f(6100, { kind: 're-crash', target: 'master' }), // a crash is no planned switchover
      ],
      { ...ctx, durationNs: 10_000 * MS, plannedSwitchoverGuard: guard },
    );
    expect(kept.map((x) => `${at(x) / MS}:${x.action.kind}`)).toEqual([
      '2600:switchover',
      '6100:re-crash',
    ]);
  });

  it('drops a failover after nsr-deconfig until nsr-reconfig and resync', () => {
    const kept = saneSchedule(
      [
        f(400, { kind: 'nsr-deconfig' }),
        f(600, { kind: 'switchover' }),
        f(800, { kind: 'nsr-reconfig' }),
        f(1400, { kind: 'switchover' }),
      ],
      ctx,
    );
    expect(kept.map((x) => x.action.kind)).toEqual(['nsr-deconfig', 'nsr-reconfig', 'switchover']);
  });

  it('a per-socket failover is a hand-over: the next failover waits for resync; after one, a backup crash is a takeover too', () => {
    const sf: FaultConfig['action'] = { kind: 'socket-failover', peer: undefined, session: 0 };
    const kept = saneSchedule(
      [
        f(400, sf),
        f(600, { kind: 'switchover' }), // the socket is replicated back only by 400 + 150 + 500 ms: dropped
        f(1200, { kind: 're-crash', target: 'backup' }), // it may hold a primary: a takeover, allowed once in sync
        f(1250, { kind: 're-crash', target: 'master' }), // during that takeover: dropped
      ],
      ctx,
    );
    expect(kept.map((x) => `${at(x) / MS}:${x.action.kind}`)).toEqual([
      '400:socket-failover',
      '1200:re-crash',
    ]);
    // Without a per-socket failover before it, a backup crash needs no sync and starts no takeover.
    const plain = saneSchedule(
      [
        f(400, { kind: 're-crash', target: 'backup' }),
        f(450, { kind: 'kkcm-io-error', target: 'master' }),
      ],
      ctx,
    );
    expect(plain.map((x) => x.action.kind)).toEqual(['re-crash', 'kkcm-io-error']);
  });

  it('cuts inter-RE outages (nearby ones counted together) short of the PRL timeout', () => {
    const kept = saneSchedule(
      [
        f(400, { kind: 'inter-re-hold', durationNs: 300 * MS }),
        f(800, { kind: 'backup-stall', durationNs: 900 * MS }),
      ],
      ctx,
    );
    expect(kept.map((x) => ('durationNs' in x.action ? x.action.durationNs / MS : 0))).toEqual([
      300, 49,
    ]);
    const allowed = saneSchedule([f(400, { kind: 'inter-re-hold', durationNs: 1500 * MS })], {
      ...ctx,
      allowPrlTimeout: true,
    });
    expect(allowed.map((x) => ('durationNs' in x.action ? x.action.durationNs / MS : 0))).toEqual([
      1500,
    ]);
  });
});

describe('seeds', () => {
  it('derives a run seed from (campaign seed, run) deterministically, different runs differ', () => {
    expect(runSeed(1, 0)).toBe(runSeed(1, 0));
    const seeds = new Set(Array.from({ length: 1000 }, (_, k) => runSeed(1, k)));
    expect(seeds.size).toBe(1000);
    expect(runSeed(2, 5)).not.toBe(runSeed(1, 5));
    for (const s of seeds) expect(Number.isInteger(s) && s >= -(2 ** 31) && s < 2 ** 31).toBe(true);
  });

  it('splits a campaign into disjoint shards that cover it', () => {
    const shards = [0, 1, 2].map((i) => ({ index: i, count: 3 }));
    const runs = shards.flatMap((sh) => Array.from({ length: 10 }, (_, j) => shardRun(sh, j)));
    expect(new Set(runs).size).toBe(30);
    expect([...runs].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, k) => k));
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    for (const bad of ['3/3', '1', 'a/b', '-1/2', '1/0'])
      expect(parseShard(bad), bad).toBeUndefined();
  });

  it('caseForSeed is what fc.check draws first for that seed (what the shrinker replays)', () => {
    const target = { design: 'jsr' as const, mutant: undefined };
    for (const seed of [1, -5, 123456789]) {
      let first: string | undefined;
      fc.check(
        fc.property(caseArb(target), (c) => {
          first ??= toYaml(c.scenario);
          return true;
        }),
        { seed, numRuns: 1 },
      );
      expect(toYaml(caseForSeed(target, seed).scenario)).toBe(first);
    }
  });
});
