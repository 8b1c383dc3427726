// Prints a Scenario (the loader's object: scenarios/load.ts) as a scenario file in the
// format people write (scenarios/README.md), so that a fuzz finding is a file anyone can
// read, edit, `nsrsim run` and `nsrsim replay`. `loadScenarioFile` reads the text back
// to an equal config (test/scenarios/fuzz/yaml.test.ts checks it on generated scenarios and on the
// whole scenario library). Keys equal to the loader's defaults are left out, units are
// written exactly (formatDuration, formatSize, formatBandwidth), and maps or lists of
// scalars are written in flow style (`{ latency: 1ms }`, `[64, 1460]`).
import { Document, isScalar, isSeq, visit } from 'yaml';
import type { FaultAction, FaultConfig, PeerConfig, RouterConfig } from '../../model/config.ts';
import { DEFAULT_ROUTER, REDUNDANT_DEFAULTS } from '../../model/config.ts';
import type { LinkParams } from '../../model/net/link.ts';
import type { TrafficSpec } from '../../model/app/stream.ts';
import type { AppReadSpec } from '../../model/app/session.ts';
import { formatDuration } from '../../sim/index.ts';
import {
  BOUND_KEYS,
  COST_KEYS,
  DESIGN_DEFAULT,
  TIMER_KEYS,
  type NsrNumberKey,
} from '../load/catalog.ts';
import {
  HOLD_TIME_NS_DEFAULT,
  INITIATOR_DEFAULT,
  INTER_RE_LINK_DEFAULT,
  MAX_EVENTS_DEFAULT,
  PEER_LINK_DEFAULT,
  RE_LINK_DEFAULT,
  SESSIONS_DEFAULT,
} from '../load/defaults.ts';
import type { Expectation, Scenario } from '../load/load.ts';
import { WSCALE_OFF } from '../load/tcp.ts';
import { peerMsdpObject, routerMsdpObject } from './yaml-msdp.ts';
import { peerBgpObject, routerBgpObject } from './yaml-bgp.ts';
import { formatBandwidth, formatRate, formatSize } from '../load/units.ts';

export interface ToYamlOptions {
  /** The `seed:` written (default: the scenario's own). */
  seed?: number;
  /** The `tieBreaks:` written (default: the scenario's own; [] is left out). */
  tieBreaks?: readonly number[];
  /** Overrides the scenario's `expect`. */
  expect?: Expectation;
  /** Overrides the scenario's `traceHash`. */
  traceHash?: string;
  /** Comment lines for the top of the file (without "# "). */
  comment?: readonly string[];
}

type Obj = Record<string, unknown>;

/** The scenario as YAML text that loadScenarioFile reads back to an equal config. */
export function toYaml(s: Scenario, opts: ToYamlOptions = {}): string {
  const doc = new Document(scenarioObject(s, opts));
  flowLeaves(doc);
  const head = (opts.comment ?? []).map((l) => `#${l === '' ? '' : ` ${l}`}\n`).join('');
  return head + doc.toString({ lineWidth: 0, flowCollectionPadding: true });
}

/** The plain object the YAML text is printed from (exported for tests and tools). */
export function scenarioObject(s: Scenario, opts: ToYamlOptions = {}): Obj {
  const c = s.config;
  const out: Obj = { name: s.name };
  if (s.description !== '') out.description = s.description;
  out.seed = opts.seed ?? c.seed;
  out.duration = formatDuration(c.durationNs);
  if (c.maxEvents !== MAX_EVENTS_DEFAULT) out.maxEvents = c.maxEvents;
  if (c.holdTimeNs !== HOLD_TIME_NS_DEFAULT) out.holdTime = formatDuration(c.holdTimeNs);
  const router = routerObject(c.router);
  if (Object.keys(router).length > 0) out.router = router;
  out.peers = c.peers.map(peerObject);
  if (c.faults.length > 0) out.faults = c.faults.map(faultObject);
  out.checks = s.checks;
  const expect = opts.expect ?? s.expect;
  out.expect = expect === 'pass' ? 'pass' : { fail: [...expect.fail] };
  const hash = opts.traceHash ?? s.traceHash;
  if (hash !== undefined) out.traceHash = hash;
  const tieBreaks = opts.tieBreaks ?? s.tieBreaks ?? [];
  if (tieBreaks.length > 0) out.tieBreaks = [...tieBreaks];
  return out;
}

