// Proves, for the Stryker survivors of model/nsr/wire.ts, what the round trips of wire.test.ts leave open (SPEC M-5, K-5, K-11, G-5): messageProblem, the assertion both ends make (M-5), names the message, the field and what is wrong for every field kind out of range (u32, u8 reason code, boolean, byte string past the message bound, string past 65,535 UTF-8 bytes) and passes each kind at its bound; every ParseError that KKCM traces (kkcm.rx-malformed, K-5) carries its exact text and, where the header got that far, its type and handle: a header length that disagrees, version 0, a fixed-struct field cut short, trailing bytes, a byte string or string running past the message, a bad boolean, bad UTF-8, and in TLV (K-11) a length past the message, a length the field does not fill and a missing field, with the handle found wherever its TLV is (none when a TLV runs past the message first); the TLV tags of psrm.replicate are fixed (G-5: both software versions must agree on them); peekLength's framing errors (K-5) and the rcvOoo list's errors name what they found.
import { describe, expect, it } from 'vitest';
import {
  IPC_HEADER_BYTES,
  IPC_MESSAGE_MAX,
  NSR_VERSION_MAX,
  PSRM_INIT_FIELDS,
  PSRM_STATE_FIELDS,
  decodeMessage,
  decodeOoo,
  encodeMessage,
  encodeOoo,
  messageProblem,
  peekLength,
  type AckReason,
  type NsrMessage,
  type ParseError,
  type PsrmInitFields,
  type PsrmStateFields,
  type SockOption,
} from '../../../model/nsr/wire.ts';
import { concat } from '../tcp/harness.ts';

