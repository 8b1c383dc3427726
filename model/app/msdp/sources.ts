// The local sources an RP originates SAs for (RFC 3618 §3: an RP learns of a new local
// sender, e.g. by a PIM Register, and announces it), and when.
//
// Each source has up-intervals on a slot grid. Its SA goes out at the start of each
// up-interval (§5.1: an RP SHOULD announce a new source at once) and every
// [SA-Advertisement-Period] after, while it stays up; a source that goes down is simply
// no longer announced and the peers' caches time it out (§5.3). Phases differ per source,
// so the periodic SAs are spread over the period (§5.2, R4) in batches of the sources
// sharing a slot.
//
// Determinism across the two REs: the schedule is a pure function of the configuration and
// of per-source seeds drawn once, at construction, from the given Rng. Both REs' speakers
// are built with Rngs of the same (seed, name), so they agree on every source's intervals
// without exchanging anything (in a real router the backup's PIM would know the local
// sources through PIM NSR; seed 003 leaves that to PIM). Each source then draws from its
// own stream, lazily, so the order of queries never changes an answer.
import { Rng } from '../../../sim/index.ts';
import type { ChurnSpec, LocalSource, OriginationConfig } from './defs.ts';

/** Up-intervals generated per source at most (a run of ~100 simulated days at 1 per 90 s). */
export const SOURCE_INTERVALS_MAX = 100_000;

class SourceTimeline {
  /** ups[k] <= t < downs[k]: up; downs[k] is Infinity without churn. */
  readonly ups: number[] = [];
  readonly downs: number[] = [];

  constructor(
    private readonly rng: Rng,
    private readonly churn: ChurnSpec | undefined,
    private readonly slotNs: number,
    firstUpNs: number,
  ) {
    this.ups.push(firstUpNs);
    this.downs.push(churn === undefined ? Infinity : firstUpNs + this.draw(churn.meanUpNs));
  }

  private draw(meanNs: number): number {
    return Math.max(1, Math.round(this.rng.exponential(meanNs) / this.slotNs)) * this.slotNs;
  }

  /** Generates intervals until one ends after `t`. */
  private cover(t: number): void {
    const c = this.churn;
    if (c === undefined) return;
    while ((this.downs[this.downs.length - 1] as number) <= t) {
      if (this.ups.length >= SOURCE_INTERVALS_MAX)
        throw new Error(`msdp sources: more than ${SOURCE_INTERVALS_MAX} intervals`);
      const up = (this.downs[this.downs.length - 1] as number) + this.draw(c.meanDownNs);
      this.ups.push(up);
      this.downs.push(up + this.draw(c.meanUpNs));
    }
  }

  /** Start of the up-interval containing t, or undefined when down at t. */
  upSince(t: number): number | undefined {
    this.cover(t);
    let lo = 0;
    let hi = this.ups.length - 1;
    if ((this.ups[0] as number) > t) return undefined;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.ups[mid] as number) <= t) lo = mid;
      else hi = mid - 1;
    }
    return t < (this.downs[lo] as number) ? (this.ups[lo] as number) : undefined;
  }
}

export class SourceSchedule {
  private readonly lines: SourceTimeline[];
  readonly sources: readonly LocalSource[];

  constructor(
    cfg: OriginationConfig,
    readonly periodNs: number,
    readonly slotNs: number,
    rng: Rng,
  ) {
    if (periodNs % slotNs !== 0) throw new Error('msdp sources: slot must divide the period');
    this.sources = cfg.sources;
    const slots = periodNs / slotNs;
    this.lines = cfg.sources.map((s, i) => {
      const seed = rng.uint32();
      const own = new Rng(seed, `msdp-source/${i}`);
      const firstUp = own.int(slots) * slotNs;
      return new SourceTimeline(own, cfg.churn, slotNs, firstUp);
    });
  }

  get size(): number {
    return this.lines.length;
  }

  /** Start of source i's current up-interval at t, or undefined when it is down. */
  upSince(i: number, t: number): number | undefined {
    return this.line(i).upSince(t);
  }

  /** The last instant <= t at which source i was announced in its current up-interval. */
  lastDue(i: number, t: number): number | undefined {
    const up = this.upSince(i, t);
    if (up === undefined) return undefined;
    return up + Math.floor((t - up) / this.periodNs) * this.periodNs;
  }

  /** Indices of the sources announced at instant t (t on the slot grid), in index order. */
  dueAt(t: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.lines.length; i++) {
      const up = this.upSince(i, t);
      if (up !== undefined && (t - up) % this.periodNs === 0) out.push(i);
    }
    return out;
  }

  /** Indices of the sources up at t, in index order. */
  activeAt(t: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.lines.length; i++) if (this.upSince(i, t) !== undefined) out.push(i);
    return out;
  }

  /** Indices whose up/down state differs between t0 and t1 (churn trace). */
  changedBetween(t0: number, t1: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.lines.length; i++)
      if (this.upSince(i, t0) !== this.upSince(i, t1)) out.push(i);
    return out;
  }

  /** The first slot instant strictly after t. */
  nextSlot(t: number): number {
    return (Math.floor(t / this.slotNs) + 1) * this.slotNs;
  }

  source(i: number): LocalSource {
    const s = this.sources[i];
    if (s === undefined) throw new Error(`msdp sources: no source ${i}`);
    return s;
  }

  private line(i: number): SourceTimeline {
    const l = this.lines[i];
    if (l === undefined) throw new Error(`msdp sources: no source ${i}`);
    return l;
  }
}
