// Proves that the timeline report's model reads the trace right (SPEC V-1…V-5): the
// collector keeps the window around the first violation, else the first fault, else the
// asked time window, and asks for a second run when the violation came late; a packet
// through a link becomes one arrow carrying both record ids (lost, held and dropped ones
// end on the link or with a cross); sessions, strips, counters and the "Let … then …"
// story come from the records alone; the page is escaped, self-contained, carries a CSP
// whose hash is its own script's, and is byte-identical for identical input.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { TraceRecord } from '../../sim/index.ts';
import { ACTOR, K, LINK } from '../../model/vocab.ts';
import { TraceCollector, type Collected } from '../../reports/timeline/collect.ts';
import { buildCounters } from '../../reports/timeline/counters.ts';
import { explain, thirdPerson } from '../../reports/timeline/explain.ts';
import { escapeHtml, renderHtml, scriptJson } from '../../reports/timeline/html.ts';
import { buildLanes, laneKeyOf, laneKeys } from '../../reports/timeline/lanes.ts';
import { arrowsOf, RecordIndex } from '../../reports/timeline/messages.ts';
import { buildPageData, type ReportMeta } from '../../reports/timeline/model.ts';
import { SessionMap, sessionsOf } from '../../reports/timeline/sessions.ts';
import { buildStrips, faultBands } from '../../reports/timeline/states.ts';
import { parseWindow, WindowError } from '../../reports/timeline/window.ts';

type F = Record<string, unknown>;

/** Builds consecutive records: each call appends one and returns its id. */
class Trace {
  readonly recs: TraceRecord[] = [];
  add(t: number, cause: number, actor: string, kind: string, fields: F = {}): number {
    const id = this.recs.length;
    this.recs.push({ id, t, cause, actor, kind, fields });
    return id;
  }
  send(t: number, cause: number, from: string, to: string, type: string, delayNs = 0): number {
    return this.add(
      t,
      cause,
      from,
      K.sim.send,
      delayNs === 0 ? { to, type } : { to, type, delayNs },
    );
  }
}

const PA = ACTOR.peer('pa');
const WIRE = ACTOR.link(LINK.wire('pa'));
const RE0 = ACTOR.re(0);
const RE1 = ACTOR.re(1);

function collect(
  c: TraceCollector,
  recs: readonly TraceRecord[],
  vs: Array<{ recordId: number }> = [],
): void {
  for (const r of recs) c.onRecord(r, vs);
}

function filler(tr: Trace, n: number, t0 = 0): void {
  for (let i = 0; i < n; i++) tr.add(t0 + i, -1, ACTOR.pfe, K.pfe.tx, {});
}

