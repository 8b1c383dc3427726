// Script packets against the model's segments, as packetdrill's run_packet.c does it:
// injected (`<`) packets are built with the script's sequence numbers (the script's peer
// ISN is used as is), their ACK and SACK edges moved by the stack's ISS and their TS ecr
// mapped to the TS val the stack really sent; expected (`>`) packets are compared field
// by field after the stack's sequence numbers are moved back into the script's space:
// flags (FIN SYN RST PSH ACK URG ECE CWR), seq, payload length, ack, window when the
// script gives one, urgent pointer, and the options byte by byte in order, except that
// TS val is matched through the first-seen offset (not checked: tcp_ts_tick_usecs 0) and
// `md5 valid` means the signature verifies under the script's secret.
import { encodeOptions } from '../../model/net/packet.ts';
import {
  TH_ACK,
  TH_FIN,
  TH_PUSH,
  TH_RST,
  TH_SYN,
  TH_URG,
  seqAdd,
  type Segment,
  type TcpOptions,
} from '../../model/net/segment.ts';
import { tcpMd5Digest, tcpMd5Verify } from '../../model/tcp/md5.ts';
import { Unsupported, type Pos } from './errors.ts';
import type { PacketEvent, ScriptOpt } from './parser.ts';

const TH_ECE = 0x40;
const TH_CWR = 0x80;

/** The 4-tuple and sequence spaces of packetdrill's socket under test. */
export interface Flow {
  lport: number;
  rport: number;
  /** Stack ISS as seen live, and the ISN the script uses for it. */
  liveLocalIsn: number;
  scriptLocalIsn: number;
  /** TS val mapping (script value -> live value) and the first pair seen. */
  tsMap: Map<number, number>;
  firstTs: { script: number; live: number } | undefined;
}

export function flagBits(flags: string, pos: Pos): number {
  let f = 0;
  for (const ch of flags) {
    const bit = FLAG_BITS[ch];
    if (bit === undefined) throw new Unsupported(pos, 'TCP flag', ch);
    f |= bit;
  }
  return f;
}

const FLAG_BITS: Readonly<Record<string, number>> = {
  S: TH_SYN,
  F: TH_FIN,
  R: TH_RST,
  P: TH_PUSH,
  '.': TH_ACK,
  U: TH_URG,
  E: TH_ECE,
  W: TH_CWR,
};

export function flagsText(f: number): string {
  let s = '';
  for (const [ch, bit] of Object.entries(FLAG_BITS)) if ((f & bit) !== 0 && ch !== '.') s += ch;
  return (f & TH_ACK) !== 0 ? `${s}.` : s;
}

/** The Segment an injected script packet becomes. */
export function inboundSegment(
  ev: PacketEvent,
  flow: Flow,
  laddr: number,
  raddr: number,
  md5Key: Uint8Array | undefined,
  pos: Pos,
): Segment {
  const flags = flagBits(ev.flags, pos);
  if ((flags & (TH_ECE | TH_CWR)) !== 0)
    throw new Unsupported(pos, 'ECN', 'ECE/CWR on an injected packet');
  const ackOff = flow.liveLocalIsn - flow.scriptLocalIsn;
  const options: TcpOptions = {};
  let wantMd5 = false;
  for (const o of ev.options === 'any' ? [] : (ev.options ?? [])) {
    if (o.kind === 'mss') options.mss = o.v;
    else if (o.kind === 'wscale') options.wscale = o.v;
    else if (o.kind === 'sackOK') options.sackOk = true;
    else if (o.kind === 'sack')
      options.sack = o.blocks.map((b) => ({
        left: seqAdd(b.left, ackOff),
        right: seqAdd(b.right, ackOff),
      }));
    else if (o.kind === 'ts')
      options.ts = { val: o.val, ecr: liveEcr(flow, o.ecr, (flags & TH_ACK) !== 0) };
    else if (o.kind === 'md5') wantMd5 = true;
  }
  if (ev.options === 'any') throw new Unsupported(pos, 'injected packet with <...> options');
  const seg: Segment = {
    src: raddr,
    dst: laddr,
    sport: flow.rport,
    dport: flow.lport,
    seq: (ev.seq ?? 0) >>> 0,
    ack:
      ev.ack !== undefined && (flags & TH_ACK) !== 0 ? seqAdd(ev.ack, ackOff) : (ev.ack ?? 0) >>> 0,
    flags,
    wnd: ev.win ?? 0,
    urp: 0,
    options,
    payload: new Uint8Array(ev.len),
    ipId: 0,
    ttl: 64,
  };
  if (wantMd5) {
    if (md5Key === undefined) throw new Unsupported(pos, 'md5 valid without --tcp_md5_secret');
    options.md5 = tcpMd5Digest(seg, md5Key);
  }
  return seg;
}

