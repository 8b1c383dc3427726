// The packetdrill interpreter (SPEC T-1): runs one parsed script against the model TCP on
// a virtual clock. Events happen at the script's times (relative times count from when
// the previous event finished, consecutive injected packets from each other's start, as
// packetdrill's adjust_relative_event_times); timers fire in between; every segment the
// stack sends is matched, in order, against the next `>` line (an unexpected one fails
// that comparison, and one still unmatched at the end fails the script); system calls go
// to the socket layer; commands and code to commands.ts. Everything not modelled makes
// the script `unsupported` with the reason.
import type { TcpConnection, TcpOptionsConfig } from '../../model/tcp/tcp.ts';
import { md5KeyBytes } from '../../model/tcp/md5.ts';
import { TH_ACK, TH_SYN, type Segment } from '../../model/net/segment.ts';
import { BSD_STATE, runCode, runCommand, type CommandHost } from './commands.ts';
import { ScriptFailure, Unsupported, type Pos } from './errors.ts';
import { LOCAL_IP, Machine, REMOTE_IP } from './machine.ts';
import { comparePacket, inboundSegment, segmentText, type Flow } from './packets.ts';
import type { PacketEvent, Script, ScriptEvent, SyscallEvent, TimeSpec } from './parser.ts';
import {
  applySysctl,
  freeBsdDefaults,
  tcpOptionsFor,
  FREEBSD_KEEPCNT,
  type FreeBsdSysctls,
} from './profile.ts';
import { SCRIPT_PORT, Sockets, evalInt, type CallResult, type Sock } from './sockets.ts';

export interface RunConfig {
  /** Overrides the script's --tolerance_usecs. */
  toleranceUs?: number;
  /** Receives one line per event run and per packet the stack sent (--verbose). */
  log?: (line: string) => void;
}

/** packetdrill's default tolerance_usecs. */
const DEFAULT_TOLERANCE_US = 4000;
/** How long a `*` event waits for its packet (virtual time). */
const ANY_TIME_WAIT_US = 3600 * 1_000_000;
const FIRST_REMOTE_PORT = 40000;
const US = 1000;

interface Pending {
  ev: ScriptEvent;
  call: SyscallEvent;
  sock: Sock;
  endUs: number;
}

export class Interpreter implements CommandHost {
  readonly machine: Machine;
  readonly sockets: Sockets;
  private sysctls: FreeBsdSysctls = freeBsdDefaults();
  private toleranceUs = DEFAULT_TOLERANCE_US;
  private tolerancePct = 0;
  private md5Secret: Uint8Array | undefined;
  private saKey: string | undefined;
  private mssOverride: number | undefined;
  private flow: Flow | undefined;
  /** packetdrill's socket under test: a connection, or a listener waiting for one. */
  private sut: { conn: TcpConnection | undefined; listening: boolean } = {
    conn: undefined,
    listening: false,
  };
  private nextRemotePort = FIRST_REMOTE_PORT;
  private pending: Pending | undefined;
  private prev: { ev: ScriptEvent; timeUs: number } | undefined;

  constructor(
    private readonly script: Script,
    private readonly cfg: RunConfig = {},
  ) {
    this.machine = new Machine({});
    this.sockets = new Sockets({
      machine: this.machine,
      baseOptions: () => this.baseOptions(),
      md5Key: () => this.saKey,
      connectionCreated: (_s, c) => {
        this.sut = { conn: c, listening: false };
      },
      listening: () => {
        this.sut = { conn: undefined, listening: true };
        this.flow = undefined;
      },
      keepDefaults: () => ({
        idleS: Math.round(this.sysctls.keepidleMs / 1000),
        intvlS: Math.round(this.sysctls.keepintvlMs / 1000),
        cnt: FREEBSD_KEEPCNT,
      }),
    });
    this.machine.stack.onNewConnection = (c) => this.sockets.adoptPassive(c);
    this.machine.stack.reconfigure(this.baseOptions());
    this.machine.stack.md5KeyFor = () =>
      this.saKey === undefined ? undefined : md5KeyBytes(this.saKey);
    this.machine.onOutput = (seg) =>
      this.cfg.log?.(`${secs(this.nowUs())}   sent ${segmentText(seg, this.flowOr())}`);
  }

  private baseOptions(): TcpOptionsConfig {
    const o = tcpOptionsFor(this.sysctls);
    if (this.mssOverride !== undefined) o.mss = this.mssOverride;
    o.finWait2TimeoutNs = FREEBSD_KEEPCNT * this.sysctls.keepintvlMs * 1_000_000;
    return o;
  }

  private nowUs(): number {
    return Math.floor(this.machine.nowNs / US);
  }

