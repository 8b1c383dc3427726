// Proves that the packet capture of scenarios/library/msdp/msdp-steady.yaml (`nsrsim run --pcap`) decodes as MSDP in tshark (SPEC D-8, RFC 3618 §12): the SA and KeepAlive TLVs tshark finds are exactly the ones the trace says reached a wire (peers' and the active router engine's msdp.tx records), with no malformed packet and no bad IP or TCP checksum.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { K } from '../../model/vocab.ts';

const FILE = 'scenarios/library/msdp/msdp-steady.yaml';
const hasTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'nsrsim-msdp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tshark(args: string[]): string {
  const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

/** TLV types tshark decodes, counted (RFC 3618 §12: 1 = SA, 4 = KeepAlive). */
function tlvTypes(pcap: string): Map<string, number> {
  const out = new Map<string, number>();
  const text = tshark(['-r', pcap, '-Y', 'msdp', '-T', 'fields', '-e', 'msdp.type']);
  for (const t of text.split(/[\n,]/).filter((x) => x !== '')) out.set(t, (out.get(t) ?? 0) + 1);
  return out;
}

/** Whole TLVs that reached a wire, by type: the peers' and the router's active engine's. */
function traced(ndjson: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of readFileSync(ndjson, 'utf8').split('\n')) {
    if (line === '') continue;
    const r = JSON.parse(line) as { actor: string; kind: string; fields: Record<string, unknown> };
    if (r.kind !== K.msdp.tx) continue;
    if (!r.actor.startsWith('peer:') && r.fields['mode'] !== 'active') continue;
    const t = String(r.fields['type']);
    out.set(t, (out.get(t) ?? 0) + 1);
  }
  return out;
}

describe.skipIf(!hasTshark)('msdp-steady capture, judged by tshark', () => {
  const pcap = join(dir, 'steady.pcap');
  const trace = join(dir, 'steady.ndjson');
  it('runs and writes the capture', () => {
    const r = spawnSync(
      'node',
      ['scenarios/cli/bin.mjs', 'run', FILE, '--pcap', pcap, '--trace', trace],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr + r.stdout).toBe(0);
  });

  it('decodes SA and KeepAlive TLVs in the counts the trace gives', () => {
    const got = tlvTypes(pcap);
    const want = traced(trace);
    expect(want.get('sa') ?? 0).toBeGreaterThan(20);
    expect(want.get('keepalive') ?? 0).toBeGreaterThan(0);
    expect(got.get('1')).toBe(want.get('sa'));
    expect(got.get('4')).toBe(want.get('keepalive'));
    expect([...got.keys()].sort()).toEqual(['1', '4']);
  });

  it('has no malformed packet and no checksum error', () => {
    const bad = tshark([
      '-r',
      pcap,
      '-o',
      'ip.check_checksum:TRUE',
      '-o',
      'tcp.check_checksum:TRUE',
      '-Y',
      '_ws.malformed || ip.checksum.status == 0 || tcp.checksum.status == 0',
    ]);
    expect(bad.trim()).toBe('');
  });
});
