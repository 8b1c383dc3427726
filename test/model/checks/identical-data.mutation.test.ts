// Proves the edges of the identical-data checker (SPEC G-2, S-1) that the mutation run (reports/mutation/README.md) found untested: any chunking and interleaving of two live sockets' streams is judged byte for byte (fast-check), which actors and record kinds it reads, which lost socket it judges and how, and the exact violations it reports.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IDENTICAL_DATA, IdenticalDataCheck } from '../../../model/checks/identical-data.ts';
import type { NsrState, Rep } from '../../../model/nsr/state.ts';
import { ACTOR, K } from '../../../model/vocab.ts';
import { MemorySink, Simulation, type Fields } from '../../../sim/index.ts';
import {
  bytes,
  collector,
  ended,
  fakeNsrState as kernel,
  fakeRep as rep,
  Records,
} from './fixture.ts';

function setup() {
  const sim = new Simulation({ seed: 1, hash: false });
  const sink = new MemorySink();
  sim.trace.addSink(sink);
  const check = new IdenticalDataCheck(sim);
  const k0 = kernel(0);
  const k1 = kernel(1);
  check.attach(k0);
  check.attach(k1);
  const deliverIn = (k: NsrState, r: Rep, off: number, n: number, data = bytes(off, n)) =>
    k.delivered.publish(r, off, data);
  const deliverOut = (k: NsrState, r: Rep, off: number, n: number, data = bytes(off, n)) =>
    k.sent.publish(r, off, data);
  const r = new Records();
  const feed = (actor: string, kind: string, fields: Fields = {}) => {
    const rec = r.rec(actor, kind, fields);
    check.onRecord(rec);
    return rec;
  };
  const c = collector();
  const finish = () => {
    check.atEnd(ended(1e9), c.report);
    return c.got;
  };
  return { sim, sink, check, k0, k1, deliverIn, deliverOut, feed, finish };
}

/** A PRL record of the pair re0#1 for session pa/0 (fields override). */
const prl = (fields: Fields): Fields => ({ session: 'pa/0', pair: 're0#1', ...fields });

