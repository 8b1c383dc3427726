// BGP-4 wire constants and the in-memory form of its messages (RFC 4271 §4), with the
// capabilities nsrsim speaks (RFC 5492 framing; multiprotocol RFC 4760 §8, graceful restart
// RFC 4724 §3 with the RFC 8538 N bit, 4-octet AS RFC 6793 §3) and the NOTIFICATION error
// codes and subcodes of RFC 4271 §4.5 and §6 (FSM subcodes RFC 6608 §4, Cease subcodes
// RFC 4486 §4 and RFC 8538 §3). Shared by the codec (open.ts, update.ts, attrs.ts,
// message.ts, framer.ts) and the speaker.
//
// Addresses are IPv4 as unsigned 32-bit numbers, as in model/net/segment.ts.

/** TCP port of BGP (RFC 4271 §1: "BGP uses TCP port 179"). */
export const BGP_PORT = 179;
export const BGP_VERSION = 4;

export const MARKER_BYTES = 16;
/** Marker (16) + Length (2) + Type (1) (RFC 4271 §4.1). */
export const HEADER_BYTES = 19;
/** RFC 4271 §4.1: "The value of the Length field MUST always be at least 19 and no greater than 4096". */
export const MESSAGE_BYTES_MAX = 4096;
/** RFC 4271 §4.2: "the minimum length of the OPEN message is 29 octets (including the message header)". */
export const OPEN_BYTES_MIN = 29;
/** RFC 4271 §4.3: "The minimum length of the UPDATE message is 23 octets". */
export const UPDATE_BYTES_MIN = 23;
/** RFC 4271 §4.5: "The minimum length of the NOTIFICATION message is 21 octets". */
export const NOTIFICATION_BYTES_MIN = 21;
/** RFC 4271 §4.4: "A KEEPALIVE message consists of only the message header and has a length of 19 octets". */
export const KEEPALIVE_BYTES = 19;
/** RFC 4724 §2: the IPv4 unicast End-of-RIB marker is "an UPDATE message with the minimum length". */
export const EOR_BYTES = UPDATE_BYTES_MIN;

/** Message type codes (RFC 4271 §4.1). */
export const MSG = { open: 1, update: 2, notification: 3, keepalive: 4 } as const;
export type MsgKind = keyof typeof MSG;
export const MSG_KIND: ReadonlyMap<number, MsgKind> = new Map([
  [MSG.open, 'open'],
  [MSG.update, 'update'],
  [MSG.notification, 'notification'],
  [MSG.keepalive, 'keepalive'],
]);

/** RFC 6793 §9: AS_TRANS, sent in My AS when the speaker's AS does not fit in 2 octets. */
export const AS_TRANS = 23456;
/** RFC 5492 §4: optional parameter type of Capabilities. */
export const OPT_PARAM_CAPABILITIES = 2;
/** Capability codes. */
export const CAP = { multiprotocol: 1, gracefulRestart: 64, as4: 65 } as const;
export const AFI_IPV4 = 1;
export const SAFI_UNICAST = 1;
/** RFC 4724 §3: Restart State, the most significant of the 4 Restart Flags bits. */
export const GR_FLAG_RESTART = 0x8;
/** RFC 8538 §2: the N bit (graceful notification), the second most significant flag bit. */
export const GR_FLAG_NOTIFICATION = 0x4;
/** RFC 4724 §3: Forwarding State bit, the most significant bit of the per-AFI/SAFI flags. */
export const GR_AF_FORWARDING = 0x80;
/** RFC 4724 §3: the Restart Time field is 12 bits, in seconds. */
export const GR_RESTART_TIME_MAX_SEC = 0xfff;

/** Path attribute flag bits (RFC 4271 §4.3); the low 4 bits are unused. */
export const ATTR_FLAG = { optional: 0x80, transitive: 0x40, partial: 0x20, extended: 0x10 };
/** Path attribute type codes (RFC 4271 §5.1). */
export const ATTR = {
  origin: 1,
  asPath: 2,
  nextHop: 3,
  med: 4,
  localPref: 5,
  atomicAggregate: 6,
  aggregator: 7,
} as const;
/** ORIGIN values (RFC 4271 §5.1.1). */
export const ORIGIN = { igp: 0, egp: 1, incomplete: 2 } as const;
/** AS_PATH segment types (RFC 4271 §4.3). */
export const AS_SET = 1;
export const AS_SEQUENCE = 2;
/** RFC 4271 §4.3: the segment length is "the number of ASes (not the number of octets)", one octet. */
export const AS_SEGMENT_ASES_MAX = 255;

