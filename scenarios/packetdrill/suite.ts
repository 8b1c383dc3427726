// Runs packetdrill scripts (files, or every .pkt under a folder) and summarizes: one
// result per script (pass / fail with the first mismatch / unsupported with the reason /
// error for a script that does not parse), and a table by folder with the reasons for
// unsupported grouped. The only file of scenarios/packetdrill that touches the disk.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { formatPos, PacketdrillError, ScriptFailure, Unsupported } from './errors.ts';
import { Interpreter, type RunConfig } from './interpreter.ts';
import { MachineBoundError } from './machine.ts';
import { parseScript } from './parser.ts';

export type Verdict = 'pass' | 'fail' | 'unsupported' | 'error';

export interface ScriptResult {
  file: string;
  verdict: Verdict;
  /** unsupported: the grouped reason; fail/error: the message. */
  reason?: string;
  /** file:line:col of the first mismatch or of what is unsupported. */
  at?: string;
  /** unsupported: what exactly (the sysctl, the option...). */
  detail?: string;
  expected?: string;
  actual?: string;
}

/** Every .pkt file under the given files and folders, sorted, each once. */
export function collectScripts(paths: readonly string[]): string[] {
  const out = new Set<string>();
  const walk = (p: string): void => {
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const e of readdirSync(p).sort()) walk(join(p, e));
    } else if (p.endsWith('.pkt') || paths.includes(p)) out.add(p);
  };
  for (const p of paths) walk(p);
  return [...out].sort();
}

export function runScriptText(text: string, file: string, cfg: RunConfig = {}): ScriptResult {
  try {
    new Interpreter(parseScript(text, file), cfg).run();
    return { file, verdict: 'pass' };
  } catch (e) {
    if (e instanceof Unsupported) {
      const at = formatPos(e.pos);
      return { file, verdict: 'unsupported', reason: e.reason, at, detail: e.detail };
    }
    if (e instanceof ScriptFailure) {
      const at = formatPos(e.pos);
      return {
        file,
        verdict: 'fail',
        reason: e.message,
        at,
        expected: e.expected,
        actual: e.actual,
      };
    }
    if (e instanceof PacketdrillError) return { file, verdict: 'error', reason: e.message };
    if (e instanceof MachineBoundError)
      return { file, verdict: 'fail', reason: `${file}: ${e.message}` };
    throw e;
  }
}

export function runScriptFile(file: string, cfg: RunConfig = {}): ScriptResult {
  return runScriptText(readFileSync(file, 'utf8'), file, cfg);
}

export interface FolderRow {
  folder: string;
  scripts: number;
  passed: number;
  failed: number;
  unsupported: number;
}

/** Counts per folder (relative to root), in folder order. */
export function tableByFolder(results: readonly ScriptResult[], root: string): FolderRow[] {
  const rows = new Map<string, FolderRow>();
  for (const r of results) {
    const rel = relative(root, r.file);
    const top = rel.split('/')[0] ?? rel;
    const folder = rel.startsWith('..') ? dirname(r.file) : top === rel ? dirname(rel) : top;
    const row = rows.get(folder) ?? { folder, scripts: 0, passed: 0, failed: 0, unsupported: 0 };
    row.scripts++;
    if (r.verdict === 'pass') row.passed++;
    else if (r.verdict === 'unsupported') row.unsupported++;
    else row.failed++;
    rows.set(folder, row);
  }
  return [...rows.values()].sort((a, b) =>
    a.folder < b.folder ? -1 : a.folder > b.folder ? 1 : 0,
  );
}

/** Unsupported reasons with their counts, most frequent first (ties by name). */
export function unsupportedReasons(
  results: readonly ScriptResult[],
): { reason: string; count: number }[] {
  const m = new Map<string, number>();
  for (const r of results)
    if (r.verdict === 'unsupported') m.set(r.reason ?? '?', (m.get(r.reason ?? '?') ?? 0) + 1);
  return [...m.entries()]
    .map(([reason, count]) => ({ reason, count }))
    .sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1));
}