describe('identical-data: streams, byte for byte', () => {
  it('any chunking and interleaving of two live sockets: exactly the corrupted byte is reported, with the socket that delivered it second (fast-check)', () => {
    const chunks = fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        chunks,
        chunks,
        fc.array(fc.boolean(), { maxLength: 30 }),
        fc.option(fc.record({ at: fc.nat(), inSecondary: fc.boolean() })),
        fc.constantFrom<'in' | 'out'>('in', 'out'),
        (first, pGen, sGen, order, corrupt, dir) => {
          const pChunks = [...pGen];
          const sChunks = [...sGen];
          const { k0, k1, deliverIn, deliverOut, finish } = setup();
          const deliver = dir === 'in' ? deliverIn : deliverOut;
          const total = Math.max(
            first + sChunks.reduce((a, b) => a + b, 0),
            pChunks.reduce((a, b) => a + b, 0),
          );
          // Both streams end at `total`: the shorter one gets a last chunk.
          const pLen = pChunks.reduce((a, b) => a + b, 0);
          const sLen = first + sChunks.reduce((a, b) => a + b, 0);
          if (pLen < total) pChunks.push(total - pLen);
          if (sLen < total) sChunks.push(total - sLen);
          // The secondary's first bytes make both sockets live before anything is compared.
          const k = corrupt === null ? -1 : first + (corrupt.at % (total - first));
          const bad = corrupt !== null;
          const p = rep(1, 'primary');
          const s = rep(9, 'secondary');
          const data = (inSecondary: boolean, off: number, n: number): Uint8Array => {
            const b = bytes(off, n);
            if (corrupt !== null && corrupt.inSecondary === inSecondary && k >= off && k < off + n)
              b[k - off] = (b[k - off] as number) ^ 0x5a;
            return b;
          };
          deliver(k1, s, 0, first, data(true, 0, first));
          let pOff = 0;
          let sOff = first;
          let pi = 0;
          let si = 0;
          // The order decides from the primary's second chunk on: both must be live first.
          let step = -1;
          let secondAtK: 0 | 1 | undefined;
          while (pi < pChunks.length || si < sChunks.length) {
            const pickP =
              si >= sChunks.length || (pi < pChunks.length && (step < 0 || (order[step] ?? true)));
            step++;
            const [kern, r, off, n, inSec] = pickP
              ? [k0, p, pOff, pChunks[pi++] as number, false]
              : [k1, s, sOff, sChunks[si++] as number, true];
            if (bad && secondAtK === undefined && k >= off && k < off + n) {
              // The socket whose delivery covers k while the other already passed k.
              const otherEnd = pickP ? sOff : pOff;
              if (otherEnd > k) secondAtK = pickP ? 0 : 1;
            }
            deliver(kern, r, off, n, data(inSec, off, n));
            if (pickP) pOff += n;
            else sOff += n;
          }
          const got = finish();
          if (!bad) {
            expect(got).toEqual([]);
            return;
          }
          expect(got).toHaveLength(1);
          expect(got[0]?.evidence).toEqual({
            session: 'pa/0',
            direction: dir,
            firstDifferingOffset: k,
            re: secondAtK,
            offset: k,
          });
        },
      ),
      { numRuns: 150, seed: 12 },
    );
  });

  it('a difference is reported once, traced as check.violation with its evidence, at the last record and the current instant', () => {
    const { sim, sink, k0, k1, deliverIn, finish } = setup();
    sim.traceFrom(ACTOR.sim, K.sim.send, { type: 'x' });
    deliverIn(k1, rep(9, 'secondary'), 0, 10);
    deliverIn(k0, rep(1, 'primary'), 0, 300);
    const wrong = bytes(10, 290);
    wrong[5] = 0;
    wrong[7] = 0;
    deliverIn(k1, rep(9, 'secondary'), 10, 290, wrong);
    // Later differences and gaps of the same stream add nothing.
    deliverIn(k0, rep(1, 'primary'), 300, 100);
    deliverIn(k1, rep(9, 'secondary'), 300, 100, new Uint8Array(100));
    deliverIn(k1, rep(9, 'secondary'), 500, 10);
    const got = finish();
    const evidence = {
      session: 'pa/0',
      direction: 'in',
      firstDifferingOffset: 15,
      re: 1,
      offset: 15,
    };
    expect(got).toEqual([
      {
        recordId: 0,
        timeNs: 0,
        message:
          'inbound data of pa/0 differs at byte 15: re1#9 (secondary) has 0x0, the other socket had 0xf',
        evidence,
      },
    ]);
    const traced = sink.records.filter((x) => x.kind === K.check.violation);
    expect(traced.map((x) => [x.actor, x.fields])).toEqual([
      [ACTOR.check, { check: IDENTICAL_DATA, ...evidence }],
    ]);
  });

  it('outbound: a difference names the outbound stream', () => {
    const { k0, k1, deliverOut, finish } = setup();
    deliverOut(k1, rep(9, 'secondary'), 0, 1);
    deliverOut(k0, rep(1, 'primary'), 0, 100);
    const wrong = bytes(1, 99);
    wrong[0] = 0xee;
    deliverOut(k1, rep(9, 'secondary'), 1, 99, wrong);
    const got = finish();
    expect(got.map((v) => v.message)).toEqual([
      'outbound data of pa/0 differs at byte 1: re1#9 (secondary) has 0xee, the other socket had 0x1',
    ]);
  });

  it("a gap in one socket's own stream is reported with where it was and where it delivered", () => {
    const { k0, deliverIn, finish } = setup();
    deliverIn(k0, rep(1, 'primary'), 0, 100);
    deliverIn(k0, rep(1, 'primary'), 150, 100);
    expect(finish()).toEqual([
      {
        recordId: -1,
        timeNs: 0,
        message: 're0#1 delivered at 150 after ending at 100: its own stream has a gap or overlap',
        evidence: {
          session: 'pa/0',
          direction: 'in',
          firstDifferingOffset: 150,
          re: 0,
          offset: 150,
          expected: 100,
        },
      },
    ]);
  });

  it('an empty delivery is no delivery: it neither starts a socket nor makes a gap', () => {
    const { k0, k1, deliverIn, finish } = setup();
    deliverIn(k0, rep(1, 'primary'), 0, 100);
    deliverIn(k0, rep(1, 'primary'), 500, 0);
    deliverIn(k1, rep(9, 'secondary'), 700, 0);
    deliverIn(k0, rep(1, 'primary'), 100, 100);
    expect(finish()).toEqual([]);
  });

  it('sessions and directions are separate streams: the same socket delivering both ways, and two sessions, never meet', () => {
    const { k0, deliverIn, deliverOut, finish } = setup();
    const a = rep(1, 'primary');
    const b = rep(2, 'primary', { session: 'pa/1' });
    deliverIn(k0, a, 0, 100);
    deliverOut(k0, a, 0, 50);
    deliverIn(k0, b, 0, 30, bytes(7, 30));
    deliverIn(k0, a, 100, 10);
    deliverOut(k0, a, 50, 10);
    expect(finish()).toEqual([]);
  });

  it('a late-joining socket that starts beyond what is kept restarts the window there, and is compared from there on', () => {
    for (const flip of [false, true]) {
      const { k0, k1, deliverIn, finish } = setup();
      const p = rep(1, 'primary');
      const s = rep(9, 'secondary');
      // The primary alone: nothing needs keeping for another live socket.
      deliverIn(k0, p, 0, 5000);
      // The secondary joins at 8000 (its snapshot), ahead of the primary.
      deliverIn(k1, s, 8000, 100);
      const later = bytes(5000, 3200);
      if (flip) later[3050] = (later[3050] as number) ^ 1;
      deliverIn(k0, p, 5000, 3200, later);
      const got = finish();
      if (flip) expect(got.map((v) => v.evidence?.firstDifferingOffset)).toEqual([8050]);
      else expect(got).toEqual([]);
    }
  });

  it('a socket that starts beyond the window while another live socket is ahead of the window does not restart it, and its bytes are not taken as the stream', () => {
    for (const flip of [false, true]) {
      const { k0, k1, deliverIn, finish } = setup();
      const p = rep(1, 'primary');
      const s = rep(9, 'secondary');
      deliverIn(k1, s, 0, 10);
      deliverIn(k0, p, 0, 100);
      // A third socket of the session (a re-replicated secondary) starts at 300, with
      // bytes unlike the stream's: nothing is known between 100 and 300 to place them.
      deliverIn(k1, rep(10, 'secondary'), 300, 50, bytes(0, 50));
      // The kept window still starts at 10: the secondary's bytes are compared.
      const wrong = bytes(10, 90);
      if (flip) wrong[40] = 0;
      deliverIn(k1, s, 10, 90, wrong);
      deliverIn(k0, p, 100, 100);
      const got = finish().map((v) => v.evidence?.firstDifferingOffset);
      expect(got).toEqual(flip ? [50] : []);
    }
  });

  it('a socket that starts beyond a non-empty window restarts it when no other live socket is ahead of the window start (the one that was is lost)', () => {
    for (const flip of [false, true]) {
      const { k0, k1, deliverIn, feed, finish } = setup();
      const p = rep(1, 'primary');
      deliverIn(k0, p, 0, 10);
      // The secondary passed the primary (the window holds 10..20), then is deleted.
      deliverIn(k1, rep(9, 'secondary'), 0, 20);
      feed(ACTOR.nsr(1, 'iha'), K.iha.deleteSecondary, { session: 'pa/0', handle: 9 });
      // A new secondary starts at 100: the window restarts there.
      deliverIn(k1, rep(10, 'secondary'), 100, 50);
      const mine = bytes(10, 140);
      if (flip) mine[110] = 0;
      deliverIn(k0, p, 10, 140, mine);
      const got = finish().map((v) => v.evidence?.firstDifferingOffset);
      expect(got).toEqual(flip ? [120] : []);
    }
  });

  it('a socket that starts beyond an empty window restarts it even while another live socket is ahead of it', () => {
    for (const flip of [false, true]) {
      const { k0, k1, deliverIn, finish } = setup();
      const p = rep(1, 'primary');
      deliverIn(k0, p, 0, 10);
      deliverIn(k1, rep(9, 'secondary'), 0, 20);
      // X starts beyond the window (10..20) while the secondary is ahead of its start.
      deliverIn(k1, rep(10, 'secondary'), 100, 50);
      // The primary catches up with the secondary: the window is empty, starting at 20.
      deliverIn(k0, p, 10, 10);
      // J starts at 400, beyond the empty window, while X (at 150) is ahead of its start.
      deliverIn(k1, rep(11, 'secondary'), 400, 50);
      const mine = bytes(20, 430);
      if (flip) mine[400] = 0;
      deliverIn(k0, p, 20, 430, mine);
      const got = finish().map((v) => v.evidence?.firstDifferingOffset);
      expect(got).toEqual(flip ? [420] : []);
    }
  });

  it('the window keeps exactly the bytes some live socket has not passed, cut once 4096 bytes or half of it can go', () => {
    const { check, k0, k1, deliverIn, feed } = setup();
    const window = (): [number, number] => {
      const streams = (
        check as unknown as { streams: Map<string, { base: number; canon: { len: number } }> }
      ).streams;
      const st = streams.get('pa/0/in');
      if (st === undefined) throw new Error('no stream');
      return [st.base, st.canon.len];
    };
    const p = rep(1, 'primary');
    const s = rep(9, 'secondary');
    deliverIn(k1, s, 0, 1);
    expect(window()).toEqual([1, 0]);
    deliverIn(k0, p, 0, 10_001);
    expect(window()).toEqual([1, 10_000]);
    // 4096 bytes can go (less than half): they go.
    deliverIn(k1, s, 1, 4096);
    expect(window()).toEqual([4097, 5904]);
    // 1 byte is neither 4096 nor half: it stays.
    deliverIn(k1, s, 4097, 1);
    expect(window()).toEqual([4097, 5904]);
    // Exactly half (2952 of 5904) can go: it goes.
    deliverIn(k1, s, 4098, 2951);
    expect(window()).toEqual([7049, 2952]);
    deliverIn(k1, s, 7049, 1);
    expect(window()).toEqual([7049, 2952]);
    // A lost socket holds nothing: with the secondary gone, the primary alone has passed all.
    feed(ACTOR.nsr(1, 'iha'), K.iha.deleteSecondary, { session: 'pa/0', handle: 9 });
    deliverIn(k0, p, 10_001, 1);
    expect(window()).toEqual([10_002, 0]);
  });
});

