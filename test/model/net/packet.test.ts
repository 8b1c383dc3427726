// Proves that model/packet.ts encodes Segments into valid IPv4+TCP bytes (known answers and an independent reference builder agree), decodes them back losslessly, and rejects or survives every malformed input without throwing.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import type { Segment, TcpOptions } from '../../../model/net/segment.ts';
import { TH_ACK, TH_FIN, TH_PUSH, TH_SYN } from '../../../model/net/segment.ts';
import {
  decodeSegment,
  encodeSegment,
  ipChecksum,
  tcpChecksum,
  verifyChecksums,
} from '../../../model/net/packet.ts';

// ---------------------------------------------------------------------------------------
// Independent, deliberately naive reference implementation (no shared code with the codec).

/** RFC 1071 checksum of a list of bytes (odd length padded with a zero byte). */
function refChecksum(data: number[]): number {
  const b = data.length % 2 === 0 ? data : [...data, 0];
  let sum = 0;
  for (let i = 0; i < b.length; i += 2) {
    sum += b[i]! * 256 + b[i + 1]!;
    sum = (sum % 65536) + Math.floor(sum / 65536);
  }
  return 0xffff - sum;
}

const be16 = (x: number): number[] => [(x >> 8) & 255, x & 255];
const be32 = (x: number): number[] => [
  Math.floor(x / 2 ** 24) % 256,
  (x >>> 16) & 255,
  (x >>> 8) & 255,
  x & 255,
];

interface RawSpec {
  ipOptions?: number[];
  tcpOptions?: number[];
  payload?: number[];
  flags?: number;
  ack?: number;
  protocol?: number;
}

/** Builds an IPv4+TCP packet byte by byte with correct checksums, from raw option bytes. */
function refBuild(spec: RawSpec): Uint8Array {
  const ipOpts = spec.ipOptions ?? [];
  const tcpOpts = spec.tcpOptions ?? [];
  const payload = spec.payload ?? [];
  const src = 0xc0a80001; // 192.168.0.1
  const dst = 0xc0a80002; // 192.168.0.2
  const tcp = [
    ...be16(1234),
    ...be16(179),
    ...be32(1000),
    ...be32(spec.ack ?? 2000),
    ((20 + tcpOpts.length) / 4) << 4,
    spec.flags ?? TH_ACK,
    ...be16(8192),
    0,
    0,
    ...be16(0),
    ...tcpOpts,
    ...payload,
  ];
  const pseudo = [...be32(src), ...be32(dst), 0, 6, ...be16(tcp.length)];
  const tc = refChecksum([...pseudo, ...tcp]);
  tcp[16] = tc >> 8;
  tcp[17] = tc & 255;
  const ihl = 5 + ipOpts.length / 4;
  const ip = [
    0x40 | ihl,
    0,
    ...be16(ihl * 4 + tcp.length),
    ...be16(77),
    0x40,
    0,
    64,
    spec.protocol ?? 6,
    0,
    0,
    ...be32(src),
    ...be32(dst),
    ...ipOpts,
  ];
  const ic = refChecksum(ip);
  ip[10] = ic >> 8;
  ip[11] = ic & 255;
  return Uint8Array.from([...ip, ...tcp]);
}

/** Recomputes both checksums in place (reference implementation), trusting IHL and total length as found. */
function refRepair(b: Uint8Array): void {
  if (b.length < 20) return;
  const ihl = (b[0]! & 15) * 4;
  if (ihl >= 20 && ihl <= b.length) {
    b[10] = 0;
    b[11] = 0;
    const c = refChecksum(Array.from(b.subarray(0, ihl)));
    b[10] = c >> 8;
    b[11] = c & 255;
  }
  if (ihl >= 20 && ihl + 20 <= b.length) {
    b[ihl + 16] = 0;
    b[ihl + 17] = 0;
    const tcp = Array.from(b.subarray(ihl));
    const pseudo = [...Array.from(b.subarray(12, 20)), 0, 6, ...be16(tcp.length)];
    const c = refChecksum([...pseudo, ...tcp]);
    b[ihl + 16] = c >> 8;
    b[ihl + 17] = c & 255;
  }
}

// ---------------------------------------------------------------------------------------
// Arbitraries.

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u16 = fc.integer({ min: 0, max: 0xffff });

