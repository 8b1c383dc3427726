// The loader's `router.tcp` part: overrides of the TCP options both the router and the
// peers use (model/tcp/config.ts). Only keys the file sets are passed on; the model
// fills in its own defaults (TCP_DEFAULTS) for the rest.
import { isScalar, type Node } from 'yaml';
import {
  resolveTcpConfig,
  TCP_DEFAULTS,
  TCP_MAX_WINSHIFT,
  type TcpOptionsConfig,
} from '../../model/tcp/defs.ts';
import { MS } from '../../sim/index.ts';
import { duration, positiveDuration } from './values.ts';
import { bool, describe, int, Invalid, str, type Field, type Walk } from './walk.ts';

export const TCP_KEYS = [
  'mss',
  'wscale',
  'timestamps',
  'delack',
  'rtoMin',
  'rtoInit',
  'rtoMax',
  'maxRetries',
  'nodelay',
  'sack',
  'md5Key',
] as const;
/** The model caps the delayed-ACK timer here; the validator refuses larger values instead. */
export const DELACK_MAX_NS = 200 * MS;
export const MSS_MIN = 64;
export const MSS_MAX = 65495;
export const MAX_RETRIES_MAX = 64;
/** `wscale: off` means: do not offer the window-scale option. */
export const WSCALE_OFF = 'off';

export function readTcp(w: Walk, f: Field | undefined): Partial<TcpOptionsConfig> {
  if (f === undefined) return {};
  const m = w.map(f.value, 'router.tcp', TCP_KEYS);
  if (m === undefined) return {};
  const out: Partial<TcpOptionsConfig> = {};
  const issuesBefore = w.issues.length;
  const set = <K extends keyof TcpOptionsConfig>(
    key: string,
    field: K,
    read: (n: Node | null) => TcpOptionsConfig[K],
  ): void => {
    const fl = m.get(key);
    if (fl === undefined) return;
    const v = w.read(fl, undefined as TcpOptionsConfig[K] | undefined, read);
    if (v !== undefined) out[field] = v;
  };
  set('mss', 'mss', (n) => int(n, 'router.tcp.mss', MSS_MIN, MSS_MAX));
  set('wscale', 'wscale', (n) => (isScalar(n) && n.value === WSCALE_OFF ? null : intOrOff(n)));
  set('timestamps', 'timestamps', (n) => bool(n, 'router.tcp.timestamps'));
  set('delack', 'delackNs', (n) => {
    const d = positiveDuration(n, 'router.tcp.delack');
    if (d > DELACK_MAX_NS)
      throw new Invalid(
        'router.tcp.delack must be at most 200ms (the model caps the delayed-ACK timer there)',
      );
    return d;
  });
  set('rtoMin', 'rtoMinNs', (n) => positiveDuration(n, 'router.tcp.rtoMin'));
  set('rtoInit', 'rtoInitNs', (n) => positiveDuration(n, 'router.tcp.rtoInit'));
  set('rtoMax', 'rtoMaxNs', (n) => duration(n, 'router.tcp.rtoMax'));
  set('maxRetries', 'maxRetries', (n) => int(n, 'router.tcp.maxRetries', 0, MAX_RETRIES_MAX));
  set('nodelay', 'nodelay', (n) => bool(n, 'router.tcp.nodelay'));
  set('sack', 'sack', (n) => bool(n, 'router.tcp.sack'));
  set('md5Key', 'md5Key', (n) => (isScalar(n) && n.value === null ? null : md5Key(n)));
  // Cross-field rules (rtoMax >= rtoMin) are the model's; ask it.
  if (w.issues.length === issuesBefore) {
    try {
      resolveTcpConfig(TCP_DEFAULTS, out);
    } catch (e) {
      w.errorAtValue(f, `router.tcp: ${(e as Error).message}`);
    }
  }
  return out;
}

function intOrOff(n: Node | null): number {
  if (!isScalar(n) || typeof n.value !== 'number')
    throw new Invalid(
      `router.tcp.wscale must be an integer 0..${TCP_MAX_WINSHIFT} or "${WSCALE_OFF}", got ${describe(n)}`,
    );
  return int(n, 'router.tcp.wscale', 0, TCP_MAX_WINSHIFT);
}

/** RFC 2385 §4: a key of 1..80 bytes (we take the text as UTF-8). */
export const MD5_KEY_MAX = 80;

function md5Key(n: Node | null): string {
  const k = str(n, 'router.tcp.md5Key');
  const len = new TextEncoder().encode(k).length;
  if (len < 1 || len > MD5_KEY_MAX)
    throw new Invalid(
      `router.tcp.md5Key must be 1..${MD5_KEY_MAX} bytes (RFC 2385 §4), got ${len}`,
    );
  return k;
}
