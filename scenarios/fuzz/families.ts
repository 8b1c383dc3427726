// The swarm-testing vocabulary of the fuzzer (GUIDE §7, TigerBeetle's `options_swarm`):
// fault families that a generated scenario turns on or off as a whole, and the design
// option values the "correct design" property must leave out because they break an
// invariant by design (a finding, recorded in the scenario library, not a bug to find
// again on every run).
import { DEFAULT_NSR_OPTIONS, NSR_OPTION_INFO, type NsrOptions } from '../../model/nsr/options.ts';
import type { FaultAction } from '../../model/config.ts';

export type FaultKind = FaultAction['kind'];

/** Each family and the fault kinds it stands for; a scenario enables a subset of families. */
export const FAULT_FAMILIES = {
  mastership: ['re-crash', 're-restart', 'switchover', 'socket-failover'],
  interRe: [
    'kkcm-io-error',
    'inter-re-down',
    'inter-re-partition',
    'inter-re-hold',
    'backup-stall',
  ],
  wire: ['wire-loss', 'wire-reorder', 'wire-partition'],
  app: ['app-stall'],
  config: ['nsr-deconfig', 'nsr-reconfig'],
} as const satisfies Record<string, readonly FaultKind[]>;

export type FamilyName = keyof typeof FAULT_FAMILIES;
export const FAMILY_NAMES = Object.keys(FAULT_FAMILIES) as FamilyName[];

/** The families enabled in one scenario. */
export type Swarm = Readonly<Record<FamilyName, boolean>>;

export function familyOf(kind: FaultKind): FamilyName | undefined {
  return FAMILY_NAMES.find((f) => (FAULT_FAMILIES[f] as readonly string[]).includes(kind));
}

/** A design option value (or combination) that breaks an invariant by design. */
export interface UnsafeOption {
  option: keyof NsrOptions;
  value: string;
  breaks: string;
  why: string;
  /** True when the effective options include it. */
  matches(o: Readonly<NsrOptions>): boolean;
  /** The nearest safe options (what the correct-design generator uses instead). */
  repair(o: Partial<NsrOptions>): Partial<NsrOptions>;
}

/**
 * Design option values known to break an invariant by design. The "correct design"
 * property never picks them (the generator repairs a draw that has one); a campaign with
 * `safeOnly: false` may. Each entry says which invariant and where the finding is kept.
 */
export const KNOWN_UNSAFE_OPTIONS: readonly UnsafeOption[] = [
  {
    option: 'nackBufferFull',
    value: 'requeue',
    breaks: 'G-4 (in-order)',
    // scenarios/library/option/nackbufferfull-requeue.yaml expects in-order to fire.
    why: 'the PRL §7.3c requeue puts a NACKed packet behind packets that arrived after it, so the primary passes packets up L4 out of arrival order',
    matches: (o) => o.nackBufferFull === 'requeue',
    repair: ({ nackBufferFull: _drop, ...rest }) => rest,
  },
  {
    option: 'prlAck',
    value: 'coalesce',
    breaks: 'P-10 (rcvbufspc-agree)',
    // SPEC P-6 asks the simulator to expose this interaction; the fuzzer finds it in a few
    // percent of runs, without faults too (most often with prlQueue: global, also with
    // per-inpcb queues around a switchover or a KKCM restart). The library file
    // scenarios/library/option/prlack-coalesce.yaml passes under its load.
    why: 'one coalesced ACK carries one common_rcvbufspc for several packets; when the secondary application reads between them, the primary judges a packet against a different space than the secondary did',
    matches: (o) => o.prlAck === 'coalesce',
    repair: ({ prlAck: _coalesce, ...rest }) => rest,
  },
  {
    option: 'oooAccounting',
    value: 'count-incoming',
    breaks: 'liveness (a zero-window deadlock)',
    // SPEC P-11 asks the simulator to show this deadlock (the PRL document fears it); the
    // fuzzer finds it in runs long enough for liveness to judge (a mutant's bias), with
    // 8 KB buffers and records of a few KB (test/scenarios/fuzz/findings/unsafe-ooo-count-incoming.yaml).
    why: 'the arriving packet counts against common_rcvbufspc as well as the out-of-order queue, so the packet that fills a hole may never fit: the stream stalls for good',
    matches: (o) => o.oooAccounting === 'count-incoming',
    repair: ({ oooAccounting: _count, ...rest }) => rest,
  },
  {
    option: 'prlQueue',
    value: 'global with kkcmChannels: balanced',
    breaks: 'G-9 (peer-transparent) on a failover soon after',
    // Found by a biased sample (test/scenarios/fuzz/findings/unsafe-global-queue-balanced.yaml): 4 in
    // 120 runs with mastership faults, 0 with per-inpcb queues.
    why: "one global PRL queue needs ACKs in queue order, which one KKCM connection gives (seed 001); spread over two connections an ACK overtakes another socket's, the mismatch tears that socket's replication down, and a failover before it is set up again resets the peer",
    matches: (o) => o.prlQueue === 'global' && o.kkcmChannels === 'balanced',
    repair: ({ prlQueue: _global, ...rest }) => rest,
  },
  {
    option: 'versions',
    value: 'skewed ([1, 2] or [2, 1]) with encoding: ipc',
    breaks: 'G-9 (peer-transparent) on any failover',
    // model/nsr/wire.ts: a fixed-struct receiver rejects a version newer than its own, so
    // IHA set-up never completes and no socket is replicated (found by this fuzzer; with
    // encoding: tlv the versions interoperate, scenarios/library/option/versions-1-2.yaml).
    why: 'with fixed IPC structs the RE speaking version 1 rejects every version-2 message: replication never becomes active, so every failover resets the peers',
    matches: (o) => o.versions[0] !== o.versions[1] && o.encoding === 'ipc',
    repair: (o) => ({ ...o, encoding: 'tlv' }),
  },
];

/** Do these options include one of KNOWN_UNSAFE_OPTIONS (a failure then is by design)? */
export function hasUnsafeOption(o: Partial<NsrOptions>): boolean {
  return KNOWN_UNSAFE_OPTIONS.some((u) => u.matches({ ...DEFAULT_NSR_OPTIONS, ...o }));
}

/** Effective options with KNOWN_UNSAFE_OPTIONS repaired. */
export function repairUnsafe(o: Partial<NsrOptions>): Partial<NsrOptions> {
  let out = o;
  for (const u of KNOWN_UNSAFE_OPTIONS)
    if (u.matches({ ...DEFAULT_NSR_OPTIONS, ...out })) out = u.repair(out);
  return out;
}

/** The values of each option (unsafe ones included: the generator repairs them when asked). */
export function optionChoices(): ReadonlyArray<{
  option: keyof NsrOptions;
  values: ReadonlyArray<NsrOptions[keyof NsrOptions]>;
}> {
  return NSR_OPTION_INFO.map((o) => ({ option: o.name, values: valuesOf(o.name, o.values) }));
}

/** Typed values of one option; NSR_OPTION_INFO describes versions and booleans in words. */
function valuesOf(
  name: keyof NsrOptions,
  described: readonly string[],
): Array<NsrOptions[keyof NsrOptions]> {
  switch (name) {
    case 'versions':
      return [
        [1, 1],
        [1, 2],
        [2, 1],
        [2, 2],
      ];
    case 'prlL3Header':
      return [true, false];
    default:
      return [...described] as Array<NsrOptions[keyof NsrOptions]>;
  }
}