const optionsArb = fc.record(
  {
    mss: fc.integer({ min: 1, max: 65535 }),
    wscale: fc.integer({ min: 0, max: 14 }),
    ts: fc.record({ val: u32, ecr: u32 }),
  },
  { requiredKeys: [] },
);

const segmentArb: fc.Arbitrary<Segment> = fc
  .record({
    src: u32,
    dst: u32,
    sport: u16,
    dport: u16,
    seq: u32,
    ack: u32,
    flags: fc.integer({ min: 0, max: 0x3f }), // every combination of the six TH_* bits
    wnd: u16,
    urp: u16,
    options: optionsArb,
    payload: fc.uint8Array({ maxLength: 1460 }),
    ipId: u16,
    ttl: fc.integer({ min: 1, max: 255 }),
  })
  .map((s) => {
    // fast-check may build null-prototype records; rebuild them as plain objects so that
    // toStrictEqual compares only contents against the decoder's plain objects.
    const options: TcpOptions = { ...s.options };
    if (s.options.ts !== undefined) options.ts = { ...s.options.ts };
    return { ...s, options };
  });

/** A fixed SYN: 10.0.0.1:49152 -> 10.0.0.2:179, all three options. */
const SYN: Segment = {
  src: 0x0a000001,
  dst: 0x0a000002,
  sport: 49152,
  dport: 179,
  seq: 0x01020304,
  ack: 0,
  flags: TH_SYN,
  wnd: 65535,
  urp: 0,
  options: { mss: 1460, ts: { val: 1, ecr: 0 }, wscale: 7 },
  payload: new Uint8Array(0),
  ipId: 1,
  ttl: 64,
};

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function expectError(bytes: Uint8Array, pattern: RegExp): void {
  const r = decodeSegment(bytes);
  expect(r.ok).toBe(false);
  if (!r.ok) expect(r.error).toMatch(pattern);
}

// ---------------------------------------------------------------------------------------

