// NSR message formats on the KKCM channels (SPEC M-5, K-11), serialized to real bytes
// and parsed on the other RE.
//
// Common IPC header, 64 bits, network byte order (the design's "type, subtype, length"):
//   u8 type | u8 version | u16 subtype | u32 length (whole message, header included)
// The design gives the header no version field; we carve one byte out of the type
// (the design's types fit in 8 bits) so that fixed-struct messages can carry one, as
// SPEC G-5/K-11 require. Every message then has a u32 replication handle.
//   PRL replicate: handle, u32 sequence, u32 primary rcv space, u32 iif, packet bytes
//   PRL/PSRM ack:  handle, [u32 sequence for PRL], u32 rcv buffer space, u8 reason, 24 bits pad
//   PSRM sockopt:  handle, u32 option (FreeBSD's SOL_SOCKET name), u32 value (M-7)
// Encoding is a design option (K-11): fixed IPC structs with a version (default) or TLV
// on the transport (the IPC struct is converted at the KKCM boundary: each field a u16
// tag, a u32 length (a u16 one would wrap for a snapshot of a full 64 KiB receive
// buffer), the value). Version skew: a fixed-struct receiver rejects a version it does
// not speak; a TLV receiver skips tags it does not know.
//
// Parsing never throws: every malformed input is a ParseError the caller turns into a
// NACK or an IO_ERR cleanup (SPEC K-5).

import { assert, assertInt, unreachable } from '../../sim/index.ts';
import { allocBytes, copyBytes, rd16, rd32, wr16, wr32 } from '../net/bytes.ts';

export const IPC_HEADER_BYTES = 8;
const TLV_HEADER_BYTES = 6;
/** Bound on one NSR message (a replicated packet plus headers fits easily). */
export const IPC_MESSAGE_MAX = 256 * 1024;

/** jsr_ipc message types = the KKCM client that owns them (seed 002 §7.1). */
export const IPC_TYPE = { iha: 1, sdrl: 2, psrm: 3, prl: 4 } as const;
export type IpcClient = keyof typeof IPC_TYPE;

export const ACK_REASON = {
  ok: 0,
  bufferFull: 1,
  invalidHandle: 2,
  notReplicating: 3,
  failed: 4,
} as const;
export type AckReason = keyof typeof ACK_REASON;

/**
 * M-7: the socket options psrm.sockopt carries, by their FreeBSD <sys/socket.h> names
 * (level SOL_SOCKET). A code not listed here does not parse (K-5).
 */
export const SOCKOPT = { SO_SNDBUF: 0x1001, SO_RCVBUF: 0x1002 } as const;
export type SockOption = keyof typeof SOCKOPT;

export type NsrMessage =
  // PRL (receive side; seed 001 §7.1)
  | {
      t: 'prl.replicate';
      handle: number;
      seq: number;
      primarySpace: number;
      iif: number;
      packet: Uint8Array;
    }
  | { t: 'prl.ack'; handle: number; seq: number; space: number; reason: AckReason }
  // PSRM (seed 000 §7.1)
  | {
      t: 'psrm.replicate';
      handle: number;
      fields: PsrmInitFields;
      state: PsrmStateFields;
      rcvData: Uint8Array;
      sndData: Uint8Array;
      rcvOoo: Uint8Array;
      /** M-6: the TCP-MD5 key (RFC 2385), empty when the connection signs nothing. */
      md5Key: Uint8Array;
    }
  | { t: 'psrm.ack'; handle: number; space: number; reason: AckReason }
  | { t: 'psrm.window'; handle: number; space: number; seq: number }
  // M-7 'replicated': a socket option the primary's application set during bulk flow
  | { t: 'psrm.sockopt'; handle: number; option: SockOption; value: number }
  // SDRL (send side; S-1, S-2)
  | {
      t: 'sdrl.data';
      handle: number;
      offset: number;
      snd_nxt: number;
      snd_up: number;
      urgent: boolean;
      data: Uint8Array;
    }
  | { t: 'sdrl.ack'; handle: number; offset: number; reason: AckReason }
  // IHA (I-1 … I-6)
  | {
      t: 'iha.mirror';
      handle: number;
      laddr: number;
      lport: number;
      faddr: number;
      fport: number;
      rtbl: number;
      session: string;
    }
  | { t: 'iha.ready'; handle: number; secondary: number; reason: AckReason }
  | { t: 'iha.start'; handle: number; secondary: number }
  | { t: 'iha.error'; handle: number; reason: AckReason }
  | { t: 'iha.failover'; handle: number };

export type NsrMessageType = NsrMessage['t'];

