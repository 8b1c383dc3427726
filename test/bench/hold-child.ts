// Child-process entry for the hold benchmark: measures one size in a fresh V8 and prints its row as JSON.
import { measureHold } from './hold.ts';
import type { HoldOptions } from './hold.ts';

const arg = process.argv[2];
if (arg === undefined) {
  process.stderr.write('usage: node --import tsx test/bench/hold-child.ts \'{"n":1000,...}\'\n');
  process.exit(2);
}
const { n, ...opts } = JSON.parse(arg) as HoldOptions & { n: number };
process.stdout.write(`${JSON.stringify(measureHold(n, opts))}\n`);
