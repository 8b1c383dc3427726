// Proves bad input never crashes the interpreter: scripts from the suite mangled at random (characters deleted, duplicated or replaced, numbers made huge or negative, lines swapped) always end in a verdict (pass, fail, unsupported, or a syntax error at file:line:col), never an exception.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runScriptText } from '../../../scenarios/packetdrill/suite.ts';

const SUITE =
  process.env.NSRSIM_TCP_TESTSUITE ??
  resolve(import.meta.dirname, '../../../../shared/tcp-testsuite');
const SEEDS = [
  'rcv-data-segments/overlapping-050-150.pkt',
  'snd-syn/snd-syn-rtx-keepinit-ipv4.pkt',
  'state-event-engine/rcv-syn-established/rcv-syn-established-left-edge-insecure-ipv4.pkt',
  'socket-api/setsockopt/socket-api-setsockopt-md5-passive-ipv4.pkt',
  'snippets/noopt-strict-tsopt.pkt',
  'state-event-engine/rcv-rst-ack-syn-rcvd/rcv-rst-ack-syn-rcvd-via-syn-sent-right-edge-ack-left-edge-secure-ipv4.pkt',
  'snd-syn/snd-syn-rtx-max-number-ipv4.pkt',
  'state-event-engine/rcv-syn-fin-time-wait/rcv-syn-fin-time-wait-using-shutdown-right-edge-secure-drop-ipv4.pkt',
].map((f) => readFileSync(resolve(SUITE, f), 'utf8'));

const JUNK = [
  '9999999999',
  '-1',
  '0x',
  '...',
  '<',
  '>',
  '(',
  ')',
  '`',
  '%{',
  '}%',
  ':',
  ',',
  '~',
  '*',
  '!',
  'S.',
  'win',
  'ack',
  'mss 70000',
  'sack 5:1',
  'TS val',
  '#ifdef',
  '#endif',
  '\n',
  ' ',
];

type Edit = { kind: 'del' | 'dup' | 'put' | 'swap'; at: number; len: number; junk: number };

function apply(text: string, edits: readonly Edit[]): string {
  let t = text;
  for (const e of edits) {
    const at = e.at % Math.max(1, t.length);
    const len = 1 + (e.len % 12);
    if (e.kind === 'del') t = t.slice(0, at) + t.slice(at + len);
    else if (e.kind === 'dup') t = t.slice(0, at) + t.slice(at, at + len) + t.slice(at);
    else if (e.kind === 'put')
      t = t.slice(0, at) + (JUNK[e.junk % JUNK.length] ?? '') + t.slice(at + len);
    else {
      const lines = t.split('\n');
      const i = at % lines.length;
      const j = (at + len) % lines.length;
      [lines[i], lines[j]] = [lines[j] ?? '', lines[i] ?? ''];
      t = lines.join('\n');
    }
  }
  return t;
}

const edit = fc.record({
  kind: fc.constantFrom('del', 'dup', 'put', 'swap'),
  at: fc.nat(),
  len: fc.nat(),
  junk: fc.nat(),
}) as fc.Arbitrary<Edit>;

describe('packetdrill interpreter on mangled scripts', () => {
  it('always ends in a verdict, never an exception', () => {
    fc.assert(
      fc.property(
        fc.nat(SEEDS.length - 1),
        fc.array(edit, { minLength: 1, maxLength: 6 }),
        (i, edits) => {
          const text = apply(SEEDS[i] ?? '', edits);
          const r = runScriptText(text, 'm.pkt');
          expect(['pass', 'fail', 'unsupported', 'error']).toContain(r.verdict);
          if (r.verdict === 'error') expect(r.reason).toMatch(/^m\.pkt:\d+:\d+: /);
        },
      ),
      { numRuns: 400, seed: 17 },
    );
  });
});
