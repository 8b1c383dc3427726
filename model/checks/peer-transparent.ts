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
import { seqGt, seqLt, TH_ACK, TH_RST, TH_SYN } from '../net/segment.ts';
import { ACTOR, K } from '../vocab.ts';

export const PEER_TRANSPARENT = 'peer-transparent';

/** What the peer's TCP noticed, by trace kind, in the violation's words. */
const PEER_NOTICES: ReadonlyMap<string, string> = new Map([
  [K.tcp.rstReceived, 'rst-received'],
  [K.tcp.timeout, 'timeout'],
  [K.peer.ackUnsent, 'ack-unsent'],
  // The peer's TCP threw a segment of the router's away: unsigned or badly signed (RFC
  // 2385), or without the timestamps both sides negotiated (RFC 7323 §3.2) (T-3, T-4, M-6).
  [K.tcp.md5Drop, 'dropped a segment without a valid MD5 signature'],
  [K.tcp.tsMissingDrop, 'dropped a segment without timestamps'],
]);

export class PeerTransparentCheck implements SafetyCheck, LivenessCheck {
  readonly id = PEER_TRANSPARENT;
  /** The only kinds onRecord reads (issue 18: no call for the others). */
  readonly kinds: ReadonlySet<string> = new Set([
    K.pfe.tx,
    K.app.closed,
    K.app.verifyError,
    K.bgp.holdExpired,
    K.tcp.rstReceived,
    K.tcp.timeout,
    K.peer.ackUnsent,
    K.tcp.md5Drop,
    K.tcp.tsMissingDrop,
  ]);
  private readonly peerActors: ReadonlySet<string>;
  /** Per connection on the wire: the router's highest ACK and TSval, and whether it uses timestamps. */
  private readonly flows = new Map<
    string,
    { ack: number | undefined; ts: boolean; tsval: number }
  >();
  private readonly wireReported = new Set<string>();
  private readonly noticed = new Set<string>();

  constructor(private readonly world: World) {
    this.peerActors = new Set(world.peers.map((p) => ACTOR.peer(p.cfg.name)));
  }

  onRecord(rec: TraceRecord, report: Report): void {
    if (rec.kind === K.pfe.tx && rec.actor === ACTOR.pfe) {
      this.wire(rec, report);
      return;
    }
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
      case K.bgp.holdExpired:
        // Issue 15: the peer's BGP heard nothing from the router for its hold time.
        report({
          recordId: rec.id,
          timeNs: rec.t,
          message: `peer BGP hold timer expired (${String(f.peer)}, RFC 4271 §6.5)`,
          evidence: { ...f, direction: 'toPeer' },
        });
        return;
      case K.tcp.rstReceived:
      case K.tcp.timeout:
      case K.peer.ackUnsent:
      case K.tcp.md5Drop:
      case K.tcp.tsMissingDrop: {
        // One report per connection and kind: a drop repeats with every retransmission.
        const key = `${String(f.conn)} ${rec.kind}`;
        if (this.noticed.has(key)) return;
        this.noticed.add(key);
        report({
          recordId: rec.id,
          timeNs: rec.t,
          message: `peer TCP ${PEER_NOTICES.get(rec.kind) ?? rec.kind} on ${String(f.conn)}`,
          evidence: { ...f, direction: 'toPeer' },
        });
        return;
      }
      default:
        return;
    }
  }

  /**
   * What the peer sees of the router on the wire (pfe.tx): per connection the ACK never
   * goes back, and once the router's segments carry timestamps every one does, with a TSval
   * that never goes back (RFC 7323 §3.2, §5; SPEC G-9, T-4, M-6). A SYN starts a new
   * connection on the same ports (a reset session reopened).
   */
  private wire(rec: TraceRecord, report: Report): void {
    const f = rec.fields;
    const flags = f.flags as number;
    if ((flags & TH_RST) !== 0) return;
    const key = `${String(f.dst)}:${String(f.dport)}>${String(f.sport)}`;
    let w = this.flows.get(key);
    if (w === undefined || (flags & TH_SYN) !== 0) {
      w = { ack: undefined, ts: false, tsval: 0 };
      this.flows.set(key, w);
    }
    const ack = f.ack as number;
    const tsval = f.tsval as number | undefined;
    let what: string | undefined;
    if ((flags & TH_ACK) !== 0 && w.ack !== undefined && seqLt(ack, w.ack)) {
      what = `the router's ACK went back from ${w.ack} to ${ack}`;
    } else if (w.ts && tsval === undefined) {
      what = 'a segment without the timestamps option after timestamps were in use';
    } else if (w.ts && tsval !== undefined && ((tsval - w.tsval) | 0) < 0) {
      what = `the router's TSval went back from ${w.tsval} to ${tsval}`;
    }
    if ((flags & TH_ACK) !== 0 && (w.ack === undefined || seqGt(ack, w.ack))) w.ack = ack;
    // A SYN|ACK with timestamps means both SYNs had them: from then on every segment must.
    const negotiated = (flags & (TH_SYN | TH_ACK)) === (TH_SYN | TH_ACK);
    if (tsval !== undefined && ((flags & TH_SYN) === 0 || negotiated)) {
      if (!w.ts || ((tsval - w.tsval) | 0) > 0) w.tsval = tsval;
      w.ts = true;
    }
    if (what === undefined || this.wireReported.has(key)) return;
    this.wireReported.add(key);
    report({
      recordId: rec.id,
      timeNs: rec.t,
      message: `the peer would notice on ${key}: ${what}`,
      evidence: { conn: key, direction: 'toPeer', seq: f.seq, ack, tsval: tsval ?? 'none' },
    });
  }

  /**
   * The application hold timer (BGP 90 s, MSDP 75 s; G-9): no silence longer than the hold
   * time anywhere in the run, not only at its end (a 100 s silence in the middle, after
   * which data flows again, expired the timer just the same).
   */
  atEnd(end: RunResult, report: Report): void {
    const hold = this.world.cfg.holdTimeNs;
    for (const p of this.world.peers) {
      if (p.cfg.fromRouter.ratePerSec <= 0) continue;
      for (const s of p.sessions) {
        if (s.closed !== undefined) continue;
        const open: [number, number] = [s.lastReadNs, end.simulatedNs];
        const gap = [s.longestReadGap, open].find(([a, b]) => b - a > hold);
        if (gap === undefined) continue;
        report({
          recordId: -1,
          timeNs: gap[0] + hold,
          message: `peer session ${s.cfg.id} heard nothing from ${gap[0]} ns to ${gap[1]} ns; its hold timer (${hold} ns) expired at ${gap[0] + hold} ns`,
          evidence: {
            session: s.cfg.id,
            direction: 'toPeer',
            lastReadNs: gap[0],
            silentUntilNs: gap[1],
          },
        });
      }
    }
  }
}
