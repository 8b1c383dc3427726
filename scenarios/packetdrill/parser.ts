// The packetdrill parser: the subset of the language (google/packetdrill parser.y, with
// nplab's extensions) that the FreeBSD TCP test suite uses. A script is header options
// (`--name=value`) and events, one per line: a time (absolute `0.1`, relative `+0.1`,
// any `*`, a range `a~b`, a blocking call `a...b`) then a TCP packet (`<` injected, `>`
// expected), a system call with its expected result, a backticked shell command or a
// `%{ }%` code block. What the language has but the model cannot honour (IP TOS/TTL
// checks, ECN marks, TCP-over-UDP) throws Unsupported; what is not the language at all
// throws PacketdrillError with file:line:col.
import { PacketdrillError, Unsupported, type Pos } from './errors.ts';
import { preprocess, tokenize, type Token } from './lexer.ts';

export type TimeSpec =
  | { kind: 'abs'; us: number; endUs?: number }
  | { kind: 'rel'; us: number; endUs?: number }
  | { kind: 'any' };

export type ScriptOpt =
  | { kind: 'mss'; v: number }
  | { kind: 'nop' }
  | { kind: 'eol' }
  | { kind: 'wscale'; v: number }
  | { kind: 'sackOK' }
  | { kind: 'sack'; blocks: { left: number; right: number }[] }
  | { kind: 'ts'; val: number; ecr: number }
  | { kind: 'md5' };

export interface PacketEvent {
  type: 'packet';
  dir: '<' | '>';
  /** Flag letters as written: S F R P U E W and '.' for ACK. */
  flags: string;
  /** undefined for `...` (any sequence number). */
  seq: number | undefined;
  len: number;
  /** `!` after the sequence: the number is absolute, not relative to the ISN. */
  absolute: boolean;
  ack: number | undefined;
  win: number | undefined;
  /** undefined: no options; 'any': `<...>` (not checked). */
  options: ScriptOpt[] | 'any' | undefined;
}

export type Expr =
  | { kind: 'ellipsis' }
  | { kind: 'num'; v: number }
  | { kind: 'ident'; name: string }
  | { kind: 'or'; items: Expr[] }
  | { kind: 'list'; items: Expr[] };

export interface SyscallEvent {
  type: 'syscall';
  name: string;
  args: Expr[];
  ret: number;
  errno: string | undefined;
}

export interface CommandEvent {
  type: 'command';
  text: string;
}

export interface CodeEvent {
  type: 'code';
  text: string;
}

export interface ScriptEvent {
  pos: Pos;
  time: TimeSpec;
  /** `a...b`: a blocking system call that returns at b. */
  blockingEnd: TimeSpec | undefined;
  /** The script line, for messages. */
  source: string;
  body: PacketEvent | SyscallEvent | CommandEvent | CodeEvent;
}

export interface Script {
  file: string;
  /** `--name=value` header options, in order. */
  options: { name: string; value: string; pos: Pos }[];
  /** Backticked commands with no time before the first event (packetdrill's init command). */
  initCommands: { text: string; pos: Pos }[];
  /** Backticked commands with no time after the events (packetdrill's cleanup command). */
  cleanupCommands: { text: string; pos: Pos }[];
  events: ScriptEvent[];
  /**
   * The first event the interpreter could not run (it throws this after the header
   * options, so that e.g. an IPv6 script is unsupported for IPv6 first).
   */
  unsupported: Unsupported | undefined;
}

/** Parses a script; throws PacketdrillError (syntax) or Unsupported. */
export function parseScript(text: string, file: string): Script {
  const lines = text.split('\n');
  const toks = tokenize(preprocess(text, file), file);
  const p = new Parser(toks, file, lines);
  return p.script();
}

