// peer-transparent (SPEC G-9): the external peer must not notice a failover. Its TCP
// connections never reset or time out, its application stream has no gap, duplicate,
// reorder or corruption, and no session's application hold timer (BGP's 90 s by
// default) expires: the peer keeps hearing from the router while the router has data
// to send.
import type {
  LivenessCheck,
  Report,
  RunResult,
  SafetyCheck,
  TraceRecord,
} from '../../sim/index.ts';
import type { World } from '../world.ts';
import { ACTOR, K } from '../vocab.ts';

export const PEER_TRANSPARENT = 'peer-transparent';

/** What the peer's TCP noticed, by trace kind, in the violation's words. */
const PEER_NOTICES: ReadonlyMap<string, string> = new Map([
  [K.tcp.rstReceived, 'rst-received'],
  [K.tcp.timeout, 'timeout'],
  [K.peer.ackUnsent, 'ack-unsent'],
]);

export class PeerTransparentCheck implements SafetyCheck, LivenessCheck {
  readonly id = PEER_TRANSPARENT;
  private readonly peerActors: ReadonlySet<string>;

  constructor(private readonly world: World) {
    this.peerActors = new Set(world.peers.map((p) => ACTOR.peer(p.cfg.name)));
  }

  onRecord(rec: TraceRecord, report: Report): void {
    if (!this.peerActors.has(rec.actor)) return;
    const f = rec.fields;
    switch (rec.kind) {
      case K.app.closed:
        if (f.reason !== 'normal') {
          report({
            recordId: rec.id,
            timeNs: rec.t,
            message: `peer session ${String(f.session)} closed: ${String(f.reason)}`,
            evidence: { session: f.session, reason: f.reason, direction: 'both' },
          });
        }
        return;
      case K.app.verifyError:
        report({
          recordId: rec.id,
          timeNs: rec.t,
          message: `peer session ${String(f.session)} received a stream with a ${String(f.kind)} at byte ${String(f.offset)} (expected record ${String(f.expected)}, got ${String(f.got)})`,
          evidence: {
            session: f.session,
            direction: 'toPeer',
            kind: f.kind,
            offset: f.offset,
            expected: f.expected,
            got: f.got,
          },
        });
        return;
      case K.tcp.rstReceived:
      case K.tcp.timeout:
      case K.peer.ackUnsent:
        report({
          recordId: rec.id,
          timeNs: rec.t,
          message: `peer TCP ${PEER_NOTICES.get(rec.kind) ?? rec.kind} on ${String(f.conn)}`,
          evidence: { ...f, direction: 'toPeer' },
        });
        return;
      default:
        return;
    }
  }

  atEnd(end: RunResult, report: Report): void {
    const hold = this.world.cfg.holdTimeNs;
    for (const p of this.world.peers) {
      if (p.cfg.fromRouter.ratePerSec <= 0) continue;
      for (const s of p.sessions) {
        if (s.closed !== undefined) continue;
        const silentNs = end.simulatedNs - s.lastReadNs;
        if (silentNs > hold) {
          report({
            recordId: -1,
            timeNs: end.simulatedNs,
            message: `peer session ${s.cfg.id} heard nothing for ${silentNs} ns; its hold timer (${hold} ns) expired`,
            evidence: { session: s.cfg.id, direction: 'toPeer', lastReadNs: s.lastReadNs },
          });
        }
      }
    }
  }
}
