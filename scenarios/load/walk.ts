// A walk over a parsed YAML document that collects every problem with its source
// position instead of stopping at the first: mappings with their allowed keys (unknown
// keys get a "did you mean …?" hint), and typed readers that report a bad value at the
// value's own line and column. The scenario loader (load.ts) is written on top of it.
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type Document,
  type LineCounter,
  type Node,
  type Pair,
  type Scalar,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';
import type { ScenarioIssue } from './errors.ts';

/** Thrown by a value reader; the walk reports it at the node being read. */
export class Invalid extends Error {
  constructor(
    message: string,
    readonly at?: Node | null,
  ) {
    super(message);
  }
}

/** One `key: value` of a mapping. `value` is null for `key:` with nothing after it in flow style. */
export interface Field {
  readonly key: Scalar;
  readonly value: Node | null;
}

/** The fields of one mapping that passed the key check, by key. */
export class Fields {
  constructor(
    readonly node: YAMLMap,
    private readonly byKey: ReadonlyMap<string, Field>,
  ) {}
  get(key: string): Field | undefined {
    return this.byKey.get(key);
  }
  has(key: string): boolean {
    return this.byKey.has(key);
  }
  get keys(): string[] {
    return [...this.byKey.keys()];
  }
}

export class Walk {
  readonly issues: ScenarioIssue[] = [];

  constructor(
    readonly file: string,
    private readonly lc: LineCounter,
    private readonly doc?: Document,
  ) {}

  /** Follows an alias (`*name`) to its anchored node, so anchors work anywhere. */
  deref(node: Node | null): Node | null {
    if (!isAlias(node) || this.doc === undefined) return node;
    return (node.resolve(this.doc) as Node | undefined) ?? node;
  }

  /** Like read, for a node that is not a mapping value (a list item); errors go to the node. */
  readNode<T>(node: Node | null, dflt: T, read: (n: Node | null) => T): T {
    try {
      return read(this.deref(node));
    } catch (e) {
      if (!(e instanceof Invalid)) throw e;
      this.error(e.at ?? node, e.message);
      return dflt;
    }
  }

  /** Reports `message` at a node (its first character) or at a raw offset. */
  error(at: Node | number | null | undefined, message: string): void {
    const offset = typeof at === 'number' ? at : (at?.range?.[0] ?? 0);
    const { line, col } = this.lc.linePos(offset);
    this.issues.push({ file: this.file, line, col, message });
  }

  /** Reports at the value, or at the key when the value is empty. */
  errorAtValue(f: Field, message: string): void {
    this.error(
      f.value === null || (isScalar(f.value) && f.value.source === '' && f.value.value === null)
        ? f.key
        : f.value,
      message,
    );
  }

  /**
   * Reads a mapping: every key must be a plain string in `allowed`; `pending` keys are
   * recognised and rejected with their own message. Returns undefined (after reporting)
   * when `node` is not a mapping.
   */
  map(
    at: Node | null,
    what: string,
    allowed: readonly string[],
    pending: ReadonlyMap<string, string> = new Map(),
  ): Fields | undefined {
    const node = this.deref(at);
    if (!isMap(node)) {
      this.error(node, `${what} must be a mapping, got ${describe(node)}`);
      return undefined;
    }
    const byKey = new Map<string, Field>();
    for (const pair of node.items as Array<Pair<unknown, unknown>>) {
      const key = pair.key;
      if (!isScalar(key) || typeof key.value !== 'string') {
        this.error(
          key as Node | null,
          `${what}: keys must be names, got ${describe(key as Node | null)}`,
        );
        continue;
      }
      const name = key.value;
      const message = pending.get(name);
      if (message !== undefined) {
        this.error(key, message);
        continue;
      }
      if (!allowed.includes(name)) {
        this.error(key, unknownKeyMessage(name, what, allowed));
        continue;
      }
      byKey.set(name, { key, value: (pair.value as Node | null) ?? null });
    }
    return new Fields(node, byKey);
  }

