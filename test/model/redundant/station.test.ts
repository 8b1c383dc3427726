// Proves the Redundant TCP design (seed 004) on whole runs: only the operational station's packets reach the wire while the standby runs the same TCP, the standby keeps and replays early ACKs when its timing lags, takes over in the instant the operational station crashes, and a late joiner walks the MIB and synchronizes timing before it is a ready standby; plus the deterministic ISS and the management line protocol's rejection of bad lines.
import { describe, expect, it } from 'vitest';
import type { TraceRecord } from '../../../sim/index.ts';
import { issFromAddresses } from '../../../model/redundant/station.ts';
import { parseMgmtLine } from '../../../model/redundant/mgmt.ts';
import { K } from '../../../model/vocab.ts';
import { loadScenarioFile } from '../../../scenarios/load/load.ts';
import { runScenario } from '../../../scenarios/run.ts';

function records(
  file: string,
  patch?: (s: ReturnType<typeof loadScenarioFile>) => void,
): TraceRecord[] {
  const s = loadScenarioFile(file);
  patch?.(s);
  const out: TraceRecord[] = [];
  runScenario(s, { onRecord: (r) => void out.push(r) });
  return out;
}

describe('Redundant TCP stations', () => {
  it('R-1, R-3: one transmitter; the standby takes over in the instant of the crash', () => {
    const recs = records('scenarios/library/redundant/redundant-operational-crash.yaml');
    const crash = recs.find((r) => r.kind === K.chassis.fault);
    const takeover = recs.find((r) => r.kind === K.rtcp.takeover);
    expect(crash).toBeDefined();
    expect(takeover?.t).toBe(crash?.t);
    const tx = recs.filter((r) => r.kind === K.pfe.tx);
    expect(tx.filter((r) => r.t < (crash?.t ?? 0)).every((r) => r.fields.re === 0)).toBe(true);
    expect(tx.filter((r) => r.t > (crash?.t ?? 0)).every((r) => r.fields.re === 1)).toBe(true);
  });

  it('R-2: a lagging standby keeps early ACKs and replays them', () => {
    const recs = records('scenarios/library/mutant/rtcp-standby-drops-early-ack.yaml', (s) => {
      s.config.router.mutant = undefined;
    });
    const kept = recs.filter((r) => r.kind === K.rtcp.ackBuffer).length;
    const replayed = recs.filter((r) => r.kind === K.rtcp.ackReplay).length;
    expect(kept).toBeGreaterThan(10);
    expect(replayed).toBeGreaterThanOrEqual(kept - 20);
  });

  it('R-4, R-6: a late joiner walks the MIB, synchronizes timing, then is a ready standby', () => {
    const recs = records('scenarios/library/redundant/redundant-late-joiner.yaml');
    const order = [K.rtcp.dataSync, K.rtcp.sessionsDown, K.rtcp.appSession, K.rtcp.takeover];
    const at = order.map((k) => recs.findIndex((r) => r.kind === k));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    const echo = recs.find((r) => r.kind === K.rtcp.mibSet && r.fields.source === 'echo');
    expect(echo?.fields.key).toBe('bgpLocalAs.0');
  });

  it('the ISS is a function of the addresses alone', () => {
    expect(issFromAddresses(1, 2, 3, 4)).toBe(issFromAddresses(1, 2, 3, 4));
    expect(issFromAddresses(1, 2, 3, 4)).not.toBe(issFromAddresses(1, 2, 3, 5));
  });

  it('management lines that do not parse are refused', () => {
    expect(parseMgmtLine('SET a b')).toEqual({ cmd: 'SET', key: 'a', value: 'b' });
    for (const bad of ['SET a', 'SET a b c', 'SYNC-OK -1', 'GETALL x', 'HELLO', 'OBJ a\u00e9 b'])
      expect(parseMgmtLine(bad), bad).toBeUndefined();
  });
});
