// The loader's `faults` part: when each fault happens (an instant, or a window the
// simulation draws the instant from with its "sim/faults" stream) and what it does, as
// the model's FaultAction. The kinds and their parameters are catalog.ts's.
import { isMap, isScalar, type Node, type YAMLMap } from 'yaml';
import type { FaultAction, FaultConfig, FaultTarget } from '../../model/config.ts';
import {
  faultInfo,
  PENDING_FAULTS,
  PENDING_WHY,
  SUPPORTED_FAULTS,
  type FaultKindInfo,
} from './catalog.ts';
import { FAULTS_MAX } from './defaults.ts';
import { duration, positiveDuration } from './values.ts';
import { formatDuration } from '../../sim/index.ts';
import type { Design } from '../../model/config.ts';
import { faultNotApplicable } from './design.ts';
import { MIB_TOKEN } from '../../model/redundant/mgmt.ts';
import {
  closest,
  describe,
  Invalid,
  oneOf,
  probability,
  seq,
  str,
  type Field,
  type Fields,
  type Walk,
} from './walk.ts';

export const FAULT_TIME_KEYS = ['at', 'between'] as const;
export const FAULT_TARGETS: readonly FaultTarget[] = ['master', 'backup', 're0', 're1'];
const ALL_PARAM_KEYS = [...new Set(SUPPORTED_FAULTS.flatMap((f) => f.params.map((p) => p.key)))];

/** `nsr` is router.nsr (undefined when that value was invalid: NSR faults are then not judged). */
export function readFaults(
  w: Walk,
  f: Field | undefined,
  durationNs: number,
  peers: ReadonlyMap<string, number>,
  nsr: boolean | undefined,
  design?: Design,
): FaultConfig[] {
  if (f === undefined) return [];
  const items = w.read(f, [] as Array<Node | null>, (n) => {
    const s = seq(n, 'faults');
    if (s.items.length > FAULTS_MAX)
      throw new Invalid(`faults lists ${s.items.length} faults; at most ${FAULTS_MAX}`);
    return s.items;
  });
  const out: FaultConfig[] = [];
  items.forEach((item, i) => {
    const fc = readFault(w, item, `faults[${i}]`, durationNs, peers, nsr, design);
    if (fc !== undefined) out.push(fc);
  });
  return out;
}

function readFault(
  w: Walk,
  item: Node | null,
  what: string,
  durationNs: number,
  peers: ReadonlyMap<string, number>,
  nsr: boolean | undefined,
  design: Design | undefined,
): FaultConfig | undefined {
  const node = w.deref(item);
  const info = isMap(node) ? kindOf(w, node, what) : undefined;
  const why = info === undefined ? undefined : faultNotApplicable(info.kind, design);
  if (why !== undefined && isMap(node)) {
    w.error(
      node.get('kind', true) as Node,
      `fault kind "${info?.kind}" does not apply to design ${design ?? (nsr === true ? 'jsr' : 'none')}: ${why}`,
    );
  } else if (info?.nsrOnly === true && nsr === false && isMap(node)) {
    w.error(
      node.get('kind', true) as Node,
      `fault kind "${info.kind}" needs socket replication; set router.nsr: true`,
    );
  }
  const allowed = [
    'kind',
    ...FAULT_TIME_KEYS,
    ...(info === undefined ? ALL_PARAM_KEYS : info.params.map((p) => p.key)),
  ];
  const m = w.map(node, what, allowed);
  if (m === undefined) return undefined;
  w.require(m, what, ['kind']);
  const when = readWhen(w, m, what, durationNs);
  if (info === undefined) return undefined;
  w.require(
    m,
    `${what} (${info.kind})`,
    info.params.filter((p) => p.required).map((p) => p.key),
  );
  const action = readAction(w, m, info.kind, what, peers);
  return when === undefined || action === undefined ? undefined : { when, action };
}

/** The fault's kind if it is a supported one; reports unknown and pending kinds. */
function kindOf(w: Walk, node: YAMLMap, what: string): FaultKindInfo | undefined {
  const k = node.get('kind', true) as Node | undefined;
  if (k === undefined) return undefined;
  return w.readNode(k, undefined as FaultKindInfo | undefined, (n) => {
    const kind = str(n, `${what}.kind`);
    const info = faultInfo(kind);
    if (info?.status === 'supported') return info;
    if (info !== undefined)
      throw new Invalid(
        `fault kind "${kind}" is not supported yet (${PENDING_WHY.get(kind) ?? 'the model does not have it'})`,
      );
    const hint = closest(
      kind,
      [...SUPPORTED_FAULTS, ...PENDING_FAULTS].map((x) => x.kind),
    );
    throw new Invalid(
      `unknown fault kind "${kind}"${hint !== undefined ? `; did you mean "${hint}"?` : ''} (kinds: ${SUPPORTED_FAULTS.map((x) => x.kind).join(', ')})`,
    );
  });
}

