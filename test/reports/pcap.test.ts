// Proves that reports/pcap.ts writes classic libpcap files byte-exact to the format (header, microsecond timestamps, records), reads them back, rejects truncated or foreign files without throwing, and (when tshark is installed) that Wireshark decodes our packets with good checksums.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Segment } from '../../model/net/segment.ts';
import { TH_ACK, TH_FIN, TH_PUSH, TH_SYN } from '../../model/net/segment.ts';
import { encodeSegment } from '../../model/net/packet.ts';
import { PcapWriter, readPcap, writePcapFile } from '../../reports/pcap.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

const hasTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;

function withTmpDir<T>(f: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'nsrsim-pcap-'));
  try {
    return f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('PcapWriter', () => {
  it('writes the global header exactly (little-endian, v2.4, snaplen 65535, LINKTYPE_RAW)', () => {
    const w = new PcapWriter();
    expect(w.count).toBe(0);
    expect(hex(w.toBytes())).toBe(
      'd4c3b2a1' + // magic 0xa1b2c3d4, little-endian
        '0200' +
        '0400' + // version 2.4
        '00000000' + // thiszone
        '00000000' + // sigfigs
        'ffff0000' + // snaplen 65535
        '65000000', // network 101 = LINKTYPE_RAW
    );
  });

  it('writes record headers with ts_sec, ts_usec, incl_len, orig_len', () => {
    const w = new PcapWriter();
    w.add(1_500_000_123_456, Uint8Array.from([0xaa, 0xbb, 0xcc]));
    expect(w.count).toBe(1);
    const b = w.toBytes();
    expect(b.length).toBe(24 + 16 + 3);
    expect(hex(b.subarray(24))).toBe(
      'dc050000' + // ts_sec 1500
        '7b000000' + // ts_usec 123 (123456 ns truncated)
        '03000000' + // incl_len
        '03000000' + // orig_len
        'aabbcc',
    );
  });

  it('converts nanoseconds to seconds + truncated microseconds', () => {
    const cases: Array<[number, number, number]> = [
      [0, 0, 0],
      [999, 0, 0],
      [1000, 0, 1],
      [999_999_999, 0, 999_999],
      [1_000_000_000, 1, 0],
      [3_000_000_999, 3, 0],
      [86_400_000_001_000, 86_400, 1],
    ];
    const w = new PcapWriter();
    for (const [ns] of cases) w.add(ns, new Uint8Array(1));
    const v = new DataView(w.toBytes().buffer);
    cases.forEach(([, sec, usec], i) => {
      const at = 24 + i * 17;
      expect([v.getUint32(at, true), v.getUint32(at + 4, true)]).toEqual([sec, usec]);
    });
  });

  it('rejects times that are negative, fractional or unsafe', () => {
    const w = new PcapWriter();
    expect(() => w.add(-1, new Uint8Array(1))).toThrow(RangeError);
    expect(() => w.add(1.5, new Uint8Array(1))).toThrow(RangeError);
    expect(() => w.add(2 ** 53, new Uint8Array(1))).toThrow(RangeError);
    expect(w.count).toBe(0);
  });

  it('copies packets at add time and keeps accumulating after toBytes', () => {
    const w = new PcapWriter();
    const p = Uint8Array.from([1, 2, 3]);
    w.add(0, p);
    p[0] = 9;
    const first = w.toBytes();
    w.add(1000, p);
    const r = readPcap(w.toBytes());
    expect(r.ok && r.records.map((x) => Array.from(x.packet))).toEqual([
      [1, 2, 3],
      [9, 2, 3],
    ]);
    expect(readPcap(first).ok && first.length).toBe(24 + 16 + 3);
  });

  it('truncates packets beyond the snaplen and keeps orig_len', () => {
    const w = new PcapWriter();
    w.add(0, new Uint8Array(70000).fill(7));
    const b = w.toBytes();
    const v = new DataView(b.buffer);
    expect([v.getUint32(32, true), v.getUint32(36, true)]).toEqual([65535, 70000]);
    expect(b.length).toBe(24 + 16 + 65535);
  });
});

describe('readPcap', () => {
  it('reads back what was written (property)', () => {
    // Seconds up to 9e6 keep the nanosecond count below 2^53.
    const rec = fc.record({
      timeNs: fc
        .integer({ min: 0, max: 9_000_000 })
        .chain((s) => fc.integer({ min: 0, max: 999_999 }).map((us) => s * 1e9 + us * 1000)),
      packet: fc.uint8Array({ maxLength: 300 }),
    });
    fc.assert(
      fc.property(fc.array(rec, { maxLength: 30 }), (recs) => {
        const w = new PcapWriter();
        for (const r of recs) w.add(r.timeNs, r.packet);
        expect(w.count).toBe(recs.length);
        const got = readPcap(w.toBytes());
        expect(got.ok).toBe(true);
        if (!got.ok) return;
        expect(got.linkType).toBe(101);
        expect(got.snaplen).toBe(65535);
        expect(got.records.map((r) => r.timeNs)).toEqual(recs.map((r) => r.timeNs));
        expect(got.records.map((r) => hex(r.packet))).toEqual(recs.map((r) => hex(r.packet)));
      }),
      { numRuns: 200 },
    );
  });

  it('reads sub-microsecond times as truncated', () => {
    const w = new PcapWriter();
    w.add(1_234_567_891, new Uint8Array(0));
    const r = readPcap(w.toBytes());
    expect(r.ok && r.records[0]?.timeNs).toBe(1_234_567_000);
  });

  it('returns ok:false for every truncation that is not at a record boundary', () => {
    const w = new PcapWriter();
    w.add(1000, new Uint8Array(5).fill(1));
    w.add(2000, new Uint8Array(9).fill(2));
    const b = w.toBytes();
    const boundaries = new Map([
      [24, 0],
      [24 + 16 + 5, 1],
      [b.length, 2],
    ]);
    for (let cut = 0; cut <= b.length; cut++) {
      const r = readPcap(b.subarray(0, cut));
      const expected = boundaries.get(cut);
      if (expected === undefined) {
        expect(r.ok, `cut at ${cut}`).toBe(false);
        if (!r.ok) expect(r.error).toMatch(/truncated/);
      } else {
        expect(r.ok && r.records.length, `cut at ${cut}`).toBe(expected);
      }
    }
  });

  it('rejects foreign or inconsistent files', () => {
    const pcapng = Uint8Array.from([0x0a, 0x0d, 0x0d, 0x0a, ...new Array<number>(24).fill(0)]);
    const r1 = readPcap(pcapng);
    expect(r1.ok).toBe(false);
    if (!r1.ok) expect(r1.error).toMatch(/magic/);

    const w = new PcapWriter();
    w.add(0, Uint8Array.from([1, 2]));
    const badVersion = w.toBytes();
    badVersion[4] = 3;
    expect(readPcap(badVersion).ok).toBe(false);

    const badUsec = w.toBytes();
    new DataView(badUsec.buffer).setUint32(28, 1_000_000, true);
    expect(readPcap(badUsec)).toMatchObject({ ok: false, error: expect.stringMatching(/ts_usec/) });

    const inclOverOrig = w.toBytes();
    new DataView(inclOverOrig.buffer).setUint32(36, 1, true);
    expect(readPcap(inclOverOrig)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/incl_len/),
    });
  });

  it('reads big-endian and nanosecond-resolution files', () => {
    const b = new Uint8Array(24 + 16 + 2);
    const v = new DataView(b.buffer);
    v.setUint32(0, 0xa1b23c4d, false); // nanosecond magic, big-endian
    v.setUint16(4, 2, false);
    v.setUint16(6, 4, false);
    v.setUint32(16, 65535, false);
    v.setUint32(20, 101, false);
    v.setUint32(24, 7, false);
    v.setUint32(28, 123_456_789, false);
    v.setUint32(32, 2, false);
    v.setUint32(36, 2, false);
    b[40] = 0xde;
    b[41] = 0xad;
    const r = readPcap(b);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.records).toHaveLength(1);
      expect(r.records[0]!.timeNs).toBe(7_123_456_789);
      expect(hex(r.records[0]!.packet)).toBe('dead');
    }
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.boolean(), (tail, withHeader) => {
        const head = withHeader ? new PcapWriter().toBytes() : new Uint8Array(0);
        const b = new Uint8Array(head.length + tail.length);
        b.set(head);
        b.set(tail, head.length);
        const r = readPcap(b);
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 500 },
    );
  });
});

