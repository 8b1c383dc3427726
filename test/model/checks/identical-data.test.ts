// Proves the identical-data checker (SPEC G-2, S-1) accepts a primary and a secondary that deliver the same bytes in each direction and a survivor holding all a lost socket delivered, and reports differing bytes, a survivor that lacks bytes, a packet passed up on one side only (whether PRL or IHA, releasing a queue, traced it), and a takeover behind what the lost primary had transmitted.
import { describe, expect, it } from 'vitest';
import { IDENTICAL_DATA, IdenticalDataCheck } from '../../../model/checks/identical-data.ts';
import type { NsrState, Rep } from '../../../model/nsr/state.ts';
import { Simulation } from '../../../sim/index.ts';
import {
  bytes,
  collector,
  ended,
  fakeNsrState as kernel,
  fakeRep as rep,
  Records,
} from './fixture.ts';
import { ACTOR, K } from '../../../model/vocab.ts';

function setup() {
  const check = new IdenticalDataCheck(new Simulation({ seed: 1 }));
  const k0 = kernel(0);
  const k1 = kernel(1);
  check.attach(k0);
  check.attach(k1);
  const deliverIn = (k: NsrState, r: Rep, off: number, n: number, data = bytes(off, n)) =>
    k.delivered.publish(r, off, data);
  const deliverOut = (k: NsrState, r: Rep, off: number, n: number, data = bytes(off, n)) =>
    k.sent.publish(r, off, data);
  return { check, k0, k1, deliverIn, deliverOut, ...collector(), r: new Records() };
}

