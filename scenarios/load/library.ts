// Where the scenario library lives: scenarios/demo.yaml (what `npm start` runs) and
// scenarios/library/<kind>/<name>.yaml, one folder per kind. Paths are relative to the
// repository root, sorted, so tests and tools walk the library in one stable order.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export const LIBRARY_KINDS = [
  'baseline',
  'fault',
  'mutant',
  'option',
  'scale',
  'misc',
  'redundant',
  'compare',
  'msdp',
  'bgp',
] as const;
export type LibraryKind = (typeof LIBRARY_KINDS)[number];

export const DEMO_FILE = 'scenarios/demo.yaml';
export const LIBRARY_DIR = 'scenarios/library';

/** The library files of one kind (e.g. every `mutant` file), sorted. */
export function libraryFilesOf(kind: LibraryKind, root = '.'): string[] {
  const dir = join(LIBRARY_DIR, kind);
  return readdirSync(join(root, dir))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(dir, f));
}

/** The demo and every library file, sorted within each kind. */
export function libraryFiles(root = '.'): string[] {
  return [DEMO_FILE, ...LIBRARY_KINDS.flatMap((k) => libraryFilesOf(k, root))];
}

/** The library file of one kind and name, e.g. libraryFile('mutant', 'prl-l4-after-nack'). */
export function libraryFile(kind: LibraryKind, name: string): string {
  return join(LIBRARY_DIR, kind, `${name}.yaml`);
}
