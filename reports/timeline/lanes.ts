// The lanes of the space-time diagram (SPEC V-1): one per box and subsystem, in the order
// a packet travels (peer application, peer TCP, its wire; the PFE and its links to the
// REs; RE0 top-down, the inter-RE link, RE1 bottom-up so that the two KKCMs face each
// other across the link), then the state strips (mastership per RE, replication per
// session). Actors are classified only through actorInfo() of the trace vocabulary, and
// a kernel record goes to the application lane when its kind is an application kind, so
// a renamed actor (re0 → re0/kernel) changes nothing here.
import {
  ACTOR,
  K,
  LINK,
  NSR_SUBSYSTEMS,
  actorInfo,
  type NsrSubsystem,
  type ReIndex,
} from '../../model/vocab.ts';

/** Which filter checkbox hides a lane. */
export type LaneFilter =
  'control' | 'app' | 'tcp' | 'links' | 'pfe' | NsrSubsystem | 'state' | 'other';

export interface Lane {
  readonly key: string;
  readonly label: string;
  /** The box the lane belongs to (a heading in the diagram). */
  readonly group: string;
  readonly filter: LaneFilter;
  /** Strip lanes show states instead of records. */
  readonly strip?: 'role' | 'repl';
  readonly re?: ReIndex;
  readonly session?: string;
}

/** Kinds an RE kernel or a peer emits for its application (they go to the app lane). */
export const APP_KINDS: ReadonlySet<string> = new Set<string>([
  ...Object.values(K.app),
  K.re.socketFailover,
]);

const SUB_LABEL: Readonly<Record<NsrSubsystem, string>> = {
  kkcm: 'KKCM',
  iha: 'IHA',
  prl: 'PRL',
  sdrl: 'SDRL',
  psrm: 'PSRM',
};

/** RE0 top-down; RE1 is drawn bottom-up (its KKCM next to the inter-RE link). */
const RE_ORDER: readonly NsrSubsystem[] = ['prl', 'sdrl', 'psrm', 'iha', 'kkcm'];

export const CONTROL_LANE = 'control';
export const CHECKS_LANE = 'checks';
export const OTHER_LANE = 'other';

export const laneKeys = {
  reApp: (i: ReIndex): string => `re${i}|app`,
  reTcp: (i: ReIndex): string => `re${i}|tcp`,
  reSub: (i: ReIndex, sub: NsrSubsystem): string => `re${i}|${sub}`,
  reRole: (i: ReIndex): string => `re${i}|role`,
  peerApp: (p: string): string => `peer|${p}|app`,
  peerTcp: (p: string): string => `peer|${p}|tcp`,
  link: (l: string): string => `link|${l}`,
  pfe: 'pfe',
  repl: (session: string): string => `repl|${session}`,
} as const;

/** The lane of a record of `actor` with `kind`. */
export function laneKeyOf(actor: string, kind: string): string {
  const info = actorInfo(actor);
  switch (info.box) {
    case 'sim':
    case 'chassis':
      return CONTROL_LANE;
    case 'check':
      return CHECKS_LANE;
    case 'pfe':
      return laneKeys.pfe;
    case 're':
      if (info.subsystem !== 'kernel') return laneKeys.reSub(info.re, info.subsystem);
      return APP_KINDS.has(kind) ? laneKeys.reApp(info.re) : laneKeys.reTcp(info.re);
    case 'peer':
      return APP_KINDS.has(kind) ? laneKeys.peerApp(info.peer) : laneKeys.peerTcp(info.peer);
    case 'link':
      return laneKeys.link(info.link);
    case 'unknown':
      return OTHER_LANE;
    default: {
      const never: never = info;
      throw new Error(`lanes: unknown actor box ${JSON.stringify(never)}`);
    }
  }
}

/** The lane where messages to and from `actor` start and end (its kernel, not its app). */
export function mainLaneOf(actor: string): string {
  return laneKeyOf(actor, K.sim.send);
}

function reLanes(i: ReIndex, nsr: boolean): Lane[] {
  const group = `RE${i}`;
  const nsrLanes: Lane[] = nsr
    ? RE_ORDER.map((sub) => ({
        key: laneKeys.reSub(i, sub),
        label: `${SUB_LABEL[sub]}`,
        group,
        filter: sub,
        re: i,
      }))
    : [];
  const head: Lane[] = [
    { key: laneKeys.reRole(i), label: 'mastership', group, filter: 'state', strip: 'role', re: i },
    { key: laneKeys.reApp(i), label: 'application', group, filter: 'app', re: i },
    { key: laneKeys.reTcp(i), label: 'kernel / TCP', group, filter: 'tcp', re: i },
  ];
  return i === 0 ? [...head, ...nsrLanes] : [...nsrLanes.reverse(), ...head.reverse()];
}

function linkLane(name: string, group: string): Lane {
  return { key: laneKeys.link(name), label: `link ${name}`, group, filter: 'links' };
}

/**
 * Every lane, in drawing order, for a router with these peers (scenario order) and
 * sessions. Actors the vocabulary does not know get one 'other' lane at the end.
 */
export function buildLanes(
  peers: readonly string[],
  nsr: boolean,
  sessions: readonly string[],
): Lane[] {
  const lanes: Lane[] = [
    { key: CONTROL_LANE, label: 'chassis, faults', group: 'control', filter: 'control' },
    { key: CHECKS_LANE, label: 'checkers', group: 'control', filter: 'control' },
  ];
  for (const p of peers) {
    const group = `peer ${p}`;
    lanes.push(
      { key: laneKeys.peerApp(p), label: 'application', group, filter: 'app' },
      { key: laneKeys.peerTcp(p), label: 'TCP', group, filter: 'tcp' },
      linkLane(LINK.wire(p), group),
    );
  }
  lanes.push(
    { key: laneKeys.pfe, label: 'PFE', group: 'PFE', filter: 'pfe' },
    linkLane(LINK.intRe(0), 'PFE'),
    linkLane(LINK.intRe(1), 'PFE'),
    ...reLanes(0, nsr),
    linkLane(LINK.interRe, 'inter-RE'),
    ...reLanes(1, nsr),
  );
  if (nsr) {
    for (const s of sessions) {
      lanes.push({
        key: laneKeys.repl(s),
        label: s,
        group: 'replication',
        filter: 'state',
        strip: 'repl',
        session: s,
      });
    }
  }
  lanes.push({ key: OTHER_LANE, label: 'other actors', group: 'other', filter: 'other' });
  const keys = new Set(lanes.map((l) => l.key));
  if (keys.size !== lanes.length) throw new Error('lanes: duplicate lane key');
  return lanes;
}

/** The actor names a router with these peers has (for the exports' process layout). */
export function knownActors(peers: readonly string[], nsr: boolean): string[] {
  return [
    ACTOR.sim,
    ACTOR.chassis,
    ACTOR.pfe,
    ACTOR.re(0),
    ACTOR.re(1),
    ...(nsr ? ([0, 1] as const).flatMap((i) => NSR_SUBSYSTEMS.map((s) => ACTOR.nsr(i, s))) : []),
    ...peers.map((p) => ACTOR.peer(p)),
  ];
}
