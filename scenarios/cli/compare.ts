// nsrsim compare (SPEC O-3): one scenario, its fault schedule and seed(s), run under
// several designs, with the O-1 / O-2 figures of each side by side (model/outcome.ts
// defines them). A design the scenario's faults do not apply to, or that the model does
// not have yet, is shown as n/a with the reason. Each design is one entry of DESIGNS
// below: how it sets up the router, or why it cannot run.
import type { Arguments, Argv } from 'yargs';
import type { Design, RouterConfig } from '../../model/config.ts';
import type { Outcome } from '../../model/outcome.ts';
import { isMutant } from '../../model/nsr/options.ts';
import { isRtcpMutant } from '../../model/redundant/mutants.ts';
import { SUPPORTED_FAULTS } from '../load/catalog.ts';
import { faultNotApplicable } from '../load/design.ts';
import { formatIssue, ScenarioError, UsageError } from '../load/errors.ts';
import { loadScenarioFile, type Scenario } from '../load/load.ts';
import { runScenario, type RunReport } from '../run.ts';
import type { CliCommand } from './main.ts';

const out = (s: string): void => void process.stdout.write(s);
const err = (s: string): void => void process.stderr.write(s);

export type CompareDesign = Design;

interface DesignEntry {
  id: CompareDesign;
  /** The router of this design, from the scenario's; or a string: why it cannot run. */
  router: (r: RouterConfig, s: Scenario) => RouterConfig | string;
}

/** The designs compare knows; adding one (gr with BGP) is one entry. */
export const DESIGNS: readonly DesignEntry[] = [
  {
    id: 'jsr',
    router: (r) => ({ ...r, nsr: true, design: undefined, mutant: nsrMutant(r) }),
  },
  {
    id: 'redundant-tcp',
    router: (r, s) =>
      noBgp(s) ?? {
        ...r,
        nsr: false,
        design: 'redundant-tcp',
        mutant: r.mutant !== undefined && isRtcpMutant(r.mutant) ? r.mutant : undefined,
      },
  },
  { id: 'gr', router: grRouter },
  {
    id: 'none',
    router: (r) => ({ ...r, nsr: false, design: undefined, mutant: undefined }),
  },
];

/** Redundant TCP's stations run no BGP speaker (issue 15: the BGP layer is on the REs). */
function noBgp(s: Scenario): string | undefined {
  return s.config.peers.some((p) => p.app?.kind === 'bgp')
    ? 'its stations run no BGP speaker (app: bgp runs on the REs of jsr, gr and none)'
    : undefined;
}

/** Design gr (issue 15): BGP graceful restart, no socket replication; BGP peers needed. */
function grRouter(r: RouterConfig, s: Scenario): RouterConfig | string {
  if (!s.config.peers.some((p) => p.app?.kind === 'bgp')) return 'needs BGP sessions (app: bgp)';
  return { ...r, nsr: false, design: 'gr', mutant: undefined };
}

function nsrMutant(r: RouterConfig): RouterConfig['mutant'] {
  return r.mutant !== undefined && isMutant(r.mutant) ? r.mutant : undefined;
}

export interface DesignResult {
  design: CompareDesign;
  verdict: 'pass' | 'fail' | 'n/a';
  reason?: string;
  /** Checkers that fired (any seed). */
  fired?: string[];
  /** How the scenario's faults were mapped onto this design. */
  notes?: string[];
  outcome: Omit<Outcome, 'sessions'> | null;
}

export interface CompareResult {
  scenario: string;
  file: string;
  seeds: number[];
  designs: DesignResult[];
}

/**
 * Redundant TCP's own faults on a design without stations (SPEC R-5: both designs on the
 * same fault schedule): a deactivation is a crash of that RE; the loss on the standby's
 * own path and a station's timing lag touch nothing there (the jsr backup gets every
 * packet through PRL, and no design but redundant-tcp depends on two clocks agreeing);
 * an operator's configuration change is not modelled outside Redundant TCP's MIB.
 */
function mapFaults(
  s: Scenario,
  design: CompareDesign,
): { faults: Scenario['config']['faults']; notes: string[] } {
  if (design === 'redundant-tcp') return { faults: s.config.faults, notes: [] };
  const notes = new Set<string>();
  const faults = s.config.faults.flatMap((f) => {
    const a = f.action;
    if (a.kind === 'station-deactivate') {
      notes.add('station-deactivate run as re-crash');
      return [{ ...f, action: { kind: 're-crash' as const, target: a.target } }];
    }
    if (
      a.kind === 'standby-path-loss' ||
      a.kind === 'station-clock-offset' ||
      a.kind === 'operator-config'
    ) {
      notes.add(`${a.kind} has no effect (left out)`);
      return [];
    }
    return [f];
  });
  return { faults, notes: [...notes] };
}

