// Proves `nsrsim fuzz merge` joins shard reports into one of the same shape: totals add up (runs, events, workers; wall = the longest shard), failures are listed in run order and deduplicated by signature across shards (counts and runs add up, the earliest run's file stays), mutant rows are found in any shard with the earliest kill, the order of the files does not matter and merging merged reports gives the same; and that reports of another campaign (seed, version, design, --apps, kind, mutants, shard count; a report without "apps" is a stream one), a shard given twice, or a file that is no report are refused with a UsageError naming the files.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../scenarios/load/errors.ts';
import { mergeReports, missingShards, type ReportInput } from '../../../scenarios/fuzz/merge.ts';
import type {
  CampaignJson,
  FailureJson,
  GroupJson,
  MutantRow,
  MutantsJson,
} from '../../../scenarios/fuzz/report-json.ts';
import { formatCampaign, formatMutantsSummary } from '../../../scenarios/fuzz/report-text.ts';
import { VERSION } from '../../../scenarios/run.ts';

const SIZE = { faults: 1, peers: 1, sessions: 1, tieBreaks: 0 };

function failure(run: number, signature: string, file: string | null): FailureJson {
  return {
    run,
    runSeed: run * 7,
    fired: [signature.split('/')[0] ?? ''],
    signature,
    shrunk:
      file === null
        ? null
        : { runs: 9, steps: 4, fired: ['x'], size: SIZE, wallMs: 10, stoppedBy: 'done' },
    file,
    verified: file === null ? null : true,
  };
}

function group(failures: readonly FailureJson[], signature: string): GroupJson {
  const mine = failures.filter((f) => f.signature === signature);
  const first = mine[0] as FailureJson;
  return {
    signature,
    count: mine.length,
    runs: mine.map((f) => f.run),
    run: first.run,
    runSeed: first.runSeed,
    fired: first.fired,
    shrunk: first.shrunk,
    file: first.file,
  };
}

/** A shard report of campaign seed 5 over 4 shards. */
function shard(index: number, failures: FailureJson[], over: Partial<CampaignJson> = {}) {
  const sigs = [...new Set(failures.map((f) => f.signature))];
  const j: CampaignJson = {
    version: VERSION,
    design: 'jsr',
    seed: 5,
    unsafeOptions: false,
    apps: 'stream',
    shard: `${index}/4`,
    shardSource: 'JOB_COMPLETION_INDEX',
    shards: [{ shard: `${index}/4`, runs: 10, wallMs: 1000 * (index + 1), stoppedBy: 'runs' }],
    workers: 2,
    runs: 10,
    events: 100 * (index + 1),
    wallMs: 1000 * (index + 1),
    totalMs: 1500 * (index + 1),
    runsPerSec: 10 / (index + 1),
    stoppedBy: 'runs',
    maxFailures: 0,
    failures,
    groups: sigs.map((s) => group(failures, s)),
    ...over,
  };
  return j;
}

const input = (file: string, j: unknown): ReportInput => ({ file, text: JSON.stringify(j) });

const A = shard(0, [
  failure(4, 'in-order/in', 'a-r4.yaml'),
  failure(8, 'liveness/both', 'a-r8.yaml'),
]);
const B = shard(1, [
  failure(1, 'in-order/in', 'b-r1.yaml'),
  failure(5, 'in-order/in', null),
  failure(9, 'peer-transparent/toPeer', 'b-r9.yaml'),
]);
const C = shard(2, []);

