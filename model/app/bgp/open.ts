// The OPEN message body (RFC 4271 §4.2) and its capabilities (RFC 5492 §4: optional
// parameter type 2 holding (code, length, value) triples): multiprotocol (RFC 4760 §8:
// AFI, reserved, SAFI), graceful restart (RFC 4724 §3: 4 flag bits and a 12-bit restart
// time, then per AFI/SAFI a flags octet whose top bit is the Forwarding State; the N flag
// of RFC 8538 §2) and 4-octet AS (RFC 6793 §3). All capabilities are sent in one optional
// parameter, as long as they fit its 255 octets; extended optional parameters (RFC 9072)
// are not modelled.
//
// Decoding checks (RFC 4271 §6.2): version 4 only (Unsupported Version Number, Data = the
// 2-octet version we support); hold time 1 or 2 s (Unacceptable Hold Time); BGP
// Identifier zero (Bad BGP Identifier: RFC 6286 §2.1 makes any non-zero value valid);
// an optional parameter other than Capabilities (Unsupported Optional Parameter).
// Lengths that disagree with each other and a known capability of the wrong length have
// no subcode of their own: they are OPEN Message Error / Unspecific (RFC 4271 §4.5).
// Unknown capabilities are kept and ignored (RFC 5492 §3); of several graceful restart
// capabilities the last one counts (RFC 4724 §3). The peer-AS check needs the
// configuration and is the speaker's (speaker.ts).
import {
  AFI_IPV4,
  AS_TRANS,
  BGP_VERSION,
  CAP,
  ERR,
  GR_AF_FORWARDING,
  GR_FLAG_NOTIFICATION,
  GR_FLAG_RESTART,
  HEADER_BYTES,
  OPEN_BYTES_MIN,
  OPT_PARAM_CAPABILITIES,
  SAFI_UNICAST,
  SUB,
  bgpError,
  type Capability,
  type Decoded,
  type GrCapability,
  type OpenMsg,
} from './defs.ts';
import { rd16, rd32 } from '../../net/bytes.ts';
import { ByteWriter } from './writer.ts';

function capValue(c: Capability): { code: number; value: Uint8Array } {
  const w = new ByteWriter();
  switch (c.kind) {
    case 'mp':
      w.u16(c.afi, 'MP AFI').u8(0, 'MP reserved').u8(c.safi, 'MP SAFI');
      return { code: CAP.multiprotocol, value: w.toBytes() };
    case 'gr': {
      const flags =
        (c.restarting ? GR_FLAG_RESTART : 0) | (c.notification ? GR_FLAG_NOTIFICATION : 0);
      if (c.restartTimeSec > 0xfff)
        throw new RangeError(`bgp encode: restart time ${c.restartTimeSec}`);
      w.u16((flags << 12) | c.restartTimeSec, 'GR restart flags and time');
      for (const f of c.families)
        w.u16(f.afi, 'GR AFI')
          .u8(f.safi, 'GR SAFI')
          .u8(f.forwarding ? GR_AF_FORWARDING : 0, 'GR flags');
      return { code: CAP.gracefulRestart, value: w.toBytes() };
    }
    case 'as4':
      return { code: CAP.as4, value: w.u32(c.as, '4-octet AS').toBytes() };
    default:
      return { code: c.code, value: c.value };
  }
}

/** The OPEN body (after the header). */
export function encodeOpenBody(o: OpenMsg): Uint8Array {
  const params = new ByteWriter();
  let param = new ByteWriter();
  const flush = () => {
    if (param.len === 0) return;
    params.u8(OPT_PARAM_CAPABILITIES, 'parameter type').u8(param.len, 'parameter length');
    params.bytes(param.toBytes());
    param = new ByteWriter();
  };
  for (const c of o.caps) {
    const { code, value } = capValue(c);
    if (param.len + 2 + value.length > 255) flush();
    param.u8(code, 'capability code').u8(value.length, 'capability length').bytes(value);
  }
  flush();
  const w = new ByteWriter();
  w.u8(o.version, 'version').u16(o.myAs, 'My AS').u16(o.holdTimeSec, 'Hold Time');
  w.u32(o.bgpId, 'BGP Identifier').u8(params.len, 'Opt Parm Len').bytes(params.toBytes());
  return w.toBytes();
}

const openErr = (subcode: number, reason: string, data?: Uint8Array) =>
  bgpError(ERR.open, subcode, reason, data);

/** Decodes a whole OPEN message `m` (header included; its length already checked). */
export function decodeOpen(m: Uint8Array): Decoded<OpenMsg> {
  const p = HEADER_BYTES;
  const version = m[p] as number;
  if (version !== BGP_VERSION)
    return openErr(SUB.open.unsupportedVersion, `version ${version}`, new Uint8Array([0, 4]));
  const myAs = rd16(m, p + 1);
  const holdTimeSec = rd16(m, p + 3);
  const bgpId = rd32(m, p + 5);
  const optLen = m[p + 9] as number;
  if (holdTimeSec === 1 || holdTimeSec === 2)
    return openErr(SUB.open.unacceptableHoldTime, `hold time ${holdTimeSec} s`);
  if (bgpId === 0) return openErr(SUB.open.badBgpId, 'BGP Identifier 0');
  if (OPEN_BYTES_MIN + optLen !== m.length)
    return openErr(
      SUB.unspecific,
      `Opt Parm Len ${optLen} disagrees with message length ${m.length}`,
    );
  const caps = decodeParams(m, OPEN_BYTES_MIN, m.length);
  if (!caps.ok) return caps;
  return { ok: true, value: { version, myAs, holdTimeSec, bgpId, caps: caps.value } };
}

