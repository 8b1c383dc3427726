// in-order (SPEC G-4, invariant f): packets go up L4 in the order they came from the
// peer, on both sockets; replication never reorders them. Every prl.l4 record is judged,
// whoever emits it: PRL on an ACK or a replicate, and IHA when it releases a socket's
// queue (prlRelease at a cleanup, I-6). The primary's records carry each packet's arrival
// index; the secondary's carry the PRL sequence number only, which is assigned in
// replicate order, so the checker maps it back to the arrival the primary recorded when
// it queued the packet (prl.queue: seq, arrival). A replicate order that differs from the
// arrival order is then visible on the secondary too (not only when the primary lives to
// pass the packets up). Arrival indices must rise strictly per socket (one RE, one handle).
import type { Report, SafetyCheck, TraceRecord } from '../../sim/index.ts';
import { parsePair } from '../nsr/prl-queue.ts';
import { actorInfo, K } from '../vocab.ts';

export const IN_ORDER = 'in-order';

/** Bound on remembered seq → arrival mappings per pair (refused packets are never looked up). */
const ARRIVALS_MAX = 20_000;

export class InOrderCheck implements SafetyCheck {
  readonly id = IN_ORDER;
  /** The only kinds onRecord reads (issue 18: no call for the others). */
  readonly kinds: ReadonlySet<string> = new Set([K.iha.active, K.prl.queue, K.prl.l4]);
  private readonly last = new Map<string, number>();
  /** Arrival index of each replicated packet, per primary RE and session: `${re} ${session}` → seq → arrival. */
  private readonly arrivals = new Map<string, Map<number, number>>();
  /** One violation per session is enough evidence; the rest would only be noise. */
  private readonly reported = new Set<string>();

  onRecord(rec: TraceRecord, report: Report): void {
    const who = actorInfo(rec.actor);
    if (who.box !== 're') return;
    const f = rec.fields;
    if (rec.kind === K.iha.active) {
      // A new replication pair for the session: its sequence numbers start over.
      this.arrivals.set(`${who.re} ${String(f.session)}`, new Map());
      return;
    }
    if (rec.kind === K.prl.queue) {
      const m = this.arrivals.get(`${who.re} ${String(f.session)}`);
      if (m === undefined) return;
      m.set(f.seq as number, f.arrival as number);
      if (m.size > ARRIVALS_MAX) m.delete(m.keys().next().value as number);
      return;
    }
    if (rec.kind !== K.prl.l4) return;
    const order = this.arrivalOf(f);
    if (order < 0) return;
    const key = `${who.re}#${String(f.handle)}`;
    const prev = this.last.get(key);
    this.last.set(key, order);
    if (prev === undefined || order > prev || this.reported.has(String(f.session))) return;
    this.reported.add(String(f.session));
    report({
      recordId: rec.id,
      timeNs: rec.t,
      message: `${String(f.session)}: the ${String(f.role)} on re${who.re} passed packet #${order} (in arrival order) up L4 after packet #${prev}`,
      evidence: {
        session: f.session,
        direction: 'in',
        role: f.role,
        previous: prev,
        got: order,
        seq: f.seq,
        tcpSeq: f.tcpSeq,
      },
    });
  }

  /** The packet's arrival index: the primary's own, or the secondary's mapped through the primary's queue; -1 when unknown. */
  private arrivalOf(f: TraceRecord['fields']): number {
    if (f.role === 'primary') return f.arrival as number;
    if (f.role !== 'secondary' || (f.seq as number) < 0) return -1;
    const pair = parsePair(String(f.pair));
    if (pair === undefined) return -1;
    // The primary queues (and traces) every packet before replicating it, so the arrival is
    // known; a packet it never queued is judged elsewhere (identical-data).
    // Kept after use: a packet passed up twice must map to the same arrival (ARRIVALS_MAX
    // bounds the map; the oldest mappings go first).
    return this.arrivals.get(`${pair.re} ${String(f.session)}`)?.get(f.seq as number) ?? -1;
  }
}