describe('identical-data: which records it reads', () => {
  it('PRL records of actors outside the REs are not read', () => {
    const { feed, finish } = setup();
    feed(ACTOR.nsr(0, 'prl'), K.prl.l4, prl({ role: 'primary', seq: 5, replicated: true }));
    feed(ACTOR.pfe, K.prl.nackSent, prl({ seq: 5, reason: 'bufferFull' }));
    feed(ACTOR.peer('pa'), K.prl.nackSent, prl({ seq: 5, reason: 'bufferFull' }));
    expect(finish()).toEqual([]);
  });

  it('PRL records without a pair (refusals of unknown handles, unreplicated input) are not compared', () => {
    const { feed, finish } = setup();
    feed(ACTOR.nsr(0, 'prl'), K.prl.l4, { session: 'pa/0', role: 'primary', seq: 5 });
    feed(ACTOR.nsr(1, 'prl'), K.prl.nackSent, { handle: 3, seq: 5, reason: 'invalidHandle' });
    expect(finish()).toEqual([]);
  });

  it('an IHA forget-primary or delete-secondary loses exactly that handle on that RE; other IHA records, other subsystems and the other RE lose nothing', () => {
    for (const kind of [K.iha.forgetPrimary, K.iha.deleteSecondary]) {
      for (const handle of [1, 7]) {
        const { k0, k1, deliverIn, feed, finish } = setup();
        deliverIn(k1, rep(9, 'secondary'), 0, 10);
        deliverIn(k0, rep(1, 'primary'), 0, 2000);
        deliverIn(k1, rep(9, 'secondary'), 10, 1490);
        // None of these loses the primary (re0, handle 1)...
        feed(ACTOR.nsr(0, 'iha'), K.iha.failover, { session: 'pa/0', handle: 1 });
        feed(ACTOR.nsr(1, 'iha'), kind, { session: 'pa/0', handle: 1, reason: 'x' });
        feed(ACTOR.nsr(0, 'psrm'), kind, { session: 'pa/0', handle: 1, reason: 'x' });
        // ... this one does when it names handle 1: the secondary then lacks 500 bytes.
        feed(ACTOR.nsr(0, 'iha'), kind, { session: 'pa/0', handle, reason: 'x' });
        const got = finish();
        if (handle === 1)
          expect(
            got.map((v) => v.evidence),
            kind,
          ).toEqual([
            {
              session: 'pa/0',
              direction: 'in',
              lost: 're0#1',
              lostEnd: 2000,
              survivorEnd: 1500,
              firstDifferingOffset: 1500,
            },
          ]);
        else expect(got, kind).toEqual([]);
      }
    }
  });

  it('only an RE crash (actor stop) loses its sockets; a takeover record is no loss', () => {
    const { k0, k1, deliverIn, feed, finish } = setup();
    const s = rep(9, 'secondary');
    deliverIn(k1, s, 0, 10);
    deliverIn(k0, rep(1, 'primary'), 0, 2000);
    deliverIn(k1, s, 10, 1490);
    feed(ACTOR.re(0), K.sim.actorStop, { reason: 'crash' });
    feed(ACTOR.re(1), K.app.takeover, { session: 'pa/0', side: 'router', outOffset: 0 });
    // The survivor still has to hold what the lost primary delivered.
    expect(finish().map((v) => v.message)).toEqual([
      'inbound pa/0: the lost socket re0#1 had delivered up to byte 2000, the survivor holds only up to 1500',
    ]);
  });

  it('a lost socket keeps what it had when it was lost: a later crash of its RE does not move it', () => {
    const { k0, k1, deliverOut, feed, finish } = setup();
    const conn = { so_snd: { cc: 100 }, snd_una: 5000, snd_max: 5080 };
    const p = rep(1, 'primary', { sdrl: { sndAppended: 300 }, conn });
    deliverOut(k0, p, 0, 300);
    deliverOut(k1, rep(9, 'secondary'), 0, 280);
    // Handed over (sync switchover): it had transmitted up to 280.
    feed(ACTOR.nsr(0, 'iha'), K.iha.forgetPrimary, { session: 'pa/0', handle: 1 });
    conn.so_snd.cc = 0;
    feed(ACTOR.re(0), K.sim.actorStop, { reason: 'crash' });
    feed(ACTOR.re(1), K.app.takeover, { session: 'pa/0', side: 'router', outOffset: 280 });
    expect(finish()).toEqual([]);
  });

  it('a lost outbound secondary must be matched up to what SDRL gave it, not to what it transmitted', () => {
    const { k0, k1, deliverOut, feed, finish } = setup();
    deliverOut(k1, rep(9, 'secondary'), 0, 300);
    deliverOut(k0, rep(1, 'primary'), 0, 200);
    feed(ACTOR.re(1), K.sim.actorStop, { reason: 'crash' });
    expect(finish().map((v) => v.evidence)).toEqual([
      {
        session: 'pa/0',
        direction: 'out',
        lost: 're1#9',
        lostEnd: 300,
        survivorEnd: 200,
        firstDifferingOffset: 200,
      },
    ]);
  });

  it('a lost outbound primary whose sequence numbers wrapped still counts what it had in flight', () => {
    const { k0, k1, deliverOut, feed, finish } = setup();
    const conn = { so_snd: { cc: 100 }, snd_una: 0xffff_fff0, snd_max: 0x40 };
    deliverOut(k0, rep(1, 'primary', { sdrl: { sndAppended: 300 }, conn }), 0, 300);
    deliverOut(k1, rep(9, 'secondary'), 0, 260);
    feed(ACTOR.re(0), K.sim.actorStop, { reason: 'crash' });
    feed(ACTOR.re(1), K.app.takeover, { session: 'pa/0', side: 'router', outOffset: 260 });
    // 200 acknowledged, 0x50 = 80 in flight: transmitted up to 280.
    expect(finish().map((v) => v.evidence)).toEqual([
      {
        session: 'pa/0',
        direction: 'out',
        lost: 're0#1',
        lostTransmittedEnd: 280,
        resumedAt: 260,
        firstDifferingOffset: 260,
      },
    ]);
  });
});

