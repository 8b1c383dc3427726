// synced-takeover (SPEC F-6, F-4, G-1): an RE that has not finished re-synchronization is
// not a backup. The chassis refuses a manual switchover to it (traced as
// chassis.switchover-refused, reason backup-syncing), but a master crash leaves it no
// choice: the takeover happens and the sessions the backup held no replica of are lost
// (the peer sees them reset). Such a takeover is reported here, with the sessions whose
// fate it decided, never passed silently; the chassis-ignores-sync-state mutant shows the
// switchover the chassis must refuse.
import type { Report, SafetyCheck, TraceRecord } from '../../sim/index.ts';
import { ACTOR, K } from '../vocab.ts';

export const SYNCED_TAKEOVER = 'synced-takeover';

export class SyncedTakeoverCheck implements SafetyCheck {
  readonly id = SYNCED_TAKEOVER;
  /** The only kinds onRecord reads (issue 18: no call for the others). */
  readonly kinds: ReadonlySet<string> = new Set([
    K.chassis.syncState,
    K.chassis.unsyncedTakeover,
    K.chassis.master,
  ]);
  /** The master's last word on the backup's synchronization (chassis.sync-state). */
  private synced = true;

  onRecord(rec: TraceRecord, report: Report): void {
    if (rec.actor !== ACTOR.chassis) return;
    const f = rec.fields;
    if (rec.kind === K.chassis.syncState) {
      this.synced = f.synced === true;
      return;
    }
    const takeover = rec.kind === K.chassis.unsyncedTakeover;
    const switchover = rec.kind === K.chassis.master && f.sync === true && !this.synced;
    if (!takeover && !switchover) return;
    const pending = (f.pending as readonly string[] | undefined) ?? [];
    const what = takeover ? 'the master crashed' : 'a manual switchover was accepted';
    report({
      recordId: rec.id,
      timeNs: rec.t,
      message: `${what} while the backup was still re-synchronizing (F-6): ${takeover ? `re${String(f.to)} took over without a replica of ${pending.length > 0 ? pending.join(', ') : 'every session'}` : 'the new master holds no replica of the sessions still being set up'}`,
      evidence: { direction: 'both', to: f.to ?? f.master, pending, sync: !takeover },
    });
  }
}
