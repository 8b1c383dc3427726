// The report's data: everything the page draws, computed here from the kept records (and
// the whole run's state records and tallies), so the page only lays out and paints. The
// shape is columnar (one array per attribute) because a window holds up to 50,000
// records; record i of the window has id window.firstId + i, and every id in the data is
// a trace record id (SPEC V-4: the same ids as the exports).
import type { TraceRecord } from '../../sim/index.ts';
import { K, actorInfo } from '../../model/vocab.ts';
import type { RunTally, WindowInfo } from './collect.ts';
import { buildCounters, MISSING, type SessionCounters } from './counters.ts';
import { explain, type Explained, type ViolationInput } from './explain.ts';
import { buildLanes, laneKeyOf, mainLaneOf, type Lane } from './lanes.ts';
import { arrowsOf, FATES, RecordIndex, type Arrow } from './messages.ts';
import { SessionMap, sessionsOf } from './sessions.ts';
import { buildStrips, faultBands, type Band, type Strip } from './states.ts';

export interface SessionTotals {
  readonly session: string;
  readonly peerWrote: number;
  readonly peerRead: number;
  readonly routerWrote: number | undefined;
  readonly routerRead: number | undefined;
  readonly closed: string | undefined;
}

/** The run as the header shows it (SPEC V-1, issue 13 §5). Strings come from the scenario. */
export interface ReportMeta {
  readonly scenario: string;
  readonly file: string;
  readonly description: string;
  readonly seed: number;
  readonly version: string;
  readonly design: string;
  readonly nsr: boolean;
  readonly options: ReadonlyArray<{ name: string; value: string; changed: boolean }>;
  readonly mutant: string | undefined;
  readonly faults: readonly string[];
  readonly checks: string;
  readonly expect: string;
  readonly verdict: 'pass' | 'fail';
  readonly matches: boolean;
  readonly traceHash: string;
  readonly durationNs: number;
  readonly events: number;
  readonly peers: readonly string[];
  readonly sessions: readonly SessionTotals[];
}

export interface ReportInput {
  readonly meta: ReportMeta;
  readonly records: readonly TraceRecord[];
  readonly info: WindowInfo;
  readonly tally: RunTally;
  readonly violations: readonly ViolationInput[];
}

/** Mark colours by kind (the page's legend). */
export type Category =
  'fault' | 'violation' | 'drop' | 'error' | 'retransmit' | 'nack' | 'state' | 'normal';

const CATEGORY_KINDS: ReadonlyArray<[Category, readonly string[]]> = [
  ['fault', [K.chassis.fault, K.sim.actorStop, K.sim.actorRestart]],
  ['violation', [K.check.violation]],
  [
    'drop',
    [
      K.link.drop,
      K.pfe.drop,
      K.pfe.suppress,
      K.prl.drop,
      K.sim.drop,
      K.re.ipDrop,
      K.tcp.rcvSpaceDrop,
      K.tcp.pawsDrop,
      K.kkcm.queueFull,
    ],
  ],
  [
    'error',
    [
      K.kkcm.rxMalformed,
      K.kkcm.framingError,
      K.kkcm.ioError,
      K.kkcm.noClient,
      K.iha.malformed,
      K.iha.unexpected,
      K.prl.malformed,
      K.prl.unexpected,
      K.prl.badPacket,
      K.prl.ackMismatch,
      K.sdrl.malformed,
      K.sdrl.unexpected,
      K.sdrl.gap,
      K.sdrl.outOfOrder,
      K.psrm.malformed,
      K.psrm.unexpected,
      K.psrm.reject,
      K.nsr.replicationError,
      ...Object.values(K.nsr.sendFailed),
      K.tcp.rstSent,
      K.tcp.rstReceived,
      K.tcp.timeout,
      K.app.verifyError,
      K.iha.cleanupSocket,
      K.chassis.noTakeover,
      K.chassis.switchoverRefused,
    ],
  ],
  [
    'retransmit',
    [K.tcp.retransmit, K.tcp.rto, K.tcp.fastRetransmit, K.tcp.dupack, K.tcp.persistProbe],
  ],
  ['nack', [K.prl.nack, K.prl.nackSent, K.prl.timeout, K.psrm.timeout]],
  [
    'state',
    [
      K.re.boot,
      K.re.role,
      K.chassis.master,
      K.pfe.switch,
      K.pfe.master,
      K.tcp.state,
      ...Object.values(K.iha),
      ...Object.values(K.app),
      K.kkcm.up,
      K.kkcm.cleanup,
      K.psrm.failover,
      K.link.hold,
      K.link.release,
      K.link.set,
    ],
  ],
];