function dv(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** The bytes of `parts` one after the other. */
const cat = (...parts: ReadonlyArray<Uint8Array | readonly number[]>): Uint8Array =>
  concat(parts.map((p) => Uint8Array.from(p)));
const u16 = (v: number): number[] => [(v >>> 8) & 0xff, v & 0xff];
const u32 = (v: number): number[] => [
  (v >>> 24) & 0xff,
  (v >>> 16) & 0xff,
  (v >>> 8) & 0xff,
  v & 0xff,
];
/** A common header (type, version byte, subtype) whose length is the whole of `body` plus 8. */
function msgBytes(
  type: number,
  verByte: number,
  subtype: number,
  ...body: readonly number[][]
): Uint8Array {
  const b = cat([type, verByte, ...u16(subtype), 0, 0, 0, 0], ...body);
  dv(b).setUint32(4, b.length);
  return b;
}
/** One TLV: u16 tag, u32 length, the value. */
const tlv = (tag: number, value: readonly number[]): number[] => [
  ...u16(tag),
  ...u32(value.length),
  ...value,
];
/** A copy of `b` cut to `n` bytes with the header length fixed to match. */
function cut(b: Uint8Array, n: number): Uint8Array {
  const c = b.slice(0, n);
  dv(c).setUint32(4, n);
  return c;
}

/** The ParseError of `bytes` (fails the test if they parse). */
function parseError(bytes: Uint8Array, maxVersion = NSR_VERSION_MAX): Omit<ParseError, 'ok'> {
  const r = decodeMessage(bytes, maxVersion);
  if (r.ok) throw new Error(`expected a ParseError, got ${r.msg.t}`);
  const { ok: _ok, ...rest } = r;
  return rest;
}
function parsed(
  bytes: Uint8Array,
  maxVersion = NSR_VERSION_MAX,
): { msg: NsrMessage; version: number } {
  const r = decodeMessage(bytes, maxVersion);
  if (!r.ok) throw new Error(`expected a message: ${r.error}`);
  return { msg: r.msg, version: r.version };
}

function initFields(base: number): PsrmInitFields {
  const f = {} as PsrmInitFields;
  PSRM_INIT_FIELDS.forEach((n, i) => (f[n] = base + i));
  return f;
}
function stateFields(base: number): PsrmStateFields {
  const f = {} as PsrmStateFields;
  PSRM_STATE_FIELDS.forEach((n, i) => (f[n] = base + i));
  return f;
}

const PRL_ACK: NsrMessage = { t: 'prl.ack', handle: 7, seq: 12, space: 4096, reason: 'bufferFull' };
const PRL_REP: NsrMessage = {
  t: 'prl.replicate',
  handle: 7,
  seq: 0xfffffffe,
  primarySpace: 65536,
  iif: 3,
  packet: Uint8Array.from([0x45, 0, 0, 40]),
};
const SDRL_DATA: NsrMessage = {
  t: 'sdrl.data',
  handle: 2,
  offset: 0x80000000,
  snd_nxt: 5,
  snd_up: 4,
  urgent: true,
  data: Uint8Array.from([9, 8, 7]),
};
const MIRROR: NsrMessage = {
  t: 'iha.mirror',
  handle: 1,
  laddr: 0x0a000001,
  lport: 179,
  faddr: 0x0a000102,
  fport: 20000,
  rtbl: 0,
  session: 'pa',
};
const PSRM_REP: NsrMessage = {
  t: 'psrm.replicate',
  handle: 9,
  fields: initFields(100),
  state: stateFields(200),
  rcvData: Uint8Array.from([1]),
  sndData: new Uint8Array(0),
  rcvOoo: new Uint8Array(0),
  md5Key: Uint8Array.from([0x6b]),
};

describe('M-5: messageProblem (the assertion both ends make) names the field and what is wrong', () => {
  it('M-5: well-formed messages of every field kind have no problem, at the bounds of each kind (Stryker wire.ts 409:41)', () => {
    for (const m of [PRL_ACK, PRL_REP, SDRL_DATA, MIRROR, PSRM_REP])
      expect(messageProblem(m), m.t).toBeUndefined();
    expect(
      messageProblem({ ...PRL_ACK, handle: 0xffff_ffff, seq: 0, reason: 'ok' }),
    ).toBeUndefined();
    // A byte string of exactly the message bound, and a string of exactly 65,535 bytes.
    expect(
      messageProblem({ ...SDRL_DATA, data: new Uint8Array(IPC_MESSAGE_MAX), urgent: false }),
    ).toBeUndefined();
    expect(messageProblem({ ...MIRROR, session: 'x'.repeat(0xffff) })).toBeUndefined();
  });

  it('M-5: a u32 out of range, negative or fractional is "<t>.<field>: <v> is not a u32", a PSRM init or state field included (Stryker wire.ts 381:69, 386:92, 387:30, 388:9, 391:35, 405:11)', () => {
    expect(messageProblem({ ...PRL_ACK, handle: -1 })).toBe('prl.ack.handle: -1 is not a u32');
    expect(messageProblem({ ...PRL_ACK, seq: 2 ** 32 })).toBe(
      'prl.ack.seq: 4294967296 is not a u32',
    );
    expect(messageProblem({ ...PRL_ACK, space: 1.5 })).toBe('prl.ack.space: 1.5 is not a u32');
    expect(
      messageProblem({ ...PSRM_REP, fields: { ...initFields(1), t_maxseg: -2 } } as NsrMessage),
    ).toBe('psrm.replicate.t_maxseg: -2 is not a u32');
    expect(
      messageProblem({ ...PSRM_REP, state: { ...stateFields(1), ts_offset: NaN } } as NsrMessage),
    ).toBe('psrm.replicate.ts_offset: NaN is not a u32');
  });

  it('M-5: an unknown ACK reason or socket option has no code: "<t>.reason: undefined is not a u8", ".option: … is not a u32" (Stryker wire.ts 401:11)', () => {
    expect(messageProblem({ ...PRL_ACK, reason: 'bogus' as AckReason })).toBe(
      'prl.ack.reason: undefined is not a u8',
    );
    expect(
      messageProblem({
        t: 'psrm.sockopt',
        handle: 1,
        option: 'SO_LINGER' as SockOption,
        value: 1,
      }),
    ).toBe('psrm.sockopt.option: undefined is not a u32');
  });

  it('M-5: a boolean field that is not a boolean is "<t>.<field>: not a boolean" (Stryker wire.ts 407:14, 407:51)', () => {
    expect(messageProblem({ ...SDRL_DATA, urgent: 1 as unknown as boolean })).toBe(
      'sdrl.data.urgent: not a boolean',
    );
    expect(messageProblem({ ...SDRL_DATA, urgent: false })).toBeUndefined();
  });

  it('M-5: a byte field that is not a Uint8Array, or longer than the message bound, is "not bytes within the message bound" (Stryker wire.ts 409:14, 409:41, 411:11)', () => {
    expect(messageProblem({ ...SDRL_DATA, data: [1, 2] as unknown as Uint8Array })).toBe(
      'sdrl.data.data: not bytes within the message bound',
    );
    expect(messageProblem({ ...PRL_REP, packet: new Uint8Array(IPC_MESSAGE_MAX + 1) })).toBe(
      'prl.replicate.packet: not bytes within the message bound',
    );
    expect(
      messageProblem({ ...PSRM_REP, md5Key: new Uint8Array(IPC_MESSAGE_MAX + 1) } as NsrMessage),
    ).toBe('psrm.replicate.md5Key: not bytes within the message bound');
  });

  it('M-5: a string field that is not a string, or of more than 65,535 UTF-8 bytes, is "not a string of at most 65,535 bytes" (Stryker wire.ts 412:5, 413:14, 415:11)', () => {
    expect(messageProblem({ ...MIRROR, session: 7 as unknown as string })).toBe(
      'iha.mirror.session: not a string of at most 65,535 bytes',
    );
    // 32,768 two-byte characters: 65,536 bytes, though only 32,768 UTF-16 units.
    expect(messageProblem({ ...MIRROR, session: 'ü'.repeat(0x8000) })).toBe(
      'iha.mirror.session: not a string of at most 65,535 bytes',
    );
  });
});

describe('K-5: decodeMessage: the header checks, their texts and their bounds', () => {
  it('K-5: a header length that disagrees with the message is "header length <n> but <m> bytes", with type and handle (Stryker wire.ts 563:7)', () => {
    const b = encodeMessage(PRL_ACK, 'ipc', 1);
    const longer = b.slice();
    dv(longer).setUint32(4, b.length + 1);
    expect(parseError(longer)).toStrictEqual({
      error: `header length ${b.length + 1} but ${b.length} bytes`,
      type: 'prl.ack',
      handle: 7,
    });
    const shorter = b.slice();
    dv(shorter).setUint32(4, b.length - 1);
    expect(parseError(shorter)).toMatchObject({
      error: `header length ${b.length - 1} but ${b.length} bytes`,
    });
  });

  it('K-11, K-5: version 0 is "bad version 0" in either encoding, with type and handle (Stryker wire.ts 565:7, 565:27, 565:45)', () => {
    const ipc = encodeMessage(PRL_ACK, 'ipc', 1);
    ipc[1] = 0;
    expect(parseError(ipc)).toStrictEqual({ error: 'bad version 0', type: 'prl.ack', handle: 7 });
    const t = encodeMessage(PRL_ACK, 'tlv', 1);
    t[1] = 0x80;
    expect(parseError(t)).toStrictEqual({ error: 'bad version 0', type: 'prl.ack', handle: 7 });
  });

  it('K-11, G-5: the TLV tags of psrm.replicate are fixed: handle 1, the init fields 20-34 and the state fields 40-55 in list order, the byte strings 60-63 (Stryker wire.ts 239:51)', () => {
    const b = encodeMessage(PSRM_REP, 'tlv', 1);
    const tags: number[] = [];
    for (let at = IPC_HEADER_BYTES; at < b.length; at += 6 + dv(b).getUint32(at + 2))
      tags.push(dv(b).getUint16(at));
    expect(tags).toEqual([
      1,
      ...PSRM_INIT_FIELDS.map((_, i) => 20 + i),
      ...PSRM_STATE_FIELDS.map((_, i) => 40 + i),
      60,
      61,
      62,
      63,
    ]);
    expect(tags.slice(1, 16)).toEqual([20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34]);
  });
});

describe('K-5: decodeMessage: fixed-struct field errors name the type and field', () => {
  // prl.ack v1: header 8, handle 4, seq 4, space 4, reason 1, pad 3 = 24 bytes.
  const ack = encodeMessage(PRL_ACK, 'ipc', 1);

  it('K-5: a u32, u8 or 24-bit pad cut short is "<t> field <name>: truncated", with type and handle (Stryker wire.ts 658:27)', () => {
    expect(parseError(cut(ack, 19))).toStrictEqual({
      error: 'prl.ack field space: truncated',
      type: 'prl.ack',
      handle: 7,
    });
    expect(parseError(cut(ack, 20)).error).toBe('prl.ack field reason: truncated');
    expect(parseError(cut(ack, 21)).error).toBe('prl.ack field pad: truncated');
    expect(parseError(cut(ack, 23)).error).toBe('prl.ack field pad: truncated');
    expect(parseError(cut(ack, 13)).error).toBe('prl.ack field seq: truncated');
  });

  it('K-5: bytes after the last field are "<t>: <n> trailing bytes" (Stryker wire.ts 617:47)', () => {
    const b = cat(ack, [1, 2, 3]);
    dv(b).setUint32(4, b.length);
    expect(parseError(b)).toStrictEqual({
      error: 'prl.ack: 3 trailing bytes',
      type: 'prl.ack',
      handle: 7,
    });
  });

  it('K-5: a byte string whose u32 length runs past the message is an error; one that ends exactly at the end parses; fewer than 4 bytes for its length is truncated (Stryker wire.ts 674:32)', () => {
    // prl.replicate v1: header 8, handle, seq, space, iif (16), packet: u32 length at 24.
    const b = encodeMessage(PRL_REP, 'ipc', 1);
    expect(b.length).toBe(32);
    const over = b.slice();
    dv(over).setUint32(24, 5);
    expect(parseError(over)).toStrictEqual({
      error: 'prl.replicate field packet: byte string of 5 runs past the message',
      type: 'prl.replicate',
      handle: 7,
    });
    const huge = b.slice();
    dv(huge).setUint32(24, 0xffff_ffff);
    expect(parseError(huge).error).toBe(
      'prl.replicate field packet: byte string of 4294967295 runs past the message',
    );
    const less = b.slice();
    dv(less).setUint32(24, 3);
    expect(parseError(less).error).toBe('prl.replicate: 1 trailing bytes');
    const empty = cut(b, 28);
    dv(empty).setUint32(24, 0);
    expect(parsed(empty).msg).toEqual({ ...PRL_REP, packet: new Uint8Array(0) });
    expect(parseError(cut(b, 27)).error).toBe('prl.replicate field packet: truncated');
  });

  it('K-5: a boolean byte other than 0 or 1 is "bad boolean <b>"; 0 and 1 are false and true (Stryker wire.ts 666:22)', () => {
    // sdrl.data: header 8, handle, offset, snd_nxt, snd_up (16), urgent at 24.
    const b = encodeMessage(SDRL_DATA, 'ipc', 1);
    expect(b[24]).toBe(1);
    expect(parsed(b).msg).toEqual(SDRL_DATA);
    b[24] = 2;
    expect(parseError(b)).toStrictEqual({
      error: 'sdrl.data field urgent: bad boolean 2',
      type: 'sdrl.data',
      handle: 2,
    });
    b[24] = 0;
    expect(parsed(b).msg).toEqual({ ...SDRL_DATA, urgent: false });
    expect(parseError(cut(b, 24)).error).toBe('sdrl.data field urgent: truncated');
  });

  it('K-5: a string whose u16 length runs past the message, or that is not UTF-8, is an error; fewer than 2 bytes for its length is truncated (Stryker wire.ts 352:40, 352:49, 679:32, 682:15, 683:16)', () => {
    // iha.mirror: header 8, handle and 5 u32 (24), session u16 length at 32, 'pa'.
    const b = encodeMessage(MIRROR, 'ipc', 1);
    expect([...b.subarray(32)]).toEqual([0, 2, 0x70, 0x61]);
    const over = b.slice();
    dv(over).setUint16(32, 3);
    expect(parseError(over)).toStrictEqual({
      error: 'iha.mirror field session: string of 3 runs past the message',
      type: 'iha.mirror',
      handle: 1,
    });
    const bad = b.slice();
    bad[34] = 0xc3; // a lead byte followed by an ASCII byte
    expect(parseError(bad).error).toBe('iha.mirror field session: string is not UTF-8');
    expect(parseError(cut(b, 33)).error).toBe('iha.mirror field session: truncated');
    const empty = cut(b, 34);
    dv(empty).setUint16(32, 0);
    expect(parsed(empty).msg).toEqual({ ...MIRROR, session: '' });
  });
});

describe('K-11, K-5: decodeMessage: TLV errors and what TLV tolerates', () => {
  // prl.ack (type 4, subtype 2) as TLVs: handle (1), seq (2), space (10), reason (11), pad (12).
  const HANDLE = tlv(1, u32(7));
  const SEQ = tlv(2, u32(12));
  const SPACE = tlv(10, u32(4096));
  const REASON = tlv(11, [1]);
  const PAD = tlv(12, [0, 0, 0]);
  const ack = (...fields: number[][]): Uint8Array => msgBytes(4, 0x81, 2, ...fields);

  it('K-11, K-5: a missing field is "<t>: missing field <name>"; without the handle the error carries none (Stryker wire.ts 561:9)', () => {
    expect(parseError(ack(HANDLE, SPACE, REASON))).toStrictEqual({
      error: 'prl.ack: missing field seq',
      type: 'prl.ack',
      handle: 7,
    });
    expect(parseError(ack(SEQ, SPACE, REASON))).toStrictEqual({
      error: 'prl.ack: missing field handle',
      type: 'prl.ack',
    });
    expect(parseError(ack(HANDLE, SEQ, SPACE)).error).toBe('prl.ack: missing field reason');
  });

  it('K-11, K-5: a TLV length past the message is "<t>: TLV <tag> length <n> runs past the message"; a length that ends exactly at the end parses (Stryker wire.ts 630:9)', () => {
    const over = ack(HANDLE, SEQ, SPACE, [...u16(11), ...u32(2), 1]);
    expect(parseError(over)).toStrictEqual({
      error: 'prl.ack: TLV 11 length 2 runs past the message',
      type: 'prl.ack',
      handle: 7,
    });
    // An unknown tag whose value ends exactly at the end of the message is skipped.
    expect(parsed(ack(HANDLE, SEQ, SPACE, REASON, tlv(999, [1, 2]))).msg).toEqual(PRL_ACK);
    expect(parsed(ack(HANDLE, SEQ, SPACE, REASON, tlv(999, []))).msg).toEqual(PRL_ACK);
  });

  it('K-11, K-5: a TLV length the field does not fill is "TLV length <n>, field needs <m>"; one too short for it is truncated (Stryker wire.ts 638:11, 638:24, 639:11)', () => {
    expect(parseError(ack(HANDLE, tlv(2, [0, 0, 0, 12, 0]), SPACE, REASON))).toStrictEqual({
      error: 'prl.ack field seq: TLV length 5, field needs 4',
      type: 'prl.ack',
      handle: 7,
    });
    expect(parseError(ack(HANDLE, tlv(2, [0, 0, 12]), SPACE, REASON)).error).toBe(
      'prl.ack field seq: truncated',
    );
    expect(parseError(ack(HANDLE, SEQ, SPACE, tlv(11, [1, 0]))).error).toBe(
      'prl.ack field reason: TLV length 2, field needs 1',
    );
    expect(parseError(ack(HANDLE, SEQ, SPACE, tlv(11, []))).error).toBe(
      'prl.ack field reason: truncated',
    );
    expect(parseError(ack(HANDLE, SEQ, SPACE, REASON, tlv(12, [0, 0]))).error).toBe(
      'prl.ack field pad: truncated',
    );
  });

  it('K-5: a TLV error reports the handle TLV wherever it is: after an unknown tag, after a tag-1 TLV of the wrong size; none when a TLV runs past the message first (Stryker wire.ts 592:35, 594:9)', () => {
    // Unknown tag before the handle: the handle is still found.
    expect(parseError(ack(tlv(999, [1, 2, 3]), HANDLE, SPACE, REASON))).toStrictEqual({
      error: 'prl.ack: missing field seq',
      type: 'prl.ack',
      handle: 7,
    });
    // A tag-1 TLV of 5 bytes is not the handle (and makes the message bad); the next one is.
    expect(parseError(ack(tlv(1, [0, 0, 0, 8, 0]), tlv(1, u32(9)), SEQ))).toStrictEqual({
      error: 'prl.ack field handle: TLV length 5, field needs 4',
      type: 'prl.ack',
      handle: 9,
    });
    // A TLV running past the message before the handle: no handle.
    expect(parseError(ack(SEQ, [...u16(2), ...u32(50)], HANDLE))).toStrictEqual({
      error: 'prl.ack: TLV 2 length 50 runs past the message',
      type: 'prl.ack',
    });
    // A tag-1 TLV claiming 4 bytes with fewer left, at the very end: no handle.
    expect(parseError(ack(SEQ, [...u16(1), ...u32(4), 0, 0]))).toStrictEqual({
      error: 'prl.ack: TLV 1 length 4 runs past the message',
      type: 'prl.ack',
    });
    // A trailing partial TLV header after a complete non-handle TLV: no handle.
    expect(parseError(ack(SEQ, [0, 1, 0]))).toStrictEqual({
      error: 'prl.ack: truncated TLV header',
      type: 'prl.ack',
    });
    // The handle as the very last 10 bytes of the message is found.
    expect(parseError(ack(SEQ, SPACE, HANDLE))).toStrictEqual({
      error: 'prl.ack: missing field reason',
      type: 'prl.ack',
      handle: 7,
    });
  });
});

describe('K-5: peekLength (framing) texts and bounds', () => {
  const fo = encodeMessage({ t: 'iha.failover', handle: 1 }, 'ipc', 1);

  it('K-5: fewer than 8 bytes after the position is "only <n> bytes, the header needs 8", 0 past the end (Stryker wire.ts 522:12, 523:11, 524:14, 524:22, 524:34)', () => {
    expect(peekLength(fo, 5)).toEqual({ ok: false, error: 'only 7 bytes, the header needs 8' });
    expect(peekLength(fo.subarray(0, 3), 0)).toEqual({
      ok: false,
      error: 'only 3 bytes, the header needs 8',
    });
    expect(peekLength(fo, 20)).toEqual({ ok: false, error: 'only 0 bytes, the header needs 8' });
    // Exactly a header's 8 bytes after the position: enough.
    expect(peekLength(cat(fo, fo.subarray(0, 8)), 12)).toEqual({ ok: true, length: 12 });
    // A position no caller can mean is our bug, asserted before any byte is read.
    expect(() => peekLength(fo, -1)).toThrow(/peekLength at -1/);
    expect(() => peekLength(fo, 1.5)).toThrow(/peekLength at 1.5/);
  });

  it('K-5: an unknown type/subtype is "unknown message type <t>/<s>"; a length below 12 or above the bound is "bad message length <n>"; 12 and the bound are accepted (Stryker wire.ts 533:12, 533:18, 533:32)', () => {
    const h = (type: number, sub: number, len: number): Uint8Array =>
      Uint8Array.from([type, 1, ...u16(sub), ...u32(len)]);
    expect(peekLength(h(5, 1, 12), 0)).toEqual({ ok: false, error: 'unknown message type 5/1' });
    expect(peekLength(h(1, 6, 12), 0)).toEqual({ ok: false, error: 'unknown message type 1/6' });
    expect(peekLength(h(1, 5, 11), 0)).toEqual({ ok: false, error: 'bad message length 11' });
    expect(peekLength(h(1, 5, 12), 0)).toEqual({ ok: true, length: 12 });
    expect(peekLength(h(4, 1, IPC_MESSAGE_MAX), 0)).toEqual({ ok: true, length: IPC_MESSAGE_MAX });
    expect(peekLength(h(4, 1, IPC_MESSAGE_MAX + 1), 0)).toEqual({
      ok: false,
      error: `bad message length ${IPC_MESSAGE_MAX + 1}`,
    });
    // The header at an offset inside a subarray is read from there.
    const inner = cat([9, 9], h(3, 4, 20), [0]).subarray(1);
    expect(peekLength(inner, 1)).toEqual({ ok: true, length: 20 });
  });
});

describe('P-13, K-5: the reassembly queue list (rcvOoo)', () => {
  it('K-5: decodeOoo names the offset of a truncated header, the bad FIN flag, and the length that runs past the list (Stryker wire.ts 776:9, 780:15)', () => {
    const two = encodeOoo([
      { seq: 7, fin: false, data: Uint8Array.from([1, 2, 3]) },
      { seq: 8, fin: true, data: Uint8Array.from([4]) },
    ]);
    expect(two.length).toBe(22);
    expect(decodeOoo(two.subarray(0, 20))).toBe('rcvOoo: truncated segment header at 12');
    expect(decodeOoo(two.subarray(0, 21))).toBe('rcvOoo: segment of 1 runs past the list');
    const badFin = two.slice();
    badFin[20] = 2;
    expect(decodeOoo(badFin)).toBe('rcvOoo: bad FIN flag 2');
    // Inside a larger buffer (a subarray of a snapshot), it reads from its own first byte.
    expect(decodeOoo(cat([0xff], two).subarray(1))).toEqual([
      { seq: 7, fin: false, data: Uint8Array.from([1, 2, 3]) },
      { seq: 8, fin: true, data: Uint8Array.from([4]) },
    ]);
  });
});