  /** Reports a missing required key at the mapping itself. */
  require(fields: Fields, what: string, keys: readonly string[]): void {
    for (const k of keys)
      if (!fields.has(k)) this.error(fields.node, `${what}: missing required key "${k}"`);
  }

  /**
   * Reads an optional field with `read`; absent gives `dflt`. A reader that throws
   * Invalid is reported at the value and `dflt` stands in, so the walk can go on.
   */
  read<T>(f: Field | undefined, dflt: T, read: (n: Node | null) => T): T {
    if (f === undefined) return dflt;
    try {
      return read(this.deref(f.value));
    } catch (e) {
      if (!(e instanceof Invalid)) throw e;
      if (e.at !== undefined) this.error(e.at, e.message);
      else this.errorAtValue(f, e.message);
      return dflt;
    }
  }
}

/** Levenshtein distance (insert, delete, substitute; all cost 1). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const sub = (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, sub));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** The closest candidate within a distance that still reads as a typo, if any. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  const limit = Math.max(2, Math.floor(word.length / 3));
  return bestD <= limit ? best : undefined;
}

export function unknownKeyMessage(name: string, what: string, allowed: readonly string[]): string {
  const hint = closest(name, allowed);
  return hint !== undefined
    ? `unknown key "${name}" in ${what}; did you mean "${hint}"?`
    : `unknown key "${name}" in ${what}; allowed keys: ${allowed.join(', ')}`;
}

/** How a node reads in a message: "the number 5", "a mapping", "nothing". */
export function describe(node: Node | null | undefined): string {
  if (node === null || node === undefined) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'nothing';
    if (typeof v === 'string') return `the string "${v}"`;
    if (typeof v === 'number') return `the number ${node.source ?? String(v)}`;
    if (typeof v === 'boolean') return `${String(v)}`;
    return `a ${typeof v}`;
  }
  return 'an alias or tag';
}

// ---- value readers (each throws Invalid with a message; Walk.read places it) ----

export function str(n: Node | null, what: string): string {
  if (!isScalar(n) || typeof n.value !== 'string')
    throw new Invalid(`${what} must be a string, got ${describe(n)}`);
  return n.value;
}

export function bool(n: Node | null, what: string): boolean {
  if (!isScalar(n) || typeof n.value !== 'boolean')
    throw new Invalid(`${what} must be true or false, got ${describe(n)}`);
  return n.value;
}

export function int(
  n: Node | null,
  what: string,
  min: number,
  max: number = Number.MAX_SAFE_INTEGER,
): number {
  if (!isScalar(n) || typeof n.value !== 'number' || !Number.isInteger(n.value))
    throw new Invalid(`${what} must be an integer, got ${describe(n)}`);
  const v = n.value;
  if (v < min || v > max)
    throw new Invalid(
      `${what} must be ${max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `between ${min} and ${max}`}, got ${n.source ?? v}`,
    );
  return v;
}

/** A probability in [0, 1]. */
export function probability(n: Node | null, what: string): number {
  if (!isScalar(n) || typeof n.value !== 'number')
    throw new Invalid(`${what} must be a probability between 0 and 1, got ${describe(n)}`);
  if (!(n.value >= 0 && n.value <= 1))
    throw new Invalid(`${what} must be between 0 and 1, got ${n.source ?? n.value}`);
  return n.value;
}

export function oneOf<T extends string>(n: Node | null, what: string, values: readonly T[]): T {
  if (
    !isScalar(n) ||
    typeof n.value !== 'string' ||
    !(values as readonly string[]).includes(n.value)
  ) {
    const got = describe(n);
    const hint = isScalar(n) && typeof n.value === 'string' ? closest(n.value, values) : undefined;
    throw new Invalid(
      `${what} must be one of ${values.map((v) => `"${v}"`).join(', ')}, got ${got}${hint !== undefined ? `; did you mean "${hint}"?` : ''}`,
    );
  }
  return n.value as T;
}

export function seq(n: Node | null, what: string): YAMLSeq<Node | null> {
  if (!isSeq(n)) throw new Invalid(`${what} must be a list, got ${describe(n)}`);
  return n as YAMLSeq<Node | null>;
}