describe('identical-data: what the survivors must hold', () => {
  it('the checker is the one scenario files name identical-data', () => {
    expect(IDENTICAL_DATA).toBe('identical-data');
  });

  it('the survivor holding the most is the one judged, and an outbound shortfall is reported with its message', () => {
    for (const newSecondaryEnd of [1900, 2100]) {
      const { k0, k1, deliverIn, deliverOut, feed, finish } = setup();
      deliverIn(k1, rep(9, 'secondary'), 0, 10);
      deliverIn(k0, rep(1, 'primary'), 0, 2000);
      deliverIn(k1, rep(9, 'secondary'), 10, 2190);
      deliverOut(k1, rep(9, 'secondary'), 0, 10);
      // The master had transmitted all 500 bytes it wrote (the peer acknowledged them).
      const p = rep(1, 'primary', {
        sdrl: { sndAppended: 500 },
        conn: { so_snd: { cc: 0 }, snd_una: 9, snd_max: 9 },
      });
      deliverOut(k0, p, 0, 500);
      feed(ACTOR.re(0), K.sim.actorStop, { reason: 'crash' });
      // RE0 restarted: its new secondary of the session starts at 1800.
      deliverIn(k0, rep(5, 'secondary'), 1800, newSecondaryEnd - 1800);
      expect(finish()).toEqual([
        {
          recordId: -1,
          timeNs: 0,
          message:
            'outbound pa/0: the lost socket re0#1 had delivered up to byte 500, the survivor holds only up to 10',
          evidence: {
            session: 'pa/0',
            direction: 'out',
            lost: 're0#1',
            lostEnd: 500,
            survivorEnd: 10,
            firstDifferingOffset: 10,
          },
        },
      ]);
    }
  });

  it('with no survivor (both REs lost) there is nothing to judge', () => {
    const { k0, k1, deliverIn, feed, finish } = setup();
    deliverIn(k1, rep(9, 'secondary'), 0, 10);
    deliverIn(k0, rep(1, 'primary'), 0, 2000);
    feed(ACTOR.re(0), K.sim.actorStop, { reason: 'crash' });
    feed(ACTOR.re(1), K.sim.actorStop, { reason: 'crash' });
    expect(finish()).toEqual([]);
  });
});

