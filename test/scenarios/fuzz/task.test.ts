// Proves a campaign run's trace is hashed only when the task asks (issue 18: nothing reads a
// passing run's hash, and encoding and hashing every record was about 12% of a run): without the
// hash the run is the same run (checkers fired, signature, events, simulated time), and with
// it the hash is the one `nsrsim run` gives for the same case.
import { describe, expect, it } from 'vitest';
import { caseForSeed, runCase, type FuzzTarget } from '../../../scenarios/fuzz/run-case.ts';
import { runSeed } from '../../../scenarios/fuzz/seeds.ts';
import { runTask } from '../../../scenarios/fuzz/task.ts';

const clock = (): number => 0;

describe('fuzz run task: the trace hash only when asked', () => {
  it.each<[string, FuzzTarget]>([
    ['the correct design', { design: 'jsr', mutant: undefined }],
    ['a mutant and its twin', { design: 'jsr', mutant: 'prl-secondary-lags-one-packet' }],
  ])('%s: the same run with the hash or without; with it, the case’s own hash', (_, target) => {
    for (const run of [0, 1]) {
      const task = { target, campaignSeed: 9, run };
      const plain = runTask(task, clock);
      const hashed = runTask({ ...task, hash: true }, clock);
      expect(plain.traceHash).toBe('');
      expect(hashed.traceHash).toMatch(/^[0-9a-f]{64}$/);
      expect({ ...plain, traceHash: hashed.traceHash }).toEqual(hashed);
      const alone = runCase(caseForSeed(target, runSeed(9, run)).scenario);
      expect(hashed.traceHash).toBe(alone.traceHash);
      expect(hashed.events).toBe(alone.events);
    }
  });
});
