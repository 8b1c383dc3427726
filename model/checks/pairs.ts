// Matching the two sides of one replicated packet. PRL names a replication pair the same
// on both REs (pairOf: the primary's RE and handle) and numbers its packets (the PRL
// sequence number), so (pair, seq) names one packet on both sockets; a new pair (the
// socket replicated again) starts its numbers over without colliding with the old ones.
// The primary reaches L4 with a packet on the secondary's ACK (via 'ack'), the secondary
// on the replicate itself (via 'replicate'); whichever comes first waits for the other.
// Packets only one side ever passes up (refused, dropped, lost with a crashed RE) stay
// unmatched; the wait is bounded, and reaching the bound is reported, never a reset.
import type { Fields, Report, Simulation } from '../../sim/index.ts';
import { pairOf, type L4Input, type L4Result } from '../nsr/prl-queue.ts';
import type { NsrState, Rep } from '../nsr/state.ts';

export interface L4Side {
  readonly role: 'primary' | 'secondary';
  readonly re: number;
  readonly session: string;
  readonly input: L4Input;
  readonly result: L4Result;
}

/** Bound on sides waiting for their other half, over all pairs. */
export const PAIR_WAIT_MAX = 200_000;

export class PairMatcher {
  private readonly waiting = new Map<string, Map<number, L4Side>>();
  private size = 0;
  private full = false;

  constructor(
    private readonly checkId: string,
    private readonly report: Report,
    private readonly at: () => { recordId: number; timeNs: number },
  ) {}

  /** Feeds one L4 input; returns both sides once the second has come. */
  offer(nsr: NsrState, rep: Rep, input: L4Input, result: L4Result): [L4Side, L4Side] | undefined {
    if (this.full || input.seq < 0) return undefined;
    if (input.via !== 'ack' && input.via !== 'replicate') return undefined;
    const role = rep.role;
    const pair = pairOf(nsr, rep);
    const side: L4Side = { role, re: nsr.reIndex, session: rep.session, input, result };
    let m = this.waiting.get(pair);
    if (m === undefined) this.waiting.set(pair, (m = new Map()));
    const other = m.get(input.seq);
    if (other === undefined || other.role === role) {
      m.set(input.seq, side);
      if (other === undefined) this.size++;
      if (this.size > PAIR_WAIT_MAX) this.overflow();
      return undefined;
    }
    m.delete(input.seq);
    this.size--;
    return role === 'primary' ? [side, other] : [other, side];
  }

  private overflow(): void {
    this.full = true;
    this.waiting.clear();
    const { recordId, timeNs } = this.at();
    this.report({
      recordId,
      timeNs,
      message: `${this.checkId}: more than ${PAIR_WAIT_MAX} replicated packets passed up on one side only are waiting for the other; judgement stops here`,
      evidence: { bound: PAIR_WAIT_MAX, direction: 'in' },
    });
  }
}

/** What a paired check says about one packet both sides passed up: nothing, or a violation. */
export interface PairVerdict {
  readonly message: string;
  readonly evidence: Fields;
}

/**
 * A check that judges each replicated packet once both sockets have passed it up L4
 * (rcvbufspc-agree, tcp-follower): it taps NsrState's l4Done after each L4 input, matches
 * the two sides (PairMatcher) and reports at most one violation per session (one is
 * enough evidence; the rest would only be noise). A subclass says only what it compares.
 */
export abstract class PairedL4Check {
  private readonly matcher: PairMatcher;
  private readonly reported = new Set<string>();
  private readonly report: Report;

  constructor(
    private readonly sim: Simulation,
    readonly id: string,
  ) {
    this.report = sim.reporter(id);
    this.matcher = new PairMatcher(id, this.report, () => this.at());
  }

  /** Taps one RE incarnation's L4 inputs. */
  attach(nsr: NsrState): void {
    nsr.l4Done.subscribe((rep, input, result) => {
      const both = this.matcher.offer(nsr, rep, input, result);
      if (both === undefined || this.reported.has(both[0].session)) return;
      const verdict = this.judge(both[0], both[1]);
      if (verdict === undefined) return;
      this.reported.add(both[0].session);
      this.report({ ...this.at(), ...verdict });
    });
  }

  /** The primary's and the secondary's side of one packet: a violation, or undefined. */
  protected abstract judge(p: L4Side, s: L4Side): PairVerdict | undefined;

  private at(): { recordId: number; timeNs: number } {
    return { recordId: this.sim.trace.count - 1, timeNs: this.sim.now };
  }
}
