// Proves that the MSDP codec follows RFC 3618 §12 byte for byte (SA and KeepAlive layouts, 3-byte header counted in Length, 255 entries and 9,192 bytes at most), that any message sequence survives encode → arbitrary chunking → decode, that every TLV format error is reported once with its field and offset and stops the decoder, that over-long TLVs, unknown types and bad Sprefix Len are handled as §12/§13 say without a reset, and that the decoder never throws on arbitrary bytes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  KEEPALIVE_BYTES,
  MsdpDecoder,
  SA_ENTRIES_MAX,
  TLV_BYTES_MAX,
  TLV_TYPE,
  decodeAll,
  encodeKeepAlive,
  encodeRawTlv,
  encodeSa,
  encodeTlv,
  packSa,
  saBytes,
  type DecodeEvent,
  type MsdpMessage,
  type SaPair,
} from '../../../../model/app/msdp/index.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const addr = fc.integer({ min: 0, max: 0xffffffff });
const pair = fc.record({ group: addr, source: addr });

type Msg =
  | { t: 'sa'; rp: number; entries: SaPair[] }
  | { t: 'ka' }
  | { t: 'other'; code: number; value: Uint8Array };

const msgArb: fc.Arbitrary<Msg> = fc.oneof(
  fc.record({
    t: fc.constant('sa' as const),
    rp: addr,
    entries: fc.array(pair, { maxLength: 40 }),
  }),
  fc.constant({ t: 'ka' as const }),
  fc.record({
    t: fc.constant('other' as const),
    code: fc.constantFrom(0, 2, 3, 5, 6, 7, 8, 200, 255),
    value: fc.uint8Array({ maxLength: 64 }),
  }),
);

function encode(m: Msg): Uint8Array {
  if (m.t === 'sa') return encodeSa(m.rp, m.entries);
  if (m.t === 'ka') return encodeKeepAlive();
  return encodeTlv(m.code, m.value);
}

