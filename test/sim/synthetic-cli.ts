// Prints runSynthetic(seed) as one JSON line per seed given on the command line, so tests can compare hashes across processes; `--fixture` prints the determinism fixture instead.
import { FIXTURE_SEEDS, runSynthetic, SYNTHETIC_UNTIL_NS } from './synthetic.ts';

const args = process.argv.slice(2);
if (args.includes('--fixture')) {
  const seeds: Record<string, { hash: string; records: number }> = {};
  for (const s of FIXTURE_SEEDS) seeds[String(s)] = runSynthetic(s);
  process.stdout.write(`${JSON.stringify({ untilNs: SYNTHETIC_UNTIL_NS, seeds }, null, 2)}\n`);
} else {
  if (args.length === 0) {
    process.stderr.write(
      'usage: node --import tsx test/sim/synthetic-cli.ts <seed>... | --fixture\n',
    );
    process.exit(2);
  }
  for (const a of args) {
    const seed = Number(a);
    if (!Number.isSafeInteger(seed)) {
      process.stderr.write(`synthetic-cli: seed must be an integer, got "${a}"\n`);
      process.exit(2);
    }
    process.stdout.write(`${JSON.stringify({ seed, ...runSynthetic(seed) })}\n`);
  }
}
