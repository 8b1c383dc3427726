// Proves that the Simulation kernel is deterministic per seed (in-process, across processes and threads) and honours its contracts for stopped actors, timers, fault priority, run bounds, trace sinks, checks, fault windows, tie-breaks and cause ids.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { NdjsonFileSink } from '../../reports/trace-file.ts';
import {
  AssertionError,
  MemorySink,
  PRIO_URGENT,
  Rng,
  SIM_KIND,
  Simulation,
  hashRecords,
  recordLine,
} from '../../sim/index.ts';
import type { ActorContext, ActorId, Message, RunResult, TraceRecord } from '../../sim/index.ts';
import { buildSynthetic, FIXTURE_SEEDS, runSynthetic, SYNTHETIC_UNTIL_NS } from './synthetic.ts';

const run = promisify(execFile);
const here = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = join(here, '..', '..');

type SyntheticResult = { hash: string; records: number };

async function hashInChild(seed: number): Promise<SyntheticResult> {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', join(here, 'synthetic-cli.ts'), String(seed)],
    { cwd: repoRoot },
  );
  const parsed = JSON.parse(stdout.trim()) as SyntheticResult & { seed: number };
  expect(parsed.seed).toBe(seed);
  return { hash: parsed.hash, records: parsed.records };
}

/**
 * Runs the synthetic system in a worker thread. Node 20 ignores `--import tsx` in a
 * Worker's execArgv, so the entry is a plain .mjs bootstrap that registers tsx first.
 */
function hashInWorker(seed: number): Promise<SyntheticResult> {
  const worker = new Worker(new URL('./synthetic-worker-boot.mjs', import.meta.url), {
    workerData: { seed },
  });
  return new Promise((resolve, reject) => {
    worker.once('message', (m: SyntheticResult) => {
      resolve(m);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`worker exited with code ${code}`));
    });
  });
}

/** A recording actor for the small contract tests. */
function recorder(log: string[], onReceive?: (msg: Message, ctx: ActorContext) => void) {
  return {
    receive(msg: Message, ctx: ActorContext): void {
      log.push(`${ctx.now}:${ctx.name}:${msg.type}`);
      onReceive?.(msg, ctx);
    },
  };
}

function kinds(records: readonly TraceRecord[], kind: string): TraceRecord[] {
  return records.filter((r) => r.kind === kind);
}

describe('determinism of the synthetic system', () => {
  const seed = 7;
  const inProcess = runSynthetic(seed);

  it('gives the same trace hash twice in one process', () => {
    expect(inProcess.records).toBeGreaterThan(1_000);
    expect(runSynthetic(seed)).toEqual(inProcess);
  });

  it('gives the same trace hash in two separate child processes', async () => {
    const [a, b] = await Promise.all([hashInChild(seed), hashInChild(seed)]);
    expect(a).toEqual(inProcess);
    expect(b).toEqual(inProcess);
  }, 60_000);

  it('gives the same trace hash in a worker thread', async () => {
    expect(await hashInWorker(seed)).toEqual(inProcess);
  }, 60_000);

  it('gives different hashes for different seeds', () => {
    const hashes = new Set([1, 2, 3, 4, 5, 6].map((s) => runSynthetic(s).hash));
    hashes.add(inProcess.hash);
    expect(hashes.size).toBe(7);
  });

  it('matches the hashes pinned in test/fixtures/determinism-synthetic.json', () => {
    // Regenerate (after an intended trace change only) with:
    //   node --import tsx test/sim/synthetic-cli.ts --fixture > test/fixtures/determinism-synthetic.json
    const fixture = JSON.parse(
      readFileSync(join(repoRoot, 'test/fixtures/determinism-synthetic.json'), 'utf8'),
    ) as {
      untilNs: number;
      seeds: Record<string, SyntheticResult>;
    };
    expect(fixture.untilNs).toBe(SYNTHETIC_UNTIL_NS);
    expect(Object.keys(fixture.seeds).sort()).toEqual(FIXTURE_SEEDS.map(String).sort());
    for (const s of FIXTURE_SEEDS)
      expect(runSynthetic(s), `seed ${s}`).toEqual(fixture.seeds[String(s)]);
  });

  it('records the relay crash and restart, drops what reaches it while down, and keeps one heartbeat chain', () => {
    const mem = new MemorySink();
    const { sim, crashAt, restartAt } = buildSynthetic(seed, { sinks: [mem] });
    sim.run({ untilNs: SYNTHETIC_UNTIL_NS });
    const recs = mem.records;
    expect(kinds(recs, 'actor.stop').map((r) => r.t)).toEqual([crashAt]);
    expect(kinds(recs, 'actor.restart').map((r) => r.t)).toEqual([restartAt]);
    const drops = kinds(recs, 'drop');
    expect(drops.length).toBeGreaterThan(0);
    for (const d of drops) {
      expect(d.actor).toBe('relay');
      expect(d.t).toBeGreaterThanOrEqual(crashAt);
      expect(d.t).toBeLessThan(restartAt);
    }
    // No relay handler ran while it was down: its only records then are drops.
    const whileDown = recs.filter((r) => r.actor === 'relay' && r.t > crashAt && r.t < restartAt);
    expect(whileDown.length).toBeGreaterThan(0);
    expect(new Set(whileDown.map((r) => r.kind))).toEqual(new Set(['drop']));
    // Heartbeats: every 3ms from 0 until the crash, then every 3ms from the restart.
    const expected: number[] = [];
    for (let t = 3_000_000; t < crashAt; t += 3_000_000) expected.push(t);
    for (let t = restartAt + 3_000_000; t < SYNTHETIC_UNTIL_NS; t += 3_000_000) expected.push(t);
    expect(kinds(recs, 'relay.hb').map((r) => r.t)).toEqual(expected);
  });
});

