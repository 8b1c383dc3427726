// rcvbufspc-agree (SPEC P-10): both sockets judge each replicated packet against the
// same common_rcvbufspc. PRL traces the value with every L4 input it drives (prl.l4
// field `space`); the primary's and the secondary's values for the same PRL sequence
// number of the same session must be equal.
import type { Report, SafetyCheck, TraceRecord } from '../../sim/index.ts';
import { isReActor, K } from '../vocab.ts';

export const RCVBUFSPC_AGREE = 'rcvbufspc-agree';

/** Bound on remembered, not yet matched values (one side far ahead of the other). */
const PENDING_MAX = 100_000;

export class RcvbufspcAgreeCheck implements SafetyCheck {
  readonly id = RCVBUFSPC_AGREE;
  private readonly seen = new Map<string, { role: string; space: number; actor: string }>();

  /** One violation per session is enough evidence; the rest would only be noise. */
  private readonly reported = new Set<string>();

  onRecord(rec: TraceRecord, report: Report): void {
    if (rec.kind !== K.prl.l4 || !isReActor(rec.actor, 'prl')) return;
    const f = rec.fields;
    if (f.space === undefined || (f.seq as number) < 0) return;
    const role = f.role as string;
    const key = `${String(f.session)}#${String(f.seq)}`;
    const other = this.seen.get(key);
    if (other === undefined || other.role === role) {
      if (this.seen.size >= PENDING_MAX) this.seen.clear();
      this.seen.set(key, { role, space: f.space as number, actor: rec.actor });
      return;
    }
    this.seen.delete(key);
    if (other.space !== f.space) {
      if (this.reported.has(String(f.session))) return;
      this.reported.add(String(f.session));
      report({
        recordId: rec.id,
        timeNs: rec.t,
        message: `${String(f.session)} packet ${String(f.seq)}: the ${other.role} used common_rcvbufspc ${other.space}, the ${role} ${String(f.space)}`,
        evidence: {
          session: f.session,
          direction: 'in',
          seq: f.seq,
          [other.role]: other.space,
          [role]: f.space,
        },
      });
    }
  }
}
