// A generated peer that runs a protocol on the application-protocol layer (issues 14, 15):
// one session the peer listens for, on the default link, with the stream keys as the
// loader fills them in (such a peer does not use them), so a case round-trips through YAML.
import type { PeerConfig } from '../../model/config.ts';
import { PEER_LINK_DEFAULT, READ_DEFAULT, TRAFFIC_DEFAULT } from '../load/defaults.ts';

export function appPeer(name: string, app: NonNullable<PeerConfig['app']>): PeerConfig {
  return {
    name,
    link: { ...PEER_LINK_DEFAULT },
    sessions: 1,
    initiator: 'peer',
    toRouter: { ...TRAFFIC_DEFAULT },
    fromRouter: { ...TRAFFIC_DEFAULT },
    peerRead: { ...READ_DEFAULT },
    routerRead: { ...READ_DEFAULT },
    app,
  };
}
