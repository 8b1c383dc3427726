// BGP peers for generated cases (issue 15; FuzzArbOptions.bgp): two eBGP peers with
// graceful restart and the router's speaker, each originating a small table with churn,
// so a few seconds see the sessions up, the tables across (End-of-RIB) and updates flowing
// when the mastership fault strikes. No draw: the rest of the case is what it would be
// without them. ConnectRetry 1 s so a design without NSR reconnects within the run.
import { ROUTER_BGP_DEFAULT, type RouterBgpConfig } from '../../model/app/layer/bgp-config.ts';
import type { PeerConfig } from '../../model/config.ts';
import { SEC } from '../../sim/index.ts';
import { appPeer } from './app-peer.ts';

export function fuzzBgp(): { peers: PeerConfig[]; router: RouterBgpConfig } {
  const peer = (name: string, as: number, first: number): PeerConfig =>
    appPeer(name, {
      kind: 'bgp',
      as,
      routes: { count: 60, first, len: 24, churnPerSec: 2 },
      holdSec: 90,
      gr: true,
    });
  return {
    peers: [peer('ba', 65001, 0x14000000), peer('bb', 65002, 0x1e000000)],
    router: {
      ...ROUTER_BGP_DEFAULT,
      routes: { count: 40, first: 0xc6120000, len: 24, churnPerSec: 2 },
      connectRetryNs: SEC,
    },
  };
}
