// Proves TCP-MD5 (RFC 2385, SPEC T-3): a keyed connection signs every segment it sends with the real digest (pseudo-header, header without options and with a zero checksum, data, key), the receiver drops unsigned and badly signed segments with a trace event, the digest is the one an independent computation over the wire bytes gives, tshark decodes the option, and the FreeBSD option layout puts it where FreeBSD does.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { md5 } from '@noble/hashes/legacy.js';
import { describe, expect, it } from 'vitest';
import { encodeOptions, encodeSegment } from '../../../model/net/packet.ts';
import type { Segment } from '../../../model/net/segment.ts';
import { md5KeyBytes, tcpMd5Digest, tcpMd5Verify } from '../../../model/tcp/tcp.ts';
import { PcapWriter, writePcapFile } from '../../../reports/pcap.ts';
import { ADDR_B, Net, SEC, concat, establish, pattern, readAll, writeAll } from './harness.ts';

const hasTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;
const KEY = 'bgp-secret';

function keyed(seed: number, a: string | undefined, b: string | undefined) {
  const net = new Net({
    seed,
    tcpA: { md5Key: a, timestamps: true },
    tcpB: { md5Key: b, timestamps: true },
  });
  return net;
}

/** RFC 2385 §2.0, written out independently from the wire bytes. */
function referenceDigest(wire: Uint8Array, key: string): Uint8Array {
  const ihl = (wire[0]! & 0x0f) * 4;
  const tcp = wire.subarray(ihl);
  const doff = (tcp[12]! >>> 4) * 4;
  const pseudo = [...wire.subarray(12, 20), 0, 6, (tcp.length >>> 8) & 255, tcp.length & 255];
  const header = [...tcp.subarray(0, 20)];
  header[16] = 0;
  header[17] = 0;
  return md5(Uint8Array.from([...pseudo, ...header, ...tcp.subarray(doff), ...md5KeyBytes(key)]));
}

