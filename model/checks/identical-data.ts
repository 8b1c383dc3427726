// identical-data (SPEC G-2, invariant c): for every replicated socket and each direction
// of data, the bytes the primary and the secondary socket hold are prefix-consistent
// while both live; and after a socket is lost (its RE crashed, or replication on it was
// torn down) the surviving socket ends up holding every byte the lost one had
// delivered. Bytes only the survivor has are allowed: the peer retransmits what it never
// saw acknowledged.
//
// "Delivered" per direction:
// - inbound (peer → router): bytes TCP appended to the socket's receive buffer, at their
//   offset from irs+1 (both sockets count the same way);
// - outbound (router → peer): on the secondary, bytes SDRL appended to its send buffer;
//   on the primary, bytes the application wrote; and when a primary is lost, what it had
//   *transmitted* is what the survivor must hold (S-1), since the rest never left it.
//
// Packet level (G-2's own words: never may one socket receive a packet the other did not):
// for each replication pair PRL's trace says which replicated packets each side passed
// up L4 and which it refused (a NACK on the secondary) or dropped (on the primary). A
// packet passed up on one side and refused or dropped on the other, or a packet the
// primary passes up without replicating while its socket is active, is a violation.
// Once a pair's primary releases its queue with a push (P-7 timeout, replication error,
// cleanup) replication on the socket has ended: what the primary passes up from then on
// is not compared with the secondary's refusals (drops still are).
//
// The checker keeps, per session and direction, the bytes seen so far beyond what every
// live socket has passed (a sliding window), compares each new delivery against it and
// reports the first differing byte offset. It is fed by the NSR kernels' taps
// (NsrState.delivered / sent), not by the trace, because it needs the bytes; it
// reports through the simulation like any safety check (record id of the moment).
import type {
  Fields,
  LivenessCheck,
  Report,
  RunResult,
  Simulation,
  TraceRecord,
} from '../../sim/index.ts';
import { ByteQueue } from '../net/bytes.ts';
import type { NsrState, Rep } from '../nsr/state.ts';
import { ACTOR, actorInfo, K, type ReIndex } from '../vocab.ts';
import { SECONDARY_AHEAD_KINDS, SecondaryAhead } from './secondary-ahead.ts';

export const IDENTICAL_DATA = 'identical-data';

type Dir = 'in' | 'out';

interface Instance {
  key: string;
  re: number;
  role: string;
  start: number;
  end: number;
  live: boolean;
  /** Outbound primary: bytes it had put on the wire when it was lost. */
  required: number;
  rep: Rep;
}

interface Stream {
  session: string;
  dir: Dir;
  /** Offset of the first byte held in canon. */
  base: number;
  canon: ByteQueue;
  instances: Map<string, Instance>;
  reported: boolean;
}

interface PairPackets {
  primaryUp: Set<number>;
  secondaryUp: Set<number>;
  primaryDropped: Set<number>;
  secondaryRefused: Set<number>;
}

const PRL_PACKET_KINDS: ReadonlySet<string> = new Set([
  K.prl.release,
  K.prl.l4,
  K.prl.drop,
  K.prl.nackSent,
]);

/** The only kinds onRecord reads (its trace listener is offered no other, issue 18). */
export const IDENTICAL_DATA_KINDS: ReadonlySet<string> = new Set([
  ...SECONDARY_AHEAD_KINDS,
  ...PRL_PACKET_KINDS,
  K.sim.actorStop,
  K.app.takeover,
  K.iha.forgetPrimary,
  K.iha.deleteSecondary,
]);

/** Remembered sequence numbers per set and pair (older ones are forgotten). */
const PAIR_SEQ_MEMORY = 20_000;

export class IdenticalDataCheck implements LivenessCheck {
  readonly id = IDENTICAL_DATA;
  private readonly streams = new Map<string, Stream>();
  /** Every instance of a socket (`re<i>#<handle>`): its stream and instance, per direction. */
  private readonly bySocket = new Map<string, Array<{ s: Stream; inst: Instance }>>();
  private readonly pairs = new Map<string, PairPackets>();
  private report: Report | undefined;
  private readonly pendingViolations: Array<Parameters<Report>[0]> = [];

  /** P-15: the secondary is never behind its primary (secondary-ahead.ts). */
  private readonly ahead: SecondaryAhead;

  constructor(private readonly sim: Simulation) {
    this.ahead = new SecondaryAhead(sim, sim.reporter(IDENTICAL_DATA));
  }

