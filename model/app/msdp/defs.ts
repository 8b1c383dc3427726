// MSDP numbers and configuration: the RFC 3618 timer periods (§5), the TCP port and the
// connection-role rule (§11, SPEC D-1), the per-router configuration the speaker is built
// from, and its validation. Pure data and pure functions; nothing here keeps state.
//
// Timer values (RFC 3618 §5):
// - §5.1 [SA-Advertisement-Period] MUST be 60 s (an RP re-announces each active source
//   once per period).
// - §5.3 [SG-State-Period] MUST NOT be less than [SA-Advertisement-Period] +
//   [SA-Hold-Down-Period]; the RFC gives the hold-down no value (RFC 4624's MIB deprecates
//   msdpSAHoldDownPeriod for that reason, and FRR's pimd notes the gap and picks 210 s).
//   We take a 30 s hold-down, so 90 s, the lower bound SPEC D-2's reading names; it is
//   configurable.
// - §5.4 [HoldTime-Period] MUST be at least 3 s; 75 s is recommended.
// - §5.5 [KeepAlive-Period] MUST be less than [HoldTime-Period] and at least 1 s; 60 s is
//   recommended.
// - §5.6 [ConnectRetry-Period] SHOULD be 30 s.
import { SEC } from '../../../sim/index.ts';
import type { Ipv4 } from '../../net/segment.ts';

/** RFC 3618 §11: MSDP runs over TCP port 639. */
export const MSDP_PORT = 639;

export const SA_ADVERTISEMENT_PERIOD_NS = 60 * SEC;
export const SA_HOLD_DOWN_PERIOD_NS = 30 * SEC;
export const SG_STATE_PERIOD_NS = SA_ADVERTISEMENT_PERIOD_NS + SA_HOLD_DOWN_PERIOD_NS;
export const HOLD_TIME_PERIOD_NS = 75 * SEC;
export const HOLD_TIME_PERIOD_NS_MIN = 3 * SEC;
export const KEEPALIVE_PERIOD_NS = 60 * SEC;
export const KEEPALIVE_PERIOD_NS_MIN = 1 * SEC;
export const CONNECT_RETRY_PERIOD_NS = 30 * SEC;
/**
 * RFC 3618 §5.2 (R4: an RP MUST spread the generation of periodic SAs over the period):
 * each local source is re-announced on its own phase, on a grid of this step, so one
 * period holds up to 60 small batches rather than one burst.
 */
export const ADVERTISEMENT_SLOT_NS = 1 * SEC;

export interface MsdpTimers {
  saAdvertisementNs: number;
  sgStateNs: number;
  holdTimeNs: number;
  keepAliveNs: number;
  connectRetryNs: number;
  slotNs: number;
}

export const DEFAULT_TIMERS: Readonly<MsdpTimers> = {
  saAdvertisementNs: SA_ADVERTISEMENT_PERIOD_NS,
  sgStateNs: SG_STATE_PERIOD_NS,
  holdTimeNs: HOLD_TIME_PERIOD_NS,
  keepAliveNs: KEEPALIVE_PERIOD_NS,
  connectRetryNs: CONNECT_RETRY_PERIOD_NS,
  slotNs: ADVERTISEMENT_SLOT_NS,
};

export type ConnectionRole = 'listen' | 'connect';

/**
 * RFC 3618 §11 and SPEC D-1: of two peers, the one with the higher address listens on
 * port 639 and the one with the lower address connects. Equal addresses are not a peering.
 */
export function connectionRole(local: Ipv4, peer: Ipv4): ConnectionRole {
  if (local === peer) throw new Error(`msdp: peer address equals the local address ${local}`);
  return local >>> 0 > peer >>> 0 ? 'listen' : 'connect';
}

/** A (source, group) pair an RP originates (RFC 3618 §3). */
export interface LocalSource {
  source: Ipv4;
  group: Ipv4;
}

/** Sources appear and disappear: exponential up and down times (rounded to the slot grid). */
export interface ChurnSpec {
  meanUpNs: number;
  meanDownNs: number;
}

export interface OriginationConfig {
  /** The RP address put in the SAs this router originates (RFC 3618 §12.2.1). */
  rp: Ipv4;
  sources: readonly LocalSource[];
  /** Absent: every source is active from its first advertisement on. */
  churn?: ChurnSpec;
}

/**
 * The peer-RPF topology (RFC 3618 §10.1.3, rule 5: a statically configured RPF peer): the
 * SAs of originator RPs in `prefix/len` are accepted from `peer` only. Longest prefix wins.
 */
export interface RpfRoute {
  prefix: Ipv4;
  len: number;
  peer: Ipv4;
}

