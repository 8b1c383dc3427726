// Redundant TCP's named mutants (GUIDE §6): deliberately broken variants of the seed 004
// design that a checker must catch. They live apart from the NSR list (model/nsr/
// options.ts MUTANTS) because they break a different design: a scenario selects one with
// router.mutant under design redundant-tcp, and test/model/mutants.test.ts runs each
// library file of scenarios/library/mutant/ with and without it.

export const RTCP_MUTANTS = {
  'rtcp-standby-drops-early-ack':
    'R-2 left out: the standby drops an ACK for a sequence it has not "sent" yet, as plain BSD TCP does (drop after ACK), instead of buffering it and replaying it once its output gets there; with its timing behind by more than the peer takes to ACK, its snd_una stops following the operational station (standby-diverged)',
} as const;

export type RtcpMutantName = keyof typeof RTCP_MUTANTS;

export function isRtcpMutant(name: string): name is RtcpMutantName {
  return Object.hasOwn(RTCP_MUTANTS, name);
}