/** The initial PSRM replicate field list (SPEC M-1, seed 000 §7.1), all u32. */
export const PSRM_INIT_FIELDS = [
  'iss',
  'irs',
  'md5_key',
  'rtbl_iif',
  'record_iif',
  't_maxopd',
  't_maxsend',
  't_mssoffer',
  't_maxseg',
  'snd_scale',
  'rcv_scale',
  'request_r_scale',
  'requested_s_scale',
  'cc_send',
  'cc_recv',
] as const;
export type PsrmInitFields = Record<(typeof PSRM_INIT_FIELDS)[number], number>;

/**
 * Our extension of the PSRM replicate message (documented choice, SPEC F-4): the seeds
 * replicate only the initialization fields because they assume replication starts with
 * the connection; a late-joining backup (F-4) needs the sequence state and the socket
 * buffers as they are, plus the application's stream offsets (the application's own
 * initial sync, which the kernel carries here for it). All u32 except the buffers: so_rcv,
 * so_snd and the reassembly queue t_segq (rcvOoo, encodeOoo below). The reassembly queue
 * belongs to the receive state P-13 wants the secondary to share: a socket set up again
 * after a replication error (I-6) may hold out-of-order data the peer will not resend
 * once the hole is filled (the primary then ACKs past it), so a secondary without it
 * stops at the hole for good (G-2, G-3).
 */
export const PSRM_STATE_FIELDS = [
  'rcv_nxt',
  'rcv_adv',
  'rcv_up',
  'snd_una',
  'snd_max',
  'snd_up',
  'snd_wnd',
  'snd_wl1',
  'snd_wl2',
  'max_sndwnd',
  'app_in',
  'app_out',
  // SPEC M-6 (our addition; seed 000 lists md5_key but no timestamp field): the options the
  // connection negotiated (timestamps, SACK, window scale: TF_* bits), the timestamp state
  // (ts_recent, its age in ms, the TSval clock offset, mod 2^32) so that after a takeover
  // every segment still carries a TSval that never goes back (RFC 7323 §3.2, §5).
  // opt_flags also carries SNAP_RCVD_FIN (psrm-snapshot.ts): the peer's FIN was consumed.
  'opt_flags',
  'ts_recent',
  'ts_recent_age_ms',
  'ts_offset',
] as const;
export type PsrmStateFields = Record<(typeof PSRM_STATE_FIELDS)[number], number>;

const SUBTYPE: Record<NsrMessageType, [IpcClient, number]> = {
  'prl.replicate': ['prl', 1],
  'prl.ack': ['prl', 2],
  'psrm.replicate': ['psrm', 1],
  'psrm.ack': ['psrm', 2],
  'psrm.window': ['psrm', 3],
  'psrm.sockopt': ['psrm', 4],
  'sdrl.data': ['sdrl', 1],
  'sdrl.ack': ['sdrl', 2],
  'iha.mirror': ['iha', 1],
  'iha.ready': ['iha', 2],
  'iha.start': ['iha', 3],
  'iha.error': ['iha', 4],
  'iha.failover': ['iha', 5],
};
// Each message's client prefixes its name (its code is checked unique with the layouts).
for (const [t, [c]] of Object.entries(SUBTYPE))
  assert(t.startsWith(`${c}.`), () => `wire: ${t} is not a message of ${c}`);

export function clientOf(t: NsrMessageType): IpcClient {
  const entry = SUBTYPE[t];
  assert(entry !== undefined, () => `clientOf: no message type ${String(t)}`);
  return entry[0];
}

export type Encoding = 'ipc' | 'tlv';

export interface ParseOk {
  ok: true;
  msg: NsrMessage;
  version: number;
}
export interface ParseError {
  ok: false;
  error: string;
  /** The handle, when the header got that far (for a NACK invalid/failed). */
  handle?: number;
  type?: NsrMessageType;
}
export type ParseResult = ParseOk | ParseError;

// ---- field layout -----------------------------------------------------------------
// Each message body is a list of fields; the same list drives IPC and TLV encodings.
type FieldKind = 'u8' | 'u32' | 'bytes' | 'str' | 'bool' | 'pad24';
interface FieldDef {
  name: string;
  kind: FieldKind;
  tag: number;
  /** First protocol version that carries the field. */
  since: number;
}

const F = (name: string, kind: FieldKind, tag: number, since = 1): FieldDef => ({
  name,
  kind,
  tag,
  since,
});
const ACK_TAIL = [F('space', 'u32', 10), F('reason', 'u8', 11), F('pad', 'pad24', 12)];

/** Version 2 adds a field to prl.replicate (a receive timestamp), used to show skew. */
export const NSR_VERSION_MAX = 2;

