// Proves the sa-stream checker (SPEC D-4, S-1, G-9; RFC 3618 §5.1, §5.3) passes a peer that reads, offset by offset, the TLVs the router's active engine wrote (a new session starting its stream over, snooping engines and unknown peers ignored) and SA expiries the router explains (an SA it no longer has, or one the peer learns again from what was written before the expiry), and reports a TLV read that differs from the one written at its offset (or where nothing was written) and an expiry of an SA the master still originates or holds once the peer has read past everything written by then.
import { describe, expect, it } from 'vitest';
import { SA_STREAM, SaStreamCheck } from '../../../model/checks/sa-stream.ts';
import { parseIpv4 } from '../../../model/net/segment.ts';
import type { World } from '../../../model/world.ts';
import { ACTOR, K } from '../../../model/vocab.ts';
import { SEC, type TraceRecord } from '../../../sim/index.ts';
import { collector, Records, type Reported } from './fixture.ts';

const PA = '10.0.1.1';
const PB = '10.0.2.1';
/** The router's address, as the peers' records name it. */
const ROUTER = '10.0.0.1';

const ip = (s: string): number => parseIpv4(s) as number;

interface Sa {
  rp: string;
  group: string;
  source: string;
}
/** The SA every test is about, and another one. */
const SA: Sa = { rp: '10.0.0.9', group: '224.1.1.1', source: '10.1.1.1' };
const OTHER: Sa = { rp: '10.0.0.9', group: '224.1.1.2', source: '10.1.1.2' };
const SA_KEY = '10.0.0.9 224.1.1.1 10.1.1.1';
const OTHER_KEY = '10.0.0.9 224.1.1.2 10.1.1.2';

interface CacheEntry extends Sa {
  /** The peer's address the SA was learned from. */
  from: string;
  expiresNs: number;
}

/** What each RE's MSDP speaker has: SAs it originates and its SA cache. */
interface Router {
  master: 0 | 1;
  running: [boolean, boolean];
  /** false: the RE runs no MSDP. */
  msdp: [boolean, boolean];
  local: [Sa[], Sa[]];
  cache: [CacheEntry[], CacheEntry[]];
}

function router(over: Partial<Router> = {}): Router {
  return {
    master: 0,
    running: [true, true],
    msdp: [true, true],
    local: [[], []],
    cache: [[], []],
    ...over,
  };
}

/** A fake world: peers pa and pb and the two REs of `rt` (read when the checker asks). */
function fakeWorld(rt: Router): World {
  const numeric = (s: Sa) => ({ rp: ip(s.rp), group: ip(s.group), source: ip(s.source) });
  const re = (i: 0 | 1) => ({
    index: i,
    get msdp() {
      if (!rt.msdp[i]) return undefined;
      return {
        speaker: {
          localActive: () => rt.local[i].map(numeric),
          saCache: () =>
            rt.cache[i].map((e) => ({ ...numeric(e), peer: ip(e.from), expiresNs: e.expiresNs })),
        },
      };
    },
  });
  return {
    peers: [
      { addr: ip(PA), cfg: { name: 'pa' } },
      { addr: ip(PB), cfg: { name: 'pb' } },
    ],
    chassis: {
      get master() {
        return rt.master;
      },
    },
    res: [re(0), re(1)],
    id: (name: string) => name,
    sim: { isRunning: (id: string) => rt.running[id === ACTOR.re(1) ? 1 : 0] },
  } as unknown as World;
}

interface Tlv {
  offset: number;
  bytes: number;
  type?: string;
  entries?: number;
}
const tlvFields = (o: Tlv) => ({
  offset: o.offset,
  bytes: o.bytes,
  type: o.type ?? 'keepalive',
  ...(o.entries === undefined ? {} : { entries: o.entries }),
});

/** The router's RE `re` wrote a TLV to the peer `addr` (msdp.tx). */
const tx = (r: Records, o: Tlv, addr = PA, mode = 'active', re: 0 | 1 = 0) =>
  r.rec(ACTOR.re(re), K.msdp.tx, { peer: addr, mode, ...tlvFields(o) });
/** The peer `name` read a TLV from the router (msdp.rx). */
const rx = (r: Records, o: Tlv, name = 'pa') =>
  r.rec(ACTOR.peer(name), K.msdp.rx, { peer: ROUTER, mode: 'active', ...tlvFields(o) });
/** The router's RE `re` brought a session up (a new one when active). */
const routerUp = (r: Records, addr = PA, mode = 'active', re: 0 | 1 = 0) =>
  r.rec(ACTOR.re(re), K.msdp.up, { peer: addr, mode });