// A short BGP-port session: handshake with all options, data with odd and even payload
// lengths, FIN exchange.
function session(): Array<{ timeNs: number; seg: Segment }> {
  const a = 0x0a000001;
  const b = 0x0a000002;
  const base = { urp: 0, ttl: 64 };
  const payload = (n: number): Uint8Array =>
    Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 255);
  const isn1 = 0xfffffff0; // wraps during the session
  const isn2 = 0x12345678;
  return [
    {
      timeNs: 0,
      seg: {
        ...base,
        src: a,
        dst: b,
        sport: 49152,
        dport: 179,
        seq: isn1,
        ack: 0,
        flags: TH_SYN,
        wnd: 64240,
        options: { mss: 1460, ts: { val: 100, ecr: 0 }, wscale: 7 },
        payload: payload(0),
        ipId: 1,
      },
    },
    {
      timeNs: 50_000,
      seg: {
        ...base,
        src: b,
        dst: a,
        sport: 179,
        dport: 49152,
        seq: isn2,
        ack: isn1 + 1,
        flags: TH_SYN | TH_ACK,
        wnd: 65160,
        options: { mss: 1460, ts: { val: 900, ecr: 100 }, wscale: 9 },
        payload: payload(0),
        ipId: 0,
      },
    },
    {
      timeNs: 100_000,
      seg: {
        ...base,
        src: a,
        dst: b,
        sport: 49152,
        dport: 179,
        seq: isn1 + 1,
        ack: isn2 + 1,
        flags: TH_ACK,
        wnd: 502,
        options: { ts: { val: 101, ecr: 900 } },
        payload: payload(0),
        ipId: 2,
      },
    },
    {
      timeNs: 1_000_123,
      seg: {
        ...base,
        src: a,
        dst: b,
        sport: 49152,
        dport: 179,
        seq: isn1 + 1,
        ack: isn2 + 1,
        flags: TH_ACK | TH_PUSH,
        wnd: 502,
        options: { ts: { val: 102, ecr: 900 } },
        payload: payload(29),
        ipId: 3,
      },
    },
    {
      timeNs: 1_050_000,
      seg: {
        ...base,
        src: b,
        dst: a,
        sport: 179,
        dport: 49152,
        seq: isn2 + 1,
        ack: (isn1 + 30) >>> 0,
        flags: TH_ACK | TH_PUSH,
        wnd: 128,
        options: { ts: { val: 905, ecr: 102 } },
        payload: payload(1448),
        ipId: 1,
      },
    },
    {
      timeNs: 2_000_000_000,
      seg: {
        ...base,
        src: a,
        dst: b,
        sport: 49152,
        dport: 179,
        seq: (isn1 + 30) >>> 0,
        ack: isn2 + 1449,
        flags: TH_ACK | TH_FIN,
        wnd: 502,
        options: {},
        payload: payload(0),
        ipId: 4,
      },
    },
    {
      timeNs: 2_000_050_000,
      seg: {
        ...base,
        src: b,
        dst: a,
        sport: 179,
        dport: 49152,
        seq: isn2 + 1449,
        ack: (isn1 + 31) >>> 0,
        flags: TH_ACK | TH_FIN,
        wnd: 128,
        options: {},
        payload: payload(0),
        ipId: 2,
      },
    },
    {
      timeNs: 2_000_100_000,
      seg: {
        ...base,
        src: a,
        dst: b,
        sport: 49152,
        dport: 179,
        seq: (isn1 + 31) >>> 0,
        ack: isn2 + 1450,
        flags: TH_ACK,
        wnd: 502,
        options: {},
        payload: payload(0),
        ipId: 5,
      },
    },
  ];
}

