// Proves the single-transmitter checker (SPEC F-3, G-9) accepts packets only from the PFE's current master and reports a packet from the other RE, or from any RE while a mastership switch is in progress.
import { describe, expect, it } from 'vitest';
import { SINGLE_TRANSMITTER, SingleTransmitterCheck } from '../../../model/checks/single-transmitter.ts';
import { collector, Records } from './fixture.ts';

const tx = (r: Records, re: number) => r.rec('pfe', 'pfe.tx', { re, dst: 'pa', seq: 1 });

describe('single-transmitter', () => {
  it('passes: re0 transmits, a switch completes, then only re1 transmits', () => {
    const c = new SingleTransmitterCheck();
    const { report, got } = collector();
    const r = new Records();
    expect(c.id).toBe(SINGLE_TRANSMITTER);
    c.onRecord(tx(r, 0), report);
    c.onRecord(r.rec('pfe', 'pfe.switch', { to: 1 }), report);
    c.onRecord(r.rec('pfe', 'pfe.master', { master: 1 }), report);
    c.onRecord(tx(r, 1), report);
    // Records of other actors are not the PFE's.
    c.onRecord(r.rec('re0', 'pfe.tx', { re: 0 }), report);
    expect(got).toEqual([]);
  });

  it('fails: a packet reaches the wire while the switch is in progress', () => {
    const c = new SingleTransmitterCheck();
    const { report, got } = collector();
    const r = new Records();
    c.onRecord(r.rec('pfe', 'pfe.switch', { to: 1 }), report);
    const bad = tx(r, 1);
    c.onRecord(bad, report);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ recordId: bad.id, timeNs: bad.t, evidence: { re: 1, switching: true } });
    expect(got[0]?.message).toMatch(/while mastership was switching/);
  });

  it('fails: the old master still transmits after the switch', () => {
    const c = new SingleTransmitterCheck();
    const { report, got } = collector();
    const r = new Records();
    c.onRecord(r.rec('pfe', 'pfe.master', { master: 1 }), report);
    c.onRecord(tx(r, 0), report);
    expect(got.map((v) => v.message)).toEqual(['a packet from re0 reached the wire while re1 was master']);
  });
});