function decodeParams(m: Uint8Array, start: number, end: number): Decoded<Capability[]> {
  const caps: Capability[] = [];
  let p = start;
  while (p < end) {
    if (end - p < 2) return openErr(SUB.unspecific, 'truncated optional parameter');
    const type = m[p] as number;
    const len = m[p + 1] as number;
    if (p + 2 + len > end)
      return openErr(SUB.unspecific, `optional parameter length ${len} overruns`);
    if (type !== OPT_PARAM_CAPABILITIES)
      return openErr(SUB.open.unsupportedOptParam, `optional parameter type ${type}`);
    let q = p + 2;
    while (q < p + 2 + len) {
      if (p + 2 + len - q < 2) return openErr(SUB.unspecific, 'truncated capability');
      const code = m[q] as number;
      const clen = m[q + 1] as number;
      if (q + 2 + clen > p + 2 + len)
        return openErr(SUB.unspecific, `capability ${code} length ${clen} overruns`);
      const cap = decodeCap(code, m.subarray(q + 2, q + 2 + clen));
      if (!cap.ok) return cap;
      caps.push(cap.value);
      q += 2 + clen;
    }
    p += 2 + len;
  }
  return { ok: true, value: caps };
}

function decodeCap(code: number, v: Uint8Array): Decoded<Capability> {
  const bad = () => openErr(SUB.unspecific, `capability ${code} length ${v.length}`);
  switch (code) {
    case CAP.multiprotocol:
      if (v.length !== 4) return bad();
      return { ok: true, value: { kind: 'mp', afi: rd16(v, 0), safi: v[3] as number } };
    case CAP.as4:
      if (v.length !== 4) return bad();
      return { ok: true, value: { kind: 'as4', as: rd32(v, 0) } };
    case CAP.gracefulRestart: {
      if (v.length < 2 || (v.length - 2) % 4 !== 0) return bad();
      const word = rd16(v, 0);
      const flags = word >>> 12;
      const families = [];
      for (let i = 2; i < v.length; i += 4) {
        // RFC 4724 §3: reserved flag bits are ignored by the receiver.
        const forwarding = ((v[i + 3] as number) & GR_AF_FORWARDING) !== 0;
        families.push({ afi: rd16(v, i), safi: v[i + 2] as number, forwarding });
      }
      const gr: GrCapability = {
        kind: 'gr',
        restarting: (flags & GR_FLAG_RESTART) !== 0,
        notification: (flags & GR_FLAG_NOTIFICATION) !== 0,
        restartTimeSec: word & 0xfff,
        families,
      };
      return { ok: true, value: gr };
    }
    default:
      return { ok: true, value: { kind: 'unknown', code, value: v.slice() } };
  }
}

/** What an OPEN says about its sender, once decoded. */
export interface OpenFacts {
  /** The sender's AS: the 4-octet AS capability if present, else My AS (RFC 6793 §4.1). */
  as: number;
  as4: boolean;
  /** The last graceful restart capability (RFC 4724 §3), if any. */
  gr: GrCapability | undefined;
  holdTimeSec: number;
  bgpId: number;
}

export function openFacts(o: OpenMsg): OpenFacts {
  let as4: number | undefined;
  let gr: GrCapability | undefined;
  for (const c of o.caps) {
    if (c.kind === 'as4') as4 = c.as;
    if (c.kind === 'gr') gr = c;
  }
  return {
    as: as4 ?? o.myAs,
    as4: as4 !== undefined,
    gr,
    holdTimeSec: o.holdTimeSec,
    bgpId: o.bgpId,
  };
}

/** True when a graceful restart capability covers IPv4 unicast; `withForwarding` asks for the F bit too. */
export function grCoversIpv4(gr: GrCapability | undefined, withForwarding: boolean): boolean {
  if (gr === undefined) return false;
  return gr.families.some(
    (f) => f.afi === AFI_IPV4 && f.safi === SAFI_UNICAST && (!withForwarding || f.forwarding),
  );
}

export interface OpenSpec {
  localAs: number;
  holdTimeSec: number;
  bgpId: number;
  as4: boolean;
  gr?: { restarting: boolean; notification: boolean; restartTimeSec: number; forwarding: boolean };
}

/** The OPEN a speaker with this configuration sends. */
export function makeOpen(s: OpenSpec): OpenMsg {
  const caps: Capability[] = [{ kind: 'mp', afi: AFI_IPV4, safi: SAFI_UNICAST }];
  if (s.gr !== undefined) {
    caps.push({
      kind: 'gr',
      restarting: s.gr.restarting,
      notification: s.gr.notification,
      restartTimeSec: s.gr.restartTimeSec,
      families: [{ afi: AFI_IPV4, safi: SAFI_UNICAST, forwarding: s.gr.forwarding }],
    });
  }
  if (s.as4) caps.push({ kind: 'as4', as: s.localAs });
  const myAs = s.localAs > 0xffff ? AS_TRANS : s.localAs;
  return { version: BGP_VERSION, myAs, holdTimeSec: s.holdTimeSec, bgpId: s.bgpId, caps };
}
