// rcvbufspc-agree (SPEC P-10, P-5, G-2): both sockets judge each replicated packet against
// the same common_rcvbufspc, and their TCPs accept the same bytes of it. For every packet
// (pair, PRL seq) that both sides pass up L4, the primary on the ACK and the secondary on
// the replicate, the checker compares what they were judged against (a side judged
// against its own buffer instead of a common value is a violation too) and the bytes TCP
// appended to so_rcv: equal inputs that end in different acceptance are a TCP-level
// divergence (the fixed finding crash-slow-reader-acked-data-lost was one), which loses
// peer-acknowledged data at the next failover. It reads results, not inputs: NsrState's
// l4Done tap after each L4 input, not trace fields, and it never drops judgement
// silently (PairMatcher reports its bound).
import type { Simulation } from '../../sim/index.ts';
import { PairedL4Check, type L4Side, type PairVerdict } from './pairs.ts';

export const RCVBUFSPC_AGREE = 'rcvbufspc-agree';

export class RcvbufspcAgreeCheck extends PairedL4Check {
  constructor(sim: Simulation) {
    super(sim, RCVBUFSPC_AGREE);
  }

  protected judge(p: L4Side, s: L4Side): PairVerdict | undefined {
    const seq = p.input.seq;
    const ps = p.input.space;
    const ss = s.input.space;
    let what: string | undefined;
    if (ps === undefined || ss === undefined) {
      const own = ps === undefined ? 'primary' : 'secondary';
      what = `the ${own} judged it against its own buffer, not common_rcvbufspc`;
    } else if (ps !== ss) {
      what = `the primary used common_rcvbufspc ${ps}, the secondary ${ss}`;
    } else if (p.result.appended !== s.result.appended) {
      what = `against the same ${ps} the primary's TCP took ${p.result.appended} bytes, the secondary's ${s.result.appended}`;
    }
    if (what === undefined) return undefined;
    return {
      message: `${p.session} packet ${seq}: ${what}`,
      evidence: {
        session: p.session,
        direction: 'in',
        seq,
        primary: ps ?? 'own buffer',
        secondary: ss ?? 'own buffer',
        primaryAccepted: p.result.appended,
        secondaryAccepted: s.result.appended,
      },
    };
  }
}
