// Proves the exports are faithful to the trace and to their formats (SPEC V-4): the pcapng
// is read by tshark and capinfos with one interface per link and nanosecond timestamps, its
// wire interfaces hold exactly the classic pcap's packets, and every packet's comment names
// the trace record of that link's send or loss; the Chrome trace JSON follows the Trace
// Event Format (every flow id has its start and end, bound to slices; counters numeric;
// instants carry their record's id and kind); the Mermaid ids are send records; and two
// runs in two processes write byte-identical report, JSON, Markdown and pcapng files.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TraceRecord } from '../../sim/index.ts';
import { ACTOR, K } from '../../model/vocab.ts';
import { nsrsim } from '../helpers/nsrsim.ts';

const FIXTURE = 'test/reports/fixtures/small-crash.yaml';
const dir = mkdtempSync(join(tmpdir(), 'nsrsim-exports-'));
const at = (run: string, ext: string): string => join(dir, `${run}.${ext}`);
const OUTPUTS = ['html', 'json', 'md', 'pcapng'] as const;

function exportArgs(run: string): string[] {
  return [
    'run',
    FIXTURE,
    '--report',
    at(run, 'html'),
    '--perfetto',
    at(run, 'json'),
    '--mermaid',
    at(run, 'md'),
    '--pcapng',
    at(run, 'pcapng'),
    '--pcap',
    at(run, 'pcap'),
    '--trace',
    at(run, 'ndjson'),
  ];
}

let trace: TraceRecord[] = [];

beforeAll(async () => {
  const [a, b] = await Promise.all([nsrsim(...exportArgs('a')), nsrsim(...exportArgs('b'))]);
  for (const r of [a, b]) {
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  }
  expect(a?.stdout).toMatch(
    /\n {2}report {5}\S+a\.html {2}[\d.]+ MB, records #0\.\.#\d+ of [\d,]+, whole run/,
  );
  expect(a?.stdout).toMatch(/\n {2}pcapng {5}\S+a\.pcapng {2}[\d.]+ MB, [\d,]+ packets/);
  trace = readFileSync(at('a', 'ndjson'), 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as TraceRecord);
}, 120_000);

const hasTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;