describe('stopped actors and timers', () => {
  it('traces a message to a stopped actor as drop (caused by its send) and never delivers it', () => {
    const sim = new Simulation({ seed: 1 });
    const mem = new MemorySink();
    sim.trace.addSink(mem);
    const log: string[] = [];
    const b = sim.addActor('b', recorder(log));
    sim.addActor('a', {
      start(ctx) {
        ctx.send(b, { type: 'early' }, 10);
        ctx.send(b, { type: 'late' }, 30);
        ctx.send(b, { type: 'after' }, 50);
      },
      receive() {},
    });
    sim.run({ untilNs: 20 });
    sim.stopActor(b);
    expect(sim.isRunning(b)).toBe(false);
    sim.run({ untilNs: 40 });
    sim.restartActor(b);
    sim.run();
    expect(log).toEqual(['10:b:early', '50:b:after']);
    const drops = kinds(mem.records, 'drop');
    expect(drops).toHaveLength(1);
    const drop = drops[0] as TraceRecord;
    expect(drop).toMatchObject({ t: 30, actor: 'b', fields: { type: 'late', reason: 'stopped' } });
    const send = mem.records[drop.cause] as TraceRecord;
    expect(send).toMatchObject({
      kind: 'send',
      actor: 'a',
      fields: { to: 'b', type: 'late', delayNs: 30 },
    });
  });

  it('never fires a timer armed before a stop into the restarted incarnation', () => {
    const sim = new Simulation({ seed: 1 });
    const mem = new MemorySink();
    sim.trace.addSink(mem);
    const log: string[] = [];
    let stopped = 0;
    const a = sim.addActor('a', {
      receive(msg, ctx) {
        log.push(`${ctx.now}:${msg.type}`);
        if (msg.type === 'arm') ctx.startTimer(100, { type: 'timeout' });
      },
      stop() {
        stopped++;
      },
    });
    sim.inject(a, { type: 'arm' }, 0);
    sim.run({ untilNs: 10 });
    sim.stopActor(a);
    sim.run({ untilNs: 20 });
    sim.restartActor(a);
    sim.inject(a, { type: 'arm' }, 30);
    const result = sim.run();
    expect(result.reason).toBe('idle');
    // The old timer (due 100) is silent; the new one (due 130) fires once.
    expect(log).toEqual(['0:arm', '30:arm', '130:timeout']);
    expect(stopped).toBe(1);
    expect(kinds(mem.records, 'drop')).toHaveLength(0);
  });

  it('traces a timer that comes due while its actor is stopped as a drop', () => {
    const sim = new Simulation({ seed: 1 });
    const mem = new MemorySink();
    sim.trace.addSink(mem);
    const log: string[] = [];
    const a = sim.addActor('a', {
      start(ctx) {
        if (ctx.now === 0) ctx.startTimer(100, { type: 'timeout' });
      },
      receive(msg, ctx) {
        log.push(`${ctx.now}:${msg.type}`);
      },
    });
    sim.run({ untilNs: 10 });
    sim.stopActor(a);
    sim.run({ untilNs: 200 });
    sim.restartActor(a);
    sim.run();
    expect(log).toEqual([]);
    expect(kinds(mem.records, 'drop').map((r) => [r.t, r.fields.type])).toEqual([[100, 'timeout']]);
  });

  it('cancelTimer stops a pending timer and returns false once it has fired', () => {
    const sim = new Simulation({ seed: 1 });
    const log: string[] = [];
    let ctxRef: ActorContext | undefined;
    let t1 = -1;
    let t2 = -1;
    sim.addActor('a', {
      start(ctx) {
        ctxRef = ctx;
        t1 = ctx.startTimer(10, { type: 't1' });
        t2 = ctx.startTimer(20, { type: 't2' });
      },
      receive(msg, ctx) {
        log.push(`${ctx.now}:${msg.type}`);
      },
    });
    sim.run({ untilNs: 15 });
    const ctx = ctxRef as ActorContext;
    expect(ctx.cancelTimer(t1)).toBe(false);
    expect(ctx.cancelTimer(t2)).toBe(true);
    expect(ctx.cancelTimer(t2)).toBe(false);
    sim.run();
    expect(log).toEqual(['10:t1']);
  });
});

