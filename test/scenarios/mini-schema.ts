// A small JSON Schema (draft 2020-12) checker covering the keywords scenarios/schema.json
// uses, so tests can hold scenario files against the published schema without a
// validator dependency. Unknown keywords are an error, so the schema cannot quietly grow
// past what this checks.
type Schema = Record<string, unknown>;

const ANNOTATIONS = new Set(['$schema', 'title', 'description', 'default', '$defs']);
const KNOWN = new Set([
  ...ANNOTATIONS,
  '$ref',
  'type',
  'properties',
  'required',
  'additionalProperties',
  'enum',
  'const',
  'pattern',
  'minimum',
  'maximum',
  'minItems',
  'maxItems',
  'items',
  'prefixItems',
  'uniqueItems',
  'anyOf',
  'oneOf',
  'not',
]);

function typeOk(t: string, v: unknown): boolean {
  switch (t) {
    case 'object':
      return typeof v === 'object' && v !== null && !Array.isArray(v);
    case 'array':
      return Array.isArray(v);
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    default:
      throw new Error(`mini-schema: type ${t}`);
  }
}

/** Returns the list of errors (empty = valid). */
export function validate(root: Schema, value: unknown): string[] {
  const errors: string[] = [];
  check(root, root, value, '$', errors);
  return errors;
}

function check(root: Schema, s: Schema, v: unknown, at: string, errors: string[]): void {
  for (const k of Object.keys(s))
    if (!KNOWN.has(k)) throw new Error(`mini-schema: keyword ${k} at ${at}`);
  const fail = (m: string): void => void errors.push(`${at}: ${m}`);
  if (typeof s.$ref === 'string') {
    const name = s.$ref.replace('#/$defs/', '');
    const target = (root.$defs as Record<string, Schema>)[name];
    if (target === undefined) throw new Error(`mini-schema: $ref ${s.$ref}`);
    check(root, target, v, at, errors);
  }
  if (typeof s.type === 'string' && !typeOk(s.type, v)) return fail(`not ${s.type}`);
  if (Array.isArray(s.enum) && !s.enum.includes(v)) fail(`not one of ${JSON.stringify(s.enum)}`);
  if ('const' in s && s.const !== v) fail(`not ${JSON.stringify(s.const)}`);
  if (typeof s.pattern === 'string' && typeof v === 'string' && !new RegExp(s.pattern, 'u').test(v))
    fail(`does not match ${s.pattern}`);
  if (typeof v === 'number') {
    if (typeof s.minimum === 'number' && v < s.minimum) fail(`< ${s.minimum}`);
    if (typeof s.maximum === 'number' && v > s.maximum) fail(`> ${s.maximum}`);
  }
  if (Array.isArray(v)) checkArray(root, s, v, at, errors);
  if (typeOk('object', v)) checkObject(root, s, v as Record<string, unknown>, at, errors);
  checkCombinators(root, s, v, at, errors);
}

function checkArray(root: Schema, s: Schema, v: unknown[], at: string, errors: string[]): void {
  if (typeof s.minItems === 'number' && v.length < s.minItems)
    errors.push(`${at}: fewer than ${s.minItems} items`);
  if (typeof s.maxItems === 'number' && v.length > s.maxItems)
    errors.push(`${at}: more than ${s.maxItems} items`);
  if (s.uniqueItems === true && new Set(v.map((x) => JSON.stringify(x))).size !== v.length)
    errors.push(`${at}: items not unique`);
  const prefix = (s.prefixItems as Schema[] | undefined) ?? [];
  v.forEach((x, i) => {
    const sub = prefix[i] ?? (s.items as Schema | undefined);
    if (sub !== undefined) check(root, sub, x, `${at}[${i}]`, errors);
  });
}

function checkObject(
  root: Schema,
  s: Schema,
  v: Record<string, unknown>,
  at: string,
  errors: string[],
): void {
  const props = (s.properties as Record<string, Schema> | undefined) ?? {};
  for (const r of (s.required as string[] | undefined) ?? [])
    if (!(r in v)) errors.push(`${at}: missing ${r}`);
  for (const [k, x] of Object.entries(v)) {
    const sub = props[k];
    if (sub !== undefined) check(root, sub, x, `${at}.${k}`, errors);
    else if (s.additionalProperties === false) errors.push(`${at}: unknown property ${k}`);
  }
}

function checkCombinators(root: Schema, s: Schema, v: unknown, at: string, errors: string[]): void {
  const passes = (sub: Schema): boolean => validateSub(root, sub, v, at).length === 0;
  if (Array.isArray(s.anyOf) && !(s.anyOf as Schema[]).some(passes))
    errors.push(`${at}: matches none of anyOf`);
  if (Array.isArray(s.oneOf)) {
    const n = (s.oneOf as Schema[]).filter(passes).length;
    if (n !== 1) errors.push(`${at}: matches ${n} of oneOf, not exactly 1`);
  }
  if (s.not !== undefined && passes(s.not as Schema))
    errors.push(`${at}: matches a schema it must not`);
}

function validateSub(root: Schema, sub: Schema, v: unknown, at: string): string[] {
  const errors: string[] = [];
  check(root, sub, v, at, errors);
  return errors;
}
