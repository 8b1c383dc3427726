// Proves the rcvbufspc-agree checker (SPEC P-10, P-5) accepts a primary and a secondary that judged each replicated packet against the same common_rcvbufspc and took the same bytes of it, in either order, and reports different values, a side judged against its own buffer, and different accepted bytes, matching packets per replication pair and reporting when the wait for unmatched packets reaches its bound.
import { describe, expect, it } from 'vitest';
import { PAIR_WAIT_MAX } from '../../../model/checks/pairs.ts';
import { RCVBUFSPC_AGREE, RcvbufspcAgreeCheck } from '../../../model/checks/rcvbufspc-agree.ts';
import type { L4Via } from '../../../model/nsr/prl-queue.ts';
import type { NsrState, Rep } from '../../../model/nsr/state.ts';
import { ACTOR, K } from '../../../model/vocab.ts';
import {
  fakeNsr,
  fakeRep,
  l4Input,
  l4Result,
  putRep,
  quietSim,
  violationsOf,
} from './nsr-fakes.ts';

/**
 * RE0 holds the primary (handle 1) and RE1 its secondary (handle 9) of session pa/0, both
 * tapped by one checker; `primaryUp`/`secondaryUp` publish one side of packet `seq`.
 */
function setup() {
  const sim = quietSim();
  const check = new RcvbufspcAgreeCheck(sim);
  const k0 = fakeNsr(0);
  const k1 = fakeNsr(1);
  check.attach(k0);
  check.attach(k1);
  const p = putRep(k0, fakeRep({ handle: 1, peerHandle: 9, role: 'primary' }));
  const s = putRep(k1, fakeRep({ handle: 9, peerHandle: 1, role: 'secondary' }));
  const up =
    (k: NsrState, via: L4Via) =>
    (rep: Rep, seq: number, space: number | undefined, appended = 100) =>
      k.l4Done.publish(rep, l4Input(via, seq, space), l4Result({ appended }));
  return {
    sim,
    check,
    k0,
    k1,
    p,
    s,
    primaryUp: up(k0, 'ack'),
    secondaryUp: up(k1, 'replicate'),
    got: () => violationsOf(sim, RCVBUFSPC_AGREE),
  };
}