describe('identical-data', () => {
  it('passes: both sockets deliver the same bytes in each direction, in different chunkings', () => {
    const { check, k0, k1, deliverIn, deliverOut, report, got } = setup();
    expect(check.id).toBe(IDENTICAL_DATA);
    const p = rep(1, 'primary');
    const s = rep(9, 'secondary');
    deliverIn(k1, s, 0, 10);
    deliverIn(k0, p, 0, 1000);
    deliverIn(k1, s, 10, 290);
    deliverIn(k1, s, 300, 900);
    deliverIn(k0, p, 1000, 200);
    deliverOut(k0, p, 0, 500);
    deliverOut(k1, s, 0, 200);
    deliverOut(k1, s, 200, 300);
    check.atEnd(ended(1e9), report);
    expect(got).toEqual([]);
  });

  it('fails: the first chunk of a stream differs (byte 0 in, byte 3 out), though one socket delivered it alone', () => {
    // The secondary passes an inbound packet up before the primary, and the primary writes
    // before SDRL appends on the secondary: the first socket to deliver is alone in the
    // stream. Its bytes are kept for the other socket of the session in the other RE's
    // tables, which will deliver from its next offset (rcv.offset in, sdrl.sndAppended out).
    for (const dir of ['in', 'out'] as const) {
      for (const differ of [false, true]) {
        const { check, k0, k1, deliverIn, deliverOut, report, got } = setup();
        const p = rep(1, 'primary', { rcv: { offset: 0 } });
        const s = rep(9, 'secondary', { rcv: { offset: 0 }, iha: { active: true } });
        k0.bySession.set('pa/0', p);
        k1.bySession.set('pa/0', s);
        const wrong = bytes(0, 10);
        const at = dir === 'in' ? 0 : 3;
        if (differ) wrong[at] = (wrong[at] as number) ^ 0xff;
        if (dir === 'in') {
          deliverIn(k1, s, 0, 10);
          deliverIn(k0, p, 0, 10, wrong);
        } else {
          deliverOut(k0, p, 0, 10);
          deliverOut(k1, s, 0, 10, wrong);
        }
        check.atEnd(ended(1e9), report);
        if (!differ) {
          expect(got).toEqual([]);
          continue;
        }
        expect(got).toHaveLength(1);
        expect(got[0]?.evidence).toMatchObject({ direction: dir, firstDifferingOffset: at });
      }
    }
  });

  it('the window is bounded: a crashed RE, a secondary not yet active and a socket under a new handle hold nothing', () => {
    // Each case: the primary delivers 10,000 bytes alone; what the checker still holds.
    const held = (arrange: (x: ReturnType<typeof setup>) => void): number => {
      const x = setup();
      arrange(x);
      x.deliverIn(x.k0, rep(1, 'primary', { rcv: { offset: 0 } }), 0, 10_000);
      return x.check.held('pa/0', 'in');
    };
    const secondary = (active: boolean) =>
      rep(9, 'secondary', { rcv: { offset: 0 }, iha: { active } });
    // An active secondary of the session that has not delivered yet: the bytes wait for it.
    expect(held((x) => x.k1.bySession.set('pa/0', secondary(true)))).toBe(10_000);
    // Not active yet (its offsets are not its stream's before the snapshot): nothing waits.
    expect(held((x) => x.k1.bySession.set('pa/0', secondary(false)))).toBe(0);
    // Its RE crashed: nothing waits for it.
    expect(
      held((x) => {
        x.k1.bySession.set('pa/0', secondary(true));
        x.check.onRecord(x.r.rec(ACTOR.re(1), K.sim.actorStop, { reason: 'crash' }));
      }),
    ).toBe(0);
  });

  it("a socket not yet delivering holds the window from its own next offset: inbound TCP's (rcv.offset), outbound SDRL's appended end", () => {
    for (const dir of ['in', 'out'] as const) {
      const x = setup();
      x.k1.bySession.set(
        'pa/0',
        rep(9, 'secondary', {
          rcv: { offset: 6000 },
          sdrl: { sndAppended: 5000 },
          iha: { active: true },
        }),
      );
      const deliver = dir === 'in' ? x.deliverIn : x.deliverOut;
      deliver(x.k0, rep(1, 'primary', { rcv: { offset: 0 } }), 0, 10_000);
      expect(x.check.held('pa/0', dir), dir).toBe(dir === 'in' ? 4000 : 5000);
    }
  });

  it('holds nothing for a stream no socket has delivered on', () => {
    const { check } = setup();
    expect(check.held('pa/0', 'out')).toBe(0);
    expect(check.held('no-such', 'in')).toBe(0);
  });

  it('a socket that goes on under a new handle (failover, re-set-up) ends its old instance: the window moves on', () => {
    const { check, k0, k1, deliverIn, report, got, r } = setup();
    const conn = { so_snd: { cc: 0 }, snd_max: 0, snd_una: 0 };
    deliverIn(k0, rep(1, 'primary'), 0, 5000);
    deliverIn(k1, rep(9, 'secondary', { conn }), 0, 5000);
    check.onRecord(r.rec(ACTOR.re(0), K.sim.actorStop, { reason: 'crash' }));
    // The secondary's socket is the new primary, under a new handle.
    deliverIn(k1, rep(12, 'primary', { conn }), 5000, 10_000);
    expect(check.held('pa/0', 'in')).toBe(0);
    check.atEnd(ended(1e9), report);
    expect(got).toEqual([]);
  });

  it('fails: the secondary holds a different byte at offset 1234', () => {
    const { check, k0, k1, deliverIn, report, got } = setup();
    // Both sockets are live from the start (the checker keeps bytes only for live ones).
    deliverIn(k1, rep(9, 'secondary'), 0, 10);
    deliverIn(k0, rep(1, 'primary'), 0, 2000);
    const wrong = bytes(1000, 500);
    wrong[234] = (wrong[234] as number) ^ 0xff;
    deliverIn(k1, rep(9, 'secondary'), 10, 990);
    deliverIn(k1, rep(9, 'secondary'), 1000, 500, wrong);
    check.atEnd(ended(1e9), report);
    expect(got).toHaveLength(1);
    expect(got[0]?.evidence).toMatchObject({
      session: 'pa/0',
      direction: 'in',
      firstDifferingOffset: 1234,
      re: 1,
    });
    expect(got[0]?.message).toMatch(/inbound data of pa\/0 differs at byte 1234/);
  });

  it('fails: a socket delivers with a gap in its own stream', () => {
    const { check, k0, deliverIn, report, got } = setup();
    const p = rep(1, 'primary');
    deliverIn(k0, p, 0, 100);
    deliverIn(k0, p, 150, 100);
    check.atEnd(ended(1e9), report);
    expect(got[0]?.message).toMatch(/re0#1 delivered at 150 after ending at 100/);
  });

  it('master crash: passes when the survivor catches up to what the lost primary delivered, fails when it does not', () => {
    for (const catchUp of [true, false]) {
      const { check, k0, k1, deliverIn, report, got, r } = setup();
      const s = rep(9, 'secondary');
      deliverIn(k0, rep(1, 'primary'), 0, 2000);
      deliverIn(k1, s, 0, 1500);
      check.onRecord(r.rec(ACTOR.re(0), K.sim.actorStop, { reason: 'crash' }));
      // After the takeover the peer retransmits what it never saw acknowledged.
      if (catchUp) deliverIn(k1, { ...s, role: 'primary' } as Rep, 1500, 700);
      check.atEnd(ended(1e9), report);
      if (catchUp) {
        expect(got).toEqual([]);
      } else {
        expect(got).toHaveLength(1);
        expect(got[0]?.evidence).toMatchObject({
          direction: 'in',
          lost: 're0#1',
          lostEnd: 2000,
          survivorEnd: 1500,
          firstDifferingOffset: 1500,
        });
      }
    }
  });

  it('fails: a replicated packet the primary passed up L4 but the secondary refused (NACK)', () => {
    const { check, report, got, r } = setup();
    check.onRecord(
      r.rec(ACTOR.nsr(0, 'prl'), K.prl.l4, {
        session: 'pa/0',
        pair: 're0#1',
        role: 'primary',
        seq: 5,
        replicated: true,
      }),
    );
    check.onRecord(
      r.rec(ACTOR.nsr(0, 'prl'), K.prl.l4, {
        session: 'pa/0',
        pair: 're0#1',
        role: 'primary',
        seq: 6,
        replicated: true,
      }),
    );
    check.onRecord(
      r.rec(ACTOR.nsr(1, 'prl'), K.prl.l4, {
        session: 'pa/0',
        pair: 're0#1',
        role: 'secondary',
        seq: 6,
      }),
    );
    const nack = r.rec(ACTOR.nsr(1, 'prl'), K.prl.nackSent, {
      session: 'pa/0',
      pair: 're0#1',
      seq: 5,
      reason: 'bufferFull',
    });
    check.onRecord(nack);
    check.atEnd(ended(1e9), report);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ recordId: nack.id, evidence: { seq: 5, pair: 're0#1' } });
    expect(got[0]?.message).toMatch(
      /the secondary refused it \(NACK\) but the primary had passed it up L4/,
    );
  });

  it('after the primary released its queue with a push (P-7 timeout): the doomed secondary refusing a pushed packet passes, one going up that the primary dropped still fails', () => {
    const { check, report, got, r } = setup();
    check.onRecord(
      r.rec(ACTOR.nsr(0, 'prl'), K.prl.l4, {
        session: 'pa/0',
        pair: 're0#1',
        role: 'primary',
        seq: 4,
        replicated: true,
      }),
    );
    check.onRecord(
      r.rec(ACTOR.nsr(0, 'prl'), K.prl.timeout, { session: 'pa/0', queued: 2, quietNs: 1e9 }),
    );
    check.onRecord(
      r.rec(ACTOR.nsr(0, 'prl'), K.prl.release, {
        session: 'pa/0',
        mode: 'push',
        queued: 2,
        pending: 0,
      }),
    );
    check.onRecord(
      r.rec(ACTOR.nsr(0, 'prl'), K.prl.l4, {
        session: 'pa/0',
        pair: 're0#1',
        role: 'primary',
        seq: 5,
        replicated: false,
      }),
    );
    check.onRecord(
      r.rec(ACTOR.nsr(1, 'prl'), K.prl.nackSent, {
        session: 'pa/0',
        pair: 're0#1',
        seq: 5,
        reason: 'bufferFull',
      }),
    );
    // A drop on the released pair is still compared: the secondary must not have passed it up.
    check.onRecord(
      r.rec(ACTOR.nsr(0, 'prl'), K.prl.drop, {
        session: 'pa/0',
        pair: 're0#1',
        seq: 6,
        reason: 'release',
        len: 10,
      }),
    );
    const up = r.rec(ACTOR.nsr(1, 'prl'), K.prl.l4, {
      session: 'pa/0',
      pair: 're0#1',
      role: 'secondary',
      seq: 6,
    });
    check.onRecord(up);
    // Another socket's pair is still judged.
    check.onRecord(
      r.rec(ACTOR.nsr(0, 'prl'), K.prl.l4, {
        session: 'pa/1',
        pair: 're0#2',
        role: 'primary',
        seq: 9,
        replicated: true,
      }),
    );
    const nack = r.rec(ACTOR.nsr(1, 'prl'), K.prl.nackSent, {
      session: 'pa/1',
      pair: 're0#2',
      seq: 9,
      reason: 'bufferFull',
    });
    check.onRecord(nack);
    check.atEnd(ended(1e9), report);
    expect(got.map((g) => g.recordId)).toEqual([up.id, nack.id]);
  });

  it('prl records IHA emits are judged: the secondary passing up packet 6 that IHA dropped at a cleanup fails, packet 7 (not dropped) passes', () => {
    for (const upSeq of [7, 6]) {
      const { check, report, got, r } = setup();
      check.onRecord(
        r.rec(ACTOR.nsr(0, 'iha'), K.prl.release, {
          session: 'pa/0',
          mode: 'drop',
          queued: 1,
          pending: 0,
        }),
      );
      check.onRecord(
        r.rec(ACTOR.nsr(0, 'iha'), K.prl.drop, {
          session: 'pa/0',
          pair: 're0#1',
          reason: 'release',
          seq: 6,
          len: 10,
        }),
      );
      const up = r.rec(ACTOR.nsr(1, 'prl'), K.prl.l4, {
        session: 'pa/0',
        pair: 're0#1',
        role: 'secondary',
        seq: upSeq,
      });
      check.onRecord(up);
      check.atEnd(ended(1e9), report);
      if (upSeq === 7) {
        expect(got).toEqual([]);
      } else {
        expect(got).toHaveLength(1);
        expect(got[0]).toMatchObject({ recordId: up.id, evidence: { seq: 6, pair: 're0#1' } });
        expect(got[0]?.message).toMatch(/the secondary passed it up L4 but the primary dropped it/);
      }
    }
  });

  it("prl records IHA emits are judged: a primary pass-up IHA traced for packet 5 meets the secondary's NACK of 5 (fails), not a NACK of 4 (passes)", () => {
    for (const nackSeq of [4, 5]) {
      const { check, report, got, r } = setup();
      check.onRecord(
        r.rec(ACTOR.nsr(1, 'prl'), K.prl.nackSent, {
          session: 'pa/0',
          pair: 're0#1',
          seq: nackSeq,
          reason: 'bufferFull',
        }),
      );
      const up = r.rec(ACTOR.nsr(0, 'iha'), K.prl.l4, {
        session: 'pa/0',
        pair: 're0#1',
        role: 'primary',
        seq: 5,
        replicated: true,
      });
      check.onRecord(up);
      check.atEnd(ended(1e9), report);
      if (nackSeq === 4) expect(got).toEqual([]);
      else expect(got).toMatchObject([{ recordId: up.id, evidence: { seq: 5 } }]);
    }
  });

  it('fails: the primary passes a packet up L4 without replicating it while replication is active', () => {
    const { check, report, got, r } = setup();
    check.onRecord(
      r.rec(ACTOR.nsr(0, 'prl'), K.prl.l4, {
        session: 'pa/0',
        pair: 're0#1',
        role: 'primary',
        seq: -1,
        replicated: true,
        tcpSeq: 77,
        arrival: 3,
      }),
    );
    // Not replicated at the time (set-up not active yet): allowed.
    check.onRecord(
      r.rec(ACTOR.nsr(0, 'prl'), K.prl.l4, {
        session: 'pa/1',
        pair: 're0#2',
        role: 'primary',
        seq: -1,
        replicated: false,
      }),
    );
    check.atEnd(ended(1e9), report);
    expect(got.map((v) => v.message)).toEqual([
      expect.stringMatching(
        /pa\/0: the primary passed a packet \(TCP seq 77\) up L4 without replicating it/,
      ),
    ]);
  });

  it('outbound S-1: a takeover at the end of what the lost primary transmitted passes, one behind it fails', () => {
    for (const resumeAt of [280, 250]) {
      const { check, k0, k1, deliverOut, report, got, r } = setup();
      // The master's application wrote 300 bytes; the peer acknowledged 200 (so_snd holds
      // 100) and 80 more are in flight: the master transmitted up to byte 280.
      const p = rep(1, 'primary', {
        sdrl: { sndAppended: 300 },
        conn: { so_snd: { cc: 100 }, snd_una: 5000, snd_max: 5080 },
      });
      deliverOut(k0, p, 0, 300);
      deliverOut(k1, rep(9, 'secondary'), 0, resumeAt);
      check.onRecord(r.rec(ACTOR.re(0), K.sim.actorStop, { reason: 'crash' }));
      check.onRecord(
        r.rec(ACTOR.re(1), K.app.takeover, {
          session: 'pa/0',
          side: 'router',
          outOffset: resumeAt,
          inOffset: 0,
        }),
      );
      check.atEnd(ended(1e9), report);
      if (resumeAt === 280) {
        expect(got).toEqual([]);
      } else {
        expect(got.length).toBeGreaterThanOrEqual(1);
        expect(got[0]?.evidence).toMatchObject({
          direction: 'out',
          lost: 're0#1',
          lostTransmittedEnd: 280,
          resumedAt: 250,
        });
      }
    }
  });
});
