// A Mermaid sequenceDiagram of a time window (SPEC V-4), to paste into a design document:
// one participant per lane that sends or receives in the window (in the report's lane
// order), one message per arrow in send order (-x when lost or dropped, -) when a link
// holds it; a lane's messages to itself, KKCM wake-ups, are left out), notes for the
// faults and violations in the window. Every message and note
// names its trace record id, written #35;id (Mermaid's entity for "#"), so the document
// and the timeline report point at the same records. The diagram is capped at
// MERMAID_MESSAGES_MAX messages; a note says how many were left out.
import type { PageData } from './timeline/model.ts';

export const MERMAID_MESSAGES_MAX = 120;

/** Mermaid text must not carry its own syntax: keep letters, digits and a few signs. */
export function mermaidText(s: string): string {
  return s
    .replace(/[^A-Za-z0-9 _./()=+-]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const secs = (ns: number): string => `${(ns / 1e9).toFixed(6)}s`;

export interface MermaidWindow {
  readonly fromNs: number;
  readonly toNs: number;
}

/** The record a default diagram starts near: the window's anchor, else its first violation or fault. */
function anchorOf(d: PageData): number {
  if (d.window.anchorId >= 0) return d.window.anchorId;
  const inWindow = (id: number): boolean => id >= d.window.firstId && id <= d.window.lastId;
  const v = d.violations.find((x) => inWindow(x.recordId));
  if (v !== undefined) return v.recordId;
  return d.bands.find((b) => inWindow(b.id))?.id ?? d.window.firstId;
}

/** The arrows to draw: those sent in the window, or from the report's anchor on. */
function pick(
  d: PageData,
  w: MermaidWindow | undefined,
  cap: number,
): { ks: number[]; total: number } {
  const a = d.arrows;
  // A lane's messages to itself (KKCM wake-ups) say little in a design document.
  let ks = a.send.map((_, k) => k).filter((k) => a.from[k] !== a.to[k]);
  if (w !== undefined)
    ks = ks.filter((k) => (a.t0[k] as number) >= w.fromNs && (a.t0[k] as number) <= w.toNs);
  else {
    // Around the anchor (first violation or fault): a quarter before it, the rest after.
    const anchor = anchorOf(d);
    const at = ks.findIndex((k) => (a.send[k] as number) >= anchor);
    const start = Math.max(0, (at < 0 ? ks.length : at) - Math.floor(cap / 4));
    ks = ks.slice(start);
  }
  return { ks: ks.slice(0, cap), total: ks.length };
}

function participantName(d: PageData, lane: number): string {
  const l = d.lanes[lane];
  if (l === undefined) return 'unknown';
  return mermaidText(
    l.group === l.label || l.filter === 'links' ? l.label : `${l.group} ${l.label}`,
  );
}

/** The sequenceDiagram text (no Markdown fence). */
export function mermaidDiagram(d: PageData, w?: MermaidWindow, cap = MERMAID_MESSAGES_MAX): string {
  const a = d.arrows;
  const { ks, total } = pick(d, w, cap);
  const lanes = [...new Set(ks.flatMap((k) => [a.from[k] as number, a.to[k] as number]))].sort(
    (x, y) => x - y,
  );
  const pid = (lane: number): string => `L${lane}`;
  const lines = ['sequenceDiagram'];
  for (const l of lanes) lines.push(`  participant ${pid(l)} as ${participantName(d, l)}`);
  const t0 = ks.length > 0 ? (a.t0[ks[0] as number] as number) : (w?.fromNs ?? 0);
  const t1 = ks.length > 0 ? (a.t0[ks[ks.length - 1] as number] as number) : (w?.toNs ?? 0);
  const span =
    lanes.length > 1
      ? `${pid(lanes[0] as number)},${pid(lanes[lanes.length - 1] as number)}`
      : pid(lanes[0] ?? 0);
  if (lanes.length === 0) {
    lines.push('  participant none as no messages in this window');
    return `${lines.join('\n')}\n`;
  }
  const notes = noteLines(d, t0, t1, span);
  let n = 0;
  for (const k of ks) {
    // In trace order: a note comes before the first message sent after its record.
    while (n < notes.length && (notes[n] as { id: number }).id < (a.send[k] as number))
      lines.push((notes[n++] as { line: string }).line);
    lines.push(messageLine(d, k, pid));
  }
  while (n < notes.length) lines.push((notes[n++] as { line: string }).line);
  if (total > ks.length)
    lines.push(
      `  Note over ${span}: capped at ${cap} messages, ${total - ks.length} more not shown (narrow the window with --window)`,
    );
  return `${lines.join('\n')}\n`;
}

function messageLine(d: PageData, k: number, pid: (lane: number) => string): string {
  const a = d.arrows;
  const fate = d.fates[a.fate[k] as number];
  const arrow = fate === 'delivered' ? '->>' : fate === 'held' ? '-)' : '-x';
  const type = mermaidText(d.types[a.type[k] as number] ?? 'message');
  const via = (a.via[k] as number) >= 0 ? ` via #35;${a.via[k]}` : '';
  const what = fate === 'delivered' ? '' : ` ${fate}`;
  return `  ${pid(a.from[k] as number)}${arrow}${pid(a.to[k] as number)}: #35;${a.send[k]} ${type}${what} at ${secs(a.t0[k] as number)}${via}`;
}

function noteLines(
  d: PageData,
  t0: number,
  t1: number,
  span: string,
): Array<{ id: number; line: string }> {
  const out: Array<{ id: number; line: string }> = [];
  for (const b of d.bands)
    if (b.t0 >= t0 && b.t0 <= t1)
      out.push({
        id: b.id,
        line: `  Note over ${span}: #35;${b.id} fault ${mermaidText(b.label)} at ${secs(b.t0)}`,
      });
  for (const v of d.violations)
    if (v.timeNs >= t0 && v.timeNs <= t1 && v.recordId >= 0)
      out.push({
        id: v.recordId,
        line: `  Note over ${span}: #35;${v.recordId} VIOLATION ${mermaidText(v.check)} at ${secs(v.timeNs)}`,
      });
  return out.sort((x, y) => x.id - y.id);
}

/** The Markdown file: a heading, what the window is, and the fenced diagram. */
export function mermaidMarkdown(
  d: PageData,
  w?: MermaidWindow,
  cap = MERMAID_MESSAGES_MAX,
): string {
  const m = d.meta;
  const which =
    w === undefined ? 'around the report anchor' : `sent from ${secs(w.fromNs)} to ${secs(w.toNs)}`;
  return [
    `# ${mermaidText(m.scenario)}: sequence of messages ${which}`,
    '',
    `nsrsim ${mermaidText(m.version)}, seed ${m.seed}, trace hash ${m.traceHash}. Message labels are trace record ids (the send, and the link's forward via).`,
    '',
    '```mermaid',
    mermaidDiagram(d, w, cap).trimEnd(),
    '```',
    '',
  ].join('\n');
}