function tshark(file: string, args: string[]): string[] {
  const out = execFileSync(
    'tshark',
    ['-r', file, '-o', 'tcp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE', ...args],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  return out.split('\n').filter((l) => l.length > 0);
}

const PROBLEMS =
  '_ws.malformed || _ws.expert.severity >= 8388608 || ip.checksum.status != 1 || tcp.checksum.status != 1';

describe('written files round-trip through the file system and tshark', () => {
  it('writePcapFile writes exactly toBytes()', () => {
    withTmpDir((dir) => {
      const w = new PcapWriter();
      for (const { timeNs, seg } of session()) w.add(timeNs, encodeSegment(seg));
      const file = join(dir, 'session.pcap');
      writePcapFile(file, w);
      expect(hex(readFileSync(file))).toBe(hex(w.toBytes()));
      const r = readPcap(readFileSync(file));
      expect(r.ok && r.records.length).toBe(8);
    });
  });

  it.skipIf(!hasTshark)(
    'tshark decodes every packet with good IP and TCP checksums and nothing malformed',
    () => {
      withTmpDir((dir) => {
        const segs = session();
        const w = new PcapWriter();
        for (const { timeNs, seg } of segs) w.add(timeNs, encodeSegment(seg));
        const file = join(dir, 'session.pcap');
        writePcapFile(file, w);

        expect(tshark(file, ['-Y', PROBLEMS, '-T', 'fields', '-e', 'frame.number'])).toEqual([]);
        expect(
          tshark(file, [
            '-Y',
            'ip.checksum.status == 1 && tcp.checksum.status == 1',
            '-T',
            'fields',
            '-e',
            'frame.number',
          ]),
        ).toHaveLength(segs.length);

        // Field by field, tshark sees what we encoded.
        const fields = [
          'frame.time_epoch',
          'ip.src',
          'ip.id',
          'ip.ttl',
          'ip.flags.df',
          'tcp.srcport',
          'tcp.dstport',
          'tcp.seq_raw',
          'tcp.ack_raw',
          'tcp.flags',
          'tcp.window_size_value',
          'tcp.len',
          'tcp.options.mss_val',
          'tcp.options.wscale.shift',
          'tcp.options.timestamp.tsval',
          'tcp.options.timestamp.tsecr',
        ];
        const rows = tshark(file, [
          '-T',
          'fields',
          '-E',
          'separator=|',
          ...fields.flatMap((f) => ['-e', f]),
        ]).map((l) => l.split('|'));
        expect(rows).toHaveLength(segs.length);
        rows.forEach((row, i) => {
          const { timeNs, seg } = segs[i]!;
          const o = seg.options;
          const ip = `${seg.src >>> 24}.${(seg.src >>> 16) & 255}.${(seg.src >>> 8) & 255}.${seg.src & 255}`;
          expect(row).toEqual([
            (Math.floor(timeNs / 1000) / 1e6).toFixed(9),
            ip,
            `0x${seg.ipId.toString(16).padStart(4, '0')}`,
            String(seg.ttl),
            expect.stringMatching(/^(1|True)$/),
            String(seg.sport),
            String(seg.dport),
            String(seg.seq >>> 0),
            // tshark leaves the raw ack empty when the ACK flag is clear
            (seg.flags & TH_ACK) !== 0 ? String(seg.ack >>> 0) : expect.any(String),
            `0x${seg.flags.toString(16).padStart(4, '0')}`,
            String(seg.wnd),
            String(seg.payload.length),
            o.mss !== undefined ? String(o.mss) : '',
            o.wscale !== undefined ? String(o.wscale) : '',
            o.ts !== undefined ? String(o.ts.val) : '',
            o.ts !== undefined ? String(o.ts.ecr) : '',
          ]);
        });
      });
    },
  );

  it.skipIf(!hasTshark)('the tshark check is live: a corrupted checksum is reported', () => {
    withTmpDir((dir) => {
      const w = new PcapWriter();
      const segs = session();
      segs.forEach(({ timeNs, seg }, i) => {
        const b = encodeSegment(seg);
        if (i === 3) b[b.length - 1]! ^= 0x40; // a payload byte: TCP checksum now wrong
        if (i === 5) b[8]! ^= 1; // the TTL: IP checksum now wrong
        w.add(timeNs, b);
      });
      const file = join(dir, 'bad.pcap');
      writePcapFile(file, w);
      expect(tshark(file, ['-Y', PROBLEMS, '-T', 'fields', '-e', 'frame.number'])).toEqual([
        '4',
        '6',
      ]);
    });
  });
});
