// Proves a failure's signature is `<checker>/<kind>` of its first violation (in report order): the kind is evidence.direction, `-` without one, and a crash's message with its numbers erased, so runs of one bug that differ in sessions, offsets or sequence numbers share a group while two checkers, two directions or two crashes do not.
import { describe, expect, it } from 'vitest';
import {
  failureSignature,
  INTERNAL_ERROR_CHECK,
  signatureChecker,
} from '../../../scenarios/fuzz/signature.ts';

describe('failureSignature', () => {
  it('is the first violation checker and its direction; later violations do not count', () => {
    const s = failureSignature([
      {
        check: 'identical-data',
        message: 'inbound p1s2: …byte 4096',
        evidence: { direction: 'in', session: 'p1s2' },
      },
      { check: 'liveness', message: 'x', evidence: { direction: 'both' } },
    ]);
    expect(s).toBe('identical-data/in');
    expect(signatureChecker(s ?? '')).toBe('identical-data');
  });

  it('ignores what differs from run to run of one bug (session, offsets)', () => {
    const a = failureSignature([
      {
        check: 'in-order',
        message: 'p0s0: packet #3 after #4',
        evidence: { direction: 'in', session: 'p0s0' },
      },
    ]);
    const b = failureSignature([
      {
        check: 'in-order',
        message: 'p1s1: packet #9 after #12',
        evidence: { direction: 'in', session: 'p1s1' },
      },
    ]);
    expect(a).toBe(b);
  });

  it('tells directions and checkers apart; a violation without a direction is kind "-"', () => {
    const out = failureSignature([
      { check: 'secondary-ahead', message: '', evidence: { direction: 'out' } },
    ]);
    const sack = failureSignature([
      { check: 'secondary-ahead', message: '', evidence: { direction: 'sack' } },
    ]);
    expect(out).not.toBe(sack);
    expect(failureSignature([{ check: 'bounded', message: 'm', evidence: { bound: 3 } }])).toBe(
      'bounded/-',
    );
    expect(failureSignature([{ check: 'max-events', message: 'm' }])).toBe('max-events/-');
  });

  it('a crash is internal-error/<its message, numbers erased>', () => {
    const a = failureSignature([
      {
        check: INTERNAL_ERROR_CHECK,
        message: 'internal error while running fuzz: port 1024 in use\n  at x',
      },
    ]);
    const b = failureSignature([
      {
        check: INTERNAL_ERROR_CHECK,
        message: 'internal error while running fuzz: port 2048 in use',
      },
    ]);
    const c = failureSignature([
      {
        check: INTERNAL_ERROR_CHECK,
        message: 'internal error while running fuzz: assertion failed: snd_una <= snd_max',
      },
    ]);
    expect(a).toBe('internal-error/internal error while running fuzz: port # in use');
    expect(b).toBe(a);
    expect(c).not.toBe(a);
  });

  it('a run without violations has none', () => {
    expect(failureSignature([])).toBeUndefined();
  });
});
