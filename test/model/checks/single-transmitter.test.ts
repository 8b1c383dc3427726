// Proves the single-transmitter checker (SPEC F-3, F-2, G-9) accepts packets only from the PFE's current master, or for a steered connection from its steering entry's RE, and reports a packet from another RE, or from any RE while the relevant switch is in progress.
import { describe, expect, it } from 'vitest';
import {
  SINGLE_TRANSMITTER,
  SingleTransmitterCheck,
} from '../../../model/checks/single-transmitter.ts';
import { collector, Records } from './fixture.ts';
import { ACTOR, K } from '../../../model/vocab.ts';

const tx = (r: Records, re: number) => r.rec(ACTOR.pfe, K.pfe.tx, { re, dst: 'pa', seq: 1 });

describe('single-transmitter', () => {
  it('passes: re0 transmits, a switch completes, then only re1 transmits', () => {
    const c = new SingleTransmitterCheck();
    const { report, got } = collector();
    const r = new Records();
    expect(c.id).toBe(SINGLE_TRANSMITTER);
    c.onRecord(tx(r, 0), report);
    c.onRecord(r.rec(ACTOR.pfe, K.pfe.switch, { to: 1 }), report);
    c.onRecord(r.rec(ACTOR.pfe, K.pfe.master, { master: 1 }), report);
    c.onRecord(tx(r, 1), report);
    // Records of other actors are not the PFE's.
    c.onRecord(r.rec(ACTOR.re(0), K.pfe.tx, { re: 0 }), report);
    expect(got).toEqual([]);
  });

  it('fails: a packet reaches the wire while the switch is in progress', () => {
    const c = new SingleTransmitterCheck();
    const { report, got } = collector();
    const r = new Records();
    c.onRecord(r.rec(ACTOR.pfe, K.pfe.switch, { to: 1 }), report);
    const bad = tx(r, 1);
    c.onRecord(bad, report);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({
      recordId: bad.id,
      timeNs: bad.t,
      evidence: {
        re: 1,
        switching: true,
        master: -1,
        owner: -1,
        steered: false,
        direction: 'toPeer',
      },
    });
    expect(got[0]?.message).toBe(
      'a packet from re1 reached the wire while mastership was switching',
    );
  });

  it('fails: the old master still transmits after the switch', () => {
    const c = new SingleTransmitterCheck();
    const { report, got } = collector();
    const r = new Records();
    c.onRecord(r.rec(ACTOR.pfe, K.pfe.master, { master: 1 }), report);
    c.onRecord(tx(r, 0), report);
    expect(got.map((v) => v.message)).toEqual([
      'a packet from re0 reached the wire while re1 was master',
    ]);
  });
});

describe('single-transmitter with steered connections (per-socket failover, F-2)', () => {
  /** A packet of the connection router:179 > 10.0.1.1:peerPort, sent by `re`. */
  const connTx = (r: Records, re: number, peerPort: number) =>
    r.rec(ACTOR.pfe, K.pfe.tx, {
      re,
      dst: '10.0.1.1',
      sport: 179,
      dport: peerPort,
      seq: 1,
      len: 10,
    });

  it('passes: the steered connection is sent by its RE, the others by the master', () => {
    const c = new SingleTransmitterCheck();
    const { report, got } = collector();
    const r = new Records();
    c.onRecord(r.rec(ACTOR.pfe, K.pfe.master, { master: 0 }), report);
    c.onRecord(
      r.rec(ACTOR.pfe, K.pfe.flowSwitch, {
        flow: '10.0.1.1:20000>179',
        from: 0,
        to: 1,
        switchNs: 1,
      }),
      report,
    );
    c.onRecord(r.rec(ACTOR.pfe, K.pfe.flow, { flow: '10.0.1.1:20000>179', re: 1 }), report);
    c.onRecord(connTx(r, 1, 20000), report);
    c.onRecord(connTx(r, 0, 20001), report);
    c.onRecord(
      r.rec(ACTOR.pfe, K.pfe.flowClear, { flow: '10.0.1.1:20000>179', reason: 'mastership' }),
      report,
    );
    c.onRecord(connTx(r, 0, 20000), report);
    expect(got).toEqual([]);
  });

  it('fails: the master sends for a connection steered to the other RE, or anyone sends while its steering switches', () => {
    const c = new SingleTransmitterCheck();
    const { report, got } = collector();
    const r = new Records();
    c.onRecord(r.rec(ACTOR.pfe, K.pfe.master, { master: 0 }), report);
    c.onRecord(
      r.rec(ACTOR.pfe, K.pfe.flowSwitch, {
        flow: '10.0.1.1:20000>179',
        from: 0,
        to: 1,
        switchNs: 1,
      }),
      report,
    );
    const during = connTx(r, 1, 20000);
    c.onRecord(during, report);
    c.onRecord(r.rec(ACTOR.pfe, K.pfe.flow, { flow: '10.0.1.1:20000>179', re: 1 }), report);
    const wrong = connTx(r, 0, 20000);
    c.onRecord(wrong, report);
    expect(got.map((g) => g.recordId)).toEqual([during.id, wrong.id]);
    expect(got.map((g) => g.message)).toEqual([
      "a packet from re1 reached the wire while connection 10.0.1.1:20000>179's steering was switching",
      "a packet from re0 reached the wire while connection 10.0.1.1:20000>179's steering named re1",
    ]);
    expect(got[1]?.evidence).toMatchObject({
      re: 0,
      owner: 1,
      steered: true,
      flow: '10.0.1.1:20000>179',
    });
  });
});
