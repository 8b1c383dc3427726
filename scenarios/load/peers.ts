// The loader's `peers` part: each external peer, its wire link, its sessions, the
// traffic both ends write and how both ends read (and when an end resizes its receive
// buffer, SPEC M-7); plus link parameters, which the router's internal links share.
import { isMap, isScalar, type Node } from 'yaml';
import { RECORD_BYTES_MAX, RECORD_BYTES_MIN, type TrafficSpec } from '../../model/app/stream.ts';
import type { AppReadSpec } from '../../model/app/session.ts';
import type { PeerConfig } from '../../model/config.ts';
import type { LinkParams } from '../../model/net/link.ts';
import {
  APP_DEFAULT,
  INITIATOR_DEFAULT,
  MTU_MAX,
  MTU_MIN,
  PEER_LINK_DEFAULT,
  PEERS_MAX,
  RATE_PER_SEC_MAX,
  READ_DEFAULT,
  SESSIONS_DEFAULT,
  SESSIONS_PER_PEER_MAX,
  SOCKET_BUFFER_MAX,
  SOCKET_BUFFER_MIN,
  TRAFFIC_DEFAULT,
} from './defaults.ts';
import { formatDuration } from '../../sim/index.ts';
import { bandwidth, duration, positiveDuration, rate, sizeIn } from './values.ts';
import {
  describe,
  int,
  Invalid,
  oneOf,
  probability,
  seq,
  str,
  type Field,
  type Fields,
  type Walk,
} from './walk.ts';
import { readPeerMsdp } from './msdp.ts';
import { readPeerBgp } from './bgp.ts';

export const LINK_KEYS = [
  'latency',
  'bandwidth',
  'jitter',
  'loss',
  'duplicate',
  'reorder',
  'reorderDelay',
  'mtu',
  'queue',
] as const;
export const PEER_KEYS = [
  'name',
  'link',
  'sessions',
  'initiator',
  'app',
  'msdp',
  'bgp',
  'traffic',
  'read',
] as const;
export const TRAFFIC_KEYS = ['toRouter', 'fromRouter'] as const;
export const DIRECTION_KEYS = ['rate', 'size'] as const;
export const READ_KEYS = ['peer', 'router'] as const;
export const READ_PACE_KEYS = ['chunk', 'every'] as const;
export const READ_KEYS_ALL = [...READ_PACE_KEYS, 'rcvbuf'] as const;
export const RCVBUF_KEYS = ['at', 'size'] as const;
export const PEER_NAME_RE = /^[a-z0-9-]+$/;
/** The applications a peer can run: the verifiable stream (default) or MSDP (issue 14). */
export const APPS = ['stream', 'msdp', 'bgp'] as const;

/** Link parameters over `base`; every field is filled in (the model gets no gaps). */
export function readLink(
  w: Walk,
  f: Field | undefined,
  what: string,
  base: Readonly<LinkParams>,
): LinkParams {
  const out: LinkParams = { ...base };
  if (f === undefined) return out;
  const m = w.map(f.value, what, LINK_KEYS);
  if (m === undefined) return out;
  const at = (k: string): string => `${what}.${k}`;
  out.latencyNs = w.read(m.get('latency'), base.latencyNs, (n) => duration(n, at('latency')));
  out.bandwidthBps = w.read(m.get('bandwidth'), base.bandwidthBps, (n) =>
    bandwidth(n, at('bandwidth')),
  );
  out.jitterNs = w.read(m.get('jitter'), base.jitterNs, (n) => duration(n, at('jitter')));
  out.loss = w.read(m.get('loss'), base.loss, (n) => probability(n, at('loss')));
  out.duplicate = w.read(m.get('duplicate'), base.duplicate, (n) =>
    probability(n, at('duplicate')),
  );
  out.reorder = w.read(m.get('reorder'), base.reorder, (n) => probability(n, at('reorder')));
  out.reorderDelayNs = w.read(m.get('reorderDelay'), base.reorderDelayNs, (n) =>
    positiveDuration(n, at('reorderDelay')),
  );
  out.mtu = w.read(m.get('mtu'), base.mtu, (n) => int(n, at('mtu'), MTU_MIN, MTU_MAX));
  out.queueBytesMax = w.read(m.get('queue'), base.queueBytesMax, (n) =>
    sizeIn(n, at('queue'), 1, Number.MAX_SAFE_INTEGER),
  );
  return out;
}