  /**
   * The NSR state of each live RE incarnation. A socket of its tables that has not yet
   * delivered in a direction will deliver from its next offset there, so trim keeps the
   * bytes from that offset on for it (the secondary passes an inbound packet up before the
   * primary does, and the primary writes before SDRL appends on the secondary: without
   * this, each stream's first chunk was trimmed before the second socket could meet it).
   */
  private readonly liveNsr = new Map<number, NsrState>();

  /** Bytes the checker holds for a session's stream (the window not yet passed by all). */
  held(session: string, dir: Dir): number {
    return this.streams.get(`${session}/${dir}`)?.canon.len ?? 0;
  }

  /** Wires the taps of one RE incarnation's NSR state. */
  attach(nsr: NsrState): void {
    this.liveNsr.set(nsr.reIndex, nsr);
    this.ahead.attach(nsr);
    nsr.delivered.subscribe((rep, offset, bytes) =>
      this.deliver(nsr.reIndex, rep, 'in', offset, bytes),
    );
    nsr.sent.subscribe((rep, offset, bytes) =>
      this.deliver(nsr.reIndex, rep, 'out', offset, bytes),
    );
  }

  /** Sees the trace: an RE crash loses all its sockets; IHA records say which socket went. */
  onRecord(rec: TraceRecord): void {
    this.ahead.onRecord(rec);
    const who = actorInfo(rec.actor);
    if (who.box !== 're') return;
    // PRL's own records and those IHA emits when it releases a socket's queue (prlRelease
    // at a cleanup, I-6): every packet passed up, dropped or refused is judged, whoever acts.
    if (PRL_PACKET_KINDS.has(rec.kind)) {
      this.packet(rec, who.re);
      return;
    }
    const re = who.re;
    if (who.subsystem === 'kernel') {
      if (rec.kind === K.sim.actorStop) this.lose(re, undefined);
      if (rec.kind === K.app.takeover) this.takeover(rec);
      return;
    }
    if (who.subsystem !== 'iha') return;
    if (rec.kind === K.iha.forgetPrimary || rec.kind === K.iha.deleteSecondary)
      this.endPair(re, rec.kind, rec.fields);
    if (rec.kind === K.iha.deleteSecondary || rec.kind === K.iha.forgetPrimary)
      this.lose(re, rec.fields.handle as number);
  }

  /**
   * S-1 at the moment it matters: the new primary's application resumes the outbound
   * stream at outOffset; a lost primary that had already put bytes beyond it on the wire
   * transmitted data the survivor never held (the application regenerating the same
   * bytes later would only hide it).
   */
  private takeover(rec: TraceRecord): void {
    const s = this.streams.get(`${String(rec.fields.session)}/out`);
    const at = rec.fields.outOffset as number;
    if (s === undefined || s.reported) return;
    for (const lost of s.instances.values()) {
      if (lost.live || lost.role !== 'primary' || lost.required <= at) continue;
      s.reported = true;
      this.pendingViolations.push({
        recordId: rec.id,
        timeNs: rec.t,
        message: `outbound ${s.session}: the new primary resumed at byte ${at} but the lost primary ${lost.key} had already transmitted up to byte ${lost.required} (sent before it was replicated, S-1)`,
        evidence: {
          session: s.session,
          direction: 'out',
          lost: lost.key,
          lostTransmittedEnd: lost.required,
          resumedAt: at,
          firstDifferingOffset: at,
        },
      });
      return;
    }
  }

  /**
   * An RE crashed (handle undefined: every stream is looked at, once per crash) or one
   * socket's instance ended (its own instances only, through bySocket: no scan of every
   * stream per socket teardown, which at 10,000 sessions made a crash quadratic).
   */
  lose(re: number, handle: number | undefined): void {
    if (handle !== undefined) {
      for (const { s, inst } of this.bySocket.get(`re${re}#${handle}`) ?? [])
        if (inst.live) this.end(s, inst);
      return;
    }
    this.liveNsr.delete(re);
    for (const s of this.streams.values())
      for (const inst of s.instances.values()) if (inst.live && inst.re === re) this.end(s, inst);
  }

  private end(s: Stream, inst: Instance): void {
    inst.live = false;
    if (s.dir === 'out' && inst.role === 'primary') {
      // What the lost primary had transmitted (snd_max) is what the survivor must hold.
      const c = inst.rep.conn;
      const soStart = inst.rep.sdrl.sndAppended - c.so_snd.cc;
      inst.required = soStart + Math.max(0, (c.snd_max - c.snd_una) | 0);
    } else {
      inst.required = inst.end;
    }
  }

