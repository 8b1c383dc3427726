// single-transmitter (SPEC F-3, G-9): at most one RE's packets reach the wire at any
// time. The PFE traces every packet it puts on the wire (pfe.tx, with the RE it came
// from) and every mastership change (pfe.switch / pfe.master); a packet from an RE other
// than the PFE's current master, or from any RE while a switch is in progress, is a
// second transmitter.
import type { Report, SafetyCheck, TraceRecord } from '../../sim/index.ts';

export const SINGLE_TRANSMITTER = 'single-transmitter';

export class SingleTransmitterCheck implements SafetyCheck {
  readonly id = SINGLE_TRANSMITTER;
  private master = 0;
  private switching = false;

  onRecord(rec: TraceRecord, report: Report): void {
    if (rec.actor !== 'pfe') return;
    const f = rec.fields;
    switch (rec.kind) {
      case 'pfe.switch':
        this.switching = true;
        this.master = -1;
        return;
      case 'pfe.master':
        this.switching = false;
        this.master = f.master as number;
        return;
      case 'pfe.tx': {
        const re = f.re as number;
        if (re === this.master && !this.switching) return;
        report({
          recordId: rec.id,
          timeNs: rec.t,
          message: `a packet from re${re} reached the wire while ${this.switching ? 'mastership was switching' : `re${this.master} was master`}`,
          evidence: { re, master: this.master, switching: this.switching, dst: f.dst, seq: f.seq, direction: 'toPeer' },
        });
        return;
      }
      default:
        return;
    }
  }
}
