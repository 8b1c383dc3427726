// The scenario loader and validator: reads a scenario file (YAML; JSON is YAML too),
// walks it with source positions and either returns the exact WorldConfig the model
// runs, plus what the scenario expects, or throws one ScenarioError listing every
// problem in the file as `file:line:col: message` (GUIDE §4). Nothing is ignored: an
// unknown key is an error with a "did you mean" hint, and a key whose feature does not
// exist yet (catalog.ts) is an error saying so.
import { readFileSync } from 'node:fs';
import { isMap, isScalar, LineCounter, parseDocument, type Node } from 'yaml';
import {
  DEFAULT_ROUTER,
  routerDesign,
  type PeerConfig,
  type RouterConfig,
  type WorldConfig,
} from '../../model/config.ts';
import { checkerIds } from '../../model/checks/index.ts';
import { NSR_ROUTER_KEYS, PENDING_ROUTER_KEYS } from './catalog.ts';
import {
  CHECKS_DEFAULT,
  EXPECT_DEFAULT,
  HOLD_TIME_NS_DEFAULT,
  INTER_RE_LINK_DEFAULT,
  MAX_EVENTS_DEFAULT,
  RE_LINK_DEFAULT,
  SOCKET_BUFFER_MAX,
  SOCKET_BUFFER_MIN,
} from './defaults.ts';
import { ScenarioError, type ScenarioIssue } from './errors.ts';
import { readFaults } from './faults.ts';
import { readNsrFlag, readNsrKeys } from './nsr.ts';
import { nsrForDesign, readDesign, readRedundant } from './design.ts';
import { readLink, readPeers } from './peers.ts';
import { readRouterMsdp } from './msdp.ts';
import { checkBgpPeers, readRouterBgp } from './bgp.ts';
import { readTcp } from './tcp.ts';
import { duration, positiveDuration, sizeIn } from './values.ts';
import {
  closest,
  describe,
  int,
  Invalid,
  seq,
  str,
  Walk,
  type Field,
  type Fields,
} from './walk.ts';

export type Expectation = 'pass' | { fail: string[] };

/** A validated scenario: the model's config plus what the run is expected to show. */
export interface Scenario {
  name: string;
  description: string;
  config: WorldConfig;
  checks: string[] | 'all';
  expect: Expectation;
  /** Recorded trace hash, compared by `nsrsim replay`. */
  traceHash?: string;
  /**
   * Same-instant tie-break choices for the run (sim/sim.ts): when several events are due
   * at the same (time, priority), the next choice picks which runs first. The loader
   * always sets it (default [] = FIFO); fuzz-found files record the choices they need.
   */
  tieBreaks?: number[];
  file: string;
}

export const TOP_KEYS = [
  'name',
  'description',
  'seed',
  'duration',
  'maxEvents',
  'holdTime',
  'router',
  'peers',
  'faults',
  'checks',
  'expect',
  'traceHash',
  'tieBreaks',
] as const;
export const ROUTER_KEYS = [
  'nsr',
  ...NSR_ROUTER_KEYS,
  'interRe',
  'reLink',
  'pfeSwitch',
  'masterDetect',
  'socketBuffer',
  'tcp',
  'redundant',
  'msdp',
  'bgp',
] as const;
export const NAME_RE = /^[a-z0-9-]+$/;
const HASH_RE = /^[0-9a-f]{64}$/;
/** Bound on `tieBreaks` (GUIDE §4: a limit on everything). */
export const TIE_BREAKS_MAX = 1_000_000;

/** Reads and validates a scenario file; throws ScenarioError. */
export function loadScenarioFile(file: string): Scenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const why =
      (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
    throw new ScenarioError('NSRSIM_SCENARIO_UNREADABLE', [
      { file, line: 1, col: 1, message: `cannot read scenario: ${why}` },
    ]);
  }
  return parseScenario(text, file);
}

/** Validates scenario text; `file` names it in messages. Throws ScenarioError. */
export function parseScenario(text: string, file: string): Scenario {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const w = new Walk(file, lc, doc);
  if (doc.errors.length > 0) {
    for (const e of doc.errors) w.error(e.pos[0], `YAML syntax error: ${firstLine(e.message)}`);
    throw new ScenarioError('NSRSIM_SCENARIO_INVALID', w.issues);
  }
  const contents = doc.contents as Node | null;
  if (contents === null || (isScalar(contents) && contents.value === null)) {
    w.error(0, 'the file is empty; a scenario needs at least name, seed, duration and peers');
    throw new ScenarioError('NSRSIM_SCENARIO_INVALID', w.issues);
  }
  const scenario = readScenario(w, contents, file);
  if (w.issues.length > 0 || scenario === undefined)
    throw new ScenarioError('NSRSIM_SCENARIO_INVALID', byPosition(w.issues));
  return scenario;
}