const SEC_US = 1_000_000;
/** Script times are bounded so that nanoseconds stay safe integers (GUIDE §3). */
const MAX_TIME_S = 1_000_000;
const U8_MAX = 0xff;
const U16_MAX = 0xffff;
const U32_MAX = 0xffffffff;
/** An IPv4 packet is at most 65535 bytes: 20 of IP, 20 of TCP, 40 of options. */
const MAX_PAYLOAD = 65535 - 80;

class Parser {
  private i = 0;
  constructor(
    private readonly toks: Token[],
    private readonly file: string,
    private readonly lines: string[],
  ) {}

  private peek(k = 0): Token {
    const t = this.toks[Math.min(this.i + k, this.toks.length - 1)];
    if (t === undefined) throw new Error('parser: empty token stream');
    return t;
  }
  private next(): Token {
    const t = this.peek();
    if (this.i < this.toks.length - 1) this.i++;
    return t;
  }
  private is(text: string, k = 0): boolean {
    const t = this.peek(k);
    return (t.kind === 'punct' || t.kind === 'word') && t.text === text;
  }
  private expect(text: string, what = `"${text}"`): Token {
    const t = this.next();
    if ((t.kind !== 'punct' && t.kind !== 'word') || t.text !== text)
      throw this.err(t, `expected ${what}, got ${show(t)}`);
    return t;
  }
  private err(t: Pos, msg: string): PacketdrillError {
    return new PacketdrillError(t, msg);
  }
  private number(what: string): number {
    const t = this.next();
    if (t.kind !== 'num') throw this.err(t, `expected ${what}, got ${show(t)}`);
    return parseNum(t);
  }
  /** An integer in 0..max (the width of the field it goes in). */
  private int(what: string, max: number): number {
    const t = this.peek();
    const v = this.number(what);
    if (!Number.isSafeInteger(v)) throw this.err(t, `expected an integer ${what}, got ${t.text}`);
    if (v > max) throw this.err(t, `${what} must be at most ${max}, got ${t.text}`);
    return v;
  }

  script(): Script {
    const s: Script = {
      file: this.file,
      options: [],
      initCommands: [],
      cleanupCommands: [],
      events: [],
      unsupported: undefined,
    };
    for (;;) {
      const t = this.peek();
      if (t.kind === 'nl') {
        if (this.i >= this.toks.length - 1) return s;
        this.next();
        continue;
      }
      if (t.kind === 'option') {
        this.next();
        const eq = t.text.indexOf('=');
        const name = eq < 0 ? t.text : t.text.slice(0, eq);
        s.options.push({ name, value: eq < 0 ? '' : t.text.slice(eq + 1), pos: t });
        continue;
      }
      if (t.kind === 'command') {
        this.next();
        (s.events.length === 0 ? s.initCommands : s.cleanupCommands).push({ text: t.text, pos: t });
        this.endOfLine();
        continue;
      }
      try {
        s.events.push(this.event());
      } catch (e) {
        if (!(e instanceof Unsupported)) throw e;
        s.unsupported ??= e;
        while (this.peek().kind !== 'nl') this.next();
      }
    }
  }

  private endOfLine(): void {
    const t = this.next();
    if (t.kind !== 'nl') throw this.err(t, `unexpected ${show(t)} at the end of the event`);
  }

  private event(): ScriptEvent {
    const start = this.peek();
    const time = this.time();
    let blockingEnd: TimeSpec | undefined;
    if (this.is('...')) {
      this.next();
      blockingEnd = this.time();
    }
    const t = this.peek();
    const source = (this.lines[start.line - 1] ?? '').trim();
    const pos: Pos = { file: this.file, line: start.line, col: start.col };
    let body: ScriptEvent['body'];
    if (t.kind === 'command') {
      this.next();
      body = { type: 'command', text: t.text };
    } else if (t.kind === 'code') {
      this.next();
      body = { type: 'code', text: t.text };
    } else if (this.is('<') || this.is('>')) {
      body = this.packet();
    } else if (t.kind === 'word') {
      body = this.syscall();
    } else {
      throw this.err(
        t,
        `expected a packet, a system call, a command or a code block, got ${show(t)}`,
      );
    }
    this.endOfLine();
    return { pos, time, blockingEnd, source, body };
  }

