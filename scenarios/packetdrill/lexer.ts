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
  const toks: Token[] = [];
  let i = 0;
  let line = 1;
  let col = 1;
  let lineStart = true;
  const adv = (n: number): void => {
    for (let k = 0; k < n; k++) {
      if (text[i] === '\n') {
        line++;
        col = 1;
      } else col++;
      i++;
    }
  };
  const push = (kind: TokKind, t: string, l: number, c: number): void => {
    toks.push({ kind, text: t, file, line: l, col: c });
    lineStart = kind === 'nl';
  };
  while (i < text.length) {
    const ch = text[i] ?? '';
    const l = line;
    const c = col;
    if (ch === '\n') {
      push('nl', '\n', l, c);
      adv(1);
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\r') {
      adv(1);
      continue;
    }
    const rest = text.slice(i, i + 2);
    if (rest === '//') {
      while (i < text.length && text[i] !== '\n') adv(1);
      continue;
    }
    if (rest === '/*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) throw new PacketdrillError({ file, line: l, col: c }, 'unterminated /* comment');
      adv(end + 2 - i);
      continue;
    }
    if (rest === '%{') {
      const end = text.indexOf('}%', i + 2);
      if (end < 0) throw new PacketdrillError({ file, line: l, col: c }, 'unterminated %{ block');
      const body = text.slice(i + 2, end);
      adv(end + 2 - i);
      push('code', body, l, c);
      continue;
    }
    if (ch === '`' || ch === '"') {
      const end = text.indexOf(ch, i + 1);
      if (end < 0)
        throw new PacketdrillError({ file, line: l, col: c }, `unterminated ${ch} string`);
      const body = text.slice(i + 1, end);
      adv(end + 1 - i);
      push(ch === '`' ? 'command' : 'string', body, l, c);
      continue;
    }
    if (lineStart && rest === '--') {
      let j = i;
      while (j < text.length && text[j] !== '\n') j++;
      const body = text.slice(i + 2, j).trim();
      adv(j - i);
      push('option', body, l, c);
      continue;
    }
    if (text.startsWith('...', i)) {
      adv(3);
      push('punct', '...', l, c);
      continue;
    }
    const num = /^(0x[0-9a-fA-F]+|\d+(\.\d+)?)/.exec(text.slice(i, i + 40));
    if (num !== null) {
      adv(num[0].length);
      push('num', num[0], l, c);
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i, i + 200));
    if (word !== null) {
      adv(word[0].length);
      push('word', word[0], l, c);
      continue;
    }
    if (PUNCT.has(ch)) {
      adv(1);
      push('punct', ch, l, c);
      continue;
    }
    throw new PacketdrillError(
      { file, line: l, col: c },
      `unexpected character ${JSON.stringify(ch)}`,
    );
  }
  push('nl', '\n', line, col);
  return toks;
}
