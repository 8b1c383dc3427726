// Proves that trace listeners and safety checks declaring the record kinds they read are
// offered exactly those, in the order everything was added, and every record when the
// filter is off (issue 18: most records, the messages sent, interest no checker).
import { describe, expect, it } from 'vitest';
import { Simulation, type TraceRecord } from '../../sim/index.ts';
import { buildSynthetic, SYNTHETIC_UNTIL_NS } from './synthetic.ts';

type Seen = Array<[string, string]>;

/** The synthetic world with two listeners and two safety checks, one of each filtered. */
function watched(seen: Seen, filter: boolean): Simulation {
  const { sim } = buildSynthetic(3, { hash: false });
  sim.trace.setKindFilter(filter);
  const only = new Set(['sink.recv']);
  sim.trace.addListener((r) => seen.push(['all-listener', r.kind]));
  sim.trace.addListener((r) => seen.push(['recv-listener', r.kind]), only);
  sim.addSafetyCheck({ id: 'all', onRecord: (r) => seen.push(['all-check', r.kind]) });
  sim.addSafetyCheck({
    id: 'recv',
    kinds: only,
    onRecord: (r) => seen.push(['recv-check', r.kind]),
  });
  return sim;
}

describe('record kinds a consumer declares', () => {
  it('offers a filtered listener or check only its kinds, in the order they were added', () => {
    const seen: Seen = [];
    watched(seen, true).run({ untilNs: SYNTHETIC_UNTIL_NS });
    const kinds = new Set(seen.map(([, k]) => k));
    expect(kinds.size).toBeGreaterThan(2);
    expect(kinds.has('sink.recv')).toBe(true);
    for (const [who, k] of seen) if (who.startsWith('recv')) expect(k).toBe('sink.recv');
    const all = seen.filter(([who]) => who === 'all-listener').length;
    expect(seen.filter(([who]) => who === 'all-check')).toHaveLength(all);
    const recv = seen.filter(([, k]) => k === 'sink.recv').length / 4;
    expect(seen.filter(([who]) => who === 'recv-listener')).toHaveLength(recv);
    expect(seen.filter(([who]) => who === 'recv-check')).toHaveLength(recv);
    // Per sink.recv record: listeners and checks in the order they were added.
    const firstRecv = seen.findIndex(([, k]) => k === 'sink.recv');
    expect(seen.slice(firstRecv, firstRecv + 4).map(([who]) => who)).toEqual([
      'all-listener',
      'recv-listener',
      'all-check',
      'recv-check',
    ]);
  });

  it('offers every record to everyone with the filter off', () => {
    const seen: Seen = [];
    watched(seen, false).run({ untilNs: SYNTHETIC_UNTIL_NS });
    const count = (who: string) => seen.filter(([w]) => w === who).length;
    const all = count('all-listener');
    expect(all).toBeGreaterThan(0);
    expect(
      new Set(seen.filter(([w]) => w === 'recv-check').map(([, k]) => k)).size,
    ).toBeGreaterThan(2);
    for (const who of ['recv-listener', 'all-check', 'recv-check']) expect(count(who)).toBe(all);
  });

  it("offers a safety check added mid-run the records of kinds already seen, and follows the trace's filter", () => {
    const sim = new Simulation({ seed: 1 });
    const got: string[] = [];
    const emit = (kind: string) => sim.trace.emit(0, -1, 'a', kind, {});
    sim.addSafetyCheck({ id: 'first', kinds: new Set(['x.one']), onRecord: () => {} });
    emit('x.one'); // the trace's list for x.one is made with the first check only
    sim.addSafetyCheck({
      id: 'second',
      kinds: new Set(['x.one']),
      onRecord: (r) => got.push(`second ${r.kind}`),
    });
    emit('x.one');
    emit('x.two');
    sim.trace.setKindFilter(false); // the checks follow the trace's filter
    emit('x.two');
    sim.trace.setKindFilter(true);
    emit('x.two');
    expect(got).toEqual(['second x.one', 'second x.two']);
  });

  it('offers a listener added mid-run the records of kinds already seen', () => {
    const sim = new Simulation({ seed: 1 });
    const got: TraceRecord[] = [];
    sim.trace.emit(0, -1, 'a', 'x.one', {});
    sim.trace.addListener((r) => got.push(r), new Set(['x.one']));
    sim.trace.emit(0, -1, 'a', 'x.one', {});
    sim.trace.emit(0, -1, 'a', 'x.two', {});
    expect(got.map((r) => r.id)).toEqual([1]);
  });
});