const LAYOUT: Record<NsrMessageType, FieldDef[]> = {
  'prl.replicate': [
    F('handle', 'u32', 1),
    F('seq', 'u32', 2),
    F('primarySpace', 'u32', 3),
    F('iif', 'u32', 4),
    F('rxStamp', 'u32', 6, 2),
    F('packet', 'bytes', 5),
  ],
  'prl.ack': [F('handle', 'u32', 1), F('seq', 'u32', 2), ...ACK_TAIL],
  'psrm.replicate': [
    F('handle', 'u32', 1),
    ...PSRM_INIT_FIELDS.map((n, i) => F(n, 'u32', 20 + i)),
    ...PSRM_STATE_FIELDS.map((n, i) => F(n, 'u32', 40 + i)),
    F('rcvData', 'bytes', 60),
    F('sndData', 'bytes', 61),
    F('rcvOoo', 'bytes', 62),
    F('md5Key', 'bytes', 63),
  ],
  'psrm.ack': [F('handle', 'u32', 1), ...ACK_TAIL],
  // seq (our addition): the last PRL sequence number the secondary had processed, so the
  // primary can tell a window update from an older PRL ACK that arrives after it on
  // the other channel (the two channels are not ordered with each other, K-1).
  'psrm.window': [F('handle', 'u32', 1), F('space', 'u32', 10), F('seq', 'u32', 13)],
  // M-7: seed 000 §6.3 has the secondary's PSRM take "socket option changes for all
  // connections" during bulk flow; the message is ours (the seeds give no layout).
  'psrm.sockopt': [F('handle', 'u32', 1), F('option', 'u32', 14), F('value', 'u32', 15)],
  'sdrl.data': [
    F('handle', 'u32', 1),
    F('offset', 'u32', 2),
    F('snd_nxt', 'u32', 3),
    F('snd_up', 'u32', 4),
    F('urgent', 'bool', 5),
    F('data', 'bytes', 6),
  ],
  'sdrl.ack': [
    F('handle', 'u32', 1),
    F('offset', 'u32', 2),
    F('reason', 'u8', 11),
    F('pad', 'pad24', 12),
  ],
  'iha.mirror': [
    F('handle', 'u32', 1),
    F('laddr', 'u32', 2),
    F('lport', 'u32', 3),
    F('faddr', 'u32', 4),
    F('fport', 'u32', 5),
    F('rtbl', 'u32', 6),
    F('session', 'str', 7),
  ],
  'iha.ready': [
    F('handle', 'u32', 1),
    F('secondary', 'u32', 2),
    F('reason', 'u8', 11),
    F('pad', 'pad24', 12),
  ],
  'iha.start': [F('handle', 'u32', 1), F('secondary', 'u32', 2)],
  'iha.error': [F('handle', 'u32', 1), F('reason', 'u8', 11), F('pad', 'pad24', 12)],
  'iha.failover': [F('handle', 'u32', 1)],
};

/**
 * How a field's message value becomes its wire value: as it is, a name carried as its
 * code (an ACK reason, a socket option), or the optional receive stamp (0 when absent).
 */
type Conv = 'none' | 'reason' | 'option' | 'stamp';

/** A field of one message type, with its position in the type's layout. */
interface Slot extends FieldDef {
  readonly index: number;
  readonly conv: Conv;
}

/**
 * What the codec needs of one message type, made once at load from LAYOUT and SUBTYPE:
 * one lookup per message finds it (issue 18: the codec looked the type up in five tables
 * and built an object per field read). Reason and option codes are still mapped by their
 * own tables, and psrm.replicate's nested fields by their name lists.
 */
interface TypeCodec {
  readonly t: NsrMessageType;
  readonly typeByte: number;
  readonly subtype: number;
  /** The layout, in order. */
  readonly slots: readonly Slot[];
  /** The slots version v carries are byVersion[v - 1] (1 .. NSR_VERSION_MAX). */
  readonly byVersion: readonly (readonly Slot[])[];
  readonly byTag: ReadonlyMap<number, Slot>;
  /** The slots whose wire value is the code of a name (a reason, a socket option). */
  readonly coded: readonly Slot[];
}

const CONV_OF: Readonly<Record<string, Conv>> = {
  reason: 'reason',
  option: 'option',
  rxStamp: 'stamp',
};