function readWhen(
  w: Walk,
  m: Fields,
  what: string,
  durationNs: number,
): FaultConfig['when'] | undefined {
  const at = m.get('at');
  const between = m.get('between');
  if ((at === undefined) === (between === undefined)) {
    w.error(
      at?.key ?? between?.key ?? m.node,
      `${what} needs exactly one of "at" (an instant) or "between" (a window [lo, hi])`,
    );
    return undefined;
  }
  const inside = (ns: number, label: string): number => {
    if (ns >= durationNs && durationNs > 0)
      throw new Invalid(`${label} is not inside the run (duration ${formatDuration(durationNs)})`);
    return ns;
  };
  if (at !== undefined) {
    const ns = w.read(at, -1, (n) => inside(duration(n, `${what}.at`), `${what}.at`));
    return ns < 0 ? undefined : { atNs: ns };
  }
  const win = w.read(
    between,
    undefined as [number, number] | undefined,
    (n): [number, number] | undefined => {
      const s = seq(n, `${what}.between`);
      if (s.items.length !== 2)
        throw new Invalid(`${what}.between must be [lo, hi], got a list of ${s.items.length}`);
      const lo = w.readNode(s.items[0] ?? null, -1, (x) =>
        inside(duration(x, `${what}.between`), `${what}.between lo`),
      );
      const hi = w.readNode(s.items[1] ?? null, -1, (x) =>
        inside(duration(x, `${what}.between`), `${what}.between hi`),
      );
      if (lo < 0 || hi < 0) return undefined;
      if (lo > hi)
        throw new Invalid(
          `${what}.between: lo ${formatDuration(lo)} is after hi ${formatDuration(hi)}`,
        );
      return [lo, hi];
    },
  );
  return win === undefined ? undefined : { betweenNs: win };
}

function readAction(
  w: Walk,
  m: Fields,
  kind: string,
  what: string,
  peers: ReadonlyMap<string, number>,
): FaultAction | undefined {
  const target = (): FaultTarget =>
    w.read(m.get('target'), 'master', (n) => oneOf(n, `${what}.target`, FAULT_TARGETS));
  const lasting = (): number =>
    w.read(m.get('duration'), 0, (n) => positiveDuration(n, `${what}.duration`));
  const peer = (): string | undefined =>
    w.read(m.get('peer'), undefined, (n) => peerName(n, `${what}.peer`, peers));
  const token = (key: 'key' | 'value'): string =>
    w.read(m.get(key), '', (n) => {
      const s = str(n, `${what}.${key}`);
      if (!MIB_TOKEN.test(s))
        throw new Invalid(
          `${what}.${key} must be one token of printable ASCII (1-256, no spaces), got "${s}"`,
        );
      return s;
    });
  const prob = (key: 'loss' | 'reorder'): number =>
    w.read(m.get(key), 0, (n) => probability(n, `${what}.${key}`));
  switch (kind) {
    case 're-crash':
      return { kind, target: target() };
    case 're-restart':
      return { kind, target: target() };
    case 'switchover':
      return { kind };
    case 'pfe-switch-delay':
      return { kind, switchNs: w.read(m.get('switch'), 0, (n) => duration(n, `${what}.switch`)) };
    case 'app-stall':
      return readAppStall(w, m, what, peer, lasting);
    case 'wire-loss':
      return { kind, peer: peer(), loss: prob('loss'), durationNs: lasting() };
    case 'wire-partition':
      return { kind, peer: peer(), durationNs: lasting() };
    case 'wire-reorder':
      return { kind, peer: peer(), reorder: prob('reorder'), durationNs: lasting() };
    case 'socket-failover':
      return readSocketFailover(w, m, what, peer, peers);
    case 'station-deactivate':
      return { kind, target: target() };
    case 'standby-path-loss':
      return { kind, loss: prob('loss'), durationNs: lasting() };
    case 'operator-config':
      return { kind, target: target(), key: token('key'), value: token('value') };
    case 'station-clock-offset':
      return {
        kind,
        target: target(),
        offsetNs: w.read(m.get('offset'), 0, (n) => duration(n, `${what}.offset`)),
      };
    case 'kkcm-io-error':
    case 'inter-re-down':
    case 'inter-re-partition':
    case 'inter-re-hold':
    case 'backup-stall':
    case 'nsr-deconfig':
    case 'nsr-reconfig':
      return readNsrAction(w, m, kind, what, lasting);
    default:
      // catalog.ts lists a supported kind this switch does not build: a bug here, not the user's.
      throw new Error(
        `scenarios: fault kind "${kind}" is in the catalog but the loader cannot build it`,
      );
  }
}