const CATEGORY = new Map<string, Category>();
for (const [cat, kinds] of CATEGORY_KINDS)
  for (const k of kinds) if (!CATEGORY.has(k)) CATEGORY.set(k, cat);

export function categoryOf(kind: string): Category {
  return CATEGORY.get(kind) ?? 'normal';
}

/** Header figures of the failover outcome, for the whole run. */
export interface Outcome {
  readonly label: string;
  readonly value: number;
  readonly note: string;
}

function countBy(tally: RunTally, kind: string, box?: 'peer' | 're'): number {
  let n = 0;
  for (const [actor, kinds] of tally.byActor) {
    if (box !== undefined && actorInfo(actor).box !== box) continue;
    n += kinds.get(kind) ?? 0;
  }
  return n;
}

export function outcomes(tally: RunTally): Outcome[] {
  const resets = tally.state.filter(
    (r) =>
      r.kind === K.app.closed && r.fields.reason === 'reset' && actorInfo(r.actor).box === 'peer',
  ).length;
  return [
    { label: 'peer sessions reset', value: resets, note: 'app.closed (reset) at a peer' },
    {
      label: 'resets received',
      value: countBy(tally, K.tcp.rstReceived),
      note: 'tcp.rst-received',
    },
    { label: 'application stalls', value: countBy(tally, K.app.stall), note: 'app.stall' },
    {
      label: 'peer retransmissions',
      value: countBy(tally, K.tcp.retransmit, 'peer'),
      note: 'tcp.retransmit at peers',
    },
    {
      label: 'router retransmissions',
      value: countBy(tally, K.tcp.retransmit, 're'),
      note: 'tcp.retransmit at the REs',
    },
    { label: 'RTO timeouts', value: countBy(tally, K.tcp.rto), note: 'tcp.rto, both sides' },
    { label: 'packets lost on links', value: countBy(tally, K.link.drop), note: 'link.drop' },
    { label: 'payload bytes lost on links', value: tally.linkDropBytes, note: 'link.drop len' },
    {
      label: 'PFE drops',
      value: countBy(tally, K.pfe.drop) + countBy(tally, K.pfe.suppress),
      note: 'pfe.drop, pfe.suppress',
    },
    { label: 'PRL drops', value: countBy(tally, K.prl.drop), note: 'prl.drop' },
    { label: 'stream errors', value: countBy(tally, K.app.verifyError), note: 'app.verify-error' },
  ];
}

/** Interns strings into a table; returns the index. */
class Table {
  readonly items: string[] = [];
  private readonly at = new Map<string, number>();
  id(s: string): number {
    let i = this.at.get(s);
    if (i === undefined) {
      i = this.items.length;
      this.items.push(s);
      this.at.set(s, i);
    }
    return i;
  }
}

export interface PageData {
  readonly meta: ReportMeta;
  readonly outcomes: readonly Outcome[];
  readonly window: WindowInfo & { readonly total: number; readonly stateCapped: boolean };
  readonly lanes: readonly Lane[];
  readonly sessions: readonly string[];
  readonly actors: readonly string[];
  readonly kinds: ReadonlyArray<{ name: string; cat: Category }>;
  readonly rec: {
    readonly t: number[];
    readonly cause: number[];
    readonly actor: number[];
    readonly kind: number[];
    readonly lane: number[];
    readonly session: number[];
    readonly fields: Array<Readonly<Record<string, unknown>>>;
  };
  readonly arrows: {
    readonly send: number[];
    readonly via: number[];
    readonly from: number[];
    readonly to: number[];
    readonly t0: number[];
    readonly t1: number[];
    readonly fate: number[];
    readonly end: number[];
    readonly type: number[];
    readonly session: number[];
  };
  readonly fates: readonly string[];
  readonly types: readonly string[];
  readonly bands: readonly Band[];
  readonly strips: ReadonlyArray<Strip & { readonly laneIndex: number }>;
  readonly counters: readonly SessionCounters[];
  readonly missing: readonly string[];
  readonly violations: readonly Explained[];
  readonly density: { readonly ns: number; readonly counts: readonly number[] };
}

