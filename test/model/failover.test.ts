// Proves that for each fault kind there is a run where the correct design passes every checker (a scenarios/library/fault/*.yaml file per kind, which the library test runs), that a master crash at any of 20 instants of one small scenario passes every checker, and that after a master crash the backup application continues each outbound stream exactly where the master's last replicated write ended.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { attachCheckers } from '../../model/checks/index.ts';
import type { FaultConfig, WorldConfig } from '../../model/config.ts';
import type { Rep } from '../../model/nsr/state.ts';
import { World } from '../../model/world.ts';
import { SUPPORTED_FAULTS } from '../../scenarios/load/catalog.ts';
import { RTCP_FAULTS } from '../../scenarios/load/design.ts';
import { loadScenarioFile } from '../../scenarios/load/load.ts';
import { MS, SEC, type TraceRecord } from '../../sim/index.ts';
import { peer, worldConfig } from './world-fixture.ts';
import { libraryFilesOf } from '../../scenarios/load/library.ts';
import { ACTOR, K } from '../../model/vocab.ts';

const TRAFFIC = { ratePerSec: 200, sizeMin: 64, sizeMax: 1460 };
const crashAt = (atNs: number): FaultConfig => ({
  when: { atNs },
  action: { kind: 're-crash', target: 'master' },
});

/** NSR on, one peer pa, `sessions` peer-initiated sessions at 200 records/s each way. */
function small(durationNs: number, sessions: number, faults: FaultConfig[]): WorldConfig {
  return worldConfig({
    durationNs,
    router: { nsr: true },
    peers: [peer('pa', { sessions, toRouter: TRAFFIC, fromRouter: { ...TRAFFIC } })],
    faults,
  });
}

describe('fault kinds', () => {
  it('every supported fault kind has a scenarios/library/fault/*.yaml with NSR on that expects the correct design to pass every checker', () => {
    const files = libraryFilesOf('fault').map((f) => loadScenarioFile(f));
    const covered = new Set<string>();
    for (const s of files) {
      expect(s.expect, s.file).toBe('pass');
      expect(s.checks, s.file).toBe('all');
      expect(s.config.router.nsr, s.file).toBe(true);
      expect(s.config.router.mutant, s.file).toBeUndefined();
      for (const f of s.config.faults) covered.add(f.action.kind);
    }
    // Redundant TCP's own faults (RTCP_FAULTS) need its design: scenarios/library/redundant/.
    const jsrFaults = SUPPORTED_FAULTS.filter((f) => !RTCP_FAULTS.has(f.kind));
    expect([...covered].sort()).toEqual(jsrFaults.map((f) => f.kind).sort());
    // ...and each of those has a file of its own there (a fault kind nothing runs is untested).
    const rtcpCovered = new Set<string>(
      libraryFilesOf('redundant').flatMap((f) =>
        loadScenarioFile(f).config.faults.map((x) => x.action.kind),
      ),
    );
    expect([...RTCP_FAULTS].filter((k) => !rtcpCovered.has(k))).toEqual([]);
    // The brief's sixteen files, one per fault and target.
    expect(files.length).toBeGreaterThanOrEqual(16);
  });
});

describe('master crash at any instant', () => {
  // 20 instants from 20 ms (replication is set up within a few ms) to 800 ms, so that
  // every takeover (crash + masterDetect + PFE switch) happens inside the 1 s run.
  const instants = Array.from({ length: 20 }, (_, i) =>
    Math.round(20 * MS + (i * (780 * MS)) / 19),
  );

  it.each(instants)(
    'crash of the master at %i ns: every checker passes and the backup took over',
    (at) => {
      const world = new World(small(1 * SEC, 1, [crashAt(at)]), { hash: false });
      attachCheckers(world, 'all');
      let takeover: TraceRecord | undefined;
      world.sim.trace.addListener((rec) => {
        if (rec.kind === K.app.takeover && rec.actor === ACTOR.re(1)) takeover = rec;
      });
      const res = world.run();
      expect(res.violations.map((v) => `${v.check} at ${v.timeNs}: ${v.message}`)).toEqual([]);
      expect(world.chassis.master).toBe(1);
      expect(takeover?.t).toBeGreaterThan(at);
      const s = world.peers[0]?.sessions[0]?.stats();
      expect(s?.closed).toBeUndefined();
      expect(s?.verifyErrors).toBe(0);
    },
  );
});

describe('takeover continues the streams', () => {
  it("after a master crash, each backup application resumes the outbound stream exactly where the master's last replicated write ended, and the peer's streams go on without a defect", () => {
    const CRASH = 500 * MS;
    const world = new World(small(1500 * MS, 3, [crashAt(CRASH)]), { hash: false });
    attachCheckers(world, 'all');
    // Outbound bytes SDRL appended to each secondary socket on re1: the master's
    // replicated writes as the backup holds them (a second subscriber beside the checkers').
    const replicatedEnd = new Map<string, number>();
    world.nsrStates.subscribe((nsr) => {
      nsr.sent.subscribe((rep: Rep, offset: number, bytes: Uint8Array) => {
        if (nsr.reIndex === 1 && rep.role === 'secondary')
          replicatedEnd.set(rep.session, offset + bytes.length);
      });
    });
    const peerSessions = world.peers[0]?.sessions ?? [];
    const takeovers = new Map<
      string,
      { t: number; outOffset: number; replicatedEnd: number | undefined; peerRead: number }
    >();
    world.sim.trace.addListener((rec) => {
      if (rec.kind !== K.app.takeover || rec.actor !== ACTOR.re(1)) return;
      const session = rec.fields.session as string;
      const peerRead = peerSessions.find((s) => s.cfg.id === session)?.stats().bytesRead ?? -1;
      takeovers.set(session, {
        t: rec.t,
        outOffset: rec.fields.outOffset as number,
        replicatedEnd: replicatedEnd.get(session),
        peerRead,
      });
    });
    const res = world.run();

    expect(res.violations.map((v) => `${v.check} at ${v.timeNs}: ${v.message}`)).toEqual([]);
    expect([...takeovers.keys()].sort()).toEqual(['pa/0', 'pa/1', 'pa/2']);
    for (const ps of peerSessions) {
      const tk = takeovers.get(ps.cfg.id);
      expect(tk, ps.cfg.id).toBeDefined();
      if (tk === undefined) continue;
      expect(tk.t).toBeGreaterThan(CRASH);
      // Exactly where the last replicated write ended: the backup held every byte up to it.
      expect(tk.outOffset, ps.cfg.id).toBe(tk.replicatedEnd);
      expect(tk.outOffset).toBeGreaterThan(0);
      // Nothing beyond it had reached the peer (S-1).
      expect(tk.peerRead).toBeLessThanOrEqual(tk.outOffset);
      // The peer's stream kept growing past the takeover point with no gap, duplicate or corruption.
      const st = ps.stats();
      expect(st.verifyErrors).toBe(0);
      expect(st.closed).toBeUndefined();
      expect(st.bytesRead).toBeGreaterThan(tk.outOffset);
      expect(st.lastReadNs).toBeGreaterThan(tk.t);
      // And the new master's application reads the peer's stream without a defect.
      const r = world.res[1].session(ps.cfg.id)?.stats();
      expect(r?.verifyErrors).toBe(0);
      expect(r?.bytesRead).toBeGreaterThan(0);
    }
  });
});
