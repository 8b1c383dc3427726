// Proves the peer-RPF check of RFC 3618 §10.1.3 as modelled: direct peering with the originator wins first, then the longest configured prefix names the one peer an originator's SAs are accepted from, the router's own SAs coming back are refused, and an originator with no route is refused.
import { describe, expect, it } from 'vitest';
import { peerRpfCheck, rpfPeer, type RpfRoute } from '../../../../model/app/msdp/index.ts';
import { parseIpv4 } from '../../../../model/net/segment.ts';

const ip = (s: string): number => parseIpv4(s) as number;
const routes: RpfRoute[] = [
  { prefix: ip('10.0.0.0'), len: 8, peer: ip('192.0.2.1') },
  { prefix: ip('10.1.0.0'), len: 16, peer: ip('192.0.2.2') },
  { prefix: ip('10.1.2.3'), len: 32, peer: ip('192.0.2.3') },
  { prefix: ip('10.1.0.0'), len: 16, peer: ip('192.0.2.9') }, // same length later: ignored
];

describe('peer-RPF (RFC 3618 §10.1.3)', () => {
  it('longest prefix wins; equal lengths keep configuration order', () => {
    expect(rpfPeer(routes, ip('10.9.9.9'))).toBe(ip('192.0.2.1'));
    expect(rpfPeer(routes, ip('10.1.9.9'))).toBe(ip('192.0.2.2'));
    expect(rpfPeer(routes, ip('10.1.2.3'))).toBe(ip('192.0.2.3'));
    expect(rpfPeer(routes, ip('11.0.0.1'))).toBeUndefined();
    expect(rpfPeer([{ prefix: 0, len: 0, peer: 7 }], ip('203.0.113.5'))).toBe(7);
  });

  it('accepts from the RPF peer only, and says which peer was expected otherwise', () => {
    expect(peerRpfCheck(routes, ip('10.1.9.9'), ip('192.0.2.2'), undefined)).toEqual({
      ok: true,
      rule: 'static',
    });
    expect(peerRpfCheck(routes, ip('10.1.9.9'), ip('192.0.2.1'), undefined)).toEqual({
      ok: false,
      reason: 'not-rpf-peer',
      expected: ip('192.0.2.2'),
    });
    expect(peerRpfCheck(routes, ip('11.0.0.1'), ip('192.0.2.1'), undefined)).toEqual({
      ok: false,
      reason: 'no-route',
    });
  });

  it('rule 1: an SA from its originator itself is accepted whatever the routes say', () => {
    expect(peerRpfCheck(routes, ip('10.1.2.3'), ip('10.1.2.3'), undefined)).toEqual({
      ok: true,
      rule: 'direct',
    });
  });

  it("the router's own SAs are refused even from the route's peer", () => {
    expect(peerRpfCheck(routes, ip('10.1.9.9'), ip('192.0.2.2'), ip('10.1.9.9'))).toEqual({
      ok: false,
      reason: 'own-rp',
    });
  });
});
