// Proves scenarios/schema.json is current, documents and defaults every optional key, agrees with the loader on every default, and accepts the library while rejecting broken files.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import {
  DEFAULT_NSR_BOUNDS,
  DEFAULT_NSR_COSTS,
  DEFAULT_NSR_OPTIONS,
  DEFAULT_NSR_TIMERS,
  MUTANTS,
} from '../../model/nsr/options.ts';
import { resolveTcpConfig, TCP_DEFAULTS } from '../../model/tcp/defs.ts';
import { OPTIONS, SUPPORTED_FAULTS } from '../../scenarios/load/catalog.ts';
import { loadScenarioFile, parseScenario, type Scenario } from '../../scenarios/load/load.ts';
import { schemaText } from '../../scenarios/load/schema.ts';
import { RTCP_MUTANTS } from '../../model/redundant/mutants.ts';
import { RTCP_FAULTS } from '../../scenarios/load/design.ts';
import { schemaValidator } from './schema-validate.ts';
import { libraryFiles } from '../../scenarios/load/library.ts';

type Schema = Record<string, unknown>;
const SCHEMA = JSON.parse(readFileSync('scenarios/schema.json', 'utf8')) as Schema;
const validate = schemaValidator(SCHEMA);
const LIBRARY = libraryFiles();

// Keys whose absence means "all" (every peer, every session) or "none": no value to give as a default.
// router.tcp.sack has no single default: left out, the router does not offer SACK and the peers do.
// rcvbuf (M-7): left out, the application never changes its receive buffer; no value means that.
const NO_DEFAULT = new Set([
  'traceHash',
  'at',
  'between',
  'peer',
  'session',
  'mutant',
  'sack',
  'rcvbuf',
  // MSDP (issue 14): no msdp map = no MSDP; no rp/sources/churn = originates nothing; no rpf = direct peers only.
  'msdp',
  'rp',
  'sources',
  'churn',
  'rpf',
  'badTlv',
  // BGP (issue 15): no bgp map = no BGP; no malformed = no malformed message.
  'bgp',
  'malformed',
  'malform',
]);

const BASE = { name: 'm', seed: 1, duration: '1s', peers: [{ name: 'pa' }] };
/** Router keys (and fault kinds) that need router.nsr: true; their defaults are compared with NSR on. */
const NSR_KEYS = new Set(['design', 'options', 'mutant', 'costs', 'timers', 'bounds']);

function target(s: Schema): Schema {
  if (typeof s.$ref !== 'string') return s;
  return (SCHEMA.$defs as Record<string, Schema>)[s.$ref.replace('#/$defs/', '')] as Schema;
}

interface Prop {
  path: Array<string | number>;
  schema: Schema;
  required: boolean;
  /** For a fault parameter: the kind of the fault variant it belongs to. */
  kind?: string;
}

/** Every property schema reachable from the root (peers[0] for arrays, every fault variant). */
function properties(s: Schema, path: Array<string | number>, out: Prop[], kind?: string): Prop[] {
  const t = target(s);
  const req = (t.required as string[] | undefined) ?? [];
  const props = (t.properties as Record<string, Schema> | undefined) ?? {};
  const ownKind = (props.kind?.const as string | undefined) ?? kind;
  for (const [k, sub] of Object.entries(props)) {
    out.push({
      path: [...path, k],
      schema: sub,
      required: req.includes(k),
      ...(ownKind === undefined ? {} : { kind: ownKind }),
    });
    properties(sub, [...path, k], out, ownKind);
  }
  if (t.items !== undefined) properties(t.items as Schema, [...path, 0], out, kind);
  for (const v of [
    ...((t.oneOf as Schema[] | undefined) ?? []),
    ...((t.anyOf as Schema[] | undefined) ?? []),
  ])
    properties(v, path, out, ownKind);
  return out;
}

/** The smallest file a property's default can be written into: NSR on where the key needs it, and a fault of its kind. */
function baseFor(p: Prop): Record<string, unknown> {
  const base = structuredClone(BASE) as Record<string, unknown>;
  const nsrKey = p.path[0] === 'router' && NSR_KEYS.has(String(p.path[1]));
  const fault =
    p.path[0] === 'faults' && p.path.length === 3 && p.kind !== undefined
      ? SUPPORTED_FAULTS.find((f) => f.kind === p.kind)
      : undefined;
  if (nsrKey || fault?.nsrOnly === true) base.router = { nsr: true };
  // Redundant TCP's settings and faults need its design (scenarios/load/design.ts).
  if ((p.path[0] === 'router' && p.path[1] === 'redundant') || RTCP_FAULTS.has(String(p.kind)))
    base.router = { design: 'redundant-tcp' };
  // MSDP keys (issue 14) need an MSDP peer.
  if (p.path.includes('msdp')) (base.peers as Array<Record<string, unknown>>)[0]!.app = 'msdp';
  if (p.path[0] === 'router' && p.path[1] === 'msdp' && p.path.length > 2)
    base.router = { msdp: {} };
  // BGP keys (issue 15) need a BGP peer.
  if (p.path.includes('bgp')) (base.peers as Array<Record<string, unknown>>)[0]!.app = 'bgp';
  if (p.path[0] === 'router' && p.path[1] === 'bgp' && p.path.length > 2) base.router = { bgp: {} };
  if (fault !== undefined) {
    const required = Object.fromEntries(
      fault.params.filter((x) => x.required).map((x) => [x.key, REQUIRED_SAMPLE[x.type]]),
    );
    base.faults = [{ kind: fault.kind, at: '500ms', ...required }];
  }
  return base;
}

