// Proves that a TLV cut anywhere is finished correctly at takeover: a candidate whose bytes begin with the written prefix supplies exactly the rest, and without one the filler is a well-formed TLV of the same type that decodes without a format error and whose unknown SA entries are dropped by receivers (Sprefix Len 0), for every cut of every kind of TLV.
import { describe, expect, it } from 'vitest';
import {
  TLV_TYPE,
  completeTlv,
  decodeAll,
  encodeKeepAlive,
  encodeSa,
  encodeTlv,
} from '../../../../model/app/msdp/index.ts';

const sa = (rp: number, n: number): Uint8Array =>
  encodeSa(
    rp,
    Array.from({ length: n }, (_, i) => ({ group: 0xe0000000 + i, source: 0x0a000000 + i })),
  );

describe('completeTlv', () => {
  it('picks the candidate the prefix belongs to, for every cut (the first one while still ambiguous)', () => {
    const a = sa(1, 3);
    const b = sa(2, 3);
    const ka = encodeKeepAlive();
    const candidates = [a, b, ka];
    for (const target of candidates)
      for (let cut = 1; cut < target.length; cut++) {
        const prefix = target.subarray(0, cut);
        const { full, matched } = completeTlv(prefix, candidates);
        expect(matched).toBe(true);
        const first = candidates.find(
          (c) => c.length > cut && c.subarray(0, cut).every((x, i) => x === prefix[i]),
        );
        expect(full).toBe(first);
        // Past the RP, the two SAs differ: the prefix names its own TLV.
        if (cut >= 8 || target === ka) expect(full).toEqual(target);
      }
  });

  it('without a matching candidate the filler is well-formed and keeps every written byte', () => {
    const victims = [
      sa(0x0a000001, 1),
      sa(0x0a000001, 20),
      encodeKeepAlive(),
      encodeTlv(9, new Uint8Array(10)),
    ];
    for (const target of victims)
      for (let cut = 1; cut < target.length; cut++) {
        const prefix = target.subarray(0, cut);
        const { full, matched } = completeTlv(prefix, []);
        expect(matched).toBe(false);
        expect(full.subarray(0, cut)).toEqual(prefix);
        const evs = decodeAll(full);
        expect(evs).toHaveLength(1);
        const ev = evs[0];
        if (ev?.kind !== 'message') throw new Error(`cut ${cut}: ${JSON.stringify(ev)}`);
        expect(ev.raw.length).toBe(full.length);
        if (target[0] === TLV_TYPE.sa && ev.message.type === 'sa') {
          // Entries the master had written whole survive; no unknown entry is invented.
          const whole = Math.max(0, Math.floor((cut - 8) / 12));
          expect(ev.message.entries.length).toBeLessThanOrEqual(Math.max(whole + 1, 0));
          expect(ev.message.entries.length).toBeGreaterThanOrEqual(whole);
        }
        if (target[0] === TLV_TYPE.keepAlive) expect(full).toEqual(encodeKeepAlive());
      }
  });

  it('an empty prefix is a caller bug', () => {
    expect(() => completeTlv(new Uint8Array(0), [])).toThrow();
  });
});
