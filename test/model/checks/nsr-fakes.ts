// Shared helper of the tap-fed checker tests (rcvbufspc-agree, tcp-follower,
// secondary-ahead): fake NSR kernels and replicated sockets holding only what those
// checkers read, L4 inputs and results, and a Simulation whose violations they collect.
import type { L4Input, L4Result, L4Via } from '../../../model/nsr/prl-queue.ts';
import type { NsrState, Rep, RepRole } from '../../../model/nsr/state.ts';
import type { ReIndex } from '../../../model/vocab.ts';
import { Observers, Simulation, type Violation } from '../../../sim/index.ts';

/** A fake RE kernel: its index, its taps and its handle table (rep()). */
export function fakeNsr(reIndex: ReIndex, reps: readonly Rep[] = []): NsrState {
  const table = new Map<number, Rep>(reps.map((r) => [r.handle, r]));
  return {
    reIndex,
    reps: table,
    l4Done: new Observers(),
    sent: new Observers(),
    delivered: new Observers(),
    rep: (handle: number) => table.get(handle),
  } as unknown as NsrState;
}

/** Puts a socket into a fake kernel's handle table. */
export function putRep(nsr: NsrState, rep: Rep): Rep {
  nsr.reps.set(rep.handle, rep);
  return rep;
}

export interface FakeRepInit {
  session?: string;
  handle: number;
  peerHandle: number;
  role: RepRole;
  /** iha.active (default true). */
  active?: boolean;
  /** rcv.offset: stream offset of the next inbound byte TCP appends. */
  rcvOffset?: number;
  /** sdrl.sndAppended: end offset of the send buffer. */
  sndAppended?: number;
  /** The socket's TCP fields the checkers read. */
  conn?: Record<string, unknown>;
}

/** A fake replicated socket. */
export function fakeRep(o: FakeRepInit): Rep {
  return {
    session: o.session ?? 'pa/0',
    handle: o.handle,
    peerHandle: o.peerHandle,
    role: o.role,
    iha: { active: o.active ?? true, setupInProgress: false, failingOver: false, setupStartNs: 0 },
    rcv: { appended: 0, offset: o.rcvOffset ?? 0 },
    sdrl: { sndAppended: o.sndAppended ?? 0 },
    conn: { so_snd: { cc: 0 }, snd_una: 0, ...o.conn },
  } as unknown as Rep;
}

/** How a packet reaches L4. */
export function l4Input(via: L4Via, seq: number, space: number | undefined): L4Input {
  return { via, seq, arrival: -1, space };
}

/** What an L4 input left in the socket: fixed values unless overridden. */
export function l4Result(over: Partial<L4Result> = {}): L4Result {
  return {
    appended: 100,
    rcv_nxt: 5000,
    rcv_wnd: 16384,
    rcv_up: 5000,
    snd_una: 9000,
    snd_wnd: 32768,
    snd_wl1: 4900,
    snd_wl2: 9000,
    max_sndwnd: 65535,
    segqBytes: 0,
    state: 'ESTABLISHED',
    ...over,
  };
}

/** A simulation that only collects what tap-fed checkers report. */
export function quietSim(): Simulation {
  return new Simulation({ seed: 1, hash: false });
}

/** The violations `sim` collected from one checker. */
export function violationsOf(sim: Simulation, check: string): readonly Violation[] {
  return sim.violations.filter((v) => v.check === check);
}
