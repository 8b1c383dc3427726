// in-order (SPEC G-4, invariant f): packets go up L4 in the order they came from the
// peer, on both sockets; replication never reorders them. PRL traces every L4 input
// (prl.l4): on the primary with the packet's arrival index, on the secondary with the
// PRL sequence number the primary gave it in arrival order. Either must rise strictly
// for one socket (one RE, one handle).
import type { Report, SafetyCheck, TraceRecord } from '../../sim/index.ts';
import { isReActor, K, reOf } from '../vocab.ts';

export const IN_ORDER = 'in-order';

export class InOrderCheck implements SafetyCheck {
  readonly id = IN_ORDER;
  private readonly last = new Map<string, number>();

  /** One violation per session is enough evidence; the rest would only be noise. */
  private readonly reported = new Set<string>();

  onRecord(rec: TraceRecord, report: Report): void {
    if (rec.kind !== K.prl.l4 || !isReActor(rec.actor, 'prl')) return;
    const f = rec.fields;
    const role = f.role as string;
    if (role !== 'primary' && role !== 'secondary') return;
    const order = role === 'primary' ? (f.arrival as number) : (f.seq as number);
    if (order < 0) return;
    const key = `${rec.actor}#${String(f.handle)}`;
    const prev = this.last.get(key);
    this.last.set(key, order);
    if (prev !== undefined && order <= prev) {
      if (this.reported.has(String(f.session))) return;
      this.reported.add(String(f.session));
      report({
        recordId: rec.id,
        timeNs: rec.t,
        message: `${String(f.session)}: the ${role} on re${String(reOf(rec.actor))} passed packet ${order} up L4 after packet ${prev} (${role === 'primary' ? 'arrival order' : 'PRL sequence'})`,
        evidence: {
          session: f.session,
          direction: 'in',
          role,
          previous: prev,
          got: order,
          tcpSeq: f.tcpSeq,
        },
      });
    }
  }
}
