// Lint: the determinism rules of GUIDE §3 for simulated code (sim/, model/): no real
// time, no real randomness, no timers, no async or Promises (the microtask queue is a
// second, invisible scheduler). TypeScript is parsed by Babel's TypeScript preset,
// because TypeScript 7's native compiler ships no JavaScript parser API for ESLint.
import babelParser from '@babel/eslint-parser';

const tsParser = {
  files: ['**/*.ts', '**/*.mts'],
  languageOptions: {
    parser: babelParser,
    parserOptions: {
      requireConfigFile: false,
      babelOptions: { babelrc: false, configFile: false, presets: ['@babel/preset-typescript'] },
    },
  },
};

const why =
  'simulated code must be deterministic (GUIDE §3): use the simulation clock, its RNG streams and its timers';

// Determinism (GUIDE §3), for sim/ and model/.
const determinismPaths = [
  { name: 'node:timers', message: `timers: ${why}` },
  { name: 'node:timers/promises', message: `timers: ${why}` },
  { name: 'timers', message: `timers: ${why}` },
  { name: 'node:perf_hooks', message: `perf_hooks: ${why}` },
  { name: 'node:worker_threads', message: `threads: ${why}` },
  {
    name: 'node:crypto',
    importNames: [
      'randomBytes',
      'randomInt',
      'randomUUID',
      'randomFillSync',
      'getRandomValues',
      'webcrypto',
    ],
    message: `crypto randomness: ${why}`,
  },
  { name: 'crypto', message: `use node:crypto, and only for hashing` },
];
const determinismSyntax = [
  { selector: 'FunctionDeclaration[async=true]', message: `async function: ${why}` },
  { selector: 'FunctionExpression[async=true]', message: `async function: ${why}` },
  { selector: 'ArrowFunctionExpression[async=true]', message: `async arrow function: ${why}` },
  { selector: 'AwaitExpression', message: `await: ${why}` },
  { selector: 'ForOfStatement[await=true]', message: `for await: ${why}` },
  { selector: "NewExpression[callee.name='Date']", message: `new Date(): ${why}` },
  {
    selector: "MemberExpression[property.name='then']",
    message: `.then(): Promises are not allowed here; ${why}`,
  },
];

// The trace vocabulary (model/vocab.ts, GUIDE §5): the model emits kinds as constants, and
// readers (checkers, reports) compare kinds and actors with constants, never with literals,
// suffixes or regular expressions, so a renamed actor or kind cannot silently blind one.
const vocabWhy = 'trace kinds and actor names come from model/vocab.ts (GUIDE §5)';
const emitSyntax = [
  ...['Literal', 'TemplateLiteral'].map((t) => ({
    selector: `CallExpression[callee.property.name='trace'][arguments.0.type='${t}']`,
    message: `a trace kind written as a string: ${vocabWhy}`,
  })),
  ...['Literal', 'TemplateLiteral'].map((t) => ({
    selector: `CallExpression[callee.property.name='traceFrom'][arguments.1.type='${t}']`,
    message: `a trace kind written as a string: ${vocabWhy}`,
  })),
];
const readSyntax = [
  {
    // A trace record is `rec` (or `r`, `record`) by convention; other `.kind` fields (a
    // window policy, a fault action) are not trace kinds.
    selector:
      "BinaryExpression[operator=/^[!=]==$/][left.object.name=/^(rec|r|record)$/][left.property.name=/^(kind|actor)$/][right.type='Literal']",
    message: `a trace kind or actor compared with a string: ${vocabWhy}`,
  },
  {
    selector:
      "SwitchStatement[discriminant.property.name='kind'] > SwitchCase[test.type='Literal']",
    message: `a trace kind matched with a string: ${vocabWhy}`,
  },
  {
    selector:
      "CallExpression[callee.object.property.name='actor'][callee.property.name=/^(endsWith|startsWith|includes|match|slice|split|substring)$/]",
    message: `an actor name matched by its text: use actorInfo() from model/vocab.ts (GUIDE §5)`,
  },
  {
    selector:
      "CallExpression[callee.property.name=/^(test|exec)$/][arguments.0.property.name='actor']",
    message: `an actor name matched with a regular expression: use actorInfo() from model/vocab.ts (GUIDE §5)`,
  },
];