function liveEcr(flow: Flow, ecr: number, ack: boolean): number {
  if (!ack || ecr === 0) return ecr;
  const m = flow.tsMap.get(ecr);
  if (m !== undefined) return m;
  // No exact outbound TS val: interpolate from the first one (tcp_ts_ecr_scaled).
  if (flow.firstTs !== undefined) return (ecr - flow.firstTs.script + flow.firstTs.live) >>> 0;
  return ecr;
}

/** The first difference between an expected packet and the one the stack sent, or undefined. */
export function comparePacket(
  ev: PacketEvent,
  seg: Segment,
  flow: Flow,
  md5Key: Uint8Array | undefined,
  pos: Pos,
): string | undefined {
  const want = flagBits(ev.flags, pos);
  const gotFlags = seg.flags & 0xff;
  if (want !== gotFlags)
    return `flags: expected ${flagsText(want)} vs actual ${flagsText(gotFlags)}`;
  const seqOff = flow.scriptLocalIsn - flow.liveLocalIsn;
  const seq = ev.absolute ? seg.seq : seqAdd(seg.seq, seqOff);
  if (ev.seq !== undefined && seq !== ev.seq >>> 0)
    return `seq: expected ${ev.seq} vs actual ${seq}`;
  if (seg.payload.length !== ev.len)
    return `payload length: expected ${ev.len} vs actual ${seg.payload.length}`;
  const ack = (ev.ack ?? 0) >>> 0;
  if (seg.ack !== ack) return `ack: expected ${ack} vs actual ${seg.ack}`;
  if (ev.win !== undefined && seg.wnd !== ev.win)
    return `window: expected ${ev.win} vs actual ${seg.wnd}`;
  if (seg.urp !== 0) return `urgent pointer: expected 0 vs actual ${seg.urp}`;
  if (ev.options === 'any') return undefined;
  return compareOptions(ev.options ?? [], seg, flow, md5Key);
}

interface RawOpt {
  kind: number;
  bytes: Uint8Array;
}

function splitOptions(b: Uint8Array): RawOpt[] {
  const out: RawOpt[] = [];
  for (let i = 0; i < b.length;) {
    const kind = b[i] ?? 0;
    const len = kind <= 1 ? 1 : Math.max(2, b[i + 1] ?? 2);
    out.push({ kind, bytes: b.subarray(i, i + len) });
    i += len;
  }
  return out;
}

