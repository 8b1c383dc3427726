// Human-readable output of the CLI: run summaries, validation results and `list`.
// Colour only on a terminal and never with NO_COLOR (https://no-color.org); pipes get
// plain text. Times print with units (sim/time.ts), counts with thousands separators.
import { formatBgp, formatRoutes } from './format-bgp.ts';
import { formatDuration } from '../../sim/index.ts';
import type { SessionStats } from '../../model/app/session.ts';
import type { Outcome } from '../../model/outcome.ts';
import type { FaultKindInfo } from '../load/catalog.ts';
import type { Expectation } from '../load/load.ts';
import type { RunReport, ViolationReport } from '../run.ts';
import type { ExportResult } from './report.ts';

export interface Style {
  ok(s: string): string;
  bad(s: string): string;
  bold(s: string): string;
  dim(s: string): string;
}

const plain: Style = { ok: (s) => s, bad: (s) => s, bold: (s) => s, dim: (s) => s };
const sgr = (code: string) => (s: string) => `\x1b[${code}m${s}\x1b[0m`;
const ansi: Style = { ok: sgr('32'), bad: sgr('31'), bold: sgr('1'), dim: sgr('2') };

/** Colour for a stream: only a TTY, and only when NO_COLOR is unset or empty. */
export function styleFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): Style {
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  return stream.isTTY === true && !noColor ? ansi : plain;
}

/** Violations printed per scenario; the rest are counted (all of them are in --json). */
export const VIOLATIONS_SHOWN_MAX = 10;
/** Session lines printed per scenario; totals always print. */
export const SESSIONS_SHOWN_MAX = 12;