// Folder boundaries (GUIDE §1): data flows one way, scenarios → model → sim → trace → reports.
const boundary = (what) => `folder boundary (GUIDE §1): ${what}`;
const noNode = {
  group: ['node:*'],
  message: boundary(
    'sim/ and model/ import no node: module (file sinks and hashers live in reports/)',
  ),
};
const simPatterns = [
  {
    group: ['**/model/**', '**/model', '**/scenarios/**', '**/reports/**', '**/test/**'],
    message: boundary('sim/ is the domain-free kernel: it imports nothing of ours'),
  },
  noNode,
];
const modelPatterns = [
  {
    group: ['**/scenarios/**', '**/reports/**', '**/test/**'],
    message: boundary('model/ imports sim/ only (and itself)'),
  },
  noNode,
];
// reports/ reads the trace: model types are fine (erased), model values are not, except the
// trace vocabulary (model/vocab.ts), which is the trace's own contract.
const reportsSyntax = ['ImportDeclaration', 'ExportNamedDeclaration', 'ExportAllDeclaration'].map(
  (node) => ({
    selector: `${node}[${node === 'ImportDeclaration' ? 'importKind' : 'exportKind'}='value'][source.value=/\\/model\\/(?!vocab\\.ts$)/]`,
    message: boundary(
      'reports/ reads the trace; it imports model types only (values only from model/vocab.ts)',
    ),
  }),
);

export default [
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      'out/**',
      'reports/out/**',
      '.ci-out/**',
      '.stryker-tmp/**',
    ],
  },
  tsParser,
  {
    files: ['**/*.ts', '**/*.mjs', '**/*.js'],
    rules: {
      'no-unused-vars': 'off',
      'no-debugger': 'error',
      'no-dupe-keys': 'error',
      'no-unreachable': 'error',
      'no-fallthrough': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['sim/**/*.ts', 'model/**/*.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        ...[
          'Date',
          'performance',
          'setTimeout',
          'setInterval',
          'setImmediate',
          'clearTimeout',
          'clearInterval',
          'clearImmediate',
          'queueMicrotask',
          'Promise',
          'crypto',
          'fetch',
          'Buffer',
          'process',
        ].map((name) => ({ name, message: `${name}: ${why}` })),
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: `Math.random: ${why}` },
        { object: 'Date', property: 'now', message: `Date.now: ${why}` },
        { object: 'performance', property: 'now', message: `performance.now: ${why}` },
        { object: 'process', property: 'hrtime', message: `process.hrtime: ${why}` },
        { object: 'process', property: 'nextTick', message: `process.nextTick: ${why}` },
        { object: 'crypto', property: 'randomUUID', message: `crypto.randomUUID: ${why}` },
        {
          object: 'crypto',
          property: 'getRandomValues',
          message: `crypto.getRandomValues: ${why}`,
        },
      ],
      'no-restricted-syntax': ['error', ...determinismSyntax, ...emitSyntax],
    },
  },
  {
    files: ['model/checks/**/*.ts'],
    rules: {
      'no-restricted-syntax': ['error', ...determinismSyntax, ...emitSyntax, ...readSyntax],
    },
  },
  {
    files: ['sim/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: determinismPaths, patterns: simPatterns }],
    },
  },
  {
    files: ['model/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: determinismPaths, patterns: modelPatterns }],
    },
  },
  {
    files: ['reports/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/scenarios/**', '**/test/**'],
              message: boundary('reports/ reads the trace, not the entry side'),
            },
          ],
        },
      ],
      'no-restricted-syntax': ['error', ...reportsSyntax, ...readSyntax],
    },
  },
  // Functions stay short (GUIDE §4; issue 11): at most 70 lines in the simulator, the model,
  // the entry side and the reports, so each one can be read and judged whole.
  {
    files: ['sim/**/*.ts', 'model/**/*.ts', 'scenarios/**/*.ts', 'reports/**/*.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 70 }] },
  },
];