/** Named, deliberately broken variants (GUIDE §6) the checkers must catch. */
export const MSDP_MUTANTS = [
  /** The snooping backup caches the SAs its own master originates (breaks SPEC D-3). */
  'snoop-caches-own',
  /** The snooping backup learns nothing from its sockets (SAs replicated but not snooped). */
  'snoop-deaf',
  /** takeover() neither finishes a half-written message nor catches up missed sends. */
  'takeover-no-catch-up',
] as const;
export type MsdpMutant = (typeof MSDP_MUTANTS)[number];

export interface MsdpConfig {
  /** This speaker's address: the local end of every peering. */
  local: Ipv4;
  /** Configured peers (seed 003 §1.2 b: peers come from configuration). */
  peers: readonly Ipv4[];
  rpf: readonly RpfRoute[];
  origination?: OriginationConfig;
  timers?: Partial<MsdpTimers>;
  /**
   * Entries per SA TLV this speaker writes (1-255; default 255, RFC 3618 §12.2.1's
   * Entry Count reach). 121 or fewer keeps every SA within one 1,460-byte segment:
   * Wireshark's MSDP dissector does not reassemble TLVs across TCP segments.
   */
  saEntriesPerTlv?: number;
  mutants?: readonly MsdpMutant[];
}

/** The timers of a configuration, defaults filled in. */
export function timersOf(cfg: MsdpConfig): MsdpTimers {
  return { ...DEFAULT_TIMERS, ...cfg.timers };
}

function isAddr(a: number): boolean {
  return Number.isInteger(a) && a >= 0 && a <= 0xffffffff;
}

function timerProblems(t: MsdpTimers): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(t))
    if (!Number.isSafeInteger(v) || v <= 0) out.push(`timers.${k} must be a positive integer`);
  if (t.holdTimeNs < HOLD_TIME_PERIOD_NS_MIN)
    out.push('timers.holdTimeNs: RFC 3618 §5.4 needs >= 3s');
  if (t.keepAliveNs < KEEPALIVE_PERIOD_NS_MIN || t.keepAliveNs >= t.holdTimeNs)
    out.push('timers.keepAliveNs: RFC 3618 §5.5 needs >= 1s and < holdTimeNs');
  if (t.sgStateNs <= t.saAdvertisementNs)
    out.push('timers.sgStateNs: RFC 3618 §5.3 needs more than saAdvertisementNs');
  if (t.saAdvertisementNs % t.slotNs !== 0)
    out.push('timers.slotNs must divide timers.saAdvertisementNs');
  return out;
}

function churnProblems(c: ChurnSpec, slotNs: number): string[] {
  const out: string[] = [];
  if (!Number.isSafeInteger(c.meanUpNs) || c.meanUpNs < slotNs)
    out.push('origination.churn.meanUpNs must be at least one slot');
  if (!Number.isSafeInteger(c.meanDownNs) || c.meanDownNs < slotNs)
    out.push('origination.churn.meanDownNs must be at least one slot');
  return out;
}

/** Every problem of a configuration, as text; empty when it is usable. */
export function msdpConfigProblems(cfg: MsdpConfig): string[] {
  const out: string[] = [];
  const t = timersOf(cfg);
  out.push(...timerProblems(t));
  if (!isAddr(cfg.local)) out.push('local is not an IPv4 address');
  const seen = new Set<number>();
  for (const p of cfg.peers) {
    if (!isAddr(p) || p === cfg.local) out.push(`peer ${p} is not a usable peer address`);
    if (seen.has(p)) out.push(`peer ${p} is configured twice`);
    seen.add(p);
  }
  for (const r of cfg.rpf) {
    if (!isAddr(r.prefix) || !Number.isInteger(r.len) || r.len < 0 || r.len > 32)
      out.push(`rpf route ${r.prefix}/${r.len} is not a prefix`);
    if (!seen.has(r.peer)) out.push(`rpf route ${r.prefix}/${r.len} names an unconfigured peer`);
  }
  const per = cfg.saEntriesPerTlv;
  if (per !== undefined && (!Number.isInteger(per) || per < 1 || per > 255))
    out.push('saEntriesPerTlv must be an integer in 1..255');
  const o = cfg.origination;
  if (o !== undefined) {
    if (!isAddr(o.rp)) out.push('origination.rp is not an IPv4 address');
    if (o.churn !== undefined) out.push(...churnProblems(o.churn, t.slotNs));
    const pairs = new Set(o.sources.map((s) => `${s.source}/${s.group}`));
    if (pairs.size !== o.sources.length) out.push('origination.sources repeats a (source, group)');
  }
  return out;
}

/**
 * Builds `count` distinct local sources: sources base+0, base+1, ... each in its own group
 * groupBase + i (mod 2^32), a convenience for the scale scenarios (SPEC D-5).
 */
export function generateSources(count: number, sourceBase: Ipv4, groupBase: Ipv4): LocalSource[] {
  const out: LocalSource[] = [];
  for (let i = 0; i < count; i++)
    out.push({ source: (sourceBase + i) >>> 0, group: (groupBase + i) >>> 0 });
  return out;
}
