// Proves the trace-vocabulary lint rules fire: the model may not emit a trace kind written as a
// string, and checkers and reports may not compare kinds or actors with strings or match actor
// names by their text (suffix, prefix, regular expression); the same code with constants passes.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });

async function ruleIds(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => String(m.ruleId));
}

const bad: Array<[string, string]> = [
  ['model/nsr/probe.ts', "ctx.trace('prl.l4', {});"],
  ['model/nsr/probe.ts', 'ctx.trace(`${client}.send-failed`, {});'],
  ['model/probe.ts', "sim.traceFrom(name, 'check.violation', {});"],
  ['model/tcp/probe.ts', "tp.trace('rto', {});"],
  ['model/checks/probe.ts', "if (rec.kind === 'prl.l4') f();"],
  ['model/checks/probe.ts', "if (rec.actor !== 'pfe') f();"],
  ['model/checks/probe.ts', "switch (rec.kind) { case 'pfe.tx': f(); }"],
  ['model/checks/probe.ts', "if (rec.actor.endsWith('/prl')) f();"],
  ['model/checks/probe.ts', 'if (/^re[01]$/.test(rec.actor)) f();'],
  ['reports/probe.ts', "if (rec.actor.startsWith('peer:')) f();"],
  ['reports/probe.ts', "const who = rec.actor.split('/');"],
];
const good: Array<[string, string]> = [
  ['model/nsr/probe.ts', 'ctx.trace(K.prl.l4, {});'],
  ['model/checks/probe.ts', 'if (rec.kind === K.prl.l4 && isReActor(rec.actor, "prl")) f();'],
  ['model/checks/probe.ts', 'switch (rec.kind) { case K.pfe.tx: f(); }'],
  ['reports/probe.ts', 'const who = actorInfo(rec.actor);'],
];

describe('trace vocabulary lint (GUIDE §5)', () => {
  for (const [file, code] of bad) {
    it(`rejects in ${file}: ${code}`, async () => {
      expect(await ruleIds(`${code}\n`, file)).toContain('no-restricted-syntax');
    });
  }
  for (const [file, code] of good) {
    it(`allows in ${file}: ${code}`, async () => {
      expect(await ruleIds(`${code}\n`, file)).toEqual([]);
    });
  }
});