describe('rcvbufspc-agree', () => {
  it('passes: equal common_rcvbufspc and equal accepted bytes, whichever side comes first', () => {
    const { check, p, s, primaryUp, secondaryUp, got } = setup();
    expect(check.id).toBe(RCVBUFSPC_AGREE);
    primaryUp(p, 1, 8000);
    secondaryUp(s, 1, 8000);
    secondaryUp(s, 2, 6540);
    primaryUp(p, 2, 6540);
    expect(got()).toEqual([]);
  });

  it('fails: the primary used 8000 and the secondary 6540 for the same packet', () => {
    const { sim, p, s, primaryUp, secondaryUp, got } = setup();
    primaryUp(p, 4, 8000);
    const at = sim.traceFrom(ACTOR.nsr(1, 'prl'), K.prl.l4, { session: 'pa/0', seq: 4 });
    secondaryUp(s, 4, 6540);
    expect(got()).toHaveLength(1);
    expect(got()[0]).toMatchObject({
      recordId: at,
      evidence: { session: 'pa/0', direction: 'in', seq: 4, primary: 8000, secondary: 6540 },
    });
    expect(got()[0]?.message).toBe(
      'pa/0 packet 4: the primary used common_rcvbufspc 8000, the secondary 6540',
    );
  });

  it('fails: the secondary came first with 6540, the primary then used 8000', () => {
    const { p, s, primaryUp, secondaryUp, got } = setup();
    secondaryUp(s, 4, 6540);
    primaryUp(p, 4, 8000);
    expect(got()).toHaveLength(1);
    expect(got()[0]?.evidence).toMatchObject({ seq: 4, primary: 8000, secondary: 6540 });
  });

  it.each(['primary', 'secondary'] as const)(
    'fails: the %s judged the packet against its own buffer (no common value)',
    (own) => {
      const { p, s, primaryUp, secondaryUp, got } = setup();
      primaryUp(p, 3, own === 'primary' ? undefined : 8000);
      secondaryUp(s, 3, own === 'secondary' ? undefined : 8000);
      expect(got()).toHaveLength(1);
      expect(got()[0]?.message).toBe(
        `pa/0 packet 3: the ${own} judged it against its own buffer, not common_rcvbufspc`,
      );
      expect(got()[0]?.evidence).toMatchObject({ [own]: 'own buffer' });
    },
  );

  it('fails: the same common_rcvbufspc, but the TCPs accepted different bytes (TCP-level divergence)', () => {
    const { p, s, primaryUp, secondaryUp, got } = setup();
    primaryUp(p, 7, 8000, 1460);
    secondaryUp(s, 7, 8000, 0);
    expect(got()).toHaveLength(1);
    expect(got()[0]?.message).toBe(
      "pa/0 packet 7: against the same 8000 the primary's TCP took 1460 bytes, the secondary's 0",
    );
    expect(got()[0]?.evidence).toMatchObject({ primaryAccepted: 1460, secondaryAccepted: 0 });
  });

  it("a new pair's packet is another packet: the same seq under a new primary handle is not matched with the old pair's", () => {
    const { k0, k1, p, primaryUp, secondaryUp, got } = setup();
    primaryUp(p, 5, 8000);
    // The socket is replicated again: a new primary handle 2 and a new secondary 10.
    const p2 = putRep(k0, fakeRep({ handle: 2, peerHandle: 10, role: 'primary' }));
    const s2 = putRep(k1, fakeRep({ handle: 10, peerHandle: 2, role: 'secondary' }));
    secondaryUp(s2, 5, 6540);
    expect(got()).toEqual([]);
    // The new pair's own packet 5 is matched with its own secondary.
    primaryUp(p2, 5, 8000);
    expect(got()).toHaveLength(1);
    expect(got()[0]?.evidence).toMatchObject({ seq: 5, primary: 8000, secondary: 6540 });
  });

  it("the same seq of the same pair is matched (the new-pair case's control): the old pair's secondary meets the old primary's 8000", () => {
    const { p, s, primaryUp, secondaryUp, got } = setup();
    primaryUp(p, 5, 8000);
    secondaryUp(s, 5, 6540);
    expect(got()).toHaveLength(1);
  });

  it.each(['release', 'direct'] as const)(
    "a packet the primary passed up via '%s' is not matched; via 'ack' it is",
    (via) => {
      const { k0, p, s, primaryUp, secondaryUp, got } = setup();
      k0.l4Done.publish(p, l4Input(via, 3, 8000), l4Result());
      secondaryUp(s, 3, 6540);
      expect(got()).toEqual([]);
      primaryUp(p, 3, 8000);
      expect(got()).toHaveLength(1);
    },
  );

  it('packets without a PRL sequence number (seq < 0) are not matched; seq 0 is', () => {
    const { p, s, primaryUp, secondaryUp, got } = setup();
    primaryUp(p, -1, 8000);
    secondaryUp(s, -1, 6540);
    expect(got()).toEqual([]);
    primaryUp(p, 0, 8000);
    secondaryUp(s, 0, 6540);
    expect(got()).toHaveLength(1);
  });

  it('one violation per session: a second bad packet of pa/0 is not reported, one of pa/1 is', () => {
    const { k0, k1, p, s, primaryUp, secondaryUp, got } = setup();
    primaryUp(p, 1, 8000);
    secondaryUp(s, 1, 6540);
    primaryUp(p, 2, 1);
    secondaryUp(s, 2, 2);
    expect(got()).toHaveLength(1);
    const p1 = putRep(k0, fakeRep({ session: 'pa/1', handle: 3, peerHandle: 11, role: 'primary' }));
    const s1 = putRep(
      k1,
      fakeRep({ session: 'pa/1', handle: 11, peerHandle: 3, role: 'secondary' }),
    );
    primaryUp(p1, 1, 8000);
    secondaryUp(s1, 1, 6540);
    expect(got().map((v) => v.evidence?.session)).toEqual(['pa/0', 'pa/1']);
  });

  it(`PAIR_WAIT_MAX (${PAIR_WAIT_MAX}) packets passed up on one side only still wait and are judged`, () => {
    const { p, s, primaryUp, secondaryUp, got } = setup();
    for (let seq = 1; seq <= PAIR_WAIT_MAX; seq++) primaryUp(p, seq, 8000);
    expect(got()).toEqual([]);
    secondaryUp(s, 1, 6540);
    expect(got()).toHaveLength(1);
    expect(got()[0]?.evidence).toMatchObject({ seq: 1, primary: 8000, secondary: 6540 });
  });

  it('one more than PAIR_WAIT_MAX waiting is reported, and judging stops', () => {
    const { k0, k1, p, s, primaryUp, secondaryUp, got } = setup();
    // Spread over two pairs: the bound is over all pairs.
    const p1 = putRep(k0, fakeRep({ session: 'pa/1', handle: 3, peerHandle: 11, role: 'primary' }));
    putRep(k1, fakeRep({ session: 'pa/1', handle: 11, peerHandle: 3, role: 'secondary' }));
    const half = PAIR_WAIT_MAX / 2;
    for (let seq = 1; seq <= half; seq++) primaryUp(p, seq, 8000);
    for (let seq = 1; seq <= PAIR_WAIT_MAX - half; seq++) primaryUp(p1, seq, 8000);
    expect(got()).toEqual([]);
    primaryUp(p, half + 1, 8000);
    expect(got()).toHaveLength(1);
    expect(got()[0]?.message).toBe(
      `rcvbufspc-agree: more than ${PAIR_WAIT_MAX} replicated packets passed up on one side only are waiting for the other; judgement stops here`,
    );
    expect(got()[0]?.evidence).toMatchObject({ bound: PAIR_WAIT_MAX });
    // Judging has stopped: a packet whose sides disagree is no longer reported.
    secondaryUp(s, 1, 6540);
    primaryUp(p, PAIR_WAIT_MAX + 5, 8000);
    secondaryUp(s, PAIR_WAIT_MAX + 5, 6540);
    expect(got()).toHaveLength(1);
  });
});