/** `durationNs`: the run's length (a receive-buffer change must fall inside it), 0 if unknown. */
export function readPeers(w: Walk, f: Field | undefined, durationNs = 0): PeerConfig[] {
  if (f === undefined) return [];
  const items = w.read(f, [] as Array<Node | null>, (n) => {
    const s = seq(n, 'peers');
    if (s.items.length < 1 || s.items.length > PEERS_MAX)
      throw new Invalid(`peers must list between 1 and ${PEERS_MAX} peers, got ${s.items.length}`);
    return s.items;
  });
  const seen = new Map<string, number>();
  const peers: PeerConfig[] = [];
  items.forEach((entry, i) => {
    const item = w.deref(entry);
    const p = readPeer(w, item, `peers[${i}]`, durationNs);
    if (p === undefined) return;
    const first = seen.get(p.name);
    if (first !== undefined) {
      const nameNode = isMap(item) ? ((item.get('name', true) as Node | undefined) ?? item) : item;
      w.error(nameNode, `duplicate peer name "${p.name}" (also peers[${first}])`);
    } else if (p.name !== '') {
      seen.set(p.name, i);
    }
    peers.push(p);
  });
  return peers;
}

function readPeer(
  w: Walk,
  node: Node | null,
  what: string,
  durationNs: number,
): PeerConfig | undefined {
  const m = w.map(node, what, PEER_KEYS);
  if (m === undefined) return undefined;
  w.require(m, what, ['name']);
  const name = w.read(m.get('name'), '', (n) => {
    const s = str(n, `${what}.name`);
    if (!PEER_NAME_RE.test(s))
      throw new Invalid(`${what}.name "${s}" must use only a-z, 0-9 and "-"`);
    return s;
  });
  const app = readApp(w, m, what);
  const traffic = readTraffic(w, m.get('traffic'), `${what}.traffic`);
  const read = readReads(w, m.get('read'), `${what}.read`, durationNs);
  return {
    name,
    link: readLink(w, m.get('link'), `${what}.link`, PEER_LINK_DEFAULT),
    sessions: w.read(m.get('sessions'), SESSIONS_DEFAULT, (n) =>
      int(n, `${what}.sessions`, 1, SESSIONS_PER_PEER_MAX),
    ),
    initiator: w.read(m.get('initiator'), INITIATOR_DEFAULT, (n) =>
      oneOf(n, `${what}.initiator`, ['peer', 'router'] as const),
    ),
    toRouter: traffic.toRouter,
    fromRouter: traffic.fromRouter,
    peerRead: read.peer,
    routerRead: read.router,
    ...(app === undefined ? {} : { app }),
  };
}

/** `app:` and, for `app: msdp`, the peer's `msdp:` map (scenarios/load/msdp.ts). */
function readApp(w: Walk, m: Fields, what: string): PeerConfig['app'] {
  const kind = w.read(m.get('app'), APP_DEFAULT as (typeof APPS)[number], (n) =>
    oneOf(n, `${what}.app`, APPS),
  );
  if (kind !== 'bgp' && m.has('bgp')) w.error(m.node, `${what}.bgp needs app: bgp`);
  if (kind === 'bgp') return readBgpApp(w, m, what);
  if (kind !== 'msdp') {
    if (m.has('msdp')) w.error(m.node, `${what}.msdp needs app: msdp`);
    return undefined;
  }
  for (const k of ['sessions', 'initiator', 'traffic', 'read'])
    if (m.has(k))
      w.error(m.node, `${what}.${k} is for app: stream; an MSDP peer has one connection (D-1)`);
  return readPeerMsdp(w, m.get('msdp'), `${what}.msdp`);
}

/** `app: bgp`: one peering (one connection), configured by the peer's `bgp:` map. */
function readBgpApp(w: Walk, m: Fields, what: string): PeerConfig['app'] {
  if (m.has('msdp')) w.error(m.node, `${what}.msdp needs app: msdp`);
  for (const k of ['sessions', 'initiator', 'traffic', 'read'])
    if (m.has(k)) w.error(m.node, `${what}.${k} is for app: stream; a BGP peer has one connection`);
  return readPeerBgp(w, m.get('bgp'), `${what}.bgp`);
}

