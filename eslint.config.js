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

const why = 'simulated code must be deterministic (GUIDE §3): use the simulation clock, its RNG streams and its timers';

export default [
  { ignores: ['node_modules/**', 'dist/**', 'out/**', 'reports/out/**'] },
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
        ...['Date', 'performance', 'setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'clearImmediate', 'queueMicrotask', 'Promise', 'crypto', 'fetch'].map((name) => ({ name, message: `${name}: ${why}` })),
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: `Math.random: ${why}` },
        { object: 'Date', property: 'now', message: `Date.now: ${why}` },
        { object: 'performance', property: 'now', message: `performance.now: ${why}` },
        { object: 'process', property: 'hrtime', message: `process.hrtime: ${why}` },
        { object: 'process', property: 'nextTick', message: `process.nextTick: ${why}` },
        { object: 'crypto', property: 'randomUUID', message: `crypto.randomUUID: ${why}` },
        { object: 'crypto', property: 'getRandomValues', message: `crypto.getRandomValues: ${why}` },
      ],
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'node:timers', message: `timers: ${why}` },
            { name: 'node:timers/promises', message: `timers: ${why}` },
            { name: 'timers', message: `timers: ${why}` },
            { name: 'node:perf_hooks', message: `perf_hooks: ${why}` },
            { name: 'node:worker_threads', message: `threads: ${why}` },
            { name: 'node:crypto', importNames: ['randomBytes', 'randomInt', 'randomUUID', 'randomFillSync', 'getRandomValues', 'webcrypto'], message: `crypto randomness: ${why}` },
            { name: 'crypto', message: `use node:crypto, and only for hashing` },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: 'FunctionDeclaration[async=true]', message: `async function: ${why}` },
        { selector: 'FunctionExpression[async=true]', message: `async function: ${why}` },
        { selector: 'ArrowFunctionExpression[async=true]', message: `async arrow function: ${why}` },
        { selector: 'AwaitExpression', message: `await: ${why}` },
        { selector: 'ForOfStatement[await=true]', message: `for await: ${why}` },
        { selector: "NewExpression[callee.name='Date']", message: `new Date(): ${why}` },
        { selector: "MemberExpression[property.name='then']", message: `.then(): Promises are not allowed here; ${why}` },
      ],
    },
  },
];
