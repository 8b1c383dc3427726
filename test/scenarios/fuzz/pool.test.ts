// Proves the fuzz pool's choice of workers (issue 18, drive.ts poolKind): threads while a core
// is left over, single-threaded V8 child processes once every core has a worker, `--pool` to
// say which where Node's core count is not the run's (a container's CPU request); that every
// kind of executor (this process, threads, processes) gives the same outcome per run, trace
// hash included, so the choice never changes what a campaign finds; and that a child keeps
// this process's Node flags and environment and fails a task with an Error, as a thread does.
import { availableParallelism } from 'node:os';
import type { Options } from 'tinypool';
import { describe, expect, it, vi } from 'vitest';
import { executor, poolKind, type PoolKind } from '../../../scenarios/fuzz/drive.ts';
import type { RunOutcome, RunTask } from '../../../scenarios/fuzz/task.ts';

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

const THREADS: PoolKind = { runtime: 'worker_threads' };
const PROCESSES: PoolKind = { runtime: 'child_process', execArgv: ['--single-threaded'] };

/** The pools `fn` makes: runtime, flags, serialization and whether PATH reached the child. */
async function poolsOf(fn: () => Promise<void>): Promise<unknown[]> {
  made.length = 0;
  await fn();
  return made.map((o) => [o.runtime, o.execArgv, o.serialization, o.env?.PATH !== undefined]);
}

describe('fuzz pool: threads or single-threaded processes', () => {
  it('auto: threads while a core is spare, a process per worker once none is; --pool forces either', () => {
    expect(poolKind(1, 'auto', 2)).toEqual(THREADS);
    expect(poolKind(3, 'auto', 8)).toEqual(THREADS);
    expect(poolKind(2, 'auto', 2)).toEqual(PROCESSES);
    expect(poolKind(1, 'auto', 1)).toEqual(PROCESSES);
    expect(poolKind(8, 'auto', 4)).toEqual(PROCESSES);
    expect(poolKind(4, 'processes', 16)).toEqual(PROCESSES);
    expect(poolKind(2, 'threads', 2)).toEqual(THREADS);
    // The default is auto on the cores Node sees.
    const cores = availableParallelism();
    expect(poolKind(cores)).toEqual(PROCESSES);
    expect(poolKind(cores - 1)).toEqual(cores > 1 ? THREADS : PROCESSES);
  });

  it('an executor with no kind makes the pool poolKind picks for its workers', async () => {
    const cores = availableParallelism();
    const pools = await poolsOf(() => executor(cores).close());
    expect(pools).toEqual([
      ['child_process', [...process.execArgv, '--single-threaded'], 'advanced', true],
    ]);
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
    let inProcess: unknown[] = [];
    let threads: unknown[] = [];
    let processes: unknown[] = [];
    const pools = await poolsOf(async () => {
      inProcess = await outcomes(0);
      [threads, processes] = await Promise.all([outcomes(1, THREADS), outcomes(1, PROCESSES)]);
    });
    // Each executor made the pool it was asked for (none for this process): a child gets
    // this process's Node flags, then --single-threaded, and this environment.
    expect(pools).toEqual([
      ['worker_threads', undefined, undefined, false],
      ['child_process', [...process.execArgv, '--single-threaded'], 'advanced', true],
    ]);
    expect(inProcess).toHaveLength(3);
    for (const o of inProcess)
      expect(o).toMatchObject({ traceHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(threads).toEqual(inProcess);
    expect(processes).toEqual(inProcess);
  }, 120_000);

  it('a task that throws fails with an Error, its name and message, on a thread and in a child', async () => {
    const failure = async (kind: PoolKind): Promise<unknown> => {
      const ex = executor(1, kind);
      try {
        return await ex.exec(null as unknown as RunTask).then(
          () => 'resolved',
          (e: unknown) => e,
        );
      } finally {
        await ex.close();
      }
    };
    const [onThread, inChild] = await Promise.all([failure(THREADS), failure(PROCESSES)]);
    for (const e of [onThread, inChild]) {
      expect(e).toBeInstanceOf(Error);
      expect((e as Error).name).toBe('TypeError');
      expect((e as Error).message).toMatch(/null/);
      expect((e as Error).stack).toMatch(/task\.ts/);
    }
  }, 60_000);
});
