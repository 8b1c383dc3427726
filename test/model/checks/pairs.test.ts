// Proves the matching of a replicated packet's two sides (model/checks/pairs.ts, for the
// P-10 and P-13 checkers): (pair, PRL seq) meets the other role's side once, a later side of
// the same role replaces the waiting one (a packet passed up again on one side), and the
// bound on waiting sides counts packets, not offers, and is reported when reached.
import { describe, expect, it } from 'vitest';
import { PAIR_WAIT_MAX, PairMatcher } from '../../../model/checks/pairs.ts';
import { collector } from './fixture.ts';
import { fakeNsr, fakeRep, l4Input, l4Result } from './nsr-fakes.ts';

function matcher() {
  const { report, got } = collector();
  const m = new PairMatcher('test-check', report, () => ({ recordId: 7, timeNs: 99 }));
  const re0 = fakeNsr(0);
  const re1 = fakeNsr(1);
  const p = fakeRep({ handle: 1, peerHandle: 9, role: 'primary' });
  const s = fakeRep({ handle: 9, peerHandle: 1, role: 'secondary' });
  const primary = (seq: number, appended = 100) =>
    m.offer(re0, p, l4Input('ack', seq, 1000), l4Result({ appended }));
  const secondary = (seq: number, appended = 100) =>
    m.offer(re1, s, l4Input('replicate', seq, 1000), l4Result({ appended }));
  return { primary, secondary, got };
}

describe('PairMatcher', () => {
  it('returns [primary, secondary] when the second side of a packet comes, whichever came first', () => {
    const { primary, secondary } = matcher();
    expect(secondary(1)).toBeUndefined();
    expect(primary(1)?.map((x) => x.role)).toEqual(['primary', 'secondary']);
    expect(primary(2)).toBeUndefined();
    expect(secondary(2)?.map((x) => x.role)).toEqual(['primary', 'secondary']);
  });

  it('a second side of the same role replaces the waiting one; it never pairs with itself', () => {
    const { primary, secondary } = matcher();
    expect(primary(1, 10)).toBeUndefined();
    expect(primary(1, 20)).toBeUndefined();
    expect(secondary(1)?.map((x) => x.result.appended)).toEqual([20, 100]);
  });

  it('a matched packet stops counting: more than the bound matched one after another is no overflow', () => {
    const { primary, secondary, got } = matcher();
    for (let seq = 1; seq <= PAIR_WAIT_MAX + 1; seq++) {
      primary(seq);
      secondary(seq);
    }
    expect(got).toEqual([]);
    expect(primary(PAIR_WAIT_MAX + 2)).toBeUndefined();
    expect(secondary(PAIR_WAIT_MAX + 2)?.map((x) => x.role)).toEqual(['primary', 'secondary']);
  });

  it('the bound counts packets waiting, not offers; reaching it is reported once and judgement stops', () => {
    const { primary, got } = matcher();
    for (let i = 0; i <= PAIR_WAIT_MAX; i++) primary(1);
    expect(got).toEqual([]);
    for (let seq = 2; seq <= PAIR_WAIT_MAX + 1; seq++) primary(seq);
    expect(got).toEqual([
      {
        recordId: 7,
        timeNs: 99,
        message: `test-check: more than ${PAIR_WAIT_MAX} replicated packets passed up on one side only are waiting for the other; judgement stops here`,
        evidence: { bound: PAIR_WAIT_MAX, direction: 'in' },
      },
    ]);
  });
});