describe('fuzz merge: campaign reports', () => {
  const m = mergeReports([input('b.json', B), input('a.json', A), input('c.json', C)]);
  const j = m as CampaignJson;

  it('adds up the totals; the wall time is the longest shard (they run side by side)', () => {
    expect(j).toMatchObject({
      version: VERSION,
      design: 'jsr',
      seed: 5,
      shard: '0,1,2/4',
      shardSource: 'merged',
      runs: 30,
      events: 600,
      workers: 6,
      wallMs: 3000,
      totalMs: 4500,
      runsPerSec: 10,
      stoppedBy: 'runs',
    });
    expect(j.shards.map((s) => [s.shard, s.file])).toEqual([
      ['0/4', 'a.json'],
      ['1/4', 'b.json'],
      ['2/4', 'c.json'],
    ]);
    expect(missingShards(j)).toEqual([3]);
  });

  it('lists every failing run in run order and deduplicates the groups by signature, keeping the earliest shrunk file', () => {
    expect(j.failures.map((f) => f.run)).toEqual([1, 4, 5, 8, 9]);
    expect(j.groups.map((g) => [g.signature, g.count, g.runs, g.run, g.file])).toEqual([
      ['in-order/in', 3, [1, 4, 5], 1, 'b-r1.yaml'],
      ['liveness/both', 1, [8], 8, 'a-r8.yaml'],
      ['peer-transparent/toPeer', 1, [9], 9, 'b-r9.yaml'],
    ]);
    expect(formatCampaign(j, true)).toMatch(
      /^nsrsim fuzz merge: design jsr, seed 5, shards 0,1,2\/4 \(3 reports\), 6 workers in all$/m,
    );
    expect(formatCampaign(j, true)).toContain('    in-order/in: 3 runs (1, 4, 5)');
  });

  it('does not depend on the order of the files, and merging merged reports gives the same', () => {
    const again = mergeReports([input('c.json', C), input('a.json', A), input('b.json', B)]);
    expect(again).toEqual(m);
    const ab = mergeReports([input('a.json', A), input('b.json', B)]);
    const D = shard(3, [failure(3, 'liveness/both', 'd-r3.yaml')]);
    const whole = mergeReports([input('ab.json', ab), input('c.json', C), input('d.json', D)]);
    const flat = mergeReports([
      input('a.json', A),
      input('b.json', B),
      input('c.json', C),
      input('d.json', D),
    ]);
    expect(whole).toEqual(flat);
    expect(
      (whole as CampaignJson).groups.find((g) => g.signature === 'liveness/both'),
    ).toMatchObject({ count: 2, runs: [3, 8], run: 3, file: 'd-r3.yaml' });
    expect(missingShards(whole)).toEqual([]);
  });

  it('merges determinism checks: the counts add up, the earliest divergence wins', () => {
    const d1 = shard(0, [], { determinism: { checked: 2, runs: [0, 4], divergence: undefined } });
    const div = { run: 5, runSeed: 1, recordId: 3, first: 1, second: 2 };
    const d2 = shard(1, [], { determinism: { checked: 2, runs: [1, 5], divergence: div } });
    const dm = mergeReports([input('a', d1), input('b', d2)]) as CampaignJson;
    expect(dm.determinism).toEqual({ checked: 4, runs: [0, 1, 4, 5], divergence: div });
  });
});

describe('fuzz merge: --apps', () => {
  it('merges the shards of a mixed campaign into a mixed report, and says so in the text', () => {
    const a = shard(0, [], { apps: 'mixed' });
    const b = shard(1, [], { apps: 'mixed' });
    const j = mergeReports([input('a.json', a), input('b.json', b)]) as CampaignJson;
    expect(j.apps).toBe('mixed');
    expect(formatCampaign(j, true)).toMatch(
      /^nsrsim fuzz merge: design jsr, apps mixed, seed 5, shards 0,1\/4 /m,
    );
  });

  it("names a mixed campaign in the text of a single shard and of a mutant report; a stream one's text is as before", () => {
    expect(formatCampaign({ ...A, apps: 'mixed' }, true)).toMatch(
      /^nsrsim fuzz: design jsr, apps mixed, seed 5, shard 0\/4 \(from JOB_COMPLETION_INDEX\), 2 workers$/m,
    );
    expect(formatCampaign(A, true)).toMatch(/^nsrsim fuzz: design jsr, seed 5, shard 0\/4 /m);
    expect(formatMutantsSummary(mutants(0, [], { apps: 'mixed' }))).toBe(
      '0 of 0 mutants found (seed 5, apps mixed)\n',
    );
  });

  it('reads a report without "apps" (written before the flag) as a stream shard', () => {
    const { apps: _, ...old } = B;
    const j = mergeReports([input('a.json', A), input('old.json', old)]) as CampaignJson;
    expect(j.apps).toBe('stream');
    expect(formatCampaign(j, true)).not.toContain('apps');
    expect(() =>
      mergeReports([input('a.json', { ...A, apps: 'mixed' }), input('old.json', old)]),
    ).toThrow(/old\.json is not of the same campaign as a\.json: apps stream vs mixed/);
  });
});