function makeCodec(t: NsrMessageType): TypeCodec {
  const [client, subtype] = SUBTYPE[t];
  const slots: Slot[] = LAYOUT[t].map((f, index) => ({
    ...f,
    index,
    conv: CONV_OF[f.name] ?? 'none',
  }));
  return {
    t,
    typeByte: IPC_TYPE[client],
    subtype,
    slots,
    byVersion: Array.from({ length: NSR_VERSION_MAX }, (_, i) =>
      slots.filter((s) => s.since <= i + 1),
    ),
    byTag: new Map(slots.map((s) => [s.tag, s])),
    coded: slots.filter((s) => s.conv === 'reason' || s.conv === 'option'),
  };
}

const CODECS = new Map<NsrMessageType, TypeCodec>(
  (Object.keys(LAYOUT) as NsrMessageType[]).map((t) => [t, makeCodec(t)]),
);
const CODEC_BY_CODE = new Map<number, TypeCodec>(
  [...CODECS.values()].map((c) => [c.typeByte * 256 + c.subtype, c]),
);
/** Slots in the longest layout: the size of the decoder's scratch array. */
const SLOTS_MAX = Math.max(...[...CODECS.values()].map((c) => c.slots.length));

function codecOf(t: NsrMessageType): TypeCodec {
  const c = CODECS.get(t);
  assert(c !== undefined, () => `wire: no message type ${String(t)}`);
  return c;
}

const REASON_BY_CODE = new Map<number, AckReason>(
  Object.entries(ACK_REASON).map(([k, v]) => [v, k as AckReason]),
);
const SOCKOPT_BY_CODE = new Map<number, SockOption>(
  Object.entries(SOCKOPT).map(([k, v]) => [v, k as SockOption]),
);
/** Per coded field: the names by code, and what an unknown code is called in an error. */
const NAMES_BY_CODE: Readonly<
  Record<'reason' | 'option', { names: Map<number, string>; unknown: string }>
> = {
  reason: { names: REASON_BY_CODE, unknown: 'unknown reason code' },
  option: { names: SOCKOPT_BY_CODE, unknown: 'unknown socket option' },
};
// The layouts are what the encoders and decoders both walk: checked once, at load.
for (const [t, fields] of Object.entries(LAYOUT)) {
  const tags = new Set(fields.map((f) => f.tag));
  const names = new Set(fields.map((f) => f.name));
  assert(
    tags.size === fields.length && names.size === fields.length,
    () => `wire: ${t} repeats a tag or field name`,
  );
  // flatten() hands a message over as it is: its type tag must not read as a field.
  assert(!names.has('t'), () => `wire: ${t} has a field named t`);
  // The handle is first (tag 1, u32) in every message: decodeMessage and tlvHandle read it there.
  assert(
    fields[0]?.name === 'handle' && fields[0].tag === 1 && fields[0].kind === 'u32',
    () => `wire: ${t} does not start with the handle`,
  );
  for (const f of fields)
    assert(
      f.since >= 1 && f.since <= NSR_VERSION_MAX && f.tag > 0 && f.tag <= 0xffff,
      () => `wire: ${t}.${f.name} since ${f.since}, tag ${f.tag}`,
    );
}
assert(
  CODEC_BY_CODE.size === CODECS.size && CODECS.size === Object.keys(SUBTYPE).length,
  'wire: a message type without a layout or a code',
);

function flatten(msg: NsrMessage): Record<string, unknown> {
  if (msg.t === 'psrm.replicate')
    return {
      handle: msg.handle,
      ...msg.fields,
      ...msg.state,
      rcvData: msg.rcvData,
      sndData: msg.sndData,
      rcvOoo: msg.rcvOoo,
      md5Key: msg.md5Key,
    };
  // Every other message is flat already: the layouts name its fields, never `t`, so the
  // message itself is read (a copy without `t` was an object per message, issue 18).
  return msg as NsrMessage & Record<string, unknown>;
}

function fieldValue(flat: Record<string, unknown>, s: Slot): unknown {
  switch (s.conv) {
    case 'none':
      return flat[s.name];
    case 'reason':
      return ACK_REASON[flat.reason as AckReason];
    case 'option':
      return SOCKOPT[flat.option as SockOption];
    case 'stamp':
      return (flat.rxStamp as number | undefined) ?? 0;
    default:
      return unreachable(s.conv, 'field conversion');
  }
}

const utf8 = new TextEncoder();
const utf8d = new TextDecoder('utf-8', { fatal: true });

/** Wire size of a value; a string field's value is its UTF-8 bytes by then. */
function fieldBytes(kind: FieldKind, v: unknown): number {
  switch (kind) {
    case 'u8':
    case 'bool':
      return 1;
    case 'u32':
      return 4;
    case 'pad24':
      return 3;
    case 'bytes':
      return 4 + (v as Uint8Array).length;
    case 'str':
      return 2 + (v as Uint8Array).length;
    default:
      return unreachable(kind, 'field kind');
  }
}

