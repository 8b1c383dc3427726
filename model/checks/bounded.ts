// bounded (GUIDE §4, SPEC P-8): PRL's buffer of unACKed packets and its pending queue,
// and SDRL's replicated-but-unconfirmed bytes, stay within their configured bounds.
// PRL traces its occupancy with every queued packet (prl.queue: bytes) and pending one
// (prl.pending: pending); SDRL with every send (sdrl.inflight).
import type { Report, SafetyCheck, TraceRecord } from '../../sim/index.ts';
import type { NsrBounds } from '../nsr/options.ts';
import { K } from '../vocab.ts';

export const BOUNDED = 'bounded';

export class BoundedCheck implements SafetyCheck {
  readonly id = BOUNDED;
  /** The only kinds onRecord reads (issue 18: no call for the others). */
  readonly kinds: ReadonlySet<string> = new Set([K.prl.queue, K.prl.pending, K.sdrl.inflight]);
  private reported = new Set<string>();

  constructor(private readonly bounds: NsrBounds) {}

  onRecord(rec: TraceRecord, report: Report): void {
    const f = rec.fields;
    let what: string | undefined;
    let value = 0;
    let bound = 0;
    // PRL holds inbound packets; SDRL's unconfirmed bytes are outbound data.
    let direction = 'in';
    if (rec.kind === K.prl.queue) {
      [what, value, bound] = ['PRL buffer (bytes)', f.bytes as number, this.bounds.prlBufferBytes];
    } else if (rec.kind === K.prl.pending) {
      [what, value, bound] = [
        'PRL pending queue (packets)',
        f.pending as number,
        this.bounds.prlPendingMax,
      ];
    } else if (rec.kind === K.sdrl.inflight) {
      [what, value, bound, direction] = [
        'SDRL unconfirmed bytes',
        f.bytes as number,
        this.bounds.sdrlInflightBytes,
        'out',
      ];
    }
    if (what === undefined || value <= bound) return;
    const key = `${rec.actor}:${what}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    report({
      recordId: rec.id,
      timeNs: rec.t,
      message: `${rec.actor}: ${what} at ${value}, over its bound ${bound}`,
      evidence: { session: f.session, direction, value, bound },
    });
  }
}
