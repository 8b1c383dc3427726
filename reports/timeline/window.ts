// The --window flag: a time window "A..B" of simulated time, each end a duration with its
// unit ("1.9s..2.3s", "1500ms..2s"), A before B. A bad value is the user's mistake: a
// WindowError with a stable code and a message that says what was wrong.
import { DurationError, parseDuration } from '../../sim/index.ts';

export class WindowError extends Error {
  readonly code = 'NSRSIM_BAD_WINDOW';
  constructor(message: string) {
    super(message);
    this.name = 'WindowError';
  }
}

export interface TimeWindow {
  readonly fromNs: number;
  readonly toNs: number;
}

export function parseWindow(text: string): TimeWindow {
  const parts = text.split('..');
  if (parts.length !== 2)
    throw new WindowError(
      `--window "${text}" must be two durations joined by "..", e.g. 1.9s..2.3s`,
    );
  const [a = '', b = ''] = parts;
  const end = (s: string, which: string): number => {
    try {
      return parseDuration(s);
    } catch (e) {
      if (e instanceof DurationError) throw new WindowError(`--window ${which}: ${e.message}`);
      throw e;
    }
  };
  const fromNs = end(a, 'start');
  const toNs = end(b, 'end');
  if (fromNs >= toNs)
    throw new WindowError(`--window "${text}": the start must come before the end`);
  return { fromNs, toNs };
}
