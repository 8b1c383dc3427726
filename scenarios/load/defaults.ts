// Defaults of the scenario format, in model units. Router and link defaults are the
// model's own (model/config.ts DEFAULT_ROUTER, model/link.ts DEFAULT_LINK); the rest
// belong to the scenario format. schema.ts prints these with units as the JSON schema's
// `default`s, and test/scenarios/defaults.test.ts loads each schema default back through
// the loader to prove both agree.
import type { ReadSpec, TrafficSpec } from '../../model/app/stream.ts';
import { DEFAULT_ROUTER, type PeerConfig } from '../../model/config.ts';
import { DEFAULT_LINK, type LinkParams } from '../../model/net/link.ts';
import { DEFAULT_MAX_EVENTS, SEC } from '../../sim/index.ts';

/** The application hold timer (BGP's 90 s, SPEC G-9). */
export const HOLD_TIME_NS_DEFAULT = 90 * SEC;
export const MAX_EVENTS_DEFAULT = DEFAULT_MAX_EVENTS;

/** Link parameters a scenario can set; `up` is the fault injector's business. */
export type ScenarioLinkParams = Omit<LinkParams, 'up'>;

export const PEER_LINK_DEFAULT: Readonly<LinkParams> = DEFAULT_LINK;
export const INTER_RE_LINK_DEFAULT: Readonly<LinkParams> = {
  ...DEFAULT_LINK,
  ...DEFAULT_ROUTER.interRe,
};
export const RE_LINK_DEFAULT: Readonly<LinkParams> = { ...DEFAULT_LINK, ...DEFAULT_ROUTER.reLink };

export const SESSIONS_DEFAULT = 1;
export const INITIATOR_DEFAULT: PeerConfig['initiator'] = 'peer';
export const APP_DEFAULT = 'stream';
export const TRAFFIC_DEFAULT: Readonly<TrafficSpec> = {
  ratePerSec: 10,
  sizeMin: 64,
  sizeMax: 1460,
};
export const READ_DEFAULT: Readonly<ReadSpec> = { chunkBytes: 0, intervalNs: 0 };

export const CHECKS_DEFAULT = 'all';
export const EXPECT_DEFAULT = 'pass';

// Named bounds (GUIDE §4: a limit on everything).
export const PEERS_MAX = 254;
/** Sessions use ports SESSION_PORT_BASE + i; this keeps them far below 65535. */
export const SESSIONS_PER_PEER_MAX = 10_000;
export const FAULTS_MAX = 10_000;
/** Records per second per session and direction. */
export const RATE_PER_SEC_MAX = 1_000_000;
export const MTU_MIN = 68;
export const MTU_MAX = 65535;
export const SOCKET_BUFFER_MIN = 1024;
export const SOCKET_BUFFER_MAX = 1 << 30;
/** router.costs: a processing cost per message is at most this (a limit on everything). */
export const NSR_COST_NS_MAX = SEC;
/** router.bounds: counts (messages, packets) and sizes (bytes) stay within these. */
export const NSR_BOUND_COUNT_MAX = 1_000_000;
export const NSR_BOUND_BYTES_MAX = 1 << 30;
