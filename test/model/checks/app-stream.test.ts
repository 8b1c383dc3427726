// Proves the app-stream checker (SPEC S-3, G-2, G-3) reports a stream defect any router application reports from an RE kernel (master, snooping backup in either direction, new master), once per session, RE and direction, naming the outbound snooped stream as such, and leaves the peer's own verify errors and other records alone.
import { describe, expect, it } from 'vitest';
import { APP_STREAM, AppStreamCheck } from '../../../model/checks/app-stream.ts';
import { ACTOR, K } from '../../../model/vocab.ts';
import { collector, Records } from './fixture.ts';

const verifyError = (
  r: Records,
  actor: string,
  o: { session?: string; direction?: string; offset?: number } = {},
) =>
  r.rec(actor, K.app.verifyError, {
    session: o.session ?? 'pa/0',
    side: 'router',
    kind: 'gap',
    offset: o.offset ?? 4096,
    expected: 7,
    got: 9,
    ...(o.direction === undefined ? {} : { direction: o.direction }),
  });

describe('app-stream', () => {
  it("passes: the router applications' other records, and verify errors of the peer or of an NSR subsystem actor", () => {
    const c = new AppStreamCheck();
    const { report, got } = collector();
    const r = new Records();
    expect(c.id).toBe(APP_STREAM);
    c.onRecord(r.rec(ACTOR.re(1), K.app.snoop, { session: 'pa/0' }), report);
    c.onRecord(r.rec(ACTOR.re(0), K.app.closed, { session: 'pa/0', reason: 'reset' }), report);
    c.onRecord(verifyError(r, ACTOR.peer('pa')), report);
    c.onRecord(verifyError(r, ACTOR.nsr(1, 'sdrl')), report);
    expect(got).toEqual([]);
  });

  it('fails: a verify error from the RE kernel re1 (the same record the peer sent passes above)', () => {
    const c = new AppStreamCheck();
    const { report, got } = collector();
    const r = new Records();
    const bad = verifyError(r, ACTOR.re(1));
    c.onRecord(bad, report);
    expect(got).toEqual([
      {
        recordId: bad.id,
        timeNs: bad.t,
        message:
          'the router application for pa/0 on re1 read a gap in its inbound stream at byte 4096 (expected record 7, got 9)',
        evidence: {
          session: 'pa/0',
          re: 1,
          direction: 'in',
          kind: 'gap',
          offset: 4096,
          firstDifferingOffset: 4096,
        },
      },
    ]);
  });

  it('fails: the out-snoop direction is named outbound (snooped)', () => {
    const c = new AppStreamCheck();
    const { report, got } = collector();
    c.onRecord(verifyError(new Records(), ACTOR.re(1), { direction: 'out-snoop' }), report);
    expect(got).toHaveLength(1);
    expect(got[0]?.message).toContain('in its outbound (snooped) stream');
    expect(got[0]?.evidence).toMatchObject({ direction: 'out' });
  });

  it('once per session, RE and direction: a repeat is dropped, another session, RE or direction is reported', () => {
    const c = new AppStreamCheck();
    const { report, got } = collector();
    const r = new Records();
    c.onRecord(verifyError(r, ACTOR.re(1)), report);
    c.onRecord(verifyError(r, ACTOR.re(1), { offset: 9000 }), report);
    expect(got).toHaveLength(1);
    c.onRecord(verifyError(r, ACTOR.re(1), { direction: 'out-snoop' }), report);
    c.onRecord(verifyError(r, ACTOR.re(1), { direction: 'out-snoop', offset: 9000 }), report);
    c.onRecord(verifyError(r, ACTOR.re(0)), report);
    c.onRecord(verifyError(r, ACTOR.re(1), { session: 'pa/1' }), report);
    expect(got.map((v) => [v.evidence?.session, v.evidence?.re, v.evidence?.direction])).toEqual([
      ['pa/0', 1, 'in'],
      ['pa/0', 1, 'out'],
      ['pa/0', 0, 'in'],
      ['pa/1', 1, 'in'],
    ]);
  });
});
