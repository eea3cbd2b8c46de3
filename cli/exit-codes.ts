// failoverctl's exit codes (docs/cli.md): scripts branch on them, so each means one thing.
export const EXIT = {
  OK: 0,
  /** The command ended FAILED, EXPIRED or CANCELLED, or the console refused the change (conflict, precondition, invalid value). */
  FAILED: 1,
  /** Unknown subcommand or option, a missing or malformed argument, a bad config file: nothing was sent. */
  USAGE: 2,
  /** No token, a token the console refuses (revoked, mistyped), or a role too low for the request. */
  AUTH: 3,
  /** The console cannot be reached (connection refused, DNS, timeout), or its database cannot (503). */
  UNREACHABLE: 4,
  /** The answer is not JSON or not the documented shape: a proxy's page, another server on that URL. */
  BAD_ANSWER: 5,
  /** No such cluster, node or command. */
  NOT_FOUND: 6,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An ending with its one line for stderr: thrown anywhere in the CLI, caught once in main. */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
  ) {
    super(message);
    this.name = "CliError";
  }
}

export const usageError = (message: string) => new CliError(EXIT.USAGE, message);