/** Why the scenario's faults keep `design` from running, if they do. */
function faultsBlock(s: Scenario, design: CompareDesign): string | undefined {
  for (const f of s.config.faults) {
    const why = faultNotApplicable(f.action.kind, design);
    if (why !== undefined) return `fault ${f.action.kind} does not apply: ${why}`;
    const nsrOnly = SUPPORTED_FAULTS.find((k) => k.kind === f.action.kind)?.nsrOnly === true;
    if (nsrOnly && design !== 'jsr')
      return `fault ${f.action.kind} needs socket replication (design jsr)`;
  }
  return undefined;
}

export function compareScenario(
  s: Scenario,
  designs: readonly CompareDesign[],
  seeds: readonly number[],
): CompareResult {
  const results = designs.map((id): DesignResult => {
    const entry = DESIGNS.find((d) => d.id === id);
    if (entry === undefined) throw new UsageError(`unknown design "${id}"`);
    const router = entry.router(s.config.router, s);
    const mapped = mapFaults(s, id);
    const variant: Scenario = { ...s, config: { ...s.config, faults: mapped.faults } };
    const why = typeof router === 'string' ? router : faultsBlock(variant, id);
    if (why !== undefined || typeof router === 'string')
      return { design: id, verdict: 'n/a', reason: why, outcome: null };
    const runs = seeds.map((seed) =>
      runScenario({ ...variant, config: { ...variant.config, router } }, { seed }),
    );
    const r = aggregate(id, runs);
    return mapped.notes.length === 0 ? r : { ...r, notes: mapped.notes };
  });
  return { scenario: s.name, file: s.file, seeds: [...seeds], designs: results };
}

/**
 * Over seeds: counts summed, stalls, recovery and latencies the worst (recovery never if
 * one never recovered), the inter-RE ratio averaged.
 */
function aggregate(design: CompareDesign, runs: readonly RunReport[]): DesignResult {
  const os = runs.map((r) => r.outcome);
  const sum = (f: (o: Outcome) => number): number => os.reduce((a, o) => a + f(o), 0);
  const max = (f: (o: Outcome) => number): number => Math.max(0, ...os.map(f));
  const rec = os.some((o) => o.recoveryMs === null && o.sessionResets + o.appBytesLost > 0)
    ? null
    : os.every((o) => o.recoveryMs === null)
      ? null
      : max((o) => o.recoveryMs ?? 0);
  const fired = [...new Set(runs.flatMap((r) => r.violations.map((v) => v.check)))].sort();
  return {
    design,
    verdict: runs.every((r) => r.verdict === 'pass') ? 'pass' : 'fail',
    fired,
    outcome: {
      sessionResets: sum((o) => o.sessionResets),
      holdExpiries: sum((o) => o.holdExpiries),
      peerStallMsMax: max((o) => o.peerStallMsMax),
      peerRetransmissions: sum((o) => o.peerRetransmissions),
      peerRtoBackoffs: sum((o) => o.peerRtoBackoffs),
      appBytesLost: sum((o) => o.appBytesLost),
      appBytesDuplicated: sum((o) => o.appBytesDuplicated),
      ...aggregateRoutes(os),
      recoveryMs: rec,
      interReBytesPerAppByte:
        Math.round((sum((o) => o.interReBytesPerAppByte) / Math.max(1, os.length)) * 1e4) / 1e4,
      addedLatencyUs: {
        p50: max((o) => o.addedLatencyUs.p50),
        p99: max((o) => o.addedLatencyUs.p99),
      },
    },
  };
}

/** BGP's figures (issue 15) over seeds: counts summed, times the worst (null if one never). */
function aggregateRoutes(os: readonly Outcome[]): Pick<Outcome, 'routesLost' | 'routes'> {
  const rs = os.flatMap((o) => (o.routes === undefined ? [] : [o.routes]));
  if (rs.length === 0) return { routesLost: null };
  const sum = (f: (r: (typeof rs)[number]) => number): number => rs.reduce((a, r) => a + f(r), 0);
  const max = (f: (r: (typeof rs)[number]) => number): number => Math.max(0, ...rs.map(f));
  return {
    routesLost: sum((r) => r.withdrawn),
    routes: {
      withdrawn: sum((r) => r.withdrawn),
      keptStale: sum((r) => r.keptStale),
      staleMsMax: max((r) => r.staleMsMax),
      wholeAgainMs: rs.some((r) => r.wholeAgainMs === null)
        ? null
        : max((r) => r.wholeAgainMs ?? 0),
    },
  };
}

type Row = [string, (o: Omit<Outcome, 'sessions'>) => string];