describe('encodeSegment known answers', () => {
  it('encodes the fixed SYN to hand-computed bytes and checksums', () => {
    // IPv4 header words: 4500 003c 0001 4000 4006 [cksum] 0a00 0001 0a00 0002
    //   (total length 60 = 20 IP + 20 TCP + 20 options; DF = 0x4000; TTL 64, proto 6)
    //   sum = 4500+003c+0001+4000+4006+0a00+0001+0a00+0002 = 0xd946, ~0xd946 = 0x26b9.
    // TCP pseudo-header: 0a00 0001 0a00 0002 0006 0028 -> sum 0x1431.
    // TCP header + options words:
    //   c000 00b3 0102 0304 0000 0000 a002 ffff [cksum] 0000
    //   0204 05b4 | 0101 080a 0000 0001 0000 0000 | 0103 0307
    //   sum = 0x27988; with the pseudo-header 0x28db9 -> fold 0x8db9 + 2 = 0x8dbb,
    //   ~0x8dbb = 0x7244.
    const b = encodeSegment(SYN);
    expect(b.length).toBe(60);
    expect(hex(b.subarray(0, 20))).toBe(
      '4500003c0001400040' + '06' + '26b9' + '0a000001' + '0a000002',
    );
    expect((b[10]! << 8) | b[11]!).toBe(0x26b9);
    expect((b[36]! << 8) | b[37]!).toBe(0x7244);
    expect(hex(b.subarray(20))).toBe(
      'c00000b3' +
        '01020304' +
        '00000000' +
        'a002' +
        'ffff' +
        '7244' +
        '0000' +
        '020405b4' +
        '0101080a0000000100000000' +
        '01030307',
    );
    // And the independent reference checksum agrees on both.
    const ipHdr = Array.from(b.subarray(0, 20));
    ipHdr[10] = 0;
    ipHdr[11] = 0;
    expect(refChecksum(ipHdr)).toBe(0x26b9);
    expect(ipChecksum(b, 0, 20)).toBe(0);
    expect(tcpChecksum(b, 20, 60, SYN.src, SYN.dst)).toBe(0);
  });

  it('agrees byte for byte with the independent reference builder', () => {
    const payload = [104, 101, 108, 108, 111]; // odd length exercises the zero pad
    const ref = refBuild({
      tcpOptions: [1, 1, 8, 10, ...be32(0xdeadbeef), ...be32(42)],
      payload,
      flags: TH_ACK | TH_PUSH,
    });
    const seg: Segment = {
      src: 0xc0a80001,
      dst: 0xc0a80002,
      sport: 1234,
      dport: 179,
      seq: 1000,
      ack: 2000,
      flags: TH_ACK | TH_PUSH,
      wnd: 8192,
      urp: 0,
      options: { ts: { val: 0xdeadbeef, ecr: 42 } },
      payload: Uint8Array.from(payload),
      ipId: 77,
      ttl: 64,
    };
    expect(hex(encodeSegment(seg))).toBe(hex(ref));
  });

  it('lays options out as Linux does and only those present', () => {
    const doff = (b: Uint8Array): number => b[32]! >> 4;
    const opts = (b: Uint8Array): string => hex(b.subarray(40, 20 + doff(b) * 4));
    const none = encodeSegment({ ...SYN, options: {} });
    expect(doff(none)).toBe(5);
    expect(none.length).toBe(40);
    expect(opts(encodeSegment({ ...SYN, options: { mss: 536 } }))).toBe('02040218');
    expect(opts(encodeSegment({ ...SYN, options: { wscale: 14 } }))).toBe('0103030e');
    expect(opts(encodeSegment({ ...SYN, options: { ts: { val: 0xffffffff, ecr: 1 } } }))).toBe(
      '0101080affffffff00000001',
    );
    expect(opts(encodeSegment({ ...SYN, options: { mss: 1460, wscale: 2 } }))).toBe(
      '020405b4' + '01030302',
    );
    expect(doff(encodeSegment(SYN))).toBe(10);
  });

  it('writes the ACK field as-is even when TH_ACK is clear', () => {
    const b = encodeSegment({ ...SYN, ack: 0xdeadbeef });
    expect(hex(b.subarray(28, 32))).toBe('deadbeef');
    const r = decodeSegment(b);
    expect(r.ok && r.segment.ack).toBe(0xdeadbeef);
  });

  it('throws RangeError naming the field for values that do not fit', () => {
    expect(() => encodeSegment({ ...SYN, sport: 65536 })).toThrow(/sport/);
    expect(() => encodeSegment({ ...SYN, seq: -1 })).toThrow(RangeError);
    expect(() => encodeSegment({ ...SYN, options: { mss: 70000 } })).toThrow(/options\.mss/);
    expect(() => encodeSegment({ ...SYN, ttl: 1.5 })).toThrow(/ttl/);
    expect(() => encodeSegment({ ...SYN, payload: new Uint8Array(65535 - 60 + 1) })).toThrow(
      /total length/,
    );
    expect(encodeSegment({ ...SYN, payload: new Uint8Array(65535 - 60) }).length).toBe(65535);
  });
});