  /** Runs the script; throws ScriptFailure or Unsupported. */
  run(): void {
    this.header();
    if (this.script.unsupported !== undefined) throw this.script.unsupported;
    for (const c of this.script.initCommands) this.command(c.text, c.pos);
    for (const [i, ev] of this.script.events.entries()) {
      this.machine.eventIndex = i;
      const t = this.eventTime(ev);
      this.cfg.log?.(`${secs(t)} ${ev.source}`);
      this.step(ev, t);
      this.prev = { ev, timeUs: t };
    }
    this.finishPending();
    for (const c of this.script.cleanupCommands) this.command(c.text, c.pos);
    // A packet sent before the last event had a later line to match it and none did; one
    // the last event itself caused is not judged (packetdrill stops reading there too).
    const last = this.script.events.at(-1);
    const left = this.machine.out.find((p) => p.during < this.script.events.length - 1);
    if (left !== undefined && last !== undefined) {
      throw new ScriptFailure(
        last.pos,
        'unexpected outbound packet after the last event',
        '(none)',
        segmentText(left.seg, this.flowOr()),
      );
    }
  }

  private header(): void {
    for (const o of this.script.options) {
      switch (o.name) {
        case 'ip_version':
          if (o.value !== 'ipv4') throw new Unsupported(o.pos, 'IPv6', 'the model is IPv4 only');
          break;
        case 'udp_encapsulation':
          throw new Unsupported(o.pos, 'TCP over UDP', `--udp_encapsulation=${o.value}`);
        case 'tolerance_usecs':
          this.toleranceUs = Number(o.value);
          break;
        case 'tolerance_percent':
          this.tolerancePct = Number(o.value);
          break;
        case 'tcp_md5_secret':
          this.md5Secret = md5KeyBytes(o.value);
          break;
        case 'mtu':
          this.mssOverride = Number(o.value) - 40;
          if (!(this.mssOverride >= 64))
            throw new Unsupported(o.pos, 'MTU below the model MSS floor', `--mtu=${o.value}`);
          break;
        default:
          throw new Unsupported(o.pos, 'header option', `--${o.name}`);
      }
      if (!Number.isFinite(this.toleranceUs) || this.toleranceUs < 0)
        throw new Unsupported(o.pos, 'header option', `--${o.name}=${o.value}`);
    }
    if (this.cfg.toleranceUs !== undefined) this.toleranceUs = this.cfg.toleranceUs;
  }

  private eventTime(ev: ScriptEvent): number {
    const anchored = (e: ScriptEvent | undefined): boolean =>
      e?.body.type === 'packet' && e.body.dir === '<';
    const offset =
      this.prev !== undefined && anchored(this.prev.ev) && anchored(ev)
        ? this.prev.timeUs
        : this.nowUs();
    const t = ev.time;
    if (t.kind === 'any') return this.nowUs();
    if (t.kind === 'rel') return t.us + offset;
    if (this.prev !== undefined && this.prev.ev.time.kind === 'abs' && t.us < this.prev.timeUs)
      throw new ScriptFailure(
        ev.pos,
        'time goes backward in the script',
        `>= ${this.prev.timeUs} us`,
        `${t.us} us`,
      );
    return t.us;
  }

  private endTime(ev: ScriptEvent, t: number, spec: TimeSpec | undefined): number {
    if (spec === undefined || spec.kind === 'any') return t;
    if (spec.kind === 'rel')
      return spec.us + (ev.time.kind === 'rel' ? t - ev.time.us : this.nowUs());
    return spec.us;
  }

  private tolerance(t: number): number {
    const delta = this.prev === undefined ? 0 : t - this.prev.timeUs;
    return Math.max(this.toleranceUs, Math.floor((this.tolerancePct / 100) * delta));
  }

  private step(ev: ScriptEvent, t: number): void {
    const b = ev.body;
    switch (b.type) {
      case 'packet':
        if (b.dir === '<') this.inject(ev, b, t);
        else this.expectPacket(ev, b, t);
        return;
      case 'syscall':
        this.syscall(ev, b, t);
        return;
      case 'command':
        this.advance(t * US);
        this.command(b.text, ev.pos);
        return;
      case 'code': {
        this.advance(t * US);
        const why = runCode(b.text, this.sut.conn, this.sut.listening, ev.pos);
        if (why !== undefined) throw new ScriptFailure(ev.pos, why, ev.source, why);
        return;
      }
    }
  }

  /** Moves the clock to untilNs, completing a pending blocking call on the way. */
  private advance(untilNs: number): void {
    const p = this.pending;
    if (p !== undefined) {
      const done = this.machine.runUntil(untilNs, () => this.sockets.connectReady(p.sock));
      if (done) this.completePending(p);
    }
    this.machine.runUntil(untilNs);
  }