// ---- encode -------------------------------------------------------------------------

/**
 * What is wrong with a message, field by field against its wire layout (u32 in range,
 * a known reason code, byte strings within the message bound), or undefined. Both ends
 * assert it (GUIDE §4, paired assertions): the sender that what it built fits the wire, the
 * receiver that what its decoder accepted is a message a sender could have built.
 */
export function messageProblem(msg: NsrMessage): string | undefined {
  return flatProblem(codecOf(msg.t), flatten(msg));
}

/** messageProblem of a message already flattened (encodeMessage flattens once for both). */
function flatProblem(codec: TypeCodec, flat: Record<string, unknown>): string | undefined {
  for (const s of codec.slots) {
    if (s.kind === 'pad24' || s.conv === 'stamp') continue;
    const bad = fieldProblem(s.kind, fieldValue(flat, s));
    if (bad !== undefined) return `${codec.t}.${s.name}: ${bad}`;
  }
  return undefined;
}

function fieldProblem(kind: FieldKind, v: unknown): string | undefined {
  switch (kind) {
    case 'u8':
      return Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xff
        ? undefined
        : `${String(v)} is not a u8`;
    case 'u32':
      return Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffff_ffff
        ? undefined
        : `${String(v)} is not a u32`;
    case 'bool':
      return typeof v === 'boolean' ? undefined : 'not a boolean';
    case 'bytes':
      return v instanceof Uint8Array && v.length <= IPC_MESSAGE_MAX
        ? undefined
        : 'not bytes within the message bound';
    case 'str':
      return typeof v === 'string' && utf8.encode(v).length <= 0xffff
        ? undefined
        : 'not a string of at most 65,535 bytes';
    case 'pad24':
      return undefined;
    default:
      return unreachable(kind, 'field kind');
  }
}

const SCRATCH_VALUES: unknown[] = [];
const SCRATCH_SIZES: number[] = [];

/** Serializes a message for the transport in the given encoding and version. */
export function encodeMessage(msg: NsrMessage, encoding: Encoding, version: number): Uint8Array {
  const codec = codecOf(msg.t);
  const flat = flatten(msg);
  const problem = flatProblem(codec, flat);
  assert(problem === undefined, () => `encode: ${problem}`);
  assertInt(version, 1, 0x7f, 'NSR message version'); // 7 bits of the header's version byte
  const slots = codec.byVersion[Math.min(version, NSR_VERSION_MAX) - 1] as readonly Slot[];
  const tlv = encoding === 'tlv';
  // Scratch arrays shared by every call (encodeMessage never re-enters): two arrays per
  // message were garbage at once (issue 18). Every slot is written before it is read, and
  // cleared below once written out, so no value outlives the call (unless it throws).
  const values = SCRATCH_VALUES;
  const sizes = SCRATCH_SIZES;
  let body = 0;
  for (let i = 0; i < slots.length; i++) {
    const s = slots[i] as Slot;
    const raw = fieldValue(flat, s);
    const v = s.kind === 'str' ? utf8.encode(raw as string) : raw;
    const n = fieldBytes(s.kind, v);
    values[i] = v;
    sizes[i] = n;
    body += n + (tlv ? TLV_HEADER_BYTES : 0);
  }
  // Written byte by byte (wr16/wr32): a DataView per message was an allocation per send.
  const out = allocBytes(IPC_HEADER_BYTES + body);
  out[0] = codec.typeByte;
  out[1] = tlv ? version | 0x80 : version;
  wr16(out, 2, codec.subtype);
  wr32(out, 4, out.length);
  let at = IPC_HEADER_BYTES;
  for (let i = 0; i < slots.length; i++) {
    const s = slots[i] as Slot;
    const n = sizes[i] as number;
    if (tlv) {
      wr16(out, at, s.tag);
      wr32(out, at + 2, n);
      at += TLV_HEADER_BYTES;
    }
    writeField(out, at, s.kind, values[i]);
    values[i] = undefined;
    at += n;
  }
  assert(
    at === out.length && out.length <= IPC_MESSAGE_MAX,
    () => `encode ${msg.t}: wrote ${at} of ${out.length} bytes`,
  );
  // Paired with the receiver's framing (KKCM input): what we send frames as one message.
  const framed = peekLength(out, 0);
  assert(
    framed.ok && framed.length === out.length,
    () => `encode ${msg.t}: frames as ${framed.ok ? framed.length : framed.error}`,
  );
  return out;
}