describe('round trip and checksums (property-based)', () => {
  it('decode(encode(seg)) deep-equals seg and both checksums verify', () => {
    fc.assert(
      fc.property(segmentArb, (seg) => {
        const b = encodeSegment(seg);
        expect(verifyChecksums(b)).toEqual({ ip: true, tcp: true });
        const r = decodeSegment(b);
        expect(r).toStrictEqual({ ok: true, segment: seg });
      }),
      { numRuns: 500 },
    );
  });

  it('flipping any single bit yields ok:false or a different segment, never a throw', () => {
    fc.assert(
      fc.property(segmentArb, fc.nat(), (seg, k) => {
        const b = encodeSegment(seg);
        const bit = k % (b.length * 8);
        b[bit >> 3]! ^= 1 << (bit & 7);
        let r: ReturnType<typeof decodeSegment> | undefined;
        expect(() => {
          r = decodeSegment(b);
        }).not.toThrow();
        expect(r!.ok === false || !isDeepStrictEqual(r!.segment, seg)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('every single-bit flip of a fixed data packet is caught (ones-complement sums detect all single-bit errors)', () => {
    const seg: Segment = {
      ...SYN,
      flags: TH_ACK | TH_PUSH | TH_FIN,
      options: { ts: { val: 5, ecr: 6 } },
      payload: Uint8Array.from([1, 2, 3, 4, 5, 6, 7]),
    };
    const good = encodeSegment(seg);
    for (let bit = 0; bit < good.length * 8; bit++) {
      const b = good.slice();
      b[bit >> 3]! ^= 1 << (bit & 7);
      const r = decodeSegment(b);
      expect(r.ok, `bit ${bit}`).toBe(false);
    }
  });

  it('decoding random bytes never throws', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        const r = decodeSegment(b);
        expect(typeof r.ok).toBe('boolean');
        if (!r.ok) expect(r.error.length).toBeGreaterThan(0);
      }),
      { numRuns: 2000 },
    );
  });

  it('decoding corrupted packets with repaired checksums never throws, and what decodes re-encodes to the same segment', () => {
    // Repairing the checksums gets the corruption past them, into the IHL, length, data
    // offset and option parsers.
    const corruption = fc.array(
      fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
      { minLength: 1, maxLength: 4 },
    );
    fc.assert(
      fc.property(segmentArb, corruption, fc.boolean(), (seg, edits, fixLength) => {
        const b = encodeSegment({ ...seg, payload: seg.payload.subarray(0, 40) });
        for (const { at, value } of edits) b[at % b.length] = value;
        if (fixLength) {
          b[2] = b.length >> 8;
          b[3] = b.length & 255;
        }
        refRepair(b);
        let r: ReturnType<typeof decodeSegment> | undefined;
        expect(() => {
          r = decodeSegment(b);
        }).not.toThrow();
        if (r!.ok) {
          expect(decodeSegment(encodeSegment(r!.segment))).toStrictEqual(r);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('decodeSegment errors name the field', () => {
  const good = (): Uint8Array => encodeSegment({ ...SYN, payload: Uint8Array.from([9, 9, 9]) });
  const withRepair = (mutate: (b: Uint8Array) => void): Uint8Array => {
    const b = good();
    mutate(b);
    refRepair(b);
    return b;
  };

  it('truncated input', () => {
    expectError(new Uint8Array(0), /truncated.*20-byte IPv4 header/);
    expectError(good().subarray(0, 19), /truncated/);
    expectError(good().subarray(0, 50), /total length/);
    expectError(refBuild({}).subarray(0, 20), /total length/);
  });

  it('wrong IP version, bad IHL', () => {
    expectError(
      withRepair((b) => (b[0] = 0x65)),
      /IP version: 6/,
    );
    expectError(
      withRepair((b) => (b[0] = 0x44)),
      /IHL.*4/,
    );
    expectError(
      withRepair((b) => (b[0] = 0x4f)),
      /truncated: 3 bytes of TCP/,
    ); // 60 of the 63 bytes are IP header
    const short = good().subarray(0, 24);
    short[0] = 0x47; // 28-byte header in 24 bytes
    expectError(short, /IHL/);
  });

  it('total length mismatch in either direction', () => {
    const longer = new Uint8Array(good().length + 1);
    longer.set(good());
    expectError(longer, /IP total length: field says 63, packet has 64/);
    expectError(
      withRepair((b) => (b[3] = b[3]! + 1)),
      /IP total length/,
    );
    expectError(
      withRepair((b) => (b[3] = b[3]! - 1)),
      /IP total length/,
    );
  });

  it('bad IP and TCP checksums', () => {
    expectError(
      withRepair(() => undefined).map((x, i) => (i === 10 ? x ^ 0x80 : x)),
      /IP header checksum/,
    );
    expectError(
      good().map((x, i) => (i === 8 ? x - 1 : x)),
      /IP header checksum/,
    ); // TTL changed
    expectError(
      good().map((x, i) => (i === 60 ? x ^ 1 : x)),
      /TCP checksum/,
    ); // payload byte
    expectError(
      good().map((x, i) => (i === 37 ? x ^ 1 : x)),
      /TCP checksum/,
    ); // checksum field itself
  });

  it('fragments and non-TCP protocols', () => {
    expectError(
      withRepair((b) => (b[6] = 0x60)),
      /fragment/,
    ); // DF|MF
    expectError(
      withRepair((b) => (b[7] = 1)),
      /fragment/,
    ); // offset 8
    expectError(refBuild({ protocol: 17 }), /IP protocol: 17/);
  });

  it('bad TCP data offset', () => {
    expectError(
      withRepair((b) => (b[32] = 0x40)),
      /TCP data offset: 4/,
    );
    expectError(
      withRepair((b) => (b[32] = 0xf0)),
      /TCP data offset: 60 bytes exceeds/,
    );
    const tiny = Uint8Array.from([
      0x45, 0, 0, 30, 0, 0, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0,
      0, 0,
    ]);
    refRepair(tiny);
    expectError(tiny, /truncated: 10 bytes of TCP/);
  });

  it('bad option lengths', () => {
    expectError(refBuild({ tcpOptions: [2, 3, 5, 0] }), /MSS: length 3/);
    expectError(refBuild({ tcpOptions: [1, 3, 2, 7] }), /window scale: length 2/);
    expectError(refBuild({ tcpOptions: [8, 8, 0, 0, 0, 1, 0, 0] }), /timestamps: length 8/);
    expectError(refBuild({ tcpOptions: [30, 0, 0, 0] }), /kind 30.*length 0 is less than 2/);
    expectError(refBuild({ tcpOptions: [30, 1, 0, 0] }), /kind 30.*length 1/);
    expectError(refBuild({ tcpOptions: [1, 1, 1, 30] }), /kind 30.*length byte missing/);
    expectError(refBuild({ tcpOptions: [1, 1, 30, 3] }), /kind 30.*runs past/);
    expectError(refBuild({ tcpOptions: [2, 4, 5, 0xb4, 8, 10, 0, 0] }), /runs past/);
  });
});

describe('decodeSegment tolerance', () => {
  it('decodes SACK-permitted and SACK and skips unknown TCP options by their length', () => {
    const r = decodeSegment(
      refBuild({
        tcpOptions: [
          2,
          4,
          0x05,
          0xb4,
          4,
          2,
          1,
          1,
          5,
          10,
          ...be32(1),
          ...be32(2),
          254,
          4,
          0,
          0,
          1,
          3,
          3,
          9,
          0,
          0,
        ],
      }),
    );
    expect(r.ok).toBe(true);
    if (r.ok)
      expect(r.segment.options).toStrictEqual({
        mss: 1460,
        sackOk: true,
        sack: [{ left: 1, right: 2 }],
        wscale: 9,
      });
  });

  it('stops parsing options at EOL', () => {
    const r = decodeSegment(refBuild({ tcpOptions: [1, 0, 2, 4, 5, 0xb4, 0, 0] }));
    expect(r.ok && r.segment.options).toStrictEqual({});
  });

  it('skips IPv4 options (IHL > 5)', () => {
    const payload = [1, 2, 3];
    const r = decodeSegment(
      refBuild({ ipOptions: [1, 1, 1, 0, 7, 3, 4, 0], payload, tcpOptions: [1, 3, 3, 2] }),
    );
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.segment).toStrictEqual({
        src: 0xc0a80001,
        dst: 0xc0a80002,
        sport: 1234,
        dport: 179,
        seq: 1000,
        ack: 2000,
        flags: TH_ACK,
        wnd: 8192,
        urp: 0,
        options: { wscale: 2 },
        payload: Uint8Array.from(payload),
        ipId: 77,
        ttl: 64,
      });
    }
  });

  it('decodes from a view into a larger buffer and copies the payload', () => {
    const pkt = encodeSegment({ ...SYN, flags: TH_ACK, payload: Uint8Array.from([7, 8, 9]) });
    const big = new Uint8Array(pkt.length + 10);
    big.set(pkt, 5);
    const view = big.subarray(5, 5 + pkt.length);
    expect(verifyChecksums(view)).toEqual({ ip: true, tcp: true });
    const r = decodeSegment(view);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(Array.from(r.segment.payload)).toEqual([7, 8, 9]);
      big[5 + pkt.length - 1] = 0;
      expect(r.segment.payload[2]).toBe(9);
    }
  });
});

describe('verifyChecksums', () => {
  it('reports the IP and TCP checksums separately', () => {
    const b = encodeSegment(SYN);
    const ttl = b.slice();
    ttl[8] = 63; // in the IP header, not in the TCP pseudo-header
    expect(verifyChecksums(ttl)).toEqual({ ip: false, tcp: true });
    const seq = b.slice();
    seq[27]! ^= 1;
    expect(verifyChecksums(seq)).toEqual({ ip: true, tcp: false });
    const addr = b.slice();
    addr[19]! ^= 1; // dst: in both
    expect(verifyChecksums(addr)).toEqual({ ip: false, tcp: false });
  });

  it('never throws on garbage', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
        const r = verifyChecksums(b);
        expect(typeof r.ip).toBe('boolean');
        expect(typeof r.tcp).toBe('boolean');
      }),
    );
  });
});
