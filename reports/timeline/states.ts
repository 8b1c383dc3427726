// State strips and fault bands (SPEC V-1), from the whole run's state records (so a
// window that starts mid-run still knows who was master). Per RE: master, backup,
// syncing (a backup whose KKCM is not up yet or that still has a socket whose
// replication is being set up) and down (crashed). Per session: replication pending
// (IHA set-up or a per-socket hand-over in progress), active, failed (a replication
// error tore it down) or none (never set up, failed over, or cleaned up on purpose).
import type { TraceRecord } from '../../sim/index.ts';
import { K, actorInfo, type ReIndex } from '../../model/vocab.ts';
import { laneKeys } from './lanes.ts';

export type RoleState = 'master' | 'backup' | 'syncing' | 'down';
export type ReplState = 'pending' | 'active' | 'failed' | 'none';
export const ROLE_STATES: readonly RoleState[] = ['master', 'backup', 'syncing', 'down'];
export const REPL_STATES: readonly ReplState[] = ['pending', 'active', 'failed', 'none'];

export interface StripSegment {
  readonly t0: number;
  readonly t1: number;
  readonly state: RoleState | ReplState;
  /** The record that started this state. */
  readonly id: number;
  readonly note: string;
}

export interface Strip {
  readonly lane: string;
  readonly segs: StripSegment[];
}

export interface Band {
  readonly t0: number;
  readonly t1: number;
  readonly label: string;
  /** The chassis's `fault` record. */
  readonly id: number;
}

/** Builds a strip from state changes; the last state lasts until endNs. */
class StripBuilder {
  readonly segs: StripSegment[] = [];
  private cur: { t0: number; state: RoleState | ReplState; id: number; note: string } | undefined;

  constructor(readonly lane: string) {}

  set(t: number, state: RoleState | ReplState, id: number, note: string): void {
    if (this.cur !== undefined && this.cur.state === state) return;
    this.close(t);
    this.cur = { t0: t, state, id, note };
  }

  close(t: number): void {
    const c = this.cur;
    if (c !== undefined && t > c.t0) this.segs.push({ ...c, t1: t });
    this.cur = undefined;
  }

  end(t: number): Strip {
    this.close(t);
    return { lane: this.lane, segs: this.segs };
  }
}

const REPL_BY_KIND: ReadonlyMap<string, ReplState> = new Map<string, ReplState>([
  [K.iha.setup, 'pending'],
  [K.iha.socketFailover, 'pending'],
  [K.iha.active, 'active'],
  [K.iha.cleanupSocket, 'failed'],
  [K.nsr.replicationError, 'failed'],
  [K.iha.failover, 'none'],
  [K.iha.socketFailoverAbandoned, 'none'],
  [K.iha.forgetPrimary, 'none'],
  [K.iha.deleteSecondary, 'none'],
]);

const KKCM_DOWN: ReadonlySet<string> = new Set<string>([
  K.kkcm.cleanup,
  K.kkcm.channelClosed,
  K.kkcm.ioError,
]);

interface ReState {
  role: 'master' | 'backup' | 'down' | undefined;
  kkcmUp: boolean;
}

/** Mastership strips (one per RE) and replication strips (one per session). */
export function buildStrips(
  state: readonly TraceRecord[],
  nsr: boolean,
  sessions: readonly string[],
  endNs: number,
): Strip[] {
  const res: [ReState, ReState] = [
    { role: undefined, kkcmUp: false },
    { role: undefined, kkcmUp: false },
  ];
  const roleStrips = [new StripBuilder(laneKeys.reRole(0)), new StripBuilder(laneKeys.reRole(1))];
  const repl = new Map<string, ReplState>(sessions.map((s) => [s, 'none']));
  const replStrips = new Map(sessions.map((s) => [s, new StripBuilder(laneKeys.repl(s))]));
  const pending = (): boolean => [...repl.values()].some((s) => s === 'pending');
  for (const r of state) {
    const info = actorInfo(r.actor);
    if (info.box === 're') applyRe(res[info.re], info.subsystem, r, nsr);
    const changed = applyRepl(repl, r);
    if (changed !== undefined) {
      const why = typeof r.fields.reason === 'string' ? ` (${r.fields.reason})` : '';
      for (const s of changed)
        replStrips.get(s)?.set(r.t, repl.get(s) ?? 'none', r.id, `${r.kind}${why}`);
    }
    for (const i of [0, 1] as const) {
      const s = displayRole(res[i], nsr, pending());
      if (s !== undefined) roleStrips[i]?.set(r.t, s, r.id, r.kind);
    }
  }
  const out = roleStrips.map((b) => b.end(endNs));
  if (nsr) for (const b of replStrips.values()) out.push(b.end(endNs));
  return out;
}

