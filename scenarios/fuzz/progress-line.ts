// The progress line of `nsrsim fuzz` on stderr, only when stderr is a terminal (a pipe or
// a CI log gets nothing: the report says it all). While the runs go: runs done (of --runs,
// or the share of --time spent), failures and their groups, runs/s and the time left;
// while shrinking: which group, the runs its shrink spent (of its budget), the time left.
import { performance } from 'node:perf_hooks';
import type { Progress } from './campaign.ts';

/** At most this often is the line redrawn (a campaign takes tens of runs a second). */
export const PROGRESS_REDRAW_MS = 100;
const BAR_WIDTH = 24;

/** "42s", "6m30s", "1h02m": wall time left, to the second. */
export function leftText(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function bar(frac: number): string {
  const f = Math.min(1, Math.max(0, frac));
  return `[${'#'.repeat(Math.round(f * BAR_WIDTH)).padEnd(BAR_WIDTH, '.')}]`;
}

/** The text of one progress line (no terminal control), for a label such as "fuzz" or a mutant. */
export function progressText(label: string, p: Progress): string {
  const left = p.leftMs === undefined ? '' : `, ${leftText(p.leftMs)} left`;
  if (p.phase === 'shrink' && p.shrink !== undefined) {
    const s = p.shrink;
    return `${label} shrinking ${s.index + 1}/${s.of} ${s.signature}: ${s.runs} of at most ${s.budget} runs${left}`;
  }
  const failures = `${p.failures} failure${p.failures === 1 ? '' : 's'}${p.failures > 0 ? ` (${p.groups} kind${p.groups === 1 ? '' : 's'})` : ''}`;
  const rate = `${p.runsPerSec.toFixed(1)} runs/s`;
  if (
    p.total !== undefined &&
    (p.timeMs === undefined || p.done / p.total >= p.elapsedMs / p.timeMs)
  )
    return `${label} ${bar(p.done / p.total)} ${p.done}/${p.total} runs, ${failures}, ${rate}${left}`;
  if (p.timeMs !== undefined) {
    const frac = p.elapsedMs / p.timeMs;
    return `${label} ${bar(frac)} ${Math.min(100, Math.floor(frac * 100))}% of --time, ${p.done} runs, ${failures}, ${rate}${left}`;
  }
  return `${label} ${p.done} runs, ${failures}, ${rate}${left}`;
}

/** A progress line on `stream` when it is a terminal; nothing otherwise. */
export function progressLine(
  label: string,
  stream: { isTTY?: boolean; columns?: number; write(s: string): unknown } = process.stderr,
): { onProgress?: (p: Progress) => void; done(): void } {
  if (stream.isTTY !== true) return { done: () => undefined };
  let shown = false;
  let lastMs = -Infinity;
  let lastPhase: Progress['phase'] | undefined;
  return {
    onProgress: (p) => {
      const now = performance.now();
      if (now - lastMs < PROGRESS_REDRAW_MS && p.phase === lastPhase) return;
      lastMs = now;
      lastPhase = p.phase;
      shown = true;
      // One terminal line: a wrapped line could not be redrawn in place.
      const cols = stream.columns ?? 80;
      stream.write(`\r\x1b[K${progressText(label, p).slice(0, Math.max(20, cols - 1))}`);
    },
    done: () => {
      if (shown) stream.write('\r\x1b[K');
    },
  };
}