describe('fault priority', () => {
  it('runs an urgent fault before a normal event due at the same instant, even one scheduled earlier', () => {
    const sim = new Simulation({ seed: 1 });
    const log: string[] = [];
    const a = sim.addActor('a', recorder(log));
    sim.inject(a, { type: 'normal' }, 50);
    sim.addActor('b', {
      start(ctx) {
        ctx.send(a, { type: 'normal-send' }, 50);
      },
      receive() {},
    });
    const at = sim.scheduleFault({ atNs: 50 }, a, { type: 'fault' });
    expect(at).toBe(50);
    sim.run();
    expect(log).toEqual(['50:a:fault', '50:a:normal', '50:a:normal-send']);
  });

  it('delivers a fault at urgent priority through relay() too', () => {
    const sim = new Simulation({ seed: 1 });
    const log: string[] = [];
    const a = sim.addActor('a', recorder(log));
    sim.addActor('b', {
      start(ctx) {
        ctx.send(a, { type: 'normal' }, 5);
        sim.relay(ctx.id, a, { type: 'urgent' }, 5, PRIO_URGENT);
      },
      receive() {},
    });
    sim.run();
    expect(log).toEqual(['5:a:urgent', '5:a:normal']);
  });
});

describe('run() bounds', () => {
  function timers(times: readonly number[], log: string[]): Simulation {
    const sim = new Simulation({ seed: 1 });
    sim.addActor('a', {
      start(ctx) {
        for (const t of times) ctx.startTimer(t, { type: `t${t}` });
      },
      receive(msg, ctx) {
        log.push(`${ctx.now}:${msg.type}`);
      },
    });
    return sim;
  }

  it('run({ untilNs }) stops with reason time, now === untilNs, leaving events due at untilNs pending', () => {
    const log: string[] = [];
    const sim = timers([10, 100, 200], log);
    const r = sim.run({ untilNs: 100 });
    expect(r).toMatchObject({ reason: 'time', boundHit: false, events: 1, simulatedNs: 100 });
    expect(sim.now).toBe(100);
    expect(log).toEqual(['10:t10']);
    expect(sim.pending).toBe(2);
    const r2 = sim.run({ untilNs: 150 });
    expect(r2).toMatchObject({ reason: 'time', events: 1, simulatedNs: 150 });
    expect(sim.pending).toBe(1);
    // The queue runs dry before untilNs: now still advances to untilNs (the reason is
    // pinned separately below).
    const r3 = sim.run({ untilNs: 1_000 });
    expect(r3).toMatchObject({ boundHit: false, events: 1, simulatedNs: 1_000 });
    expect(sim.now).toBe(1_000);
    expect(log).toEqual(['10:t10', '100:t100', '200:t200']);
    expect(sim.run()).toMatchObject({ reason: 'idle', events: 0 });
    expect(sim.events).toBe(3);
  });

  it('run({ untilNs }) on an empty queue advances now to untilNs', () => {
    const sim = new Simulation({ seed: 1 });
    expect(sim.run({ untilNs: 5_000 })).toMatchObject({
      boundHit: false,
      events: 0,
      simulatedNs: 5_000,
    });
    expect(sim.now).toBe(5_000);
    expect(sim.pending).toBe(0);
    expect(() => sim.run({ untilNs: 4_999 })).toThrow(RangeError);
  });

  // BUG? (sim/sim.ts run, unannounced contract change): when the queue runs dry before
  // untilNs, run({ untilNs }) now returns reason 'idle' (while still advancing now to
  // untilNs). Before the queue change it returned 'time' (the stop marker was the last
  // event), and these tests pinned that; scenarios/run.ts reports the reason as
  // stats.stopReason ("stopped: time"), so a quiet scenario that ran its whole duration
  // would now print "stopped: idle". If 'idle' is intended, flip this to
  // expect(...reason).toBe('idle') as a normal it(); otherwise in run(), set
  // reason = 'time' (not only nowNs) when the loop breaks on an empty queue and
  // opts.untilNs was given.
  it('run({ untilNs }) reports reason time when the queue runs dry before untilNs', () => {
    const sim = new Simulation({ seed: 1 });
    expect(sim.run({ untilNs: 5_000 }).reason).toBe('time');
  });

  it('run({ untilNs }) does not handle an urgent fault due exactly at untilNs, even one scheduled before the run', () => {
    const sim = new Simulation({ seed: 1 });
    const log: string[] = [];
    const a = sim.addActor('a', recorder(log));
    sim.scheduleFault({ atNs: 100 }, a, { type: 'fault' });
    const r = sim.run({ untilNs: 100 });
    expect(r).toMatchObject({ reason: 'time', events: 0, simulatedNs: 100 });
    expect(log).toEqual([]);
    expect(sim.pending).toBe(1);
    // The next run handles it first thing, at that same instant.
    expect(sim.run({ untilNs: 101 })).toMatchObject({ events: 1, simulatedNs: 101 });
    expect(log).toEqual(['100:a:fault']);
  });

  it('run({ untilNs }) does not handle an urgent message due exactly at untilNs that is sent during the run', () => {
    const sim = new Simulation({ seed: 1 });
    const log: string[] = [];
    const a = sim.addActor('a', recorder(log));
    sim.addActor('b', {
      start(ctx) {
        ctx.startTimer(40, { type: 'go' });
      },
      receive(_msg, ctx) {
        sim.relay(ctx.id, a, { type: 'urgent' }, 60, PRIO_URGENT);
        ctx.send(a, { type: 'normal' }, 59);
      },
    });
    expect(sim.run({ untilNs: 100 })).toMatchObject({
      reason: 'time',
      events: 2,
      simulatedNs: 100,
    });
    expect(log).toEqual(['99:a:normal']);
    expect(sim.pending).toBe(1);
  });

  it('run({ maxEvents }) on an endless zero-delay ping-pong reports maxEvents and boundHit without hanging', () => {
    const sim = new Simulation({ seed: 1 });
    let ping: ActorId = -1;
    let pong: ActorId = -1;
    ping = sim.addActor('ping', {
      start(ctx) {
        ctx.send(pong, { type: 'ball' });
      },
      receive(msg, ctx) {
        ctx.send(pong, msg);
      },
    });
    pong = sim.addActor('pong', {
      receive(msg, ctx) {
        ctx.send(ping, msg);
      },
    });
    const r = sim.run({ maxEvents: 10_000 });
    expect(r).toMatchObject({
      reason: 'maxEvents',
      boundHit: true,
      events: 10_000,
      simulatedNs: 0,
    });
    // untilNs cannot stop a run whose time never advances; maxEvents still does.
    const r2 = sim.run({ untilNs: 1, maxEvents: 5_000 });
    expect(r2).toMatchObject({ reason: 'maxEvents', boundHit: true, events: 5_000 });
    expect(sim.events).toBe(15_000);
  });

  it('run({ maxEvents }) reports idle, not maxEvents, when the queue empties exactly at the bound or is empty', () => {
    const log: string[] = [];
    const sim = timers([10, 20, 30], log);
    expect(sim.run({ maxEvents: 3 })).toMatchObject({
      reason: 'idle',
      boundHit: false,
      events: 3,
      simulatedNs: 30,
    });
    expect(sim.run({ maxEvents: 0 })).toMatchObject({ reason: 'idle', boundHit: false, events: 0 });
    expect(sim.run({ maxEvents: 5 })).toMatchObject({ reason: 'idle', boundHit: false, events: 0 });
    const more = timers([10, 20, 30], []);
    expect(more.run({ maxEvents: 2 })).toMatchObject({
      reason: 'maxEvents',
      boundHit: true,
      events: 2,
      simulatedNs: 20,
    });
    expect(more.run({ maxEvents: 0 })).toMatchObject({
      reason: 'maxEvents',
      boundHit: true,
      events: 0,
    });
    // Past-the-horizon events stop on time even when the bound is also reached.
    expect(more.run({ maxEvents: 0, untilNs: 25 })).toMatchObject({
      reason: 'time',
      boundHit: false,
      events: 0,
      simulatedNs: 25,
    });
  });

  it('the maxEvents given to the constructor bounds a run() with no options', () => {
    const sim = new Simulation({ seed: 1, maxEvents: 2_000 });
    sim.addActor('self', {
      start(ctx) {
        ctx.startTimer(1, { type: 'again' });
      },
      receive(msg, ctx) {
        ctx.startTimer(1, msg);
      },
    });
    expect(sim.run()).toMatchObject({
      reason: 'maxEvents',
      boundHit: true,
      events: 2_000,
      simulatedNs: 2_000,
    });
  });

  it('run({ until }) stops with reason predicate right after the event that made it true', () => {
    const { sim, sink } = buildSynthetic(3);
    const r = sim.run({ until: () => sink.count >= 5, untilNs: SYNTHETIC_UNTIL_NS });
    expect(r.reason).toBe('predicate');
    expect(r.boundHit).toBe(false);
    expect(sink.count).toBe(5);
    expect(sim.now).toBeLessThan(SYNTHETIC_UNTIL_NS);
  });

  it('reports wall time from the injected wall clock only', () => {
    let t = 0;
    const sim = new Simulation({ seed: 1, wallClock: () => (t += 7) });
    expect(sim.run().wallMs).toBe(7);
  });
});