/** Maps and lists of scalars (or of flat lists of scalars) print on one line. */
function flowLeaves(doc: Document): void {
  const flat = (n: unknown): boolean =>
    isScalar(n) || (isSeq(n) && n.items.every((i) => isScalar(i)));
  visit(doc, {
    Map(_k, node) {
      if (node.items.length > 0 && node.items.every((p) => flat(p.value))) node.flow = true;
    },
    Seq(_k, node) {
      if (node.items.length > 0 && node.items.every((i) => isScalar(i))) node.flow = true;
    },
  });
}

function routerObject(r: RouterConfig): Obj {
  const out: Obj = {};
  if (r.nsr) {
    out.nsr = true;
    out.design = DESIGN_DEFAULT;
    const options = optionsObject(r);
    if (Object.keys(options).length > 0) out.options = options;
    if (r.mutant !== undefined) out.mutant = r.mutant;
    numbersInto(out, 'costs', r.nsrCosts, COST_KEYS);
    numbersInto(out, 'timers', r.nsrTimers, TIMER_KEYS);
    numbersInto(out, 'bounds', r.nsrBounds, BOUND_KEYS);
  }
  if (r.design === 'redundant-tcp') redundantInto(out, r);
  // BGP graceful restart (RFC 4724) has no NSR keys: the design alone.
  if (r.design === 'gr') out.design = r.design;
  linkInto(out, 'interRe', r.interRe, INTER_RE_LINK_DEFAULT);
  linkInto(out, 'reLink', r.reLink, RE_LINK_DEFAULT);
  if (r.pfeSwitchNs !== DEFAULT_ROUTER.pfeSwitchNs) out.pfeSwitch = formatDuration(r.pfeSwitchNs);
  if (r.masterDetectNs !== DEFAULT_ROUTER.masterDetectNs)
    out.masterDetect = formatDuration(r.masterDetectNs);
  if (r.socketBufferBytes !== DEFAULT_ROUTER.socketBufferBytes)
    out.socketBuffer = formatSize(r.socketBufferBytes);
  const tcp = tcpObject(r.tcp);
  if (Object.keys(tcp).length > 0) out.tcp = tcp;
  if (r.msdp !== undefined) out.msdp = routerMsdpObject(r.msdp);
  if (r.bgp !== undefined) out.bgp = routerBgpObject(r.bgp);
  return out;
}

function optionsObject(r: RouterConfig): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(r.nsrOptions)) {
    if (v !== undefined) out[k] = Array.isArray(v) ? [...(v as number[])] : v;
  }
  return out;
}

function numbersInto<F extends string>(
  out: Obj,
  key: string,
  values: Partial<Record<F, number>>,
  keys: ReadonlyArray<NsrNumberKey<F>>,
): void {
  const o: Obj = {};
  for (const k of keys) {
    const v = values[k.field];
    if (v === undefined) continue;
    o[k.key] = k.unit === 'duration' ? formatDuration(v) : k.unit === 'size' ? formatSize(v) : v;
  }
  if (Object.keys(o).length > 0) out[key] = o;
}

/** A Redundant TCP router (seed 004): its design, mutant and the settings that differ. */
function redundantInto(out: Obj, r: RouterConfig): void {
  out.design = r.design;
  if (r.mutant !== undefined) out.mutant = r.mutant;
  const d = { ...REDUNDANT_DEFAULTS, ...r.redundant };
  const o: Obj = {};
  if (d.bootTimeoutNs !== REDUNDANT_DEFAULTS.bootTimeoutNs)
    o.bootTimeout = formatDuration(d.bootTimeoutNs);
  if (d.clockOffsetNs !== REDUNDANT_DEFAULTS.clockOffsetNs)
    o.clockOffset = formatDuration(d.clockOffsetNs);
  linkInto(o, 'standbyPath', d.standbyPath, { ...RE_LINK_DEFAULT, ...r.reLink });
  if (Object.keys(o).length > 0) out.redundant = o;
}

