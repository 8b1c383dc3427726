// The checker registry: every invariant checker by id, the SPEC requirements it
// enforces, and how to attach it to a world. Checkers see trace records as they are
// produced (safety), the NSR kernels' byte taps (identical-data) and the finished world
// (liveness). Every checker has a mutant that it catches (model/nsr/options.ts MUTANTS,
// test/model/checks).
import { DEFAULT_NSR_BOUNDS } from '../nsr/options.ts';
import type { World } from '../world.ts';
import { BOUNDED, BoundedCheck } from './bounded.ts';
import { IDENTICAL_DATA, IDENTICAL_DATA_KINDS, IdenticalDataCheck } from './identical-data.ts';
import { IN_ORDER, InOrderCheck } from './in-order.ts';
import { LIVENESS, LivenessCheckImpl } from './liveness.ts';
import { NO_LOSS_SYNC, NoLossSyncCheck } from './no-loss-sync.ts';
import { PEER_TRANSPARENT, PeerTransparentCheck } from './peer-transparent.ts';
import { RCVBUFSPC_AGREE, RcvbufspcAgreeCheck } from './rcvbufspc-agree.ts';
import { TCP_FOLLOWER, TcpFollowerCheck } from './tcp-follower.ts';
import { APP_STREAM, AppStreamCheck } from './app-stream.ts';
import { SYNCED_TAKEOVER, SyncedTakeoverCheck } from './synced-takeover.ts';
import { SINGLE_TRANSMITTER, SingleTransmitterCheck } from './single-transmitter.ts';
import { STANDBY_DIVERGED, StandbyDivergedCheck } from './standby-diverged.ts';
import { MSDP_CHECKERS } from './msdp.ts';
import { BGP_CHECKERS } from './bgp.ts';

export interface CheckerInfo {
  id: string;
  spec: readonly string[];
  description: string;
  attach(world: World): void;
}

export const CHECKERS: readonly CheckerInfo[] = [
  {
    id: IDENTICAL_DATA,
    spec: ['G-2'],
    description:
      'primary and secondary socket hold prefix-consistent data in each direction; a survivor holds all the lost socket delivered',
    attach(world) {
      const c = new IdenticalDataCheck(world.sim);
      world.nsrStates.subscribe((n) => c.attach(n));
      world.sim.trace.addListener((rec) => c.onRecord(rec), IDENTICAL_DATA_KINDS);
      world.addLivenessCheck(c);
    },
  },
  {
    id: NO_LOSS_SYNC,
    spec: ['G-3'],
    description:
      "across a sync failover every byte the router accepted reaches the new primary's application exactly once",
    attach(world) {
      const c = new NoLossSyncCheck(world);
      world.addSafetyCheck(c);
      world.addLivenessCheck(c);
    },
  },
  {
    id: IN_ORDER,
    spec: ['G-4'],
    description: 'packets go up L4 in the order they came from the peer, on both sockets',
    attach(world) {
      world.addSafetyCheck(new InOrderCheck());
    },
  },
  {
    id: PEER_TRANSPARENT,
    spec: ['G-9'],
    description:
      'the peer never sees a reset, timeout, ACK of unsent data, stream gap/duplicate, or an expired application hold timer',
    attach(world) {
      const c = new PeerTransparentCheck(world);
      world.addSafetyCheck(c);
      world.addLivenessCheck(c);
    },
  },
  {
    id: RCVBUFSPC_AGREE,
    spec: ['P-10', 'P-5'],
    description:
      'primary and secondary judge each replicated packet against the same common_rcvbufspc and their TCPs accept the same bytes of it',
    attach(world) {
      const c = new RcvbufspcAgreeCheck(world.sim);
      world.nsrStates.subscribe((n) => c.attach(n));
    },
  },
  {
    id: TCP_FOLLOWER,
    spec: ['P-13', 'S-2', 'M-2'],
    description:
      "after each replicated packet the secondary's receive-side tcpcb (rcv_nxt, rcv_wnd, snd_una, snd_wnd, snd_wl1/2, max_sndwnd, t_segq, state) equals the primary's",
    attach(world) {
      const c = new TcpFollowerCheck(world.sim);
      world.nsrStates.subscribe((n) => c.attach(n));
    },
  },
  {
    id: SYNCED_TAKEOVER,
    spec: ['F-6', 'F-4'],
    description:
      'no takeover by, and no switchover to, an RE that has not finished re-synchronizing (a crash that forces one is reported with the sessions it lacked)',
    attach(world) {
      world.addSafetyCheck(new SyncedTakeoverCheck());
    },
  },
  {
    id: APP_STREAM,
    spec: ['S-3', 'G-2', 'G-3'],
    description:
      "every router application's stream verifier (master, snooping backup both ways, new master) sees no gap, duplicate, reorder or corruption",
    attach(world) {
      world.addSafetyCheck(new AppStreamCheck());
    },
  },
  {
    id: SINGLE_TRANSMITTER,
    spec: ['F-3', 'G-9'],
    description: "at most one RE's packets reach the wire at any time",
    attach(world) {
      world.addSafetyCheck(new SingleTransmitterCheck());
    },
  },
  {
    id: STANDBY_DIVERGED,
    spec: ['R-7', 'R-5'],
    description:
      "design redundant-tcp: the standby station's rcv_nxt, snd_una and application bytes read keep up with the operational station's (first difference and its cause reported)",
    attach(world) {
      if (world.rtcp !== undefined)
        world.addSafetyCheck(new StandbyDivergedCheck(world, world.rtcp));
    },
  },
  {
    id: LIVENESS,
    spec: ['G-1', 'P-10'],
    description:
      'after the faults heal, data flows both ways again within 5 s simulated; hitting the event bound fails',
    attach(world) {
      const c = new LivenessCheckImpl(world);
      world.addSafetyCheck(c);
      world.addLivenessCheck(c);
    },
  },
  {
    id: BOUNDED,
    spec: ['P-8'],
    description: 'PRL and SDRL queues stay within their configured bounds',
    attach(world) {
      world.addSafetyCheck(
        new BoundedCheck({ ...DEFAULT_NSR_BOUNDS, ...world.cfg.router.nsrBounds }),
      );
    },
  },
  ...MSDP_CHECKERS,
  ...BGP_CHECKERS,
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
