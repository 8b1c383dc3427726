// app-stream (SPEC S-3, G-2, G-3): every router application's stream verifier, on every
// RE, in every run, sees a clean stream: the master's application (inbound), the snooping
// backup application in both directions (inbound from its receive snoop buffer, outbound
// from what SDRL replicated, S-3), and the new master's application after a takeover. A
// gap, duplicate, reorder, corruption or framing error any of them reports
// (app.verify-error) is a violation, whatever the fault that caused it: a backup that
// snoops a corrupt stream keeps wrong protocol state and takes over with it. (The
// external peer's own verifier is peer-transparent's.)
import type { Report, SafetyCheck, TraceRecord } from '../../sim/index.ts';
import { isReActor, K, reOf } from '../vocab.ts';

export const APP_STREAM = 'app-stream';

export class AppStreamCheck implements SafetyCheck {
  readonly id = APP_STREAM;
  /** The only kinds onRecord reads (issue 18: no call for the others). */
  readonly kinds: ReadonlySet<string> = new Set([K.app.verifyError]);
  /** One violation per session, RE and direction. */
  private readonly reported = new Set<string>();

  onRecord(rec: TraceRecord, report: Report): void {
    if (rec.kind !== K.app.verifyError || !isReActor(rec.actor, 'kernel')) return;
    const f = rec.fields;
    const re = reOf(rec.actor);
    const dir = f.direction === 'out-snoop' ? 'outbound (snooped)' : 'inbound';
    const key = `${String(f.session)} ${String(re)} ${dir}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    report({
      recordId: rec.id,
      timeNs: rec.t,
      message: `the router application for ${String(f.session)} on re${String(re)} read a ${String(f.kind)} in its ${dir} stream at byte ${String(f.offset)} (expected record ${String(f.expected)}, got ${String(f.got)})`,
      evidence: {
        session: f.session,
        re,
        direction: f.direction === 'out-snoop' ? 'out' : 'in',
        kind: f.kind,
        offset: f.offset,
        firstDifferingOffset: f.offset,
      },
    });
  }
}
