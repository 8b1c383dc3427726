// JSON Schema of the MSDP keys (issue 14): a peer's `msdp:` map (with `app: msdp`) and
// `router.msdp`. Mirrors scenarios/load/msdp.ts, which validates the same keys with
// positions (the loader is the authority; the schema serves editors).
type Schema = Record<string, unknown>;

const DUR = { $ref: '#/$defs/duration' };
const IPV4 = {
  type: 'string',
  pattern: '^\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}$',
  description: 'A dotted-quad IPv4 address.',
};

function speakerProperties(): Record<string, Schema> {
  return {
    rp: {
      ...IPV4,
      description:
        'The RP address in the SAs this speaker originates (RFC 3618 §12.2.1); default its own address.',
    },
    sources: {
      type: 'object',
      additionalProperties: false,
      required: ['count', 'source', 'group'],
      description:
        'Local sources it originates SAs for (an RP, RFC 3618 §3): source i is source+i in group group+i.',
      properties: {
        count: { type: 'integer', minimum: 1, maximum: 10000, description: 'How many.' },
        source: { ...IPV4, description: 'First source address.' },
        group: { ...IPV4, description: 'First group address.' },
      },
    },
    churn: {
      type: 'object',
      additionalProperties: false,
      required: ['up', 'down'],
      description: 'Sources come and go: exponential up and down times with these means.',
      properties: { up: DUR, down: DUR },
    },
    timers: {
      type: 'object',
      additionalProperties: false,
      description:
        'RFC 3618 §5 periods: keepAlive 60s, hold 75s, connectRetry 30s, saAdvertisement 60s, sgState 90s; slot: the grid periodic SAs are spread on (§5.2), dividing saAdvertisement.',
      default: {},
      properties: {
        keepAlive: { ...DUR, default: '60s' },
        hold: { ...DUR, default: '75s' },
        connectRetry: { ...DUR, default: '30s' },
        saAdvertisement: { ...DUR, default: '60s' },
        sgState: { ...DUR, default: '90s' },
        slot: { ...DUR, default: '1s' },
      },
    },
    saEntriesPerTlv: {
      type: 'integer',
      minimum: 1,
      maximum: 255,
      default: 121,
      description: 'SA entries per TLV (121 keeps a TLV in one segment, as tshark needs).',
    },
  };
}

/** A peer's `msdp:` map. */
export function peerMsdpSchema(): Schema {
  return {
    type: 'object',
    additionalProperties: false,
    description:
      "The peer's MSDP speaker (needs app: msdp): it peers with the router only, on TCP port 639 (RFC 3618).",
    properties: {
      ...speakerProperties(),
      badTlv: {
        $ref: '#/$defs/duration',
        description:
          'SPEC D-8: at this instant the peer writes a malformed TLV (a KeepAlive of length 5) to the router, which resets the session.',
      },
    },
  };
}

/** `router.msdp`. */
export function routerMsdpSchema(): Schema {
  return {
    type: 'object',
    additionalProperties: false,
    description:
      "The router's MSDP speaker (both REs run one; needs a peer with app: msdp): what it originates, its peer-RPF topology, D-7's knob and F-5's guard.",
    properties: {
      ...speakerProperties(),
      rpf: {
        type: 'array',
        description:
          'Peer-RPF routes (RFC 3618 §10.1.3 rule 5): SAs of originator RPs in prefix are accepted from peer only.',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['prefix', 'peer'],
          properties: {
            prefix: { type: 'string', description: 'e.g. 10.9.0.0/16' },
            peer: { type: 'string', description: 'An MSDP peer name.' },
          },
        },
      },
      nsr: {
        type: 'boolean',
        default: true,
        description:
          'SPEC D-7: false = MSDP nonstop-routing-disable: its sockets are not replicated and a switchover resets its peers.',
      },
      guard: {
        type: 'boolean',
        default: true,
        description:
          'SPEC F-5: refuse a planned switchover for 60 s after an MSDP socket replication and within 240 s of the previous one.',
      },
    },
  };
}