describe('run() guards (GUIDE §4)', () => {
  it('refuses to be re-entered from inside a handler, and to run after finish()', () => {
    const sim = new Simulation({ seed: 1 });
    let inner: unknown;
    const a = sim.addActor('a', {
      receive() {
        try {
          sim.run();
        } catch (e) {
          inner = e;
        }
      },
    });
    sim.inject(a, { type: 'go' }, 5);
    const result = sim.run();
    expect(inner).toBeInstanceOf(AssertionError);
    expect(String(inner)).toContain('re-entered');
    sim.finish(result);
    expect(() => sim.run()).toThrow(/after finish/);
  });
});

describe('trace sinks, hashing and cause ids', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nsrsim-sim-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reserves the same number of record ids whether or not anything consumes the trace', () => {
    const mem = new MemorySink();
    const withSink = buildSynthetic(5, { sinks: [mem], hash: false });
    withSink.sim.run({ untilNs: SYNTHETIC_UNTIL_NS });
    const bare = buildSynthetic(5, { hash: false });
    bare.sim.run({ untilNs: SYNTHETIC_UNTIL_NS });
    expect(bare.sim.trace.count).toBe(withSink.sim.trace.count);
    expect(bare.sim.trace.digest()).toBeUndefined();
    expect(mem.records.map((r) => r.id)).toEqual(mem.records.map((_, i) => i));
  });

  it('sets the cause of every record made while handling a message to the send record that delivered it', () => {
    const sim = new Simulation({ seed: 1 });
    const mem = new MemorySink();
    sim.trace.addSink(mem);
    let c: ActorId = -1;
    const b = sim.addActor('b', {
      receive(msg, ctx) {
        ctx.trace('b.got', { type: msg.type });
        if (msg.type === 'first') ctx.send(c, { type: 'second' }, 3);
        if (msg.type === 'injected') ctx.startTimer(4, { type: 'tmo' });
      },
    });
    c = sim.addActor('c', {
      receive(msg, ctx) {
        ctx.trace('c.got', { type: msg.type });
      },
    });
    sim.addActor('a', {
      start(ctx) {
        ctx.send(b, { type: 'first' }, 2);
      },
      receive() {},
    });
    sim.inject(b, { type: 'injected' }, 1);
    sim.run();
    const recs = mem.records;
    const byKind = (k: string, type: string) =>
      recs.find((r) => r.kind === k && r.fields.type === type) as TraceRecord;
    const inject = recs.find((r) => r.kind === SIM_KIND.inject) as TraceRecord;
    const sendFirst = byKind('send', 'first');
    const sendSecond = byKind('send', 'second');
    expect(inject.cause).toBe(-1);
    expect(sendFirst).toMatchObject({ actor: 'a', cause: -1, fields: { to: 'b', delayNs: 2 } });
    expect(byKind('b.got', 'injected')).toMatchObject({ t: 1, cause: inject.id });
    expect(byKind('b.got', 'first')).toMatchObject({ t: 2, cause: sendFirst.id });
    expect(sendSecond).toMatchObject({
      actor: 'b',
      t: 2,
      cause: sendFirst.id,
      fields: { to: 'c', delayNs: 3 },
    });
    expect(byKind('c.got', 'second')).toMatchObject({ t: 5, cause: sendSecond.id });
    // A timer carries the cause of the handler that armed it.
    expect(byKind('b.got', 'tmo')).toMatchObject({ t: 5, cause: inject.id });
    for (const r of recs) {
      expect(r.cause).toBeLessThan(r.id);
      expect(recs[r.id]).toBe(r);
    }
  });
});