/** The peer `name`'s SA-State entry for `sa` expired (or, with kind saNew, entered its cache). */
const peerSa = (r: Records, sa: Sa, name = 'pa', kind: string = K.msdp.saExpire, t?: number) =>
  r.rec(ACTOR.peer(name), kind, { ...sa, peer: ROUTER }, t);

/** Feeds the records `build` makes to a fresh checker of `rt`; returns what it reported. */
function feed(
  rt: Router,
  build: (r: Records) => TraceRecord[],
): { got: Reported[]; recs: TraceRecord[] } {
  const c = new SaStreamCheck(fakeWorld(rt));
  const { report, got } = collector();
  const recs = build(new Records());
  for (const rec of recs) c.onRecord(rec, report);
  return { got, recs };
}

/** A stream of 38 bytes written to pa: keepalive at 0, an SA at 3, keepalive at 35. */
const written38 = (r: Records) => [
  tx(r, { offset: 0, bytes: 3 }),
  tx(r, { offset: 3, bytes: 32, type: 'sa', entries: 2 }),
  tx(r, { offset: 35, bytes: 3 }),
];

describe('sa-stream: what the peer reads is what the router wrote', () => {
  it('passes: the peer reads every TLV at the offset it was written; snooping engines, other actors and unknown peers are ignored', () => {
    expect(new SaStreamCheck(fakeWorld(router())).id).toBe(SA_STREAM);
    const { got } = feed(router(), (r) => [
      routerUp(r),
      // The backup snoops the same session: what it traces is not what was written.
      routerUp(r, PA, 'snoop', 1),
      ...written38(r),
      tx(r, { offset: 3, bytes: 20, type: 'other' }, PA, 'snoop', 1),
      tx(r, { offset: 0, bytes: 9, type: 'other' }, '10.9.9.9'),
      r.rec(ACTOR.chassis, K.msdp.rx, { offset: 3, bytes: 1, type: 'other' }),
      rx(r, { offset: 0, bytes: 3 }),
      rx(r, { offset: 3, bytes: 32, type: 'sa', entries: 2 }),
      rx(r, { offset: 35, bytes: 3 }),
      // Nothing was ever written to pb: nothing to compare its reads with.
      rx(r, { offset: 0, bytes: 3 }, 'pb'),
      // Other kinds of records.
      r.rec(ACTOR.peer('pa'), K.msdp.down, { peer: ROUTER, reason: 'closed' }),
      r.rec(ACTOR.re(0), K.msdp.takeover, { peer: PA, mode: 'active', offset: 3, bytes: 9 }),
    ]);
    expect(got).toEqual([]);
  });

  it('fails: the peer reads an SA with a different entry count at offset 3', () => {
    const { got, recs } = feed(router(), (r) => [
      ...written38(r),
      rx(r, { offset: 3, bytes: 32, type: 'sa', entries: 1 }),
    ]);
    const bad = recs[3] as TraceRecord;
    expect(got).toEqual([
      {
        recordId: bad.id,
        timeNs: bad.t,
        message:
          'MSDP peer pa read sa x1 (32 B) at stream offset 3, where the router wrote sa x2 (32 B)',
        evidence: { peer: 'pa', offset: 3, got: 'sa x1 (32 B)', want: 'sa x2 (32 B)' },
      },
    ]);
  });

  it('fails: a different length, or a different type, at the offset of a keepalive', () => {
    const { got } = feed(router(), (r) => [
      ...written38(r),
      rx(r, { offset: 35, bytes: 4 }),
      rx(r, { offset: 35, bytes: 3, type: 'other' }),
    ]);
    expect(got.map((v) => v.evidence)).toEqual([
      { peer: 'pa', offset: 35, got: 'keepalive (4 B)', want: 'keepalive (3 B)' },
      { peer: 'pa', offset: 35, got: 'other (3 B)', want: 'keepalive (3 B)' },
    ]);
  });

  it('fails: the peer reads at an offset where the router wrote nothing', () => {
    const { got } = feed(router(), (r) => [...written38(r), rx(r, { offset: 5, bytes: 3 })]);
    expect(got.map((v) => [v.message, v.evidence])).toEqual([
      [
        'MSDP peer pa read keepalive (3 B) at stream offset 5, where the router wrote nothing',
        { peer: 'pa', offset: 5, got: 'keepalive (3 B)', want: 'none' },
      ],
    ]);
  });

  it("fails: a new session (the active engine's msdp.up) starts the stream over: the old session's TLVs are gone", () => {
    const { got } = feed(router(), (r) => [
      ...written38(r),
      routerUp(r),
      tx(r, { offset: 0, bytes: 3, type: 'other' }),
      rx(r, { offset: 0, bytes: 3, type: 'other' }),
      rx(r, { offset: 3, bytes: 32, type: 'sa', entries: 2 }),
    ]);
    expect(got.map((v) => v.evidence)).toEqual([
      { peer: 'pa', offset: 3, got: 'sa x2 (32 B)', want: 'none' },
    ]);
  });
});

