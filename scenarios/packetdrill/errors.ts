// Errors of the packetdrill side. A script the interpreter cannot read is the user's
// mistake: a PacketdrillError with file:line:col (GUIDE §4), reported once without a
// stack. A script that reads fine but asks for something the model lacks is not an error:
// the interpreter marks it `unsupported` with an Unsupported carrying the reason.

export interface Pos {
  file: string;
  line: number;
  col: number;
}

export function formatPos(p: Pos): string {
  return `${p.file}:${p.line}:${p.col}`;
}

/** A malformed script (syntax, bad number, unknown option shape). */
export class PacketdrillError extends Error {
  readonly code = 'NSRSIM_PACKETDRILL_SYNTAX';
  constructor(
    readonly pos: Pos,
    message: string,
  ) {
    super(`${formatPos(pos)}: ${message}`);
    this.name = 'PacketdrillError';
  }
}

/** The script needs something the model or the interpreter does not have. */
export class Unsupported extends Error {
  constructor(
    readonly pos: Pos,
    /** Short, stable reason (grouped in the results table). */
    readonly reason: string,
    readonly detail = '',
  ) {
    super(`${formatPos(pos)}: unsupported: ${reason}${detail === '' ? '' : ` (${detail})`}`);
    this.name = 'Unsupported';
  }
}

/** The stack under test did not do what the script expects. */
export class ScriptFailure extends Error {
  constructor(
    readonly pos: Pos,
    message: string,
    /** The expected line (script) and what happened (actual). */
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`${formatPos(pos)}: ${message}`);
    this.name = 'ScriptFailure';
  }
}
