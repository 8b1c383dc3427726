// Proves that the NDJSON trace file holds every record as canonical JSON (keys sorted), that
// the trace hash (over the binary form, trace format 2) is the same whether or not a file is
// written, and that node:crypto's SHA-256 gives the same trace hash as sim's portable default.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CanonicalTraceFile, NdjsonFileSink, nodeSha256 } from '../../reports/trace-file.ts';
import {
  MemorySink,
  TRACE_FORMAT,
  canonicalJson,
  SIM_ACTOR,
  SIM_KIND,
  Simulation,
  hashRecords,
  nobleSha256,
  type TraceRecord,
} from '../../sim/index.ts';
import { buildSynthetic, runSynthetic, SYNTHETIC_UNTIL_NS } from '../sim/synthetic.ts';

describe('trace file and hashers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nsrsim-trace-file-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes an NDJSON file of canonical JSON lines; the digest equals hashRecords() of the same records and a run without the file', () => {
    const path = join(dir, 'trace.ndjson');
    const file = new NdjsonFileSink(path);
    const mem = new MemorySink();
    const { sim } = buildSynthetic(11, { sinks: [file, mem] });
    const result = sim.run({ untilNs: SYNTHETIC_UNTIL_NS });
    const digest = sim.trace.digest();
    sim.finish(result); // closes (flushes) the file sink
    const bytes = readFileSync(path);
    expect(hashRecords(mem.records)).toBe(digest);
    expect(digest).toBe(runSynthetic(11).hash);
    const lines = bytes.toString('utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(sim.trace.count);
    expect(bytes.length).toBeGreaterThan(1 << 16); // more than one buffered flush
    expect(lines).toEqual(mem.records.map((r) => canonicalJson(r)));
    const first = JSON.parse(lines[0] as string) as TraceRecord;
    expect(first).toMatchObject({
      id: 0,
      cause: -1,
      actor: SIM_ACTOR,
      kind: SIM_KIND.faultScheduled,
    });
  });

  it('hashes the same with node:crypto as with the portable default, incrementally', () => {
    const mem = new MemorySink();
    const { sim } = buildSynthetic(12, { sinks: [mem] });
    sim.run({ untilNs: SYNTHETIC_UNTIL_NS });
    const digest = sim.trace.digest();
    expect(hashRecords(mem.records, nodeSha256)).toBe(digest);
    expect(hashRecords(mem.records, nobleSha256)).toBe(digest);
    const a = nodeSha256();
    const b = nobleSha256();
    for (const text of ['', 'a', 'é€😀', 'x'.repeat(1000)]) {
      const bytes = new TextEncoder().encode(text);
      a.update(bytes);
      b.update(bytes);
      expect(a.digest()).toBe(b.digest());
    }
    // An empty trace hashes its preamble alone (the format version is part of every hash).
    expect(TRACE_FORMAT).toBe(2);
    expect(new Simulation({ seed: 1, hasher: nodeSha256 }).trace.digest()).toBe(
      createHash('sha256').update('nsrsim-trace/2\n').digest('hex'),
    );
  });

  it('CanonicalTraceFile (--trace-bin) holds the bytes the hash is taken over, serves one trace only, and closes once', () => {
    const path = join(dir, 'trace.bin');
    const file = new CanonicalTraceFile(path);
    const { sim } = buildSynthetic(13, { hasher: file.hasher });
    sim.run({ untilNs: SYNTHETIC_UNTIL_NS });
    const digest = sim.trace.digest();
    file.close();
    expect(() => file.close()).not.toThrow();
    const bytes = readFileSync(path);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(digest);
    expect(digest).toBe(runSynthetic(13).hash);
    expect(bytes.subarray(0, 15).toString('latin1')).toBe('nsrsim-trace/2\n');
    expect(() => file.hasher()).toThrow(/one trace per file/);
  });
});
