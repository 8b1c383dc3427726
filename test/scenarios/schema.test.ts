// Proves scenarios/schema.json is current, documents and defaults every optional key, agrees with the loader on every default, and accepts the library while rejecting broken files.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { resolveTcpConfig, TCP_DEFAULTS } from '../../model/tcp/config.ts';
import { loadScenarioFile, parseScenario, type Scenario } from '../../scenarios/load.ts';
import { schemaText } from '../../scenarios/schema.ts';
import { validate } from './mini-schema.ts';

type Schema = Record<string, unknown>;
const SCHEMA = JSON.parse(readFileSync('scenarios/schema.json', 'utf8')) as Schema;
const LIBRARY = readdirSync('scenarios')
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => join('scenarios', f));

/** Optional keys whose absence is itself the meaning, so they have no default. */
const NO_DEFAULT = new Set(['traceHash', 'at', 'between', 'peer']);

const BASE = { name: 'm', seed: 1, duration: '1s', peers: [{ name: 'pa' }] };

function target(s: Schema): Schema {
  if (typeof s.$ref !== 'string') return s;
  return (SCHEMA.$defs as Record<string, Schema>)[s.$ref.replace('#/$defs/', '')] as Schema;
}

interface Prop {
  path: Array<string | number>;
  schema: Schema;
  required: boolean;
}

/** Every property schema reachable from the root (peers[0] for arrays, every fault variant). */
function properties(s: Schema, path: Array<string | number>, out: Prop[]): Prop[] {
  const t = target(s);
  const req = (t.required as string[] | undefined) ?? [];
  for (const [k, sub] of Object.entries((t.properties as Record<string, Schema> | undefined) ?? {})) {
    out.push({ path: [...path, k], schema: sub, required: req.includes(k) });
    properties(sub, [...path, k], out);
  }
  if (t.items !== undefined) properties(t.items as Schema, [...path, 0], out);
  for (const v of [...((t.oneOf as Schema[] | undefined) ?? []), ...((t.anyOf as Schema[] | undefined) ?? [])]) properties(v, path, out);
  return out;
}

function setAt(doc: Record<string, unknown>, path: ReadonlyArray<string | number>, value: unknown): void {
  let cur: Record<string | number, unknown> = doc;
  path.forEach((seg, i) => {
    if (i === path.length - 1) {
      cur[seg] = value;
      return;
    }
    if (cur[seg] === undefined) cur[seg] = {};
    cur = cur[seg] as Record<string | number, unknown>;
  });
}

/** What the model gets, with TCP overrides resolved (an explicit default equals no override). */
function effective(s: Scenario): unknown {
  const { file: _file, ...rest } = s;
  return { ...rest, config: { ...rest.config, router: { ...rest.config.router, tcp: resolveTcpConfig(TCP_DEFAULTS, rest.config.router.tcp) } } };
}

const load = (doc: unknown): Scenario => parseScenario(stringify(doc), 'defaults.yaml');

describe('schema.json', () => {
  it('is what `nsrsim schema` prints (regenerate: node scenarios/bin.mjs schema > scenarios/schema.json)', () => {
    expect(readFileSync('scenarios/schema.json', 'utf8')).toBe(schemaText());
  });

  it('is draft 2020-12 and closed: additionalProperties false on every object with properties', () => {
    expect(SCHEMA.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    const objects = JSON.stringify(SCHEMA).match(/"properties":/g)?.length ?? 0;
    const closed = JSON.stringify(SCHEMA).match(/"additionalProperties":false/g)?.length ?? 0;
    expect(closed).toBe(objects);
  });

  const props = properties(SCHEMA, [], []);

  it('describes every property and gives every optional one a default', () => {
    const undocumented = props.filter((p) => typeof p.schema.description !== 'string' && typeof target(p.schema).description !== 'string');
    expect(undocumented.map((p) => p.path.join('.'))).toEqual([]);
    const pending = (p: Prop): boolean => p.schema.not !== undefined;
    const missing = props.filter((p) => !p.required && !pending(p) && !('default' in p.schema) && !NO_DEFAULT.has(String(p.path.at(-1))));
    expect(missing.map((p) => p.path.join('.'))).toEqual([]);
  });

  const withDefault = props.filter((p) => 'default' in p.schema);

  it('has many defaults to compare', () => {
    expect(withDefault.length).toBeGreaterThan(35);
  });

  it.each(withDefault.map((p) => [p.path.join('.'), p] as const))('default of %s is what the loader does without it', (_name, p) => {
    const explicit = structuredClone(BASE) as Record<string, unknown>;
    setAt(explicit, p.path, p.schema.default);
    expect(effective(load(explicit))).toEqual(effective(load(BASE)));
  });

  it('the comparison is not vacuous: a non-default value changes the result', () => {
    const other = structuredClone(BASE) as Record<string, unknown>;
    setAt(other, ['router', 'tcp', 'mss'], 1000);
    setAt(other, ['holdTime'], '30s');
    expect(effective(load(other))).not.toEqual(effective(load(BASE)));
  });
});

describe('the scenario library', () => {
  it('exists', () => {
    expect(LIBRARY.length).toBeGreaterThanOrEqual(6);
  });

  it.each(LIBRARY)('%s names the schema, validates against it and loads', (file) => {
    const text = readFileSync(file, 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./schema.json');
    expect(validate(SCHEMA, parse(text))).toEqual([]);
    expect(() => loadScenarioFile(file)).not.toThrow();
  });

  it('broken fixtures are rejected by the schema too', () => {
    for (const f of ['unknown-key', 'negative-count', 'wrong-type', 'many-errors', 'not-supported', 'bad-unit']) {
      expect(validate(SCHEMA, parse(readFileSync(`test/scenarios/fixtures/${f}.yaml`, 'utf8'))), f).not.toEqual([]);
    }
  });
});