describe('collector: which records a report keeps (V-1)', () => {
  it('keeps the whole run when it fits', () => {
    const tr = new Trace();
    filler(tr, 50);
    const c = new TraceCollector({ kind: 'auto' }, 1000, 100);
    collect(c, tr.recs);
    const got = c.finish([]) as Extract<Collected, { kind: 'window' }>;
    expect(got.kind).toBe('window');
    expect(got.info.anchor).toBe('whole run');
    expect(got.records).toHaveLength(50);
    expect(got.tally.records).toBe(50);
  });

  it('centres on the first fault (a fifth before it) when no checker fired', () => {
    const tr = new Trace();
    filler(tr, 300);
    const fault = tr.add(300, -1, ACTOR.chassis, K.chassis.fault, { kind: 're-crash' });
    filler(tr, 300, 301);
    const c = new TraceCollector({ kind: 'auto' }, 1000, 100);
    collect(c, tr.recs);
    const got = c.finish([]) as Extract<Collected, { kind: 'window' }>;
    expect(got.info).toMatchObject({ anchor: 'first fault', anchorId: fault, firstId: fault - 20 });
    expect(got.records).toHaveLength(100);
    expect(got.info.omittedBefore).toBe(fault - 20);
    expect(got.info.omittedAfter).toBe(601 - (fault - 20 + 100));
    // The fault is a state record: kept for the whole run too.
    expect(got.tally.state.map((r) => r.id)).toEqual([fault]);
  });

  it('prefers a violation reported live, seven tenths of the window before it', () => {
    const tr = new Trace();
    filler(tr, 100);
    tr.add(100, -1, ACTOR.chassis, K.chassis.fault, { kind: 're-crash' });
    filler(tr, 400, 101);
    const vs: Array<{ recordId: number }> = [];
    const c = new TraceCollector({ kind: 'auto' }, 1000, 100);
    for (const r of tr.recs) {
      c.onRecord(r, vs);
      if (r.id === 350) vs.push({ recordId: 340 });
    }
    const got = c.finish(vs) as Extract<Collected, { kind: 'window' }>;
    expect(got.info).toMatchObject({
      anchor: 'first violation',
      anchorId: 340,
      firstId: 270,
      lastId: 369,
    });
  });

  it('asks for a second run when the first violation is only known at the end', () => {
    const tr = new Trace();
    filler(tr, 500);
    const c = new TraceCollector({ kind: 'auto' }, 1000, 100);
    collect(c, tr.recs);
    const got = c.finish([{ recordId: 20 }, { recordId: -1 }, { recordId: 400 }]);
    expect(got).toEqual({
      kind: 'rerun',
      policy: { kind: 'ids', from: 0, to: 99, anchor: 'first violation', anchorId: 20 },
    });
    if (got.kind !== 'rerun') return;
    const again = new TraceCollector(got.policy, 1000, 100);
    collect(again, tr.recs);
    const w = again.finish([]) as Extract<Collected, { kind: 'window' }>;
    expect(w.records.map((r) => r.id)).toEqual(tr.recs.slice(0, 100).map((r) => r.id));
    expect(w.info.anchor).toBe('first violation');
  });

  it('keeps an asked time window, capped, and says so', () => {
    const tr = new Trace();
    filler(tr, 1000);
    const c = new TraceCollector({ kind: 'time', fromNs: 100, toNs: 800 }, 1000, 200);
    collect(c, tr.recs);
    const got = c.finish([]) as Extract<Collected, { kind: 'window' }>;
    expect(got.records[0]?.t).toBe(100);
    expect(got.records).toHaveLength(200);
    expect(got.info).toMatchObject({
      anchor: 'asked',
      truncated: true,
      omittedBefore: 100,
      toNs: 299,
    });
  });

  it('refuses records out of order (an internal invariant)', () => {
    const c = new TraceCollector({ kind: 'auto' }, 1000, 100);
    expect(() =>
      c.onRecord({ id: 3, t: 0, cause: -1, actor: 'x', kind: 'y', fields: {} }, []),
    ).toThrow(/expected 0/);
  });
});

describe('messages: sends become arrows, a link hop collapses (V-1)', () => {
  it('draws peer → link → PFE as one arrow with both ids, and lost, held and dropped ones', () => {
    const tr = new Trace();
    const s1 = tr.send(10, -1, PA, WIRE, 'link.tx');
    const f1 = tr.send(10, s1, WIRE, ACTOR.pfe, 'pkt', 1000);
    tr.add(1010, f1, ACTOR.pfe, K.pfe.tx, {});
    const s2 = tr.send(20, -1, PA, WIRE, 'link.tx');
    const lost = tr.add(20, s2, WIRE, K.link.drop, { reason: 'loss', len: 100 });
    const s3 = tr.send(30, -1, PA, WIRE, 'link.tx');
    const s4 = tr.send(40, -1, ACTOR.pfe, RE0, 'x', 5);
    const dropped = tr.add(45, s4, RE0, K.sim.drop, { type: 'x', reason: 'stopped' });
    // A timer set while handling a message has it as its cause: its drop is not the message's.
    const s5 = tr.send(46, -1, ACTOR.pfe, RE0, 'y', 1);
    tr.add(900, s5, RE0, K.sim.drop, { type: 'app.timer', reason: 'stopped' });
    const rel = tr.send(50, 999_999, WIRE, ACTOR.pfe, 'pkt', 7);
    const arrows = arrowsOf(new RecordIndex(tr.recs));
    expect(
      arrows.map((a) => [a.sendId, a.viaId, a.from, a.to, a.t0, a.t1, a.fate, a.endId]),
    ).toEqual([
      [s1, f1, PA, ACTOR.pfe, 10, 1010, 'delivered', -1],
      [s2, -1, PA, WIRE, 20, 20, 'lost', lost],
      [s3, -1, PA, WIRE, 30, 30, 'held', -1],
      [s4, -1, ACTOR.pfe, RE0, 40, 45, 'dropped', dropped],
      [s5, -1, ACTOR.pfe, RE0, 46, 47, 'delivered', -1],
      [rel, -1, WIRE, ACTOR.pfe, 50, 57, 'delivered', -1],
    ]);
  });
});

