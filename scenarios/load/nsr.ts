// The loader's NSR part of `router`: the design family, the SPEC design options, a
// mutant, and overrides of the processing costs, timers and bounds of model/nsr/options.ts.
// These keys mean something only with socket replication, so each needs `nsr: true`; a
// file that sets one without it is told so rather than having it ignored (GUIDE §4).
import {
  isMutant,
  type MutantName,
  type NsrBounds,
  type NsrCosts,
  type NsrOptions,
  type NsrTimers,
} from '../../model/nsr/options.ts';
import { NSR_VERSION_MAX } from '../../model/nsr/wire.ts';
import type { Design } from '../../model/config.ts';
import { isRtcpMutant, RTCP_MUTANTS, type RtcpMutantName } from '../../model/redundant/mutants.ts';
import type { Node } from 'yaml';
import {
  BOUND_KEYS,
  COST_KEYS,
  MUTANTS,
  NSR_ROUTER_KEYS,
  OPTIONS,
  TIMER_KEYS,
  type NsrNumberKey,
  type OptionInfo,
} from './catalog.ts';
import { NSR_BOUND_BYTES_MAX, NSR_BOUND_COUNT_MAX, NSR_COST_NS_MAX } from './defaults.ts';
import { formatDuration } from '../../sim/index.ts';
import { duration, positiveDuration, sizeIn } from './values.ts';
import {
  bool,
  closest,
  int,
  Invalid,
  oneOf,
  seq,
  str,
  type Field,
  type Fields,
  type Walk,
} from './walk.ts';

export const NSR_VERSION_MIN = 1;
export { NSR_VERSION_MAX };

/** What the NSR keys of `router` become in RouterConfig. */
export interface NsrRouterPart {
  nsrOptions: Partial<NsrOptions>;
  nsrCosts: Partial<NsrCosts>;
  nsrTimers: Partial<NsrTimers>;
  nsrBounds: Partial<NsrBounds>;
  mutant: MutantName | RtcpMutantName | undefined;
}

/**
 * Reads design, options, mutant, costs, timers and bounds. `nsr` is router.nsr, or
 * undefined when that value was itself invalid (then nothing more is said about it).
 */
export function readNsrKeys(
  w: Walk,
  r: Fields,
  nsr: boolean | undefined,
  design: Design | undefined,
): NsrRouterPart {
  const rtcp = design === 'redundant-tcp';
  if (nsr === false) {
    for (const k of NSR_ROUTER_KEYS) {
      // design.ts judges design; Redundant TCP has mutants of its own.
      if (k === 'design' || (rtcp && k === 'mutant')) continue;
      const f = r.get(k);
      if (f !== undefined)
        w.error(
          f.key,
          `router.${k} applies only with socket replication; set router.nsr: true (it is false${r.has('nsr') ? '' : ' by default'})`,
        );
    }
  }
  return {
    nsrOptions: readOptions(w, r.get('options')),
    nsrCosts: readNumbers(w, r.get('costs'), 'router.costs', COST_KEYS, readCost),
    nsrTimers: readNumbers(w, r.get('timers'), 'router.timers', TIMER_KEYS, (n, what) =>
      positiveDuration(n, what),
    ),
    nsrBounds: readNumbers(w, r.get('bounds'), 'router.bounds', BOUND_KEYS, readBound),
    mutant: w.read(r.get('mutant'), undefined as NsrRouterPart['mutant'], (n) =>
      rtcp ? readRtcpMutant(n) : readMutant(n),
    ),
  };
}

/** Only the options the file sets; the model fills in the SPEC defaults for the rest. */
function readOptions(w: Walk, f: Field | undefined): Partial<NsrOptions> {
  const out: Record<string, unknown> = {};
  if (f === undefined) return out;
  const m = w.map(
    f.value,
    'router.options',
    OPTIONS.map((o) => o.name),
  );
  if (m === undefined) return out;
  for (const o of OPTIONS) {
    const v = w.read(m.get(o.name), undefined as unknown, (n) => readOption(w, o, n));
    if (v !== undefined) out[o.name] = v;
  }
  return out as Partial<NsrOptions>;
}

function readOption(w: Walk, o: OptionInfo, n: Node | null): unknown {
  const what = `router.options.${o.name}`;
  switch (o.name) {
    case 'versions':
      return readVersions(w, n, what);
    case 'prlL3Header':
      return bool(n, what);
    default:
      return oneOf(n, what, o.values);
  }
}

/** `[v0, v1]`: the protocol version re0 and re1 speak (SPEC K-11, G-5). */
function readVersions(w: Walk, n: Node | null, what: string): [number, number] | undefined {
  const s = seq(n, what);
  if (s.items.length !== 2)
    throw new Invalid(
      `${what} must be [v0, v1] (the versions re0 and re1 speak), got a list of ${s.items.length}`,
    );
  const one = (i: 0 | 1): number =>
    w.readNode(s.items[i] ?? null, -1, (y) =>
      int(y, `${what}[${i}] (the version re${i} speaks)`, NSR_VERSION_MIN, NSR_VERSION_MAX),
    );
  const v0 = one(0);
  const v1 = one(1);
  return v0 < 0 || v1 < 0 ? undefined : [v0, v1];
}

function readMutant(n: Node | null): MutantName {
  const s = str(n, 'router.mutant');
  if (isMutant(s)) return s;
  const names = MUTANTS.map((x) => x.name);
  const hint = closest(s, names);
  throw new Invalid(
    `router.mutant: no mutant "${s}"${hint !== undefined ? `; did you mean "${hint}"?` : ''} (mutants: ${names.join(', ')})`,
  );
}

function readRtcpMutant(n: Node | null): RtcpMutantName {
  const s = str(n, 'router.mutant');
  if (isRtcpMutant(s)) return s;
  const names = Object.keys(RTCP_MUTANTS);
  throw new Invalid(
    `router.mutant: no mutant "${s}" for design redundant-tcp (its mutants: ${names.join(', ')})`,
  );
}

function readCost(n: Node | null, what: string): number {
  const d = duration(n, what);
  if (d > NSR_COST_NS_MAX)
    throw new Invalid(
      `${what} must be at most ${formatDuration(NSR_COST_NS_MAX)} (a per-message processing cost), got ${formatDuration(d)}`,
    );
  return d;
}

function readBound(n: Node | null, what: string, k: NsrNumberKey<string>): number {
  if (k.unit === 'size') return sizeIn(n, what, 1, NSR_BOUND_BYTES_MAX);
  return int(n, what, 1, NSR_BOUND_COUNT_MAX);
}

/** A mapping of `key: value` overrides of one model table; only keys the file sets. */
function readNumbers<F extends string>(
  w: Walk,
  f: Field | undefined,
  what: string,
  keys: ReadonlyArray<NsrNumberKey<F>>,
  read: (n: Node | null, what: string, k: NsrNumberKey<F>) => number,
): Partial<Record<F, number>> {
  const out: Partial<Record<F, number>> = {};
  if (f === undefined) return out;
  const m = w.map(
    f.value,
    what,
    keys.map((k) => k.key),
  );
  if (m === undefined) return out;
  for (const k of keys) {
    const v = w.read(m.get(k.key), undefined as number | undefined, (n) =>
      read(n, `${what}.${k.key}`, k),
    );
    if (v !== undefined) out[k.field] = v;
  }
  return out;
}

/** router.nsr, or undefined when its value is not a boolean (reported here). */
export function readNsrFlag(w: Walk, f: Field | undefined): boolean | undefined {
  if (f === undefined) return false;
  return w.read(f, undefined as boolean | undefined, (n) => bool(n, 'router.nsr'));
}
