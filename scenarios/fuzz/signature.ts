// The signature of a failure: what makes two failing runs "the same failure", so that a
// campaign shrinks each kind once (issue 18: a one-line PRL bug that failed 49 of 60 runs
// was shrunk 49 times into 49 near-identical files).
//
// A signature is `<checker>/<kind>`: the checker of the run's first violation (the first
// that fired, in report order) and the kind of that violation, which is its
// `evidence.direction` (the NSR and TCP checkers state one: in, out, toPeer, toRouter,
// both, sack, ...; `-` when a violation has none, as the BGP and MSDP checkers' do, which
// then group by checker alone). The direction is chosen over
// the message because it is a small closed vocabulary, while messages carry session
// names, byte offsets, sequence numbers and field lists that differ from run to run of
// the same bug. A crash of the simulator is `internal-error/<message>`, its message with
// every number replaced by `#`: two different broken assertions are two bugs.
//
// Coarse on purpose: two different bugs that first trip the same checker in the same
// direction share a group (the group lists all its runs, and a second bug shows again
// once the first is fixed); one bug split over two groups would cost a second shrink.

/** Pseudo-check of a run in which the simulator itself threw (re-exported by run-case.ts). */
export const INTERNAL_ERROR_CHECK = 'internal-error';

/** What a signature is computed from: a run's violations in report order. */
export interface SignedViolation {
  check: string;
  message: string;
  evidence?: Record<string, unknown> | undefined;
}

/** The kind of a violation without evidence.direction. */
export const NO_KIND = '-';
const KIND_MAX_CHARS = 120;

/** `<checker>/<kind>` of a run's first violation; undefined for a run that passed. */
export function failureSignature(violations: readonly SignedViolation[]): string | undefined {
  const v = violations[0];
  if (v === undefined) return undefined;
  return `${v.check}/${violationKind(v)}`;
}

function violationKind(v: SignedViolation): string {
  if (v.check === INTERNAL_ERROR_CHECK) {
    const line = v.message.split('\n')[0] ?? '';
    return line.replace(/\d+/g, '#').slice(0, KIND_MAX_CHARS);
  }
  const d = v.evidence?.direction;
  return typeof d === 'string' && d !== '' ? d : NO_KIND;
}

/** The checker part of a signature. */
export function signatureChecker(signature: string): string {
  const slash = signature.indexOf('/');
  return slash < 0 ? signature : signature.slice(0, slash);
}
