// Proves where a campaign's shard comes from: --shard first, then NSRSIM_SHARD=i/n (a CI matrix), then a Kubernetes Indexed Job's JOB_COMPLETION_INDEX with JOB_COMPLETIONS, else the whole campaign; and that every set but unusable value is a UsageError naming the variable (never silently the whole campaign).
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../scenarios/load/errors.ts';
import { resolveShard, shardRun } from '../../../scenarios/fuzz/seeds.ts';

describe('resolveShard', () => {
  it('takes --shard first, whatever the environment says', () => {
    const env = { NSRSIM_SHARD: '1/2', JOB_COMPLETION_INDEX: '3', JOB_COMPLETIONS: '4' };
    expect(resolveShard('2/5', env)).toEqual({ shard: { index: 2, count: 5 }, source: '--shard' });
  });

  it('then NSRSIM_SHARD, the CI-matrix form', () => {
    const env = { NSRSIM_SHARD: '1/2', JOB_COMPLETION_INDEX: '3', JOB_COMPLETIONS: '4' };
    expect(resolveShard(undefined, env)).toEqual({
      shard: { index: 1, count: 2 },
      source: 'NSRSIM_SHARD',
    });
  });

  it('then JOB_COMPLETION_INDEX of JOB_COMPLETIONS (a Kubernetes Indexed Job)', () => {
    expect(resolveShard(undefined, { JOB_COMPLETION_INDEX: '3', JOB_COMPLETIONS: '4' })).toEqual({
      shard: { index: 3, count: 4 },
      source: 'JOB_COMPLETION_INDEX',
    });
    expect(resolveShard(undefined, { JOB_COMPLETION_INDEX: '0', JOB_COMPLETIONS: ' 1 ' })).toEqual({
      shard: { index: 0, count: 1 },
      source: 'JOB_COMPLETION_INDEX',
    });
    // An empty variable is an unset one (a CI template that expands to nothing).
    expect(resolveShard(undefined, { NSRSIM_SHARD: '', JOB_COMPLETION_INDEX: '' })).toEqual({
      shard: { index: 0, count: 1 },
      source: 'none',
    });
  });

  it('else the whole campaign', () => {
    expect(resolveShard(undefined, {})).toEqual({ shard: { index: 0, count: 1 }, source: 'none' });
  });

  it('refuses set but unusable values with a UsageError naming the variable', () => {
    const bad: Array<[string | undefined, Record<string, string>, RegExp]> = [
      ['3/2', {}, /^--shard must be i\/n/],
      ['x', {}, /^--shard must be i\/n/],
      [undefined, { NSRSIM_SHARD: '2/2' }, /^NSRSIM_SHARD must be i\/n.*"2\/2"/],
      [undefined, { NSRSIM_SHARD: '1' }, /^NSRSIM_SHARD must be i\/n/],
      [undefined, { JOB_COMPLETION_INDEX: '1' }, /JOB_COMPLETIONS is not: set it in the manifest/],
      [undefined, { JOB_COMPLETIONS: '4' }, /JOB_COMPLETION_INDEX is not/],
      [undefined, { JOB_COMPLETION_INDEX: '4', JOB_COMPLETIONS: '4' }, /must be below/],
      [undefined, { JOB_COMPLETION_INDEX: '-1', JOB_COMPLETIONS: '4' }, /integer >= 0, got "-1"/],
      [undefined, { JOB_COMPLETION_INDEX: '1.5', JOB_COMPLETIONS: '4' }, /integer >= 0/],
      [undefined, { JOB_COMPLETION_INDEX: '0', JOB_COMPLETIONS: '0' }, /integer >= 1, got "0"/],
      [undefined, { JOB_COMPLETION_INDEX: '0', JOB_COMPLETIONS: '1e3' }, /integer >= 1/],
    ];
    for (const [flag, env, message] of bad) {
      const what = `${flag ?? ''} ${JSON.stringify(env)}`;
      expect(() => resolveShard(flag, env), what).toThrow(UsageError);
      expect(() => resolveShard(flag, env), what).toThrow(message);
    }
  });

  it('shards split the campaign runs without overlap (k mod n = i)', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 5; j++) seen.add(shardRun({ index: i, count: 4 }, j));
    expect([...seen].sort((a, b) => a - b)).toEqual([...Array(20).keys()]);
  });
});
