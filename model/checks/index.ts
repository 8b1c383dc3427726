// The checker registry: every invariant checker by id, the SPEC requirement it
// enforces, and how to attach it to a world. Checkers see trace records as they are
// produced (safety) and the finished world (liveness).
import type { World } from '../world.ts';
import { PEER_TRANSPARENT, PeerTransparentCheck } from './peer-transparent.ts';

export interface CheckerInfo {
  id: string;
  spec: readonly string[];
  description: string;
  attach(world: World): void;
}

export const CHECKERS: readonly CheckerInfo[] = [
  {
    id: PEER_TRANSPARENT,
    spec: ['G-9'],
    description: "the peer never sees a reset, timeout, stream gap/duplicate, or an expired application hold timer",
    attach(world) {
      const c = new PeerTransparentCheck(world);
      world.addSafetyCheck(c);
      world.addLivenessCheck(c);
    },
  },
];

export function checkerIds(): string[] {
  return CHECKERS.map((c) => c.id);
}

/** Attaches the named checkers ('all' = every one); unknown ids throw. */
export function attachCheckers(world: World, ids: readonly string[] | 'all'): void {
  const wanted = ids === 'all' ? checkerIds() : ids;
  for (const id of wanted) {
    const c = CHECKERS.find((x) => x.id === id);
    if (c === undefined) throw new Error(`unknown checker "${id}"`);
    c.attach(world);
  }
}
