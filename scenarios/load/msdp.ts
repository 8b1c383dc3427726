// The loader's MSDP keys (issue 14, SPEC D-1..D-8, F-5): a peer's `msdp:` map (with
// `app: msdp`) and `router.msdp`. Addresses are dotted quads; times are durations; every
// value is checked here so the model gets a configuration msdpConfigProblems() accepts.
import type { Node } from 'yaml';
import type {
  MsdpPeerApp,
  RouterMsdpConfig,
  RouterRpfRoute,
} from '../../model/app/layer/config.ts';
import { SA_ENTRIES_PER_TLV_DEFAULT } from '../../model/app/layer/config.ts';
import {
  DEFAULT_TIMERS,
  generateSources,
  msdpConfigProblems,
  type ChurnSpec,
  type LocalSource,
  type MsdpTimers,
} from '../../model/app/msdp/defs.ts';
import { parseIpv4, type Ipv4 } from '../../model/net/segment.ts';
import { positiveDuration } from './values.ts';
import { bool, int, Invalid, seq, str, type Field, type Fields, type Walk } from './walk.ts';

const MSDP_SPEAKER_KEYS = ['rp', 'sources', 'churn', 'timers', 'saEntriesPerTlv'] as const;
export const MSDP_PEER_KEYS = [...MSDP_SPEAKER_KEYS, 'badTlv'] as const;
export const MSDP_ROUTER_KEYS = [...MSDP_SPEAKER_KEYS, 'rpf', 'nsr', 'guard'] as const;
export const MSDP_SOURCES_KEYS = ['count', 'source', 'group'] as const;
export const MSDP_CHURN_KEYS = ['up', 'down'] as const;
export const MSDP_TIMER_KEYS = [
  'keepAlive',
  'hold',
  'connectRetry',
  'saAdvertisement',
  'sgState',
  'slot',
] as const;
export const MSDP_RPF_KEYS = ['prefix', 'peer'] as const;
/** Bound on generated sources per speaker (D-5 needs 1,000 in all). */
export const MSDP_SOURCES_MAX = 10_000;

const TIMER_FIELD: Record<(typeof MSDP_TIMER_KEYS)[number], keyof MsdpTimers> = {
  keepAlive: 'keepAliveNs',
  hold: 'holdTimeNs',
  connectRetry: 'connectRetryNs',
  saAdvertisement: 'saAdvertisementNs',
  sgState: 'sgStateNs',
  slot: 'slotNs',
};

export function ipv4(n: Node | null, what: string): Ipv4 {
  const s = str(n, what);
  const a = parseIpv4(s);
  if (a === undefined) throw new Invalid(`${what} "${s}" is not an IPv4 address`);
  return a;
}

function prefix(n: Node | null, what: string): { prefix: Ipv4; len: number } {
  const s = str(n, what);
  const [addr = '', lenText = '32'] = s.split('/');
  const a = parseIpv4(addr);
  const len = Number(lenText);
  if (a === undefined || !Number.isInteger(len) || len < 0 || len > 32)
    throw new Invalid(`${what} "${s}" is not a prefix like 10.9.0.0/16`);
  return { prefix: a, len };
}

type Origination = NonNullable<MsdpPeerApp['origination']>;

/** The common part of a peer's and the router's `msdp:` map. */
function readSpeaker(w: Walk, m: Fields, what: string): Omit<MsdpPeerApp, 'kind'> {
  const out: Omit<MsdpPeerApp, 'kind'> = {};
  const sources = w.read(m.get('sources'), undefined as LocalSource[] | undefined, (n) =>
    readSources(w, n, `${what}.sources`),
  );
  const rp = w.read(m.get('rp'), undefined as Ipv4 | undefined, (n) => ipv4(n, `${what}.rp`));
  const churn = w.read(m.get('churn'), undefined as ChurnSpec | undefined, (n) =>
    readChurn(w, n, `${what}.churn`),
  );
  if (sources !== undefined) {
    const o: Origination = { sources };
    if (rp !== undefined) o.rp = rp;
    if (churn !== undefined) o.churn = churn;
    out.origination = o;
  } else if (m.has('churn') || m.has('rp')) {
    w.error(m.node, `${what}: rp and churn need sources (what this speaker originates)`);
  }
  // Filled in whole, so an explicit default is the same configuration as none.
  out.timers = {
    ...DEFAULT_TIMERS,
    ...w.read(m.get('timers'), {} as Partial<MsdpTimers>, (n) =>
      readTimers(w, n, `${what}.timers`),
    ),
  };
  out.saEntriesPerTlv = w.read(m.get('saEntriesPerTlv'), SA_ENTRIES_PER_TLV_DEFAULT, (n) =>
    int(n, `${what}.saEntriesPerTlv`, 1, 255),
  );
  return out;
}

