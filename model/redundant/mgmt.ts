// The stations' in-band management (seed 004 §2.1, §4.1.1, §5.1, §5.2; SPEC R-6): each
// station has a management address of its own (the RE internal address, on the inter-RE
// link) and talks to its counterpart over TCP in lines of ASCII text:
//
//   telnet (port 23)   SET <key> <value>     an operator command echoed to the counterpart
//                                            (§4.1.1; the answer is ignored: none is sent)
//                      SYNC                  the late joiner's first command: start timing
//                                            synchronization (§5.2), answered SYNC-OK <epoch>
//   SNMP (port 161)    GETALL                the MIB walk of §5.1, answered OBJ <key> <value>
//                                            per object, then END
//
// Simplified: SNMP runs over TCP here (the model has no UDP) and a walk is one request
// answered with every object; telnet has no option negotiation and no login.
import { assert } from '../../sim/index.ts';
import type { TcpConnection } from '../tcp/tcp.ts';

export const TELNET_PORT = 23;
export const SNMP_PORT = 161;
/** A line longer than this is malformed (GUIDE §4: a bound on everything). */
export const MGMT_LINE_MAX = 1024;
/** Bytes a channel holds for a peer that reads slowly; beyond it the channel is closed. */
export const MGMT_OUTBOX_MAX = 1 << 20;
/** MIB keys and values: one token of printable ASCII without spaces. */
export const MIB_TOKEN = /^[!-~]{1,256}$/;

export type MgmtLine =
  | { readonly cmd: 'SET'; readonly key: string; readonly value: string }
  | { readonly cmd: 'GETALL' }
  | { readonly cmd: 'SYNC' }
  | { readonly cmd: 'OBJ'; readonly key: string; readonly value: string }
  | { readonly cmd: 'END' }
  | { readonly cmd: 'SYNC-OK'; readonly epoch: number };

/** One line of the protocol, or undefined when it is not one (the caller closes the session). */
export function parseMgmtLine(line: string): MgmtLine | undefined {
  const w = line.split(' ');
  const [cmd, a, b] = w;
  switch (cmd) {
    case 'SET':
    case 'OBJ':
      if (w.length !== 3 || a === undefined || b === undefined) return undefined;
      if (!MIB_TOKEN.test(a) || !MIB_TOKEN.test(b)) return undefined;
      return { cmd, key: a, value: b };
    case 'GETALL':
    case 'SYNC':
    case 'END':
      return w.length === 1 ? { cmd } : undefined;
    case 'SYNC-OK': {
      const e = Number(a);
      return w.length === 2 && Number.isSafeInteger(e) && e >= 0 ? { cmd, epoch: e } : undefined;
    }
    default:
      return undefined;
  }
}

export function formatMgmtLine(l: MgmtLine): string {
  switch (l.cmd) {
    case 'SET':
    case 'OBJ':
      return `${l.cmd} ${l.key} ${l.value}`;
    case 'SYNC-OK':
      return `${l.cmd} ${l.epoch}`;
    default:
      return l.cmd;
  }
}

function ascii(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    assert(c < 128, () => `mgmt: non-ASCII character in "${s}"`);
    b[i] = c;
  }
  return b;
}

/**
 * Frames lines on one TCP connection: `onLine` gets each complete line (without the
 * newline); a line that is too long or does not parse ends the session (`onBad`).
 */
export class LineChannel {
  private inbuf = '';
  private outbox: Uint8Array[] = [];
  private outBytes = 0;
  closed = false;

  constructor(
    readonly conn: TcpConnection,
    private readonly onLine: (l: MgmtLine, ch: LineChannel) => void,
    private readonly onBad: (why: string, ch: LineChannel) => void,
  ) {
    conn.onReadable = () => this.readable();
    conn.onWritable = () => this.flush();
    conn.onClosed = () => {
      this.closed = true;
    };
  }

  send(l: MgmtLine): void {
    if (this.closed) return;
    const b = ascii(`${formatMgmtLine(l)}\n`);
    if (this.outBytes + b.length > MGMT_OUTBOX_MAX) {
      this.onBad('outbox full', this);
      return;
    }
    this.outbox.push(b);
    this.outBytes += b.length;
    this.flush();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.conn.close();
  }

  private flush(): void {
    while (this.outbox.length > 0 && !this.closed) {
      const head = this.outbox[0] as Uint8Array;
      const n = this.conn.write(head);
      this.outBytes -= n;
      if (n < head.length) {
        this.outbox[0] = head.subarray(n);
        return;
      }
      this.outbox.shift();
    }
  }

  private readable(): void {
    const data = this.conn.read(Number.MAX_SAFE_INTEGER);
    for (const c of data) this.inbuf += String.fromCharCode(c);
    for (;;) {
      const nl = this.inbuf.indexOf('\n');
      if (nl < 0) break;
      const line = this.inbuf.slice(0, nl);
      this.inbuf = this.inbuf.slice(nl + 1);
      const parsed = parseMgmtLine(line);
      if (parsed === undefined) {
        this.onBad(`bad line "${line.slice(0, 80)}"`, this);
        return;
      }
      this.onLine(parsed, this);
      if (this.closed) return;
    }
    if (this.inbuf.length > MGMT_LINE_MAX) this.onBad('line too long', this);
  }
}