describe('sa-stream: no SA the router still announces goes missing', () => {
  /** Written 38 bytes; the SA expires at pa; 3 more bytes written; pa reads at 35, then 38. */
  const expiryThenReads = (r: Records) => [
    ...written38(r),
    peerSa(r, SA, 'pa', K.msdp.saExpire, 7 * SEC),
    tx(r, { offset: 38, bytes: 3 }),
    rx(r, { offset: 35, bytes: 3 }),
    rx(r, { offset: 38, bytes: 3 }),
  ];

  it('passes: the expired SA is neither originated nor cached by the master (or cached only from pa itself, or expiring)', () => {
    const cases: Array<[string, Router]> = [
      ['the router has nothing', router()],
      [
        'another SA only',
        router({ local: [[OTHER], []], cache: [[{ ...OTHER, from: PB, expiresNs: 9 * SEC }], []] }),
      ],
      [
        'group and source swapped',
        router({ local: [[{ ...SA, group: SA.source, source: SA.group }], []] }),
      ],
      ['rp differs', router({ local: [[{ ...SA, rp: '10.0.0.8' }], []] })],
      [
        'learned from pa itself',
        router({ cache: [[{ ...SA, from: PA, expiresNs: 9 * SEC }], []] }),
      ],
      [
        'its own entry expires now',
        router({ cache: [[{ ...SA, from: PB, expiresNs: 7 * SEC }], []] }),
      ],
      ['only the backup originates it', router({ local: [[], [SA]] })],
      [
        'only the backup caches it',
        router({ cache: [[], [{ ...SA, from: PB, expiresNs: 9 * SEC }]] }),
      ],
      ['the master is not running', router({ local: [[SA], []], running: [false, true] })],
      ['the master runs no MSDP', router({ local: [[SA], []], msdp: [false, true] })],
    ];
    for (const [what, rt] of cases) {
      const { got } = feed(rt, expiryThenReads);
      expect(got, what).toEqual([]);
    }
  });

  it('fails: an SA the master originates expires and the peer reads past everything written by then', () => {
    const { got, recs } = feed(router({ local: [[OTHER, SA], []] }), expiryThenReads);
    const expiry = recs[3] as TraceRecord;
    expect(got).toEqual([
      {
        recordId: expiry.id,
        timeNs: 7 * SEC,
        message: `MSDP peer pa's SA ${SA_KEY} expired while the router still originates it, and nothing the router had written by then refreshed it: a refresh it owed the peer is missing`,
        evidence: { peer: 'pa', sa: SA_KEY, own: true, upto: 38 },
      },
    ]);
  });

  it('fails: an SA the master holds from pb (its entry expiring 1 ns after) expires at pa', () => {
    const rt = router({
      cache: [[{ ...SA, from: PB, expiresNs: 7 * SEC + 1 }], []],
    });
    const { got } = feed(rt, expiryThenReads);
    expect(got.map((v) => [v.message, v.evidence])).toEqual([
      [
        `MSDP peer pa's SA ${SA_KEY} expired while the router still holds it, and nothing the router had written by then refreshed it: a refresh it owed the peer is missing`,
        { peer: 'pa', sa: SA_KEY, own: false, upto: 38 },
      ],
    ]);
  });

  it('fails: the master is whichever RE the chassis names (re1 originates the SA)', () => {
    const rt = router({ master: 1, local: [[], [SA]], running: [false, true] });
    const { got } = feed(rt, expiryThenReads);
    expect(got.map((v) => v.evidence?.own)).toEqual([true]);
  });

  it('judges only a read at or past the end of what was written at the expiry, once', () => {
    const { got } = feed(router({ local: [[SA], []] }), (r) => [
      ...written38(r),
      peerSa(r, SA),
      tx(r, { offset: 38, bytes: 3 }),
      tx(r, { offset: 41, bytes: 3 }),
      // At 35 (38 - 3), not yet; pb's reads are not pa's.
      rx(r, { offset: 35, bytes: 3 }),
      rx(r, { offset: 41, bytes: 3 }, 'pb'),
    ]);
    expect(got).toEqual([]);
    const { got: got2 } = feed(router({ local: [[SA], []] }), (r) => [
      ...written38(r),
      peerSa(r, SA),
      tx(r, { offset: 38, bytes: 3 }),
      tx(r, { offset: 41, bytes: 3 }),
      rx(r, { offset: 38, bytes: 3 }),
      rx(r, { offset: 41, bytes: 3 }),
    ]);
    expect(got2.map((v) => v.evidence?.upto)).toEqual([38]);
  });

  it('upto is the furthest end written (a TLV traced again at an earlier offset does not lower it)', () => {
    const { got } = feed(router({ local: [[SA], []] }), (r) => [
      ...written38(r),
      // A takeover's new master traces the TLV it finished at the offset it began.
      tx(r, { offset: 3, bytes: 32, type: 'sa', entries: 2 }),
      peerSa(r, SA),
      tx(r, { offset: 38, bytes: 3 }),
      rx(r, { offset: 38, bytes: 3 }),
    ]);
    expect(got.map((v) => v.evidence?.upto)).toEqual([38]);
  });

  it('an expiry before anything was written is judged at the first read (upto 0)', () => {
    const { got } = feed(router({ local: [[SA], []] }), (r) => [
      peerSa(r, SA),
      rx(r, { offset: 0, bytes: 3 }),
    ]);
    expect(got.map((v) => v.evidence)).toEqual([{ peer: 'pa', sa: SA_KEY, own: true, upto: 0 }]);
  });

  it("a new session (the router's msdp.up) starts counting what was written from 0", () => {
    const { got } = feed(router({ local: [[SA], []] }), (r) => [
      ...written38(r),
      routerUp(r),
      tx(r, { offset: 0, bytes: 3 }),
      peerSa(r, SA),
      tx(r, { offset: 3, bytes: 3 }),
      rx(r, { offset: 3, bytes: 3 }),
    ]);
    expect(got.map((v) => v.evidence?.upto)).toEqual([3]);
  });

  it('two expiries pending at once for one peer are both judged (a later one does not replace the earlier)', () => {
    const rt = router({ local: [[SA, OTHER], []] });
    const { got } = feed(rt, (r) => [
      ...written38(r),
      peerSa(r, OTHER),
      peerSa(r, SA),
      rx(r, { offset: 35, bytes: 3 }),
      tx(r, { offset: 38, bytes: 3 }),
      rx(r, { offset: 38, bytes: 3 }),
    ]);
    expect(got.map((v) => v.evidence?.sa).sort()).toEqual([SA_KEY, OTHER_KEY].sort());
  });

  it('every pending expiry is judged at each read: a later one that is due is reported though an earlier one is not', () => {
    const rt = router({ local: [[SA, OTHER], []] });
    const { got } = feed(rt, (r) => [
      ...written38(r),
      peerSa(r, OTHER),
      // The router's side of the session starts over before the peer's does.
      routerUp(r),
      tx(r, { offset: 0, bytes: 3 }),
      peerSa(r, SA),
      tx(r, { offset: 3, bytes: 3 }),
      rx(r, { offset: 3, bytes: 3 }),
    ]);
    expect(got.map((v) => [v.evidence?.sa, v.evidence?.upto])).toEqual([[SA_KEY, 3]]);
  });

  it('passes: the peer learns the SA again (msdp.sa-new) before reading past upto; another SA learned does not count', () => {
    const rt = router({ local: [[SA, OTHER], []] });
    const { got } = feed(rt, (r) => [
      ...written38(r),
      peerSa(r, SA),
      peerSa(r, OTHER),
      peerSa(r, SA, 'pa', K.msdp.saNew),
      peerSa(r, OTHER, 'pb', K.msdp.saNew),
      tx(r, { offset: 38, bytes: 3 }),
      rx(r, { offset: 38, bytes: 3 }),
    ]);
    expect(got.map((v) => v.evidence?.sa)).toEqual(['10.0.0.9 224.1.1.2 10.1.1.2']);
  });

  it("passes: the peer's new session (its msdp.up) forgets its pending expiries", () => {
    const { got } = feed(router({ local: [[SA], []] }), (r) => [
      ...written38(r),
      peerSa(r, SA),
      r.rec(ACTOR.peer('pb'), K.msdp.up, { peer: ROUTER, mode: 'active' }),
      tx(r, { offset: 38, bytes: 3 }),
      rx(r, { offset: 38, bytes: 3 }, 'pb'),
      r.rec(ACTOR.peer('pa'), K.msdp.up, { peer: ROUTER, mode: 'active' }),
      rx(r, { offset: 38, bytes: 3 }),
    ]);
    expect(got).toEqual([]);
  });
});
