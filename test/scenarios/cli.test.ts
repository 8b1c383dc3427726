// Proves the nsrsim CLI, run as a real child process, keeps its contract: exit codes 0/1/2, JSON shapes, errors with positions and never a stack for user mistakes, deterministic trace hashes, replay, and trace/pcap files that match what it prints.
import { RTCP_MUTANTS } from '../../model/redundant/mutants.ts';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nsrsim } from '../helpers/nsrsim.ts';
import { DEFAULT_NSR_OPTIONS, MUTANTS, NSR_OPTION_INFO } from '../../model/nsr/options.ts';
import { decodeSegment } from '../../model/net/packet.ts';
import { LINKTYPE_RAW, readPcap } from '../../reports/pcap.ts';
import { loadScenarioFile } from '../../scenarios/load/load.ts';
import { runScenario } from '../../scenarios/run.ts';

const TMP = mkdtempSync(join(tmpdir(), 'nsrsim-cli-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

function jsonLines(s: string): Array<Record<string, unknown>> {
  return s
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** A copy of a library file with some top-level lines replaced or added. */
function variant(from: string, name: string, edit: (text: string) => string): string {
  const path = join(TMP, `${name}.yaml`);
  writeFileSync(path, edit(readFileSync(from, 'utf8')));
  return path;
}

const STEADY = 'scenarios/library/baseline/steady.yaml';
const DEMO = 'scenarios/demo.yaml';
const NO_STACK = /^\s+at .+:\d+:\d+\)?$/m;

describe.concurrent('help and flags', async () => {
  it('--help lists the commands, each command has its own help with examples', async () => {
    const top = await nsrsim('--help');
    expect(top.status).toBe(0);
    for (const c of ['run', 'validate', 'replay', 'list', 'schema'])
      expect(top.stdout).toContain(`nsrsim ${c}`);
    const run = await nsrsim('run', '--help');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Examples:');
    expect(run.stdout).toContain('--pcap');
  });

  it.each([
    [['run', STEADY, '--sed', '3'], 'Unknown argument'],
    [['run', STEADY, '--seed', 'abc'], '--seed must be an integer >= 0'],
    [['run'], 'Not enough non-option arguments'],
    [['frobnicate'], 'Unknown argument'],
    [[], 'give a command'],
    [
      ['run', STEADY, '--trace', '/no/such/dir/t.ndjson'],
      '--trace: directory "/no/such/dir" does not exist',
    ],
  ])(
    'bad command line %j exits 2 with one message and the --help hint, no stack',
    async (args, msg) => {
      const r = await nsrsim(...args);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(msg);
      expect(r.stderr).toContain('--help');
      expect(r.stderr).not.toMatch(NO_STACK);
    },
  );
});

describe.concurrent('run', async () => {
  it('prints a plain summary (no colour into a pipe) and exits 0 when the verdict is as expected', async () => {
    const r = await nsrsim('run', STEADY);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('baseline-steady');
    expect(r.stdout).toContain('PASS, as expected');
    expect(r.stdout).toMatch(/trace +[\d,]+ records, hash [0-9a-f]{64}/);
    expect(r.stdout).not.toContain('\x1b[');
    expect(r.stderr).toBe('');
  });

  it('--json prints one object per scenario with the documented shape', async () => {
    const crash = 'scenarios/library/baseline/master-crash.yaml';
    const r = await nsrsim('run', crash, STEADY, '--json');
    expect(r.status).toBe(0);
    const [demo, steady] = jsonLines(r.stdout);
    expect(demo).toMatchObject({
      scenario: 'baseline-master-crash',
      file: crash,
      seed: 11,
      verdict: 'fail',
      expected: { fail: ['peer-transparent'] },
      matches: true,
    });
    expect(steady).toMatchObject({
      scenario: 'baseline-steady',
      verdict: 'pass',
      expected: 'pass',
      matches: true,
      violations: [],
    });
    const v = (demo?.violations as Array<Record<string, unknown>>)[0];
    expect(Object.keys(v ?? {}).sort()).toEqual([
      'check',
      'evidence',
      'message',
      'recordId',
      'timeNs',
    ]);
    expect(v?.check).toBe('peer-transparent');
    const stats = demo?.stats as Record<string, unknown>;
    for (const k of ['events', 'simulatedNs', 'wallMs', 'eventsPerSec', 'traceRecords', 'sessions'])
      expect(stats).toHaveProperty(k);
    expect(stats.simulatedNs).toBe(3_000_000_000);
    expect(demo?.traceHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('exits 1 when a verdict differs from the expectation', async () => {
    const wrong = variant(STEADY, 'wrong-expect', (t) =>
      t.replace('expect: pass', 'expect: { fail: [peer-transparent] }'),
    );
    const r = await nsrsim('run', wrong, '--json');
    expect(r.status).toBe(1);
    expect(jsonLines(r.stdout)[0]).toMatchObject({ verdict: 'pass', matches: false });
  });

  it('exits 2 on an invalid file, reporting positions, running nothing, no stack', async () => {
    const r = await nsrsim('run', STEADY, 'test/scenarios/fixtures/many-errors.yaml');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      'test/scenarios/fixtures/many-errors.yaml:6:19: peers[0].link.loss must be between 0 and 1, got 1.5',
    );
    expect(r.stderr).toContain('nothing was run');
    expect(r.stderr).not.toMatch(NO_STACK);
  });

  it('exits 2 on a missing file', async () => {
    const r = await nsrsim('run', 'scenarios/no-such.yaml');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('scenarios/no-such.yaml:1:1: cannot read scenario: no such file');
    expect(r.stderr).not.toMatch(NO_STACK);
  });

  it('is deterministic: same file, same hash; --seed changes it', async () => {
    const [a, b, c] = await Promise.all([
      nsrsim('run', STEADY, '--json'),
      nsrsim('run', STEADY, '--json'),
      nsrsim('run', STEADY, '--json', '--seed', '2'),
    ]);
    const hashA = jsonLines(a.stdout)[0]?.traceHash;
    expect(hashA).toMatch(/^[0-9a-f]{64}$/);
    expect(jsonLines(b.stdout)[0]?.traceHash).toBe(hashA);
    const seeded = jsonLines(c.stdout)[0];
    expect(seeded?.seed).toBe(2);
    expect(seeded?.traceHash).not.toBe(hashA);
  });

  it('--trace writes one JSON record per line (faults included); --trace-bin writes the canonical form whose sha256 is the printed hash', async () => {
    const out = join(TMP, 'demo.ndjson');
    const bin = join(TMP, 'demo.trace');
    const r = await nsrsim('run', DEMO, '--json', '--trace', out, '--trace-bin', bin);
    expect(r.status).toBe(0);
    const line = jsonLines(r.stdout)[0];
    const sha = createHash('sha256').update(readFileSync(bin)).digest('hex');
    expect(sha).toBe(line?.traceHash);
    expect(readFileSync(bin).subarray(0, 15).toString('latin1')).toBe('nsrsim-trace/2\n');
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength((line?.stats as { traceRecords: number }).traceRecords);
    expect(readFileSync(out, 'utf8')).toContain('"kind":"fault.scheduled"');
  });

  it('--trace and --trace-bin with several files write <stem>.<scenario><ext> next to the path', async () => {
    const r = await nsrsim(
      'run',
      DEMO,
      STEADY,
      '--json',
      '--trace',
      join(TMP, 'lib.ndjson'),
      '--trace-bin',
      join(TMP, 'lib.trace'),
    );
    expect(r.status).toBe(0);
    for (const line of jsonLines(r.stdout)) {
      const file = join(TMP, `lib.${String(line.scenario)}.ndjson`);
      expect(existsSync(file)).toBe(true);
      const bin = join(TMP, `lib.${String(line.scenario)}.trace`);
      expect(createHash('sha256').update(readFileSync(bin)).digest('hex')).toBe(line.traceHash);
    }
  });

  it('--pcap writes a capture readPcap reads: raw IPv4, time-ordered, every packet decodes', async () => {
    const out = join(TMP, 'steady.pcap');
    const r = await nsrsim('run', STEADY, '--json', '--pcap', out);
    expect(r.status).toBe(0);
    const pcap = readPcap(readFileSync(out));
    if (!pcap.ok) throw new Error(pcap.error);
    expect(pcap.linkType).toBe(LINKTYPE_RAW);
    expect(pcap.records.length).toBe(
      (jsonLines(r.stdout)[0]?.stats as { pcapPackets: number }).pcapPackets,
    );
    expect(pcap.records.length).toBeGreaterThan(100);
    for (let i = 1; i < pcap.records.length; i++)
      expect(pcap.records[i]!.timeNs).toBeGreaterThanOrEqual(pcap.records[i - 1]!.timeNs);
    for (const rec of pcap.records) expect(decodeSegment(rec.packet).ok).toBe(true);
  });
});

describe.concurrent('validate', async () => {
  it('reports every error with its position and exits 2', async () => {
    const r = await nsrsim('validate', STEADY, 'test/scenarios/fixtures/unknown-key.yaml');
    expect(r.status).toBe(2);
    expect(r.stdout).toContain(`${STEADY}: ok (baseline-steady)`);
    expect(r.stdout).toContain(
      'test/scenarios/fixtures/unknown-key.yaml:7:13: unknown key "latncy" in peers[0].link; did you mean "latency"?',
    );
    expect(r.stdout).toContain('1 of 2 files invalid');
    expect(r.stderr).not.toMatch(NO_STACK);
  });

  it('--json gives one object per file; the whole library validates with exit 0', async () => {
    const r = await nsrsim('validate', '--json', DEMO, 'test/scenarios/fixtures/syntax-error.yaml');
    expect(r.status).toBe(2);
    const [ok, bad] = jsonLines(r.stdout);
    expect(ok).toEqual({ file: DEMO, valid: true, scenario: 'demo', errors: [] });
    expect(bad).toMatchObject({ file: 'test/scenarios/fixtures/syntax-error.yaml', valid: false });
    expect((bad?.errors as Array<Record<string, unknown>>)[0]).toMatchObject({ line: 6, col: 38 });
    const lib = await nsrsim(
      'validate',
      'scenarios/demo.yaml',
      'scenarios/library/baseline/steady.yaml',
      'scenarios/library/baseline/master-crash.yaml',
      'scenarios/library/misc/dirty-wire.yaml',
      'scenarios/library/scale/steady-30-peers.yaml',
      'scenarios/library/scale/stress.yaml',
    );
    expect(lib.status).toBe(0);
  });
});

describe.concurrent('validate NSR files', async () => {
  it('NSR keys without nsr: true exit 2 with positions; the NSR library files validate', async () => {
    const r = await nsrsim(
      'validate',
      'scenarios/library/misc/nsr-steady.yaml',
      'test/scenarios/fixtures/nsr-off.yaml',
    );
    expect(r.status).toBe(2);
    expect(r.stdout).toContain('scenarios/library/misc/nsr-steady.yaml: ok (nsr-steady)');
    expect(r.stdout).toContain(
      'test/scenarios/fixtures/nsr-off.yaml:6:3: router.options applies only with socket replication; set router.nsr: true (it is false by default)',
    );
    expect(r.stdout).toContain(
      'test/scenarios/fixtures/nsr-off.yaml:15:11: fault kind "kkcm-io-error" needs socket replication; set router.nsr: true',
    );
    expect(r.stderr).not.toMatch(NO_STACK);
  });
});

describe.concurrent('replay', async () => {
  // The hash in-process equals the CLI's (the determinism test above compares processes).
  const hashOf = (file: string): string => runScenario(loadScenarioFile(file)).traceHash;

  it('without a recorded hash prints the hash and says there was nothing to compare', async () => {
    const r = await nsrsim('replay', STEADY);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('nothing to compare');
    expect(r.stdout).toMatch(/trace hash [0-9a-f]{64}/);
  });

  it('exits 0 when the recorded hash matches and 1 (printing both) when it does not', async () => {
    const h = hashOf(DEMO);
    const good = variant(DEMO, 'replay-good', (t) => `${t}traceHash: ${h}\n`);
    const r = await nsrsim('replay', good);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`trace hash ${h} matches`);
    const badHash = 'f'.repeat(64);
    const bad = variant(DEMO, 'replay-bad', (t) => `${t}traceHash: ${badHash}\n`);
    const m = await nsrsim('replay', bad);
    expect(m.status).toBe(1);
    expect(m.stdout).toContain(`recorded ${badHash}`);
    expect(m.stdout).toContain(`this run ${h}`);
  });
});

describe.concurrent('list', async () => {
  interface ListJson {
    designs: Array<{ id: string; description: string }>;
    options: Array<{ name: string; spec: string; values: string[]; default: unknown }>;
    mutants: Array<{ name: string; description: string }>;
    faults: Array<{
      kind: string;
      status: string;
      spec: string[];
      params: Array<{ key: string; required: boolean }>;
      description: string;
    }>;
    checkers: Array<{ id: string; spec: string[]; description: string }>;
  }

  it('--json lists designs, options with SPEC ids and defaults, mutants, fault kinds with status and SPEC ids, checkers', async () => {
    const r = await nsrsim('list', '--json');
    expect(r.status).toBe(0);
    const d = JSON.parse(r.stdout) as ListJson;
    expect(Object.keys(d)).toEqual(['designs', 'options', 'mutants', 'faults', 'checkers']);
    expect(d.designs.map((x) => x.id)).toEqual(['jsr', 'redundant-tcp', 'gr', 'none']);
    expect(d.designs[0]?.description).toMatch(/socket replication/);
    expect(d.options.map((o) => o.name)).toEqual(NSR_OPTION_INFO.map((o) => o.name));
    for (const o of d.options) {
      expect(Object.keys(o)).toEqual(['name', 'spec', 'values', 'default']);
      expect(o.default).toEqual(DEFAULT_NSR_OPTIONS[o.name as keyof typeof DEFAULT_NSR_OPTIONS]);
    }
    expect(d.options.find((o) => o.name === 'prlAck')).toEqual({
      name: 'prlAck',
      spec: 'P-6',
      values: ['per-packet', 'coalesce'],
      default: 'per-packet',
    });
    expect(d.options.find((o) => o.name === 'versions')?.default).toEqual([1, 1]);
    expect(d.mutants.map((m) => m.name)).toEqual([
      ...Object.keys(MUTANTS),
      ...Object.keys(RTCP_MUTANTS),
    ]);
    expect(d.mutants.find((m) => m.name === 'prl-l4-after-nack')?.description).toBe(
      MUTANTS['prl-l4-after-nack'],
    );
    expect(d.faults.find((f) => f.kind === 're-crash')).toMatchObject({
      status: 'supported',
      spec: ['F-1', 'G-1'],
    });
    expect(d.faults.find((f) => f.kind === 'kkcm-io-error')).toMatchObject({
      status: 'supported',
      spec: ['F-1', 'K-5', 'K-7'],
      params: [{ key: 'target', required: false }],
    });
    expect(
      d.faults.find((f) => f.kind === 'inter-re-partition')?.params.map((p) => [p.key, p.required]),
    ).toEqual([
      ['from', true],
      ['duration', false],
    ]);
    expect(
      d.faults.find((f) => f.kind === 'backup-stall')?.params.map((p) => [p.key, p.required]),
    ).toEqual([['duration', true]]);
    expect(d.faults.filter((f) => f.status === 'pending').map((f) => f.kind)).toEqual([]);
    expect(d.faults.find((f) => f.kind === 'socket-failover')).toMatchObject({
      status: 'supported',
      spec: ['F-2', 'I-5', 'G-3'],
      nsrOnly: true,
      params: [
        { key: 'peer', required: false },
        { key: 'session', required: false },
      ],
    });
    expect(d.checkers.find((c) => c.id === 'peer-transparent')?.spec).toEqual(['G-9']);
  });

  it('prints a human list too, the defaults marked', async () => {
    const r = await nsrsim('list');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ {2}jsr {2}.*socket replication/m);
    expect(r.stdout).toMatch(/^ {2}kkcmChannels +K-1 +two \(default\), one, balanced$/m);
    expect(r.stdout).toMatch(
      /^ {2}versions +K-11\/G-5 +\[v0, v1\] with 1 <= v <= 2; default \[1, 1\]$/m,
    );
    expect(r.stdout).toMatch(/^ {2}prl-l4-after-nack +PRL §7\.3f/m);
    expect(r.stdout).toMatch(/^ {2}kkcm-io-error .*\[target\?\] \(needs nsr: true\)$/m);
    expect(r.stdout).toMatch(/^ {2}socket-failover .*\[peer\?, session\?\] \(needs nsr: true\)$/m);
  });
});
