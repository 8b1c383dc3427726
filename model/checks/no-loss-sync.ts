// no-loss-sync (SPEC G-3, invariant d): a synchronous failover (a manual switchover, or a
// per-socket failover the application asked for, F-2) loses no packet.
//
// Judged three ways, each scoped to the sync failover it belongs to:
// - packets lost to the failover itself while it is under way: host-bound packets the PFE
//   drops during the planned switch (it must hold them, F-3, G-3) and packets an RE drops
//   while they wait for their socket's failover (held too long, or the socket deleted);
//   the violation says where each was lost;
// - the router's application (on whichever RE holds the session) sees no gap, duplicate,
//   reorder or corruption after the sync failover;
// - at the end, the application holding each session has read, or holds in so_rcv, every
//   byte the peer saw acknowledged.
// An async event (an RE crash, a takeover, a KKCM I/O error, an inter-RE fault, NSR
// deconfiguration) ends the sync failover's responsibility: what follows is G-2's, not
// G-3's, so nothing after it is charged here.
import type {
  LivenessCheck,
  Report,
  RunResult,
  SafetyCheck,
  TraceRecord,
} from '../../sim/index.ts';
import { TF_SENTFIN } from '../tcp/defs.ts';
import type { World } from '../world.ts';
import { ACTOR, actorInfo, isReActor, K } from '../vocab.ts';

export const NO_LOSS_SYNC = 'no-loss-sync';

/** How long after a sync failover starts its losses are charged to it (drain + switch + hand-over). */
export const SYNC_WINDOW_NS = 2_000_000_000;

/** PFE drop reasons that mean "lost to a switch". */
const PFE_SWITCH_LOSS = new Set([
  'switching',
  'no-master',
  'flow-switching',
  'hold-full',
  'switch-superseded',
]);
/** RE drop reasons that mean "lost waiting for a socket's failover". */
const RE_FAILOVER_LOSS = new Set(['held-full', 'failover-timeout', 'secondary-deleted']);
/** Faults that are async events (F-1): they end a sync failover's responsibility. */
const ASYNC_FAULTS = new Set([
  're-crash',
  'kkcm-io-error',
  'inter-re-down',
  'inter-re-partition',
  'inter-re-hold',
  'backup-stall',
  'nsr-deconfig',
]);

export class NoLossSyncCheck implements SafetyCheck, LivenessCheck {
  readonly id = NO_LOSS_SYNC;
  /** Start of the sync failover being judged, -1 when none (or an async event ended it). */
  private syncAt = -1;
  /** End of the window judged: SYNC_WINDOW_NS after the last sync failover inside it. */
  private until = -1;
  private losses: Array<{ where: string; reason: string; recordId: number; t: number }> = [];
  private lossReported = false;
  private readonly errorsReported = new Set<string>();

  constructor(private readonly world: World) {}

  onRecord(rec: TraceRecord, report: Report): void {
    if (this.isAsync(rec)) {
      this.flush(report);
      this.syncAt = -1;
      return;
    }
    if (this.isSync(rec)) {
      // A sync failover starts a window of its own once the one before it has run out;
      // one inside a window extends it (its own packets are judged as long as the first's).
      if (this.syncAt < 0 || rec.t > this.until) {
        this.flush(report);
        this.syncAt = rec.t;
        this.losses = [];
        this.lossReported = false;
      }
      this.until = rec.t + SYNC_WINDOW_NS;
      return;
    }
    if (this.syncAt < 0) return;
    if (rec.t > this.until) this.flush(report);
    else this.loss(rec);
    this.verifyError(rec, report);
  }

  private isSync(rec: TraceRecord): boolean {
    if (rec.actor === ACTOR.chassis && rec.kind === K.chassis.master)
      return rec.fields.sync === true;
    return isReActor(rec.actor, 'iha') && rec.kind === K.iha.socketFailover;
  }

  private isAsync(rec: TraceRecord): boolean {
    if (rec.actor === ACTOR.chassis && rec.kind === K.chassis.master)
      return rec.fields.sync !== true;
    if (rec.actor === ACTOR.chassis && rec.kind === K.chassis.fault)
      return ASYNC_FAULTS.has(String(rec.fields.kind));
    return rec.kind === K.sim.actorStop && isReActor(rec.actor, 'kernel');
  }

  /** A packet lost to the failover under way. */
  private loss(rec: TraceRecord): void {
    const reason = String(rec.fields.reason);
    const who = actorInfo(rec.actor);
    const pfe = rec.actor === ACTOR.pfe && rec.kind === K.pfe.drop && PFE_SWITCH_LOSS.has(reason);
    const re = who.box === 're' && rec.kind === K.re.ipDrop && RE_FAILOVER_LOSS.has(reason);
    if (pfe || re) this.losses.push({ where: rec.actor, reason, recordId: rec.id, t: rec.t });
  }

  /** Reports the losses of the sync failover being judged, once. */
  private flush(report: Report): void {
    if (this.lossReported || this.losses.length === 0) return;
    this.lossReported = true;
    const first = this.losses[0] as (typeof this.losses)[number];
    const by = new Map<string, number>();
    for (const l of this.losses)
      by.set(`${l.where} (${l.reason})`, (by.get(`${l.where} (${l.reason})`) ?? 0) + 1);
    const where = [...by].map(([k, n]) => `${n} at ${k}`).join(', ');
    report({
      recordId: first.recordId,
      timeNs: first.t,
      message: `the sync failover at ${this.syncAt} ns lost ${this.losses.length} packets: ${where}`,
      evidence: {
        direction: 'toRouter',
        syncAt: this.syncAt,
        lost: this.losses.length,
        where: Object.fromEntries(by),
      },
    });
  }

  /** The router's application saw a defect in what it read after the sync failover. */
  private verifyError(rec: TraceRecord, report: Report): void {
    if (rec.kind !== K.app.verifyError || !isReActor(rec.actor, 'kernel')) return;
    const f = rec.fields;
    if (f.direction === 'out-snoop' || this.errorsReported.has(String(f.session))) return;
    this.errorsReported.add(String(f.session));
    report({
      recordId: rec.id,
      timeNs: rec.t,
      message: `after the sync failover the router's application for ${String(f.session)} saw a ${String(f.kind)} at byte ${String(f.offset)} (expected record ${String(f.expected)}, got ${String(f.got)})`,
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
    this.flush(report);
    if (this.syncAt < 0) return;
    for (const p of this.world.peers) {
      for (const s of p.sessions) {
        const conn = s.conn;
        if (conn === undefined || s.generation !== 0) continue;
        // The peer's FIN takes a sequence number but is no data byte: once it is
        // acknowledged (it is the last one sent), snd_una is one past the data.
        const finAcked = (conn.t_flags & TF_SENTFIN) !== 0 && conn.snd_una === conn.snd_max;
        const acked = (conn.snd_una - conn.iss - 1 - (finAcked ? 1 : 0)) >>> 0;
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
