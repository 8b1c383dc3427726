// Proves the rcvbufspc-agree checker (SPEC P-10) accepts a primary and a secondary that judged each replicated packet against the same common_rcvbufspc, in either order, and reports a packet they judged against different values.
import { describe, expect, it } from 'vitest';
import { RCVBUFSPC_AGREE, RcvbufspcAgreeCheck } from '../../../model/checks/rcvbufspc-agree.ts';
import { collector, Records } from './fixture.ts';

const l4 = (
  r: Records,
  re: number,
  role: string,
  seq: number,
  space: number | undefined,
  session = 'pa/0',
) =>
  r.rec(`re${re}/prl`, 'prl.l4', { session, role, seq, ...(space === undefined ? {} : { space }) });

describe('rcvbufspc-agree', () => {
  it('passes: equal values per packet, whichever side comes first; unjudged packets ignored', () => {
    const c = new RcvbufspcAgreeCheck();
    const { report, got } = collector();
    const r = new Records();
    expect(c.id).toBe(RCVBUFSPC_AGREE);
    c.onRecord(l4(r, 1, 'secondary', 0, 8000), report);
    c.onRecord(l4(r, 0, 'primary', 0, 8000), report);
    c.onRecord(l4(r, 0, 'primary', 1, 6540), report);
    c.onRecord(l4(r, 1, 'secondary', 1, 6540), report);
    // Same seq in another session is another packet.
    c.onRecord(l4(r, 0, 'primary', 1, 100, 'pa/1'), report);
    c.onRecord(l4(r, 1, 'secondary', 1, 100, 'pa/1'), report);
    // No space (a push to L4 outside the ACK path) or no sequence number: not judged.
    c.onRecord(l4(r, 0, 'primary', 2, undefined), report);
    c.onRecord(l4(r, 1, 'secondary', 2, 5), report);
    c.onRecord(l4(r, 0, 'primary', -1, 3), report);
    expect(got).toEqual([]);
  });

  it('fails: the primary used 8000 and the secondary 6540 for the same packet (once per session)', () => {
    const c = new RcvbufspcAgreeCheck();
    const { report, got } = collector();
    const r = new Records();
    c.onRecord(l4(r, 0, 'primary', 4, 8000), report);
    const bad = l4(r, 1, 'secondary', 4, 6540);
    c.onRecord(bad, report);
    c.onRecord(l4(r, 0, 'primary', 5, 1), report);
    c.onRecord(l4(r, 1, 'secondary', 5, 2), report);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({
      recordId: bad.id,
      evidence: { session: 'pa/0', seq: 4, primary: 8000, secondary: 6540 },
    });
  });
});
