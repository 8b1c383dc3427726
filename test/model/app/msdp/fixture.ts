// Topologies and helpers shared by the MSDP engine tests.
import { parseIpv4 } from '../../../../model/net/segment.ts';
import {
  MSDP_K,
  generateSources,
  type MsdpConfig,
  type MsdpMutant,
  type OriginationConfig,
  type SaKey,
} from '../../../../model/app/msdp/index.ts';
import { SEC } from '../../../../sim/index.ts';
import { MsdpLab, type Box, type LabOptions } from './lab.ts';

export const ip = (s: string): number => {
  const v = parseIpv4(s);
  if (v === undefined) throw new Error(`bad address ${s}`);
  return v;
};

export const PERIOD = 60 * SEC;

/** n sources of router k: sources 10.k.0.x in groups 239.k.0.x. */
export function origination(rp: number, k: number, n: number, churn = false): OriginationConfig {
  return {
    rp,
    sources: generateSources(n, ip(`10.${k}.0.1`), ip(`239.${k}.0.1`)),
    ...(churn ? { churn: { meanUpNs: 120 * SEC, meanDownNs: 60 * SEC } } : {}),
  };
}

export function cfg(
  local: string,
  peers: string[],
  rpf: Array<[string, string]>,
  orig?: OriginationConfig,
  mutants: MsdpMutant[] = [],
): MsdpConfig {
  return {
    local: ip(local),
    peers: peers.map(ip),
    rpf: rpf.map(([rp, peer]) => ({ prefix: ip(rp), len: 32, peer: ip(peer) })),
    ...(orig === undefined ? {} : { origination: orig }),
    mutants,
  };
}

/**
 * The line P1 - R - P2 (R the NSR router in the middle, the seed's R1/R2/R3 seen from one
 * router): each originates `n` sources; P1 and P2 reach each other's RP through R.
 */
export function line(
  opts: Partial<LabOptions> = {},
  n = 3,
  rMutants: MsdpMutant[] = [],
  nsr = true,
): { lab: MsdpLab; p1: Box; r: Box; p2: Box } {
  const lab = new MsdpLab(opts);
  const P1 = '10.0.0.1';
  const R = '10.0.0.2';
  const P2 = '10.0.0.3';
  const p1 = lab.addBox('p1', cfg(P1, [R], [[P2, R]], origination(ip(P1), 1, n)));
  const r = lab.addBox('r', cfg(R, [P1, P2], [], origination(ip(R), 2, n), rMutants), nsr);
  const p2 = lab.addBox('p2', cfg(P2, [R], [[P1, R]], origination(ip(P2), 3, n)));
  return { lab, p1, r, p2 };
}

/** Cache keys (RP, group, source) of a speaker, as strings for easy comparison. */
export function cacheKeys(box: Box, which: 'master' | 'backup' = 'master'): string[] {
  const inst = which === 'master' ? box.master : box.backup;
  if (inst === undefined) throw new Error('no such instance');
  return inst.speaker.saCache().map(keyString);
}

export function keyString(k: SaKey): string {
  return `${k.rp}/${k.group}/${k.source}`;
}

/** Names of the MSDP trace kinds that mean a peering was disturbed. */
export const DISTURBANCE = [
  MSDP_K.formatError,
  MSDP_K.holdExpired,
  MSDP_K.connectRetry,
  MSDP_K.down,
  MSDP_K.completeFallback,
] as const;