/** The link keys that differ from `base`; `up: false` has no file form. */
function linkInto(out: Obj, key: string, l: Partial<LinkParams>, base: Readonly<LinkParams>): void {
  const p: LinkParams = { ...base, ...l };
  if (!p.up) throw new Error(`toYaml: ${key} is down, which a scenario file cannot say`);
  const o: Obj = {};
  if (p.latencyNs !== base.latencyNs) o.latency = formatDuration(p.latencyNs);
  if (p.bandwidthBps !== base.bandwidthBps) o.bandwidth = formatBandwidth(p.bandwidthBps);
  if (p.jitterNs !== base.jitterNs) o.jitter = formatDuration(p.jitterNs);
  if (p.loss !== base.loss) o.loss = p.loss;
  if (p.duplicate !== base.duplicate) o.duplicate = p.duplicate;
  if (p.reorder !== base.reorder) o.reorder = p.reorder;
  if (p.reorderDelayNs !== base.reorderDelayNs) o.reorderDelay = formatDuration(p.reorderDelayNs);
  if (p.mtu !== base.mtu) o.mtu = p.mtu;
  if (p.queueBytesMax !== base.queueBytesMax) o.queue = formatSize(p.queueBytesMax);
  if (Object.keys(o).length > 0) out[key] = o;
}

function tcpObject(t: RouterConfig['tcp']): Obj {
  const o: Obj = {};
  if (t.mss !== undefined) o.mss = t.mss;
  if (t.wscale !== undefined) o.wscale = t.wscale === null ? WSCALE_OFF : t.wscale;
  if (t.timestamps !== undefined) o.timestamps = t.timestamps;
  if (t.delackNs !== undefined) o.delack = formatDuration(t.delackNs);
  if (t.rtoMinNs !== undefined) o.rtoMin = formatDuration(t.rtoMinNs);
  if (t.rtoInitNs !== undefined) o.rtoInit = formatDuration(t.rtoInitNs);
  if (t.rtoMaxNs !== undefined) o.rtoMax = formatDuration(t.rtoMaxNs);
  if (t.maxRetries !== undefined) o.maxRetries = t.maxRetries;
  if (t.nodelay !== undefined) o.nodelay = t.nodelay;
  if (t.sack !== undefined) o.sack = t.sack;
  if (t.md5Key !== undefined && t.md5Key !== null) o.md5Key = t.md5Key;
  return o;
}

function peerObject(p: PeerConfig): Obj {
  const out: Obj = { name: p.name };
  linkInto(out, 'link', p.link, PEER_LINK_DEFAULT);
  if (p.app?.kind === 'bgp') {
    // BGP (issue 15, yaml-bgp.ts): one connection, no stream keys.
    out.app = 'bgp';
    out.bgp = peerBgpObject(p.app);
    return out;
  }
  if (p.app?.kind === 'msdp') {
    // MSDP (issue 14, yaml-msdp.ts): one connection, no stream keys.
    out.app = 'msdp';
    const m = peerMsdpObject(p.app);
    if (Object.keys(m).length > 0) out.msdp = m;
    return out;
  }
  if (p.sessions !== SESSIONS_DEFAULT) out.sessions = p.sessions;
  if (p.initiator !== INITIATOR_DEFAULT) out.initiator = p.initiator;
  out.traffic = { toRouter: trafficObject(p.toRouter), fromRouter: trafficObject(p.fromRouter) };
  const read: Obj = {};
  if (!isEager(p.peerRead)) read.peer = readObject(p.peerRead);
  if (!isEager(p.routerRead)) read.router = readObject(p.routerRead);
  if (Object.keys(read).length > 0) out.read = read;
  return out;
}

function trafficObject(t: TrafficSpec): Obj {
  return {
    rate: formatRate(t.ratePerSec),
    size: t.sizeMin === t.sizeMax ? t.sizeMin : [t.sizeMin, t.sizeMax],
  };
}

