// Configuration of one BGP peering as one end sees it, with Junos-like defaults: hold time
// 90 s and keepalive a third of the negotiated hold time (Junos 90/30; RFC 4271 §10
// suggests the same 90 s), ConnectRetry 120 s (RFC 4271 §10), graceful restart with a
// restart time of 120 s and stale routes kept at most 300 s after the session is back
// (Junos restart-time / stale-routes-time). `gr: undefined` is design `none`: no
// capability sent, no helper behaviour.
import { SEC } from '../../../sim/index.ts';
import { GR_RESTART_TIME_MAX_SEC } from './defs.ts';
import { checkTable, type RouteTableConfig } from './table.ts';

export interface GrConfig {
  /** Restart Time advertised (RFC 4724 §3), seconds, 0..4095. */
  restartTimeSec: number;
  /** Forwarding State bit for IPv4 unicast: forwarding survives a restart (the PFE keeps it, GRES). */
  forwardingState: boolean;
  /** The N bit (RFC 8538 §2): graceful restart also across NOTIFICATIONs and hold-timer expiry. */
  notification: boolean;
  /** Upper bound on keeping stale routes once the session is back (RFC 4724 §4.2, optional timer). */
  stalePathNs: number;
}

export interface BgpConfig {
  /** Stable name of the peering (e.g. "pa/bgp"), in every trace record. */
  name: string;
  localAs: number;
  peerAs: number;
  /** BGP Identifier (RFC 4271 §4.2), non-zero. */
  bgpId: number;
  /** NEXT_HOP of the routes this end originates. */
  nextHop: number;
  holdTimeSec: number;
  /** Keepalive interval; undefined = a third of the negotiated hold time. */
  keepaliveSec: number | undefined;
  connectRetryNs: number;
  /** Idle before an automatic restart after the session went down (RFC 4271 §8.1.1 IdleHoldTimer). */
  idleHoldNs: number;
  /** Never connects; waits in Active for the peer (RFC 4271 §8.1.1 PassiveTcpEstablishment). */
  passive: boolean;
  /** Advertise the 4-octet AS capability (RFC 6793). */
  as4: boolean;
  gr: GrConfig | undefined;
  /** This end has just restarted: set the Restart State bit until a session is Established (RFC 4724 §4.1). */
  restarting: boolean;
  table: RouteTableConfig;
}

export const GR_DEFAULTS: GrConfig = {
  restartTimeSec: 120,
  forwardingState: true,
  notification: true,
  stalePathNs: 300 * SEC,
};

export const BGP_DEFAULTS = {
  holdTimeSec: 90,
  keepaliveSec: undefined,
  connectRetryNs: 120 * SEC,
  idleHoldNs: 1 * SEC,
  passive: false,
  as4: true,
  gr: GR_DEFAULTS,
  restarting: false,
  table: { prefixCount: 0, firstPrefix: 0, prefixLen: 24, churnPerSec: 0 },
} as const satisfies Partial<BgpConfig>;

type Required = Pick<BgpConfig, 'name' | 'localAs' | 'peerAs' | 'bgpId' | 'nextHop'>;

/** A full configuration from the required fields and any overrides; throws on a bad value. */
export function bgpConfig(req: Required & Partial<BgpConfig>): BgpConfig {
  const cfg: BgpConfig = { ...BGP_DEFAULTS, ...req };
  checkConfig(cfg);
  return cfg;
}

export function checkConfig(c: BgpConfig): void {
  const bad = (why: string) => {
    throw new RangeError(`bgp config ${c.name}: ${why}`);
  };
  const asOk = (a: number) => Number.isInteger(a) && a > 0 && a <= 0xffffffff;
  if (!asOk(c.localAs) || !asOk(c.peerAs)) bad('AS numbers must be 1..4294967295');
  if (!c.as4 && (c.localAs > 0xffff || c.peerAs > 0xffff)) bad('a 4-octet AS needs as4');
  if (!Number.isInteger(c.bgpId) || c.bgpId <= 0 || c.bgpId > 0xffffffff)
    bad('bgpId must be non-zero');
  const h = c.holdTimeSec;
  if (!Number.isInteger(h) || h < 0 || h > 0xffff || h === 1 || h === 2)
    bad('hold time must be 0 or 3..65535 s (RFC 4271 §4.2)');
  if (c.keepaliveSec !== undefined && (!Number.isInteger(c.keepaliveSec) || c.keepaliveSec < 1))
    bad('keepalive must be a whole number of seconds >= 1 (RFC 4271 §4.4)');
  for (const [k, v] of [
    ['connectRetryNs', c.connectRetryNs],
    ['idleHoldNs', c.idleHoldNs],
  ] as const)
    if (!Number.isSafeInteger(v) || v < 0) bad(`${k} must be a non-negative integer of ns`);
  if (c.gr !== undefined) {
    const t = c.gr.restartTimeSec;
    if (!Number.isInteger(t) || t < 0 || t > GR_RESTART_TIME_MAX_SEC) bad('restart time 0..4095 s');
    if (!Number.isSafeInteger(c.gr.stalePathNs) || c.gr.stalePathNs < 0) bad('stalePathNs');
  }
  checkTable(c.table);
}