function laneIndexer(lanes: readonly Lane[]): (key: string) => number {
  const at = new Map(lanes.map((l, i) => [l.key, i]));
  const other = at.get('other') ?? lanes.length - 1;
  return (key) => at.get(key) ?? other;
}

function arrowColumns(
  arrows: readonly Arrow[],
  lane: (key: string) => number,
  sessionOfId: (id: number) => number,
  types: Table,
): PageData['arrows'] {
  const cols: PageData['arrows'] = {
    send: [],
    via: [],
    from: [],
    to: [],
    t0: [],
    t1: [],
    fate: [],
    end: [],
    type: [],
    session: [],
  };
  for (const a of arrows) {
    cols.send.push(a.sendId);
    cols.via.push(a.viaId);
    cols.from.push(lane(mainLaneOf(a.from)));
    cols.to.push(lane(mainLaneOf(a.to)));
    cols.t0.push(a.t0);
    cols.t1.push(a.t1);
    cols.fate.push(FATES.indexOf(a.fate));
    cols.end.push(a.endId);
    cols.type.push(types.id(a.type));
    const s = sessionOfId(a.sendId);
    cols.session.push(s >= 0 ? s : a.viaId >= 0 ? sessionOfId(a.viaId) : -1);
  }
  return cols;
}

/** Builds the page's data from a report's input. */
export function buildPageData(input: ReportInput): PageData {
  const { meta, records, info, tally } = input;
  const sessions = meta.sessions.map((s) => s.session);
  const lanes = buildLanes(meta.peers, meta.nsr, sessions);
  const lane = laneIndexer(lanes);
  const map = new SessionMap();
  map.learn(tally.state);
  const sessionOf = sessionsOf(records, map);
  const sessionIdx = new Map(sessions.map((s, i) => [s, i]));
  const actors = new Table();
  const kinds = new Table();
  const rec: PageData['rec'] = {
    t: [],
    cause: [],
    actor: [],
    kind: [],
    lane: [],
    session: [],
    fields: [],
  };
  records.forEach((r, i) => {
    rec.t.push(r.t);
    rec.cause.push(r.cause);
    rec.actor.push(actors.id(r.actor));
    rec.kind.push(kinds.id(r.kind));
    rec.lane.push(lane(laneKeyOf(r.actor, r.kind)));
    const s = sessionOf[i];
    rec.session.push(s === undefined ? -1 : (sessionIdx.get(s) ?? -1));
    rec.fields.push(r.fields);
  });
  const idx = new RecordIndex(records);
  const types = new Table();
  const first = idx.first;
  const arrows = arrowColumns(arrowsOf(idx), lane, (id) => rec.session[id - first] ?? -1, types);
  const endNs = Math.max(meta.durationNs, info.toNs);
  const strips = buildStrips(tally.state, meta.nsr, sessions, endNs).map((s) => ({
    ...s,
    laneIndex: lane(s.lane),
  }));
  return {
    meta,
    outcomes: outcomes(tally),
    window: { ...info, total: tally.records, stateCapped: tally.stateCapped },
    lanes,
    sessions,
    actors: actors.items,
    kinds: kinds.items.map((name) => ({ name, cat: categoryOf(name) })),
    rec,
    arrows,
    fates: FATES,
    types: types.items,
    bands: faultBands(tally.state, endNs),
    strips,
    counters: buildCounters(records, sessionOf, sessions),
    missing: MISSING,
    violations: explain(input.violations, idx, strips, meta.nsr),
    density: { ns: tally.densityNs, counts: tally.density },
  };
}
