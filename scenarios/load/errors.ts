// User errors of the scenario side (GUIDE §4): typed, with a stable `code`, carrying
// every problem found in a file as `file:line:col: message`. The CLI reports them once,
// without a stack trace, and exits 2.

/** One problem in a scenario file; line and col are 1-based. */
export interface ScenarioIssue {
  file: string;
  line: number;
  col: number;
  message: string;
}

export type ScenarioErrorCode =
  /** The file parsed but is not a valid scenario (or not valid YAML). */
  | 'NSRSIM_SCENARIO_INVALID'
  /** The file could not be read at all. */
  | 'NSRSIM_SCENARIO_UNREADABLE';

export class ScenarioError extends Error {
  constructor(
    readonly code: ScenarioErrorCode,
    readonly issues: readonly ScenarioIssue[],
  ) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'ScenarioError';
  }
}

/** A bad command-line flag or argument (exit status 2, like a bad scenario). */
export class UsageError extends Error {
  readonly code = 'NSRSIM_USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function formatIssue(i: ScenarioIssue): string {
  return `${i.file}:${i.line}:${i.col}: ${i.message}`;
}

/** True for the errors that are the user's mistake (reported without a stack, exit 2). */
export function isUserError(e: unknown): e is ScenarioError | UsageError {
  return e instanceof ScenarioError || e instanceof UsageError;
}
