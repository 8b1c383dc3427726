// The cli and scale benchmark sections (issue 18): what users run is `nsrsim run` with every
// checker attached and the trace hashed, so that path is measured against the bare model on
// the same scenario (cli), and NSR runs of 10 to 10,000 sessions show how it scales (scale).
// Every run is in a fresh child process (its peak RSS is its own); ratios are computed from
// figures measured in the same `npm run bench`.
//
// Run as a script (`node --import tsx test/bench/cli.ts '{"mode":"cli","sessions":100,...}'`)
// it measures one run and prints it as JSON; main.ts imports benchCli / benchScale.
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { WorldConfig } from '../../model/config.ts';
import type { Scenario } from '../../scenarios/load/load.ts';
import { runScenario } from '../../scenarios/run.ts';
import { SEC } from '../../sim/index.ts';
import { peer, worldConfig } from '../model/world-fixture.ts';
import { measureRouter, routerBenchConfig, runFigures, type RouterRunFigures } from './router.ts';

export interface RunFigures extends RouterRunFigures {
  readonly sessions: number;
  readonly traceRecords: number;
}

interface Job {
  /** bare: the model alone (router.ts); cli: runScenario with every checker and the hash. */
  readonly mode: 'bare' | 'cli';
  /** router: the bare bench's scenario (100 sessions, no fault); scale: scaleConfig. */
  readonly scenario: 'router' | 'scale';
  readonly sessions: number;
  readonly seconds: number;
  /** Router scenario only: false runs it without NSR (events per record without it). */
  readonly nsr?: boolean;
}

/** NSR, 20 records/s per session each way (64..1460 bytes), the master crashes at half time. */
export function scaleConfig(sessions: number, seconds: number): WorldConfig {
  const perPeer = Math.min(sessions, 100);
  const peers = Math.ceil(sessions / perPeer);
  const traffic = { ratePerSec: 20, sizeMin: 64, sizeMax: 1460 };
  return worldConfig({
    name: `bench-scale-${sessions}`,
    seed: 1,
    durationNs: seconds * SEC,
    router: { nsr: true },
    peers: Array.from({ length: peers }, (_, i) =>
      peer(`p${i}`, {
        sessions: Math.min(perPeer, sessions - i * perPeer),
        initiator: 'peer',
        toRouter: traffic,
        fromRouter: traffic,
      }),
    ),
    faults: [
      {
        when: { atNs: (seconds * SEC) / 2 },
        action: { kind: 're-crash', target: 'master' },
      },
    ],
    maxEvents: 2_000_000_000,
  });
}

/** One run of `job` in this process: the CLI path (checkers, hash) or the bare model. */
export function measureJob(job: Job): RunFigures {
  if (job.mode === 'bare') {
    if (job.scenario !== 'router')
      throw new Error('bench: the bare model runs the router scenario');
    const r = measureRouter('nsr', { seconds: job.seconds }) as RouterRunFigures;
    return { ...r, sessions: 100, traceRecords: 0 };
  }
  const cfg =
    job.scenario === 'router'
      ? routerBenchConfig(job.nsr ?? true, { seconds: job.seconds })
      : scaleConfig(job.sessions, job.seconds);
  const s: Scenario = {
    name: cfg.name,
    description: 'bench',
    config: cfg,
    checks: 'all',
    expect: 'pass',
    tieBreaks: [],
    file: '(bench)',
  };
  const r = runScenario(s, { wallClock: () => performance.now() });
  const records = r.stats.sessions.reduce(
    (n, x) => n + x.peer.recordsWritten + (x.router?.recordsWritten ?? 0),
    0,
  );
  return {
    ...runFigures(r.stats.events, records, r.stats.simulatedNs, r.stats.wallMs),
    sessions: job.sessions,
    traceRecords: r.stats.traceRecords,
  };
}

const SELF = fileURLToPath(import.meta.url);

function inChild(job: Job): RunFigures {
  const out = execFileSync(
    process.execPath,
    ['--max-old-space-size=8192', '--import', 'tsx', SELF, JSON.stringify(job)],
    {
      cwd: fileURLToPath(new URL('../../', import.meta.url)),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 1 << 20,
    },
  );
  return JSON.parse(out) as RunFigures;
}

export interface CliBenchResult {
  readonly bare: RunFigures;
  readonly cli: RunFigures;
  /** The same cli run without NSR (what NSR costs in events per record). */
  readonly cliNoNsr: RunFigures;
  /** cli events/s over bare events/s, same scenario, same bench run. */
  readonly ratio: number;
}