describe('lanes, sessions, strips, counters', () => {
  it('classifies actors through actorInfo only: kernel app records go to the app lane', () => {
    expect(laneKeyOf(RE0, K.app.takeover)).toBe(laneKeys.reApp(0));
    expect(laneKeyOf(RE0, K.tcp.state)).toBe(laneKeys.reTcp(0));
    expect(laneKeyOf(ACTOR.nsr(1, 'prl'), K.prl.l4)).toBe(laneKeys.reSub(1, 'prl'));
    expect(laneKeyOf(PA, K.app.attach)).toBe(laneKeys.peerApp('pa'));
    expect(laneKeyOf('somebody-new', 'x')).toBe('other');
    const lanes = buildLanes(['pa'], true, ['pa/0']).map((l) => l.key);
    // RE1 is drawn bottom-up: its KKCM faces RE0's across the inter-RE link.
    const at = (k: string): number => lanes.indexOf(k);
    expect(at(laneKeys.reSub(0, 'kkcm')) + 1).toBe(at(laneKeys.link(LINK.interRe)));
    expect(at(laneKeys.link(LINK.interRe)) + 1).toBe(at(laneKeys.reSub(1, 'kkcm')));
  });

  it('names sessions from attach records, connections and PFE transmissions, and sends from what they caused', () => {
    const tr = new Trace();
    const p = tr.send(0, -1, PA, WIRE, 'link.tx');
    tr.add(5, p, PA, K.tcp.state, {
      conn: '10.0.1.1:20000>10.0.0.1:179',
      from: 'SYN_SENT',
      to: 'ESTABLISHED',
    });
    tr.add(5, p, PA, K.app.attach, { session: 'pa/0', side: 'peer' });
    const s = tr.send(6, -1, ACTOR.pfe, WIRE, 'link.tx');
    const f = tr.send(6, s, WIRE, PA, 'pkt', 3);
    tr.add(9, f, RE0, K.tcp.retransmit, { conn: '10.0.0.1:179>10.0.1.1:20000' });
    tr.add(10, -1, ACTOR.pfe, K.pfe.tx, { dst: '10.0.1.1', dport: 20000 });
    tr.add(11, -1, ACTOR.nsr(0, 'prl'), K.prl.queue, { session: 'pa/1' });
    const map = new SessionMap();
    map.learn(tr.recs);
    expect(sessionsOf(tr.recs, map)).toEqual([
      'pa/0',
      'pa/0',
      'pa/0',
      'pa/0',
      'pa/0',
      'pa/0',
      'pa/0',
      'pa/1',
    ]);
  });

  it('strips: boot, KKCM up, replication set-up, crash and takeover; bands span to the new master', () => {
    const tr = new Trace();
    tr.add(0, -1, RE0, K.re.boot, { role: 'master' });
    tr.add(0, -1, RE1, K.re.boot, { role: 'backup' });
    tr.add(10, -1, ACTOR.nsr(1, 'kkcm'), K.kkcm.up, {});
    tr.add(20, -1, ACTOR.nsr(0, 'iha'), K.iha.setup, { session: 'pa/0' });
    tr.add(30, -1, ACTOR.nsr(0, 'iha'), K.iha.active, { session: 'pa/0' });
    const fault = tr.add(100, -1, ACTOR.chassis, K.chassis.fault, {
      kind: 're-crash',
      target: 'master',
    });
    tr.add(100, -1, RE0, K.sim.actorStop, { reason: 'crash' });
    tr.add(150, -1, RE1, K.re.role, { from: 'backup', to: 'master' });
    tr.add(151, -1, ACTOR.nsr(1, 'iha'), K.iha.failover, { session: 'pa/0' });
    tr.add(170, -1, ACTOR.pfe, K.pfe.master, { master: 1 });
    const strips = buildStrips(tr.recs, true, ['pa/0'], 200);
    const states = (lane: string): Array<[number, number, string]> =>
      (strips.find((s) => s.lane === lane)?.segs ?? []).map((g) => [g.t0, g.t1, g.state]);
    expect(states(laneKeys.reRole(0))).toEqual([
      [0, 100, 'master'],
      [100, 200, 'down'],
    ]);
    expect(states(laneKeys.reRole(1))).toEqual([
      [0, 10, 'syncing'],
      [10, 20, 'backup'],
      [20, 30, 'syncing'],
      [30, 150, 'backup'],
      [150, 200, 'master'],
    ]);
    expect(states(laneKeys.repl('pa/0'))).toEqual([
      [20, 30, 'pending'],
      [30, 151, 'active'],
      [151, 200, 'none'],
    ]);
    expect(faultBands(tr.recs, 200)).toEqual([
      {
        t0: 100,
        t1: 170,
        id: fault,
        label: 're-crash master, until the PFE forwards to the new master',
      },
    ]);
  });

  it('counters: the PRL queue depth follows prl.queue and what leaves the queue; retransmissions count up', () => {
    const tr = new Trace();
    const prl0 = ACTOR.nsr(0, 'prl');
    tr.add(1, -1, prl0, K.prl.queue, { session: 'pa/0', seq: 1, queued: 1 });
    tr.add(2, -1, prl0, K.prl.queue, { session: 'pa/0', seq: 2, queued: 2 });
    tr.add(3, -1, ACTOR.nsr(1, 'prl'), K.prl.l4, { session: 'pa/0', seq: 1, role: 'secondary' });
    tr.add(4, -1, prl0, K.prl.l4, { session: 'pa/0', seq: 1, role: 'primary' });
    tr.add(5, -1, prl0, K.prl.drop, { session: 'pa/0', seq: 2 });
    tr.add(6, -1, PA, K.tcp.retransmit, { session: 'pa/0' });
    tr.add(7, -1, PA, K.tcp.retransmit, { session: 'pa/0' });
    const c = buildCounters(
      tr.recs,
      tr.recs.map(() => 'pa/0'),
      ['pa/0'],
    );
    const series = (name: string): number[] =>
      c[0]?.series.find((s) => s.name === name)?.pts.map((p) => p[1]) ?? [];
    expect(series('PRL queue depth')).toEqual([1, 2, 1, 0]);
    expect(series('peer retransmissions')).toEqual([1, 2]);
  });
});

