// The msdp benchmark section (issue 14): scenarios/library/msdp/msdp-scale.yaml (SPEC D-5:
// 30 MSDP peers, 1,000 SAs, NSR, a switchover) run as `nsrsim run` runs it (every checker,
// the trace hashed), in a fresh child process: events, events/s, trace records, simulated
// seconds per wall second and peak RSS.
//
// Run as a script (`node --import tsx test/bench/msdp.ts run`) it measures one run and
// prints it as JSON; main.ts imports benchMsdp / formatMsdp.
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { loadScenarioFile } from '../../scenarios/load/load.ts';
import { runScenario } from '../../scenarios/run.ts';

export const MSDP_SCALE_FILE = 'scenarios/library/msdp/msdp-scale.yaml';

export interface MsdpFigures {
  readonly file: string;
  readonly verdict: string;
  readonly events: number;
  readonly traceRecords: number;
  readonly simulatedS: number;
  readonly wallS: number;
  readonly eventsPerSec: number;
  readonly simSPerWallS: number;
  readonly peakRssMb: number;
  readonly saCache: number;
  readonly peers: number;
}

function measure(): MsdpFigures {
  const s = loadScenarioFile(MSDP_SCALE_FILE);
  const t0 = performance.now();
  const r = runScenario(s);
  const wallS = (performance.now() - t0) / 1000;
  const simulatedS = r.stats.simulatedNs / 1e9;
  const m = r.stats.msdp;
  return {
    file: MSDP_SCALE_FILE,
    verdict: r.verdict,
    events: r.stats.events,
    traceRecords: r.stats.traceRecords,
    simulatedS,
    wallS: Math.round(wallS * 1000) / 1000,
    eventsPerSec: Math.round(r.stats.events / wallS),
    simSPerWallS: Math.round((simulatedS / wallS) * 10) / 10,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    saCache: m?.saCache[m.master] ?? 0,
    peers: m?.peers.length ?? 0,
  };
}

export function benchMsdp(): MsdpFigures {
  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), 'run'],
    {
      encoding: 'utf8',
      cwd: resolve(fileURLToPath(import.meta.url), '../../..'),
      maxBuffer: 1 << 24,
    },
  );
  return JSON.parse(out) as MsdpFigures;
}

export function formatMsdp(f: MsdpFigures): string {
  return [
    'msdp: msdp-scale (D-5: 30 MSDP peers, 1,000 SAs, NSR, a switchover), nsrsim run path',
    `  ${f.peers} peers, SA cache ${f.saCache}, verdict ${f.verdict}`,
    `  ${f.events.toLocaleString('en-US')} events, ${f.traceRecords.toLocaleString('en-US')} trace records, ${f.simulatedS} s simulated in ${f.wallS} s wall`,
    `  ${f.eventsPerSec.toLocaleString('en-US')} events/s, ${f.simSPerWallS} simulated s per wall s, peak RSS ${f.peakRssMb} MB`,
  ].join('\n');
}

if (process.argv[2] === 'run' && process.argv[1] === fileURLToPath(import.meta.url))
  process.stdout.write(`${JSON.stringify(measure())}\n`);