function applyRe(re: ReState, sub: string, r: TraceRecord, nsr: boolean): void {
  if (sub === 'kkcm') {
    if (r.kind === K.kkcm.up) re.kkcmUp = true;
    else if (KKCM_DOWN.has(r.kind) || r.kind === K.sim.actorStop) re.kkcmUp = false;
    return;
  }
  if (sub !== 'kernel') return;
  switch (r.kind) {
    case K.re.boot:
      re.role = r.fields.role === 'master' ? 'master' : 'backup';
      if (!nsr) re.kkcmUp = true;
      return;
    case K.re.role:
      re.role = r.fields.to === 'master' ? 'master' : 'backup';
      return;
    case K.sim.actorStop:
      re.role = 'down';
      return;
    default:
      return;
  }
}

function displayRole(re: ReState, nsr: boolean, pending: boolean): RoleState | undefined {
  if (re.role === undefined || re.role === 'down' || re.role === 'master') return re.role;
  return nsr && (!re.kkcmUp || pending) ? 'syncing' : 'backup';
}

/** Applies a record to the per-session replication states; returns the sessions it changed. */
function applyRepl(repl: Map<string, ReplState>, r: TraceRecord): string[] | undefined {
  if (r.kind === K.iha.cleanup) {
    const to: ReplState = r.fields.reason === 'IO_ERR' ? 'failed' : 'none';
    const hit = [...repl].filter(([, s]) => s === 'pending' || s === 'active').map(([k]) => k);
    for (const s of hit) repl.set(s, to);
    return hit;
  }
  const next = REPL_BY_KIND.get(r.kind);
  const session = r.fields.session;
  if (next === undefined || typeof session !== 'string' || !repl.has(session)) return undefined;
  // A teardown after a failure keeps the failure visible.
  if (next === 'none' && repl.get(session) === 'failed') return undefined;
  repl.set(session, next);
  return [session];
}

/** Fault bands: a fault with a duration spans it; one without spans until the PFE's new master. */
export function faultBands(state: readonly TraceRecord[], endNs: number): Band[] {
  const bands: Band[] = [];
  state.forEach((r, i) => {
    if (r.kind !== K.chassis.fault) return;
    const f = r.fields;
    const what = [f.kind, f.target, f.peer, f.side, f.from]
      .filter((x) => typeof x === 'string')
      .join(' ');
    const d = f.durationNs;
    if (typeof d === 'number') {
      const t1 = d > 0 ? Math.min(endNs, r.t + d) : endNs;
      bands.push({ t0: r.t, t1, label: d > 0 ? what : `${what} (until the end)`, id: r.id });
      return;
    }
    const healed = state.slice(i + 1).find((x) => x.kind === K.pfe.master);
    bands.push({
      t0: r.t,
      t1: healed?.t ?? r.t,
      label: healed === undefined ? what : `${what}, until the PFE forwards to the new master`,
      id: r.id,
    });
  });
  return bands;
}

/** The RE that was master at time t (from the role strips), or undefined. */
export function masterAt(strips: readonly Strip[], t: number): ReIndex | undefined {
  for (const i of [0, 1] as const) {
    const s = strips.find((x) => x.lane === laneKeys.reRole(i));
    const seg = s?.segs.find((g) => g.t0 <= t && t < g.t1);
    if (seg?.state === 'master') return i;
  }
  return undefined;
}
