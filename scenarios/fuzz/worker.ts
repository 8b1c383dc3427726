// The tinypool worker: runs one campaign run per task (task.ts). Loaded through
// worker-boot.mjs, which registers tsx first (Node 20 ignores `--import tsx` in a
// worker's execArgv).
import { performance } from 'node:perf_hooks';
import { runTask, type RunOutcome, type RunTask } from './task.ts';

export default function run(task: RunTask): RunOutcome {
  return runTask(task, () => performance.now());
}
