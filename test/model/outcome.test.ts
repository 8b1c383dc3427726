// Proves the O-1 outcome figures (model/outcome.ts) on library runs: a router without NSR shows the resets and counts the router application's bytes across RE incarnations, a transparent Redundant TCP takeover shows no reset, loss or long stall, and a takeover after the standby diverged shows a stall that never recovers with bytes lost.
import { describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../../scenarios/load/load.ts';
import { runScenario } from '../../scenarios/run.ts';

const run = (f: string) => runScenario(loadScenarioFile(f));

describe('outcome (SPEC O-1)', () => {
  it('baseline master crash: resets seen by the peer, router bytes kept across incarnations', () => {
    const r = run('scenarios/library/baseline/master-crash.yaml');
    expect(r.outcome.sessionResets).toBe(3);
    const wrote = r.stats.sessions.reduce((a, s) => a + (s.router?.bytesWritten ?? 0), 0);
    const peerRead = r.stats.sessions.reduce((a, s) => a + s.peer.bytesRead, 0);
    expect(wrote).toBeGreaterThanOrEqual(peerRead);
    expect(peerRead).toBeGreaterThan(0);
  });

  it('redundant-tcp operational crash on a clean wire: nothing the peer notices', () => {
    const o = run('scenarios/library/redundant/redundant-operational-crash.yaml').outcome;
    expect(o.sessionResets).toBe(0);
    expect(o.appBytesLost).toBe(0);
    expect(o.peerStallMsMax).toBeLessThan(200);
    expect(o.recoveryMs).not.toBeNull();
    expect(o.interReBytesPerAppByte).toBe(0);
  });

  it('redundant-tcp takeover after the standby diverged: a stall that never ends, bytes lost', () => {
    const o = run('scenarios/library/redundant/redundant-standby-loss.yaml').outcome;
    expect(o.recoveryMs).toBeNull();
    expect(o.appBytesLost).toBeGreaterThan(0);
    expect(o.peerStallMsMax).toBeGreaterThan(1000);
  });
});
