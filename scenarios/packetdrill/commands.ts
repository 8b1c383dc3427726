// The shell commands and `%{ }%` code the suite runs, evaluated against the model instead
// of a FreeBSD host: `sysctl -w` (the FreeBSD profile), `sockstat ... | grep -c STATE |
// grep N` (count the stack's connections in a state), `tcpdrop -s STATE`, the `setkey`
// TCP-MD5 security associations, and `assert tcpi_state == ...` / `assert tcpi_options
// == ...` over the socket under test. Anything else is Unsupported.
import type { TcpConnection, TcpState } from '../../model/tcp/tcp.ts';
import { TF_RCVD_SCALE, TF_RCVD_TSTMP, TF_REQ_SCALE, TF_REQ_TSTMP } from '../../model/tcp/tcp.ts';
import { Unsupported, type Pos } from './errors.ts';

/** FreeBSD's tcpstates[] names (sockstat prints them). */
export const BSD_STATE: Readonly<Record<TcpState, string>> = {
  CLOSED: 'CLOSED',
  LISTEN: 'LISTEN',
  SYN_SENT: 'SYN_SENT',
  SYN_RECEIVED: 'SYN_RCVD',
  ESTABLISHED: 'ESTABLISHED',
  CLOSE_WAIT: 'CLOSE_WAIT',
  FIN_WAIT_1: 'FIN_WAIT_1',
  CLOSING: 'CLOSING',
  LAST_ACK: 'LAST_ACK',
  FIN_WAIT_2: 'FIN_WAIT_2',
  TIME_WAIT: 'TIME_WAIT',
};

export interface CommandHost {
  sysctl(name: string, value: string, pos: Pos): void;
  /** FreeBSD states of every socket the script can see (connections and listeners). */
  socketStates(port: number | undefined): string[];
  drop(state: string): void;
  setMd5Key(key: string | undefined): void;
}

/** Runs one backticked command; returns an error message when it "fails" (exit != 0). */
export function runCommand(text: string, host: CommandHost, pos: Pos): string | undefined {
  const cmd = text.replace(/\s+/g, ' ').trim();
  let m = /^sysctl -w ([\w.]+)=(\S+)$/.exec(cmd);
  if (m !== null) {
    host.sysctl(m[1] ?? '', m[2] ?? '', pos);
    return undefined;
  }
  if (cmd.startsWith('sockstat ')) return sockstat(cmd, host, pos);
  m = /^tcpdrop -s (\w+)$/.exec(cmd);
  if (m !== null) {
    host.drop(m[1] ?? '');
    return undefined;
  }
  if (cmd.includes('setkey')) return setkey(cmd, host, pos);
  throw new Unsupported(pos, 'shell command', cmd.split(' ')[0] ?? cmd);
}

/** `sockstat -4 -P tcp [-p PORT] -s [| grep packetdril] | grep -c STATE | grep N`. */
function sockstat(cmd: string, host: CommandHost, pos: Pos): string | undefined {
  const parts = cmd.split('|').map((s) => s.trim());
  const head = parts[0] ?? '';
  const port = /-p (\d+)/.exec(head);
  let state: string | undefined;
  let want: string | undefined;
  for (const p of parts.slice(1)) {
    const c = /^grep -c (\w+)$/.exec(p);
    const g = /^grep (\w+)$/.exec(p);
    if (c !== null) state = c[1];
    else if (g !== null && state !== undefined) want = g[1];
    else if (g === null) throw new Unsupported(pos, 'shell command', `sockstat pipeline "${p}"`);
  }
  if (state === undefined || want === undefined)
    throw new Unsupported(pos, 'shell command', 'sockstat without grep -c STATE | grep N');
  const n = host
    .socketStates(port === null ? undefined : Number(port[1]))
    .filter((s) => s === state).length;
  // `grep N` succeeds when the count's text contains N.
  return String(n).includes(want)
    ? undefined
    : `sockstat: ${n} sockets in ${state}, the script wants ${want}`;
}

/** setkey: `-F` flushes; `add A B tcp SPI -A tcp-md5 "key"` installs the TCP-MD5 key. */
function setkey(cmd: string, host: CommandHost, pos: Pos): string | undefined {
  if (/setkey -F$/.test(cmd)) {
    host.setMd5Key(undefined);
    return undefined;
  }
  const m = /-A tcp-md5 "([^"]*)"/.exec(cmd);
  if (m === null) throw new Unsupported(pos, 'shell command', 'setkey without a tcp-md5 key');
  host.setMd5Key(m[1]);
  return undefined;
}

const TCPI_OPT: Readonly<Record<string, number>> = {
  TCPI_OPT_TIMESTAMPS: 1,
  TCPI_OPT_SACK: 2,
  TCPI_OPT_WSCALE: 4,
  TCPI_OPT_ECN: 8,
};

/** tcpi_options of a connection (FreeBSD tcp_fill_info). */
export function tcpiOptions(c: TcpConnection): number {
  let o = 0;
  const both = (a: number, b: number): boolean => (c.t_flags & (a | b)) === (a | b);
  if (both(TF_REQ_TSTMP, TF_RCVD_TSTMP)) o |= 1;
  if (c.sackPermitted()) o |= 2;
  if (both(TF_REQ_SCALE, TF_RCVD_SCALE)) o |= 4;
  return o;
}

/** Evaluates `assert tcpi_state == X` / `assert tcpi_options == EXPR`; returns a failure or undefined. */
export function runCode(
  text: string,
  conn: TcpConnection | undefined,
  listening: boolean,
  pos: Pos,
): string | undefined {
  const t = text.replace(/\s+/g, ' ').trim();
  const m = /^assert (tcpi_state|tcpi_options) == (.+)$/.exec(t);
  if (m === null) throw new Unsupported(pos, 'code block', t);
  if (m[1] === 'tcpi_state') {
    const want = (m[2] ?? '').trim();
    const st: TcpState = conn?.t_state ?? (listening ? 'LISTEN' : 'CLOSED');
    const got = `TCPI_${st}`;
    return got === want ? undefined : `tcpi_state: expected ${want} vs actual ${got}`;
  }
  const want = evalFlags(m[2] ?? '', pos);
  const got = conn === undefined ? 0 : tcpiOptions(conn);
  return got === want ? undefined : `tcpi_options: expected ${want} vs actual ${got}`;
}

function evalFlags(e: string, pos: Pos): number {
  let v = 0;
  for (const raw of e.replace(/[()]/g, '').split('|')) {
    const w = raw.trim();
    if (/^\d+$/.test(w)) v |= Number(w);
    else if (TCPI_OPT[w] !== undefined) v |= TCPI_OPT[w];
    else throw new Unsupported(pos, 'code block', `symbol ${w}`);
  }
  return v;
}