describe('violations first: the chain and the story (V-2)', () => {
  it('tells what the primary and the secondary each did, then the checker message', () => {
    const tr = new Trace();
    const prl0 = ACTOR.nsr(0, 'prl');
    const prl1 = ACTOR.nsr(1, 'prl');
    tr.add(0, -1, RE0, K.re.boot, { role: 'master' });
    tr.add(0, -1, RE1, K.re.boot, { role: 'backup' });
    const q = tr.add(10, -1, prl0, K.prl.queue, { session: 'pa/0', seq: 5, len: 100 });
    const w = tr.send(10, q, prl0, prl1, 'prl.replicate', 50);
    const n = tr.add(60, w, prl1, K.prl.nackSent, {
      session: 'pa/0',
      seq: 5,
      reason: 'bufferFull',
    });
    const l4 = tr.add(60, w, prl1, K.prl.l4, { session: 'pa/0', seq: 5, role: 'secondary' });
    const back = tr.send(60, w, prl1, prl0, 'prl.ack', 50);
    const drop = tr.add(110, back, prl0, K.prl.drop, {
      session: 'pa/0',
      seq: 5,
      reason: 'nack-buffer-full',
    });
    const idx = new RecordIndex(tr.recs);
    const strips = buildStrips(tr.recs, true, ['pa/0'], 200);
    const [v] = explain(
      [
        {
          check: 'identical-data',
          timeNs: 110,
          recordId: drop,
          message: 'they differ',
          evidence: { session: 'pa/0', seq: 5 },
        },
      ],
      idx,
      strips,
    );
    expect(v?.chain).toEqual([drop, back, w, q]);
    expect(v?.related).toEqual([q, n, l4, drop]);
    const text = v?.story.map((p) => (typeof p === 'string' ? p : p.text)).join('');
    expect(text).toBe(
      'Let the primary (RE0 PRL) queue packet 5 (100 B) for replication; then the secondary (RE1 PRL) NACKs packet 5 (bufferFull); then the secondary (RE1 PRL) passes packet 5 up to TCP (L4); then the primary (RE0 PRL) drops packet 5 (nack-buffer-full). identical-data: they differ',
    );
    expect(thirdPerson('switch mastership')).toBe('switches mastership');
    expect(thirdPerson('apply it')).toBe('applies it');
  });
});