/** A valid value of each fault parameter type, for the required parameters of a fault under test. */
const REQUIRED_SAMPLE: Record<string, unknown> = {
  duration: '100ms',
  probability: 0.5,
  target: 'master',
  side: 'peer',
  peer: 'pa',
  token: 'sysName.0',
};

function setAt(
  doc: Record<string, unknown>,
  path: ReadonlyArray<string | number>,
  value: unknown,
): void {
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

/** What the model gets, with TCP and NSR overrides resolved (an explicit default equals no override). */
function effective(s: Scenario): unknown {
  const { file: _file, ...rest } = s;
  const r = rest.config.router;
  const router = {
    ...r,
    tcp: resolveTcpConfig(TCP_DEFAULTS, r.tcp),
    nsrOptions: { ...DEFAULT_NSR_OPTIONS, ...r.nsrOptions },
    nsrCosts: { ...DEFAULT_NSR_COSTS, ...r.nsrCosts },
    nsrTimers: { ...DEFAULT_NSR_TIMERS, ...r.nsrTimers },
    nsrBounds: { ...DEFAULT_NSR_BOUNDS, ...r.nsrBounds },
  };
  return { ...rest, config: { ...rest.config, router } };
}

const load = (doc: unknown): Scenario => parseScenario(stringify(doc), 'defaults.yaml');

describe('schema.json', () => {
  it('is what `nsrsim schema` prints (regenerate: node scenarios/cli/bin.mjs schema > scenarios/schema.json)', () => {
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
    const undocumented = props.filter(
      (p) =>
        typeof p.schema.description !== 'string' &&
        typeof target(p.schema).description !== 'string',
    );
    expect(undocumented.map((p) => p.path.join('.'))).toEqual([]);
    const pending = (p: Prop): boolean => p.schema.not !== undefined;
    const missing = props.filter(
      (p) =>
        !p.required &&
        !pending(p) &&
        !('default' in p.schema) &&
        !NO_DEFAULT.has(String(p.path.at(-1))),
    );
    expect(missing.map((p) => p.path.join('.'))).toEqual([]);
  });

  const withDefault = props.filter((p) => 'default' in p.schema);

  it('has many defaults to compare', () => {
    expect(withDefault.length).toBeGreaterThan(35);
  });

  it.each(
    withDefault.map(
      (p) => [`${p.path.join('.')}${p.kind === undefined ? '' : ` (${p.kind})`}`, p] as const,
    ),
  )('default of %s is what the loader does without it', (_name, p) => {
    const base = baseFor(p);
    const explicit = structuredClone(base);
    if (p.path[0] === 'faults' && p.path.length === 3)
      (explicit.faults as Array<Record<string, unknown>>)[0]![String(p.path[2])] = p.schema.default;
    else setAt(explicit, p.path, p.schema.default);
    expect(effective(load(explicit))).toEqual(effective(load(base)));
  });

  it('compares the NSR keys and the defaults of fault parameters too', () => {
    const names = withDefault.map(
      (p) => `${p.path.join('.')}${p.kind === undefined ? '' : ` (${p.kind})`}`,
    );
    for (const o of OPTIONS) expect(names).toContain(`router.options.${o.name}`);
    for (const n of [
      'router.design',
      'router.costs.prlPrimary',
      'router.timers.prlTimeout',
      'router.bounds.prlBuffer',
      'router.bounds.prlPending',
    ])
      expect(names).toContain(n);
    for (const n of [
      'faults.0.target (kkcm-io-error)',
      'faults.0.duration (inter-re-down)',
      'faults.0.duration (inter-re-partition)',
      'faults.0.duration (inter-re-hold)',
    ])
      expect(names).toContain(n);
  });

  it("NSR defaults are written in the file's units and equal the model defaults", () => {
    const router = (SCHEMA.properties as Record<string, Schema>).router as Schema;
    const rp = router.properties as Record<string, Schema>;
    const opt = (rp.options as Schema).properties as Record<string, Schema>;
    expect(Object.fromEntries(Object.entries(opt).map(([k, v]) => [k, v.default]))).toEqual({
      ...DEFAULT_NSR_OPTIONS,
    });
    expect(((rp.costs as Schema).properties as Record<string, Schema>).kkcmSwitch?.default).toBe(
      '20us',
    );
    expect(((rp.timers as Schema).properties as Record<string, Schema>).prlTimeout?.default).toBe(
      '1s',
    );
    expect(((rp.bounds as Schema).properties as Record<string, Schema>).prlBuffer?.default).toBe(
      '1MB',
    );
    expect(((rp.bounds as Schema).properties as Record<string, Schema>).kkcmQueue?.default).toBe(
      DEFAULT_NSR_BOUNDS.kkcmQueueMax,
    );
    expect(rp.mutant?.enum).toEqual([...Object.keys(MUTANTS), ...Object.keys(RTCP_MUTANTS)]);
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
    const schemaPath = relative(dirname(file), 'scenarios/schema.json');
    expect(text.split('\n')[0]).toBe(
      `# yaml-language-server: $schema=${schemaPath.startsWith('.') ? schemaPath : `./${schemaPath}`}`,
    );
    expect(validate(parse(text))).toEqual([]);
    expect(() => loadScenarioFile(file)).not.toThrow();
  });

  it('broken fixtures are rejected by the schema too', () => {
    for (const f of [
      'unknown-key',
      'negative-count',
      'wrong-type',
      'many-errors',
      'not-supported',
      'bad-unit',
      'nsr-errors',
    ]) {
      expect(
        validate(parse(readFileSync(`test/scenarios/fixtures/${f}.yaml`, 'utf8'))),
        f,
      ).not.toEqual([]);
    }
  });
});