  private packet(rec: TraceRecord, re: ReIndex): void {
    const f = rec.fields;
    if (rec.kind === K.prl.release) {
      // The primary's PRL releases the socket's queue with a push (P-7 timeout, a
      // replication error, a KKCM cleanup): replication on it ends here. The packets it
      // pushes up L4 go up an unreplicated socket, outside G-2's "every replicated
      // socket": the doomed secondary refusing one of them is no pair disagreement. (Were
      // that secondary to take over, the stream-level survivor rule judges what it holds.)
      // Everything else of the pair is still judged: a packet the primary dropped, e.g.
      // at a release that drops, must not have gone up the secondary.
      const pair = f.mode === 'push' ? this.lastPair.get(`${String(f.session)}@${re}`) : undefined;
      if (pair !== undefined) this.released.add(pair);
      return;
    }
    const pairKey = f.pair as string | undefined;
    if (pairKey === undefined) return;
    if (rec.kind === K.prl.drop && f.reason === 'release' && this.ended.has(pairKey)) return;
    if (f.role === 'secondary' && typeof f.handle === 'number')
      this.secondaryPair.set(`${re}#${f.handle}`, pairKey);
    if (f.role === 'primary') {
      if (rec.kind === K.prl.l4 && this.released.has(pairKey)) return;
      this.lastPair.set(`${String(f.session)}@${re}`, pairKey);
    }
    const seq = f.seq as number;
    if (rec.kind === K.prl.l4 && f.role === 'primary' && seq < 0 && f.replicated === true) {
      this.packetViolation(
        rec,
        `${String(f.session)}: the primary passed a packet (TCP seq ${String(f.tcpSeq)}) up L4 without replicating it while replication was active`,
        { arrival: f.arrival },
      );
      return;
    }
    if (seq < 0) return;
    const sides = this.sidesOf(rec, this.pairPackets(pairKey));
    if (sides === undefined) return;
    const [mine, other, what] = sides;
    if (other.has(seq)) {
      this.packetViolation(rec, `${String(f.session)} packet ${seq} of pair ${pairKey}: ${what}`, {
        seq,
        pair: pairKey,
      });
      return;
    }
    mine.add(seq);
    if (mine.size > PAIR_SEQ_MEMORY) mine.delete(mine.values().next().value as number);
  }

  private pairPackets(pairKey: string): PairPackets {
    let p = this.pairs.get(pairKey);
    if (p === undefined) {
      const sets = () => new Set<number>();
      p = {
        primaryUp: sets(),
        secondaryUp: sets(),
        primaryDropped: sets(),
        secondaryRefused: sets(),
      };
      this.pairs.set(pairKey, p);
    }
    return p;
  }

  /** Which set a PRL record adds to, which set it must not meet, and what a meeting means. */
  private sidesOf(
    rec: TraceRecord,
    p: PairPackets,
  ): [Set<number>, Set<number>, string] | undefined {
    const role = rec.fields.role;
    if (rec.kind === K.prl.l4 && role === 'primary')
      return [
        p.primaryUp,
        p.secondaryRefused,
        'the primary passed it up L4 but the secondary refused it (NACK)',
      ];
    if (rec.kind === K.prl.l4 && role === 'secondary')
      return [
        p.secondaryUp,
        p.primaryDropped,
        'the secondary passed it up L4 but the primary dropped it',
      ];
    if (rec.kind === K.prl.drop)
      return [
        p.primaryDropped,
        p.secondaryUp,
        'the primary dropped it but the secondary had passed it up L4',
      ];
    if (rec.kind === K.prl.nackSent)
      return [
        p.secondaryRefused,
        p.primaryUp,
        'the secondary refused it (NACK) but the primary had passed it up L4',
      ];
    return undefined;
  }

  private packetViolation(
    rec: TraceRecord,
    message: string,
    evidence: Record<string, unknown>,
  ): void {
    const key = `packet:${String(rec.fields.session)}`;
    if (this.reportedPackets.has(key)) return;
    this.reportedPackets.add(key);
    this.pendingViolations.push({
      recordId: rec.id,
      timeNs: rec.t,
      message,
      evidence: { session: rec.fields.session, direction: 'in', ...evidence },
    });
  }