function meta(description: string): ReportMeta {
  return {
    scenario: 'x',
    file: 'f.yaml',
    description,
    seed: 1,
    version: '0',
    design: 'jsr',
    nsr: true,
    options: [{ name: 'prlAck', value: 'per-packet', changed: false }],
    mutant: undefined,
    faults: [],
    checks: 'all',
    expect: 'pass',
    verdict: 'pass',
    matches: true,
    traceHash: 'h',
    durationNs: 200,
    events: 1,
    peers: ['pa'],
    sessions: [
      {
        session: 'pa/0',
        peerWrote: 1,
        peerRead: 1,
        routerWrote: 1,
        routerRead: 1,
        closed: undefined,
      },
    ],
  };
}

describe('the page (V-1, V-5)', () => {
  const tr = new Trace();
  tr.add(0, -1, RE0, K.re.boot, { role: 'master' });
  const s = tr.send(5, -1, PA, WIRE, 'link.tx');
  tr.send(5, s, WIRE, ACTOR.pfe, 'pkt', 10);
  tr.add(20, -1, PA, K.app.closed, {
    session: 'pa/0',
    reason: '</script><img src=x onerror=alert(1)>',
  });
  const page = (description: string): string => {
    const c = new TraceCollector({ kind: 'auto' }, 200);
    collect(c, tr.recs);
    const w = c.finish([]) as Extract<Collected, { kind: 'window' }>;
    return renderHtml(
      buildPageData({
        meta: meta(description),
        records: w.records,
        info: w.info,
        tally: w.tally,
        violations: [],
      }),
    );
  };

  it('escapes scenario strings and keeps trace strings inside the JSON block', () => {
    const html = page('<img src=x onerror="window.pwned=1"> & \'q\'');
    expect(html).toContain(
      '&lt;img src=x onerror=&quot;window.pwned=1&quot;&gt; &amp; &#39;q&#39;',
    );
    expect(html).not.toContain('<img');
    // One closing script tag per script element: nothing in the data ends one early.
    expect(html.match(/<\/script>/g)).toHaveLength(2);
    expect(scriptJson({ a: '</script>\u2028' })).toBe('{"a":"\\u003c/script\\u003e\\u2028"}');
    expect(escapeHtml(`<&>"'`)).toBe('&lt;&amp;&gt;&quot;&#39;');
  });

  it('carries a CSP that allows its own script and style by hash and no network, and nothing external', () => {
    const html = page('d');
    const csp =
      /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/
        .exec(html)?.[1]
        ?.replace(/&#39;/g, "'") ?? '';
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? '';
    const hash = (t: string): string => createHash('sha256').update(t).digest('base64');
    expect(csp).toContain(`script-src 'sha256-${hash(script)}'`);
    expect(csp).toContain(`style-src 'sha256-${hash(style)}'`);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'none'");
    // Outside the data block (where trace strings are JSON), no element loads or runs anything.
    const markup = html.replace(/<script type="application\/json"[\s\S]*?<\/script>/, '');
    expect(markup).not.toMatch(/\s(src|href)=/);
    expect(markup).not.toMatch(/\son[a-z]+=/);
    expect(html).toContain('<script type="application/json" id="report-data">');
  });

  it('is byte-identical for identical input', () => {
    expect(page('same')).toBe(page('same'));
  });
});

describe('--window', () => {
  it('reads A..B with units and refuses the rest with a clear message', () => {
    expect(parseWindow('1.9s..2.3s')).toEqual({ fromNs: 1_900_000_000, toNs: 2_300_000_000 });
    expect(parseWindow('1500us..2ms')).toEqual({ fromNs: 1_500_000, toNs: 2_000_000 });
    expect(() => parseWindow('2s')).toThrow(/two durations joined by "\.\."/);
    expect(() => parseWindow('2s..1s')).toThrow(/start must come before the end/);
    expect(() => parseWindow('1..2s')).toThrow(WindowError);
    expect(() => parseWindow('1..2s')).toThrow(/--window start: duration "1" has no unit/);
  });
});