export function count(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatExpect(e: Expectation): string {
  return e === 'pass' ? 'pass' : `{ fail: [${e.fail.join(', ')}] }`;
}

export function formatSummary(
  r: RunReport,
  st: Style,
  exports?: Pick<ExportResult, 'written' | 'timing'>,
): string {
  const verdict = r.verdict === 'pass' ? st.ok('PASS') : st.bad('FAIL');
  const match = r.matches
    ? st.ok(`as expected (expect: ${formatExpect(r.expected)})`)
    : st.bad(`NOT as expected (expect: ${formatExpect(r.expected)})`);
  const lines = [
    `${st.bold(r.scenario)}  ${st.dim(`${r.file}, seed ${r.seed}`)}`,
    `  verdict    ${verdict}, ${match}`,
  ];
  lines.push(...formatViolations(r.violations, st));
  const s = r.stats;
  lines.push(
    `  run        ${count(s.events)} events, ${formatDuration(s.simulatedNs)} simulated (stopped: ${s.stopReason}), ${s.wallMs.toFixed(0)} ms wall, ${count(s.eventsPerSec)} events/s`,
    `  trace      ${count(s.traceRecords)} records, hash ${r.traceHash}`,
  );
  if (s.pcapPackets !== undefined) lines.push(`  pcap       ${count(s.pcapPackets)} packets`);
  // A run of MSDP peers only has no stream session to sum up.
  if (s.sessions.length > 0 || s.msdp === undefined) lines.push(...formatSessions(s.sessions));
  lines.push(...formatOutcome(r.outcome));
  if (r.outcome.routes !== undefined) lines.push(formatRoutes(r.outcome.routes));
  if (s.msdp !== undefined) lines.push(...formatMsdp(s.msdp));
  if (s.bgp !== undefined) lines.push(...formatBgp(s.bgp, SESSIONS_SHOWN_MAX));
  if (exports !== undefined) lines.push(...formatExports(exports));
  return `${lines.join('\n')}\n`;
}

/** Where the report and the exports were written (issue 13), and what they took. */
export function formatExports(e: Pick<ExportResult, 'written' | 'timing'>): string[] {
  const mb = (n: number): string => `${(n / 1e6).toFixed(2)} MB`;
  const out = e.written.map((w) => `  ${w.kind.padEnd(10)} ${w.path}  ${mb(w.bytes)}, ${w.note}`);
  const t = e.timing;
  if (t !== undefined && e.written.length > 0) {
    const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
    const again =
      t.rerunMs > 0 ? ` + a second run ${s(t.rerunMs)} (the first violation came late)` : '';
    out.push(
      `  written in ${s(t.totalMs)}: run ${s(t.runMs)}${again}, report data ${s(t.modelMs)}, files ${s(e.written.reduce((n, w) => n + w.ms, 0))}`,
    );
  }
  return out;
}

function formatViolations(vs: readonly ViolationReport[], st: Style): string[] {
  if (vs.length === 0) return ['  violations none'];
  const out = [`  violations ${vs.length}`];
  for (const v of vs.slice(0, VIOLATIONS_SHOWN_MAX)) {
    out.push(
      `    ${st.bad(v.check)} at ${formatDuration(v.timeNs)}${v.recordId >= 0 ? ` (record ${v.recordId})` : ''}: ${v.message}`,
    );
    if (v.evidence !== undefined) out.push(`      evidence ${JSON.stringify(v.evidence)}`);
  }
  if (vs.length > VIOLATIONS_SHOWN_MAX)
    out.push(`    … ${vs.length - VIOLATIONS_SHOWN_MAX} more (all of them with --json)`);
  return out;
}

/** The router's MSDP (D-7 "show msdp socket"): a line per peer, then F-5's refusals. */
function formatMsdp(m: NonNullable<RunReport['stats']['msdp']>): string[] {
  const h = (x: number | undefined): string => (x === undefined ? '-' : String(x));
  const c = (x: number | undefined): string => (x === undefined ? '-' : count(x));
  const lines = [
    `  msdp       ${m.peers.length} peers, master re${m.master}; SA cache re0 ${c(m.saCache[0])}, re1 ${c(m.saCache[1])}; ${count(m.originated)} own SAs`,
  ];
  for (const p of m.peers.slice(0, SESSIONS_SHOWN_MAX))
    lines.push(
      `    ${p.peer} ${p.address}  ${p.state}, socket handle re0 ${h(p.handles[0])} / re1 ${h(p.handles[1])}; SAs sent ${count(p.saSent)}, received ${count(p.saReceived)}; resets ${p.resets}`,
    );
  if (m.peers.length > SESSIONS_SHOWN_MAX)
    lines.push(`    … ${m.peers.length - SESSIONS_SHOWN_MAX} more peers (all of them with --json)`);
  for (const r of m.refusals)
    lines.push(`  refused    at ${formatDuration(r.timeNs)}: ${r.message}`);
  return lines;
}

function bytesPair(x: SessionStats | undefined): string {
  return x === undefined
    ? 'gone'
    : `wrote ${count(x.bytesWritten)} B, read ${count(x.bytesRead)} B${x.closed !== undefined ? `, closed (${x.closed})` : ''}`;
}

/** SPEC O-1: what the peer saw (model/outcome.ts defines each figure). */
export function formatOutcome(o: Outcome): string[] {
  const rec =
    o.recoveryMs === null ? 'n/a (no fault, or the stall never ended)' : `${o.recoveryMs} ms`;
  return [
    `  peer saw   ${o.sessionResets} session resets, ${o.holdExpiries} hold expiries, longest stall ${o.peerStallMsMax} ms, ${o.peerRetransmissions} retransmissions, ${o.peerRtoBackoffs} RTO backoffs`,
    `             app bytes lost ${count(o.appBytesLost)}, records duplicated ${o.appBytesDuplicated}; recovery ${rec}`,
  ];
}

function formatSessions(sessions: RunReport['stats']['sessions']): string[] {
  const sum = (f: (x: SessionStats) => number, side: 'peer' | 'router'): number =>
    sessions.reduce((a, s) => a + (s[side] === undefined ? 0 : f(s[side])), 0);
  const out = [
    `  sessions   ${sessions.length}: peers wrote ${count(sum((x) => x.bytesWritten, 'peer'))} B and read ${count(sum((x) => x.bytesRead, 'peer'))} B; router wrote ${count(sum((x) => x.bytesWritten, 'router'))} B and read ${count(sum((x) => x.bytesRead, 'router'))} B`,
  ];
  for (const s of sessions.slice(0, SESSIONS_SHOWN_MAX))
    out.push(`    ${s.session}  peer ${bytesPair(s.peer)}; router ${bytesPair(s.router)}`);
  if (sessions.length > SESSIONS_SHOWN_MAX)
    out.push(
      `    … ${sessions.length - SESSIONS_SHOWN_MAX} more sessions (all of them with --json)`,
    );
  return out;
}

export interface ListData {
  designs: ReadonlyArray<{ id: string; description: string }>;
  options: ReadonlyArray<{
    name: string;
    spec: string;
    values: readonly string[];
    default: unknown;
  }>;
  mutants: ReadonlyArray<{ name: string; description: string }>;
  faults: readonly FaultKindInfo[];
  checkers: ReadonlyArray<{ id: string; spec: readonly string[]; description: string }>;
}

/** An option's allowed values with its default marked ("two (default), one, balanced"). */
export function formatOptionValues(o: ListData['options'][number]): string {
  const dflt = Array.isArray(o.default) ? `[${o.default.join(', ')}]` : String(o.default);
  const marked = o.values.includes(dflt);
  const values = o.values.map((v) => (v === dflt ? `${v} (default)` : v)).join(', ');
  return marked ? values : `${values}; default ${dflt}`;
}

export function formatList(d: ListData, st: Style): string {
  const lines = [st.bold('designs (router.design)')];
  for (const x of d.designs) lines.push(`  ${x.id}  ${x.description}`);
  lines.push(st.bold('design options (router.options, need nsr: true)'));
  const ow = Math.max(...d.options.map((o) => o.name.length));
  const sw = Math.max(...d.options.map((o) => o.spec.length));
  for (const o of d.options)
    lines.push(`  ${o.name.padEnd(ow)}  ${o.spec.padEnd(sw)}  ${formatOptionValues(o)}`);
  lines.push(st.bold('mutants (router.mutant, need nsr: true)'));
  if (d.mutants.length === 0) lines.push('  (none)');
  const mw = Math.max(0, ...d.mutants.map((x) => x.name.length));
  for (const x of d.mutants) lines.push(`  ${x.name.padEnd(mw)}  ${x.description}`);
  lines.push(st.bold('fault kinds'));
  const w = Math.max(...d.faults.map((f) => f.kind.length));
  for (const f of d.faults) {
    const params = f.params.map((p) => (p.required ? p.key : `${p.key}?`)).join(', ');
    const tag =
      f.status === 'pending'
        ? st.dim(' (not supported yet)')
        : f.nsrOnly
          ? st.dim(' (needs nsr: true)')
          : '';
    lines.push(
      `  ${f.kind.padEnd(w)}  ${f.spec.join(' ').padEnd(14)} ${f.description}${params !== '' ? ` [${params}]` : ''}${tag}`,
    );
  }
  lines.push(st.bold('checkers'));
  for (const c of d.checkers) lines.push(`  ${c.id}  ${c.spec.join(' ')}  ${c.description}`);
  return `${lines.join('\n')}\n`;
}