function writeField(out: Uint8Array, at: number, kind: FieldKind, v: unknown): void {
  switch (kind) {
    case 'u8':
      out[at] = v as number;
      return;
    case 'bool':
      out[at] = v === true ? 1 : 0;
      return;
    case 'u32':
      wr32(out, at, (v as number) >>> 0);
      return;
    case 'pad24':
      return;
    case 'bytes':
      wr32(out, at, (v as Uint8Array).length);
      out.set(v as Uint8Array, at + 4);
      return;
    case 'str': {
      const b = v as Uint8Array;
      // messageProblem bounds the string: its length fits the u16 prefix.
      assert(b.length <= 0xffff, () => `wire: a ${b.length}-byte string`);
      wr16(out, at, b.length);
      out.set(b, at + 2);
      return;
    }
    default:
      unreachable(kind, 'field kind');
  }
}

// ---- decode -------------------------------------------------------------------------

/** Reads the header of a buffered stream: the total length, or an error (framing). */
export function peekLength(
  buf: Uint8Array,
  at: number,
): { ok: true; length: number } | { ok: false; error: string } {
  // Checked first: the header is read byte by byte, and buf[at] past the ends is undefined.
  assert(at >= 0 && Number.isInteger(at), () => `peekLength at ${at}`);
  if (buf.length - at < IPC_HEADER_BYTES)
    return {
      ok: false,
      error: `only ${Math.max(0, buf.length - at)} bytes, the header needs ${IPC_HEADER_BYTES}`,
    };
  // Read byte by byte: a DataView per message was an allocation on every send and receive.
  const type = buf[at] as number;
  const subtype = rd16(buf, at + 2);
  const length = rd32(buf, at + 4);
  if (!CODEC_BY_CODE.has(type * 256 + subtype))
    return { ok: false, error: `unknown message type ${type}/${subtype}` };
  if (length < IPC_HEADER_BYTES + 4 || length > IPC_MESSAGE_MAX)
    return { ok: false, error: `bad message length ${length}` };
  return { ok: true, length };
}

/** The decoder's fields by slot index (decodeMessage never re-enters; cleared after each use). */
const DECODED: unknown[] = new Array<unknown>(SLOTS_MAX).fill(undefined);

function parseError(error: string, type: NsrMessageType, handle: number | undefined): ParseError {
  return handle === undefined ? { ok: false, error, type } : { ok: false, error, type, handle };
}

/**
 * Parses one whole message. `maxVersion` is the newest version this RE speaks in
 * fixed-struct encoding; TLV messages are accepted whatever their version.
 */
export function decodeMessage(bytes: Uint8Array, maxVersion: number): ParseResult {
  if (bytes.length < IPC_HEADER_BYTES + 4)
    return {
      ok: false,
      error: `message of ${bytes.length} bytes is shorter than header and handle`,
    };
  const codec = CODEC_BY_CODE.get((bytes[0] as number) * 256 + rd16(bytes, 2));
  const verByte = bytes[1] as number;
  const tlv = (verByte & 0x80) !== 0;
  const version = verByte & 0x7f;
  const length = rd32(bytes, 4);
  const handle = tlv ? tlvHandle(bytes) : rd32(bytes, IPC_HEADER_BYTES);
  if (codec === undefined)
    return { ok: false, error: `unknown message type ${bytes[0]}/${rd16(bytes, 2)}` };
  const type = codec.t;
  if (length !== bytes.length)
    return parseError(`header length ${length} but ${bytes.length} bytes`, type, handle);
  if (version < 1) return parseError(`bad version ${version}`, type, handle);
  if (!tlv && version > maxVersion)
    return parseError(`version ${version} not spoken here (max ${maxVersion})`, type, handle);
  const values = DECODED;
  let r: ParseResult;
  try {
    const bad = tlv ? readTlv(bytes, codec, values) : readIpc(bytes, codec, version, values);
    r = bad === undefined ? build(codec, values, version, handle) : parseError(bad, type, handle);
  } finally {
    // Even when a read throws (a broken assertion the fuzzer survives): a field left here
    // would pass for present in the next message of this type.
    values.fill(undefined, 0, codec.slots.length);
  }
  // The pair of encodeMessage's assertion: whatever the decoder accepts is a message a
  // sender could have built (a malformed message from the other RE is an error, above).
  if (r.ok) {
    assert(messageProblem(r.msg) === undefined, () => `decode ${type}: ${messageProblem(r.msg)}`);
    assert(
      r.msg.t === type &&
        r.version === version &&
        // A fixed struct has the handle right after the header (TLV may repeat the tag).
        (tlv || r.msg.handle === handle),
      () => `decode ${type}: built ${r.msg.t} v${r.version} for handle ${r.msg.handle}`,
    );
  }
  return r;
}