describe('TCP-MD5', () => {
  it('signs every segment of a keyed connection and carries data both ways', () => {
    const net = keyed(1, KEY, KEY);
    const [client, server] = establish(net);
    const data = pattern(20_000, 1);
    const sink: Uint8Array[] = [];
    readAll(server, sink);
    writeAll(client, data);
    net.run(net.loop.now + 10 * SEC, () => concat(sink).length === data.length);
    expect(concat(sink)).toEqual(data);
    expect(net.segs.length).toBeGreaterThan(10);
    for (const { seg } of net.segs) {
      expect(seg.options.md5).toBeDefined();
      const wire = encodeSegment(seg);
      expect(referenceDigest(wire, KEY)).toEqual(seg.options.md5);
      expect(tcpMd5Verify(seg, md5KeyBytes(KEY))).toBe(true);
    }
    expect(net.eventsOf('md5-drop').length).toBe(0);
  });

  it('drops unsigned segments and segments signed with another key', () => {
    // An unkeyed listener answers unsigned: the keyed client drops its SYN|ACK.
    const unsigned = keyed(2, KEY, undefined);
    unsigned.b.listen(80, () => undefined);
    const c1 = unsigned.a.connect(undefined, ADDR_B, 80);
    unsigned.run(unsigned.loop.now + 5 * SEC);
    expect(c1.t_state).toBe('SYN_SENT');
    expect(unsigned.eventsOf('md5-drop', 'A')[0]?.fields.signed).toBe(false);
    // A listener with another key drops the client's signed SYN.
    const wrong = keyed(2, KEY, 'wrong');
    wrong.b.listen(80, () => undefined);
    const c2 = wrong.a.connect(undefined, ADDR_B, 80);
    wrong.run(wrong.loop.now + 5 * SEC);
    expect(c2.t_state).toBe('SYN_SENT');
    expect(wrong.segsFrom('B').length).toBe(0);
    expect(wrong.eventsOf('md5-drop', 'B')[0]?.fields.signed).toBe(true);
  });

  it('changes the digest when any byte of header, data or key changes', () => {
    const net = keyed(3, KEY, KEY);
    const [client] = establish(net);
    client.write(pattern(100, 3));
    net.run(net.loop.now + 1 * SEC);
    const seg = net.segsFrom('A').find((r) => r.seg.payload.length > 0)?.seg as Segment;
    const k = md5KeyBytes(KEY);
    expect(tcpMd5Verify(seg, k)).toBe(true);
    const flipped = seg.payload.slice();
    flipped[7] = (flipped[7] ?? 0) ^ 1;
    expect(tcpMd5Verify({ ...seg, payload: flipped }, k)).toBe(false);
    expect(tcpMd5Verify({ ...seg, seq: (seg.seq + 1) >>> 0 }, k)).toBe(false);
    expect(tcpMd5Verify(seg, md5KeyBytes('other'))).toBe(false);
    // Options are excluded (§2.0 step 2): another TSval alone keeps the digest.
    const ts = seg.options.ts ?? { val: 0, ecr: 0 };
    expect(
      tcpMd5Digest({ ...seg, options: { ...seg.options, ts: { ...ts, val: ts.val + 1 } } }, k),
    ).toEqual(seg.options.md5);
  });

  it('lays the option out as FreeBSD does: nop,nop,md5 on an ACK; after TS in a SYN', () => {
    const net = new Net({
      seed: 4,
      tcpA: { md5Key: KEY, optionLayout: 'bsd', sack: true, timestamps: true, wscale: 6 },
      tcpB: { md5Key: KEY, timestamps: true },
    });
    establish(net);
    const syn = net.segsFrom('A')[0]?.seg as Segment;
    const b = encodeOptions(syn.options);
    // mss(4) nop ws(3) sackOK(2) TS(10) nop nop md5(18) = 40 bytes.
    expect([...b.subarray(0, 12)]).toEqual([2, 4, 5, 180, 1, 3, 3, 6, 4, 2, 8, 10]);
    expect([...b.subarray(20, 24)]).toEqual([1, 1, 19, 18]);
    expect(b.length).toBe(40);
    const ack = net.segsFrom('A')[1]?.seg as Segment;
    expect([...encodeOptions(ack.options).subarray(0, 4)]).toEqual([1, 1, 8, 10]);
  });

  it.skipIf(!hasTshark)('is decoded by tshark as a TCP MD5 signature option', () => {
    const net = keyed(5, KEY, KEY);
    const [client] = establish(net);
    client.write(pattern(3000, 5));
    net.run(net.loop.now + 2 * SEC);
    const w = new PcapWriter();
    for (const r of net.segs) w.add(r.t, encodeSegment(r.seg));
    const dir = mkdtempSync(join(tmpdir(), 'nsrsim-md5-'));
    try {
      const path = join(dir, 'md5.pcap');
      writePcapFile(path, w);
      const r = spawnSync(
        'tshark',
        [
          '-r',
          path,
          '-n',
          '-o',
          'tcp.check_checksum:TRUE',
          '-T',
          'fields',
          '-e',
          'tcp.checksum.status',
          '-e',
          'tcp.options.md5',
          '-e',
          'tcp.options.md5.digest',
          '-e',
          '_ws.malformed',
        ],
        { encoding: 'utf8' },
      );
      expect(r.status).toBe(0);
      const rows = r.stdout
        .trim()
        .split('\n')
        .map((l) => l.split('\t'));
      expect(rows.length).toBe(net.segs.length);
      rows.forEach((c, i) => {
        expect(c[0]).toMatch(/^(1|Good)$/); // checksum good
        expect(c[1]).not.toBe(''); // the option is there
        const digest = Buffer.from(net.segs[i]!.seg.options.md5 ?? []).toString('hex');
        expect(c[2]?.replace(/:/g, '')).toBe(digest);
        expect(c[3] ?? '').toBe('');
      });
      const verbose = spawnSync('tshark', ['-r', path, '-n', '-V', '-c', '1'], {
        encoding: 'utf8',
      });
      expect(verbose.stdout).toContain('TCP MD5 signature');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