/** NOTIFICATION error codes (RFC 4271 §4.5). */
export const ERR = { header: 1, open: 2, update: 3, holdTimer: 4, fsm: 5, cease: 6 } as const;
/** Error subcodes; 0 is "Unspecific" where no subcode fits (RFC 4271 §4.5). */
export const SUB = {
  unspecific: 0,
  header: { notSynchronized: 1, badLength: 2, badType: 3 },
  open: {
    unsupportedVersion: 1,
    badPeerAs: 2,
    badBgpId: 3,
    unsupportedOptParam: 4,
    unacceptableHoldTime: 6,
    unsupportedCapability: 7,
  },
  update: {
    malformedAttrList: 1,
    unrecognizedWellKnown: 2,
    missingWellKnown: 3,
    attrFlags: 4,
    attrLength: 5,
    invalidOrigin: 6,
    invalidNextHop: 8,
    optionalAttr: 9,
    invalidNetwork: 10,
    malformedAsPath: 11,
  },
  fsm: { openSent: 1, openConfirm: 2, established: 3 },
  cease: { adminShutdown: 2, adminReset: 4, hardReset: 9 },
} as const;

/** An IPv4 prefix; host bits beyond `len` are zero. */
export interface Prefix {
  addr: number;
  len: number;
}

export interface AsSegment {
  type: typeof AS_SET | typeof AS_SEQUENCE;
  asns: number[];
}

/** An optional attribute the speaker does not recognise, kept as received. */
export interface RawAttr {
  flags: number;
  type: number;
  value: Uint8Array;
}

/** The path attributes of the routes in one UPDATE. */
export interface PathAttrs {
  origin: number;
  asPath: AsSegment[];
  nextHop: number;
  med?: number;
  localPref?: number;
  atomicAggregate?: boolean;
  aggregator?: { as: number; addr: number };
  /** Unrecognised optional transitive attributes (RFC 4271 §5), in received order. */
  unknown?: RawAttr[];
}

export interface GrFamily {
  afi: number;
  safi: number;
  forwarding: boolean;
}

export type Capability =
  | { kind: 'mp'; afi: number; safi: number }
  | {
      kind: 'gr';
      restarting: boolean;
      notification: boolean;
      restartTimeSec: number;
      families: GrFamily[];
    }
  | { kind: 'as4'; as: number }
  | { kind: 'unknown'; code: number; value: Uint8Array };

export type GrCapability = Extract<Capability, { kind: 'gr' }>;

export interface OpenMsg {
  version: number;
  /** The 2-octet My AS field (AS_TRANS when the speaker's AS needs 4 octets). */
  myAs: number;
  holdTimeSec: number;
  bgpId: number;
  caps: Capability[];
}

export interface UpdateMsg {
  withdrawn: Prefix[];
  /** Present when the UPDATE carries NLRI; undefined otherwise (attributes without NLRI carry no route). */
  attrs: PathAttrs | undefined;
  nlri: Prefix[];
}

export interface NotificationMsg {
  code: number;
  subcode: number;
  data: Uint8Array;
}

export type BgpMessage =
  | { kind: 'open'; open: OpenMsg }
  | { kind: 'update'; update: UpdateMsg; eor: boolean }
  | { kind: 'notification'; notification: NotificationMsg }
  | { kind: 'keepalive' };

/** A malformation found in received bytes: the NOTIFICATION it calls for (RFC 4271 §6). */
export interface BgpError {
  code: number;
  subcode: number;
  /** The Data field the RFC asks for (the offending field or attribute), possibly empty. */
  data: Uint8Array;
  /** What was wrong, for the trace. */
  reason: string;
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; error: BgpError };

/** What decoding an UPDATE depends on, fixed by the OPEN exchange and the peering. */
export interface DecodeCtx {
  /** Both speakers advertised the 4-octet AS capability (RFC 6793 §4): AS_PATH carries 4-octet ASes. */
  as4: boolean;
  /** eBGP: the leftmost AS of an AS_PATH must be this (RFC 4271 §6.3); LOCAL_PREF is ignored (§5.1.5). */
  ebgpPeerAs?: number;
  /** iBGP: LOCAL_PREF is required with NLRI (RFC 4271 §5.1.5). */
  ibgp?: boolean;
}

export function bgpError(code: number, subcode: number, reason: string, data?: Uint8Array) {
  return { ok: false as const, error: { code, subcode, data: data ?? new Uint8Array(0), reason } };
}

const EMPTY = new Uint8Array(0);
export { EMPTY as EMPTY_BYTES };

/** Netmask of a prefix length (0..32). */
export function maskOf(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

/** Total order key of a prefix: address first, then length (a safe integer below 2^38). */
export function prefixKey(p: Prefix): number {
  return p.addr * 64 + p.len;
}

export function prefixFromKey(key: number): Prefix {
  return { addr: Math.floor(key / 64), len: key % 64 };
}

export function ipv4Text(a: number): string {
  return `${(a >>> 24) & 255}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

export function prefixText(p: Prefix): string {
  return `${ipv4Text(p.addr)}/${p.len}`;
}

/** A name for a NOTIFICATION code/subcode, for traces and reports. */
export function errorName(code: number, subcode: number): string {
  const codes = ['?', 'header', 'open', 'update', 'hold-timer-expired', 'fsm', 'cease'];
  return `${codes[code] ?? `code-${code}`}/${subcode}`;
}