/** The `nsrsim run` path against the bare model on the bare bench's scenario (router.ts). */
export function benchCli(seconds = 60): CliBenchResult {
  const bare = inChild({ mode: 'bare', scenario: 'router', sessions: 100, seconds });
  const cli = inChild({ mode: 'cli', scenario: 'router', sessions: 100, seconds });
  const cliNoNsr = inChild({ mode: 'cli', scenario: 'router', sessions: 100, seconds, nsr: false });
  return {
    bare,
    cli,
    cliNoNsr,
    ratio: Math.round((cli.eventsPerSec / bare.eventsPerSec) * 100) / 100,
  };
}

export function formatCli(r: CliBenchResult): string {
  const f = (x: number): string => Math.round(x).toLocaleString('en-US');
  const row = (name: string, x: RunFigures): string =>
    `${name.padEnd(6)}  ${f(x.events).padStart(11)}  ${x.eventsPerRecord.toFixed(1).padStart(9)}  ${f(x.eventsPerSec).padStart(10)}  ${x.usPerRecord.toFixed(1).padStart(9)}  ${x.simSecondsPerWallSecond.toFixed(2).padStart(12)}  ${x.peakRssMb.toFixed(0).padStart(11)}`;
  return [
    `cli: the router bench's scenario (100 NSR sessions, 20 records/s each way, ${r.cli.simulatedSeconds} simulated s); the nsrsim run path (every checker, trace hashed) against the bare model`,
    `${'run'.padEnd(6)}  ${'events'.padStart(11)}  ${'ev/record'.padStart(9)}  ${'events/s'.padStart(10)}  ${'us/record'.padStart(9)}  ${'sim s/wall s'.padStart(12)}  ${'peak RSS MB'.padStart(11)}`,
    row('bare', r.bare),
    row('cli', r.cli),
    row('no NSR', r.cliNoNsr),
    `cli/bare ${r.ratio.toFixed(2)} (events/s); wall time per application record: bare ${r.bare.usPerRecord.toFixed(1)} us, checkers and trace ${(r.cli.usPerRecord - r.bare.usPerRecord).toFixed(1)} us more; NSR costs ${(r.cli.usPerRecord / r.cliNoNsr.usPerRecord).toFixed(2)}x a record without it; ${f(r.cli.traceRecords)} trace records with NSR`,
  ].join('\n');
}

/** Sessions and simulated seconds of each scale run (longer runs for the small ones). */
export const SCALE_RUNS: ReadonlyArray<readonly [number, number]> = [
  [10, 20],
  [100, 10],
  [1000, 4],
  [10_000, 2],
];

export function benchScale(runs = SCALE_RUNS): RunFigures[] {
  return runs.map(([sessions, seconds]) =>
    inChild({ mode: 'cli', scenario: 'scale', sessions, seconds }),
  );
}

export function formatScale(rows: readonly RunFigures[]): string {
  const f = (x: number): string => Math.round(x).toLocaleString('en-US');
  const head = `${'sessions'.padStart(8)}  ${'sim s'.padStart(5)}  ${'events'.padStart(11)}  ${'ev/record'.padStart(9)}  ${'events/s'.padStart(9)}  ${'us/record'.padStart(9)}  ${'sim s/wall s'.padStart(12)}  ${'peak RSS MB'.padStart(11)}`;
  return [
    'scale: nsrsim run path, NSR, 20 records/s per session each way, master crash at half time',
    head,
    ...rows.map(
      (x) =>
        `${f(x.sessions).padStart(8)}  ${String(x.simulatedSeconds).padStart(5)}  ${f(x.events).padStart(11)}  ${x.eventsPerRecord.toFixed(1).padStart(9)}  ${f(x.eventsPerSec).padStart(9)}  ${x.usPerRecord.toFixed(1).padStart(9)}  ${x.simSecondsPerWallSecond.toFixed(2).padStart(12)}  ${x.peakRssMb.toFixed(0).padStart(11)}`,
    ),
  ].join('\n');
}

// Child-process entry: measure one run and print it as JSON.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === SELF) {
  const arg = process.argv[2];
  if (arg === undefined) {
    process.stderr.write(
      'usage: node --import tsx test/bench/cli.ts \'{"mode":"cli"|"bare","scenario":"router"|"scale","sessions":N,"seconds":S}\'\n',
    );
    process.exit(2);
  }
  process.stdout.write(`${JSON.stringify(measureJob(JSON.parse(arg) as Job))}\n`);
}
