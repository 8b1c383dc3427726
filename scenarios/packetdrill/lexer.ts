// The packetdrill lexer: turns a script into tokens with their line and column, after the
// `#ifdef` preprocessing packetdrill's own lexer does (lexer.l keeps a stack of active
// conditions; a skipped line becomes an empty line so positions stay true). Comments
// (`//` to the end of the line, `/* ... */`) are dropped; a backticked shell command, a
// `%{ ... }%` code block and a "string" are one token each, and may span lines.
import { PacketdrillError, type Pos } from './errors.ts';

export type TokKind =
  | 'num' // 12, 0.25, 0x02 (text kept, value parsed by the parser)
  | 'word' // identifiers: mss, SOL_SOCKET, S, EINPROGRESS, net.inet.tcp.x is never a word
  | 'punct' // one of + - * ~ < > ( ) [ ] , : = ! . / | { } ; and the ellipsis "..."
  | 'command' // `...` (text without the backticks)
  | 'code' // %{ ... }% (text without the markers)
  | 'string' // "..." (text without the quotes)
  | 'option' // --name=value at the start of a line (text without the dashes)
  | 'nl';

export interface Token extends Pos {
  kind: TokKind;
  text: string;
}

/** Symbols `#ifdef` sees as defined: the suite's FreeBSD branches (issue 17). */
export const DEFINED_SYMBOLS: ReadonlySet<string> = new Set(['FreeBSD']);

/** Removes the lines `#ifdef` / `#ifndef` / `#else` / `#endif` exclude, keeping line numbers. */
export function preprocess(text: string, file: string): string {
  const lines = text.split('\n');
  const stack: { active: boolean; parentActive: boolean; line: number }[] = [];
  const active = (): boolean => stack.every((s) => s.active);
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const m = /^\s*#\s*(ifdef|ifndef|else|endif)\b\s*(\w*)/.exec(line);
    if (m === null) {
      out.push(active() ? line : '');
      continue;
    }
    const at = { file, line: i + 1, col: line.indexOf('#') + 1 };
    const dir = m[1];
    if (dir === 'ifdef' || dir === 'ifndef') {
      if (m[2] === '') throw new PacketdrillError(at, `#${dir} needs a symbol`);
      const def = DEFINED_SYMBOLS.has(m[2] ?? '');
      stack.push({ active: dir === 'ifdef' ? def : !def, parentActive: active(), line: i + 1 });
    } else if (dir === 'else') {
      const top = stack.at(-1);
      if (top === undefined) throw new PacketdrillError(at, '#else without #ifdef');
      top.active = !top.active;
    } else {
      if (stack.pop() === undefined) throw new PacketdrillError(at, '#endif without #ifdef');
    }
    out.push('');
  }
  const open = stack.at(-1);
  if (open !== undefined)
    throw new PacketdrillError({ file, line: open.line, col: 1 }, '#ifdef without #endif');
  return out.join('\n');
}

const PUNCT = new Set('+-*~<>()[],:=!./|{};'.split(''));

/** Tokenizes a preprocessed script. */
export function tokenize(text: string, file: string): Token[] {
  return new Lexer(text, file).run();
}

class Lexer {
  private readonly toks: Token[] = [];
  private i = 0;
  private line = 1;
  private col = 1;
  private lineStart = true;

  constructor(
    private readonly text: string,
    private readonly file: string,
  ) {}

  run(): Token[] {
    while (this.i < this.text.length) this.one();
    this.push('nl', '\n', this.line, this.col);
    return this.toks;
  }

  private adv(n: number): void {
    for (let k = 0; k < n; k++) {
      if (this.text[this.i] === '\n') {
        this.line++;
        this.col = 1;
      } else this.col++;
      this.i++;
    }
  }

  private push(kind: TokKind, t: string, line: number, col: number): void {
    this.toks.push({ kind, text: t, file: this.file, line, col });
    this.lineStart = kind === 'nl';
  }

  private fail(line: number, col: number, msg: string): PacketdrillError {
    return new PacketdrillError({ file: this.file, line, col }, msg);
  }

  /** Consumes one token (or blank / comment). */
  private one(): void {
    const { text, i, line: l, col: c } = this;
    const ch = text[i] ?? '';
    const two = text.slice(i, i + 2);
    if (ch === '\n') {
      this.push('nl', '\n', l, c);
      this.adv(1);
    } else if (ch === ' ' || ch === '\t' || ch === '\r') {
      this.adv(1);
    } else if (two === '//') {
      while (this.i < text.length && text[this.i] !== '\n') this.adv(1);
    } else if (two === '/*') {
      this.delimited('*/', 2, undefined, 'unterminated /* comment');
    } else if (two === '%{') {
      this.delimited('}%', 2, 'code', 'unterminated %{ block');
    } else if (ch === '`' || ch === '"') {
      this.delimited(ch, 1, ch === '`' ? 'command' : 'string', `unterminated ${ch} string`);
    } else if (this.lineStart && two === '--') {
      const end = text.indexOf('\n', i) < 0 ? text.length : text.indexOf('\n', i);
      const body = text.slice(i + 2, end).trim();
      this.adv(end - i);
      this.push('option', body, l, c);
    } else this.word(ch, l, c);
  }

  /** A token between an opening of `open` characters and `close` (none: a comment). */
  private delimited(close: string, open: number, kind: TokKind | undefined, msg: string): void {
    const { i, line: l, col: c } = this;
    const end = this.text.indexOf(close, i + open);
    if (end < 0) throw this.fail(l, c, msg);
    const body = this.text.slice(i + open, end);
    this.adv(end + close.length - i);
    if (kind !== undefined) this.push(kind, body, l, c);
  }

  /** "...", a number, a word or one punctuation character. */
  private word(ch: string, l: number, c: number): void {
    const rest = this.text.slice(this.i, this.i + 200);
    if (rest.startsWith('...')) {
      this.adv(3);
      this.push('punct', '...', l, c);
      return;
    }
    const m = /^(0x[0-9a-fA-F]+|\d+(\.\d+)?)/.exec(rest) ?? /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (m !== null) {
      this.adv(m[0].length);
      this.push(/^\d/.test(m[0]) ? 'num' : 'word', m[0], l, c);
      return;
    }
    if (!PUNCT.has(ch)) throw this.fail(l, c, `unexpected character ${JSON.stringify(ch)}`);
    this.adv(1);
    this.push('punct', ch, l, c);
  }
}
