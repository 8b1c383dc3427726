// Messages as arrows (SPEC V-1), from the trace alone. A `send` record (sim's relay: to,
// type, delayNs) is the send; the message arrives at t + delayNs, where the records whose
// cause is the send are its handling. Links are actors too, so a packet goes peer → link
// → PFE → link → RE: the link takes it at once (`link.tx`, no delay) and sends it on with
// the wire's delay, or drops it (`link.drop`), or holds it (nothing, until a release).
// For a reviewer the link hop collapses into one slanted arrow from the sender to the
// far end, carrying both record ids (the send and the link's forwarding send); a lost
// packet ends on the link's lane with a cross, a held one on the link's lane, and a
// packet the link forwards later (a release, or a send whose cause is outside the
// window) starts on the link's lane. A message to a stopped actor ends in a cross too.
import type { TraceRecord } from '../../sim/index.ts';
import { K, actorInfo } from '../../model/vocab.ts';

/** The type of every arrow that crosses a link. */
export const PACKET = 'packet';

export type Fate = 'delivered' | 'lost' | 'held' | 'dropped';
export const FATES: readonly Fate[] = ['delivered', 'lost', 'held', 'dropped'];

export interface Arrow {
  /** The message's id everywhere: the id of its first `send` record. */
  readonly sendId: number;
  /** The link's forwarding `send` record, or -1 when the message crossed no link. */
  readonly viaId: number;
  readonly from: string;
  /** The actor the arrow ends at (the link itself when the link lost or holds it). */
  readonly to: string;
  /** The link crossed (an actor name), or undefined. */
  readonly link: string | undefined;
  readonly t0: number;
  /** Delivery time; for a lost or held packet, the time the link took it. */
  readonly t1: number;
  readonly type: string;
  readonly fate: Fate;
  /** The record saying it was lost or dropped (link.drop, drop), or -1. */
  readonly endId: number;
}

/** Records of a window by id, and what each caused (ids in order). */
export class RecordIndex {
  readonly first: number;
  private readonly effectsOf = new Map<number, number[]>();

  constructor(readonly records: readonly TraceRecord[]) {
    this.first = records[0]?.id ?? 0;
    records.forEach((r, i) => {
      if (r.id !== this.first + i) throw new Error(`messages: record ${r.id} out of order`);
      if (r.cause < this.first) return;
      const list = this.effectsOf.get(r.cause);
      if (list === undefined) this.effectsOf.set(r.cause, [r.id]);
      else list.push(r.id);
    });
  }

  get(id: number): TraceRecord | undefined {
    return id >= this.first ? this.records[id - this.first] : undefined;
  }

  effects(id: number): readonly number[] {
    return this.effectsOf.get(id) ?? [];
  }
}

function delayOf(r: TraceRecord): number {
  const d = r.fields.delayNs;
  return typeof d === 'number' ? d : 0;
}

const isLink = (actor: string): boolean => actorInfo(actor).box === 'link';

/**
 * The record that says this message was dropped at a stopped actor, or undefined. A
 * timer set while handling the message has the message as its cause too, so the drop
 * must also name the message's type and come at its delivery time.
 */
function droppedBy(idx: RecordIndex, s: TraceRecord): TraceRecord | undefined {
  const at = s.t + delayOf(s);
  for (const e of idx.effects(s.id)) {
    const r = idx.get(e);
    if (
      r !== undefined &&
      r.kind === K.sim.drop &&
      r.actor === s.fields.to &&
      r.fields.type === s.fields.type &&
      r.t === at
    )
      return r;
  }
  return undefined;
}

function direct(idx: RecordIndex, s: TraceRecord, from: string, link: string | undefined): Arrow {
  const to = String(s.fields.to);
  const drop = droppedBy(idx, s);
  return {
    sendId: s.id,
    viaId: -1,
    from,
    to,
    link,
    t0: s.t,
    t1: s.t + delayOf(s),
    type: String(s.fields.type),
    fate: drop === undefined ? 'delivered' : 'dropped',
    endId: drop?.id ?? -1,
  };
}

/** The arrows of a packet handed to a link: one per copy delivered, or one lost/held. */
function throughLink(idx: RecordIndex, s: TraceRecord, link: string): Arrow[] {
  const out: Arrow[] = [];
  // Whatever the sender called it (link.tx), on the wire it is a packet.
  const base = { sendId: s.id, from: s.actor, link, t0: s.t, type: PACKET };
  for (const e of idx.effects(s.id)) {
    const r = idx.get(e);
    if (r === undefined || r.actor !== link) continue;
    if (r.kind === K.link.drop) {
      out.push({ ...base, viaId: -1, to: link, t1: r.t, fate: 'lost', endId: r.id });
    } else if (r.kind === K.sim.send) {
      const to = String(r.fields.to);
      const drop = droppedBy(idx, r);
      out.push({
        ...base,
        viaId: r.id,
        to,
        t1: r.t + delayOf(r),
        fate: drop === undefined ? 'delivered' : 'dropped',
        endId: drop?.id ?? -1,
      });
    }
  }
  const last = idx.records[idx.records.length - 1];
  // Nothing came of it: the link holds it (unless the window ends before the link acted).
  if (out.length === 0 && last !== undefined && last.id > s.id)
    out.push({ ...base, viaId: -1, to: link, t1: s.t, fate: 'held', endId: -1 });
  return out;
}

/** Every message of a window of consecutive records, in send order. */
export function arrowsOf(idx: RecordIndex): Arrow[] {
  const out: Arrow[] = [];
  for (const s of idx.records) {
    if (s.kind !== K.sim.send) continue;
    const to = String(s.fields.to);
    if (isLink(s.actor)) {
      // A link's forwarding send is part of its sender's arrow when that is in the window.
      const c = idx.get(s.cause);
      if (c !== undefined && c.kind === K.sim.send && c.fields.to === s.actor) continue;
      out.push(direct(idx, s, s.actor, s.actor));
      continue;
    }
    if (isLink(to) && !isLink(s.actor)) {
      out.push(...throughLink(idx, s, to));
      continue;
    }
    out.push(direct(idx, s, s.actor, undefined));
  }
  return out;
}