function isEager(r: AppReadSpec): boolean {
  return r.chunkBytes === 0 && r.intervalNs === 0 && r.rcvbuf === undefined;
}

/** { chunk, every } (left out when eager), and the M-7 SO_RCVBUF change if any. */
function readObject(r: AppReadSpec): Obj {
  const paced = r.chunkBytes !== 0 || r.intervalNs !== 0;
  return {
    ...(paced ? { chunk: formatSize(r.chunkBytes), every: formatDuration(r.intervalNs) } : {}),
    ...(r.rcvbuf === undefined
      ? {}
      : { rcvbuf: { at: formatDuration(r.rcvbuf.atNs), size: formatSize(r.rcvbuf.bytes) } }),
  };
}

function faultObject(f: FaultConfig): Obj {
  const when: Obj =
    'atNs' in f.when
      ? { at: formatDuration(f.when.atNs) }
      : { between: f.when.betweenNs.map((t) => formatDuration(t)) };
  return { ...when, ...actionObject(f.action) };
}

/** A fault's kind and parameters as written; optional parameters at their default are left out. */
export function actionObject(a: FaultAction): Obj {
  const peer = (p: string | undefined): Obj => (p === undefined ? {} : { peer: p });
  const lasting = (ns: number): Obj => (ns === 0 ? {} : { duration: formatDuration(ns) });
  switch (a.kind) {
    case 're-crash':
    case 're-restart':
      return { kind: a.kind, target: a.target };
    case 'kkcm-io-error':
      return { kind: a.kind, ...(a.target === 'master' ? {} : { target: a.target }) };
    case 'switchover':
    case 'nsr-deconfig':
    case 'nsr-reconfig':
      return { kind: a.kind };
    case 'pfe-switch-delay':
      return { kind: a.kind, switch: formatDuration(a.switchNs) };
    case 'app-stall':
      return {
        kind: a.kind,
        side: a.side,
        ...peer(a.peer),
        ...(a.side === 'router' && a.re !== undefined && a.re !== 'master' ? { re: a.re } : {}),
        duration: formatDuration(a.durationNs),
      };
    case 'wire-loss':
      return {
        kind: a.kind,
        ...peer(a.peer),
        loss: a.loss,
        duration: formatDuration(a.durationNs),
      };
    case 'wire-reorder':
      return {
        kind: a.kind,
        ...peer(a.peer),
        reorder: a.reorder,
        duration: formatDuration(a.durationNs),
      };
    case 'wire-partition':
      return { kind: a.kind, ...peer(a.peer), duration: formatDuration(a.durationNs) };
    case 'inter-re-down':
    case 'inter-re-hold':
      return { kind: a.kind, ...lasting(a.durationNs) };
    case 'inter-re-partition':
      return { kind: a.kind, from: a.from, ...lasting(a.durationNs) };
    case 'backup-stall':
      return { kind: a.kind, duration: formatDuration(a.durationNs) };
    case 'socket-failover':
      return {
        kind: a.kind,
        ...peer(a.peer),
        ...(a.session === undefined ? {} : { session: a.session }),
      };
    case 'station-deactivate':
      return { kind: a.kind, target: a.target };
    case 'standby-path-loss':
      return { kind: a.kind, loss: a.loss, duration: formatDuration(a.durationNs) };
    case 'station-clock-offset':
      return { kind: a.kind, target: a.target, offset: formatDuration(a.offsetNs) };
    case 'operator-config':
      return { kind: a.kind, target: a.target, key: a.key, value: a.value };
    default: {
      const never: never = a;
      throw new Error(`toYaml: unknown fault ${JSON.stringify(never)}`);
    }
  }
}

/** The number of faults, peers, sessions and tie-breaks of a scenario (the size of a finding). */
export function scenarioSize(s: Scenario): {
  faults: number;
  peers: number;
  sessions: number;
  tieBreaks: number;
} {
  return {
    faults: s.config.faults.length,
    peers: s.config.peers.length,
    sessions: s.config.peers.reduce((n, p) => n + p.sessions, 0),
    tieBreaks: (s.tieBreaks ?? []).length,
  };
}
