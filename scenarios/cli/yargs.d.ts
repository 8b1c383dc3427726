// The part of yargs 18's API the CLI uses: yargs ships JavaScript only, without type
// declarations, so these are written here from its documentation.
declare module 'yargs' {
  export interface Arguments {
    [key: string]: unknown;
    _: Array<string | number>;
    $0: string;
  }
  export interface Options {
    type?: 'string' | 'number' | 'boolean' | 'array';
    describe?: string;
    default?: unknown;
    coerce?: (value: unknown) => unknown;
    alias?: string | readonly string[];
    requiresArg?: boolean;
    hidden?: boolean;
    /** false: the option is not inherited by subcommands (`fuzz merge` refuses `fuzz` flags). */
    global?: boolean;
  }
  export interface PositionalOptions {
    type?: 'string' | 'number' | 'boolean';
    describe?: string;
    array?: boolean;
  }
  export interface Argv {
    scriptName(name: string): Argv;
    usage(message: string): Argv;
    command(
      cmd: string,
      description: string,
      builder: (y: Argv) => Argv,
      handler: (args: Arguments) => void,
    ): Argv;
    positional(name: string, opts: PositionalOptions): Argv;
    option(name: string, opts: Options): Argv;
    example(cmd: string, description: string): Argv;
    demandCommand(min: number, message?: string): Argv;
    strict(enabled?: boolean): Argv;
    recommendCommands(): Argv;
    help(): Argv;
    alias(key: string, alias: string): Argv;
    version(version: string): Argv;
    epilogue(text: string): Argv;
    wrap(columns: number | null): Argv;
    terminalWidth(): number;
    fail(
      handler: (message: string | null | undefined, err: Error | undefined, y: Argv) => void,
    ): Argv;
    parse(): unknown;
  }
  export default function yargs(args?: readonly string[]): Argv;
}

declare module 'yargs/helpers' {
  export function hideBin(argv: readonly string[]): string[];
}
