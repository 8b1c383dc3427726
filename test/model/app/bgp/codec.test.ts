// Proves that the BGP codec round-trips every OPEN (with capabilities), UPDATE, NOTIFICATION and KEEPALIVE it can encode, that the streaming decoder yields the same messages however the stream is chunked and never throws on arbitrary or mutated octets, and that the End-of-RIB marker is the minimum-length UPDATE (RFC 4271 §4, RFC 4724 §2).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  AS_SEQUENCE,
  AS_SET,
  BgpFramer,
  END_OF_RIB,
  EOR_BYTES,
  KEEPALIVE,
  decodeMessage,
  encodeMessage,
  maskOf,
  type BgpMessage,
  type Capability,
  type DecodeCtx,
  type OpenMsg,
  type PathAttrs,
  type Prefix,
  type UpdateMsg,
} from '../../../../model/app/bgp/index.ts';

const prefixArb: fc.Arbitrary<Prefix> = fc
  .record({ addr: fc.nat({ max: 0xffffffff }), len: fc.integer({ min: 0, max: 32 }) })
  .map(({ addr, len }) => ({ addr: (addr & maskOf(len)) >>> 0, len }));

const hostArb = fc.integer({ min: 1, max: 0xdfffffff });

function asArb(as4: boolean): fc.Arbitrary<number> {
  return as4 ? fc.integer({ min: 0, max: 0xffffffff }) : fc.integer({ min: 0, max: 0xffff });
}

function attrsArb(as4: boolean): fc.Arbitrary<PathAttrs> {
  const seg = fc.record({
    type: fc.constantFrom(AS_SET, AS_SEQUENCE),
    asns: fc.array(asArb(as4), { minLength: 1, maxLength: 10 }),
  });
  const unknown = fc
    .uniqueArray(
      fc.record({
        type: fc.integer({ min: 8, max: 255 }),
        partial: fc.boolean(),
        value: fc.uint8Array({ maxLength: 300 }),
        ext: fc.boolean(),
      }),
      { selector: (u) => u.type, maxLength: 3 },
    )
    .map((us) =>
      us.map((u) => ({
        flags: 0xc0 | (u.partial ? 0x20 : 0) | (u.ext || u.value.length > 255 ? 0x10 : 0),
        type: u.type,
        value: u.value,
      })),
    );
  return fc.record(
    {
      origin: fc.integer({ min: 0, max: 2 }),
      asPath: fc.array(seg, { maxLength: 3 }),
      nextHop: hostArb,
      med: fc.nat({ max: 0xffffffff }),
      localPref: fc.nat({ max: 0xffffffff }),
      atomicAggregate: fc.constant(true),
      aggregator: fc.record({ as: asArb(as4), addr: hostArb }),
      unknown: unknown.filter((u) => u.length > 0),
    },
    { requiredKeys: ['origin', 'asPath', 'nextHop'] },
  );
}

function updateArb(as4: boolean): fc.Arbitrary<UpdateMsg> {
  return fc
    .record({
      withdrawn: fc.array(prefixArb, { maxLength: 40 }),
      nlri: fc.array(prefixArb, { maxLength: 40 }),
      attrs: attrsArb(as4),
    })
    .map((u) => ({
      withdrawn: u.withdrawn,
      nlri: u.nlri,
      attrs: u.nlri.length > 0 ? u.attrs : undefined,
    }));
}

const capArb: fc.Arbitrary<Capability> = fc.oneof(
  fc.record({
    kind: fc.constant('mp' as const),
    afi: fc.nat({ max: 0xffff }),
    safi: fc.nat({ max: 255 }),
  }),
  fc.record({
    kind: fc.constant('gr' as const),
    restarting: fc.boolean(),
    notification: fc.boolean(),
    restartTimeSec: fc.integer({ min: 0, max: 4095 }),
    families: fc.array(
      fc.record({
        afi: fc.nat({ max: 0xffff }),
        safi: fc.nat({ max: 255 }),
        forwarding: fc.boolean(),
      }),
      { maxLength: 5 },
    ),
  }),
  fc.record({ kind: fc.constant('as4' as const), as: fc.nat({ max: 0xffffffff }) }),
  fc.record({
    kind: fc.constant('unknown' as const),
    code: fc.integer({ min: 2, max: 63 }),
    value: fc.uint8Array({ maxLength: 20 }),
  }),
);

const openArb: fc.Arbitrary<OpenMsg> = fc.record({
  version: fc.constant(4),
  myAs: fc.nat({ max: 0xffff }),
  holdTimeSec: fc.oneof(fc.constant(0), fc.integer({ min: 3, max: 0xffff })),
  bgpId: fc.integer({ min: 1, max: 0xffffffff }),
  caps: fc.array(capArb, { maxLength: 8 }),
});

function messageArb(as4: boolean): fc.Arbitrary<BgpMessage> {
  return fc.oneof(
    openArb.map((open) => ({ kind: 'open' as const, open })),
    updateArb(as4).map((update) => ({
      kind: 'update' as const,
      update,
      eor: update.withdrawn.length === 0 && update.nlri.length === 0,
    })),
    fc
      .record({
        code: fc.nat({ max: 255 }),
        subcode: fc.nat({ max: 255 }),
        data: fc.uint8Array({ maxLength: 100 }),
      })
      .map((notification) => ({ kind: 'notification' as const, notification })),
    fc.constant({ kind: 'keepalive' as const }),
  );
}