/** Script options as bytes, in the script's order (md5 digest zeroed: checked apart). */
export function scriptOptionBytes(opts: readonly ScriptOpt[]): Uint8Array {
  const b: number[] = [];
  const u32 = (v: number): void =>
    void b.push((v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255);
  for (const o of opts) {
    if (o.kind === 'nop') b.push(1);
    else if (o.kind === 'eol') b.push(0);
    else if (o.kind === 'mss') b.push(2, 4, (o.v >>> 8) & 255, o.v & 255);
    else if (o.kind === 'wscale') b.push(3, 3, o.v & 255);
    else if (o.kind === 'sackOK') b.push(4, 2);
    else if (o.kind === 'sack') {
      b.push(5, 2 + 8 * o.blocks.length);
      for (const k of o.blocks) {
        u32(k.left);
        u32(k.right);
      }
    } else if (o.kind === 'ts') {
      b.push(8, 10);
      u32(o.val);
      u32(o.ecr);
    } else b.push(19, 18, ...new Array<number>(16).fill(0));
  }
  return Uint8Array.from(b);
}

function compareOptions(
  opts: readonly ScriptOpt[],
  seg: Segment,
  flow: Flow,
  md5Key: Uint8Array | undefined,
): string | undefined {
  const actual = splitOptions(encodeOptions(seg.options));
  const script = splitOptions(scriptOptionBytes(opts));
  const shown = `expected <${opts.map(optText).join(',')}> vs actual <${actual.map(rawText).join(',')}>`;
  if (actual.length !== script.length) return `options: ${shown}`;
  for (let i = 0; i < script.length; i++) {
    const a = actual[i] as RawOpt;
    const s = script[i] as RawOpt;
    if (a.kind !== s.kind || a.bytes.length !== s.bytes.length) return `options: ${shown}`;
    if (a.kind === 8) {
      const why = compareTs(a.bytes, s.bytes, flow);
      if (why !== undefined) return `options: ${why}; ${shown}`;
    } else if (a.kind === 19) {
      if (md5Key === undefined) return 'options: md5 valid expected but no --tcp_md5_secret';
      if (!tcpMd5Verify(seg, md5Key)) return 'options: the MD5 signature does not verify';
    } else if (!a.bytes.every((x, k) => x === s.bytes[k])) return `options: ${shown}`;
  }
  return undefined;
}

function u32At(b: Uint8Array, i: number): number {
  return (
    (((b[i] ?? 0) << 24) | ((b[i + 1] ?? 0) << 16) | ((b[i + 2] ?? 0) << 8) | (b[i + 3] ?? 0)) >>> 0
  );
}

/** TS: ecr exactly; val only remembered (packetdrill's default tcp_ts_tick_usecs is 0). */
function compareTs(a: Uint8Array, s: Uint8Array, flow: Flow): string | undefined {
  const aVal = u32At(a, 2);
  const sVal = u32At(s, 2);
  flow.tsMap.set(sVal, aVal);
  if (flow.firstTs === undefined) flow.firstTs = { script: sVal, live: aVal };
  const aEcr = u32At(a, 6);
  const sEcr = u32At(s, 6);
  return aEcr === sEcr ? undefined : `TS ecr: expected ${sEcr} vs actual ${aEcr}`;
}

function optText(o: ScriptOpt): string {
  switch (o.kind) {
    case 'mss':
      return `mss ${o.v}`;
    case 'wscale':
      return `wscale ${o.v}`;
    case 'sack':
      return `sack ${o.blocks.map((b) => `${b.left}:${b.right}`).join(' ')}`;
    case 'ts':
      return `TS val ${o.val} ecr ${o.ecr}`;
    case 'md5':
      return 'md5 valid';
    default:
      return o.kind;
  }
}

function rawText(o: RawOpt): string {
  const b = o.bytes;
  switch (o.kind) {
    case 0:
      return 'eol';
    case 1:
      return 'nop';
    case 2:
      return `mss ${((b[2] ?? 0) << 8) | (b[3] ?? 0)}`;
    case 3:
      return `wscale ${b[2] ?? 0}`;
    case 4:
      return 'sackOK';
    case 5: {
      const blocks: string[] = [];
      for (let i = 2; i + 8 <= b.length; i += 8) blocks.push(`${u32At(b, i)}:${u32At(b, i + 4)}`);
      return `sack ${blocks.join(' ')}`;
    }
    case 8:
      return `TS val ${u32At(b, 2)} ecr ${u32At(b, 6)}`;
    case 19:
      return 'md5';
    default:
      return `kind ${o.kind}`;
  }
}

/** One line describing a segment in the script's spaces (for mismatch reports). */
export function segmentText(seg: Segment, flow: Flow): string {
  const seq = seqAdd(seg.seq, flow.scriptLocalIsn - flow.liveLocalIsn);
  const end = seqAdd(seq, seg.payload.length);
  const ack = (seg.flags & TH_ACK) !== 0 ? ` ack ${seg.ack}` : '';
  const opts = splitOptions(encodeOptions(seg.options)).map(rawText);
  return `> ${flagsText(seg.flags)} ${seq}:${end}(${seg.payload.length})${ack} win ${seg.wnd}${opts.length > 0 ? ` <${opts.join(',')}>` : ''}`;
}