/** Best effort for error reports: the handle TLV (tag 1), if the stream reaches it intact. */
function tlvHandle(bytes: Uint8Array): number | undefined {
  let at = IPC_HEADER_BYTES;
  while (bytes.length - at >= TLV_HEADER_BYTES) {
    const tag = rd16(bytes, at);
    const len = rd32(bytes, at + 2);
    if (tag === 1 && len === 4 && bytes.length - at >= TLV_HEADER_BYTES + 4)
      return rd32(bytes, at + TLV_HEADER_BYTES);
    if (len > bytes.length - at - TLV_HEADER_BYTES) return undefined;
    at += TLV_HEADER_BYTES + len;
  }
  return undefined;
}

/** Reads the fields of a fixed struct into `values` (by slot); an error, or undefined. */
function readIpc(
  bytes: Uint8Array,
  codec: TypeCodec,
  version: number,
  values: unknown[],
): string | undefined {
  let at = IPC_HEADER_BYTES;
  for (const s of codec.slots) {
    if (s.since > version) continue;
    const v = readField(bytes, at, s.kind, bytes.length - at);
    if (v === undefined) return `${codec.t} field ${s.name}: ${fieldError}`;
    values[s.index] = v;
    at += fieldSize;
    // readField never reads past the room it was given.
    assert(at <= bytes.length, () => `readIpc ${codec.t}: at ${at} of ${bytes.length}`);
  }
  if (at !== bytes.length) return `${codec.t}: ${bytes.length - at} trailing bytes`;
  return undefined;
}

/** Reads the TLVs into `values` (by slot; unknown tags skipped); an error, or undefined. */
function readTlv(bytes: Uint8Array, codec: TypeCodec, values: unknown[]): string | undefined {
  const type = codec.t;
  let at = IPC_HEADER_BYTES;
  while (at < bytes.length) {
    if (bytes.length - at < TLV_HEADER_BYTES) return `${type}: truncated TLV header`;
    const tag = rd16(bytes, at);
    const len = rd32(bytes, at + 2);
    at += TLV_HEADER_BYTES;
    if (len > bytes.length - at) return `${type}: TLV ${tag} length ${len} runs past the message`;
    const s = codec.byTag.get(tag);
    if (s !== undefined) {
      const v = readField(bytes, at, s.kind, len);
      if (v === undefined) return `${type} field ${s.name}: ${fieldError}`;
      if (fieldSize !== len)
        return `${type} field ${s.name}: TLV length ${len}, field needs ${fieldSize}`;
      values[s.index] = v;
    }
    at += len; // unknown tags are skipped: that is what TLV buys (K-11)
  }
  assert(at === bytes.length, () => `readTlv ${type}: stopped at ${at} of ${bytes.length}`);
  return undefined;
}

/** readField's second result: the bytes the field took, or why it could not be read. */
let fieldSize = 0;
let fieldError = '';

/**
 * The value of one field at `at` (never undefined), its size in fieldSize; undefined when
 * it cannot be read, the reason in fieldError. Two variables instead of an object per
 * field read (issue 18); nothing runs between the call and the caller's read of them.
 */
function readField(bytes: Uint8Array, at: number, kind: FieldKind, room: number): unknown {
  const need =
    kind === 'u32' || kind === 'bytes' ? 4 : kind === 'pad24' ? 3 : kind === 'str' ? 2 : 1;
  if (room < need) return fieldFailed('truncated');
  // Callers give the room left in the message (IPC) or in the TLV value: never past the end.
  assert(at + room <= bytes.length, () => `readField: room ${room} at ${at} of ${bytes.length}`);
  switch (kind) {
    case 'u8':
      return fieldRead(bytes[at] as number, 1);
    case 'bool': {
      const b = bytes[at] as number;
      return b > 1 ? fieldFailed(`bad boolean ${b}`) : fieldRead(b === 1, 1);
    }
    case 'u32':
      return fieldRead(rd32(bytes, at), 4);
    case 'pad24':
      return fieldRead(0, 3);
    case 'bytes': {
      const n = rd32(bytes, at);
      if (n > room - 4) return fieldFailed(`byte string of ${n} runs past the message`);
      return fieldRead(copyBytes(bytes.subarray(at + 4, at + 4 + n)), 4 + n);
    }
    case 'str': {
      const n = rd16(bytes, at);
      if (n > room - 2) return fieldFailed(`string of ${n} runs past the message`);
      try {
        return fieldRead(utf8d.decode(bytes.subarray(at + 2, at + 2 + n)), 2 + n);
      } catch {
        return fieldFailed('string is not UTF-8');
      }
    }
    default: {
      const never: never = kind;
      return fieldFailed(`bad field kind ${String(never)}`);
    }
  }
}