/** Issues in file order (a stable sort keeps same-position messages in walk order). */
function byPosition(issues: readonly ScenarioIssue[]): ScenarioIssue[] {
  return [...issues].sort((a, b) => a.line - b.line || a.col - b.col);
}

function firstLine(s: string): string {
  return (s.split('\n')[0] ?? s).replace(/ at line \d+, column \d+:?$/, '');
}

function readScenario(w: Walk, root: Node, file: string): Scenario | undefined {
  const top = w.map(root, 'the scenario', TOP_KEYS);
  if (top === undefined) return undefined;
  w.require(top, 'the scenario', ['name', 'seed', 'duration', 'peers']);
  const name = w.read(top.get('name'), '', (n) => {
    const s = str(n, 'name');
    if (!NAME_RE.test(s)) throw new Invalid(`name "${s}" must use only a-z, 0-9 and "-"`);
    return s;
  });
  const durationNs = w.read(top.get('duration'), 0, (n) => {
    const d = duration(n, 'duration');
    if (d <= 0) throw new Invalid('duration must be longer than 0s');
    return d;
  });
  const peers = readPeers(w, top.get('peers'), durationNs);
  const router = readRouter(w, top.get('router')?.value ?? null, top.has('router'));
  const faults = readFaults(
    w,
    top.get('faults'),
    durationNs,
    new Map(peers.map((p) => [p.name, p.sessions])),
    router.nsr,
    router.config.design,
  );
  checkMsdpPeers(w, top, router.config, peers);
  const routerAt = top.get('router')?.value ?? top.node;
  checkBgpPeers(w, routerAt, router.config.bgp, peers, router.config.design);
  const checks = w.read(top.get('checks'), CHECKS_DEFAULT as Scenario['checks'], (n) =>
    readChecks(w, n),
  );
  const config: WorldConfig = {
    name,
    seed: w.read(top.get('seed'), 0, (n) => int(n, 'seed', 0)),
    durationNs,
    router: router.config,
    peers,
    faults,
    maxEvents: w.read(top.get('maxEvents'), MAX_EVENTS_DEFAULT, (n) => int(n, 'maxEvents', 1)),
    holdTimeNs: w.read(top.get('holdTime'), HOLD_TIME_NS_DEFAULT, (n) =>
      positiveDuration(n, 'holdTime'),
    ),
  };
  const scenario: Scenario = {
    name,
    description: w.read(top.get('description'), '', (n) => str(n, 'description')),
    config,
    checks,
    expect: w.read(top.get('expect'), EXPECT_DEFAULT as Expectation, (n) =>
      readExpect(w, n, checks),
    ),
    tieBreaks: w.read(top.get('tieBreaks'), [] as number[], (n) => readTieBreaks(w, n)),
    file,
  };
  const hash = w.read(top.get('traceHash'), undefined as string | undefined, (n) => {
    const s = str(n, 'traceHash');
    if (!HASH_RE.test(s))
      throw new Invalid(
        'traceHash must be 64 lowercase hex digits (a SHA-256, as printed by nsrsim run)',
      );
    return s;
  });
  if (hash !== undefined) scenario.traceHash = hash;
  return scenario;
}

/** The router config, and router.nsr (undefined when its value was invalid). */
function readRouter(
  w: Walk,
  node: Node | null,
  present: boolean,
): { config: RouterConfig; nsr: boolean | undefined } {
  const dflt: RouterConfig = {
    ...DEFAULT_ROUTER,
    interRe: { ...INTER_RE_LINK_DEFAULT },
    reLink: { ...RE_LINK_DEFAULT },
    tcp: {},
    nsrOptions: {},
    nsrCosts: {},
    nsrTimers: {},
    nsrBounds: {},
  };
  if (!present) return { config: dflt, nsr: false };
  const pending = new Map(
    [...PENDING_ROUTER_KEYS].map(([k, why]) => [k, `router.${k} is not supported yet (${why})`]),
  );
  const r = w.map(node, 'router', ROUTER_KEYS, pending);
  if (r === undefined) return { config: dflt, nsr: undefined };
  const design = readDesign(w, r.get('design'));
  const nsr = nsrForDesign(w, r, design, readNsrFlag(w, r.get('nsr')));
  const reLink = readLink(w, r.get('reLink'), 'router.reLink', RE_LINK_DEFAULT);
  const redundant = readRedundant(w, r.get('redundant'), design, reLink);
  const config: RouterConfig = {
    ...dflt,
    nsr: nsr ?? false,
    pfeSwitchNs: w.read(r.get('pfeSwitch'), DEFAULT_ROUTER.pfeSwitchNs, (n) =>
      duration(n, 'router.pfeSwitch'),
    ),
    masterDetectNs: w.read(r.get('masterDetect'), DEFAULT_ROUTER.masterDetectNs, (n) =>
      duration(n, 'router.masterDetect'),
    ),
    interRe: readLink(w, r.get('interRe'), 'router.interRe', INTER_RE_LINK_DEFAULT),
    reLink,
    socketBufferBytes: w.read(r.get('socketBuffer'), DEFAULT_ROUTER.socketBufferBytes, (n) =>
      sizeIn(n, 'router.socketBuffer', SOCKET_BUFFER_MIN, SOCKET_BUFFER_MAX),
    ),
    tcp: readTcp(w, r.get('tcp')),
    ...readNsrKeys(w, r, nsr, design),
    // The design is kept only where nsr does not already say it (jsr with nsr: true and
    // none without are the routers every file before designs described).
    ...(design === undefined || design === routerDesign({ nsr: nsr ?? false }) ? {} : { design }),
    ...(redundant === undefined ? {} : { redundant }),
    ...readRouterMsdpKey(w, r.get('msdp')),
    ...readRouterBgpKey(w, r.get('bgp')),
  };
  return { config, nsr };
}