const ROWS: readonly Row[] = [
  ['session resets', (o) => String(o.sessionResets)],
  ['hold expiries', (o) => String(o.holdExpiries)],
  ['peer-visible stall (ms)', (o) => String(o.peerStallMsMax)],
  ['peer retransmissions', (o) => String(o.peerRetransmissions)],
  ['peer RTO backoffs', (o) => String(o.peerRtoBackoffs)],
  ['app bytes lost', (o) => String(o.appBytesLost)],
  ['app records duplicated', (o) => String(o.appBytesDuplicated)],
  ['routes/SAs lost', (o) => (o.routesLost === null ? 'n/a' : String(o.routesLost))],
  ['routes kept stale', (o) => (o.routes === undefined ? 'n/a' : String(o.routes.keptStale))],
  ['routes stale for (ms)', (o) => (o.routes === undefined ? 'n/a' : String(o.routes.staleMsMax))],
  [
    'table whole again (ms)',
    (o) => (o.routes === undefined ? 'n/a' : String(o.routes.wholeAgainMs ?? 'never')),
  ],
  ['recovery (ms)', (o) => (o.recoveryMs === null ? 'never/n/a' : String(o.recoveryMs))],
  ['inter-RE B per app B', (o) => String(o.interReBytesPerAppByte)],
  ['added latency p50/p99 (us)', (o) => `${o.addedLatencyUs.p50}/${o.addedLatencyUs.p99}`],
];

/** Figures as rows, designs as columns; the n/a reasons and fired checkers below. */
export function formatCompare(c: CompareResult): string {
  const head = ['', ...c.designs.map((d) => d.design)];
  const verdict = ['verdict', ...c.designs.map((d) => d.verdict.toUpperCase())];
  const rows = ROWS.map(([name, f]) => [
    name,
    ...c.designs.map((d) => (d.outcome === null ? 'n/a' : f(d.outcome))),
  ]);
  const table = [head, verdict, ...rows];
  const w = head.map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string =>
    r.map((x, i) => (i === 0 ? x.padEnd(w[i] ?? 0) : x.padStart(w[i] ?? 0))).join('  ');
  const notes = c.designs.flatMap((d) => {
    if (d.verdict === 'n/a') return [`  ${d.design}: n/a, ${d.reason ?? ''}`];
    const fired = d.fired !== undefined && d.fired.length > 0 ? `${d.fired.join(', ')} fired` : '';
    const all = [fired, ...(d.notes ?? [])].filter((x) => x.length > 0);
    return all.length === 0 ? [] : [`  ${d.design}: ${all.join('; ')}`];
  });
  return [
    `${c.scenario}  ${c.file}, seed${c.seeds.length > 1 ? 's' : ''} ${c.seeds.join(', ')}`,
    ...table.map(line),
    ...notes,
    '',
  ].join('\n');
}

function parseDesigns(v: unknown): CompareDesign[] {
  const ids = String(v ?? 'jsr,redundant-tcp,gr,none')
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length > 0);
  const known = DESIGNS.map((d) => d.id as string);
  for (const id of ids)
    if (!known.includes(id))
      throw new UsageError(`--designs: unknown design "${id}" (designs: ${known.join(', ')})`);
  if (ids.length === 0) throw new UsageError('--designs names no design');
  return ids as CompareDesign[];
}

function parseSeeds(v: unknown, first: number): number[] {
  const n = v === undefined ? 1 : Number(v);
  if (!Number.isSafeInteger(n) || n < 1 || n > 1000)
    throw new UsageError(`--seeds must be an integer from 1 to 1000, got "${String(v)}"`);
  return Array.from({ length: n }, (_, i) => first + i);
}

export function cmdCompare(a: Arguments): number {
  const file = String(a.file);
  const s = loadScenarioFile(file);
  const c = compareScenario(s, parseDesigns(a.designs), parseSeeds(a.seeds, s.config.seed));
  out(a.json === true ? `${JSON.stringify(c)}\n` : formatCompare(c));
  return 0;
}

export const compareCommand: CliCommand = {
  command: 'compare <file>',
  describe:
    'run one scenario under several designs on the same faults and seeds; print the SPEC O-1/O-2 figures side by side',
  builder: (y: Argv) =>
    y
      .positional('file', { type: 'string', describe: 'scenario file (YAML or JSON)' })
      .option('designs', {
        type: 'string',
        default: 'jsr,redundant-tcp,gr,none',
        describe: `designs to compare, comma-separated (${DESIGNS.map((d) => d.id).join(', ')})`,
      })
      .option('seeds', {
        type: 'string',
        describe: "how many seeds, from the scenario's own up (default 1)",
      })
      .option('json', { type: 'boolean', default: false, describe: 'one JSON object' })
      .example('$0 compare scenarios/demo.yaml', 'jsr, redundant-tcp, gr and none on the demo')
      .example(
        '$0 compare scenarios/library/compare/compare-master-crash.yaml --seeds 5 --json',
        'five seeds, as JSON',
      ),
  handler: (a) => {
    try {
      process.exitCode = cmdCompare(a);
    } catch (e) {
      if (e instanceof ScenarioError) {
        for (const i of e.issues) err(`${formatIssue(i)}\n`);
      } else if (e instanceof UsageError) {
        err(`nsrsim: ${e.message}\nRun "nsrsim compare --help" for usage.\n`);
      } else throw e;
      process.exitCode = 2;
    }
  },
};
