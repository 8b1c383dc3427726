// Chrome trace JSON (the Trace Event Format that Perfetto UI and chrome://tracing open;
// SPEC V-4), from the same records and record ids as the timeline report:
//
// - a process per box (each peer, the PFE, RE0, RE1, the links, the chassis) and a thread
//   per lane (TCP, application, PRL, SDRL, PSRM, KKCM, IHA, each link), as the report's
//   lanes; a "sessions" process holds the per-session counters, a "state" thread per RE
//   its mastership and per session its replication state;
// - a slice per handling: the records one lane emitted at one instant for one cause. The
//   simulation's handlers take no simulated time, so a slice lasts 1 ns (enough for a
//   viewer to bind flows to it); each record is an instant event inside it, its args the
//   record's id, cause and fields;
// - a flow per message from its send to its receive (id = the send record's id), ending
//   on the link's thread when the link lost or holds it;
// - counters ("C" events, numeric args) per session, fault bands as slices on the chassis
//   thread, violations as instants on the checkers thread.
//
// Timestamps are microseconds (the format's unit) with nanosecond decimals.
import type { PageData } from './timeline/model.ts';

export interface TraceEvent {
  readonly name: string;
  readonly ph: 'X' | 'i' | 's' | 'f' | 'C' | 'M';
  readonly pid: number;
  readonly tid: number;
  readonly ts?: number;
  readonly dur?: number;
  readonly cat?: string;
  readonly id?: number;
  readonly bp?: 'e';
  readonly s?: 't' | 'p' | 'g';
  readonly args?: Readonly<Record<string, unknown>>;
}

const us = (ns: number): number => ns / 1000;
/** A handling slice's length: 1 ns. */
const SLICE_US = 0.001;

interface Place {
  readonly pid: number;
  readonly tid: number;
}

/** pid per lane group (1-based, in lane order), tid per lane. */
function places(d: PageData): { lane: Place[]; meta: TraceEvent[]; counters: number } {
  const groups: string[] = [];
  const meta: TraceEvent[] = [];
  const lane = d.lanes.map((l, i) => {
    let g = groups.indexOf(l.group);
    if (g < 0) {
      g = groups.push(l.group) - 1;
      meta.push(
        { name: 'process_name', ph: 'M', pid: g + 1, tid: 0, args: { name: l.group } },
        { name: 'process_sort_index', ph: 'M', pid: g + 1, tid: 0, args: { sort_index: g + 1 } },
      );
    }
    const name = l.strip === 'role' ? 'mastership' : l.label;
    meta.push(
      { name: 'thread_name', ph: 'M', pid: g + 1, tid: i + 1, args: { name } },
      { name: 'thread_sort_index', ph: 'M', pid: g + 1, tid: i + 1, args: { sort_index: i + 1 } },
    );
    return { pid: g + 1, tid: i + 1 };
  });
  const counters = groups.length + 1;
  meta.push({ name: 'process_name', ph: 'M', pid: counters, tid: 0, args: { name: 'sessions' } });
  return { lane, meta, counters };
}

function at(p: Place | undefined): Place {
  if (p === undefined) throw new Error('perfetto: lane without a place');
  return p;
}

/**
 * What a slice handles: the message whose send is its cause, delivered now; a timer (its
 * cause is whatever was being handled when it was set, so it fires later); or set-up.
 */
function sliceName(d: PageData, cause: number, t: number): string {
  if (cause < 0) return 'set-up';
  const ci = cause - d.window.firstId;
  const kind = ci >= 0 ? d.kinds[d.rec.kind[ci] as number]?.name : undefined;
  if (kind === undefined) return 'handler';
  const f = d.rec.fields[ci] ?? {};
  if (kind !== 'send') return `timer set after ${kind}`;
  const delivered = (d.rec.t[ci] as number) + (typeof f.delayNs === 'number' ? f.delayNs : 0);
  return delivered === t ? String(f.type) : `timer set handling ${String(f.type)}`;
}

/** Slices (one per lane, instant and cause) and the records' instants. */
function handling(d: PageData, lane: readonly Place[]): TraceEvent[] {
  const first = d.window.firstId;
  const r = d.rec;
  const slices = new Map<string, { lane: number; t: number; cause: number; ids: number[] }>();
  const key = (l: number, t: number, c: number): string => `${l}|${t}|${c}`;
  const out: TraceEvent[] = [];
  r.t.forEach((t, i) => {
    const k = key(r.lane[i] as number, t, r.cause[i] as number);
    const s = slices.get(k);
    if (s === undefined)
      slices.set(k, {
        lane: r.lane[i] as number,
        t,
        cause: r.cause[i] as number,
        ids: [first + i],
      });
    else s.ids.push(first + i);
  });
  // Every delivery gets a slice, even when its handler traced nothing.
  d.arrows.send.forEach((send, k) => {
    const via = d.arrows.via[k] as number;
    const cause = via >= 0 ? via : send;
    const l = d.arrows.to[k] as number;
    const t = d.arrows.t1[k] as number;
    const kk = d.arrows.end[k] as number;
    const endRec = kk >= 0 ? kk - first : -1;
    const sk =
      endRec >= 0
        ? key(r.lane[endRec] as number, r.t[endRec] as number, r.cause[endRec] as number)
        : key(l, t, cause);
    if (!slices.has(sk)) slices.set(sk, { lane: l, t, cause, ids: [] });
  });
  for (const s of slices.values()) {
    const name = sliceName(d, s.cause, s.t);
    out.push({
      name,
      cat: 'handler',
      ph: 'X',
      ...at(lane[s.lane]),
      ts: us(s.t),
      dur: SLICE_US,
      args: { cause: s.cause, records: s.ids },
    });
  }
  r.t.forEach((t, i) => {
    const kind = d.kinds[r.kind[i] as number]?.name ?? '?';
    if (kind === 'send') return;
    out.push({
      name: kind,
      cat: d.kinds[r.kind[i] as number]?.cat ?? 'normal',
      ph: 'i',
      s: 't',
      ...at(lane[r.lane[i] as number]),
      ts: us(t),
      args: {
        id: first + i,
        cause: r.cause[i],
        actor: d.actors[r.actor[i] as number],
        ...r.fields[i],
      },
    });
  });
  return out;
}

