// Proves the folder-boundary lint rules (GUIDE §1) fire on each forbidden import and stay
// quiet on the allowed ones: sim imports nothing of ours and no node: module, model imports
// sim only, reports imports model types (values only from the trace vocabulary), scenarios
// may import everything.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });

async function ruleIds(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => String(m.ruleId));
}

const cases: Array<{ file: string; code: string; rule: string | undefined }> = [
  // sim/: nothing of ours, no node: module
  {
    file: 'sim/probe.ts',
    code: "import { World } from '../model/world.ts';",
    rule: 'no-restricted-imports',
  },
  {
    file: 'sim/probe.ts',
    code: "import { x } from '../scenarios/run.ts';",
    rule: 'no-restricted-imports',
  },
  {
    file: 'sim/probe.ts',
    code: "import { x } from '../reports/pcap.ts';",
    rule: 'no-restricted-imports',
  },
  {
    file: 'sim/probe.ts',
    code: "import { readFileSync } from 'node:fs';",
    rule: 'no-restricted-imports',
  },
  { file: 'sim/probe.ts', code: "import { Rng } from './rng.ts';", rule: undefined },
  { file: 'sim/probe.ts', code: "import seedrandom from 'seedrandom';", rule: undefined },
  // model/: sim only
  {
    file: 'model/net/probe.ts',
    code: "import { runScenario } from '../../scenarios/run.ts';",
    rule: 'no-restricted-imports',
  },
  {
    file: 'model/probe.ts',
    code: "import { PcapWriter } from '../reports/pcap.ts';",
    rule: 'no-restricted-imports',
  },
  {
    file: 'model/probe.ts',
    code: "import { writeFileSync } from 'node:fs';",
    rule: 'no-restricted-imports',
  },
  {
    file: 'model/nsr/probe.ts',
    code: "import { Simulation } from '../../sim/index.ts';",
    rule: undefined,
  },
  {
    file: 'model/nsr/probe.ts',
    code: "import { seqAdd } from '../net/segment.ts';",
    rule: undefined,
  },
  // reports/: model types only, values only from the trace vocabulary; never scenarios
  {
    file: 'reports/probe.ts',
    code: "import { World } from '../model/world.ts';",
    rule: 'no-restricted-syntax',
  },
  {
    file: 'reports/probe.ts',
    code: "export { World } from '../model/world.ts';",
    rule: 'no-restricted-syntax',
  },
  {
    file: 'reports/probe.ts',
    code: "export * from '../model/world.ts';",
    rule: 'no-restricted-syntax',
  },
  {
    file: 'reports/probe.ts',
    code: "import type { World } from '../model/world.ts';",
    rule: undefined,
  },
  { file: 'reports/probe.ts', code: "import { K } from '../model/vocab.ts';", rule: undefined },
  {
    file: 'reports/probe.ts',
    code: "import { runScenario } from '../scenarios/run.ts';",
    rule: 'no-restricted-imports',
  },
  { file: 'reports/probe.ts', code: "import { writeFileSync } from 'node:fs';", rule: undefined },
  // scenarios/: everything
  {
    file: 'scenarios/probe.ts',
    code: "import { World } from '../model/world.ts';\nimport { PcapWriter } from '../reports/pcap.ts';\nimport { readFileSync } from 'node:fs';",
    rule: undefined,
  },
];

describe('folder boundaries (GUIDE §1)', () => {
  for (const c of cases) {
    it(`${c.rule === undefined ? 'allows' : 'rejects'} in ${c.file}: ${c.code.split('\n')[0]}`, async () => {
      const ids = await ruleIds(`${c.code}\n`, c.file);
      if (c.rule === undefined) expect(ids).toEqual([]);
      else expect(ids).toContain(c.rule);
    });
  }
});