describe('safety and liveness checks', () => {
  it('reports safety violations with check id, record id, time and evidence, even with tracing otherwise off', () => {
    const { sim } = buildSynthetic(9, { hash: false });
    sim.addSafetyCheck({
      id: 'sink-n-multiple-of-10',
      onRecord(rec, report) {
        if (rec.kind !== 'sink.recv') return;
        const n = rec.fields.n as number;
        if (n % 10 === 0)
          report({
            recordId: rec.id,
            timeNs: rec.t,
            message: `n=${n}`,
            evidence: { n, count: rec.fields.count },
          });
      },
    });
    const mem = new MemorySink();
    sim.trace.addSink(mem);
    sim.run({ untilNs: SYNTHETIC_UNTIL_NS });
    const vs = sim.violations;
    expect(vs.length).toBeGreaterThan(5);
    for (const v of vs) {
      expect(v.check).toBe('sink-n-multiple-of-10');
      const rec = mem.records.find((r) => r.id === v.recordId) as TraceRecord;
      expect(rec.kind).toBe('sink.recv');
      expect(v.timeNs).toBe(rec.t);
      expect(v.evidence).toEqual({ n: rec.fields.n, count: rec.fields.count });
      expect((rec.fields.n as number) % 10).toBe(0);
    }
  });

  it('runs liveness checks only in finish(), with the run result', () => {
    const { sim, sink } = buildSynthetic(4);
    const seen: RunResult[] = [];
    sim.addLivenessCheck({
      id: 'sink-gets-10000',
      atEnd(end, report) {
        seen.push(end);
        if (sink.count < 10_000)
          report({
            recordId: sim.trace.count - 1,
            timeNs: end.simulatedNs,
            message: `only ${sink.count}`,
            evidence: { count: sink.count },
          });
      },
    });
    const result = sim.run({ untilNs: SYNTHETIC_UNTIL_NS });
    expect(seen).toHaveLength(0);
    expect(sim.violations).toHaveLength(0);
    const vs = sim.finish(result);
    expect(seen).toEqual([result]);
    expect(vs).toHaveLength(1);
    expect(vs[0]).toMatchObject({
      check: 'sink-gets-10000',
      timeNs: SYNTHETIC_UNTIL_NS,
      evidence: { count: sink.count },
    });
  });
});