  private completePending(p: Pending): void {
    this.pending = undefined;
    const r = this.sockets.connectDone(p.sock);
    if (r === undefined)
      throw new ScriptFailure(
        p.ev.pos,
        'blocking call did not return',
        p.ev.source,
        'still blocked',
      );
    const at = this.nowUs();
    const tol = this.toleranceUs;
    if (at < p.endUs - tol || at > p.endUs + tol)
      throw new ScriptFailure(
        p.ev.pos,
        `blocking call returned at ${secs(at)} s, expected ${secs(p.endUs)} s`,
        p.ev.source,
        `returned at ${secs(at)}`,
      );
    this.checkResult(p.ev, p.call, r);
  }

  private finishPending(): void {
    const p = this.pending;
    if (p === undefined) return;
    this.advance((p.endUs + this.toleranceUs) * US);
    if (this.pending !== undefined)
      throw new ScriptFailure(
        p.ev.pos,
        'blocking call still blocked after its end time',
        p.ev.source,
        'blocked',
      );
  }

  private flowOr(): Flow {
    return (
      this.flow ?? {
        lport: SCRIPT_PORT,
        rport: this.nextRemotePort,
        liveLocalIsn: 0,
        scriptLocalIsn: 0,
        tsMap: new Map(),
        firstTs: undefined,
      }
    );
  }

  private inject(ev: ScriptEvent, b: PacketEvent, t: number): void {
    this.advance(t * US);
    if (this.flow === undefined || (this.sut.listening && this.sut.conn === undefined)) {
      // packetdrill's handle_listen_for_script_packet: a new flow for the child socket.
      this.flow = {
        lport: SCRIPT_PORT,
        rport: this.nextRemotePort++,
        liveLocalIsn: 0,
        scriptLocalIsn: 0,
        tsMap: new Map(),
        firstTs: undefined,
      };
      this.sut = { conn: undefined, listening: this.sut.listening };
    }
    const seg = inboundSegment(b, this.flow, LOCAL_IP, REMOTE_IP, this.md5Secret, ev.pos);
    this.machine.stack.input(seg);
  }

  private expectPacket(ev: ScriptEvent, b: PacketEvent, t: number): void {
    const tol = this.tolerance(t);
    const endUs =
      ev.time.kind === 'any'
        ? this.nowUs() + ANY_TIME_WAIT_US
        : this.endTime(
            ev,
            t,
            ev.time.kind === 'abs' || ev.time.kind === 'rel' ? endSpec(ev.time) : undefined,
          ) + tol;
    if (this.machine.out.length === 0) {
      const p = this.pending;
      this.machine.runUntil(
        endUs * US,
        () => this.machine.out.length > 0 || (p !== undefined && this.sockets.connectReady(p.sock)),
      );
      if (p !== undefined && this.sockets.connectReady(p.sock)) this.completePending(p);
      if (this.machine.out.length === 0)
        this.machine.runUntil(endUs * US, () => this.machine.out.length > 0);
    }
    const sent = this.machine.out.shift();
    if (sent === undefined) this.nothingSent(ev, t, endUs);
    const flow = this.learnFlow(b, sent.seg);
    const why = comparePacket(b, sent.seg, flow, this.md5Secret, ev.pos);
    if (why !== undefined)
      throw new ScriptFailure(ev.pos, why, ev.source, segmentText(sent.seg, flow));
    if (ev.time.kind === 'any') return;
    const at = Math.floor(sent.atNs / US);
    const lo = t - tol;
    const hi = (ev.time.endUs !== undefined ? this.endTime(ev, t, endSpec(ev.time)) : t) + tol;
    if (at < lo || at > hi)
      throw new ScriptFailure(
        ev.pos,
        `timing: expected the packet at ${secs(t)} s (tolerance ${secs(tol)} s), it was sent at ${secs(at)} s`,
        ev.source,
        segmentText(sent.seg, flow),
      );
  }

  /** No packet by the deadline: say when the next one did leave, if one ever does. */
  private nothingSent(ev: ScriptEvent, t: number, endUs: number): never {
    this.machine.runUntil((endUs + ANY_TIME_WAIT_US) * US, () => this.machine.out.length > 0);
    const later = this.machine.out[0];
    if (later === undefined)
      throw new ScriptFailure(
        ev.pos,
        `expected an outbound packet by ${secs(endUs)} s, none was sent`,
        ev.source,
        'no packet',
      );
    const at = Math.floor(later.atNs / US);
    throw new ScriptFailure(
      ev.pos,
      `timing: expected the packet at ${secs(t)} s (by ${secs(endUs)} s), the next one was sent at ${secs(at)} s`,
      ev.source,
      segmentText(later.seg, this.flowOr()),
    );
  }

