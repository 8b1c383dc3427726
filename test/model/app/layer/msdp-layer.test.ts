// Proves the application-protocol layer runs MSDP on the router as issue 14 asks: a failover drains every snooped socket and takes each engine over before the speaker becomes master; both REs draw the same SA origination from separate, identically seeded streams; a late snooper resumes at exactly PSRM's offsets; D-7 leaves MSDP sockets unreplicated; the F-5 guard's refusals are reported; and runs are deterministic.
import { describe, expect, it } from 'vitest';
import type { TraceRecord } from '../../../../sim/index.ts';
import { SEC } from '../../../../sim/index.ts';
import { attachCheckers } from '../../../../model/checks/index.ts';
import { World } from '../../../../model/world.ts';
import { ACTOR, K } from '../../../../model/vocab.ts';
import { loadScenarioFile } from '../../../../scenarios/load/load.ts';
import { runScenario } from '../../../../scenarios/run.ts';

const LIB = 'scenarios/library/msdp';

function records(file: string): { recs: TraceRecord[]; hash: string } {
  const recs: TraceRecord[] = [];
  const r = runScenario(loadScenarioFile(file), { onRecord: (rec) => recs.push(rec) });
  expect(r.matches, r.violations.map((v) => v.message).join('\n')).toBe(true);
  return { recs, hash: r.traceHash };
}

describe('MSDP on the router (model/app/layer)', () => {
  it('a master crash: every session is drained and taken over, then the speaker becomes master', () => {
    const { recs } = records(`${LIB}/msdp-master-crash.yaml`);
    const re1 = ACTOR.re(1);
    const takeovers = recs.filter((r) => r.kind === K.msdp.takeover && r.actor === re1);
    const master = recs.filter((r) => r.kind === K.layer.speakerMaster && r.actor === re1);
    expect(takeovers.map((r) => r.fields.peer).sort()).toEqual(['10.0.1.1', '10.0.1.2']);
    expect(master).toHaveLength(1);
    for (const t of takeovers) expect(t.id).toBeLessThan(master[0]!.id);
    // The dead master's own SAs due in the takeover window were sent once by the new one.
    expect(takeovers.every((t) => (t.fields.caughtUp as number) > 0)).toBe(true);
    // No session came up afresh after the crash: no new connection (D-4).
    const crash = recs.find((r) => r.kind === K.chassis.master)!;
    const ups = recs.filter((r) => r.kind === K.msdp.up && r.t > crash.t);
    expect(ups).toEqual([]);
  });

  it('both REs draw the same SA origination (separate, identically seeded Rng streams)', () => {
    const s = loadScenarioFile(`${LIB}/msdp-steady.yaml`);
    const w = new World({ ...s.config, durationNs: 70 * SEC });
    w.run();
    const [a, b] = [w.res[0].msdp!, w.res[1].msdp!];
    expect(a.speaker).not.toBe(b.speaker);
    for (const t of [1, 17, 42, 69].map((x) => x * SEC))
      expect(b.speaker.localActive(t)).toEqual(a.speaker.localActive(t));
    expect(a.speaker.localActive().length).toBe(4);
    // D-3: the backup learned the peers' SAs, not the master's own.
    expect(b.speaker.saCache().map((e) => e.rp)).toEqual(a.speaker.saCache().map((e) => e.rp));
    expect(b.speaker.saCache().some((e) => e.rp === a.speaker.ownRp)).toBe(false);
  });

  it("a late snooper (the old master after a switchover) resumes at PSRM's offsets", () => {
    const { recs } = records(`${LIB}/msdp-switchover-after-guard.yaml`);
    const re0 = ACTOR.re(0);
    const resumes = recs.filter((r) => r.kind === K.msdp.resume && r.actor === re0);
    const applied = recs.filter(
      (r) => r.kind === K.psrm.applied && r.actor === ACTOR.nsr(0, 'psrm'),
    );
    expect(resumes).toHaveLength(2);
    for (const r of resumes) {
      const a = applied.find((x) => x.t === r.t && x.id < r.id);
      expect(a, JSON.stringify(r.fields)).toBeDefined();
      expect(resumes.some((x) => x.fields.inOffset === a!.fields.app_in)).toBe(true);
      expect(resumes.some((x) => x.fields.outOffset === a!.fields.app_out)).toBe(true);
      expect(r.fields.inOffset as number).toBeGreaterThan(0);
    }
  });

  it('D-7: with router.msdp.nsr false the MSDP sockets are never replicated', () => {
    const s = loadScenarioFile(`${LIB}/msdp-nsr-disabled.yaml`);
    const recs: TraceRecord[] = [];
    const w = new World({ ...s.config, durationNs: 50 * SEC });
    w.sim.trace.addListener((r) => recs.push(r));
    w.run();
    expect(recs.filter((r) => r.kind === K.layer.notReplicated)).toHaveLength(2);
    expect(recs.filter((r) => r.kind === K.iha.setup)).toEqual([]);
    expect(recs.filter((r) => r.kind === K.layer.socket)).toEqual([]);
  });

  it('F-5: the guard refuses with its reason, traced and in the run report', () => {
    const r = runScenario(loadScenarioFile(`${LIB}/msdp-switchover-refused.yaml`));
    const refusals = r.stats.msdp?.refusals ?? [];
    expect(refusals.map((x) => x.timeNs / SEC)).toEqual([30, 120]);
    expect(refusals[0]?.message).toMatch(/socket r2\/0 replicated at/);
    expect(refusals[1]?.message).toMatch(/previous one at 90/);
    expect(r.stats.msdp?.peers.map((p) => p.handles.every((h) => h !== undefined))).toEqual([
      true,
      true,
    ]);
  });

  it('is deterministic: the same scenario gives the same trace hash', () => {
    const file = `${LIB}/msdp-bad-tlv.yaml`;
    const a = records(file).hash;
    const s = loadScenarioFile(file);
    const w = new World(s.config);
    attachCheckers(w, s.checks);
    expect(w.run().traceHash).toBe(a);
  });
});