function readSources(w: Walk, n: Node | null, what: string): LocalSource[] {
  const m = w.map(n, what, MSDP_SOURCES_KEYS);
  if (m === undefined) return [];
  w.require(m, what, MSDP_SOURCES_KEYS);
  const count = w.read(m.get('count'), 0, (x) => int(x, `${what}.count`, 1, MSDP_SOURCES_MAX));
  const source = w.read(m.get('source'), 0, (x) => ipv4(x, `${what}.source`));
  const group = w.read(m.get('group'), 0, (x) => ipv4(x, `${what}.group`));
  return generateSources(count, source, group);
}

function readChurn(w: Walk, n: Node | null, what: string): ChurnSpec | undefined {
  const m = w.map(n, what, MSDP_CHURN_KEYS);
  if (m === undefined) return undefined;
  w.require(m, what, MSDP_CHURN_KEYS);
  return {
    meanUpNs: w.read(m.get('up'), 1, (x) => positiveDuration(x, `${what}.up`)),
    meanDownNs: w.read(m.get('down'), 1, (x) => positiveDuration(x, `${what}.down`)),
  };
}

function readTimers(w: Walk, n: Node | null, what: string): Partial<MsdpTimers> {
  const m = w.map(n, what, MSDP_TIMER_KEYS);
  const out: Partial<MsdpTimers> = {};
  if (m === undefined) return out;
  for (const k of MSDP_TIMER_KEYS) {
    const f = m.get(k);
    if (f !== undefined)
      out[TIMER_FIELD[k]] = w.read(f, 1, (x) => positiveDuration(x, `${what}.${k}`));
  }
  return out;
}

/** Reports what the engine's own validation finds (RFC 3618 §5 timer rules, churn). */
function checkSpeaker(w: Walk, at: Node | null, what: string, s: Omit<MsdpPeerApp, 'kind'>): void {
  const o = s.origination;
  const probe = {
    local: 1,
    peers: [2],
    rpf: [],
    ...(o === undefined ? {} : { origination: { ...o, rp: o.rp ?? 1 } }),
    ...(s.timers === undefined ? {} : { timers: s.timers }),
  };
  for (const p of msdpConfigProblems(probe)) w.error(at, `${what}: ${p}`);
}

/** A peer's `msdp:` map (`app: msdp`); undefined field = every default. */
export function readPeerMsdp(w: Walk, f: Field | undefined, what: string): MsdpPeerApp {
  const none = { kind: 'msdp', timers: { ...DEFAULT_TIMERS } } as const;
  if (f === undefined) return { ...none, saEntriesPerTlv: SA_ENTRIES_PER_TLV_DEFAULT };
  const m = w.map(f.value, what, MSDP_PEER_KEYS);
  if (m === undefined) return { ...none };
  const s = readSpeaker(w, m, what);
  checkSpeaker(w, f.value, what, s);
  const bad = w.read(m.get('badTlv'), undefined as number | undefined, (n) =>
    positiveDuration(n, `${what}.badTlv`),
  );
  return { kind: 'msdp', ...s, ...(bad === undefined ? {} : { badTlvAtNs: bad }) };
}

/** `router.msdp`: the router's speaker, its RPF topology, D-7's knob and F-5's guard. */
export function readRouterMsdp(w: Walk, f: Field | undefined): RouterMsdpConfig | undefined {
  if (f === undefined) return undefined;
  const what = 'router.msdp';
  const m = w.map(f.value, what, MSDP_ROUTER_KEYS);
  if (m === undefined) return undefined;
  const s = readSpeaker(w, m, what);
  checkSpeaker(w, f.value, what, s);
  return {
    ...s,
    rpf: w.read(m.get('rpf'), [] as RouterRpfRoute[], (n) => readRpf(w, n, `${what}.rpf`)),
    nsr: w.read(m.get('nsr'), true, (n) => bool(n, `${what}.nsr`)),
    guard: w.read(m.get('guard'), true, (n) => bool(n, `${what}.guard`)),
  };
}

function readRpf(w: Walk, n: Node | null, what: string): RouterRpfRoute[] {
  const out: RouterRpfRoute[] = [];
  seq(n, what).items.forEach((item, i) => {
    const m = w.map(item, `${what}[${i}]`, MSDP_RPF_KEYS);
    if (m === undefined) return;
    w.require(m, `${what}[${i}]`, MSDP_RPF_KEYS);
    const p = w.read(m.get('prefix'), { prefix: 0, len: 0 }, (x) =>
      prefix(x, `${what}[${i}].prefix`),
    );
    const peer = w.read(m.get('peer'), '', (x) => str(x, `${what}[${i}].peer`));
    out.push({ ...p, peer });
  });
  return out;
}
