// The MSDP checkers (issue 14, SPEC D-3, D-4, D-6), registered by index.ts. Each has a
// mutant it catches (model/nsr/options.ts, scenarios/library/mutant/msdp-*.yaml).
import type { World } from '../world.ts';
import type { CheckerInfo } from './index.ts';
import { MSDP_ADJACENCY, MsdpAdjacencyCheck } from './msdp-adjacency.ts';
import { SA_CACHE, SaCacheCheck } from './sa-cache.ts';
import { SA_STREAM, SaStreamCheck } from './sa-stream.ts';

export const MSDP_CHECKERS: readonly CheckerInfo[] = [
  {
    id: SA_CACHE,
    spec: ['D-4', 'D-3', 'D-6'],
    description:
      "one SA refresh period after replication the backup's SA cache equals the master's (RP, group, source); a planned switchover leaves the new master no SA gap",
    attach(world: World) {
      const c = new SaCacheCheck(world);
      world.addSafetyCheck(c);
      world.addLivenessCheck(c);
    },
  },
  {
    id: MSDP_ADJACENCY,
    spec: ['D-4', 'G-9'],
    description:
      "no MSDP peer's adjacency drops (no reset, Hold expiry or ConnectRetry) across switchovers and crashes; only a reset for a malformed TLV it sent (D-8)",
    attach(world: World) {
      world.addSafetyCheck(new MsdpAdjacencyCheck(world));
    },
  },
  {
    id: SA_STREAM,
    spec: ['D-4', 'S-1', 'G-9'],
    description:
      'an MSDP peer reads exactly the TLVs the router wrote, offset by offset, and no SA the router still has expires at a peer',
    attach(world: World) {
      world.addSafetyCheck(new SaStreamCheck(world));
    },
  },
];
