// liveness: after every fault has healed, data flows again both ways within a deadline
// (default 5 s simulated), with no zero-window deadlock; a run that hits its event bound
// fails here too. Two phases, as VOPR does: faults first (the safety checkers judge
// them), then heal and require convergence.
//
// Heal time: the latest fault instant plus its duration (crashes and switchovers heal
// once mastership has moved: masterDetect + pfeSwitch later). At the first trace record
// at or after heal + deadline (or at the end of the run, if it reaches that instant),
// every open session must have carried data in each direction that has traffic since
// the heal instant: the peer heard from the router and the router's application heard
// from the peer. A run that ends before heal + deadline is not judged. At the end of the
// run, no reader of a direction with traffic may have been silent for a whole deadline
// after the heal: neither in a gap between two reads nor in the gap still open at the
// end (a stream that carried a little data past the heal, then stopped for good).
import type {
  LivenessCheck,
  Report,
  RunResult,
  SafetyCheck,
  TraceRecord,
} from '../../sim/index.ts';
import type { FaultAction } from '../config.ts';
import type { World } from '../world.ts';

export const LIVENESS = 'liveness';
export const LIVENESS_DEADLINE_NS = 5_000_000_000;

function durationOf(a: FaultAction): number {
  return 'durationNs' in a ? a.durationNs : 0;
}

export class LivenessCheckImpl implements SafetyCheck, LivenessCheck {
  readonly id = LIVENESS;
  private judged = false;
  private heal = -1;

  constructor(
    private readonly world: World,
    private readonly deadlineNs = LIVENESS_DEADLINE_NS,
  ) {}

  private healNs(): number {
    if (this.heal >= 0) return this.heal;
    const r = this.world.cfg.router;
    let heal = 0;
    this.world.cfg.faults.forEach((f, i) => {
      const at = this.world.faultTimes[i] ?? 0;
      // Faults that move mastership heal once the backup noticed and the PFE switched.
      const k = f.action.kind;
      const settle =
        k === 're-crash' || k === 're-restart' || k === 'switchover' || k === 'socket-failover'
          ? r.masterDetectNs + r.pfeSwitchNs
          : 0;
      heal = Math.max(heal, at + durationOf(f.action) + settle);
    });
    this.heal = heal;
    return heal;
  }

  onRecord(rec: TraceRecord, report: Report): void {
    if (this.judged || rec.t < this.healNs() + this.deadlineNs) return;
    this.judge(rec.t, rec.id, report);
  }

  atEnd(end: RunResult, report: Report): void {
    if (end.boundHit) {
      report({
        recordId: -1,
        timeNs: end.simulatedNs,
        message: `the run hit its event bound at ${end.simulatedNs} ns: no progress judgement possible, counted as a liveness failure`,
        evidence: { events: end.events, direction: 'both' },
      });
      return;
    }
    if (!this.judged && end.simulatedNs >= this.healNs() + this.deadlineNs)
      this.judge(end.simulatedNs, -1, report);
    if (!this.reportedStall) this.stalls(end.simulatedNs, report);
  }

  private reportedStall = false;
  /** Session/reader pairs judge() already reported as stuck (not reported twice). */
  private readonly stuck = new Set<string>();

  /** After the heal, no reader may go silent for a whole deadline (zero-window deadlock). */
  private stalls(endNs: number, report: Report): void {
    const heal = this.healNs();
    for (const p of this.world.peers) {
      for (const s of p.sessions) {
        if (s.closed !== undefined) continue;
        const rs = this.world.routerSession(s.cfg.id);
        const readers = [
          { who: 'peer', gaps: s.readGaps, last: s.lastReadNs, rate: p.cfg.fromRouter.ratePerSec },
          {
            who: 'router',
            gaps: rs?.readGaps ?? [],
            last: rs?.lastReadNs ?? 0,
            rate: p.cfg.toRouter.ratePerSec,
          },
        ];
        for (const r of readers) {
          if (r.rate <= 0 || this.stuck.has(`${s.cfg.id} ${r.who}`)) continue;
          // Gaps that ended, and the one still open at the end of the run (a stream that
          // stopped for good after some data flowed past the heal).
          const open: [number, number] = [r.last, endNs];
          const gap = [...r.gaps, open].find(
            ([a, b]) => b > heal && b - Math.max(a, heal) >= this.deadlineNs,
          );
          if (gap === undefined) continue;
          this.reportedStall = true;
          report({
            recordId: -1,
            timeNs: gap[1],
            message: `${s.cfg.id}: the ${r.who} application read nothing from ${gap[0]} ns to ${gap[1]} ns, past the ${this.deadlineNs} ns deadline after the faults healed (a stalled window?)`,
            evidence: {
              session: s.cfg.id,
              direction: r.who === 'peer' ? 'toPeer' : 'toRouter',
              gapFromNs: gap[0],
              gapToNs: gap[1],
              healNs: heal,
            },
          });
          return;
        }
      }
    }
  }

  private judge(now: number, recordId: number, report: Report): void {
    this.judged = true;
    const heal = this.healNs();
    for (const p of this.world.peers) {
      for (const s of p.sessions) {
        if (s.closed !== undefined) continue;
        // The session's router application, on whichever RE holds its primary (F-2).
        const r = this.world.routerSession(s.cfg.id);
        const stuck: string[] = [];
        if (p.cfg.fromRouter.ratePerSec > 0 && s.lastReadNs <= heal) stuck.push('router → peer');
        if (
          p.cfg.toRouter.ratePerSec > 0 &&
          (r === undefined || r.mode !== 'active' || r.lastReadNs <= heal)
        )
          stuck.push('peer → router');
        if (stuck.length === 0) continue;
        // 'router → peer' is the peer's reading, 'peer → router' the router's.
        for (const d of stuck)
          this.stuck.add(`${s.cfg.id} ${d === 'router → peer' ? 'peer' : 'router'}`);
        const conn = s.conn;
        report({
          recordId,
          timeNs: now,
          message: `${s.cfg.id}: no data ${stuck.join(' and ')} since the faults healed at ${heal} ns (deadline ${this.deadlineNs} ns)`,
          evidence: {
            session: s.cfg.id,
            direction: stuck.join(','),
            healNs: heal,
            peerLastReadNs: s.lastReadNs,
            routerLastReadNs: r?.lastReadNs ?? -1,
            peerSndWnd: conn?.snd_wnd ?? -1,
            peerRcvSpace: conn?.rcvSpace() ?? -1,
          },
        });
      }
    }
  }
}