describe('bgp codec: round trips', () => {
  for (const as4 of [true, false]) {
    it(`decode(encode(m)) = m for every message (${as4 ? '4' : '2'}-octet AS)`, () => {
      const ctx: DecodeCtx = { as4 };
      fc.assert(
        fc.property(messageArb(as4), (m) => {
          const bytes = encodeMessage(m, as4);
          expect(bytes.length).toBeLessThanOrEqual(4096);
          const d = decodeMessage(bytes, ctx);
          expect(d).toEqual({ ok: true, value: m });
        }),
        { numRuns: 400 },
      );
    });
  }

  it('End-of-RIB is the 23-octet UPDATE with nothing in it, and decodes as such', () => {
    expect(END_OF_RIB.length).toBe(EOR_BYTES);
    const d = decodeMessage(END_OF_RIB, { as4: true });
    expect(d).toEqual({
      ok: true,
      value: { kind: 'update', eor: true, update: { withdrawn: [], attrs: undefined, nlri: [] } },
    });
    const w = encodeMessage(
      {
        kind: 'update',
        eor: false,
        update: { withdrawn: [{ addr: 0x0a000000, len: 8 }], attrs: undefined, nlri: [] },
      },
      true,
    );
    const dw = decodeMessage(w, { as4: true });
    expect(dw.ok && dw.value.kind === 'update' && dw.value.eor).toBe(false);
  });

  it('KEEPALIVE is the bare 19-octet header of type 4', () => {
    expect([...KEEPALIVE]).toEqual([...new Array(16).fill(0xff), 0, 19, 4]);
  });
});

describe('bgp codec: streaming decoder', () => {
  it('yields the same messages however the stream is cut', () => {
    fc.assert(
      fc.property(
        fc.array(messageArb(true), { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 40 }),
        (msgs, cuts) => {
          const parts = msgs.map((m) => encodeMessage(m, true));
          const stream = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
          let at = 0;
          for (const p of parts) {
            stream.set(p, at);
            at += p.length;
          }
          const f = new BgpFramer();
          const got: Uint8Array[] = [];
          let pos = 0;
          for (let i = 0; pos < stream.length; i++) {
            const n = cuts[i % cuts.length] as number;
            f.push(stream.subarray(pos, pos + n));
            pos += n;
            for (let fr = f.next(); fr !== undefined; fr = f.next()) {
              if (!fr.ok) throw new Error(fr.error.reason);
              got.push(fr.bytes);
            }
          }
          expect(got).toEqual(parts);
          expect(f.partial().length).toBe(0);
          expect(f.consumed).toBe(stream.length);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reports a bad header as soon as 19 octets are in, once, and then stays broken', () => {
    const f = new BgpFramer();
    const bad = KEEPALIVE.slice();
    bad[16] = 0x20; // length 8211
    f.push(bad.subarray(0, 18));
    expect(f.next()).toBeUndefined();
    f.push(bad.subarray(18));
    const fr = f.next();
    expect(fr?.ok).toBe(false);
    expect(f.next()).toBeUndefined();
    f.push(KEEPALIVE);
    expect(f.next()).toBeUndefined();
  });

  it('resumes mid-stream from a sync point (offset and partial message)', () => {
    const a = encodeMessage({ kind: 'keepalive' }, true);
    const b = encodeMessage(
      { kind: 'notification', notification: { code: 6, subcode: 2, data: new Uint8Array(9) } },
      true,
    );
    const f = new BgpFramer();
    f.resumeAt(1000 + 7, b.subarray(0, 7));
    expect(f.consumed).toBe(1000);
    f.push(b.subarray(7));
    f.push(a);
    expect(f.next()).toEqual({ ok: true, kind: 'notification', bytes: b });
    expect(f.next()).toEqual({ ok: true, kind: 'keepalive', bytes: a });
    expect(f.consumed).toBe(1000 + b.length + a.length);
  });
});

describe('bgp codec: totality', () => {
  it('never throws on arbitrary octets, whole or streamed', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.boolean(), (bytes, as4) => {
        decodeMessage(bytes, { as4, ebgpPeerAs: 65001 });
        const f = new BgpFramer();
        f.push(bytes);
        while (f.next() !== undefined);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on valid messages with octets flipped; a header always reports a code', () => {
    fc.assert(
      fc.property(
        messageArb(true),
        fc.array(fc.record({ at: fc.nat(), v: fc.nat({ max: 255 }) }), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.constantFrom<DecodeCtx>(
          { as4: true },
          { as4: false },
          { as4: true, ebgpPeerAs: 1 },
          { as4: true, ibgp: true },
        ),
        (m, flips, ctx) => {
          const bytes = encodeMessage(m, true);
          for (const { at, v } of flips) bytes[at % bytes.length] = v;
          const d = decodeMessage(bytes, ctx);
          if (!d.ok) {
            expect(d.error.code).toBeGreaterThanOrEqual(1);
            expect(d.error.code).toBeLessThanOrEqual(3);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
