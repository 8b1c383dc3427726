// single-transmitter (SPEC F-3, F-2, G-9): at most one RE's packets of a connection reach
// the wire at any time. The PFE traces every packet it puts on the wire (pfe.tx, with the
// RE it came from and the 4-tuple), every mastership change (pfe.switch / pfe.master) and
// every per-socket steering entry (pfe.flow-switch / pfe.flow / pfe.flow-clear). A packet
// of a connection whose flow is steered is judged against that flow's RE; any other
// packet against the master. A packet from another RE, or from any RE while the
// relevant switch is in progress, is a second transmitter.
import type { Report, SafetyCheck, TraceRecord } from '../../sim/index.ts';
import { ACTOR, K } from '../vocab.ts';

export const SINGLE_TRANSMITTER = 'single-transmitter';

interface Owner {
  re: number;
  switching: boolean;
}

export class SingleTransmitterCheck implements SafetyCheck {
  readonly id = SINGLE_TRANSMITTER;
  /** The only kinds onRecord reads (issue 18: no call for the others). */
  readonly kinds: ReadonlySet<string> = new Set([
    K.pfe.switch,
    K.pfe.master,
    K.pfe.flowSwitch,
    K.pfe.flow,
    K.pfe.flowClear,
    K.pfe.tx,
  ]);
  private master = 0;
  private switching = false;
  private readonly flows = new Map<string, Owner>();

  onRecord(rec: TraceRecord, report: Report): void {
    if (rec.actor !== ACTOR.pfe) return;
    const f = rec.fields;
    switch (rec.kind) {
      case K.pfe.switch:
        this.switching = true;
        this.master = -1;
        return;
      case K.pfe.master:
        this.switching = false;
        this.master = f.master as number;
        return;
      case K.pfe.flowSwitch:
        this.flows.set(String(f.flow), { re: f.to as number, switching: true });
        return;
      case K.pfe.flow:
        this.flows.set(String(f.flow), { re: f.re as number, switching: false });
        return;
      case K.pfe.flowClear:
        this.flows.delete(String(f.flow));
        return;
      case K.pfe.tx: {
        const re = f.re as number;
        const flow = `${String(f.dst)}:${String(f.dport)}>${String(f.sport)}`;
        const steered = this.flows.size === 0 ? undefined : this.flows.get(flow);
        const owner = steered ?? { re: this.master, switching: this.switching };
        if (re === owner.re && !owner.switching) return;
        const whose = steered === undefined ? 'mastership' : `connection ${flow}'s steering`;
        report({
          recordId: rec.id,
          timeNs: rec.t,
          message: `a packet from re${re} reached the wire while ${owner.switching ? `${whose} was switching` : steered === undefined ? `re${owner.re} was master` : `${whose} named re${owner.re}`}`,
          evidence: {
            re,
            master: this.master,
            switching: owner.switching,
            owner: owner.re,
            flow,
            steered: steered !== undefined,
            dst: f.dst,
            seq: f.seq,
            direction: 'toPeer',
          },
        });
        return;
      }
      default:
        return;
    }
  }
}