/** `router.msdp` (scenarios/load/msdp.ts), left out of the config when absent. */
function readRouterMsdpKey(w: Walk, f: Field | undefined): Pick<RouterConfig, 'msdp'> {
  const m = readRouterMsdp(w, f);
  return m === undefined ? {} : { msdp: m };
}

/** `router.bgp` (scenarios/load/bgp.ts), left out of the config when absent. */
function readRouterBgpKey(w: Walk, f: Field | undefined): Pick<RouterConfig, 'bgp'> {
  const b = readRouterBgp(w, f);
  return b === undefined ? {} : { bgp: b };
}

/** router.msdp needs MSDP peers, and its RPF routes name them. */
function checkMsdpPeers(w: Walk, top: Fields, router: RouterConfig, peers: PeerConfig[]): void {
  const msdpPeers = peers.filter((p) => p.app?.kind === 'msdp').map((p) => p.name);
  const at = top.get('router')?.value ?? top.node;
  if (router.msdp !== undefined && msdpPeers.length === 0)
    w.error(at, 'router.msdp needs at least one peer with app: msdp');
  for (const r of router.msdp?.rpf ?? [])
    if (!msdpPeers.includes(r.peer))
      w.error(at, `router.msdp.rpf names "${r.peer}", which is not a peer with app: msdp`);
}

/** `tieBreaks`: a list of integers >= 0; bad items are reported one by one. */
function readTieBreaks(w: Walk, n: Node | null): number[] {
  const items = seq(n, 'tieBreaks').items;
  if (items.length > TIE_BREAKS_MAX)
    throw new Invalid(`tieBreaks lists ${items.length} choices; at most ${TIE_BREAKS_MAX}`);
  return items.map((item, i) => w.readNode(item, 0, (x) => int(x, `tieBreaks[${i}]`, 0)));
}

function readChecks(w: Walk, n: Node | null): Scenario['checks'] {
  if (isScalar(n) && n.value === 'all') return 'all';
  if (isScalar(n))
    throw new Invalid(`checks must be "all" or a list of checker ids, got ${describe(n)}`);
  return checkerList(w, n, 'checks');
}

/** A list of known, distinct checker ids; bad items are reported one by one. */
function checkerList(w: Walk, n: Node | null, what: string): string[] {
  const known = checkerIds();
  const out: string[] = [];
  for (const item of seq(n, what).items) {
    const id = w.readNode(item, undefined as string | undefined, (x) => {
      const s = str(x, `${what} item`);
      if (!known.includes(s)) {
        const hint = closest(s, known);
        throw new Invalid(
          `unknown checker "${s}"${hint !== undefined ? `; did you mean "${hint}"?` : ''} (checkers: ${known.join(', ')})`,
        );
      }
      if (out.includes(s)) throw new Invalid(`checker "${s}" is listed twice`);
      return s;
    });
    if (id !== undefined) out.push(id);
  }
  return out;
}

function readExpect(w: Walk, n: Node | null, checks: Scenario['checks']): Expectation {
  if (isScalar(n) && n.value === 'pass') return 'pass';
  if (!isMap(n))
    throw new Invalid(`expect must be "pass" or { fail: [checker ids] }, got ${describe(n)}`);
  const f: Fields | undefined = w.map(n, 'expect', ['fail']);
  if (f === undefined) return 'pass';
  w.require(f, 'expect', ['fail']);
  const field = f.get('fail');
  const fail = w.read(field, [] as string[], (x) => {
    const ids = checkerList(w, x, 'expect.fail');
    if (seq(x, 'expect.fail').items.length === 0)
      throw new Invalid('expect.fail must name at least one checker (write expect: pass for none)');
    return ids;
  });
  if (checks !== 'all' && field !== undefined) {
    for (const id of fail) {
      if (!checks.includes(id))
        w.errorAtValue(
          field,
          `expect.fail names "${id}", which checks does not run; add it to checks`,
        );
    }
  }
  return { fail };
}
