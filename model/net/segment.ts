// The in-memory form of an IPv4 + TCP packet, shared by the TCP engine, the links,
// the PFE, the RE kernels, PRL (which replicates it) and the packet codec
// (model/packet.ts turns it into real bytes and back).
//
// Addresses are IPv4 as unsigned 32-bit numbers; sequence numbers are unsigned 32-bit
// and compared modulo 2^32 (RFC 9293 §3.4) with the helpers below, as BSD's SEQ_LT.

export type Ipv4 = number;

/** TCP header flag bits, in their on-the-wire positions (RFC 9293 §3.1). */
export const TH_FIN = 0x01;
export const TH_SYN = 0x02;
export const TH_RST = 0x04;
export const TH_PUSH = 0x08;
export const TH_ACK = 0x10;
export const TH_URG = 0x20;

export interface TcpOptions {
  /** Maximum segment size (kind 2), only in SYNs. */
  mss?: number;
  /** Window scale shift count (kind 3, RFC 7323), only in SYNs. */
  wscale?: number;
  /** Timestamps (kind 8, RFC 7323). */
  ts?: { val: number; ecr: number };
  /** SACK-permitted (kind 4, RFC 2018 §2), only in SYNs. */
  sackOk?: boolean;
  /** SACK blocks (kind 5, RFC 2018 §3): [left, right) edges, most recent first. */
  sack?: readonly SackBlock[];
  /** TCP-MD5 signature (kind 19, RFC 2385): the 16-byte digest. */
  md5?: Uint8Array;
  /**
   * Wire order of the options (packet.ts): absent = Linux's (MSS, TS, WS, as today),
   * 'bsd' = FreeBSD's tcp_addoptions (MSS, WS, SACK-permitted, TS, MD5, SACK, EOL pad).
   */
  layout?: 'bsd';
}

/** One SACK block: the bytes [left, right) (unsigned 32-bit sequence numbers). */
export interface SackBlock {
  left: number;
  right: number;
}

export interface Segment {
  src: Ipv4;
  dst: Ipv4;
  sport: number;
  dport: number;
  /** Unsigned 32-bit sequence number. */
  seq: number;
  /** Unsigned 32-bit acknowledgment number (meaningful when TH_ACK is set). */
  ack: number;
  /** TH_* bits. */
  flags: number;
  /** The 16-bit window field as sent (already shifted right by the sender's rcv_scale). */
  wnd: number;
  /** Urgent pointer field (offset from seq, meaningful when TH_URG is set). */
  urp: number;
  options: TcpOptions;
  payload: Uint8Array;
  /** IPv4 identification field; the sender's counter. */
  ipId: number;
  ttl: number;
}

const MOD = 0x1_0000_0000;

/** (a + b) mod 2^32. */
export function seqAdd(a: number, b: number): number {
  return ((a + b) % MOD) >>> 0;
}

/** Signed distance a - b in sequence space, in (-2^31, 2^31]. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

export function seqLt(a: number, b: number): boolean {
  return seqDiff(a, b) < 0;
}
export function seqLeq(a: number, b: number): boolean {
  return seqDiff(a, b) <= 0;
}
export function seqGt(a: number, b: number): boolean {
  return seqDiff(a, b) > 0;
}
export function seqGeq(a: number, b: number): boolean {
  return seqDiff(a, b) >= 0;
}

/** Sequence space a segment occupies: payload plus one for SYN and one for FIN. */
export function segLen(s: Segment): number {
  return s.payload.length + ((s.flags & TH_SYN) !== 0 ? 1 : 0) + ((s.flags & TH_FIN) !== 0 ? 1 : 0);
}

export function ipv4ToString(a: Ipv4): string {
  return `${(a >>> 24) & 255}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/** Parses dotted-quad text; returns undefined on anything else. */
export function parseIpv4(text: string): Ipv4 | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (m === null) return undefined;
  let v = 0;
  for (let i = 1; i <= 4; i++) {
    const o = Number(m[i]);
    if (o > 255) return undefined;
    v = v * 256 + o;
  }
  return v >>> 0;
}

export function flagsToString(flags: number): string {
  const names: Array<[number, string]> = [
    [TH_SYN, 'S'],
    [TH_FIN, 'F'],
    [TH_RST, 'R'],
    [TH_PUSH, 'P'],
    [TH_ACK, '.'],
    [TH_URG, 'U'],
  ];
  return (
    names
      .filter(([bit]) => (flags & bit) !== 0)
      .map(([, n]) => n)
      .join('') || '-'
  );
}