  private time(): TimeSpec {
    const t = this.peek();
    if (this.is('*')) {
      this.next();
      return { kind: 'any' };
    }
    const rel = this.is('+');
    if (rel) this.next();
    const us = this.seconds();
    let endUs: number | undefined;
    if (this.is('~')) {
      this.next();
      if (this.is('+')) this.next();
      endUs = this.seconds();
    }
    if (t.kind !== 'num' && !rel) throw this.err(t, `expected an event time, got ${show(t)}`);
    return rel ? { kind: 'rel', us, endUs } : { kind: 'abs', us, endUs };
  }

  private seconds(): number {
    const t = this.peek();
    const v = this.number('a time in seconds');
    if (!(v >= 0) || v > MAX_TIME_S)
      throw this.err(t, `a time must be 0..${MAX_TIME_S} seconds, got ${t.text}`);
    return Math.round(v * SEC_US);
  }

  private packet(): PacketEvent {
    const dir = this.next().text as '<' | '>';
    if (this.is('[')) throw new Unsupported(this.peek(), 'ECN', 'IP ECN codepoint marks');
    if (this.is('icmp')) throw new Unsupported(this.peek(), 'ICMP', 'the model has no ICMP');
    if (this.is('('))
      throw new Unsupported(
        this.peek(),
        'IP header fields (TOS, TTL, hop limit, class)',
        this.peek(1).text,
      );
    const flags = this.flags();
    let seq: number | undefined;
    if (this.is('...')) this.next();
    else {
      const at = this.peek();
      seq = this.int('a sequence number', U32_MAX);
      this.expect(':');
      const end = this.int('an end sequence number', U32_MAX);
      if (end < seq) throw this.err(at, `sequence range ${seq}:${end} goes backwards`);
    }
    this.expect('(');
    const len = this.int('a payload length', MAX_PAYLOAD);
    this.expect(')');
    const absolute = this.is('!');
    if (absolute) this.next();
    const pkt: PacketEvent = {
      type: 'packet',
      dir,
      flags,
      seq,
      len,
      absolute,
      ack: undefined,
      win: undefined,
      options: undefined,
    };
    if (this.is('ack')) {
      this.next();
      pkt.ack = this.int('an ack number', U32_MAX);
    }
    if (this.is('win')) {
      this.next();
      pkt.win = this.int('a window', U16_MAX);
    }
    if (this.is('<')) pkt.options = this.tcpOptions();
    if (this.is('/')) throw new Unsupported(this.peek(), 'TCP over UDP', 'encapsulation /udp(...)');
    return pkt;
  }

  private flags(): string {
    let f = '';
    for (;;) {
      const t = this.peek();
      if (t.kind === 'word' && /^[SFRPUEWC]+$/.test(t.text)) f += t.text;
      else if (t.kind === 'punct' && t.text === '.') f += '.';
      else break;
      this.next();
    }
    if (f === '') throw this.err(this.peek(), `expected TCP flags, got ${show(this.peek())}`);
    return f;
  }

  private tcpOptions(): ScriptOpt[] | 'any' {
    this.expect('<');
    if (this.is('...')) {
      this.next();
      this.expect('>');
      return 'any';
    }
    const out: ScriptOpt[] = [];
    for (;;) {
      out.push(this.tcpOption());
      if (this.is(',')) {
        this.next();
        continue;
      }
      this.expect('>', '"," or ">"');
      return out;
    }
  }