describe('finish()', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nsrsim-finish-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is idempotent: liveness checks run once and a second call returns the same violations', () => {
    const sim = new Simulation({ seed: 1 });
    let calls = 0;
    sim.addLivenessCheck({
      id: 'always',
      atEnd(end, report) {
        calls++;
        report({ recordId: -1, timeNs: end.simulatedNs, message: 'once' });
      },
    });
    const result = sim.run({ untilNs: 10 });
    const first = [...sim.finish(result)];
    const second = sim.finish(result);
    expect(calls).toBe(1);
    expect(first).toHaveLength(1);
    expect(second).toEqual(first);
    expect(sim.violations).toHaveLength(1);
  });

  it('closes an NdjsonFileSink once; closing it again (by hand or by a second finish) is a no-op', () => {
    const path = join(dir, 'twice.ndjson');
    const file = new NdjsonFileSink(path);
    const memory = new MemorySink();
    const { sim } = buildSynthetic(2, { sinks: [file, memory] });
    const result = sim.run({ untilNs: SYNTHETIC_UNTIL_NS });
    sim.finish(result);
    expect(() => sim.finish(result)).not.toThrow();
    expect(() => file.close()).not.toThrow();
    // Everything was written once, in order: the file is each record's canonical line.
    expect(readFileSync(path, 'utf8')).toBe(memory.records.map(recordLine).join(''));
  });

  it('NdjsonFileSink.close() twice does not throw (EBADF) and keeps what was written', () => {
    const path = join(dir, 'close-twice.ndjson');
    const file = new NdjsonFileSink(path);
    file.write({ id: 0, t: 0, cause: -1, actor: 'x', kind: 'k', fields: {} }, 'line\n');
    file.close();
    expect(() => file.close()).not.toThrow();
    expect(readFileSync(path, 'utf8')).toBe('line\n');
  });
});

