// Proves the lint rule set rejects real time, real randomness, timers and async in
// sim/ and model/, and leaves the same code alone elsewhere.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });

async function ruleIds(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => `${m.ruleId}:${m.line}`);
}

describe('determinism lint (GUIDE §3)', () => {
  const hazards: Array<[string, string]> = [
    ['Math.random()', 'no-restricted-properties'],
    ['Date.now()', 'no-restricted-properties'],
    ['new Date()', 'no-restricted-syntax'],
    ['performance.now()', 'no-restricted-properties'],
    ['setTimeout(() => 1, 5)', 'no-restricted-globals'],
    ['queueMicrotask(() => 1)', 'no-restricted-globals'],
    ['process.nextTick(() => 1)', 'no-restricted-properties'],
    ['Promise.resolve(1)', 'no-restricted-globals'],
  ];
  for (const [expr, rule] of hazards) {
    it(`rejects ${expr} in model/`, async () => {
      const ids = await ruleIds(`export const x = ${expr};\n`, 'model/probe.ts');
      expect(ids.some((id) => id.startsWith(rule))).toBe(true);
    });
  }

  it('rejects async functions and await in sim/', async () => {
    const ids = await ruleIds(
      'export async function f(p: unknown) { return await p; }\n',
      'sim/probe.ts',
    );
    expect(ids.filter((id) => id.startsWith('no-restricted-syntax')).length).toBe(2);
  });

  it('rejects timer and randomness imports in sim/', async () => {
    const ids = await ruleIds(
      "import { setTimeout as t } from 'node:timers';\nimport { randomBytes } from 'node:crypto';\nexport { t, randomBytes };\n",
      'sim/probe.ts',
    );
    // Each import is refused twice: as a determinism hazard and as a node: module in sim/.
    expect(new Set(ids.filter((id) => id.startsWith('no-restricted-imports'))).size).toBe(2);
  });

  it('rejects even hashing with node:crypto in sim/ (sim hashes with @noble/hashes; GUIDE §1)', async () => {
    expect(
      await ruleIds(
        "import { createHash } from 'node:crypto';\nexport const h = createHash('sha256');\n",
        'sim/probe.ts',
      ),
    ).toEqual(['no-restricted-imports:1']);
  });

  it('allows the same hazards outside simulated code (CLI, reports, tests)', async () => {
    expect(
      await ruleIds(
        'export async function f() { return Date.now() + Math.random(); }\n',
        'scenarios/probe.ts',
      ),
    ).toEqual([]);
  });
});