  private tcpOption(): ScriptOpt {
    const t = this.next();
    switch (t.kind === 'word' ? t.text : '') {
      case 'nop':
        return { kind: 'nop' };
      case 'eol':
        return { kind: 'eol' };
      case 'mss':
        return { kind: 'mss', v: this.int('an MSS', U16_MAX) };
      case 'wscale':
        return { kind: 'wscale', v: this.int('a window scale', U8_MAX) };
      case 'sackOK':
        return { kind: 'sackOK' };
      case 'sack': {
        const blocks: { left: number; right: number }[] = [];
        while (this.peek().kind === 'num') {
          const left = this.int('a SACK left edge', U32_MAX);
          this.expect(':');
          blocks.push({ left, right: this.int('a SACK right edge', U32_MAX) });
        }
        if (blocks.length === 0) throw this.err(t, 'sack needs at least one block a:b');
        return { kind: 'sack', blocks };
      }
      case 'TS': {
        this.expect('val');
        const val = this.int('a TS val', U32_MAX);
        this.expect('ecr');
        return { kind: 'ts', val, ecr: this.int('a TS ecr', U32_MAX) };
      }
      case 'md5': {
        const v = this.next();
        if (v.kind !== 'word' || v.text !== 'valid')
          throw new Unsupported(v, 'TCP-MD5 signature other than "valid"', v.text);
        return { kind: 'md5' };
      }
      default:
        if (t.kind === 'word') throw new Unsupported(t, 'TCP option', t.text);
        throw this.err(t, `expected a TCP option, got ${show(t)}`);
    }
  }

  private syscall(): SyscallEvent {
    const name = this.next().text;
    this.expect('(');
    const args: Expr[] = [];
    if (!this.is(')')) {
      for (;;) {
        args.push(this.expr());
        if (!this.is(',')) break;
        this.next();
      }
    }
    this.expect(')');
    this.expect('=');
    let sign = 1;
    if (this.is('-')) {
      this.next();
      sign = -1;
    }
    const ret = sign * this.int('a return value', U32_MAX);
    let errno: string | undefined;
    if (this.peek().kind === 'word') errno = this.next().text;
    if (this.is('(')) this.skipParens();
    return { type: 'syscall', name, args, ret, errno };
  }

  private skipParens(): void {
    let depth = 0;
    do {
      const t = this.next();
      if (t.kind === 'nl') throw this.err(t, 'unclosed "(" in the comment after the result');
      if (t.text === '(') depth++;
      if (t.text === ')') depth--;
    } while (depth > 0);
  }

  private expr(): Expr {
    const first = this.atom();
    if (!this.is('|')) return first;
    const items = [first];
    while (this.is('|')) {
      this.next();
      items.push(this.atom());
    }
    return { kind: 'or', items };
  }

  private atom(): Expr {
    const t = this.peek();
    if (this.is('...')) {
      this.next();
      return { kind: 'ellipsis' };
    }
    if (this.is('[')) {
      this.next();
      const items: Expr[] = [];
      while (!this.is(']')) {
        items.push(this.expr());
        if (this.is(',')) this.next();
        else if (!this.is(']'))
          throw this.err(this.peek(), `expected "," or "]", got ${show(this.peek())}`);
      }
      this.next();
      return { kind: 'list', items };
    }
    if (t.kind === 'num') return { kind: 'num', v: this.number('a number') };
    if (this.is('-') && this.peek(1).kind === 'num') {
      this.next();
      return { kind: 'num', v: -this.number('a number') };
    }
    if (t.kind === 'word') {
      this.next();
      return { kind: 'ident', name: t.text };
    }
    if (t.kind === 'string') {
      this.next();
      return { kind: 'ident', name: t.text };
    }
    throw this.err(t, `expected a system call argument, got ${show(t)}`);
  }
}

function parseNum(t: Token): number {
  const v = t.text.startsWith('0x') ? parseInt(t.text.slice(2), 16) : Number(t.text);
  if (!Number.isFinite(v)) throw new PacketdrillError(t, `bad number ${t.text}`);
  return v;
}

function show(t: Token): string {
  if (t.kind === 'nl') return 'the end of the line';
  if (t.kind === 'command') return 'a `command`';
  if (t.kind === 'code') return 'a %{ code }% block';
  return JSON.stringify(t.text);
}