describe('identical-data: takeovers (S-1)', () => {
  /** A master that wrote 300 bytes and transmitted up to 280, and a secondary with `sec` bytes. */
  function lostPrimary(sec: number) {
    const t = setup();
    const p = rep(1, 'primary', {
      sdrl: { sndAppended: 300 },
      conn: { so_snd: { cc: 100 }, snd_una: 5000, snd_max: 5080 },
    });
    // The secondary's first bytes make both sockets live before anything is compared.
    t.deliverOut(t.k1, rep(9, 'secondary'), 0, 10);
    t.deliverOut(t.k0, p, 0, 300);
    t.deliverOut(t.k1, rep(9, 'secondary'), 10, sec - 10);
    return t;
  }

  it('a takeover behind what the lost primary transmitted: one violation at the takeover record, with its message', () => {
    const { feed, finish } = lostPrimary(250);
    feed(ACTOR.re(0), K.sim.actorStop, { reason: 'crash' });
    const tk = feed(ACTOR.re(1), K.app.takeover, {
      session: 'pa/0',
      side: 'router',
      outOffset: 250,
    });
    // A second takeover of the same stream adds nothing.
    feed(ACTOR.re(1), K.app.takeover, { session: 'pa/0', side: 'router', outOffset: 250 });
    expect(finish()).toEqual([
      {
        recordId: tk.id,
        timeNs: tk.t,
        message:
          'outbound pa/0: the new primary resumed at byte 250 but the lost primary re0#1 had already transmitted up to byte 280 (sent before it was replicated, S-1)',
        evidence: {
          session: 'pa/0',
          direction: 'out',
          lost: 're0#1',
          lostTransmittedEnd: 280,
          resumedAt: 250,
          firstDifferingOffset: 250,
        },
      },
    ]);
  });

  it('a takeover of a stream already reported, of a session never seen, or after only a secondary was lost, adds nothing', () => {
    const a = lostPrimary(250);
    const wrong = bytes(250, 20);
    wrong[0] = 0;
    a.deliverOut(a.k1, rep(9, 'secondary'), 250, 20, wrong);
    a.feed(ACTOR.re(0), K.sim.actorStop, { reason: 'crash' });
    a.feed(ACTOR.re(1), K.app.takeover, { session: 'pa/0', side: 'router', outOffset: 250 });
    a.feed(ACTOR.re(1), K.app.takeover, { session: 'zz/9', side: 'router', outOffset: 0 });
    expect(a.finish().map((v) => v.evidence?.firstDifferingOffset)).toEqual([250]);

    // RE1 (the secondary's) is lost; a takeover on RE0 at 250 is no S-1 failure.
    const b = lostPrimary(300);
    b.feed(ACTOR.re(1), K.sim.actorStop, { reason: 'crash' });
    b.feed(ACTOR.re(0), K.app.takeover, { session: 'pa/0', side: 'router', outOffset: 250 });
    expect(b.finish()).toEqual([]);
  });

  it('a socket lost by its handle ends its instances in both directions, the first one delivered too', () => {
    // The primary re0#1 delivers outbound bytes first, then inbound ones: the per-socket
    // index must keep both (a stryker survivor kept only the last), or IHA forgetting the
    // primary leaves its outbound instance live and the S-1 judgement at the takeover skips it.
    const t = lostPrimary(250);
    const p = rep(1, 'primary', {
      sdrl: { sndAppended: 300 },
      conn: { so_snd: { cc: 100 }, snd_una: 5000, snd_max: 5080 },
    });
    t.deliverIn(t.k1, rep(9, 'secondary'), 0, 10);
    t.deliverIn(t.k0, p, 0, 10);
    t.feed(ACTOR.nsr(0, 'iha'), K.iha.forgetPrimary, { session: 'pa/0', handle: 1 });
    t.feed(ACTOR.re(1), K.app.takeover, { session: 'pa/0', side: 'router', outOffset: 250 });
    expect(t.finish().map((v) => v.evidence?.lostTransmittedEnd)).toEqual([280]);
  });

  it('an instance is ended once: what it had transmitted when it was lost counts, not what its connection says later', () => {
    const conn = { so_snd: { cc: 100 }, snd_una: 5000, snd_max: 5080 };
    const t = setup();
    const p = rep(1, 'primary', { sdrl: { sndAppended: 300 }, conn });
    t.deliverOut(t.k1, rep(9, 'secondary'), 0, 10);
    t.deliverOut(t.k0, p, 0, 300);
    t.deliverOut(t.k1, rep(9, 'secondary'), 10, 290);
    t.feed(ACTOR.nsr(0, 'iha'), K.iha.forgetPrimary, { session: 'pa/0', handle: 1 });
    // It had transmitted up to byte 280 when IHA forgot it; its tcpcb object then moves on
    // (to 300): a second record about the same handle must not re-judge it from that.
    conn.snd_max = 5100;
    t.feed(ACTOR.nsr(0, 'iha'), K.iha.deleteSecondary, { session: 'pa/0', handle: 1 });
    t.feed(ACTOR.re(1), K.app.takeover, { session: 'pa/0', side: 'router', outOffset: 290 });
    expect(t.finish()).toEqual([]);
  });

  it('only a takeover record is read as one: another kernel record naming the session is not', () => {
    const { feed, finish } = lostPrimary(280);
    feed(ACTOR.re(0), K.sim.actorStop, { reason: 'crash' });
    feed(ACTOR.re(1), K.sim.actorRestart, { session: 'pa/0', incarnation: 2 });
    expect(finish()).toEqual([]);
  });
});

