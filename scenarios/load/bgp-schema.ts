// JSON Schema of the BGP keys (issue 15): a peer's `bgp:` map (with `app: bgp`) and
// `router.bgp`. Mirrors scenarios/load/bgp.ts, which validates the same keys with positions
// (the loader is the authority; the schema serves editors).
import { MALFORMS } from '../../model/app/bgp/malform.ts';
import { BGP_CHURN_MAX, BGP_ROUTES_MAX } from './bgp.ts';

type Schema = Record<string, unknown>;

const DUR = { $ref: '#/$defs/duration' };

function routes(first: string, count: number): Schema {
  return {
    type: 'object',
    additionalProperties: false,
    default: {},
    description:
      'The routes this end originates (one UPDATE packs as many as fit 4,096 octets; End-of-RIB follows the table, RFC 4724 §2).',
    properties: {
      count: {
        type: 'integer',
        minimum: 0,
        maximum: BGP_ROUTES_MAX,
        default: count,
        description: 'How many prefixes.',
      },
      first: {
        type: 'string',
        pattern: '^\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}/\\d{1,2}$',
        default: first,
        description: 'The first prefix; prefix i is the next aligned block of the same length.',
      },
      churn: {
        type: 'number',
        minimum: 0,
        maximum: BGP_CHURN_MAX,
        default: 0,
        description: 'Churn events per second (Poisson): a prefix withdrawn or re-announced.',
      },
    },
  };
}

const HOLD = {
  ...DUR,
  default: '90s',
  description:
    'Hold time offered in OPEN (RFC 4271 §4.2; Junos 90 s); keepalives every third of the negotiated one.',
};

/** A peer's `bgp:` map. */
export function peerBgpSchema(): Schema {
  return {
    type: 'object',
    additionalProperties: false,
    description:
      "The peer's BGP speaker (needs app: bgp): one eBGP session with the router on TCP port 179; the peer listens, the router connects.",
    properties: {
      as: {
        type: 'integer',
        minimum: 1,
        maximum: 4294967295,
        default: 65001,
        description: "The peer's AS (not the router's).",
      },
      routes: routes('20.0.0.0/24', 100),
      hold: HOLD,
      gr: {
        type: 'boolean',
        default: true,
        description:
          "Graceful restart helper (RFC 4724 §4.2): keeps the router's routes stale across a restart.",
      },
      malformed: {
        ...DUR,
        description:
          'Test hook: at this instant the peer writes one malformed message to the router (NOTIFICATION, reset).',
      },
      malform: {
        enum: [...MALFORMS],
        description: 'Which malformation (default missing-next-hop); needs malformed.',
      },
    },
  };
}

/** `router.bgp`. */
export function routerBgpSchema(): Schema {
  return {
    type: 'object',
    additionalProperties: false,
    description:
      "The router's BGP speaker (both REs run one; needs a peer with app: bgp). Designs jsr, gr and redundant-tcp advertise graceful restart; design none does not.",
    properties: {
      as: {
        type: 'integer',
        minimum: 1,
        maximum: 4294967295,
        default: 65000,
        description: "The router's AS.",
      },
      routes: routes('198.18.0.0/24', 10),
      hold: HOLD,
      restartTime: {
        ...DUR,
        default: '120s',
        description: 'Restart Time advertised (RFC 4724 §3), 0..4095 s.',
      },
      connectRetry: { ...DUR, default: '30s', description: 'ConnectRetry (RFC 4271 §10).' },
    },
  };
}