/** The NSR faults; a duration of 0s (or none, where optional) lasts until the run ends. */
function readNsrAction(
  w: Walk,
  m: Fields,
  kind: string,
  what: string,
  lasting: () => number,
): FaultAction {
  const re = (key: 'target' | 'from'): FaultTarget =>
    w.read(m.get(key), 'master', (n) => oneOf(n, `${what}.${key}`, FAULT_TARGETS));
  const untilEnd = (): number =>
    w.read(m.get('duration'), 0, (n) => duration(n, `${what}.duration`));
  switch (kind) {
    case 'kkcm-io-error':
      return { kind, target: re('target') };
    case 'inter-re-down':
      return { kind, durationNs: untilEnd() };
    case 'inter-re-partition':
      return { kind, from: re('from'), durationNs: untilEnd() };
    case 'inter-re-hold':
      return { kind, durationNs: untilEnd() };
    case 'backup-stall':
      return { kind, durationNs: lasting() };
    case 'nsr-deconfig':
    case 'nsr-reconfig':
      return { kind };
    default:
      throw new Error(`scenarios: "${kind}" is not an NSR fault kind`);
  }
}

function readAppStall(
  w: Walk,
  m: Fields,
  what: string,
  peer: () => string | undefined,
  lasting: () => number,
): FaultAction {
  const side = w.read(m.get('side'), 'peer' as const, (n) =>
    oneOf(n, `${what}.side`, ['peer', 'router'] as const),
  );
  const p = peer();
  const pf = m.get('peer');
  // The model stalls every session of the master RE; stalling one peer's is not modelled.
  if (side === 'router' && pf !== undefined)
    w.error(
      pf.key,
      `${what}.peer with side: router is not supported yet (the router side stalls every session of the master RE)`,
    );
  const reNode = m.get('re');
  const re = w.read(reNode, 'master' as const, (n) =>
    oneOf(n, `${what}.re`, ['master', 'backup'] as const),
  );
  if (side === 'peer' && re === 'backup')
    w.error(reNode?.key ?? null, `${what}.re: backup applies only with side: router`);
  return {
    kind: 'app-stall',
    side,
    peer: side === 'router' ? undefined : p,
    durationNs: lasting(),
    ...(side === 'router' ? { re } : {}),
  };
}

/** `session` is a session number of the named peer (of every peer, without `peer`). */
function readSocketFailover(
  w: Walk,
  m: Fields,
  what: string,
  peer: () => string | undefined,
  peers: ReadonlyMap<string, number>,
): FaultAction {
  const p = peer();
  const sf = m.get('session');
  const most = p === undefined ? Math.max(0, ...peers.values()) : (peers.get(p) ?? 0);
  const session = w.read(sf, undefined as number | undefined, (n) => {
    if (
      !isScalar(n) ||
      typeof n.value !== 'number' ||
      !Number.isSafeInteger(n.value) ||
      n.value < 0
    )
      throw new Invalid(`${what}.session must be a session number (0, 1, ...), got ${describe(n)}`);
    if (n.value >= most)
      throw new Invalid(
        `${what}.session ${n.value} is not a session of ${p === undefined ? 'any peer' : `peer "${p}"`} (${most} session${most === 1 ? '' : 's'}: 0 … ${most - 1})`,
      );
    return n.value;
  });
  return { kind: 'socket-failover', peer: p, session };
}

function peerName(n: Node | null, what: string, peers: ReadonlyMap<string, number>): string {
  if (!isScalar(n) || typeof n.value !== 'string')
    throw new Invalid(`${what} must be a peer name, got ${describe(n)}`);
  const name = n.value;
  if (!peers.has(name)) {
    const hint = closest(name, [...peers.keys()]);
    throw new Invalid(
      `${what} names no peer "${name}"${hint !== undefined ? `; did you mean "${hint}"?` : ''}`,
    );
  }
  return name;
}