function tool(cmd: string, args: string[]): string {
  if (!hasTshark)
    throw new Error(`${cmd} is missing: install tshark (apt-get install tshark; .ci/run does)`);
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

describe('identical runs, identical files', () => {
  it('writes byte-identical report, Chrome JSON, Mermaid and pcapng in two processes', () => {
    for (const ext of OUTPUTS)
      expect(readFileSync(at('b', ext)).equals(readFileSync(at('a', ext)))).toBe(true);
  });
});

describe('pcapng, judged by tshark and capinfos', () => {
  it('has one interface per link, nanosecond timestamps and the classic pcap packets on the wires', () => {
    const info = tool('capinfos', ['-M', at('a', 'pcapng')]);
    expect(info).toMatch(/File type:\s+.*pcapng/);
    expect(info).toMatch(/Number of interfaces in file: 5/);
    expect(info).toMatch(/Time precision = nanoseconds \(9\)/);
    for (const name of ['wire-pa', 'wire-pb', 'int-re0', 'int-re1', 'inter-re'])
      expect(info).toContain(`Name = ${name}`);
    const classic = Number(
      /Number of packets:\s+(\d+)/.exec(tool('capinfos', ['-M', at('a', 'pcap')]))?.[1],
    );
    const rows = tool('tshark', [
      '-r',
      at('a', 'pcapng'),
      '-T',
      'fields',
      '-E',
      'separator=|',
      '-e',
      'frame.interface_name',
      '-e',
      'frame.time_epoch',
      '-e',
      'frame.len',
      '-e',
      'frame.comment',
    ])
      .trimEnd()
      .split('\n')
      .map((l) => l.split('|'));
    expect(Number(/Number of packets:\s+(\d+)/.exec(info)?.[1])).toBe(rows.length);
    const wire = rows.filter((r) => r[0]?.startsWith('wire-'));
    expect(wire.length).toBe(classic);
    expect(rows.length).toBeGreaterThan(classic);
    // Same packets at the same instants (the classic file keeps microseconds).
    const classicRows = tool('tshark', [
      '-r',
      at('a', 'pcap'),
      '-T',
      'fields',
      '-E',
      'separator=|',
      '-e',
      'frame.time_epoch',
      '-e',
      'frame.len',
    ])
      .trimEnd()
      .split('\n');
    const usec = (s: string | undefined): string => (s ?? '').slice(0, (s ?? '').indexOf('.') + 7);
    expect(wire.map((r) => `${usec(r[1])}|${r[2]}`)).toEqual(
      classicRows.map((l) => {
        const [t, n] = l.split('|');
        return `${usec(t)}|${n}`;
      }),
    );
  });

  it("names in each packet's comment the record of that link's send or loss", () => {
    const rows = tool('tshark', [
      '-r',
      at('a', 'pcapng'),
      '-T',
      'fields',
      '-E',
      'separator=|',
      '-e',
      'frame.interface_name',
      '-e',
      'frame.comment',
    ])
      .trimEnd()
      .split('\n');
    for (const row of rows) {
      const [iface = '', comment = ''] = row.split('|');
      const id = Number(/^nsrsim record (\d+): /.exec(comment)?.[1]);
      const rec = trace[id];
      expect(rec?.actor).toBe(ACTOR.link(iface));
      expect([K.sim.send, K.link.drop]).toContain(rec?.kind);
    }
  });
});

interface Ev {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts?: number;
  dur?: number;
  id?: number;
  bp?: string;
  args?: Record<string, unknown>;
}

describe('Chrome trace JSON (Perfetto, chrome://tracing)', () => {
  it('pairs every flow, binds it to slices, keeps counters numeric and record ids faithful', () => {
    const doc = JSON.parse(readFileSync(at('a', 'json'), 'utf8')) as {
      traceEvents: Ev[];
      displayTimeUnit: string;
    };
    expect(doc.displayTimeUnit).toBe('ns');
    const ev = doc.traceEvents;
    for (const e of ev) {
      expect(['X', 'i', 's', 'f', 'C', 'M']).toContain(e.ph);
      expect(Number.isInteger(e.pid) && Number.isInteger(e.tid)).toBe(true);
      if (e.ph !== 'M') expect(typeof e.ts).toBe('number');
      if (e.ph === 'X') expect(e.dur).toBeGreaterThan(0);
      if (e.ph === 'C')
        for (const v of Object.values(e.args ?? {})) expect(typeof v).toBe('number');
    }
    const starts = new Map<number, Ev>();
    const ends = new Map<number, Ev>();
    for (const e of ev) {
      if (e.ph === 's') {
        expect(starts.has(e.id as number)).toBe(false);
        starts.set(e.id as number, e);
      }
      if (e.ph === 'f') {
        expect(e.bp).toBe('e');
        ends.set(e.id as number, e);
      }
    }
    expect(starts.size).toBeGreaterThan(100);
    expect([...starts.keys()].sort()).toEqual([...ends.keys()].sort());
    // A flow id is a send record; its start is at that record's instant.
    for (const [id, s] of starts) {
      expect(trace[id]?.kind).toBe(K.sim.send);
      expect(Math.round((s.ts as number) * 1000)).toBe(trace[id]?.t);
      expect((ends.get(id)?.ts as number) >= (s.ts as number)).toBe(true);
    }
    // Each flow event lies inside a slice on its own thread (viewers bind flows to slices).
    const slices = new Map<string, Array<[number, number]>>();
    for (const e of ev)
      if (e.ph === 'X') {
        const k = `${e.pid}|${e.tid}`;
        slices.set(k, [
          ...(slices.get(k) ?? []),
          [e.ts as number, (e.ts as number) + (e.dur as number)],
        ]);
      }
    for (const e of ev.filter((x) => x.ph === 's' || x.ph === 'f'))
      expect(
        (slices.get(`${e.pid}|${e.tid}`) ?? []).some(
          ([a, b]) => a <= (e.ts as number) && (e.ts as number) <= b,
        ),
      ).toBe(true);
    // Instants are the trace's records: same id, kind and instant.
    const instants = ev.filter(
      (e) => e.ph === 'i' && typeof e.args?.id === 'number' && e.args.cause !== undefined,
    );
    expect(instants.length).toBeGreaterThan(100);
    for (const e of instants) {
      const r = trace[e.args?.id as number];
      expect(r?.kind).toBe(e.name);
      expect(Math.round((e.ts as number) * 1000)).toBe(r?.t);
    }
    const names = ev
      .filter((e) => e.ph === 'M' && e.name === 'process_name')
      .map((e) => e.args?.name);
    expect(names).toEqual(
      expect.arrayContaining(['peer pa', 'peer pb', 'PFE', 'RE0', 'RE1', 'sessions']),
    );
  });
});

describe('Mermaid', () => {
  it('labels messages with send record ids of the trace', () => {
    const md = readFileSync(at('a', 'md'), 'utf8');
    const ids = [...md.matchAll(/^ {2}L\d+(?:->>|-x|-\))L\d+: #35;(\d+) /gm)].map((m) =>
      Number(m[1]),
    );
    expect(ids.length).toBeGreaterThan(10);
    for (const id of ids) expect(trace[id]?.kind).toBe(K.sim.send);
    expect(md).toMatch(/Note over L\d+,L\d+: #35;\d+ fault re-crash master/);
  });
});
