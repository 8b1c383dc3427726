// The BGP checkers (issue 15, SPEC B-1…B-3), registered by index.ts. Each has a mutant it
// catches (model/nsr/options.ts, scenarios/library/mutant/bgp-*.yaml).
import type { World } from '../world.ts';
import type { CheckerInfo } from './index.ts';
import { ADJ_RIB_IN, AdjRibInCheck } from './adj-rib-in.ts';

export const BGP_CHECKERS: readonly CheckerInfo[] = [
  {
    id: ADJ_RIB_IN,
    spec: ['B-3', 'B-1', 'B-2'],
    description:
      "once the backup has seen a peer's initial table (End-of-RIB), its Adj-RIB-In for that peer equals the master's (prefixes, path attributes, stale marks)",
    attach(world: World) {
      world.addSafetyCheck(new AdjRibInCheck(world));
    },
  },
];
