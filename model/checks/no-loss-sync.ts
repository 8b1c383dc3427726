// no-loss-sync (SPEC G-3, invariant d): across a synchronous failover (a manual
// switchover, or a per-socket failover the application asked for, F-2) no packet is
// lost: every byte the router accepted from the peer reaches the new primary's
// application exactly once. Judged on the router's application: after a sync failover
// its verifier must see no gap, duplicate or reorder, and at the end the application
// holding the session (on whichever RE) has read, or holds in so_rcv, every byte the
// peer saw acknowledged.
import type {
  LivenessCheck,
  Report,
  RunResult,
  SafetyCheck,
  TraceRecord,
} from '../../sim/index.ts';
import type { World } from '../world.ts';
import { ACTOR, isReActor, K } from '../vocab.ts';

export const NO_LOSS_SYNC = 'no-loss-sync';

export class NoLossSyncCheck implements SafetyCheck, LivenessCheck {
  readonly id = NO_LOSS_SYNC;
  private syncAt = -1;

  constructor(private readonly world: World) {}

  onRecord(rec: TraceRecord, report: Report): void {
    const sync =
      (rec.actor === ACTOR.chassis && rec.kind === K.chassis.master && rec.fields.sync === true) ||
      (isReActor(rec.actor, 'iha') && rec.kind === K.iha.socketFailover);
    if (sync && this.syncAt < 0) {
      this.syncAt = rec.t;
      return;
    }
    if (this.syncAt < 0 || rec.kind !== K.app.verifyError || !isReActor(rec.actor, 'kernel'))
      return;
    const f = rec.fields;
    if (f.direction === 'out-snoop') return;
    report({
      recordId: rec.id,
      timeNs: rec.t,
      message: `after the switchover the router's application for ${String(f.session)} saw a ${String(f.kind)} at byte ${String(f.offset)} (expected record ${String(f.expected)}, got ${String(f.got)})`,
      evidence: {
        session: f.session,
        direction: 'toRouter',
        kind: f.kind,
        offset: f.offset,
        firstDifferingOffset: f.offset,
      },
    });
  }

  atEnd(end: RunResult, report: Report): void {
    if (this.syncAt < 0) return;
    for (const p of this.world.peers) {
      for (const s of p.sessions) {
        const conn = s.conn;
        if (conn === undefined || s.generation !== 0) continue;
        const acked = (conn.snd_una - conn.iss - 1) >>> 0;
        const r = this.world.routerSession(s.cfg.id);
        const held = r === undefined ? 0 : r.verifier.bytes + (r.conn?.so_rcv.cc ?? 0);
        if (r !== undefined && held >= acked) continue;
        report({
          recordId: -1,
          timeNs: end.simulatedNs,
          message: `${s.cfg.id}: the peer saw ${acked} bytes acknowledged but the new master's application has ${held}`,
          evidence: {
            session: s.cfg.id,
            direction: 'toRouter',
            acked,
            held,
            firstDifferingOffset: held,
          },
        });
      }
    }
  }
}