function fieldRead(value: unknown, size: number): unknown {
  fieldSize = size;
  return value;
}

function fieldFailed(error: string): undefined {
  fieldError = error;
  return undefined;
}

/** The message the decoded `values` make, or why they make none. */
function build(
  codec: TypeCodec,
  values: unknown[],
  version: number,
  handle: number | undefined,
): ParseResult {
  const type = codec.t;
  for (const s of codec.slots) {
    if (s.kind === 'pad24' || s.since > 1) continue;
    if (values[s.index] === undefined)
      return parseError(`${type}: missing field ${s.name}`, type, handle);
  }
  // A code becomes its name in place: the message carries names (values is DECODED,
  // cleared by the caller).
  for (const s of codec.coded) {
    const code = NAMES_BY_CODE[s.conv as 'reason' | 'option'];
    const name = code.names.get(values[s.index] as number);
    if (name === undefined)
      return parseError(`${type}: ${code.unknown} ${String(values[s.index])}`, type, handle);
    values[s.index] = name;
  }
  // readField gave every u32 as a number, so the handle (checked present above) is one.
  const h = values[0] as number;
  assert(Number.isInteger(h), () => `build ${type}: handle ${String(h)}`);
  if (type === 'psrm.replicate') return { ok: true, version, msg: psrmReplicate(codec, values) };
  // The message's fields in layout order after its type; the padding and the receive
  // stamp (which only shows skew on the wire) are not part of it.
  const msg: Record<string, unknown> = { t: type };
  for (const s of codec.slots) {
    if (s.kind === 'pad24' || s.conv === 'stamp') continue;
    msg[s.name] = values[s.index];
  }
  return { ok: true, version, msg: msg as NsrMessage };
}

function psrmReplicate(codec: TypeCodec, values: readonly unknown[]): NsrMessage {
  const named = new Map(codec.slots.map((s) => [s.name, values[s.index]]));
  const fields = {} as PsrmInitFields;
  for (const n of PSRM_INIT_FIELDS) fields[n] = named.get(n) as number;
  const state = {} as PsrmStateFields;
  for (const n of PSRM_STATE_FIELDS) state[n] = named.get(n) as number;
  return {
    t: 'psrm.replicate',
    handle: values[0] as number,
    fields,
    state,
    rcvData: named.get('rcvData') as Uint8Array,
    sndData: named.get('sndData') as Uint8Array,
    rcvOoo: named.get('rcvOoo') as Uint8Array,
    md5Key: named.get('md5Key') as Uint8Array,
  };
}

// ---- the reassembly queue in a PSRM snapshot ---------------------------------------------

/** One out-of-order segment of a PSRM snapshot (t_segq entry): its sequence number, data and FIN. */
export interface OooSegment {
  seq: number;
  fin: boolean;
  data: Uint8Array;
}

/** The rcvOoo bytes of psrm.replicate: per segment u32 seq, u32 length, u8 fin, the data. */
export function encodeOoo(segs: readonly OooSegment[]): Uint8Array {
  let n = 0;
  for (const g of segs) n += 9 + g.data.length;
  const out = new Uint8Array(n);
  const dv = new DataView(out.buffer);
  let at = 0;
  for (const g of segs) {
    dv.setUint32(at, g.seq >>> 0);
    dv.setUint32(at + 4, g.data.length);
    dv.setUint8(at + 8, g.fin ? 1 : 0);
    out.set(g.data, at + 9);
    at += 9 + g.data.length;
  }
  assert(at === n, () => `encodeOoo: wrote ${at} of ${n} bytes`);
  return out;
}

/** Parses rcvOoo; never throws (a malformed list is an error string, K-5). */
export function decodeOoo(bytes: Uint8Array): OooSegment[] | string {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: OooSegment[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (bytes.length - at < 9) return `rcvOoo: truncated segment header at ${at}`;
    const len = dv.getUint32(at + 4);
    const fin = dv.getUint8(at + 8);
    if (fin > 1) return `rcvOoo: bad FIN flag ${fin}`;
    if (len > bytes.length - at - 9) return `rcvOoo: segment of ${len} runs past the list`;
    out.push({ seq: dv.getUint32(at), fin: fin === 1, data: bytes.slice(at + 9, at + 9 + len) });
    at += 9 + len;
  }
  assert(at === bytes.length, () => `decodeOoo: stopped at ${at} of ${bytes.length}`);
  return out;
}