function flows(d: PageData, lane: readonly Place[]): TraceEvent[] {
  const out: TraceEvent[] = [];
  const a = d.arrows;
  const first = d.window.firstId;
  const used = new Set<number>();
  a.send.forEach((send, k) => {
    // A flow's id is its send record's; a duplicated packet's second copy takes its link forward's.
    const id = used.has(send) ? (a.via[k] as number) : send;
    if (used.has(id)) throw new Error(`perfetto: flow id ${id} used twice`);
    used.add(id);
    const name = d.types[a.type[k] as number] ?? 'message';
    const cat = d.fates[a.fate[k] as number] ?? 'delivered';
    const end = a.end[k] as number;
    // The flow ends where the slice of its delivery (or of its loss) is.
    const endI = end >= 0 ? end - first : -1;
    const endPlace = endI >= 0 ? lane[d.rec.lane[endI] as number] : lane[a.to[k] as number];
    const endTs = endI >= 0 ? (d.rec.t[endI] as number) : (a.t1[k] as number);
    out.push(
      {
        name,
        cat,
        ph: 's',
        id: send,
        ...at(lane[a.from[k] as number]),
        ts: us(a.t0[k] as number),
        args: { send, via: a.via[k] },
      },
      {
        name,
        cat,
        ph: 'f',
        bp: 'e',
        id: send,
        ...at(endPlace),
        ts: us(endTs),
        args: { send, via: a.via[k] },
      },
    );
  });
  return out;
}

function strips(d: PageData, lane: readonly Place[]): TraceEvent[] {
  return d.strips.flatMap((s) =>
    s.segs.map((g) => ({
      name: g.state,
      cat: 'state',
      ph: 'X' as const,
      ...at(lane[s.laneIndex]),
      ts: us(g.t0),
      dur: us(g.t1 - g.t0),
      args: { since: g.id, note: g.note },
    })),
  );
}

function extras(d: PageData, lane: readonly Place[], counterPid: number): TraceEvent[] {
  const control = at(lane[d.lanes.findIndex((l) => l.key === 'control')]);
  const checks = at(lane[d.lanes.findIndex((l) => l.key === 'checks')]);
  const out: TraceEvent[] = d.bands.map((b) => ({
    name: `fault: ${b.label}`,
    cat: 'fault',
    ph: 'X' as const,
    ...control,
    ts: us(b.t0),
    dur: Math.max(SLICE_US, us(b.t1 - b.t0)),
    args: { id: b.id },
  }));
  for (const v of d.violations)
    out.push({
      name: `violation: ${v.check}`,
      cat: 'violation',
      ph: 'i',
      s: 'g',
      ...checks,
      ts: us(v.timeNs),
      args: { id: v.recordId, message: v.message },
    });
  for (const c of d.counters)
    for (const s of c.series)
      for (const [t, value] of s.pts)
        out.push({
          name: `${c.session} ${s.name}`,
          cat: 'counter',
          ph: 'C',
          pid: counterPid,
          tid: 0,
          ts: us(t),
          args: { value },
        });
  return out;
}

/** The Chrome trace JSON document of a report's data. */
export function chromeTrace(d: PageData): {
  traceEvents: TraceEvent[];
  displayTimeUnit: 'ns';
  otherData: Record<string, unknown>;
} {
  const p = places(d);
  const events = [
    ...handling(d, p.lane),
    ...flows(d, p.lane),
    ...strips(d, p.lane),
    ...extras(d, p.lane, p.counters),
  ];
  // Time order, then the order built (stable sort): deterministic bytes.
  events.sort((x, y) => (x.ts ?? 0) - (y.ts ?? 0));
  return {
    traceEvents: [...p.meta, ...events],
    displayTimeUnit: 'ns',
    otherData: {
      generator: `nsrsim ${d.meta.version}`,
      scenario: d.meta.scenario,
      seed: d.meta.seed,
      traceHash: d.meta.traceHash,
      window: `records #${d.window.firstId}..#${d.window.lastId}`,
    },
  };
}

export function chromeTraceJson(d: PageData): string {
  return `${JSON.stringify(chromeTrace(d))}\n`;
}
