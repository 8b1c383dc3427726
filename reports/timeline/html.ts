// The report file (SPEC V-1, V-5): one self-contained HTML page, its script and style
// inline, its data in a <script type="application/json"> block, and a
// Content-Security-Policy that lets run only that script and that style (by their
// SHA-256) and forbids every network request. Every string that comes from a scenario
// (name, description, file, peer names) is escaped here, and the page's script puts
// data into the page with textContent only. The output depends on the data alone (no
// clock, no random id, keys in a fixed order), so identical runs give identical bytes.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { formatDuration, toHex } from '../../sim/index.ts';
import type { PageData, ReportMeta } from './model.ts';

const PAGE_JS = readFileSync(new URL('./page.js', import.meta.url), 'utf8');
const PAGE_CSS = readFileSync(new URL('./page.css', import.meta.url), 'utf8');

const sha256b64 = (text: string): string => createHash('sha256').update(text).digest('base64');

/** The page's Content-Security-Policy: its own script and style, nothing else, no network. */
export function contentSecurityPolicy(): string {
  return [
    "default-src 'none'",
    `script-src 'sha256-${sha256b64(PAGE_JS)}'`,
    `style-src 'sha256-${sha256b64(PAGE_CSS)}'`,
    "img-src 'none'",
    "connect-src 'none'",
    "font-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML content and attribute values (SPEC V-5). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/**
 * JSON safe inside a <script> element: no "<", ">" or "&" can end the element or open a
 * comment, and U+2028/U+2029 are escaped too. Uint8Array fields become hex, as in the trace.
 */
export function scriptJson(data: unknown): string {
  const json = JSON.stringify(data, (_k, v: unknown) => (v instanceof Uint8Array ? toHex(v) : v));
  return json.replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

const count = (n: number): string => n.toLocaleString('en-US');
const seconds = (ns: number): string => `${(ns / 1e9).toFixed(6)} s`;

function fact(name: string, valueHtml: string): string {
  return `<dt>${escapeHtml(name)}</dt><dd>${valueHtml}</dd>`;
}

function optionsHtml(m: ReportMeta): string {
  if (!m.nsr) return 'NSR off';
  const changed = m.options.filter((o) => o.changed);
  const shown =
    changed.length === 0
      ? 'all defaults'
      : changed
          .map((o) => `<span class="changed">${escapeHtml(`${o.name}: ${o.value}`)}</span>`)
          .join(', ');
  const all = m.options
    .map(
      (o) =>
        `${o.changed ? '<span class="changed">' : '<span>'}${escapeHtml(`${o.name}: ${o.value}`)}</span>`,
    )
    .join(', ');
  return `${shown} <details class="more"><summary>every option</summary>${all}</details>`;
}

function factsHtml(d: PageData): string {
  const m = d.meta;
  const verdict = `<span class="verdict-${m.verdict}">${m.verdict.toUpperCase()}</span>, ${m.matches ? 'as expected' : '<strong>NOT as expected</strong>'} (expect: ${escapeHtml(m.expect)})`;
  return [
    '<dl class="facts">',
    fact('file', escapeHtml(m.file)),
    fact('seed', String(m.seed)),
    fact('nsrsim', escapeHtml(m.version)),
    fact('design', `${escapeHtml(m.design)}${m.nsr ? ', NSR on' : ', NSR off'}`),
    fact('mutant', m.mutant === undefined ? 'none' : `<strong>${escapeHtml(m.mutant)}</strong>`),
    fact('options', optionsHtml(m)),
    fact('faults', m.faults.length === 0 ? 'none' : m.faults.map(escapeHtml).join('; ')),
    fact('checks', escapeHtml(m.checks)),
    fact('verdict', verdict),
    fact('trace hash', `<code>${escapeHtml(m.traceHash)}</code>`),
    fact('simulated', escapeHtml(formatDuration(m.durationNs))),
    fact('events, records', `${count(m.events)}, ${count(d.window.total)}`),
    '</dl>',
  ].join('');
}

function outcomesHtml(d: PageData): string {
  const rows = d.outcomes
    .map(
      (o) =>
        `<tr title="${escapeHtml(o.note)}"><td>${escapeHtml(o.label)}</td><td${o.value === 0 ? ' class="zero"' : ''}>${count(o.value)}</td></tr>`,
    )
    .join('');
  const opt = (n: number | undefined): string => (n === undefined ? '—' : count(n));
  // Negative when the router's side is a new application (a new master's, without NSR).
  const diff = (a: number | undefined, b: number | undefined): string =>
    a === undefined || b === undefined ? '—' : a >= b ? count(a - b) : 'n/a';
  const sess = d.meta.sessions
    .map(
      (s) =>
        `<tr><td>${escapeHtml(s.session)}</td><td>${count(s.peerWrote)}</td><td>${opt(s.routerRead)}</td><td>${diff(s.peerWrote, s.routerRead)}</td><td>${opt(s.routerWrote)}</td><td>${count(s.peerRead)}</td><td>${diff(s.routerWrote, s.peerRead)}</td><td>${escapeHtml(s.closed ?? '')}</td></tr>`,
    )
    .join('');
  return [
    '<details class="more" open><summary>failover outcome, whole run</summary>',
    `<table class="figures"><tr><th>figure</th><th>count</th></tr>${rows}</table>`,
    '<table class="figures"><tr><th>session</th><th>peer wrote</th><th>router read</th><th>in flight or lost</th><th>router wrote</th><th>peer read</th><th>in flight or lost</th><th>closed</th></tr>',
    `${sess}</table></details>`,
  ].join('');
}

/** What the window is and what it leaves out (SPEC V-1: the banner). */
export function bannerText(d: PageData): string {
  const w = d.window;
  const n = w.lastId >= w.firstId && w.firstId >= 0 ? w.lastId - w.firstId + 1 : 0;
  if (w.anchor === 'whole run')
    return `The whole run: all ${count(w.total)} records, ${seconds(w.fromNs)} to ${seconds(w.toNs)}.`;
  const around: Record<string, string> = {
    'first violation': `the window around the first violation (record #${w.anchorId})`,
    'first fault': `the window around the first fault (record #${w.anchorId})`,
    start: 'the start of the run (no fault and no violation to centre on)',
    asked: 'the time window asked for with --window',
  };
  if (n === 0)
    return `This report keeps no records: ${around[w.anchor] ?? w.anchor} (${seconds(w.fromNs)} to ${seconds(w.toNs)}) holds none of the run's ${count(w.total)}. Pick another window with --window A..B.`;
  const kept = `This report keeps records #${w.firstId} to #${w.lastId} (${count(n)} of ${count(w.total)}), ${seconds(w.fromNs)} to ${seconds(w.toNs)}: ${around[w.anchor] ?? w.anchor}.`;
  const left = ` Left out: ${count(w.omittedBefore)} records before and ${count(w.omittedAfter)} after.`;
  const trunc = w.truncated
    ? ' The asked window held more records than a report keeps; it ends early.'
    : '';
  const capped = w.stateCapped ? ' (State records were capped; strips may end early.)' : '';
  return `${kept}${left}${trunc} Pick another window with --window A..B (e.g. --window 1.9s..2.3s).${capped}`;
}

const TOOLBAR = [
  '<div id="toolbar">',
  '<fieldset><button type="button" id="zoom-in" title="zoom in (+)">zoom +</button>',
  '<button type="button" id="zoom-out" title="zoom out (-)">zoom −</button>',
  '<button type="button" id="zoom-fit" title="the whole window (0)">fit</button></fieldset>',
  '<fieldset><label><input type="radio" name="axis" id="axis-time" checked> linear time</label>',
  '<label><input type="radio" name="axis" id="axis-step"> event steps</label></fieldset>',
  '<label>session <select id="session"><option value="-1">all sessions</option></select></label>',
  '<fieldset id="filters"></fieldset>',
  '<fieldset><input type="search" id="search" placeholder="search kind, actor, fields, #id" aria-label="search records">',
  '<button type="button" id="search-prev">◀</button><button type="button" id="search-next">▶</button>',
  '<span id="status"></span></fieldset>',
  '</div>',
].join('');

/** The whole report page. */
export function renderHtml(d: PageData): string {
  const m = d.meta;
  const whole = d.window.anchor === 'whole run';
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(contentSecurityPolicy())}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>nsrsim · ${escapeHtml(m.scenario)}</title>`,
    `<style>${PAGE_CSS}</style>`,
    '</head><body>',
    `<header id="head"><h1>nsrsim timeline · ${escapeHtml(m.scenario)}</h1>`,
    `<p class="desc" id="description">${escapeHtml(m.description)}</p>`,
    factsHtml(d),
    outcomesHtml(d),
    '</header>',
    `<p id="banner" class="${whole ? 'whole' : 'window'}">${escapeHtml(bannerText(d))}</p>`,
    '<main><aside id="side">',
    '<section><h2>Violations (<span id="violation-count">0</span>)</h2><ol id="violations"></ol></section>',
    '<section><h2>Record</h2><div id="detail"></div></section>',
    '</aside><section id="view">',
    TOOLBAR,
    '<div><canvas id="overview-canvas"></canvas></div>',
    '<div><canvas id="diagram"></canvas></div>',
    '<div id="legend"></div>',
    '<h2 class="counters-title">counters per session</h2>',
    '<div><canvas id="counters"></canvas></div>',
    ...(d.missing.length === 0
      ? []
      : [`<p id="missing">${d.missing.map(escapeHtml).join('<br>')}</p>`]),
    '<p id="help">wheel: zoom · shift+wheel or drag: pan · click: details · +/−/0 and ←/→ on the keyboard</p>',
    '</section></main><div id="tip"></div>',
    `<script type="application/json" id="report-data">${scriptJson(d)}</script>`,
    `<script>${PAGE_JS}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}