describe('scheduleFault windows', () => {
  function faultAt(seed: number, warmActorRng: boolean): { at: number; seenAt: number } {
    const sim = new Simulation({ seed });
    let seenAt = -1;
    const a = sim.addActor('a', {
      receive(_msg, ctx) {
        seenAt = ctx.now;
      },
    });
    if (warmActorRng) for (let i = 0; i < 50; i++) sim.rng('actor/a').float();
    const at = sim.scheduleFault({ betweenNs: [1_000, 9_000] }, a, { type: 'crash' });
    sim.run();
    return { at, seenAt };
  }

  it('picks an instant inside the window, delivers the fault then, and is reproducible per seed', () => {
    const picks = new Set<number>();
    for (let seed = 1; seed <= 30; seed++) {
      const { at, seenAt } = faultAt(seed, false);
      expect(at).toBeGreaterThanOrEqual(1_000);
      expect(at).toBeLessThanOrEqual(9_000);
      expect(seenAt).toBe(at);
      expect(faultAt(seed, false).at).toBe(at);
      // Drawn from the dedicated sim/faults stream, untouched by actor draws.
      expect(faultAt(seed, true).at).toBe(at);
      expect(at).toBe(new Rng(seed, 'sim/faults').between(1_000, 9_000));
      picks.add(at);
    }
    expect(picks.size).toBeGreaterThan(20);
  });

  it('rejects a fault in the past', () => {
    const sim = new Simulation({ seed: 1 });
    const a = sim.addActor('a', { receive() {} });
    sim.run({ untilNs: 100 });
    expect(() => sim.scheduleFault({ atNs: 99 }, a, { type: 'x' })).toThrow(RangeError);
  });
});

