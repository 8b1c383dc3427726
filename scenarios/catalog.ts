// What a scenario may name: fault kinds (supported and pending), router keys whose
// feature does not exist yet, designs and mutants. The loader, the JSON schema and
// `nsrsim list` all read this one table, so when the NSR work lands, enabling a fault
// kind or key means moving it here from pending to supported (and teaching the loader
// to build it). Until a key's feature exists the validator rejects it (GUIDE §4), rather
// than silently ignoring it.

/** Why a pending feature is rejected (appended to "… is not supported yet"). */
export const ARRIVES_WITH_NSR = 'arrives with NSR replication';

/** A parameter a fault kind takes, besides `kind` and `at`/`between`. */
export interface FaultParam {
  key: string;
  type: 'duration' | 'probability' | 'target' | 'side' | 'peer';
  required: boolean;
  description: string;
}

export interface FaultKindInfo {
  kind: string;
  status: 'supported' | 'pending';
  spec: readonly string[];
  description: string;
  params: readonly FaultParam[];
}

const target: FaultParam = { key: 'target', type: 'target', required: true, description: 'Which RE: the current master or backup, or re0 / re1 by slot.' };
const peerOpt: FaultParam = { key: 'peer', type: 'peer', required: false, description: 'The peer whose wire link is affected; every peer when omitted.' };
const lasting: FaultParam = { key: 'duration', type: 'duration', required: true, description: 'How long the fault lasts before the link returns to its configured parameters.' };

export const SUPPORTED_FAULTS: readonly FaultKindInfo[] = [
  { kind: 're-crash', status: 'supported', spec: ['F-1', 'G-1'], description: 'an RE crashes and stays down (a crashed master is noticed after masterDetect; GRES moves mastership)', params: [target] },
  { kind: 'switchover', status: 'supported', spec: ['F-2'], description: 'manual mastership switchover (refused when the backup is down)', params: [] },
  { kind: 'pfe-switch-delay', status: 'supported', spec: ['F-3'], description: 'changes the time the PFE takes to switch to a new master from then on', params: [{ key: 'switch', type: 'duration', required: true, description: 'The new GRES switch time of the PFE.' }] },
  { kind: 're-restart', status: 'supported', spec: ['F-4'], description: 'a crashed RE boots again, empty, as backup', params: [target] },
  {
    kind: 'app-stall',
    status: 'supported',
    spec: ['G-9'],
    description: 'an application stops reading and writing for a while (the router side: every session of the master RE)',
    params: [
      { key: 'side', type: 'side', required: true, description: 'Whose application stalls: the external peer\'s or the router\'s.' },
      { key: 'peer', type: 'peer', required: false, description: 'With side: peer, the one peer that stalls; every peer when omitted. Not allowed with side: router.' },
      { key: 'duration', type: 'duration', required: true, description: 'How long the application stalls.' },
    ],
  },
  { kind: 'wire-loss', status: 'supported', spec: ['F-1', 'G-9'], description: 'raises packet loss on wire links for a while', params: [peerOpt, { key: 'loss', type: 'probability', required: true, description: 'Loss probability in [0, 1] while the fault lasts.' }, lasting] },
  { kind: 'wire-partition', status: 'supported', spec: ['F-1', 'G-9'], description: 'takes wire links down (every packet dropped) for a while', params: [peerOpt, lasting] },
  { kind: 'wire-reorder', status: 'supported', spec: ['F-1', 'G-9'], description: 'raises packet reordering on wire links for a while', params: [peerOpt, { key: 'reorder', type: 'probability', required: true, description: 'Reorder probability in [0, 1] while the fault lasts.' }, lasting] },
];

/** Fault kinds the model does not have yet: rejected with "not supported yet". */
export const PENDING_FAULTS: readonly FaultKindInfo[] = [
  { kind: 'socket-failover', status: 'pending', spec: ['F-2', 'I-5'], description: 'per-socket failover asked by the application', params: [] },
  { kind: 'kkcm-io-error', status: 'pending', spec: ['F-1', 'K-5', 'K-7'], description: 'an I/O error on a KKCM channel (cleanup with reason IO_ERR)', params: [] },
  { kind: 'inter-re-down', status: 'pending', spec: ['F-1', 'K-7'], description: 'the inter-RE link goes down', params: [] },
  { kind: 'inter-re-partition', status: 'pending', spec: ['F-1'], description: 'the inter-RE link drops everything for a while', params: [] },
  { kind: 'inter-re-hold', status: 'pending', spec: ['F-1', 'G-8'], description: 'the inter-RE link holds packets, then releases them', params: [] },
  { kind: 'backup-stall', status: 'pending', spec: ['F-1', 'P-7'], description: 'the backup RE stops answering replication (PRL timeout)', params: [] },
  { kind: 'nsr-deconfig', status: 'pending', spec: ['F-1', 'K-7'], description: 'NSR is deconfigured (cleanup with reason NSR_DECONFIG)', params: [] },
  { kind: 'nsr-reconfig', status: 'pending', spec: ['K-9', 'F-4'], description: 'NSR is configured again and every socket re-replicated', params: [] },
];

/** Router keys whose feature does not exist yet: any value is rejected. */
export const PENDING_ROUTER_KEYS: ReadonlyMap<string, string> = new Map([
  ['design', 'Design variant (SPEC design options, e.g. jsr). Not supported yet: arrives with NSR replication.'],
  ['options', 'Per-option design choices (SPEC design options). Not supported yet: arrives with NSR replication.'],
  ['mutant', 'A named, deliberately broken variant (GUIDE §6). Not supported yet: arrives with NSR replication.'],
]);

/** Designs a scenario can pick, and mutants: none selectable yet. */
export const DESIGNS: ReadonlyArray<{ id: string; description: string }> = [{ id: 'jsr', description: 'jsr (NSR replication arrives later)' }];
export const MUTANTS: ReadonlyArray<{ id: string; description: string }> = [];

export function faultInfo(kind: string): FaultKindInfo | undefined {
  return SUPPORTED_FAULTS.find((f) => f.kind === kind) ?? PENDING_FAULTS.find((f) => f.kind === kind);
}
