// Entry point of `npm run bench`: runs every benchmark section and prints tables, or with --json one JSON object keyed by section name.
import { benchCli, benchScale, formatCli, formatScale } from './cli.ts';
import { benchFuzz, formatFuzz } from './fuzz.ts';
import { benchHold, formatHold } from './hold.ts';
import { benchMsdp, formatMsdp } from './msdp.ts';
import { benchRouter, formatRouter } from './router.ts';

/** One benchmark section; add new ones to SECTIONS, keyed by their JSON name. */
interface Section<R> {
  run(): R;
  format(result: R): string;
}

function section<R>(s: Section<R>): Section<unknown> {
  return s as Section<unknown>;
}

const SECTIONS: Readonly<Record<string, Section<unknown>>> = {
  hold: section({ run: () => benchHold(), format: (rows) => formatHold(rows) }),
  router: section({ run: () => benchRouter(), format: (r) => formatRouter(r) }),
  fuzz: section({ run: () => benchFuzz(), format: (r) => formatFuzz(r) }),
  cli: section({ run: () => benchCli(), format: (r) => formatCli(r) }),
  scale: section({ run: () => benchScale(), format: (r) => formatScale(r) }),
  msdp: section({ run: () => benchMsdp(), format: (r) => formatMsdp(r) }),
};

function main(argv: readonly string[]): void {
  const json = argv.includes('--json');
  const only = argv.filter((a) => !a.startsWith('--'));
  for (const name of only) {
    if (!(name in SECTIONS)) {
      process.stderr.write(
        `bench: unknown section "${name}" (known: ${Object.keys(SECTIONS).join(', ')})\n`,
      );
      process.exit(2);
    }
  }
  const out: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(SECTIONS)) {
    if (only.length > 0 && !only.includes(name)) continue;
    const result = s.run();
    out[name] = result;
    if (!json) process.stdout.write(`${s.format(result)}\n\n`);
  }
  if (json) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

main(process.argv.slice(2));
