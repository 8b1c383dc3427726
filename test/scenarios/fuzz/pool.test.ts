// Proves the fuzz pool's choice of workers (issue 18, drive.ts poolKind): threads while a core
// is left over, single-threaded V8 child processes once every core has a worker, and that
// every kind of executor (this process, threads, processes) gives the same outcome per run,
// trace hash included, so the choice never changes what a campaign finds.
import type { Options } from 'tinypool';
import { describe, expect, it, vi } from 'vitest';
import { executor, poolKind, type PoolKind } from '../../../scenarios/fuzz/drive.ts';
import type { RunOutcome } from '../../../scenarios/fuzz/task.ts';

/** The options of every pool made in this file: the real Tinypool, with its options kept. */
const made = vi.hoisted(() => [] as Options[]);
vi.mock('tinypool', async (original) => {
  const real = await original<typeof import('tinypool')>();
  class Kept extends real.Tinypool {
    constructor(options: Options) {
      made.push(options);
      super(options);
    }
  }
  return { ...real, Tinypool: Kept };
});

describe('fuzz pool: threads or single-threaded processes', () => {
  it('threads while a core is spare; a process per worker with --single-threaded once none is', () => {
    const threads: PoolKind = { runtime: 'worker_threads', execArgv: [] };
    const processes: PoolKind = { runtime: 'child_process', execArgv: ['--single-threaded'] };
    expect(poolKind(1, 2)).toEqual(threads);
    expect(poolKind(3, 8)).toEqual(threads);
    expect(poolKind(2, 2)).toEqual(processes);
    expect(poolKind(1, 1)).toEqual(processes);
    expect(poolKind(8, 4)).toEqual(processes);
  });

  it('this process, a thread and a single-threaded process give the same outcome per run', async () => {
    const runs = [0, 1, 2];
    const outcomes = async (workers: number, kind?: PoolKind): Promise<unknown[]> => {
      const ex = executor(workers, kind);
      try {
        const out = await Promise.all(
          runs.map((run) =>
            ex.exec({
              target: { design: 'jsr', mutant: undefined },
              campaignSeed: 5,
              run,
              hash: true,
            }),
          ),
        );
        // Wall time is the only field that may differ.
        return out.map(({ wallMs, ...rest }: RunOutcome) => (void wallMs, rest));
      } finally {
        await ex.close();
      }
    };
    const inProcess = await outcomes(0);
    const [threads, processes] = await Promise.all([
      outcomes(1, { runtime: 'worker_threads', execArgv: [] }),
      outcomes(1, { runtime: 'child_process', execArgv: ['--single-threaded'] }),
    ]);
    // Each executor made the pool it was asked for (none for this process).
    expect(made.map((o) => [o.runtime, o.execArgv, o.serialization])).toEqual([
      ['worker_threads', undefined, undefined],
      ['child_process', ['--single-threaded'], 'advanced'],
    ]);
    expect(inProcess).toHaveLength(3);
    for (const o of inProcess)
      expect(o).toMatchObject({ traceHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(threads).toEqual(inProcess);
    expect(processes).toEqual(inProcess);
  }, 120_000);
});