function readTraffic(
  w: Walk,
  f: Field | undefined,
  what: string,
): { toRouter: TrafficSpec; fromRouter: TrafficSpec } {
  const out = { toRouter: { ...TRAFFIC_DEFAULT }, fromRouter: { ...TRAFFIC_DEFAULT } };
  if (f === undefined) return out;
  const m = w.map(f.value, what, TRAFFIC_KEYS);
  if (m === undefined) return out;
  for (const dir of TRAFFIC_KEYS) {
    const d = m.get(dir);
    if (d === undefined) continue;
    const dm = w.map(d.value, `${what}.${dir}`, DIRECTION_KEYS);
    if (dm === undefined) continue;
    const ratePerSec = w.read(dm.get('rate'), TRAFFIC_DEFAULT.ratePerSec, (n) =>
      rate(n, `${what}.${dir}.rate`, RATE_PER_SEC_MAX),
    );
    const [sizeMin, sizeMax] = w.read(
      dm.get('size'),
      [TRAFFIC_DEFAULT.sizeMin, TRAFFIC_DEFAULT.sizeMax] as const,
      (n) => recordSizes(w, n, `${what}.${dir}.size`),
    );
    out[dir] = { ratePerSec, sizeMin, sizeMax };
  }
  return out;
}

/** `[min, max]` (inclusive) or one size for fixed-size records. */
function recordSizes(w: Walk, n: Node | null, what: string): readonly [number, number] {
  const one = (x: Node | null): number => sizeIn(x, what, RECORD_BYTES_MIN, RECORD_BYTES_MAX);
  if (isScalar(n)) {
    const s = one(n);
    return [s, s];
  }
  const s = seq(n, what);
  if (s.items.length !== 2)
    throw new Invalid(`${what} must be [min, max] or one size, got a list of ${s.items.length}`);
  const lo = w.readNode(s.items[0] ?? null, -1, one);
  const hi = w.readNode(s.items[1] ?? null, -1, one);
  if (lo >= 0 && hi >= 0 && lo > hi)
    throw new Invalid(`${what}: min ${lo} is larger than max ${hi}`);
  return [lo, hi];
}

function readReads(
  w: Walk,
  f: Field | undefined,
  what: string,
  durationNs: number,
): { peer: AppReadSpec; router: AppReadSpec } {
  const out = { peer: { ...READ_DEFAULT }, router: { ...READ_DEFAULT } };
  if (f === undefined) return out;
  const m = w.map(f.value, what, READ_KEYS);
  if (m === undefined) return out;
  for (const side of READ_KEYS)
    out[side] = w.read(m.get(side), { ...READ_DEFAULT }, (n) =>
      readPace(w, n, `${what}.${side}`, durationNs),
    );
  return out;
}

/**
 * "eager" or { chunk, every }: read `chunk` bytes every `every`; either form may add
 * rcvbuf: { at, size } (M-7), with { rcvbuf } alone reading eagerly.
 */
function readPace(w: Walk, n: Node | null, what: string, durationNs: number): AppReadSpec {
  if (isScalar(n)) {
    if (n.value === 'eager') return { ...READ_DEFAULT };
    throw new Invalid(
      `${what} must be "eager" or { chunk: <size>, every: <duration>, rcvbuf?: { at, size } }, got ${describe(n)}`,
    );
  }
  const m = w.map(n, what, READ_KEYS_ALL);
  if (m === undefined) return { ...READ_DEFAULT };
  const rcvbuf = w.read(m.get('rcvbuf'), undefined as AppReadSpec['rcvbuf'], (x) =>
    readRcvbuf(w, x, `${what}.rcvbuf`, durationNs),
  );
  const extra = rcvbuf === undefined ? {} : { rcvbuf };
  if (!m.has('chunk') && !m.has('every')) return { ...READ_DEFAULT, ...extra };
  w.require(m, what, READ_PACE_KEYS);
  return {
    chunkBytes: w.read(m.get('chunk'), 1, (x) =>
      sizeIn(x, `${what}.chunk`, 1, Number.MAX_SAFE_INTEGER),
    ),
    intervalNs: w.read(m.get('every'), 1, (x) => positiveDuration(x, `${what}.every`)),
    ...extra,
  };
}

/** M-7: { at, size }: at `at` the application sets its socket's SO_RCVBUF to `size`. */
function readRcvbuf(
  w: Walk,
  n: Node | null,
  what: string,
  durationNs: number,
): AppReadSpec['rcvbuf'] {
  const m = w.map(n, what, RCVBUF_KEYS);
  if (m === undefined) return undefined;
  w.require(m, what, RCVBUF_KEYS);
  const atNs = w.read(m.get('at'), -1, (x) => {
    const at = positiveDuration(x, `${what}.at`);
    if (durationNs > 0 && at >= durationNs)
      throw new Invalid(
        `${what}.at is not inside the run (duration ${formatDuration(durationNs)})`,
      );
    return at;
  });
  const bytes = w.read(m.get('size'), -1, (x) =>
    sizeIn(x, `${what}.size`, SOCKET_BUFFER_MIN, SOCKET_BUFFER_MAX),
  );
  return atNs < 0 || bytes < 0 ? undefined : { atNs, bytes };
}
