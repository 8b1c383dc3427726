// The routes a speaker originates towards its peer, and the exact sequence of UPDATE
// messages it sends on one session: the initial table packed into as few UPDATEs as fit
// 4,096 octets, the End-of-RIB marker (RFC 4724 §4: sent once the initial update is done,
// even when empty), then churn events. Prefix i of the table is firstPrefix + i·2^(32-len).
//
// The n-th UPDATE of a session is a pure function of (configuration, negotiated AS width,
// n), as the stream application's records are of their record number (app/stream.ts).
// That is what lets an NSR backup that takes over in the middle of a message complete it
// byte for byte, and continue the sequence where the master's output stopped (SPEC S-1,
// B-3). Only the instants of churn come from the RNG (speaker.ts). A churn event picks a
// prefix and either withdraws it or (re-)announces it with a new MULTI_EXIT_DISC; a
// withdrawal of a route not announced is legal BGP and a no-op at the receiver.
import {
  AS_SEQUENCE,
  EOR_BYTES,
  HEADER_BYTES,
  MESSAGE_BYTES_MAX,
  ORIGIN,
  maskOf,
  type PathAttrs,
  type Prefix,
  type UpdateMsg,
} from './defs.ts';
import { encodeAttrs } from './attrs.ts';
import { encodeMessage } from './message.ts';
import { prefixBytes } from './update.ts';
import { ByteWriter } from './writer.ts';

export interface RouteTableConfig {
  /** Routes originated (0 = none; the End-of-RIB is still sent). */
  prefixCount: number;
  /** Address of prefix 0, aligned to prefixLen. */
  firstPrefix: number;
  prefixLen: number;
  /** Churn events per second (Poisson); 0 = a static table. */
  churnPerSec: number;
}

export interface OriginSpec {
  localAs: number;
  nextHop: number;
  /** eBGP prepends the local AS; iBGP sends an empty AS_PATH and LOCAL_PREF (RFC 4271 §5.1.2, §5.1.5). */
  ebgp: boolean;
}

/** Default LOCAL_PREF on iBGP (Junos and most implementations use 100). */
export const LOCAL_PREF_DEFAULT = 100;
/** Churn MEDs are drawn below this. */
const CHURN_MED_SPAN = 1000;

export function checkTable(t: RouteTableConfig): void {
  const ok =
    Number.isSafeInteger(t.prefixCount) &&
    t.prefixCount >= 0 &&
    Number.isInteger(t.prefixLen) &&
    t.prefixLen >= 1 &&
    t.prefixLen <= 32 &&
    (t.firstPrefix & ~maskOf(t.prefixLen)) === 0 &&
    t.firstPrefix + t.prefixCount * 2 ** (32 - t.prefixLen) <= 2 ** 32 &&
    t.churnPerSec >= 0;
  if (!ok) throw new RangeError(`bgp route table: invalid ${JSON.stringify(t)}`);
}

/** A 32-bit mix of (key, n): splitmix-style, so neighbouring n look unrelated. */
function mix(seed: number, n: number): number {
  let x = (seed ^ Math.imul(n + 1, 0x9e3779b1)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

export function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export class OutboundPlan {
  readonly base: PathAttrs;
  /** UPDATEs of the initial table (the End-of-RIB is UPDATE number initialCount). */
  readonly initialCount: number;
  private readonly perUpdate: number;
  private readonly seed: number;

  constructor(
    readonly table: RouteTableConfig,
    origin: OriginSpec,
    readonly as4: boolean,
    key: string,
  ) {
    checkTable(table);
    this.base = {
      origin: ORIGIN.igp,
      asPath: origin.ebgp ? [{ type: AS_SEQUENCE, asns: [origin.localAs] }] : [],
      nextHop: origin.nextHop,
      ...(origin.ebgp ? {} : { localPref: LOCAL_PREF_DEFAULT }),
    };
    const w = new ByteWriter();
    encodeAttrs(this.base, as4, w);
    const room = MESSAGE_BYTES_MAX - EOR_BYTES - w.len;
    this.perUpdate = Math.floor(room / prefixBytes(table.prefixLen));
    if (this.perUpdate < 1) throw new RangeError('bgp route table: attributes leave no room');
    this.initialCount = Math.ceil(table.prefixCount / this.perUpdate);
    this.seed = hashKey(key);
  }

  prefix(i: number): Prefix {
    return {
      addr: this.table.firstPrefix + i * 2 ** (32 - this.table.prefixLen),
      len: this.table.prefixLen,
    };
  }

  /** UPDATE number n of a session. */
  update(n: number): UpdateMsg {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`bgp plan: update ${n}`);
    if (n < this.initialCount) {
      const from = n * this.perUpdate;
      const to = Math.min(this.table.prefixCount, from + this.perUpdate);
      const nlri = [];
      for (let i = from; i < to; i++) nlri.push(this.prefix(i));
      return { withdrawn: [], attrs: this.base, nlri };
    }
    if (n === this.initialCount) return { withdrawn: [], attrs: undefined, nlri: [] };
    return this.churn(n - this.initialCount - 1);
  }

  /** Churn event k: a pure function of (key, k). */
  churn(k: number): UpdateMsg {
    if (this.table.prefixCount === 0) throw new RangeError('bgp plan: churn with no table');
    const h = mix(this.seed, k);
    const p = this.prefix(h % this.table.prefixCount);
    const r = mix(h, 0x5bd1e995);
    if (r % 4 === 0) return { withdrawn: [p], attrs: undefined, nlri: [] };
    return { withdrawn: [], attrs: { ...this.base, med: (r >>> 2) % CHURN_MED_SPAN }, nlri: [p] };
  }

  /** The octets of UPDATE number n. */
  encoded(n: number): Uint8Array {
    const m = encodeMessage(
      { kind: 'update', update: this.update(n), eor: n === this.initialCount },
      this.as4,
    );
    if (m.length < HEADER_BYTES || m.length > MESSAGE_BYTES_MAX) throw new Error('bgp plan: size');
    return m;
  }

  /** Whether UPDATE number n is the End-of-RIB. */
  isEor(n: number): boolean {
    return n === this.initialCount;
  }
}