  private readonly reportedPackets = new Set<string>();
  /** The primary's current pair per session and RE ("pa/0@re0"), from its PRL records. */
  private readonly lastPair = new Map<string, string>();
  /** Pairs whose primary released its queue with a push: its later passes up L4 are unreplicated. */
  private readonly released = new Set<string>();
  /** Pairs one of whose sockets IHA let go: a release drop after it is no pair disagreement. */
  private readonly ended = new Set<string>();
  /** The pair of each secondary socket ("1#3": RE 1, handle 3), from its PRL records. */
  private readonly secondaryPair = new Map<string, string>();

  /**
   * IHA let one socket of a pair go: the primary at a hand-over (F-2: the other RE's
   * secondary becomes the primary), or the secondary (deleted at a cleanup, I-6). What the
   * primary's PRL still queued is then dropped by the release (prlRelease 'drop': on the
   * forgotten primary, or on the survivor when the peer's iha.error arrives), and the other
   * socket may have passed those very packets up. The socket let go is lost like a crashed
   * one: the survivor rule judges the bytes (the survivor must hold every byte it
   * delivered; a drop the peer was never ACKed for comes back as a retransmission), the
   * pair rule no longer applies to those drops.
   */
  private endPair(re: number, kind: string, f: Fields): void {
    // A primary's pair is named by its own RE and handle (pairOf); a secondary's by its
    // primary's, which its IHA record does not carry: its PRL records told us.
    const key = `${re}#${String(f.handle)}`;
    const pair = kind === K.iha.forgetPrimary ? `re${key}` : this.secondaryPair.get(key);
    this.secondaryPair.delete(key);
    if (pair !== undefined) this.ended.add(pair);
  }

  private stream(session: string, dir: Dir): Stream {
    const k = `${session}/${dir}`;
    let s = this.streams.get(k);
    if (s === undefined) {
      s = { session, dir, base: -1, canon: new ByteQueue(), instances: new Map(), reported: false };
      this.streams.set(k, s);
    }
    return s;
  }

  private deliver(re: number, rep: Rep, dir: Dir, offset: number, bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const s = this.stream(rep.session, dir);
    const key = `re${re}#${rep.handle}`;
    let inst = s.instances.get(key);
    if (inst === undefined) {
      this.supersede(s, re, rep);
      inst = { key, re, role: rep.role, start: offset, end: offset, live: true, required: 0, rep };
      s.instances.set(key, inst);
      const list = this.bySocket.get(key);
      if (list === undefined) this.bySocket.set(key, [{ s, inst }]);
      else list.push({ s, inst });
    }
    inst.role = rep.role;
    if (offset !== inst.end) {
      this.violation(
        s,
        offset,
        `${key} delivered at ${offset} after ending at ${inst.end}: its own stream has a gap or overlap`,
        { re, offset, expected: inst.end },
      );
    }
    this.compareAndExtend(s, inst, offset, bytes);
    inst.end = offset + bytes.length;
    this.trim(s);
  }

  /**
   * The socket got a new handle (a failover makes its secondary a primary, a re-set-up
   * replicates it again): its old instance on this RE ends here, not lost but continued by
   * the new one (nothing required of a survivor), so it no longer holds the window open.
   */
  private supersede(s: Stream, re: number, rep: Rep): void {
    for (const old of s.instances.values()) {
      if (!old.live || old.re !== re || old.rep.conn !== rep.conn) continue;
      old.live = false;
      old.required = 0;
    }
  }

  private compareAndExtend(s: Stream, inst: Instance, offset: number, bytes: Uint8Array): void {
    if (s.base < 0) s.base = offset;
    const canon = s.canon;
    const canonEnd = s.base + canon.len;
    if (offset > canonEnd) {
      // Nothing known between canonEnd and offset (a late-joining secondary starts
      // ahead of what was kept): start the window over at this offset.
      if (
        canon.len === 0 ||
        ![...s.instances.values()].some((i) => i.live && i !== inst && i.end > s.base)
      ) {
        s.base = offset;
        canon.clear();
      }
    }
    const from = Math.max(offset, s.base);
    const overlapEnd = Math.min(offset + bytes.length, s.base + canon.len);
    const held = canon.buf;
    const base = s.base;
    const o = firstDifference(held, from - base, bytes, from - offset, overlapEnd - from) + from;
    if (o < overlapEnd) {
      this.violation(
        s,
        o,
        `${s.dir === 'in' ? 'inbound' : 'outbound'} data of ${s.session} differs at byte ${o}: ${inst.key} (${inst.role}) has 0x${(bytes[o - offset] as number).toString(16)}, the other socket had 0x${(held[o - base] as number).toString(16)}`,
        { re: inst.re, offset: o },
      );
      return;
    }
    const appendFrom = Math.max(from, s.base + canon.len);
    if (appendFrom < offset + bytes.length && appendFrom === s.base + canon.len)
      canon.append(bytes.subarray(appendFrom - offset));
  }