describe('identical-data: packets (G-2 packet level)', () => {
  it('each meeting of the two sides is reported with its own message, direction in, once per session', () => {
    const cases: Array<[string, string, Fields, string, Fields, string]> = [
      [
        ACTOR.nsr(1, 'prl'),
        K.prl.nackSent,
        prl({ seq: 5, reason: 'bufferFull' }),
        K.prl.l4,
        prl({ role: 'primary', seq: 5, replicated: true }),
        'the primary passed it up L4 but the secondary refused it (NACK)',
      ],
      [
        ACTOR.nsr(0, 'prl'),
        K.prl.drop,
        prl({ seq: 5, reason: 'nack-buffer-full', len: 10 }),
        K.prl.l4,
        prl({ role: 'secondary', seq: 5 }),
        'the secondary passed it up L4 but the primary dropped it',
      ],
      [
        ACTOR.nsr(1, 'prl'),
        K.prl.l4,
        prl({ role: 'secondary', seq: 5 }),
        K.prl.drop,
        prl({ seq: 5, reason: 'nack-buffer-full', len: 10 }),
        'the primary dropped it but the secondary had passed it up L4',
      ],
      [
        ACTOR.nsr(0, 'prl'),
        K.prl.l4,
        prl({ role: 'primary', seq: 5, replicated: true }),
        K.prl.nackSent,
        prl({ seq: 5, reason: 'bufferFull' }),
        'the secondary refused it (NACK) but the primary had passed it up L4',
      ],
    ];
    for (const [firstActor, firstKind, firstFields, kind, fields, what] of cases) {
      const { feed, finish } = setup();
      feed(firstActor, firstKind, firstFields);
      const actor = firstActor === ACTOR.nsr(0, 'prl') ? ACTOR.nsr(1, 'prl') : ACTOR.nsr(0, 'prl');
      const rec = feed(actor, kind, fields);
      // A second meeting in the same session is not reported again.
      feed(firstActor, firstKind, { ...firstFields, seq: 6 });
      feed(actor, kind, { ...fields, seq: 6 });
      expect(finish()).toEqual([
        {
          recordId: rec.id,
          timeNs: rec.t,
          message: `pa/0 packet 5 of pair re0#1: ${what}`,
          evidence: { session: 'pa/0', direction: 'in', seq: 5, pair: 're0#1' },
        },
      ]);
    }
  });

  it('sequence number 0 (a wrapped u32) is a replicated packet like any other', () => {
    const { feed, finish } = setup();
    feed(ACTOR.nsr(0, 'prl'), K.prl.l4, prl({ role: 'primary', seq: 0, replicated: true }));
    feed(ACTOR.nsr(1, 'prl'), K.prl.nackSent, prl({ seq: 0, reason: 'bufferFull' }));
    expect(finish().map((v) => v.evidence?.seq)).toEqual([0]);
  });

  it('a secondary passing a packet up without a sequence number (straight from L3) is not the unreplicated-primary violation', () => {
    const { feed, finish } = setup();
    feed(ACTOR.nsr(1, 'prl'), K.prl.l4, prl({ role: 'secondary', seq: -1, replicated: true }));
    expect(finish()).toEqual([]);
  });

  it('the unreplicated pass-up of an active primary is reported with its arrival, direction in', () => {
    const { feed, finish } = setup();
    const rec = feed(
      ACTOR.nsr(0, 'prl'),
      K.prl.l4,
      prl({ role: 'primary', seq: -1, replicated: true, tcpSeq: 77, arrival: 3 }),
    );
    expect(finish()).toEqual([
      {
        recordId: rec.id,
        timeNs: rec.t,
        message:
          'pa/0: the primary passed a packet (TCP seq 77) up L4 without replicating it while replication was active',
        evidence: { session: 'pa/0', direction: 'in', arrival: 3 },
      },
    ]);
  });

  it('a release that drops does not end the comparison: a later pass-up the secondary refused is still reported', () => {
    const { feed, finish } = setup();
    feed(ACTOR.nsr(0, 'prl'), K.prl.l4, prl({ role: 'primary', seq: 4, replicated: true }));
    feed(ACTOR.nsr(0, 'iha'), K.prl.release, { session: 'pa/0', mode: 'drop', queued: 0 });
    feed(ACTOR.nsr(0, 'prl'), K.prl.l4, prl({ role: 'primary', seq: 5, replicated: true }));
    feed(ACTOR.nsr(1, 'prl'), K.prl.nackSent, prl({ seq: 5, reason: 'bufferFull' }));
    expect(finish().map((v) => v.evidence?.seq)).toEqual([5]);
  });

  it('F-2: a primary IHA forgot at a hand-over is a lost socket: the queue its release drops is no pair disagreement, before or after the secondary passes those packets up; another pair is still judged', () => {
    // scenarios/library/fault/switchover-drain-deadline.yaml: the drain hits its bound, the
    // old primary is forgotten and drops its queue, the held replicates then go up the
    // secondary (the new master). Without the rule identical-data fired there.
    const { feed, finish } = setup();
    feed(ACTOR.nsr(0, 'prl'), K.prl.l4, prl({ role: 'primary', seq: 4, replicated: true }));
    feed(ACTOR.nsr(1, 'prl'), K.prl.l4, prl({ role: 'secondary', seq: 5 }));
    feed(ACTOR.nsr(0, 'iha'), K.iha.forgetPrimary, { session: 'pa/0', handle: 1, reason: 'x' });
    feed(ACTOR.nsr(0, 'iha'), K.prl.drop, prl({ seq: 5, reason: 'release', len: 10 }));
    feed(ACTOR.nsr(0, 'iha'), K.prl.drop, prl({ seq: 6, reason: 'release', len: 10 }));
    feed(ACTOR.nsr(1, 'prl'), K.prl.l4, prl({ role: 'secondary', seq: 6 }));
    feed(
      ACTOR.nsr(0, 'prl'),
      K.prl.l4,
      prl({ role: 'primary', seq: 7, replicated: true, session: 'pa/1', pair: 're0#2' }),
    );
    feed(
      ACTOR.nsr(0, 'prl'),
      K.prl.drop,
      prl({ seq: 8, reason: 'nack-buffer-full', len: 10, session: 'pa/1', pair: 're0#2' }),
    );
    feed(
      ACTOR.nsr(1, 'prl'),
      K.prl.l4,
      prl({ role: 'secondary', seq: 8, session: 'pa/1', pair: 're0#2' }),
    );
    expect(finish().map((v) => [v.evidence?.session, v.evidence?.seq])).toEqual([['pa/1', 8]]);
  });

  it('F-2: the pair of a forgotten primary is its own RE and handle, even if it never passed a packet up L4', () => {
    const { feed, finish } = setup();
    feed(ACTOR.nsr(1, 'prl'), K.prl.l4, prl({ role: 'secondary', seq: 1, handle: 1 }));
    feed(ACTOR.nsr(0, 'iha'), K.iha.forgetPrimary, { session: 'pa/0', handle: 1, reason: 'x' });
    feed(ACTOR.nsr(0, 'iha'), K.prl.drop, prl({ seq: 1, reason: 'release', len: 10 }));
    expect(finish()).toEqual([]);
  });

  it('I-6: a secondary IHA deleted is a lost socket: the queue the primary then drops at its release is no pair disagreement; a drop for another reason, or on another pair, is still judged', () => {
    // scenarios/library/fault/kkcm-enobufs.yaml: the secondary's ACK is refused (ENOBUFS),
    // it is deleted, the primary drops its queue on the peer's iha.error.
    const { feed, finish } = setup();
    const sec = (seq: number, more: Fields = {}) =>
      feed(ACTOR.nsr(1, 'prl'), K.prl.l4, prl({ role: 'secondary', seq, handle: 1, ...more }));
    sec(5);
    sec(6, { session: 'pa/1', pair: 're0#2', handle: 2 });
    feed(ACTOR.nsr(1, 'iha'), K.iha.deleteSecondary, { session: 'pa/0', handle: 1, reason: 'x' });
    feed(ACTOR.nsr(0, 'iha'), K.prl.drop, prl({ seq: 5, reason: 'release', len: 10 }));
    feed(
      ACTOR.nsr(0, 'iha'),
      K.prl.drop,
      prl({ seq: 6, reason: 'release', len: 10, session: 'pa/1', pair: 're0#2' }),
    );
    expect(finish().map((v) => [v.evidence?.session, v.evidence?.seq])).toEqual([['pa/1', 6]]);
    const again = setup();
    again.feed(ACTOR.nsr(1, 'prl'), K.prl.l4, prl({ role: 'secondary', seq: 7, handle: 1 }));
    again.feed(ACTOR.nsr(1, 'iha'), K.iha.deleteSecondary, {
      session: 'pa/0',
      handle: 1,
      reason: 'x',
    });
    again.feed(
      ACTOR.nsr(0, 'prl'),
      K.prl.drop,
      prl({ seq: 7, reason: 'nack-buffer-full', len: 10 }),
    );
    expect(again.finish().map((v) => v.evidence?.seq)).toEqual([7]);
  });

  it("only IHA's delete-secondary and forget-primary end a pair: after another IHA record of the secondary, the primary's release drop of a packet the secondary passed up still fails", () => {
    const { feed, finish } = setup();
    feed(ACTOR.nsr(1, 'prl'), K.prl.l4, prl({ role: 'secondary', seq: 5, handle: 1 }));
    feed(ACTOR.nsr(1, 'iha'), K.iha.active, { session: 'pa/0', handle: 1 });
    feed(ACTOR.nsr(0, 'iha'), K.prl.drop, prl({ seq: 5, reason: 'release', len: 10 }));
    expect(finish().map((v) => v.evidence?.seq)).toEqual([5]);
  });

  it('each side remembers its last 20,000 sequence numbers: the 20,000th newest still meets the other side, an older one does not', () => {
    for (const n of [20_000, 20_001]) {
      const { feed, finish } = setup();
      for (let seq = 1; seq <= n; seq++)
        feed(ACTOR.nsr(0, 'prl'), K.prl.l4, prl({ role: 'primary', seq, replicated: true }));
      feed(ACTOR.nsr(1, 'prl'), K.prl.nackSent, prl({ seq: 1, reason: 'bufferFull' }));
      feed(ACTOR.nsr(1, 'prl'), K.prl.nackSent, prl({ seq: n, reason: 'bufferFull' }));
      expect(
        finish().map((v) => v.evidence?.seq),
        `${n} remembered`,
      ).toEqual([n === 20_000 ? 1 : n]);
    }
  });
});