  /** packetdrill learns the local port and ISN from the stack's SYN or SYN|ACK. */
  private learnFlow(b: PacketEvent, seg: Segment): Flow {
    if (this.flow === undefined) {
      this.flow = {
        lport: seg.sport,
        rport: seg.dport,
        liveLocalIsn: 0,
        scriptLocalIsn: 0,
        tsMap: new Map(),
        firstTs: undefined,
      };
    }
    const f = this.flow;
    if ((seg.flags & TH_SYN) !== 0 && b.flags.includes('S')) {
      f.liveLocalIsn = seg.seq;
      f.scriptLocalIsn = b.seq ?? 0;
      if ((seg.flags & TH_ACK) === 0) f.lport = seg.sport;
    }
    return f;
  }

  private syscall(ev: ScriptEvent, b: SyscallEvent, t: number): void {
    if (this.pending !== undefined) this.finishPending();
    this.advance(t * US);
    const r = this.sockets.call(b.name, b.args, ev.pos);
    if (r === 'block') {
      const sock = this.sockets.get(evalInt(b.args[0], ev.pos));
      if (ev.blockingEnd === undefined || sock === undefined || b.name !== 'connect')
        throw new ScriptFailure(
          ev.pos,
          `${b.name}() would block and the script gives no end time`,
          ev.source,
          'blocked',
        );
      this.pending = { ev, call: b, sock, endUs: this.endTime(ev, t, ev.blockingEnd) };
      return;
    }
    this.checkResult(ev, b, r);
  }

  private checkResult(ev: ScriptEvent, b: SyscallEvent, r: CallResult): void {
    if (r === 'block') throw new Error('checkResult: a blocked call has no result');
    const got = `${r.ret}${r.errno !== undefined ? ` ${r.errno}` : ''}`;
    const want = `${b.ret}${b.errno !== undefined ? ` ${b.errno}` : ''}`;
    if (r.ret !== b.ret || (b.ret < 0 && b.errno !== undefined && !sameErrno(b.errno, r.errno)))
      throw new ScriptFailure(
        ev.pos,
        `${b.name}() returned ${got}, expected ${want}`,
        ev.source,
        got,
      );
    if (b.name === 'getsockopt') this.checkOptValue(ev, b);
  }

  private checkOptValue(ev: ScriptEvent, b: SyscallEvent): void {
    const a = b.args[3];
    const want = a?.kind === 'list' ? a.items[0] : a;
    const got = this.sockets.lastValue;
    if (want === undefined || want.kind === 'ellipsis') return;
    const ok =
      want.kind === 'ident'
        ? got === want.name || (want.name === '0' && got === 0)
        : got === evalInt(want, ev.pos);
    if (!ok)
      throw new ScriptFailure(
        ev.pos,
        `getsockopt value: expected ${show(want)} vs actual ${String(got)}`,
        ev.source,
        String(got),
      );
  }

  private command(text: string, pos: Pos): void {
    const why = runCommand(text, this, pos);
    if (why !== undefined) throw new ScriptFailure(pos, `command failed: ${why}`, text.trim(), why);
  }

  // ---- CommandHost --------------------------------------------------------------------

  sysctl(name: string, value: string, pos: Pos): void {
    const why = applySysctl(this.sysctls, name, value);
    if (why !== undefined) throw new Unsupported(pos, why.reason, why.detail);
    try {
      this.machine.stack.reconfigure(this.baseOptions());
    } catch (e) {
      // The model's own range check (resolveTcpConfig) refuses the value.
      if (!(e instanceof RangeError)) throw e;
      throw new Unsupported(pos, `sysctl ${name}=${value}`, e.message);
    }
  }

  socketStates(port: number | undefined): string[] {
    const out: string[] = [];
    for (const c of this.machine.stack.connections()) {
      if (port === undefined || c.lport === port) out.push(BSD_STATE[c.t_state]);
    }
    for (const s of this.sockets.all()) {
      if (s.listening) out.push('LISTEN');
      else if (s.conn !== undefined && s.conn.t_state === 'CLOSED') out.push('CLOSED');
    }
    return out;
  }

  drop(state: string): void {
    for (const c of [...this.machine.stack.connections()])
      if (BSD_STATE[c.t_state] === state) c.abort();
  }

  setMd5Key(key: string | undefined): void {
    this.saKey = key;
  }
}

function endSpec(t: TimeSpec): TimeSpec | undefined {
  if (t.kind === 'any' || t.endUs === undefined) return undefined;
  return { kind: t.kind, us: t.endUs };
}

function sameErrno(want: string, got: string | undefined): boolean {
  const alias = (e: string | undefined): string | undefined => (e === 'EWOULDBLOCK' ? 'EAGAIN' : e);
  return alias(want) === alias(got);
}

function show(e: { kind: string; name?: string; v?: number }): string {
  return e.kind === 'ident' ? String(e.name) : String(e.v);
}

function secs(us: number): string {
  return (us / 1_000_000).toFixed(6);
}
