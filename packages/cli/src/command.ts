import { type ParseArgsConfig, parseArgs } from 'node:util';

/**
 * Exit statuses of every subcommand. `trustChanged` is the audit's: the keys or the log are not
 * the ones pinned on its first run, so nothing else was checked.
 */
export const EXIT = { valid: 0, invalid: 1, usage: 2, trustChanged: 3 } as const;

/** A mistake in how the command was called: printed with the usage, exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** What a command may touch, so tests can run it in-process. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** The folder relative file names are resolved against. */
  cwd: string;
  /**
   * The user's state directory (XDG_STATE_HOME or the platform's equivalent: audit/state-dir.ts),
   * under which `goodtrace audit` keeps a folder per site; processIo() takes it from the
   * environment. Without it, the audit needs --state.
   */
  stateHome?: string;
  fetch: typeof fetch;
  /** Rewrites a status line in place (a terminal's stderr); absent, progress goes to `err` as plain lines. */
  progress?(line: string): void;
}

export interface Command {
  /** One line for `goodtrace help`. */
  summary: string;
  usage: string;
  /** Runs with the arguments after the subcommand's name; resolves to the exit status. */
  run(argv: string[], io: Io): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * A subcommand's arguments: its options (strict: an unknown one is a usage error) and its
 * positionals. Every subcommand parses this way, so every one refuses the same mistakes alike.
 */
export function parseCommandLine<O extends Options>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