  /**
   * Drops bytes every live instance has passed and every live socket of the session that
   * has not delivered in this direction yet will not deliver (it starts at its next offset).
   */
  private trim(s: Stream): void {
    let low = Infinity;
    for (const i of s.instances.values()) {
      if (i.live) low = Math.min(low, i.end);
    }
    // Sockets not yet delivering can only lower the cut: looked at only when one is due
    // (trim runs on every delivery, and most deliveries cut nothing).
    if (this.tooSmall(s, low)) return;
    low = Math.min(low, this.notYetDelivered(s));
    if (this.tooSmall(s, low)) return;
    const cut = Math.min(low, s.base + s.canon.len) - s.base;
    s.canon.consume(cut);
    s.base += cut;
  }

  /** Whether cutting at `low` is not worth it (nothing to cut, or a small part of the window). */
  private tooSmall(s: Stream, low: number): boolean {
    if (!Number.isFinite(low) || low <= s.base) return true;
    const cut = Math.min(low, s.base + s.canon.len) - s.base;
    return cut < 4096 && cut < s.canon.len / 2;
  }

  /**
   * The lowest next offset of a live socket of the session that has not delivered in this
   * direction yet (Infinity if none).
   */
  private notYetDelivered(s: Stream): number {
    let low = Infinity;
    for (const nsr of this.liveNsr.values()) {
      const rep = nsr.bySession.get(s.session);
      if (rep === undefined || s.instances.has(`re${nsr.reIndex}#${rep.handle}`)) continue;
      // A secondary's offsets are its stream's only once PSRM's snapshot is in, which is
      // when it becomes active (a fresh replica counts from 0 until then); a primary's are
      // from the start (IHA sets its SDRL start as it adds it).
      if (rep.role !== 'primary' && !rep.iha.active) continue;
      low = Math.min(low, s.dir === 'in' ? rep.rcv.offset : rep.sdrl.sndAppended);
    }
    return low;
  }

  private violation(
    s: Stream,
    offset: number,
    message: string,
    evidence: Record<string, unknown>,
  ): void {
    if (s.reported) return;
    s.reported = true;
    const v = {
      recordId: this.sim.trace.count - 1,
      timeNs: this.sim.now,
      message,
      evidence: { session: s.session, direction: s.dir, firstDifferingOffset: offset, ...evidence },
    };
    this.sim.traceFrom(ACTOR.check, K.check.violation, { check: this.id, ...v.evidence });
    this.pendingViolations.push(v);
  }

  atEnd(_end: RunResult, report: Report): void {
    this.report = report;
    for (const v of this.pendingViolations) report(v);
    for (const s of this.streams.values()) {
      if (s.reported) continue;
      const survivors = [...s.instances.values()].filter((i) => i.live);
      if (survivors.length === 0) continue;
      const best = Math.max(...survivors.map((i) => i.end));
      for (const lost of s.instances.values()) {
        if (lost.live || lost.required <= best) continue;
        report({
          recordId: -1,
          timeNs: this.sim.now,
          message: `${s.dir === 'in' ? 'inbound' : 'outbound'} ${s.session}: the lost socket ${lost.key} had delivered up to byte ${lost.required}, the survivor holds only up to ${best}`,
          evidence: {
            session: s.session,
            direction: s.dir,
            lost: lost.key,
            lostEnd: lost.required,
            survivorEnd: best,
            firstDifferingOffset: best,
          },
        });
        break;
      }
    }
  }
}

/**
 * The index (from 0) of the first of `n` bytes where a[ai..] and b[bi..] differ, or n when
 * they agree: four bytes a comparison while they agree, then byte by byte (a third of the
 * time of a byte loop, issue 18).
 */
export function firstDifference(
  a: Uint8Array,
  ai: number,
  b: Uint8Array,
  bi: number,
  n: number,
): number {
  let i = 0;
  if (n >= 16) {
    const av = new DataView(a.buffer, a.byteOffset + ai, n);
    const bv = new DataView(b.buffer, b.byteOffset + bi, n);
    while (i + 4 <= n && av.getUint32(i, true) === bv.getUint32(i, true)) i += 4;
  }
  while (i < n && a[ai + i] === b[bi + i]) i++;
  return i;
}
