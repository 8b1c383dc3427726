// `nsrsim packetdrill <script.pkt|dir>… [--json] [--tolerance_usecs N] [--verbose]`: runs
// packetdrill scripts against the model TCP (SPEC T-1, scenarios/packetdrill/). Prints
// one line per script (or one JSON object per script, then a summary object), the table
// by folder and the reasons for unsupported grouped. Exit 0 when every script passed,
// 1 otherwise, 2 for a path that does not exist, a bad flag or a script that does not
// parse (reported as file:line:col).
import { existsSync } from 'node:fs';
import type { Arguments, Argv } from 'yargs';
import { UsageError } from '../load/errors.ts';
import {
  collectScripts,
  runScriptFile,
  tableByFolder,
  unsupportedReasons,
  type ScriptResult,
} from '../packetdrill/suite.ts';
import type { CliCommand } from './main.ts';

const out = (s: string): void => void process.stdout.write(s);
const err = (s: string): void => void process.stderr.write(s);

function toleranceFlag(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new UsageError(`--tolerance_usecs must be an integer >= 0, got "${String(v)}"`);
  return n;
}

/** The common root of the given paths (for the table's folder names). */
function rootOf(paths: readonly string[]): string {
  const first = paths[0] ?? '.';
  return paths.length === 1 && !first.endsWith('.pkt') ? first : '.';
}

function line(r: ScriptResult): string {
  const tag = r.verdict.toUpperCase().padEnd(11);
  if (r.verdict === 'pass') return `${tag} ${r.file}\n`;
  if (r.verdict === 'unsupported')
    return `${tag} ${r.at ?? r.file}: ${r.reason ?? ''}${r.detail ? ` (${r.detail})` : ''}\n`;
  if (r.verdict === 'error') return `${tag} ${r.reason ?? r.file}\n`;
  return `${tag} ${r.reason ?? r.file}\n            expected: ${r.expected ?? ''}\n            actual:   ${r.actual ?? ''}\n`;
}

export function cmdPacketdrill(a: Arguments): number {
  const paths = ((a.scripts as unknown[] | undefined) ?? []).map(String);
  if (paths.length === 0) throw new UsageError('give at least one .pkt script or folder');
  for (const p of paths) if (!existsSync(p)) throw new UsageError(`no such file or folder: ${p}`);
  const toleranceUs = toleranceFlag(a.tolerance_usecs);
  const json = a.json === true;
  const verbose = a.verbose === true;
  const results: ScriptResult[] = [];
  for (const f of collectScripts(paths)) {
    const log = verbose && !json ? (l: string): void => out(`    ${l}\n`) : undefined;
    const r = runScriptFile(f, { toleranceUs, log });
    results.push(r);
    out(json ? `${JSON.stringify(r)}\n` : line(r));
  }
  const table = tableByFolder(results, rootOf(paths));
  const reasons = unsupportedReasons(results);
  const bad = results.filter((r) => r.verdict === 'error');
  const passed = results.filter((r) => r.verdict === 'pass').length;
  if (json)
    out(
      `${JSON.stringify({ summary: { scripts: results.length, passed, table, unsupported: reasons } })}\n`,
    );
  else out(formatSummary(table, reasons, results.length, passed));
  if (bad.length > 0) {
    for (const b of bad) err(`nsrsim: ${b.reason ?? b.file}\n`);
    return 2;
  }
  return passed === results.length ? 0 : 1;
}

export function formatSummary(
  table: ReturnType<typeof tableByFolder>,
  reasons: ReturnType<typeof unsupportedReasons>,
  scripts: number,
  passed: number,
): string {
  const rows = table.map(
    (r) => `| ${r.folder} | ${r.scripts} | ${r.passed} | ${r.failed} | ${r.unsupported} |`,
  );
  const why = reasons.map((r) => `  ${String(r.count).padStart(4)}  ${r.reason}`);
  return [
    '',
    '| folder | scripts | passed | failed | unsupported |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    `${passed} of ${scripts} scripts passed`,
    ...(why.length > 0 ? ['unsupported, by reason:', ...why] : []),
    '',
  ].join('\n');
}

export const packetdrillCommand: CliCommand = {
  command: 'packetdrill <scripts..>',
  describe:
    'run packetdrill scripts (files or folders) against the model TCP with the FreeBSD profile (exit 0 when every script passed)',
  builder: (y: Argv) =>
    y
      .positional('scripts', { type: 'string', array: true, describe: '.pkt files or folders' })
      .option('json', {
        type: 'boolean',
        default: false,
        describe: 'one JSON object per script, then a summary',
      })
      .option('tolerance_usecs', {
        type: 'string',
        requiresArg: true,
        describe: "timing tolerance in microseconds (overrides each script's --tolerance_usecs)",
      })
      .option('verbose', {
        type: 'boolean',
        default: false,
        describe: 'print every event and every packet sent',
      })
      .example('$0 packetdrill ../shared/tcp-testsuite --json', 'the FreeBSD suite, JSON lines'),
  handler: (a) => {
    try {
      process.exitCode = cmdPacketdrill(a);
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      err(`nsrsim: ${e.message}\nRun "nsrsim packetdrill --help" for usage.\n`);
      process.exitCode = 2;
    }
  },
};