function same(m: Msg, got: MsdpMessage): boolean {
  if (m.t === 'ka') return got.type === 'keepalive' && !got.overlong;
  if (m.t === 'other')
    return got.type === 'other' && got.code === m.code && got.length === 3 + m.value.length;
  return (
    got.type === 'sa' &&
    got.rp === m.rp &&
    got.entryCount === m.entries.length &&
    got.trailingBytes === 0 &&
    got.dropped.length === 0 &&
    JSON.stringify(got.entries) === JSON.stringify(m.entries)
  );
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Feeds `bytes` cut at `cuts` (sorted positions) and collects the events. */
function feed(
  bytes: Uint8Array,
  cuts: readonly number[],
): { events: DecodeEvent[]; d: MsdpDecoder } {
  const d = new MsdpDecoder();
  const events: DecodeEvent[] = [];
  let at = 0;
  for (const c of [...cuts, bytes.length]) {
    events.push(...d.push(bytes.subarray(at, c)));
    at = c;
  }
  return { events, d };
}

const cutsArb = (n: number): fc.Arbitrary<number[]> =>
  fc
    .uniqueArray(fc.integer({ min: 0, max: n }), { maxLength: 30 })
    .map((a) => a.sort((x, y) => x - y));

describe('encoding: the RFC 3618 §12 layouts', () => {
  it('KeepAlive is type 4, length 3 (§12.2.2)', () => {
    expect(hex(encodeKeepAlive())).toBe('040003');
    expect(KEEPALIVE_BYTES).toBe(3);
  });

  it('SA: type 1, length 8 + 12n, count, RP, then reserved(3)=0 / sprefix 32 / group / source (§12.2.1)', () => {
    const b = encodeSa(0x0a000001, [
      { group: 0xe0010203, source: 0xc0a80001 },
      { group: 0xe0010204, source: 0xc0a80002 },
    ]);
    expect(hex(b)).toBe(
      '01' +
        '0020' +
        '02' +
        '0a000001' +
        '00000020' +
        'e0010203' +
        'c0a80001' +
        '00000020' +
        'e0010204' +
        'c0a80002',
    );
    expect(b.length).toBe(saBytes(2));
  });

  it('SA encapsulated data follows the last entry and counts in Length', () => {
    const b = encodeSa(1, [{ group: 2, source: 3 }], Uint8Array.of(0x45, 0, 0, 20));
    expect(b.length).toBe(24);
    expect((b[1]! << 8) | b[2]!).toBe(24);
    const [ev] = decodeAll(b);
    expect(ev?.kind === 'message' && ev.message.type === 'sa' && ev.message.trailingBytes).toBe(4);
  });

  it('refuses what the wire cannot carry: 256 entries, more than 9,192 bytes, a non-address', () => {
    const e = { group: 1, source: 2 };
    expect(() =>
      encodeSa(
        1,
        Array.from({ length: SA_ENTRIES_MAX + 1 }, () => e),
      ),
    ).toThrow(RangeError);
    expect(() => encodeSa(1, [e], new Uint8Array(TLV_BYTES_MAX))).toThrow(RangeError);
    expect(() => encodeSa(-1, [e])).toThrow(RangeError);
    expect(() => encodeSa(1, [{ group: 2 ** 32, source: 0 }])).toThrow(RangeError);
    expect(() => encodeTlv(256, new Uint8Array(0))).toThrow(RangeError);
    expect(
      encodeSa(
        1,
        Array.from({ length: SA_ENTRIES_MAX }, () => e),
      ).length,
    ).toBe(3068);
  });

  it('packSa splits at 255 entries per TLV, in order (§5.2)', () => {
    const entries = Array.from({ length: 600 }, (_, i) => ({ group: 0xe0000000 + i, source: i }));
    const tlvs = packSa(7, entries);
    expect(tlvs.map((t) => t[3])).toEqual([255, 255, 90]);
    const back = tlvs.flatMap((t) => {
      const [ev] = decodeAll(t);
      return ev?.kind === 'message' && ev.message.type === 'sa' ? ev.message.entries : [];
    });
    expect(back).toEqual(entries);
    expect(packSa(7, [])).toEqual([]);
  });
});

describe('decoding: round trips under arbitrary chunking', () => {
  it('property: any message sequence, cut anywhere, decodes to itself with exact offsets', () => {
    fc.assert(
      fc.property(
        fc.array(msgArb, { maxLength: 12 }).chain((ms) => {
          const bytes = concat(ms.map(encode));
          return fc.tuple(fc.constant(ms), fc.constant(bytes), cutsArb(bytes.length));
        }),
        ([ms, bytes, cuts]) => {
          const { events, d } = feed(bytes, cuts);
          expect(events).toHaveLength(ms.length);
          let offset = 0;
          events.forEach((ev, i) => {
            const m = ms[i] as Msg;
            if (ev.kind !== 'message') throw new Error('unexpected format error');
            expect(same(m, ev.message)).toBe(true);
            expect(ev.offset).toBe(offset);
            expect(hex(ev.raw)).toBe(hex(encode(m)));
            offset += ev.raw.length;
          });
          expect(d.consumed).toBe(bytes.length);
          expect(d.buffered).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('one byte at a time: each TLV completes exactly on its last byte', () => {
    const bytes = concat([
      encodeKeepAlive(),
      encodeSa(9, [{ group: 1, source: 2 }]),
      encodeKeepAlive(),
    ]);
    const d = new MsdpDecoder();
    const doneAt: number[] = [];
    for (let i = 0; i < bytes.length; i++)
      if (d.push(bytes.subarray(i, i + 1)).length > 0) doneAt.push(i + 1);
    expect(doneAt).toEqual([3, 23, 26]);
  });

  it('partial() and resumeAt() let a late reader continue mid-TLV (a sync point)', () => {
    const bytes = concat([
      encodeSa(1, [{ group: 2, source: 3 }]),
      encodeSa(4, [{ group: 5, source: 6 }]),
    ]);
    const a = new MsdpDecoder();
    a.push(bytes.subarray(0, 27));
    expect(a.offset).toBe(27);
    expect(a.partial()).toHaveLength(7);
    const b = new MsdpDecoder();
    b.resumeAt(a.offset, a.partial());
    const evs = b.push(bytes.subarray(27));
    expect(evs).toHaveLength(1);
    const ev = evs[0];
    expect(ev?.kind === 'message' && ev.offset).toBe(20);
    expect(ev?.kind === 'message' && ev.message.type === 'sa' && ev.message.rp).toBe(4);
  });
});

describe('format errors (RFC 3618 §13: the session is reset)', () => {
  const cases: Array<[string, Uint8Array, string]> = [
    [
      'length below the header',
      encodeRawTlv(TLV_TYPE.keepAlive, 2, new Uint8Array(0)),
      'tlv.length',
    ],
    ['length zero on an unknown type', encodeRawTlv(9, 0, new Uint8Array(0)), 'tlv.length'],
    [
      'KeepAlive of length 4',
      encodeRawTlv(TLV_TYPE.keepAlive, 4, new Uint8Array(1)),
      'keepalive.length',
    ],
    [
      'SA shorter than its 8 fixed bytes',
      encodeRawTlv(TLV_TYPE.sa, 7, new Uint8Array(4)),
      'sa.length',
    ],
    [
      'SA whose entry count does not fit its length',
      encodeRawTlv(TLV_TYPE.sa, 20, Uint8Array.of(2, 0, 0, 0, 1, ...new Uint8Array(12))),
      'sa.entryCount',
    ],
  ];

  for (const [name, tlv, field] of cases)
    it(`${name}: reported once as ${field}, at its offset, and nothing after it is read`, () => {
      const good = encodeKeepAlive();
      const bytes = concat([good, tlv, good, good]);
      fc.assert(
        fc.property(cutsArb(bytes.length), (cuts) => {
          const { events, d } = feed(bytes, cuts);
          const errs = events.filter((e) => e.kind === 'format-error');
          expect(errs).toHaveLength(1);
          expect(events[0]?.kind).toBe('message');
          expect(events).toHaveLength(2);
          const e = errs[0];
          expect(e?.kind === 'format-error' && e.error.field).toBe(field);
          expect(e?.kind === 'format-error' && e.error.offset).toBe(3);
          expect(d.broken?.field).toBe(field);
          expect(d.push(encodeKeepAlive())).toEqual([]);
        }),
        { numRuns: 40 },
      );
    });

  it('a bad SA header is caught before its body arrives (no wait for bytes that may never come)', () => {
    const d = new MsdpDecoder();
    const evs = d.push(Uint8Array.of(TLV_TYPE.sa, 0x03, 0x00, 200));
    expect(evs).toHaveLength(1);
    expect(evs[0]?.kind === 'format-error' && evs[0].error.field).toBe('sa.entryCount');
  });
});

describe('tolerated input (no reset)', () => {
  it('§12: a TLV longer than 9,192 bytes is accepted, its excess ignored, and the stream goes on', () => {
    const long = TLV_BYTES_MAX + 100;
    const body = new Uint8Array(long - 3);
    body[0] = 1; // one entry
    new DataView(body.buffer).setUint32(1, 0x0a000002); // RP
    body[8] = 32;
    new DataView(body.buffer).setUint32(9, 0xe0000001);
    new DataView(body.buffer).setUint32(13, 0x01020304);
    const sa = encodeRawTlv(TLV_TYPE.sa, long, body);
    const ka = encodeRawTlv(TLV_TYPE.keepAlive, long, new Uint8Array(long - 3));
    const evs = decodeAll(concat([sa, ka, encodeKeepAlive()]));
    expect(evs.map((e) => e.kind)).toEqual(['message', 'message', 'message']);
    const [a, b] = evs;
    expect(a?.kind === 'message' && a.message).toMatchObject({
      type: 'sa',
      rp: 0x0a000002,
      overlong: true,
      entries: [{ group: 0xe0000001, source: 0x01020304 }],
    });
    expect(b?.kind === 'message' && b.message).toEqual({ type: 'keepalive', overlong: true });
  });

  it('§13: SA-Request/Response, the reserved type, traceroute and unassigned types are discarded by length', () => {
    const codes = [0, 2, 3, 5, 6, 7, 8, 201, 255];
    const evs = decodeAll(concat(codes.map((c) => encodeTlv(c, Uint8Array.of(1, 2, 3, 4)))));
    expect(evs.map((e) => (e.kind === 'message' ? e.message : e))).toEqual(
      codes.map((code) => ({ type: 'other', code, length: 7 })),
    );
  });

  it('an entry whose Sprefix Len is not 32 is dropped and reported; the other entries stand', () => {
    const good = encodeSa(5, [
      { group: 1, source: 2 },
      { group: 3, source: 4 },
    ]);
    good[8 + 3] = 24; // first entry's sprefix len
    good[8] = 0xff; // reserved bits are ignored on receipt (R15)
    const [ev] = decodeAll(good);
    expect(ev?.kind === 'message' && ev.message).toMatchObject({
      type: 'sa',
      entryCount: 2,
      entries: [{ group: 3, source: 4 }],
      dropped: [{ index: 0, field: 'sa.sprefixLen', value: 24 }],
    });
  });

  it('an SA with zero entries is well-formed', () => {
    const [ev] = decodeAll(encodeSa(5, []));
    expect(ev?.kind === 'message' && ev.message).toMatchObject({
      type: 'sa',
      entries: [],
      entryCount: 0,
    });
  });
});

describe('totality', () => {
  it('property: arbitrary bytes in arbitrary chunks never throw; events tile the stream up to the first error', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 400 }).chain((b) => fc.tuple(fc.constant(b), cutsArb(b.length))),
        ([bytes, cuts]) => {
          const { events, d } = feed(bytes, cuts);
          let at = 0;
          for (const e of events) {
            if (e.kind === 'format-error') {
              expect(e.error.offset).toBe(at);
              continue;
            }
            expect(e.offset).toBe(at);
            at += e.raw.length;
          }
          expect(d.consumed).toBe(at);
          expect(events.filter((e) => e.kind === 'format-error').length).toBeLessThanOrEqual(1);
          // Without an error, nothing was lost: consumed plus buffered is everything.
          if (d.broken === undefined) expect(d.consumed + d.buffered).toBe(bytes.length);
        },
      ),
      { numRuns: 500 },
    );
  });
});