describe('tie-breaks', () => {
  /**
   * Injects `count` events e0.. at t=10 (FIFO order e0, e1, ...), preceded by `lone`
   * events alone at t=1..lone and followed by one at t=20; returns the handling order.
   */
  function order(tieBreaks: readonly number[], count = 2, lone = 0): string[] {
    const sim = new Simulation({ seed: 1, tieBreaks });
    const log: string[] = [];
    const a = sim.addActor('a', recorder(log));
    for (let i = 0; i < lone; i++) sim.inject(a, { type: `lone${i}` }, i + 1);
    for (let i = 0; i < count; i++) sim.inject(a, { type: `e${i}` }, 10);
    sim.inject(a, { type: 'later' }, 20);
    sim.run();
    return log.map((l) => l.replace(/^\d+:a:/, ''));
  }

  it('runs same-instant events FIFO with an empty tie-break list', () => {
    expect(order([])).toEqual(['e0', 'e1', 'later']);
    expect(order([], 4)).toEqual(['e0', 'e1', 'e2', 'e3', 'later']);
    expect(new Simulation({ seed: 1 }).run()).toMatchObject({ reason: 'idle' }); // no list at all
  });

  it('runs the second of two same-instant events first with tieBreaks [1]', () => {
    expect(order([1])).toEqual(['e1', 'e0', 'later']);
  });

  it('takes choices modulo the group size and keeps the rest FIFO', () => {
    expect(order([0])).toEqual(['e0', 'e1', 'later']);
    expect(order([3])).toEqual(['e1', 'e0', 'later']);
    expect(order([2], 4)).toEqual(['e2', 'e0', 'e1', 'e3', 'later']);
    expect(order([2, 2], 4)).toEqual(['e2', 'e3', 'e0', 'e1', 'later']);
    // Choices run out: the rest of the group is FIFO.
    expect(order([3], 4)).toEqual(['e3', 'e0', 'e1', 'e2', 'later']);
  });

  it('consumes a choice only when at least two events share the instant', () => {
    // Three lone events come first; had they used up the [1], e0 would run first.
    expect(order([1], 2, 3)).toEqual(['lone0', 'lone1', 'lone2', 'e1', 'e0', 'later']);
    // A group shrunk to one by earlier choices does not consume the next choice either:
    // [1] picks e1 from {e0, e1}; e0 then runs alone; the 1 left applies to nothing here.
    expect(order([1, 1])).toEqual(['e1', 'e0', 'later']);
  });

  it('groups by (time, priority): a lone urgent event at the instant does not consume a choice', () => {
    const sim = new Simulation({ seed: 1, tieBreaks: [1] });
    const log: string[] = [];
    const a = sim.addActor('a', recorder(log));
    sim.inject(a, { type: 'n0' }, 10);
    sim.inject(a, { type: 'n1' }, 10);
    sim.scheduleFault({ atNs: 10 }, a, { type: 'fault' });
    sim.run();
    expect(log).toEqual(['10:a:fault', '10:a:n1', '10:a:n0']);
  });

  it('applies choices to groups formed during the run (events sent by handlers), in order', () => {
    function run(tieBreaks: readonly number[]): string[] {
      const sim = new Simulation({ seed: 1, tieBreaks });
      const log: string[] = [];
      const sink = sim.addActor('sink', recorder(log));
      sim.addActor('src', {
        start(ctx) {
          ctx.startTimer(5, { type: 'fire' });
        },
        receive(_msg, ctx) {
          for (const m of ['x', 'y', 'z']) ctx.send(sink, { type: m }, 3);
        },
      });
      sim.run();
      return log;
    }
    expect(run([])).toEqual(['8:sink:x', '8:sink:y', '8:sink:z']);
    expect(run([2, 1])).toEqual(['8:sink:z', '8:sink:y', '8:sink:x']);
    expect(run([1, 0])).toEqual(['8:sink:y', '8:sink:x', '8:sink:z']);
  });

  it('is deterministic per (seed, tieBreaks): same list, same trace hash; a list that reorders changes it', () => {
    const hashOf = (tieBreaks: readonly number[]) => {
      const sim = new Simulation({ seed: 3, tieBreaks });
      const a = sim.addActor('a', {
        receive: (msg, ctx) => void ctx.trace('got', { type: msg.type }),
      });
      for (let i = 0; i < 3; i++) sim.inject(a, { type: `e${i}` }, 10);
      sim.run();
      return sim.trace.digest();
    };
    expect(hashOf([2, 1])).toBe(hashOf([2, 1]));
    expect(hashOf([0, 0])).toBe(hashOf([]));
    expect(hashOf([2, 1])).not.toBe(hashOf([]));
  });

  // BUG (sim/sim.ts takeWithTieBreak + sim/queue.ts takeNthSameInstant): SimOptions.tieBreaks
  // is documented as "index modulo group size" but is not validated, and JS `%` keeps
  // the sign: tieBreaks [-1] gives choice -1 % 2 = -1, and takeNthSameInstant(-1)
  // clamps only from above, so the run dies mid-way with "TypeError: Cannot read
  // properties of undefined (reading '0')". A fractional choice that is not clamped
  // (0.5 for a group of two) fails the same way.
  // Fix: reject non-integer / negative entries with a RangeError in the constructor, or
  // use ((c % n) + n) % n on integers. This test accepts either fix.
  it('a negative tie-break choice is taken modulo the group size or rejected up front, never a TypeError mid-run', () => {
    let got: string[];
    try {
      got = order([-1]);
    } catch (e) {
      expect(e).toBeInstanceOf(RangeError);
      return;
    }
    expect(got).toEqual(['e1', 'e0', 'later']);
  });
});