function row(name: string, run: number | null, runs: number, file: string | null): MutantRow {
  return {
    name,
    found: run !== null,
    runs,
    run,
    wallMs: 100 * runs,
    shrunkFaults: run === null ? null : 1,
    file,
    fired: run === null ? [] : ['in-order'],
    signature: run === null ? null : 'in-order/in',
    shrunk: null,
    inconclusive: 1,
    designFailures: [],
  };
}

function mutants(index: number, rows: MutantRow[], over: Partial<MutantsJson> = {}): MutantsJson {
  return {
    version: VERSION,
    design: 'jsr',
    seed: 5,
    unsafeOptions: false,
    apps: 'stream',
    shard: `${index}/2`,
    shardSource: 'NSRSIM_SHARD',
    shards: [{ shard: `${index}/2`, runs: 0, wallMs: 10, stoppedBy: 'mutants' }],
    workers: 1,
    mutants: rows,
    ...over,
  };
}

describe('fuzz merge: mutant reports', () => {
  it('a mutant is found when any shard found it, with the earliest kill; runs and inconclusive runs add up', () => {
    const a = mutants(0, [row('m1', 6, 4, 'a-m1.yaml'), row('m2', null, 10, null)]);
    const b = mutants(1, [row('m1', 3, 2, 'b-m1.yaml'), row('m2', null, 10, null)]);
    const m = mergeReports([input('a.json', a), input('b.json', b)]) as MutantsJson;
    expect(m.shard).toBe('0,1/2');
    expect(m.mutants.map((r) => [r.name, r.found, r.run, r.runs, r.file, r.inconclusive])).toEqual([
      ['m1', true, 3, 6, 'b-m1.yaml', 2],
      ['m2', false, null, 20, null, 2],
    ]);
  });
});

describe('fuzz merge: refusals', () => {
  const refuse = (inputs: ReportInput[], message: RegExp): void => {
    expect(() => mergeReports(inputs)).toThrow(UsageError);
    expect(() => mergeReports(inputs)).toThrow(message);
  };

  it('refuses reports of another campaign, naming both files and what differs', () => {
    refuse(
      [input('a.json', A), input('b.json', { ...B, seed: 6 })],
      /b\.json is not of the same campaign as a\.json: seed 6 vs 5/,
    );
    refuse([input('a.json', A), input('b.json', { ...B, version: '0.0.1' })], /version 0\.0\.1 vs/);
    refuse(
      [input('a.json', A), input('b.json', { ...B, unsafeOptions: true })],
      /unsafe options true vs false/,
    );
    refuse(
      [input('a.json', A), input('b.json', { ...B, apps: 'mixed' })],
      /b\.json is not of the same campaign as a\.json: apps mixed vs stream/,
    );
    refuse(
      [input('a.json', mutants(0, [], { apps: 'mixed' })), input('b.json', mutants(1, []))],
      /apps stream vs mixed/,
    );
    refuse([input('a.json', A), input('b.json', { ...B, shard: '1/3' })], /shard count 3 vs 4/);
    refuse(
      [input('a.json', A), input('m.json', mutants(1, [], { shard: '1/4' }))],
      /kind mutants vs campaign/,
    );
    const m1 = mutants(0, [row('m1', null, 1, null)]);
    const m2 = mutants(1, [row('m2', null, 1, null)]);
    refuse([input('a.json', m1), input('b.json', m2)], /mutants m2 vs m1/);
  });

  it('refuses a shard given twice', () => {
    refuse([input('a.json', A), input('a2.json', A)], /shard 0\/4 is in both a\.json and a2\.json/);
  });

  it('refuses what is no fuzz report', () => {
    refuse([{ file: 'x.json', text: '{ nope' }], /^x\.json: not JSON/);
    refuse([input('x.json', [1, 2])], /x\.json: not an nsrsim fuzz --json report/);
    const { version: _, ...old } = A;
    refuse([input('old.json', old)], /old\.json: no "version"/);
    refuse([input('s.json', { ...A, shard: '4/4' })], /s\.json: "shard" must be i\/n/);
    refuse(
      [input('p.json', { ...A, apps: 'bgp' })],
      /p\.json: "apps" must be one of stream, mixed/,
    );
    refuse(
      [input('y.json', { version: VERSION, design: 'jsr', seed: 1, shard: '0/1' })],
      /neither a campaign report/,
    );
    refuse([], /give at least one report/);
  });
});
